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
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::RequestCache;

use crate::services::local_db::RawRecords;

const LOGIN: &str = "/api/v1/auth/login";
const RECORDS: &str = "/api/v1/records";
const ATTACHMENTS: &str = "/api/v1/attachments";

/// The address of a document's file. Opening it needs the staff token, so pages fetch it
/// with [`attachment`] rather than follow the link.
pub fn attachment_url(id: &str) -> String {
    format!(
        "{ATTACHMENTS}/{}",
        String::from(js_sys::encode_uri_component(id))
    )
}

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

/// The kinds of file the tablet opens in the browser as they are. Anything else (HTML or
/// SVG above all, which could run script in the app's origin from a `blob:` address) is
/// handed over as bytes to download.
const SAFE_TO_SHOW: [&str; 4] = ["application/pdf", "image/png", "image/jpeg", "text/plain"];

/// The type a fetched file is opened as: the document's declared type when it is safe to
/// show, otherwise `application/octet-stream`.
pub fn shown_type(declared: &str) -> &'static str {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    SAFE_TO_SHOW
        .into_iter()
        .find(|t| *t == essence)
        .unwrap_or("application/octet-stream")
}

/// `GET /api/v1/attachments/{id}`: a document's file, as a `Blob` of the type
/// [`shown_type`] allows for `declared_type`. Never stored: the browser's HTTP cache is
/// bypassed too, so a file does not outlive the page on a shared tablet.
pub async fn attachment(
    token: &str,
    id: &str,
    declared_type: &str,
) -> Result<web_sys::Blob, ApiFailure> {
    let response = Request::get(&attachment_url(id))
        .cache(RequestCache::NoStore)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|_| ApiFailure::Offline)?;
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(failure(response).await);
    }
    let raw = web_sys::Response::from(response);
    let read = raw.blob().map_err(|_| ApiFailure::BadResponse)?;
    // The body arrives after the headers: a failure here is the network going.
    let fetched: web_sys::Blob = JsFuture::from(read)
        .await
        .map_err(|_| ApiFailure::Offline)?
        .dyn_into()
        .map_err(|_| ApiFailure::BadResponse)?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(shown_type(declared_type));
    web_sys::Blob::new_with_blob_sequence_and_options(&js_sys::Array::of1(&fetched), &options)
        .map_err(|_| ApiFailure::BadResponse)
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
    if (200..300).contains(&response.status()) {
        return body::<T>(response).await.ok_or(ApiFailure::BadResponse);
    }
    Err(failure(response).await)
}

/// What an error status means, with the server's message when it sent one.
async fn failure(response: Response) -> ApiFailure {
    let status = response.status();
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
        ApiFailure::Unauthenticated(message)
    } else {
        ApiFailure::Server { status, message }
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

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn only_harmless_file_types_are_shown_as_they_are() {
        assert_eq!(shown_type("application/pdf"), "application/pdf");
        assert_eq!(
            shown_type("Application/PDF; name=letter.pdf"),
            "application/pdf"
        );
        assert_eq!(shown_type("image/jpeg"), "image/jpeg");
        for risky in [
            "text/html",
            "image/svg+xml",
            "application/xhtml+xml",
            "text/xml",
            "",
        ] {
            assert_eq!(shown_type(risky), "application/octet-stream", "{risky}");
        }
    }
}
