//! The command-line side of receiving records: adding sending systems, the review queue,
//! and importing Bundle files through the same engine as `POST /fhir`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use bedside_domain::NhsNumber;
use bedside_fhir::outcome::Issue;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::auth;
use crate::fhir::engine::{self, BatchResult, Counts, Engine, IngestError, Method};
use crate::fhir::http::{SOURCE_CREDENTIAL_PREFIX, parse_json};
use crate::store::{ReviewId, SourceRecord, Store};

/// Adds a sending system; returns its credential (shown once, stored only as a hash).
pub async fn add_source(store: &dyn Store, ods_code: &str, name: &str) -> anyhow::Result<String> {
    let ods = ods_code.trim().to_uppercase();
    if ods.is_empty() || ods.len() > 16 || !ods.chars().all(|c| c.is_ascii_alphanumeric()) {
        bail!("an ODS code is 1 to 16 letters and digits (e.g. RJ1 or Y01234)");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        bail!("a sending system's name must be 1 to 200 characters");
    }
    let credential = format!("{SOURCE_CREDENTIAL_PREFIX}{}", auth::new_token()?);
    store
        .create_source(&ods, name, &auth::token_hash(&credential), Utc::now())
        .await?;
    Ok(credential)
}

/// Prints the review queue; returns how many items are open.
pub async fn list_reviews(store: &dyn Store, all: bool) -> anyhow::Result<usize> {
    let items = store.review_items(all).await?;
    if items.is_empty() {
        println!("No patients are waiting for review.");
        return Ok(0);
    }
    let mut open = 0;
    for item in &items {
        let state = match item.attached_to {
            Some(p) => format!("attached to person {p}"),
            None => {
                open += 1;
                "open".to_owned()
            }
        };
        println!(
            "{}  {}  from {} ({})  {} resource(s) waiting  [{}]\n    {}: {}",
            item.id,
            item.created_at.format("%Y-%m-%d %H:%M"),
            item.source.name,
            item.source.ods_code,
            item.held,
            state,
            item.reason.as_str(),
            item.detail
        );
    }
    println!("{open} open");
    Ok(open)
}

/// Attaches a review item to the person with this NHS number; returns the person's id.
pub async fn attach_review(store: &dyn Store, id: &str, nhs: NhsNumber) -> anyhow::Result<String> {
    let review: ReviewId = id
        .parse()
        .map_err(|_| anyhow::anyhow!("{id:?} is not a review id (see `bedside review list`)"))?;
    let mut tx = store.begin_ingest().await?;
    let item = tx
        .review_by_id(review)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no review item {id}"))?;
    if let Some(person) = item.attached_to {
        bail!("review item {id} is already attached to person {person}");
    }
    let (person, _) = tx.person_by_nhs(nhs).await?.ok_or_else(|| {
        anyhow::anyhow!(
            "no record is held for NHS number {nhs}: a Patient with that number must arrive first"
        )
    })?;
    let (resources, entries, failed) =
        engine::attach_held(&mut *tx, &item.source, review, person, Utc::now()).await?;
    tx.commit().await?;
    println!(
        "Attached {resources} held resource(s) from {} to NHS number {nhs}: {entries} entries written.",
        item.source.name
    );
    if !failed.is_empty() {
        println!(
            "Warning: {} of them could not be read as records any more and were kept, not shown: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(person.to_string())
}

/// The source files are imported as: the named one, or a built-in "File import" source.
async fn import_source(store: &dyn Store, ods: Option<&str>) -> anyhow::Result<SourceRecord> {
    match ods {
        Some(code) => store
            .source_by_ods(&code.trim().to_uppercase())
            .await?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "there is no sending system with ODS code {code}: add it with `bedside source add`"
                )
            }),
        None => {
            if let Some(s) = store.source_by_ods(IMPORT_ODS).await? {
                return Ok(s);
            }
            // Nobody ever sends with this credential: it exists so imports have a source.
            add_source(store, IMPORT_ODS, "File import").await?;
            store
                .source_by_ods(IMPORT_ODS)
                .await?
                .context("the import source was just added")
        }
    }
}

const IMPORT_ODS: &str = "IMPORT";

/// Every `.json` file under the paths given, in a stable order.
fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
        if p.is_dir() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            children.sort();
            for c in children {
                if c.is_dir() || c.extension().is_some_and(|e| e == "json") {
                    walk(&c, out)?;
                }
            }
        } else if p.is_file() {
            out.push(p.to_owned());
        } else {
            bail!("{} does not exist", p.display());
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out)?;
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    pub files: usize,
    pub counts: Counts,
    /// (file, reasons) for every file or entry refused.
    pub refused: Vec<(String, Vec<Issue>)>,
}

/// Imports Bundle (transaction, batch, collection, document) or single-resource files.
pub async fn import(
    store: &dyn Store,
    ods: Option<&str>,
    paths: &[PathBuf],
) -> anyhow::Result<ImportSummary> {
    let source = import_source(store, ods).await?;
    let files = collect_files(paths)?;
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} files  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = ImportSummary {
        files: files.len(),
        ..ImportSummary::default()
    };
    for file in &files {
        let name = file.display().to_string();
        bar.set_message(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        match import_file(store, &source, file).await {
            Ok((counts, refused)) => {
                summary.counts.merge(&counts);
                if !refused.is_empty() {
                    summary.refused.push((name, refused));
                }
            }
            Err(issues) => {
                summary.counts.rejected += 1;
                summary.refused.push((name, issues));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summary)
}

async fn import_file(
    store: &dyn Store,
    source: &SourceRecord,
    file: &Path,
) -> Result<(Counts, Vec<Issue>), Vec<Issue>> {
    let io = |e: std::io::Error| {
        vec![Issue::general(
            bedside_fhir::outcome::Severity::Error,
            bedside_fhir::outcome::IssueType::Exception,
            format!("could not read the file: {e}"),
        )]
    };
    let bytes = std::fs::read(file).map_err(io)?;
    let value: Value = parse_json(&bytes).map_err(|e| e.issues)?;
    let engine = Engine::new(store, source, Utc::now());
    let refused = |e: IngestError| match e {
        IngestError::Refused { issues, .. } => issues,
        IngestError::Store(e) => vec![Issue::general(
            bedside_fhir::outcome::Severity::Error,
            bedside_fhir::outcome::IssueType::Exception,
            format!("storage failed: {e}"),
        )],
    };
    let resource_type = value
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let bundle_type = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match (resource_type, bundle_type) {
        ("Bundle", "transaction") => {
            let report = engine.transaction(&value).await.map_err(refused)?;
            Ok((report.counts, Vec::new()))
        }
        ("Bundle", kind @ ("batch" | "collection")) => {
            let report = engine.batch(&value, kind).await.map_err(refused)?;
            let mut issues = Vec::new();
            for r in report.results {
                if let BatchResult::Refused { issues: i, .. } = r {
                    issues.extend(i);
                }
            }
            Ok((report.counts, issues))
        }
        (t, _) => {
            let result = engine
                .single(&value, t, Method::Post, None)
                .await
                .map_err(refused)?;
            let mut counts = Counts::default();
            counts.add(&result);
            Ok((counts, Vec::new()))
        }
    }
}
