//! The audit log: every read of a resident's record by staff writes exactly one event;
//! reads of another home's ids answer 404 and write nothing; tablets' uploads are
//! idempotent and refused per event; the access log filters, pages and exports CSV for
//! managers and administrators only; `GET /fhir/AuditEvent` answers BALP PatientReads;
//! and the database refuses to change or delete an event.

use bedside_backend::admin;
use bedside_backend::store::{NewEntry, Store};
use bedside_domain::api::{ApiError, ErrorCode, Role};
use bedside_domain::audit::{
    AuditEntry, AuditMode, AuditPage, AuditPart, AuditRefusalCode, AuditUploadResult,
};
use bedside_domain::record::{DocumentType, EntryBody, Provenance, ResidencyStatus};
use bedside_domain::{HomeId, PersonId, StaffId};
use bedside_tests::{TestApp, spawn_app};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixtures::{day, nhs, resident};

/// Two homes with a resident each, and staff of every role.
struct World {
    app: TestApp,
    oak: HomeId,
    river: HomeId,
    ada: PersonId,
    bea: PersonId,
    cat: PersonId,
}

async fn world() -> World {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    for (home, prefix) in [(oak, "oak"), (river, "river")] {
        app.add_staff(home, &format!("{prefix}.carer"), Role::Carer)
            .await;
        app.add_staff(home, &format!("{prefix}.senior"), Role::Senior)
            .await;
        app.add_staff(home, &format!("{prefix}.manager"), Role::Manager)
            .await;
    }
    app.add_staff(oak, "admin", Role::Admin).await;
    let ada = resident(&app, oak, 1, "Ada", "1").await;
    let bea = resident(&app, oak, 2, "Bea", "2").await;
    let cat = resident(&app, river, 3, "Cat", "1").await;
    World {
        app,
        oak,
        river,
        ada,
        bea,
        cat,
    }
}

/// A PDF letter in `person`'s record; returns the attachment id.
pub(crate) async fn attachment(app: &TestApp, person: PersonId) -> String {
    let mut tx = app.store.begin_ingest().await.expect("begin");
    let id = tx
        .put_attachment(
            person,
            "application/pdf",
            Some("Letter"),
            b"%PDF-1.4 test",
            Utc::now(),
        )
        .await
        .expect("attachment");
    let entry = tx
        .insert_entry(
            person,
            &format!("test-letter-{person}"),
            "",
            &NewEntry {
                provenance: Provenance {
                    organisation: "Test Hospital".into(),
                    ods_code: None,
                    system: None,
                    source_id: None,
                    author: None,
                    authored_at: Utc::now(),
                    received_at: Utc::now(),
                },
                body: EntryBody::Document {
                    doc_type: DocumentType::Clinic,
                    title: "Letter".into(),
                    period_start: None,
                    period_end: None,
                    sections: Vec::new(),
                    attachments: Vec::new(),
                },
            },
        )
        .await
        .expect("entry");
    tx.link_attachments(std::slice::from_ref(&id), entry)
        .await
        .expect("link");
    tx.commit().await.expect("commit");
    id
}

/// Every event in the database, newest first (read through the store, not the API, so
/// the API's own scoping is not what is being trusted).
async fn all_events(app: &TestApp) -> Vec<AuditEntry> {
    app.store
        .audit_events(&bedside_backend::store::AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("events")
}

async fn get_with_device(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .header("x-bedside-device", "Trolley 2")
        .send()
        .await
        .expect("request")
}

async fn upload(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/audit/events"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json body"))
}

fn view(person: PersonId, part: &str, at: DateTime<Utc>) -> Value {
    json!({ "id": Uuid::now_v7(), "person_id": person, "part": part, "at": at, "mode": "offline" })
}

fn nhs_search(n: u32) -> String {
    format!(
        "/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{}",
        nhs(n).digits()
    )
}

#[tokio::test]
async fn every_read_of_a_record_writes_exactly_one_event() {
    let w = world().await;
    let app = &w.app;
    let file = attachment(app, w.ada).await;
    let carer = app.login("oak.carer").await;
    let senior = app.login("oak.senior").await;
    let carer_id = app
        .store
        .staff_by_username("oak.carer")
        .await
        .expect("staff")
        .expect("exists")
        .id;

    let (carer, senior) = (carer.as_str(), senior.as_str());
    let reads: [(String, &str, AuditPart, Role); 5] = [
        (
            format!("/api/v1/residents/{}", w.ada),
            carer,
            AuditPart::Summary,
            Role::Carer,
        ),
        (
            format!("/api/v1/attachments/{file}"),
            carer,
            AuditPart::Attachment,
            Role::Carer,
        ),
        (
            format!("/fhir/Patient/{}", w.ada),
            senior,
            AuditPart::FhirPatient,
            Role::Senior,
        ),
        (
            format!("/fhir/Patient/{}/$summary", w.ada),
            senior,
            AuditPart::FhirSummary,
            Role::Senior,
        ),
        (nhs_search(1), carer, AuditPart::FhirPatient, Role::Carer),
    ];
    for (path, token, part, role) in reads {
        let before = all_events(app).await.len();
        let started = Utc::now();
        let res = get_with_device(app, &path, token).await;
        assert_eq!(res.status(), 200, "{path}");
        let events = all_events(app).await;
        assert_eq!(events.len(), before + 1, "{path} writes one event");
        let e = &events[0];
        assert_eq!(e.part, part, "{path}");
        assert_eq!(e.role, role, "{path}");
        assert_eq!(e.person_id, w.ada, "{path}");
        assert_eq!(e.home_id, w.oak);
        assert_eq!(e.mode, AuditMode::Online);
        assert_eq!(e.device.as_deref(), Some("Trolley 2"));
        assert_eq!(e.address.as_deref(), Some("127.0.0.1"));
        assert!(e.at >= started - Duration::seconds(1) && e.at <= Utc::now());
        if role == Role::Carer {
            assert_eq!(e.staff_id, carer_id);
            assert_eq!(e.staff_username, "oak.carer");
        } else {
            assert_eq!(e.staff_username, "oak.senior");
        }
    }

    // Lists and the whole-home download are not views of one resident; a search that
    // finds nobody shows nothing.
    let before = all_events(app).await.len();
    for path in [
        "/api/v1/residents",
        "/api/v1/records",
        "/api/v1/sync/snapshot",
    ] {
        assert_eq!(app.get(path, carer).await.status(), 200, "{path}");
    }
    assert_eq!(app.get(&nhs_search(40), carer).await.status(), 200);
    assert_eq!(all_events(app).await.len(), before);

    // Without a device header the event has no device, and an unusable one is not kept.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/residents/{}", w.bea)))
        .bearer_auth(carer)
        .header("x-bedside-device", "=cmd|' /C calc'!A0")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(all_events(app).await[0].device, None);
}

#[tokio::test]
async fn another_homes_ids_answer_404_and_audit_nothing() {
    let w = world().await;
    let app = &w.app;
    let ada_file = attachment(app, w.ada).await;
    let river = app.login("river.carer").await;
    let river_manager = app.login("river.manager").await;
    let made_up = Uuid::new_v4();

    for token in [&river, &river_manager] {
        for path in [
            format!("/api/v1/residents/{}", w.ada),
            format!("/api/v1/residents/{made_up}"),
            format!("/api/v1/attachments/{ada_file}"),
            format!("/fhir/Patient/{}", w.ada),
            format!("/fhir/Patient/{}/$summary", w.ada),
        ] {
            let res = get_with_device(app, &path, token).await;
            assert_eq!(res.status(), 404, "{path}");
        }
        let (status, bundle) = app.fhir_get(&nhs_search(1), token).await;
        assert_eq!(status, 200);
        assert_eq!(bundle["total"], 0);
    }
    assert!(all_events(app).await.is_empty(), "nothing was audited");

    // A resident who has left is gone from the home: reading them is a 404 too.
    admin::leave(&app.store, nhs(3), ResidencyStatus::Left, day(2026, 11, 1))
        .await
        .expect("leave");
    assert_eq!(
        app.get(&format!("/api/v1/residents/{}", w.cat), &river)
            .await
            .status(),
        404
    );
    assert!(all_events(app).await.is_empty());
}

#[tokio::test]
async fn uploads_are_idempotent_and_refused_per_event() {
    let w = world().await;
    let app = &w.app;
    let carer = app.login("oak.carer").await;
    let hour_ago = Utc::now() - Duration::hours(1);
    let a = view(w.ada, "medicines", hour_ago);
    let b = view(w.bea, "care_plan", hour_ago);
    let c = view(w.cat, "summary", hour_ago);
    // The body cannot say who viewed: extra fields naming someone else are ignored.
    let mut a_claiming = a.clone();
    a_claiming["staff_id"] = json!(Uuid::new_v4());
    a_claiming["role"] = json!("manager");
    let body = json!({ "device": "Trolley 2", "events": [a_claiming, b, c] });

    let (status, first) = upload(app, &carer, &body).await;
    assert_eq!(status, 200, "{first}");
    let first: AuditUploadResult = serde_json::from_value(first).expect("result");
    assert_eq!((first.stored, first.already_held), (2, 0));
    assert_eq!(first.refused.len(), 1);
    assert_eq!(
        first.refused[0].id.to_string(),
        c["id"].as_str().expect("id")
    );
    assert_eq!(first.refused[0].code, AuditRefusalCode::NotFound);

    let events = all_events(app).await;
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(e.staff_username, "oak.carer");
        assert_eq!(e.role, Role::Carer);
        assert_eq!(e.home_id, w.oak);
        assert_eq!(e.mode, AuditMode::Offline);
        assert_eq!(e.device.as_deref(), Some("Trolley 2"));
        assert_eq!(
            e.at.timestamp_micros(),
            hour_ago.timestamp_micros(),
            "the view's own time"
        );
        assert!(e.received_at > hour_ago);
        assert_ne!(e.person_id, w.cat);
    }
    let medicines = events
        .iter()
        .find(|e| e.person_id == w.ada)
        .expect("Ada's view");
    assert_eq!(medicines.part, AuditPart::Medicines);
    assert_eq!(medicines.id.to_string(), a["id"].as_str().expect("id"));

    // The same upload again (a retry after a lost answer) stores nothing new.
    let (status, again) = upload(app, &carer, &body).await;
    assert_eq!(status, 200);
    let again: AuditUploadResult = serde_json::from_value(again).expect("result");
    assert_eq!((again.stored, again.already_held), (0, 2));
    assert_eq!(again.refused.len(), 1);
    assert_eq!(all_events(app).await.len(), 2);

    // A repeated id inside one upload, and a view from the future, are refused alone.
    let d = view(w.ada, "notes", hour_ago);
    let future = view(w.ada, "notes", Utc::now() + Duration::hours(1));
    let (status, mixed) = upload(
        app,
        &carer,
        &json!({ "events": [d.clone(), d.clone(), future.clone()] }),
    )
    .await;
    assert_eq!(status, 200);
    let mixed: AuditUploadResult = serde_json::from_value(mixed).expect("result");
    assert_eq!(mixed.stored, 1);
    let codes: Vec<_> = mixed.refused.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        vec![AuditRefusalCode::Duplicate, AuditRefusalCode::Invalid]
    );
    assert_eq!(all_events(app).await.len(), 3);

    // Views of a resident who has since left are still the home's to record.
    admin::leave(&app.store, nhs(2), ResidencyStatus::Died, day(2026, 11, 1))
        .await
        .expect("leave");
    let late = view(w.bea, "about_me", hour_ago);
    let (_, res) = upload(app, &carer, &json!({ "events": [late] })).await;
    assert_eq!(res["stored"], 1, "{res}");

    // The same event id in another home is another home's event.
    let river = app.login("river.carer").await;
    let mut c_river = c.clone();
    c_river["id"] = a["id"].clone();
    let (_, res) = upload(app, &river, &json!({ "events": [c_river] })).await;
    assert_eq!(res["stored"], 1, "{res}");
    assert_eq!(all_events(app).await.len(), 5);

    // Whole-request refusals: too many events, malformed JSON, an unknown part, a bad
    // device name. Nothing is stored.
    let many: Vec<Value> = (0..501).map(|_| view(w.ada, "summary", hour_ago)).collect();
    let (status, err) = upload(app, &carer, &json!({ "events": many })).await;
    assert_eq!(status, 413);
    assert_eq!(err["code"], "payload_too_large");
    let res = app
        .client
        .post(app.url("/api/v1/audit/events"))
        .bearer_auth(&carer)
        .header("content-type", "application/json")
        .body("{\"events\": [")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 400);
    let err: ApiError = res.json().await.expect("error body");
    assert_eq!(err.code, ErrorCode::BadRequest);
    let (status, err) = upload(
        app,
        &carer,
        &json!({ "events": [view(w.ada, "everything", hour_ago)] }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "bad_request");
    let (status, err) = upload(
        app,
        &carer,
        &json!({ "device": "=1+1", "events": [view(w.ada, "summary", hour_ago)] }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["code"], "bad_request");
    let res = app
        .client
        .post(app.url("/api/v1/audit/events"))
        .json(&json!({ "events": [] }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 401);
    assert_eq!(all_events(app).await.len(), 5);
}

async fn page(app: &TestApp, token: &str, query: &str) -> AuditPage {
    let res = app.get(&format!("/api/v1/audit{query}"), token).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.expect("page")
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "records end with CRLF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record ends with CRLF"
    );
    rows
}

#[tokio::test]
async fn the_access_log_filters_pages_and_exports_csv() {
    let w = world().await;
    let app = &w.app;
    let carer = app.login("oak.carer").await;
    let senior = app.login("oak.senior").await;
    let manager = app.login("oak.manager").await;
    let senior_id: StaffId = app
        .store
        .staff_by_username("oak.senior")
        .await
        .expect("staff")
        .expect("exists")
        .id;
    // Views on three days: the carer saw Ada and Bea, the senior Ada.
    let t = |days: i64| {
        (Utc::now() - Duration::days(days))
            .date_naive()
            .and_hms_opt(10, 0, 0)
            .expect("time")
            .and_utc()
    };
    let d3 = t(3);
    let d2 = t(2);
    let d1 = t(1);
    let carer_views: Vec<Value> = vec![
        view(w.ada, "summary", d3),
        view(w.bea, "medicines", d3),
        view(w.ada, "results", d2),
        view(w.bea, "notes", d1),
    ];
    let senior_views = vec![view(w.ada, "care_plan", d2), view(w.ada, "about_me", d1)];
    let (_, r) = upload(
        app,
        &carer,
        &json!({ "device": "Trolley, \"B\"", "events": carer_views }),
    )
    .await;
    assert_eq!(r["code"], "bad_request", "a quote is not a device name");
    let (_, r) = upload(
        app,
        &carer,
        &json!({ "device": "Trolley B", "events": carer_views }),
    )
    .await;
    assert_eq!(r["stored"], 4, "{r}");
    let (_, r) = upload(app, &senior, &json!({ "events": senior_views })).await;
    assert_eq!(r["stored"], 2, "{r}");
    // One online read, now.
    assert_eq!(
        app.get(&format!("/api/v1/residents/{}", w.bea), &senior)
            .await
            .status(),
        200
    );
    // Another home's views are not Oak's.
    let river = app.login("river.carer").await;
    let (_, r) = upload(
        app,
        &river,
        &json!({ "events": [view(w.cat, "summary", d2)] }),
    )
    .await;
    assert_eq!(r["stored"], 1);

    let everything = page(app, &manager, "").await;
    assert_eq!(everything.events.len(), 7, "Oak's seven views");
    assert!(everything.next_before.is_none());
    assert!(everything.events.iter().all(|e| e.home_id == w.oak));
    assert!(
        everything.events.windows(2).all(|p| p[0].at >= p[1].at),
        "newest first"
    );
    assert_eq!(everything.events[0].mode, AuditMode::Online);

    let of_ada = page(app, &manager, &format!("?person={}", w.ada)).await;
    assert_eq!(of_ada.events.len(), 4);
    assert!(of_ada.events.iter().all(|e| e.person_id == w.ada));
    let by_senior = page(app, &manager, &format!("?staff={senior_id}")).await;
    assert_eq!(by_senior.events.len(), 3);
    let by_name = page(app, &manager, "?staff=oak.senior").await;
    assert_eq!(by_name.events, by_senior.events);
    assert!(page(app, &manager, "?staff=nobody").await.events.is_empty());
    let both = page(app, &manager, &format!("?person={}&staff=oak.carer", w.ada)).await;
    assert_eq!(both.events.len(), 2);

    // Dates are whole UTC days; times are exact.
    let day_of = |t: DateTime<Utc>| t.date_naive().format("%Y-%m-%d").to_string();
    let on_d2 = page(app, &manager, &format!("?from={0}&to={0}", day_of(d2))).await;
    assert_eq!(on_d2.events.len(), 2);
    assert!(on_d2.events.iter().all(|e| e.at == d2));
    let since_d2 = page(app, &manager, &format!("?from={}", day_of(d2))).await;
    assert_eq!(since_d2.events.len(), 5);
    let until_d2 = page(app, &manager, &format!("?to={}", day_of(d2))).await;
    assert_eq!(until_d2.events.len(), 4);
    let exact = page(
        app,
        &manager,
        &format!(
            "?from={}",
            (d1 - Duration::seconds(1)).to_rfc3339().replace('+', "%2B")
        ),
    )
    .await;
    assert_eq!(exact.events.len(), 3);
    let res = app.get("/api/v1/audit?from=yesterday", &manager).await;
    assert_eq!(res.status(), 400);
    let err: ApiError = res.json().await.expect("error");
    assert_eq!(err.code, ErrorCode::BadRequest);

    // Pages of two cover the log once, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let p = page(app, &manager, &query).await;
        assert!(p.events.len() <= 2);
        seen.extend(p.events);
        match p.next_before {
            Some(next) => query = format!("?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen, everything.events);
    assert_eq!(
        app.get("/api/v1/audit?before=garbage", &manager)
            .await
            .status(),
        400
    );

    // The CSV has a header row and the same events, and parses back.
    let res = app
        .get(&format!("/api/v1/audit.csv?person={}", w.ada), &manager)
        .await;
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().expect("ascii");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains(".csv"));
    let text = res.text().await.expect("text");
    let rows = parse_csv(&text);
    assert_eq!(
        rows[0],
        [
            "id",
            "at",
            "received_at",
            "home_id",
            "staff_id",
            "staff_username",
            "role",
            "person_id",
            "part",
            "mode",
            "device",
            "address"
        ]
    );
    assert_eq!(rows.len(), 1 + of_ada.events.len());
    for (row, e) in rows[1..].iter().zip(&of_ada.events) {
        assert_eq!(row.len(), 12);
        assert_eq!(row[0], e.id.to_string());
        assert_eq!(DateTime::parse_from_rfc3339(&row[1]).expect("time"), e.at);
        assert_eq!(row[5], e.staff_username);
        assert_eq!(row[6], e.role.as_str());
        assert_eq!(row[7], w.ada.to_string());
        assert_eq!(row[8], e.part.as_str());
        assert_eq!(row[9], e.mode.as_str());
        assert_eq!(row[10], e.device.clone().unwrap_or_default());
    }
    // Paging works for the CSV too.
    let res = app.get("/api/v1/audit.csv?limit=3", &manager).await;
    let next = res.headers()["x-next-before"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let first = parse_csv(&res.text().await.expect("text"));
    let rest = parse_csv(
        &app.get(&format!("/api/v1/audit.csv?before={next}"), &manager)
            .await
            .text()
            .await
            .expect("text"),
    );
    assert_eq!(first.len() - 1 + rest.len() - 1, 7);
}

#[tokio::test]
async fn only_managers_and_administrators_read_the_log() {
    let w = world().await;
    let app = &w.app;
    let oak_carer = app.login("oak.carer").await;
    let river_carer = app.login("river.carer").await;
    let hour_ago = Utc::now() - Duration::hours(1);
    upload(
        app,
        &oak_carer,
        &json!({ "events": [view(w.ada, "summary", hour_ago)] }),
    )
    .await;
    upload(
        app,
        &river_carer,
        &json!({ "events": [view(w.cat, "summary", hour_ago)] }),
    )
    .await;

    for who in ["oak.carer", "oak.senior", "river.carer", "river.senior"] {
        let token = app.login(who).await;
        for path in ["/api/v1/audit", "/api/v1/audit.csv"] {
            let res = app.get(path, &token).await;
            assert_eq!(res.status(), 403, "{who} {path}");
            let err: ApiError = res.json().await.expect("error body");
            assert_eq!(err.code, ErrorCode::Forbidden);
        }
    }
    let res = app
        .client
        .get(app.url("/api/v1/audit"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 401);

    let oak_manager = app.login("oak.manager").await;
    let river_manager = app.login("river.manager").await;
    let oak = page(app, &oak_manager, "").await;
    assert_eq!(oak.events.len(), 1);
    assert_eq!(oak.events[0].person_id, w.ada);
    let river = page(app, &river_manager, "").await;
    assert_eq!(river.events.len(), 1);
    assert_eq!(river.events[0].person_id, w.cat);
    // A manager asking about another home's resident sees nothing; naming another home
    // is refused.
    assert!(
        page(app, &oak_manager, &format!("?person={}", w.cat))
            .await
            .events
            .is_empty()
    );
    let res = app
        .get(&format!("/api/v1/audit?home={}", w.river), &oak_manager)
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(
        page(app, &oak_manager, &format!("?home={}", w.oak))
            .await
            .events
            .len(),
        1
    );

    let admin = app.login("admin").await;
    let all = page(app, &admin, "").await;
    assert_eq!(all.events.len(), 2, "every home's");
    let only_river = page(app, &admin, &format!("?home={}", w.river)).await;
    assert_eq!(only_river.events.len(), 1);
    assert_eq!(only_river.events[0].home_id, w.river);
    let csv = app
        .get("/api/v1/audit.csv", &admin)
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(parse_csv(&csv).len(), 3);
}

#[tokio::test]
async fn fhir_audit_events_are_balp_patient_reads_for_managers_only() {
    let w = world().await;
    let app = &w.app;
    let carer = app.login("oak.carer").await;
    let hour_ago = Utc::now() - Duration::hours(1);
    assert_eq!(
        get_with_device(app, &format!("/api/v1/residents/{}", w.ada), &carer)
            .await
            .status(),
        200
    );
    upload(
        app,
        &carer,
        &json!({ "device": "Trolley 2", "events": [view(w.ada, "medicines", hour_ago)] }),
    )
    .await;
    let river = app.login("river.carer").await;
    upload(
        app,
        &river,
        &json!({ "events": [view(w.cat, "summary", hour_ago)] }),
    )
    .await;

    let manager = app.login("oak.manager").await;
    let (status, bundle) = app
        .fhir_get(&format!("/fhir/AuditEvent?patient={}", w.ada), &manager)
        .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 2);
    let entries = bundle["entry"].as_array().expect("entries");
    let online = &entries[0]["resource"];
    let offline = &entries[1]["resource"];
    for r in [online, offline] {
        assert_eq!(r["resourceType"], "AuditEvent");
        assert_eq!(
            r["meta"]["profile"][0],
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
        );
        assert_eq!(
            r["subtype"][0]["system"],
            "http://hl7.org/fhir/restful-interaction"
        );
        assert_eq!(r["subtype"][0]["code"], "read");
        assert_eq!(r["action"], "R");
        assert_eq!(r["outcome"], "0");
        assert!(r["recorded"].is_string());
        let user = &r["agent"][0];
        assert_eq!(user["requestor"], true);
        assert_eq!(user["who"]["display"], "oak.carer");
        assert_eq!(user["role"][0]["coding"][0]["code"], "carer");
        let patient = &r["entity"][0];
        assert_eq!(patient["what"]["reference"], format!("Patient/{}", w.ada));
        assert_eq!(
            patient["role"]["system"],
            "http://terminology.hl7.org/CodeSystem/object-role"
        );
        assert_eq!(patient["role"]["code"], "1");
        assert!(r["source"]["observer"]["display"].is_string());
        let full_url = entries
            .iter()
            .find(|e| e["resource"]["id"] == r["id"])
            .expect("entry")["fullUrl"]
            .as_str()
            .expect("fullUrl")
            .to_owned();
        assert_eq!(
            full_url,
            app.url(&format!(
                "/fhir/AuditEvent/{}",
                r["id"].as_str().expect("id")
            ))
        );
    }
    let detail = |r: &Value| r["entity"][0]["detail"].to_string();
    assert!(detail(online).contains("summary") && detail(online).contains("online"));
    assert!(detail(offline).contains("medicines") && detail(offline).contains("offline"));
    assert_eq!(online["agent"][1]["network"]["address"], "127.0.0.1");
    assert_eq!(offline["agent"][1]["who"]["display"], "Trolley 2");

    // Patient/{id} works as the value too; another home's patient and a made-up id give
    // an empty searchset, never their events.
    let (_, same) = app
        .fhir_get(
            &format!("/fhir/AuditEvent?patient=Patient/{}", w.ada),
            &manager,
        )
        .await;
    assert_eq!(same["total"], 2);
    for id in [
        w.cat.to_string(),
        Uuid::new_v4().to_string(),
        "nonsense".into(),
    ] {
        let (status, empty) = app
            .fhir_get(&format!("/fhir/AuditEvent?patient={id}"), &manager)
            .await;
        assert_eq!(status, 200);
        assert_eq!(empty["type"], "searchset");
        assert_eq!(empty["total"], 0, "{id}");
    }
    let admin = app.login("admin").await;
    let (_, river_for_admin) = app
        .fhir_get(&format!("/fhir/AuditEvent?patient={}", w.cat), &admin)
        .await;
    assert_eq!(river_for_admin["total"], 1);

    // Others: 403 with an OperationOutcome; no patient: 400.
    let source = app.add_source("RX1", "Test Hospital").await;
    let senior = app.login("oak.senior").await;
    for token in [&carer, &senior, &source] {
        let (status, outcome) = app
            .fhir_get(&format!("/fhir/AuditEvent?patient={}", w.ada), token)
            .await;
        assert_eq!(status, 403);
        assert_eq!(outcome["resourceType"], "OperationOutcome");
        assert_eq!(outcome["issue"][0]["code"], "forbidden");
    }
    let (status, outcome) = app.fhir_get("/fhir/AuditEvent", &manager).await;
    assert_eq!(status, 400);
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    // Other types still cannot be searched.
    let (status, _) = app.fhir_get("/fhir/Observation?patient=1", &manager).await;
    assert_eq!(status, 404);

    // The CapabilityStatement says so.
    let (_, metadata) = app.fhir_get("/fhir/metadata", &manager).await;
    let audit = metadata["rest"][0]["resource"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "AuditEvent")
        .expect("AuditEvent is listed")
        .clone();
    assert_eq!(audit["interaction"][0]["code"], "search-type");
    assert_eq!(audit["searchParam"][0]["name"], "patient");
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_an_audit_event() {
    let w = world().await;
    let app = &w.app;
    let carer = app.login("oak.carer").await;
    assert_eq!(
        app.get(&format!("/api/v1/residents/{}", w.ada), &carer)
            .await
            .status(),
        200
    );
    let before = all_events(app).await;
    assert_eq!(before.len(), 1);

    let update = sqlx::query("UPDATE audit_events SET staff_username = 'someone.else'")
        .execute(app.store.pool())
        .await;
    let err = update.expect_err("UPDATE is refused").to_string();
    assert!(err.contains("append-only"), "{err}");
    let delete = sqlx::query("DELETE FROM audit_events")
        .execute(app.store.pool())
        .await;
    let err = delete.expect_err("DELETE is refused").to_string();
    assert!(err.contains("append-only"), "{err}");
    // An upsert that would rewrite a held event is refused the same way.
    let upsert = sqlx::query(
        "INSERT INTO audit_events SELECT * FROM audit_events WHERE true \
         ON CONFLICT (home_id, id) DO UPDATE SET part = 'notes'",
    )
    .execute(app.store.pool())
    .await;
    assert!(upsert.is_err());

    assert_eq!(all_events(app).await, before, "the event is as it was");
    assert_eq!(app.count("audit_events").await, 1);
}
