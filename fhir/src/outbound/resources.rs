//! One entry as FHIR R4 resources, shaped so that [`crate::inbound::interpret`] reads the
//! same entry back.

use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, ClinicalStatus, Concept, CprDecision, DocumentType, Entry,
    EntryBody, LabValue, MedicationStatus, Severity, StayStatus,
};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::narrative;

pub(crate) const SNOMED: &str = bedside_domain::record::SNOMED;
pub(crate) const LOINC: &str = bedside_domain::record::LOINC;

/// How resources point at each other: `Type/id` (a server's resources, a transaction
/// with client ids) or `urn:uuid:id` (a document's or transaction's full URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Relative,
    Urn,
}

impl Style {
    pub(crate) fn reference(self, ty: &str, id: &str) -> String {
        match self {
            Self::Relative => format!("{ty}/{id}"),
            Self::Urn => format!("urn:uuid:{id}"),
        }
    }
}

/// A resource's id derived from its entry's: the entry's own UUID for the main resource,
/// a different stable UUID for each extra one (`salt` > 0).
pub(crate) fn derived_id(entry_id: Uuid, salt: u128) -> Uuid {
    if salt == 0 {
        entry_id
    } else {
        Uuid::from_u128(
            entry_id.as_u128() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835),
        )
    }
}

/// Salt for the lab report that names a result's panel.
pub(crate) const PANEL_SALT: u128 = 1;

pub(crate) fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn cc(c: &Concept) -> Value {
    match &c.coding {
        Some(coding) => json!({
            "coding": [{"system": coding.system, "code": coding.code, "display": c.text}],
            "text": c.text,
        }),
        None => json!({ "text": c.text }),
    }
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }] })
}

fn display(name: &str) -> Value {
    json!({ "display": name })
}

fn org_display(name: &str) -> Value {
    json!({ "display": name, "type": "Organization" })
}

/// The start every resource shares: type, id, and `meta.lastUpdated` = when the entry
/// was written at its source (inbound reads it back as the entry's authored time).
fn base(ty: &str, id: &str, entry: &Entry) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("resourceType".into(), json!(ty));
    m.insert("id".into(), json!(id));
    m.insert(
        "meta".into(),
        json!({
            "versionId": entry.version.to_string(),
            "lastUpdated": instant(entry.provenance.authored_at),
        }),
    );
    m
}

fn put(m: &mut Map<String, Value>, key: &str, v: Value) {
    m.insert(key.to_owned(), v);
}

fn put_opt<T: Into<Value>>(m: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v {
        m.insert(key.to_owned(), v.into());
    }
}

/// "56 tablets" as a Quantity (value and unit), or unit-only when it is not "number unit".
fn quantity(q: &str) -> Value {
    if let Some((n, unit)) = q.split_once(' ')
        && let Ok(v) = n.parse::<f64>()
        && v.is_finite()
        && crate::number_text(v) == n
        && !unit.is_empty()
        && unit.trim() == unit
    {
        return json!({ "value": v, "unit": unit });
    }
    if let Ok(v) = q.parse::<f64>()
        && v.is_finite()
        && crate::number_text(v) == q
    {
        return json!({ "value": v });
    }
    json!({ "unit": q })
}

/// The resources an entry is exported as. Home-authored About Me sections and care notes
/// are not exported (they stay in the home's record), nor are kinds this version does not
/// know: an empty list.
pub(crate) fn entry_resources(entry: &Entry, patient_ref: &str, style: Style) -> Vec<Value> {
    let id = entry.id.0.hyphenated().to_string();
    let retracted = !entry.is_current();
    let subject = json!({ "reference": patient_ref });
    let author = entry.provenance.author.as_deref();
    let authored = instant(entry.provenance.authored_at);
    match &entry.body {
        EntryBody::Allergy {
            substance,
            reaction,
            severity,
            clinical_status,
        } => {
            let mut m = base("AllergyIntolerance", &id, entry);
            allergy_status(&mut m, *clinical_status, retracted);
            put(&mut m, "code", cc(substance));
            put(&mut m, "patient", subject);
            put(&mut m, "recordedDate", json!(authored));
            put_opt(&mut m, "recorder", author.map(display));
            if reaction.is_some() || severity.is_some() {
                // A reaction needs a manifestation: when only the severity is known, the
                // manifestation says its data is absent.
                let manifestation = match reaction {
                    Some(r) => json!({ "text": r }),
                    None => json!({ "extension": [{
                        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                        "valueCode": "unknown"
                    }] }),
                };
                let mut r = Map::new();
                put(&mut r, "manifestation", json!([manifestation]));
                put_opt(
                    &mut r,
                    "severity",
                    severity.map(|s| match s {
                        Severity::Mild => "mild",
                        Severity::Moderate => "moderate",
                        Severity::Severe => "severe",
                    }),
                );
                put(&mut m, "reaction", json!([Value::Object(r)]));
            }
            vec![Value::Object(m)]
        }
        EntryBody::NoKnownAllergies {} => {
            let mut m = base("AllergyIntolerance", &id, entry);
            allergy_status(&mut m, ClinicalStatus::Active, retracted);
            put(
                &mut m,
                "code",
                json!({
                    "coding": [{"system": SNOMED, "code": "716186003", "display": "No known allergy"}],
                    "text": "No known allergies",
                }),
            );
            put(&mut m, "patient", subject);
            put(&mut m, "recordedDate", json!(authored));
            put_opt(&mut m, "recorder", author.map(display));
            vec![Value::Object(m)]
        }
        EntryBody::Condition {
            name,
            clinical_status,
            onset,
            note,
        } => {
            let mut m = base("Condition", &id, entry);
            if !retracted {
                // con-5: no clinical status on a condition entered in error.
                put(
                    &mut m,
                    "clinicalStatus",
                    coding(
                        "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        clinical_code(*clinical_status),
                        clinical_code(*clinical_status),
                    ),
                );
            }
            put(
                &mut m,
                "verificationStatus",
                coding(
                    "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    if retracted {
                        "entered-in-error"
                    } else {
                        "confirmed"
                    },
                    if retracted {
                        "Entered in Error"
                    } else {
                        "Confirmed"
                    },
                ),
            );
            put(
                &mut m,
                "category",
                json!([coding(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                    "Problem List Item"
                )]),
            );
            put(&mut m, "code", cc(name));
            put(&mut m, "subject", subject);
            put_opt(&mut m, "onsetDateTime", onset.map(date));
            put(&mut m, "recordedDate", json!(authored));
            put_opt(&mut m, "recorder", author.map(display));
            put_opt(
                &mut m,
                "note",
                note.as_ref().map(|n| json!([{ "text": n }])),
            );
            vec![Value::Object(m)]
        }
        EntryBody::MedicationOrder {
            medicine,
            dosage,
            prescribed_on,
            prescriber,
            status,
        } => {
            let mut m = base("MedicationRequest", &id, entry);
            let status = if retracted {
                "entered-in-error"
            } else {
                match status {
                    MedicationStatus::Active => "active",
                    MedicationStatus::Stopped => "stopped",
                    MedicationStatus::Completed => "completed",
                    MedicationStatus::OnHold => "on-hold",
                }
            };
            put(&mut m, "status", json!(status));
            put(&mut m, "intent", json!("order"));
            put(&mut m, "medicationCodeableConcept", cc(medicine));
            put(&mut m, "subject", subject);
            // authoredOn carries the time it was written when that was on the day it was
            // prescribed; otherwise the day alone (meta.lastUpdated keeps the time).
            let on = if entry.provenance.authored_at.date_naive() == *prescribed_on {
                authored
            } else {
                date(*prescribed_on)
            };
            put(&mut m, "authoredOn", json!(on));
            put_opt(&mut m, "requester", prescriber.as_deref().map(display));
            put_opt(&mut m, "recorder", author.map(display));
            put_opt(
                &mut m,
                "dosageInstruction",
                dosage.as_ref().map(|d| json!([{ "text": d }])),
            );
            vec![Value::Object(m)]
        }
        EntryBody::MedicationSupply {
            medicine,
            dispensed_on,
            quantity: qty,
            dispenser,
        } => {
            let mut m = base("MedicationDispense", &id, entry);
            put(
                &mut m,
                "status",
                json!(if retracted {
                    "entered-in-error"
                } else {
                    "completed"
                }),
            );
            put(&mut m, "medicationCodeableConcept", cc(medicine));
            put(&mut m, "subject", subject);
            put(
                &mut m,
                "performer",
                json!([{ "actor": org_display(dispenser) }]),
            );
            put_opt(&mut m, "quantity", qty.as_deref().map(quantity));
            put(&mut m, "whenHandedOver", json!(date(*dispensed_on)));
            vec![Value::Object(m)]
        }
        EntryBody::LabResult {
            test,
            value,
            reference_range,
            flag,
            taken_at,
            panel,
        } => {
            let mut m = base("Observation", &id, entry);
            put(
                &mut m,
                "status",
                json!(if retracted {
                    "entered-in-error"
                } else {
                    "final"
                }),
            );
            put(
                &mut m,
                "category",
                json!([coding(
                    "http://terminology.hl7.org/CodeSystem/observation-category",
                    "laboratory",
                    "Laboratory"
                )]),
            );
            put(&mut m, "code", cc(test));
            put(&mut m, "subject", subject.clone());
            put(&mut m, "effectiveDateTime", json!(instant(*taken_at)));
            put(&mut m, "issued", json!(authored));
            let mut performers = vec![org_display(&entry.provenance.organisation)];
            if let Some(a) = author {
                performers.push(json!({ "display": a, "type": "Practitioner" }));
            }
            put(&mut m, "performer", json!(performers));
            match value {
                LabValue::Quantity { value, unit } => {
                    let mut q = Map::new();
                    put(&mut q, "value", json!(value));
                    if !unit.is_empty() {
                        put(&mut q, "unit", json!(unit));
                    }
                    put(&mut m, "valueQuantity", Value::Object(q));
                }
                LabValue::Text { text } => put(&mut m, "valueString", json!(text)),
            }
            if let Some(f) = flag {
                let code = match f {
                    AbnormalFlag::Normal => "N",
                    AbnormalFlag::Low => "L",
                    AbnormalFlag::High => "H",
                    AbnormalFlag::CriticalLow => "LL",
                    AbnormalFlag::CriticalHigh => "HH",
                    AbnormalFlag::Abnormal => "A",
                };
                put(
                    &mut m,
                    "interpretation",
                    json!([coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        code,
                        f.label()
                    )]),
                );
            }
            if let Some(r) = reference_range {
                let mut range = Map::new();
                put_opt(&mut range, "low", r.low.map(|v| json!({ "value": v })));
                put_opt(&mut range, "high", r.high.map(|v| json!({ "value": v })));
                put_opt(&mut range, "text", r.text.clone());
                if !range.is_empty() {
                    put(&mut m, "referenceRange", json!([Value::Object(range)]));
                }
            }
            let mut out = vec![Value::Object(m)];
            // The panel is named by a lab report listing the result.
            if let Some(panel) = panel {
                let report_id = derived_id(entry.id.0, PANEL_SALT).hyphenated().to_string();
                out.push(panel_report(
                    &report_id,
                    panel,
                    &[style.reference("Observation", &id)],
                    subject,
                    *taken_at,
                    entry,
                    retracted,
                ));
            }
            out
        }
        EntryBody::DiagnosticReport {
            title,
            conclusion,
            performed_at,
        } => {
            let mut m = base("DiagnosticReport", &id, entry);
            put(
                &mut m,
                "status",
                json!(if retracted {
                    "entered-in-error"
                } else {
                    "final"
                }),
            );
            put(&mut m, "code", json!({ "text": title }));
            put(&mut m, "subject", subject);
            put(&mut m, "effectiveDateTime", json!(instant(*performed_at)));
            put(&mut m, "issued", json!(authored));
            put(
                &mut m,
                "performer",
                json!([org_display(&entry.provenance.organisation)]),
            );
            put_opt(
                &mut m,
                "resultsInterpreter",
                author.map(|a| json!([{ "display": a, "type": "Practitioner" }])),
            );
            put(&mut m, "conclusion", json!(conclusion));
            vec![Value::Object(m)]
        }
        EntryBody::Document { .. } => vec![composition(entry, patient_ref)],
        EntryBody::HospitalStay {
            hospital,
            ward,
            admitted_on,
            reason,
            expected_discharge,
            discharged_on,
            status,
        } => {
            let mut m = base("Encounter", &id, entry);
            if let Some(d) = expected_discharge {
                put(
                    &mut m,
                    "extension",
                    json!([{ "url": crate::PLANNED_END_EXTENSION, "valueDateTime": date(*d) }]),
                );
            }
            let status = match (retracted, status) {
                (true, _) => "entered-in-error",
                (false, StayStatus::InProgress) => "in-progress",
                (false, StayStatus::Finished) => "finished",
            };
            put(&mut m, "status", json!(status));
            put(
                &mut m,
                "class",
                json!({
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "IMP",
                    "display": "inpatient encounter",
                }),
            );
            put(&mut m, "subject", subject);
            let mut period = Map::new();
            put(&mut period, "start", json!(date(*admitted_on)));
            put_opt(&mut period, "end", discharged_on.map(date));
            put(&mut m, "period", Value::Object(period));
            put_opt(
                &mut m,
                "reasonCode",
                reason.as_ref().map(|r| json!([{ "text": r }])),
            );
            put_opt(
                &mut m,
                "location",
                ward.as_ref()
                    .map(|w| json!([{ "location": { "display": w } }])),
            );
            put(&mut m, "serviceProvider", org_display(hospital));
            vec![Value::Object(m)]
        }
        EntryBody::AdvanceCarePlan {
            form,
            cpr,
            recommendations,
            agreed_on,
            review_on,
        } => {
            let mut m = base("Consent", &id, entry);
            if let Some(d) = review_on {
                put(
                    &mut m,
                    "extension",
                    json!([{ "url": crate::REVIEW_DATE_EXTENSION, "valueDate": date(*d) }]),
                );
            }
            let (category_code, category_display, form_name) = match form {
                AdvanceCareForm::Respect => ("acd", "Advance Directive", "ReSPECT"),
                AdvanceCareForm::Dnacpr => ("dnr", "Do Not Resuscitate", "DNACPR"),
            };
            put(
                &mut m,
                "status",
                json!(if retracted {
                    "entered-in-error"
                } else {
                    "active"
                }),
            );
            put(
                &mut m,
                "scope",
                coding(
                    "http://terminology.hl7.org/CodeSystem/consentscope",
                    "adr",
                    "Advanced Care Directive",
                ),
            );
            put(
                &mut m,
                "category",
                json!([{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                        "code": category_code,
                        "display": category_display,
                    }],
                    "text": format!("{form_name} form"),
                }]),
            );
            put(&mut m, "patient", subject);
            put(&mut m, "dateTime", json!(authored));
            put_opt(
                &mut m,
                "performer",
                author.map(|a| json!([{ "display": a, "type": "Practitioner" }])),
            );
            put(
                &mut m,
                "organization",
                json!([org_display(&entry.provenance.organisation)]),
            );
            if let Some(text) = recommendations {
                put(
                    &mut m,
                    "sourceAttachment",
                    json!({
                        "contentType": "text/plain; charset=utf-8",
                        "title": format!("{form_name} recommendations"),
                        "data": crate::base64::encode(text.as_bytes()),
                    }),
                );
            }
            // ppc-1: a consent names its policy.
            put(
                &mut m,
                "policyRule",
                json!({ "text": format!("{form_name} process") }),
            );
            put(
                &mut m,
                "provision",
                json!({
                    "type": match cpr {
                        CprDecision::NotForCpr => "deny",
                        CprDecision::ForCpr => "permit",
                    },
                    "period": { "start": date(*agreed_on) },
                    "code": [{
                        "coding": [{"system": SNOMED, "code": "89666000", "display": "Cardiopulmonary resuscitation"}],
                        "text": "Cardiopulmonary resuscitation",
                    }],
                }),
            );
            vec![Value::Object(m)]
        }
        EntryBody::CarePlanSection {
            area,
            need,
            goal,
            support,
            preferences,
            review_on,
        } => {
            let mut m = base("CarePlan", &id, entry);
            // The goal travels inside the plan, so the plan stands on its own.
            put(
                &mut m,
                "contained",
                json!([{
                    "resourceType": "Goal",
                    "id": "goal",
                    "lifecycleStatus": "active",
                    "description": { "text": goal },
                    "subject": { "reference": patient_ref },
                }]),
            );
            put(
                &mut m,
                "status",
                json!(if retracted {
                    "entered-in-error"
                } else {
                    "active"
                }),
            );
            put(&mut m, "intent", json!("plan"));
            put(
                &mut m,
                "category",
                json!([{ "text": "Care home care plan" }]),
            );
            put(&mut m, "title", json!(area));
            put(&mut m, "description", json!(need));
            put(&mut m, "subject", subject);
            put_opt(
                &mut m,
                "period",
                review_on.map(|d| json!({ "end": date(d) })),
            );
            put(&mut m, "created", json!(authored));
            put_opt(&mut m, "author", author.map(display));
            put(&mut m, "goal", json!([{ "reference": "#goal" }]));
            put(
                &mut m,
                "activity",
                json!([{ "detail": { "status": "in-progress", "description": support } }]),
            );
            put_opt(
                &mut m,
                "note",
                preferences
                    .as_ref()
                    .map(|p| json!([{ "text": format!("{}{p}", crate::PREFERENCES_PREFIX) }])),
            );
            vec![Value::Object(m)]
        }
        // Home-authored notes, observations, corrections and proposals stay in the home
        // (observation sets may be exported as vital signs later).
        EntryBody::AboutMeSection { .. }
        | EntryBody::CareNote { .. }
        | EntryBody::ObservationSet { .. }
        | EntryBody::Correction { .. }
        | EntryBody::SectionProposal { .. }
        | EntryBody::Unknown => Vec::new(),
    }
}

fn clinical_code(s: ClinicalStatus) -> &'static str {
    match s {
        ClinicalStatus::Active => "active",
        ClinicalStatus::Inactive => "inactive",
        ClinicalStatus::Resolved => "resolved",
    }
}

fn allergy_status(m: &mut Map<String, Value>, status: ClinicalStatus, retracted: bool) {
    if !retracted {
        // ait-2: no clinical status on an allergy entered in error.
        put(
            m,
            "clinicalStatus",
            coding(
                "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                clinical_code(status),
                clinical_code(status),
            ),
        );
    }
    put(
        m,
        "verificationStatus",
        coding(
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            if retracted {
                "entered-in-error"
            } else {
                "confirmed"
            },
            if retracted {
                "Entered in Error"
            } else {
                "Confirmed"
            },
        ),
    );
}

/// A lab report that names the panel its results belong to (no conclusion: inbound reads
/// it as supporting, and [`crate::inbound::panel_of`] gives the panel).
pub(crate) fn panel_report(
    id: &str,
    panel: &str,
    results: &[String],
    subject: Value,
    taken_at: DateTime<Utc>,
    entry: &Entry,
    retracted: bool,
) -> Value {
    let mut m = base("DiagnosticReport", id, entry);
    put(
        &mut m,
        "status",
        json!(if retracted {
            "entered-in-error"
        } else {
            "final"
        }),
    );
    put(
        &mut m,
        "category",
        json!([coding(
            "http://terminology.hl7.org/CodeSystem/v2-0074",
            "LAB",
            "Laboratory"
        )]),
    );
    put(&mut m, "code", json!({ "text": panel }));
    put(&mut m, "subject", subject);
    put(&mut m, "effectiveDateTime", json!(instant(taken_at)));
    put(
        &mut m,
        "issued",
        json!(instant(entry.provenance.authored_at)),
    );
    put(
        &mut m,
        "performer",
        json!([org_display(&entry.provenance.organisation)]),
    );
    put(
        &mut m,
        "result",
        Value::Array(results.iter().map(|r| json!({ "reference": r })).collect()),
    );
    Value::Object(m)
}

/// The type of a document: a code where there is one we are sure of, and the label.
fn document_type(t: DocumentType) -> Value {
    let label = t.label();
    match t {
        DocumentType::DischargeSummary => json!({
            "coding": [{"system": SNOMED, "code": "373942005", "display": "Discharge summary"}],
            "text": label,
        }),
        DocumentType::EmergencyDepartment => json!({
            "coding": [{"system": LOINC, "code": "59258-4", "display": "Emergency department Discharge summary"}],
            "text": label,
        }),
        _ => json!({ "text": label }),
    }
}

/// A Document entry as a Composition: its sections as XHTML narrative.
pub(crate) fn composition(entry: &Entry, patient_ref: &str) -> Value {
    let EntryBody::Document {
        doc_type,
        title,
        period_start,
        period_end,
        sections,
        ..
    } = &entry.body
    else {
        return Value::Null;
    };
    let id = entry.id.0.hyphenated().to_string();
    let mut m = base("Composition", &id, entry);
    put(
        &mut m,
        "status",
        json!(if entry.is_current() {
            "final"
        } else {
            "entered-in-error"
        }),
    );
    put(&mut m, "type", document_type(*doc_type));
    put(&mut m, "subject", json!({ "reference": patient_ref }));
    put(&mut m, "date", json!(instant(entry.provenance.authored_at)));
    let author = match &entry.provenance.author {
        Some(a) => json!({ "display": a, "type": "Practitioner" }),
        None => org_display(&entry.provenance.organisation),
    };
    put(&mut m, "author", json!([author]));
    put(&mut m, "title", json!(title));
    if period_start.is_some() || period_end.is_some() {
        let mut p = Map::new();
        put_opt(&mut p, "start", period_start.map(date));
        put_opt(&mut p, "end", period_end.map(date));
        put(&mut m, "event", json!([{ "period": Value::Object(p) }]));
    }
    put(
        &mut m,
        "custodian",
        org_display(&entry.provenance.organisation),
    );
    let list: Vec<Value> = sections
        .iter()
        .map(|s| {
            if s.text.trim().is_empty() {
                json!({
                    "title": s.title,
                    "emptyReason": coding(
                        "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                        "unavailable",
                        "Unavailable"
                    ),
                })
            } else {
                json!({
                    "title": s.title,
                    "text": { "status": "additional", "div": narrative::text_to_xhtml(&s.text) },
                })
            }
        })
        .collect();
    if !list.is_empty() {
        put(&mut m, "section", Value::Array(list));
    }
    Value::Object(m)
}
