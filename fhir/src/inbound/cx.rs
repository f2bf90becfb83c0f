//! The state of interpreting one resource: its reader (collecting problems), the sender's
//! context, and the helpers every mapper shares (the patient it is about, names of the
//! people and organisations it points at, when it was written).

use std::borrow::Cow;

use bedside_domain::record::EntryBody;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::read::{Node, Reader, Ref};
use super::time::{TimeKind, When};
use super::types::{Context, Draft, Identifier, Interpreted, Meaning, Reference};
use crate::outcome::{Issue, IssueType};

pub(crate) struct Cx<'a, 'v> {
    pub r: Reader,
    pub ctx: &'a Context<'a>,
    pub root: Node<'v>,
    pub ty: &'v str,
    /// `meta.lastUpdated`: when the sender last changed the resource, the fallback for
    /// when an entry was written.
    pub last_updated: Option<DateTime<Utc>>,
}

impl<'a, 'v> Cx<'a, 'v> {
    pub fn new(ctx: &'a Context<'a>, root: Node<'v>, ty: &'v str) -> Self {
        Self {
            r: Reader::default(),
            ctx,
            root,
            ty,
            last_updated: None,
        }
    }

    /// Reads what every resource has: its id, `meta` and `contained`.
    pub fn common(&mut self) -> (Option<String>, Option<String>) {
        let root = self.root.clone();
        let id = self.r.string(&root, "id").map(str::to_owned);
        if let Some(id) = &id
            && !valid_id(id)
        {
            self.r.error(
                IssueType::Value,
                root.at("id"),
                "an id is 1 to 64 letters, digits, '-' and '.'",
            );
        }
        let mut version_id = None;
        if let Some(meta) = self.r.object(&root, "meta") {
            version_id = self.r.string(&meta, "versionId").map(str::to_owned);
            self.last_updated = self.r.instant_utc(&meta, "lastUpdated");
            self.r.strings(&meta, "profile");
        }
        self.r.objects(&root, "contained");
        (id, version_id)
    }

    pub fn finish(
        self,
        ty: &str,
        id: Option<String>,
        version_id: Option<String>,
        meaning: Meaning,
    ) -> Result<Interpreted, Vec<Issue>> {
        if !self.r.errors.is_empty() {
            return Err(self.r.errors);
        }
        Ok(Interpreted {
            resource_type: ty.to_owned(),
            id,
            version_id,
            meaning,
            warnings: self.r.warnings,
        })
    }

    /// Finds what a reference points at: a contained resource (`#id`), one in the same
    /// Bundle, or one the sender sent before.
    pub fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>> {
        if let Some(local) = reference.strip_prefix('#') {
            return self
                .root
                .v
                .get("contained")
                .and_then(Value::as_array)?
                .iter()
                .find(|c| c.get("id").and_then(Value::as_str) == Some(local))
                .map(Cow::Borrowed);
        }
        self.ctx.resolver.resolve(reference)
    }

    pub fn resolve_ref(&self, r: &Ref<'_>) -> Option<Cow<'_, Value>> {
        r.reference.and_then(|x| self.resolve(x))
    }

    /// The name people know what a reference points at by: the resolved resource's name
    /// (a practitioner's "Dr Sandra Gose", an organisation's name), else its display text.
    pub fn name_of(&self, r: &Ref<'_>) -> Option<String> {
        self.resolve_ref(r)
            .and_then(|v| self.resource_name(&v))
            .or_else(|| r.display.map(str::to_owned))
    }

    /// The type of what a reference points at, as far as anyone said.
    pub fn type_of(&self, r: &Ref<'_>) -> Option<String> {
        self.resolve_ref(r)
            .and_then(|v| {
                v.get("resourceType")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .or_else(|| r.target_type().map(str::to_owned))
    }

    fn resource_name(&self, v: &Value) -> Option<String> {
        match v.get("resourceType").and_then(Value::as_str)? {
            "Practitioner" | "Patient" | "RelatedPerson" | "Person" => human_name(v),
            "PractitionerRole" => {
                let person = v.get("practitioner");
                person
                    .and_then(|p| p.get("reference"))
                    .and_then(Value::as_str)
                    .and_then(|r| self.resolve(r))
                    .and_then(|p| human_name(&p))
                    .or_else(|| text_of(person.and_then(|p| p.get("display"))))
                    .or_else(|| text_of(v.get("organization").and_then(|o| o.get("display"))))
            }
            "Device" => v
                .get("deviceName")
                .and_then(Value::as_array)
                .and_then(|ns| ns.iter().find_map(|n| text_of(n.get("name")))),
            _ => text_of(v.get("name")),
        }
    }

    /// Who wrote something: people only. A reference to an organisation is the source,
    /// which the engine records anyway.
    pub fn author_of(&self, r: &Ref<'_>) -> Option<String> {
        match self.type_of(r).as_deref() {
            Some("Organization" | "Device" | "HealthcareService" | "Location") => None,
            _ => self.name_of(r),
        }
    }

    /// The patient a resource is about. `None` when absent (a warning when not required:
    /// Bedside cannot file it) or when it is about something other than a patient.
    pub fn subject(&mut self, name: &str, required: bool) -> Option<Reference> {
        let root = self.root.clone();
        if required && !self.r.require(&root, name, "the patient it is about") {
            return None;
        }
        let Some(rf) = self.r.reference(&root, name) else {
            if !self.r.errored_at(&root.at(name)) {
                self.r.warn(
                    IssueType::Informational,
                    root.at(name),
                    "no patient is named, so it cannot be added to anyone's record",
                );
            }
            return None;
        };
        if let Some(t) = rf.target_type()
            && t != "Patient"
        {
            self.r.warn(
                IssueType::NotSupported,
                root.at(name),
                format!("it is about a {t}, not a patient: not added to a record"),
            );
            return None;
        }
        let mut reference = rf.to_reference();
        if reference.reference.is_none()
            && reference.identifier.is_none()
            && reference.display.is_none()
        {
            if !self.r.errored_at(&root.at(name)) {
                self.r.error(
                    IssueType::Required,
                    root.at(name),
                    "a reference needs a reference, an identifier or a display",
                );
            }
            return None;
        }
        // Helps the engine match: the NHS number of a conditional reference, or of a
        // Patient the reference resolves to.
        if reference.identifier.is_none()
            && let Some(c) = rf.reference.and_then(super::conditional_reference)
            && c.resource_type == "Patient"
        {
            reference.identifier = Some(Identifier {
                system: c.system,
                value: c.value,
            });
        }
        if reference.identifier.is_none()
            && let Some(p) = self.resolve_ref(&rf)
            && p.get("resourceType").and_then(Value::as_str) == Some("Patient")
            && let Some(nhs) = nhs_number_of(&p)
        {
            reference.identifier = Some(Identifier {
                system: Some(crate::NHS_NUMBER_SYSTEM.to_owned()),
                value: nhs,
            });
        }
        Some(reference)
    }

    /// When an entry was written: the resource's own time when it has one; for a date
    /// alone, `meta.lastUpdated` when that is the same day (it adds the time), else the
    /// date itself at midnight UTC (a record last touched years after it was written must
    /// not look new); with no date of its own, `meta.lastUpdated`.
    pub fn authored(&self, own: Option<When>) -> Option<DateTime<Utc>> {
        match own {
            Some(w) if w.has_time() => w.start_utc(),
            Some(w) => match (w.date(), self.last_updated) {
                (Some(d), Some(t)) if t.date_naive() == d => Some(t),
                _ => w.start_utc(),
            },
            None => self.last_updated,
        }
    }

    pub fn time(&mut self, name: &str, kind: TimeKind) -> Option<When> {
        let root = self.root.clone();
        self.r.time(&root, name, kind)
    }

    /// One entry about `subject`.
    pub fn record(
        subject: Reference,
        body: EntryBody,
        authored_at: Option<DateTime<Utc>>,
        author: Option<String>,
    ) -> Meaning {
        Meaning::Record {
            subject,
            entries: vec![Draft {
                key: String::new(),
                body,
                authored_at,
                author,
                files: Vec::new(),
            }],
        }
    }

    /// A valid resource Bedside does not show, with the reason as a warning.
    pub fn not_modelled(&mut self, path: Option<String>, why: impl Into<String>) -> Meaning {
        let path = path.unwrap_or_else(|| self.root.path.clone());
        self.r.warn(IssueType::Informational, path, why);
        Meaning::NotModelled
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

pub(crate) fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The NHS number of a Patient, as sent.
pub(crate) fn nhs_number_of(patient: &Value) -> Option<String> {
    patient
        .get("identifier")
        .and_then(Value::as_array)?
        .iter()
        .find(|i| i.get("system").and_then(Value::as_str) == Some(crate::NHS_NUMBER_SYSTEM))
        .and_then(|i| text_of(i.get("value")))
}

/// A person's name as people say it ("Dr Sandra Gose"): the official (or usual, or
/// first) HumanName's text, else prefix, given names and family.
pub(crate) fn human_name(v: &Value) -> Option<String> {
    let names = v.get("name").and_then(Value::as_array)?;
    let pick = |want: &str| {
        names
            .iter()
            .find(|n| n.get("use").and_then(Value::as_str) == Some(want))
    };
    let n = pick("official")
        .or_else(|| pick("usual"))
        .or_else(|| names.first())?;
    if let Some(t) = text_of(n.get("text")) {
        return Some(t);
    }
    let mut parts: Vec<String> = Vec::new();
    for key in ["prefix", "given"] {
        if let Some(list) = n.get(key).and_then(Value::as_array) {
            parts.extend(list.iter().filter_map(|x| text_of(Some(x))));
        }
    }
    if let Some(f) = text_of(n.get("family")) {
        parts.push(f);
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}
