//! The clock and random ids, read through the global scope so they work in the app and
//! in the service worker alike.

use chrono::{DateTime, Utc};
use uuid::{Builder, Uuid};
use wasm_bindgen::{JsCast, JsValue};

/// The tablet's clock, in UTC.
pub fn now() -> DateTime<Utc> {
    // Milliseconds since the epoch: an f64 holds them exactly for any date we meet.
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Random bytes from the platform's cryptographic generator (`crypto.getRandomValues`).
/// `None` only where there is no such generator (outside a browser): callers refuse to
/// make an id rather than make a guessable one.
fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    let crypto: web_sys::Crypto = crypto.dyn_into().ok()?;
    let mut bytes = [0u8; N];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes)
}

/// A new mutation id: a UUIDv7, so ids sort by when they were made (the server's log and
/// anyone reading it see the order staff wrote in).
pub fn new_mutation_id() -> Option<Uuid> {
    let millis = u64::try_from(js_sys::Date::now() as i64).ok()?;
    let random: [u8; 10] = random_bytes()?;
    Some(Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
}

/// A new device id: a UUIDv4, made once per install.
pub fn new_device_id() -> Option<Uuid> {
    Some(Builder::from_random_bytes(random_bytes()?).into_uuid())
}
