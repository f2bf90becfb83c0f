//! The home's access log, for managers and administrators: who opened which part of
//! which resident's record, when, in which role, from which tablet, online or offline.
//! Filtered by resident, member of staff and days; paged from the newest; downloadable
//! as CSV with the same filters.
//!
//! The log lives on the server only, so this page needs the network; offline it says so
//! and shows nothing else. The page's state is one [`Reducible`] (the form, what is
//! shown, the download): one state type in the wasm rather than one per piece.

use std::rc::Rc;

use bedside_domain::PersonId;
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::clock::today;
use crate::components::fields::TextField;
use crate::components::notes::when_text;
use crate::hooks::use_title;
use crate::present::{ListedResident, mode_text, part_text, role_text};
use crate::services::manage::{self, Failure, LogEvent, LogFilters, LogPage, iso_day};
use crate::state::{Db, use_app};

/// What failures name: "Could not get the access log: …".
const WHAT: &str = "the access log";
/// Shown instead of the page while the tablet is offline.
pub const NEEDS_CONNECTION: &str = "The access log needs a connection";

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Loading,
    LoadingOlder,
    Ready,
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq)]
enum Csv {
    Idle,
    Working,
    Saved(String),
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq)]
struct LogState {
    /// The filters as being set.
    form: LogFilters,
    /// The filters last applied: what the table shows and a download holds.
    applied: LogFilters,
    problem: Option<&'static str>,
    /// Counts readings of the log from its newest entry: an answer to an earlier
    /// reading (the filters have changed since) is dropped.
    reading: u32,
    /// The entries shown, newest first, and the cursor for older ones.
    events: Rc<Vec<LogEvent>>,
    older: Option<String>,
    status: Status,
    csv: Csv,
}

enum LogAction {
    /// A field changed: the setter and the field's new text.
    Edit(fn(&mut LogFilters, String), String),
    /// "Show entries": the form's filters, when they make sense.
    Apply,
    /// A reading from the newest entry, or of older ones, has started.
    Loading {
        older: bool,
    },
    Loaded {
        reading: u32,
        older: bool,
        answer: Result<LogPage, Failure>,
    },
    Csv(Csv),
}

impl Reducible for LogState {
    type Action = LogAction;

    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            LogAction::Edit(set, value) => set(&mut s.form, value),
            LogAction::Apply => {
                s.problem = s.form.problem();
                if s.problem.is_none() {
                    s.applied = s.form.clone();
                    s.reading = s.reading.wrapping_add(1);
                }
            }
            LogAction::Loading { older } => {
                s.status = if older {
                    Status::LoadingOlder
                } else {
                    Status::Loading
                };
            }
            LogAction::Loaded { reading, .. } if reading != s.reading => return self,
            LogAction::Loaded { older, answer, .. } => match answer {
                Ok(page) => {
                    let mut events = if older {
                        (*s.events).clone()
                    } else {
                        Vec::new()
                    };
                    events.extend(page.events);
                    s.events = Rc::new(events);
                    s.older = page.next_before;
                    s.status = Status::Ready;
                }
                // Older entries that did not come leave what was shown.
                Err(failure) => {
                    if !older {
                        s.events = Rc::default();
                        s.older = None;
                    }
                    s.status = Status::Failed(failure);
                }
            },
            LogAction::Csv(csv) => s.csv = csv,
        }
        Rc::new(s)
    }
}

type Dispatch = UseReducerDispatcher<LogState>;

/// Reads a page of the log (from the newest entry, or the entries before `before`) and
/// hands it to the state as the answer to `reading`.
async fn read(
    db: Db,
    dispatch: Dispatch,
    filters: LogFilters,
    before: Option<String>,
    reading: u32,
) {
    let older = before.is_some();
    dispatch.dispatch(LogAction::Loading { older });
    let answer = manage::log_page(&db.0, &filters, before.as_deref())
        .await
        .map_err(|e| manage::failure(&e, WHAT));
    dispatch.dispatch(LogAction::Loaded {
        reading,
        older,
        answer,
    });
}

/// Fetches the log as CSV and hands it to the browser as a download.
async fn download(db: Db, dispatch: Dispatch, filters: LogFilters) {
    dispatch.dispatch(LogAction::Csv(Csv::Working));
    let name = format!("access-log-{}.csv", iso_day(today()));
    let csv = match manage::log_csv(&db.0, &filters).await {
        Ok((blob, more)) => match save(&blob, &name) {
            Some(()) if more => Csv::Saved(format!(
                "Saved {name} with the newest 50,000 entries. Narrow the dates to download \
                 older ones."
            )),
            Some(()) => Csv::Saved(format!("Saved {name}.")),
            None => Csv::Failed(Failure::Said(
                "This browser could not save the file.".to_owned(),
            )),
        },
        Err(e) => Csv::Failed(manage::failure(&e, WHAT)),
    };
    dispatch.dispatch(LogAction::Csv(csv));
}

#[component]
pub fn AccessLogPage() -> Html {
    use_title("Access log");
    let app = use_app();
    let state = use_reducer(|| LogState {
        form: LogFilters::default(),
        applied: LogFilters::default(),
        problem: None,
        reading: 0,
        events: Rc::default(),
        older: None,
        status: Status::Loading,
        csv: Csv::Idle,
    });

    {
        // From the newest entry whenever the filters are applied or the network returns.
        let dispatch = state.dispatcher();
        let filters = state.applied.clone();
        let db = app.db.clone();
        use_effect_with((state.reading, app.online), move |&(reading, online)| {
            if let (true, Some(db)) = (online, db) {
                spawn_local(read(db, dispatch, filters, None, reading));
            }
        });
    }

    // Staff's taps, each with the state as it is now.
    let on = |what: u8| {
        let state = state.clone();
        let db = app.db.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(db) = db.clone() else { return };
            let dispatch = state.dispatcher();
            let filters = state.applied.clone();
            match what {
                OLDER if state.status != Status::LoadingOlder => {
                    if let Some(before) = state.older.clone() {
                        spawn_local(read(db, dispatch, filters, Some(before), state.reading));
                    }
                }
                DOWNLOAD if state.csv != Csv::Working => {
                    spawn_local(download(db, dispatch, filters));
                }
                _ => {}
            }
        })
    };
    let onsubmit = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            dispatch.dispatch(LogAction::Apply);
        })
    };
    let edit = |set: fn(&mut LogFilters, String)| {
        let dispatch = state.dispatcher();
        Callback::from(move |value: String| dispatch.dispatch(LogAction::Edit(set, value)))
    };
    let on_person = edit(|f, v| f.person = v).reform(|e: Event| {
        // A select has `value` too; the cast only names the property.
        e.target_unchecked_into::<HtmlInputElement>().value()
    });

    let form = &state.form;
    // Lists of elements are made in loops rather than by iterator adapters: the wasm
    // then holds one copy of the code that puts them in the page, not one per list.
    let mut options = Vec::with_capacity(app.residents.len());
    for r in app.residents.iter() {
        options.push(resident_option(r, &form.person));
    }
    html! {
        <main id="main" class="page page-manage">
            <h1>{ "Access log" }</h1>
            <p class="hint">{ "Who opened which resident's record, when and from which tablet, \
                              newest first." }</p>
            if !app.online {
                { needs_connection(NEEDS_CONNECTION) }
            } else {
                <form class="log-filters" {onsubmit} aria-label="Filter the access log">
                    <div class="field">
                        <label for="log-resident">{ "Resident" }</label>
                        <select id="log-resident" name="log-resident" onchange={on_person}>
                            <option value="" selected={form.person.is_empty()}>{ "Any resident" }</option>
                            { for options }
                        </select>
                    </div>
                    <TextField id="log-staff" label="Staff member" value={form.staff.clone()}
                        hint="Their username, such as oak.carer"
                        on_input={edit(|f, v| f.staff = v)} />
                    <TextField id="log-from" label="From" kind="date" value={form.from.clone()}
                        on_input={edit(|f, v| f.from = v)} />
                    <TextField id="log-to" label="To" kind="date" value={form.to.clone()}
                        error={state.problem.map(AttrValue::Static)}
                        on_input={edit(|f, v| f.to = v)} />
                    <div class="form-actions log-actions">
                        <button type="submit" class="button">{ "Show entries" }</button>
                        <button type="button" class="button button-secondary" onclick={on(DOWNLOAD)}
                            disabled={state.csv == Csv::Working} aria-describedby="csv-status">
                            { "Download CSV" }
                        </button>
                    </div>
                </form>
                // Always present, so screen readers announce what is put in it.
                <p id="csv-status" class="csv-status" role="status">
                    { match &state.csv {
                        Csv::Working => "Preparing the file…",
                        Csv::Saved(words) => words,
                        Csv::Failed(Failure::Offline) => NEEDS_CONNECTION,
                        Csv::Idle | Csv::Failed(Failure::Said(_)) => "",
                    } }
                </p>
                if let Csv::Failed(Failure::Said(message)) = &state.csv {
                    <p class="error" role="alert">{ message.clone() }</p>
                }
                { log_view(&state, &app.residents, on(OLDER)) }
            }
        </main>
    }
}

const OLDER: u8 = 0;
const DOWNLOAD: u8 = 1;

/// What a manager's page shows offline, in place of what needs the server: a status,
/// not an error. Shared by the access log and the tablets.
pub(crate) fn needs_connection(words: &'static str) -> Html {
    html! {
        <p class="needs-connection" role="status" data-testid="needs-connection">{ words }</p>
    }
}

fn resident_option(listed: &ListedResident, chosen: &str) -> Html {
    let r = &listed.stored.resident;
    let id = r.id.to_string();
    let selected = id == chosen;
    html! {
        <option key={id.clone()} value={id} {selected}>
            { format!("{}, room {}", r.name.full(), r.room) }
        </option>
    }
}

const COLUMNS: [&str; 7] = [
    "When",
    "Staff member",
    "Role",
    "Resident",
    "Part",
    "Device",
    "Online/offline",
];

fn log_view(
    log: &LogState,
    residents: &[ListedResident],
    show_older: Callback<MouseEvent>,
) -> Html {
    let shown = log.events.len();
    let mut head = Vec::with_capacity(COLUMNS.len());
    for c in COLUMNS {
        head.push(html! { <th scope="col">{ c }</th> });
    }
    let mut rows = Vec::with_capacity(shown);
    for e in log.events.iter() {
        rows.push(row(e, residents));
    }
    html! {
        <>
            if log.status != Status::Loading && shown > 0 {
                <p class="list-count" aria-live="polite">
                    { if shown == 1 { "1 entry".to_owned() } else { format!("{shown} entries") } }
                </p>
                <div class="table-wrap">
                    <table class="log-table">
                        <caption>{ "Access log" }</caption>
                        <thead>
                            <tr>{ for head }</tr>
                        </thead>
                        <tbody>
                            { for rows }
                        </tbody>
                    </table>
                </div>
            } else if log.status == Status::Ready {
                <p class="empty">{ "No views of residents' records match these filters." }</p>
            }
            { match &log.status {
                Status::Loading => html! {
                    <p class="loading" role="status">{ "Reading the access log…" }</p>
                },
                Status::Failed(Failure::Said(message)) => html! {
                    <p class="error" role="alert">{ message.clone() }</p>
                },
                Status::Failed(Failure::Offline) => needs_connection(NEEDS_CONNECTION),
                Status::LoadingOlder | Status::Ready => html! {},
            } }
            if log.older.is_some() && shown > 0 {
                <p>
                    <button type="button" class="button button-secondary" onclick={show_older}
                        aria-busy={(log.status == Status::LoadingOlder).then_some("true")}>
                        { "Older entries" }
                    </button>
                </p>
            }
        </>
    }
}

fn row(e: &LogEvent, residents: &[ListedResident]) -> Html {
    let person = PersonId::parse(&e.person).ok();
    let resident = residents
        .iter()
        .find(|r| Some(r.stored.resident.id) == person)
        .map(|r| r.stored.resident.name.full())
        // Someone who has left the home is no longer on the tablet.
        .unwrap_or_else(|| format!("Not on this tablet ({})", e.person));
    let mut cells = Vec::with_capacity(COLUMNS.len());
    for c in [
        when_text(e.at),
        e.staff.clone(),
        role_text(&e.role),
        resident,
        part_text(&e.part),
        e.device
            .clone()
            .unwrap_or_else(|| "Not recorded".to_owned()),
        mode_text(&e.mode),
    ] {
        cells.push(html! { <td>{ c }</td> });
    }
    html! { <tr key={e.id.clone()}>{ for cells }</tr> }
}

/// Hands a fetched file to the browser as a download named `name`: through a `blob:`
/// address and a link with `download`, clicked and removed at once. The address is given
/// back a moment later, when the download has taken the file.
fn save(blob: &web_sys::Blob, name: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlElement = document.create_element("a").ok()?.dyn_into().ok()?;
    let body = document.body()?;
    let url = web_sys::Url::create_object_url_with_blob(blob).ok()?;
    let ready = link.set_attribute("href", &url).is_ok()
        && link.set_attribute("download", name).is_ok()
        && body.append_child(&link).is_ok();
    if ready {
        link.click();
        link.remove();
    }
    Timeout::new(1_000, move || {
        // Revoking an address the browser no longer knows is harmless.
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    ready.then_some(())
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::Role;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use web_sys::Element;

    use super::NEEDS_CONNECTION;
    use crate::test_support::app::{AppAt, AppAtProps, handle, store};
    use crate::test_support::{count, render, settle, texts, wait_until};

    fn network(event: &str) {
        let window = web_sys::window().expect("a window");
        let event = web_sys::Event::new(event).expect("an event");
        window.dispatch_event(&event).expect("dispatched");
    }

    fn attribute(root: &Element, selector: &str, name: &str) -> Vec<Option<String>> {
        let list = root.query_selector_all(selector).expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| wasm_bindgen::JsCast::unchecked_into::<Element>(n).get_attribute(name))
            .collect()
    }

    #[test]
    async fn a_manager_gets_labelled_filters_and_readable_errors_and_offline_a_notice() {
        let (name, db) = store("access-log", "oak.manager", Role::Manager, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/access-log".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the page shows", || count(&root, "main h1") == 1).await;
        assert_eq!(texts(&root, "main h1"), ["Access log"]);

        // Every field has a label that names it.
        let ids = attribute(&root, "form input, form select", "id");
        assert_eq!(ids.len(), 4);
        for id in ids {
            let id = id.expect("an id");
            assert_eq!(count(&root, &format!("label[for='{id}']")), 1, "{id}");
        }
        assert_eq!(
            texts(&root, "form label"),
            ["Resident", "Staff member", "From", "To"]
        );
        assert_eq!(
            texts(&root, "#log-resident option"),
            ["Any resident", "Ada Testperson, room 3"]
        );
        assert!(texts(&root, "main button").contains(&"Download CSV".to_owned()));

        // The test page's server has no API: its answer is worded, never shown raw.
        wait_until("the failure is said", || {
            count(&root, "main [role=alert]") == 1
        })
        .await;
        let alert = texts(&root, "main [role=alert]").remove(0);
        assert!(alert.starts_with("Could not get the access log"), "{alert}");
        assert!(!alert.contains('{'), "{alert}");

        // Offline, the page says it needs a connection instead of failing.
        network("offline");
        settle().await;
        assert_eq!(
            texts(&root, "[data-testid=needs-connection]"),
            [NEEDS_CONNECTION]
        );
        assert_eq!(
            attribute(&root, "[data-testid=needs-connection]", "role"),
            [Some("status".to_owned())]
        );
        assert_eq!(count(&root, "main form"), 0);
        assert_eq!(count(&root, "main [role=alert]"), 0);
        network("online");
        settle().await;
        assert_eq!(count(&root, "main form"), 1);
    }
}
