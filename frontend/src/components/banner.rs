//! The resident banner: who this is and the facts that must never be missed (allergies,
//! resuscitation decision, in hospital). It stays at the top while the summary scrolls.

use bedside_domain::dates::age_on;
use bedside_domain::record::CprDecision;
use bedside_domain::summary::{AllergyState, CprState};
use chrono::Datelike;
use yew::prelude::*;

use crate::clock::today;
use crate::present::{allergy_text, cpr_text, date_label, hospital_text};
use crate::services::local_db::StoredResident;

#[derive(Properties, PartialEq)]
pub struct BannerProps {
    pub stored: StoredResident,
}

#[component]
pub fn ResidentBanner(props: &BannerProps) -> Html {
    let r = &props.stored.resident;
    let b = &props.stored.banner;
    let today = today();
    let born = match age_on(r.birth_date, today) {
        Some(age) => format!("{} (age {age})", date_label(r.birth_date)),
        None => date_label(r.birth_date),
    };

    let allergy_class = match b.allergies {
        AllergyState::Allergies { .. } => "banner-fact fact-alert",
        AllergyState::NoKnownAllergies => "banner-fact fact-ok",
        AllergyState::NotRecorded => "banner-fact fact-unknown",
    };
    let (cpr_class, agreed) = match &b.cpr {
        CprState::Recorded { cpr, agreed_on, .. } => (
            if *cpr == CprDecision::NotForCpr {
                "banner-fact fact-alert"
            } else {
                "banner-fact fact-ok"
            },
            Some(format!("agreed {}", date_label(*agreed_on))),
        ),
        CprState::NotRecorded => ("banner-fact fact-unknown", None),
    };

    html! {
        <section class="resident-banner" aria-label="Resident banner">
            <div class="banner-identity">
                <h1 class="banner-name">
                    { r.name.full() }
                    if let Some(preferred) = &r.name.preferred {
                        <span class="preferred">{ format!(" (known as {preferred})") }</span>
                    }
                </h1>
                <dl class="banner-details">
                    <div><dt>{ "NHS number" }</dt><dd class="nhs-number">{ r.nhs_number.to_string() }</dd></div>
                    <div><dt>{ "Born" }</dt><dd>{ born }</dd></div>
                    <div><dt>{ "Room" }</dt><dd>{ r.room.clone() }</dd></div>
                </dl>
            </div>
            <ul class="banner-facts">
                <li class={allergy_class}>
                    <span data-testid="banner-allergies">{ allergy_text(&b.allergies) }</span>
                </li>
                <li class={cpr_class}>
                    <span data-testid="banner-cpr">{ cpr_text(&b.cpr) }</span>
                    if let Some(agreed) = agreed {
                        <span class="fact-detail">{ format!(" ({agreed})") }</span>
                    }
                </li>
                if let Some(h) = &b.in_hospital {
                    <li class="banner-fact fact-alert">
                        <span data-testid="banner-hospital">{ hospital_text(h, today.year()) }</span>
                    </li>
                }
            </ul>
        </section>
    }
}
