//! The tablet itself: enrolling it for the home (a manager, signed in on a tablet not
//! yet enrolled), and what its settings page at `/tablet` (in [`super::tablets`]) accepts
//! as the time it waits with no use before it locks.

use std::rc::Rc;

use bedside_client::vault::IDLE_MINUTES_RANGE;
use bedside_domain::api::SignInResponse;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::fields::focus;
use crate::hooks::use_title;
use crate::pages::lock::{KeyField, staff_label};
use crate::state::use_app;

/// The minutes typed into "Lock after (minutes)", when they are a whole number in
/// [`IDLE_MINUTES_RANGE`].
pub fn parse_idle_minutes(text: &str) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| IDLE_MINUTES_RANGE.contains(m))
}

fn value(input: &NodeRef) -> String {
    input
        .cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct EnrolProps {
    pub answer: Rc<SignInResponse>,
}

/// A manager names the tablet and enrols it for their home; then they choose a PIN.
#[component]
pub fn EnrolPage(props: &EnrolProps) -> Html {
    use_title("Enrol this tablet");
    let app = use_app();
    let name = use_node_ref();
    let error = use_state(Option::<String>::default);
    let working = use_state(bool::default);

    crate::hooks::use_focus_on_show("tablet-name");

    let onsubmit = {
        let app = app.clone();
        let name = name.clone();
        let (error, working) = (error.clone(), working.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *working {
                return;
            }
            let typed = value(&name).trim().to_owned();
            if typed.is_empty() {
                error.set(Some(
                    "Enter a name for this tablet, such as Trolley 2.".to_owned(),
                ));
                focus("tablet-name");
                return;
            }
            error.set(None);
            working.set(true);
            let app = app.clone();
            let (error, working) = (error.clone(), working.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // Enrolled: the app goes on to "Choose a PIN" and this screen is gone.
                if let Err(why) = app.enrol(typed).await {
                    working.set(false);
                    error.set(Some(why));
                    focus("tablet-name");
                }
            });
        })
    };
    let cancel = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.cancel_enrol())
    };

    let staff = &props.answer.login.staff;
    html! {
        <main id="main" class="page page-sign-in">
            <div class="sign-in-card">
                <h1>{ "Enrol this tablet" }</h1>
                <p>{ format!("Signed in as {}, {}. Enrolling this tablet lets the staff of {} \
                              use it: each signs in once with their password, then unlocks it \
                              with a PIN. The records on it are kept encrypted.",
                              staff_label(staff), staff.home.name, staff.home.name) }</p>
                <form class="enrol-form" {onsubmit} novalidate=true>
                    <KeyField id="tablet-name" label="Tablet name" kind="text" input={name}
                        hint={AttrValue::Static("What staff call it, for example Trolley 2")}
                        error={error.as_ref().map(|e| AttrValue::from(e.clone()))} />
                    <button type="submit" class="button button-primary"
                        aria-disabled={working.to_string()}>
                        { "Enrol this tablet" }
                    </button>
                </form>
                <p class="sign-in-cancel">
                    <button type="button" class="button button-secondary" onclick={cancel}>
                        { "Cancel" }
                    </button>
                </p>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_idle_time_is_whole_minutes_from_1_to_60() {
        assert_eq!(parse_idle_minutes("5"), Some(5));
        assert_eq!(parse_idle_minutes(" 60 "), Some(60));
        assert_eq!(parse_idle_minutes("1"), Some(1));
        for bad in ["0", "61", "", "2.5", "-3", "five"] {
            assert_eq!(parse_idle_minutes(bad), None, "{bad}");
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod component_tests {
    use std::rc::Rc;

    use bedside_domain::api::Role;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use yew::prelude::*;

    use super::*;
    use crate::state::AppProvider;
    use crate::test_support::app::{AppAt, AppAtProps, empty_store, handle, staff, store};
    use crate::test_support::{click, count, one, render, texts, type_into, wait_until};

    #[derive(Properties, PartialEq)]
    struct EnrolAtProps {
        store: AttrValue,
        answer: Rc<SignInResponse>,
    }

    #[component]
    fn EnrolAt(props: &EnrolAtProps) -> Html {
        html! {
            <AppProvider store={Some(props.store.clone())}>
                <EnrolPage answer={props.answer.clone()} />
            </AppProvider>
        }
    }

    #[test]
    async fn a_manager_names_the_tablet_to_enrol_it() {
        let (name, _db) = empty_store("enrol-page").await;
        let manager = staff(5, "oak.manager", Role::Manager);
        let answer = bedside_client::testing::sign_in_answer(&manager, "synthetic-token");
        let root = render::<EnrolAt>(EnrolAtProps {
            store: name,
            answer: Rc::new(answer),
        })
        .await;
        assert_eq!(texts(&root, "h1"), ["Enrol this tablet"]);
        assert_eq!(texts(&root, "label"), ["Tablet name"]);
        assert!(texts(&root, "p")[0].contains("oak.manager (Manager)"));
        assert_eq!(texts(&root, "button[type=submit]"), ["Enrol this tablet"]);
        let focused = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(|e| e.id());
        assert_eq!(focused.as_deref(), Some("tablet-name"));

        click(&root, "button[type=submit]").await;
        assert_eq!(
            texts(&root, "[role=alert]"),
            ["Enter a name for this tablet, such as Trolley 2."]
        );
        let input = one(&root, "#tablet-name");
        assert_eq!(
            input.get_attribute("aria-describedby").as_deref(),
            Some("tablet-name-hint tablet-name-error")
        );
    }

    #[test]
    async fn a_manager_sets_how_long_the_tablet_waits_before_it_locks() {
        let (name, db) = store("tablet-page", "oak.manager", Role::Manager, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/tablet".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the tablet page", || count(&root, "#idle-minutes") == 1).await;
        assert_eq!(texts(&root, "h1"), ["This tablet"]);
        wait_until("its name", || {
            texts(&root, "[data-testid=tablet-name]") == ["Name: Test tablet"]
        })
        .await;
        assert_eq!(
            texts(&root, "label[for=idle-minutes]"),
            ["Lock after (minutes)"]
        );
        let value = |root: &web_sys::Element| {
            use wasm_bindgen::JsCast;
            one(root, "#idle-minutes")
                .unchecked_into::<web_sys::HtmlInputElement>()
                .value()
        };
        assert_eq!(value(&root), "5");
        assert!(texts(&root, "header a").contains(&"This tablet".to_owned()));

        type_into(&root, "#idle-minutes", "61").await;
        click(&root, ".tablet-form button[type=submit]").await;
        assert_eq!(
            texts(&root, "[role=alert]"),
            ["Enter a whole number of minutes from 1 to 60."]
        );
        assert_eq!(db.idle_minutes().await.expect("read"), 5);

        type_into(&root, "#idle-minutes", "7").await;
        click(&root, ".tablet-form button[type=submit]").await;
        wait_until("saved", || count(&root, ".saved") == 1).await;
        assert_eq!(
            texts(&root, ".saved"),
            ["Saved: Bedside locks after 7 minutes with no use."]
        );
        assert_eq!(db.idle_minutes().await.expect("read"), 7);
    }

    #[test]
    async fn this_tablet_and_the_tablets_page_each_start_afresh() {
        let (name, db) = store("tablet-afresh", "oak.manager", Role::Manager, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/tablet".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the tablet page", || count(&root, "#idle-minutes") == 1).await;
        type_into(&root, "#idle-minutes", "6").await;
        click(&root, ".tablet-form button[type=submit]").await;
        wait_until("saved", || count(&root, ".saved") == 1).await;

        // One component shows both pages; each route mounts its own.
        click(&root, "header a[href='/devices']").await;
        wait_until("the tablets page", || {
            texts(&root, "main h1") == ["Tablets"]
        })
        .await;
        click(&root, "header a[href='/tablet']").await;
        wait_until("the tablet page again", || {
            count(&root, "#idle-minutes") == 1
        })
        .await;
        assert_eq!(texts(&root, "main h1"), ["This tablet"]);
        assert_eq!(
            count(&root, ".saved"),
            0,
            "what was saved before is not said again"
        );
    }

    #[test]
    async fn only_a_manager_sees_the_tablets_settings() {
        let (name, db) = store("tablet-carer", "oak.carer", Role::Carer, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/tablet".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the page", || {
            count(&root, "h1") == 1 && count(&root, "header") == 1
        })
        .await;
        assert_eq!(count(&root, "#idle-minutes"), 0);
        assert!(!texts(&root, "header a").contains(&"This tablet".to_owned()));
        assert!(texts(&root, "main p")[0].contains("Only a manager"));
    }
}
