//! FHIR R4 `date`, `dateTime` and `instant` values: checked against the R4 regular
//! expressions and against the calendar (a string can match the pattern and still name a
//! day that does not exist, such as 2023-02-30).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Which FHIR primitive a value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeKind {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Date,
    /// A date, or a full date and time with a time zone.
    DateTime,
    /// A full date and time with a time zone, always.
    Instant,
}

impl TimeKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::DateTime => "dateTime",
            Self::Instant => "instant",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Date => "YYYY, YYYY-MM or YYYY-MM-DD",
            Self::DateTime => {
                "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)"
            }
            Self::Instant => "YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)",
        }
    }
}

/// A point or period in time as precise as the sender made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    At(DateTime<FixedOffset>),
}

impl When {
    /// The calendar day, when the value names one. For a time, the day where it was
    /// written (a UK record's local date, not the UTC one).
    pub(crate) fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::Day(d) => Some(*d),
            Self::At(t) => Some(t.date_naive()),
            _ => None,
        }
    }

    pub(crate) fn has_time(&self) -> bool {
        matches!(self, Self::At(_))
    }

    /// The moment it starts: midnight UTC for a date, the first day of a month or year.
    pub(crate) fn start_utc(&self) -> Option<DateTime<Utc>> {
        let day = match self {
            Self::At(t) => return Some(t.with_timezone(&Utc)),
            Self::Day(d) => *d,
            Self::Month(y, m) => NaiveDate::from_ymd_opt(*y, *m, 1)?,
            Self::Year(y) => NaiveDate::from_ymd_opt(*y, 1, 1)?,
        };
        Some(Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)))
    }
}

/// Why a value is not a valid FHIR time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimeError {
    /// It does not match the R4 pattern at all.
    Format(String),
    /// It matches the pattern but names a day or time that does not exist.
    Calendar(String),
}

impl TimeError {
    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Format(m) | Self::Calendar(m) => m,
        }
    }
}

/// Reads fixed-width ASCII digits.
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = s.get(at..at + n)?;
    let mut v: u32 = 0;
    for b in part {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

/// Parses a value of the given kind. Shape first (the R4 regular expression), then the
/// calendar, so the message says which of the two is wrong.
pub(crate) fn parse(input: &str, kind: TimeKind) -> Result<When, TimeError> {
    let format = || {
        TimeError::Format(format!(
            "'{}' is not a valid FHIR {}: expected {}",
            shorten(input),
            kind.name(),
            kind.expected()
        ))
    };
    let s = input.as_bytes();
    let year = digits(s, 0, 4).ok_or_else(format)?;
    // The R4 patterns exclude year 0000.
    if year == 0 {
        return Err(format());
    }
    let year = year as i32;
    if s.len() == 4 {
        return if kind == TimeKind::Instant {
            Err(format())
        } else {
            Ok(When::Year(year))
        };
    }
    if s.get(4) != Some(&b'-') {
        return Err(format());
    }
    let month = digits(s, 5, 2).ok_or_else(format)?;
    if s.len() == 7 {
        if kind == TimeKind::Instant {
            return Err(format());
        }
        return if (1..=12).contains(&month) {
            Ok(When::Month(year, month))
        } else {
            Err(calendar(input))
        };
    }
    if s.get(7) != Some(&b'-') {
        return Err(format());
    }
    let day = digits(s, 8, 2).ok_or_else(format)?;
    // The pattern allows days 01-31 and months 01-12 only; anything else is a shape error
    // in FHIR's eyes, but people understand "not a real date" better.
    let date = if (1..=12).contains(&month) && (1..=31).contains(&day) {
        NaiveDate::from_ymd_opt(year, month, day)
    } else {
        None
    };
    if s.len() == 10 {
        if kind == TimeKind::Instant {
            return Err(format());
        }
        return date.map(When::Day).ok_or_else(|| calendar(input));
    }
    if kind == TimeKind::Date || s.get(10) != Some(&b'T') {
        return Err(format());
    }
    let hour = digits(s, 11, 2).ok_or_else(format)?;
    if s.get(13) != Some(&b':') {
        return Err(format());
    }
    let minute = digits(s, 14, 2).ok_or_else(format)?;
    if s.get(16) != Some(&b':') {
        // hh:mm without seconds is not allowed in R4.
        return Err(format());
    }
    let second = digits(s, 17, 2).ok_or_else(format)?;
    let mut at = 19;
    let mut nanos: u32 = 0;
    if s.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while s.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(format());
        }
        // Only the first nine digits fit in nanoseconds; the rest are below any clock's
        // precision.
        let mut scale = 100_000_000u32;
        for b in &s[start..at.min(start + 9)] {
            nanos += u32::from(b - b'0') * scale;
            scale /= 10;
        }
    }
    let offset_seconds: i32 = match s.get(at) {
        Some(b'Z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(s, at + 1, 2).ok_or_else(format)?;
            if s.get(at + 3) != Some(&b':') {
                return Err(format());
            }
            let om = digits(s, at + 4, 2).ok_or_else(format)?;
            // R4: (0[0-9]|1[0-3]):[0-5][0-9] or 14:00.
            let ok = (oh <= 13 && om <= 59) || (oh == 14 && om == 0);
            if !ok {
                return Err(calendar(input));
            }
            let secs = (oh * 3600 + om * 60) as i32;
            at += 6;
            if *sign == b'-' { -secs } else { secs }
        }
        // A time without a time zone is not allowed in R4.
        _ => return Err(format()),
    };
    if at != s.len() {
        return Err(format());
    }
    let date = date.ok_or_else(|| calendar(input))?;
    // A leap second (:60) is allowed by the pattern; chrono writes it as 59 with an
    // extra second of nanoseconds.
    let time = if second == 60 {
        NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos.min(999_999_999))
    } else {
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
    }
    .ok_or_else(|| calendar(input))?;
    let offset = FixedOffset::east_opt(offset_seconds).ok_or_else(|| calendar(input))?;
    let local = date.and_time(time);
    offset
        .from_local_datetime(&local)
        .single()
        .map(When::At)
        .ok_or_else(|| calendar(input))
}

fn calendar(input: &str) -> TimeError {
    TimeError::Calendar(format!(
        "'{}' is not a real date and time: the month, day, hour, minute, second or time zone is out of range",
        shorten(input)
    ))
}

/// Keeps diagnostics short whatever was sent.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_forms() {
        let cases: Vec<(&str, TimeKind, When)> = vec![
            ("2023", TimeKind::Date, When::Year(2023)),
            ("2023-02", TimeKind::DateTime, When::Month(2023, 2)),
            (
                "2024-02-29",
                TimeKind::Date,
                When::Day(NaiveDate::from_ymd_opt(2024, 2, 29).expect("leap day")),
            ),
        ];
        for (s, kind, want) in cases {
            assert_eq!(parse(s, kind), Ok(want), "{s}");
        }
        let t = parse("2019-12-10T13:00:00+01:00", TimeKind::DateTime).expect("valid");
        assert_eq!(
            t.start_utc().map(|t| t.to_rfc3339()),
            Some("2019-12-10T12:00:00+00:00".to_string())
        );
        assert!(parse("2019-12-10T13:00:00.123456789123Z", TimeKind::Instant).is_ok());
        assert!(parse("2016-12-31T23:59:60Z", TimeKind::Instant).is_ok());
        assert!(parse("2019-12-10T13:00:00-14:00", TimeKind::DateTime).is_ok());
        // The local date is kept, not the UTC one.
        let late = parse("2019-12-10T23:30:00-05:00", TimeKind::DateTime).expect("valid");
        assert_eq!(late.date(), NaiveDate::from_ymd_opt(2019, 12, 10));
    }

    #[test]
    fn impossible_values_are_calendar_errors() {
        for (s, kind) in [
            ("2023-02-30", TimeKind::Date),
            ("2023-13-01", TimeKind::Date),
            ("2023-13", TimeKind::DateTime),
            ("2023-00-10", TimeKind::DateTime),
            ("2023-04-31T10:00:00Z", TimeKind::DateTime),
            ("2023-01-01T25:00:00Z", TimeKind::Instant),
            ("2023-01-01T10:61:00Z", TimeKind::Instant),
            ("2023-01-01T10:00:00+15:00", TimeKind::Instant),
            ("2023-02-29", TimeKind::Date),
        ] {
            assert!(
                matches!(parse(s, kind), Err(TimeError::Calendar(_))),
                "{s}: {:?}",
                parse(s, kind)
            );
        }
    }

    #[test]
    fn shapes_outside_the_patterns_are_format_errors() {
        for (s, kind) in [
            ("", TimeKind::Date),
            ("0000", TimeKind::Date),
            ("23-01-01", TimeKind::Date),
            ("2023/01/01", TimeKind::Date),
            ("2023-1-1", TimeKind::Date),
            ("2023-01-01T10:00:00Z", TimeKind::Date),
            ("2023-01-01T10:00:00", TimeKind::DateTime),
            ("2023-01-01T10:00Z", TimeKind::DateTime),
            ("2023-01-01", TimeKind::Instant),
            ("2023", TimeKind::Instant),
            ("2023-01-01T10:00:00.Z", TimeKind::Instant),
            ("2023-01-01T10:00:00Zjunk", TimeKind::Instant),
            ("2023-01-01 10:00:00Z", TimeKind::DateTime),
            ("２０２３", TimeKind::Date),
        ] {
            assert!(
                matches!(parse(s, kind), Err(TimeError::Format(_))),
                "{s}: {:?}",
                parse(s, kind)
            );
        }
    }
}
