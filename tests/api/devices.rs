//! Enrolled tablets: a manager enrols one (its secret shown once, only its hash kept),
//! lists the home's with their last contact, and revokes one; a sign-in on a tablet binds
//! the session to it, its reads are audited as that tablet, and once it is revoked the
//! server answers `device_revoked` to its next request and to any sign-in on it.

use bedside_domain::api::{ApiError, Device, DeviceCredential, EnrolledDevice, ErrorCode, Role};
use bedside_domain::{DeviceId, HomeId, PersonId};
use bedside_tests::{PASSWORD, TestApp, spawn_app};
use serde_json::json;

use crate::fixtures::resident;

struct World {
    app: TestApp,
    oak: HomeId,
    river: HomeId,
    ada: PersonId,
    manager: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let oak = app.add_home("Oak Lodge").await;
    let river = app.add_home("Riverside House").await;
    for (home, prefix) in [(oak, "oak"), (river, "river")] {
        app.add_staff(home, &format!("{prefix}.carer"), Role::Carer)
            .await;
        app.add_staff(home, &format!("{prefix}.manager"), Role::Manager)
            .await;
    }
    app.add_staff(oak, "admin", Role::Admin).await;
    let ada = resident(&app, oak, 1, "Ada", "1").await;
    let manager = app.login("oak.manager").await;
    World {
        app,
        oak,
        river,
        ada,
        manager,
    }
}

async fn enrol(app: &TestApp, token: &str, name: &str) -> EnrolledDevice {
    let res = app
        .post_json("/api/v1/devices", token, &json!({ "name": name }))
        .await;
    assert_eq!(res.status(), 201, "enrol {name}");
    res.json().await.expect("enrolled device")
}

async fn list(app: &TestApp, token: &str, query: &str) -> (u16, Vec<Device>) {
    let res = app.get(&format!("/api/v1/devices{query}"), token).await;
    let status = res.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    (status, res.json().await.expect("devices"))
}

async fn revoke(app: &TestApp, token: &str, id: DeviceId) -> reqwest::Response {
    app.post_json(&format!("/api/v1/devices/{id}/revoke"), token, &json!({}))
        .await
}

async fn error_of(res: reqwest::Response) -> (u16, ErrorCode) {
    let status = res.status().as_u16();
    (status, res.json::<ApiError>().await.expect("ApiError").code)
}

/// What the tablet sends: its id and the sign-in proof made from its secret.
fn credential(e: &EnrolledDevice) -> DeviceCredential {
    DeviceCredential {
        id: e.device.id,
        secret: bedside_backend::auth::device_proof(&e.secret).expect("base64url secret"),
    }
}

#[tokio::test]
async fn a_manager_enrols_a_tablet_and_only_its_secrets_hash_is_kept() {
    let w = world().await;
    let before = chrono::Utc::now();
    let e = enrol(&w.app, &w.manager, "Trolley 2").await;
    assert_eq!(e.device.name, "Trolley 2");
    assert_eq!(e.device.enrolled_by, "oak.manager");
    assert!(e.device.enrolled_at >= before - chrono::Duration::seconds(1));
    assert_eq!(e.device.last_contact, None);
    assert_eq!(e.device.revoked_at, None);
    // 32 bytes, base64url without padding.
    assert_eq!(e.secret.len(), 43);
    assert!(
        e.secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    let stored: String =
        sqlx::query_scalar("SELECT secret_hash FROM enrolled_devices WHERE id = $1")
            .bind(e.device.id.to_string())
            .fetch_one(w.app.store.pool())
            .await
            .expect("row");
    // The hash of the sign-in proof, not of the secret: neither is kept.
    assert_eq!(
        stored,
        bedside_backend::auth::token_hash(&credential(&e).secret)
    );
    assert_ne!(stored, bedside_backend::auth::token_hash(&e.secret));
    // The unlock key is 32 random bytes too, and not the secret.
    assert_eq!(e.unlock_key.len(), 43);
    assert_ne!(e.unlock_key, e.secret);

    // A bad name is refused and nothing is stored.
    let res = w
        .app
        .post_json(
            "/api/v1/devices",
            &w.manager,
            &json!({ "name": "=cmd|calc" }),
        )
        .await;
    assert_eq!(error_of(res).await, (400, ErrorCode::BadRequest));
    assert_eq!(w.app.count("enrolled_devices").await, 1);
}

#[tokio::test]
async fn the_list_is_the_homes_tablets_with_their_last_contact() {
    let w = world().await;
    let oak_tablet = enrol(&w.app, &w.manager, "Trolley 1").await;
    let river_manager = w.app.login("river.manager").await;
    let river_tablet = enrol(&w.app, &river_manager, "River 1").await;

    let (_, oak_list) = list(&w.app, &w.manager, "").await;
    assert_eq!(oak_list, vec![oak_tablet.device.clone()]);
    // A manager may not look at another home's.
    let (status, _) = list(&w.app, &w.manager, &format!("?home={}", w.river)).await;
    assert_eq!(status, 403);
    let (status, mine) = list(&w.app, &w.manager, &format!("?home={}", w.oak)).await;
    assert_eq!((status, mine.len()), (200, 1));

    // An administrator sees every home's, or one.
    let admin = w.app.login("admin").await;
    let (_, all) = list(&w.app, &admin, "").await;
    assert_eq!(all.len(), 2);
    let (_, river) = list(&w.app, &admin, &format!("?home={}", w.river)).await;
    assert_eq!(river, vec![river_tablet.device.clone()]);

    // A sign-in on the tablet is its contact.
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    w.app
        .sign_in("oak.carer", Some(credential(&oak_tablet)))
        .await;
    let (_, oak_list) = list(&w.app, &w.manager, "").await;
    let contact = oak_list[0].last_contact.expect("last contact");
    assert!(contact >= before, "{contact} before {before}");
}

#[tokio::test]
async fn a_tablet_sign_in_is_checked_and_its_reads_are_audited_as_the_tablet() {
    let w = world().await;
    let tablet = enrol(&w.app, &w.manager, "Trolley 2").await;

    // Wrong secret, unknown tablet, another home's tablet: invalid_device.
    let wrong = DeviceCredential {
        id: tablet.device.id,
        secret: "not-the-secret".into(),
    };
    let res = w.app.sign_in_raw("oak.carer", PASSWORD, Some(wrong)).await;
    assert_eq!(error_of(res).await, (401, ErrorCode::InvalidDevice));
    // The secret itself is not the proof.
    let raw = DeviceCredential {
        id: tablet.device.id,
        secret: tablet.secret.clone(),
    };
    let res = w.app.sign_in_raw("oak.carer", PASSWORD, Some(raw)).await;
    assert_eq!(error_of(res).await, (401, ErrorCode::InvalidDevice));
    let unknown = DeviceCredential {
        id: DeviceId(uuid::Uuid::new_v4()),
        secret: tablet.secret.clone(),
    };
    let res = w
        .app
        .sign_in_raw("oak.carer", PASSWORD, Some(unknown))
        .await;
    assert_eq!(error_of(res).await, (401, ErrorCode::InvalidDevice));
    let res = w
        .app
        .sign_in_raw("river.carer", PASSWORD, Some(credential(&tablet)))
        .await;
    assert_eq!(error_of(res).await, (401, ErrorCode::InvalidDevice));
    // A wrong password says only that, whatever the tablet.
    let res = w
        .app
        .sign_in_raw("oak.carer", "wrong-password", Some(credential(&tablet)))
        .await;
    assert_eq!(error_of(res).await, (401, ErrorCode::InvalidCredentials));

    let s = w.app.sign_in("oak.carer", Some(credential(&tablet))).await;
    // A sign-in with the tablet's credential gives its unlock key; one without, or a
    // refresh, does not.
    assert_eq!(
        s.device_unlock_key.as_deref(),
        Some(tablet.unlock_key.as_str())
    );
    let plain = w.app.sign_in("oak.carer", None).await;
    assert_eq!(plain.device_unlock_key, None);
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": s.refresh_token }))
        .send()
        .await
        .expect("refresh");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(body.get("device_unlock_key").is_none(), "{body}");
    let s: bedside_domain::api::SignInResponse = body_to(body);
    let res = w
        .app
        .client
        .get(w.app.url(&format!("/api/v1/residents/{}", w.ada)))
        .bearer_auth(&s.login.token)
        .header("x-bedside-device", "Made Up Name")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let device: Option<String> = sqlx::query_scalar("SELECT device FROM audit_events")
        .fetch_one(w.app.store.pool())
        .await
        .expect("one event");
    assert_eq!(device, Some(tablet.device.id.to_string()));
}

#[tokio::test]
async fn a_revoked_tablet_is_refused_at_its_next_request_and_at_sign_in() {
    let w = world().await;
    let tablet = enrol(&w.app, &w.manager, "Trolley 2").await;
    let on_tablet = w.app.sign_in("oak.carer", Some(credential(&tablet))).await;
    let unbound = w.app.sign_in("oak.carer", None).await;
    assert_eq!(
        w.app
            .get("/api/v1/sync/status", &on_tablet.login.token)
            .await
            .status(),
        200
    );

    // Staff who may not manage tablets, and another home's manager, cannot revoke it.
    let carer = w.app.login("oak.carer").await;
    assert_eq!(
        error_of(revoke(&w.app, &carer, tablet.device.id).await).await,
        (403, ErrorCode::Forbidden)
    );
    let river_manager = w.app.login("river.manager").await;
    assert_eq!(
        error_of(revoke(&w.app, &river_manager, tablet.device.id).await).await,
        (404, ErrorCode::NotFound)
    );

    let res = revoke(&w.app, &w.manager, tablet.device.id).await;
    assert_eq!(res.status(), 200);
    let revoked: Device = res.json().await.expect("device");
    let at = revoked.revoked_at.expect("revoked");
    // Idempotent: the first time stands.
    let again: Device = revoke(&w.app, &w.manager, tablet.device.id)
        .await
        .json()
        .await
        .expect("device");
    assert_eq!(again.revoked_at, Some(at));

    for path in ["/api/v1/sync/status", "/api/v1/residents"] {
        let res = w.app.get(path, &on_tablet.login.token).await;
        assert_eq!(
            error_of(res).await,
            (403, ErrorCode::DeviceRevoked),
            "{path}"
        );
    }
    let res = w
        .app
        .client
        .post(w.app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": on_tablet.refresh_token }))
        .send()
        .await
        .expect("request");
    assert_eq!(error_of(res).await, (403, ErrorCode::DeviceRevoked));
    let res = w
        .app
        .sign_in_raw("oak.carer", PASSWORD, Some(credential(&tablet)))
        .await;
    assert_eq!(error_of(res).await, (403, ErrorCode::DeviceRevoked));

    // A session not bound to the tablet goes on.
    assert_eq!(
        w.app
            .get("/api/v1/residents", &unbound.login.token)
            .await
            .status(),
        200
    );
}

fn body_to<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
    serde_json::from_value(body).expect("the documented shape")
}
