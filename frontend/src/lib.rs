//! Bedside's tablet app: a Yew single-page app that shows a care home's records from the
//! tablet's own IndexedDB copy, and signs in and downloads to fill that copy.
//!
//! Code map: [`app`] (the frame around every page), [`router`] (routes, links and the
//! browser's history), [`pages`] (one module a screen),
//! [`components`] (pieces pages share), [`hooks`], [`state`] (the app state, its actions and the
//! flows that change it), [`services`] (IndexedDB and the server API), [`present`]
//! (words and order for what pages show), [`recording`] (the recording forms' checks,
//! NEWS2 as readings come in, notes with their corrections, the handover, proposals),
//! [`select`] (which entries a section shows), [`chart`] (the geometry of a lab trend chart),
//! [`clock`] (the tablet's date and time). Lists are ordered with the stable sort the
//! domain crate shares with the server (`bedside_domain::order`), to keep the wasm small.

pub mod app;
pub mod chart;
pub mod clock;
pub mod components;
pub mod hooks;
pub mod pages;
pub mod present;
pub mod recording;
pub mod router;
pub mod select;
pub mod services;
pub mod state;

/// Starts the app when the wasm module is loaded by `boot.js`. Left out of the unit-test
/// build, whose page must not run the app.
#[cfg(not(test))]
mod entry {
    use wasm_bindgen::prelude::*;

    /// The element the app renders into; see `public/index.html`.
    const ROOT_ID: &str = "app";

    /// A page without the root element (such as the wasm test runner's) gets nothing
    /// rendered.
    #[wasm_bindgen(start)]
    pub fn start() {
        let root = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(ROOT_ID));
        if let Some(root) = root {
            yew::Renderer::<crate::app::App>::with_root(root).render();
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod test_support;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
