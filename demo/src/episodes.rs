//! Hospital stays with their discharge summaries, the stay in progress for residents who
//! are in hospital now, and ambulance and emergency-department summaries.
//!
//! A stay is planned first, then it changes the resident's medicines (a medicine stopped
//! for a kidney injury, a dose raised for heart failure), and only then is the discharge
//! summary written, so that what the letter says matches the orders in the record.

use bedside_domain::record::{DocumentSection, DocumentType, EntryBody, StayStatus};
use chrono::NaiveDate;

use crate::clinical::{
    Allergen, Cond, Diagnosis, Draw, LabEffect, Med, MedSpec, anticoagulated, find_active,
    has_active, m,
};
use crate::orgs::{AMBULANCE, Hospital, PARAMEDICS};
use crate::people::{Mobility, Profile};
use crate::random::{Gen, days_after, days_before, label};
use crate::resident::{Ctx, Out};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Story {
    HipFracture,
    Pneumonia,
    UtiDelirium,
    CopdExacerbation,
    HeartFailure,
    KidneyInjury,
    FastAf,
    Hypoglycaemia,
    Cellulitis,
    HeadInjury,
    Stroke,
}

impl Story {
    fn length_of_stay(self) -> (i64, i64) {
        match self {
            Self::HipFracture => (9, 21),
            Self::Pneumonia => (4, 10),
            Self::UtiDelirium => (3, 8),
            Self::CopdExacerbation => (3, 7),
            Self::HeartFailure => (5, 12),
            Self::KidneyInjury => (3, 7),
            Self::FastAf => (2, 5),
            Self::Hypoglycaemia => (1, 3),
            Self::Cellulitis => (3, 7),
            Self::HeadInjury => (1, 2),
            Self::Stroke => (12, 26),
        }
    }

    /// What the hospital's stay record says, and the discharge summary's title.
    fn reason(self) -> &'static str {
        match self {
            Self::HipFracture => "Fractured neck of femur after a fall",
            Self::Pneumonia => "Community-acquired pneumonia",
            Self::UtiDelirium => "Urinary tract infection with delirium",
            Self::CopdExacerbation => "Infective exacerbation of COPD",
            Self::HeartFailure => "Decompensated heart failure",
            Self::KidneyInjury => "Acute kidney injury with dehydration",
            Self::FastAf => "Fast atrial fibrillation",
            Self::Hypoglycaemia => "Hypoglycaemia",
            Self::Cellulitis => "Cellulitis of the leg",
            Self::HeadInjury => "Fall with head injury",
            Self::Stroke => "Acute ischaemic stroke",
        }
    }

    fn lab_effect(self) -> LabEffect {
        match self {
            Self::Pneumonia | Self::UtiDelirium | Self::CopdExacerbation | Self::Cellulitis => {
                LabEffect::Infection
            }
            Self::KidneyInjury => LabEffect::KidneyInjury,
            Self::HipFracture => LabEffect::Fracture,
            Self::HeartFailure => LabEffect::Fluid,
            Self::FastAf | Self::Hypoglycaemia | Self::HeadInjury | Self::Stroke => LabEffect::None,
        }
    }
}

fn ward(h: &Hospital, story: Story) -> &'static str {
    let northbrook = h.org.name.starts_with("Northbrook");
    match (story, northbrook) {
        (Story::HipFracture, true) => "Ward 4 (Trauma and Orthopaedics)",
        (Story::HipFracture, false) => "Willow Ward (Orthopaedics)",
        (Story::Pneumonia | Story::CopdExacerbation, true) => "Ward 12 (Respiratory)",
        (Story::Pneumonia | Story::CopdExacerbation, false) => "Heron Ward (Respiratory)",
        (Story::HeartFailure | Story::FastAf, true) => "Ward 9 (Cardiology)",
        (Story::HeartFailure | Story::FastAf, false) => "Beech Ward (Cardiology)",
        (Story::Stroke, true) => "Ward 2 (Stroke Unit)",
        (Story::Stroke, false) => "Cedar Ward (Stroke Unit)",
        (Story::Cellulitis | Story::HeadInjury, true) => "Acute Medical Unit",
        (Story::Cellulitis | Story::HeadInjury, false) => "Acute Assessment Unit",
        (_, true) => "Ward 7 (Care of Older People)",
        (_, false) => "Kingfisher Ward (Care of Older People)",
    }
}

/// A finished hospital stay and what it changed.
#[derive(Debug, Clone)]
pub(crate) struct Stay {
    pub story: Story,
    pub hospital: Hospital,
    pub ward: &'static str,
    pub admitted: NaiveDate,
    pub discharged: NaiveDate,
    /// Admitted from the care home (rather than from the person's own home).
    pub from_home: bool,
    /// This stay ended with the move into the care home.
    pub to_placement: bool,
    pub side: &'static str,
    /// Lines for the "Medication changes" section.
    pub changes: Vec<String>,
}

impl Stay {
    pub(crate) fn draw(&self) -> Draw {
        Draw {
            day: self.admitted,
            in_hospital: true,
            effect: self.story.lab_effect(),
        }
    }
}

fn pick_hospital(rng: &mut Gen, ctx: &Ctx<'_>) -> Hospital {
    if rng.chance(80) {
        ctx.home.hospital
    } else {
        ctx.home.other_hospital
    }
}

fn candidate_stories(p: &Profile, meds: &[Med]) -> Vec<(Story, u32)> {
    let mut c = vec![
        (Story::Pneumonia, 3),
        (Story::UtiDelirium, 3),
        (Story::Cellulitis, 1),
        (
            Story::HipFracture,
            if p.has(Cond::Osteoporosis) { 4 } else { 2 },
        ),
        (Story::HeadInjury, 1),
    ];
    if p.has(Cond::Copd) {
        c.push((Story::CopdExacerbation, 5));
    }
    if p.has(Cond::HeartFailure) {
        c.push((Story::HeartFailure, 5));
    }
    if p.has(Cond::Ckd3) || has_active(meds, "Ramipril") || has_active(meds, "Furosemide") {
        c.push((Story::KidneyInjury, 3));
    }
    if p.has(Cond::Af) {
        c.push((Story::FastAf, 3));
    }
    if has_active(meds, "Gliclazide") {
        c.push((Story::Hypoglycaemia, 4));
    }
    c
}

/// Plans one to three finished stays over the last three years, applies what they changed
/// to the medicines, and returns them oldest first.
pub(crate) fn plan_stays(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &mut Profile,
    meds: &mut Vec<Med>,
) -> Vec<Stay> {
    let anchor = ctx.anchor;
    let window_start = days_before(anchor, 3 * 365);
    let window_end = days_before(anchor, 16);
    let mut stays: Vec<Stay> = Vec::new();

    // Often the move into the home followed a hospital stay.
    let index_possible =
        p.admitted_on >= days_before(window_start, -60) && p.admitted_on <= window_end;
    if index_possible && rng.chance(50) {
        let story = if p.has(Cond::Stroke) && rng.chance(50) {
            Story::Stroke
        } else {
            *rng.pick(&[
                Story::HipFracture,
                Story::UtiDelirium,
                Story::Pneumonia,
                Story::HipFracture,
            ])
        };
        let (lo, hi) = story.length_of_stay();
        let discharged = p.admitted_on;
        let admitted = days_before(discharged, rng.int(lo, hi));
        stays.push(new_stay(rng, ctx, story, admitted, discharged, false, true));
        if story == Story::Stroke {
            for d in p.diagnoses.iter_mut().filter(|d| d.cond == Cond::Stroke) {
                d.onset = admitted;
            }
        }
    }

    let n = *rng.weighted(&[(1i64, 50), (2, 35), (3, 15)]);
    let span = (window_end - window_start).num_days();
    let mut candidates = candidate_stories(p, meds);
    for i in 0..n {
        if stays.len() as i64 >= n {
            break;
        }
        let seg_start = days_after(window_start, span * i / n);
        let seg_end = days_after(window_start, span * (i + 1) / n - 1);
        let story = *rng.weighted(&candidates);
        let (lo, hi) = story.length_of_stay();
        let los = rng.int(lo, hi);
        let admitted = rng.day(seg_start, days_before(seg_end, los + 1));
        let discharged = days_after(admitted, los);
        let clash = stays.iter().any(|s| {
            admitted <= days_after(s.discharged, 30) && discharged >= days_before(s.admitted, 30)
        });
        // A stay that would end the week before the move-in without being the move-in
        // reads oddly; keep clear of it too.
        let near_move =
            (days_before(p.admitted_on, 45)..=days_after(p.admitted_on, 10)).contains(&discharged);
        if clash || near_move {
            continue;
        }
        candidates
            .retain(|(s, _)| *s != story || matches!(s, Story::Pneumonia | Story::UtiDelirium));
        if candidates.is_empty() {
            candidates = candidate_stories(p, meds);
        }
        let from_home = admitted >= p.admitted_on;
        stays.push(new_stay(
            rng, ctx, story, admitted, discharged, from_home, false,
        ));
    }
    if stays.is_empty() {
        // Always at least one: a short stay just inside the window.
        let los = rng.int(3, 7);
        let admitted = rng.day(
            days_before(window_end, 200),
            days_before(window_end, los + 1),
        );
        let from_home = admitted >= p.admitted_on;
        stays.push(new_stay(
            rng,
            ctx,
            Story::Pneumonia,
            admitted,
            days_after(admitted, los),
            from_home,
            false,
        ));
    }
    stays.sort_by_key(|s| s.admitted);
    for stay in &mut stays {
        apply_medicine_changes(rng, p, meds, stay);
    }
    stays
}

fn new_stay(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    story: Story,
    admitted: NaiveDate,
    discharged: NaiveDate,
    from_home: bool,
    to_placement: bool,
) -> Stay {
    let hospital = pick_hospital(rng, ctx);
    const SIDES: [&str; 2] = ["left", "right"];
    let side = *rng.pick(&SIDES);
    Stay {
        story,
        hospital,
        ward: ward(&hospital, story),
        admitted,
        discharged,
        from_home,
        to_placement,
        side,
        changes: Vec::new(),
    }
}

/// Makes sure a medicine the hospital changes was started well before the admission.
fn started_before(rng: &mut Gen, med: &mut Med, day: NaiveDate) {
    if med.start >= days_before(day, 30) {
        med.start = days_before(day, rng.int(60, 700));
    }
}

fn start_med(
    rng: &mut Gen,
    meds: &mut Vec<Med>,
    spec: &'static MedSpec,
    stay: &Stay,
    why: &str,
) -> String {
    let mut med = Med::new(spec, days_after(stay.discharged, rng.int(1, 5)), 1);
    med.locked = true;
    meds.push(med);
    format!("STARTED: {}. {}. Reason: {}.", spec.name, spec.dosage, why)
}

fn stop_med(
    rng: &mut Gen,
    meds: &mut [Med],
    i: usize,
    stay: &Stay,
    verb: &str,
    why: &str,
) -> String {
    started_before(rng, &mut meds[i], stay.admitted);
    meds[i].stop = Some(stay.admitted);
    meds[i].locked = true;
    format!("{}: {}. Reason: {}.", verb, meds[i].spec.name, why)
}

fn apply_medicine_changes(rng: &mut Gen, p: &mut Profile, meds: &mut Vec<Med>, stay: &mut Stay) {
    let mut lines: Vec<String> = Vec::new();
    let ckd = p.has(Cond::Ckd3);
    match stay.story {
        Story::HipFracture => {
            if !has_active(meds, "Alendronic") && !ckd {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::ALENDRONIC_ACID,
                    stay,
                    "osteoporosis, after a fragility fracture",
                ));
            } else if ckd {
                lines.push("Bone protection: alendronic acid not suitable because of kidney function; the fracture liaison service will consider a zoledronic acid infusion.".to_string());
            }
            if !has_active(meds, "Adcal") {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::ADCAL,
                    stay,
                    "calcium and vitamin D for bone health",
                ));
            }
            if let Some(i) = find_active(meds, "Zopiclone") {
                lines.push(stop_med(
                    rng,
                    meds,
                    i,
                    stay,
                    "STOPPED",
                    "sedation increases the risk of falls",
                ));
            }
            lines.push(format!(
                "Enoxaparin 40mg injection once a day until {} (28 days after surgery) to prevent clots: supplied by the hospital, given by the district nurse.",
                label(days_after(stay.admitted, 29))
            ));
            if !p.has(Cond::Osteoporosis) && p.diagnoses.len() < 8 {
                p.diagnoses.push(Diagnosis {
                    cond: Cond::Osteoporosis,
                    onset: stay.discharged,
                });
            }
        }
        Story::UtiDelirium => {
            for (name, why) in [
                ("Oxybutynin", "anticholinergic: can worsen confusion"),
                ("Amitriptyline", "anticholinergic: can worsen confusion"),
            ] {
                if let Some(i) = find_active(meds, name) {
                    lines.push(stop_med(rng, meds, i, stay, "STOPPED", why));
                }
            }
        }
        Story::CopdExacerbation => {
            lines.push(
                "Prednisolone 30mg once a day for 5 days: course completed in hospital."
                    .to_string(),
            );
            if !has_active(meds, "Carbocisteine") && rng.chance(50) {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::CARBOCISTEINE,
                    stay,
                    "to loosen sputum",
                ));
            }
        }
        Story::HeartFailure => {
            if let Some(i) = find_active(meds, "Furosemide") {
                lines.push(stop_med(
                    rng,
                    meds,
                    i,
                    stay,
                    "CHANGED",
                    "dose increased, see below",
                ));
                let mut higher = Med::new(
                    &m::FUROSEMIDE,
                    days_after(stay.discharged, rng.int(1, 5)),
                    0,
                );
                higher.dosage = "Two tablets (80mg) in the morning";
                higher.qty = "56 tablets";
                higher.locked = true;
                meds.push(higher);
                lines.push(
                    "Furosemide 40mg tablets: now TWO tablets (80mg) each morning (was one)."
                        .to_string(),
                );
            } else {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::FUROSEMIDE,
                    stay,
                    "fluid overload from heart failure",
                ));
            }
            if !has_active(meds, "Dapagliflozin") && !ckd && rng.chance(40) {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::DAPAGLIFLOZIN,
                    stay,
                    "heart failure (reduces readmissions)",
                ));
            }
        }
        Story::KidneyInjury => {
            for name in ["Ramipril", "Losartan"] {
                if let Some(i) = find_active(meds, name) {
                    lines.push(stop_med(
                        rng,
                        meds,
                        i,
                        stay,
                        "WITHHELD",
                        "acute kidney injury; GP to decide whether to restart once kidney function is back to baseline",
                    ));
                }
            }
            if has_active(meds, "Metformin") {
                lines.push("Metformin: withheld during the admission, restarted at the usual dose on discharge.".to_string());
            }
            if has_active(meds, "Furosemide") {
                lines.push(
                    "Furosemide: withheld for 48 hours, restarted at the usual dose.".to_string(),
                );
            }
        }
        Story::FastAf => {
            if let Some(i) = find_active(meds, "Bisoprolol 2.5mg") {
                lines.push(stop_med(
                    rng,
                    meds,
                    i,
                    stay,
                    "CHANGED",
                    "dose increased for rate control, see below",
                ));
                lines.push(start_med(
                    rng,
                    meds,
                    &m::BISOPROLOL_5,
                    stay,
                    "rate control of atrial fibrillation",
                ));
            } else if !has_active(meds, "Bisoprolol") {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::BISOPROLOL_2_5,
                    stay,
                    "rate control of atrial fibrillation (digoxin continued if already taking it)",
                ));
            }
            if !anticoagulated(meds) {
                if let Some(i) = find_active(meds, "Aspirin") {
                    lines.push(stop_med(
                        rng,
                        meds,
                        i,
                        stay,
                        "STOPPED",
                        "replaced by apixaban",
                    ));
                }
                let doac = if p.age >= 80 || ckd {
                    &m::APIXABAN_2_5
                } else {
                    &m::APIXABAN_5
                };
                lines.push(start_med(
                    rng,
                    meds,
                    doac,
                    stay,
                    "stroke prevention in atrial fibrillation",
                ));
            }
        }
        Story::Hypoglycaemia => {
            if let Some(i) = find_active(meds, "Gliclazide") {
                lines.push(stop_med(
                    rng,
                    meds,
                    i,
                    stay,
                    "STOPPED",
                    "severe hypoglycaemia; tight control is not needed in frailty",
                ));
            }
        }
        Story::HeadInjury => {
            if let Some(i) = find_active(meds, "Amlodipine") {
                lines.push(stop_med(
                    rng,
                    meds,
                    i,
                    stay,
                    "STOPPED",
                    "postural hypotension contributing to falls",
                ));
            }
        }
        Story::Stroke => {
            if p.has(Cond::Af) && !anticoagulated(meds) {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::APIXABAN_2_5,
                    stay,
                    "secondary stroke prevention (atrial fibrillation); started on day 14",
                ));
            } else if !anticoagulated(meds) && !has_active(meds, "Clopidogrel") {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::CLOPIDOGREL,
                    stay,
                    "secondary stroke prevention",
                ));
            }
            if !has_active(meds, "Atorvastatin") {
                lines.push(start_med(
                    rng,
                    meds,
                    &m::ATORVASTATIN_40,
                    stay,
                    "secondary stroke prevention",
                ));
            }
        }
        Story::Pneumonia | Story::Cellulitis => {}
    }
    stay.changes = lines;
}

fn antibiotic(p: &Profile, story: Story) -> &'static str {
    let penicillin = p.allergens.contains(&Allergen::Penicillin);
    match (story, penicillin) {
        (Story::Pneumonia, false) => {
            "IV co-amoxiclav and oral clarithromycin, switched to oral co-amoxiclav on day 3 to complete 5 days"
        }
        (Story::Pneumonia, true) => "oral doxycycline for 5 days (penicillin allergy)",
        (Story::UtiDelirium, false) => {
            "IV co-amoxiclav, switched to oral cefalexin to complete 7 days"
        }
        (Story::UtiDelirium, true) => {
            "a single dose of IV gentamicin, then oral cefalexin to complete 7 days (penicillin allergy noted; no reaction)"
        }
        (Story::CopdExacerbation, _) => "oral doxycycline for 5 days",
        (Story::Cellulitis, false) => {
            "IV flucloxacillin, switched to oral flucloxacillin to complete 7 days"
        }
        (Story::Cellulitis, true) => "oral doxycycline for 7 days (penicillin allergy)",
        _ => "none",
    }
}

fn comorbidities(p: &Profile, before: NaiveDate) -> String {
    let list: Vec<String> = p
        .diagnoses
        .iter()
        .filter(|d| d.onset < before)
        .map(|d| d.cond.label())
        .collect();
    if list.is_empty() {
        "None recorded.".to_string()
    } else {
        list.join("; ")
    }
}

fn mobility_text(p: &Profile) -> &'static str {
    match p.mobility {
        Mobility::Independent | Mobility::Stick => {
            "walking on the ward with a stick and supervision"
        }
        Mobility::Frame => "walking short distances with a frame and one person",
        Mobility::Wheelchair => {
            "transferring with a standing aid and two people; wheelchair for distance"
        }
        Mobility::Hoist => {
            "hoisted for all transfers; sitting out in a specialist chair for up to 2 hours"
        }
    }
}

struct Letter {
    reason: String,
    primary: String,
    secondary: Vec<String>,
    procedures: String,
    summary: String,
    follow_up: Vec<String>,
}

fn write_letter(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, stay: &Stay) -> Letter {
    let she = p.she();
    let she_cap = p.she_cap();
    let her = p.her();
    let obj = p.her_obj();
    let side = stay.side;
    let home_phrase = if stay.from_home {
        ctx.home.name.to_string()
    } else {
        format!("{} own home", her)
    };
    let confused = if p.has_dementia() {
        format!(
            "Staff say {} has been more muddled than {} usual self.",
            she, her
        )
    } else {
        "New confusion.".to_string()
    };
    let abx = antibiotic(p, stay.story);
    // Who would have found them: care staff in the home, family before they moved in.
    let finder = if stay.from_home {
        "staff".to_string()
    } else {
        p.nok_phrase()
    };
    match stay.story {
        Story::HipFracture => {
            let hemi = rng.chance(60);
            Letter {
                reason: format!(
                    "Unwitnessed fall in {} bedroom at {} at about {}; found on the floor. Pain in the {} hip, unable to weight-bear, {} leg shortened and externally rotated. X-ray: {} fracture of the {} neck of femur.",
                    her,
                    home_phrase,
                    rng.pick(&["03:00", "05:30", "22:45", "14:10"]),
                    side,
                    side,
                    if hemi { "displaced intracapsular" } else { "extracapsular (intertrochanteric)" },
                    side
                ),
                primary: format!(
                    "{} fracture, {} neck of femur",
                    if hemi { "Displaced intracapsular" } else { "Intertrochanteric" },
                    side
                ),
                secondary: {
                    let mut s = vec!["Post-operative delirium (resolved)".to_string()];
                    if rng.chance(50) {
                        s.push("Post-operative anaemia (transfused one unit of red cells)".to_string());
                    }
                    s
                },
                procedures: format!(
                    "{} under spinal anaesthetic on {}.",
                    if hemi {
                        format!("{} hip hemiarthroplasty", cap(side))
                    } else {
                        format!("Dynamic hip screw fixation of the {} hip", side)
                    },
                    label(days_after(stay.admitted, 1))
                ),
                summary: format!(
                    "Operated on within 36 hours of admission and reviewed daily by the orthogeriatric team. {} developed hypoactive delirium on day 2, managed with reorientation, good pain control and treating constipation; it had settled by day 5. Bone health assessed. Physiotherapy: by discharge {} was {}.",
                    cap(she),
                    she,
                    mobility_text(p)
                ),
                follow_up: vec![
                    if stay.discharged >= days_after(stay.admitted, 14) {
                        "Clips were removed on the ward before discharge; the wound has healed.".to_string()
                    } else {
                        format!(
                            "Clips to be removed on {} by the district nurse (referral sent).",
                            label(days_after(stay.admitted, 14))
                        )
                    },
                    "Full weight-bearing. Encourage walking to the toilet and the dining room with the frame and one carer.".to_string(),
                    "Community physiotherapy referral made.".to_string(),
                    "High falls risk: low bed and sensor mat at night.".to_string(),
                    "Watch the wound for redness or discharge, and for new confusion; contact the GP if concerned.".to_string(),
                ],
            }
        }
        Story::Pneumonia => Letter {
            reason: format!(
                "Two days of cough, fever and increasing breathlessness. {} On arrival NEWS2 {}: respiratory rate {}, SpO2 {}% on air, temperature {}. Chest X-ray: {} lower lobe consolidation.",
                confused,
                rng.int(5, 8),
                rng.int(24, 30),
                rng.int(88, 92),
                *rng.pick(&["38.4", "38.6", "38.9", "39.1"]),
                side
            ),
            primary: format!(
                "Community-acquired pneumonia, {} lower lobe (CURB-65 score {})",
                side,
                rng.int(2, 3)
            ),
            secondary: if p.has_dementia() {
                vec!["Delirium secondary to infection (resolved)".to_string()]
            } else {
                vec!["Dehydration".to_string()]
            },
            procedures: "None.".to_string(),
            summary: format!(
                "Treated with {}. Oxygen weaned off by day 3. CRP peaked on day 2 and was falling at discharge. Swallow screened by the ward nurses: safe on {}. Back to {} baseline: {}.",
                abx,
                p.diet_label(),
                her,
                mobility_text(p)
            ),
            follow_up: vec![
                "Encourage fluids (aim for 1.5 litres a day) and keep a fluid chart for 72 hours.".to_string(),
                "Watch for returning fever, breathlessness or new confusion: check NEWS2 and contact the GP or NHS 111.".to_string(),
                "A repeat chest X-ray is not needed unless symptoms persist at 6 weeks.".to_string(),
            ],
        },
        Story::UtiDelirium => Letter {
            reason: format!(
                "Sent in by the GP after two days of increasing confusion, agitation at night and poor eating and drinking, with new urinary incontinence. Temperature 38.2, heart rate {}. 4AT score {} on arrival.",
                rng.int(98, 112),
                rng.int(6, 10)
            ),
            primary: "Delirium secondary to urinary tract infection".to_string(),
            secondary: vec![
                "Dehydration".to_string(),
                "Acute kidney injury stage 1 (resolved)".to_string(),
            ],
            procedures: "None.".to_string(),
            summary: format!(
                "Urine culture grew E. coli. Treated with IV fluids and {}. The delirium settled over {} days with a calm side room, family visiting and a good sleep routine; 4AT {} at discharge. Medicines reviewed for anticholinergic burden.",
                abx,
                rng.int(3, 5),
                rng.int(0, 3)
            ),
            follow_up: vec![
                "Encourage fluids (aim for 1.5 litres a day) and keep a fluid chart for one week.".to_string(),
                format!("Delirium can take weeks to clear fully: {} may be more muddled than before for a while.", she),
                "Please do not dipstick urine routinely (not reliable over 65); send a sample only with new urinary symptoms or fever.".to_string(),
            ],
        },
        Story::CopdExacerbation => Letter {
            reason: format!(
                "Three days of increasing breathlessness, wheeze and green sputum despite the rescue pack started at {}. SpO2 {}% on air (target 88-92%).",
                home_phrase,
                rng.int(82, 86)
            ),
            primary: "Infective exacerbation of COPD".to_string(),
            secondary: if rng.chance(30) {
                vec!["Hypercapnic respiratory failure, treated with non-invasive ventilation for 24 hours".to_string()]
            } else {
                vec![]
            },
            procedures: "None.".to_string(),
            summary: format!(
                "Controlled oxygen via a 28% Venturi mask to target 88-92%. Nebulised salbutamol and ipratropium, prednisolone 30mg for 5 days and {}. Off oxygen by day {}. Inhaler technique checked: {} manages with a spacer and supervision.",
                abx,
                rng.int(2, 4),
                she
            ),
            follow_up: vec![
                "Target oxygen saturation 88-92%: use NEWS2 SpO2 Scale 2.".to_string(),
                "GP to re-issue the rescue pack (doxycycline and prednisolone) to keep at the home.".to_string(),
                "Encourage sitting out and short walks; pulmonary rehabilitation not appropriate at present.".to_string(),
                "Flu, COVID-19 and pneumococcal vaccinations: please check they are up to date.".to_string(),
            ],
        },
        Story::HeartFailure => Letter {
            reason: format!(
                "Two weeks of increasing ankle swelling and breathlessness, now breathless lying flat. Weight up {} kg {}. Crackles at both lung bases and pitting oedema to the knees.",
                rng.int(3, 6),
                if stay.from_home { "on the home's weekly weights" } else { "on the bathroom scales at home" }
            ),
            primary: "Acute decompensated heart failure".to_string(),
            secondary: if p.has(Cond::Af) {
                vec!["Atrial fibrillation with fast ventricular rate on admission, now rate controlled".to_string()]
            } else {
                vec![]
            },
            procedures: "None.".to_string(),
            summary: format!(
                "Treated with IV furosemide; {} kg of fluid off over {} days. NT-proBNP {} ng/L. Kidney function and potassium monitored daily and stayed stable. Discharge weight {} kg.",
                rng.int(4, 7),
                rng.int(4, 8),
                rng.int(2400, 9800),
                rng.int(52, 78)
            ),
            follow_up: vec![
                "Weigh every morning after the toilet and before breakfast, on the same scales, and write it down. Contact the GP or the heart failure nurse if weight rises by more than 2 kg in 3 days.".to_string(),
                "Fluids about 1.5 litres a day; no stricter restriction.".to_string(),
                "Heart failure specialist nurse will visit within 2 weeks.".to_string(),
                "GP: U&E in 1 week after the diuretic change.".to_string(),
            ],
        },
        Story::KidneyInjury => Letter {
            reason: format!(
                "Several days of diarrhoea and vomiting with very little to eat or drink; dizzy and drowsy. Creatinine {} micromol/L (baseline about {}).",
                rng.int(210, 320),
                rng.int(95, 130)
            ),
            primary: "Acute kidney injury stage 2 (pre-renal, dehydration)".to_string(),
            secondary: vec![
                "Viral gastroenteritis (norovirus)".to_string(),
                format!("Hyperkalaemia (potassium 6.{}), treated", rng.int(0, 4)),
            ],
            procedures: "None.".to_string(),
            summary: "IV fluids for 3 days; kidney function improved to near baseline. Medicines that strain the kidneys were held. Stool PCR positive for norovirus: nursed in a side room.".to_string(),
            follow_up: vec![
                "GP: U&E in 1 week, and decide whether to restart the withheld medicine.".to_string(),
                format!("Sick day rules: if {} is vomiting, has diarrhoea or is hardly eating or drinking, contact the GP about pausing the medicines on the sick day rules card.", she),
                "Encourage fluids and keep a fluid chart for one week.".to_string(),
            ],
        },
        Story::FastAf => Letter {
            reason: format!(
                "Palpitations and breathlessness; {} found {} clammy with a pulse of about {}. ECG: atrial fibrillation with fast ventricular response.",
                finder,
                obj,
                rng.int(140, 165)
            ),
            primary: "Atrial fibrillation with fast ventricular response".to_string(),
            secondary: if rng.chance(50) {
                vec!["Possible chest infection as the trigger (treated)".to_string()]
            } else {
                vec![]
            },
            procedures: "None.".to_string(),
            summary: format!(
                "Rate controlled with oral bisoprolol and a single dose of IV digoxin: heart rate 70-85 by day 2. Thyroid function normal. Anticoagulation reviewed: CHA2DS2-VASc {}, ORBIT bleeding score {}.",
                rng.int(4, 7),
                rng.int(1, 3)
            ),
            follow_up: vec![
                "Check the pulse once a day for 2 weeks; tell the GP if it is over 110 or under 50 at rest.".to_string(),
                "Watch for bleeding, bruising or black stools while on an anticoagulant.".to_string(),
                "GP: U&E and full blood count in 1 month.".to_string(),
            ],
        },
        Story::Hypoglycaemia => Letter {
            reason: format!(
                "Found drowsy and sweaty at 07:30 by {}; capillary glucose 1.{} mmol/L. Given glucose gel, and IM glucagon by the ambulance crew; brought in as glucose fell again.",
                finder,
                rng.int(6, 9)
            ),
            primary: "Severe hypoglycaemia due to gliclazide".to_string(),
            secondary: vec!["Reduced oral intake over the previous week".to_string()],
            procedures: "None.".to_string(),
            summary: "Glucose monitored for 48 hours; no further hypoglycaemia once gliclazide was stopped. In frailty, avoiding hypoglycaemia matters more than tight control.".to_string(),
            follow_up: vec![
                "Capillary glucose before breakfast and the evening meal for one week, then twice a week. Treat anything under 4 mmol/L with the hypo protocol and tell the GP.".to_string(),
                "GP: review diabetes medicines in 4 weeks; an HbA1c of 58-70 mmol/mol is a reasonable target.".to_string(),
            ],
        },
        Story::Cellulitis => Letter {
            reason: format!(
                "Hot, red, swollen {} lower leg, spreading over 48 hours despite oral antibiotics from the GP; temperature 38.{}.",
                side,
                rng.int(1, 7)
            ),
            primary: format!("Cellulitis, {} lower leg", side),
            secondary: vec!["Venous eczema of both legs".to_string()],
            procedures: "None.".to_string(),
            summary: format!(
                "Treated with {}. The edge of the redness was marked and had receded by day 3. Leg kept elevated. Tinea between the toes treated.",
                abx
            ),
            follow_up: vec![
                "Keep the leg raised on a stool when sitting.".to_string(),
                "Emollient to both legs twice a day; check between the toes.".to_string(),
                "District nurse to review the skin and consider compression hosiery once healed.".to_string(),
            ],
        },
        Story::HeadInjury => {
            let on_anticoagulant = anticoagulated(&p.medicines);
            Letter {
                reason: format!(
                    "Fell in the lounge and hit {} head on a table; small cut to the forehead. {}",
                    her,
                    if on_anticoagulant {
                        "On an anticoagulant, so brought in for a CT head as NICE head injury guidance advises."
                    } else {
                        "Vomited twice afterwards, so brought in for a CT head."
                    }
                ),
                primary: "Head injury with scalp laceration. CT head: no acute intracranial injury".to_string(),
                secondary: vec![format!(
                    "Postural hypotension (lying {}/78, standing {}/64)",
                    rng.int(136, 152),
                    rng.int(100, 112)
                )],
                procedures: "CT head. Laceration closed with skin glue.".to_string(),
                summary: format!(
                    "Observed overnight with neurological observations, which stayed normal. A postural drop in blood pressure was found and {} medicines were reviewed.",
                    her
                ),
                follow_up: vec![
                    "Head injury observations for 24 hours (advice card given): if drowsy, vomiting, worsening headache or new confusion, call 999.".to_string(),
                    "Keep the glued wound dry for 5 days.".to_string(),
                    "Falls team referral made. GP: lying and standing blood pressure in 2 weeks.".to_string(),
                ],
            }
        }
        Story::Stroke => {
            let weak = p.weak_side;
            let side = if weak == "left" { "right" } else { "left" };
            Letter {
                reason: format!(
                    "Sudden {}-sided weakness and slurred speech at {}, found by {}. Not eligible for thrombolysis: outside the time window.",
                    weak,
                    home_phrase,
                    p.nok_phrase()
                ),
                primary: format!("Acute ischaemic stroke, {} middle cerebral artery territory", side),
                secondary: if p.diet == crate::people::Diet::Normal {
                    vec![format!("{}-sided weakness", cap(weak))]
                } else {
                    vec!["Dysphagia".to_string(), format!("{}-sided weakness", cap(weak))]
                },
                procedures: "CT head and CT angiogram.".to_string(),
                summary: format!(
                    "Rehabilitation on the stroke unit. Speech and language therapy: {}. Physiotherapy: {} is {}. {} needs help with all personal care and is not able to return home safely; after a best-interests meeting with the family a care home placement was agreed.",
                    p.diet_label(),
                    she,
                    mobility_text(p),
                    she_cap
                ),
                follow_up: vec![
                    "Stroke clinic in 6 weeks (appointment will be posted).".to_string(),
                    format!("Follow the swallowing plan: {}; sit fully upright for meals and for 30 minutes after.", p.diet_label()),
                    "Community stroke team will visit for therapy.".to_string(),
                ],
            }
        }
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "Fall with head injury" -> "fall with head injury", but "COPD" stays as it is.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn bullets(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("- {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn emit_stays(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, stays: &[Stay], out: &mut Out) {
    for stay in stays {
        let h = &stay.hospital;
        let consultant = match stay.story {
            Story::HipFracture => *rng.pick(h.orthopaedic_surgeons),
            Story::Stroke | Story::HeartFailure | Story::FastAf | Story::CopdExacerbation => {
                *rng.pick(h.physicians)
            }
            _ => *rng.pick(h.geriatricians),
        };
        let junior = *rng.pick(h.junior_doctors);
        let letter = write_letter(rng, ctx, p, stay);
        let mut diagnoses = format!("Primary: {}", letter.primary);
        if !letter.secondary.is_empty() {
            diagnoses.push_str(&format!("\nSecondary: {}", letter.secondary.join("; ")));
        }
        diagnoses.push_str(&format!(
            "\n\nComorbidities: {}",
            comorbidities(p, stay.admitted)
        ));

        let abx = antibiotic(p, stay.story);
        let mut changes = stay.changes.clone();
        if abx != "none" {
            changes.push(format!("Antibiotics: {} (completed).", abx));
        }
        let changes_text = if changes.is_empty() {
            "No changes to regular medicines.".to_string()
        } else {
            format!(
                "{}\n\nAll other regular medicines unchanged.",
                changes.join("\n")
            )
        };

        let destination = if stay.to_placement {
            format!(
                "{} was discharged to {} for long-term care (new placement), after a discussion with {}.",
                p.formal(),
                ctx.home.name,
                p.nok_phrase()
            )
        } else if stay.from_home {
            format!("{} was discharged back to {}.", p.formal(), ctx.home.name)
        } else {
            format!(
                "{} was discharged to {} own home with a package of care (four calls a day) and a pendant alarm.",
                p.formal(),
                p.her()
            )
        };
        let mut follow = letter.follow_up.clone();
        if !stay.changes.is_empty() {
            follow.push(format!(
                "GP ({}): please review the medication changes above and update the repeat prescriptions.",
                ctx.practice.org.name
            ));
        }
        let follow_title = if stay.from_home || stay.to_placement {
            "Follow-up / actions for care home"
        } else {
            "Follow-up / actions for GP and carers"
        };
        let info = if p.has_dementia() {
            format!(
                "The diagnosis and plan were explained to {} in simple terms; because of {} dementia {} is unlikely to retain the details. Discussed in full with {} by telephone on {}, who is happy with the plan.",
                p.called,
                p.her(),
                p.she(),
                p.nok_phrase(),
                label(days_before(stay.discharged, rng.int(0, 2)))
            )
        } else {
            format!(
                "{} understands the diagnosis and the medication changes and has a copy of this letter. {} was updated by telephone on {}.",
                p.called,
                cap(&p.nok_phrase()),
                label(days_before(stay.discharged, rng.int(0, 2)))
            )
        };
        let sections = vec![
            DocumentSection {
                title: "Reason for admission".into(),
                text: letter.reason,
            },
            DocumentSection {
                title: "Diagnoses".into(),
                text: diagnoses,
            },
            DocumentSection {
                title: "Procedures".into(),
                text: letter.procedures,
            },
            DocumentSection {
                title: "Clinical summary".into(),
                text: format!("{}\n\n{}", letter.summary, destination),
            },
            DocumentSection {
                title: "Medication changes".into(),
                text: changes_text,
            },
            DocumentSection {
                title: follow_title.into(),
                text: bullets(&follow),
            },
            DocumentSection {
                title: "Information given to the patient and carers".into(),
                text: info,
            },
        ];
        let written = rng.time(stay.discharged, 11, 18);
        out.push(
            rng,
            &h.org,
            Some(format!("{} for {}, Consultant", junior, consultant)),
            written,
            EntryBody::Document {
                doc_type: DocumentType::DischargeSummary,
                title: format!("Discharge summary: {}", lower_first(stay.story.reason())),
                period_start: Some(stay.admitted),
                period_end: Some(stay.discharged),
                sections,
                attachments: Vec::new(),
            },
        );
        let stay_written = rng.time(stay.discharged, 12, 20);
        out.push(
            rng,
            &h.org,
            None,
            stay_written,
            EntryBody::HospitalStay {
                hospital: h.org.name.to_string(),
                ward: Some(stay.ward.to_string()),
                admitted_on: stay.admitted,
                reason: Some(stay.story.reason().to_string()),
                expected_discharge: None,
                discharged_on: Some(stay.discharged),
                status: StayStatus::Finished,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// In hospital now

/// The admission in progress for a resident who is in hospital today.
#[derive(Debug, Clone)]
pub(crate) struct CurrentStay {
    pub story: Story,
    pub hospital: Hospital,
    pub ward: &'static str,
    pub admitted: NaiveDate,
    pub expected: NaiveDate,
}

impl CurrentStay {
    pub(crate) fn draw(&self) -> Draw {
        Draw {
            day: self.admitted,
            in_hospital: true,
            effect: self.story.lab_effect(),
        }
    }
}

pub(crate) fn current_stay(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile) -> CurrentStay {
    let mut options = vec![
        (Story::Pneumonia, 3),
        (Story::UtiDelirium, 3),
        (Story::HipFracture, 2),
        (Story::KidneyInjury, 1),
    ];
    if p.has(Cond::HeartFailure) {
        options.push((Story::HeartFailure, 4));
    }
    if p.has(Cond::Copd) {
        options.push((Story::CopdExacerbation, 4));
    }
    let story = *rng.weighted(&options);
    let hospital = ctx.home.hospital;
    CurrentStay {
        story,
        hospital,
        ward: ward(&hospital, story),
        admitted: days_before(ctx.anchor, rng.int(2, 6)),
        expected: days_after(ctx.anchor, rng.int(2, 9)),
    }
}

fn conveyed_title(story: Story) -> &'static str {
    match story {
        Story::Pneumonia => "chest infection",
        Story::UtiDelirium => "confusion, possible urine infection",
        Story::HipFracture => "fall with suspected hip fracture",
        Story::KidneyInjury => "vomiting and dehydration",
        Story::HeartFailure => "breathlessness (heart failure)",
        Story::CopdExacerbation => "breathlessness (COPD)",
        _ => "acute illness",
    }
}

fn impression(story: Story) -> &'static str {
    match story {
        Story::Pneumonia => "Probable chest infection with delirium. Sepsis screen positive.",
        Story::UtiDelirium => "Delirium, possible urinary source. Dehydrated.",
        Story::HipFracture => {
            "Suspected fractured neck of femur: leg shortened and externally rotated. Analgesia given (IV paracetamol and morphine)."
        }
        Story::KidneyInjury => "Dehydration with gastroenteritis; possible acute kidney injury.",
        Story::HeartFailure => {
            "Acute heart failure: crackles to mid-zones, pitting oedema to the thighs."
        }
        Story::CopdExacerbation => "Exacerbation of COPD not settling with the rescue pack.",
        _ => "Acutely unwell.",
    }
}

fn current_reason(story: Story) -> &'static str {
    match story {
        Story::Pneumonia => "Chest infection with new confusion",
        Story::UtiDelirium => "Suspected urinary infection with delirium",
        Story::HipFracture => "Fall with fractured neck of femur: surgery done, now on the ward",
        Story::KidneyInjury => "Dehydration and acute kidney injury",
        Story::HeartFailure => "Worsening heart failure: IV diuretics",
        Story::CopdExacerbation => "Exacerbation of COPD",
        _ => "Acute illness",
    }
}

pub(crate) fn emit_current_stay(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &Profile,
    stay: &CurrentStay,
    out: &mut Out,
) {
    // The crew that took them in.
    let call = rng.time(stay.admitted, 6, 15);
    let complaint = match stay.story {
        Story::Pneumonia => {
            "Cough, fever and breathlessness since yesterday; more confused than usual"
        }
        Story::UtiDelirium => {
            "Increasingly confused and agitated over two days, not drinking, new incontinence"
        }
        Story::HipFracture => "Fall in the bedroom; unable to weight-bear, hip pain",
        Story::KidneyInjury => {
            "Vomiting and diarrhoea, very little to drink for three days, drowsy"
        }
        Story::HeartFailure => "Breathless at rest and unable to lie flat, legs very swollen",
        _ => "Increasing breathlessness and wheeze despite rescue pack",
    };
    let obs = Observations::unwell(rng, stay.story, p);
    let crew = (*rng.pick(PARAMEDICS)).to_string();
    let handed_over = call + chrono::TimeDelta::minutes(rng.int(70, 140));
    out.push(
        rng,
        &AMBULANCE,
        Some(crew),
        handed_over,
        EntryBody::Document {
            doc_type: DocumentType::Ambulance,
            title: format!("Ambulance summary: {}, conveyed to hospital", conveyed_title(stay.story)),
            period_start: Some(stay.admitted),
            period_end: Some(stay.admitted),
            sections: vec![
                DocumentSection {
                    title: "Presenting complaint".into(),
                    text: format!("{}. 999 call from {} staff at {}.", complaint, ctx.home.name, call.format("%H:%M")),
                },
                DocumentSection {
                    title: "Observations".into(),
                    text: obs.text(),
                },
                DocumentSection {
                    title: "Impression".into(),
                    text: impression(stay.story).to_string(),
                },
                DocumentSection {
                    title: "Outcome and handover".into(),
                    text: format!(
                        "Conveyed to {} emergency department. Handed over to the ED nurse in charge with the care home's transfer form, medicines list and {}.",
                        stay.hospital.org.name,
                        if p.has_dementia() { "the 'This is me' leaflet" } else { "the ReSPECT form" }
                    ),
                },
            ],
            attachments: Vec::new(),
        },
    );
    // The ward's latest update (after the board round) is what the home sees.
    let when = rng.time(days_before(ctx.anchor, 1), 10, 17);
    out.push(
        rng,
        &stay.hospital.org,
        None,
        when,
        EntryBody::HospitalStay {
            hospital: stay.hospital.org.name.to_string(),
            ward: Some(stay.ward.to_string()),
            admitted_on: stay.admitted,
            reason: Some(current_reason(stay.story).to_string()),
            expected_discharge: Some(stay.expected),
            discharged_on: None,
            status: StayStatus::InProgress,
        },
    );
}

// ---------------------------------------------------------------------------------------
// Ambulance and emergency-department summaries

/// A set of vital signs and the NEWS2 score (Scale 1 unless noted).
struct Observations {
    rr: i64,
    spo2: i64,
    on_oxygen: bool,
    sbp: i64,
    dbp: i64,
    hr: i64,
    new_confusion: bool,
    temp_tenths: i64,
    scale2: bool,
}

impl Observations {
    fn well(rng: &mut Gen) -> Self {
        Self {
            rr: rng.int(14, 18),
            spo2: rng.int(95, 98),
            on_oxygen: false,
            sbp: rng.int(118, 152),
            dbp: rng.int(64, 86),
            hr: rng.int(64, 88),
            new_confusion: false,
            temp_tenths: rng.int(362, 372),
            scale2: false,
        }
    }

    fn unwell(rng: &mut Gen, story: Story, p: &Profile) -> Self {
        let mut o = Self::well(rng);
        match story {
            Story::Pneumonia | Story::UtiDelirium => {
                o.rr = rng.int(21, 26);
                o.spo2 = rng.int(91, 95);
                o.hr = rng.int(96, 118);
                o.sbp = rng.int(98, 118);
                o.temp_tenths = rng.int(381, 392);
                o.new_confusion = true;
            }
            Story::CopdExacerbation => {
                o.rr = rng.int(24, 28);
                o.spo2 = rng.int(84, 87);
                o.hr = rng.int(98, 112);
                o.scale2 = true;
            }
            Story::HeartFailure => {
                o.rr = rng.int(22, 26);
                o.spo2 = rng.int(90, 93);
                o.hr = rng.int(88, 104);
            }
            Story::KidneyInjury => {
                o.sbp = rng.int(92, 104);
                o.hr = rng.int(96, 108);
                o.new_confusion = !p.has_dementia();
            }
            _ => {
                o.hr = rng.int(84, 98);
            }
        }
        o
    }

    /// NEWS2 as on the Royal College of Physicians chart.
    fn news2(&self) -> i64 {
        let rr = match self.rr {
            ..=8 => 3,
            9..=11 => 1,
            12..=20 => 0,
            21..=24 => 2,
            _ => 3,
        };
        let spo2 = if self.scale2 {
            match self.spo2 {
                ..=83 => 3,
                84..=85 => 2,
                86..=87 => 1,
                _ => 0,
            }
        } else {
            match self.spo2 {
                ..=91 => 3,
                92..=93 => 2,
                94..=95 => 1,
                _ => 0,
            }
        };
        let air = if self.on_oxygen { 2 } else { 0 };
        let sbp = match self.sbp {
            ..=90 => 3,
            91..=100 => 2,
            101..=110 => 1,
            111..=219 => 0,
            _ => 3,
        };
        let hr = match self.hr {
            ..=40 => 3,
            41..=50 => 1,
            51..=90 => 0,
            91..=110 => 1,
            111..=130 => 2,
            _ => 3,
        };
        let acvpu = if self.new_confusion { 3 } else { 0 };
        let temp = match self.temp_tenths {
            ..=350 => 3,
            351..=360 => 1,
            361..=380 => 0,
            381..=390 => 1,
            _ => 2,
        };
        rr + spo2 + air + sbp + hr + acvpu + temp
    }

    fn text(&self) -> String {
        format!(
            "Respiratory rate {}, SpO2 {}% on {}, blood pressure {}/{}, heart rate {}, {}, temperature {}. NEWS2 {}{}.",
            self.rr,
            self.spo2,
            if self.on_oxygen { "oxygen" } else { "air" },
            self.sbp,
            self.dbp,
            self.hr,
            if self.new_confusion {
                "new confusion"
            } else {
                "alert"
            },
            crate::random::tenths(self.temp_tenths),
            self.news2(),
            if self.scale2 { " (SpO2 Scale 2)" } else { "" }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrgentCare {
    FallNotConveyed,
    BreathlessNotConveyed,
    HypoNotConveyed,
    EdWrist,
    EdHeadInjury,
    EdCatheter,
}

/// Ambulance and emergency-department summaries for about a third of residents: the
/// visits that did not end in an admission.
pub(crate) fn emit_urgent_care(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &Profile,
    stays: &[Stay],
    out: &mut Out,
) {
    if !rng.chance(32) {
        return;
    }
    let mut options = vec![
        (UrgentCare::FallNotConveyed, 5),
        (UrgentCare::EdWrist, 2),
        (
            UrgentCare::EdHeadInjury,
            if anticoagulated(&p.medicines) { 3 } else { 1 },
        ),
    ];
    if p.has(Cond::Copd) {
        options.push((UrgentCare::BreathlessNotConveyed, 4));
    }
    if p.medicines
        .iter()
        .any(|m| m.spec.name.starts_with("Gliclazide"))
    {
        options.push((UrgentCare::HypoNotConveyed, 3));
    }
    if p.continence == crate::people::Continence::Catheter {
        options.push((UrgentCare::EdCatheter, 4));
    }
    let count = if rng.chance(20) { 2 } else { 1 };
    let from = days_after(p.admitted_on, 7).max(days_before(ctx.anchor, 730));
    let to = days_before(ctx.anchor, 3);
    if from >= to {
        return;
    }
    for _ in 0..count {
        let kind = *rng.weighted(&options);
        let day = rng.day(from, to);
        // Not while they were in hospital.
        if stays
            .iter()
            .any(|s| day >= days_before(s.admitted, 1) && day <= days_after(s.discharged, 1))
        {
            continue;
        }
        urgent_care_document(rng, ctx, p, kind, day, out);
    }
}

fn urgent_care_document(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &Profile,
    kind: UrgentCare,
    day: NaiveDate,
    out: &mut Out,
) {
    let she = p.she();
    let her = p.her();
    let obj = p.her_obj();
    let home = ctx.home.name;
    let hospital = ctx.home.hospital;
    let call = rng.time(day, 0, 20);
    let obs = Observations::well(rng);
    let section = |title: &str, text: String| DocumentSection {
        title: title.to_string(),
        text,
    };
    let (doc_type, title, org, author, sections) = match kind {
        UrgentCare::FallNotConveyed => (
            DocumentType::Ambulance,
            "Ambulance summary: fall, not conveyed".to_string(),
            AMBULANCE,
            (*rng.pick(PARAMEDICS)).to_string(),
            vec![
                section("Presenting complaint", format!(
                    "Found by staff sitting on the floor beside {} bed at {}. Unwitnessed fall; {} says {} slipped getting up to the toilet. No head strike reported.",
                    her, call.format("%H:%M"), she, she
                )),
                section("Observations", obs.text()),
                section("Examination", format!(
                    "No injury found on full top-to-toe survey. Full range of movement in both hips; weight-bearing with {} usual frame. Lying and standing blood pressure: no significant drop. Blood glucose 6.{} mmol/L.",
                    her, rng.int(1, 9)
                )),
                section("Outcome and handover", format!(
                    "Not conveyed: assessed as safe to remain at {}, in line with {} wishes. Helped back to bed with staff. Handed over to the senior carer.",
                    home, her
                )),
                section("Advice given / safety-netting", format!(
                    "Call 999 again if {} develops new pain, cannot bear weight, becomes drowsy or more confused. GP informed via the falls pathway; referral to the community falls team suggested. Please check {} again in the morning.",
                    she, obj
                )),
            ],
        ),
        UrgentCare::BreathlessNotConveyed => (
            DocumentType::Ambulance,
            "Ambulance summary: breathlessness (COPD), not conveyed".to_string(),
            AMBULANCE,
            (*rng.pick(PARAMEDICS)).to_string(),
            vec![
                section("Presenting complaint", format!(
                    "Increasingly breathless over the evening; staff called 999 at {}. Known COPD with a rescue pack at the home.",
                    call.format("%H:%M")
                )),
                section("Observations", format!(
                    "On arrival: respiratory rate 24, SpO2 86% on air (target 88-92%). After treatment: respiratory rate 18, SpO2 90% on air, heart rate {}, temperature 37.{}. NEWS2 (Scale 2) 2 after treatment.",
                    rng.int(84, 96), rng.int(0, 6)
                )),
                section("Treatment and care given", "Salbutamol 5mg nebulised on air, with good effect. Rescue pack (prednisolone 30mg and doxycycline) started by staff as per the COPD plan.".to_string()),
                section("Outcome and handover", format!("Not conveyed: improved with treatment and prefers to stay at {}. GP to review tomorrow.", home)),
                section("Advice given / safety-netting", "Call 999 if breathlessness returns at rest, lips look blue, SpO2 stays below 88%, or drowsiness.".to_string()),
            ],
        ),
        UrgentCare::HypoNotConveyed => (
            DocumentType::Ambulance,
            "Ambulance summary: low blood sugar, not conveyed".to_string(),
            AMBULANCE,
            (*rng.pick(PARAMEDICS)).to_string(),
            vec![
                section("Presenting complaint", format!(
                    "Staff found {} sweaty and drowsy at {}; capillary glucose 2.{} mmol/L. Takes gliclazide.",
                    obj, call.format("%H:%M"), rng.int(4, 9)
                )),
                section("Observations", obs.text()),
                section("Treatment and care given", format!(
                    "Glucose gel given by staff before the crew arrived. Recovered: capillary glucose 7.{} mmol/L after 15 minutes, eating toast and a sweet drink.",
                    rng.int(2, 9)
                )),
                section("Outcome and handover", format!("Not conveyed. Back to {} usual self and eating. Staff confident to monitor.", her)),
                section("Advice given / safety-netting", "Check glucose hourly for 4 hours then before meals for 24 hours. Please ask the GP to review the gliclazide dose today. Call 999 if glucose falls below 4 again and does not respond to treatment.".to_string()),
            ],
        ),
        UrgentCare::EdWrist => (
            DocumentType::EmergencyDepartment,
            "Emergency department summary: fall with wrist injury".to_string(),
            hospital.org,
            (*rng.pick(hospital.ed_doctors)).to_string(),
            vec![
                section("Presenting complaint", format!("Fall onto an outstretched {} hand at {}; pain and swelling of the wrist.", rng.pick(&["left", "right"]), home)),
                section("Examination and investigations", "Tender over the distal radius, no deformity, hand neurovascularly intact. X-ray wrist: no fracture seen.".to_string()),
                section("Diagnosis", "Soft tissue injury of the wrist.".to_string()),
                section("Treatment", "Wrist splint for comfort. Regular paracetamol.".to_string()),
                section("Discharge and follow-up", format!(
                    "Discharged back to {} the same evening. Remove the splint after 2 weeks and encourage gentle movement. No fracture clinic follow-up needed. GP: consider a falls review.",
                    home
                )),
            ],
        ),
        UrgentCare::EdHeadInjury => (
            DocumentType::EmergencyDepartment,
            "Emergency department summary: head injury".to_string(),
            hospital.org,
            (*rng.pick(hospital.ed_doctors)).to_string(),
            vec![
                section("Presenting complaint", format!(
                    "Fall at {} with a bump to the back of the head.{}",
                    home,
                    if anticoagulated(&p.medicines) { " On an anticoagulant, so referred for a CT head." } else { " Brought in as staff were worried about drowsiness." }
                )),
                section("Examination and investigations", format!("GCS 15 (at {} baseline). Small haematoma on the occiput. CT head: no acute intracranial haemorrhage.", her)),
                section("Diagnosis", "Minor head injury.".to_string()),
                section("Treatment", "Neurological observations for 4 hours: stable. Paracetamol for the headache.".to_string()),
                section("Discharge and follow-up", format!(
                    "Discharged back to {} with the head injury advice sheet. Staff to check {} overnight: call 999 for drowsiness, vomiting, worsening headache or new confusion.",
                    home, obj
                )),
            ],
        ),
        UrgentCare::EdCatheter => (
            DocumentType::EmergencyDepartment,
            "Emergency department summary: blocked urinary catheter".to_string(),
            hospital.org,
            (*rng.pick(hospital.ed_doctors)).to_string(),
            vec![
                section("Presenting complaint", "Lower abdominal pain and no urine draining from the long-term catheter for 6 hours; district nurse unable to attend out of hours.".to_string()),
                section("Examination and investigations", format!("Palpable bladder. Bladder scan {} ml. Afebrile.", rng.int(600, 950))),
                section("Diagnosis", "Blocked long-term urethral catheter.".to_string()),
                section("Treatment", "Catheter changed (size 14Ch, 10ml balloon). Drained well with immediate relief.".to_string()),
                section("Discharge and follow-up", format!(
                    "Discharged back to {}. District nurse to review the catheter care plan and consider more frequent changes. Encourage fluids.",
                    home
                )),
            ],
        ),
    };
    let authored = (call + chrono::TimeDelta::minutes(rng.int(60, 240)))
        .min(crate::random::at_minute(day, 23 * 60 + 40));
    out.push(
        rng,
        &org,
        Some(author),
        authored,
        EntryBody::Document {
            doc_type,
            title,
            period_start: Some(day),
            period_end: Some(day),
            sections,
            attachments: Vec::new(),
        },
    );
}
