//! Prints what the default demo dataset holds: counts per home and per kind of entry,
//! and optionally one resident's record in full (`-- --resident N`), to read the text.

use std::collections::BTreeMap;

use bedside_demo::{DEFAULT_SEED, Resident, generate};
use bedside_domain::record::EntryBody;
use chrono::NaiveDate;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let anchor = args
        .iter()
        .position(|a| a == "--anchor")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(2026, 11, 12).expect("valid date"));
    let data = generate(DEFAULT_SEED, anchor);
    if let Some(n) = args
        .iter()
        .position(|a| a == "--resident")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<usize>().ok())
    {
        if let Some(r) = data.residents().nth(n) {
            print_resident(r);
        }
        return;
    }
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for r in data.residents() {
        for e in &r.entries {
            *kinds.entry(e.body.kind().as_str()).or_default() += 1;
        }
    }
    for h in &data.homes {
        let entries: usize = h.residents.iter().map(|r| r.entries.len()).sum();
        println!(
            "{}: {} residents, {} staff, {} entries",
            h.name,
            h.residents.len(),
            h.staff.len(),
            entries
        );
    }
    println!("total entries: {}", data.entry_count());
    for (kind, n) in kinds {
        println!("  {kind}: {n}");
    }
}

/// One line per entry (medicine supplies and lab results summarised), documents in full.
fn print_resident(r: &Resident) {
    println!(
        "{} ({:?}) born {} room {} admitted {} status {:?} GP {:?} NHS {}",
        r.name.full(),
        r.name.preferred,
        r.birth_date,
        r.room,
        r.admitted_on,
        r.status,
        r.gp_practice,
        r.nhs_number
    );
    for e in &r.entries {
        let p = &e.provenance;
        let head = format!(
            "{} | {} | {}",
            p.authored_at.format("%Y-%m-%d %H:%M"),
            p.organisation,
            p.author.as_deref().unwrap_or("-")
        );
        match &e.body {
            EntryBody::MedicationSupply { .. } => {}
            EntryBody::LabResult {
                test, value, flag, ..
            } => {
                println!("{head} | lab {} {:?} {:?}", test.text, value, flag)
            }
            EntryBody::Document {
                title,
                sections,
                period_start,
                period_end,
                ..
            } => {
                println!("{head} | DOCUMENT {title} {period_start:?}..{period_end:?}");
                for s in sections {
                    println!("    [{}]\n    {}", s.title, s.text.replace('\n', "\n    "));
                }
            }
            other => println!("{head} | {other:?}"),
        }
    }
}
