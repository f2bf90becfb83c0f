//! The OpenAPI document is generated from the handlers; these tests keep it true: every
//! documented operation exists and answers with a documented status, and each JSON body
//! it answers matches the documented schema. The committed copy in docs/openapi.json is
//! checked too, so API changes show in review (`BEDSIDE_UPDATE_OPENAPI=1` rewrites it).

use bedside_domain::api::Role;
use bedside_tests::{spawn_app, workspace_root};
use serde_json::Value;

use crate::fixtures::resident;

#[tokio::test]
async fn every_documented_operation_answers_as_documented() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "oak.carer", Role::Carer).await;
    app.add_staff(home, "oak.manager", Role::Manager).await;
    let person = resident(&app, home, 1, "Ada", "1").await;
    let token = app.login("oak.carer").await;
    // The access log is for managers.
    let manager = app.login("oak.manager").await;
    let attachment = {
        use bedside_backend::store::{NewEntry, Store};
        use bedside_domain::record::{DocumentType, EntryBody, Provenance};
        let mut tx = app.store.begin_ingest().await.expect("begin");
        let id = tx
            .put_attachment(
                person,
                "application/pdf",
                Some("Letter"),
                b"%PDF-1.4 test",
                chrono::Utc::now(),
            )
            .await
            .expect("attachment");
        let entry = tx
            .insert_entry(
                person,
                "test-resource",
                "",
                &NewEntry {
                    provenance: Provenance {
                        organisation: "Test Hospital".into(),
                        ods_code: None,
                        system: None,
                        source_id: None,
                        author: None,
                        authored_at: chrono::Utc::now(),
                        received_at: chrono::Utc::now(),
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
    };
    // A tablet to revoke.
    let device: Value = app
        .post_json(
            "/api/v1/devices",
            &manager,
            &serde_json::json!({ "name": "Trolley 1" }),
        )
        .await
        .json()
        .await
        .expect("enrolled");
    let device_id = device["device"]["id"]
        .as_str()
        .expect("device id")
        .to_owned();
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.expect("json");
    assert!(doc["openapi"].as_str().unwrap_or_default().starts_with('3'));

    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = Vec::new();
    // Sign-out last, so it does not end the session the others use.
    let mut operations: Vec<(String, String, Value)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, op)| (path.clone(), method.clone(), op.clone()))
        })
        .collect();
    operations.sort_by_key(|(path, _, _)| path.ends_with("/logout"));

    for (path, method, op) in operations {
        let id = if path.starts_with("/api/v1/attachments/") {
            attachment.clone()
        } else if path.starts_with("/api/v1/devices/") {
            device_id.clone()
        } else {
            person.to_string()
        };
        let mut url = app.url(&path.replace("{id}", &id));
        if path == "/api/v1/sync/changes" {
            let status: serde_json::Value = app
                .get("/api/v1/sync/status", &token)
                .await
                .json()
                .await
                .expect("status");
            url = format!(
                "{url}?since={}",
                status["head"].as_str().unwrap_or_default()
            );
        }
        let mut req = match method.as_str() {
            "get" => app.client.get(&url),
            "post" => app.client.post(&url),
            other => panic!("undocumented method kind {other} on {path}"),
        };
        if op.get("security").is_some() {
            if path.starts_with("/api/v1/audit") || path.starts_with("/api/v1/devices") {
                req = req.bearer_auth(&manager);
            } else {
                req = req.bearer_auth(&token);
            }
        }
        if path == "/api/v1/audit/events" {
            req = req.json(&serde_json::json!({
                "events": [{
                    "id": uuid::Uuid::now_v7(),
                    "person_id": person,
                    "part": "summary",
                    "at": chrono::Utc::now(),
                    "mode": "offline"
                }]
            }));
        }
        if path == "/api/v1/sync/push" {
            req = req.json(&serde_json::json!({
                "device_id": uuid::Uuid::new_v4(),
                "mutations": [{
                    "id": uuid::Uuid::now_v7(),
                    "device_seq": 1,
                    "created_at": chrono::Utc::now(),
                    "op": { "type": "add_note", "person_id": person, "category": "social", "text": "Enjoyed the music." }
                }]
            }));
        }
        if path == "/api/v1/devices" && method == "post" {
            req = req.json(&serde_json::json!({ "name": "Trolley 2" }));
        }
        if path == "/api/v1/auth/refresh" {
            let fresh = app.sign_in("oak.carer", None).await;
            req = req.json(&serde_json::json!({ "refresh_token": fresh.refresh_token }));
        }
        if path == "/api/v1/auth/login" {
            req = req.json(&serde_json::json!({
                "username": "oak.carer",
                "password": bedside_tests::PASSWORD
            }));
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16().to_string();
        let documented = &op["responses"][&status];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which is not documented"
        );
        assert!(
            res.status().is_success(),
            "{method} {path} should succeed here, got {status}"
        );
        let schema = &documented["content"]["application/json"]["schema"];
        if schema.is_object() {
            let body: Value = res.json().await.expect("json body");
            let errors = validate(&doc, schema, &body, "$");
            assert!(errors.is_empty(), "{method} {path}: {errors:#?}");
        }
        checked.push(format!("{} {path}", method.to_uppercase()));
    }
    for must in [
        "GET /healthz",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/refresh",
        "GET /api/v1/devices",
        "POST /api/v1/devices",
        "POST /api/v1/devices/{id}/revoke",
        "GET /api/v1/residents",
        "GET /api/v1/residents/{id}",
        "GET /api/v1/records",
        "GET /api/v1/attachments/{id}",
        "GET /api/v1/sync/status",
        "GET /api/v1/sync/snapshot",
        "GET /api/v1/sync/changes",
        "POST /api/v1/sync/push",
        "POST /api/v1/audit/events",
        "GET /api/v1/audit",
        "GET /api/v1/audit.csv",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} is not documented"
        );
    }
}

#[tokio::test]
async fn the_committed_document_matches_the_code() {
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let pretty = serde_json::to_string_pretty(&served).expect("serialise") + "\n";
    let committed_path = workspace_root().join("docs/openapi.json");
    if std::env::var_os("BEDSIDE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &pretty).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == pretty,
        "docs/openapi.json is out of date: run BEDSIDE_UPDATE_OPENAPI=1 cargo test -p bedside-tests --test api openapi"
    );
}

/// A small JSON Schema check covering what utoipa emits: $ref, oneOf/anyOf/allOf, type
/// (including type arrays), enum, required, properties and items.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return vec![format!("{at}: dangling $ref {reference}")];
        }
        return validate(doc, target, value, at);
    }
    let mut errors = Vec::new();
    if let Some(alternatives) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let matching = alternatives
            .iter()
            .filter(|s| validate(doc, s, value, at).is_empty())
            .count();
        if matching == 0 {
            errors.push(format!("{at}: matches none of the alternatives: {value}"));
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            errors.extend(validate(doc, s, value, at));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        errors.push(format!("{at}: expected {types:?}, got {value}"));
        return errors;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(object) = value.as_object() {
        for key in schema["required"].as_array().into_iter().flatten() {
            if let Some(k) = key.as_str()
                && !object.contains_key(k)
            {
                errors.push(format!("{at}: missing required {k}"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, s) in props {
                if let Some(v) = object.get(k) {
                    errors.extend(validate(doc, s, v, &format!("{at}.{k}")));
                }
            }
        }
    }
    if let Some(items) = value.as_array() {
        let item_schema = &schema["items"];
        if item_schema.is_object() {
            for (i, v) in items.iter().enumerate().take(500) {
                errors.extend(validate(doc, item_schema, v, &format!("{at}[{i}]")));
            }
        }
    }
    errors
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    }
}
