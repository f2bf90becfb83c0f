//! Everything that talks to the outside of the app: the local store and the server.

pub mod api;
pub mod local_db;
pub mod manage;
