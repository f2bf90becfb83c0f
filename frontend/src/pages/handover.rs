//! The handover (`/handover`): what was recorded on this shift (the last 12 hours unless
//! staff choose 8 or 24), per resident in the list's order, with each observation set's
//! NEWS2 and advice; and first, set apart, everything this tablet wrote that the server
//! has not confirmed: waiting to send, or not accepted with the reason.
//!
//! It reads only this tablet's store, so it works offline like every other page.

use std::rc::Rc;

use bedside_domain::PersonId;
use bedside_domain::record::Entry;
use bedside_domain::sync::plan::ItemState;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::notes::recorded_item;
use crate::components::outbox_panel::line;
use crate::hooks::use_title;
use crate::recording::handover;
use crate::router::{Link, Route};
use crate::state::use_app;

/// The shift lengths staff can choose, in hours; the first is the default.
pub const SHIFT_HOURS: [i64; 3] = [12, 8, 24];

#[component]
pub fn HandoverPage() -> Html {
    use_title("Handover");
    let app = use_app();
    // The index of the shift length chosen in SHIFT_HOURS (none chosen: the first).
    let choice = use_state(Option::<usize>::default);
    let hours = SHIFT_HOURS[choice.unwrap_or(0).min(SHIFT_HOURS.len() - 1)];
    let entries = use_state(|| None::<Result<Rc<Vec<Entry>>, String>>);

    {
        let entries = entries.clone();
        let db = app.db.clone();
        // Read again when the shift's length changes or the stored records do (a local
        // write, or a sync that brought changes).
        use_effect_with((hours, app.data_version), move |(hours, _)| {
            let since = bedside_client::platform::now() - chrono::Duration::hours(*hours);
            if let Some(db) = db {
                spawn_local(async move {
                    entries.set(Some(
                        db.0.recorded_since(since)
                            .await
                            .map(Rc::new)
                            .map_err(|e| e.to_string()),
                    ));
                });
            }
        });
    }

    let on_hours = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            // A select has `value` as an input does; the cast only names the property.
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Some(i) = SHIFT_HOURS.iter().position(|h| h.to_string() == value) {
                choice.set(Some(i));
            }
        })
    };

    // Everything not yet confirmed, whenever it was written: it is what the next shift
    // must know about.
    let unconfirmed: Vec<Html> = app
        .outbox
        .items()
        .filter(|(_, s)| !matches!(s, ItemState::Confirmed | ItemState::NeedsReview))
        .map(|(item, state)| line(&app, item, &state))
        .collect();

    let groups = match &*entries {
        Some(Ok(list)) => {
            let order: Vec<PersonId> = app.residents.iter().map(|r| r.stored.resident.id).collect();
            let since = bedside_client::platform::now() - chrono::Duration::hours(hours);
            Some(handover(list, &app.outbox.0, &order, since))
        }
        _ => None,
    };
    // The handover shows what was written in each listed resident's record: a read of
    // it, noted once per resident per visit.
    crate::hooks::use_view_audit(
        groups.iter().flatten().map(|g| (g.person, None)).collect(),
        bedside_domain::audit::AuditPart::Handover,
    );

    let shift = match (&*entries, groups) {
        (None, _) => html! { <p class="loading" role="status">{ "Reading the records…" }</p> },
        (Some(Err(message)), _) => html! { <p role="alert" class="error">{ message.clone() }</p> },
        (Some(Ok(_)), None) => html! {},
        (Some(Ok(_)), Some(groups)) => {
            if groups.is_empty() {
                html! { <p class="not-recorded">{ "Nothing recorded in this time" }</p> }
            } else {
                html! {
                    { for groups.iter().map(|g| {
                        let resident = app.residents.iter().find(|r| r.stored.resident.id == g.person);
                        let name = resident.map(|r| r.stored.resident.name.full()).unwrap_or_default();
                        let room = resident.map(|r| r.stored.resident.room.clone());
                        let heading = format!("handover-{}", g.person);
                        html! {
                            <section class="handover-resident" data-testid="handover-resident"
                                aria-labelledby={heading.clone()} key={g.person.to_string()}>
                                <h3 id={heading}>
                                    <Link to={Route::Resident { id: g.person.to_string() }}>
                                        { name }
                                    </Link>
                                    if let Some(room) = room {
                                        <span class="room">{ format!(" · Room {room}") }</span>
                                    }
                                </h3>
                                <ul class="items" aria-label="Recorded on this shift">
                                    { for g.items.iter().map(|r| recorded_item(r, &app.outbox, "h4", html! {})) }
                                </ul>
                            </section>
                        }
                    }) }
                }
            }
        }
    };

    html! {
        <main id="main" class="page page-handover">
            <nav class="back-nav" aria-label="Back">
                <Link to={Route::Home} classes="back-link">{ "‹ All residents" }</Link>
            </nav>
            <h1>{ "Handover" }</h1>
            <section class="handover-unconfirmed" data-testid="handover-unconfirmed"
                aria-labelledby="unconfirmed-heading">
                <h2 id="unconfirmed-heading">{ "Not yet confirmed by the server" }</h2>
                if unconfirmed.is_empty() {
                    <p>{ "Everything recorded on this tablet has been confirmed by the server." }</p>
                } else {
                    <ul class="outbox-list" aria-label="Not yet confirmed">{ for unconfirmed }</ul>
                }
            </section>
            <section aria-labelledby="shift-heading">
                <h2 id="shift-heading">{ format!("Recorded in the last {hours} hours") }</h2>
                <div class="field">
                    <label for="handover-hours">{ "Show the last" }</label>
                    <select id="handover-hours" onchange={on_hours}>
                        { for SHIFT_HOURS.iter().map(|h| html! {
                            <option value={h.to_string()} selected={*h == hours}>
                                { format!("{h} hours") }
                            </option>
                        }) }
                    </select>
                </div>
                { shift }
            </section>
        </main>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::Role;
    use bedside_domain::record::NoteCategory;
    use bedside_domain::sync::wire::MutationOp;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::test_support::app::{AppAt, AppAtProps, handle, person, store};
    use crate::test_support::{count, render, texts, wait_until};

    #[test]
    async fn the_handover_lists_the_shift_and_what_is_not_confirmed() {
        let (name, db) = store("handover", "oak.carer", Role::Carer, vec![]).await;
        let note = MutationOp::AddNote {
            person_id: person(),
            category: NoteCategory::Clinical,
            text: "Coughing after lunch".into(),
        };
        let now = bedside_client::platform::now();
        db.record(note, now, uuid::Uuid::from_u128(900), || {
            Some(uuid::Uuid::from_u128(901))
        })
        .await
        .expect("recorded");

        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/handover".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the shift shows", || {
            count(&root, "[data-testid=handover-resident]") == 1
        })
        .await;
        assert_eq!(texts(&root, "h1"), ["Handover"]);
        let group = texts(&root, "[data-testid=handover-resident]").remove(0);
        assert!(
            group.contains("Ada Testperson") && group.contains("Coughing after lunch"),
            "{group}"
        );
        let unconfirmed = texts(&root, "[data-testid=handover-unconfirmed] li");
        assert_eq!(unconfirmed.len(), 1);
        assert!(
            unconfirmed[0].contains("Care note for Ada Testperson"),
            "{unconfirmed:?}"
        );
        // The header links here from every page.
        assert!(texts(&root, "header a").contains(&"Handover".to_owned()));
    }

    /// The views this tablet queued for the access log, as (person, part).
    async fn views(
        db: &crate::services::local_db::LocalDb,
    ) -> Vec<(bedside_domain::PersonId, bedside_domain::audit::AuditPart)> {
        db.audit_queue(bedside_domain::StaffId(uuid::Uuid::from_u128(99)), 100)
            .await
            .expect("queue")
            .into_iter()
            .map(|v| (v.person_id, v.part))
            .collect()
    }

    #[test]
    async fn each_visit_to_a_record_is_noted_once_for_the_access_log() {
        use bedside_domain::audit::{AuditMode, AuditPart};
        let (name, db) = store("audit-views", "oak.carer", Role::Carer, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: format!("/residents/{}", person()).into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the summary", || {
            count(&root, "[data-testid=banner-allergies]") == 1
        })
        .await;
        crate::test_support::settle().await;
        assert_eq!(views(&db).await, [(person(), AuditPart::Summary)]);
        let queued = db
            .audit_queue(bedside_domain::StaffId(uuid::Uuid::from_u128(99)), 1)
            .await
            .expect("queue");
        let online = web_sys::window().expect("a window").navigator().on_line();
        assert_eq!(
            queued[0].mode,
            if online {
                AuditMode::Online
            } else {
                AuditMode::Offline
            }
        );

        // An update reads the stored copy again (it moves the data version whether or
        // not the server answered): the same visit, nothing more noted.
        // The first sync after opening (which finds no server here) ends first.
        wait_until("Update now", || {
            texts(&root, "header button").contains(&"Update now".to_owned())
        })
        .await;
        let update = {
            use wasm_bindgen::JsCast;
            let buttons = root.query_selector_all("header button").expect("buttons");
            (0..buttons.length())
                .filter_map(|i| buttons.item(i))
                .find(|b| b.text_content().as_deref() == Some("Update now"))
                .expect("Update now")
                .dyn_into::<web_sys::HtmlElement>()
                .expect("a button")
        };
        update.click();
        crate::test_support::settle().await;
        wait_until("the update ended", || {
            update.text_content().as_deref() == Some("Update now")
        })
        .await;
        crate::test_support::settle().await;
        assert_eq!(views(&db).await.len(), 1, "one view per visit");

        let note = MutationOp::AddNote {
            person_id: person(),
            category: NoteCategory::Social,
            text: "Enjoyed the garden".into(),
        };
        db.record(
            note,
            bedside_client::platform::now(),
            uuid::Uuid::from_u128(910),
            || Some(uuid::Uuid::from_u128(911)),
        )
        .await
        .expect("recorded");
        crate::test_support::click(&root, "header a.home-link").await;
        wait_until("the list", || {
            count(&root, "ul[aria-label=Residents] li") == 1
        })
        .await;
        assert_eq!(
            views(&db).await.len(),
            1,
            "the list is not a view of a record"
        );

        // The handover lists the resident (their note): a read of their record.
        crate::test_support::click(&root, "header a[href='/handover']").await;
        wait_until("the handover", || {
            count(&root, "[data-testid=handover-resident]") == 1
        })
        .await;
        crate::test_support::settle().await;
        assert_eq!(
            views(&db).await,
            [
                (person(), AuditPart::Summary),
                (person(), AuditPart::Handover)
            ]
        );
    }
}
