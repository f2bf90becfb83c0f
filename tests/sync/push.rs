//! Pushing: replays answered from what was stored, gaps refused and renumbered, rejected
//! mutations that never block the queue, roles, section conflicts settled by a senior,
//! corrections that keep history, and NEWS2 worked out on the server.

use crate::world::World;
use bedside_backend::store::Store;
use bedside_domain::news2::{self, AirOrOxygen, Spo2Scale};
use bedside_domain::record::{CorrectionAction, EntryBody, EntryKind, EntryStatus, NoteCategory};
use bedside_domain::sync::plan::{self, AfterPush, OutboxState, PushReply};
use bedside_domain::sync::wire::{Outcome, PushRequest, SequenceGap};
use bedside_domain::{EntryId, PersonId};
use bedside_tests::TestApp;
use bedside_tests::client::Tablet;
use reqwest::Method;
use uuid::Uuid;

use crate::world::*;

fn applied(id: Uuid) -> Outcome {
    Outcome::Applied {
        entry_id: EntryId(id),
    }
}

fn is_rejected(o: Option<&Outcome>) -> bool {
    matches!(o, Some(Outcome::Rejected { reason }) if !reason.trim().is_empty())
}

fn reason(o: Option<&Outcome>) -> String {
    match o {
        Some(Outcome::Rejected { reason }) => reason.clone(),
        other => panic!("not rejected: {other:?}"),
    }
}

/// An entry's earlier versions as the store keeps them: (version, status, body).
async fn history(app: &TestApp, id: EntryId) -> Vec<(i64, String, EntryBody)> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT version, status, body FROM entry_versions WHERE entry_id = $1 ORDER BY version",
    )
    .bind(id.to_string())
    .fetch_all(app.store.pool())
    .await
    .expect("history");
    rows.into_iter()
        .map(|(v, s, b)| (v, s, serde_json::from_str(&b).expect("body")))
        .collect()
}

/// The device sequence numbers the server stored for a device, in order.
async fn stored_seqs(app: &TestApp, device: Uuid) -> Vec<i64> {
    sqlx::query_scalar("SELECT device_seq FROM mutations WHERE device_id = $1 ORDER BY device_seq")
        .bind(device.to_string())
        .fetch_all(app.store.pool())
        .await
        .expect("seqs")
}

#[tokio::test]
async fn a_replayed_push_gets_the_stored_outcomes_and_writes_nothing() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.senior).await;
    let note = t.add_note(ada, NoteCategory::PersonalCare, "Washed and dressed");
    let mut bad = normal_obs();
    bad.spo2 = 150;
    let obs = t.add_observations(ada, bad);
    let stale = t.edit_section(
        ada,
        care_plan_key(CARE_PLAN_AREA),
        Some(0),
        care_plan(CARE_PLAN_AREA, "Uses a stick"),
    );
    let fix = t.correct(
        EntryId(note),
        CorrectionAction::EnteredInError,
        "Wrong resident",
        None,
    );
    let sent = plan::next_push(&t.outbox, 100);
    assert_eq!(sent.len(), 4);
    let PushReply::Answered(first) = t.send_push(&sent).await.expect("push") else {
        panic!("the push is answered")
    };
    let outcomes: Vec<Outcome> = first.results.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(outcomes[0], applied(note));
    assert!(is_rejected(Some(&outcomes[1])), "{:?}", outcomes[1]);
    assert_eq!(
        outcomes[2],
        Outcome::Conflict {
            entry_id: EntryId(stale)
        }
    );
    assert_eq!(
        outcomes[3],
        applied(note),
        "a correction names the entry corrected"
    );
    assert_eq!(
        first.results.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![note, obs, stale, fix]
    );
    assert!(first.results.iter().all(|r| !r.duplicate));
    assert_eq!(first.next_device_seq, 5);

    // The answer was lost: the same push again, and then the same ids under other
    // numbers. Each gets its stored outcome, marked duplicate, and nothing is written.
    let before = counts(&w.app).await;
    let head = t.status().await.expect("status").head;
    let again = t.send_push(&sent).await.expect("push");
    let mut renumbered = sent.clone();
    for m in &mut renumbered {
        m.device_seq += 40;
    }
    let renumbered_reply = t.send_push(&renumbered).await.expect("push");
    for reply in [&again, &renumbered_reply] {
        let PushReply::Answered(r) = reply else {
            panic!("a replay is answered: {reply:?}")
        };
        assert!(r.results.iter().all(|r| r.duplicate));
        assert_eq!(
            r.results
                .iter()
                .map(|r| r.outcome.clone())
                .collect::<Vec<_>>(),
            outcomes
        );
        assert_eq!(r.next_device_seq, 5);
    }
    assert_eq!(counts(&w.app).await, before, "a replay writes nothing");
    assert_eq!(t.status().await.expect("status").head, head);

    assert_eq!(t.record_reply(&sent, again), AfterPush::Done);
    t.pull().await.expect("pull");
    assert_converged(&t, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn a_gap_is_refused_with_the_number_expected_and_renumbering_delivers() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    // The tablet numbers from 5: the server has never seen 1 to 4 from it (restored
    // from a backup, say).
    t.last_confirmed = 4;
    let a = t.add_note(ada, NoteCategory::Social, "Read the paper");
    let b = t.add_note(ada, NoteCategory::Social, "Phoned her daughter");
    let sent = plan::next_push(&t.outbox, 100);
    assert_eq!(
        sent.iter().map(|m| m.device_seq).collect::<Vec<_>>(),
        vec![5, 6]
    );

    let before = counts(&w.app).await;
    let request = PushRequest {
        device_id: t.device_id,
        mutations: sent.clone(),
    };
    let reply = t
        .request(Method::POST, "/api/v1/sync/push", Some(&request))
        .await
        .expect("push");
    assert_eq!(reply.status, 409);
    let gap: SequenceGap = reply.json().expect("gap body");
    assert_eq!(gap.code, "sequence_gap");
    assert_eq!(gap.expected, 1);
    assert!(!gap.message.is_empty());
    assert_eq!(counts(&w.app).await, before, "nothing applied");

    assert_eq!(
        t.record_reply(&sent, PushReply::Gap { expected: 1 }),
        AfterPush::Again
    );
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    assert_eq!(t.outcome(a), Some(&applied(a)));
    assert_eq!(t.outcome(b), Some(&applied(b)));
    assert_eq!(stored_seqs(&w.app, t.device_id).await, vec![1, 2]);

    // A gap in the middle of a push: what follows on is applied, the rest waits for a
    // renumbering.
    let c = t.add_note(ada, NoteCategory::Social, "Singing");
    let d = t.add_note(ada, NoteCategory::Social, "Bingo");
    let item = t
        .outbox
        .iter_mut()
        .find(|i| i.mutation.id == d)
        .expect("in the outbox");
    item.mutation.device_seq = 9;
    let sent = plan::next_push(&t.outbox, 100);
    let PushReply::Answered(r) = t.send_push(&sent).await.expect("push") else {
        panic!("answered")
    };
    assert_eq!(r.results.len(), 1, "only the one that follows on");
    assert_eq!(r.results[0].id, c);
    assert_eq!(r.next_device_seq, 4);
    assert_eq!(
        t.record_reply(&sent, PushReply::Answered(r)),
        AfterPush::Again
    );
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    assert_eq!(t.outcome(d), Some(&applied(d)));
    assert_eq!(stored_seqs(&w.app, t.device_id).await, vec![1, 2, 3, 4]);
    t.pull().await.expect("pull");
    assert_converged(&t, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn a_rejected_mutation_never_blocks_the_ones_after_it() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    let allergy = t
        .entries
        .values()
        .find(|e| e.person_id == ada && e.kind() == EntryKind::Allergy)
        .expect("allergy")
        .id;
    let mut bad = normal_obs();
    bad.temperature_tenths = 600;
    let ids = [
        t.add_observations(ada, bad),
        t.add_note(ada, NoteCategory::Clinical, "Chest clear"),
        t.add_note(ada, NoteCategory::Clinical, "   "),
        t.add_note(PersonId(Uuid::now_v7()), NoteCategory::Clinical, "Nobody"),
        t.add_note(ada, NoteCategory::Clinical, &"x".repeat(10_001)),
        t.correct(allergy, CorrectionAction::EnteredInError, "Not hers", None),
        t.add_note(ada, NoteCategory::Clinical, "Ate lunch"),
    ];
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    let outcome = |i: usize| t.outcome(ids[i]);
    assert!(
        reason(outcome(0)).contains("not recorded"),
        "{:?}",
        outcome(0)
    );
    assert_eq!(outcome(1), Some(&applied(ids[1])));
    assert!(is_rejected(outcome(2)));
    assert!(is_rejected(outcome(3)));
    assert!(is_rejected(outcome(4)));
    assert!(is_rejected(outcome(5)));
    assert_eq!(outcome(6), Some(&applied(ids[6])));
    // The reasons are for staff: none repeats what was written.
    assert!(!reason(outcome(4)).contains("xxxx"));
    // Rejected writes leave nothing behind, on the tablet or the server.
    for i in [0, 2, 3, 4, 5] {
        assert!(!t.entries.contains_key(&EntryId(ids[i])), "{i}");
        assert_eq!(
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM entries WHERE id = $1")
                .bind(ids[i].to_string())
                .fetch_one(w.app.store.pool())
                .await
                .expect("count"),
            0
        );
    }
    assert_eq!(
        stored_seqs(&w.app, t.device_id).await,
        (1..=7).collect::<Vec<_>>()
    );

    let later = t.add_note(ada, NoteCategory::Clinical, "Slept well");
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    assert_eq!(t.outcome(later), Some(&applied(later)));
    t.pull().await.expect("pull");
    assert_converged(&t, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn only_seniors_edit_and_settle_sections() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let section = w.oak.sections[0];
    let mut carer = synced(&w.app, &w.oak.carer).await;
    let mut senior = synced(&w.app, &w.oak.senior).await;
    let edit = |t: &mut Tablet, base: u32, need: &str| {
        t.edit_section(
            ada,
            care_plan_key(CARE_PLAN_AREA),
            Some(base),
            care_plan(CARE_PLAN_AREA, need),
        )
    };
    let by_carer = edit(&mut carer, 1, "Walks alone");
    let new_by_carer = carer.edit_section(
        ada,
        care_plan_key("Eating"),
        None,
        care_plan("Eating", "Soft diet"),
    );
    let stale = edit(&mut senior, 0, "Stale");
    senior.push().await.expect("push");
    let proposal = EntryId(stale);
    let settle_by_carer = carer.resolve_section(proposal, true);
    carer.push().await.expect("push");
    for id in [by_carer, new_by_carer, settle_by_carer] {
        assert!(
            reason(carer.outcome(id)).contains("senior"),
            "{:?}",
            carer.outcome(id)
        );
    }
    carer.pull().await.expect("pull");
    assert_eq!(carer.entries[&section].version, 1, "unchanged");
    assert!(!carer.entries.contains_key(&EntryId(new_by_carer)));

    let by_senior = edit(&mut senior, 1, "Walks alone");
    senior.push().await.expect("push");
    assert_eq!(senior.outcome(by_senior), Some(&applied(section.0)));
    carer.pull().await.expect("pull");
    assert_eq!(carer.entries[&section].version, 2);
    assert_converged(&carer, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn a_stale_section_edit_is_kept_for_review_and_a_senior_settles_it() {
    let w = world().await;
    let home = w.oak.id;
    let ada = w.oak.residents[0];
    let section = w.oak.sections[0];
    let original = care_plan(CARE_PLAN_AREA, "Needs help to walk");
    let mut s1 = synced(&w.app, &w.oak.senior).await;
    let mut s2 = synced(&w.app, &w.oak.senior).await;
    let frame = care_plan(CARE_PLAN_AREA, "Walks with a frame");
    let hoist = care_plan(CARE_PLAN_AREA, "Needs a hoist");
    let key = care_plan_key(CARE_PLAN_AREA);

    let first = s1.edit_section(ada, key.clone(), Some(1), frame.clone());
    assert!(
        !s1.entries.contains_key(&EntryId(first)),
        "an edit of a section makes no entry of its own"
    );
    s1.sync().await.expect("sync");
    assert_eq!(s1.outcome(first), Some(&applied(section.0)));
    // s2 edited the same version offline.
    let second = s2.edit_section(ada, key.clone(), Some(1), hoist.clone());
    s2.sync().await.expect("sync");
    assert_eq!(
        s2.outcome(second),
        Some(&Outcome::Conflict {
            entry_id: EntryId(second)
        })
    );
    assert_eq!(
        plan::item_state(
            s2.outbox
                .iter()
                .find(|i| i.mutation.id == second)
                .expect("item")
        ),
        plan::ItemState::NeedsReview
    );
    // Nothing was overwritten: the section is s1's; s2's is a proposal for review.
    assert_eq!(s2.entries[&section].version, 2);
    assert_eq!(s2.entries[&section].body, frame);
    let proposals = s2.open_proposals();
    assert_eq!(proposals.len(), 1);
    assert_eq!(proposals[0].id, EntryId(second));
    match &proposals[0].body {
        EntryBody::SectionProposal {
            target,
            base_version,
            body,
            resolution,
        } => {
            assert_eq!(*target, section);
            assert_eq!(*base_version, 1);
            assert_eq!(**body, hoist);
            assert!(resolution.is_none());
        }
        other => panic!("not a proposal: {other:?}"),
    }

    // Declined: the proposal is settled and kept; the section stays as it was.
    s1.pull().await.expect("pull");
    let decline = s1.resolve_section(EntryId(second), false);
    s1.sync().await.expect("sync");
    assert_eq!(s1.outcome(decline), Some(&applied(section.0)));
    assert!(s1.open_proposals().is_empty());
    assert_eq!(s1.entries[&section].version, 2);
    match &s1.entries[&EntryId(second)].body {
        EntryBody::SectionProposal {
            resolution: Some(r),
            ..
        } => {
            assert!(!r.accepted);
            assert_eq!(r.by, w.oak.senior);
        }
        other => panic!("not settled: {other:?}"),
    }

    // Another stale edit, accepted: it becomes the section's next version.
    let hoist2 = care_plan(CARE_PLAN_AREA, "Needs a hoist and two carers");
    let third = s2.edit_section(ada, key.clone(), Some(1), hoist2.clone());
    s2.sync().await.expect("sync");
    assert!(matches!(s2.outcome(third), Some(Outcome::Conflict { .. })));
    s1.pull().await.expect("pull");
    assert_eq!(s1.open_proposals().len(), 1);
    let accept = s1.resolve_section(EntryId(third), true);
    let twice = s1.resolve_section(EntryId(third), false);
    s1.sync().await.expect("sync");
    assert_eq!(s1.outcome(accept), Some(&applied(section.0)));
    assert!(reason(s1.outcome(twice)).contains("already"));
    assert_eq!(s1.entries[&section].version, 3);
    assert_eq!(s1.entries[&section].body, hoist2);

    // Every version anyone wrote is still held.
    let old: Vec<(i64, EntryBody)> = history(&w.app, section)
        .await
        .into_iter()
        .map(|(v, _, b)| (v, b))
        .collect();
    assert_eq!(old, vec![(1, original), (2, frame)]);
    s2.pull().await.expect("pull");
    assert_converged(&s1, &w.app, home).await;
    assert_converged(&s2, &w.app, home).await;
}

#[tokio::test]
async fn corrections_keep_the_original_in_history() {
    let w = world().await;
    let home = w.oak.id;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    let note = t.add_note(ada, NoteCategory::Incident, "Found on the floor");
    let obs = normal_obs();
    let reading = t.add_observations(ada, obs);
    t.sync().await.expect("sync");

    let retract = t.correct(
        EntryId(note),
        CorrectionAction::EnteredInError,
        "Written for the wrong resident",
        None,
    );
    let mut amended = obs;
    amended.pulse = 125;
    amended.air_or_oxygen = AirOrOxygen::Oxygen;
    let wrong_score = news2::score(&obs, Spo2Scale::Scale1);
    let amend = t.correct(
        EntryId(reading),
        CorrectionAction::Amended,
        "Pulse misread",
        Some(EntryBody::ObservationSet {
            observations: amended,
            scale: Spo2Scale::Scale1,
            // The server works the score out again; it does not take the tablet's word.
            score: wrong_score,
            taken_at: chrono::Utc::now(),
        }),
    );
    let correction = |t: &Tablet, id: Uuid| t.entries.get(&EntryId(id)).cloned();
    assert_eq!(
        correction(&t, retract).map(|e| e.version),
        Some(0),
        "shown at once"
    );
    t.sync().await.expect("sync");
    assert_eq!(t.outcome(retract), Some(&applied(note)));
    assert_eq!(t.outcome(amend), Some(&applied(reading)));

    let n = &t.entries[&EntryId(note)];
    assert_eq!((n.version, n.status), (2, EntryStatus::EnteredInError));
    let c = correction(&t, retract).expect("the correction entry");
    assert!(c.version >= 1);
    assert!(matches!(
        c.body,
        EntryBody::Correction { target, action: CorrectionAction::EnteredInError, .. } if target == EntryId(note)
    ));
    let r = &t.entries[&EntryId(reading)];
    assert_eq!(r.version, 2);
    match &r.body {
        EntryBody::ObservationSet {
            observations,
            score,
            ..
        } => {
            assert_eq!(*observations, amended);
            assert_eq!(*score, news2::score(&amended, Spo2Scale::Scale1));
            assert_ne!(*score, wrong_score);
        }
        other => panic!("not observations: {other:?}"),
    }
    // The originals stay in history.
    let h = history(&w.app, EntryId(note)).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].0, 1);
    assert_eq!(h[0].1, "current");
    assert!(matches!(&h[0].2, EntryBody::CareNote { text, .. } if text == "Found on the floor"));
    let h = history(&w.app, EntryId(reading)).await;
    assert!(
        matches!(&h[0].2, EntryBody::ObservationSet { observations, .. } if *observations == obs)
    );

    // A retracted entry is retracted once; an amendment keeps its kind; what came from
    // outside is corrected by its sender.
    let allergy = t
        .current_entries()
        .find(|e| e.person_id == ada && e.kind() == EntryKind::Allergy)
        .expect("allergy")
        .id;
    let again = t.correct(
        EntryId(note),
        CorrectionAction::EnteredInError,
        "Again",
        None,
    );
    let other_kind = t.correct(
        EntryId(reading),
        CorrectionAction::Amended,
        "Kind",
        Some(EntryBody::CareNote {
            category: NoteCategory::Clinical,
            text: "Not observations".into(),
        }),
    );
    let outside = t.correct(allergy, CorrectionAction::EnteredInError, "Not hers", None);
    t.sync().await.expect("sync");
    for id in [again, other_kind, outside] {
        assert!(is_rejected(t.outcome(id)), "{:?}", t.outcome(id));
    }
    assert_converged(&t, &w.app, home).await;
    let fresh = synced(&w.app, &w.oak.senior).await;
    assert!(
        !fresh.entries.contains_key(&EntryId(note)),
        "a snapshot leaves retracted entries out"
    );
    assert_converged(&fresh, &w.app, home).await;
}

#[tokio::test]
async fn news2_is_worked_out_on_the_residents_scale() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    w.app
        .store
        .set_spo2_scale(nhs(1), Spo2Scale::Scale2)
        .await
        .expect("scale");
    t.pull().await.expect("pull");
    assert_eq!(
        t.residents[&ada].spo2_scale,
        Spo2Scale::Scale2,
        "the scale reaches the tablet"
    );
    let mut obs = normal_obs();
    obs.spo2 = 89;
    let id = t.add_observations(ada, obs);
    let shown = t.entries[&EntryId(id)].body.clone();
    t.sync().await.expect("sync");
    let stored = &t.entries[&EntryId(id)];
    assert!(stored.version >= 1);
    match (&shown, &stored.body) {
        (
            EntryBody::ObservationSet {
                score: a,
                scale: sa,
                ..
            },
            EntryBody::ObservationSet {
                score: b,
                scale: sb,
                ..
            },
        ) => {
            assert_eq!((sa, sb), (&Spo2Scale::Scale2, &Spo2Scale::Scale2));
            assert_eq!(a, b, "the tablet showed what the server worked out");
            assert_eq!(*b, news2::score(&obs, Spo2Scale::Scale2));
            assert_ne!(*b, news2::score(&obs, Spo2Scale::Scale1));
        }
        other => panic!("not observations: {other:?}"),
    }
    assert!(matches!(t.outbox[0].state, OutboxState::Confirmed { .. }));
}

/// The current care plan sections of a resident for an area, as the server holds them.
async fn current_sections(w: &World, person: PersonId, area: &str) -> Vec<EntryId> {
    let (_, entries) = server_state(&w.app, w.oak.id).await;
    entries
        .values()
        .filter(|e| {
            e.person_id == person
                && matches!(&e.body, EntryBody::CarePlanSection { area: a, .. } if a == area)
        })
        .map(|e| e.id)
        .collect()
}

#[tokio::test]
async fn settling_a_proposal_for_a_withdrawn_section_never_makes_two_current_sections() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let section = w.oak.sections[0];
    let mut s = synced(&w.app, &w.oak.senior).await;
    let key = care_plan_key(CARE_PLAN_AREA);
    let proposal = s.edit_section(
        ada,
        key.clone(),
        Some(0),
        care_plan(CARE_PLAN_AREA, "Old copy"),
    );
    let withdraw = s.correct(
        section,
        CorrectionAction::EnteredInError,
        "Wrong resident",
        None,
    );
    s.sync().await.expect("sync");
    assert!(matches!(
        s.outcome(proposal),
        Some(Outcome::Conflict { .. })
    ));
    assert_eq!(s.outcome(withdraw), Some(&applied(section.0)));
    // The section was withdrawn, so a new one is written from scratch.
    let fresh = s.edit_section(
        ada,
        key.clone(),
        None,
        care_plan(CARE_PLAN_AREA, "Start again"),
    );
    s.sync().await.expect("sync");
    assert_eq!(s.outcome(fresh), Some(&applied(fresh)));
    assert_eq!(
        current_sections(&w, ada, CARE_PLAN_AREA).await,
        vec![EntryId(fresh)]
    );

    // The old proposal is still open; a senior accepts it.
    let accept = s.resolve_section(EntryId(proposal), true);
    s.sync().await.expect("sync");
    let now = current_sections(&w, ada, CARE_PLAN_AREA).await;
    assert_eq!(
        now.len(),
        1,
        "one current section per area (answered {:?})",
        s.outcome(accept)
    );
    assert_converged(&s, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn amending_a_section_keeps_its_area_and_the_section_rules() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let section = w.oak.sections[0];
    let mut s = synced(&w.app, &w.oak.senior).await;
    let eating = s.edit_section(
        ada,
        care_plan_key("Eating"),
        None,
        care_plan("Eating", "Soft diet"),
    );
    s.sync().await.expect("sync");
    assert_eq!(s.outcome(eating), Some(&applied(eating)));

    let amend = s.correct(
        section,
        CorrectionAction::Amended,
        "Typo",
        Some(care_plan("Eating", "Puréed diet")),
    );
    s.sync().await.expect("sync");
    assert_eq!(
        current_sections(&w, ada, "Eating").await.len(),
        1,
        "one current section per area (answered {:?})",
        s.outcome(amend)
    );
    assert_eq!(current_sections(&w, ada, CARE_PLAN_AREA).await.len(), 1);

    // An amendment is held to the rules of an edit: every part filled in.
    let emptied = s.correct(
        section,
        CorrectionAction::Amended,
        "Typo",
        Some(care_plan(CARE_PLAN_AREA, "   ")),
    );
    s.sync().await.expect("sync");
    assert!(is_rejected(s.outcome(emptied)), "{:?}", s.outcome(emptied));
}

#[tokio::test]
async fn a_push_of_too_many_mutations_is_refused_whole() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    for i in 0..501 {
        t.add_note(ada, NoteCategory::Social, &format!("Note {i}"));
    }
    let sent = plan::next_push(&t.outbox, 1_000);
    let before = counts(&w.app).await;
    let err = t.send_push(&sent).await.expect_err("refused");
    assert_eq!(err.status(), Some(400), "{err}");
    assert_eq!(counts(&w.app).await, before);
    // The tablet's own batches are within the limit.
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    assert!(t.pending().is_empty());
}

#[tokio::test]
async fn a_section_edit_must_be_the_section_it_names() {
    use bedside_domain::record::AboutMeTopic;
    use bedside_domain::sync::wire::SectionKey;
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut s = synced(&w.app, &w.oak.senior).await;
    let about = |topic| EntryBody::AboutMeSection {
        topic,
        text: "Grew up by the sea; loves brass bands".into(),
    };
    let wrong_area = s.edit_section(
        ada,
        care_plan_key(CARE_PLAN_AREA),
        Some(1),
        care_plan("Eating", "Soft diet"),
    );
    let wrong_topic = s.edit_section(
        ada,
        SectionKey::AboutMe {
            topic: AboutMeTopic::WhatMatters,
        },
        None,
        about(AboutMeTopic::People),
    );
    let not_a_section = s.edit_section(
        ada,
        care_plan_key(CARE_PLAN_AREA),
        Some(1),
        EntryBody::CareNote {
            category: NoteCategory::Social,
            text: "A note".into(),
        },
    );
    let empty = s.edit_section(
        ada,
        care_plan_key(CARE_PLAN_AREA),
        Some(1),
        care_plan(CARE_PLAN_AREA, "  "),
    );
    let right = s.edit_section(
        ada,
        SectionKey::AboutMe {
            topic: AboutMeTopic::WhatMatters,
        },
        None,
        about(AboutMeTopic::WhatMatters),
    );
    s.sync().await.expect("sync");
    for id in [wrong_area, wrong_topic, not_a_section, empty] {
        assert!(is_rejected(s.outcome(id)), "{:?}", s.outcome(id));
    }
    assert_eq!(s.outcome(right), Some(&applied(right)));
    assert_eq!(
        s.entries[&w.oak.sections[0]].version, 1,
        "the section is untouched"
    );
    assert_converged(&s, &w.app, w.oak.id).await;
}

/// Copies the database file (and its WAL, if any) from `from` to `to`.
fn copy_db(from: &std::path::Path, to: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let src = std::path::PathBuf::from(format!("{}{suffix}", from.display()));
        let dst = std::path::PathBuf::from(format!("{}{suffix}", to.display()));
        let _ = std::fs::remove_file(&dst);
        if src.exists() {
            std::fs::copy(&src, &dst).expect("copy the database");
        }
    }
}

#[tokio::test]
async fn after_a_restore_from_backup_and_a_lost_answer_later_writes_still_arrive() {
    let mut w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    for i in 0..3 {
        t.add_note(ada, NoteCategory::Social, &format!("Before the backup {i}"));
    }
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);

    // A backup is taken; the tablet goes on (numbers 4 and 5); the server is restored
    // from the backup, forgetting them (what was written since a backup is lost with it).
    let backup = w.app.db_path.with_file_name("backup.db");
    w.app.stop().await;
    copy_db(&w.app.db_path, &backup);
    w.app.start().await;
    t.base = w.app.base.clone();
    for i in 0..2 {
        t.add_note(
            ada,
            NoteCategory::Social,
            &format!("Lost with the restore {i}"),
        );
    }
    assert_eq!(t.push().await.expect("push"), AfterPush::Done);
    w.app.stop().await;
    copy_db(&backup, &w.app.db_path);
    w.app.start().await;
    t.base = w.app.base.clone();

    // The next write is numbered 6; the server expects 4 and says so; the tablet
    // renumbers it to 4 and sends it, and that answer is lost.
    let x = t.add_note(ada, NoteCategory::Social, "After the restore");
    let sent = plan::next_push(&t.outbox, 100);
    let reply = t.send_push(&sent).await.expect("push");
    assert_eq!(reply, PushReply::Gap { expected: 4 });
    assert_eq!(t.record_reply(&sent, reply), AfterPush::Again);
    let sent = plan::next_push(&t.outbox, 100);
    assert_eq!(sent[0].device_seq, 4);
    let lost = t.send_push(&sent).await.expect("push");
    assert!(matches!(lost, PushReply::Answered(_)), "{lost:?}");
    t.record_reply(&sent, PushReply::Failed);

    // Another write (numbered 6, after the 5 the tablet used before the restore). The
    // push is [x, y]: the server answers x as a duplicate but refuses the whole push with
    // 409 expected 5 because y is not 5; the tablet renumbers x to 5 and y to 6, and the
    // same happens again; then x is already 5 and the tablet waits for ever.
    let y = t.add_note(ada, NoteCategory::Social, "Later still");
    for _ in 0..5 {
        t.push().await.expect("push");
    }
    assert_eq!(
        t.outcome(y),
        Some(&applied(y)),
        "a later write never reached the server"
    );
    assert_eq!(
        t.outcome(x),
        Some(&applied(x)),
        "the lost answer is never heard again"
    );
}
