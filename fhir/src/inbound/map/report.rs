//! DiagnosticReport → a diagnostic report with its conclusion (imaging and the like), or
//! supporting (a lab report whose results come as Observations: the engine names their
//! panel from it with [`crate::inbound::panel_of`]). A report that comes only as a PDF
//! becomes a document carrying the file.

use bedside_domain::record::{DocumentType, EntryBody};

use super::super::cx::Cx;
use super::super::time::TimeKind;
use super::super::types::{Draft, Meaning};
use super::codes::{LOINC, SNOMED};
use super::document::{AttachmentContent, attachment};

const STATUS: &[&str] = &[
    "registered",
    "partial",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "appended",
    "cancelled",
    "entered-in-error",
    "unknown",
];

pub(super) fn map(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "the report's status");
    let status = cx.r.code(&root, "status", STATUS);
    cx.r.require(&root, "code", "what kind of report it is");
    let code = cx.r.cc(&root, "code");
    let subject = cx.subject("subject", false);
    cx.r.one_of(&root, "effective", &["DateTime", "Period"]);
    let effective = cx.time("effectiveDateTime", TimeKind::DateTime);
    let period = cx.r.period(&root, "effectivePeriod");
    let issued = cx.time("issued", TimeKind::Instant);
    let results = cx.r.references(&root, "result");
    let conclusion = cx.r.string(&root, "conclusion").map(str::to_owned);
    let conclusion_codes: Vec<String> =
        cx.r.ccs(&root, "conclusionCode")
            .iter()
            .filter_map(|c| c.label().map(str::to_owned))
            .collect();
    let mut texts = Vec::new();
    let mut files = Vec::new();
    for a in &cx.r.objects(&root, "presentedForm") {
        match attachment(cx, a) {
            Some(AttachmentContent::Text { text, .. }) => texts.push(text),
            Some(AttachmentContent::File(f)) => files.push(f),
            Some(AttachmentContent::Elsewhere { .. }) | None => {}
        }
    }
    let interpreters = cx.r.references(&root, "resultsInterpreter");
    let performers = cx.r.references(&root, "performer");
    let (Some(status), Some(code)) = (status, code) else {
        return Meaning::NotModelled;
    };
    if status == "entered-in-error" {
        return subject.map_or(Meaning::NotModelled, |subject| Meaning::Retracted {
            subject,
        });
    }
    let mut text = conclusion.unwrap_or_default();
    if !conclusion_codes.is_empty() {
        let coded = conclusion_codes.join("; ");
        if !text.contains(&coded) {
            text = if text.is_empty() {
                coded
            } else {
                format!("{text}\n\n{coded}")
            };
        }
    }
    if text.is_empty() {
        text = texts.join("\n\n");
    }
    if text.is_empty() && files.is_empty() {
        return if results.is_empty() {
            cx.not_modelled(
                None,
                "a report with no conclusion, attachment or results has nothing to show",
            )
        } else {
            Meaning::Supporting
        };
    }
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    if status == "cancelled" || status == "registered" {
        return cx.not_modelled(
            Some(root.at("status")),
            format!("a {status} report has no findings yet"),
        );
    }
    let title = code
        .concept(&[SNOMED, LOINC])
        .map(|c| c.text)
        .unwrap_or_else(|| "Report".to_owned());
    let when = effective.or(period.and_then(|p| p.start)).or(issued);
    let authored_at = cx.authored(issued.or(when));
    let author = interpreters
        .iter()
        .chain(performers.iter())
        .find_map(|r| cx.author_of(r));
    if text.is_empty() {
        // Only a file (a PDF report): a document carrying it.
        let (start, end) = (when.and_then(|w| w.date()), None);
        return Meaning::Record {
            subject,
            entries: vec![Draft {
                key: String::new(),
                body: EntryBody::Document {
                    doc_type: DocumentType::Other,
                    title,
                    period_start: start,
                    period_end: end,
                    sections: Vec::new(),
                    attachments: Vec::new(),
                },
                authored_at,
                author,
                files,
            }],
        };
    }
    let Some(performed_at) = when.and_then(|w| w.start_utc()) else {
        return cx.not_modelled(
            Some(root.at("effective[x]")),
            "a report without a time (effective[x] or issued) cannot be placed in the record",
        );
    };
    let body = EntryBody::DiagnosticReport {
        title,
        conclusion: text,
        performed_at,
    };
    Cx::record(subject, body, authored_at, author)
}
