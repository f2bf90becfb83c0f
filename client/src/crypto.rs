//! The tablet's encryption layer: WebCrypto (`globalThis.crypto.subtle`) through web-sys,
//! so it works alike in the app's `Window` and in its `ServiceWorkerGlobalScope`.
//!
//! The keys, and how they hang together:
//!
//! - [`DeviceKey`]: the 32-byte device secret the server issues at enrolment, imported
//!   once as a non-extractable HMAC-SHA256 key. The raw secret is dropped after import;
//!   the key itself can be kept in IndexedDB as a `CryptoKey` (structured clone).
//! - [`Kek`], from [`derive_kek`]: HMAC-SHA256(device key, "bedside:pin:v1:" + PIN) stretched by
//!   PBKDF2-SHA256 (a per-staff random [`Salt`], [`PBKDF2_ITERATIONS`]) into a
//!   non-extractable AES-KW key. Trying a PIN therefore needs the device key as well as
//!   the stored salt and wrapped key.
//! - [`DataKey`]: one random AES-GCM-256 key that encrypts every record, stored only
//!   wrapped ([`WrappedKey`], AES-KW) once per member of staff who has set a PIN. An
//!   unwrapped data key is not extractable.
//! - [`seal`] / [`open`]: AES-GCM with a fresh 12-byte random IV per record and the
//!   record's identity (`entry:<uuid>`, `resident:<uuid>`, `outbox:<uuid>`) as
//!   associated data, so a ciphertext moved onto another record does not open.
//!   [`seal_all`] / [`open_all`] start every operation at once and await them together.
//! - [`seal_values`] / [`open_values`]: the same for JavaScript values (a stored row's
//!   payload), encoded as JSON by the browser and never copied into wasm memory: what
//!   the store uses for pages of hundreds of records.
//! - [`Kek::import_unlock_key`]: the unlock key the server gives an enrolled tablet at each
//!   sign-in, which wraps the data key's escrow copy.
//!
//! Nothing here logs, and no error carries key material or record contents.

use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

/// PBKDF2 iterations for every new PIN (OWASP's figure for PBKDF2-HMAC-SHA256). A stored
/// PIN record should keep the count it was made with, so this can be raised later.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Bytes of a PIN's salt.
pub const SALT_LEN: usize = 16;

/// Bytes of an AES-GCM IV: 96 bits, the size GCM is defined for without extra hashing.
pub const IV_LEN: usize = 12;

/// What precedes the PIN in the HMAC under the device key ([`derive_kek`]): keeps PIN
/// keys apart from the sign-in proof ([`DeviceKey::sign_in_proof`]).
pub const PIN_LABEL: &str = "bedside:pin:v1:";

/// Bytes of the device secret the server issues.
pub const DEVICE_SECRET_LEN: usize = 32;

/// Bytes of a data key wrapped with AES-KW: the 32-byte key and an 8-byte check value.
pub const WRAPPED_KEY_LEN: usize = 40;

/// The most `crypto.getRandomValues` fills in one call.
const RANDOM_CHUNK: usize = 65_536;

/// Why an encryption step failed. The messages may be shown to staff: they never carry
/// key material or record contents (a record's identity, which is only ids, may appear).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// No `crypto.subtle`: outside a secure context (https or localhost) or outside a
    /// browser.
    #[error("this browser offers no encryption here (the app must be opened over https)")]
    Unavailable,
    /// The data key did not unwrap: the PIN (or the device key it was combined with) is
    /// not the one the key was wrapped under.
    #[error("that PIN is not right")]
    WrongPin,
    /// A record failed its authentication check: it was changed, damaged, moved from
    /// another record, or sealed under another data key.
    #[error("a record stored on this tablet could not be opened ({aad})")]
    CannotOpen { aad: String },
    /// The device secret is not 32 bytes of unpadded base64url.
    #[error("the device secret from the server is not valid")]
    BadDeviceSecret,
    /// A stored key or record is not in the shape this module writes.
    #[error("a stored key or record is not in the expected form ({0})")]
    Malformed(&'static str),
    /// WebCrypto refused for another reason (its exception's name and message, which
    /// never hold the data).
    #[error("encryption failed ({0})")]
    Failed(String),
}

pub type CryptoResult<T> = Result<T, CryptoError>;

/// `globalThis.crypto.subtle`, where there is one.
fn subtle() -> CryptoResult<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|_| CryptoError::Unavailable)?;
    if crypto.is_undefined() || crypto.is_null() {
        return Err(CryptoError::Unavailable);
    }
    // `subtle` is undefined outside a secure context, so it is read, not assumed.
    Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()
        .and_then(|s| s.dyn_into::<SubtleCrypto>().ok())
        .ok_or(CryptoError::Unavailable)
}

/// The name and message of a rejected WebCrypto call (a `DOMException`).
fn failed(error: &JsValue) -> CryptoError {
    CryptoError::Failed(format!(
        "{}: {}",
        exception_name(error),
        text(error, "message").unwrap_or_default()
    ))
}

fn exception_name(error: &JsValue) -> String {
    text(error, "name").unwrap_or_else(|| "Error".to_owned())
}

fn text(value: &JsValue, name: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// Awaits a WebCrypto call, which may throw at once or reject later.
async fn settle(call: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(call?).await
}

/// A plain object from name/value pairs (WebCrypto's algorithm dictionaries).
fn dict(pairs: &[(&str, JsValue)]) -> Object {
    let out = Object::new();
    for (name, value) in pairs {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&out, &JsValue::from_str(name), value);
    }
    out
}

fn usages(list: &[&str]) -> Array {
    list.iter().map(|u| JsValue::from_str(u)).collect()
}

fn into_key(value: JsValue) -> CryptoResult<CryptoKey> {
    value
        .dyn_into::<CryptoKey>()
        .map_err(|_| CryptoError::Failed("WebCrypto did not return a key".to_owned()))
}

fn bytes_of(value: &JsValue) -> CryptoResult<Vec<u8>> {
    value
        .dyn_ref::<ArrayBuffer>()
        .map(|b| Uint8Array::new(b).to_vec())
        .ok_or_else(|| CryptoError::Failed("WebCrypto did not return bytes".to_owned()))
}

/// Whether a key's algorithm is `name` and it may be used for `usage` (a key read back
/// from storage is checked before use, so a wrong one fails here, not deep in a call).
fn key_is(key: &CryptoKey, name: &str, usage: &str) -> bool {
    let algorithm = key.algorithm().ok().and_then(|a| text(&a, "name"));
    algorithm.as_deref() == Some(name) && key.usages().includes(&JsValue::from_str(usage), 0)
}

/// `n` bytes from the platform's cryptographic generator, in as few calls as it allows.
pub fn random_bytes(n: usize) -> CryptoResult<Vec<u8>> {
    let crypto: web_sys::Crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or(CryptoError::Unavailable)?;
    let mut out = vec![0u8; n];
    for chunk in out.chunks_mut(RANDOM_CHUNK) {
        crypto
            .get_random_values_with_u8_array(chunk)
            .map_err(|e| failed(&e))?;
    }
    Ok(out)
}

/// Decodes unpadded base64url (RFC 4648 §5), as the server sends the device secret.
/// `None` for any other character, for padding, or for a length no encoding gives.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    let input = text.as_bytes();
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for group in input.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in group.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = acc.to_be_bytes();
        let take = group.len() - 1;
        out.extend_from_slice(&[a, b, c][..take]);
        // Bits past the last whole byte must be zero, or two texts would decode alike.
        let spare = match take {
            1 => u32::from(b) << 8 | u32::from(c),
            2 => u32::from(c),
            _ => 0,
        };
        if spare != 0 {
            return None;
        }
    }
    Some(out)
}

/// Encodes bytes as unpadded base64url (RFC 4648 §5), as the server expects the device's
/// sign-in proof.
pub fn base64url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let mut acc = 0u32;
        for (i, &b) in group.iter().enumerate() {
            acc |= u32::from(b) << (16 - 8 * i);
        }
        for i in 0..=group.len() {
            let index = (acc >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// The device's secret as a non-extractable HMAC-SHA256 key. Cheap to clone (a handle).
#[derive(Debug, Clone)]
pub struct DeviceKey(CryptoKey);

impl DeviceKey {
    /// Imports the secret the server issued at enrolment (32 bytes, unpadded base64url).
    /// Neither the text nor its bytes are kept: only the browser holds the key after this.
    pub async fn import(secret_base64url: &str) -> CryptoResult<Self> {
        let mut bytes = base64url_decode(secret_base64url).ok_or(CryptoError::BadDeviceSecret)?;
        let key = Self::import_bytes(&bytes).await;
        // Best effort: the secret should not outlive the import in wasm memory.
        bytes.fill(0);
        std::hint::black_box(&bytes);
        key
    }

    /// [`Self::import`] from the decoded bytes.
    pub async fn import_bytes(secret: &[u8]) -> CryptoResult<Self> {
        if secret.len() != DEVICE_SECRET_LEN {
            return Err(CryptoError::BadDeviceSecret);
        }
        let subtle = subtle()?;
        let raw = Uint8Array::from(secret);
        let algorithm = dict(&[
            ("name", "HMAC".into()),
            ("hash", "SHA-256".into()),
            ("length", 256.into()),
        ]);
        let key = settle(subtle.import_key_with_object(
            "raw",
            &raw,
            &algorithm,
            false,
            &usages(&["sign"]),
        ))
        .await;
        // The copy handed to JavaScript is cleared as well, not left for the collector.
        raw.fill(0, 0, raw.length());
        Ok(Self(into_key(key.map_err(|e| failed(&e))?)?))
    }

    /// The key as a JavaScript value, to be stored in IndexedDB as it is (a `CryptoKey`
    /// survives a structured clone, and stays non-extractable).
    pub fn as_js(&self) -> &JsValue {
        &self.0
    }

    /// A key read back from storage; refused unless it is an HMAC key for signing.
    pub fn from_js(value: JsValue) -> CryptoResult<Self> {
        let key: CryptoKey = value
            .dyn_into()
            .map_err(|_| CryptoError::Malformed("the device key is not a key"))?;
        if !key_is(&key, "HMAC", "sign") {
            return Err(CryptoError::Malformed("the device key is not an HMAC key"));
        }
        Ok(Self(key))
    }

    /// Whether the browser would export the key (never, for a key made here).
    pub fn is_extractable(&self) -> bool {
        self.0.extractable()
    }

    /// HMAC-SHA256 of `label` under the device key, as unpadded base64url: the sign-in
    /// proof the server checks (`bedside_domain::api::DEVICE_SIGN_IN_LABEL`).
    pub async fn sign_in_proof(&self, label: &str) -> CryptoResult<String> {
        let subtle = subtle()?;
        let mac = settle(subtle.sign_with_str_and_u8_array("HMAC", &self.0, label.as_bytes()))
            .await
            .map_err(|e| failed(&e))?;
        Ok(base64url_encode(&bytes_of(&mac)?))
    }
}

/// SHA-256 of `text` in hex: a stand-in that can be stored in clear and compared, for a
/// value that must not be (a sign-in's name, which may be its first access token).
pub async fn fingerprint(text: &str) -> CryptoResult<String> {
    let subtle = subtle()?;
    let digest = settle(subtle.digest_with_str_and_u8_array("SHA-256", text.as_bytes()))
        .await
        .map_err(|e| failed(&e))?;
    Ok(bytes_of(&digest)?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A PIN's per-staff random salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Salt(pub [u8; SALT_LEN]);

impl Salt {
    pub fn random() -> CryptoResult<Self> {
        let bytes = random_bytes(SALT_LEN)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes);
        Ok(Self(salt))
    }
}

/// A key-encryption key derived from a PIN and the device key: non-extractable AES-KW,
/// good only for wrapping and unwrapping the [`DataKey`].
#[derive(Debug, Clone)]
pub struct Kek(CryptoKey);

impl Kek {
    /// The tablet's unlock key from the server (32 bytes, unpadded base64url) as a
    /// non-extractable AES-KW key: the data key's escrow is wrapped under it. It is only
    /// ever held in memory.
    pub async fn import_unlock_key(key_base64url: &str) -> CryptoResult<Self> {
        let mut bytes = base64url_decode(key_base64url).ok_or(CryptoError::BadDeviceSecret)?;
        if bytes.len() != DEVICE_SECRET_LEN {
            bytes.fill(0);
            return Err(CryptoError::BadDeviceSecret);
        }
        let subtle = subtle()?;
        let raw = Uint8Array::from(&bytes[..]);
        bytes.fill(0);
        std::hint::black_box(&bytes);
        let key = settle(subtle.import_key_with_str(
            "raw",
            &raw,
            "AES-KW",
            false,
            &usages(&["wrapKey", "unwrapKey"]),
        ))
        .await;
        raw.fill(0, 0, raw.length());
        Ok(Self(into_key(key.map_err(|e| failed(&e))?)?))
    }
}

/// Derives the key that wraps the data key for one member of staff:
/// PBKDF2-SHA256(HMAC-SHA256(device key, [`PIN_LABEL`] + PIN), salt, iterations) as an
/// AES-KW key.
///
/// New PINs use [`PBKDF2_ITERATIONS`]; unlocking uses the count the PIN was set with.
/// Fewer iterations are only for tests.
pub async fn derive_kek(
    pin: &str,
    salt: &Salt,
    device: &DeviceKey,
    iterations: u32,
) -> CryptoResult<Kek> {
    if iterations == 0 {
        return Err(CryptoError::Malformed(
            "PBKDF2 needs at least one iteration",
        ));
    }
    let subtle = subtle()?;
    // The HMAC's output stays in JavaScript (an ArrayBuffer), so it never enters wasm
    // memory, and is cleared once imported.
    // Labelled, so the HMAC of a PIN can never equal the sign-in proof (HMAC of
    // `DEVICE_SIGN_IN_LABEL` under the same key), whatever the PIN.
    let input = format!("{PIN_LABEL}{pin}");
    let mixed = settle(subtle.sign_with_str_and_u8_array("HMAC", &device.0, input.as_bytes()))
        .await
        .map_err(|e| failed(&e))?;
    let mixed = Uint8Array::new(&mixed);
    let base =
        settle(subtle.import_key_with_str("raw", &mixed, "PBKDF2", false, &usages(&["deriveKey"])))
            .await;
    mixed.fill(0, 0, mixed.length());
    let base = into_key(base.map_err(|e| failed(&e))?)?;

    let salt = Uint8Array::from(&salt.0[..]);
    let params = dict(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", salt.into()),
        ("iterations", iterations.into()),
    ]);
    let kek = settle(subtle.derive_key_with_object_and_object(
        &params,
        &base,
        &dict(&[("name", "AES-KW".into()), ("length", 256.into())]),
        false,
        &usages(&["wrapKey", "unwrapKey"]),
    ))
    .await
    .map_err(|e| failed(&e))?;
    Ok(Kek(into_key(kek)?))
}

/// The data key wrapped (AES-KW) under one member of staff's [`Kek`]: safe to store as it
/// is. AES-KW needs no IV: it is deterministic, which is sound for wrapping a random key,
/// and its check value makes a wrong KEK fail to unwrap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    pub bytes: Vec<u8>,
}

impl WrappedKey {
    /// As a `Uint8Array`, for storing without serde.
    pub fn to_js(&self) -> Uint8Array {
        Uint8Array::from(&self.bytes[..])
    }

    /// From a stored `Uint8Array` or `ArrayBuffer`.
    pub fn from_js(value: &JsValue) -> CryptoResult<Self> {
        let bytes =
            byte_array(value).ok_or(CryptoError::Malformed("a wrapped key is not bytes"))?;
        Ok(Self { bytes })
    }
}

/// The bytes of a `Uint8Array` or an `ArrayBuffer`.
fn byte_array(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(a) = value.dyn_ref::<Uint8Array>() {
        Some(a.to_vec())
    } else {
        value
            .dyn_ref::<ArrayBuffer>()
            .map(|b| Uint8Array::new(b).to_vec())
    }
}

/// The key every record is sealed under: AES-GCM-256. Cheap to clone (a handle).
#[derive(Debug, Clone)]
pub struct DataKey(CryptoKey);

impl DataKey {
    /// A new random data key. It is extractable, because WebCrypto only wraps extractable
    /// keys: wrap it for the first member of staff, drop it, and work with the
    /// non-extractable key [`Self::unwrap`] gives back.
    pub async fn generate() -> CryptoResult<Self> {
        let subtle = subtle()?;
        let algorithm = dict(&[("name", "AES-GCM".into()), ("length", 256.into())]);
        let key = settle(subtle.generate_key_with_object(
            &algorithm,
            true,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await
        .map_err(|e| failed(&e))?;
        Ok(Self(into_key(key)?))
    }

    /// Wraps this key under `kek`. Fails for a key that is not extractable (every key
    /// [`Self::unwrap`] returns): to give another member of staff the key, use
    /// [`Self::rewrap`].
    pub async fn wrap(&self, kek: &Kek) -> CryptoResult<WrappedKey> {
        let subtle = subtle()?;
        let wrapped = settle(subtle.wrap_key_with_str("raw", &self.0, &kek.0, "AES-KW"))
            .await
            .map_err(|e| failed(&e))?;
        Ok(WrappedKey {
            bytes: bytes_of(&wrapped)?,
        })
    }

    /// Unwraps the data key as a non-extractable key. A wrong PIN (or device key) fails
    /// AES-KW's integrity check: [`CryptoError::WrongPin`].
    pub async fn unwrap(kek: &Kek, wrapped: &WrappedKey) -> CryptoResult<Self> {
        Self::unwrap_as(kek, wrapped, false).await
    }

    /// Wraps the key `wrapped` holds under `to` as well, given the KEK it is wrapped under
    /// now. The extractable copy this needs lives only inside this call.
    pub async fn rewrap(wrapped: &WrappedKey, from: &Kek, to: &Kek) -> CryptoResult<WrappedKey> {
        Self::unwrap_as(from, wrapped, true).await?.wrap(to).await
    }

    async fn unwrap_as(kek: &Kek, wrapped: &WrappedKey, extractable: bool) -> CryptoResult<Self> {
        if wrapped.bytes.len() != WRAPPED_KEY_LEN {
            return Err(CryptoError::Malformed("a wrapped key has the wrong length"));
        }
        let subtle = subtle()?;
        let key = settle(subtle.unwrap_key_with_u8_array_and_str_and_object(
            "raw",
            &wrapped.bytes,
            &kek.0,
            "AES-KW",
            &dict(&[("name", "AES-GCM".into())]),
            extractable,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await
        .map_err(|e| {
            // AES-KW's check value fails as an OperationError; nothing else does here.
            if exception_name(&e) == "OperationError" {
                CryptoError::WrongPin
            } else {
                failed(&e)
            }
        })?;
        Ok(Self(into_key(key)?))
    }

    /// Whether the browser would export the key.
    pub fn is_extractable(&self) -> bool {
        self.0.extractable()
    }

    /// The key as a JavaScript value: to hand the unlocked key to the service worker with
    /// `postMessage` (a structured clone, still non-extractable). Never store it.
    pub fn as_js(&self) -> &JsValue {
        &self.0
    }

    /// A key received from another context; refused unless it is an AES-GCM key.
    pub fn from_js(value: JsValue) -> CryptoResult<Self> {
        let key: CryptoKey = value
            .dyn_into()
            .map_err(|_| CryptoError::Malformed("the data key is not a key"))?;
        if !key_is(&key, "AES-GCM", "decrypt") {
            return Err(CryptoError::Malformed("the data key is not an AES-GCM key"));
        }
        Ok(Self(key))
    }
}

/// A sealed record: its random IV and the AES-GCM ciphertext with its 16-byte tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub iv: [u8; IV_LEN],
    pub ct: Vec<u8>,
}

/// Property names of a sealed row; a row's clear fields must use other names.
pub mod fields {
    pub const IV: &str = "iv";
    pub const CT: &str = "ct";
}

impl Sealed {
    /// The row to store: `{iv: Uint8Array, ct: Uint8Array}` and the given clear fields.
    /// A dotted name (`"resident.id"`) makes nested objects, so the stores' key paths and
    /// indexes work unchanged. Clear fields are for ids and other values that say nothing
    /// about the resident (see the module's docs on what may stay clear).
    pub fn to_js(&self, clear: &[(&str, JsValue)]) -> CryptoResult<Object> {
        let row = dict(&[
            (fields::IV, Uint8Array::from(&self.iv[..]).into()),
            (fields::CT, Uint8Array::from(&self.ct[..]).into()),
        ]);
        for (path, value) in clear {
            set_path(&row, path, value)?;
        }
        Ok(row)
    }

    /// The sealed part of a stored row (its clear fields are read by the caller).
    pub fn from_js(row: &JsValue) -> CryptoResult<Self> {
        let get = |name: &str| Reflect::get(row, &JsValue::from_str(name)).ok();
        let iv = get(fields::IV)
            .as_ref()
            .and_then(byte_array)
            .and_then(|v| <[u8; IV_LEN]>::try_from(v).ok())
            .ok_or(CryptoError::Malformed("a stored record has no IV"))?;
        let ct = get(fields::CT)
            .as_ref()
            .and_then(byte_array)
            .ok_or(CryptoError::Malformed("a stored record has no ciphertext"))?;
        Ok(Self { iv, ct })
    }
}

/// Sets `value` at a dotted `path` of `row`, making the objects on the way.
fn set_path(row: &Object, path: &str, value: &JsValue) -> CryptoResult<()> {
    let bad = CryptoError::Malformed("a clear field's name clashes with the sealed part");
    let mut at: JsValue = row.clone().into();
    let mut parts = path.split('.').enumerate().peekable();
    while let Some((depth, part)) = parts.next() {
        if part.is_empty() || (depth == 0 && (part == fields::IV || part == fields::CT)) {
            return Err(bad);
        }
        let name = JsValue::from_str(part);
        if parts.peek().is_none() {
            Reflect::set(&at, &name, value).map_err(|_| bad.clone())?;
        } else {
            let next = Reflect::get(&at, &name).map_err(|_| bad.clone())?;
            let next = if next.is_object() {
                next
            } else {
                let fresh: JsValue = Object::new().into();
                Reflect::set(&at, &name, &fresh).map_err(|_| bad.clone())?;
                fresh
            };
            at = next;
        }
    }
    Ok(())
}

/// Starts one AES-GCM encryption (the IV is the caller's, from one bulk draw).
fn encrypt(
    subtle: &SubtleCrypto,
    key: &DataKey,
    iv: &[u8],
    aad: &str,
    plaintext: &[u8],
) -> CryptoResult<Promise> {
    let params = dict(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
        ("additionalData", Uint8Array::from(aad.as_bytes()).into()),
    ]);
    subtle
        .encrypt_with_object_and_u8_array(&params, &key.0, plaintext)
        .map_err(|e| failed(&e))
}

fn decrypt(
    subtle: &SubtleCrypto,
    key: &DataKey,
    aad: &str,
    sealed: &Sealed,
) -> CryptoResult<Promise> {
    let params = dict(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(&sealed.iv[..]).into()),
        ("additionalData", Uint8Array::from(aad.as_bytes()).into()),
    ]);
    subtle
        .decrypt_with_object_and_u8_array(&params, &key.0, &sealed.ct)
        .map_err(|e| failed(&e))
}

fn sealed_from(iv: &[u8], ct: &JsValue) -> CryptoResult<Sealed> {
    let iv = <[u8; IV_LEN]>::try_from(iv).map_err(|_| CryptoError::Malformed("IV length"))?;
    Ok(Sealed {
        iv,
        ct: bytes_of(ct)?,
    })
}

/// A rejected decryption: an authentication failure is [`CryptoError::CannotOpen`].
fn open_failed(error: &JsValue, aad: &str) -> CryptoError {
    if exception_name(error) == "OperationError" {
        CryptoError::CannotOpen {
            aad: aad.to_owned(),
        }
    } else {
        failed(error)
    }
}

/// Encrypts one record under `key`, bound to its identity `aad`.
pub async fn seal(key: &DataKey, aad: &str, plaintext: &[u8]) -> CryptoResult<Sealed> {
    let subtle = subtle()?;
    let iv = random_bytes(IV_LEN)?;
    let ct = JsFuture::from(encrypt(&subtle, key, &iv, aad, plaintext)?)
        .await
        .map_err(|e| failed(&e))?;
    sealed_from(&iv, &ct)
}

/// Decrypts one record; fails with [`CryptoError::CannotOpen`] unless it was sealed
/// under `key` for this same `aad` and is unchanged.
pub async fn open(key: &DataKey, aad: &str, sealed: &Sealed) -> CryptoResult<Vec<u8>> {
    let subtle = subtle()?;
    let plain = JsFuture::from(decrypt(&subtle, key, aad, sealed)?)
        .await
        .map_err(|e| open_failed(&e, aad))?;
    bytes_of(&plain)
}

/// Encrypts many records at once: every encryption is started before any is awaited, so
/// the browser runs them back to back (a page of IndexedDB holds hundreds). The result
/// is in the order of `records` (`(aad, plaintext)`).
pub async fn seal_all<A: AsRef<str>, P: AsRef<[u8]>>(
    key: &DataKey,
    records: &[(A, P)],
) -> CryptoResult<Vec<Sealed>> {
    let subtle = subtle()?;
    let ivs = random_bytes(IV_LEN * records.len())?;
    let started = records
        .iter()
        .zip(ivs.chunks_exact(IV_LEN))
        .map(|((aad, plain), iv)| {
            encrypt(&subtle, key, iv, aad.as_ref(), plain.as_ref()).map(JsValue::from)
        })
        .collect::<CryptoResult<Array>>()?;
    let done = JsFuture::from(Promise::all(&started))
        .await
        .map_err(|e| failed(&e))?;
    let done: Array = done.unchecked_into();
    ivs.chunks_exact(IV_LEN)
        .zip(done.iter())
        .map(|(iv, ct)| sealed_from(iv, &ct))
        .collect()
}

/// Decrypts many records at once (see [`seal_all`]), each `(aad, sealed)`; in order.
/// Fails as a whole if any fails, naming the first record that did not open.
pub async fn open_all<A: AsRef<str>>(
    key: &DataKey,
    records: &[(A, &Sealed)],
) -> CryptoResult<Vec<Vec<u8>>> {
    let subtle = subtle()?;
    let started = records
        .iter()
        .map(|(aad, sealed)| decrypt(&subtle, key, aad.as_ref(), sealed).map(JsValue::from))
        .collect::<CryptoResult<Array>>()?;
    // allSettled rather than all: a failure then names its record, and no rejection
    // is left unhandled.
    let settled: Array = JsFuture::from(Promise::all_settled(&started))
        .await
        .map_err(|e| failed(&e))?
        .unchecked_into();
    records
        .iter()
        .zip(settled.iter())
        .map(|((aad, _), outcome)| {
            let get = |name: &str| Reflect::get(&outcome, &JsValue::from_str(name));
            if text(&outcome, "status").as_deref() == Some("fulfilled") {
                bytes_of(&get("value").map_err(|e| failed(&e))?)
            } else {
                let reason = get("reason").unwrap_or(JsValue::UNDEFINED);
                Err(open_failed(&reason, aad.as_ref()))
            }
        })
        .collect()
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;

    /// `TextEncoder`, bound here so a JavaScript string goes in as it is (web-sys's
    /// binding takes a Rust `&str`, a copy through wasm memory).
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;
    #[wasm_bindgen(method, js_class = "TextEncoder", js_name = encode)]
    fn encode(this: &Utf8Encoder, text: &JsValue) -> Uint8Array;

    type Utf8Decoder;
    #[wasm_bindgen(constructor, js_class = "TextDecoder", catch)]
    fn new() -> Result<Utf8Decoder, JsValue>;
    #[wasm_bindgen(method, js_class = "TextDecoder", js_name = decode, catch)]
    fn decode(this: &Utf8Decoder, bytes: &JsValue) -> Result<JsValue, JsValue>;
}

/// A sealed JavaScript value: its IV and ciphertext, both still JavaScript objects.
#[derive(Debug, Clone)]
pub struct SealedValue {
    iv: Uint8Array,
    ct: Uint8Array,
}

impl SealedValue {
    /// The row to store: `{iv, ct}` and the given clear fields (as [`Sealed::to_js`]).
    pub fn to_row(&self, clear: &[(&str, JsValue)]) -> CryptoResult<Object> {
        let row = dict(&[
            (fields::IV, self.iv.clone().into()),
            (fields::CT, self.ct.clone().into()),
        ]);
        for (path, value) in clear {
            set_path(&row, path, value)?;
        }
        Ok(row)
    }
}

/// Seals JavaScript values (each as the JSON the browser writes for it) under `key`, each
/// bound to its identity: `(aad, value)`; in order. Every encryption is started before any
/// is awaited, as in [`seal_all`].
pub async fn seal_values<A: AsRef<str>>(
    key: &DataKey,
    records: &[(A, JsValue)],
) -> CryptoResult<Vec<SealedValue>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let subtle = subtle()?;
    let encoder = Utf8Encoder::new();
    let ivs = random_bytes(IV_LEN * records.len())?;
    let mut started_ivs = Vec::with_capacity(records.len());
    let started = Array::new_with_length(records.len() as u32);
    for (i, ((aad, value), iv)) in records.iter().zip(ivs.chunks_exact(IV_LEN)).enumerate() {
        let text = json_stringify(value)
            .ok()
            .filter(JsValue::is_string)
            .ok_or(CryptoError::Malformed("a record cannot be written as JSON"))?;
        let plain = encoder.encode(&text);
        let iv = Uint8Array::from(iv);
        let params = dict(&[
            ("name", "AES-GCM".into()),
            ("iv", iv.clone().into()),
            (
                "additionalData",
                Uint8Array::from(aad.as_ref().as_bytes()).into(),
            ),
        ]);
        let promise = subtle
            .encrypt_with_object_and_js_u8_array(&params, &key.0, &plain)
            .map_err(|e| failed(&e))?;
        started.set(i as u32, promise.into());
        started_ivs.push(iv);
    }
    let done: Array = JsFuture::from(Promise::all(&started))
        .await
        .map_err(|e| failed(&e))?
        .unchecked_into();
    started_ivs
        .into_iter()
        .zip(done.iter())
        .map(|(iv, ct)| {
            let ct = ct
                .dyn_into::<ArrayBuffer>()
                .map_err(|_| CryptoError::Failed("WebCrypto did not return bytes".to_owned()))?;
            Ok(SealedValue {
                iv,
                ct: Uint8Array::new(&ct),
            })
        })
        .collect()
}

/// The IV and ciphertext of a stored row, as the `Uint8Array`s IndexedDB gives back.
fn row_parts(row: &JsValue) -> CryptoResult<(Uint8Array, Uint8Array)> {
    let get = |name: &str| {
        Reflect::get(row, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.dyn_into::<Uint8Array>().ok())
    };
    let iv = get(fields::IV)
        .filter(|iv| iv.length() as usize == IV_LEN)
        .ok_or(CryptoError::Malformed("a stored record has no IV"))?;
    let ct = get(fields::CT).ok_or(CryptoError::Malformed("a stored record has no ciphertext"))?;
    Ok((iv, ct))
}

/// Opens stored rows sealed by [`seal_values`], each `(aad, row)`, into the values they
/// hold; in order. Fails as a whole if any fails, naming the first that did not open.
pub async fn open_values<A: AsRef<str>>(
    key: &DataKey,
    rows: &[(A, JsValue)],
) -> CryptoResult<Vec<JsValue>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let subtle = subtle()?;
    let started = Array::new_with_length(rows.len() as u32);
    for (i, (aad, row)) in rows.iter().enumerate() {
        let (iv, ct) = row_parts(row)?;
        let params = dict(&[
            ("name", "AES-GCM".into()),
            ("iv", iv.into()),
            (
                "additionalData",
                Uint8Array::from(aad.as_ref().as_bytes()).into(),
            ),
        ]);
        let promise = subtle
            .decrypt_with_object_and_js_u8_array(&params, &key.0, &ct)
            .map_err(|e| failed(&e))?;
        started.set(i as u32, promise.into());
    }
    let settled: Array = JsFuture::from(Promise::all_settled(&started))
        .await
        .map_err(|e| failed(&e))?
        .unchecked_into();
    let decoder = Utf8Decoder::new().map_err(|e| failed(&e))?;
    rows.iter()
        .zip(settled.iter())
        .map(|((aad, _), outcome)| {
            let get = |name: &str| Reflect::get(&outcome, &JsValue::from_str(name));
            if text(&outcome, "status").as_deref() != Some("fulfilled") {
                let reason = get("reason").unwrap_or(JsValue::UNDEFINED);
                return Err(open_failed(&reason, aad.as_ref()));
            }
            let plain = get("value").map_err(|e| failed(&e))?;
            let text = decoder
                .decode(&plain)
                .map_err(|_| CryptoError::Malformed("a record is not text"))?;
            json_parse(&text).map_err(|_| CryptoError::Malformed("a record is not JSON"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{base64url_decode, base64url_encode};

    #[test]
    fn base64url_encodes_unpadded_and_decodes_back() {
        assert_eq!(base64url_encode(b""), "");
        assert_eq!(base64url_encode(b"f"), "Zg");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_encode(b"foo"), "Zm9v");
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        let bytes: Vec<u8> = (0u8..=255).collect();
        for len in 0..bytes.len() {
            let text = base64url_encode(&bytes[..len]);
            assert_eq!(base64url_decode(&text).as_deref(), Some(&bytes[..len]));
        }
    }

    #[test]
    fn base64url_decodes_unpadded_text() {
        assert_eq!(base64url_decode(""), Some(vec![]));
        assert_eq!(base64url_decode("Zg"), Some(b"f".to_vec()));
        assert_eq!(base64url_decode("Zm8"), Some(b"fo".to_vec()));
        assert_eq!(base64url_decode("Zm9v"), Some(b"foo".to_vec()));
        assert_eq!(base64url_decode("Zm9vYg"), Some(b"foob".to_vec()));
        // The two characters that differ from standard base64.
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
        let secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        assert_eq!(base64url_decode(secret), Some((0u8..32).collect()));
    }

    #[test]
    fn base64url_refuses_what_is_not_unpadded_base64url() {
        for bad in ["Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zm 9v", "Zh", "Zm9"] {
            assert_eq!(base64url_decode(bad), None, "{bad}");
        }
    }
}
