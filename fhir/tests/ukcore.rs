//! The UK Core examples, as they are and inside bundles built around them, interpret as a
//! care home needs them.

mod common;

use bedside_domain::record::{
    AbnormalFlag, ClinicalStatus, Concept, DMD, DocumentType, EntryBody, LabValue,
    MedicationStatus, ReferenceRange, SNOMED, Severity, Sex, StayStatus,
};
use bedside_fhir::inbound::{
    Context, Interpreted, Meaning, interpret, interpret_document, panel_of,
};
use bedside_fhir::outcome::Severity as IssueSeverity;
use chrono::{DateTime, NaiveDate, Utc};
use common::{MapResolver, SOURCE, ctx, drafts, fixture};
use serde_json::{Value, json};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid time")
        .with_timezone(&Utc)
}

fn ok(v: &Value, context: &Context<'_>) -> Interpreted {
    interpret(v, context).unwrap_or_else(|e| panic!("{e:#?}"))
}

/// The resources the examples point at but the example set does not include.
fn referenced() -> MapResolver {
    let mut r = MapResolver::default();
    r.add(
        None,
        &json!({
            "resourceType": "Practitioner",
            "id": "UKCore-Practitioner-ConsultantSandraGose-Example",
            "name": [{"use": "official", "family": "Gose", "given": ["Sandra"], "prefix": ["Dr"]}],
        }),
    );
    r.add(
        None,
        &json!({
            "resourceType": "Organization",
            "id": "UKCore-Organization-LeedsTeachingHospital-Example",
            "name": "LEEDS TEACHING HOSPITALS NHS TRUST",
        }),
    );
    r.add(
        None,
        &json!({
            "resourceType": "Location",
            "id": "UKCore-Location-CardiologySJUH-Example",
            "name": "Cardiology, St James's University Hospital",
        }),
    );
    r
}

#[test]
fn allergies() {
    let resolver = referenced();
    let with_refs = Context {
        source_name: SOURCE,
        resolver: &resolver,
    };
    let amox = ok(
        &fixture("UKCore-AllergyIntolerance-Amoxicillin-Example.json"),
        &with_refs,
    );
    assert_eq!(
        amox.id.as_deref(),
        Some("UKCore-AllergyIntolerance-Amoxicillin-Example")
    );
    let d = &drafts(&amox)[0];
    assert_eq!(
        d.body,
        EntryBody::Allergy {
            substance: Concept::coded("Amoxicillin", SNOMED, "372687004"),
            reaction: Some("Urticarial rash".into()),
            severity: Some(Severity::Mild),
            clinical_status: ClinicalStatus::Active,
        }
    );
    assert_eq!(d.authored_at, Some(at("2019-12-10T13:00:00+00:00")));
    assert_eq!(d.author.as_deref(), Some("Dr Sandra Gose"));
    let Meaning::Record { subject, .. } = &amox.meaning else {
        panic!("a record")
    };
    assert_eq!(
        subject.reference.as_deref(),
        Some("Patient/UKCore-Patient-RichardSmith-Example")
    );

    // Without the practitioner, no author is invented.
    let alone = ok(
        &fixture("UKCore-AllergyIntolerance-Amoxicillin-Example.json"),
        &ctx(),
    );
    assert_eq!(drafts(&alone)[0].author, None);

    let wrong = ok(
        &fixture("UKCore-AllergyIntolerance-EnteredInError-Example.json"),
        &ctx(),
    );
    assert!(matches!(wrong.meaning, Meaning::Retracted { .. }));

    // GP2GP transfer-degraded: the substance is in the text.
    let degraded = ok(
        &fixture("UKCore-AllergyIntolerance-Sn-DrugAllergy-Example.json"),
        &ctx(),
    );
    assert!(matches!(
        &drafts(&degraded)[0].body,
        EntryBody::Allergy { substance, clinical_status: ClinicalStatus::Active, .. }
            if substance.text == "Septrin"
    ));
    assert_eq!(degraded.warnings.len(), 1);
}

#[test]
fn no_known_drug_allergy_is_not_no_known_allergies() {
    // The UK Core "negation handling" example codes 409137002 |No known drug allergy|:
    // someone with no known drug allergy may still be allergic to food or latex, so it
    // must never show as "No known allergies" on the banner.
    let nkda = fixture("UKCore-AllergyIntolerance-Sn-NegHandlNoKnownAllergies-Example.json");
    let got = ok(&nkda, &ctx());
    assert_eq!(got.meaning, Meaning::NotModelled);
    assert_eq!(got.warnings.len(), 1);
    assert_eq!(got.warnings[0].severity, IssueSeverity::Warning);
    assert!(got.warnings[0].diagnostics.contains("716186003"));
    assert_eq!(got.warnings[0].expression, vec!["AllergyIntolerance.code"]);

    // The same example coded 716186003 |No known allergy| is the statement.
    let mut nka = nkda.clone();
    nka["code"]["coding"][0]["code"] = json!("716186003");
    nka["code"]["coding"][0]["display"] = json!("No known allergy");
    let got = ok(&nka, &ctx());
    assert_eq!(drafts(&got)[0].body, EntryBody::NoKnownAllergies {});

    // Text alone saying so is not trusted either way: not an allergy called "NKDA".
    let text_only = json!({
        "resourceType": "AllergyIntolerance",
        "patient": {"reference": "Patient/1"},
        "code": {"text": "NKDA"},
    });
    assert_eq!(ok(&text_only, &ctx()).meaning, Meaning::NotModelled);
}

#[test]
fn allergy_list_bundle() {
    let bundle = fixture("UKCore-Bundle-AllergyList-Example.json");
    // A collection Bundle is not itself a record item.
    assert_eq!(ok(&bundle, &ctx()).meaning, Meaning::NotModelled);
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(
        ok(&entries[0]["resource"], &ctx()).meaning,
        Meaning::Supporting
    );
    let allergy = ok(&entries[1]["resource"], &ctx());
    assert!(matches!(
        &drafts(&allergy)[0].body,
        EntryBody::Allergy { substance, .. } if substance.text == "Amoxicillin"
    ));
}

#[test]
fn news2_observations_are_not_modelled_yet() {
    let bundle = fixture("UKCore-Bundle-NEWS2Observations-Example.json");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 8);
    for e in entries {
        let got = ok(&e["resource"], &ctx());
        assert_eq!(got.meaning, Meaning::NotModelled, "{}", e["fullUrl"]);
    }
    let bp = ok(
        &fixture("UKCore-Observation-VitalSigns-BloodPressure-Example.json"),
        &ctx(),
    );
    assert_eq!(bp.meaning, Meaning::NotModelled);
}

#[test]
fn care_plan() {
    let got = ok(
        &fixture("UKCore-CarePlan-WellnessPlan-Example.json"),
        &ctx(),
    );
    let d = &drafts(&got)[0];
    assert_eq!(
        d.body,
        EntryBody::CarePlanSection {
            area: "Weight management plan".into(),
            need: "Manage obesity and weight loss".into(),
            goal: "Not recorded".into(),
            support: "Body weight".into(),
            preferences: None,
            review_on: Some(day(2020, 1, 1)),
        }
    );
    assert_eq!(d.authored_at, Some(at("2020-02-01T00:00:00Z")));
}

/// The discharge Composition in a document Bundle with the resources it points at.
fn discharge_bundle() -> Value {
    let mut patient = fixture("UKCore-Patient-RichardSmith-Example.json");
    patient["id"] = json!("c8225cc8-8026-466f-80f8-fc2832a4b9d5");
    let mut encounter = fixture("UKCore-Encounter-InpatientEncounter-Example.json");
    encounter["id"] = json!("9a20cb92-354a-4015-82ec-ab0252efc5b9");
    json!({
        "resourceType": "Bundle",
        "id": "discharge-document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"},
        "type": "document",
        "timestamp": "2021-02-12T19:05:00+00:00",
        "entry": [
            {"fullUrl": "urn:uuid:2d361270-039f-4a48-827b-ef255ff8b6c4", "resource": fixture("UKCore-Composition-Discharge-Example.json")},
            {"fullUrl": "urn:uuid:c8225cc8-8026-466f-80f8-fc2832a4b9d5", "resource": patient},
            {"fullUrl": "urn:uuid:9a20cb92-354a-4015-82ec-ab0252efc5b9", "resource": encounter},
            {"fullUrl": "urn:uuid:369d88a8-9f6b-407f-8560-6ee9d7ccc8bb", "resource": {
                "resourceType": "Practitioner", "id": "369d88a8-9f6b-407f-8560-6ee9d7ccc8bb",
                "name": [{"family": "Rastall", "given": ["Paul"], "prefix": ["Dr"]}]
            }},
        ],
    })
}

#[test]
fn discharge_summary_document() {
    let got = interpret_document(&discharge_bundle(), &ctx()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(got.warnings.is_empty(), "{:#?}", got.warnings);
    assert_eq!(got.resource_type, "Composition");
    let Meaning::Record { subject, entries } = &got.meaning else {
        panic!("a record")
    };
    // The subject resolves to the Patient in the Bundle: its NHS number comes along.
    assert_eq!(
        subject.identifier.as_ref().map(|i| i.value.as_str()),
        Some("9912003888")
    );
    let d = &entries[0];
    assert_eq!(d.author.as_deref(), Some("Dr Paul Rastall"));
    assert_eq!(d.authored_at, Some(at("2021-02-12T19:00:00+00:00")));
    let EntryBody::Document {
        doc_type,
        title,
        period_start,
        period_end,
        sections,
        attachments,
    } = &d.body
    else {
        panic!("a document")
    };
    assert_eq!(*doc_type, DocumentType::DischargeSummary);
    assert_eq!(title, "Accident & Emergency Discharge summary");
    // The period comes from the encounter it points at.
    assert_eq!(*period_start, Some(day(2019, 12, 10)));
    assert_eq!(*period_end, Some(day(2019, 12, 11)));
    assert!(attachments.is_empty());
    let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Allergies and adverse reaction",
            "Attendance details",
            "Clinical narrative",
            "Contact for further information",
            "Diagnoses",
            "Discharge details",
            "GP practice",
            "Information and advice given",
            "Medications and medical devices",
            "Patient demographics",
            "Person completing record",
            "Plan and requested actions",
            "Presenting complaints or issues",
            "Procedures",
            "Referrer details",
            "Senior reviewing clinician",
        ]
    );
    for s in sections {
        assert!(!s.text.trim().is_empty(), "{}", s.title);
        // No markup survives, and entities are decoded.
        assert!(!s.text.contains("<td") && !s.text.contains("<p>") && !s.text.contains("</"));
        assert!(
            !s.text.contains("&amp;") && !s.text.contains("&lt;"),
            "{}",
            s.text
        );
        assert!(!s.text.contains("xmlns"), "{}", s.text);
    }
    let text = |t: &str| {
        sections
            .iter()
            .find(|s| s.title == t)
            .map(|s| s.text.as_str())
            .unwrap_or_default()
    };
    assert_eq!(
        text("Allergies and adverse reaction"),
        "Causative agent — Penicillin -class of antibiotic\nDescription of reaction — Eruption due to drug\nSeverity — Mild\nCertainty — Certain\nComment — No swelling"
    );
    assert!(
        text("Medications and medical devices")
            .contains("Simvastatin 40mg tablets (Brown & Burk UK Ltd)")
    );
    assert!(text("Clinical narrative").contains("RDW12.0%< 14.5"));
    assert!(text("Clinical narrative").starts_with(
        "Clinical narrative\n60 year old man complaining of chest pain lasting around 2 hours.\nExamination unremarkable."
    ));

    // The Composition alone (say, sent by itself) still reads, without the period.
    let alone = ok(
        &fixture("UKCore-Composition-Discharge-Example.json"),
        &ctx(),
    );
    assert!(matches!(
        &drafts(&alone)[0].body,
        EntryBody::Document { period_start: None, sections, .. } if sections.len() == 16
    ));
}

#[test]
fn condition() {
    let got = ok(
        &fixture("UKCore-Condition-HipReplacement-Example.json"),
        &ctx(),
    );
    assert_eq!(
        drafts(&got)[0].body,
        EntryBody::Condition {
            name: Concept::coded("Loosening of total hip replacement", SNOMED, "281445000"),
            clinical_status: ClinicalStatus::Active,
            onset: None,
            note: None,
        }
    );
}

#[test]
fn lab_report_group_and_result() {
    let report = fixture("UKCore-DiagnosticReport-Lab-DiagnosticStudiesReport-Example.json");
    assert_eq!(ok(&report, &ctx()).meaning, Meaning::Supporting);
    assert_eq!(
        panel_of(&report),
        Some((
            "Diagnostic studies report".to_owned(),
            vec!["Observation/UKCore-Observation-Group-FullBloodCount-Example".to_owned()]
        ))
    );
    let group = fixture("UKCore-Observation-Group-FullBloodCount-Example.json");
    assert_eq!(ok(&group, &ctx()).meaning, Meaning::Supporting);
    let (name, members) = panel_of(&group).expect("a panel");
    assert_eq!(name, "Full blood count");
    assert_eq!(members.len(), 2);

    // The example result has no time: it cannot go in a trend, and the sender is told.
    let wcc = fixture("UKCore-Observation-Lab-WhiteCellCount-Example.json");
    let got = ok(&wcc, &ctx());
    assert_eq!(got.meaning, Meaning::NotModelled);
    assert_eq!(got.warnings[0].expression, vec!["Observation.effective[x]"]);
    // With the time the report gives, it is a lab result.
    let mut timed = wcc.clone();
    timed["effectiveDateTime"] = report["effectiveDateTime"].clone();
    timed["interpretation"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N"}]}]);
    let got = ok(&timed, &ctx());
    assert_eq!(
        drafts(&got)[0].body,
        EntryBody::LabResult {
            test: Concept::coded("White blood cell count in fluid", SNOMED, "16181000237107"),
            value: LabValue::Quantity {
                value: 11.2,
                unit: "10*9/L".into()
            },
            reference_range: Some(ReferenceRange {
                low: Some(4.0),
                high: Some(17.0),
                text: None
            }),
            flag: Some(AbnormalFlag::Normal),
            taken_at: at("2023-01-13T14:53:23+00:00"),
            panel: None,
        }
    );
}

#[test]
fn inpatient_encounter() {
    let resolver = referenced();
    let with_refs = Context {
        source_name: SOURCE,
        resolver: &resolver,
    };
    let enc = fixture("UKCore-Encounter-InpatientEncounter-Example.json");
    let want = |hospital: &str, ward: Option<&str>| EntryBody::HospitalStay {
        hospital: hospital.into(),
        ward: ward.map(str::to_owned),
        admitted_on: day(2019, 12, 10),
        reason: Some("General treatment".into()),
        expected_discharge: None,
        discharged_on: Some(day(2019, 12, 11)),
        status: StayStatus::Finished,
    };
    assert_eq!(
        drafts(&ok(&enc, &with_refs))[0].body,
        want(
            "LEEDS TEACHING HOSPITALS NHS TRUST",
            Some("Cardiology, St James's University Hospital")
        )
    );
    // Unresolved: the sender is the hospital.
    assert_eq!(drafts(&ok(&enc, &ctx()))[0].body, want(SOURCE, None));
    // In progress: in hospital now, not yet discharged.
    let mut now = enc.clone();
    now["status"] = json!("in-progress");
    assert!(matches!(
        drafts(&ok(&now, &ctx()))[0].body,
        EntryBody::HospitalStay {
            status: StayStatus::InProgress,
            discharged_on: None,
            ..
        }
    ));
    // An outpatient visit is not a stay.
    let mut amb = enc;
    amb["class"]["code"] = json!("AMB");
    assert_eq!(ok(&amb, &ctx()).meaning, Meaning::NotModelled);
}

#[test]
fn food_allergy_flag_is_not_modelled() {
    let got = ok(&fixture("UKCore-Flag-FoodAllergy-Example.json"), &ctx());
    assert_eq!(got.meaning, Meaning::NotModelled);
}

#[test]
fn medication_requests_and_statement() {
    let resolver = referenced();
    let with_refs = Context {
        source_name: SOURCE,
        resolver: &resolver,
    };
    let amox = ok(
        &fixture("UKCore-MedicationRequest-Amoxicillin-Example.json"),
        &with_refs,
    );
    assert_eq!(
        drafts(&amox)[0].body,
        EntryBody::MedicationOrder {
            medicine: Concept::coded("Amoxicillin 500mg capsules", DMD, "39732411000001106"),
            dosage: Some("500mg - three times a day.".into()),
            prescribed_on: day(2023, 6, 15),
            prescriber: Some("Dr Sandra Gose".into()),
            status: MedicationStatus::Completed,
        }
    );
    let para = ok(
        &fixture("UKCore-MedicationRequest-ParacetamolOral-Example.json"),
        &ctx(),
    );
    assert!(matches!(
        &drafts(&para)[0].body,
        EntryBody::MedicationOrder { medicine, prescriber: None, .. }
            if medicine.key() == "https://dmd.nhs.uk|777067000"
    ));
    let statement = ok(
        &fixture("UKCore-MedicationStatement-Amoxicillin-Example.json"),
        &ctx(),
    );
    assert_eq!(
        drafts(&statement)[0].body,
        EntryBody::MedicationOrder {
            medicine: Concept::coded("Amoxicillin 250mg capsules", DMD, "39732311000001104"),
            dosage: Some("2 capsules 4 times a day.".into()),
            prescribed_on: day(2021, 2, 15),
            prescriber: None,
            status: MedicationStatus::Active,
        }
    );
    // Without a dosage text, one is built from the structured dose and timing.
    let mut built = fixture("UKCore-MedicationRequest-Amoxicillin-Example.json");
    built["dosageInstruction"][0]
        .as_object_mut()
        .expect("dosage")
        .remove("text");
    assert!(matches!(
        &drafts(&ok(&built, &ctx()))[0].body,
        EntryBody::MedicationOrder { dosage: Some(d), .. } if d == "500 milligram, 3 times a day, oral"
    ));
}

#[test]
fn patient() {
    let got = ok(&fixture("UKCore-Patient-RichardSmith-Example.json"), &ctx());
    let Meaning::Patient(p) = got.meaning else {
        panic!("a patient")
    };
    assert_eq!(p.nhs_number.as_deref(), Some("9912003888"));
    let name = p.name.expect("a name");
    assert_eq!(
        (name.given.as_str(), name.family.as_str()),
        ("Richard", "SMITH")
    );
    assert_eq!(name.preferred, None);
    assert_eq!(p.birth_date, Some(day(1970, 9, 11)));
    assert_eq!(p.sex, Sex::Male);

    // A nickname is what they like to be called; a partial birth date is not matched on.
    let mut nick = fixture("UKCore-Patient-RichardSmith-Example.json");
    nick["name"]
        .as_array_mut()
        .expect("names")
        .push(json!({"use": "nickname", "given": ["Dick"]}));
    nick["birthDate"] = json!("1970-09");
    nick["generalPractitioner"] =
        json!([{"reference": "Organization/gp", "display": "Beech Surgery"}]);
    let got = ok(&nick, &ctx());
    let Meaning::Patient(p) = got.meaning else {
        panic!("a patient")
    };
    assert_eq!(p.name.and_then(|n| n.preferred).as_deref(), Some("Dick"));
    assert_eq!(p.birth_date, None);
    assert_eq!(p.gp_practice.as_deref(), Some("Beech Surgery"));
    assert_eq!(got.warnings[0].expression, vec!["Patient.birthDate"]);
}
