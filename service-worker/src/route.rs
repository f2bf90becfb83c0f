//! The routing table: which strategy answers a request.
//!
//! A pure function of what the browser tells us about the request, so every decision is
//! unit-tested natively. The browser has already parsed and normalised the URL; `worker`
//! passes on its origin check and path.

use crate::precache::Precache;

/// How the worker answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A page load: the network first (so a new build shows as soon as it is deployed),
    /// and the cached `index.html` when the network fails or is too slow.
    NetworkFirstShell,
    /// One of this build's static files: from the shell cache, the network only if it is
    /// somehow missing.
    CacheFirst,
    /// Not the worker's business: the browser fetches it as if there were no worker.
    /// Records travel this way and are never put in Cache Storage; they live only in the
    /// app's IndexedDB.
    Network,
}

/// What routing needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The HTTP method, as the browser gives it (upper case).
    pub method: &'a str,
    /// Whether the request goes to the worker's own origin.
    pub same_origin: bool,
    /// The URL's path, without query or fragment.
    pub path: &'a str,
    /// Whether the request's mode is "navigate" (a page load or reload).
    pub navigation: bool,
}

/// Server paths that always go to the network, navigations included: the app API, the
/// FHIR endpoints and the health check.
const NETWORK_ONLY: [&str; 3] = ["/api", "/fhir", "/healthz"];

pub fn route(request: &RequestFacts<'_>, precache: &Precache) -> Strategy {
    // The Cache API only stores GET, and anything else changes server state.
    if request.method != "GET" || !request.same_origin {
        return Strategy::Network;
    }
    if NETWORK_ONLY
        .iter()
        .any(|prefix| is_under(request.path, prefix))
    {
        return Strategy::Network;
    }
    if request.navigation {
        return Strategy::NetworkFirstShell;
    }
    if precache.contains(request.path) {
        return Strategy::CacheFirst;
    }
    Strategy::Network
}

/// Whether `path` is `prefix` or below it, by whole segments ("/api/v1" is under "/api",
/// "/apiary" is not).
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::precache::{INDEX_PATH, WASM_PATH};

    fn precache() -> Precache {
        Precache::new(
            [
                "/",
                INDEX_PATH,
                "/boot.js",
                "/styles.css",
                "/app/bedside_frontend.js",
                "/app/bedside_frontend_bg.wasm",
                "/sw/bedside_sw.js",
                WASM_PATH,
                "/icons/icon-192.png",
            ]
            .map(String::from),
        )
        .expect("valid list")
    }

    fn get(path: &str, navigation: bool) -> RequestFacts<'_> {
        RequestFacts {
            method: "GET",
            same_origin: true,
            path,
            navigation,
        }
    }

    #[test]
    fn routing_table() {
        use Strategy::*;
        let cases: &[(RequestFacts<'_>, Strategy)] = &[
            // Page loads, at the root and at client-side routes.
            (get("/", true), NetworkFirstShell),
            (get("/index.html", true), NetworkFirstShell),
            (
                get("/residents/6f1c2b1e-8a7d-4f4e-9d6a-0c2b7e9f1a11", true),
                NetworkFirstShell,
            ),
            (get("/apiary", true), NetworkFirstShell),
            // The shell's files.
            (get("/boot.js", false), CacheFirst),
            (get("/app/bedside_frontend_bg.wasm", false), CacheFirst),
            (get(WASM_PATH, false), CacheFirst),
            (get("/", false), CacheFirst),
            (get("/icons/icon-192.png", false), CacheFirst),
            // Server data: never from the cache, even when opened as a page.
            (get("/api/v1/records", false), Network),
            (get("/api/v1/records", true), Network),
            (get("/api", true), Network),
            (get("/fhir/metadata", false), Network),
            (get("/fhir/Patient/1/$summary", true), Network),
            (get("/healthz", false), Network),
            (get("/healthz", true), Network),
            // Anything else on our origin that the build did not precache.
            (get("/not-in-the-build.js", false), Network),
            (get("/residents/1", false), Network),
        ];
        let precache = precache();
        for (request, expected) in cases {
            assert_eq!(route(request, &precache), *expected, "{request:?}");
        }
    }

    #[test]
    fn only_get_is_ever_answered_by_the_worker() {
        let precache = precache();
        for method in ["POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"] {
            for (path, navigation) in [
                ("/api/v1/auth/login", false),
                ("/", true),
                ("/boot.js", false),
            ] {
                let request = RequestFacts {
                    method,
                    ..get(path, navigation)
                };
                assert_eq!(route(&request, &precache), Strategy::Network, "{request:?}");
            }
        }
    }

    #[test]
    fn other_origins_go_to_the_network() {
        let precache = precache();
        for (path, navigation) in [("/", true), ("/boot.js", false), ("/index.html", false)] {
            let request = RequestFacts {
                same_origin: false,
                ..get(path, navigation)
            };
            assert_eq!(route(&request, &precache), Strategy::Network, "{request:?}");
        }
    }

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(is_under("/api", "/api"));
        assert!(is_under("/api/", "/api"));
        assert!(is_under("/api/v1/records", "/api"));
        assert!(!is_under("/apiary", "/api"));
        assert!(!is_under("/healthzz", "/healthz"));
        assert!(!is_under("/v1/api", "/api"));
    }
}
