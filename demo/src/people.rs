//! Who each synthetic resident is: name, age, family, background, how they get about, and
//! the "About Me" pages the home writes with them and their family.

use bedside_domain::record::{AboutMeTopic, EntryBody, PersonName, Sex};
use chrono::{Datelike, Months, NaiveDate, TimeDelta};

use crate::clinical::{Allergen, AllergyPlan, Cond, Diagnosis, Med};
use crate::names::{names_for, nicknames};
use crate::random::{Gen, days_before};
use crate::resident::{Ctx, Out};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heritage {
    English,
    Scottish,
    Welsh,
    Irish,
    Caribbean,
    Punjabi,
    Gujarati,
    Bangladeshi,
    Polish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mobility {
    Independent,
    Stick,
    Frame,
    /// Transfers with one or two staff and a standing aid; wheelchair for distance.
    Wheelchair,
    /// Cared for in bed or a specialist chair, hoisted for all transfers.
    Hoist,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Continence {
    Continent,
    Pads,
    Catheter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Diet {
    Normal,
    /// IDDSI level 6, soft and bite-sized.
    SoftBiteSized,
    /// IDDSI level 5 with mildly thick (level 2) fluids.
    MincedMoist,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpouseState {
    Died(i32),
    Living,
    InCare,
}

#[derive(Debug, Clone)]
pub(crate) struct Relative {
    pub name: String,
    /// "daughter", "son", "niece", "nephew", "friend".
    pub relation: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Family {
    pub spouse: Option<(String, SpouseState)>,
    pub children: Vec<Relative>,
    pub grandchildren: i64,
    pub great_grandchildren: i64,
    /// Next of kin: the person the home rings first.
    pub nok: Relative,
    /// The next of kin holds a Lasting Power of Attorney for health and welfare.
    pub lpa: bool,
    /// A child who lives far away, and where.
    pub far_away: Option<(String, &'static str)>,
}

/// Everything the generator knows about one resident while writing their record.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub sex: Sex,
    pub name: PersonName,
    /// What staff call them: the preferred name, else the given name.
    pub called: String,
    pub title: &'static str,
    pub birth_date: NaiveDate,
    pub birth_year: i32,
    pub age: i64,
    pub heritage: Heritage,
    pub admitted_on: NaiveDate,
    pub family: Family,
    pub place: &'static str,
    pub occupation: &'static str,
    pub faith: &'static str,
    pub first_language: Option<&'static str>,
    pub music: &'static str,
    pub hobbies: Vec<&'static str>,
    pub early_riser: bool,
    /// The side a stroke left weak, for residents who have had one.
    pub weak_side: &'static str,
    pub diagnoses: Vec<Diagnosis>,
    pub allergy_plan: AllergyPlan,
    pub allergens: Vec<Allergen>,
    pub medicines: Vec<Med>,
    pub mobility: Mobility,
    pub continence: Continence,
    pub diet: Diet,
}

impl Profile {
    pub(crate) fn has(&self, c: Cond) -> bool {
        self.diagnoses.iter().any(|d| d.cond == c)
    }

    pub(crate) fn has_dementia(&self) -> bool {
        self.has(Cond::Alzheimers) || self.has(Cond::VascularDementia)
    }

    pub(crate) fn female(&self) -> bool {
        self.sex == Sex::Female
    }

    /// "she" / "he".
    pub(crate) fn she(&self) -> &'static str {
        if self.female() { "she" } else { "he" }
    }

    /// "She" / "He".
    pub(crate) fn she_cap(&self) -> &'static str {
        if self.female() { "She" } else { "He" }
    }

    /// Possessive: "her" / "his".
    pub(crate) fn her(&self) -> &'static str {
        if self.female() { "her" } else { "his" }
    }

    /// Object: "her" / "him".
    pub(crate) fn her_obj(&self) -> &'static str {
        if self.female() { "her" } else { "him" }
    }

    /// "Mrs Smith", as hospital letters put it.
    pub(crate) fn formal(&self) -> String {
        format!("{} {}", self.title, self.name.family)
    }

    /// "his daughter Susan (next of kin)".
    pub(crate) fn nok_phrase(&self) -> String {
        format!(
            "{} {} {}",
            self.her(),
            self.family.nok.relation,
            self.family.nok.name
        )
    }

    pub(crate) fn diet_label(&self) -> &'static str {
        match self.diet {
            Diet::Normal => "normal diet and fluids",
            Diet::SoftBiteSized => "soft and bite-sized diet (IDDSI level 6), thin fluids",
            Diet::MincedMoist => {
                "minced and moist diet (IDDSI level 5) with mildly thick fluids (IDDSI level 2)"
            }
        }
    }
}

fn heritage_for(rng: &mut Gen) -> Heritage {
    *rng.weighted(&[
        (Heritage::English, 62),
        (Heritage::Scottish, 6),
        (Heritage::Welsh, 5),
        (Heritage::Irish, 7),
        (Heritage::Caribbean, 7),
        (Heritage::Punjabi, 4),
        (Heritage::Gujarati, 3),
        (Heritage::Bangladeshi, 3),
        (Heritage::Polish, 3),
    ])
}

/// A person with a name, age, background and family; the clinical parts come later.
pub(crate) fn new_profile(rng: &mut Gen, anchor: NaiveDate) -> Profile {
    // Ages 68-102, most in their eighties (two dice make a hump around 85).
    let age = 68 + rng.int(0, 17) + rng.int(0, 17);
    let anniversary = anchor
        .checked_sub_months(Months::new(12 * age as u32))
        .expect("dates in range");
    let birth_date = days_before(anniversary, rng.int(1, 360));
    let birth_year = birth_date.year();
    let sex = if rng.chance(68) {
        Sex::Female
    } else {
        Sex::Male
    };
    let female = sex == Sex::Female;
    let heritage = heritage_for(rng);
    let names = names_for(heritage, birth_year);
    let given = (*rng.pick(if female { names.female } else { names.male })).to_string();
    let family_name = match (female, names.family_female) {
        (true, Some(list)) => {
            let i = rng.index(list.len().min(names.family.len()));
            list[i].to_string()
        }
        _ => (*rng.pick(names.family)).to_string(),
    };
    let nick = nicknames(&given);
    let preferred = (!nick.is_empty() && rng.chance(45)).then(|| (*rng.pick(nick)).to_string());
    let called = preferred.clone().unwrap_or_else(|| given.clone());

    // Most residents moved in within the last two years; a few have been here six.
    let stay = rng.int(21, 6 * 365).min(rng.int(21, 6 * 365));
    let admitted_on = days_before(anchor, stay);

    let family = new_family(rng, female, heritage, birth_year, anchor.year(), age);
    let title = match (female, &family.spouse) {
        (false, _) => "Mr",
        (true, Some(_)) => "Mrs",
        // Only people who married have children in this generator (see new_family).
        (true, None) => "Miss",
    };
    let place = *rng.pick(places(heritage));
    let occupation = *rng.pick(occupations(heritage, female, birth_year));
    let faith = *rng.weighted(faiths(heritage));
    let first_language = match heritage {
        Heritage::Punjabi => Some("Punjabi"),
        Heritage::Gujarati => Some("Gujarati"),
        Heritage::Bangladeshi => Some("Sylheti"),
        Heritage::Polish => Some("Polish"),
        Heritage::Welsh if rng.chance(50) => Some("Welsh"),
        _ => None,
    };
    let music = *rng.pick(music(heritage, birth_year));
    let hobbies = rng.sample(hobbies(heritage, female), 3);
    let early_riser = rng.chance(55);
    let weak_side = *rng.pick(&["left", "right"]);
    Profile {
        sex,
        name: PersonName {
            given,
            family: family_name,
            preferred,
        },
        called,
        title,
        birth_date,
        birth_year,
        age,
        heritage,
        admitted_on,
        family,
        place,
        occupation,
        faith,
        first_language,
        music,
        hobbies,
        early_riser,
        weak_side,
        diagnoses: Vec::new(),
        allergy_plan: AllergyPlan::NoneKnown,
        allergens: Vec::new(),
        medicines: Vec::new(),
        mobility: Mobility::Frame,
        continence: Continence::Pads,
        diet: Diet::Normal,
    }
}

fn new_family(
    rng: &mut Gen,
    female: bool,
    heritage: Heritage,
    birth_year: i32,
    this_year: i32,
    age: i64,
) -> Family {
    let names = names_for(heritage, birth_year);
    let spouse = rng.chance(82).then(|| {
        let name = (*rng.pick(if female { names.male } else { names.female })).to_string();
        // Women of this generation very often outlive their husbands.
        let living = if female { 18 } else { 35 } - if age > 90 { 12 } else { 0 };
        let state = if rng.chance(living) {
            if rng.chance(20) {
                SpouseState::InCare
            } else {
                SpouseState::Living
            }
        } else {
            let earliest = (birth_year + 55).min(this_year - 2);
            SpouseState::Died(rng.int(i64::from(earliest), i64::from(this_year - 1)) as i32)
        };
        (name, state)
    });
    let n_children = if spouse.is_some() {
        *rng.weighted(&[(0, 10), (1, 15), (2, 35), (3, 25), (4, 15)])
    } else {
        0
    };
    let mut children: Vec<Relative> = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for _ in 0..n_children {
        let daughter = rng.chance(55);
        let list = if daughter {
            names.children_female
        } else {
            names.children_male
        };
        let name = *rng.pick(list);
        if used.contains(&name) {
            continue;
        }
        used.push(name);
        children.push(Relative {
            name: name.to_string(),
            relation: if daughter { "daughter" } else { "son" },
        });
    }
    let grandchildren = children.len() as i64 * rng.int(1, 3) - rng.int(0, 1);
    let great_grandchildren = if age > 84 && grandchildren > 1 {
        rng.int(0, grandchildren + 2)
    } else {
        0
    };
    let far_away = (children.len() >= 2 && rng.chance(30)).then(|| {
        let who = children[children.len() - 1].name.clone();
        let place = *rng.pick(&[
            "Australia",
            "Canada",
            "New Zealand",
            "Spain",
            "Scotland",
            "Cornwall",
            "Dubai",
        ]);
        (who, place)
    });
    let nok = match children.first() {
        Some(c) => c.clone(),
        None => match &spouse {
            Some((name, SpouseState::Living)) => Relative {
                name: name.clone(),
                relation: if female { "husband" } else { "wife" },
            },
            _ => {
                let niece = rng.chance(60);
                let list = if niece {
                    names.children_female
                } else {
                    names.children_male
                };
                Relative {
                    name: (*rng.pick(list)).to_string(),
                    relation: if niece { "niece" } else { "nephew" },
                }
            }
        },
    };
    Family {
        spouse,
        children,
        grandchildren: grandchildren.max(0),
        great_grandchildren,
        nok,
        lpa: rng.chance(55),
        far_away,
    }
}

fn places(h: Heritage) -> &'static [&'static str] {
    match h {
        Heritage::English => &[
            "Sheffield",
            "Salford",
            "Bradford",
            "Wigan",
            "the East End of London",
            "Coventry",
            "Bristol",
            "Portsmouth",
            "Hull",
            "Sunderland",
            "Stoke-on-Trent",
            "Nottingham",
            "Leicester",
            "Norwich",
            "Plymouth",
            "Birmingham",
            "Liverpool",
            "Newcastle",
            "Derby",
            "Reading",
            "a farm near Hereford",
            "a village outside Ipswich",
            "the Fens near Wisbech",
            "a mining village near Barnsley",
            "Blackburn",
            "Oldham",
        ],
        Heritage::Scottish => &[
            "Glasgow",
            "Dundee",
            "Aberdeen",
            "Leith in Edinburgh",
            "Paisley",
            "a fishing village in Fife",
            "Inverness",
        ],
        Heritage::Welsh => &[
            "Merthyr Tydfil",
            "Swansea",
            "the Rhondda valley",
            "Llanelli",
            "Wrexham",
            "Anglesey",
        ],
        Heritage::Irish => &[
            "County Cork",
            "County Mayo",
            "County Donegal",
            "Dublin",
            "Belfast",
            "County Kerry",
            "County Galway",
        ],
        Heritage::Caribbean => &[
            "Kingston, Jamaica",
            "St Elizabeth, Jamaica",
            "Clarendon, Jamaica",
            "Port of Spain, Trinidad",
            "Bridgetown, Barbados",
            "St Lucia",
            "Grenada",
        ],
        Heritage::Punjabi => &[
            "a village near Jalandhar in the Punjab",
            "a village near Ludhiana in the Punjab",
        ],
        Heritage::Gujarati => &[
            "Kampala, Uganda",
            "Nairobi, Kenya",
            "a village near Surat in Gujarat",
        ],
        Heritage::Bangladeshi => &["a village in Sylhet", "a village near Sylhet town"],
        Heritage::Polish => &["Lwów", "Kraków", "a village near Lublin", "Warsaw"],
    }
}

fn occupations(h: Heritage, female: bool, birth_year: i32) -> &'static [&'static str] {
    match (h, female) {
        (Heritage::Caribbean, true) => &[
            "a nurse: she came to Britain to train in the NHS and worked on the wards for over thirty years",
            "a machinist in a clothing factory",
            "a cook in a hospital kitchen",
            "an auxiliary nurse on a geriatric ward",
        ],
        (Heritage::Caribbean, false) => &[
            "a bus driver for over twenty-five years",
            "a guard on the railways",
            "a carpenter on building sites across the city",
            "a welder in a car factory",
        ],
        (Heritage::Punjabi, true) => &[
            "a machinist, sewing at home and later in a factory, while raising the family",
            "a worker in a food-packing factory",
        ],
        (Heritage::Punjabi, false) => &[
            "a foundry worker, and later ran a corner shop with his family",
            "a bus driver, and was very proud of his turban being part of his uniform",
            "a moulder in an iron foundry",
        ],
        (Heritage::Gujarati, true) => &[
            "a shopkeeper, running a newsagent's with her husband for thirty years",
            "a machinist in a hosiery factory",
        ],
        (Heritage::Gujarati, false) => &[
            "a shopkeeper, running a newsagent's and post office with his wife",
            "an accountant, after retraining when he arrived in Britain",
        ],
        (Heritage::Bangladeshi, true) => &[
            "a seamstress at home, while raising a large family and keeping the household going",
            "a machinist, sewing garments at home",
        ],
        (Heritage::Bangladeshi, false) => &[
            "a chef, and later owned his own restaurant",
            "a worker in the clothing trade, then ran a grocery shop",
        ],
        (Heritage::Polish, true) => &[
            "a seamstress and later a school cook",
            "a laboratory assistant",
        ],
        (Heritage::Polish, false) => &[
            "an engineer in a factory making machine tools",
            "a tailor with his own small workshop",
        ],
        (Heritage::Irish, true) => &[
            "a nurse, training in England in her late teens",
            "a housekeeper in a hotel and later its manager",
            "a shop assistant and later ran the post office counter",
        ],
        (Heritage::Irish, false) => &[
            "a builder, working on motorways and building sites all over England",
            "a bus conductor and later a driver",
            "a labourer and then a foreman with a civil engineering firm",
        ],
        (_, true) if birth_year <= 1935 => &[
            "a weaver in a cotton mill from the age of fourteen",
            "a telephonist at the GPO exchange",
            "a shop assistant at the Co-op",
            "a school cook",
            "a district nurse",
            "a seamstress",
            "a bookkeeper for a builders' merchant",
            "a primary school teacher",
            "a hairdresser with her own salon",
            "a cook in a big house, and then in a hospital kitchen",
        ],
        (_, true) => &[
            "a typist and later a secretary at the council",
            "a primary school teacher",
            "a nurse on a children's ward",
            "a dinner lady and then a teaching assistant",
            "a bus conductress",
            "a hairdresser with her own salon",
            "a post office counter clerk",
            "a bookkeeper",
            "a care assistant in a home not unlike this one",
            "a machinist in a clothing factory",
            "a bank clerk",
        ],
        (_, false) if birth_year <= 1935 => &[
            "a coal miner, like his father before him",
            "a steelworker",
            "a railwayman, starting as a cleaner and finishing as an engine driver",
            "a butcher with his own shop",
            "a farm labourer and later a farm manager",
            "a docker",
            "a printer on the local newspaper",
            "a carpenter and joiner",
            "a policeman",
        ],
        (_, false) => &[
            "an electrician",
            "a bus driver",
            "a postman",
            "a toolmaker at a car factory",
            "a bricklayer",
            "a lorry driver",
            "a firefighter",
            "a bank clerk who became a branch manager",
            "a woodwork teacher",
            "a painter and decorator",
            "a plumber",
            "an engineer with the gas board",
            "an accountant",
        ],
    }
}

fn faiths(h: Heritage) -> &'static [(&'static str, u32)] {
    match h {
        Heritage::English => &[
            ("Church of England", 45),
            ("Methodist", 10),
            ("Roman Catholic", 10),
            ("none", 35),
        ],
        Heritage::Scottish => &[
            ("Church of Scotland", 60),
            ("Roman Catholic", 20),
            ("none", 20),
        ],
        Heritage::Welsh => &[("Welsh chapel", 60), ("none", 40)],
        Heritage::Irish | Heritage::Polish => &[("Roman Catholic", 1)],
        Heritage::Caribbean => &[
            ("Pentecostal", 40),
            ("Church of England", 30),
            ("Seventh-day Adventist", 20),
            ("Roman Catholic", 10),
        ],
        Heritage::Punjabi => &[("Sikh", 1)],
        Heritage::Gujarati => &[("Hindu", 1)],
        Heritage::Bangladeshi => &[("Muslim", 1)],
    }
}

fn music(h: Heritage, birth_year: i32) -> &'static [&'static str] {
    match h {
        Heritage::Caribbean => &[
            "Jim Reeves and old gospel hymns",
            "calypso and ska from back home, and Jim Reeves",
            "gospel music, especially on a Sunday",
        ],
        Heritage::Irish => &[
            "Irish ballads and The Dubliners",
            "céilí music and Irish ballads",
        ],
        Heritage::Punjabi => &["old Punjabi folk songs and shabad kirtan"],
        Heritage::Gujarati => &["bhajans and old Hindi film songs"],
        Heritage::Bangladeshi => &["old Bengali songs and recitation of the Qur'an"],
        Heritage::Polish => &["Polish folk songs and Chopin"],
        Heritage::Welsh => &[
            "male voice choirs and Welsh hymns",
            "Tom Jones and Shirley Bassey",
        ],
        Heritage::Scottish => &["Scottish dance bands and Andy Stewart", "Kenneth McKellar"],
        Heritage::English if birth_year <= 1932 => &[
            "Vera Lynn and the big bands",
            "Glenn Miller",
            "Bing Crosby and Frank Sinatra",
            "brass bands",
        ],
        Heritage::English if birth_year <= 1945 => &[
            "Elvis Presley",
            "Cliff Richard and the Shadows",
            "Doris Day",
            "Frank Sinatra",
            "Buddy Holly and the Everly Brothers",
            "Patsy Cline",
        ],
        Heritage::English => &[
            "the Beatles",
            "the Rolling Stones",
            "Motown, especially the Supremes",
            "Dusty Springfield",
            "Tom Jones",
            "ABBA",
        ],
    }
}

fn hobbies(h: Heritage, female: bool) -> &'static [&'static str] {
    match (h, female) {
        (Heritage::Punjabi | Heritage::Gujarati | Heritage::Bangladeshi, true) => &[
            "cooking for the whole family",
            "sewing and embroidery",
            "visiting relatives",
            "watching Indian dramas on television",
            "looking after her grandchildren",
        ],
        (Heritage::Punjabi | Heritage::Gujarati | Heritage::Bangladeshi, false) => &[
            "watching cricket",
            "reading the newspaper from cover to cover",
            "visiting friends after prayers",
            "growing vegetables in the back garden",
            "playing cards with friends",
        ],
        (_, true) => &[
            "knitting",
            "gardening",
            "ballroom dancing",
            "baking",
            "the crossword",
            "bingo with her friends",
            "reading Catherine Cookson novels",
            "jigsaws",
            "sewing",
            "caravan holidays",
            "singing in the church choir",
            "flower arranging",
            "watching Strictly Come Dancing",
        ],
        (_, false) => &[
            "his allotment",
            "fishing",
            "football",
            "cricket",
            "racing pigeons",
            "crown green bowls",
            "playing in a brass band",
            "snooker on the television",
            "the horse racing",
            "doing the crossword",
            "woodwork in his shed",
            "model railways",
            "caravan holidays",
            "westerns on the television",
        ],
    }
}

/// How the resident gets about, manages continence and eats, from their conditions.
pub(crate) fn set_function(rng: &mut Gen, p: &mut Profile) {
    let mut frailty = p.age / 10 - 7;
    for c in [
        Cond::Stroke,
        Cond::Parkinsons,
        Cond::HeartFailure,
        Cond::Osteoarthritis,
    ] {
        if p.has(c) {
            frailty += 1;
        }
    }
    if p.has_dementia() {
        frailty += 1;
    }
    let roll = rng.int(0, 9) + frailty;
    p.mobility = match roll {
        ..=2 => Mobility::Independent,
        3..=4 => Mobility::Stick,
        5..=8 => Mobility::Frame,
        9..=10 => Mobility::Wheelchair,
        _ => Mobility::Hoist,
    };
    p.continence = if p.has(Cond::Bph) && rng.chance(30) {
        Continence::Catheter
    } else if matches!(p.mobility, Mobility::Wheelchair | Mobility::Hoist) || rng.chance(45) {
        Continence::Pads
    } else {
        Continence::Continent
    };
    let swallow_risk =
        p.has(Cond::Stroke) || p.has(Cond::Parkinsons) || p.mobility == Mobility::Hoist;
    p.diet = if swallow_risk && rng.chance(35) {
        Diet::MincedMoist
    } else if swallow_risk && rng.chance(40) {
        Diet::SoftBiteSized
    } else {
        Diet::Normal
    };
}

// ---------------------------------------------------------------------------------------
// About Me

pub(crate) fn emit_about_me(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile, out: &mut Out) {
    // Most people have most pages; some families have not got round to all of them yet.
    let skip = *rng.weighted(&[(0usize, 55), (1, 25), (2, 12), (3, 8)]);
    let mut topics: Vec<AboutMeTopic> = AboutMeTopic::ALL.to_vec();
    for _ in 0..skip {
        // Never drop "what matters": it is the page staff are asked to read first.
        let i = 1 + rng.index(topics.len() - 1);
        topics.remove(i);
    }
    let earliest = (p.admitted_on + TimeDelta::days(3)).min(days_before(ctx.anchor, 1));
    let author = (*rng.pick(ctx.home.keyworkers)).to_string();
    for topic in topics {
        let text = match topic {
            AboutMeTopic::LifeHistory => life_history(rng, ctx, p),
            AboutMeTopic::WhatMatters => what_matters(rng, p),
            AboutMeTopic::People => people(rng, p),
            AboutMeTopic::Communication => communication(rng, p),
            AboutMeTopic::WhatUpsets => what_upsets(rng, p),
            AboutMeTopic::WhatCalms => what_calms(rng, p),
            AboutMeTopic::Routines => routines(rng, p),
        };
        let day = rng.day(
            earliest.max(days_before(ctx.anchor, 400)),
            days_before(ctx.anchor, 1),
        );
        let when = rng.time(day, 10, 20);
        out.push_home(
            rng,
            ctx,
            Some(author.clone()),
            when,
            EntryBody::AboutMeSection { topic, text },
        );
    }
}

fn list_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

fn life_history(rng: &mut Gen, ctx: &Ctx<'_>, p: &Profile) -> String {
    let she = p.she_cap();
    let her = p.her();
    let on = if p.place.starts_with("a farm") {
        "on"
    } else {
        "in"
    };
    let mut s = format!(
        "{} was born in {} {} {}",
        p.called, p.birth_year, on, p.place
    );
    let migrant = match p.heritage {
        Heritage::Irish => Some(format!(
            " and came to England in {} to find work",
            p.birth_year + rng.int(17, 24) as i32
        )),
        Heritage::Caribbean => Some(format!(
            " and came to England in {}{}",
            (p.birth_year + rng.int(18, 26) as i32).clamp(1948, 1972),
            rng.pick(&[", arriving by ship at Southampton", " to join family already here", ""])
        )),
        Heritage::Punjabi => Some(format!(
            " and came to England in {}",
            (p.birth_year + rng.int(18, 30) as i32).clamp(1955, 1978)
        )),
        Heritage::Gujarati if p.place.starts_with("Kampala") => Some(
            ", to a Gujarati family, and came to Britain in 1972, when Asians were expelled from Uganda, arriving with almost nothing"
                .to_string(),
        ),
        Heritage::Gujarati => Some(format!(
            "{}, and came to Britain in {}",
            if p.place.starts_with("Nairobi") { ", to a Gujarati family" } else { "" },
            (p.birth_year + rng.int(20, 30) as i32).clamp(1965, 1980)
        )),
        Heritage::Bangladeshi => Some(format!(
            " and came to England in {}",
            (p.birth_year + rng.int(20, 35) as i32).clamp(1960, 1985)
        )),
        Heritage::Polish if p.birth_year <= 1928 => Some(
            " and came to Britain after the war with the Polish forces, never able to go home"
                .to_string(),
        ),
        Heritage::Polish => Some(format!(
            " and came to England as a child in {} with {} mother, to join {} father who had served with the Polish forces",
            (p.birth_year + 6).clamp(1946, 1950),
            her,
            her
        )),
        _ => None,
    };
    if let Some(m) = migrant {
        s.push_str(&m);
    }
    s.push_str(". ");
    if p.heritage == Heritage::English && (1928..=1938).contains(&p.birth_year) && rng.chance(40) {
        s.push_str(&format!(
            "{} was evacuated to {} during the war and still talks about the family {} stayed with. ",
            she,
            rng.pick(&["a farm in Devon", "a village in Wales", "a vicarage in Shropshire", "a farm in the Lake District"]),
            p.she()
        ));
    }
    if !p.female()
        && (1928..=1939).contains(&p.birth_year)
        && p.heritage != Heritage::Caribbean
        && rng.chance(50)
    {
        s.push_str(&format!(
            "{} did National Service in {}. ",
            she,
            rng.pick(&[
                "the RAF, stationed in Germany",
                "the Royal Engineers, and was posted to Cyprus",
                "the Navy",
                "the Army, in Malaya",
                "the Royal Signals"
            ])
        ));
    }
    s.push_str(&format!("{} worked as {}. ", she, p.occupation));
    match &p.family.spouse {
        Some((name, state)) => {
            let partner = if p.female() { "husband" } else { "wife" };
            let year = p.birth_year + rng.int(19, 27) as i32;
            let how = match p.heritage {
                Heritage::Punjabi | Heritage::Gujarati | Heritage::Bangladeshi => {
                    "in a marriage arranged by their families, and a very happy one"
                }
                _ if p.faith == "none" => rng.pick(&[
                    "after meeting at a dance",
                    "after meeting through work",
                    "after meeting at the youth club",
                    "after meeting on a works outing to the seaside",
                    "after meeting through friends",
                ]),
                _ => rng.pick(&[
                    "after meeting at a dance",
                    "after meeting at church",
                    "after meeting through work",
                    "after meeting through friends",
                ]),
            };
            s.push_str(&format!("{} married {} in {}, {}. ", she, name, year, how));
            match state {
                SpouseState::Died(year) => s.push_str(&format!(
                    "{} {} died in {}; {} still talks about {} every day. ",
                    cap(her),
                    partner,
                    year,
                    p.she(),
                    if p.female() { "him" } else { "her" }
                )),
                SpouseState::Living => s.push_str(&format!(
                    "{} {} still lives in their home and visits most days. ",
                    cap(her),
                    partner
                )),
                SpouseState::InCare => s.push_str(&format!(
                    "{} {} now lives in another care home nearby. ",
                    cap(her),
                    partner
                )),
            }
        }
        None => s.push_str(&format!(
            "{} never married, and was a much-loved aunt to {} nieces and nephews. ",
            she, her
        )),
    }
    let kids: Vec<String> = p.family.children.iter().map(|c| c.name.clone()).collect();
    if !kids.is_empty() {
        s.push_str(&format!(
            "They had {}: {}. ",
            if kids.len() == 1 {
                "one child".to_string()
            } else {
                format!("{} children", kids.len())
            },
            list_and(&kids)
        ));
        let count = |n: i64, one: &str, many: &str| match n {
            1 => format!("one {one}"),
            n => format!("{n} {many}"),
        };
        if p.family.grandchildren > 0 {
            s.push_str(&format!(
                "{} has {}{}. ",
                she,
                count(p.family.grandchildren, "grandchild", "grandchildren"),
                if p.family.great_grandchildren > 0 {
                    format!(
                        " and {}",
                        count(
                            p.family.great_grandchildren,
                            "great-grandchild",
                            "great-grandchildren"
                        )
                    )
                } else {
                    String::new()
                }
            ));
        }
    }
    s.push_str(&format!(
        "{} loved {}. {} moved into {} in {} {}.",
        she,
        list_and(&p.hobbies.iter().map(|h| h.to_string()).collect::<Vec<_>>()),
        she,
        ctx.home.name,
        p.admitted_on.year(),
        rng.pick(&[
            "after a fall at home",
            "when living alone was no longer safe",
            "after a stay in hospital",
            "when the family could no longer manage the care at home",
            "after several falls and a hospital stay",
        ])
    ));
    s
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn what_matters(rng: &mut Gen, p: &Profile) -> String {
    let she = p.she();
    let her = p.her();
    let mut items: Vec<String> = Vec::new();
    match p.faith {
        "Sikh" => items.push(format!(
            "{} Sikh faith. {} kara (steel bangle) must never be removed. {}",
            cap(her),
            cap(her),
            if p.female() {
                "She likes her hair covered with her chunni when visitors come."
            } else {
                "His turban is tied each morning; his family have shown the senior carers how, and a patka is worn at night."
            }
        )),
        "Hindu" => items.push(format!(
            "{} faith: {} keeps a small shrine on {} windowsill and prays there each morning. Strictly vegetarian: no meat, fish or eggs.",
            cap(her),
            she,
            her
        )),
        "Muslim" => items.push(format!(
            "Praying five times a day as far as {} can: please help {} with wudu (washing) and make sure {} prayer mat faces the right way. Halal food only.",
            she,
            p.her_obj(),
            her
        )),
        "none" => {}
        faith => items.push(format!(
            "{} faith ({}). {} likes to {}.",
            cap(her),
            faith,
            cap(she),
            rng.pick(&[
                if faith == "Roman Catholic" {
                    "take Communion when the priest visits"
                } else {
                    "take Communion when the minister visits"
                },
                "watch Songs of Praise on a Sunday",
                "go to the service in the lounge",
                "have a prayer said with %obj% at night",
            ])
            .replace("%obj%", p.her_obj())
        )),
    }
    items.push(if p.faith == "Sikh" && !p.female() {
        "His beard, kept neat and combed: it is never cut or shaved.".to_string()
    } else if p.female() {
        rng.pick(&[
            "Looking smart: hair done, a touch of lipstick and her pearl earrings every day.",
            "Her nails painted: pale pink, never red.",
            "Being warm: she feels the cold and likes her cardigan and a blanket over her knees.",
            "Her handbag: it must always be within reach.",
        ])
        .to_string()
    } else {
        rng.pick(&[
            "Being clean-shaven every morning with his own electric razor.",
            "A shirt with a collar, even on lazy days.",
            "His flat cap when he goes out into the garden.",
            "His watch: he checks the time often and gets anxious without it.",
        ])
        .to_string()
    });
    items.push(
        rng.pick(&[
            "Doing as much as possible for %obj%self, even if it takes longer.",
            "Seeing the family, and hearing the news about the grandchildren.",
            "Getting outside into the garden whenever the weather allows.",
            "A proper cup of tea, in a china cup, not a beaker.",
            "Being listened to: %she% was always the one who looked after everyone else.",
            "Keeping up with the news and having the paper every morning.",
        ])
        .replace("%obj%", p.her_obj())
        .replace("%she%", she),
    );
    items.join("\n\n")
}

fn people(rng: &mut Gen, p: &Profile) -> String {
    let her = p.her();
    let mut lines: Vec<String> = Vec::new();
    if let Some((name, state)) = &p.family.spouse {
        let partner = if p.female() { "husband" } else { "wife" };
        lines.push(match state {
            SpouseState::Died(_) => format!(
                "{} late {}, {}. There is a photograph of them on their wedding day by the bed.",
                cap(her),
                partner,
                name
            ),
            SpouseState::Living => format!(
                "{} {}, {}, who visits most afternoons and likes to help at teatime.",
                cap(her),
                partner,
                name
            ),
            SpouseState::InCare => format!(
                "{} {}, {}, who lives in another home; staff arrange a video call on Sunday afternoons.",
                cap(her),
                partner,
                name
            ),
        });
    }
    let mut visits = vec![
        "visits every Tuesday and Saturday",
        "rings every evening at about six",
        "visits on Sunday afternoons with the grandchildren",
        "comes in most days after work",
        "visits at weekends",
        "takes her out for lunch once a month",
        "visits on Wednesdays and does the laundry",
    ];
    rng.shuffle(&mut visits);
    for (i, c) in p.family.children.iter().enumerate() {
        let far = p.family.far_away.as_ref().filter(|(n, _)| *n == c.name);
        lines.push(match far {
            Some((_, place)) => format!(
                "{} {} {}, who lives in {} and video-calls on Sundays.",
                cap(her),
                c.relation,
                c.name,
                place
            ),
            None => format!(
                "{} {} {}, who {}.",
                cap(her),
                c.relation,
                c.name,
                visits[i % visits.len()].replace("her out", &format!("{} out", p.her_obj()))
            ),
        });
    }
    if p.family.children.is_empty() && !matches!(p.family.spouse, Some((_, SpouseState::Living))) {
        lines.push(format!(
            "{} {} {}, who is next of kin and visits when {} can.",
            cap(her),
            p.family.nok.relation,
            p.family.nok.name,
            if p.family.nok.relation == "nephew" {
                "he"
            } else {
                "she"
            }
        ));
    }
    if p.family.lpa {
        lines.push(format!(
            "{} {} {} holds Lasting Power of Attorney for health and welfare.",
            cap(her),
            p.family.nok.relation,
            p.family.nok.name
        ));
    }
    let names = names_for(p.heritage, p.birth_year);
    let friend = *rng.pick(if p.female() { names.female } else { names.male });
    let mut where_from: Vec<String> = vec![
        "an old neighbour, who sends cards".to_string(),
        "who lives here too, in the room across the corridor".to_string(),
    ];
    let worship = match p.faith {
        "Sikh" => Some("the gurdwara"),
        "Hindu" => Some("the mandir"),
        "Muslim" => Some("the mosque"),
        "none" => None,
        _ => Some("church"),
    };
    if let Some(place) = worship {
        where_from.push(format!("from {place}, who visits once a fortnight"));
    }
    if matches!(
        p.heritage,
        Heritage::English | Heritage::Scottish | Heritage::Welsh | Heritage::Irish
    ) {
        where_from.push("from the bowls club, who phones now and then".to_string());
    }
    if friend != p.name.given {
        lines.push(format!(
            "{} friend {}, {}.",
            cap(her),
            friend,
            rng.pick(&where_from)
        ));
    }
    if rng.chance(30) {
        lines.push(format!(
            "{} dog, {}, who lives with the family now and sometimes comes to visit.",
            cap(her),
            rng.pick(&["Bess", "Monty", "Pip", "Skipper", "Lucky"])
        ));
    }
    lines.join("\n")
}

fn communication(rng: &mut Gen, p: &Profile) -> String {
    let she = p.she();
    let her = p.her();
    let obj = p.her_obj();
    let mut parts: Vec<String> = Vec::new();
    if let Some(lang) = p.first_language {
        parts.push(if lang == "Polish" || lang == "Welsh" {
            format!(
                "{}'s first language is {}. {} speaks good English but goes back to {} when tired or upset; a few words in {} are very welcome.",
                p.called, lang, cap(she), lang, lang
            )
        } else {
            format!(
                "{}'s first language is {}. {} understands everyday English but is most comfortable in {}; {} family have written key phrases on the card by the bed. Use the interpreting service for anything important about {} health.",
                p.called, lang, cap(she), lang, her, her
            )
        });
    }
    if p.has(Cond::HearingLoss) {
        parts.push(format!(
            "Wears hearing aids in both ears: please check them each morning and put them in before talking to {}. Face {}, speak clearly and lower your voice rather than shouting.",
            obj, obj
        ));
    }
    if p.has(Cond::Amd) || p.has(Cond::Glaucoma) {
        parts.push(format!(
            "{} sight is poor. Say who you are as you come in, and tell {} where things are on the plate (\"the potatoes are at 6 o'clock\").",
            cap(her),
            obj
        ));
    } else if rng.chance(60) {
        parts.push(format!(
            "Wears glasses for reading; they live in the case on {} bedside table.",
            her
        ));
    }
    if p.has(Cond::Stroke) && rng.chance(50) {
        parts.push(format!(
            "Since the stroke {} speech is slow and slurred and {} tires when talking. Give {} time and do not finish sentences for {}; yes/no questions work well when {} is tired.",
            her, she, obj, obj, she
        ));
    }
    if p.has(Cond::Parkinsons) {
        parts.push(format!(
            "Parkinson's makes {} voice quiet and {} face less expressive than {} feelings; lean in, be patient and ask rather than guess.",
            her, her, her
        ));
    }
    if p.has_dementia() {
        parts.push(rng
            .pick(&[
                "Because of dementia %she% can lose the thread of long sentences: one question at a time, and offer two choices rather than an open question.",
                "%She% may call staff by a sister's name. Go along with it gently rather than correcting %obj%.",
                "Show rather than tell: hold up the cardigan or the cup, and %she% will usually understand.",
                "Talks a lot about the past, often as if it is happening now. Join %obj% in the memory rather than correcting %obj%.",
            ])
            .replace("%she%", she)
            .replace("%She%", &cap(she))
            .replace("%obj%", obj));
    }
    if parts.is_empty() || rng.chance(30) {
        parts.push(
            rng.pick(&[
                "Chatty and quick-witted; enjoys a bit of banter.",
                "Quiet and a little shy with new staff; warms up once %she% knows you.",
                "Says %she% is \"fine\" even when %she% is not: watch %her% face and ask again.",
            ])
            .replace("%she%", she)
            .replace("%her%", her),
        );
    }
    parts.join("\n\n")
}

fn what_upsets(rng: &mut Gen, p: &Profile) -> String {
    let she = p.she();
    let mut items: Vec<&str> = vec![
        "Being rushed, especially during personal care in the morning.",
        "A noisy, crowded lounge: teatime can be too much.",
        "Being cold, or a draught from the window.",
        "Losing track of %her% %bag% or glasses. Keep them in the same place.",
        "Not knowing what is happening next: explain before you do anything.",
        "Thunderstorms.",
        "Being left alone in %her% room for long stretches.",
    ];
    if p.female() {
        items.push("Men giving personal care: please arrange female carers.");
    }
    if p.has_dementia() {
        items.push("In the late afternoon %she% can become anxious that %she% needs to get home or collect the children from school. Reassure %obj% that they are safe and looked after.");
        if matches!(p.family.spouse, Some((_, SpouseState::Died(_)))) {
            items.push("Being told %her% partner has died: %she% is asking because %she% wants comfort. Talk about them instead.");
        }
    }
    if (1928..=1940).contains(&p.birth_year) && p.heritage == Heritage::English {
        items.push(
            "Sudden loud bangs and fireworks, which bring back the air raids of %her% childhood.",
        );
    }
    let picked = rng.sample(&items, 3);
    picked
        .iter()
        .map(|s| {
            s.replace("%she%", she)
                .replace("%bag%", if p.female() { "handbag" } else { "wallet" })
                .replace("%her%", p.her())
                .replace("%obj%", p.her_obj())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn what_calms(rng: &mut Gen, p: &Profile) -> String {
    let she = p.she();
    let her = p.her();
    let hobby = p.hobbies.first().copied().unwrap_or("the old days");
    let mut items: Vec<String> = vec![
        format!(
            "Music: {}. There is a playlist on the tablet in the lounge.",
            p.music
        ),
        format!("A cup of tea and a chat about {}.", hobby),
        format!(
            "Looking through the photo album {} family made, especially the wedding pictures.",
            her
        ),
        "A hand massage with the lavender cream on the bedside table.".to_string(),
        "Sitting by the window in the lounge to watch the birds on the feeder.".to_string(),
        format!(
            "Being given a job: {} likes to fold the napkins or sort the cutlery.",
            she
        ),
        format!(
            "Talking about {} working life: ask {} about being {}.",
            her,
            p.her_obj(),
            p.occupation
                .split([',', ':'])
                .next()
                .unwrap_or(p.occupation)
                .trim()
        ),
    ];
    match p.faith {
        "Muslim" => items.push(format!(
            "Listening to Qur'an recitation; holding {} prayer beads.",
            her
        )),
        "Sikh" => items.push("Listening to Gurbani (hymns) on the small radio.".to_string()),
        "Hindu" => items
            .push("Listening to bhajans and having the diya lit by family at Diwali.".to_string()),
        "none" => {}
        _ => items.push("Saying the Lord's Prayer together at bedtime.".to_string()),
    }
    rng.sample(&items, 3).join("\n")
}

fn routines(rng: &mut Gen, p: &Profile) -> String {
    let she = cap(p.she());
    let her = p.her();
    let morning = if p.early_riser {
        format!(
            "Wakes early, around {}, and likes a cup of tea in bed before getting up.",
            rng.pick(&["6:00", "6:30", "7:00"])
        )
    } else {
        format!(
            "Not a morning person: best left until about {}, and much happier for it.",
            rng.pick(&["8:30", "9:00", "9:30"])
        )
    };
    let tea = rng.pick(&[
        "Tea: milky with two sugars.",
        "Tea: strong, a dash of milk, no sugar.",
        "Coffee with hot milk in the morning, tea the rest of the day.",
        "Tea: weak with one sugar.",
    ]);
    let breakfast = match p.heritage {
        Heritage::Caribbean => {
            "Breakfast: porridge made with cinnamon and nutmeg, or hard dough bread."
        }
        Heritage::Punjabi | Heritage::Gujarati => "Breakfast: chapati or toast with masala chai.",
        Heritage::Bangladeshi => "Breakfast: toast or paratha, with tea.",
        Heritage::Scottish => "Breakfast: porridge with salt, the proper way.",
        Heritage::Polish => "Breakfast: rye bread with cheese and a boiled egg.",
        _ => rng.pick(&[
            "Breakfast: toast with marmalade, cut into squares.",
            "Breakfast: Weetabix with warm milk.",
            "Breakfast: porridge with golden syrup.",
            "Breakfast: a boiled egg and soldiers on a Sunday.",
        ]),
    };
    let wash = format!(
        "{} on {} {}; a wash at the sink on other days.",
        rng.pick(&["Prefers a bath", "Prefers a shower", "Likes a shower"]),
        rng.pick(&["Wednesday", "Tuesday", "Friday", "Sunday"]),
        rng.pick(&["mornings", "evenings"])
    );
    let afternoon = rng.pick(&[
        "Has a nap in the chair after lunch.",
        "Likes the main meal at lunchtime and a light tea: sandwiches and a piece of cake.",
        "Enjoys the afternoon activity, especially if there is singing.",
    ]);
    let night = format!(
        "Goes to bed {} with {}. {}",
        rng.pick(&[
            "after the ten o'clock news",
            "around 8:30",
            "after the soaps",
            "around 9"
        ]),
        rng.pick(&[
            "a milky drink",
            "a Horlicks",
            "a cup of cocoa",
            "a glass of warm milk"
        ]),
        rng.pick(&[
            format!("Likes the landing light on and {} door ajar.", her),
            "Sleeps with a hot water bottle in winter (checked, covered).".to_string(),
            "Sleeps on two pillows.".to_string(),
            format!(
                "{} may wake around 3 and want a drink and reassurance.",
                she
            ),
        ])
    );
    [
        morning,
        tea.to_string(),
        breakfast.to_string(),
        wash,
        afternoon.to_string(),
        night,
    ]
    .join("\n")
}
