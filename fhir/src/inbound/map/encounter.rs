//! Encounter → a hospital stay (inpatient, acute, non-acute, emergency, short stay);
//! other encounters (clinic, home visit, virtual) are not modelled.

use bedside_domain::record::{EntryBody, StayStatus};

use super::super::cx::Cx;
use super::super::time::TimeKind;
use super::super::types::Meaning;
use super::codes::V3_ACT_CODE;
use crate::outcome::IssueType;

const STATUS: &[&str] = &[
    "planned",
    "arrived",
    "triaged",
    "in-progress",
    "onleave",
    "finished",
    "cancelled",
    "entered-in-error",
    "unknown",
];
/// v3 ActCode classes that are a stay in hospital.
const HOSPITAL_CLASSES: &[&str] = &["IMP", "ACUTE", "NONAC", "EMER", "SS"];

use crate::PLANNED_END_EXTENSION;

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the encounter's status");
    let status = cx.r.code(&root, "status", STATUS);
    cx.r.require(&root, "class", "the kind of encounter (a Coding)");
    let class = cx.r.coding_child(&root, "class");
    let subject = cx.subject("subject", false);
    let period = cx.r.period(&root, "period");
    let reasons: Vec<String> =
        cx.r.ccs(&root, "reasonCode")
            .iter()
            .filter_map(|c| c.label().map(str::to_owned))
            .collect();
    let provider = cx.r.reference(&root, "serviceProvider");
    let mut ward = None;
    for loc in cx.r.objects(&root, "location") {
        cx.r.require(&loc, "location", "the Location");
        if let Some(l) = cx.r.reference(&loc, "location")
            && ward.is_none()
        {
            ward = Some(l);
        }
    }
    let mut expected = None;
    for ext in cx.r.objects(&root, "extension") {
        if cx.r.string(&ext, "url") == Some(PLANNED_END_EXTENSION) {
            expected =
                cx.r.time(&ext, "valueDateTime", TimeKind::DateTime)
                    .or_else(|| cx.r.time(&ext, "valueDate", TimeKind::Date));
        }
    }
    let (Some(status), Some(class)) = (status, class) else {
        return Meaning::NotModelled;
    };
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    if matches!(status, "cancelled" | "entered-in-error") {
        return Meaning::Retracted { subject };
    }
    let in_hospital = class.system.is_none_or(|s| s == V3_ACT_CODE)
        && class.code.is_some_and(|c| HOSPITAL_CLASSES.contains(&c));
    if !in_hospital {
        return cx.not_modelled(
            Some(root.at("class")),
            "only hospital stays (inpatient, acute, emergency, short stay) are shown",
        );
    }
    let stay_status = match status {
        "in-progress" | "arrived" | "triaged" | "onleave" => StayStatus::InProgress,
        "finished" => StayStatus::Finished,
        other => {
            return cx.not_modelled(
                Some(root.at("status")),
                format!("a {other} encounter is not a stay that has begun"),
            );
        }
    };
    let admitted_on = match period.and_then(|p| p.start).and_then(|w| w.date()) {
        Some(d) => d,
        None => match cx.last_updated {
            // Being in hospital must show even when the sender left the date out.
            Some(t) if stay_status == StayStatus::InProgress => {
                cx.r.warn(
                    IssueType::Required,
                    root.at("period.start"),
                    "the admission date was not sent: the date the record was last updated is shown instead",
                );
                t.date_naive()
            }
            _ => {
                return cx.not_modelled(
                    Some(root.at("period.start")),
                    "a hospital stay without an admission date (period.start) cannot be placed in the record",
                );
            }
        },
    };
    let hospital = provider
        .as_ref()
        .and_then(|p| cx.name_of(p))
        .unwrap_or_else(|| cx.ctx.source_name.to_owned());
    let ward = ward.as_ref().and_then(|w| cx.name_of(w));
    let discharged_on = match stay_status {
        StayStatus::Finished => period.and_then(|p| p.end).and_then(|w| w.date()),
        StayStatus::InProgress => None,
    };
    let body = EntryBody::HospitalStay {
        hospital,
        ward,
        admitted_on,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        expected_discharge: expected.and_then(|w| w.date()),
        discharged_on,
        status: stay_status,
    };
    let authored_at = cx.authored(None);
    Cx::record(subject, body, authored_at, None)
}
