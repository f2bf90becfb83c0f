//! Synthetic people shared by the black-box and sync tests, made through the server's own
//! store and admin operations.

use bedside_backend::admin;
use bedside_backend::store::{NewPerson, Store};
use bedside_domain::record::{PersonName, Provenance, ResidencyStatus, Sex};
use bedside_domain::{HomeId, NhsNumber, PersonId};
use chrono::{NaiveDate, TimeZone, Utc};

use crate::TestApp;

/// The n-th synthetic NHS number in the 999 test range.
pub fn nhs(n: u32) -> NhsNumber {
    (n..)
        .find_map(|i| {
            let d = |k: u32| (i / 10u32.pow(k) % 10) as u8;
            NhsNumber::from_prefix([9, 9, 9, d(5), d(4), d(3), d(2), d(1), d(0)])
        })
        .expect("some prefix has a check digit")
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Provenance from `org`, written and received at a fixed time.
pub fn provenance(org: &str) -> Provenance {
    let t = Utc
        .with_ymd_and_hms(2026, 10, 1, 9, 30, 0)
        .single()
        .expect("valid time");
    Provenance {
        organisation: org.into(),
        ods_code: None,
        system: None,
        source_id: None,
        author: None,
        authored_at: t,
        received_at: t,
    }
}

/// Adds "`given` Testperson" with the n-th test NHS number and admits them to `home` in
/// `room`; their record starts empty.
pub async fn admitted_person(
    app: &TestApp,
    home: HomeId,
    n: u32,
    given: &str,
    room: &str,
) -> PersonId {
    let number = nhs(n);
    let person = app
        .store
        .upsert_person(
            &NewPerson {
                nhs_number: number,
                name: PersonName {
                    given: given.into(),
                    family: "Testperson".into(),
                    preferred: None,
                },
                birth_date: day(1938, 4, 2),
                sex: Sex::Female,
                gp_practice: Some("Test Surgery".into()),
            },
            Utc::now(),
        )
        .await
        .expect("person");
    admin::admit(
        &app.store,
        home,
        number,
        room,
        day(2024, 5, 1),
        ResidencyStatus::InHome,
    )
    .await
    .expect("admit");
    person
}
