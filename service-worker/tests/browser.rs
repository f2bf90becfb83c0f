//! The worker's Cache Storage and fetch work, run inside a real service worker in headless
//! Chromium: `cargo test --target wasm32-unknown-unknown -p bedside-sw` (with
//! `CHROMEDRIVER=/usr/bin/chromedriver`; webdriver.json beside Cargo.toml sets the flags).
//!
//! The test runner's own server answers "/" with its page and 404 for unknown paths, which
//! is all these tests need from a network. Tests run side by side in one origin, so only
//! the activate test uses `bedside-shell-` names: the others would be deleted under it.

#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use bedside_sw::testing::{cache_first, delete_stale_caches, network_first_shell, precache_files};
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Cache, Request, Response, ServiceWorkerGlobalScope};

wasm_bindgen_test_configure!(run_in_service_worker);

fn scope() -> ServiceWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

async fn open(name: &str) -> Cache {
    let caches = scope().caches().unwrap();
    JsFuture::from(caches.open(name))
        .await
        .unwrap()
        .unchecked_into()
}

async fn cache_names() -> Vec<String> {
    let caches = scope().caches().unwrap();
    let keys: Array = JsFuture::from(caches.keys())
        .await
        .unwrap()
        .unchecked_into();
    let mut names: Vec<String> = keys.iter().filter_map(|k| k.as_string()).collect();
    names.sort();
    names
}

async fn put_text(cache: &Cache, key: &str, body: &str) {
    let response = Response::new_with_opt_str(Some(body)).unwrap();
    JsFuture::from(cache.put_with_str(key, &response))
        .await
        .unwrap();
}

async fn text(response: &Response) -> String {
    JsFuture::from(response.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
async fn activate_deletes_only_older_shell_caches() {
    for name in ["bedside-shell-old", "bedside-shell-current", "not-ours"] {
        open(name).await;
    }
    let deleted = delete_stale_caches(&scope(), "bedside-shell-current")
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let names = cache_names().await;
    assert!(names.contains(&"bedside-shell-current".to_owned()));
    assert!(names.contains(&"not-ours".to_owned()));
    assert!(!names.contains(&"bedside-shell-old".to_owned()));
}

#[wasm_bindgen_test]
async fn precache_stores_every_file_or_none() {
    precache_files(&scope(), "test-ok", &["/".to_owned()])
        .await
        .unwrap();
    let cache = open("test-ok").await;
    let found = JsFuture::from(cache.match_with_str("/")).await.unwrap();
    assert!(found.is_instance_of::<Response>(), "the page was precached");

    // One missing file fails the install and leaves nothing half-cached.
    let result = precache_files(
        &scope(),
        "test-partial",
        &["/".to_owned(), "/no-such-file.js".to_owned()],
    )
    .await;
    assert!(result.is_err());
    let cache = open("test-partial").await;
    let found = JsFuture::from(cache.match_with_str("/")).await.unwrap();
    assert!(found.is_undefined(), "addAll stored part of a failed build");
}

#[wasm_bindgen_test]
async fn cache_first_answers_from_the_cache_and_ignores_the_query() {
    let cache = open("test-cf").await;
    put_text(&cache, "/only-in-the-cache.js", "cached copy").await;

    let request = Request::new_with_str("/only-in-the-cache.js?v=2").unwrap();
    let response = cache_first(&request, "test-cf").await.unwrap();
    assert_eq!(text(&response).await, "cached copy");

    // Not cached: the network's answer (the runner's 404), and nothing is stored.
    let request = Request::new_with_str("/not-cached.js").unwrap();
    let response = cache_first(&request, "test-cf").await.unwrap();
    assert_eq!(response.status(), 404);
    let found = JsFuture::from(cache.match_with_str("/not-cached.js"))
        .await
        .unwrap();
    assert!(found.is_undefined());
}

#[wasm_bindgen_test]
async fn page_loads_use_the_network_while_it_answers() {
    let cache = open("test-online").await;
    put_text(&cache, "/index.html", "cached shell").await;

    let request = Request::new_with_str("/").unwrap();
    let response = network_first_shell(&request, "test-online", 10_000)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_ne!(text(&response).await, "cached shell");
}

#[wasm_bindgen_test]
async fn page_loads_fall_back_to_the_cached_shell_when_the_network_fails() {
    let cache = open("test-offline").await;
    // Stored with a query to show that the lookup ignores it.
    put_text(&cache, "/index.html?v=3", "cached shell").await;

    // Port 9 (discard) is closed: the fetch fails at once, like a dropped network.
    let request = Request::new_with_str("http://127.0.0.1:9/residents/1").unwrap();
    let response = network_first_shell(&request, "test-offline", 10_000)
        .await
        .unwrap();
    assert_eq!(text(&response).await, "cached shell");

    // With no shell cached, the network's failure is the answer.
    let request = Request::new_with_str("http://127.0.0.1:9/").unwrap();
    let result = network_first_shell(&request, "test-empty", 10_000).await;
    assert!(result.is_err());
}

#[wasm_bindgen_test]
async fn the_worker_holds_the_data_key_only_between_an_unlock_and_a_lock() {
    use bedside_client::vault::{FORGET_MESSAGE, KEY_MESSAGE, LOCK_MESSAGE};
    let paths = ["/", "/index.html", "/sw/bedside_sw_bg.wasm"];
    let worker =
        bedside_sw::ShellWorker::new("test-key".into(), paths.map(String::from).to_vec()).unwrap();
    let message = |kind: &str, key: Option<&JsValue>, staff: &str| -> JsValue {
        let m = js_sys::Object::new();
        js_sys::Reflect::set(&m, &"type".into(), &kind.into()).unwrap();
        if let Some(key) = key {
            js_sys::Reflect::set(&m, &"key".into(), key).unwrap();
        }
        js_sys::Reflect::set(&m, &"staff".into(), &staff.into()).unwrap();
        m.into()
    };
    let key = bedside_client::crypto::DataKey::generate().await.unwrap();
    let staff = "00000000-0000-0000-0000-000000000063";
    assert!(!worker.message(JsValue::from_str("bedside-synced")));
    assert!(worker.message(message(KEY_MESSAGE, Some(key.as_js()), staff)));
    assert!(!worker.message(message(LOCK_MESSAGE, None, staff)));
    assert!(worker.message(message(KEY_MESSAGE, Some(key.as_js()), staff)));
    assert!(!worker.message(message(FORGET_MESSAGE, None, staff)));
    // Something that is not a key, or no staff member, leaves it without one.
    assert!(!worker.message(message(KEY_MESSAGE, Some(&"key".into()), staff)));
    assert!(!worker.message(message(KEY_MESSAGE, Some(key.as_js()), "nobody")));
    // Without a key, a Background Sync run is skipped quietly (it resolves).
    JsFuture::from(worker.sync()).await.unwrap();
}
