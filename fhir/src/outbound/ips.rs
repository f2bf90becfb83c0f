//! The International Patient Summary: a `document` Bundle whose Composition (LOINC
//! 60591-5) has the three required sections (allergies, medication, problems) and, where
//! there is something to say, results, advance directives and plan of care. Only current
//! entries appear, chosen by the same summary functions the tablet uses, so a retracted
//! entry never travels.

use bedside_domain::dates::date_label;
use bedside_domain::record::{AdvanceCareForm, CprDecision, Entry, EntryBody, Resident};
use bedside_domain::summary;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::resources::{self, LOINC, Style, derived_id, instant};
use super::{lab_value_text, patient_resource, urn};
use crate::narrative::{div, escape};

struct Section {
    title: &'static str,
    code: &'static str,
    display: &'static str,
    /// Narrative lines (one `<li>` each).
    lines: Vec<String>,
    /// Full URLs of the resources it lists.
    entries: Vec<String>,
    /// The narrative when there are no lines.
    empty_text: &'static str,
}

impl Section {
    fn new(title: &'static str, code: &'static str, display: &'static str) -> Self {
        Self {
            title,
            code,
            display,
            lines: Vec::new(),
            entries: Vec::new(),
            empty_text: "Not recorded",
        }
    }

    fn to_json(&self) -> Value {
        let mut s = json!({
            "title": self.title,
            "code": { "coding": [{ "system": LOINC, "code": self.code, "display": self.display }] },
        });
        if self.lines.is_empty() {
            s["text"] = json!({ "status": "generated", "div": div(&format!("<p>{}</p>", escape(self.empty_text))) });
        } else {
            let items: String = self
                .lines
                .iter()
                .map(|l| format!("<li>{}</li>", escape(l)))
                .collect();
            s["text"] = json!({ "status": "generated", "div": div(&format!("<ul>{items}</ul>")) });
        }
        if self.entries.is_empty() {
            // Nothing recorded is not "none": the reason says which.
            s["emptyReason"] = json!({
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                    "code": "unavailable",
                    "display": "Unavailable",
                }]
            });
        } else {
            s["entry"] = Value::Array(
                self.entries
                    .iter()
                    .map(|e| json!({ "reference": e }))
                    .collect(),
            );
        }
        s
    }
}

/// Adds an entry's resources to the Bundle and lists them in a section.
fn include(
    bundle: &mut Vec<Value>,
    section: &mut Section,
    entry: &Entry,
    patient_url: &str,
    line: String,
) {
    let mut list = resources::entry_resources(entry, patient_url, Style::Urn);
    // The panel report is not part of the summary: the result stands alone.
    list.truncate(1);
    for r in list {
        let id = r["id"].as_str().unwrap_or_default().to_owned();
        let url = format!("urn:uuid:{id}");
        section.entries.push(url.clone());
        bundle.push(json!({ "fullUrl": url, "resource": r }));
    }
    section.lines.push(line);
}

/// An International Patient Summary of a resident: a `document` Bundle identified by
/// `bundle_id` (a UUID), stamped `now`, authored by `author_org_name`.
pub fn ips_document(
    resident: &Resident,
    entries: &[Entry],
    now: DateTime<Utc>,
    bundle_id: &str,
    author_org_name: &str,
) -> Value {
    let bundle_uuid = Uuid::parse_str(bundle_id).unwrap_or_else(|_| {
        // Not a UUID: a stable one from its bytes, so the full URLs stay valid.
        let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        for b in bundle_id.bytes() {
            h = (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
        }
        Uuid::from_u128(h)
    });
    let composition_id = derived_id(bundle_uuid, 11);
    let org_id = derived_id(bundle_uuid, 12);
    let patient_id = resident.id.0;
    let patient_url = urn(patient_id);
    let org_url = urn(org_id);
    let mut resources_out: Vec<Value> = vec![
        json!({
            "fullUrl": patient_url,
            "resource": patient_resource(resident, &patient_id.hyphenated().to_string()),
        }),
        json!({
            "fullUrl": org_url,
            "resource": {
                "resourceType": "Organization",
                "id": org_id.hyphenated().to_string(),
                "name": author_org_name,
            },
        }),
    ];

    let mut allergies = Section::new(
        "Allergies and intolerances",
        "48765-2",
        "Allergies and adverse reactions Document",
    );
    let active = summary::allergies(entries);
    if active.is_empty() {
        if let Some(nka) = summary::no_known_allergies(entries) {
            allergies.empty_text = "No known allergies";
            include(
                &mut resources_out,
                &mut allergies,
                nka,
                &patient_url,
                "No known allergies".to_owned(),
            );
        }
    } else {
        for e in active {
            if let EntryBody::Allergy {
                substance,
                reaction,
                severity,
                ..
            } = &e.body
            {
                let mut line = substance.text.clone();
                if let Some(r) = reaction {
                    line.push_str(&format!(": {r}"));
                }
                if let Some(s) = severity {
                    line.push_str(&format!(" ({})", format!("{s:?}").to_lowercase()));
                }
                include(&mut resources_out, &mut allergies, e, &patient_url, line);
            }
        }
    }

    let mut medication = Section::new(
        "Medication summary",
        "10160-0",
        "History of Medication use Narrative",
    );
    for line in summary::current_medications(entries) {
        let mut text = line.medicine.text.clone();
        if let Some(d) = line.dosage {
            text.push_str(&format!(": {d}"));
        }
        text.push_str(&format!(" (prescribed {})", date_label(line.prescribed_on)));
        include(
            &mut resources_out,
            &mut medication,
            line.order,
            &patient_url,
            text,
        );
    }

    let mut problems = Section::new("Problem list", "11450-4", "Problem list - Reported");
    for e in summary::conditions(entries) {
        if let EntryBody::Condition {
            name,
            clinical_status,
            onset,
            ..
        } = &e.body
        {
            if *clinical_status != bedside_domain::record::ClinicalStatus::Active {
                continue;
            }
            let mut text = name.text.clone();
            if let Some(d) = onset {
                text.push_str(&format!(" (since {})", date_label(*d)));
            }
            include(&mut resources_out, &mut problems, e, &patient_url, text);
        }
    }

    let mut results = Section::new(
        "Results",
        "30954-2",
        "Relevant diagnostic tests/laboratory data Narrative",
    );
    for lab in summary::recent_labs(entries) {
        if let EntryBody::LabResult {
            test,
            value,
            flag,
            taken_at,
            ..
        } = &lab.latest.body
        {
            let mut text = format!("{}: {}", test.text, lab_value_text(value));
            if let Some(f) = flag.filter(|f| f.is_abnormal()) {
                text.push_str(&format!(" ({})", f.label()));
            }
            text.push_str(&format!(" on {}", date_label(taken_at.date_naive())));
            include(
                &mut resources_out,
                &mut results,
                lab.latest,
                &patient_url,
                text,
            );
        }
    }

    let mut directives = Section::new(
        "Advance directives",
        "42348-3",
        "Advance healthcare directives",
    );
    if let Some(acp) = summary::advance_care_plan(entries) {
        let form = match acp.form {
            AdvanceCareForm::Respect => "ReSPECT",
            AdvanceCareForm::Dnacpr => "DNACPR",
        };
        let cpr = match acp.cpr {
            CprDecision::NotForCpr => "do not attempt CPR",
            CprDecision::ForCpr => "for CPR",
        };
        let text = format!("{form}: {cpr} (agreed {})", date_label(acp.agreed_on));
        include(
            &mut resources_out,
            &mut directives,
            acp.entry,
            &patient_url,
            text,
        );
    }

    let mut plan = Section::new("Plan of care", "18776-5", "Plan of care note");
    for e in summary::care_plan(entries) {
        if let EntryBody::CarePlanSection { area, goal, .. } = &e.body {
            include(
                &mut resources_out,
                &mut plan,
                e,
                &patient_url,
                format!("{area}: {goal}"),
            );
        }
    }

    let mut sections = vec![
        allergies.to_json(),
        medication.to_json(),
        problems.to_json(),
    ];
    for optional in [results, directives, plan] {
        if !optional.entries.is_empty() {
            sections.push(optional.to_json());
        }
    }
    let composition = json!({
        "resourceType": "Composition",
        "id": composition_id.hyphenated().to_string(),
        "status": "final",
        "type": { "coding": [{ "system": LOINC, "code": "60591-5", "display": "Patient summary Document" }] },
        "subject": { "reference": patient_url },
        "date": instant(now),
        "author": [{ "reference": org_url }],
        "title": format!("Patient summary: {}", resident.name.full()),
        "confidentiality": "N",
        "custodian": { "reference": org_url },
        "section": sections,
    });
    let mut all = vec![json!({ "fullUrl": urn(composition_id), "resource": composition })];
    all.extend(resources_out);
    json!({
        "resourceType": "Bundle",
        "id": bundle_uuid.hyphenated().to_string(),
        "identifier": { "system": "urn:ietf:rfc:3986", "value": urn(bundle_uuid) },
        "type": "document",
        "timestamp": instant(now),
        "entry": all,
    })
}
