//! Observation → a lab result; a group of results (members, no value) is supporting;
//! vital signs and scores are not modelled yet (home-recorded observations come later).

use bedside_domain::record::{AbnormalFlag, EntryBody, LabValue, ReferenceRange};

use super::super::cx::Cx;
use super::super::read::{Cc, Node};
use super::super::time::TimeKind;
use super::super::types::Meaning;
use super::codes::{LOINC, LOINC_VITAL_SIGNS, OBSERVATION_CATEGORY, SNOMED};

const STATUS: &[&str] = &[
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
];

/// Categories that are not lab results even when a LOINC code could be.
const NOT_LAB_CATEGORIES: &[&str] = &[
    "vital-signs",
    "survey",
    "social-history",
    "exam",
    "activity",
    "therapy",
    "imaging",
    "procedure",
];

const VALUE_TYPES: &[&str] = &[
    "Quantity",
    "CodeableConcept",
    "String",
    "Boolean",
    "Integer",
    "Range",
    "Ratio",
    "SampledData",
    "Time",
    "DateTime",
    "Period",
];

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the result's status");
    let status = cx.r.code(&root, "status", STATUS);
    let categories = cx.r.ccs(&root, "category");
    cx.r.require(&root, "code", "what was observed");
    let code = cx.r.cc(&root, "code");
    let subject = cx.subject("subject", false);
    cx.r.one_of(
        &root,
        "effective",
        &["DateTime", "Period", "Timing", "Instant"],
    );
    let effective = cx.time("effectiveDateTime", TimeKind::DateTime);
    let effective_period = cx.r.period(&root, "effectivePeriod");
    let effective_instant = cx.time("effectiveInstant", TimeKind::Instant);
    let issued = cx.time("issued", TimeKind::Instant);
    cx.r.one_of(&root, "value", VALUE_TYPES);
    let value = value(cx, &root);
    let absent = cx.r.cc(&root, "dataAbsentReason");
    let interpretation = cx.r.ccs(&root, "interpretation");
    let range = reference_range(cx, &root);
    let members = cx.r.references(&root, "hasMember");
    let performers = cx.r.references(&root, "performer");
    cx.r.objects(&root, "component");
    let (Some(status), Some(code)) = (status, code) else {
        return Meaning::NotModelled;
    };
    let is_group = !members.is_empty() && value.is_none();
    if is_group {
        return if status == "entered-in-error" {
            subject.map_or(Meaning::NotModelled, |subject| Meaning::Retracted {
                subject,
            })
        } else {
            Meaning::Supporting
        };
    }
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    if status == "entered-in-error" {
        return Meaning::Retracted { subject };
    }
    if !is_lab(&categories, &code) {
        return cx.not_modelled(
            None,
            "vital signs, scores and other observations that are not lab results are not shown yet",
        );
    }
    if status == "cancelled" {
        return cx.not_modelled(Some(root.at("status")), "a cancelled test has no result");
    }
    let value = match (value, absent) {
        (Some(v), _) => v,
        (None, Some(reason)) => LabValue::Text {
            text: format!(
                "No result: {}",
                reason.label().unwrap_or("reason not given")
            ),
        },
        (None, None) => {
            return cx.not_modelled(
                Some(root.at("value[x]")),
                "a lab observation without a value (or a data-absent reason) has nothing to show",
            );
        }
    };
    let Some(test) = code.concept(&[LOINC, SNOMED]) else {
        return cx.not_modelled(
            Some(root.at("code")),
            "the test is not named (no text, display or code)",
        );
    };
    let taken = effective
        .or(effective_period.and_then(|p| p.start))
        .or(effective_instant)
        .or(issued);
    let Some(taken_at) = taken.and_then(|w| w.start_utc()) else {
        return cx.not_modelled(
            Some(root.at("effective[x]")),
            "a lab result without a time (effective[x] or issued) cannot be placed in the record or a trend",
        );
    };
    let author = performers.iter().find_map(|p| cx.author_of(p));
    let body = EntryBody::LabResult {
        test,
        value,
        reference_range: range,
        flag: flag(&interpretation),
        taken_at,
        panel: None,
    };
    let authored_at = cx.authored(issued.or(taken));
    Cx::record(subject, body, authored_at, author)
}

/// A lab result by its category, or by a LOINC code when the sender gave no category
/// that says otherwise (and it is not a vital sign's code).
fn is_lab(categories: &[Cc<'_>], code: &Cc<'_>) -> bool {
    let category_codes: Vec<&str> = categories
        .iter()
        .flat_map(|c| c.coding.iter())
        .filter(|c| c.system == Some(OBSERVATION_CATEGORY))
        .filter_map(|c| c.code)
        .collect();
    if category_codes.contains(&"laboratory") {
        return true;
    }
    if category_codes
        .iter()
        .any(|c| NOT_LAB_CATEGORIES.contains(c))
    {
        return false;
    }
    code.coding
        .iter()
        .any(|c| c.system == Some(LOINC) && c.code.is_some_and(|x| !LOINC_VITAL_SIGNS.contains(&x)))
}

fn value(cx: &mut Cx<'_, '_>, root: &Node<'_>) -> Option<LabValue> {
    if let Some(q) = cx.r.quantity(root, "valueQuantity") {
        let unit = q.unit_text().unwrap_or("").to_owned();
        let v = q.value?;
        // "< 5" is not the number 5: keep the comparator by showing it as text.
        return Some(match q.comparator {
            Some(c) => LabValue::Text {
                text: format!("{c} {} {unit}", crate::number_text(v))
                    .trim()
                    .to_owned(),
            },
            None => LabValue::Quantity { value: v, unit },
        });
    }
    if let Some(s) = cx.r.string(root, "valueString") {
        return Some(LabValue::Text { text: s.to_owned() });
    }
    if let Some(cc) = cx.r.cc(root, "valueCodeableConcept") {
        return cc.label().map(|t| LabValue::Text { text: t.to_owned() });
    }
    if let Some(i) = cx.r.number(root, "valueInteger") {
        return Some(LabValue::Quantity {
            value: i,
            unit: String::new(),
        });
    }
    if let Some(b) = cx.r.boolean(root, "valueBoolean") {
        return Some(LabValue::Text {
            text: if b { "Yes" } else { "No" }.to_owned(),
        });
    }
    None
}

fn reference_range(cx: &mut Cx<'_, '_>, root: &Node<'_>) -> Option<ReferenceRange> {
    let ranges = cx.r.objects(root, "referenceRange");
    let mut first = None;
    for r in &ranges {
        let low = cx.r.quantity(r, "low").and_then(|q| q.value);
        let high = cx.r.quantity(r, "high").and_then(|q| q.value);
        let text = cx.r.string(r, "text").map(str::to_owned);
        if first.is_none() && (low.is_some() || high.is_some() || text.is_some()) {
            first = Some(ReferenceRange { low, high, text });
        }
    }
    first
}

/// The lab's own flag, from the v3 ObservationInterpretation (or v2 table 0078) codes.
fn flag(interpretation: &[Cc<'_>]) -> Option<AbnormalFlag> {
    interpretation
        .iter()
        .flat_map(|c| c.coding.iter())
        .find_map(|c| {
            let system = c.system?;
            if !(system.ends_with("ObservationInterpretation") || system.ends_with("0078")) {
                return None;
            }
            Some(match c.code? {
                "N" => AbnormalFlag::Normal,
                "L" | "LU" => AbnormalFlag::Low,
                "H" | "HU" => AbnormalFlag::High,
                "LL" => AbnormalFlag::CriticalLow,
                "HH" => AbnormalFlag::CriticalHigh,
                "A" | "AA" => AbnormalFlag::Abnormal,
                _ => return None,
            })
        })
}
