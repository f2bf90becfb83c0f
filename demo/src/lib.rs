//! Synthetic demo data: two care homes, their staff, and residents with realistic but
//! entirely invented records (conditions, medicines and supplies, blood results, hospital
//! stays and discharge summaries, ambulance and ED summaries, allergies, ReSPECT/DNACPR,
//! care plans and About Me).
//!
//! [`generate`] is deterministic: the same seed and anchor date give the same dataset on
//! every platform, byte for byte. So every choice is drawn from seeded ChaCha8 streams
//! through fixed-width integer ranges, only vectors are iterated (never hash maps), numbers
//! stay integers until they become a lab value, and no clock is read: "today" is the anchor
//! passed in, and nothing is dated on or after it.
//!
//! No real person's data is used: names are drawn from lists and combined at random, NHS
//! numbers are in the 999 test range, and organisations and their codes are invented.

mod care;
mod clinical;
mod episodes;
mod names;
mod orgs;
mod people;
mod random;
mod resident;

use std::collections::BTreeSet;

use bedside_domain::api::Role;
use bedside_domain::record::{
    Entry, EntryBody, EntryStatus, PersonName, Provenance, ResidencyStatus, Sex,
};
use bedside_domain::{EntryId, NhsNumber, PersonId};
use chrono::NaiveDate;

use crate::clinical::AllergyPlan;
use crate::orgs::{HOMES, HomeSpec, Org};
use crate::random::{Gen, days_before};
use crate::resident::{Ctx, Plan};

/// The seed of the demo everyone sees.
pub const DEFAULT_SEED: u64 = 0xBED5_1DE0_2026;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password";

#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub homes: Vec<Home>,
}

impl Dataset {
    pub fn residents(&self) -> impl Iterator<Item = &Resident> {
        self.homes.iter().flat_map(|h| h.residents.iter())
    }

    pub fn entry_count(&self) -> usize {
        self.residents().map(|r| r.entries.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Home {
    pub name: String,
    /// The home's (invented) ODS-like code, as on its own entries' provenance.
    pub ods_code: String,
    pub staff: Vec<Staff>,
    pub residents: Vec<Resident>,
}

/// A demo account. Every demo account's password is [`DEMO_PASSWORD`].
#[derive(Debug, Clone, PartialEq)]
pub struct Staff {
    pub username: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub nhs_number: NhsNumber,
    pub name: PersonName,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub gp_practice: Option<String>,
    pub room: String,
    pub admitted_on: NaiveDate,
    pub status: ResidencyStatus,
    /// Oldest first by when they were written.
    pub entries: Vec<EntryDraft>,
}

/// An entry before it has an id: what it says and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryDraft {
    pub provenance: Provenance,
    pub body: EntryBody,
}

impl EntryDraft {
    /// The entry at version 1, once the store has given it an id.
    pub fn into_entry(self, id: EntryId, person_id: PersonId) -> Entry {
        Entry {
            id,
            person_id,
            version: 1,
            status: EntryStatus::Current,
            provenance: self.provenance,
            body: self.body,
        }
    }
}

/// Generates the demo homes, staff and residents. `anchor` is "today" for the data: the
/// latest entries are from the day before.
pub fn generate(seed: u64, anchor: NaiveDate) -> Dataset {
    let mut rng = Gen::new(seed);
    let mut used_numbers: BTreeSet<NhsNumber> = BTreeSet::new();

    // Cases the demo must show, spread across both homes: two or three residents in
    // hospital (at least one per home) and one or two prescriptions awaiting supply.
    let in_hospital = [1, if rng.chance(50) { 1 } else { 2 }];
    let awaiting_total = if rng.chance(50) { 1 } else { 2 };
    let awaiting_oak = if awaiting_total == 2 || rng.chance(50) {
        1
    } else {
        0
    };
    let awaiting = [awaiting_oak, awaiting_total - awaiting_oak];

    let mut homes = Vec::new();
    for (i, spec) in HOMES.iter().enumerate() {
        let plans = plan_home(&mut rng, spec, in_hospital[i], awaiting[i]);
        let home_org = Org {
            name: spec.name,
            ods: spec.ods,
            system: None,
        };
        let last_cycle = days_before(anchor, rng.int(2, 24));
        let mut residents = Vec::with_capacity(plans.len());
        for plan in &plans {
            let nhs_number = new_nhs_number(&mut rng, &mut used_numbers);
            let ctx = Ctx {
                anchor,
                home: spec,
                home_org,
                practice: *rng.pick(spec.practices),
                pharmacy: spec.pharmacy,
                last_cycle,
            };
            let seed = rng.seed();
            residents.push(resident::build(seed, &ctx, plan, nhs_number));
        }
        homes.push(Home {
            name: spec.name.to_string(),
            ods_code: spec.ods.to_string(),
            staff: staff_for(spec),
            residents,
        });
    }
    Dataset { homes }
}

fn staff_for(spec: &HomeSpec) -> Vec<Staff> {
    let mut staff: Vec<Staff> = [
        ("carer", Role::Carer),
        ("senior", Role::Senior),
        ("manager", Role::Manager),
    ]
    .into_iter()
    .map(|(suffix, role)| Staff {
        username: format!("{}.{}", spec.staff_prefix, suffix),
        role,
    })
    .collect();
    // The administrator belongs to the first home, so that signing in lands somewhere.
    if spec.staff_prefix == "oak" {
        staff.push(Staff {
            username: "admin".to_string(),
            role: Role::Admin,
        });
    }
    staff
}

/// Room names as the home's doors show them.
fn rooms(spec: &HomeSpec) -> Vec<String> {
    if spec.residents <= 44 {
        // Oak Lodge, like many homes, has no room 13.
        (1..=44)
            .map(|n| {
                if n == 13 {
                    "12A".to_string()
                } else {
                    n.to_string()
                }
            })
            .collect()
    } else {
        let floors = ["G", "1", "2"];
        let per_floor = spec.residents.div_ceil(floors.len()) + 2;
        floors
            .iter()
            .flat_map(|f| {
                (1..=per_floor).map(move |n| {
                    if *f == "G" {
                        format!("G{n}")
                    } else {
                        format!("{f}{n:02}")
                    }
                })
            })
            .collect()
    }
}

fn plan_home(rng: &mut Gen, spec: &HomeSpec, in_hospital: usize, awaiting: usize) -> Vec<Plan> {
    let n = spec.residents;
    let mut all_rooms = rooms(spec);
    rng.shuffle(&mut all_rooms);

    // About a third with allergies, a few with nothing recorded, the rest "none known".
    let allergic = n / 3;
    let not_recorded = (n * 7 / 100).max(1);
    let mut allergy: Vec<AllergyPlan> = (0..n)
        .map(|i| {
            if i < allergic {
                AllergyPlan::Allergic
            } else if i < allergic + not_recorded {
                AllergyPlan::NotRecorded
            } else {
                AllergyPlan::NoneKnown
            }
        })
        .collect();
    rng.shuffle(&mut allergy);
    let without_acp = (n / 10).max(1);
    let mut acp: Vec<bool> = (0..n).map(|i| i >= without_acp).collect();
    rng.shuffle(&mut acp);
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let hospital: Vec<usize> = order[..in_hospital].to_vec();
    let awaiting: Vec<usize> = order[in_hospital..in_hospital + awaiting].to_vec();

    (0..n)
        .map(|i| Plan {
            room: all_rooms[i].clone(),
            allergy: allergy[i],
            advance_care_plan: acp[i],
            in_hospital: hospital.contains(&i),
            awaiting_supply: awaiting.contains(&i),
        })
        .collect()
}

/// A valid NHS number in the 999 test range that no one else in the dataset has.
fn new_nhs_number(rng: &mut Gen, used: &mut BTreeSet<NhsNumber>) -> NhsNumber {
    loop {
        let mut prefix = [9u8; 9];
        for d in prefix.iter_mut().skip(3) {
            *d = rng.int(0, 9) as u8;
        }
        if let Some(n) = NhsNumber::from_prefix(prefix)
            && used.insert(n)
        {
            return n;
        }
    }
}
