//! Reading the values the browser holds (a parsed server answer, an IndexedDB row) into
//! the record model's and the API's types, by hand.
//!
//! serde's derived readers are generic: every type gets its own copy of the deserialiser's
//! struct and enum machinery, one more for each way it is reached (inside an `Option`, a
//! `Vec`, a tagged enum), and an internally tagged enum is read by first copying the whole
//! object into an intermediate form. For the record model that came to about a tenth of
//! the app's wasm. Here each type has one small function that looks its properties up by
//! name and reads them with a few shared, non-generic readers (a string, a whole number
//! in range, a date, a variant's name), and each tagged enum reads its tag first.
//!
//! The rules are serde's, as `serde-wasm-bindgen` applies them, so a value reads the same
//! either way (the tests check each reader against serde's reading of the same values):
//! - a struct is read from an object; properties no field names are ignored;
//! - a property that is absent or `undefined` is missing. A missing field is an error,
//!   except an `Option` (also `None` when `null`) or a field with a default (which must
//!   read when present at all, even as `undefined`);
//! - a whole number must be a safe integer in the field's range (a `u64` may also be a
//!   `BigInt`); dates, times and ids are strings, parsed as their serde impls parse them;
//! - a unit variant is its name, or an object whose one property is the name, `null`;
//! - a sequence is an array or another iterable;
//! - an internally tagged enum's tag is a string. A tag this version does not know is an
//!   error, except that an entry's body is then [`EntryBody::Unknown`], as the domain's
//!   own reading makes it.
//!
//! Each reader builds its type with every field named, so the build stops here when the
//! domain gains a field; [`every_variant_is_read`] and the variant tables do the same for
//! a new variant. Nothing here touches IndexedDB or the network; the store and the API
//! call these.

use std::cell::RefCell;

use bedside_domain::api::{
    ApiError, Device, EnrolledDevice, ErrorCode, HomeInfo, LoginResponse, Role, SignInResponse,
    StaffInfo,
};
use bedside_domain::audit::{
    AuditMode, AuditPart, AuditRefusal, AuditRefusalCode, AuditUploadResult, AuditView,
};
use bedside_domain::news2::{AirOrOxygen, Consciousness, Observations, Score, Spo2Scale};
use bedside_domain::record::{
    AbnormalFlag, AboutMeTopic, AdvanceCareForm, Attachment, ClinicalStatus, Coding, Concept,
    CorrectionAction, CprDecision, DocumentSection, DocumentType, Entry, EntryBody, EntryStatus,
    LabValue, MedicationStatus, NoteCategory, PersonName, Provenance, ReferenceRange,
    ResidencyStatus, Resident, Resolution, Severity, Sex, StayStatus,
};
use bedside_domain::summary::{AllergyState, Banner, CprState, HospitalState};
use bedside_domain::sync::plan::{OutboxItem, OutboxState};
use bedside_domain::sync::wire::{
    Cursor, Mutation, MutationOp, MutationResult, Outcome, PushResponse, SectionKey, SequenceGap,
    SnapshotPage, SyncStatus,
};
use bedside_domain::{DeviceId, EntryId, HomeId, NhsNumber, PersonId, StaffId};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use js_sys::{Array, Number, Object, Reflect};
use serde_wasm_bindgen::Error;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::crypto::{Salt, WrappedKey};
use crate::db::{Lane, LegacyLane, SnapshotProgress, StoredResident};
use crate::session::StoredSession;
use crate::vault::{Enrolment, PinRecord, Settings};

/// What a reader gives: the value, or why it could not be read.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a value could not be read. The callers only tell a value read from one that was
/// not (a bad server answer, a damaged row), so the words are for a developer.
#[cold]
fn invalid(expected: &'static str) -> Error {
    Error::new(expected)
}

#[cold]
fn missing(name: &'static str) -> Error {
    Error::new(format_args!("missing field `{name}`"))
}

/// A property of a parsed or stored object; absent when `undefined`.
fn field(value: &JsValue, name: &'static str) -> Option<JsValue> {
    get(value, name).filter(|v| !v.is_undefined())
}

/// `Reflect.get(value, name)`, with the names made into JS strings once (see [`named`]).
fn get(value: &JsValue, name: &'static str) -> Option<JsValue> {
    named(name, |key| Reflect::get(value, key).ok())
}

/// `Reflect.set(target, name, value)` on an object being written ([`crate::write`]),
/// with the same cache of names. Setting a property of a plain object cannot fail.
pub(crate) fn set(target: &Object, name: &'static str, value: &JsValue) {
    named(name, |key| drop(Reflect::set(target, key, value)));
}

/// Calls `with` on `name` as a JS string, made once: making one takes longer than a
/// lookup, and a snapshot looks up millions. The names are literals, whose addresses do
/// not change, kept in a small open-addressed table (there are far fewer names than
/// slots; a name that finds no slot is made each time).
fn named<R>(name: &'static str, with: impl FnOnce(&JsValue) -> R) -> R {
    const SLOTS: usize = 512;
    thread_local! {
        static NAMES: RefCell<Vec<(usize, JsValue)>> = const { RefCell::new(Vec::new()) };
    }
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if names.is_empty() {
            names.resize(SLOTS, (0, JsValue::UNDEFINED));
        }
        let address = name.as_ptr() as usize;
        let start = address ^ (address >> 9);
        for probe in 0..8 {
            let i = start.wrapping_add(probe) % SLOTS;
            if names[i].0 == 0 {
                names[i] = (address, JsValue::from_str(name));
            }
            if names[i].0 == address {
                return with(&names[i].1);
            }
        }
        with(&JsValue::from_str(name))
    })
}

/// An array (and nothing else that iterates), for the lists the answers hold.
fn list(value: Option<JsValue>) -> Option<Array> {
    value.filter(Array::is_array).map(JsCast::unchecked_into)
}

/// An object being read field by field.
struct Obj(JsValue);

impl Obj {
    /// `value` as a struct's fields: it must be an object.
    fn new(value: JsValue) -> Result<Self> {
        if value.is_object() {
            Ok(Self(value))
        } else {
            Err(invalid("an object"))
        }
    }

    /// A field that must be there.
    fn at<T>(&self, name: &'static str, read: fn(JsValue) -> Result<T>) -> Result<T> {
        read(self.required(name)?)
    }

    /// The non-generic part of [`Self::at`] (one copy, not one per type read): the
    /// property, or the error that says it is missing.
    #[inline(never)]
    fn required(&self, name: &'static str) -> Result<JsValue> {
        field(&self.0, name).ok_or_else(|| missing(name))
    }

    /// An `Option` field: absent, `undefined` or `null` is `None`.
    fn opt<T>(&self, name: &'static str, read: fn(JsValue) -> Result<T>) -> Result<Option<T>> {
        match self.non_null(name) {
            Some(v) => read(v).map(Some),
            None => Ok(None),
        }
    }

    /// The non-generic part of [`Self::opt`]: the property unless absent, `undefined`
    /// or `null`.
    #[inline(never)]
    fn non_null(&self, name: &'static str) -> Option<JsValue> {
        field(&self.0, name).filter(|v| !v.is_null())
    }

    /// A field with a default (`#[serde(default)]`): the default when the property is
    /// absent; when it is there, even as `undefined`, it must read.
    fn or_default<T: Default>(
        &self,
        name: &'static str,
        read: fn(JsValue) -> Result<T>,
    ) -> Result<T> {
        match self.present(name) {
            Some(value) => read(value),
            None => Ok(T::default()),
        }
    }

    /// The non-generic part of [`Self::or_default`]: the property when the object has
    /// it at all (even set to `undefined`).
    #[inline(never)]
    fn present(&self, name: &'static str) -> Option<JsValue> {
        let value = get(&self.0, name).unwrap_or(JsValue::UNDEFINED);
        if value.is_undefined() && !Reflect::has(&self.0, &JsValue::from_str(name)).unwrap_or(false)
        {
            None
        } else {
            Some(value)
        }
    }

    /// An internally tagged enum's tag: a string.
    fn tag(&self, name: &'static str) -> Result<String> {
        field(&self.0, name)
            .and_then(|t| t.as_string())
            .ok_or_else(|| missing(name))
    }
}

fn string(value: JsValue) -> Result<String> {
    value.as_string().ok_or_else(|| invalid("a string"))
}

fn boolean(value: JsValue) -> Result<bool> {
    value.as_bool().ok_or_else(|| invalid("a boolean"))
}

fn float(value: JsValue) -> Result<f64> {
    value.as_f64().ok_or_else(|| invalid("a number"))
}

/// A whole number from `min` to `max`: a safe integer, as serde-wasm-bindgen reads every
/// integer type but `u64`.
fn whole(value: &JsValue, min: i64, max: i64) -> Result<i64> {
    match value.as_f64() {
        Some(n) if Number::is_safe_integer(value) && (min..=max).contains(&(n as i64)) => {
            Ok(n as i64)
        }
        _ => Err(invalid("a whole number in range")),
    }
}

fn small<T: TryFrom<i64>>(value: JsValue) -> Result<T> {
    let max = i64::from(u32::MAX);
    whole(&value, i64::from(i16::MIN), max)
        .and_then(|n| T::try_from(n).map_err(|_| invalid("a whole number in range")))
}

fn u8_(value: JsValue) -> Result<u8> {
    small(value)
}

fn u16_(value: JsValue) -> Result<u16> {
    small(value)
}

fn i16_(value: JsValue) -> Result<i16> {
    small(value)
}

fn u32_(value: JsValue) -> Result<u32> {
    small(value)
}

/// A `u64`: a safe integer, or a `BigInt` in range.
pub(crate) fn u64_(value: JsValue) -> Result<u64> {
    if value.is_bigint() {
        u64::try_from(value).map_err(|_| invalid("a whole number in range"))
    } else {
        whole(&value, 0, i64::MAX).map(|n| n.unsigned_abs())
    }
}

/// What serde reads a `Vec` from: an array or another iterable.
fn seq<T>(value: JsValue, read: fn(JsValue) -> Result<T>) -> Result<Vec<T>> {
    let items = js_sys::try_iter(&value)?.ok_or_else(|| invalid("a sequence"))?;
    let mut out = Vec::new();
    for item in items {
        out.push(read(item?)?);
    }
    Ok(out)
}

pub(crate) fn strings(value: JsValue) -> Result<Vec<String>> {
    seq(value, string)
}

fn date(value: JsValue) -> Result<NaiveDate> {
    string(value)?.parse().map_err(|_| invalid("a date"))
}

/// As chrono's serde reads a `DateTime<Utc>`: RFC 3339 with any offset, turned to UTC.
pub(crate) fn time(value: JsValue) -> Result<DateTime<Utc>> {
    string(value)?
        .parse::<DateTime<FixedOffset>>()
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid("a date and time"))
}

fn uuid(value: JsValue) -> Result<Uuid> {
    Uuid::parse_str(&string(value)?).map_err(|_| invalid("a UUID"))
}

fn entry_id(value: JsValue) -> Result<EntryId> {
    uuid(value).map(EntryId)
}

pub(crate) fn person_id(value: JsValue) -> Result<PersonId> {
    uuid(value).map(PersonId)
}

fn home_id(value: JsValue) -> Result<HomeId> {
    uuid(value).map(HomeId)
}

fn nhs_number(value: JsValue) -> Result<NhsNumber> {
    NhsNumber::try_from(string(value)?).map_err(|_| invalid("an NHS number"))
}

/// A sync cursor, `EPOCH.SEQ`.
pub(crate) fn cursor(value: JsValue) -> Result<Cursor> {
    string(value)?.parse().map_err(|_| invalid("a sync cursor"))
}

/// A unit variant's name: a string, or (as serde-wasm-bindgen also reads one) an object
/// whose one property is the name, set to `null` or `undefined`.
fn variant(value: JsValue) -> Result<String> {
    if let Some(name) = value.as_string() {
        return Ok(name);
    }
    if value.is_object() {
        let entries = Object::entries(value.unchecked_ref());
        if entries.length() == 1 {
            let pair: Array = entries.get(0).unchecked_into();
            let payload = pair.get(1);
            if payload.is_null() || payload.is_undefined() {
                return string(pair.get(0));
            }
        }
    }
    Err(invalid("a variant's name"))
}

/// A reader of a unit-only enum from its variants' names, the list of its variants for
/// the tests, and (without `else`) the writer of a variant's name for [`crate::write`].
/// The list is also matched exhaustively, so the build stops when the domain gains a
/// variant that is not here.
macro_rules! unit_enum {
    ($read:ident / $write:ident, $all:ident: $ty:ident { $($name:literal => $variant:ident),+ $(,)? }) => {
        unit_enum!($read, $all: $ty { $($name => $variant),+ });

        /// The variant's name, as serde writes it.
        pub(crate) fn $write(value: $ty) -> &'static str {
            match value {
                $($ty::$variant => $name,)+
            }
        }
    };
    ($read:ident, $all:ident: $ty:ident { $($name:literal => $variant:ident),+ $(,)? }
        $(else $other:ident)?) => {
        fn $read(value: JsValue) -> Result<$ty> {
            Ok(match variant(value)?.as_str() {
                $($name => $ty::$variant,)+
                _ => unit_enum!(@other $ty $($other)?),
            })
        }

        #[cfg(all(test, target_arch = "wasm32"))]
        const $all: &[$ty] = &[$($ty::$variant),+];

        const _: fn($ty) = |v| match v {
            $($ty::$variant)|+ => {}
        };
    };
    (@other $ty:ident) => {
        return Err(invalid("a known variant"))
    };
    (@other $ty:ident $other:ident) => {
        $ty::$other
    };
}

unit_enum!(sex / sex_name, SEXES: Sex {
    "female" => Female,
    "male" => Male,
    "other" => Other,
    "unknown" => Unknown,
});

unit_enum!(residency_status / residency_status_name, RESIDENCY_STATUSES: ResidencyStatus {
    "in_home" => InHome,
    "in_hospital" => InHospital,
    "on_leave" => OnLeave,
    "left" => Left,
    "died" => Died,
});

unit_enum!(spo2_scale / spo2_scale_name, SPO2_SCALES: Spo2Scale {
    "scale1" => Scale1,
    "scale2" => Scale2,
});

unit_enum!(air_or_oxygen / air_or_oxygen_name, AIR_OR_OXYGEN: AirOrOxygen {
    "air" => Air,
    "oxygen" => Oxygen,
});

unit_enum!(consciousness / consciousness_name, CONSCIOUSNESS: Consciousness {
    "alert" => Alert,
    "new_confusion" => NewConfusion,
    "voice" => Voice,
    "pain" => Pain,
    "unresponsive" => Unresponsive,
});

unit_enum!(entry_status / entry_status_name, ENTRY_STATUSES: EntryStatus {
    "current" => Current,
    "entered_in_error" => EnteredInError,
});

unit_enum!(clinical_status / clinical_status_name, CLINICAL_STATUSES: ClinicalStatus {
    "active" => Active,
    "inactive" => Inactive,
    "resolved" => Resolved,
});

unit_enum!(severity / severity_name, SEVERITIES: Severity {
    "mild" => Mild,
    "moderate" => Moderate,
    "severe" => Severe,
});

unit_enum!(medication_status / medication_status_name, MEDICATION_STATUSES: MedicationStatus {
    "active" => Active,
    "stopped" => Stopped,
    "completed" => Completed,
    "on_hold" => OnHold,
});

unit_enum!(abnormal_flag / abnormal_flag_name, ABNORMAL_FLAGS: AbnormalFlag {
    "normal" => Normal,
    "low" => Low,
    "high" => High,
    "critical_low" => CriticalLow,
    "critical_high" => CriticalHigh,
    "abnormal" => Abnormal,
});

unit_enum!(document_type / document_type_name, DOCUMENT_TYPES: DocumentType {
    "discharge_summary" => DischargeSummary,
    "emergency_department" => EmergencyDepartment,
    "ambulance" => Ambulance,
    "clinic" => Clinic,
    "other" => Other,
});

unit_enum!(stay_status / stay_status_name, STAY_STATUSES: StayStatus {
    "in_progress" => InProgress,
    "finished" => Finished,
});

unit_enum!(advance_care_form / advance_care_form_name, ADVANCE_CARE_FORMS: AdvanceCareForm {
    "respect" => Respect,
    "dnacpr" => Dnacpr,
});

unit_enum!(cpr_decision / cpr_decision_name, CPR_DECISIONS: CprDecision {
    "for_cpr" => ForCpr,
    "not_for_cpr" => NotForCpr,
});

unit_enum!(about_me_topic / about_me_topic_name, ABOUT_ME_TOPICS: AboutMeTopic {
    "what_matters" => WhatMatters,
    "people" => People,
    "life_history" => LifeHistory,
    "communication" => Communication,
    "what_upsets" => WhatUpsets,
    "what_calms" => WhatCalms,
    "routines" => Routines,
});

unit_enum!(note_category / note_category_name, NOTE_CATEGORIES: NoteCategory {
    "personal_care" => PersonalCare,
    "nutrition_and_fluids" => NutritionAndFluids,
    "mood_and_behaviour" => MoodAndBehaviour,
    "social" => Social,
    "clinical" => Clinical,
    "incident" => Incident,
});

unit_enum!(correction_action / correction_action_name, CORRECTION_ACTIONS: CorrectionAction {
    "entered_in_error" => EnteredInError,
    "amended" => Amended,
});

// `#[serde(other)]`: a code from a newer server is `Other`, and its message still shows.
unit_enum!(error_code, ERROR_CODES: ErrorCode {
    "bad_request" => BadRequest,
    "invalid_credentials" => InvalidCredentials,
    "unauthenticated" => Unauthenticated,
    "forbidden" => Forbidden,
    "not_found" => NotFound,
    "conflict" => Conflict,
    "cursor_expired" => CursorExpired,
    "sequence_gap" => SequenceGap,
    "payload_too_large" => PayloadTooLarge,
    "unsupported_media_type" => UnsupportedMediaType,
    "rate_limited" => RateLimited,
    "invalid_device" => InvalidDevice,
    "device_revoked" => DeviceRevoked,
    "session_expired" => SessionExpired,
    "session_revoked" => SessionRevoked,
    "internal" => Internal,
    "unavailable" => Unavailable,
    "other" => Other,
} else Other);

fn person_name(value: JsValue) -> Result<PersonName> {
    let o = Obj::new(value)?;
    Ok(PersonName {
        given: o.at("given", string)?,
        family: o.at("family", string)?,
        preferred: o.opt("preferred", string)?,
    })
}

/// A resident, as the server sends one and as stored.
pub fn resident(value: JsValue) -> Result<Resident> {
    let o = Obj::new(value)?;
    Ok(Resident {
        id: o.at("id", person_id)?,
        home_id: o.at("home_id", home_id)?,
        nhs_number: o.at("nhs_number", nhs_number)?,
        name: o.at("name", person_name)?,
        birth_date: o.at("birth_date", date)?,
        sex: o.at("sex", sex)?,
        gp_practice: o.opt("gp_practice", string)?,
        room: o.at("room", string)?,
        admitted_on: o.at("admitted_on", date)?,
        status: o.at("status", residency_status)?,
        spo2_scale: o.or_default("spo2_scale", spo2_scale)?,
    })
}

fn coding(value: JsValue) -> Result<Coding> {
    let o = Obj::new(value)?;
    Ok(Coding {
        system: o.at("system", string)?,
        code: o.at("code", string)?,
    })
}

fn concept(value: JsValue) -> Result<Concept> {
    let o = Obj::new(value)?;
    Ok(Concept {
        text: o.at("text", string)?,
        coding: o.opt("coding", coding)?,
    })
}

fn provenance(value: JsValue) -> Result<Provenance> {
    let o = Obj::new(value)?;
    Ok(Provenance {
        organisation: o.at("organisation", string)?,
        ods_code: o.opt("ods_code", string)?,
        system: o.opt("system", string)?,
        source_id: o.opt("source_id", string)?,
        author: o.opt("author", string)?,
        authored_at: o.at("authored_at", time)?,
        received_at: o.at("received_at", time)?,
    })
}

fn lab_value(value: JsValue) -> Result<LabValue> {
    let o = Obj::new(value)?;
    Ok(match o.tag("type")?.as_str() {
        "quantity" => LabValue::Quantity {
            value: o.at("value", float)?,
            unit: o.at("unit", string)?,
        },
        "text" => LabValue::Text {
            text: o.at("text", string)?,
        },
        _ => return Err(invalid("a known lab value type")),
    })
}

fn reference_range(value: JsValue) -> Result<ReferenceRange> {
    let o = Obj::new(value)?;
    Ok(ReferenceRange {
        low: o.opt("low", float)?,
        high: o.opt("high", float)?,
        text: o.opt("text", string)?,
    })
}

fn document_section(value: JsValue) -> Result<DocumentSection> {
    let o = Obj::new(value)?;
    Ok(DocumentSection {
        title: o.at("title", string)?,
        text: o.at("text", string)?,
    })
}

fn attachment(value: JsValue) -> Result<Attachment> {
    let o = Obj::new(value)?;
    Ok(Attachment {
        id: o.at("id", string)?,
        content_type: o.at("content_type", string)?,
        title: o.opt("title", string)?,
        size: o.opt("size", u64_)?,
    })
}

fn observations(value: JsValue) -> Result<Observations> {
    let o = Obj::new(value)?;
    Ok(Observations {
        respiration_rate: o.at("respiration_rate", u16_)?,
        spo2: o.at("spo2", u16_)?,
        air_or_oxygen: o.at("air_or_oxygen", air_or_oxygen)?,
        systolic_bp: o.at("systolic_bp", u16_)?,
        pulse: o.at("pulse", u16_)?,
        consciousness: o.at("consciousness", consciousness)?,
        temperature_tenths: o.at("temperature_tenths", i16_)?,
    })
}

fn score(value: JsValue) -> Result<Score> {
    let o = Obj::new(value)?;
    Ok(Score {
        respiration_rate: o.at("respiration_rate", u8_)?,
        spo2: o.at("spo2", u8_)?,
        air_or_oxygen: o.at("air_or_oxygen", u8_)?,
        systolic_bp: o.at("systolic_bp", u8_)?,
        pulse: o.at("pulse", u8_)?,
        consciousness: o.at("consciousness", u8_)?,
        temperature: o.at("temperature", u8_)?,
        total: o.at("total", u8_)?,
    })
}

fn resolution(value: JsValue) -> Result<Resolution> {
    let o = Obj::new(value)?;
    Ok(Resolution {
        accepted: o.at("accepted", boolean)?,
        by: o.at("by", string)?,
        at: o.at("at", time)?,
    })
}

fn boxed_body(value: JsValue) -> Result<Box<EntryBody>> {
    body(value).map(Box::new)
}

/// An entry's body. A kind this version does not know is [`EntryBody::Unknown`], as the
/// domain's own reading makes it.
pub fn body(value: JsValue) -> Result<EntryBody> {
    let o = Obj::new(value)?;
    Ok(match o.tag("kind")?.as_str() {
        "allergy" => EntryBody::Allergy {
            substance: o.at("substance", concept)?,
            reaction: o.opt("reaction", string)?,
            severity: o.opt("severity", severity)?,
            clinical_status: o.at("clinical_status", clinical_status)?,
        },
        "no_known_allergies" => EntryBody::NoKnownAllergies {},
        "condition" => EntryBody::Condition {
            name: o.at("name", concept)?,
            clinical_status: o.at("clinical_status", clinical_status)?,
            onset: o.opt("onset", date)?,
            note: o.opt("note", string)?,
        },
        "medication_order" => EntryBody::MedicationOrder {
            medicine: o.at("medicine", concept)?,
            dosage: o.opt("dosage", string)?,
            prescribed_on: o.at("prescribed_on", date)?,
            prescriber: o.opt("prescriber", string)?,
            status: o.at("status", medication_status)?,
        },
        "medication_supply" => EntryBody::MedicationSupply {
            medicine: o.at("medicine", concept)?,
            dispensed_on: o.at("dispensed_on", date)?,
            quantity: o.opt("quantity", string)?,
            dispenser: o.at("dispenser", string)?,
        },
        "lab_result" => EntryBody::LabResult {
            test: o.at("test", concept)?,
            value: o.at("value", lab_value)?,
            reference_range: o.opt("reference_range", reference_range)?,
            flag: o.opt("flag", abnormal_flag)?,
            taken_at: o.at("taken_at", time)?,
            panel: o.opt("panel", string)?,
        },
        "diagnostic_report" => EntryBody::DiagnosticReport {
            title: o.at("title", string)?,
            conclusion: o.at("conclusion", string)?,
            performed_at: o.at("performed_at", time)?,
        },
        "document" => EntryBody::Document {
            doc_type: o.at("doc_type", document_type)?,
            title: o.at("title", string)?,
            period_start: o.opt("period_start", date)?,
            period_end: o.opt("period_end", date)?,
            sections: o.at("sections", |v| seq(v, document_section))?,
            attachments: o.or_default("attachments", |v| seq(v, attachment))?,
        },
        "hospital_stay" => EntryBody::HospitalStay {
            hospital: o.at("hospital", string)?,
            ward: o.opt("ward", string)?,
            admitted_on: o.at("admitted_on", date)?,
            reason: o.opt("reason", string)?,
            expected_discharge: o.opt("expected_discharge", date)?,
            discharged_on: o.opt("discharged_on", date)?,
            status: o.at("status", stay_status)?,
        },
        "advance_care_plan" => EntryBody::AdvanceCarePlan {
            form: o.at("form", advance_care_form)?,
            cpr: o.at("cpr", cpr_decision)?,
            recommendations: o.opt("recommendations", string)?,
            agreed_on: o.at("agreed_on", date)?,
            review_on: o.opt("review_on", date)?,
        },
        "care_plan_section" => EntryBody::CarePlanSection {
            area: o.at("area", string)?,
            need: o.at("need", string)?,
            goal: o.at("goal", string)?,
            support: o.at("support", string)?,
            preferences: o.opt("preferences", string)?,
            review_on: o.opt("review_on", date)?,
        },
        "about_me_section" => EntryBody::AboutMeSection {
            topic: o.at("topic", about_me_topic)?,
            text: o.at("text", string)?,
        },
        "care_note" => EntryBody::CareNote {
            category: o.at("category", note_category)?,
            text: o.at("text", string)?,
        },
        "observation_set" => EntryBody::ObservationSet {
            observations: o.at("observations", observations)?,
            scale: o.at("scale", spo2_scale)?,
            score: o.at("score", score)?,
            taken_at: o.at("taken_at", time)?,
        },
        "correction" => EntryBody::Correction {
            target: o.at("target", entry_id)?,
            action: o.at("action", correction_action)?,
            reason: o.at("reason", string)?,
        },
        "section_proposal" => EntryBody::SectionProposal {
            target: o.at("target", entry_id)?,
            base_version: o.at("base_version", u32_)?,
            body: o.at("body", boxed_body)?,
            resolution: o.opt("resolution", resolution)?,
        },
        _ => EntryBody::Unknown,
    })
}

/// An entry, as stored or as the server sent it.
pub fn entry(value: JsValue) -> Result<Entry> {
    let o = Obj::new(value)?;
    Ok(Entry {
        id: o.at("id", entry_id)?,
        person_id: o.at("person_id", person_id)?,
        version: o.at("version", u32_)?,
        status: o.or_default("status", entry_status)?,
        provenance: o.at("provenance", provenance)?,
        body: o.at("body", body)?,
    })
}

fn allergy_state(value: JsValue) -> Result<AllergyState> {
    let o = Obj::new(value)?;
    Ok(match o.tag("state")?.as_str() {
        "not_recorded" => AllergyState::NotRecorded,
        "no_known_allergies" => AllergyState::NoKnownAllergies,
        "allergies" => AllergyState::Allergies {
            substances: o.at("substances", strings)?,
        },
        _ => return Err(invalid("a known allergy state")),
    })
}

fn cpr_state(value: JsValue) -> Result<CprState> {
    let o = Obj::new(value)?;
    Ok(match o.tag("state")?.as_str() {
        "not_recorded" => CprState::NotRecorded,
        "recorded" => CprState::Recorded {
            form: o.at("form", advance_care_form)?,
            cpr: o.at("cpr", cpr_decision)?,
            agreed_on: o.at("agreed_on", date)?,
        },
        _ => return Err(invalid("a known CPR state")),
    })
}

fn hospital_state(value: JsValue) -> Result<HospitalState> {
    let o = Obj::new(value)?;
    Ok(HospitalState {
        hospital: o.opt("hospital", string)?,
        ward: o.opt("ward", string)?,
        since: o.opt("since", date)?,
    })
}

fn banner(value: JsValue) -> Result<Banner> {
    let o = Obj::new(value)?;
    Ok(Banner {
        allergies: o.at("allergies", allergy_state)?,
        cpr: o.at("cpr", cpr_state)?,
        in_hospital: o.opt("in_hospital", hospital_state)?,
    })
}

/// A resident with their banner, as stored.
pub fn stored_resident(value: JsValue) -> Result<StoredResident> {
    let o = Obj::new(value)?;
    Ok(StoredResident {
        resident: o.at("resident", resident)?,
        banner: o.at("banner", banner)?,
    })
}

fn section_key(value: JsValue) -> Result<SectionKey> {
    let o = Obj::new(value)?;
    Ok(match o.tag("type")?.as_str() {
        "care_plan" => SectionKey::CarePlan {
            area: o.at("area", string)?,
        },
        "about_me" => SectionKey::AboutMe {
            topic: o.at("topic", about_me_topic)?,
        },
        _ => return Err(invalid("a known section")),
    })
}

fn mutation_op(value: JsValue) -> Result<MutationOp> {
    let o = Obj::new(value)?;
    Ok(match o.tag("type")?.as_str() {
        "add_note" => MutationOp::AddNote {
            person_id: o.at("person_id", person_id)?,
            category: o.at("category", note_category)?,
            text: o.at("text", string)?,
        },
        "add_observations" => MutationOp::AddObservations {
            person_id: o.at("person_id", person_id)?,
            observations: o.at("observations", observations)?,
            taken_at: o.at("taken_at", time)?,
        },
        "correct" => MutationOp::Correct {
            entry_id: o.at("entry_id", entry_id)?,
            action: o.at("action", correction_action)?,
            reason: o.at("reason", string)?,
            body: o.opt("body", body)?,
        },
        "edit_section" => MutationOp::EditSection {
            person_id: o.at("person_id", person_id)?,
            section: o.at("section", section_key)?,
            base_version: o.opt("base_version", u32_)?,
            body: o.at("body", body)?,
        },
        "resolve_section" => MutationOp::ResolveSection {
            proposal_id: o.at("proposal_id", entry_id)?,
            accept: o.at("accept", boolean)?,
        },
        _ => return Err(invalid("a known mutation")),
    })
}

fn mutation(value: JsValue) -> Result<Mutation> {
    let o = Obj::new(value)?;
    Ok(Mutation {
        id: o.at("id", uuid)?,
        device_seq: o.at("device_seq", u64_)?,
        created_at: o.at("created_at", time)?,
        op: o.at("op", mutation_op)?,
    })
}

/// What became of a mutation.
pub fn outcome(value: JsValue) -> Result<Outcome> {
    let o = Obj::new(value)?;
    Ok(match o.tag("outcome")?.as_str() {
        "applied" => Outcome::Applied {
            entry_id: o.at("entry_id", entry_id)?,
        },
        "conflict" => Outcome::Conflict {
            entry_id: o.at("entry_id", entry_id)?,
        },
        "rejected" => Outcome::Rejected {
            reason: o.at("reason", string)?,
        },
        _ => return Err(invalid("a known outcome")),
    })
}

fn outbox_state(value: JsValue) -> Result<OutboxState> {
    let o = Obj::new(value)?;
    Ok(match o.tag("state")?.as_str() {
        "saved" => OutboxState::Saved,
        "waiting" => OutboxState::Waiting {
            attempts: o.at("attempts", u32_)?,
            last_attempt: o.at("last_attempt", time)?,
        },
        "confirmed" => OutboxState::Confirmed {
            outcome: o.at("outcome", outcome)?,
        },
        _ => return Err(invalid("a known outbox state")),
    })
}

/// An outbox row.
pub fn outbox_item(value: JsValue) -> Result<OutboxItem> {
    let o = Obj::new(value)?;
    Ok(OutboxItem {
        mutation: o.at("mutation", mutation)?,
        state: o.at("state", outbox_state)?,
    })
}

/// A snapshot page as the browser parsed it.
pub fn snapshot_page(parsed: &JsValue) -> Result<SnapshotPage> {
    let pinned = cursor(field(parsed, "pinned").ok_or_else(|| missing("pinned"))?)?;
    let residents = match field(parsed, "residents") {
        Some(list) => seq(list, resident)?,
        None => Vec::new(),
    };
    let entries = list(field(parsed, "entries"))
        .ok_or_else(|| missing("entries"))?
        .iter()
        .map(entry)
        .collect::<Result<Vec<_>>>()?;
    let next = match field(parsed, "next") {
        Some(n) if !n.is_null() => Some(string(n)?),
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
                id: uuid(field(&r, "id").ok_or_else(|| missing("id"))?)?,
                outcome: outcome(field(&r, "outcome").ok_or_else(|| missing("outcome"))?)?,
                duplicate: field(&r, "duplicate")
                    .and_then(|d| d.as_bool())
                    .unwrap_or(false),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let next_device_seq =
        u64_(field(parsed, "next_device_seq").ok_or_else(|| missing("next_device_seq"))?)?;
    Ok(PushResponse {
        results,
        next_device_seq,
    })
}

/// `GET /api/v1/sync/status`'s answer.
pub fn sync_status(value: JsValue) -> Result<SyncStatus> {
    let o = Obj::new(value)?;
    Ok(SyncStatus {
        head: o.at("head", cursor)?,
        floor: o.at("floor", u64_)?,
        server_time: o.at("server_time", time)?,
    })
}

/// A 409 answer to a push: the device sequence number the server expects.
pub fn sequence_gap(value: JsValue) -> Result<SequenceGap> {
    let o = Obj::new(value)?;
    Ok(SequenceGap {
        code: o.at("code", string)?,
        message: o.at("message", string)?,
        expected: o.at("expected", u64_)?,
    })
}

/// The body of every error answer from `/api/…`.
pub fn api_error(value: JsValue) -> Result<ApiError> {
    let o = Obj::new(value)?;
    Ok(ApiError {
        code: o.at("code", error_code)?,
        message: o.at("message", string)?,
    })
}

/// A sign-in's or a refresh's answer: a [`LoginResponse`] with the refresh token beside
/// it in the same object.
pub fn sign_in_response(value: JsValue) -> Result<SignInResponse> {
    let o = Obj::new(value)?;
    Ok(SignInResponse {
        refresh_token: o.at("refresh_token", string)?,
        refresh_expires_at: o.at("refresh_expires_at", time)?,
        device_unlock_key: o.opt("device_unlock_key", string)?,
        login: login_response(o.0)?,
    })
}

/// Who signed in and their access token (also the part of a stored session the app's
/// pages use).
pub fn login_response(value: JsValue) -> Result<LoginResponse> {
    let o = Obj::new(value)?;
    Ok(LoginResponse {
        token: o.at("token", string)?,
        expires_at: o.at("expires_at", time)?,
        staff: o.at("staff", staff_info)?,
    })
}

fn role(value: JsValue) -> Result<Role> {
    Role::parse(&variant(value)?).ok_or_else(|| invalid("a known role"))
}

pub(crate) fn staff_id(value: JsValue) -> Result<StaffId> {
    uuid(value).map(StaffId)
}

/// A home, as the server sends one and as `meta` keeps it.
pub(crate) fn home_info(value: JsValue) -> Result<HomeInfo> {
    let o = Obj::new(value)?;
    Ok(HomeInfo {
        id: o.at("id", home_id)?,
        name: o.at("name", string)?,
    })
}

pub(crate) fn staff_info(value: JsValue) -> Result<StaffInfo> {
    let o = Obj::new(value)?;
    Ok(StaffInfo {
        id: o.at("id", staff_id)?,
        username: o.at("username", string)?,
        role: o.at("role", role)?,
        home: o.at("home", home_info)?,
    })
}

/// A stored session (opened from its keyring row). Sessions stored before refresh
/// tokens have none of the optional fields.
pub fn stored_session(value: JsValue) -> Result<StoredSession> {
    let o = Obj::new(value)?;
    Ok(StoredSession {
        token: o.at("token", string)?,
        expires_at: o.at("expires_at", time)?,
        staff: o.at("staff", staff_info)?,
        refresh_token: o.opt("refresh_token", string)?,
        refresh_expires_at: o.opt("refresh_expires_at", time)?,
        received_at: o.opt("received_at", time)?,
        sign_in: o.opt("sign_in", string)?,
    })
}

/// A snapshot in progress, as `meta` keeps it.
pub fn snapshot_progress(value: JsValue) -> Result<SnapshotProgress> {
    let o = Obj::new(value)?;
    Ok(SnapshotProgress {
        home: o.at("home", home_id)?,
        pinned: o.at("pinned", cursor)?,
        next: o.opt("next", string)?,
        pages: o.at("pages", u32_)?,
        sweep: o.at("sweep", boolean)?,
    })
}

/// A member of staff's outbox lane, as `meta` keeps it.
pub fn lane(value: JsValue) -> Result<Lane> {
    let o = Obj::new(value)?;
    Ok(Lane {
        device_id: o.at("device_id", uuid)?,
        device_seq: o.at("device_seq", u64_)?,
        last_confirmed_seq: o.at("last_confirmed_seq", u64_)?,
        rev: o.or_default("rev", u64_)?,
    })
}

/// A version 2 tablet's outbox author and numbers, as `meta` keeps them.
pub fn legacy_lane(value: JsValue) -> Result<LegacyLane> {
    let o = Obj::new(value)?;
    Ok(LegacyLane {
        staff: o.opt("staff", staff_info)?,
        device_id: o.opt("device_id", uuid)?,
        device_seq: o.at("device_seq", u64_)?,
        last_confirmed_seq: o.at("last_confirmed_seq", u64_)?,
    })
}

/// Who was signed in on a version 2 tablet: the `staff` of its plaintext session.
pub(crate) fn v2_session_staff(value: JsValue) -> Result<StaffInfo> {
    Obj::new(value)?.at("staff", staff_info)
}

/// The tablet's enrolment (its keyring row; the device key beside it is not read here).
pub fn enrolment(value: JsValue) -> Result<Enrolment> {
    let o = Obj::new(value)?;
    Ok(Enrolment {
        device: o.at("device", device)?,
        home: o.at("home", home_info)?,
    })
}

fn bytes(value: JsValue) -> Result<Vec<u8>> {
    seq(value, u8_)
}

/// A wrapped data key as the keyring keeps it: `{bytes: [..]}`.
pub(crate) fn wrapped_key(value: JsValue) -> Result<WrappedKey> {
    Ok(WrappedKey {
        bytes: Obj::new(value)?.at("bytes", bytes)?,
    })
}

fn salt(value: JsValue) -> Result<Salt> {
    bytes(value)?
        .try_into()
        .map(Salt)
        .map_err(|_| invalid("a salt"))
}

/// A PIN's keyring row.
pub(crate) fn pin_record(value: JsValue) -> Result<PinRecord> {
    let o = Obj::new(value)?;
    Ok(PinRecord {
        staff: o.at("staff", staff_info)?,
        salt: o.at("salt", salt)?,
        iterations: o.at("iterations", u32_)?,
        wrapped: o.opt("wrapped", wrapped_key)?,
        failures: o.at("failures", u8_)?,
    })
}

/// The tablet's settings row.
pub(crate) fn settings(value: JsValue) -> Result<Settings> {
    Ok(Settings {
        idle_minutes: Obj::new(value)?.at("idle_minutes", u32_)?,
    })
}

/// One view of a record, opened from its audit row.
pub fn audit_view(value: JsValue) -> Result<AuditView> {
    let o = Obj::new(value)?;
    Ok(AuditView {
        id: o.at("id", uuid)?,
        person_id: o.at("person_id", person_id)?,
        part: o.at("part", |v| {
            AuditPart::parse(&variant(v)?).ok_or_else(|| invalid("a known part"))
        })?,
        at: o.at("at", time)?,
        mode: o.at("mode", |v| {
            AuditMode::parse(&variant(v)?).ok_or_else(|| invalid("a known mode"))
        })?,
    })
}

/// The answer to an enrolment: the tablet, its secret and its unlock key.
pub fn enrolled_device(value: JsValue) -> Result<EnrolledDevice> {
    let o = Obj::new(value)?;
    Ok(EnrolledDevice {
        device: o.at("device", device)?,
        secret: o.at("secret", string)?,
        unlock_key: o.at("unlock_key", string)?,
    })
}

fn device(value: JsValue) -> Result<Device> {
    let o = Obj::new(value)?;
    Ok(Device {
        id: o.at("id", |v| uuid(v).map(DeviceId))?,
        name: o.at("name", string)?,
        enrolled_at: o.at("enrolled_at", time)?,
        enrolled_by: o.at("enrolled_by", string)?,
        last_contact: o.opt("last_contact", time)?,
        revoked_at: o.opt("revoked_at", time)?,
    })
}

/// The answer to an upload of views for the access log.
pub fn audit_upload_result(value: JsValue) -> Result<AuditUploadResult> {
    let o = Obj::new(value)?;
    Ok(AuditUploadResult {
        stored: o.at("stored", u32_)?,
        already_held: o.at("already_held", u32_)?,
        refused: o.at("refused", |v| seq(v, audit_refusal))?,
    })
}

fn audit_refusal(value: JsValue) -> Result<AuditRefusal> {
    let o = Obj::new(value)?;
    Ok(AuditRefusal {
        id: o.at("id", uuid)?,
        code: o.at("code", |v| {
            Ok(match variant(v)?.as_str() {
                "not_found" => AuditRefusalCode::NotFound,
                "invalid" => AuditRefusalCode::Invalid,
                "duplicate" => AuditRefusalCode::Duplicate,
                _ => AuditRefusalCode::Other,
            })
        })?,
        message: o.at("message", string)?,
    })
}

/// Fails to compile when the domain gains a variant of a tagged enum that these readers
/// do not know, so one is never read as something else (or as unknown) by mistake.
#[allow(dead_code)]
fn every_variant_is_read(body: &EntryBody, lab: &LabValue, op: &MutationOp, section: &SectionKey) {
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
    match section {
        SectionKey::CarePlan { .. } | SectionKey::AboutMe { .. } => {}
    }
}

/// The same for the tagged states and outcomes.
#[allow(dead_code)]
fn every_state_is_read(
    state: &OutboxState,
    outcome: &Outcome,
    allergies: &AllergyState,
    cpr: &CprState,
) {
    match state {
        OutboxState::Saved | OutboxState::Waiting { .. } | OutboxState::Confirmed { .. } => {}
    }
    match outcome {
        Outcome::Applied { .. } | Outcome::Conflict { .. } | Outcome::Rejected { .. } => {}
    }
    match allergies {
        AllergyState::NotRecorded
        | AllergyState::NoKnownAllergies
        | AllergyState::Allergies { .. } => {}
    }
    match cpr {
        CprState::NotRecorded | CprState::Recorded { .. } => {}
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
pub(crate) mod tests {
    use bedside_domain::news2::score;
    use bedside_domain::record::EntryKind;
    use chrono::TimeZone;
    use serde::Serialize;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    pub(crate) fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, h, 41, 7)
            .single()
            .expect("valid")
    }

    pub(crate) fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid")
    }

    pub(crate) fn id(n: u128) -> EntryId {
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

    pub(crate) fn obs() -> Observations {
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

    pub(crate) fn care_plan(area: &str, preferences: Option<&str>) -> EntryBody {
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
    pub(crate) fn bodies() -> Vec<EntryBody> {
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
        .into_iter()
        .chain(every_optional_part())
        .collect()
    }

    /// Bodies with every optional field present, so a reader that misspells one's name
    /// (and so reads it as absent) fails the round trip.
    pub(crate) fn every_optional_part() -> Vec<EntryBody> {
        vec![
            EntryBody::Condition {
                name: Concept::text("Gout"),
                clinical_status: ClinicalStatus::Resolved,
                onset: Some(day(2)),
                note: Some("Left foot".into()),
            },
            EntryBody::MedicationOrder {
                medicine: Concept::text("Paracetamol"),
                dosage: Some("1 g four times a day".into()),
                prescribed_on: day(2),
                prescriber: Some("Dr Example".into()),
                status: MedicationStatus::Active,
            },
            EntryBody::MedicationSupply {
                medicine: Concept::text("Paracetamol"),
                dispensed_on: day(3),
                quantity: Some("100 tablets".into()),
                dispenser: "High Street Pharmacy".into(),
            },
            EntryBody::LabResult {
                test: Concept::text("eGFR"),
                value: LabValue::Quantity {
                    value: 61.0,
                    unit: "mL/min".into(),
                },
                reference_range: Some(ReferenceRange {
                    low: Some(60.0),
                    high: Some(120.5),
                    text: Some("60 to 120".into()),
                }),
                flag: Some(AbnormalFlag::CriticalLow),
                taken_at: at(8),
                panel: None,
            },
            EntryBody::Document {
                doc_type: DocumentType::EmergencyDepartment,
                title: "ED summary".into(),
                period_start: Some(day(4)),
                period_end: Some(day(5)),
                sections: vec![],
                attachments: vec![Attachment {
                    id: "a2".into(),
                    content_type: "application/pdf".into(),
                    title: Some("Letter".into()),
                    size: None,
                }],
            },
            EntryBody::HospitalStay {
                hospital: "St Thomas'".into(),
                ward: Some("Ward 7".into()),
                admitted_on: day(5),
                reason: None,
                expected_discharge: Some(day(12)),
                discharged_on: None,
                status: StayStatus::InProgress,
            },
            EntryBody::AdvanceCarePlan {
                form: AdvanceCareForm::Dnacpr,
                cpr: CprDecision::ForCpr,
                recommendations: Some("Hospital if needed.".into()),
                agreed_on: day(6),
                review_on: None,
            },
        ]
    }

    pub(crate) fn entry_of(n: u128, body: EntryBody) -> Entry {
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
                system: n.is_multiple_of(3).then(|| "EMIS".into()),
                source_id: n.is_multiple_of(3).then(|| "emis-42".into()),
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

    pub(crate) fn mutation(n: u128, op: MutationOp) -> Mutation {
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
            gp_practice: Some("Riverside Surgery".into()),
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
                in_hospital: Some(HospitalState {
                    hospital: Some("St Thomas'".into()),
                    ward: None,
                    since: None,
                }),
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

    /// What a test sets a property to: removed (`None`), or a value of each kind.
    fn replacements() -> Vec<(&'static str, Option<JsValue>)> {
        vec![
            ("removed", None),
            ("null", Some(JsValue::NULL)),
            ("undefined", Some(JsValue::UNDEFINED)),
            ("-1", Some(JsValue::from_f64(-1.0))),
            ("0", Some(JsValue::from_f64(0.0))),
            ("2.5", Some(JsValue::from_f64(2.5))),
            ("300", Some(JsValue::from_f64(300.0))),
            ("70000", Some(JsValue::from_f64(70_000.0))),
            ("2^53", Some(JsValue::from_f64(9_007_199_254_740_992.0))),
            ("a BigInt", Some(js_sys::BigInt::from(7u64).into())),
            ("a string", Some(JsValue::from_str("zzz"))),
            ("a date", Some(JsValue::from_str("2026-11-25"))),
            ("true", Some(JsValue::TRUE)),
            ("[]", Some(Array::new().into())),
            ("[\"x\"]", Some(Array::of1(&JsValue::from_str("x")).into())),
            ("{}", Some(Object::new().into())),
        ]
    }

    /// The path to every property of `value`, at any depth (array items by index).
    fn paths(value: &JsValue, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if !value.is_object() {
            return;
        }
        for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().expect("a key");
            let child = Reflect::get(value, &JsValue::from_str(&key)).expect("readable");
            prefix.push(key);
            out.push(prefix.clone());
            paths(&child, prefix, out);
            prefix.pop();
        }
    }

    /// Removes the property at `path`, or sets it to `to`.
    fn change(root: &JsValue, path: &[String], to: Option<&JsValue>) {
        let (last, parents) = path.split_last().expect("a path");
        let mut parent = root.clone();
        for key in parents {
            parent = Reflect::get(&parent, &JsValue::from_str(key)).expect("there");
        }
        let key = JsValue::from_str(last);
        match to {
            None => {
                Reflect::delete_property(parent.unchecked_ref::<Object>(), &key).expect("removes");
            }
            Some(v) => {
                Reflect::set(&parent, &key, v).expect("sets");
            }
        }
    }

    /// Whether the property at `path` of `root` is an internally tagged enum or inside
    /// one. serde reads those through its intermediate form, which differs from its
    /// direct reading (and these readers, and the tag-first readers before them) in two
    /// ways: it reads a struct or tagged enum from an array, by position, where the direct
    /// reading looks the fields up by name on the array; and it takes a `BigInt` for an
    /// integer narrower than `u64`.
    fn within_tagged(root: &JsValue, path: &[String]) -> bool {
        let mut value = root.clone();
        for key in path {
            let tagged = ["kind", "type", "state", "outcome", "op"]
                .iter()
                .any(|tag| field(&value, tag).is_some_and(|t| t.is_string()));
            if tagged {
                return true;
            }
            value = Reflect::get(&value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
        }
        value.is_object()
            && ["kind", "type", "state", "outcome", "op"]
                .iter()
                .any(|tag| field(&value, tag).is_some_and(|t| t.is_string()))
    }

    /// Reads `value` in both its forms, and every value one property away from them (at
    /// any depth: removed, `null`, `undefined`, a value of another kind), with `read` and
    /// with serde's derived reader, and checks they agree: the same value, or both an
    /// error. The exceptions are serde's intermediate form's ([`within_tagged`]) and what
    /// `differs` allows. Returns how many values were compared.
    pub(crate) fn agrees_with_serde_but<T>(
        value: &T,
        read: impl Fn(JsValue) -> Result<T>,
        differs: impl Fn(&str, &str) -> bool,
    ) -> usize
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let mut compared = 0;
        for (_, to) in replacements() {
            let whole = to.unwrap_or(JsValue::UNDEFINED);
            let theirs = serde_wasm_bindgen::from_value::<T>(whole.clone()).ok();
            assert_eq!(read(whole.clone()).ok(), theirs, "{whole:?}");
            compared += 1;
        }
        for form in 0..2 {
            let fresh = || forms(value).into_iter().nth(form).expect("two forms");
            assert_eq!(read(fresh()).ok().as_ref(), Some(value), "form {form}");
            let mut all = Vec::new();
            paths(&fresh(), &mut Vec::new(), &mut all);
            for path in &all {
                for (label, to) in replacements() {
                    let changed = fresh();
                    change(&changed, path, to.as_ref());
                    let theirs = serde_wasm_bindgen::from_value::<T>(changed.clone()).ok();
                    let ours = read(changed).ok();
                    let at = path.join(".");
                    let quirk = match label {
                        "[\"x\"]" => within_tagged(&fresh(), path),
                        "a BigInt" => ours.is_none() && within_tagged(&fresh(), path),
                        _ => false,
                    };
                    if ours != theirs && !quirk && !differs(&at, label) {
                        panic!("{at} {label} (form {form}): {ours:?}, serde: {theirs:?}");
                    }
                    compared += 1;
                }
            }
        }
        compared
    }

    pub(crate) fn agrees_with_serde<T>(value: &T, read: impl Fn(JsValue) -> Result<T>) -> usize
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        agrees_with_serde_but(value, read, |_, _| false)
    }

    #[test]
    fn sessions_meta_and_keyring_rows_and_bad_ones_read_as_serde_reads_them() {
        let home = HomeInfo {
            id: HomeId(Uuid::from_u128(2)),
            name: "Oak Lodge".into(),
        };
        let staff = StaffInfo {
            id: StaffId(Uuid::from_u128(3)),
            username: "oak.senior".into(),
            role: Role::Senior,
            home: home.clone(),
        };
        let session = StoredSession {
            token: "t1".into(),
            expires_at: at(9),
            staff: staff.clone(),
            refresh_token: Some("r1".into()),
            refresh_expires_at: Some(at(10)),
            received_at: Some(at(8)),
            sign_in: Some("s1".into()),
        };
        let mut compared = agrees_with_serde(&session, stored_session);
        compared += agrees_with_serde(&session.login(), login_response);
        compared += agrees_with_serde(&home, home_info);
        compared += agrees_with_serde(
            &SnapshotProgress {
                home: home.id,
                pinned: "e1.42".parse().expect("cursor"),
                next: Some("p2".into()),
                pages: 3,
                sweep: false,
            },
            snapshot_progress,
        );
        compared += agrees_with_serde(
            &Lane {
                device_id: Uuid::from_u128(6),
                device_seq: 12,
                last_confirmed_seq: 11,
                rev: 2,
            },
            lane,
        );
        compared += agrees_with_serde(
            &LegacyLane {
                staff: Some(staff.clone()),
                device_id: Some(Uuid::from_u128(6)),
                device_seq: 4,
                last_confirmed_seq: 2,
            },
            legacy_lane,
        );
        compared += agrees_with_serde(
            &Enrolment {
                device: Device {
                    id: DeviceId(Uuid::from_u128(5)),
                    name: "Lounge".into(),
                    enrolled_at: at(7),
                    enrolled_by: "oak.manager".into(),
                    last_contact: Some(at(8)),
                    revoked_at: None,
                },
                home,
            },
            enrolment,
        );
        let key = WrappedKey {
            bytes: vec![1, 2, 250],
        };
        compared += agrees_with_serde(&key, wrapped_key);
        compared += agrees_with_serde(
            &PinRecord {
                staff,
                salt: Salt([9; 16]),
                iterations: 1000,
                wrapped: Some(key),
                failures: 1,
            },
            pin_record,
        );
        compared += agrees_with_serde(&Settings { idle_minutes: 5 }, settings);
        compared += agrees_with_serde(
            &AuditView {
                id: Uuid::from_u128(1),
                person_id: PersonId(Uuid::from_u128(2)),
                part: AuditPart::Handover,
                at: at(8),
                mode: AuditMode::Offline,
            },
            audit_view,
        );
        assert!(compared > 2_000, "{compared}");
    }

    #[test]
    fn entries_and_bad_entries_read_as_serde_reads_them() {
        let mut compared = 0;
        for (n, b) in bodies().into_iter().enumerate() {
            compared += agrees_with_serde(&entry_of(n as u128 + 10, b), entry);
        }
        assert!(compared > 10_000, "{compared}");
    }

    #[test]
    fn residents_outbox_rows_and_bad_ones_read_as_serde_reads_them() {
        let mut outbox = 0;
        for op in [
            MutationOp::AddNote {
                person_id: PersonId(Uuid::from_u128(1)),
                category: NoteCategory::Clinical,
                text: "Chesty cough.".into(),
            },
            MutationOp::AddObservations {
                person_id: PersonId(Uuid::from_u128(1)),
                observations: obs(),
                taken_at: at(8),
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
                person_id: PersonId(Uuid::from_u128(1)),
                section: SectionKey::AboutMe {
                    topic: AboutMeTopic::Communication,
                },
                base_version: Some(2),
                body: EntryBody::AboutMeSection {
                    topic: AboutMeTopic::Communication,
                    text: "Hard of hearing on the left.".into(),
                },
            },
            MutationOp::EditSection {
                person_id: PersonId(Uuid::from_u128(1)),
                section: SectionKey::CarePlan {
                    area: "Mobility".into(),
                },
                base_version: None,
                body: care_plan("Mobility", None),
            },
            MutationOp::ResolveSection {
                proposal_id: id(8),
                accept: false,
            },
        ] {
            for state in [
                OutboxState::Saved,
                OutboxState::Waiting {
                    attempts: 2,
                    last_attempt: at(10),
                },
                OutboxState::Confirmed {
                    outcome: Outcome::Conflict { entry_id: id(3) },
                },
                OutboxState::Confirmed {
                    outcome: Outcome::Rejected {
                        reason: "No".into(),
                    },
                },
            ] {
                let item = OutboxItem {
                    mutation: mutation(7, op.clone()),
                    state,
                };
                outbox += agrees_with_serde(&item, outbox_item);
            }
        }
        assert!(outbox > 1_000, "{outbox}");

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
            sex: Sex::Unknown,
            gp_practice: Some("Riverside Surgery".into()),
            room: "4".into(),
            admitted_on: day(2),
            status: ResidencyStatus::OnLeave,
            spo2_scale: Spo2Scale::Scale2,
        };
        agrees_with_serde(&resident, resident_reader);
        agrees_with_serde(
            &StoredResident {
                resident,
                banner: Banner {
                    allergies: AllergyState::Allergies {
                        substances: vec!["Latex".into()],
                    },
                    cpr: CprState::Recorded {
                        form: AdvanceCareForm::Respect,
                        cpr: CprDecision::NotForCpr,
                        agreed_on: day(3),
                    },
                    in_hospital: Some(HospitalState {
                        hospital: Some("St Thomas'".into()),
                        ward: Some("7".into()),
                        since: Some(day(4)),
                    }),
                },
            },
            stored_resident,
        );
    }

    fn resident_reader(value: JsValue) -> Result<Resident> {
        resident(value)
    }

    #[test]
    fn server_answers_and_bad_ones_read_as_serde_reads_them() {
        use bedside_domain::StaffId;
        use bedside_domain::api::{HomeInfo, Role, StaffInfo};

        agrees_with_serde(
            &SignInResponse {
                login: LoginResponse {
                    token: "synthetic-access".into(),
                    expires_at: at(9),
                    staff: StaffInfo {
                        id: StaffId(Uuid::from_u128(3)),
                        username: "oak.senior".into(),
                        role: Role::Senior,
                        home: HomeInfo {
                            id: HomeId(Uuid::from_u128(2)),
                            name: "Oak Lodge".into(),
                        },
                    },
                },
                refresh_token: "synthetic-refresh".into(),
                refresh_expires_at: at(21),
                device_unlock_key: Some("synthetic-unlock".into()),
            },
            sign_in_response,
        );
        for revoked in [None, Some(at(23))] {
            agrees_with_serde(
                &EnrolledDevice {
                    device: Device {
                        id: DeviceId(Uuid::from_u128(8)),
                        name: "Trolley 2".into(),
                        enrolled_at: at(9),
                        enrolled_by: "oak.manager".into(),
                        last_contact: Some(at(12)),
                        revoked_at: revoked,
                    },
                    secret: "synthetic-secret".into(),
                    unlock_key: "synthetic-unlock".into(),
                },
                enrolled_device,
            );
        }
        for code in [
            AuditRefusalCode::NotFound,
            AuditRefusalCode::Invalid,
            AuditRefusalCode::Duplicate,
        ] {
            agrees_with_serde(
                &AuditUploadResult {
                    stored: 3,
                    already_held: 1,
                    refused: vec![AuditRefusal {
                        id: Uuid::from_u128(9),
                        code,
                        message: "There is no such resident in your home.".into(),
                    }],
                },
                audit_upload_result,
            );
        }
        agrees_with_serde(
            &SyncStatus {
                head: "e1.42".parse().expect("cursor"),
                floor: 3,
                server_time: at(9),
            },
            sync_status,
        );
        agrees_with_serde(
            &SequenceGap {
                code: "sequence_gap".into(),
                message: "Send 4 next".into(),
                expected: 4,
            },
            sequence_gap,
        );
        for code in ERROR_CODES {
            agrees_with_serde(
                &ApiError {
                    code: *code,
                    message: "Try again".into(),
                },
                api_error,
            );
        }
        // A code from a newer server is `Other`, and its message is kept.
        let newer = js_sys::JSON::parse(r#"{"code":"on_fire","message":"Wait"}"#).expect("json");
        assert_eq!(
            api_error(newer).expect("reads"),
            ApiError {
                code: ErrorCode::Other,
                message: "Wait".into(),
            }
        );

        let page = SnapshotPage {
            pinned: "e1.42".parse().expect("cursor"),
            residents: vec![],
            entries: bodies()
                .into_iter()
                .take(3)
                .enumerate()
                .map(|(n, b)| entry_of(n as u128, b))
                .collect(),
            next: Some("p2".into()),
        };
        // A page's residents are optional, and the page reader has always taken them as
        // absent when `undefined` too (which JSON cannot say).
        agrees_with_serde_but(
            &page,
            |v| snapshot_page(&v),
            |at, label| at == "residents" && label == "undefined",
        );

        let changes = bedside_domain::sync::wire::ChangesPage {
            changes: vec![
                bedside_domain::sync::wire::Change::Entry {
                    seq: 5,
                    entry: entry_of(4, bodies().remove(0)),
                },
                bedside_domain::sync::wire::Change::ResidentRemoved {
                    seq: 6,
                    person_id: PersonId(Uuid::from_u128(2)),
                },
            ],
            cursor: "e1.6".parse().expect("cursor"),
            more: false,
        };
        agrees_with_serde(&changes, |v| {
            crate::http::read_changes_page(&v).ok_or_else(|| invalid("a changes page"))
        });
    }

    /// Every variant of a unit-only enum reads from its serde name (and from the object
    /// form serde-wasm-bindgen also reads), as serde reads it; anything else is an error,
    /// as it is for serde.
    fn every_name_reads<T>(all: &[T], read: fn(JsValue) -> Result<T>)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let serde = |v: &JsValue| serde_wasm_bindgen::from_value::<T>(v.clone()).ok();
        for value in all {
            agrees_with_serde(value, read);
            let name = serde_json::to_value(value).expect("json");
            let name = JsValue::from_str(name.as_str().expect("a unit variant is a name"));
            for payload in [JsValue::NULL, JsValue::UNDEFINED, JsValue::TRUE] {
                let object = Object::new();
                Reflect::set(&object, &name, &payload).expect("sets");
                let object = JsValue::from(object);
                assert_eq!(read(object.clone()).ok(), serde(&object), "{payload:?}");
                Reflect::set(&object, &JsValue::from_str("more"), &JsValue::NULL).expect("sets");
                assert_eq!(read(object.clone()).ok(), serde(&object), "two names");
            }
        }
        for odd in ["", "Zzz", "SCALE1", "in-home", "0"] {
            let odd = JsValue::from_str(odd);
            assert_eq!(read(odd.clone()).ok(), serde(&odd), "{odd:?}");
        }
    }

    #[test]
    fn every_unit_variant_reads_as_serde_reads_it() {
        every_name_reads(SEXES, sex);
        every_name_reads(RESIDENCY_STATUSES, residency_status);
        every_name_reads(SPO2_SCALES, spo2_scale);
        every_name_reads(AIR_OR_OXYGEN, air_or_oxygen);
        every_name_reads(CONSCIOUSNESS, consciousness);
        every_name_reads(ENTRY_STATUSES, entry_status);
        every_name_reads(CLINICAL_STATUSES, clinical_status);
        every_name_reads(SEVERITIES, severity);
        every_name_reads(MEDICATION_STATUSES, medication_status);
        every_name_reads(ABNORMAL_FLAGS, abnormal_flag);
        every_name_reads(DOCUMENT_TYPES, document_type);
        every_name_reads(STAY_STATUSES, stay_status);
        every_name_reads(ADVANCE_CARE_FORMS, advance_care_form);
        every_name_reads(CPR_DECISIONS, cpr_decision);
        every_name_reads(ABOUT_ME_TOPICS, about_me_topic);
        every_name_reads(NOTE_CATEGORIES, note_category);
        every_name_reads(CORRECTION_ACTIONS, correction_action);
        every_name_reads(ERROR_CODES, error_code);
        // The tables hold every variant (their match stops the build otherwise); the
        // domain's own lists agree.
        assert_eq!(ABOUT_ME_TOPICS, AboutMeTopic::ALL);
        assert_eq!(NOTE_CATEGORIES, NoteCategory::ALL);
    }

    #[test]
    fn numbers_read_as_serde_reads_them() {
        // Whole numbers must be safe integers in the field's range; a u64 may also be a
        // BigInt. Checked against serde for each width the record model uses.
        let values = [
            JsValue::from_f64(0.0),
            JsValue::from_f64(-0.0),
            JsValue::from_f64(1.0),
            JsValue::from_f64(-1.0),
            JsValue::from_f64(255.0),
            JsValue::from_f64(256.0),
            JsValue::from_f64(-32_768.0),
            JsValue::from_f64(-32_769.0),
            JsValue::from_f64(32_767.0),
            JsValue::from_f64(65_535.0),
            JsValue::from_f64(65_536.0),
            JsValue::from_f64(4_294_967_295.0),
            JsValue::from_f64(4_294_967_296.0),
            JsValue::from_f64(9_007_199_254_740_991.0),
            JsValue::from_f64(9_007_199_254_740_992.0),
            JsValue::from_f64(1.5),
            JsValue::from_f64(f64::INFINITY),
            js_sys::BigInt::from(u64::MAX).into(),
            js_sys::BigInt::from(-1i64).into(),
            JsValue::from_str("5"),
            JsValue::NULL,
        ];
        fn same<T>(v: &JsValue, read: fn(JsValue) -> Result<T>)
        where
            T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
        {
            let theirs = serde_wasm_bindgen::from_value::<T>(v.clone()).ok();
            assert_eq!(read(v.clone()).ok(), theirs, "{v:?}");
        }
        for v in &values {
            same(v, u8_);
            same(v, u16_);
            same(v, i16_);
            same(v, u32_);
            same(v, u64_);
            same(v, float);
        }
        // NaN is a number (and never equal to itself).
        assert!(
            float(JsValue::from_f64(f64::NAN))
                .expect("a number")
                .is_nan()
        );
    }
}
