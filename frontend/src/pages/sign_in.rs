//! Signing in: the first screen on a tablet (where a manager signs in to enrol it), the
//! lock screen's "Sign in with password", and again when a sign-in has expired (then
//! over the stored records, which stay available).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::hooks::use_title;
use crate::state::{Notice, Phase, SignIn, use_app};

#[component]
pub fn SignInPage() -> Html {
    use_title("Sign in");
    let app = use_app();
    let username = use_node_ref();
    let password = use_node_ref();
    let missing = use_state(bool::default);
    crate::hooks::use_focus_on_show("username");

    let onsubmit = {
        let app = app.clone();
        let username = username.clone();
        let password = password.clone();
        let missing = missing.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (u, p) = (value(&username).trim().to_owned(), value(&password));
            if u.is_empty() || p.is_empty() {
                missing.set(true);
                return;
            }
            missing.set(false);
            app.sign_in(u, p);
        })
    };
    let cancel = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.cancel_reauthenticate())
    };
    let back_to_lock = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.back_to_lock())
    };
    let can_go_back = app.phase == Phase::SignedOut && !app.pin_holders.is_empty();

    let working = matches!(app.sign_in, SignIn::Working(_));
    let message = match (&app.sign_in, *missing) {
        (SignIn::Working(words), _) => html! {
            <p class="progress" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { words.clone() }
            </p>
        },
        (SignIn::Failed(error), _) => html! { <p class="error" role="alert">{ error.clone() }</p> },
        (SignIn::Idle, true) => html! {
            <p class="error" role="alert">{ "Enter your username and password" }</p>
        },
        (SignIn::Idle, false) => html! {},
    };
    let problem = match &app.notice {
        Some(Notice::Problem(p)) if !app.reauthenticating => {
            html! { <p class="notice notice-warning" role="alert">{ p.clone() }</p> }
        }
        _ => html! {},
    };

    html! {
        <main id="main" class="page page-sign-in">
            <div class="sign-in-card">
                if app.reauthenticating {
                    <h1>{ "Sign in again" }</h1>
                    <p>{ "Your sign-in has expired. Sign in to get the latest records; the \
                          records already on this tablet stay available." }</p>
                } else {
                    <h1 class="brand">{ "Bedside" }</h1>
                    <p>{ "Sign in to see the care records for your home." }</p>
                }
                { problem }
                if app.phase == Phase::NotEnrolled {
                    <p class="notice notice-info" data-testid="not-enrolled">
                        { "This tablet is not enrolled yet. A manager signs in here to enrol it." }
                    </p>
                }
                if !app.online {
                    <p class="hint">{ "This tablet is offline. Signing in needs the network." }</p>
                }
                <form class="sign-in-form" {onsubmit} novalidate=true>
                    <div class="field">
                        <label for="username">{ "Username" }</label>
                        <input id="username" name="username" type="text" ref={username}
                            autocomplete="username" autocapitalize="none" spellcheck="false"
                            required=true />
                    </div>
                    <div class="field">
                        <label for="password">{ "Password" }</label>
                        <input id="password" name="password" type="password" ref={password}
                            autocomplete="current-password" required=true />
                    </div>
                    { message }
                    <button type="submit" class="button button-primary" aria-disabled={working.to_string()}>
                        { "Sign in" }
                    </button>
                </form>
                if can_go_back {
                    <p class="sign-in-cancel">
                        <button type="button" class="button button-secondary" onclick={back_to_lock}>
                            { "Back to the lock screen" }
                        </button>
                    </p>
                }
                if app.reauthenticating {
                    <p class="sign-in-cancel">
                        <button type="button" class="button button-secondary" onclick={cancel}>
                            { "Back to the records on this tablet" }
                        </button>
                    </p>
                }
            </div>
        </main>
    }
}
