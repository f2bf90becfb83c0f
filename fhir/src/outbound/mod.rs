//! FHIR R4 out: a record's entries as resources ([`entry_resources`]), a resident as a
//! Patient ([`patient_resource`]), the International Patient Summary ([`ips_document`]),
//! the audit log as BALP `AuditEvent`s ([`audit_event`], [`audit_searchset`]), and the
//! Bundles a source system would send ([`transaction_bundle`],
//! [`document_bundle`]), which the demo data is loaded through.
//!
//! Everything written here reads back through [`crate::inbound`] as the same entry:
//! `interpret(entry_resources(e))` gives `e.body`, its authored time and its author.
//! Not exported: About Me sections and care notes (home-authored, they stay in the home's
//! record) and files attached to documents (their bytes are not in the entry).

mod audit;
mod ips;
mod resources;

use bedside_domain::record::{Entry, EntryBody, LabValue, Resident, Sex};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

pub use audit::{
    AuditServer, BALP_PATIENT_READ, ROLE_SYSTEM, STAFF_ID_SYSTEM, audit_event, audit_searchset,
};
pub use ips::ips_document;
use resources::{Style, derived_id, instant};

/// A resident as a Patient: NHS number, names (official, and the name they like to be
/// called as a `usual` name), date of birth, gender and GP practice.
pub fn patient_resource(resident: &Resident, id: &str) -> Value {
    let name = &resident.name;
    let mut names = vec![json!({
        "use": "official",
        "family": name.family,
        "given": [name.given],
    })];
    if let Some(p) = &name.preferred {
        names.push(json!({ "use": "usual", "family": name.family, "given": [p] }));
    }
    let mut patient = json!({
        "resourceType": "Patient",
        "id": id,
        "identifier": [{
            "system": crate::NHS_NUMBER_SYSTEM,
            "value": resident.nhs_number.digits(),
        }],
        "name": names,
        "gender": match resident.sex {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        },
        "birthDate": resources::date(resident.birth_date),
    });
    if let Some(gp) = &resident.gp_practice {
        patient["generalPractitioner"] = json!([{ "display": gp, "type": "Organization" }]);
    }
    patient
}

/// The resources an entry is exported as, pointing at the patient with `patient_ref`
/// and at each other as `Type/id`. Ids derive from the entry id (the main resource's id
/// is the entry id). An entry entered in error is written with the resource's
/// entered-in-error status. About Me sections and care notes give none.
///
/// | entry | resources |
/// |---|---|
/// | allergy, no known allergies | AllergyIntolerance (716186003 for none known) |
/// | condition | Condition |
/// | medication order | MedicationRequest |
/// | medication supply | MedicationDispense |
/// | lab result | Observation, and a DiagnosticReport naming its panel when it has one |
/// | diagnostic report | DiagnosticReport with a conclusion |
/// | document | Composition (sections as narrative) |
/// | hospital stay | Encounter |
/// | advance care plan | Consent (scope adr, provision about CPR) |
/// | care plan section | CarePlan with a contained Goal |
pub fn entry_resources(entry: &Entry, patient_ref: &str) -> Vec<Value> {
    resources::entry_resources(entry, patient_ref, Style::Relative)
}

/// How the resources of a transaction point at their patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectStyle {
    /// At the Bundle's Patient entry by its `urn:uuid:` full URL.
    #[default]
    BundlePatient,
    /// By a conditional reference on the NHS number
    /// (`Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|…`).
    NhsNumber,
}

/// The HTTP method of each entry of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// `PUT Type/id` with ids derived from the entries: sending it again changes nothing.
    #[default]
    Put,
    /// `POST Type`: the server gives ids.
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransactionOptions {
    pub subject: SubjectStyle,
    pub method: Method,
}

/// The conditional reference to a patient by NHS number.
pub fn patient_conditional_reference(nhs_number: &str) -> String {
    format!(
        "Patient?identifier={}|{nhs_number}",
        crate::NHS_NUMBER_SYSTEM
    )
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{}", id.hyphenated())
}

/// A `transaction` Bundle as a source system would send a resident's entries: the
/// Patient (a conditional update on the NHS number, so it is created once), then each
/// entry's resources with `urn:uuid:` full URLs. Lab results taken together for one
/// panel share one DiagnosticReport. Documents are not in it: send each with
/// [`document_bundle`].
pub fn transaction_bundle(
    resident: &Resident,
    entries: &[Entry],
    options: TransactionOptions,
) -> Value {
    let nhs = resident.nhs_number.digits();
    let patient_id = resident.id.0;
    let patient_ref = match options.subject {
        SubjectStyle::BundlePatient => urn(patient_id),
        SubjectStyle::NhsNumber => patient_conditional_reference(&nhs),
    };
    let mut out: Vec<Value> = vec![json!({
        "fullUrl": urn(patient_id),
        "resource": patient_resource(resident, &patient_id.hyphenated().to_string()),
        "request": { "method": "PUT", "url": patient_conditional_reference(&nhs) },
    })];
    // Lab results of one panel taken at one time (from one source) are one report.
    let mut panels: Vec<(String, DateTime<Utc>, &Entry, Vec<String>)> = Vec::new();
    for entry in entries {
        if matches!(entry.body, EntryBody::Document { .. }) {
            continue;
        }
        let mut list = resources::entry_resources(entry, &patient_ref, Style::Urn);
        if let EntryBody::LabResult {
            panel: Some(panel),
            taken_at,
            ..
        } = &entry.body
        {
            // The per-entry panel report is replaced by one per panel.
            list.truncate(1);
            let obs = urn(entry.id.0);
            match panels.iter_mut().find(|(p, t, e, _)| {
                p == panel
                    && t == taken_at
                    && e.provenance.organisation == entry.provenance.organisation
                    && e.is_current() == entry.is_current()
            }) {
                Some((_, _, _, members)) => members.push(obs),
                None => panels.push((panel.clone(), *taken_at, entry, vec![obs])),
            }
        }
        for resource in list {
            out.push(transaction_entry(resource, options.method));
        }
    }
    for (panel, taken_at, first, members) in panels {
        let id = derived_id(first.id.0, resources::PANEL_SALT)
            .hyphenated()
            .to_string();
        let report = resources::panel_report(
            &id,
            &panel,
            &members,
            json!({ "reference": patient_ref }),
            taken_at,
            first,
            !first.is_current(),
        );
        out.push(transaction_entry(report, options.method));
    }
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": out,
    })
}

fn transaction_entry(resource: Value, method: Method) -> Value {
    let ty = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let id = resource["id"].as_str().unwrap_or_default().to_owned();
    let full_url = match Uuid::parse_str(&id) {
        Ok(u) => urn(u),
        Err(_) => format!("urn:uuid:{id}"),
    };
    let request = match method {
        Method::Put => json!({ "method": "PUT", "url": format!("{ty}/{id}") }),
        Method::Post => json!({ "method": "POST", "url": ty }),
    };
    json!({ "fullUrl": full_url, "resource": resource, "request": request })
}

/// A Document entry as a `document` Bundle: the Composition first, then the Patient it is
/// about; identified by the entry's id, stamped with when it was written. `None` for
/// other kinds of entry.
pub fn document_bundle(resident: &Resident, entry: &Entry) -> Option<Value> {
    if !matches!(entry.body, EntryBody::Document { .. }) {
        return None;
    }
    let patient_id = resident.id.0;
    let composition = resources::composition(entry, &urn(patient_id));
    let bundle_id = derived_id(entry.id.0, 2);
    Some(json!({
        "resourceType": "Bundle",
        "id": bundle_id.hyphenated().to_string(),
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(bundle_id) },
        "type": "document",
        "timestamp": instant(entry.provenance.authored_at),
        "entry": [
            { "fullUrl": urn(entry.id.0), "resource": composition },
            {
                "fullUrl": urn(patient_id),
                "resource": patient_resource(resident, &patient_id.hyphenated().to_string()),
            },
        ],
    }))
}

/// A lab value as text people read ("54 mmol/mol").
pub(crate) fn lab_value_text(v: &LabValue) -> String {
    match v {
        LabValue::Quantity { value, unit } => format!("{} {unit}", crate::number_text(*value))
            .trim()
            .to_owned(),
        LabValue::Text { text } => text.clone(),
    }
}
