//! The home's enrolled tablets (`/api/v1/devices…`), for managers: enrol one (its secret
//! is shown once), list them with their last contact, revoke one. Administrators see and
//! revoke every home's.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bedside_domain::api::{ApiError, Device, EnrolDeviceRequest, EnrolledDevice, Permission};
use bedside_domain::{DeviceId, HomeId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::audit;
use crate::auth::{self, Authorized, need};
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Enrol a tablet for the caller's home. The answer holds the tablet's secret, shown this
/// once: the tablet keeps it as a non-extractable key and signs in with a proof made from
/// it (see `DeviceCredential`). It also holds the tablet's unlock key, which each sign-in
/// with the tablet's credential gives again.
#[utoipa::path(
    post,
    path = "/api/v1/devices",
    tag = "devices",
    security(("bearer" = [])),
    request_body = EnrolDeviceRequest,
    responses(
        (status = 201, description = "Enrolled; the secret is not shown again", body = EnrolledDevice),
        (status = 400, description = "Malformed body or name", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Only managers and administrators enrol tablets", body = ApiError),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    staff: Authorized<need::ManageDevices>,
    ApiJson(req): ApiJson<EnrolDeviceRequest>,
) -> Result<Response, AppError> {
    let name = audit::device_name(&req.name).ok_or_else(|| {
        AppError::BadRequest(
            "name must be 1 to 128 letters, digits, spaces or -_.: characters".into(),
        )
    })?;
    // 32 random bytes, the same as a token; only the hash of its sign-in proof is stored.
    let secret = auth::new_token().map_err(AppError::Internal)?;
    let proof = auth::device_proof(&secret).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("a new device secret is not base64url"))
    })?;
    let unlock_key = auth::new_token().map_err(AppError::Internal)?;
    let device = state
        .store
        .enrol_device(
            staff.home.id,
            &name,
            &auth::token_hash(&proof),
            &unlock_key,
            staff.staff_id,
            state.now(),
        )
        .await?;
    tracing::info!(device = %device.id, staff = %staff.staff_id, "tablet enrolled");
    let mut res = (
        StatusCode::CREATED,
        Json(EnrolledDevice {
            device,
            secret,
            unlock_key,
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceFilter {
    /// Administrators only: one home's tablets (otherwise every home's).
    home: Option<String>,
}

/// The home's tablets, in order of enrolment, with their last contact. Administrators
/// see every home's, or one with `home`.
#[utoipa::path(
    get,
    path = "/api/v1/devices",
    tag = "devices",
    security(("bearer" = [])),
    params(DeviceFilter),
    responses(
        (status = 200, description = "The tablets", body = Vec<Device>),
        (status = 400, description = "home is not a home id", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Only managers and administrators see tablets; a manager only their own home's", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Authorized<need::ManageDevices>,
    q: Result<Query<DeviceFilter>, QueryRejection>,
) -> Result<Json<Vec<Device>>, AppError> {
    let Query(filter) = q.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let asked = filter
        .home
        .as_deref()
        .map(|h| {
            HomeId::parse(h.trim())
                .map_err(|_| AppError::BadRequest("home must be a home id (UUID)".into()))
        })
        .transpose()?;
    let home = match asked {
        _ if staff.role.may(Permission::AllHomes) => asked,
        None => Some(staff.home.id),
        Some(h) if h == staff.home.id => Some(h),
        // As the access log does: asking for another home is refused, not emptied.
        Some(_) => return Err(AppError::Forbidden),
    };
    Ok(Json(state.store.devices(home).await?))
}

/// Revoke a tablet: at its next contact the server answers `device_revoked` (and the
/// tablet wipes its data), and it cannot be signed in on again. Revoking twice changes
/// nothing.
#[utoipa::path(
    post,
    path = "/api/v1/devices/{id}/revoke",
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The tablet's id")),
    responses(
        (status = 200, description = "Revoked (now or before)", body = Device),
        (status = 400, description = "Not an id", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Only managers and administrators revoke tablets", body = ApiError),
        (status = 404, description = "No such tablet in the caller's home", body = ApiError),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    staff: Authorized<need::ManageDevices>,
    Path(id): Path<String>,
) -> Result<Json<Device>, AppError> {
    let not_found = || AppError::NotFound("There is no such tablet in your home.".into());
    let id = DeviceId::parse(&id)
        .map_err(|_| AppError::BadRequest(format!("{id:?} is not a device id")))?;
    let row = state.store.device(id).await?.ok_or_else(not_found)?;
    if row.home != staff.home.id && !staff.role.may(Permission::AllHomes) {
        return Err(not_found());
    }
    let row = state
        .store
        .revoke_device(id, state.now())
        .await?
        .ok_or_else(not_found)?;
    tracing::info!(device = %id, staff = %staff.staff_id, "tablet revoked");
    Ok(Json(row.device))
}
