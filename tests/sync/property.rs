//! The property test: two or three tablets in one home (a senior and a carer, or two
//! seniors and a carer) and random interleavings of offline writes, pushes, pushes whose
//! answer is lost (sent again at once or later), pulls, tablets going on and offline,
//! all tablets syncing at once, server restarts on the same database file (also while
//! tablets are syncing), and writes that reach the server from
//! elsewhere (a hospital's FHIR, lab results, residents leaving and coming back, the log
//! compacted). After a final push and pull on every tablet:
//!
//! - every mutation answered (applied, conflict or rejected) is stored on the server once,
//!   with the answer it was first given, and any entry it made exists once;
//! - every answer to the same mutation is the same, marked duplicate after the first;
//! - no outbox item is ever lost and no device sequence number is used twice;
//! - every tablet holds exactly the server's current records for the home.
//!
//! Cases: `PROPTEST_CASES` (default 48). Each case starts its own server.

use std::collections::{BTreeSet, HashMap, HashSet};

use bedside_backend::admin;
use bedside_backend::store::{NewEntry, Store};
use bedside_domain::api::Role;
use bedside_domain::news2::{self, Observations, Spo2Scale};
use bedside_domain::record::{
    CorrectionAction, EntryBody, EntryKind, LabValue, NoteCategory, ResidencyStatus,
};
use bedside_domain::sync::plan::{self, AfterPush, PushReply};
use bedside_domain::sync::wire::{Mutation, MutationOp, Outcome};
use bedside_domain::{EntryId, HomeId, NhsNumber, PersonId};
use bedside_tests::TestApp;
use bedside_tests::client::Tablet;
use proptest::prelude::*;
use uuid::Uuid;

use crate::world::*;

const AREAS: [&str; 2] = [CARE_PLAN_AREA, "Eating and drinking"];
/// Small pushes and pages, so that batches and paging are exercised with little data.
const PUSH_BATCH: usize = 4;
const PAGE_LIMIT: usize = 7;

#[derive(Debug, Clone)]
enum Step {
    Write {
        tablet: usize,
        write: Write,
    },
    Push {
        tablet: usize,
    },
    /// The push reaches the server but the tablet never hears the answer; `retry` sends
    /// the same push again at once.
    PushLost {
        tablet: usize,
        retry: bool,
    },
    Pull {
        tablet: usize,
    },
    Online {
        tablet: usize,
        online: bool,
    },
    Restart,
    /// Every tablet syncs (pull, push, pull) at the same time; `restart`: the server
    /// restarts while they do.
    SyncAll {
        restart: bool,
    },
    Outside(Outside),
}

/// What staff do on a tablet. Indices pick among what the tablet holds at that moment.
#[derive(Debug, Clone)]
enum Write {
    /// `bad`: an empty note (refused by the server).
    Note {
        who: usize,
        bad: bool,
    },
    /// `bad`: an SpO2 of 150 (refused by the server).
    Obs {
        who: usize,
        bad: bool,
    },
    Correct {
        pick: usize,
        amend: bool,
    },
    /// `stale`: from the version before the one the tablet holds.
    Edit {
        who: usize,
        area: usize,
        stale: bool,
    },
    Resolve {
        pick: usize,
        accept: bool,
    },
}

/// Writes that reach the server from elsewhere.
#[derive(Debug, Clone)]
enum Outside {
    Lab {
        who: usize,
    },
    /// Richard's allergy from the hospital, current or entered in error.
    Allergy {
        retract: bool,
    },
    /// A resident leaves, or comes back.
    Residency {
        who: usize,
    },
    /// The log is compacted up to its head: tablets behind it take a snapshot.
    Compact,
    /// A clinician changes a resident's SpO2 scale (a change to the resident).
    Scale {
        who: usize,
        scale2: bool,
    },
}

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        4 => (0..8usize, prop::bool::weighted(0.15)).prop_map(|(who, bad)| Write::Note { who, bad }),
        2 => (0..8usize, prop::bool::weighted(0.2)).prop_map(|(who, bad)| Write::Obs { who, bad }),
        2 => (0..8usize, any::<bool>()).prop_map(|(pick, amend)| Write::Correct { pick, amend }),
        3 => (0..8usize, 0..2usize, prop::bool::weighted(0.4))
            .prop_map(|(who, area, stale)| Write::Edit { who, area, stale }),
        2 => (0..8usize, any::<bool>()).prop_map(|(pick, accept)| Write::Resolve { pick, accept }),
    ]
}

fn outside() -> impl Strategy<Value = Outside> {
    prop_oneof![
        2 => (0..8usize).prop_map(|who| Outside::Lab { who }),
        2 => any::<bool>().prop_map(|retract| Outside::Allergy { retract }),
        1 => (0..8usize).prop_map(|who| Outside::Residency { who }),
        1 => Just(Outside::Compact),
        1 => (0..8usize, any::<bool>()).prop_map(|(who, scale2)| Outside::Scale { who, scale2 }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => (0..3usize, write()).prop_map(|(tablet, write)| Step::Write { tablet, write }),
        4 => (0..3usize).prop_map(|tablet| Step::Push { tablet }),
        2 => (0..3usize, any::<bool>()).prop_map(|(tablet, retry)| Step::PushLost { tablet, retry }),
        4 => (0..3usize).prop_map(|tablet| Step::Pull { tablet }),
        2 => (0..3usize, prop::bool::weighted(0.6))
            .prop_map(|(tablet, online)| Step::Online { tablet, online }),
        1 => Just(Step::Restart),
        2 => any::<bool>().prop_map(|restart| Step::SyncAll { restart }),
        3 => outside().prop_map(Step::Outside),
    ]
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        // Each case starts a server: shrink a little, not for ever.
        max_shrink_iters: 48,
        // Regressions are reported in the failure message rather than written to the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tablets_converge_and_every_write_is_on_the_server_exactly_once(
        tablets in 2usize..=3,
        steps in prop::collection::vec(step(), 20..120),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(run(tablets, steps));
    }
}

struct Person {
    id: PersonId,
    nhs: NhsNumber,
    in_home: bool,
}

struct Run {
    app: TestApp,
    home: HomeId,
    hospital: String,
    people: Vec<Person>,
    tablets: Vec<Tablet>,
    /// Per tablet, every mutation it made, in order.
    made: Vec<Vec<Uuid>>,
    ops: HashMap<Uuid, (usize, MutationOp)>,
    /// The first answer the server gave each mutation (whether or not the tablet heard).
    answered: HashMap<Uuid, Outcome>,
    /// Mutations sent in a push that got no answer while online: the server may have
    /// applied them without anyone seeing the answer.
    unheard: HashSet<Uuid>,
    /// The unique mark in each note's text, to find copies under other ids.
    markers: HashMap<Uuid, String>,
    counter: u32,
    /// Answers marked duplicate, and restarts: to see what a run exercised.
    duplicates: usize,
    restarts: usize,
}

async fn run(n: usize, steps: Vec<Step>) {
    let mut r = Run::start(n).await;
    for step in steps {
        r.step(step).await;
        r.check_outboxes();
    }
    r.finish().await;
}

impl Run {
    async fn start(n: usize) -> Self {
        let w = world().await;
        let app = w.app;
        let home = w.oak.id;
        let hospital = app.add_source("RJ1", "St Thomas' Hospital").await;
        let richard = admit_richard(&app, &hospital, home, "9").await;
        send_fhir(&app, &hospital, &transaction(vec![amoxicillin(false, 0)])).await;
        let mut people = vec![Person {
            id: richard,
            nhs: NhsNumber::parse(RICHARD).expect("valid"),
            in_home: true,
        }];
        for (i, id) in w.oak.residents.iter().enumerate() {
            people.push(Person {
                id: *id,
                nhs: nhs(1 + i as u32),
                in_home: true,
            });
        }
        let staff = [&w.oak.senior, &w.oak.carer, &w.oak.senior];
        let mut tablets = Vec::new();
        for username in staff.iter().take(n) {
            let mut t = synced(&app, username).await;
            t.push_batch = PUSH_BATCH;
            t.page_limit = Some(PAGE_LIMIT);
            tablets.push(t);
        }
        Self {
            app,
            home,
            hospital,
            people,
            made: vec![Vec::new(); n],
            tablets,
            ops: HashMap::new(),
            answered: HashMap::new(),
            unheard: HashSet::new(),
            markers: HashMap::new(),
            counter: 0,
            duplicates: 0,
            restarts: 0,
        }
    }

    fn mark(&mut self) -> String {
        self.counter += 1;
        format!("[mk{:05}]", self.counter)
    }

    async fn step(&mut self, step: Step) {
        let n = self.tablets.len();
        match step {
            Step::Write { tablet, write } => self.write(tablet % n, write),
            Step::Push { tablet } => self.push(tablet % n).await,
            Step::PushLost { tablet, retry } => self.push_lost(tablet % n, retry).await,
            Step::Pull { tablet } => self.pull(tablet % n).await,
            Step::Online { tablet, online } => self.tablets[tablet % n].online = online,
            Step::Restart => {
                self.restarts += 1;
                self.app.restart().await;
                self.moved();
            }
            Step::SyncAll { restart } => self.sync_all(restart).await,
            Step::Outside(o) => self.outside(o).await,
        }
    }

    // ----- on a tablet -----

    fn write(&mut self, i: usize, write: Write) {
        let people: Vec<PersonId> = self.tablets[i].residents.keys().copied().collect();
        let person = |who: usize| (!people.is_empty()).then(|| people[who % people.len()]);
        let op = match write {
            Write::Note { who, bad } => {
                let Some(person) = person(who) else { return };
                let mark = self.mark();
                let text = if bad {
                    "   ".to_owned()
                } else {
                    format!("Sat in the garden {mark}")
                };
                let op = MutationOp::AddNote {
                    person_id: person,
                    category: NoteCategory::Social,
                    text,
                };
                let id = self.record(i, op);
                if !bad {
                    self.markers.insert(id, mark);
                }
                return;
            }
            Write::Obs { who, bad } => {
                let Some(person) = person(who) else { return };
                let mut obs = normal_obs();
                obs.pulse = 60 + (self.counter % 40) as u16;
                if bad {
                    obs.spo2 = 150;
                }
                MutationOp::AddObservations {
                    person_id: person,
                    observations: obs,
                    taken_at: chrono::Utc::now(),
                }
            }
            Write::Correct { pick, amend } => {
                let mut targets: Vec<_> = self.tablets[i]
                    .current_entries()
                    .filter(|e| {
                        matches!(
                            e.kind(),
                            EntryKind::CareNote
                                | EntryKind::ObservationSet
                                | EntryKind::CarePlanSection
                        )
                    })
                    .map(|e| (e.id, e.body.clone()))
                    .collect();
                if targets.is_empty() {
                    return;
                }
                targets.sort_by_key(|(id, _)| id.0);
                let (target, body) = targets[pick % targets.len()].clone();
                let mark = self.mark();
                let body = amend.then(|| match body {
                    EntryBody::CareNote { category, .. } => EntryBody::CareNote {
                        category,
                        text: format!("Amended {mark}"),
                    },
                    EntryBody::ObservationSet {
                        mut observations,
                        scale,
                        score,
                        taken_at,
                    } => {
                        observations.pulse = observations.pulse.saturating_add(1).min(200);
                        EntryBody::ObservationSet {
                            observations,
                            scale,
                            score,
                            taken_at,
                        }
                    }
                    EntryBody::CarePlanSection { area, .. } => {
                        care_plan(&area, &format!("Amended {mark}"))
                    }
                    other => other,
                });
                MutationOp::Correct {
                    entry_id: target,
                    action: if amend {
                        CorrectionAction::Amended
                    } else {
                        CorrectionAction::EnteredInError
                    },
                    reason: "Recorded in error".into(),
                    body,
                }
            }
            Write::Edit { who, area, stale } => {
                let Some(person) = person(who) else { return };
                let area = AREAS[area % AREAS.len()];
                let mut base = self.tablets[i]
                    .care_plan_section(person, area)
                    .map(|e| e.version);
                if stale {
                    base = base.map(|v| v - 1);
                }
                let mark = self.mark();
                MutationOp::EditSection {
                    person_id: person,
                    section: care_plan_key(area),
                    base_version: base,
                    body: care_plan(area, &format!("Reviewed {mark}")),
                }
            }
            Write::Resolve { pick, accept } => {
                let proposals: Vec<EntryId> = self.tablets[i]
                    .open_proposals()
                    .iter()
                    .map(|e| e.id)
                    .collect();
                if proposals.is_empty() {
                    return;
                }
                MutationOp::ResolveSection {
                    proposal_id: proposals[pick % proposals.len()],
                    accept,
                }
            }
        };
        self.record(i, op);
    }

    fn record(&mut self, i: usize, op: MutationOp) -> Uuid {
        let id = self.tablets[i].record(op.clone());
        self.made[i].push(id);
        self.ops.insert(id, (i, op));
        id
    }

    async fn push(&mut self, i: usize) {
        for _ in 0..40 {
            let sent = plan::next_push(&self.tablets[i].outbox, self.tablets[i].push_batch);
            if sent.is_empty() {
                return;
            }
            let reply = self.tablets[i]
                .send_push(&sent)
                .await
                .expect("a push is answered as the protocol says");
            self.observe(i, &sent, &reply);
            if self.tablets[i].record_reply(&sent, reply) != AfterPush::Again {
                return;
            }
        }
        panic!("a push did not settle in 40 rounds");
    }

    async fn push_lost(&mut self, i: usize, retry: bool) {
        let sent = plan::next_push(&self.tablets[i].outbox, self.tablets[i].push_batch);
        if sent.is_empty() {
            return;
        }
        let reply = self.tablets[i].send_push(&sent).await.expect("push");
        self.observe(i, &sent, &reply);
        self.tablets[i].record_reply(&sent, PushReply::Failed);
        if retry {
            let again = plan::next_push(&self.tablets[i].outbox, self.tablets[i].push_batch);
            assert_eq!(
                again.iter().map(|m| m.id).collect::<Vec<_>>(),
                sent.iter().map(|m| m.id).collect::<Vec<_>>(),
                "the retry sends the same mutations"
            );
            let reply = self.tablets[i].send_push(&again).await.expect("push");
            self.observe(i, &again, &reply);
            self.tablets[i].record_reply(&again, reply);
        }
    }

    /// Checks an answer against every answer given before and against what the mutation
    /// could become.
    fn observe(&mut self, i: usize, sent: &[Mutation], reply: &PushReply) {
        let response = match reply {
            PushReply::Answered(r) => r,
            PushReply::Failed => {
                if self.tablets[i].online {
                    self.unheard.extend(sent.iter().map(|m| m.id));
                }
                return;
            }
            PushReply::Gap { expected } => panic!(
                "{}: a gap (expected {expected}) although the tablet never skips numbers",
                self.tablets[i].username
            ),
        };
        let sent_ids: Vec<Uuid> = sent.iter().map(|m| m.id).collect();
        let answered_ids: Vec<Uuid> = response.results.iter().map(|r| r.id).collect();
        assert_eq!(
            answered_ids,
            sent_ids[..answered_ids.len()],
            "answers come in device order, a prefix of what was sent"
        );
        assert_eq!(
            answered_ids.len(),
            sent_ids.len(),
            "no gap: all are answered"
        );
        for result in &response.results {
            match self.answered.get(&result.id) {
                Some(first) => {
                    self.duplicates += 1;
                    assert!(result.duplicate, "a second answer is marked duplicate");
                    assert_eq!(&result.outcome, first, "a retry gets the stored outcome");
                }
                None => {
                    assert!(
                        !result.duplicate || self.unheard.contains(&result.id),
                        "a first answer is not a duplicate, unless an earlier one was lost"
                    );
                    self.check_outcome(result.id, &result.outcome);
                    self.answered.insert(result.id, result.outcome.clone());
                }
            }
        }
    }

    fn check_outcome(&self, id: Uuid, outcome: &Outcome) {
        let (i, op) = &self.ops[&id];
        let senior = self.tablets[*i].role != Role::Carer;
        let ok = match (op, outcome) {
            (_, Outcome::Rejected { reason }) => {
                assert!(!reason.trim().is_empty(), "a rejection says why");
                true
            }
            (MutationOp::AddNote { text, .. }, Outcome::Applied { entry_id }) => {
                !text.trim().is_empty() && entry_id.0 == id
            }
            (MutationOp::AddObservations { observations, .. }, Outcome::Applied { entry_id }) => {
                Observations::parse(*observations).is_ok() && entry_id.0 == id
            }
            (
                MutationOp::Correct {
                    entry_id: target, ..
                },
                Outcome::Applied { entry_id },
            ) => target == entry_id,
            (MutationOp::EditSection { .. }, Outcome::Applied { .. }) => senior,
            (MutationOp::EditSection { .. }, Outcome::Conflict { entry_id }) => {
                senior && entry_id.0 == id
            }
            (MutationOp::ResolveSection { .. }, Outcome::Applied { .. }) => senior,
            _ => false,
        };
        assert!(ok, "{op:?} cannot be answered {outcome:?}");
        let must_reject = match op {
            MutationOp::AddNote { text, .. } => text.trim().is_empty(),
            MutationOp::AddObservations { observations, .. } => {
                Observations::parse(*observations).is_err()
            }
            MutationOp::EditSection { .. } | MutationOp::ResolveSection { .. } => !senior,
            MutationOp::Correct { .. } => false,
        };
        if must_reject {
            assert!(
                matches!(outcome, Outcome::Rejected { .. }),
                "{op:?} must be rejected, not {outcome:?}"
            );
        }
    }

    async fn pull(&mut self, i: usize) {
        match self.tablets[i].pull().await {
            Ok(_) => {
                let t = &self.tablets[i];
                assert!(
                    t.entries
                        .values()
                        .all(|e| t.residents.contains_key(&e.person_id)),
                    "after a pull a tablet holds entries of its residents only"
                );
            }
            Err(e) if e.is_transient() => {}
            Err(e) => panic!("{}: pull: {e}", self.tablets[i].username),
        }
    }

    /// No outbox item is ever lost or added, and no device sequence number repeats.
    fn check_outboxes(&self) {
        for (t, made) in self.tablets.iter().zip(&self.made) {
            let ids: BTreeSet<Uuid> = t.outbox.iter().map(|i| i.mutation.id).collect();
            assert_eq!(ids.len(), t.outbox.len(), "{}: an id twice", t.username);
            assert_eq!(
                ids,
                made.iter().copied().collect::<BTreeSet<_>>(),
                "{}: the outbox holds every write",
                t.username
            );
            let seqs: BTreeSet<u64> = t.outbox.iter().map(|i| i.mutation.device_seq).collect();
            assert_eq!(
                seqs.len(),
                t.outbox.len(),
                "{}: a device sequence number twice",
                t.username
            );
        }
    }

    /// Tablets follow the server to its port after a restart.
    fn moved(&mut self) {
        for t in &mut self.tablets {
            t.base = self.app.base.clone();
        }
    }

    async fn sync_all(&mut self, restart: bool) {
        let mut set = tokio::task::JoinSet::new();
        for (i, mut t) in std::mem::take(&mut self.tablets).into_iter().enumerate() {
            set.spawn(async move {
                let mut pushes = Vec::new();
                let _ = t.pull().await;
                for _ in 0..40 {
                    let sent = plan::next_push(&t.outbox, t.push_batch);
                    if sent.is_empty() {
                        break;
                    }
                    let online = t.online;
                    let reply = t.send_push(&sent).await.expect("push");
                    pushes.push((sent.clone(), reply.clone(), online));
                    if t.record_reply(&sent, reply) != AfterPush::Again {
                        break;
                    }
                }
                let _ = t.pull().await;
                (i, t, pushes)
            });
        }
        let app = &mut self.app;
        let restarting = async move {
            if restart {
                // Let the first requests start.
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                app.restart().await;
            }
        };
        let (mut done, ()) = tokio::join!(set.join_all(), restarting);
        self.restarts += usize::from(restart);
        done.sort_by_key(|(i, _, _)| *i);
        let mut logs = Vec::new();
        for (i, t, pushes) in done {
            self.tablets.push(t);
            logs.push((i, pushes));
        }
        self.moved();
        for (i, pushes) in logs {
            for (sent, reply, online) in pushes {
                let was = std::mem::replace(&mut self.tablets[i].online, online);
                self.observe(i, &sent, &reply);
                self.tablets[i].online = was;
            }
        }
    }

    // ----- elsewhere -----

    async fn outside(&mut self, o: Outside) {
        match o {
            Outside::Lab { who } => {
                let person = self.people[who % self.people.len()].id;
                self.app
                    .store
                    .add_entries(
                        person,
                        &[NewEntry {
                            provenance: provenance("Test Lab"),
                            body: EntryBody::LabResult {
                                test: bedside_domain::record::Concept::text("Sodium"),
                                value: LabValue::Quantity {
                                    value: 135.0 + f64::from(self.counter % 10),
                                    unit: "mmol/L".into(),
                                },
                                reference_range: None,
                                flag: None,
                                taken_at: chrono::Utc::now(),
                                panel: None,
                            },
                        }],
                    )
                    .await
                    .expect("lab result");
                self.counter += 1;
            }
            Outside::Allergy { retract } => {
                self.counter += 1;
                let bundle = transaction(vec![amoxicillin(retract, self.counter)]);
                send_fhir(&self.app, &self.hospital, &bundle).await;
            }
            Outside::Residency { who } => {
                let k = who % self.people.len();
                let p = &mut self.people[k];
                if p.in_home {
                    admin::leave(
                        &self.app.store,
                        p.nhs,
                        ResidencyStatus::Left,
                        day(2026, 11, 1),
                    )
                    .await
                    .expect("leave");
                } else {
                    let room = format!("{}", 20 + k);
                    admin::admit(
                        &self.app.store,
                        self.home,
                        p.nhs,
                        &room,
                        day(2026, 11, 2),
                        ResidencyStatus::InHome,
                    )
                    .await
                    .expect("admit");
                }
                p.in_home = !p.in_home;
            }
            Outside::Scale { who, scale2 } => {
                let scale = if scale2 {
                    Spo2Scale::Scale2
                } else {
                    Spo2Scale::Scale1
                };
                let nhs = self.people[who % self.people.len()].nhs;
                self.app
                    .store
                    .set_spo2_scale(nhs, scale)
                    .await
                    .expect("set the scale");
            }
            Outside::Compact => {
                let head = self.app.store.sync_head(self.home).await.expect("head");
                self.app
                    .store
                    .compact_changes(self.home, head.head)
                    .await
                    .expect("compact");
            }
        }
    }

    // ----- the end -----

    async fn finish(mut self) {
        for t in &mut self.tablets {
            t.online = true;
        }
        for _ in 0..3 {
            for i in 0..self.tablets.len() {
                self.push(i).await;
            }
        }
        for t in &self.tablets {
            assert!(
                t.pending().is_empty(),
                "{}: {} writes never confirmed",
                t.username,
                t.pending().len()
            );
        }
        for i in 0..self.tablets.len() {
            let mut tries = 0;
            while let Err(e) = self.tablets[i].pull().await {
                tries += 1;
                assert!(e.is_transient() && tries < 3, "final pull: {e}");
            }
        }
        self.check_outboxes();
        for t in &self.tablets {
            assert_converged(t, &self.app, self.home).await;
        }
        let fresh = synced(&self.app, &self.tablets[0].username).await;
        assert_converged(&fresh, &self.app, self.home).await;
        // NEWS2 as the server stored it is the chart's score on the scale it records.
        for e in fresh.entries.values() {
            if let EntryBody::ObservationSet {
                observations,
                scale,
                score,
                ..
            } = &e.body
            {
                assert_eq!(*score, news2::score(observations, *scale));
            }
        }

        self.check_server().await;
        self.replay_everything().await;
        if std::env::var_os("BEDSIDE_SYNC_VERBOSE").is_some() {
            let mut outcomes = [0; 3];
            for o in self.answered.values() {
                outcomes[match o {
                    Outcome::Applied { .. } => 0,
                    Outcome::Conflict { .. } => 1,
                    Outcome::Rejected { .. } => 2,
                }] += 1;
            }
            let stats: Vec<_> = self
                .tablets
                .iter()
                .map(|t| (t.stats.pushes, t.stats.snapshots, t.stats.change_pages))
                .collect();
            eprintln!(
                "case: {} tablets, {} mutations (applied, conflict, rejected) = {outcomes:?}, \
                 {} answers repeated, {} lost unseen, {} restarts, \
                 (pushes, snapshots, change pages) per tablet = {stats:?}",
                self.tablets.len(),
                self.ops.len(),
                self.duplicates,
                self.unheard.len(),
                self.restarts,
            );
        }
    }

    /// Each mutation is stored once, as first answered, under the tablet's device and
    /// number; the entries it made exist once; no note was written twice.
    async fn check_server(&self) {
        let pool = self.app.store.pool();
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mutations")
            .fetch_one(pool)
            .await
            .expect("count");
        assert_eq!(
            stored as usize,
            self.ops.len(),
            "every mutation stored once"
        );
        for (t, made) in self.tablets.iter().zip(&self.made) {
            for id in made {
                let item = t
                    .outbox
                    .iter()
                    .find(|i| i.mutation.id == *id)
                    .expect("in the outbox");
                let first = self.answered.get(id).expect("every mutation was answered");
                assert_eq!(
                    t.outcome(*id),
                    Some(first),
                    "the tablet heard the stored answer"
                );
                let row: (String, i64, String) = sqlx::query_as(
                    "SELECT device_id, device_seq, outcome FROM mutations WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_one(pool)
                .await
                .expect("the mutation is stored");
                assert_eq!(row.0, t.device_id.to_string());
                assert_eq!(row.1 as u64, item.mutation.device_seq);
                let outcome: Outcome = serde_json::from_str(&row.2).expect("outcome");
                assert_eq!(&outcome, first);

                let own_entry = self.entry_count(*id).await;
                let op = &self.ops[id].1;
                let want = match (op, first) {
                    (_, Outcome::Rejected { .. }) => 0,
                    (MutationOp::ResolveSection { .. }, _) => 0,
                    (MutationOp::EditSection { .. }, Outcome::Applied { entry_id }) => {
                        assert_eq!(self.entry_count(entry_id.0).await, 1);
                        i64::from(entry_id.0 == *id)
                    }
                    _ => 1,
                };
                assert_eq!(
                    own_entry, want,
                    "{op:?} answered {first:?}: entries with its id"
                );
                if let Some(mark) = self.markers.get(id) {
                    let copies: i64 = sqlx::query_scalar(
                        "SELECT COUNT(DISTINCT id) FROM (SELECT id, body FROM entries \
                         UNION ALL SELECT entry_id AS id, body FROM entry_versions) \
                         WHERE body LIKE '%' || $1 || '%'",
                    )
                    .bind(mark)
                    .fetch_one(pool)
                    .await
                    .expect("copies");
                    assert_eq!(copies, want, "a note is written once, under its own id");
                }
            }
        }
    }

    async fn entry_count(&self, id: Uuid) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.app.store.pool())
            .await
            .expect("count")
    }

    /// Every mutation sent once more: all answered from what was stored, nothing written.
    async fn replay_everything(&mut self) {
        let before = counts(&self.app).await;
        for t in &mut self.tablets {
            let mut all: Vec<Mutation> = t.outbox.iter().map(|i| i.mutation.clone()).collect();
            all.sort_by_key(|m| m.device_seq);
            let next = all.last().map(|m| m.device_seq + 1).unwrap_or(1);
            for chunk in all.chunks(100) {
                let reply = t.send_push(chunk).await.expect("replay");
                let PushReply::Answered(r) = reply else {
                    panic!("a replay is answered: {reply:?}")
                };
                assert_eq!(r.results.len(), chunk.len());
                for result in &r.results {
                    assert!(result.duplicate);
                    assert_eq!(Some(&result.outcome), self.answered.get(&result.id));
                }
                assert_eq!(r.next_device_seq, next);
            }
        }
        assert_eq!(counts(&self.app).await, before, "a replay writes nothing");
    }
}
