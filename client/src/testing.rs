//! A synthetic enrolment and unlock, for the tests of this crate and of the app: the
//! vault needs a device secret and an unlock key from a server, which tests do not have.
//! Synthetic values only; nothing here is used by the app itself.

use bedside_domain::api::{Device, EnrolledDevice, LoginResponse, SignInResponse, StaffInfo};
use bedside_domain::ids::DeviceId;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::db::LocalDb;
use crate::vault::VaultError;

/// A synthetic device secret (bytes 0..32, unpadded base64url).
pub const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/// A synthetic unlock key (bytes 32..64).
pub const UNLOCK_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";
/// The PIN [`enrol_and_unlock`] sets.
pub const PIN: &str = "123456";
/// PBKDF2 iterations for test PINs: quick, and never what the app uses.
pub const ITERATIONS: u32 = 1_000;

fn time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

/// What `POST /api/v1/devices` might answer, with the synthetic secret and unlock key.
pub fn enrolled_device(name: &str) -> EnrolledDevice {
    EnrolledDevice {
        device: Device {
            id: DeviceId(Uuid::from_u128(0xde)),
            name: name.to_owned(),
            enrolled_at: time(),
            enrolled_by: "oak.manager".to_owned(),
            last_contact: None,
            revoked_at: None,
        },
        secret: SECRET.to_owned(),
        unlock_key: UNLOCK_KEY.to_owned(),
    }
}

/// What a sign-in with the tablet's credential might answer for `staff`.
pub fn sign_in_answer(staff: &StaffInfo, token: &str) -> SignInResponse {
    SignInResponse {
        login: LoginResponse {
            token: token.to_owned(),
            expires_at: time() + chrono::Duration::days(365 * 20),
            staff: staff.clone(),
        },
        refresh_token: format!("{token}-refresh"),
        refresh_expires_at: time() + chrono::Duration::days(365 * 20),
        device_unlock_key: Some(UNLOCK_KEY.to_owned()),
    }
}

/// Enrols the tablet for `staff`'s home (unless it is enrolled), signs `staff` in
/// online with a synthetic token (`"synthetic-token"`), and sets their PIN to [`PIN`] with
/// [`ITERATIONS`]. The data key is then in memory, for them.
pub async fn enrol_and_unlock(db: &LocalDb, staff: &StaffInfo) -> Result<(), VaultError> {
    if db.enrolment().await?.is_none() {
        db.enrol(&enrolled_device("Test tablet"), &staff.home)
            .await?;
    }
    db.signed_in_online(sign_in_answer(staff, "synthetic-token"), time())
        .await?;
    db.set_pin_with_iterations(staff, PIN, ITERATIONS).await
}
