//! A document (discharge, emergency department or ambulance summary, clinic letter…) as
//! staff read it: its title, type, the period it covers, where it came from, its files,
//! and its sections with their headings and paragraphs as the author wrote them.

use bedside_domain::record::{Entry, EntryBody};
use yew::prelude::*;

use crate::clock::local_date;
use crate::components::attachment::attachment_list;
use crate::components::source::SourceLine;
use crate::present::{document_period_text, paragraphs};

/// The heading levels a document uses where it is shown: its title at `title`, its
/// sections one level below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Under a page's `h1` (the document page).
    Two,
    /// Inside a section of the summary.
    Three,
}

impl Level {
    fn tags(self) -> (&'static str, &'static str) {
        match self {
            Self::Two => ("h2", "h3"),
            Self::Three => ("h3", "h4"),
        }
    }
}

/// The paragraphs of a text, or "Not recorded".
pub fn prose(text: &str) -> Html {
    let paras = paragraphs(text);
    if paras.is_empty() {
        return html! { <p class="not-recorded">{ "Not recorded" }</p> };
    }
    html! { { for paras.into_iter().map(|p| html! { <p class="prose">{ p }</p> }) } }
}

/// The whole document. Anything that is not a document renders nothing.
pub fn document_view(doc: &Entry, level: Level, online: bool, token: Option<AttrValue>) -> Html {
    let EntryBody::Document {
        doc_type,
        title,
        period_start,
        period_end,
        sections,
        attachments,
    } = &doc.body
    else {
        return html! {};
    };
    let (title_tag, section_tag) = level.tags();
    let written = local_date(doc.provenance.authored_at);
    let period = document_period_text(*period_start, *period_end, written);
    html! {
        <article class="document" data-testid="document">
            <@{title_tag} class="item-title doc-title">{ title.clone() }</@>
            <p class="doc-meta">{ format!("{} · {period}", doc_type.label()) }</p>
            <SourceLine provenance={doc.provenance.clone()} />
            { attachment_list(attachments, online, token) }
            if sections.is_empty() && attachments.is_empty() {
                <p class="not-recorded">{ "This document has no text." }</p>
            }
            { for sections.iter().map(|s| html! {
                <section class="doc-section">
                    <@{section_tag} class="doc-section-title">{ s.title.clone() }</@>
                    { prose(&s.text) }
                </section>
            }) }
        </article>
    }
}
