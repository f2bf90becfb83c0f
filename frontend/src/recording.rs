//! The pure parts of the recording screens: reading what staff typed into readings and
//! refusing what cannot be measured (with the domain's own limits and words), NEWS2 as
//! far as the readings entered so far allow, which notes and observations a resident's
//! record and the handover list, and how each was corrected, and which section edits and
//! proposals wait for a senior.
//!
//! The clinical rules stay in `bedside_domain::news2`: this module only feeds them the
//! readings and picks what to show. Tested natively and in the browser.

use bedside_domain::api::{Permission, Role};
use bedside_domain::news2::{
    AirOrOxygen, Consciousness, Observations, Response, Score, Spo2Scale, score,
};
use bedside_domain::order;
use bedside_domain::record::{CorrectionAction, Entry, EntryBody, EntryStatus};
use bedside_domain::sync::plan::{ItemState, OutboxItem, item_state};
use bedside_domain::sync::wire::{MutationOp, SectionKey};
use bedside_domain::{EntryId, PersonId};
use chrono::{DateTime, Utc};

/// Whether this role may edit care plans and About Me and settle proposals. The server
/// checks again; the tablet only hides what a role cannot do.
pub fn can_edit_sections(role: Role) -> bool {
    role.may(Permission::EditSections)
}

/// One field of a form, as typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<T> {
    Empty,
    /// Cannot be recorded; the words say why, for the field's message.
    Bad(String),
    Good(T),
}

impl<T: Copy> Reading<T> {
    pub fn good(&self) -> Option<T> {
        match self {
            Self::Good(v) => Some(*v),
            _ => None,
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Bad(m) => Some(m),
            _ => None,
        }
    }
}

/// The observations' parameters, in the order of the RCP chart and the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Respiration,
    Spo2,
    AirOrOxygen,
    Systolic,
    Pulse,
    Consciousness,
    Temperature,
}

impl Param {
    pub const ALL: [Self; 7] = [
        Self::Respiration,
        Self::Spo2,
        Self::AirOrOxygen,
        Self::Systolic,
        Self::Pulse,
        Self::Consciousness,
        Self::Temperature,
    ];

    /// The field's label (also the name the domain's range messages use).
    pub fn label(self) -> &'static str {
        match self {
            Self::Respiration => "Respiration rate",
            Self::Spo2 => "SpO2",
            Self::AirOrOxygen => "Air or oxygen",
            Self::Systolic => "Systolic blood pressure",
            Self::Pulse => "Pulse",
            Self::Consciousness => "Consciousness (ACVPU)",
            Self::Temperature => "Temperature",
        }
    }

    /// The element id of the field (and, with `-error`, of its message).
    pub fn id(self) -> &'static str {
        match self {
            Self::Respiration => "obs-respiration",
            Self::Spo2 => "obs-spo2",
            Self::AirOrOxygen => "obs-air",
            Self::Systolic => "obs-systolic",
            Self::Pulse => "obs-pulse",
            Self::Consciousness => "obs-acvpu",
            Self::Temperature => "obs-temperature",
        }
    }

    fn of(self, s: &Score) -> u8 {
        match self {
            Self::Respiration => s.respiration_rate,
            Self::Spo2 => s.spo2,
            Self::AirOrOxygen => s.air_or_oxygen,
            Self::Systolic => s.systolic_bp,
            Self::Pulse => s.pulse,
            Self::Consciousness => s.consciousness,
            Self::Temperature => s.temperature,
        }
    }
}

/// Readings that score 0 on either scale: what a parameter not yet entered is assumed to
/// be while one that has been entered is scored (its score never depends on the others,
/// except SpO2 on Scale 2 on air or oxygen, which is handled apart).
const BASELINE: Observations = Observations {
    respiration_rate: 16,
    spo2: 97,
    air_or_oxygen: AirOrOxygen::Air,
    systolic_bp: 130,
    pulse: 70,
    consciousness: Consciousness::Alert,
    temperature_tenths: 370,
};

/// The observation form as typed: text for the numbers, a choice for the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObsInput {
    pub respiration: String,
    pub spo2: String,
    pub air: Option<AirOrOxygen>,
    pub systolic: String,
    pub pulse: String,
    pub consciousness: Option<Consciousness>,
    pub temperature: String,
}

impl ObsInput {
    /// The form filled in with a set already recorded (to amend it).
    pub fn from(o: &Observations) -> Self {
        Self {
            respiration: o.respiration_rate.to_string(),
            spo2: o.spo2.to_string(),
            air: Some(o.air_or_oxygen),
            systolic: o.systolic_bp.to_string(),
            pulse: o.pulse.to_string(),
            consciousness: Some(o.consciousness),
            temperature: bedside_domain::news2::tenths(o.temperature_tenths),
        }
    }

    pub fn text(&self, p: Param) -> &str {
        match p {
            Param::Respiration => &self.respiration,
            Param::Spo2 => &self.spo2,
            Param::Systolic => &self.systolic,
            Param::Pulse => &self.pulse,
            Param::Temperature => &self.temperature,
            Param::AirOrOxygen | Param::Consciousness => "",
        }
    }

    pub fn set_text(&mut self, p: Param, value: String) {
        match p {
            Param::Respiration => self.respiration = value,
            Param::Spo2 => self.spo2 = value,
            Param::Systolic => self.systolic = value,
            Param::Pulse => self.pulse = value,
            Param::Temperature => self.temperature = value,
            Param::AirOrOxygen | Param::Consciousness => {}
        }
    }
}

/// A whole number as typed ("16", " 16 "); `None` when it is not one.
fn whole(raw: &str) -> Option<u16> {
    let t = raw.trim();
    if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// A temperature as typed, in tenths ("37.2" is 372; "37" is 370; a comma is read as a
/// decimal point). `None` when it is not a number with at most one decimal place.
fn tenths(raw: &str) -> Option<i16> {
    let t = raw.trim().replace(',', ".");
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    if int.is_empty()
        || int.len() > 3
        || frac.len() > 1
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int: i16 = int.parse().ok()?;
    let frac: i16 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    Some(int * 10 + frac)
}

/// One reading checked on its own: a number, and one a person can have (the domain's
/// [`Observations::parse`] says which, and words the refusal).
pub fn reading(input: &ObsInput, p: Param) -> Reading<Observations> {
    let raw = input.text(p);
    let mut obs = BASELINE;
    match p {
        Param::AirOrOxygen => {
            return match input.air {
                Some(a) => Reading::Good(Observations {
                    air_or_oxygen: a,
                    ..obs
                }),
                None => Reading::Empty,
            };
        }
        Param::Consciousness => {
            return match input.consciousness {
                Some(c) => Reading::Good(Observations {
                    consciousness: c,
                    ..obs
                }),
                None => Reading::Empty,
            };
        }
        _ if raw.trim().is_empty() => return Reading::Empty,
        Param::Temperature => match tenths(raw) {
            Some(t) => obs.temperature_tenths = t,
            None => {
                return Reading::Bad(
                    "Enter the temperature in °C with at most one decimal place, like 37.2"
                        .to_owned(),
                );
            }
        },
        _ => {
            let Some(n) = whole(raw) else {
                return Reading::Bad("Enter a whole number, like 72".to_owned());
            };
            match p {
                Param::Respiration => obs.respiration_rate = n,
                Param::Spo2 => obs.spo2 = n,
                Param::Systolic => obs.systolic_bp = n,
                _ => obs.pulse = n,
            }
        }
    }
    match Observations::parse(obs) {
        Ok(o) => Reading::Good(o),
        Err(e) => Reading::Bad(e.message),
    }
}

/// What the form shows of NEWS2 as the readings come in.
#[derive(Debug, Clone, PartialEq)]
pub struct ObsCheck {
    /// Each parameter's reading, in [`Param::ALL`] order.
    pub readings: [Reading<Observations>; 7],
    /// Each parameter's score, as soon as its reading allows.
    pub scores: [Option<u8>; 7],
    /// The whole set, when every reading is entered and can be recorded.
    pub complete: Option<Observations>,
    /// Its score on the resident's scale.
    pub score: Option<Score>,
}

impl ObsCheck {
    pub fn entered(&self) -> usize {
        self.readings
            .iter()
            .filter(|r| !matches!(r, Reading::Empty))
            .count()
    }
}

/// Checks the form and scores what it can, on the resident's SpO2 scale.
pub fn check(input: &ObsInput, scale: Spo2Scale) -> ObsCheck {
    let readings = Param::ALL.map(|p| reading(input, p));
    let mut scores = [None; 7];
    for (i, p) in Param::ALL.into_iter().enumerate() {
        let Some(obs) = readings[i].good() else {
            continue;
        };
        scores[i] = if p == Param::Spo2 {
            // On Scale 2 an SpO2 of 93% or more scores by air or oxygen: known once that is
            // chosen, or when both give the same.
            let with = |a| {
                Param::Spo2.of(&score(
                    &Observations {
                        air_or_oxygen: a,
                        ..obs
                    },
                    scale,
                ))
            };
            match input.air {
                Some(a) => Some(with(a)),
                None => Some(with(AirOrOxygen::Air)).filter(|s| *s == with(AirOrOxygen::Oxygen)),
            }
        } else {
            Some(p.of(&score(&obs, scale)))
        };
    }
    let complete = match readings.each_ref().map(Reading::good) {
        [
            Some(rr),
            Some(sat),
            Some(air),
            Some(bp),
            Some(hr),
            Some(c),
            Some(t),
        ] => Some(Observations {
            respiration_rate: rr.respiration_rate,
            spo2: sat.spo2,
            air_or_oxygen: air.air_or_oxygen,
            systolic_bp: bp.systolic_bp,
            pulse: hr.pulse,
            consciousness: c.consciousness,
            temperature_tenths: t.temperature_tenths,
        }),
        _ => None,
    };
    ObsCheck {
        readings,
        scores,
        score: complete.map(|o| score(&o, scale)),
        complete,
    }
}

/// Whether advice must be shown as an alert: an urgent or emergency response, or a single
/// parameter scoring 3.
pub fn is_alert(response: Response) -> bool {
    response >= Response::UrgentReview
}

/// "NEWS2 7 (High)".
pub fn news2_text(s: &Score) -> String {
    format!("NEWS2 {} ({})", s.total, s.response().label())
}

/// "Scale 1" or "Scale 2 (set by a clinician)".
pub fn scale_text(scale: Spo2Scale) -> &'static str {
    match scale {
        Spo2Scale::Scale1 => "Scale 1",
        Spo2Scale::Scale2 => "Scale 2 (set by a clinician)",
    }
}

/// "RR 22/min · SpO2 93% on oxygen · BP 104 mmHg · pulse 112/min · new confusion ·
/// 38.5 °C": a set of readings on one line.
pub fn readings_text(o: &Observations) -> String {
    let on = match o.air_or_oxygen {
        AirOrOxygen::Air => "air",
        AirOrOxygen::Oxygen => "oxygen",
    };
    format!(
        "RR {}/min · SpO2 {}% on {on} · BP {} mmHg · pulse {}/min · {} · {} °C",
        o.respiration_rate,
        o.spo2,
        o.systolic_bp,
        o.pulse,
        o.consciousness.label(),
        bedside_domain::news2::tenths(o.temperature_tenths)
    )
}

/// The kinds of item staff record at the bedside and may correct.
fn is_record(e: &Entry) -> bool {
    matches!(
        e.body,
        EntryBody::CareNote { .. } | EntryBody::ObservationSet { .. }
    )
}

/// A care note or observation set, with what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<'a> {
    pub entry: &'a Entry,
    /// The latest correction of it the tablet holds (perhaps only on this tablet).
    pub correction: Option<&'a Entry>,
    /// For an amendment not yet applied by the server: the new content, from this
    /// tablet's outbox. The entry still holds the earlier version.
    pub pending_amendment: Option<&'a EntryBody>,
    /// A correction of it the server refused, with the reason.
    pub refused_correction: Option<String>,
}

impl Recorded<'_> {
    /// Entered in error, on the server or on this tablet.
    pub fn in_error(&self) -> bool {
        self.entry.status == EntryStatus::EnteredInError
            || matches!(
                self.correction.map(|c| &c.body),
                Some(EntryBody::Correction {
                    action: CorrectionAction::EnteredInError,
                    ..
                })
            )
    }

    /// Whether it can still be corrected (not already entered in error).
    pub fn correctable(&self) -> bool {
        !self.in_error()
    }
}

/// A resident's care notes and observation sets, newest first by when they were written,
/// those entered in error included (they stay in the history, marked), each with its
/// correction.
pub fn recorded<'a>(entries: &'a [Entry], outbox: &'a [OutboxItem]) -> Vec<Recorded<'a>> {
    let list: Vec<Recorded<'a>> = entries
        .iter()
        .filter(|e| is_record(e))
        .map(|e| recorded_one(e, entries, outbox))
        .collect();
    order::sorted_by_key(list, |r| std::cmp::Reverse(r.entry.provenance.authored_at))
}

fn recorded_one<'a>(
    entry: &'a Entry,
    entries: &'a [Entry],
    outbox: &'a [OutboxItem],
) -> Recorded<'a> {
    let correction = entries
        .iter()
        .filter(|c| c.is_current())
        .filter(|c| matches!(&c.body, EntryBody::Correction { target, .. } if *target == entry.id))
        .max_by_key(|c| c.provenance.authored_at);
    let mut pending_amendment = None;
    let mut refused_correction = None;
    for item in outbox {
        if let MutationOp::Correct { entry_id, body, .. } = &item.mutation.op
            && *entry_id == entry.id
        {
            match item_state(item) {
                ItemState::Rejected(reason) => refused_correction = Some(reason),
                ItemState::SavedOnTablet | ItemState::WaitingToSend => {
                    pending_amendment = body.as_ref();
                }
                _ => {}
            }
        }
    }
    Recorded {
        entry,
        correction,
        pending_amendment,
        refused_correction,
    }
}

/// What the handover lists for one resident.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverGroup<'a> {
    pub person: PersonId,
    pub items: Vec<Recorded<'a>>,
}

/// The notes and observation sets written at or after `since`, grouped by resident in
/// the order of `residents` (the list's), newest first within each; residents with
/// nothing recorded are left out, and so is anything for a resident not on the list.
pub fn handover<'a>(
    entries: &'a [Entry],
    outbox: &'a [OutboxItem],
    residents: &[PersonId],
    since: DateTime<Utc>,
) -> Vec<HandoverGroup<'a>> {
    let all = recorded(entries, outbox);
    residents
        .iter()
        .filter_map(|person| {
            let items: Vec<Recorded<'a>> = all
                .iter()
                .filter(|r| r.entry.person_id == *person && r.entry.provenance.authored_at >= since)
                .cloned()
                .collect();
            (!items.is_empty()).then_some(HandoverGroup {
                person: *person,
                items,
            })
        })
        .collect()
}

/// The section proposals waiting for a senior's choice for the section `section`: kept
/// when two tablets edited it at once. One already settled on this tablet (its decision
/// waiting to send) is still listed: see [`pending_resolution`].
pub fn open_proposals(entries: &[Entry], section: EntryId) -> Vec<&Entry> {
    let list: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.is_current())
        .filter(|e| {
            matches!(&e.body, EntryBody::SectionProposal { target, resolution: None, .. }
                if *target == section)
        })
        .collect();
    order::sorted_by_key(list, |e| e.provenance.authored_at)
}

/// This tablet's decision on a proposal that the server has not yet applied, with its
/// state: `Some(accept)`.
pub fn pending_resolution(outbox: &[OutboxItem], proposal: EntryId) -> Option<(bool, ItemState)> {
    outbox
        .iter()
        .rev()
        .find_map(|item| match &item.mutation.op {
            MutationOp::ResolveSection {
                proposal_id,
                accept,
            } if *proposal_id == proposal => {
                let state = item_state(item);
                matches!(
                    state,
                    ItemState::SavedOnTablet | ItemState::WaitingToSend | ItemState::Rejected(_)
                )
                .then_some((*accept, state))
            }
            _ => None,
        })
}

/// This tablet's latest edit of a section that the server has not yet applied (or has
/// refused, or kept as a proposal), with its state and the edited content.
pub fn pending_edit<'a>(
    outbox: &'a [OutboxItem],
    person: PersonId,
    key: &SectionKey,
) -> Option<(&'a EntryBody, ItemState)> {
    outbox
        .iter()
        .rev()
        .find_map(|item| match &item.mutation.op {
            MutationOp::EditSection {
                person_id,
                section,
                base_version: Some(_),
                body,
            } if *person_id == person && section == key => {
                let state = item_state(item);
                (state != ItemState::Confirmed).then_some((body, state))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use bedside_domain::record::{AboutMeTopic, NoteCategory};
    use bedside_domain::sync::plan::OutboxState;
    use bedside_domain::sync::wire::{Mutation, Outcome};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::select::fixtures::{at, entry};

    fn input(rr: &str, spo2: &str, bp: &str, pulse: &str, temp: &str) -> ObsInput {
        ObsInput {
            respiration: rr.into(),
            spo2: spo2.into(),
            air: Some(AirOrOxygen::Air),
            systolic: bp.into(),
            pulse: pulse.into(),
            consciousness: Some(Consciousness::Alert),
            temperature: temp.into(),
        }
    }

    #[test]
    fn numbers_are_read_as_staff_type_them() {
        assert_eq!(whole(" 72 "), Some(72));
        for bad in ["", "7.2", "-3", "72a", "1e3", "99999"] {
            assert_eq!(whole(bad), None, "{bad}");
        }
        assert_eq!(tenths("37.2"), Some(372));
        assert_eq!(tenths("37,2"), Some(372));
        assert_eq!(tenths("37"), Some(370));
        assert_eq!(tenths("37."), Some(370));
        for bad in ["", ".5", "37.25", "abc", "-37", "3722"] {
            assert_eq!(tenths(bad), None, "{bad}");
        }
    }

    #[test]
    fn readings_outside_what_can_be_measured_are_refused_at_their_field() {
        let c = check(&input("16", "150", "130", "70", "37.0"), Spo2Scale::Scale1);
        let msg = c.readings[1].message().expect("SpO2 refused");
        assert!(msg.contains("150%") && msg.contains("50% to 100%"), "{msg}");
        assert!(c.complete.is_none(), "a refused reading cannot be saved");
        assert!(c.score.is_none());
        // The other readings still score.
        assert_eq!(c.scores[0], Some(0));
        assert_eq!(c.scores[1], None);

        let c = check(&input("16", "97", "130", "70", "50.0"), Spo2Scale::Scale1);
        assert!(
            c.readings[6]
                .message()
                .expect("refused")
                .contains("25.0 °C to 45.0 °C")
        );
        let c = check(&input("abc", "97", "130", "70", "37.25"), Spo2Scale::Scale1);
        assert_eq!(
            c.readings[0].message(),
            Some("Enter a whole number, like 72")
        );
        assert!(
            c.readings[6]
                .message()
                .expect("refused")
                .contains("one decimal place")
        );
        // The band edges of the limits themselves are accepted.
        let c = check(&input("3", "50", "40", "20", "25.0"), Spo2Scale::Scale1);
        assert!(c.complete.is_some());
        let c = check(&input("70", "100", "300", "250", "45.0"), Spo2Scale::Scale1);
        assert!(c.complete.is_some());
        let c = check(&input("71", "100", "301", "251", "45.1"), Spo2Scale::Scale1);
        assert_eq!(
            c.readings.iter().filter(|r| r.message().is_some()).count(),
            4
        );
    }

    #[test]
    fn each_score_appears_as_soon_as_its_reading_allows() {
        let mut form = ObsInput::default();
        let c = check(&form, Spo2Scale::Scale1);
        assert_eq!(c.entered(), 0);
        assert_eq!(c.scores, [None; 7]);
        form.respiration = "25".into();
        form.pulse = "112".into();
        let c = check(&form, Spo2Scale::Scale1);
        assert_eq!(c.scores[0], Some(3));
        assert_eq!(c.scores[4], Some(2));
        assert_eq!(c.entered(), 2);
        assert!(c.score.is_none(), "no total until every reading is in");

        // On Scale 2, 95% scores only once air or oxygen is known; 85% scores either way.
        form.spo2 = "95".into();
        assert_eq!(check(&form, Spo2Scale::Scale2).scores[1], None);
        assert_eq!(check(&form, Spo2Scale::Scale1).scores[1], Some(1));
        form.air = Some(AirOrOxygen::Oxygen);
        let c = check(&form, Spo2Scale::Scale2);
        assert_eq!(c.scores[1], Some(2));
        assert_eq!(c.scores[2], Some(2));
        form.air = None;
        form.spo2 = "85".into();
        assert_eq!(check(&form, Spo2Scale::Scale2).scores[1], Some(2));
    }

    #[test]
    fn a_complete_set_has_the_domains_score_and_advice() {
        // RR 25 (3), SpO2 93 on Scale 1 (2), oxygen (2), BP 130 (0), pulse 112 (2),
        // alert (0), 38.5 (1): 10, emergency.
        let mut form = input("25", "93", "130", "112", "38.5");
        form.air = Some(AirOrOxygen::Oxygen);
        let c = check(&form, Spo2Scale::Scale1);
        let s = c.score.expect("complete");
        assert_eq!(s, score(&c.complete.expect("complete"), Spo2Scale::Scale1));
        assert_eq!(s.total, 10);
        assert_eq!(s.response(), Response::Emergency);
        assert!(is_alert(s.response()));
        assert_eq!(news2_text(&s), "NEWS2 10 (High)");
        assert_eq!(c.scores.iter().map(|s| s.unwrap_or(9)).sum::<u8>(), 10);

        // A single 3 (new confusion) alerts though the total is 3.
        let mut form = input("16", "97", "130", "70", "37.0");
        form.consciousness = Some(Consciousness::NewConfusion);
        let s = check(&form, Spo2Scale::Scale1).score.expect("complete");
        assert_eq!((s.total, s.response()), (3, Response::UrgentReview));
        assert!(is_alert(s.response()));
        let calm = check(&input("16", "97", "130", "70", "37.0"), Spo2Scale::Scale1);
        assert!(!is_alert(calm.score.expect("complete").response()));

        // An amendment starts from the set as recorded.
        let recorded = c.complete.expect("complete");
        assert_eq!(
            check(&ObsInput::from(&recorded), Spo2Scale::Scale1).complete,
            Some(recorded)
        );
        assert_eq!(
            readings_text(&recorded),
            "RR 25/min · SpO2 93% on oxygen · BP 130 mmHg · pulse 112/min · Alert · 38.5 °C"
        );
    }

    fn note(n: u128, hour: u32, person: u128) -> Entry {
        let mut e = entry(
            n,
            at(2026, 11, 25) + chrono::Duration::hours(i64::from(hour) - 10),
            EntryBody::CareNote {
                category: NoteCategory::Social,
                text: format!("Note {n}"),
            },
        );
        e.person_id = PersonId(uuid::Uuid::from_u128(person));
        e
    }

    fn correction(n: u128, target: u128, action: CorrectionAction, hour: u32) -> Entry {
        entry(
            n,
            at(2026, 11, 25) + chrono::Duration::hours(i64::from(hour) - 10),
            EntryBody::Correction {
                target: EntryId(uuid::Uuid::from_u128(target)),
                action,
                reason: "Wrong resident".into(),
            },
        )
    }

    fn item(n: u128, op: MutationOp, state: OutboxState) -> OutboxItem {
        OutboxItem {
            mutation: Mutation {
                id: uuid::Uuid::from_u128(n),
                device_seq: 1,
                created_at: at(2026, 11, 25),
                op,
            },
            state,
        }
    }

    #[test]
    fn notes_are_listed_newest_first_with_their_corrections() {
        let mut amended = note(3, 8, 1);
        amended.version = 2;
        let entries = vec![
            note(1, 9, 1),
            note(2, 11, 1),
            amended,
            correction(10, 1, CorrectionAction::EnteredInError, 12),
            correction(11, 3, CorrectionAction::Amended, 12),
            entry(12, at(2026, 11, 25), EntryBody::Unknown),
        ];
        let new_text = EntryBody::CareNote {
            category: NoteCategory::Social,
            text: "Corrected".into(),
        };
        let outbox = vec![
            item(
                20,
                MutationOp::Correct {
                    entry_id: EntryId(uuid::Uuid::from_u128(2)),
                    action: CorrectionAction::Amended,
                    reason: "Typo".into(),
                    body: Some(new_text.clone()),
                },
                OutboxState::Saved,
            ),
            item(
                21,
                MutationOp::Correct {
                    entry_id: EntryId(uuid::Uuid::from_u128(3)),
                    action: CorrectionAction::EnteredInError,
                    reason: "x".into(),
                    body: None,
                },
                OutboxState::Confirmed {
                    outcome: Outcome::Rejected {
                        reason: "Already corrected".into(),
                    },
                },
            ),
        ];
        let list = recorded(&entries, &outbox);
        let ids: Vec<u128> = list.iter().map(|r| r.entry.id.0.as_u128()).collect();
        assert_eq!(ids, vec![2, 1, 3], "newest first, corrections not listed");
        assert_eq!(list[0].pending_amendment, Some(&new_text));
        assert!(list[1].in_error() && !list[1].correctable());
        assert!(!list[2].in_error());
        assert_eq!(list[2].correction.map(|c| c.id.0.as_u128()), Some(11));
        assert_eq!(
            list[2].refused_correction.as_deref(),
            Some("Already corrected")
        );
    }

    #[test]
    fn the_handover_groups_the_shift_by_resident_in_list_order() {
        let entries = vec![note(1, 6, 1), note(2, 9, 2), note(3, 11, 1), note(4, 12, 3)];
        let order = [3u128, 2, 1].map(|n| PersonId(uuid::Uuid::from_u128(n)));
        let since = at(2026, 11, 25) - chrono::Duration::hours(2); // 08:00
        let groups = handover(&entries, &[], &order[1..], since);
        let got: Vec<(u128, Vec<u128>)> = groups
            .iter()
            .map(|g| {
                (
                    g.person.0.as_u128(),
                    g.items.iter().map(|r| r.entry.id.0.as_u128()).collect(),
                )
            })
            .collect();
        // Resident 3 is not on the list given; note 1 is before the shift.
        assert_eq!(got, vec![(2, vec![2]), (1, vec![3])]);
    }

    #[test]
    fn proposals_and_pending_section_changes() {
        let section = EntryId(uuid::Uuid::from_u128(50));
        let body = EntryBody::AboutMeSection {
            topic: AboutMeTopic::Routines,
            text: "Tea at seven".into(),
        };
        let proposal = |n, resolution| {
            entry(
                n,
                at(2026, 11, 20),
                EntryBody::SectionProposal {
                    target: section,
                    base_version: 1,
                    body: Box::new(body.clone()),
                    resolution,
                },
            )
        };
        let settled = bedside_domain::record::Resolution {
            accepted: true,
            by: "oak.senior".into(),
            at: at(2026, 11, 21),
        };
        let other = entry(
            53,
            at(2026, 11, 20),
            EntryBody::SectionProposal {
                target: EntryId(uuid::Uuid::from_u128(99)),
                base_version: 1,
                body: Box::new(body.clone()),
                resolution: None,
            },
        );
        let entries = vec![proposal(51, None), proposal(52, Some(settled)), other];
        let open: Vec<u128> = open_proposals(&entries, section)
            .iter()
            .map(|e| e.id.0.as_u128())
            .collect();
        assert_eq!(open, vec![51]);

        let person = PersonId(uuid::Uuid::from_u128(1));
        let key = SectionKey::AboutMe {
            topic: AboutMeTopic::Routines,
        };
        let outbox = vec![
            item(
                60,
                MutationOp::ResolveSection {
                    proposal_id: EntryId(uuid::Uuid::from_u128(51)),
                    accept: false,
                },
                OutboxState::Saved,
            ),
            item(
                61,
                MutationOp::EditSection {
                    person_id: person,
                    section: key.clone(),
                    base_version: Some(1),
                    body: body.clone(),
                },
                OutboxState::Waiting {
                    attempts: 1,
                    last_attempt: at(2026, 11, 25),
                },
            ),
        ];
        assert_eq!(
            pending_resolution(&outbox, EntryId(uuid::Uuid::from_u128(51))),
            Some((false, ItemState::SavedOnTablet))
        );
        assert_eq!(
            pending_resolution(&outbox, EntryId(uuid::Uuid::from_u128(52))),
            None
        );
        assert_eq!(
            pending_edit(&outbox, person, &key),
            Some((&body, ItemState::WaitingToSend))
        );
        let other_key = SectionKey::CarePlan {
            area: "Mobility".into(),
        };
        assert_eq!(pending_edit(&outbox, person, &other_key), None);
        assert!(can_edit_sections(Role::Senior) && !can_edit_sections(Role::Carer));
    }
}
