//! Logging to stderr. Log lines carry ids, routes, statuses and timings, never record
//! contents. `RUST_LOG` overrides the default filter.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("bedside_backend=info,tower_http=warn,warn"));
    // A second init (as in tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
