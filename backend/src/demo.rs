//! Loading the synthetic demo data set into an empty database, through the same paths
//! real data takes: each outside organisation becomes a sending system whose records
//! arrive as FHIR transaction and document Bundles through the ingest engine; homes,
//! staff and residencies go through the administrative operations. Only what the home
//! itself wrote (care plans, About Me) is stored directly, as the tablets will write it.

use std::collections::BTreeMap;

use bedside_demo::{Dataset, Resident as DemoResident};
use bedside_domain::record::{Entry, Resident};
use bedside_domain::{EntryId, HomeId, PersonId};
use bedside_fhir::outbound::{self, TransactionOptions};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::admin::{self, AdminError};
use crate::fhir::engine::{Engine, IngestError, Method};
use crate::ingest_cli;
use crate::store::{NewEntry, SourceRecord, Store};

/// What was loaded, for the start-up message.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub homes: usize,
    pub staff: usize,
    pub sources: usize,
    pub residents: usize,
    pub entries: usize,
    pub bundles: usize,
}

/// A stable id from a name: the same demo gives the same resource ids every time.
fn derived(parts: &[&str]) -> Uuid {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The domain resident a demo resident is, for building their FHIR.
fn as_resident(r: &DemoResident, home: HomeId) -> Resident {
    Resident {
        id: PersonId(derived(&["patient", &r.nhs_number.digits()])),
        home_id: home,
        nhs_number: r.nhs_number,
        name: r.name.clone(),
        birth_date: r.birth_date,
        sex: r.sex,
        gp_practice: r.gp_practice.clone(),
        room: r.room.clone(),
        admitted_on: r.admitted_on,
        status: r.status,
        spo2_scale: Default::default(),
    }
}

/// The FHIR Bundles each outside organisation would send about a resident: one
/// transaction with everything but documents, and a document Bundle per document.
/// Keyed by (ODS code, organisation name), in a stable order. Shared with the ingest
/// benchmark.
pub fn fhir_bundles(
    r: &DemoResident,
    home: HomeId,
    home_ods: &str,
) -> BTreeMap<(String, String), Vec<serde_json::Value>> {
    let resident = as_resident(r, home);
    let mut by_source: BTreeMap<(String, String), Vec<Entry>> = BTreeMap::new();
    for (i, draft) in r.entries.iter().enumerate() {
        let ods = draft.provenance.ods_code.clone().unwrap_or_default();
        if ods == home_ods {
            continue;
        }
        let id = EntryId(derived(&["entry", &r.nhs_number.digits(), &i.to_string()]));
        by_source
            .entry((ods, draft.provenance.organisation.clone()))
            .or_default()
            .push(draft.clone().into_entry(id, resident.id));
    }
    by_source
        .into_iter()
        .map(|(key, entries)| {
            let mut bundles = vec![outbound::transaction_bundle(
                &resident,
                &entries,
                TransactionOptions::default(),
            )];
            bundles.extend(
                entries
                    .iter()
                    .filter_map(|e| outbound::document_bundle(&resident, e)),
            );
            (key, bundles)
        })
        .collect()
}

pub async fn load(
    store: &dyn Store,
    data: &Dataset,
    now: DateTime<Utc>,
) -> Result<Loaded, AdminError> {
    let mut loaded = Loaded::default();
    let mut sources: BTreeMap<String, SourceRecord> = BTreeMap::new();
    for home in &data.homes {
        let home_id = admin::add_home(store, &home.name).await?;
        loaded.homes += 1;
        for staff in &home.staff {
            admin::add_staff(
                store,
                home_id,
                &staff.username,
                staff.role,
                bedside_demo::DEMO_PASSWORD,
            )
            .await?;
            loaded.staff += 1;
        }
        for r in &home.residents {
            for ((ods, name), bundles) in fhir_bundles(r, home_id, &home.ods_code) {
                let source = match sources.get(&ods) {
                    Some(s) => s.clone(),
                    None => {
                        // The demo's sending systems get credentials nobody sees; a real
                        // one is given its credential by `bedside source add`.
                        ingest_cli::add_source(store, &ods, &name).await?;
                        let s = store.source_by_ods(&ods).await?.ok_or_else(|| {
                            AdminError::Invalid(format!("the source {ods} was not stored"))
                        })?;
                        loaded.sources += 1;
                        sources.insert(ods.clone(), s.clone());
                        s
                    }
                };
                let engine = Engine::new(store, &source, now);
                for bundle in bundles {
                    let result = if bundle["type"] == "document" {
                        engine
                            .single(&bundle, "Bundle", Method::Post, None)
                            .await
                            .map(|r| r.entries_written)
                    } else {
                        engine
                            .transaction(&bundle)
                            .await
                            .map(|r| r.counts.entries_written)
                    };
                    loaded.entries += result.map_err(|e| match e {
                        IngestError::Refused { issues, .. } => AdminError::Invalid(format!(
                            "the demo's FHIR from {name} was refused: {}",
                            issues
                                .iter()
                                .map(|i| format!("{} {:?}", i.diagnostics, i.expression))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )),
                        IngestError::Store(s) => AdminError::Store(s),
                    })?;
                    loaded.bundles += 1;
                }
            }
            admin::admit(
                store,
                home_id,
                r.nhs_number,
                &r.room,
                r.admitted_on,
                r.status,
            )
            .await?;
            let person = store.person_by_nhs(r.nhs_number).await?.ok_or_else(|| {
                AdminError::Invalid(format!("NHS number {} did not arrive", r.nhs_number))
            })?;
            let own: Vec<NewEntry> = r
                .entries
                .iter()
                .filter(|e| e.provenance.ods_code.as_deref() == Some(home.ods_code.as_str()))
                .map(|e| NewEntry {
                    provenance: e.provenance.clone(),
                    body: e.body.clone(),
                })
                .collect();
            store.add_entries(person, &own).await?;
            loaded.entries += own.len();
            loaded.residents += 1;
        }
    }
    Ok(loaded)
}
