//! Code systems and the codes Bedside relies on (only codes we are sure of; text is
//! never trusted to mean a code).

pub(crate) use bedside_domain::record::{DMD, LOINC, SNOMED};

pub(crate) const ALLERGY_CLINICAL: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
pub(crate) const ALLERGY_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
pub(crate) const CONDITION_CLINICAL: &str =
    "http://terminology.hl7.org/CodeSystem/condition-clinical";
pub(crate) const CONDITION_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
pub(crate) const OBSERVATION_CATEGORY: &str =
    "http://terminology.hl7.org/CodeSystem/observation-category";
pub(crate) const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
pub(crate) const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
pub(crate) const CONSENT_CATEGORY: &str =
    "http://terminology.hl7.org/CodeSystem/consentcategorycodes";
pub(crate) const LIST_EMPTY_REASON: &str =
    "http://terminology.hl7.org/CodeSystem/list-empty-reason";

/// SNOMED CT 716186003 |No known allergy (situation)|: the only code read as "no known
/// allergies".
pub(crate) const NO_KNOWN_ALLERGY: &str = "716186003";
/// Narrower "no known …" situations: NOT the same as no known allergies (someone with no
/// known drug allergy may have a food allergy).
pub(crate) const NO_KNOWN_NARROWER: &[(&str, &str)] = &[
    ("409137002", "No known drug allergy"),
    ("429625007", "No known food allergy"),
    ("428607008", "No known environmental allergy"),
];
/// GP2GP "transfer-degraded" allergy records: the code is a placeholder; the substance
/// is in the text.
pub(crate) const TRANSFER_DEGRADED: &[&str] = &["196461000000101"];

/// SNOMED CT "not for resuscitation" findings (the NHS Summary Care Record's CPR codes):
/// 450476008 |Not for attempted cardiopulmonary resuscitation| and 304253006 |Not for
/// resuscitation|.
pub(crate) const NOT_FOR_CPR: &[&str] = &["450476008", "304253006"];
/// 450475007 |For attempted cardiopulmonary resuscitation| and 304252001 |For
/// resuscitation|.
pub(crate) const FOR_CPR: &[&str] = &["450475007", "304252001"];
/// SNOMED CT 89666000 |Cardiopulmonary resuscitation (procedure)|.
pub(crate) const CPR_PROCEDURE: &str = "89666000";

/// SNOMED CT 373942005 |Discharge summary (record artifact)|.
pub(crate) const SNOMED_DISCHARGE_SUMMARY: &str = "373942005";
/// LOINC discharge summary document codes: 18842-5 Discharge summary, 34105-7 Hospital
/// Discharge summary, 11490-0 Physician Discharge summary, 28655-9 Attending Discharge
/// summary.
pub(crate) const LOINC_DISCHARGE: &[&str] = &["18842-5", "34105-7", "11490-0", "28655-9"];
/// LOINC 59258-4 Emergency department Discharge summary.
pub(crate) const LOINC_ED_DISCHARGE: &str = "59258-4";

/// LOINC codes of vital signs (the FHIR vital-signs profiles' codes): never read as lab
/// results even when a sender leaves out the category.
pub(crate) const LOINC_VITAL_SIGNS: &[&str] = &[
    "85353-1", "9279-1", "8867-4", "2708-6", "59408-5", "8310-5", "8302-2", "9843-4", "29463-7",
    "39156-5", "85354-9", "8480-6", "8462-4", "8478-0", "3150-0", "3151-8",
];
