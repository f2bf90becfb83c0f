use bedside_backend::admin;
use bedside_domain::api::{ApiError, ErrorCode, HomeRecords, ResidentRecord, Role};
use bedside_domain::record::{EntryBody, ResidencyStatus, Resident};
use bedside_tests::spawn_app;

use crate::fixtures::{day, nhs, resident};

#[tokio::test]
async fn staff_see_only_their_own_homes_residents() {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    app.add_staff(oak, "oak.carer", Role::Carer).await;
    app.add_staff(river, "river.carer", Role::Carer).await;
    let ada = resident(&app, oak, 1, "Ada", "10").await;
    let bea = resident(&app, oak, 2, "Bea", "2").await;
    let cat = resident(&app, river, 3, "Cat", "1").await;

    let oak_token = app.login("oak.carer").await;
    let river_token = app.login("river.carer").await;

    let list: Vec<Resident> = app
        .get("/api/v1/residents", &oak_token)
        .await
        .json()
        .await
        .expect("list");
    let ids: Vec<_> = list.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        vec![bea, ada],
        "Oak's residents only, room 2 before room 10"
    );
    assert!(list.iter().all(|r| r.home_id == oak));

    let record: ResidentRecord = app
        .get(&format!("/api/v1/residents/{ada}"), &oak_token)
        .await
        .json()
        .await
        .expect("record");
    assert_eq!(record.resident.id, ada);
    assert_eq!(record.resident.nhs_number, nhs(1));
    assert_eq!(record.entries.len(), 2);
    assert!(record.entries.iter().all(|e| e.person_id == ada));

    // Another home's resident, a made-up id and someone who is nobody's resident all
    // answer the same 404, revealing nothing.
    let made_up = uuid::Uuid::new_v4();
    let mut bodies = Vec::new();
    for (token, id) in [
        (&oak_token, cat.to_string()),
        (&river_token, ada.to_string()),
        (&oak_token, made_up.to_string()),
    ] {
        let res = app.get(&format!("/api/v1/residents/{id}"), token).await;
        assert_eq!(res.status(), 404, "{id}");
        let e: ApiError = res.json().await.expect("error body");
        assert_eq!(e.code, ErrorCode::NotFound);
        bodies.push(e);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));

    let res = app.get("/api/v1/residents/not-an-id", &oak_token).await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn the_home_download_holds_only_the_homes_residents_and_their_entries() {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    app.add_staff(oak, "oak.carer", Role::Carer).await;
    let ada = resident(&app, oak, 1, "Ada", "1").await;
    let cat = resident(&app, river, 3, "Cat", "1").await;

    let token = app.login("oak.carer").await;
    let res = app.get("/api/v1/records", &token).await;
    assert_eq!(res.status(), 200);
    let records: HomeRecords = res.json().await.expect("records");
    assert_eq!(records.home.id, oak);
    assert_eq!(records.home.name, "Oak Lodge");
    assert_eq!(records.residents.len(), 1);
    assert_eq!(records.residents[0].id, ada);
    assert_eq!(records.entries.len(), 2);
    assert!(records.entries.iter().all(|e| e.person_id == ada));
    assert!(records.entries.iter().all(|e| e.person_id != cat));
    assert!(
        records
            .entries
            .iter()
            .any(|e| matches!(&e.body, EntryBody::Allergy { substance, .. } if substance.text == "Penicillin (Ada)"))
    );
    assert!((chrono::Utc::now() - records.as_of).num_seconds().abs() < 60);
}

#[tokio::test]
async fn a_resident_who_left_is_gone_from_the_home() {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    app.add_staff(oak, "oak.carer", Role::Carer).await;
    let ada = resident(&app, oak, 1, "Ada", "1").await;
    let token = app.login("oak.carer").await;
    assert_eq!(
        app.get(&format!("/api/v1/residents/{ada}"), &token)
            .await
            .status(),
        200
    );

    admin::leave(&app.store, nhs(1), ResidencyStatus::Left, day(2026, 11, 1))
        .await
        .expect("leave");

    assert_eq!(
        app.get(&format!("/api/v1/residents/{ada}"), &token)
            .await
            .status(),
        404
    );
    let records: HomeRecords = app
        .get("/api/v1/records", &token)
        .await
        .json()
        .await
        .expect("records");
    assert!(records.residents.is_empty());
    assert!(records.entries.is_empty());

    // They can be admitted again (to the same or another home), and are visible again.
    admin::admit(
        &app.store,
        oak,
        nhs(1),
        "7",
        day(2026, 11, 20),
        ResidencyStatus::InHome,
    )
    .await
    .expect("re-admit");
    assert_eq!(
        app.get(&format!("/api/v1/residents/{ada}"), &token)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_person_lives_in_one_home_at_a_time() {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    resident(&app, oak, 1, "Ada", "1").await;
    let err = admin::admit(
        &app.store,
        river,
        nhs(1),
        "4",
        day(2026, 1, 1),
        ResidencyStatus::InHome,
    )
    .await
    .expect_err("already resident in Oak Lodge");
    assert!(err.to_string().contains("already lives in a home"), "{err}");
}
