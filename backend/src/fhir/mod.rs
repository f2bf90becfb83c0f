//! The FHIR R4 API under `/fhir`: sending systems post records here; staff (and sending
//! systems) can look a person up; staff can export a resident's International Patient
//! Summary. Every answer that is not a resource or Bundle is an OperationOutcome.

pub mod engine;
pub mod http;
mod read;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post, put};

use crate::state::AppState;

/// The largest body `/fhir` accepts (a Bundle of several hundred resources with letters).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How deeply JSON may nest. Real resources stay far below this; a deeper body is refused
/// before it is parsed.
pub const MAX_DEPTH: usize = 64;

pub const FHIR_JSON: &str = "application/fhir+json";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fhir", post(http::post_bundle))
        .route("/fhir/", post(http::post_bundle))
        .route("/fhir/metadata", get(read::metadata))
        // The static "Patient" routes shadow the generic ones, so they carry the write
        // methods too.
        .route(
            "/fhir/Patient",
            get(read::search_patients).post(http::post_patient),
        )
        .route(
            "/fhir/Patient/{id}",
            get(read::read_patient).put(http::put_patient),
        )
        .route(
            "/fhir/Patient/{id}/{operation}",
            get(read::patient_operation),
        )
        .route(
            "/fhir/{resource_type}",
            get(read::search_type).post(http::post_resource),
        )
        .route("/fhir/{resource_type}/{id}", put(http::put_resource))
        .route("/fhir/{resource_type}/{id}/{*rest}", any(http::not_found))
        .method_not_allowed_fallback(http::not_found)
        // The body is read (and its size checked) by the handlers themselves, so that an
        // oversized body gets an OperationOutcome; axum's own limit is set just above.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES + 1))
}
