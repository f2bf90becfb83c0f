//! The encryption layer against the browser's own WebCrypto and IndexedDB, in headless
//! Chromium: `cargo test --target wasm32-unknown-unknown -p bedside-client --test crypto`
//! (with `CHROMEDRIVER=/usr/bin/chromedriver`). Add `-- --nocapture` to see the timings
//! the `measure_` test prints; it asserts nothing about them.

#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use bedside_client::crypto::{
    CryptoError, DataKey, DeviceKey, Kek, PBKDF2_ITERATIONS, Salt, Sealed, WrappedKey, derive_kek,
    open, open_all, seal, seal_all,
};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Few iterations keep the tests quick; the measurement uses the real count.
const TEST_ITERATIONS: u32 = 1_000;

/// A synthetic device secret, as the server sends it (bytes 0..32, unpadded base64url).
const SECRET: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/// Another tablet's.
const OTHER_SECRET: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";

fn subtle() -> web_sys::SubtleCrypto {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).unwrap();
    Reflect::get(&crypto, &"subtle".into())
        .unwrap()
        .dyn_into()
        .unwrap()
}

/// Whether `exportKey("raw", key)` is refused.
async fn export_refused(key: &JsValue) -> bool {
    let key: web_sys::CryptoKey = key.clone().dyn_into().unwrap();
    match subtle().export_key("raw", &key) {
        Err(_) => true,
        Ok(p) => JsFuture::from(p).await.is_err(),
    }
}

async fn kek(pin: &str, salt: &Salt, secret: &str) -> Kek {
    let device = DeviceKey::import(secret).await.unwrap();
    derive_kek(pin, salt, &device, TEST_ITERATIONS)
        .await
        .unwrap()
}

fn record(n: usize) -> Vec<u8> {
    // Synthetic, roughly the size of a stored entry.
    format!(
        "{{\"n\":{n},\"text\":\"{}\"}}",
        "synthetic note ".repeat(38)
    )
    .into_bytes()
}

#[wasm_bindgen_test]
async fn seal_open_round_trip_and_every_tampering_fails() {
    let key = DataKey::generate().await.unwrap();
    let aad = "entry:00000000-0000-0000-0000-000000000001";
    let plain = record(1);
    let sealed = seal(&key, aad, &plain).await.unwrap();
    assert_eq!(sealed.ct.len(), plain.len() + 16, "ciphertext and tag");
    assert_ne!(&sealed.ct[..plain.len()], &plain[..]);
    assert_eq!(open(&key, aad, &sealed).await.unwrap(), plain);

    // Sealing again draws a new IV.
    let again = seal(&key, aad, &plain).await.unwrap();
    assert_ne!(again.iv, sealed.iv);

    let cannot_open = |r: Result<Vec<u8>, CryptoError>, want_aad: &str| {
        assert_eq!(
            r,
            Err(CryptoError::CannotOpen {
                aad: want_aad.to_owned()
            })
        );
    };
    // Moved onto another record.
    let other = "entry:00000000-0000-0000-0000-000000000002";
    cannot_open(open(&key, other, &sealed).await, other);
    let resident = "resident:00000000-0000-0000-0000-000000000001";
    cannot_open(open(&key, resident, &sealed).await, resident);
    // One bit flipped, in the body, in the tag, in the IV.
    for at in [0, plain.len() + 3] {
        let mut flipped = sealed.clone();
        flipped.ct[at] ^= 0x01;
        cannot_open(open(&key, aad, &flipped).await, aad);
    }
    let mut flipped = sealed.clone();
    flipped.iv[5] ^= 0x80;
    cannot_open(open(&key, aad, &flipped).await, aad);
    // Cut short.
    let mut short = sealed.clone();
    short.ct.truncate(10);
    cannot_open(open(&key, aad, &short).await, aad);
    // Another data key.
    let other_key = DataKey::generate().await.unwrap();
    cannot_open(open(&other_key, aad, &sealed).await, aad);
}

#[wasm_bindgen_test]
async fn batches_keep_order_and_name_the_record_that_fails() {
    let key = DataKey::generate().await.unwrap();
    let records: Vec<(String, Vec<u8>)> = (0..300)
        .map(|n| (format!("entry:{n}"), record(n)))
        .collect();
    let sealed = seal_all(&key, &records).await.unwrap();
    assert_eq!(sealed.len(), 300);
    let ivs: std::collections::HashSet<_> = sealed.iter().map(|s| s.iv).collect();
    assert_eq!(ivs.len(), 300, "every record has its own IV");

    let pairs: Vec<(&str, &Sealed)> = records
        .iter()
        .map(|(aad, _)| aad.as_str())
        .zip(&sealed)
        .collect();
    let opened = open_all(&key, &pairs).await.unwrap();
    let plains: Vec<Vec<u8>> = records.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(opened, plains);

    // Two ciphertexts swapped between records: the first of them is named.
    let mut swapped = pairs.clone();
    swapped[7].1 = &sealed[8];
    swapped[8].1 = &sealed[7];
    assert_eq!(
        open_all(&key, &swapped).await,
        Err(CryptoError::CannotOpen {
            aad: "entry:7".into()
        })
    );
    // An empty batch is no work.
    let none: [(&str, &Sealed); 0] = [];
    assert_eq!(open_all(&key, &none).await.unwrap(), Vec::<Vec<u8>>::new());
}

#[wasm_bindgen_test]
async fn the_right_pin_and_device_unwrap_and_nothing_else_does() {
    let salt = Salt::random().unwrap();
    let right = kek("482913", &salt, SECRET).await;
    let data = DataKey::generate().await.unwrap();
    let wrapped = data.wrap(&right).await.unwrap();
    assert_eq!(wrapped.bytes.len(), 40);

    let unwrapped = DataKey::unwrap(&right, &wrapped).await.unwrap();
    // It is the same key: what one seals, the other opens.
    let sealed = seal(&data, "resident:1", b"synthetic").await.unwrap();
    assert_eq!(
        open(&unwrapped, "resident:1", &sealed).await.unwrap(),
        b"synthetic"
    );
    // And it cannot leave the browser.
    assert!(!unwrapped.is_extractable());
    assert!(export_refused(unwrapped.as_js()).await);
    assert!(
        unwrapped.wrap(&right).await.is_err(),
        "a non-extractable key cannot be wrapped again"
    );

    // A wrong PIN, the right PIN on another tablet, the right PIN with another salt.
    for wrong in [
        kek("482914", &salt, SECRET).await,
        kek("482913", &salt, OTHER_SECRET).await,
        kek("482913", &Salt::random().unwrap(), SECRET).await,
    ] {
        assert_eq!(
            DataKey::unwrap(&wrong, &wrapped).await.err(),
            Some(CryptoError::WrongPin)
        );
    }
    // A damaged wrapped key is a wrong PIN too (AES-KW cannot tell them apart), and one
    // of the wrong length is refused before WebCrypto sees it.
    let mut damaged = wrapped.clone();
    damaged.bytes[20] ^= 1;
    assert_eq!(
        DataKey::unwrap(&right, &damaged).await.err(),
        Some(CryptoError::WrongPin)
    );
    let short = WrappedKey {
        bytes: wrapped.bytes[..32].to_vec(),
    };
    assert!(matches!(
        DataKey::unwrap(&right, &short).await,
        Err(CryptoError::Malformed(_))
    ));
}

#[wasm_bindgen_test]
async fn a_second_member_of_staff_gets_the_same_data_key() {
    let (salt_a, salt_b) = (Salt::random().unwrap(), Salt::random().unwrap());
    let a = kek("111111", &salt_a, SECRET).await;
    let b = kek("222222", &salt_b, SECRET).await;
    let data = DataKey::generate().await.unwrap();
    let for_a = data.wrap(&a).await.unwrap();
    let for_b = DataKey::rewrap(&for_a, &a, &b).await.unwrap();
    let sealed = seal(&data, "outbox:1", b"synthetic").await.unwrap();
    let key_b = DataKey::unwrap(&b, &for_b).await.unwrap();
    assert_eq!(
        open(&key_b, "outbox:1", &sealed).await.unwrap(),
        b"synthetic"
    );
    assert_eq!(
        DataKey::unwrap(&a, &for_b).await.err(),
        Some(CryptoError::WrongPin)
    );
    assert_eq!(
        DataKey::rewrap(&for_a, &b, &a).await.err(),
        Some(CryptoError::WrongPin)
    );
}

#[wasm_bindgen_test]
async fn the_device_key_is_not_extractable_and_bad_secrets_are_refused() {
    let device = DeviceKey::import(SECRET).await.unwrap();
    assert!(!device.is_extractable());
    assert!(export_refused(device.as_js()).await);
    for bad in [
        "",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", // padded
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg",   // 31 bytes
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ", // 34 bytes
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+",  // standard base64
    ] {
        assert_eq!(
            DeviceKey::import(bad).await.err(),
            Some(CryptoError::BadDeviceSecret),
            "{bad}"
        );
    }
    // Only an HMAC key is taken back as a device key.
    let data = DataKey::generate().await.unwrap();
    assert!(DeviceKey::from_js(data.as_js().clone()).is_err());
    assert!(DeviceKey::from_js(JsValue::from_str("key")).is_err());
    assert!(DataKey::from_js(device.as_js().clone()).is_err());
}

#[wasm_bindgen_test]
async fn a_device_key_survives_indexed_db_and_still_unwraps() {
    let name = "bedside-crypto-test-keys";
    Database::delete_by_name(name).unwrap().await.unwrap();
    let db = Database::open(name)
        .with_version(1u8)
        .with_on_upgrade_needed(|_, db| {
            db.create_object_store("keys").build()?;
            Ok(())
        })
        .await
        .unwrap();

    let salt = Salt::random().unwrap();
    let device = DeviceKey::import(SECRET).await.unwrap();
    let kek_before = derive_kek("482913", &salt, &device, TEST_ITERATIONS)
        .await
        .unwrap();
    let data = DataKey::generate().await.unwrap();
    let wrapped = data.wrap(&kek_before).await.unwrap();

    let tx = db
        .transaction("keys")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let store = tx.object_store("keys").unwrap();
    drop(
        store
            .put(device.as_js().clone())
            .with_key("device")
            .without_key_type()
            .primitive()
            .unwrap(),
    );
    drop(
        store
            .put(JsValue::from(wrapped.to_js()))
            .with_key("wrapped")
            .without_key_type()
            .primitive()
            .unwrap(),
    );
    tx.commit().await.unwrap();
    drop(device);

    let tx = db.transaction("keys").build().unwrap();
    let store = tx.object_store("keys").unwrap();
    let stored: JsValue = store
        .get("device")
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    let stored_wrapped: JsValue = store
        .get("wrapped")
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    drop(tx);
    assert!(stored.is_instance_of::<web_sys::CryptoKey>());
    let device = DeviceKey::from_js(stored).unwrap();
    assert!(!device.is_extractable(), "still not extractable");
    let wrapped = WrappedKey::from_js(&stored_wrapped).unwrap();
    let kek_after = derive_kek("482913", &salt, &device, TEST_ITERATIONS)
        .await
        .unwrap();
    let key = DataKey::unwrap(&kek_after, &wrapped).await.unwrap();
    let sealed = seal(&data, "entry:1", b"synthetic").await.unwrap();
    assert_eq!(open(&key, "entry:1", &sealed).await.unwrap(), b"synthetic");
    db.close();
    Database::delete_by_name(name).unwrap().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_sealed_row_keeps_its_clear_fields_and_reads_back() {
    let key = DataKey::generate().await.unwrap();
    let sealed = seal(&key, "resident:7", b"synthetic").await.unwrap();
    let row = sealed
        .to_js(&[
            ("resident.id", JsValue::from_str("7")),
            ("person_id", JsValue::from_str("7")),
        ])
        .unwrap();
    let resident = Reflect::get(&row, &"resident".into()).unwrap();
    assert_eq!(
        Reflect::get(&resident, &"id".into()).unwrap().as_string(),
        Some("7".into())
    );
    assert!(
        Reflect::get(&row, &"ct".into())
            .unwrap()
            .is_instance_of::<Uint8Array>()
    );
    let back = Sealed::from_js(&row).unwrap();
    assert_eq!(back, sealed);
    assert_eq!(open(&key, "resident:7", &back).await.unwrap(), b"synthetic");
    // A clear field may not take the sealed part's names; a row without them is refused.
    assert!(sealed.to_js(&[("iv", JsValue::NULL)]).is_err());
    assert!(sealed.to_js(&[("", JsValue::NULL)]).is_err());
    assert!(Sealed::from_js(&js_sys::Object::new()).is_err());
}

/// Milliseconds, from `performance.now()`.
fn now_ms() -> f64 {
    let performance = Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now: js_sys::Function = Reflect::get(&performance, &"now".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    times.sort_by(f64::total_cmp);
    let i = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[i]
}

/// The figures the brief asks for. Prints, asserts nothing about speed.
#[wasm_bindgen_test]
async fn measure_derive_seal_and_open() {
    let salt = Salt::random().unwrap();
    let device = DeviceKey::import(SECRET).await.unwrap();
    let mut derive = Vec::new();
    for _ in 0..3 {
        let t = now_ms();
        derive_kek("482913", &salt, &device, PBKDF2_ITERATIONS)
            .await
            .unwrap();
        derive.push(now_ms() - t);
    }
    console_log!("derive_kek, {PBKDF2_ITERATIONS} iterations: {derive:.0?} ms");

    let key = DataKey::generate().await.unwrap();
    let records: Vec<(String, Vec<u8>)> = (0..25_000)
        .map(|n| (format!("entry:{n:08}"), record(n)))
        .collect();
    console_log!("record size: {} bytes", records[0].1.len());
    let t = now_ms();
    let sealed = seal_all(&key, &records).await.unwrap();
    console_log!("seal_all of 25,000 records at once: {:.0} ms", now_ms() - t);
    let t = now_ms();
    for page in records.chunks(500) {
        seal_all(&key, page).await.unwrap();
    }
    console_log!(
        "seal_all of 25,000 records in pages of 500: {:.0} ms",
        now_ms() - t
    );
    let t = now_ms();
    let rows: Vec<js_sys::Object> = sealed
        .iter()
        .enumerate()
        .map(|(n, s)| {
            s.to_js(&[("id", JsValue::from_str(&format!("{n:08}")))])
                .unwrap()
        })
        .collect();
    console_log!("to_js of 25,000 sealed records: {:.0} ms", now_ms() - t);

    let mut one_by_one = Vec::new();
    let mut batch = Vec::new();
    for run in 0..20 {
        let from = run * 250;
        let page = &rows[from..from + 250];
        let aads: Vec<&str> = records[from..from + 250]
            .iter()
            .map(|(a, _)| a.as_str())
            .collect();

        let t = now_ms();
        let read: Vec<Sealed> = page.iter().map(|r| Sealed::from_js(r).unwrap()).collect();
        let pairs: Vec<(&str, &Sealed)> = aads.iter().copied().zip(&read).collect();
        let opened = open_all(&key, &pairs).await.unwrap();
        batch.push(now_ms() - t);
        assert_eq!(opened.len(), 250);

        let t = now_ms();
        for (aad, s) in &pairs {
            open(&key, aad, s).await.unwrap();
        }
        one_by_one.push(now_ms() - t);
    }
    console_log!(
        "open of 250 records (from stored rows, open_all): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut batch.clone(), 0.5),
        percentile(&mut batch, 0.95)
    );
    console_log!(
        "open of 250 records awaited one by one: p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut one_by_one.clone(), 0.5),
        percentile(&mut one_by_one, 0.95)
    );
}
