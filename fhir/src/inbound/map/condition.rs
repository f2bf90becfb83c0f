//! Condition → a condition (problem, diagnosis), or a retraction.

use bedside_domain::record::{ClinicalStatus, EntryBody};

use super::super::cx::Cx;
use super::super::time::TimeKind;
use super::super::types::Meaning;
use super::check_code;
use super::codes::{CONDITION_CLINICAL, CONDITION_VERIFICATION, DMD, SNOMED};

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    let subject = cx.subject("subject", true);
    let clinical = cx.r.cc(&root, "clinicalStatus");
    let verification = cx.r.cc(&root, "verificationStatus");
    check_code(
        cx,
        "clinicalStatus",
        clinical.as_ref(),
        CONDITION_CLINICAL,
        &[
            "active",
            "recurrence",
            "relapse",
            "inactive",
            "remission",
            "resolved",
        ],
    );
    check_code(
        cx,
        "verificationStatus",
        verification.as_ref(),
        CONDITION_VERIFICATION,
        &[
            "unconfirmed",
            "provisional",
            "differential",
            "confirmed",
            "refuted",
            "entered-in-error",
        ],
    );
    let code = cx.r.cc(&root, "code");
    cx.r.one_of(
        &root,
        "onset",
        &["DateTime", "Age", "Period", "Range", "String"],
    );
    let onset = cx.time("onsetDateTime", TimeKind::DateTime);
    let onset_period = cx.r.period(&root, "onsetPeriod");
    let abated = [
        "abatementDateTime",
        "abatementAge",
        "abatementPeriod",
        "abatementRange",
        "abatementString",
        "abatementBoolean",
    ]
    .iter()
    .any(|n| root.raw(n).is_some());
    cx.time("abatementDateTime", TimeKind::DateTime);
    let recorded = cx.time("recordedDate", TimeKind::DateTime);
    let recorder = cx.r.reference(&root, "recorder");
    let asserter = cx.r.reference(&root, "asserter");
    let notes: Vec<String> =
        cx.r.objects(&root, "note")
            .iter()
            .filter_map(|n| cx.r.string(n, "text").map(str::to_owned))
            .collect();
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    let verification_code = verification
        .as_ref()
        .and_then(|v| v.code_in(CONDITION_VERIFICATION));
    if matches!(verification_code, Some("entered-in-error" | "refuted")) {
        return Meaning::Retracted { subject };
    }
    let Some(name) = code.as_ref().and_then(|c| c.concept(&[SNOMED, DMD])) else {
        return cx.not_modelled(
            Some(root.at("code")),
            "a condition without a code or text naming it cannot be shown",
        );
    };
    // The rule when the sender leaves the clinical status out: resolved if it says the
    // condition abated, otherwise active. Showing a condition that may be over is safer
    // than hiding one that is not.
    let clinical_status = match clinical
        .as_ref()
        .and_then(|c| c.code_in(CONDITION_CLINICAL))
    {
        Some("inactive" | "remission") => ClinicalStatus::Inactive,
        Some("resolved") => ClinicalStatus::Resolved,
        Some(_) => ClinicalStatus::Active,
        None if abated => ClinicalStatus::Resolved,
        None => ClinicalStatus::Active,
    };
    let mut note = (!notes.is_empty()).then(|| notes.join("\n\n"));
    // Not-yet-confirmed diagnoses are shown, and say so.
    if let Some(v @ ("unconfirmed" | "provisional" | "differential")) = verification_code {
        let flag = format!("Not confirmed ({v}).");
        note = Some(match note {
            Some(n) => format!("{flag}\n\n{n}"),
            None => flag,
        });
    }
    let onset_date = onset
        .and_then(|w| w.date())
        .or_else(|| onset_period.and_then(|p| p.start).and_then(|w| w.date()));
    let authored_at = cx.authored(recorded);
    let author = recorder
        .as_ref()
        .and_then(|r| cx.author_of(r))
        .or_else(|| asserter.as_ref().and_then(|r| cx.author_of(r)));
    let body = EntryBody::Condition {
        name,
        clinical_status,
        onset: onset_date,
        note,
    };
    Cx::record(subject, body, authored_at, author)
}
