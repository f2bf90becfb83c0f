//! Sign-in rate limits: five failures lock an account out (even for the right password)
//! with a `Retry-After`, without touching other accounts or revealing who exists; and an
//! address gets a number of attempts a minute.

use bedside_backend::limits::Limit;
use bedside_backend::state::Settings;
use bedside_domain::api::{ApiError, ErrorCode, Role};
use bedside_tests::{Options, PASSWORD, spawn_app, spawn_with};

async fn refused(res: reqwest::Response) -> (u16, ErrorCode, Option<u64>) {
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let code = res.json::<ApiError>().await.expect("ApiError").code;
    (status, code, retry)
}

#[tokio::test]
async fn the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    app.add_staff(home, "bob.carer", Role::Carer).await;

    for _ in 0..5 {
        let (status, code, _) = refused(app.login_raw("ann.carer", "wrong-password").await).await;
        assert_eq!((status, code), (401, ErrorCode::InvalidCredentials));
    }
    let (status, code, retry) = refused(app.login_raw("ANN.carer", PASSWORD).await).await;
    assert_eq!((status, code), (429, ErrorCode::RateLimited));
    let retry = retry.expect("Retry-After in seconds");
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");

    // Another account is not affected.
    assert_eq!(app.login_raw("bob.carer", PASSWORD).await.status(), 200);

    // A username that does not exist is limited in the same way: the limit reveals
    // nothing about who has an account.
    for _ in 0..5 {
        let (status, ..) = refused(app.login_raw("nobody", "wrong-password").await).await;
        assert_eq!(status, 401);
    }
    let (status, code, retry) = refused(app.login_raw("nobody", "wrong-password").await).await;
    assert_eq!((status, code), (429, ErrorCode::RateLimited));
    assert!(retry.is_some());
}

#[tokio::test]
async fn a_good_sign_in_clears_earlier_failures() {
    let app = spawn_app().await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    for _ in 0..4 {
        assert_eq!(app.login_raw("ann.carer", "wrong").await.status(), 401);
    }
    assert_eq!(app.login_raw("ann.carer", PASSWORD).await.status(), 200);
    for _ in 0..4 {
        assert_eq!(app.login_raw("ann.carer", "wrong").await.status(), 401);
    }
    assert_eq!(app.login_raw("ann.carer", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn an_address_gets_a_number_of_attempts_a_minute() {
    let app = spawn_with(Options {
        settings: Settings {
            address_attempts: Limit {
                max: 8,
                window: std::time::Duration::from_secs(60),
            },
            ..Settings::default()
        },
        ..Options::default()
    })
    .await;
    let home = app.add_home("Oak Lodge").await;
    app.add_staff(home, "ann.carer", Role::Carer).await;
    // Different names, so no account limit is reached; successes count too.
    for i in 0..7 {
        let res = app
            .login_raw(&format!("someone.{i}"), "wrong-password")
            .await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    assert_eq!(app.login_raw("ann.carer", PASSWORD).await.status(), 200);
    let (status, code, retry) = refused(app.login_raw("ann.carer", PASSWORD).await).await;
    assert_eq!((status, code), (429, ErrorCode::RateLimited));
    let retry = retry.expect("Retry-After");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
}

#[test]
fn the_default_limits_are_the_documented_ones() {
    let s = Settings::default();
    assert_eq!(s.account_failures.max, 5);
    assert_eq!(s.account_failures.window.as_secs(), 15 * 60);
    assert_eq!(s.address_attempts.max, 30);
    assert_eq!(s.address_attempts.window.as_secs(), 60);
}
