//! The IndexedDB layer against a real IndexedDB, in headless Chromium.
//!
//! Run with `cargo test --target wasm32-unknown-unknown -p bedside-frontend` (the runner
//! and browser are set in `.cargo/config.toml` and `frontend/webdriver.json`). Each test
//! opens its own database so they cannot see each other's data, enrolled and unlocked
//! with the client's synthetic enrolment (records are sealed under the data key, which
//! only an unlocked handle holds).

#![cfg(target_arch = "wasm32")]

use bedside_domain::api::{HomeInfo, HomeRecords, LoginResponse, Role, StaffInfo};
use bedside_domain::record::{
    AdvanceCareForm, ClinicalStatus, Concept, CprDecision, Entry, EntryBody, EntryStatus,
    NoteCategory, PersonName, Provenance, ResidencyStatus, Resident, Sex,
};
use bedside_domain::summary::{AllergyState, CprState};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId, StaffId};
use bedside_frontend::services::local_db::{LocalDb, RawRecords};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses, removed first in case a run was interrupted,
/// enrolled and unlocked for [`session`]'s member of staff.
async fn fresh_db(test: &str) -> (String, LocalDb) {
    let name = format!("bedside-test-{test}");
    LocalDb::delete_named(&name)
        .await
        .expect("delete old test db");
    let db = LocalDb::open_named(&name).await.expect("open test db");
    unlock(&db).await;
    (name, db)
}

/// Signs [`session`]'s member of staff in on the (enrolled or not) tablet, with a PIN.
async fn unlock(db: &LocalDb) {
    bedside_client::testing::enrol_and_unlock(db, &session().staff)
        .await
        .expect("enrolled and unlocked");
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 42, 0)
        .single()
        .expect("valid test time")
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn home() -> HomeInfo {
    HomeInfo {
        id: HomeId(Uuid::from_u128(7)),
        name: "Oak Lodge".into(),
    }
}

fn resident(n: u128, given: &str, room: &str) -> Resident {
    Resident {
        id: PersonId(Uuid::from_u128(n)),
        home_id: home().id,
        nhs_number: NhsNumber::from_prefix([9, 9, 9, 0, 0, 0, 0, 0, 1]).expect("valid prefix"),
        name: PersonName {
            given: given.into(),
            family: "Testperson".into(),
            preferred: None,
        },
        birth_date: day(1938, 4, 2),
        sex: Sex::Female,
        gp_practice: Some("Riverside Surgery".into()),
        room: room.into(),
        admitted_on: day(2024, 5, 1),
        status: ResidencyStatus::InHome,
        spo2_scale: Default::default(),
    }
}

fn entry(n: u128, person: u128, body: EntryBody) -> Entry {
    Entry {
        id: EntryId(Uuid::from_u128(1000 + n)),
        person_id: PersonId(Uuid::from_u128(person)),
        version: 1,
        status: EntryStatus::Current,
        provenance: Provenance {
            organisation: "Riverside Surgery".into(),
            ods_code: Some("Y00001".into()),
            system: None,
            source_id: None,
            author: None,
            authored_at: at(2026, 3, 1),
            received_at: at(2026, 3, 1),
        },
        body,
    }
}

fn allergy(n: u128, person: u128, what: &str) -> Entry {
    entry(
        n,
        person,
        EntryBody::Allergy {
            substance: Concept::text(what),
            reaction: Some("Rash".into()),
            severity: None,
            clinical_status: ClinicalStatus::Active,
        },
    )
}

fn dnacpr(n: u128, person: u128) -> Entry {
    entry(
        n,
        person,
        EntryBody::AdvanceCarePlan {
            form: AdvanceCareForm::Respect,
            cpr: CprDecision::NotForCpr,
            recommendations: Some("Comfort-focused care".into()),
            agreed_on: day(2025, 10, 3),
            review_on: None,
        },
    )
}

fn note(n: u128, person: u128) -> Entry {
    entry(
        n,
        person,
        EntryBody::CareNote {
            category: NoteCategory::Social,
            text: "Enjoyed the music session".into(),
        },
    )
}

fn records(residents: Vec<Resident>, entries: Vec<Entry>, as_of: DateTime<Utc>) -> HomeRecords {
    HomeRecords {
        home: home(),
        as_of,
        residents,
        entries,
    }
}

fn session() -> LoginResponse {
    LoginResponse {
        token: "synthetic-token".into(),
        expires_at: at(2026, 3, 2),
        staff: StaffInfo {
            id: StaffId(Uuid::from_u128(99)),
            username: "oak.carer".into(),
            role: Role::Carer,
            home: home(),
        },
    }
}

fn ids(list: &[Entry]) -> Vec<u128> {
    let mut v: Vec<u128> = list.iter().map(|e| e.id.0.as_u128() - 1000).collect();
    v.sort_unstable();
    v
}

#[wasm_bindgen_test]
async fn what_is_written_reads_back_with_its_banner() {
    let (_, db) = fresh_db("write-read").await;
    let ada = resident(1, "Ada", "3");
    let bob = resident(2, "Bob", "12");
    let home_records = records(
        vec![ada.clone(), bob.clone()],
        vec![allergy(1, 1, "Penicillin"), dnacpr(2, 1), note(3, 2)],
        at(2026, 3, 1),
    );
    db.replace_home(&home_records).await.expect("replace_home");

    let got = db
        .resident(ada.id)
        .await
        .expect("read")
        .expect("Ada is stored");
    assert_eq!(got.resident, ada);
    assert_eq!(
        got.banner.allergies,
        AllergyState::Allergies {
            substances: vec!["Penicillin".into()]
        }
    );
    assert!(matches!(
        got.banner.cpr,
        CprState::Recorded {
            cpr: CprDecision::NotForCpr,
            ..
        }
    ));
    let bob_stored = db.resident(bob.id).await.expect("read").expect("Bob");
    assert_eq!(bob_stored.banner.allergies, AllergyState::NotRecorded);
    assert_eq!(bob_stored.banner.cpr, CprState::NotRecorded);

    let stored_entry = db
        .entry(EntryId(Uuid::from_u128(1002)))
        .await
        .expect("read")
        .expect("the DNACPR entry is stored");
    assert_eq!(stored_entry, home_records.entries[1]);

    let local = db.load_home().await.expect("load_home");
    assert_eq!(local.home, Some(home()));
    assert_eq!(local.as_of, Some(at(2026, 3, 1)));
    assert_eq!(local.residents.len(), 2);
    assert_eq!(db.as_of().await.expect("as_of"), Some(at(2026, 3, 1)));

    assert_eq!(
        db.resident(PersonId(Uuid::from_u128(404)))
            .await
            .expect("read"),
        None
    );
}

#[wasm_bindgen_test]
async fn session_is_stored_cleared_and_kept_apart_from_records() {
    let (_, db) = fresh_db("session").await;
    db.set_session(&session()).await.expect("set");
    assert_eq!(db.session().await.expect("read"), Some(session()));

    // A download does not sign anyone out.
    db.replace_home(&records(
        vec![resident(1, "Ada", "1")],
        vec![],
        at(2026, 3, 1),
    ))
    .await
    .expect("replace_home");
    assert_eq!(db.session().await.expect("read"), Some(session()));

    // Forgetting the session keeps the records for the next sign-in.
    db.clear_session().await.expect("clear");
    assert_eq!(db.session().await.expect("read"), None);
    assert_eq!(db.residents().await.expect("read").len(), 1);
}

#[wasm_bindgen_test]
async fn entries_by_person_and_residents_by_room_use_the_indexes() {
    let (_, db) = fresh_db("indexes").await;
    db.replace_home(&records(
        vec![
            resident(1, "Ada", "3"),
            resident(2, "Bob", "12"),
            resident(3, "Cy", "12"),
        ],
        vec![
            allergy(1, 1, "Latex"),
            note(2, 2),
            note(3, 1),
            dnacpr(4, 3),
            note(5, 2),
        ],
        at(2026, 3, 1),
    ))
    .await
    .expect("replace_home");

    let ada = db
        .entries_for(PersonId(Uuid::from_u128(1)))
        .await
        .expect("read");
    assert_eq!(ids(&ada), vec![1, 3]);
    let bob = db
        .entries_for(PersonId(Uuid::from_u128(2)))
        .await
        .expect("read");
    assert_eq!(ids(&bob), vec![2, 5]);
    let nobody = db
        .entries_for(PersonId(Uuid::from_u128(9)))
        .await
        .expect("read");
    assert!(nobody.is_empty());

    let mut room_12: Vec<String> = db
        .residents_in_room("12")
        .await
        .expect("read")
        .into_iter()
        .map(|r| r.resident.name.given)
        .collect();
    room_12.sort();
    assert_eq!(room_12, vec!["Bob", "Cy"]);
    assert!(db.residents_in_room("1").await.expect("read").is_empty());
}

#[wasm_bindgen_test]
async fn a_committed_write_survives_closing_and_reopening() {
    let (name, db) = fresh_db("commit").await;
    let ada = resident(1, "Ada", "3");
    db.replace_home(&records(
        vec![ada.clone()],
        vec![allergy(2, 1, "Aspirin")],
        at(2026, 3, 1),
    ))
    .await
    .expect("replace_home");
    db.set_session(&session()).await.expect("session");
    db.close();

    let db = LocalDb::open_named(&name).await.expect("reopen");
    // The data key is not stored: the reopened store opens with the PIN.
    assert!(!db.is_unlocked());
    db.unlock(session().staff.id, bedside_client::testing::PIN)
        .await
        .expect("unlocked");
    let got = db.resident(ada.id).await.expect("read").expect("Ada kept");
    assert_eq!(got.resident, ada);
    assert_eq!(ids(&db.entries_for(ada.id).await.expect("read")), vec![2]);
    assert_eq!(db.as_of().await.expect("read"), Some(at(2026, 3, 1)));
    assert_eq!(db.session().await.expect("read"), Some(session()));
}

#[wasm_bindgen_test]
async fn a_write_dropped_without_commit_leaves_nothing() {
    let (name, db) = fresh_db("rollback").await;
    {
        let tx = db.write().expect("begin");
        tx.put_meta("as_of", &at(2026, 3, 1)).expect("put meta");
        // Dropped here without commit.
    }
    assert!(db.residents().await.expect("read").is_empty());
    assert!(
        db.entries_for(PersonId(Uuid::from_u128(1)))
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(db.as_of().await.expect("read"), None);

    // And nothing turns up later either.
    db.close();
    let db = LocalDb::open_named(&name).await.expect("reopen");
    db.unlock(session().staff.id, bedside_client::testing::PIN)
        .await
        .expect("unlocked");
    assert!(db.residents().await.expect("read").is_empty());
    assert_eq!(db.as_of().await.expect("read"), None);
    assert_eq!(
        db.entry(EntryId(Uuid::from_u128(1001)))
            .await
            .expect("read"),
        None
    );
}

#[wasm_bindgen_test]
async fn replace_home_replaces_the_old_copy() {
    let (_, db) = fresh_db("replace").await;
    db.replace_home(&records(
        vec![resident(1, "Ada", "3"), resident(2, "Bob", "12")],
        vec![allergy(1, 1, "Latex"), note(2, 2)],
        at(2026, 3, 1),
    ))
    .await
    .expect("first download");

    // Ada has left; Bob's note was removed at the source; Cy arrived.
    db.replace_home(&records(
        vec![resident(2, "Bob", "14"), resident(3, "Cy", "5")],
        vec![dnacpr(3, 3)],
        at(2026, 3, 2),
    ))
    .await
    .expect("second download");

    let mut names: Vec<String> = db
        .residents()
        .await
        .expect("read")
        .into_iter()
        .map(|r| format!("{} {}", r.resident.name.given, r.resident.room))
        .collect();
    names.sort();
    assert_eq!(names, vec!["Bob 14", "Cy 5"]);
    assert_eq!(
        db.resident(PersonId(Uuid::from_u128(1)))
            .await
            .expect("read"),
        None
    );
    assert!(
        db.entries_for(PersonId(Uuid::from_u128(1)))
            .await
            .expect("read")
            .is_empty()
    );
    assert!(
        db.entries_for(PersonId(Uuid::from_u128(2)))
            .await
            .expect("read")
            .is_empty()
    );
    assert_eq!(
        ids(&db
            .entries_for(PersonId(Uuid::from_u128(3)))
            .await
            .expect("read")),
        vec![3]
    );
    assert!(db.residents_in_room("12").await.expect("read").is_empty());
    assert_eq!(db.as_of().await.expect("read"), Some(at(2026, 3, 2)));
}

#[wasm_bindgen_test]
async fn wipe_removes_records_and_session() {
    let (_, db) = fresh_db("wipe").await;
    db.replace_home(&records(
        vec![resident(1, "Ada", "3")],
        vec![note(1, 1)],
        at(2026, 3, 1),
    ))
    .await
    .expect("download");
    db.set_session(&session()).await.expect("session");
    assert_eq!(
        db.residents().await.expect("read").len(),
        1,
        "stored before the wipe"
    );

    db.wipe().await.expect("wipe");
    // A wipe signs everyone out: the tablet is locked, PINs gone, enrolment kept.
    assert!(!db.is_unlocked());
    assert!(db.pin_holders().await.expect("read").is_empty());
    assert!(db.enrolment().await.expect("read").is_some());
    unlock(&db).await;

    let local = db.load_home().await.expect("read");
    assert!(local.residents.is_empty());
    assert_eq!(local.home, None);
    assert_eq!(local.as_of, None);
    assert!(
        db.entries_for(PersonId(Uuid::from_u128(1)))
            .await
            .expect("read")
            .is_empty()
    );
}

/// The download as the browser parses it: the server's JSON through `JSON.parse`.
fn parsed(records: &HomeRecords) -> wasm_bindgen::JsValue {
    let json = serde_json::to_string(records).expect("serialises");
    js_sys::JSON::parse(&json).expect("parses")
}

#[wasm_bindgen_test]
async fn a_parsed_download_is_stored_as_the_typed_one_would_be() {
    let (_, raw_db) = fresh_db("raw").await;
    let (_, typed_db) = fresh_db("typed").await;
    let home_records = records(
        vec![resident(1, "Ada", "3"), resident(2, "Bob", "12")],
        vec![allergy(1, 1, "Penicillin"), dnacpr(2, 2), note(3, 1)],
        at(2026, 3, 1),
    );
    // A field from a newer server, which this version's types do not have.
    let body = parsed(&home_records);
    let first_entry = js_sys::Reflect::get(&body, &"entries".into())
        .and_then(|entries| js_sys::Reflect::get(&entries, &0.into()))
        .expect("an entry");
    js_sys::Reflect::set(&first_entry, &"added_later".into(), &"kept".into()).expect("set");

    let raw = RawRecords::from_js(&body).expect("has both arrays");
    raw_db
        .replace_home_raw(&home_records, &raw)
        .await
        .expect("raw");
    typed_db.replace_home(&home_records).await.expect("typed");

    for id in [1, 2] {
        let person = PersonId(Uuid::from_u128(id));
        assert_eq!(
            raw_db.resident(person).await.expect("read"),
            typed_db.resident(person).await.expect("read"),
        );
        assert_eq!(
            raw_db.entries_for(person).await.expect("read"),
            typed_db.entries_for(person).await.expect("read"),
        );
    }
    let ada = raw_db
        .resident(PersonId(Uuid::from_u128(1)))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        ada.banner.allergies,
        AllergyState::Allergies {
            substances: vec!["Penicillin".into()]
        }
    );
    assert_eq!(raw_db.residents_in_room("12").await.expect("read").len(), 1);
    assert_eq!(raw_db.as_of().await.expect("read"), Some(at(2026, 3, 1)));
}

#[wasm_bindgen_test]
async fn parsed_values_that_do_not_match_the_download_are_not_stored() {
    let (_, db) = fresh_db("raw-mismatch").await;
    let home_records = records(
        vec![resident(1, "Ada", "3")],
        vec![allergy(1, 1, "Penicillin")],
        at(2026, 3, 1),
    );
    let other = records(
        vec![resident(5, "Eve", "9")],
        vec![note(7, 5)],
        at(2026, 3, 1),
    );
    let raw = RawRecords::from_js(&parsed(&other)).expect("has both arrays");
    db.replace_home_raw(&home_records, &raw)
        .await
        .expect("stored");

    let names: Vec<String> = db
        .residents()
        .await
        .expect("read")
        .into_iter()
        .map(|r| r.resident.name.given)
        .collect();
    assert_eq!(names, vec!["Ada"]);
    assert_eq!(
        ids(&db
            .entries_for(PersonId(Uuid::from_u128(1)))
            .await
            .expect("read")),
        vec![1]
    );
    assert!(
        db.entries_for(PersonId(Uuid::from_u128(5)))
            .await
            .expect("read")
            .is_empty()
    );
}
