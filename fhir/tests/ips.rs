//! The International Patient Summary: shape, references, and only current entries.

mod common;

use std::collections::HashSet;

use bedside_domain::EntryId;
use bedside_domain::record::{Entry, EntryBody, EntryKind, EntryStatus, Resident};
use bedside_fhir::inbound::{Context, Meaning, interpret, interpret_document};
use bedside_fhir::outbound::ips_document;
use chrono::{DateTime, Utc};
use common::{MapResolver, SOURCE, demo};
use serde_json::Value;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-12T09:30:00Z")
        .expect("valid")
        .with_timezone(&Utc)
}

const BUNDLE_ID: &str = "7f0d3c2a-51b4-4c1e-9a55-0b1f5a6c9d21";

fn section<'a>(ips: &'a Value, loinc: &str) -> Option<&'a Value> {
    ips["entry"][0]["resource"]["section"]
        .as_array()?
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == loinc)
}

/// A resident whose record has every kind the summary shows, plus retracted entries.
fn rich() -> (Resident, Vec<Entry>, Vec<String>) {
    let (resident, mut entries) = demo()
        .into_iter()
        .find(|(_, es)| {
            let has = |k: EntryKind| es.iter().any(|e| e.kind() == k);
            has(EntryKind::Allergy)
                && has(EntryKind::AdvanceCarePlan)
                && has(EntryKind::CarePlanSection)
                && has(EntryKind::LabResult)
                && has(EntryKind::MedicationOrder)
                && has(EntryKind::Condition)
        })
        .expect("a demo resident with a full record");
    let mut retracted_ids = Vec::new();
    let copies: Vec<Entry> = entries
        .iter()
        .filter(|e| {
            matches!(
                e.kind(),
                EntryKind::Allergy | EntryKind::MedicationOrder | EntryKind::Condition
            )
        })
        .take(3)
        .cloned()
        .collect();
    for (i, mut e) in copies.into_iter().enumerate() {
        e.id = EntryId(Uuid::from_u128(0xDEAD_0000 + i as u128));
        e.status = EntryStatus::EnteredInError;
        if let EntryBody::Allergy { substance, .. } = &mut e.body {
            substance.text = "Retracted substance".into();
        }
        retracted_ids.push(e.id.to_string());
        entries.push(e);
    }
    (resident, entries, retracted_ids)
}

#[test]
fn summary_shape_and_references() {
    let (resident, entries, retracted) = rich();
    let ips = ips_document(&resident, &entries, now(), BUNDLE_ID, "Oak Lodge");
    assert_eq!(ips["resourceType"], "Bundle");
    assert_eq!(ips["type"], "document");
    assert_eq!(ips["id"], BUNDLE_ID);
    assert_eq!(ips["identifier"]["value"], format!("urn:uuid:{BUNDLE_ID}"));
    assert_eq!(ips["timestamp"], "2026-11-12T09:30:00Z");
    let composition = &ips["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(
        composition["type"]["coding"][0]["system"],
        "http://loinc.org"
    );
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    for required in [
        "48765-2", "10160-0", "11450-4", "30954-2", "42348-3", "18776-5",
    ] {
        let s = section(&ips, required).unwrap_or_else(|| panic!("section {required}"));
        assert!(
            s["text"]["div"]
                .as_str()
                .is_some_and(|d| d.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"))
        );
        assert!(
            !s["entry"].as_array().expect("entries").is_empty(),
            "{required}"
        );
    }

    let full_urls: HashSet<&str> = ips["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("a full URL"))
        .collect();
    assert_eq!(
        full_urls.len(),
        ips["entry"].as_array().expect("entries").len(),
        "unique"
    );
    assert!(
        full_urls
            .iter()
            .all(|u| u.starts_with("urn:uuid:") && Uuid::parse_str(&u[9..]).is_ok())
    );
    // Every reference in the Composition and the resources resolves inside the Bundle.
    let mut refs = Vec::new();
    collect_refs(&ips, &mut refs);
    assert!(refs.len() > 20);
    for r in &refs {
        // `#goal` points inside its own CarePlan (a contained Goal).
        if r.starts_with('#') {
            continue;
        }
        assert!(full_urls.contains(r.as_str()), "{r} does not resolve");
    }

    // Nothing retracted travels.
    let text = ips.to_string();
    for id in &retracted {
        assert!(!text.contains(id.as_str()), "{id}");
    }
    assert!(!text.contains("entered-in-error"));
    assert!(!text.contains("Retracted substance"));

    // Every resource is valid to our own reading, and the whole is a readable document.
    let resolver = MapResolver::of_bundle(&ips);
    let context = Context {
        source_name: SOURCE,
        resolver: &resolver,
    };
    for e in ips["entry"].as_array().expect("entries") {
        interpret(&e["resource"], &context)
            .unwrap_or_else(|err| panic!("{:#}\n{err:#?}", e["resource"]));
    }
    let doc = interpret_document(&ips, &context).expect("a valid document");
    let Meaning::Record {
        subject,
        entries: drafts,
    } = doc.meaning
    else {
        panic!("a record")
    };
    assert_eq!(
        subject.identifier.map(|i| i.value),
        Some(resident.nhs_number.digits())
    );
    let EntryBody::Document { sections, .. } = &drafts[0].body else {
        panic!("a document")
    };
    assert!(
        sections
            .iter()
            .any(|s| s.title == "Allergies and intolerances" && s.text.starts_with("• "))
    );
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "reference"
                    && let Some(s) = x.as_str()
                {
                    out.push(s.to_owned());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[test]
fn empty_sections_say_not_recorded_or_no_known_allergies() {
    let (resident, _) = demo().into_iter().next().expect("a resident");
    let ips = ips_document(&resident, &[], now(), BUNDLE_ID, "Oak Lodge");
    let sections = ips["entry"][0]["resource"]["section"]
        .as_array()
        .expect("sections");
    assert_eq!(
        sections.len(),
        3,
        "only the required sections when nothing is recorded"
    );
    for loinc in ["48765-2", "10160-0", "11450-4"] {
        let s = section(&ips, loinc).expect("required section");
        assert_eq!(s["emptyReason"]["coding"][0]["code"], "unavailable");
        assert!(
            s["text"]["div"]
                .as_str()
                .is_some_and(|d| d.contains("Not recorded"))
        );
        assert!(s.get("entry").is_none());
    }
    // "No known allergies" recorded is said so, with the statement in the Bundle.
    let (resident, entries) = demo()
        .into_iter()
        .find(|(_, es)| {
            es.iter().any(|e| e.kind() == EntryKind::NoKnownAllergies)
                && !es.iter().any(|e| e.kind() == EntryKind::Allergy)
        })
        .expect("a resident with no known allergies");
    let ips = ips_document(&resident, &entries, now(), "not-a-uuid", "Oak Lodge");
    let s = section(&ips, "48765-2").expect("allergies");
    assert!(
        s["text"]["div"]
            .as_str()
            .is_some_and(|d| d.contains("No known allergies"))
    );
    let reference = s["entry"][0]["reference"].as_str().expect("an entry");
    let nka = ips["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["fullUrl"] == reference)
        .expect("resolves");
    assert_eq!(nka["resource"]["code"]["coding"][0]["code"], "716186003");
    assert!(
        ips["id"]
            .as_str()
            .is_some_and(|id| Uuid::parse_str(id).is_ok())
    );
}
