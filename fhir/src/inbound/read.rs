//! Reading a resource's JSON while checking it: every getter here checks the JSON type of
//! what it reads, and dates against the R4 patterns and the calendar, and records a
//! problem with the element's path instead of failing. Mappers read what they need through
//! a [`Reader`]; when it has collected any error, the resource is rejected with all of them.

use bedside_domain::record::Concept;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::time::{self, TimeKind, When};
use super::types::{Identifier, Reference};
use crate::outcome::{Issue, IssueType};

/// A JSON value and where it sits in the resource (`Observation.referenceRange[0].low`).
#[derive(Debug, Clone)]
pub(crate) struct Node<'v> {
    pub v: &'v Value,
    pub path: String,
}

impl<'v> Node<'v> {
    pub fn new(v: &'v Value, path: impl Into<String>) -> Self {
        Self {
            v,
            path: path.into(),
        }
    }

    pub fn at(&self, name: &str) -> String {
        format!("{}.{}", self.path, name)
    }

    /// The child as sent, `None` when absent or `null`.
    pub fn raw(&self, name: &str) -> Option<&'v Value> {
        self.v.get(name).filter(|x| !x.is_null())
    }

    /// Whether the element is there with content: FHIR does not allow empty strings or
    /// arrays, so those count as absent when an element is required.
    pub fn has(&self, name: &str) -> bool {
        match self.raw(name) {
            None => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        }
    }

    /// A string child without checking (for values already checked, or lenient reads).
    pub fn str(&self, name: &str) -> Option<&'v str> {
        self.raw(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// A Coding as sent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Coding<'v> {
    pub system: Option<&'v str>,
    pub code: Option<&'v str>,
    pub display: Option<&'v str>,
}

/// A CodeableConcept as sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cc<'v> {
    pub coding: Vec<Coding<'v>>,
    pub text: Option<&'v str>,
}

impl<'v> Cc<'v> {
    pub fn has(&self, system: &str, code: &str) -> bool {
        self.coding
            .iter()
            .any(|c| c.system == Some(system) && c.code == Some(code))
    }

    pub fn has_any(&self, system: &str, codes: &[&str]) -> bool {
        self.coding
            .iter()
            .any(|c| c.system == Some(system) && c.code.is_some_and(|x| codes.contains(&x)))
    }

    /// The code from a system (any system ending in `suffix` when it starts with '*').
    pub fn code_in(&self, system: &str) -> Option<&'v str> {
        self.coding.iter().find_map(|c| {
            let matches = match system.strip_prefix('*') {
                Some(suffix) => c.system.is_some_and(|s| s.ends_with(suffix)),
                None => c.system == Some(system),
            };
            if matches { c.code } else { None }
        })
    }

    /// The text people read: the concept's text, else the first coding's display.
    pub fn label(&self) -> Option<&'v str> {
        self.text
            .or_else(|| self.coding.iter().find_map(|c| c.display))
    }

    /// All the words in it, for recognising a concept by text.
    pub fn words(&self) -> String {
        let mut s = String::new();
        for part in self
            .text
            .into_iter()
            .chain(self.coding.iter().filter_map(|c| c.display))
        {
            s.push_str(part);
            s.push(' ');
        }
        s
    }

    /// The concept as the record keeps it: text from the sender's text, else the display
    /// of the preferred coding, else any display; the coding from the first system in
    /// `prefer` that is present, else the first coding with a system and code.
    pub fn concept(&self, prefer: &[&str]) -> Option<Concept> {
        let preferred = prefer
            .iter()
            .find_map(|sys| {
                self.coding
                    .iter()
                    .find(|c| c.system == Some(*sys) && c.code.is_some())
            })
            .or_else(|| {
                self.coding
                    .iter()
                    .find(|c| c.system.is_some() && c.code.is_some())
            });
        let text = self
            .text
            .or_else(|| preferred.and_then(|c| c.display))
            .or_else(|| self.coding.iter().find_map(|c| c.display))
            .map(str::to_owned)
            .or_else(|| {
                preferred
                    .and_then(|c| c.code)
                    .map(|code| format!("Code {code}"))
            })?;
        Some(match preferred {
            Some(Coding {
                system: Some(system),
                code: Some(code),
                ..
            }) => Concept::coded(text, system, *code),
            _ => Concept::text(text),
        })
    }
}

/// A Reference as sent, with where it sits.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ref<'v> {
    pub reference: Option<&'v str>,
    /// `Reference.type`: what kind of resource it points at, when the sender said.
    pub ty: Option<&'v str>,
    pub identifier: Option<(Option<&'v str>, &'v str)>,
    pub display: Option<&'v str>,
}

impl Ref<'_> {
    pub fn to_reference(&self) -> Reference {
        Reference {
            reference: self.reference.map(str::to_owned),
            identifier: self.identifier.map(|(system, value)| Identifier {
                system: system.map(str::to_owned),
                value: value.to_owned(),
            }),
            display: self.display.map(str::to_owned),
        }
    }

    /// The type of resource it points at, from `type` or the reference itself.
    pub fn target_type(&self) -> Option<&str> {
        self.ty
            .or_else(|| self.reference.and_then(super::reference_type))
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Period {
    pub start: Option<When>,
    pub end: Option<When>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantity<'v> {
    pub value: Option<f64>,
    pub comparator: Option<&'v str>,
    pub unit: Option<&'v str>,
    pub code: Option<&'v str>,
}

impl Quantity<'_> {
    pub fn unit_text(&self) -> Option<&str> {
        self.unit.or(self.code)
    }
}

/// Collects problems while a resource is read.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Reader {
    pub fn error(&mut self, code: IssueType, path: impl Into<String>, diag: impl Into<String>) {
        self.errors.push(Issue::error(code, path, diag));
    }

    pub fn warn(&mut self, code: IssueType, path: impl Into<String>, diag: impl Into<String>) {
        self.warnings.push(Issue::warning(code, path, diag));
    }

    /// Whether an error has already been reported at or under `path`, so a second,
    /// less helpful one is not added.
    pub fn errored_at(&self, path: &str) -> bool {
        self.errors.iter().any(|e| {
            e.expression.iter().any(|x| {
                x == path
                    || (x.starts_with(path)
                        && matches!(x.as_bytes().get(path.len()), Some(b'.' | b'[')))
            })
        })
    }

    fn wrong_type(&mut self, path: String, expected: &str, got: &Value) {
        self.error(
            IssueType::Structure,
            path,
            format!("must be {expected}, not {}", json_type(got)),
        );
    }

    /// Reports a missing required element.
    pub fn require(&mut self, n: &Node<'_>, name: &str, what: &str) -> bool {
        if n.has(name) {
            return true;
        }
        let path = n.at(name);
        if !self.errored_at(&path) {
            self.error(
                IssueType::Required,
                path,
                format!("is required in FHIR R4 ({what})"),
            );
        }
        false
    }

    /// Reports a missing required choice element (`medication[x]`).
    pub fn require_choice(&mut self, n: &Node<'_>, base: &str, types: &[&str]) -> bool {
        if types.iter().any(|t| n.has(&format!("{base}{t}"))) {
            return true;
        }
        let path = n.at(&format!("{base}[x]"));
        if !self.errored_at(&n.at(base)) {
            let names: Vec<String> = types.iter().map(|t| format!("{base}{t}")).collect();
            self.error(
                IssueType::Required,
                path,
                format!("is required in FHIR R4: send one of {}", names.join(", ")),
            );
        }
        false
    }

    /// A child that must be a JSON object.
    pub fn object<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<Node<'v>> {
        let v = n.raw(name)?;
        if v.is_object() {
            Some(Node::new(v, n.at(name)))
        } else {
            self.wrong_type(n.at(name), "an object", v);
            None
        }
    }

    /// A repeating child: must be an array of objects. Items of the wrong type are
    /// reported and skipped.
    pub fn objects<'v>(&mut self, n: &Node<'v>, name: &str) -> Vec<Node<'v>> {
        let Some(v) = n.raw(name) else {
            return Vec::new();
        };
        let Some(items) = v.as_array() else {
            self.wrong_type(n.at(name), "an array (the element repeats)", v);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}.{}[{}]", n.path, name, i);
            if item.is_object() {
                out.push(Node::new(item, path));
            } else if !item.is_null() {
                self.wrong_type(path, "an object", item);
            }
        }
        out
    }

    /// A string child. Empty strings count as absent.
    pub fn string<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<&'v str> {
        let v = n.raw(name)?;
        match v.as_str() {
            Some(s) => Some(s.trim()).filter(|s| !s.is_empty()),
            None => {
                self.wrong_type(n.at(name), "a string", v);
                None
            }
        }
    }

    /// A repeating string child.
    pub fn strings<'v>(&mut self, n: &Node<'v>, name: &str) -> Vec<&'v str> {
        let Some(v) = n.raw(name) else {
            return Vec::new();
        };
        let Some(items) = v.as_array() else {
            self.wrong_type(n.at(name), "an array of strings (the element repeats)", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.trim()),
                Value::String(_) | Value::Null => {}
                other => self.wrong_type(format!("{}.{}[{}]", n.path, name, i), "a string", other),
            }
        }
        out
    }

    /// A `code` child from a required binding.
    pub fn code<'v>(&mut self, n: &Node<'v>, name: &str, allowed: &[&str]) -> Option<&'v str> {
        let s = self.string(n, name)?;
        if allowed.contains(&s) {
            Some(s)
        } else {
            self.error(
                IssueType::Value,
                n.at(name),
                format!(
                    "'{}' is not a valid code here: expected one of {}",
                    time::shorten(s),
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    pub fn boolean(&mut self, n: &Node<'_>, name: &str) -> Option<bool> {
        let v = n.raw(name)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                self.wrong_type(n.at(name), "true or false", v);
                None
            }
        }
    }

    pub fn number(&mut self, n: &Node<'_>, name: &str) -> Option<f64> {
        let v = n.raw(name)?;
        match v.as_f64() {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                self.wrong_type(n.at(name), "a number (a JSON number, not a string)", v);
                None
            }
        }
    }

    /// A `date`, `dateTime` or `instant` child.
    pub fn time(&mut self, n: &Node<'_>, name: &str, kind: TimeKind) -> Option<When> {
        let s = self.string(n, name)?;
        match time::parse(s, kind) {
            Ok(w) => Some(w),
            Err(e) => {
                self.error(IssueType::Value, n.at(name), e.message());
                None
            }
        }
    }

    pub fn instant_utc(&mut self, n: &Node<'_>, name: &str) -> Option<DateTime<Utc>> {
        self.time(n, name, TimeKind::Instant)
            .and_then(|w| w.start_utc())
    }

    pub fn coding<'v>(&mut self, n: &Node<'v>) -> Coding<'v> {
        Coding {
            system: self.string(n, "system"),
            code: self.string(n, "code"),
            display: self.string(n, "display"),
        }
    }

    pub fn cc_at<'v>(&mut self, n: &Node<'v>) -> Cc<'v> {
        let coding = self
            .objects(n, "coding")
            .iter()
            .map(|c| self.coding(c))
            .collect();
        Cc {
            coding,
            text: self.string(n, "text"),
        }
    }

    /// A CodeableConcept child.
    pub fn cc<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<Cc<'v>> {
        let node = self.object(n, name)?;
        Some(self.cc_at(&node))
    }

    /// A repeating CodeableConcept child.
    pub fn ccs<'v>(&mut self, n: &Node<'v>, name: &str) -> Vec<Cc<'v>> {
        self.objects(n, name)
            .iter()
            .map(|c| self.cc_at(c))
            .collect()
    }

    /// A Coding child (not a CodeableConcept: `Encounter.class`).
    pub fn coding_child<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<Coding<'v>> {
        let node = self.object(n, name)?;
        Some(self.coding(&node))
    }

    pub fn ref_at<'v>(&mut self, n: &Node<'v>) -> Ref<'v> {
        let identifier = self.object(n, "identifier").and_then(|id| {
            let system = self.string(&id, "system");
            self.string(&id, "value").map(|v| (system, v))
        });
        Ref {
            reference: self.string(n, "reference"),
            ty: self.string(n, "type"),
            identifier,
            display: self.string(n, "display"),
        }
    }

    /// A Reference child.
    pub fn reference<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<Ref<'v>> {
        let node = self.object(n, name)?;
        Some(self.ref_at(&node))
    }

    pub fn references<'v>(&mut self, n: &Node<'v>, name: &str) -> Vec<Ref<'v>> {
        self.objects(n, name)
            .iter()
            .map(|r| self.ref_at(r))
            .collect()
    }

    pub fn period(&mut self, n: &Node<'_>, name: &str) -> Option<Period> {
        let node = self.object(n, name)?;
        Some(Period {
            start: self.time(&node, "start", TimeKind::DateTime),
            end: self.time(&node, "end", TimeKind::DateTime),
        })
    }

    pub fn quantity_at<'v>(&mut self, node: &Node<'v>) -> Quantity<'v> {
        Quantity {
            value: self.number(node, "value"),
            comparator: self.code(node, "comparator", &["<", "<=", ">=", ">"]),
            unit: self.string(node, "unit"),
            code: self.string(node, "code"),
        }
    }

    pub fn quantity<'v>(&mut self, n: &Node<'v>, name: &str) -> Option<Quantity<'v>> {
        let node = self.object(n, name)?;
        Some(self.quantity_at(&node))
    }

    /// Checks that at most one of a choice element's forms is present.
    pub fn one_of(&mut self, n: &Node<'_>, base: &str, types: &[&str]) {
        let present: Vec<String> = types
            .iter()
            .map(|t| format!("{base}{t}"))
            .filter(|name| n.raw(name).is_some())
            .collect();
        if present.len() > 1 {
            self.error(
                IssueType::Structure,
                n.at(&present[1]),
                format!(
                    "only one of {} may be sent (a choice element)",
                    present.join(", ")
                ),
            );
        }
    }
}
