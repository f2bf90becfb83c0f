//! The bar at the top of every page after sign-in: the home, whether the tablet is
//! online, how old its copy is, how many items wait to send (a tap lists them, and
//! anything the server refused, with its reason), warnings about storage and items that
//! have waited too long, links to the pages the role may open (the handover; for
//! managers the access log and the home's tablets), locking the tablet (also how staff
//! hand it to someone else), and signing out.

use bedside_domain::api::Permission;
use chrono::Datelike;
use yew::prelude::*;

use crate::clock::{local_date, local_hhmm, today};
use crate::components::outbox_panel::OutboxPanel;
use crate::present::{date_label_short, waiting_text};
use crate::router::{Link, Route, use_navigator};
use crate::state::{Notice, use_app};

#[component]
pub fn AppHeader() -> Html {
    let app = use_app();
    let navigator = use_navigator();
    let panel_open = use_state(bool::default);

    let sign_out = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| {
            // The next person starts from the list, not from this resident.
            if app.waiting_to_send() == 0
                && let Some(nav) = &navigator
            {
                nav.push(&Route::Home);
            }
            app.sign_out();
        })
    };
    let lock = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.lock())
    };
    let update = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.refresh())
    };
    let toggle_panel = {
        let panel_open = panel_open.clone();
        Callback::from(move |_: MouseEvent| panel_open.set(!*panel_open))
    };
    let close_panel = {
        let panel_open = panel_open.clone();
        Callback::from(move |()| panel_open.set(false))
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
    let waiting = app.waiting_to_send();
    let rejected = app.outbox.rejected().len();
    let now = bedside_client::platform::now();
    // Links only to the pages this role may open.
    let access_log = app.may(Permission::ReadAccessLog);
    let devices = app.may(Permission::ManageDevices);
    let can_update =
        app.online && !app.reauthenticating && app.notice != Some(Notice::SessionExpired);

    html! {
        <header class="app-header">
            <div class="app-header-row">
                <div class="app-header-home">
                    <div class="app-header-title">
                        <Link to={Route::Home} classes="home-link">{ home }</Link>
                        if let Some((hhmm, on)) = as_of {
                            <span class="as-of">
                                <span data-testid="as-of">{ format!("as of {hhmm}") }</span>
                                if let Some(on) = on {
                                    <span>{ format!(" on {on}") }</span>
                                }
                            </span>
                        }
                    </div>
                    <div class="app-header-sync">
                        <span class={classes!("net-state", if app.online { "net-online" } else { "net-offline" })}
                            data-testid="network-state">
                            { if app.online { "Online" } else { "No network" } }
                        </span>
                        <button type="button" class={classes!("waiting-button", (waiting > 0).then_some("waiting-some"), (rejected > 0).then_some("waiting-problem"))}
                            aria-expanded={(*panel_open).to_string()} aria-controls="outbox-panel"
                            onclick={toggle_panel}>
                            <span data-testid="waiting-count">{ waiting_text(waiting) }</span>
                            if rejected > 0 {
                                <span class="rejected-count">{ format!(" · {rejected} not accepted") }</span>
                            }
                        </button>
                    </div>
                    if let Some(staff) = staff {
                        <span class="staff">{ format!("Signed in: {staff}") }</span>
                    }
                </div>
                <div class="app-header-actions">
                    { button_link(Route::Handover, "Handover") }
                    if access_log || devices {
                        <nav class="app-header-nav" aria-label="Managing the home">
                            if access_log {
                                { button_link(Route::AccessLog, "Access log") }
                            }
                            if devices {
                                { button_link(Route::Devices, "Tablets") }
                            }
                        </nav>
                    }
                    // Updating needs the network and a sign-in the server still accepts.
                    if can_update {
                        <button type="button" class="button button-secondary"
                            onclick={update} disabled={app.sync.running}>
                            { if app.sync.running { "Updating…" } else { "Update now" } }
                        </button>
                    }
                    if app.role().is_some_and(|r| r.may(Permission::ManageDevices)) {
                        { button_link(Route::Tablet, "This tablet") }
                    }
                    <button type="button" class="button button-secondary" onclick={lock}>
                        { "Lock" }
                    </button>
                    <button type="button" class="button button-secondary" onclick={sign_out}>
                        { "Sign out" }
                    </button>
                </div>
            </div>
            if !app.online {
                <p class="offline-banner" role="status" data-testid="offline-banner">
                    <strong>{ "Offline" }</strong>
                    { ": showing the records stored on this tablet. What you record is saved \
                       here and sent when the network is back." }
                </p>
            }
            if app.storage_nearly_full {
                <p class="header-warning" role="alert" data-testid="storage-warning">
                    <strong>{ "This tablet's storage is nearly full." }</strong>
                    { " New records may not be saved. Tell the manager so space can be freed." }
                </p>
            }
            if app.waited_too_long(now) {
                <p class="header-warning" role="status" data-testid="waiting-warning">
                    <strong>{ "Some records have waited more than 4 hours to send." }</strong>
                    { " They are safe on this tablet. Check the Wi-Fi, or tell the manager if \
                       this goes on." }
                </p>
            }
            if *panel_open {
                <OutboxPanel on_close={close_panel} />
            }
        </header>
    }
}

/// A link styled as a secondary button: one copy of a `Link`'s props code in the wasm
/// for the header's four.
fn button_link(to: Route, text: &'static str) -> Html {
    html! { <Link {to} classes="button button-secondary">{ text }</Link> }
}
