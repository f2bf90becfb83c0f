//! Shared by the integration tests: fixtures, contexts, resolvers and demo data as
//! domain entries.

#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use bedside_domain::record::{Entry, Resident};
use bedside_domain::{EntryId, HomeId, PersonId};
use bedside_fhir::inbound::{Context, Draft, Interpreted, Meaning, NoResolver, Resolver};
use chrono::NaiveDate;
use serde_json::Value;
use uuid::Uuid;

pub const SOURCE: &str = "Test Source Trust";

pub fn fixture(name: &str) -> Value {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "tests",
        "fixtures",
        "ukcore",
        name,
    ]
    .iter()
    .collect();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub fn ctx() -> Context<'static> {
    Context {
        source_name: SOURCE,
        resolver: &NoResolver,
    }
}

/// Finds resources by full URL or `Type/id`.
#[derive(Default)]
pub struct MapResolver(pub HashMap<String, Value>);

impl MapResolver {
    pub fn add(&mut self, full_url: Option<&str>, resource: &Value) {
        if let Some(u) = full_url {
            self.0.insert(u.to_owned(), resource.clone());
        }
        if let (Some(t), Some(id)) = (resource["resourceType"].as_str(), resource["id"].as_str()) {
            self.0.insert(format!("{t}/{id}"), resource.clone());
        }
    }

    pub fn of_bundle(bundle: &Value) -> Self {
        let mut r = Self::default();
        for e in bundle["entry"].as_array().into_iter().flatten() {
            r.add(e["fullUrl"].as_str(), &e["resource"]);
        }
        r
    }
}

impl Resolver for MapResolver {
    fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>> {
        self.0.get(reference).map(Cow::Borrowed)
    }
}

pub fn drafts(i: &Interpreted) -> &[Draft] {
    match &i.meaning {
        Meaning::Record { entries, .. } => entries,
        _ => &[],
    }
}

pub fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 12).expect("valid date")
}

/// The demo dataset as residents and entries with stable ids.
pub fn demo() -> Vec<(Resident, Vec<Entry>)> {
    let data = bedside_demo::generate(bedside_demo::DEFAULT_SEED, anchor());
    let mut n: u128 = 1;
    let mut out = Vec::new();
    for (h, home) in data.homes.iter().enumerate() {
        let home_id = HomeId(Uuid::from_u128(0xA000 + h as u128));
        for r in &home.residents {
            n += 1;
            let person = PersonId(Uuid::from_u128(0xB000_0000 + n));
            let resident = Resident {
                id: person,
                home_id,
                nhs_number: r.nhs_number,
                name: r.name.clone(),
                birth_date: r.birth_date,
                sex: r.sex,
                gp_practice: r.gp_practice.clone(),
                room: r.room.clone(),
                admitted_on: r.admitted_on,
                status: r.status,
                spo2_scale: Default::default(),
            };
            let entries = r
                .entries
                .iter()
                .cloned()
                .map(|d| {
                    n += 1;
                    d.into_entry(EntryId(Uuid::from_u128(0xC000_0000_0000 + n)), person)
                })
                .collect();
            out.push((resident, entries));
        }
    }
    out
}
