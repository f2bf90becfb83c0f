//! The access matrix: every route of the OpenAPI document × every kind of caller (each
//! staff role, a source system's credential, no credential) × the caller's own home and
//! another home, each cell's expected status from one table. The routes come from the
//! served document, so a new route without a row here fails the test. Another home's ids
//! answer 404, and no read of another home's resident is audited. The FHIR API has a table
//! of its own, its rows checked against the interactions the served CapabilityStatement
//! promises.

use bedside_backend::limits::Limit;
use bedside_backend::state::Settings;
use bedside_backend::store::Store;
use bedside_domain::api::Role;
use bedside_domain::{DeviceId, PersonId};
use bedside_tests::{Options, PASSWORD, TestApp, spawn_with};
use serde_json::{Value, json};

/// The callers, in the order of the table's columns.
const CALLERS: [&str; 6] = ["carer", "senior", "manager", "admin", "source", "none"];

/// One route's expected statuses: for the caller's own home, and (where the route takes
/// an id or a home) for another home's. Columns follow [`CALLERS`].
struct Row {
    method: &'static str,
    path: &'static str,
    own: [u16; 6],
    other: Option<[u16; 6]>,
}

const STAFF_OK: [u16; 6] = [200, 200, 200, 200, 401, 401];
const STAFF_404: [u16; 6] = [404, 404, 404, 404, 401, 401];
const MANAGERS_OK: [u16; 6] = [403, 403, 200, 200, 401, 401];

/// The one table. Source credentials are not staff sessions: every `/api` route that
/// needs sign-in answers them 401.
const TABLE: &[Row] = &[
    Row {
        method: "GET",
        path: "/healthz",
        own: [200; 6],
        other: None,
    },
    // The body decides, not the caller: each cell signs in as a carer.
    Row {
        method: "POST",
        path: "/api/v1/auth/login",
        own: [200; 6],
        other: None,
    },
    // Each cell trades a fresh refresh token.
    Row {
        method: "POST",
        path: "/api/v1/auth/refresh",
        own: [200; 6],
        other: None,
    },
    Row {
        method: "POST",
        path: "/api/v1/auth/logout",
        own: [204, 204, 204, 204, 401, 401],
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/residents",
        own: STAFF_OK,
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/residents/{id}",
        own: STAFF_OK,
        other: Some(STAFF_404),
    },
    Row {
        method: "GET",
        path: "/api/v1/records",
        own: STAFF_OK,
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/attachments/{id}",
        own: STAFF_OK,
        other: Some(STAFF_404),
    },
    Row {
        method: "GET",
        path: "/api/v1/sync/status",
        own: STAFF_OK,
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/sync/snapshot",
        own: STAFF_OK,
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/sync/changes",
        own: STAFF_OK,
        other: None,
    },
    // Another home's resident: the push is answered, its mutation rejected (checked below).
    Row {
        method: "POST",
        path: "/api/v1/sync/push",
        own: STAFF_OK,
        other: Some(STAFF_OK),
    },
    // Another home's resident: the upload is answered, its event refused (checked below).
    Row {
        method: "POST",
        path: "/api/v1/audit/events",
        own: STAFF_OK,
        other: Some(STAFF_OK),
    },
    // Another home: `?home=`.
    Row {
        method: "GET",
        path: "/api/v1/audit",
        own: MANAGERS_OK,
        other: Some([403, 403, 403, 200, 401, 401]),
    },
    Row {
        method: "GET",
        path: "/api/v1/audit.csv",
        own: MANAGERS_OK,
        other: Some([403, 403, 403, 200, 401, 401]),
    },
    Row {
        method: "POST",
        path: "/api/v1/devices",
        own: [403, 403, 201, 201, 401, 401],
        other: None,
    },
    Row {
        method: "GET",
        path: "/api/v1/devices",
        own: MANAGERS_OK,
        other: Some([403, 403, 403, 200, 401, 401]),
    },
    // Administrators act on every home's tablets.
    Row {
        method: "POST",
        path: "/api/v1/devices/{id}/revoke",
        own: MANAGERS_OK,
        other: Some([403, 403, 404, 200, 401, 401]),
    },
];

struct World {
    app: TestApp,
    /// Bearer credential per caller (`None` for no credential).
    credentials: Vec<Option<String>>,
    /// Own-home and other-home ids.
    ada: PersonId,
    cat: PersonId,
    ada_file: String,
    cat_file: String,
    oak_device: DeviceId,
    river_device: DeviceId,
    river: bedside_domain::HomeId,
    since: String,
    /// Ada's and Cat's NHS numbers, for FHIR searches.
    ada_nhs: String,
    cat_nhs: String,
}

async fn world() -> World {
    let app = spawn_with(Options {
        settings: Settings {
            // This test signs in many times from one address.
            address_attempts: Limit {
                max: 1_000,
                window: std::time::Duration::from_secs(60),
            },
            ..Settings::default()
        },
        ..Options::default()
    })
    .await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    app.add_staff(oak, "oak.carer", Role::Carer).await;
    app.add_staff(oak, "oak.senior", Role::Senior).await;
    let oak_manager = app.add_staff(oak, "oak.manager", Role::Manager).await;
    app.add_staff(oak, "admin", Role::Admin).await;
    let river_manager = app.add_staff(river, "river.manager", Role::Manager).await;
    let ada = crate::fixtures::resident(&app, oak, 1, "Ada", "1").await;
    let cat = crate::fixtures::resident(&app, river, 3, "Cat", "1").await;
    let ada_file = crate::audit::attachment(&app, ada).await;
    let cat_file = crate::audit::attachment(&app, cat).await;
    let now = chrono::Utc::now();
    let oak_device = app
        .store
        .enrol_device(oak, "Oak 1", "x", "k", oak_manager, now)
        .await
        .expect("device")
        .id;
    let river_device = app
        .store
        .enrol_device(river, "River 1", "x", "k", river_manager, now)
        .await
        .expect("device")
        .id;
    let mut credentials = Vec::new();
    for user in ["oak.carer", "oak.senior", "oak.manager", "admin"] {
        credentials.push(Some(app.login(user).await));
    }
    credentials.push(Some(app.add_source("RX1", "Test Hospital").await));
    credentials.push(None);
    let status: Value = app
        .get(
            "/api/v1/sync/status",
            credentials[0].as_deref().unwrap_or_default(),
        )
        .await
        .json()
        .await
        .expect("status");
    let since = status["head"].as_str().expect("cursor").to_owned();
    World {
        app,
        credentials,
        ada,
        cat,
        ada_file,
        cat_file,
        oak_device,
        river_device,
        river,
        since,
        ada_nhs: crate::fixtures::nhs(1).to_string(),
        cat_nhs: crate::fixtures::nhs(3).to_string(),
    }
}

impl World {
    /// The request for one cell.
    async fn request(&self, row: &Row, caller: usize, other: bool) -> reqwest::RequestBuilder {
        let (person, file, device) = if other {
            (self.cat, &self.cat_file, self.river_device)
        } else {
            (self.ada, &self.ada_file, self.oak_device)
        };
        let id = if row.path.starts_with("/api/v1/attachments/") {
            file.clone()
        } else if row.path.starts_with("/api/v1/devices/") {
            device.to_string()
        } else {
            person.to_string()
        };
        let mut url = self.app.url(&row.path.replace("{id}", &id));
        match row.path {
            "/api/v1/sync/changes" => url = format!("{url}?since={}", self.since),
            "/api/v1/audit" | "/api/v1/audit.csv" | "/api/v1/devices" if other => {
                url = format!("{url}?home={}", self.river);
            }
            _ => {}
        }
        let mut req = match row.method {
            "GET" => self.app.client.get(&url),
            "POST" => self.app.client.post(&url),
            m => panic!("no requests for method {m}"),
        };
        if let Some(token) = &self.credentials[caller] {
            req = req.bearer_auth(token);
        }
        let body = match row.path {
            "/api/v1/auth/login" => Some(json!({ "username": "oak.carer", "password": PASSWORD })),
            "/api/v1/auth/refresh" => {
                let fresh = self.app.sign_in("oak.carer", None).await;
                Some(json!({ "refresh_token": fresh.refresh_token }))
            }
            "/api/v1/sync/push" => Some(json!({
                "device_id": uuid::Uuid::new_v4(),
                "mutations": [{
                    "id": uuid::Uuid::now_v7(),
                    "device_seq": 1,
                    "created_at": chrono::Utc::now(),
                    "op": { "type": "add_note", "person_id": person, "category": "social", "text": "Enjoyed the music." }
                }]
            })),
            "/api/v1/audit/events" => Some(json!({
                "events": [{
                    "id": uuid::Uuid::now_v7(),
                    "person_id": person,
                    "part": "summary",
                    "at": chrono::Utc::now(),
                    "mode": "offline"
                }]
            })),
            "/api/v1/devices" if row.method == "POST" => Some(json!({ "name": "Trolley" })),
            "/api/v1/devices/{id}/revoke" => Some(json!({})),
            _ => None,
        };
        if let Some(body) = body {
            req = req.json(&body);
        }
        req
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let w = world().await;
    let doc: Value = w
        .app
        .client
        .get(w.app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("openapi");
    let mut routes: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    // Sign-out last: it ends the sessions the other cells use.
    routes.sort_by_key(|(_, path)| path.ends_with("/logout"));

    let mut rows = Vec::new();
    for (method, path) in &routes {
        let row = TABLE
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("{method} {path} has no row in the access table: add one"));
        rows.push(row);
    }
    for row in TABLE {
        assert!(
            routes.iter().any(|(m, p)| m == row.method && p == row.path),
            "{} {} is in the table but not in the OpenAPI document",
            row.method,
            row.path
        );
    }

    let cat_entries_before = entries_of(&w.app, w.cat).await;
    let mut wrong = Vec::new();
    for row in rows {
        let scopes = [(false, Some(row.own)), (true, row.other)];
        for (other, expected) in scopes {
            let Some(expected) = expected else { continue };
            for (caller, want) in expected.iter().enumerate() {
                let res = w
                    .request(row, caller, other)
                    .await
                    .send()
                    .await
                    .expect("request");
                let got = res.status().as_u16();
                if got != *want {
                    wrong.push(format!(
                        "{} {} as {} ({} home): expected {want}, got {got}",
                        row.method,
                        row.path,
                        CALLERS[caller],
                        if other { "another" } else { "own" },
                    ));
                }
                if other && got == 200 && row.path == "/api/v1/sync/push" {
                    let body: Value = res.json().await.expect("push body");
                    assert_eq!(
                        body["results"][0]["outcome"]["outcome"], "rejected",
                        "a note about another home's resident: {body}"
                    );
                } else if other && got == 200 && row.path == "/api/v1/audit/events" {
                    let body: Value = res.json().await.expect("upload body");
                    assert_eq!(body["stored"], 0, "{body}");
                    assert_eq!(body["refused"][0]["code"], "not_found", "{body}");
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells that differ from the table:\n{}",
        wrong.join("\n")
    );

    // Nothing about another home's resident was audited or written; the own home's
    // reads were (the check can fail).
    let events = w
        .app
        .store
        .audit_events(&bedside_backend::store::AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("events");
    assert!(
        events.iter().all(|e| e.person_id != w.cat),
        "another home's resident was audited"
    );
    assert!(events.iter().any(|e| e.person_id == w.ada));
    assert_eq!(entries_of(&w.app, w.cat).await, cat_entries_before);
}

/// A person's entries whatever home they live in, counted straight from the database.
async fn entries_of(app: &TestApp, person: PersonId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE person_id = $1")
        .bind(person.to_string())
        .fetch_one(app.store.pool())
        .await
        .expect("count")
}

/// One FHIR interaction's expected statuses, as [`Row`]. `path` is the template the
/// CapabilityStatement's interaction maps to (see [`capability_routes`]).
struct FhirRow {
    method: &'static str,
    path: &'static str,
    own: [u16; 6],
    other: Option<[u16; 6]>,
}

/// Writes are for sending systems; staff are told so (403).
const SOURCE_WRITES_CREATE: [u16; 6] = [403, 403, 403, 403, 201, 401];
const SOURCE_WRITES_OK: [u16; 6] = [403, 403, 403, 403, 200, 401];

/// The FHIR table. Reads of one resident are staff-only and scoped to their home, like
/// `/api`; a search that finds no one in the caller's home is an empty searchset.
const FHIR_TABLE: &[FhirRow] = &[
    FhirRow {
        method: "GET",
        path: "/fhir/metadata",
        own: [200; 6],
        other: None,
    },
    FhirRow {
        method: "POST",
        path: "/fhir",
        own: SOURCE_WRITES_OK,
        other: None,
    },
    FhirRow {
        method: "POST",
        path: "/fhir/Patient",
        own: SOURCE_WRITES_CREATE,
        other: None,
    },
    FhirRow {
        method: "PUT",
        path: "/fhir/Patient/{id}",
        own: SOURCE_WRITES_CREATE,
        other: None,
    },
    FhirRow {
        method: "POST",
        path: "/fhir/{type}",
        own: SOURCE_WRITES_CREATE,
        other: None,
    },
    FhirRow {
        method: "PUT",
        path: "/fhir/{type}/{id}",
        own: SOURCE_WRITES_CREATE,
        other: None,
    },
    FhirRow {
        method: "GET",
        path: "/fhir/Patient?identifier",
        own: [200, 200, 200, 200, 200, 401],
        other: Some([200, 200, 200, 200, 200, 401]),
    },
    FhirRow {
        method: "GET",
        path: "/fhir/Patient/{id}",
        own: [200, 200, 200, 200, 403, 401],
        other: Some([404, 404, 404, 404, 403, 401]),
    },
    FhirRow {
        method: "GET",
        path: "/fhir/Patient/{id}/$summary",
        own: [200, 200, 200, 200, 403, 401],
        other: Some([404, 404, 404, 404, 403, 401]),
    },
    FhirRow {
        method: "GET",
        path: "/fhir/AuditEvent?patient",
        own: [403, 403, 200, 200, 403, 401],
        other: Some([403, 403, 200, 200, 403, 401]),
    },
];

/// Every (method, path template) the served CapabilityStatement promises: the system's
/// transaction/batch, and each resource type's interactions and operations. A type's
/// generic create and update are one row (`{type}`), Patient's are rows of their own.
async fn capability_routes(app: &TestApp) -> Vec<(&'static str, String)> {
    let cs: Value = app
        .client
        .get(app.url("/fhir/metadata"))
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("CapabilityStatement");
    let rest = &cs["rest"][0];
    let mut routes = vec![("GET", "/fhir/metadata".to_owned())];
    if rest["interaction"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        routes.push(("POST", "/fhir".to_owned()));
    }
    for resource in rest["resource"].as_array().expect("resources") {
        let t = resource["type"].as_str().expect("type");
        let named = if t == "Patient" { t } else { "{type}" };
        for i in resource["interaction"].as_array().expect("interactions") {
            let route = match i["code"].as_str().expect("code") {
                "create" => ("POST", format!("/fhir/{named}")),
                "update" => ("PUT", format!("/fhir/{named}/{{id}}")),
                "read" => ("GET", format!("/fhir/{t}/{{id}}")),
                "search-type" => {
                    let param = resource["searchParam"][0]["name"].as_str().expect("param");
                    ("GET", format!("/fhir/{t}?{param}"))
                }
                other => panic!("the CapabilityStatement names {other} for {t}: add a row"),
            };
            routes.push(route);
        }
        for op in resource["operation"].as_array().into_iter().flatten() {
            let name = op["name"].as_str().expect("name");
            routes.push(("GET", format!("/fhir/{t}/{{id}}/${name}")));
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

impl World {
    /// The FHIR request for one cell. Writes carry a valid body, so a sending system's
    /// cell shows the write is taken, not merely that the body was read.
    fn fhir_request(
        &self,
        row: &FhirRow,
        caller: usize,
        other: bool,
        n: u32,
    ) -> reqwest::RequestBuilder {
        let person = if other { self.cat } else { self.ada };
        let nhs = if other { &self.cat_nhs } else { &self.ada_nhs };
        let new_patient = |id: &str| {
            json!({
                "resourceType": "Patient",
                "id": id,
                "identifier": [{
                    "system": "https://fhir.nhs.uk/Id/nhs-number",
                    "value": crate::fixtures::nhs(900 + n).to_string()
                }],
                "name": [{ "given": ["Matrix"], "family": format!("Person{n}") }],
                "birthDate": "1940-01-01"
            })
        };
        let allergy = |id: &str| {
            json!({
                "resourceType": "AllergyIntolerance",
                "id": id,
                "clinicalStatus": { "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active"
                }] },
                "code": { "text": "Latex" },
                "patient": { "identifier": {
                    "system": "https://fhir.nhs.uk/Id/nhs-number",
                    "value": crate::fixtures::nhs(900 + n).to_string()
                } }
            })
        };
        let (url, body) = match row.path {
            "/fhir/metadata" => (self.app.url(row.path), None),
            "/fhir" => (
                self.app.url("/fhir"),
                Some(json!({
                    "resourceType": "Bundle",
                    "type": "transaction",
                    "entry": [{
                        "fullUrl": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
                        "resource": new_patient(&format!("matrix-b{n}")),
                        "request": { "method": "PUT", "url": format!("Patient/matrix-b{n}") }
                    }]
                })),
            ),
            "/fhir/Patient" => (
                self.app.url(row.path),
                Some(new_patient(&format!("matrix-p{n}"))),
            ),
            "/fhir/Patient/{id}" if row.method == "PUT" => (
                self.app.url(&format!("/fhir/Patient/matrix-u{n}")),
                Some(new_patient(&format!("matrix-u{n}"))),
            ),
            "/fhir/{type}" => (
                self.app.url("/fhir/AllergyIntolerance"),
                Some(allergy(&format!("matrix-o{n}"))),
            ),
            "/fhir/{type}/{id}" => (
                self.app
                    .url(&format!("/fhir/AllergyIntolerance/matrix-v{n}")),
                Some(allergy(&format!("matrix-v{n}"))),
            ),
            "/fhir/Patient?identifier" => (
                self.app.url(&format!(
                    "/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}"
                )),
                None,
            ),
            "/fhir/AuditEvent?patient" => (
                self.app
                    .url(&format!("/fhir/AuditEvent?patient=Patient/{person}")),
                None,
            ),
            path => (
                self.app.url(&path.replace("{id}", &person.to_string())),
                None,
            ),
        };
        let mut req = match row.method {
            "GET" => self.app.client.get(&url),
            "POST" => self.app.client.post(&url),
            "PUT" => self.app.client.put(&url),
            m => panic!("no requests for method {m}"),
        };
        if let Some(token) = &self.credentials[caller] {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/fhir+json")
                .body(body.to_string());
        }
        req
    }
}

#[tokio::test]
async fn every_fhir_interaction_answers_every_caller_as_the_table_says() {
    let w = world().await;
    let routes = capability_routes(&w.app).await;
    for (method, path) in &routes {
        assert!(
            FHIR_TABLE
                .iter()
                .any(|r| r.method == *method && r.path == path),
            "{method} {path} is in the CapabilityStatement but has no row in the FHIR table"
        );
    }
    for row in FHIR_TABLE {
        assert!(
            routes
                .iter()
                .any(|(m, p)| *m == row.method && p == row.path),
            "{} {} is in the FHIR table but not in the CapabilityStatement",
            row.method,
            row.path
        );
    }

    let mut wrong = Vec::new();
    let mut n = 0;
    for row in FHIR_TABLE {
        for (other, expected) in [(false, Some(row.own)), (true, row.other)] {
            let Some(expected) = expected else { continue };
            for (caller, want) in expected.iter().enumerate() {
                n += 1;
                let res = w
                    .fhir_request(row, caller, other, n)
                    .send()
                    .await
                    .expect("request");
                let got = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                if got != *want {
                    wrong.push(format!(
                        "{} {} as {} ({} home): expected {want}, got {got}: {}",
                        row.method,
                        row.path,
                        CALLERS[caller],
                        if other { "another" } else { "own" },
                        body.to_string().chars().take(300).collect::<String>(),
                    ));
                    continue;
                }
                // Every refusal is an OperationOutcome; a search outside the caller's
                // reach finds no one.
                if got >= 400 {
                    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
                }
                let search = row.path.contains('?');
                if got == 200
                    && search
                    && (other || caller == 4)
                    && row.path.starts_with("/fhir/Patient")
                {
                    assert_eq!(
                        body["total"], 0,
                        "{} as {}: {body}",
                        row.path, CALLERS[caller]
                    );
                }
                if got == 200 && row.path.starts_with("/fhir/AuditEvent") && other && caller == 2 {
                    assert_eq!(body["total"], 0, "a manager sees no other home's: {body}");
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells that differ from the FHIR table:\n{}",
        wrong.join("\n")
    );

    let events = w
        .app
        .store
        .audit_events(&bedside_backend::store::AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("events");
    assert!(
        events.iter().all(|e| e.person_id != w.cat),
        "another home's resident was audited"
    );
    assert!(
        events.iter().any(|e| e.person_id == w.ada),
        "the own home's FHIR reads were audited"
    );
}
