//! The encrypted store and the vault against a real IndexedDB and WebCrypto, in headless
//! Chromium: `cargo test --target wasm32-unknown-unknown -p bedside-client --test vault`
//! (with `CHROMEDRIVER=/usr/bin/chromedriver`). Add `-- --nocapture` to see the figures
//! the `measure_` test prints; it asserts nothing about speed.

#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use bedside_client::db::{LocalDb, SnapshotStep, stores};
use bedside_client::testing::{self, ITERATIONS, PIN};
use bedside_client::vault::{
    DEFAULT_IDLE_MINUTES, MAX_PIN_FAILURES, SignOutOutcome, UnlockError, VaultError, VaultState,
    audit_batch,
};
use bedside_client::{DbError, StoredSession};
use bedside_domain::api::{HomeInfo, Role, StaffInfo};
use bedside_domain::audit::{AuditMode, AuditPart, AuditView};
use bedside_domain::record::{
    ClinicalStatus, Concept, Entry, EntryBody, EntryStatus, NoteCategory, PersonName, Provenance,
    ResidencyStatus, Resident, Sex,
};
use bedside_domain::sync::plan::next_push;
use bedside_domain::sync::wire::{Cursor, MutationOp, SnapshotPage};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId, StaffId};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::{Reflect, Uint8Array};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TOKEN: &str = "synthetic-access-token-7f3a";
const NOTE: &str = "Enjoyed the synthetic singalong";
const ALLERGY: &str = "Synthetomycin";

fn home() -> HomeInfo {
    HomeInfo {
        id: HomeId(Uuid::from_u128(7)),
        name: "Oak Lodge".into(),
    }
}

fn staff(n: u128, username: &str, role: Role) -> StaffInfo {
    StaffInfo {
        id: StaffId(Uuid::from_u128(n)),
        username: username.into(),
        role,
        home: home(),
    }
}

fn carer() -> StaffInfo {
    staff(99, "oak.carer", Role::Carer)
}

fn senior() -> StaffInfo {
    staff(98, "oak.senior", Role::Senior)
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().unwrap()
}

fn person(n: u128) -> PersonId {
    PersonId(Uuid::from_u128(n))
}

fn nhs() -> NhsNumber {
    NhsNumber::from_prefix([9, 4, 3, 4, 7, 6, 5, 9, 1]).unwrap()
}

fn resident(n: u128, given: &str) -> Resident {
    Resident {
        id: person(n),
        home_id: home().id,
        nhs_number: nhs(),
        name: PersonName {
            given: given.into(),
            family: "Quillfeather".into(),
            preferred: None,
        },
        birth_date: NaiveDate::from_ymd_opt(1938, 4, 2).unwrap(),
        sex: Sex::Female,
        gp_practice: None,
        room: format!("Room {n}"),
        admitted_on: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        status: ResidencyStatus::InHome,
        spo2_scale: Default::default(),
    }
}

fn entry(n: u128, who: u128, body: EntryBody) -> Entry {
    Entry {
        id: EntryId(Uuid::from_u128(1000 + n)),
        person_id: person(who),
        version: 1,
        status: EntryStatus::Current,
        provenance: Provenance {
            organisation: "Riverside Surgery".into(),
            ods_code: None,
            system: None,
            source_id: None,
            author: None,
            authored_at: at(1, 9),
            received_at: at(1, 9),
        },
        body,
    }
}

fn allergy(n: u128, who: u128) -> Entry {
    entry(
        n,
        who,
        EntryBody::Allergy {
            substance: Concept::text(ALLERGY),
            reaction: None,
            severity: None,
            clinical_status: ClinicalStatus::Active,
        },
    )
}

fn note(n: u128, who: u128, text: &str) -> Entry {
    entry(
        n,
        who,
        EntryBody::CareNote {
            category: NoteCategory::Social,
            text: text.into(),
        },
    )
}

fn note_op(who: u128, text: &str) -> MutationOp {
    MutationOp::AddNote {
        person_id: person(who),
        category: NoteCategory::Social,
        text: text.into(),
    }
}

fn device() -> Option<Uuid> {
    Some(Uuid::from_u128(0xd))
}

async fn fresh(test: &str) -> (String, LocalDb) {
    let name = format!("bedside-vault-test-{test}");
    LocalDb::delete_named(&name).await.unwrap();
    (name.clone(), LocalDb::open_named(&name).await.unwrap())
}

/// Enrolled, `who` signed in online with [`TOKEN`]'s session and a PIN.
async fn signed_in(db: &LocalDb, who: &StaffInfo) {
    testing::enrol_and_unlock(db, who).await.unwrap();
    let session =
        StoredSession::signed_in(testing::sign_in_answer(who, TOKEN), at(2, 8), TOKEN.into());
    db.set_stored_session(&session).await.unwrap();
}

/// A snapshot page as the browser parses it, stored through the raw path.
async fn store_page(db: &LocalDb, page: &SnapshotPage) {
    let parsed = js_sys::JSON::parse(&serde_json::to_string(page).unwrap()).unwrap();
    let step = db
        .store_snapshot_page(TOKEN, None, page, Some(&parsed))
        .await
        .unwrap();
    assert!(matches!(step, SnapshotStep::Done(_)));
}

fn page(residents: Vec<Resident>, entries: Vec<Entry>) -> SnapshotPage {
    SnapshotPage {
        pinned: Cursor {
            epoch: "e1".into(),
            seq: 10,
        },
        residents,
        entries,
        next: None,
    }
}

/// Every row of every store, as the browser holds them, read with a connection of its
/// own (not through `LocalDb`), each as its JSON and the text of its byte arrays.
async fn raw_texts(name: &str) -> Vec<String> {
    let conn = indexed_db_futures::database::Database::open(name)
        .await
        .unwrap();
    let mut out = Vec::new();
    for store in stores::ALL {
        let tx = conn.transaction(store).build().unwrap();
        let s = tx.object_store(store).unwrap();
        let keys = s
            .get_all_keys::<JsValue>()
            .primitive()
            .unwrap()
            .await
            .unwrap();
        for key in keys {
            out.push(js_sys::JSON::stringify(&key.unwrap()).unwrap().into());
        }
        let rows = s.get_all::<JsValue>().primitive().unwrap().await.unwrap();
        for row in rows {
            let row = row.unwrap();
            out.push(js_sys::JSON::stringify(&row).unwrap().into());
            if row.is_object() {
                let names = js_sys::Object::keys(row.unchecked_ref::<js_sys::Object>());
                for name in names.iter() {
                    let value = Reflect::get(&row, &name).unwrap();
                    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
                        out.push(String::from_utf8_lossy(&bytes.to_vec()).into_owned());
                    }
                }
            }
        }
    }
    conn.close();
    out
}

#[wasm_bindgen_test]
async fn nothing_about_a_resident_or_a_token_is_stored_in_clear() {
    let (name, db) = fresh("clear").await;
    signed_in(&db, &carer()).await;
    store_page(
        &db,
        &page(
            vec![resident(1, "Marigold")],
            vec![
                allergy(1, 1),
                note(2, 1, "Chatted about the synthetic garden"),
            ],
        ),
    )
    .await;
    db.record(note_op(1, NOTE), at(2, 9), Uuid::from_u128(5001), device)
        .await
        .unwrap();
    db.record_view(person(1), AuditPart::Summary, AuditMode::Offline)
        .await
        .unwrap();
    // What is stored still reads back.
    assert_eq!(db.entries_for(person(1)).await.unwrap().len(), 3);

    let texts = raw_texts(&name).await;
    assert!(texts.len() > 10, "rows were read: {}", texts.len());
    let digits = nhs().digits();
    let spaced = format!("{} {} {}", &digits[..3], &digits[3..6], &digits[6..]);
    let secrets = [
        "Marigold",
        "Quillfeather",
        &digits,
        &spaced,
        ALLERGY,
        NOTE,
        "synthetic garden",
        "Room 1",
        TOKEN,
        "-refresh",
        testing::SECRET,
        testing::UNLOCK_KEY,
    ];
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret:?} found in a stored row");
        }
    }
}

#[wasm_bindgen_test]
async fn a_row_moved_to_another_record_does_not_open() {
    let (name, db) = fresh("moved").await;
    signed_in(&db, &carer()).await;
    store_page(
        &db,
        &page(
            vec![resident(1, "Marigold"), resident(2, "Hollis")],
            vec![allergy(1, 1), note(2, 2, "Synthetic")],
        ),
    )
    .await;

    let conn = indexed_db_futures::database::Database::open(name.as_str())
        .await
        .unwrap();
    let tx = conn
        .transaction([stores::ENTRIES, stores::RESIDENTS])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let entries = tx.object_store(stores::ENTRIES).unwrap();
    let row: JsValue = entries
        .get(Uuid::from_u128(1001).to_string())
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    // The allergy under another entry id, and the allergy moved to Hollis.
    let copy = |row: &JsValue| -> JsValue {
        js_sys::Object::assign(&js_sys::Object::new(), row.unchecked_ref()).into()
    };
    let renamed = copy(&row);
    Reflect::set(
        &renamed,
        &"id".into(),
        &Uuid::from_u128(1099).to_string().into(),
    )
    .unwrap();
    drop(entries.put(&renamed).primitive().unwrap());
    let moved = copy(&row);
    Reflect::set(&moved, &"person_id".into(), &person(2).to_string().into()).unwrap();
    drop(entries.put(&moved).primitive().unwrap());
    // Marigold's resident row under Hollis's id.
    let residents = tx.object_store(stores::RESIDENTS).unwrap();
    let marigold: JsValue = residents
        .get(person(1).to_string())
        .primitive()
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    let swapped = copy(&marigold);
    Reflect::set(&swapped, &"id".into(), &person(2).to_string().into()).unwrap();
    drop(residents.put(&swapped).primitive().unwrap());
    tx.commit().await.unwrap();
    conn.close();

    assert_eq!(
        db.entry(EntryId(Uuid::from_u128(1099))).await,
        Err(DbError::Data)
    );
    // The original id now holds the copy moved to Hollis: it no longer opens either.
    assert_eq!(
        db.entry(EntryId(Uuid::from_u128(1001))).await,
        Err(DbError::Data)
    );
    assert_eq!(db.entries_for(person(2)).await, Err(DbError::Data));
    assert_eq!(db.resident(person(2)).await, Err(DbError::Data));
    assert_eq!(db.residents().await, Err(DbError::Data));
    // What was not touched still opens.
    assert!(db.resident(person(1)).await.unwrap().is_some());
}

#[wasm_bindgen_test]
async fn pins_unlock_count_down_lock_out_and_an_online_sign_in_ends_it() {
    let (_, db) = fresh("pins").await;
    assert_eq!(db.vault_state().await.unwrap(), VaultState::NotEnrolled);
    assert_eq!(db.device_credential().await.unwrap(), None);
    signed_in(&db, &carer()).await;
    store_page(
        &db,
        &page(vec![resident(1, "Marigold")], vec![allergy(1, 1)]),
    )
    .await;

    // The sign-in proof is HMAC-SHA256 of the label under the secret (checked against
    // the same computation done elsewhere).
    let credential = db.device_credential().await.unwrap().unwrap();
    assert_eq!(
        credential.secret,
        "QU2PwBeX8FwFpvwY2uB1o8TLYAAyQetC-5gmrH0cW7M"
    );
    assert_eq!(
        db.vault_state().await.unwrap(),
        VaultState::Unlocked { staff: carer() }
    );

    db.lock();
    assert_eq!(db.vault_state().await.unwrap(), VaultState::Locked);
    assert_eq!(db.residents().await, Err(DbError::Locked));
    assert_eq!(db.session().await, Err(DbError::Locked));
    assert_eq!(
        db.record_view(person(1), AuditPart::Summary, AuditMode::Offline)
            .await,
        Err(DbError::Locked)
    );

    // The right PIN opens it.
    assert_eq!(db.unlock(carer().id, PIN).await.unwrap(), carer());
    assert_eq!(db.residents().await.unwrap().len(), 1);
    db.lock();

    // Wrong PINs count down; a right one in between starts the count again.
    assert_eq!(
        db.unlock(carer().id, "000000").await,
        Err(UnlockError::WrongPin { tries_left: 4 })
    );
    db.unlock(carer().id, PIN).await.unwrap();
    assert_eq!(db.pin_holders().await.unwrap()[0].failures, 0);
    db.lock();
    for left in (1..MAX_PIN_FAILURES).rev() {
        assert_eq!(
            db.unlock(carer().id, "000000").await,
            Err(UnlockError::WrongPin { tries_left: left })
        );
    }
    assert_eq!(
        UnlockError::WrongPin { tries_left: 1 }.to_string(),
        "that PIN is not right: 1 try left"
    );
    // The fifth locks them out: the wrapped key is gone, so even the right PIN fails.
    assert_eq!(
        db.unlock(carer().id, "000000").await,
        Err(UnlockError::LockedOut)
    );
    assert_eq!(
        db.unlock(carer().id, PIN).await,
        Err(UnlockError::LockedOut)
    );
    let holders = db.pin_holders().await.unwrap();
    assert_eq!(holders.len(), 1);
    assert!(holders[0].locked_out);
    assert!(!db.has_pin(carer().id).await.unwrap());
    assert!(!db.is_unlocked());

    // An online sign-in (the server sends the unlock key) ends the lockout: a new PIN.
    db.signed_in_online(testing::sign_in_answer(&carer(), "again"), at(2, 10))
        .await
        .unwrap();
    assert!(db.is_unlocked());
    assert!(db.pin_holders().await.unwrap().is_empty());
    assert_eq!(db.residents().await.unwrap().len(), 1);
    assert_eq!(
        db.set_pin_with_iterations(&carer(), "12345", ITERATIONS)
            .await,
        Err(VaultError::BadPin("a PIN has at least 6 digits"))
    );
    assert_eq!(
        db.set_pin_with_iterations(&carer(), "12345a", ITERATIONS)
            .await,
        Err(VaultError::BadPin("a PIN is digits only"))
    );
    // Someone else's PIN cannot be set from this sign-in.
    assert_eq!(
        db.set_pin_with_iterations(&senior(), "654321", ITERATIONS)
            .await,
        Err(VaultError::Locked)
    );
    db.set_pin_with_iterations(&carer(), "246810", ITERATIONS)
        .await
        .unwrap();
    db.lock();
    assert_eq!(db.unlock(carer().id, "246810").await.unwrap(), carer());

    // Without the unlock key, and locked, an online sign-in cannot give the key.
    db.lock();
    let mut no_key = testing::sign_in_answer(&carer(), "no-key");
    no_key.device_unlock_key = None;
    assert_eq!(
        db.signed_in_online(no_key, at(2, 11)).await,
        Err(VaultError::NoUnlockKey)
    );
}

#[wasm_bindgen_test]
async fn each_member_of_staff_has_their_own_pin_and_lane() {
    let (_, db) = fresh("lanes").await;
    signed_in(&db, &carer()).await;
    store_page(&db, &page(vec![resident(1, "Marigold")], vec![])).await;
    let carers = db
        .record(
            note_op(1, "Carer's note"),
            at(2, 9),
            Uuid::from_u128(5001),
            || Some(Uuid::from_u128(0xc)),
        )
        .await
        .unwrap();

    // The senior signs in online on the same tablet and chooses a PIN of their own.
    db.lock();
    db.signed_in_online(
        testing::sign_in_answer(&senior(), "senior-token"),
        at(2, 10),
    )
    .await
    .unwrap();
    assert!(!db.has_pin(senior().id).await.unwrap());
    db.set_pin_with_iterations(&senior(), "987654", ITERATIONS)
        .await
        .unwrap();
    let seniors = db
        .record(
            note_op(1, "Senior's note"),
            at(2, 10),
            Uuid::from_u128(5002),
            || Some(Uuid::from_u128(0x5)),
        )
        .await
        .unwrap();
    assert_eq!(
        seniors.entry.unwrap().provenance.author.as_deref(),
        Some("oak.senior")
    );

    // Each unlocks with their own PIN, and not the other's.
    db.lock();
    assert_eq!(
        db.unlock(senior().id, PIN).await,
        Err(UnlockError::WrongPin { tries_left: 4 })
    );
    assert_eq!(db.unlock(carer().id, PIN).await.unwrap(), carer());
    assert_eq!(db.session().await.unwrap().unwrap().staff, carer());
    db.lock();
    assert_eq!(db.unlock(senior().id, "987654").await.unwrap(), senior());
    assert_eq!(db.session().await.unwrap().unwrap().staff, senior());

    // Every item is credited to its author, each numbered in their own lane.
    let authors = db.outbox_with_authors().await.unwrap();
    assert_eq!(
        authors
            .iter()
            .map(|(s, i)| (*s, i.mutation.id, i.mutation.device_seq))
            .collect::<Vec<_>>(),
        vec![
            (carer().id, carers.item.mutation.id, 1),
            (senior().id, seniors.item.mutation.id, 1)
        ]
    );
    let senior_lane = db.lane(senior().id).await.unwrap().unwrap();
    let carer_lane = db.lane(carer().id).await.unwrap().unwrap();
    assert_eq!(senior_lane.device_id, Uuid::from_u128(0x5));
    assert_eq!(carer_lane.device_id, Uuid::from_u128(0xc));
    // A push sends only the signed-in member of staff's lane.
    let push = next_push(&db.outbox_of(senior().id).await.unwrap(), 100);
    assert_eq!(push.len(), 1);
    assert_eq!(push[0].id, seniors.item.mutation.id);

    // The service worker is handed the key and works with the same store.
    let worker = LocalDb::open_named("bedside-vault-test-lanes")
        .await
        .unwrap();
    assert_eq!(worker.residents().await, Err(DbError::Locked));
    worker
        .set_data_key(db.data_key().unwrap(), senior().id)
        .unwrap();
    assert_eq!(worker.residents().await.unwrap().len(), 1);
    assert_eq!(worker.session().await.unwrap().unwrap().staff, senior());
    assert!(
        worker
            .set_data_key(JsValue::from_str("key"), senior().id)
            .is_err()
    );
    worker.lock();
    assert!(!worker.is_unlocked());
    assert!(db.is_unlocked(), "each context forgets its own copy");
}

#[wasm_bindgen_test]
async fn signing_out_keeps_others_and_the_last_one_out_wipes_after_asking() {
    let (_, db) = fresh("signout").await;
    signed_in(&db, &carer()).await;
    store_page(
        &db,
        &page(vec![resident(1, "Marigold")], vec![allergy(1, 1)]),
    )
    .await;
    db.lock();
    db.signed_in_online(
        testing::sign_in_answer(&senior(), "senior-token"),
        at(2, 10),
    )
    .await
    .unwrap();
    db.set_pin_with_iterations(&senior(), "987654", ITERATIONS)
        .await
        .unwrap();
    db.record(
        note_op(1, "Waiting"),
        at(2, 10),
        Uuid::from_u128(5003),
        device,
    )
    .await
    .unwrap();

    // The senior signs out while the carer keeps a PIN: their item stays, for their
    // next sign-in; nothing is wiped.
    assert_eq!(
        db.sign_out_staff(senior().id, false).await.unwrap(),
        SignOutOutcome::SignedOut { wiped: false }
    );
    assert!(!db.is_unlocked());
    assert!(!db.has_pin(senior().id).await.unwrap());
    assert_eq!(db.vault_state().await.unwrap(), VaultState::Locked);
    db.unlock(carer().id, PIN).await.unwrap();
    assert_eq!(db.outbox().await.unwrap().len(), 1);
    assert_eq!(db.residents().await.unwrap().len(), 1);

    // The carer is the last: asked first, since something waits to be sent.
    db.record_view(person(1), AuditPart::Summary, AuditMode::Offline)
        .await
        .unwrap();
    assert_eq!(
        db.sign_out_staff(carer().id, false).await.unwrap(),
        SignOutOutcome::Waiting { items: 1, views: 1 }
    );
    assert!(db.is_unlocked(), "nothing was done");
    assert_eq!(
        db.sign_out_staff(carer().id, true).await.unwrap(),
        SignOutOutcome::SignedOut { wiped: true }
    );
    assert!(db.pin_holders().await.unwrap().is_empty());
    assert_eq!(db.audit_waiting().await.unwrap(), 0);
    assert_eq!(db.outbox_rows().await.unwrap(), 0);
    assert!(db.enrolment().await.unwrap().is_some());
}

#[wasm_bindgen_test]
async fn views_are_queued_sealed_survive_a_restart_and_batch_in_order() {
    let (name, db) = fresh("audit").await;
    signed_in(&db, &carer()).await;
    db.record_view(person(1), AuditPart::Summary, AuditMode::Offline)
        .await
        .unwrap();
    db.record_view(person(2), AuditPart::Document, AuditMode::Online)
        .await
        .unwrap();
    db.close();

    // A restart: locked, but the queue is counted without the key.
    let db = LocalDb::open_named(&name).await.unwrap();
    assert_eq!(db.audit_waiting().await.unwrap(), 2);
    assert_eq!(db.audit_queue(carer().id, 500).await, Err(DbError::Locked));
    db.unlock(carer().id, PIN).await.unwrap();
    let queue = db.audit_queue(carer().id, 500).await.unwrap();
    assert_eq!(
        queue
            .iter()
            .map(|v| (v.person_id, v.part, v.mode))
            .collect::<Vec<_>>(),
        vec![
            (person(1), AuditPart::Summary, AuditMode::Offline),
            (person(2), AuditPart::Document, AuditMode::Online)
        ]
    );
    // Another member of staff's views are not in this one's queue.
    assert!(db.audit_queue(senior().id, 500).await.unwrap().is_empty());
    // Answered views go, once.
    db.forget_views(&[queue[0].id]).await.unwrap();
    assert_eq!(db.audit_waiting().await.unwrap(), 1);
    db.forget_views(&[queue[0].id]).await.unwrap();
    assert_eq!(db.audit_waiting().await.unwrap(), 1);

    // Batches: the oldest first, at most the server's limit.
    let views: Vec<AuditView> = (0..1_200u32)
        .rev()
        .map(|n| AuditView {
            id: Uuid::from_u128(u128::from(n)),
            person_id: person(1),
            part: AuditPart::Notes,
            at: at(1, 0) + Duration::seconds(i64::from(n)),
            mode: AuditMode::Offline,
        })
        .collect();
    let batch = audit_batch(views, 500);
    assert_eq!(batch.len(), 500);
    assert_eq!(batch[0].id, Uuid::from_u128(0));
    assert_eq!(batch[499].id, Uuid::from_u128(499));

    // The idle time: the default, then a manager's choice within 1 to 60.
    assert_eq!(db.idle_minutes().await.unwrap(), DEFAULT_IDLE_MINUTES);
    db.set_idle_minutes(12).await.unwrap();
    assert_eq!(db.idle_minutes().await.unwrap(), 12);
    db.set_idle_minutes(0).await.unwrap();
    assert_eq!(db.idle_minutes().await.unwrap(), 1);
    db.set_idle_minutes(600).await.unwrap();
    assert_eq!(db.idle_minutes().await.unwrap(), 60);
}

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

/// The figures the brief asks for: the sealed store's real paths. Prints, asserts
/// nothing about speed. For comparison, the same reads of plaintext rows (what schema 2
/// stored) from a store of their own.
#[wasm_bindgen_test]
async fn measure_sealed_paths() {
    let (name, db) = fresh("measure").await;
    signed_in(&db, &carer()).await;
    let residents: Vec<Resident> = (1..=2).map(|n| resident(n, "Marigold")).collect();
    // (The big page below is a new snapshot: it sweeps these away, so they are read
    // first.)
    // A resident with 250 entries, then a snapshot page of 500.
    let entries: Vec<Entry> = (0..250)
        .map(|n| {
            note(
                n,
                1,
                &format!(
                    "Synthetic note {n}: {}",
                    "walked to the garden and back. ".repeat(12)
                ),
            )
        })
        .collect();
    store_page(&db, &page(residents.clone(), entries.clone())).await;
    let mut open = Vec::new();
    for _ in 0..30 {
        let t = now_ms();
        let r = db.resident(person(1)).await.unwrap();
        let list = db.entries_for(person(1)).await.unwrap();
        open.push(now_ms() - t);
        assert!(r.is_some());
        assert_eq!(list.len(), 250);
    }
    console_log!(
        "summary read, sealed (resident + entries_for, 250 entries): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut open.clone(), 0.5),
        percentile(&mut open, 0.95)
    );
    let t = now_ms();
    let recent = db.recorded_since(at(1, 0)).await.unwrap();
    console_log!(
        "recorded_since over 750 sealed entries: {:.0} ms ({} found)",
        now_ms() - t,
        recent.len()
    );

    let big: Vec<Entry> = (1_000..1_500)
        .map(|n| note(n, 2, &"synthetic handover text ".repeat(20)))
        .collect();
    let big_page = page(residents, big);
    let parsed = js_sys::JSON::parse(&serde_json::to_string(&big_page).unwrap()).unwrap();
    let mut store = Vec::new();
    for _ in 0..5 {
        let t = now_ms();
        db.store_snapshot_page(TOKEN, None, &big_page, Some(&parsed))
            .await
            .unwrap();
        store.push(now_ms() - t);
    }
    console_log!(
        "snapshot page of 500 entries (seal + store + banners of 752 entries): {store:.0?} ms"
    );

    // The same 250 entries stored in clear, as schema 2 did, read the same way.
    let plain_name = format!("{name}-plain");
    indexed_db_futures::database::Database::delete_by_name(&plain_name)
        .unwrap()
        .await
        .unwrap();
    let plain = indexed_db_futures::database::Database::open(plain_name.as_str())
        .with_version(1u8)
        .with_on_upgrade_needed(|_, db| {
            let s = db
                .create_object_store("entries")
                .with_key_path(indexed_db_futures::KeyPath::One("id"))
                .build()?;
            s.create_index("by_person", indexed_db_futures::KeyPath::One("person_id"))
                .build()?;
            Ok(())
        })
        .await
        .unwrap();
    let tx = plain
        .transaction("entries")
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let s = tx.object_store("entries").unwrap();
    for e in &entries {
        drop(s.put(e).serde().unwrap());
    }
    tx.commit().await.unwrap();
    let mut clear = Vec::new();
    for _ in 0..30 {
        let t = now_ms();
        let tx = plain.transaction("entries").build().unwrap();
        let rows = tx
            .object_store("entries")
            .unwrap()
            .index("by_person")
            .unwrap()
            .get_all::<JsValue>()
            .with_query(person(1).to_string())
            .primitive()
            .unwrap()
            .await
            .unwrap();
        let list: Vec<Entry> = rows
            .map(|r| bedside_client::read::entry(r.unwrap()).unwrap())
            .collect();
        clear.push(now_ms() - t);
        assert_eq!(list.len(), 250);
    }
    console_log!(
        "summary read, clear rows as in schema 2 (entries by person, 250): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&mut clear.clone(), 0.5),
        percentile(&mut clear, 0.95)
    );
    plain.close();
}
