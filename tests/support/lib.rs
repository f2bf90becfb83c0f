//! Helpers for the black-box tests: the real server on a random loopback port with a fresh
//! SQLite file (stopped and started again on the same file for restart tests), a typed
//! client for its API, and a native sync client ([`client::Tablet`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bedside_backend::state::{AppState, Settings};
use bedside_backend::store::sqlite::SqliteStore;
use bedside_backend::{admin, startup};
use bedside_domain::api::{
    DeviceCredential, LoginRequest, LoginResponse, Role, SignInRequest, SignInResponse,
};
use bedside_domain::{HomeId, StaffId};
use tokio::sync::oneshot;

pub const PASSWORD: &str = "test-password-1";

pub mod client;
pub mod fixtures;

/// A running server. Dropping it stops the server and deletes its database.
pub struct TestApp {
    pub base: String,
    pub store: SqliteStore,
    pub client: reqwest::Client,
    pub db_path: PathBuf,
    settings: Settings,
    assets: PathBuf,
    server: Option<Running>,
    _dir: tempfile::TempDir,
}

/// The serving task of a [`TestApp`] and the way to stop it.
struct Running {
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

/// How to start a test server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub settings: Settings,
    /// A directory of built assets to serve; an empty temporary one when `None`.
    pub assets: Option<PathBuf>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("bedside.db");
    let store = SqliteStore::open(&db_path).await.expect("open database");
    let assets = match options.assets {
        Some(a) => a,
        None => {
            let a = dir.path().join("assets");
            std::fs::create_dir_all(&a).expect("assets dir");
            a
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local addr");
    let server = serve(&store, &options.settings, &assets, listener);
    TestApp {
        base: format!("http://{addr}"),
        store,
        client: reqwest::Client::builder().build().expect("http client"),
        db_path,
        settings: options.settings,
        assets,
        server: Some(server),
        _dir: dir,
    }
}

/// Starts the application on `listener` over `store`.
fn serve(
    store: &SqliteStore,
    settings: &Settings,
    assets: &Path,
    listener: tokio::net::TcpListener,
) -> Running {
    let state = AppState::new(Arc::new(store.clone()), settings.clone());
    let app = startup::build_app(state, assets);
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let _ = startup::serve(listener, app, async {
            let _ = stopped.await;
        })
        .await;
    });
    Running { stop, done }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.stop.send(());
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server as a deployment would: it finishes the requests in flight, then
    /// the database is closed. Until [`TestApp::start`], requests to `base` fail.
    pub async fn stop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let _ = server.stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(30), server.done)
            .await
            .expect("the server stops within 30 s")
            .expect("the server task ends cleanly");
        self.store.pool().close().await;
    }

    /// Starts a new server on the same SQLite file (reopened, as after a restart), on the
    /// same port when it is still free, otherwise on a new one (`base` says which).
    pub async fn start(&mut self) {
        assert!(self.server.is_none(), "the server is already running");
        self.store = SqliteStore::open(&self.db_path)
            .await
            .expect("reopen the database");
        let addr = self
            .base
            .strip_prefix("http://")
            .expect("base is an http URL")
            .to_owned();
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a loopback port"),
        };
        self.base = format!("http://{}", listener.local_addr().expect("local addr"));
        self.server = Some(serve(&self.store, &self.settings, &self.assets, listener));
    }

    /// Stops the server and starts a new one on the same database file.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start().await;
    }

    pub async fn add_home(&self, name: &str) -> HomeId {
        admin::add_home(&self.store, name).await.expect("add home")
    }

    pub async fn add_staff(&self, home: HomeId, username: &str, role: Role) -> StaffId {
        admin::add_staff(&self.store, home, username, role, PASSWORD)
            .await
            .expect("add staff")
    }

    pub async fn login_raw(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&LoginRequest {
                username: username.into(),
                password: password.into(),
            })
            .send()
            .await
            .expect("request")
    }

    /// Signs in, on an enrolled tablet when `device` is given.
    pub async fn sign_in_raw(
        &self,
        username: &str,
        password: &str,
        device: Option<DeviceCredential>,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&SignInRequest {
                login: LoginRequest {
                    username: username.into(),
                    password: password.into(),
                },
                device,
            })
            .send()
            .await
            .expect("request")
    }

    /// Signs in (with the test password) and returns the whole answer.
    pub async fn sign_in(
        &self,
        username: &str,
        device: Option<DeviceCredential>,
    ) -> SignInResponse {
        let res = self.sign_in_raw(username, PASSWORD, device).await;
        assert_eq!(res.status(), 200, "sign-in as {username}");
        res.json::<SignInResponse>().await.expect("sign-in body")
    }

    /// POSTs JSON with a bearer token.
    pub async fn post_json(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Signs in and returns the bearer token.
    pub async fn login(&self, username: &str) -> String {
        let res = self.login_raw(username, PASSWORD).await;
        assert_eq!(res.status(), 200, "sign-in as {username}");
        res.json::<LoginResponse>().await.expect("login body").token
    }

    /// Adds a sending system and returns its bearer credential.
    pub async fn add_source(&self, ods: &str, name: &str) -> String {
        bedside_backend::ingest_cli::add_source(&self.store, ods, name)
            .await
            .expect("add source")
    }

    /// Sends FHIR JSON and returns the status and the parsed body.
    pub async fn fhir(
        &self,
        method: reqwest::Method,
        path: &str,
        credential: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let res = self
            .client
            .request(method, self.url(path))
            .bearer_auth(credential)
            .header("content-type", "application/fhir+json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    /// GET with a bearer token, parsed as JSON.
    pub async fn fhir_get(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let res = self.get(path, token).await;
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    /// How many rows a table has: for checking that refused input changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(self.store.pool())
            .await
            .expect("count")
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }
}

/// The workspace root (for finding `dist/` and fixtures).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
}
