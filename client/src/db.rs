//! The tablet's copy of the record, in IndexedDB, sealed under the tablet's data key.
//!
//! The app reads only from here; the network only fills it. The database is `bedside`
//! (schema version 3). Every row about a resident is sealed ([`crate::crypto`], AES-GCM
//! under the data key) with its identity as associated data; only ids stay clear, for the
//! stores' keys and indexes:
//!
//! - `residents`: key path `id` (the person id). Sealed: a [`StoredResident`] (the
//!   resident with their [`Banner`] worked out from their entries), associated data
//!   `residents:<id>`. There is no index by room any more: rooms are filtered after
//!   opening ([`LocalDb::residents_in_room`]).
//! - `entries`: key path `id`, index `by_person` on the clear `person_id`. Sealed: an
//!   [`Entry`] in its wire form, associated data `entries:<id>:person:<person id>`, so an
//!   entry moved to another id or another person does not open. Entries written on this
//!   tablet and not yet replaced by the server's version are provisional: version 0 (see
//!   [`crate::provisional`]).
//! - `outbox`: key path `id` (the mutation id), index `by_staff` on the clear `staff`
//!   (the author), and the clear `seq` (its device sequence number). Sealed: an
//!   [`OutboxItem`], associated data `outbox:<id>:staff:<staff id>`. Each member of staff
//!   has a lane of their own ([`Lane`], in `meta`): a sync pushes only the signed-in
//!   author's lane, with their token, so a shared tablet never credits one person's notes
//!   to another.
//! - `audit`: key path `id`, index `by_staff`. Sealed: an `AuditView` (one view of a
//!   resident's record on this tablet), associated data `audit:<id>:staff:<staff id>`;
//!   uploaded by the author's next sync ([`crate::vault`]).
//! - `meta`: out-of-line string keys, clear values that say nothing about any resident
//!   ([`meta_keys`]): the sync cursor, the time and home of the copy, a snapshot in
//!   progress, the lanes, whose session a sync uses.
//! - `keyring`: out-of-line string keys, the vault ([`crate::vault`]): the device key,
//!   the data key's wrapped copies, the settings and each member of staff's session
//!   (sealed).
//! - `legacy_outbox`, `legacy_meta`: a version 2 tablet's plaintext outbox and meta,
//!   renamed by the upgrade (it cannot encrypt); sealed into the outbox, and emptied, at
//!   the first unlock.
//!
//! WebCrypto calls cannot run inside an IndexedDB transaction (it commits as soon as it
//! waits on anything else), so every write seals its rows first and then writes them in
//! one read-write transaction: a page of changes with its cursor
//! ([`LocalDb::apply_changes_page`]), a snapshot page with its progress
//! ([`LocalDb::store_snapshot_page`]), a local write with its outbox row and lane
//! ([`LocalDb::record`]), a push's answer with every outbox state it changes
//! ([`LocalDb::store_push_result`]). What a write read before sealing is checked again
//! inside its transaction, by clear values: the sign-in (the session row's clear
//! `sign_in` name, which a refresh keeps), and for the outbox the lane's revision. A
//! sign-out's wipe (or another sign-in) between two pages is never undone by a page that
//! arrives after it.
//!
//! Nothing here can read or write records while the data key is not in memory
//! ([`DbError::Locked`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use bedside_domain::api::{HomeInfo, HomeRecords, LoginResponse, SignInResponse};
use bedside_domain::record::{Entry, Resident};
use bedside_domain::summary::{Banner, banner};
use bedside_domain::sync::plan::{
    AfterPush, LocalOp, OutboxItem, OutboxState, PushReply, after_push, apply_changes,
    next_device_seq,
};
use bedside_domain::sync::wire::{ChangesPage, Cursor, MutationOp, Outcome, SnapshotPage};
use bedside_domain::{EntryId, HomeId, PersonId, StaffId};
use chrono::{DateTime, Duration, Utc};
use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::{KeyPath, KeyRange, error::OpenDbError};
use js_sys::{Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::crypto::{self, CryptoError, DataKey, Kek, WrappedKey};
use crate::provisional::{self, Author, RecordError, Subject};
use crate::session::StoredSession;
use crate::{read, write};

/// The database the app uses. Tests open others by name so they never touch it.
pub const DB_NAME: &str = "bedside";

/// The schema version. Raise it, and add a step to [`upgrade`], to add stores or indexes;
/// never change what an earlier step created (tablets in the field already have it).
pub const DB_VERSION: u32 = 3;

/// Object store names.
pub mod stores {
    pub const RESIDENTS: &str = "residents";
    pub const ENTRIES: &str = "entries";
    pub const META: &str = "meta";
    pub const OUTBOX: &str = "outbox";
    /// Views of residents' records waiting to be uploaded (version 3).
    pub const AUDIT: &str = "audit";
    /// The vault: keys, wrapped keys, settings, sealed sessions (version 3).
    pub const KEYRING: &str = "keyring";
    /// A version 2 tablet's outbox, until the first unlock seals it (version 3).
    pub const LEGACY_OUTBOX: &str = "legacy_outbox";
    /// A version 2 tablet's meta, until the first open reads what the legacy outbox
    /// needs from it (version 3).
    pub const LEGACY_META: &str = "legacy_meta";

    /// Every store, for transactions that must see the whole tablet at once.
    pub const ALL: [&str; 8] = [
        RESIDENTS,
        ENTRIES,
        META,
        OUTBOX,
        AUDIT,
        KEYRING,
        LEGACY_OUTBOX,
        LEGACY_META,
    ];
}

/// Index names.
pub mod indexes {
    /// On version 1 and 2 `residents`, by `resident.room` (dropped in version 3).
    pub const RESIDENTS_BY_ROOM: &str = "by_room";
    /// On `entries`, by the clear `person_id`.
    pub const ENTRIES_BY_PERSON: &str = "by_person";
    /// On the version 2 `outbox` (now `legacy_outbox`), by `mutation.device_seq`.
    pub const OUTBOX_BY_DEVICE_SEQ: &str = "by_device_seq";
    /// On `outbox` and `audit`, by the clear `staff` (the author).
    pub const BY_STAFF: &str = "by_staff";
}

/// A value the `meta` store keeps, with its hand-written reader and writer ([`read`],
/// [`write`]): what may be stored there, in the form earlier versions stored it.
pub trait MetaValue {
    fn read(value: JsValue) -> read::Result<Self>
    where
        Self: Sized;
    fn write(&self) -> JsValue;
}

macro_rules! meta_value {
    ($($ty:ty: $read:expr, $write:expr;)+) => {
        $(impl MetaValue for $ty {
            fn read(value: JsValue) -> read::Result<Self> {
                $read(value)
            }
            fn write(&self) -> JsValue {
                $write(self)
            }
        })+
    };
}

meta_value! {
    DateTime<Utc>: read::time, write::time;
    HomeInfo: read::home_info, write::home_info;
    Cursor: read::cursor, |c: &Cursor| JsValue::from_str(&c.to_string());
    StaffId: read::staff_id, |s: &StaffId| write::id(&s.0);
    SnapshotProgress: read::snapshot_progress, write::snapshot_progress;
    Lane: read::lane, write::lane;
    LegacyLane: read::legacy_lane, write::legacy_lane;
    Vec<String>: read::strings, |v: &Vec<String>| write::strings(v);
}

/// The clear fields of sealed rows. Only ids: nothing about a resident.
pub mod fields {
    pub const ID: &str = "id";
    pub const PERSON: &str = "person_id";
    pub const STAFF: &str = "staff";
    /// An outbox row's device sequence number.
    pub const SEQ: &str = "seq";
    /// A session row's sign-in, as the SHA-256 of its name (the name is random, made at
    /// sign-in and kept by refreshes; for an older session it is its first access token,
    /// so only its hash is stored in clear).
    pub const SIGN_IN: &str = "sign_in";
}

/// Keys of the `meta` store. Nothing here may describe a resident.
pub mod meta_keys {
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
    /// The member of staff whose session a sync uses (a staff id), when the context has
    /// not been told (the data key's holder says who it is for).
    pub const CURRENT_STAFF: &str = "current_staff";
    /// Each member of staff's outbox lane ([`Lane`](super::Lane)): `lane/<staff id>`.
    pub const LANE_PREFIX: &str = "lane/";
    /// A version 2 tablet's outbox author and device numbers
    /// ([`LegacyLane`](super::LegacyLane)), until the first unlock seals its outbox.
    pub const LEGACY: &str = "legacy";

    /// Version 2 keys, read from `legacy_meta` once.
    pub const V2_SESSION: &str = "session";
    pub const V2_DEVICE_ID: &str = "device_id";
    pub const V2_DEVICE_SEQ: &str = "device_seq";
    pub const V2_LAST_CONFIRMED_SEQ: &str = "last_confirmed_seq";

    /// The keys that describe the stored records, cleared with them.
    pub const RECORD_KEYS: [&str; 4] = [AS_OF, HOME, CURSOR, SNAPSHOT];

    /// A lane's key.
    pub fn lane(staff: bedside_domain::StaffId) -> String {
        format!("{LANE_PREFIX}{staff}")
    }
}

/// How long an answered outbox item is kept, so staff can still see what became of it
/// (confirmed, or rejected and why).
pub const KEEP_ANSWERED: Duration = Duration::days(7);

/// How many times a write whose lane moved on under it (another write, a push's answer)
/// is read and sealed again before it gives up.
const LANE_RETRIES: usize = 8;

/// The associated data of each kind of sealed row: the row's identity.
pub mod aad {
    pub fn resident(id: &str) -> String {
        format!("residents:{id}")
    }
    pub fn entry(id: &str, person: &str) -> String {
        format!("entries:{id}:person:{person}")
    }
    pub fn outbox(id: &str, staff: &str) -> String {
        format!("outbox:{id}:staff:{staff}")
    }
    pub fn audit(id: &str, staff: &str) -> String {
        format!("audit:{id}:staff:{staff}")
    }
    pub fn session(staff: &str) -> String {
        format!("session:{staff}")
    }
}

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

/// One member of staff's outbox lane on this tablet: the sync device id their mutations
/// are pushed under and its sequence numbers. Per member of staff, so each push carries
/// only its author's mutations, with their token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    pub device_id: Uuid,
    /// The highest device sequence number handed out (numbers are never used twice).
    pub device_seq: u64,
    /// The last device sequence number the server confirmed it has.
    pub last_confirmed_seq: u64,
    /// Raised by every write to the lane's outbox rows: a write that sealed its rows
    /// against an older revision reads and seals again.
    #[serde(default)]
    pub rev: u64,
}

/// A version 2 tablet's outbox author and device numbers, kept until its outbox is
/// sealed into the author's lane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyLane {
    /// Who was signed in when version 2 wrote the rows (absent if nobody was).
    pub staff: Option<bedside_domain::api::StaffInfo>,
    pub device_id: Option<Uuid>,
    pub device_seq: u64,
    pub last_confirmed_seq: u64,
}

/// Why the local store failed. The messages are shown to staff, so they never carry
/// record contents: a value that cannot be read back is reported without the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("this browser cannot open the tablet's local store ({0})")]
    Open(String),
    #[error("the tablet's local store failed ({0})")]
    Storage(String),
    /// A row could not be read back: not in the expected shape, or it failed to open
    /// (changed, damaged, or moved from another record).
    #[error("a record stored on this tablet could not be read or written")]
    Data,
    /// The session a sync started under is no longer the stored one (signed out, or
    /// someone else signed in): what it fetched is not written.
    #[error("the sign-in changed while updating")]
    SessionChanged,
    /// The data key is not in memory: the tablet is locked.
    #[error("the tablet is locked: unlock it with your PIN or sign in")]
    Locked,
    /// Encryption failed for a reason other than a record that does not open.
    #[error("{0}")]
    Crypto(CryptoError),
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

impl From<CryptoError> for DbError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::CannotOpen { .. } | CryptoError::Malformed(_) => Self::Data,
            other => Self::Crypto(other),
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
    if step(3) {
        // The encrypted store. This callback cannot run WebCrypto, so what version 2
        // held in clear is not sealed here: the records and the session go (the next
        // online sign-in downloads the records again), and the outbox and meta are
        // renamed, rows and all, to be sealed at the first unlock. The keyring is made
        // first: its store is how this callback reaches the upgrade's transaction.
        let keyring = db.create_object_store(stores::KEYRING).build()?;
        let tx = keyring.transaction();
        tx.object_store(stores::OUTBOX)?
            .set_name(stores::LEGACY_OUTBOX);
        tx.object_store(stores::META)?.set_name(stores::LEGACY_META);
        db.delete_object_store(stores::RESIDENTS)?;
        db.delete_object_store(stores::ENTRIES)?;

        db.create_object_store(stores::RESIDENTS)
            .with_key_path(KeyPath::One(fields::ID))
            .build()?;
        let entries = db
            .create_object_store(stores::ENTRIES)
            .with_key_path(KeyPath::One(fields::ID))
            .build()?;
        entries
            .create_index(indexes::ENTRIES_BY_PERSON, KeyPath::One(fields::PERSON))
            .build()?;
        let outbox = db
            .create_object_store(stores::OUTBOX)
            .with_key_path(KeyPath::One(fields::ID))
            .build()?;
        outbox
            .create_index(indexes::BY_STAFF, KeyPath::One(fields::STAFF))
            .build()?;
        let audit = db
            .create_object_store(stores::AUDIT)
            .with_key_path(KeyPath::One(fields::ID))
            .build()?;
        audit
            .create_index(indexes::BY_STAFF, KeyPath::One(fields::STAFF))
            .build()?;
        db.create_object_store(stores::META).build()?;
    }
    Ok(())
}

/// What this context holds of the vault, in memory only: shared by every clone of a
/// [`LocalDb`] handle, forgotten by [`LocalDb::lock`].
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// The data key, non-extractable.
    pub(crate) key: Option<DataKey>,
    /// Whose session this context works with.
    pub(crate) staff: Option<StaffId>,
    /// A key-encryption key the data key is wrapped under, with that wrapped copy: what
    /// lets a new PIN wrap the data key (the unlock key after an online sign-in, or the
    /// PIN's own key after an unlock). Never in the service worker.
    pub(crate) rewrap: Option<(Kek, WrappedKey)>,
}

/// An open connection to the local store. Cheap to clone (it is a handle); clones share
/// the data key in memory.
#[derive(Debug, Clone)]
pub struct LocalDb {
    pub(crate) db: Database,
    pub(crate) mem: Rc<RefCell<Memory>>,
}

/// A row sealed and ready to put, made before the transaction that puts it.
#[derive(Debug, Clone)]
pub struct SealedRow {
    store: &'static str,
    row: JsValue,
}

/// A value to seal: its store, identity, payload and clear fields.
struct Plain {
    store: &'static str,
    aad: String,
    value: JsValue,
    clear: Vec<(&'static str, JsValue)>,
}

impl Plain {
    fn resident(stored: &StoredResident) -> DbResult<Self> {
        let id = stored.resident.id.to_string();
        Ok(Self {
            store: stores::RESIDENTS,
            aad: aad::resident(&id),
            value: write::stored_resident(stored),
            clear: vec![(fields::ID, JsValue::from_str(&id))],
        })
    }

    fn resident_raw(id: &str, value: JsValue) -> Self {
        Self {
            store: stores::RESIDENTS,
            aad: aad::resident(id),
            value,
            clear: vec![(fields::ID, JsValue::from_str(id))],
        }
    }

    fn entry(entry: &Entry) -> DbResult<Self> {
        Ok(Self::entry_raw(
            &entry.id.to_string(),
            &entry.person_id.to_string(),
            write::entry(entry),
        ))
    }

    fn entry_raw(id: &str, person: &str, value: JsValue) -> Self {
        Self {
            store: stores::ENTRIES,
            aad: aad::entry(id, person),
            value,
            clear: vec![
                (fields::ID, JsValue::from_str(id)),
                (fields::PERSON, JsValue::from_str(person)),
            ],
        }
    }

    /// An entry as the browser parsed it from the server; its clear fields are read from
    /// the value itself, so they cannot disagree with it.
    fn entry_parsed(value: JsValue) -> DbResult<Self> {
        let id = text_field(&value, fields::ID).ok_or(DbError::Data)?;
        let person = text_field(&value, fields::PERSON).ok_or(DbError::Data)?;
        Ok(Self::entry_raw(&id, &person, value))
    }

    fn outbox(item: &OutboxItem, staff: StaffId) -> DbResult<Self> {
        let id = item.mutation.id.to_string();
        let staff = staff.to_string();
        Ok(Self {
            store: stores::OUTBOX,
            aad: aad::outbox(&id, &staff),
            value: write::outbox_item(item),
            clear: vec![
                (fields::ID, JsValue::from_str(&id)),
                (fields::STAFF, JsValue::from_str(&staff)),
                (
                    fields::SEQ,
                    JsValue::from_f64(item.mutation.device_seq as f64),
                ),
            ],
        })
    }
}

/// Seals values, all at once, into rows to put.
async fn seal(key: &DataKey, plain: Vec<Plain>) -> DbResult<Vec<SealedRow>> {
    let pairs: Vec<(&str, JsValue)> = plain
        .iter()
        .map(|p| (p.aad.as_str(), p.value.clone()))
        .collect();
    let sealed = crypto::seal_values(key, &pairs).await?;
    plain
        .iter()
        .zip(sealed)
        .map(|(p, s)| {
            Ok(SealedRow {
                store: p.store,
                row: s.to_row(&p.clear)?.into(),
            })
        })
        .collect()
}

/// A clear string field of a row or a parsed value.
fn text_field(row: &JsValue, name: &str) -> Option<String> {
    Reflect::get(row, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// The identity a stored row of `store` was sealed with, from its clear fields.
fn row_aad(store: &str, row: &JsValue) -> DbResult<String> {
    let get = |name| text_field(row, name).ok_or(DbError::Data);
    Ok(match store {
        stores::RESIDENTS => aad::resident(&get(fields::ID)?),
        stores::ENTRIES => aad::entry(&get(fields::ID)?, &get(fields::PERSON)?),
        stores::OUTBOX => aad::outbox(&get(fields::ID)?, &get(fields::STAFF)?),
        stores::AUDIT => aad::audit(&get(fields::ID)?, &get(fields::STAFF)?),
        _ => return Err(DbError::Data),
    })
}

/// Opens stored rows of `store`, all at once, and reads each with `read`.
async fn open_rows<T>(
    key: &DataKey,
    store: &str,
    rows: Vec<JsValue>,
    read: fn(JsValue) -> Result<T, serde_wasm_bindgen::Error>,
) -> DbResult<Vec<T>> {
    open_values(key, store, rows)
        .await?
        .into_iter()
        .map(|v| read(v).map_err(|_| DbError::Data))
        .collect()
}

/// The non-generic part of [`open_rows`] (one copy of its future, not one per type
/// read): the opened values.
async fn open_values(key: &DataKey, store: &str, rows: Vec<JsValue>) -> DbResult<Vec<JsValue>> {
    let pairs = rows
        .into_iter()
        .map(|row| Ok((row_aad(store, &row)?, row)))
        .collect::<DbResult<Vec<_>>>()?;
    Ok(crypto::open_values(key, &pairs).await?)
}

/// Every row a query gives, as JavaScript values.
fn collect(
    iter: impl Iterator<Item = indexed_db_futures::Result<JsValue>>,
) -> DbResult<Vec<JsValue>> {
    iter.map(|r| r.map_err(DbError::from)).collect()
}

impl LocalDb {
    /// Opens (creating or upgrading) the app's database.
    pub async fn open() -> DbResult<Self> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database of this layout under another name (tests use a fresh one each).
    pub async fn open_named(name: &str) -> DbResult<Self> {
        let db = Self::open_at(name, DB_VERSION).await?;
        db.settle_legacy_meta().await?;
        Ok(db)
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
        Ok(Self {
            db,
            mem: Rc::default(),
        })
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

    /// Closes the connection (it finishes its transactions first). The data key stays in
    /// memory for other handles of this context.
    pub fn close(self) {
        self.db.close();
    }

    /// Deletes a database by name. Used by tests; the app wipes with [`Self::wipe`],
    /// which does not wait for other tabs to close their connections.
    pub async fn delete_named(name: &str) -> DbResult<()> {
        Database::delete_by_name(name)?.await?;
        Ok(())
    }

    /// The data key, or [`DbError::Locked`].
    pub(crate) fn key(&self) -> DbResult<DataKey> {
        self.mem.borrow().key.clone().ok_or(DbError::Locked)
    }

    /// The data key and whose session this context works with. The staff member is the
    /// one this context was told of, else the stored `current_staff`.
    pub(crate) async fn key_and_staff(&self) -> DbResult<(DataKey, Option<StaffId>)> {
        let key = self.key()?;
        let told = self.mem.borrow().staff;
        let staff = match told {
            Some(s) => Some(s),
            None => self.meta_value(meta_keys::CURRENT_STAFF).await?,
        };
        Ok((key, staff))
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

    /// Seals an entry into a row for [`WriteTx::put_sealed`].
    pub async fn sealed_entry(&self, entry: &Entry) -> DbResult<SealedRow> {
        let mut rows = seal(&self.key()?, vec![Plain::entry(entry)?]).await?;
        rows.pop().ok_or(DbError::Data)
    }

    /// Rows of `store` read in a read-only transaction, all (`query` None) or those the
    /// `by_person`/`by_staff` index gives for `query`.
    async fn raw_rows(&self, store: &str, query: Option<(&str, String)>) -> DbResult<Vec<JsValue>> {
        let tx = self.db.transaction(store).build()?;
        let s = tx.object_store(store)?;
        let iter = match query {
            None => s.get_all::<JsValue>().primitive()?.await?,
            Some((index, value)) => {
                s.index(index)?
                    .get_all::<JsValue>()
                    .with_query(value)
                    .primitive()?
                    .await?
            }
        };
        collect(iter)
    }

    async fn raw_row(&self, store: &str, key: String) -> DbResult<Option<JsValue>> {
        let tx = self.db.transaction(store).build()?;
        Ok(tx
            .object_store(store)?
            .get::<JsValue, _, _>(key)
            .primitive()?
            .await?)
    }

    /// Replaces every stored resident and entry with a full download, and records its
    /// time and home, in one transaction: the tablet shows either the old copy or the
    /// new one, never half of each. The sessions and the outbox are kept; the sync
    /// cursor is dropped, so the next sync takes a snapshot.
    pub async fn replace_home(&self, records: &HomeRecords) -> DbResult<()> {
        self.replace_home_with(records, None).await
    }

    /// [`Self::replace_home`] for a download whose JSON the browser has parsed: the
    /// parsed residents and entries are sealed as they are. `records` must be that same
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
        let key = self.key()?;
        let raw = raw.filter(|raw| raw.matches(records));
        let by_person = by_person(records.entries.clone());
        let mut plain = Vec::with_capacity(records.entries.len() + records.residents.len());
        match raw {
            Some(raw) => {
                for e in raw.entries.iter() {
                    plain.push(Plain::entry_parsed(e)?);
                }
            }
            None => {
                for e in &records.entries {
                    plain.push(Plain::entry(e)?);
                }
            }
        }
        for (i, r) in records.residents.iter().enumerate() {
            let banner = banner(r, entries_of(&by_person, r.id));
            plain.push(match raw {
                Some(raw) => Plain::resident_raw(
                    &r.id.to_string(),
                    raw_stored_resident(&raw.residents.get(i as u32), &banner)?,
                ),
                None => Plain::resident(&StoredResident {
                    resident: r.clone(),
                    banner,
                })?,
            });
        }
        let rows = seal(&key, plain).await?;

        let tx = self.write()?;
        tx.clear_records()?;
        tx.put_all(&rows)?;
        tx.put_meta(meta_keys::AS_OF, &records.as_of)?;
        tx.put_meta(meta_keys::HOME, &records.home)?;
        tx.commit().await
    }

    /// Every stored resident, in no particular order.
    pub async fn residents(&self) -> DbResult<Vec<StoredResident>> {
        let key = self.key()?;
        let rows = self.raw_rows(stores::RESIDENTS, None).await?;
        open_rows(&key, stores::RESIDENTS, rows, read::stored_resident).await
    }

    /// The residents whose room is exactly `room`. (Rooms are sealed with the rest of
    /// the resident, so this opens every resident and filters.)
    pub async fn residents_in_room(&self, room: &str) -> DbResult<Vec<StoredResident>> {
        let mut all = self.residents().await?;
        all.retain(|r| r.resident.room == room);
        Ok(all)
    }

    /// One resident, if this tablet holds them.
    pub async fn resident(&self, id: PersonId) -> DbResult<Option<StoredResident>> {
        let key = self.key()?;
        let Some(row) = self.raw_row(stores::RESIDENTS, id.to_string()).await? else {
            return Ok(None);
        };
        let mut one = open_rows(&key, stores::RESIDENTS, vec![row], read::stored_resident).await?;
        Ok(one.pop())
    }

    /// One entry, if this tablet holds it.
    pub async fn entry(&self, id: EntryId) -> DbResult<Option<Entry>> {
        let key = self.key()?;
        let Some(row) = self.raw_row(stores::ENTRIES, id.to_string()).await? else {
            return Ok(None);
        };
        let mut one = open_rows(&key, stores::ENTRIES, vec![row], read::entry).await?;
        Ok(one.pop())
    }

    /// Every stored entry of one person (through the `by_person` index), provisional
    /// ones included.
    pub async fn entries_for(&self, person: PersonId) -> DbResult<Vec<Entry>> {
        let key = self.key()?;
        let rows = self
            .raw_rows(
                stores::ENTRIES,
                Some((indexes::ENTRIES_BY_PERSON, person.to_string())),
            )
            .await?;
        open_rows(&key, stores::ENTRIES, rows, read::entry).await
    }

    /// Every stored care note, observation set and correction written at or after
    /// `since`, of every resident: what a handover lists. Every entry is sealed, so this
    /// opens the home's entries; the kind and the time are read from each opened value
    /// before the rest of it, so the other entries are never read into Rust values.
    pub async fn recorded_since(&self, since: DateTime<Utc>) -> DbResult<Vec<Entry>> {
        const KINDS: [&str; 3] = ["care_note", "observation_set", "correction"];
        let key = self.key()?;
        let rows = self.raw_rows(stores::ENTRIES, None).await?;
        let values = open_values(&key, stores::ENTRIES, rows).await?;
        let since_ms = since.timestamp_millis() as f64;
        let field = |v: &JsValue, name: &str| Reflect::get(v, &JsValue::from_str(name)).ok();
        let mut out = Vec::new();
        for row in values {
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
        let key = self.key()?;
        let tx = self
            .db
            .transaction([stores::RESIDENTS, stores::META])
            .build()?;
        let residents = tx.object_store(stores::RESIDENTS)?;
        let meta = tx.object_store(stores::META)?;
        let rows = collect(residents.get_all::<JsValue>().primitive()?.await?)?;
        let home = meta_in::<HomeInfo>(&meta, meta_keys::HOME).await?;
        let as_of = meta_in::<DateTime<Utc>>(&meta, meta_keys::AS_OF).await?;
        drop(tx);
        let residents = open_rows(&key, stores::RESIDENTS, rows, read::stored_resident).await?;
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

    /// The current member of staff's sync device id (their lane's), if they have one.
    pub async fn device_id(&self) -> DbResult<Option<Uuid>> {
        let (_, staff) = self.key_and_staff().await?;
        let Some(staff) = staff else { return Ok(None) };
        Ok(self.lane(staff).await?.map(|l| l.device_id))
    }

    /// A member of staff's outbox lane.
    pub async fn lane(&self, staff: StaffId) -> DbResult<Option<Lane>> {
        self.meta_value(&meta_keys::lane(staff)).await
    }

    /// Every outbox item of every member of staff, oldest first (by when it was made,
    /// then by device sequence).
    pub async fn outbox(&self) -> DbResult<Vec<OutboxItem>> {
        Ok(self
            .outbox_with_authors()
            .await?
            .into_iter()
            .map(|(_, item)| item)
            .collect())
    }

    /// Every outbox item with its author, oldest first.
    pub async fn outbox_with_authors(&self) -> DbResult<Vec<(StaffId, OutboxItem)>> {
        let key = self.key()?;
        let rows = self.raw_rows(stores::OUTBOX, None).await?;
        let authors = rows
            .iter()
            .map(|r| {
                text_field(r, fields::STAFF)
                    .and_then(|s| StaffId::parse(&s).ok())
                    .ok_or(DbError::Data)
            })
            .collect::<DbResult<Vec<_>>>()?;
        let items = open_rows(&key, stores::OUTBOX, rows, read::outbox_item).await?;
        let mut out: Vec<(StaffId, OutboxItem)> = authors.into_iter().zip(items).collect();
        bedside_domain::order::sort_by(&mut out, |(_, a), (_, b)| {
            (a.mutation.created_at, a.mutation.device_seq)
                .cmp(&(b.mutation.created_at, b.mutation.device_seq))
        });
        Ok(out)
    }

    /// One member of staff's outbox items, in device sequence order.
    pub async fn outbox_of(&self, staff: StaffId) -> DbResult<Vec<OutboxItem>> {
        let key = self.key()?;
        let rows = self
            .raw_rows(stores::OUTBOX, Some((indexes::BY_STAFF, staff.to_string())))
            .await?;
        let mut items = open_rows(&key, stores::OUTBOX, rows, read::outbox_item).await?;
        bedside_domain::order::sort_by_key(&mut items, |i| i.mutation.device_seq);
        Ok(items)
    }

    /// How many outbox rows there are, of anyone (no key needed: they are counted, not
    /// opened).
    pub async fn outbox_rows(&self) -> DbResult<usize> {
        let tx = self.db.transaction(stores::OUTBOX).build()?;
        let n = tx
            .object_store(stores::OUTBOX)?
            .count()
            .primitive()?
            .await?;
        Ok(n as usize)
    }

    /// The stored session of the current member of staff, if they signed in on this
    /// tablet and have not signed out.
    pub async fn session(&self) -> DbResult<Option<LoginResponse>> {
        Ok(self.stored_session().await?.map(|s| s.login()))
    }

    /// Stores a sign-in's session (tests and older callers: a session made from a
    /// [`LoginResponse`] alone, with no refresh token).
    pub async fn set_session(&self, session: &LoginResponse) -> DbResult<()> {
        let stored = StoredSession {
            token: session.token.clone(),
            expires_at: session.expires_at,
            staff: session.staff.clone(),
            refresh_token: None,
            refresh_expires_at: None,
            received_at: None,
            sign_in: None,
        };
        self.set_stored_session(&stored).await
    }

    /// The current member of staff's stored session with its refresh token and sign-in
    /// key (see [`StoredSession`]).
    pub async fn stored_session(&self) -> DbResult<Option<StoredSession>> {
        let (key, staff) = self.key_and_staff().await?;
        let Some(staff) = staff else { return Ok(None) };
        Ok(self.session_of(&key, staff).await?.map(|(s, _)| s))
    }

    /// A member of staff's stored session and its row's clear sign-in fingerprint.
    pub(crate) async fn session_of(
        &self,
        key: &DataKey,
        staff: StaffId,
    ) -> DbResult<Option<(StoredSession, String)>> {
        let Some(row) = self
            .raw_row(stores::KEYRING, crate::vault::keys::session(staff))
            .await?
        else {
            return Ok(None);
        };
        let sign_in = text_field(&row, fields::SIGN_IN).unwrap_or_default();
        let id = staff.to_string();
        let opened = crypto::open_values(key, &[(aad::session(&id), row)]).await?;
        let session: StoredSession = opened
            .into_iter()
            .next()
            .map(read::stored_session)
            .transpose()
            .map_err(|_| DbError::Data)?
            .ok_or(DbError::Data)?;
        if session.staff.id != staff {
            return Err(DbError::Data);
        }
        Ok(Some((session, sign_in)))
    }

    /// Seals a session into its keyring row.
    pub(crate) async fn sealed_session(
        &self,
        key: &DataKey,
        session: &StoredSession,
    ) -> DbResult<JsValue> {
        let id = session.staff.id.to_string();
        let sealed =
            crypto::seal_values(key, &[(aad::session(&id), write::stored_session(session))])
                .await?;
        let sealed = sealed.into_iter().next().ok_or(DbError::Data)?;
        let name = crypto::fingerprint(session.key()).await?;
        Ok(sealed
            .to_row(&[(fields::SIGN_IN, JsValue::from_str(&name))])?
            .into())
    }

    /// Stores a session as a whole, sealed, and makes its member of staff the current
    /// one in this context: after a sign-in, or to put back the one before a sign-in
    /// whose download failed.
    pub async fn set_stored_session(&self, session: &StoredSession) -> DbResult<()> {
        let key = self.key()?;
        let row = self.sealed_session(&key, session).await?;
        let tx = self.write()?;
        tx.put_keyring(&crate::vault::keys::session(session.staff.id), &row)?;
        tx.put_meta(meta_keys::CURRENT_STAFF, &session.staff.id)?;
        tx.commit().await?;
        self.mem.borrow_mut().staff = Some(session.staff.id);
        Ok(())
    }

    /// The current session, when it is the sign-in named `sign_in`: what a sync's writes
    /// check, before sealing and again inside their transaction.
    async fn guard(&self, sign_in: &str) -> DbResult<Guard> {
        let (key, staff) = self.key_and_staff().await?;
        let staff = staff.ok_or(DbError::SessionChanged)?;
        let hashed = crypto::fingerprint(sign_in).await?;
        match self.session_of(&key, staff).await? {
            Some((session, name)) if session.key() == sign_in && name == hashed => Ok(Guard {
                key,
                staff,
                sign_in: name,
                session,
            }),
            _ => Err(DbError::SessionChanged),
        }
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
        let guard = self.guard(session).await?;
        let refreshed = guard.session.refreshed(answer, received_at);
        let row = self.sealed_session(&guard.key, &refreshed).await?;
        let tx = self.write()?;
        tx.check(&guard).await?;
        tx.put_keyring(&crate::vault::keys::session(guard.staff), &row)?;
        tx.commit().await?;
        Ok(refreshed)
    }

    /// Forgets the current member of staff's session but keeps the stored records.
    pub async fn clear_session(&self) -> DbResult<()> {
        let (_, staff) = self.key_and_staff().await?;
        let Some(staff) = staff else { return Ok(()) };
        let tx = self.write()?;
        tx.delete_keyring(&crate::vault::keys::session(staff))?;
        tx.delete_meta(meta_keys::CURRENT_STAFF)?;
        tx.commit().await
    }

    /// Removes the records (residents, entries, their time, home and cursor), keeping
    /// the sessions, the outbox and the vault: for records this version cannot read,
    /// which the next sync fetches afresh.
    pub async fn clear_records(&self) -> DbResult<()> {
        let tx = self.write()?;
        tx.clear_records()?;
        tx.commit().await
    }

    /// Removes everything this tablet holds for anyone: records, the outbox, the audit
    /// queue, every session, PIN and lane. Keeps the tablet's enrolment (its device key,
    /// the data key's escrow copy, its settings), so staff can sign in online again.
    /// Forgets the data key in this context.
    pub async fn wipe(&self) -> DbResult<()> {
        let tx = self.write()?;
        for name in [
            stores::RESIDENTS,
            stores::ENTRIES,
            stores::OUTBOX,
            stores::AUDIT,
            stores::META,
            stores::LEGACY_OUTBOX,
            stores::LEGACY_META,
        ] {
            // Not awaited one by one: the commit fails if any clear did.
            drop(tx.tx.object_store(name)?.clear()?);
        }
        let keyring = tx.tx.object_store(stores::KEYRING)?;
        for prefix in [
            crate::vault::keys::PIN_PREFIX,
            crate::vault::keys::SESSION_PREFIX,
        ] {
            drop(
                keyring
                    .delete::<String, _>(prefix_range(prefix))
                    .primitive()?,
            );
        }
        tx.commit().await?;
        self.lock();
        Ok(())
    }

    /// One value of the `meta` store (see [`meta_keys`]).
    pub async fn meta_value<T: MetaValue>(&self, key: &str) -> DbResult<Option<T>> {
        read_meta(self.meta_js(key).await?)
    }

    /// The non-generic part of [`Self::meta_value`]: the stored value, if any.
    async fn meta_js(&self, key: &str) -> DbResult<Option<JsValue>> {
        let tx = self.db.transaction(stores::META).build()?;
        get_meta_js(&tx, key).await
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
        let guard = self.guard(session).await?;
        let key = &guard.key;

        // What the tablet holds of the page's entries, and of the residents it touches.
        let mut ids: Vec<String> = Vec::new();
        for change in &page.changes {
            if let bedside_domain::sync::wire::Change::Entry { entry, .. } = change {
                ids.push(entry.id.to_string());
            }
        }
        let held_rows = self.rows_by_key(stores::ENTRIES, &ids).await?;
        let mut held: HashMap<EntryId, u32> = HashMap::new();
        for e in open_rows(key, stores::ENTRIES, held_rows, read::entry).await? {
            held.insert(e.id, e.version);
        }
        let ops = apply_changes(&held, &page.changes);

        // Each touched resident as the page leaves them: their details and entries,
        // starting from what is stored and applying the page's writes in order.
        let mut persons: Vec<PersonId> = Vec::new();
        for op in &ops {
            let p = match op {
                LocalOp::PutResident(r) => r.id,
                LocalOp::RemoveResident(p) => *p,
                LocalOp::PutEntry(e) => e.person_id,
            };
            if !persons.contains(&p) {
                persons.push(p);
            }
        }
        // Lists beside `persons` rather than maps: a page touches few residents, each
        // with a few hundred entries at most, and maps of these types would be more
        // copies of the hash table code in the wasm.
        let mut state: Vec<(Option<Resident>, Vec<Entry>)> = Vec::with_capacity(persons.len());
        for p in &persons {
            let resident = self.resident(*p).await?.map(|s| s.resident);
            state.push((resident, self.entries_for(*p).await?));
        }
        let slot_of = |p: &PersonId| persons.iter().position(|q| q == p);
        let mut plain = Vec::new();
        // Per op, the index of its sealed row (entries only).
        let mut entry_rows: Vec<Option<usize>> = Vec::with_capacity(ops.len());
        for op in &ops {
            match op {
                LocalOp::PutResident(r) => {
                    if let Some(i) = slot_of(&r.id) {
                        state[i].0 = Some(r.clone());
                    }
                    entry_rows.push(None);
                }
                LocalOp::RemoveResident(p) => {
                    if let Some(i) = slot_of(p) {
                        state[i] = (None, Vec::new());
                    }
                    entry_rows.push(None);
                }
                LocalOp::PutEntry(e) => {
                    if let Some(i) = slot_of(&e.person_id) {
                        let entries = &mut state[i].1;
                        match entries.iter_mut().find(|held| held.id == e.id) {
                            Some(held) => *held = e.clone(),
                            None => entries.push(e.clone()),
                        }
                    }
                    entry_rows.push(Some(plain.len()));
                    plain.push(Plain::entry(e)?);
                }
            }
        }
        let first_resident = plain.len();
        for (resident, entries) in &state {
            // Entries of someone not on the tablet have no banner to update.
            if let Some(resident) = resident {
                plain.push(Plain::resident(&stored(resident, entries))?);
            }
        }
        let rows = seal(key, plain).await?;

        let tx = self.write()?;
        tx.check(&guard).await?;
        for (op, row) in ops.iter().zip(&entry_rows) {
            match (op, row) {
                (LocalOp::RemoveResident(p), _) => tx.remove_resident_key(p.to_string()).await?,
                (LocalOp::PutEntry(_), Some(i)) => tx.put_sealed(&rows[*i])?,
                _ => {}
            }
        }
        tx.put_all(&rows[first_resident..])?;
        tx.put_meta(meta_keys::CURSOR, &page.cursor)?;
        if let Some(as_of) = as_of {
            tx.put_meta(meta_keys::AS_OF, &as_of)?;
        }
        tx.commit().await?;
        Ok(ops.len())
    }

    /// The stored rows of `store` with these keys (those it holds), in one read.
    async fn rows_by_key(&self, store: &str, keys: &[String]) -> DbResult<Vec<JsValue>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.transaction(store).build()?;
        let s = tx.object_store(store)?;
        let mut out = Vec::new();
        for k in keys {
            if let Some(row) = s.get::<JsValue, _, _>(k.as_str()).primitive()?.await? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Records that the copy is up to date as of `as_of` (a pull that found nothing new).
    pub async fn set_as_of(&self, session: &str, as_of: DateTime<Utc>) -> DbResult<()> {
        let guard = self.guard(session).await?;
        let tx = self.write()?;
        tx.check(&guard).await?;
        tx.put_meta(meta_keys::AS_OF, &as_of)?;
        tx.commit().await
    }

    /// Drops a snapshot in progress (the server no longer knows its page token), so the
    /// next pull starts a new one.
    pub async fn abandon_snapshot(&self, session: &str) -> DbResult<()> {
        let guard = self.guard(session).await?;
        let tx = self.write()?;
        tx.check(&guard).await?;
        tx.delete_meta(meta_keys::SNAPSHOT)?;
        tx.delete_snapshot_ids()?;
        tx.commit().await
    }

    /// Stores one snapshot page and where the snapshot has got to.
    ///
    /// `progress` is `None` for the first page, which also holds every current resident:
    /// residents the tablet holds who are not among them are removed with their entries
    /// (their outbox rows stay). Each page's entries are stored as they are (the
    /// snapshot is the truth as of its pinned cursor), with the progress, in one
    /// transaction. The last page is stored the same way but leaves the progress as it
    /// was; then a second transaction ends the snapshot: whatever it did not hold is
    /// swept away (when the tablet held entries before it began; provisional entries
    /// stay), every banner is worked out again, and the cursor becomes the pinned one.
    /// (The banners need every entry opened, which cannot happen inside a transaction; a
    /// restart between the two fetches the last page again.)
    ///
    /// `parsed` is the page as the browser parsed it; its entries are sealed as they are
    /// when they line up with `page`.
    pub async fn store_snapshot_page(
        &self,
        session: &str,
        progress: Option<&SnapshotProgress>,
        page: &SnapshotPage,
        parsed: Option<&JsValue>,
    ) -> DbResult<SnapshotStep> {
        let guard = self.guard(session).await?;
        let key = &guard.key;
        let home = guard.session.staff.home.clone();

        let mut plain = Vec::new();
        let raw = parsed
            .and_then(|p| raw_array(p, "entries"))
            .filter(|raw| lines_up(raw, page.entries.len(), |i| page.entries[i].id.to_string()));
        match raw {
            Some(raw) => {
                for e in raw.iter() {
                    plain.push(Plain::entry_parsed(e)?);
                }
            }
            None => {
                for e in &page.entries {
                    plain.push(Plain::entry(e)?);
                }
            }
        }
        // The first page: the residents it lists replace the tablet's. Until the last
        // page works every banner out again, a resident keeps the one they had, or gets
        // one from no entries (which says "not recorded", never "none").
        let mut held_entries = 0;
        if progress.is_none() {
            // A list, not a map: a home has a few hundred residents at most, and a map
            // of this type would be one more copy of the hash table code in the wasm.
            let banners: Vec<(PersonId, Banner)> = self
                .residents()
                .await?
                .into_iter()
                .map(|s| (s.resident.id, s.banner))
                .collect();
            for r in &page.residents {
                let banner = banners
                    .iter()
                    .find(|(p, _)| *p == r.id)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_else(|| banner(r, &[]));
                plain.push(Plain::resident(&StoredResident {
                    resident: r.clone(),
                    banner,
                })?);
            }
            let tx = self.db.transaction(stores::ENTRIES).build()?;
            held_entries = tx
                .object_store(stores::ENTRIES)?
                .count()
                .primitive()?
                .await?;
        }
        let rows = seal(key, plain).await?;

        let mut progress = match progress {
            Some(p) => p.clone(),
            None => SnapshotProgress {
                home: home.id,
                pinned: page.pinned.clone(),
                next: None,
                pages: 0,
                sweep: held_entries > 0,
            },
        };
        let tx = self.write()?;
        tx.check(&guard).await?;
        if progress.pages == 0 {
            tx.begin_snapshot(&home, &page.residents).await?;
        }
        tx.put_all(&rows)?;
        let page_no = progress.pages.saturating_add(1);
        if progress.sweep {
            let ids: Vec<String> = page.entries.iter().map(|e| e.id.to_string()).collect();
            tx.put_meta(
                &format!("{}{:06}", meta_keys::SNAPSHOT_IDS_PREFIX, page_no),
                &ids,
            )?;
        }
        if page.next.is_some() {
            progress.pages = page_no;
            progress.next = page.next.clone();
            tx.put_meta(meta_keys::SNAPSHOT, &progress)?;
            tx.commit().await?;
            return Ok(SnapshotStep::Continue(progress));
        }
        tx.commit().await?;
        self.end_snapshot(&guard, &progress).await?;
        Ok(SnapshotStep::Done(progress.pinned))
    }

    /// The end of a snapshot whose last page is stored: sweeps what it did not hold,
    /// works every banner out again, and moves the cursor to the pinned one.
    async fn end_snapshot(&self, guard: &Guard, progress: &SnapshotProgress) -> DbResult<()> {
        let key = &guard.key;
        let tx = self
            .db
            .transaction([stores::ENTRIES, stores::META, stores::OUTBOX])
            .build()?;
        let keep = if progress.sweep {
            Some(snapshot_keeps(&tx).await?)
        } else {
            None
        };
        let rows = collect(
            tx.object_store(stores::ENTRIES)?
                .get_all::<JsValue>()
                .primitive()?
                .await?,
        )?;
        drop(tx);
        let rows: Vec<JsValue> = match &keep {
            Some(keep) => rows
                .into_iter()
                .filter(|r| text_field(r, fields::ID).is_some_and(|id| keeps(keep, &id)))
                .collect(),
            None => rows,
        };
        let entries = open_rows(key, stores::ENTRIES, rows, read::entry).await?;
        let by_person = by_person(entries);
        let mut plain = Vec::new();
        for r in self.residents().await? {
            let list = entries_of(&by_person, r.resident.id);
            plain.push(Plain::resident(&stored(&r.resident, list))?);
        }
        let rows = seal(key, plain).await?;

        let tx = self.write()?;
        tx.check(guard).await?;
        if progress.sweep {
            // Decided again from what this transaction sees: a local write made while the
            // banners were worked out has an outbox row, and its entry stays.
            let keep = snapshot_keeps(&tx.tx).await?;
            let entries = tx.tx.object_store(stores::ENTRIES)?;
            for key in entries.get_all_keys::<String>().primitive()?.await? {
                let key = key?;
                if !keeps(&keep, &key) {
                    drop(entries.delete(key).primitive()?);
                }
            }
        }
        tx.put_all(&rows)?;
        tx.delete_snapshot_ids()?;
        tx.delete_meta(meta_keys::SNAPSHOT)?;
        tx.put_meta(meta_keys::CURSOR, &progress.pinned)?;
        tx.commit().await
    }

    /// Stores a local write in one transaction: its outbox row (state `Saved`) in the
    /// current member of staff's lane, the provisional entry when the mutation makes one
    /// (version 0, their provenance), the lane's sequence number it used, and the
    /// resident's banner worked out again. The lane (and its sync device id, made with
    /// `new_device_id`) is made here the first time.
    ///
    /// `mutation_id` is the new mutation's id (a UUIDv7).
    pub async fn record(
        &self,
        op: MutationOp,
        now: DateTime<Utc>,
        mutation_id: Uuid,
        new_device_id: impl FnOnce() -> Option<Uuid>,
    ) -> Result<LocalWrite, RecordError> {
        provisional::check(&op)?;
        let (key, staff) = self.key_and_staff().await?;
        let staff = staff.ok_or(RecordError::NotSignedIn)?;
        let session = self
            .session_of(&key, staff)
            .await?
            .ok_or(RecordError::NotSignedIn)?
            .0;
        let person = match provisional::subject(&op) {
            Subject::Person(p) => p,
            Subject::Entry(id) => {
                // The clear person id is enough; the entry is opened to be sure it is one.
                self.entry(id)
                    .await?
                    .ok_or(RecordError::UnknownEntry)?
                    .person_id
            }
        };
        let resident = self
            .resident(person)
            .await?
            .ok_or(RecordError::UnknownResident)?
            .resident;
        let mut new_device_id = Some(new_device_id);
        let mut made: Option<Uuid> = None;
        for _ in 0..LANE_RETRIES {
            let read_lane = self.lane(staff).await?;
            let lane = match &read_lane {
                Some(lane) => lane.clone(),
                None => {
                    let id = match (made, new_device_id.take()) {
                        (Some(id), _) => id,
                        (None, Some(make)) => make().ok_or_else(|| {
                            DbError::Storage("this browser cannot make random ids".to_owned())
                        })?,
                        (None, None) => return Err(RecordError::Storage(DbError::Data)),
                    };
                    made = Some(id);
                    Lane {
                        device_id: id,
                        device_seq: 0,
                        last_confirmed_seq: 0,
                        rev: 0,
                    }
                }
            };
            let outbox = self.outbox_of(staff).await?;
            // The highest number ever handed out counts as used even after its outbox row
            // has gone (answered and pruned).
            let device_seq = next_device_seq(&outbox, lane.last_confirmed_seq.max(lane.device_seq));
            let mutation = bedside_domain::sync::wire::Mutation {
                id: mutation_id,
                device_seq,
                created_at: now,
                op: op.clone(),
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
            let mut plain = vec![Plain::outbox(&item, staff)?];
            if let Some(entry) = &entry {
                let mut entries = self.entries_for(person).await?;
                entries.retain(|e| e.id != entry.id);
                entries.push(entry.clone());
                plain.push(Plain::entry(entry)?);
                plain.push(Plain::resident(&stored(&resident, &entries))?);
            }
            let rows = seal(&key, plain).await?;

            let tx = self.write()?;
            let now_lane = get_meta::<Lane>(&tx.tx, &meta_keys::lane(staff)).await?;
            if now_lane != read_lane {
                // Another write (or a push's answer) moved the lane on: read again.
                continue;
            }
            tx.put_all(&rows)?;
            tx.put_meta(
                &meta_keys::lane(staff),
                &Lane {
                    device_seq,
                    rev: lane.rev + 1,
                    ..lane
                },
            )?;
            tx.commit().await?;
            return Ok(LocalWrite { item, entry });
        }
        Err(RecordError::Storage(DbError::Storage(
            "the tablet was too busy to save this: try again".to_owned(),
        )))
    }

    /// The sync device id of the signed-in member of staff's lane, made now (with
    /// `new_id`) if they have none.
    pub async fn ensure_device_id(
        &self,
        session: &str,
        new_id: impl FnOnce() -> Option<Uuid>,
    ) -> DbResult<Uuid> {
        let guard = self.guard(session).await?;
        if let Some(lane) = self.lane(guard.staff).await? {
            return Ok(lane.device_id);
        }
        let id = new_id()
            .ok_or_else(|| DbError::Storage("this browser cannot make random ids".to_owned()))?;
        let tx = self.write()?;
        tx.check(&guard).await?;
        let lane_key = meta_keys::lane(guard.staff);
        if let Some(lane) = get_meta::<Lane>(&tx.tx, &lane_key).await? {
            return Ok(lane.device_id);
        }
        tx.put_meta(
            &lane_key,
            &Lane {
                device_id: id,
                device_seq: 0,
                last_confirmed_seq: 0,
                rev: 0,
            },
        )?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores what a push's answer means for the signed-in member of staff's outbox lane,
    /// in one transaction, and says what to do next
    /// (`bedside_domain::sync::plan::after_push`, applied to the lane as it is now: a
    /// local write made while the push was on its way is kept as it is).
    ///
    /// Also in that transaction: a rejected mutation's provisional entry is removed (it
    /// will never be part of the record; its outbox row keeps the words and the reason);
    /// the lane's numbers follow the answer; answered items older than
    /// [`KEEP_ANSWERED`] are pruned.
    pub async fn store_push_result(
        &self,
        session: &str,
        sent: &[bedside_domain::sync::wire::Mutation],
        reply: PushReply,
        now: DateTime<Utc>,
    ) -> DbResult<AfterPush> {
        let guard = self.guard(session).await?;
        let staff = guard.staff;
        for _ in 0..LANE_RETRIES {
            let lane = self.lane(staff).await?;
            let before = self.outbox_of(staff).await?;
            let mut outbox = before.clone();
            let confirmed_seq = match &reply {
                PushReply::Answered(r) => Some(r.next_device_seq.saturating_sub(1)),
                PushReply::Gap { expected } => Some(expected.saturating_sub(1)),
                PushReply::Failed => None,
            };
            let renumbered = matches!(reply, PushReply::Gap { .. });
            let next = after_push(&mut outbox, sent, reply.clone(), now);

            let mut plain = Vec::new();
            let mut rejected = Vec::new();
            for (old, new) in before.iter().zip(&outbox) {
                if old == new {
                    continue;
                }
                plain.push(Plain::outbox(new, staff)?);
                let rejected_now = old.is_pending()
                    && matches!(
                        new.state,
                        OutboxState::Confirmed {
                            outcome: Outcome::Rejected { .. }
                        }
                    );
                if rejected_now
                    && let Some(held) = self.entry(EntryId(new.mutation.id)).await?
                    && held.version == 0
                {
                    rejected.push(new.mutation.id.to_string());
                }
            }
            let rows = seal(&guard.key, plain).await?;

            let tx = self.write()?;
            tx.check(&guard).await?;
            let lane_key = meta_keys::lane(staff);
            let now_lane = get_meta::<Lane>(&tx.tx, &lane_key).await?;
            if now_lane != lane {
                // A local write moved the lane on while this was sealed: read again.
                continue;
            }
            tx.put_all(&rows)?;
            let entries = tx.tx.object_store(stores::ENTRIES)?;
            for id in rejected {
                drop(entries.delete(id).primitive()?);
            }
            if let Some(mut lane) = lane {
                if let Some(seq) = confirmed_seq {
                    lane.last_confirmed_seq = seq;
                }
                if renumbered {
                    // The server lost track of numbers this tablet used; carry on from
                    // where the renumbered outbox ends, so the next write follows without
                    // a gap.
                    lane.device_seq = outbox
                        .iter()
                        .map(|i| i.mutation.device_seq)
                        .chain(confirmed_seq)
                        .max()
                        .unwrap_or(0);
                }
                lane.rev += 1;
                tx.put_meta(&lane_key, &lane)?;
            }
            let store = tx.tx.object_store(stores::OUTBOX)?;
            for item in &outbox {
                if !item.is_pending() && now - item.mutation.created_at > KEEP_ANSWERED {
                    drop(store.delete(item.mutation.id.to_string()).primitive()?);
                }
            }
            tx.commit().await?;
            return Ok(next);
        }
        Err(DbError::Storage(
            "the outbox kept changing while a push's answer was stored".to_owned(),
        ))
    }
}

/// The sign-in a sync run writes under, read (and opened) before its transaction.
pub(crate) struct Guard {
    pub(crate) key: DataKey,
    pub(crate) staff: StaffId,
    pub(crate) sign_in: String,
    pub(crate) session: StoredSession,
}

/// The entries a finished snapshot keeps: those its pages held, and the provisional ones
/// of outbox items (a mutation's id is its provisional entry's).
async fn snapshot_keeps(tx: &Transaction<'_>) -> DbResult<Vec<String>> {
    let meta = tx.object_store(stores::META)?;
    let mut keep: Vec<String> = Vec::new();
    let pages = meta
        .get_all::<JsValue>()
        .with_query::<String, _>(prefix_range(meta_keys::SNAPSHOT_IDS_PREFIX))
        .primitive()?
        .await?;
    for page in pages {
        keep.extend(read::strings(page?).map_err(|_| DbError::Data)?);
    }
    let outbox = tx.object_store(stores::OUTBOX)?;
    for key in outbox.get_all_keys::<String>().primitive()?.await? {
        keep.push(key?);
    }
    Ok(sorted_ids(keep))
}

/// `ids` sorted and without repeats, for [`keeps`]: a sorted list rather than a set
/// keeps one more copy of the hash table code out of the wasm.
fn sorted_ids(mut ids: Vec<String>) -> Vec<String> {
    bedside_domain::order::sort_by(&mut ids, |a, b| a.cmp(b));
    ids.dedup();
    ids
}

/// Whether `id` is among `keep`, sorted by [`sorted_ids`].
fn keeps(keep: &[String], id: &str) -> bool {
    keep.binary_search_by(|k| k.as_str().cmp(id)).is_ok()
}

/// Entries grouped by resident, each group in the order given. A list searched
/// linearly rather than a map: a home has a few hundred residents at most, and a map of
/// this type would be one more copy of the hash table code in the wasm.
fn by_person(entries: Vec<Entry>) -> Vec<(PersonId, Vec<Entry>)> {
    let mut groups: Vec<(PersonId, Vec<Entry>)> = Vec::new();
    for e in entries {
        match groups.iter_mut().find(|(p, _)| *p == e.person_id) {
            Some((_, list)) => list.push(e),
            None => groups.push((e.person_id, vec![e])),
        }
    }
    groups
}

/// One resident's entries from [`by_person`]'s groups (none when they have no group).
fn entries_of(groups: &[(PersonId, Vec<Entry>)], person: PersonId) -> &[Entry] {
    groups
        .iter()
        .find(|(p, _)| *p == person)
        .map(|(_, list)| list.as_slice())
        .unwrap_or_default()
}

/// Every key that starts with `prefix` (which ends with '/': '0' is the next character).
pub(crate) fn prefix_range(prefix: &str) -> KeyRange<String> {
    let end = format!("{}0", prefix.trim_end_matches('/'));
    KeyRange::Bound(prefix.to_owned(), false, end, true)
}

/// One value of the `meta` store inside a transaction.
pub(crate) async fn get_meta<T: MetaValue>(tx: &Transaction<'_>, key: &str) -> DbResult<Option<T>> {
    read_meta(get_meta_js(tx, key).await?)
}

/// The non-generic part of [`get_meta`]: the stored value, if any.
async fn get_meta_js(tx: &Transaction<'_>, key: &str) -> DbResult<Option<JsValue>> {
    meta_raw(&tx.object_store(stores::META)?, key).await
}

async fn meta_in<T: MetaValue>(store: &ObjectStore<'_>, key: &str) -> DbResult<Option<T>> {
    read_meta(meta_raw(store, key).await?)
}

/// The generic part of a `meta` read, kept out of the futures: the stored value read.
fn read_meta<T: MetaValue>(value: Option<JsValue>) -> DbResult<Option<T>> {
    value
        .map(|v| T::read(v).map_err(|_| DbError::Data))
        .transpose()
}

/// The non-generic part of a `meta` read: the stored value, if any.
async fn meta_raw(store: &ObjectStore<'_>, key: &str) -> DbResult<Option<JsValue>> {
    Ok(store.get::<JsValue, _, _>(key).primitive()?.await?)
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
    let banner = write::banner(banner);
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
/// wrote. Rows are sealed before the transaction starts ([`SealedRow`]).
#[derive(Debug)]
pub struct WriteTx<'a> {
    pub(crate) tx: Transaction<'a>,
}

impl WriteTx<'_> {
    /// Puts a row sealed beforehand.
    pub fn put_sealed(&self, row: &SealedRow) -> DbResult<()> {
        let store = self.tx.object_store(row.store)?;
        drop(store.put(&row.row).primitive()?);
        Ok(())
    }

    fn put_all(&self, rows: &[SealedRow]) -> DbResult<()> {
        rows.iter().try_for_each(|r| self.put_sealed(r))
    }

    pub fn put_meta<T: MetaValue + ?Sized>(&self, key: &str, value: &T) -> DbResult<()> {
        self.put_meta_js(key, &value.write())
    }

    fn put_meta_js(&self, key: &str, value: &JsValue) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(
            store
                .put(value)
                .with_key(key)
                .without_key_type()
                .primitive()?,
        );
        Ok(())
    }

    pub fn delete_meta(&self, key: &str) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(store.delete(key).primitive()?);
        Ok(())
    }

    /// Puts a keyring row as it is (it may hold a `CryptoKey`, which only a structured
    /// clone keeps).
    pub(crate) fn put_keyring(&self, key: &str, value: &JsValue) -> DbResult<()> {
        let store = self.tx.object_store(stores::KEYRING)?;
        drop(
            store
                .put(value)
                .with_key(key)
                .without_key_type()
                .primitive()?,
        );
        Ok(())
    }

    pub(crate) fn delete_keyring(&self, key: &str) -> DbResult<()> {
        let store = self.tx.object_store(stores::KEYRING)?;
        drop(store.delete(key).primitive()?);
        Ok(())
    }

    pub(crate) async fn get_keyring(&self, key: &str) -> DbResult<Option<JsValue>> {
        let store = self.tx.object_store(stores::KEYRING)?;
        Ok(store.get::<JsValue, _, _>(key).primitive()?.await?)
    }

    /// Removes every resident and entry, and the time, home, cursor and any snapshot in
    /// progress; keeps the sessions, the outbox and the vault.
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

    /// Whether the sign-in `guard` was read from is still the stored one, by the
    /// session row's clear sign-in name (which a refresh keeps).
    pub(crate) async fn check(&self, guard: &Guard) -> DbResult<()> {
        let row = self
            .get_keyring(&crate::vault::keys::session(guard.staff))
            .await?;
        match row.and_then(|r| text_field(&r, fields::SIGN_IN)) {
            Some(name) if name == guard.sign_in => Ok(()),
            _ => Err(DbError::SessionChanged),
        }
    }

    /// Removes a resident and every entry of theirs. Their outbox rows stay: the server
    /// answers those itself (rejected, if the resident has left), and staff see it.
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

    /// The first page of a snapshot: residents the tablet holds who are not listed are
    /// removed with their entries, and the copy is marked as this home's.
    async fn begin_snapshot(&self, home: &HomeInfo, residents: &[Resident]) -> DbResult<()> {
        let listed = sorted_ids(residents.iter().map(|r| r.id.to_string()).collect());
        let store = self.tx.object_store(stores::RESIDENTS)?;
        let held = store.get_all_keys::<String>().primitive()?.await?;
        for key in held {
            let key = key?;
            if !keeps(&listed, &key) {
                self.remove_resident_key(key).await?;
            }
        }
        let stored_home = get_meta::<HomeInfo>(&self.tx, meta_keys::HOME).await?;
        if stored_home.as_ref().map(|h| h.id) != Some(home.id) {
            // Whatever is stored is not this home's copy until the snapshot ends.
            self.delete_meta(meta_keys::AS_OF)?;
        }
        self.put_meta(meta_keys::HOME, home)?;
        self.delete_snapshot_ids()
    }

    fn delete_snapshot_ids(&self) -> DbResult<()> {
        let store = self.tx.object_store(stores::META)?;
        drop(
            store
                .delete::<String, _>(prefix_range(meta_keys::SNAPSHOT_IDS_PREFIX))
                .primitive()?,
        );
        Ok(())
    }
}
