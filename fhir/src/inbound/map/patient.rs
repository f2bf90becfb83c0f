//! Patient → the facts the engine matches a person on.

use bedside_domain::record::{PersonName, Sex};

use super::super::cx::Cx;
use super::super::read::Node;
use super::super::time::{TimeKind, When};
use super::super::types::{Meaning, PatientFacts};
use crate::outcome::IssueType;

const NAME_USES: &[&str] = &[
    "usual",
    "official",
    "temp",
    "nickname",
    "anonymous",
    "old",
    "maiden",
];

struct Name {
    usage: Option<String>,
    given: Option<String>,
    family: Option<String>,
    text: Option<String>,
}

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    let mut nhs_number = None;
    for id in cx.r.objects(&root, "identifier") {
        let system = cx.r.string(&id, "system");
        let value = cx.r.string(&id, "value");
        if system == Some(crate::NHS_NUMBER_SYSTEM) && nhs_number.is_none() {
            nhs_number = value.map(str::to_owned);
        }
    }
    let names: Vec<Name> =
        cx.r.objects(&root, "name")
            .iter()
            .map(|n| read_name(cx, n))
            .collect();
    let birth_date = match cx.r.time(&root, "birthDate", TimeKind::Date) {
        Some(When::Day(d)) => Some(d),
        Some(_) => {
            cx.r.warn(
                IssueType::Value,
                root.at("birthDate"),
                "only part of the date of birth was sent: not enough to match a person on",
            );
            None
        }
        None => None,
    };
    let sex = match cx
        .r
        .code(&root, "gender", &["male", "female", "other", "unknown"])
    {
        Some("male") => Sex::Male,
        Some("female") => Sex::Female,
        Some("other") => Sex::Other,
        _ => Sex::Unknown,
    };
    let mut gp_practice = None;
    let gps = cx.r.references(&root, "generalPractitioner");
    // The practice (an Organization) names the registration; a named GP is second best.
    for want_org in [true, false] {
        if gp_practice.is_some() {
            break;
        }
        for gp in &gps {
            let is_org = cx.type_of(gp).as_deref() == Some("Organization");
            if is_org == want_org
                && let Some(name) = cx.name_of(gp)
            {
                gp_practice = Some(name);
                break;
            }
        }
    }
    Meaning::Patient(PatientFacts {
        nhs_number,
        name: person_name(&names),
        birth_date,
        sex,
        gp_practice,
    })
}

fn read_name(cx: &mut Cx<'_, '_>, n: &Node<'_>) -> Name {
    let usage = cx.r.code(n, "use", NAME_USES).map(str::to_owned);
    let given = cx.r.strings(n, "given");
    let family = cx.r.string(n, "family").map(str::to_owned);
    let text = cx.r.string(n, "text").map(str::to_owned);
    cx.r.strings(n, "prefix");
    Name {
        usage,
        given: (!given.is_empty()).then(|| given.join(" ")),
        family,
        text,
    }
}

/// The official (else usual, else first current) name; and what the person likes to be
/// called when a usual name or nickname gives a different first name.
fn person_name(names: &[Name]) -> Option<PersonName> {
    let current = |n: &&Name| !matches!(n.usage.as_deref(), Some("old" | "maiden" | "anonymous"));
    let by_use = |u: &str| {
        names
            .iter()
            .filter(current)
            .find(|n| n.usage.as_deref() == Some(u))
    };
    let main = by_use("official")
        .or_else(|| by_use("usual"))
        .or_else(|| names.iter().find(current))?;
    let (given, family) = match (&main.given, &main.family) {
        (Some(g), Some(f)) => (g.clone(), f.clone()),
        _ => {
            // Only text ("Richard Smith"): the last word is the family name.
            let text = main
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty());
            match (text, &main.given, &main.family) {
                (Some(t), _, _) => match t.rsplit_once(' ') {
                    Some((g, f)) => (g.trim().to_owned(), f.to_owned()),
                    None => (String::new(), t.to_owned()),
                },
                (None, Some(g), None) => (g.clone(), String::new()),
                (None, None, Some(f)) => (String::new(), f.clone()),
                (None, _, _) => return None,
            }
        }
    };
    let first = given.split_whitespace().next().unwrap_or("").to_owned();
    let preferred = names
        .iter()
        .filter(|n| !std::ptr::eq(*n, main))
        .filter(|n| matches!(n.usage.as_deref(), Some("nickname" | "usual")))
        .find_map(|n| n.given.clone().or_else(|| n.text.clone()))
        .filter(|p| !p.eq_ignore_ascii_case(&given) && !p.eq_ignore_ascii_case(&first));
    Some(PersonName {
        given,
        family,
        preferred,
    })
}
