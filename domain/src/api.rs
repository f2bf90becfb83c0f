//! The app API's request and response bodies (`/api/v1/…`): the wire contract between
//! the server and the tablets. The same rules as [`crate::record`] apply: never rename a
//! field; new fields are optional with a default.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, HomeId, StaffId};
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

    /// Whether this role may do `what`: the one table the server checks on every route
    /// (and the tablet uses to hide what a role cannot do). Each role can do everything
    /// the one before it can.
    pub fn may(self, what: Permission) -> bool {
        match what {
            Permission::ReadRecords | Permission::RecordCare => true,
            Permission::EditSections => matches!(self, Self::Senior | Self::Manager | Self::Admin),
            Permission::ManageDevices | Permission::ReadAccessLog => {
                matches!(self, Self::Manager | Self::Admin)
            }
            Permission::AllHomes => self == Self::Admin,
        }
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

/// What a role may do, as [`Role::may`] decides. Source systems are not staff: they only
/// write to `/fhir` with their own credential, and no permission here applies to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read the home's residents and records (and sync them, and upload offline views).
    ReadRecords,
    /// Write care notes, observations and corrections through a push.
    RecordCare,
    /// Edit care plan and About Me sections, and settle proposals waiting for review.
    EditSections,
    /// Enrol, list and revoke the home's tablets.
    ManageDevices,
    /// Read the home's access log.
    ReadAccessLog,
    /// Act on every home, not only one's own (administrators).
    AllHomes,
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

/// `POST /api/v1/auth/login` as the server reads it: the username and password, and on an
/// enrolled tablet its device credential, which binds the session to that tablet. (A
/// separate type with [`LoginRequest`] flattened into it, so code that builds a
/// `LoginRequest` keeps compiling; on the wire it is one object.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInRequest {
    #[serde(flatten)]
    pub login: LoginRequest,
    /// Absent when signing in without an enrolled tablet (a manager enrolling one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceCredential>,
}

/// An enrolled tablet's proof of identity: its id and its sign-in proof,
/// [`DEVICE_SIGN_IN_LABEL`] signed with HMAC-SHA256 under the secret shown once at
/// enrolment (base64url without padding). The tablet keeps the secret only as a
/// non-extractable key, so the proof is all it can send, and the secret itself never
/// travels again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeviceCredential {
    pub id: DeviceId,
    pub secret: String,
}

/// What a tablet signs with its device secret to make its sign-in proof
/// ([`DeviceCredential::secret`]). Distinct from the label the tablet's PIN keys use, so
/// a sign-in proof says nothing about them.
pub const DEVICE_SIGN_IN_LABEL: &str = "bedside:device-sign-in:v1";

impl std::fmt::Debug for DeviceCredential {
    // The secret never reaches a log through a Debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The answer to a sign-in and to a refresh: [`LoginResponse`] (the access token and who
/// signed in) and a refresh token. The access token is short-lived; before it expires
/// the tablet trades the refresh token at `POST /api/v1/auth/refresh` for a new pair.
/// Each refresh token works once: using one again ends the whole session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignInResponse {
    #[serde(flatten)]
    pub login: LoginResponse,
    pub refresh_token: String,
    /// The latest the refresh token can work: the session's absolute end. A session not
    /// used for the idle time (30 minutes by default) ends sooner.
    pub refresh_expires_at: DateTime<Utc>,
    /// The tablet's unlock key (32 bytes, base64url), given only to a sign-in that
    /// presented a good device credential, and never on a refresh. The tablet keeps its
    /// data key wrapped under it, so a member of staff new to the tablet can be given
    /// the data key after signing in online, without anyone's PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_unlock_key: Option<String>,
}

/// `POST /api/v1/auth/refresh`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A tablet enrolled for a home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Device {
    pub id: DeviceId,
    pub name: String,
    pub enrolled_at: DateTime<Utc>,
    /// The username of the manager who enrolled it.
    pub enrolled_by: String,
    /// When a session on it last reached the server (kept to the minute).
    pub last_contact: Option<DateTime<Utc>>,
    /// When it was revoked; from then on the server refuses it.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/devices`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnrolDeviceRequest {
    /// What staff call the tablet ("Trolley 2"): 1 to 128 letters, digits, spaces or
    /// `-_.:`, starting with a letter or digit.
    pub name: String,
}

/// The answer to an enrolment. The secret is shown this once: the server keeps only the
/// SHA-256 of the sign-in proof made from it ([`DeviceCredential`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EnrolledDevice {
    pub device: Device,
    /// 32 random bytes, base64url without padding.
    pub secret: String,
    /// The tablet's unlock key (32 bytes, base64url): see
    /// [`SignInResponse::device_unlock_key`]. The server gives it again at each sign-in
    /// with this device's credential, until the device is revoked.
    pub unlock_key: String,
}

impl std::fmt::Debug for EnrolledDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolledDevice")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
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
    /// Too many attempts; wait and try again (`Retry-After` says how long, in seconds).
    RateLimited,
    /// The tablet's device credential is not right (unknown, wrong secret, or another
    /// home's tablet).
    InvalidDevice,
    /// The tablet has been revoked: it must wipe its local data.
    DeviceRevoked,
    /// The session ended because it was idle too long or reached its absolute limit:
    /// sign in again.
    SessionExpired,
    /// The session was ended because a refresh token was used twice (a sign of a stolen
    /// token): sign in again.
    SessionRevoked,
    /// Something went wrong on the server; nothing was changed.
    Internal,
    /// The database is not answering.
    Unavailable,
    /// A code this version of the app does not know (sent by a newer server): the
    /// tablet still shows the message.
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_what_the_one_before_it_may_and_more() {
        use Permission::*;
        let table = [
            (Role::Carer, vec![ReadRecords, RecordCare]),
            (Role::Senior, vec![ReadRecords, RecordCare, EditSections]),
            (
                Role::Manager,
                vec![
                    ReadRecords,
                    RecordCare,
                    EditSections,
                    ManageDevices,
                    ReadAccessLog,
                ],
            ),
            (
                Role::Admin,
                vec![
                    ReadRecords,
                    RecordCare,
                    EditSections,
                    ManageDevices,
                    ReadAccessLog,
                    AllHomes,
                ],
            ),
        ];
        let all = [
            ReadRecords,
            RecordCare,
            EditSections,
            ManageDevices,
            ReadAccessLog,
            AllHomes,
        ];
        for (role, allowed) in table {
            for p in all {
                assert_eq!(role.may(p), allowed.contains(&p), "{role:?} {p:?}");
            }
        }
    }

    #[test]
    fn sign_in_is_one_object_on_the_wire_and_old_bodies_still_read() {
        let old: SignInRequest =
            serde_json::from_str(r#"{"username":"ann","password":"pw"}"#).expect("old body");
        assert_eq!(old.device, None);
        let id = "0192f3c4-0000-7000-8000-000000000001";
        let new: SignInRequest = serde_json::from_str(&format!(
            r#"{{"username":"ann","password":"pw","device":{{"id":"{id}","secret":"s"}}}}"#
        ))
        .expect("new body");
        assert_eq!(new.login.username, "ann");
        assert_eq!(
            new.device.as_ref().map(|d| d.id.to_string()),
            Some(id.into())
        );
        let json = serde_json::to_value(&new).expect("serialise");
        assert_eq!(json["password"], "pw");
        assert_eq!(json["device"]["secret"], "s");
        // The secret never shows in a Debug print.
        assert!(!format!("{new:?}").contains("\"s\""));
    }

    #[test]
    fn new_error_codes_travel_as_snake_case() {
        for (code, text) in [
            (ErrorCode::InvalidDevice, "\"invalid_device\""),
            (ErrorCode::DeviceRevoked, "\"device_revoked\""),
            (ErrorCode::SessionExpired, "\"session_expired\""),
            (ErrorCode::SessionRevoked, "\"session_revoked\""),
            (ErrorCode::RateLimited, "\"rate_limited\""),
        ] {
            assert_eq!(serde_json::to_string(&code).expect("serialise"), text);
        }
    }
}
