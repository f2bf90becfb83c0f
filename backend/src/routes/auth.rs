//! Sign-in, refresh and sign-out (`/api/v1/auth/…`).
//!
//! A sign-in starts a session and answers a short-lived access token and a refresh
//! token. A refresh trades the refresh token for a new pair; a refresh token used a
//! second time ends the whole session (someone else has a copy). A session ends when its
//! member of staff signs out, when it is not used for the idle time, and at its absolute
//! end. A sign-in that names an enrolled tablet binds the session to it: once the tablet
//! is revoked, every request of the session is answered 403 `device_revoked`.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bedside_domain::DeviceId;
use bedside_domain::api::{
    ApiError, DeviceCredential, LoginResponse, RefreshRequest, SignInRequest, SignInResponse,
    StaffInfo,
};
use chrono::SubsecRound;
use uuid::Uuid;

use crate::audit::ClientInfo;
use crate::auth::{self, CurrentStaff, TokenPair};
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::limits::retry_after_secs;
use crate::state::AppState;
use crate::store::{NewSession, SessionEnd, StaffRecord, TokenKind};

const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 1024;
const MAX_SECRET: usize = 256;

/// Sign in with a username and password (and, on an enrolled tablet, its device
/// credential); answers a short-lived access token and a refresh token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = SignInResponse),
        (status = 400, description = "Malformed body", body = ApiError),
        (status = 401, description = "Wrong username or password (`invalid_credentials`), or a device credential that is not right for this home (`invalid_device`)", body = ApiError),
        (status = 403, description = "The tablet has been revoked (`device_revoked`)", body = ApiError),
        (status = 429, description = "Too many attempts for this account or from this address (`rate_limited`); `Retry-After` says how many seconds to wait", body = ApiError),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Response, AppError> {
    let limits = &state.login_limits;
    let clock = Instant::now();
    if let Some(address) = &client.address {
        limits
            .address_attempts
            .try_record(address, clock)
            .map_err(rate_limited)?;
    }
    let SignInRequest { login, device } = req;
    let username = login.username.trim().to_owned();
    if username.is_empty() || login.password.is_empty() {
        return Err(AppError::BadRequest(
            "Enter your username and password.".into(),
        ));
    }
    // Counted by the name as typed, whether or not it exists: the limit says nothing
    // about who has an account.
    let account = username.to_lowercase();
    if let Some(wait) = limits.account_failures.blocked_for(&account, clock) {
        tracing::info!(username = ?username, "sign-in refused: too many failures");
        return Err(rate_limited(wait));
    }
    let staff = if username.len() > MAX_USERNAME || login.password.len() > MAX_PASSWORD {
        None
    } else {
        check_password(&state, &username, login.password).await?
    };
    let Some(staff) = staff else {
        limits.account_failures.record(&account, Instant::now());
        tracing::info!(username = ?username, "sign-in refused");
        return Err(AppError::InvalidCredentials);
    };
    limits.account_failures.clear(&account);
    let (device, unlock_key) = match device {
        Some(credential) => {
            let (id, key) = check_device(&state, &staff, &credential).await?;
            (Some(id), key)
        }
        None => (None, None),
    };

    let now = state.now();
    // To the microsecond, as stored, so that a refresh answers the same end.
    let session_end = (now + state.settings.session_max).trunc_subsecs(6);
    let pair = TokenPair::issue(&state.settings, now, session_end).map_err(AppError::Internal)?;
    let session = Uuid::new_v4();
    state
        .store
        .create_session(&NewSession {
            id: session,
            staff: staff.id,
            device,
            now,
            expires_at: session_end,
            tokens: pair.stored.clone(),
        })
        .await?;
    if let Some(device) = device {
        state.store.touch_device(device, now).await?;
    }
    tracing::info!(staff = %staff.id, device = ?device, "signed in");
    Ok(signed_in(
        pair,
        StaffInfo {
            id: staff.id,
            username: staff.username,
            role: staff.role,
            home: staff.home,
        },
        unlock_key,
    ))
}

fn rate_limited(wait: std::time::Duration) -> AppError {
    AppError::RateLimited {
        retry_after_secs: retry_after_secs(wait),
    }
}

/// The active member of staff with this username and password, or `None`. A username
/// that does not exist is checked against a decoy hash, so it takes as long.
async fn check_password(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<Option<StaffRecord>, AppError> {
    let staff = state
        .store
        .staff_by_username(username)
        .await?
        .filter(|s| s.active);
    let stored = staff
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| auth::decoy_hash().to_owned());
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(staff.filter(|_| matches))
}

/// The tablet a sign-in names, and its unlock key, if its proof is right, it is not
/// revoked and it belongs to the staff member's home. Checked only after the password,
/// so it reveals nothing about accounts.
async fn check_device(
    state: &AppState,
    staff: &StaffRecord,
    credential: &DeviceCredential,
) -> Result<(DeviceId, Option<String>), AppError> {
    if credential.secret.is_empty() || credential.secret.len() > MAX_SECRET {
        return Err(AppError::InvalidDevice);
    }
    let Some(row) = state.store.device(credential.id).await? else {
        return Err(AppError::InvalidDevice);
    };
    if !auth::same_hash(&row.secret_hash, &auth::token_hash(&credential.secret)) {
        return Err(AppError::InvalidDevice);
    }
    if row.device.revoked_at.is_some() {
        return Err(AppError::DeviceRevoked);
    }
    if row.home != staff.home.id {
        return Err(AppError::InvalidDevice);
    }
    Ok((row.device.id, row.unlock_key))
}

/// The answer to a sign-in or refresh (a refresh never carries the unlock key). Never
/// stored by a cache on the way.
fn signed_in(pair: TokenPair, staff: StaffInfo, device_unlock_key: Option<String>) -> Response {
    let mut res = Json(SignInResponse {
        login: LoginResponse {
            token: pair.access,
            expires_at: pair.access_expires_at,
            staff,
        },
        refresh_token: pair.refresh,
        refresh_expires_at: pair.refresh_expires_at,
        device_unlock_key,
    })
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Trade a refresh token for a new access token and a new refresh token. The old
/// refresh token stops working; using it again ends the whole session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair of tokens", body = SignInResponse),
        (status = 400, description = "Malformed body", body = ApiError),
        (status = 401, description = "Not a refresh token or signed out (`unauthenticated`); the session was idle too long or reached its end (`session_expired`); the token had already been used, so the session was ended (`session_revoked`; a single retry of the most recent trade within a minute, whose answer may have been lost, gets a new pair instead)", body = ApiError),
        (status = 403, description = "The tablet has been revoked (`device_revoked`)", body = ApiError),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Response, AppError> {
    let token = req.refresh_token.trim();
    if token.is_empty() || token.len() > 512 {
        return Err(AppError::Unauthenticated);
    }
    let hash = auth::token_hash(token);
    let found = state
        .store
        .token_session(&hash)
        .await?
        .filter(|f| f.kind == TokenKind::Refresh)
        .ok_or(AppError::Unauthenticated)?;
    if found
        .device
        .as_ref()
        .is_some_and(|d| d.revoked_at.is_some())
    {
        return Err(AppError::DeviceRevoked);
    }
    match found.ended {
        Some(SessionEnd::Reuse) => return Err(AppError::SessionRevoked),
        Some(SessionEnd::Expired) => return Err(AppError::SessionExpired),
        Some(SessionEnd::Logout) => return Err(AppError::Unauthenticated),
        None => {}
    }
    if !found.staff_active {
        return Err(AppError::Unauthenticated);
    }
    let now = state.now();
    let traded_since = now - state.settings.refresh_grace;
    if found.replaced_at.is_some_and(|t| t < traded_since) {
        return reused(&state, found.session_id, now).await;
    }
    if auth::session_over(&found, &state.settings, now) || now >= found.token_expires_at {
        state
            .store
            .end_session(found.session_id, SessionEnd::Expired, now)
            .await?;
        return Err(AppError::SessionExpired);
    }
    let pair = TokenPair::issue(&state.settings, now, found.session_expires_at)
        .map_err(AppError::Internal)?;
    let traded = if found.replaced_at.is_some() {
        // Traded moments ago: the answer may have been lost on the way to the tablet,
        // which would otherwise be signed out for a dropped connection.
        state
            .store
            .regrant_refresh(&hash, found.session_id, now, traded_since, &pair.stored)
            .await?
    } else {
        state
            .store
            .rotate_refresh(&hash, found.session_id, now, &pair.stored)
            .await?
    };
    if !traded {
        // Another request traded the same token a moment ago.
        return reused(&state, found.session_id, now).await;
    }
    if let Some(device) = &found.device {
        state.store.touch_device(device.id, now).await?;
    }
    Ok(signed_in(
        pair,
        StaffInfo {
            id: found.staff_id,
            username: found.username,
            role: found.role,
            home: found.home,
        },
        None,
    ))
}

/// A refresh token used a second time: one of the two users is not who they say. The
/// session ends for both.
async fn reused(
    state: &AppState,
    session: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Response, AppError> {
    state
        .store
        .end_session(session, SessionEnd::Reuse, now)
        .await?;
    tracing::warn!(session = %session, "a refresh token was used twice: session ended");
    Err(AppError::SessionRevoked)
}

/// End this session: its access and refresh tokens stop working at once.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The tablet has been revoked (`device_revoked`)", body = ApiError),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    staff: CurrentStaff,
) -> Result<StatusCode, AppError> {
    state
        .store
        .end_session(staff.session_id, SessionEnd::Logout, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
