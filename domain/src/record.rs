//! The record model: people, residencies and the entries of a person's record.
//!
//! These types are the wire contract between the server and the tablets, and the tablets
//! keep them in IndexedDB across app updates. So: never rename or reorder a serialised
//! name; add new fields as `Option` or with `#[serde(default)]`, saying why; add new entry
//! kinds as new variants (an older tablet reads an unknown kind as [`EntryBody::Unknown`]
//! and shows that it cannot display it, rather than failing the whole download).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{EntryId, HomeId, PersonId};
use crate::news2::{Observations, Score, Spo2Scale};
use crate::nhs_number::NhsNumber;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Administrative sex as recorded by the NHS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Sex {
    Female,
    Male,
    Other,
    Unknown,
}

/// A person's name as we show it: "Given Family", with what they like to be called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PersonName {
    pub given: String,
    pub family: String,
    /// What the person likes to be called, when it is not their given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<String>,
}

impl PersonName {
    pub fn full(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// Where a resident is now. "Left" and "died" end the residency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ResidencyStatus {
    InHome,
    InHospital,
    OnLeave,
    Left,
    Died,
}

impl ResidencyStatus {
    /// Whether the home still has a legitimate relationship with the person.
    pub fn is_current(self) -> bool {
        matches!(self, Self::InHome | Self::InHospital | Self::OnLeave)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InHome => "in_home",
            Self::InHospital => "in_hospital",
            Self::OnLeave => "on_leave",
            Self::Left => "left",
            Self::Died => "died",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "in_home" => Self::InHome,
            "in_hospital" => Self::InHospital,
            "on_leave" => Self::OnLeave,
            "left" => Self::Left,
            "died" => Self::Died,
            _ => return None,
        })
    }
}

/// A resident as a home sees them: the person and their current residency in this home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Resident {
    /// The person's id; residents are addressed by it.
    pub id: PersonId,
    pub home_id: HomeId,
    pub nhs_number: NhsNumber,
    pub name: PersonName,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp_practice: Option<String>,
    pub room: String,
    pub admitted_on: NaiveDate,
    pub status: ResidencyStatus,
    /// The SpO2 scale NEWS2 uses for this resident: Scale 2 only when a clinician has set
    /// it. Added after the first release (older servers send none: Scale 1).
    #[serde(default)]
    pub spo2_scale: Spo2Scale,
}

/// A code from a terminology, usually SNOMED CT or dm+d.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Coding {
    pub system: String,
    pub code: String,
}

pub const SNOMED: &str = "http://snomed.info/sct";
pub const DMD: &str = "https://dmd.nhs.uk";
pub const LOINC: &str = "http://loinc.org";

/// A coded concept with the text people read. The text is always present; the code is
/// there when the source sent one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Concept {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coding: Option<Coding>,
}

impl Concept {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            coding: None,
        }
    }

    pub fn coded(text: impl Into<String>, system: &str, code: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            coding: Some(Coding {
                system: system.to_owned(),
                code: code.into(),
            }),
        }
    }

    /// A key for "the same thing": the code when there is one, otherwise the text
    /// without case (as [`crate::text::fold_case`] folds it) or surrounding space.
    pub fn key(&self) -> String {
        match &self.coding {
            Some(c) => format!("{}|{}", c.system, c.code),
            None => crate::text::fold_case(self.text.trim()),
        }
    }
}

/// Where an entry came from and when. Every item on a tablet shows its source and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Provenance {
    /// The organisation people know it as ("St Thomas' Hospital", "Riverside Surgery").
    pub organisation: String,
    /// Its ODS code, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ods_code: Option<String>,
    /// The sending system and its own id for the record, when it came from outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// Who wrote it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it was written or recorded at the source: the date staff are shown.
    pub authored_at: DateTime<Utc>,
    /// When this server received it.
    pub received_at: DateTime<Utc>,
}

/// Whether an entry still stands. Retracted entries stay in the record's history but are
/// never shown as current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EntryStatus {
    #[default]
    Current,
    EnteredInError,
}

/// One entry of a person's record, at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Entry {
    pub id: EntryId,
    pub person_id: PersonId,
    /// Starts at 1; each change makes a new version and keeps the old one in history.
    pub version: u32,
    #[serde(default)]
    pub status: EntryStatus,
    pub provenance: Provenance,
    pub body: EntryBody,
}

impl Entry {
    pub fn is_current(&self) -> bool {
        self.status == EntryStatus::Current
    }

    pub fn kind(&self) -> EntryKind {
        self.body.kind()
    }
}

/// The kinds of entry, as stored in the `kind` column and in the body's `kind` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EntryKind {
    Allergy,
    NoKnownAllergies,
    Condition,
    MedicationOrder,
    MedicationSupply,
    LabResult,
    DiagnosticReport,
    Document,
    HospitalStay,
    AdvanceCarePlan,
    CarePlanSection,
    AboutMeSection,
    CareNote,
    ObservationSet,
    Correction,
    SectionProposal,
    Unknown,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allergy => "allergy",
            Self::NoKnownAllergies => "no_known_allergies",
            Self::Condition => "condition",
            Self::MedicationOrder => "medication_order",
            Self::MedicationSupply => "medication_supply",
            Self::LabResult => "lab_result",
            Self::DiagnosticReport => "diagnostic_report",
            Self::Document => "document",
            Self::HospitalStay => "hospital_stay",
            Self::AdvanceCarePlan => "advance_care_plan",
            Self::CarePlanSection => "care_plan_section",
            Self::AboutMeSection => "about_me_section",
            Self::CareNote => "care_note",
            Self::ObservationSet => "observation_set",
            Self::Correction => "correction",
            Self::SectionProposal => "section_proposal",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ClinicalStatus {
    Active,
    Inactive,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum MedicationStatus {
    Active,
    Stopped,
    Completed,
    OnHold,
}

/// A lab value: a number with its unit, or text ("Negative", "> 90").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum LabValue {
    Quantity { value: f64, unit: String },
    Text { text: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReferenceRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The lab's own flag on a result. We show what the lab said; we do not re-interpret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AbnormalFlag {
    Normal,
    Low,
    High,
    CriticalLow,
    CriticalHigh,
    Abnormal,
}

impl AbnormalFlag {
    pub fn is_abnormal(self) -> bool {
        self != Self::Normal
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Low => "low",
            Self::High => "high",
            Self::CriticalLow => "critically low",
            Self::CriticalHigh => "critically high",
            Self::Abnormal => "abnormal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum DocumentType {
    DischargeSummary,
    EmergencyDepartment,
    Ambulance,
    Clinic,
    Other,
}

impl DocumentType {
    pub fn label(self) -> &'static str {
        match self {
            Self::DischargeSummary => "Discharge summary",
            Self::EmergencyDepartment => "Emergency department summary",
            Self::Ambulance => "Ambulance summary",
            Self::Clinic => "Clinic letter",
            Self::Other => "Document",
        }
    }
}

/// A file that came with a document (a PDF letter, say). The bytes stay on the server,
/// which serves them to staff of the resident's home; the tablet shows what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Attachment {
    /// The server's id for the file.
    pub id: String,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A titled section of a document, as the author wrote it (plain text, paragraphs
/// separated by blank lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DocumentSection {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum StayStatus {
    InProgress,
    Finished,
}

/// Which form an advance care decision was recorded on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AdvanceCareForm {
    /// The ReSPECT form (Recommended Summary Plan for Emergency Care and Treatment).
    Respect,
    /// A stand-alone DNACPR form.
    Dnacpr,
}

/// The CPR recommendation. There is no "unknown" here: a resident with no decision
/// recorded has no advance care plan entry, and the tablet says "not recorded".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum CprDecision {
    /// Attempt CPR.
    ForCpr,
    /// Do not attempt CPR (DNACPR).
    NotForCpr,
}

/// The areas of the PRSB "About Me" standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AboutMeTopic {
    WhatMatters,
    People,
    LifeHistory,
    Communication,
    WhatUpsets,
    WhatCalms,
    Routines,
}

impl AboutMeTopic {
    /// In the order the PRSB standard and the tablet show them.
    pub const ALL: [Self; 7] = [
        Self::WhatMatters,
        Self::People,
        Self::LifeHistory,
        Self::Communication,
        Self::WhatUpsets,
        Self::WhatCalms,
        Self::Routines,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::WhatMatters => "What matters to me",
            Self::People => "People who are important to me",
            Self::LifeHistory => "My life so far",
            Self::Communication => "How I communicate",
            Self::WhatUpsets => "What worries or upsets me",
            Self::WhatCalms => "What helps me feel calm",
            Self::Routines => "My daily routines",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum NoteCategory {
    PersonalCare,
    NutritionAndFluids,
    MoodAndBehaviour,
    Social,
    Clinical,
    Incident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum CorrectionAction {
    /// The entry should never have been written (wrong resident, say).
    EnteredInError,
    /// The entry's content was changed to its next version.
    Amended,
}

/// How a senior settled a [`EntryBody::SectionProposal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Resolution {
    /// True when the proposal became the section's new version; false when the version
    /// that was current stayed.
    pub accepted: bool,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl NoteCategory {
    pub const ALL: [Self; 6] = [
        Self::PersonalCare,
        Self::NutritionAndFluids,
        Self::MoodAndBehaviour,
        Self::Social,
        Self::Clinical,
        Self::Incident,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::PersonalCare => "Personal care",
            Self::NutritionAndFluids => "Nutrition and fluids",
            Self::MoodAndBehaviour => "Mood and behaviour",
            Self::Social => "Social",
            Self::Clinical => "Clinical",
            Self::Incident => "Incident",
        }
    }
}

/// What an entry says. Tagged by `kind` on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EntryBody {
    /// An allergy or intolerance.
    Allergy {
        substance: Concept,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reaction: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<Severity>,
        clinical_status: ClinicalStatus,
    },
    /// A positive statement that the person has no known allergies: not the same as
    /// nothing recorded.
    NoKnownAllergies {},
    Condition {
        name: Concept,
        clinical_status: ClinicalStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        onset: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A prescription or a statement that the person takes a medicine.
    MedicationOrder {
        medicine: Concept,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dosage: Option<String>,
        prescribed_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prescriber: Option<String>,
        status: MedicationStatus,
    },
    /// A supply of a medicine by a pharmacy.
    MedicationSupply {
        medicine: Concept,
        dispensed_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quantity: Option<String>,
        /// The pharmacy that supplied it.
        dispenser: String,
    },
    /// One lab test result.
    LabResult {
        test: Concept,
        value: LabValue,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference_range: Option<ReferenceRange>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flag: Option<AbnormalFlag>,
        /// When the sample was taken.
        taken_at: DateTime<Utc>,
        /// The report (panel) it belongs to, e.g. "Urea and electrolytes".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        panel: Option<String>,
    },
    DiagnosticReport {
        title: String,
        conclusion: String,
        performed_at: DateTime<Utc>,
    },
    Document {
        doc_type: DocumentType,
        title: String,
        /// The episode it describes, e.g. the hospital stay for a discharge summary.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period_start: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period_end: Option<NaiveDate>,
        sections: Vec<DocumentSection>,
        /// Files that came with it. Added after the first release: older servers send none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    HospitalStay {
        hospital: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ward: Option<String>,
        admitted_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_discharge: Option<NaiveDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discharged_on: Option<NaiveDate>,
        status: StayStatus,
    },
    AdvanceCarePlan {
        form: AdvanceCareForm,
        cpr: CprDecision,
        /// The plan's recommendations in the clinician's words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recommendations: Option<String>,
        agreed_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review_on: Option<NaiveDate>,
    },
    /// One area of the home's care plan. Areas are versioned separately so two seniors
    /// editing different areas never collide.
    CarePlanSection {
        area: String,
        need: String,
        goal: String,
        support: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preferences: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        review_on: Option<NaiveDate>,
    },
    AboutMeSection {
        topic: AboutMeTopic,
        text: String,
    },
    CareNote {
        category: NoteCategory,
        text: String,
    },
    /// A set of vital signs taken at the bedside, with the NEWS2 score worked out from
    /// them (by the server, from the readings, on the resident's SpO2 scale).
    ObservationSet {
        observations: Observations,
        scale: Spo2Scale,
        score: Score,
        /// When the observations were taken (they may be entered later).
        taken_at: DateTime<Utc>,
    },
    /// A correction of another home-authored entry: it was entered in error, or this
    /// entry's new version amends it. The corrected entry keeps its earlier versions.
    Correction {
        target: EntryId,
        action: CorrectionAction,
        reason: String,
    },
    /// An edit of a care plan area or About Me topic made from an out-of-date copy: kept,
    /// never silently dropped or applied, until a senior chooses between it and the
    /// current version. The section shows "needs review" while one is open.
    SectionProposal {
        target: EntryId,
        /// The version of the section the edit started from.
        base_version: u32,
        #[cfg_attr(feature = "openapi", schema(no_recursion))]
        body: Box<EntryBody>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<Resolution>,
    },
    /// A kind this version of the app does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

// Written out rather than derived: a derived `clone` is `#[inline]`, so every crate that
// clones a body (domain, client, frontend) compiled its own 2 KB copy into the app's wasm.
// This one is compiled once, here. A field added to a variant fails to compile until it
// is cloned below too.
impl Clone for EntryBody {
    fn clone(&self) -> Self {
        match self {
            Self::Allergy {
                substance,
                reaction,
                severity,
                clinical_status,
            } => Self::Allergy {
                substance: substance.clone(),
                reaction: reaction.clone(),
                severity: *severity,
                clinical_status: *clinical_status,
            },
            Self::NoKnownAllergies {} => Self::NoKnownAllergies {},
            Self::Condition {
                name,
                clinical_status,
                onset,
                note,
            } => Self::Condition {
                name: name.clone(),
                clinical_status: *clinical_status,
                onset: *onset,
                note: note.clone(),
            },
            Self::MedicationOrder {
                medicine,
                dosage,
                prescribed_on,
                prescriber,
                status,
            } => Self::MedicationOrder {
                medicine: medicine.clone(),
                dosage: dosage.clone(),
                prescribed_on: *prescribed_on,
                prescriber: prescriber.clone(),
                status: *status,
            },
            Self::MedicationSupply {
                medicine,
                dispensed_on,
                quantity,
                dispenser,
            } => Self::MedicationSupply {
                medicine: medicine.clone(),
                dispensed_on: *dispensed_on,
                quantity: quantity.clone(),
                dispenser: dispenser.clone(),
            },
            Self::LabResult {
                test,
                value,
                reference_range,
                flag,
                taken_at,
                panel,
            } => Self::LabResult {
                test: test.clone(),
                value: value.clone(),
                reference_range: reference_range.clone(),
                flag: *flag,
                taken_at: *taken_at,
                panel: panel.clone(),
            },
            Self::DiagnosticReport {
                title,
                conclusion,
                performed_at,
            } => Self::DiagnosticReport {
                title: title.clone(),
                conclusion: conclusion.clone(),
                performed_at: *performed_at,
            },
            Self::Document {
                doc_type,
                title,
                period_start,
                period_end,
                sections,
                attachments,
            } => Self::Document {
                doc_type: *doc_type,
                title: title.clone(),
                period_start: *period_start,
                period_end: *period_end,
                sections: sections.clone(),
                attachments: attachments.clone(),
            },
            Self::HospitalStay {
                hospital,
                ward,
                admitted_on,
                reason,
                expected_discharge,
                discharged_on,
                status,
            } => Self::HospitalStay {
                hospital: hospital.clone(),
                ward: ward.clone(),
                admitted_on: *admitted_on,
                reason: reason.clone(),
                expected_discharge: *expected_discharge,
                discharged_on: *discharged_on,
                status: *status,
            },
            Self::AdvanceCarePlan {
                form,
                cpr,
                recommendations,
                agreed_on,
                review_on,
            } => Self::AdvanceCarePlan {
                form: *form,
                cpr: *cpr,
                recommendations: recommendations.clone(),
                agreed_on: *agreed_on,
                review_on: *review_on,
            },
            Self::CarePlanSection {
                area,
                need,
                goal,
                support,
                preferences,
                review_on,
            } => Self::CarePlanSection {
                area: area.clone(),
                need: need.clone(),
                goal: goal.clone(),
                support: support.clone(),
                preferences: preferences.clone(),
                review_on: *review_on,
            },
            Self::AboutMeSection { topic, text } => Self::AboutMeSection {
                topic: *topic,
                text: text.clone(),
            },
            Self::CareNote { category, text } => Self::CareNote {
                category: *category,
                text: text.clone(),
            },
            Self::ObservationSet {
                observations,
                scale,
                score,
                taken_at,
            } => Self::ObservationSet {
                observations: *observations,
                scale: *scale,
                score: *score,
                taken_at: *taken_at,
            },
            Self::Correction {
                target,
                action,
                reason,
            } => Self::Correction {
                target: *target,
                action: *action,
                reason: reason.clone(),
            },
            Self::SectionProposal {
                target,
                base_version,
                body,
                resolution,
            } => Self::SectionProposal {
                target: *target,
                base_version: *base_version,
                body: body.clone(),
                resolution: resolution.clone(),
            },
            Self::Unknown => Self::Unknown,
        }
    }
}

impl EntryBody {
    pub fn kind(&self) -> EntryKind {
        match self {
            Self::Allergy { .. } => EntryKind::Allergy,
            Self::NoKnownAllergies {} => EntryKind::NoKnownAllergies,
            Self::Condition { .. } => EntryKind::Condition,
            Self::MedicationOrder { .. } => EntryKind::MedicationOrder,
            Self::MedicationSupply { .. } => EntryKind::MedicationSupply,
            Self::LabResult { .. } => EntryKind::LabResult,
            Self::DiagnosticReport { .. } => EntryKind::DiagnosticReport,
            Self::Document { .. } => EntryKind::Document,
            Self::HospitalStay { .. } => EntryKind::HospitalStay,
            Self::AdvanceCarePlan { .. } => EntryKind::AdvanceCarePlan,
            Self::CarePlanSection { .. } => EntryKind::CarePlanSection,
            Self::AboutMeSection { .. } => EntryKind::AboutMeSection,
            Self::CareNote { .. } => EntryKind::CareNote,
            Self::ObservationSet { .. } => EntryKind::ObservationSet,
            Self::Correction { .. } => EntryKind::Correction,
            Self::SectionProposal { .. } => EntryKind::SectionProposal,
            Self::Unknown => EntryKind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_tagged_by_kind() {
        let body = EntryBody::CareNote {
            category: NoteCategory::NutritionAndFluids,
            text: "Ate well".into(),
        };
        let json = serde_json::to_value(&body).expect("serialises");
        assert_eq!(json["kind"], "care_note");
        assert_eq!(json["category"], "nutrition_and_fluids");
        assert_eq!(body.kind().as_str(), "care_note");
    }

    #[test]
    fn kind_names_match_serde_tags() {
        let nka = serde_json::to_value(EntryBody::NoKnownAllergies {}).expect("serialises");
        assert_eq!(nka["kind"], EntryKind::NoKnownAllergies.as_str());
        let kind = serde_json::to_value(EntryKind::MedicationSupply).expect("serialises");
        assert_eq!(kind, EntryKind::MedicationSupply.as_str());
    }

    #[test]
    fn an_unknown_kind_from_a_newer_server_is_kept_not_fatal() {
        let body: EntryBody =
            serde_json::from_str(r#"{"kind":"vaccination_record","dose":3}"#).expect("tolerated");
        assert_eq!(body, EntryBody::Unknown);
    }

    #[test]
    fn residency_status_round_trips_through_its_column_name() {
        for s in [
            ResidencyStatus::InHome,
            ResidencyStatus::InHospital,
            ResidencyStatus::OnLeave,
            ResidencyStatus::Left,
            ResidencyStatus::Died,
        ] {
            assert_eq!(ResidencyStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).expect("serialises"),
                serde_json::Value::String(s.as_str().into())
            );
        }
        assert!(ResidencyStatus::InHospital.is_current());
        assert!(!ResidencyStatus::Left.is_current());
    }
}
