//! Staff sign-in: Argon2 password hashes, opaque access and refresh tokens (kept only as
//! their SHA-256), the [`CurrentStaff`] extractor that every record route takes, which
//! is what scopes a request to the signed-in member of staff's home and refuses a
//! revoked tablet, and [`Authorized`], the one way a route states the role it needs.

use std::marker::PhantomData;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bedside_domain::api::{HomeInfo, Permission, Role};
use bedside_domain::{DeviceId, StaffId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::AppError;
use crate::state::{AppState, Settings};
use crate::store::{NewToken, TokenKind, TokenSession};

/// Passwords shorter than this are refused when staff are added.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Hashes a password with Argon2id at the library's defaults (19 MiB, 2 passes), which
/// follow OWASP's current advice. Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored hash. An unreadable hash counts as a mismatch.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the username does not exist, so that a wrong username
/// takes as long as a wrong password and does not reveal who has an account.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut secret = [0u8; 16];
        // If the OS cannot give randomness the decoy is still a valid hash of zeros.
        let _ = getrandom::fill(&mut secret);
        hash_password(&URL_SAFE_NO_PAD.encode(secret)).unwrap_or_default()
    })
}

/// A new bearer token: 256 random bits, URL-safe base64.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A tablet's sign-in proof from its device secret (both base64url): HMAC-SHA256 of
/// [`DEVICE_SIGN_IN_LABEL`] under the secret's 32 bytes. The tablet holds the secret only
/// as a non-extractable WebCrypto key and sends this proof; the server stores the
/// proof's hash, so neither side keeps the secret itself. `None` if the secret is not
/// base64url.
///
/// [`DEVICE_SIGN_IN_LABEL`]: bedside_domain::api::DEVICE_SIGN_IN_LABEL
pub fn device_proof(secret: &str) -> Option<String> {
    use hmac::{Hmac, KeyInit, Mac};
    let key = URL_SAFE_NO_PAD.decode(secret).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(bedside_domain::api::DEVICE_SIGN_IN_LABEL.as_bytes());
    Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// What is stored for a token: its SHA-256 in hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets' hashes in time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new session's, or a refresh's, pair of tokens: what the client is given and what
/// the store keeps.
#[derive(Debug)]
pub struct TokenPair {
    pub access: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh: String,
    pub refresh_expires_at: DateTime<Utc>,
    pub stored: [NewToken; 2],
}

impl TokenPair {
    /// Access for the configured time (never past the session's end); refresh until
    /// the session's end.
    pub fn issue(
        settings: &Settings,
        now: DateTime<Utc>,
        session_end: DateTime<Utc>,
    ) -> anyhow::Result<Self> {
        let access = new_token()?;
        let refresh = new_token()?;
        let access_expires_at = (now + settings.token_ttl).min(session_end);
        let stored = [
            NewToken {
                hash: token_hash(&access),
                kind: TokenKind::Access,
                expires_at: access_expires_at,
            },
            NewToken {
                hash: token_hash(&refresh),
                kind: TokenKind::Refresh,
                expires_at: session_end,
            },
        ];
        Ok(Self {
            access,
            access_expires_at,
            refresh,
            refresh_expires_at: session_end,
            stored,
        })
    }
}

/// Whether a session has been idle too long or passed its end, at `now`.
pub fn session_over(found: &TokenSession, settings: &Settings, now: DateTime<Utc>) -> bool {
    now >= found.session_expires_at || now - found.last_seen_at >= settings.idle_timeout
}

/// The bearer token of a request, if it sent a plausible one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let header = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 512)
}

/// The signed-in member of staff. Taking this as an argument is what makes a route
/// require sign-in; its `home` is the only home the route may read. Routes that need
/// more than sign-in take [`Authorized`] instead.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub staff_id: StaffId,
    pub username: String,
    pub role: Role,
    pub home: HomeInfo,
    pub session_id: Uuid,
    /// The enrolled tablet the session is bound to (its id is the audit's device).
    pub device: Option<DeviceId>,
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts).ok_or(AppError::Unauthenticated)?;
        let found = state
            .store
            .token_session(&token_hash(token))
            .await?
            .filter(|f| f.kind == TokenKind::Access)
            .ok_or(AppError::Unauthenticated)?;
        // A revoked tablet hears so at every contact, whatever its token's state, so
        // that it wipes itself.
        if found
            .device
            .as_ref()
            .is_some_and(|d| d.revoked_at.is_some())
        {
            return Err(AppError::DeviceRevoked);
        }
        let now = state.now();
        let settings = &state.settings;
        if found.ended.is_some()
            || !found.staff_active
            || now >= found.token_expires_at
            || session_over(&found, settings, now)
        {
            return Err(AppError::Unauthenticated);
        }
        // Last use and last contact are written at most once per interval: a polling
        // tablet must not turn every read into a write.
        if now - found.last_seen_at >= settings.contact_interval {
            state.store.touch_session(found.session_id, now).await?;
        }
        if let Some(device) = &found.device
            && device
                .last_contact
                .is_none_or(|t| now - t >= settings.contact_interval)
        {
            state.store.touch_device(device.id, now).await?;
        }
        Ok(Self {
            staff_id: found.staff_id,
            username: found.username,
            role: found.role,
            home: found.home,
            session_id: found.session_id,
            device: found.device.map(|d| d.id),
        })
    }
}

/// What a route needs beyond sign-in: one [`Permission`], named by a marker type in
/// [`need`].
pub trait Need {
    const PERMISSION: Permission;
}

/// Marker types for [`Authorized`], one per [`Permission`].
pub mod need {
    use super::{Need, Permission};

    macro_rules! needs {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Need for $name {
                const PERMISSION: Permission = Permission::$name;
            }
        )*};
    }

    needs!(
        ReadRecords,
        RecordCare,
        EditSections,
        ManageDevices,
        ReadAccessLog,
        AllHomes
    );
}

/// A signed-in member of staff whose role has `N`'s permission ([`Role::may`]): the one
/// way routes check roles. A role without it is answered 403 before the handler runs.
#[derive(Debug, Clone)]
pub struct Authorized<N: Need> {
    staff: CurrentStaff,
    need: PhantomData<N>,
}

impl<N: Need> Authorized<N> {
    pub fn staff(&self) -> &CurrentStaff {
        &self.staff
    }
}

impl<N: Need> std::ops::Deref for Authorized<N> {
    type Target = CurrentStaff;
    fn deref(&self) -> &CurrentStaff {
        &self.staff
    }
}

impl<N: Need + Send + Sync> FromRequestParts<AppState> for Authorized<N> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let staff = CurrentStaff::from_request_parts(parts, state).await?;
        if !staff.role.may(N::PERMISSION) {
            return Err(AppError::Forbidden);
        }
        Ok(Self {
            staff,
            need: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let hash = hash_password("correct horse battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery ", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn hashes_compare_whole() {
        let a = token_hash("one");
        assert!(same_hash(&a, &token_hash("one")));
        assert!(!same_hash(&a, &token_hash("two")));
        assert!(!same_hash(&a, &a[..63]));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash("abc"), token_hash("abc"));
    }
}
