//! What a resident's summary shows, worked out from their entries.
//!
//! Pure functions over one person's entries, shared by the tablet (which renders them)
//! and the server (which uses them for exports and tests). The clinical safety rules
//! live here: retracted entries never count, and "nothing recorded" is never turned
//! into "none".

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::order;
use crate::record::{
    AboutMeTopic, AdvanceCareForm, ClinicalStatus, Concept, CprDecision, DocumentType, Entry,
    EntryBody, LabValue, MedicationStatus, ResidencyStatus, Resident, StayStatus,
};
use crate::text::fold_case;

/// Current entries only, newest first by when they were written.
fn current(entries: &[Entry]) -> impl Iterator<Item = &Entry> {
    entries.iter().filter(|e| e.is_current())
}

fn newest_first(list: &mut [&Entry]) {
    order::sort_by_key(list, |e| std::cmp::Reverse(e.provenance.authored_at));
}

/// Allergies as the banner must show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AllergyState {
    /// Nobody has recorded anything: staff must ask, not assume.
    NotRecorded,
    /// A clinician recorded that there are no known allergies.
    NoKnownAllergies,
    /// The substances, most recently recorded first.
    Allergies { substances: Vec<String> },
}

/// The resuscitation decision as the banner must show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CprState {
    NotRecorded,
    Recorded {
        form: AdvanceCareForm,
        cpr: CprDecision,
        agreed_on: NaiveDate,
    },
}

/// Where the resident is, when not in the home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HospitalState {
    /// The hospital, when a stay has been received; the residency status alone may say
    /// "in hospital" before the hospital has sent anything.
    pub hospital: Option<String>,
    pub ward: Option<String>,
    pub since: Option<NaiveDate>,
}

/// The facts that must always be visible for a resident: on the banner and as badges on
/// the resident list. Kept beside the resident on the tablet, worked out again whenever
/// their entries change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    pub allergies: AllergyState,
    pub cpr: CprState,
    pub in_hospital: Option<HospitalState>,
}

pub fn banner(resident: &Resident, entries: &[Entry]) -> Banner {
    Banner {
        allergies: allergy_state(entries),
        cpr: match advance_care_plan(entries) {
            Some(AdvanceCareView {
                form,
                cpr,
                agreed_on,
                ..
            }) => CprState::Recorded {
                form,
                cpr,
                agreed_on,
            },
            None => CprState::NotRecorded,
        },
        in_hospital: hospital_state(resident, entries),
    }
}

/// Active allergies, newest first.
pub fn allergies(entries: &[Entry]) -> Vec<&Entry> {
    let mut list: Vec<&Entry> = current(entries)
        .filter(|e| {
            matches!(
                e.body,
                EntryBody::Allergy {
                    clinical_status: ClinicalStatus::Active,
                    ..
                }
            )
        })
        .collect();
    newest_first(&mut list);
    list
}

/// The latest "no known allergies" statement, if any.
pub fn no_known_allergies(entries: &[Entry]) -> Option<&Entry> {
    let mut list: Vec<&Entry> = current(entries)
        .filter(|e| matches!(e.body, EntryBody::NoKnownAllergies {}))
        .collect();
    newest_first(&mut list);
    list.first().copied()
}

/// Any active allergy wins over a "no known allergies" statement, whatever their dates:
/// showing an allergy that may be stale is safe, hiding one is not.
pub fn allergy_state(entries: &[Entry]) -> AllergyState {
    let list = allergies(entries);
    if !list.is_empty() {
        let substances = list
            .iter()
            .filter_map(|e| match &e.body {
                EntryBody::Allergy { substance, .. } => Some(substance.text.clone()),
                _ => None,
            })
            .collect();
        return AllergyState::Allergies { substances };
    }
    if no_known_allergies(entries).is_some() {
        AllergyState::NoKnownAllergies
    } else {
        AllergyState::NotRecorded
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdvanceCareView<'a> {
    pub entry: &'a Entry,
    pub form: AdvanceCareForm,
    pub cpr: CprDecision,
    pub recommendations: Option<&'a str>,
    pub agreed_on: NaiveDate,
    pub review_on: Option<NaiveDate>,
}

/// The most recently agreed advance care plan.
pub fn advance_care_plan(entries: &[Entry]) -> Option<AdvanceCareView<'_>> {
    current(entries)
        .filter_map(|entry| match &entry.body {
            EntryBody::AdvanceCarePlan {
                form,
                cpr,
                recommendations,
                agreed_on,
                review_on,
            } => Some(AdvanceCareView {
                entry,
                form: *form,
                cpr: *cpr,
                recommendations: recommendations.as_deref(),
                agreed_on: *agreed_on,
                review_on: *review_on,
            }),
            _ => None,
        })
        .max_by_key(|v| (v.agreed_on, v.entry.provenance.authored_at))
}

/// The hospital stay in progress, if any (the latest admission when a source left an
/// older one open).
pub fn current_stay(entries: &[Entry]) -> Option<&Entry> {
    current(entries)
        .filter_map(|e| match &e.body {
            EntryBody::HospitalStay {
                status: StayStatus::InProgress,
                admitted_on,
                ..
            } => Some((admitted_on, e)),
            _ => None,
        })
        .max_by_key(|(d, _)| **d)
        .map(|(_, e)| e)
}

/// In hospital if the home says so or a hospital has an admission open.
pub fn hospital_state(resident: &Resident, entries: &[Entry]) -> Option<HospitalState> {
    match current_stay(entries).map(|e| &e.body) {
        Some(EntryBody::HospitalStay {
            hospital,
            ward,
            admitted_on,
            ..
        }) => Some(HospitalState {
            hospital: Some(hospital.clone()),
            ward: ward.clone(),
            since: Some(*admitted_on),
        }),
        _ if resident.status == ResidencyStatus::InHospital => Some(HospitalState {
            hospital: None,
            ward: None,
            since: None,
        }),
        _ => None,
    }
}

/// Active conditions first, each group newest onset first.
pub fn conditions(entries: &[Entry]) -> Vec<&Entry> {
    let mut list: Vec<(bool, Option<NaiveDate>, &Entry)> = current(entries)
        .filter_map(|e| match &e.body {
            EntryBody::Condition {
                clinical_status,
                onset,
                ..
            } => Some((*clinical_status != ClinicalStatus::Active, *onset, e)),
            _ => None,
        })
        .collect();
    order::sort_by(&mut list, |a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    list.into_iter().map(|(_, _, e)| e).collect()
}

/// One line per medicine: the latest order, and what has been supplied since.
#[derive(Debug, Clone, PartialEq)]
pub struct MedicationLine<'a> {
    pub medicine: &'a Concept,
    pub order: &'a Entry,
    pub dosage: Option<&'a str>,
    pub prescribed_on: NaiveDate,
    pub status: MedicationStatus,
    /// Supplies of this medicine, newest first.
    pub supplies: Vec<Supply<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Supply<'a> {
    pub entry: &'a Entry,
    pub dispensed_on: NaiveDate,
    pub dispenser: &'a str,
    pub quantity: Option<&'a str>,
}

impl MedicationLine<'_> {
    pub fn last_supply(&self) -> Option<&Supply<'_>> {
        self.supplies.first()
    }

    /// Days since it was prescribed without any supply on or after that day. `None` when
    /// it has been supplied since (or the prescription is dated in the future).
    pub fn days_awaiting_supply(&self, today: NaiveDate) -> Option<i64> {
        let supplied_since = self
            .supplies
            .iter()
            .any(|s| s.dispensed_on >= self.prescribed_on);
        let days = (today - self.prescribed_on).num_days();
        (!supplied_since && days >= 0).then_some(days)
    }
}

/// Every medicine with an order, active ones first, then by name. Orders and supplies of
/// the same medicine are joined by code (or by name when uncoded).
pub fn medication_lines(entries: &[Entry]) -> Vec<MedicationLine<'_>> {
    // Lists searched by key, not hash maps: see `group`.
    let mut orders: Vec<(String, &Entry)> = Vec::new();
    let mut supplies: Vec<(String, Vec<Supply<'_>>)> = Vec::new();
    for e in current(entries) {
        match &e.body {
            EntryBody::MedicationOrder {
                medicine,
                prescribed_on,
                ..
            } => {
                let key = medicine.key();
                match orders.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, held)) => {
                        let newer = match &held.body {
                            EntryBody::MedicationOrder {
                                prescribed_on: other,
                                ..
                            } => prescribed_on > other,
                            _ => true,
                        };
                        if newer {
                            *held = e;
                        }
                    }
                    None => orders.push((key, e)),
                }
            }
            EntryBody::MedicationSupply {
                medicine,
                dispensed_on,
                quantity,
                dispenser,
            } => group(&mut supplies, medicine.key()).push(Supply {
                entry: e,
                dispensed_on: *dispensed_on,
                dispenser,
                quantity: quantity.as_deref(),
            }),
            _ => {}
        }
    }
    let mut lines: Vec<MedicationLine<'_>> = orders
        .into_iter()
        .filter_map(|(key, order)| match &order.body {
            EntryBody::MedicationOrder {
                medicine,
                dosage,
                prescribed_on,
                status,
                ..
            } => {
                let mut s = supplies
                    .iter()
                    .position(|(k, _)| *k == key)
                    .map(|i| supplies.swap_remove(i).1)
                    .unwrap_or_default();
                order::sort_by_key(&mut s, |x| std::cmp::Reverse(x.dispensed_on));
                Some(MedicationLine {
                    medicine,
                    order,
                    dosage: dosage.as_deref(),
                    prescribed_on: *prescribed_on,
                    status: *status,
                    supplies: s,
                })
            }
            _ => None,
        })
        .collect();
    order::sort_by(&mut lines, |a, b| {
        (a.status != MedicationStatus::Active)
            .cmp(&(b.status != MedicationStatus::Active))
            .then_with(|| fold_case(&a.medicine.text).cmp(&fold_case(&b.medicine.text)))
    });
    lines
}

/// Lines for medicines being taken now.
pub fn current_medications(entries: &[Entry]) -> Vec<MedicationLine<'_>> {
    medication_lines(entries)
        .into_iter()
        .filter(|l| l.status == MedicationStatus::Active)
        .collect()
}

/// Documents of a type, newest first (by the end of the episode, then when written).
pub fn documents(entries: &[Entry], doc_type: Option<DocumentType>) -> Vec<&Entry> {
    let mut list: Vec<(NaiveDate, DateTime<Utc>, &Entry)> = current(entries)
        .filter_map(|e| match &e.body {
            EntryBody::Document {
                doc_type: t,
                period_end,
                ..
            } if doc_type.is_none_or(|want| want == *t) => Some((
                period_end.unwrap_or_else(|| e.provenance.authored_at.date_naive()),
                e.provenance.authored_at,
                e,
            )),
            _ => None,
        })
        .collect();
    order::sort_by_key(&mut list, |x| std::cmp::Reverse((x.0, x.1)));
    list.into_iter().map(|(_, _, e)| e).collect()
}

pub fn latest_discharge_summary(entries: &[Entry]) -> Option<&Entry> {
    documents(entries, Some(DocumentType::DischargeSummary))
        .into_iter()
        .next()
}

/// The latest result of one test, with the one before it to show the direction.
#[derive(Debug, Clone, PartialEq)]
pub struct LabLine<'a> {
    pub latest: &'a Entry,
    pub previous: Option<&'a Entry>,
    /// How many results of this test there are.
    pub count: usize,
}

/// A result's numeric value and time, for trends.
pub fn lab_point(e: &Entry) -> Option<(DateTime<Utc>, f64)> {
    match &e.body {
        EntryBody::LabResult {
            value: LabValue::Quantity { value, .. },
            taken_at,
            ..
        } => Some((*taken_at, *value)),
        _ => None,
    }
}

fn lab_taken_at(e: &Entry) -> Option<DateTime<Utc>> {
    match &e.body {
        EntryBody::LabResult { taken_at, .. } => Some(*taken_at),
        _ => None,
    }
}

/// Results of one test (by [`Concept::key`]), oldest first: the series for a trend chart.
pub fn lab_series<'a>(entries: &'a [Entry], test_key: &str) -> Vec<&'a Entry> {
    let mut list: Vec<&Entry> = current(entries)
        .filter(|e| matches!(&e.body, EntryBody::LabResult { test, .. } if test.key() == test_key))
        .collect();
    order::sort_by_key(&mut list, |e| lab_taken_at(e));
    list
}

/// One line per test, the most recently taken first.
pub fn recent_labs(entries: &[Entry]) -> Vec<LabLine<'_>> {
    let mut by_test: Vec<(String, Vec<&Entry>)> = Vec::new();
    for e in current(entries) {
        if let EntryBody::LabResult { test, .. } = &e.body {
            group(&mut by_test, test.key()).push(e);
        }
    }
    let mut lines: Vec<LabLine<'_>> = by_test
        .into_iter()
        .filter_map(|(_, mut list)| {
            order::sort_by_key(&mut list, |e| std::cmp::Reverse(lab_taken_at(e)));
            Some(LabLine {
                latest: list.first().copied()?,
                previous: list.get(1).copied(),
                count: list.len(),
            })
        })
        .collect();
    order::sort_by(&mut lines, |a, b| {
        lab_taken_at(b.latest)
            .cmp(&lab_taken_at(a.latest))
            .then_with(|| lab_name(a.latest).cmp(lab_name(b.latest)))
    });
    lines
}

/// The list kept under `key` in `groups`, added empty if there is none yet. A record
/// holds tens of tests and medicines, so a search of the list is cheap, and it keeps a
/// hash table's code out of the app's wasm.
fn group<T>(groups: &mut Vec<(String, Vec<T>)>, key: String) -> &mut Vec<T> {
    let at = match groups.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            groups.push((key, Vec::new()));
            groups.len() - 1
        }
    };
    &mut groups[at].1
}

fn lab_name(e: &Entry) -> &str {
    match &e.body {
        EntryBody::LabResult { test, .. } => &test.text,
        _ => "",
    }
}

/// The care plan's areas, latest version of each, in alphabetical order of area.
pub fn care_plan(entries: &[Entry]) -> Vec<&Entry> {
    let mut list: Vec<&Entry> = current(entries)
        .filter(|e| matches!(e.body, EntryBody::CarePlanSection { .. }))
        .collect();
    order::sort_by(&mut list, |a, b| match (&a.body, &b.body) {
        (
            EntryBody::CarePlanSection { area: x, .. },
            EntryBody::CarePlanSection { area: y, .. },
        ) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    list
}

/// About Me, in the order of the PRSB standard; topics with nothing written are left out
/// (the tablet says which are not recorded).
pub fn about_me(entries: &[Entry]) -> Vec<(AboutMeTopic, &Entry)> {
    AboutMeTopic::ALL
        .iter()
        .filter_map(|topic| {
            current(entries)
                .filter(
                    |e| matches!(&e.body, EntryBody::AboutMeSection { topic: t, .. } if t == topic),
                )
                .max_by_key(|e| e.provenance.authored_at)
                .map(|e| (*topic, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ids::{EntryId, HomeId, PersonId};
    use crate::nhs_number::NhsNumber;
    use crate::record::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .expect("valid test time")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        at(y, m, d).date_naive()
    }

    fn entry(n: u128, when: DateTime<Utc>, body: EntryBody) -> Entry {
        Entry {
            id: EntryId(uuid::Uuid::from_u128(n)),
            person_id: PersonId(uuid::Uuid::from_u128(1)),
            version: 1,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "Test GP".into(),
                ods_code: None,
                system: None,
                source_id: None,
                author: None,
                authored_at: when,
                received_at: when,
            },
            body,
        }
    }

    fn allergy(n: u128, when: DateTime<Utc>, what: &str) -> Entry {
        entry(
            n,
            when,
            EntryBody::Allergy {
                substance: Concept::text(what),
                reaction: None,
                severity: None,
                clinical_status: ClinicalStatus::Active,
            },
        )
    }

    fn resident(status: ResidencyStatus) -> Resident {
        Resident {
            id: PersonId(uuid::Uuid::from_u128(1)),
            home_id: HomeId(uuid::Uuid::from_u128(2)),
            nhs_number: NhsNumber::parse("9990000018").expect("valid"),
            name: PersonName {
                given: "Test".into(),
                family: "Person".into(),
                preferred: None,
            },
            birth_date: day(1940, 1, 1),
            sex: Sex::Female,
            gp_practice: None,
            room: "1".into(),
            admitted_on: day(2024, 1, 1),
            status,
            spo2_scale: Default::default(),
        }
    }

    #[test]
    fn allergy_states() {
        // (entries, expected) — the table the banner's safety rests on.
        let nka = entry(10, at(2025, 1, 1), EntryBody::NoKnownAllergies {});
        let pen = allergy(11, at(2024, 1, 1), "Penicillin");
        let mut retracted = allergy(12, at(2025, 6, 1), "Latex");
        retracted.status = EntryStatus::EnteredInError;
        let mut resolved = allergy(13, at(2025, 6, 1), "Eggs");
        if let EntryBody::Allergy {
            clinical_status, ..
        } = &mut resolved.body
        {
            *clinical_status = ClinicalStatus::Resolved;
        }
        let mut retracted_nka = nka.clone();
        retracted_nka.status = EntryStatus::EnteredInError;

        let cases: Vec<(Vec<Entry>, AllergyState)> = vec![
            (vec![], AllergyState::NotRecorded),
            (vec![nka.clone()], AllergyState::NoKnownAllergies),
            (
                vec![pen.clone()],
                AllergyState::Allergies {
                    substances: vec!["Penicillin".into()],
                },
            ),
            // An older allergy still wins over a newer "no known allergies".
            (
                vec![nka.clone(), pen.clone()],
                AllergyState::Allergies {
                    substances: vec!["Penicillin".into()],
                },
            ),
            (vec![retracted.clone()], AllergyState::NotRecorded),
            (vec![retracted, nka.clone()], AllergyState::NoKnownAllergies),
            (vec![resolved], AllergyState::NotRecorded),
            (vec![retracted_nka], AllergyState::NotRecorded),
        ];
        for (i, (entries, want)) in cases.into_iter().enumerate() {
            assert_eq!(allergy_state(&entries), want, "case {i}");
        }
    }

    #[test]
    fn newest_advance_care_plan_wins() {
        let old = entry(
            1,
            at(2023, 1, 1),
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Respect,
                cpr: CprDecision::ForCpr,
                recommendations: None,
                agreed_on: day(2023, 1, 1),
                review_on: None,
            },
        );
        let new = entry(
            2,
            at(2025, 3, 1),
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Dnacpr,
                cpr: CprDecision::NotForCpr,
                recommendations: None,
                agreed_on: day(2025, 3, 1),
                review_on: None,
            },
        );
        let r = resident(ResidencyStatus::InHome);
        assert_eq!(banner(&r, &[]).cpr, CprState::NotRecorded);
        assert_eq!(
            banner(&r, &[new.clone(), old.clone()]).cpr,
            CprState::Recorded {
                form: AdvanceCareForm::Dnacpr,
                cpr: CprDecision::NotForCpr,
                agreed_on: day(2025, 3, 1)
            }
        );
        let mut wrong = new;
        wrong.status = EntryStatus::EnteredInError;
        assert_eq!(
            banner(&r, &[wrong, old]).cpr,
            CprState::Recorded {
                form: AdvanceCareForm::Respect,
                cpr: CprDecision::ForCpr,
                agreed_on: day(2023, 1, 1)
            }
        );
    }

    #[test]
    fn in_hospital_from_residency_or_open_stay() {
        let stay = entry(
            1,
            at(2026, 11, 12),
            EntryBody::HospitalStay {
                hospital: "St Thomas' Hospital".into(),
                ward: Some("Ward 3".into()),
                admitted_on: day(2026, 11, 12),
                reason: None,
                expected_discharge: None,
                discharged_on: None,
                status: StayStatus::InProgress,
            },
        );
        let mut finished = stay.clone();
        if let EntryBody::HospitalStay { status, .. } = &mut finished.body {
            *status = StayStatus::Finished;
        }
        assert_eq!(
            hospital_state(&resident(ResidencyStatus::InHome), &[finished.clone()]),
            None
        );
        assert_eq!(
            hospital_state(&resident(ResidencyStatus::InHospital), &[finished]),
            Some(HospitalState {
                hospital: None,
                ward: None,
                since: None
            })
        );
        assert_eq!(
            hospital_state(&resident(ResidencyStatus::InHome), &[stay]),
            Some(HospitalState {
                hospital: Some("St Thomas' Hospital".into()),
                ward: Some("Ward 3".into()),
                since: Some(day(2026, 11, 12))
            })
        );
    }

    #[test]
    fn medication_lines_join_orders_and_supplies() {
        let code = |t: &str| Concept::coded(t, DMD, "3");
        let order = |n, on: NaiveDate, status| {
            entry(
                n,
                at(2026, 1, 1),
                EntryBody::MedicationOrder {
                    medicine: code("Amlodipine 5mg tablets"),
                    dosage: Some("One daily".into()),
                    prescribed_on: on,
                    prescriber: None,
                    status,
                },
            )
        };
        let supply = |n, on: NaiveDate| {
            entry(
                n,
                at(2026, 1, 1),
                EntryBody::MedicationSupply {
                    // A different label for the same coded medicine still joins.
                    medicine: code("AMLODIPINE 5MG TABS"),
                    dispensed_on: on,
                    quantity: Some("28 tablets".into()),
                    dispenser: "High Street Pharmacy".into(),
                },
            )
        };
        let entries = vec![
            order(1, day(2025, 1, 10), MedicationStatus::Active),
            order(2, day(2026, 2, 1), MedicationStatus::Active),
            supply(3, day(2026, 1, 5)),
            supply(4, day(2026, 1, 20)),
            entry(
                5,
                at(2026, 1, 1),
                EntryBody::MedicationOrder {
                    medicine: Concept::text("Aspirin 75mg"),
                    dosage: None,
                    prescribed_on: day(2024, 1, 1),
                    prescriber: None,
                    status: MedicationStatus::Stopped,
                },
            ),
        ];
        let lines = medication_lines(&entries);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].medicine.text, "Amlodipine 5mg tablets");
        assert_eq!(lines[0].prescribed_on, day(2026, 2, 1), "latest order");
        assert_eq!(
            lines[0].last_supply().map(|s| s.dispensed_on),
            Some(day(2026, 1, 20))
        );
        // Re-prescribed on 1 Feb and not supplied since: on 8 Feb that is 7 days.
        assert_eq!(lines[0].days_awaiting_supply(day(2026, 2, 8)), Some(7));
        assert_eq!(current_medications(&entries).len(), 1);
        assert_eq!(lines[1].status, MedicationStatus::Stopped);
    }

    #[test]
    fn labs_latest_first_with_previous() {
        let hba1c = |n, when: DateTime<Utc>, v: f64| {
            entry(
                n,
                when,
                EntryBody::LabResult {
                    test: Concept::coded("HbA1c", SNOMED, "1049301000000100"),
                    value: LabValue::Quantity {
                        value: v,
                        unit: "mmol/mol".into(),
                    },
                    reference_range: None,
                    flag: None,
                    taken_at: when,
                    panel: None,
                },
            )
        };
        let entries = vec![
            hba1c(1, at(2025, 1, 1), 58.0),
            hba1c(2, at(2026, 1, 1), 64.0),
            hba1c(3, at(2025, 7, 1), 61.0),
        ];
        let lines = recent_labs(&entries);
        assert_eq!(lines.len(), 1);
        assert_eq!(lab_point(lines[0].latest).map(|p| p.1), Some(64.0));
        assert_eq!(
            lines[0].previous.and_then(lab_point).map(|p| p.1),
            Some(61.0)
        );
        assert_eq!(lines[0].count, 3);
        let series: Vec<f64> = lab_series(&entries, &entries[0].body_test_key())
            .into_iter()
            .filter_map(lab_point)
            .map(|p| p.1)
            .collect();
        assert_eq!(series, vec![58.0, 61.0, 64.0]);
    }

    impl Entry {
        fn body_test_key(&self) -> String {
            match &self.body {
                EntryBody::LabResult { test, .. } => test.key(),
                _ => String::new(),
            }
        }
    }

    #[test]
    fn about_me_in_standard_order_latest_per_topic() {
        let section = |n, when, topic, text: &str| {
            entry(
                n,
                when,
                EntryBody::AboutMeSection {
                    topic,
                    text: text.into(),
                },
            )
        };
        let entries = vec![
            section(1, at(2025, 1, 1), AboutMeTopic::Routines, "Tea at 7"),
            section(2, at(2025, 1, 1), AboutMeTopic::WhatMatters, "Old"),
            section(3, at(2026, 1, 1), AboutMeTopic::WhatMatters, "New"),
        ];
        let got: Vec<(AboutMeTopic, u128)> = about_me(&entries)
            .into_iter()
            .map(|(t, e)| (t, e.id.0.as_u128()))
            .collect();
        assert_eq!(
            got,
            vec![(AboutMeTopic::WhatMatters, 3), (AboutMeTopic::Routines, 1)]
        );
    }
}
