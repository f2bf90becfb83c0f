//! What every handler can reach: the store, the settings and the sign-in limits.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::limits::{Limit, LoginLimits};
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    /// In memory, per server node (see `limits`).
    pub login_limits: Arc<LoginLimits>,
}

/// Server settings that handlers read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an access token lasts from sign-in or refresh.
    pub token_ttl: chrono::Duration,
    /// A session not used for this long ends (its refresh token stops working).
    pub idle_timeout: chrono::Duration,
    /// A session ends this long after sign-in, however much it is used.
    pub session_max: chrono::Duration,
    /// How long after a refresh token was traded the same token may be traded once more
    /// (the tablet never heard the first answer, say on a dropping connection) instead of
    /// ending the session as reuse.
    pub refresh_grace: chrono::Duration,
    /// How often, at most, a session's last use and its tablet's last contact are
    /// written: once a minute keeps a busy tablet from writing on every request.
    pub contact_interval: chrono::Duration,
    /// Failed sign-ins per username before it is locked out for the rest of the window.
    pub account_failures: Limit,
    /// Sign-in attempts per network address.
    pub address_attempts: Limit,
    /// The largest JSON body the app API accepts.
    pub max_body_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token_ttl: chrono::Duration::minutes(15),
            idle_timeout: chrono::Duration::minutes(30),
            session_max: chrono::Duration::hours(12),
            refresh_grace: chrono::Duration::seconds(60),
            contact_interval: chrono::Duration::minutes(1),
            account_failures: Limit {
                max: 5,
                window: std::time::Duration::from_secs(15 * 60),
            },
            address_attempts: Limit {
                max: 30,
                window: std::time::Duration::from_secs(60),
            },
            max_body_bytes: 1024 * 1024,
        }
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let login_limits = Arc::new(LoginLimits::new(
            settings.account_failures,
            settings.address_attempts,
        ));
        Self {
            store,
            settings: Arc::new(settings),
            login_limits,
        }
    }

    /// The one place handlers read the time, so a later clock for tests has one seam.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
