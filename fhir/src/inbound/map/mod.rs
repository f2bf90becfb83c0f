//! One mapper per resource type Bedside understands; everything else valid is
//! [`Meaning::NotModelled`].

mod allergy;
mod care;
mod codes;
mod condition;
mod document;
mod encounter;
mod medication;
mod observation;
mod patient;
mod report;

use super::cx::Cx;
use super::read::Cc;
use super::types::Meaning;
use crate::outcome::IssueType;

pub(super) fn meaning(cx: &mut Cx<'_, '_>) -> Meaning {
    let meaning = match cx.ty {
        "Patient" => patient::map(cx),
        "AllergyIntolerance" => allergy::map(cx),
        "Condition" => condition::map(cx),
        "MedicationRequest" => medication::request(cx),
        "MedicationStatement" => medication::statement(cx),
        "MedicationDispense" => medication::dispense(cx),
        "Observation" => observation::map(cx),
        "DiagnosticReport" => report::map(cx),
        "Composition" => document::composition(cx),
        "DocumentReference" => document::reference(cx),
        "Encounter" => encounter::map(cx),
        "Flag" => care::flag(cx),
        "Consent" => care::consent(cx),
        "CarePlan" => care::care_plan(cx),
        "Goal" => care::goal(cx),
        "List" => {
            let root = cx.root.clone();
            cx.r.require(&root, "status", "current, retired or entered-in-error");
            cx.r.code(&root, "status", &["current", "retired", "entered-in-error"]);
            cx.r.require(&root, "mode", "working, snapshot or changes");
            cx.r.code(&root, "mode", &["working", "snapshot", "changes"]);
            for e in cx.r.objects(&root, "entry") {
                cx.r.require(&e, "item", "the listed resource");
                cx.r.reference(&e, "item");
            }
            Meaning::Supporting
        }
        "Organization" | "Location" | "Practitioner" | "PractitionerRole" | "Medication"
        | "Device" => {
            // Their names are read when something points at them; check what is read.
            let root = cx.root.clone();
            match cx.ty {
                "Organization" | "Location" => {
                    cx.r.string(&root, "name");
                }
                "Practitioner" => {
                    for n in cx.r.objects(&root, "name") {
                        cx.r.string(&n, "family");
                        cx.r.strings(&n, "given");
                        cx.r.strings(&n, "prefix");
                        cx.r.string(&n, "text");
                    }
                }
                "Medication" => {
                    cx.r.cc(&root, "code");
                }
                _ => {}
            }
            Meaning::Supporting
        }
        _ => Meaning::NotModelled,
    };
    if cx.root.raw("modifierExtension").is_some() {
        let path = cx.root.at("modifierExtension");
        cx.r.warn(
            IssueType::NotSupported,
            path,
            "it carries modifier extensions Bedside does not understand, which may change its meaning: accepted but not shown",
        );
        return Meaning::NotModelled;
    }
    meaning
}

/// Checks a status CodeableConcept's code from its required code system.
pub(super) fn check_code(
    cx: &mut Cx<'_, '_>,
    name: &str,
    cc: Option<&Cc<'_>>,
    system: &str,
    allowed: &[&str],
) {
    let Some(cc) = cc else { return };
    if let Some(code) = cc.code_in(system)
        && !allowed.contains(&code)
    {
        let path = cx.root.at(name);
        cx.r.error(
            IssueType::Value,
            path,
            format!(
                "'{code}' is not a code of {system}: expected one of {}",
                allowed.join(", ")
            ),
        );
    }
}
