//! The sync protocol's wire types (`/api/v1/sync/…`). The same rules as the record model:
//! never rename a serialised name; new fields are optional with a default.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{EntryId, PersonId};
use crate::news2::Observations;
use crate::record::{AboutMeTopic, CorrectionAction, Entry, EntryBody, NoteCategory, Resident};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Where a tablet is in its home's change log: `epoch.seq`. Opaque to the tablet, which
/// stores it and sends it back. The epoch changes when the home's log starts again
/// (restored from a backup, say): a cursor from another epoch means "take a snapshot".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    pub epoch: String,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sync cursor is EPOCH.SEQ (letters or digits, a dot, a number)")]
pub struct BadCursor;

impl FromStr for Cursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> Result<Self, BadCursor> {
        let (epoch, seq) = s.rsplit_once('.').ok_or(BadCursor)?;
        if epoch.is_empty() || epoch.len() > 64 || !epoch.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(BadCursor);
        }
        let seq = seq.parse().map_err(|_| BadCursor)?;
        Ok(Self {
            epoch: epoch.to_owned(),
            seq,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.epoch, self.seq)
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Cursor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An opaque sync position, EPOCH.SEQ"))
            .pattern(Some(r"^[A-Za-z0-9]{1,64}\.[0-9]+$"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Cursor {}

/// `GET /api/v1/sync/status`: lets a tablet skip a pull when nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncStatus {
    /// The newest change in the home's log.
    pub head: Cursor,
    /// The oldest position a tablet may pull changes from; behind it, take a snapshot.
    pub floor: u64,
    pub server_time: DateTime<Utc>,
}

/// One change in a home's log. A tablet applies them in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Values live for one page; boxing the entry would only add allocations.
#[allow(clippy::large_enum_variant)]
#[serde(tag = "op", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Change {
    /// A resident joined the home, or their details changed.
    Resident { seq: u64, resident: Resident },
    /// The residency ended: the resident and their whole record leave this tablet.
    ResidentRemoved { seq: u64, person_id: PersonId },
    /// An entry is new or has a new version (a retraction is a version with status
    /// entered-in-error).
    Entry { seq: u64, entry: Entry },
}

impl Change {
    pub fn seq(&self) -> u64 {
        match self {
            Self::Resident { seq, .. }
            | Self::ResidentRemoved { seq, .. }
            | Self::Entry { seq, .. } => *seq,
        }
    }
}

/// `GET /api/v1/sync/changes?since=CURSOR`: the changes after `since`, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Where this page ends: the `since` of the next request.
    pub cursor: Cursor,
    /// More changes wait after this page.
    pub more: bool,
}

/// `GET /api/v1/sync/snapshot`: the home's current records, page by page, all as of one
/// position in the log (`pinned`). After the last page a tablet pulls changes since
/// `pinned`, which brings it up to date whatever changed while it paged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SnapshotPage {
    pub pinned: Cursor,
    /// Every current resident, on the first page only.
    #[serde(default)]
    pub residents: Vec<Resident>,
    pub entries: Vec<Entry>,
    /// Pass as `page` to get the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a carer or senior did on a tablet, to be applied on the server exactly once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Mutation {
    /// Made on the tablet (UUIDv7): the same id is the same mutation, however often sent.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    /// 1, 2, 3… per device, with no gaps.
    pub device_seq: u64,
    /// When it was done on the tablet.
    pub created_at: DateTime<Utc>,
    pub op: MutationOp,
}

/// Which section of the care plan or About Me an edit is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SectionKey {
    CarePlan { area: String },
    AboutMe { topic: AboutMeTopic },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum MutationOp {
    /// A care note about a resident.
    AddNote {
        person_id: PersonId,
        category: NoteCategory,
        text: String,
    },
    /// A set of observations; the server works out NEWS2 on the resident's scale.
    AddObservations {
        person_id: PersonId,
        observations: Observations,
        taken_at: DateTime<Utc>,
    },
    /// Mark a home-authored entry entered in error, or amend it (`body` is the new
    /// content; only for notes and observations).
    Correct {
        entry_id: EntryId,
        action: CorrectionAction,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<EntryBody>,
    },
    /// A senior's edit of a care plan area or About Me topic. `base_version` is the
    /// version the edit started from (`None` for a new section).
    EditSection {
        person_id: PersonId,
        section: SectionKey,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_version: Option<u32>,
        body: EntryBody,
    },
    /// A senior settles a section that needs review: keep the current version, or take
    /// the proposal.
    ResolveSection { proposal_id: EntryId, accept: bool },
}

/// What became of a mutation. Stored on the server, so a retry gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Outcome {
    /// Written: the entry it made or changed.
    Applied { entry_id: EntryId },
    /// Kept as a proposal: someone else changed the section since this edit started; a
    /// senior will choose.
    Conflict { entry_id: EntryId },
    /// Will never be applied; the reason is for staff to read. It does not hold up the
    /// mutations after it.
    Rejected { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MutationResult {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub outcome: Outcome,
    /// True when this is the stored answer to a mutation already received.
    #[serde(default)]
    pub duplicate: bool,
}

/// `POST /api/v1/sync/push`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PushRequest {
    /// The tablet's own id (made on first start; later issued at enrolment).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: Uuid,
    pub mutations: Vec<Mutation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
    /// The device sequence number the server expects next.
    pub next_device_seq: u64,
}

/// The body of a 409 answer to a push whose device sequence has a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SequenceGap {
    pub code: String,
    pub message: String,
    /// The device sequence number the server expects next.
    pub expected: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_nonsense() {
        let c: Cursor = "a1b2c3.1042".parse().expect("valid");
        assert_eq!(
            c,
            Cursor {
                epoch: "a1b2c3".into(),
                seq: 1042
            }
        );
        assert_eq!(c.to_string(), "a1b2c3.1042");
        assert_eq!(serde_json::to_string(&c).expect("json"), "\"a1b2c3.1042\"");
        for bad in ["", "1042", ".5", "a.b", "a-b.1", "a.-1", "a.1.x"] {
            assert_eq!(bad.parse::<Cursor>(), Err(BadCursor), "{bad}");
        }
        // The epoch is everything before the last dot.
        assert_eq!("ab.7".parse::<Cursor>().map(|c| c.seq), Ok(7));
    }

    #[test]
    fn changes_are_tagged() {
        let c = Change::ResidentRemoved {
            seq: 4,
            person_id: PersonId(Uuid::nil()),
        };
        let json = serde_json::to_value(&c).expect("json");
        assert_eq!(json["op"], "resident_removed");
        assert_eq!(c.seq(), 4);
    }
}
