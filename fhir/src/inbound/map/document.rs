//! Composition (the first entry of a `document` Bundle) and DocumentReference → a document
//! with titled plain-text sections; files that came inline (a PDF letter) go to the engine
//! as [`InlineFile`]s.

use bedside_domain::record::{DocumentSection, DocumentType, EntryBody};
use serde_json::Value;

use super::super::cx::Cx;
use super::super::read::{Cc, Node};
use super::super::time::{self, TimeKind, When};
use super::super::types::{Draft, InlineFile, Meaning};
use super::codes::{
    LIST_EMPTY_REASON, LOINC, LOINC_DISCHARGE, LOINC_ED_DISCHARGE, SNOMED, SNOMED_DISCHARGE_SUMMARY,
};
use crate::narrative::html_to_text;
use crate::outcome::IssueType;

const COMPOSITION_STATUS: &[&str] = &["preliminary", "final", "amended", "entered-in-error"];
const DOCREF_STATUS: &[&str] = &["current", "superseded", "entered-in-error"];
const NARRATIVE_STATUS: &[&str] = &["generated", "extensions", "additional", "empty"];
/// Sections nest; a sender's runaway nesting stops here (the engine limits JSON depth).
const MAX_SECTION_DEPTH: usize = 12;

/// The kind of document, from its type: codes first (SNOMED CT 373942005 and the LOINC
/// discharge summaries; LOINC 59258-4 for the emergency department), then the words of
/// the type's text and displays.
pub(super) fn doc_type(cc: Option<&Cc<'_>>) -> DocumentType {
    let Some(cc) = cc else {
        return DocumentType::Other;
    };
    if cc.has(SNOMED, SNOMED_DISCHARGE_SUMMARY) {
        return DocumentType::DischargeSummary;
    }
    if cc.has(LOINC, LOINC_ED_DISCHARGE) {
        return DocumentType::EmergencyDepartment;
    }
    if cc.has_any(LOINC, LOINC_DISCHARGE) {
        return DocumentType::DischargeSummary;
    }
    let words = cc.words().to_lowercase();
    let has = |w: &str| words.contains(w);
    if has("ambulance") || has("pre-hospital") || has("prehospital") || has("paramedic") {
        DocumentType::Ambulance
    } else if has("emergency department")
        || has("accident and emergency")
        || has("a&e")
        || has("a & e")
    {
        DocumentType::EmergencyDepartment
    } else if has("discharge summary") || has("discharge letter") {
        DocumentType::DischargeSummary
    } else if has("clinic letter") || has("outpatient") || has("clinic") {
        DocumentType::Clinic
    } else {
        DocumentType::Other
    }
}

/// What an attachment holds.
pub(crate) enum AttachmentContent {
    /// Text (plain, or HTML turned into plain text).
    Text { title: Option<String>, text: String },
    /// Anything else sent inline: a file for the engine to keep.
    File(InlineFile),
    /// Not sent, only pointed at.
    Elsewhere { title: Option<String>, url: String },
}

/// Reads an Attachment; `None` when it carries nothing. Invalid base64 is an error at
/// its `data`.
pub(crate) fn attachment(cx: &mut Cx<'_, '_>, a: &Node<'_>) -> Option<AttachmentContent> {
    let content_type = cx.r.string(a, "contentType");
    let data = cx.r.string(a, "data");
    let url = cx.r.string(a, "url");
    let title = cx.r.string(a, "title").map(str::to_owned);
    cx.r.number(a, "size");
    if let Some(data) = data {
        let bytes = match crate::base64::decode(data) {
            Ok(b) => b,
            Err(why) => {
                cx.r.error(
                    IssueType::Value,
                    a.at("data"),
                    format!("is not valid base64: {why}"),
                );
                return None;
            }
        };
        let Some(content_type) = content_type else {
            cx.r.error(
                IssueType::Invariant,
                a.at("contentType"),
                "an attachment with data must say its contentType (FHIR R4 att-1)",
            );
            return None;
        };
        let (mime, charset) = split_content_type(content_type);
        return Some(match mime.as_str() {
            "text/plain" | "text/markdown" | "text/html" | "application/xhtml+xml" => {
                let raw = decode_text(cx, &bytes, charset.as_deref(), &a.at("data"));
                let text = if mime == "text/html" || mime == "application/xhtml+xml" {
                    html_to_text(&raw)
                } else {
                    raw.replace("\r\n", "\n").trim().to_owned()
                };
                AttachmentContent::Text { title, text }
            }
            _ => AttachmentContent::File(InlineFile {
                content_type: content_type.to_owned(),
                title,
                data: bytes,
            }),
        });
    }
    url.map(|url| AttachmentContent::Elsewhere {
        title,
        url: url.to_owned(),
    })
}

fn split_content_type(ct: &str) -> (String, Option<String>) {
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    });
    (mime, charset)
}

fn decode_text(cx: &mut Cx<'_, '_>, bytes: &[u8], charset: Option<&str>, path: &str) -> String {
    match charset {
        Some("iso-8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252") => {
            bytes.iter().map(|b| char::from(*b)).collect()
        }
        _ => match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                cx.r.warn(
                    IssueType::Value,
                    path,
                    "the text is not valid UTF-8: unreadable characters were replaced",
                );
                String::from_utf8_lossy(bytes).into_owned()
            }
        },
    }
}

/// A narrative's text, checked: `text.div` must be a string.
fn narrative(cx: &mut Cx<'_, '_>, owner: &Node<'_>) -> Option<String> {
    let text = cx.r.object(owner, "text")?;
    cx.r.code(&text, "status", NARRATIVE_STATUS);
    cx.r.require(&text, "div", "the narrative's XHTML");
    let div = cx.r.string(&text, "div")?;
    let plain = html_to_text(div);
    (!plain.is_empty()).then_some(plain)
}

fn empty_reason_text(cc: &Cc<'_>) -> Option<String> {
    let label = match cc.code_in(LIST_EMPTY_REASON) {
        Some("nilknown") => "Nil known",
        Some("notasked") => "Not asked",
        Some("withheld") => "Withheld",
        Some("unavailable") => "Not recorded",
        Some("notstarted") => "Not started",
        Some("closed") => "Closed",
        _ => return cc.label().map(str::to_owned),
    };
    Some(label.to_owned())
}

/// Text for a section with no narrative, from the resources its entries point at.
fn entries_text(cx: &Cx<'_, '_>, entries: &[super::super::read::Ref<'_>]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for e in entries {
        let resolved = cx.resolve_ref(e);
        let line = resolved
            .as_deref()
            .and_then(|v| {
                v.get("text")
                    .and_then(|t| t.get("div"))
                    .and_then(Value::as_str)
                    .map(html_to_text)
                    .filter(|t| !t.is_empty())
                    .or_else(|| code_label(v))
            })
            .or_else(|| e.display.map(str::to_owned));
        if let Some(l) = line {
            lines.push(l);
        }
    }
    lines.join("\n")
}

fn code_label(v: &Value) -> Option<String> {
    let code = v
        .get("code")
        .or_else(|| v.get("medicationCodeableConcept"))?;
    code.get("text")
        .and_then(Value::as_str)
        .or_else(|| {
            code.get("coding")
                .and_then(Value::as_array)?
                .iter()
                .find_map(|c| c.get("display").and_then(Value::as_str))
        })
        .map(str::to_owned)
}

fn sections(
    cx: &mut Cx<'_, '_>,
    list: &[Node<'_>],
    parent: Option<&str>,
    depth: usize,
    out: &mut Vec<DocumentSection>,
) {
    for s in list {
        let title = cx.r.string(s, "title").map(str::to_owned);
        let code = cx.r.cc(s, "code");
        let text = narrative(cx, s);
        let entries = cx.r.references(s, "entry");
        let empty = cx.r.cc(s, "emptyReason");
        let children = cx.r.objects(s, "section");
        let title = title
            .or_else(|| code.as_ref().and_then(|c| c.label().map(str::to_owned)))
            .unwrap_or_else(|| "Section".to_owned());
        let full = match parent {
            Some(p) => format!("{p}: {title}"),
            None => title,
        };
        let text = text
            .or_else(|| {
                let t = entries_text(cx, &entries);
                (!t.is_empty()).then_some(t)
            })
            .or_else(|| empty.as_ref().and_then(empty_reason_text));
        if let Some(text) = text {
            out.push(DocumentSection {
                title: full.clone(),
                text,
            });
        }
        if !children.is_empty() {
            if depth >= MAX_SECTION_DEPTH {
                let path = s.at("section");
                cx.r.warn(
                    IssueType::TooCostly,
                    path,
                    "sections nested this deep are not read",
                );
            } else {
                sections(cx, &children, Some(&full), depth + 1, out);
            }
        }
    }
}

/// A period read leniently from a resolved resource (it is checked when received).
fn period_of(v: &Value) -> (Option<When>, Option<When>) {
    let p = v.get("period");
    let get = |k: &str| {
        p.and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .and_then(|s| time::parse(s, TimeKind::DateTime).ok())
    };
    (get("start"), get("end"))
}

pub(super) fn composition(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(
        &root,
        "status",
        "preliminary, final, amended or entered-in-error",
    );
    let status = cx.r.code(&root, "status", COMPOSITION_STATUS);
    cx.r.require(&root, "type", "what kind of document it is");
    let ty = cx.r.cc(&root, "type");
    let subject = cx.subject("subject", false);
    cx.r.require(&root, "date", "when it was written");
    let date = cx.time("date", TimeKind::DateTime);
    cx.r.require(&root, "author", "who wrote it");
    let authors = cx.r.references(&root, "author");
    cx.r.require(&root, "title", "its title");
    let title = cx.r.string(&root, "title").map(str::to_owned);
    let encounter = cx.r.reference(&root, "encounter");
    let mut event_period = None;
    for ev in cx.r.objects(&root, "event") {
        if let Some(p) = cx.r.period(&ev, "period")
            && event_period.is_none()
        {
            event_period = Some(p);
        }
    }
    let list = cx.r.objects(&root, "section");
    let mut out = Vec::new();
    sections(cx, &list, None, 0, &mut out);
    let (Some(status), Some(title)) = (status, title) else {
        return Meaning::NotModelled;
    };
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    if status == "entered-in-error" {
        return Meaning::Retracted { subject };
    }
    let (start, end) = match encounter.as_ref().and_then(|e| cx.resolve_ref(e)) {
        Some(enc) => period_of(&enc),
        None => event_period.map_or((None, None), |p| (p.start, p.end)),
    };
    let author = authors.iter().find_map(|a| cx.author_of(a));
    let body = EntryBody::Document {
        doc_type: doc_type(ty.as_ref()),
        title,
        period_start: start.and_then(|w| w.date()),
        period_end: end.and_then(|w| w.date()),
        sections: out,
        attachments: Vec::new(),
    };
    let authored_at = cx.authored(date);
    Cx::record(subject, body, authored_at, author)
}

pub(super) fn reference(cx: &mut Cx<'_, '_>) -> Meaning {
    let root = cx.root.clone();
    cx.r.require(&root, "status", "current, superseded or entered-in-error");
    let status = cx.r.code(&root, "status", DOCREF_STATUS);
    let ty = cx.r.cc(&root, "type");
    let subject = cx.subject("subject", false);
    let date = cx.time("date", TimeKind::Instant);
    let authors = cx.r.references(&root, "author");
    let description = cx.r.string(&root, "description").map(str::to_owned);
    let mut period = None;
    if let Some(context) = cx.r.object(&root, "context") {
        period = cx.r.period(&context, "period");
        cx.r.references(&context, "encounter");
    }
    cx.r.require(&root, "content", "the document itself (an attachment)");
    let mut sections = Vec::new();
    let mut files = Vec::new();
    let contents = cx.r.objects(&root, "content");
    let single = contents.len() == 1;
    for (i, c) in contents.iter().enumerate() {
        cx.r.require(c, "attachment", "the document's content");
        let Some(a) = cx.r.object(c, "attachment") else {
            continue;
        };
        match attachment(cx, &a) {
            Some(AttachmentContent::Text { title, text }) => sections.push(DocumentSection {
                title: title.unwrap_or_else(|| {
                    if single {
                        "Document".to_owned()
                    } else {
                        format!("Part {}", i + 1)
                    }
                }),
                text,
            }),
            Some(AttachmentContent::File(f)) => files.push(f),
            Some(AttachmentContent::Elsewhere { title, url }) => sections.push(DocumentSection {
                title: title.unwrap_or_else(|| "Attachment".to_owned()),
                text: format!("Not sent with the record: the sender holds it at {url}"),
            }),
            None => {}
        }
    }
    let Some(status) = status else {
        return Meaning::NotModelled;
    };
    let Some(subject) = subject else {
        return Meaning::NotModelled;
    };
    // A superseded document has been replaced: like one entered in error, it is no longer
    // shown as current.
    if status != "current" {
        return Meaning::Retracted { subject };
    }
    let title = description
        .or_else(|| ty.as_ref().and_then(|t| t.label().map(str::to_owned)))
        .or_else(|| files.first().and_then(|f| f.title.clone()))
        .unwrap_or_else(|| "Document".to_owned());
    let author = authors.iter().find_map(|a| cx.author_of(a));
    let body = EntryBody::Document {
        doc_type: doc_type(ty.as_ref()),
        title,
        period_start: period.and_then(|p| p.start).and_then(|w| w.date()),
        period_end: period.and_then(|p| p.end).and_then(|w| w.date()),
        sections,
        attachments: Vec::new(),
    };
    Meaning::Record {
        subject,
        entries: vec![Draft {
            key: String::new(),
            body,
            authored_at: cx.authored(date),
            author,
            files,
        }],
    }
}
