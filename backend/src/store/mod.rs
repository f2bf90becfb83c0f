//! Storage: one trait, [`Store`], that handlers and commands use, with a SQLite
//! implementation ([`sqlite::SqliteStore`]). A PostgreSQL implementation slots in beside it
//! without touching a handler, so the SQL is kept portable (`$n` placeholders, text ids and
//! times, `ON CONFLICT`, `RETURNING`).
//!
//! Scoping is part of the contract: every method that returns record data takes the
//! reader's home and returns nothing for people who are not residents of it.

use async_trait::async_trait;
use bedside_domain::api::{Device, HomeInfo, Role};
use bedside_domain::audit::{AuditEntry, AuditMode, AuditPart};
use bedside_domain::record::{
    Entry, EntryBody, PersonName, Provenance, ResidencyStatus, Resident, Sex,
};
use bedside_domain::{DeviceId, EntryId, HomeId, NhsNumber, PersonId, ResidencyId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

pub mod sqlite;

/// A sending system's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceId(pub Uuid);

/// A review item's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReviewId(pub Uuid);

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::fmt::Display for ReviewId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl std::str::FromStr for ReviewId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// What can go wrong in storage, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken; the message names which, for people to read.
    #[error("{0}")]
    Conflict(String),
    /// Something the operation needs does not exist; the message says what.
    #[error("{0}")]
    NotFound(String),
    /// Stored data that does not parse: a bug or a damaged database, never user error.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A member of staff as sign-in needs them.
#[derive(Debug, Clone)]
pub struct StaffRecord {
    pub id: StaffId,
    pub home: HomeInfo,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
}

/// The two kinds of session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Sent as `Authorization: Bearer` on every request; lives minutes.
    Access,
    /// Traded once for a new pair at `/api/v1/auth/refresh`.
    Refresh,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// Its member of staff signed out.
    Logout,
    /// A refresh token was used a second time: the session is presumed stolen.
    Reuse,
    /// It was idle too long, or reached its absolute end.
    Expired,
}

impl SessionEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Reuse => "reuse",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "logout" => Self::Logout,
            "reuse" => Self::Reuse,
            "expired" => Self::Expired,
            _ => return None,
        })
    }
}

/// A token to store: the SHA-256 of what the client holds.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: String,
    pub kind: TokenKind,
    pub expires_at: DateTime<Utc>,
}

/// A session to start, with its first access and refresh tokens.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub staff: StaffId,
    pub device: Option<DeviceId>,
    pub now: DateTime<Utc>,
    /// The absolute end.
    pub expires_at: DateTime<Utc>,
    pub tokens: [NewToken; 2],
}

/// A token as found, with everything needed to decide whether it is good.
#[derive(Debug, Clone)]
pub struct TokenSession {
    pub kind: TokenKind,
    pub token_expires_at: DateTime<Utc>,
    /// When a refresh token was traded for a new pair.
    pub replaced_at: Option<DateTime<Utc>>,
    pub session_id: Uuid,
    pub last_seen_at: DateTime<Utc>,
    pub session_expires_at: DateTime<Utc>,
    pub ended: Option<SessionEnd>,
    pub staff_id: StaffId,
    pub username: String,
    pub role: Role,
    pub staff_active: bool,
    pub home: HomeInfo,
    /// The tablet the session is bound to.
    pub device: Option<DeviceState>,
}

/// A bound tablet's state, as a request needs it.
#[derive(Debug, Clone)]
pub struct DeviceState {
    pub id: DeviceId,
    pub last_contact: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An enrolled tablet with its home and secret hash.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub home: HomeId,
    pub secret_hash: String,
    /// `None` for tablets enrolled before unlock keys existed.
    pub unlock_key: Option<String>,
    pub device: Device,
}

/// A person as received from a source (or the demo generator).
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub nhs_number: NhsNumber,
    pub name: PersonName,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub gp_practice: Option<String>,
}

/// An entry to add to a person's record.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub provenance: Provenance,
    pub body: EntryBody,
}

/// A sending system and the organisation it speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub id: SourceId,
    pub ods_code: String,
    pub name: String,
}

/// Why a patient is waiting for review rather than attached to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    InvalidNhsNumber,
    NoNhsNumber,
    BirthDateMismatch,
    PartialBirthDate,
    UnknownPatient,
    /// A new version of a Patient now matches someone other than the person its earlier
    /// versions matched: nothing moves until a person decides.
    IdentityChanged,
}

impl ReviewReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidNhsNumber => "invalid_nhs_number",
            Self::NoNhsNumber => "no_nhs_number",
            Self::BirthDateMismatch => "birth_date_mismatch",
            Self::PartialBirthDate => "partial_birth_date",
            Self::UnknownPatient => "unknown_patient",
            Self::IdentityChanged => "identity_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "invalid_nhs_number" => Self::InvalidNhsNumber,
            "no_nhs_number" => Self::NoNhsNumber,
            "birth_date_mismatch" => Self::BirthDateMismatch,
            "partial_birth_date" => Self::PartialBirthDate,
            "unknown_patient" => Self::UnknownPatient,
            "identity_changed" => Self::IdentityChanged,
            _ => return None,
        })
    }
}

/// A patient waiting for review, as the review commands show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub id: ReviewId,
    pub source: SourceRecord,
    pub patient_key: String,
    pub reason: ReviewReason,
    pub nhs_number: Option<String>,
    pub detail: String,
    pub attached_to: Option<PersonId>,
    pub created_at: DateTime<Utc>,
    /// How many received resources wait with it.
    pub held: i64,
}

/// A version of a received resource, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    pub row_id: String,
    /// Stable across the versions of one resource; the id the server gives it.
    pub logical_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub full_url: Option<String>,
    pub version: i64,
    pub version_id: Option<String>,
    pub content_hash: String,
    pub person_id: Option<PersonId>,
    pub review_id: Option<ReviewId>,
    pub body: String,
}

/// A resource version to store.
#[derive(Debug, Clone)]
pub struct NewResource<'a> {
    pub source: SourceId,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub full_url: Option<&'a str>,
    pub version_id: Option<&'a str>,
    pub content_hash: &'a str,
    pub person_id: Option<PersonId>,
    pub review_id: Option<ReviewId>,
    pub body: &'a str,
    pub received_at: DateTime<Utc>,
    /// False to file it as history only (an older version arriving late).
    pub make_current: bool,
}

/// An entry as it stands, enough to decide whether a new version changes it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub id: EntryId,
    pub person_id: PersonId,
    pub source_ref: Option<String>,
    pub entry: Entry,
}

#[derive(Debug, Clone)]
pub struct DatabaseStatus {
    pub backend: &'static str,
    pub schema_version: Option<i64>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers only when the database does: used by `/healthz`.
    async fn status(&self) -> StoreResult<DatabaseStatus>;

    /// True when no home exists yet (a fresh database the demo may fill).
    async fn is_empty(&self) -> StoreResult<bool>;

    async fn create_home(&self, name: &str, now: DateTime<Utc>) -> StoreResult<HomeId>;
    async fn home(&self, id: HomeId) -> StoreResult<Option<HomeInfo>>;

    /// Usernames are unique without regard to case: a clash is a [`StoreError::Conflict`].
    async fn create_staff(
        &self,
        home: HomeId,
        username: &str,
        password_hash: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> StoreResult<StaffId>;
    async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>>;

    /// Starts a session with its first access and refresh tokens. Sessions that ended
    /// long ago are swept at the same time, so the tables stay small without a job.
    async fn create_session(&self, new: &NewSession) -> StoreResult<()>;
    /// The token with this hash, its session, staff member and device, whatever their
    /// state: the caller decides what an expired, ended or revoked one means.
    async fn token_session(&self, token_hash: &str) -> StoreResult<Option<TokenSession>>;
    /// Notes that the session was used at `now` (callers do this at most once a minute).
    async fn touch_session(&self, session: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Trades a refresh token for a new pair, in one transaction. `false` (and nothing
    /// written) when the old token was already traded: the caller treats that as reuse.
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        session: Uuid,
        now: DateTime<Utc>,
        tokens: &[NewToken; 2],
    ) -> StoreResult<bool>;
    /// Trades a refresh token that was already traded, when it was traded at or after
    /// `traded_since`: the tablet may never have heard the first answer. Only a token
    /// whose trade made the session's live pair qualifies, and only once: the live pair
    /// is retired and the new pair issued, in one transaction. `false` (and nothing written) when it does not qualify: the caller
    /// treats that as reuse.
    async fn regrant_refresh(
        &self,
        old_hash: &str,
        session: Uuid,
        now: DateTime<Utc>,
        traded_since: DateTime<Utc>,
        tokens: &[NewToken; 2],
    ) -> StoreResult<bool>;
    /// Ends a session (if it has not ended already): none of its tokens works after this.
    async fn end_session(
        &self,
        session: Uuid,
        why: SessionEnd,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Enrols a tablet for a home; `secret_hash` is the SHA-256 of its sign-in proof and
    /// `unlock_key` is given back at each sign-in with it.
    async fn enrol_device(
        &self,
        home: HomeId,
        name: &str,
        secret_hash: &str,
        unlock_key: &str,
        by: StaffId,
        now: DateTime<Utc>,
    ) -> StoreResult<Device>;
    /// One home's tablets, or every home's (`None`), in order of enrolment.
    async fn devices(&self, home: Option<HomeId>) -> StoreResult<Vec<Device>>;
    async fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRow>>;
    /// Revokes a tablet (keeping the first revocation's time); `None` when there is none.
    async fn revoke_device(
        &self,
        id: DeviceId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DeviceRow>>;
    /// Notes that the tablet reached the server at `now` (at most once a minute).
    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> StoreResult<()>;

    /// Adds the person, or updates their demographics when the NHS number is known.
    async fn upsert_person(&self, person: &NewPerson, now: DateTime<Utc>) -> StoreResult<PersonId>;
    async fn person_by_nhs(&self, nhs: NhsNumber) -> StoreResult<Option<PersonId>>;

    /// Starts a residency. A person already living in a home is a
    /// [`StoreError::Conflict`]: they must leave first.
    async fn admit(
        &self,
        home: HomeId,
        person: PersonId,
        room: &str,
        admitted_on: NaiveDate,
        status: ResidencyStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<ResidencyId>;
    /// Ends the person's current residency (status left or died).
    async fn end_residency(
        &self,
        person: PersonId,
        status: ResidencyStatus,
        ended_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<ResidencyId>;

    /// Adds entries to one person's record in one transaction: all or none.
    async fn add_entries(
        &self,
        person: PersonId,
        entries: &[NewEntry],
    ) -> StoreResult<Vec<EntryId>>;

    /// The home's current residents, by room.
    async fn residents(&self, home: HomeId) -> StoreResult<Vec<Resident>>;
    /// One resident of the home; `None` for anyone else, including another home's residents.
    async fn resident(&self, home: HomeId, person: PersonId) -> StoreResult<Option<Resident>>;
    /// The current entries of a resident of the home; empty for anyone else.
    async fn resident_entries(&self, home: HomeId, person: PersonId) -> StoreResult<Vec<Entry>>;
    /// Every current resident of the home and their entries, read at one point in time.
    async fn home_records(&self, home: HomeId) -> StoreResult<(Vec<Resident>, Vec<Entry>)>;

    /// The current resident of the home with this NHS number, if any.
    async fn resident_by_nhs(&self, home: HomeId, nhs: NhsNumber) -> StoreResult<Option<Resident>>;
    /// The person with this NHS number, if this sending system has sent records about
    /// them (a source may not probe who else the server knows).
    async fn source_person_by_nhs(
        &self,
        source: SourceId,
        nhs: NhsNumber,
    ) -> StoreResult<Option<PersonId>>;

    /// A file of a document, for staff of the home where its person lives.
    async fn attachment(&self, home: HomeId, id: &str) -> StoreResult<Option<StoredFile>>;

    async fn create_source(
        &self,
        ods_code: &str,
        name: &str,
        credential_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SourceId>;
    async fn source_by_credential(
        &self,
        credential_hash: &str,
    ) -> StoreResult<Option<SourceRecord>>;
    async fn source_by_ods(&self, ods_code: &str) -> StoreResult<Option<SourceRecord>>;

    /// Patients waiting for review (open ones, or all).
    async fn review_items(&self, include_attached: bool) -> StoreResult<Vec<ReviewItem>>;

    async fn sync_head(&self, home: HomeId) -> StoreResult<SyncHead>;
    /// Changes after `since`, at most `limit` and about `max_bytes`, read at one point
    /// in time.
    async fn changes_since(
        &self,
        home: HomeId,
        since: u64,
        limit: usize,
        max_bytes: usize,
    ) -> StoreResult<ChangesRead>;
    /// A page of the home's current entries after `after` (by id), with the residents on
    /// the first page; `pinned` is the log position of the first page (`None` on it).
    async fn snapshot_page(
        &self,
        home: HomeId,
        pinned: Option<u64>,
        after: Option<EntryId>,
        limit: usize,
    ) -> StoreResult<SnapshotRead>;
    /// Drops the home's changes up to `through`; tablets behind it take a snapshot.
    async fn compact_changes(&self, home: HomeId, through: u64) -> StoreResult<()>;
    /// Sets the SpO2 scale NEWS2 uses for a person (a clinician's decision).
    async fn set_spo2_scale(
        &self,
        nhs: NhsNumber,
        scale: bedside_domain::news2::Spo2Scale,
    ) -> StoreResult<()>;
    /// Starts the transaction a tablet's push is applied in.
    async fn begin_sync(&self) -> StoreResult<Box<dyn SyncTx>>;

    /// Whether the person lives, or has lived, in the home: an offline view uploaded
    /// after the resident left is still the home's to record.
    async fn has_lived_in(&self, home: HomeId, person: PersonId) -> StoreResult<bool>;
    /// Appends audit events in one transaction. Returns, for each, whether it was new
    /// (false: an event with its id was already held for its home). The audit log has no
    /// update or delete: the database refuses both.
    async fn append_audit(&self, events: &[NewAuditEvent]) -> StoreResult<Vec<bool>>;
    /// The access log, newest view first, filtered and paged by `query`.
    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>>;

    /// Starts the one transaction an ingest (or a review decision) runs in. Dropping it
    /// without [`IngestTx::commit`] changes nothing. Implementations serialise these
    /// transactions (SQLite: `BEGIN IMMEDIATE`; PostgreSQL will need a per-source lock):
    /// the engine checks, then writes.
    async fn begin_ingest(&self) -> StoreResult<Box<dyn IngestTx>>;
    /// A read-only view for looking things up before the write transaction starts, so
    /// the write lock is not held while a large Bundle is interpreted.
    async fn begin_reading(&self) -> StoreResult<Box<dyn IngestTx>>;
}

/// Where a home's change log stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncHead {
    pub epoch: String,
    /// The newest sequence number given out.
    pub head: u64,
    /// Changes at or below this have been compacted away.
    pub floor: u64,
}

/// A page of a home's change log, with each change's current state.
#[derive(Debug, Clone)]
pub struct ChangesRead {
    pub head: SyncHead,
    pub changes: Vec<bedside_domain::sync::wire::Change>,
    /// The last sequence number this page covers (changes about people no longer in the
    /// home are covered but not sent).
    pub last_seq: u64,
}

/// A page of a home's current records.
#[derive(Debug, Clone)]
pub struct SnapshotRead {
    pub head: SyncHead,
    /// The log position the snapshot is pinned to.
    pub pinned: u64,
    /// The residents, on the first page.
    pub residents: Vec<Resident>,
    pub entries: Vec<Entry>,
    /// The last entry of this page, when there are more.
    pub next_after: Option<EntryId>,
}

/// An audit event to store.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub id: Uuid,
    pub home: HomeId,
    pub staff: StaffId,
    pub staff_username: String,
    pub role: Role,
    pub person: PersonId,
    pub part: AuditPart,
    pub at: DateTime<Utc>,
    pub device: Option<String>,
    pub address: Option<String>,
    pub mode: AuditMode,
    pub received_at: DateTime<Utc>,
}

/// Which audit events to read. `None` filters match everything; `before` is the
/// position (`at`, id) of the last event of the previous page.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub home: Option<HomeId>,
    pub person: Option<PersonId>,
    pub staff: Option<StaffId>,
    /// Views at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Views before this time.
    pub to: Option<DateTime<Utc>>,
    pub before: Option<(DateTime<Utc>, Uuid)>,
    pub limit: usize,
}

/// A document's file.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// The person whose record it belongs to (for the audit of who opened it).
    pub person_id: PersonId,
    pub content_type: String,
    pub title: Option<String>,
    pub data: Vec<u8>,
}

/// The reads and writes of receiving records, inside one database transaction.
#[async_trait]
pub trait IngestTx: Send {
    /// The current version of a received resource.
    async fn current_resource(
        &mut self,
        source: SourceId,
        resource_type: &str,
        resource_id: &str,
    ) -> StoreResult<Option<StoredResource>>;
    /// Stores a version; when `make_current`, it replaces the current one. Returns the
    /// stored row (with its logical id and version number).
    async fn put_resource(&mut self, new: NewResource<'_>) -> StoreResult<StoredResource>;
    /// The current resource of this source with an identifier.
    async fn resource_by_identifier(
        &mut self,
        source: SourceId,
        resource_type: &str,
        system: &str,
        value: &str,
    ) -> StoreResult<Option<StoredResource>>;
    async fn put_identifier(
        &mut self,
        source: SourceId,
        resource_type: &str,
        system: &str,
        value: &str,
        resource_id: &str,
    ) -> StoreResult<()>;
    /// The current resource of this source that arrived with this fullUrl.
    async fn resource_by_full_url(
        &mut self,
        source: SourceId,
        full_url: &str,
    ) -> StoreResult<Option<StoredResource>>;
    /// Whether this exact version (by versionId, or by content) is already held, current
    /// or as history.
    async fn version_held(
        &mut self,
        source: SourceId,
        resource_type: &str,
        resource_id: &str,
        version_id: Option<&str>,
        content_hash: &str,
    ) -> StoreResult<bool>;
    async fn person_exists(&mut self, person: PersonId) -> StoreResult<bool>;
    /// Current resources waiting with a review item.
    async fn held_resources(&mut self, review: ReviewId) -> StoreResult<Vec<StoredResource>>;
    async fn set_resource_person(&mut self, row_id: &str, person: PersonId) -> StoreResult<()>;

    /// A person by NHS number, with their date of birth.
    async fn person_by_nhs(&mut self, nhs: NhsNumber)
    -> StoreResult<Option<(PersonId, NaiveDate)>>;
    async fn upsert_person(
        &mut self,
        person: &NewPerson,
        now: DateTime<Utc>,
    ) -> StoreResult<PersonId>;

    async fn review_item(
        &mut self,
        source: SourceId,
        patient_key: &str,
    ) -> StoreResult<Option<(ReviewId, Option<PersonId>)>>;
    async fn review_by_id(&mut self, id: ReviewId) -> StoreResult<Option<ReviewItem>>;
    #[allow(clippy::too_many_arguments)]
    async fn open_review(
        &mut self,
        source: SourceId,
        patient_key: &str,
        reason: ReviewReason,
        nhs_number: Option<&str>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ReviewId>;
    async fn close_review(
        &mut self,
        id: ReviewId,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Entries made from a received resource (by its logical id).
    async fn entries_from(&mut self, logical_id: &str) -> StoreResult<Vec<EntryRow>>;
    /// Adds an entry made from a received resource (`logical_id`), as its `key`.
    async fn insert_entry(
        &mut self,
        person: PersonId,
        logical_id: &str,
        key: &str,
        entry: &NewEntry,
    ) -> StoreResult<EntryId>;
    /// Moves the current version into history and stores the new one (version + 1).
    async fn update_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
        status: bedside_domain::record::EntryStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn put_attachment(
        &mut self,
        person: PersonId,
        content_type: &str,
        title: Option<&str>,
        data: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<String>;
    /// Ties files to the entry they belong to (they are served only while it is current).
    async fn link_attachments(&mut self, ids: &[String], entry: EntryId) -> StoreResult<()>;

    async fn commit(self: Box<Self>) -> StoreResult<()>;
}

/// The reads and writes of applying a tablet's push, inside one database transaction.
#[async_trait]
pub trait SyncTx: Send {
    /// The home a device belongs to and the device sequence number it should send next.
    async fn device(&mut self, id: Uuid) -> StoreResult<Option<(HomeId, u64)>>;
    async fn put_device(
        &mut self,
        id: Uuid,
        home: HomeId,
        next_seq: u64,
        staff: StaffId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The device and stored outcome of a mutation already received.
    async fn mutation(
        &mut self,
        id: Uuid,
    ) -> StoreResult<Option<(Uuid, bedside_domain::sync::wire::Outcome)>>;
    #[allow(clippy::too_many_arguments)]
    async fn put_mutation(
        &mut self,
        id: Uuid,
        device: Uuid,
        device_seq: u64,
        staff: StaffId,
        outcome: &bedside_domain::sync::wire::Outcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// A current resident of the home.
    async fn resident(&mut self, home: HomeId, person: PersonId) -> StoreResult<Option<Resident>>;
    /// An entry, and whether it came from outside (a received FHIR resource).
    async fn entry(&mut self, id: EntryId) -> StoreResult<Option<(Entry, bool)>>;
    /// A person's current entries of one kind.
    async fn person_entries(
        &mut self,
        person: PersonId,
        kind: bedside_domain::record::EntryKind,
    ) -> StoreResult<Vec<Entry>>;
    /// Adds a home-authored entry with the id the tablet gave it.
    async fn insert_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
    ) -> StoreResult<()>;
    async fn update_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
        status: bedside_domain::record::EntryStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
