//! Reading the values the browser holds (a parsed server answer, an IndexedDB row) into
//! the record model's types, reading each internally tagged enum's tag first.
//!
//! The record model tags several enums inside their objects (`EntryBody` by `kind`,
//! `LabValue` and `MutationOp` by `type`, `OutboxState` and the banner's states by
//! `state`, `Outcome` by `outcome`). serde reads such an enum by first copying the whole
//! object into an intermediate form, then reading the variant from that copy. That does
//! the work twice for every entry, and it compiles a second deserialiser of every type
//! inside those enums into the app's and the service worker's wasm (about a tenth of the
//! app's size). Here the tag is read first, and the variant's fields straight from the
//! object: [`Tagged`] hands serde the tag as the variant's name and the same object as
//! its fields.
//!
//! The `*Def` types mirror the domain's with `#[serde(remote = …)]`, so the compiler
//! checks that every field they read exists in the domain type with that type, and that
//! none is left out; [`every_variant_is_read`] stops the build when the domain gains a
//! variant. The tests check that each reads exactly what the domain's serde writes.
//!
//! Nothing here touches IndexedDB or the network; the store and the API call these.

use bedside_domain::news2::{Observations, Score, Spo2Scale};
use bedside_domain::record::{
    AbnormalFlag, AboutMeTopic, AdvanceCareForm, Attachment, ClinicalStatus, Concept,
    CorrectionAction, CprDecision, DocumentSection, DocumentType, Entry, EntryBody, EntryStatus,
    LabValue, MedicationStatus, NoteCategory, Provenance, ReferenceRange, Resident, Resolution,
    Severity, StayStatus,
};
use bedside_domain::summary::{AllergyState, Banner, CprState, HospitalState};
use bedside_domain::sync::plan::{OutboxItem, OutboxState};
use bedside_domain::sync::wire::{
    Cursor, Mutation, MutationOp, MutationResult, Outcome, PushResponse, SectionKey, SnapshotPage,
};
use bedside_domain::{EntryId, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use js_sys::{Array, Reflect};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer};
use serde_wasm_bindgen::Error;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::db::StoredResident;

type Result<T> = std::result::Result<T, Error>;

fn missing(what: &'static str) -> Error {
    de::Error::missing_field(what)
}

/// A property of a parsed or stored object.
fn field(value: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined())
}

/// A value of a type with no tagged enum inside: serde's own path.
fn plain<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value)
}

fn list(value: Option<JsValue>) -> Option<Array> {
    value.filter(Array::is_array).map(JsCast::unchecked_into)
}

/// An internally tagged object, offered to serde as an externally tagged enum: the tag
/// is the variant's name, and the object itself holds the variant's fields (the tag is
/// one more property, which a struct variant does not ask for).
pub struct Tagged {
    tag: String,
    value: JsValue,
}

impl Tagged {
    /// The object `value`, tagged by its property `tag_name` (which must be a string).
    pub fn new(value: JsValue, tag_name: &'static str) -> Result<Self> {
        let tag = field(&value, tag_name)
            .and_then(|t| t.as_string())
            .ok_or_else(|| missing(tag_name))?;
        Ok(Self { tag, value })
    }
}

impl<'de> Deserializer<'de> for Tagged {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum identifier ignored_any
    }
}

impl<'de> de::EnumAccess<'de> for Tagged {
    type Error = Error;
    type Variant = Fields;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Fields)> {
        let tag: de::value::StringDeserializer<Error> = self.tag.into_deserializer();
        Ok((seed.deserialize(tag)?, Fields(self.value)))
    }
}

/// The fields of a [`Tagged`] variant: the tagged object itself.
pub struct Fields(JsValue);

impl<'de> de::VariantAccess<'de> for Fields {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        // The tag alone says it all (`{"state": "saved"}`).
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(serde_wasm_bindgen::Deserializer::from(self.0))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(de::Error::custom(
            "an internally tagged enum has no tuple variants",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        serde_wasm_bindgen::Deserializer::from(self.0).deserialize_struct("", fields, visitor)
    }
}

/// For a field whose type holds a tagged enum: the field's value as the browser holds
/// it, read with `read`.
fn nested<'de, D: Deserializer<'de>, T>(
    d: D,
    read: fn(JsValue) -> Result<T>,
) -> std::result::Result<T, D::Error> {
    let value: JsValue = serde_wasm_bindgen::preserve::deserialize(d)?;
    read(value).map_err(de::Error::custom)
}

fn body_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<EntryBody, D::Error> {
    nested(d, body)
}

fn boxed_body_field<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Box<EntryBody>, D::Error> {
    nested(d, |v| body(v).map(Box::new))
}

fn optional_body_field<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<EntryBody>, D::Error> {
    nested(d, |v| {
        if v.is_null() || v.is_undefined() {
            Ok(None)
        } else {
            body(v).map(Some)
        }
    })
}

fn lab_value_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<LabValue, D::Error> {
    nested(d, |v| LabValueDef::deserialize(Tagged::new(v, "type")?))
}

fn mutation_op_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<MutationOp, D::Error> {
    nested(d, |v| MutationOpDef::deserialize(Tagged::new(v, "type")?))
}

fn section_key_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<SectionKey, D::Error> {
    nested(d, |v| SectionKeyDef::deserialize(Tagged::new(v, "type")?))
}

fn outcome_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Outcome, D::Error> {
    nested(d, outcome)
}

fn outbox_state_field<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<OutboxState, D::Error> {
    nested(d, |v| OutboxStateDef::deserialize(Tagged::new(v, "state")?))
}

fn mutation_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Mutation, D::Error> {
    nested(d, |v| {
        MutationDef::deserialize(serde_wasm_bindgen::Deserializer::from(v))
    })
}

fn allergy_state_field<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<AllergyState, D::Error> {
    nested(d, |v| {
        AllergyStateDef::deserialize(Tagged::new(v, "state")?)
    })
}

fn cpr_state_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<CprState, D::Error> {
    nested(d, |v| CprStateDef::deserialize(Tagged::new(v, "state")?))
}

fn banner_field<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Banner, D::Error> {
    nested(d, |v| {
        BannerDef::deserialize(serde_wasm_bindgen::Deserializer::from(v))
    })
}

/// An entry's body. A kind this version does not know is [`EntryBody::Unknown`], as the
/// domain's own reading makes it.
pub fn body(value: JsValue) -> Result<EntryBody> {
    EntryBodyDef::deserialize(Tagged::new(value, "kind")?)
}

/// An entry, as stored or as the server sent it.
pub fn entry(value: JsValue) -> Result<Entry> {
    EntryDef::deserialize(serde_wasm_bindgen::Deserializer::from(value))
}

/// A resident with their banner, as stored.
pub fn stored_resident(value: JsValue) -> Result<StoredResident> {
    StoredResidentDef::deserialize(serde_wasm_bindgen::Deserializer::from(value))
}

/// An outbox row.
pub fn outbox_item(value: JsValue) -> Result<OutboxItem> {
    OutboxItemDef::deserialize(serde_wasm_bindgen::Deserializer::from(value))
}

/// What became of a mutation.
pub fn outcome(value: JsValue) -> Result<Outcome> {
    OutcomeDef::deserialize(Tagged::new(value, "outcome")?)
}

/// A snapshot page as the browser parsed it.
pub fn snapshot_page(parsed: &JsValue) -> Result<SnapshotPage> {
    let pinned: Cursor = plain(field(parsed, "pinned").ok_or_else(|| missing("pinned"))?)?;
    let residents: Vec<Resident> = match field(parsed, "residents") {
        Some(list) => plain(list)?,
        None => Vec::new(),
    };
    let entries = list(field(parsed, "entries"))
        .ok_or_else(|| missing("entries"))?
        .iter()
        .map(entry)
        .collect::<Result<Vec<_>>>()?;
    let next = match field(parsed, "next") {
        Some(n) if !n.is_null() => Some(plain(n)?),
        _ => None,
    };
    Ok(SnapshotPage {
        pinned,
        residents,
        entries,
        next,
    })
}

/// A push's answer as the browser parsed it.
pub fn push_response(parsed: &JsValue) -> Result<PushResponse> {
    let results = list(field(parsed, "results"))
        .ok_or_else(|| missing("results"))?
        .iter()
        .map(|r| {
            Ok(MutationResult {
                id: plain(field(&r, "id").ok_or_else(|| missing("id"))?)?,
                outcome: outcome(field(&r, "outcome").ok_or_else(|| missing("outcome"))?)?,
                duplicate: field(&r, "duplicate")
                    .and_then(|d| d.as_bool())
                    .unwrap_or(false),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let next_device_seq =
        plain(field(parsed, "next_device_seq").ok_or_else(|| missing("next_device_seq"))?)?;
    Ok(PushResponse {
        results,
        next_device_seq,
    })
}

/// Fails to compile when the domain gains a variant these readers do not know, so one is
/// never read as something else (or as unknown) by mistake.
#[allow(dead_code)]
fn every_variant_is_read(
    body: &EntryBody,
    lab: &LabValue,
    op: &MutationOp,
    state: &OutboxState,
    outcome: &Outcome,
) {
    match body {
        EntryBody::Allergy { .. }
        | EntryBody::NoKnownAllergies {}
        | EntryBody::Condition { .. }
        | EntryBody::MedicationOrder { .. }
        | EntryBody::MedicationSupply { .. }
        | EntryBody::LabResult { .. }
        | EntryBody::DiagnosticReport { .. }
        | EntryBody::Document { .. }
        | EntryBody::HospitalStay { .. }
        | EntryBody::AdvanceCarePlan { .. }
        | EntryBody::CarePlanSection { .. }
        | EntryBody::AboutMeSection { .. }
        | EntryBody::CareNote { .. }
        | EntryBody::ObservationSet { .. }
        | EntryBody::Correction { .. }
        | EntryBody::SectionProposal { .. }
        | EntryBody::Unknown => {}
    }
    match lab {
        LabValue::Quantity { .. } | LabValue::Text { .. } => {}
    }
    match op {
        MutationOp::AddNote { .. }
        | MutationOp::AddObservations { .. }
        | MutationOp::Correct { .. }
        | MutationOp::EditSection { .. }
        | MutationOp::ResolveSection { .. } => {}
    }
    match state {
        OutboxState::Saved | OutboxState::Waiting { .. } | OutboxState::Confirmed { .. } => {}
    }
    match outcome {
        Outcome::Applied { .. } | Outcome::Conflict { .. } | Outcome::Rejected { .. } => {}
    }
}

#[derive(Deserialize)]
#[serde(remote = "EntryBody", rename_all = "snake_case")]
enum EntryBodyDef {
    Allergy {
        substance: Concept,
        reaction: Option<String>,
        severity: Option<Severity>,
        clinical_status: ClinicalStatus,
    },
    NoKnownAllergies {},
    Condition {
        name: Concept,
        clinical_status: ClinicalStatus,
        onset: Option<NaiveDate>,
        note: Option<String>,
    },
    MedicationOrder {
        medicine: Concept,
        dosage: Option<String>,
        prescribed_on: NaiveDate,
        prescriber: Option<String>,
        status: MedicationStatus,
    },
    MedicationSupply {
        medicine: Concept,
        dispensed_on: NaiveDate,
        quantity: Option<String>,
        dispenser: String,
    },
    LabResult {
        test: Concept,
        #[serde(deserialize_with = "lab_value_field")]
        value: LabValue,
        reference_range: Option<ReferenceRange>,
        flag: Option<AbnormalFlag>,
        taken_at: DateTime<Utc>,
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
        period_start: Option<NaiveDate>,
        period_end: Option<NaiveDate>,
        sections: Vec<DocumentSection>,
        #[serde(default)]
        attachments: Vec<Attachment>,
    },
    HospitalStay {
        hospital: String,
        ward: Option<String>,
        admitted_on: NaiveDate,
        reason: Option<String>,
        expected_discharge: Option<NaiveDate>,
        discharged_on: Option<NaiveDate>,
        status: StayStatus,
    },
    AdvanceCarePlan {
        form: AdvanceCareForm,
        cpr: CprDecision,
        recommendations: Option<String>,
        agreed_on: NaiveDate,
        review_on: Option<NaiveDate>,
    },
    CarePlanSection {
        area: String,
        need: String,
        goal: String,
        support: String,
        preferences: Option<String>,
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
    ObservationSet {
        observations: Observations,
        scale: Spo2Scale,
        score: Score,
        taken_at: DateTime<Utc>,
    },
    Correction {
        target: EntryId,
        action: CorrectionAction,
        reason: String,
    },
    SectionProposal {
        target: EntryId,
        base_version: u32,
        #[serde(deserialize_with = "boxed_body_field")]
        body: Box<EntryBody>,
        resolution: Option<Resolution>,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
#[serde(remote = "LabValue", rename_all = "snake_case")]
enum LabValueDef {
    Quantity { value: f64, unit: String },
    Text { text: String },
}

#[derive(Deserialize)]
#[serde(remote = "Entry")]
struct EntryDef {
    id: EntryId,
    person_id: PersonId,
    version: u32,
    #[serde(default)]
    status: EntryStatus,
    provenance: Provenance,
    #[serde(deserialize_with = "body_field")]
    body: EntryBody,
}

#[derive(Deserialize)]
#[serde(remote = "AllergyState", rename_all = "snake_case")]
enum AllergyStateDef {
    NotRecorded,
    NoKnownAllergies,
    Allergies { substances: Vec<String> },
}

#[derive(Deserialize)]
#[serde(remote = "CprState", rename_all = "snake_case")]
enum CprStateDef {
    NotRecorded,
    Recorded {
        form: AdvanceCareForm,
        cpr: CprDecision,
        agreed_on: NaiveDate,
    },
}

#[derive(Deserialize)]
#[serde(remote = "Banner")]
struct BannerDef {
    #[serde(deserialize_with = "allergy_state_field")]
    allergies: AllergyState,
    #[serde(deserialize_with = "cpr_state_field")]
    cpr: CprState,
    in_hospital: Option<HospitalState>,
}

#[derive(Deserialize)]
#[serde(remote = "StoredResident")]
struct StoredResidentDef {
    resident: Resident,
    #[serde(deserialize_with = "banner_field")]
    banner: Banner,
}

#[derive(Deserialize)]
#[serde(remote = "SectionKey", rename_all = "snake_case")]
enum SectionKeyDef {
    CarePlan { area: String },
    AboutMe { topic: AboutMeTopic },
}

#[derive(Deserialize)]
#[serde(remote = "MutationOp", rename_all = "snake_case")]
enum MutationOpDef {
    AddNote {
        person_id: PersonId,
        category: NoteCategory,
        text: String,
    },
    AddObservations {
        person_id: PersonId,
        observations: Observations,
        taken_at: DateTime<Utc>,
    },
    Correct {
        entry_id: EntryId,
        action: CorrectionAction,
        reason: String,
        #[serde(default, deserialize_with = "optional_body_field")]
        body: Option<EntryBody>,
    },
    EditSection {
        person_id: PersonId,
        #[serde(deserialize_with = "section_key_field")]
        section: SectionKey,
        base_version: Option<u32>,
        #[serde(deserialize_with = "body_field")]
        body: EntryBody,
    },
    ResolveSection {
        proposal_id: EntryId,
        accept: bool,
    },
}

#[derive(Deserialize)]
#[serde(remote = "Mutation")]
struct MutationDef {
    id: Uuid,
    device_seq: u64,
    created_at: DateTime<Utc>,
    #[serde(deserialize_with = "mutation_op_field")]
    op: MutationOp,
}

#[derive(Deserialize)]
#[serde(remote = "Outcome", rename_all = "snake_case")]
enum OutcomeDef {
    Applied { entry_id: EntryId },
    Conflict { entry_id: EntryId },
    Rejected { reason: String },
}

#[derive(Deserialize)]
#[serde(remote = "OutboxState", rename_all = "snake_case")]
enum OutboxStateDef {
    Saved,
    Waiting {
        attempts: u32,
        last_attempt: DateTime<Utc>,
    },
    Confirmed {
        #[serde(deserialize_with = "outcome_field")]
        outcome: Outcome,
    },
}

#[derive(Deserialize)]
#[serde(remote = "OutboxItem")]
struct OutboxItemDef {
    #[serde(deserialize_with = "mutation_field")]
    mutation: Mutation,
    #[serde(deserialize_with = "outbox_state_field")]
    state: OutboxState,
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::news2::{AirOrOxygen, Consciousness, score};
    use bedside_domain::record::{Coding, EntryKind, PersonName, ResidencyStatus, Sex};
    use bedside_domain::{HomeId, NhsNumber};
    use chrono::TimeZone;
    use serde::Serialize;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, 41, 7)
            .single()
            .expect("valid")
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid")
    }

    fn id(n: u128) -> EntryId {
        EntryId(Uuid::from_u128(n))
    }

    /// The two forms the browser holds a value in: as the local store writes it, and as
    /// the server's JSON parses.
    fn forms<T: Serialize>(value: &T) -> [JsValue; 2] {
        let stored = value
            .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
            .expect("serialises");
        let text = serde_json::to_string(value).expect("json");
        let parsed = js_sys::JSON::parse(&text).expect("parses");
        [stored, parsed]
    }

    fn obs() -> Observations {
        Observations {
            respiration_rate: 22,
            spo2: 93,
            air_or_oxygen: AirOrOxygen::Oxygen,
            systolic_bp: 104,
            pulse: 112,
            consciousness: Consciousness::NewConfusion,
            temperature_tenths: 385,
        }
    }

    fn care_plan(area: &str, preferences: Option<&str>) -> EntryBody {
        EntryBody::CarePlanSection {
            area: area.into(),
            need: "Needs help to stand.".into(),
            goal: "Walks to the lounge.".into(),
            support: "Frame; one carer.".into(),
            preferences: preferences.map(Into::into),
            review_on: Some(day(30)),
        }
    }

    /// One body of every kind, with optional parts both present and absent.
    fn bodies() -> Vec<EntryBody> {
        let concept = Concept {
            text: "Penicillin".into(),
            coding: Some(Coding {
                system: "http://snomed.info/sct".into(),
                code: "764146007".into(),
            }),
        };
        vec![
            EntryBody::Allergy {
                substance: concept.clone(),
                reaction: Some("Rash".into()),
                severity: Some(Severity::Severe),
                clinical_status: ClinicalStatus::Active,
            },
            EntryBody::Allergy {
                substance: Concept::text("Latex"),
                reaction: None,
                severity: None,
                clinical_status: ClinicalStatus::Inactive,
            },
            EntryBody::NoKnownAllergies {},
            EntryBody::Condition {
                name: Concept::text("Asthma"),
                clinical_status: ClinicalStatus::Active,
                onset: Some(day(1)),
                note: None,
            },
            EntryBody::MedicationOrder {
                medicine: concept.clone(),
                dosage: Some("Twice a day".into()),
                prescribed_on: day(2),
                prescriber: None,
                status: MedicationStatus::OnHold,
            },
            EntryBody::MedicationSupply {
                medicine: concept,
                dispensed_on: day(3),
                quantity: None,
                dispenser: "High Street Pharmacy".into(),
            },
            EntryBody::LabResult {
                test: Concept::text("Potassium"),
                value: LabValue::Quantity {
                    value: 5.9,
                    unit: "mmol/L".into(),
                },
                reference_range: Some(ReferenceRange {
                    low: Some(3.5),
                    high: None,
                    text: None,
                }),
                flag: Some(AbnormalFlag::High),
                taken_at: at(8),
                panel: Some("U&E".into()),
            },
            EntryBody::LabResult {
                test: Concept::text("Urine culture"),
                value: LabValue::Text {
                    text: "No growth".into(),
                },
                reference_range: None,
                flag: None,
                taken_at: at(9),
                panel: None,
            },
            EntryBody::DiagnosticReport {
                title: "Chest X-ray".into(),
                conclusion: "Clear.".into(),
                performed_at: at(10),
            },
            EntryBody::Document {
                doc_type: DocumentType::DischargeSummary,
                title: "Discharge".into(),
                period_start: Some(day(4)),
                period_end: None,
                sections: vec![DocumentSection {
                    title: "Plan".into(),
                    text: "Rest.".into(),
                }],
                attachments: vec![Attachment {
                    id: "a1".into(),
                    content_type: "application/pdf".into(),
                    title: None,
                    size: Some(1024),
                }],
            },
            EntryBody::Document {
                doc_type: DocumentType::Other,
                title: "Letter".into(),
                period_start: None,
                period_end: None,
                sections: vec![],
                attachments: vec![],
            },
            EntryBody::HospitalStay {
                hospital: "St Thomas'".into(),
                ward: None,
                admitted_on: day(5),
                reason: Some("Fall".into()),
                expected_discharge: None,
                discharged_on: Some(day(9)),
                status: StayStatus::Finished,
            },
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Respect,
                cpr: CprDecision::NotForCpr,
                recommendations: None,
                agreed_on: day(6),
                review_on: Some(day(20)),
            },
            care_plan("Mobility", None),
            care_plan("Eating", Some("Tea, no sugar")),
            EntryBody::AboutMeSection {
                topic: AboutMeTopic::WhatCalms,
                text: "Music.".into(),
            },
            EntryBody::CareNote {
                category: NoteCategory::MoodAndBehaviour,
                text: "Settled.\n\nSlept well.".into(),
            },
            EntryBody::ObservationSet {
                observations: obs(),
                scale: Spo2Scale::Scale2,
                score: score(&obs(), Spo2Scale::Scale2),
                taken_at: at(11),
            },
            EntryBody::Correction {
                target: id(5),
                action: CorrectionAction::Amended,
                reason: "Wrong time".into(),
            },
            EntryBody::SectionProposal {
                target: id(6),
                base_version: 3,
                body: Box::new(care_plan("Mobility", Some("Slowly"))),
                resolution: Some(Resolution {
                    accepted: false,
                    by: "oak.senior".into(),
                    at: at(12),
                }),
            },
            EntryBody::SectionProposal {
                target: id(6),
                base_version: 1,
                body: Box::new(EntryBody::AboutMeSection {
                    topic: AboutMeTopic::People,
                    text: "Daughter".into(),
                }),
                resolution: None,
            },
            EntryBody::Unknown,
        ]
    }

    fn entry_of(n: u128, body: EntryBody) -> Entry {
        Entry {
            id: id(n),
            person_id: PersonId(Uuid::from_u128(1)),
            version: u32::try_from(n % 3).expect("small"),
            status: if n.is_multiple_of(2) {
                EntryStatus::Current
            } else {
                EntryStatus::EnteredInError
            },
            provenance: Provenance {
                organisation: "Oak Lodge".into(),
                ods_code: n.is_multiple_of(2).then(|| "X1".into()),
                system: None,
                source_id: None,
                author: Some("oak.carer".into()),
                authored_at: at(7),
                received_at: at(8),
            },
            body,
        }
    }

    #[test]
    fn every_kind_of_entry_reads_as_serde_writes_it() {
        let list = bodies();
        let kinds: std::collections::HashSet<EntryKind> = list.iter().map(|b| b.kind()).collect();
        assert_eq!(kinds.len(), 17, "every kind is covered");
        for (n, b) in list.into_iter().enumerate() {
            let e = entry_of(n as u128 + 10, b);
            for value in forms(&e) {
                assert_eq!(entry(value).expect("reads"), e);
            }
        }
    }

    #[test]
    fn a_kind_from_a_newer_server_is_unknown_and_bad_data_fails() {
        let value =
            js_sys::JSON::parse(r#"{"kind":"vaccination_record","dose":3}"#).expect("parses");
        assert_eq!(body(value).expect("tolerated"), EntryBody::Unknown);
        // A known kind with a field missing, or no kind at all, is an error.
        for bad in [r#"{"kind":"care_note","text":"x"}"#, r#"{"text":"x"}"#] {
            let value = js_sys::JSON::parse(bad).expect("parses");
            assert!(body(value).is_err(), "{bad}");
        }
        // Optional parts an older server leaves out read as absent.
        let value = js_sys::JSON::parse(
            r#"{"id":"00000000-0000-0000-0000-000000000001",
                "person_id":"00000000-0000-0000-0000-000000000002","version":1,
                "provenance":{"organisation":"GP","authored_at":"2026-11-25T09:00:00Z",
                              "received_at":"2026-11-25T09:00:00Z"},
                "body":{"kind":"document","doc_type":"clinic","title":"Letter","sections":[]}}"#,
        )
        .expect("parses");
        let e = entry(value).expect("reads");
        assert_eq!(e.status, EntryStatus::Current);
        assert!(
            matches!(e.body, EntryBody::Document { ref attachments, .. } if attachments.is_empty())
        );
    }

    fn mutation(n: u128, op: MutationOp) -> Mutation {
        Mutation {
            id: Uuid::from_u128(n),
            device_seq: u64::try_from(n).expect("small"),
            created_at: at(9),
            op,
        }
    }

    #[test]
    fn every_outbox_row_reads_as_serde_writes_it() {
        let person = PersonId(Uuid::from_u128(1));
        let ops = [
            MutationOp::AddNote {
                person_id: person,
                category: NoteCategory::Incident,
                text: "Found on the floor.".into(),
            },
            MutationOp::AddObservations {
                person_id: person,
                observations: obs(),
                taken_at: at(8),
            },
            MutationOp::Correct {
                entry_id: id(4),
                action: CorrectionAction::EnteredInError,
                reason: "Wrong resident".into(),
                body: None,
            },
            MutationOp::Correct {
                entry_id: id(4),
                action: CorrectionAction::Amended,
                reason: "Typo".into(),
                body: Some(EntryBody::CareNote {
                    category: NoteCategory::Social,
                    text: "Sang.".into(),
                }),
            },
            MutationOp::EditSection {
                person_id: person,
                section: SectionKey::CarePlan {
                    area: "Mobility".into(),
                },
                base_version: Some(2),
                body: care_plan("Mobility", None),
            },
            MutationOp::EditSection {
                person_id: person,
                section: SectionKey::AboutMe {
                    topic: AboutMeTopic::Routines,
                },
                base_version: None,
                body: EntryBody::AboutMeSection {
                    topic: AboutMeTopic::Routines,
                    text: "Up at seven.".into(),
                },
            },
            MutationOp::ResolveSection {
                proposal_id: id(8),
                accept: true,
            },
        ];
        let states = [
            OutboxState::Saved,
            OutboxState::Waiting {
                attempts: 3,
                last_attempt: at(10),
            },
            OutboxState::Confirmed {
                outcome: Outcome::Applied { entry_id: id(2) },
            },
            OutboxState::Confirmed {
                outcome: Outcome::Conflict { entry_id: id(3) },
            },
            OutboxState::Confirmed {
                outcome: Outcome::Rejected {
                    reason: "The resident has left".into(),
                },
            },
        ];
        for (n, op) in ops.into_iter().enumerate() {
            for state in states.clone() {
                let item = OutboxItem {
                    mutation: mutation(n as u128 + 1, op.clone()),
                    state,
                };
                for value in forms(&item) {
                    assert_eq!(outbox_item(value).expect("reads"), item);
                }
            }
        }
    }

    #[test]
    fn stored_residents_read_with_every_banner_state() {
        let resident = Resident {
            id: PersonId(Uuid::from_u128(1)),
            home_id: HomeId(Uuid::from_u128(2)),
            nhs_number: NhsNumber::parse("9990000018").expect("valid"),
            name: PersonName {
                given: "Ada".into(),
                family: "Testperson".into(),
                preferred: Some("Addie".into()),
            },
            birth_date: day(1),
            sex: Sex::Female,
            gp_practice: None,
            room: "4".into(),
            admitted_on: day(2),
            status: ResidencyStatus::InHospital,
            spo2_scale: Spo2Scale::Scale2,
        };
        let banners = [
            Banner {
                allergies: AllergyState::NotRecorded,
                cpr: CprState::NotRecorded,
                in_hospital: None,
            },
            Banner {
                allergies: AllergyState::NoKnownAllergies,
                cpr: CprState::Recorded {
                    form: AdvanceCareForm::Dnacpr,
                    cpr: CprDecision::NotForCpr,
                    agreed_on: day(3),
                },
                in_hospital: Some(HospitalState {
                    hospital: None,
                    ward: Some("7".into()),
                    since: Some(day(4)),
                }),
            },
            Banner {
                allergies: AllergyState::Allergies {
                    substances: vec!["Penicillin".into(), "Latex".into()],
                },
                cpr: CprState::NotRecorded,
                in_hospital: None,
            },
        ];
        for banner in banners {
            let stored = StoredResident {
                resident: resident.clone(),
                banner,
            };
            for value in forms(&stored) {
                assert_eq!(stored_resident(value).expect("reads"), stored);
            }
        }
    }

    #[test]
    fn pages_and_push_answers_read_as_serde_writes_them() {
        let page = SnapshotPage {
            pinned: "e1.42".parse().expect("cursor"),
            residents: vec![],
            entries: bodies()
                .into_iter()
                .enumerate()
                .map(|(n, b)| entry_of(n as u128, b))
                .collect(),
            next: Some("p2".into()),
        };
        for value in forms(&page) {
            assert_eq!(snapshot_page(&value).expect("reads"), page);
        }
        let last = SnapshotPage { next: None, ..page };
        for value in forms(&last) {
            assert_eq!(snapshot_page(&value).expect("reads"), last);
        }

        let answer = PushResponse {
            results: vec![
                MutationResult {
                    id: Uuid::from_u128(1),
                    outcome: Outcome::Applied { entry_id: id(1) },
                    duplicate: true,
                },
                MutationResult {
                    id: Uuid::from_u128(2),
                    outcome: Outcome::Rejected {
                        reason: "Only seniors edit care plans".into(),
                    },
                    duplicate: false,
                },
            ],
            next_device_seq: 3,
        };
        for value in forms(&answer) {
            assert_eq!(push_response(&value).expect("reads"), answer);
        }
    }
}
