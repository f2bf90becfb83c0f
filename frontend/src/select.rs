//! Picks for the summary's sections that `bedside_domain::summary` does not make itself:
//! finished hospital stays, diagnostic reports, medicines grouped by whether they are
//! being taken, a lab test's results for its chart, and the entries this version cannot
//! show.
//!
//! Like the domain's summary, every pick here reads current entries only: a retracted
//! (entered-in-error) entry is never shown or counted.

use bedside_domain::order;
use bedside_domain::record::{
    AbnormalFlag, Entry, EntryBody, LabValue, MedicationStatus, ReferenceRange, StayStatus,
};
use bedside_domain::summary::{MedicationLine, lab_series};
use chrono::{DateTime, NaiveDate, Utc};

fn current(entries: &[Entry]) -> impl Iterator<Item = &Entry> {
    entries.iter().filter(|e| e.is_current())
}

/// Finished hospital stays, the latest admission first.
pub fn finished_stays(entries: &[Entry]) -> Vec<&Entry> {
    let list: Vec<(NaiveDate, &Entry)> = current(entries)
        .filter_map(|e| match &e.body {
            EntryBody::HospitalStay {
                status: StayStatus::Finished,
                admitted_on,
                ..
            } => Some((*admitted_on, e)),
            _ => None,
        })
        .collect();
    let list = order::sorted_by_key(list, |(d, e)| {
        std::cmp::Reverse((*d, e.provenance.authored_at))
    });
    list.into_iter().map(|(_, e)| e).collect()
}

/// Diagnostic reports (imaging and the like), the most recently performed first.
pub fn diagnostic_reports(entries: &[Entry]) -> Vec<&Entry> {
    let list: Vec<(DateTime<Utc>, &Entry)> = current(entries)
        .filter_map(|e| match &e.body {
            EntryBody::DiagnosticReport { performed_at, .. } => Some((*performed_at, e)),
            _ => None,
        })
        .collect();
    newest_first(list)
}

/// Entries by a time, the latest first. One function for every such list keeps one copy
/// of the sort in the wasm.
fn newest_first(list: Vec<(DateTime<Utc>, &Entry)>) -> Vec<&Entry> {
    let list = order::sorted_by_key(list, |(t, _)| std::cmp::Reverse(*t));
    list.into_iter().map(|(_, e)| e).collect()
}

/// How many current entries are of a kind this version of the app does not know.
pub fn unknown_count(entries: &[Entry]) -> usize {
    current(entries)
        .filter(|e| matches!(e.body, EntryBody::Unknown))
        .count()
}

/// The medicines on the list (being taken, or on hold) and the ones no longer taken
/// (stopped or completed), each in the domain's order.
pub fn split_medicines<'a>(
    lines: Vec<MedicationLine<'a>>,
) -> (Vec<MedicationLine<'a>>, Vec<MedicationLine<'a>>) {
    lines.into_iter().partition(|l| {
        matches!(
            l.status,
            MedicationStatus::Active | MedicationStatus::OnHold
        )
    })
}

/// One result of a test, as its chart and its list of values show it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabResultView<'a> {
    pub entry: &'a Entry,
    pub value: &'a LabValue,
    pub flag: Option<AbnormalFlag>,
    pub taken_at: DateTime<Utc>,
    /// Whether the chart draws it: a number in the unit of the latest result. Results
    /// in words, or in another unit, are listed but not drawn.
    pub charted: bool,
}

/// A test's results over time, oldest first, with the unit and reference range of the
/// latest result (the chart's axis and band).
#[derive(Debug, Clone, PartialEq)]
pub struct LabTrend<'a> {
    pub results: Vec<LabResultView<'a>>,
    pub unit: Option<&'a str>,
    pub range: Option<&'a ReferenceRange>,
}

impl LabTrend<'_> {
    pub fn charted(&self) -> impl Iterator<Item = &LabResultView<'_>> {
        self.results.iter().filter(|r| r.charted)
    }
}

/// Every current result of the test with this [`Concept::key`], for its trend.
///
/// [`Concept::key`]: bedside_domain::record::Concept::key
pub fn lab_trend<'a>(entries: &'a [Entry], test_key: &str) -> LabTrend<'a> {
    let series = lab_series(entries, test_key);
    let latest = series.iter().rev().find_map(|e| match &e.body {
        EntryBody::LabResult {
            value,
            reference_range,
            ..
        } => Some((value, reference_range.as_ref())),
        _ => None,
    });
    let unit = latest.and_then(|(v, _)| match v {
        LabValue::Quantity { unit, .. } => Some(unit.as_str()),
        LabValue::Text { .. } => None,
    });
    let range = latest.and_then(|(_, r)| r);
    let results = series
        .into_iter()
        .filter_map(|entry| match &entry.body {
            EntryBody::LabResult {
                value,
                flag,
                taken_at,
                ..
            } => Some(LabResultView {
                entry,
                value,
                flag: *flag,
                taken_at: *taken_at,
                charted: match value {
                    LabValue::Quantity { value, unit: u } => {
                        value.is_finite() && Some(u.as_str()) == unit
                    }
                    LabValue::Text { .. } => false,
                },
            }),
            _ => None,
        })
        .collect();
    LabTrend {
        results,
        unit,
        range,
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Entries for tests of the pages and their words.

    use bedside_domain::record::{Entry, EntryBody, EntryStatus, Provenance};
    use bedside_domain::{EntryId, PersonId};
    use chrono::{DateTime, NaiveDate, TimeZone, Utc};

    pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .expect("valid test time")
    }

    pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    pub fn entry(n: u128, when: DateTime<Utc>, body: EntryBody) -> Entry {
        Entry {
            id: EntryId(uuid::Uuid::from_u128(n)),
            person_id: PersonId(uuid::Uuid::from_u128(1)),
            version: 1,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "St Thomas' Hospital".into(),
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

    pub fn retracted(mut e: Entry) -> Entry {
        e.status = EntryStatus::EnteredInError;
        e
    }
}

#[cfg(test)]
mod tests {
    use bedside_domain::record::{Concept, SNOMED};
    use bedside_domain::summary::medication_lines;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::fixtures::*;
    use super::*;

    fn stay(n: u128, admitted: NaiveDate, status: StayStatus) -> Entry {
        entry(
            n,
            at(2026, 1, 1),
            EntryBody::HospitalStay {
                hospital: "St Thomas' Hospital".into(),
                ward: None,
                admitted_on: admitted,
                reason: None,
                expected_discharge: None,
                discharged_on: None,
                status,
            },
        )
    }

    fn ids(list: &[&Entry]) -> Vec<u128> {
        list.iter().map(|e| e.id.0.as_u128()).collect()
    }

    #[test]
    fn finished_stays_latest_first_without_the_current_or_retracted() {
        let entries = vec![
            stay(1, day(2025, 3, 1), StayStatus::Finished),
            stay(2, day(2026, 2, 1), StayStatus::Finished),
            stay(3, day(2026, 11, 1), StayStatus::InProgress),
            retracted(stay(4, day(2026, 5, 1), StayStatus::Finished)),
        ];
        assert_eq!(ids(&finished_stays(&entries)), vec![2, 1]);
    }

    #[test]
    fn reports_newest_first_and_unknown_kinds_counted() {
        let report = |n, when| {
            entry(
                n,
                when,
                EntryBody::DiagnosticReport {
                    title: "Chest X-ray".into(),
                    conclusion: "No acute change".into(),
                    performed_at: when,
                },
            )
        };
        let entries = vec![
            report(1, at(2025, 1, 1)),
            report(2, at(2026, 1, 1)),
            retracted(report(3, at(2026, 6, 1))),
            entry(4, at(2026, 1, 1), EntryBody::Unknown),
            entry(5, at(2026, 1, 1), EntryBody::Unknown),
            retracted(entry(6, at(2026, 1, 1), EntryBody::Unknown)),
        ];
        assert_eq!(ids(&diagnostic_reports(&entries)), vec![2, 1]);
        assert_eq!(unknown_count(&entries), 2);
        assert_eq!(unknown_count(&[]), 0);
    }

    #[test]
    fn stopped_and_completed_medicines_are_set_apart() {
        let order = |n, name: &str, status| {
            entry(
                n,
                at(2026, 1, 1),
                EntryBody::MedicationOrder {
                    medicine: Concept::text(name),
                    dosage: None,
                    prescribed_on: day(2026, 1, 1),
                    prescriber: None,
                    status,
                },
            )
        };
        let entries = vec![
            order(1, "Amlodipine", MedicationStatus::Active),
            order(2, "Aspirin", MedicationStatus::Stopped),
            order(3, "Bisoprolol", MedicationStatus::OnHold),
            order(4, "Amoxicillin", MedicationStatus::Completed),
            retracted(order(5, "Warfarin", MedicationStatus::Active)),
        ];
        let (taking, stopped) = split_medicines(medication_lines(&entries));
        let names = |l: &[MedicationLine<'_>]| -> Vec<String> {
            l.iter().map(|m| m.medicine.text.clone()).collect()
        };
        assert_eq!(names(&taking), vec!["Amlodipine", "Bisoprolol"]);
        assert_eq!(names(&stopped), vec!["Amoxicillin", "Aspirin"]);
    }

    #[test]
    fn a_trend_charts_numbers_in_the_latest_unit_and_lists_everything() {
        let test = || Concept::coded("Sodium", SNOMED, "1000661000000107");
        let result = |n, when, value: LabValue, flag| {
            entry(
                n,
                when,
                EntryBody::LabResult {
                    test: test(),
                    value,
                    reference_range: Some(ReferenceRange {
                        low: Some(133.0 + n as f64),
                        high: Some(146.0),
                        text: None,
                    }),
                    flag,
                    taken_at: when,
                    panel: None,
                },
            )
        };
        let mmol = |v: f64| LabValue::Quantity {
            value: v,
            unit: "mmol/L".into(),
        };
        let entries = vec![
            result(3, at(2026, 3, 1), mmol(131.0), Some(AbnormalFlag::Low)),
            result(1, at(2026, 1, 1), mmol(139.0), None),
            result(
                2,
                at(2026, 2, 1),
                LabValue::Text {
                    text: "Haemolysed".into(),
                },
                None,
            ),
            result(
                4,
                at(2026, 2, 15),
                LabValue::Quantity {
                    value: 0.139,
                    unit: "mol/L".into(),
                },
                None,
            ),
            retracted(result(5, at(2026, 4, 1), mmol(200.0), None)),
        ];
        let trend = lab_trend(&entries, &test().key());
        assert_eq!(trend.unit, Some("mmol/L"));
        assert_eq!(trend.range.and_then(|r| r.low), Some(136.0), "latest range");
        let listed: Vec<u128> = trend
            .results
            .iter()
            .map(|r| r.entry.id.0.as_u128())
            .collect();
        assert_eq!(listed, vec![1, 2, 4, 3], "oldest first, retracted left out");
        let charted: Vec<u128> = trend.charted().map(|r| r.entry.id.0.as_u128()).collect();
        assert_eq!(charted, vec![1, 3]);
        assert_eq!(trend.results[3].flag, Some(AbnormalFlag::Low));
        assert!(lab_trend(&entries, "no such test").results.is_empty());
    }
}
