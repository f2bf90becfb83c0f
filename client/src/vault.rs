//! The tablet's vault: enrolment, the data key, PINs, locking, staff sign-out, and the
//! queue of views of residents' records (the audit of offline reading). Methods on
//! [`LocalDb`], so the app and its service worker keep using one handle.
//!
//! The keys (see [`crate::crypto`]):
//!
//! - The device key D: the enrolment secret, imported as a non-extractable HMAC key and
//!   kept in the `keyring` store as a `CryptoKey`; its bytes are never stored. It makes
//!   the sign-in proof ([`LocalDb::device_credential`]) and takes part in every PIN key.
//! - The data key K: random AES-GCM, made at enrolment, never stored unwrapped. It is
//!   wrapped once under the tablet's unlock key U (which the server gives at each sign-in
//!   that presents the device's credential, and which is held in memory only), as
//!   `escrow`; and once per member of staff who set a PIN, under their PIN key, as
//!   `pin/<staff id>`. So an online sign-in on an enrolled tablet unwraps K with U, and an
//!   offline unlock unwraps it with the PIN. A copied IndexedDB has neither U nor D's
//!   bytes: guessing PINs against it needs the tablet's browser.
//! - K lives in memory only, in the [`LocalDb`] handles of the app (shared by clones) and
//!   of the service worker, which is sent it with `postMessage` ([`key_message`]); both
//!   forget it on [`LocalDb::lock`].
//!
//! Keyring rows (`keys`): `device` {device, home, key: CryptoKey}, `escrow` {bytes},
//! `pin/<staff>` (the staff member, salt, iterations, the wrapped key, failures),
//! `settings` {idle_minutes}, `session/<staff>` (the session, sealed with associated
//! data `session:<staff>`, and its clear sign-in name).

use bedside_domain::api::{
    DEVICE_SIGN_IN_LABEL, Device, DeviceCredential, EnrolledDevice, HomeInfo, SignInResponse,
    StaffInfo,
};
use bedside_domain::audit::{AuditMode, AuditPart, AuditView};
use bedside_domain::sync::plan::OutboxItem;
use bedside_domain::{PersonId, StaffId};
use chrono::{DateTime, Utc};
use indexed_db_futures::prelude::*;
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::crypto::{
    self, CryptoError, DataKey, DeviceKey, Kek, PBKDF2_ITERATIONS, Salt, WrappedKey, derive_kek,
};
use crate::db::{
    DbError, DbResult, Lane, LegacyLane, LocalDb, Memory, aad, fields, get_meta, indexes,
    meta_keys, prefix_range, stores,
};
use crate::session::StoredSession;
use crate::{platform, read, write};

/// The fewest digits a PIN may have.
pub const MIN_PIN_LEN: usize = 6;
/// The most digits a PIN may have (a bound on what is hashed, not a security rule).
pub const MAX_PIN_LEN: usize = 32;
/// Wrong PINs in a row that lock a member of staff out of the tablet until they sign in
/// online: the fifth deletes their wrapped key.
pub const MAX_PIN_FAILURES: u8 = 5;
/// Minutes without a touch before the app locks, unless a manager set another.
pub const DEFAULT_IDLE_MINUTES: u32 = 5;
/// The idle time a manager may choose, in minutes.
pub const IDLE_MINUTES_RANGE: std::ops::RangeInclusive<u32> = 1..=60;
/// Audit events sent in one upload (the server's limit).
pub const AUDIT_BATCH: usize = bedside_domain::audit::AuditUpload::MAX_EVENTS;

/// The app's message to its service worker with the data key:
/// `{type: "bedside-key", key: CryptoKey, staff: "<staff id>"}` ([`key_message`]).
pub const KEY_MESSAGE: &str = "bedside-key";
/// The app's message to its service worker when the app locks: forget the key.
pub const LOCK_MESSAGE: &str = "bedside-lock";
/// The app's message to its service worker at a sign-out or wipe: forget the key.
pub const FORGET_MESSAGE: &str = "bedside-forget";

/// Keyring keys.
pub mod keys {
    use bedside_domain::StaffId;

    pub const DEVICE: &str = "device";
    pub const ESCROW: &str = "escrow";
    pub const SETTINGS: &str = "settings";
    pub const PIN_PREFIX: &str = "pin/";
    pub const SESSION_PREFIX: &str = "session/";

    pub fn pin(staff: StaffId) -> String {
        format!("{PIN_PREFIX}{staff}")
    }

    pub fn session(staff: StaffId) -> String {
        format!("{SESSION_PREFIX}{staff}")
    }
}

/// Where the tablet stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultState {
    /// No manager has enrolled it: only a manager's sign-in (to enrol it) is of use.
    NotEnrolled,
    /// Enrolled; the data key is not in memory. A PIN or an online sign-in unlocks it.
    Locked,
    /// The data key is in memory, for this member of staff.
    Unlocked { staff: StaffInfo },
}

/// The tablet's enrolment: the device the server registered, and its home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub device: Device,
    pub home: HomeInfo,
}

/// A member of staff who set a PIN on this tablet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinHolder {
    pub staff: StaffInfo,
    /// Too many wrong PINs: only an online sign-in lets them in again.
    pub locked_out: bool,
    /// Wrong PINs in a row so far.
    pub failures: u8,
}

/// Why an unlock with a PIN failed. The messages are for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnlockError {
    #[error("that PIN is not right: {tries_left} {} left", if *tries_left == 1 { "try" } else { "tries" })]
    WrongPin { tries_left: u8 },
    #[error("too many wrong PINs: sign in with your password to use this tablet again")]
    LockedOut,
    #[error("there is no PIN for you on this tablet: sign in with your password")]
    NoPin,
    #[error("{0}")]
    Db(DbError),
    #[error("{0}")]
    Crypto(CryptoError),
}

/// Why a vault step failed. The messages are for staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("this tablet is not enrolled: a manager signs in here to enrol it")]
    NotEnrolled,
    #[error("this tablet belongs to another home")]
    WrongHome,
    /// An online sign-in without the tablet's unlock key, while the data key is not in
    /// memory (the server did not recognise the tablet's credential).
    #[error("the server did not send this tablet's unlock key: sign in again")]
    NoUnlockKey,
    #[error("this tablet has been removed from the home's devices")]
    Revoked,
    /// The step needs the data key in memory (an online sign-in or an unlock first), for
    /// this member of staff.
    #[error("sign in first")]
    Locked,
    /// A PIN that breaks the rules; the words say which.
    #[error("{0}")]
    BadPin(&'static str),
    #[error("{0}")]
    Db(DbError),
    #[error("{0}")]
    Crypto(CryptoError),
}

impl From<DbError> for VaultError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Locked => Self::Locked,
            other => Self::Db(other),
        }
    }
}

impl From<CryptoError> for VaultError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

impl From<DbError> for UnlockError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

/// What [`LocalDb::sign_out_staff`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOutOutcome {
    /// Nothing yet: signing out would wipe the tablet, and this many outbox items and
    /// views of records have not reached the server. Ask, then sign out with `force`.
    Waiting { items: usize, views: usize },
    /// Signed out. `wiped` when nobody with a PIN remained, so every record went: show
    /// the sign-in screen; otherwise the lock screen.
    SignedOut { wiped: bool },
}

/// A PIN as stored: who it is for, and the data key wrapped under it. `wrapped` is
/// `None` once they are locked out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PinRecord {
    pub(crate) staff: StaffInfo,
    pub(crate) salt: Salt,
    pub(crate) iterations: u32,
    pub(crate) wrapped: Option<WrappedKey>,
    pub(crate) failures: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Settings {
    pub(crate) idle_minutes: u32,
}

/// Checks a new PIN against the rules.
pub fn check_pin(pin: &str) -> Result<(), &'static str> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err("a PIN is digits only");
    }
    if pin.len() < MIN_PIN_LEN {
        return Err("a PIN has at least 6 digits");
    }
    if pin.len() > MAX_PIN_LEN {
        return Err("a PIN has at most 32 digits");
    }
    Ok(())
}

/// The message that hands the unlocked data key to the service worker:
/// `{type: KEY_MESSAGE, key, staff}`; `None` when locked. (A non-extractable `CryptoKey`
/// survives `postMessage` and stays non-extractable.)
pub fn key_message(db: &LocalDb) -> Option<JsValue> {
    let mem = db.mem.borrow();
    let key = mem.key.as_ref()?;
    let staff = mem.staff?;
    let message = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&message, &JsValue::from_str(k), v);
    set("type", &JsValue::from_str(KEY_MESSAGE)).ok()?;
    set("key", key.as_js()).ok()?;
    set("staff", &JsValue::from_str(&staff.to_string())).ok()?;
    Some(message.into())
}

/// The next batch of audit events to upload: the oldest `max`, in time order.
pub fn audit_batch(mut views: Vec<AuditView>, max: usize) -> Vec<AuditView> {
    bedside_domain::order::sort_by_key(&mut views, |v| (v.at, v.id));
    views.truncate(max);
    views
}

impl LocalDb {
    /// Where the tablet stands: not enrolled, locked, or unlocked for someone.
    pub async fn vault_state(&self) -> DbResult<VaultState> {
        if self.enrolment().await?.is_none() {
            return Ok(VaultState::NotEnrolled);
        }
        let Ok((key, Some(staff))) = self.key_and_staff().await else {
            return Ok(VaultState::Locked);
        };
        if let Some(pin) = self.pin_record(staff).await? {
            return Ok(VaultState::Unlocked { staff: pin.staff });
        }
        Ok(match self.session_of(&key, staff).await? {
            Some((session, _)) => VaultState::Unlocked {
                staff: session.staff,
            },
            None => VaultState::Locked,
        })
    }

    /// The tablet's enrolment, if a manager enrolled it.
    pub async fn enrolment(&self) -> DbResult<Option<Enrolment>> {
        let Some(row) = self.keyring(keys::DEVICE).await? else {
            return Ok(None);
        };
        Ok(Some(read::enrolment(row).map_err(|_| DbError::Data)?))
    }

    async fn device_key(&self) -> DbResult<Option<(Enrolment, DeviceKey)>> {
        let Some(row) = self.keyring(keys::DEVICE).await? else {
            return Ok(None);
        };
        let key = Reflect::get(&row, &JsValue::from_str("key")).map_err(|_| DbError::Data)?;
        let key = DeviceKey::from_js(key)?;
        let enrolment = read::enrolment(row).map_err(|_| DbError::Data)?;
        Ok(Some((enrolment, key)))
    }

    async fn keyring(&self, key: &str) -> DbResult<Option<JsValue>> {
        let tx = self.db.transaction(stores::KEYRING).build()?;
        let store = tx.object_store(stores::KEYRING)?;
        Ok(store.get::<JsValue, _, _>(key).primitive()?.await?)
    }

    async fn pin_record(&self, staff: StaffId) -> DbResult<Option<PinRecord>> {
        self.keyring(&keys::pin(staff))
            .await?
            .map(|row| read::pin_record(row).map_err(|_| DbError::Data))
            .transpose()
    }

    /// Everyone who set a PIN on this tablet, locked out or not, by username.
    pub async fn pin_holders(&self) -> DbResult<Vec<PinHolder>> {
        let tx = self.db.transaction(stores::KEYRING).build()?;
        let store = tx.object_store(stores::KEYRING)?;
        let rows = store
            .get_all::<JsValue>()
            .with_query::<String, _>(prefix_range(keys::PIN_PREFIX))
            .primitive()?
            .await?;
        let mut out = rows
            .map(|r| {
                let r = read::pin_record(r?).map_err(|_| DbError::Data)?;
                Ok(PinHolder {
                    locked_out: r.wrapped.is_none(),
                    failures: r.failures,
                    staff: r.staff,
                })
            })
            .collect::<DbResult<Vec<_>>>()?;
        bedside_domain::order::sort_by(&mut out, |a, b| a.staff.username.cmp(&b.staff.username));
        Ok(out)
    }

    /// Whether this member of staff can unlock the tablet with a PIN (they set one and
    /// are not locked out).
    pub async fn has_pin(&self, staff: StaffId) -> DbResult<bool> {
        Ok(self
            .pin_record(staff)
            .await?
            .is_some_and(|p| p.wrapped.is_some()))
    }

    /// Enrols the tablet, after `POST /api/v1/devices` by a signed-in manager: imports
    /// the device secret as a non-extractable key, makes the data key, and stores it
    /// wrapped under the unlock key. Whatever the tablet held before (an earlier
    /// enrolment's records) is wiped, except a version 2 tablet's outbox, which is
    /// sealed at the first sign-in. The data key is then in memory: the manager's
    /// session is stored next with [`Self::signed_in_online`], then their PIN.
    pub async fn enrol(&self, answer: &EnrolledDevice, home: &HomeInfo) -> Result<(), VaultError> {
        let device = DeviceKey::import(&answer.secret).await?;
        let unlock = Kek::import_unlock_key(&answer.unlock_key).await?;
        let fresh = DataKey::generate().await?;
        let escrow = fresh.wrap(&unlock).await?;
        drop(fresh);
        // The working copy is the non-extractable one.
        let key = DataKey::unwrap(&unlock, &escrow).await?;

        let enrolment = Enrolment {
            device: answer.device.clone(),
            home: home.clone(),
        };
        let row = write::enrolment(&enrolment);
        Reflect::set(&row, &JsValue::from_str("key"), device.as_js()).map_err(|_| DbError::Data)?;
        let tx = self.write()?;
        // Everything sealed under an earlier enrolment's key goes; a version 2 tablet's
        // plaintext outbox stays, to be sealed under this one.
        let legacy = get_meta::<LegacyLane>(&tx.tx, meta_keys::LEGACY).await?;
        for name in [
            stores::RESIDENTS,
            stores::ENTRIES,
            stores::OUTBOX,
            stores::AUDIT,
            stores::META,
            stores::KEYRING,
        ] {
            drop(
                tx.tx
                    .object_store(name)
                    .and_then(|s| s.clear())
                    .map_err(DbError::from)?,
            );
        }
        if let Some(legacy) = legacy {
            tx.put_meta(meta_keys::LEGACY, &legacy)?;
        }
        tx.put_keyring(keys::DEVICE, &row)?;
        tx.put_keyring(keys::ESCROW, &write::wrapped_key(&escrow))?;
        tx.commit().await?;
        *self.mem.borrow_mut() = Memory {
            key: Some(key),
            staff: None,
            rewrap: Some((unlock, escrow)),
        };
        Ok(())
    }

    /// The credential to send with a sign-in on this tablet: its id and the proof made
    /// with the device key. `None` when the tablet is not enrolled.
    pub async fn device_credential(&self) -> Result<Option<DeviceCredential>, VaultError> {
        let Some((enrolment, key)) = self.device_key().await? else {
            return Ok(None);
        };
        Ok(Some(DeviceCredential {
            id: enrolment.device.id,
            secret: key.sign_in_proof(DEVICE_SIGN_IN_LABEL).await?,
        }))
    }

    /// After an online sign-in on this tablet (which sent [`Self::device_credential`]):
    /// unwraps the data key with the unlock key the server answered with (or keeps the
    /// one in memory: a manager who has just enrolled the tablet), stores the session
    /// sealed, makes this member of staff the current one, and ends a lockout (a locked
    /// out member of staff chooses a new PIN) or a count of wrong PINs. Returns the
    /// session as stored.
    ///
    /// [`VaultError::WrongHome`] when the staff member's home is not the tablet's.
    pub async fn signed_in_online(
        &self,
        answer: SignInResponse,
        received_at: DateTime<Utc>,
    ) -> Result<StoredSession, VaultError> {
        let (enrolment, _) = self.device_key().await?.ok_or(VaultError::NotEnrolled)?;
        let staff = answer.login.staff.clone();
        if staff.home.id != enrolment.home.id {
            return Err(VaultError::WrongHome);
        }
        let unlocked = match answer.device_unlock_key.as_deref() {
            Some(u) => {
                let unlock = Kek::import_unlock_key(u).await?;
                let escrow = self.escrow().await?;
                let key = DataKey::unwrap(&unlock, &escrow)
                    .await
                    .map_err(|e| match e {
                        // Not a PIN here: the server's unlock key is not this tablet's.
                        CryptoError::WrongPin => VaultError::NoUnlockKey,
                        other => VaultError::Crypto(other),
                    })?;
                Some((key, Some((unlock, escrow))))
            }
            None => None,
        };
        let (key, rewrap) = match unlocked {
            Some(found) => found,
            None => {
                let mem = self.mem.borrow();
                let key = mem.key.clone().ok_or(VaultError::NoUnlockKey)?;
                (key, mem.rewrap.clone())
            }
        };
        // Names this sign-in, so a sync can tell a refresh of its tokens from a sign-out
        // or another sign-in. Random where it can be; the first token is as unique.
        let name = platform::new_device_id()
            .map(|id| id.to_string())
            .unwrap_or_else(|| answer.login.token.clone());
        let session = StoredSession::signed_in(answer, received_at, name);
        let row = self.sealed_session(&key, &session).await?;

        let tx = self.write()?;
        tx.put_keyring(&keys::session(staff.id), &row)?;
        tx.put_meta(meta_keys::CURRENT_STAFF, &staff.id)?;
        let pin_key = keys::pin(staff.id);
        if let Some(pin) = tx.get_keyring(&pin_key).await? {
            let mut pin = read::pin_record(pin).map_err(|_| DbError::Data)?;
            if pin.wrapped.is_none() {
                tx.delete_keyring(&pin_key)?;
            } else if pin.failures > 0 {
                pin.failures = 0;
                // Their details as the server says now (a new role, say).
                pin.staff = staff.clone();
                tx.put_keyring(&pin_key, &write::pin_record(&pin))?;
            }
        }
        tx.commit().await?;
        *self.mem.borrow_mut() = Memory {
            key: Some(key),
            staff: Some(staff.id),
            rewrap,
        };
        self.seal_legacy().await?;
        Ok(session)
    }

    async fn escrow(&self) -> DbResult<WrappedKey> {
        let row = self.keyring(keys::ESCROW).await?.ok_or(DbError::Data)?;
        read::wrapped_key(row).map_err(|_| DbError::Data)
    }

    /// Sets (or changes) the PIN of the member of staff this context is unlocked for,
    /// with [`PBKDF2_ITERATIONS`]. Needs the data key in memory from their online
    /// sign-in or unlock ([`VaultError::Locked`] otherwise).
    pub async fn set_pin(&self, staff: &StaffInfo, pin: &str) -> Result<(), VaultError> {
        self.set_pin_with_iterations(staff, pin, PBKDF2_ITERATIONS)
            .await
    }

    /// [`Self::set_pin`] with another PBKDF2 count: for tests only, which would take
    /// seconds per PIN with the real one. Unlocking uses the count stored with the PIN.
    pub async fn set_pin_with_iterations(
        &self,
        staff: &StaffInfo,
        pin: &str,
        iterations: u32,
    ) -> Result<(), VaultError> {
        check_pin(pin).map_err(VaultError::BadPin)?;
        let (enrolment, device) = self.device_key().await?.ok_or(VaultError::NotEnrolled)?;
        if staff.home.id != enrolment.home.id {
            return Err(VaultError::WrongHome);
        }
        let (from_kek, from_wrapped) = {
            let mem = self.mem.borrow();
            if mem.staff != Some(staff.id) {
                return Err(VaultError::Locked);
            }
            mem.rewrap.clone().ok_or(VaultError::Locked)?
        };
        let salt = Salt::random()?;
        let kek = derive_kek(pin, &salt, &device, iterations).await?;
        let wrapped = DataKey::rewrap(&from_wrapped, &from_kek, &kek).await?;
        let record = PinRecord {
            staff: staff.clone(),
            salt,
            iterations,
            wrapped: Some(wrapped.clone()),
            failures: 0,
        };
        let tx = self.write()?;
        tx.put_keyring(&keys::pin(staff.id), &write::pin_record(&record))?;
        tx.commit().await?;
        self.mem.borrow_mut().rewrap = Some((kek, wrapped));
        Ok(())
    }

    /// Unlocks the tablet for a member of staff with their PIN, offline. A wrong PIN is
    /// counted; the [`MAX_PIN_FAILURES`]th in a row deletes their wrapped key
    /// ([`UnlockError::LockedOut`]): only an online sign-in lets them in again.
    pub async fn unlock(&self, staff: StaffId, pin: &str) -> Result<StaffInfo, UnlockError> {
        let record = self.pin_record(staff).await?.ok_or(UnlockError::NoPin)?;
        let wrapped = record.wrapped.clone().ok_or(UnlockError::LockedOut)?;
        let (_, device) = self.device_key().await?.ok_or(UnlockError::NoPin)?;
        let kek = derive_kek(pin, &record.salt, &device, record.iterations)
            .await
            .map_err(UnlockError::Crypto)?;
        match DataKey::unwrap(&kek, &wrapped).await {
            Ok(key) => {
                let tx = self.write()?;
                if record.failures > 0 {
                    let mut cleared = record.clone();
                    cleared.failures = 0;
                    tx.put_keyring(&keys::pin(staff), &write::pin_record(&cleared))?;
                }
                tx.put_meta(meta_keys::CURRENT_STAFF, &staff)?;
                tx.commit().await?;
                *self.mem.borrow_mut() = Memory {
                    key: Some(key),
                    staff: Some(staff),
                    rewrap: Some((kek, wrapped)),
                };
                self.seal_legacy().await?;
                Ok(record.staff)
            }
            Err(CryptoError::WrongPin) => self.count_wrong_pin(staff).await,
            Err(other) => Err(UnlockError::Crypto(other)),
        }
    }

    /// Counts a wrong PIN, reading the count inside the transaction that raises it.
    async fn count_wrong_pin(&self, staff: StaffId) -> Result<StaffInfo, UnlockError> {
        let tx = self.write()?;
        let pin_key = keys::pin(staff);
        let row = tx.get_keyring(&pin_key).await?.ok_or(UnlockError::NoPin)?;
        let mut record = read::pin_record(row).map_err(|_| DbError::Data)?;
        if record.wrapped.is_none() {
            return Err(UnlockError::LockedOut);
        }
        record.failures = record.failures.saturating_add(1);
        let locked_out = record.failures >= MAX_PIN_FAILURES;
        if locked_out {
            record.wrapped = None;
        }
        tx.put_keyring(&pin_key, &write::pin_record(&record))?;
        tx.commit().await?;
        Err(if locked_out {
            UnlockError::LockedOut
        } else {
            UnlockError::WrongPin {
                tries_left: MAX_PIN_FAILURES - record.failures,
            }
        })
    }

    /// Forgets the data key in this context (the app tells its service worker as well).
    pub fn lock(&self) {
        *self.mem.borrow_mut() = Memory::default();
    }

    /// Whether the data key is in memory here.
    pub fn is_unlocked(&self) -> bool {
        self.mem.borrow().key.is_some()
    }

    /// The data key, to `postMessage` to the service worker (see [`key_message`]).
    pub fn data_key(&self) -> Option<JsValue> {
        self.mem.borrow().key.as_ref().map(|k| k.as_js().clone())
    }

    /// The service worker's side: the data key the app sent, and whose session to sync
    /// with. Refused unless it is an AES-GCM key.
    pub fn set_data_key(&self, key: JsValue, staff: StaffId) -> Result<(), VaultError> {
        let key = DataKey::from_js(key)?;
        *self.mem.borrow_mut() = Memory {
            key: Some(key),
            staff: Some(staff),
            rewrap: None,
        };
        Ok(())
    }

    /// Signs one member of staff out of the tablet: ends their session on the server
    /// (best effort, when it is this context's), and deletes their PIN and session, and
    /// their lane when nothing of theirs waits to be sent. When nobody with a PIN
    /// remains, the tablet's records go too ([`Self::wipe`]): unless `force`, that is
    /// refused while anything waits to be sent ([`SignOutOutcome::Waiting`]). While
    /// others keep their PINs, this member of staff's waiting items and views stay, and
    /// are sent when they next sign in.
    ///
    /// Forgets the data key in this context when it was theirs.
    pub async fn sign_out_staff(
        &self,
        staff: StaffId,
        force: bool,
    ) -> Result<SignOutOutcome, VaultError> {
        let others = self
            .pin_holders()
            .await?
            .into_iter()
            .filter(|h| h.staff.id != staff && !h.locked_out)
            .count();
        let last = others == 0;
        if last && !force {
            let items = match self.outbox().await {
                Ok(items) => items.iter().filter(|i| i.is_pending()).count(),
                // Locked: every row counts, as it cannot be told apart.
                Err(DbError::Locked) => self.outbox_rows().await?,
                Err(e) => return Err(e.into()),
            };
            let views = self.audit_waiting().await?;
            if items + views > 0 {
                return Ok(SignOutOutcome::Waiting { items, views });
            }
        }
        let current = self.mem.borrow().staff == Some(staff) && self.is_unlocked();
        if current {
            crate::session::end_on_server(self).await;
        }
        if last {
            self.wipe().await?;
            return Ok(SignOutOutcome::SignedOut { wiped: true });
        }
        let pending = match self.outbox_of(staff).await {
            Ok(items) => items.iter().any(OutboxItem::is_pending),
            Err(DbError::Locked) => true,
            Err(e) => return Err(e.into()),
        };
        let tx = self.write()?;
        tx.delete_keyring(&keys::pin(staff))?;
        tx.delete_keyring(&keys::session(staff))?;
        if !pending {
            tx.delete_meta(&meta_keys::lane(staff))?;
        }
        if get_meta::<StaffId>(&tx.tx, meta_keys::CURRENT_STAFF).await? == Some(staff) {
            tx.delete_meta(meta_keys::CURRENT_STAFF)?;
        }
        tx.commit().await?;
        if self.mem.borrow().staff == Some(staff) {
            self.lock();
        }
        Ok(SignOutOutcome::SignedOut { wiped: false })
    }

    /// Wipes everything, the enrolment too: the tablet is as new (`NotEnrolled`). For a
    /// revoked tablet.
    pub async fn wipe_all(&self) -> DbResult<()> {
        let tx = self.write()?;
        for name in stores::ALL {
            drop(tx.tx.object_store(name)?.clear()?);
        }
        tx.commit().await?;
        self.lock();
        Ok(())
    }

    /// Minutes without a touch before the app locks.
    pub async fn idle_minutes(&self) -> DbResult<u32> {
        Ok(match self.keyring(keys::SETTINGS).await? {
            Some(row) => read::settings(row)
                .map(|s| s.idle_minutes)
                .unwrap_or(DEFAULT_IDLE_MINUTES),
            None => DEFAULT_IDLE_MINUTES,
        })
    }

    /// Sets the idle time, kept within [`IDLE_MINUTES_RANGE`].
    pub async fn set_idle_minutes(&self, minutes: u32) -> DbResult<()> {
        let minutes = minutes.clamp(*IDLE_MINUTES_RANGE.start(), *IDLE_MINUTES_RANGE.end());
        let tx = self.write()?;
        tx.put_keyring(
            keys::SETTINGS,
            &write::settings(&Settings {
                idle_minutes: minutes,
            }),
        )?;
        tx.commit().await
    }

    /// Records one view of a resident's record on this tablet by the current member of
    /// staff, sealed, for their next sync to upload. Survives a restart.
    pub async fn record_view(
        &self,
        person: PersonId,
        part: AuditPart,
        mode: AuditMode,
    ) -> DbResult<()> {
        let (key, staff) = self.key_and_staff().await?;
        let staff = staff.ok_or(DbError::Locked)?;
        let id = platform::new_mutation_id()
            .ok_or_else(|| DbError::Storage("this browser cannot make random ids".to_owned()))?;
        let view = AuditView {
            id,
            person_id: person,
            part,
            at: platform::now(),
            mode,
        };
        let row = self.sealed_view(&key, staff, &view).await?;
        let tx = self.write()?;
        let store = tx.tx.object_store(stores::AUDIT)?;
        drop(store.put(&row).primitive()?);
        tx.commit().await
    }

    async fn sealed_view(
        &self,
        key: &DataKey,
        staff: StaffId,
        view: &AuditView,
    ) -> DbResult<JsValue> {
        let id = view.id.to_string();
        let staff = staff.to_string();
        let sealed =
            crypto::seal_values(key, &[(aad::audit(&id, &staff), write::audit_view(view))]).await?;
        let sealed = sealed.into_iter().next().ok_or(DbError::Data)?;
        Ok(sealed
            .to_row(&[
                (fields::ID, JsValue::from_str(&id)),
                (fields::STAFF, JsValue::from_str(&staff)),
            ])?
            .into())
    }

    /// Views of records waiting to be uploaded, of anyone.
    pub async fn audit_waiting(&self) -> DbResult<usize> {
        let tx = self.db.transaction(stores::AUDIT).build()?;
        let n = tx.object_store(stores::AUDIT)?.count().primitive()?.await?;
        Ok(n as usize)
    }

    /// One member of staff's waiting views, oldest first, at most `max`.
    pub async fn audit_queue(&self, staff: StaffId, max: usize) -> DbResult<Vec<AuditView>> {
        let key = self.key()?;
        let tx = self.db.transaction(stores::AUDIT).build()?;
        let rows = tx
            .object_store(stores::AUDIT)?
            .index(indexes::BY_STAFF)?
            .get_all::<JsValue>()
            .with_query(staff.to_string())
            .primitive()?
            .await?;
        let rows = rows
            .map(|r| r.map_err(DbError::from))
            .collect::<DbResult<Vec<_>>>()?;
        drop(tx);
        let staff = staff.to_string();
        let pairs = rows
            .into_iter()
            .map(|row| {
                let id = Reflect::get(&row, &JsValue::from_str(fields::ID))
                    .ok()
                    .and_then(|v| v.as_string())
                    .ok_or(DbError::Data)?;
                Ok((aad::audit(&id, &staff), row))
            })
            .collect::<DbResult<Vec<_>>>()?;
        let views = crypto::open_values(&key, &pairs)
            .await?
            .into_iter()
            .map(|v| read::audit_view(v).map_err(|_| DbError::Data))
            .collect::<DbResult<Vec<AuditView>>>()?;
        Ok(audit_batch(views, max))
    }

    /// Deletes views the server has answered for (stored, already held or refused).
    pub async fn forget_views(&self, ids: &[Uuid]) -> DbResult<()> {
        let tx = self.write()?;
        let store = tx.tx.object_store(stores::AUDIT)?;
        for id in ids {
            drop(store.delete(id.to_string()).primitive()?);
        }
        tx.commit().await
    }

    /// At open: what the legacy outbox needs from a version 2 tablet's meta (who wrote
    /// it, and the device numbers it was written under) is kept in `meta`, and the rest
    /// of the old meta (its session's tokens above all) is deleted. No key is needed.
    pub(crate) async fn settle_legacy_meta(&self) -> DbResult<()> {
        let held = {
            let tx = self.db.transaction(stores::LEGACY_META).build()?;
            tx.object_store(stores::LEGACY_META)?
                .count()
                .primitive()?
                .await?
        };
        if held == 0 {
            return Ok(());
        }
        let tx = self.write()?;
        let old = tx.tx.object_store(stores::LEGACY_META)?;
        let waiting = tx
            .tx
            .object_store(stores::LEGACY_OUTBOX)?
            .count()
            .primitive()?
            .await?;
        if waiting > 0 {
            let mut values = Vec::new();
            for key in [
                meta_keys::V2_SESSION,
                meta_keys::V2_DEVICE_ID,
                meta_keys::V2_DEVICE_SEQ,
                meta_keys::V2_LAST_CONFIRMED_SEQ,
            ] {
                values.push(old.get::<JsValue, _, _>(key).primitive()?.await?);
            }
            let number =
                |v: &Option<JsValue>| v.as_ref().and_then(|v| v.as_f64()).unwrap_or(0.0) as u64;
            let legacy = LegacyLane {
                staff: values[0]
                    .clone()
                    .and_then(|v| read::v2_session_staff(v).ok()),
                device_id: values[1]
                    .as_ref()
                    .and_then(|v| v.as_string())
                    .and_then(|s| Uuid::parse_str(&s).ok()),
                device_seq: number(&values[2]),
                last_confirmed_seq: number(&values[3]),
            };
            tx.put_meta(meta_keys::LEGACY, &legacy)?;
        }
        drop(old.clear()?);
        tx.commit().await
    }

    /// At the first unlock after an upgrade from version 2: seals the plaintext outbox
    /// rows into their author's lane (the one signed in when they were written, or
    /// whoever unlocks first if nobody was), carrying on the device numbers they were
    /// written under, and deletes the plaintext.
    async fn seal_legacy(&self) -> DbResult<()> {
        let (key, current) = self.key_and_staff().await?;
        let tx = self.db.transaction(stores::LEGACY_OUTBOX).build()?;
        let rows = tx
            .object_store(stores::LEGACY_OUTBOX)?
            .get_all::<JsValue>()
            .primitive()?
            .await?
            .map(|r| r.map_err(DbError::from))
            .collect::<DbResult<Vec<_>>>()?;
        drop(tx);
        if rows.is_empty() {
            return Ok(());
        }
        let items = rows
            .into_iter()
            .map(|r| crate::read::outbox_item(r).map_err(|_| DbError::Data))
            .collect::<DbResult<Vec<OutboxItem>>>()?;
        let legacy: Option<LegacyLane> = self.meta_value(meta_keys::LEGACY).await?;
        let staff = legacy
            .as_ref()
            .and_then(|l| l.staff.as_ref().map(|s| s.id))
            .or(current)
            .ok_or(DbError::Locked)?;
        let highest = items
            .iter()
            .map(|i| i.mutation.device_seq)
            .max()
            .unwrap_or(0);
        let mut lane = match self.lane(staff).await? {
            Some(lane) => lane,
            None => Lane {
                device_id: legacy
                    .as_ref()
                    .and_then(|l| l.device_id)
                    .or_else(platform::new_device_id)
                    .ok_or_else(|| {
                        DbError::Storage("this browser cannot make random ids".to_owned())
                    })?,
                device_seq: legacy.as_ref().map_or(0, |l| l.device_seq),
                last_confirmed_seq: legacy.as_ref().map_or(0, |l| l.last_confirmed_seq),
                rev: 0,
            },
        };
        lane.device_seq = lane.device_seq.max(highest);
        lane.rev += 1;
        let staff_text = staff.to_string();
        let pairs = items
            .iter()
            .map(|i| {
                Ok((
                    aad::outbox(&i.mutation.id.to_string(), &staff_text),
                    write::outbox_item(i),
                ))
            })
            .collect::<DbResult<Vec<_>>>()?;
        let sealed = crypto::seal_values(&key, &pairs).await?;

        let tx = self.write()?;
        let outbox = tx.tx.object_store(stores::OUTBOX)?;
        for (item, sealed) in items.iter().zip(sealed) {
            let row = sealed.to_row(&[
                (fields::ID, JsValue::from_str(&item.mutation.id.to_string())),
                (fields::STAFF, JsValue::from_str(&staff_text)),
                (
                    fields::SEQ,
                    JsValue::from_f64(item.mutation.device_seq as f64),
                ),
            ])?;
            drop(outbox.put(&JsValue::from(row)).primitive()?);
        }
        tx.put_meta(&meta_keys::lane(staff), &lane)?;
        tx.delete_meta(meta_keys::LEGACY)?;
        drop(tx.tx.object_store(stores::LEGACY_OUTBOX)?.clear()?);
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_pin_is_six_to_thirty_two_digits() {
        assert_eq!(check_pin("123456"), Ok(()));
        assert_eq!(check_pin(&"9".repeat(32)), Ok(()));
        assert_eq!(check_pin("12345"), Err("a PIN has at least 6 digits"));
        assert_eq!(check_pin(""), Err("a PIN has at least 6 digits"));
        assert_eq!(
            check_pin(&"9".repeat(33)),
            Err("a PIN has at most 32 digits")
        );
        for bad in ["12345a", "123 456", "١٢٣٤٥٦", "-123456"] {
            assert_eq!(check_pin(bad), Err("a PIN is digits only"), "{bad}");
        }
    }

    #[test]
    fn wrong_pin_words_count_the_tries_left() {
        assert_eq!(
            UnlockError::WrongPin { tries_left: 3 }.to_string(),
            "that PIN is not right: 3 tries left"
        );
        assert_eq!(
            UnlockError::WrongPin { tries_left: 1 }.to_string(),
            "that PIN is not right: 1 try left"
        );
    }
}
