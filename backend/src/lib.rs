//! The Bedside server: the app API and its OpenAPI document, staff sign-in, storage, the
//! administrative operations and serving the built tablet app.
//!
//! `main` only parses the command line; [`startup::build_app`] builds the same application
//! the tests run on a random port.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod extract;
pub mod fhir;
pub mod ingest_cli;
pub mod limits;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod sync;
pub mod telemetry;
