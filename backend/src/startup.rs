//! Building the application (one function, used by `main` and by the tests) and serving it.

use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::routes;
use crate::state::AppState;

/// What the app may load, and from where. `wasm-unsafe-eval` lets the page compile its
/// own WebAssembly; nothing inline, nothing from elsewhere (not even `data:` images: the
/// app draws its charts as inline SVG elements), no plugins, and no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; worker-src 'self'; \
     manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The whole application: the app API with its OpenAPI document, and the built app.
pub fn build_app(state: AppState, assets: &Path) -> Router {
    let (api, openapi) = routes::api::router().split_for_parts();
    let openapi_json = serde_json::to_value(&openapi).unwrap_or_default();
    let api = api
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(openapi_json) }),
        )
        // An unknown API path answers in the API's error shape, not with the app's HTML.
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .with_state(state.clone());
    let fhir = crate::fhir::router().with_state(state);

    let headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // For browsers older than `frame-ancestors`.
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        // No other site's window keeps a handle on the app's, and no other site may
        // embed its responses.
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        // The app uses none of these; a script that got in could not either.
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
            ),
        ));

    api.merge(fhir)
        .merge(routes::assets::router(assets))
        // Quality 4: brotli's default (11) costs far too much CPU for large JSON
        // responses; the static files are precompressed at build time at the best level.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        // Spans name the path only: query strings can hold NHS numbers.
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        // Outermost, so every answer has them: files, API, FHIR, errors, even a panic's.
        .layer(headers)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("There is no such API route.".into())
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
