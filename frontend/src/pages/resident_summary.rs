//! One resident's summary, read from the tablet's copy: the banner, then allergies,
//! advance care plan, the hospital stay in progress, conditions, medicines, the latest
//! discharge summary, every document, lab results, diagnostic reports, past hospital
//! stays, care plan and About Me. Every item shows its source and date; whatever is
//! missing says "Not recorded"; entries of kinds this version cannot show are counted.

use std::cell::Cell;
use std::rc::Rc;

use bedside_domain::PersonId;
use bedside_domain::news2::Spo2Scale;
use bedside_domain::record::{AboutMeTopic, Entry, EntryBody};
use bedside_domain::summary;
use bedside_domain::sync::wire::SectionKey;
use chrono::NaiveDate;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::clock::{local_date, today};
use crate::components::Entries;
use crate::components::banner::ResidentBanner;
use crate::components::document::{Level, document_view, prose};
use crate::components::lab_results::LabResults;
use crate::components::medicines::medicines_body;
use crate::components::notes::NotesSection;
use crate::components::sections::{SectionTools, section_body};
use crate::components::source::SourceLine;
use crate::hooks::use_title;
use crate::present::{
    clinical_status_text, cpr_decision_text, date_label, document_period_text, form_label,
    severity_text, stay_period_text, unknown_note,
};
use crate::router::{Link, Route};
use crate::select::{diagnostic_reports, finished_stays, unknown_count};
use crate::services::local_db::{DbError, LocalDb, StoredResident};
use crate::state::{Outbox, use_app};

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
    entries: Entries,
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
        entries: Entries(Rc::new(entries)),
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

    crate::hooks::use_view_audit(
        match &*load {
            Load::Found(l) => vec![(l.id, None)],
            _ => Vec::new(),
        },
        bedside_domain::audit::AuditPart::Summary,
    );

    // Back from one of this resident's documents: return to where the summary was.
    {
        let app = app.clone();
        let shown = match &*load {
            Load::Found(l) => Some(l.id),
            _ => None,
        };
        use_effect_with(shown, move |shown| {
            if let (Some(person), Some((to, y))) = (shown, app.summary_return) {
                if *person == to
                    && let Some(window) = web_sys::window()
                {
                    window.scroll_to_with_x_and_y(0.0, y);
                }
                app.set_summary_return(None);
            }
        });
    }
    let leaving = {
        let app = app.clone();
        let shown = match &*load {
            Load::Found(l) => Some(l.id),
            _ => None,
        };
        use_callback(shown, move |_: (), shown| {
            let y = web_sys::window()
                .and_then(|w| w.scroll_y().ok())
                .unwrap_or_default();
            app.set_summary_return(shown.map(|p| (p, y)));
        })
    };

    let back = html! {
        <nav class="back-nav" aria-label="Back">
            <Link to={Route::Home} classes="back-link">{ "‹ All residents" }</Link>
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
                    <Link to={Route::Home} classes="button">{ "Go to the resident list" }</Link>
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
                <Summary person={loaded.id} entries={loaded.entries.clone()}
                    in_hospital={loaded.stored.banner.in_hospital.is_some()}
                    today={today()} online={app.online} token={app.token()} {leaving}
                    outbox={app.outbox.clone()} scale={loaded.stored.resident.spo2_scale} />
            </main>
        },
    }
}

#[derive(Properties, PartialEq)]
struct SummaryBodyProps {
    person: PersonId,
    entries: Entries,
    /// Whether the banner says the resident is in hospital (perhaps only because the
    /// home recorded it, before the hospital sent anything).
    in_hospital: bool,
    today: NaiveDate,
    online: bool,
    token: Option<AttrValue>,
    /// Called when staff open one of the documents, before the page changes.
    leaving: Callback<()>,
    /// What this tablet wrote, for the state of each home-authored item.
    #[prop_or_default]
    outbox: Outbox,
    /// The resident's SpO2 scale, for amending an observation set.
    #[prop_or_default]
    scale: Spo2Scale,
}

/// The sections under the banner, in the order staff look for them.
#[component]
fn Summary(props: &SummaryBodyProps) -> Html {
    let entries = &props.entries;
    let today = props.today;
    let hidden = unknown_note(unknown_count(entries));
    html! {
        <>
            <nav class="jump-nav" aria-label="Sections">
                <ul>
                    <li><a href="#allergies">{ "Allergies" }</a></li>
                    <li><a href="#conditions">{ "Conditions" }</a></li>
                    <li><a href="#medicines">{ "Medicines" }</a></li>
                    <li><a href="#discharge">{ "Discharge" }</a></li>
                    <li><a href="#documents">{ "Documents" }</a></li>
                    <li><a href="#labs">{ "Lab results" }</a></li>
                    <li><a href="#reports">{ "Reports" }</a></li>
                    <li><a href="#stays">{ "Hospital stays" }</a></li>
                    <li><a href="#care-plan">{ "Care plan" }</a></li>
                    <li><a href="#about-me">{ "About me" }</a></li>
                    <li><a href="#notes">{ "Notes" }</a></li>
                </ul>
            </nav>
            if let Some(note) = hidden {
                <p class="unknown-note" role="note" data-testid="unknown-entries">{ note }</p>
            }
            { allergies_section(entries) }
            { advance_care_section(entries, today) }
            { hospital_now_section(entries, props.in_hospital) }
            { conditions_section(entries) }
            { section("medicines", "Current medicines", medicines_body(entries, today)) }
            { discharge_section(entries, props.online, props.token.clone()) }
            { documents_section(props) }
            { section("labs", "Recent lab results", html! { <LabResults entries={entries.clone()} /> }) }
            { reports_section(entries) }
            { stays_section(entries) }
            { care_plan_section(props) }
            { about_me_section(props) }
            <NotesSection person={props.person} entries={entries.clone()}
                outbox={props.outbox.clone()} scale={props.scale} />
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

/// Entries as a list, each as `item` shows it: one loop for every section that lists
/// entries, rather than an iterator chain (and its generic code in the wasm) each.
fn items(list: Vec<&Entry>, item: fn(&Entry) -> Html) -> Html {
    let mut shown = Vec::with_capacity(list.len());
    for e in list {
        shown.push(item(e));
    }
    html! { <ul class="items">{ for shown }</ul> }
}

fn not_recorded() -> Html {
    html! { <p class="not-recorded">{ NOT_RECORDED }</p> }
}

fn date_or_not_recorded(d: Option<NaiveDate>) -> String {
    d.map(date_label).unwrap_or_else(|| NOT_RECORDED.to_owned())
}

/// Allergies from the domain's summary only, which never counts a retracted
/// (entered-in-error) entry: nothing here reads the raw entries.
fn allergies_section(entries: &[Entry]) -> Html {
    let list = summary::allergies(entries);
    let body = if !list.is_empty() {
        items(list, |e| match &e.body {
            EntryBody::Allergy {
                substance,
                reaction,
                severity,
                ..
            } => html! {
                <li class="item">
                    <h3 class="item-title">{ substance.text.clone() }</h3>
                    <p>{ format!("Reaction: {}", reaction.as_deref().unwrap_or(NOT_RECORDED)) }</p>
                    <p>{ format!("Severity: {}", severity.map(severity_text).unwrap_or(NOT_RECORDED)) }</p>
                    <SourceLine provenance={e.provenance.clone()} />
                </li>
            },
            _ => html! {},
        })
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
pub(crate) fn review_text(review_on: Option<NaiveDate>, today: NaiveDate) -> String {
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

/// The stay in progress, when there is one or the home has recorded the resident as in
/// hospital; nothing otherwise (past stays have their own section).
fn hospital_now_section(entries: &[Entry], in_hospital: bool) -> Html {
    let stay = summary::current_stay(entries);
    let body = match stay.map(|s| (s, &s.body)) {
        Some((
            stay,
            EntryBody::HospitalStay {
                hospital,
                ward,
                admitted_on,
                reason,
                expected_discharge,
                ..
            },
        )) => html! {
            <div class="item">
                <h3 class="item-title">{ hospital.clone() }</h3>
                <p>{ format!("Ward: {}", ward.as_deref().unwrap_or(NOT_RECORDED)) }</p>
                <p>{ format!("Admitted on {}", date_label(*admitted_on)) }</p>
                <p>{ format!("Reason: {}", reason.as_deref().unwrap_or(NOT_RECORDED)) }</p>
                <p>{ format!("Expected discharge: {}", date_or_not_recorded(*expected_discharge)) }</p>
                <SourceLine provenance={stay.provenance.clone()} />
            </div>
        },
        _ if in_hospital => html! {
            <p class="item">
                { "The home has recorded that this resident is in hospital. The hospital's \
                   details have not been received yet." }
            </p>
        },
        _ => return html! {},
    };
    section("hospital", "In hospital now", body)
}

fn conditions_section(entries: &[Entry]) -> Html {
    let list = summary::conditions(entries);
    let body = if list.is_empty() {
        not_recorded()
    } else {
        items(list, |e| match &e.body {
            EntryBody::Condition {
                name,
                clinical_status,
                onset,
                note,
            } => html! {
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
        })
    };
    section("conditions", "Conditions", body)
}

/// The latest discharge summary in full: what staff open most after a stay.
fn discharge_section(entries: &[Entry], online: bool, token: Option<AttrValue>) -> Html {
    let body = match summary::latest_discharge_summary(entries) {
        Some(doc) => document_view(doc, Level::Three, online, token),
        None => not_recorded(),
    };
    section("discharge", "Latest discharge summary", body)
}

/// Every document, newest first, each opening on a page of its own.
fn documents_section(props: &SummaryBodyProps) -> Html {
    let docs = summary::documents(&props.entries, None);
    let body = if docs.is_empty() {
        not_recorded()
    } else {
        let person = props.person.to_string();
        html! {
            <ul class="items documents">
                { for docs.into_iter().map(|e| match &e.body {
                    EntryBody::Document { doc_type, title, period_start, period_end, attachments, .. } => {
                        let written = local_date(e.provenance.authored_at);
                        let period = document_period_text(*period_start, *period_end, written);
                        let files = match attachments.len() {
                            0 => None,
                            1 => Some("1 file attached".to_owned()),
                            n => Some(format!("{n} files attached")),
                        };
                        let leaving = props.leaving.reform(|_: MouseEvent| ());
                        html! {
                            <li class="item doc-item" key={e.id.to_string()}>
                                <h3 class="item-title" onclick={leaving}>
                                    <Link classes="doc-link"
                                        to={Route::Document { id: person.clone(), doc: e.id.to_string() }}>
                                        { title.clone() }
                                    </Link>
                                </h3>
                                <p class="doc-meta">{ format!("{} · {period}", doc_type.label()) }</p>
                                if let Some(files) = files {
                                    <p class="doc-files">{ files }</p>
                                }
                                <SourceLine provenance={e.provenance.clone()} />
                            </li>
                        }
                    }
                    _ => html! {},
                }) }
            </ul>
        }
    };
    section("documents", "Documents", body)
}

fn reports_section(entries: &[Entry]) -> Html {
    let list = diagnostic_reports(entries);
    let body = if list.is_empty() {
        not_recorded()
    } else {
        items(list, |e| match &e.body {
            EntryBody::DiagnosticReport {
                title,
                conclusion,
                performed_at,
            } => html! {
                <li class="item">
                    <h3 class="item-title">{ title.clone() }</h3>
                    <p class="doc-meta">{ format!("Performed on {}", date_label(local_date(*performed_at))) }</p>
                    <h4 class="report-conclusion">{ "Conclusion" }</h4>
                    { prose(conclusion) }
                    <SourceLine provenance={e.provenance.clone()} />
                </li>
            },
            _ => html! {},
        })
    };
    section("reports", "Diagnostic reports", body)
}

fn stays_section(entries: &[Entry]) -> Html {
    let list = finished_stays(entries);
    let body = if list.is_empty() {
        html! { <p class="not-recorded">{ "No past hospital stays recorded" }</p> }
    } else {
        items(list, |e| match &e.body {
            EntryBody::HospitalStay {
                hospital,
                ward,
                admitted_on,
                discharged_on,
                reason,
                ..
            } => html! {
                <li class="item">
                    <h3 class="item-title">{ hospital.clone() }</h3>
                    <p>{ stay_period_text(*admitted_on, *discharged_on) }</p>
                    <p>{ format!("Reason: {}", reason.as_deref().unwrap_or(NOT_RECORDED)) }</p>
                    if let Some(ward) = ward {
                        <p>{ format!("Ward: {ward}") }</p>
                    }
                    <SourceLine provenance={e.provenance.clone()} />
                </li>
            },
            _ => html! {},
        })
    };
    section("stays", "Hospital stays", body)
}

/// The care plan's areas, each with its review date and, for seniors, "Edit"; a new area
/// can be added. See [`SectionTools`].
fn care_plan_section(props: &SummaryBodyProps) -> Html {
    let entries = &props.entries;
    let areas = summary::care_plan(entries);
    let tools = |key: SectionKey, current: Option<&Entry>| {
        html! {
            <SectionTools person={props.person} section={key} current={current.cloned()}
                entries={entries.clone()} outbox={props.outbox.clone()} />
        }
    };
    let body = html! {
        <>
            if areas.is_empty() {
                { not_recorded() }
            } else {
                <ul class="items">
                    { for areas.into_iter().map(|e| match &e.body {
                        EntryBody::CarePlanSection { area, .. } => html! {
                            <li class="item" key={e.id.to_string()}>
                                <h3 class="item-title">{ area.clone() }</h3>
                                { section_body(&e.body, props.today) }
                                <SourceLine provenance={e.provenance.clone()} />
                                { tools(SectionKey::CarePlan { area: area.clone() }, Some(e)) }
                            </li>
                        },
                        _ => html! {},
                    }) }
                </ul>
            }
            { tools(SectionKey::CarePlan { area: String::new() }, None) }
        </>
    };
    section("care-plan", "Care plan", body)
}

fn about_me_section(props: &SummaryBodyProps) -> Html {
    let entries = &props.entries;
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
                <SectionTools person={props.person} section={SectionKey::AboutMe { topic: t }}
                    current={found.cloned()} entries={entries.clone()} outbox={props.outbox.clone()} />
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

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::record::{
        AbnormalFlag, Attachment, ClinicalStatus, Concept, DocumentSection, DocumentType, Entry,
        LabValue, MedicationStatus, ReferenceRange, SNOMED, StayStatus,
    };
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::router::Router;
    use crate::select::fixtures::{at, day, entry, retracted};
    use crate::test_support::{click, count, one, render, render_now, texts};

    #[derive(Properties, PartialEq)]
    struct HarnessProps {
        entries: Entries,
        online: bool,
        #[prop_or_default]
        in_hospital: bool,
    }

    /// The summary as the page shows it, on 25 Nov 2026, in a router of its own.
    #[component]
    fn Harness(props: &HarnessProps) -> Html {
        html! {
            <Router path={Some(AttrValue::from("/"))}>
                <Summary person={PersonId(uuid::Uuid::from_u128(1))} entries={props.entries.clone()}
                    in_hospital={props.in_hospital} today={day(2026, 11, 25)} online={props.online}
                    token={Some(AttrValue::from("synthetic-token"))} leaving={Callback::noop()} />
            </Router>
        }
    }

    fn allergy(n: u128, what: &str) -> Entry {
        entry(
            n,
            at(2026, 1, 1),
            EntryBody::Allergy {
                substance: Concept::text(what),
                reaction: None,
                severity: None,
                clinical_status: ClinicalStatus::Active,
            },
        )
    }

    fn document(
        n: u128,
        doc_type: DocumentType,
        title: &str,
        end: NaiveDate,
        attachments: Vec<Attachment>,
    ) -> Entry {
        entry(
            n,
            at(2026, 11, 20),
            EntryBody::Document {
                doc_type,
                title: title.into(),
                period_start: Some(end - chrono::Days::new(9)),
                period_end: Some(end),
                sections: vec![
                    DocumentSection {
                        title: "Reason for admission".into(),
                        text: "Fall at home.\n\nHip pain.".into(),
                    },
                    DocumentSection {
                        title: "Medicines on discharge".into(),
                        text: "Amoxicillin".into(),
                    },
                ],
                attachments,
            },
        )
    }

    fn potassium(n: u128, d: u32, value: f64, flag: Option<AbnormalFlag>) -> Entry {
        entry(
            n,
            at(2026, 11, d),
            EntryBody::LabResult {
                test: Concept::coded("Potassium", SNOMED, "1000651000000109"),
                value: LabValue::Quantity {
                    value,
                    unit: "mmol/L".into(),
                },
                reference_range: Some(ReferenceRange {
                    low: Some(3.5),
                    high: Some(5.3),
                    text: None,
                }),
                flag,
                taken_at: at(2026, 11, d),
                panel: Some("Urea and electrolytes".into()),
            },
        )
    }

    fn order(n: u128, name: &str, status: MedicationStatus) -> Entry {
        entry(
            n,
            at(2026, 11, 15),
            EntryBody::MedicationOrder {
                medicine: Concept::text(name),
                dosage: Some("One capsule three times a day".into()),
                prescribed_on: day(2026, 11, 15),
                prescriber: Some("Dr A Shah".into()),
                status,
            },
        )
    }

    fn record() -> Vec<Entry> {
        let letter = Attachment {
            id: "att 1".into(),
            content_type: "application/pdf".into(),
            title: Some("Discharge letter".into()),
            size: Some(245_760),
        };
        vec![
            allergy(1, "Penicillin"),
            retracted(allergy(2, "Latex")),
            document(
                3,
                DocumentType::DischargeSummary,
                "Discharge summary: fractured hip",
                day(2026, 11, 12),
                vec![letter],
            ),
            document(
                4,
                DocumentType::Ambulance,
                "Ambulance summary: fall",
                day(2026, 11, 20),
                vec![],
            ),
            document(
                5,
                DocumentType::Clinic,
                "Memory clinic letter",
                day(2025, 6, 1),
                vec![],
            ),
            retracted(document(
                6,
                DocumentType::Clinic,
                "Withdrawn letter",
                day(2026, 11, 21),
                vec![],
            )),
            potassium(7, 1, 4.1, None),
            potassium(8, 5, 5.9, Some(AbnormalFlag::High)),
            potassium(9, 9, 6.2, Some(AbnormalFlag::High)),
            order(10, "Amoxicillin 500mg capsules", MedicationStatus::Active),
            order(11, "Aspirin 75mg tablets", MedicationStatus::Stopped),
            entry(
                12,
                at(2026, 11, 22),
                EntryBody::DiagnosticReport {
                    title: "Chest X-ray".into(),
                    conclusion: "Small left pleural effusion.".into(),
                    performed_at: at(2026, 11, 22),
                },
            ),
            entry(
                13,
                at(2026, 11, 12),
                EntryBody::HospitalStay {
                    hospital: "St Thomas' Hospital".into(),
                    ward: Some("Ward 7 (Elderly care)".into()),
                    admitted_on: day(2026, 11, 3),
                    reason: Some("Fractured hip".into()),
                    expected_discharge: None,
                    discharged_on: Some(day(2026, 11, 12)),
                    status: StayStatus::Finished,
                },
            ),
            entry(14, at(2026, 11, 1), EntryBody::Unknown),
            entry(15, at(2026, 11, 1), EntryBody::Unknown),
            retracted(entry(16, at(2026, 11, 1), EntryBody::Unknown)),
        ]
    }

    async fn show(entries: Vec<Entry>, online: bool) -> web_sys::Element {
        render::<Harness>(HarnessProps {
            entries: Entries(Rc::new(entries)),
            online,
            in_hospital: false,
        })
        .await
    }

    #[test]
    async fn every_kind_is_shown_and_nothing_retracted() {
        let root = show(record(), true).await;
        let text = root.text_content().unwrap_or_default();

        assert_eq!(texts(&root, "#allergies .item-title"), vec!["Penicillin"]);
        assert!(
            !text.contains("Latex"),
            "a retracted allergy is never shown"
        );
        assert!(!text.contains("Withdrawn letter"));

        assert_eq!(
            texts(&root, "[data-testid=unknown-entries]"),
            vec![
                "2 items this version of the app cannot show. They will appear once the app is \
                 updated."
            ]
        );

        assert_eq!(
            texts(&root, "#documents .doc-link"),
            vec![
                "Ambulance summary: fall",
                "Discharge summary: fractured hip",
                "Memory clinic letter"
            ],
            "newest first"
        );
        assert_eq!(
            one(&root, "#documents .doc-link").get_attribute("href"),
            Some(format!(
                "/residents/{}/documents/{}",
                uuid::Uuid::from_u128(1),
                uuid::Uuid::from_u128(4)
            ))
        );
        assert_eq!(
            texts(&root, "#documents .doc-files"),
            vec!["1 file attached"]
        );

        // The latest discharge summary in full, its sections under their headings.
        assert_eq!(
            texts(&root, "#discharge h4"),
            vec!["Reason for admission", "Medicines on discharge"]
        );
        assert_eq!(
            texts(&root, "#discharge .doc-section .prose"),
            vec!["Fall at home.", "Hip pain.", "Amoxicillin"]
        );
        let link = one(&root, "#discharge a.attachment-link");
        assert_eq!(
            link.text_content().as_deref(),
            Some("PDF: Discharge letter (240 KB)")
        );
        assert_eq!(
            link.get_attribute("href").as_deref(),
            Some("/api/v1/attachments/att%201")
        );

        let warning = texts(&root, "[data-testid=awaiting-supply]");
        assert_eq!(
            warning,
            vec![
                "Warning: Not dispensed 10 days after it was prescribed (on 15 Nov). Check with \
                 the pharmacy or GP."
            ]
        );
        assert_eq!(
            texts(&root, "#medicines > ul > li h3"),
            vec!["Amoxicillin 500mg capsules"]
        );
        let stopped = one(&root, ".stopped-group");
        assert!(
            !stopped.has_attribute("open"),
            "stopped medicines start closed"
        );
        assert_eq!(
            texts(&root, ".stopped-group > summary"),
            vec!["Stopped medicines (1)"]
        );

        assert_eq!(texts(&root, "#reports .item-title"), vec!["Chest X-ray"]);
        assert!(
            texts(&root, "#stays .item p")
                .iter()
                .any(|t| t == "3 Nov to 12 Nov 2026 (9 days)")
        );

        // Abnormal results are marked in words as well as by the row's look.
        assert_eq!(count(&root, ".lab-row-abnormal"), 1);
        assert_eq!(texts(&root, ".lab-row .flag"), vec!["▲ High"]);

        // The server's Content Security Policy forbids inline styles.
        assert_eq!(count(&root, "[style]"), 0);
    }

    #[test]
    async fn offline_a_file_says_when_it_can_be_opened() {
        let root = show(record(), false).await;
        assert_eq!(count(&root, "a.attachment-link"), 0);
        assert_eq!(
            texts(&root, "#discharge .attachment-offline"),
            vec!["Available when the tablet is online"]
        );
        assert_eq!(
            texts(&root, "#discharge .attachment-name"),
            vec!["PDF: Discharge letter (240 KB)"]
        );
    }

    #[test]
    async fn a_file_the_server_does_not_have_says_so() {
        // The test page's server has no attachments: the fetch is answered 404.
        let root = show(record(), true).await;
        click(&root, "#discharge a.attachment-link").await;
        for _ in 0..100 {
            if count(&root, ".attachment-error") > 0 {
                break;
            }
            crate::test_support::settle().await;
        }
        assert_eq!(
            texts(&root, "#discharge .attachment-error"),
            vec!["The file is no longer available on the server."]
        );
        assert_eq!(
            one(&root, "#discharge .attachment-error")
                .get_attribute("role")
                .as_deref(),
            Some("alert")
        );
    }

    #[test]
    async fn in_hospital_before_the_hospital_sends_details() {
        let root = render::<Harness>(HarnessProps {
            entries: Entries(Rc::new(record())),
            online: true,
            in_hospital: true,
        })
        .await;
        assert!(
            texts(&root, "#hospital p")
                .iter()
                .any(|t| t.contains("details have not been received yet"))
        );
        // Not in hospital and no stay in progress: no such section.
        let root = show(record(), true).await;
        assert_eq!(count(&root, "#hospital"), 0);
        // A stay in progress shows where, whatever the home recorded.
        let mut entries = record();
        entries.push(entry(
            90,
            at(2026, 11, 21),
            EntryBody::HospitalStay {
                hospital: "St Thomas' Hospital".into(),
                ward: Some("Ward 7 (Elderly care)".into()),
                admitted_on: day(2026, 11, 21),
                reason: None,
                expected_discharge: None,
                discharged_on: None,
                status: StayStatus::InProgress,
            },
        ));
        let root = show(entries, true).await;
        assert_eq!(texts(&root, "#hospital h3"), vec!["St Thomas' Hospital"]);
        assert!(
            texts(&root, "#hospital p")
                .iter()
                .any(|t| t == "Ward: Ward 7 (Elderly care)")
        );
        // The stay in progress is not listed among the finished ones.
        assert_eq!(count(&root, "#stays .item"), 1);
    }

    #[test]
    async fn tapping_a_test_shows_its_trend_and_the_values() {
        let root = show(record(), true).await;
        assert_eq!(count(&root, ".trend-chart"), 0);
        let toggle = one(&root, ".lab-toggle");
        assert_eq!(
            toggle.get_attribute("aria-expanded").as_deref(),
            Some("false")
        );
        let controls = toggle
            .get_attribute("aria-controls")
            .expect("controls a row");
        assert!(one(&root, &format!("#{controls}")).has_attribute("hidden"));

        click(&root, ".lab-toggle").await;
        assert_eq!(
            one(&root, ".lab-toggle")
                .get_attribute("aria-expanded")
                .as_deref(),
            Some("true")
        );
        assert!(!one(&root, &format!("#{controls}")).has_attribute("hidden"));
        let chart = one(&root, ".trend-chart");
        assert_eq!(chart.get_attribute("role").as_deref(), Some("img"));
        // Named by the heading and described in words.
        let title_id = chart.get_attribute("aria-labelledby").expect("labelled");
        assert_eq!(
            texts(&root, &format!("#{title_id}")),
            vec!["Potassium over time (mmol/L)"]
        );
        let desc = texts(&root, ".trend-chart desc");
        assert_eq!(
            desc,
            vec![
                "3 results of Potassium, from 1 Nov 2026 to 9 Nov 2026. Latest 6.2 mmol/L, \
                 high. Lowest 4.1 mmol/L, highest 6.2 mmol/L. 2 flagged by the lab. Reference \
                 range 3.5–5.3."
            ]
        );
        // One normal point as a circle, two flagged ones as diamonds, the range as a band.
        assert_eq!(count(&chart, "circle.chart-point"), 1);
        assert_eq!(count(&chart, "path.chart-point-abnormal"), 2);
        assert_eq!(count(&chart, "rect.chart-band"), 1);
        assert_eq!(
            chart.namespace_uri().as_deref(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(
            chart.get_attribute("viewBox").as_deref(),
            Some("0 0 600 250")
        );
        // The text alternative lists every result, oldest first.
        assert_eq!(
            texts(&root, ".trend-values tbody td.lab-value"),
            vec!["4.1 mmol/L", "5.9 mmol/L", "6.2 mmol/L"]
        );
        assert_eq!(count(&root, "[style]"), 0);

        click(&root, ".lab-toggle").await;
        assert_eq!(count(&root, ".trend-chart"), 0);
    }

    /// A resident with a large record (230 entries, shaped like the demo's largest:
    /// mostly lab results and medicines) renders quickly. The budget is for a release
    /// build; debug builds (as `cargo test` makes) are several times slower, so they get
    /// a looser bound that still catches work that grows out of proportion.
    #[test]
    async fn a_large_record_renders_quickly() {
        let mut entries = record();
        let mut n = 1000u128;
        let mut next = || {
            n += 1;
            n
        };
        for test in 0..12u32 {
            for i in 0..9u32 {
                let when = at(2025, 1 + i, 1 + test);
                entries.push(entry(
                    next(),
                    when,
                    EntryBody::LabResult {
                        test: Concept::text(format!("Test {test}")),
                        value: LabValue::Quantity {
                            value: f64::from(i * 3 + test),
                            unit: "mmol/L".into(),
                        },
                        reference_range: Some(ReferenceRange {
                            low: Some(2.0),
                            high: Some(20.0),
                            text: None,
                        }),
                        flag: (i % 4 == 0).then_some(AbnormalFlag::High),
                        taken_at: when,
                        panel: Some("Panel".into()),
                    },
                ));
            }
        }
        for m in 0..15u32 {
            let name = format!("Medicine {m}");
            entries.push(order(next(), &name, MedicationStatus::Active));
            for k in 0..3u32 {
                entries.push(entry(
                    next(),
                    at(2026, 8 + k, 2),
                    EntryBody::MedicationSupply {
                        medicine: Concept::text(&name),
                        dispensed_on: day(2026, 8 + k, 2),
                        quantity: Some("28 tablets".into()),
                        dispenser: "High Street Pharmacy".into(),
                    },
                ));
            }
        }
        for c in 0..12u32 {
            entries.push(entry(
                next(),
                at(2020, 1 + c, 1),
                EntryBody::Condition {
                    name: Concept::text(format!("Condition {c}")),
                    clinical_status: ClinicalStatus::Active,
                    onset: Some(day(2020, 1 + c, 1)),
                    note: Some("Monitored.".into()),
                },
            ));
        }
        for d in 0..6u32 {
            entries.push(document(
                next(),
                DocumentType::DischargeSummary,
                &format!("Letter {d}"),
                day(2024, 1 + d, 10),
                vec![],
            ));
        }
        for a in 0..8u32 {
            entries.push(entry(
                next(),
                at(2026, 1, 1 + a),
                EntryBody::CarePlanSection {
                    area: format!("Area {a}"),
                    need: "A need.".into(),
                    goal: "A goal.".into(),
                    support: "How to support.\n\nMore.".into(),
                    preferences: None,
                    review_on: Some(day(2026, 12, 1)),
                },
            ));
        }
        for k in 0..20u32 {
            entries.push(entry(
                next(),
                at(2026, 10, 1 + k),
                EntryBody::CareNote {
                    category: bedside_domain::record::NoteCategory::Social,
                    text: "Enjoyed the music session.".into(),
                },
            ));
        }
        let total = entries.len();
        assert!(total > 220, "{total}");
        // The first render of the page compiles its code in the browser: warm up on a
        // small record, as a tablet has by the time staff open a second resident.
        show(record(), true).await;
        let started = js_sys::Date::now();
        let root = render_now::<Harness>(HarnessProps {
            entries: Entries(Rc::new(entries)),
            online: true,
            in_hospital: false,
        })
        .await;
        let took = js_sys::Date::now() - started;
        assert_eq!(count(&root, ".lab-row"), 13);
        assert_eq!(count(&root, "#medicines > ul > li"), 16);
        let budget = if cfg!(debug_assertions) { 500.0 } else { 100.0 };
        assert!(took < budget, "{total} entries took {took} ms to render");
    }
}
