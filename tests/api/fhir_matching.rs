//! Matching received records to people: the paths by which a record could reach the
//! wrong person, or be lost, each tried and shown not to.

use bedside_backend::ingest_cli;
use bedside_backend::store::Store;
use bedside_domain::NhsNumber;
use bedside_domain::record::EntryBody;
use serde_json::{Value, json};

use crate::fhir::{PATIENT_REF, RICHARD, base64_encode, fixture, transaction, world};

fn condition(id: &str, subject: Value, text: &str) -> Value {
    json!({
        "resourceType": "Condition", "id": id,
        "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active" }] },
        "code": { "text": text },
        "subject": subject,
        "recordedDate": "2026-09-01"
    })
}

async fn open_reviews(w: &crate::fhir::World) -> Vec<bedside_backend::store::ReviewItem> {
    w.app.store.review_items(false).await.expect("review items")
}

#[tokio::test]
async fn a_conditional_reference_follows_a_held_patient_of_the_same_bundle() {
    let w = world().await;
    w.admit_richard().await;
    // The same NHS number with another date of birth: the Patient is held ...
    let mut imposter = fixture("Patient-RichardSmith");
    imposter["id"] = json!("other-richard");
    imposter["birthDate"] = json!("1950-05-05");
    // ... and a record pointing at that NHS number must wait with it, not go to Richard.
    let c = condition(
        "c-imposter",
        json!({ "reference": format!("Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{RICHARD}") }),
        "Gout",
    );
    let (status, body) = w.post(&transaction(vec![imposter, c])).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        w.richard_entries().await.is_empty(),
        "nothing reached Richard"
    );
    let reviews = open_reviews(&w).await;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].reason.as_str(), "birth_date_mismatch");
    assert_eq!(reviews[0].held, 2);
}

#[tokio::test]
async fn a_document_is_matched_on_its_own_patient_with_the_date_of_birth_checked() {
    let w = world().await;
    w.admit_richard().await;
    let document = |birth: &str, id: &str| {
        let mut patient = fixture("Patient-RichardSmith");
        patient["birthDate"] = json!(birth);
        json!({
            "resourceType": "Bundle", "type": "document",
            "identifier": { "system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{id}") },
            "timestamp": "2026-10-01T10:00:00Z",
            "entry": [
                { "fullUrl": format!("urn:uuid:{id}"), "resource": {
                    "resourceType": "Composition", "id": id, "status": "final",
                    "type": { "coding": [{ "system": "http://snomed.info/sct", "code": "373942005" }] },
                    "subject": { "reference": "urn:uuid:11111111-2222-4333-8444-555555555555" },
                    "date": "2026-10-01T10:00:00Z", "title": "Discharge summary",
                    "author": [{ "display": "Dr Test" }],
                    "section": [{ "title": "Diagnoses", "text": { "status": "generated",
                        "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Pneumonia</p></div>" } }]
                }},
                { "fullUrl": "urn:uuid:11111111-2222-4333-8444-555555555555", "resource": patient }
            ]
        })
    };
    let wrong = document("1955-01-01", "8d2f3a5e-0000-4000-8000-000000000001");
    let (status, oo) = w
        .app
        .fhir(reqwest::Method::POST, "/fhir/Bundle", &w.hospital, &wrong)
        .await;
    assert_eq!(status, 201, "{oo}");
    assert!(
        w.richard_entries().await.is_empty(),
        "a disagreeing date of birth is held"
    );
    assert_eq!(
        open_reviews(&w).await[0].reason.as_str(),
        "birth_date_mismatch"
    );

    let right = document("1970-09-11", "8d2f3a5e-0000-4000-8000-000000000002");
    let (status, oo) = w
        .app
        .fhir(reqwest::Method::POST, "/fhir/Bundle", &w.hospital, &right)
        .await;
    assert_eq!(status, 201, "{oo}");
    let entries = w.richard_entries().await;
    assert_eq!(entries.len(), 1);
    assert!(matches!(entries[0].body, EntryBody::Document { .. }));
}

#[tokio::test]
async fn unidentifiable_subjects_wait_one_by_one() {
    let w = world().await;
    w.admit_richard().await;
    let a = condition("c-john", json!({ "display": "John Smith" }), "Angina");
    let b = condition(
        "c-mary",
        json!({ "identifier": { "system": "https://trust.example/mrn", "value": "123" } }),
        "Asthma",
    );
    let (status, body) = w.post(&transaction(vec![a, b])).await;
    assert_eq!(status, 200, "{body}");
    let reviews = open_reviews(&w).await;
    assert_eq!(reviews.len(), 2, "one item each, never grouped");
    assert!(reviews.iter().all(|r| r.held == 1));
    assert!(reviews.iter().any(|r| r.detail.contains("John Smith")));
    assert!(reviews.iter().any(|r| r.detail.contains("mrn")));

    // Attaching John's moves only John's.
    let john = reviews
        .iter()
        .find(|r| r.detail.contains("John Smith"))
        .expect("John's item");
    ingest_cli::attach_review(
        &w.app.store,
        &john.id.to_string(),
        NhsNumber::parse(RICHARD).expect("valid"),
    )
    .await
    .expect("attach");
    let entries = w.richard_entries().await;
    assert_eq!(entries.len(), 1);
    assert!(matches!(&entries[0].body, EntryBody::Condition { name, .. } if name.text == "Angina"));
}

#[tokio::test]
async fn records_for_a_patient_sent_later_wait_then_join_them() {
    let w = world().await;
    w.admit_richard().await;
    let early = condition(
        "c-early",
        json!({ "reference": "Patient/late-arrival" }),
        "Falls",
    );
    let (status, _) = w.post(&transaction(vec![early])).await;
    assert_eq!(status, 200);
    assert_eq!(open_reviews(&w).await.len(), 1);

    let mut patient = fixture("Patient-RichardSmith");
    patient["id"] = json!("late-arrival");
    let (status, body) = w.post(&transaction(vec![patient])).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        open_reviews(&w).await.is_empty(),
        "the matched Patient settles what waited"
    );
    assert_eq!(w.richard_entries().await.len(), 1);

    // And once settled, later records about that patient go straight to the person.
    let later = condition(
        "c-later",
        json!({ "reference": "Patient/late-arrival" }),
        "Cellulitis",
    );
    let (status, _) = w.post(&transaction(vec![later])).await;
    assert_eq!(status, 200);
    assert_eq!(w.richard_entries().await.len(), 2);
}

#[tokio::test]
async fn an_attached_review_takes_later_arrivals_too() {
    let w = world().await;
    w.admit_richard().await;
    let first = condition("c1", json!({ "reference": "Patient/never-sent" }), "Falls");
    let (status, _) = w.post(&transaction(vec![first])).await;
    assert_eq!(status, 200);
    let item = &open_reviews(&w).await[0];
    ingest_cli::attach_review(
        &w.app.store,
        &item.id.to_string(),
        NhsNumber::parse(RICHARD).expect("valid"),
    )
    .await
    .expect("attach");
    let second = condition(
        "c2",
        json!({ "reference": "Patient/never-sent" }),
        "Cellulitis",
    );
    let (status, _) = w.post(&transaction(vec![second])).await;
    assert_eq!(status, 200);
    assert_eq!(
        w.richard_entries().await.len(),
        2,
        "not lost against a closed item"
    );
}

#[tokio::test]
async fn the_server_id_from_a_search_can_be_used_as_a_subject() {
    let w = world().await;
    w.admit_richard().await;
    let person = w
        .app
        .store
        .person_by_nhs(NhsNumber::parse(RICHARD).expect("valid"))
        .await
        .expect("query")
        .expect("person");
    let c = condition(
        "c-by-id",
        json!({ "reference": format!("Patient/{person}") }),
        "Anaemia",
    );
    let (status, _) = w.post(&transaction(vec![c])).await;
    assert_eq!(status, 200);
    assert_eq!(w.richard_entries().await.len(), 1);
}

#[tokio::test]
async fn a_patient_whose_new_version_matches_someone_else_moves_nothing() {
    let w = world().await;
    w.admit_richard().await;
    let mut other = fixture("Patient-RichardSmith");
    other["id"] = json!("someone-else");
    other["identifier"][0]["value"] = json!("9990000018");
    other["birthDate"] = json!("1941-02-03");
    let (status, _) = w.post(&transaction(vec![other])).await;
    assert_eq!(status, 200);
    let c = condition(
        "c-richard",
        json!({ "reference": PATIENT_REF }),
        "Hypertension",
    );
    let (status, _) = w.post(&transaction(vec![c])).await;
    assert_eq!(status, 200);
    assert_eq!(w.richard_entries().await.len(), 1);

    // Richard's Patient now carries the other person's NHS number and date of birth.
    let mut changed = fixture("Patient-RichardSmith");
    changed["identifier"][0]["value"] = json!("9990000018");
    changed["birthDate"] = json!("1941-02-03");
    changed["meta"] = json!({ "versionId": "2" });
    let c = condition(
        "c-richard",
        json!({ "reference": PATIENT_REF }),
        "Hypertension, treated",
    );
    let (status, body) = w.post(&transaction(vec![changed, c])).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.to_string().contains("different person"), "{body}");
    let reviews = open_reviews(&w).await;
    assert!(
        reviews
            .iter()
            .any(|r| r.reason.as_str() == "identity_changed"),
        "{reviews:?}"
    );
    let entries = w.richard_entries().await;
    assert_eq!(
        entries.len(),
        0,
        "the held version's record comes off, nothing moved to the other person"
    );
}

#[tokio::test]
async fn resources_without_ids_are_replaced_and_retracted_by_their_identifier() {
    let w = world().await;
    w.admit_richard().await;
    let allergy = |status_code: &str, reaction: &str| {
        let mut a = fixture("AllergyIntolerance-Amoxicillin");
        a.as_object_mut().map(|o| o.remove("id"));
        a["identifier"] = json!([{ "system": "https://trust.example/allergy", "value": "A-77" }]);
        a["verificationStatus"] = json!({ "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
            "code": status_code }] });
        a["reaction"] = json!([{ "manifestation": [{ "text": reaction }] }]);
        json!({ "fullUrl": "urn:uuid:5f0e7c1a-0000-4000-8000-00000000a077", "resource": a,
                "request": { "method": "POST", "url": "AllergyIntolerance" } })
    };
    let bundle =
        |e: Value| json!({ "resourceType": "Bundle", "type": "transaction", "entry": [e] });
    let (status, _) = w.post(&bundle(allergy("confirmed", "Rash"))).await;
    assert_eq!(status, 200);
    let (status, _) = w.post(&bundle(allergy("confirmed", "Wheeze"))).await;
    assert_eq!(status, 200);
    let entries = w.richard_entries().await;
    assert_eq!(entries.len(), 1, "replaced, not added: {entries:?}");
    assert!(
        matches!(&entries[0].body, EntryBody::Allergy { reaction: Some(r), .. } if r.contains("Wheeze"))
    );
    let (status, _) = w.post(&bundle(allergy("entered-in-error", "Wheeze"))).await;
    assert_eq!(status, 200);
    assert!(w.richard_entries().await.is_empty(), "retracted");
}

#[tokio::test]
async fn a_new_version_that_says_nothing_for_the_record_withdraws_the_old() {
    let w = world().await;
    w.admit_richard().await;
    let c = fixture("Condition-HipReplacement");
    let (status, _) = w.post(&transaction(vec![c.clone()])).await;
    assert_eq!(status, 200);
    assert_eq!(w.richard_entries().await.len(), 1);
    let mut v2 = c;
    v2["modifierExtension"] =
        json!([{ "url": "https://example.org/unknown-modifier", "valueBoolean": true }]);
    let (status, _) = w.post(&transaction(vec![v2])).await;
    assert_eq!(status, 200);
    assert!(w.richard_entries().await.is_empty());
}

#[tokio::test]
async fn a_transaction_may_carry_a_document() {
    let w = world().await;
    w.admit_richard().await;
    let document = json!({
        "resourceType": "Bundle", "type": "document",
        "identifier": { "system": "urn:ietf:rfc:3986", "value": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000d1" },
        "timestamp": "2026-10-01T10:00:00Z",
        "entry": [
            { "fullUrl": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000c1", "resource": {
                "resourceType": "Composition", "status": "final",
                "type": { "coding": [{ "system": "http://snomed.info/sct", "code": "373942005" }] },
                "subject": { "reference": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000a1" },
                "date": "2026-10-01T10:00:00Z", "title": "Discharge summary",
                "author": [{ "reference": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000b1" }],
                "section": [{ "title": "Diagnoses", "text": { "status": "generated",
                    "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Pneumonia</div>" } }]
            }},
            { "fullUrl": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000a1", "resource": fixture("Patient-RichardSmith") },
            { "fullUrl": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000b1", "resource": {
                "resourceType": "Practitioner", "name": [{ "family": "Gose", "given": ["Sandra"] }] } }
        ]
    });
    let bundle = json!({ "resourceType": "Bundle", "type": "transaction", "entry": [
        { "fullUrl": "urn:uuid:9e0d2f3c-0000-4000-8000-0000000000f1", "resource": document,
          "request": { "method": "POST", "url": "Bundle" } }
    ]});
    let (status, body) = w.post(&bundle).await;
    assert_eq!(status, 200, "{body}");
    let entries = w.richard_entries().await;
    assert!(
        entries
            .iter()
            .any(|e| matches!(e.body, EntryBody::Document { .. }))
    );
}

#[tokio::test]
async fn a_withdrawn_letter_is_no_longer_served() {
    let w = world().await;
    w.admit_richard().await;
    let letter = |status: &str| {
        json!({
            "resourceType": "DocumentReference", "id": "letter-9", "status": status,
            "type": { "text": "Clinic letter" }, "subject": { "reference": PATIENT_REF },
            "date": "2026-10-20T14:00:00Z",
            "content": [{ "attachment": { "contentType": "application/pdf", "title": "Letter",
                "data": base64_encode(b"%PDF-1.4 synthetic") } }]
        })
    };
    let (status, _) = w.post(&transaction(vec![letter("current")])).await;
    assert_eq!(status, 200);
    let id = w
        .richard_entries()
        .await
        .iter()
        .find_map(|e| match &e.body {
            EntryBody::Document { attachments, .. } => attachments.first().map(|a| a.id.clone()),
            _ => None,
        })
        .expect("attachment");
    let path = format!("/api/v1/attachments/{id}");
    assert_eq!(w.app.get(&path, &w.carer).await.status(), 200);
    let (status, _) = w.post(&transaction(vec![letter("entered-in-error")])).await;
    assert_eq!(status, 200);
    assert_eq!(w.app.get(&path, &w.carer).await.status(), 404);
}

#[tokio::test]
async fn a_source_finds_only_people_it_has_sent_records_about() {
    let w = world().await;
    w.admit_richard().await;
    let pharmacy = w.app.add_source("FA999", "High Street Pharmacy").await;
    let search = format!("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{RICHARD}");
    let (status, bundle) = w.app.fhir_get(&search, &pharmacy).await;
    assert_eq!((status, bundle["total"].as_u64()), (200, Some(0)));
    let (status, bundle) = w.app.fhir_get(&search, &w.hospital).await;
    assert_eq!(
        (status, bundle["total"].as_u64()),
        (200, Some(1)),
        "{bundle}"
    );
    // Only the id and NHS number: no demographics for a sending system.
    let patient = &bundle["entry"][0]["resource"];
    assert!(patient.get("name").is_none() && patient.get("birthDate").is_none());
}
