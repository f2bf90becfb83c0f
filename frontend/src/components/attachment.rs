//! A document's file ("PDF: Discharge letter (240 KB)") and opening it.
//!
//! The file stays on the server, which serves it only with a staff token. A plain link
//! cannot send the token, so a tap fetches the file with it into a `blob:` address and
//! opens that in a new tab. The tab is opened during the tap itself (a tab opened after
//! the download would be blocked as a pop-up) and pointed at the file when it arrives;
//! where the browser refused the tab, the page offers a link to the fetched file instead.
//! Offline there is nothing to fetch, and the page says so.

use std::rc::Rc;

use bedside_domain::record::Attachment;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::present::attachment_label;
use crate::services::api::{self, ApiFailure, attachment_url};

/// What staff see when the tablet is offline, in place of the link.
pub const OFFLINE_WORDS: &str = "Available when the tablet is online";

#[derive(Properties, PartialEq)]
pub struct AttachmentProps {
    pub attachment: Attachment,
    /// Whether the tablet believes it is online.
    pub online: bool,
    /// The signed-in member of staff's token, which the server asks for.
    pub token: Option<AttrValue>,
}

/// A `blob:` address, given back to the browser when nothing holds it any more (the
/// page moved on, or the file was fetched again), so the file does not stay in memory.
#[derive(Debug, PartialEq)]
struct ObjectUrl(String);

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        // Revoking an address the browser no longer knows is harmless.
        let _ = web_sys::Url::revoke_object_url(&self.0);
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Fetch {
    Idle,
    Fetching,
    /// Fetched; `opened` when a new tab shows it.
    Ready {
        url: Rc<ObjectUrl>,
        opened: bool,
    },
    Failed(String),
}

fn failure_words(failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Offline => {
            "Could not get the file: no network. Try again when the tablet is online.".to_owned()
        }
        ApiFailure::Unauthenticated(_) => {
            "Your sign-in has expired: sign in again to open the file.".to_owned()
        }
        ApiFailure::Server { status: 404, .. } => {
            "The file is no longer available on the server.".to_owned()
        }
        ApiFailure::Server { message, .. } => format!("Could not get the file: {message}"),
        ApiFailure::BadResponse => "The server's answer could not be read.".to_owned(),
    }
}

/// A new tab, opened while the tap still counts as the user's.
fn open_tab(url: &str) -> Option<web_sys::Window> {
    web_sys::window()?
        .open_with_url_and_target(url, "_blank")
        .ok()
        .flatten()
}

#[component]
pub fn AttachmentLink(props: &AttachmentProps) -> Html {
    let fetch = use_state(|| Fetch::Idle);
    let a = &props.attachment;
    let label = attachment_label(a);

    let onclick = {
        let fetch = fetch.clone();
        let token = props.token.clone();
        let attachment = a.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            match &*fetch {
                Fetch::Fetching => return,
                // Already here: open it again without downloading it again.
                Fetch::Ready { url, .. } => {
                    let opened = open_tab(&url.0).is_some();
                    fetch.set(Fetch::Ready {
                        url: url.clone(),
                        opened,
                    });
                    return;
                }
                Fetch::Idle | Fetch::Failed(_) => {}
            }
            let Some(token) = token.clone() else {
                fetch.set(Fetch::Failed("Sign in again to open the file.".to_owned()));
                return;
            };
            let tab = open_tab("");
            fetch.set(Fetch::Fetching);
            let fetch = fetch.clone();
            let attachment = attachment.clone();
            spawn_local(async move {
                let result =
                    api::attachment(&token, &attachment.id, &attachment.content_type).await;
                let url = result.map(|blob| web_sys::Url::create_object_url_with_blob(&blob));
                match url {
                    Ok(Ok(url)) => {
                        let opened = tab.is_some_and(|tab| {
                            // The file's tab needs nothing from the app.
                            let _ = tab.set_opener(&JsValue::NULL);
                            tab.location().set_href(&url).is_ok()
                        });
                        fetch.set(Fetch::Ready {
                            url: Rc::new(ObjectUrl(url)),
                            opened,
                        });
                    }
                    failed => {
                        if let Some(tab) = tab {
                            let _ = tab.close();
                        }
                        fetch.set(Fetch::Failed(match failed {
                            Err(f) => failure_words(&f),
                            _ => "This browser could not open the file.".to_owned(),
                        }));
                    }
                }
            });
        })
    };

    let ready = matches!(&*fetch, Fetch::Ready { .. });
    html! {
        <li class="attachment" data-testid="attachment">
            if props.online || ready {
                <a class="attachment-link" href={attachment_url(&a.id)} {onclick}>{ label }</a>
            } else {
                <span class="attachment-name">{ label }</span>
                <span class="attachment-offline">{ OFFLINE_WORDS }</span>
            }
            // Always present, so screen readers announce what is put in it.
            <p class="attachment-status" role="status">
                { match &*fetch {
                    Fetch::Fetching => html! { "Getting the file…" },
                    Fetch::Ready { url, opened: true } => html! {
                        <>
                            { "Opened in a new tab. " }
                            <a href={url.0.clone()} target="_blank" rel="noopener">{ "Open it again" }</a>
                        </>
                    },
                    Fetch::Ready { url, opened: false } => html! {
                        <>
                            { "The file is ready: " }
                            <a class="button button-secondary" href={url.0.clone()} target="_blank" rel="noopener">
                                { "Open the file" }
                            </a>
                        </>
                    },
                    Fetch::Idle | Fetch::Failed(_) => html! {},
                } }
            </p>
            // Offline, the words above already say why it cannot be opened.
            if let (Fetch::Failed(message), true) = (&*fetch, props.online) {
                <p class="attachment-error" role="alert">{ message.clone() }</p>
            }
        </li>
    }
}

/// A document's files as a list, or nothing when it has none.
pub fn attachment_list(attachments: &[Attachment], online: bool, token: Option<AttrValue>) -> Html {
    if attachments.is_empty() {
        return html! {};
    }
    html! {
        <ul class="attachments" aria-label="Attached files">
            { for attachments.iter().map(|a| html! {
                <AttachmentLink key={a.id.clone()} attachment={a.clone()} {online} token={token.clone()} />
            }) }
        </ul>
    }
}
