//! The SQLite store: one file, WAL, and `synchronous=FULL` so that a write the server has
//! acknowledged survives a power cut.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use bedside_domain::api::{Device, HomeInfo, Role};
use bedside_domain::audit::{AuditEntry, AuditMode, AuditPart};
use bedside_domain::news2::Spo2Scale;
use bedside_domain::record::{
    Entry, EntryBody, EntryStatus, PersonName, Provenance, ResidencyStatus, Resident, Sex,
};
use bedside_domain::{DeviceId, EntryId, HomeId, NhsNumber, PersonId, ResidencyId, StaffId};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqlSafeStr};
use uuid::Uuid;

use super::{
    AuditQuery, ChangesRead, DatabaseStatus, DeviceRow, DeviceState, EntryRow, IngestTx,
    NewAuditEvent, NewEntry, NewPerson, NewResource, NewSession, NewToken, ReviewId, ReviewItem,
    ReviewReason, SessionEnd, SnapshotRead, SourceId, SourceRecord, StaffRecord, Store, StoreError,
    StoreResult, StoredFile, StoredResource, SyncHead, SyncTx, TokenKind, TokenSession,
};

/// The schema, in order. Migrations are add-only: a released file never changes (sqlx
/// refuses to start on a changed checksum), a change is a new file.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../migrations/sqlite/0001_core.sql"),
    ),
    (
        2,
        "fhir",
        include_str!("../../migrations/sqlite/0002_fhir.sql"),
    ),
    (
        3,
        "sync",
        include_str!("../../migrations/sqlite/0003_sync.sql"),
    ),
    (
        4,
        "audit",
        include_str!("../../migrations/sqlite/0004_audit.sql"),
    ),
    (
        5,
        "devices and sessions",
        include_str!("../../migrations/sqlite/0005_devices_sessions.sql"),
    ),
    (
        6,
        "device unlock keys",
        include_str!("../../migrations/sqlite/0006_device_unlock.sql"),
    ),
];

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        migrator().run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Times are stored as fixed-width UTC text so that text order is time order.
pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_time(s: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time {s:?}: {e}")))
}

fn parse_date(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date {s:?}: {e}")))
}

fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("id {s:?}: {e}")))
}

fn parse_role(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role {s:?}")))
}

fn sex_text(s: Sex) -> &'static str {
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
        Sex::Unknown => "unknown",
    }
}

fn parse_sex(s: &str) -> StoreResult<Sex> {
    Ok(match s {
        "female" => Sex::Female,
        "male" => Sex::Male,
        "other" => Sex::Other,
        "unknown" => Sex::Unknown,
        other => return Err(StoreError::Corrupt(format!("sex {other:?}"))),
    })
}

fn parse_entry_status(s: &str) -> StoreResult<EntryStatus> {
    Ok(match s {
        "current" => EntryStatus::Current,
        "entered_in_error" => EntryStatus::EnteredInError,
        other => return Err(StoreError::Corrupt(format!("entry status {other:?}"))),
    })
}

/// A unique-constraint failure becomes a conflict with a message people can read.
fn unique_violation(e: sqlx::Error, message: impl Into<String>) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(message.into())
        }
        _ => StoreError::Database(e),
    }
}

const RESIDENT_COLUMNS: &str = "p.id, p.nhs_number, p.given, p.family, p.preferred, p.birth_date, \
     p.sex, p.gp_practice, p.spo2_scale, r.home_id, r.room, r.admitted_on, r.status";

fn resident_from_row(row: &SqliteRow) -> StoreResult<Resident> {
    let nhs: String = row.try_get("nhs_number")?;
    let status: String = row.try_get("status")?;
    Ok(Resident {
        id: PersonId(parse_uuid(row.try_get("id")?)?),
        home_id: HomeId(parse_uuid(row.try_get("home_id")?)?),
        nhs_number: NhsNumber::parse(&nhs)
            .map_err(|e| StoreError::Corrupt(format!("NHS number: {e}")))?,
        name: PersonName {
            given: row.try_get("given")?,
            family: row.try_get("family")?,
            preferred: row.try_get("preferred")?,
        },
        birth_date: parse_date(row.try_get("birth_date")?)?,
        sex: parse_sex(row.try_get("sex")?)?,
        gp_practice: row.try_get("gp_practice")?,
        room: row.try_get("room")?,
        admitted_on: parse_date(row.try_get("admitted_on")?)?,
        status: ResidencyStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("residency status {status:?}")))?,
        spo2_scale: parse_scale(row.try_get("spo2_scale")?)?,
    })
}

fn parse_scale(s: &str) -> StoreResult<Spo2Scale> {
    match s {
        "scale1" => Ok(Spo2Scale::Scale1),
        "scale2" => Ok(Spo2Scale::Scale2),
        other => Err(StoreError::Corrupt(format!("SpO2 scale {other:?}"))),
    }
}

pub(crate) fn scale_text(s: Spo2Scale) -> &'static str {
    match s {
        Spo2Scale::Scale1 => "scale1",
        Spo2Scale::Scale2 => "scale2",
    }
}

const ENTRY_COLUMNS: &str = "e.id, e.person_id, e.version, e.status, e.organisation, e.ods_code, \
     e.source_system, e.source_id, e.author, e.authored_at, e.received_at, e.body";

fn entry_from_row(row: &SqliteRow) -> StoreResult<Entry> {
    let body: String = row.try_get("body")?;
    let version: i64 = row.try_get("version")?;
    Ok(Entry {
        id: EntryId(parse_uuid(row.try_get("id")?)?),
        person_id: PersonId(parse_uuid(row.try_get("person_id")?)?),
        version: u32::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("entry version {version}")))?,
        status: parse_entry_status(row.try_get("status")?)?,
        provenance: Provenance {
            organisation: row.try_get("organisation")?,
            ods_code: row.try_get("ods_code")?,
            system: row.try_get("source_system")?,
            source_id: row.try_get("source_id")?,
            author: row.try_get("author")?,
            authored_at: parse_time(row.try_get("authored_at")?)?,
            received_at: parse_time(row.try_get("received_at")?)?,
        },
        body: serde_json::from_str::<EntryBody>(&body)
            .map_err(|e| StoreError::Corrupt(format!("entry body: {e}")))?,
    })
}

/// Rooms sort as people expect: "2" before "10", "G1" before "G2".
pub(crate) fn sort_by_room(residents: &mut [Resident]) {
    residents.sort_by_cached_key(|r| natural_key(&r.room));
}

fn natural_key(room: &str) -> Vec<(String, u64)> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut digits = String::new();
    for c in room.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                parts.push((
                    std::mem::take(&mut text),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            text.extend(c.to_lowercase());
        }
    }
    parts.push((text, digits.parse().unwrap_or(0)));
    parts
}

#[async_trait]
impl Store for SqliteStore {
    async fn status(&self) -> StoreResult<DatabaseStatus> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(DatabaseStatus {
            backend: "sqlite",
            schema_version: version,
        })
    }

    async fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM homes")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    async fn create_home(&self, name: &str, now: DateTime<Utc>) -> StoreResult<HomeId> {
        let id = HomeId(Uuid::now_v7());
        sqlx::query(
            "INSERT INTO homes (id, name, created_at, sync_epoch, sync_head, sync_floor) \
             VALUES ($1, $2, $3, $4, 0, 0)",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(time_text(now))
        .bind(new_epoch())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    async fn home(&self, id: HomeId) -> StoreResult<Option<HomeInfo>> {
        let row = sqlx::query("SELECT id, name FROM homes WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(HomeInfo {
                id: HomeId(parse_uuid(r.try_get("id")?)?),
                name: r.try_get("name")?,
            })
        })
        .transpose()
    }

    async fn create_staff(
        &self,
        home: HomeId,
        username: &str,
        password_hash: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> StoreResult<StaffId> {
        let id = StaffId(Uuid::now_v7());
        sqlx::query(
            "INSERT INTO staff (id, home_id, username, password_hash, role, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(id.to_string())
        .bind(home.to_string())
        .bind(username.to_lowercase())
        .bind(password_hash)
        .bind(role.as_str())
        .bind(time_text(now))
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("there is no home {home}"))
            }
            _ => unique_violation(e, format!("the username {username:?} is taken")),
        })?;
        Ok(id)
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let row = sqlx::query(
            "SELECT s.id, s.username, s.password_hash, s.role, s.active, h.id AS home_id, \
             h.name AS home_name FROM staff s JOIN homes h ON h.id = s.home_id \
             WHERE s.username = $1",
        )
        .bind(username.to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let active: i64 = r.try_get("active")?;
            Ok(StaffRecord {
                id: StaffId(parse_uuid(r.try_get("id")?)?),
                home: HomeInfo {
                    id: HomeId(parse_uuid(r.try_get("home_id")?)?),
                    name: r.try_get("home_name")?,
                },
                username: r.try_get("username")?,
                password_hash: r.try_get("password_hash")?,
                role: parse_role(r.try_get("role")?)?,
                active: active != 0,
            })
        })
        .transpose()
    }

    async fn create_session(&self, new: &NewSession) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Sessions that reached their absolute end a day ago are swept as new ones are
        // made (a day: reuse of their refresh tokens is still recognised meanwhile).
        let horizon = time_text(new.now - chrono::Duration::days(1));
        sqlx::query(
            "DELETE FROM session_tokens WHERE session_id IN \
             (SELECT id FROM auth_sessions WHERE expires_at <= $1)",
        )
        .bind(&horizon)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM auth_sessions WHERE expires_at <= $1")
            .bind(&horizon)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO auth_sessions (id, staff_id, device_id, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(new.id.to_string())
        .bind(new.staff.to_string())
        .bind(new.device.map(|d| d.to_string()))
        .bind(time_text(new.now))
        .bind(time_text(new.expires_at))
        .execute(&mut *tx)
        .await?;
        for token in &new.tokens {
            insert_token(&mut tx, new.id, new.now, token).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn token_session(&self, token_hash: &str) -> StoreResult<Option<TokenSession>> {
        let row = sqlx::query(
            "SELECT t.kind, t.expires_at AS token_expires_at, t.replaced_at, \
             x.id AS session_id, x.last_seen_at, x.expires_at AS session_expires_at, \
             x.ended_reason, s.id AS staff_id, s.username, s.role, s.active, \
             h.id AS home_id, h.name AS home_name, \
             d.id AS device_id, d.last_contact, d.revoked_at \
             FROM session_tokens t JOIN auth_sessions x ON x.id = t.session_id \
             JOIN staff s ON s.id = x.staff_id JOIN homes h ON h.id = s.home_id \
             LEFT JOIN enrolled_devices d ON d.id = x.device_id \
             WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let kind = match r.try_get::<&str, _>("kind")? {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            other => return Err(StoreError::Corrupt(format!("token kind {other:?}"))),
        };
        let ended = r
            .try_get::<Option<&str>, _>("ended_reason")?
            .map(|e| {
                SessionEnd::parse(e)
                    .ok_or_else(|| StoreError::Corrupt(format!("session end {e:?}")))
            })
            .transpose()?;
        let device = r
            .try_get::<Option<&str>, _>("device_id")?
            .map(|id| {
                Ok::<_, StoreError>(DeviceState {
                    id: DeviceId(parse_uuid(id)?),
                    last_contact: opt_time(r.try_get("last_contact")?)?,
                    revoked_at: opt_time(r.try_get("revoked_at")?)?,
                })
            })
            .transpose()?;
        let active: i64 = r.try_get("active")?;
        Ok(Some(TokenSession {
            kind,
            token_expires_at: parse_time(r.try_get("token_expires_at")?)?,
            replaced_at: opt_time(r.try_get("replaced_at")?)?,
            session_id: parse_uuid(r.try_get("session_id")?)?,
            last_seen_at: parse_time(r.try_get("last_seen_at")?)?,
            session_expires_at: parse_time(r.try_get("session_expires_at")?)?,
            ended,
            staff_id: StaffId(parse_uuid(r.try_get("staff_id")?)?),
            username: r.try_get("username")?,
            role: parse_role(r.try_get("role")?)?,
            staff_active: active != 0,
            home: HomeInfo {
                id: HomeId(parse_uuid(r.try_get("home_id")?)?),
                name: r.try_get("home_name")?,
            },
            device,
        }))
    }

    async fn touch_session(&self, session: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        // Never moves backwards when two requests race.
        sqlx::query(
            "UPDATE auth_sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2",
        )
        .bind(session.to_string())
        .bind(time_text(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        session: Uuid,
        now: DateTime<Utc>,
        tokens: &[NewToken; 2],
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // Only one of two racing refreshes with the same token can mark it traded.
        let traded = sqlx::query(
            "UPDATE session_tokens SET replaced_at = $2 \
             WHERE token_hash = $1 AND kind = 'refresh' AND replaced_at IS NULL",
        )
        .bind(old_hash)
        .bind(time_text(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if traded != 1 {
            return Ok(false);
        }
        issue_pair(&mut tx, session, now, tokens).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn regrant_refresh(
        &self,
        old_hash: &str,
        session: Uuid,
        now: DateTime<Utc>,
        traded_since: DateTime<Utc>,
        tokens: &[NewToken; 2],
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let traded_at: Option<Option<String>> = sqlx::query_scalar(
            "SELECT replaced_at FROM session_tokens \
             WHERE token_hash = $1 AND session_id = $2 AND kind = 'refresh'",
        )
        .bind(old_hash)
        .bind(session.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        // Times are fixed-width text, so text order is time order.
        let Some(Some(traded_at)) = traded_at else {
            return Ok(false);
        };
        if traded_at < time_text(traded_since) {
            return Ok(false);
        }
        // Its trade made the pair that is live now (a trade stamps the old token and the
        // new ones with the same time): otherwise the session has moved on since.
        let made_live_pair: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM session_tokens \
             WHERE session_id = $1 AND kind = 'refresh' AND replaced_at IS NULL \
             AND issued_at = $2)",
        )
        .bind(session.to_string())
        .bind(&traded_at)
        .fetch_one(&mut *tx)
        .await?;
        if !made_live_pair {
            return Ok(false);
        }
        // The pair the lost answer carried is retired as of that same trade, so it no
        // longer made the live pair: neither it nor this token can be retried again.
        sqlx::query(
            "UPDATE session_tokens SET replaced_at = $2 \
             WHERE session_id = $1 AND kind = 'refresh' AND replaced_at IS NULL",
        )
        .bind(session.to_string())
        .bind(&traded_at)
        .execute(&mut *tx)
        .await?;
        issue_pair(&mut tx, session, now, tokens).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn end_session(
        &self,
        session: Uuid,
        why: SessionEnd,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE auth_sessions SET ended_at = $2, ended_reason = $3 \
             WHERE id = $1 AND ended_at IS NULL",
        )
        .bind(session.to_string())
        .bind(time_text(now))
        .bind(why.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn enrol_device(
        &self,
        home: HomeId,
        name: &str,
        secret_hash: &str,
        unlock_key: &str,
        by: StaffId,
        now: DateTime<Utc>,
    ) -> StoreResult<Device> {
        let id = DeviceId(Uuid::new_v4());
        sqlx::query(
            "INSERT INTO enrolled_devices (id, home_id, name, secret_hash, unlock_key, \
             enrolled_at, enrolled_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(home.to_string())
        .bind(name)
        .bind(secret_hash)
        .bind(unlock_key)
        .bind(time_text(now))
        .bind(by.to_string())
        .execute(&self.pool)
        .await?;
        self.device(id)
            .await?
            .map(|row| row.device)
            .ok_or_else(|| StoreError::NotFound(format!("the device {id} just enrolled")))
    }

    async fn devices(&self, home: Option<HomeId>) -> StoreResult<Vec<Device>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DEVICE_SELECT} WHERE $1 IS NULL OR d.home_id = $1 ORDER BY d.enrolled_at, d.id"
        )))
        .bind(home.map(|h| h.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| device_from_row(r).map(|row| row.device))
            .collect()
    }

    async fn device(&self, id: DeviceId) -> StoreResult<Option<DeviceRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DEVICE_SELECT} WHERE d.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device_from_row).transpose()
    }

    async fn revoke_device(
        &self,
        id: DeviceId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DeviceRow>> {
        sqlx::query(
            "UPDATE enrolled_devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id.to_string())
        .bind(time_text(now))
        .execute(&self.pool)
        .await?;
        self.device(id).await
    }

    async fn touch_device(&self, id: DeviceId, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE enrolled_devices SET last_contact = $2 \
             WHERE id = $1 AND (last_contact IS NULL OR last_contact < $2)",
        )
        .bind(id.to_string())
        .bind(time_text(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn upsert_person(&self, person: &NewPerson, now: DateTime<Utc>) -> StoreResult<PersonId> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id = upsert_person_row(&mut tx, person, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn person_by_nhs(&self, nhs: NhsNumber) -> StoreResult<Option<PersonId>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM persons WHERE nhs_number = $1")
            .bind(nhs.digits())
            .fetch_optional(&self.pool)
            .await?;
        id.map(|s| parse_uuid(&s).map(PersonId)).transpose()
    }

    async fn admit(
        &self,
        home: HomeId,
        person: PersonId,
        room: &str,
        admitted_on: NaiveDate,
        status: ResidencyStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<ResidencyId> {
        let id = ResidencyId(Uuid::now_v7());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO residencies (id, person_id, home_id, room, admitted_on, status, \
             ended_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(home.to_string())
        .bind(room)
        .bind(date_text(admitted_on))
        .bind(status.as_str())
        .bind(time_text(now))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound("there is no such home or person".into())
            }
            _ => unique_violation(
                e,
                "this person already lives in a home: record that they left first",
            ),
        })?;
        // The home's tablets receive the resident and their whole record.
        let home_text = home.to_string();
        record_change_in(&mut tx, &home_text, person, "resident", None).await?;
        let entries: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM entries WHERE person_id = $1 AND status = 'current' ORDER BY id",
        )
        .bind(person.to_string())
        .fetch_all(&mut *tx)
        .await?;
        for entry in entries {
            let entry = EntryId(parse_uuid(&entry)?);
            record_change_in(&mut tx, &home_text, person, "entry", Some(entry)).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn end_residency(
        &self,
        person: PersonId,
        status: ResidencyStatus,
        ended_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> StoreResult<ResidencyId> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<(String, String)> = sqlx::query_as(
            "UPDATE residencies SET status = $1, ended_on = $2, updated_at = $3 \
             WHERE person_id = $4 AND ended_on IS NULL RETURNING id, home_id",
        )
        .bind(status.as_str())
        .bind(date_text(ended_on))
        .bind(time_text(now))
        .bind(person.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, home)) = row else {
            return Err(StoreError::NotFound(
                "this person does not live in any home".into(),
            ));
        };
        // Ending the residency is a change too: the record leaves the home's tablets.
        record_change_in(&mut tx, &home, person, "resident_removed", None).await?;
        tx.commit().await?;
        Ok(ResidencyId(parse_uuid(&id)?))
    }

    async fn add_entries(
        &self,
        person: PersonId,
        entries: &[NewEntry],
    ) -> StoreResult<Vec<EntryId>> {
        let mut tx = self.pool.begin().await?;
        let mut ids = Vec::with_capacity(entries.len());
        for entry in entries {
            let id = EntryId(Uuid::now_v7());
            insert_entry_row(&mut tx, id, person, None, entry).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn residents(&self, home: HomeId) -> StoreResult<Vec<Resident>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut list = rows
            .iter()
            .map(resident_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        sort_by_room(&mut list);
        Ok(list)
    }

    async fn resident(&self, home: HomeId, person: PersonId) -> StoreResult<Option<Resident>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND r.person_id = $2 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .bind(person.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(resident_from_row).transpose()
    }

    async fn resident_entries(&self, home: HomeId, person: PersonId) -> StoreResult<Vec<Entry>> {
        // The join on a current residency in this home is the scope check: a person who is
        // not a resident here has no entries as far as this home can tell.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e \
             JOIN residencies r ON r.person_id = e.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL AND e.person_id = $2 \
             AND e.status = 'current' ORDER BY e.authored_at DESC, e.id"
        )))
        .bind(home.to_string())
        .bind(person.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn home_records(&self, home: HomeId) -> StoreResult<(Vec<Resident>, Vec<Entry>)> {
        // One read transaction: WAL gives it a single snapshot, so the residents and the
        // entries agree even while writes go on.
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut residents = rows
            .iter()
            .map(resident_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        sort_by_room(&mut residents);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e \
             JOIN residencies r ON r.person_id = e.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL AND e.status = 'current' \
             ORDER BY e.person_id, e.authored_at DESC, e.id"
        )))
        .bind(home.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await?;
        Ok((residents, entries))
    }

    async fn resident_by_nhs(&self, home: HomeId, nhs: NhsNumber) -> StoreResult<Option<Resident>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND p.nhs_number = $2 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .bind(nhs.digits())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(resident_from_row).transpose()
    }

    async fn source_person_by_nhs(
        &self,
        source: SourceId,
        nhs: NhsNumber,
    ) -> StoreResult<Option<PersonId>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT p.id FROM persons p WHERE p.nhs_number = $1 AND EXISTS \
             (SELECT 1 FROM fhir_resources f WHERE f.source_id = $2 AND f.person_id = p.id)",
        )
        .bind(nhs.digits())
        .bind(source.to_string())
        .fetch_optional(&self.pool)
        .await?;
        id.map(|s| parse_uuid(&s).map(PersonId)).transpose()
    }

    async fn attachment(&self, home: HomeId, id: &str) -> StoreResult<Option<StoredFile>> {
        let row = sqlx::query(
            "SELECT a.person_id, a.content_type, a.title, a.data FROM attachments a \
             JOIN entries e ON e.id = a.entry_id AND e.person_id = a.person_id \
             JOIN residencies r ON r.person_id = a.person_id \
             WHERE a.id = $1 AND r.home_id = $2 AND r.ended_on IS NULL \
             AND e.status = 'current'",
        )
        .bind(id)
        .bind(home.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(StoredFile {
                person_id: PersonId(parse_uuid(r.try_get("person_id")?)?),
                content_type: r.try_get("content_type")?,
                title: r.try_get("title")?,
                data: r.try_get("data")?,
            })
        })
        .transpose()
    }

    async fn create_source(
        &self,
        ods_code: &str,
        name: &str,
        credential_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SourceId> {
        let id = SourceId(Uuid::now_v7());
        sqlx::query(
            "INSERT INTO sources (id, ods_code, name, credential_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, 1, $5)",
        )
        .bind(id.to_string())
        .bind(ods_code)
        .bind(name)
        .bind(credential_hash)
        .bind(time_text(now))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    async fn source_by_credential(
        &self,
        credential_hash: &str,
    ) -> StoreResult<Option<SourceRecord>> {
        let row = sqlx::query(
            "SELECT id, ods_code, name FROM sources WHERE credential_hash = $1 AND active = 1",
        )
        .bind(credential_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(source_from_row).transpose()
    }

    async fn source_by_ods(&self, ods_code: &str) -> StoreResult<Option<SourceRecord>> {
        let row = sqlx::query(
            "SELECT id, ods_code, name FROM sources WHERE ods_code = $1 AND active = 1 \
             ORDER BY created_at LIMIT 1",
        )
        .bind(ods_code)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(source_from_row).transpose()
    }

    async fn review_items(&self, include_attached: bool) -> StoreResult<Vec<ReviewItem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT} WHERE ($1 = 1 OR r.status = 'open') ORDER BY r.created_at, r.id"
        )))
        .bind(i64::from(include_attached))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(review_from_row).collect()
    }

    async fn begin_ingest(&self) -> StoreResult<Box<dyn IngestTx>> {
        // IMMEDIATE takes the write lock at once, so two ingests never both read a
        // resource's current version and then both write the next one.
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteIngest { tx }))
    }

    async fn begin_reading(&self) -> StoreResult<Box<dyn IngestTx>> {
        // A deferred transaction that only reads never takes the write lock.
        let tx = self.pool.begin().await?;
        Ok(Box::new(SqliteIngest { tx }))
    }
    async fn sync_head(&self, home: HomeId) -> StoreResult<SyncHead> {
        let mut conn = self.pool.acquire().await?;
        read_head(&mut conn, home).await
    }

    async fn changes_since(
        &self,
        home: HomeId,
        since: u64,
        limit: usize,
        max_bytes: usize,
    ) -> StoreResult<ChangesRead> {
        // One read transaction: the log page and the states it names are one snapshot.
        let mut tx = self.pool.begin().await?;
        let head = read_head(&mut tx, home).await?;
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT seq, kind, person_id, entry_id FROM changes WHERE home_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
        )
        .bind(home.to_string())
        .bind(to_i64(since)?)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last().map(|r| r.0) else {
            tx.commit().await?;
            return Ok(ChangesRead {
                changes: Vec::new(),
                last_seq: since,
                head,
            });
        };
        // Who lives in the home now, and the current state of everything named.
        let resident_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut residents: std::collections::HashMap<String, Resident> =
            std::collections::HashMap::new();
        for row in &resident_rows {
            let r = resident_from_row(row)?;
            residents.insert(r.id.to_string(), r);
        }
        let entry_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.id IN \
             (SELECT entry_id FROM changes WHERE home_id = $1 AND seq > $2 AND seq <= $3 \
              AND entry_id IS NOT NULL)"
        )))
        .bind(home.to_string())
        .bind(to_i64(since)?)
        .bind(last)
        .fetch_all(&mut *tx)
        .await?;
        let mut entries: std::collections::HashMap<String, (Entry, usize)> =
            std::collections::HashMap::new();
        for row in &entry_rows {
            let body_len = row
                .try_get::<String, _>("body")
                .map(|b| b.len())
                .unwrap_or(0);
            let e = entry_from_row(row)?;
            entries.insert(e.id.to_string(), (e, body_len));
        }
        tx.commit().await?;

        use bedside_domain::sync::wire::Change;
        let mut changes = Vec::with_capacity(rows.len());
        let mut bytes = 0usize;
        let mut last_seq = since;
        for (seq, kind, person, entry) in rows {
            let seq_u =
                u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("seq {seq}")))?;
            // A page never ends empty-handed, and never runs far past its byte budget.
            if bytes >= max_bytes && !changes.is_empty() {
                break;
            }
            last_seq = seq_u;
            match kind.as_str() {
                "resident" => {
                    if let Some(r) = residents.get(&person) {
                        bytes += 600;
                        changes.push(Change::Resident {
                            seq: seq_u,
                            resident: r.clone(),
                        });
                    }
                }
                "resident_removed" => {
                    bytes += 80;
                    changes.push(Change::ResidentRemoved {
                        seq: seq_u,
                        person_id: PersonId(parse_uuid(&person)?),
                    });
                }
                "entry" => {
                    // Only while the person lives here; a later change removes them anyway.
                    if residents.contains_key(&person)
                        && let Some((e, len)) = entry.as_ref().and_then(|id| entries.get(id))
                        && e.person_id.to_string() == person
                    {
                        bytes += len + 400;
                        changes.push(Change::Entry {
                            seq: seq_u,
                            entry: e.clone(),
                        });
                    }
                }
                other => return Err(StoreError::Corrupt(format!("change kind {other:?}"))),
            }
        }
        Ok(ChangesRead {
            head,
            changes,
            last_seq,
        })
    }

    async fn snapshot_page(
        &self,
        home: HomeId,
        pinned: Option<u64>,
        after: Option<EntryId>,
        limit: usize,
    ) -> StoreResult<SnapshotRead> {
        let mut tx = self.pool.begin().await?;
        let head = read_head(&mut tx, home).await?;
        let first = pinned.is_none();
        let pinned = pinned.unwrap_or(head.head);
        let residents = if first {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
                 WHERE r.home_id = $1 AND r.ended_on IS NULL"
            )))
            .bind(home.to_string())
            .fetch_all(&mut *tx)
            .await?;
            let mut list = rows
                .iter()
                .map(resident_from_row)
                .collect::<StoreResult<Vec<_>>>()?;
            sort_by_room(&mut list);
            list
        } else {
            Vec::new()
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e JOIN residencies r ON r.person_id = e.person_id \
             WHERE r.home_id = $1 AND r.ended_on IS NULL AND e.status = 'current' AND e.id > $2 \
             ORDER BY e.id LIMIT $3"
        )))
        .bind(home.to_string())
        .bind(after.map(|a| a.to_string()).unwrap_or_default())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let next_after = (entries.len() == limit)
            .then(|| entries.last().map(|e| e.id))
            .flatten();
        Ok(SnapshotRead {
            head,
            pinned,
            residents,
            entries,
            next_after,
        })
    }

    async fn compact_changes(&self, home: HomeId, through: u64) -> StoreResult<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let through = to_i64(through)?;
        sqlx::query("DELETE FROM changes WHERE home_id = $1 AND seq <= $2")
            .bind(home.to_string())
            .bind(through)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE homes SET sync_floor = MAX(sync_floor, MIN($1, sync_head)) WHERE id = $2",
        )
        .bind(through)
        .bind(home.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_spo2_scale(&self, nhs: NhsNumber, scale: Spo2Scale) -> StoreResult<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id: Option<String> = sqlx::query_scalar(
            "UPDATE persons SET spo2_scale = $1 WHERE nhs_number = $2 RETURNING id",
        )
        .bind(scale_text(scale))
        .bind(nhs.digits())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            return Err(StoreError::NotFound(format!(
                "no record is held for NHS number {nhs}"
            )));
        };
        record_change(&mut tx, PersonId(parse_uuid(&id)?), "resident", None).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn begin_sync(&self) -> StoreResult<Box<dyn SyncTx>> {
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteIngest { tx }))
    }

    async fn has_lived_in(&self, home: HomeId, person: PersonId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM residencies WHERE home_id = $1 AND person_id = $2 LIMIT 1",
        )
        .bind(home.to_string())
        .bind(person.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    async fn append_audit(&self, events: &[NewAuditEvent]) -> StoreResult<Vec<bool>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut new = Vec::with_capacity(events.len());
        for e in events {
            // DO NOTHING on a held id: the event is the tablet's to name, and the first
            // copy stored is the record (the log is never rewritten).
            let done = sqlx::query(
                "INSERT INTO audit_events (home_id, id, staff_id, staff_username, role, \
                 person_id, part, at, device, address, mode, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (home_id, id) DO NOTHING",
            )
            .bind(e.home.to_string())
            .bind(e.id.hyphenated().to_string())
            .bind(e.staff.to_string())
            .bind(&e.staff_username)
            .bind(e.role.as_str())
            .bind(e.person.to_string())
            .bind(e.part.as_str())
            .bind(time_text(e.at))
            .bind(e.device.as_deref())
            .bind(e.address.as_deref())
            .bind(e.mode.as_str())
            .bind(time_text(e.received_at))
            .execute(&mut *tx)
            .await?;
            new.push(done.rows_affected() == 1);
        }
        tx.commit().await?;
        Ok(new)
    }

    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        // One statement for every combination of filters: a NULL parameter matches all.
        let (before_at, before_id) = match query.before {
            Some((at, id)) => (Some(time_text(at)), Some(id.hyphenated().to_string())),
            None => (None, None),
        };
        let rows = sqlx::query(
            "SELECT home_id, id, staff_id, staff_username, role, person_id, part, at, device, \
             address, mode, received_at FROM audit_events \
             WHERE ($1 IS NULL OR home_id = $1) AND ($2 IS NULL OR person_id = $2) \
             AND ($3 IS NULL OR staff_id = $3) AND ($4 IS NULL OR at >= $4) \
             AND ($5 IS NULL OR at < $5) \
             AND ($6 IS NULL OR at < $6 OR (at = $6 AND id < $7)) \
             ORDER BY at DESC, id DESC LIMIT $8",
        )
        .bind(query.home.map(|h| h.to_string()))
        .bind(query.person.map(|p| p.to_string()))
        .bind(query.staff.map(|s| s.to_string()))
        .bind(query.from.map(time_text))
        .bind(query.to.map(time_text))
        .bind(before_at)
        .bind(before_id)
        .bind(i64::try_from(query.limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }
}

const DEVICE_SELECT: &str = "SELECT d.id, d.home_id, d.name, d.secret_hash, d.unlock_key, d.enrolled_at, \
     s.username AS enrolled_by, d.last_contact, d.revoked_at \
     FROM enrolled_devices d JOIN staff s ON s.id = d.enrolled_by";

fn device_from_row(r: &SqliteRow) -> StoreResult<DeviceRow> {
    Ok(DeviceRow {
        home: HomeId(parse_uuid(r.try_get("home_id")?)?),
        secret_hash: r.try_get("secret_hash")?,
        unlock_key: r.try_get("unlock_key")?,
        device: Device {
            id: DeviceId(parse_uuid(r.try_get("id")?)?),
            name: r.try_get("name")?,
            enrolled_at: parse_time(r.try_get("enrolled_at")?)?,
            enrolled_by: r.try_get("enrolled_by")?,
            last_contact: opt_time(r.try_get("last_contact")?)?,
            revoked_at: opt_time(r.try_get("revoked_at")?)?,
        },
    })
}

fn opt_time(s: Option<&str>) -> StoreResult<Option<DateTime<Utc>>> {
    s.map(parse_time).transpose()
}

/// Stores a refresh's new pair and notes the session's use, inside the caller's
/// transaction (a trade and a retry of a lost trade both end this way).
async fn issue_pair(
    conn: &mut sqlx::SqliteConnection,
    session: Uuid,
    now: DateTime<Utc>,
    tokens: &[NewToken; 2],
) -> StoreResult<()> {
    for token in tokens {
        insert_token(&mut *conn, session, now, token).await?;
    }
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
        .bind(session.to_string())
        .bind(time_text(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_token(
    conn: &mut sqlx::SqliteConnection,
    session: Uuid,
    now: DateTime<Utc>,
    token: &NewToken,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO session_tokens (token_hash, session_id, kind, issued_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&token.hash)
    .bind(session.to_string())
    .bind(token.kind.as_str())
    .bind(time_text(now))
    .bind(time_text(token.expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn audit_from_row(r: &SqliteRow) -> StoreResult<AuditEntry> {
    let part: String = r.try_get("part")?;
    let mode: String = r.try_get("mode")?;
    Ok(AuditEntry {
        id: parse_uuid(r.try_get("id")?)?,
        home_id: HomeId(parse_uuid(r.try_get("home_id")?)?),
        staff_id: StaffId(parse_uuid(r.try_get("staff_id")?)?),
        staff_username: r.try_get("staff_username")?,
        role: parse_role(r.try_get("role")?)?,
        person_id: PersonId(parse_uuid(r.try_get("person_id")?)?),
        part: AuditPart::parse(&part)
            .ok_or_else(|| StoreError::Corrupt(format!("audit part {part:?}")))?,
        at: parse_time(r.try_get("at")?)?,
        device: r.try_get("device")?,
        address: r.try_get("address")?,
        mode: AuditMode::parse(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("audit mode {mode:?}")))?,
        received_at: parse_time(r.try_get("received_at")?)?,
    })
}

fn source_from_row(row: &SqliteRow) -> StoreResult<SourceRecord> {
    Ok(SourceRecord {
        id: SourceId(parse_uuid(row.try_get("id")?)?),
        ods_code: row.try_get("ods_code")?,
        name: row.try_get("name")?,
    })
}

const REVIEW_SELECT: &str = "SELECT r.id, r.patient_key, r.reason, r.nhs_number, r.detail, \
     r.person_id, r.created_at, s.id AS source_id, s.ods_code, s.name, \
     (SELECT COUNT(*) FROM fhir_resources f WHERE f.review_id = r.id AND f.is_current = 1) AS held \
     FROM review_items r JOIN sources s ON s.id = r.source_id";

fn review_from_row(row: &SqliteRow) -> StoreResult<ReviewItem> {
    let reason: String = row.try_get("reason")?;
    let person: Option<String> = row.try_get("person_id")?;
    Ok(ReviewItem {
        id: ReviewId(parse_uuid(row.try_get("id")?)?),
        source: SourceRecord {
            id: SourceId(parse_uuid(row.try_get("source_id")?)?),
            ods_code: row.try_get("ods_code")?,
            name: row.try_get("name")?,
        },
        patient_key: row.try_get("patient_key")?,
        reason: ReviewReason::parse(&reason)
            .ok_or_else(|| StoreError::Corrupt(format!("review reason {reason:?}")))?,
        nhs_number: row.try_get("nhs_number")?,
        detail: row.try_get("detail")?,
        attached_to: person.map(|p| parse_uuid(&p).map(PersonId)).transpose()?,
        created_at: parse_time(row.try_get("created_at")?)?,
        held: row.try_get("held")?,
    })
}

const RESOURCE_COLUMNS: &str = "row_id, logical_id, resource_type, resource_id, full_url, \
     version, version_id, content_hash, person_id, review_id, body";

fn resource_from_row(row: &SqliteRow) -> StoreResult<StoredResource> {
    let person: Option<String> = row.try_get("person_id")?;
    let review: Option<String> = row.try_get("review_id")?;
    Ok(StoredResource {
        row_id: row.try_get("row_id")?,
        logical_id: row.try_get("logical_id")?,
        resource_type: row.try_get("resource_type")?,
        resource_id: row.try_get("resource_id")?,
        full_url: row.try_get("full_url")?,
        version: row.try_get("version")?,
        version_id: row.try_get("version_id")?,
        content_hash: row.try_get("content_hash")?,
        person_id: person.map(|p| parse_uuid(&p).map(PersonId)).transpose()?,
        review_id: review.map(|r| parse_uuid(&r).map(ReviewId)).transpose()?,
        body: row.try_get("body")?,
    })
}

fn entry_status_text(s: EntryStatus) -> &'static str {
    match s {
        EntryStatus::Current => "current",
        EntryStatus::EnteredInError => "entered_in_error",
    }
}

/// The ingest transaction on SQLite.
struct SqliteIngest {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
}

#[async_trait]
impl IngestTx for SqliteIngest {
    async fn current_resource(
        &mut self,
        source: SourceId,
        resource_type: &str,
        resource_id: &str,
    ) -> StoreResult<Option<StoredResource>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESOURCE_COLUMNS} FROM fhir_resources WHERE source_id = $1 \
             AND resource_type = $2 AND resource_id = $3 AND is_current = 1"
        )))
        .bind(source.to_string())
        .bind(resource_type)
        .bind(resource_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(resource_from_row).transpose()
    }

    async fn put_resource(&mut self, new: NewResource<'_>) -> StoreResult<StoredResource> {
        let existing: Option<(String, i64)> = sqlx::query_as(
            "SELECT logical_id, MAX(version) FROM fhir_resources WHERE source_id = $1 \
             AND resource_type = $2 AND resource_id = $3 GROUP BY logical_id",
        )
        .bind(new.source.to_string())
        .bind(new.resource_type)
        .bind(new.resource_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let (logical_id, version) = match existing {
            Some((logical, max)) => (logical, max + 1),
            None => (Uuid::now_v7().to_string(), 1),
        };
        if new.make_current {
            sqlx::query(
                "UPDATE fhir_resources SET is_current = 0 WHERE source_id = $1 \
                 AND resource_type = $2 AND resource_id = $3 AND is_current = 1",
            )
            .bind(new.source.to_string())
            .bind(new.resource_type)
            .bind(new.resource_id)
            .execute(&mut *self.tx)
            .await?;
        }
        let row_id = Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO fhir_resources (row_id, logical_id, source_id, resource_type, \
             resource_id, version, version_id, content_hash, is_current, person_id, review_id, \
             received_at, body, full_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&row_id)
        .bind(&logical_id)
        .bind(new.source.to_string())
        .bind(new.resource_type)
        .bind(new.resource_id)
        .bind(version)
        .bind(new.version_id)
        .bind(new.content_hash)
        .bind(i64::from(new.make_current))
        .bind(new.person_id.map(|p| p.to_string()))
        .bind(new.review_id.map(|r| r.to_string()))
        .bind(time_text(new.received_at))
        .bind(new.body)
        .bind(new.full_url)
        .execute(&mut *self.tx)
        .await?;
        Ok(StoredResource {
            row_id,
            logical_id,
            resource_type: new.resource_type.to_owned(),
            resource_id: new.resource_id.to_owned(),
            full_url: new.full_url.map(str::to_owned),
            version,
            version_id: new.version_id.map(str::to_owned),
            content_hash: new.content_hash.to_owned(),
            person_id: new.person_id,
            review_id: new.review_id,
            body: new.body.to_owned(),
        })
    }

    async fn resource_by_identifier(
        &mut self,
        source: SourceId,
        resource_type: &str,
        system: &str,
        value: &str,
    ) -> StoreResult<Option<StoredResource>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESOURCE_COLUMNS} FROM fhir_resources f WHERE f.is_current = 1 \
             AND f.source_id = $1 AND f.resource_type = $2 AND f.resource_id = \
             (SELECT i.resource_id FROM fhir_identifiers i WHERE i.source_id = $1 \
              AND i.resource_type = $2 AND i.system = $3 AND i.value = $4)"
        )))
        .bind(source.to_string())
        .bind(resource_type)
        .bind(system)
        .bind(value)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(resource_from_row).transpose()
    }

    async fn put_identifier(
        &mut self,
        source: SourceId,
        resource_type: &str,
        system: &str,
        value: &str,
        resource_id: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO fhir_identifiers (source_id, resource_type, system, value, resource_id) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id, resource_type, system, value) \
             DO UPDATE SET resource_id = excluded.resource_id",
        )
        .bind(source.to_string())
        .bind(resource_type)
        .bind(system)
        .bind(value)
        .bind(resource_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn resource_by_full_url(
        &mut self,
        source: SourceId,
        full_url: &str,
    ) -> StoreResult<Option<StoredResource>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESOURCE_COLUMNS} FROM fhir_resources WHERE source_id = $1 \
             AND full_url = $2 AND is_current = 1 ORDER BY received_at DESC LIMIT 1"
        )))
        .bind(source.to_string())
        .bind(full_url)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(resource_from_row).transpose()
    }

    async fn version_held(
        &mut self,
        source: SourceId,
        resource_type: &str,
        resource_id: &str,
        version_id: Option<&str>,
        content_hash: &str,
    ) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM fhir_resources WHERE source_id = $1 AND resource_type = $2 \
             AND resource_id = $3 AND ((version_id IS NOT NULL AND version_id = $4) \
             OR content_hash = $5)",
        )
        .bind(source.to_string())
        .bind(resource_type)
        .bind(resource_id)
        .bind(version_id)
        .bind(content_hash)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(n > 0)
    }

    async fn person_exists(&mut self, person: PersonId) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons WHERE id = $1")
            .bind(person.to_string())
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n > 0)
    }

    async fn held_resources(&mut self, review: ReviewId) -> StoreResult<Vec<StoredResource>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESOURCE_COLUMNS} FROM fhir_resources WHERE review_id = $1 \
             AND is_current = 1 ORDER BY received_at, row_id"
        )))
        .bind(review.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(resource_from_row).collect()
    }

    async fn set_resource_person(&mut self, row_id: &str, person: PersonId) -> StoreResult<()> {
        sqlx::query("UPDATE fhir_resources SET person_id = $1 WHERE row_id = $2")
            .bind(person.to_string())
            .bind(row_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn person_by_nhs(
        &mut self,
        nhs: NhsNumber,
    ) -> StoreResult<Option<(PersonId, NaiveDate)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT id, birth_date FROM persons WHERE nhs_number = $1")
                .bind(nhs.digits())
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|(id, birth)| Ok((PersonId(parse_uuid(&id)?), parse_date(&birth)?)))
            .transpose()
    }

    async fn upsert_person(
        &mut self,
        person: &NewPerson,
        now: DateTime<Utc>,
    ) -> StoreResult<PersonId> {
        upsert_person_row(&mut self.tx, person, now).await
    }

    async fn review_item(
        &mut self,
        source: SourceId,
        patient_key: &str,
    ) -> StoreResult<Option<(ReviewId, Option<PersonId>)>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT id, person_id FROM review_items WHERE source_id = $1 AND patient_key = $2",
        )
        .bind(source.to_string())
        .bind(patient_key)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|(id, person)| {
            Ok((
                ReviewId(parse_uuid(&id)?),
                person.map(|p| parse_uuid(&p).map(PersonId)).transpose()?,
            ))
        })
        .transpose()
    }

    async fn review_by_id(&mut self, id: ReviewId) -> StoreResult<Option<ReviewItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{REVIEW_SELECT} WHERE r.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(review_from_row).transpose()
    }

    async fn open_review(
        &mut self,
        source: SourceId,
        patient_key: &str,
        reason: ReviewReason,
        nhs_number: Option<&str>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ReviewId> {
        let id = ReviewId(Uuid::now_v7());
        sqlx::query(
            "INSERT INTO review_items (id, source_id, patient_key, reason, nhs_number, detail, \
             status, person_id, created_at, resolved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'open', NULL, $7, NULL)",
        )
        .bind(id.to_string())
        .bind(source.to_string())
        .bind(patient_key)
        .bind(reason.as_str())
        .bind(nhs_number)
        .bind(detail)
        .bind(time_text(now))
        .execute(&mut *self.tx)
        .await?;
        Ok(id)
    }

    async fn close_review(
        &mut self,
        id: ReviewId,
        person: PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE review_items SET status = 'attached', person_id = $1, resolved_at = $2 \
             WHERE id = $3",
        )
        .bind(person.to_string())
        .bind(time_text(now))
        .bind(id.to_string())
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("UPDATE fhir_resources SET person_id = $1 WHERE review_id = $2")
            .bind(person.to_string())
            .bind(id.to_string())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn entries_from(&mut self, logical_id: &str) -> StoreResult<Vec<EntryRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS}, e.source_ref FROM entries e WHERE e.source_resource = $1"
        )))
        .bind(logical_id)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|r| {
                let entry = entry_from_row(r)?;
                Ok(EntryRow {
                    id: entry.id,
                    person_id: entry.person_id,
                    source_ref: r.try_get("source_ref")?,
                    entry,
                })
            })
            .collect()
    }

    async fn insert_entry(
        &mut self,
        person: PersonId,
        logical_id: &str,
        key: &str,
        entry: &NewEntry,
    ) -> StoreResult<EntryId> {
        let id = EntryId(Uuid::now_v7());
        insert_entry_row(&mut self.tx, id, person, Some((logical_id, key)), entry).await?;
        Ok(id)
    }

    async fn update_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
        status: EntryStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        update_entry_row(&mut self.tx, id, person, entry, status, now).await
    }

    async fn put_attachment(
        &mut self,
        person: PersonId,
        content_type: &str,
        title: Option<&str>,
        data: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        let id = Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO attachments (id, person_id, content_type, title, size, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(person.to_string())
        .bind(content_type)
        .bind(title)
        .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
        .bind(data)
        .bind(time_text(now))
        .execute(&mut *self.tx)
        .await?;
        Ok(id)
    }

    async fn link_attachments(&mut self, ids: &[String], entry: EntryId) -> StoreResult<()> {
        for id in ids {
            sqlx::query("UPDATE attachments SET entry_id = $1 WHERE id = $2")
                .bind(entry.to_string())
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

fn to_i64(n: u64) -> StoreResult<i64> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt(format!("number {n} out of range")))
}

async fn read_head(conn: &mut sqlx::SqliteConnection, home: HomeId) -> StoreResult<SyncHead> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT sync_epoch, sync_head, sync_floor FROM homes WHERE id = $1")
            .bind(home.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let (epoch, head, floor) =
        row.ok_or_else(|| StoreError::NotFound(format!("there is no home {home}")))?;
    Ok(SyncHead {
        epoch,
        head: u64::try_from(head).unwrap_or(0),
        floor: u64::try_from(floor).unwrap_or(0),
    })
}

#[async_trait]
impl SyncTx for SqliteIngest {
    async fn device(&mut self, id: Uuid) -> StoreResult<Option<(HomeId, u64)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT home_id, next_seq FROM devices WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|(home, next)| {
            Ok((
                HomeId(parse_uuid(&home)?),
                u64::try_from(next)
                    .map_err(|_| StoreError::Corrupt(format!("device seq {next}")))?,
            ))
        })
        .transpose()
    }

    async fn put_device(
        &mut self,
        id: Uuid,
        home: HomeId,
        next_seq: u64,
        staff: StaffId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO devices (id, home_id, next_seq, last_staff_id, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET \
             next_seq = excluded.next_seq, last_staff_id = excluded.last_staff_id, \
             last_seen = excluded.last_seen",
        )
        .bind(id.to_string())
        .bind(home.to_string())
        .bind(to_i64(next_seq)?)
        .bind(staff.to_string())
        .bind(time_text(now))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn mutation(
        &mut self,
        id: Uuid,
    ) -> StoreResult<Option<(Uuid, bedside_domain::sync::wire::Outcome)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT device_id, outcome FROM mutations WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *self.tx)
                .await?;
        row.map(|(device, outcome)| {
            Ok((
                parse_uuid(&device)?,
                serde_json::from_str(&outcome)
                    .map_err(|e| StoreError::Corrupt(format!("outcome: {e}")))?,
            ))
        })
        .transpose()
    }

    async fn put_mutation(
        &mut self,
        id: Uuid,
        device: Uuid,
        device_seq: u64,
        staff: StaffId,
        outcome: &bedside_domain::sync::wire::Outcome,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let outcome = serde_json::to_string(outcome)
            .map_err(|e| StoreError::Corrupt(format!("outcome: {e}")))?;
        sqlx::query(
            "INSERT INTO mutations (id, device_id, device_seq, staff_id, outcome, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(device.to_string())
        .bind(to_i64(device_seq)?)
        .bind(staff.to_string())
        .bind(outcome)
        .bind(time_text(now))
        .execute(&mut *self.tx)
        .await
        .map_err(|e| unique_violation(e, "that device sequence number was already used"))?;
        Ok(())
    }

    async fn resident(&mut self, home: HomeId, person: PersonId) -> StoreResult<Option<Resident>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESIDENT_COLUMNS} FROM residencies r JOIN persons p ON p.id = r.person_id \
             WHERE r.home_id = $1 AND r.person_id = $2 AND r.ended_on IS NULL"
        )))
        .bind(home.to_string())
        .bind(person.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(resident_from_row).transpose()
    }

    async fn entry(&mut self, id: EntryId) -> StoreResult<Option<(Entry, bool)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS}, e.source_resource FROM entries e WHERE e.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            let outside: Option<String> = r.try_get("source_resource")?;
            Ok((entry_from_row(&r)?, outside.is_some()))
        })
        .transpose()
    }

    async fn person_entries(
        &mut self,
        person: PersonId,
        kind: bedside_domain::record::EntryKind,
    ) -> StoreResult<Vec<Entry>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM entries e WHERE e.person_id = $1 AND e.kind = $2 \
             AND e.status = 'current' ORDER BY e.id"
        )))
        .bind(person.to_string())
        .bind(kind.as_str())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn insert_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
    ) -> StoreResult<()> {
        insert_entry_row(&mut self.tx, id, person, None, entry).await
    }

    async fn update_entry(
        &mut self,
        id: EntryId,
        person: PersonId,
        entry: &NewEntry,
        status: EntryStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        update_entry_row(&mut self.tx, id, person, entry, status, now).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

const UPSERT_PERSON: &str = "INSERT INTO persons (id, nhs_number, given, family, preferred, \
     birth_date, sex, gp_practice, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
     ON CONFLICT (nhs_number) DO UPDATE SET given = excluded.given, \
     family = excluded.family, preferred = excluded.preferred, \
     birth_date = excluded.birth_date, sex = excluded.sex, \
     gp_practice = COALESCE(excluded.gp_practice, persons.gp_practice), \
     updated_at = excluded.updated_at RETURNING id";

/// A new epoch for a home's change log: 16 random hex digits.
fn new_epoch() -> String {
    let mut bytes = [0u8; 8];
    // Without OS randomness an epoch from the clock still differs from the last one.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Notes a change to a person's record in the log of the home they live in (if any),
/// with the next sequence number, inside the caller's transaction.
async fn record_change(
    conn: &mut sqlx::SqliteConnection,
    person: PersonId,
    kind: &str,
    entry: Option<EntryId>,
) -> StoreResult<()> {
    let home: Option<String> = sqlx::query_scalar(
        "SELECT home_id FROM residencies WHERE person_id = $1 AND ended_on IS NULL",
    )
    .bind(person.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match home {
        Some(home) => record_change_in(conn, &home, person, kind, entry).await,
        None => Ok(()),
    }
}

async fn record_change_in(
    conn: &mut sqlx::SqliteConnection,
    home: &str,
    person: PersonId,
    kind: &str,
    entry: Option<EntryId>,
) -> StoreResult<()> {
    let seq: i64 = sqlx::query_scalar(
        "UPDATE homes SET sync_head = sync_head + 1 WHERE id = $1 RETURNING sync_head",
    )
    .bind(home)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO changes (home_id, seq, kind, person_id, entry_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(home)
    .bind(seq)
    .bind(kind)
    .bind(person.to_string())
    .bind(entry.map(|e| e.to_string()))
    .bind(time_text(Utc::now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// id, given, family, preferred, birth date, sex, GP practice.
type PersonRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

/// Adds a person or updates their details; a real change is a change for their home.
async fn upsert_person_row(
    conn: &mut sqlx::SqliteConnection,
    person: &NewPerson,
    now: DateTime<Utc>,
) -> StoreResult<PersonId> {
    let held: Option<PersonRow> = sqlx::query_as(
        "SELECT id, given, family, preferred, birth_date, sex, gp_practice FROM persons \
             WHERE nhs_number = $1",
    )
    .bind(person.nhs_number.digits())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((id, given, family, preferred, birth, sex, gp)) = &held {
        let same = *given == person.name.given
            && *family == person.name.family
            && *preferred == person.name.preferred
            && *birth == date_text(person.birth_date)
            && sex == sex_text(person.sex)
            && (person.gp_practice.is_none() || *gp == person.gp_practice);
        if same {
            return Ok(PersonId(parse_uuid(id)?));
        }
    }
    let id: String = sqlx::query_scalar(UPSERT_PERSON)
        .bind(Uuid::now_v7().to_string())
        .bind(person.nhs_number.digits())
        .bind(&person.name.given)
        .bind(&person.name.family)
        .bind(&person.name.preferred)
        .bind(date_text(person.birth_date))
        .bind(sex_text(person.sex))
        .bind(&person.gp_practice)
        .bind(time_text(now))
        .fetch_one(&mut *conn)
        .await?;
    let id = PersonId(parse_uuid(&id)?);
    if held.is_some() {
        record_change(conn, id, "resident", None).await?;
    }
    Ok(id)
}

/// Moves an entry's current version into history and stores the new one (version + 1),
/// noting the change for the home.
async fn update_entry_row(
    conn: &mut sqlx::SqliteConnection,
    id: EntryId,
    person: PersonId,
    entry: &NewEntry,
    status: EntryStatus,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO entry_versions (entry_id, version, person_id, kind, status, \
         organisation, ods_code, source_system, source_id, author, authored_at, received_at, \
         body, superseded_at) SELECT id, version, person_id, kind, status, organisation, \
         ods_code, source_system, source_id, author, authored_at, received_at, body, $1 \
         FROM entries WHERE id = $2",
    )
    .bind(time_text(now))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    let body = serde_json::to_string(&entry.body)
        .map_err(|e| StoreError::Corrupt(format!("entry body: {e}")))?;
    let p = &entry.provenance;
    let previous: Option<String> = sqlx::query_scalar(
        "UPDATE entries SET version = version + 1, kind = $1, status = $2, organisation = $3, \
         ods_code = $4, source_system = $5, source_id = $6, author = $7, authored_at = $8, \
         received_at = $9, body = $10, person_id = $12 WHERE id = $11 \
         RETURNING (SELECT person_id FROM entry_versions WHERE entry_id = $11 \
                    ORDER BY version DESC LIMIT 1)",
    )
    .bind(entry.body.kind().as_str())
    .bind(entry_status_text(status))
    .bind(&p.organisation)
    .bind(&p.ods_code)
    .bind(&p.system)
    .bind(&p.source_id)
    .bind(&p.author)
    .bind(time_text(p.authored_at))
    .bind(time_text(p.received_at))
    .bind(body)
    .bind(id.to_string())
    .bind(person.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    record_change(conn, person, "entry", Some(id)).await?;
    // An entry moved to another person is a change for the first person's home too.
    if let Some(previous) = previous
        && previous != person.to_string()
    {
        record_change(conn, PersonId(parse_uuid(&previous)?), "entry", Some(id)).await?;
    }
    Ok(())
}

async fn insert_entry_row(
    conn: &mut sqlx::SqliteConnection,
    id: EntryId,
    person: PersonId,
    source: Option<(&str, &str)>,
    entry: &NewEntry,
) -> StoreResult<()> {
    let body = serde_json::to_string(&entry.body)
        .map_err(|e| StoreError::Corrupt(format!("entry body: {e}")))?;
    let p = &entry.provenance;
    sqlx::query(
        "INSERT INTO entries (id, person_id, kind, version, status, organisation, \
         ods_code, source_system, source_id, author, authored_at, received_at, body, \
         source_resource, source_ref) \
         VALUES ($1, $2, $3, 1, 'current', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id.to_string())
    .bind(person.to_string())
    .bind(entry.body.kind().as_str())
    .bind(&p.organisation)
    .bind(&p.ods_code)
    .bind(&p.system)
    .bind(&p.source_id)
    .bind(&p.author)
    .bind(time_text(p.authored_at))
    .bind(time_text(p.received_at))
    .bind(body)
    .bind(source.map(|(logical, _)| logical))
    .bind(source.map(|(logical, key)| format!("{logical}#{key}")))
    .execute(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::NotFound(format!("there is no person {person}"))
        }
        _ => StoreError::Database(e),
    })?;
    record_change(conn, person, "entry", Some(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_sort_naturally() {
        let rooms = ["10", "2", "G2", "1", "G10", "12A", "12", "g1"];
        let mut keys: Vec<&str> = rooms.to_vec();
        keys.sort_by_key(|r| natural_key(r));
        assert_eq!(keys, vec!["1", "2", "10", "12", "12A", "g1", "G2", "G10"]);
    }

    #[test]
    fn times_sort_as_text() {
        let a = DateTime::parse_from_rfc3339("2026-01-01T09:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let b = a + chrono::Duration::microseconds(1);
        assert!(time_text(a) < time_text(b));
        assert_eq!(time_text(a).len(), time_text(b).len());
        assert_eq!(parse_time(&time_text(b)).ok(), Some(b));
    }
}
