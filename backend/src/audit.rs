//! The audit of who viewed which resident's record: [`record_view`], which every route
//! that serves part of a record calls before it answers; [`ClientInfo`], the device and
//! network address a request came from; the access log's filters ([`LogFilters`]) and
//! paging cursor; and its CSV form.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use bedside_domain::api::{Permission, Role};
use bedside_domain::audit::{AuditEntry, AuditMode, AuditPart};
use bedside_domain::{HomeId, PersonId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::CurrentStaff;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{AuditQuery, NewAuditEvent, StoreResult};

/// The header a tablet names itself in: kept in the audit only when the session is not
/// bound to an enrolled tablet.
pub const DEVICE_HEADER: &str = "x-bedside-device";
/// The longest device name kept.
pub const MAX_DEVICE_LEN: usize = 128;

/// Where a request came from, for the audit: the device name the client gave (if it is
/// a plausible one) and the peer address the server saw.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub device: Option<String>,
    pub address: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let device = parts
            .headers
            .get(DEVICE_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(device_name);
        // The peer is known when the server runs with connect info (it always does);
        // behind a reverse proxy it is the proxy's address.
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        Ok(Self { device, address })
    }
}

/// A device name as the audit keeps it: trimmed, 1 to 128 characters of letters, digits,
/// space and `-_.:`, starting with a letter or digit. Anything else is not kept (a read
/// is never refused for a bad name; an upload is).
pub fn device_name(raw: &str) -> Option<String> {
    let name = raw.trim();
    let ok = !name.is_empty()
        && name.len() <= MAX_DEVICE_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ':'));
    ok.then(|| name.to_owned())
}

/// Records that `staff` was just served `part` of `person`'s record. Called after the
/// read succeeded and before the answer is sent: when the audit cannot be written the
/// request fails and the record is not sent.
pub async fn record_view(
    state: &AppState,
    staff: &CurrentStaff,
    person: PersonId,
    part: AuditPart,
    client: &ClientInfo,
) -> StoreResult<()> {
    let now = state.now();
    let event = NewAuditEvent {
        id: Uuid::now_v7(),
        home: staff.home.id,
        staff: staff.staff_id,
        staff_username: staff.username.clone(),
        role: staff.role,
        person,
        part,
        at: now,
        device: audit_device(staff, client),
        address: client.address.clone(),
        mode: AuditMode::Online,
        received_at: now,
    };
    state
        .store
        .append_audit(std::slice::from_ref(&event))
        .await?;
    Ok(())
}

/// The device an event names: the enrolled tablet the session is bound to (its id), or
/// else the name the client gave for itself.
pub fn audit_device(staff: &CurrentStaff, client: &ClientInfo) -> Option<String> {
    staff
        .device
        .map(|d| d.to_string())
        .or_else(|| client.device.clone())
}

/// Managers read their own home's log; administrators every home's. Others may not.
pub fn may_read_log(staff: &CurrentStaff) -> bool {
    staff.role.may(Permission::ReadAccessLog)
}

/// The access log's query string, shared by the JSON and CSV routes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogFilters {
    /// Only views of this resident (person id).
    pub person: Option<String>,
    /// Only views by this member of staff: their id or username.
    pub staff: Option<String>,
    /// Views at or after this time (RFC 3339) or from the start of this day
    /// (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Views before this time (RFC 3339) or up to the end of this day (YYYY-MM-DD, UTC).
    pub to: Option<String>,
    /// The most events to answer (JSON: default 100, at most 1000; CSV: default and
    /// most 50,000).
    pub limit: Option<usize>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
    /// Administrators only: one home's events.
    pub home: Option<String>,
}

impl LogFilters {
    /// The store query these filters mean for `staff`, who may read the log. A manager
    /// is held to their own home (asking for another is refused); an administrator sees
    /// every home unless they name one.
    pub async fn to_query(
        &self,
        state: &AppState,
        staff: &CurrentStaff,
        default_limit: usize,
        max_limit: usize,
    ) -> Result<AuditQuery, AppError> {
        let bad = |what: &str| AppError::BadRequest(what.to_owned());
        let home = match (&self.home, staff.role) {
            (None, Role::Admin) => None,
            (Some(h), Role::Admin) => {
                Some(HomeId::parse(h.trim()).map_err(|_| bad("home must be a home id (UUID)"))?)
            }
            (None, _) => Some(staff.home.id),
            (Some(h), _) => {
                let asked =
                    HomeId::parse(h.trim()).map_err(|_| bad("home must be a home id (UUID)"))?;
                if asked != staff.home.id {
                    return Err(AppError::Forbidden);
                }
                Some(asked)
            }
        };
        let person = self
            .person
            .as_deref()
            .map(|p| {
                PersonId::parse(p.trim()).map_err(|_| bad("person must be a person id (UUID)"))
            })
            .transpose()?;
        let staff_filter = match self.staff.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match StaffId::parse(s) {
                Ok(id) => Some(id),
                // A username that does not exist matches nothing: a made-up id does.
                Err(_) => Some(
                    state
                        .store
                        .staff_by_username(s)
                        .await?
                        .map(|r| r.id)
                        .unwrap_or(StaffId(Uuid::nil())),
                ),
            },
        };
        let from = self
            .from
            .as_deref()
            .map(|t| {
                parse_bound(t, false)
                    .ok_or_else(|| bad("from must be an RFC 3339 time or YYYY-MM-DD"))
            })
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| {
                parse_bound(t, true).ok_or_else(|| bad("to must be an RFC 3339 time or YYYY-MM-DD"))
            })
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| {
                parse_cursor(c)
                    .ok_or_else(|| bad("before must be a next_before from an earlier page"))
            })
            .transpose()?;
        let limit = match self.limit {
            None => default_limit,
            Some(0) => return Err(bad("limit must be at least 1")),
            Some(n) => n.min(max_limit),
        };
        Ok(AuditQuery {
            home,
            person,
            staff: staff_filter,
            from,
            to,
            before,
            limit,
        })
    }
}

/// A time bound: an RFC 3339 time, or a day (its start for `from`; the start of the
/// next day for `to`, so the whole day is included).
fn parse_bound(s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let day = if end_of_day { day.succ_opt()? } else { day };
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

/// The paging cursor: the last event's time and id. Opaque to clients.
pub fn cursor(entry: &AuditEntry) -> String {
    format!("{}_{}", entry.at.timestamp_micros(), entry.id.hyphenated())
}

fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = s.trim().split_once('_')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, Uuid::parse_str(id).ok()?))
}

/// The CSV header row: the columns of [`csv_row`].
pub const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "received_at",
    "home_id",
    "staff_id",
    "staff_username",
    "role",
    "person_id",
    "part",
    "mode",
    "device",
    "address",
];

pub fn csv_row(e: &AuditEntry) -> [String; 12] {
    [
        e.id.hyphenated().to_string(),
        crate::store::sqlite::time_text(e.at),
        crate::store::sqlite::time_text(e.received_at),
        e.home_id.to_string(),
        e.staff_id.to_string(),
        e.staff_username.clone(),
        e.role.as_str().to_owned(),
        e.person_id.to_string(),
        e.part.as_str().to_owned(),
        e.mode.as_str().to_owned(),
        e.device.clone().unwrap_or_default(),
        e.address.clone().unwrap_or_default(),
    ]
}

/// Appends one RFC 4180 record (CRLF line end). A field holding a comma, a quote or a
/// line break is quoted, its quotes doubled. A field that a spreadsheet would run as a
/// formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`: none of ours
/// should, but the text of usernames and device names is not ours to trust.
pub fn push_csv_record<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        let guarded;
        let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{field}");
            guarded.as_str()
        } else {
            field
        };
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_kept_only_when_plausible() {
        assert_eq!(device_name(" Trolley 2 "), Some("Trolley 2".into()));
        assert_eq!(device_name("tab-01.oak:a_b"), Some("tab-01.oak:a_b".into()));
        assert_eq!(device_name(""), None);
        assert_eq!(device_name("=HYPERLINK(1)"), None);
        assert_eq!(device_name("a,b"), None);
        assert_eq!(device_name(&"a".repeat(129)), None);
        assert!(device_name(&"a".repeat(128)).is_some());
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says() {
        let mut out = String::new();
        push_csv_record(&mut out, &["plain", "a,b", "say \"hi\"", "two\nlines", ""]);
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
        let mut out = String::new();
        push_csv_record(&mut out, &["=1+1", "-x", "ok"]);
        assert_eq!(out, "'=1+1,'-x,ok\r\n");
    }

    #[test]
    fn bounds_take_times_and_whole_days() {
        let from = parse_bound("2026-11-03", false).expect("day");
        let to = parse_bound("2026-11-03", true).expect("day");
        assert_eq!(from.to_rfc3339(), "2026-11-03T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-11-04T00:00:00+00:00");
        let t = parse_bound("2026-11-03T10:00:00+01:00", false).expect("time");
        assert_eq!(t.to_rfc3339(), "2026-11-03T09:00:00+00:00");
        assert!(parse_bound("yesterday", false).is_none());
    }

    #[test]
    fn cursors_round_trip() {
        let id = Uuid::now_v7();
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).expect("time");
        let (t, i) = parse_cursor(&format!("{}_{}", at.timestamp_micros(), id)).expect("cursor");
        assert_eq!((t, i), (at, id));
        assert!(parse_cursor("nonsense").is_none());
    }
}
