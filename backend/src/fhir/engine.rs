//! The ingest engine: turns what a sending system posts (a transaction or batch Bundle, a
//! document Bundle, a single resource) into people, entries and review items.
//!
//! The order of work for a submission:
//! 1. check the envelope (Bundle type, each entry's request, internal `urn:uuid:`
//!    references);
//! 2. in one database transaction, fetch what references point at from earlier
//!    submissions, then interpret every resource with `bedside_fhir` (pure);
//! 3. match Patients to people by NHS number (or hold them for review), then link every
//!    other resource's subject the same way;
//! 4. store each resource version (the same resource again changes nothing; a newer one
//!    replaces the older, which stays as history) and bring its entries up to date;
//! 5. commit (a transaction: all or nothing; a batch: each entry on its own).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use bedside_domain::record::{EntryBody, EntryStatus, Provenance};
use bedside_domain::{NhsNumber, PersonId};
use bedside_fhir::NHS_NUMBER_SYSTEM;
use bedside_fhir::inbound::{self, Context, Draft, Interpreted, Meaning, Reference, Resolver};
use bedside_fhir::outcome::{Issue, IssueType, Severity};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::{
    IngestTx, NewEntry, NewPerson, NewResource, ReviewId, ReviewReason, SourceRecord, Store,
    StoreError, StoredResource,
};

/// Why a submission was refused as a whole. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The content is not acceptable: 400 for a malformed envelope, 422 for content that
    /// breaks the rules.
    #[error("the submission was refused")]
    Refused { status: u16, issues: Vec<Issue> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    fn bad(path: &str, code: IssueType, message: impl Into<String>) -> Self {
        Self::Refused {
            status: 400,
            issues: vec![Issue::error(code, path, message)],
        }
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// New: stored, and its entries added to a person's record.
    Created,
    /// A newer version of something already held: stored, entries brought up to date.
    Updated,
    /// Sent before, unchanged: nothing was written.
    Unchanged,
    /// Stored, waiting in the review queue with its patient.
    HeldForReview,
    /// A resource others refer to (an Organization, a Medication…): stored, no entry.
    Supporting,
    /// A valid resource of a kind Bedside does not show: stored and counted, no entry.
    NotModelled,
}

/// The answer for one resource (one Bundle entry).
#[derive(Debug, Clone)]
pub struct EntryResult {
    pub disposition: Disposition,
    /// The server's id for it ("Observation/0192…") and the version stored.
    pub location: Option<(String, String, i64)>,
    pub issues: Vec<Issue>,
}

impl EntryResult {
    pub fn http_status(&self) -> &'static str {
        match self.disposition {
            Disposition::Created => "201 Created",
            _ => "200 OK",
        }
    }
}

/// Counts for a whole submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub held_for_review: usize,
    pub supporting: usize,
    pub not_modelled: usize,
    pub rejected: usize,
    pub entries_written: usize,
}

impl Counts {
    pub fn add(&mut self, d: Disposition) {
        match d {
            Disposition::Created => self.created += 1,
            Disposition::Updated => self.updated += 1,
            Disposition::Unchanged => self.unchanged += 1,
            Disposition::HeldForReview => self.held_for_review += 1,
            Disposition::Supporting => self.supporting += 1,
            Disposition::NotModelled => self.not_modelled += 1,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.held_for_review += other.held_for_review;
        self.supporting += other.supporting;
        self.not_modelled += other.not_modelled;
        self.rejected += other.rejected;
        self.entries_written += other.entries_written;
    }
}

/// A batch entry's result: accepted, or refused on its own.
#[derive(Debug, Clone)]
pub enum BatchResult {
    Done(EntryResult),
    Refused { status: u16, issues: Vec<Issue> },
}

#[derive(Debug, Clone)]
pub struct Report<T> {
    pub results: Vec<T>,
    pub counts: Counts,
}

/// How a single resource arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Put,
}

/// One resource to take in, with where it sat (for error paths and references).
#[derive(Debug, Clone)]
struct Item {
    /// `Bundle.entry[3].resource`, or the resource type for a single resource.
    path: String,
    full_url: Option<String>,
    resource: Value,
    resource_type: String,
    /// The sender's id, or `sha256:…` of its content when it has none.
    resource_id: String,
    version_id: Option<String>,
    content_hash: String,
    /// A document Bundle (Composition first) travelling as a resource.
    document: bool,
}

/// Limits that keep one submission from taking the server down.
pub const MAX_BUNDLE_ENTRIES: usize = 5_000;

pub struct Engine<'a> {
    store: &'a dyn Store,
    source: &'a SourceRecord,
    now: DateTime<Utc>,
}

impl<'a> Engine<'a> {
    pub fn new(store: &'a dyn Store, source: &'a SourceRecord, now: DateTime<Utc>) -> Self {
        Self { store, source, now }
    }

    /// A `transaction` Bundle: every entry or none.
    pub async fn transaction(&self, bundle: &Value) -> Result<Report<EntryResult>, IngestError> {
        let items = bundle_items(bundle, "transaction")?;
        check_internal_references(bundle, &items)?;
        let mut tx = self.store.begin_ingest().await?;
        let interpreted = self.interpret_all(&mut *tx, &items).await;
        let mut problems: Vec<Issue> = Vec::new();
        for r in &interpreted {
            if let Err(issues) = r {
                problems.extend(issues.iter().cloned());
            }
        }
        if !problems.is_empty() {
            return Err(IngestError::Refused {
                status: 422,
                issues: problems,
            });
        }
        let interpreted: Vec<Interpreted> =
            interpreted.into_iter().filter_map(Result::ok).collect();
        let results = self.apply(&mut *tx, &items, &interpreted).await?;
        tx.commit().await?;
        let mut counts = Counts::default();
        for r in &results {
            counts.add(r.0.disposition);
            counts.entries_written += r.1;
        }
        Ok(Report {
            results: results.into_iter().map(|r| r.0).collect(),
            counts,
        })
    }

    /// A `batch` Bundle (or a `collection`, from a file): each entry on its own; one
    /// refused entry does not stop the others.
    pub async fn batch(
        &self,
        bundle: &Value,
        kind: &str,
    ) -> Result<Report<BatchResult>, IngestError> {
        let items = bundle_items(bundle, kind)?;
        // Patients first, so the entries about them find them (as a transaction would).
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|i| items[*i].resource_type != "Patient");
        let mut results: Vec<Option<BatchResult>> = vec![None; items.len()];
        let mut counts = Counts::default();
        // Later entries may point at earlier ones by fullUrl: keep what each Patient became.
        for i in order {
            let item = std::slice::from_ref(&items[i]);
            let mut tx = self.store.begin_ingest().await?;
            let mut interpreted = self
                .interpret_all_with(&mut *tx, item, &items)
                .await
                .into_iter();
            let result = match interpreted.next() {
                Some(Ok(one)) => match self.apply_with(&mut *tx, item, &[one], &items).await {
                    Ok(mut done) => {
                        tx.commit().await?;
                        let (result, written) = done.remove(0);
                        counts.add(result.disposition);
                        counts.entries_written += written;
                        BatchResult::Done(result)
                    }
                    Err(IngestError::Refused { status, issues }) => {
                        counts.rejected += 1;
                        BatchResult::Refused { status, issues }
                    }
                    Err(e) => return Err(e),
                },
                Some(Err(issues)) => {
                    counts.rejected += 1;
                    BatchResult::Refused {
                        status: 422,
                        issues,
                    }
                }
                None => continue,
            };
            results[i] = Some(result);
        }
        Ok(Report {
            results: results.into_iter().flatten().collect(),
            counts,
        })
    }

    /// One resource (`POST /fhir/{type}`, `PUT /fhir/{type}/{id}`), or a document Bundle.
    pub async fn single(
        &self,
        resource: &Value,
        expected_type: &str,
        method: Method,
        url_id: Option<&str>,
    ) -> Result<(EntryResult, usize), IngestError> {
        let resource_type = resource_type_of(resource, expected_type)?;
        if resource_type != expected_type {
            return Err(IngestError::bad(
                &format!("{resource_type}.resourceType"),
                IssueType::Invalid,
                format!("this URL takes a {expected_type}, but the body is a {resource_type}"),
            ));
        }
        if method == Method::Put {
            let body_id = resource.get("id").and_then(Value::as_str);
            if body_id != url_id {
                return Err(IngestError::bad(
                    &format!("{resource_type}.id"),
                    IssueType::Invalid,
                    "the resource's id must match the id in the URL",
                ));
            }
        }
        let document = resource_type == "Bundle";
        if document && resource.get("type").and_then(Value::as_str) != Some("document") {
            return Err(IngestError::bad(
                "Bundle.type",
                IssueType::NotSupported,
                "POST /fhir/Bundle takes a document Bundle; send transaction and batch Bundles to POST /fhir",
            ));
        }
        let item = make_item(resource_type.clone(), None, resource.clone(), document);
        let items = vec![item];
        let mut tx = self.store.begin_ingest().await?;
        let mut interpreted = self.interpret_all(&mut *tx, &items).await;
        let one = match interpreted.remove(0) {
            Ok(one) => one,
            Err(issues) => {
                return Err(IngestError::Refused {
                    status: 422,
                    issues,
                });
            }
        };
        let mut done = self.apply(&mut *tx, &items, &[one]).await?;
        tx.commit().await?;
        Ok(done.remove(0))
    }

    async fn interpret_all(
        &self,
        tx: &mut dyn IngestTx,
        items: &[Item],
    ) -> Vec<Result<Interpreted, Vec<Issue>>> {
        self.interpret_all_with(tx, items, items).await
    }

    /// Interprets `items`, resolving references within `context` (the whole Bundle) and
    /// against what this source sent before.
    async fn interpret_all_with(
        &self,
        tx: &mut dyn IngestTx,
        items: &[Item],
        context: &[Item],
    ) -> Vec<Result<Interpreted, Vec<Issue>>> {
        let resolver = match BundleResolver::prefetch(tx, self.source, context, items).await {
            Ok(r) => r,
            Err(e) => {
                return items
                    .iter()
                    .map(|_| {
                        Err(vec![Issue::general(
                            Severity::Error,
                            IssueType::Exception,
                            format!("could not read earlier resources: {e}"),
                        )])
                    })
                    .collect();
            }
        };
        let ctx = Context {
            source_name: &self.source.name,
            resolver: &resolver,
        };
        let mut out: Vec<Result<Interpreted, Vec<Issue>>> = items
            .iter()
            .map(|item| {
                let result = if item.document {
                    inbound::interpret_document(&item.resource, &ctx)
                } else {
                    inbound::interpret(&item.resource, &ctx)
                };
                result.map_err(|issues| issues.into_iter().map(|i| reroot(i, item)).collect())
            })
            .collect();
        name_panels(context, items, &mut out);
        out
    }

    async fn apply(
        &self,
        tx: &mut dyn IngestTx,
        items: &[Item],
        interpreted: &[Interpreted],
    ) -> Result<Vec<(EntryResult, usize)>, IngestError> {
        self.apply_with(tx, items, interpreted, items).await
    }

    /// Links, stores and records `items` (already interpreted), Patients first.
    async fn apply_with(
        &self,
        tx: &mut dyn IngestTx,
        items: &[Item],
        interpreted: &[Interpreted],
        context: &[Item],
    ) -> Result<Vec<(EntryResult, usize)>, IngestError> {
        let mut patients: HashMap<String, Link> = HashMap::new();
        let mut results: Vec<Option<(EntryResult, usize)>> = vec![None; items.len()];
        // Patients of the whole Bundle are matched first (in a batch, the others were
        // stored by earlier entries), so references by fullUrl or Type/id find them.
        for (i, (item, meaning)) in items.iter().zip(interpreted).enumerate() {
            if let Meaning::Patient(facts) = &meaning.meaning {
                let (link, mut issues) = self.match_patient(tx, item, facts).await?;
                for key in item_keys(item) {
                    patients.insert(key, link);
                }
                issues.extend(meaning.warnings.iter().map(|w| reroot(w.clone(), item)));
                let result = self
                    .store_version(tx, item, link_parts(link), issues)
                    .await?;
                let disposition = match (result.0.disposition, link) {
                    (Disposition::Unchanged, _) => Disposition::Unchanged,
                    (d, Link::Person(_)) => d,
                    (_, Link::Review(_)) => Disposition::HeldForReview,
                };
                results[i] = Some((
                    EntryResult {
                        disposition,
                        ..result.0
                    },
                    0,
                ));
            }
        }
        for other in context {
            if other.resource_type == "Patient"
                && !items.iter().any(|i| i.path == other.path)
                && let Some(link) = self.stored_patient_link(tx, &other.resource_id).await?
            {
                for key in item_keys(other) {
                    patients.insert(key, link);
                }
            }
        }
        for (i, (item, meaning)) in items.iter().zip(interpreted).enumerate() {
            if results[i].is_some() {
                continue;
            }
            let warnings: Vec<Issue> = meaning
                .warnings
                .iter()
                .map(|w| reroot(w.clone(), item))
                .collect();
            let result = match &meaning.meaning {
                Meaning::Patient(_) => continue,
                Meaning::Record { subject, entries } => {
                    let link = self.subject_link(tx, subject, &patients).await?;
                    self.record(tx, item, link, Some(entries), warnings).await?
                }
                Meaning::Retracted { subject } => {
                    let link = self.subject_link(tx, subject, &patients).await?;
                    self.record(tx, item, link, None, warnings).await?
                }
                Meaning::Supporting | Meaning::NotModelled => {
                    let (mut result, _) =
                        self.store_version(tx, item, (None, None), warnings).await?;
                    if result.disposition != Disposition::Unchanged {
                        result.disposition = if matches!(meaning.meaning, Meaning::Supporting) {
                            Disposition::Supporting
                        } else {
                            Disposition::NotModelled
                        };
                    }
                    if matches!(meaning.meaning, Meaning::Supporting) {
                        self.index_identifiers(tx, item).await?;
                    }
                    if matches!(meaning.meaning, Meaning::NotModelled) {
                        result.issues.push(Issue::general(
                            Severity::Information,
                            IssueType::Informational,
                            format!(
                                "accepted and counted: Bedside does not show {} resources",
                                item.resource_type
                            ),
                        ));
                    }
                    (result, 0)
                }
            };
            results[i] = Some(result);
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Stores a resource with entries (`Some`) or as a retraction (`None`) for its subject.
    async fn record(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        link: Link,
        drafts: Option<&Vec<Draft>>,
        warnings: Vec<Issue>,
    ) -> Result<(EntryResult, usize), IngestError> {
        let (mut result, stored) = self
            .store_version(tx, item, link_parts(link), warnings)
            .await?;
        let Some(stored) = stored else {
            return Ok((result, 0));
        };
        match link {
            Link::Review(_) => {
                result.disposition = Disposition::HeldForReview;
                result.issues.push(Issue::general(
                    Severity::Warning,
                    IssueType::Processing,
                    "held for review with its patient: it will appear once the patient is matched",
                ));
                Ok((result, 0))
            }
            Link::Person(person) => {
                let written = self
                    .writer()
                    .write_entries(tx, &stored, item, person, drafts)
                    .await?;
                Ok((result, written))
            }
        }
    }

    /// Stores this version of the resource unless it is already held. Returns the stored
    /// version when something changed.
    async fn store_version(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        (person, review): (Option<PersonId>, Option<ReviewId>),
        mut issues: Vec<Issue>,
    ) -> Result<(EntryResult, Option<StoredResource>), StoreError> {
        let current = tx
            .current_resource(self.source.id, &item.resource_type, &item.resource_id)
            .await?;
        if let Some(current) = &current {
            let same_version = item.version_id.is_some() && current.version_id == item.version_id;
            if same_version || current.content_hash == item.content_hash {
                return Ok((
                    EntryResult {
                        disposition: Disposition::Unchanged,
                        location: Some(location(current)),
                        issues,
                    },
                    None,
                ));
            }
            if is_older(item.version_id.as_deref(), current.version_id.as_deref()) {
                let body = canonical_json(&item.resource);
                let stored = tx
                    .put_resource(NewResource {
                        source: self.source.id,
                        resource_type: &item.resource_type,
                        resource_id: &item.resource_id,
                        version_id: item.version_id.as_deref(),
                        content_hash: &item.content_hash,
                        person_id: person,
                        review_id: review,
                        body: &body,
                        received_at: self.now,
                        make_current: false,
                    })
                    .await?;
                issues.push(Issue::general(
                    Severity::Warning,
                    IssueType::Conflict,
                    format!(
                        "version {} is older than the version {} already held: kept in history only",
                        item.version_id.as_deref().unwrap_or("?"),
                        current.version_id.as_deref().unwrap_or("?")
                    ),
                ));
                return Ok((
                    EntryResult {
                        disposition: Disposition::Unchanged,
                        location: Some(location(&stored)),
                        issues,
                    },
                    None,
                ));
            }
        }
        let body = canonical_json(&item.resource);
        let stored = tx
            .put_resource(NewResource {
                source: self.source.id,
                resource_type: &item.resource_type,
                resource_id: &item.resource_id,
                version_id: item.version_id.as_deref(),
                content_hash: &item.content_hash,
                person_id: person,
                review_id: review,
                body: &body,
                received_at: self.now,
                make_current: true,
            })
            .await?;
        Ok((
            EntryResult {
                disposition: if current.is_some() {
                    Disposition::Updated
                } else {
                    Disposition::Created
                },
                location: Some(location(&stored)),
                issues,
            },
            Some(stored),
        ))
    }

    async fn index_identifiers(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
    ) -> Result<(), StoreError> {
        for (system, value) in identifiers(&item.resource) {
            tx.put_identifier(
                self.source.id,
                &item.resource_type,
                &system,
                &value,
                &item.resource_id,
            )
            .await?;
        }
        Ok(())
    }

    /// Matches a Patient to a person by NHS number, or holds it for review.
    async fn match_patient(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        facts: &inbound::PatientFacts,
    ) -> Result<(Link, Vec<Issue>), StoreError> {
        let key = format!("Patient/{}", item.resource_id);
        // A decision already taken for this patient stands.
        if let Some((review, attached)) = tx.review_item(self.source.id, &key).await? {
            return Ok((
                attached.map_or(Link::Review(review), Link::Person),
                Vec::new(),
            ));
        }
        self.index_identifiers(tx, item).await?;
        let path = format!("{}.identifier", item.path);
        let Some(raw) = facts.nhs_number.as_deref() else {
            let review = self
                .hold(
                    tx,
                    &key,
                    ReviewReason::NoNhsNumber,
                    None,
                    "the Patient has no NHS number",
                )
                .await?;
            return Ok((
                Link::Review(review),
                vec![Issue::warning(
                    IssueType::Required,
                    path,
                    "no NHS number: the patient and everything about them are held for review",
                )],
            ));
        };
        let nhs = match NhsNumber::parse(raw) {
            Ok(n) => n,
            Err(e) => {
                let review = self
                    .hold(
                        tx,
                        &key,
                        ReviewReason::InvalidNhsNumber,
                        Some(raw),
                        &format!("NHS number {raw:?}: {e}"),
                    )
                    .await?;
                return Ok((
                    Link::Review(review),
                    vec![Issue::warning(
                        IssueType::Value,
                        path,
                        format!(
                            "the NHS number {raw:?} fails the Modulus 11 check ({e}): the patient \
                             and everything about them are held for review, not attached to anyone"
                        ),
                    )],
                ));
            }
        };
        match tx.person_by_nhs(nhs).await? {
            Some((person, stored_birth)) => {
                if let Some(sent) = facts.birth_date
                    && sent != stored_birth
                {
                    let review = self
                        .hold(
                            tx,
                            &key,
                            ReviewReason::BirthDateMismatch,
                            Some(&nhs.digits()),
                            &format!(
                                "NHS number {nhs}: the date of birth sent ({sent}) is not the one held ({stored_birth})"
                            ),
                        )
                        .await?;
                    return Ok((
                        Link::Review(review),
                        vec![Issue::warning(
                            IssueType::Conflict,
                            format!("{}.birthDate", item.path),
                            "the date of birth disagrees with the person held for this NHS number: held for review",
                        )],
                    ));
                }
                if let (Some(name), Some(birth_date)) = (&facts.name, facts.birth_date) {
                    tx.upsert_person(
                        &NewPerson {
                            nhs_number: nhs,
                            name: name.clone(),
                            birth_date,
                            sex: facts.sex,
                            gp_practice: facts.gp_practice.clone(),
                        },
                        self.now,
                    )
                    .await?;
                }
                self.resolve_waiting(tx, nhs, person).await?;
                Ok((Link::Person(person), Vec::new()))
            }
            None => match (&facts.name, facts.birth_date) {
                (Some(name), Some(birth_date)) => {
                    let person = tx
                        .upsert_person(
                            &NewPerson {
                                nhs_number: nhs,
                                name: name.clone(),
                                birth_date,
                                sex: facts.sex,
                                gp_practice: facts.gp_practice.clone(),
                            },
                            self.now,
                        )
                        .await?;
                    self.resolve_waiting(tx, nhs, person).await?;
                    Ok((Link::Person(person), Vec::new()))
                }
                _ => {
                    let review = self
                        .hold(
                            tx,
                            &key,
                            ReviewReason::PartialBirthDate,
                            Some(&nhs.digits()),
                            &format!(
                                "NHS number {nhs} is new here and the Patient lacks a full name or date of birth"
                            ),
                        )
                        .await?;
                    Ok((
                        Link::Review(review),
                        vec![Issue::warning(
                            IssueType::Required,
                            format!("{}.birthDate", item.path),
                            "a new patient needs a name and a full date of birth: held for review",
                        )],
                    ))
                }
            },
        }
    }

    /// Entries that arrived (from this source) before the patient they are about, and
    /// waited under a valid NHS number, join the person now that they exist.
    async fn resolve_waiting(
        &self,
        tx: &mut dyn IngestTx,
        nhs: NhsNumber,
        person: PersonId,
    ) -> Result<(), StoreError> {
        let key = format!("nhs:{}", nhs.digits());
        if let Some((review, None)) = tx.review_item(self.source.id, &key).await? {
            attach_held(tx, self.store_source(), review, person, self.now).await?;
        }
        Ok(())
    }

    fn store_source(&self) -> &SourceRecord {
        self.source
    }

    fn writer(&self) -> Writer<'_> {
        Writer {
            source: self.source,
            now: self.now,
        }
    }

    async fn hold(
        &self,
        tx: &mut dyn IngestTx,
        key: &str,
        reason: ReviewReason,
        nhs: Option<&str>,
        detail: &str,
    ) -> Result<ReviewId, StoreError> {
        match tx.review_item(self.source.id, key).await? {
            Some((id, _)) => Ok(id),
            None => {
                tx.open_review(self.source.id, key, reason, nhs, detail, self.now)
                    .await
            }
        }
    }

    /// The person (or review item) a Patient this source sent earlier was linked to.
    async fn stored_patient_link(
        &self,
        tx: &mut dyn IngestTx,
        patient_id: &str,
    ) -> Result<Option<Link>, StoreError> {
        let stored = tx
            .current_resource(self.source.id, "Patient", patient_id)
            .await?;
        Ok(stored.and_then(|s| match (s.person_id, s.review_id) {
            (Some(p), _) => Some(Link::Person(p)),
            (None, Some(r)) => Some(Link::Review(r)),
            (None, None) => None,
        }))
    }

    /// Whose record a resource belongs to: a Patient in the same Bundle, one this source
    /// sent before, or a person by NHS number. Anything else is held for review.
    async fn subject_link(
        &self,
        tx: &mut dyn IngestTx,
        subject: &Reference,
        patients: &HashMap<String, Link>,
    ) -> Result<Link, StoreError> {
        if let Some(reference) = subject.reference.as_deref() {
            if let Some(link) = patients.get(reference) {
                return Ok(*link);
            }
            if let Some(query) = reference.strip_prefix("Patient?") {
                if let Some((system, value)) = identifier_param(query)
                    && system == NHS_NUMBER_SYSTEM
                {
                    return self.nhs_link(tx, &value).await;
                }
            } else if let Some(id) = literal_id(reference, "Patient")
                && let Some(link) = self.stored_patient_link(tx, id).await?
            {
                return Ok(link);
            }
        }
        if let Some(identifier) = &subject.identifier
            && identifier.system.as_deref() == Some(NHS_NUMBER_SYSTEM)
        {
            return self.nhs_link(tx, &identifier.value).await;
        }
        let key = subject
            .reference
            .clone()
            .unwrap_or_else(|| "unidentified".to_owned());
        let review = self
            .hold(
                tx,
                &key,
                ReviewReason::UnknownPatient,
                None,
                &format!("the subject {key:?} is not a patient this server can identify"),
            )
            .await?;
        Ok(Link::Review(review))
    }

    async fn nhs_link(&self, tx: &mut dyn IngestTx, raw: &str) -> Result<Link, StoreError> {
        match NhsNumber::parse(raw) {
            Ok(nhs) => match tx.person_by_nhs(nhs).await? {
                Some((person, _)) => Ok(Link::Person(person)),
                None => {
                    let key = format!("nhs:{}", nhs.digits());
                    let review = self
                        .hold(
                            tx,
                            &key,
                            ReviewReason::UnknownPatient,
                            Some(&nhs.digits()),
                            &format!("no record is held yet for NHS number {nhs}"),
                        )
                        .await?;
                    Ok(Link::Review(review))
                }
            },
            Err(e) => {
                let key = format!("nhs:{raw}");
                let review = self
                    .hold(
                        tx,
                        &key,
                        ReviewReason::InvalidNhsNumber,
                        Some(raw),
                        &format!("NHS number {raw:?}: {e}"),
                    )
                    .await?;
                Ok(Link::Review(review))
            }
        }
    }
}

/// Attaches a review item to a person: the held resources are interpreted again and their
/// entries written to the person's record. Returns (resources, entries written).
pub async fn attach_held(
    tx: &mut dyn IngestTx,
    source: &SourceRecord,
    review: ReviewId,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let held = tx.held_resources(review).await?;
    tx.close_review(review, person, now).await?;
    let writer = Writer { source, now };
    let items: Vec<Item> = held
        .iter()
        .map(|r| {
            // A stored body always parses (it was parsed before it was stored).
            let value: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            let mut item = make_item(
                r.resource_type.clone(),
                None,
                value,
                r.resource_type == "Bundle",
            );
            item.resource_id = r.resource_id.clone();
            item
        })
        .collect();
    let resolver = BundleResolver::prefetch(tx, source, &items, &items).await?;
    // Interpretation is synchronous and finishes before any write is awaited.
    let interpreted: Vec<Result<Interpreted, Vec<Issue>>> = {
        let ctx = Context {
            source_name: &source.name,
            resolver: &resolver,
        };
        items
            .iter()
            .map(|item| {
                if item.document {
                    inbound::interpret_document(&item.resource, &ctx)
                } else {
                    inbound::interpret(&item.resource, &ctx)
                }
            })
            .collect()
    };
    drop(resolver);
    let mut written = 0;
    for ((stored, item), interpreted) in held.iter().zip(&items).zip(interpreted) {
        let Ok(interpreted) = interpreted else {
            continue;
        };
        tx.set_resource_person(&stored.row_id, person).await?;
        let drafts = match &interpreted.meaning {
            Meaning::Record { entries, .. } => Some(entries),
            Meaning::Retracted { .. } => None,
            _ => continue,
        };
        written += writer
            .write_entries(tx, stored, item, person, drafts)
            .await?;
    }
    Ok((held.len(), written))
}

/// Writes entries for received resources, attributed to their source.
struct Writer<'a> {
    source: &'a SourceRecord,
    now: DateTime<Utc>,
}

impl Writer<'_> {
    /// Brings the entries made from `stored` up to date with `drafts` (`None`: withdraw
    /// them all). Returns how many entries were written.
    async fn write_entries(
        &self,
        tx: &mut dyn IngestTx,
        stored: &StoredResource,
        item: &Item,
        person: PersonId,
        drafts: Option<&Vec<Draft>>,
    ) -> Result<usize, StoreError> {
        let existing = tx.entries_from(&stored.logical_id).await?;
        let mut by_key: HashMap<String, _> = existing
            .into_iter()
            .map(|row| {
                let key = row
                    .source_ref
                    .as_deref()
                    .and_then(|r| r.split_once('#'))
                    .map(|(_, k)| k.to_owned())
                    .unwrap_or_default();
                (key, row)
            })
            .collect();
        let mut written = 0;
        for draft in drafts.map(|d| d.as_slice()).unwrap_or_default() {
            let mut body = draft.body.clone();
            if !draft.files.is_empty()
                && let EntryBody::Document { attachments, .. } = &mut body
            {
                for file in &draft.files {
                    let id = tx
                        .put_attachment(
                            person,
                            &file.content_type,
                            file.title.as_deref(),
                            &file.data,
                            self.now,
                        )
                        .await?;
                    attachments.push(bedside_domain::record::Attachment {
                        id,
                        content_type: file.content_type.clone(),
                        title: file.title.clone(),
                        size: u64::try_from(file.data.len()).ok(),
                    });
                }
            }
            let entry = NewEntry {
                provenance: self.provenance(item, draft),
                body,
            };
            match by_key.remove(&draft.key) {
                Some(row) => {
                    let same = row.entry.is_current()
                        && row.person_id == person
                        && row.entry.body == entry.body
                        && row.entry.provenance.authored_at == entry.provenance.authored_at
                        && row.entry.provenance.author == entry.provenance.author;
                    if !same {
                        tx.update_entry(row.id, person, &entry, EntryStatus::Current, self.now)
                            .await?;
                        written += 1;
                    }
                }
                None => {
                    let source_ref = format!("{}#{}", stored.logical_id, draft.key);
                    tx.insert_entry(person, &source_ref, &entry).await?;
                    written += 1;
                }
            }
        }
        // Whatever the resource no longer says (or all of it, for a retraction) is
        // withdrawn: kept in history, never shown as current.
        for (_, row) in by_key {
            if row.entry.is_current() {
                let entry = NewEntry {
                    provenance: Provenance {
                        received_at: self.now,
                        ..row.entry.provenance.clone()
                    },
                    body: row.entry.body.clone(),
                };
                tx.update_entry(
                    row.id,
                    row.person_id,
                    &entry,
                    EntryStatus::EnteredInError,
                    self.now,
                )
                .await?;
                written += 1;
            }
        }
        Ok(written)
    }

    fn provenance(&self, item: &Item, draft: &Draft) -> Provenance {
        Provenance {
            organisation: self.source.name.clone(),
            ods_code: Some(self.source.ods_code.clone()),
            system: None,
            source_id: Some(format!("{}/{}", item.resource_type, item.resource_id)),
            author: draft.author.clone(),
            authored_at: draft.authored_at.unwrap_or(self.now),
            received_at: self.now,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Person(PersonId),
    Review(ReviewId),
}

fn link_parts(link: Link) -> (Option<PersonId>, Option<ReviewId>) {
    match link {
        Link::Person(p) => (Some(p), None),
        Link::Review(r) => (None, Some(r)),
    }
}

fn location(r: &StoredResource) -> (String, String, i64) {
    (r.resource_type.clone(), r.logical_id.clone(), r.version)
}

/// True when both versions are numbers and the incoming one is lower.
fn is_older(incoming: Option<&str>, current: Option<&str>) -> bool {
    match (
        incoming.and_then(|v| v.parse::<u64>().ok()),
        current.and_then(|v| v.parse::<u64>().ok()),
    ) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    }
}

fn reroot(issue: Issue, item: &Item) -> Issue {
    if item.path.contains('[') {
        issue.under(&item.path)
    } else {
        issue
    }
}

/// The names a Bundle entry can be referred to by: its fullUrl, and Type/id.
fn item_keys(item: &Item) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(url) = &item.full_url {
        keys.push(url.clone());
    }
    if let Some(id) = item.resource.get("id").and_then(Value::as_str) {
        keys.push(format!("{}/{}", item.resource_type, id));
        if let Some(url) = &item.full_url
            && let Some(base) = url.strip_suffix(&format!("{}/{}", item.resource_type, id))
            && !base.is_empty()
        {
            keys.push(url.clone());
        }
    }
    keys
}

/// `Type/id`, or an absolute URL ending in it.
fn literal_id<'r>(reference: &'r str, resource_type: &str) -> Option<&'r str> {
    let marker = format!("{resource_type}/");
    let at = reference.rfind(&marker)?;
    if at > 0 && !reference[..at].ends_with('/') {
        return None;
    }
    let id = &reference[at + marker.len()..];
    let id = id.split('/').next().unwrap_or(id);
    (!id.is_empty() && !id.contains('?')).then_some(id)
}

/// The `identifier=system|value` of a conditional reference's query.
fn identifier_param(query: &str) -> Option<(String, String)> {
    query.split('&').find_map(|pair| {
        let value = pair.strip_prefix("identifier=")?;
        let decoded = percent_decode(value);
        let (system, value) = decoded.split_once('|')?;
        Some((system.to_owned(), value.to_owned()))
    })
}

/// Decodes `%XX` escapes (and `+` as a space) in a URL query value.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The resource's identifiers as (system, value).
fn identifiers(resource: &Value) -> Vec<(String, String)> {
    let list = match resource.get("identifier") {
        Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter_map(|i| {
            Some((
                i.get("system")?.as_str()?.to_owned(),
                i.get("value")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn resource_type_of(resource: &Value, path: &str) -> Result<String, IngestError> {
    match resource.get("resourceType") {
        Some(Value::String(t)) if !t.is_empty() => Ok(t.clone()),
        Some(_) => Err(IngestError::bad(
            &format!("{path}.resourceType"),
            IssueType::Structure,
            "resourceType must be a string naming a FHIR R4 resource type",
        )),
        None if resource.is_object() => Err(IngestError::bad(
            path,
            IssueType::Required,
            "this is not a FHIR resource: it has no resourceType",
        )),
        None => Err(IngestError::bad(
            path,
            IssueType::Structure,
            "a FHIR resource is a JSON object",
        )),
    }
}

/// JSON with object keys sorted, so the same content always gives the same text.
pub fn canonical_json(value: &Value) -> String {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(map) => {
                let sorted: BTreeMap<&String, &Value> = map.iter().collect();
                out.push('{');
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(v, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(v, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// The hash that says whether two versions say the same thing: the content without
/// `meta` (version ids and timestamps change when nothing else does).
fn content_hash(resource: &Value) -> String {
    let mut copy = resource.clone();
    if let Value::Object(map) = &mut copy {
        map.remove("meta");
    }
    let digest = Sha256::digest(canonical_json(&copy).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn make_item(
    resource_type: String,
    full_url: Option<String>,
    resource: Value,
    document: bool,
) -> Item {
    let hash = content_hash(&resource);
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("sha256:{hash}"));
    let version_id = resource
        .get("meta")
        .and_then(|m| m.get("versionId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Item {
        path: resource_type.clone(),
        full_url,
        resource,
        resource_type,
        resource_id: id,
        version_id,
        content_hash: hash,
        document,
    }
}

/// Checks a Bundle's envelope and lists its entries.
fn bundle_items(bundle: &Value, expected: &str) -> Result<Vec<Item>, IngestError> {
    let kind = bundle
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != expected {
        return Err(IngestError::bad(
            "Bundle.type",
            IssueType::Invalid,
            format!("expected a {expected} Bundle, got {kind:?}"),
        ));
    }
    let entries = match bundle.get("entry") {
        None => return Ok(Vec::new()),
        Some(Value::Array(e)) => e,
        Some(_) => {
            return Err(IngestError::bad(
                "Bundle.entry",
                IssueType::Structure,
                "Bundle.entry must be an array",
            ));
        }
    };
    if entries.len() > MAX_BUNDLE_ENTRIES {
        return Err(IngestError::Refused {
            status: 413,
            issues: vec![Issue::error(
                IssueType::TooCostly,
                "Bundle.entry",
                format!("a Bundle may hold at most {MAX_BUNDLE_ENTRIES} entries; split it"),
            )],
        });
    }
    let mut issues = Vec::new();
    let mut items = Vec::new();
    let mut seen_urls = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("Bundle.entry[{i}]");
        let Some(resource) = entry.get("resource") else {
            issues.push(Issue::error(
                IssueType::Required,
                format!("{path}.resource"),
                "every entry needs a resource (Bedside takes POST and PUT only)",
            ));
            continue;
        };
        let resource_type = match resource_type_of(resource, &format!("{path}.resource")) {
            Ok(t) => t,
            Err(IngestError::Refused { issues: i, .. }) => {
                issues.extend(i);
                continue;
            }
            Err(e) => return Err(e),
        };
        let full_url = entry
            .get("fullUrl")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(url) = &full_url
            && !seen_urls.insert(url.clone())
        {
            issues.push(Issue::error(
                IssueType::Duplicate,
                format!("{path}.fullUrl"),
                format!("the fullUrl {url:?} appears more than once in the Bundle"),
            ));
        }
        if expected == "transaction" || expected == "batch" {
            let method = entry
                .get("request")
                .and_then(|r| r.get("method"))
                .and_then(Value::as_str);
            match method {
                Some("POST") | Some("PUT") => {}
                Some(other) => issues.push(Issue::error(
                    IssueType::NotSupported,
                    format!("{path}.request.method"),
                    format!("Bedside takes POST and PUT entries, not {other}"),
                )),
                None => issues.push(Issue::error(
                    IssueType::Required,
                    format!("{path}.request.method"),
                    "every transaction or batch entry needs request.method",
                )),
            }
            if method == Some("PUT") {
                let url = entry
                    .get("request")
                    .and_then(|r| r.get("url"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let id = resource.get("id").and_then(Value::as_str);
                let expected_url = id.map(|id| format!("{resource_type}/{id}"));
                // A conditional update (Type?identifier=…) is fine: Bedside identifies
                // resources by the sender's id (or content) either way.
                let conditional = url.starts_with(&format!("{resource_type}?"));
                if !conditional && expected_url.as_deref() != Some(url) {
                    issues.push(Issue::error(
                        IssueType::Invalid,
                        format!("{path}.request.url"),
                        "a PUT entry's request.url must be Type/id matching its resource, or a conditional Type?query",
                    ));
                }
            }
        }
        let document = resource_type == "Bundle";
        if document && resource.get("type").and_then(Value::as_str) != Some("document") {
            issues.push(Issue::error(
                IssueType::NotSupported,
                format!("{path}.resource.type"),
                "a Bundle inside a Bundle must be a document",
            ));
            continue;
        }
        let mut item = make_item(resource_type, full_url, resource.clone(), document);
        item.path = format!("{path}.resource");
        items.push(item);
    }
    if issues.is_empty() {
        Ok(items)
    } else {
        Err(IngestError::Refused {
            status: 400,
            issues,
        })
    }
}

/// Every `urn:uuid:`/`urn:oid:` reference must point at an entry of the same Bundle.
fn check_internal_references(bundle: &Value, items: &[Item]) -> Result<(), IngestError> {
    let urls: HashSet<&str> = items.iter().filter_map(|i| i.full_url.as_deref()).collect();
    let mut issues = Vec::new();
    if let Some(Value::Array(entries)) = bundle.get("entry") {
        for (i, entry) in entries.iter().enumerate() {
            if let Some(resource) = entry.get("resource") {
                walk_references(
                    resource,
                    &format!("Bundle.entry[{i}].resource"),
                    &mut |path, r| {
                        if (r.starts_with("urn:uuid:") || r.starts_with("urn:oid:"))
                            && !urls.contains(r)
                        {
                            issues.push(Issue::error(
                                IssueType::NotFound,
                                path,
                                format!("{r} points at no entry of this Bundle"),
                            ));
                        }
                    },
                );
            }
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(IngestError::Refused {
            status: 422,
            issues,
        })
    }
}

/// Calls `f(path, reference)` for every `reference` string in a resource.
fn walk_references(value: &Value, path: &str, f: &mut dyn FnMut(String, &str)) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{path}.{k}");
                if k == "reference"
                    && let Value::String(r) = v
                {
                    f(p, r);
                } else if k != "contained" {
                    walk_references(v, &p, f);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_references(v, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}

/// Names lab results after the report or group Observation that lists them.
fn name_panels(context: &[Item], items: &[Item], out: &mut [Result<Interpreted, Vec<Issue>>]) {
    let mut panel_of_member: HashMap<String, String> = HashMap::new();
    for item in context {
        if let Some((name, members)) = inbound::panel_of(&item.resource) {
            for m in members {
                panel_of_member.insert(m, name.clone());
            }
        }
    }
    if panel_of_member.is_empty() {
        return;
    }
    for (item, result) in items.iter().zip(out.iter_mut()) {
        let Some(name) = item_keys(item).iter().find_map(|k| panel_of_member.get(k)) else {
            continue;
        };
        if let Ok(Interpreted {
            meaning: Meaning::Record { entries, .. },
            ..
        }) = result
        {
            for draft in entries {
                if let EntryBody::LabResult { panel, .. } = &mut draft.body
                    && panel.is_none()
                {
                    *panel = Some(name.clone());
                }
            }
        }
    }
}

/// References resolved from the Bundle itself and from what this source sent before
/// (fetched up front: interpretation is synchronous and pure).
struct BundleResolver {
    known: HashMap<String, Value>,
}

impl BundleResolver {
    async fn prefetch(
        tx: &mut dyn IngestTx,
        source: &SourceRecord,
        context: &[Item],
        items: &[Item],
    ) -> Result<Self, StoreError> {
        let mut known: HashMap<String, Value> = HashMap::new();
        for item in context {
            for key in item_keys(item) {
                known.insert(key, item.resource.clone());
            }
            // Conditional references can name in-Bundle resources by identifier.
            for (system, value) in identifiers(&item.resource) {
                known.insert(
                    format!("{}?identifier={}|{}", item.resource_type, system, value),
                    item.resource.clone(),
                );
            }
            // Resources inside a document Bundle resolve within it.
            if item.document
                && let Some(Value::Array(entries)) = item.resource.get("entry")
            {
                for e in entries {
                    if let (Some(url), Some(r)) =
                        (e.get("fullUrl").and_then(Value::as_str), e.get("resource"))
                    {
                        known.entry(url.to_owned()).or_insert_with(|| r.clone());
                    }
                }
            }
        }
        let mut wanted: Vec<String> = Vec::new();
        for item in items {
            walk_references(&item.resource, "", &mut |_, r| {
                if !known.contains_key(r) && !r.starts_with("urn:") && !r.starts_with('#') {
                    wanted.push(r.to_owned());
                }
            });
        }
        wanted.sort();
        wanted.dedup();
        for r in wanted {
            let found = if let Some((resource_type, query)) = r.split_once('?') {
                match identifier_param(query) {
                    Some((system, value)) => {
                        tx.resource_by_identifier(source.id, resource_type, &system, &value)
                            .await?
                    }
                    None => None,
                }
            } else {
                match r.rsplit('/').nth(1).zip(r.rsplit('/').next()) {
                    Some((resource_type, id)) if !resource_type.is_empty() => {
                        tx.current_resource(source.id, resource_type, id).await?
                    }
                    _ => None,
                }
            };
            if let Some(stored) = found
                && let Ok(value) = serde_json::from_str::<Value>(&stored.body)
            {
                known.insert(r, value);
            }
        }
        Ok(Self { known })
    }
}

impl Resolver for BundleResolver {
    fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>> {
        self.known.get(reference).map(Cow::Borrowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[{"d":1,"c":2}],"x":"é"}}"#).expect("json");
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":"é","y":[{"c":2,"d":1}]},"b":1}"#
        );
    }

    #[test]
    fn the_same_content_hashes_the_same_whatever_its_meta() {
        let a: Value = serde_json::json!({"resourceType": "Condition", "id": "c1", "meta": {"versionId": "1"}});
        let b: Value = serde_json::json!({"id": "c1", "resourceType": "Condition", "meta": {"versionId": "2"}});
        assert_eq!(content_hash(&a), content_hash(&b));
        let c: Value = serde_json::json!({"id": "c1", "resourceType": "Condition", "note": []});
        assert_ne!(content_hash(&a), content_hash(&c));
    }

    #[test]
    fn references_and_conditional_queries() {
        assert_eq!(literal_id("Patient/123", "Patient"), Some("123"));
        assert_eq!(
            literal_id("https://example.org/fhir/Patient/123/_history/2", "Patient"),
            Some("123")
        );
        assert_eq!(literal_id("Patient?identifier=x|y", "Patient"), None);
        assert_eq!(literal_id("Practitioner/1", "Patient"), None);
        assert_eq!(literal_id("SomePatient/1", "Patient"), None);
        assert_eq!(
            identifier_param("identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018"),
            Some((NHS_NUMBER_SYSTEM.to_owned(), "9990000018".to_owned()))
        );
        assert_eq!(
            identifier_param("identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_x=1"),
            Some((NHS_NUMBER_SYSTEM.to_owned(), "9990000018".to_owned()))
        );
        assert_eq!(identifier_param("name=smith"), None);
    }

    #[test]
    fn versions_compare_only_when_numeric() {
        assert!(is_older(Some("2"), Some("10")));
        assert!(!is_older(Some("10"), Some("2")));
        assert!(!is_older(Some("a"), Some("2")));
        assert!(!is_older(None, Some("2")));
    }
}
