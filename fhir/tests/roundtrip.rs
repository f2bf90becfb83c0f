//! inbound(outbound(x)) == x: every kind of entry, and every entry of the demo dataset,
//! written as FHIR and read back gives the same entry (body, authored time, author).

mod common;

use std::collections::HashMap;

use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, ClinicalStatus, Concept, CprDecision, DMD, DocumentSection,
    DocumentType, Entry, EntryBody, EntryKind, EntryStatus, LabValue, MedicationStatus, Provenance,
    ReferenceRange, SNOMED, Severity, StayStatus,
};
use bedside_domain::{EntryId, PersonId};
use bedside_fhir::inbound::{Context, Draft, Meaning, interpret, interpret_document, panel_of};
use bedside_fhir::outbound::{
    Method, SubjectStyle, TransactionOptions, document_bundle, entry_resources, patient_resource,
    transaction_bundle,
};
use chrono::{DateTime, NaiveDate, Utc};
use common::{MapResolver, ctx, demo};
use serde_json::Value;
use uuid::Uuid;

/// Kinds that are not exported (home-authored, kept in the home's record).
fn exported(kind: EntryKind) -> bool {
    !matches!(
        kind,
        EntryKind::AboutMeSection | EntryKind::CareNote | EntryKind::Unknown
    )
}

/// Reads resources back as an engine would: each interpreted on its own, the lab panel
/// named from the report that lists the result.
fn read_back(resources: &[Value], context: &Context<'_>) -> Vec<(String, Draft)> {
    let mut drafts: Vec<(String, Draft)> = Vec::new();
    let mut panels: HashMap<String, String> = HashMap::new();
    for r in resources {
        let got = interpret(r, context).unwrap_or_else(|e| panic!("{r:#}\n{e:#?}"));
        assert!(got.warnings.is_empty(), "{r:#}\n{:#?}", got.warnings);
        match got.meaning {
            Meaning::Record { entries, .. } => {
                let key = format!(
                    "{}/{}",
                    got.resource_type,
                    got.id.clone().unwrap_or_default()
                );
                drafts.extend(entries.into_iter().map(|d| (key.clone(), d)));
            }
            Meaning::Supporting => {
                let (name, members) = panel_of(r).expect("a supporting report names a panel");
                for m in members {
                    panels.insert(m, name.clone());
                }
            }
            other => panic!("unexpected {other:?} for {r:#}"),
        }
    }
    for (key, d) in &mut drafts {
        if let EntryBody::LabResult { panel, .. } = &mut d.body {
            *panel = panels.get(key.as_str()).cloned();
        }
    }
    drafts
}

fn assert_same(entry: &Entry, draft: &Draft) {
    assert_eq!(draft.body, entry.body, "{:?}", entry.id);
    assert_eq!(
        draft.authored_at,
        Some(entry.provenance.authored_at),
        "authored time of {:?} {:?}",
        entry.kind(),
        entry.id
    );
    // A supply and a hospital stay have no element for who recorded them.
    let author_kept = !matches!(
        entry.body,
        EntryBody::MedicationSupply { .. } | EntryBody::HospitalStay { .. }
    );
    let want = if author_kept {
        entry.provenance.author.clone()
    } else {
        None
    };
    assert_eq!(draft.author, want, "author of {:?}", entry.kind());
}

#[test]
fn every_demo_entry_round_trips_on_its_own() {
    let context = ctx();
    let mut seen: HashMap<EntryKind, usize> = HashMap::new();
    for (_, entries) in demo() {
        for entry in &entries {
            let resources = entry_resources(entry, "Patient/p1");
            if !exported(entry.kind()) {
                assert!(resources.is_empty());
                continue;
            }
            let drafts = read_back(&resources, &context);
            assert_eq!(drafts.len(), 1, "{:?}: {resources:#?}", entry.kind());
            assert_same(entry, &drafts[0].1);
            *seen.entry(entry.kind()).or_default() += 1;
        }
    }
    // The demo exercises every exported kind.
    for kind in [
        EntryKind::Allergy,
        EntryKind::NoKnownAllergies,
        EntryKind::Condition,
        EntryKind::MedicationOrder,
        EntryKind::MedicationSupply,
        EntryKind::LabResult,
        EntryKind::Document,
        EntryKind::HospitalStay,
        EntryKind::AdvanceCarePlan,
        EntryKind::CarePlanSection,
    ] {
        assert!(
            seen.get(&kind).copied().unwrap_or(0) > 0,
            "{kind:?} not seen"
        );
    }
}

#[test]
fn demo_records_round_trip_through_transactions_and_documents() {
    for (i, (resident, entries)) in demo().into_iter().enumerate() {
        // One transaction per sending organisation, as the sources would send them.
        let mut by_source: Vec<(String, Vec<Entry>)> = Vec::new();
        for e in entries.iter().filter(|e| exported(e.kind())) {
            match by_source
                .iter_mut()
                .find(|(o, _)| *o == e.provenance.organisation)
            {
                Some((_, list)) => list.push(e.clone()),
                None => by_source.push((e.provenance.organisation.clone(), vec![e.clone()])),
            }
        }
        let options = TransactionOptions {
            subject: if i % 2 == 0 {
                SubjectStyle::BundlePatient
            } else {
                SubjectStyle::NhsNumber
            },
            method: if i % 3 == 0 {
                Method::Post
            } else {
                Method::Put
            },
        };
        for (org, list) in by_source {
            let bundle = transaction_bundle(&resident, &list, options);
            assert_eq!(bundle["type"], "transaction");
            let resolver = MapResolver::of_bundle(&bundle);
            let context = Context {
                source_name: &org,
                resolver: &resolver,
            };
            let resources: Vec<Value> = bundle["entry"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| e["resource"].clone())
                .filter(|r| r["resourceType"] != "Patient")
                .collect();
            for e in bundle["entry"].as_array().expect("entries") {
                assert!(e["request"]["method"].is_string() && e["request"]["url"].is_string());
                assert!(
                    e["fullUrl"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("urn:uuid:"))
                );
            }
            // Lab results read back by their full URLs.
            let mut drafts = read_back(&resources, &context);
            for (key, _) in &mut drafts {
                if let Some(id) = key.split('/').nth(1) {
                    *key = format!("urn:uuid:{id}");
                }
            }
            let mut panels: HashMap<String, String> = HashMap::new();
            for r in &resources {
                if let Some((name, members)) = panel_of(r) {
                    for m in members {
                        panels.insert(m, name.clone());
                    }
                }
            }
            for (key, d) in &mut drafts {
                if let EntryBody::LabResult { panel, .. } = &mut d.body {
                    *panel = panels.get(key.as_str()).cloned();
                }
            }
            let mut expected: Vec<&Entry> = list
                .iter()
                .filter(|e| !matches!(e.body, EntryBody::Document { .. }))
                .collect();
            assert_eq!(drafts.len(), expected.len(), "{org}");
            for (key, d) in &drafts {
                let id = key.trim_start_matches("urn:uuid:");
                let pos = expected
                    .iter()
                    .position(|e| e.id.to_string() == id)
                    .unwrap_or_else(|| panic!("no entry {id}"));
                assert_same(expected[pos], d);
                expected.remove(pos);
            }
            // Documents go as document Bundles.
            for doc in list
                .iter()
                .filter(|e| matches!(e.body, EntryBody::Document { .. }))
            {
                let bundle = document_bundle(&resident, doc).expect("a document");
                let got = interpret_document(&bundle, &ctx()).unwrap_or_else(|e| panic!("{e:#?}"));
                assert!(got.warnings.is_empty(), "{:#?}", got.warnings);
                let Meaning::Record { subject, entries } = got.meaning else {
                    panic!("not a record");
                };
                // The subject resolves in the Bundle to the resident's NHS number.
                assert_eq!(
                    subject.identifier.map(|i| i.value),
                    Some(resident.nhs_number.digits())
                );
                assert_eq!(entries.len(), 1);
                assert_same(doc, &entries[0]);
            }
        }
    }
}

#[test]
fn retracted_entries_are_written_as_entered_in_error() {
    for (_, entries) in demo().into_iter().take(12) {
        for mut entry in entries.into_iter().filter(|e| exported(e.kind())) {
            entry.status = EntryStatus::EnteredInError;
            let resources = entry_resources(&entry, "Patient/p1");
            let main = &resources[0];
            let got = interpret(main, &ctx()).unwrap_or_else(|e| panic!("{main:#}\n{e:#?}"));
            assert!(
                matches!(got.meaning, Meaning::Retracted { .. }),
                "{:?}: {:?}",
                entry.kind(),
                got.meaning
            );
        }
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid test time")
        .with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid test date")
}

fn entry(n: u128, author: Option<&str>, authored: &str, body: EntryBody) -> Entry {
    Entry {
        id: EntryId(Uuid::from_u128(0xE000 + n)),
        person_id: PersonId(Uuid::from_u128(7)),
        version: 3,
        status: EntryStatus::Current,
        provenance: Provenance {
            organisation: "St Elsewhere's Hospital".into(),
            ods_code: Some("ZZ999".into()),
            system: None,
            source_id: None,
            author: author.map(str::to_owned),
            authored_at: at(authored),
            received_at: at(authored),
        },
        body,
    }
}

/// Variants the demo does not produce: each kind's optional parts absent and present,
/// every status, coded and uncoded concepts, text values.
fn variants() -> Vec<Entry> {
    let dr = Some("Dr Ada Byron");
    let mut n = 0;
    let mut e = |author: Option<&str>, when: &str, body: EntryBody| {
        n += 1;
        entry(n, author, when, body)
    };
    vec![
        e(
            dr,
            "2025-01-02T10:00:00Z",
            EntryBody::Allergy {
                substance: Concept::coded("Penicillin", SNOMED, "764146007"),
                reaction: None,
                severity: Some(Severity::Severe),
                clinical_status: ClinicalStatus::Inactive,
            },
        ),
        e(
            None,
            "2025-01-02T10:00:00.123Z",
            EntryBody::Allergy {
                substance: Concept::coded("Amoxicillin 500mg capsules", DMD, "39732411000001106"),
                reaction: Some("Rash; swollen lips".into()),
                severity: None,
                clinical_status: ClinicalStatus::Resolved,
            },
        ),
        e(
            dr,
            "2024-03-01T09:30:00Z",
            EntryBody::Condition {
                name: Concept::text("Frailty"),
                clinical_status: ClinicalStatus::Resolved,
                onset: None,
                note: None,
            },
        ),
        e(
            dr,
            "2024-02-27T09:30:00Z",
            EntryBody::MedicationOrder {
                medicine: Concept::coded("Amlodipine 5mg tablets", DMD, "319283006"),
                dosage: None,
                prescribed_on: day("2024-02-27"),
                prescriber: None,
                status: MedicationStatus::OnHold,
            },
        ),
        e(
            None,
            "2024-03-01T23:30:00Z",
            EntryBody::MedicationOrder {
                medicine: Concept::text("Senna 7.5mg tablets"),
                dosage: Some("Two at night".into()),
                prescribed_on: day("2024-03-01"),
                prescriber: Some("Dr Who".into()),
                status: MedicationStatus::Completed,
            },
        ),
        e(
            None,
            "2024-03-02T12:00:00Z",
            EntryBody::MedicationSupply {
                medicine: Concept::coded("Amlodipine 5mg tablets", DMD, "319283006"),
                dispensed_on: day("2024-03-02"),
                quantity: Some("one box of 28".into()),
                dispenser: "High Street Pharmacy".into(),
            },
        ),
        e(
            None,
            "2024-03-02T12:00:00Z",
            EntryBody::MedicationSupply {
                medicine: Concept::text("Oramorph 10mg/5ml oral solution"),
                dispensed_on: day("2024-03-01"),
                quantity: Some("2.5 ml".into()),
                dispenser: "High Street Pharmacy".into(),
            },
        ),
        e(
            None,
            "2024-03-02T12:00:00Z",
            EntryBody::MedicationSupply {
                medicine: Concept::text("Cream"),
                dispensed_on: day("2024-03-01"),
                quantity: None,
                dispenser: "High Street Pharmacy".into(),
            },
        ),
        e(
            dr,
            "2024-05-01T16:00:00+00:00",
            EntryBody::LabResult {
                test: Concept::coded("Urine culture", SNOMED, "117010004"),
                value: LabValue::Text {
                    text: "No growth".into(),
                },
                reference_range: Some(ReferenceRange {
                    low: None,
                    high: None,
                    text: Some("No growth".into()),
                }),
                flag: Some(AbnormalFlag::Abnormal),
                taken_at: at("2024-05-01T08:15:30.5Z"),
                panel: None,
            },
        ),
        e(
            None,
            "2024-05-01T16:00:00Z",
            EntryBody::LabResult {
                test: Concept::text("Potassium"),
                value: LabValue::Quantity {
                    value: 6.25,
                    unit: "mmol/L".into(),
                },
                reference_range: None,
                flag: Some(AbnormalFlag::CriticalHigh),
                taken_at: at("2024-05-01T08:15:00Z"),
                panel: Some("Urea and electrolytes".into()),
            },
        ),
        e(
            None,
            "2024-05-01T16:00:00Z",
            EntryBody::LabResult {
                test: Concept::text("INR"),
                value: LabValue::Quantity {
                    value: 2.0,
                    unit: String::new(),
                },
                reference_range: Some(ReferenceRange {
                    low: Some(2.0),
                    high: Some(3.0),
                    text: None,
                }),
                flag: None,
                taken_at: at("2024-05-01T08:15:00Z"),
                panel: None,
            },
        ),
        e(
            dr,
            "2024-06-01T12:00:00Z",
            EntryBody::DiagnosticReport {
                title: "Chest X-ray".into(),
                conclusion: "No acute changes.\n\nHeart size normal.".into(),
                performed_at: at("2024-05-31T10:00:00Z"),
            },
        ),
        e(
            None,
            "2024-06-01T12:00:00Z",
            EntryBody::DiagnosticReport {
                title: "CT head".into(),
                conclusion: "No bleed.".into(),
                performed_at: at("2024-05-31T10:00:00Z"),
            },
        ),
        e(
            None,
            "2024-06-01T12:00:00Z",
            EntryBody::Document {
                doc_type: DocumentType::Ambulance,
                title: "Ambulance patient report".into(),
                period_start: Some(day("2024-06-01")),
                period_end: None,
                sections: vec![
                    DocumentSection {
                        title: "Observations".into(),
                        text: "RR 22 & SpO2 <94%\nGCS 15".into(),
                    },
                    DocumentSection {
                        title: "Outcome".into(),
                        text: "Conveyed to ED.".into(),
                    },
                ],
                attachments: vec![],
            },
        ),
        e(
            dr,
            "2024-06-01T12:00:00Z",
            EntryBody::Document {
                doc_type: DocumentType::Clinic,
                title: "Memory clinic letter".into(),
                period_start: None,
                period_end: None,
                sections: vec![DocumentSection {
                    title: "Letter".into(),
                    text: "Dear Dr Smith,\n\nSeen today.".into(),
                }],
                attachments: vec![],
            },
        ),
        e(
            dr,
            "2024-06-01T12:00:00Z",
            EntryBody::Document {
                doc_type: DocumentType::EmergencyDepartment,
                title: "ED attendance".into(),
                period_start: Some(day("2024-05-31")),
                period_end: Some(day("2024-06-01")),
                sections: vec![DocumentSection {
                    title: "Diagnosis".into(),
                    text: "Fall, no injury.".into(),
                }],
                attachments: vec![],
            },
        ),
        e(
            None,
            "2024-06-01T12:00:00Z",
            EntryBody::Document {
                doc_type: DocumentType::Other,
                title: "Care coordination note".into(),
                period_start: None,
                period_end: None,
                sections: vec![],
                attachments: vec![],
            },
        ),
        e(
            None,
            "2024-07-01T12:00:00Z",
            EntryBody::HospitalStay {
                hospital: "St Elsewhere's Hospital".into(),
                ward: None,
                admitted_on: day("2024-06-28"),
                reason: None,
                expected_discharge: Some(day("2024-07-05")),
                discharged_on: None,
                status: StayStatus::InProgress,
            },
        ),
        e(
            dr,
            "2024-07-01T12:00:00Z",
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Respect,
                cpr: CprDecision::ForCpr,
                recommendations: None,
                agreed_on: day("2024-06-30"),
                review_on: None,
            },
        ),
        e(
            dr,
            "2024-07-01T12:00:00Z",
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Dnacpr,
                cpr: CprDecision::NotForCpr,
                recommendations: Some("Do not attempt CPR.".into()),
                agreed_on: day("2024-06-30"),
                review_on: Some(day("2025-06-30")),
            },
        ),
        e(
            None,
            "2024-07-01T12:00:00Z",
            EntryBody::CarePlanSection {
                area: "Eating and drinking".into(),
                need: "Not recorded".into(),
                goal: "To keep a stable weight".into(),
                support: "Fortified diet.\nWeigh weekly.".into(),
                preferences: None,
                review_on: None,
            },
        ),
    ]
}

#[test]
fn every_variant_round_trips() {
    let context = ctx();
    let list = variants();
    for entry in &list {
        let resources = entry_resources(entry, "Patient/p1");
        let drafts = read_back(&resources, &context);
        assert_eq!(drafts.len(), 1, "{:?}", entry.body);
        assert_same(entry, &drafts[0].1);
    }
    assert!(list.iter().any(|e| e.kind() == EntryKind::DiagnosticReport));
}

#[test]
fn residents_round_trip_as_patients() {
    for (resident, _) in demo().into_iter().take(40) {
        let p = patient_resource(&resident, "p1");
        let got = interpret(&p, &ctx()).expect("valid");
        let Meaning::Patient(facts) = got.meaning else {
            panic!("not a patient")
        };
        assert_eq!(facts.nhs_number, Some(resident.nhs_number.digits()));
        assert_eq!(facts.name.as_ref(), Some(&resident.name));
        assert_eq!(facts.birth_date, Some(resident.birth_date));
        assert_eq!(facts.sex, resident.sex);
        assert_eq!(facts.gp_practice, resident.gp_practice);
    }
}

#[test]
fn a_prescription_written_up_days_later_keeps_its_date() {
    // The one case where the written time cannot travel: MedicationRequest has one date,
    // and the date it was prescribed is the one that matters.
    let order = entry(
        99,
        Some("Dr Ada Byron"),
        "2024-03-01T09:30:00Z",
        EntryBody::MedicationOrder {
            medicine: Concept::text("Amlodipine 5mg tablets"),
            dosage: None,
            prescribed_on: day("2024-02-27"),
            prescriber: None,
            status: MedicationStatus::Active,
        },
    );
    let resources = entry_resources(&order, "Patient/p1");
    assert_eq!(resources[0]["authoredOn"], "2024-02-27");
    let drafts = read_back(&resources, &ctx());
    assert_eq!(drafts[0].1.body, order.body);
    assert_eq!(drafts[0].1.authored_at, Some(at("2024-02-27T00:00:00Z")));
}
