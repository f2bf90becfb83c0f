//! The tablet's copy of the record, in IndexedDB.
//!
//! The app reads only from here; the network only fills it. The database is `bedside`
//! (schema version 2), and its object stores are:
//!
//! - `residents`: key path `resident.id` (the person id string); the value is a
//!   [`StoredResident`], the resident with their [`Banner`] worked out from their entries
//!   whenever those change. Index `by_room` on `resident.room`.
//! - `entries`: key path `id` (the entry id string); the value is an [`Entry`]. Index
//!   `by_person` on `person_id`. Entries written on this tablet and not yet replaced by
//!   the server's version are provisional: version 0 (see [`crate::provisional`]).
//! - `outbox` (added in version 2): key path `mutation.id`; the value is an
//!   [`OutboxItem`], a mutation made on this tablet and where it stands. Index
//!   `by_device_seq` on `mutation.device_seq`, the order they are sent in.
//! - `meta`: out-of-line string keys, see [`meta_keys`]: the session, the sync cursor,
//!   a snapshot in progress, the device's id and sequence numbers, and the time and home
//!   of the copy.
//!
//! Values are stored in the wire format (the domain types' serde form), so a snapshot
//! page's entries can be stored as the browser parsed them, without turning them into
//! Rust values and back: that halves the time a first sync takes to store, and keeps
//! fields a newer server sends that this version does not know.
//!
//! Every write is one read-write transaction, which rolls back unless committed: a page
//! of changes with its cursor ([`LocalDb::apply_changes_page`]), a snapshot page with its
//! progress ([`LocalDb::store_snapshot_page`]), a local write with its outbox row and
//! device sequence number ([`LocalDb::record`]), a push's answer with every outbox state
//! it changes ([`LocalDb::store_push_result`]), a refresh's new pair of tokens
//! ([`LocalDb::store_refreshed`]). The sync's writes first check, inside their
//! transaction, that the sign-in they started under is still the stored one (by its key,
//! which a refresh keeps): a sign-out's wipe (or another sign-in) between two pages can
//! never be undone by a page that arrives after it.

use std::collections::{HashMap, HashSet};

use bedside_domain::api::{HomeInfo, HomeRecords, LoginResponse, SignInResponse};
use bedside_domain::record::{Entry, Resident};
use bedside_domain::summary::{Banner, banner};
use bedside_domain::sync::plan::{
    AfterPush, LocalOp, OutboxItem, OutboxState, PushReply, after_push, apply_changes,
    next_device_seq,
};
use bedside_domain::sync::wire::{ChangesPage, Cursor, MutationOp, Outcome, SnapshotPage};
use bedside_domain::{EntryId, HomeId, PersonId};
use chrono::{DateTime, Duration, Utc};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::{KeyPath, KeyRange, error::OpenDbError};
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::provisional::{self, Author, RecordError, Subject};
use crate::read;
use crate::session::StoredSession;

/// The database the app uses. Tests open others by name so they never touch it.
pub const DB_NAME: &str = "bedside";

/// The schema version. Raise it, and add a step to [`upgrade`], to add stores or indexes;
/// never change what an earlier step created (tablets in the field already have it).
pub const DB_VERSION: u32 = 2;

/// Object store names.
pub mod stores {
    pub const RESIDENTS: &str = "residents";
    pub const ENTRIES: &str = "entries";
    pub const META: &str = "meta";
    pub const OUTBOX: &str = "outbox";

    /// Every store, for transactions that must see the whole tablet at once.
    pub const ALL: [&str; 4] = [RESIDENTS, ENTRIES, META, OUTBOX];
}

/// Index names.
pub mod indexes {
    /// On `residents`, by `resident.room`.
    pub const RESIDENTS_BY_ROOM: &str = "by_room";
    /// On `entries`, by `person_id`.
    pub const ENTRIES_BY_PERSON: &str = "by_person";
    /// On `outbox`, by `mutation.device_seq`.
    pub const OUTBOX_BY_DEVICE_SEQ: &str = "by_device_seq";
}

/// Keys of the `meta` store.
pub mod meta_keys {
    /// The signed-in member of staff, their access and refresh tokens, and which sign-in
    /// it is ([`StoredSession`](crate::session::StoredSession), a superset of
    /// [`LoginResponse`](bedside_domain::api::LoginResponse), which reads it too).
    pub const SESSION: &str = "session";
    /// The server's time when the copy was last brought up to date.
    pub const AS_OF: &str = "as_of";
    /// The home the stored records belong to.
    pub const HOME: &str = "home";
    /// Where the copy is in the home's change log (a sync `Cursor`).
    pub const CURSOR: &str = "cursor";
    /// A snapshot in progress ([`SnapshotProgress`](super::SnapshotProgress)).
    pub const SNAPSHOT: &str = "snapshot";
    /// The ids of the entries each page of a snapshot in progress held, one key a page
    /// (`snapshot_ids/000001`…), when the snapshot must sweep away what it did not hold.
    pub const SNAPSHOT_IDS_PREFIX: &str = "snapshot_ids/";
    /// This tablet's id, made once per install and home (kept across sign-outs). The
    /// server registers a device to one home, so signing in to another makes a new one.
    pub const DEVICE_ID: &str = "device_id";
    /// The home [`DEVICE_ID`] belongs to.
    pub const DEVICE_HOME: &str = "device_home";
    /// The highest device sequence number handed out (kept across sign-outs: numbers are
    /// never used twice for different mutations).
    pub const DEVICE_SEQ: &str = "device_seq";
    /// The last device sequence number the server confirmed it has.
    pub const LAST_CONFIRMED_SEQ: &str = "last_confirmed_seq";

    /// The keys that describe the stored records, cleared with them.
    pub const RECORD_KEYS: [&str; 4] = [AS_OF, HOME, CURSOR, SNAPSHOT];
    /// The keys that belong to the tablet rather than to anyone's records: a wipe keeps
    /// them.
    pub const DEVICE_KEYS: [&str; 4] = [DEVICE_ID, DEVICE_HOME, DEVICE_SEQ, LAST_CONFIRMED_SEQ];
}

/// How long an answered outbox item is kept, so staff can still see what became of it
/// (confirmed, or rejected and why).
pub const KEEP_ANSWERED: Duration = Duration::days(7);

/// A resident as stored: the resident and the banner facts worked out from their entries,
/// so the list can show badges without reading every entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredResident {
    pub resident: Resident,
    pub banner: Banner,
}

/// What the app needs to show the list: the stored residents, and which home and when.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalHome {
    pub home: Option<HomeInfo>,
    pub as_of: Option<DateTime<Utc>>,
    pub residents: Vec<StoredResident>,
}

/// A snapshot being paged in, stored after each page so a restart carries on from the
/// last stored page instead of starting again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotProgress {
    /// The home it is for: a sign-in to another home starts afresh.
    pub home: HomeId,
    /// Where the snapshot is pinned in the log: changes are pulled from here after it.
    pub pinned: Cursor,
    /// The token of the next page to fetch.
    pub next: Option<String>,
    /// Pages stored so far.
    pub pages: u32,
    /// Whether the tablet held entries when the snapshot began: then, once it ends,
    /// whatever the snapshot did not hold is removed (an entry retracted while the
    /// tablet was away, say).
    pub sweep: bool,
}

/// What storing a snapshot page led to.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapshotStep {
    /// More pages to fetch.
    Continue(SnapshotProgress),
    /// The last page is stored: pull changes since this cursor.
    Done(Cursor),
}

/// A local write as stored: its outbox item, and the provisional entry when the mutation
/// makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalWrite {
    pub item: OutboxItem,
    pub entry: Option<Entry>,
}

/// Why the local store failed. The messages are shown to staff, so they never carry
/// record contents: a value that cannot be read back is reported without the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("this browser cannot open the tablet's local store ({0})")]
    Open(String),
    #[error("the tablet's local store failed ({0})")]
    Storage(String),
    #[error("a record stored on this tablet could not be read or written")]
    Data,
    /// The session a sync started under is no longer the stored one (signed out, or
    /// someone else signed in): what it fetched is not written.
    #[error("the sign-in changed while updating")]
    SessionChanged,
}

impl From<indexed_db_futures::error::Error> for DbError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        use indexed_db_futures::error::Error;
        match e {
            Error::Serialisation(_) => Self::Data,
            other => Self::Storage(other.to_string()),
        }
    }
}

impl From<OpenDbError> for DbError {
    fn from(e: OpenDbError) -> Self {
        match e {
            OpenDbError::Base(base) => match DbError::from(base) {
                DbError::Storage(s) => Self::Open(s),
                other => other,
            },
            other => Self::Open(other.to_string()),
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Creates or migrates the stores. Each step runs once, in order, for a tablet whose
/// database is older than the step; a fresh tablet runs them all, up to the version
/// being opened.
fn upgrade(db: &Database, old_version: u32, new_version: u32) -> indexed_db_futures::Result<()> {
    let step = |n: u32| old_version < n && n <= new_version;
    if step(1) {
        let residents = db
            .create_object_store(stores::RESIDENTS)
            .with_key_path(KeyPath::One("resident.id"))
            .build()?;
        residents
            .create_index(indexes::RESIDENTS_BY_ROOM, KeyPath::One("resident.room"))
            .build()?;

        let entries = db
            .create_object_store(stores::ENTRIES)
            .with_key_path(KeyPath::One("id"))
            .build()?;
        entries
            .create_index(indexes::ENTRIES_BY_PERSON, KeyPath::One("person_id"))
            .build()?;

        // Out-of-line keys: each row is one named setting.
        db.create_object_store(stores::META).build()?;
    }
    if step(2) {
        // Version 1 tablets keep their session and records; having no cursor, their
        // next sync takes a snapshot, which sweeps away anything the server no longer has.
        let outbox = db
            .create_object_store(stores::OUTBOX)
            .with_key_path(KeyPath::One("mutation.id"))
            .build()?;
        outbox
            .create_index(
                indexes::OUTBOX_BY_DEVICE_SEQ,
                KeyPath::One("mutation.device_seq"),
            )
            .build()?;
    }
    Ok(())
}

/// The version of a stored entry, read without the rest of it.
#[derive(Deserialize)]
struct Held {
    version: u32,
}

/// An open connection to the local store. Cheap to clone (it is a handle).
#[derive(Debug, Clone)]
pub struct LocalDb {
    db: Database,
}

impl LocalDb {
    /// Opens (creating or upgrading) the app's database.
    pub async fn open() -> DbResult<Self> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database of this layout under another name (tests use a fresh one each).
    pub async fn open_named(name: &str) -> DbResult<Self> {
        Self::open_at(name, DB_VERSION).await
    }

    /// Opens a database at an older schema version. Only for tests of the upgrade from
    /// a tablet in the field: the app always opens [`DB_VERSION`].
    #[doc(hidden)]
    pub async fn open_at(name: &str, version: u32) -> DbResult<Self> {
        let db = Database::open(name)
            .with_version(version)
            .with_on_upgrade_needed(move |event, db| {
                // Versions are small whole numbers; the float is IndexedDB's.
                let old = event.old_version() as u32;
                let new = event.new_version().map_or(version, |v| v as u32);
                upgrade(&db, old, new)
            })
            .await?;
        Ok(Self { db })
    }

    /// The stores this connection's database has (tests check the upgrade with it).
    pub fn store_names(&self) -> Vec<String> {
        self.db.object_store_names().collect()
    }

    /// When a newer version of the app asks to upgrade the database (it was updated in
    /// another tab, or its service worker opened it), closes this connection, which would
    /// otherwise hold the upgrade up until this tab closed, and then calls `then` (the app
    /// reloads itself into the new version).
    pub fn close_when_outdated(&self, then: impl FnOnce() + 'static) {
        use indexed_db_futures::internals::SystemRepr;
        let db = self.db.clone();
        let handler = wasm_bindgen::closure::Closure::once_into_js(move || {
            db.close();
            then();
        });
        // Setting a property of the connection cannot fail.
        let _ = Reflect::set(
            self.db.as_sys(),
            &JsValue::from_str("onversionchange"),
            &handler,
        );
    }

    /// Closes the connection (it finishes its transactions first).
    pub fn close(self) {
        self.db.close();
    }

    /// Deletes a database by name. Used by tests; the app wipes with [`Self::wipe`],
    /// which does not wait for other tabs to close their connections.
    pub async fn delete_named(name: &str) -> DbResult<()> {
        Database::delete_by_name(name)?.await?;
        Ok(())
    }

    /// Starts a read-write transaction over every store. Nothing it writes is kept
    /// unless [`WriteTx::commit`] is awaited.
    pub fn write(&self) -> DbResult<WriteTx<'_>> {
        let tx = self
            .db
            .transaction(stores::ALL)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        Ok(WriteTx { tx })
    }

    /// Replaces every stored resident and entry with a full download, and records its
    /// time and home, in one transaction: the tablet shows either the old copy or the
    /// new one, never half of each. The session and the outbox are kept; the sync
    /// cursor is dropped, so the next sync takes a snapshot.
    pub async fn replace_home(&self, records: &HomeRecords) -> DbResult<()> {
        self.replace_home_with(records, None).await
    }

    /// [`Self::replace_home`] for a download whose JSON the browser has parsed: the
    /// parsed residents and entries are stored as they are. `records` must be that same
    /// JSON read as [`HomeRecords`] (it gives the banners and checks the download is
    /// well formed); if the two do not line up, `records` alone is stored.
    pub async fn replace_home_raw(&self, records: &HomeRecords, raw: &RawRecords) -> DbResult<()> {
        self.replace_home_with(records, Some(raw)).await
    }

    async fn replace_home_with(
        &self,
        records: &HomeRecords,
        raw: Option<&RawRecords>,
    ) -> DbResult<()> {
        let raw = raw.filter(|raw| raw.matches(records));
        let mut by_person: HashMap<PersonId, Vec<Entry>> = HashMap::new();
        for e in &records.entries {
            by_person.entry(e.person_id).or_default().push(e.clone());
        }

        let tx = self.write()?;
        tx.clear_records()?;
        match raw {
            Some(raw) => {
                for e in raw.entries.iter() {
                    tx.put_raw(stores::ENTRIES, &e)?;
                }
            }
            None => {
                for e in &records.entries {
                    tx.put_entry(e)?;
                }
            }
        }
        for (i, r) in records.residents.iter().enumerate() {
            let entries = by_person.get(&r.id).map(Vec::as_slice).unwrap_or_default();
            let banner = banner(r, entries);
            match raw {
                Some(raw) => tx.put_raw(
                    stores::RESIDENTS,
                    &raw_stored_resident(&raw.residents.get(i as u32), &banner)?,
                )?,
                None => tx.put_resident(&StoredResident {
                    resident: r.clone(),
                    banner,
                })?,
            }
        }
        tx.put_meta(meta_keys::AS_OF, &records.as_of)?;
        tx.put_meta(meta_keys::HOME, &records.home)?;
        tx.commit().await
    }

    /// Every stored resident, in no particular order.
    pub async fn residents(&self) -> DbResult<Vec<StoredResident>> {
        let tx = self.db.transaction(stores::RESIDENTS).build()?;
        let store = tx.object_store(stores::RESIDENTS)?;
        residents_from(store.get_all::<JsValue>().primitive()?.await?)
    }

    /// The residents whose room is exactly `room`.
    pub async fn residents_in_room(&self, room: &str) -> DbResult<Vec<StoredResident>> {
        let tx = self.db.transaction(stores::RESIDENTS).build()?;
        let store = tx.object_store(stores::RESIDENTS)?;
        let index = store.index(indexes::RESIDENTS_BY_ROOM)?;
        let iter = index
            .get_all::<JsValue>()
            .with_query(room.to_owned())
            .primitive()?
            .await?;
        residents_from(iter)
    }

    /// One resident, if this tablet holds them.
    pub async fn resident(&self, id: PersonId) -> DbResult<Option<StoredResident>> {
        let tx = self.db.transaction(stores::RESIDENTS).build()?;
        let store = tx.object_store(stores::RESIDENTS)?;
        let row = store
            .get::<JsValue, _, _>(id.to_string())
            .primitive()?
            .await?;
        row.map(read::stored_resident)
            .transpose()
            .map_err(|_| DbError::Data)
    }

    /// One entry, if this tablet holds it.
    pub async fn entry(&self, id: EntryId) -> DbResult<Option<Entry>> {
        let tx = self.db.transaction(stores::ENTRIES).build()?;
        let store = tx.object_store(stores::ENTRIES)?;
        let row = store
            .get::<JsValue, _, _>(id.to_string())
            .primitive()?
            .await?;
        row.map(read::entry).transpose().map_err(|_| DbError::Data)
    }

    /// Every stored entry of one person (through the `by_person` index), provisional
    /// ones included.
    pub async fn entries_for(&self, person: PersonId) -> DbResult<Vec<Entry>> {
        let tx = self.db.transaction(stores::ENTRIES).build()?;
        entries_of(&tx, person).await
    }

    /// Every stored care note, observation set and correction written at or after
    /// `since`, of every resident: what a handover lists. The kind and the time are read
    /// from each stored value before the rest of it, so the home's other entries are
    /// never read into Rust values.
    pub async fn recorded_since(&self, since: DateTime<Utc>) -> DbResult<Vec<Entry>> {
        const KINDS: [&str; 3] = ["care_note", "observation_set", "correction"];
        let tx = self.db.transaction(stores::ENTRIES).build()?;
        let store = tx.object_store(stores::ENTRIES)?;
        let since_ms = since.timestamp_millis() as f64;
        let field = |v: &JsValue, name: &str| Reflect::get(v, &JsValue::from_str(name)).ok();
        let mut out = Vec::new();
        for row in store.get_all::<JsValue>().primitive()?.await? {
            let row = row?;
            let kind = field(&row, "body").and_then(|b| field(&b, "kind")?.as_string());
            let written = field(&row, "provenance")
                .and_then(|p| field(&p, "authored_at")?.as_string())
                .map(|t| js_sys::Date::parse(&t));
            // A time that cannot be read is kept: the exact check below decides.
            let recent = written.is_none_or(|ms| ms.is_nan() || ms >= since_ms);
            if kind.is_some_and(|k| KINDS.contains(&k.as_str())) && recent {
                let e = read::entry(row).map_err(|_| DbError::Data)?;
                if e.provenance.authored_at >= since {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    /// The residents, home and time of the stored copy, read in one transaction so they
    /// agree with each other.
    pub async fn load_home(&self) -> DbResult<LocalHome> {
        let tx = self
            .db
            .transaction([stores::RESIDENTS, stores::META])
            .build()?;
        let residents = tx.object_store(stores::RESIDENTS)?;
        let meta = tx.object_store(stores::META)?;
        let residents = residents_from(residents.get_all::<JsValue>().primitive()?.await?)?;
        let home = meta.get::<HomeInfo, _, _>(meta_keys::HOME).serde()?.await?;
        let as_of = meta
            .get::<DateTime<Utc>, _, _>(meta_keys::AS_OF)
            .serde()?
            .await?;
        Ok(LocalHome {
            home,
            as_of,
            residents,
        })
    }

    /// The time of the stored copy, if a sync ever brought it up to date.
    pub async fn as_of(&self) -> DbResult<Option<DateTime<Utc>>> {
        self.meta_value(meta_keys::AS_OF).await
    }

    /// The home the stored records belong to.
    pub async fn home(&self) -> DbResult<Option<HomeInfo>> {
        self.meta_value(meta_keys::HOME).await
    }

    /// Where the copy is in the home's change log; `None` before the first snapshot ends.
    pub async fn cursor(&self) -> DbResult<Option<Cursor>> {
        self.meta_value(meta_keys::CURSOR).await
    }

    /// The snapshot being paged in, if one was interrupted or is under way.
    pub async fn snapshot_progress(&self) -> DbResult<Option<SnapshotProgress>> {
        self.meta_value(meta_keys::SNAPSHOT).await
    }

    /// This tablet's id, if it has made one.
    pub async fn device_id(&self) -> DbResult<Option<Uuid>> {
        self.meta_value(meta_keys::DEVICE_ID).await
    }

    /// Every outbox item, in device sequence order.
    pub async fn outbox(&self) -> DbResult<Vec<OutboxItem>> {
        let tx = self.db.transaction(stores::OUTBOX).build()?;
        outbox_of(&tx).await
    }

    /// The stored session, if someone signed in on this tablet and has not signed out.
    pub async fn session(&self) -> DbResult<Option<LoginResponse>> {
        self.meta_value(meta_keys::SESSION).await
    }

    pub async fn set_session(&self, session: &LoginResponse) -> DbResult<()> {
        let tx = self.write()?;
        tx.put_meta(meta_keys::SESSION, session)?;
        tx.commit().await
    }

    /// The stored session with its refresh token and sign-in key (see
    /// [`StoredSession`]).
    pub async fn stored_session(&self) -> DbResult<Option<StoredSession>> {
        self.meta_value(meta_keys::SESSION).await
    }

    /// Stores a session as a whole: after a sign-in, or to put back the one before a
    /// sign-in whose download failed.
    pub async fn set_stored_session(&self, session: &StoredSession) -> DbResult<()> {
        let tx = self.write()?;
        tx.put_meta(meta_keys::SESSION, session)?;
        tx.commit().await
    }

    /// Stores a refresh's new pair of tokens over the session whose key is `session`,
    /// in one transaction, and returns the session as stored. Refused
    /// ([`DbError::SessionChanged`]) when that sign-in is no longer the stored one
    /// (signed out, or someone else signed in while the refresh was on its way).
    pub async fn store_refreshed(
        &self,
        session: &str,
        answer: &SignInResponse,
        received_at: DateTime<Utc>,
    ) -> DbResult<StoredSession> {
        let tx = self.write()?;
        let stored = tx.check_session(session).await?;
        let refreshed = stored.refreshed(answer, received_at);
        tx.put_meta(meta_keys::SESSION, &refreshed)?;
        tx.commit().await?;
        Ok(refreshed)
    }

    /// Forgets the session but keeps the stored records.
    pub async fn clear_session(&self) -> DbResult<()> {
        let tx = self.write()?;
        tx.delete_meta(meta_keys::SESSION)?;
        tx.commit().await
    }

    /// Removes the records (residents, entries, their time, home and cursor), keeping
    /// the session, the outbox and the device's keys: for records this version cannot
    /// read, which the next sync fetches afresh.
    pub async fn clear_records(&self) -> DbResult<()> {
        let tx = self.write()?;
        tx.clear_records()?;
        tx.commit().await
    }

    /// Removes everything this tablet holds for anyone: records, their time, the
    /// outbox and the session. Keeps only the device's own id and sequence numbers
    /// ([`meta_keys::DEVICE_KEYS`]), which belong to the tablet.
    pub async fn wipe(&self) -> DbResult<()> {
        let tx = self.write()?;
        let meta = tx.tx.object_store(stores::META)?;
        let mut kept = Vec::new();
        for key in meta_keys::DEVICE_KEYS {
            if let Some(value) = meta.get::<JsValue, _, _>(key).primitive()?.await? {
                kept.push((key, value));
            }
        }
        for name in stores::ALL {
            // Not awaited one by one: the commit fails if any clear did.
            drop(tx.tx.object_store(name)?.clear()?);
        }
        for (key, value) in kept {
            drop(
                meta.put(value)
                    .with_key(key)
                    .without_key_type()
                    .primitive()?,
            );
        }
        tx.commit().await
    }

    /// One value of the `meta` store (see [`meta_keys`]).
    pub async fn meta_value<T: DeserializeOwned>(&self, key: &str) -> DbResult<Option<T>> {
        let tx = self.db.transaction(stores::META).build()?;
        get_meta(&tx, key).await
    }

    /// Stores a page of changes and its cursor in one transaction: the writes
    /// `bedside_domain::sync::plan::apply_changes` decides on, the banners of every
    /// resident whose entries or details changed, the cursor, and (on the last page of a
    /// pull) the time the copy is now up to date as of. Returns how many writes it made.
    pub async fn apply_changes_page(
        &self,
        session: &str,
        page: &ChangesPage,
        as_of: Option<DateTime<Utc>>,
    ) -> DbResult<usize> {
        let tx = self.write()?;
        tx.check_session(session).await?;

        let entries = tx.tx.object_store(stores::ENTRIES)?;
        let mut held: HashMap<EntryId, u32> = HashMap::new();
        for change in &page.changes {
            // An entry twice in a page not held before is read twice: harmless, and rare.
            if let bedside_domain::sync::wire::Change::Entry { entry, .. } = change
                && !held.contains_key(&entry.id)
                && let Some(h) = entries
                    .get::<Held, _, _>(entry.id.to_string())
                    .serde()?
                    .await?
            {
                held.insert(entry.id, h.version);
            }
        }
        let ops = apply_changes(&held, &page.changes);

        // The residents whose banner may have changed, with their details when this page
        // brought them. (A page touches few residents: a list is enough.)
        let mut touched: Vec<(PersonId, Option<&Resident>)> = Vec::new();
        for op in &ops {
            let (person, arrived) = match op {
                LocalOp::PutResident(r) => (r.id, Some(r)),
                LocalOp::RemoveResident(p) => {
                    // Requests run in order: entries put earlier in this page are found
                    // by the index read and removed with the rest.
                    tx.remove_resident(*p).await?;
                    touched.retain(|(t, _)| t != p);
                    continue;
                }
                LocalOp::PutEntry(e) => {
                    tx.put_entry(e)?;
                    (e.person_id, None)
                }
            };
            match touched.iter_mut().find(|(t, _)| *t == person) {
                Some(slot) => slot.1 = arrived.or(slot.1),
                None => touched.push((person, arrived)),
            }
        }
        for (person, arrived) in touched {
            let resident = match arrived {
                Some(r) => Some(r.clone()),
                None => tx.resident(person).await?.map(|s| s.resident),
            };
            // Entries of someone not on the tablet have no banner to update.
            if let Some(resident) = resident {
                tx.restore_banner(resident).await?;
            }
        }
        tx.put_meta(meta_keys::CURSOR, &page.cursor)?;
        if let Some(as_of) = as_of {
            tx.put_meta(meta_keys::AS_OF, &as_of)?;
        }
        tx.commit().await?;
        Ok(ops.len())
    }

    /// Records that the copy is up to date as of `as_of` (a pull that found nothing new).
    pub async fn set_as_of(&self, session: &str, as_of: DateTime<Utc>) -> DbResult<()> {
        let tx = self.write()?;
        tx.check_session(session).await?;
        tx.put_meta(meta_keys::AS_OF, &as_of)?;
        tx.commit().await
    }

    /// Drops a snapshot in progress (the server no longer knows its page token), so the
    /// next pull starts a new one.
    pub async fn abandon_snapshot(&self, session: &str) -> DbResult<()> {
        let tx = self.write()?;
        tx.check_session(session).await?;
        tx.delete_meta(meta_keys::SNAPSHOT)?;
        tx.delete_snapshot_ids()?;
        tx.commit().await
    }

    /// Stores one snapshot page and where the snapshot has got to, in one transaction.
    ///
    /// `progress` is `None` for the first page, which also holds every current resident:
    /// residents the tablet holds who are not among them are removed with their entries
    /// (their outbox rows stay). Each page's entries are stored as they are (the
    /// snapshot is the truth as of its pinned cursor). With the last page, in the same
    /// transaction: whatever the snapshot did not hold is swept away (when the tablet held
    /// entries before it began; provisional entries stay), every banner is worked out
    /// again, and the cursor becomes the pinned one.
    ///
    /// `parsed` is the page as the browser parsed it; its entries are stored as they are
    /// when they line up with `page`.
    pub async fn store_snapshot_page(
        &self,
        session: &str,
        progress: Option<&SnapshotProgress>,
        page: &SnapshotPage,
        parsed: Option<&JsValue>,
    ) -> DbResult<SnapshotStep> {
        let tx = self.write()?;
        let session = tx.check_session(session).await?;
        let home = session.staff.home;

        let mut progress = match progress {
            Some(p) => p.clone(),
            None => {
                let sweep = tx.begin_snapshot(&home, &page.residents).await?;
                SnapshotProgress {
                    home: home.id,
                    pinned: page.pinned.clone(),
                    next: None,
                    pages: 0,
                    sweep,
                }
            }
        };

        let raw = parsed
            .and_then(|p| raw_array(p, "entries"))
            .filter(|raw| lines_up(raw, page.entries.len(), |i| page.entries[i].id.to_string()));
        match raw {
            Some(raw) => {
                for e in raw.iter() {
                    tx.put_raw(stores::ENTRIES, &e)?;
                }
            }
            None => {
                for e in &page.entries {
                    tx.put_entry(e)?;
                }
            }
        }
        progress.pages = progress.pages.saturating_add(1);
        if progress.sweep {
            let ids: Vec<String> = page.entries.iter().map(|e| e.id.to_string()).collect();
            tx.put_meta(
                &format!("{}{:06}", meta_keys::SNAPSHOT_IDS_PREFIX, progress.pages),
                &ids,
            )?;
        }
        progress.next = page.next.clone();

        let step = if progress.next.is_none() {
            if progress.sweep {
                tx.sweep_after_snapshot().await?;
            }
            tx.restore_every_banner().await?;
            tx.delete_snapshot_ids()?;
            tx.delete_meta(meta_keys::SNAPSHOT)?;
            tx.put_meta(meta_keys::CURSOR, &progress.pinned)?;
            SnapshotStep::Done(progress.pinned)
        } else {
            tx.put_meta(meta_keys::SNAPSHOT, &progress)?;
            SnapshotStep::Continue(progress)
        };
        tx.commit().await?;
        Ok(step)
    }

    /// Stores a local write in one transaction: its outbox row (state `Saved`), the
    /// provisional entry when the mutation makes one (version 0, the signed-in staff
    /// member's provenance), the device sequence number it used, and the resident's
    /// banner worked out again. The device's id is made here the first time.
    ///
    /// `mutation_id` is the new mutation's id (a UUIDv7); `new_device_id` makes the
    /// tablet's id if it has none yet.
    pub async fn record(
        &self,
        op: MutationOp,
        now: DateTime<Utc>,
        mutation_id: Uuid,
        new_device_id: impl FnOnce() -> Option<Uuid>,
    ) -> Result<LocalWrite, RecordError> {
        provisional::check(&op)?;
        let tx = self.write()?;
        let session: LoginResponse = get_meta(&tx.tx, meta_keys::SESSION)
            .await?
            .ok_or(RecordError::NotSignedIn)?;
        let person = match provisional::subject(&op) {
            Subject::Person(p) => p,
            Subject::Entry(id) => {
                tx.entry(id)
                    .await?
                    .ok_or(RecordError::UnknownEntry)?
                    .person_id
            }
        };
        let resident = tx
            .resident(person)
            .await?
            .ok_or(RecordError::UnknownResident)?
            .resident;

        tx.device(session.staff.home.id, new_device_id).await?;
        let outbox = outbox_of(&tx.tx).await?;
        let used: u64 = get_meta(&tx.tx, meta_keys::DEVICE_SEQ).await?.unwrap_or(0);
        let confirmed: u64 = get_meta(&tx.tx, meta_keys::LAST_CONFIRMED_SEQ)
            .await?
            .unwrap_or(0);
        // The highest number ever handed out counts as used even after its outbox row
        // has gone (answered and pruned, or wiped at a sign-out).
        let device_seq = next_device_seq(&outbox, confirmed.max(used));

        let mutation = bedside_domain::sync::wire::Mutation {
            id: mutation_id,
            device_seq,
            created_at: now,
            op,
        };
        let by = Author {
            organisation: session.staff.home.name.clone(),
            username: session.staff.username.clone(),
        };
        let entry = provisional::provisional_entry(&mutation, &resident, &by);
        let item = OutboxItem {
            mutation,
            state: OutboxState::Saved,
        };
        tx.put_outbox(&item)?;
        tx.put_meta(meta_keys::DEVICE_SEQ, &device_seq)?;
        if let Some(entry) = &entry {
            tx.put_entry(entry)?;
            tx.restore_banner(resident).await?;
        }
        tx.commit().await?;
        Ok(LocalWrite { item, entry })
    }

    /// The device's id for the signed-in home, made now (with `new_id`) if it has none
    /// for that home.
    pub async fn ensure_device_id(
        &self,
        session: &str,
        new_id: impl FnOnce() -> Option<Uuid>,
    ) -> DbResult<Uuid> {
        let tx = self.write()?;
        let session = tx.check_session(session).await?;
        let id = tx.device(session.staff.home.id, new_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores what a push's answer means for the outbox, in one transaction, and says
    /// what to do next (`bedside_domain::sync::plan::after_push`, applied to the outbox
    /// as it is now: a local write made while the push was on its way is kept as it is).
    ///
    /// Also in that transaction: a rejected mutation's provisional entry is removed (it
    /// will never be part of the record; its outbox row keeps the words and the reason);
    /// the device numbers follow the answer; answered items older than
    /// [`KEEP_ANSWERED`] are pruned.
    pub async fn store_push_result(
        &self,
        session: &str,
        sent: &[bedside_domain::sync::wire::Mutation],
        reply: PushReply,
        now: DateTime<Utc>,
    ) -> DbResult<AfterPush> {
        let tx = self.write()?;
        tx.check_session(session).await?;
        let before = outbox_of(&tx.tx).await?;
        let mut outbox = before.clone();
        let confirmed_seq = match &reply {
            PushReply::Answered(r) => Some(r.next_device_seq.saturating_sub(1)),
            PushReply::Gap { expected } => Some(expected.saturating_sub(1)),
            PushReply::Failed => None,
        };
        let renumbered = matches!(reply, PushReply::Gap { .. });
        let next = after_push(&mut outbox, sent, reply, now);

        let entries = tx.tx.object_store(stores::ENTRIES)?;
        for (old, new) in before.iter().zip(&outbox) {
            if old == new {
                continue;
            }
            tx.put_outbox(new)?;
            let rejected_now = old.is_pending()
                && matches!(
                    new.state,
                    OutboxState::Confirmed {
                        outcome: Outcome::Rejected { .. }
                    }
                );
            if rejected_now {
                let key = new.mutation.id.to_string();
                if let Some(held) = entries.get::<Held, _, _>(key.as_str()).serde()?.await?
                    && held.version == 0
                {
                    drop(entries.delete(key).primitive()?);
                }
            }
        }
        if let Some(seq) = confirmed_seq {
            tx.put_meta(meta_keys::LAST_CONFIRMED_SEQ, &seq)?;
        }
        if renumbered {
            // The server lost track of numbers this tablet used; carry on from where
            // the renumbered outbox ends, so the next write follows without a gap.
            let high = outbox
                .iter()
                .map(|i| i.mutation.device_seq)
                .chain(confirmed_seq)
                .max()
                .unwrap_or(0);
            tx.put_meta(meta_keys::DEVICE_SEQ, &high)?;
        }
        let store = tx.tx.object_store(stores::OUTBOX)?;
        for item in &outbox {
            if !item.is_pending() && now - item.mutation.created_at > KEEP_ANSWERED {
                drop(store.delete(item.mutation.id.to_string()).primitive()?);
            }
        }
        tx.commit().await?;
        Ok(next)
    }
}

async fn get_meta<T: DeserializeOwned>(tx: &Transaction<'_>, key: &str) -> DbResult<Option<T>> {
    let store = tx.object_store(stores::META)?;
    Ok(store.get::<T, _, _>(key).serde()?.await?)
}

async fn entries_of(tx: &Transaction<'_>, person: PersonId) -> DbResult<Vec<Entry>> {
    let store = tx.object_store(stores::ENTRIES)?;
    let index = store.index(indexes::ENTRIES_BY_PERSON)?;
    let iter = index
        .get_all::<JsValue>()
        .with_query(person.to_string())
        .primitive()?
        .await?;
    rows(iter, read::entry)
}

async fn outbox_of(tx: &Transaction<'_>) -> DbResult<Vec<OutboxItem>> {
    let store = tx.object_store(stores::OUTBOX)?;
    let index = store.index(indexes::OUTBOX_BY_DEVICE_SEQ)?;
    rows(
        index.get_all::<JsValue>().primitive()?.await?,
        read::outbox_item,
    )
}

/// Rows read with `read` (see [`crate::read`]); a row that cannot be read fails the
/// whole read, as serde's own reading did.
fn rows<T>(
    iter: impl Iterator<Item = indexed_db_futures::Result<JsValue>>,
    read: fn(JsValue) -> Result<T, serde_wasm_bindgen::Error>,
) -> DbResult<Vec<T>> {
    iter.map(|row| read(row?).map_err(|_| DbError::Data))
        .collect()
}

fn residents_from(
    iter: impl Iterator<Item = indexed_db_futures::Result<JsValue>>,
) -> DbResult<Vec<StoredResident>> {
    rows(iter, read::stored_resident)
}

/// The array `name` of a parsed body, if it is one.
fn raw_array(body: &JsValue, name: &str) -> Option<Array> {
    Reflect::get(body, &JsValue::from_str(name))
        .ok()
        .filter(Array::is_array)
        .map(JsCast::unchecked_into::<Array>)
}

/// Whether a parsed array holds the values a typed list was read from: the same length,
/// and the same ids at both ends.
fn lines_up(list: &Array, len: usize, id: impl Fn(usize) -> String) -> bool {
    let id_at = |i: usize| -> Option<String> {
        let v = list.get(u32::try_from(i).ok()?);
        Reflect::get(&v, &JsValue::from_str("id")).ok()?.as_string()
    };
    list.length() as usize == len
        && (len == 0 || [0, len - 1].into_iter().all(|i| id_at(i) == Some(id(i))))
}

/// A download's residents and entries as the browser parsed them from the server's JSON.
#[derive(Debug, Clone)]
pub struct RawRecords {
    residents: Array,
    entries: Array,
}

impl RawRecords {
    /// Takes the `residents` and `entries` arrays of a parsed `HomeRecords` body; `None`
    /// when either is missing.
    pub fn from_js(body: &JsValue) -> Option<Self> {
        Some(Self {
            residents: raw_array(body, "residents")?,
            entries: raw_array(body, "entries")?,
        })
    }

    /// Whether these are the arrays `records` was read from (the same lengths, and the
    /// same ids at the ends), so the raw values can stand in for the typed ones.
    fn matches(&self, records: &HomeRecords) -> bool {
        lines_up(&self.residents, records.residents.len(), |i| {
            records.residents[i].id.to_string()
        }) && lines_up(&self.entries, records.entries.len(), |i| {
            records.entries[i].id.to_string()
        })
    }
}

/// `{resident, banner}` around a parsed resident, shaped like [`StoredResident`].
fn raw_stored_resident(resident: &JsValue, banner: &Banner) -> DbResult<JsValue> {
    // The same serialiser settings as indexed_db_futures uses for `.serde()` puts.
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let banner = banner.serialize(&serializer).map_err(|_| DbError::Data)?;
    let out = Object::new();
    Reflect::set(&out, &JsValue::from_str("resident"), resident).map_err(|_| DbError::Data)?;
    Reflect::set(&out, &JsValue::from_str("banner"), &banner).map_err(|_| DbError::Data)?;
    Ok(out.into())
}

/// A resident with their banner worked out from their entries.
pub fn stored(resident: &Resident, entries: &[Entry]) -> StoredResident {
    StoredResident {
        resident: resident.clone(),
        banner: banner(resident, entries),
    }
}

/// One read-write transaction over every store.
///
/// Each write method sends its request at once and does not wait for it: the requests of
/// a transaction run in order, and if any fails the transaction aborts and
/// [`WriteTx::commit`] reports it. Reads are awaited, and see every earlier write of the
/// same transaction. Dropping a `WriteTx` without committing rolls back everything it
/// wrote.
#[derive(Debug)]
pub struct WriteTx<'a> {
    tx: Transaction<'a>,
}

impl WriteTx<'_> {
    pub fn put_resident(&self, resident: &StoredResident) -> DbResult<()> {
        let store = self.tx.object_store(stores::RESIDENTS)?;
        drop(store.put(resident).serde()?);
        Ok(())
    }

    pub fn put_entry(&self, entry: &Entry) -> DbResult<()> {
        let store = self.tx.object_store(stores::ENTRIES)?;
        drop(store.put(entry).serde()?);
        Ok(())
    }

    pub fn put_outbox(&self, item: &OutboxItem) -> DbResult<()> {
        let store = self.tx.object_store(stores::OUTBOX)?;
        drop(store.put(item).serde()?);
        Ok(())
    }

    /// Puts a value already in the stored shape (see [`RawRecords`]).
    fn put_raw(&self, store: &str, value: &JsValue) -> DbResult<()> {
        let store = self.tx.object_store(store)?;
        drop(store.put(value).primitive()?);
        Ok(())
    }

    pub fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(store.put(value).with_key(key).without_key_type().serde()?);
        Ok(())
    }

    pub fn delete_meta(&self, key: &str) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(store.delete(key).primitive()?);
        Ok(())
    }

    /// Removes every resident and entry, and the time, home, cursor and any snapshot in
    /// progress; keeps the session, the outbox and the device's keys.
    pub fn clear_records(&self) -> DbResult<()> {
        drop(self.tx.object_store(stores::RESIDENTS)?.clear()?);
        drop(self.tx.object_store(stores::ENTRIES)?.clear()?);
        for key in meta_keys::RECORD_KEYS {
            self.delete_meta(key)?;
        }
        self.delete_snapshot_ids()
    }

    /// Makes everything written in this transaction permanent, or nothing of it.
    pub async fn commit(self) -> DbResult<()> {
        Ok(self.tx.commit().await?)
    }

    /// The stored session, when it is the sign-in whose [`StoredSession::key`] is
    /// `session`; otherwise the sync that expected it must not write. (The key stays
    /// the same when the tokens are refreshed, so a refresh in the middle of a sync,
    /// by it or by another tab or the worker, does not stop it.)
    async fn check_session(&self, session: &str) -> DbResult<StoredSession> {
        match get_meta::<StoredSession>(&self.tx, meta_keys::SESSION).await? {
            Some(stored) if stored.key() == session => Ok(stored),
            _ => Err(DbError::SessionChanged),
        }
    }

    async fn resident(&self, id: PersonId) -> DbResult<Option<StoredResident>> {
        let store = self.tx.object_store(stores::RESIDENTS)?;
        let row = store
            .get::<JsValue, _, _>(id.to_string())
            .primitive()?
            .await?;
        row.map(read::stored_resident)
            .transpose()
            .map_err(|_| DbError::Data)
    }

    async fn entry(&self, id: EntryId) -> DbResult<Option<Entry>> {
        let store = self.tx.object_store(stores::ENTRIES)?;
        let row = store
            .get::<JsValue, _, _>(id.to_string())
            .primitive()?
            .await?;
        row.map(read::entry).transpose().map_err(|_| DbError::Data)
    }

    /// The device's id for `home`. A tablet that has none, or one registered to another
    /// home, makes one (with `new_id`) and numbers its mutations from 1 again.
    async fn device(&self, home: HomeId, new_id: impl FnOnce() -> Option<Uuid>) -> DbResult<Uuid> {
        let id: Option<Uuid> = get_meta(&self.tx, meta_keys::DEVICE_ID).await?;
        let of: Option<HomeId> = get_meta(&self.tx, meta_keys::DEVICE_HOME).await?;
        if let Some(id) = id
            && of == Some(home)
        {
            return Ok(id);
        }
        let id = new_id()
            .ok_or_else(|| DbError::Storage("this browser cannot make random ids".to_owned()))?;
        self.put_meta(meta_keys::DEVICE_ID, &id)?;
        self.put_meta(meta_keys::DEVICE_HOME, &home)?;
        self.put_meta(meta_keys::DEVICE_SEQ, &0u64)?;
        self.put_meta(meta_keys::LAST_CONFIRMED_SEQ, &0u64)?;
        Ok(id)
    }

    /// Works out a resident's banner from their entries as this transaction sees them,
    /// and stores it with them.
    async fn restore_banner(&self, resident: Resident) -> DbResult<()> {
        let entries = entries_of(&self.tx, resident.id).await?;
        self.put_resident(&stored(&resident, &entries))
    }

    /// Removes a resident and every entry of theirs. Their outbox rows stay: the server
    /// answers those itself (rejected, if the resident has left), and staff see it.
    async fn remove_resident(&self, person: PersonId) -> DbResult<()> {
        self.remove_resident_key(person.to_string()).await
    }

    async fn remove_resident_key(&self, key: String) -> DbResult<()> {
        let residents = self.tx.object_store(stores::RESIDENTS)?;
        drop(residents.delete(key.clone()).primitive()?);
        let entries = self.tx.object_store(stores::ENTRIES)?;
        let keys = entries
            .index(indexes::ENTRIES_BY_PERSON)?
            .get_all_keys::<String>()
            .with_query(key)
            .primitive()?
            .await?;
        for k in keys {
            drop(entries.delete(k?).primitive()?);
        }
        Ok(())
    }

    /// The first page of a snapshot: the residents it lists replace the tablet's (those
    /// not listed are removed with their entries), and the copy is marked as this
    /// home's. Returns whether the tablet held entries (then the last page sweeps).
    async fn begin_snapshot(&self, home: &HomeInfo, residents: &[Resident]) -> DbResult<bool> {
        let listed: HashSet<String> = residents.iter().map(|r| r.id.to_string()).collect();
        let store = self.tx.object_store(stores::RESIDENTS)?;
        let held = store.get_all_keys::<String>().primitive()?.await?;
        for key in held {
            let key = key?;
            if !listed.contains(&key) {
                self.remove_resident_key(key).await?;
            }
        }
        for r in residents {
            // Until the last page works every banner out again, a resident keeps the one
            // they had, or gets one from no entries (which says "not recorded", never
            // "none").
            let banner = match self.resident(r.id).await? {
                Some(s) => s.banner,
                None => banner(r, &[]),
            };
            self.put_resident(&StoredResident {
                resident: r.clone(),
                banner,
            })?;
        }
        let stored_home: Option<HomeInfo> = get_meta(&self.tx, meta_keys::HOME).await?;
        if stored_home.as_ref().map(|h| h.id) != Some(home.id) {
            // Whatever is stored is not this home's copy until the snapshot ends.
            self.delete_meta(meta_keys::AS_OF)?;
        }
        self.put_meta(meta_keys::HOME, home)?;
        self.delete_snapshot_ids()?;
        let held_entries = self
            .tx
            .object_store(stores::ENTRIES)?
            .count()
            .primitive()?
            .await?;
        Ok(held_entries > 0)
    }

    fn snapshot_ids_range() -> KeyRange<String> {
        // Every key that starts with the prefix: '0' is the character after '/'.
        let prefix = meta_keys::SNAPSHOT_IDS_PREFIX;
        let end = format!("{}0", prefix.trim_end_matches('/'));
        KeyRange::Bound(prefix.to_owned(), false, end, true)
    }

    fn delete_snapshot_ids(&self) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(
            store
                .delete::<String, _>(Self::snapshot_ids_range())
                .primitive()?,
        );
        Ok(())
    }

    /// Removes the entries a finished snapshot did not hold, except provisional ones
    /// (their mutations are in the outbox).
    async fn sweep_after_snapshot(&self) -> DbResult<()> {
        let meta = self.tx.object_store(stores::META)?;
        let mut keep: HashSet<String> = HashSet::new();
        let pages = meta
            .get_all::<Vec<String>>()
            .with_query::<String, _>(Self::snapshot_ids_range())
            .serde()?
            .await?;
        for page in pages {
            keep.extend(page?);
        }
        let outbox = self.tx.object_store(stores::OUTBOX)?;
        for key in outbox.get_all_keys::<String>().primitive()?.await? {
            keep.insert(key?);
        }
        let entries = self.tx.object_store(stores::ENTRIES)?;
        for key in entries.get_all_keys::<String>().primitive()?.await? {
            let key = key?;
            if !keep.contains(&key) {
                drop(entries.delete(key).primitive()?);
            }
        }
        Ok(())
    }

    /// Works out every resident's banner again from the entries as this transaction
    /// sees them.
    async fn restore_every_banner(&self) -> DbResult<()> {
        let entries = self.tx.object_store(stores::ENTRIES)?;
        let mut by_person: HashMap<PersonId, Vec<Entry>> = HashMap::new();
        for e in rows(
            entries.get_all::<JsValue>().primitive()?.await?,
            read::entry,
        )? {
            by_person.entry(e.person_id).or_default().push(e);
        }
        let residents = self.tx.object_store(stores::RESIDENTS)?;
        for r in residents_from(residents.get_all::<JsValue>().primitive()?.await?)? {
            let r = r.resident;
            let list = by_person.get(&r.id).map(Vec::as_slice).unwrap_or_default();
            self.put_resident(&stored(&r, list))?;
        }
        Ok(())
    }
}
