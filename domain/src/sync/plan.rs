//! The tablet's sync decisions, as pure functions: what to pull, how to apply a page of
//! changes to what the tablet holds, what to push next, and what a push's answer means
//! for the outbox. The tablet (and the native test client) only do the IO around them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{Change, Cursor, Mutation, Outcome, PushResponse, SyncStatus};
use crate::ids::{EntryId, PersonId};
use crate::order;
use crate::record::{Entry, Resident};

/// What to pull next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pull {
    /// The tablet has everything up to the head.
    UpToDate,
    /// Changes after this cursor.
    Changes { since: Cursor },
    /// The home's records from scratch: first sync, another epoch, or fallen behind the
    /// log's floor.
    Snapshot,
}

pub fn plan_pull(local: Option<&Cursor>, status: &SyncStatus) -> Pull {
    let Some(local) = local else {
        return Pull::Snapshot;
    };
    if local.epoch != status.head.epoch || local.seq < status.floor || local.seq > status.head.seq {
        return Pull::Snapshot;
    }
    if local.seq == status.head.seq {
        Pull::UpToDate
    } else {
        Pull::Changes {
            since: local.clone(),
        }
    }
}

/// A write to the tablet's store.
#[derive(Debug, Clone, PartialEq)]
// Short-lived values made a page at a time; boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum LocalOp {
    PutResident(Resident),
    /// Remove the resident and every entry of theirs.
    RemoveResident(PersonId),
    PutEntry(Entry),
}

/// Turns a page of changes into writes, given the entry versions the tablet holds. An
/// entry is written only if it is at least as new as the one held (a replayed page never
/// takes the tablet backwards); later changes in the page see earlier ones.
pub fn apply_changes(held: &HashMap<EntryId, u32>, changes: &[Change]) -> Vec<LocalOp> {
    let mut versions: HashMap<EntryId, u32> = HashMap::new();
    let mut removed: Vec<PersonId> = Vec::new();
    let mut ops = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::Resident { resident, .. } => {
                removed.retain(|p| *p != resident.id);
                ops.push(LocalOp::PutResident(resident.clone()));
            }
            Change::ResidentRemoved { person_id, .. } => {
                removed.push(*person_id);
                ops.push(LocalOp::RemoveResident(*person_id));
            }
            Change::Entry { entry, .. } => {
                if removed.contains(&entry.person_id) {
                    continue;
                }
                let current = versions
                    .get(&entry.id)
                    .or_else(|| held.get(&entry.id))
                    .copied();
                if current.is_none_or(|v| entry.version >= v) {
                    versions.insert(entry.id, entry.version);
                    ops.push(LocalOp::PutEntry(entry.clone()));
                }
            }
        }
    }
    ops
}

/// Where a mutation the tablet made stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Written on this tablet; not yet offered to the server.
    Saved,
    /// Offered (or offering failed): waiting for the server to answer.
    Waiting {
        attempts: u32,
        last_attempt: DateTime<Utc>,
    },
    /// The server has it.
    Confirmed { outcome: Outcome },
}

/// A mutation in the tablet's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub mutation: Mutation,
    pub state: OutboxState,
}

impl OutboxItem {
    pub fn is_pending(&self) -> bool {
        !matches!(self.state, OutboxState::Confirmed { .. })
    }
}

/// What staff see for an item they wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    SavedOnTablet,
    WaitingToSend,
    Confirmed,
    /// Confirmed, but kept as a proposal for a senior to review.
    NeedsReview,
    /// The server will never apply it; the reason is for staff.
    Rejected(String),
}

pub fn item_state(item: &OutboxItem) -> ItemState {
    match &item.state {
        OutboxState::Saved => ItemState::SavedOnTablet,
        OutboxState::Waiting { .. } => ItemState::WaitingToSend,
        OutboxState::Confirmed {
            outcome: Outcome::Applied { .. },
        } => ItemState::Confirmed,
        OutboxState::Confirmed {
            outcome: Outcome::Conflict { .. },
        } => ItemState::NeedsReview,
        OutboxState::Confirmed {
            outcome: Outcome::Rejected { reason },
        } => ItemState::Rejected(reason.clone()),
    }
}

/// The next mutations to send: the pending ones, in device order, at most `max`.
pub fn next_push(outbox: &[OutboxItem], max: usize) -> Vec<Mutation> {
    let mut pending: Vec<&OutboxItem> = outbox.iter().filter(|i| i.is_pending()).collect();
    order::sort_by_key(&mut pending, |i| i.mutation.device_seq);
    pending
        .into_iter()
        .take(max)
        .map(|i| i.mutation.clone())
        .collect()
}

/// How a push attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum PushReply {
    Answered(PushResponse),
    /// The server expects this device sequence number next (there was a gap).
    Gap {
        expected: u64,
    },
    /// No answer (offline, timeout, server error): try again later.
    Failed,
}

/// What to do after a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterPush {
    /// Nothing is left to send.
    Done,
    /// More is waiting: push again now.
    Again,
    /// Try later (backing off).
    Later,
}

/// Records a push's answer in the outbox: each answered mutation is confirmed with its
/// outcome (rejections included: they never hold up the queue). On a gap, the pending
/// mutations are numbered again from what the server expects: it has lost track of
/// numbers the tablet used (a server restored from a backup, say), or it has used the
/// tablet's next numbers already (a tablet that lost its own count). The ids stay the
/// same, so nothing is applied twice: the server answers an id it has stored with its
/// stored outcome before it looks at numbers.
pub fn after_push(
    outbox: &mut [OutboxItem],
    sent: &[Mutation],
    reply: PushReply,
    now: DateTime<Utc>,
) -> AfterPush {
    let mark_waiting = |outbox: &mut [OutboxItem]| {
        for item in outbox.iter_mut() {
            if sent.iter().any(|m| m.id == item.mutation.id) {
                let attempts = match &item.state {
                    OutboxState::Waiting { attempts, .. } => attempts.saturating_add(1),
                    _ => 1,
                };
                item.state = OutboxState::Waiting {
                    attempts,
                    last_attempt: now,
                };
            }
        }
    };
    match reply {
        PushReply::Failed => {
            mark_waiting(outbox);
            AfterPush::Later
        }
        PushReply::Gap { expected } => {
            mark_waiting(outbox);
            let mut pending: Vec<&mut OutboxItem> =
                outbox.iter_mut().filter(|i| i.is_pending()).collect();
            order::sort_by_key(&mut pending, |i| i.mutation.device_seq);
            let first = pending.first().map(|i| i.mutation.device_seq);
            if first.is_some_and(|f| f != expected) {
                for (n, item) in pending.into_iter().enumerate() {
                    item.mutation.device_seq = expected + n as u64;
                }
                AfterPush::Again
            } else {
                // Already numbered from what the server expects (or nothing pending):
                // renumbering would change nothing.
                AfterPush::Later
            }
        }
        PushReply::Answered(response) => {
            for result in &response.results {
                if let Some(item) = outbox.iter_mut().find(|i| i.mutation.id == result.id) {
                    item.state = OutboxState::Confirmed {
                        outcome: result.outcome.clone(),
                    };
                }
            }
            if outbox.iter().any(OutboxItem::is_pending) {
                AfterPush::Again
            } else {
                AfterPush::Done
            }
        }
    }
}

/// The device sequence number for the next mutation made on this tablet.
pub fn next_device_seq(outbox: &[OutboxItem], last_confirmed: u64) -> u64 {
    outbox
        .iter()
        .map(|i| i.mutation.device_seq)
        .max()
        .unwrap_or(0)
        .max(last_confirmed)
        + 1
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;
    use crate::record::{EntryBody, EntryStatus, NoteCategory, PersonName, Provenance, Sex};
    use crate::sync::wire::{MutationOp, MutationResult};

    fn cursor(epoch: &str, seq: u64) -> Cursor {
        Cursor {
            epoch: epoch.into(),
            seq,
        }
    }

    fn status(epoch: &str, head: u64, floor: u64) -> SyncStatus {
        SyncStatus {
            head: cursor(epoch, head),
            floor,
            server_time: now(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn what_to_pull() {
        let cases: Vec<(Option<Cursor>, SyncStatus, Pull)> = vec![
            (None, status("e1", 0, 0), Pull::Snapshot),
            (None, status("e1", 50, 0), Pull::Snapshot),
            (Some(cursor("e1", 50)), status("e1", 50, 0), Pull::UpToDate),
            (
                Some(cursor("e1", 40)),
                status("e1", 50, 0),
                Pull::Changes {
                    since: cursor("e1", 40),
                },
            ),
            (
                Some(cursor("e1", 0)),
                status("e1", 3, 0),
                Pull::Changes {
                    since: cursor("e1", 0),
                },
            ),
            // Another epoch: the log started again.
            (Some(cursor("e0", 40)), status("e1", 50, 0), Pull::Snapshot),
            // Behind the floor: the log was compacted past the tablet.
            (Some(cursor("e1", 9)), status("e1", 50, 10), Pull::Snapshot),
            (
                Some(cursor("e1", 10)),
                status("e1", 50, 10),
                Pull::Changes {
                    since: cursor("e1", 10),
                },
            ),
            // Ahead of the server (restored from an older backup, same epoch): start again.
            (Some(cursor("e1", 60)), status("e1", 50, 0), Pull::Snapshot),
        ];
        for (i, (local, status, want)) in cases.into_iter().enumerate() {
            assert_eq!(plan_pull(local.as_ref(), &status), want, "case {i}");
        }
    }

    fn person(n: u128) -> PersonId {
        PersonId(Uuid::from_u128(n))
    }

    fn entry(n: u128, who: u128, version: u32) -> Entry {
        Entry {
            id: EntryId(Uuid::from_u128(n)),
            person_id: person(who),
            version,
            status: EntryStatus::Current,
            provenance: Provenance {
                organisation: "Oak Lodge".into(),
                ods_code: None,
                system: None,
                source_id: None,
                author: None,
                authored_at: now(),
                received_at: now(),
            },
            body: EntryBody::CareNote {
                category: NoteCategory::Social,
                text: format!("v{version}"),
            },
        }
    }

    fn resident(who: u128) -> Resident {
        Resident {
            id: person(who),
            home_id: crate::HomeId(Uuid::from_u128(99)),
            nhs_number: crate::NhsNumber::parse("9990000018").expect("valid"),
            name: PersonName {
                given: "A".into(),
                family: "B".into(),
                preferred: None,
            },
            birth_date: now().date_naive(),
            sex: Sex::Female,
            gp_practice: None,
            room: "1".into(),
            admitted_on: now().date_naive(),
            status: crate::record::ResidencyStatus::InHome,
            spo2_scale: Default::default(),
        }
    }

    fn put(c: &Change) -> LocalOp {
        match c {
            Change::Entry { entry, .. } => LocalOp::PutEntry(entry.clone()),
            Change::Resident { resident, .. } => LocalOp::PutResident(resident.clone()),
            Change::ResidentRemoved { person_id, .. } => LocalOp::RemoveResident(*person_id),
        }
    }

    #[test]
    fn applying_pages() {
        let e = |n, who, v, seq| Change::Entry {
            seq,
            entry: entry(n, who, v),
        };
        let admitted = Change::Resident {
            seq: 1,
            resident: resident(1),
        };
        let left = Change::ResidentRemoved {
            seq: 9,
            person_id: person(1),
        };
        struct Case {
            name: &'static str,
            held: Vec<(u128, u32)>,
            page: Vec<Change>,
            want: Vec<LocalOp>,
        }
        let cases = vec![
            Case {
                name: "new resident and entries are written",
                held: vec![],
                page: vec![admitted.clone(), e(10, 1, 1, 2)],
                want: vec![put(&admitted), put(&e(10, 1, 1, 2))],
            },
            Case {
                name: "a newer version replaces",
                held: vec![(10, 1)],
                page: vec![e(10, 1, 2, 5)],
                want: vec![put(&e(10, 1, 2, 5))],
            },
            Case {
                name: "a replayed older version is skipped",
                held: vec![(10, 3)],
                page: vec![e(10, 1, 2, 5)],
                want: vec![],
            },
            Case {
                name: "the same version again is harmless",
                held: vec![(10, 2)],
                page: vec![e(10, 1, 2, 5)],
                want: vec![put(&e(10, 1, 2, 5))],
            },
            Case {
                name: "within a page the later version wins",
                held: vec![],
                page: vec![e(10, 1, 2, 5), e(10, 1, 1, 6)],
                want: vec![put(&e(10, 1, 2, 5))],
            },
            Case {
                name: "a residency that ends removes the resident",
                held: vec![(10, 1)],
                page: vec![left.clone()],
                want: vec![LocalOp::RemoveResident(person(1))],
            },
            Case {
                name: "entries after the removal in the same page are not kept",
                held: vec![],
                page: vec![left.clone(), e(11, 1, 1, 10)],
                want: vec![LocalOp::RemoveResident(person(1))],
            },
            Case {
                name: "re-admitted in the same page: entries after it are kept",
                held: vec![],
                page: vec![left.clone(), admitted.clone(), e(11, 1, 1, 10)],
                want: vec![
                    LocalOp::RemoveResident(person(1)),
                    put(&admitted),
                    put(&e(11, 1, 1, 10)),
                ],
            },
            Case {
                name: "other residents are not touched by a removal",
                held: vec![],
                page: vec![left.clone(), e(12, 2, 1, 10)],
                want: vec![LocalOp::RemoveResident(person(1)), put(&e(12, 2, 1, 10))],
            },
        ];
        for c in cases {
            let held: HashMap<EntryId, u32> = c
                .held
                .iter()
                .map(|(n, v)| (EntryId(Uuid::from_u128(*n)), *v))
                .collect();
            assert_eq!(apply_changes(&held, &c.page), c.want, "{}", c.name);
        }
    }

    fn mutation(seq: u64) -> Mutation {
        Mutation {
            id: Uuid::from_u128(1000 + u128::from(seq)),
            device_seq: seq,
            created_at: now(),
            op: MutationOp::AddNote {
                person_id: person(1),
                category: NoteCategory::Clinical,
                text: format!("note {seq}"),
            },
        }
    }

    fn outbox(seqs: &[u64]) -> Vec<OutboxItem> {
        seqs.iter()
            .map(|s| OutboxItem {
                mutation: mutation(*s),
                state: OutboxState::Saved,
            })
            .collect()
    }

    #[test]
    fn pushing_in_device_order_and_recording_answers() {
        let mut ob = outbox(&[3, 1, 2]);
        let sent = next_push(&ob, 2);
        assert_eq!(
            sent.iter().map(|m| m.device_seq).collect::<Vec<_>>(),
            vec![1, 2]
        );

        // No answer: both are waiting, with an attempt counted.
        assert_eq!(
            after_push(&mut ob, &sent, PushReply::Failed, now()),
            AfterPush::Later
        );
        assert_eq!(item_state(&ob[1]), ItemState::WaitingToSend);
        assert_eq!(item_state(&ob[0]), ItemState::SavedOnTablet);
        assert_eq!(
            after_push(&mut ob, &sent, PushReply::Failed, now()),
            AfterPush::Later
        );
        assert!(matches!(
            ob[1].state,
            OutboxState::Waiting { attempts: 2, .. }
        ));

        // Answered: one applied, one rejected (which never blocks what follows).
        let reply = PushReply::Answered(PushResponse {
            results: vec![
                MutationResult {
                    id: sent[0].id,
                    outcome: Outcome::Applied {
                        entry_id: EntryId(Uuid::from_u128(7)),
                    },
                    duplicate: false,
                },
                MutationResult {
                    id: sent[1].id,
                    outcome: Outcome::Rejected {
                        reason: "that resident has left the home".into(),
                    },
                    duplicate: false,
                },
            ],
            next_device_seq: 3,
        });
        assert_eq!(after_push(&mut ob, &sent, reply, now()), AfterPush::Again);
        assert_eq!(item_state(&ob[1]), ItemState::Confirmed);
        assert_eq!(
            item_state(&ob[2]),
            ItemState::Rejected("that resident has left the home".into())
        );
        let next = next_push(&ob, 10);
        assert_eq!(
            next.iter().map(|m| m.device_seq).collect::<Vec<_>>(),
            vec![3]
        );
    }

    #[test]
    fn a_gap_renumbers_pending_mutations_from_what_the_server_expects() {
        let mut ob = outbox(&[5, 6, 7]);
        let sent = next_push(&ob, 10);
        assert_eq!(
            after_push(&mut ob, &sent, PushReply::Gap { expected: 2 }, now()),
            AfterPush::Again
        );
        let mut seqs: Vec<u64> = ob.iter().map(|i| i.mutation.device_seq).collect();
        seqs.sort();
        assert_eq!(seqs, vec![2, 3, 4]);
        // The ids are unchanged: nothing can be applied twice.
        assert!(
            ob.iter()
                .all(|i| sent.iter().any(|m| m.id == i.mutation.id))
        );

        // A server that expects more than the tablet's first new number has used those
        // numbers for other mutations (it answers ids it stored as duplicates before it
        // looks at numbers, so these are new to it): renumber upwards, or the tablet
        // would be stuck for ever.
        let mut ob = outbox(&[2, 3]);
        let sent = next_push(&ob, 10);
        assert_eq!(
            after_push(&mut ob, &sent, PushReply::Gap { expected: 9 }, now()),
            AfterPush::Again
        );
        let seqs: Vec<u64> = ob.iter().map(|i| i.mutation.device_seq).collect();
        assert_eq!(seqs, vec![9, 10]);
        assert!(next_device_seq(&ob, 0) > 10);

        // Already numbered as the server expects: nothing to change.
        let mut ob = outbox(&[4, 5]);
        let sent = next_push(&ob, 10);
        assert_eq!(
            after_push(&mut ob, &sent, PushReply::Gap { expected: 4 }, now()),
            AfterPush::Later
        );
        assert_eq!(ob[0].mutation.device_seq, 4);
    }

    #[test]
    fn device_sequence_numbers_never_repeat() {
        assert_eq!(next_device_seq(&[], 0), 1);
        assert_eq!(next_device_seq(&outbox(&[4, 5]), 3), 6);
        assert_eq!(next_device_seq(&[], 12), 13);
        let mut ob = outbox(&[1]);
        ob[0].state = OutboxState::Confirmed {
            outcome: Outcome::Applied {
                entry_id: EntryId(Uuid::nil()),
            },
        };
        assert_eq!(next_device_seq(&ob, 0), 2);
        assert_eq!(
            item_state(&OutboxItem {
                mutation: mutation(1),
                state: OutboxState::Confirmed {
                    outcome: Outcome::Conflict {
                        entry_id: EntryId(Uuid::nil())
                    }
                }
            }),
            ItemState::NeedsReview
        );
    }
}
