//! FHIR R4 and Bedside's record model: [`inbound`] says what a received resource means
//! (validating it on the way), [`outbound`] writes a record as FHIR resources and as an
//! International Patient Summary document. No IO: the server's ingest engine does the
//! storing, matching and bookkeeping. [`narrative`] turns XHTML into readable text.

mod base64;
pub mod inbound;
pub mod narrative;
pub mod outbound;
pub mod outcome;

/// The NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The ODS organisation code identifier system.
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Bedside's extension for the date a plan or decision is due for review (`valueDate`):
/// FHIR R4 has no element for it. Written on exported advance care decisions, read back
/// on Consent, Flag and CarePlan.
pub const REVIEW_DATE_EXTENSION: &str =
    "https://fhir.bedside.example/StructureDefinition/review-date";
/// The HL7 cross-version extension carrying R5's `Encounter.plannedEndDate` into R4:
/// read (and written) as a hospital stay's expected discharge date.
pub const PLANNED_END_EXTENSION: &str =
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.plannedEndDate";

/// The prefix of a CarePlan note holding the person's preferences (written on export,
/// read back as a care plan area's preferences).
pub(crate) const PREFERENCES_PREFIX: &str = "Preferences: ";

/// A number as people write it: whole numbers without ".0" ("28 tablet", "2.5 ml").
pub(crate) fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
