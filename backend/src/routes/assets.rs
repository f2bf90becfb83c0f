//! Serving the built tablet app from a directory (`dist/` by default).
//!
//! Files are served as they are, with the precompressed `.br`/`.gz` siblings the build
//! writes; any path that looks like an app route (no file extension) gets `index.html`,
//! so deep links and reloads work. Everything is `Cache-Control: no-cache`: the names are
//! fixed per build, so browsers must revalidate (cheap, with ETags), and the service worker
//! is what makes the app start offline.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::Router;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// A router that serves the app in `dir`, or a page that says how to build it when the
/// directory has no `index.html`.
pub fn router(dir: &Path) -> Router {
    let index = dir.join("index.html");
    let service = if index.is_file() {
        let dir: PathBuf = dir.to_owned();
        let serve = ServeDir::new(&dir)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(true)
            .fallback(tower::service_fn(move |req: Request<Body>| {
                let index = index.clone();
                async move { Ok::<_, Infallible>(app_route_or_404(req, &index).await) }
            }));
        Router::new().fallback_service(serve)
    } else {
        tracing::warn!(dir = %dir.display(), "no built app here; run `cargo xtask run` to build it");
        Router::new().fallback(|req: Request<Body>| async move {
            if is_fhir(req.uri().path()) {
                return crate::fhir::http::not_found().await.into_response();
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Html(
                    "<!doctype html><html lang=\"en-GB\"><title>Bedside</title>\
                     <h1>The Bedside app has not been built</h1>\
                     <p>Run <code>cargo xtask run</code> from the project folder.</p></html>",
                ),
            )
                .into_response()
        })
    };
    service.layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

/// A path without a file extension is an app route: answer with index.html. A missing
/// file (`/missing.js`) is a plain 404, so a broken build shows up as one.
async fn app_route_or_404(req: Request<Body>, index: &Path) -> Response<Body> {
    if is_fhir(req.uri().path()) {
        return crate::fhir::http::not_found().await.into_response();
    }
    let last = req.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    match ServeFile::new(index).oneshot(req).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    }
}

/// FHIR paths that no route matched answer as FHIR, never with the app shell.
fn is_fhir(path: &str) -> bool {
    path == "/fhir" || path.starts_with("/fhir/")
}
