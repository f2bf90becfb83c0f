//! The tablet's copy of the record, in IndexedDB: the shared layer in `bedside-client`
//! (the service worker uses the same one), re-exported where the app's pages look for it.
//! See [`bedside_client::db`] for the stores, the schema and the transactions.

pub use bedside_client::db::*;
