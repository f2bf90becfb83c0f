//! The server's app API (`/api/v1/…`), as the tablet calls it.
//!
//! Requests go to the origin the app was loaded from. Every failure is sorted into an
//! [`ApiFailure`] that keeps its cause: no network, the server refusing the sign-in, or
//! the server failing. None of them panics, and none carries record contents.
//!
//! Bodies are parsed by the browser (`Response.json()`) and read into Rust types with
//! `serde-wasm-bindgen`, the same deserialiser the local store uses: one copy of the
//! record model's deserialising code in the wasm instead of two (about a third of its
//! size), and the browser's JSON parser is fast on a whole home's download.

use bedside_domain::api::{ApiError, ErrorCode, HomeRecords, LoginRequest, LoginResponse};
use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestCache;

use crate::services::local_db::RawRecords;

const LOGIN: &str = "/api/v1/auth/login";
const RECORDS: &str = "/api/v1/records";

/// Why a call to the server did not give the tablet what it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiFailure {
    /// The request never got an answer: no network, or the server is unreachable.
    #[error("no network")]
    Offline,
    /// 401: wrong username or password, or the token has expired. The server's message.
    #[error("{0}")]
    Unauthenticated(String),
    /// Any other error status, with the server's message when it sent one.
    #[error("the server answered {status}: {message}")]
    Server { status: u16, message: String },
    /// A 2xx answer whose body is not what this version of the app expects.
    #[error("the server's answer could not be read")]
    BadResponse,
}

impl ApiFailure {
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

/// `POST /api/v1/auth/login`.
pub async fn login(username: &str, password: &str) -> Result<LoginResponse, ApiFailure> {
    let body = LoginRequest {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    // Serialising two strings cannot fail; if the browser refused to build the request,
    // treat it like no answer.
    let request = Request::post(LOGIN)
        .cache(RequestCache::NoStore)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(to_json(&body).ok_or(ApiFailure::Offline)?)
        .map_err(|_| ApiFailure::Offline)?;
    let response = request.send().await.map_err(|_| ApiFailure::Offline)?;
    read(response).await
}

/// A home's download, read as Rust values and also kept as the browser parsed it, so
/// the local store can keep the parsed values without converting them back.
#[derive(Debug)]
pub struct Download {
    pub records: HomeRecords,
    pub raw: Option<RawRecords>,
}

/// `GET /api/v1/records`: everything the signed-in member of staff's home may see.
pub async fn home_records(token: &str) -> Result<Download, ApiFailure> {
    let response = Request::get(RECORDS)
        .cache(RequestCache::NoStore)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|_| ApiFailure::Offline)?;
    let (parsed, records) = read_with_json(response).await?;
    Ok(Download {
        raw: RawRecords::from_js(&parsed),
        records,
    })
}

fn to_json<T: Serialize>(value: &T) -> Option<String> {
    let js = serde_wasm_bindgen::to_value(value).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

/// The body as the browser parsed it, and read as `T`; `None` when it is not JSON or
/// not a `T`.
async fn body<T: DeserializeOwned>(response: Response) -> Option<(JsValue, T)> {
    let raw = web_sys::Response::from(response);
    let parsed: JsValue = JsFuture::from(raw.json().ok()?).await.ok()?;
    let value = serde_wasm_bindgen::from_value(parsed.clone()).ok()?;
    Some((parsed, value))
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    read_with_json(response).await.map(|(_, value)| value)
}

async fn read_with_json<T: DeserializeOwned>(
    response: Response,
) -> Result<(JsValue, T), ApiFailure> {
    let status = response.status();
    if (200..300).contains(&status) {
        return body::<T>(response).await.ok_or(ApiFailure::BadResponse);
    }
    // A body that is not an `ApiError` (a proxy's page, an empty 502) still gets words.
    let error = body::<ApiError>(response).await.map(|(_, e)| e);
    let message = error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| default_message(status));
    let unauthenticated = status == 401
        || error.as_ref().is_some_and(|e| {
            matches!(
                e.code,
                ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials
            )
        });
    if unauthenticated {
        Err(ApiFailure::Unauthenticated(message))
    } else {
        Err(ApiFailure::Server { status, message })
    }
}

fn default_message(status: u16) -> String {
    match status {
        401 => "Sign-in failed: check the username and password".to_owned(),
        429 => "Too many attempts: wait a minute and try again".to_owned(),
        502..=504 => "The server is not answering at the moment: try again shortly".to_owned(),
        _ => format!("Something went wrong on the server (error {status})"),
    }
}
