//! Which FHIR version a resource belongs to: the R4 (4.0.1) resource types, the types that
//! exist only in other versions, and the shapes that give an STU3 or R5 resource away
//! even when its type name also exists in R4.

use serde_json::Value;

use super::read::Node;
use crate::outcome::{Issue, IssueType};

/// Every resource type of FHIR R4 (4.0.1), sorted for binary search.
pub(crate) const R4_RESOURCE_TYPES: [&str; 146] = [
    "Account",
    "ActivityDefinition",
    "AdverseEvent",
    "AllergyIntolerance",
    "Appointment",
    "AppointmentResponse",
    "AuditEvent",
    "Basic",
    "Binary",
    "BiologicallyDerivedProduct",
    "BodyStructure",
    "Bundle",
    "CapabilityStatement",
    "CarePlan",
    "CareTeam",
    "CatalogEntry",
    "ChargeItem",
    "ChargeItemDefinition",
    "Claim",
    "ClaimResponse",
    "ClinicalImpression",
    "CodeSystem",
    "Communication",
    "CommunicationRequest",
    "CompartmentDefinition",
    "Composition",
    "ConceptMap",
    "Condition",
    "Consent",
    "Contract",
    "Coverage",
    "CoverageEligibilityRequest",
    "CoverageEligibilityResponse",
    "DetectedIssue",
    "Device",
    "DeviceDefinition",
    "DeviceMetric",
    "DeviceRequest",
    "DeviceUseStatement",
    "DiagnosticReport",
    "DocumentManifest",
    "DocumentReference",
    "EffectEvidenceSynthesis",
    "Encounter",
    "Endpoint",
    "EnrollmentRequest",
    "EnrollmentResponse",
    "EpisodeOfCare",
    "EventDefinition",
    "Evidence",
    "EvidenceVariable",
    "ExampleScenario",
    "ExplanationOfBenefit",
    "FamilyMemberHistory",
    "Flag",
    "Goal",
    "GraphDefinition",
    "Group",
    "GuidanceResponse",
    "HealthcareService",
    "ImagingStudy",
    "Immunization",
    "ImmunizationEvaluation",
    "ImmunizationRecommendation",
    "ImplementationGuide",
    "InsurancePlan",
    "Invoice",
    "Library",
    "Linkage",
    "List",
    "Location",
    "Measure",
    "MeasureReport",
    "Media",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationKnowledge",
    "MedicationRequest",
    "MedicationStatement",
    "MedicinalProduct",
    "MedicinalProductAuthorization",
    "MedicinalProductContraindication",
    "MedicinalProductIndication",
    "MedicinalProductIngredient",
    "MedicinalProductInteraction",
    "MedicinalProductManufactured",
    "MedicinalProductPackaged",
    "MedicinalProductPharmaceutical",
    "MedicinalProductUndesirableEffect",
    "MessageDefinition",
    "MessageHeader",
    "MolecularSequence",
    "NamingSystem",
    "NutritionOrder",
    "Observation",
    "ObservationDefinition",
    "OperationDefinition",
    "OperationOutcome",
    "Organization",
    "OrganizationAffiliation",
    "Parameters",
    "Patient",
    "PaymentNotice",
    "PaymentReconciliation",
    "Person",
    "PlanDefinition",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "Questionnaire",
    "QuestionnaireResponse",
    "RelatedPerson",
    "RequestGroup",
    "ResearchDefinition",
    "ResearchElementDefinition",
    "ResearchStudy",
    "ResearchSubject",
    "RiskAssessment",
    "RiskEvidenceSynthesis",
    "Schedule",
    "SearchParameter",
    "ServiceRequest",
    "Slot",
    "Specimen",
    "SpecimenDefinition",
    "StructureDefinition",
    "StructureMap",
    "Subscription",
    "Substance",
    "SubstanceNucleicAcid",
    "SubstancePolymer",
    "SubstanceProtein",
    "SubstanceReferenceInformation",
    "SubstanceSourceMaterial",
    "SubstanceSpecification",
    "SupplyDelivery",
    "SupplyRequest",
    "Task",
    "TerminologyCapabilities",
    "TestReport",
    "TestScript",
    "ValueSet",
    "VerificationResult",
    "VisionPrescription",
];

pub(crate) fn is_r4_type(name: &str) -> bool {
    R4_RESOURCE_TYPES.binary_search(&name).is_ok()
}

/// Resource types that are not in R4: (name, the versions it belongs to, what R4 has
/// instead).
const OTHER_VERSION_TYPES: &[(&str, &str, &str)] = &[
    // DSTU2 (1.0) only.
    ("MedicationOrder", "DSTU2", "MedicationRequest"),
    ("DiagnosticOrder", "DSTU2", "ServiceRequest"),
    ("DeviceUseRequest", "DSTU2", "DeviceRequest"),
    ("Order", "DSTU2", "Task or ServiceRequest"),
    ("OrderResponse", "DSTU2", "Task"),
    ("Conformance", "DSTU2", "CapabilityStatement"),
    ("ImagingObjectSelection", "DSTU2", "ImagingStudy"),
    // In DSTU2 and STU3 (3.0), gone in R4.
    ("ProcedureRequest", "STU3 (or DSTU2)", "ServiceRequest"),
    ("ReferralRequest", "STU3 (or DSTU2)", "ServiceRequest"),
    ("BodySite", "STU3 (or DSTU2)", "BodyStructure"),
    (
        "EligibilityRequest",
        "STU3 (or DSTU2)",
        "CoverageEligibilityRequest",
    ),
    (
        "EligibilityResponse",
        "STU3 (or DSTU2)",
        "CoverageEligibilityResponse",
    ),
    ("ProcessRequest", "STU3 (or DSTU2)", "Task"),
    ("ProcessResponse", "STU3 (or DSTU2)", "Task"),
    ("DeviceComponent", "STU3 (or DSTU2)", "DeviceDefinition"),
    ("DataElement", "STU3", "StructureDefinition"),
    ("ExpansionProfile", "STU3", "Parameters"),
    ("ImagingManifest", "STU3", "ImagingStudy"),
    ("Sequence", "STU3", "MolecularSequence"),
    (
        "ServiceDefinition",
        "STU3",
        "ActivityDefinition or PlanDefinition",
    ),
    // R4B (4.3) and R5 (5.0).
    ("Citation", "R4B/R5", "no R4 equivalent"),
    ("EvidenceReport", "R4B/R5", "no R4 equivalent"),
    (
        "AdministrableProductDefinition",
        "R4B/R5",
        "MedicinalProductPharmaceutical",
    ),
    (
        "ClinicalUseDefinition",
        "R4B/R5",
        "MedicinalProductContraindication",
    ),
    ("Ingredient", "R4B/R5", "MedicinalProductIngredient"),
    (
        "ManufacturedItemDefinition",
        "R4B/R5",
        "MedicinalProductManufactured",
    ),
    ("MedicinalProductDefinition", "R4B/R5", "MedicinalProduct"),
    (
        "PackagedProductDefinition",
        "R4B/R5",
        "MedicinalProductPackaged",
    ),
    (
        "RegulatedAuthorization",
        "R4B/R5",
        "MedicinalProductAuthorization",
    ),
    ("SubstanceDefinition", "R4B/R5", "SubstanceSpecification"),
    ("NutritionProduct", "R4B/R5", "no R4 equivalent"),
    ("SubscriptionStatus", "R4B/R5", "Subscription"),
    ("SubscriptionTopic", "R4B/R5", "Subscription"),
    // R5 (5.0) only.
    ("Transport", "R5", "Task"),
    ("InventoryItem", "R5", "no R4 equivalent"),
    ("InventoryReport", "R5", "no R4 equivalent"),
    ("ActorDefinition", "R5", "no R4 equivalent"),
    ("Requirements", "R5", "no R4 equivalent"),
    ("ArtifactAssessment", "R5", "no R4 equivalent"),
    (
        "BiologicallyDerivedProductDispense",
        "R5",
        "no R4 equivalent",
    ),
    ("ConditionDefinition", "R5", "no R4 equivalent"),
    ("DeviceDispense", "R5", "no R4 equivalent"),
    ("DeviceUsage", "R5", "DeviceUseStatement"),
    ("EncounterHistory", "R5", "Encounter.statusHistory"),
    ("FormularyItem", "R5", "no R4 equivalent"),
    ("GenomicStudy", "R5", "no R4 equivalent"),
    ("ImagingSelection", "R5", "ImagingStudy"),
    ("NutritionIntake", "R5", "no R4 equivalent"),
    ("Permission", "R5", "Consent"),
    ("RequestOrchestration", "R5", "RequestGroup"),
    ("TestPlan", "R5", "no R4 equivalent"),
];

/// Says which version a non-R4 resource type comes from.
pub(crate) fn other_version_type(name: &str) -> Option<String> {
    OTHER_VERSION_TYPES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(n, version, instead)| {
            let instead = if instead.starts_with("no ") {
                format!("R4 has {instead}")
            } else {
                format!("in R4 use {instead}")
            };
            format!(
                "{n} is a FHIR {version} resource type, not R4: this server accepts FHIR R4 (4.0.1) only; {instead}"
            )
        })
}

/// Profile URL prefixes of earlier versions' national profiles.
const STU3_PROFILE_PREFIXES: &[&str] = &[
    "https://fhir.hl7.org.uk/STU3/",
    "http://fhir.hl7.org.uk/STU3/",
    "https://fhir.nhs.uk/STU3/",
    "http://fhir.nhs.uk/STU3/",
];

fn shape_error(path: String, version: &str, what: &str) -> Issue {
    Issue::error(
        IssueType::NotSupported,
        path,
        format!(
            "this looks like a FHIR {version} resource, not R4: {what}. This server accepts FHIR R4 (4.0.1) only"
        ),
    )
}

/// Shapes of other versions in a resource whose type exists in R4.
pub(crate) fn shape_issues(root: &Node<'_>, ty: &str) -> Vec<Issue> {
    let mut out = Vec::new();
    // meta.profile with STU3 CareConnect (or other STU3 national) profiles.
    if let Some(profiles) = root
        .v
        .get("meta")
        .and_then(|m| m.get("profile"))
        .and_then(Value::as_array)
    {
        for (i, p) in profiles.iter().enumerate() {
            if let Some(url) = p.as_str()
                && STU3_PROFILE_PREFIXES.iter().any(|pre| url.starts_with(pre))
            {
                out.push(shape_error(
                    format!("{}.meta.profile[{i}]", root.path),
                    "STU3",
                    &format!("it claims the STU3 profile {url} (CareConnect)"),
                ));
            }
        }
    }
    let is_string = |name: &str| root.raw(name).is_some_and(Value::is_string);
    match ty {
        "AllergyIntolerance" | "Condition" => {
            for name in ["clinicalStatus", "verificationStatus"] {
                if is_string(name) {
                    out.push(shape_error(
                        root.at(name),
                        "STU3",
                        &format!("{ty}.{name} is a plain code, where R4 has a CodeableConcept"),
                    ));
                }
            }
            if ty == "AllergyIntolerance" && root.raw("substance").is_some() {
                out.push(shape_error(
                    root.at("substance"),
                    "DSTU2",
                    "AllergyIntolerance.substance was renamed code",
                ));
            }
            if ty == "Condition" && root.raw("patient").is_some() && root.raw("subject").is_none() {
                out.push(shape_error(
                    root.at("patient"),
                    "DSTU2",
                    "Condition.patient was renamed subject",
                ));
            }
        }
        "Encounter" => {
            if root.raw("class").is_some_and(Value::is_array) {
                out.push(shape_error(
                    root.at("class"),
                    "R5",
                    "Encounter.class is a list of CodeableConcepts, where R4 has one Coding",
                ));
            }
            if root.raw("actualPeriod").is_some() && root.raw("period").is_none() {
                out.push(shape_error(
                    root.at("actualPeriod"),
                    "R5",
                    "Encounter.actualPeriod is R5's name for period",
                ));
            }
        }
        "MedicationStatement"
        | "MedicationRequest"
        | "MedicationDispense"
        | "MedicationAdministration"
            if root.raw("medication").is_some_and(Value::is_object) =>
        {
            out.push(shape_error(
                root.at("medication"),
                "R5",
                &format!(
                    "{ty}.medication is a CodeableReference, where R4 has medicationCodeableConcept or medicationReference"
                ),
            ));
        }
        "DocumentReference" if root.raw("context").is_some_and(Value::is_array) => {
            out.push(shape_error(
                root.at("context"),
                "R5",
                "DocumentReference.context is a list of references, where R4 has one object",
            ));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_r4_list_is_sorted_and_complete() {
        let mut sorted = R4_RESOURCE_TYPES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, R4_RESOURCE_TYPES.to_vec());
        for t in [
            "Patient",
            "Observation",
            "VisionPrescription",
            "Account",
            "Media",
        ] {
            assert!(is_r4_type(t), "{t}");
        }
        for (t, _, _) in OTHER_VERSION_TYPES {
            assert!(
                !is_r4_type(t),
                "{t} is listed as another version's but is R4"
            );
        }
    }
}
