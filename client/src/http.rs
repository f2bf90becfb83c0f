//! The server's app API (`/api/v1/…`), as the tablet calls it, from the app or its
//! service worker.
//!
//! Requests go to the origin the code was loaded from, through the global `fetch` (so the
//! same code runs in a `Window` and in a `ServiceWorkerGlobalScope`), bypass the HTTP
//! cache, and give up after a timeout: on poor Wi-Fi a request can hang far longer than a
//! carer should wait, and the sync holds its lock meanwhile. Every failure is sorted into
//! an [`ApiFailure`] that keeps its cause; none panics, and none carries record contents.
//!
//! Bodies are parsed by the browser (`Response.json()`) and read into Rust types by
//! [`crate::read`], the same readers the local store uses: one copy of the record
//! model's reading code in the wasm instead of two, and the browser's JSON parser is
//! fast on a whole home's snapshot.

use bedside_domain::api::{
    ApiError, DeviceCredential, EnrolDeviceRequest, EnrolledDevice, ErrorCode, LoginRequest,
    RefreshRequest, SignInRequest, SignInResponse,
};
use bedside_domain::audit::{AuditUpload, AuditUploadResult};
use bedside_domain::sync::wire::{
    Change, ChangesPage, Cursor, PushRequest, PushResponse, SnapshotPage, SyncStatus,
};
use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, Request, RequestCache, RequestInit, Response};

pub const LOGIN: &str = "/api/v1/auth/login";
pub const REFRESH: &str = "/api/v1/auth/refresh";
pub const LOGOUT: &str = "/api/v1/auth/logout";
pub const SYNC_STATUS: &str = "/api/v1/sync/status";
pub const SYNC_SNAPSHOT: &str = "/api/v1/sync/snapshot";
pub const SYNC_CHANGES: &str = "/api/v1/sync/changes";
pub const SYNC_PUSH: &str = "/api/v1/sync/push";
pub const DEVICES: &str = "/api/v1/devices";
pub const AUDIT_EVENTS: &str = "/api/v1/audit/events";

/// How long a request may take, body included, before the tablet treats it as lost.
pub const TIMEOUT_MS: u32 = 30_000;
/// For the calls of a sign-out, which staff wait for: the tablet is wiped whatever the
/// server says, so it is not worth holding them up for long.
pub const SHORT_TIMEOUT_MS: u32 = 3_000;
/// A snapshot page is up to a few megabytes: give it longer on a slow network.
const SNAPSHOT_TIMEOUT_MS: u32 = 90_000;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`: `window.fetch` in the app, `self.fetch` in the worker.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &Request) -> Promise;
}

/// Why a call to the server did not give the tablet what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiFailure {
    /// The request never got an answer: no network, the server is unreachable, or the
    /// answer did not arrive in time.
    #[error("no network")]
    Offline,
    /// 401: wrong username or password, or the token has expired. The server's message.
    #[error("{0}")]
    Unauthenticated(String),
    /// Any other error status, with the server's message and its stable code when it
    /// sent them (403 `device_revoked` is the one the tablet acts on: it wipes itself).
    #[error("the server answered {status}: {message}")]
    Server {
        status: u16,
        message: String,
        code: Option<ErrorCode>,
    },
    /// A 2xx answer whose body is not what this version of the app expects.
    #[error("the server's answer could not be read")]
    BadResponse,
}

impl ApiFailure {
    /// Worth trying again later by itself: no answer, or the server failing (5xx, or
    /// refusing for a while with 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Offline => true,
            Self::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Self::Unauthenticated(_) | Self::BadResponse => false,
        }
    }

    /// 403 `device_revoked`: a manager removed this tablet from the home's devices. The
    /// server refuses it from now on, and the tablet must wipe what it holds.
    pub fn is_device_revoked(&self) -> bool {
        matches!(
            self,
            Self::Server {
                status: 403,
                code: Some(ErrorCode::DeviceRevoked),
                ..
            }
        )
    }

    /// The words for the sign-in screen.
    pub fn sign_in_message(&self) -> String {
        match self {
            Self::Offline => {
                "No network: you can sign in once the tablet is back online".to_owned()
            }
            Self::Unauthenticated(message) => message.clone(),
            Self::Server { message, .. } => {
                format!("The server could not sign you in: {message}")
            }
            Self::BadResponse => {
                "The server's answer could not be read. The app may need updating: close it \
                 and open it again."
                    .to_owned()
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiFailure>;

/// `POST /api/v1/auth/login` without a device credential (a manager about to enrol the
/// tablet): an access token and a refresh token.
pub async fn login(username: &str, password: &str) -> ApiResult<SignInResponse> {
    sign_in(username, password, None).await
}

/// `POST /api/v1/auth/login`, with the tablet's credential when it is enrolled
/// (`LocalDb::device_credential`): the session is then bound to the tablet, and the
/// answer carries its unlock key. 403 `device_revoked` when the tablet was revoked.
pub async fn sign_in(
    username: &str,
    password: &str,
    device: Option<&DeviceCredential>,
) -> ApiResult<SignInResponse> {
    let body = SignInRequest {
        login: LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        },
        device: device.cloned(),
    };
    let body = crate::write::sign_in_request(&body);
    let response = send("POST", LOGIN, None, Some(&body), TIMEOUT_MS).await?;
    decode(read_parsed(response).await?, crate::read::sign_in_response)
}

/// `POST /api/v1/devices`: enrols this tablet for the signed-in manager's home, under
/// `name`. The answer's secret and unlock key go straight to `LocalDb::enrol`.
pub async fn enrol_device(token: &str, name: &str) -> ApiResult<EnrolledDevice> {
    let body = EnrolDeviceRequest {
        name: name.to_owned(),
    };
    let body = crate::write::enrol_device_request(&body);
    let response = send("POST", DEVICES, Some(token), Some(&body), TIMEOUT_MS).await?;
    decode(read_parsed(response).await?, crate::read::enrolled_device)
}

/// `POST /api/v1/audit/events`: views of records this tablet recorded (at most
/// `AuditUpload::MAX_EVENTS`). Sending an event again stores nothing new.
pub async fn upload_audit(token: &str, upload: &AuditUpload) -> ApiResult<AuditUploadResult> {
    let body = crate::write::audit_upload(upload);
    let response = send("POST", AUDIT_EVENTS, Some(token), Some(&body), TIMEOUT_MS).await?;
    decode(
        read_parsed(response).await?,
        crate::read::audit_upload_result,
    )
}

/// `POST /api/v1/auth/refresh`: trades the refresh token for a new pair. The token works
/// once: the caller must store the new pair before anything else can use the old one
/// (see [`crate::session`]).
pub async fn refresh(refresh_token: &str, timeout_ms: u32) -> ApiResult<SignInResponse> {
    let body = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    let body = crate::write::refresh_request(&body);
    let response = send("POST", REFRESH, None, Some(&body), timeout_ms).await?;
    decode(read_parsed(response).await?, crate::read::sign_in_response)
}

/// `POST /api/v1/auth/logout`: ends the session on the server (its access and refresh
/// tokens stop working). Answered 204.
pub async fn logout(token: &str, timeout_ms: u32) -> ApiResult<()> {
    let response = send("POST", LOGOUT, Some(token), None, timeout_ms).await?;
    if (200..300).contains(&response.status()) {
        Ok(())
    } else {
        Err(failure(&response).await)
    }
}

/// `GET /api/v1/sync/status`.
pub async fn sync_status(token: &str) -> ApiResult<SyncStatus> {
    let response = send("GET", SYNC_STATUS, Some(token), None, TIMEOUT_MS).await?;
    decode(read_parsed(response).await?, crate::read::sync_status)
}

/// A snapshot page, read as Rust values and also as the browser parsed it, so its
/// entries can be stored without converting them back.
#[derive(Debug)]
pub struct Snapshot {
    pub page: SnapshotPage,
    pub parsed: JsValue,
}

/// `GET /api/v1/sync/snapshot[?page=TOKEN]`: the first page, or the one `page` names.
pub async fn snapshot(token: &str, page: Option<&str>) -> ApiResult<Snapshot> {
    snapshot_start(token, page).finish().await
}

/// A snapshot page on its way: the request is sent when this is made, so the next page
/// can arrive while the tablet stores the last one.
#[derive(Debug)]
pub struct SnapshotRequest(ApiResult<Promise>);

/// Sends `GET /api/v1/sync/snapshot[?page=TOKEN]` now; [`SnapshotRequest::finish`]
/// reads the answer.
pub fn snapshot_start(token: &str, page: Option<&str>) -> SnapshotRequest {
    let url = match page {
        Some(p) => format!("{SYNC_SNAPSHOT}?page={}", encode(p)),
        None => SYNC_SNAPSHOT.to_owned(),
    };
    SnapshotRequest(start("GET", &url, Some(token), None, SNAPSHOT_TIMEOUT_MS))
}

impl SnapshotRequest {
    pub async fn finish(self) -> ApiResult<Snapshot> {
        let response = answer(self.0?).await?;
        let parsed = read_parsed(response).await?;
        let page = crate::read::snapshot_page(&parsed).map_err(|_| ApiFailure::BadResponse)?;
        Ok(Snapshot { page, parsed })
    }
}

/// What `GET /api/v1/sync/changes` answered.
#[derive(Debug)]
pub enum Changes {
    Page(ChangesPage),
    /// 410: the cursor's epoch is gone or the log was compacted past it: take a snapshot.
    Expired,
}

/// `GET /api/v1/sync/changes?since=CURSOR`.
pub async fn changes(token: &str, since: &Cursor) -> ApiResult<Changes> {
    let url = format!("{SYNC_CHANGES}?since={}", encode(&since.to_string()));
    let response = send("GET", &url, Some(token), None, TIMEOUT_MS).await?;
    if response.status() == 410 {
        return Ok(Changes::Expired);
    }
    let parsed = read_parsed(response).await?;
    read_changes_page(&parsed)
        .map(Changes::Page)
        .ok_or(ApiFailure::BadResponse)
}

/// Reads a changes page as the browser parsed it.
///
/// `Change` is an internally tagged enum (`op`): its tag is read first, then the payload
/// straight from the parsed value (see [`crate::read`] for why). The tests check that it
/// reads exactly what serde writes.
pub fn read_changes_page(parsed: &JsValue) -> Option<ChangesPage> {
    use crate::read;
    let field = |v: &JsValue, name: &str| Reflect::get(v, &JsValue::from_str(name)).ok();
    let cursor: Cursor = read::cursor(field(parsed, "cursor")?).ok()?;
    let more = field(parsed, "more")?.as_bool()?;
    let list: js_sys::Array = field(parsed, "changes")?.dyn_into().ok()?;
    let mut changes = Vec::with_capacity(list.length() as usize);
    for change in list.iter() {
        let seq = read::u64_(field(&change, "seq")?).ok()?;
        let payload = |name: &str| field(&change, name);
        changes.push(match field(&change, "op")?.as_string()?.as_str() {
            "entry" => Change::Entry {
                seq,
                entry: read::entry(payload("entry")?).ok()?,
            },
            "resident" => Change::Resident {
                seq,
                resident: read::resident(payload("resident")?).ok()?,
            },
            "resident_removed" => Change::ResidentRemoved {
                seq,
                person_id: read::person_id(payload("person_id")?).ok()?,
            },
            // A kind of change this version does not know: the page cannot be applied
            // (skipping it would lose a removal, say).
            _ => return None,
        });
    }
    Some(ChangesPage {
        changes,
        cursor,
        more,
    })
}

/// What `POST /api/v1/sync/push` answered.
#[derive(Debug)]
pub enum Pushed {
    Answered(PushResponse),
    /// 409: the server expects this device sequence number next; nothing was applied.
    Gap {
        expected: u64,
    },
}

/// `POST /api/v1/sync/push`.
pub async fn push(token: &str, request: &PushRequest) -> ApiResult<Pushed> {
    let body = crate::write::push_request(request);
    let response = send("POST", SYNC_PUSH, Some(token), Some(&body), TIMEOUT_MS).await?;
    if response.status() == 409 {
        let gap = parse(&response)
            .await
            .and_then(|parsed| decode(parsed, crate::read::sequence_gap));
        return match gap {
            Ok(gap) => Ok(Pushed::Gap {
                expected: gap.expected,
            }),
            Err(ApiFailure::BadResponse) => Err(ApiFailure::Server {
                status: 409,
                message: default_message(409),
                code: None,
            }),
            Err(other) => Err(other),
        };
    }
    let parsed = read_parsed(response).await?;
    crate::read::push_response(&parsed)
        .map(Pushed::Answered)
        .map_err(|_| ApiFailure::BadResponse)
}

/// `GET path` with the staff token, answered with the raw response when it is a 2xx (for
/// files, which are not JSON).
pub async fn get_raw(path: &str, token: &str) -> ApiResult<Response> {
    call_raw("GET", path, token).await
}

/// `METHOD path` with the staff token and no body, answered with the raw response when it
/// is a 2xx: for a page's own calls (the access log, the home's tablets), which read the
/// body themselves with [`parsed`] or as a file.
pub async fn call_raw(method: &str, path: &str, token: &str) -> ApiResult<Response> {
    let response = send(method, path, Some(token), None, TIMEOUT_MS).await?;
    if (200..300).contains(&response.status()) {
        Ok(response)
    } else {
        Err(failure(&response).await)
    }
}

/// A 2xx response's JSON body as the browser parsed it: for answers of which a page reads
/// a few fields itself, where a deserialiser of their own would only grow the wasm.
pub async fn parsed(response: Response) -> ApiResult<JsValue> {
    read_parsed(response).await
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// Sends a request and waits for its headers. A request the browser refuses to build,
/// or one that gets no answer in `timeout_ms`, is [`ApiFailure::Offline`].
async fn send(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&JsValue>,
    timeout_ms: u32,
) -> ApiResult<Response> {
    answer(start(method, url, token, body, timeout_ms)?).await
}

/// Sends a request now: the promise of its response. `body` is sent as JSON (written by
/// [`crate::write`]).
fn start(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&JsValue>,
    timeout_ms: u32,
) -> ApiResult<Promise> {
    let headers = Headers::new().map_err(|_| ApiFailure::Offline)?;
    let header = |k: &str, v: &str| headers.append(k, v).map_err(|_| ApiFailure::Offline);
    header("Accept", "application/json")?;
    if let Some(token) = token {
        header("Authorization", &format!("Bearer {token}"))?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&AbortSignal::timeout_with_u32(timeout_ms)));
    if let Some(body) = body {
        header("Content-Type", "application/json")?;
        let json = js_sys::JSON::stringify(body).map_err(|_| ApiFailure::BadResponse)?;
        init.set_body(&json);
    }
    init.set_headers_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| ApiFailure::Offline)?;
    Ok(global_fetch(&request))
}

/// The response a sent request's promise settles with; no answer is
/// [`ApiFailure::Offline`].
async fn answer(sent: Promise) -> ApiResult<Response> {
    let response = JsFuture::from(sent)
        .await
        .map_err(|_| ApiFailure::Offline)?;
    response.dyn_into().map_err(|_| ApiFailure::Offline)
}

/// A 2xx body as the browser parsed it; otherwise the failure.
async fn read_parsed(response: Response) -> ApiResult<JsValue> {
    if (200..300).contains(&response.status()) {
        parse(&response).await
    } else {
        Err(failure(&response).await)
    }
}

/// The body parsed by the browser. The body arrives after the headers, so a failure while
/// it arrives is the network going; a body that is not JSON is a bad response.
async fn parse(response: &Response) -> ApiResult<JsValue> {
    let parsing = response.json().map_err(|_| ApiFailure::BadResponse)?;
    JsFuture::from(parsing).await.map_err(|error| {
        if is_syntax_error(&error) {
            ApiFailure::BadResponse
        } else {
            ApiFailure::Offline
        }
    })
}

/// A parsed body read with `read`; one that is not what it reads is a bad response.
fn decode<T>(
    parsed: JsValue,
    read: fn(JsValue) -> Result<T, serde_wasm_bindgen::Error>,
) -> ApiResult<T> {
    read(parsed).map_err(|_| ApiFailure::BadResponse)
}

fn is_syntax_error(error: &JsValue) -> bool {
    Reflect::get(error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .is_some_and(|n| n == "SyntaxError")
}

/// What an error status means, with the server's message when it sent one.
async fn failure(response: &Response) -> ApiFailure {
    let status = response.status();
    // A body that is not an `ApiError` (a proxy's page, an empty 502) still gets words.
    let error = parse(response)
        .await
        .ok()
        .and_then(|parsed| crate::read::api_error(parsed).ok());
    classify(status, error)
}

/// Sorts an error status and the `ApiError` body that came with it (if any) into an
/// [`ApiFailure`]. Every 401 is [`ApiFailure::Unauthenticated`], whatever its code
/// (`unauthenticated`, `session_expired`, `session_revoked`, `invalid_credentials`):
/// what the tablet does about it depends on which call it answered (see
/// [`crate::session::after_failure`]).
pub fn classify(status: u16, error: Option<ApiError>) -> ApiFailure {
    let message = error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| default_message(status));
    let code = error.map(|e| e.code);
    let unauthenticated = status == 401
        || matches!(
            code,
            Some(ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials)
        );
    if unauthenticated {
        ApiFailure::Unauthenticated(message)
    } else {
        ApiFailure::Server {
            status,
            message,
            code,
        }
    }
}

fn default_message(status: u16) -> String {
    match status {
        401 => "Sign-in failed: check the username and password".to_owned(),
        409 => "The server refused the update as out of order".to_owned(),
        429 => "Too many attempts: wait a minute and try again".to_owned(),
        502..=504 => "The server is not answering at the moment: try again shortly".to_owned(),
        _ => format!("Something went wrong on the server (error {status})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_failures_are_worth_retrying_by_themselves() {
        let server = |status| ApiFailure::Server {
            status,
            message: String::new(),
            code: None,
        };
        assert!(ApiFailure::Offline.is_transient());
        assert!(server(503).is_transient());
        assert!(server(429).is_transient());
        assert!(!server(400).is_transient());
        assert!(!server(403).is_transient());
        assert!(!ApiFailure::Unauthenticated("expired".into()).is_transient());
        assert!(!ApiFailure::BadResponse.is_transient());
    }

    fn error(code: ErrorCode, message: &str) -> Option<ApiError> {
        Some(ApiError {
            code,
            message: message.to_owned(),
        })
    }

    #[test]
    fn every_401_is_unauthenticated_and_only_403_device_revoked_means_revoked() {
        for code in [
            ErrorCode::Unauthenticated,
            ErrorCode::SessionExpired,
            ErrorCode::SessionRevoked,
            ErrorCode::InvalidCredentials,
        ] {
            assert_eq!(
                classify(401, error(code, "sign in again")),
                ApiFailure::Unauthenticated("sign in again".into()),
                "{code:?}"
            );
        }
        // A 401 whose body is not an ApiError still needs a sign-in, with words.
        assert!(matches!(
            classify(401, None),
            ApiFailure::Unauthenticated(m) if !m.is_empty()
        ));

        let revoked = classify(403, error(ErrorCode::DeviceRevoked, "removed"));
        assert!(revoked.is_device_revoked());
        assert!(!revoked.is_transient());
        // Another 403 (a role that may not do this) is not a revoked tablet.
        assert!(!classify(403, error(ErrorCode::Forbidden, "no")).is_device_revoked());
        assert!(!classify(403, None).is_device_revoked());
        assert!(!ApiFailure::Unauthenticated("x".into()).is_device_revoked());
        assert_eq!(
            classify(503, None),
            ApiFailure::Server {
                status: 503,
                message: default_message(503),
                code: None,
            }
        );
    }
}
