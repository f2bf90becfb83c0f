//! What senders' resources mean, beyond the UK Core examples: documents with files,
//! advance care decisions from Flag, Consent and CarePlan, stays, results, medicines.

mod common;

use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, ClinicalStatus, Concept, CprDecision, DMD, DocumentSection,
    DocumentType, EntryBody, LabValue, Severity, StayStatus,
};
use bedside_fhir::inbound::{Context, Interpreted, Meaning, interpret};
use chrono::NaiveDate;
use common::{MapResolver, SOURCE, ctx, drafts};
use serde_json::{Value, json};

fn ok(v: &Value) -> Interpreted {
    interpret(v, &ctx()).unwrap_or_else(|e| panic!("{v:#}\n{e:#?}"))
}

fn body(v: &Value) -> EntryBody {
    let got = ok(v);
    match drafts(&got).first() {
        Some(d) => d.body.clone(),
        None => panic!("no entry: {got:#?}"),
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid")
}

fn b64(s: &[u8]) -> String {
    // A tiny encoder for test data.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

const PATIENT: &str = "Patient/1";

#[test]
fn document_reference_with_text_html_pdf_and_link() {
    let pdf = b"%PDF-1.4 not really";
    let v = json!({
        "resourceType": "DocumentReference", "status": "current",
        "type": {"coding": [{"system": "http://snomed.info/sct", "code": "373942005", "display": "Discharge summary"}]},
        "subject": {"reference": PATIENT}, "date": "2024-03-04T10:00:00Z",
        "author": [{"display": "Dr Jones"}, {"reference": "Organization/1", "display": "Trust"}],
        "description": "Discharge letter",
        "context": {"period": {"start": "2024-03-01", "end": "2024-03-04"}},
        "content": [
            {"attachment": {"contentType": "text/plain; charset=utf-8", "title": "Summary", "data": b64("Home today.\r\nGP to review.".as_bytes())}},
            {"attachment": {"contentType": "text/html; charset=iso-8859-1", "data": b64(b"<p>Caf\xe9 &amp; <b>tea</b></p><script>x</script>")}},
            {"attachment": {"contentType": "application/pdf", "title": "Letter.pdf", "data": b64(pdf)}},
            {"attachment": {"contentType": "application/pdf", "url": "https://records.example.org/Binary/9", "title": "Scan"}},
        ],
    });
    let got = ok(&v);
    let d = &drafts(&got)[0];
    assert_eq!(d.author.as_deref(), Some("Dr Jones"));
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.files[0].content_type, "application/pdf");
    assert_eq!(d.files[0].title.as_deref(), Some("Letter.pdf"));
    assert_eq!(d.files[0].data, pdf);
    assert_eq!(
        d.body,
        EntryBody::Document {
            doc_type: DocumentType::DischargeSummary,
            title: "Discharge letter".into(),
            period_start: Some(day("2024-03-01")),
            period_end: Some(day("2024-03-04")),
            sections: vec![
                DocumentSection { title: "Summary".into(), text: "Home today.\nGP to review.".into() },
                DocumentSection { title: "Part 2".into(), text: "Café & tea".into() },
                DocumentSection {
                    title: "Scan".into(),
                    text: "Not sent with the record: the sender holds it at https://records.example.org/Binary/9".into()
                },
            ],
            attachments: vec![],
        }
    );
    let mut gone = v.clone();
    gone["status"] = json!("entered-in-error");
    assert!(matches!(ok(&gone).meaning, Meaning::Retracted { .. }));
}

#[test]
fn diagnostic_reports_by_what_they_carry() {
    let base = json!({
        "resourceType": "DiagnosticReport", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "36643-5", "display": "XR Chest 2V"}]},
        "subject": {"reference": PATIENT}, "effectiveDateTime": "2024-02-01T11:00:00Z",
    });
    let mut text = base.clone();
    text["presentedForm"] = json!([{"contentType": "text/plain", "data": b64(b"Lungs clear.")}]);
    assert!(matches!(body(&text),
        EntryBody::DiagnosticReport { title, conclusion, .. } if title == "XR Chest 2V" && conclusion == "Lungs clear."));
    let mut coded = base.clone();
    coded["conclusion"] = json!("Normal study.");
    coded["conclusionCode"] = json!([{"text": "No abnormality detected"}]);
    assert!(matches!(body(&coded),
        EntryBody::DiagnosticReport { conclusion, .. } if conclusion == "Normal study.\n\nNo abnormality detected"));
    let mut pdf = base.clone();
    pdf["presentedForm"] = json!([{"contentType": "application/pdf", "data": b64(b"%PDF")}]);
    let got = ok(&pdf);
    assert!(matches!(
        &drafts(&got)[0].body,
        EntryBody::Document {
            doc_type: DocumentType::Other,
            ..
        }
    ));
    assert_eq!(drafts(&got)[0].files.len(), 1);
    let mut results = base.clone();
    results["result"] = json!([{"reference": "Observation/1"}]);
    assert_eq!(ok(&results).meaning, Meaning::Supporting);
    assert_eq!(ok(&base).meaning, Meaning::NotModelled);
}

#[test]
fn dnacpr_flags() {
    let flag = |code: &str, status: &str| {
        json!({
            "resourceType": "Flag", "status": status,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": "CPR status"}]},
            "subject": {"reference": PATIENT}, "period": {"start": "2024-05-06"},
            "author": {"display": "Dr Patel"},
        })
    };
    let got = ok(&flag("450476008", "active"));
    assert_eq!(
        drafts(&got)[0].body,
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Dnacpr,
            cpr: CprDecision::NotForCpr,
            recommendations: None,
            agreed_on: day("2024-05-06"),
            review_on: None,
        }
    );
    assert_eq!(drafts(&got)[0].author.as_deref(), Some("Dr Patel"));
    assert!(matches!(
        body(&flag("304253006", "active")),
        EntryBody::AdvanceCarePlan {
            cpr: CprDecision::NotForCpr,
            ..
        }
    ));
    // Withdrawn: it must leave the banner.
    assert!(matches!(
        ok(&flag("450476008", "inactive")).meaning,
        Meaning::Retracted { .. }
    ));
    assert!(matches!(
        ok(&flag("450476008", "entered-in-error")).meaning,
        Meaning::Retracted { .. }
    ));
    assert_eq!(
        ok(&flag("450475007", "active")).meaning,
        Meaning::NotModelled
    );
    assert_eq!(
        ok(&flag("13645005", "active")).meaning,
        Meaning::NotModelled
    );
}

fn consent(scope: &str, category: Value, provision: Value, status: &str) -> Value {
    json!({
        "resourceType": "Consent", "status": status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": scope}]},
        "category": [category], "patient": {"reference": PATIENT}, "dateTime": "2024-05-06T10:00:00Z",
        "performer": [{"reference": "Patient/1"}, {"display": "Dr Okafor", "type": "Practitioner"}],
        "provision": provision,
    })
}

#[test]
fn consents_about_resuscitation() {
    let cpr = json!([{"coding": [{"system": "http://snomed.info/sct", "code": "89666000"}]}]);
    let respect = consent(
        "adr",
        json!({"text": "ReSPECT form"}),
        json!({"type": "permit", "code": cpr, "period": {"start": "2024-05-01"}}),
        "active",
    );
    let got = ok(&respect);
    assert_eq!(
        drafts(&got)[0].body,
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Respect,
            cpr: CprDecision::ForCpr,
            recommendations: None,
            agreed_on: day("2024-05-01"),
            review_on: None,
        }
    );
    assert_eq!(drafts(&got)[0].author.as_deref(), Some("Dr Okafor"));
    // A "do not resuscitate" category says it without a coded provision.
    let dnr = consent(
        "adr",
        json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes", "code": "dnr"}]}),
        json!({"type": "deny"}),
        "active",
    );
    assert!(
        matches!(body(&dnr), EntryBody::AdvanceCarePlan { form: AdvanceCareForm::Dnacpr, cpr: CprDecision::NotForCpr, agreed_on, .. } if agreed_on == day("2024-05-06"))
    );
    // Text in an action names CPR: a nested deny provision.
    let nested = consent(
        "adr",
        json!({"text": "Advance decision"}),
        json!({"type": "permit", "provision": [{"type": "deny", "action": [{"text": "Cardiopulmonary resuscitation"}]}]}),
        "active",
    );
    assert!(matches!(
        body(&nested),
        EntryBody::AdvanceCarePlan {
            cpr: CprDecision::NotForCpr,
            ..
        }
    ));
    // An advance decision that does not say about CPR is not put on the banner.
    let vague = consent(
        "adr",
        json!({"text": "Advance decision to refuse treatment"}),
        json!({"type": "deny", "code": [{"text": "Antibiotics"}]}),
        "active",
    );
    let got = ok(&vague);
    assert_eq!(got.meaning, Meaning::NotModelled);
    assert_eq!(got.warnings[0].expression, vec!["Consent.provision"]);
    // Privacy consents are not advance care plans.
    let privacy = consent(
        "patient-privacy",
        json!({"text": "Sharing"}),
        json!({"type": "permit"}),
        "active",
    );
    assert_eq!(ok(&privacy).meaning, Meaning::NotModelled);
    let revoked = consent(
        "adr",
        json!({"text": "ReSPECT form"}),
        json!({"type": "deny", "code": cpr}),
        "inactive",
    );
    assert!(matches!(ok(&revoked).meaning, Meaning::Retracted { .. }));
    let draft = consent(
        "adr",
        json!({"text": "ReSPECT form"}),
        json!({"type": "deny", "code": cpr}),
        "proposed",
    );
    assert_eq!(ok(&draft).meaning, Meaning::NotModelled);
}

#[test]
fn care_plans_and_respect_plans() {
    let plan = |title: &str, activity: Value| {
        json!({
            "resourceType": "CarePlan", "status": "active", "intent": "plan",
            "subject": {"reference": PATIENT}, "title": title, "description": "Comfort first.",
            "created": "2024-05-06T10:00:00Z", "period": {"end": "2025-05-06"},
            "activity": activity,
            "goal": [{"reference": "Goal/g1"}, {"display": "Stay at home"}],
            "note": [{"text": "Preferences: Tea, not coffee"}, {"text": "Other note"}],
        })
    };
    let cpr_no = json!([{"detail": {"status": "not-started", "doNotPerform": true,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "89666000"}]}}}]);
    assert_eq!(
        body(&plan("ReSPECT plan", cpr_no)),
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Respect,
            cpr: CprDecision::NotForCpr,
            recommendations: Some("Comfort first.".into()),
            agreed_on: day("2024-05-06"),
            review_on: Some(day("2025-05-06")),
        }
    );
    assert!(matches!(
        body(&plan("DNACPR decision", json!([]))),
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Dnacpr,
            cpr: CprDecision::NotForCpr,
            ..
        }
    ));
    // A ReSPECT plan that does not say about CPR stays a care plan (with a warning).
    let unclear = ok(&plan(
        "ReSPECT plan",
        json!([{"detail": {"status": "in-progress", "description": "Treat infections at home"}}]),
    ));
    assert!(matches!(
        &drafts(&unclear)[0].body,
        EntryBody::CarePlanSection { .. }
    ));
    assert_eq!(unclear.warnings.len(), 1);
    // "respect" the word is not the ReSPECT process; the goal resolves in the bundle.
    let mut resolver = MapResolver::default();
    resolver.add(
        None,
        &json!({"resourceType": "Goal", "id": "g1", "lifecycleStatus": "active",
        "description": {"text": "Feel safe"}, "subject": {"reference": PATIENT}}),
    );
    let context = Context {
        source_name: SOURCE,
        resolver: &resolver,
    };
    let got = interpret(
        &plan(
            "Dignity and respect",
            json!([{"detail": {"status": "in-progress", "description": "Knock first"}}]),
        ),
        &context,
    )
    .expect("valid");
    assert_eq!(
        drafts(&got)[0].body,
        EntryBody::CarePlanSection {
            area: "Dignity and respect".into(),
            need: "Comfort first.".into(),
            goal: "Feel safe; Stay at home".into(),
            support: "Knock first".into(),
            preferences: Some("Tea, not coffee".into()),
            review_on: Some(day("2025-05-06")),
        }
    );
    let mut done = plan("Mobility", json!([]));
    done["status"] = json!("completed");
    assert!(matches!(ok(&done).meaning, Meaning::Retracted { .. }));
}

#[test]
fn encounters() {
    let enc = |class: &str, status: &str| {
        json!({
            "resourceType": "Encounter", "status": status,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": class},
            "subject": {"reference": PATIENT}, "period": {"start": "2026-11-09T22:10:00+00:00"},
            "reasonCode": [{"text": "Fall"}, {"coding": [{"display": "Hip fracture"}]}],
            "serviceProvider": {"display": "St Thomas' Hospital"},
            "location": [{"location": {"display": "Ward 3"}}],
            "extension": [{"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate", "valueDateTime": "2026-11-20"}],
        })
    };
    assert_eq!(
        body(&enc("EMER", "arrived")),
        EntryBody::HospitalStay {
            hospital: "St Thomas' Hospital".into(),
            ward: Some("Ward 3".into()),
            admitted_on: day("2026-11-09"),
            reason: Some("Fall; Hip fracture".into()),
            expected_discharge: Some(day("2026-11-20")),
            discharged_on: None,
            status: StayStatus::InProgress,
        }
    );
    assert_eq!(ok(&enc("IMP", "planned")).meaning, Meaning::NotModelled);
    assert_eq!(ok(&enc("VR", "in-progress")).meaning, Meaning::NotModelled);
    assert!(matches!(
        ok(&enc("IMP", "cancelled")).meaning,
        Meaning::Retracted { .. }
    ));
    // In hospital must show even without the admission date.
    let mut undated = enc("IMP", "in-progress");
    undated.as_object_mut().expect("object").remove("period");
    undated["meta"] = json!({"lastUpdated": "2026-11-10T08:00:00Z"});
    let got = ok(&undated);
    assert!(
        matches!(&drafts(&got)[0].body, EntryBody::HospitalStay { admitted_on, .. } if *admitted_on == day("2026-11-10"))
    );
    assert_eq!(got.warnings.len(), 1);
}

#[test]
fn observations() {
    let obs = |extra: Value| {
        let mut v = json!({
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "1988-5", "display": "CRP"}]},
            "subject": {"reference": PATIENT}, "effectiveDateTime": "2024-01-02T09:00:00Z",
        });
        for (k, x) in extra.as_object().expect("object") {
            v[k] = x.clone();
        }
        v
    };
    let value = |v: &Value| match body(v) {
        EntryBody::LabResult { value, flag, .. } => (value, flag),
        other => panic!("{other:?}"),
    };
    // A LOINC-coded result without a category is a lab result.
    assert_eq!(
        value(&obs(
            json!({"valueQuantity": {"value": 5, "comparator": "<", "unit": "mg/L"}})
        )),
        (
            LabValue::Text {
                text: "< 5 mg/L".into()
            },
            None
        )
    );
    assert_eq!(
        value(&obs(
            json!({"valueQuantity": {"value": 250, "unit": "mg/L"},
            "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "HH"}]}]})
        )),
        (
            LabValue::Quantity {
                value: 250.0,
                unit: "mg/L".into()
            },
            Some(AbnormalFlag::CriticalHigh)
        )
    );
    assert_eq!(
        value(&obs(
            json!({"valueCodeableConcept": {"coding": [{"display": "Positive"}]}})
        )),
        (
            LabValue::Text {
                text: "Positive".into()
            },
            None
        )
    );
    assert_eq!(
        value(&obs(
            json!({"dataAbsentReason": {"text": "Sample haemolysed"}})
        )),
        (
            LabValue::Text {
                text: "No result: Sample haemolysed".into()
            },
            None
        )
    );
    // A vital sign's LOINC code is not a lab result, category or not.
    let mut pulse = obs(json!({"valueQuantity": {"value": 80, "unit": "/min"}}));
    pulse["code"]["coding"][0]["code"] = json!("8867-4");
    assert_eq!(ok(&pulse).meaning, Meaning::NotModelled);
    let mut survey = obs(json!({"valueInteger": 3}));
    survey["category"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}]);
    assert_eq!(ok(&survey).meaning, Meaning::NotModelled);
    // Not about a patient: not filed.
    let mut group = obs(json!({"valueQuantity": {"value": 1}}));
    group["subject"] = json!({"reference": "Group/9"});
    assert_eq!(ok(&group).meaning, Meaning::NotModelled);
}

#[test]
fn medicines_by_reference_and_supplies() {
    let contained = json!({
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "contained": [{"resourceType": "Medication", "id": "m1",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "322236009", "display": "Paracetamol 500mg tablets"},
                                {"system": "https://dmd.nhs.uk", "code": "42109611000001109", "display": "Paracetamol 500mg tablets"}]}}],
        "medicationReference": {"reference": "#m1"},
        "subject": {"reference": PATIENT}, "authoredOn": "2024-01-02",
        "dosageInstruction": [{"text": "Two tablets four times a day"}],
    });
    assert!(
        matches!(body(&contained), EntryBody::MedicationOrder { medicine, .. }
        if medicine == Concept::coded("Paracetamol 500mg tablets", DMD, "42109611000001109"))
    );
    let mut by_display = contained.clone();
    by_display["medicationReference"] =
        json!({"reference": "Medication/unknown", "display": "Senna"});
    assert!(
        matches!(body(&by_display), EntryBody::MedicationOrder { medicine, .. } if medicine.text == "Senna")
    );
    let mut proposal = contained.clone();
    proposal["intent"] = json!("proposal");
    assert_eq!(ok(&proposal).meaning, Meaning::NotModelled);

    let dispense = json!({
        "resourceType": "MedicationDispense", "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": "https://dmd.nhs.uk", "code": "42109611000001109", "display": "PARACETAMOL 500MG TABS"}]},
        "subject": {"reference": PATIENT}, "whenPrepared": "2024-01-03T09:00:00Z", "whenHandedOver": "2024-01-03T16:00:00Z",
        "quantity": {"value": 32, "unit": "tablet"},
    });
    let EntryBody::MedicationSupply {
        medicine,
        dispensed_on,
        quantity,
        dispenser,
    } = body(&dispense)
    else {
        panic!("a supply")
    };
    // The same code joins the order and the supply on one line.
    assert_eq!(
        medicine.key(),
        Concept::coded("x", DMD, "42109611000001109").key()
    );
    assert_eq!(dispensed_on, day("2024-01-03"));
    assert_eq!(quantity.as_deref(), Some("32 tablet"));
    assert_eq!(
        dispenser, SOURCE,
        "no performer: the sender is the pharmacy"
    );
    let mut waiting = dispense.clone();
    waiting["status"] = json!("in-progress");
    assert_eq!(ok(&waiting).meaning, Meaning::NotModelled);
}

#[test]
fn conditions_and_allergies_details() {
    let condition = |extra: Value| {
        let mut v = json!({"resourceType": "Condition", "subject": {"reference": PATIENT}, "code": {"text": "Pneumonia"}});
        for (k, x) in extra.as_object().expect("object") {
            v[k] = x.clone();
        }
        v
    };
    let ver = |code: &str| json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": code}]});
    assert!(
        matches!(body(&condition(json!({"verificationStatus": ver("provisional"), "note": [{"text": "CXR awaited"}]}))),
        EntryBody::Condition { clinical_status: ClinicalStatus::Active, note: Some(n), .. } if n == "Not confirmed (provisional).\n\nCXR awaited")
    );
    assert!(matches!(
        body(&condition(json!({"abatementDateTime": "2024-02-01"}))),
        EntryBody::Condition {
            clinical_status: ClinicalStatus::Resolved,
            ..
        }
    ));
    assert!(matches!(
        ok(&condition(json!({"verificationStatus": ver("refuted")}))).meaning,
        Meaning::Retracted { .. }
    ));

    let allergy = json!({
        "resourceType": "AllergyIntolerance", "patient": {"reference": PATIENT},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "300916003", "display": "Latex allergy"}]},
        "reaction": [
            {"manifestation": [{"text": "Hives"}, {"text": "Itch"}], "severity": "mild"},
            {"manifestation": [{"text": "hives"}, {"coding": [{"display": "Wheeze"}]}], "severity": "severe"},
        ],
    });
    assert!(
        matches!(body(&allergy), EntryBody::Allergy { reaction: Some(r), severity: Some(Severity::Severe), .. }
        if r == "Hives; Itch; Wheeze")
    );
}

#[test]
fn conditional_subjects_carry_the_nhs_number() {
    let v = json!({
        "resourceType": "Condition",
        "subject": {"reference": "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018"},
        "code": {"text": "Asthma"},
    });
    let Meaning::Record { subject, .. } = ok(&v).meaning else {
        panic!("a record")
    };
    let id = subject.identifier.expect("an identifier");
    assert_eq!(
        id.system.as_deref(),
        Some("https://fhir.nhs.uk/Id/nhs-number")
    );
    assert_eq!(id.value, "9990000018");
}
