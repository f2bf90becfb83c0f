//! "Notes and observations" on a resident's summary: the home's care notes and
//! observation sets, newest first, each with its NEWS2, who wrote it and when, and its
//! state (saved on this tablet, waiting to send, confirmed); and the correction of one:
//! entered in error, or amended, always with a reason. A corrected item stays in the
//! list, marked, with the reason: nothing leaves the history.

use bedside_domain::PersonId;
use bedside_domain::news2::{Spo2Scale, score};
use bedside_domain::record::{CorrectionAction, Entry, EntryBody, NoteCategory};
use bedside_domain::sync::wire::MutationOp;
use chrono::{DateTime, Datelike, Utc};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::clock::{local_date, local_hhmm, today};
use crate::components::Entries;
use crate::components::document::prose;
use crate::components::fields::{Choices, TextField, focus};
use crate::components::observations::{ObsFields, field_id};
use crate::pages::record::{category_labels, text_problem};
use crate::present::{date_label_short, item_state_class, item_state_text};
use crate::recording::{
    ObsInput, Param, Recorded, check, is_alert, news2_text, readings_text, recorded,
};
use crate::router::{Link, Route};
use crate::state::{Outbox, use_app};

/// How many items show before "Show all".
const FIRST: usize = 20;

/// "09:41 today", "09:41 on 24 Nov".
pub fn when_text(t: DateTime<Utc>) -> String {
    let day = local_date(t);
    let now = today();
    if day == now {
        format!("{} today", local_hhmm(t))
    } else {
        format!("{} on {}", local_hhmm(t), date_label_short(day, now.year()))
    }
}

/// What an item is, for its title: "Care note: Social", "Observations: NEWS2 7 (High)".
fn title(body: &EntryBody) -> String {
    match body {
        EntryBody::CareNote { category, .. } => format!("Care note: {}", category.label()),
        EntryBody::ObservationSet { score, .. } => format!("Observations: {}", news2_text(score)),
        _ => String::new(),
    }
}

/// What an item says: a note's text, or a set's readings and advice.
fn content(body: &EntryBody) -> Html {
    match body {
        EntryBody::CareNote { text, .. } => prose(text),
        EntryBody::ObservationSet {
            observations,
            score,
            scale,
            ..
        } => {
            let response = score.response();
            html! {
                <>
                    <p class="readings">{ readings_text(observations) }</p>
                    if *scale == Spo2Scale::Scale2 {
                        <p class="hint">{ "SpO2 on Scale 2" }</p>
                    }
                    <p class={classes!("news2-advice", if is_alert(response) { "news2-alert" } else { "news2-calm" })}>
                        if is_alert(response) {
                            <strong>{ "Act now. " }</strong>
                        }
                        { response.advice() }
                    </p>
                </>
            }
        }
        _ => html! {},
    }
}

/// One recorded item, as the summary and the handover show it; `actions` goes at its end
/// (the summary's "Correct…").
pub fn recorded_item(
    r: &Recorded<'_>,
    outbox: &Outbox,
    heading: &'static str,
    actions: Html,
) -> Html {
    let e = r.entry;
    let correction = r.correction.and_then(|c| match &c.body {
        EntryBody::Correction { action, reason, .. } => Some((c, *action, reason)),
        _ => None,
    });
    let in_error = r.in_error();
    let shown = r.pending_amendment.unwrap_or(&e.body);
    let author = e
        .provenance
        .author
        .as_deref()
        .unwrap_or(&e.provenance.organisation);
    let state = outbox.entry_state(e);
    html! {
        <li class={classes!("item", "record-item", in_error.then_some("record-in-error"))}
            data-testid="recorded-item" data-entry-id={e.id.to_string()} key={e.id.to_string()}>
            <@{heading} class="item-title">{ title(shown) }</@>
            if let Some((c, action, reason)) = correction {
                <p class="record-flag" data-testid="correction-status">
                    <strong>{ match action {
                        CorrectionAction::EnteredInError => "Entered in error",
                        CorrectionAction::Amended => "Corrected",
                    } }</strong>
                    { format!(": {reason}") }
                    if let Some(s) = outbox.entry_state(c).filter(|s| *s != bedside_domain::sync::plan::ItemState::Confirmed) {
                        { format!(" (correction: {})", item_state_text(&s)) }
                    }
                </p>
            }
            <div class="record-content">{ content(shown) }</div>
            if r.pending_amendment.is_some() {
                <details class="earlier">
                    <summary>{ "Earlier version" }</summary>
                    { content(&e.body) }
                </details>
            }
            if let Some(reason) = &r.refused_correction {
                <p class="item-state item-state-problem">{ format!("Correction not accepted: {reason}") }</p>
            }
            <p class="record-meta">{ format!("Written {} by {author}", when_text(e.provenance.authored_at)) }</p>
            if let Some(state) = state {
                <p class={item_state_class(&state)} data-testid="item-state">{ item_state_text(&state) }</p>
            }
            { actions }
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct NotesProps {
    pub person: PersonId,
    pub entries: Entries,
    pub outbox: Outbox,
    pub scale: Spo2Scale,
}

#[component]
pub fn NotesSection(props: &NotesProps) -> Html {
    // Read without insisting: the summary's own tests render it with no app around it,
    // and then nothing was just saved.
    let app = use_context::<crate::state::AppHandle>();
    // The id of the item being corrected (as text: one state type fewer in the wasm).
    let correcting = use_state(Option::<String>::default);
    let all = use_state(bool::default);
    let list = recorded(&props.entries, &props.outbox.0);
    let total = list.len();
    let person = props.person.to_string();
    let saved = app
        .as_ref()
        .and_then(|a| a.just_saved)
        .filter(|(p, _)| *p == props.person)
        .map(|(_, what)| what);

    // The message is for this visit: leaving the summary clears it.
    {
        let app = app.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(app) = app.filter(|a| a.just_saved.is_some()) {
                    app.set_just_saved(None);
                }
            }
        });
    }

    // Just saved: bring the list, with the new item at its top, into view.
    use_effect_with(saved.is_some(), |saved| {
        if *saved
            && let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("notes"))
        {
            el.scroll_into_view();
        }
    });

    let items = list.iter().take(if *all { total } else { FIRST }).map(|r| {
        let id = r.entry.id;
        let open = correcting.as_deref() == Some(id.to_string().as_str());
        let actions = if open {
            let on_done = {
                let correcting = correcting.clone();
                Callback::from(move |()| correcting.set(None))
            };
            html! { <CorrectionForm entry={r.entry.clone()} scale={props.scale} {on_done} /> }
        } else if r.correctable() {
            let onclick = {
                let correcting = correcting.clone();
                Callback::from(move |_: MouseEvent| correcting.set(Some(id.to_string())))
            };
            html! {
                <button type="button" class="button button-secondary" {onclick}>{ "Correct…" }</button>
            }
        } else {
            html! {}
        };
        recorded_item(r, &props.outbox, "h3", actions)
    });
    let show_all = {
        let all = all.clone();
        Callback::from(move |_: MouseEvent| all.set(true))
    };

    html! {
        <section class="summary-section" id="notes" aria-labelledby="notes-heading">
            <h2 id="notes-heading">{ "Notes and observations" }</h2>
            if let Some(what) = saved {
                <p class="saved-message" role="status" data-testid="saved-message">
                    { format!("{what} saved on this tablet. It is sent to the server when the network allows.") }
                </p>
            }
            <div class="record-actions">
                <Link to={Route::AddNote { id: person.clone() }} classes="button">{ "Add note" }</Link>
                <Link to={Route::AddObservations { id: person }} classes="button">{ "Record observations" }</Link>
            </div>
            if total == 0 {
                <p class="not-recorded">{ "No notes or observations recorded" }</p>
            } else {
                <ul class="items" aria-label="Notes and observations">{ for items }</ul>
                if total > FIRST && !*all {
                    <button type="button" class="button button-secondary" onclick={show_all}>
                        { format!("Show all {total}") }
                    </button>
                }
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CorrectionProps {
    entry: Entry,
    scale: Spo2Scale,
    on_done: Callback<()>,
}

/// The two corrections, in the order offered.
const ACTIONS: [CorrectionAction; 2] =
    [CorrectionAction::EnteredInError, CorrectionAction::Amended];

/// Correcting one item: entered in error, or amended (its content changed), with the
/// reason, which is required.
#[component]
fn CorrectionForm(props: &CorrectionProps) -> Html {
    let app = use_app();
    let action = use_state(Option::<usize>::default);
    let reason = use_state(String::new);
    let (note_category, note_text, obs) = match &props.entry.body {
        EntryBody::CareNote { category, text } => (
            NoteCategory::ALL.iter().position(|c| c == category),
            text.clone(),
            ObsInput::default(),
        ),
        EntryBody::ObservationSet { observations, .. } => {
            (None, String::new(), ObsInput::from(observations))
        }
        _ => (None, String::new(), ObsInput::default()),
    };
    let category = use_state(|| note_category);
    let text = use_state(|| note_text);
    let obs = use_state(|| obs);
    let tried = use_state(bool::default);
    let saving = use_state(bool::default);
    let failure = use_state(Option::<String>::default);
    let is_note = matches!(props.entry.body, EntryBody::CareNote { .. });
    let amending = action.and_then(|i| ACTIONS.get(i)) == Some(&CorrectionAction::Amended);

    let action_error = (*tried && action.is_none()).then_some("Choose what is wrong");
    let reason_error = if *tried {
        text_problem(&reason, "reason")
    } else {
        None
    };
    let text_error = if *tried && amending && is_note {
        text_problem(&text, "note")
    } else {
        None
    };

    let onsubmit = {
        let (app, action, reason, category, text, obs) = (
            app.clone(),
            action.clone(),
            reason.clone(),
            category.clone(),
            text.clone(),
            obs.clone(),
        );
        let (tried, saving, failure, on_done) = (
            tried.clone(),
            saving.clone(),
            failure.clone(),
            props.on_done.clone(),
        );
        let entry = props.entry.clone();
        let scale = props.scale;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            tried.set(true);
            failure.set(None);
            let Some(chosen) = action.and_then(|i| ACTIONS.get(i).copied()) else {
                focus("correct-action-0");
                return;
            };
            let body = if chosen == CorrectionAction::Amended {
                let body = match &entry.body {
                    EntryBody::CareNote { .. } => {
                        if text_problem(&text, "note").is_some() {
                            focus("correct-text");
                            return;
                        }
                        category
                            .and_then(|i| NoteCategory::ALL.get(i).copied())
                            .map(|category| EntryBody::CareNote {
                                category,
                                text: text.trim().to_owned(),
                            })
                    }
                    EntryBody::ObservationSet { taken_at, .. } => {
                        let c = check(&obs, scale);
                        if c.complete.is_none()
                            && let Some(i) = c.readings.iter().position(|r| r.good().is_none())
                        {
                            focus(&field_id(Param::ALL[i]));
                            return;
                        }
                        c.complete.map(|observations| EntryBody::ObservationSet {
                            observations,
                            scale,
                            score: score(&observations, scale),
                            taken_at: *taken_at,
                        })
                    }
                    _ => None,
                };
                let Some(body) = body else { return };
                Some(body)
            } else {
                None
            };
            if text_problem(&reason, "reason").is_some() {
                focus("correct-reason");
                return;
            }
            if *saving {
                return;
            }
            saving.set(true);
            let op = MutationOp::Correct {
                entry_id: entry.id,
                action: chosen,
                reason: reason.trim().to_owned(),
                body,
            };
            let (app, saving, failure, on_done) = (
                app.clone(),
                saving.clone(),
                failure.clone(),
                on_done.clone(),
            );
            spawn_local(async move {
                match app.record(op).await {
                    Ok(()) => on_done.emit(()),
                    Err(e) => {
                        saving.set(false);
                        failure.set(Some(format!("Not saved: {e}.")));
                    }
                }
            });
        })
    };
    let cancel = props.on_done.reform(|_: MouseEvent| ());
    let on_action = {
        let action = action.clone();
        Callback::from(move |i| action.set(Some(i)))
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |t| reason.set(t))
    };
    let on_category = {
        let category = category.clone();
        Callback::from(move |i| category.set(Some(i)))
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |t| text.set(t))
    };
    let on_obs = {
        let obs = obs.clone();
        Callback::from(move |o| obs.set(o))
    };
    let problem = failure.as_deref().or_else(|| {
        (action_error.is_some() || reason_error.is_some() || text_error.is_some())
            .then_some("The correction is not saved yet: check the fields marked.")
    });

    html! {
        <form class="correction-form" onsubmit={onsubmit} novalidate=true aria-labelledby="correct-heading">
            <h4 id="correct-heading">{ if is_note { "Correct this note" } else { "Correct these observations" } }</h4>
            <Choices name="correct-action" legend="What is wrong?"
                options={vec!["Entered in error (remove it from the record)", "Amend it (change what it says)"]}
                selected={*action} on_choose={on_action} error={action_error.map(AttrValue::from)} />
            if amending && is_note {
                <Choices name="correct-category" legend="Category" options={category_labels()}
                    selected={*category} on_choose={on_category} />
                <TextField id="correct-text" label="Note" value={(*text).clone()} on_input={on_text}
                    rows={6} error={text_error.map(AttrValue::from)} />
            }
            if amending && !is_note {
                <ObsFields input={(*obs).clone()} scale={props.scale} on_input={on_obs}
                    show_all_errors={*tried} />
            }
            <TextField id="correct-reason" label="Reason for the correction" value={(*reason).clone()}
                on_input={on_reason} rows={3} error={reason_error.map(AttrValue::from)} />
            if let Some(problem) = problem {
                <p class="error" role="alert">{ problem.to_owned() }</p>
            }
            <div class="form-actions">
                <button type="submit" class="button" aria-disabled={saving.to_string()}>
                    { if *saving { "Saving…" } else { "Save correction" } }
                </button>
                <button type="button" class="button button-secondary" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::Role;
    use bedside_domain::record::{EntryStatus, Provenance};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::test_support::app::{AppAt, AppAtProps, handle, person, store};
    use crate::test_support::{click, count, render, texts, type_into, wait_until};

    /// A care note another tablet wrote, as the server sends it.
    fn synced_note(n: u128, text: &str, hours_ago: i64) -> Entry {
        let when = bedside_client::platform::now() - chrono::Duration::hours(hours_ago);
        Entry {
            id: bedside_domain::EntryId(uuid::Uuid::from_u128(n)),
            person_id: person(),
            version: 1,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "Oak Lodge".into(),
                ods_code: None,
                system: None,
                source_id: None,
                author: Some("oak.senior".into()),
                authored_at: when,
                received_at: when,
            },
            body: EntryBody::CareNote {
                category: NoteCategory::Social,
                text: text.into(),
            },
        }
    }

    #[test]
    async fn synced_notes_are_confirmed_and_a_correction_keeps_the_history() {
        let entries = vec![
            synced_note(501, "Sang along at the music session", 2),
            synced_note(502, "Walked to the garden", 1),
        ];
        let (name, db) = store("notes-correct", "oak.carer", Role::Carer, entries).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: format!("/residents/{}", person()).into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        let list = "ul[aria-label='Notes and observations'] > [data-testid=recorded-item]";
        wait_until("the notes show", || count(&root, list) == 2).await;
        let shown = texts(&root, list);
        assert!(
            shown[0].contains("Walked to the garden"),
            "newest first: {shown:?}"
        );
        assert_eq!(
            texts(
                &root,
                "[data-testid=recorded-item] [data-testid=item-state]"
            ),
            ["Confirmed", "Confirmed"]
        );
        // The summary links to both recording screens by these names.
        let links = texts(&root, "#notes a");
        assert!(links.contains(&"Add note".to_owned()), "{links:?}");
        assert!(
            links.contains(&"Record observations".to_owned()),
            "{links:?}"
        );

        // Correct the older note: entered in error, and a reason is required.
        click(
            &root,
            "[data-entry-id='00000000-0000-0000-0000-0000000001f5'] button",
        )
        .await;
        click(&root, "#correct-action-0").await;
        click(&root, ".correction-form button[type=submit]").await;
        assert!(texts(&root, "#correct-reason-error")[0].contains("reason"));
        assert!(db.outbox().await.expect("outbox").is_empty());
        type_into(&root, "#correct-reason", "Wrong resident").await;
        click(&root, ".correction-form button[type=submit]").await;
        wait_until("the correction shows", || {
            count(&root, "[data-testid=correction-status]") == 1
        })
        .await;

        let items = db.outbox().await.expect("outbox");
        assert_eq!(items.len(), 1);
        assert!(matches!(
            &items[0].mutation.op,
            MutationOp::Correct { action: CorrectionAction::EnteredInError, reason, body: None, entry_id }
                if reason == "Wrong resident" && entry_id.0.as_u128() == 501
        ));
        // Still listed, marked, with the reason: nothing leaves the history.
        assert_eq!(count(&root, list), 2);
        let status = texts(&root, "[data-testid=correction-status]").remove(0);
        assert!(
            status.starts_with("Entered in error: Wrong resident"),
            "{status}"
        );
        assert!(texts(&root, list)[1].contains("Sang along"));
    }
}
