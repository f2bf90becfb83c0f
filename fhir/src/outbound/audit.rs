//! The audit log as FHIR: each view of a resident's record as an `AuditEvent` in the IHE
//! Basic Audit Log Patterns (BALP) "PatientRead" shape, and a `searchset` Bundle of them.
//!
//! BALP's PatientRead derives from its Read profile, which fixes `type` to the RESTful
//! operation code and `subtype` to `read`; the patient is an entity with role 1
//! "Patient". Bedside adds which part of the record was read (and whether it was read
//! offline on a tablet) as `entity.detail`, the element R4 gives for such tagged values.

use bedside_domain::audit::{AuditEntry, AuditMode};
use serde_json::{Value, json};

use super::resources::instant;

pub const BALP_PATIENT_READ: &str =
    "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead";
const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";
/// Bedside's code system for staff roles (carer, senior, manager, admin).
pub const ROLE_SYSTEM: &str = "https://fhir.bedside.example/CodeSystem/staff-role";
/// Staff ids as identifiers.
pub const STAFF_ID_SYSTEM: &str = "https://fhir.bedside.example/Id/staff";

/// Who is answering: the server's name as the audit's observer and the read's
/// destination, and the base URL it serves FHIR at.
#[derive(Debug, Clone, Copy)]
pub struct AuditServer<'a> {
    pub name: &'a str,
    pub base_url: &'a str,
}

/// One view of a resident's record as a BALP PatientRead `AuditEvent`.
pub fn audit_event(e: &AuditEntry, server: AuditServer<'_>) -> Value {
    let patient_ref = format!("Patient/{}", e.person_id);
    let offline = e.mode == AuditMode::Offline;

    // The member of staff who read: the requestor.
    let user = json!({
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
            "code": "humanuser",
            "display": "human user",
        }]},
        "role": [{
            "coding": [{ "system": ROLE_SYSTEM, "code": e.role.as_str(), "display": e.role.label() }],
            "text": e.role.label(),
        }],
        "who": {
            "identifier": { "system": STAFF_ID_SYSTEM, "value": e.staff_id.to_string() },
            "display": e.staff_username,
        },
        "altId": e.staff_username,
        "requestor": true,
    });
    // The client (BALP's Source Role ID): the tablet, by the name it gave, and the
    // address the server saw.
    let mut client = json!({
        "type": { "coding": [{ "system": DCM, "code": "110153", "display": "Source Role ID" }]},
        "who": { "display": e.device.as_deref().unwrap_or(if offline { "tablet (offline)" } else { "client" }) },
        "requestor": false,
    });
    if let Some(device) = &e.device {
        client["who"]["identifier"] = json!({ "value": device });
    }
    if let Some(address) = &e.address {
        // Network access point type 2 is an IP address.
        client["network"] = json!({ "address": address, "type": "2" });
    }
    // The server (BALP's Destination Role ID).
    let destination = json!({
        "type": { "coding": [{ "system": DCM, "code": "110152", "display": "Destination Role ID" }]},
        "who": { "display": server.name },
        "requestor": false,
        "network": { "address": server.base_url, "type": "5" },
    });

    let mut detail = vec![
        json!({ "type": "part", "valueString": e.part.as_str() }),
        json!({ "type": "mode", "valueString": e.mode.as_str() }),
    ];
    if offline {
        detail.push(json!({ "type": "offline", "valueString": "true" }));
        detail.push(json!({ "type": "received", "valueString": instant(e.received_at) }));
    }
    let patient = json!({
        "what": { "reference": patient_ref },
        "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person" },
        "role": { "system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient" },
        "detail": detail,
    });
    // What was read: the part of the record (BALP's data entity, a domain resource).
    let data = json!({
        "what": { "display": format!("{} of {patient_ref}", e.part.label()) },
        "type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object" },
        "role": { "system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "4", "display": "Domain Resource" },
        "name": e.part.as_str(),
    });

    json!({
        "resourceType": "AuditEvent",
        "id": e.id.hyphenated().to_string(),
        "meta": { "profile": [BALP_PATIENT_READ] },
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "Restful Operation",
        },
        "subtype": [{ "system": "http://hl7.org/fhir/restful-interaction", "code": "read", "display": "read" }],
        "action": "R",
        "period": { "start": instant(e.at), "end": instant(e.at) },
        "recorded": instant(e.at),
        "outcome": "0",
        "agent": [user, client, destination],
        "source": {
            "site": server.name,
            "observer": { "display": server.name },
            "type": [{
                "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                "code": "4",
                "display": "Application Server",
            }],
        },
        "entity": [patient, data],
    })
}

/// A `searchset` Bundle of audit events (newest first, as given).
pub fn audit_searchset(events: &[AuditEntry], server: AuditServer<'_>, self_url: &str) -> Value {
    let base = server.base_url.trim_end_matches('/');
    json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": events.len(),
        "link": [{ "relation": "self", "url": self_url }],
        "entry": events.iter().map(|e| json!({
            "fullUrl": format!("{base}/AuditEvent/{}", e.id.hyphenated()),
            "resource": audit_event(e, server),
            "search": { "mode": "match" },
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::{Context, Meaning, NoResolver, interpret};
    use bedside_domain::api::Role;
    use bedside_domain::audit::AuditPart;
    use bedside_domain::{HomeId, PersonId, StaffId};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn entry(mode: AuditMode, device: Option<&str>) -> AuditEntry {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 3, 14, 5, 0)
            .single()
            .expect("time");
        AuditEntry {
            id: Uuid::from_u128(7),
            home_id: HomeId(Uuid::from_u128(1)),
            staff_id: StaffId(Uuid::from_u128(2)),
            staff_username: "oak.carer".into(),
            role: Role::Carer,
            person_id: PersonId(Uuid::from_u128(3)),
            part: AuditPart::Medicines,
            at,
            device: device.map(str::to_owned),
            address: Some("127.0.0.1".into()),
            mode,
            received_at: at + chrono::Duration::hours(2),
        }
    }

    const SERVER: AuditServer<'static> = AuditServer {
        name: "Bedside",
        base_url: "http://127.0.0.1:8080/fhir",
    };

    #[test]
    fn a_view_is_a_balp_patient_read() {
        let e = entry(AuditMode::Offline, Some("Trolley 2"));
        let r = audit_event(&e, SERVER);
        assert_eq!(r["resourceType"], "AuditEvent");
        assert_eq!(r["meta"]["profile"][0], BALP_PATIENT_READ);
        assert_eq!(r["type"]["code"], "rest");
        assert_eq!(r["subtype"][0]["code"], "read");
        assert_eq!(r["action"], "R");
        assert_eq!(r["outcome"], "0");
        assert_eq!(r["recorded"], "2026-11-03T14:05:00Z");

        let agents = r["agent"].as_array().expect("agents");
        let requestors: Vec<_> = agents.iter().filter(|a| a["requestor"] == true).collect();
        assert_eq!(requestors.len(), 1, "exactly one requestor");
        let user = requestors[0];
        assert_eq!(user["who"]["identifier"]["value"], e.staff_id.to_string());
        assert_eq!(user["who"]["display"], "oak.carer");
        assert_eq!(user["role"][0]["coding"][0]["code"], "carer");
        let client = &agents[1];
        assert_eq!(client["type"]["coding"][0]["code"], "110153");
        assert_eq!(client["who"]["display"], "Trolley 2");
        assert_eq!(client["network"]["address"], "127.0.0.1");
        assert_eq!(r["source"]["observer"]["display"], "Bedside");

        let patient = &r["entity"][0];
        assert_eq!(
            patient["what"]["reference"],
            format!("Patient/{}", e.person_id)
        );
        assert_eq!(
            patient["role"]["system"],
            "http://terminology.hl7.org/CodeSystem/object-role"
        );
        assert_eq!(patient["role"]["code"], "1");
        let details: Vec<(&str, &str)> = patient["detail"]
            .as_array()
            .expect("details")
            .iter()
            .map(|d| {
                (
                    d["type"].as_str().unwrap_or(""),
                    d["valueString"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(details.contains(&("part", "medicines")));
        assert!(details.contains(&("mode", "offline")));
        assert!(details.contains(&("offline", "true")));

        // An online view says so and carries no offline marker.
        let online = audit_event(&entry(AuditMode::Online, None), SERVER);
        let text = online["entity"][0]["detail"].to_string();
        assert!(text.contains("online") && !text.contains("\"offline\""));
        assert!(online["agent"][1]["who"]["identifier"].is_null());
    }

    #[test]
    fn the_output_reads_back_as_valid_r4() {
        let context = Context {
            source_name: "test",
            resolver: &NoResolver,
        };
        for e in [
            entry(AuditMode::Offline, Some("Trolley 2")),
            entry(AuditMode::Online, None),
        ] {
            let r = audit_event(&e, SERVER);
            let read = interpret(&r, &context).unwrap_or_else(|issues| panic!("{issues:#?}"));
            assert!(!matches!(read.meaning, Meaning::Record { .. }));
        }
        let bundle = audit_searchset(
            &[entry(AuditMode::Online, None)],
            SERVER,
            "http://x/fhir/AuditEvent?patient=1",
        );
        assert_eq!(bundle["type"], "searchset");
        assert_eq!(bundle["total"], 1);
        assert_eq!(
            bundle["entry"][0]["fullUrl"],
            format!(
                "http://127.0.0.1:8080/fhir/AuditEvent/{}",
                Uuid::from_u128(7)
            )
        );
        assert!(interpret(&bundle, &context).is_ok());
    }
}
