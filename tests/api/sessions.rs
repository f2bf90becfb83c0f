//! Sessions: short-lived access tokens, refresh with rotation, reuse of a refresh token
//! ending the whole session, idle and absolute ends, and sign-out of both tokens.

use std::time::Duration;

use bedside_backend::state::Settings;
use bedside_domain::api::{ApiError, ErrorCode, Role, SignInResponse};
use bedside_tests::{Options, TestApp, spawn_app, spawn_with};

async fn app_with(settings: Settings) -> TestApp {
    let app = spawn_with(Options {
        settings,
        ..Options::default()
    })
    .await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    app
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&serde_json::json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .expect("request")
}

async fn refreshed(app: &TestApp, refresh_token: &str) -> SignInResponse {
    let res = refresh(app, refresh_token).await;
    assert_eq!(res.status(), 200, "refresh");
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    res.json().await.expect("refresh body")
}

async fn error_of(res: reqwest::Response) -> (u16, ErrorCode) {
    let status = res.status().as_u16();
    (status, res.json::<ApiError>().await.expect("ApiError").code)
}

async fn residents(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/residents", token).await.status().as_u16()
}

#[tokio::test]
async fn sign_in_answers_an_access_and_a_refresh_token_kept_only_hashed() {
    let app = app_with(Settings::default()).await;
    let before = chrono::Utc::now() - chrono::Duration::milliseconds(1);
    let s = app.sign_in("ann.carer", None).await;
    let after = chrono::Utc::now();
    let within = |t, ttl| t >= before + ttl && t <= after + ttl;
    assert!(within(s.login.expires_at, chrono::Duration::minutes(15)));
    assert!(within(s.refresh_expires_at, chrono::Duration::hours(12)));
    assert_ne!(s.login.token, s.refresh_token);
    assert_eq!(s.refresh_token.len(), 43);

    // Only the hashes are stored.
    for raw in [&s.login.token, &s.refresh_token] {
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM session_tokens WHERE token_hash = $1")
                .bind(raw)
                .fetch_one(app.store.pool())
                .await
                .expect("count");
        assert_eq!(stored, 0, "a raw token is in the database");
        let hashed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM session_tokens WHERE token_hash = $1")
                .bind(bedside_backend::auth::token_hash(raw))
                .fetch_one(app.store.pool())
                .await
                .expect("count");
        assert_eq!(hashed, 1);
    }

    // Each token only does its own job.
    assert_eq!(residents(&app, &s.refresh_token).await, 401);
    let (status, code) = error_of(refresh(&app, &s.login.token).await).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthenticated));
    let (status, code) = error_of(refresh(&app, "made-up").await).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthenticated));
}

#[tokio::test]
async fn an_expired_access_token_is_refused_and_a_refresh_gives_a_working_one() {
    let app = app_with(Settings {
        token_ttl: chrono::Duration::seconds(1),
        ..Settings::default()
    })
    .await;
    let s = app.sign_in("ann.carer", None).await;
    assert_eq!(residents(&app, &s.login.token).await, 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, code) = error_of(app.get("/api/v1/residents", &s.login.token).await).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthenticated));

    let next = refreshed(&app, &s.refresh_token).await;
    assert_ne!(next.login.token, s.login.token);
    assert_ne!(next.refresh_token, s.refresh_token);
    assert_eq!(next.login.staff, s.login.staff);
    // The session's end does not move with a refresh.
    assert_eq!(next.refresh_expires_at, s.refresh_expires_at);
    assert_eq!(residents(&app, &next.login.token).await, 200);
}

#[tokio::test]
async fn reusing_a_refresh_token_ends_the_whole_session() {
    let app = app_with(Settings::default()).await;
    let s = app.sign_in("ann.carer", None).await;
    let other = app.sign_in("ann.carer", None).await;

    let second = refreshed(&app, &s.refresh_token).await;
    let third = refreshed(&app, &second.refresh_token).await;
    assert_eq!(residents(&app, &third.login.token).await, 200);

    // The first refresh token again: someone holds a copy. Everything of the session
    // stops working, for whoever holds it.
    let (status, code) = error_of(refresh(&app, &s.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionRevoked));
    assert_eq!(residents(&app, &third.login.token).await, 401);
    assert_eq!(residents(&app, &s.login.token).await, 401);
    let (status, code) = error_of(refresh(&app, &third.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionRevoked));

    // Another session of the same person is not touched.
    assert_eq!(residents(&app, &other.login.token).await, 200);
    refreshed(&app, &other.refresh_token).await;
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_may_be_retried_once_within_the_grace() {
    let app = app_with(Settings::default()).await;
    let s = app.sign_in("ann.carer", None).await;

    // The server traded the token, but the tablet never heard the answer.
    refreshed(&app, &s.refresh_token).await;
    // Its retry with the same token, moments later, gets a working pair...
    let retried = refreshed(&app, &s.refresh_token).await;
    assert_eq!(residents(&app, &retried.login.token).await, 200);
    let next = refreshed(&app, &retried.refresh_token).await;
    assert_eq!(residents(&app, &next.login.token).await, 200);

    // A third use of the first token is reuse, grace or not: the session ends.
    let (status, code) = error_of(refresh(&app, &s.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionRevoked));
    assert_eq!(residents(&app, &next.login.token).await, 401);

    // The lost pair's refresh token was retired by the retry: using it is reuse too.
    let s = app.sign_in("ann.carer", None).await;
    let lost = refreshed(&app, &s.refresh_token).await;
    let retried = refreshed(&app, &s.refresh_token).await;
    let (status, code) = error_of(refresh(&app, &lost.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionRevoked));
    assert_eq!(residents(&app, &retried.login.token).await, 401);
}

#[tokio::test]
async fn after_the_grace_a_traded_refresh_token_ends_the_session() {
    let app = app_with(Settings {
        refresh_grace: chrono::Duration::milliseconds(300),
        ..Settings::default()
    })
    .await;
    let s = app.sign_in("ann.carer", None).await;
    let second = refreshed(&app, &s.refresh_token).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, code) = error_of(refresh(&app, &s.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionRevoked));
    assert_eq!(residents(&app, &second.login.token).await, 401);
}

#[tokio::test]
async fn a_session_not_used_for_the_idle_time_ends() {
    let app = app_with(Settings {
        idle_timeout: chrono::Duration::milliseconds(1_500),
        contact_interval: chrono::Duration::zero(),
        ..Settings::default()
    })
    .await;
    let s = app.sign_in("ann.carer", None).await;
    // Used within the idle time, twice: still alive after longer than it.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert_eq!(residents(&app, &s.login.token).await, 200);
    }
    let next = refreshed(&app, &s.refresh_token).await;

    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(residents(&app, &next.login.token).await, 401);
    let (status, code) = error_of(refresh(&app, &next.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionExpired));
    // And it stays ended.
    let (status, code) = error_of(refresh(&app, &next.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionExpired));
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_much_it_is_used() {
    let app = app_with(Settings {
        session_max: chrono::Duration::milliseconds(1_500),
        contact_interval: chrono::Duration::zero(),
        ..Settings::default()
    })
    .await;
    let s = app.sign_in("ann.carer", None).await;
    // The access token never outlives the session.
    assert!(s.login.expires_at <= s.refresh_expires_at);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let next = refreshed(&app, &s.refresh_token).await;
    assert_eq!(residents(&app, &next.login.token).await, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(residents(&app, &next.login.token).await, 401);
    let (status, code) = error_of(refresh(&app, &next.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::SessionExpired));
}

#[tokio::test]
async fn signing_out_ends_access_and_refresh() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    let s = app.sign_in("ann.carer", None).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&s.login.token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 204);
    assert_eq!(residents(&app, &s.login.token).await, 401);
    let (status, code) = error_of(refresh(&app, &s.refresh_token).await).await;
    assert_eq!((status, code), (401, ErrorCode::Unauthenticated));
}
