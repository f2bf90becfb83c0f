use bedside_tests::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn healthz_reports_version_and_database() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["backend"], "sqlite");
    assert_eq!(body["database"]["status"], "ok");
    assert!(body["database"]["schema_version"].as_i64() >= Some(1));
}

#[tokio::test]
async fn the_database_file_is_wal_and_fully_synchronous() {
    let app = spawn_app().await;
    let journal: String = sqlx_scalar(&app, "PRAGMA journal_mode").await;
    assert_eq!(journal.to_lowercase(), "wal");
    // synchronous: 2 = FULL. The pragma is per connection, so ask a pooled one.
    let sync: i64 = sqlx_scalar(&app, "PRAGMA synchronous").await;
    assert_eq!(sync, 2);
    assert!(app.db_path.exists());
}

async fn sqlx_scalar<T>(app: &bedside_tests::TestApp, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + Unpin,
{
    sqlx::query_scalar::<_, T>(sql)
        .fetch_one(app.store.pool())
        .await
        .expect("pragma")
}
