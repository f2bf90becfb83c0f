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
pub fn date_label(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// "12 Nov" when in the given year, otherwise "12 Nov 2025".
pub fn date_label_short(d: NaiveDate, this_year: i32) -> String {
    if d.year() == this_year {
        d.format("%-d %b").to_string()
    } else {
        date_label(d)
    }
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
    fn labels() {
        assert_eq!(date_label(d(2026, 11, 2)), "2 Nov 2026");
        assert_eq!(date_label_short(d(2026, 11, 12), 2026), "12 Nov");
        assert_eq!(date_label_short(d(2025, 11, 12), 2026), "12 Nov 2025");
    }
}
