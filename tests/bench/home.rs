//! The home the sync benchmark syncs: the demo generator's residents gathered into one
//! home, with home-authored care notes added until the home holds about as many entries
//! as asked for.
//!
//! The demo's records of a resident are what outside organisations sent (hospital, GP,
//! pharmacy, ambulance, lab) plus what the home wrote (care plans, About Me). That is
//! some tens of entries a resident, well short of the hundreds a home builds up, and
//! most of the difference in a real home is the daily notes. So the rest are care notes:
//! four a day per resident (morning, midday, teatime, night), on consecutive days back
//! from the day before "today", spread evenly across residents. The text is drawn from a
//! list of invented, typical notes; nothing is about anyone real.
//!
//! Everything is loaded by [`bedside_backend::demo::load`], the path the demo data takes:
//! outside records as FHIR Bundles through the ingest engine, what the home wrote
//! straight into the store, as the sync push does.

use bedside_demo::{Dataset, EntryDraft, Home, Staff};
use bedside_domain::api::Role;
use bedside_domain::record::{EntryBody, NoteCategory, Provenance};
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub const HOME_NAME: &str = "Bench House";
/// An invented ODS-like code, as on the home's own entries.
const HOME_ODS: &str = "VZ9BH";
/// The member of staff the tablets sign in as (every demo password is the same).
pub const USERNAME: &str = "bench.carer";
/// The manager who enrols the browser bench's tablet (and then syncs on it).
pub const MANAGER: &str = "bench.manager";
/// Care notes per resident per day.
pub const NOTES_PER_DAY: usize = 4;
/// When in the day each of them is written (hour, UTC).
const NOTE_HOURS: [u32; NOTES_PER_DAY] = [8, 12, 17, 22];

/// The home, and what it is made of.
pub struct BenchHome {
    pub dataset: Dataset,
    pub residents: usize,
    /// Entries as the demo generator made them (outside and home-authored).
    pub demo_entries: usize,
    pub added_notes: usize,
    /// How many days back the added notes go.
    pub note_days: usize,
}

/// `residents` of the demo's residents (the largest home's first) in one home, with care
/// notes added to reach about `entries` entries in all.
pub fn generate(residents: usize, entries: usize, anchor: NaiveDate) -> BenchHome {
    let mut data = bedside_demo::generate(bedside_demo::DEFAULT_SEED, anchor);
    data.homes
        .sort_by_key(|h| std::cmp::Reverse(h.residents.len()));
    let mut chosen = Vec::with_capacity(residents);
    for home in &data.homes {
        for r in &home.residents {
            if chosen.len() == residents {
                break;
            }
            let mut r = r.clone();
            // What the resident's own home wrote becomes this home's.
            for e in &mut r.entries {
                if e.provenance.ods_code.as_deref() == Some(home.ods_code.as_str()) {
                    e.provenance.organisation = HOME_NAME.to_owned();
                    e.provenance.ods_code = Some(HOME_ODS.to_owned());
                }
            }
            chosen.push(r);
        }
    }
    let demo_entries: usize = chosen.iter().map(|r| r.entries.len()).sum();

    let wanted = entries.saturating_sub(demo_entries);
    let mut notes = Notes::new(0x5EED_B0C5);
    let count = chosen.len().max(1);
    let mut note_days = 0;
    for (i, r) in chosen.iter_mut().enumerate() {
        let own = wanted / count + usize::from(i < wanted % count);
        note_days = note_days.max(own.div_ceil(NOTES_PER_DAY));
        for j in 0..own {
            let day = anchor - Duration::days(1 + (j / NOTES_PER_DAY) as i64);
            let hour = NOTE_HOURS[j % NOTES_PER_DAY];
            r.entries.push(notes.next(day, hour));
        }
    }
    let added_notes = if chosen.is_empty() { 0 } else { wanted };
    let residents = chosen.len();
    BenchHome {
        dataset: Dataset {
            homes: vec![Home {
                name: HOME_NAME.to_owned(),
                ods_code: HOME_ODS.to_owned(),
                staff: vec![
                    Staff {
                        username: USERNAME.to_owned(),
                        role: Role::Carer,
                    },
                    Staff {
                        username: "bench.senior".to_owned(),
                        role: Role::Senior,
                    },
                    Staff {
                        username: MANAGER.to_owned(),
                        role: Role::Manager,
                    },
                ],
                residents: chosen,
            }],
        },
        residents,
        demo_entries,
        added_notes,
        note_days,
    }
}

/// Invented care notes, drawn by a small deterministic generator (the same home every
/// run, so runs compare).
struct Notes {
    state: u64,
}

/// (category, weight out of 100, texts).
const KINDS: [(NoteCategory, u64, &[&str]); 6] = [
    (
        NoteCategory::PersonalCare,
        30,
        &[
            "Assisted with a full wash and dressing. Skin intact, no redness over pressure areas.",
            "Supported to shower; hair washed. Creams applied to both legs as per care plan.",
            "Continence pad changed twice overnight; skin checked and clean.",
            "Repositioned two-hourly overnight, settled between turns.",
            "Declined a wash this morning; offered again later and accepted a strip wash.",
            "Mouth care given, dentures cleaned and soaked overnight.",
        ],
    ),
    (
        NoteCategory::NutritionAndFluids,
        25,
        &[
            "Ate most of breakfast (porridge and toast). Drank 2 cups of tea.",
            "Lunch: ate half of the main course, all of the pudding. Encouraged with fluids.",
            "Fluid intake today about 1,300 ml; offered drinks hourly.",
            "Supper of soup and a sandwich, ate well. Fortified milkshake taken.",
            "Poor appetite at lunch; snack box left within reach and taken in the afternoon.",
            "Weighed today; weight recorded on the chart, stable since last month.",
        ],
    ),
    (
        NoteCategory::MoodAndBehaviour,
        15,
        &[
            "Bright and chatty this morning, joked with staff during breakfast.",
            "Unsettled in the late afternoon, asking for home; reassured with a walk and music.",
            "Quiet and withdrawn today; spent time one-to-one looking at family photographs.",
            "Slept well, no calls overnight.",
            "Became anxious at bath time; calmed when talked through each step.",
        ],
    ),
    (
        NoteCategory::Social,
        15,
        &[
            "Joined the afternoon singing group in the lounge and sang along.",
            "Daughter visited for an hour; they had tea in the garden room.",
            "Phone call with son in the evening, in good spirits afterwards.",
            "Took part in the armchair exercise session.",
            "Watched the film in the lounge with other residents.",
        ],
    ),
    (
        NoteCategory::Clinical,
        12,
        &[
            "District nurse visited to dress the leg ulcer; next visit in three days.",
            "GP reviewed on the weekly round; no changes to medicines.",
            "Complained of mild back pain; paracetamol given as prescribed, effective.",
            "Blood sugar checked before lunch, within the usual range.",
            "Chiropodist visited and cut toenails.",
        ],
    ),
    (
        NoteCategory::Incident,
        3,
        &[
            "Found sitting on the bedroom floor at 03:10, no injury seen; observations normal. Falls log completed.",
            "Small skin tear on the left forearm from a door frame; cleaned and dressed, family informed.",
        ],
    ),
];

impl Notes {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// splitmix64: enough for picking texts, and the same on every platform.
    fn draw(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next(&mut self, day: NaiveDate, hour: u32) -> EntryDraft {
        let mut roll = self.draw() % 100;
        let (category, texts) = KINDS
            .iter()
            .find_map(|(c, weight, texts)| {
                if roll < *weight {
                    Some((*c, *texts))
                } else {
                    roll -= weight;
                    None
                }
            })
            .unwrap_or((KINDS[0].0, KINDS[0].2));
        let text = texts[(self.draw() % texts.len() as u64) as usize];
        let minute = (self.draw() % 50) as i64;
        let authored_at: DateTime<Utc> = day
            .and_hms_opt(hour, 0, 0)
            .expect("a whole hour of a day")
            .and_utc()
            + Duration::minutes(minute);
        let author = if self.draw().is_multiple_of(4) {
            "bench.senior"
        } else {
            USERNAME
        };
        EntryDraft {
            provenance: Provenance {
                organisation: HOME_NAME.to_owned(),
                ods_code: Some(HOME_ODS.to_owned()),
                system: None,
                source_id: None,
                author: Some(author.to_owned()),
                authored_at,
                // Sent by the tablet a few minutes after it was written.
                received_at: authored_at + Duration::minutes(3),
            },
            body: EntryBody::CareNote {
                category,
                text: text.to_owned(),
            },
        }
    }
}
