//! `sw.js` and the Rust worker must agree on a few names, and the build tool relies on the
//! shape of its `BUILD` line. These tests read the shim as it ships.

#![cfg(not(target_arch = "wasm32"))]

use bedside_sw::SYNC_TAG;
use bedside_sw::precache::{CACHE_PREFIX, INDEX_PATH, Precache, WASM_PATH};

const SHIM: &str = include_str!("../sw.js");
const BUILD_PREFIX: &str = "const BUILD = ";

/// The file names helper-common.md fixes for dist/, which a default `BUILD` must list so
/// that a hand-assembled dist/ works offline.
const DIST_FILES: [&str; 12] = [
    "/",
    "/index.html",
    "/boot.js",
    "/styles.css",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/icon-maskable-512.png",
    "/app/bedside_frontend.js",
    "/app/bedside_frontend_bg.wasm",
    "/sw/bedside_sw.js",
    "/sw/bedside_sw_bg.wasm",
];

fn build_line() -> serde_json::Value {
    let lines: Vec<&str> = SHIM
        .lines()
        .filter(|line| line.starts_with(BUILD_PREFIX))
        .collect();
    assert_eq!(lines.len(), 1, "sw.js must have exactly one BUILD line");
    let json = lines[0]
        .strip_prefix(BUILD_PREFIX)
        .and_then(|rest| rest.strip_suffix(';'))
        .expect("the BUILD line is `const BUILD = {…};`");
    serde_json::from_str(json).expect("the BUILD value is JSON, as the build tool writes it")
}

#[test]
fn the_default_build_line_is_a_usable_build() {
    let build = build_line();
    let id = build["id"].as_str().expect("id is a string");
    assert!(!id.is_empty());
    let precache: Vec<String> = build["precache"]
        .as_array()
        .expect("precache is an array")
        .iter()
        .map(|entry| entry.as_str().expect("entries are strings").to_owned())
        .collect();
    let precache = Precache::new(precache).expect("the default list is valid");
    for file in DIST_FILES {
        assert!(precache.contains(file), "the default BUILD misses {file}");
    }
}

#[test]
fn the_shim_names_the_same_cache_and_wasm_as_the_crate() {
    assert!(
        SHIM.contains(&format!("const CACHE_NAME = '{CACHE_PREFIX}' + BUILD.id;")),
        "sw.js must name caches with bedside_sw::precache::CACHE_PREFIX"
    );
    assert!(
        SHIM.contains(&format!("const WASM_PATH = '{WASM_PATH}';")),
        "sw.js must load the wasm from bedside_sw::precache::WASM_PATH"
    );
    assert!(SHIM.contains(&format!("'{}'", WASM_PATH.replace("_bg.wasm", ".js"))));
    assert!(INDEX_PATH.starts_with('/'));
    assert!(
        SHIM.contains(&format!("const SYNC_TAG = '{SYNC_TAG}';")),
        "sw.js must answer the Background Sync tag the app registers"
    );
}

#[test]
fn the_shim_is_a_classic_script_that_registers_its_handlers_at_once() {
    assert!(SHIM.contains("importScripts('/sw/bedside_sw.js');"));
    for event in ["install", "activate", "fetch", "sync", "message"] {
        let registration = format!("\nself.addEventListener('{event}', ");
        assert!(SHIM.contains(&registration), "no top-level {event} handler");
    }
    // A module worker (import/export) with top-level await never starts.
    for line in SHIM.lines() {
        assert!(
            !line.starts_with("import ") && !line.starts_with("export "),
            "{line}"
        );
        assert!(!line.starts_with("await "), "{line}");
    }
}
