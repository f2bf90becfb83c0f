//! Loading the synthetic demo data set into an empty database, through the same
//! operations an administrator uses.

use bedside_demo::Dataset;
use chrono::Utc;

use crate::admin::{self, AdminError};
use crate::store::{NewEntry, NewPerson, Store};

/// What was loaded, for the start-up message.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub homes: usize,
    pub staff: usize,
    pub residents: usize,
    pub entries: usize,
}

pub async fn load(store: &dyn Store, data: &Dataset) -> Result<Loaded, AdminError> {
    let mut loaded = Loaded::default();
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
            // Until FHIR ingest lands, people are written straight to the store.
            let person = store
                .upsert_person(
                    &NewPerson {
                        nhs_number: r.nhs_number,
                        name: r.name.clone(),
                        birth_date: r.birth_date,
                        sex: r.sex,
                        gp_practice: r.gp_practice.clone(),
                    },
                    Utc::now(),
                )
                .await?;
            admin::admit(
                store,
                home_id,
                r.nhs_number,
                &r.room,
                r.admitted_on,
                r.status,
            )
            .await?;
            let entries: Vec<NewEntry> = r
                .entries
                .iter()
                .map(|e| NewEntry {
                    provenance: e.provenance.clone(),
                    body: e.body.clone(),
                })
                .collect();
            store.add_entries(person, &entries).await?;
            loaded.residents += 1;
            loaded.entries += entries.len();
        }
    }
    Ok(loaded)
}
