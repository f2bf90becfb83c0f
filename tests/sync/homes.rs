//! Another home's cursor, ids, residents and devices reveal nothing: each home's log,
//! snapshot and push see only that home.

use std::collections::BTreeSet;

use bedside_domain::api::{ApiError, ErrorCode};
use bedside_domain::record::{CorrectionAction, NoteCategory};
use bedside_domain::sync::plan::PushReply;
use bedside_domain::sync::wire::{Mutation, MutationOp, Outcome, PushRequest, SnapshotPage};
use bedside_domain::{EntryId, PersonId};
use bedside_tests::client::Pulled;
use reqwest::Method;
use uuid::Uuid;

use crate::world::*;

fn rejection(o: Option<&Outcome>) -> String {
    match o {
        Some(Outcome::Rejected { reason }) => reason.clone(),
        other => panic!("not rejected: {other:?}"),
    }
}

#[tokio::test]
async fn another_homes_cursor_ids_and_residents_reveal_nothing() {
    let (w, river) = two_homes().await;
    let oak = &w.oak;
    let mut oak_carer = synced(&w.app, &oak.carer).await;
    let mut oak_senior = synced(&w.app, &oak.senior).await;
    let mut river_carer = synced(&w.app, &river.carer).await;
    let mut river_senior = synced(&w.app, &river.senior).await;

    // Each snapshot holds its own home only.
    let oak_people: BTreeSet<PersonId> = oak.residents.iter().copied().collect();
    let river_people: BTreeSet<PersonId> = river.residents.iter().copied().collect();
    assert_eq!(
        oak_carer.residents.keys().copied().collect::<BTreeSet<_>>(),
        oak_people
    );
    assert_eq!(
        river_carer
            .residents
            .keys()
            .copied()
            .collect::<BTreeSet<_>>(),
        river_people
    );
    assert!(
        river_carer
            .entries
            .values()
            .all(|e| river_people.contains(&e.person_id))
    );
    assert!(
        oak_carer
            .entries
            .values()
            .all(|e| oak_people.contains(&e.person_id))
    );

    // Oak writes: a note and a proposal for its own residents, and a note for River's.
    let river_head = river_carer.status().await.expect("status").head;
    let note = oak_carer.add_note(oak.residents[0], NoteCategory::Social, "Oak note");
    let theirs = oak_carer.add_note(river.residents[0], NoteCategory::Social, "Not ours");
    let made_up = oak_carer.add_note(PersonId(Uuid::now_v7()), NoteCategory::Social, "Nobody");
    oak_carer.sync().await.expect("sync");
    let proposal = oak_senior.edit_section(
        oak.residents[0],
        care_plan_key(CARE_PLAN_AREA),
        Some(0),
        care_plan(CARE_PLAN_AREA, "Oak proposal"),
    );
    oak_senior.sync().await.expect("sync");
    assert!(matches!(
        oak_senior.outcome(proposal),
        Some(Outcome::Conflict { .. })
    ));
    // A resident of another home and a made-up id get the same answer.
    assert_eq!(
        rejection(oak_carer.outcome(theirs)),
        rejection(oak_carer.outcome(made_up))
    );

    // River's log did not move, and its feed holds nothing of Oak's.
    assert_eq!(river_carer.status().await.expect("status").head, river_head);
    assert_eq!(river_carer.pull().await.expect("pull"), Pulled::UpToDate);
    let since = cursor(&river_head.epoch, 0);
    let reply = river_carer
        .request::<()>(
            Method::GET,
            &format!("/api/v1/sync/changes?since={since}"),
            None,
        )
        .await
        .expect("changes");
    assert_eq!(reply.status, 200);
    let all: bedside_domain::sync::wire::ChangesPage = reply.json().expect("page");
    assert!(!all.changes.is_empty());
    let oak_ids: BTreeSet<EntryId> = oak_carer.entries.keys().copied().collect();
    for c in &all.changes {
        match c {
            bedside_domain::sync::wire::Change::Entry { entry, .. } => {
                assert!(river_people.contains(&entry.person_id));
                assert!(!oak_ids.contains(&entry.id));
            }
            bedside_domain::sync::wire::Change::Resident { resident, .. } => {
                assert!(river_people.contains(&resident.id));
            }
            bedside_domain::sync::wire::Change::ResidentRemoved { person_id, .. } => {
                assert!(river_people.contains(person_id));
            }
        }
    }

    // Oak's cursor and snapshot page token mean nothing in River.
    let oak_cursor = oak_carer.cursor.clone().expect("cursor");
    let reply = river_carer
        .request::<()>(
            Method::GET,
            &format!("/api/v1/sync/changes?since={oak_cursor}"),
            None,
        )
        .await
        .expect("changes");
    assert_eq!(reply.status, 410);
    assert_eq!(
        reply.json::<ApiError>().expect("error").code,
        ErrorCode::CursorExpired
    );
    let reply = oak_carer
        .request::<()>(Method::GET, "/api/v1/sync/snapshot?limit=1", None)
        .await
        .expect("snapshot");
    let page: SnapshotPage = reply.json().expect("page");
    let token = page.next.expect("more than one page");
    let reply = river_carer
        .request::<()>(
            Method::GET,
            &format!("/api/v1/sync/snapshot?page={token}&limit=1"),
            None,
        )
        .await
        .expect("snapshot");
    assert_eq!(
        reply.status,
        410,
        "another home's page token: {}",
        reply.text()
    );

    // River's staff cannot correct or settle Oak's entries: the same answer as for ids
    // that do not exist.
    let fix = river_senior.correct(EntryId(note), CorrectionAction::EnteredInError, "x", None);
    let fix_none = river_senior.correct(
        EntryId(Uuid::now_v7()),
        CorrectionAction::EnteredInError,
        "x",
        None,
    );
    let settle = river_senior.resolve_section(EntryId(proposal), true);
    let settle_none = river_senior.resolve_section(EntryId(Uuid::now_v7()), true);
    river_senior.sync().await.expect("sync");
    assert_eq!(
        rejection(river_senior.outcome(fix)),
        rejection(river_senior.outcome(fix_none))
    );
    assert_eq!(
        rejection(river_senior.outcome(settle)),
        rejection(river_senior.outcome(settle_none))
    );
    oak_senior.pull().await.expect("pull");
    assert_eq!(
        oak_senior.open_proposals().len(),
        1,
        "Oak's proposal is still open"
    );
    assert!(oak_senior.entries[&EntryId(note)].is_current());

    // An Oak tablet's device id is Oak's: River's staff cannot push as it.
    let request = PushRequest {
        device_id: oak_carer.device_id,
        mutations: vec![Mutation {
            id: Uuid::now_v7(),
            device_seq: 4,
            created_at: chrono::Utc::now(),
            op: MutationOp::AddNote {
                person_id: river.residents[0],
                category: NoteCategory::Social,
                text: "Borrowed tablet".into(),
            },
        }],
    };
    let reply = river_carer
        .request(Method::POST, "/api/v1/sync/push", Some(&request))
        .await
        .expect("push");
    assert_eq!(reply.status, 403, "{}", reply.text());

    oak_carer.pull().await.expect("pull");
    assert_converged(&oak_carer, &w.app, oak.id).await;
    assert_converged(&oak_senior, &w.app, oak.id).await;
    river_carer.pull().await.expect("pull");
    assert_converged(&river_carer, &w.app, river.id).await;
}

#[tokio::test]
async fn a_mutation_id_used_in_another_home_gets_none_of_its_outcome() {
    let (w, river) = two_homes().await;
    let mut oak_senior = synced(&w.app, &w.oak.senior).await;
    let mut river_senior = synced(&w.app, &river.senior).await;
    let note = oak_senior.add_note(w.oak.residents[0], NoteCategory::Clinical, "Oak's");
    oak_senior.sync().await.expect("sync");
    let oak_outcome = oak_senior.outcome(note).cloned().expect("answered");

    // A River tablet sends a mutation that happens to carry the same id.
    let m = Mutation {
        id: note,
        device_seq: 1,
        created_at: chrono::Utc::now(),
        op: MutationOp::AddNote {
            person_id: river.residents[0],
            category: NoteCategory::Clinical,
            text: "River's".into(),
        },
    };
    let before = counts(&w.app).await;
    let reply = river_senior
        .send_push(std::slice::from_ref(&m))
        .await
        .expect("push");
    let PushReply::Answered(r) = reply else {
        panic!("answered: {reply:?}")
    };
    assert_eq!(r.results.len(), 1);
    assert_ne!(
        r.results[0].outcome, oak_outcome,
        "River is told what became of Oak's mutation"
    );
    assert!(
        !r.results[0].duplicate,
        "River never sent this mutation before"
    );
    // Oak's note is untouched whatever River was told.
    assert_eq!(counts(&w.app).await["entries"], before["entries"]);
}
