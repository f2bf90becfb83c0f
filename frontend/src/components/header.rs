//! The bar at the top of every page after sign-in: the home, how old the tablet's copy
//! is, whether the tablet is offline, and signing out.

use bedside_domain::dates::date_label_short;
use chrono::Datelike;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::clock::{local_date, local_hhmm, today};
use crate::state::{Notice, use_app};

#[component]
pub fn AppHeader() -> Html {
    let app = use_app();
    let navigator = use_navigator();

    let sign_out = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| {
            // The next person starts from the list, not from this resident.
            if let Some(nav) = &navigator {
                nav.push(&Route::Home);
            }
            app.sign_out();
        })
    };
    let update = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.refresh())
    };

    let home = app.home_name().unwrap_or("Your home").to_owned();
    let as_of = app.as_of.map(|t| {
        let day = local_date(t);
        let now = today();
        // The time alone would mislead about a copy from another day.
        let on = (day != now).then(|| date_label_short(day, now.year()));
        (local_hhmm(t), on)
    });
    let staff = app
        .session
        .as_ref()
        .map(|s| format!("{} ({})", s.staff.username, s.staff.role.label()));

    html! {
        <header class="app-header">
            <div class="app-header-row">
                <div class="app-header-home">
                    <div class="app-header-title">
                        <Link<Route> to={Route::Home} classes="home-link">{ home }</Link<Route>>
                        if let Some((hhmm, on)) = as_of {
                            <span class="as-of">
                                <span data-testid="as-of">{ format!("as of {hhmm}") }</span>
                                if let Some(on) = on {
                                    <span>{ format!(" on {on}") }</span>
                                }
                            </span>
                        }
                    </div>
                    if let Some(staff) = staff {
                        <span class="staff">{ format!("Signed in: {staff}") }</span>
                    }
                </div>
                <div class="app-header-actions">
                    // Updating needs the network and a sign-in the server still accepts.
                    if app.online && !app.reauthenticating && app.notice != Some(Notice::SessionExpired) {
                        <button type="button" class="button button-secondary"
                            onclick={update} disabled={app.refreshing}>
                            { if app.refreshing { "Updating…" } else { "Update now" } }
                        </button>
                    }
                    <button type="button" class="button button-secondary" onclick={sign_out}>
                        { "Sign out" }
                    </button>
                </div>
            </div>
            if !app.online {
                <p class="offline-banner" role="status" data-testid="offline-banner">
                    <strong>{ "Offline" }</strong>
                    { ": showing the records stored on this tablet. Updates resume when the \
                       network is back." }
                </p>
            }
        </header>
    }
}
