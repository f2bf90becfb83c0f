//! The app API's request and response bodies (`/api/v1/…`): the wire contract between
//! the server and the tablets. The same rules as [`crate::record`] apply: never rename a
//! field; new fields are optional with a default.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HomeId, StaffId};
use crate::record::{Entry, Resident};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a member of staff may do. Checked on the server for every route; the tablet
/// only hides what a role cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Role {
    /// Reads records; writes notes and observations.
    Carer,
    /// A senior carer or nurse: also edits care plans and About Me.
    Senior,
    /// Also manages staff, devices and the access log.
    Manager,
    /// Manages homes and source systems.
    Admin,
}

impl Role {
    pub const ALL: [Self; 4] = [Self::Carer, Self::Senior, Self::Manager, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Carer => "carer",
            Self::Senior => "senior",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Carer => "Carer",
            Self::Senior => "Senior carer / nurse",
            Self::Manager => "Manager",
            Self::Admin => "Administrator",
        }
    }
}

/// `POST /api/v1/auth/login`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffInfo {
    pub id: StaffId,
    pub username: String,
    pub role: Role,
    pub home: HomeInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HomeInfo {
    pub id: HomeId,
    pub name: String,
}

/// The answer to a good sign-in. The token goes in `Authorization: Bearer …` until
/// `expires_at`; after that the server answers 401 and the tablet asks to sign in again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub staff: StaffInfo,
}

/// `GET /api/v1/residents/{id}`: one resident and every current entry of their record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ResidentRecord {
    pub resident: Resident,
    pub entries: Vec<Entry>,
}

/// `GET /api/v1/records`: everything the signed-in member of staff's home may see, in
/// one download. (The paged sync protocol replaces this for incremental updates.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HomeRecords {
    pub home: HomeInfo,
    /// The server's time when the download was read: the tablet's "as of".
    pub as_of: DateTime<Utc>,
    pub residents: Vec<Resident>,
    pub entries: Vec<Entry>,
}

/// `GET /healthz`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Health {
    /// "ok" when the server can serve; "degraded" when its database does not answer.
    pub status: String,
    pub version: String,
    pub database: DatabaseHealth,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DatabaseHealth {
    /// "sqlite" or "postgres".
    pub backend: String,
    /// "ok" or "unavailable".
    pub status: String,
    /// The schema version (the newest migration applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<i64>,
}

/// Every error from `/api/…` has this body. `code` is stable (tablets and scripts branch
/// on it); `message` is for people and may change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// The stable error codes of the app API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ErrorCode {
    /// The request body or a parameter is malformed.
    BadRequest,
    /// Wrong username or password.
    InvalidCredentials,
    /// No token, or it has expired or been revoked: sign in again.
    Unauthenticated,
    /// Signed in, but the role may not do this.
    Forbidden,
    /// No such thing in this home (also for things that exist in another home).
    NotFound,
    /// The change clashes with what is stored (a taken username, say).
    Conflict,
    /// The sync cursor is from another epoch or behind the log's floor: take a snapshot.
    CursorExpired,
    /// A push skipped device sequence numbers (the body says which is expected).
    SequenceGap,
    /// The body is larger than the server accepts.
    PayloadTooLarge,
    /// The body is not JSON.
    UnsupportedMediaType,
    /// Too many attempts; wait and try again.
    RateLimited,
    /// Something went wrong on the server; nothing was changed.
    Internal,
    /// The database is not answering.
    Unavailable,
    /// A code this version of the app does not know (sent by a newer server): the
    /// tablet still shows the message.
    #[serde(other)]
    Other,
}
