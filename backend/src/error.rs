//! The app API's one error type. Every `/api` failure becomes an [`ApiError`] body with a
//! stable code; server faults are logged here (without record contents) and reported to
//! the caller without internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bedside_domain::api::{ApiError, ErrorCode};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the username or password is not right")]
    InvalidCredentials,
    #[error("sign in again: no valid session")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("too many sign-in attempts: try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("this tablet is not enrolled for your home: ask your manager to enrol it")]
    InvalidDevice,
    #[error("this tablet has been revoked: its data is being removed")]
    DeviceRevoked,
    #[error("your session has ended: sign in again")]
    SessionExpired,
    #[error("your session was ended for safety: sign in again")]
    SessionRevoked,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("this sync position is no longer available: take a snapshot")]
    CursorExpired,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the database is not answering")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            Self::InvalidCredentials => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            Self::Forbidden => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::InvalidDevice => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidDevice),
            Self::DeviceRevoked => (StatusCode::FORBIDDEN, ErrorCode::DeviceRevoked),
            Self::SessionExpired => (StatusCode::UNAUTHORIZED, ErrorCode::SessionExpired),
            Self::SessionRevoked => (StatusCode::UNAUTHORIZED, ErrorCode::SessionRevoked),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Self::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            Self::CursorExpired => (StatusCode::GONE, ErrorCode::CursorExpired),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) => {
                Self::Unavailable(e)
            }
            other => Self::Internal(other.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            // The error chain names tables and constraints, never record contents.
            tracing::error!(error = ?self, "request failed");
        }
        let message = match &self {
            Self::Internal(_) => {
                "Something went wrong on the server; nothing was changed.".to_owned()
            }
            other => other.to_string(),
        };
        let mut response = (status, Json(ApiError { code, message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let Self::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}
