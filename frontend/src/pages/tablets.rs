//! The tablets, for managers: this tablet's settings at `/tablet` (its name, and how long
//! it waits with no use before it locks), and at `/devices` (managers and administrators)
//! the home's tablets, each with when and by whom it was enrolled, its last contact with
//! the server, and whether it is revoked; a live one can be revoked, after a
//! confirmation. (Enrolling this tablet is part of signing in.)
//!
//! Both are one component with one reducer, so the wasm holds one copy of a component's
//! and a reducer's generic code rather than two; the app gives each route its own key, so
//! going from one to the other starts afresh. The list of tablets lives on the server
//! only, so `/devices` needs the network.

use std::rc::Rc;

use bedside_domain::api::Permission;
use chrono::{DateTime, Utc};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::fields::focus;
use crate::components::notes::when_text;
use crate::hooks::use_title;
use crate::pages::access_log::needs_connection;
use crate::pages::lock::KeyField;
use crate::pages::tablet::parse_idle_minutes;
use crate::present::ago_text;
use crate::router::{Link, Route};
use crate::services::manage::{self, Failure, Tablet};
use crate::state::{Db, use_app};

const WHAT: &str = "the home's tablets";
/// Shown instead of the list while the tablet is offline.
pub const NEEDS_CONNECTION: &str = "The list of tablets needs a connection";

/// What the page holds. At `/devices`: the list (`None` while it is first read), the
/// tablet whose revocation waits for staff to confirm it, and what came of the last
/// revocation (words for a status, or for an alert) and whether one is under way. At
/// `/tablet`: this tablet's name (once read), and what came of the last "Save" (the
/// minutes saved, or the field's error).
#[derive(Debug, Clone, PartialEq, Default)]
struct TabletsState {
    list: Option<Result<Rc<Vec<Tablet>>, Failure>>,
    confirming: Option<String>,
    revoking: bool,
    status: String,
    alert: Option<String>,
    name: Option<String>,
    saved: Option<u32>,
    error: Option<String>,
}

enum TabletsAction {
    Listed(Result<Rc<Vec<Tablet>>, Failure>),
    /// "Revoke" (the tablet's id) or "Keep" (`None`).
    Confirm(Option<String>),
    Revoking(String),
    /// The words for the status, or the failure.
    Revoked(Result<String, Failure>),
    /// This tablet's name, read from the store.
    Named(Option<String>),
    /// What "Save" came to: the minutes saved, or the field's error (both `None` while
    /// it saves).
    Saved(Option<u32>, Option<String>),
}

impl Reducible for TabletsState {
    type Action = TabletsAction;

    fn reduce(self: Rc<Self>, action: TabletsAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            TabletsAction::Listed(list) => s.list = Some(list),
            TabletsAction::Confirm(id) => s.confirming = id,
            TabletsAction::Revoking(status) => {
                s.revoking = true;
                s.status = status;
                s.alert = None;
            }
            TabletsAction::Revoked(outcome) => {
                s.revoking = false;
                (s.status, s.alert) = match outcome {
                    Ok(status) => (status, None),
                    Err(Failure::Offline) => (
                        "Could not revoke the tablet: no network. Try again when this tablet \
                         is online."
                            .to_owned(),
                        None,
                    ),
                    Err(Failure::Said(words)) => (String::new(), Some(words)),
                };
            }
            TabletsAction::Named(name) => s.name = name,
            TabletsAction::Saved(saved, error) => (s.saved, s.error) = (saved, error),
        }
        Rc::new(s)
    }
}

/// Reads the list, after revoking `revoke` first when given.
async fn read(db: Db, dispatch: UseReducerDispatcher<TabletsState>, revoke: Option<Tablet>) {
    if let Some(tablet) = revoke {
        dispatch.dispatch(TabletsAction::Revoking(format!(
            "Revoking {}…",
            tablet.name
        )));
        let revoked = manage::revoke(&db.0, &tablet.id).await;
        let done = revoked.is_ok();
        dispatch.dispatch(TabletsAction::Revoked(
            revoked
                .map(|()| {
                    format!(
                        "{} is revoked. Its records are wiped at its next contact.",
                        tablet.name
                    )
                })
                .map_err(|e| manage::failure(&e, WHAT)),
        ));
        if !done {
            return;
        }
    }
    let list = manage::tablets(&db.0).await;
    dispatch.dispatch(TabletsAction::Listed(
        list.map(Rc::new).map_err(|e| manage::failure(&e, WHAT)),
    ));
}

#[derive(Properties, PartialEq)]
pub struct TabletsProps {
    /// `/tablet` (this tablet's settings) rather than `/devices` (the home's tablets).
    #[prop_or_default]
    pub this_tablet: bool,
}

/// "This tablet" (`/tablet`) or "Tablets" (`/devices`), as `this_tablet` says.
#[component]
pub fn TabletsPage(props: &TabletsProps) -> Html {
    let this_tablet = props.this_tablet;
    use_title(if this_tablet {
        "This tablet"
    } else {
        "Tablets"
    });
    let app = use_app();
    let state = use_reducer(TabletsState::default);
    let minutes = use_node_ref();

    {
        let dispatch = state.dispatcher();
        let app = app.clone();
        // `/tablet` reads its name once; `/devices` reads the list whenever the tablet
        // comes online.
        use_effect_with(!this_tablet && app.online, move |&online| {
            if this_tablet {
                spawn_local(async move {
                    dispatch.dispatch(TabletsAction::Named(app.tablet_name().await));
                });
            } else if let (true, Some(db)) = (online, app.db.clone()) {
                spawn_local(read(db, dispatch, None));
            }
        });
    }
    // "" names no element: `/devices` moves no focus.
    crate::hooks::use_focus_on_show(if this_tablet { "tablet-heading" } else { "" });

    if this_tablet {
        return this_tablet_page(&app, &state, minutes);
    }

    let on_revoke = {
        let dispatch = state.dispatcher();
        let db = app.db.clone();
        let busy = state.revoking;
        Callback::from(move |tablet: Tablet| {
            if let (false, Some(db)) = (busy, db.clone()) {
                spawn_local(read(db, dispatch.clone(), Some(tablet)));
            }
        })
    };

    html! {
        <main id="main" class="page page-manage">
            <h1>{ "Tablets" }</h1>
            <p class="hint">{ "The tablets enrolled for this home. A revoked tablet cannot be \
                              used again, and the records on it are wiped at its next contact." }</p>
            if !app.online {
                { needs_connection(NEEDS_CONNECTION) }
            } else {
                // Always present, so screen readers announce what is put in it.
                <p class="revoke-status" role="status">{ state.status.clone() }</p>
                if let Some(message) = &state.alert {
                    <p class="error" role="alert">{ message.clone() }</p>
                }
                { match &state.list {
                    None => html! {
                        <p class="loading" role="status">{ "Reading the list of tablets…" }</p>
                    },
                    Some(Err(Failure::Offline)) => needs_connection(NEEDS_CONNECTION),
                    Some(Err(Failure::Said(message))) => html! {
                        <p class="error" role="alert">{ message.clone() }</p>
                    },
                    Some(Ok(list)) if list.is_empty() => html! {
                        <p class="empty">{ "No tablets are enrolled for this home yet." }</p>
                    },
                    Some(Ok(list)) => tablet_table(
                        &state,
                        list,
                        bedside_client::platform::now(),
                        state.dispatcher(),
                        on_revoke,
                    ),
                } }
            }
        </main>
    }
}

/// "This tablet" (`/tablet`), for managers: its name, and how long it waits with no use
/// before it locks.
fn this_tablet_page(
    app: &crate::state::AppHandle,
    state: &UseReducerHandle<TabletsState>,
    minutes: NodeRef,
) -> Html {
    let back = html! {
        <nav class="back-nav" aria-label="Back">
            <Link to={Route::Home} classes="back-link">{ "‹ All residents" }</Link>
        </nav>
    };
    if !app.role().is_some_and(|r| r.may(Permission::ManageDevices)) {
        return html! {
            <main id="main" class="page">
                { back }
                <h1 id="tablet-heading" tabindex="-1">{ "This tablet" }</h1>
                <p>{ "Only a manager can change this tablet's settings." }</p>
            </main>
        };
    }

    let onsubmit = {
        let app = app.clone();
        let minutes = minutes.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let typed = minutes
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let Some(chosen) = parse_idle_minutes(&typed) else {
                dispatch.dispatch(TabletsAction::Saved(
                    None,
                    Some("Enter a whole number of minutes from 1 to 60.".to_owned()),
                ));
                focus("idle-minutes");
                return;
            };
            dispatch.dispatch(TabletsAction::Saved(None, None));
            let app = app.clone();
            let dispatch = dispatch.clone();
            spawn_local(async move {
                dispatch.dispatch(match app.set_idle_minutes(chosen).await {
                    Ok(()) => TabletsAction::Saved(Some(chosen), None),
                    Err(why) => TabletsAction::Saved(None, Some(why)),
                });
            });
        })
    };

    html! {
        <main id="main" class="page page-tablet">
            { back }
            <h1 id="tablet-heading" tabindex="-1">{ "This tablet" }</h1>
            <p data-testid="tablet-name">
                { "Name: " }
                <strong>{ state.name.as_deref().unwrap_or("not known") }</strong>
            </p>
            <form class="tablet-form" {onsubmit} novalidate=true>
                <KeyField id="idle-minutes" label="Lock after (minutes)" kind="number"
                    input={minutes}
                    hint={AttrValue::Static("With no touch or typing for this long, Bedside \
                                             locks and asks for a PIN. From 1 to 60.")}
                    value={AttrValue::from(app.idle_minutes.to_string())}
                    error={state.error.as_ref().map(|e| AttrValue::from(e.clone()))} />
                <button type="submit" class="button button-primary">{ "Save" }</button>
                if let Some(m) = state.saved {
                    <p class="saved" role="status">
                        { format!("Saved: Bedside locks after {m} minute{} with no use.",
                                  if m == 1 { "" } else { "s" }) }
                    </p>
                }
            </form>
        </main>
    }
}

/// The id of a tablet's "Revoke" button, where focus returns when staff keep it.
fn revoke_button_id(tablet: &Tablet) -> String {
    format!("revoke-{}", tablet.id)
}

/// Moves focus to the element with this id, once the page has rendered what was just
/// asked for (Yew renders before the browser's next task).
fn focus_soon(id: String) {
    Timeout::new(0, move || {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    })
    .forget();
}

const COLUMNS: [&str; 5] = ["Name", "Enrolled", "Enrolled by", "Last contact", "State"];

/// The tablets as a table; "Revoke" on a live one asks first, under its row, and
/// `on_revoke` hears the tablets staff confirm. (A function rather than a component of
/// its own: one component fewer in the wasm.)
fn tablet_table(
    state: &TabletsState,
    tablets: &[Tablet],
    now: DateTime<Utc>,
    dispatch: UseReducerDispatcher<TabletsState>,
    on_revoke: Callback<Tablet>,
) -> Html {
    let mut head = Vec::with_capacity(COLUMNS.len() + 1);
    for c in COLUMNS {
        head.push(html! { <th scope="col">{ c }</th> });
    }
    head.push(html! { <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th> });

    let mut rows = Vec::with_capacity(tablets.len());
    for tablet in tablets {
        let live = tablet.revoked_at.is_none();
        let asking = live && state.confirming.as_deref() == Some(tablet.id.as_str());
        let ask = {
            let dispatch = dispatch.clone();
            let id = tablet.id.clone();
            Callback::from(move |_: MouseEvent| {
                dispatch.dispatch(TabletsAction::Confirm(Some(id.clone())));
                // The question takes focus when it appears, so it is read out and the two
                // answers are the next stops.
                focus_soon("revoke-question".to_owned());
            })
        };
        let last = match tablet.last_contact {
            None => "Never".to_owned(),
            Some(t) => ago_text(t, now).unwrap_or_else(|| when_text(t)),
        };
        let condition = match tablet.revoked_at {
            Some(t) => format!("Revoked {}", when_text(t)),
            None => "In use".to_owned(),
        };
        rows.push(html! {
            <tr class={(!live).then_some("tablet-revoked")}>
                <th scope="row">{ tablet.name.clone() }</th>
                <td>{ when_text(tablet.enrolled_at) }</td>
                <td>{ tablet.enrolled_by.clone() }</td>
                <td>{ last }</td>
                <td class="tablet-state">{ condition }</td>
                <td>
                    if live {
                        <button type="button" id={revoke_button_id(tablet)}
                            class="button button-secondary button-danger"
                            aria-label={format!("Revoke {}", tablet.name)}
                            aria-expanded={asking.to_string()}
                            disabled={state.revoking} onclick={ask}>
                            { "Revoke" }
                        </button>
                    }
                </td>
            </tr>
        });
        if asking {
            rows.push(confirmation(tablet, &dispatch, &on_revoke));
        }
    }

    html! {
        <div class="table-wrap">
            <table class="tablet-table">
                <caption class="visually-hidden">{ "Tablets enrolled for this home" }</caption>
                <thead><tr>{ for head }</tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

/// The question under a tablet's row: "Revoke tablet" or "Keep".
fn confirmation(
    tablet: &Tablet,
    dispatch: &UseReducerDispatcher<TabletsState>,
    on_revoke: &Callback<Tablet>,
) -> Html {
    let confirm = {
        let dispatch = dispatch.clone();
        let on_revoke = on_revoke.clone();
        let tablet = tablet.clone();
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(TabletsAction::Confirm(None));
            on_revoke.emit(tablet.clone());
        })
    };
    let keep = {
        let dispatch = dispatch.clone();
        let button = revoke_button_id(tablet);
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(TabletsAction::Confirm(None));
            // Back where staff were: the tablet's own "Revoke".
            focus_soon(button.clone());
        })
    };
    html! {
        <tr class="confirm-row">
            <td colspan="6">
                <div class="confirm" role="group" aria-labelledby="revoke-question">
                    <p id="revoke-question" class="confirm-question" tabindex="-1">
                        { format!("Revoke {}? Staff will not be able to use it, and its records \
                                   are wiped at its next contact.", tablet.name) }
                    </p>
                    <div class="form-actions">
                        <button type="button" class="button button-danger" onclick={confirm}>
                            { "Revoke tablet" }
                        </button>
                        <button type="button" class="button button-secondary" onclick={keep}>
                            { "Keep" }
                        </button>
                    </div>
                </div>
            </td>
        </tr>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use std::cell::RefCell;

    use chrono::Duration;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::select::fixtures::at;
    use crate::test_support::{click, count, one, render, texts};

    fn tablet(id: &str, name: &str, last: Option<DateTime<Utc>>, revoked: bool) -> Tablet {
        Tablet {
            id: id.into(),
            name: name.into(),
            enrolled_at: at(2026, 11, 1),
            enrolled_by: "oak.manager".into(),
            last_contact: last,
            revoked_at: revoked.then(|| at(2026, 11, 20)),
        }
    }

    #[derive(Properties, PartialEq)]
    struct TableProps {
        tablets: Rc<Vec<Tablet>>,
        now: DateTime<Utc>,
        on_revoke: Callback<Tablet>,
    }

    /// The page's table with the page's own state, over a list the test gives (the test
    /// page has no server to list tablets).
    #[component]
    fn Table(props: &TableProps) -> Html {
        let state = use_reducer(TabletsState::default);
        tablet_table(
            &state,
            &props.tablets,
            props.now,
            state.dispatcher(),
            props.on_revoke.clone(),
        )
    }

    const QUESTION: &str = "Revoke Trolley 2? Staff will not be able to use it, and its \
                            records are wiped at its next contact.";

    #[test]
    async fn revoking_asks_first_and_keep_changes_nothing() {
        let now = at(2026, 11, 25);
        let revoked = Rc::new(RefCell::new(Vec::<String>::new()));
        let heard = revoked.clone();
        let root = render::<Table>(TableProps {
            tablets: Rc::new(vec![
                tablet("d1", "Trolley 2", Some(now - Duration::minutes(5)), false),
                tablet("d2", "Office", None, false),
                tablet("d3", "Lost one", Some(at(2026, 11, 19)), true),
            ]),
            now,
            on_revoke: Callback::from(move |t: Tablet| heard.borrow_mut().push(t.id)),
        })
        .await;

        assert_eq!(
            texts(&root, "tbody th[scope=row]"),
            ["Trolley 2", "Office", "Lost one"]
        );
        let rows = texts(&root, "tbody tr");
        assert!(
            rows[0].contains("5 minutes ago") && rows[0].contains("In use"),
            "{rows:?}"
        );
        assert!(rows[1].contains("Never"), "{rows:?}");
        assert!(rows[2].contains("Revoked"), "{rows:?}");
        // Only live tablets can be revoked, each button named for its tablet.
        let labels: Vec<Option<String>> = {
            let list = root.query_selector_all("button").expect("selector");
            (0..list.length())
                .filter_map(|i| list.item(i))
                .map(|n| {
                    n.unchecked_into::<web_sys::Element>()
                        .get_attribute("aria-label")
                })
                .collect()
        };
        assert_eq!(
            labels,
            [
                Some("Revoke Trolley 2".to_owned()),
                Some("Revoke Office".to_owned())
            ]
        );
        assert_eq!(count(&root, "#revoke-question"), 0);

        // Asked, then kept: nothing is revoked and focus returns to the button.
        click(&root, "[aria-label='Revoke Trolley 2']").await;
        assert_eq!(texts(&root, "#revoke-question"), [QUESTION]);
        assert_eq!(
            one(&root, "[aria-label='Revoke Trolley 2']").get_attribute("aria-expanded"),
            Some("true".to_owned())
        );
        let active = || {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .map(|e| e.id())
        };
        assert_eq!(active().as_deref(), Some("revoke-question"));
        assert_eq!(texts(&root, ".confirm button"), ["Revoke tablet", "Keep"]);
        click(&root, ".confirm .button-secondary").await;
        assert_eq!(count(&root, "#revoke-question"), 0);
        assert!(revoked.borrow().is_empty());
        assert_eq!(active().as_deref(), Some("revoke-d1"));

        // Asked and confirmed: that tablet, once.
        click(&root, "[aria-label='Revoke Trolley 2']").await;
        click(&root, ".confirm .button-danger").await;
        assert_eq!(*revoked.borrow(), ["d1"]);
        assert_eq!(count(&root, "#revoke-question"), 0);
    }
}
