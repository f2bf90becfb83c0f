//! Advance care decisions (ReSPECT / DNACPR) from Flag, Consent or CarePlan, care plan
//! areas from CarePlan, and Goal (supporting: care plans point at goals).
//!
//! A decision about resuscitation is only read from codes Bedside is sure of (SNOMED CT
//! CPR findings and procedure, the HL7 consent scope and category codes) or from words
//! that cannot mean anything else ("ReSPECT", "DNACPR", "resuscitation"). When the CPR
//! recommendation itself cannot be worked out, nothing is put on the banner: "not
//! recorded" makes staff ask; a guess could cost a life either way.

use bedside_domain::record::{AdvanceCareForm, CprDecision, EntryBody};
use chrono::NaiveDate;
use serde_json::Value;

use super::super::cx::{Cx, text_of};
use super::super::read::{Cc, Node};
use super::super::time::TimeKind;
use super::super::types::Meaning;
use super::codes::{CONSENT_CATEGORY, CONSENT_SCOPE, CPR_PROCEDURE, FOR_CPR, NOT_FOR_CPR, SNOMED};
use super::document::{AttachmentContent, attachment};
use crate::outcome::IssueType;
use crate::{PREFERENCES_PREFIX, REVIEW_DATE_EXTENSION};

/// Words that name an advance care decision about resuscitation.
fn names_resuscitation_plan(text: &str) -> bool {
    if text.contains("ReSPECT") {
        return true;
    }
    let t = text.to_lowercase();
    t.split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "dnacpr" || w == "dnar")
        || t.contains("do not attempt cardiopulmonary resuscitation")
        || t.contains("do not attempt resuscitation")
        || t.contains("resuscitation decision")
}

fn is_respect(text: &str) -> bool {
    text.contains("ReSPECT") || text.to_lowercase().contains("recommended summary plan")
}

/// Whether a concept is about CPR at all (the procedure, or a CPR finding).
fn about_cpr(cc: &Cc<'_>) -> bool {
    if cc.has(SNOMED, CPR_PROCEDURE)
        || cc.has_any(SNOMED, NOT_FOR_CPR)
        || cc.has_any(SNOMED, FOR_CPR)
    {
        return true;
    }
    let w = cc.words().to_lowercase();
    w.contains("resuscitation") || w.split(|c: char| !c.is_alphanumeric()).any(|x| x == "cpr")
}

fn review_date(cx: &mut Cx<'_, '_>) -> Option<NaiveDate> {
    let root = cx.root.clone();
    let mut review = None;
    for ext in cx.r.objects(&root, "extension") {
        if cx.r.string(&ext, "url") == Some(REVIEW_DATE_EXTENSION) {
            review =
                cx.r.time(&ext, "valueDate", TimeKind::Date)
                    .or_else(|| cx.r.time(&ext, "valueDateTime", TimeKind::DateTime))
                    .and_then(|w| w.date());
        }
    }
    review
}

pub(super) fn flag(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "active, inactive or entered-in-error");
    let status =
        cx.r.code(&root, "status", &["active", "inactive", "entered-in-error"]);
    cx.r.require(&root, "code", "what the flag is about");
    let code = cx.r.cc(&root, "code");
    let subject = cx.subject("subject", true);
    cx.r.ccs(&root, "category");
    let period = cx.r.period(&root, "period");
    let author = cx.r.reference(&root, "author");
    let review_on = review_date(cx);
    let (Some(status), Some(code), Some(subject)) = (status, code, subject) else {
        return Meaning::NotModelled;
    };
    if status == "entered-in-error" {
        return Meaning::Retracted { subject };
    }
    if !code.has_any(SNOMED, NOT_FOR_CPR) {
        if code.has_any(SNOMED, FOR_CPR) {
            return cx.not_modelled(
                Some(root.at("code")),
                "a \"for resuscitation\" flag does not say which form recorded the decision: not shown on the banner",
            );
        }
        return cx.not_modelled(
            None,
            "only DNACPR flags are shown; other flags are not modelled",
        );
    }
    // An inactive DNACPR flag means the decision no longer stands.
    if status == "inactive" {
        return Meaning::Retracted { subject };
    }
    let Some(agreed_on) = period
        .and_then(|p| p.start)
        .and_then(|w| w.date())
        .or_else(|| cx.last_updated.map(|t| t.date_naive()))
    else {
        return cx.not_modelled(
            Some(root.at("period.start")),
            "a DNACPR flag without the date it was agreed (period.start) cannot be shown",
        );
    };
    let displays: Vec<&str> = code.coding.iter().filter_map(|c| c.display).collect();
    let recommendations = code
        .text
        .filter(|t| !displays.contains(t))
        .map(str::to_owned);
    let body = EntryBody::AdvanceCarePlan {
        form: AdvanceCareForm::Dnacpr,
        cpr: CprDecision::NotForCpr,
        recommendations,
        agreed_on,
        review_on,
    };
    let authored_at = cx.authored(period.and_then(|p| p.start));
    let author = author.as_ref().and_then(|a| cx.author_of(a));
    Cx::record(subject, body, authored_at, author)
}

/// What a Consent's provisions say about CPR: `Some(NotForCpr)` for a deny about CPR,
/// `Some(ForCpr)` for a permit about CPR.
fn provision_cpr(
    cx: &mut Cx<'_, '_>,
    p: &Node<'_>,
    depth: usize,
) -> (Option<CprDecision>, Option<NaiveDate>) {
    let ty = cx.r.code(p, "type", &["deny", "permit"]);
    let period = cx.r.period(p, "period");
    let codes = cx.r.ccs(p, "code");
    let actions = cx.r.ccs(p, "action");
    let start = period.and_then(|x| x.start).and_then(|w| w.date());
    let cpr = codes.iter().chain(actions.iter()).any(about_cpr);
    let mut decision = match (cpr, ty) {
        (true, Some("deny")) => Some(CprDecision::NotForCpr),
        (true, Some("permit")) => Some(CprDecision::ForCpr),
        _ => None,
    };
    let mut date = start;
    if depth < 4 {
        for child in cx.r.objects(p, "provision") {
            let (d, s) = provision_cpr(cx, &child, depth + 1);
            if decision.is_none() {
                decision = d;
                date = date.or(s);
            }
        }
    }
    (decision, date)
}

pub(super) fn consent(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the consent's status");
    let status = cx.r.code(
        &root,
        "status",
        &[
            "draft",
            "proposed",
            "active",
            "rejected",
            "inactive",
            "entered-in-error",
        ],
    );
    cx.r.require(&root, "scope", "what the consent is about");
    let scope = cx.r.cc(&root, "scope");
    cx.r.require(&root, "category", "the kind of consent");
    let categories = cx.r.ccs(&root, "category");
    let subject = cx.subject("patient", false);
    let date = cx.time("dateTime", TimeKind::DateTime);
    let performers = cx.r.references(&root, "performer");
    cx.r.references(&root, "organization");
    let policy_rule = cx.r.cc(&root, "policyRule");
    let source = match cx.r.object(&root, "sourceAttachment") {
        Some(a) => attachment(cx, &a),
        None => None,
    };
    cx.r.reference(&root, "sourceReference");
    let provision = cx.r.object(&root, "provision");
    let (cpr, provision_start) = match &provision {
        Some(p) => provision_cpr(cx, p, 0),
        None => (None, None),
    };
    let review_on = review_date(cx);
    let (Some(status), Some(scope)) = (status, scope) else {
        return Meaning::NotModelled;
    };
    let mut words = scope.words();
    for c in categories.iter().chain(policy_rule.iter()) {
        words.push_str(&c.words());
    }
    let source_title = match &source {
        Some(
            AttachmentContent::Text { title, .. } | AttachmentContent::Elsewhere { title, .. },
        ) => title.clone(),
        Some(AttachmentContent::File(f)) => f.title.clone(),
        None => None,
    };
    if let Some(t) = &source_title {
        words.push_str(t);
    }
    let dnr_category = categories.iter().any(|c| c.has(CONSENT_CATEGORY, "dnr"));
    let is_acp = scope.has(CONSENT_SCOPE, "adr")
        || dnr_category
        || categories.iter().any(|c| c.has(CONSENT_CATEGORY, "acd"))
        || names_resuscitation_plan(&words);
    if !is_acp {
        return cx.not_modelled(
            None,
            "only advance care decisions (ReSPECT, DNACPR) are shown from Consent",
        );
    }
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    match status {
        "entered-in-error" | "rejected" | "inactive" => return Meaning::Retracted { subject },
        "active" => {}
        other => {
            return cx.not_modelled(
                Some(root.at("status")),
                format!("a {other} decision is not yet in place"),
            );
        }
    }
    // A "do not resuscitate" directive says so by its category even without a provision.
    let cpr = cpr.or_else(|| {
        let denies = provision
            .as_ref()
            .and_then(|p| p.str("type"))
            .is_none_or(|t| t == "deny");
        (dnr_category && denies).then_some(CprDecision::NotForCpr)
    });
    let Some(cpr) = cpr else {
        return cx.not_modelled(
            Some(root.at("provision")),
            "an advance care decision whose provision does not say whether CPR is to be attempted is not put on the banner",
        );
    };
    let Some(agreed_on) = provision_start
        .or_else(|| date.and_then(|w| w.date()))
        .or_else(|| cx.last_updated.map(|t| t.date_naive()))
    else {
        return cx.not_modelled(
            Some(root.at("dateTime")),
            "an advance care decision without the date it was agreed cannot be shown",
        );
    };
    let form = if is_respect(&words) {
        AdvanceCareForm::Respect
    } else {
        AdvanceCareForm::Dnacpr
    };
    let recommendations = match source {
        Some(AttachmentContent::Text { text, .. }) if !text.is_empty() => Some(text),
        _ => None,
    };
    let body = EntryBody::AdvanceCarePlan {
        form,
        cpr,
        recommendations,
        agreed_on,
        review_on,
    };
    let author = performers.iter().find_map(|p| {
        // The patient agreeing is not who recorded the decision.
        (cx.type_of(p).as_deref() != Some("Patient"))
            .then(|| cx.author_of(p))
            .flatten()
    });
    let authored_at = cx.authored(date);
    Cx::record(subject, body, authored_at, author)
}

const CAREPLAN_STATUS: &[&str] = &[
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
];

pub(super) fn care_plan(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the plan's status");
    let status = cx.r.code(&root, "status", CAREPLAN_STATUS);
    cx.r.require(&root, "intent", "proposal, plan, order or option");
    let intent =
        cx.r.code(&root, "intent", &["proposal", "plan", "order", "option"]);
    let subject = cx.subject("subject", true);
    let title = cx.r.string(&root, "title").map(str::to_owned);
    let description = cx.r.string(&root, "description").map(str::to_owned);
    let categories = cx.r.ccs(&root, "category");
    let period = cx.r.period(&root, "period");
    let created = cx.time("created", TimeKind::DateTime);
    let author = cx.r.reference(&root, "author");
    let goals = cx.r.references(&root, "goal");
    let addresses = cx.r.references(&root, "addresses");
    let mut support: Vec<String> = Vec::new();
    let mut cpr: Option<CprDecision> = None;
    for a in cx.r.objects(&root, "activity") {
        if let Some(d) = cx.r.object(&a, "detail") {
            let text = cx.r.string(&d, "description").map(str::to_owned);
            let code = cx.r.cc(&d, "code");
            cx.r.require(&d, "status", "the activity's status");
            let dont = cx.r.boolean(&d, "doNotPerform").unwrap_or(false);
            if code.as_ref().is_some_and(about_cpr) && cpr.is_none() {
                cpr = Some(if dont {
                    CprDecision::NotForCpr
                } else {
                    CprDecision::ForCpr
                });
            }
            if let Some(t) =
                text.or_else(|| code.as_ref().and_then(|c| c.label().map(str::to_owned)))
            {
                support.push(t);
            }
        }
    }
    let notes: Vec<String> =
        cx.r.objects(&root, "note")
            .iter()
            .filter_map(|n| cx.r.string(n, "text").map(str::to_owned))
            .collect();
    let review_ext = review_date(cx);
    let (Some(status), Some(intent), Some(subject)) = (status, intent, subject) else {
        return Meaning::NotModelled;
    };
    match status {
        // A plan revoked or completed no longer guides care.
        "entered-in-error" | "revoked" | "completed" => return Meaning::Retracted { subject },
        "draft" => {
            return cx.not_modelled(Some(root.at("status")), "a draft plan is not in use yet");
        }
        _ => {}
    }
    if intent == "proposal" {
        return cx.not_modelled(Some(root.at("intent")), "a proposed plan is not in use yet");
    }
    let mut heading = title.clone().unwrap_or_default();
    for c in &categories {
        heading.push(' ');
        heading.push_str(&c.words());
    }
    let authored_at = cx.authored(created);
    let author = author.as_ref().and_then(|a| cx.author_of(a));
    let review_on = period
        .and_then(|p| p.end)
        .and_then(|w| w.date())
        .or(review_ext);
    if names_resuscitation_plan(&heading) {
        let cpr = cpr.or_else(|| {
            let all = format!("{heading} {}", description.as_deref().unwrap_or(""));
            let lower = all.to_lowercase();
            (lower.contains("dnacpr")
                || lower.contains("not for cpr")
                || lower.contains("do not attempt"))
            .then_some(CprDecision::NotForCpr)
        });
        let agreed_on = created
            .and_then(|w| w.date())
            .or_else(|| period.and_then(|p| p.start).and_then(|w| w.date()))
            .or_else(|| cx.last_updated.map(|t| t.date_naive()));
        if let (Some(cpr), Some(agreed_on)) = (cpr, agreed_on) {
            let body = EntryBody::AdvanceCarePlan {
                form: if is_respect(&heading) {
                    AdvanceCareForm::Respect
                } else {
                    AdvanceCareForm::Dnacpr
                },
                cpr,
                recommendations: description,
                agreed_on,
                review_on: review_ext.or(review_on),
            };
            return Cx::record(subject, body, authored_at, author);
        }
        cx.r.warn(
            IssueType::Informational,
            root.path.clone(),
            "an advance care plan that does not say whether CPR is to be attempted (or when it was agreed): shown as a care plan, not on the banner",
        );
    }
    let area = title
        .or_else(|| categories.iter().find_map(|c| c.label().map(str::to_owned)))
        .unwrap_or_else(|| "Care plan".to_owned());
    let need = description
        .or_else(|| {
            let names: Vec<String> = addresses.iter().filter_map(|a| cx.name_of(a)).collect();
            (!names.is_empty()).then(|| names.join("; "))
        })
        .unwrap_or_else(|| "Not recorded".to_owned());
    let goal_texts: Vec<String> = goals
        .iter()
        .filter_map(|g| {
            cx.resolve_ref(g)
                .and_then(|v| goal_text(&v))
                .or_else(|| g.display.map(str::to_owned))
        })
        .collect();
    let goal = if goal_texts.is_empty() {
        "Not recorded".to_owned()
    } else {
        goal_texts.join("; ")
    };
    let support = if support.is_empty() {
        "Not recorded".to_owned()
    } else {
        support.join("\n")
    };
    let preferences = notes
        .iter()
        .find_map(|n| n.strip_prefix(PREFERENCES_PREFIX).map(str::to_owned));
    let body = EntryBody::CarePlanSection {
        area,
        need,
        goal,
        support,
        preferences,
        review_on,
    };
    Cx::record(subject, body, authored_at, author)
}

fn goal_text(v: &Value) -> Option<String> {
    let d = v.get("description")?;
    text_of(d.get("text")).or_else(|| {
        d.get("coding")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|c| text_of(c.get("display")))
    })
}

pub(super) fn goal(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "lifecycleStatus", "the goal's status");
    cx.r.code(
        &root,
        "lifecycleStatus",
        &[
            "proposed",
            "planned",
            "accepted",
            "active",
            "on-hold",
            "completed",
            "cancelled",
            "entered-in-error",
            "rejected",
        ],
    );
    cx.r.require(&root, "description", "what the goal is");
    cx.r.cc(&root, "description");
    cx.r.require(&root, "subject", "whose goal it is");
    cx.r.reference(&root, "subject");
    Meaning::Supporting
}
