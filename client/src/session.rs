//! The signed-in session on the tablet, and keeping it alive with refresh tokens.
//!
//! The server's access tokens are short-lived (15 minutes); with each one comes a refresh
//! token that trades, once, for a new pair (`POST /api/v1/auth/refresh`). A refresh token
//! used a second time ends the whole session (`session_revoked`): someone else has a
//! copy. So on a tablet where the app's tabs and its service worker all call the server:
//!
//! - Every refresh holds [`lock::AUTH_LOCK`] (Web Locks, across every context), and after
//!   taking it reads the session again from IndexedDB: if the stored access token is no
//!   longer the one that was about to expire (or was refused), another context has
//!   refreshed already, and its pair is used instead of trading the refresh token again.
//! - The new pair is stored in one transaction, over the same sign-in only (its
//!   [`StoredSession::key`], which a refresh keeps), before anything else can use it.
//!
//! [`Auth`] is what a run of calls uses: before a call, a token that expires soon is
//! refreshed first ([`refresh_due`]); a call refused with 401 is answered by one refresh
//! and one retry ([`after_failure`]). A refresh refused with 401 (`session_expired`,
//! `session_revoked`, `unauthenticated`) means the session is over: the caller's
//! "sign in again" path, records kept. 403 `device_revoked`, from any call, means the
//! tablet was removed from the home's devices: it wipes itself ([`crate::sync::sync`]
//! does so). Offline, nothing is refreshed: a refresh whose answer is lost on the way
//! would leave the tablet holding a refresh token the server has already traded.

use std::cell::RefCell;
use std::future::Future;

use bedside_domain::api::{LoginResponse, SignInResponse, StaffInfo};
use chrono::{DateTime, Duration, Utc};
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::db::LocalDb;
use crate::http::{self, ApiFailure, ApiResult};
use crate::lock::{self, AUTH_LOCK};
use crate::platform;
use crate::sync::SyncError;

/// How long before its access token expires a session is refreshed, at most.
pub const REFRESH_MARGIN: Duration = Duration::seconds(60);

/// The session as the tablet stores it (IndexedDB `meta`, key `session`): what the
/// sign-in answered ([`SignInResponse`]: the access token, who signed in, the refresh
/// token) and two things of the tablet's own. Its fields are a superset of
/// [`LoginResponse`]'s, so code that reads a `LoginResponse` from the store still can;
/// the optional fields are absent in sessions stored before refresh tokens (those end
/// with their access token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub staff: StaffInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The session's absolute end, as the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// When the current pair arrived, by the tablet's clock: with `expires_at` it gives
    /// the token's lifetime, whatever the difference between the two clocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    /// Which sign-in this is: made on the tablet at sign-in and kept by every refresh,
    /// so a sync can tell "the tokens were refreshed" from "someone signed out or in".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<String>,
}

impl StoredSession {
    /// A new sign-in's session. `sign_in` names it (random; see [`Self::key`]).
    pub fn signed_in(answer: SignInResponse, received_at: DateTime<Utc>, sign_in: String) -> Self {
        let SignInResponse {
            login,
            refresh_token,
            refresh_expires_at,
            ..
        } = answer;
        Self {
            token: login.token,
            expires_at: login.expires_at,
            staff: login.staff,
            refresh_token: Some(refresh_token),
            refresh_expires_at: Some(refresh_expires_at),
            received_at: Some(received_at),
            sign_in: Some(sign_in),
        }
    }

    /// This session with a refresh's new pair: the same sign-in.
    pub fn refreshed(&self, answer: &SignInResponse, received_at: DateTime<Utc>) -> Self {
        Self {
            token: answer.login.token.clone(),
            expires_at: answer.login.expires_at,
            staff: answer.login.staff.clone(),
            refresh_token: Some(answer.refresh_token.clone()),
            refresh_expires_at: Some(answer.refresh_expires_at),
            received_at: Some(received_at),
            sign_in: Some(self.key().to_owned()),
        }
    }

    /// What identifies this sign-in across refreshes: its `sign_in` name, or for a
    /// session stored without one, its access token (which it never refreshes).
    pub fn key(&self) -> &str {
        self.sign_in.as_deref().unwrap_or(&self.token)
    }

    /// The part the app's pages use: who is signed in and the current access token.
    pub fn login(&self) -> LoginResponse {
        LoginResponse {
            token: self.token.clone(),
            expires_at: self.expires_at,
            staff: self.staff.clone(),
        }
    }
}

/// Whether a session whose access token expires at `expires_at` (and arrived at
/// `received_at`, by the tablet's clock) should be refreshed before a call at `now`: when
/// it expires within [`REFRESH_MARGIN`], or within half its lifetime if that is shorter
/// (so a token that lives only a minute is not traded before every call).
pub fn refresh_due(
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    received_at: Option<DateTime<Utc>>,
) -> bool {
    let margin = match received_at {
        Some(received) => REFRESH_MARGIN.min((expires_at - received) / 2),
        None => REFRESH_MARGIN,
    }
    .max(Duration::zero());
    expires_at - now <= margin
}

/// What to do after a call to the server failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// The access token was refused (401): refresh, then try the call once more.
    RefreshAndRetry,
    /// The session is over (a refresh refused with 401, or a retry refused again): the
    /// records stay readable; only signing in again brings updates.
    SessionOver,
    /// 403 `device_revoked`: this tablet was removed from the home's devices. Wipe it.
    Wipe,
    /// Anything else (no network, the server failing, a bad answer): the failure as it is;
    /// the session is untouched.
    Fail,
}

/// Which call a failure answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A call with the access token, not yet retried.
    First,
    /// The same call again, with a token refreshed because of its first answer.
    Retry,
    /// `POST /api/v1/auth/refresh`.
    Refresh,
}

/// What a failure of `call` means for the session.
pub fn after_failure(call: Call, failure: &ApiFailure) -> AfterFailure {
    if failure.is_device_revoked() {
        return AfterFailure::Wipe;
    }
    match (call, failure) {
        (Call::First, ApiFailure::Unauthenticated(_)) => AfterFailure::RefreshAndRetry,
        (Call::Retry | Call::Refresh, ApiFailure::Unauthenticated(_)) => AfterFailure::SessionOver,
        _ => AfterFailure::Fail,
    }
}

/// Whether the platform believes it has a network (`navigator.onLine`, in a page or the
/// worker). `false` is reliable; where it cannot be read, assume a network.
fn online() -> bool {
    Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .ok()
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("onLine")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(true)
}

type AuthResult<T> = Result<T, SyncError>;

/// The stored session for a run of calls: hands out a current access token, and
/// refreshes it when it is due or refused. Cheap to make; one per run.
#[derive(Debug)]
pub struct Auth<'a> {
    db: &'a LocalDb,
    current: RefCell<StoredSession>,
    timeout_ms: u32,
}

impl<'a> Auth<'a> {
    /// The stored session; [`SyncError::NotSignedIn`] when there is none.
    pub async fn load(db: &'a LocalDb) -> AuthResult<Self> {
        Self::load_with_timeout(db, http::TIMEOUT_MS).await
    }

    /// As [`Self::load`], with refreshes given up after `timeout_ms`.
    pub async fn load_with_timeout(db: &'a LocalDb, timeout_ms: u32) -> AuthResult<Self> {
        let current = db.stored_session().await?.ok_or(SyncError::NotSignedIn)?;
        Ok(Self {
            db,
            current: RefCell::new(current),
            timeout_ms,
        })
    }

    /// The session as this run last saw it.
    pub fn session(&self) -> StoredSession {
        self.current.borrow().clone()
    }

    /// The sign-in's key, which the store checks before each of the run's writes.
    pub fn key(&self) -> String {
        self.current.borrow().key().to_owned()
    }

    /// An access token to call with now: the current one, refreshed first when it
    /// expires soon and the network is up. A refresh that fails for want of a network or
    /// a working server leaves the current token to try (it may still be good).
    pub async fn token(&self) -> AuthResult<String> {
        let session = self.session();
        let due = refresh_due(platform::now(), session.expires_at, session.received_at);
        if !(due && session.refresh_token.is_some() && online()) {
            return Ok(session.token);
        }
        match self.refresh(&session.token).await {
            Ok(token) => Ok(token),
            Err(SyncError::Api(e)) if after_failure(Call::Refresh, &e) == AfterFailure::Fail => {
                Ok(session.token)
            }
            Err(e) => Err(e),
        }
    }

    /// After `failed` was refused: the token to use now. Under [`AUTH_LOCK`], the stored
    /// session is read again; if its token is no longer `failed`, another context has
    /// refreshed and its token is used; otherwise the refresh token is traded and the new
    /// pair stored, in one transaction.
    pub async fn refresh(&self, failed: &str) -> AuthResult<String> {
        let key = self.key();
        let stored = lock::exclusive(
            AUTH_LOCK,
            refresh_locked(self.db, &key, failed, self.timeout_ms),
        )
        .await?;
        let token = stored.token.clone();
        *self.current.borrow_mut() = stored;
        Ok(token)
    }

    /// Makes a call with a current token; when it is refused with 401, refreshes and
    /// makes it once more. `call` gets the token to send.
    pub async fn call<T, F, Fut>(&self, call: F) -> AuthResult<T>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        let token = self.token().await?;
        let first = call(token.clone()).await;
        self.retry(first, &token, call).await
    }

    /// What to do with a call's `first` answer, made with `token`: itself, or (when the
    /// token was refused) the answer of the call made again with a refreshed token.
    pub async fn retry<T, F, Fut>(&self, first: ApiResult<T>, token: &str, call: F) -> AuthResult<T>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = ApiResult<T>>,
    {
        match first {
            Ok(value) => Ok(value),
            Err(e) => {
                let fresh = self.token_after(e, token).await?;
                Ok(call(fresh).await?)
            }
        }
    }

    /// The non-generic part of [`Self::retry`] (one copy, not one per call): after a
    /// call made with `token` failed with `e`, the refreshed token to make it again
    /// with, or the error to stop with.
    async fn token_after(&self, e: ApiFailure, token: &str) -> AuthResult<String> {
        match after_failure(Call::First, &e) {
            AfterFailure::RefreshAndRetry => self.refresh(token).await,
            _ => Err(e.into()),
        }
    }
}

async fn refresh_locked(
    db: &LocalDb,
    key: &str,
    failed: &str,
    timeout_ms: u32,
) -> AuthResult<StoredSession> {
    let stored = db.stored_session().await?.ok_or(SyncError::NotSignedIn)?;
    if stored.key() != key {
        return Err(SyncError::SessionChanged);
    }
    if stored.token != failed {
        // Another tab or the worker refreshed while this one waited for the lock.
        return Ok(stored);
    }
    let Some(refresh_token) = stored.refresh_token.as_deref() else {
        return Err(SyncError::Api(ApiFailure::Unauthenticated(
            "your sign-in has expired: sign in again".to_owned(),
        )));
    };
    let answer = http::refresh(refresh_token, timeout_ms).await?;
    Ok(db.store_refreshed(key, &answer, platform::now()).await?)
}

/// Ends the stored session on the server (`POST /api/v1/auth/logout`), best effort, for
/// a sign-out: only when the network is up, with short timeouts, refreshing first only
/// when the access token is due. The caller wipes the tablet whatever happened; a session
/// that could not be ended here ends on the server when it has been idle long enough.
pub async fn end_on_server(db: &LocalDb) {
    if !online() {
        return;
    }
    let Ok(auth) = Auth::load_with_timeout(db, http::SHORT_TIMEOUT_MS).await else {
        return;
    };
    let Ok(token) = auth.token().await else {
        return;
    };
    // A refusal means the session is already over; nothing more to do either way.
    let _ = http::logout(&token, http::SHORT_TIMEOUT_MS).await;
}

#[cfg(test)]
mod tests {
    use bedside_domain::api::{HomeInfo, Role};
    use bedside_domain::{HomeId, StaffId};
    use chrono::TimeZone;
    use uuid::Uuid;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn at(min: u32, sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, min, sec)
            .single()
            .expect("valid time")
    }

    #[test]
    fn a_token_is_refreshed_within_a_minute_of_expiring() {
        // A 15-minute token received at 9:00 expires at 9:15.
        let (received, expires) = (Some(at(0, 0)), at(15, 0));
        assert!(!refresh_due(at(0, 0), expires, received));
        assert!(!refresh_due(at(13, 59), expires, received));
        assert!(refresh_due(at(14, 0), expires, received));
        assert!(refresh_due(at(14, 30), expires, received));
        assert!(refresh_due(at(20, 0), expires, received), "already expired");
        // Without the time it arrived (stored before refresh tokens), the same minute.
        assert!(!refresh_due(at(13, 59), expires, None));
        assert!(refresh_due(at(14, 0), expires, None));
    }

    #[test]
    fn a_short_lived_token_is_refreshed_at_half_its_life_not_before_every_call() {
        // A one-minute token (the tests' `--token-ttl-minutes 1`).
        let (received, expires) = (Some(at(0, 0)), at(1, 0));
        assert!(!refresh_due(at(0, 1), expires, received));
        assert!(!refresh_due(at(0, 29), expires, received));
        assert!(refresh_due(at(0, 30), expires, received));
        // A tablet clock far ahead of the server's: every call refreshes rather than
        // none (and a refused call refreshes anyway).
        assert!(refresh_due(at(5, 0), expires, Some(at(4, 0))));
    }

    #[test]
    fn which_failure_means_what() {
        let refused = ApiFailure::Unauthenticated("sign in again".into());
        let revoked = ApiFailure::Server {
            status: 403,
            message: "this tablet has been removed".into(),
            code: Some(bedside_domain::api::ErrorCode::DeviceRevoked),
        };
        let forbidden = ApiFailure::Server {
            status: 403,
            message: "no".into(),
            code: Some(bedside_domain::api::ErrorCode::Forbidden),
        };
        let failing = ApiFailure::Server {
            status: 503,
            message: "later".into(),
            code: None,
        };
        use AfterFailure::*;
        use Call::*;
        let cases = [
            (First, &refused, RefreshAndRetry),
            (Retry, &refused, SessionOver),
            (Refresh, &refused, SessionOver),
            (First, &revoked, Wipe),
            (Retry, &revoked, Wipe),
            (Refresh, &revoked, Wipe),
            (First, &ApiFailure::Offline, Fail),
            (Refresh, &ApiFailure::Offline, Fail),
            (First, &forbidden, Fail),
            (Refresh, &failing, Fail),
            (First, &ApiFailure::BadResponse, Fail),
        ];
        for (call, failure, expected) in cases {
            assert_eq!(
                after_failure(call, failure),
                expected,
                "{call:?} {failure:?}"
            );
        }
    }

    fn staff() -> StaffInfo {
        StaffInfo {
            id: StaffId(Uuid::from_u128(1)),
            username: "oak.carer".into(),
            role: Role::Carer,
            home: HomeInfo {
                id: HomeId(Uuid::from_u128(2)),
                name: "Oak Lodge".into(),
            },
        }
    }

    fn answer(token: &str, refresh: &str, expires: DateTime<Utc>) -> SignInResponse {
        SignInResponse {
            login: LoginResponse {
                token: token.into(),
                expires_at: expires,
                staff: staff(),
            },
            refresh_token: refresh.into(),
            refresh_expires_at: at(59, 0),
            device_unlock_key: None,
        }
    }

    #[test]
    fn a_refresh_keeps_the_sign_in_and_replaces_both_tokens() {
        let first = StoredSession::signed_in(
            answer("access-1", "refresh-1", at(15, 0)),
            at(0, 0),
            "sign-in-a".into(),
        );
        assert_eq!(first.key(), "sign-in-a");
        let second = first.refreshed(&answer("access-2", "refresh-2", at(29, 0)), at(14, 0));
        assert_eq!(second.key(), "sign-in-a");
        assert_eq!(second.token, "access-2");
        assert_eq!(second.refresh_token.as_deref(), Some("refresh-2"));
        assert_eq!(second.expires_at, at(29, 0));
        assert_eq!(second.received_at, Some(at(14, 0)));
        assert_eq!(second.login().token, "access-2");

        // A session stored before refresh tokens is known by its token.
        let old = StoredSession {
            sign_in: None,
            refresh_token: None,
            ..first
        };
        assert_eq!(old.key(), "access-1");
    }
}
