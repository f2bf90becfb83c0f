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

/// A resident as this tablet holds them, read when the address names them.
#[derive(Debug, Clone, PartialEq)]
pub enum ResidentLoad {
    Loading,
    Found(std::rc::Rc<crate::services::local_db::StoredResident>),
    NotFound,
    Failed(String),
}

/// Reads the resident whose person id is `id` (from the address, not yet checked) from
/// the local store, again when the stored copy changes.
#[hook]
pub fn use_stored_resident(id: &str) -> ResidentLoad {
    let app = crate::state::use_app();
    let load = use_state(|| ResidentLoad::Loading);
    {
        let load = load.clone();
        let db = app.db.clone();
        use_effect_with((id.to_owned(), app.data_version), move |(id, _)| {
            let person = bedside_domain::PersonId::parse(id).ok();
            match (person, db) {
                (Some(person), Some(db)) => wasm_bindgen_futures::spawn_local(async move {
                    load.set(match db.0.resident(person).await {
                        Ok(Some(r)) => ResidentLoad::Found(std::rc::Rc::new(r)),
                        Ok(None) => ResidentLoad::NotFound,
                        Err(e) => ResidentLoad::Failed(e.to_string()),
                    });
                }),
                _ => load.set(ResidentLoad::NotFound),
            }
        });
    }
    (*load).clone()
}
