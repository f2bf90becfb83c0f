//! The audit log's wire types: which part of a resident's record was viewed, the tablet's
//! upload of views made offline (`POST /api/v1/audit/events`) and the manager's access log
//! (`GET /api/v1/audit`). The same rules as [`crate::record`] apply: never rename a field
//! or a variant; new fields are optional with a default.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::Role;
use crate::ids::{HomeId, PersonId, StaffId};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Which part of a resident's record was viewed. A closed set: the server refuses a part
/// it does not know (an upload from a newer tablet then fails as a whole and is retried
/// after the server is updated, rather than being stored as something else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AuditPart {
    /// The resident's summary (banner, allergies, CPR decision, medicines, latest results).
    /// `GET /api/v1/residents/{id}` reads the whole record and is audited as this.
    Summary,
    /// The list of documents.
    Documents,
    /// One document (a letter, a discharge summary).
    Document,
    /// Lab results and their trends.
    Results,
    Medicines,
    CarePlan,
    AboutMe,
    /// Care notes and observations.
    Notes,
    /// The handover view.
    Handover,
    /// A file attached to a document (`GET /api/v1/attachments/{id}`).
    Attachment,
    /// The International Patient Summary (`GET /fhir/Patient/{id}/$summary`).
    FhirSummary,
    /// The Patient resource (`GET /fhir/Patient/{id}`, or a staff search by NHS number
    /// that found the resident).
    FhirPatient,
}

impl AuditPart {
    pub const ALL: [Self; 12] = [
        Self::Summary,
        Self::Documents,
        Self::Document,
        Self::Results,
        Self::Medicines,
        Self::CarePlan,
        Self::AboutMe,
        Self::Notes,
        Self::Handover,
        Self::Attachment,
        Self::FhirSummary,
        Self::FhirPatient,
    ];

    /// The serialised name (also what the database stores).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Documents => "documents",
            Self::Document => "document",
            Self::Results => "results",
            Self::Medicines => "medicines",
            Self::CarePlan => "care_plan",
            Self::AboutMe => "about_me",
            Self::Notes => "notes",
            Self::Handover => "handover",
            Self::Attachment => "attachment",
            Self::FhirSummary => "fhir_summary",
            Self::FhirPatient => "fhir_patient",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Words for people ("care plan").
    pub fn label(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Documents => "documents",
            Self::Document => "a document",
            Self::Results => "results",
            Self::Medicines => "medicines",
            Self::CarePlan => "care plan",
            Self::AboutMe => "About Me",
            Self::Notes => "notes",
            Self::Handover => "handover",
            Self::Attachment => "an attached file",
            Self::FhirSummary => "patient summary (FHIR)",
            Self::FhirPatient => "patient details (FHIR)",
        }
    }
}

/// Whether a view was served by the server (online) or read from the tablet's own copy
/// (offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AuditMode {
    Online,
    Offline,
}

impl AuditMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "online" => Some(Self::Online),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// `POST /api/v1/audit/events`: views a tablet recorded itself (most of them offline).
/// Who viewed, their role and home come from the bearer token, never from the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditUpload {
    /// The tablet's own name for itself, until devices are enrolled (at most 128
    /// characters: letters, digits, space and `-_.:`). The `X-Bedside-Device` header is
    /// used when this is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// At most [`AuditUpload::MAX_EVENTS`].
    pub events: Vec<AuditView>,
}

impl AuditUpload {
    /// The most events one upload may carry (more answers 413 and stores none).
    pub const MAX_EVENTS: usize = 500;
}

/// One view of a resident's record, as a tablet recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditView {
    /// Made by the tablet when the view happened; its identity (sending it again stores
    /// nothing new).
    pub id: Uuid,
    pub person_id: PersonId,
    pub part: AuditPart,
    /// When the view happened, by the tablet's clock.
    pub at: DateTime<Utc>,
    pub mode: AuditMode,
}

/// The answer to an upload: how many events were new, how many the server already held,
/// and which it refused (each with the reason). Refused events are not stored and need
/// not be sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditUploadResult {
    pub stored: u32,
    pub already_held: u32,
    pub refused: Vec<AuditRefusal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditRefusal {
    pub id: Uuid,
    pub code: AuditRefusalCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AuditRefusalCode {
    /// The person has never been a resident of the caller's home.
    NotFound,
    /// The event cannot be right (its time is in the future, say).
    Invalid,
    /// The same id appears earlier in this upload.
    Duplicate,
    /// A code this version of the app does not know.
    #[serde(other)]
    Other,
}

/// One event of the access log, as managers and administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    pub home_id: HomeId,
    pub staff_id: StaffId,
    pub staff_username: String,
    pub role: Role,
    pub person_id: PersonId,
    pub part: AuditPart,
    /// When the view happened (the tablet's clock for offline views).
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The network address the server saw the request or upload come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub mode: AuditMode,
    /// When the server stored it.
    pub received_at: DateTime<Utc>,
}

/// `GET /api/v1/audit`: a page of the access log, newest view first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    pub events: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_through_their_names() {
        for part in AuditPart::ALL {
            let json = serde_json::to_string(&part).expect("serialise");
            assert_eq!(json, format!("\"{}\"", part.as_str()));
            assert_eq!(AuditPart::parse(part.as_str()), Some(part));
        }
        assert_eq!(AuditPart::parse("everything"), None);
        assert!(serde_json::from_str::<AuditPart>("\"everything\"").is_err());
    }

    #[test]
    fn modes_round_trip() {
        for mode in [AuditMode::Online, AuditMode::Offline] {
            assert_eq!(AuditMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(AuditMode::parse("Offline"), None);
    }
}
