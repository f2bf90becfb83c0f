//! The sync endpoints (`/api/v1/sync/…`): status, snapshot, changes and push, scoped to
//! the signed-in member of staff's home. The protocol is in DESIGN.md §5; the tablet's
//! side of it is `bedside_domain::sync::plan`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bedside_domain::EntryId;
use bedside_domain::api::ApiError;
use bedside_domain::sync::wire::{
    ChangesPage, Cursor, PushRequest, PushResponse, SequenceGap, SnapshotPage, SyncStatus,
};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Authorized, need};
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::sync::{self, PushError};

/// Default and largest page sizes, in entries or changes.
const DEFAULT_LIMIT: usize = 2_000;
const MAX_LIMIT: usize = 5_000;
/// About how much one page of changes carries before it is cut.
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

fn limit(requested: Option<usize>) -> usize {
    requested.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// Where the home's change log stands: lets a tablet skip a pull when nothing changed.
#[utoipa::path(
    get,
    path = "/api/v1/sync/status",
    tag = "sync",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The head of the home's log", body = SyncStatus),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet is revoked (`device_revoked`)", body = ApiError),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
) -> Result<Json<SyncStatus>, AppError> {
    let head = state.store.sync_head(staff.home.id).await?;
    Ok(Json(SyncStatus {
        head: Cursor {
            epoch: head.epoch,
            seq: head.head,
        },
        floor: head.floor,
        server_time: state.now(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SnapshotQuery {
    /// The `next` of the previous page; absent for the first.
    page: Option<String>,
    /// Entries per page (default 2000, at most 5000).
    limit: Option<usize>,
}

fn page_token(epoch: &str, pinned: u64, after: EntryId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{epoch}.{pinned}.{after}"))
}

fn parse_page_token(token: &str) -> Option<(String, u64, EntryId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = text.splitn(3, '.');
    let epoch = parts.next()?.to_owned();
    let pinned = parts.next()?.parse().ok()?;
    let after = EntryId::parse(parts.next()?).ok()?;
    Some((epoch, pinned, after))
}

/// The home's current records, page by page, pinned to the log position of the first
/// page. After the last page, pull changes since `pinned`.
#[utoipa::path(
    get,
    path = "/api/v1/sync/snapshot",
    tag = "sync",
    security(("bearer" = [])),
    params(SnapshotQuery),
    responses(
        (status = 200, description = "A page of the home's records", body = SnapshotPage),
        (status = 400, description = "Not a page token", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 410, description = "The log started again since the first page: start the snapshot again", body = ApiError),
    )
)]
pub async fn snapshot(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
    Query(q): Query<SnapshotQuery>,
) -> Result<Json<SnapshotPage>, AppError> {
    let (pinned, after) = match q.page.as_deref() {
        None => (None, None),
        Some(token) => {
            let (epoch, pinned, after) = parse_page_token(token)
                .ok_or_else(|| AppError::BadRequest("that is not a snapshot page token".into()))?;
            let head = state.store.sync_head(staff.home.id).await?;
            if epoch != head.epoch {
                return Err(AppError::CursorExpired);
            }
            (Some(pinned), Some(after))
        }
    };
    let read = state
        .store
        .snapshot_page(staff.home.id, pinned, after, limit(q.limit))
        .await?;
    let epoch = read.head.epoch.clone();
    Ok(Json(SnapshotPage {
        pinned: Cursor {
            epoch: epoch.clone(),
            seq: read.pinned,
        },
        residents: read.residents,
        entries: read.entries,
        next: read
            .next_after
            .map(|after| page_token(&epoch, read.pinned, after)),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ChangesQuery {
    /// The cursor of the last change the tablet holds (EPOCH.SEQ).
    since: String,
    /// Changes per page (default 2000, at most 5000).
    limit: Option<usize>,
}

/// The changes after `since`, in order: a consistent prefix of the home's log.
#[utoipa::path(
    get,
    path = "/api/v1/sync/changes",
    tag = "sync",
    security(("bearer" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangesPage),
        (status = 400, description = "Not a cursor", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 410, description = "The cursor is from another epoch or behind the log's floor: take a snapshot", body = ApiError),
    )
)]
pub async fn changes(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<ChangesPage>, AppError> {
    let since: Cursor = q
        .since
        .parse()
        .map_err(|e| AppError::BadRequest(format!("{e}")))?;
    let head = state.store.sync_head(staff.home.id).await?;
    if since.epoch != head.epoch || since.seq < head.floor || since.seq > head.head {
        return Err(AppError::CursorExpired);
    }
    let read = state
        .store
        .changes_since(staff.home.id, since.seq, limit(q.limit), MAX_PAGE_BYTES)
        .await?;
    // Written meanwhile in another epoch? (The log started again between the two reads.)
    if read.head.epoch != since.epoch {
        return Err(AppError::CursorExpired);
    }
    Ok(Json(ChangesPage {
        more: read.last_seq < read.head.head,
        cursor: Cursor {
            epoch: read.head.epoch,
            seq: read.last_seq,
        },
        changes: read.changes,
    }))
}

/// Applies what a tablet recorded, exactly once each.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    tag = "sync",
    security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Each mutation's outcome (retries get the stored outcome)", body = PushResponse),
        (status = 400, description = "Malformed body, or too many mutations", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet belongs to another home, the role may not, or the tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 409, description = "The device sequence has a gap: renumber from `expected`", body = SequenceGap),
    )
)]
pub async fn push(
    State(state): State<AppState>,
    staff: Authorized<need::RecordCare>,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Response, AppError> {
    match sync::push(&*state.store, &staff, request, state.now()).await {
        Ok(response) => Ok(Json(response).into_response()),
        Err(PushError::Gap { expected }) => Ok((
            StatusCode::CONFLICT,
            Json(SequenceGap {
                code: "sequence_gap".into(),
                message: format!(
                    "the tablet's changes skip numbers: the server expects number {expected} next"
                ),
                expected,
            }),
        )
            .into_response()),
        Err(PushError::WrongHome) => Err(AppError::Forbidden),
        Err(PushError::Invalid(m)) => Err(AppError::BadRequest(m)),
        Err(PushError::Store(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_refuse_garbage() {
        let id = EntryId(uuid::Uuid::from_u128(7));
        let token = page_token("ab12", 42, id);
        assert_eq!(parse_page_token(&token), Some(("ab12".into(), 42, id)));
        assert_eq!(parse_page_token("not-a-token"), None);
        assert_eq!(parse_page_token(&URL_SAFE_NO_PAD.encode("ab12.x.y")), None);
    }
}
