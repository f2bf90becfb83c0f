//! What a local write stores before the server has answered: the checks the tablet can
//! make itself, and the provisional entry (version 0) that shows the write at once.
//!
//! A provisional entry is written exactly when the mutation, once applied, makes an entry
//! whose id is the mutation's id (the sync contract): a care note, an observation set,
//! the correction entry of a correction, and a new care plan or About Me section. The
//! server's version (1 or more) then replaces it through the change feed, so the tablet's
//! copy and the server's are the same record. An edit of an existing section and the
//! settling of a proposal make no entry of their own until the server answers; staff see
//! them through their outbox item until then.

use bedside_domain::EntryId;
use bedside_domain::news2::{self, Observations};
use bedside_domain::record::{Entry, EntryBody, EntryStatus, Provenance, Resident};
use bedside_domain::sync::wire::{Mutation, MutationOp};
use chrono::{DateTime, Utc};

use crate::db::DbError;

/// The longest care note or reason the server accepts (the sync contract).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Why a local write was refused. Every message is for staff, and none carries record
/// contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Nobody is signed in on this tablet (or the sign-in is being replaced).
    #[error("sign in to record")]
    NotSignedIn,
    /// The resident is not on this tablet (they may have left the home).
    #[error("this resident is not on this tablet")]
    UnknownResident,
    /// The entry to correct or the proposal to settle is not on this tablet.
    #[error("the entry is not on this tablet")]
    UnknownEntry,
    /// What was entered cannot be recorded; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// The tablet's store failed: nothing was saved.
    #[error("{0}")]
    Storage(DbError),
}

impl From<DbError> for RecordError {
    fn from(e: DbError) -> Self {
        Self::Storage(e)
    }
}

/// The checks the tablet can make before saving, so staff hear at once what the server
/// would refuse. The server checks again (and more: roles, residency) and answers
/// `rejected` with a reason.
pub fn check(op: &MutationOp) -> Result<(), RecordError> {
    let text = |what: &str, s: &str| {
        if s.trim().is_empty() {
            Err(RecordError::Invalid(format!(
                "{what} is empty: write something first"
            )))
        } else if s.chars().count() > MAX_TEXT_CHARS {
            Err(RecordError::Invalid(format!(
                "{what} is too long: at most {MAX_TEXT_CHARS} characters"
            )))
        } else {
            Ok(())
        }
    };
    match op {
        MutationOp::AddNote { text: t, .. } => text("The note", t),
        MutationOp::AddObservations { observations, .. } => Observations::parse(*observations)
            .map(|_| ())
            .map_err(|e| RecordError::Invalid(e.to_string())),
        MutationOp::Correct { reason, .. } => text("The reason for the correction", reason),
        MutationOp::EditSection { .. } | MutationOp::ResolveSection { .. } => Ok(()),
    }
}

/// Whose resident a mutation is about, as far as the mutation itself says: the person for
/// notes, observations and section edits; otherwise the entry whose person it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Person(bedside_domain::PersonId),
    Entry(EntryId),
}

pub fn subject(op: &MutationOp) -> Subject {
    match op {
        MutationOp::AddNote { person_id, .. }
        | MutationOp::AddObservations { person_id, .. }
        | MutationOp::EditSection { person_id, .. } => Subject::Person(*person_id),
        MutationOp::Correct { entry_id, .. } => Subject::Entry(*entry_id),
        MutationOp::ResolveSection { proposal_id, .. } => Subject::Entry(*proposal_id),
    }
}

/// Who wrote it, as the provisional entry's provenance says until the server's version
/// arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The home's name.
    pub organisation: String,
    /// The signed-in member of staff's username.
    pub username: String,
}

/// The provisional entry for a mutation about `resident`, or `None` when the mutation
/// makes no entry with its own id (see the module docs).
pub fn provisional_entry(mutation: &Mutation, resident: &Resident, by: &Author) -> Option<Entry> {
    let body = match &mutation.op {
        MutationOp::AddNote { category, text, .. } => EntryBody::CareNote {
            category: *category,
            text: text.clone(),
        },
        MutationOp::AddObservations {
            observations,
            taken_at,
            ..
        } => EntryBody::ObservationSet {
            observations: *observations,
            scale: resident.spo2_scale,
            // The same computation the server makes, shown before it answers.
            score: news2::score(observations, resident.spo2_scale),
            taken_at: *taken_at,
        },
        MutationOp::Correct {
            entry_id,
            action,
            reason,
            ..
        } => EntryBody::Correction {
            target: *entry_id,
            action: *action,
            reason: reason.clone(),
        },
        MutationOp::EditSection {
            base_version: None,
            body,
            ..
        } => body.clone(),
        MutationOp::EditSection {
            base_version: Some(_),
            ..
        }
        | MutationOp::ResolveSection { .. } => return None,
    };
    Some(Entry {
        id: EntryId(mutation.id),
        person_id: resident.id,
        version: 0,
        status: EntryStatus::Current,
        provenance: local_provenance(by, mutation.created_at),
        body,
    })
}

fn local_provenance(by: &Author, at: DateTime<Utc>) -> Provenance {
    Provenance {
        organisation: by.organisation.clone(),
        ods_code: None,
        system: None,
        source_id: None,
        author: Some(by.username.clone()),
        authored_at: at,
        received_at: at,
    }
}

/// Whether an entry is a provisional one, written on this tablet and not yet replaced by
/// the server's version.
pub fn is_provisional(entry: &Entry) -> bool {
    entry.version == 0
}

#[cfg(test)]
mod tests {
    use bedside_domain::news2::{AirOrOxygen, Consciousness, Spo2Scale};
    use bedside_domain::record::{
        CorrectionAction, NoteCategory, PersonName, ResidencyStatus, Sex,
    };
    use bedside_domain::sync::wire::SectionKey;
    use bedside_domain::{HomeId, NhsNumber, PersonId};
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 41, 0)
            .single()
            .expect("valid time")
    }

    fn resident(scale: Spo2Scale) -> Resident {
        Resident {
            id: PersonId(Uuid::from_u128(1)),
            home_id: HomeId(Uuid::from_u128(9)),
            nhs_number: NhsNumber::parse("9990000018").expect("valid"),
            name: PersonName {
                given: "Ada".into(),
                family: "Testperson".into(),
                preferred: None,
            },
            birth_date: at().date_naive(),
            sex: Sex::Female,
            gp_practice: None,
            room: "4".into(),
            admitted_on: at().date_naive(),
            status: ResidencyStatus::InHome,
            spo2_scale: scale,
        }
    }

    fn by() -> Author {
        Author {
            organisation: "Oak Lodge".into(),
            username: "oak.carer".into(),
        }
    }

    fn mutation(op: MutationOp) -> Mutation {
        Mutation {
            id: Uuid::from_u128(77),
            device_seq: 3,
            created_at: at(),
            op,
        }
    }

    fn obs(spo2: u16) -> Observations {
        Observations {
            respiration_rate: 18,
            spo2,
            air_or_oxygen: AirOrOxygen::Air,
            systolic_bp: 120,
            pulse: 70,
            consciousness: Consciousness::Alert,
            temperature_tenths: 370,
        }
    }

    #[test]
    fn a_note_is_shown_at_once_as_version_zero_with_the_tablets_provenance() {
        let m = mutation(MutationOp::AddNote {
            person_id: PersonId(Uuid::from_u128(1)),
            category: NoteCategory::Social,
            text: "Enjoyed the music".into(),
        });
        let e = provisional_entry(&m, &resident(Spo2Scale::Scale1), &by()).expect("an entry");
        assert_eq!(e.id, EntryId(m.id));
        assert_eq!(e.version, 0);
        assert!(is_provisional(&e));
        assert_eq!(e.provenance.organisation, "Oak Lodge");
        assert_eq!(e.provenance.author.as_deref(), Some("oak.carer"));
        assert_eq!(e.provenance.authored_at, at());
        assert!(
            matches!(e.body, EntryBody::CareNote { ref text, .. } if text == "Enjoyed the music")
        );
    }

    #[test]
    fn observations_are_scored_on_the_residents_scale() {
        let op = MutationOp::AddObservations {
            person_id: PersonId(Uuid::from_u128(1)),
            observations: obs(89),
            taken_at: at(),
        };
        let m = mutation(op);
        for scale in [Spo2Scale::Scale1, Spo2Scale::Scale2] {
            let e = provisional_entry(&m, &resident(scale), &by()).expect("an entry");
            match e.body {
                EntryBody::ObservationSet {
                    score, scale: s, ..
                } => {
                    assert_eq!(s, scale);
                    assert_eq!(score, news2::score(&obs(89), scale));
                }
                other => panic!("not an observation set: {other:?}"),
            }
        }
        // 89% scores differently on the two scales: the test above means something.
        assert_ne!(
            news2::score(&obs(89), Spo2Scale::Scale1).spo2,
            news2::score(&obs(89), Spo2Scale::Scale2).spo2
        );
    }

    #[test]
    fn only_mutations_that_make_an_entry_with_their_id_get_a_provisional_one() {
        let person = PersonId(Uuid::from_u128(1));
        let body = EntryBody::AboutMeSection {
            topic: bedside_domain::record::AboutMeTopic::Routines,
            text: "Tea at seven".into(),
        };
        let section = SectionKey::AboutMe {
            topic: bedside_domain::record::AboutMeTopic::Routines,
        };
        let cases = [
            (
                MutationOp::Correct {
                    entry_id: EntryId(Uuid::from_u128(5)),
                    action: CorrectionAction::EnteredInError,
                    reason: "Wrong resident".into(),
                    body: None,
                },
                true,
            ),
            (
                MutationOp::EditSection {
                    person_id: person,
                    section: section.clone(),
                    base_version: None,
                    body: body.clone(),
                },
                true,
            ),
            (
                MutationOp::EditSection {
                    person_id: person,
                    section,
                    base_version: Some(2),
                    body,
                },
                false,
            ),
            (
                MutationOp::ResolveSection {
                    proposal_id: EntryId(Uuid::from_u128(6)),
                    accept: true,
                },
                false,
            ),
        ];
        for (op, makes) in cases {
            let e = provisional_entry(&mutation(op.clone()), &resident(Spo2Scale::Scale1), &by());
            assert_eq!(e.is_some(), makes, "{op:?}");
        }
    }

    #[test]
    fn what_the_tablet_refuses_before_saving() {
        let person = PersonId(Uuid::from_u128(1));
        let note = |text: &str| MutationOp::AddNote {
            person_id: person,
            category: NoteCategory::Clinical,
            text: text.into(),
        };
        assert_eq!(check(&note("Settled night")), Ok(()));
        assert!(matches!(check(&note("   ")), Err(RecordError::Invalid(_))));
        assert!(matches!(
            check(&note(&"x".repeat(MAX_TEXT_CHARS + 1))),
            Err(RecordError::Invalid(_))
        ));
        assert_eq!(check(&note(&"é".repeat(MAX_TEXT_CHARS))), Ok(()));
        let observations = |spo2| MutationOp::AddObservations {
            person_id: person,
            observations: obs(spo2),
            taken_at: at(),
        };
        assert_eq!(check(&observations(96)), Ok(()));
        match check(&observations(150)) {
            Err(RecordError::Invalid(message)) => assert!(message.contains("SpO2"), "{message}"),
            other => panic!("150% SpO2 was not refused: {other:?}"),
        }
    }

    #[test]
    fn subjects() {
        let person = PersonId(Uuid::from_u128(1));
        let entry = EntryId(Uuid::from_u128(2));
        assert_eq!(
            subject(&MutationOp::AddNote {
                person_id: person,
                category: NoteCategory::Social,
                text: "x".into()
            }),
            Subject::Person(person)
        );
        assert_eq!(
            subject(&MutationOp::ResolveSection {
                proposal_id: entry,
                accept: false
            }),
            Subject::Entry(entry)
        );
    }
}
