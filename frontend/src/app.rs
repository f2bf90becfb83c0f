//! The app's routes and the frame around every page.
//!
//! Routes: `/` (the resident list, or sign-in), `/residents/:id` (a resident's summary),
//! `/residents/:id/documents/:doc` (one of their documents), `/residents/:id/notes/new` and
//! `/residents/:id/observations/new` (recording at the bedside), `/handover` (the shift's
//! records and what is not yet confirmed), `/tablet` (this tablet's settings, for
//! managers); anything else is a readable "not found" page. Until someone unlocks the
//! tablet every route shows the lock screen, the sign-in screen, enrolment or choosing a
//! PIN, as the tablet's state calls for. The server answers every app route
//! with `index.html`, so a reload or a bookmark on any route works.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::header::AppHeader;
use crate::components::notice::NoticeBar;
use crate::pages::document::DocumentPage;
use crate::pages::handover::HandoverPage;
use crate::pages::lock::{ChoosePinPage, LockPage};
use crate::pages::not_found::NotFoundPage;
use crate::pages::record::{AddNotePage, AddObservationsPage};
use crate::pages::resident_list::ResidentListPage;
use crate::pages::resident_summary::ResidentSummaryPage;
use crate::pages::sign_in::SignInPage;
use crate::pages::tablet::{EnrolPage, TabletPage};
use crate::state::{AppProvider, Phase, use_app};

#[derive(Debug, Clone, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/residents/:id")]
    Resident { id: String },
    /// One of a resident's documents, on a page of its own for reading.
    #[at("/residents/:id/documents/:doc")]
    Document { id: String, doc: String },
    /// Writing a care note for a resident.
    #[at("/residents/:id/notes/new")]
    AddNote { id: String },
    /// Recording a set of observations for a resident.
    #[at("/residents/:id/observations/new")]
    AddObservations { id: String },
    /// What was recorded on this shift, and what the server has not yet confirmed.
    #[at("/handover")]
    Handover,
    /// This tablet's name and idle time (managers).
    #[at("/tablet")]
    Tablet,
    #[not_found]
    #[at("/not-found")]
    NotFound,
}

#[component]
pub fn App() -> Html {
    html! {
        <AppProvider>
            <BrowserRouter>
                <Shell />
            </BrowserRouter>
        </AppProvider>
    }
}

/// Chooses what to show from the app's phase and the route. Component tests put it under
/// a router of their own.
#[component]
pub(crate) fn Shell() -> Html {
    let app = use_app();
    let route = use_route::<Route>().unwrap_or_default();

    let body = match (&app.phase, &route) {
        (Phase::Starting, _) => html! {
            <main id="main" class="page page-centred">
                <p class="loading" role="status">{ "Opening the records on this tablet…" }</p>
            </main>
        },
        (Phase::Broken(message), _) => html! {
            <main id="main" class="page page-centred">
                <h1>{ "Bedside cannot start on this tablet" }</h1>
                <p role="alert" class="error">{ message.clone() }</p>
                <p>{ "Check that the browser is not in private mode and has storage space, \
                      then reload the page. If this keeps happening, tell the manager." }</p>
            </main>
        },
        (_, Route::NotFound) if app.phase != Phase::Ready => html! { <NotFoundPage /> },
        (Phase::NotEnrolled | Phase::SignedOut, _) => html! { <SignInPage /> },
        (Phase::Enrol(answer), _) => html! { <EnrolPage answer={answer.clone()} /> },
        (Phase::ChoosePin(staff), _) => html! { <ChoosePinPage staff={staff.clone()} /> },
        (Phase::Locked, _) => html! { <LockPage /> },
        (Phase::Ready, _) => {
            let page = if app.reauthenticating {
                html! { <SignInPage /> }
            } else {
                match route {
                    Route::Home => html! { <ResidentListPage /> },
                    Route::Resident { id } => html! { <ResidentSummaryPage {id} /> },
                    Route::Document { id, doc } => html! { <DocumentPage {id} {doc} /> },
                    Route::AddNote { id } => html! { <AddNotePage {id} /> },
                    Route::AddObservations { id } => html! { <AddObservationsPage {id} /> },
                    Route::Handover => html! { <HandoverPage /> },
                    Route::Tablet => html! { <TabletPage /> },
                    Route::NotFound => html! { <NotFoundPage /> },
                }
            };
            html! {
                <>
                    <AppHeader />
                    if !app.reauthenticating {
                        <NoticeBar />
                    }
                    { page }
                </>
            }
        }
    };

    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            { body }
        </>
    }
}
