//! The tablet's own screens around a sign-in: the lock screen (who has a PIN here, and
//! unlocking with it), choosing a PIN after an online sign-in, and the field both use.
//!
//! PINs are read from the inputs when the form is sent and go straight to the vault:
//! they are never kept in the app's state.

use bedside_domain::StaffId;
use bedside_domain::api::StaffInfo;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::fields::focus;
use crate::hooks::use_title;
use crate::state::{UnlockFailure, use_app};

pub use bedside_client::vault::{MAX_PIN_LEN, MIN_PIN_LEN};

/// What the lock screen says after a wrong PIN, or after the last one allowed.
pub fn unlock_message(failure: &UnlockFailure) -> String {
    match failure {
        UnlockFailure::WrongPin { tries_left: 1 } => {
            "That PIN is not right. 1 try left.".to_owned()
        }
        UnlockFailure::WrongPin { tries_left } => {
            format!("That PIN is not right. {tries_left} tries left.")
        }
        UnlockFailure::LockedOut => {
            "Too many wrong PINs. Sign in with your password to use this tablet again.".to_owned()
        }
        UnlockFailure::Other(why) => format!("The tablet could not be unlocked: {why}"),
    }
}

/// Why a new PIN cannot be saved, and which of the two fields says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProblem {
    NotDigits,
    TooShort,
    TooLong,
    Differ,
}

impl PinProblem {
    pub fn words(self) -> &'static str {
        match self {
            Self::NotDigits => "Your PIN must be only digits, 0 to 9.",
            Self::TooShort => "Your PIN must be at least 6 digits.",
            Self::TooLong => "Your PIN must be at most 32 digits.",
            Self::Differ => "The two PINs are not the same. Type the same PIN twice.",
        }
    }
}

/// Checks a new PIN and its repetition, in the order staff can fix them.
pub fn pin_problem(pin: &str, again: &str) -> Option<PinProblem> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        Some(PinProblem::NotDigits)
    } else if pin.len() < MIN_PIN_LEN {
        Some(PinProblem::TooShort)
    } else if pin.len() > MAX_PIN_LEN {
        Some(PinProblem::TooLong)
    } else if pin != again {
        Some(PinProblem::Differ)
    } else {
        None
    }
}

/// How staff are named on the lock screen: "oak.carer (Carer)".
pub fn staff_label(staff: &StaffInfo) -> String {
    format!("{} ({})", staff.username, staff.role.label())
}

fn value(input: &NodeRef) -> String {
    input
        .cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

fn clear(input: &NodeRef) {
    if let Some(i) = input.cast::<HtmlInputElement>() {
        i.set_value("");
    }
}

#[derive(Properties, PartialEq)]
pub struct KeyFieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub input: NodeRef,
    /// `password` for PINs (the default), `text` or `number`.
    #[prop_or(AttrValue::Static("password"))]
    pub kind: AttrValue,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// Announced as it appears (`role="alert"`) and tied to the input.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// The value the field starts with.
    #[prop_or_default]
    pub value: Option<AttrValue>,
}

/// One labelled input whose value is read when its form is sent: a PIN (digits on the
/// number keypad, never filled in by the browser), a tablet's name, a number of minutes.
#[component]
pub fn KeyField(props: &KeyFieldProps) -> Html {
    let id = &props.id;
    let hint_id = props.hint.as_ref().map(|_| format!("{id}-hint"));
    let error_id = props.error.as_ref().map(|_| format!("{id}-error"));
    let describedby = match (&hint_id, &error_id) {
        (Some(h), Some(e)) => Some(format!("{h} {e}")),
        (h, e) => h.clone().or_else(|| e.clone()),
    };
    let text = props.kind == "text";
    html! {
        <div class={classes!("field", props.error.as_ref().map(|_| "field-invalid"))}>
            <label for={id.clone()}>{ props.label.clone() }</label>
            if let (Some(hint), Some(hint_id)) = (&props.hint, hint_id) {
                <p class="hint" id={hint_id}>{ hint.clone() }</p>
            }
            if let (Some(error), Some(error_id)) = (&props.error, error_id) {
                <p class="field-error" id={error_id} role="alert">{ error.clone() }</p>
            }
            <input id={id.clone()} name={id.clone()} type={props.kind.clone()} ref={props.input.clone()}
                class={classes!((!text).then_some("key-input"))}
                inputmode={(!text).then_some("numeric")}
                pattern={(props.kind == "password").then_some("[0-9]*")}
                autocomplete="off" value={props.value.clone()}
                aria-describedby={describedby}
                aria-invalid={props.error.as_ref().map(|_| "true")} />
        </div>
    }
}

/// The lock screen: the staff who can unlock this tablet with a PIN, each a large button;
/// choosing one asks for their PIN. Nothing about residents is shown or held meanwhile.
#[component]
pub fn LockPage() -> Html {
    use_title("Locked");
    let app = use_app();
    let chosen = use_state(|| None::<StaffId>);
    let message = use_state(Option::<String>::default);
    let working = use_state(bool::default);
    let pin = use_node_ref();

    crate::hooks::use_focus_on_show("lock-heading");
    {
        let chosen = *chosen;
        use_effect_with(chosen, |chosen| {
            if chosen.is_some() {
                focus("pin");
            }
        });
    }

    let choose = |staff: StaffId| {
        let chosen = chosen.clone();
        let message = message.clone();
        let pin = pin.clone();
        Callback::from(move |_: MouseEvent| {
            clear(&pin);
            message.set(None);
            chosen.set(Some(staff));
            // Chosen again: the effect does not run, so focus here too.
            focus("pin");
        })
    };
    let onsubmit = {
        let app = app.clone();
        let chosen = chosen.clone();
        let message = message.clone();
        let working = working.clone();
        let pin = pin.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(staff) = *chosen else { return };
            if *working {
                return;
            }
            let entered = value(&pin);
            if entered.is_empty() {
                message.set(Some("Enter your PIN.".to_owned()));
                focus("pin");
                return;
            }
            working.set(true);
            let app = app.clone();
            let chosen = chosen.clone();
            let message = message.clone();
            let working = working.clone();
            let pin = pin.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = app.unlock(staff, entered).await;
                // Unlocked: this screen is gone, and its state with it.
                if let Err(failure) = result {
                    working.set(false);
                    clear(&pin);
                    if failure == UnlockFailure::LockedOut {
                        chosen.set(None);
                        focus("lock-heading");
                    } else {
                        focus("pin");
                    }
                    message.set(Some(unlock_message(&failure)));
                }
            });
        })
    };
    let password = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.use_password())
    };

    let chosen_staff = chosen.and_then(|id| {
        app.pin_holders
            .iter()
            .find(|h| h.staff.id == id && !h.locked_out)
            .map(|h| h.staff.clone())
    });
    // A wrong PIN is said beside the PIN field; a lockout (the field is gone) above.
    let (field_error, screen_error) = match (&chosen_staff, &*message) {
        (Some(_), Some(m)) => (Some(AttrValue::from(m.clone())), None),
        (None, Some(m)) => (None, Some(m.clone())),
        _ => (None, None),
    };

    html! {
        <main id="main" class="page page-sign-in page-lock">
            <div class="sign-in-card">
                <h1 id="lock-heading" tabindex="-1">{ "Bedside is locked" }</h1>
                <p>{ "Choose your name, then enter your PIN." }</p>
                if let Some(error) = screen_error {
                    <p class="error" role="alert">{ error }</p>
                }
                <ul class="lock-people" aria-label="Staff with a PIN on this tablet">
                    { for app.pin_holders.iter().map(|h| {
                        let label = staff_label(&h.staff);
                        if h.locked_out {
                            html! {
                                <li class="lock-person lock-person-out" data-testid="locked-out"
                                    key={h.staff.id.to_string()}>
                                    <span>{ label }</span>
                                    <span class="hint">{ " Locked out: sign in with your password." }</span>
                                </li>
                            }
                        } else {
                            let pressed = Some(h.staff.id) == *chosen;
                            html! {
                                <li key={h.staff.id.to_string()}>
                                    <button type="button" class="button lock-person"
                                        aria-pressed={pressed.to_string()}
                                        onclick={choose(h.staff.id)}>
                                        { label }
                                    </button>
                                </li>
                            }
                        }
                    }) }
                </ul>
                if let Some(staff) = chosen_staff {
                    <form class="pin-form" {onsubmit} novalidate=true
                        aria-label={format!("Unlock as {}", staff.username)}>
                        <KeyField id="pin" label="PIN" input={pin.clone()} error={field_error} />
                        <button type="submit" class="button button-primary"
                            aria-disabled={working.to_string()}>
                            { "Unlock" }
                        </button>
                    </form>
                }
                <p class="sign-in-cancel">
                    <button type="button" class="button button-secondary" onclick={password}>
                        { "Sign in with password" }
                    </button>
                </p>
            </div>
        </main>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChoosePinProps {
    pub staff: StaffInfo,
}

/// After an online sign-in, for someone with no PIN on this tablet: the PIN that will
/// unlock it for them, offline too.
#[component]
pub fn ChoosePinPage(props: &ChoosePinProps) -> Html {
    use_title("Choose a PIN");
    let app = use_app();
    let pin = use_node_ref();
    let again = use_node_ref();
    let problem = use_state(|| None::<PinProblem>);
    let failed = use_state(Option::<String>::default);
    let working = use_state(bool::default);

    crate::hooks::use_focus_on_show("new-pin");

    let onsubmit = {
        let app = app.clone();
        let (pin, again) = (pin.clone(), again.clone());
        let (problem, failed, working) = (problem.clone(), failed.clone(), working.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *working {
                return;
            }
            let (first, second) = (value(&pin), value(&again));
            let found = pin_problem(&first, &second);
            problem.set(found);
            failed.set(None);
            if let Some(found) = found {
                focus(if found == PinProblem::Differ {
                    "pin-again"
                } else {
                    "new-pin"
                });
                return;
            }
            working.set(true);
            let app = app.clone();
            let (failed, working) = (failed.clone(), working.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // Saved: the app goes on to the records and this screen is gone.
                if let Err(why) = app.set_pin(first).await {
                    working.set(false);
                    failed.set(Some(why));
                }
            });
        })
    };

    let error_for = |differ: bool| {
        problem
            .filter(|p| (*p == PinProblem::Differ) == differ)
            .map(|p| AttrValue::Static(p.words()))
    };
    let progress = app.sign_in.clone();

    html! {
        <main id="main" class="page page-sign-in">
            <div class="sign-in-card">
                <h1>{ "Choose a PIN" }</h1>
                <p>{ format!("{}, choose a PIN of at least {MIN_PIN_LEN} digits. It unlocks \
                              Bedside for you on this tablet, also when it is offline. Keep \
                              it to yourself.", props.staff.username) }</p>
                <form class="pin-form" {onsubmit} novalidate=true>
                    <KeyField id="new-pin" label="New PIN" input={pin}
                        hint={AttrValue::Static("At least 6 digits")} error={error_for(false)} />
                    <KeyField id="pin-again" label="PIN again" input={again} error={error_for(true)} />
                    if let Some(why) = &*failed {
                        <p class="error" role="alert">{ why.clone() }</p>
                    }
                    if let crate::state::SignIn::Working(words) = progress {
                        <p class="progress" role="status">
                            <span class="spinner" aria-hidden="true"></span>
                            { words }
                        </p>
                    }
                    <button type="submit" class="button button-primary"
                        aria-disabled={working.to_string()}>
                        { "Save PIN" }
                    </button>
                </form>
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
    fn a_new_pin_is_six_or_more_digits_typed_twice_the_same() {
        assert_eq!(pin_problem("", ""), Some(PinProblem::TooShort));
        assert_eq!(pin_problem("12345", "12345"), Some(PinProblem::TooShort));
        assert_eq!(pin_problem("12345a", "12345a"), Some(PinProblem::NotDigits));
        assert_eq!(
            pin_problem("123 456", "123 456"),
            Some(PinProblem::NotDigits)
        );
        // Digits from other scripts are not on the keypad the tablet shows.
        assert_eq!(pin_problem("١٢٣٤٥٦", "١٢٣٤٥٦"), Some(PinProblem::NotDigits));
        assert_eq!(pin_problem("123456", "123457"), Some(PinProblem::Differ));
        assert_eq!(pin_problem("123456", ""), Some(PinProblem::Differ));
        assert_eq!(pin_problem("123456", "123456"), None);
        assert_eq!(pin_problem("0000000000", "0000000000"), None);
        let long = "1".repeat(MAX_PIN_LEN + 1);
        assert_eq!(pin_problem(&long, &long), Some(PinProblem::TooLong));
        // The vault's own rule agrees with every answer here.
        for pin in ["12345", "12345a", "123456", &long] {
            assert_eq!(
                bedside_client::vault::check_pin(pin).is_ok(),
                pin_problem(pin, pin).is_none(),
                "{pin}"
            );
        }
    }

    #[test]
    fn a_wrong_pin_says_how_many_tries_are_left_in_words_that_fit_the_number() {
        let wrong = |n| unlock_message(&UnlockFailure::WrongPin { tries_left: n });
        assert_eq!(wrong(4), "That PIN is not right. 4 tries left.");
        assert_eq!(wrong(2), "That PIN is not right. 2 tries left.");
        assert_eq!(wrong(1), "That PIN is not right. 1 try left.");
        assert_eq!(
            unlock_message(&UnlockFailure::LockedOut),
            "Too many wrong PINs. Sign in with your password to use this tablet again."
        );
    }
}

/// The screens in the whole app, over a real IndexedDB through the client's vault (PINs
/// set with the client's test iteration count).
#[cfg(all(test, target_arch = "wasm32"))]
mod component_tests {
    use bedside_client::testing;
    use bedside_domain::api::Role;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use web_sys::Element;

    use crate::test_support::app::{AppAt, AppAtProps, handle, staff, store};
    use crate::test_support::{click, count, one, render, texts, type_into, wait_until};

    fn focused_id() -> String {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(|e| e.id())
            .unwrap_or_default()
    }

    fn alerts(root: &Element) -> Vec<String> {
        texts(root, "[role=alert]")
    }

    async fn submit(root: &Element, form: &str) {
        click(root, &format!("{form} button[type=submit]")).await;
    }

    #[test]
    async fn wrong_pins_count_down_then_lock_out_and_someone_else_still_unlocks() {
        let (name, db) = store("lock-screen", "oak.carer", Role::Carer, vec![]).await;
        // A second member of staff with a PIN of their own.
        let senior = staff(98, "oak.senior", Role::Senior);
        testing::enrol_and_unlock(&db, &senior)
            .await
            .expect("second PIN");
        db.lock();
        // The app opens the store itself, locked: the data key is never stored.
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/".into(),
            unlocked: None,
            idle_after_ms: None,
        })
        .await;
        wait_until("the lock screen lists both", || {
            count(&root, ".lock-people button") == 2
        })
        .await;
        assert_eq!(texts(&root, "h1"), ["Bedside is locked"]);
        assert_eq!(focused_id(), "lock-heading");
        assert_eq!(
            texts(&root, ".lock-people button"),
            ["oak.carer (Carer)", "oak.senior (Senior carer / nurse)"]
        );
        // Nothing about residents while locked.
        let text = root.text_content().unwrap_or_default();
        assert!(!text.contains("Ada"), "{text}");
        assert_eq!(count(&root, "header"), 0);

        click(&root, ".lock-people li:first-child button").await;
        assert_eq!(texts(&root, "label[for=pin]"), ["PIN"]);
        let pin = one(&root, "#pin");
        assert_eq!(pin.get_attribute("type").as_deref(), Some("password"));
        assert_eq!(pin.get_attribute("inputmode").as_deref(), Some("numeric"));
        assert_eq!(pin.get_attribute("autocomplete").as_deref(), Some("off"));
        assert_eq!(focused_id(), "pin");

        for left in [
            "4 tries left.",
            "3 tries left.",
            "2 tries left.",
            "1 try left.",
        ] {
            type_into(&root, "#pin", "999999").await;
            submit(&root, ".pin-form").await;
            let want = format!("That PIN is not right. {left}");
            wait_until(&want, || alerts(&root) == [want.clone()]).await;
            // The message is tied to the field.
            assert_eq!(
                one(&root, "#pin")
                    .get_attribute("aria-describedby")
                    .as_deref(),
                Some("pin-error")
            );
            assert_eq!(
                one(&root, "#pin-error").text_content().as_deref(),
                Some(want.as_str())
            );
        }
        type_into(&root, "#pin", "999999").await;
        submit(&root, ".pin-form").await;
        let out = "Too many wrong PINs. Sign in with your password to use this tablet again.";
        wait_until("the lockout", || {
            alerts(&root) == [out] && count(&root, "[data-testid=locked-out]") == 1
        })
        .await;
        assert!(texts(&root, "[data-testid=locked-out]")[0].starts_with("oak.carer (Carer)"));
        assert_eq!(
            count(&root, "#pin"),
            0,
            "no PIN field for someone locked out"
        );
        assert_eq!(
            texts(&root, ".lock-people button"),
            ["oak.senior (Senior carer / nurse)"]
        );
        assert!(
            !db.has_pin(staff(99, "oak.carer", Role::Carer).id)
                .await
                .expect("read"),
            "the carer's wrapped key is gone"
        );

        // The senior still unlocks with theirs, and the records are read again.
        click(&root, ".lock-people button").await;
        type_into(&root, "#pin", testing::PIN).await;
        submit(&root, ".pin-form").await;
        wait_until("the resident list", || {
            texts(&root, "ul[aria-label=Residents] a")
                .iter()
                .any(|n| n.contains("Ada Testperson"))
        })
        .await;
        assert!(
            texts(&root, "header .staff")[0].contains("oak.senior"),
            "{:?}",
            texts(&root, "header .staff")
        );

        // "Lock" in the header locks at once: the list is gone.
        let lock = root.query_selector_all("header button").expect("buttons");
        let lock = (0..lock.length())
            .filter_map(|i| lock.item(i))
            .find(|b| b.text_content().as_deref() == Some("Lock"))
            .expect("a Lock button")
            .dyn_into::<web_sys::HtmlElement>()
            .expect("a button");
        lock.click();
        wait_until("locked again", || {
            texts(&root, "h1") == ["Bedside is locked"]
        })
        .await;
        assert!(!root.text_content().unwrap_or_default().contains("Ada"));

        // "Sign in with password", and back.
        let buttons = texts(&root, "button");
        assert!(
            buttons.contains(&"Sign in with password".to_owned()),
            "{buttons:?}"
        );
        click(&root, ".page-lock .sign-in-cancel button").await;
        assert_eq!(texts(&root, "label[for=username]"), ["Username"]);
        assert!(texts(&root, "button").contains(&"Back to the lock screen".to_owned()));
    }

    #[test]
    async fn a_new_pin_is_checked_then_saved_and_the_records_open() {
        let (name, db) = crate::test_support::app::empty_store("choose-pin").await;
        let carer = staff(99, "oak.carer", Role::Carer);
        // Enrolled, and signed in online, with no PIN yet.
        db.enrol(&testing::enrolled_device("Trolley 2"), &carer.home)
            .await
            .expect("enrolled");
        db.signed_in_online(
            testing::sign_in_answer(&carer, "synthetic-token"),
            bedside_client::platform::now(),
        )
        .await
        .expect("signed in");
        assert!(!db.has_pin(carer.id).await.expect("read"));
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/".into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("choose a PIN", || texts(&root, "h1") == ["Choose a PIN"]).await;
        assert_eq!(texts(&root, "label"), ["New PIN", "PIN again"]);
        assert_eq!(focused_id(), "new-pin");
        for id in ["#new-pin", "#pin-again"] {
            let input = one(&root, id);
            assert_eq!(input.get_attribute("type").as_deref(), Some("password"));
            assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
            assert_eq!(input.get_attribute("autocomplete").as_deref(), Some("off"));
        }

        let cases = [
            (
                "12345",
                "12345",
                "new-pin",
                "Your PIN must be at least 6 digits.",
            ),
            (
                "12345a",
                "12345a",
                "new-pin",
                "Your PIN must be only digits, 0 to 9.",
            ),
            (
                "123456",
                "123465",
                "pin-again",
                "The two PINs are not the same. Type the same PIN twice.",
            ),
        ];
        for (first, second, field, words) in cases {
            type_into(&root, "#new-pin", first).await;
            type_into(&root, "#pin-again", second).await;
            submit(&root, ".pin-form").await;
            assert_eq!(alerts(&root), [words]);
            let input = one(&root, &format!("#{field}"));
            assert!(
                input
                    .get_attribute("aria-describedby")
                    .unwrap_or_default()
                    .split(' ')
                    .any(|id| id == format!("{field}-error")),
                "{field}"
            );
            assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
            assert_eq!(focused_id(), field);
            assert!(!db.has_pin(carer.id).await.expect("read"), "nothing saved");
        }

        type_into(&root, "#new-pin", "24681357").await;
        type_into(&root, "#pin-again", "24681357").await;
        submit(&root, ".pin-form").await;
        wait_until("the PIN is saved and the app goes on", || {
            texts(&root, "h1") != ["Choose a PIN"]
        })
        .await;
        assert!(db.has_pin(carer.id).await.expect("read"));
        // The new PIN opens the tablet.
        db.lock();
        db.unlock(carer.id, "24681357").await.expect("unlocks");
    }

    #[test]
    async fn the_app_locks_itself_after_the_idle_time_but_not_while_in_use() {
        let (name, db) = store("idle-lock", "oak.carer", Role::Carer, vec![]).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/".into(),
            unlocked: handle(&db),
            idle_after_ms: Some(400),
        })
        .await;
        wait_until("the resident list", || {
            count(&root, "ul[aria-label=Residents] li") == 1
        })
        .await;
        // Touches keep it open past the idle time.
        for _ in 0..8 {
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            let touch =
                web_sys::Event::new_with_event_init_dict("pointerdown", &init).expect("an event");
            one(&root, "main").dispatch_event(&touch).expect("sent");
            let wait = js_sys::Promise::new(&mut |resolve, _| {
                let _ = web_sys::window()
                    .expect("a window")
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
            });
            let _ = wasm_bindgen_futures::JsFuture::from(wait).await;
        }
        assert_eq!(count(&root, "ul[aria-label=Residents] li"), 1, "still open");
        assert!(db.is_unlocked());
        // Then left alone, it locks.
        wait_until("locked", || texts(&root, "h1") == ["Bedside is locked"]).await;
        assert!(!db.is_unlocked(), "the data key is forgotten");
        assert!(!root.text_content().unwrap_or_default().contains("Ada"));
        wait_until("the PIN holder is listed", || {
            texts(&root, ".lock-people button") == ["oak.carer (Carer)"]
        })
        .await;
    }

    #[test]
    async fn a_tablet_not_enrolled_says_a_manager_signs_in_to_enrol_it() {
        let (name, _db) = crate::test_support::app::empty_store("not-enrolled").await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: "/".into(),
            unlocked: None,
            idle_after_ms: None,
        })
        .await;
        wait_until("the sign-in screen", || count(&root, "#username") == 1).await;
        assert_eq!(
            texts(&root, "[data-testid=not-enrolled]"),
            ["This tablet is not enrolled yet. A manager signs in here to enrol it."]
        );
        assert_eq!(texts(&root, "label"), ["Username", "Password"]);
    }
}
