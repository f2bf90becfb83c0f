//! Recording at the bedside: a care note (`/residents/:id/notes/new`) and an observation
//! set (`/residents/:id/observations/new`). Each is saved on this tablet at once through
//! [`AppHandle::record`](crate::state::AppHandle::record), with or without a network, and
//! then staff are back on the resident's summary, which shows the new item with its time,
//! author and state. The banner stays at the top: allergies and resuscitation decisions
//! are in view while recording.

use std::rc::Rc;

use bedside_client::provisional::MAX_TEXT_CHARS;
use bedside_domain::PersonId;
use bedside_domain::record::NoteCategory;
use bedside_domain::sync::wire::MutationOp;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::banner::ResidentBanner;
use crate::components::fields::{Choices, TextField, focus};
use crate::components::observations::{ObsFields, field_id};
use crate::hooks::{ResidentLoad, use_stored_resident, use_title};
use crate::recording::{ObsInput, Param, check};
use crate::router::{Link, Navigator, Route, use_navigator};
use crate::services::local_db::StoredResident;
use crate::state::{AppHandle, use_app};

#[derive(Properties, PartialEq)]
pub struct RecordProps {
    /// The person id from the address, not yet checked.
    pub id: String,
}

/// The note categories' labels, in the domain's order.
pub fn category_labels() -> Vec<&'static str> {
    NoteCategory::ALL.iter().map(|c| c.label()).collect()
}

/// Why a note's text cannot be saved, if it cannot.
pub fn text_problem(text: &str, what: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(format!("Write the {what}"))
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Some(format!(
            "The {what} is too long: at most {MAX_TEXT_CHARS} characters"
        ))
    } else {
        None
    }
}

/// Saves `op` on this tablet; on success says so on the summary and goes there.
pub fn save(
    app: &AppHandle,
    navigator: Option<Navigator>,
    person: PersonId,
    what: &'static str,
    op: MutationOp,
    saving: UseStateHandle<bool>,
    failure: UseStateHandle<Option<String>>,
) {
    if *saving {
        return;
    }
    saving.set(true);
    let app = app.clone();
    spawn_local(async move {
        match app.record(op).await {
            Ok(()) => {
                app.set_just_saved(Some((person, what)));
                if let Some(nav) = navigator {
                    nav.push(&Route::Resident {
                        id: person.to_string(),
                    });
                }
            }
            Err(e) => {
                saving.set(false);
                failure.set(Some(format!("Not saved: {e}.")));
            }
        }
    });
}

/// The frame of a recording page: back to the resident, their banner, then the form.
/// The form is built by a `dyn` closure so the frame is compiled once for both pages.
fn frame(load: &ResidentLoad, id: &str, form: &dyn Fn(&Rc<StoredResident>) -> Html) -> Html {
    let back = html! {
        <nav class="back-nav" aria-label="Back">
            <Link to={Route::Resident { id: id.to_owned() }} classes="back-link">
                { "‹ Back to the resident" }
            </Link>
        </nav>
    };
    let body = match load {
        ResidentLoad::Loading => {
            html! { <p class="loading" role="status">{ "Opening the record…" }</p> }
        }
        ResidentLoad::NotFound => html! {
            <>
                <h1>{ "Resident not found on this tablet" }</h1>
                <p>{ "Nothing can be recorded for this address: the resident may have left \
                      the home." }</p>
            </>
        },
        ResidentLoad::Failed(message) => html! {
            <>
                <h1>{ "The record could not be opened" }</h1>
                <p role="alert" class="error">{ message.clone() }</p>
            </>
        },
        ResidentLoad::Found(stored) => html! {
            <>
                <ResidentBanner stored={(**stored).clone()} />
                { form(stored) }
            </>
        },
    };
    html! {
        <main id="main" class="page page-record">
            { back }
            { body }
        </main>
    }
}

/// The form's end: what went wrong, and Save and Cancel where a thumb reaches them.
fn actions(id: &str, save_label: &'static str, saving: bool, problem: Option<&str>) -> Html {
    html! {
        <div class="form-actions">
            if let Some(problem) = problem {
                <p class="error" role="alert">{ problem.to_owned() }</p>
            }
            <button type="submit" class="button button-primary button-large"
                aria-disabled={saving.to_string()}>
                { if saving { "Saving…" } else { save_label } }
            </button>
            <Link to={Route::Resident { id: id.to_owned() }} classes="button button-secondary">
                { "Cancel" }
            </Link>
        </div>
    }
}

#[component]
pub fn AddNotePage(props: &RecordProps) -> Html {
    use_title("Add a care note");
    let app = use_app();
    let navigator = use_navigator();
    let load = use_stored_resident(&props.id);
    let category = use_state(Option::<usize>::default);
    let text = use_state(String::new);
    let tried = use_state(bool::default);
    let saving = use_state(bool::default);
    let failure = use_state(Option::<String>::default);

    let category_error = (*tried && category.is_none()).then_some("Choose a category");
    let text_error = if *tried {
        text_problem(&text, "note")
    } else {
        None
    };

    frame(&load, &props.id, &|stored| {
        let person = stored.resident.id;
        let onsubmit = {
            let (app, category, text, tried) =
                (app.clone(), category.clone(), text.clone(), tried.clone());
            let (saving, failure) = (saving.clone(), failure.clone());
            let navigator = navigator.clone();
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                tried.set(true);
                failure.set(None);
                let chosen = category.and_then(|i| NoteCategory::ALL.get(i).copied());
                let Some(category) = chosen else {
                    focus("note-category-0");
                    return;
                };
                if text_problem(&text, "note").is_some() {
                    focus("note-text");
                    return;
                }
                let op = MutationOp::AddNote {
                    person_id: person,
                    category,
                    text: text.trim().to_owned(),
                };
                save(
                    &app,
                    navigator.clone(),
                    person,
                    "Note",
                    op,
                    saving.clone(),
                    failure.clone(),
                );
            })
        };
        let on_choose = {
            let category = category.clone();
            Callback::from(move |i| category.set(Some(i)))
        };
        let on_input = {
            let text = text.clone();
            Callback::from(move |t| text.set(t))
        };
        let problem = failure.as_deref().or_else(|| {
            (category_error.is_some() || text_error.is_some())
                .then_some("The note is not saved yet: check the fields marked.")
        });
        html! {
            <form class="record-form" {onsubmit} novalidate=true aria-labelledby="record-heading">
                <h2 id="record-heading">{ "Add a care note" }</h2>
                <Choices name="note-category" legend="Category" options={category_labels()}
                    selected={*category} {on_choose} error={category_error.map(AttrValue::from)} />
                <TextField id="note-text" label="Note" value={(*text).clone()} {on_input}
                    rows={8} error={text_error.clone().map(AttrValue::from)}
                    hint={AttrValue::from("The time and your name are added when you save.")} />
                { actions(&props.id, "Save note", *saving, problem) }
            </form>
        }
    })
}

#[component]
pub fn AddObservationsPage(props: &RecordProps) -> Html {
    use_title("Record observations");
    let app = use_app();
    let navigator = use_navigator();
    let load = use_stored_resident(&props.id);
    let input = use_state(ObsInput::default);
    let tried = use_state(bool::default);
    let saving = use_state(bool::default);
    let failure = use_state(Option::<String>::default);

    frame(&load, &props.id, &|stored| {
        let person = stored.resident.id;
        let scale = stored.resident.spo2_scale;
        let checked = check(&input, scale);
        let onsubmit = {
            let (app, input, tried) = (app.clone(), input.clone(), tried.clone());
            let (saving, failure) = (saving.clone(), failure.clone());
            let navigator = navigator.clone();
            Callback::from(move |e: SubmitEvent| {
                e.prevent_default();
                tried.set(true);
                failure.set(None);
                let c = check(&input, scale);
                let Some(observations) = c.complete else {
                    if let Some(i) = c.readings.iter().position(|r| r.good().is_none()) {
                        focus(&field_id(Param::ALL[i]));
                    }
                    return;
                };
                let op = MutationOp::AddObservations {
                    person_id: person,
                    observations,
                    taken_at: bedside_client::platform::now(),
                };
                save(
                    &app,
                    navigator.clone(),
                    person,
                    "Observations",
                    op,
                    saving.clone(),
                    failure.clone(),
                );
            })
        };
        let on_input = {
            let input = input.clone();
            Callback::from(move |next| input.set(next))
        };
        let problem = failure.as_deref().or_else(|| {
            (*tried && checked.complete.is_none())
                .then_some("The observations are not saved yet: check the readings marked.")
        });
        html! {
            <form class="record-form" {onsubmit} novalidate=true aria-labelledby="record-heading">
                <h2 id="record-heading">{ "Record observations" }</h2>
                <p class="hint">{ "The time and your name are added when you save." }</p>
                <ObsFields input={(*input).clone()} {scale} {on_input} show_all_errors={*tried} />
                { actions(&props.id, "Save observations", *saving, problem) }
            </form>
        }
    })
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::Role;
    use bedside_domain::news2::{AirOrOxygen, Consciousness};
    use bedside_domain::sync::plan::OutboxItem;
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use web_sys::Element;

    use super::*;
    use crate::services::local_db::LocalDb;
    use crate::test_support::app::{AppAt, AppAtProps, handle, person, store};
    use crate::test_support::{click, count, one, render, settle, texts, type_into, wait_until};

    async fn open(
        (store, db): (AttrValue, &LocalDb),
        path: String,
        ready: &'static str,
    ) -> Element {
        let root = render::<AppAt>(AppAtProps {
            store,
            path: path.into(),
            unlocked: handle(db),
            idle_after_ms: None,
        })
        .await;
        wait_until(ready, || count(&root, ready) > 0).await;
        root
    }

    async fn outbox(db: &LocalDb) -> Vec<OutboxItem> {
        db.outbox().await.expect("outbox")
    }

    #[test]
    async fn a_care_note_is_saved_on_the_tablet_and_shown_with_its_state() {
        let (name, db) = store("record-note", "oak.carer", Role::Carer, vec![]).await;
        let root = open(
            (name, &db),
            format!("/residents/{}/notes/new", person()),
            "#note-text",
        )
        .await;
        // One radio per category, labelled as the domain names them.
        assert_eq!(
            texts(&root, "fieldset#note-category label"),
            category_labels()
        );

        // Nothing chosen or written: refused at the fields, nothing stored.
        click(&root, "button[type=submit]").await;
        assert_eq!(
            one(&root, "#note-text")
                .get_attribute("aria-invalid")
                .as_deref(),
            Some("true")
        );
        assert!(texts(&root, "#note-category-error")[0].contains("Choose a category"));
        assert!(outbox(&db).await.is_empty());

        click(&root, "#note-category-1").await;
        type_into(&root, "#note-text", "  Drank two cups of tea  ").await;
        click(&root, "button[type=submit]").await;
        wait_until("the summary's list shows", || {
            count(&root, "[data-testid=recorded-item]") == 1
        })
        .await;

        let items = outbox(&db).await;
        assert_eq!(items.len(), 1);
        match &items[0].mutation.op {
            MutationOp::AddNote {
                person_id,
                category,
                text,
            } => {
                assert_eq!(*person_id, person());
                assert_eq!(*category, NoteCategory::NutritionAndFluids);
                assert_eq!(text, "Drank two cups of tea");
            }
            other => panic!("not a note: {other:?}"),
        }
        let item = texts(&root, "[data-testid=recorded-item]").remove(0);
        assert!(
            item.contains("Drank two cups of tea") && item.contains("oak.carer"),
            "{item}"
        );
        let state = texts(
            &root,
            "[data-testid=recorded-item] [data-testid=item-state]",
        );
        assert!(
            state[0] == "Saved on this tablet" || state[0] == "Waiting to send",
            "{state:?}"
        );
        assert!(texts(&root, "[data-testid=waiting-count]")[0].starts_with("1 waiting"));
    }

    #[test]
    async fn observations_show_news2_at_once_and_refuse_impossible_readings() {
        let (name, db) = store("record-obs", "oak.carer", Role::Carer, vec![]).await;
        let root = open(
            (name, &db),
            format!("/residents/{}/observations/new", person()),
            "#obs-spo2",
        )
        .await;
        // Every field is labelled by its parameter's name alone.
        for p in Param::ALL {
            let selector = match p {
                Param::AirOrOxygen | Param::Consciousness => format!("fieldset#{} legend", p.id()),
                _ => format!("label[for={}]", p.id()),
            };
            assert!(
                texts(&root, &selector)[0].starts_with(p.label()),
                "{selector}"
            );
        }
        assert_eq!(
            texts(&root, "fieldset#obs-acvpu label"),
            ["Alert", "New confusion", "Voice", "Pain", "Unresponsive"]
        );

        // Respiration 23 (2), SpO2 93 (2), air, systolic 101 (1), pulse 111 (2), alert,
        // temperature 38.4 (1): 8, an emergency.
        for (id, value) in [
            ("#obs-respiration", "23"),
            ("#obs-spo2", "150"),
            ("#obs-systolic", "101"),
            ("#obs-pulse", "111"),
            ("#obs-temperature", "38.4"),
        ] {
            type_into(&root, id, value).await;
        }
        click(&root, "#obs-air-0").await;
        click(&root, "#obs-acvpu-0").await;
        // 150% is refused at its field, with the domain's words, and cannot be saved.
        let spo2 = one(&root, "#obs-spo2");
        assert_eq!(spo2.get_attribute("aria-invalid").as_deref(), Some("true"));
        let described = spo2.get_attribute("aria-describedby").unwrap_or_default();
        assert!(described.contains("obs-spo2-error"), "{described}");
        assert!(texts(&root, "#obs-spo2-error")[0].contains("150%"));
        assert_eq!(count(&root, "[data-testid=news2-advice]"), 0);
        click(&root, "button[type=submit]").await;
        settle().await;
        assert!(
            outbox(&db).await.is_empty(),
            "an impossible reading is never saved"
        );

        type_into(&root, "#obs-spo2", "93").await;
        assert!(texts(&root, "[data-testid=news2-total]")[0].contains("NEWS2 8"));
        let advice = one(&root, "[data-testid=news2-advice]");
        assert!(
            advice
                .text_content()
                .unwrap_or_default()
                .contains("emergency")
        );
        assert_eq!(
            advice
                .parent_element()
                .and_then(|p| p.get_attribute("role"))
                .as_deref(),
            Some("alert"),
            "emergency advice is announced"
        );

        click(&root, "button[type=submit]").await;
        wait_until("the summary's list shows", || {
            count(&root, "[data-testid=recorded-item]") == 1
        })
        .await;
        let items = outbox(&db).await;
        assert_eq!(items.len(), 1);
        match &items[0].mutation.op {
            MutationOp::AddObservations {
                observations: o, ..
            } => {
                assert_eq!(
                    (
                        o.respiration_rate,
                        o.spo2,
                        o.systolic_bp,
                        o.pulse,
                        o.temperature_tenths
                    ),
                    (23, 93, 101, 111, 384)
                );
                assert_eq!(o.air_or_oxygen, AirOrOxygen::Air);
                assert_eq!(o.consciousness, Consciousness::Alert);
            }
            other => panic!("not observations: {other:?}"),
        }
        assert!(texts(&root, "[data-testid=recorded-item]")[0].contains("NEWS2 8"));
    }
}
