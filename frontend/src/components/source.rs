//! "Source: Riverside Surgery, by Dr A Jones · 12 Nov 2026": shown under every item of a record.

use bedside_domain::record::Provenance;
use yew::prelude::*;

use crate::clock::local_date;
use crate::present::date_label;

#[derive(Properties, PartialEq)]
pub struct SourceProps {
    pub provenance: Provenance,
}

#[component]
pub fn SourceLine(props: &SourceProps) -> Html {
    let p = &props.provenance;
    let author = p
        .author
        .as_ref()
        .map(|a| format!(", by {a}"))
        .unwrap_or_default();
    html! {
        <p class="source">
            { format!(
                "Source: {}{} · {}",
                p.organisation,
                author,
                date_label(local_date(p.authored_at))
            ) }
        </p>
    }
}
