//! OperationOutcome issues: how every problem with received FHIR is reported.
//!
//! Each issue names the element it is about as a FHIRPath-style expression starting with
//! the resource type (`AllergyIntolerance.patient`, `Observation.effectiveDateTime`); the
//! server prefixes it with where the resource sat in a Bundle (`Bundle.entry[3].resource`).

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Fatal,
    Error,
    Warning,
    Information,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fatal => "fatal",
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Information => "information",
        }
    }
}

/// The FHIR issue-type codes Bedside uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueType {
    Invalid,
    Structure,
    Required,
    Value,
    Invariant,
    NotSupported,
    NotFound,
    Duplicate,
    TooLong,
    TooCostly,
    Security,
    Login,
    Forbidden,
    Conflict,
    Processing,
    Exception,
    Informational,
}

impl IssueType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Structure => "structure",
            Self::Required => "required",
            Self::Value => "value",
            Self::Invariant => "invariant",
            Self::NotSupported => "not-supported",
            Self::NotFound => "not-found",
            Self::Duplicate => "duplicate",
            Self::TooLong => "too-long",
            Self::TooCostly => "too-costly",
            Self::Security => "security",
            Self::Login => "login",
            Self::Forbidden => "forbidden",
            Self::Conflict => "conflict",
            Self::Processing => "processing",
            Self::Exception => "exception",
            Self::Informational => "informational",
        }
    }
}

/// One problem (or warning) about received content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub severity: Severity,
    pub code: IssueType,
    /// For people: what is wrong and, where it helps, what to send instead.
    pub diagnostics: String,
    /// Where: FHIRPath-style expressions, starting with the resource type.
    pub expression: Vec<String>,
}

impl Issue {
    pub fn error(code: IssueType, path: impl Into<String>, diagnostics: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            diagnostics: diagnostics.into(),
            expression: vec![path.into()],
        }
    }

    pub fn warning(
        code: IssueType,
        path: impl Into<String>,
        diagnostics: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, path, diagnostics)
        }
    }

    /// An issue not tied to one element.
    pub fn general(severity: Severity, code: IssueType, diagnostics: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            diagnostics: diagnostics.into(),
            expression: Vec::new(),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self.severity, Severity::Error | Severity::Fatal)
    }

    /// Re-roots the expressions at `prefix`: `AllergyIntolerance.patient` under
    /// `Bundle.entry[3].resource` becomes `Bundle.entry[3].resource.patient`.
    pub fn under(mut self, prefix: &str) -> Self {
        for e in &mut self.expression {
            let rest = match e.find('.') {
                Some(dot) => &e[dot..],
                None => "",
            };
            *e = format!("{prefix}{rest}");
        }
        self
    }

    pub fn to_json(&self) -> Value {
        let mut issue = json!({
            "severity": self.severity.as_str(),
            "code": self.code.as_str(),
            "diagnostics": self.diagnostics,
        });
        if !self.expression.is_empty() {
            issue["expression"] = json!(self.expression);
        }
        issue
    }
}

/// An OperationOutcome resource holding the issues (an "informational: all ok" one when
/// there are none, as FHIR requires at least one).
pub fn operation_outcome(issues: &[Issue]) -> Value {
    let list: Vec<Value> = if issues.is_empty() {
        vec![Issue::general(Severity::Information, IssueType::Informational, "All OK").to_json()]
    } else {
        issues.iter().map(Issue::to_json).collect()
    };
    json!({ "resourceType": "OperationOutcome", "issue": list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_rooting_keeps_the_element_path() {
        let issue = Issue::error(IssueType::Required, "AllergyIntolerance.patient", "missing")
            .under("Bundle.entry[3].resource");
        assert_eq!(issue.expression, vec!["Bundle.entry[3].resource.patient"]);
        let whole = Issue::error(IssueType::Invalid, "Observation", "bad")
            .under("Bundle.entry[0].resource");
        assert_eq!(whole.expression, vec!["Bundle.entry[0].resource"]);
    }

    #[test]
    fn outcome_shape() {
        let oo = operation_outcome(&[Issue::error(
            IssueType::Value,
            "Patient.birthDate",
            "impossible date",
        )]);
        assert_eq!(oo["resourceType"], "OperationOutcome");
        assert_eq!(oo["issue"][0]["severity"], "error");
        assert_eq!(oo["issue"][0]["code"], "value");
        assert_eq!(oo["issue"][0]["expression"][0], "Patient.birthDate");
        assert_eq!(
            operation_outcome(&[])["issue"][0]["severity"],
            "information"
        );
    }
}
