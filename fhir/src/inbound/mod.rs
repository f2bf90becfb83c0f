//! FHIR R4 in: validating a received resource and working out what it means for the
//! record ([`interpret`]).

mod types;

pub use types::*;

use serde_json::Value;

use crate::outcome::Issue;

/// Validates one resource and says what it means. Errors name the failing elements; a
/// resource with any error changes nothing.
pub fn interpret(resource: &Value, ctx: &Context<'_>) -> Result<Interpreted, Vec<Issue>> {
    let _ = (resource, ctx);
    Err(vec![Issue::general(
        crate::outcome::Severity::Error,
        crate::outcome::IssueType::NotSupported,
        "not implemented yet",
    )])
}
