//! What a received resource means for the record: the contract between the mappers in
//! this module and the server's ingest engine (backend/src/fhir).

use std::borrow::Cow;

use bedside_domain::record::{EntryBody, PersonName, Sex};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::outcome::Issue;

/// The outcome of interpreting one resource that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Interpreted {
    pub resource_type: String,
    /// `Resource.id`, when the sender gave one.
    pub id: Option<String>,
    /// `Resource.meta.versionId`, when the sender gave one.
    pub version_id: Option<String>,
    pub meaning: Meaning,
    /// Things the sender should know that did not stop the resource being accepted
    /// (an element ignored, a code not understood).
    pub warnings: Vec<Issue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// A Patient: the engine matches it to a person by NHS number and date of birth.
    Patient(PatientFacts),
    /// Entries of the record of the patient `subject` points at. Usually one; never empty.
    Record {
        subject: Reference,
        entries: Vec<Draft>,
    },
    /// The resource says it was entered in error (or refuted): whatever it said before is
    /// withdrawn. The engine marks the entries it produced earlier as entered-in-error.
    Retracted { subject: Reference },
    /// A resource other resources point at (Organization, Practitioner, PractitionerRole,
    /// Medication, Location, a lab DiagnosticReport whose results are sent as
    /// Observations, a group Observation). Kept so later references resolve; no entry.
    Supporting,
    /// A valid R4 resource of a type (or kind) Bedside does not show: accepted and counted.
    NotModelled,
}

/// A Patient's identifying facts, as sent (the NHS number unvalidated: the engine decides).
#[derive(Debug, Clone, PartialEq)]
pub struct PatientFacts {
    /// The value of the identifier with system `https://fhir.nhs.uk/Id/nhs-number`, as sent.
    pub nhs_number: Option<String>,
    pub name: Option<PersonName>,
    /// `None` when absent or only partial (a year or year-month): not enough to match on.
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    /// The registered GP practice's name, resolved from `generalPractitioner` when possible.
    pub gp_practice: Option<String>,
}

/// One entry a resource produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Distinguishes the entries of one resource ("" when it makes one entry). Stable across
    /// versions of the resource, so a new version replaces the same entries.
    pub key: String,
    pub body: EntryBody,
    /// When it was written or recorded at the source; the engine uses the time received
    /// when `None`.
    pub authored_at: Option<DateTime<Utc>>,
    /// Who wrote it, as people would name them ("Dr Sandra Gose"), when known.
    pub author: Option<String>,
    /// Files the resource carried inline (a PDF letter): the engine stores them and puts
    /// their ids into the body's `attachments`, in this order.
    pub files: Vec<InlineFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineFile {
    pub content_type: String,
    pub title: Option<String>,
    pub data: Vec<u8>,
}

/// A FHIR Reference as sent: a literal reference (`Patient/123`, `urn:uuid:…`, an absolute
/// URL), a conditional one (`Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|999…`),
/// a logical identifier, and/or display text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reference {
    pub reference: Option<String>,
    pub identifier: Option<Identifier>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: String,
}

/// What the mappers know about the sending context.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The sending organisation's name: the default for a dispenser, performer or author
    /// organisation the resource does not name.
    pub source_name: &'a str,
    /// Finds resources that references point at.
    pub resolver: &'a dyn Resolver,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("source_name", &self.source_name)
            .finish_non_exhaustive()
    }
}

/// Finds the resource a reference points at: one sent in the same Bundle (by `fullUrl` or
/// `Type/id`), or one this sender sent before. `None` when it was never sent: the mapper
/// then uses the reference's display text.
pub trait Resolver {
    fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>>;
}

/// A resolver that knows nothing (single resources, and tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn resolve(&self, _reference: &str) -> Option<Cow<'_, Value>> {
        None
    }
}
