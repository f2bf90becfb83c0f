//! The ingest engine: turns what a sending system posts (a transaction or batch Bundle, a
//! document Bundle, a single resource) into people, entries and review items.
//!
//! The order of work for a submission:
//! 1. check the envelope (Bundle type, each entry's request, duplicate entries, internal
//!    `urn:uuid:` references);
//! 2. outside the write lock, fetch what references point at from earlier submissions,
//!    then interpret every resource with `bedside_fhir` (pure);
//! 3. in the write transaction, match Patients to people by NHS number and date of birth
//!    (or hold them for review), then link every other resource to the person its subject
//!    names: a Patient of the same submission takes its match with it, so a reference can
//!    never skip the date-of-birth check a Patient gets;
//! 4. store each resource version (the same resource again changes nothing; a newer one
//!    replaces the older, which stays as history) and bring its entries up to date: a new
//!    version that says less withdraws what the old one said;
//! 5. commit (a transaction: all or nothing; a batch: each entry on its own).
//!
//! The rule the engine exists to keep: a record is attached to a person only on a valid
//! NHS number, with a date of birth that does not disagree; anything less certain waits
//! in the review queue, never attached silently and never lost.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use bedside_domain::record::{Attachment, EntryBody, EntryStatus, Provenance};
use bedside_domain::{NhsNumber, PersonId};
use bedside_fhir::NHS_NUMBER_SYSTEM;
use bedside_fhir::inbound::{
    self, Context, Draft, Interpreted, Meaning, PatientFacts, Reference, Resolver,
};
use bedside_fhir::outcome::{Issue, IssueType, Severity};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::{
    IngestTx, NewEntry, NewPerson, NewResource, ReviewId, ReviewReason, SourceRecord, Store,
    StoreError, StoredResource,
};

/// Limits that keep one submission from taking the server down.
pub const MAX_BUNDLE_ENTRIES: usize = 5_000;
/// Distinct references looked up in earlier submissions, per submission.
pub const MAX_LOOKUPS: usize = 10_000;
/// Identifiers of one resource indexed for conditional references.
const MAX_IDENTIFIERS: usize = 20;

/// Why a submission was refused as a whole. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The content is not acceptable: 400 for a malformed envelope, 422 for content that
    /// breaks the rules, 413 for too much.
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
    /// The server's id for it ("Observation", logical id, version).
    pub location: Option<(String, String, i64)>,
    pub issues: Vec<Issue>,
    /// Entries added, changed or withdrawn.
    pub entries_written: usize,
}

impl EntryResult {
    pub fn http_status(&self) -> &'static str {
        match self.disposition {
            Disposition::Created | Disposition::HeldForReview => "201 Created",
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
    pub fn add(&mut self, r: &EntryResult) {
        match r.disposition {
            Disposition::Created => self.created += 1,
            Disposition::Updated => self.updated += 1,
            Disposition::Unchanged => self.unchanged += 1,
            Disposition::HeldForReview => self.held_for_review += 1,
            Disposition::Supporting => self.supporting += 1,
            Disposition::NotModelled => self.not_modelled += 1,
        }
        self.entries_written += r.entries_written;
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
    /// Who the sender says this is: its id; else (no id) its first identifier; else a
    /// hash of its content. A document is known by its Composition.
    identity: String,
    version_id: Option<String>,
    content_hash: String,
}

impl Item {
    fn new(path: String, full_url: Option<String>, resource: Value) -> Self {
        let resource_type = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let content_hash = content_hash(&resource);
        let identity = identity_of(&resource, &resource_type, &content_hash);
        let version_id = resource
            .get("meta")
            .and_then(|m| m.get("versionId"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Self {
            path,
            full_url,
            resource,
            resource_type,
            identity,
            version_id,
            content_hash,
        }
    }

    fn is_patient(&self) -> bool {
        self.resource_type == "Patient"
    }

    /// The names other entries of the same submission can use for it: its fullUrl, its
    /// relative Type/id, and `Type?identifier=system|value` for its identifiers.
    fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(url) = &self.full_url {
            keys.push(url.clone());
        }
        if let Some(id) = self.resource.get("id").and_then(Value::as_str) {
            keys.push(format!("{}/{id}", self.resource_type));
        }
        for (system, value) in identifiers(&self.resource)
            .into_iter()
            .take(MAX_IDENTIFIERS)
        {
            keys.push(format!(
                "{}?identifier={system}|{value}",
                self.resource_type
            ));
        }
        keys
    }

    fn review_key(&self) -> String {
        format!("{}/{}", self.resource_type, self.identity)
    }
}

/// A resource's identity when it has no id: its first identifier, so a corrected version
/// sent without an id still replaces the one before. A document is known by its
/// Composition (the Bundle is made anew each time it is sent).
fn identity_of(resource: &Value, resource_type: &str, content_hash: &str) -> String {
    if resource_type == "Bundle" {
        let composition = resource
            .get("entry")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("resource"));
        if let Some(c) = composition {
            if let Some((system, value)) = identifiers(c).into_iter().next() {
                return format!("composition-identifier:{system}|{value}");
            }
            if let Some(id) = c.get("id").and_then(Value::as_str) {
                return format!("composition:{id}");
            }
        }
    }
    if let Some(id) = resource
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        return id.to_owned();
    }
    if let Some((system, value)) = identifiers(resource).into_iter().next() {
        return format!("identifier:{system}|{value}");
    }
    format!("sha256:{content_hash}")
}

/// A submission's entries and where each can be found by reference.
struct Submission {
    items: Vec<Item>,
    /// Reference key → item index.
    index: HashMap<String, usize>,
}

impl Submission {
    fn new(items: Vec<Item>) -> Self {
        let mut index = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            for key in item.keys() {
                index.entry(key).or_insert(i);
            }
        }
        Self { items, index }
    }

    fn find(&self, reference: &str) -> Option<&Item> {
        self.index.get(reference).map(|i| &self.items[*i])
    }
}

/// References resolved from the submission itself (borrowed) and from what this source
/// sent before (fetched up front: interpretation is synchronous and pure).
struct SubmissionResolver<'s> {
    submission: &'s Submission,
    fetched: HashMap<String, Value>,
}

impl Resolver for SubmissionResolver<'_> {
    fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>> {
        self.submission
            .find(reference)
            .map(|i| Cow::Borrowed(&i.resource))
            .or_else(|| self.fetched.get(reference).map(Cow::Borrowed))
    }
}

/// Whose record a resource belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Person(PersonId),
    Review(ReviewId),
}

fn link_parts(link: Option<Link>) -> (Option<PersonId>, Option<ReviewId>) {
    match link {
        Some(Link::Person(p)) => (Some(p), None),
        Some(Link::Review(r)) => (None, Some(r)),
        None => (None, None),
    }
}

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
        let (items, envelope) = bundle_items(bundle, "transaction")?;
        let problems: Vec<Issue> = envelope.into_iter().flatten().flatten().collect();
        if !problems.is_empty() {
            return Err(IngestError::Refused {
                status: 400,
                issues: problems,
            });
        }
        let submission = Submission::new(items);
        check_internal_references(&submission)?;
        let interpreted = self.interpret(&submission).await?;
        let mut problems = Vec::new();
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
        let all: Vec<usize> = (0..submission.items.len()).collect();
        let interpreted: Vec<Interpreted> =
            interpreted.into_iter().filter_map(Result::ok).collect();
        let mut tx = self.store.begin_ingest().await?;
        let mut links = HashMap::new();
        let results = self
            .apply(&mut *tx, &submission, &all, &interpreted, &mut links)
            .await?;
        tx.commit().await?;
        let mut counts = Counts::default();
        for r in &results {
            counts.add(r);
        }
        Ok(Report { results, counts })
    }

    /// A `batch` Bundle (or a `collection`, from a file): each entry on its own; one
    /// refused entry does not stop the others.
    pub async fn batch(
        &self,
        bundle: &Value,
        kind: &str,
    ) -> Result<Report<BatchResult>, IngestError> {
        let (items, envelope) = bundle_items(bundle, kind)?;
        let submission = Submission::new(items);
        let interpreted = self.interpret(&submission).await?;
        let mut results: Vec<Option<BatchResult>> = vec![None; submission.items.len()];
        let mut counts = Counts::default();
        // Patients first, so the entries about them find their match (as a transaction).
        let mut order: Vec<usize> = (0..submission.items.len()).collect();
        order.sort_by_key(|i| !submission.items[*i].is_patient());
        let mut links: HashMap<String, Option<Link>> = HashMap::new();
        for i in order {
            let refused = match (&envelope[i], &interpreted[i]) {
                (Some(issues), _) => Some((400, issues.clone())),
                (None, Err(issues)) => Some((422, issues.clone())),
                (None, Ok(_)) => None,
            };
            if let Some((status, issues)) = refused {
                // A refused Patient links nobody: references to it are held for review.
                for key in submission.items[i].keys() {
                    links.insert(key, None);
                }
                counts.rejected += 1;
                results[i] = Some(BatchResult::Refused { status, issues });
                continue;
            }
            let Ok(one) = &interpreted[i] else {
                continue;
            };
            let mut tx = self.store.begin_ingest().await?;
            match self
                .apply(
                    &mut *tx,
                    &submission,
                    &[i],
                    std::slice::from_ref(one),
                    &mut links,
                )
                .await
            {
                Ok(mut done) => {
                    tx.commit().await?;
                    let result = done.remove(0);
                    counts.add(&result);
                    results[i] = Some(BatchResult::Done(result));
                }
                Err(IngestError::Refused { status, issues }) => {
                    counts.rejected += 1;
                    results[i] = Some(BatchResult::Refused { status, issues });
                }
                Err(e) => return Err(e),
            }
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
    ) -> Result<EntryResult, IngestError> {
        let resource_type = resource_type_of(resource, expected_type)?;
        if resource_type != expected_type {
            return Err(IngestError::bad(
                &format!("{resource_type}.resourceType"),
                IssueType::Invalid,
                format!("this URL takes a {expected_type}, but the body is a {resource_type}"),
            ));
        }
        if method == Method::Put && resource.get("id").and_then(Value::as_str) != url_id {
            return Err(IngestError::bad(
                &format!("{resource_type}.id"),
                IssueType::Invalid,
                "the resource's id must match the id in the URL",
            ));
        }
        if resource_type == "Bundle"
            && resource.get("type").and_then(Value::as_str) != Some("document")
        {
            return Err(IngestError::bad(
                "Bundle.type",
                IssueType::NotSupported,
                "POST /fhir/Bundle takes a document Bundle; send transaction and batch Bundles to POST /fhir",
            ));
        }
        let submission = Submission::new(vec![Item::new(resource_type, None, resource.clone())]);
        let mut interpreted = self.interpret(&submission).await?;
        let one = match interpreted.remove(0) {
            Ok(one) => one,
            Err(issues) => {
                return Err(IngestError::Refused {
                    status: 422,
                    issues,
                });
            }
        };
        let mut tx = self.store.begin_ingest().await?;
        let mut links = HashMap::new();
        let mut done = self
            .apply(&mut *tx, &submission, &[0], &[one], &mut links)
            .await?;
        tx.commit().await?;
        Ok(done.remove(0))
    }

    /// Looks up what the submission refers to (outside the write lock), then interprets
    /// every resource.
    async fn interpret(
        &self,
        submission: &Submission,
    ) -> Result<Vec<Result<Interpreted, Vec<Issue>>>, IngestError> {
        let mut reading = self.store.begin_reading().await?;
        let fetched = prefetch(&mut *reading, self.source, submission).await?;
        drop(reading);
        let resolver = SubmissionResolver {
            submission,
            fetched,
        };
        let ctx = Context {
            source_name: &self.source.name,
            resolver: &resolver,
        };
        let mut out: Vec<Result<Interpreted, Vec<Issue>>> = submission
            .items
            .iter()
            .map(|item| {
                inbound::interpret(&item.resource, &ctx)
                    .map_err(|issues| issues.into_iter().map(|i| reroot(i, item)).collect())
            })
            .collect();
        name_panels(submission, &mut out);
        Ok(out)
    }

    /// Links, stores and records the chosen items (already interpreted), Patients first.
    /// `links` carries Patient matches from reference key to link across calls (a batch
    /// applies one entry at a time).
    async fn apply(
        &self,
        tx: &mut dyn IngestTx,
        submission: &Submission,
        chosen: &[usize],
        interpreted: &[Interpreted],
        links: &mut HashMap<String, Option<Link>>,
    ) -> Result<Vec<EntryResult>, IngestError> {
        let writer = Writer {
            source: self.source,
            now: self.now,
        };
        let mut results: Vec<Option<EntryResult>> = vec![None; chosen.len()];
        for (slot, (&i, meaning)) in chosen.iter().zip(interpreted).enumerate() {
            let item = &submission.items[i];
            if let Meaning::Patient(facts) = &meaning.meaning {
                let mut warnings = reroot_all(&meaning.warnings, item);
                let (link, result) = Box::pin(self.patient(tx, item, facts, &mut warnings)).await?;
                for key in item.keys() {
                    links.insert(key, Some(link));
                }
                results[slot] = Some(result);
            }
        }
        for (slot, (&i, meaning)) in chosen.iter().zip(interpreted).enumerate() {
            if results[slot].is_some() {
                continue;
            }
            let item = &submission.items[i];
            let warnings = reroot_all(&meaning.warnings, item);
            let result = match &meaning.meaning {
                Meaning::Patient(_) => continue,
                Meaning::Record { subject, entries } => {
                    Box::pin(self.record(
                        tx,
                        &writer,
                        submission,
                        item,
                        subject,
                        Some(entries),
                        links,
                        warnings,
                    ))
                    .await?
                }
                Meaning::Retracted { subject } => {
                    let result = Box::pin(self.record(
                        tx, &writer, submission, item, subject, None, links, warnings,
                    ))
                    .await?;
                    // A withdrawn lab report withdraws its results.
                    let cascaded = self.withdraw_members(tx, &writer, submission, item).await?;
                    EntryResult {
                        entries_written: result.entries_written + cascaded,
                        ..result
                    }
                }
                Meaning::Supporting | Meaning::NotModelled => {
                    let supporting = matches!(meaning.meaning, Meaning::Supporting);
                    let (mut result, stored) = self.store_version(tx, item, None, warnings).await?;
                    if let Some(stored) = &stored {
                        // What an earlier version of this resource said is withdrawn: it
                        // says nothing for the record now.
                        result.entries_written = writer.withdraw_all(tx, stored).await?;
                        if supporting {
                            index_identifiers(tx, self.source, item).await?;
                        }
                        result.disposition = if supporting {
                            Disposition::Supporting
                        } else {
                            Disposition::NotModelled
                        };
                    }
                    if !supporting {
                        result.issues.push(Issue::general(
                            Severity::Information,
                            IssueType::Informational,
                            format!(
                                "accepted and counted: Bedside does not show this {}",
                                item.resource_type
                            ),
                        ));
                    }
                    result
                }
            };
            results[slot] = Some(result);
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Stores a Patient and says whose record it is.
    async fn patient(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        facts: &PatientFacts,
        warnings: &mut Vec<Issue>,
    ) -> Result<(Link, EntryResult), IngestError> {
        let current = tx
            .current_resource(self.source.id, &item.resource_type, &item.identity)
            .await?;
        // Sent before, unchanged (or an older version): nothing is matched again, so a
        // late copy can never undo a correction made since.
        if let Some(current) = &current
            && let Some(link) = stored_link(current)
            && (same_version(item, current)
                || is_older(item.version_id.as_deref(), current.version_id.as_deref()))
        {
            let (result, _) = self
                .store_version(tx, item, Some(link), warnings.clone())
                .await?;
            return Ok((link, result));
        }
        let link = self
            .match_patient(tx, item, facts, current.as_ref(), warnings)
            .await?;
        index_identifiers(tx, self.source, item).await?;
        let (mut result, _) = self
            .store_version(tx, item, Some(link), warnings.clone())
            .await?;
        if matches!(link, Link::Review(_)) && result.disposition != Disposition::Unchanged {
            result.disposition = Disposition::HeldForReview;
        }
        Ok((link, result))
    }

    /// Matches a Patient to a person by NHS number and date of birth, or holds it.
    async fn match_patient(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        facts: &PatientFacts,
        current: Option<&StoredResource>,
        warnings: &mut Vec<Issue>,
    ) -> Result<Link, StoreError> {
        let key = item.review_key();
        let existing = tx.review_item(self.source.id, &key).await?;
        // A person already decided on stays decided.
        if let Some((_, Some(person))) = existing {
            return Ok(Link::Person(person));
        }
        let matched = self.match_facts(tx, item, facts, warnings).await?;
        let person = match matched {
            Ok(person) => person,
            Err((reason, nhs, detail)) => {
                let review = self.hold(tx, &key, reason, nhs.as_deref(), &detail).await?;
                return Ok(review);
            }
        };
        // Its earlier versions matched someone else: nothing moves until a person decides.
        if let Some(previous) = current.and_then(|c| c.person_id)
            && previous != person
        {
            warnings.push(Issue::warning(
                IssueType::Conflict,
                format!("{}.identifier", item.path),
                "this Patient now matches a different person than its earlier versions: held for review, nothing moved",
            ));
            return self
                .hold(
                    tx,
                    &key,
                    ReviewReason::IdentityChanged,
                    facts.nhs_number.as_deref(),
                    "a new version of this Patient matches a different person from its earlier versions",
                )
                .await;
        }
        // Records that waited for this patient (sent before them, or held until their
        // details were corrected) join them now.
        if let Some((review, None)) = existing {
            Box::pin(attach_held(tx, self.source, review, person, self.now)).await?;
        }
        if let Some(nhs) = facts
            .nhs_number
            .as_deref()
            .and_then(|n| NhsNumber::parse(n).ok())
        {
            let waiting = format!("nhs:{}", nhs.digits());
            if let Some((review, None)) = tx.review_item(self.source.id, &waiting).await? {
                Box::pin(attach_held(tx, self.source, review, person, self.now)).await?;
            }
        }
        Ok(Link::Person(person))
    }

    /// The person these facts identify (creating them when new and complete), or why
    /// they cannot be matched safely.
    async fn match_facts(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        facts: &PatientFacts,
        warnings: &mut Vec<Issue>,
    ) -> Result<Result<PersonId, (ReviewReason, Option<String>, String)>, StoreError> {
        let path = format!("{}.identifier", item.path);
        let Some(raw) = facts.nhs_number.as_deref() else {
            warnings.push(Issue::warning(
                IssueType::Required,
                path,
                "no NHS number: the patient and everything about them are held for review",
            ));
            return Ok(Err((
                ReviewReason::NoNhsNumber,
                None,
                format!(
                    "{} has no NHS number{}",
                    item.review_key(),
                    name_hint(facts)
                ),
            )));
        };
        let nhs = match NhsNumber::parse(raw) {
            Ok(n) => n,
            Err(e) => {
                warnings.push(Issue::warning(
                    IssueType::Value,
                    path,
                    format!(
                        "the NHS number {raw:?} fails the Modulus 11 check ({e}): the patient and \
                         everything about them are held for review, not attached to anyone"
                    ),
                ));
                return Ok(Err((
                    ReviewReason::InvalidNhsNumber,
                    Some(raw.to_owned()),
                    format!("NHS number {raw:?}: {e}{}", name_hint(facts)),
                )));
            }
        };
        let new_person = |name: &bedside_domain::record::PersonName, birth_date| NewPerson {
            nhs_number: nhs,
            name: name.clone(),
            birth_date,
            sex: facts.sex,
            gp_practice: facts.gp_practice.clone(),
        };
        match tx.person_by_nhs(nhs).await? {
            Some((person, held_birth)) => {
                if let Some(sent) = facts.birth_date
                    && sent != held_birth
                {
                    warnings.push(Issue::warning(
                        IssueType::Conflict,
                        format!("{}.birthDate", item.path),
                        "the date of birth disagrees with the person held for this NHS number: held for review",
                    ));
                    return Ok(Err((
                        ReviewReason::BirthDateMismatch,
                        Some(nhs.digits()),
                        format!(
                            "NHS number {nhs}: the date of birth sent ({sent}) is not the one held ({held_birth}){}",
                            name_hint(facts)
                        ),
                    )));
                }
                if let (Some(name), Some(birth_date)) = (&facts.name, facts.birth_date) {
                    tx.upsert_person(&new_person(name, birth_date), self.now)
                        .await?;
                }
                Ok(Ok(person))
            }
            None => match (&facts.name, facts.birth_date) {
                (Some(name), Some(birth_date)) => Ok(Ok(tx
                    .upsert_person(&new_person(name, birth_date), self.now)
                    .await?)),
                _ => {
                    warnings.push(Issue::warning(
                        IssueType::Required,
                        format!("{}.birthDate", item.path),
                        "a new patient needs a name and a full date of birth: held for review",
                    ));
                    Ok(Err((
                        ReviewReason::PartialBirthDate,
                        Some(nhs.digits()),
                        format!(
                            "NHS number {nhs} is new here and the Patient lacks a full name or date of birth{}",
                            name_hint(facts)
                        ),
                    )))
                }
            },
        }
    }

    /// Opens (or finds) the review item for a patient key. An item already attached to a
    /// person sends later arrivals to that person, as decided.
    async fn hold(
        &self,
        tx: &mut dyn IngestTx,
        key: &str,
        reason: ReviewReason,
        nhs: Option<&str>,
        detail: &str,
    ) -> Result<Link, StoreError> {
        match tx.review_item(self.source.id, key).await? {
            Some((_, Some(person))) => Ok(Link::Person(person)),
            Some((id, None)) => Ok(Link::Review(id)),
            None => Ok(Link::Review(
                tx.open_review(self.source.id, key, reason, nhs, detail, self.now)
                    .await?,
            )),
        }
    }

    /// Whose record a resource belongs to. A Patient of the same submission (or inside
    /// the same document, or contained) takes its match with it; a Patient this source
    /// sent before, its stored link; a bare NHS number (a conditional reference or an
    /// identifier) links by that number. Anything else is held for review.
    #[allow(clippy::too_many_arguments)]
    async fn subject_link(
        &self,
        tx: &mut dyn IngestTx,
        submission: &Submission,
        item: &Item,
        subject: &Reference,
        links: &HashMap<String, Option<Link>>,
        warnings: &mut Vec<Issue>,
    ) -> Result<Link, StoreError> {
        if let Some(reference) = subject.reference.as_deref() {
            if let Some(link) = links.get(reference) {
                return match link {
                    Some(link) => Ok(*link),
                    None => self.unidentified(tx, item, subject).await,
                };
            }
            if submission.find(reference).is_some_and(Item::is_patient) {
                // A Patient of this submission that was not matched (refused): nobody.
                return self.unidentified(tx, item, subject).await;
            }
            if let Some(patient) = embedded_patient(item, reference) {
                return Box::pin(self.embedded_link(tx, item, patient, warnings)).await;
            }
            if let Some(cond) = inbound::conditional_reference(reference)
                && cond.resource_type == "Patient"
            {
                return match cond.system.as_deref() {
                    Some(NHS_NUMBER_SYSTEM) => self.nhs_link(tx, &cond.value).await,
                    Some(system) => {
                        match tx
                            .resource_by_identifier(self.source.id, "Patient", system, &cond.value)
                            .await?
                            .and_then(|s| stored_link(&s))
                        {
                            Some(link) => Ok(link),
                            None => self.unresolved(tx, reference).await,
                        }
                    }
                    None => self.unresolved(tx, reference).await,
                };
            }
            if let Some(id) = relative_id(reference, "Patient") {
                if let Some(link) = tx
                    .current_resource(self.source.id, "Patient", id)
                    .await?
                    .and_then(|s| stored_link(&s))
                {
                    return Ok(link);
                }
                // The id this server gives a person (from a Patient search).
                if let Ok(person) = PersonId::parse(id)
                    && tx.person_exists(person).await?
                {
                    return Ok(Link::Person(person));
                }
            }
            if !reference.starts_with('#') {
                return self.unresolved(tx, reference).await;
            }
        }
        if let Some(identifier) = &subject.identifier
            && identifier.system.as_deref() == Some(NHS_NUMBER_SYSTEM)
            && subject.reference.is_none()
        {
            return self.nhs_link(tx, &identifier.value).await;
        }
        self.unidentified(tx, item, subject).await
    }

    /// A Patient carried inside the resource (a document's, or a contained one): matched
    /// like any Patient, without being stored as one.
    async fn embedded_link(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        patient: &Value,
        warnings: &mut Vec<Issue>,
    ) -> Result<Link, StoreError> {
        let interpreted = {
            let ctx = Context {
                source_name: &self.source.name,
                resolver: &inbound::NoResolver,
            };
            inbound::interpret(patient, &ctx).map(|i| i.meaning)
        };
        let facts = match interpreted {
            Ok(Meaning::Patient(facts)) => facts,
            _ => {
                return self.unidentified(tx, item, &Reference::default()).await;
            }
        };
        let key = format!("{}#patient", item.review_key());
        if let Some((_, Some(person))) = tx.review_item(self.source.id, &key).await? {
            return Ok(Link::Person(person));
        }
        match self.match_facts(tx, item, &facts, warnings).await? {
            Ok(person) => Ok(Link::Person(person)),
            Err((reason, nhs, detail)) => {
                self.hold(tx, &key, reason, nhs.as_deref(), &detail).await
            }
        }
    }

    async fn nhs_link(&self, tx: &mut dyn IngestTx, raw: &str) -> Result<Link, StoreError> {
        match NhsNumber::parse(raw) {
            Ok(nhs) => match tx.person_by_nhs(nhs).await? {
                Some((person, _)) => Ok(Link::Person(person)),
                None => {
                    self.hold(
                        tx,
                        &format!("nhs:{}", nhs.digits()),
                        ReviewReason::UnknownPatient,
                        Some(&nhs.digits()),
                        &format!("no record is held yet for NHS number {nhs}"),
                    )
                    .await
                }
            },
            Err(e) => {
                self.hold(
                    tx,
                    &format!("nhs:{raw}"),
                    ReviewReason::InvalidNhsNumber,
                    Some(raw),
                    &format!("NHS number {raw:?}: {e}"),
                )
                .await
            }
        }
    }

    /// A reference to a patient this server does not know: held under that reference, so
    /// the Patient arriving later (or a decision) brings everything that waited.
    async fn unresolved(&self, tx: &mut dyn IngestTx, reference: &str) -> Result<Link, StoreError> {
        self.hold(
            tx,
            reference,
            ReviewReason::UnknownPatient,
            None,
            &format!("the subject {reference:?} is a patient this server has not been sent"),
        )
        .await
    }

    /// A subject nobody can identify: held on its own (never grouped with others, so one
    /// decision can only ever move this resource).
    async fn unidentified(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        subject: &Reference,
    ) -> Result<Link, StoreError> {
        let mut said = Vec::new();
        if let Some(r) = &subject.reference {
            said.push(format!("reference {r:?}"));
        }
        if let Some(i) = &subject.identifier {
            said.push(format!(
                "identifier {}|{}",
                i.system.as_deref().unwrap_or(""),
                i.value
            ));
        }
        if let Some(d) = &subject.display {
            said.push(format!("named {d:?}"));
        }
        let detail = if said.is_empty() {
            "the subject cannot be identified (nothing was given)".to_owned()
        } else {
            format!("the subject cannot be identified: {}", said.join(", "))
        };
        self.hold(
            tx,
            &format!("unidentified:{}", item.review_key()),
            ReviewReason::UnknownPatient,
            None,
            &detail,
        )
        .await
    }

    /// Stores a resource with entries (`Some`) or as a retraction (`None`) for its subject.
    #[allow(clippy::too_many_arguments)]
    async fn record(
        &self,
        tx: &mut dyn IngestTx,
        writer: &Writer<'_>,
        submission: &Submission,
        item: &Item,
        subject: &Reference,
        drafts: Option<&Vec<Draft>>,
        links: &HashMap<String, Option<Link>>,
        mut warnings: Vec<Issue>,
    ) -> Result<EntryResult, IngestError> {
        if let Some(current) = tx
            .current_resource(self.source.id, &item.resource_type, &item.identity)
            .await?
            && same_version(item, &current)
        {
            return Ok(self.unchanged(&current, item, warnings));
        }
        let link = self
            .subject_link(tx, submission, item, subject, links, &mut warnings)
            .await?;
        let (mut result, stored) = self.store_version(tx, item, Some(link), warnings).await?;
        let Some(stored) = stored else {
            return Ok(result);
        };
        match link {
            Link::Review(_) => {
                // Held: what an earlier version put on someone's record comes off it.
                result.entries_written = writer.withdraw_all(tx, &stored).await?;
                result.disposition = Disposition::HeldForReview;
                result.issues.push(Issue::general(
                    Severity::Warning,
                    IssueType::Processing,
                    "held for review with its patient: it will appear once the patient is matched",
                ));
            }
            Link::Person(person) => {
                result.entries_written = writer
                    .write_entries(tx, &stored, item, person, drafts)
                    .await?;
            }
        }
        Ok(result)
    }

    /// When a lab report (or group Observation) is withdrawn, so are its results from
    /// the same source.
    async fn withdraw_members(
        &self,
        tx: &mut dyn IngestTx,
        writer: &Writer<'_>,
        submission: &Submission,
        item: &Item,
    ) -> Result<usize, StoreError> {
        let Some((_, members)) = inbound::panel_of(&item.resource) else {
            return Ok(0);
        };
        let mut written = 0;
        for member in members {
            let stored = match submission.find(&member) {
                Some(m) => {
                    tx.current_resource(self.source.id, &m.resource_type, &m.identity)
                        .await?
                }
                None if member.starts_with("urn:") => {
                    tx.resource_by_full_url(self.source.id, &member).await?
                }
                None => match relative_type_and_id(&member) {
                    Some((t, id)) => tx.current_resource(self.source.id, t, id).await?,
                    None => None,
                },
            };
            if let Some(stored) = stored {
                written += writer.withdraw_all(tx, &stored).await?;
            }
        }
        Ok(written)
    }

    fn unchanged(
        &self,
        current: &StoredResource,
        item: &Item,
        mut issues: Vec<Issue>,
    ) -> EntryResult {
        if current.review_id.is_some() && current.person_id.is_none() {
            issues.push(Issue::general(
                Severity::Information,
                IssueType::Informational,
                "still waiting in the review queue with its patient",
            ));
        }
        if item.version_id.is_some()
            && current.version_id == item.version_id
            && current.content_hash != item.content_hash
        {
            issues.push(Issue::warning(
                IssueType::Conflict,
                format!("{}.meta.versionId", item.path),
                "the content differs from the version already held under this versionId: kept as it was; send a new versionId for a change",
            ));
        }
        EntryResult {
            disposition: Disposition::Unchanged,
            location: Some(location(current)),
            issues,
            entries_written: 0,
        }
    }

    /// Stores this version of the resource unless it is already held. Returns the stored
    /// version when it became current.
    async fn store_version(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        link: Option<Link>,
        mut issues: Vec<Issue>,
    ) -> Result<(EntryResult, Option<StoredResource>), StoreError> {
        let (person, review) = link_parts(link);
        let current = tx
            .current_resource(self.source.id, &item.resource_type, &item.identity)
            .await?;
        if let Some(current) = &current {
            if same_version(item, current) {
                return Ok((self.unchanged(current, item, issues), None));
            }
            if is_older(item.version_id.as_deref(), current.version_id.as_deref()) {
                // A late older version: filed as history once, never made current.
                if !tx
                    .version_held(
                        self.source.id,
                        &item.resource_type,
                        &item.identity,
                        item.version_id.as_deref(),
                        &item.content_hash,
                    )
                    .await?
                {
                    self.put(tx, item, person, review, false).await?;
                }
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
                        location: Some(location(current)),
                        issues,
                        entries_written: 0,
                    },
                    None,
                ));
            }
        }
        let stored = self.put(tx, item, person, review, true).await?;
        Ok((
            EntryResult {
                disposition: if current.is_some() {
                    Disposition::Updated
                } else {
                    Disposition::Created
                },
                location: Some(location(&stored)),
                issues,
                entries_written: 0,
            },
            Some(stored),
        ))
    }

    async fn put(
        &self,
        tx: &mut dyn IngestTx,
        item: &Item,
        person: Option<PersonId>,
        review: Option<ReviewId>,
        make_current: bool,
    ) -> Result<StoredResource, StoreError> {
        let body = canonical_json(&item.resource);
        tx.put_resource(NewResource {
            source: self.source.id,
            resource_type: &item.resource_type,
            resource_id: &item.identity,
            full_url: item.full_url.as_deref(),
            version_id: item.version_id.as_deref(),
            content_hash: &item.content_hash,
            person_id: person,
            review_id: review,
            body: &body,
            received_at: self.now,
            make_current,
        })
        .await
    }
}

fn same_version(item: &Item, current: &StoredResource) -> bool {
    (item.version_id.is_some() && current.version_id == item.version_id)
        || current.content_hash == item.content_hash
}

fn stored_link(s: &StoredResource) -> Option<Link> {
    match (s.person_id, s.review_id) {
        (Some(p), _) => Some(Link::Person(p)),
        (None, Some(r)) => Some(Link::Review(r)),
        (None, None) => None,
    }
}

/// "(named …)" for a review item's detail, to help the person deciding.
fn name_hint(facts: &PatientFacts) -> String {
    match (&facts.name, facts.birth_date) {
        (Some(n), Some(b)) => format!(" (sent as {} {}, born {b})", n.given, n.family),
        (Some(n), None) => format!(" (sent as {} {})", n.given, n.family),
        (None, Some(b)) => format!(" (born {b})"),
        (None, None) => String::new(),
    }
}

/// The Patient inside a document Bundle, or contained in the resource, that a reference
/// names.
fn embedded_patient<'i>(item: &'i Item, reference: &str) -> Option<&'i Value> {
    let is_patient = |v: &&Value| v.get("resourceType").and_then(Value::as_str) == Some("Patient");
    if let Some(local) = reference.strip_prefix('#') {
        return item
            .resource
            .get("contained")
            .and_then(Value::as_array)?
            .iter()
            .filter(is_patient)
            .find(|c| c.get("id").and_then(Value::as_str) == Some(local));
    }
    if item.resource_type != "Bundle" {
        return None;
    }
    item.resource
        .get("entry")
        .and_then(Value::as_array)?
        .iter()
        .find(|e| {
            e.get("fullUrl").and_then(Value::as_str) == Some(reference)
                || e.get("resource").is_some_and(|r| {
                    r.get("resourceType").and_then(Value::as_str) == Some("Patient")
                        && r.get("id")
                            .and_then(Value::as_str)
                            .is_some_and(|id| reference == format!("Patient/{id}"))
                })
        })
        .and_then(|e| e.get("resource"))
        .filter(is_patient)
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
        let mut by_key: BTreeMap<String, _> = existing
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
            let mut files = Vec::new();
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
                    attachments.push(Attachment {
                        id: id.clone(),
                        content_type: file.content_type.clone(),
                        title: file.title.clone(),
                        size: u64::try_from(file.data.len()).ok(),
                    });
                    files.push(id);
                }
            }
            let entry = NewEntry {
                provenance: self.provenance(item, draft),
                body,
            };
            let id = match by_key.remove(&draft.key) {
                Some(row) => {
                    let same = row.entry.is_current()
                        && row.person_id == person
                        && same_body_ignoring_files(&row.entry.body, &entry.body)
                        && row.entry.provenance.authored_at == entry.provenance.authored_at
                        && row.entry.provenance.author == entry.provenance.author;
                    if same {
                        None
                    } else {
                        tx.update_entry(row.id, person, &entry, EntryStatus::Current, self.now)
                            .await?;
                        Some(row.id)
                    }
                }
                None => Some(
                    tx.insert_entry(person, &stored.logical_id, &draft.key, &entry)
                        .await?,
                ),
            };
            if let Some(id) = id {
                written += 1;
                tx.link_attachments(&files, id).await?;
            }
        }
        // Whatever the resource no longer says (or all of it, for a retraction) is
        // withdrawn: kept in history, never shown as current.
        for (_, row) in by_key {
            written += self.withdraw(tx, &row).await?;
        }
        Ok(written)
    }

    /// Withdraws every current entry made from a resource.
    async fn withdraw_all(
        &self,
        tx: &mut dyn IngestTx,
        stored: &StoredResource,
    ) -> Result<usize, StoreError> {
        let mut written = 0;
        for row in tx.entries_from(&stored.logical_id).await? {
            written += self.withdraw(tx, &row).await?;
        }
        Ok(written)
    }

    async fn withdraw(
        &self,
        tx: &mut dyn IngestTx,
        row: &crate::store::EntryRow,
    ) -> Result<usize, StoreError> {
        if !row.entry.is_current() {
            return Ok(0);
        }
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
        Ok(1)
    }

    fn provenance(&self, item: &Item, draft: &Draft) -> Provenance {
        Provenance {
            organisation: self.source.name.clone(),
            ods_code: Some(self.source.ods_code.clone()),
            system: None,
            source_id: Some(format!("{}/{}", item.resource_type, item.identity)),
            author: draft.author.clone(),
            authored_at: draft.authored_at.unwrap_or(self.now),
            received_at: self.now,
        }
    }
}

/// Bodies compared without their files' server ids (a re-sent PDF is stored again but
/// says the same thing).
fn same_body_ignoring_files(a: &EntryBody, b: &EntryBody) -> bool {
    match (a, b) {
        (
            EntryBody::Document { attachments: x, .. },
            EntryBody::Document { attachments: y, .. },
        ) => {
            let strip = |body: &EntryBody| {
                let mut copy = body.clone();
                if let EntryBody::Document { attachments, .. } = &mut copy {
                    attachments.clear();
                }
                copy
            };
            strip(a) == strip(b)
                && x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| {
                    p.content_type == q.content_type && p.title == q.title && p.size == q.size
                })
        }
        _ => a == b,
    }
}

/// Attaches a review item to a person: the held resources are interpreted again (with
/// what arrived with them) and their entries written to the person's record. Returns
/// (resources attached, entries written, resources that could not be read again).
pub async fn attach_held(
    tx: &mut dyn IngestTx,
    source: &SourceRecord,
    review: ReviewId,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<(usize, usize, Vec<String>), StoreError> {
    let held = tx.held_resources(review).await?;
    tx.close_review(review, person, now).await?;
    let items: Vec<Item> = held
        .iter()
        .map(|r| {
            // A stored body always parses (it was parsed before it was stored).
            let value: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
            let mut item = Item::new(
                format!("{}/{}", r.resource_type, r.resource_id),
                r.full_url.clone(),
                value,
            );
            item.identity = r.resource_id.clone();
            item
        })
        .collect();
    let submission = Submission::new(items);
    let fetched = prefetch(tx, source, &submission)
        .await
        .map_err(|e| match e {
            IngestError::Store(s) => s,
            IngestError::Refused { .. } => {
                StoreError::Corrupt("the held resources refer to too many others to look up".into())
            }
        })?;
    // Interpretation is synchronous and finishes before any write is awaited.
    let mut interpreted = {
        let resolver = SubmissionResolver {
            submission: &submission,
            fetched,
        };
        let ctx = Context {
            source_name: &source.name,
            resolver: &resolver,
        };
        submission
            .items
            .iter()
            .map(|item| inbound::interpret(&item.resource, &ctx))
            .collect::<Vec<_>>()
    };
    name_panels(&submission, &mut interpreted);
    let writer = Writer { source, now };
    let mut written = 0;
    let mut failed = Vec::new();
    for ((stored, item), interpreted) in held.iter().zip(&submission.items).zip(interpreted) {
        let drafts = match interpreted.map(|i| i.meaning) {
            Ok(Meaning::Record { entries, .. }) => Some(entries),
            Ok(Meaning::Retracted { .. }) => None,
            Ok(_) => continue,
            Err(_) => {
                failed.push(item.review_key());
                continue;
            }
        };
        written += writer
            .write_entries(tx, stored, item, person, drafts.as_ref())
            .await?;
    }
    Ok((held.len(), written, failed))
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

fn reroot_all(issues: &[Issue], item: &Item) -> Vec<Issue> {
    issues.iter().map(|w| reroot(w.clone(), item)).collect()
}

/// `Type/id` (relative only: an absolute URL names another server's resource).
fn relative_id<'r>(reference: &'r str, resource_type: &str) -> Option<&'r str> {
    let (t, id) = relative_type_and_id(reference)?;
    (t == resource_type).then_some(id)
}

fn relative_type_and_id(reference: &str) -> Option<(&str, &str)> {
    if reference.contains(':') || reference.contains('?') || reference.starts_with('#') {
        return None;
    }
    let mut parts = reference.split('/');
    let t = parts.next()?;
    let id = parts.next()?;
    (!t.is_empty() && !id.is_empty()).then_some((t, id))
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

async fn index_identifiers(
    tx: &mut dyn IngestTx,
    source: &SourceRecord,
    item: &Item,
) -> Result<(), StoreError> {
    for (system, value) in identifiers(&item.resource)
        .into_iter()
        .take(MAX_IDENTIFIERS)
    {
        tx.put_identifier(
            source.id,
            &item.resource_type,
            &system,
            &value,
            &item.identity,
        )
        .await?;
    }
    Ok(())
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

/// Checks a Bundle's envelope and lists its entries. Problems with the whole Bundle are
/// errors; problems with one entry are returned beside it (a transaction refuses them
/// all, a batch only that entry).
#[allow(clippy::type_complexity)]
fn bundle_items(
    bundle: &Value,
    expected: &str,
) -> Result<(Vec<Item>, Vec<Option<Vec<Issue>>>), IngestError> {
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
        None => return Ok((Vec::new(), Vec::new())),
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
    let mut items = Vec::with_capacity(entries.len());
    let mut problems = Vec::with_capacity(entries.len());
    let mut seen_urls = HashSet::new();
    let mut seen_ids = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("Bundle.entry[{i}]");
        let mut issues = Vec::new();
        let resource = entry.get("resource").cloned().unwrap_or(Value::Null);
        if resource.is_null() {
            issues.push(Issue::error(
                IssueType::Required,
                format!("{path}.resource"),
                "every entry needs a resource (Bedside takes POST and PUT only)",
            ));
        }
        let resource_type = match resource_type_of(&resource, &format!("{path}.resource")) {
            Ok(t) => t,
            Err(IngestError::Refused { issues: i, .. }) => {
                if !resource.is_null() {
                    issues.extend(i);
                }
                String::new()
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
        if let Some(id) = resource.get("id").and_then(Value::as_str)
            && !seen_ids.insert(format!("{resource_type}/{id}"))
        {
            issues.push(Issue::error(
                IssueType::Duplicate,
                format!("{path}.resource.id"),
                format!("{resource_type}/{id} appears more than once in the Bundle"),
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
                // A conditional update (Type?identifier=…) is taken as an update of the
                // resource with that identity (its id, else its first identifier).
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
        if resource_type == "Bundle"
            && resource.get("type").and_then(Value::as_str) != Some("document")
        {
            issues.push(Issue::error(
                IssueType::NotSupported,
                format!("{path}.resource.type"),
                "a Bundle inside a Bundle must be a document",
            ));
        }
        // A document's own references are not checked here: one that points nowhere is
        // kept as its display text, so an imperfect discharge summary is not lost.
        items.push(Item::new(format!("{path}.resource"), full_url, resource));
        problems.push((!issues.is_empty()).then_some(issues));
    }
    Ok((items, problems))
}

/// Every `urn:uuid:`/`urn:oid:` reference must point at an entry of the same Bundle (a
/// document Bundle inside resolves its own).
fn check_internal_references(submission: &Submission) -> Result<(), IngestError> {
    let urls: HashSet<&str> = submission
        .items
        .iter()
        .filter_map(|i| i.full_url.as_deref())
        .collect();
    let mut issues = Vec::new();
    for item in &submission.items {
        if item.resource_type == "Bundle" {
            continue;
        }
        walk_references(&item.resource, &item.path, &mut |path, r| {
            if (r.starts_with("urn:uuid:") || r.starts_with("urn:oid:")) && !urls.contains(r) {
                issues.push(Issue::error(
                    IssueType::NotFound,
                    path,
                    format!("{r} points at no entry of this Bundle"),
                ));
            }
        });
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

/// Calls `f(path, reference)` for every `reference` string in a resource, not looking
/// inside contained resources (they resolve within themselves).
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

/// Looks up, in what this source sent before, the references the submission does not
/// resolve itself.
async fn prefetch(
    tx: &mut dyn IngestTx,
    source: &SourceRecord,
    submission: &Submission,
) -> Result<HashMap<String, Value>, IngestError> {
    let mut wanted: HashSet<String> = HashSet::new();
    for item in &submission.items {
        // A document's urn:uuid references point within it.
        let document = item.resource_type == "Bundle";
        walk_references(&item.resource, "", &mut |_, r| {
            let internal = r.starts_with('#') || (document && r.starts_with("urn:"));
            if !internal && submission.find(r).is_none() && wanted.len() <= MAX_LOOKUPS {
                wanted.insert(r.to_owned());
            }
        });
    }
    if wanted.len() > MAX_LOOKUPS {
        return Err(IngestError::Refused {
            status: 413,
            issues: vec![Issue::general(
                Severity::Error,
                IssueType::TooCostly,
                format!(
                    "the submission refers to more than {MAX_LOOKUPS} distinct resources; split it"
                ),
            )],
        });
    }
    let mut wanted: Vec<String> = wanted.into_iter().collect();
    wanted.sort();
    let mut fetched = HashMap::new();
    for r in wanted {
        let found = if r.starts_with("urn:") {
            tx.resource_by_full_url(source.id, &r).await?
        } else if let Some(cond) = inbound::conditional_reference(&r) {
            match cond.system {
                Some(system) => {
                    tx.resource_by_identifier(source.id, &cond.resource_type, &system, &cond.value)
                        .await?
                }
                None => None,
            }
        } else if let Some((t, id)) = relative_type_and_id(&r) {
            tx.current_resource(source.id, t, id).await?
        } else {
            None
        };
        if let Some(stored) = found
            && let Ok(value) = serde_json::from_str::<Value>(&stored.body)
        {
            fetched.insert(r, value);
        }
    }
    Ok(fetched)
}

/// Names lab results after the report or group Observation that lists them.
fn name_panels(submission: &Submission, out: &mut [Result<Interpreted, Vec<Issue>>]) {
    let mut panel_of_member: HashMap<&str, String> = HashMap::new();
    let mut members_owned: Vec<(String, String)> = Vec::new();
    for item in &submission.items {
        if let Some((name, members)) = inbound::panel_of(&item.resource) {
            for m in members {
                members_owned.push((m, name.clone()));
            }
        }
    }
    if members_owned.is_empty() {
        return;
    }
    for (m, name) in &members_owned {
        panel_of_member.insert(m.as_str(), name.clone());
    }
    for (item, result) in submission.items.iter().zip(out.iter_mut()) {
        let Some(name) = item
            .keys()
            .iter()
            .find_map(|k| panel_of_member.get(k.as_str()))
        else {
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
    fn identity_prefers_id_then_identifier_then_content() {
        let with_id = serde_json::json!({"resourceType": "Condition", "id": "c1",
            "identifier": [{"system": "s", "value": "v"}]});
        assert_eq!(Item::new(String::new(), None, with_id).identity, "c1");
        let with_identifier = serde_json::json!({"resourceType": "Condition",
            "identifier": [{"system": "s", "value": "v"}]});
        assert_eq!(
            Item::new(String::new(), None, with_identifier).identity,
            "identifier:s|v"
        );
        let bare = serde_json::json!({"resourceType": "Condition"});
        assert!(
            Item::new(String::new(), None, bare)
                .identity
                .starts_with("sha256:")
        );
        let document = serde_json::json!({"resourceType": "Bundle", "id": "b1", "type": "document",
            "entry": [{"resource": {"resourceType": "Composition", "id": "comp",
                "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}}}]});
        assert_eq!(
            Item::new(String::new(), None, document).identity,
            "composition-identifier:urn:ietf:rfc:3986|urn:uuid:1"
        );
    }

    #[test]
    fn only_relative_references_name_this_sources_resources() {
        assert_eq!(relative_id("Patient/123", "Patient"), Some("123"));
        assert_eq!(
            relative_id("Patient/123/_history/2", "Patient"),
            Some("123")
        );
        assert_eq!(
            relative_id("https://other.example/fhir/Patient/123", "Patient"),
            None
        );
        assert_eq!(relative_id("Patient?identifier=x|y", "Patient"), None);
        assert_eq!(relative_id("Practitioner/1", "Patient"), None);
        assert_eq!(relative_id("urn:uuid:1", "Patient"), None);
        assert_eq!(relative_id("#p1", "Patient"), None);
    }

    #[test]
    fn versions_compare_only_when_numeric() {
        assert!(is_older(Some("2"), Some("10")));
        assert!(!is_older(Some("10"), Some("2")));
        assert!(!is_older(Some("a"), Some("2")));
        assert!(!is_older(None, Some("2")));
    }

    #[test]
    fn embedded_patients_are_found_in_documents_and_contained() {
        let doc = Item::new(
            String::new(),
            None,
            serde_json::json!({"resourceType": "Bundle", "type": "document", "entry": [
                {"fullUrl": "urn:uuid:c", "resource": {"resourceType": "Composition"}},
                {"fullUrl": "urn:uuid:p", "resource": {"resourceType": "Patient", "id": "p1"}}
            ]}),
        );
        assert!(embedded_patient(&doc, "urn:uuid:p").is_some());
        assert!(embedded_patient(&doc, "Patient/p1").is_some());
        assert!(embedded_patient(&doc, "urn:uuid:c").is_none());
        let contained = Item::new(
            String::new(),
            None,
            serde_json::json!({"resourceType": "Condition", "contained": [
                {"resourceType": "Patient", "id": "p"}
            ]}),
        );
        assert!(embedded_patient(&contained, "#p").is_some());
        assert!(embedded_patient(&contained, "#q").is_none());
    }
}
