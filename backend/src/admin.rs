//! Administrative operations: adding homes and staff, admitting residents and recording
//! that they left. The CLI subcommands and the demo loader both call these, so the demo
//! exercises the same paths an administrator uses.

use bedside_domain::api::Role;
use bedside_domain::record::ResidencyStatus;
use bedside_domain::{HomeId, NhsNumber, ResidencyId, StaffId};
use chrono::{NaiveDate, Utc};

use crate::auth;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn add_home(store: &dyn Store, name: &str) -> Result<HomeId, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "a home's name must be 1 to 200 characters".into(),
        ));
    }
    Ok(store.create_home(name, Utc::now()).await?)
}

/// Usernames: 3 to 64 of a–z, 0–9, `.`, `-`, `_` (matched without case).
pub fn check_username(username: &str) -> Result<(), AdminError> {
    let ok_len = (3..=64).contains(&username.len());
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(AdminError::Invalid(
            "a username is 3 to 64 letters, digits, dots, hyphens or underscores".into(),
        ))
    }
}

pub async fn add_staff(
    store: &dyn Store,
    home: HomeId,
    username: &str,
    role: Role,
    password: &str,
) -> Result<StaffId, AdminError> {
    check_username(username)?;
    if password.chars().count() < auth::MIN_PASSWORD_LEN {
        return Err(AdminError::Invalid(format!(
            "a password must have at least {} characters",
            auth::MIN_PASSWORD_LEN
        )));
    }
    if store.home(home).await?.is_none() {
        return Err(AdminError::Invalid(format!("there is no home {home}")));
    }
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    Ok(store
        .create_staff(home, username, &hash, role, Utc::now())
        .await?)
}

pub async fn admit(
    store: &dyn Store,
    home: HomeId,
    nhs: NhsNumber,
    room: &str,
    admitted_on: NaiveDate,
    status: ResidencyStatus,
) -> Result<ResidencyId, AdminError> {
    let room = room.trim();
    if room.is_empty() || room.chars().count() > 32 {
        return Err(AdminError::Invalid("a room is 1 to 32 characters".into()));
    }
    if !status.is_current() {
        return Err(AdminError::Invalid(
            "a new residency is in the home, in hospital or on leave".into(),
        ));
    }
    if store.home(home).await?.is_none() {
        return Err(AdminError::Invalid(format!("there is no home {home}")));
    }
    let person = store.person_by_nhs(nhs).await?.ok_or_else(|| {
        AdminError::Invalid(format!(
            "no record is held for NHS number {nhs}: records arrive from the GP or hospital first"
        ))
    })?;
    Ok(store
        .admit(home, person, room, admitted_on, status, Utc::now())
        .await?)
}

pub async fn leave(
    store: &dyn Store,
    nhs: NhsNumber,
    status: ResidencyStatus,
    on: NaiveDate,
) -> Result<ResidencyId, AdminError> {
    if status.is_current() {
        return Err(AdminError::Invalid(
            "leaving ends a residency: the status is left or died".into(),
        ));
    }
    let person = store
        .person_by_nhs(nhs)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no record is held for NHS number {nhs}")))?;
    Ok(store.end_residency(person, status, on, Utc::now()).await?)
}
