//! Dates as staff read them, and ages. The tablet passes "today" in: this crate has no clock.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// Age in whole years on a given day. Someone born on 29 February turns a year older on
/// 1 March in other years, as in UK law.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < birth {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// "12 Nov 2026": unambiguous for UK and overseas staff alike.
///
/// Written out rather than through chrono's `format`, whose formatting machinery would
/// otherwise be compiled into the tablet's wasm for these two labels alone. The test
/// checks the result is chrono's `%-d %b %Y` for every year chrono can hold.
pub fn date_label(d: NaiveDate) -> String {
    let mut s = day_month(d);
    let year = d.year();
    // As chrono's `%Y`: four digits at least, and a sign outside 0 to 9999.
    if (0..10_000).contains(&year) {
        s.push_str(&format!(" {year:04}"));
    } else {
        s.push_str(&format!(" {year:+05}"));
    }
    s
}

/// "12 Nov" when in the given year, otherwise "12 Nov 2025".
pub fn date_label_short(d: NaiveDate, this_year: i32) -> String {
    if d.year() == this_year {
        day_month(d)
    } else {
        date_label(d)
    }
}

fn day_month(d: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {}", d.day(), MONTHS[d.month0() as usize])
}

pub fn datetime_date(t: DateTime<Utc>) -> NaiveDate {
    t.date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(d(1940, 6, 15), d(2026, 6, 14)), Some(85));
        assert_eq!(age_on(d(1940, 6, 15), d(2026, 6, 15)), Some(86));
        assert_eq!(age_on(d(1940, 6, 15), d(2026, 12, 31)), Some(86));
        assert_eq!(age_on(d(1940, 6, 15), d(1940, 6, 15)), Some(0));
    }

    #[test]
    fn leap_day_birthdays() {
        assert_eq!(age_on(d(1944, 2, 29), d(2026, 2, 28)), Some(81));
        assert_eq!(age_on(d(1944, 2, 29), d(2026, 3, 1)), Some(82));
        assert_eq!(age_on(d(1944, 2, 29), d(2028, 2, 29)), Some(84));
    }

    #[test]
    fn no_age_before_birth() {
        assert_eq!(age_on(d(2030, 1, 1), d(2026, 1, 1)), None);
    }

    #[test]
    fn labels_are_chronos_own_wording_for_every_year() {
        let years = [
            -262_000, -10_000, -1, 0, 5, 99, 999, 1000, 1944, 2026, 9999, 10_000, 262_000,
        ];
        for year in years {
            for month in 1..=12 {
                for day in [1, 9, 10, 28] {
                    let date = d(year, month, day);
                    assert_eq!(date_label(date), date.format("%-d %b %Y").to_string());
                    assert_eq!(
                        date_label_short(date, year),
                        date.format("%-d %b").to_string()
                    );
                    assert_eq!(date_label_short(date, year + 1), date_label(date));
                }
            }
        }
    }

    #[test]
    fn labels() {
        assert_eq!(date_label(d(2026, 11, 2)), "2 Nov 2026");
        assert_eq!(date_label_short(d(2026, 11, 12), 2026), "12 Nov");
        assert_eq!(date_label_short(d(2025, 11, 12), 2026), "12 Nov 2025");
    }
}
