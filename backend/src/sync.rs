//! Applying a tablet's push: each mutation exactly once, in device order, with its
//! outcome stored so a retry gets the same answer. A mutation that can never be applied
//! is answered `rejected` with a reason staff can read, and uses up its sequence number:
//! it never blocks the ones after it.

use bedside_domain::api::{Permission, Role};
use bedside_domain::news2::{self, Observations};
use bedside_domain::record::{
    CorrectionAction, Entry, EntryBody, EntryKind, EntryStatus, Provenance, Resident, Resolution,
};
use bedside_domain::sync::wire::{
    Mutation, MutationOp, MutationResult, Outcome, PushRequest, PushResponse, SectionKey,
};
use bedside_domain::{EntryId, PersonId};
use chrono::{DateTime, Utc};

use crate::auth::CurrentStaff;
use crate::store::{NewEntry, Store, StoreError, SyncTx};

/// Most mutations one push may carry.
pub const MAX_MUTATIONS: usize = 500;
/// The longest note or section text accepted.
pub const MAX_TEXT: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The first mutation not already received skips numbers: nothing was applied.
    #[error("expected device sequence number {expected}")]
    Gap { expected: u64 },
    /// The device is registered to another home.
    #[error("this tablet belongs to another home")]
    WrongHome,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Applies a push from a member of staff.
pub async fn push(
    store: &dyn Store,
    staff: &CurrentStaff,
    request: PushRequest,
    now: DateTime<Utc>,
) -> Result<PushResponse, PushError> {
    if request.mutations.len() > MAX_MUTATIONS {
        return Err(PushError::Invalid(format!(
            "push at most {MAX_MUTATIONS} mutations at a time"
        )));
    }
    let mut mutations = request.mutations;
    mutations.sort_by_key(|m| m.device_seq);
    let mut tx = store.begin_sync().await?;
    let mut expected = match tx.device(request.device_id).await? {
        Some((home, _)) if home != staff.home.id => return Err(PushError::WrongHome),
        Some((_, next)) => next,
        None => 1,
    };
    // Registered first: each stored outcome names its device.
    tx.put_device(
        request.device_id,
        staff.home.id,
        expected,
        staff.staff_id,
        now,
    )
    .await?;
    let mut results = Vec::with_capacity(mutations.len());
    let mut checked_gap = false;
    for m in mutations {
        if let Some((device, outcome)) = tx.mutation(m.id).await? {
            if device == request.device_id {
                results.push(MutationResult {
                    id: m.id,
                    outcome,
                    duplicate: true,
                });
            } else {
                // An id is its own tablet's: another tablet's id gets none of its
                // outcome. The clash is answered (not stored) and uses its number.
                if m.device_seq == expected {
                    expected += 1;
                    checked_gap = true;
                }
                results.push(MutationResult {
                    id: m.id,
                    outcome: rejected("this id was used by another tablet: nothing was recorded"),
                    duplicate: false,
                });
            }
            continue;
        }
        if m.device_seq != expected {
            // Refused only when nothing in the push was answered: otherwise the tablet
            // records the answers it got and renumbers the rest on its next push.
            if !checked_gap && results.is_empty() {
                // The first new mutation does not follow on: refuse the push, so the
                // tablet renumbers (its ids stay the same: nothing is applied twice).
                return Err(PushError::Gap { expected });
            }
            // Later in the push: stop here; the tablet sends the rest again.
            break;
        }
        checked_gap = true;
        let outcome = apply(&mut *tx, staff, &m, now).await?;
        tx.put_mutation(
            m.id,
            request.device_id,
            m.device_seq,
            staff.staff_id,
            &outcome,
            now,
        )
        .await?;
        if let Outcome::Rejected { reason } = &outcome {
            // The reason is for staff; the log says only that it happened.
            tracing::info!(device = %request.device_id, seq = m.device_seq, reason_len = reason.len(), "mutation rejected");
        }
        results.push(MutationResult {
            id: m.id,
            outcome,
            duplicate: false,
        });
        expected += 1;
    }
    tx.put_device(
        request.device_id,
        staff.home.id,
        expected,
        staff.staff_id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(PushResponse {
        results,
        next_device_seq: expected,
    })
}

fn rejected(reason: impl Into<String>) -> Outcome {
    Outcome::Rejected {
        reason: reason.into(),
    }
}

fn is_senior(role: Role) -> bool {
    role.may(Permission::EditSections)
}

/// Home-authored kinds: the only ones staff may correct.
fn home_authored(kind: EntryKind) -> bool {
    matches!(
        kind,
        EntryKind::CareNote
            | EntryKind::ObservationSet
            | EntryKind::CarePlanSection
            | EntryKind::AboutMeSection
    )
}

fn clean_text(text: &str, what: &str) -> Result<String, Outcome> {
    let t = text.trim();
    if t.is_empty() {
        return Err(rejected(format!("the {what} is empty")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(rejected(format!(
            "the {what} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(t.to_owned())
}

fn provenance(staff: &CurrentStaff, m: &Mutation, now: DateTime<Utc>) -> Provenance {
    Provenance {
        organisation: staff.home.name.clone(),
        ods_code: None,
        system: Some("Bedside tablet".into()),
        source_id: None,
        author: Some(staff.username.clone()),
        // A tablet's clock can be wrong; nothing is recorded as written in the future.
        authored_at: m.created_at.min(now),
        received_at: now,
    }
}

/// What a mutation does, or why it cannot.
async fn apply(
    tx: &mut dyn SyncTx,
    staff: &CurrentStaff,
    m: &Mutation,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let not_here = || {
        rejected(
            "this resident is not in your home any more (they may have left): nothing was recorded",
        )
    };
    let id = EntryId(m.id);
    // Every entry a mutation makes takes the mutation's id; an id already in use (a
    // tablet reusing one for other content) is refused before anything is written.
    if !matches!(m.op, MutationOp::ResolveSection { .. }) && tx.entry(id).await?.is_some() {
        return Ok(rejected("this id is already used by another entry"));
    }
    match &m.op {
        MutationOp::AddNote {
            person_id,
            category,
            text,
        } => {
            if tx.resident(staff.home.id, *person_id).await?.is_none() {
                return Ok(not_here());
            }
            let text = match clean_text(text, "note") {
                Ok(t) => t,
                Err(o) => return Ok(o),
            };
            let entry = NewEntry {
                provenance: provenance(staff, m, now),
                body: EntryBody::CareNote {
                    category: *category,
                    text,
                },
            };
            insert_once(tx, id, *person_id, &entry).await
        }
        MutationOp::AddObservations {
            person_id,
            observations,
            taken_at,
        } => {
            let Some(r) = tx.resident(staff.home.id, *person_id).await? else {
                return Ok(not_here());
            };
            let observations = match Observations::parse(*observations) {
                Ok(o) => o,
                Err(e) => return Ok(rejected(format!("not recorded: {e}"))),
            };
            let entry = NewEntry {
                provenance: provenance(staff, m, now),
                body: observation_body(&r, observations, (*taken_at).min(now)),
            };
            insert_once(tx, id, *person_id, &entry).await
        }
        MutationOp::Correct {
            entry_id,
            action,
            reason,
            body,
        } => correct(tx, staff, m, now, *entry_id, *action, reason, body.as_ref()).await,
        MutationOp::EditSection {
            person_id,
            section,
            base_version,
            body,
        } => {
            if !is_senior(staff.role) {
                return Ok(rejected(
                    "only a senior carer, nurse or manager can change the care plan or About Me",
                ));
            }
            if tx.resident(staff.home.id, *person_id).await?.is_none() {
                return Ok(not_here());
            }
            edit_section(tx, staff, m, now, *person_id, section, *base_version, body).await
        }
        MutationOp::ResolveSection {
            proposal_id,
            accept,
        } => {
            if !is_senior(staff.role) {
                return Ok(rejected(
                    "only a senior carer, nurse or manager can settle a section that needs review",
                ));
            }
            resolve(tx, staff, m, now, *proposal_id, *accept).await
        }
    }
}

fn observation_body(
    r: &Resident,
    observations: Observations,
    taken_at: DateTime<Utc>,
) -> EntryBody {
    EntryBody::ObservationSet {
        observations,
        scale: r.spo2_scale,
        score: news2::score(&observations, r.spo2_scale),
        taken_at,
    }
}

/// Adds the entry unless the id is taken (a tablet reusing an id for other content).
async fn insert_once(
    tx: &mut dyn SyncTx,
    id: EntryId,
    person: PersonId,
    entry: &NewEntry,
) -> Result<Outcome, StoreError> {
    if tx.entry(id).await?.is_some() {
        return Ok(rejected("this id is already used by another entry"));
    }
    tx.insert_entry(id, person, entry).await?;
    Ok(Outcome::Applied { entry_id: id })
}

#[allow(clippy::too_many_arguments)]
async fn correct(
    tx: &mut dyn SyncTx,
    staff: &CurrentStaff,
    m: &Mutation,
    now: DateTime<Utc>,
    target: EntryId,
    action: CorrectionAction,
    reason: &str,
    body: Option<&EntryBody>,
) -> Result<Outcome, StoreError> {
    let Some((entry, outside)) = tx.entry(target).await? else {
        return Ok(rejected("there is no such entry to correct"));
    };
    let Some(resident) = tx.resident(staff.home.id, entry.person_id).await? else {
        return Ok(rejected("there is no such entry to correct"));
    };
    if outside || !home_authored(entry.kind()) {
        return Ok(rejected(
            "only what the home wrote can be corrected here; records from outside are corrected by the service that sent them",
        ));
    }
    if !entry.is_current() {
        return Ok(rejected(
            "this entry has already been marked as entered in error",
        ));
    }
    let reason = match clean_text(reason, "reason for the correction") {
        Ok(r) => r,
        Err(o) => return Ok(o),
    };
    let (status, new_body) = match action {
        CorrectionAction::EnteredInError => (EntryStatus::EnteredInError, entry.body.clone()),
        CorrectionAction::Amended => {
            let Some(body) = body else {
                return Ok(rejected("an amendment needs the amended content"));
            };
            if body.kind() != entry.kind() {
                return Ok(rejected(
                    "an amendment must be of the same kind as the entry",
                ));
            }
            let body = match body {
                EntryBody::CareNote { category, text } => match clean_text(text, "note") {
                    Ok(text) => EntryBody::CareNote {
                        category: *category,
                        text,
                    },
                    Err(o) => return Ok(o),
                },
                EntryBody::ObservationSet {
                    observations,
                    taken_at,
                    ..
                } => match Observations::parse(*observations) {
                    Ok(o) => observation_body(&resident, o, (*taken_at).min(now)),
                    Err(e) => return Ok(rejected(format!("not recorded: {e}"))),
                },
                section
                @ (EntryBody::CarePlanSection { .. } | EntryBody::AboutMeSection { .. }) => {
                    if !same_section(&entry.body, section) {
                        return Ok(rejected(
                            "an amendment keeps the section's care plan area or About Me topic",
                        ));
                    }
                    if let Some(problem) = section_text_problem(section) {
                        return Ok(rejected(problem));
                    }
                    section.clone()
                }
                other => other.clone(),
            };
            (EntryStatus::Current, body)
        }
    };
    let corrected = NewEntry {
        provenance: Provenance {
            author: Some(staff.username.clone()),
            received_at: now,
            ..entry.provenance.clone()
        },
        body: new_body,
    };
    tx.update_entry(target, entry.person_id, &corrected, status, now)
        .await?;
    let note = NewEntry {
        provenance: provenance(staff, m, now),
        body: EntryBody::Correction {
            target,
            action,
            reason,
        },
    };
    match insert_once(tx, EntryId(m.id), entry.person_id, &note).await? {
        Outcome::Applied { .. } => Ok(Outcome::Applied { entry_id: target }),
        other => Ok(other),
    }
}

/// The current section entry for a key, if any.
async fn find_section(
    tx: &mut dyn SyncTx,
    person: PersonId,
    key: &SectionKey,
) -> Result<Option<Entry>, StoreError> {
    let kind = match key {
        SectionKey::CarePlan { .. } => EntryKind::CarePlanSection,
        SectionKey::AboutMe { .. } => EntryKind::AboutMeSection,
    };
    Ok(tx
        .person_entries(person, kind)
        .await?
        .into_iter()
        .find(|e| section_matches(&e.body, key)))
}

/// Why a section's text cannot be kept, if it cannot.
fn section_text_problem(body: &EntryBody) -> Option<String> {
    let texts: Vec<&String> = match body {
        EntryBody::CarePlanSection {
            area,
            need,
            goal,
            support,
            ..
        } => vec![area, need, goal, support],
        EntryBody::AboutMeSection { text, .. } => vec![text],
        _ => Vec::new(),
    };
    if texts.iter().any(|t| t.trim().is_empty()) {
        return Some("a section needs every part filled in".into());
    }
    if texts.iter().any(|t| t.chars().count() > MAX_TEXT) {
        return Some(format!(
            "a section's text may be at most {MAX_TEXT} characters"
        ));
    }
    None
}

/// Whether two section bodies are the same care plan area or About Me topic.
fn same_section(a: &EntryBody, b: &EntryBody) -> bool {
    match (a, b) {
        (
            EntryBody::CarePlanSection { area: x, .. },
            EntryBody::CarePlanSection { area: y, .. },
        ) => x.trim().eq_ignore_ascii_case(y.trim()),
        (
            EntryBody::AboutMeSection { topic: x, .. },
            EntryBody::AboutMeSection { topic: y, .. },
        ) => x == y,
        _ => false,
    }
}

fn section_matches(body: &EntryBody, key: &SectionKey) -> bool {
    match (body, key) {
        (EntryBody::CarePlanSection { area, .. }, SectionKey::CarePlan { area: want }) => {
            area.trim().eq_ignore_ascii_case(want.trim())
        }
        (EntryBody::AboutMeSection { topic, .. }, SectionKey::AboutMe { topic: want }) => {
            topic == want
        }
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
async fn edit_section(
    tx: &mut dyn SyncTx,
    staff: &CurrentStaff,
    m: &Mutation,
    now: DateTime<Utc>,
    person: PersonId,
    key: &SectionKey,
    base_version: Option<u32>,
    body: &EntryBody,
) -> Result<Outcome, StoreError> {
    if !section_matches(body, key) {
        return Ok(rejected(
            "the content is not the section it says it is (care plan area or About Me topic)",
        ));
    }
    if let Some(problem) = section_text_problem(body) {
        return Ok(rejected(problem));
    }
    let entry = NewEntry {
        provenance: provenance(staff, m, now),
        body: body.clone(),
    };
    match find_section(tx, person, key).await? {
        None => insert_once(tx, EntryId(m.id), person, &entry).await,
        Some(current) if base_version == Some(current.version) => {
            tx.update_entry(current.id, person, &entry, EntryStatus::Current, now)
                .await?;
            Ok(Outcome::Applied {
                entry_id: current.id,
            })
        }
        Some(current) => {
            // Someone else changed the section since this edit began: keep both; a
            // senior chooses. Nothing is overwritten.
            let proposal = NewEntry {
                provenance: provenance(staff, m, now),
                body: EntryBody::SectionProposal {
                    target: current.id,
                    base_version: base_version.unwrap_or(0),
                    body: Box::new(body.clone()),
                    resolution: None,
                },
            };
            match insert_once(tx, EntryId(m.id), person, &proposal).await? {
                Outcome::Applied { entry_id } => Ok(Outcome::Conflict { entry_id }),
                other => Ok(other),
            }
        }
    }
}

async fn resolve(
    tx: &mut dyn SyncTx,
    staff: &CurrentStaff,
    m: &Mutation,
    now: DateTime<Utc>,
    proposal_id: EntryId,
    accept: bool,
) -> Result<Outcome, StoreError> {
    let Some((proposal, _)) = tx.entry(proposal_id).await? else {
        return Ok(rejected("there is no such section to settle"));
    };
    if tx
        .resident(staff.home.id, proposal.person_id)
        .await?
        .is_none()
    {
        return Ok(rejected("there is no such section to settle"));
    }
    let EntryBody::SectionProposal {
        target,
        base_version,
        body,
        resolution,
    } = &proposal.body
    else {
        return Ok(rejected("that entry is not a section waiting for review"));
    };
    if resolution.is_some() || !proposal.is_current() {
        return Ok(rejected("that section has already been settled"));
    }
    let Some((current, _)) = tx.entry(*target).await? else {
        return Ok(rejected("the section no longer exists"));
    };
    if accept && !current.is_current() {
        return Ok(rejected(
            "the section was marked as entered in error since: write the proposal as a new section instead",
        ));
    }
    if accept {
        let chosen = NewEntry {
            provenance: provenance(staff, m, now),
            body: (**body).clone(),
        };
        tx.update_entry(
            *target,
            current.person_id,
            &chosen,
            EntryStatus::Current,
            now,
        )
        .await?;
    }
    let settled = NewEntry {
        provenance: Provenance {
            received_at: now,
            ..proposal.provenance.clone()
        },
        body: EntryBody::SectionProposal {
            target: *target,
            base_version: *base_version,
            body: body.clone(),
            resolution: Some(Resolution {
                accepted: accept,
                by: staff.username.clone(),
                at: now,
            }),
        },
    };
    tx.update_entry(
        proposal_id,
        proposal.person_id,
        &settled,
        EntryStatus::Current,
        now,
    )
    .await?;
    Ok(Outcome::Applied { entry_id: *target })
}
