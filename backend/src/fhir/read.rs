//! The read side of `/fhir`: the CapabilityStatement, finding a person by NHS number, and
//! a resident's International Patient Summary.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bedside_domain::{NhsNumber, PersonId};
use bedside_fhir::outbound;
use bedside_fhir::outcome::IssueType;
use bedside_fhir::{NHS_NUMBER_SYSTEM, inbound};
use serde_json::{Value, json};

use super::http::{Caller, FhirError, fhir_json};
use crate::state::AppState;

/// The resource types Bedside turns into entries of a record (others are accepted,
/// stored and counted).
const MODELLED: &[&str] = &[
    "AllergyIntolerance",
    "Bundle",
    "CarePlan",
    "Composition",
    "Condition",
    "Consent",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "Flag",
    "MedicationDispense",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Patient",
];

/// `GET /fhir/metadata`: what this server does, truthfully.
pub async fn metadata(State(state): State<AppState>) -> Response {
    let resources: Vec<Value> = MODELLED
        .iter()
        .map(|t| {
            let mut r = json!({
                "type": t,
                "versioning": "versioned",
                "readHistory": false,
                "updateCreate": true,
                "conditionalCreate": false,
                "conditionalUpdate": false,
                "documentation": "A PUT entry may give a conditional URL (Type?identifier=…); it is taken as an update of the resource with the same id, or else the same first identifier.",
                "interaction": [{ "code": "create" }, { "code": "update" }],
            });
            if *t == "Patient" {
                r["interaction"] = json!([
                    { "code": "create" }, { "code": "update" },
                    { "code": "read" }, { "code": "search-type" }
                ]);
                r["searchParam"] = json!([{
                    "name": "identifier",
                    "type": "token",
                    "documentation": format!(
                        "{NHS_NUMBER_SYSTEM}|NNNNNNNNNN. Staff find residents of their own home only."
                    ),
                }]);
                r["operation"] = json!([{
                    "name": "summary",
                    "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
                    "documentation": "An International Patient Summary document for a resident of the caller's home (staff only)."
                }]);
            }
            if *t == "Bundle" {
                r["documentation"] = json!("document Bundles (a Composition first): discharge, emergency department and ambulance summaries");
            }
            r
        })
        .collect();
    let body = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": state.now().to_rfc3339(),
        "publisher": "Bedside",
        "kind": "instance",
        "software": { "name": "Bedside", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Bedside shared care record for care homes" },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Sending systems post transaction or batch Bundles to /fhir, or single resources to /fhir/{type}. \
                Resources of other R4 types are accepted, stored and counted but not shown. A Patient is matched to a person \
                by a valid NHS number; patients with an invalid or missing NHS number, or a date of birth that disagrees, are \
                held for review with everything about them.",
            "security": {
                "description": "Bearer credentials: each sending system has its own (writes); staff use their sign-in token (reads, scoped to their home)."
            },
            "interaction": [{ "code": "transaction" }, { "code": "batch" }],
            "resource": resources,
        }],
    });
    fhir_json(StatusCode::OK, &body)
}

fn patient_id(id: &str) -> Result<PersonId, FhirError> {
    PersonId::parse(id).map_err(|_| not_found())
}

fn not_found() -> FhirError {
    FhirError::new(
        StatusCode::NOT_FOUND,
        IssueType::NotFound,
        "there is no such patient among the residents of your home",
    )
}

/// `GET /fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN`
pub async fn search_patients(
    State(state): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Response {
    let result = async {
        let query = query.unwrap_or_default();
        let raw = query
            .split('&')
            .find_map(|p| p.strip_prefix("identifier="))
            .ok_or_else(|| {
                FhirError::new(
                    StatusCode::BAD_REQUEST,
                    IssueType::NotSupported,
                    format!("search Patients by identifier={NHS_NUMBER_SYSTEM}|NNNNNNNNNN"),
                )
            })?;
        let bad = || {
            FhirError::new(
                StatusCode::BAD_REQUEST,
                IssueType::Value,
                format!("identifier must be {NHS_NUMBER_SYSTEM}|NNNNNNNNNN"),
            )
        };
        let parsed =
            inbound::conditional_reference(&format!("Patient?identifier={raw}")).ok_or_else(bad)?;
        let value = match parsed.system.as_deref() {
            Some(NHS_NUMBER_SYSTEM) | None => parsed.value,
            Some(system) => {
                return Err(FhirError::new(
                    StatusCode::BAD_REQUEST,
                    IssueType::NotSupported,
                    format!("only NHS number identifiers can be searched, not {system:?}"),
                ));
            }
        };
        let matches: Vec<Value> = match NhsNumber::parse(&value) {
            Err(_) => Vec::new(),
            Ok(nhs) => match &caller {
                Caller::Staff(staff) => state
                    .store
                    .resident_by_nhs(staff.home.id, nhs)
                    .await?
                    .map(|r| outbound::patient_resource(&r, &r.id.to_string()))
                    .into_iter()
                    .collect(),
                // A sending system learns only the id this server uses for a person it
                // has itself sent records about: it cannot probe who else is known.
                Caller::Source(source) => state
                    .store
                    .source_person_by_nhs(source.id, nhs)
                    .await?
                    .map(|id| {
                        json!({
                            "resourceType": "Patient",
                            "id": id.to_string(),
                            "identifier": [{ "system": NHS_NUMBER_SYSTEM, "value": nhs.digits() }],
                        })
                    })
                    .into_iter()
                    .collect(),
            },
        };
        Ok::<_, FhirError>(json!({
            "resourceType": "Bundle",
            "type": "searchset",
            "total": matches.len(),
            "entry": matches.into_iter().map(|p| json!({
                "fullUrl": format!("Patient/{}", p["id"].as_str().unwrap_or_default()),
                "resource": p,
                "search": { "mode": "match" },
            })).collect::<Vec<_>>(),
        }))
    }
    .await;
    match result {
        Ok(bundle) => fhir_json(StatusCode::OK, &bundle),
        Err(e) => e.into_response(),
    }
}

fn staff_only(caller: Caller) -> Result<crate::auth::CurrentStaff, FhirError> {
    match caller {
        Caller::Staff(s) => Ok(s),
        Caller::Source(_) => Err(FhirError::new(
            StatusCode::FORBIDDEN,
            IssueType::Forbidden,
            "records are read by staff of the resident's home, not by sending systems",
        )),
    }
}

/// `GET /fhir/Patient/{id}`: a resident of the caller's home.
pub async fn read_patient(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let staff = staff_only(caller)?;
        let person = patient_id(&id)?;
        let resident = state
            .store
            .resident(staff.home.id, person)
            .await?
            .ok_or_else(not_found)?;
        Ok::<_, FhirError>(outbound::patient_resource(&resident, &id))
    }
    .await;
    match result {
        Ok(p) => fhir_json(StatusCode::OK, &p),
        Err(e) => e.into_response(),
    }
}

/// `GET /fhir/Patient/{id}/$summary`: the International Patient Summary of a resident of
/// the caller's home.
pub async fn patient_operation(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, operation)): Path<(String, String)>,
) -> Response {
    let result = async {
        if operation != "$summary" {
            return Err(FhirError::new(
                StatusCode::NOT_FOUND,
                IssueType::NotSupported,
                format!("{operation:?} is not an operation this server supports (try $summary)"),
            ));
        }
        let staff = staff_only(caller)?;
        let person = patient_id(&id)?;
        let resident = state
            .store
            .resident(staff.home.id, person)
            .await?
            .ok_or_else(not_found)?;
        let entries = state.store.resident_entries(staff.home.id, person).await?;
        let now = state.now();
        let bundle_id = uuid::Uuid::now_v7().to_string();
        tracing::info!(staff = %staff.staff_id, "patient summary exported");
        Ok::<_, FhirError>(outbound::ips_document(
            &resident,
            &entries,
            now,
            &bundle_id,
            &staff.home.name,
        ))
    }
    .await;
    match result {
        Ok(bundle) => fhir_json(StatusCode::OK, &bundle),
        Err(e) => e.into_response(),
    }
}
