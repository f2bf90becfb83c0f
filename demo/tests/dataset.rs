//! The demo dataset's promises: deterministic, the right homes and staff, valid synthetic
//! identifiers, and records that exercise every part of the resident summary.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use bedside_demo::{DEFAULT_SEED, DEMO_PASSWORD, Dataset, Resident, generate};
use bedside_domain::api::Role;
use bedside_domain::dates::age_on;
use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, CprDecision, DocumentType, Entry, EntryBody, LabValue,
    MedicationStatus, ResidencyStatus, StayStatus,
};
use bedside_domain::summary::{self, AllergyState, CprState, lab_series, medication_lines};
use bedside_domain::{EntryId, NhsNumber, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 12).expect("valid date")
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("valid time").and_utc()
}

fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| generate(DEFAULT_SEED, anchor()))
}

/// The resident's drafts as stored entries, so the domain's summary rules can read them.
fn entries(r: &Resident) -> Vec<Entry> {
    let person = PersonId(Uuid::from_u128(1));
    r.entries
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, d)| d.into_entry(EntryId(Uuid::from_u128(i as u128 + 10)), person))
        .collect()
}

/// Everything in the dataset as JSON text: what a store would write.
fn as_json(data: &Dataset) -> String {
    let homes: Vec<serde_json::Value> = data
        .homes
        .iter()
        .map(|h| {
            serde_json::json!({
                "name": h.name,
                "ods_code": h.ods_code,
                "staff": h.staff.iter().map(|s| (s.username.clone(), s.role)).collect::<Vec<_>>(),
                "residents": h.residents.iter().map(|r| serde_json::json!({
                    "nhs_number": r.nhs_number,
                    "name": r.name,
                    "birth_date": r.birth_date,
                    "sex": r.sex,
                    "gp_practice": r.gp_practice,
                    "room": r.room,
                    "admitted_on": r.admitted_on,
                    "status": r.status,
                    "entries": r.entries.iter().map(|e| serde_json::json!({
                        "provenance": e.provenance,
                        "body": e.body,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string(&homes).expect("serialises")
}

/// FNV-1a: a fixed, dependency-free hash, the same on every platform.
fn fnv1a(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[test]
fn same_seed_and_anchor_give_identical_output() {
    let again = generate(DEFAULT_SEED, anchor());
    assert_eq!(&again, dataset());
    assert_eq!(as_json(&again), as_json(dataset()));
    assert_eq!(format!("{again:?}"), format!("{:?}", dataset()));
}

#[test]
fn output_is_byte_identical_to_the_recorded_fingerprint() {
    // The same bytes on every platform and every run. If you change the generator on
    // purpose, print the new value and update it here.
    let json = as_json(dataset());
    assert_eq!(
        fnv1a(&json),
        GOLDEN_FINGERPRINT,
        "demo data changed: fingerprint is now {:#018x}",
        fnv1a(&json)
    );
}

const GOLDEN_FINGERPRINT: u64 = 0x2d2e_2c50_379c_d270;

#[test]
fn a_different_seed_gives_different_people() {
    let other = generate(DEFAULT_SEED + 1, anchor());
    assert_ne!(as_json(&other), as_json(dataset()));
    let names = |d: &Dataset| d.residents().map(|r| r.name.full()).collect::<Vec<_>>();
    assert_ne!(names(&other), names(dataset()));
}

#[test]
fn homes_residents_and_staff() {
    let data = dataset();
    let summary: Vec<(&str, usize)> = data
        .homes
        .iter()
        .map(|h| (h.name.as_str(), h.residents.len()))
        .collect();
    assert_eq!(summary, vec![("Oak Lodge", 40), ("Riverside House", 120)]);
    let staff: Vec<Vec<(&str, Role)>> = data
        .homes
        .iter()
        .map(|h| {
            h.staff
                .iter()
                .map(|s| (s.username.as_str(), s.role))
                .collect()
        })
        .collect();
    assert_eq!(
        staff,
        vec![
            vec![
                ("oak.carer", Role::Carer),
                ("oak.senior", Role::Senior),
                ("oak.manager", Role::Manager),
                ("admin", Role::Admin),
            ],
            vec![
                ("river.carer", Role::Carer),
                ("river.senior", Role::Senior),
                ("river.manager", Role::Manager),
            ],
        ]
    );
    assert_eq!(DEMO_PASSWORD, "demo-password");
}

#[test]
fn nhs_numbers_are_valid_synthetic_and_unique() {
    let mut seen = BTreeSet::new();
    for r in dataset().residents() {
        let digits = r.nhs_number.digits();
        assert_eq!(NhsNumber::parse(&digits), Ok(r.nhs_number), "{digits}");
        assert!(
            r.nhs_number.is_test_range(),
            "{digits} is not in the 999 range"
        );
        assert!(seen.insert(digits.clone()), "{digits} used twice");
    }
    assert_eq!(seen.len(), 160);
}

#[test]
fn rooms_are_unique_within_each_home() {
    for h in &dataset().homes {
        let rooms: BTreeSet<&str> = h.residents.iter().map(|r| r.room.as_str()).collect();
        assert_eq!(rooms.len(), h.residents.len(), "{}", h.name);
        assert!(rooms.iter().all(|r| !r.is_empty()));
    }
}

#[test]
fn residents_are_68_to_102_and_were_admitted_within_six_years() {
    for r in dataset().residents() {
        let age = age_on(r.birth_date, anchor()).expect("born before the anchor");
        assert!((68..=102).contains(&age), "{} is {age}", r.name.full());
        let days = (anchor() - r.admitted_on).num_days();
        assert!((1..=6 * 366).contains(&days), "admitted {days} days ago");
        assert!(r.gp_practice.is_some());
    }
}

fn count(r: &Resident, pred: impl Fn(&EntryBody) -> bool) -> usize {
    r.entries.iter().filter(|e| pred(&e.body)).count()
}

#[test]
fn every_record_has_conditions_medicines_and_discharge_summaries() {
    for r in dataset().residents() {
        let who = r.name.full();
        let conditions = count(r, |b| matches!(b, EntryBody::Condition { .. }));
        assert!(
            (3..=8).contains(&conditions),
            "{who}: {conditions} conditions"
        );
        let orders = count(r, |b| matches!(b, EntryBody::MedicationOrder { .. }));
        assert!(
            (5..=12).contains(&orders),
            "{who}: {orders} medication orders"
        );
        let discharges = count(r, |b| {
            matches!(
                b,
                EntryBody::Document {
                    doc_type: DocumentType::DischargeSummary,
                    ..
                }
            )
        });
        assert!(
            (1..=3).contains(&discharges),
            "{who}: {discharges} discharge summaries"
        );
        let care_plan = count(r, |b| matches!(b, EntryBody::CarePlanSection { .. }));
        assert!(
            (4..=7).contains(&care_plan),
            "{who}: {care_plan} care plan sections"
        );
        let e = entries(r);
        let about = summary::about_me(&e);
        assert!(about.len() >= 4, "{who}: {} About Me topics", about.len());
    }
}

#[test]
fn each_discharge_summary_has_its_finished_stay() {
    for r in dataset().residents() {
        for e in &r.entries {
            if let EntryBody::Document {
                doc_type: DocumentType::DischargeSummary,
                period_start: Some(start),
                period_end: Some(end),
                sections,
                ..
            } = &e.body
            {
                assert!(start <= end);
                let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
                for want in ["Reason for admission", "Diagnoses", "Medication changes"] {
                    assert!(titles.contains(&want), "{titles:?}");
                }
                let matched = r.entries.iter().any(|s| {
                    matches!(
                        &s.body,
                        EntryBody::HospitalStay {
                            admitted_on,
                            discharged_on: Some(d),
                            status: StayStatus::Finished,
                            ..
                        } if admitted_on == start && d == end
                    )
                });
                assert!(
                    matched,
                    "{}: no stay for the summary of {start}",
                    r.name.full()
                );
            }
        }
    }
}

#[test]
fn five_blood_tests_span_at_least_eighteen_months() {
    let tests = ["HbA1c", "eGFR", "Haemoglobin", "Sodium", "CRP"];
    for r in dataset().residents() {
        let e = entries(r);
        for name in tests {
            let key = e
                .iter()
                .find_map(|x| match &x.body {
                    EntryBody::LabResult { test, .. } if test.text == name => Some(test.key()),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{}: no {name}", r.name.full()));
            let series = lab_series(&e, &key);
            let first = summary::lab_point(series[0]).expect("numeric").0;
            let last = summary::lab_point(series[series.len() - 1])
                .expect("numeric")
                .0;
            assert!(
                (last - first).num_days() >= 548,
                "{}: {name} spans only {} days",
                r.name.full(),
                (last - first).num_days()
            );
        }
    }
}

#[test]
fn lab_flags_agree_with_the_reference_range() {
    let mut flagged = 0;
    for r in dataset().residents() {
        for e in &r.entries {
            if let EntryBody::LabResult {
                value: LabValue::Quantity { value, .. },
                reference_range: Some(range),
                flag: Some(flag),
                taken_at,
                ..
            } = &e.body
            {
                let expected = if range.low.is_some_and(|l| *value < l) {
                    AbnormalFlag::Low
                } else if range.high.is_some_and(|h| *value > h) {
                    AbnormalFlag::High
                } else {
                    AbnormalFlag::Normal
                };
                assert_eq!(*flag, expected, "{value} against {range:?}");
                assert!(value.fract() == 0.0 && *value > 0.0, "{value}");
                assert!(
                    *taken_at <= e.provenance.authored_at,
                    "reported before taken"
                );
                if flag.is_abnormal() {
                    flagged += 1;
                }
            }
        }
    }
    assert!(
        flagged > 100,
        "frail people have abnormal results: {flagged}"
    );
}

#[test]
fn about_a_third_have_allergies_and_both_other_states_appear_in_each_home() {
    let mut total = 0;
    let mut allergic = 0;
    for h in &dataset().homes {
        let (mut a, mut nka, mut none) = (0, 0, 0);
        for r in &h.residents {
            match summary::allergy_state(&entries(r)) {
                AllergyState::Allergies { substances } => {
                    assert!(!substances.is_empty());
                    a += 1;
                }
                AllergyState::NoKnownAllergies => nka += 1,
                AllergyState::NotRecorded => none += 1,
            }
        }
        assert!(
            nka > a && none >= 1,
            "{}: {a} allergic, {nka} NKA, {none} not recorded",
            h.name
        );
        total += h.residents.len();
        allergic += a;
    }
    let share = allergic * 100 / total;
    assert!((28..=38).contains(&share), "{share}% with allergies");
}

#[test]
fn most_have_a_resuscitation_decision_and_a_dnacpr_form_never_says_for_cpr() {
    let mut recorded = 0;
    let mut for_cpr = 0;
    let mut not_recorded = 0;
    for r in dataset().residents() {
        let e = entries(r);
        match summary::banner(&to_domain_resident(r), &e).cpr {
            CprState::Recorded {
                form,
                cpr,
                agreed_on,
            } => {
                recorded += 1;
                assert!(agreed_on < anchor());
                if cpr == CprDecision::ForCpr {
                    for_cpr += 1;
                    assert_eq!(form, AdvanceCareForm::Respect);
                }
            }
            CprState::NotRecorded => not_recorded += 1,
        }
    }
    assert!(recorded >= 130, "{recorded} of 160 recorded");
    assert!(not_recorded >= 2, "some must show 'not recorded'");
    assert!(for_cpr >= 3 && for_cpr < recorded / 3, "{for_cpr} for CPR");
}

fn to_domain_resident(r: &Resident) -> bedside_domain::record::Resident {
    bedside_domain::record::Resident {
        id: PersonId(Uuid::from_u128(1)),
        home_id: bedside_domain::HomeId(Uuid::from_u128(2)),
        nhs_number: r.nhs_number,
        name: r.name.clone(),
        birth_date: r.birth_date,
        sex: r.sex,
        gp_practice: r.gp_practice.clone(),
        room: r.room.clone(),
        admitted_on: r.admitted_on,
        status: r.status,
        spo2_scale: Default::default(),
    }
}

#[test]
fn two_or_three_residents_are_in_hospital_now_at_least_one_per_home() {
    let mut total = 0;
    for h in &dataset().homes {
        let mut here = 0;
        for r in &h.residents {
            let e = entries(r);
            let open = summary::current_stay(&e);
            if r.status == ResidencyStatus::InHospital {
                here += 1;
                let stay = open.unwrap_or_else(|| panic!("{} has no open stay", r.name.full()));
                match &stay.body {
                    EntryBody::HospitalStay {
                        admitted_on,
                        expected_discharge: Some(expected),
                        reason: Some(_),
                        ward: Some(_),
                        ..
                    } => {
                        let days = (anchor() - *admitted_on).num_days();
                        assert!((1..=7).contains(&days), "admitted {days} days ago");
                        assert!(*expected > anchor());
                    }
                    other => panic!("unexpected {other:?}"),
                }
                let banner = summary::banner(&to_domain_resident(r), &e);
                assert!(banner.in_hospital.and_then(|s| s.hospital).is_some());
            } else {
                assert!(
                    open.is_none(),
                    "{} has an open stay but is at home",
                    r.name.full()
                );
            }
        }
        assert!(here >= 1, "{} has nobody in hospital", h.name);
        total += here;
    }
    assert!((2..=3).contains(&total), "{total} in hospital");
}

#[test]
fn nothing_is_dated_on_or_after_the_anchor_day() {
    let limit = midnight(anchor());
    for r in dataset().residents() {
        for e in &r.entries {
            let p = &e.provenance;
            assert!(
                p.authored_at < limit,
                "{:?} authored {}",
                e.body.kind(),
                p.authored_at
            );
            assert!(p.received_at >= p.authored_at);
            assert!(p.received_at < limit);
            assert!(!p.organisation.is_empty() && p.ods_code.is_some());
            let day = p.authored_at.date_naive();
            match &e.body {
                EntryBody::MedicationSupply { dispensed_on, .. } => assert!(*dispensed_on <= day),
                EntryBody::MedicationOrder { prescribed_on, .. } => assert!(*prescribed_on <= day),
                EntryBody::Document {
                    period_end: Some(end),
                    ..
                } => assert!(*end <= day),
                EntryBody::Condition {
                    onset: Some(onset), ..
                } => assert!(*onset <= day),
                EntryBody::HospitalStay {
                    admitted_on,
                    discharged_on,
                    ..
                } => {
                    assert!(*admitted_on <= day);
                    assert!(discharged_on.is_none_or(|d| d <= day && d >= *admitted_on));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn supplies_join_their_orders_except_the_deliberately_awaited_ones() {
    let mut awaiting_residents = 0;
    let mut recently_supplied = 0;
    let mut active_lines = 0;
    for r in dataset().residents() {
        let e = entries(r);
        let lines = medication_lines(&e);
        let orders = count(r, |b| matches!(b, EntryBody::MedicationOrder { .. }));
        assert!(!lines.is_empty() && lines.len() <= orders);
        let mut awaiting_here = 0;
        for line in &lines {
            if line.supplies.is_empty() {
                // Only a prescription from the last few days may have no supply yet.
                assert_eq!(
                    line.status,
                    MedicationStatus::Active,
                    "{}",
                    line.medicine.text
                );
                let days = (anchor() - line.prescribed_on).num_days();
                assert!(
                    (1..=7).contains(&days),
                    "{}: {days} days",
                    line.medicine.text
                );
                awaiting_here += 1;
                assert!(line.days_awaiting_supply(anchor()).is_some());
            } else if line.status == MedicationStatus::Active {
                active_lines += 1;
                assert_eq!(
                    line.days_awaiting_supply(anchor()),
                    None,
                    "{}",
                    line.medicine.text
                );
                let last = line.last_supply().expect("supplied").dispensed_on;
                if (anchor() - last).num_days() <= 28 {
                    recently_supplied += 1;
                }
            }
        }
        if awaiting_here > 0 {
            awaiting_residents += 1;
        }
    }
    assert!(
        (1..=2).contains(&awaiting_residents),
        "{awaiting_residents} awaiting supply"
    );
    // Regular medicines come every 28 days; "when required" ones less often.
    assert!(
        recently_supplied * 100 / active_lines >= 75,
        "{recently_supplied} of {active_lines} supplied in the last 28 days"
    );
}

#[test]
fn some_residents_have_ambulance_or_emergency_department_summaries() {
    let with = dataset()
        .residents()
        .filter(|r| {
            r.entries.iter().any(|e| {
                matches!(
                    e.body,
                    EntryBody::Document {
                        doc_type: DocumentType::Ambulance | DocumentType::EmergencyDepartment,
                        ..
                    }
                )
            })
        })
        .count();
    assert!((30..=70).contains(&with), "{with} of 160");
}

#[test]
fn another_anchor_moves_everything_with_it() {
    // A leap day, to make sure no date arithmetic trips over it.
    let leap = NaiveDate::from_ymd_opt(2028, 2, 29).expect("valid date");
    let data = generate(DEFAULT_SEED, leap);
    let limit = midnight(leap);
    for r in data.residents() {
        let age = age_on(r.birth_date, leap).expect("born");
        assert!((68..=102).contains(&age));
        assert!(r.entries.iter().all(|e| e.provenance.authored_at < limit));
    }
    // The same residents (identifiers and rooms do not depend on the anchor).
    let ids = |d: &Dataset| {
        d.residents()
            .map(|r| (r.nhs_number, r.room.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&data), ids(dataset()));
}
