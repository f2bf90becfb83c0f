//! The app's routes and the frame around every page.
//!
//! Routes: `/` (the resident list, or sign-in), `/residents/:id` (a resident's summary),
//! `/residents/:id/documents/:doc` (one of their documents), `/residents/:id/notes/new` and
//! `/residents/:id/observations/new` (recording at the bedside), `/handover` (the shift's
//! records and what is not yet confirmed), `/tablet` (this tablet's settings, for
//! managers), and for managers and administrators `/access-log` (who viewed which
//! record) and `/devices` (the home's tablets); anything else is a readable "not found"
//! page. A route the signed-in role may not use (as `Role::may` says) shows a readable
//! "your role cannot open this page" instead, and nothing of its data. Until someone
//! unlocks the tablet every route shows the lock screen, the sign-in screen, enrolment or
//! choosing a PIN, as the tablet's state calls for. The server answers every app route
//! with `index.html`, so a reload or a bookmark on any route works.

use bedside_domain::api::Permission;
use yew::prelude::*;

use crate::components::header::AppHeader;
use crate::components::notice::NoticeBar;
use crate::pages::access_log::AccessLogPage;
use crate::pages::document::DocumentPage;
use crate::pages::handover::HandoverPage;
use crate::pages::lock::{ChoosePinPage, LockPage};
use crate::pages::not_found::NotFoundPage;
use crate::pages::record::{AddNotePage, AddObservationsPage};
use crate::pages::resident_list::ResidentListPage;
use crate::pages::resident_summary::ResidentSummaryPage;
use crate::pages::sign_in::SignInPage;
use crate::pages::tablet::EnrolPage;
use crate::pages::tablets::TabletsPage;
use crate::router::{Route, Router, use_navigator};
use crate::state::{AppProvider, Phase, use_app};

#[component]
pub fn App() -> Html {
    html! {
        <AppProvider>
            <Router>
                <Shell />
            </Router>
        </AppProvider>
    }
}

/// Chooses what to show from the app's phase and the route. Component tests put it under
/// a router of their own.
#[component]
pub(crate) fn Shell() -> Html {
    let app = use_app();
    let route = use_navigator().map(|n| n.route).unwrap_or_default();

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
                    // One component for both, keyed by route: each mounts afresh.
                    Route::Tablet => html! { <TabletsPage key="tablet" this_tablet=true /> },
                    // The tablet hides what a role may not do; the server refuses it anyway.
                    Route::AccessLog if app.may(Permission::ReadAccessLog) => {
                        html! { <AccessLogPage /> }
                    }
                    Route::Devices if app.may(Permission::ManageDevices) => {
                        html! { <TabletsPage key="devices" /> }
                    }
                    Route::AccessLog | Route::Devices => {
                        html! { <NotFoundPage not_allowed=true /> }
                    }
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::Role;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use web_sys::Element;

    use crate::test_support::app::{AppAt, AppAtProps, handle, person, store};
    use crate::test_support::{count, render, texts, wait_until};

    async fn app_at(test: &str, role: Role, path: String) -> Element {
        let (name, db) = store(test, "oak.someone", role, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: path.into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the app is ready", || count(&root, "header") == 1).await;
        root
    }

    async fn summary(test: &str, role: Role) -> Element {
        let root = app_at(test, role, format!("/residents/{}", person())).await;
        wait_until("the summary shows", || count(&root, "#about-me") == 1).await;
        root
    }

    fn header_links(root: &Element) -> Vec<String> {
        texts(root, "header a")
    }

    fn edit_buttons(root: &Element) -> Vec<String> {
        texts(root, "#about-me button, #care-plan button")
    }

    #[test]
    async fn a_carer_sees_no_manager_links_and_no_edit_buttons() {
        let root = summary("role-carer", Role::Carer).await;
        let links = header_links(&root);
        assert!(links.contains(&"Handover".to_owned()), "{links:?}");
        assert!(!links.contains(&"Access log".to_owned()), "{links:?}");
        assert!(!links.contains(&"Tablets".to_owned()), "{links:?}");
        assert_eq!(count(&root, "header nav"), 0);
        assert!(edit_buttons(&root).is_empty(), "{:?}", edit_buttons(&root));
    }

    #[test]
    async fn a_senior_edits_but_sees_no_manager_links() {
        let root = summary("role-senior", Role::Senior).await;
        let links = header_links(&root);
        assert!(!links.contains(&"Access log".to_owned()), "{links:?}");
        assert!(!links.contains(&"Tablets".to_owned()), "{links:?}");
        assert!(edit_buttons(&root).contains(&"Add a care plan area".to_owned()));
    }

    #[test]
    async fn a_manager_sees_both_links_and_the_edit_buttons() {
        let root = summary("role-manager", Role::Manager).await;
        assert_eq!(
            texts(&root, "header nav a"),
            ["Access log", "Tablets"],
            "the manager's links, in a nav"
        );
        let hrefs: Vec<Option<String>> = {
            let list = root.query_selector_all("header nav a").expect("selector");
            (0..list.length())
                .filter_map(|i| list.item(i))
                .map(|n| wasm_bindgen::JsCast::unchecked_into::<Element>(n).get_attribute("href"))
                .collect()
        };
        assert_eq!(
            hrefs,
            [Some("/access-log".to_owned()), Some("/devices".to_owned())]
        );
        let buttons = edit_buttons(&root);
        assert!(
            buttons.contains(&"Add a care plan area".to_owned()),
            "{buttons:?}"
        );
        assert!(buttons.contains(&"Write".to_owned()), "{buttons:?}");
    }

    #[test]
    async fn a_role_that_may_not_gets_a_readable_page_and_no_data() {
        for (test, role, path) in [
            ("not-allowed-carer-log", Role::Carer, "/access-log"),
            ("not-allowed-carer-devices", Role::Carer, "/devices"),
            ("not-allowed-senior-devices", Role::Senior, "/devices"),
        ] {
            let root = app_at(test, role, path.to_owned()).await;
            wait_until("the page shows", || count(&root, "main h1") == 1).await;
            assert_eq!(
                texts(&root, "main h1"),
                ["Your role cannot open this page"],
                "{role:?} at {path}"
            );
            assert_eq!(count(&root, "table"), 0, "{role:?} at {path}");
            assert_eq!(count(&root, "form"), 0, "{role:?} at {path}");
            assert!(
                !texts(&root, "main button")
                    .iter()
                    .any(|b| b == "Download CSV" || b == "Revoke"),
                "{role:?} at {path}"
            );
        }
    }
}
