//! Storage: one trait, [`Store`], that handlers and commands use, with a SQLite
//! implementation ([`sqlite::SqliteStore`]). A PostgreSQL implementation slots in beside it
//! without touching a handler, so the SQL is kept portable (`$n` placeholders, text ids and
//! times, `ON CONFLICT`, `RETURNING`).
//!
//! Scoping is part of the contract: every method that returns record data takes the
//! reader's home and returns nothing for people who are not residents of it.

use async_trait::async_trait;
use bedside_domain::api::{HomeInfo, Role};
use bedside_domain::record::{
    Entry, EntryBody, PersonName, Provenance, ResidencyStatus, Resident, Sex,
};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId, ResidencyId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};

pub mod sqlite;

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

/// The staff member a bearer token belongs to, while it is valid.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub staff_id: StaffId,
    pub username: String,
    pub role: Role,
    pub home: HomeInfo,
    pub expires_at: DateTime<Utc>,
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

    async fn create_session(
        &self,
        token_hash: &str,
        staff: StaffId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The session for a token hash, if it exists, has not expired at `now` and its staff
    /// member is still active.
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;

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
}
