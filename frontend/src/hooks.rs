//! Small hooks shared by pages.

use yew::prelude::*;

/// Sets the document's title while the page is shown. Titles name the page, never a
/// resident: the browser keeps titles in its history, which outlives a sign-out.
#[hook]
pub fn use_title(title: &'static str) {
    use_effect_with(title, |title| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&format!("{title} — Bedside"));
        }
    });
}
