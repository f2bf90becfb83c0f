//! Black-box tests of the server over HTTP: each test starts the real application on a
//! random loopback port with a fresh SQLite file (see `bedside_tests::spawn_app`).

mod assets;
mod audit;
mod auth;
mod fhir;
mod fhir_matching;
mod fixtures;
mod health;
mod openapi;
mod residents;
