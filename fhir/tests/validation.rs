//! Bad input is rejected with the right issue type and the exact element path; several
//! problems are reported at once; warnings never stop a resource.

mod common;

use bedside_fhir::inbound::{Meaning, interpret, interpret_document};
use bedside_fhir::outcome::{Issue, IssueType, Severity};
use common::{ctx, fixture};
use serde_json::{Value, json};

/// A minimal valid resource of each mapped type.
fn valid(ty: &str) -> Value {
    let patient = json!({"reference": "Patient/1"});
    match ty {
        "Observation" => json!({
            "resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"text": "Sodium"}, "subject": patient,
            "effectiveDateTime": "2024-01-02T09:00:00Z", "issued": "2024-01-02T15:00:00Z",
            "valueQuantity": {"value": 139, "unit": "mmol/L"},
            "referenceRange": [{"low": {"value": 133}, "high": {"value": 146}}],
        }),
        "AllergyIntolerance" => json!({
            "resourceType": "AllergyIntolerance", "patient": patient, "code": {"text": "Latex"},
            "recordedDate": "2024-01-02",
        }),
        "Condition" => json!({
            "resourceType": "Condition", "subject": patient, "code": {"text": "Asthma"},
            "onsetDateTime": "2001-05",
        }),
        "MedicationRequest" => json!({
            "resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": patient, "medicationCodeableConcept": {"text": "Paracetamol 500mg tablets"},
            "authoredOn": "2024-01-02",
        }),
        "MedicationStatement" => json!({
            "resourceType": "MedicationStatement", "status": "active", "subject": patient,
            "medicationCodeableConcept": {"text": "Paracetamol 500mg tablets"},
            "effectiveDateTime": "2024-01-02",
        }),
        "MedicationDispense" => json!({
            "resourceType": "MedicationDispense", "status": "completed", "subject": patient,
            "medicationCodeableConcept": {"text": "Paracetamol 500mg tablets"},
            "whenHandedOver": "2024-01-03",
        }),
        "DiagnosticReport" => json!({
            "resourceType": "DiagnosticReport", "status": "final", "code": {"text": "Chest X-ray"},
            "subject": patient, "effectiveDateTime": "2024-01-02T10:00:00Z", "conclusion": "Clear.",
        }),
        "Encounter" => json!({
            "resourceType": "Encounter", "status": "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "subject": patient, "period": {"start": "2024-01-02T10:00:00Z"},
        }),
        "Composition" => json!({
            "resourceType": "Composition", "status": "final", "type": {"text": "Discharge summary"},
            "subject": patient, "date": "2024-01-02T10:00:00Z", "author": [{"display": "Dr A"}],
            "title": "Discharge summary",
            "section": [{"title": "Plan", "text": {"status": "additional", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Home</div>"}}],
        }),
        "Flag" => json!({
            "resourceType": "Flag", "status": "active", "subject": patient,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "450476008"}]},
            "period": {"start": "2024-01-02"},
        }),
        "Consent" => json!({
            "resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "adr"}]},
            "category": [{"text": "ReSPECT form"}], "patient": patient, "dateTime": "2024-01-02",
            "policyRule": {"text": "ReSPECT"},
            "provision": {"type": "deny", "code": [{"coding": [{"system": "http://snomed.info/sct", "code": "89666000"}]}]},
        }),
        "CarePlan" => json!({
            "resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": patient,
            "title": "Mobility", "description": "Walks with a frame",
        }),
        "DocumentReference" => json!({
            "resourceType": "DocumentReference", "status": "current", "subject": patient,
            "type": {"text": "Clinic letter"},
            "content": [{"attachment": {"contentType": "text/plain", "data": "SGVsbG8="}}],
        }),
        "Patient" => json!({"resourceType": "Patient"}),
        other => panic!("no base for {other}"),
    }
}

fn errors(v: &Value) -> Vec<Issue> {
    match interpret(v, &ctx()) {
        Ok(got) => panic!("accepted: {v:#}\n{got:#?}"),
        Err(e) => {
            assert!(!e.is_empty());
            assert!(e.iter().all(|i| i.severity == Severity::Error), "{e:#?}");
            e
        }
    }
}

/// Exactly one error, of this type, at this element.
fn assert_one(v: &Value, code: IssueType, path: &str) -> Issue {
    let e = errors(v);
    assert_eq!(e.len(), 1, "{v:#}\n{e:#?}");
    assert_eq!(e[0].code, code, "{e:#?}");
    assert_eq!(e[0].expression, vec![path.to_owned()], "{e:#?}");
    e.into_iter().next().expect("one")
}

/// Sets (or with `Value::Null`, removes) a dotted path like `a.b[0].c`.
fn set(v: &mut Value, path: &str, new: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*part, None),
        };
        let last = i + 1 == parts.len();
        if last && index.is_none() {
            if new.is_null() {
                cur.as_object_mut().expect("object").remove(name);
            } else {
                cur[name] = new;
            }
            return;
        }
        cur = &mut cur[name];
        if let Some(ix) = index {
            if last {
                cur[ix] = new;
                return;
            }
            cur = &mut cur[ix];
        }
    }
}

#[test]
fn the_bases_are_valid() {
    for ty in [
        "Observation",
        "AllergyIntolerance",
        "Condition",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationDispense",
        "DiagnosticReport",
        "Encounter",
        "Composition",
        "Flag",
        "Consent",
        "CarePlan",
        "DocumentReference",
        "Patient",
    ] {
        let got = interpret(&valid(ty), &ctx()).unwrap_or_else(|e| panic!("{ty}: {e:#?}"));
        let expect_patient = ty == "Patient";
        assert_eq!(
            matches!(got.meaning, Meaning::Patient(_)),
            expect_patient,
            "{ty}"
        );
        if !expect_patient {
            assert!(
                matches!(got.meaning, Meaning::Record { .. }),
                "{ty}: {got:#?}"
            );
        }
    }
}

#[test]
fn missing_required_elements() {
    let cases: &[(&str, &str, &str)] = &[
        ("Observation", "status", "Observation.status"),
        ("Observation", "code", "Observation.code"),
        (
            "AllergyIntolerance",
            "patient",
            "AllergyIntolerance.patient",
        ),
        ("Condition", "subject", "Condition.subject"),
        ("MedicationRequest", "status", "MedicationRequest.status"),
        ("MedicationRequest", "intent", "MedicationRequest.intent"),
        ("MedicationRequest", "subject", "MedicationRequest.subject"),
        (
            "MedicationRequest",
            "medicationCodeableConcept",
            "MedicationRequest.medication[x]",
        ),
        (
            "MedicationStatement",
            "status",
            "MedicationStatement.status",
        ),
        (
            "MedicationStatement",
            "subject",
            "MedicationStatement.subject",
        ),
        (
            "MedicationStatement",
            "medicationCodeableConcept",
            "MedicationStatement.medication[x]",
        ),
        ("MedicationDispense", "status", "MedicationDispense.status"),
        (
            "MedicationDispense",
            "medicationCodeableConcept",
            "MedicationDispense.medication[x]",
        ),
        ("DiagnosticReport", "status", "DiagnosticReport.status"),
        ("DiagnosticReport", "code", "DiagnosticReport.code"),
        ("Encounter", "status", "Encounter.status"),
        ("Encounter", "class", "Encounter.class"),
        ("Composition", "status", "Composition.status"),
        ("Composition", "type", "Composition.type"),
        ("Composition", "date", "Composition.date"),
        ("Composition", "author", "Composition.author"),
        ("Composition", "title", "Composition.title"),
        ("Flag", "status", "Flag.status"),
        ("Flag", "code", "Flag.code"),
        ("Flag", "subject", "Flag.subject"),
        ("Consent", "status", "Consent.status"),
        ("Consent", "scope", "Consent.scope"),
        ("Consent", "category", "Consent.category"),
        ("CarePlan", "status", "CarePlan.status"),
        ("CarePlan", "intent", "CarePlan.intent"),
        ("CarePlan", "subject", "CarePlan.subject"),
        ("DocumentReference", "status", "DocumentReference.status"),
        ("DocumentReference", "content", "DocumentReference.content"),
        (
            "DocumentReference",
            "content[0].attachment",
            "DocumentReference.content[0].attachment",
        ),
    ];
    for (ty, element, path) in cases {
        let mut v = valid(ty);
        set(&mut v, element, Value::Null);
        let issue = assert_one(&v, IssueType::Required, path);
        assert!(issue.diagnostics.contains("required"), "{issue:?}");
    }
    // An empty string or array is not a value.
    let mut v = valid("Observation");
    v["status"] = json!("");
    assert_one(&v, IssueType::Required, "Observation.status");
    let mut v = valid("Composition");
    v["author"] = json!([]);
    assert_one(&v, IssueType::Required, "Composition.author");
}

#[test]
fn wrong_json_types() {
    let cases: &[(&str, &str, Value, &str)] = &[
        ("Observation", "code", json!("Sodium"), "Observation.code"),
        ("Observation", "status", json!(1), "Observation.status"),
        (
            "Observation",
            "category",
            json!({"text": "lab"}),
            "Observation.category",
        ),
        (
            "Observation",
            "category[0]",
            json!("laboratory"),
            "Observation.category[0]",
        ),
        (
            "Observation",
            "referenceRange[0].low.value",
            json!("133"),
            "Observation.referenceRange[0].low.value",
        ),
        (
            "Observation",
            "valueQuantity",
            json!([139]),
            "Observation.valueQuantity",
        ),
        (
            "Observation",
            "code.coding",
            json!({"code": "x"}),
            "Observation.code.coding",
        ),
        (
            "Observation",
            "code.text",
            json!(["Sodium"]),
            "Observation.code.text",
        ),
        (
            "AllergyIntolerance",
            "patient",
            json!("Patient/1"),
            "AllergyIntolerance.patient",
        ),
        (
            "AllergyIntolerance",
            "patient.reference",
            json!({"id": 1}),
            "AllergyIntolerance.patient.reference",
        ),
        (
            "Patient",
            "name",
            json!([{"given": "Ann"}]),
            "Patient.name[0].given",
        ),
        (
            "Patient",
            "identifier",
            json!({"value": "1"}),
            "Patient.identifier",
        ),
        ("Patient", "gender", json!(true), "Patient.gender"),
        ("Encounter", "period", json!("2024"), "Encounter.period"),
        (
            "Composition",
            "section[0].text.div",
            json!(42),
            "Composition.section[0].text.div",
        ),
        (
            "CarePlan",
            "activity",
            json!([{"detail": {"status": "in-progress", "doNotPerform": "no"}}]),
            "CarePlan.activity[0].detail.doNotPerform",
        ),
        ("Observation", "meta", json!("v1"), "Observation.meta"),
    ];
    for (ty, element, value, path) in cases {
        let mut v = valid(ty);
        set(&mut v, element, value.clone());
        assert_one(&v, IssueType::Structure, path);
    }
}

#[test]
fn impossible_and_malformed_times() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("Patient", "birthDate", "2023-02-30", "Patient.birthDate"),
        ("Patient", "birthDate", "2023-13-01", "Patient.birthDate"),
        ("Patient", "birthDate", "2023-00", "Patient.birthDate"),
        (
            "Patient",
            "birthDate",
            "1950-01-01T00:00:00Z",
            "Patient.birthDate",
        ),
        ("Patient", "birthDate", "01/02/1950", "Patient.birthDate"),
        (
            "Observation",
            "effectiveDateTime",
            "2023-01-01T25:00:00Z",
            "Observation.effectiveDateTime",
        ),
        (
            "Observation",
            "effectiveDateTime",
            "2023-01-01T10:00:00",
            "Observation.effectiveDateTime",
        ),
        (
            "Observation",
            "effectiveDateTime",
            "2023-01-01T10:00Z",
            "Observation.effectiveDateTime",
        ),
        ("Observation", "issued", "2023-01-01", "Observation.issued"),
        (
            "Observation",
            "issued",
            "2023-01-01T10:00:60.5+15:00",
            "Observation.issued",
        ),
        (
            "Observation",
            "meta.lastUpdated",
            "2023-06-31T10:00:00Z",
            "Observation.meta.lastUpdated",
        ),
        (
            "Condition",
            "onsetDateTime",
            "2023-04-31",
            "Condition.onsetDateTime",
        ),
        (
            "Condition",
            "recordedDate",
            "2023-02-29T12:00:00Z",
            "Condition.recordedDate",
        ),
        (
            "Encounter",
            "period.start",
            "2024-02-30",
            "Encounter.period.start",
        ),
        (
            "Encounter",
            "period.end",
            "2024-01-02T23:59:61Z",
            "Encounter.period.end",
        ),
        ("Composition", "date", "2024-00-10", "Composition.date"),
        (
            "MedicationDispense",
            "whenHandedOver",
            "2024-11-31",
            "MedicationDispense.whenHandedOver",
        ),
        (
            "MedicationRequest",
            "authoredOn",
            "20240102",
            "MedicationRequest.authoredOn",
        ),
        (
            "AllergyIntolerance",
            "recordedDate",
            "2024-01-32",
            "AllergyIntolerance.recordedDate",
        ),
        ("Flag", "period.start", "2024-13-01", "Flag.period.start"),
        (
            "DocumentReference",
            "date",
            "2024-01-02",
            "DocumentReference.date",
        ),
        (
            "Consent",
            "dateTime",
            "2024-02-30T09:00:00Z",
            "Consent.dateTime",
        ),
    ];
    for (ty, element, value, path) in cases {
        let mut v = valid(ty);
        set(&mut v, element, json!(value));
        let issue = assert_one(&v, IssueType::Value, path);
        assert!(issue.diagnostics.contains(value), "{issue:?}");
    }
}

#[test]
fn codes_outside_required_bindings() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("Observation", "status", "done", "Observation.status"),
        (
            "MedicationRequest",
            "intent",
            "prescription",
            "MedicationRequest.intent",
        ),
        ("Encounter", "status", "discharged", "Encounter.status"),
        ("Patient", "gender", "M", "Patient.gender"),
        (
            "Consent",
            "provision.type",
            "refuse",
            "Consent.provision.type",
        ),
    ];
    for (ty, element, value, path) in cases {
        let mut v = valid(ty);
        set(&mut v, element, json!(value));
        assert_one(&v, IssueType::Value, path);
    }
    let mut v = valid("AllergyIntolerance");
    v["clinicalStatus"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "current"}]});
    assert_one(&v, IssueType::Value, "AllergyIntolerance.clinicalStatus");
}

#[test]
fn resource_type_problems() {
    let cases: Vec<(Value, IssueType, &str)> = vec![
        (json!([1, 2]), IssueType::Structure, "Resource"),
        (json!("Patient"), IssueType::Structure, "Resource"),
        (json!(null), IssueType::Structure, "Resource"),
        (json!({}), IssueType::Required, "Resource.resourceType"),
        (
            json!({"resourceType": null}),
            IssueType::Required,
            "Resource.resourceType",
        ),
        (
            json!({"resourceType": 7}),
            IssueType::Structure,
            "Resource.resourceType",
        ),
        (
            json!({"resourceType": ["Patient"]}),
            IssueType::Structure,
            "Resource.resourceType",
        ),
        (
            json!({"resourceType": "Foo"}),
            IssueType::Value,
            "Foo.resourceType",
        ),
        (
            json!({"resourceType": "patient"}),
            IssueType::Value,
            "patient.resourceType",
        ),
        (
            json!({"resourceType": "DomainResource"}),
            IssueType::Value,
            "DomainResource.resourceType",
        ),
        (
            json!({"resourceType": "Pa tient<>"}),
            IssueType::Value,
            "Resource.resourceType",
        ),
    ];
    for (v, code, path) in cases {
        assert_one(&v, code, path);
    }
}

#[test]
fn resources_from_other_fhir_versions() {
    let types: &[(&str, &str)] = &[
        ("MedicationOrder", "DSTU2"),
        ("DiagnosticOrder", "DSTU2"),
        ("DeviceUseRequest", "DSTU2"),
        ("ProcedureRequest", "STU3"),
        ("ReferralRequest", "STU3"),
        ("BodySite", "STU3"),
        ("EligibilityRequest", "STU3"),
        ("Transport", "R5"),
        ("InventoryItem", "R5"),
        ("ActorDefinition", "R5"),
        ("Requirements", "R5"),
    ];
    for (ty, version) in types {
        let issue = assert_one(
            &json!({"resourceType": ty, "id": "1"}),
            IssueType::NotSupported,
            &format!("{ty}.resourceType"),
        );
        assert!(issue.diagnostics.contains(version), "{issue:?}");
        assert!(issue.diagnostics.contains("R4"), "{issue:?}");
    }
    // Shapes that give another version away.
    let stu3_allergy = json!({
        "resourceType": "AllergyIntolerance", "clinicalStatus": "active",
        "verificationStatus": "confirmed", "patient": {"reference": "Patient/1"},
        "code": {"text": "Latex"},
    });
    let e = errors(&stu3_allergy);
    let paths: Vec<&str> = e.iter().map(|i| i.expression[0].as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "AllergyIntolerance.clinicalStatus",
            "AllergyIntolerance.verificationStatus"
        ]
    );
    assert!(
        e.iter()
            .all(|i| i.code == IssueType::NotSupported && i.diagnostics.contains("STU3"))
    );

    let shapes: Vec<(Value, &str, &str)> = vec![
        (
            {
                let mut v = valid("Condition");
                v["clinicalStatus"] = json!("active");
                v
            },
            "Condition.clinicalStatus",
            "STU3",
        ),
        (
            {
                let mut v = valid("Encounter");
                v["class"] = json!([{"coding": [{"code": "IMP"}]}]);
                v
            },
            "Encounter.class",
            "R5",
        ),
        (
            {
                let mut v = valid("MedicationStatement");
                v.as_object_mut()
                    .expect("object")
                    .remove("medicationCodeableConcept");
                v["medication"] = json!({"concept": {"text": "Paracetamol"}});
                v
            },
            "MedicationStatement.medication",
            "R5",
        ),
        (
            {
                let mut v = valid("MedicationRequest");
                v.as_object_mut()
                    .expect("object")
                    .remove("medicationCodeableConcept");
                v["medication"] = json!({"reference": {"reference": "Medication/1"}});
                v
            },
            "MedicationRequest.medication",
            "R5",
        ),
        (
            json!({"resourceType": "Patient", "meta": {"profile": ["https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"]}}),
            "Patient.meta.profile[0]",
            "STU3",
        ),
    ];
    for (v, path, version) in shapes {
        let issue = assert_one(&v, IssueType::NotSupported, path);
        assert!(issue.diagnostics.contains(version), "{issue:?}");
    }
}

#[test]
fn several_problems_are_reported_together() {
    let v = json!({
        "resourceType": "Observation",
        "code": "Sodium",
        "subject": {"reference": "Patient/1"},
        "effectiveDateTime": "2024-02-30",
        "valueQuantity": {"value": "139"},
    });
    let e = errors(&v);
    let mut got: Vec<(IssueType, &str)> = e
        .iter()
        .map(|i| (i.code, i.expression[0].as_str()))
        .collect();
    got.sort_by_key(|x| x.1);
    assert_eq!(
        got,
        vec![
            (IssueType::Structure, "Observation.code"),
            (IssueType::Value, "Observation.effectiveDateTime"),
            (IssueType::Required, "Observation.status"),
            (IssueType::Structure, "Observation.valueQuantity.value"),
        ]
    );
}

#[test]
fn invalid_base64_and_attachment_rules() {
    let mut v = valid("DocumentReference");
    v["content"][0]["attachment"]["data"] = json!("not base64!");
    let issue = assert_one(
        &v,
        IssueType::Value,
        "DocumentReference.content[0].attachment.data",
    );
    assert!(issue.diagnostics.contains("base64"));
    let mut v = valid("DocumentReference");
    v["content"][0]["attachment"]
        .as_object_mut()
        .expect("object")
        .remove("contentType");
    assert_one(
        &v,
        IssueType::Invariant,
        "DocumentReference.content[0].attachment.contentType",
    );
    let mut v = valid("Consent");
    v["sourceAttachment"] = json!({"contentType": "text/plain", "data": "SGVsbG8"});
    assert_one(&v, IssueType::Value, "Consent.sourceAttachment.data");
}

#[test]
fn ids_must_be_fhir_ids() {
    let mut v = valid("Condition");
    v["id"] = json!("has space");
    assert_one(&v, IssueType::Value, "Condition.id");
    v["id"] = json!("x".repeat(65));
    assert_one(&v, IssueType::Value, "Condition.id");
    v["id"] = json!("A-1.b");
    assert!(interpret(&v, &ctx()).is_ok());
}

#[test]
fn unknown_elements_extensions_and_profiles_are_ignored() {
    let mut v = valid("Condition");
    v["madeUpElement"] = json!({"anything": [1, 2, 3]});
    v["extension"] = json!([{"url": "https://example.org/ext", "valueString": "x"}]);
    v["_onsetDateTime"] = json!({"extension": []});
    v["meta"] = json!({"profile": [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Condition",
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns"
    ]});
    let got = interpret(&v, &ctx()).expect("accepted");
    assert!(got.warnings.is_empty());
    assert!(matches!(got.meaning, Meaning::Record { .. }));
    // Types Bedside does not model are accepted and counted.
    for ty in [
        "Claim",
        "ExplanationOfBenefit",
        "Immunization",
        "Procedure",
        "CareTeam",
        "Provenance",
        "QuestionnaireResponse",
    ] {
        let got = interpret(&json!({"resourceType": ty, "id": "x1"}), &ctx()).expect("accepted");
        assert_eq!(got.meaning, Meaning::NotModelled, "{ty}");
    }
    for ty in [
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Medication",
        "Location",
        "Device",
    ] {
        let got = interpret(&json!({"resourceType": ty}), &ctx()).expect("accepted");
        assert_eq!(got.meaning, Meaning::Supporting, "{ty}");
    }
    // A modifier extension may change the meaning: accepted, not shown, and said so.
    let mut m = valid("Condition");
    m["modifierExtension"] = json!([{"url": "https://example.org/negated", "valueBoolean": true}]);
    let got = interpret(&m, &ctx()).expect("accepted");
    assert_eq!(got.meaning, Meaning::NotModelled);
    assert_eq!(
        got.warnings[0].expression,
        vec!["Condition.modifierExtension"]
    );
}

#[test]
fn document_bundle_problems() {
    let composition = valid("Composition");
    let bundle = |ty: &str, first: Value| {
        json!({
            "resourceType": "Bundle", "type": ty,
            "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"},
            "timestamp": "2024-01-02T10:00:00Z",
            "entry": [{"fullUrl": "urn:uuid:c", "resource": first}],
        })
    };
    assert!(interpret_document(&bundle("document", composition.clone()), &ctx()).is_ok());
    // interpret() hands a document Bundle over.
    assert!(matches!(
        interpret(&bundle("document", composition.clone()), &ctx()).map(|i| i.resource_type),
        Ok(t) if t == "Composition"
    ));
    let e = interpret_document(&bundle("collection", composition.clone()), &ctx())
        .expect_err("rejected");
    assert_eq!(
        (e[0].code, e[0].expression[0].as_str()),
        (IssueType::Value, "Bundle.type")
    );
    let e =
        interpret_document(&bundle("document", valid("Patient")), &ctx()).expect_err("rejected");
    assert_eq!(
        (e[0].code, e[0].expression[0].as_str()),
        (IssueType::Invalid, "Bundle.entry[0].resource")
    );
    let mut bad = composition;
    bad["status"] = json!("done");
    let e = interpret_document(&bundle("document", bad), &ctx()).expect_err("rejected");
    assert_eq!(
        (e[0].code, e[0].expression[0].as_str()),
        (IssueType::Value, "Bundle.entry[0].resource.status")
    );
    let e = interpret_document(
        &json!({"resourceType": "Bundle", "type": "document", "entry": []}),
        &ctx(),
    )
    .expect_err("rejected");
    assert_eq!(e[0].expression[0], "Bundle.entry");
    let e = interpret_document(&valid("Patient"), &ctx()).expect_err("rejected");
    assert_eq!(e[0].code, IssueType::Invalid);
    // Without identifier and timestamp: accepted, with warnings saying so.
    let loose = json!({"resourceType": "Bundle", "type": "document", "entry": [{"resource": valid("Composition")}]});
    let got = interpret_document(&loose, &ctx()).expect("accepted");
    let paths: Vec<&str> = got
        .warnings
        .iter()
        .map(|w| w.expression[0].as_str())
        .collect();
    assert_eq!(paths, vec!["Bundle.identifier", "Bundle.timestamp"]);
}

#[test]
fn warnings_do_not_stop_a_resource() {
    let mut v = fixture("UKCore-Patient-RichardSmith-Example.json");
    v["birthDate"] = json!("1970");
    let got = interpret(&v, &ctx()).expect("accepted");
    assert_eq!(got.warnings.len(), 1);
    assert_eq!(got.warnings[0].severity, Severity::Warning);
    assert_eq!(got.warnings[0].code, IssueType::Value);
}
