//! The medicines part of a resident's summary: each medicine being taken with where its
//! prescription and supply stand, a warning when the pharmacy has not supplied it a week
//! after it was prescribed, and the medicines no longer taken in a closed group.

use bedside_domain::record::Entry;
use bedside_domain::summary::{MedicationLine, medication_lines};
use chrono::{Datelike, NaiveDate};
use yew::prelude::*;

use crate::components::source::SourceLine;
use crate::present::{
    SupplyWait, dispensed_text, medication_status_text, prescribed_text, supply_wait,
};
use crate::select::split_medicines;

/// A warning triangle. Decoration only: the words beside it say "Warning".
fn warning_icon() -> Html {
    html! {
        <svg class="icon icon-warning" viewBox="0 0 24 24" width="24" height="24"
            aria-hidden="true" focusable="false">
            <path class="icon-warning-shape" d="M12 2 L23 21 H1 Z" />
            <path class="icon-warning-mark" d="M11 8 H13 V15 H11 Z M11 17 H13 V19 H11 Z" />
        </svg>
    }
}

fn medicine_item(line: &MedicationLine<'_>, today: NaiveDate) -> Html {
    let year = today.year();
    let wait = supply_wait(line, today);
    html! {
        <li class="item med-item">
            <h3 class="item-title">{ line.medicine.text.clone() }</h3>
            { match wait {
                Some(SupplyWait::Warning(words)) => html! {
                    <p class="warning supply-warning" role="note" data-testid="awaiting-supply">
                        { warning_icon() }
                        <span><strong>{ "Warning: " }</strong>{ words }</span>
                    </p>
                },
                Some(SupplyWait::Note(words)) => html! {
                    <p class="supply-note" data-testid="awaiting-supply-note">{ words }</p>
                },
                None => html! {},
            } }
            if let Some(status) = medication_status_text(line.status) {
                <p class="med-status">{ status }</p>
            }
            <p class="dosage">
                { line.dosage.map(str::to_owned).unwrap_or_else(|| "Dosage: Not recorded".to_owned()) }
            </p>
            <p>{ prescribed_text(line, year) }</p>
            <p>{ dispensed_text(line, year) }</p>
            <SourceLine provenance={line.order.provenance.clone()} />
        </li>
    }
}

/// The medicines section's content.
pub fn medicines_body(entries: &[Entry], today: NaiveDate) -> Html {
    let (taking, stopped) = split_medicines(medication_lines(entries));
    let overdue: Vec<&str> = taking
        .iter()
        .filter(|l| matches!(supply_wait(l, today), Some(SupplyWait::Warning(_))))
        .map(|l| l.medicine.text.as_str())
        .collect();
    html! {
        <>
            // Seen at the top of a long list, before scrolling to the medicine itself.
            if !overdue.is_empty() {
                <p class="warning" role="note">
                    { warning_icon() }
                    <span>
                        <strong>{ "Warning: " }</strong>
                        { format!(
                            "{} not dispensed a week or more after prescribing: {}.",
                            if overdue.len() == 1 {
                                "1 medicine".to_owned()
                            } else {
                                format!("{} medicines", overdue.len())
                            },
                            overdue.join(", ")
                        ) }
                    </span>
                </p>
            }
            if taking.is_empty() && stopped.is_empty() {
                <p class="not-recorded">{ "Not recorded" }</p>
            } else if taking.is_empty() {
                <p class="not-recorded">{ "No current medicines recorded" }</p>
            } else {
                <ul class="items">
                    { for taking.iter().map(|l| medicine_item(l, today)) }
                </ul>
            }
            if !stopped.is_empty() {
                <details class="stopped-group">
                    <summary>{ format!("Stopped medicines ({})", stopped.len()) }</summary>
                    <ul class="items">
                        { for stopped.iter().map(|l| medicine_item(l, today)) }
                    </ul>
                </details>
            }
        </>
    }
}
