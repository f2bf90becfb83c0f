//! The write side of `/fhir`: reading and checking bodies, who is calling, and turning
//! the engine's results into FHIR responses.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bedside_fhir::outcome::{Issue, IssueType, Severity, operation_outcome};
use serde_json::{Value, json};

use super::engine::{
    BatchResult, Counts, Disposition, Engine, EntryResult, IngestError, Method, Report,
};
use super::{FHIR_JSON, MAX_BODY_BYTES, MAX_DEPTH};
use crate::auth::{self, CurrentStaff};
use crate::state::AppState;
use crate::store::{SourceRecord, StoreError};

/// Source credentials start with this, so the server knows which table to look in.
pub const SOURCE_CREDENTIAL_PREFIX: &str = "bsrc_";

/// A FHIR error: an HTTP status and the OperationOutcome that explains it.
#[derive(Debug)]
pub struct FhirError {
    pub status: StatusCode,
    pub issues: Vec<Issue>,
}

impl FhirError {
    pub fn new(status: StatusCode, code: IssueType, message: impl Into<String>) -> Self {
        Self {
            status,
            issues: vec![Issue::general(Severity::Error, code, message)],
        }
    }

    pub fn at(status: StatusCode, code: IssueType, path: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            issues: vec![Issue::error(code, path, message)],
        }
    }
}

impl From<StoreError> for FhirError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "FHIR request failed in storage");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            IssueType::Exception,
            "something went wrong on the server; nothing was changed",
        )
    }
}

impl From<IngestError> for FhirError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Refused { status, issues } => Self {
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                issues,
            },
            IngestError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        let mut res = fhir_json(self.status, &operation_outcome(&self.issues));
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert("www-authenticate", HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub fn fhir_json(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json; charset=utf-8"),
    );
    res
}

/// Who is calling `/fhir`: a sending system, or a signed-in member of staff.
#[derive(Debug, Clone)]
pub enum Caller {
    Source(SourceRecord),
    Staff(CurrentStaff),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, FhirError> {
        let unauthenticated = || {
            FhirError::new(
                StatusCode::UNAUTHORIZED,
                IssueType::Login,
                "send a bearer credential: a sending system's, or a signed-in member of staff's",
            )
        };
        let token = auth::bearer(parts).ok_or_else(unauthenticated)?;
        if token.starts_with(SOURCE_CREDENTIAL_PREFIX) {
            let source = state
                .store
                .source_by_credential(&auth::token_hash(token))
                .await?
                .ok_or_else(unauthenticated)?;
            return Ok(Self::Source(source));
        }
        match CurrentStaff::from_request_parts(parts, state).await {
            Ok(staff) => Ok(Self::Staff(staff)),
            Err(crate::error::AppError::DeviceRevoked) => Err(FhirError::new(
                StatusCode::FORBIDDEN,
                IssueType::Forbidden,
                "this tablet has been revoked",
            )),
            Err(_) => Err(unauthenticated()),
        }
    }
}

impl Caller {
    fn source(self) -> Result<SourceRecord, FhirError> {
        match self {
            Self::Source(s) => Ok(s),
            Self::Staff(_) => Err(FhirError::new(
                StatusCode::FORBIDDEN,
                IssueType::Forbidden,
                "only sending systems may write records; staff record care on the tablet",
            )),
        }
    }
}

/// Reads a FHIR JSON body: content type, size, UTF-8, nesting depth, then JSON.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Value, FhirError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    check_content_type(content_type)?;
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            FhirError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                IssueType::TooCostly,
                format!(
                    "the body is larger than {} MiB: send smaller Bundles",
                    MAX_BODY_BYTES / 1024 / 1024
                ),
            )
        })?;
    parse_json(&bytes)
}

fn check_content_type(content_type: &str) -> Result<(), FhirError> {
    let mut parts = content_type.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    if media != FHIR_JSON && media != "application/json" {
        return Err(FhirError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IssueType::NotSupported,
            format!("send Content-Type: {FHIR_JSON} (got {content_type:?})"),
        ));
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("fhirVersion")
        {
            let value = value.trim().trim_matches('"');
            if !(value == "4.0" || value.starts_with("4.0.")) {
                return Err(FhirError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    IssueType::NotSupported,
                    format!("this server takes FHIR R4 (fhirVersion=4.0), not fhirVersion={value}"),
                ));
            }
        }
    }
    Ok(())
}

/// Checks and parses a body. Shared with `bedside import`.
pub fn parse_json(bytes: &[u8]) -> Result<Value, FhirError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        FhirError::new(
            StatusCode::BAD_REQUEST,
            IssueType::Structure,
            format!(
                "the body is not UTF-8 (byte {} is not valid)",
                e.valid_up_to()
            ),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(depth) = too_deep(text.as_bytes(), MAX_DEPTH) {
        return Err(FhirError::new(
            StatusCode::BAD_REQUEST,
            IssueType::TooCostly,
            format!("the JSON nests deeper than {MAX_DEPTH} levels (at least {depth})"),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        FhirError::new(
            StatusCode::BAD_REQUEST,
            IssueType::Structure,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// The depth reached if it passes `max`, scanning without parsing (strings skipped).
fn too_deep(bytes: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(depth);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `POST /fhir`: a transaction or batch Bundle.
pub async fn post_bundle(State(state): State<AppState>, caller: Caller, req: Request) -> Response {
    match post_bundle_inner(state, caller, req).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn post_bundle_inner(
    state: AppState,
    caller: Caller,
    req: Request,
) -> Result<Response, FhirError> {
    let source = caller.source()?;
    let (parts, body) = req.into_parts();
    let bundle = read_body(&parts.headers, body).await?;
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(FhirError::at(
            StatusCode::BAD_REQUEST,
            IssueType::Invalid,
            "resourceType",
            "POST /fhir takes a transaction or batch Bundle; post single resources to /fhir/{type}",
        ));
    }
    let kind = bundle
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let engine = Engine::new(&*state.store, &source, state.now());
    let response = match kind {
        "transaction" => {
            let report = engine.transaction(&bundle).await?;
            log_counts(&source, "transaction", &report.counts);
            transaction_response(&report)
        }
        "batch" => {
            let report = engine.batch(&bundle, "batch").await?;
            log_counts(&source, "batch", &report.counts);
            batch_response(&report)
        }
        other => {
            return Err(FhirError::at(
                StatusCode::BAD_REQUEST,
                IssueType::NotSupported,
                "Bundle.type",
                format!(
                    "POST /fhir takes a transaction or batch Bundle, not {other:?} (post a document Bundle to /fhir/Bundle)"
                ),
            ));
        }
    };
    Ok(fhir_json(StatusCode::OK, &response))
}

fn log_counts(source: &SourceRecord, kind: &str, c: &Counts) {
    tracing::info!(
        source = %source.ods_code,
        kind,
        created = c.created,
        updated = c.updated,
        unchanged = c.unchanged,
        held_for_review = c.held_for_review,
        not_modelled = c.not_modelled,
        rejected = c.rejected,
        entries = c.entries_written,
        "received"
    );
}

/// `POST /fhir/{type}`.
pub async fn post_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path(resource_type): Path<String>,
    req: Request,
) -> Response {
    single(state, caller, resource_type, None, req).await
}

/// `PUT /fhir/{type}/{id}`.
pub async fn put_resource(
    State(state): State<AppState>,
    caller: Caller,
    Path((resource_type, id)): Path<(String, String)>,
    req: Request,
) -> Response {
    single(state, caller, resource_type, Some(id), req).await
}

/// `POST /fhir/Patient` (its own route: the search route shadows the generic one).
pub async fn post_patient(State(state): State<AppState>, caller: Caller, req: Request) -> Response {
    single(state, caller, "Patient".to_owned(), None, req).await
}

/// `PUT /fhir/Patient/{id}`.
pub async fn put_patient(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    single(state, caller, "Patient".to_owned(), Some(id), req).await
}

async fn single(
    state: AppState,
    caller: Caller,
    resource_type: String,
    id: Option<String>,
    req: Request,
) -> Response {
    let result = async {
        let source = caller.source()?;
        let (parts, body) = req.into_parts();
        let resource = read_body(&parts.headers, body).await?;
        let engine = Engine::new(&*state.store, &source, state.now());
        let method = if id.is_some() {
            Method::Put
        } else {
            Method::Post
        };
        let result = engine
            .single(&resource, &resource_type, method, id.as_deref())
            .await?;
        Ok::<_, FhirError>(result)
    }
    .await;
    match result {
        Ok(result) => {
            let status = match result.disposition {
                Disposition::Created | Disposition::HeldForReview => StatusCode::CREATED,
                _ => StatusCode::OK,
            };
            let mut issues = result.issues.clone();
            issues.insert(
                0,
                Issue::general(
                    Severity::Information,
                    IssueType::Informational,
                    describe(result.disposition),
                ),
            );
            let mut res = fhir_json(status, &operation_outcome(&issues));
            if let Some((t, id, v)) = &result.location
                && let Ok(value) = HeaderValue::from_str(&format!("{t}/{id}/_history/{v}"))
            {
                res.headers_mut().insert(LOCATION, value);
                if let Ok(etag) = HeaderValue::from_str(&format!("W/\"{v}\"")) {
                    res.headers_mut().insert("etag", etag);
                }
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

fn describe(d: Disposition) -> &'static str {
    match d {
        Disposition::Created => "created",
        Disposition::Updated => "updated: the earlier version is kept as history",
        Disposition::Unchanged => "already held: nothing changed",
        Disposition::HeldForReview => "accepted and held for review with its patient",
        Disposition::Supporting => "stored for other resources to refer to",
        Disposition::NotModelled => {
            "accepted and counted; Bedside does not show this kind of resource"
        }
    }
}

fn response_entry(result: &EntryResult) -> Value {
    let mut response = json!({ "status": result.http_status() });
    if let Some((t, id, v)) = &result.location {
        response["location"] = json!(format!("{t}/{id}/_history/{v}"));
        response["etag"] = json!(format!("W/\"{v}\""));
    }
    let mut issues = vec![Issue::general(
        Severity::Information,
        IssueType::Informational,
        describe(result.disposition),
    )];
    issues.extend(result.issues.iter().cloned());
    response["outcome"] = operation_outcome(&issues);
    json!({ "response": response })
}

/// The counts of a submission, as an extension on the response Bundle.
fn counts_extension(c: &Counts) -> Value {
    let count = |name: &str, n: usize| json!({ "url": name, "valueUnsignedInt": n });
    json!([{
        "url": "https://bedside.care/fhir/StructureDefinition/ingest-counts",
        "extension": [
            count("created", c.created),
            count("updated", c.updated),
            count("unchanged", c.unchanged),
            count("heldForReview", c.held_for_review),
            count("supporting", c.supporting),
            count("notModelled", c.not_modelled),
            count("rejected", c.rejected),
            count("entriesWritten", c.entries_written),
        ]
    }])
}

fn transaction_response(report: &Report<EntryResult>) -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "transaction-response",
        "extension": counts_extension(&report.counts),
        "entry": report.results.iter().map(response_entry).collect::<Vec<_>>(),
    })
}

fn batch_response(report: &Report<BatchResult>) -> Value {
    let entries: Vec<Value> = report
        .results
        .iter()
        .map(|r| match r {
            BatchResult::Done(result) => response_entry(result),
            BatchResult::Refused { status, issues } => json!({
                "response": {
                    "status": format!("{status} {}", if *status == 400 { "Bad Request" } else { "Unprocessable Entity" }),
                    "outcome": operation_outcome(issues),
                }
            }),
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "batch-response",
        "extension": counts_extension(&report.counts),
        "entry": entries,
    })
}

/// Anything under `/fhir` that is not a supported interaction.
pub async fn not_found() -> FhirError {
    FhirError::new(
        StatusCode::NOT_FOUND,
        IssueType::NotSupported,
        "this server does not support that FHIR interaction: see /fhir/metadata",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_counted_outside_strings_only() {
        assert_eq!(too_deep(b"[[[1]]]", 3), None);
        assert_eq!(too_deep(b"[[[[1]]]]", 3), Some(4));
        assert_eq!(too_deep(br#"{"a":"[[[[[[[[\"[[["}"#, 2), None);
        assert_eq!(too_deep(br#"{"a":{"b":{"c":1}}}"#, 2), Some(3));
    }

    #[test]
    fn content_types() {
        assert!(check_content_type("application/fhir+json").is_ok());
        assert!(check_content_type("application/fhir+json; charset=utf-8").is_ok());
        assert!(check_content_type("application/json").is_ok());
        assert!(check_content_type("application/fhir+json; fhirVersion=4.0").is_ok());
        assert!(check_content_type("application/fhir+json; fhirVersion=3.0").is_err());
        assert!(check_content_type("application/fhir+xml").is_err());
        assert!(check_content_type("").is_err());
    }
}
