//! Black-box tests of the server over HTTP: each test starts the real application on a
//! random loopback port with a fresh SQLite file (see `bedside_tests::spawn_app`).

mod access;
mod assets;
mod audit;
mod auth;
mod devices;
mod fhir;
mod fhir_matching;
mod fixtures;
mod health;
mod limits;
mod openapi;
mod residents;
mod sessions;
