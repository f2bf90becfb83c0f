//! Conditions, allergies, medicines (orders and supplies) and blood results.
//!
//! SNOMED CT codes are given only for concepts whose codes we are sure of; everything
//! else is text. Medicines are text only (no dm+d codes): an order and the supplies of
//! the same medicine share one name, so they join by [`Concept::key`].

use bedside_domain::record::{
    AbnormalFlag, ClinicalStatus, Concept, EntryBody, LOINC, LabValue, MedicationStatus,
    ReferenceRange, SNOMED, Severity, Sex,
};
use chrono::{NaiveDate, TimeDelta};

use crate::people::Profile;
use crate::random::{Gen, at_minute, days_after, days_before};
use crate::resident::{Ctx, Out};

// ---------------------------------------------------------------------------------------
// Conditions

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cond {
    Alzheimers,
    VascularDementia,
    Parkinsons,
    Stroke,
    HeartFailure,
    Af,
    Copd,
    T2dm,
    Ckd3,
    Ihd,
    Hypertension,
    Osteoporosis,
    Hypothyroidism,
    Depression,
    Osteoarthritis,
    Bph,
    Anaemia,
    Glaucoma,
    Amd,
    HearingLoss,
}

impl Cond {
    pub(crate) fn concept(self) -> Concept {
        let (text, code) = match self {
            Self::Alzheimers => ("Alzheimer's disease", Some("26929004")),
            Self::VascularDementia => ("Vascular dementia", Some("429998004")),
            Self::Parkinsons => ("Parkinson's disease", Some("49049000")),
            Self::Stroke => ("Stroke", Some("230690007")),
            Self::HeartFailure => ("Heart failure", Some("84114007")),
            Self::Af => ("Atrial fibrillation", Some("49436004")),
            Self::Copd => ("Chronic obstructive pulmonary disease", Some("13645005")),
            Self::T2dm => ("Type 2 diabetes mellitus", Some("44054006")),
            Self::Ckd3 => ("Chronic kidney disease stage 3", Some("433144002")),
            Self::Ihd => ("Ischaemic heart disease", Some("414545008")),
            Self::Hypertension => ("Hypertension", Some("38341003")),
            Self::Osteoporosis => ("Osteoporosis", Some("64859006")),
            Self::Hypothyroidism => ("Hypothyroidism", Some("40930008")),
            Self::Depression => ("Depression", Some("35489007")),
            Self::Osteoarthritis => ("Osteoarthritis", Some("396275006")),
            Self::Bph => ("Benign prostatic hyperplasia", Some("266569009")),
            Self::Anaemia => ("Anaemia", Some("271737000")),
            Self::Glaucoma => ("Glaucoma", Some("23986001")),
            // Not sure enough of the code for age-related macular degeneration: text only.
            Self::Amd => ("Age-related macular degeneration", None),
            Self::HearingLoss => ("Hearing loss", Some("15188001")),
        };
        match code {
            Some(code) => Concept::coded(text, SNOMED, code),
            None => Concept::text(text),
        }
    }

    pub(crate) fn label(self) -> String {
        self.concept().text
    }

    /// Years before the anchor that the diagnosis was made: (earliest, latest).
    fn onset_years(self) -> (i64, i64) {
        match self {
            Self::Alzheimers | Self::VascularDementia => (1, 6),
            Self::Parkinsons => (3, 14),
            Self::Stroke => (1, 9),
            Self::HeartFailure => (1, 6),
            Self::Af => (2, 12),
            Self::Copd => (4, 20),
            Self::T2dm => (5, 25),
            Self::Ckd3 => (1, 8),
            Self::Ihd => (5, 25),
            Self::Hypertension => (8, 30),
            Self::Osteoporosis => (1, 12),
            Self::Hypothyroidism => (5, 30),
            Self::Depression => (1, 20),
            Self::Osteoarthritis => (5, 25),
            Self::Bph => (5, 20),
            Self::Anaemia => (1, 4),
            Self::Glaucoma => (3, 15),
            Self::Amd => (2, 10),
            Self::HearingLoss => (3, 20),
        }
    }

    fn note(self, rng: &mut Gen, p: &Profile) -> Option<String> {
        let her = p.her();
        let text = match self {
            Self::Alzheimers => format!(
                "Diagnosed by the memory assessment service. MMSE {}/30 at diagnosis.",
                rng.int(14, 23)
            ),
            Self::VascularDementia => rng
                .pick(&[
                    "Stepwise decline. CT head: extensive small vessel disease.",
                    "Diagnosed after a series of small strokes. CT head: small vessel disease and old lacunar infarcts.",
                ])
                .to_string(),
            Self::Parkinsons => "Under the community Parkinson's nurse specialist.".to_string(),
            Self::Stroke => {
                // The brain's opposite side: a left-sided infarct weakens the right.
                let brain = if p.weak_side == "left" { "Right" } else { "Left" };
                let kind = rng.pick(&[
                    "total anterior circulation infarct",
                    "partial anterior circulation infarct",
                    "lacunar infarct",
                ]);
                format!("{brain} {kind}. Residual {}-sided weakness.", p.weak_side)
            }
            Self::HeartFailure => rng
                .pick(&[
                    "Heart failure with reduced ejection fraction: LVEF 35% on echo.",
                    "Heart failure with preserved ejection fraction. Echo: LVEF 55%, dilated left atrium.",
                    "Heart failure with mildly reduced ejection fraction: LVEF 45% on echo.",
                ])
                .to_string(),
            Self::Af => format!(
                "Permanent AF. CHA2DS2-VASc {}. Rate control strategy.",
                rng.int(4, 7)
            ),
            Self::Copd => format!(
                "FEV1 {}% predicted. Target oxygen saturation 88-92%. Rescue pack kept at the home.",
                rng.int(32, 62)
            ),
            Self::T2dm => rng
                .pick(&[
                    "Individualised HbA1c target 53-64 mmol/mol given frailty.",
                    "Diet and tablet controlled. Annual diabetic foot check and retinal screening.",
                    "HbA1c target relaxed because of frailty; avoid hypoglycaemia.",
                ])
                .to_string(),
            Self::Ckd3 => rng
                .pick(&[
                    "G3a A1. Annual U&E and urine ACR.",
                    "G3b A2. Avoid NSAIDs; review doses of renally cleared medicines.",
                    "G3b A1. Sick day guidance given to the home.",
                ])
                .to_string(),
            Self::Ihd => rng
                .pick(&[
                    "Stable angina. Inferior myocardial infarction in the past, treated medically.",
                    "Previous coronary artery stents. Occasional angina.",
                ])
                .to_string(),
            Self::Osteoporosis => format!(
                "DXA T-score -{}.{} at the hip.",
                rng.int(2, 3),
                rng.int(5, 9)
            ),
            Self::Hypertension => {
                "Target clinic blood pressure below 150/90 given age and frailty.".to_string()
            }
            Self::Hypothyroidism => "TFTs checked annually.".to_string(),
            Self::Depression => {
                let widowed = matches!(
                    p.family.spouse,
                    Some((_, crate::people::SpouseState::Died(_)))
                );
                if widowed && rng.chance(50) {
                    "Low mood after bereavement; responded to an antidepressant.".to_string()
                } else {
                    rng.pick(&[
                        "Long-standing recurrent depression.",
                        "Low mood, poor sleep and poor appetite; responded to an antidepressant.",
                    ])
                    .to_string()
                }
            }
            Self::Osteoarthritis => rng
                .pick(&[
                    "Both knees, worse on the right.",
                    "Hips and knees. Not for joint replacement.",
                    "Hands and left hip.",
                ])
                .to_string(),
            Self::Bph => "Nocturia. PSA within normal range for age.".to_string(),
            Self::Anaemia => rng
                .pick(&[
                    "Iron deficiency. Not for endoscopy after discussion with the family.",
                    "Anaemia of chronic disease. Monitored.",
                ])
                .to_string(),
            Self::Glaucoma => "Primary open-angle glaucoma. Under the eye clinic.".to_string(),
            Self::Amd => format!("Dry AMD both eyes. {} reading is now very limited.", cap(her)),
            Self::HearingLoss => "Bilateral hearing aids from audiology.".to_string(),
        };
        Some(text)
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A condition and when it was diagnosed.
#[derive(Debug, Clone)]
pub(crate) struct Diagnosis {
    pub cond: Cond,
    pub onset: NaiveDate,
}

/// Picks 3 to 8 conditions with realistic prevalence for people living in care homes.
pub(crate) fn choose_conditions(rng: &mut Gen, p: &Profile, anchor: NaiveDate) -> Vec<Diagnosis> {
    let female = p.sex == Sex::Female;
    let mut conds: Vec<Cond> = Vec::new();
    if rng.chance(70) {
        conds.push(if rng.chance(60) {
            Cond::Alzheimers
        } else {
            Cond::VascularDementia
        });
    }
    let vascular = conds.contains(&Cond::VascularDementia);
    let table: [(Cond, u32); 18] = [
        (Cond::Parkinsons, 7),
        (Cond::Stroke, if vascular { 45 } else { 12 }),
        (Cond::HeartFailure, 15),
        (Cond::Af, 24),
        (Cond::Copd, 14),
        (Cond::T2dm, 24),
        (Cond::Ckd3, 30),
        (Cond::Ihd, 15),
        (Cond::Hypertension, 55),
        (Cond::Osteoporosis, if female { 30 } else { 10 }),
        (Cond::Hypothyroidism, if female { 15 } else { 5 }),
        (Cond::Depression, 22),
        (Cond::Osteoarthritis, 40),
        (Cond::Bph, if female { 0 } else { 35 }),
        (Cond::Anaemia, 10),
        (Cond::Glaucoma, 6),
        (Cond::Amd, 8),
        (Cond::HearingLoss, 25),
    ];
    for (cond, pct) in table {
        if rng.chance(pct) {
            conds.push(cond);
        }
    }
    // Too few: add the commonest ones a frail older person is likely to have.
    for filler in [
        Cond::Hypertension,
        Cond::Osteoarthritis,
        Cond::HearingLoss,
        Cond::Ckd3,
    ] {
        if conds.len() >= 3 {
            break;
        }
        if !conds.contains(&filler) {
            conds.push(filler);
        }
    }
    // Too many: keep the ones that matter most (the enum is ordered by clinical weight).
    conds.sort();
    conds.truncate(rng.int(6, 8) as usize);
    conds
        .into_iter()
        .map(|cond| {
            let (lo, hi) = cond.onset_years();
            let earliest = days_before(anchor, hi * 365 + 180);
            let latest = days_before(anchor, lo * 365);
            // Nobody is diagnosed with these before their forties.
            let adult = p.birth_date + TimeDelta::days(45 * 365);
            let mut onset = rng.day(earliest.max(adult), latest.max(adult));
            // A stroke after moving in would have its own hospital stay; keep it before.
            if cond == Cond::Stroke {
                onset = onset.min(days_before(p.admitted_on, rng.int(30, 400)));
            }
            Diagnosis { cond, onset }
        })
        .collect()
}

pub(crate) fn emit_conditions(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, out: &mut Out) {
    for d in &p.diagnoses {
        let recorded = days_after(d.onset, rng.int(1, 28)).min(days_before(ctx.anchor, 1));
        let author = (*rng.pick(ctx.practice.doctors)).to_string();
        let when = rng.time(recorded, 9, 18);
        let note = d.cond.note(rng, p);
        out.push(
            rng,
            &ctx.practice.org,
            Some(author),
            when,
            EntryBody::Condition {
                name: d.cond.concept(),
                clinical_status: ClinicalStatus::Active,
                onset: Some(d.onset),
                note,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------
// Allergies

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AllergyPlan {
    /// One or more allergies recorded.
    Allergic,
    /// "No known allergies" recorded.
    NoneKnown,
    /// Nothing recorded at all: the tablet must say "not recorded".
    NotRecorded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allergen {
    Penicillin,
    Codeine,
    Latex,
    Nsaids,
    Sulfonamides,
    Eggs,
    Trimethoprim,
    Morphine,
    Plasters,
    Clarithromycin,
}

impl Allergen {
    fn substance(self) -> &'static str {
        match self {
            Self::Penicillin => "Penicillin",
            Self::Codeine => "Codeine",
            Self::Latex => "Latex",
            Self::Nsaids => "NSAIDs (ibuprofen, naproxen, diclofenac)",
            Self::Sulfonamides => "Sulfonamides (co-trimoxazole)",
            Self::Eggs => "Eggs",
            Self::Trimethoprim => "Trimethoprim",
            Self::Morphine => "Morphine",
            Self::Plasters => "Adhesive plasters",
            Self::Clarithromycin => "Clarithromycin",
        }
    }

    fn reactions(self) -> &'static [(&'static str, Severity)] {
        match self {
            Self::Penicillin => &[
                ("Widespread itchy rash", Severity::Moderate),
                (
                    "Anaphylaxis in 1978: facial swelling and collapse",
                    Severity::Severe,
                ),
                ("Urticaria and lip swelling", Severity::Moderate),
                (
                    "Rash (history from patient, details not known)",
                    Severity::Mild,
                ),
            ],
            Self::Codeine => &[
                ("Vomiting and confusion", Severity::Moderate),
                ("Severe constipation and drowsiness", Severity::Mild),
            ],
            Self::Latex => &[
                ("Contact dermatitis", Severity::Mild),
                ("Hives and wheeze", Severity::Moderate),
            ],
            Self::Nsaids => &[
                ("Wheeze and breathlessness", Severity::Moderate),
                ("Gastrointestinal bleed", Severity::Severe),
            ],
            Self::Sulfonamides => &[("Rash with blistering", Severity::Severe)],
            Self::Eggs => &[
                ("Lip and tongue swelling", Severity::Moderate),
                ("Abdominal pain and vomiting", Severity::Mild),
            ],
            Self::Trimethoprim => &[("Rash", Severity::Mild)],
            Self::Morphine => &[("Hallucinations and agitation", Severity::Moderate)],
            Self::Plasters => &[("Skin blistering under dressings", Severity::Mild)],
            Self::Clarithromycin => &[("Severe diarrhoea and vomiting", Severity::Moderate)],
        }
    }
}

pub(crate) fn choose_allergens(rng: &mut Gen, plan: AllergyPlan) -> Vec<Allergen> {
    if plan != AllergyPlan::Allergic {
        return Vec::new();
    }
    let table = [
        (Allergen::Penicillin, 40),
        (Allergen::Codeine, 12),
        (Allergen::Latex, 5),
        (Allergen::Nsaids, 8),
        (Allergen::Sulfonamides, 6),
        (Allergen::Eggs, 4),
        (Allergen::Trimethoprim, 8),
        (Allergen::Morphine, 5),
        (Allergen::Plasters, 7),
        (Allergen::Clarithromycin, 5),
    ];
    let first = *rng.weighted(&table);
    let mut list = vec![first];
    if rng.chance(25) {
        let second = *rng.weighted(&table);
        if second != first {
            list.push(second);
        }
    }
    list
}

pub(crate) fn emit_allergies(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, out: &mut Out) {
    let author = (*rng.pick(ctx.practice.doctors)).to_string();
    match p.allergy_plan {
        AllergyPlan::NotRecorded => {}
        AllergyPlan::NoneKnown => {
            let day = rng.day(
                days_before(ctx.anchor, 5 * 365).max(days_before(p.admitted_on, 365)),
                days_before(ctx.anchor, 7),
            );
            let when = rng.time(day, 9, 18);
            out.push(
                rng,
                &ctx.practice.org,
                Some(author),
                when,
                EntryBody::NoKnownAllergies {},
            );
        }
        AllergyPlan::Allergic => {
            for allergen in &p.allergens {
                let (reaction, severity) = *rng.pick(allergen.reactions());
                let day = rng.day(
                    days_before(ctx.anchor, 12 * 365),
                    days_before(ctx.anchor, 30),
                );
                let when = rng.time(day, 9, 18);
                out.push(
                    rng,
                    &ctx.practice.org,
                    Some(author.clone()),
                    when,
                    EntryBody::Allergy {
                        substance: Concept::text(allergen.substance()),
                        reaction: Some(reaction.to_string()),
                        severity: Some(severity),
                        clinical_status: ClinicalStatus::Active,
                    },
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Medicines

/// A medicine as the GP prescribes it and the pharmacy labels it.
#[derive(Debug)]
pub(crate) struct MedSpec {
    pub name: &'static str,
    pub dosage: &'static str,
    /// What a 28-day supply is.
    pub qty: &'static str,
    /// "When required" medicines are supplied less often.
    pub prn: bool,
}

const fn med(name: &'static str, dosage: &'static str, qty: &'static str) -> MedSpec {
    MedSpec {
        name,
        dosage,
        qty,
        prn: false,
    }
}

const fn prn(name: &'static str, dosage: &'static str, qty: &'static str) -> MedSpec {
    MedSpec {
        name,
        dosage,
        qty,
        prn: true,
    }
}

pub(crate) mod m {
    use super::{MedSpec, med, prn};

    pub(crate) const METFORMIN: MedSpec = med(
        "Metformin 500mg tablets",
        "One tablet twice a day with breakfast and evening meal",
        "56 tablets",
    );
    pub(crate) const METFORMIN_MR: MedSpec = med(
        "Metformin 500mg modified-release tablets",
        "Two tablets once a day with the evening meal",
        "56 tablets",
    );
    pub(crate) const GLICLAZIDE: MedSpec = med(
        "Gliclazide 40mg tablets",
        "One tablet twice a day with breakfast and evening meal",
        "56 tablets",
    );
    pub(crate) const LINAGLIPTIN: MedSpec = med(
        "Linagliptin 5mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const APIXABAN_2_5: MedSpec = med(
        "Apixaban 2.5mg tablets",
        "One tablet twice a day, 12 hours apart",
        "56 tablets",
    );
    pub(crate) const APIXABAN_5: MedSpec = med(
        "Apixaban 5mg tablets",
        "One tablet twice a day, 12 hours apart",
        "56 tablets",
    );
    pub(crate) const EDOXABAN: MedSpec = med(
        "Edoxaban 30mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const BISOPROLOL_2_5: MedSpec = med(
        "Bisoprolol 2.5mg tablets",
        "One tablet once a day in the morning",
        "28 tablets",
    );
    pub(crate) const BISOPROLOL_5: MedSpec = med(
        "Bisoprolol 5mg tablets",
        "One tablet once a day in the morning",
        "28 tablets",
    );
    pub(crate) const DIGOXIN: MedSpec = med(
        "Digoxin 62.5microgram tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const FUROSEMIDE: MedSpec = med(
        "Furosemide 40mg tablets",
        "One tablet in the morning",
        "28 tablets",
    );
    pub(crate) const RAMIPRIL_2_5: MedSpec = med(
        "Ramipril 2.5mg capsules",
        "One capsule once a day",
        "28 capsules",
    );
    pub(crate) const RAMIPRIL_5: MedSpec = med(
        "Ramipril 5mg capsules",
        "One capsule once a day",
        "28 capsules",
    );
    pub(crate) const SPIRONOLACTONE: MedSpec = med(
        "Spironolactone 25mg tablets",
        "One tablet once a day in the morning",
        "28 tablets",
    );
    pub(crate) const DAPAGLIFLOZIN: MedSpec = med(
        "Dapagliflozin 10mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const AMLODIPINE: MedSpec = med(
        "Amlodipine 5mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const INDAPAMIDE: MedSpec = med(
        "Indapamide 2.5mg tablets",
        "One tablet once a day in the morning",
        "28 tablets",
    );
    pub(crate) const LOSARTAN: MedSpec = med(
        "Losartan 50mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const ASPIRIN: MedSpec = med(
        "Aspirin 75mg dispersible tablets",
        "One tablet once a day after food",
        "28 tablets",
    );
    pub(crate) const CLOPIDOGREL: MedSpec = med(
        "Clopidogrel 75mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const ATORVASTATIN_20: MedSpec = med(
        "Atorvastatin 20mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const ATORVASTATIN_40: MedSpec = med(
        "Atorvastatin 40mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const GTN: MedSpec = prn(
        "Glyceryl trinitrate 400micrograms/dose pump sublingual spray",
        "One or two sprays under the tongue when required for chest pain; repeat after 5 minutes if needed. Call 999 if pain persists",
        "1 spray",
    );
    pub(crate) const TIOTROPIUM: MedSpec = med(
        "Spiriva Respimat 2.5micrograms/dose solution for inhalation cartridge with device",
        "Two puffs once a day",
        "1 inhaler",
    );
    pub(crate) const TRIMBOW: MedSpec = med(
        "Trimbow 87micrograms/dose / 5micrograms/dose / 9micrograms/dose inhaler",
        "Two puffs twice a day via a spacer; rinse mouth afterwards",
        "1 inhaler",
    );
    pub(crate) const SALBUTAMOL: MedSpec = prn(
        "Salbutamol 100micrograms/dose inhaler CFC free",
        "One or two puffs up to four times a day when required for breathlessness, via a spacer",
        "1 inhaler",
    );
    pub(crate) const CARBOCISTEINE: MedSpec = med(
        "Carbocisteine 375mg capsules",
        "Two capsules three times a day",
        "168 capsules",
    );
    pub(crate) const DONEPEZIL_5: MedSpec =
        med("Donepezil 5mg tablets", "One tablet at night", "28 tablets");
    pub(crate) const DONEPEZIL_10: MedSpec = med(
        "Donepezil 10mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const MEMANTINE_10: MedSpec = med(
        "Memantine 10mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const MEMANTINE_20: MedSpec = med(
        "Memantine 20mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const COCARELDOPA: MedSpec = med(
        "Co-careldopa 25mg/100mg tablets",
        "One tablet four times a day at 07:00, 11:00, 15:00 and 19:00. Time-critical: give on time",
        "112 tablets",
    );
    pub(crate) const RASAGILINE: MedSpec = med(
        "Rasagiline 1mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const ALENDRONIC_ACID: MedSpec = med(
        "Alendronic acid 70mg tablets",
        "One tablet once a week on Monday, at least 30 minutes before breakfast, with a full glass of water; stay upright for 30 minutes",
        "4 tablets",
    );
    pub(crate) const ADCAL: MedSpec = med(
        "Adcal-D3 chewable tablets",
        "One tablet twice a day",
        "56 tablets",
    );
    pub(crate) const SERTRALINE: MedSpec = med(
        "Sertraline 50mg tablets",
        "One tablet once a day in the morning",
        "28 tablets",
    );
    pub(crate) const MIRTAZAPINE: MedSpec = med(
        "Mirtazapine 15mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const CITALOPRAM: MedSpec = med(
        "Citalopram 10mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const LEVOTHYROXINE_50: MedSpec = med(
        "Levothyroxine sodium 50microgram tablets",
        "One tablet once a day in the morning, 30 minutes before breakfast",
        "28 tablets",
    );
    pub(crate) const LEVOTHYROXINE_75: MedSpec = med(
        "Levothyroxine sodium 75microgram tablets",
        "One tablet once a day in the morning, 30 minutes before breakfast",
        "28 tablets",
    );
    pub(crate) const LEVOTHYROXINE_100: MedSpec = med(
        "Levothyroxine sodium 100microgram tablets",
        "One tablet once a day in the morning, 30 minutes before breakfast",
        "28 tablets",
    );
    pub(crate) const PARACETAMOL: MedSpec = med(
        "Paracetamol 500mg tablets",
        "Two tablets four times a day",
        "224 tablets",
    );
    pub(crate) const PARACETAMOL_PRN: MedSpec = prn(
        "Paracetamol 500mg tablets",
        "Two tablets up to four times a day when required for pain; at least 4 hours between doses",
        "100 tablets",
    );
    pub(crate) const COCODAMOL: MedSpec = prn(
        "Co-codamol 8mg/500mg tablets",
        "Two tablets up to four times a day when required for pain; do not give with paracetamol",
        "100 tablets",
    );
    pub(crate) const IBUPROFEN_GEL: MedSpec = prn(
        "Ibuprofen 5% gel",
        "Apply thinly to the painful knee up to three times a day when required",
        "100g",
    );
    pub(crate) const TAMSULOSIN: MedSpec = med(
        "Tamsulosin 400microgram modified-release capsules",
        "One capsule once a day after breakfast",
        "28 capsules",
    );
    pub(crate) const FINASTERIDE: MedSpec = med(
        "Finasteride 5mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const LATANOPROST: MedSpec = med(
        "Latanoprost 50micrograms/ml eye drops",
        "One drop into both eyes at night",
        "2.5ml",
    );
    pub(crate) const FERROUS_FUMARATE: MedSpec = med(
        "Ferrous fumarate 210mg tablets",
        "One tablet once a day",
        "28 tablets",
    );
    pub(crate) const SENNA: MedSpec =
        med("Senna 7.5mg tablets", "Two tablets at night", "56 tablets");
    pub(crate) const LAXIDO: MedSpec = med(
        "Laxido Orange oral powder sachets sugar free",
        "One sachet in half a glass of water once a day; may increase to two a day if needed",
        "30 sachets",
    );
    pub(crate) const LACTULOSE: MedSpec = med(
        "Lactulose 3.1-3.7g/5ml oral solution",
        "15ml twice a day",
        "500ml",
    );
    pub(crate) const OMEPRAZOLE: MedSpec = med(
        "Omeprazole 20mg gastro-resistant capsules",
        "One capsule once a day before breakfast",
        "28 capsules",
    );
    pub(crate) const LANSOPRAZOLE: MedSpec = med(
        "Lansoprazole 15mg gastro-resistant capsules",
        "One capsule once a day before breakfast",
        "28 capsules",
    );
    pub(crate) const CETRABEN: MedSpec = med(
        "Cetraben emollient cream",
        "Apply to dry skin on arms and legs twice a day",
        "500g",
    );
    pub(crate) const BARRIER_CREAM: MedSpec = med(
        "Medi Derma-S barrier cream",
        "Apply a thin layer to the sacral and perineal area after each pad change",
        "90g",
    );
    pub(crate) const COLECALCIFEROL: MedSpec = med(
        "Colecalciferol 800unit capsules",
        "One capsule once a day",
        "28 capsules",
    );
    pub(crate) const ZOPICLONE: MedSpec = med(
        "Zopiclone 3.75mg tablets",
        "One tablet at night when required",
        "28 tablets",
    );
    pub(crate) const AMITRIPTYLINE: MedSpec = med(
        "Amitriptyline 10mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const OXYBUTYNIN: MedSpec = med(
        "Oxybutynin 5mg tablets",
        "One tablet twice a day",
        "56 tablets",
    );
    pub(crate) const SIMVASTATIN: MedSpec = med(
        "Simvastatin 40mg tablets",
        "One tablet at night",
        "28 tablets",
    );
    pub(crate) const WARFARIN: MedSpec = med(
        "Warfarin 1mg tablets",
        "As directed by the anticoagulant clinic (see yellow book)",
        "56 tablets",
    );
    pub(crate) const IBUPROFEN: MedSpec = med(
        "Ibuprofen 400mg tablets",
        "One tablet three times a day with food",
        "84 tablets",
    );
    pub(crate) const DOXYCYCLINE: MedSpec = med(
        "Doxycycline 100mg capsules",
        "Two capsules on the first day, then one capsule once a day for a further four days. Take sitting upright with a full glass of water",
        "6 capsules",
    );
    pub(crate) const NITROFURANTOIN: MedSpec = med(
        "Nitrofurantoin 100mg modified-release capsules",
        "One capsule twice a day for 3 days, with food",
        "6 capsules",
    );
}

/// One prescription in a resident's history.
#[derive(Debug, Clone)]
pub(crate) struct Med {
    pub spec: &'static MedSpec,
    pub dosage: &'static str,
    pub qty: &'static str,
    pub start: NaiveDate,
    /// When it was stopped (or replaced by a new order).
    pub stop: Option<NaiveDate>,
    /// 0 is essential; higher numbers go first when a list is too long.
    pub priority: u8,
    /// Mentioned in a discharge summary, so never dropped.
    pub locked: bool,
    /// Deliberately prescribed without a supply yet (the "awaiting supply" demo).
    pub awaiting: bool,
}

impl Med {
    pub(crate) fn new(spec: &'static MedSpec, start: NaiveDate, priority: u8) -> Self {
        Self {
            spec,
            dosage: spec.dosage,
            qty: spec.qty,
            start,
            stop: None,
            priority,
            locked: false,
            awaiting: false,
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.stop.is_none()
    }
}

/// The active medicine whose name starts with `prefix`, if any.
pub(crate) fn find_active(meds: &[Med], prefix: &str) -> Option<usize> {
    meds.iter()
        .position(|m| m.is_active() && m.spec.name.starts_with(prefix))
}

pub(crate) fn has_active(meds: &[Med], prefix: &str) -> bool {
    find_active(meds, prefix).is_some()
}

fn has_any(meds: &[Med], prefix: &str) -> bool {
    meds.iter().any(|m| m.spec.name.starts_with(prefix))
}

pub(crate) fn anticoagulated(meds: &[Med]) -> bool {
    ["Apixaban", "Edoxaban", "Warfarin"]
        .iter()
        .any(|p| has_active(meds, p))
}

/// The long-term medicines that follow from a resident's conditions.
pub(crate) fn base_medicines(rng: &mut Gen, p: &Profile, anchor: NaiveDate) -> Vec<Med> {
    let mut meds: Vec<Med> = Vec::new();
    let earliest = days_before(anchor, 8 * 365);
    let latest = days_before(anchor, 60);
    let add =
        |rng: &mut Gen, meds: &mut Vec<Med>, spec: &'static MedSpec, since: NaiveDate, prio: u8| {
            if has_any(meds, spec.name) {
                return;
            }
            let lo = days_after(since, 14).max(earliest).min(latest);
            let start = rng.day(lo, latest);
            meds.push(Med::new(spec, start, prio));
        };
    let has = |c: Cond| p.diagnoses.iter().find(|d| d.cond == c).map(|d| d.onset);
    let ckd = has(Cond::Ckd3).is_some();
    let codeine_ok = !p.allergens.contains(&Allergen::Codeine);
    let nsaid_ok = !p.allergens.contains(&Allergen::Nsaids);

    if let Some(on) = has(Cond::Parkinsons) {
        add(rng, &mut meds, &m::COCARELDOPA, on, 0);
        if rng.chance(40) {
            add(rng, &mut meds, &m::RASAGILINE, on, 2);
        }
    }
    if let Some(on) = has(Cond::Alzheimers) {
        if rng.chance(70) {
            let d = if rng.chance(60) {
                &m::DONEPEZIL_10
            } else {
                &m::DONEPEZIL_5
            };
            add(rng, &mut meds, d, on, 1);
        }
        if rng.chance(35) {
            let mm = if rng.chance(60) {
                &m::MEMANTINE_20
            } else {
                &m::MEMANTINE_10
            };
            add(rng, &mut meds, mm, on, 1);
        }
    }
    if let Some(on) = has(Cond::Af)
        && rng.chance(85)
    {
        let doac = match rng.int(0, 9) {
            0..=5 if p.age >= 80 || ckd => &m::APIXABAN_2_5,
            0..=5 => &m::APIXABAN_5,
            _ => &m::EDOXABAN,
        };
        add(rng, &mut meds, doac, on, 0);
        if rng.chance(25) {
            // Switched from warfarin to a DOAC: the warfarin order stays in the history.
            let doac_start = meds.last().map_or(on, |m| m.start);
            let w_start = rng.day(
                days_before(doac_start, 4 * 365).max(on),
                days_before(doac_start, 60),
            );
            let mut w = Med::new(&m::WARFARIN, w_start.min(days_before(doac_start, 30)), 3);
            w.stop = Some(doac_start);
            meds.push(w);
        }
    }
    if let Some(on) = has(Cond::Af) {
        if rng.chance(75) {
            add(rng, &mut meds, &m::BISOPROLOL_2_5, on, 1);
        } else {
            add(rng, &mut meds, &m::DIGOXIN, on, 1);
        }
    }
    if let Some(on) = has(Cond::HeartFailure) {
        add(rng, &mut meds, &m::FUROSEMIDE, on, 0);
        if !has_any(&meds, "Bisoprolol") {
            add(rng, &mut meds, &m::BISOPROLOL_2_5, on, 1);
        }
        add(rng, &mut meds, &m::RAMIPRIL_2_5, on, 1);
        if rng.chance(40) {
            add(rng, &mut meds, &m::SPIRONOLACTONE, on, 2);
        }
        if rng.chance(30) {
            add(rng, &mut meds, &m::DAPAGLIFLOZIN, on, 2);
        }
    }
    if let Some(on) = has(Cond::Ihd) {
        if !anticoagulated(&meds) {
            add(rng, &mut meds, &m::ASPIRIN, on, 1);
        }
        add(rng, &mut meds, &m::ATORVASTATIN_40, on, 2);
        if rng.chance(40) {
            add(rng, &mut meds, &m::GTN, on, 2);
        }
        if !has_any(&meds, "Bisoprolol") && rng.chance(50) {
            add(rng, &mut meds, &m::BISOPROLOL_2_5, on, 2);
        }
    }
    if let Some(on) = has(Cond::Stroke) {
        if !anticoagulated(&meds) {
            add(rng, &mut meds, &m::CLOPIDOGREL, on, 1);
        }
        if !has_any(&meds, "Atorvastatin") {
            add(rng, &mut meds, &m::ATORVASTATIN_40, on, 2);
        }
    }
    if let Some(on) = has(Cond::VascularDementia)
        && !anticoagulated(&meds)
        && !has_any(&meds, "Clopidogrel")
        && !has_any(&meds, "Aspirin")
    {
        add(rng, &mut meds, &m::CLOPIDOGREL, on, 2);
    }
    if let Some(on) = has(Cond::T2dm) {
        if ckd && rng.chance(60) {
            add(rng, &mut meds, &m::LINAGLIPTIN, on, 1);
        } else if rng.chance(60) {
            add(rng, &mut meds, &m::METFORMIN, on, 1);
        } else {
            add(rng, &mut meds, &m::METFORMIN_MR, on, 1);
        }
        if rng.chance(35) {
            add(rng, &mut meds, &m::GLICLAZIDE, on, 1);
        }
        if !has_any(&meds, "Atorvastatin") {
            add(rng, &mut meds, &m::ATORVASTATIN_20, on, 3);
        }
    }
    if let Some(on) = has(Cond::Hypertension) {
        let before = meds.len();
        if rng.chance(50) {
            add(rng, &mut meds, &m::AMLODIPINE, on, 2);
        }
        if !has_any(&meds, "Ramipril") && rng.chance(35) {
            add(rng, &mut meds, &m::RAMIPRIL_5, on, 2);
        }
        // Frail older people are rarely on more than two blood pressure medicines.
        if meds.len() - before < 2 && rng.chance(20) {
            add(rng, &mut meds, &m::INDAPAMIDE, on, 2);
        }
        if meds.len() == before && !has_any(&meds, "Ramipril") {
            add(rng, &mut meds, &m::LOSARTAN, on, 2);
        }
    }
    if let Some(on) = has(Cond::Copd) {
        add(rng, &mut meds, &m::SALBUTAMOL, on, 1);
        let inhaler = if rng.chance(50) {
            &m::TIOTROPIUM
        } else {
            &m::TRIMBOW
        };
        add(rng, &mut meds, inhaler, on, 1);
        if rng.chance(30) {
            add(rng, &mut meds, &m::CARBOCISTEINE, on, 3);
        }
    }
    if let Some(on) = has(Cond::Osteoporosis) {
        if rng.chance(60) && !ckd {
            add(rng, &mut meds, &m::ALENDRONIC_ACID, on, 2);
        }
        if rng.chance(80) {
            add(rng, &mut meds, &m::ADCAL, on, 3);
        }
    }
    if let Some(on) = has(Cond::Depression) {
        let ad = *rng.weighted(&[
            (&m::SERTRALINE, 5),
            (&m::MIRTAZAPINE, 3),
            (&m::CITALOPRAM, 2),
        ]);
        add(rng, &mut meds, ad, on, 2);
    }
    if let Some(on) = has(Cond::Hypothyroidism) {
        let l = *rng.pick(&[
            &m::LEVOTHYROXINE_50,
            &m::LEVOTHYROXINE_75,
            &m::LEVOTHYROXINE_100,
        ]);
        add(rng, &mut meds, l, on, 0);
    }
    if let Some(on) = has(Cond::Osteoarthritis) {
        if codeine_ok && rng.chance(20) {
            add(rng, &mut meds, &m::COCODAMOL, on, 3);
        } else if rng.chance(60) {
            add(rng, &mut meds, &m::PARACETAMOL, on, 2);
        } else {
            add(rng, &mut meds, &m::PARACETAMOL_PRN, on, 3);
        }
        if nsaid_ok && !ckd && rng.chance(25) {
            add(rng, &mut meds, &m::IBUPROFEN_GEL, on, 5);
        }
    }
    if let Some(on) = has(Cond::Bph) {
        if rng.chance(80) {
            add(rng, &mut meds, &m::TAMSULOSIN, on, 2);
        }
        if rng.chance(40) {
            add(rng, &mut meds, &m::FINASTERIDE, on, 3);
        }
    }
    if let Some(on) = has(Cond::Glaucoma) {
        add(rng, &mut meds, &m::LATANOPROST, on, 1);
    }
    if let Some(on) = has(Cond::Anaemia)
        && rng.chance(70)
    {
        add(rng, &mut meds, &m::FERROUS_FUMARATE, on, 3);
    }

    // Medicines most residents have whatever their conditions.
    let since = days_before(p.admitted_on, 365);
    if !has_any(&meds, "Paracetamol") && !has_any(&meds, "Co-codamol") && rng.chance(55) {
        add(rng, &mut meds, &m::PARACETAMOL_PRN, since, 6);
    }
    match rng.int(0, 9) {
        0..=3 => add(rng, &mut meds, &m::SENNA, since, 6),
        4..=6 => add(rng, &mut meds, &m::LAXIDO, since, 6),
        7 => add(rng, &mut meds, &m::LACTULOSE, since, 6),
        _ => {}
    }
    let gi_risk =
        anticoagulated(&meds) || has_any(&meds, "Aspirin") || has_any(&meds, "Clopidogrel");
    if rng.chance(if gi_risk { 60 } else { 25 }) {
        let ppi = if rng.chance(60) {
            &m::OMEPRAZOLE
        } else {
            &m::LANSOPRAZOLE
        };
        add(rng, &mut meds, ppi, since, 5);
    }
    if rng.chance(30) {
        add(rng, &mut meds, &m::CETRABEN, since, 8);
    }
    if rng.chance(20) {
        add(rng, &mut meds, &m::BARRIER_CREAM, since, 8);
    }
    if !has_any(&meds, "Adcal") && rng.chance(25) {
        add(rng, &mut meds, &m::COLECALCIFEROL, since, 7);
    }

    // Medicines stopped on review: the history a pharmacist would expect to see.
    let deprescribe: [(&'static MedSpec, u32); 4] = [
        (&m::ZOPICLONE, 15),
        (&m::AMITRIPTYLINE, 8),
        (&m::OXYBUTYNIN, if p.has_dementia() { 12 } else { 4 }),
        (
            &m::IBUPROFEN,
            if nsaid_ok && has(Cond::Osteoarthritis).is_some() {
                15
            } else {
                0
            },
        ),
    ];
    for (spec, pct) in deprescribe {
        if rng.chance(pct) {
            let start = rng.day(days_before(anchor, 6 * 365), days_before(anchor, 400));
            let stop = rng.day(days_after(start, 90), days_before(anchor, 60));
            let mut med = Med::new(spec, start, 4);
            med.stop = Some(stop);
            meds.push(med);
        }
    }
    if let Some(i) = find_active(&meds, "Atorvastatin")
        && rng.chance(25)
    {
        // Switched from simvastatin because of an interaction or muscle aches.
        let switch = meds[i].start;
        let start = rng.day(days_before(switch, 5 * 365), days_before(switch, 120));
        let mut s = Med::new(&m::SIMVASTATIN, start, 4);
        s.stop = Some(switch);
        meds.push(s);
    }
    meds
}

/// Keeps the list to at most 12 orders and at least 5, dropping optional medicines first.
pub(crate) fn fit_medicines(
    rng: &mut Gen,
    meds: &mut Vec<Med>,
    anchor: NaiveDate,
    since: NaiveDate,
) {
    while meds.len() > 12 {
        let drop = meds
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.locked && !m.awaiting)
            .max_by_key(|(i, m)| (m.priority, *i))
            .map(|(i, _)| i);
        match drop {
            Some(i) => {
                meds.remove(i);
            }
            None => break,
        }
    }
    let fillers: [&'static MedSpec; 6] = [
        &m::PARACETAMOL_PRN,
        &m::SENNA,
        &m::CETRABEN,
        &m::COLECALCIFEROL,
        &m::BARRIER_CREAM,
        &m::LACTULOSE,
    ];
    for spec in fillers {
        if meds.len() >= 5 {
            break;
        }
        let clash = (spec.name.starts_with("Paracetamol") && has_any(meds, "Co-codamol"))
            || (spec.name.starts_with("Lactulose")
                && (has_any(meds, "Senna") || has_any(meds, "Laxido")))
            || (spec.name.starts_with("Colecalciferol") && has_any(meds, "Adcal"));
        if !has_any(meds, spec.name) && !clash {
            let start = rng.day(since.min(days_before(anchor, 90)), days_before(anchor, 60));
            meds.push(Med::new(spec, start, 9));
        }
    }
}

/// The home's 28-day medicines cycle: every regular medicine is delivered on the same day.
pub(crate) fn cycle_days(
    last_cycle: NaiveDate,
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let mut d = last_cycle;
    while d > until {
        d = days_before(d, 28);
    }
    while d >= from {
        days.push(d);
        d = days_before(d, 28);
    }
    days.reverse();
    days
}

pub(crate) fn emit_medicines(rng: &mut Gen, ctx: &Ctx<'_>, meds: &[Med], out: &mut Out) {
    let yesterday = days_before(ctx.anchor, 1);
    for med in meds {
        let medicine = Concept::text(med.spec.name);
        let prescribed = rng.time(med.start, 9, 18);
        let author = (*rng.pick(ctx.practice.doctors)).to_string();
        out.push(
            rng,
            &ctx.practice.org,
            Some(author.clone()),
            prescribed,
            EntryBody::MedicationOrder {
                medicine: medicine.clone(),
                dosage: Some(med.dosage.to_string()),
                prescribed_on: med.start,
                prescriber: Some(ctx.practice.org.name.to_string()),
                status: if med.is_active() {
                    MedicationStatus::Active
                } else {
                    MedicationStatus::Stopped
                },
            },
        );
        if med.awaiting {
            continue;
        }
        // The first supply comes within a couple of days of the prescription; after that
        // the medicine joins the home's cycle. Only the last year (or the last half-year
        // before it was stopped) is sent, as a pharmacy would.
        let end = med.stop.map_or(yesterday, |s| days_before(s, 1));
        let window = days_before(end, if med.stop.is_some() { 180 } else { 364 });
        let mut days: Vec<NaiveDate> = Vec::new();
        let first = days_after(med.start, rng.int(0, 2)).min(end);
        if first >= window {
            days.push(first);
        }
        let every = if med.spec.prn { 3 } else { 1 };
        let phase = rng.int(0, every - 1);
        for (n, d) in cycle_days(ctx.last_cycle, window, end)
            .into_iter()
            .enumerate()
        {
            if d > first && (n as i64 + phase) % every == 0 {
                days.push(d);
            }
        }
        if days.is_empty() {
            days.push(first.max(window));
        }
        for d in days {
            let when = rng.time(d, 11, 17);
            out.push(
                rng,
                &ctx.pharmacy,
                None,
                when,
                EntryBody::MedicationSupply {
                    medicine: medicine.clone(),
                    dispensed_on: d,
                    quantity: Some(med.qty.to_string()),
                    dispenser: ctx.pharmacy.name.to_string(),
                },
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Blood results

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabTest {
    Hba1c,
    Egfr,
    Haemoglobin,
    Sodium,
    Crp,
}

impl LabTest {
    pub(crate) const ALL: [Self; 5] = [
        Self::Hba1c,
        Self::Egfr,
        Self::Haemoglobin,
        Self::Sodium,
        Self::Crp,
    ];

    /// The test with its LOINC code (codes we are sure of; the UK's SNOMED pathology codes
    /// would do as well, and the tablet joins either by [`Concept::key`]).
    pub(crate) fn concept(self) -> Concept {
        let (text, code) = match self {
            Self::Hba1c => ("HbA1c", "59261-8"),
            Self::Egfr => ("eGFR", "62238-1"),
            Self::Haemoglobin => ("Haemoglobin", "718-7"),
            Self::Sodium => ("Sodium", "2951-2"),
            Self::Crp => ("CRP", "1988-5"),
        };
        Concept::coded(text, LOINC, code)
    }

    fn unit(self) -> &'static str {
        match self {
            Self::Hba1c => "mmol/mol",
            Self::Egfr => "mL/min/1.73m2",
            Self::Haemoglobin => "g/L",
            Self::Sodium => "mmol/L",
            Self::Crp => "mg/L",
        }
    }

    fn panel(self) -> &'static str {
        match self {
            Self::Hba1c => "HbA1c",
            Self::Egfr | Self::Sodium => "Urea and electrolytes",
            Self::Haemoglobin => "Full blood count",
            Self::Crp => "C-reactive protein",
        }
    }

    /// (low, high) of the lab's reference range for this person.
    fn range(self, sex: Sex) -> (Option<i64>, Option<i64>) {
        match self {
            Self::Hba1c => (Some(20), Some(41)),
            Self::Egfr => (Some(60), None),
            Self::Haemoglobin if sex == Sex::Male => (Some(130), Some(180)),
            Self::Haemoglobin => (Some(115), Some(165)),
            Self::Sodium => (Some(133), Some(146)),
            Self::Crp => (None, Some(5)),
        }
    }
}

/// What an acute illness does to the bloods taken on admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabEffect {
    None,
    Infection,
    KidneyInjury,
    Fracture,
    Fluid,
}

/// A blood test: when, where, and what acute illness it caught.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draw {
    pub day: NaiveDate,
    pub in_hospital: bool,
    pub effect: LabEffect,
}

/// The person's own baseline and drift for each test, in whole units.
struct Baseline {
    hba1c: i64,
    hba1c_drift: i64,
    egfr: i64,
    egfr_drift: i64,
    hb: i64,
    hb_drift: i64,
    sodium: i64,
}

pub(crate) fn emit_labs(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &Profile,
    admissions: &[Draw],
    out: &mut Out,
) {
    let diabetic = p.has(Cond::T2dm);
    let ckd = p.has(Cond::Ckd3);
    let low_sodium_risk = ["Sertraline", "Citalopram", "Indapamide", "Furosemide"]
        .iter()
        .any(|n| p.medicines.iter().any(|m| m.spec.name.starts_with(n)));
    let base = Baseline {
        hba1c: if diabetic {
            rng.int(50, 68)
        } else {
            rng.int(35, 44)
        },
        hba1c_drift: if diabetic {
            rng.int(-4, 6)
        } else {
            rng.int(0, 1)
        },
        egfr: if ckd {
            rng.int(36, 56)
        } else {
            rng.int(62, 84)
        },
        egfr_drift: if ckd { -rng.int(1, 4) } else { -rng.int(0, 2) },
        hb: match (p.has(Cond::Anaemia), p.sex) {
            (true, _) => rng.int(94, 108),
            (false, Sex::Male) => rng.int(118, 146),
            (false, _) => rng.int(108, 136),
        },
        hb_drift: -rng.int(0, 3),
        sodium: if low_sodium_risk {
            rng.int(132, 137)
        } else {
            rng.int(136, 141)
        },
    };

    // Routine bloods every three to five months, from two years back.
    let first = days_before(ctx.anchor, rng.int(730, 790));
    let mut draws: Vec<Draw> = Vec::new();
    let mut d = first;
    let last_allowed = days_before(ctx.anchor, 5);
    while d <= last_allowed {
        draws.push(Draw {
            day: d,
            in_hospital: false,
            effect: if rng.chance(6) {
                LabEffect::Infection
            } else {
                LabEffect::None
            },
        });
        d = days_after(d, rng.int(90, 150));
    }
    draws.extend(
        admissions
            .iter()
            .copied()
            .filter(|a| a.day >= days_before(first, 365)),
    );
    draws.sort_by_key(|d| d.day);
    let routine_count = draws.iter().filter(|d| !d.in_hospital).count();
    let mut routine_index = 0;

    for draw in &draws {
        // Outside diabetes, HbA1c is checked about once a year, and on the first and last
        // routine bloods so the trend covers the whole period.
        let hba1c_due = diabetic
            || (!draw.in_hospital
                && (routine_index % 3 == 0 || routine_index + 1 == routine_count));
        if !draw.in_hospital {
            routine_index += 1;
        }
        let years_tenths = (draw.day - first).num_days() * 10 / 365;
        let taken = if draw.in_hospital {
            rng.time(draw.day, 8, 18)
        } else {
            rng.time(draw.day, 8, 11)
        };
        let reported =
            (taken + TimeDelta::minutes(rng.int(150, 600))).min(at_minute(draw.day, 23 * 60 + 30));
        for test in LabTest::ALL {
            if test == LabTest::Hba1c && !hba1c_due {
                continue;
            }
            let noise = |rng: &mut Gen, k: i64| rng.int(-k, k);
            let value = match test {
                LabTest::Hba1c => {
                    (base.hba1c + base.hba1c_drift * years_tenths / 10 + noise(rng, 3)).max(28)
                }
                LabTest::Egfr => {
                    let v = base.egfr + base.egfr_drift * years_tenths / 10 + noise(rng, 3);
                    let v = if ckd {
                        v.clamp(31, 59)
                    } else {
                        v.clamp(60, 89)
                    };
                    if draw.effect == LabEffect::KidneyInjury {
                        v * rng.int(40, 60) / 100
                    } else {
                        v
                    }
                }
                LabTest::Haemoglobin => {
                    let v = base.hb + base.hb_drift * years_tenths / 10 + noise(rng, 5);
                    if draw.effect == LabEffect::Fracture {
                        v - rng.int(12, 22)
                    } else {
                        v
                    }
                }
                LabTest::Sodium => {
                    let v = base.sodium + noise(rng, 2);
                    match draw.effect {
                        LabEffect::Infection | LabEffect::Fluid => v - rng.int(2, 6),
                        LabEffect::KidneyInjury => v + rng.int(1, 5),
                        _ => v,
                    }
                }
                LabTest::Crp => match draw.effect {
                    LabEffect::Infection if draw.in_hospital => rng.int(68, 246),
                    LabEffect::Infection => rng.int(24, 72),
                    LabEffect::Fracture => rng.int(8, 35),
                    LabEffect::KidneyInjury | LabEffect::Fluid => rng.int(3, 18),
                    LabEffect::None => {
                        *rng.weighted(&[(1, 3), (2, 4), (3, 4), (4, 3), (6, 2), (9, 1)])
                    }
                },
            };
            let (low, high) = test.range(p.sex);
            let flag = if low.is_some_and(|l| value < l) {
                AbnormalFlag::Low
            } else if high.is_some_and(|h| value > h) {
                AbnormalFlag::High
            } else {
                AbnormalFlag::Normal
            };
            out.push(
                rng,
                &crate::orgs::PATHOLOGY,
                None,
                reported,
                EntryBody::LabResult {
                    test: test.concept(),
                    // Whole numbers are exact in f64, so the value is the same everywhere.
                    value: LabValue::Quantity {
                        value: value as f64,
                        unit: test.unit().to_string(),
                    },
                    reference_range: Some(ReferenceRange {
                        low: low.map(|v| v as f64),
                        high: high.map(|v| v as f64),
                        text: None,
                    }),
                    flag: Some(flag),
                    taken_at: taken,
                    panel: Some(test.panel().to_string()),
                },
            );
        }
    }
}
