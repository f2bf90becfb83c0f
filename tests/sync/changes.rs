//! Pulling: the change feed (paging, exactly once under concurrent writes, 410 and the
//! snapshot that recovers), the snapshot (paging while writes go on), removals as changes,
//! and compression.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bedside_backend::admin;
use bedside_backend::store::{NewEntry, Store};
use bedside_domain::api::{ApiError, ErrorCode};
use bedside_domain::record::{
    CorrectionAction, Entry, EntryBody, LabValue, NoteCategory, ResidencyStatus,
};
use bedside_domain::sync::wire::{Change, ChangesPage, Cursor, SnapshotPage};
use bedside_domain::{EntryId, PersonId};
use bedside_tests::PASSWORD;
use bedside_tests::client::{Pulled, Tablet};
use chrono::Utc;
use reqwest::Method;

use crate::world::*;

fn lab(n: u32) -> NewEntry {
    NewEntry {
        provenance: provenance("Test Lab"),
        body: EntryBody::LabResult {
            test: bedside_domain::record::Concept::text("Haemoglobin"),
            value: LabValue::Quantity {
                value: 120.0 + f64::from(n),
                unit: "g/L".into(),
            },
            reference_range: None,
            flag: None,
            taken_at: Utc::now(),
            panel: Some("Full blood count".into()),
        },
    }
}

async fn get_page<T: serde::de::DeserializeOwned>(t: &mut Tablet, path: &str) -> T {
    let reply = t
        .request::<()>(Method::GET, path, None)
        .await
        .expect("request");
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    reply.json().expect("page")
}

async fn api_error(t: &mut Tablet, path: &str) -> (u16, ApiError) {
    let reply = t
        .request::<()>(Method::GET, path, None)
        .await
        .expect("request");
    let e: ApiError = reply
        .json()
        .unwrap_or_else(|e| panic!("{path}: not an ApiError: {e}: {}", reply.text()));
    (reply.status, e)
}

/// The log rows of a home after `since`: (seq, entry id) for entry changes.
async fn log_rows(
    app: &bedside_tests::TestApp,
    home: bedside_domain::HomeId,
    since: u64,
) -> Vec<(u64, String, Option<String>)> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT seq, kind, entry_id FROM changes WHERE home_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(home.to_string())
    .bind(since as i64)
    .fetch_all(app.store.pool())
    .await
    .expect("log rows");
    rows.into_iter().map(|(s, k, e)| (s as u64, k, e)).collect()
}

fn change_key(c: &Change) -> (u64, String, Option<String>) {
    match c {
        Change::Resident { seq, .. } => (*seq, "resident".into(), None),
        Change::ResidentRemoved { seq, .. } => (*seq, "resident_removed".into(), None),
        Change::Entry { seq, entry } => (*seq, "entry".into(), Some(entry.id.to_string())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_is_paged_exactly_once_while_writes_go_on() {
    let w = world().await;
    let home = w.oak.id;
    let residents = w.oak.residents.clone();
    let mut reader = synced(&w.app, &w.oak.carer).await;
    let start = reader.cursor.clone().expect("synced");

    // A tablet pushing notes a few at a time, and a hospital system writing to the store
    // directly, both while the reader pages with a small limit.
    let base = w.app.base.clone();
    let senior = w.oak.senior.clone();
    let people = residents.clone();
    let writer = tokio::spawn(async move {
        let mut t = Tablet::sign_in(&base, &senior, PASSWORD)
            .await
            .expect("sign in");
        t.pull().await.expect("sync");
        let mut ids = Vec::new();
        for i in 0..36 {
            ids.push(t.add_note(
                people[i % people.len()],
                NoteCategory::Social,
                &format!("Played dominoes ({i})"),
            ));
            if i % 3 == 2 {
                assert_eq!(
                    t.push().await.expect("push"),
                    bedside_domain::sync::plan::AfterPush::Done
                );
            }
        }
        ids
    });
    let store = w.app.store.clone();
    let person = residents[0];
    let outside = tokio::spawn(async move {
        let mut ids = Vec::new();
        for n in 0..12 {
            ids.extend(store.add_entries(person, &[lab(n)]).await.expect("lab"));
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        ids
    });

    let mut seen: Vec<Change> = Vec::new();
    let mut cursor: Cursor = start.clone();
    let mut pages = 0;
    let started = std::time::Instant::now();
    loop {
        let writers_done = writer.is_finished() && outside.is_finished();
        let page: ChangesPage = get_page(
            &mut reader,
            &format!("/api/v1/sync/changes?since={cursor}&limit=3"),
        )
        .await;
        pages += 1;
        assert!(page.changes.len() <= 3, "a page holds at most the limit");
        assert_eq!(page.cursor.epoch, start.epoch);
        let mut last = cursor.seq;
        for c in &page.changes {
            assert!(
                c.seq() > last && c.seq() <= page.cursor.seq,
                "changes are in order, after `since` and within the page's cursor"
            );
            last = c.seq();
        }
        assert!(page.cursor.seq >= cursor.seq, "the cursor never goes back");
        reader.apply_page(&page);
        let empty = page.changes.is_empty();
        seen.extend(page.changes);
        cursor = page.cursor;
        if writers_done && !page.more {
            break;
        }
        if empty {
            // Caught up with the writers: wait for them a little rather than spin.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "paging ends");
    }
    let notes = writer.await.expect("writer");
    let labs = outside.await.expect("outside writer");
    assert!(pages > 10, "small pages: {pages}");

    // Every change in the log after the start was seen, once, in order.
    let seen_keys: Vec<_> = seen.iter().map(change_key).collect();
    assert_eq!(seen_keys, log_rows(&w.app, home, start.seq).await);
    let seen_entries: BTreeSet<EntryId> = seen
        .iter()
        .filter_map(|c| match c {
            Change::Entry { entry, .. } => Some(entry.id),
            _ => None,
        })
        .collect();
    for id in notes.iter().map(|m| EntryId(*m)).chain(labs) {
        assert!(
            seen_entries.contains(&id),
            "a written entry was never paged"
        );
    }
    assert_eq!(seen_entries.len(), notes.len() + 12);
    assert_converged(&reader, &w.app, home).await;
}

#[tokio::test]
async fn cursors_from_another_epoch_or_behind_the_floor_get_410_and_a_snapshot_recovers() {
    let (w, river) = two_homes().await;
    let home = w.oak.id;
    let mut carer = synced(&w.app, &w.oak.carer).await;
    let mut behind = synced(&w.app, &w.oak.carer).await;
    let mut senior = synced(&w.app, &w.oak.senior).await;
    let head = carer.cursor.clone().expect("synced");
    let status = carer.status().await.expect("status");
    assert_eq!(status.head, head);
    assert_eq!(status.floor, 0);

    let oak_epoch = epoch(&w.app, home).await;
    let river_epoch = epoch(&w.app, river.id).await;
    assert_ne!(oak_epoch, river_epoch, "each home's log has its own epoch");
    for since in [
        cursor("0123456789abcdef", head.seq),
        cursor(&river_epoch, 1),
        cursor(&oak_epoch, head.seq + 1),
    ] {
        let (status, e) =
            api_error(&mut carer, &format!("/api/v1/sync/changes?since={since}")).await;
        assert_eq!((status, e.code), (410, ErrorCode::CursorExpired), "{since}");
    }
    for bad in ["nonsense", "abc.-1", "a-b.3", ""] {
        let (status, e) = api_error(&mut carer, &format!("/api/v1/sync/changes?since={bad}")).await;
        assert_eq!((status, e.code), (400, ErrorCode::BadRequest), "{bad:?}");
    }

    // Writes, then the log is compacted up to its head: a tablet behind it must take a
    // snapshot; one exactly at the floor may still pull changes.
    for i in 0..3 {
        senior.add_note(
            w.oak.residents[0],
            NoteCategory::Social,
            &format!("Walk {i}"),
        );
    }
    senior.sync().await.expect("sync");
    carer.pull().await.expect("pull");
    let at_floor = carer.cursor.clone().expect("cursor");
    w.app
        .store
        .compact_changes(home, at_floor.seq)
        .await
        .expect("compact");
    let status = carer.status().await.expect("status");
    assert_eq!(status.floor, at_floor.seq);
    assert_eq!(status.head, at_floor);

    let stale = behind.cursor.clone().expect("cursor");
    let (code, e) = api_error(&mut behind, &format!("/api/v1/sync/changes?since={stale}")).await;
    assert_eq!((code, e.code), (410, ErrorCode::CursorExpired));
    let snapshots = behind.stats.snapshots;
    assert_eq!(behind.pull().await.expect("pull"), Pulled::Snapshot);
    assert_eq!(behind.stats.snapshots, snapshots + 1);
    assert_converged(&behind, &w.app, home).await;

    senior.add_note(w.oak.residents[1], NoteCategory::Social, "Garden");
    senior.sync().await.expect("sync");
    assert!(matches!(
        carer.pull().await.expect("pull"),
        Pulled::Changes(_)
    ));
    assert_converged(&carer, &w.app, home).await;
    assert!(matches!(
        behind.pull().await.expect("pull"),
        Pulled::Changes(_)
    ));
    assert_converged(&behind, &w.app, home).await;
}

#[tokio::test]
async fn a_snapshot_in_small_pages_visits_every_entry_once_and_the_changes_since_make_it_whole() {
    let w = world().await;
    let home = w.oak.id;
    let [ada, bea] = [w.oak.residents[0], w.oak.residents[1]];
    for n in 0..12 {
        w.app.store.add_entries(ada, &[lab(n)]).await.expect("lab");
        w.app.store.add_entries(bea, &[lab(n)]).await.expect("lab");
    }
    let mut writer = synced(&w.app, &w.oak.senior).await;
    let mut notes = Vec::new();
    for i in 0..6 {
        notes.push(writer.add_note(ada, NoteCategory::Clinical, &format!("Note {i}")));
    }
    writer.sync().await.expect("sync");

    let (_, at_start) = server_state(&w.app, home).await;
    let mut t = tablet(&w.app, &w.oak.carer).await;
    let first: SnapshotPage = get_page(&mut t, "/api/v1/sync/snapshot?limit=5").await;
    assert_eq!(first.residents.len(), 2, "residents come on the first page");
    let pinned = first.pinned.clone();
    let mut entries: Vec<Entry> = first.entries;
    let mut next = first.next;
    let mut page = 1;
    while let Some(token) = next {
        // Between pages: a new note, a note marked entered in error, an outside entry,
        // and (once) a resident leaving.
        match page % 4 {
            0 => {
                writer.add_note(bea, NoteCategory::Social, &format!("Between pages {page}"));
            }
            1 => {
                let target = EntryId(notes.pop().expect("a note left"));
                writer.correct(
                    target,
                    CorrectionAction::EnteredInError,
                    "Wrong resident",
                    None,
                );
            }
            2 => {
                w.app
                    .store
                    .add_entries(ada, &[lab(100 + page)])
                    .await
                    .expect("lab");
            }
            _ if page == 3 => {
                admin::leave(
                    &w.app.store,
                    nhs(2),
                    ResidencyStatus::Left,
                    day(2026, 11, 1),
                )
                .await
                .expect("leave");
            }
            _ => {}
        }
        writer.sync().await.expect("sync");
        let p: SnapshotPage = get_page(
            &mut t,
            &format!("/api/v1/sync/snapshot?page={token}&limit=5"),
        )
        .await;
        assert!(p.entries.len() <= 5);
        assert!(p.residents.is_empty(), "residents only on the first page");
        assert_eq!(p.pinned, pinned, "every page is pinned where the first was");
        entries.extend(p.entries);
        next = p.next;
        page += 1;
    }
    assert!(page >= 5, "small pages: {page}");

    let ids: Vec<EntryId> = entries.iter().map(|e| e.id).collect();
    let unique: BTreeSet<EntryId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no entry is sent twice");
    let (_, at_end) = server_state(&w.app, home).await;
    let ever: BTreeSet<EntryId> = at_start.keys().chain(at_end.keys()).copied().collect();
    assert!(unique.is_subset(&ever), "only the home's entries");
    // Everything current from start to end was visited (what changed meanwhile comes
    // through the changes since `pinned`).
    for id in at_start.keys().filter(|id| at_end.contains_key(id)) {
        assert!(unique.contains(id), "a current entry was skipped");
    }

    t.residents = first
        .residents
        .into_iter()
        .map(|r| (r.id, r))
        .collect::<BTreeMap<PersonId, _>>();
    t.entries = entries.into_iter().map(|e| (e.id, e)).collect();
    t.cursor = Some(pinned.clone());
    t.pull_changes(pinned).await.expect("changes since pinned");
    assert!(!t.residents.contains_key(&bea), "Bea left the home");
    assert_converged(&t, &w.app, home).await;
}

#[tokio::test]
async fn a_residency_that_ends_is_a_removal_and_readmission_brings_the_record_back() {
    let w = world().await;
    let home = w.oak.id;
    let bea = w.oak.residents[1];
    let mut t = synced(&w.app, &w.oak.carer).await;
    let since = t.cursor.clone().expect("cursor");
    assert!(t.entries.values().any(|e| e.person_id == bea));

    admin::leave(
        &w.app.store,
        nhs(2),
        ResidencyStatus::Died,
        day(2026, 11, 2),
    )
    .await
    .expect("leave");
    let page: ChangesPage = get_page(&mut t, &format!("/api/v1/sync/changes?since={since}")).await;
    assert_eq!(page.changes.len(), 1);
    assert!(matches!(
        page.changes[0],
        Change::ResidentRemoved { person_id, .. } if person_id == bea
    ));
    // Meanwhile, offline, a carer writes a note for her: the server refuses it.
    let note = t.add_note(bea, NoteCategory::MoodAndBehaviour, "Settled");
    assert!(t.entries.contains_key(&EntryId(note)), "shown at once");
    t.push().await.expect("push");
    assert!(matches!(
        t.outcome(note),
        Some(bedside_domain::sync::wire::Outcome::Rejected { .. })
    ));
    assert!(
        !t.entries.contains_key(&EntryId(note)),
        "a refused note is not shown as recorded"
    );
    t.pull().await.expect("pull");
    assert!(!t.residents.contains_key(&bea));
    assert!(
        t.entries.values().all(|e| e.person_id != bea),
        "her record left the tablet"
    );
    assert_converged(&t, &w.app, home).await;
    let fresh = synced(&w.app, &w.oak.senior).await;
    assert!(fresh.entries.values().all(|e| e.person_id != bea));
    assert_converged(&fresh, &w.app, home).await;

    // Back again: the resident and her current record return through the feed.
    let since = t.cursor.clone().expect("cursor");
    admin::admit(
        &w.app.store,
        home,
        nhs(2),
        "7",
        day(2026, 11, 20),
        ResidencyStatus::InHome,
    )
    .await
    .expect("readmit");
    let page: ChangesPage = get_page(&mut t, &format!("/api/v1/sync/changes?since={since}")).await;
    assert!(
        matches!(&page.changes[0], Change::Resident { resident, .. } if resident.id == bea && resident.room == "7")
    );
    let (_, state) = server_state(&w.app, home).await;
    let hers = state.values().filter(|e| e.person_id == bea).count();
    assert_eq!(page.changes.len(), 1 + hers);
    t.pull().await.expect("pull");
    assert_converged(&t, &w.app, home).await;
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let w = world().await;
    for n in 0..20 {
        w.app
            .store
            .add_entries(w.oak.residents[0], &[lab(n)])
            .await
            .expect("lab");
    }
    let t = synced(&w.app, &w.oak.carer).await;
    assert!(
        t.stats.wire_bytes * 3 < t.stats.body_bytes,
        "a first sync is compressed: {} bytes on the wire for {}",
        t.stats.wire_bytes,
        t.stats.body_bytes
    );
    // A client that leaves the encoding alone, to see what the server chose.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client");
    let since = cursor(&epoch(&w.app, w.oak.id).await, 0);
    for path in [
        "/api/v1/sync/snapshot".to_owned(),
        format!("/api/v1/sync/changes?since={since}"),
        "/api/v1/sync/status".to_owned(),
    ] {
        for (accept, want) in [
            ("gzip", Some("gzip")),
            ("br", Some("br")),
            ("identity", None),
        ] {
            let res = raw
                .get(w.app.url(&path))
                .bearer_auth(&t.token)
                .header(reqwest::header::ACCEPT_ENCODING, accept)
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), 200, "{path}");
            let encoding = res
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .map(|v| v.to_str().expect("ascii").to_owned());
            assert_eq!(encoding.as_deref(), want, "{path} with {accept}");
        }
    }
}

#[tokio::test]
async fn pages_of_changes_are_cut_by_bytes_as_well_as_count() {
    let w = world().await;
    let ada = w.oak.residents[0];
    let mut t = synced(&w.app, &w.oak.carer).await;
    let since = t.cursor.clone().expect("cursor");
    // About 3 MB of reports: more than one page's worth of bytes, far fewer than its count.
    let big = "Findings. ".repeat(1_000);
    let report = |n: usize| NewEntry {
        provenance: provenance("Test Radiology"),
        body: EntryBody::DiagnosticReport {
            title: format!("Chest X-ray {n}"),
            conclusion: big.clone(),
            performed_at: Utc::now(),
        },
    };
    let batch: Vec<NewEntry> = (0..300).map(report).collect();
    let ids = w.app.store.add_entries(ada, &batch).await.expect("reports");

    let mut cursor = since;
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let reply = t
            .request::<()>(
                Method::GET,
                &format!("/api/v1/sync/changes?since={cursor}&limit=5000"),
                None,
            )
            .await
            .expect("changes");
        assert_eq!(reply.status, 200);
        sizes.push(reply.body.len());
        let page: ChangesPage = reply.json().expect("page");
        seen.extend(page.changes.iter().map(change_key));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert!(sizes.len() >= 2, "cut by bytes: {sizes:?}");
    assert!(
        sizes.iter().all(|s| *s < 3 * 1024 * 1024),
        "no page runs far past its budget: {sizes:?}"
    );
    let entry_ids: Vec<String> = seen.iter().filter_map(|(_, _, e)| e.clone()).collect();
    assert_eq!(
        entry_ids,
        ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        "every change once, in order"
    );
}

#[tokio::test]
async fn an_allergy_retracted_by_its_sender_is_a_change_that_leaves_the_tablet() {
    let w = world().await;
    let hospital = w.app.add_source("RJ1", "St Thomas' Hospital").await;
    let richard = admit_richard(&w.app, &hospital, w.oak.id, "9").await;
    send_fhir(&w.app, &hospital, &transaction(vec![amoxicillin(false, 0)])).await;
    let mut t = synced(&w.app, &w.oak.carer).await;
    let allergies = |t: &Tablet| {
        let theirs: Vec<Entry> = t
            .current_entries()
            .filter(|e| e.person_id == richard)
            .cloned()
            .collect();
        bedside_domain::summary::allergy_state(&theirs)
    };
    assert!(matches!(
        allergies(&t),
        bedside_domain::summary::AllergyState::Allergies { .. }
    ));
    let since = t.cursor.clone().expect("cursor");
    send_fhir(&w.app, &hospital, &transaction(vec![amoxicillin(true, 1)])).await;
    let page: ChangesPage = get_page(&mut t, &format!("/api/v1/sync/changes?since={since}")).await;
    assert_eq!(page.changes.len(), 1);
    assert!(matches!(
        &page.changes[0],
        Change::Entry { entry, .. } if entry.status == bedside_domain::record::EntryStatus::EnteredInError
            && matches!(entry.body, EntryBody::Allergy { .. })
    ));
    t.pull().await.expect("pull");
    assert_eq!(
        allergies(&t),
        bedside_domain::summary::AllergyState::NotRecorded
    );
    assert_converged(&t, &w.app, w.oak.id).await;
}

#[tokio::test]
async fn snapshot_page_tokens_and_limits_are_checked() {
    let w = world().await;
    let mut t = tablet(&w.app, &w.oak.carer).await;
    let (status, e) = api_error(&mut t, "/api/v1/sync/snapshot?page=not-a-token").await;
    assert_eq!((status, e.code), (400, ErrorCode::BadRequest));
    // Limits outside 1..=5000 are brought into it.
    let one: SnapshotPage = get_page(&mut t, "/api/v1/sync/snapshot?limit=0").await;
    assert_eq!(one.entries.len(), 1);
    assert!(one.next.is_some());
    let all: SnapshotPage = get_page(&mut t, "/api/v1/sync/snapshot?limit=1000000").await;
    assert!(all.next.is_none());
    let (_, entries) = server_state(&w.app, w.oak.id).await;
    assert_eq!(all.entries.len(), entries.len());
}
