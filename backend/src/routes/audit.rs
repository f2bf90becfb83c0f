//! The audit endpoints (`/api/v1/audit…`): tablets upload the views they recorded
//! (mostly offline); managers read their home's access log as JSON or CSV, and
//! administrators every home's.

use std::collections::HashSet;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bedside_domain::api::ApiError;
use bedside_domain::audit::{
    AuditPage, AuditRefusal, AuditRefusalCode, AuditUpload, AuditUploadResult,
};

use crate::audit::{self, ClientInfo, LogFilters};
use crate::auth::{Authorized, need};
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::NewAuditEvent;

/// How far ahead of the server's clock a tablet's clock may be before its event is
/// refused as impossible.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);

const JSON_DEFAULT_LIMIT: usize = 100;
const JSON_MAX_LIMIT: usize = 1_000;
const CSV_MAX_LIMIT: usize = 50_000;

/// Views of residents' records that a tablet recorded, most of them while offline. The
/// member of staff, their role and home are the caller's; each event is stored once
/// (its id is its identity) and an event about someone who has never lived in the
/// caller's home is refused, alone.
#[utoipa::path(
    post,
    path = "/api/v1/audit/events",
    tag = "audit",
    security(("bearer" = [])),
    request_body = AuditUpload,
    params(("x-bedside-device" = Option<String>, Header, description = "The tablet's name for itself, when the body gives none")),
    responses(
        (status = 200, description = "What was stored, already held, or refused", body = AuditUploadResult),
        (status = 400, description = "Malformed body, or a bad device name", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 413, description = "More than 500 events, or too large a body", body = ApiError),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
    client: ClientInfo,
    ApiJson(upload): ApiJson<AuditUpload>,
) -> Result<Json<AuditUploadResult>, AppError> {
    if upload.events.len() > AuditUpload::MAX_EVENTS {
        return Err(AppError::PayloadTooLarge(format!(
            "Send at most {} audit events at a time.",
            AuditUpload::MAX_EVENTS
        )));
    }
    let named = match upload.device.as_deref() {
        Some(raw) => Some(audit::device_name(raw).ok_or_else(|| {
            AppError::BadRequest(
                "device must be 1 to 128 letters, digits, spaces or -_.: characters".into(),
            )
        })?),
        None => client.device.clone(),
    };
    // A session bound to an enrolled tablet is audited as that tablet, whatever name the
    // body or header gives.
    let device = audit::audit_device(
        &staff,
        &ClientInfo {
            device: named,
            ..client.clone()
        },
    );
    let now = state.now();
    let mut refused = Vec::new();
    let mut events = Vec::with_capacity(upload.events.len());
    let mut seen = HashSet::new();
    // Who has lived in the home is asked once per person, not once per event.
    let mut known = std::collections::HashMap::new();
    for view in upload.events {
        if !seen.insert(view.id) {
            refused.push(AuditRefusal {
                id: view.id,
                code: AuditRefusalCode::Duplicate,
                message: "This id appears earlier in the same upload.".into(),
            });
            continue;
        }
        if view.at > now + CLOCK_SKEW {
            refused.push(AuditRefusal {
                id: view.id,
                code: AuditRefusalCode::Invalid,
                message: "The view's time is in the future: check the tablet's clock.".into(),
            });
            continue;
        }
        let lived_here = match known.get(&view.person_id) {
            Some(k) => *k,
            None => {
                let k = state
                    .store
                    .has_lived_in(staff.home.id, view.person_id)
                    .await?;
                known.insert(view.person_id, k);
                k
            }
        };
        if !lived_here {
            refused.push(AuditRefusal {
                id: view.id,
                code: AuditRefusalCode::NotFound,
                message: "There is no such resident in your home.".into(),
            });
            continue;
        }
        events.push(NewAuditEvent {
            id: view.id,
            home: staff.home.id,
            staff: staff.staff_id,
            staff_username: staff.username.clone(),
            role: staff.role,
            person: view.person_id,
            part: view.part,
            at: view.at,
            device: device.clone(),
            address: client.address.clone(),
            mode: view.mode,
            received_at: now,
        });
    }
    let new = state.store.append_audit(&events).await?;
    let stored = new.iter().filter(|n| **n).count();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Json(AuditUploadResult {
        stored: count(stored),
        already_held: count(new.len() - stored),
        refused,
    }))
}

fn filters(q: Result<Query<LogFilters>, QueryRejection>) -> Result<LogFilters, AppError> {
    q.map(|Query(f)| f)
        .map_err(|e| AppError::BadRequest(e.body_text()))
}

/// The access log: who viewed which resident's record, when, how and from where, newest
/// first. Managers see their own home's; administrators every home's (or one, with
/// `home`).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    security(("bearer" = [])),
    params(LogFilters),
    responses(
        (status = 200, description = "A page of the log", body = AuditPage),
        (status = 400, description = "A filter is malformed", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Only managers and administrators read the log", body = ApiError),
    )
)]
pub async fn log(
    State(state): State<AppState>,
    staff: Authorized<need::ReadAccessLog>,
    q: Result<Query<LogFilters>, QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    let filters = filters(q)?;
    let mut query = filters
        .to_query(&state, &staff, JSON_DEFAULT_LIMIT, JSON_MAX_LIMIT)
        .await?;
    // One more than asked says whether there is a next page.
    let limit = query.limit;
    query.limit = limit + 1;
    let mut events = state.store.audit_events(&query).await?;
    let next_before = if events.len() > limit {
        events.truncate(limit);
        events.last().map(audit::cursor)
    } else {
        None
    };
    Ok(Json(AuditPage {
        events,
        next_before,
    }))
}

/// The access log as CSV (RFC 4180, a header row), with the same filters. At most
/// 50,000 rows; when there are more, `X-Next-Before` holds the `before` for the rest.
#[utoipa::path(
    get,
    path = "/api/v1/audit.csv",
    tag = "audit",
    security(("bearer" = [])),
    params(LogFilters),
    responses(
        (status = 200, description = "The log as CSV", content_type = "text/csv", body = String),
        (status = 400, description = "A filter is malformed", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Only managers and administrators read the log", body = ApiError),
    )
)]
pub async fn log_csv(
    State(state): State<AppState>,
    staff: Authorized<need::ReadAccessLog>,
    q: Result<Query<LogFilters>, QueryRejection>,
) -> Result<Response, AppError> {
    let filters = filters(q)?;
    let mut query = filters
        .to_query(&state, &staff, CSV_MAX_LIMIT, CSV_MAX_LIMIT)
        .await?;
    let limit = query.limit;
    query.limit = limit + 1;
    let mut events = state.store.audit_events(&query).await?;
    let next_before = if events.len() > limit {
        events.truncate(limit);
        events.last().map(audit::cursor)
    } else {
        None
    };
    let mut body = String::with_capacity(200 * (events.len() + 1));
    audit::push_csv_record(&mut body, &audit::CSV_HEADER);
    for e in &events {
        audit::push_csv_record(&mut body, &audit::csv_row(e));
    }
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    let filename = format!(
        "attachment; filename=\"bedside-access-log-{}.csv\"",
        state.now().format("%Y%m%dT%H%M%SZ")
    );
    if let Ok(v) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(next) = next_before.and_then(|n| HeaderValue::from_str(&n).ok()) {
        headers.insert("x-next-before", next);
    }
    Ok(res)
}
