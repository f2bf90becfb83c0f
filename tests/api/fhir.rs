//! The FHIR API against the real server: the UK Core examples as they are and in Bundles
//! built around them, every kind of bad input (refused, nothing changed), re-sending,
//! the review queue, large transactions, Patient search and the IPS export.

use bedside_backend::ingest_cli;
use bedside_backend::store::Store;
use bedside_domain::NhsNumber;
use bedside_domain::api::{HomeRecords, ResidentRecord, Role};
use bedside_domain::record::{EntryBody, EntryStatus, ResidencyStatus};
use bedside_tests::{TestApp, spawn_app, workspace_root};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::day;

pub(crate) const RICHARD: &str = "9912003888";
pub(crate) const PATIENT_REF: &str = "Patient/UKCore-Patient-RichardSmith-Example";

pub(crate) fn fixture(name: &str) -> Value {
    let path = workspace_root().join(format!("tests/fixtures/ukcore/UKCore-{name}-Example.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

pub(crate) fn entry(resource: Value) -> Value {
    let t = resource["resourceType"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let id = resource["id"].as_str().unwrap_or_default().to_owned();
    json!({
        "fullUrl": format!("https://example.nhs.uk/fhir/{t}/{id}"),
        "resource": resource,
        "request": { "method": "PUT", "url": format!("{t}/{id}") }
    })
}

pub(crate) fn transaction(resources: Vec<Value>) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": resources.into_iter().map(entry).collect::<Vec<_>>(),
    })
}

/// A home with a carer, a hospital source, and (optionally) Richard Smith as a resident.
pub(crate) struct World {
    pub app: TestApp,
    pub hospital: String,
    pub carer: String,
    pub home: bedside_domain::HomeId,
}

pub(crate) async fn world() -> World {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "oak.carer", Role::Carer).await;
    let hospital = app.add_source("RJ1", "St Thomas' Hospital").await;
    let carer = app.login("oak.carer").await;
    World {
        app,
        hospital,
        carer,
        home,
    }
}

impl World {
    pub async fn post(&self, body: &Value) -> (u16, Value) {
        self.app
            .fhir(Method::POST, "/fhir", &self.hospital, body)
            .await
    }

    /// Sends Richard's Patient and admits him to the home.
    pub async fn admit_richard(&self) {
        let (status, body) = self
            .post(&transaction(vec![fixture("Patient-RichardSmith")]))
            .await;
        assert_eq!(status, 200, "{body}");
        bedside_backend::admin::admit(
            &self.app.store,
            self.home,
            NhsNumber::parse(RICHARD).expect("valid"),
            "4",
            day(2026, 1, 5),
            ResidencyStatus::InHome,
        )
        .await
        .expect("admit");
    }

    pub async fn richard_entries(&self) -> Vec<bedside_domain::record::Entry> {
        let records: HomeRecords = self
            .app
            .get("/api/v1/records", &self.carer)
            .await
            .json()
            .await
            .expect("records");
        records.entries
    }

    pub async fn snapshot(&self) -> Vec<i64> {
        let mut counts = Vec::new();
        for table in [
            "fhir_resources",
            "entries",
            "entry_versions",
            "persons",
            "review_items",
            "attachments",
        ] {
            counts.push(self.app.count(table).await);
        }
        counts
    }
}

fn issues(outcome: &Value) -> Vec<(String, String, Vec<String>)> {
    outcome["issue"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["severity"].as_str().unwrap_or_default().to_owned(),
                i["diagnostics"].as_str().unwrap_or_default().to_owned(),
                i["expression"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn metadata_is_a_capability_statement_for_r4() {
    let w = world().await;
    let res = w
        .app
        .client
        .get(w.app.url("/fhir/metadata"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/fhir+json")
    );
    let cs: Value = res.json().await.expect("json");
    assert_eq!(cs["resourceType"], "CapabilityStatement");
    assert_eq!(cs["fhirVersion"], "4.0.1");
    let types: Vec<&str> = cs["rest"][0]["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["type"].as_str())
        .collect();
    for t in [
        "Patient",
        "AllergyIntolerance",
        "MedicationDispense",
        "Composition",
        "Encounter",
    ] {
        assert!(types.contains(&t), "{t} missing from {types:?}");
    }
    let interactions = &cs["rest"][0]["interaction"];
    assert!(interactions.to_string().contains("transaction"));
}

#[tokio::test]
async fn writes_need_a_source_credential() {
    let w = world().await;
    let body = transaction(vec![fixture("Patient-RichardSmith")]);
    let (status, oo) = w
        .app
        .fhir(Method::POST, "/fhir", "bsrc_made-up", &body)
        .await;
    assert_eq!(status, 401);
    assert_eq!(oo["resourceType"], "OperationOutcome");
    let (status, oo) = w.app.fhir(Method::POST, "/fhir", &w.carer, &body).await;
    assert_eq!(status, 403, "staff may not write records over FHIR: {oo}");
    assert_eq!(w.app.count("fhir_resources").await, 0);
}

#[tokio::test]
async fn uk_core_examples_reach_the_tablet_with_their_source() {
    let w = world().await;
    w.admit_richard().await;
    let resources = vec![
        fixture("AllergyIntolerance-Amoxicillin"),
        fixture("Condition-HipReplacement"),
        fixture("MedicationRequest-Amoxicillin"),
        fixture("MedicationStatement-Amoxicillin"),
        // The UK Core example has no time at all; a lab result needs one to be charted.
        {
            let mut wcc = fixture("Observation-Lab-WhiteCellCount");
            wcc["effectiveDateTime"] = json!("2026-10-02T08:30:00Z");
            wcc
        },
        fixture("Observation-Group-FullBloodCount"),
        fixture("DiagnosticReport-Lab-DiagnosticStudiesReport"),
        fixture("Encounter-InpatientEncounter"),
        fixture("Observation-VitalSigns-BloodPressure"),
        fixture("Flag-FoodAllergy"),
        fixture("CarePlan-WellnessPlan"),
    ];
    let (status, body) = w.post(&transaction(resources)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "transaction-response");
    assert_eq!(body["entry"].as_array().map(Vec::len), Some(11));
    for e in body["entry"].as_array().into_iter().flatten() {
        let status = e["response"]["status"].as_str().unwrap_or_default();
        assert!(
            status.starts_with("201") || status.starts_with("200"),
            "{e}"
        );
    }

    let entries = w.richard_entries().await;
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind().as_str()).collect();
    for kind in [
        "allergy",
        "condition",
        "medication_order",
        "lab_result",
        "hospital_stay",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(
        entries
            .iter()
            .all(|e| e.provenance.organisation == "St Thomas' Hospital")
    );
    assert!(
        entries
            .iter()
            .all(|e| e.provenance.ods_code.as_deref() == Some("RJ1"))
    );
    assert!(entries.iter().all(|e| {
        e.provenance
            .source_id
            .as_deref()
            .is_some_and(|s| s.contains('/'))
    }));
    let allergy = entries
        .iter()
        .find_map(|e| match &e.body {
            EntryBody::Allergy { substance, .. } => Some(substance.text.to_lowercase()),
            _ => None,
        })
        .expect("an allergy");
    assert!(allergy.contains("amoxicillin"), "{allergy}");
}

#[tokio::test]
async fn a_lab_result_without_a_time_is_accepted_with_a_warning_but_not_charted() {
    let w = world().await;
    w.admit_richard().await;
    let (status, body) = w
        .post(&transaction(vec![fixture(
            "Observation-Lab-WhiteCellCount",
        )]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("effective"), "{body}");
    assert!(w.richard_entries().await.is_empty());
}

#[tokio::test]
async fn entered_in_error_retracts_and_no_known_allergies_is_its_own_state() {
    let w = world().await;
    w.admit_richard().await;
    let (status, body) = w
        .post(&transaction(vec![fixture(
            "AllergyIntolerance-Amoxicillin",
        )]))
        .await;
    assert_eq!(status, 200, "{body}");
    let entries = w.richard_entries().await;
    assert_eq!(
        bedside_domain::summary::allergy_state(&entries),
        bedside_domain::summary::AllergyState::Allergies {
            substances: vec![match &entries[0].body {
                EntryBody::Allergy { substance, .. } => substance.text.clone(),
                _ => String::new(),
            }]
        }
    );

    // The same allergy, now marked entered in error by its sender.
    let mut retracted = fixture("AllergyIntolerance-Amoxicillin");
    retracted["verificationStatus"] = json!({
        "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            "code": "entered-in-error"
        }]
    });
    let (status, body) = w.post(&transaction(vec![retracted])).await;
    assert_eq!(status, 200, "{body}");
    let entries = w.richard_entries().await;
    assert!(
        entries
            .iter()
            .all(|e| !matches!(e.body, EntryBody::Allergy { .. })),
        "a retracted allergy is not current"
    );
    assert_eq!(
        bedside_domain::summary::allergy_state(&entries),
        bedside_domain::summary::AllergyState::NotRecorded
    );
    // It stays in history.
    assert!(w.app.count("entry_versions").await >= 1);

    // The UK Core example says "no known drug allergy" (409137002): narrower than no known
    // allergies, so it must not read as "no known allergies".
    let (status, body) = w
        .post(&transaction(vec![fixture(
            "AllergyIntolerance-Sn-NegHandlNoKnownAllergies",
        )]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        bedside_domain::summary::allergy_state(&w.richard_entries().await),
        bedside_domain::summary::AllergyState::NotRecorded
    );
    // The same statement coded as "no known allergy" (716186003) is its own state.
    let mut nka = fixture("AllergyIntolerance-Sn-NegHandlNoKnownAllergies");
    nka["id"] = json!("nka");
    nka["code"] = json!({ "coding": [{
        "system": "http://snomed.info/sct", "code": "716186003", "display": "No known allergy (situation)"
    }] });
    let (status, body) = w.post(&transaction(vec![nka])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        bedside_domain::summary::allergy_state(&w.richard_entries().await),
        bedside_domain::summary::AllergyState::NoKnownAllergies
    );
}

#[tokio::test]
async fn a_discharge_summary_arrives_as_a_document_bundle() {
    let w = world().await;
    w.admit_richard().await;
    let mut composition = fixture("Composition-Discharge");
    composition["subject"] =
        json!({ "reference": "urn:uuid:c8225cc8-8026-466f-80f8-fc2832a4b9d5" });
    let mut patient = fixture("Patient-RichardSmith");
    patient["id"] = json!("c8225cc8-8026-466f-80f8-fc2832a4b9d5");
    let mut entries = vec![
        json!({ "fullUrl": "urn:uuid:2d361270-039f-4a48-827b-ef255ff8b6c4", "resource": composition }),
        json!({ "fullUrl": "urn:uuid:c8225cc8-8026-466f-80f8-fc2832a4b9d5", "resource": patient }),
    ];
    // The Composition points at its encounter, author and custodian: send them too.
    for (url, resource) in [
        (
            "urn:uuid:9a20cb92-354a-4015-82ec-ab0252efc5b9",
            json!({"resourceType": "Encounter", "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}, "subject": {"reference": "urn:uuid:c8225cc8-8026-466f-80f8-fc2832a4b9d5"}, "period": {"start": "2021-02-10T09:00:00+00:00", "end": "2021-02-12T18:00:00+00:00"}}),
        ),
        (
            "urn:uuid:369d88a8-9f6b-407f-8560-6ee9d7ccc8bb",
            json!({"resourceType": "Practitioner", "name": [{"family": "Gose", "given": ["Sandra"], "prefix": ["Dr"]}]}),
        ),
        (
            "urn:uuid:120633ae-1a20-4e0e-b807-b78fb59679cc",
            json!({"resourceType": "Organization", "name": "St Thomas' Hospital"}),
        ),
    ] {
        entries.push(json!({ "fullUrl": url, "resource": resource }));
    }
    let document = json!({
        "resourceType": "Bundle",
        "type": "document",
        "identifier": { "system": "https://tools.ietf.org/html/rfc4122", "value": "a3c1f1d2-2f6e-4d7c-9b59-5d0bcb9c1a10" },
        "timestamp": "2021-02-12T19:00:00+00:00",
        "entry": entries,
    });
    let (status, oo) = w
        .app
        .fhir(Method::POST, "/fhir/Bundle", &w.hospital, &document)
        .await;
    assert_eq!(status, 201, "{oo}");

    let entries = w.richard_entries().await;
    let doc =
        bedside_domain::summary::latest_discharge_summary(&entries).expect("a discharge summary");
    let EntryBody::Document {
        sections, title, ..
    } = &doc.body
    else {
        panic!("not a document");
    };
    assert!(title.to_lowercase().contains("discharge"), "{title}");
    assert!(sections.len() >= 3, "{sections:?}");
    for s in sections {
        for tag in [
            "<div", "<table", "<tr", "<td", "<th", "<p>", "<br", "</", "&nbsp;", "&lt;",
        ] {
            assert!(
                !s.text.contains(tag),
                "markup {tag} left in {:?}: {}",
                s.title,
                s.text
            );
        }
    }
    assert!(sections.iter().any(|s| s.title.contains("Allergies")));

    // Sending the same document again changes nothing.
    let before = w.snapshot().await;
    let (status, _) = w
        .app
        .fhir(Method::POST, "/fhir/Bundle", &w.hospital, &document)
        .await;
    assert_eq!(status, 200);
    assert_eq!(w.snapshot().await, before);
}

#[tokio::test]
async fn sending_the_same_resource_again_is_a_no_op_and_a_new_version_keeps_history() {
    let w = world().await;
    w.admit_richard().await;
    let condition = fixture("Condition-HipReplacement");
    let (status, _) = w.post(&transaction(vec![condition.clone()])).await;
    assert_eq!(status, 200);
    let before = w.snapshot().await;
    let entries_before = w.richard_entries().await;

    // Again, as a transaction, a batch and a single PUT: nothing changes.
    let (status, body) = w.post(&transaction(vec![condition.clone()])).await;
    assert_eq!(status, 200);
    assert_eq!(body["entry"][0]["response"]["status"], "200 OK");
    let mut batch = transaction(vec![condition.clone()]);
    batch["type"] = json!("batch");
    let (status, _) = w.post(&batch).await;
    assert_eq!(status, 200);
    let id = condition["id"].as_str().unwrap_or_default();
    let (status, _) = w
        .app
        .fhir(
            Method::PUT,
            &format!("/fhir/Condition/{id}"),
            &w.hospital,
            &condition,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(w.snapshot().await, before, "re-sending wrote something");
    assert_eq!(w.richard_entries().await, entries_before);

    // A changed version replaces it; the old version stays in history.
    let mut v2 = condition.clone();
    v2["note"] = json!([{ "text": "Recovering well after physiotherapy." }]);
    v2["meta"] = json!({ "versionId": "2" });
    let (status, body) = w.post(&transaction(vec![v2])).await;
    assert_eq!(status, 200, "{body}");
    let after = w.richard_entries().await;
    assert_eq!(
        after.len(),
        entries_before.len(),
        "replaced, not duplicated"
    );
    let updated = after
        .iter()
        .find(|e| matches!(e.body, EntryBody::Condition { .. }))
        .expect("condition");
    assert_eq!(updated.version, 2);
    assert_eq!(w.app.count("entry_versions").await, before[2] + 1);
    assert_eq!(w.app.count("fhir_resources").await, before[0] + 1);
}

#[tokio::test]
async fn a_patient_with_a_bad_nhs_number_is_held_for_review_then_attached() {
    let w = world().await;
    w.admit_richard().await;
    let mut patient = fixture("Patient-RichardSmith");
    patient["id"] = json!("mystery-patient");
    patient["identifier"][0]["value"] = json!("9912003889");
    let mut allergy = fixture("AllergyIntolerance-Amoxicillin");
    allergy["id"] = json!("held-allergy");
    allergy["patient"] = json!({ "reference": "Patient/mystery-patient" });
    let (status, body) = w.post(&transaction(vec![patient, allergy])).await;
    assert_eq!(status, 200, "{body}");
    let text = body.to_string();
    assert!(text.contains("Modulus 11"), "the response warns: {text}");
    assert!(text.contains("warning"));
    // Nothing was attached to Richard (or anyone).
    assert!(w.richard_entries().await.is_empty());
    let items = w.app.store.review_items(false).await.expect("review");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].held, 2);

    let person = ingest_cli::attach_review(
        &w.app.store,
        &items[0].id.to_string(),
        NhsNumber::parse(RICHARD).expect("valid"),
    )
    .await
    .expect("attach");
    assert!(!person.is_empty());
    let entries = w.richard_entries().await;
    assert_eq!(entries.len(), 1);
    assert!(matches!(entries[0].body, EntryBody::Allergy { .. }));
    assert!(
        w.app
            .store
            .review_items(false)
            .await
            .expect("review")
            .is_empty()
    );
}

#[tokio::test]
async fn patients_without_a_usable_identity_are_never_attached_silently() {
    let w = world().await;
    w.admit_richard().await;
    // No NHS number; and a date of birth that disagrees with the person held.
    let mut anonymous = fixture("Patient-RichardSmith");
    anonymous["id"] = json!("no-number");
    anonymous["identifier"] = json!([]);
    let mut wrong_birth = fixture("Patient-RichardSmith");
    wrong_birth["id"] = json!("wrong-birth");
    wrong_birth["birthDate"] = json!("1971-09-11");
    let mut a = fixture("Condition-HipReplacement");
    a["id"] = json!("c-anon");
    a["subject"] = json!({ "reference": "Patient/no-number" });
    let mut b = fixture("Condition-HipReplacement");
    b["id"] = json!("c-wrong");
    b["subject"] = json!({ "reference": "Patient/wrong-birth" });
    // And a reference to a patient never sent.
    let mut c = fixture("Condition-HipReplacement");
    c["id"] = json!("c-unknown");
    c["subject"] = json!({ "reference": "Patient/never-sent" });
    let (status, body) = w
        .post(&transaction(vec![anonymous, wrong_birth, a, b, c]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(w.richard_entries().await.is_empty());
    let reasons: Vec<&str> = w
        .app
        .store
        .review_items(false)
        .await
        .expect("review")
        .iter()
        .map(|r| r.reason.as_str())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    for reason in ["no_nhs_number", "birth_date_mismatch", "unknown_patient"] {
        assert!(reasons.contains(&reason), "{reason} not in {reasons:?}");
    }
}

#[tokio::test]
async fn conditional_references_find_people_by_nhs_number() {
    let w = world().await;
    w.admit_richard().await;
    let mut condition = fixture("Condition-HipReplacement");
    condition["subject"] = json!({
        "reference": format!("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{RICHARD}")
    });
    let (status, body) = w.post(&transaction(vec![condition])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.richard_entries().await.len(), 1);
}

#[tokio::test]
async fn a_large_transaction_with_urn_uuids_and_conditional_references() {
    let w = world().await;
    w.admit_richard().await;
    let patient_url = "urn:uuid:0d6f1f7e-5c35-4f0e-9a7e-3f0a7c1e2b11";
    let org_url = "urn:uuid:7c2a3f0e-0b1d-4a6e-8c55-9a1b2c3d4e5f";
    let mut patient = fixture("Patient-RichardSmith");
    patient.as_object_mut().map(|o| o.remove("id"));
    let mut entries = vec![
        json!({ "fullUrl": patient_url, "resource": patient, "request": { "method": "POST", "url": "Patient" } }),
        json!({ "fullUrl": org_url, "resource": {
            "resourceType": "Organization",
            "identifier": [{ "system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "FA123" }],
            "name": "High Street Pharmacy"
        }, "request": { "method": "POST", "url": "Organization" } }),
    ];
    for i in 0..400u32 {
        let url = format!("urn:uuid:00000000-0000-4000-8000-{i:012}");
        let resource = if i % 2 == 0 {
            json!({
                "resourceType": "MedicationDispense",
                "status": "completed",
                "medicationCodeableConcept": { "text": format!("Medicine {}", i % 10) },
                "subject": { "reference": patient_url },
                "performer": [{ "actor": { "reference": "Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|FA123" } }],
                "quantity": { "value": 28, "unit": "tablet" },
                "whenHandedOver": format!("2026-{:02}-{:02}T10:00:00Z", 1 + i % 12, 1 + i % 28),
            })
        } else {
            json!({
                "resourceType": "Observation",
                "status": "final",
                "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory" }] }],
                "code": { "coding": [{ "system": "http://loinc.org", "code": "2951-2", "display": "Sodium" }], "text": "Sodium" },
                "subject": { "reference": format!("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{RICHARD}") },
                "effectiveDateTime": format!("2025-{:02}-{:02}T09:00:00Z", 1 + i % 12, 1 + i % 28),
                "valueQuantity": { "value": 130 + (i % 15), "unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L" },
                "referenceRange": [{ "low": { "value": 133, "unit": "mmol/L" }, "high": { "value": 146, "unit": "mmol/L" } }]
            })
        };
        entries.push(json!({ "fullUrl": url, "resource": resource, "request": { "method": "POST", "url": resource["resourceType"] } }));
    }
    let bundle = json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries });
    let (status, body) = w.post(&bundle).await;
    assert_eq!(
        status,
        200,
        "{}",
        body.to_string().chars().take(2000).collect::<String>()
    );
    assert_eq!(body["entry"].as_array().map(Vec::len), Some(402));
    let entries = w.richard_entries().await;
    assert_eq!(entries.len(), 400);
    let supplies: Vec<&str> = entries
        .iter()
        .filter_map(|e| match &e.body {
            EntryBody::MedicationSupply { dispenser, .. } => Some(dispenser.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(supplies.len(), 200);
    assert!(
        supplies.iter().all(|d| *d == "High Street Pharmacy"),
        "the conditional reference resolved to the pharmacy's name"
    );
}

#[tokio::test]
async fn types_we_do_not_model_are_accepted_and_counted() {
    let w = world().await;
    w.admit_richard().await;
    let resources = vec![
        json!({"resourceType": "Immunization", "id": "imm1", "status": "completed",
               "vaccineCode": {"text": "Influenza vaccine"}, "patient": {"reference": PATIENT_REF},
               "occurrenceDateTime": "2025-10-01"}),
        json!({"resourceType": "Procedure", "id": "proc1", "status": "completed",
               "code": {"text": "Hip replacement"}, "subject": {"reference": PATIENT_REF}}),
        json!({"resourceType": "CareTeam", "id": "team1", "subject": {"reference": PATIENT_REF}}),
        json!({"resourceType": "Claim", "id": "claim1", "status": "active",
               "type": {"text": "institutional"}, "use": "claim", "patient": {"reference": PATIENT_REF},
               "created": "2025-10-01", "provider": {"display": "X"}, "priority": {"text": "normal"},
               "insurance": [{"sequence": 1, "focal": true, "coverage": {"display": "NHS"}}]}),
    ];
    let (status, body) = w.post(&transaction(resources)).await;
    assert_eq!(status, 200, "{body}");
    let counts = &body["extension"][0]["extension"];
    let not_modelled = counts
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["url"] == "notModelled")
        .and_then(|c| c["valueUnsignedInt"].as_u64());
    assert_eq!(not_modelled, Some(4), "{body}");
    assert!(w.richard_entries().await.is_empty());
}

#[tokio::test]
async fn bad_input_is_refused_with_the_element_path_and_changes_nothing() {
    let w = world().await;
    w.admit_richard().await;
    let (status, _) = w
        .post(&transaction(vec![fixture("Condition-HipReplacement")]))
        .await;
    assert_eq!(status, 200);
    let before = w.snapshot().await;

    let mut missing_status = fixture("Observation-Lab-WhiteCellCount");
    missing_status.as_object_mut().map(|o| o.remove("status"));
    let mut impossible_date = fixture("Condition-HipReplacement");
    impossible_date["id"] = json!("bad-date");
    impossible_date["recordedDate"] = json!("2023-02-30");
    let mut stu3 = fixture("AllergyIntolerance-Amoxicillin");
    stu3["clinicalStatus"] = json!("active");
    let dangling = json!({
        "resourceType": "Bundle", "type": "transaction",
        "entry": [{
            "fullUrl": "urn:uuid:11111111-1111-4111-8111-111111111111",
            "resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:99999999-9999-4999-8999-999999999999"},
                         "code": {"text": "Falls"}},
            "request": {"method": "POST", "url": "Condition"}
        }]
    });
    let not_a_bundle = fixture("Condition-HipReplacement");
    let unknown_type = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "MedicationOrder", "id": "x"}, "request": {"method": "POST", "url": "MedicationOrder"}}
    ]});

    // (body, expected status, a path the outcome must name)
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            transaction(vec![missing_status]),
            422,
            "Bundle.entry[0].resource.status",
        ),
        (
            transaction(vec![impossible_date]),
            422,
            "Bundle.entry[0].resource.recordedDate",
        ),
        (
            transaction(vec![stu3]),
            422,
            "Bundle.entry[0].resource.clinicalStatus",
        ),
        (dangling, 422, "Bundle.entry[0].resource.subject.reference"),
        (not_a_bundle, 400, "resourceType"),
        (unknown_type, 422, "Bundle.entry[0].resource"),
    ];
    for (i, (body, want_status, want_path)) in cases.into_iter().enumerate() {
        let (status, oo) = w.post(&body).await;
        assert_eq!(status, want_status, "case {i}: {oo}");
        assert_eq!(oo["resourceType"], "OperationOutcome", "case {i}");
        let found = issues(&oo);
        assert!(
            found
                .iter()
                .any(|(sev, _, paths)| sev == "error"
                    && paths.iter().any(|p| p.starts_with(want_path))),
            "case {i}: no error at {want_path}: {found:?}"
        );
        assert_eq!(w.snapshot().await, before, "case {i} changed something");
    }

    // Bodies that are not JSON, not UTF-8, too deep, too large, or the wrong type.
    let raw = |body: Vec<u8>, content_type: &'static str| {
        let app = &w.app;
        let hospital = w.hospital.clone();
        async move {
            let res = app
                .client
                .post(app.url("/fhir"))
                .bearer_auth(hospital)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request");
            let status = res.status().as_u16();
            let oo: Value = res.json().await.unwrap_or(Value::Null);
            (status, oo)
        }
    };
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let huge = format!(
        "{{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"x\":\"{}\"}}",
        "a".repeat(33 * 1024 * 1024)
    );
    for (i, (body, content_type, want)) in [
        (
            b"{\"resourceType\": \"Bundle\",".to_vec(),
            "application/fhir+json",
            400u16,
        ),
        (vec![0x7b, 0xff, 0xfe, 0x7d], "application/fhir+json", 400),
        (deep.into_bytes(), "application/fhir+json", 400),
        (huge.into_bytes(), "application/fhir+json", 413),
        (
            b"<Bundle xmlns=\"http://hl7.org/fhir\"/>".to_vec(),
            "application/fhir+xml",
            415,
        ),
        (
            transaction(vec![]).to_string().into_bytes(),
            "application/fhir+json; fhirVersion=3.0",
            415,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, oo) = raw(body, content_type).await;
        assert_eq!(status, want, "raw case {i}: {oo}");
        assert_eq!(oo["resourceType"], "OperationOutcome", "raw case {i}");
        assert_eq!(w.snapshot().await, before, "raw case {i} changed something");
    }
}

#[tokio::test]
async fn a_batch_keeps_the_good_entries_when_one_is_bad() {
    let w = world().await;
    w.admit_richard().await;
    let mut bad = fixture("Observation-Lab-WhiteCellCount");
    bad["effectiveDateTime"] = json!("2021-13-45T10:00:00Z");
    let mut batch = transaction(vec![fixture("Condition-HipReplacement"), bad]);
    batch["type"] = json!("batch");
    let (status, body) = w.post(&batch).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "batch-response");
    let statuses: Vec<&str> = body["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["response"]["status"].as_str())
        .collect();
    assert!(statuses[0].starts_with("201"), "{statuses:?}");
    assert!(statuses[1].starts_with("4"), "{statuses:?}");
    assert_eq!(w.richard_entries().await.len(), 1);
}

#[tokio::test]
async fn staff_find_their_residents_by_nhs_number_and_export_a_summary() {
    let w = world().await;
    w.admit_richard().await;
    let (status, _) = w
        .post(&transaction(vec![
            fixture("AllergyIntolerance-Amoxicillin"),
            fixture("Condition-HipReplacement"),
            fixture("MedicationRequest-ParacetamolOral"),
            fixture("Observation-Lab-WhiteCellCount"),
        ]))
        .await;
    assert_eq!(status, 200);
    let search = format!("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{RICHARD}");
    let (status, bundle) = w.app.fhir_get(&search, &w.carer).await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 1);
    let id = bundle["entry"][0]["resource"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, ips) = w
        .app
        .fhir_get(&format!("/fhir/Patient/{id}/$summary"), &w.carer)
        .await;
    assert_eq!(status, 200, "{ips}");
    assert_eq!(ips["resourceType"], "Bundle");
    assert_eq!(ips["type"], "document");
    let composition = &ips["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    let codes: Vec<&str> = composition["section"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"]["coding"][0]["code"].as_str())
        .collect();
    for code in ["48765-2", "10160-0", "11450-4"] {
        assert!(codes.contains(&code), "{code} missing: {codes:?}");
    }
    // Every section entry resolves inside the document.
    let urls: Vec<&str> = ips["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    for s in composition["section"].as_array().into_iter().flatten() {
        for e in s["entry"].as_array().into_iter().flatten() {
            let r = e["reference"].as_str().unwrap_or_default();
            assert!(urls.contains(&r), "{r} does not resolve");
        }
    }
    // It parses back as FHIR R4: each resource passes the server's own validation.
    for e in ips["entry"].as_array().into_iter().flatten().skip(1) {
        let ctx = bedside_fhir::inbound::Context {
            source_name: "test",
            resolver: &bedside_fhir::inbound::NoResolver,
        };
        bedside_fhir::inbound::interpret(&e["resource"], &ctx)
            .unwrap_or_else(|issues| panic!("{}: {issues:?}", e["resource"]));
    }

    // Another home's staff find nothing and get 404 for the id; sources may not export.
    let river = w.app.add_home("Riverside House").await;
    w.app.add_staff(river, "river.carer", Role::Carer).await;
    let other = w.app.login("river.carer").await;
    let (status, bundle) = w.app.fhir_get(&search, &other).await;
    assert_eq!((status, bundle["total"].as_u64()), (200, Some(0)));
    let (status, oo) = w
        .app
        .fhir_get(&format!("/fhir/Patient/{id}/$summary"), &other)
        .await;
    assert_eq!(status, 404, "{oo}");
    let (status, _) = w
        .app
        .fhir_get(&format!("/fhir/Patient/{id}/$summary"), &w.hospital)
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_tablet_record_keeps_retracted_entries_out() {
    let w = world().await;
    w.admit_richard().await;
    let (status, body) = w
        .post(&transaction(vec![fixture(
            "AllergyIntolerance-EnteredInError",
        )]))
        .await;
    assert_eq!(status, 200, "{body}");
    let id = w
        .app
        .store
        .person_by_nhs(NhsNumber::parse(RICHARD).expect("valid"))
        .await
        .expect("query")
        .expect("person");
    let record: ResidentRecord = w
        .app
        .get(&format!("/api/v1/residents/{id}"), &w.carer)
        .await
        .json()
        .await
        .expect("record");
    assert!(
        record
            .entries
            .iter()
            .all(|e| e.status == EntryStatus::Current
                && !matches!(e.body, EntryBody::Allergy { .. }))
    );
}

#[tokio::test]
async fn a_pdf_letter_is_kept_and_served_only_to_the_residents_home() {
    let w = world().await;
    w.admit_richard().await;
    let pdf = b"%PDF-1.4\n% a synthetic letter\n";
    let letter = json!({
        "resourceType": "DocumentReference",
        "id": "letter-1",
        "status": "current",
        "type": { "text": "Clinic letter" },
        "subject": { "reference": PATIENT_REF },
        "date": "2026-10-20T14:00:00Z",
        "description": "Memory clinic letter",
        "content": [{ "attachment": {
            "contentType": "application/pdf",
            "title": "Memory clinic letter",
            "data": base64_encode(pdf),
        } }]
    });
    let (status, body) = w.post(&transaction(vec![letter])).await;
    assert_eq!(status, 200, "{body}");
    let entries = w.richard_entries().await;
    let attachment = entries
        .iter()
        .find_map(|e| match &e.body {
            EntryBody::Document { attachments, .. } => attachments.first().cloned(),
            _ => None,
        })
        .expect("the letter's file");
    assert_eq!(attachment.content_type, "application/pdf");
    assert_eq!(attachment.size, Some(pdf.len() as u64));

    let path = format!("/api/v1/attachments/{}", attachment.id);
    let res = w.app.get(&path, &w.carer).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .contains("sandbox")
    );
    assert_eq!(res.bytes().await.expect("body").as_ref(), pdf);

    let river = w.app.add_home("Riverside House").await;
    w.app.add_staff(river, "river.carer", Role::Carer).await;
    let other = w.app.login("river.carer").await;
    assert_eq!(w.app.get(&path, &other).await.status(), 404);
}

pub(crate) fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}
