//! Editing a care plan area or an About Me topic, for seniors, managers and admins (the
//! server refuses a carer's edit; the tablet only hides what a role cannot do): "Edit"
//! opens a form, and saving sends the section with the version it started from, so an
//! edit made elsewhere in the meantime is never silently overwritten. When two tablets
//! edited a section at once the server keeps the second as a proposal and the section
//! "needs review" (shown to everyone, in words) until a senior compares both versions
//! side by side and chooses: "Keep current" or "Use proposed".

use bedside_domain::PersonId;
use bedside_domain::record::{Entry, EntryBody};
use bedside_domain::sync::plan::ItemState;
use bedside_domain::sync::wire::{MutationOp, SectionKey};
use chrono::NaiveDate;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::clock::{local_date, today};
use crate::components::Entries;
use crate::components::document::prose;
use crate::components::fields::{TextField, focus};
use crate::pages::record::text_problem;
use crate::pages::resident_summary::review_text;
use crate::present::{date_label, item_state_class, item_state_text};
use crate::recording::{can_edit_sections, open_proposals, pending_edit, pending_resolution};
use crate::state::{AppHandle, Outbox};

/// What a section says: a care plan area's parts (its review date against `today`), or
/// an About Me topic's text.
pub fn section_body(body: &EntryBody, today: NaiveDate) -> Html {
    match body {
        EntryBody::CarePlanSection {
            need,
            goal,
            support,
            preferences,
            review_on,
            ..
        } => html! {
            <dl class="care-plan">
                <dt>{ "Need" }</dt><dd>{ prose(need) }</dd>
                <dt>{ "Goal" }</dt><dd>{ prose(goal) }</dd>
                <dt>{ "How to support" }</dt><dd>{ prose(support) }</dd>
                <dt>{ "Preferences" }</dt><dd>{ prose(preferences.as_deref().unwrap_or_default()) }</dd>
                <dt>{ "Review by" }</dt><dd>{ review_text(*review_on, today) }</dd>
            </dl>
        },
        EntryBody::AboutMeSection { text, .. } => prose(text),
        _ => html! {},
    }
}

/// "by oak.senior, 24 Nov 2026": who wrote a version, and when.
fn by_line(e: &Entry) -> String {
    let p = &e.provenance;
    format!(
        "By {}, {}",
        p.author.as_deref().unwrap_or(&p.organisation),
        date_label(local_date(p.authored_at))
    )
}

/// The form as typed. Care plan areas use every field but `text`; About Me uses `text`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub area: String,
    pub need: String,
    pub goal: String,
    pub support: String,
    pub preferences: String,
    /// As a date input gives it: `YYYY-MM-DD`, or empty.
    pub review: String,
    pub text: String,
}

impl Draft {
    /// The form filled in from a section's content.
    pub fn of(body: &EntryBody) -> Self {
        match body {
            EntryBody::CarePlanSection {
                area,
                need,
                goal,
                support,
                preferences,
                review_on,
            } => Self {
                area: area.clone(),
                need: need.clone(),
                goal: goal.clone(),
                support: support.clone(),
                preferences: preferences.clone().unwrap_or_default(),
                review: review_on.map(|d| d.to_string()).unwrap_or_default(),
                text: String::new(),
            },
            EntryBody::AboutMeSection { text, .. } => Self {
                text: text.clone(),
                ..Self::default()
            },
            _ => Self::default(),
        }
    }

    /// The section's new content for `key`, or the first field to fix (its id and why).
    /// For a new care plan area the key's area is the one typed.
    pub fn body(&self, key: &SectionKey) -> Result<EntryBody, (&'static str, String)> {
        let need = |id: &'static str, value: &str, what: &str| match text_problem(value, what) {
            Some(problem) => Err((id, problem)),
            None => Ok(value.trim().to_owned()),
        };
        match key {
            SectionKey::AboutMe { topic } => Ok(EntryBody::AboutMeSection {
                topic: *topic,
                text: need("section-text", &self.text, "text")?,
            }),
            SectionKey::CarePlan { .. } => {
                let review = self.review.trim();
                let review_on = if review.is_empty() {
                    None
                } else {
                    // `FromStr` reads the same `YYYY-MM-DD` as the pattern `%Y-%m-%d` (and
                    // shares chrono's date reader with the store), without the pattern
                    // parser.
                    Some(review.parse::<NaiveDate>().map_err(|_| {
                        (
                            "section-review",
                            "Enter the review date as a date".to_owned(),
                        )
                    })?)
                };
                let preferences = self.preferences.trim();
                Ok(EntryBody::CarePlanSection {
                    area: need("section-area", &self.area, "area")?,
                    need: need("section-need", &self.need, "need")?,
                    goal: need("section-goal", &self.goal, "goal")?,
                    support: need("section-support", &self.support, "how to support")?,
                    preferences: (!preferences.is_empty()).then(|| preferences.to_owned()),
                    review_on,
                })
            }
        }
    }
}

/// The key a section's content is edited under.
pub fn key_of(body: &EntryBody) -> Option<SectionKey> {
    match body {
        EntryBody::CarePlanSection { area, .. } => {
            Some(SectionKey::CarePlan { area: area.clone() })
        }
        EntryBody::AboutMeSection { topic, .. } => Some(SectionKey::AboutMe { topic: *topic }),
        _ => None,
    }
}

const EDITING: usize = 0;
const REVIEWING: usize = 1;

#[derive(Properties, PartialEq)]
pub struct SectionToolsProps {
    pub person: PersonId,
    pub section: SectionKey,
    /// The section as this tablet holds it; `None` when it is not written yet (an About
    /// Me topic) or is a new care plan area.
    pub current: Option<Entry>,
    pub entries: Entries,
    pub outbox: Outbox,
}

/// Under a section: "Needs review" when two versions wait for a choice, the state of
/// this tablet's edit or choice, and for seniors "Edit" (or "Add") and "Review".
#[component]
pub fn SectionTools(props: &SectionToolsProps) -> Html {
    // Read without insisting: the summary's own tests render it with no app around it,
    // and then nobody may edit.
    let app = use_context::<AppHandle>();
    // EDITING or REVIEWING when open (a number: one state type fewer in the wasm).
    let open = use_state(Option::<usize>::default);
    let editor = app
        .as_ref()
        .and_then(|a| a.role())
        .is_some_and(can_edit_sections);
    let proposals = props
        .current
        .as_ref()
        .map(|c| open_proposals(&props.entries, c.id))
        .unwrap_or_default();
    let pending = pending_edit(&props.outbox.0, props.person, &props.section);
    let decided = proposals
        .first()
        .and_then(|p| pending_resolution(&props.outbox.0, p.id));
    let is_new = props.current.is_none();
    let provisional = props.current.as_ref().is_some_and(|c| c.version == 0);
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(None))
    };
    let show = |what: usize| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(Some(what)))
    };
    // One change at a time: another waits until the server has answered this one (a
    // refused one, or one kept for review, does not hold the section).
    let waiting = |s: &ItemState| matches!(s, ItemState::SavedOnTablet | ItemState::WaitingToSend);
    let can_change = editor
        && !provisional
        && !pending.as_ref().is_some_and(|(_, s)| waiting(s))
        && !decided.as_ref().is_some_and(|(_, s)| waiting(s));

    // This tablet's edit, or else its choice, and where it stands.
    let status = match (&pending, &decided) {
        (Some((_, state)), _) => Some(("Edited on this tablet", state)),
        (None, Some((accept, state))) => Some((
            if *accept {
                "Use proposed"
            } else {
                "Keep current"
            },
            state,
        )),
        _ => None,
    };

    let panel = match (*open, app) {
        (Some(EDITING), Some(app)) => html! {
            <SectionForm {app} person={props.person} section={props.section.clone()}
                current={props.current.clone()} on_done={close} />
        },
        (Some(REVIEWING), Some(app)) => match (props.current.as_ref(), proposals.first()) {
            (Some(current), Some(proposal)) => review(&app, current, proposal, close),
            _ => html! {},
        },
        _ => html! {},
    };

    html! {
        <div class="section-tools">
            if !proposals.is_empty() {
                <p>
                    <span class="needs-review" data-testid="needs-review">{ "Needs review" }</span>
                    { " Two versions were saved at once. A senior chooses which to keep; until \
                       then this shows the current one." }
                </p>
            }
            if let Some((what, state)) = status {
                <p class={item_state_class(state)} data-testid="item-state">
                    { format!("{what}: {}", item_state_text(state)) }
                </p>
            }
            if can_change && open.is_none() {
                <div class="record-actions">
                    <button type="button" class="button button-secondary" onclick={show(EDITING)}>
                        { match (&props.section, is_new) {
                            (SectionKey::CarePlan { .. }, true) => "Add a care plan area",
                            (_, true) => "Write",
                            _ => "Edit",
                        } }
                    </button>
                    if !proposals.is_empty() {
                        <button type="button" class="button" onclick={show(REVIEWING)}>
                            { "Review both versions" }
                        </button>
                    }
                </div>
            }
            { panel }
        </div>
    }
}

/// Both versions side by side, with who wrote each and when, and the two choices.
fn review(app: &AppHandle, current: &Entry, proposal: &Entry, close: Callback<()>) -> Html {
    let proposed = match &proposal.body {
        EntryBody::SectionProposal { body, .. } => section_body(body, today()),
        _ => html! {},
    };
    let choose = |accept: bool| {
        let (app, close, proposal_id) = (app.clone(), close.clone(), proposal.id);
        Callback::from(move |_: MouseEvent| {
            let (app, close) = (app.clone(), close.clone());
            spawn_local(async move {
                // Stored or not, the view closes: the state line under the section says
                // which, and the outbox panel gives any reason.
                let _ = app
                    .record(MutationOp::ResolveSection {
                        proposal_id,
                        accept,
                    })
                    .await;
                close.emit(());
            });
        })
    };
    html! {
        <section class="section-form" aria-label="Review both versions">
            <div class="review-versions">
                <section aria-label="Current version">
                    <h4>{ "Current" }</h4>
                    { section_body(&current.body, today()) }
                    <p class="record-meta">{ by_line(current) }</p>
                </section>
                <section aria-label="Proposed version">
                    <h4>{ "Proposed" }</h4>
                    { proposed }
                    <p class="record-meta">{ by_line(proposal) }</p>
                </section>
            </div>
            <div class="form-actions">
                <button type="button" class="button" onclick={choose(false)}>{ "Keep current" }</button>
                <button type="button" class="button" onclick={choose(true)}>{ "Use proposed" }</button>
                <button type="button" class="button button-secondary" onclick={close.reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct SectionFormProps {
    app: AppHandle,
    person: PersonId,
    section: SectionKey,
    current: Option<Entry>,
    on_done: Callback<()>,
}

/// The fields of a draft, by id: what each is called and which part of the draft holds it.
type Part = (&'static str, &'static str, fn(&mut Draft) -> &mut String);

const CARE_PLAN_PARTS: [Part; 6] = [
    ("section-area", "Area of care", |d| &mut d.area),
    ("section-need", "Need", |d| &mut d.need),
    ("section-goal", "Goal", |d| &mut d.goal),
    ("section-support", "How to support", |d| &mut d.support),
    ("section-preferences", "Preferences (optional)", |d| {
        &mut d.preferences
    }),
    ("section-review", "Review by (optional)", |d| &mut d.review),
];

const ABOUT_ME_PARTS: [Part; 1] = [("section-text", "What to know", |d| &mut d.text)];

#[component]
fn SectionForm(props: &SectionFormProps) -> Html {
    let draft = use_state(|| {
        props
            .current
            .as_ref()
            .map(|c| Draft::of(&c.body))
            .unwrap_or_default()
    });
    let tried = use_state(bool::default);
    let failure = use_state(Option::<String>::default);
    let saving = use_state(bool::default);
    // Once saving was tried, the first field to fix says why, and stops saying so as soon
    // as it is fixed.
    let problem = if *tried {
        draft.body(&props.section).err()
    } else {
        None
    };

    let onsubmit = {
        let (draft, tried, failure, saving) = (
            draft.clone(),
            tried.clone(),
            failure.clone(),
            saving.clone(),
        );
        let (app, person, key, on_done) = (
            props.app.clone(),
            props.person,
            props.section.clone(),
            props.on_done.clone(),
        );
        let base_version = props.current.as_ref().map(|c| c.version);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *saving {
                return;
            }
            tried.set(true);
            failure.set(None);
            let body = match draft.body(&key) {
                Ok(body) => body,
                Err((id, _)) => {
                    focus(id);
                    return;
                }
            };
            // A new care plan area is keyed by the area typed.
            let Some(section) = key_of(&body) else { return };
            saving.set(true);
            let op = MutationOp::EditSection {
                person_id: person,
                section,
                base_version,
                body,
            };
            let (app, failure, saving, on_done) = (
                app.clone(),
                failure.clone(),
                saving.clone(),
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

    let about_me = matches!(props.section, SectionKey::AboutMe { .. });
    let parts: &[Part] = if about_me {
        &ABOUT_ME_PARTS
    } else {
        &CARE_PLAN_PARTS
    };
    let fields = parts.iter().map(|&(id, label, part)| {
        let on_input = {
            let draft = draft.clone();
            Callback::from(move |value: String| {
                let mut next = (*draft).clone();
                *part(&mut next) = value;
                draft.set(next);
            })
        };
        let mut current = (*draft).clone();
        let value = std::mem::take(part(&mut current));
        let error = problem
            .as_ref()
            .filter(|(at, _)| *at == id)
            .map(|(_, why)| AttrValue::from(why.clone()));
        // An existing area's name is its key: it cannot change.
        let readonly = id == "section-area" && props.current.is_some();
        let (rows, kind) = match id {
            "section-area" => (None, None),
            "section-review" => (None, Some(AttrValue::Static("date"))),
            _ => (Some(4), None),
        };
        html! {
            <TextField id={id} label={label} {value} {on_input} {error} {rows} {kind} {readonly} />
        }
    });
    let heading = match &props.section {
        SectionKey::AboutMe { topic } => topic.label().to_owned(),
        SectionKey::CarePlan { area } if area.is_empty() => "New care plan area".to_owned(),
        SectionKey::CarePlan { area } => area.clone(),
    };
    let failed = (*failure).clone();

    html! {
        <form class="section-form" {onsubmit} novalidate=true aria-label={format!("Edit: {heading}")}>
            { for fields }
            if let Some(why) = failed {
                <p class="error" role="alert">{ why }</p>
            }
            <div class="form-actions">
                <button type="submit" class="button" aria-disabled={saving.to_string()}>
                    { if *saving { "Saving…" } else { "Save" } }
                </button>
                <button type="button" class="button button-secondary"
                    onclick={props.on_done.reform(|_: MouseEvent| ())}>
                    { "Cancel" }
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use bedside_domain::record::AboutMeTopic;

    use super::*;

    #[test]
    fn a_draft_becomes_a_section_or_names_the_field_to_fix() {
        let plan = SectionKey::CarePlan {
            area: String::new(),
        };
        let mut d = Draft {
            area: " Mobility ".into(),
            need: "Unsteady on her feet".into(),
            goal: "No falls".into(),
            support: "Frame within reach".into(),
            review: "2027-01-31".into(),
            ..Draft::default()
        };
        let body = d.body(&plan).expect("complete");
        assert_eq!(
            Draft::of(&body),
            Draft {
                area: "Mobility".into(),
                ..d.clone()
            }
        );
        assert_eq!(
            key_of(&body),
            Some(SectionKey::CarePlan {
                area: "Mobility".into()
            })
        );
        d.goal = "  ".into();
        assert_eq!(d.body(&plan).map_err(|(id, _)| id), Err("section-goal"));
        d.goal = "No falls".into();
        d.review = "31/01/2027".into();
        assert_eq!(d.body(&plan).map_err(|(id, _)| id), Err("section-review"));

        let topic = SectionKey::AboutMe {
            topic: AboutMeTopic::Routines,
        };
        let about = Draft {
            text: "Tea at seven".into(),
            ..Draft::default()
        };
        assert_eq!(
            about.body(&topic),
            Ok(EntryBody::AboutMeSection {
                topic: AboutMeTopic::Routines,
                text: "Tea at seven".into()
            })
        );
        assert_eq!(
            Draft::default().body(&topic).map_err(|(id, _)| id),
            Err("section-text")
        );
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use bedside_domain::api::Role;
    use bedside_domain::record::{AboutMeTopic, EntryStatus, Provenance};
    use bedside_domain::{EntryId, PersonId};
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use web_sys::Element;

    use super::*;
    use crate::select::fixtures::at;
    use crate::test_support::app::{AppAt, AppAtProps, handle, person, store};
    use crate::test_support::{click, count, render, texts, type_into, wait_until};

    fn home_entry(n: u128, version: u32, body: EntryBody) -> Entry {
        Entry {
            id: EntryId(uuid::Uuid::from_u128(n)),
            person_id: person(),
            version,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "Oak Lodge".into(),
                ods_code: None,
                system: None,
                source_id: None,
                author: Some("oak.manager".into()),
                authored_at: at(2026, 11, 20),
                received_at: at(2026, 11, 20),
            },
            body,
        }
    }

    /// Routines written (version 2), and a proposal for it kept when two tablets edited
    /// it at once.
    fn record() -> Vec<Entry> {
        let routines = |text: &str| EntryBody::AboutMeSection {
            topic: AboutMeTopic::Routines,
            text: text.into(),
        };
        vec![
            home_entry(700, 2, routines("Tea at seven")),
            home_entry(
                701,
                1,
                EntryBody::SectionProposal {
                    target: EntryId(uuid::Uuid::from_u128(700)),
                    base_version: 1,
                    body: Box::new(routines("Coffee at eight")),
                    resolution: None,
                },
            ),
        ]
    }

    async fn summary(test: &str, role: Role) -> (Element, crate::services::local_db::LocalDb) {
        let (name, db) = store(test, "oak.someone", role, record()).await;
        let root = render::<AppAt>(AppAtProps {
            store: name,
            path: format!("/residents/{}", person()).into(),
            unlocked: handle(&db),
            idle_after_ms: None,
        })
        .await;
        wait_until("the summary shows", || count(&root, "#about-me") == 1).await;
        (root, db)
    }

    fn buttons(root: &Element) -> Vec<String> {
        texts(root, "#about-me button, #care-plan button")
    }

    #[test]
    async fn carers_see_needs_review_but_no_edit() {
        let (root, _) = summary("sections-carer", Role::Carer).await;
        assert_eq!(texts(&root, "[data-testid=needs-review]"), ["Needs review"]);
        assert!(buttons(&root).is_empty(), "{:?}", buttons(&root));
    }

    #[test]
    async fn a_senior_writes_a_topic_and_settles_a_proposal() {
        let (root, db) = summary("sections-senior", Role::Senior).await;
        let b = buttons(&root);
        assert!(b.contains(&"Add a care plan area".to_owned()), "{b:?}");
        assert!(b.contains(&"Review both versions".to_owned()), "{b:?}");
        // Every topic not written can be; the written one can be edited.
        assert_eq!(
            b.iter().filter(|t| *t == "Write").count(),
            AboutMeTopic::ALL.len() - 1
        );

        // Fill "What matters to me" (the first topic), with nothing it is refused.
        click(&root, "#about-me li:first-child button").await;
        click(&root, "#about-me form button[type=submit]").await;
        assert_eq!(count(&root, "#section-text-error"), 1);
        type_into(&root, "#section-text", "Her garden and her grandchildren").await;
        click(&root, "#about-me form button[type=submit]").await;
        wait_until("the edit is saved", || count(&root, "#about-me form") == 0).await;

        // Both versions side by side; keep the current one.
        click(
            &root,
            "#about-me .section-tools .button:not(.button-secondary)",
        )
        .await;
        let versions = texts(&root, ".review-versions > section");
        assert!(versions[0].contains("Tea at seven") && versions[1].contains("Coffee at eight"));
        let keep = "[aria-label='Review both versions'] .form-actions button:first-child";
        click(&root, keep).await;
        wait_until("the choice is saved", || {
            count(&root, "[aria-label='Review both versions']") == 0
        })
        .await;

        let ops: Vec<MutationOp> = db
            .outbox()
            .await
            .expect("outbox")
            .into_iter()
            .map(|i| i.mutation.op)
            .collect();
        assert_eq!(
            ops,
            vec![
                MutationOp::EditSection {
                    person_id: PersonId(uuid::Uuid::from_u128(1)),
                    section: SectionKey::AboutMe {
                        topic: AboutMeTopic::WhatMatters
                    },
                    base_version: None,
                    body: EntryBody::AboutMeSection {
                        topic: AboutMeTopic::WhatMatters,
                        text: "Her garden and her grandchildren".into()
                    },
                },
                MutationOp::ResolveSection {
                    proposal_id: EntryId(uuid::Uuid::from_u128(701)),
                    accept: false
                },
            ]
        );
        // The topic written shows at once (a new section is a provisional entry), and the
        // choice says it waits to send.
        wait_until("the new topic shows", || {
            texts(&root, "#about-me").join(" ").contains("Her garden")
        })
        .await;
        assert!(
            texts(&root, "#about-me")
                .join(" ")
                .contains("Keep current: ")
        );
    }
}
