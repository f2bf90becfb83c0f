//! What the pages say: the words for banner facts, badges, values and dates, and the
//! order and search of the resident list.
//!
//! Pure functions over the domain's summary types, so they are tested natively and in
//! the browser alike. The clinical decisions (what counts as an allergy, which plan is
//! current) stay in `bedside_domain::summary`; this module only words them. Missing data
//! is worded "not recorded", never "none".

use std::cmp::Ordering;

use bedside_domain::api::Role;
use bedside_domain::audit::{AuditMode, AuditPart};
use bedside_domain::order;
use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, Attachment, ClinicalStatus, CprDecision, EntryBody, LabValue,
    MedicationStatus, ReferenceRange, Severity,
};
use bedside_domain::summary::{AllergyState, Banner, CprState, HospitalState, MedicationLine};
use bedside_domain::sync::plan::ItemState;
use bedside_domain::sync::wire::{MutationOp, SectionKey};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::services::local_db::StoredResident;

/// The date wording is the domain's (written without chrono's `format`, which would
/// otherwise be compiled into the app).
pub use bedside_domain::dates::{date_label, date_label_short};

/// The banner's allergy line. Exactly these words: the browser tests look for them.
pub fn allergy_text(state: &AllergyState) -> String {
    match state {
        AllergyState::NotRecorded => "Allergies not recorded".to_owned(),
        AllergyState::NoKnownAllergies => "No known allergies".to_owned(),
        AllergyState::Allergies { substances } => format!("Allergies: {}", substances.join(", ")),
    }
}

pub fn form_label(form: AdvanceCareForm) -> &'static str {
    match form {
        AdvanceCareForm::Respect => "ReSPECT",
        AdvanceCareForm::Dnacpr => "DNACPR form",
    }
}

pub fn cpr_decision_text(cpr: CprDecision) -> &'static str {
    match cpr {
        CprDecision::NotForCpr => "DNACPR: do not attempt CPR",
        CprDecision::ForCpr => "For CPR",
    }
}

/// The banner's resuscitation line: the form, then the decision.
pub fn cpr_text(state: &CprState) -> String {
    match state {
        CprState::NotRecorded => "CPR status not recorded".to_owned(),
        CprState::Recorded { form, cpr, .. } => {
            format!("{} — {}", form_label(*form), cpr_decision_text(*cpr))
        }
    }
}

/// The banner's hospital line: "In hospital: St Thomas' Hospital since 12 Nov, Ward 7
/// (Care of Older People)", saying plainly when the hospital has not sent the details
/// yet. It starts "In hospital" whatever is known (the browser tests look for it).
pub fn hospital_text(state: &HospitalState, this_year: i32) -> String {
    let Some(hospital) = &state.hospital else {
        return "In hospital (details not yet received)".to_owned();
    };
    let mut text = format!("In hospital: {hospital}");
    if let Some(since) = state.since {
        text.push_str(&format!(" since {}", date_label_short(since, this_year)));
    }
    if let Some(ward) = &state.ward {
        text.push_str(&format!(", {ward}"));
    }
    text
}

/// The badges a resident's list item carries, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    Allergy,
    Dnacpr,
    InHospital,
}

impl Badge {
    pub fn label(self) -> &'static str {
        match self {
            Self::Allergy => "Allergy",
            Self::Dnacpr => "DNACPR",
            Self::InHospital => "In hospital",
        }
    }

    pub fn test_id(self) -> &'static str {
        match self {
            Self::Allergy => "badge-allergy",
            Self::Dnacpr => "badge-dnacpr",
            Self::InHospital => "badge-hospital",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::Allergy => "badge badge-allergy",
            Self::Dnacpr => "badge badge-dnacpr",
            Self::InHospital => "badge badge-hospital",
        }
    }
}

pub fn badges(banner: &Banner) -> Vec<Badge> {
    let mut out = Vec::new();
    if matches!(banner.allergies, AllergyState::Allergies { .. }) {
        out.push(Badge::Allergy);
    }
    if matches!(
        banner.cpr,
        CprState::Recorded {
            cpr: CprDecision::NotForCpr,
            ..
        }
    ) {
        out.push(Badge::Dnacpr);
    }
    if banner.in_hospital.is_some() {
        out.push(Badge::InHospital);
    }
    out
}

/// Compares room names as people do: "2" before "10", "2a" before "2b", "Annexe 3"
/// before "Annexe 12"; letters without case.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut a = Chunks::new(a);
    let mut b = Chunks::new(b);
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x, y) {
                    (Chunk::Number(x), Chunk::Number(y)) => {
                        let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                    }
                    (Chunk::Number(_), Chunk::Text(_)) => Ordering::Less,
                    (Chunk::Text(_), Chunk::Number(_)) => Ordering::Greater,
                    (Chunk::Text(x), Chunk::Text(y)) => lowercase(x).cmp(&lowercase(y)),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

enum Chunk<'a> {
    Number(&'a str),
    Text(&'a str),
}

struct Chunks<'a> {
    rest: &'a str,
}

impl<'a> Chunks<'a> {
    fn new(s: &'a str) -> Self {
        Self { rest: s.trim() }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        let first = self.rest.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = self
            .rest
            .find(|c: char| c.is_ascii_digit() != digits)
            .unwrap_or(self.rest.len());
        let (chunk, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(if digits {
            Chunk::Number(chunk)
        } else {
            Chunk::Text(chunk)
        })
    }
}

/// A resident on the list, with the text a search is matched against worked out once.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedResident {
    pub stored: StoredResident,
    search_key: String,
}

impl ListedResident {
    pub fn new(stored: StoredResident) -> Self {
        let r = &stored.resident;
        let search_key = lowercase(&format!(
            "{} {} {} room {}",
            r.name.given,
            r.name.family,
            r.name.preferred.as_deref().unwrap_or(""),
            r.room
        ));
        Self { stored, search_key }
    }

    /// Whether every word of the query is in the resident's name or room.
    pub fn matches(&self, query: &str) -> bool {
        query
            .split_whitespace()
            .all(|word| self.search_key.contains(&lowercase(word)))
    }
}

/// The list's order: by room as people count, then by name.
pub fn sort_residents(list: Vec<StoredResident>) -> Vec<ListedResident> {
    let list: Vec<ListedResident> = list.into_iter().map(ListedResident::new).collect();
    order::sorted_by(list, |a, b| {
        let (a, b) = (&a.stored.resident, &b.stored.resident);
        natural_cmp(&a.room, &b.room)
            .then_with(|| a.name.family.cmp(&b.name.family))
            .then_with(|| a.name.given.cmp(&b.name.given))
    })
}

/// A lab value as read: "64 mmol/mol", "Negative".
pub fn lab_value_text(value: &LabValue) -> String {
    match value {
        LabValue::Quantity { value, unit } if unit.trim().is_empty() => value.to_string(),
        LabValue::Quantity { value, unit } => format!("{value} {unit}"),
        LabValue::Text { text } => text.clone(),
    }
}

/// "3.5–5.3", "under 5", or the lab's own words.
pub fn range_words(range: &ReferenceRange) -> Option<String> {
    if let Some(text) = range
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Some(text.to_owned());
    }
    match (range.low, range.high) {
        (Some(low), Some(high)) => Some(format!("{low}–{high}")),
        (Some(low), None) => Some(format!("over {low}")),
        (None, Some(high)) => Some(format!("under {high}")),
        (None, None) => None,
    }
}

/// The period a document covers: "3 Nov to 12 Nov 2026", one day, or when it was
/// written when it names no period.
pub fn document_period_text(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    written: NaiveDate,
) -> String {
    match (start, end) {
        (Some(s), Some(e)) if s < e => {
            let from = if s.year() == e.year() {
                date_label_short(s, e.year())
            } else {
                date_label(s)
            };
            format!("{from} to {}", date_label(e))
        }
        (Some(s), Some(_)) => date_label(s),
        (Some(s), None) => format!("From {}", date_label(s)),
        (None, Some(e)) => format!("To {}", date_label(e)),
        (None, None) => format!("Written on {}", date_label(written)),
    }
}

/// A lab flag in words with a mark that does not rely on colour, and its style class.
pub fn flag_text(flag: Option<AbnormalFlag>) -> (String, &'static str) {
    match flag {
        None => ("Not flagged".to_owned(), "flag flag-none"),
        Some(AbnormalFlag::Normal) => ("Normal".to_owned(), "flag flag-normal"),
        Some(f @ (AbnormalFlag::High | AbnormalFlag::CriticalHigh)) => {
            (format!("▲ {}", capitalised(f.label())), flag_class(f))
        }
        Some(f @ (AbnormalFlag::Low | AbnormalFlag::CriticalLow)) => {
            (format!("▼ {}", capitalised(f.label())), flag_class(f))
        }
        Some(f @ AbnormalFlag::Abnormal) => {
            (format!("! {}", capitalised(f.label())), flag_class(f))
        }
    }
}

fn flag_class(flag: AbnormalFlag) -> &'static str {
    match flag {
        AbnormalFlag::CriticalHigh | AbnormalFlag::CriticalLow => "flag flag-critical",
        _ => "flag flag-abnormal",
    }
}

pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => {
            let mut out = uppercase(first);
            out.push_str(chars.as_str());
            out
        }
        None => String::new(),
    }
}

/// A character in capitals, by the browser's Unicode case mapping (the same as
/// `char::to_uppercase`'s): Rust's own brings its 12 KB case table into the wasm for
/// this one use.
#[cfg(target_arch = "wasm32")]
fn uppercase(c: char) -> String {
    js_sys::JsString::from(c).to_upper_case().into()
}

#[cfg(not(target_arch = "wasm32"))]
fn uppercase(c: char) -> String {
    c.to_uppercase().collect()
}

/// Text in lower case by the browser's Unicode case mapping (the same as
/// `str::to_lowercase`'s): Rust's own brings its lower-case table into the wasm for
/// sorting and searching names alone.
#[cfg(target_arch = "wasm32")]
fn lowercase(s: &str) -> String {
    js_sys::JsString::from(s).to_lower_case().into()
}

#[cfg(not(target_arch = "wasm32"))]
fn lowercase(s: &str) -> String {
    s.to_lowercase()
}

pub fn clinical_status_text(status: ClinicalStatus) -> &'static str {
    match status {
        ClinicalStatus::Active => "Active",
        ClinicalStatus::Inactive => "Inactive",
        ClinicalStatus::Resolved => "Resolved",
    }
}

pub fn severity_text(severity: Severity) -> &'static str {
    match severity {
        Severity::Mild => "Mild",
        Severity::Moderate => "Moderate",
        Severity::Severe => "Severe",
    }
}

/// The paragraphs of a text written with blank lines between them. Lines inside a
/// paragraph are kept (the page shows them as line breaks).
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// Whether a medicine has waited long enough for a supply that staff should chase it.
pub const AWAITING_SUPPLY_WARN_DAYS: i64 = 7;

/// "Prescribed on 3 Nov by Dr A Shah": the medicine's latest order.
pub fn prescribed_text(line: &MedicationLine<'_>, this_year: i32) -> String {
    let on = date_label_short(line.prescribed_on, this_year);
    match &line.order.body {
        EntryBody::MedicationOrder {
            prescriber: Some(who),
            ..
        } if !who.trim().is_empty() => format!("Prescribed on {on} by {who}"),
        _ => format!("Prescribed on {on}"),
    }
}

/// "Last dispensed on 12 Nov by High Street Pharmacy (28 tablets)", saying when that
/// supply was for an earlier prescription; "Dispensing not recorded" when no pharmacy
/// has sent a supply.
pub fn dispensed_text(line: &MedicationLine<'_>, this_year: i32) -> String {
    let Some(s) = line.last_supply() else {
        return "Dispensing not recorded".to_owned();
    };
    let quantity = s
        .quantity
        .filter(|q| !q.trim().is_empty())
        .map(|q| format!(" ({q})"))
        .unwrap_or_default();
    let earlier = if s.dispensed_on < line.prescribed_on {
        ", before the latest prescription"
    } else {
        ""
    };
    format!(
        "Last dispensed on {} by {}{quantity}{earlier}",
        date_label_short(s.dispensed_on, this_year),
        s.dispenser
    )
}

/// A medicine being taken that the pharmacy has not supplied since it was prescribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupplyWait {
    /// Under [`AWAITING_SUPPLY_WARN_DAYS`]: worth knowing, not yet worth chasing.
    Note(String),
    /// Long enough that staff should ask the pharmacy or GP.
    Warning(String),
}

/// Whether to say a medicine is waiting for its supply, and the words. Only medicines
/// being taken wait: one on hold or stopped is not expected to be supplied.
pub fn supply_wait(line: &MedicationLine<'_>, today: NaiveDate) -> Option<SupplyWait> {
    if line.status != MedicationStatus::Active {
        return None;
    }
    let days = line.days_awaiting_supply(today)?;
    let since = date_label_short(line.prescribed_on, today.year());
    Some(if days >= AWAITING_SUPPLY_WARN_DAYS {
        SupplyWait::Warning(format!(
            "Not dispensed {days} days after it was prescribed (on {since}). \
             Check with the pharmacy or GP."
        ))
    } else if days == 0 {
        SupplyWait::Note("Awaiting supply: prescribed today".to_owned())
    } else {
        SupplyWait::Note(format!(
            "Awaiting supply since {since} ({})",
            days_text(days)
        ))
    })
}

fn days_text(days: i64) -> String {
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

/// A medicine's status when it is not simply being taken.
pub fn medication_status_text(status: MedicationStatus) -> Option<&'static str> {
    match status {
        MedicationStatus::Active => None,
        MedicationStatus::OnHold => Some("On hold: not being given for now"),
        MedicationStatus::Stopped => Some("Stopped"),
        MedicationStatus::Completed => Some("Course completed"),
    }
}

/// "3 Nov to 12 Nov 2026 (9 days)": a finished hospital stay.
pub fn stay_period_text(admitted: NaiveDate, discharged: Option<NaiveDate>) -> String {
    match discharged {
        Some(out) if out >= admitted => {
            let days = (out - admitted).num_days();
            let from = if admitted.year() == out.year() {
                date_label_short(admitted, out.year())
            } else {
                date_label(admitted)
            };
            format!("{from} to {} ({})", date_label(out), days_text(days))
        }
        _ => format!(
            "Admitted on {}; discharge date not recorded",
            date_label(admitted)
        ),
    }
}

/// What kind of file an attachment is, in a word staff know.
pub fn attachment_kind(content_type: &str) -> &'static str {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/pdf" => "PDF",
        t if t.starts_with("image/") => "Image",
        t if t.starts_with("text/") => "Text",
        _ => "File",
    }
}

/// "PDF: Discharge letter (240 KB)".
pub fn attachment_label(a: &Attachment) -> String {
    let title = a
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("untitled file");
    let size = a
        .size
        .map(|s| format!(" ({})", size_text(s)))
        .unwrap_or_default();
    format!("{}: {title}{size}", attachment_kind(&a.content_type))
}

/// A file size as people read it: "900 bytes", "240 KB", "1.4 MB".
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} bytes")
    } else if bytes < MB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        // Sizes far beyond any real document still print; the float only rounds.
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

/// The note for entries this version cannot show, so they are not silently missing.
pub fn unknown_note(count: usize) -> Option<String> {
    match count {
        0 => None,
        1 => Some(
            "1 item this version of the app cannot show. It will appear once the app is \
             updated."
                .to_owned(),
        ),
        n => Some(format!(
            "{n} items this version of the app cannot show. They will appear once the app \
             is updated."
        )),
    }
}

/// What staff see of an item written on this tablet.
pub fn item_state_text(state: &ItemState) -> String {
    match state {
        ItemState::SavedOnTablet => "Saved on this tablet".to_owned(),
        ItemState::WaitingToSend => "Waiting to send".to_owned(),
        ItemState::Confirmed => "Confirmed".to_owned(),
        ItemState::NeedsReview => "Confirmed: kept for a senior to review".to_owned(),
        ItemState::Rejected(reason) => format!("Not accepted: {reason}"),
    }
}

/// A class for an item's state, so the three everyday states look different at a glance.
pub fn item_state_class(state: &ItemState) -> &'static str {
    match state {
        ItemState::SavedOnTablet | ItemState::WaitingToSend => "item-state item-state-waiting",
        ItemState::Confirmed => "item-state item-state-confirmed",
        ItemState::NeedsReview | ItemState::Rejected(_) => "item-state item-state-problem",
    }
}

/// What kind of thing a mutation records, for the outbox panel.
pub fn mutation_kind_text(op: &MutationOp) -> &'static str {
    match op {
        MutationOp::AddNote { .. } => "Care note",
        MutationOp::AddObservations { .. } => "Observations",
        MutationOp::Correct { .. } => "Correction",
        MutationOp::EditSection {
            section: SectionKey::CarePlan { .. },
            ..
        } => "Care plan",
        MutationOp::EditSection {
            section: SectionKey::AboutMe { .. },
            ..
        } => "About me",
        MutationOp::ResolveSection { .. } => "Review decision",
    }
}

/// "2 waiting to send": the header's count (the browser tests read it).
pub fn waiting_text(waiting: usize) -> String {
    format!("{waiting} waiting to send")
}

/// How long ago a tablet last reached the server, for a contact within the last day:
/// "Just now", "1 minute ago", "3 hours ago". `None` for an older one, which the page
/// shows with its time and date. A time after `now` (the tablet's clock behind the
/// server's) is "Just now".
pub fn ago_text(then: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let minutes = (now - then).num_minutes();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match minutes {
        ..1 => Some("Just now".to_owned()),
        1..60 => Some(plural(minutes, "minute")),
        60..1440 => Some(plural(minutes / 60, "hour")),
        _ => None,
    }
}

/// An access log event's role, in words: the serialised name the server sent, worded
/// when this version knows it.
pub fn role_text(role: &str) -> String {
    Role::parse(role).map_or_else(|| role.to_owned(), |r| r.label().to_owned())
}

/// Which part of a record was viewed, in words ("Care plan").
pub fn part_text(part: &str) -> String {
    AuditPart::parse(part).map_or_else(|| part.to_owned(), |p| capitalised(p.label()))
}

/// "Online" or "Offline": whether a view was served by the server or read from a
/// tablet's own copy.
pub fn mode_text(mode: &str) -> String {
    AuditMode::parse(mode).map_or_else(
        || mode.to_owned(),
        |m| match m {
            AuditMode::Online => "Online".to_owned(),
            AuditMode::Offline => "Offline".to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use bedside_domain::record::{PersonName, ResidencyStatus, Resident, Sex};
    use bedside_domain::{HomeId, NhsNumber, PersonId};
    use chrono::NaiveDate;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn a_last_contact_within_a_day_is_said_as_how_long_ago() {
        let now = DateTime::from_timestamp(1_795_599_720, 0).expect("a time");
        let ago = |minutes: i64| ago_text(now - chrono::Duration::minutes(minutes), now);
        assert_eq!(ago(0).as_deref(), Some("Just now"));
        assert_eq!(ago(-5).as_deref(), Some("Just now"), "tablet clock behind");
        assert_eq!(ago(1).as_deref(), Some("1 minute ago"));
        assert_eq!(ago(59).as_deref(), Some("59 minutes ago"));
        assert_eq!(ago(60).as_deref(), Some("1 hour ago"));
        assert_eq!(ago(23 * 60 + 59).as_deref(), Some("23 hours ago"));
        assert_eq!(ago(24 * 60), None);
    }

    #[test]
    fn access_log_words_and_unknown_names_as_sent() {
        assert_eq!(role_text("senior"), "Senior carer / nurse");
        assert_eq!(role_text("auditor"), "auditor");
        assert_eq!(part_text("care_plan"), "Care plan");
        assert_eq!(part_text("about_me"), "About Me");
        assert_eq!(part_text("x_ray"), "x_ray");
        assert_eq!(mode_text("offline"), "Offline");
        assert_eq!(mode_text("online"), "Online");
    }

    #[test]
    fn capitals_follow_unicode_as_rust_does() {
        for s in [
            "high",
            "critically low",
            "ßa",
            "ǆx",
            "ŉ",
            "éa",
            "ωμέγα",
            "ﬀ",
            "1st",
            "",
            "A",
        ] {
            let mut chars = s.chars();
            let expected: String = match chars.next() {
                Some(c) => c.to_uppercase().chain(chars).collect(),
                None => String::new(),
            };
            assert_eq!(capitalised(s), expected, "{s}");
        }
    }

    #[test]
    fn lower_case_follows_unicode_as_rust_does() {
        for s in [
            "Ward 7",
            "ÉLODIE Ó'BRIEN",
            "İstanbul",
            "ΟΔΥΣΣΕΥΣ",
            "ǅ",
            "ẞ",
            "Σ",
            "ΑΣ ΑΣ",
            "",
        ] {
            assert_eq!(lowercase(s), s.to_lowercase(), "{s}");
        }
    }

    fn stored(n: u128, given: &str, family: &str, room: &str) -> StoredResident {
        StoredResident {
            resident: Resident {
                id: PersonId(uuid::Uuid::from_u128(n)),
                home_id: HomeId(uuid::Uuid::from_u128(1)),
                nhs_number: NhsNumber::parse("9990000018").expect("valid"),
                name: PersonName {
                    given: given.into(),
                    family: family.into(),
                    preferred: (given == "Margaret").then(|| "Peggy".to_owned()),
                },
                birth_date: day(1940, 1, 1),
                sex: Sex::Female,
                gp_practice: None,
                room: room.into(),
                admitted_on: day(2024, 1, 1),
                status: ResidencyStatus::InHome,
                spo2_scale: Default::default(),
            },
            banner: Banner {
                allergies: AllergyState::NotRecorded,
                cpr: CprState::NotRecorded,
                in_hospital: None,
            },
        }
    }

    #[test]
    fn rooms_sort_as_people_count() {
        let mut rooms = vec![
            "10",
            "2",
            "1",
            "2b",
            "Annexe 12",
            "2a",
            "Annexe 3",
            "02",
            "B1",
        ];
        rooms.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            rooms,
            vec![
                "1",
                "2",
                "02",
                "2a",
                "2b",
                "10",
                "Annexe 3",
                "Annexe 12",
                "B1"
            ]
        );
    }

    #[test]
    fn list_is_ordered_by_room_then_name() {
        let list = sort_residents(vec![
            stored(1, "Zoe", "Adams", "10"),
            stored(2, "Ann", "Brown", "2"),
            stored(3, "Bea", "Adams", "2"),
        ]);
        let order: Vec<&str> = list
            .iter()
            .map(|l| l.stored.resident.name.given.as_str())
            .collect();
        assert_eq!(order, vec!["Bea", "Ann", "Zoe"]);
    }

    #[test]
    fn search_matches_name_preferred_name_and_room_without_case() {
        let peggy = ListedResident::new(stored(1, "Margaret", "O'Neill", "12"));
        assert!(peggy.matches(""));
        assert!(peggy.matches("marg"));
        assert!(peggy.matches("PEGGY"));
        assert!(peggy.matches("o'neill"));
        assert!(peggy.matches("12"));
        assert!(peggy.matches("margaret 12"));
        assert!(peggy.matches("room 12"));
        assert!(!peggy.matches("13"));
        assert!(!peggy.matches("margaret 13"));
        assert!(!peggy.matches("smith"));
    }

    #[test]
    fn banner_words() {
        assert_eq!(
            allergy_text(&AllergyState::NotRecorded),
            "Allergies not recorded"
        );
        assert_eq!(
            allergy_text(&AllergyState::NoKnownAllergies),
            "No known allergies"
        );
        assert_eq!(
            allergy_text(&AllergyState::Allergies {
                substances: vec!["Penicillin".into(), "Latex".into()]
            }),
            "Allergies: Penicillin, Latex"
        );
        assert_eq!(cpr_text(&CprState::NotRecorded), "CPR status not recorded");
        assert_eq!(
            cpr_text(&CprState::Recorded {
                form: AdvanceCareForm::Respect,
                cpr: CprDecision::NotForCpr,
                agreed_on: day(2025, 1, 1)
            }),
            "ReSPECT — DNACPR: do not attempt CPR"
        );
        let stay = HospitalState {
            hospital: Some("St Thomas' Hospital".into()),
            ward: Some("Ward 7 (Elderly care)".into()),
            since: Some(day(2026, 11, 12)),
        };
        assert_eq!(
            hospital_text(&stay, 2026),
            "In hospital: St Thomas' Hospital since 12 Nov, Ward 7 (Elderly care)"
        );
        assert_eq!(
            hospital_text(&stay, 2027),
            "In hospital: St Thomas' Hospital since 12 Nov 2026, Ward 7 (Elderly care)"
        );
        assert_eq!(
            hospital_text(&HospitalState { ward: None, ..stay }, 2026),
            "In hospital: St Thomas' Hospital since 12 Nov"
        );
        assert_eq!(
            hospital_text(
                &HospitalState {
                    hospital: None,
                    ward: None,
                    since: None
                },
                2026
            ),
            "In hospital (details not yet received)"
        );
    }

    #[test]
    fn badges_only_when_they_apply() {
        let mut b = stored(1, "Ann", "Brown", "1").banner;
        assert!(badges(&b).is_empty());
        b.allergies = AllergyState::NoKnownAllergies;
        b.cpr = CprState::Recorded {
            form: AdvanceCareForm::Respect,
            cpr: CprDecision::ForCpr,
            agreed_on: day(2025, 1, 1),
        };
        assert!(
            badges(&b).is_empty(),
            "no allergy and for CPR carry no badge"
        );
        b.allergies = AllergyState::Allergies {
            substances: vec!["Latex".into()],
        };
        b.cpr = CprState::Recorded {
            form: AdvanceCareForm::Dnacpr,
            cpr: CprDecision::NotForCpr,
            agreed_on: day(2025, 1, 1),
        };
        b.in_hospital = Some(HospitalState {
            hospital: None,
            ward: None,
            since: None,
        });
        assert_eq!(
            badges(&b),
            vec![Badge::Allergy, Badge::Dnacpr, Badge::InHospital]
        );
    }

    #[test]
    fn values_ranges_and_flags_read_plainly() {
        assert_eq!(
            lab_value_text(&LabValue::Quantity {
                value: 64.0,
                unit: "mmol/mol".into()
            }),
            "64 mmol/mol"
        );
        assert_eq!(
            lab_value_text(&LabValue::Quantity {
                value: 4.5,
                unit: String::new()
            }),
            "4.5"
        );
        assert_eq!(
            range_words(&ReferenceRange {
                low: Some(3.5),
                high: Some(5.3),
                text: None
            }),
            Some("3.5–5.3".into())
        );
        assert_eq!(
            range_words(&ReferenceRange {
                low: None,
                high: None,
                text: None
            }),
            None
        );
        assert_eq!(flag_text(Some(AbnormalFlag::High)).0, "▲ High");
        assert_eq!(
            flag_text(Some(AbnormalFlag::CriticalLow)).0,
            "▼ Critically low"
        );
        assert_eq!(
            flag_text(Some(AbnormalFlag::CriticalLow)).1,
            "flag flag-critical"
        );
        assert_eq!(flag_text(None).0, "Not flagged");
    }

    #[test]
    fn paragraphs_split_on_blank_lines_and_keep_lines() {
        assert_eq!(
            paragraphs("First line\nsecond line\n\n\n  \nNext paragraph  \n"),
            vec![
                "First line\nsecond line".to_owned(),
                "Next paragraph".to_owned()
            ]
        );
        assert!(paragraphs("   \n").is_empty());
    }

    mod medicines {
        use bedside_domain::record::{Concept, DMD, Entry, EntryBody, MedicationStatus};
        use bedside_domain::summary::medication_lines;
        #[cfg(target_arch = "wasm32")]
        use wasm_bindgen_test::wasm_bindgen_test as test;

        use super::super::*;
        use crate::select::fixtures::{at, day, entry};

        fn order(
            prescribed: NaiveDate,
            prescriber: Option<&str>,
            status: MedicationStatus,
        ) -> Entry {
            entry(
                1,
                at(2026, 11, 3),
                EntryBody::MedicationOrder {
                    medicine: Concept::coded("Amlodipine 5mg tablets", DMD, "3"),
                    dosage: Some("One daily".into()),
                    prescribed_on: prescribed,
                    prescriber: prescriber.map(str::to_owned),
                    status,
                },
            )
        }

        fn supply(n: u128, on: NaiveDate, quantity: Option<&str>) -> Entry {
            entry(
                n,
                at(2026, 11, 12),
                EntryBody::MedicationSupply {
                    medicine: Concept::coded("Amlodipine 5mg", DMD, "3"),
                    dispensed_on: on,
                    quantity: quantity.map(str::to_owned),
                    dispenser: "High Street Pharmacy".into(),
                },
            )
        }

        #[test]
        fn prescribed_and_dispensed_read_as_staff_say_them() {
            let entries = vec![
                order(
                    day(2026, 11, 3),
                    Some("Dr A Shah"),
                    MedicationStatus::Active,
                ),
                supply(2, day(2026, 11, 12), Some("28 tablets")),
                supply(3, day(2026, 10, 1), None),
            ];
            let lines = medication_lines(&entries);
            assert_eq!(
                prescribed_text(&lines[0], 2026),
                "Prescribed on 3 Nov by Dr A Shah"
            );
            assert_eq!(
                prescribed_text(&lines[0], 2027),
                "Prescribed on 3 Nov 2026 by Dr A Shah"
            );
            assert_eq!(
                dispensed_text(&lines[0], 2026),
                "Last dispensed on 12 Nov by High Street Pharmacy (28 tablets)"
            );
            assert_eq!(supply_wait(&lines[0], day(2026, 11, 20)), None);

            let no_supply = vec![order(day(2026, 11, 3), None, MedicationStatus::Active)];
            let lines = medication_lines(&no_supply);
            assert_eq!(prescribed_text(&lines[0], 2026), "Prescribed on 3 Nov");
            assert_eq!(dispensed_text(&lines[0], 2026), "Dispensing not recorded");
        }

        #[test]
        fn an_older_supply_says_it_came_before_the_prescription() {
            let entries = vec![
                order(day(2026, 11, 3), None, MedicationStatus::Active),
                supply(2, day(2026, 10, 1), Some("28 tablets")),
            ];
            let lines = medication_lines(&entries);
            assert_eq!(
                dispensed_text(&lines[0], 2026),
                "Last dispensed on 1 Oct by High Street Pharmacy (28 tablets), before the \
                 latest prescription"
            );
        }

        #[test]
        fn waiting_for_supply_is_a_note_then_a_warning_from_seven_days() {
            let entries = vec![order(day(2026, 11, 3), None, MedicationStatus::Active)];
            let line = &medication_lines(&entries)[0];
            let cases = [
                (
                    day(2026, 11, 3),
                    Some(SupplyWait::Note("Awaiting supply: prescribed today".into())),
                ),
                (
                    day(2026, 11, 4),
                    Some(SupplyWait::Note(
                        "Awaiting supply since 3 Nov (1 day)".into(),
                    )),
                ),
                (
                    day(2026, 11, 9),
                    Some(SupplyWait::Note(
                        "Awaiting supply since 3 Nov (6 days)".into(),
                    )),
                ),
                (
                    day(2026, 11, 10),
                    Some(SupplyWait::Warning(
                        "Not dispensed 7 days after it was prescribed (on 3 Nov). Check with \
                         the pharmacy or GP."
                            .into(),
                    )),
                ),
                // Dated in the future (a clock that is wrong): no claim either way.
                (day(2026, 11, 1), None),
            ];
            for (today, want) in cases {
                assert_eq!(supply_wait(line, today), want, "on {today}");
            }
        }

        #[test]
        fn medicines_not_being_taken_never_wait() {
            for status in [
                MedicationStatus::OnHold,
                MedicationStatus::Stopped,
                MedicationStatus::Completed,
            ] {
                let entries = vec![order(day(2026, 11, 3), None, status)];
                let line = &medication_lines(&entries)[0];
                assert_eq!(supply_wait(line, day(2026, 11, 30)), None, "{status:?}");
                assert!(medication_status_text(status).is_some());
            }
            assert_eq!(medication_status_text(MedicationStatus::Active), None);
        }
    }

    #[test]
    fn stays_attachments_and_unknown_items_in_words() {
        assert_eq!(
            stay_period_text(day(2026, 11, 3), Some(day(2026, 11, 12))),
            "3 Nov to 12 Nov 2026 (9 days)"
        );
        assert_eq!(
            stay_period_text(day(2025, 12, 30), Some(day(2026, 1, 2))),
            "30 Dec 2025 to 2 Jan 2026 (3 days)"
        );
        assert_eq!(
            stay_period_text(day(2026, 11, 3), Some(day(2026, 11, 3))),
            "3 Nov to 3 Nov 2026 (0 days)"
        );
        assert_eq!(
            stay_period_text(day(2026, 11, 3), None),
            "Admitted on 3 Nov 2026; discharge date not recorded"
        );

        let pdf = Attachment {
            id: "a1".into(),
            content_type: "application/pdf".into(),
            title: Some("Discharge letter".into()),
            size: Some(245_760),
        };
        assert_eq!(attachment_label(&pdf), "PDF: Discharge letter (240 KB)");
        let bare = Attachment {
            id: "a2".into(),
            content_type: "Application/PDF; charset=binary".into(),
            title: Some("  ".into()),
            size: None,
        };
        assert_eq!(attachment_label(&bare), "PDF: untitled file");
        assert_eq!(attachment_kind("image/png"), "Image");
        assert_eq!(attachment_kind("application/zip"), "File");
        assert_eq!(size_text(900), "900 bytes");
        assert_eq!(size_text(1024), "1 KB");
        assert_eq!(size_text(1_468_006), "1.4 MB");

        let written = day(2026, 11, 14);
        assert_eq!(
            document_period_text(Some(day(2026, 11, 3)), Some(day(2026, 11, 12)), written),
            "3 Nov to 12 Nov 2026"
        );
        assert_eq!(
            document_period_text(Some(day(2026, 11, 5)), Some(day(2026, 11, 5)), written),
            "5 Nov 2026"
        );
        assert_eq!(
            document_period_text(None, None, written),
            "Written on 14 Nov 2026"
        );
        assert_eq!(
            range_words(&ReferenceRange {
                low: Some(90.0),
                high: None,
                text: None
            }),
            Some("over 90".into())
        );
        assert_eq!(
            range_words(&ReferenceRange {
                low: Some(1.0),
                high: Some(2.0),
                text: Some("Negative".into())
            }),
            Some("Negative".into()),
            "the lab's words win"
        );

        assert_eq!(unknown_note(0), None);
        assert!(unknown_note(1).is_some_and(|n| n.starts_with("1 item this version")));
        assert!(
            unknown_note(2)
                .is_some_and(|n| n.starts_with("2 items this version of the app cannot show"))
        );
    }

    #[test]
    fn sync_words() {
        // The header's count: the browser tests read these words.
        assert_eq!(waiting_text(2), "2 waiting to send");
        assert_eq!(waiting_text(0), "0 waiting to send");
        assert_eq!(
            item_state_text(&ItemState::Rejected(
                "that resident has left the home".into()
            )),
            "Not accepted: that resident has left the home"
        );
        // The three everyday states read differently, and look it.
        let states = [
            ItemState::SavedOnTablet,
            ItemState::WaitingToSend,
            ItemState::Confirmed,
        ];
        let words: Vec<String> = states.iter().map(item_state_text).collect();
        assert_eq!(
            words,
            vec!["Saved on this tablet", "Waiting to send", "Confirmed"]
        );
        assert_ne!(
            item_state_class(&ItemState::WaitingToSend),
            item_state_class(&ItemState::Confirmed)
        );
    }
}
