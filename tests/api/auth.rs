use bedside_backend::state::Settings;
use bedside_domain::api::{ApiError, ErrorCode, LoginResponse, Role};
use bedside_tests::{Options, PASSWORD, spawn_app, spawn_with};
use chrono::Utc;

#[tokio::test]
async fn sign_in_answers_a_token_for_the_staff_members_home() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    let staff = app.add_staff(home, "ann.carer", Role::Carer).await;

    let res = app.login_raw("ann.carer", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: LoginResponse = res.json().await.expect("login body");
    assert_eq!(body.staff.id, staff);
    assert_eq!(body.staff.role, Role::Carer);
    assert_eq!(body.staff.home.id, home);
    assert_eq!(body.staff.home.name, "Oak Lodge");
    assert!(body.token.len() >= 40);
    let ttl = body.expires_at - Utc::now();
    assert!(ttl > chrono::Duration::minutes(14) && ttl <= chrono::Duration::minutes(15));

    let res = app.get("/api/v1/residents", &body.token).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn usernames_match_without_case() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "Ann.Carer", Role::Carer).await;
    assert_eq!(app.login_raw("ANN.carer", PASSWORD).await.status(), 200);
}

async fn error_of(res: reqwest::Response) -> (u16, ApiError) {
    let status = res.status().as_u16();
    (status, res.json::<ApiError>().await.expect("ApiError body"))
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;

    let wrong = app.login_raw("ann.carer", "not-the-password").await;
    assert_eq!(
        wrong
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    let (status, wrong) = error_of(wrong).await;
    assert_eq!(status, 401);
    assert_eq!(wrong.code, ErrorCode::InvalidCredentials);

    let (status, unknown) = error_of(app.login_raw("nobody", "not-the-password").await).await;
    assert_eq!(status, 401);
    assert_eq!(
        unknown, wrong,
        "the answer must not reveal which usernames exist"
    );
}

#[tokio::test]
async fn malformed_sign_in_requests_are_refused_clearly() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/auth/login");

    let (status, e) = error_of(app.login_raw("", "").await).await;
    assert_eq!((status, e.code), (400, ErrorCode::BadRequest));

    let res = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"username\": \"a\",")
        .send()
        .await
        .expect("request");
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.code), (400, ErrorCode::BadRequest));

    let res = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"username\": \"a\"}")
        .send()
        .await
        .expect("request");
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.code), (400, ErrorCode::BadRequest));
    assert!(
        e.message.contains("password"),
        "names the missing field: {}",
        e.message
    );

    let res = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("username=a&password=b")
        .send()
        .await
        .expect("request");
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.code), (415, ErrorCode::UnsupportedMediaType));

    let huge = format!(
        "{{\"username\":\"a\",\"password\":\"{}\"}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let res = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("request");
    let (status, e) = error_of(res).await;
    assert_eq!((status, e.code), (413, ErrorCode::PayloadTooLarge));
}

#[tokio::test]
async fn record_routes_need_a_valid_token() {
    let app = spawn_app().await;
    for path in ["/api/v1/residents", "/api/v1/records"] {
        let res = app.client.get(app.url(path)).send().await.expect("request");
        let (status, e) = error_of(res).await;
        assert_eq!(
            (status, e.code),
            (401, ErrorCode::Unauthenticated),
            "{path}"
        );

        let (status, e) = error_of(app.get(path, "made-up-token").await).await;
        assert_eq!(
            (status, e.code),
            (401, ErrorCode::Unauthenticated),
            "{path}"
        );

        let res = app
            .client
            .get(app.url(path))
            .header("authorization", "Basic YTpi")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_with(Options {
        settings: Settings {
            token_ttl: chrono::Duration::zero(),
            ..Settings::default()
        },
        ..Options::default()
    })
    .await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    let token = app.login("ann.carer").await;
    let (status, e) = error_of(app.get("/api/v1/residents", &token).await).await;
    assert_eq!((status, e.code), (401, ErrorCode::Unauthenticated));
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    let token = app.login("ann.carer").await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 204);
    assert_eq!(app.get("/api/v1/residents", &token).await.status(), 401);
    // Another session of the same person is not affected.
    let other = app.login("ann.carer").await;
    assert_eq!(app.get("/api/v1/residents", &other).await.status(), 200);
}
