//! FHIR R4 in: validating a received resource and working out what it means for the
//! record ([`interpret`], [`interpret_document`]), and small helpers the ingest engine
//! uses on references ([`reference_of`], [`reference_type`], [`conditional_reference`])
//! and lab panels ([`panel_of`]).
//!
//! Validation is done while reading: each mapper reads the elements it needs through a
//! checking reader, so every element Bedside relies on is checked for its JSON type, its
//! required presence and (for times) the R4 patterns and the calendar, and the errors name
//! the element's path. Elements Bedside does not read, extensions and profiles are ignored.

mod cx;
mod map;
mod read;
mod time;
mod types;
mod version;

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

pub use types::*;

use self::cx::Cx;
use self::read::Node;
use crate::outcome::{Issue, IssueType};

/// Validates one resource and says what it means. Errors name the failing elements; a
/// resource with any error changes nothing. A `document` Bundle is handed to
/// [`interpret_document`].
pub fn interpret(resource: &Value, ctx: &Context<'_>) -> Result<Interpreted, Vec<Issue>> {
    let ty = resource_type_of(resource)?;
    if ty == "Bundle" && resource.get("type").and_then(Value::as_str) == Some("document") {
        return interpret_document(resource, ctx);
    }
    let root = Node::new(resource, ty);
    let mut cx = Cx::new(ctx, root.clone(), ty);
    let shape = version::shape_issues(&root, ty);
    let (id, version_id) = cx.common();
    let meaning = if shape.is_empty() {
        map::meaning(&mut cx)
    } else {
        cx.r.errors.extend(shape);
        Meaning::NotModelled
    };
    cx.finish(ty, id, version_id, meaning)
}

/// The resource type, checked: present, a string, and an R4 type (with a diagnostic
/// naming the version when it belongs to another one).
fn resource_type_of(resource: &Value) -> Result<&str, Vec<Issue>> {
    let Some(obj) = resource.as_object() else {
        return Err(vec![Issue::error(
            IssueType::Structure,
            "Resource",
            "a resource must be a JSON object",
        )]);
    };
    let ty = match obj.get("resourceType") {
        None | Some(Value::Null) => {
            return Err(vec![Issue::error(
                IssueType::Required,
                "Resource.resourceType",
                "resourceType is required: say which kind of resource this is",
            )]);
        }
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(vec![Issue::error(
                IssueType::Structure,
                "Resource.resourceType",
                "resourceType must be a string",
            )]);
        }
    };
    if version::is_r4_type(ty) {
        return Ok(ty);
    }
    let path = format!("{}.resourceType", path_safe(ty));
    Err(vec![match version::other_version_type(ty) {
        Some(diag) => Issue::error(IssueType::NotSupported, path, diag),
        None => Issue::error(
            IssueType::Value,
            path,
            format!("'{}' is not a FHIR R4 resource type", time::shorten(ty)),
        ),
    }])
}

/// A resource type as the first step of an expression: only when it looks like a name.
fn path_safe(ty: &str) -> &str {
    if !ty.is_empty() && ty.len() <= 64 && ty.chars().all(|c| c.is_ascii_alphanumeric()) {
        ty
    } else {
        "Resource"
    }
}

/// Whether a name is a FHIR R4 (4.0.1) resource type.
pub fn is_r4_resource_type(name: &str) -> bool {
    version::is_r4_type(name)
}

/// Finds resources in a Bundle by `fullUrl` and by `Type/id`, then asks the sender's
/// resolver.
struct BundleResolver<'a> {
    index: HashMap<String, &'a Value>,
    fallback: &'a dyn Resolver,
}

impl<'a> BundleResolver<'a> {
    fn new(entries: &'a [Value], fallback: &'a dyn Resolver) -> Self {
        let mut index = HashMap::with_capacity(entries.len() * 2);
        for e in entries {
            let Some(res) = e.get("resource").filter(|r| r.is_object()) else {
                continue;
            };
            if let Some(full) = e.get("fullUrl").and_then(Value::as_str) {
                index.insert(full.to_owned(), res);
            }
            if let (Some(t), Some(id)) = (
                res.get("resourceType").and_then(Value::as_str),
                res.get("id").and_then(Value::as_str),
            ) {
                index.insert(format!("{t}/{id}"), res);
            }
        }
        Self { index, fallback }
    }
}

impl Resolver for BundleResolver<'_> {
    fn resolve(&self, reference: &str) -> Option<Cow<'_, Value>> {
        if let Some(v) = self.index.get(reference) {
            return Some(Cow::Borrowed(*v));
        }
        // An absolute URL ending in Type/id finds a resource sent as Type/id.
        if reference.contains("://")
            && let Some(tail) = type_and_id(reference)
            && let Some(v) = self.index.get(tail)
        {
            return Some(Cow::Borrowed(*v));
        }
        self.fallback.resolve(reference)
    }
}

/// `Type/id` at the end of a literal reference (ignoring a `/_history/n` suffix).
fn type_and_id(reference: &str) -> Option<&str> {
    let without_history = match reference.find("/_history/") {
        Some(i) => &reference[..i],
        None => reference,
    };
    let mut parts = without_history.rsplitn(3, '/');
    let id = parts.next()?;
    let ty = parts.next()?;
    if id.is_empty() || !version::is_r4_type(ty) {
        return None;
    }
    let start = without_history.len() - id.len() - ty.len() - 1;
    Some(&without_history[start..])
}

/// Validates a `document` Bundle (type `document`, a Composition first) and says what the
/// document means, resolving the Composition's references among the Bundle's entries
/// first. Issues are rooted at `Bundle`.
pub fn interpret_document(bundle: &Value, ctx: &Context<'_>) -> Result<Interpreted, Vec<Issue>> {
    let ty = resource_type_of(bundle)?;
    if ty != "Bundle" {
        return Err(vec![Issue::error(
            IssueType::Invalid,
            format!("{ty}.resourceType"),
            format!("a document must be sent as a Bundle of type document, not a {ty}"),
        )]);
    }
    let root = Node::new(bundle, "Bundle");
    let mut r = read::Reader::default();
    match r.code(&root, "type", BUNDLE_TYPES) {
        Some("document") => {}
        Some(other) => r.error(
            IssueType::Value,
            "Bundle.type",
            format!("a document Bundle must have type document, not {other}"),
        ),
        None => {
            r.require(&root, "type", "a document Bundle has type document");
        }
    }
    if root.raw("identifier").is_none() {
        r.warn(
            IssueType::Required,
            "Bundle.identifier",
            "a document Bundle should carry an identifier (FHIR R4 bdl-9)",
        );
    } else {
        r.object(&root, "identifier");
    }
    if root.raw("timestamp").is_some() {
        r.time(&root, "timestamp", time::TimeKind::Instant);
    } else {
        r.warn(
            IssueType::Required,
            "Bundle.timestamp",
            "a document Bundle should carry a timestamp (FHIR R4 bdl-10)",
        );
    }
    let entries = r.objects(&root, "entry");
    for e in &entries {
        r.string(e, "fullUrl");
        if let Some(res) = r.object(e, "resource")
            && res.raw("resourceType").is_none_or(|t| !t.is_string())
        {
            r.error(
                IssueType::Structure,
                res.at("resourceType"),
                "every entry's resource needs a resourceType string",
            );
        }
    }
    let first = entries.first().and_then(|e| e.raw("resource"));
    let composition = match first {
        Some(c) if c.get("resourceType").and_then(Value::as_str) == Some("Composition") => c,
        _ => {
            if entries.is_empty() {
                r.error(
                    IssueType::Required,
                    "Bundle.entry",
                    "a document Bundle needs entries, the first one a Composition",
                );
            } else {
                r.error(
                    IssueType::Invalid,
                    "Bundle.entry[0].resource",
                    "the first entry of a document Bundle must be a Composition",
                );
            }
            return Err(r.errors);
        }
    };
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    let all: &[Value] = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let resolver = BundleResolver::new(all, ctx.resolver);
    let inner = Context {
        source_name: ctx.source_name,
        resolver: &resolver,
    };
    let prefix = "Bundle.entry[0].resource";
    let reroot = |issues: Vec<Issue>| -> Vec<Issue> {
        issues.into_iter().map(|i| i.under(prefix)).collect()
    };
    match interpret(composition, &inner) {
        Ok(mut done) => {
            let mut warnings = r.warnings;
            warnings.extend(reroot(done.warnings));
            done.warnings = warnings;
            Ok(done)
        }
        Err(issues) => Err(reroot(issues)),
    }
}

const BUNDLE_TYPES: &[&str] = &[
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
];

/// A FHIR Reference from its JSON, leniently: `None` when it is not an object or carries
/// nothing (no reference, identifier or display).
pub fn reference_of(value: &Value) -> Option<Reference> {
    let obj = value.as_object()?;
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let identifier = obj.get("identifier").and_then(|id| {
        Some(Identifier {
            system: text(id.get("system")),
            value: text(id.get("value"))?,
        })
    });
    let r = Reference {
        reference: text(obj.get("reference")),
        identifier,
        display: text(obj.get("display")),
    };
    (r.reference.is_some() || r.identifier.is_some() || r.display.is_some()).then_some(r)
}

/// The resource type a literal or conditional reference points at: `Patient/123`,
/// `https://example.org/fhir/Patient/123`, `Patient?identifier=…` give `Patient`.
/// `None` for `urn:uuid:`, `#contained` and anything else that does not say.
pub fn reference_type(reference: &str) -> Option<&str> {
    if reference.starts_with("urn:") || reference.starts_with('#') {
        return None;
    }
    if let Some((ty, _)) = reference.split_once('?') {
        return (!ty.contains('/') && version::is_r4_type(ty)).then_some(ty);
    }
    let tail = type_and_id(reference)?;
    tail.split('/').next()
}

/// A conditional reference by identifier, as in
/// `Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalReference {
    pub resource_type: String,
    pub system: Option<String>,
    pub value: String,
}

/// Parses `Type?identifier=system|value` (percent-encoding allowed). Other search
/// criteria are not references Bedside can follow: `None`.
pub fn conditional_reference(reference: &str) -> Option<ConditionalReference> {
    let (ty, query) = reference.split_once('?')?;
    if !version::is_r4_type(ty) {
        return None;
    }
    let value = query.strip_prefix("identifier=")?;
    if value.contains('&') {
        return None;
    }
    let decoded = percent_decode(value)?;
    let (system, value) = match decoded.split_once('|') {
        Some((s, v)) => ((!s.is_empty()).then(|| s.to_owned()), v.to_owned()),
        None => (None, decoded.clone()),
    };
    if value.is_empty() {
        return None;
    }
    Some(ConditionalReference {
        resource_type: ty.to_owned(),
        system,
        value,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// For a lab DiagnosticReport (or a group Observation): its name and the references of
/// its results (members), for the engine to name the panel of the results it has
/// received. `None` when it has no results.
pub fn panel_of(resource: &Value) -> Option<(String, Vec<String>)> {
    let ty = resource.get("resourceType").and_then(Value::as_str)?;
    let members = match ty {
        "DiagnosticReport" => resource.get("result"),
        "Observation" => resource.get("hasMember"),
        _ => None,
    }?
    .as_array()?;
    let refs: Vec<String> = members
        .iter()
        .filter_map(|m| m.get("reference").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    if refs.is_empty() {
        return None;
    }
    let code = resource.get("code");
    let name = code
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .or_else(|| {
            code.and_then(|c| c.get("coding"))
                .and_then(Value::as_array)
                .and_then(|cs| {
                    cs.iter()
                        .find_map(|c| c.get("display").and_then(Value::as_str))
                })
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())?
        .to_owned();
    Some((name, refs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_types() {
        let cases = [
            ("Patient/123", Some("Patient")),
            (
                "https://example.org/fhir/Organization/abc",
                Some("Organization"),
            ),
            ("Observation/1/_history/2", Some("Observation")),
            (
                "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018",
                Some("Patient"),
            ),
            ("urn:uuid:5c0a7d6e-0000-4000-8000-000000000001", None),
            ("#med1", None),
            ("Foo/1", None),
            ("", None),
        ];
        for (r, want) in cases {
            assert_eq!(reference_type(r), want, "{r}");
        }
    }

    #[test]
    fn conditional_references() {
        let got = conditional_reference(
            "Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018",
        );
        assert_eq!(
            got,
            Some(ConditionalReference {
                resource_type: "Patient".into(),
                system: Some(crate::NHS_NUMBER_SYSTEM.into()),
                value: "9990000018".into()
            })
        );
        assert_eq!(conditional_reference("Patient?name=smith"), None);
        assert_eq!(conditional_reference("Patient/1"), None);
        assert_eq!(conditional_reference("Patient?identifier=%ZZ"), None);
    }

    #[test]
    fn references_from_json() {
        let v = serde_json::json!({"reference": "Patient/1", "display": " Ann "});
        let r = reference_of(&v).expect("a reference");
        assert_eq!(r.reference.as_deref(), Some("Patient/1"));
        assert_eq!(r.display.as_deref(), Some("Ann"));
        assert_eq!(reference_of(&serde_json::json!({})), None);
        assert_eq!(reference_of(&serde_json::json!("Patient/1")), None);
    }
}
