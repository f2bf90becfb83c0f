//! The home's residents, by room, with an instant search and the badges that must be
//! seen before opening a record.

use std::cell::Cell;
use std::rc::Rc;

use bedside_domain::dates::age_on;
use chrono::NaiveDate;
use gloo_events::EventListener;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::clock::today;
use crate::hooks::use_title;
use crate::present::{ListedResident, badges};
use crate::router::{Link, Route};
use crate::state::use_app;

#[component]
pub fn ResidentListPage() -> Html {
    use_title("Residents");
    let app = use_app();

    {
        // Come back to where the list was when staff return from a resident. The last
        // scroll position is kept while the list is shown and handed to the state when
        // it goes.
        let app = app.clone();
        use_effect_with((), move |_| {
            let last = Rc::new(Cell::new(app.list_scroll));
            let listener = web_sys::window().map(|window| {
                window.scroll_to_with_x_and_y(0.0, app.list_scroll);
                let last = last.clone();
                let w = window.clone();
                EventListener::new(&window, "scroll", move |_| {
                    last.set(w.scroll_y().unwrap_or_default());
                })
            });
            move || {
                drop(listener);
                app.remember_list_scroll(last.get());
            }
        });
    }

    let oninput = {
        let app = app.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            app.search(input.value());
        })
    };

    let today = today();
    let query = app.search.trim().to_owned();
    let shown: Vec<&ListedResident> = app.residents.iter().filter(|r| r.matches(&query)).collect();
    let total = app.residents.len();
    let count = if query.is_empty() {
        format!("{total} residents")
    } else {
        format!("{} of {total} residents match", shown.len())
    };

    html! {
        <main id="main" class="page page-list">
            <h1>{ "Residents" }</h1>
            <div class="search">
                <label for="resident-search">{ "Search residents by name or room" }</label>
                <input id="resident-search" type="search" value={app.search.clone()} {oninput}
                    autocomplete="off" autocapitalize="none" spellcheck="false" />
            </div>
            <p class="list-count" aria-live="polite">{ count }</p>
            if shown.is_empty() {
                <p class="empty">
                    { if total == 0 {
                        "No residents are recorded for this home on this tablet.".to_owned()
                    } else {
                        format!("No resident's name or room matches \u{201c}{query}\u{201d}.")
                    } }
                </p>
            }
            <ul aria-label="Residents" class="resident-list">
                { for shown.into_iter().map(|r| item(r, today)) }
            </ul>
        </main>
    }
}

fn item(listed: &ListedResident, today: NaiveDate) -> Html {
    let r = &listed.stored.resident;
    let id = r.id.to_string();
    let age = age_on(r.birth_date, today)
        .map(|a| format!("Age {a}"))
        .unwrap_or_default();
    html! {
        <li key={id.clone()} class="resident-item">
            <Link to={Route::Resident { id }} classes="resident-link">
                <span class="resident-name">
                    { r.name.full() }
                    if let Some(p) = &r.name.preferred {
                        <span class="preferred">{ format!(" (known as {p})") }</span>
                    }
                </span>
                <span class="resident-room">{ format!("Room {}", r.room) }</span>
                <span class="resident-age">{ age }</span>
                <span class="badges">
                    { for badges(&listed.stored.banner).into_iter().map(|b| html! {
                        <span class={b.class()} data-testid={b.test_id()}>{ b.label() }</span>
                    }) }
                </span>
            </Link>
        </li>
    }
}
