//! One of a resident's documents on a page of its own, for reading: the resident's banner
//! stays on top (allergies and resuscitation decision are never out of sight), then the
//! document section by section, with its source, date and files.

use std::cell::Cell;
use std::rc::Rc;

use bedside_domain::record::{Entry, EntryBody};
use bedside_domain::{EntryId, PersonId};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::banner::ResidentBanner;
use crate::components::document::{Level, document_view};
use crate::hooks::use_title;
use crate::router::{Link, Route};
use crate::services::local_db::{DbError, LocalDb, StoredResident};
use crate::state::use_app;

#[derive(Properties, PartialEq)]
pub struct DocumentProps {
    /// The person id and entry id from the address, not yet checked.
    pub id: String,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Found(Rc<(StoredResident, Entry)>),
    NotFound,
    Failed(String),
}

/// The resident and the document, when this tablet holds both and the document is a
/// current one of theirs (an address naming another resident's document, or a
/// retracted one, finds nothing).
async fn read(
    db: &LocalDb,
    person: PersonId,
    doc: EntryId,
) -> Result<Option<(StoredResident, Entry)>, DbError> {
    let Some(stored) = db.resident(person).await? else {
        return Ok(None);
    };
    let entry = db.entry(doc).await?.filter(|e| {
        e.person_id == person && e.is_current() && matches!(e.body, EntryBody::Document { .. })
    });
    Ok(entry.map(|e| (stored, e)))
}

#[component]
pub fn DocumentPage(props: &DocumentProps) -> Html {
    use_title("Document");
    let app = use_app();
    let load = use_state(|| Load::Loading);

    {
        let load = load.clone();
        let db = app.db.clone();
        use_effect_with(
            (props.id.clone(), props.doc.clone(), app.data_version),
            move |(id, doc, _)| {
                let cancelled = Rc::new(Cell::new(false));
                let ids = PersonId::parse(id).ok().zip(EntryId::parse(doc).ok());
                let same = matches!(
                    (&*load, ids),
                    (Load::Found(f), Some((p, d))) if f.1.person_id == p && f.1.id == d
                );
                if !same && let Some(window) = web_sys::window() {
                    // Arriving from a scrolled summary: start at the document's title.
                    window.scroll_to_with_x_and_y(0.0, 0.0);
                }
                match (ids, db) {
                    (None, _) => load.set(Load::NotFound),
                    (Some(_), None) => load.set(Load::Failed(
                        "the tablet's local store is not open".to_owned(),
                    )),
                    (Some((person, doc)), Some(db)) => {
                        let cancelled = cancelled.clone();
                        spawn_local(async move {
                            let result = read(&db.0, person, doc).await;
                            if cancelled.get() {
                                return;
                            }
                            load.set(match result {
                                Ok(Some(found)) => Load::Found(Rc::new(found)),
                                Ok(None) => Load::NotFound,
                                Err(e) => Load::Failed(e.to_string()),
                            });
                        });
                    }
                }
                move || cancelled.set(true)
            },
        );
    }

    crate::hooks::use_view_audit(
        match &*load {
            Load::Found(found) => vec![(found.1.person_id, Some(found.1.id))],
            _ => Vec::new(),
        },
        bedside_domain::audit::AuditPart::Document,
    );

    let back = html! {
        <nav class="back-nav" aria-label="Back">
            <Link to={Route::Resident { id: props.id.clone() }} classes="back-link">
                { "‹ Back to the summary" }
            </Link>
        </nav>
    };

    match &*load {
        Load::Loading => html! {
            <main id="main" class="page">
                { back }
                <p class="loading" role="status">{ "Opening the document…" }</p>
            </main>
        },
        Load::NotFound => html! {
            <main id="main" class="page">
                { back }
                <h1>{ "Document not found on this tablet" }</h1>
                <p>{ "This tablet holds no such document for this resident. It may have been \
                      withdrawn by the service that sent it, or not downloaded to this tablet \
                      yet." }</p>
            </main>
        },
        Load::Failed(message) => html! {
            <main id="main" class="page">
                { back }
                <h1>{ "The document could not be opened" }</h1>
                <p role="alert" class="error">{ message.clone() }</p>
            </main>
        },
        Load::Found(found) => html! {
            <main id="main" class="page page-document">
                { back }
                <ResidentBanner stored={found.0.clone()} />
                <div class="summary-section document-page">
                    { document_view(&found.1, Level::Two, app.online, app.token()) }
                </div>
            </main>
        },
    }
}
