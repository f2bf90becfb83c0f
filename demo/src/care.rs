//! ReSPECT and DNACPR decisions, and the home's own care plan.

use bedside_domain::record::{AdvanceCareForm, CprDecision, EntryBody};
use chrono::TimeDelta;

use crate::clinical::{Cond, anticoagulated, has_active};
use crate::episodes::Stay;
use crate::people::{Continence, Diet, Mobility, Profile};
use crate::random::{Gen, days_after, days_before};
use crate::resident::{Ctx, Out};

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(crate) fn emit_advance_care_plan(
    rng: &mut Gen,
    ctx: &Ctx<'_>,
    p: &Profile,
    stays: &[Stay],
    out: &mut Out,
) {
    let form = if rng.chance(75) {
        AdvanceCareForm::Respect
    } else {
        AdvanceCareForm::Dnacpr
    };
    // A stand-alone DNACPR form only ever records "do not attempt"; someone who wants CPR
    // has it written on a ReSPECT form.
    let cpr = if form == AdvanceCareForm::Respect
        && ((p.age < 82 && !p.has_dementia() && rng.chance(50)) || rng.chance(7))
    {
        CprDecision::ForCpr
    } else {
        CprDecision::NotForCpr
    };
    let in_hospital = stays
        .iter()
        .rev()
        .find(|s| s.discharged >= days_before(ctx.anchor, 3 * 365));
    let (org, author, agreed_on) = match in_hospital {
        Some(stay) if rng.chance(40) => (
            stay.hospital.org,
            (*rng.pick(stay.hospital.geriatricians)).to_string(),
            days_before(stay.discharged, rng.int(1, 3)).max(stay.admitted),
        ),
        _ => {
            let from = days_before(p.admitted_on, 200).max(days_before(ctx.anchor, 3 * 365));
            (
                ctx.practice.org,
                (*rng.pick(ctx.practice.doctors)).to_string(),
                rng.day(from, days_before(ctx.anchor, 7)),
            )
        }
    };
    let review_on = rng.chance(50).then(|| days_after(agreed_on, 365));

    let she = p.she();
    let her = p.her();
    let capacity = if p.has_dementia() {
        format!(
            "{} does not have capacity for this decision. Made in {} best interests after discussion with {}{}.",
            p.called,
            her,
            p.nok_phrase(),
            if p.family.lpa {
                ", who holds Lasting Power of Attorney for health and welfare"
            } else {
                ""
            }
        )
    } else {
        format!(
            "Discussed with and agreed by {}, who has capacity for this decision. {} was present.",
            p.called,
            cap(&p.nok_phrase())
        )
    };
    let text = match (form, cpr) {
        (AdvanceCareForm::Respect, CprDecision::ForCpr) => format!(
            "What matters: {} wants to live as long as possible and to be treated in hospital if {} becomes unwell.\n\nRecommendations: prioritise sustaining life. For all appropriate treatment, including hospital admission and assessment for intensive care if needed.\n\nCPR: attempts recommended.\n\n{}",
            p.called, she, capacity
        ),
        (AdvanceCareForm::Respect, CprDecision::NotForCpr) if rng.chance(55) => format!(
            "What matters: {} has said {} would rather be kept comfortable at {} than go back into hospital.\n\nRecommendations: prioritise comfort. Treat reversible problems at the home where possible (oral antibiotics, fluids by mouth, pain and symptom relief). Hospital admission only if comfort cannot be achieved at the home, for example a hip fracture. Not for intensive care or ventilation.\n\nCPR: not recommended. CPR would be very unlikely to succeed given {} frailty and would not be in keeping with {} wishes.\n\n{}",
            p.called, she, ctx.home.name, her, her, capacity
        ),
        (AdvanceCareForm::Respect, CprDecision::NotForCpr) => format!(
            "What matters: being at home at {} with {} family around {}, and avoiding burdensome treatment.\n\nRecommendations: balance of comfort and life-sustaining treatment. For ward-based care in hospital including IV antibiotics and fluids if needed; not for intensive care, ventilation or dialysis.\n\nCPR: not recommended. It would be very unlikely to be successful because of {} underlying conditions.\n\n{}",
            ctx.home.name,
            her,
            p.her_obj(),
            her,
            capacity
        ),
        (AdvanceCareForm::Dnacpr, _) => format!(
            "Do not attempt cardiopulmonary resuscitation. All other appropriate treatment and care to be provided.\n\nReason: CPR would be very unlikely to be successful because of {}.\n\n{}",
            if p.has_dementia() {
                "advanced dementia, frailty and multiple long-term conditions"
            } else {
                "frailty and multiple long-term conditions"
            },
            capacity
        ),
    };
    let when = rng.time(agreed_on, 10, 17);
    out.push(
        rng,
        &org,
        Some(author),
        when,
        EntryBody::AdvanceCarePlan {
            form,
            cpr,
            recommendations: Some(text),
            agreed_on,
            review_on,
        },
    );
}

struct Section {
    area: &'static str,
    need: String,
    goal: String,
    support: String,
    preferences: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Mobility,
    Falls,
    Nutrition,
    PersonalCare,
    Continence,
    Skin,
    Communication,
    Medication,
    Breathing,
    Diabetes,
    Sleep,
    Mood,
}

pub(crate) fn emit_care_plan(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, out: &mut Out) {
    let mut optional: Vec<Area> = Vec::new();
    if p.mobility != Mobility::Hoist {
        optional.push(Area::Falls);
    }
    if p.continence != Continence::Continent {
        optional.push(Area::Continence);
    }
    if matches!(p.mobility, Mobility::Wheelchair | Mobility::Hoist) || rng.chance(30) {
        optional.push(Area::Skin);
    }
    if p.has_dementia()
        || p.has(Cond::HearingLoss)
        || p.first_language.is_some()
        || p.has(Cond::Stroke)
    {
        optional.push(Area::Communication);
    }
    if p.has(Cond::Parkinsons) || p.has(Cond::Copd) || rng.chance(30) {
        optional.push(Area::Medication);
    }
    if p.has(Cond::Copd) || p.has(Cond::HeartFailure) {
        optional.push(Area::Breathing);
    }
    if p.has(Cond::T2dm) {
        optional.push(Area::Diabetes);
    }
    if rng.chance(40) {
        optional.push(Area::Sleep);
    }
    if p.has(Cond::Depression) || p.has_dementia() {
        optional.push(Area::Mood);
    }
    rng.shuffle(&mut optional);
    let total = rng.int(4, 7) as usize;
    let mut areas = vec![Area::Mobility, Area::Nutrition, Area::PersonalCare];
    areas.extend(optional.into_iter().take(total.saturating_sub(3)));
    // Fewer than four applicable areas is rare, but everyone gets a sleep plan if so.
    if areas.len() < 4 {
        areas.push(Area::Sleep);
    }

    let author = (*rng.pick(ctx.home.seniors)).to_string();
    let earliest = days_after(p.admitted_on, 2).min(days_before(ctx.anchor, 1));
    for area in areas {
        let s = section(rng, ctx, p, area);
        let day = rng.day(
            earliest.max(days_before(ctx.anchor, 40)),
            days_before(ctx.anchor, 1),
        );
        let when = rng.time(day, 9, 21);
        out.push_home(
            rng,
            ctx,
            Some(author.clone()),
            when,
            EntryBody::CarePlanSection {
                area: s.area.to_string(),
                need: s.need,
                goal: s.goal,
                support: s.support,
                preferences: s.preferences,
                review_on: Some(day + TimeDelta::days(30)),
            },
        );
    }
}

fn section(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, area: Area) -> Section {
    let name = &p.called;
    let she = p.she();
    let her = p.her();
    let obj = p.her_obj();
    match area {
        Area::Mobility => {
            let (need, support) = match p.mobility {
                Mobility::Independent => (
                    format!("{} walks independently without an aid but is slower and less steady than {} was.", name, she),
                    "Encourage walking to meals and activities. Make sure shoes are well fitting and fastened.".to_string(),
                ),
                Mobility::Stick => (
                    format!("{} walks with a stick and is unsteady when tired, especially in the evening.", name),
                    format!("Keep the stick within reach. Walk beside {} on the corridors; stand-by supervision only.", obj),
                ),
                Mobility::Frame => (
                    format!("{} walks short distances with a wheeled walking frame and the supervision of one carer.", name),
                    format!("Frame within reach at all times. Walk with {} to the dining room and toilet; wheelchair for longer distances and outings. Check the frame's ferrules and brakes weekly.", obj),
                ),
                Mobility::Wheelchair => (
                    format!("{} cannot walk safely. Transfers with a standing aid (Sara Stedy) and two carers; self-propels a short way in the wheelchair.", name),
                    "Two carers for all transfers using the standing aid. Wheelchair footplates on for every move. Pressure cushion in the wheelchair.".to_string(),
                ),
                Mobility::Hoist => (
                    format!("{} is unable to weight-bear and is cared for in bed and a specialist tilt-in-space chair.", name),
                    format!("Hoist with two carers using {} own medium full-body sling (green). Sit out after lunch for up to 2 hours. Passive range-of-movement exercises during personal care.", her),
                ),
            };
            Section {
                area: "Mobility",
                need,
                goal: format!("To keep {} current mobility safely and stay as independent as possible.", her),
                support,
                preferences: Some(format!(
                    "{} likes {}.",
                    cap(she),
                    rng.pick(&[
                        "to sit in the same chair in the lounge, by the window",
                        "a walk round the garden on dry days",
                        "to be asked before being moved, not just moved",
                        "to take it slowly: rushing makes things worse",
                    ])
                )),
            }
        }
        Area::Falls => {
            let mut risks: Vec<&str> = Vec::new();
            if p.has_dementia() {
                risks.push("dementia (may forget to use the frame)");
            }
            if p.has(Cond::Parkinsons) {
                risks.push("Parkinson's (freezing and shuffling)");
            }
            if anticoagulated(&p.medicines) {
                risks.push("on an anticoagulant, so any head injury needs urgent assessment");
            }
            if p.continence != Continence::Continent {
                risks.push("night-time toileting");
            }
            if risks.is_empty() {
                risks.push("unsteadiness when tired");
            }
            Section {
                area: "Falls",
                need: format!(
                    "High risk of falls: {} in the last year. Risk factors: {}.",
                    match rng.int(1, 4) {
                        1 => "one fall".to_string(),
                        n => format!("{n} falls"),
                    },
                    risks.join("; ")
                ),
                goal: "To reduce falls and harm from falls.".to_string(),
                support: format!(
                    "Low bed with crash mat and a sensor mat at night. Call bell and water within reach. Check {} hourly at night. Non-slip socks at night. After any fall: do not lift until checked, follow the post-falls protocol{} and tell the senior on duty.",
                    obj,
                    if anticoagulated(&p.medicines) {
                        " (call 111 or 999 for any head injury because of the anticoagulant)"
                    } else {
                        ""
                    }
                ),
                preferences: Some(format!("{} does not like the bedrails up; they are not used.", cap(she))),
            }
        }
        Area::Nutrition => {
            let must = rng.int(0, 2);
            let weight = rng.int(44, 82);
            let mut support = format!("{}. ", cap(p.diet_label()));
            if p.diet != Diet::Normal {
                support.push_str(&format!(
                    "Follow the speech and language therapy plan: sit fully upright, small mouthfuls, supervise all meals and drinks{}. ",
                    if p.diet == Diet::MincedMoist { ", thickener in all drinks" } else { "" }
                ));
            }
            if p.has(Cond::T2dm) {
                support.push_str("Diabetic-friendly choices but no strict restriction: puddings in small portions. ");
            }
            if must >= 1 {
                support.push_str("Fortified diet: full-fat milk, extra butter and cream, two snacks a day. Weigh weekly. ");
            } else {
                support.push_str("Weigh monthly. ");
            }
            support.push_str("Offer a drink at least every 2 hours; aim for 1.5 litres a day and record on the fluid chart.");
            let food = match p.faith {
                "Muslim" => "Halal food only. Likes rice and fish curry.",
                "Hindu" => "Strict vegetarian: no meat, fish or eggs. Likes dal, rice and chapati.",
                "Sikh" => "No beef and no halal meat. Likes dal and roti with yoghurt.",
                _ => match p.heritage {
                    crate::people::Heritage::Caribbean => "Loves rice and peas and Sunday chicken; family bring in ackee and saltfish.",
                    crate::people::Heritage::Polish => "Enjoys soups, rye bread and cheesecake.",
                    _ => rng.pick(&[
                        "Loves a roast dinner and rice pudding. Fish and chips on a Friday.",
                        "Small appetite; prefers little and often. Does not like spicy food.",
                        "Sweet tooth: custard, jam sponge, biscuits with tea.",
                        "Dislikes mushrooms and anything too hot; likes a cold drink with meals.",
                    ]),
                },
            };
            Section {
                area: "Nutrition and hydration",
                need: format!("MUST score {}. Weight {} kg.{}", must, weight, if p.has_dementia() { " Can forget to eat and drink without prompting." } else { "" }),
                goal: "To eat and drink enough to keep a stable weight and avoid dehydration.".to_string(),
                support,
                preferences: Some(food.to_string()),
            }
        }
        Area::PersonalCare => {
            let level = match p.mobility {
                Mobility::Independent | Mobility::Stick => "needs prompting and help with lower body, feet and back",
                Mobility::Frame => "needs help of one carer with washing and dressing",
                _ => "needs full assistance of two carers with washing, dressing and oral care",
            };
            Section {
                area: "Personal care",
                need: format!("{} {}.", name, level),
                goal: format!("To be clean, comfortable and dressed in the way {} chooses.", she),
                support: format!(
                    "Offer choice of clothes (two options). Encourage {} to wash {} face and hands. Oral care twice a day{}. Nails checked weekly; podiatrist every 8 weeks.",
                    obj,
                    her,
                    if rng.chance(50) { " with own toothbrush; full upper denture cleaned at night and soaked" } else { "" }
                ),
                preferences: Some(if p.female() {
                    "Prefers female carers for personal care. Likes talc and her own perfume.".to_string()
                } else if p.faith == "Sikh" {
                    "His hair and beard are never cut or shaved (kesh). Comb them gently each morning before his turban is tied.".to_string()
                } else {
                    "Shaves daily with his own electric razor. Likes his hair combed back with a little Brylcreem.".to_string()
                }),
            }
        }
        Area::Continence => match p.continence {
            Continence::Catheter => Section {
                area: "Continence",
                need: format!("Long-term urethral catheter because of urinary retention ({}).", "prostate"),
                goal: "To keep the catheter draining freely and avoid infection.".to_string(),
                support: "Leg bag by day, link to a night bag at bedtime. Keep the bag below the bladder. Record output. Catheter changed 12-weekly by the district nurse. Call the district nurse if not draining or if bypassing.".to_string(),
                preferences: None,
            },
            _ => Section {
                area: "Continence",
                need: format!("{} has urge incontinence of urine and wears pads day and night.{}", name, if p.has_dementia() { " May not recognise the need for the toilet." } else { "" }),
                goal: "To stay dry and comfortable and keep skin healthy.".to_string(),
                support: format!(
                    "Offer the toilet on waking, after meals and before bed. {} pad (assessed by the continence service); check 2-hourly by day and 4-hourly at night. Record bowels on the chart: tell the senior if no bowel movement for 3 days.",
                    rng.pick(&["Size medium pull-up", "Size large all-in-one", "Shaped"])
                ),
                preferences: Some(format!("Discreet prompting: {} is embarrassed if asked in front of others.", she)),
            },
        },
        Area::Skin => {
            let waterlow = rng.int(15, 24);
            Section {
                area: "Skin integrity",
                need: format!("Waterlow score {} ({} risk). Skin intact; fragile on the shins.", waterlow, if waterlow >= 20 { "very high" } else { "high" }),
                goal: "To keep skin intact and prevent pressure ulcers.".to_string(),
                support: format!(
                    "Dynamic air mattress (check setting matches weight). Reposition {}-hourly in bed and record on the SSKIN chart. Heels off the mattress on a pillow. Barrier cream after each pad change. Report any redness that does not fade within 30 minutes to the senior.",
                    rng.pick(&["2", "3", "4"])
                ),
                preferences: Some(format!("Likes to lie on {} {} side to face the window.", her, rng.pick(&["left", "right"]))),
            }
        }
        Area::Communication => {
            let mut need = Vec::new();
            let mut support = Vec::new();
            if p.has(Cond::HearingLoss) {
                need.push("hearing loss (hearing aids both ears)".to_string());
                support.push("Check and clean hearing aids each morning; change batteries on Mondays.".to_string());
            }
            if p.has_dementia() {
                need.push("dementia affects understanding and memory".to_string());
                support.push("Short sentences, one question at a time, and give time to answer. Show objects rather than describing them.".to_string());
            }
            if p.has(Cond::Stroke) {
                need.push("slow, slurred speech since the stroke".to_string());
                support.push("Allow time; yes/no questions when tired; picture board in the room.".to_string());
            }
            if let Some(lang) = p.first_language {
                need.push(format!("first language {}", lang));
                support.push(format!("Use the phrase card; book an interpreter (telephone or in person) for health discussions, not family, unless {} prefers.", she));
            }
            if need.is_empty() {
                need.push("no specific difficulty; wears glasses".to_string());
                support.push("Make sure glasses are clean and on.".to_string());
            }
            Section {
                area: "Communication",
                need: format!("{}: {}.", name, need.join("; ")),
                goal: format!("To understand and be understood, and to be involved in decisions about {} care.", her),
                support: support.join(" "),
                preferences: Some(format!("Likes to be called {}.", name)),
            }
        }
        Area::Medication => {
            let mut need = format!("{} needs staff to give all medicines", name);
            let mut support = String::from("Give medicines as on the MAR chart; offer with a glass of water, one tablet at a time.");
            if p.has(Cond::Parkinsons) {
                need.push_str("; Parkinson's medicines are time-critical");
                support.push_str(" Co-careldopa at exactly 07:00, 11:00, 15:00 and 19:00: a late dose can leave him or her unable to move or swallow. If going to hospital, send the medicines and tell the crew they are time-critical.");
                support = support.replace("him or her", obj);
            }
            if has_active(&p.medicines, "Alendronic") {
                support.push_str(" Alendronic acid on Monday mornings, 30 minutes before breakfast, sitting upright.");
            }
            if p.has(Cond::Copd) {
                support.push_str(" Inhalers with a spacer; check technique monthly.");
            }
            if p.has_dementia() {
                need.push_str(" and may refuse when anxious");
                support.push_str(" If refused, try again in 30 minutes with a different carer; tell the senior if a dose is missed twice. No covert administration agreed.");
            }
            Section {
                area: "Medication",
                need: format!("{}.", need),
                goal: "To take prescribed medicines safely and on time.".to_string(),
                support,
                preferences: Some(format!("Likes tablets with {}.", rng.pick(&["a spoonful of yoghurt", "orange juice", "a cup of tea (after it has cooled)"]))),
            }
        }
        Area::Breathing => {
            let copd = p.has(Cond::Copd);
            Section {
                area: "Breathing",
                need: if copd {
                    format!("{} has COPD and becomes breathless on exertion. Target oxygen saturation 88-92%.", name)
                } else {
                    format!("{} has heart failure: breathless on exertion and ankles swell when fluid builds up.", name)
                },
                goal: "To spot worsening early and avoid hospital admission where possible.".to_string(),
                support: if copd {
                    "Observations and NEWS2 (SpO2 Scale 2) if unwell. Rescue pack kept in the clinic room: start it if sputum turns green and breathlessness increases, and tell the GP the same day. Sit upright; pace activities.".to_string()
                } else {
                    format!("Weigh {} every morning after the toilet; tell the GP or heart failure nurse if weight goes up by more than 2 kg in 3 days. Check ankles daily. Sleep propped up on pillows.", obj)
                },
                preferences: Some("Likes the window open a little, even in winter.".to_string()),
            }
        }
        Area::Diabetes => Section {
            area: "Diabetes",
            need: format!("Type 2 diabetes on tablets.{}", if has_active(&p.medicines, "Gliclazide") { " Gliclazide can cause low blood sugar." } else { "" }),
            goal: "To avoid low blood sugar and keep well.".to_string(),
            support: format!(
                "Capillary glucose {}. Hypo (under 4 mmol/L): follow the hypo protocol (glucose gel, then a starchy snack) and tell the GP. Check feet daily; podiatrist every 8 weeks. Annual eye screening (next due {}).",
                if has_active(&p.medicines, "Gliclazide") { "twice a week before breakfast" } else { "only if unwell" },
                crate::random::label(days_after(ctx.anchor, rng.int(20, 300)))
            ),
            preferences: None,
        },
        Area::Sleep => Section {
            area: "Sleep and night-time",
            need: format!("{} {}.", name, rng.pick(&["wakes several times at night and can be disorientated", "sleeps well once settled but takes time to settle", "naps in the day and is awake in the early hours"])),
            goal: "To have a restful night.".to_string(),
            support: format!(
                "Follow {} bedtime routine (see About Me). Night-light on. Check every 2 hours without waking {}. If awake and anxious, offer a warm drink and sit with {} for a while.",
                her, obj, obj
            ),
            preferences: Some(if p.early_riser { "Early to bed and early up.".to_string() } else { "Likes a lie-in; do not wake before 8:30 unless needed.".to_string() }),
        },
        Area::Mood => Section {
            area: "Mood and wellbeing",
            need: if p.has(Cond::Depression) {
                format!("{} has a history of depression and can become withdrawn, staying in {} room.", name, her)
            } else {
                format!("{} can become anxious and distressed in the late afternoon.", name)
            },
            goal: "To feel settled, occupied and connected with others.".to_string(),
            support: format!(
                "Offer one-to-one time daily, using the About Me pages ({}). Invite to activities but respect a 'no'. Tell the senior if {} stops eating, says {} wants to die, or is distressed for more than a day.",
                p.hobbies.first().copied().unwrap_or("a chat"),
                she,
                she
            ),
            preferences: Some(format!("Enjoys {}.", p.music)),
        },
    }
}
