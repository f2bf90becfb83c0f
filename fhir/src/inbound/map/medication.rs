//! MedicationRequest and MedicationStatement → medication orders; MedicationDispense →
//! supplies. The medicine is worked out the same way for all three, so an order and its
//! supplies share a [`Concept::key`] and the tablet joins them into one line.

use bedside_domain::record::{Concept, EntryBody, MedicationStatus};
use serde_json::Value;

use super::super::cx::Cx;
use super::super::read::{Cc, Node};
use super::super::time::{TimeKind, When};
use super::super::types::Meaning;
use super::codes::{DMD, SNOMED};

const REQUEST_STATUS: &[&str] = &[
    "active",
    "on-hold",
    "cancelled",
    "completed",
    "entered-in-error",
    "stopped",
    "draft",
    "unknown",
];
const REQUEST_INTENT: &[&str] = &[
    "proposal",
    "plan",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
];
const STATEMENT_STATUS: &[&str] = &[
    "active",
    "completed",
    "entered-in-error",
    "intended",
    "stopped",
    "on-hold",
    "unknown",
    "not-taken",
];
const DISPENSE_STATUS: &[&str] = &[
    "preparation",
    "in-progress",
    "cancelled",
    "on-hold",
    "completed",
    "entered-in-error",
    "stopped",
    "declined",
    "unknown",
];

/// The medicine: dm+d coded when it was (else SNOMED CT, else the first coding), named by
/// the sender's text or the coding's display. `medicationReference` is resolved to the
/// Medication's code, else its display.
fn medicine(cx: &mut Cx<'_, '_>) -> Option<Concept> {
    let root = cx.root.clone();
    cx.r.one_of(&root, "medication", &["CodeableConcept", "Reference"]);
    if let Some(cc) = cx.r.cc(&root, "medicationCodeableConcept") {
        return cc.concept(&[DMD, SNOMED]);
    }
    let r = cx.r.reference(&root, "medicationReference")?;
    let resolved = cx.resolve_ref(&r).map(|m| medication_code(&m));
    resolved.flatten().or_else(|| r.display.map(Concept::text))
}

/// A Medication resource's code, read leniently (it is checked when it is received).
fn medication_code(m: &Value) -> Option<Concept> {
    let code = m.get("code")?;
    let coding = code
        .get("coding")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| super::super::read::Coding {
                    system: c.get("system").and_then(Value::as_str),
                    code: c.get("code").and_then(Value::as_str),
                    display: c.get("display").and_then(Value::as_str),
                })
                .collect()
        })
        .unwrap_or_default();
    Cc {
        coding,
        text: code.get("text").and_then(Value::as_str),
    }
    .concept(&[DMD, SNOMED])
}

/// Dosage text: the sender's words, else built from the structured dose and timing.
fn dosage(cx: &mut Cx<'_, '_>, list: &str) -> Option<String> {
    let root = cx.root.clone();
    let dosages = cx.r.objects(&root, list);
    let mut texts = Vec::new();
    for d in &dosages {
        let text = cx.r.string(d, "text").map(str::to_owned);
        let built = built_dosage(cx, d);
        if let Some(t) = text.or(built) {
            texts.push(t);
        }
    }
    (!texts.is_empty()).then(|| texts.join("; then "))
}

fn built_dosage(cx: &mut Cx<'_, '_>, d: &Node<'_>) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for dr in cx.r.objects(d, "doseAndRate") {
        if let Some(q) = cx.r.quantity(&dr, "doseQuantity")
            && let Some(v) = q.value
        {
            parts.push(match q.unit_text() {
                Some(u) => format!("{} {u}", crate::number_text(v)),
                None => crate::number_text(v),
            });
            break;
        }
    }
    if let Some(timing) = cx.r.object(d, "timing") {
        if let Some(code) = cx.r.cc(&timing, "code")
            && let Some(l) = code.label()
        {
            parts.push(l.to_owned());
        } else if let Some(rep) = cx.r.object(&timing, "repeat") {
            let freq = cx.r.number(&rep, "frequency");
            let period = cx.r.number(&rep, "period");
            let unit =
                cx.r.code(&rep, "periodUnit", &["s", "min", "h", "d", "wk", "mo", "a"]);
            if let (Some(f), Some(p), Some(u)) = (freq, period, unit) {
                let unit_word = match u {
                    "s" => "second",
                    "min" => "minute",
                    "h" => "hour",
                    "d" => "day",
                    "wk" => "week",
                    "mo" => "month",
                    _ => "year",
                };
                let times = match f as i64 {
                    1 => "once".to_owned(),
                    2 => "twice".to_owned(),
                    n => format!("{n} times"),
                };
                let every = if p == 1.0 {
                    format!("a {unit_word}")
                } else {
                    format!("every {} {unit_word}s", crate::number_text(p))
                };
                parts.push(format!("{times} {every}"));
            }
        }
    }
    if let Some(route) = cx.r.cc(d, "route")
        && let Some(l) = route.label()
    {
        parts.push(l.to_lowercase());
    }
    if cx.r.boolean(d, "asNeededBoolean") == Some(true) {
        parts.push("when required".to_owned());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

pub(super) fn request(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the prescription's status");
    let status = cx.r.code(&root, "status", REQUEST_STATUS);
    cx.r.require(&root, "intent", "what kind of request it is");
    let intent = cx.r.code(&root, "intent", REQUEST_INTENT);
    let subject = cx.subject("subject", true);
    let has_medicine =
        cx.r.require_choice(&root, "medication", &["CodeableConcept", "Reference"]);
    let medicine = medicine(cx);
    let authored_on = cx.time("authoredOn", TimeKind::DateTime);
    let requester = cx.r.reference(&root, "requester");
    let recorder = cx.r.reference(&root, "recorder");
    let dosage = dosage(cx, "dosageInstruction");
    let (Some(subject), Some(status), Some(intent), true) = (subject, status, intent, has_medicine)
    else {
        return Meaning::NotModelled;
    };
    let status = match status {
        "entered-in-error" => return Meaning::Retracted { subject },
        "active" => MedicationStatus::Active,
        "on-hold" => MedicationStatus::OnHold,
        "completed" => MedicationStatus::Completed,
        // A cancelled prescription is not being taken.
        "stopped" | "cancelled" => MedicationStatus::Stopped,
        other => {
            return cx.not_modelled(
                Some(root.at("status")),
                format!("a {other} prescription is not (yet) a decision to give the medicine"),
            );
        }
    };
    if intent == "proposal" {
        return cx.not_modelled(
            Some(root.at("intent")),
            "a proposed medicine is a suggestion, not a prescription",
        );
    }
    order(
        cx,
        subject,
        medicine,
        dosage,
        authored_on,
        requester.as_ref().and_then(|r| cx.name_of(r)),
        recorder.as_ref().and_then(|r| cx.author_of(r)),
        status,
    )
}

#[allow(clippy::too_many_arguments)]
fn order(
    cx: &mut Cx<'_, '_>,
    subject: super::super::types::Reference,
    medicine: Option<Concept>,
    dosage: Option<String>,
    on: Option<When>,
    prescriber: Option<String>,
    author: Option<String>,
    status: MedicationStatus,
) -> Meaning {
    let root = cx.root.clone();
    let Some(medicine) = medicine else {
        return cx.not_modelled(
            Some(root.at("medication[x]")),
            "the medicine is not named (no text, display or code)",
        );
    };
    let authored_at = cx.authored(on);
    let Some(prescribed_on) = on
        .and_then(|w| w.date())
        .or_else(|| authored_at.map(|t| t.date_naive()))
    else {
        return cx.not_modelled(
            None,
            "it does not say when the medicine was prescribed, so it cannot be placed in the record",
        );
    };
    let body = EntryBody::MedicationOrder {
        medicine,
        dosage,
        prescribed_on,
        prescriber,
        status,
    };
    Cx::record(subject, body, authored_at, author)
}

pub(super) fn statement(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "whether the medicine is being taken");
    let status = cx.r.code(&root, "status", STATEMENT_STATUS);
    let subject = cx.subject("subject", true);
    let has_medicine =
        cx.r.require_choice(&root, "medication", &["CodeableConcept", "Reference"]);
    let medicine = medicine(cx);
    cx.r.one_of(&root, "effective", &["DateTime", "Period"]);
    let effective = cx.time("effectiveDateTime", TimeKind::DateTime);
    let period = cx.r.period(&root, "effectivePeriod");
    let asserted = cx.time("dateAsserted", TimeKind::DateTime);
    let source = cx.r.reference(&root, "informationSource");
    let dosage = dosage(cx, "dosage");
    let (Some(subject), Some(status), true) = (subject, status, has_medicine) else {
        return Meaning::NotModelled;
    };
    let status = match status {
        "entered-in-error" => return Meaning::Retracted { subject },
        "active" => MedicationStatus::Active,
        "on-hold" => MedicationStatus::OnHold,
        "completed" => MedicationStatus::Completed,
        "stopped" => MedicationStatus::Stopped,
        other => {
            return cx.not_modelled(
                Some(root.at("status")),
                format!("a medicine with status {other} is not one the person is taking or took"),
            );
        }
    };
    let on = effective.or(period.and_then(|p| p.start)).or(asserted);
    let author = source.as_ref().and_then(|r| cx.author_of(r));
    let Some(medicine) = medicine else {
        return cx.not_modelled(
            Some(root.at("medication[x]")),
            "the medicine is not named (no text, display or code)",
        );
    };
    let authored_at = cx.authored(asserted.or(on));
    let Some(prescribed_on) = on
        .and_then(|w| w.date())
        .or_else(|| authored_at.map(|t| t.date_naive()))
    else {
        return cx.not_modelled(
            None,
            "it does not say when, so it cannot be placed in the record",
        );
    };
    let body = EntryBody::MedicationOrder {
        medicine,
        dosage,
        prescribed_on,
        prescriber: None,
        status,
    };
    Cx::record(subject, body, authored_at, author)
}

pub(super) fn dispense(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the supply's status");
    let status = cx.r.code(&root, "status", DISPENSE_STATUS);
    let has_medicine =
        cx.r.require_choice(&root, "medication", &["CodeableConcept", "Reference"]);
    let medicine = medicine(cx);
    let subject = cx.subject("subject", false);
    let prepared = cx.time("whenPrepared", TimeKind::DateTime);
    let handed = cx.time("whenHandedOver", TimeKind::DateTime);
    let quantity = cx.r.quantity(&root, "quantity");
    let mut performers = Vec::new();
    for p in cx.r.objects(&root, "performer") {
        cx.r.require(&p, "actor", "who dispensed it");
        if let Some(a) = cx.r.reference(&p, "actor") {
            performers.push(a);
        }
    }
    let (Some(subject), Some(status), true) = (subject, status, has_medicine) else {
        return Meaning::NotModelled;
    };
    match status {
        "entered-in-error" => return Meaning::Retracted { subject },
        "completed" => {}
        other => {
            return cx.not_modelled(
                Some(root.at("status")),
                format!("a {other} supply has not been handed over"),
            );
        }
    }
    let Some(medicine) = medicine else {
        return cx.not_modelled(
            Some(root.at("medication[x]")),
            "the medicine is not named (no text, display or code)",
        );
    };
    let Some(dispensed_on) = handed.or(prepared).and_then(|w| w.date()) else {
        return cx.not_modelled(
            Some(root.at("whenHandedOver")),
            "a supply without a date (whenHandedOver or whenPrepared) cannot be placed in the record",
        );
    };
    // "28 tablet"; a quantity sent with only a unit is what the pharmacy wrote.
    let quantity = quantity.and_then(|q| match (q.value, q.unit_text()) {
        (Some(v), Some(u)) => Some(format!("{} {u}", crate::number_text(v))),
        (Some(v), None) => Some(crate::number_text(v)),
        (None, Some(u)) => Some(u.to_owned()),
        (None, None) => None,
    });
    // The pharmacy: a performer that is an organisation, else any named performer, else
    // the sender.
    let mut dispenser = None;
    for want_org in [true, false] {
        for p in &performers {
            if dispenser.is_none()
                && (!want_org || cx.type_of(p).as_deref() == Some("Organization"))
            {
                dispenser = cx.name_of(p);
            }
        }
    }
    let dispenser = dispenser.unwrap_or_else(|| cx.ctx.source_name.to_owned());
    // The supply's own date is in the entry; when the record was written is its own time
    // of day if it has one, else when the pharmacy last changed it.
    let authored_at = cx
        .authored(prepared.or(handed).filter(When::has_time))
        .or_else(|| handed.or(prepared).and_then(|w| w.start_utc()));
    let body = EntryBody::MedicationSupply {
        medicine,
        dispensed_on,
        quantity,
        dispenser,
    };
    Cx::record(subject, body, authored_at, None)
}
