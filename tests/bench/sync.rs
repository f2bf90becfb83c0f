//! `bench sync`: how a home's records reach a tablet and how its writes come back.
//!
//! A home of about `--entries` entries for `--residents` residents ([`crate::home`]) is
//! loaded into the real server (on a loopback port, a fresh SQLite file) through the
//! demo's loading path. Then, with the native sync client of the tests
//! (`bedside_tests::client::Tablet`, the tablet's decisions from `domain::sync::plan`):
//! the first sync (gzip, as the tablet asks; and brotli, as browsers ask), a sync that
//! finds nothing new, and pushes of 100 mutations. Last, the server is stopped and the
//! release `bedside` binary serves the same database to headless Chromium, driven by
//! `tests/e2e/bench/sync.mjs`: the app's first sync into IndexedDB, and opening residents'
//! summaries from IndexedDB with the network off.
//!
//! Every figure is a wall time measured by the client; on loopback a request's time is
//! the server's time plus a little for the client and the kernel. Nothing is asserted
//! about speed; the run fails only when the sync itself goes wrong.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bedside_domain::news2::{AirOrOxygen, Consciousness, Observations};
use bedside_domain::record::{Entry, NoteCategory, Resident};
use bedside_domain::sync::plan::{self, AfterPush, LocalOp, Pull};
use bedside_domain::sync::wire::{ChangesPage, Outcome, SnapshotPage, SyncStatus};
use bedside_domain::{EntryId, PersonId};
use bedside_tests::client::{Pulled, Stats, Tablet};
use bedside_tests::{spawn_app, workspace_root};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{arg, home, ms, percentile};

/// First syncs per encoding (the median is reported).
const INITIAL_RUNS: usize = 3;
/// Requests before the timed ones of a no-change sync (connections, caches).
const WARM_UP: usize = 20;
/// Rounds of pushing 100 mutations, each way.
const PUSH_ROUNDS: usize = 5;
const PUSH_SIZE: usize = 100;
const SPLIT_BATCH: usize = 10;

/// One first sync into an empty client.
#[derive(Debug, Clone, Default)]
struct FirstSync {
    wall: Duration,
    requests: u64,
    wire_bytes: u64,
    body_bytes: u64,
    entries: usize,
    residents: usize,
}

impl FirstSync {
    fn rate(&self) -> f64 {
        self.entries as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// The run with the median wall time, and all the wall times.
fn median(mut runs: Vec<FirstSync>) -> (FirstSync, Vec<Duration>) {
    let walls = runs.iter().map(|r| r.wall).collect();
    runs.sort_by_key(|r| r.wall);
    let mid = runs.len() / 2;
    (runs.swap_remove(mid), walls)
}

fn since(before: &Stats, after: &Stats) -> (u64, u64, u64) {
    (
        after.requests - before.requests,
        after.wire_bytes - before.wire_bytes,
        after.body_bytes - before.body_bytes,
    )
}

pub async fn run(args: &[String]) {
    let residents = arg(args, "--residents", 120);
    let entries = arg(args, "--entries", 25_000);
    let quiet_runs = arg(args, "--runs", 500).max(1);
    let summaries = arg(args, "--summaries", 30);
    let sign_ins = arg(args, "--sign-ins", 3).max(1);
    let with_browser = !args.iter().any(|a| a == "--no-browser");

    // ----- the home -----
    let today = chrono::Utc::now().date_naive();
    let home = home::generate(residents, entries, today);
    let mut app = spawn_app().await;
    eprintln!(
        "Loading {} residents into one home: {} entries from the demo generator and {} care \
         notes ({} a day per resident over {} days)…",
        home.residents,
        home.demo_entries,
        home.added_notes,
        home::NOTES_PER_DAY,
        home.note_days
    );
    let started = Instant::now();
    let loaded = bedside_backend::demo::load(&app.store, &home.dataset, chrono::Utc::now())
        .await
        .expect("load the bench home");
    let load_time = started.elapsed();
    eprintln!(
        "Loaded {} entries ({} FHIR Bundles from {} senders) in {:.1} s.",
        loaded.entries,
        loaded.bundles,
        loaded.sources,
        load_time.as_secs_f64()
    );

    // ----- first sync, native -----
    let mut gzip_runs = Vec::new();
    let mut tablet = None;
    for i in 0..INITIAL_RUNS {
        let (t, run) = first_sync_native(&app.base).await;
        eprintln!(
            "first sync (gzip) {}: {:.2} s, {} entries",
            i + 1,
            run.wall.as_secs_f64(),
            run.entries
        );
        gzip_runs.push(run);
        tablet = Some(t);
    }
    let mut tablet = tablet.expect("at least one first sync");
    let synced_entries = tablet.entries.len();
    // Every figure below is about this home: a first sync that brought something else
    // would make them meaningless.
    for run in &gzip_runs {
        assert_eq!(
            (run.entries, run.residents),
            (loaded.entries, loaded.residents),
            "a first sync brings every entry and resident loaded"
        );
    }
    let mut br_runs = Vec::new();
    for i in 0..INITIAL_RUNS {
        let run = first_sync_brotli(&app.base, &tablet.token).await;
        assert_eq!(
            (run.entries, run.residents),
            (synced_entries, tablet.residents.len()),
            "the brotli sync got the same entries and residents"
        );
        eprintln!(
            "first sync (brotli) {}: {:.2} s",
            i + 1,
            run.wall.as_secs_f64()
        );
        br_runs.push(run);
    }
    let (gzip, gzip_walls) = median(gzip_runs);
    let (br, br_walls) = median(br_runs);

    // ----- a sync that finds nothing new -----
    let status_times = no_change_pulls(&mut tablet, quiet_runs).await;
    let empty_page = empty_changes_pages(&mut tablet, quiet_runs).await;

    // ----- the browser, on the same database (the same home: before the pushes) -----
    let browser = if with_browser {
        app.stop().await;
        let db = app.db_path.clone();
        let result = tokio::task::spawn_blocking(move || run_browser(&db, sign_ins, summaries))
            .await
            .expect("the browser run's thread");
        app.start().await;
        tablet.base = app.base.clone();
        result
    } else {
        Err("--no-browser".to_owned())
    };

    // ----- pushes -----
    let push = pushes(&mut tablet).await;
    // Every pushed note and observation set is on the server once, and came back: no
    // provisional (version 0) entry is left, and a new tablet gets the same home.
    let pushed = 2 * PUSH_ROUNDS * PUSH_SIZE;
    assert_eq!(tablet.entries.len(), synced_entries + pushed);
    assert!(
        tablet.entries.values().all(|e| e.version >= 1),
        "every pushed entry was confirmed by the server"
    );
    let (_, fresh) = first_sync_native(&app.base).await;
    assert_eq!(
        fresh.entries,
        synced_entries + pushed,
        "a new tablet gets the home and the pushed entries"
    );
    let head = tablet.status().await.expect("status").head;

    // ----- the figures -----
    let mut t = Table::default();
    println!();
    println!(
        "sync benchmark: one home of {} residents, {} entries after the first sync \
         (release build, SQLite WAL, HTTP on loopback, 2-core machine shared with others)",
        gzip.residents,
        thousands(gzip.entries as u64)
    );
    println!(
        "  home: {} demo entries (FHIR ingest for {} Bundles, the store for the home's own) + \
         {} care notes through the store; loaded in {:.1} s",
        thousands(home.demo_entries as u64),
        thousands(loaded.bundles as u64),
        thousands(home.added_notes as u64),
        load_time.as_secs_f64()
    );
    println!();
    for (name, run, walls) in [
        ("first sync, native client, gzip", &gzip, &gzip_walls),
        ("first sync, native client, brotli", &br, &br_walls),
    ] {
        t.row(
            name,
            format!("{:.2} s", run.wall.as_secs_f64()),
            format!(
                "{} entries/s; {} requests; {} on the wire, {} decoded; runs {}",
                thousands(run.rate() as u64),
                run.requests,
                mb(run.wire_bytes),
                mb(run.body_bytes),
                walls
                    .iter()
                    .map(|w| format!("{:.2}", w.as_secs_f64()))
                    .collect::<Vec<_>>()
                    .join(" / ")
                    + " s"
            ),
        );
    }
    t.row(
        "no-change sync (status only, 1 request)",
        p50_p95(&status_times.times),
        format!(
            "{} runs; {} B on the wire ({} B decoded)",
            status_times.times.len(),
            status_times.wire_bytes,
            status_times.body_bytes
        ),
    );
    t.row(
        "empty changes page (since = head)",
        p50_p95(&empty_page.times),
        format!(
            "{} runs; {} B on the wire ({} B decoded)",
            empty_page.times.len(),
            empty_page.wire_bytes,
            empty_page.body_bytes
        ),
    );
    t.row(
        "push 100 mutations in 1 request",
        format!("{:.1} ms", ms(percentile(&push.whole, 50.0))),
        format!(
            "median of {} rounds (50 notes + 50 observation sets each); min {:.1} ms, max {:.1} ms; {} KB sent",
            push.whole.len(),
            ms(push.whole.first().copied().unwrap_or_default()),
            ms(push.whole.last().copied().unwrap_or_default()),
            push.sent_bytes / PUSH_ROUNDS as u64 / 1024
        ),
    );
    t.row(
        "push 100 mutations in 10 requests of 10",
        format!("{:.1} ms", ms(percentile(&push.split_total, 50.0))),
        format!(
            "median of {} rounds; per request {}",
            push.split_total.len(),
            p50_p95(&push.split_requests)
        ),
    );
    t.row(
        "pull the 100 confirmed entries",
        format!("{:.1} ms", ms(percentile(&push.pull_back, 50.0))),
        format!(
            "median of {} rounds (status + 1 changes page)",
            push.pull_back.len()
        ),
    );
    match &browser {
        Ok(b) => browser_rows(&mut t, b),
        Err(why) => t.row("browser figures", "skipped".to_owned(), why.clone()),
    }
    t.print();
    if let Ok(b) = &browser
        && let Some(paths) = b["signIn"]["paths"].as_str()
    {
        println!("  (the browser's first sync: {paths})");
    }
    println!(
        "  (after the pushes the native client holds {} entries; the log's head is {head})",
        thousands(tablet.entries.len() as u64)
    );
    if let Ok(b) = &browser {
        // Every first sync in the browser, not only the median one, stored the whole home.
        let stored = |key: &str| -> Vec<u64> {
            b["signInRuns"]
                .as_array()
                .map(|runs| runs.iter().map(|r| r[key].as_u64().unwrap_or(0)).collect())
                .unwrap_or_default()
        };
        let (entries, residents) = (stored("indexedDbEntries"), stored("indexedDbResidents"));
        let expected = (synced_entries as u64, gzip.residents as u64);
        if entries.is_empty()
            || entries.len() != residents.len()
            || entries
                .iter()
                .zip(&residents)
                .any(|(e, r)| (*e, *r) != expected)
        {
            eprintln!(
                "the browser's first syncs stored {entries:?} entries and {residents:?} \
                 residents in IndexedDB; the native client holds {} and {}",
                expected.0, expected.1
            );
            std::process::exit(1);
        }
    }
    if let Err(why) = &browser
        && why != "--no-browser"
    {
        std::process::exit(1);
    }
}

/// Signs in on a new native tablet and pulls the whole home.
async fn first_sync_native(base: &str) -> (Tablet, FirstSync) {
    let mut tablet = Tablet::sign_in(base, home::USERNAME, bedside_demo::DEMO_PASSWORD)
        .await
        .expect("sign in");
    let before = tablet.stats.clone();
    let started = Instant::now();
    let pulled = tablet.pull().await.expect("first sync");
    let wall = started.elapsed();
    assert_eq!(pulled, Pulled::Snapshot, "a new tablet takes a snapshot");
    let (requests, wire_bytes, body_bytes) = since(&before, &tablet.stats);
    let run = FirstSync {
        wall,
        requests,
        wire_bytes,
        body_bytes,
        entries: tablet.entries.len(),
        residents: tablet.residents.len(),
    };
    (tablet, run)
}

/// The same requests and the same work as the native tablet's first sync, asking for
/// brotli (what a browser asks for). The test client decodes only gzip, so this does
/// its own requests.
async fn first_sync_brotli(base: &str, token: &str) -> FirstSync {
    let mut raw = Raw::new(base, token, "br");
    let started = Instant::now();
    let status: SyncStatus = raw.get("/api/v1/sync/status").await;
    assert_eq!(
        plan::plan_pull(None, &status),
        Pull::Snapshot,
        "an empty copy takes a snapshot"
    );
    let first: SnapshotPage = raw.get("/api/v1/sync/snapshot").await;
    let pinned = first.pinned.clone();
    let mut residents: HashMap<PersonId, Resident> =
        first.residents.into_iter().map(|r| (r.id, r)).collect();
    let mut entries: HashMap<EntryId, Entry> =
        first.entries.into_iter().map(|e| (e.id, e)).collect();
    let mut next = first.next;
    while let Some(token) = next {
        let page: SnapshotPage = raw
            .get(&format!("/api/v1/sync/snapshot?page={token}"))
            .await;
        entries.extend(page.entries.into_iter().map(|e| (e.id, e)));
        next = page.next;
    }
    let mut cursor = pinned;
    loop {
        let page: ChangesPage = raw
            .get(&format!("/api/v1/sync/changes?since={cursor}"))
            .await;
        let held: HashMap<EntryId, u32> = entries.iter().map(|(id, e)| (*id, e.version)).collect();
        for op in plan::apply_changes(&held, &page.changes) {
            match op {
                LocalOp::PutResident(r) => {
                    residents.insert(r.id, r);
                }
                LocalOp::RemoveResident(p) => {
                    residents.remove(&p);
                    entries.retain(|_, e| e.person_id != p);
                }
                LocalOp::PutEntry(e) => {
                    entries.insert(e.id, e);
                }
            }
        }
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    FirstSync {
        wall: started.elapsed(),
        requests: raw.requests,
        wire_bytes: raw.wire_bytes,
        body_bytes: raw.body_bytes,
        entries: entries.len(),
        residents: residents.len(),
    }
}

/// GETs with one `Accept-Encoding`, counting requests and bytes, decoding brotli itself.
struct Raw {
    http: reqwest::Client,
    base: String,
    token: String,
    encoding: &'static str,
    requests: u64,
    wire_bytes: u64,
    body_bytes: u64,
}

impl Raw {
    fn new(base: &str, token: &str, encoding: &'static str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_gzip()
                .no_brotli()
                .build()
                .expect("http client"),
            base: base.to_owned(),
            token: token.to_owned(),
            encoding,
            requests: 0,
            wire_bytes: 0,
            body_bytes: 0,
        }
    }

    async fn get<T: DeserializeOwned>(&mut self, path: &str) -> T {
        self.requests += 1;
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(ACCEPT_ENCODING, self.encoding)
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), 200, "GET {path}");
        let encoding = res
            .headers()
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw = res.bytes().await.expect("the body");
        let body = match encoding.as_deref() {
            Some("br") => {
                let mut out = Vec::with_capacity(raw.len() * 8);
                brotli_decompressor::Decompressor::new(&raw[..], 64 * 1024)
                    .read_to_end(&mut out)
                    .expect("brotli");
                out
            }
            None | Some("identity") => raw.to_vec(),
            Some(other) => panic!("asked for {}, got {other}", self.encoding),
        };
        self.wire_bytes += raw.len() as u64;
        self.body_bytes += body.len() as u64;
        serde_json::from_slice(&body).expect("a body the contract describes")
    }
}

/// Request times and the size of one answer.
struct Timed {
    times: Vec<Duration>,
    wire_bytes: u64,
    body_bytes: u64,
}

/// The tablet's pull when nothing changed: one status request that says so.
async fn no_change_pulls(tablet: &mut Tablet, runs: usize) -> Timed {
    for _ in 0..WARM_UP {
        tablet.pull().await.expect("pull");
    }
    let before = tablet.stats.clone();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let pulled = tablet.pull().await.expect("pull");
        times.push(started.elapsed());
        assert_eq!(pulled, Pulled::UpToDate, "nothing changed");
    }
    let (requests, wire, body) = since(&before, &tablet.stats);
    assert_eq!(requests, runs as u64, "one request each");
    times.sort();
    Timed {
        times,
        wire_bytes: wire / runs as u64,
        body_bytes: body / runs as u64,
    }
}

/// Changes since the head: what a tablet that skipped the status check would get.
async fn empty_changes_pages(tablet: &mut Tablet, runs: usize) -> Timed {
    let cursor = tablet.cursor.clone().expect("synced");
    let path = format!("/api/v1/sync/changes?since={cursor}");
    let mut times = Vec::with_capacity(runs);
    let mut wire_bytes = 0;
    let mut body_bytes = 0;
    for i in 0..WARM_UP + runs {
        let started = Instant::now();
        let reply = tablet
            .request::<()>(reqwest::Method::GET, &path, None)
            .await
            .expect("changes");
        let took = started.elapsed();
        assert_eq!(reply.status, 200);
        let page: ChangesPage = reply.json().expect("a changes page");
        assert!(page.changes.is_empty() && !page.more, "nothing changed");
        if i >= WARM_UP {
            times.push(took);
            wire_bytes = reply.wire_bytes as u64;
            body_bytes = reply.body.len() as u64;
        }
    }
    times.sort();
    Timed {
        times,
        wire_bytes,
        body_bytes,
    }
}

struct Pushes {
    /// A push of 100 in one request, per round (sorted).
    whole: Vec<Duration>,
    /// 100 in 10 requests of 10, per round (sorted).
    split_total: Vec<Duration>,
    /// Each of those requests (sorted).
    split_requests: Vec<Duration>,
    /// The pull that brings the server's versions back, per round (sorted).
    pull_back: Vec<Duration>,
    sent_bytes: u64,
}

/// Records 100 mutations on the tablet: notes and observation sets, across residents.
fn record_hundred(tablet: &mut Tablet, round: usize) -> Vec<uuid::Uuid> {
    let people: Vec<PersonId> = tablet.residents.keys().copied().collect();
    assert!(!people.is_empty(), "the home has residents");
    (0..PUSH_SIZE)
        .map(|i| {
            let person = people[(round * PUSH_SIZE + i) % people.len()];
            if i % 2 == 0 {
                tablet.add_note(
                    person,
                    NoteCategory::NutritionAndFluids,
                    "Offered a drink and a biscuit mid-morning; drank a full cup of tea.",
                )
            } else {
                let v = (i % 7) as u16;
                tablet.add_observations(
                    person,
                    Observations {
                        respiration_rate: 14 + v,
                        spo2: 94 + (v % 4),
                        air_or_oxygen: AirOrOxygen::Air,
                        systolic_bp: 118 + 3 * v,
                        pulse: 68 + 2 * v,
                        consciousness: Consciousness::Alert,
                        temperature_tenths: 364 + v as i16,
                    },
                )
            }
        })
        .collect()
}

fn all_applied(tablet: &Tablet, ids: &[uuid::Uuid]) {
    for id in ids {
        match tablet.outcome(*id) {
            Some(Outcome::Applied { .. }) => {}
            other => panic!("a benchmark mutation was not applied: {other:?}"),
        }
    }
}

async fn pushes(tablet: &mut Tablet) -> Pushes {
    let mut p = Pushes {
        whole: Vec::new(),
        split_total: Vec::new(),
        split_requests: Vec::new(),
        pull_back: Vec::new(),
        sent_bytes: 0,
    };
    for round in 0..PUSH_ROUNDS {
        // All 100 in one request.
        tablet.push_batch = PUSH_SIZE;
        let ids = record_hundred(tablet, round);
        let sent_before = tablet.stats.sent_bytes;
        let started = Instant::now();
        let after = tablet.push().await.expect("push");
        p.whole.push(started.elapsed());
        p.sent_bytes += tablet.stats.sent_bytes - sent_before;
        assert_eq!(after, AfterPush::Done);
        all_applied(tablet, &ids);
        let started = Instant::now();
        let pulled = tablet.pull().await.expect("pull");
        p.pull_back.push(started.elapsed());
        assert!(matches!(pulled, Pulled::Changes(_)), "{pulled:?}");

        // The same in requests of 10, each timed.
        let ids = record_hundred(tablet, round + PUSH_ROUNDS);
        let started = Instant::now();
        loop {
            let sent = plan::next_push(&tablet.outbox, SPLIT_BATCH);
            if sent.is_empty() {
                break;
            }
            let one = Instant::now();
            let reply = tablet.send_push(&sent).await.expect("push");
            p.split_requests.push(one.elapsed());
            if tablet.record_reply(&sent, reply) == AfterPush::Later {
                panic!("the server asked for a push to wait");
            }
        }
        p.split_total.push(started.elapsed());
        all_applied(tablet, &ids);
        tablet.pull().await.expect("pull");
    }
    p.whole.sort();
    p.split_total.sort();
    p.split_requests.sort();
    p.pull_back.sort();
    p
}

// ----- the browser -----

/// The release server and the built app, from `cargo xtask bench sync` (or defaults).
fn browser_paths() -> Result<(PathBuf, PathBuf), String> {
    let root = workspace_root();
    // By default the server built next to this binary (the same target directory and
    // profile): `cargo build --release -p bedside-backend --bin bedside`.
    let bin = match std::env::var_os("BEDSIDE_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("bedside")))
            .ok_or("cannot tell where this benchmark's binary is; set BEDSIDE_BIN")?,
    };
    let dist = std::env::var_os("BEDSIDE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("dist"));
    if !bin.exists() {
        return Err(format!(
            "no server binary at {} (run through `cargo xtask bench sync`, build it with \
             `cargo build --release -p bedside-backend --bin bedside`, or set BEDSIDE_BIN)",
            bin.display()
        ));
    }
    if !dist.join("index.html").exists() {
        return Err(format!(
            "no built app in {} (run `cargo xtask dist`, or set BEDSIDE_DIST)",
            dist.display()
        ));
    }
    Ok((bin, dist))
}

/// Runs `tests/e2e/bench/sync.mjs` on the stopped server's database; its figures come
/// back as one JSON line on its stdout (its progress goes to stderr).
fn run_browser(db: &Path, sign_ins: usize, summaries: usize) -> Result<Value, String> {
    let (bin, dist) = browser_paths()?;
    let e2e = workspace_root().join("tests/e2e");
    eprintln!("Starting the release server and headless Chromium on the same database…");
    let out = Command::new("node")
        .arg(e2e.join("bench/sync.mjs"))
        .current_dir(&e2e)
        .env("BEDSIDE_BIN", &bin)
        .env("BEDSIDE_DIST", &dist)
        .env("BENCH_DB", db)
        .env("BENCH_USERNAME", home::MANAGER)
        .env("BENCH_PASSWORD", bedside_demo::DEMO_PASSWORD)
        .env("BENCH_SIGN_INS", sign_ins.to_string())
        .env("BENCH_SUMMARIES", summaries.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start node: {e}"))?;
    if !out.status.success() {
        return Err(format!("the browser benchmark failed ({})", out.status));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("BENCH-RESULT "))
        .ok_or_else(|| "the browser benchmark printed no result".to_owned())
        .and_then(|json| serde_json::from_str(json).map_err(|e| e.to_string()))
}

fn f64s(v: &Value) -> Vec<Duration> {
    let mut d: Vec<Duration> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_f64)
                .map(|ms| Duration::from_secs_f64(ms / 1000.0))
                .collect()
        })
        .unwrap_or_default();
    d.sort();
    d
}

fn browser_rows(t: &mut Table, b: &Value) {
    let s = &b["signIn"];
    let u = |v: &Value| v.as_u64().unwrap_or(0);
    let wall_ms = s["ms"].as_f64().unwrap_or(0.0);
    let entries = u(&s["indexedDbEntries"]);
    let runs = b["signInMs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_f64)
                .map(|ms| format!("{:.2}", ms / 1000.0))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default();
    t.row(
        "first sync, Chromium into IndexedDB",
        format!("{:.2} s", wall_ms / 1000.0),
        format!(
            "\"Save PIN\" (enrolling the tablet) clicked until the header shows \"as of\"; {} entries/s; {} \
             requests; {} on the wire ({}), {} decoded; {} entries, {} residents in \
             IndexedDB; runs {runs} s",
            thousands((entries as f64 / (wall_ms / 1000.0).max(1e-9)) as u64),
            u(&s["requests"]),
            mb(u(&s["wireBytes"])),
            s["encodings"].as_str().unwrap_or("?"),
            mb(u(&s["bodyBytes"])),
            thousands(entries),
            u(&s["indexedDbResidents"])
        ),
    );
    let dom = f64s(&b["summaries"]["renderedMs"]);
    let painted = f64s(&b["summaries"]["paintedMs"]);
    t.row(
        "open a resident's summary, offline",
        p50_p95(&dom),
        format!(
            "click to banner + sections in the DOM, {} residents ({}-{} entries each); \
             to the next frame {}; max {:.1} ms",
            dom.len(),
            u(&b["summaries"]["minEntries"]),
            u(&b["summaries"]["maxEntries"]),
            p50_p95(&painted),
            ms(dom.last().copied().unwrap_or_default())
        ),
    );
    if let Some(v) = b["browser"].as_str() {
        t.row("browser", v.to_owned(), String::new());
    }
}

// ----- printing -----

#[derive(Default)]
struct Table {
    rows: Vec<(String, String, String)>,
}

impl Table {
    fn row(&mut self, name: &str, figure: String, detail: String) {
        self.rows.push((name.to_owned(), figure, detail));
    }

    fn print(&self) {
        let w0 = self.rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let w1 = self.rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        println!("  {:<w0$}  {:<w1$}  detail", "measure", "figure");
        println!(
            "  {}  {}  {}",
            "-".repeat(w0),
            "-".repeat(w1),
            "-".repeat(6)
        );
        for (name, figure, detail) in &self.rows {
            println!("  {name:<w0$}  {figure:<w1$}  {detail}");
        }
    }
}

fn p50_p95(sorted: &[Duration]) -> String {
    format!(
        "p50 {}, p95 {}",
        millis(percentile(sorted, 50.0)),
        millis(percentile(sorted, 95.0))
    )
}

/// Two decimals below 10 ms, one above (the page's clock has 0.1 ms steps).
fn millis(d: Duration) -> String {
    let v = ms(d);
    if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.1} ms")
    }
}

fn mb(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.2} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} KB", bytes as f64 / 1e3)
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
