//! The read side of `/fhir`: the CapabilityStatement, finding a person by NHS number, a
//! resident's International Patient Summary (each read of a resident audited), and the
//! access log as AuditEvents.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bedside_domain::audit::AuditPart;
use bedside_domain::{NhsNumber, PersonId};
use bedside_fhir::outbound;
use bedside_fhir::outcome::IssueType;
use bedside_fhir::{NHS_NUMBER_SYSTEM, inbound};
use serde_json::{Value, json};

use super::http::{Caller, FhirError, fhir_json};
use crate::audit::{self, ClientInfo};
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
    let mut resources: Vec<Value> = MODELLED
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
    // The audit log is read here, never written by sending systems as a record.
    resources.push(json!({
        "type": "AuditEvent",
        "profile": "http://hl7.org/fhir/StructureDefinition/AuditEvent",
        "supportedProfile": [outbound::BALP_PATIENT_READ],
        "documentation": "Views of residents' records (IHE BALP PatientRead), for managers (their own home's) and administrators (every home's).",
        "interaction": [{ "code": "search-type" }],
        "searchParam": [{
            "name": "patient",
            "type": "reference",
            "documentation": "Patient/{id} or {id} (required): the views of that person's record, newest first, at most 1000.",
        }],
    }));
    resources.sort_by(|a, b| a["type"].as_str().cmp(&b["type"].as_str()));
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
    client: ClientInfo,
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
                // A match shows the resident's details: a view of their record.
                Caller::Staff(staff) => match state
                    .store
                    .resident_by_nhs(staff.home.id, nhs)
                    .await?
                {
                    Some(r) => {
                        audit::record_view(&state, staff, r.id, AuditPart::FhirPatient, &client)
                            .await?;
                        vec![outbound::patient_resource(&r, &r.id.to_string())]
                    }
                    None => Vec::new(),
                },
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
    client: ClientInfo,
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
        audit::record_view(&state, &staff, person, AuditPart::FhirPatient, &client).await?;
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
    client: ClientInfo,
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
        audit::record_view(&state, &staff, person, AuditPart::FhirSummary, &client).await?;
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

/// The most audit events one search answers (newest first).
const AUDIT_SEARCH_LIMIT: usize = 1_000;

/// `GET /fhir/{type}`: only `AuditEvent` can be searched this way.
pub async fn search_type(
    State(state): State<AppState>,
    caller: Result<Caller, FhirError>,
    Path(resource_type): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    // Other types answer as before this route existed, signed in or not.
    if resource_type != "AuditEvent" {
        return super::http::not_found().await.into_response();
    }
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match search_audit_events(
        &state,
        caller,
        &headers,
        query.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(bundle) => fhir_json(StatusCode::OK, &bundle),
        Err(e) => e.into_response(),
    }
}

/// `GET /fhir/AuditEvent?patient={id}`: the views of a person's record, for managers
/// (views in their own home) and administrators (every home). A patient who never lived
/// in a manager's home gives an empty searchset, as a made-up id does: searching answers
/// what matches, and an empty answer reveals nothing. (A 404 would not fit: a person who
/// has left the home still has views the manager must be able to see.)
async fn search_audit_events(
    state: &AppState,
    caller: Caller,
    headers: &HeaderMap,
    query: &str,
) -> Result<Value, FhirError> {
    let forbidden = || {
        FhirError::new(
            StatusCode::FORBIDDEN,
            IssueType::Forbidden,
            "only managers and administrators may read the access log",
        )
    };
    let staff = match caller {
        Caller::Staff(s) if crate::audit::may_read_log(&s) => s,
        _ => return Err(forbidden()),
    };
    let mut patient = None;
    for (name, value) in query.split('&').filter_map(|p| p.split_once('=')) {
        match name {
            "patient" | "patient:Patient" | "entity" => patient = Some(value.to_owned()),
            "_count" | "_format" => {}
            other => {
                return Err(FhirError::new(
                    StatusCode::BAD_REQUEST,
                    IssueType::NotSupported,
                    format!(
                        "AuditEvent can be searched by patient only, not {:?}",
                        other.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    let Some(raw) = patient else {
        return Err(FhirError::new(
            StatusCode::BAD_REQUEST,
            IssueType::Required,
            "search AuditEvent by patient={id}",
        ));
    };
    let raw = raw.replace("%2F", "/").replace("%2f", "/");
    let id = raw.strip_prefix("Patient/").unwrap_or(&raw);
    let events = match PersonId::parse(id) {
        Err(_) => Vec::new(),
        Ok(person) => {
            let home = match staff.role {
                bedside_domain::api::Role::Admin => None,
                _ => Some(staff.home.id),
            };
            state
                .store
                .audit_events(&crate::store::AuditQuery {
                    home,
                    person: Some(person),
                    limit: AUDIT_SEARCH_LIMIT,
                    ..Default::default()
                })
                .await?
        }
    };
    let base = base_url(headers);
    let server = outbound::AuditServer {
        name: "Bedside",
        base_url: &base,
    };
    let self_url = format!(
        "{base}/AuditEvent?patient={}",
        PersonId::parse(id)
            .map(|p| p.to_string())
            .unwrap_or_default()
    );
    Ok(outbound::audit_searchset(&events, server, &self_url))
}

/// This server's FHIR base as the client reached it (for full URLs): the Host header,
/// https when a proxy in front says so.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}/fhir", if https { "https" } else { "http" })
}
