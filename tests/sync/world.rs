//! The homes the sync tests run in: staff, residents with a few entries from outside and a
//! home-authored care plan section, a hospital that sends FHIR, and helpers to read the
//! server's side of things for comparison with a tablet's copy.

use std::collections::BTreeMap;

use bedside_backend::admin;

use bedside_backend::store::{NewEntry, Store};
use bedside_domain::api::Role;
use bedside_domain::news2::{AirOrOxygen, Consciousness, Observations};
use bedside_domain::record::*;
use bedside_domain::sync::wire::{Cursor, SectionKey};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId};
use bedside_tests::client::Tablet;
pub use bedside_tests::fixtures::{admitted_person, day, nhs, provenance};
use bedside_tests::{PASSWORD, TestApp, spawn_app, workspace_root};
use serde_json::{Value, json};

/// Richard Smith of the UK Core examples: sent by the hospital as FHIR.
pub const RICHARD: &str = "9912003888";
pub const CARE_PLAN_AREA: &str = "Mobility";

/// One home with a carer, a senior and two residents.
pub struct Home {
    pub id: HomeId,
    pub carer: String,
    pub senior: String,
    pub residents: Vec<PersonId>,
    /// The care plan section each resident starts with (home-authored, version 1).
    pub sections: Vec<EntryId>,
}

pub struct World {
    pub app: TestApp,
    pub oak: Home,
}

pub fn care_plan(area: &str, need: &str) -> EntryBody {
    EntryBody::CarePlanSection {
        area: area.into(),
        need: need.into(),
        goal: "Stays safe and independent".into(),
        support: "One carer, walking frame".into(),
        preferences: None,
        review_on: None,
    }
}

pub fn care_plan_key(area: &str) -> SectionKey {
    SectionKey::CarePlan { area: area.into() }
}

/// Observations that score 0 everywhere.
pub fn normal_obs() -> Observations {
    Observations {
        respiration_rate: 16,
        spo2: 97,
        air_or_oxygen: AirOrOxygen::Air,
        systolic_bp: 120,
        pulse: 70,
        consciousness: Consciousness::Alert,
        temperature_tenths: 370,
    }
}

/// Adds a person with an allergy, a DNACPR decision and a care plan section, and admits
/// them to `home`. Returns the person and the section.
pub async fn resident(
    app: &TestApp,
    home: HomeId,
    n: u32,
    given: &str,
    room: &str,
) -> (PersonId, EntryId) {
    let person = admitted_person(app, home, n, given, room).await;
    let ids = app
        .store
        .add_entries(
            person,
            &[
                NewEntry {
                    provenance: provenance("Test Surgery"),
                    body: EntryBody::Allergy {
                        substance: Concept::text(format!("Penicillin ({given})")),
                        reaction: Some("Rash".into()),
                        severity: Some(Severity::Moderate),
                        clinical_status: ClinicalStatus::Active,
                    },
                },
                NewEntry {
                    provenance: provenance("Test Hospital"),
                    body: EntryBody::AdvanceCarePlan {
                        form: AdvanceCareForm::Respect,
                        cpr: CprDecision::NotForCpr,
                        recommendations: Some("Ward-based care".into()),
                        agreed_on: day(2026, 2, 3),
                        review_on: None,
                    },
                },
                NewEntry {
                    provenance: provenance("The home"),
                    body: care_plan(CARE_PLAN_AREA, "Needs help to walk"),
                },
            ],
        )
        .await
        .expect("entries");
    (person, ids[2])
}

/// A home called `name` with `{prefix}.carer`, `{prefix}.senior` and two residents
/// (numbered from `first`).
pub async fn home(app: &TestApp, name: &str, prefix: &str, first: u32) -> Home {
    let id = app.add_home(name).await;
    let carer = format!("{prefix}.carer");
    let senior = format!("{prefix}.senior");
    app.add_staff(id, &carer, Role::Carer).await;
    app.add_staff(id, &senior, Role::Senior).await;
    let mut residents = Vec::new();
    let mut sections = Vec::new();
    for (i, given) in ["Ada", "Bea"].iter().enumerate() {
        let (p, s) = resident(app, id, first + i as u32, given, &(i + 1).to_string()).await;
        residents.push(p);
        sections.push(s);
    }
    Home {
        id,
        carer,
        senior,
        residents,
        sections,
    }
}

pub async fn world() -> World {
    let app = spawn_app().await;
    let oak = home(&app, "Oak Lodge", "oak", 1).await;
    World { app, oak }
}

/// Oak Lodge and Riverside House, each with its own staff and residents.
pub async fn two_homes() -> (World, Home) {
    let w = world().await;
    let river = home(&w.app, "Riverside House", "river", 50).await;
    (w, river)
}

pub async fn tablet(app: &TestApp, username: &str) -> Tablet {
    Tablet::sign_in(&app.base, username, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("sign-in as {username}: {e}"))
}

/// A tablet that has synced once.
pub async fn synced(app: &TestApp, username: &str) -> Tablet {
    let mut t = tablet(app, username).await;
    t.pull().await.expect("first sync");
    t
}

/// Row counts of every table a push or an ingest writes to.
pub async fn counts(app: &TestApp) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    for table in [
        "entries",
        "entry_versions",
        "mutations",
        "changes",
        "devices",
    ] {
        out.insert(table, app.count(table).await);
    }
    out
}

/// The home's current residents and entries as the store holds them (not through the
/// sync endpoints).
pub async fn server_state(
    app: &TestApp,
    home: HomeId,
) -> (BTreeMap<PersonId, Resident>, BTreeMap<EntryId, Entry>) {
    let (residents, entries) = app.store.home_records(home).await.expect("home records");
    (
        residents.into_iter().map(|r| (r.id, r)).collect(),
        entries.into_iter().map(|e| (e.id, e)).collect(),
    )
}

/// What a tablet shows: its current entries (not entered in error, not provisional).
pub fn tablet_state(t: &Tablet) -> (BTreeMap<PersonId, Resident>, BTreeMap<EntryId, Entry>) {
    (
        t.residents.clone(),
        t.current_entries()
            .map(|e| (e.id, e.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// The tablet holds exactly the server's current records for the home: the same
/// residents, the same entries at the same versions, and nothing provisional left.
pub async fn assert_converged(t: &Tablet, app: &TestApp, home: HomeId) {
    let (residents, entries) = server_state(app, home).await;
    let (t_residents, t_entries) = tablet_state(t);
    let provisional: Vec<_> = t.entries.values().filter(|e| e.version == 0).collect();
    assert!(
        provisional.is_empty(),
        "{}: {} provisional entries left after a full sync",
        t.username,
        provisional.len()
    );
    assert_eq!(
        t_residents.keys().collect::<Vec<_>>(),
        residents.keys().collect::<Vec<_>>(),
        "{}: residents",
        t.username
    );
    assert_eq!(t_residents, residents, "{}: resident details", t.username);
    let versions = |m: &BTreeMap<EntryId, Entry>| {
        m.values()
            .map(|e| (e.id, e.version, e.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        versions(&t_entries),
        versions(&entries),
        "{}: entries (id, version, status)",
        t.username
    );
    assert_eq!(t_entries, entries, "{}: entry contents", t.username);
}

/// The epoch of a home's log, from the store.
pub async fn epoch(app: &TestApp, home: HomeId) -> String {
    app.store.sync_head(home).await.expect("head").epoch
}

pub fn cursor(epoch: &str, seq: u64) -> Cursor {
    Cursor {
        epoch: epoch.into(),
        seq,
    }
}

// ----- FHIR from a hospital -----

pub fn fixture(name: &str) -> Value {
    let path = workspace_root().join(format!("tests/fixtures/ukcore/UKCore-{name}-Example.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture JSON")
}

pub fn transaction(resources: Vec<Value>) -> Value {
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|resource| {
            let t = resource["resourceType"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let id = resource["id"].as_str().unwrap_or_default().to_owned();
            json!({
                "fullUrl": format!("https://example.nhs.uk/fhir/{t}/{id}"),
                "resource": resource,
                "request": { "method": "PUT", "url": format!("{t}/{id}") }
            })
        })
        .collect();
    json!({ "resourceType": "Bundle", "type": "transaction", "entry": entries })
}

/// Sends a transaction as the hospital; panics unless it is accepted.
pub async fn send_fhir(app: &TestApp, hospital: &str, bundle: &Value) {
    let (status, body) = app
        .fhir(reqwest::Method::POST, "/fhir", hospital, bundle)
        .await;
    assert_eq!(status, 200, "FHIR transaction: {body}");
}

/// Richard's Patient from the hospital, and his admission to `home`.
pub async fn admit_richard(app: &TestApp, hospital: &str, home: HomeId, room: &str) -> PersonId {
    send_fhir(
        app,
        hospital,
        &transaction(vec![fixture("Patient-RichardSmith")]),
    )
    .await;
    let nhs = NhsNumber::parse(RICHARD).expect("valid");
    admin::admit(
        &app.store,
        home,
        nhs,
        room,
        day(2026, 1, 5),
        ResidencyStatus::InHome,
    )
    .await
    .expect("admit Richard");
    app.store
        .person_by_nhs(nhs)
        .await
        .expect("lookup")
        .expect("Richard is held")
}

/// Richard's amoxicillin allergy as the hospital sends it: current, or entered in error.
/// `version` makes each sending different content, so each is a new version.
pub fn amoxicillin(retracted: bool, version: u32) -> Value {
    let mut a = fixture("AllergyIntolerance-Amoxicillin");
    a["note"] = json!([{ "text": format!("Reviewed ({version})") }]);
    if retracted {
        a["verificationStatus"] = json!({
            "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                "code": "entered-in-error"
            }]
        });
    }
    a
}
