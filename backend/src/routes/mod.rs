//! HTTP routes. `api` is the app API (documented in OpenAPI); `assets` serves the built
//! tablet app.

pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod devices;
pub mod sync;
