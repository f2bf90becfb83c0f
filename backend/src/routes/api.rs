//! The app API under `/api/v1`, and `/healthz`. Each handler carries its OpenAPI
//! description, and the router is built from the same list, so the document cannot
//! name a route that does not exist or miss one that does.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use bedside_domain::PersonId;
use bedside_domain::api::{ApiError, DatabaseHealth, Health, HomeRecords, ResidentRecord};
use bedside_domain::audit::AuditPart;
use bedside_domain::record::Resident;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::audit::{self as audit_log, ClientInfo};
use crate::auth::{Authorized, need};
use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bedside app API",
        description = "The API the Bedside tablet app uses. Every route that returns record \
                       data is scoped to the signed-in member of staff's home; an id from \
                       another home answers 404. Errors have the `ApiError` body.",
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and database status"),
        (name = "auth", description = "Staff sign-in: short-lived access tokens, rotating refresh tokens"),
        (name = "devices", description = "The home's enrolled tablets (managers)"),
        (name = "records", description = "Residents and their records, scoped to the caller's home"),
        (name = "sync", description = "Offline-first sync: a home's change log and tablets' pushes"),
        (name = "audit", description = "Who viewed which resident's record: tablets' uploads and the access log"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

/// The API routes and their OpenAPI document, from one list.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(super::auth::login))
        .routes(routes!(super::auth::refresh))
        .routes(routes!(super::auth::logout))
        .routes(routes!(super::devices::enrol, super::devices::list))
        .routes(routes!(super::devices::revoke))
        .routes(routes!(list_residents))
        .routes(routes!(get_resident))
        .routes(routes!(home_records))
        .routes(routes!(get_attachment))
        .routes(routes!(super::sync::status))
        .routes(routes!(super::sync::snapshot))
        .routes(routes!(super::sync::changes))
        .routes(routes!(super::sync::push))
        .routes(routes!(super::audit::upload))
        .routes(routes!(super::audit::log))
        .routes(routes!(super::audit::log_csv))
}

/// Whether the server and its database are answering.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let version = env!("CARGO_PKG_VERSION").to_owned();
    match state.store.status().await {
        Ok(db) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                version,
                database: DatabaseHealth {
                    backend: db.backend.into(),
                    status: "ok".into(),
                    schema_version: db.schema_version,
                },
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "degraded".into(),
                    version,
                    database: DatabaseHealth {
                        backend: "unknown".into(),
                        status: "unavailable".into(),
                        schema_version: None,
                    },
                }),
            )
        }
    }
}

/// The current residents of the caller's home, by room.
#[utoipa::path(
    get,
    path = "/api/v1/residents",
    tag = "records",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The home's residents", body = Vec<Resident>),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The role may not, or the tablet is revoked (`device_revoked`)", body = ApiError),
    )
)]
async fn list_residents(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
) -> Result<Json<Vec<Resident>>, AppError> {
    Ok(Json(state.store.residents(staff.home.id).await?))
}

fn parse_person_id(id: &str) -> Result<PersonId, AppError> {
    PersonId::parse(id).map_err(|_| AppError::BadRequest(format!("{id:?} is not a resident id")))
}

/// One resident of the caller's home and every current entry of their record. Audited as
/// a view of the resident's summary.
#[utoipa::path(
    get,
    path = "/api/v1/residents/{id}",
    tag = "records",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The resident's person id (UUID)"),
        ("x-bedside-device" = Option<String>, Header, description = "The tablet's name for itself, kept in the audit"),
    ),
    responses(
        (status = 200, description = "The resident's record", body = ResidentRecord),
        (status = 400, description = "Not an id", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The role may not, or the tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 404, description = "Not a resident of the caller's home", body = ApiError),
    )
)]
async fn get_resident(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<Json<ResidentRecord>, AppError> {
    let person = parse_person_id(&id)?;
    let resident = state
        .store
        .resident(staff.home.id, person)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such resident in your home.".into()))?;
    let entries = state.store.resident_entries(staff.home.id, person).await?;
    audit_log::record_view(&state, &staff, person, AuditPart::Summary, &client).await?;
    Ok(Json(ResidentRecord { resident, entries }))
}

/// Everything the caller's home may see, in one download: the tablet's first fill.
#[utoipa::path(
    get,
    path = "/api/v1/records",
    tag = "records",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The home's residents and their current entries", body = HomeRecords),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The role may not, or the tablet is revoked (`device_revoked`)", body = ApiError),
    )
)]
async fn home_records(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
) -> Result<Json<HomeRecords>, AppError> {
    let as_of = state.now();
    let (residents, entries) = state.store.home_records(staff.home.id).await?;
    Ok(Json(HomeRecords {
        home: staff.home.clone(),
        as_of,
        residents,
        entries,
    }))
}

/// A file that came with a document (a PDF letter), for staff of the home where its
/// person lives. Audited as a view of an attachment of that person's record.
#[utoipa::path(
    get,
    path = "/api/v1/attachments/{id}",
    tag = "records",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The attachment id from the document entry"),
        ("x-bedside-device" = Option<String>, Header, description = "The tablet's name for itself, kept in the audit"),
    ),
    responses(
        (status = 200, description = "The file, with its own content type", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "The role may not, or the tablet is revoked (`device_revoked`)", body = ApiError),
        (status = 404, description = "No such file for a resident of the caller's home", body = ApiError),
    )
)]
async fn get_attachment(
    State(state): State<AppState>,
    staff: Authorized<need::ReadRecords>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<axum::response::Response, AppError> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let not_found =
        || AppError::NotFound("There is no such file for a resident of your home.".into());
    if id.len() > 64 {
        return Err(not_found());
    }
    let file = state
        .store
        .attachment(staff.home.id, &id)
        .await?
        .ok_or_else(not_found)?;
    audit_log::record_view(
        &state,
        &staff,
        file.person_id,
        AuditPart::Attachment,
        &client,
    )
    .await?;
    let mut res = file.data.into_response();
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.headers_mut().insert(header::CONTENT_TYPE, content_type);
    // Shown in the browser's own viewer, never run as a page of this site.
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}
