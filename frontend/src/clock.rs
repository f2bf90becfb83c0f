//! The tablet's own clock and time zone, read through the browser.
//!
//! The domain crate has no clock; "today" and local times come from here. Stored times
//! are UTC; staff read them in the tablet's local time (GMT or BST in the UK).

use chrono::{DateTime, NaiveDate, Utc};
use js_sys::Date;
use wasm_bindgen::JsValue;

fn js_date(t: DateTime<Utc>) -> Date {
    // Milliseconds since the epoch fit an f64 exactly for any date we hold.
    Date::new(&JsValue::from_f64(t.timestamp_millis() as f64))
}

fn date_of(d: &Date) -> Option<NaiveDate> {
    let year = i32::try_from(d.get_full_year()).ok()?;
    NaiveDate::from_ymd_opt(year, d.get_month() + 1, d.get_date())
}

/// Today's date where the tablet is.
pub fn today() -> NaiveDate {
    date_of(&Date::new_0()).unwrap_or_default()
}

/// The local calendar date of a moment.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    date_of(&js_date(t)).unwrap_or_else(|| t.date_naive())
}

/// "09:42": the local time of a moment, 24-hour.
pub fn local_hhmm(t: DateTime<Utc>) -> String {
    let d = js_date(t);
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}
