//! Small hooks shared by pages.
//!
//! State hooks start from a named function such as `bool::default` rather than a closure
//! like `|| false`: every closure is a type of its own, and each one makes Yew's generic
//! hook code once more in the wasm, where a named function shares one copy.

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

/// Notes for the access log each resident whose record the page shows (with the
/// document, for a document page), once per visit of the page: what was noted is not
/// noted again when the page renders again or reads the records again, and a new visit
/// (after a lock, say) notes again. Reading never waits for it.
#[hook]
pub fn use_view_audit(
    shown: Vec<(bedside_domain::PersonId, Option<bedside_domain::EntryId>)>,
    part: bedside_domain::audit::AuditPart,
) {
    let app = crate::state::use_app();
    let noted = use_mut_ref(Vec::new);
    use_effect_with(shown, move |shown| {
        let mut noted = noted.borrow_mut();
        let mut people = Vec::new();
        for view in shown {
            if !noted.contains(view) {
                noted.push(*view);
                people.push(view.0);
            }
        }
        app.record_views(people, part);
    });
}

/// Moves the focus to the element with this id when the screen first shows (its heading
/// or first field), so keyboard and screen reader users start where the screen does.
/// One hook for every screen keeps one copy of its effect in the wasm.
#[hook]
pub fn use_focus_on_show(id: &'static str) {
    use_effect_with(id, |id| crate::components::fields::focus(id));
}
