//! AllergyIntolerance → an allergy, a "no known allergies" statement, or a retraction.

use bedside_domain::record::{ClinicalStatus, Concept, EntryBody, Severity};

use super::super::cx::Cx;
use super::super::read::Cc;
use super::super::time::TimeKind;
use super::super::types::Meaning;
use super::check_code;
use super::codes::{
    ALLERGY_CLINICAL, ALLERGY_VERIFICATION, DMD, NO_KNOWN_ALLERGY, NO_KNOWN_NARROWER, SNOMED,
    TRANSFER_DEGRADED,
};
use crate::outcome::IssueType;

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    let subject = cx.subject("patient", true);
    let clinical = cx.r.cc(&root, "clinicalStatus");
    let verification = cx.r.cc(&root, "verificationStatus");
    check_code(
        cx,
        "clinicalStatus",
        clinical.as_ref(),
        ALLERGY_CLINICAL,
        &["active", "inactive", "resolved"],
    );
    check_code(
        cx,
        "verificationStatus",
        verification.as_ref(),
        ALLERGY_VERIFICATION,
        &["unconfirmed", "confirmed", "refuted", "entered-in-error"],
    );
    let code = cx.r.cc(&root, "code");
    let recorded = cx.time("recordedDate", TimeKind::DateTime);
    let onset = cx.time("onsetDateTime", TimeKind::DateTime);
    let recorder = cx.r.reference(&root, "recorder");
    let asserter = cx.r.reference(&root, "asserter");
    let mut manifestations: Vec<String> = Vec::new();
    let mut severity: Option<Severity> = None;
    for reaction in cx.r.objects(&root, "reaction") {
        for m in cx.r.ccs(&reaction, "manifestation") {
            if let Some(t) = m.label()
                && !manifestations.iter().any(|x| x.eq_ignore_ascii_case(t))
            {
                manifestations.push(t.to_owned());
            }
        }
        let s = match cx
            .r
            .code(&reaction, "severity", &["mild", "moderate", "severe"])
        {
            Some("mild") => Some(Severity::Mild),
            Some("moderate") => Some(Severity::Moderate),
            Some("severe") => Some(Severity::Severe),
            _ => None,
        };
        // The worst reaction is the one to know about.
        severity = match (severity, s) {
            (Some(a), Some(b)) => Some(worst(a, b)),
            (a, b) => a.or(b),
        };
    }
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    if verification
        .as_ref()
        .is_some_and(|v| v.has_any(ALLERGY_VERIFICATION, &["entered-in-error", "refuted"]))
    {
        return Meaning::Retracted { subject };
    }
    let clinical_status = match clinical.as_ref().and_then(|c| c.code_in(ALLERGY_CLINICAL)) {
        Some("inactive") => ClinicalStatus::Inactive,
        Some("resolved") => ClinicalStatus::Resolved,
        // Absent (R4 only allows that when entered in error) is shown as active: hiding
        // an allergy is the unsafe mistake.
        _ => ClinicalStatus::Active,
    };
    let authored_at = cx.authored(recorded.or(onset));
    let author = recorder
        .as_ref()
        .and_then(|r| cx.author_of(r))
        .or_else(|| asserter.as_ref().and_then(|r| cx.author_of(r)));
    let Some(code) = code else {
        return cx.not_modelled(
            Some(root.at("code")),
            "an allergy without a code or text naming the substance cannot be shown",
        );
    };
    if code.has(SNOMED, NO_KNOWN_ALLERGY) {
        if clinical_status != ClinicalStatus::Active {
            return cx.not_modelled(
                Some(root.at("clinicalStatus")),
                "a \"no known allergies\" statement that is no longer active says nothing current",
            );
        }
        return Cx::record(subject, EntryBody::NoKnownAllergies {}, authored_at, author);
    }
    if let Some((_, name)) = NO_KNOWN_NARROWER.iter().find(|(c, _)| code.has(SNOMED, c)) {
        return cx.not_modelled(
            Some(root.at("code")),
            format!(
                "\"{name}\" is not the same as no known allergies (other allergies may exist), so it is not shown as such; send SNOMED CT 716186003 for no known allergies"
            ),
        );
    }
    if looks_like_no_known(&code) {
        return cx.not_modelled(
            Some(root.at("code")),
            "the text says there are no known allergies but no code says so: send SNOMED CT 716186003",
        );
    }
    let Some(substance) = substance(cx, &code) else {
        return cx.not_modelled(
            Some(root.at("code")),
            "an allergy without a code or text naming the substance cannot be shown",
        );
    };
    let body = EntryBody::Allergy {
        substance,
        reaction: (!manifestations.is_empty()).then(|| manifestations.join("; ")),
        severity,
        clinical_status,
    };
    Cx::record(subject, body, authored_at, author)
}

fn worst(a: Severity, b: Severity) -> Severity {
    let rank = |s: Severity| match s {
        Severity::Mild => 0,
        Severity::Moderate => 1,
        Severity::Severe => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn looks_like_no_known(code: &Cc<'_>) -> bool {
    let words = code.words().to_lowercase();
    words.contains("no known")
        || words
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "nka" || w == "nkda")
}

/// The substance: SNOMED CT (or dm+d) coded when it was. A GP2GP transfer-degraded
/// record keeps the substance in its text, as "code | name".
fn substance(cx: &mut Cx<'_, '_>, code: &Cc<'_>) -> Option<Concept> {
    if code.has_any(SNOMED, TRANSFER_DEGRADED) {
        let text = code.text?;
        let name = match text.split_once('|') {
            Some((left, right)) if left.trim().chars().all(|c| c.is_ascii_digit()) => right.trim(),
            _ => text.trim(),
        };
        let path = cx.root.at("code");
        cx.r.warn(
            IssueType::Informational,
            path,
            "a transfer-degraded allergy record: the substance is taken from the text",
        );
        return (!name.is_empty()).then(|| Concept::text(name));
    }
    code.concept(&[SNOMED, DMD])
}
