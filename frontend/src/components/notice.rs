//! A message above the page that does not stop staff reading the records.

use yew::prelude::*;

use crate::state::{Notice, use_app};

#[component]
pub fn NoticeBar() -> Html {
    let app = use_app();
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
