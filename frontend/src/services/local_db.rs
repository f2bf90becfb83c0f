//! The tablet's copy of the record, in IndexedDB.
//!
//! The app reads only from here; the network only fills it. The database is `bedside`,
//! and its object stores are:
//!
//! - `residents`: key path `resident.id` (the person id string); the value is a
//!   [`StoredResident`], the resident with their [`Banner`] worked out when their entries
//!   were stored. Index `by_room` on `resident.room`.
//! - `entries`: key path `id` (the entry id string); the value is an [`Entry`].
//!   Index `by_person` on `person_id`.
//! - `meta`: out-of-line string keys: the session ([`LoginResponse`]), `as_of` and `home`.
//!
//! Values are stored in the wire format (the domain types' serde form), so a download's
//! entries can be stored as the browser parsed them ([`RawRecords`]), without turning
//! them into Rust values and back: that halves the time a full download takes to store,
//! and keeps fields a newer server sends that this version does not know.
//!
//! Every write goes through a [`WriteTx`], one read-write transaction over the stores,
//! which rolls back unless [`WriteTx::commit`] is awaited. That is how a later sync page
//! (its changes and its cursor) or a local edit and its outbox row will be written
//! together: add their stores in a new version of [`upgrade`] and methods on [`WriteTx`].

use std::collections::HashMap;

use bedside_domain::api::{HomeInfo, HomeRecords, LoginResponse};
use bedside_domain::record::{Entry, Resident};
use bedside_domain::summary::{Banner, banner};
use bedside_domain::{EntryId, PersonId};
use chrono::{DateTime, Utc};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::{KeyPath, error::OpenDbError};
use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// The database the app uses. Tests open others by name so they never touch it.
pub const DB_NAME: &str = "bedside";

/// The schema version. Raise it, and add a step to [`upgrade`], to add stores or indexes;
/// never change what an earlier step created (tablets in the field already have it).
pub const DB_VERSION: u32 = 1;

/// Object store names.
pub mod stores {
    pub const RESIDENTS: &str = "residents";
    pub const ENTRIES: &str = "entries";
    pub const META: &str = "meta";

    /// Every store, for transactions that must see the whole record at once.
    pub const ALL: [&str; 3] = [RESIDENTS, ENTRIES, META];
}

/// Index names.
pub mod indexes {
    /// On `residents`, by `resident.room`.
    pub const RESIDENTS_BY_ROOM: &str = "by_room";
    /// On `entries`, by `person_id`.
    pub const ENTRIES_BY_PERSON: &str = "by_person";
}

/// Keys of the `meta` store.
pub mod meta_keys {
    /// The signed-in member of staff and their token.
    pub const SESSION: &str = "session";
    /// The server's time of the last download that was stored.
    pub const AS_OF: &str = "as_of";
    /// The home the stored records belong to.
    pub const HOME: &str = "home";

    /// The keys that describe the stored records, cleared with them.
    pub const RECORD_KEYS: [&str; 2] = [AS_OF, HOME];
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
/// database is older than the step; a fresh tablet runs them all.
fn upgrade(db: &Database, old_version: u32) -> indexed_db_futures::Result<()> {
    if old_version < 1 {
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
    Ok(())
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
        let db = Database::open(name)
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(|event, db| {
                // Versions are small whole numbers; the float is IndexedDB's.
                let old = event.old_version() as u32;
                upgrade(&db, old)
            })
            .await?;
        Ok(Self { db })
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
    /// new one, never half of each. The session is kept.
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
        let iter = store.get_all::<StoredResident>().serde()?.await?;
        Ok(iter.collect::<Result<Vec<_>, _>>()?)
    }

    /// The residents whose room is exactly `room`.
    pub async fn residents_in_room(&self, room: &str) -> DbResult<Vec<StoredResident>> {
        let tx = self.db.transaction(stores::RESIDENTS).build()?;
        let store = tx.object_store(stores::RESIDENTS)?;
        let index = store.index(indexes::RESIDENTS_BY_ROOM)?;
        let iter = index
            .get_all::<StoredResident>()
            .with_query(room.to_owned())
            .serde()?
            .await?;
        Ok(iter.collect::<Result<Vec<_>, _>>()?)
    }

    /// One resident, if this tablet holds them.
    pub async fn resident(&self, id: PersonId) -> DbResult<Option<StoredResident>> {
        let tx = self.db.transaction(stores::RESIDENTS).build()?;
        let store = tx.object_store(stores::RESIDENTS)?;
        Ok(store
            .get::<StoredResident, _, _>(id.to_string())
            .serde()?
            .await?)
    }

    /// One entry, if this tablet holds it.
    pub async fn entry(&self, id: EntryId) -> DbResult<Option<Entry>> {
        let tx = self.db.transaction(stores::ENTRIES).build()?;
        let store = tx.object_store(stores::ENTRIES)?;
        Ok(store.get::<Entry, _, _>(id.to_string()).serde()?.await?)
    }

    /// Every stored entry of one person (through the `by_person` index).
    pub async fn entries_for(&self, person: PersonId) -> DbResult<Vec<Entry>> {
        let tx = self.db.transaction(stores::ENTRIES).build()?;
        let store = tx.object_store(stores::ENTRIES)?;
        let index = store.index(indexes::ENTRIES_BY_PERSON)?;
        let iter = index
            .get_all::<Entry>()
            .with_query(person.to_string())
            .serde()?
            .await?;
        Ok(iter.collect::<Result<Vec<_>, _>>()?)
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
        let residents = residents
            .get_all::<StoredResident>()
            .serde()?
            .await?
            .collect::<Result<Vec<_>, _>>()?;
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

    /// The time of the stored copy, if a download was ever stored.
    pub async fn as_of(&self) -> DbResult<Option<DateTime<Utc>>> {
        self.meta(meta_keys::AS_OF).await
    }

    /// The stored session, if someone signed in on this tablet and has not signed out.
    pub async fn session(&self) -> DbResult<Option<LoginResponse>> {
        self.meta(meta_keys::SESSION).await
    }

    pub async fn set_session(&self, session: &LoginResponse) -> DbResult<()> {
        let tx = self.write()?;
        tx.put_meta(meta_keys::SESSION, session)?;
        tx.commit().await
    }

    /// Forgets the session but keeps the stored records.
    pub async fn clear_session(&self) -> DbResult<()> {
        let tx = self.write()?;
        tx.delete_meta(meta_keys::SESSION)?;
        tx.commit().await
    }

    /// Removes everything this tablet holds: records, their time and the session.
    pub async fn wipe(&self) -> DbResult<()> {
        let tx = self.write()?;
        for name in stores::ALL {
            // Not awaited one by one: the commit fails if any clear did.
            drop(tx.tx.object_store(name)?.clear()?);
        }
        tx.commit().await
    }

    async fn meta<T: DeserializeOwned>(&self, key: &str) -> DbResult<Option<T>> {
        let tx = self.db.transaction(stores::META).build()?;
        let store = tx.object_store(stores::META)?;
        Ok(store.get::<T, _, _>(key).serde()?.await?)
    }
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
        let array = |name: &str| {
            Reflect::get(body, &JsValue::from_str(name))
                .ok()
                .filter(Array::is_array)
                .map(JsCast::unchecked_into::<Array>)
        };
        Some(Self {
            residents: array("residents")?,
            entries: array("entries")?,
        })
    }

    /// Whether these are the arrays `records` was read from (the same lengths, and the
    /// same ids at the ends), so the raw values can stand in for the typed ones.
    fn matches(&self, records: &HomeRecords) -> bool {
        fn id_at(list: &Array, i: usize, path: &[&str]) -> Option<String> {
            let mut v = list.get(u32::try_from(i).ok()?);
            for key in path {
                v = Reflect::get(&v, &JsValue::from_str(key)).ok()?;
            }
            v.as_string()
        }
        let ends = |len: usize| [0, len.saturating_sub(1)];
        self.residents.length() as usize == records.residents.len()
            && self.entries.length() as usize == records.entries.len()
            && (records.residents.is_empty()
                || ends(records.residents.len()).into_iter().all(|i| {
                    id_at(&self.residents, i, &["id"]) == Some(records.residents[i].id.to_string())
                }))
            && (records.entries.is_empty()
                || ends(records.entries.len()).into_iter().all(|i| {
                    id_at(&self.entries, i, &["id"]) == Some(records.entries[i].id.to_string())
                }))
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
/// Each method sends its request at once and does not wait for it: the requests of a
/// transaction run in order, and if any fails the transaction aborts and
/// [`WriteTx::commit`] reports it. Dropping a `WriteTx` without committing rolls back
/// everything it wrote.
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

    /// Removes every resident and entry, and the time and home of the copy; keeps the
    /// session.
    pub fn clear_records(&self) -> DbResult<()> {
        drop(self.tx.object_store(stores::RESIDENTS)?.clear()?);
        drop(self.tx.object_store(stores::ENTRIES)?.clear()?);
        for key in meta_keys::RECORD_KEYS {
            self.delete_meta(key)?;
        }
        Ok(())
    }

    /// Makes everything written in this transaction permanent, or nothing of it.
    pub async fn commit(self) -> DbResult<()> {
        Ok(self.tx.commit().await?)
    }
}
