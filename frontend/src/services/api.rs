//! The server's app API (`/api/v1/…`), as the app calls it: the shared client in
//! `bedside-client` (sign-in and sync, also used by the service worker), and the
//! document files a page fetches itself.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub use bedside_client::http::{ApiFailure, enrol_device};
use bedside_domain::api::{DeviceCredential, SignInResponse};

/// `POST /api/v1/auth/login`, with this tablet's credential when it is enrolled (which
/// binds the session to the tablet and brings its unlock key).
pub async fn sign_in(
    username: &str,
    password: &str,
    device: Option<DeviceCredential>,
) -> Result<SignInResponse, ApiFailure> {
    bedside_client::http::sign_in(username, password, device.as_ref()).await
}

const ATTACHMENTS: &str = "/api/v1/attachments";

/// The address of a document's file. Opening it needs the staff token, so pages fetch it
/// with [`attachment`] rather than follow the link.
pub fn attachment_url(id: &str) -> String {
    format!(
        "{ATTACHMENTS}/{}",
        String::from(js_sys::encode_uri_component(id))
    )
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
    let raw = bedside_client::http::get_raw(&attachment_url(id), token).await?;
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
