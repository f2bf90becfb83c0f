//! Staff sign-in: Argon2 password hashes, opaque bearer tokens (kept only as their
//! SHA-256), and the [`CurrentStaff`] extractor that every record route takes, which is
//! what scopes a request to the signed-in member of staff's home.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bedside_domain::StaffId;
use bedside_domain::api::{HomeInfo, Role};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

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

/// What is stored for a token: its SHA-256 in hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signed-in member of staff. Taking this as an argument is what makes a route
/// require sign-in; its `home` is the only home the route may read.
#[derive(Debug, Clone)]
pub struct CurrentStaff {
    pub staff_id: StaffId,
    pub username: String,
    pub role: Role,
    pub home: HomeInfo,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AppError::Unauthenticated)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 512)
            .ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(token);
        let session = state
            .store
            .session(&hash, state.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Self {
            staff_id: session.staff_id,
            username: session.username,
            role: session.role,
            home: session.home,
            token_hash: hash,
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
