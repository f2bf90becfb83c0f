//! The tablet's data layer, shared by the app (`bedside-frontend`) and its service worker
//! (`bedside-sw`), so that both run exactly the same sync.
//!
//! - [`crypto`]: WebCrypto for the encrypted store: the device key, PIN-derived key
//!   wrapping, the data key, and sealing and opening records.
//! - [`db`]: the tablet's copy of the record in IndexedDB (residents, entries, the
//!   outbox of mutations made on this tablet, the audit queue, meta and the keyring),
//!   every row about a resident sealed, with one read-write transaction per page of
//!   changes, per snapshot page, per local write and per push answer.
//! - [`vault`]: enrolment, the data key in memory, PINs, locking, staff sign-out, and
//!   the queue of views of records (the offline audit).
//! - [`testing`]: a synthetic enrolment and unlock, for tests of this crate and the app.
//! - [`http`]: the server's app API (`/api/v1/…`), with `fetch` reached through the global
//!   scope.
//! - [`sync`]: the sync engine: status, then a snapshot or pages of changes, then push.
//!   Every decision comes from `bedside_domain::sync::plan`; this crate does the IO.
//! - [`provisional`]: what a local write stores before the server has answered (pure).
//! - [`read`]: parsed and stored values read into the record model's types, tags first.
//! - [`write`]: what the tablet stores and sends, written into JavaScript values.
//! - [`session`]: the stored session and keeping it alive: refreshing the access token
//!   before it expires or when it is refused, one refresh at a time across contexts;
//!   ending it on the server at sign-out.
//! - [`lock`]: one sync at a time, and one refresh at a time, across the app's tabs and
//!   its service worker.
//! - [`platform`]: the clock and random ids, through the global scope.
//!
//! Nothing here touches `window`: IndexedDB, `fetch`, `crypto` and `navigator.locks` are
//! all reached through `globalThis`, which is a `Window` in the app and a
//! `ServiceWorkerGlobalScope` in the worker.

pub mod crypto;
pub mod db;
pub mod http;
pub mod lock;
pub mod platform;
pub mod provisional;
pub mod read;
pub mod session;
pub mod sync;
pub mod testing;
pub mod vault;
pub mod write;

pub use db::{DbError, LocalDb};
pub use provisional::RecordError;
pub use session::StoredSession;
pub use sync::{SyncError, SyncReport};
pub use vault::{Enrolment, PinHolder, SignOutOutcome, UnlockError, VaultError, VaultState};
