//! The IndexedDB layer's sync writes against a real IndexedDB, in headless Chromium:
//! `cargo test --target wasm32-unknown-unknown -p bedside-client` (with
//! `CHROMEDRIVER=/usr/bin/chromedriver`; webdriver.json beside Cargo.toml sets the
//! browser flags). Each test opens its own database.

#![cfg(target_arch = "wasm32")]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use bedside_client::db::{DB_VERSION, LocalDb, SnapshotStep, meta_keys};
use bedside_client::{DbError, RecordError};
use bedside_domain::api::{HomeInfo, LoginResponse, Role, StaffInfo};
use bedside_domain::record::{
    AdvanceCareForm, ClinicalStatus, Concept, CprDecision, Entry, EntryBody, EntryStatus,
    NoteCategory, PersonName, Provenance, ResidencyStatus, Resident, Sex,
};
use bedside_domain::summary::{AllergyState, CprState};
use bedside_domain::sync::plan::{
    AfterPush, ItemState, OutboxState, PushReply, item_state, next_push,
};
use bedside_domain::sync::wire::{
    Change, ChangesPage, Cursor, MutationOp, MutationResult, Outcome, PushResponse, SnapshotPage,
};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId, StaffId};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TOKEN: &str = "synthetic-token";

async fn fresh_db(test: &str) -> (String, LocalDb) {
    let name = format!("bedside-client-test-{test}");
    LocalDb::delete_named(&name).await.unwrap();
    let db = LocalDb::open_named(&name).await.unwrap();
    (name, db)
}

/// A fresh database, enrolled and unlocked for [`staff`] (a synthetic enrolment, see
/// `bedside_client::testing`), signed in with the session [`TOKEN`] names.
async fn signed_in(test: &str) -> LocalDb {
    let (_, db) = fresh_db(test).await;
    unlocked(&db).await;
    db
}

async fn unlocked(db: &LocalDb) {
    bedside_client::testing::enrol_and_unlock(db, &staff())
        .await
        .unwrap();
    db.set_session(&session(TOKEN)).await.unwrap();
}

fn staff() -> StaffInfo {
    session(TOKEN).staff
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn home() -> HomeInfo {
    HomeInfo {
        id: HomeId(Uuid::from_u128(7)),
        name: "Oak Lodge".into(),
    }
}

fn session(token: &str) -> LoginResponse {
    LoginResponse {
        token: token.into(),
        expires_at: at(30, 9),
        staff: StaffInfo {
            id: StaffId(Uuid::from_u128(99)),
            username: "oak.carer".into(),
            role: Role::Carer,
            home: home(),
        },
    }
}

fn person(n: u128) -> PersonId {
    PersonId(Uuid::from_u128(n))
}

fn resident(n: u128, given: &str) -> Resident {
    Resident {
        id: person(n),
        home_id: home().id,
        nhs_number: NhsNumber::from_prefix([9, 9, 9, 0, 0, 0, 0, 0, 1]).unwrap(),
        name: PersonName {
            given: given.into(),
            family: "Testperson".into(),
            preferred: None,
        },
        birth_date: day(1938, 4, 2),
        sex: Sex::Female,
        gp_practice: None,
        room: format!("{n}"),
        admitted_on: day(2024, 5, 1),
        status: ResidencyStatus::InHome,
        spo2_scale: Default::default(),
    }
}

fn eid(n: u128) -> EntryId {
    EntryId(Uuid::from_u128(1000 + n))
}

fn entry(n: u128, who: u128, version: u32, body: EntryBody) -> Entry {
    Entry {
        id: eid(n),
        person_id: person(who),
        version,
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

fn allergy(n: u128, who: u128, what: &str) -> Entry {
    entry(
        n,
        who,
        1,
        EntryBody::Allergy {
            substance: Concept::text(what),
            reaction: None,
            severity: None,
            clinical_status: ClinicalStatus::Active,
        },
    )
}

fn dnacpr(n: u128, who: u128) -> Entry {
    entry(
        n,
        who,
        1,
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Respect,
            cpr: CprDecision::NotForCpr,
            recommendations: None,
            agreed_on: day(2025, 10, 3),
            review_on: None,
        },
    )
}

fn cursor(seq: u64) -> Cursor {
    Cursor {
        epoch: "e1".into(),
        seq,
    }
}

fn note_op(who: u128, text: &str) -> MutationOp {
    MutationOp::AddNote {
        person_id: person(who),
        category: NoteCategory::Social,
        text: text.into(),
    }
}

fn mid(n: u128) -> Uuid {
    Uuid::from_u128(5000 + n)
}

fn device() -> Option<Uuid> {
    Some(Uuid::from_u128(0xd))
}

/// Puts residents (and their entries) through a one-page snapshot.
async fn seed(db: &LocalDb, residents: Vec<Resident>, entries: Vec<Entry>, pinned: u64) {
    let page = SnapshotPage {
        pinned: cursor(pinned),
        residents,
        entries,
        next: None,
    };
    let step = db
        .store_snapshot_page(TOKEN, None, &page, None)
        .await
        .unwrap();
    assert_eq!(step, SnapshotStep::Done(cursor(pinned)));
}

/// Writes what a version 2 tablet held: a resident, an entry, its session, its device
/// numbers and a note waiting in its outbox, through a plain connection at version 2.
async fn write_v2(name: &str, item: &bedside_domain::sync::plan::OutboxItem) {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let conn = indexed_db_futures::database::Database::open(name)
        .with_version(2u32)
        .await
        .unwrap();
    let tx = conn
        .transaction(["residents", "entries", "meta", "outbox"])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .unwrap();
    let stored = bedside_client::db::stored(&resident(1, "Ada"), &[allergy(1, 1, "Penicillin")]);
    drop(
        tx.object_store("residents")
            .unwrap()
            .put(&stored)
            .serde()
            .unwrap(),
    );
    drop(
        tx.object_store("entries")
            .unwrap()
            .put(allergy(1, 1, "Penicillin"))
            .serde()
            .unwrap(),
    );
    drop(
        tx.object_store("outbox")
            .unwrap()
            .put(item)
            .serde()
            .unwrap(),
    );
    let meta = tx.object_store("meta").unwrap();
    let put = |key: &str, value: JsValue| {
        drop(
            meta.put(value)
                .with_key(key.to_owned())
                .without_key_type()
                .primitive()
                .unwrap(),
        )
    };
    put(
        "session",
        serde_wasm_bindgen::to_value(&session(TOKEN)).unwrap(),
    );
    put(
        "device_id",
        JsValue::from_str(&Uuid::from_u128(0xd2).to_string()),
    );
    put("device_seq", JsValue::from_f64(7.0));
    put("last_confirmed_seq", JsValue::from_f64(6.0));
    put("as_of", JsValue::from_str("2026-11-01T09:00:00Z"));
    tx.commit().await.unwrap();
    conn.close();
}

#[wasm_bindgen_test]
async fn a_version_2_tablet_keeps_its_waiting_outbox_and_seals_it_at_the_first_unlock() {
    use bedside_domain::sync::plan::OutboxItem;
    use bedside_domain::sync::wire::Mutation;
    let name = "bedside-client-test-upgrade".to_owned();
    LocalDb::delete_named(&name).await.unwrap();
    let waiting = OutboxItem {
        mutation: Mutation {
            id: mid(1),
            device_seq: 7,
            created_at: at(1, 10),
            op: note_op(1, "Written before the upgrade"),
        },
        state: OutboxState::Waiting {
            attempts: 2,
            last_attempt: at(1, 11),
        },
    };
    {
        let v2 = LocalDb::open_at(&name, 2).await.unwrap();
        let mut names = v2.store_names();
        names.sort();
        assert_eq!(names, vec!["entries", "meta", "outbox", "residents"]);
        v2.close();
        write_v2(&name, &waiting).await;
    }

    let db = LocalDb::open_named(&name).await.unwrap();
    let mut names = db.store_names();
    names.sort();
    assert_eq!(
        names,
        vec![
            "audit",
            "entries",
            "keyring",
            "legacy_meta",
            "legacy_outbox",
            "meta",
            "outbox",
            "residents"
        ]
    );
    // The plaintext records and the session (its tokens) are gone at once; the outbox
    // row waits, still plain, for a key to seal it.
    assert_eq!(raw_count(&name, "residents").await, 0);
    assert_eq!(raw_count(&name, "entries").await, 0);
    assert_eq!(raw_count(&name, "legacy_meta").await, 0);
    assert_eq!(raw_count(&name, "legacy_outbox").await, 1);
    assert_eq!(db.as_of().await.unwrap(), None);
    assert_eq!(db.cursor().await.unwrap(), None);
    assert_eq!(db.residents().await, Err(DbError::Locked));

    // The first unlock seals it into its author's lane, with the device numbers it was
    // written under, and deletes the plaintext.
    unlocked(&db).await;
    assert_eq!(raw_count(&name, "legacy_outbox").await, 0);
    let outbox = db.outbox_with_authors().await.unwrap();
    assert_eq!(outbox, vec![(staff().id, waiting.clone())]);
    let lane = db.lane(staff().id).await.unwrap().unwrap();
    assert_eq!(lane.device_id, Uuid::from_u128(0xd2));
    assert_eq!((lane.device_seq, lane.last_confirmed_seq), (7, 6));
    assert_eq!(
        db.meta_value::<bedside_client::db::LegacyLane>(meta_keys::LEGACY)
            .await
            .unwrap(),
        None
    );
    // It is sent as it was: the next write follows on.
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    let next = db
        .record(note_op(1, "After the upgrade"), at(2, 9), mid(2), device)
        .await
        .unwrap();
    assert_eq!(next.item.mutation.device_seq, 8);
    assert_eq!(
        next_push(&db.outbox_of(staff().id).await.unwrap(), 100).len(),
        2
    );
}

/// How many rows a store holds, read with a plain connection.
async fn raw_count(name: &str, store: &str) -> u32 {
    use indexed_db_futures::prelude::*;
    let conn = indexed_db_futures::database::Database::open(name)
        .await
        .unwrap();
    let tx = conn.transaction(store).build().unwrap();
    let n = tx
        .object_store(store)
        .unwrap()
        .count()
        .primitive()
        .unwrap()
        .await
        .unwrap();
    drop(tx);
    conn.close();
    n
}

#[wasm_bindgen_test]
async fn a_page_of_changes_and_its_cursor_are_stored_together() {
    let db = signed_in("page").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;

    let page = ChangesPage {
        changes: vec![
            Change::Entry {
                seq: 11,
                entry: allergy(1, 1, "Penicillin"),
            },
            Change::Entry {
                seq: 12,
                entry: dnacpr(2, 1),
            },
        ],
        cursor: cursor(12),
        more: false,
    };
    let writes = db
        .apply_changes_page(TOKEN, &page, Some(at(2, 9)))
        .await
        .unwrap();
    assert_eq!(writes, 2);
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(12)));
    assert_eq!(db.as_of().await.unwrap(), Some(at(2, 9)));
    assert_eq!(db.entries_for(person(1)).await.unwrap().len(), 2);
    // The banner follows the entries in the same transaction.
    let ada = db.resident(person(1)).await.unwrap().unwrap();
    assert_eq!(
        ada.banner.allergies,
        AllergyState::Allergies {
            substances: vec!["Penicillin".into()]
        }
    );
    assert!(matches!(ada.banner.cpr, CprState::Recorded { .. }));

    // A replayed older version never takes the tablet backwards.
    let mut older = allergy(1, 1, "Penicillin");
    older.version = 0;
    let replay = ChangesPage {
        changes: vec![Change::Entry {
            seq: 13,
            entry: older,
        }],
        cursor: cursor(13),
        more: false,
    };
    assert_eq!(
        db.apply_changes_page(TOKEN, &replay, None).await.unwrap(),
        0
    );
    assert_eq!(db.entry(eid(1)).await.unwrap().unwrap().version, 1);
}

#[wasm_bindgen_test]
async fn a_page_that_is_not_committed_leaves_neither_its_entries_nor_its_cursor() {
    let db = signed_in("dropped").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;

    // The layer's own transaction, dropped before commit.
    {
        let row = db.sealed_entry(&allergy(1, 1, "Penicillin")).await.unwrap();
        let tx = db.write().unwrap();
        tx.put_sealed(&row).unwrap();
        tx.put_meta(meta_keys::CURSOR, &cursor(11)).unwrap();
    }
    assert_eq!(db.entry(eid(1)).await.unwrap(), None);
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(10)));

    // A page that arrives after a sign-out (another token stored) writes nothing.
    db.set_session(&session("someone-else")).await.unwrap();
    let page = ChangesPage {
        changes: vec![Change::Entry {
            seq: 11,
            entry: allergy(1, 1, "Penicillin"),
        }],
        cursor: cursor(11),
        more: false,
    };
    assert_eq!(
        db.apply_changes_page(TOKEN, &page, Some(at(2, 9))).await,
        Err(DbError::SessionChanged)
    );
    assert_eq!(db.entry(eid(1)).await.unwrap(), None);
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(10)));
}

#[wasm_bindgen_test]
async fn a_local_write_stores_its_entry_its_outbox_row_and_its_number_together() {
    let db = signed_in("record").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;

    let written = db
        .record(note_op(1, "Enjoyed the music"), at(2, 9), mid(1), device)
        .await
        .unwrap();
    let entry = written.entry.unwrap();
    assert_eq!(entry.id, EntryId(mid(1)));
    assert_eq!(entry.version, 0);
    assert_eq!(entry.provenance.author.as_deref(), Some("oak.carer"));
    assert_eq!(entry.provenance.organisation, "Oak Lodge");
    assert_eq!(db.entry(EntryId(mid(1))).await.unwrap(), Some(entry));
    let outbox = db.outbox().await.unwrap();
    assert_eq!(outbox, vec![written.item.clone()]);
    assert_eq!(outbox[0].mutation.device_seq, 1);
    assert_eq!(item_state(&outbox[0]), ItemState::SavedOnTablet);
    assert_eq!(db.device_id().await.unwrap(), device());

    // Refused writes leave nothing: no row, no entry, no number used.
    assert_eq!(
        db.record(note_op(2, "Not here"), at(2, 9), mid(2), device)
            .await,
        Err(RecordError::UnknownResident)
    );
    assert!(matches!(
        db.record(note_op(1, "  "), at(2, 9), mid(3), device).await,
        Err(RecordError::Invalid(_))
    ));
    assert_eq!(
        db.record(
            MutationOp::Correct {
                entry_id: eid(404),
                action: bedside_domain::record::CorrectionAction::EnteredInError,
                reason: "Wrong resident".into(),
                body: None,
            },
            at(2, 9),
            mid(4),
            device
        )
        .await,
        Err(RecordError::UnknownEntry)
    );
    assert_eq!(db.outbox().await.unwrap().len(), 1);
    let next = db
        .record(note_op(1, "Second"), at(2, 10), mid(5), device)
        .await
        .unwrap();
    assert_eq!(next.item.mutation.device_seq, 2);

    // Signed out: nothing can be recorded.
    db.clear_session().await.unwrap();
    assert_eq!(
        db.record(note_op(1, "After"), at(2, 11), mid(6), device)
            .await,
        Err(RecordError::NotSignedIn)
    );
}

#[wasm_bindgen_test]
async fn the_outbox_is_kept_and_sent_in_device_order_and_renumbered_after_a_gap() {
    let db = signed_in("order").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    // Ids that sort the other way from the order they were made in.
    for (i, n) in [9u128, 3, 7].into_iter().enumerate() {
        db.record(note_op(1, &format!("note {i}")), at(2, 9), mid(n), device)
            .await
            .unwrap();
    }
    let outbox = db.outbox().await.unwrap();
    let seqs: Vec<u64> = outbox.iter().map(|i| i.mutation.device_seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    let ids: Vec<Uuid> = outbox.iter().map(|i| i.mutation.id).collect();
    assert_eq!(ids, vec![mid(9), mid(3), mid(7)]);

    // A push that got no answer: all waiting, attempts counted, nothing dropped.
    let sent = next_push(&outbox, 100);
    let next = db
        .store_push_result(TOKEN, &sent, PushReply::Failed, at(2, 10))
        .await
        .unwrap();
    assert_eq!(next, AfterPush::Later);
    let outbox = db.outbox().await.unwrap();
    assert_eq!(outbox.len(), 3);
    assert!(
        outbox
            .iter()
            .all(|i| matches!(i.state, OutboxState::Waiting { attempts: 1, .. }))
    );

    // The server lost track (restored from a backup): it expects 1 again... from 1, so
    // nothing to renumber; expecting less than the first renumbers from there.
    db.record(note_op(1, "later"), at(2, 11), mid(1), device)
        .await
        .unwrap();
    let outbox = db.outbox().await.unwrap();
    let sent = next_push(&outbox, 100);
    assert_eq!(sent.len(), 4);
    // Pretend 1 and 2 were confirmed earlier and lost by the server: it expects 1 while
    // the tablet's first pending is 1 → nothing to renumber.
    let next = db
        .store_push_result(TOKEN, &sent, PushReply::Gap { expected: 1 }, at(2, 12))
        .await
        .unwrap();
    assert_eq!(next, AfterPush::Later);

    // Answer the first two: the rest keep their order and are sent next.
    let reply = PushReply::Answered(PushResponse {
        results: sent[..2]
            .iter()
            .map(|m| MutationResult {
                id: m.id,
                outcome: Outcome::Applied {
                    entry_id: EntryId(m.id),
                },
                duplicate: false,
            })
            .collect(),
        next_device_seq: 3,
    });
    assert_eq!(
        db.store_push_result(TOKEN, &sent, reply, at(2, 13))
            .await
            .unwrap(),
        AfterPush::Again
    );
    let outbox = db.outbox().await.unwrap();
    let pending: Vec<u64> = next_push(&outbox, 100)
        .iter()
        .map(|m| m.device_seq)
        .collect();
    assert_eq!(pending, vec![3, 4]);
    assert_eq!(
        db.lane(staff().id)
            .await
            .unwrap()
            .map(|l| l.last_confirmed_seq),
        Some(2)
    );

    // Now a server that expects 2 although it confirmed 3 and 4 are next: renumbered
    // from 2, ids unchanged, and the next local write follows on without a gap.
    let sent = next_push(&outbox, 100);
    assert_eq!(
        db.store_push_result(TOKEN, &sent, PushReply::Gap { expected: 2 }, at(2, 14))
            .await
            .unwrap(),
        AfterPush::Again
    );
    let outbox = db.outbox().await.unwrap();
    let pending: Vec<(Uuid, u64)> = next_push(&outbox, 100)
        .iter()
        .map(|m| (m.id, m.device_seq))
        .collect();
    assert_eq!(pending, vec![(sent[0].id, 2), (sent[1].id, 3)]);
    let written = db
        .record(note_op(1, "after the gap"), at(2, 15), mid(20), device)
        .await
        .unwrap();
    // The answered items keep 1 and 2 in the outbox, so the next number is past them
    // all; a gap this leaves is answered by the server with what it expects.
    assert!(written.item.mutation.device_seq >= 4);
}

#[wasm_bindgen_test]
async fn the_servers_version_replaces_the_provisional_entry() {
    let db = signed_in("replace").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    let written = db
        .record(note_op(1, "Ate well"), at(2, 9), mid(1), device)
        .await
        .unwrap();
    let provisional = written.entry.unwrap();

    let sent = next_push(&db.outbox().await.unwrap(), 100);
    let reply = PushReply::Answered(PushResponse {
        results: vec![MutationResult {
            id: mid(1),
            outcome: Outcome::Applied {
                entry_id: EntryId(mid(1)),
            },
            duplicate: false,
        }],
        next_device_seq: 2,
    });
    assert_eq!(
        db.store_push_result(TOKEN, &sent, reply, at(2, 10))
            .await
            .unwrap(),
        AfterPush::Done
    );
    assert_eq!(
        item_state(&db.outbox().await.unwrap()[0]),
        ItemState::Confirmed
    );
    // Confirmed, but still the provisional copy until the change feed brings the
    // server's.
    assert_eq!(db.entry(EntryId(mid(1))).await.unwrap().unwrap().version, 0);

    let mut servers = provisional.clone();
    servers.version = 1;
    servers.provenance.received_at = at(2, 10);
    let page = ChangesPage {
        changes: vec![Change::Entry {
            seq: 11,
            entry: servers.clone(),
        }],
        cursor: cursor(11),
        more: false,
    };
    db.apply_changes_page(TOKEN, &page, Some(at(2, 10)))
        .await
        .unwrap();
    assert_eq!(db.entry(EntryId(mid(1))).await.unwrap(), Some(servers));
    assert_eq!(db.entries_for(person(1)).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn a_rejected_mutation_loses_its_provisional_entry_but_keeps_its_row_and_reason() {
    let db = signed_in("rejected").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    db.record(
        note_op(1, "For the wrong resident"),
        at(2, 9),
        mid(1),
        device,
    )
    .await
    .unwrap();
    let sent = next_push(&db.outbox().await.unwrap(), 100);
    let reply = PushReply::Answered(PushResponse {
        results: vec![MutationResult {
            id: mid(1),
            outcome: Outcome::Rejected {
                reason: "that resident has left the home".into(),
            },
            duplicate: false,
        }],
        next_device_seq: 2,
    });
    db.store_push_result(TOKEN, &sent, reply, at(2, 10))
        .await
        .unwrap();
    assert_eq!(db.entry(EntryId(mid(1))).await.unwrap(), None);
    let outbox = db.outbox().await.unwrap();
    assert_eq!(
        item_state(&outbox[0]),
        ItemState::Rejected("that resident has left the home".into())
    );

    // Answered items go after a week; unanswered ones never do.
    db.record(note_op(1, "Still waiting"), at(2, 11), mid(2), device)
        .await
        .unwrap();
    db.store_push_result(TOKEN, &[], PushReply::Failed, at(20, 9))
        .await
        .unwrap();
    let left: Vec<Uuid> = db
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|i| i.mutation.id)
        .collect();
    assert_eq!(left, vec![mid(2)]);
    assert!(at(20, 9) - at(2, 9) > Duration::days(7));
}

#[wasm_bindgen_test]
async fn a_resident_who_leaves_takes_their_entries_but_not_their_outbox_rows() {
    let db = signed_in("removal").await;
    seed(
        &db,
        vec![resident(1, "Ada"), resident(2, "Bob")],
        vec![allergy(1, 1, "Penicillin"), allergy(2, 2, "Latex")],
        10,
    )
    .await;
    db.record(note_op(1, "Said goodbye"), at(2, 9), mid(1), device)
        .await
        .unwrap();

    let page = ChangesPage {
        changes: vec![Change::ResidentRemoved {
            seq: 11,
            person_id: person(1),
        }],
        cursor: cursor(11),
        more: false,
    };
    db.apply_changes_page(TOKEN, &page, None).await.unwrap();
    assert_eq!(db.resident(person(1)).await.unwrap(), None);
    assert!(db.entries_for(person(1)).await.unwrap().is_empty());
    assert_eq!(db.outbox().await.unwrap().len(), 1);
    // Others are untouched.
    assert!(db.resident(person(2)).await.unwrap().is_some());
    assert_eq!(db.entries_for(person(2)).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn a_snapshot_resumes_from_its_last_stored_page_and_sweeps_what_it_did_not_hold() {
    let (name, db) = fresh_db("snapshot").await;
    unlocked(&db).await;
    // What the tablet held before: Ada with an allergy since retracted, and Carl, who
    // has left. A note of Ada's is still waiting to send.
    seed(
        &db,
        vec![resident(1, "Ada"), resident(3, "Carl")],
        vec![allergy(1, 1, "Penicillin"), allergy(3, 3, "Latex")],
        5,
    )
    .await;
    db.record(note_op(1, "Waiting"), at(2, 9), mid(1), device)
        .await
        .unwrap();

    let first = SnapshotPage {
        pinned: cursor(40),
        residents: vec![resident(1, "Ada"), resident(2, "Bob")],
        entries: vec![dnacpr(2, 1)],
        next: Some("page-2".into()),
    };
    let step = db
        .store_snapshot_page(TOKEN, None, &first, None)
        .await
        .unwrap();
    let SnapshotStep::Continue(progress) = step else {
        panic!("more pages to come");
    };
    assert_eq!(progress.next.as_deref(), Some("page-2"));
    assert!(progress.sweep);
    // Carl has gone already; the cursor has not moved yet.
    assert_eq!(db.resident(person(3)).await.unwrap(), None);
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(5)));
    db.close();

    // The app restarts (locked: the data key was in memory only), is unlocked, and the
    // progress is read back and the next page carries on.
    let db = LocalDb::open_named(&name).await.unwrap();
    assert!(!db.is_unlocked());
    let stored = db.snapshot_progress().await.unwrap().unwrap();
    db.unlock(staff().id, bedside_client::testing::PIN)
        .await
        .unwrap();
    assert_eq!(stored, progress);
    let last = SnapshotPage {
        pinned: cursor(40),
        residents: vec![],
        entries: vec![allergy(3, 2, "Aspirin")],
        next: None,
    };
    let step = db
        .store_snapshot_page(TOKEN, Some(&stored), &last, None)
        .await
        .unwrap();
    assert_eq!(step, SnapshotStep::Done(cursor(40)));
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(40)));
    assert_eq!(db.snapshot_progress().await.unwrap(), None);

    // Ada's retracted allergy was not in the snapshot: swept. Her provisional note stays.
    let ada: Vec<EntryId> = db
        .entries_for(person(1))
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(ada.contains(&eid(2)));
    assert!(ada.contains(&EntryId(mid(1))));
    assert!(!ada.contains(&eid(1)));
    // Banners worked out again from what the snapshot held.
    let ada = db.resident(person(1)).await.unwrap().unwrap();
    assert_eq!(ada.banner.allergies, AllergyState::NotRecorded);
    assert!(matches!(ada.banner.cpr, CprState::Recorded { .. }));
    let bob = db.resident(person(2)).await.unwrap().unwrap();
    assert_eq!(
        bob.banner.allergies,
        AllergyState::Allergies {
            substances: vec!["Aspirin".into()]
        }
    );
    // The per-page ids are gone with the progress.
    assert_eq!(
        db.meta_value::<Vec<String>>(&format!("{}000001", meta_keys::SNAPSHOT_IDS_PREFIX))
            .await
            .unwrap(),
        None
    );
}

#[wasm_bindgen_test]
async fn a_wipe_signs_everyone_out_but_keeps_the_enrolment() {
    let db = signed_in("wipe").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    db.record(note_op(1, "x"), at(2, 9), mid(1), device)
        .await
        .unwrap();
    db.wipe().await.unwrap();
    // Locked, and nobody can unlock it with a PIN any more.
    assert!(!db.is_unlocked());
    assert_eq!(db.residents().await, Err(DbError::Locked));
    assert!(db.pin_holders().await.unwrap().is_empty());
    assert_eq!(db.cursor().await.unwrap(), None);
    assert!(db.enrolment().await.unwrap().is_some());

    // An online sign-in unlocks it again: nothing is left but the enrolment.
    unlocked(&db).await;
    assert!(db.residents().await.unwrap().is_empty());
    assert!(db.outbox().await.unwrap().is_empty());
    assert_eq!(db.device_id().await.unwrap(), None);
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    let other = || Some(Uuid::from_u128(0xe));
    let first = db
        .record(note_op(1, "y"), at(2, 10), mid(2), other)
        .await
        .unwrap();
    // A new lane: a new sync device id, numbered from 1.
    assert_eq!(first.item.mutation.device_seq, 1);
    assert_eq!(db.device_id().await.unwrap(), other());

    // Staff of another home cannot sign in on this tablet.
    let mut elsewhere = staff();
    elsewhere.home = HomeInfo {
        id: HomeId(Uuid::from_u128(8)),
        name: "Riverside House".into(),
    };
    assert_eq!(
        db.signed_in_online(
            bedside_client::testing::sign_in_answer(&elsewhere, "other"),
            at(2, 11)
        )
        .await,
        Err(bedside_client::VaultError::WrongHome)
    );

    // A revoked tablet's wipe takes the enrolment too.
    db.wipe_all().await.unwrap();
    assert_eq!(
        db.vault_state().await.unwrap(),
        bedside_client::VaultState::NotEnrolled
    );
}

#[wasm_bindgen_test]
fn a_changes_page_reads_exactly_what_serde_writes() {
    let page = ChangesPage {
        changes: vec![
            Change::Resident {
                seq: 4,
                resident: resident(1, "Ada"),
            },
            Change::Entry {
                seq: 5,
                entry: allergy(1, 1, "Penicillin"),
            },
            Change::ResidentRemoved {
                seq: 6,
                person_id: person(2),
            },
        ],
        cursor: cursor(6),
        more: true,
    };
    let json = serde_json::to_string(&page).unwrap();
    let parsed = js_sys::JSON::parse(&json).unwrap();
    assert_eq!(bedside_client::http::read_changes_page(&parsed), Some(page));

    // A kind of change this version does not know: the page is refused, never applied
    // in part.
    let newer = json.replace("\"resident_removed\"", "\"merged\"");
    let parsed = js_sys::JSON::parse(&newer).unwrap();
    assert_eq!(bedside_client::http::read_changes_page(&parsed), None);
}

#[wasm_bindgen_test]
async fn an_outdated_connection_steps_aside_for_a_newer_version() {
    let (name, db) = fresh_db("outdated").await;
    let told = std::rc::Rc::new(std::cell::Cell::new(false));
    let flag = told.clone();
    db.close_when_outdated(move || flag.set(true));
    // Without the handler this open would wait for `db` to close, for ever.
    let newer = LocalDb::open_at(&name, DB_VERSION + 1).await.unwrap();
    assert!(told.get());
    newer.close();
    LocalDb::delete_named(&name).await.unwrap();
}

fn signed_in_answer(token: &str, refresh: &str) -> bedside_domain::api::SignInResponse {
    bedside_domain::api::SignInResponse {
        login: session(token),
        refresh_token: refresh.into(),
        refresh_expires_at: at(30, 21),
        device_unlock_key: None,
    }
}

#[wasm_bindgen_test]
async fn a_refresh_keeps_the_sync_writing_but_another_sign_in_stops_it() {
    use bedside_client::StoredSession;

    let db = signed_in("refreshed").await;
    seed(&db, vec![resident(1, "Ada")], vec![], 10).await;
    let stored = StoredSession::signed_in(
        signed_in_answer("access-1", "refresh-1"),
        at(2, 9),
        "sign-in-a".into(),
    );
    db.set_stored_session(&stored).await.unwrap();
    // What the app's pages read: the access token and who signed in.
    assert_eq!(db.session().await.unwrap(), Some(session("access-1")));

    // The new pair replaces the old one, for the same sign-in.
    let refreshed = db
        .store_refreshed(
            "sign-in-a",
            &signed_in_answer("access-2", "refresh-2"),
            at(2, 10),
        )
        .await
        .unwrap();
    assert_eq!(refreshed.key(), "sign-in-a");
    assert_eq!(db.stored_session().await.unwrap(), Some(refreshed.clone()));
    assert_eq!(db.session().await.unwrap(), Some(session("access-2")));

    // A sync that started before the refresh still writes: it goes by the sign-in.
    let page = |seq| ChangesPage {
        changes: vec![Change::Entry {
            seq,
            entry: allergy(1, 1, "Penicillin"),
        }],
        cursor: cursor(seq),
        more: false,
    };
    assert_eq!(
        db.apply_changes_page("sign-in-a", &page(11), None)
            .await
            .unwrap(),
        1
    );
    assert_eq!(db.cursor().await.unwrap(), Some(cursor(11)));

    // Another sign-in: the old run's pages and refreshes write nothing.
    let other = StoredSession::signed_in(
        signed_in_answer("access-b", "refresh-b"),
        at(2, 11),
        "sign-in-b".into(),
    );
    db.set_stored_session(&other).await.unwrap();
    assert_eq!(
        db.apply_changes_page("sign-in-a", &page(12), None).await,
        Err(DbError::SessionChanged)
    );
    assert_eq!(
        db.store_refreshed(
            "sign-in-a",
            &signed_in_answer("access-3", "refresh-3"),
            at(2, 12)
        )
        .await,
        Err(DbError::SessionChanged)
    );
    assert_eq!(db.stored_session().await.unwrap(), Some(other));

    // A sign-out's wipe takes the refresh token with it.
    db.wipe().await.unwrap();
    assert_eq!(db.stored_session().await, Err(DbError::Locked));
    unlocked(&db).await;
    db.clear_session().await.unwrap();
    assert_eq!(db.stored_session().await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn a_refresh_inside_a_sync_takes_its_own_lock_without_waiting_for_the_sync() {
    use bedside_client::lock::{AUTH_LOCK, SYNC_LOCK, exclusive};
    use std::cell::RefCell;

    let order = RefCell::new(Vec::new());
    exclusive(SYNC_LOCK, async {
        order.borrow_mut().push("sync");
        // With one queue for every name this would wait for the sync, which waits for
        // it: a deadlock.
        exclusive(AUTH_LOCK, async { order.borrow_mut().push("refresh") }).await;
        order.borrow_mut().push("sync done");
    })
    .await;
    assert_eq!(*order.borrow(), vec!["sync", "refresh", "sync done"]);
}
