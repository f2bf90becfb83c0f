//! Serving the built app: content types, app routes, caching and compression.

use std::path::Path;

use bedside_tests::{Options, spawn_with};

fn write(dir: &Path, name: &str, body: &[u8]) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, body).expect("write");
}

/// A stand-in for `dist/`, with the same names the build writes.
fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(
        d,
        "index.html",
        b"<!doctype html><title>Bedside</title><p>app shell</p>",
    );
    write(
        d,
        "boot.js",
        b"import init from './app/bedside_frontend.js'; init();",
    );
    write(
        d,
        "sw.js",
        b"const BUILD = {\"id\":\"test\",\"precache\":[]};",
    );
    write(d, "manifest.webmanifest", b"{\"name\":\"Bedside\"}");
    write(d, "styles.css", "body{}".repeat(400).as_bytes());
    // A minimal valid module header: magic and version.
    write(d, "app/bedside_frontend_bg.wasm", b"\0asm\x01\0\0\0");
    write(
        d,
        "app/bedside_frontend.js",
        "export default function init(){}\n".repeat(100).as_bytes(),
    );
    dir
}

async fn app_with_dist() -> (bedside_tests::TestApp, tempfile::TempDir) {
    let dist = fake_dist();
    let app = spawn_with(Options {
        assets: Some(dist.path().to_owned()),
        ..Options::default()
    })
    .await;
    (app, dist)
}

async fn get(app: &bedside_tests::TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("request")
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn serves_files_with_the_right_content_types() {
    let (app, _dist) = app_with_dist().await;
    for (path, content_type) in [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/app/bedside_frontend_bg.wasm", "application/wasm"),
        ("/app/bedside_frontend.js", "text/javascript"),
        ("/boot.js", "text/javascript"),
        ("/sw.js", "text/javascript"),
        ("/styles.css", "text/css"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            header(&res, "content-type").starts_with(content_type),
            "{path}: {}",
            header(&res, "content-type")
        );
    }
}

#[tokio::test]
async fn app_routes_get_the_app_shell_and_missing_files_a_404() {
    let (app, _dist) = app_with_dist().await;
    for path in [
        "/residents",
        "/residents/0192a5c4-0000-7000-8000-000000000000",
        "/anything/else",
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(header(&res, "content-type").starts_with("text/html"));
        assert!(res.text().await.expect("body").contains("app shell"));
    }
    assert_eq!(get(&app, "/missing.js").await.status(), 404);
    assert_eq!(get(&app, "/app/missing.wasm").await.status(), 404);
    // An unknown API path answers in the API's shape, never with the app shell.
    let res = get(&app, "/api/v1/no-such-thing").await;
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn the_service_worker_and_shell_are_always_revalidated() {
    let (app, _dist) = app_with_dist().await;
    for path in [
        "/sw.js",
        "/",
        "/index.html",
        "/app/bedside_frontend_bg.wasm",
    ] {
        let res = get(&app, path).await;
        assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let (app, _dist) = app_with_dist().await;
    // A client that does not decode, so the encoding can be seen.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client");
    for (encoding, path) in [
        ("gzip", "/styles.css"),
        ("br", "/styles.css"),
        ("gzip", "/app/bedside_frontend.js"),
    ] {
        let res = raw
            .get(app.url(path))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), encoding, "{path}");
    }
    let res = raw
        .get(app.url("/healthz"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn precompressed_files_are_served_when_present() {
    let (app, dist) = app_with_dist().await;
    // The build writes .br and .gz beside each file; the server sends them as they are.
    write(
        dist.path(),
        "app/bedside_frontend_bg.wasm.br",
        b"pretend-brotli",
    );
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client");
    let res = raw
        .get(app.url("/app/bedside_frontend_bg.wasm"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("request");
    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(header(&res, "content-type"), "application/wasm");
    assert_eq!(res.bytes().await.expect("body").as_ref(), b"pretend-brotli");
}

#[tokio::test]
async fn security_headers_are_set() {
    let (app, _dist) = app_with_dist().await;
    // An HTML page, an app route, an API answer, API errors (401, 404), a FHIR answer
    // and a FHIR error.
    for path in [
        "/",
        "/residents/x",
        "/healthz",
        "/api/v1/residents",
        "/api/v1/no-such-route",
        "/fhir/metadata",
        "/fhir/Patient/not-an-id",
    ] {
        let res = get(&app, path).await;
        let csp = header(&res, "content-security-policy");
        assert_eq!(
            csp,
            bedside_backend::startup::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("object-src 'none'"), "{path}");
        // Nothing the app does not need: no inline code, no eval beyond compiling
        // WebAssembly, no other origins.
        let loose = [
            "'unsafe-inline'",
            "'unsafe-eval'",
            "'unsafe-hashes'",
            "data:",
            "blob:",
            "*",
            "http:",
            "https:",
        ];
        for token in csp.split(';').flat_map(str::split_whitespace) {
            assert!(!loose.contains(&token), "{path}: {token} in {csp}");
        }
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&res, "referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
        assert_eq!(
            header(&res, "cross-origin-opener-policy"),
            "same-origin",
            "{path}"
        );
    }
}

#[tokio::test]
async fn without_a_built_app_the_server_says_how_to_build_it() {
    let app = bedside_tests::spawn_app().await;
    let res = get(&app, "/").await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.expect("body").contains("cargo xtask run"));
    // The API still works.
    assert_eq!(get(&app, "/healthz").await.status(), 200);
}
