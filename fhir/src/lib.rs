//! FHIR R4 and Bedside's record model: [`inbound`] says what a received resource means
//! (validating it on the way), [`outbound`] writes a record as FHIR resources and as an
//! International Patient Summary document. No IO: the server's ingest engine does the
//! storing, matching and bookkeeping.

pub mod inbound;
pub mod outbound;
pub mod outcome;

/// The NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The ODS organisation code identifier system.
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
