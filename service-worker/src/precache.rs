//! The app shell's precache: which files a build puts in Cache Storage, the cache's name,
//! and which caches an activating worker deletes.
//!
//! Everything here is plain data and pure functions, so the rules are unit-tested natively;
//! `worker` does the Cache Storage calls.

use std::collections::BTreeSet;
use std::fmt;

/// Every build's shell cache is named `bedside-shell-<build id>`. The prefix is how an
/// activating worker recognises the caches of older builds, and `sw.js` computes the same
/// name before the wasm is loaded (a test below checks that the two agree).
pub const CACHE_PREFIX: &str = "bedside-shell-";

/// The page that answers every navigation when the network does not: the app is a
/// single page that routes on the client.
pub const INDEX_PATH: &str = "/index.html";

/// The worker's own wasm. `sw.js` loads it from this build's cache on every start, because
/// the browser keeps imported scripts with the registration but not the wasm they fetch.
pub const WASM_PATH: &str = "/sw/bedside_sw_bg.wasm";

/// The name of a build's shell cache.
pub fn cache_name(build_id: &str) -> String {
    format!("{CACHE_PREFIX}{build_id}")
}

/// The caches an activating worker deletes: every shell cache but its own. Caches that are
/// not ours (another app on the same origin, a future feature's) are left alone.
pub fn stale_caches<'a>(keys: impl IntoIterator<Item = &'a str>, current: &str) -> Vec<&'a str> {
    keys.into_iter()
        .filter(|key| key.starts_with(CACHE_PREFIX) && *key != current)
        .collect()
}

/// The set of paths a build precaches, as the build tool wrote them into `sw.js`.
///
/// Entries are absolute paths on this origin ("/", "/app/bedside_frontend.js"). The
/// precompressed siblings the build writes beside a file (`x.wasm.br`, `x.wasm.gz`) are
/// dropped when the file itself is listed: the server sends them as the file's encoding,
/// so caching them too would only download the same bytes twice. The list must hold
/// [`INDEX_PATH`] and [`WASM_PATH`]: without the first no navigation works offline,
/// without the second the worker cannot restart offline. A list that breaks these
/// rules is a build bug, and refusing it makes the install fail, so the previous worker
/// keeps serving rather than a half-working one taking over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precache {
    paths: BTreeSet<String>,
}

impl Precache {
    pub fn new(entries: impl IntoIterator<Item = String>) -> Result<Self, PrecacheError> {
        let mut paths = BTreeSet::new();
        for entry in entries {
            if !is_plain_path(&entry) {
                return Err(PrecacheError::NotAPath(entry));
            }
            paths.insert(entry);
        }
        let siblings: Vec<String> = paths
            .iter()
            .filter(|path| {
                COMPRESSED_SUFFIXES.iter().any(|suffix| {
                    path.strip_suffix(suffix)
                        .is_some_and(|original| paths.contains(original))
                })
            })
            .cloned()
            .collect();
        for sibling in siblings {
            paths.remove(&sibling);
        }
        for required in [INDEX_PATH, WASM_PATH] {
            if !paths.contains(required) {
                return Err(PrecacheError::Missing(required));
            }
        }
        Ok(Self { paths })
    }

    /// Whether a request path is one of the build's files.
    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// The paths, in a stable order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// The extensions of the precompressed copies the build writes beside its files.
const COMPRESSED_SUFFIXES: [&str; 2] = [".br", ".gz"];

/// An absolute path on this origin with no query or fragment. "//host/x" is refused: a
/// browser reads it as another origin.
fn is_plain_path(entry: &str) -> bool {
    entry.starts_with('/')
        && !entry.starts_with("//")
        && !entry.contains(['?', '#', '\\'])
        && !entry.chars().any(char::is_whitespace)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrecacheError {
    NotAPath(String),
    Missing(&'static str),
}

impl fmt::Display for PrecacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAPath(entry) => write!(
                f,
                "precache entry {entry:?} is not an absolute path without a query"
            ),
            Self::Missing(path) => write!(f, "the precache list does not include {path}"),
        }
    }
}

impl std::error::Error for PrecacheError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| (*e).to_owned()).collect()
    }

    #[test]
    fn cache_names_carry_the_build_id() {
        assert_eq!(cache_name("3f9a"), "bedside-shell-3f9a");
    }

    #[test]
    fn only_older_shell_caches_are_stale() {
        let keys = [
            "bedside-shell-old1",
            "bedside-shell-new",
            "someone-elses-cache",
            "bedside-shell-old2",
            "bedside-shell",
        ];
        assert_eq!(
            stale_caches(keys, "bedside-shell-new"),
            vec!["bedside-shell-old1", "bedside-shell-old2"]
        );
    }

    #[test]
    fn nothing_is_stale_when_only_the_current_cache_exists() {
        assert!(stale_caches(["bedside-shell-a"], "bedside-shell-a").is_empty());
    }

    #[test]
    fn a_valid_list_is_kept_and_answers_membership() {
        let precache = Precache::new(list(&[
            "/",
            INDEX_PATH,
            WASM_PATH,
            "/app/bedside_frontend.js",
        ]))
        .expect("valid list");
        assert_eq!(precache.len(), 4);
        assert!(precache.contains("/"));
        assert!(precache.contains("/app/bedside_frontend.js"));
        assert!(!precache.contains("/app/other.js"));
        assert!(!precache.contains("/app/bedside_frontend.js?v=2"));
    }

    #[test]
    fn duplicates_are_collapsed() {
        let precache =
            Precache::new(list(&[INDEX_PATH, WASM_PATH, INDEX_PATH])).expect("valid list");
        assert_eq!(
            precache.paths().collect::<Vec<_>>(),
            vec![INDEX_PATH, WASM_PATH]
        );
    }

    #[test]
    fn precompressed_siblings_of_listed_files_are_dropped() {
        let precache = Precache::new(list(&[
            INDEX_PATH,
            "/index.html.gz",
            WASM_PATH,
            "/sw/bedside_sw_bg.wasm.br",
            "/sw/bedside_sw_bg.wasm.gz",
            // No uncompressed file beside it: a file in its own right.
            "/data/archive.gz",
        ]))
        .expect("valid list");
        assert_eq!(
            precache.paths().collect::<Vec<_>>(),
            vec!["/data/archive.gz", INDEX_PATH, WASM_PATH]
        );
    }

    #[test]
    fn the_index_page_and_the_worker_wasm_are_required() {
        assert_eq!(
            Precache::new(list(&[WASM_PATH, "/"])),
            Err(PrecacheError::Missing(INDEX_PATH))
        );
        assert_eq!(
            Precache::new(list(&[INDEX_PATH])),
            Err(PrecacheError::Missing(WASM_PATH))
        );
    }

    #[test]
    fn entries_that_are_not_plain_paths_are_refused() {
        for bad in [
            "index.html",
            "https://example.org/index.html",
            "//cdn.example.org/x.js",
            "/index.html?v=1",
            "/index.html#top",
            "/a b.js",
            "",
        ] {
            let result = Precache::new(list(&[INDEX_PATH, WASM_PATH, bad]));
            assert_eq!(
                result,
                Err(PrecacheError::NotAPath(bad.to_owned())),
                "{bad:?}"
            );
        }
    }
}
