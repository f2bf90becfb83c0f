//! Any address the app does not know, and a page the signed-in role may not open (a
//! carer following a link to the access log, say: the server refuses its data anyway,
//! and this page shows nothing of it). One component for both keeps the wasm smaller.

use yew::prelude::*;

use crate::hooks::use_title;
use crate::router::{Link, Route};

#[derive(Properties, PartialEq)]
pub struct NotFoundProps {
    /// The page exists, but not for this role.
    #[prop_or_default]
    pub not_allowed: bool,
}

#[component]
pub fn NotFoundPage(props: &NotFoundProps) -> Html {
    let (title, heading, words) = if props.not_allowed {
        (
            "Not available",
            "Your role cannot open this page",
            "This page is for the home's managers. If you need what it shows, ask your \
             manager.",
        )
    } else {
        (
            "Page not found",
            "Page not found",
            "There is no page at this address in Bedside.",
        )
    };
    use_title(title);
    html! {
        <main id="main" class="page page-centred">
            <h1>{ heading }</h1>
            <p>{ words }</p>
            <p>
                <Link to={Route::Home} classes="button">{ "Go to the resident list" }</Link>
            </p>
        </main>
    }
}
