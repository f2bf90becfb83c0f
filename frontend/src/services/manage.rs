//! The manager's calls to the server: pages of the home's access log, the log as CSV, the
//! home's tablets and revoking one. None of it is stored on the tablet: these pages need
//! the network, and say so when there is none.
//!
//! Every call goes through the stored session ([`Auth`]): a token that expires soon is
//! refreshed first, and a call refused with 401 is made once more after a refresh. The
//! answers are read field by field from what the browser parsed: the pages show a few
//! strings of each, and a deserialiser for the domain's `AuditPage` and `Device` would
//! grow the app's wasm for nothing.

use bedside_client::SyncError;
use bedside_client::http::{self, ApiFailure};
use bedside_client::session::Auth;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::services::local_db::LocalDb;

pub const AUDIT: &str = "/api/v1/audit";
pub const AUDIT_CSV: &str = "/api/v1/audit.csv";
pub const DEVICES: &str = "/api/v1/devices";

/// The access log's filters as staff set them on the page: a person id (empty for any
/// resident), a username, and the first and last day (`YYYY-MM-DD`, as a date input
/// gives them; empty for no bound).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilters {
    pub person: String,
    pub staff: String,
    pub from: String,
    pub to: String,
}

impl LogFilters {
    /// The query string for these filters (`?…`, or empty), asking for the page before
    /// `before` when given. Days are the tablet's local days: `from` is sent as the start
    /// of its day and `to` as the start of the day after, both as UTC times, so a day in
    /// British Summer Time covers the hours staff mean.
    pub fn query(&self, before: Option<&str>) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.person.is_empty() {
            params.push(("person", self.person.clone()));
        }
        let staff = self.staff.trim();
        if !staff.is_empty() {
            params.push(("staff", staff.to_owned()));
        }
        if let Some(start) = local_day_start(&self.from, false) {
            params.push(("from", start));
        }
        if let Some(end) = local_day_start(&self.to, true) {
            params.push(("to", end));
        }
        if let Some(before) = before {
            params.push(("before", before.to_owned()));
        }
        let mut query = String::new();
        for (i, (name, value)) in params.iter().enumerate() {
            query.push(if i == 0 { '?' } else { '&' });
            query.push_str(name);
            query.push('=');
            query.push_str(&String::from(js_sys::encode_uri_component(value)));
        }
        query
    }

    /// Why these filters cannot be used, in words for the field "To": a last day before
    /// the first.
    pub fn problem(&self) -> Option<&'static str> {
        // Days as `YYYY-MM-DD` are in order as text too.
        let both = is_day(&self.from) && is_day(&self.to);
        (both && self.to < self.from).then_some("The last day is before the first")
    }
}

/// Whether `s` is a day as a date input gives it (`YYYY-MM-DD`).
fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The start of a local day given as `YYYY-MM-DD` (or of the day after it, with
/// `after`), as an RFC 3339 UTC time; `None` for anything else. The browser reads the
/// day (a date-time without an offset is local time) and writes the time: no calendar
/// code of ours in the wasm.
fn local_day_start(day: &str, after: bool) -> Option<String> {
    if !is_day(day) {
        return None;
    }
    let start = js_sys::Date::new(&JsValue::from_str(&format!("{day}T00:00:00")));
    if after {
        start.set_date(start.get_date() + 1);
    }
    // `toISOString` throws on an invalid date; check first.
    (!start.get_time().is_nan()).then(|| String::from(start.to_iso_string()))
}

/// `YYYY-MM-DD`, for a file name.
pub fn iso_day(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// One view in the access log, as the page shows it: the server's words, not yet worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub staff: String,
    /// The role's serialised name (`carer`, …).
    pub role: String,
    pub person: String,
    /// The part's serialised name (`summary`, `care_plan`, …).
    pub part: String,
    pub device: Option<String>,
    /// `online` or `offline`.
    pub mode: String,
}

/// A page of the access log, newest first, and what to ask for the next (older) page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_before: Option<String>,
}

/// A tablet enrolled for the home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tablet {
    pub id: String,
    pub name: String,
    pub enrolled_at: DateTime<Utc>,
    /// The username of who enrolled it.
    pub enrolled_by: String,
    pub last_contact: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn field(v: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(v, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn text(v: &JsValue, name: &str) -> Option<String> {
    field(v, name)?.as_string()
}

/// A time the server wrote (RFC 3339), read by the browser's own parser.
fn time(v: &JsValue, name: &str) -> Option<DateTime<Utc>> {
    let millis = js_sys::Date::parse(&text(v, name)?);
    if millis.is_nan() {
        return None;
    }
    // Milliseconds since the epoch are whole numbers well inside an i64.
    DateTime::from_timestamp_millis(millis as i64)
}

/// An optional time: absent is `Ok(None)`, present but unreadable is an error.
fn optional_time(v: &JsValue, name: &str) -> Result<Option<DateTime<Utc>>, ()> {
    match field(v, name) {
        None => Ok(None),
        Some(_) => time(v, name).map(Some).ok_or(()),
    }
}

fn list(v: &JsValue) -> Option<Array> {
    Array::is_array(v).then(|| v.clone().unchecked_into())
}

/// Reads `GET /api/v1/audit`'s answer.
pub fn read_log_page(parsed: &JsValue) -> Option<LogPage> {
    let list = list(&field(parsed, "events")?)?;
    let mut events = Vec::with_capacity(list.length() as usize);
    for e in list.iter() {
        events.push(LogEvent {
            id: text(&e, "id")?,
            at: time(&e, "at")?,
            staff: text(&e, "staff_username")?,
            role: text(&e, "role")?,
            person: text(&e, "person_id")?,
            part: text(&e, "part")?,
            device: text(&e, "device"),
            mode: text(&e, "mode")?,
        });
    }
    Some(LogPage {
        events,
        next_before: text(parsed, "next_before"),
    })
}

/// Reads `GET /api/v1/devices`'s answer.
pub fn read_tablets(parsed: &JsValue) -> Option<Vec<Tablet>> {
    let list = list(parsed)?;
    let mut tablets = Vec::with_capacity(list.length() as usize);
    for d in list.iter() {
        tablets.push(Tablet {
            id: text(&d, "id")?,
            name: text(&d, "name")?,
            enrolled_at: time(&d, "enrolled_at")?,
            enrolled_by: text(&d, "enrolled_by").unwrap_or_default(),
            last_contact: optional_time(&d, "last_contact").ok()?,
            revoked_at: optional_time(&d, "revoked_at").ok()?,
        });
    }
    Some(tablets)
}

/// Calls `METHOD path` with the stored session: the 2xx response. One function for every
/// call here, so the session's refresh-and-retry is compiled into the wasm once for them.
async fn call(db: &LocalDb, method: &str, path: &str) -> Result<web_sys::Response, SyncError> {
    let auth = Auth::load(db).await?;
    auth.call(|token| async move { http::call_raw(method, path, &token).await })
        .await
}

/// Calls `GET path`: the answer as the browser parsed it.
async fn get(db: &LocalDb, path: &str) -> Result<JsValue, SyncError> {
    let response = call(db, "GET", path).await?;
    Ok(http::parsed(response).await?)
}

fn bad() -> SyncError {
    SyncError::Api(ApiFailure::BadResponse)
}

/// A page of the home's access log.
pub async fn log_page(
    db: &LocalDb,
    filters: &LogFilters,
    before: Option<&str>,
) -> Result<LogPage, SyncError> {
    let parsed = get(db, &format!("{AUDIT}{}", filters.query(before))).await?;
    read_log_page(&parsed).ok_or_else(bad)
}

/// The access log with these filters as a CSV file, and whether the server held back
/// older entries (it sends at most 50,000 rows at a time).
pub async fn log_csv(
    db: &LocalDb,
    filters: &LogFilters,
) -> Result<(web_sys::Blob, bool), SyncError> {
    let path = format!("{AUDIT_CSV}{}", filters.query(None));
    let response = call(db, "GET", &path).await?;
    let more = response
        .headers()
        .get("x-next-before")
        .ok()
        .flatten()
        .is_some();
    let read = response.blob().map_err(|_| bad())?;
    // The body arrives after the headers: a failure here is the network going.
    let blob = JsFuture::from(read)
        .await
        .map_err(|_| SyncError::Api(ApiFailure::Offline))?
        .dyn_into()
        .map_err(|_| bad())?;
    Ok((blob, more))
}

/// The home's tablets, in order of enrolment.
pub async fn tablets(db: &LocalDb) -> Result<Vec<Tablet>, SyncError> {
    read_tablets(&get(db, DEVICES).await?).ok_or_else(bad)
}

/// Revokes a tablet: the server refuses it from now on, and it wipes its records at its
/// next contact.
pub async fn revoke(db: &LocalDb, id: &str) -> Result<(), SyncError> {
    let path = format!(
        "{DEVICES}/{}/revoke",
        String::from(js_sys::encode_uri_component(id))
    );
    call(db, "POST", &path).await.map(drop)
}

/// What a page shows when a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No network: the page says it needs one (a status, not an error).
    Offline,
    /// Words for staff (shown as an alert).
    Said(String),
}

/// What a failed call means for staff, `what` naming what could not be had ("the
/// access log"). Never the server's raw body: its message when it sent one, else words.
pub fn failure(e: &SyncError, what: &str) -> Failure {
    let said = match e {
        SyncError::Api(ApiFailure::Offline) => return Failure::Offline,
        SyncError::Api(a) if a.is_device_revoked() => {
            "This tablet has been removed from the home's devices.".to_owned()
        }
        SyncError::Api(ApiFailure::Unauthenticated(_)) | SyncError::NotSignedIn => {
            format!("Your sign-in has expired: sign in again to see {what}.")
        }
        SyncError::SessionChanged => {
            format!("Someone else signed in on this tablet: open {what} again.")
        }
        SyncError::Api(ApiFailure::Server {
            status: 403,
            message,
            ..
        }) => format!("The server refused: {message}"),
        SyncError::Api(ApiFailure::Server { message, .. }) => {
            format!("Could not get {what}: {message}")
        }
        SyncError::Api(ApiFailure::BadResponse) => format!(
            "The server's answer about {what} could not be read. The app may need updating: \
             close it and open it again."
        ),
        SyncError::Storage(e) => format!("This tablet could not read its sign-in ({e})."),
        SyncError::Locked => format!("Unlock the tablet to see {what}."),
    };
    Failure::Said(said)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn parse(json: &str) -> JsValue {
        js_sys::JSON::parse(json).expect("valid JSON")
    }

    #[test]
    fn filters_become_a_query_only_for_what_is_set() {
        assert_eq!(LogFilters::default().query(None), "");
        let f = LogFilters {
            person: "p-1".into(),
            staff: " oak carer ".into(),
            ..Default::default()
        };
        assert_eq!(
            f.query(Some("5_x")),
            "?person=p-1&staff=oak%20carer&before=5_x"
        );
    }

    #[test]
    fn days_are_sent_as_the_start_and_end_of_the_local_day() {
        let f = LogFilters {
            from: "2026-11-25".into(),
            to: "2026-11-25".into(),
            ..Default::default()
        };
        let q = f.query(None);
        // Local midnights, as the browser's own calendar has them.
        let start = js_sys::Date::new_with_year_month_day(2026, 10, 25);
        let end = js_sys::Date::new_with_year_month_day(2026, 10, 26);
        let encode = |d: &js_sys::Date| {
            String::from(js_sys::encode_uri_component(&String::from(
                d.to_iso_string(),
            )))
        };
        assert_eq!(q, format!("?from={}&to={}", encode(&start), encode(&end)));
        assert_eq!(f.problem(), None);
        let backwards = LogFilters {
            from: "2026-11-25".into(),
            to: "2026-11-24".into(),
            ..Default::default()
        };
        assert!(backwards.problem().is_some());
        // The day after the last of a month is the first of the next.
        let month_end = LogFilters {
            to: "2026-11-30".into(),
            ..Default::default()
        };
        let december = js_sys::Date::new_with_year_month_day(2026, 11, 1);
        assert_eq!(month_end.query(None), format!("?to={}", encode(&december)));
        // What is not a day is no bound.
        let odd = LogFilters {
            from: "25/11/2026".into(),
            ..Default::default()
        };
        assert_eq!(odd.query(None), "");
    }

    #[test]
    fn a_log_page_is_read_as_the_server_writes_it() {
        let page = read_log_page(&parse(
            r#"{"events":[{"id":"e1","home_id":"h","staff_id":"s","staff_username":"oak.carer",
                "role":"carer","person_id":"p1","part":"care_plan","at":"2026-11-25T09:42:00Z",
                "mode":"offline","received_at":"2026-11-25T10:00:00Z"}],"next_before":"123_e1"}"#,
        ))
        .expect("a page");
        assert_eq!(page.next_before.as_deref(), Some("123_e1"));
        let e = &page.events[0];
        assert_eq!(
            (
                e.staff.as_str(),
                e.role.as_str(),
                e.part.as_str(),
                e.mode.as_str()
            ),
            ("oak.carer", "carer", "care_plan", "offline")
        );
        assert_eq!(e.device, None);
        assert_eq!(e.at.timestamp(), 1_795_599_720);
        // The last page has no cursor; an answer without events is not a page.
        let last = read_log_page(&parse(r#"{"events":[]}"#)).expect("a page");
        assert_eq!(last.next_before, None);
        assert!(read_log_page(&parse(r#"{"code":"forbidden"}"#)).is_none());
    }

    #[test]
    fn tablets_are_read_with_their_optional_times() {
        let tablets = read_tablets(&parse(
            r#"[{"id":"d1","name":"Trolley 2","enrolled_at":"2026-11-01T08:00:00Z",
                 "enrolled_by":"oak.manager","last_contact":null,"revoked_at":null},
                {"id":"d2","name":"Office","enrolled_at":"2026-11-02T08:00:00Z",
                 "enrolled_by":"oak.manager","last_contact":"2026-11-25T09:00:00Z",
                 "revoked_at":"2026-11-25T10:00:00Z"}]"#,
        ))
        .expect("tablets");
        assert_eq!(tablets.len(), 2);
        assert_eq!(tablets[0].name, "Trolley 2");
        assert_eq!(tablets[0].last_contact, None);
        assert!(tablets[1].last_contact.is_some() && tablets[1].revoked_at.is_some());
        assert!(read_tablets(&parse(r#"[{"id":"d1","name":"x","enrolled_at":"soon"}]"#)).is_none());
    }

    #[test]
    fn failures_are_worded_and_offline_is_not_an_error() {
        assert_eq!(
            failure(&SyncError::Api(ApiFailure::Offline), "the access log"),
            Failure::Offline
        );
        let said = |e: ApiFailure| match failure(&SyncError::Api(e), "the access log") {
            Failure::Said(s) => s,
            Failure::Offline => panic!("not offline"),
        };
        assert!(said(ApiFailure::Unauthenticated("x".into())).contains("sign in again"));
        let server = said(ApiFailure::Server {
            status: 500,
            message: "Something went wrong on the server (error 500)".into(),
            code: None,
        });
        assert_eq!(
            server,
            "Could not get the access log: Something went wrong on the server (error 500)"
        );
        assert!(!said(ApiFailure::BadResponse).contains('{'));
    }
}
