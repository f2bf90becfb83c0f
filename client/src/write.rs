//! Writing what the tablet stores and sends into JavaScript values, by hand: the rows it
//! seals or keeps in IndexedDB, and the bodies of its requests.
//!
//! serde's derived writers cost what its derived readers did (see [`crate::read`]): a copy
//! of the serialiser's struct and enum machinery per type. Here each type has one small
//! function that sets its properties by name with a few shared, non-generic writers.
//!
//! The values are the ones `serde-wasm-bindgen` wrote (maps as objects), so what earlier
//! versions stored still reads and what this one stores reads in them too (the tests
//! compare each writer's JSON with serde's):
//! - a struct is an object whose properties are its fields, in their order; an internally
//!   tagged enum's tag comes first;
//! - a `None` is left out (serde wrote `undefined`, which JSON and the readers treat as
//!   absent), as is what `skip_serializing_if` skipped;
//! - dates, times and ids are strings as their serde impls write them; a `u64` is a
//!   number, or a `BigInt` above 2^53 (serde refused those; JSON still does);
//! - a unit variant is its name; a byte array is an array of numbers.

use bedside_domain::api::{
    DeviceCredential, EnrolDeviceRequest, HomeInfo, RefreshRequest, SignInRequest, StaffInfo,
};
use bedside_domain::audit::{AuditUpload, AuditView};
use bedside_domain::news2::{Observations, Score};
use bedside_domain::record::{
    Attachment, Concept, Entry, EntryBody, LabValue, Provenance, ReferenceRange, Resident,
};
use bedside_domain::summary::{AllergyState, Banner, CprState, HospitalState};
use bedside_domain::sync::plan::{OutboxItem, OutboxState};
use bedside_domain::sync::wire::{Mutation, MutationOp, Outcome, PushRequest, SectionKey};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use js_sys::{Array, Object};
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::crypto::WrappedKey;
use crate::db::{Lane, LegacyLane, SnapshotProgress, StoredResident};
use crate::read::{self as r, set};
use crate::session::StoredSession;
use crate::vault::{Enrolment, PinRecord, Settings};

/// An object being written field by field.
struct Out(Object);

impl Out {
    fn new() -> Self {
        Self(Object::new())
    }

    /// An internally tagged enum's variant: the object with its tag set.
    fn tagged(tag: &'static str, name: &str) -> Self {
        let out = Self::new();
        out.str(tag, name);
        out
    }

    fn set(&self, name: &'static str, value: &JsValue) {
        set(&self.0, name, value);
    }

    fn str(&self, name: &'static str, value: &str) {
        self.set(name, &JsValue::from_str(value));
    }

    fn opt_str(&self, name: &'static str, value: &Option<String>) {
        if let Some(v) = value {
            self.str(name, v);
        }
    }

    fn num(&self, name: &'static str, value: f64) {
        self.set(name, &JsValue::from_f64(value));
    }

    fn u64(&self, name: &'static str, value: u64) {
        self.set(name, &u64_value(value));
    }

    fn bool(&self, name: &'static str, value: bool) {
        self.set(name, &JsValue::from_bool(value));
    }

    fn time(&self, name: &'static str, value: &DateTime<Utc>) {
        self.set(name, &time(value));
    }

    fn opt_time(&self, name: &'static str, value: &Option<DateTime<Utc>>) {
        if let Some(v) = value {
            self.time(name, v);
        }
    }

    fn date(&self, name: &'static str, value: &NaiveDate) {
        self.str(name, &value.to_string());
    }

    fn opt_date(&self, name: &'static str, value: &Option<NaiveDate>) {
        if let Some(v) = value {
            self.date(name, v);
        }
    }

    fn id(&self, name: &'static str, value: &Uuid) {
        self.str(name, &value.to_string());
    }

    fn done(self) -> JsValue {
        self.0.into()
    }
}

/// A `u64` as serde-wasm-bindgen wrote one: a number while it is a safe integer.
fn u64_value(value: u64) -> JsValue {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    if value <= MAX_SAFE {
        JsValue::from_f64(value as f64)
    } else {
        JsValue::from(value)
    }
}

/// A time as chrono's serde impl writes it (RFC 3339, UTC as `Z`, only the fractions of
/// a second it has).
pub fn time(value: &DateTime<Utc>) -> JsValue {
    JsValue::from_str(&value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// An id (a member of staff's, say) as a string.
pub fn id(value: &Uuid) -> JsValue {
    JsValue::from_str(&value.to_string())
}

/// Strings as an array (a snapshot page's entry ids).
pub fn strings(values: &[String]) -> JsValue {
    values
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

fn bytes(values: &[u8]) -> JsValue {
    values
        .iter()
        .map(|b| JsValue::from_f64(f64::from(*b)))
        .collect::<Array>()
        .into()
}

pub fn home_info(home: &HomeInfo) -> JsValue {
    let o = Out::new();
    o.id("id", &home.id.0);
    o.str("name", &home.name);
    o.done()
}

fn staff_info(staff: &StaffInfo) -> JsValue {
    let o = Out::new();
    o.id("id", &staff.id.0);
    o.str("username", &staff.username);
    o.str("role", staff.role.as_str());
    o.set("home", &home_info(&staff.home));
    o.done()
}

pub fn resident(resident: &Resident) -> JsValue {
    let o = Out::new();
    o.id("id", &resident.id.0);
    o.id("home_id", &resident.home_id.0);
    o.str("nhs_number", &resident.nhs_number.digits());
    let name = Out::new();
    name.str("given", &resident.name.given);
    name.str("family", &resident.name.family);
    name.opt_str("preferred", &resident.name.preferred);
    o.set("name", &name.done());
    o.date("birth_date", &resident.birth_date);
    o.str("sex", r::sex_name(resident.sex));
    o.opt_str("gp_practice", &resident.gp_practice);
    o.str("room", &resident.room);
    o.date("admitted_on", &resident.admitted_on);
    o.str("status", r::residency_status_name(resident.status));
    o.str("spo2_scale", r::spo2_scale_name(resident.spo2_scale));
    o.done()
}

fn concept(concept: &Concept) -> JsValue {
    let o = Out::new();
    o.str("text", &concept.text);
    if let Some(coding) = &concept.coding {
        let c = Out::new();
        c.str("system", &coding.system);
        c.str("code", &coding.code);
        o.set("coding", &c.done());
    }
    o.done()
}

fn provenance(p: &Provenance) -> JsValue {
    let o = Out::new();
    o.str("organisation", &p.organisation);
    o.opt_str("ods_code", &p.ods_code);
    o.opt_str("system", &p.system);
    o.opt_str("source_id", &p.source_id);
    o.opt_str("author", &p.author);
    o.time("authored_at", &p.authored_at);
    o.time("received_at", &p.received_at);
    o.done()
}

fn lab_value(value: &LabValue) -> JsValue {
    match value {
        LabValue::Quantity { value, unit } => {
            let o = Out::tagged("type", "quantity");
            o.num("value", *value);
            o.str("unit", unit);
            o.done()
        }
        LabValue::Text { text } => {
            let o = Out::tagged("type", "text");
            o.str("text", text);
            o.done()
        }
    }
}

fn reference_range(range: &ReferenceRange) -> JsValue {
    let o = Out::new();
    if let Some(low) = range.low {
        o.num("low", low);
    }
    if let Some(high) = range.high {
        o.num("high", high);
    }
    o.opt_str("text", &range.text);
    o.done()
}

fn attachment(a: &Attachment) -> JsValue {
    let o = Out::new();
    o.str("id", &a.id);
    o.str("content_type", &a.content_type);
    o.opt_str("title", &a.title);
    if let Some(size) = a.size {
        o.u64("size", size);
    }
    o.done()
}

fn observations(obs: &Observations) -> JsValue {
    let o = Out::new();
    o.num("respiration_rate", obs.respiration_rate.into());
    o.num("spo2", obs.spo2.into());
    o.str("air_or_oxygen", r::air_or_oxygen_name(obs.air_or_oxygen));
    o.num("systolic_bp", obs.systolic_bp.into());
    o.num("pulse", obs.pulse.into());
    o.str("consciousness", r::consciousness_name(obs.consciousness));
    o.num("temperature_tenths", obs.temperature_tenths.into());
    o.done()
}

fn score(score: &Score) -> JsValue {
    let o = Out::new();
    o.num("respiration_rate", score.respiration_rate.into());
    o.num("spo2", score.spo2.into());
    o.num("air_or_oxygen", score.air_or_oxygen.into());
    o.num("systolic_bp", score.systolic_bp.into());
    o.num("pulse", score.pulse.into());
    o.num("consciousness", score.consciousness.into());
    o.num("temperature", score.temperature.into());
    o.num("total", score.total.into());
    o.done()
}

/// An entry's body, tagged by `kind`.
pub fn body(value: &EntryBody) -> JsValue {
    let o = Out::tagged("kind", value.kind().as_str());
    match value {
        EntryBody::Allergy {
            substance,
            reaction,
            severity,
            clinical_status,
        } => {
            o.set("substance", &concept(substance));
            o.opt_str("reaction", reaction);
            if let Some(s) = severity {
                o.str("severity", r::severity_name(*s));
            }
            o.str("clinical_status", r::clinical_status_name(*clinical_status));
        }
        EntryBody::NoKnownAllergies {} | EntryBody::Unknown => {}
        EntryBody::Condition {
            name,
            clinical_status,
            onset,
            note,
        } => {
            o.set("name", &concept(name));
            o.str("clinical_status", r::clinical_status_name(*clinical_status));
            o.opt_date("onset", onset);
            o.opt_str("note", note);
        }
        EntryBody::MedicationOrder {
            medicine,
            dosage,
            prescribed_on,
            prescriber,
            status,
        } => {
            o.set("medicine", &concept(medicine));
            o.opt_str("dosage", dosage);
            o.date("prescribed_on", prescribed_on);
            o.opt_str("prescriber", prescriber);
            o.str("status", r::medication_status_name(*status));
        }
        EntryBody::MedicationSupply {
            medicine,
            dispensed_on,
            quantity,
            dispenser,
        } => {
            o.set("medicine", &concept(medicine));
            o.date("dispensed_on", dispensed_on);
            o.opt_str("quantity", quantity);
            o.str("dispenser", dispenser);
        }
        EntryBody::LabResult {
            test,
            value,
            reference_range: range,
            flag,
            taken_at,
            panel,
        } => {
            o.set("test", &concept(test));
            o.set("value", &lab_value(value));
            if let Some(range) = range {
                o.set("reference_range", &reference_range(range));
            }
            if let Some(flag) = flag {
                o.str("flag", r::abnormal_flag_name(*flag));
            }
            o.time("taken_at", taken_at);
            o.opt_str("panel", panel);
        }
        EntryBody::DiagnosticReport {
            title,
            conclusion,
            performed_at,
        } => {
            o.str("title", title);
            o.str("conclusion", conclusion);
            o.time("performed_at", performed_at);
        }
        EntryBody::Document {
            doc_type,
            title,
            period_start,
            period_end,
            sections,
            attachments,
        } => {
            o.str("doc_type", r::document_type_name(*doc_type));
            o.str("title", title);
            o.opt_date("period_start", period_start);
            o.opt_date("period_end", period_end);
            let list = Array::new();
            for section in sections {
                let s = Out::new();
                s.str("title", &section.title);
                s.str("text", &section.text);
                list.push(&s.done());
            }
            o.set("sections", &list);
            if !attachments.is_empty() {
                let list = Array::new();
                for a in attachments {
                    list.push(&attachment(a));
                }
                o.set("attachments", &list);
            }
        }
        EntryBody::HospitalStay {
            hospital,
            ward,
            admitted_on,
            reason,
            expected_discharge,
            discharged_on,
            status,
        } => {
            o.str("hospital", hospital);
            o.opt_str("ward", ward);
            o.date("admitted_on", admitted_on);
            o.opt_str("reason", reason);
            o.opt_date("expected_discharge", expected_discharge);
            o.opt_date("discharged_on", discharged_on);
            o.str("status", r::stay_status_name(*status));
        }
        EntryBody::AdvanceCarePlan {
            form,
            cpr,
            recommendations,
            agreed_on,
            review_on,
        } => {
            o.str("form", r::advance_care_form_name(*form));
            o.str("cpr", r::cpr_decision_name(*cpr));
            o.opt_str("recommendations", recommendations);
            o.date("agreed_on", agreed_on);
            o.opt_date("review_on", review_on);
        }
        EntryBody::CarePlanSection {
            area,
            need,
            goal,
            support,
            preferences,
            review_on,
        } => {
            o.str("area", area);
            o.str("need", need);
            o.str("goal", goal);
            o.str("support", support);
            o.opt_str("preferences", preferences);
            o.opt_date("review_on", review_on);
        }
        EntryBody::AboutMeSection { topic, text } => {
            o.str("topic", r::about_me_topic_name(*topic));
            o.str("text", text);
        }
        EntryBody::CareNote { category, text } => {
            o.str("category", r::note_category_name(*category));
            o.str("text", text);
        }
        EntryBody::ObservationSet {
            observations: obs,
            scale,
            score: s,
            taken_at,
        } => {
            o.set("observations", &observations(obs));
            o.str("scale", r::spo2_scale_name(*scale));
            o.set("score", &score(s));
            o.time("taken_at", taken_at);
        }
        EntryBody::Correction {
            target,
            action,
            reason,
        } => {
            o.id("target", &target.0);
            o.str("action", r::correction_action_name(*action));
            o.str("reason", reason);
        }
        EntryBody::SectionProposal {
            target,
            base_version,
            body: proposed,
            resolution,
        } => {
            o.id("target", &target.0);
            o.num("base_version", (*base_version).into());
            o.set("body", &body(proposed));
            if let Some(res) = resolution {
                let x = Out::new();
                x.bool("accepted", res.accepted);
                x.str("by", &res.by);
                x.time("at", &res.at);
                o.set("resolution", &x.done());
            }
        }
    }
    o.done()
}

/// An entry, as the `entries` store seals it.
pub fn entry(entry: &Entry) -> JsValue {
    let o = Out::new();
    o.id("id", &entry.id.0);
    o.id("person_id", &entry.person_id.0);
    o.num("version", entry.version.into());
    o.str("status", r::entry_status_name(entry.status));
    o.set("provenance", &provenance(&entry.provenance));
    o.set("body", &body(&entry.body));
    o.done()
}

fn hospital_state(state: &HospitalState) -> JsValue {
    let o = Out::new();
    o.opt_str("hospital", &state.hospital);
    o.opt_str("ward", &state.ward);
    o.opt_date("since", &state.since);
    o.done()
}

/// A resident's banner facts.
pub fn banner(banner: &Banner) -> JsValue {
    let allergies = match &banner.allergies {
        AllergyState::NotRecorded => Out::tagged("state", "not_recorded"),
        AllergyState::NoKnownAllergies => Out::tagged("state", "no_known_allergies"),
        AllergyState::Allergies { substances } => {
            let a = Out::tagged("state", "allergies");
            a.set("substances", &strings(substances));
            a
        }
    };
    let cpr = match &banner.cpr {
        CprState::NotRecorded => Out::tagged("state", "not_recorded"),
        CprState::Recorded {
            form,
            cpr,
            agreed_on,
        } => {
            let c = Out::tagged("state", "recorded");
            c.str("form", r::advance_care_form_name(*form));
            c.str("cpr", r::cpr_decision_name(*cpr));
            c.date("agreed_on", agreed_on);
            c
        }
    };
    let o = Out::new();
    o.set("allergies", &allergies.done());
    o.set("cpr", &cpr.done());
    if let Some(h) = &banner.in_hospital {
        o.set("in_hospital", &hospital_state(h));
    }
    o.done()
}

/// A resident with their banner, as the `residents` store seals it.
pub fn stored_resident(stored: &StoredResident) -> JsValue {
    let o = Out::new();
    o.set("resident", &resident(&stored.resident));
    o.set("banner", &banner(&stored.banner));
    o.done()
}

fn mutation_op(op: &MutationOp) -> JsValue {
    match op {
        MutationOp::AddNote {
            person_id,
            category,
            text,
        } => {
            let o = Out::tagged("type", "add_note");
            o.id("person_id", &person_id.0);
            o.str("category", r::note_category_name(*category));
            o.str("text", text);
            o.done()
        }
        MutationOp::AddObservations {
            person_id,
            observations: obs,
            taken_at,
        } => {
            let o = Out::tagged("type", "add_observations");
            o.id("person_id", &person_id.0);
            o.set("observations", &observations(obs));
            o.time("taken_at", taken_at);
            o.done()
        }
        MutationOp::Correct {
            entry_id,
            action,
            reason,
            body: amended,
        } => {
            let o = Out::tagged("type", "correct");
            o.id("entry_id", &entry_id.0);
            o.str("action", r::correction_action_name(*action));
            o.str("reason", reason);
            if let Some(b) = amended {
                o.set("body", &body(b));
            }
            o.done()
        }
        MutationOp::EditSection {
            person_id,
            section,
            base_version,
            body: edited,
        } => {
            let o = Out::tagged("type", "edit_section");
            o.id("person_id", &person_id.0);
            let key = match section {
                SectionKey::CarePlan { area } => {
                    let k = Out::tagged("type", "care_plan");
                    k.str("area", area);
                    k
                }
                SectionKey::AboutMe { topic } => {
                    let k = Out::tagged("type", "about_me");
                    k.str("topic", r::about_me_topic_name(*topic));
                    k
                }
            };
            o.set("section", &key.done());
            if let Some(v) = base_version {
                o.num("base_version", (*v).into());
            }
            o.set("body", &body(edited));
            o.done()
        }
        MutationOp::ResolveSection {
            proposal_id,
            accept,
        } => {
            let o = Out::tagged("type", "resolve_section");
            o.id("proposal_id", &proposal_id.0);
            o.bool("accept", *accept);
            o.done()
        }
    }
}

fn mutation(m: &Mutation) -> JsValue {
    let o = Out::new();
    o.id("id", &m.id);
    o.u64("device_seq", m.device_seq);
    o.time("created_at", &m.created_at);
    o.set("op", &mutation_op(&m.op));
    o.done()
}

fn outcome(outcome: &Outcome) -> JsValue {
    match outcome {
        Outcome::Applied { entry_id } => {
            let o = Out::tagged("outcome", "applied");
            o.id("entry_id", &entry_id.0);
            o.done()
        }
        Outcome::Conflict { entry_id } => {
            let o = Out::tagged("outcome", "conflict");
            o.id("entry_id", &entry_id.0);
            o.done()
        }
        Outcome::Rejected { reason } => {
            let o = Out::tagged("outcome", "rejected");
            o.str("reason", reason);
            o.done()
        }
    }
}

/// An outbox item, as the `outbox` store seals it.
pub fn outbox_item(item: &OutboxItem) -> JsValue {
    let state = match &item.state {
        OutboxState::Saved => Out::tagged("state", "saved"),
        OutboxState::Waiting {
            attempts,
            last_attempt,
        } => {
            let s = Out::tagged("state", "waiting");
            s.num("attempts", (*attempts).into());
            s.time("last_attempt", last_attempt);
            s
        }
        OutboxState::Confirmed { outcome: out } => {
            let s = Out::tagged("state", "confirmed");
            s.set("outcome", &outcome(out));
            s
        }
    };
    let o = Out::new();
    o.set("mutation", &mutation(&item.mutation));
    o.set("state", &state.done());
    o.done()
}

/// `POST /api/v1/sync/push`'s body.
pub fn push_request(request: &PushRequest) -> JsValue {
    let list = Array::new();
    for m in &request.mutations {
        list.push(&mutation(m));
    }
    let o = Out::new();
    o.id("device_id", &request.device_id);
    o.set("mutations", &list);
    o.done()
}

/// `POST /api/v1/auth/login`'s body: the username and password, and the tablet's
/// credential beside them when it has one.
pub fn sign_in_request(request: &SignInRequest) -> JsValue {
    let o = Out::new();
    o.str("username", &request.login.username);
    o.str("password", &request.login.password);
    if let Some(DeviceCredential { id, secret }) = &request.device {
        let d = Out::new();
        d.id("id", &id.0);
        d.str("secret", secret);
        o.set("device", &d.done());
    }
    o.done()
}

/// `POST /api/v1/auth/refresh`'s body.
pub fn refresh_request(request: &RefreshRequest) -> JsValue {
    let o = Out::new();
    o.str("refresh_token", &request.refresh_token);
    o.done()
}

/// `POST /api/v1/devices`'s body.
pub fn enrol_device_request(request: &EnrolDeviceRequest) -> JsValue {
    let o = Out::new();
    o.str("name", &request.name);
    o.done()
}

/// One view of a record, as the `audit` store seals it and an upload sends it.
pub fn audit_view(view: &AuditView) -> JsValue {
    let o = Out::new();
    o.id("id", &view.id);
    o.id("person_id", &view.person_id.0);
    o.str("part", view.part.as_str());
    o.time("at", &view.at);
    o.str("mode", view.mode.as_str());
    o.done()
}

/// `POST /api/v1/audit/events`'s body.
pub fn audit_upload(upload: &AuditUpload) -> JsValue {
    let list = Array::new();
    for view in &upload.events {
        list.push(&audit_view(view));
    }
    let o = Out::new();
    o.opt_str("device", &upload.device);
    o.set("events", &list);
    o.done()
}

/// A session, as its keyring row seals it.
pub fn stored_session(session: &StoredSession) -> JsValue {
    let o = Out::new();
    o.str("token", &session.token);
    o.time("expires_at", &session.expires_at);
    o.set("staff", &staff_info(&session.staff));
    o.opt_str("refresh_token", &session.refresh_token);
    o.opt_time("refresh_expires_at", &session.refresh_expires_at);
    o.opt_time("received_at", &session.received_at);
    o.opt_str("sign_in", &session.sign_in);
    o.done()
}

/// A snapshot in progress, as `meta` keeps it.
pub fn snapshot_progress(progress: &SnapshotProgress) -> JsValue {
    let o = Out::new();
    o.id("home", &progress.home.0);
    o.str("pinned", &progress.pinned.to_string());
    o.opt_str("next", &progress.next);
    o.num("pages", progress.pages.into());
    o.bool("sweep", progress.sweep);
    o.done()
}

/// A member of staff's outbox lane, as `meta` keeps it.
pub fn lane(lane: &Lane) -> JsValue {
    let o = Out::new();
    o.id("device_id", &lane.device_id);
    o.u64("device_seq", lane.device_seq);
    o.u64("last_confirmed_seq", lane.last_confirmed_seq);
    o.u64("rev", lane.rev);
    o.done()
}

/// A version 2 tablet's outbox author and numbers, as `meta` keeps them.
pub fn legacy_lane(lane: &LegacyLane) -> JsValue {
    let o = Out::new();
    if let Some(staff) = &lane.staff {
        o.set("staff", &staff_info(staff));
    }
    if let Some(id) = &lane.device_id {
        o.id("device_id", id);
    }
    o.u64("device_seq", lane.device_seq);
    o.u64("last_confirmed_seq", lane.last_confirmed_seq);
    o.done()
}

/// The tablet's enrolment, as its keyring row holds it (the device key is set beside).
pub fn enrolment(enrolment: &Enrolment) -> JsValue {
    let d = &enrolment.device;
    let device = Out::new();
    device.id("id", &d.id.0);
    device.str("name", &d.name);
    device.time("enrolled_at", &d.enrolled_at);
    device.str("enrolled_by", &d.enrolled_by);
    device.opt_time("last_contact", &d.last_contact);
    device.opt_time("revoked_at", &d.revoked_at);
    let o = Out::new();
    o.set("device", &device.done());
    o.set("home", &home_info(&enrolment.home));
    o.done()
}

/// A wrapped data key as the keyring keeps it: `{bytes: [..]}`.
pub fn wrapped_key(key: &WrappedKey) -> JsValue {
    let o = Out::new();
    o.set("bytes", &bytes(&key.bytes));
    o.done()
}

/// A PIN's keyring row.
pub(crate) fn pin_record(record: &PinRecord) -> JsValue {
    let o = Out::new();
    o.set("staff", &staff_info(&record.staff));
    o.set("salt", &bytes(&record.salt.0));
    o.num("iterations", record.iterations.into());
    if let Some(w) = &record.wrapped {
        o.set("wrapped", &wrapped_key(w));
    }
    o.num("failures", record.failures.into());
    o.done()
}

/// The tablet's settings row.
pub(crate) fn settings(settings: &Settings) -> JsValue {
    let o = Out::new();
    o.num("idle_minutes", settings.idle_minutes.into());
    o.done()
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use bedside_domain::api::{Device, LoginRequest, Role};
    use bedside_domain::audit::{AuditMode, AuditPart};
    use bedside_domain::news2::Spo2Scale;
    use bedside_domain::record::{NoteCategory, PersonName, ResidencyStatus, Sex};
    use bedside_domain::summary::banner as banner_of;
    use bedside_domain::{DeviceId, EntryId, HomeId, NhsNumber, PersonId, StaffId};
    use chrono::TimeZone;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::crypto::Salt;
    use crate::read;
    use crate::read::tests::{at, bodies, day, entry_of, every_optional_part, mutation, obs};

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    fn json(value: &JsValue) -> String {
        js_sys::JSON::stringify(value)
            .expect("writes as JSON")
            .as_string()
            .expect("a string")
    }

    /// What serde-wasm-bindgen wrote for `value` (the store's form before this module).
    fn serde_form<T: Serialize>(value: &T) -> JsValue {
        value
            .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
            .expect("serialises")
    }

    /// The writer's value has serde's JSON, and serde's derived reader reads it back.
    fn same_as_serde<T>(value: &T, write: impl Fn(&T) -> JsValue) -> JsValue
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let ours = write(value);
        assert_eq!(json(&ours), json(&serde_form(value)), "{value:?}");
        let theirs: T = serde_wasm_bindgen::from_value(ours.clone()).expect("serde reads it");
        assert_eq!(&theirs, value);
        ours
    }

    /// As [`same_as_serde`], and the hand-written reader reads it back too.
    fn round_trip<T>(value: &T, write: impl Fn(&T) -> JsValue, read: fn(JsValue) -> read::Result<T>)
    where
        T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let ours = same_as_serde(value, write);
        assert_eq!(&read(ours).expect("reads"), value);
    }

    fn home() -> HomeInfo {
        HomeInfo {
            id: HomeId(Uuid::from_u128(2)),
            name: "Oak Lodge".into(),
        }
    }

    fn staff(role: Role) -> StaffInfo {
        StaffInfo {
            id: StaffId(Uuid::from_u128(3)),
            username: "oak.senior".into(),
            role,
            home: home(),
        }
    }

    fn resident() -> Resident {
        Resident {
            id: PersonId(Uuid::from_u128(1)),
            home_id: HomeId(Uuid::from_u128(2)),
            nhs_number: NhsNumber::parse("9990000018").expect("valid"),
            name: PersonName {
                given: "Ada".into(),
                family: "Testperson".into(),
                preferred: None,
            },
            birth_date: day(1),
            sex: Sex::Other,
            gp_practice: None,
            room: "4".into(),
            admitted_on: day(2),
            status: ResidencyStatus::OnLeave,
            spo2_scale: Spo2Scale::Scale1,
        }
    }

    #[test]
    fn entries_and_residents_write_as_serde_wrote_them() {
        let entries: Vec<Entry> = bodies()
            .into_iter()
            .chain(every_optional_part())
            .enumerate()
            .map(|(n, b)| entry_of(n as u128 + 10, b))
            .collect();
        for e in &entries {
            round_trip(e, entry, read::entry);
        }
        let full = Resident {
            name: PersonName {
                preferred: Some("Addie".into()),
                ..resident().name
            },
            gp_practice: Some("Riverside Surgery".into()),
            spo2_scale: Spo2Scale::Scale2,
            status: ResidencyStatus::InHospital,
            ..resident()
        };
        for r in [resident(), full] {
            round_trip(&r, super::resident, read::resident);
            // Every banner the domain works out from the entries, one entry at a time and
            // all of them (allergies, CPR, a hospital stay).
            let mut banners = vec![banner_of(&r, &[]), banner_of(&r, &entries)];
            banners.extend(
                entries
                    .iter()
                    .map(|e| banner_of(&r, std::slice::from_ref(e))),
            );
            for b in banners {
                let stored = StoredResident {
                    resident: r.clone(),
                    banner: b,
                };
                round_trip(&stored, stored_resident, read::stored_resident);
            }
        }
    }

    #[test]
    fn outbox_items_and_pushes_write_as_serde_wrote_them() {
        let person = PersonId(Uuid::from_u128(1));
        let ops = vec![
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
                entry_id: EntryId(Uuid::from_u128(4)),
                action: bedside_domain::record::CorrectionAction::EnteredInError,
                reason: "Wrong resident".into(),
                body: None,
            },
            MutationOp::Correct {
                entry_id: EntryId(Uuid::from_u128(4)),
                action: bedside_domain::record::CorrectionAction::Amended,
                reason: "Typo".into(),
                body: bodies().pop(),
            },
            MutationOp::EditSection {
                person_id: person,
                section: SectionKey::CarePlan {
                    area: "Mobility".into(),
                },
                base_version: Some(2),
                body: bodies().remove(0),
            },
            MutationOp::EditSection {
                person_id: person,
                section: SectionKey::AboutMe {
                    topic: bedside_domain::record::AboutMeTopic::WhatCalms,
                },
                base_version: None,
                body: EntryBody::NoKnownAllergies {},
            },
            MutationOp::ResolveSection {
                proposal_id: EntryId(Uuid::from_u128(8)),
                accept: false,
            },
        ];
        let states = [
            OutboxState::Saved,
            OutboxState::Waiting {
                attempts: 3,
                last_attempt: at(10),
            },
            OutboxState::Confirmed {
                outcome: Outcome::Applied {
                    entry_id: EntryId(Uuid::from_u128(2)),
                },
            },
            OutboxState::Confirmed {
                outcome: Outcome::Conflict {
                    entry_id: EntryId(Uuid::from_u128(3)),
                },
            },
            OutboxState::Confirmed {
                outcome: Outcome::Rejected {
                    reason: "The resident has left".into(),
                },
            },
        ];
        let mut mutations = Vec::new();
        for (n, op) in ops.into_iter().enumerate() {
            let m = mutation(n as u128 + 1, op);
            for state in states.clone() {
                let item = OutboxItem {
                    mutation: m.clone(),
                    state,
                };
                round_trip(&item, outbox_item, read::outbox_item);
            }
            mutations.push(m);
        }
        for mutations in [vec![], mutations] {
            let push = PushRequest {
                device_id: Uuid::from_u128(9),
                mutations,
            };
            same_as_serde(&push, push_request);
        }
    }

    #[test]
    fn request_bodies_write_as_serde_wrote_them() {
        for device in [
            None,
            Some(DeviceCredential {
                id: DeviceId(Uuid::from_u128(5)),
                secret: "proof".into(),
            }),
        ] {
            let request = SignInRequest {
                login: LoginRequest {
                    username: "oak.carer".into(),
                    password: "pass \"word\" ✓".into(),
                },
                device,
            };
            same_as_serde(&request, sign_in_request);
        }
        same_as_serde(
            &RefreshRequest {
                refresh_token: "r1".into(),
            },
            refresh_request,
        );
        same_as_serde(
            &EnrolDeviceRequest {
                name: "Lounge tablet".into(),
            },
            enrol_device_request,
        );
        let views: Vec<AuditView> = AuditPart::ALL
            .iter()
            .enumerate()
            .map(|(n, part)| AuditView {
                id: Uuid::from_u128(n as u128 + 1),
                person_id: PersonId(Uuid::from_u128(1)),
                part: *part,
                at: at(u32::try_from(n % 24).expect("small")),
                mode: if n % 2 == 0 {
                    AuditMode::Offline
                } else {
                    AuditMode::Online
                },
            })
            .collect();
        for view in &views {
            round_trip(view, audit_view, read::audit_view);
        }
        for device in [None, Some("tablet-1".to_owned())] {
            let upload = AuditUpload {
                device,
                events: views.clone(),
            };
            same_as_serde(&upload, audit_upload);
        }
    }

    #[test]
    fn sessions_and_the_vault_write_as_serde_wrote_them() {
        let precise = Utc
            .timestamp_opt(1_795_000_000, 123_456_000)
            .single()
            .expect("valid");
        for role in Role::ALL {
            let minimal = StoredSession {
                token: "t1".into(),
                expires_at: at(9),
                staff: staff(role),
                refresh_token: None,
                refresh_expires_at: None,
                received_at: None,
                sign_in: None,
            };
            round_trip(&minimal, stored_session, read::stored_session);
            let full = StoredSession {
                refresh_token: Some("r1".into()),
                refresh_expires_at: Some(precise),
                received_at: Some(at(8)),
                sign_in: Some("s1".into()),
                ..minimal
            };
            round_trip(&full, stored_session, read::stored_session);
            assert_eq!(
                read::login_response(stored_session(&full)).expect("reads"),
                full.login()
            );
        }
        let device = Device {
            id: DeviceId(Uuid::from_u128(5)),
            name: "Lounge".into(),
            enrolled_at: at(7),
            enrolled_by: "oak.manager".into(),
            last_contact: None,
            revoked_at: None,
        };
        for device in [
            device.clone(),
            Device {
                last_contact: Some(at(8)),
                revoked_at: Some(precise),
                ..device
            },
        ] {
            let e = Enrolment {
                device,
                home: home(),
            };
            round_trip(&e, enrolment, read::enrolment);
        }
        let key = WrappedKey {
            bytes: (0..40).map(|n| n * 6).collect(),
        };
        round_trip(&key, wrapped_key, read::wrapped_key);
        for wrapped in [None, Some(key)] {
            let pin = PinRecord {
                staff: staff(Role::Carer),
                salt: Salt([7; 16]),
                iterations: 600_000,
                wrapped,
                failures: 4,
            };
            round_trip(&pin, pin_record, read::pin_record);
        }
        round_trip(&Settings { idle_minutes: 15 }, settings, read::settings);
    }

    #[test]
    fn meta_values_write_as_serde_wrote_them() {
        round_trip(&home(), home_info, read::home_info);
        round_trip(&at(9), time, read::time);
        let staff_id = StaffId(Uuid::from_u128(3));
        round_trip(&staff_id, |s| id(&s.0), read::staff_id);
        let ids = vec!["a".to_owned(), "b".to_owned()];
        round_trip(&ids, |v| strings(v), read::strings);
        for next in [None, Some("p2".to_owned())] {
            let progress = SnapshotProgress {
                home: HomeId(Uuid::from_u128(2)),
                pinned: "e1.42".parse().expect("cursor"),
                next,
                pages: 3,
                sweep: true,
            };
            round_trip(&progress, snapshot_progress, read::snapshot_progress);
        }
        let l = Lane {
            device_id: Uuid::from_u128(6),
            device_seq: 12,
            last_confirmed_seq: (1 << 53) - 1,
            rev: 2,
        };
        round_trip(&l, lane, read::lane);
        for (who, device_id) in [
            (None, None),
            (Some(staff(Role::Senior)), Some(Uuid::from_u128(6))),
        ] {
            let legacy = LegacyLane {
                staff: who,
                device_id,
                device_seq: 4,
                last_confirmed_seq: 2,
            };
            round_trip(&legacy, legacy_lane, read::legacy_lane);
        }
    }

    #[test]
    fn a_number_beyond_javascripts_is_kept_where_json_is_not_used() {
        let l = Lane {
            device_id: Uuid::from_u128(6),
            device_seq: 1 << 60,
            last_confirmed_seq: 0,
            rev: 0,
        };
        let value = lane(&l);
        // IndexedDB keeps a BigInt, and it reads back; JSON (a sealed row, a request)
        // refuses it, as serde refused the number.
        assert_eq!(read::lane(value.clone()).expect("reads"), l);
        assert!(js_sys::JSON::stringify(&value).is_err());
        assert!(serde_wasm_bindgen::to_value(&l).is_err());
    }
}
