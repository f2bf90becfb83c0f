//! Bedside's service worker, in Rust.
//!
//! `sw.js` is a thin classic script: it registers the install, activate, fetch and sync
//! handlers synchronously (as browsers require), loads this crate's wasm from Cache
//! Storage (the network only on the very first install) and forwards each event to a
//! [`ShellWorker`].
//!
//! - [`precache`]: which files a build caches, the cache's name, which caches are stale.
//! - [`route`]: which strategy answers a request (network first for page loads, cache first
//!   for the build's files, the network for everything else, records included).
//! - `worker`: carries those decisions out with Cache Storage and fetch, and answers
//!   Background Sync (`sync`, tag [`SYNC_TAG`]) with the app's own sync run from
//!   `bedside-client` (IndexedDB, the server's API, the sync engine), then tells open
//!   pages ([`SYNCED_MESSAGE`]). The store is sealed: the worker syncs only with the data
//!   key a page sent it (`message`, `bedside_client::vault::KEY_MESSAGE`), kept in
//!   memory until the app locks or signs out, and skips the run without it.
//!
//! The pure parts are unit-tested natively (`cargo test -p bedside-sw`); the browser parts
//! by `tests/browser.rs` inside a real service worker and by the end-to-end tests in
//! `tests/e2e/`.

pub mod precache;
pub mod route;
mod worker;

pub use worker::{NAVIGATION_TIMEOUT_MS, SYNC_TAG, SYNCED_MESSAGE, ShellWorker};

/// The parts of `worker` the in-browser tests drive directly.
#[doc(hidden)]
pub mod testing {
    pub use crate::worker::{
        cache_first, delete_stale_caches, network_first_shell, precache_files,
    };
}
