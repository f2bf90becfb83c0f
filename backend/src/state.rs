//! What every handler can reach: the store and the settings.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
}

/// Server settings that handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a bearer token lasts from sign-in.
    pub token_ttl: chrono::Duration,
    /// The largest JSON body the app API accepts.
    pub max_body_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_ttl: chrono::Duration::minutes(60),
            max_body_bytes: 1024 * 1024,
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
        }
    }

    /// The one place handlers read the time, so a later clock for tests has one seam.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
