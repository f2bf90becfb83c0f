//! One resident's summary, read from the tablet's copy: the banner, then allergies,
//! advance care plan, hospital stay, conditions, medication, the latest discharge
//! summary, lab results, care plan and About Me. Every item shows its source and date;
//! whatever is missing says "Not recorded".

use std::cell::Cell;
use std::rc::Rc;

use bedside_domain::PersonId;
use bedside_domain::dates::date_label;
use bedside_domain::record::{AboutMeTopic, Entry, EntryBody};
use bedside_domain::summary::{self, LabLine, MedicationLine};
use chrono::NaiveDate;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::clock::{local_date, today};
use crate::components::banner::ResidentBanner;
use crate::components::source::SourceLine;
use crate::hooks::use_title;
use crate::present::{
    AWAITING_SUPPLY_WARN_DAYS, clinical_status_text, cpr_decision_text, flag_text, form_label,
    lab_value_text, paragraphs, range_text, severity_text,
};
use crate::services::local_db::{DbError, LocalDb, StoredResident};
use crate::state::use_app;

const NOT_RECORDED: &str = "Not recorded";

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    /// The person id from the address, not yet checked.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Found(Rc<Loaded>),
    NotFound,
    Failed(String),
}

#[derive(Debug, PartialEq)]
struct Loaded {
    id: PersonId,
    stored: StoredResident,
    entries: Vec<Entry>,
}

/// The resident and their entries, when this tablet holds them.
async fn read(db: &LocalDb, person: PersonId) -> Result<Option<Loaded>, DbError> {
    let Some(stored) = db.resident(person).await? else {
        return Ok(None);
    };
    let entries = db.entries_for(person).await?;
    Ok(Some(Loaded {
        id: person,
        stored,
        entries,
    }))
}

#[component]
pub fn ResidentSummaryPage(props: &SummaryProps) -> Html {
    use_title("Resident summary");
    let app = use_app();
    let load = use_state(|| Load::Loading);

    {
        let load = load.clone();
        let db = app.db.clone();
        // Read again when the address changes or a newer copy was stored.
        use_effect_with((props.id.clone(), app.data_version), move |(id, _)| {
            let cancelled = Rc::new(Cell::new(false));
            let person = PersonId::parse(id).ok();
            let same_person = matches!(&*load, Load::Found(l) if Some(l.id) == person);
            if !same_person {
                load.set(Load::Loading);
                if let Some(window) = web_sys::window() {
                    window.scroll_to_with_x_and_y(0.0, 0.0);
                }
            }
            match (person, db) {
                (None, _) => load.set(Load::NotFound),
                (Some(_), None) => load.set(Load::Failed(
                    "the tablet's local store is not open".to_owned(),
                )),
                (Some(person), Some(db)) => {
                    let cancelled = cancelled.clone();
                    spawn_local(async move {
                        let result = read(&db.0, person).await;
                        if cancelled.get() {
                            return;
                        }
                        load.set(match result {
                            Ok(Some(loaded)) => Load::Found(Rc::new(loaded)),
                            Ok(None) => Load::NotFound,
                            Err(e) => Load::Failed(e.to_string()),
                        });
                    });
                }
            }
            move || cancelled.set(true)
        });
    }

    let back = html! {
        <nav class="back-nav" aria-label="Back">
            <Link<Route> to={Route::Home} classes="back-link">{ "‹ All residents" }</Link<Route>>
        </nav>
    };

    match &*load {
        Load::Loading => html! {
            <main id="main" class="page">
                { back }
                <p class="loading" role="status">{ "Opening the record…" }</p>
            </main>
        },
        Load::NotFound => html! {
            <main id="main" class="page">
                { back }
                <h1>{ "Resident not found on this tablet" }</h1>
                <p>{ "This tablet holds no record for this address. The resident may have \
                      left the home, or their record has not been downloaded to this tablet \
                      yet." }</p>
                <p>
                    <Link<Route> to={Route::Home} classes="button">{ "Go to the resident list" }</Link<Route>>
                </p>
            </main>
        },
        Load::Failed(message) => html! {
            <main id="main" class="page">
                { back }
                <h1>{ "The record could not be opened" }</h1>
                <p role="alert" class="error">{ message.clone() }</p>
                <p>{ "Go back to the list and try again. If this keeps happening, sign out and \
                      sign in again to download the records afresh." }</p>
            </main>
        },
        Load::Found(loaded) => html! {
            <main id="main" class="page page-summary">
                { back }
                <ResidentBanner stored={loaded.stored.clone()} />
                <Summary loaded={loaded.clone()} />
            </main>
        },
    }
}

#[derive(Properties)]
struct SummaryBodyProps {
    loaded: Rc<Loaded>,
}

impl PartialEq for SummaryBodyProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.loaded, &other.loaded)
    }
}

/// The sections under the banner, in the order staff look for them.
#[component]
fn Summary(props: &SummaryBodyProps) -> Html {
    let entries = &props.loaded.entries;
    let today = today();
    html! {
        <>
            <nav class="jump-nav" aria-label="Sections">
                <ul>
                    <li><a href="#allergies">{ "Allergies" }</a></li>
                    <li><a href="#conditions">{ "Conditions" }</a></li>
                    <li><a href="#medications">{ "Medication" }</a></li>
                    <li><a href="#discharge">{ "Discharge" }</a></li>
                    <li><a href="#labs">{ "Lab results" }</a></li>
                    <li><a href="#care-plan">{ "Care plan" }</a></li>
                    <li><a href="#about-me">{ "About me" }</a></li>
                </ul>
            </nav>
            { allergies_section(entries) }
            { advance_care_section(entries, today) }
            { hospital_section(entries) }
            { conditions_section(entries) }
            { medications_section(entries, today) }
            { discharge_section(entries) }
            { labs_section(entries) }
            { care_plan_section(entries, today) }
            { about_me_section(entries) }
        </>
    }
}

fn section(id: &'static str, title: &'static str, body: Html) -> Html {
    let heading = format!("{id}-heading");
    html! {
        <section class="summary-section" id={id} aria-labelledby={heading.clone()}>
            <h2 id={heading}>{ title }</h2>
            { body }
        </section>
    }
}

fn not_recorded() -> Html {
    html! { <p class="not-recorded">{ NOT_RECORDED }</p> }
}

fn date_or_not_recorded(d: Option<NaiveDate>) -> String {
    d.map(date_label).unwrap_or_else(|| NOT_RECORDED.to_owned())
}

fn prose(text: &str) -> Html {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return not_recorded();
    }
    html! { { for paras.into_iter().map(|p| html! { <p class="prose">{ p }</p> }) } }
}

fn allergies_section(entries: &[Entry]) -> Html {
    let list = summary::allergies(entries);
    let body = if !list.is_empty() {
        html! {
            <ul class="items">
                { for list.into_iter().map(|e| match &e.body {
                    EntryBody::Allergy { substance, reaction, severity, .. } => html! {
                        <li class="item">
                            <h3 class="item-title">{ substance.text.clone() }</h3>
                            <p>{ format!("Reaction: {}", reaction.as_deref().unwrap_or(NOT_RECORDED)) }</p>
                            <p>{ format!("Severity: {}", severity.map(severity_text).unwrap_or(NOT_RECORDED)) }</p>
                            <SourceLine provenance={e.provenance.clone()} />
                        </li>
                    },
                    _ => html! {},
                }) }
            </ul>
        }
    } else if let Some(nka) = summary::no_known_allergies(entries) {
        html! {
            <div class="item">
                <p>{ "No known allergies" }</p>
                <SourceLine provenance={nka.provenance.clone()} />
            </div>
        }
    } else {
        html! { <p class="not-recorded">{ "Allergies not recorded: ask before giving any medicine or food." }</p> }
    };
    section("allergies", "Allergies", body)
}

/// "12 Nov 2026", "(overdue)" after it when that day has passed, or "Not recorded".
fn review_text(review_on: Option<NaiveDate>, today: NaiveDate) -> String {
    match review_on {
        Some(d) if d < today => format!("{} (overdue)", date_label(d)),
        Some(d) => date_label(d),
        None => NOT_RECORDED.to_owned(),
    }
}

fn advance_care_section(entries: &[Entry], today: NaiveDate) -> Html {
    let body = match summary::advance_care_plan(entries) {
        Some(plan) => html! {
            <div class="item">
                <h3 class="item-title">{ cpr_decision_text(plan.cpr) }</h3>
                <p>{ format!("Recorded on: {}", form_label(plan.form)) }</p>
                <p>{ format!("Agreed on {}", date_label(plan.agreed_on)) }</p>
                <p>{ format!("Review by: {}", review_text(plan.review_on, today)) }</p>
                <h4>{ "Recommendations" }</h4>
                { match plan.recommendations {
                    Some(text) => prose(text),
                    None => not_recorded(),
                } }
                <SourceLine provenance={plan.entry.provenance.clone()} />
            </div>
        },
        None => not_recorded(),
    };
    section("advance-care", "Advance care plan (ReSPECT / DNACPR)", body)
}

fn hospital_section(entries: &[Entry]) -> Html {
    let Some(stay) = summary::current_stay(entries) else {
        return html! {};
    };
    let EntryBody::HospitalStay {
        hospital,
        ward,
        admitted_on,
        reason,
        expected_discharge,
        ..
    } = &stay.body
    else {
        return html! {};
    };
    let body = html! {
        <div class="item">
            <h3 class="item-title">{ hospital.clone() }</h3>
            <p>{ format!("Ward: {}", ward.as_deref().unwrap_or(NOT_RECORDED)) }</p>
            <p>{ format!("Admitted on {}", date_label(*admitted_on)) }</p>
            <p>{ format!("Reason: {}", reason.as_deref().unwrap_or(NOT_RECORDED)) }</p>
            <p>{ format!("Expected discharge: {}", date_or_not_recorded(*expected_discharge)) }</p>
            <SourceLine provenance={stay.provenance.clone()} />
        </div>
    };
    section("hospital", "Hospital stay", body)
}

fn conditions_section(entries: &[Entry]) -> Html {
    let list = summary::conditions(entries);
    let body = if list.is_empty() {
        not_recorded()
    } else {
        html! {
            <ul class="items">
                { for list.into_iter().map(|e| match &e.body {
                    EntryBody::Condition { name, clinical_status, onset, note } => html! {
                        <li class="item">
                            <h3 class="item-title">
                                { name.text.clone() }
                                <span class="status">{ format!(" — {}", clinical_status_text(*clinical_status)) }</span>
                            </h3>
                            <p>{ format!("Since: {}", date_or_not_recorded(*onset)) }</p>
                            if let Some(note) = note {
                                { prose(note) }
                            }
                            <SourceLine provenance={e.provenance.clone()} />
                        </li>
                    },
                    _ => html! {},
                }) }
            </ul>
        }
    };
    section("conditions", "Conditions", body)
}

fn medication_item(line: &MedicationLine<'_>, today: NaiveDate) -> Html {
    let prescribed = match line.order.body {
        EntryBody::MedicationOrder {
            prescriber: Some(ref who),
            ..
        } => format!("Prescribed on {} by {who}", date_label(line.prescribed_on)),
        _ => format!("Prescribed on {}", date_label(line.prescribed_on)),
    };
    let supplied = match line.last_supply() {
        Some(s) => {
            let quantity = s.quantity.map(|q| format!(" ({q})")).unwrap_or_default();
            format!(
                "Last dispensed on {} by {}{quantity}",
                date_label(s.dispensed_on),
                s.dispenser
            )
        }
        None => "Dispensing not recorded".to_owned(),
    };
    let waiting = line
        .days_awaiting_supply(today)
        .filter(|d| *d >= AWAITING_SUPPLY_WARN_DAYS);
    html! {
        <li class="item">
            <h3 class="item-title">{ line.medicine.text.clone() }</h3>
            <p class="dosage">{ line.dosage.map(str::to_owned).unwrap_or_else(|| format!("Dosage: {NOT_RECORDED}")) }</p>
            <p>{ prescribed }</p>
            <p>{ supplied }</p>
            if let Some(days) = waiting {
                <p class="warning" data-testid="awaiting-supply">
                    <strong>{ "Warning: " }</strong>
                    { format!("prescribed {days} days ago and not dispensed since. Check with the pharmacy or GP.") }
                </p>
            }
            <SourceLine provenance={line.order.provenance.clone()} />
        </li>
    }
}

fn medications_section(entries: &[Entry], today: NaiveDate) -> Html {
    let lines = summary::current_medications(entries);
    let body = if lines.is_empty() {
        not_recorded()
    } else {
        html! {
            <ul class="items">
                { for lines.iter().map(|l| medication_item(l, today)) }
            </ul>
        }
    };
    section("medications", "Current medications", body)
}

fn discharge_section(entries: &[Entry]) -> Html {
    let body = match summary::latest_discharge_summary(entries) {
        Some(doc) => match &doc.body {
            EntryBody::Document {
                doc_type,
                title,
                period_start,
                period_end,
                sections,
                ..
            } => {
                let period = match (period_start, period_end) {
                    (Some(s), Some(e)) => {
                        format!("Stay: {} to {}", date_label(*s), date_label(*e))
                    }
                    (None, Some(e)) => format!("Discharged on {}", date_label(*e)),
                    (Some(s), None) => format!("Admitted on {}", date_label(*s)),
                    (None, None) => format!(
                        "Written on {}",
                        date_label(local_date(doc.provenance.authored_at))
                    ),
                };
                html! {
                    <article class="document">
                        <h3 class="item-title">{ title.clone() }</h3>
                        <p class="doc-meta">{ format!("{} · {period}", doc_type.label()) }</p>
                        <SourceLine provenance={doc.provenance.clone()} />
                        if sections.is_empty() {
                            { not_recorded() }
                        }
                        { for sections.iter().map(|s| html! {
                            <div class="doc-section">
                                <h4>{ s.title.clone() }</h4>
                                { prose(&s.text) }
                            </div>
                        }) }
                    </article>
                }
            }
            _ => not_recorded(),
        },
        None => not_recorded(),
    };
    section("discharge", "Latest discharge summary", body)
}

/// One test: its latest result in a row, and where it came from in a row under it (the
/// source line is too long to share a cell with the test's name on a tablet).
fn lab_row(line: &LabLine<'_>) -> Html {
    let EntryBody::LabResult {
        test,
        value,
        reference_range,
        flag,
        taken_at,
        panel,
    } = &line.latest.body
    else {
        return html! {};
    };
    let (flag_words, flag_class) = flag_text(*flag);
    let previous = match line.previous.map(|p| &p.body) {
        Some(EntryBody::LabResult {
            value, taken_at, ..
        }) => html! {
            <>
                { lab_value_text(value) }
                <span class="lab-date">{ format!("on {}", date_label(local_date(*taken_at))) }</span>
            </>
        },
        _ => html! { <span class="not-recorded">{ "No earlier result" }</span> },
    };
    html! {
        <>
            <tr class="lab-row">
                <th scope="row">
                    <span class="lab-test">{ test.text.clone() }</span>
                    if let Some(panel) = panel.as_ref().filter(|p| **p != test.text) {
                        <span class="lab-panel">{ panel.clone() }</span>
                    }
                    if let Some(range) = reference_range.as_ref().and_then(range_text) {
                        <span class="lab-range">{ range }</span>
                    }
                </th>
                <td class="lab-value">{ lab_value_text(value) }</td>
                <td><span class={flag_class}>{ flag_words }</span></td>
                <td class="lab-taken">{ date_label(local_date(*taken_at)) }</td>
                <td>{ previous }</td>
            </tr>
            <tr class="lab-source-row">
                <td colspan="5"><SourceLine provenance={line.latest.provenance.clone()} /></td>
            </tr>
        </>
    }
}

fn labs_section(entries: &[Entry]) -> Html {
    let lines = summary::recent_labs(entries);
    let body = if lines.is_empty() {
        not_recorded()
    } else {
        html! {
            <div class="table-wrap">
                <table class="labs">
                    <caption class="visually-hidden">{ "Latest result of each test, newest first" }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Test" }</th>
                            <th scope="col">{ "Latest" }</th>
                            <th scope="col">{ "Flag" }</th>
                            <th scope="col">{ "Taken" }</th>
                            <th scope="col">{ "Previous" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for lines.iter().map(lab_row) }
                    </tbody>
                </table>
            </div>
        }
    };
    section("labs", "Recent lab results", body)
}

fn care_plan_section(entries: &[Entry], today: NaiveDate) -> Html {
    let areas = summary::care_plan(entries);
    let body = if areas.is_empty() {
        not_recorded()
    } else {
        html! {
            <ul class="items">
                { for areas.into_iter().map(|e| match &e.body {
                    EntryBody::CarePlanSection { area, need, goal, support, preferences, review_on } => {
                        let review = review_text(*review_on, today);
                        html! {
                            <li class="item">
                                <h3 class="item-title">{ area.clone() }</h3>
                                <dl class="care-plan">
                                    <dt>{ "Need" }</dt><dd>{ prose(need) }</dd>
                                    <dt>{ "Goal" }</dt><dd>{ prose(goal) }</dd>
                                    <dt>{ "How to support" }</dt><dd>{ prose(support) }</dd>
                                    <dt>{ "Preferences" }</dt>
                                    <dd>{ preferences.as_deref().map(prose).unwrap_or_else(not_recorded) }</dd>
                                    <dt>{ "Review by" }</dt><dd>{ review }</dd>
                                </dl>
                                <SourceLine provenance={e.provenance.clone()} />
                            </li>
                        }
                    }
                    _ => html! {},
                }) }
            </ul>
        }
    };
    section("care-plan", "Care plan", body)
}

fn about_me_section(entries: &[Entry]) -> Html {
    let written = summary::about_me(entries);
    let topic = |t: AboutMeTopic| {
        let found = written.iter().find(|(w, _)| *w == t).map(|(_, e)| *e);
        html! {
            <li class="item">
                <h3 class="item-title">{ t.label() }</h3>
                { match found.map(|e| (e, &e.body)) {
                    Some((e, EntryBody::AboutMeSection { text, .. })) => html! {
                        <>
                            { prose(text) }
                            <SourceLine provenance={e.provenance.clone()} />
                        </>
                    },
                    _ => not_recorded(),
                } }
            </li>
        }
    };
    let body = html! {
        <ul class="items">
            { for AboutMeTopic::ALL.into_iter().map(topic) }
        </ul>
    };
    section("about-me", "About me", body)
}
