//! Rendering components into the test page and reading back what they show, for the
//! component tests that run in the browser.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement};
use yew::BaseComponent;

/// Lets Yew's scheduler and any spawned futures run.
pub async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Renders a component into a fresh element in the page and waits for it to show.
pub async fn render<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a test page");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("attached");
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

/// The text of every element matching `selector`, trimmed.
pub fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default().trim().to_owned())
        .collect()
}

pub fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector)
        .expect("a valid selector")
        .length()
}

pub fn one(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .expect("a valid selector")
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
}

pub async fn click(root: &Element, selector: &str) {
    one(root, selector)
        .dyn_into::<HtmlElement>()
        .expect("an HTML element")
        .click();
    settle().await;
}

/// Renders a component and waits only for Yew's own scheduler (a microtask), not for the
/// browser's timers: for timing the render itself.
pub async fn render_now<C>(props: C::Properties) -> Element
where
    C: BaseComponent,
{
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a test page");
    let root = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&root)
        .expect("attached");
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    let _ =
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED)).await;
    root
}

/// Puts `value` into the field matching `selector` and tells the app, as typing does (a
/// bubbling `input` event, then `change` as when staff leave the field).
pub async fn type_into(root: &Element, selector: &str, value: &str) {
    let field = one(root, selector);
    // Inputs and text areas both have `value`; the cast only names the property.
    field
        .unchecked_ref::<web_sys::HtmlInputElement>()
        .set_value(value);
    for kind in ["input", "change"] {
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict(kind, &init).expect("an event");
        field.dispatch_event(&event).expect("dispatched");
    }
    settle().await;
}

/// Waits (up to about five seconds) until `ready` holds, letting the app work between
/// looks; fails the test with `what` otherwise.
pub async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..250 {
        if ready() {
            return;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    panic!("timed out waiting until {what}");
}

pub mod app {
    //! The whole app (header, pages) on a route of the test's choosing, over a store of
    //! its own holding one signed-in member of staff and one resident.

    use bedside_domain::api::{HomeInfo, HomeRecords, LoginResponse, Role, StaffInfo};
    use bedside_domain::record::{Entry, PersonName, ResidencyStatus, Resident, Sex};
    use bedside_domain::{HomeId, NhsNumber, PersonId, StaffId};
    use uuid::Uuid;
    use yew::prelude::*;

    use crate::router::Router;
    use crate::select::fixtures::{at, day};
    use crate::services::local_db::LocalDb;
    use crate::state::{AppProvider, Db};

    pub fn person() -> PersonId {
        PersonId(Uuid::from_u128(1))
    }

    pub fn resident() -> Resident {
        Resident {
            id: person(),
            home_id: HomeId(Uuid::from_u128(7)),
            nhs_number: NhsNumber::from_prefix([9, 9, 9, 0, 0, 0, 0, 0, 1]).expect("valid prefix"),
            name: PersonName {
                given: "Ada".into(),
                family: "Testperson".into(),
                preferred: None,
            },
            birth_date: day(1938, 4, 2),
            sex: Sex::Female,
            gp_practice: None,
            room: "3".into(),
            admitted_on: day(2024, 5, 1),
            status: ResidencyStatus::InHome,
            spo2_scale: Default::default(),
        }
    }

    pub fn home() -> HomeInfo {
        HomeInfo {
            id: HomeId(Uuid::from_u128(7)),
            name: "Oak Lodge".into(),
        }
    }

    /// A member of staff of [`home`]; `n` makes the id.
    pub fn staff(n: u128, username: &str, role: Role) -> StaffInfo {
        StaffInfo {
            id: StaffId(Uuid::from_u128(n)),
            username: username.into(),
            role,
            home: home(),
        }
    }

    /// A fresh, empty store named for the test (not enrolled).
    pub async fn empty_store(test: &str) -> (AttrValue, LocalDb) {
        let name = format!("bedside-test-{test}");
        LocalDb::delete_named(&name)
            .await
            .expect("delete old test db");
        let db = LocalDb::open_named(&name).await.expect("open test db");
        (AttrValue::from(name), db)
    }

    /// A fresh store named for the test, enrolled (with the client's synthetic
    /// enrolment) and unlocked for `username` with `role` (who has the PIN
    /// `bedside_client::testing::PIN`), holding [`resident`] with `entries`.
    pub async fn store(
        test: &str,
        username: &str,
        role: Role,
        entries: Vec<Entry>,
    ) -> (AttrValue, LocalDb) {
        let (name, db) = empty_store(test).await;
        let home = home();
        let staff = staff(99, username, role);
        bedside_client::testing::enrol_and_unlock(&db, &staff)
            .await
            .expect("enrolled and unlocked");
        db.set_session(&LoginResponse {
            token: "synthetic-token".into(),
            expires_at: at(2099, 1, 1),
            staff,
        })
        .await
        .expect("session");
        db.replace_home(&HomeRecords {
            home,
            as_of: at(2026, 11, 25),
            residents: vec![resident()],
            entries,
        })
        .await
        .expect("records");
        (name, db)
    }

    #[derive(Properties, PartialEq)]
    pub struct AppAtProps {
        pub store: AttrValue,
        pub path: AttrValue,
        /// The test's own handle on the store, when it is unlocked: the app uses it as
        /// it is (a handle the app opened itself would start locked).
        #[prop_or_default]
        pub unlocked: Option<Db>,
        /// Lock after this many milliseconds with no input.
        #[prop_or_default]
        pub idle_after_ms: Option<u32>,
    }

    /// The test's handle, for [`AppAtProps::unlocked`].
    pub fn handle(db: &LocalDb) -> Option<Db> {
        Some(Db(std::rc::Rc::new(db.clone())))
    }

    #[component]
    pub fn AppAt(props: &AppAtProps) -> Html {
        html! {
            <AppProvider store={Some(props.store.clone())} unlocked={props.unlocked.clone()}
                idle_after_ms={props.idle_after_ms}>
                <Router path={Some(props.path.clone())}>
                    <crate::app::Shell />
                </Router>
            </AppProvider>
        }
    }
}
