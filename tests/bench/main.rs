//! Benchmarks that print figures (performance goals are measured here, not asserted in
//! tests). Run through `cargo xtask bench`, in release.
//!
//! `bench ingest [--residents N] [--concurrency C]`: the demo's records as the FHIR Bundles
//! real senders would post, over HTTP to the real server on a loopback port with a fresh
//! SQLite file; prints resources per second and the time per Bundle.
//!
//! `bench sync [--residents N] [--entries E] [--runs R] [--sign-ins B] [--summaries S] [--no-browser]`:
//! a home's first sync into a native client and into IndexedDB in headless Chromium, a
//! sync that finds nothing new, pushes of 100 mutations, and opening residents' summaries
//! offline (see `sync.rs`).

mod home;
mod sync;

use std::time::{Duration, Instant};

use bedside_tests::spawn_app;
use serde_json::Value;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ingest") => ingest(&args).await,
        Some("sync") => sync::run(&args).await,
        _ => {
            eprintln!(
                "usage: bench ingest [--residents N] [--concurrency C]\n       \
                 bench sync [--residents N] [--entries E] [--runs R] [--sign-ins B] [--summaries S] [--no-browser]"
            );
            std::process::exit(2);
        }
    }
}

/// One Bundle to post: where, what, and how many resources it carries.
struct Submission {
    path: &'static str,
    body: String,
    resources: usize,
}

async fn ingest(args: &[String]) {
    let residents = arg(args, "--residents", 160);
    let concurrency = arg(args, "--concurrency", 1).max(1);
    let app = spawn_app().await;
    let home = app.add_home("Bench House").await;
    let credential = app.add_source("ZBENCH", "Bench Sender").await;

    let anchor = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date");
    let data = bedside_demo::generate(bedside_demo::DEFAULT_SEED, anchor);
    let mut submissions = Vec::new();
    for (home_data, r) in data
        .homes
        .iter()
        .flat_map(|h| h.residents.iter().map(move |r| (h, r)))
        .take(residents)
    {
        for (_, bundles) in bedside_backend::demo::fhir_bundles(r, home, &home_data.ods_code) {
            for bundle in bundles {
                let document = bundle["type"] == "document";
                let resources = if document {
                    1
                } else {
                    bundle["entry"].as_array().map(Vec::len).unwrap_or(0)
                };
                submissions.push(Submission {
                    path: if document { "/fhir/Bundle" } else { "/fhir" },
                    body: bundle.to_string(),
                    resources,
                });
            }
        }
    }
    let total_resources: usize = submissions.iter().map(|s| s.resources).sum();
    let total_bytes: usize = submissions.iter().map(|s| s.body.len()).sum();
    eprintln!(
        "Posting {} Bundles ({} resources, {:.1} MB of JSON) for {} residents, {} at a time…",
        submissions.len(),
        total_resources,
        total_bytes as f64 / 1e6,
        residents,
        concurrency
    );

    let started = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(submissions.len());
    let mut failures = 0usize;
    let mut queue = submissions.into_iter();
    loop {
        let batch: Vec<Submission> = queue.by_ref().take(concurrency).collect();
        if batch.is_empty() {
            break;
        }
        let posts = batch.into_iter().map(|s| {
            let client = app.client.clone();
            let url = app.url(s.path);
            let credential = credential.clone();
            async move {
                let t = Instant::now();
                let res = client
                    .post(url)
                    .bearer_auth(credential)
                    .header("content-type", "application/fhir+json")
                    .body(s.body)
                    .send()
                    .await;
                let ok = match res {
                    Ok(r) => {
                        let good = r.status().is_success();
                        let _: Option<Value> = r.json().await.ok();
                        good
                    }
                    Err(_) => false,
                };
                (t.elapsed(), ok)
            }
        });
        let mut set = tokio::task::JoinSet::new();
        for post in posts {
            set.spawn(post);
        }
        while let Some(done) = set.join_next().await {
            match done {
                Ok((took, ok)) => {
                    latencies.push(took);
                    if !ok {
                        failures += 1;
                    }
                }
                Err(_) => failures += 1,
            }
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!("ingest benchmark (release, SQLite WAL synchronous=FULL, HTTP on loopback)");
    println!("  bundles            {}", latencies.len());
    println!("  resources          {total_resources}");
    println!(
        "  resources/bundle   {:.1} mean",
        total_resources as f64 / latencies.len().max(1) as f64
    );
    println!("  wall time          {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput         {:.0} resources/s",
        total_resources as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  per bundle         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    println!("  failed bundles     {failures}");
    if failures > 0 {
        std::process::exit(1);
    }
}
