//! What the pages say: the words for banner facts, badges, values and dates, and the
//! order and search of the resident list.
//!
//! Pure functions over the domain's summary types, so they are tested natively and in
//! the browser alike. The clinical decisions (what counts as an allergy, which plan is
//! current) stay in `bedside_domain::summary`; this module only words them. Missing data
//! is worded "not recorded", never "none".

use std::cmp::Ordering;

use bedside_domain::dates::date_label;
use bedside_domain::record::{
    AbnormalFlag, AdvanceCareForm, ClinicalStatus, CprDecision, LabValue, ReferenceRange, Severity,
};
use bedside_domain::summary::{AllergyState, Banner, CprState, HospitalState};

use crate::services::local_db::StoredResident;

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

/// "In hospital: St Thomas' Hospital, Ward 3, since 12 Nov 2026", saying plainly what the
/// tablet does not know yet.
pub fn hospital_text(state: &HospitalState) -> String {
    let mut parts = Vec::new();
    match &state.hospital {
        Some(h) => parts.push(h.clone()),
        None => parts.push("hospital not recorded".to_owned()),
    }
    if let Some(ward) = &state.ward {
        parts.push(ward.clone());
    }
    if let Some(since) = state.since {
        parts.push(format!("since {}", date_label(since)));
    }
    format!("In hospital: {}", parts.join(", "))
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
                    (Chunk::Text(x), Chunk::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
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
        let search_key = format!(
            "{} {} {} room {}",
            r.name.given,
            r.name.family,
            r.name.preferred.as_deref().unwrap_or(""),
            r.room
        )
        .to_lowercase();
        Self { stored, search_key }
    }

    /// Whether every word of the query is in the resident's name or room.
    pub fn matches(&self, query: &str) -> bool {
        query
            .split_whitespace()
            .all(|word| self.search_key.contains(&word.to_lowercase()))
    }
}

/// The list's order: by room as people count, then by name.
pub fn sort_residents(list: Vec<StoredResident>) -> Vec<ListedResident> {
    let mut list: Vec<ListedResident> = list.into_iter().map(ListedResident::new).collect();
    list.sort_by(|a, b| {
        let (a, b) = (&a.stored.resident, &b.stored.resident);
        natural_cmp(&a.room, &b.room)
            .then_with(|| a.name.family.cmp(&b.name.family))
            .then_with(|| a.name.given.cmp(&b.name.given))
    });
    list
}

/// A lab value as read: "64 mmol/mol", "Negative".
pub fn lab_value_text(value: &LabValue) -> String {
    match value {
        LabValue::Quantity { value, unit } if unit.trim().is_empty() => value.to_string(),
        LabValue::Quantity { value, unit } => format!("{value} {unit}"),
        LabValue::Text { text } => text.clone(),
    }
}

/// "Range 3.5–5.3", "Range under 5", or the lab's own words.
pub fn range_text(range: &ReferenceRange) -> Option<String> {
    if let Some(text) = &range.text {
        return Some(format!("Range {text}"));
    }
    match (range.low, range.high) {
        (Some(low), Some(high)) => Some(format!("Range {low}–{high}")),
        (Some(low), None) => Some(format!("Range over {low}")),
        (None, Some(high)) => Some(format!("Range under {high}")),
        (None, None) => None,
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
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
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
        assert_eq!(
            hospital_text(&HospitalState {
                hospital: Some("St Thomas' Hospital".into()),
                ward: Some("Ward 3".into()),
                since: Some(day(2026, 11, 12)),
            }),
            "In hospital: St Thomas' Hospital, Ward 3, since 12 Nov 2026"
        );
        assert_eq!(
            hospital_text(&HospitalState {
                hospital: None,
                ward: None,
                since: None
            }),
            "In hospital: hospital not recorded"
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
            range_text(&ReferenceRange {
                low: Some(3.5),
                high: Some(5.3),
                text: None
            }),
            Some("Range 3.5–5.3".into())
        );
        assert_eq!(
            range_text(&ReferenceRange {
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
}
