//! A message above the page that does not stop staff reading the records.

use yew::prelude::*;

use crate::router::{Route, use_navigator};
use crate::state::{Notice, use_app};

#[component]
pub fn NoticeBar() -> Html {
    let app = use_app();
    let navigator = use_navigator();
    let Some(notice) = app.notice.clone() else {
        return html! {};
    };
    let dismiss = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dismiss_notice())
    };
    match notice {
        Notice::SessionExpired => {
            let sign_in = {
                let app = app.clone();
                Callback::from(move |_: MouseEvent| app.reauthenticate())
            };
            html! {
                <div class="notice notice-warning" role="status" data-testid="notice">
                    <p>{ "Your sign-in has expired: sign in again to get updates" }</p>
                    <button type="button" class="button" onclick={sign_in}>{ "Sign in" }</button>
                </div>
            }
        }
        Notice::RefreshFailed(reason) => {
            let retry = {
                let app = app.clone();
                Callback::from(move |_: MouseEvent| app.refresh())
            };
            html! {
                <div class="notice notice-warning" role="status" data-testid="notice">
                    <p>
                        { format!("Could not get updates: {reason}. ") }
                        { "Showing the records stored on this tablet." }
                    </p>
                    <button type="button" class="button" onclick={retry}>{ "Try again" }</button>
                    <button type="button" class="button button-secondary" onclick={dismiss}>
                        { "Dismiss" }
                    </button>
                </div>
            }
        }
        Notice::UnsentAtSignOut(waiting) => {
            let anyway = {
                let app = app.clone();
                Callback::from(move |_: MouseEvent| {
                    if let Some(nav) = &navigator {
                        nav.push(&Route::Home);
                    }
                    app.sign_out_now();
                })
            };
            let words = if waiting == 1 {
                "1 record has not been sent yet. Signing out now loses it.".to_owned()
            } else {
                format!("{waiting} records have not been sent yet. Signing out now loses them.")
            };
            html! {
                <div class="notice notice-warning" role="alert" data-testid="notice">
                    <p>{ words }</p>
                    <button type="button" class="button" onclick={dismiss}>
                        { "Stay signed in" }
                    </button>
                    <button type="button" class="button button-secondary" onclick={anyway}>
                        { "Sign out anyway" }
                    </button>
                </div>
            }
        }
        Notice::AuditFailed(why) => html! {
            <div class="notice notice-warning" role="alert" data-testid="notice">
                <p>{ format!("This view could not be noted in the access log ({why}). You can \
                              go on reading; tell the manager.") }</p>
                <button type="button" class="button button-secondary" onclick={dismiss}>
                    { "Dismiss" }
                </button>
            </div>
        },
        Notice::Problem(message) => html! {
            <div class="notice notice-warning" role="status" data-testid="notice">
                <p>{ message }</p>
                <button type="button" class="button button-secondary" onclick={dismiss}>
                    { "Dismiss" }
                </button>
            </div>
        },
    }
}
