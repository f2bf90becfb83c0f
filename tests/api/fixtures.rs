//! Small, synthetic records built through the server's own store and admin operations.

use bedside_backend::store::{NewEntry, Store};
use bedside_domain::record::*;
use bedside_domain::{HomeId, PersonId};
use bedside_tests::TestApp;
pub use bedside_tests::fixtures::{admitted_person, day, nhs, provenance};

/// Adds a person with an allergy and a DNACPR decision and admits them to `home`.
pub async fn resident(app: &TestApp, home: HomeId, n: u32, given: &str, room: &str) -> PersonId {
    let person = admitted_person(app, home, n, given, room).await;
    app.store
        .add_entries(
            person,
            &[
                NewEntry {
                    provenance: provenance("Test Surgery"),
                    body: EntryBody::Allergy {
                        substance: Concept::text(format!("Penicillin ({given})")),
                        reaction: Some("Rash".into()),
                        severity: Some(Severity::Moderate),
                        clinical_status: ClinicalStatus::Active,
                    },
                },
                NewEntry {
                    provenance: provenance("Test Hospital"),
                    body: EntryBody::AdvanceCarePlan {
                        form: AdvanceCareForm::Respect,
                        cpr: CprDecision::NotForCpr,
                        recommendations: Some("Ward-based care".into()),
                        agreed_on: day(2026, 2, 3),
                        review_on: None,
                    },
                },
            ],
        )
        .await
        .expect("entries");
    person
}
