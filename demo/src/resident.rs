//! Builds one resident: the order in which their story is made up, and the recorder that
//! turns each fact into an entry draft with its provenance.

use bedside_domain::NhsNumber;
use bedside_domain::record::{EntryBody, Provenance};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::clinical::{
    self, AllergyPlan, Med, base_medicines, choose_allergens, choose_conditions, emit_allergies,
    emit_conditions, emit_labs, emit_medicines, fit_medicines, has_active, m,
};
use crate::episodes::{current_stay, emit_current_stay, emit_stays, emit_urgent_care, plan_stays};
use crate::orgs::{HomeSpec, Org, Practice};
use crate::people::{emit_about_me, new_profile, set_function};
use crate::random::{Gen, days_before, midnight};
use crate::{EntryDraft, Resident};
use bedside_domain::record::ResidencyStatus;

/// Where and when: the home, the resident's GP and pharmacy, and "today".
pub(crate) struct Ctx<'a> {
    pub anchor: NaiveDate,
    pub home: &'a HomeSpec,
    pub home_org: Org,
    pub practice: Practice,
    pub pharmacy: Org,
    /// The most recent day of the home's 28-day medicines cycle.
    pub last_cycle: NaiveDate,
}

/// What the dataset decides for a resident before they are made up, so that the demo is
/// sure to show every case (allergies recorded or not, in hospital, awaiting supply).
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub room: String,
    pub allergy: AllergyPlan,
    pub advance_care_plan: bool,
    pub in_hospital: bool,
    pub awaiting_supply: bool,
}

/// Collects a resident's entries with provenance. Nothing is ever dated on or after the
/// anchor day: "today" has not happened yet when the demo starts.
pub(crate) struct Out {
    entries: Vec<EntryDraft>,
    limit: DateTime<Utc>,
    source_prefix: String,
    next: u32,
}

impl Out {
    fn new(anchor: NaiveDate, nhs: &NhsNumber) -> Self {
        Self {
            entries: Vec::new(),
            limit: midnight(anchor) - TimeDelta::minutes(1),
            source_prefix: nhs.digits(),
            next: 1,
        }
    }

    /// An entry sent by an outside organisation, received a little after it was written.
    pub(crate) fn push(
        &mut self,
        rng: &mut Gen,
        org: &Org,
        author: Option<String>,
        authored_at: DateTime<Utc>,
        body: EntryBody,
    ) {
        let delay = TimeDelta::minutes(rng.int(2, 95));
        let source_id = Some(format!("{}-{:04}", self.source_prefix, self.next));
        self.next += 1;
        self.record(
            org,
            author,
            authored_at,
            delay,
            org.system.map(str::to_string),
            source_id,
            body,
        );
    }

    /// An entry written at the home on a tablet, synced within a couple of minutes.
    pub(crate) fn push_home(
        &mut self,
        rng: &mut Gen,
        ctx: &Ctx<'_>,
        author: Option<String>,
        authored_at: DateTime<Utc>,
        body: EntryBody,
    ) {
        let delay = TimeDelta::minutes(rng.int(0, 2));
        self.record(&ctx.home_org, author, authored_at, delay, None, None, body);
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        org: &Org,
        author: Option<String>,
        authored_at: DateTime<Utc>,
        delay: TimeDelta,
        system: Option<String>,
        source_id: Option<String>,
        body: EntryBody,
    ) {
        debug_assert!(
            authored_at < self.limit,
            "{authored_at} is not before the anchor day ({:?})",
            body.kind()
        );
        let authored_at = authored_at.min(self.limit);
        let received_at = (authored_at + delay).min(self.limit);
        self.entries.push(EntryDraft {
            provenance: Provenance {
                organisation: org.name.to_string(),
                ods_code: Some(org.ods.to_string()),
                system,
                source_id,
                author,
                authored_at,
                received_at,
            },
            body,
        });
    }
}

pub(crate) fn build(seed: u64, ctx: &Ctx<'_>, plan: &Plan, nhs_number: NhsNumber) -> Resident {
    let anchor = ctx.anchor;
    let mut rng = Gen::new(seed);
    let mut p = new_profile(&mut rng, anchor);
    p.diagnoses = choose_conditions(&mut rng, &p, anchor);
    set_function(&mut rng, &mut p);
    p.allergy_plan = plan.allergy;
    p.allergens = choose_allergens(&mut rng, plan.allergy);

    let mut meds = base_medicines(&mut rng, &p, anchor);
    let stays = plan_stays(&mut rng, ctx, &mut p, &mut meds);
    if plan.awaiting_supply {
        meds.push(awaiting_supply(&mut rng, &p, &meds, anchor));
    }
    let since = days_before(p.admitted_on, 365);
    fit_medicines(&mut rng, &mut meds, anchor, since);
    p.medicines = meds;
    p.diagnoses.sort_by_key(|d| d.onset);

    let current = plan.in_hospital.then(|| current_stay(&mut rng, ctx, &p));

    let mut out = Out::new(anchor, &nhs_number);
    emit_conditions(&mut rng, ctx, &p, &mut out);
    emit_allergies(&mut rng, ctx, &p, &mut out);
    emit_medicines(&mut rng, ctx, &p.medicines, &mut out);
    let mut draws: Vec<clinical::Draw> = stays.iter().map(|s| s.draw()).collect();
    if let Some(c) = &current {
        draws.push(c.draw());
    }
    emit_labs(&mut rng, ctx, &p, &draws, &mut out);
    emit_stays(&mut rng, ctx, &p, &stays, &mut out);
    if let Some(c) = &current {
        emit_current_stay(&mut rng, ctx, &p, c, &mut out);
    }
    emit_urgent_care(&mut rng, ctx, &p, &stays, &mut out);
    if plan.advance_care_plan {
        crate::care::emit_advance_care_plan(&mut rng, ctx, &p, &stays, &mut out);
    }
    crate::care::emit_care_plan(&mut rng, ctx, &p, &mut out);
    emit_about_me(&mut rng, ctx, &p, &mut out);

    let mut entries = out.entries;
    // A record reads as a timeline; the sort is stable, so ties keep their made-up order.
    entries.sort_by_key(|e| e.provenance.authored_at);

    Resident {
        nhs_number,
        name: p.name,
        birth_date: p.birth_date,
        sex: p.sex,
        gp_practice: Some(ctx.practice.org.name.to_string()),
        room: plan.room.clone(),
        admitted_on: p.admitted_on,
        status: if plan.in_hospital {
            ResidencyStatus::InHospital
        } else {
            ResidencyStatus::InHome
        },
        entries,
    }
}

/// A prescription the GP issued in the last few days that the pharmacy has not delivered.
fn awaiting_supply(
    rng: &mut Gen,
    p: &crate::people::Profile,
    meds: &[Med],
    anchor: NaiveDate,
) -> Med {
    let spec = if p.female()
        && !p.has(clinical::Cond::Ckd3)
        && !has_active(meds, "Nitrofurantoin")
        && rng.chance(50)
    {
        &m::NITROFURANTOIN
    } else {
        &m::DOXYCYCLINE
    };
    let mut med = Med::new(spec, days_before(anchor, rng.int(2, 5)), 0);
    med.awaiting = true;
    med
}
