//! The administrative subcommands, run as the real `bedside` binary against a real
//! SQLite file. Scripts depend on the last line of output being the new id.

use std::path::Path;
use std::process::{Command, Output};

use bedside_backend::store::sqlite::SqliteStore;
use bedside_backend::store::{NewPerson, Store};
use bedside_domain::NhsNumber;
use bedside_domain::record::{PersonName, Sex};

fn bedside(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedside"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("BEDSIDE_PASSWORD", "a-good-long-password")
        .env_remove("BEDSIDE_DB")
        .output()
        .expect("run bedside")
}

fn last_line(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn add_person(db: &Path, nhs: &str) {
    let store = SqliteStore::open(db).await.expect("open");
    store
        .upsert_person(
            &NewPerson {
                nhs_number: NhsNumber::parse(nhs).expect("valid"),
                name: PersonName {
                    given: "Edna".into(),
                    family: "Testperson".into(),
                    preferred: None,
                },
                birth_date: chrono::NaiveDate::from_ymd_opt(1936, 3, 9).expect("date"),
                sex: Sex::Female,
                gp_practice: None,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("person");
}

#[tokio::test]
async fn admin_commands_print_the_new_id_last() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("admin.db");

    let home = last_line(&bedside(&db, &["home", "add", "--name", "Oak Lodge"]));
    assert!(uuid::Uuid::parse_str(&home).is_ok(), "{home}");

    let staff = last_line(&bedside(
        &db,
        &[
            "staff",
            "add",
            "--home",
            &home,
            "--username",
            "ann.senior",
            "--role",
            "senior",
        ],
    ));
    assert!(uuid::Uuid::parse_str(&staff).is_ok(), "{staff}");

    // The password came from BEDSIDE_PASSWORD and works.
    let store = SqliteStore::open(&db).await.expect("open");
    let record = store
        .staff_by_username("ann.senior")
        .await
        .expect("query")
        .expect("staff exists");
    assert!(bedside_backend::auth::verify_password(
        "a-good-long-password",
        &record.password_hash
    ));
    assert_eq!(record.home.name, "Oak Lodge");

    add_person(&db, "9990000018").await;
    let residency = last_line(&bedside(
        &db,
        &[
            "resident",
            "admit",
            "--home",
            &home,
            "--nhs",
            "999 000 0018",
            "--room",
            "12A",
        ],
    ));
    assert!(uuid::Uuid::parse_str(&residency).is_ok());
    let home_id = bedside_domain::HomeId::parse(&home).expect("id");
    let residents = store.residents(home_id).await.expect("residents");
    assert_eq!(residents.len(), 1);
    assert_eq!(residents[0].room, "12A");

    let left = last_line(&bedside(&db, &["resident", "leave", "--nhs", "9990000018"]));
    assert_eq!(left, residency);
    assert!(
        store
            .residents(home_id)
            .await
            .expect("residents")
            .is_empty()
    );
}

#[tokio::test]
async fn bad_admin_input_is_refused_with_a_reason_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("admin.db");
    let home = last_line(&bedside(&db, &["home", "add", "--name", "Oak Lodge"]));

    let cases: &[(&[&str], &str)] = &[
        (&["home", "add", "--name", "   "], "name"),
        (
            &[
                "staff",
                "add",
                "--home",
                "not-a-uuid",
                "--username",
                "x.y",
                "--role",
                "carer",
            ],
            "home",
        ),
        (
            &[
                "staff",
                "add",
                "--home",
                &home,
                "--username",
                "x.y",
                "--role",
                "boss",
            ],
            "role",
        ),
        (
            &[
                "staff",
                "add",
                "--home",
                &home,
                "--username",
                "no spaces",
                "--role",
                "carer",
            ],
            "username",
        ),
        (
            &[
                "resident",
                "admit",
                "--home",
                &home,
                "--nhs",
                "9990000019",
                "--room",
                "1",
            ],
            "check digit",
        ),
        (
            &[
                "resident",
                "admit",
                "--home",
                &home,
                "--nhs",
                "9990000018",
                "--room",
                "1",
            ],
            "no record is held",
        ),
        (
            &["resident", "leave", "--nhs", "9990000018"],
            "no record is held",
        ),
    ];
    for (args, reason) in cases {
        let out = bedside(&db, args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(
            stderr(&out).to_lowercase().contains(reason),
            "{args:?}: expected {reason:?} in {}",
            stderr(&out)
        );
    }

    // A taken username, and a short password.
    let args = [
        "staff",
        "add",
        "--home",
        &home,
        "--username",
        "ann",
        "--role",
        "carer",
    ];
    last_line(&bedside(&db, &args));
    let out = bedside(&db, &args);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("taken"), "{}", stderr(&out));
    let out = Command::new(env!("CARGO_BIN_EXE_bedside"))
        .arg("--db")
        .arg(&db)
        .args([
            "staff",
            "add",
            "--home",
            &home,
            "--username",
            "bob",
            "--role",
            "carer",
        ])
        .env("BEDSIDE_PASSWORD", "short")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("at least 10"), "{}", stderr(&out));

    let store = SqliteStore::open(&db).await.expect("open");
    assert!(
        store
            .staff_by_username("bob")
            .await
            .expect("query")
            .is_none()
    );
}

fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write");
    path
}

fn patient(id: &str, nhs: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Patient", "id": id,
        "identifier": [{ "system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs }],
        "name": [{ "use": "official", "family": "Testperson", "given": ["Edna"] }],
        "gender": "female", "birthDate": "1936-03-09"
    })
}

fn condition(id: &str, patient_ref: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Condition", "id": id,
        "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active" }] },
        "code": { "text": text },
        "subject": { "reference": patient_ref },
        "recordedDate": "2026-09-01"
    })
}

fn bundle(kind: &str, resources: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "resourceType": "Bundle", "type": kind,
        "entry": resources.into_iter().map(|r| {
            let t = r["resourceType"].as_str().unwrap_or_default().to_owned();
            let id = r["id"].as_str().unwrap_or_default().to_owned();
            serde_json::json!({ "fullUrl": format!("urn:uuid:{}", uuid::Uuid::new_v4()), "resource": r,
                                "request": { "method": "PUT", "url": format!("{t}/{id}") } })
        }).collect::<Vec<_>>()
    })
}

#[tokio::test]
async fn sources_import_and_the_review_queue_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("ingest.db");

    let credential = last_line(&bedside(
        &db,
        &[
            "source",
            "add",
            "--org",
            "rj1",
            "--name",
            "St Thomas' Hospital",
        ],
    ));
    assert!(credential.starts_with("bsrc_"), "{credential}");
    let store = SqliteStore::open(&db).await.expect("open");
    let source = store
        .source_by_ods("RJ1")
        .await
        .expect("query")
        .expect("source stored");
    assert_eq!(source.name, "St Thomas' Hospital");
    // Only a hash is kept: the credential itself is nowhere in the database file.
    let raw = std::fs::read(&db).expect("read db");
    let wal = std::fs::read(db.with_extension("db-wal")).unwrap_or_default();
    let needle = credential.as_bytes();
    for bytes in [&raw, &wal] {
        assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    }

    let files = dir.path().join("bundles");
    std::fs::create_dir_all(&files).expect("mkdir");
    write_json(
        &files,
        "1-good.json",
        &bundle(
            "transaction",
            vec![
                patient("p1", "9990000018"),
                condition("c1", "Patient/p1", "Type 2 diabetes"),
            ],
        ),
    );
    write_json(
        &files,
        "2-held.json",
        &bundle(
            "transaction",
            vec![
                patient("p2", "9990000019"),
                condition("c2", "Patient/p2", "Osteoarthritis"),
            ],
        ),
    );
    write_json(
        &files,
        "3-bad.json",
        &bundle(
            "transaction",
            vec![
                serde_json::json!({"resourceType": "Condition", "id": "c3", "recordedDate": "2026-02-30",
            "code": {"text": "x"}, "subject": {"reference": "Patient/p1"}}),
            ],
        ),
    );
    std::fs::write(files.join("4-not-json.json"), "{ nope").expect("write");

    let out = bedside(
        &db,
        &[
            "import",
            "--source",
            "RJ1",
            files.to_str().expect("utf-8 path"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !out.status.success(),
        "rejected files make the import fail: {stdout}"
    );
    assert!(stdout.contains("Imported 4 file(s)"), "{stdout}");
    assert!(stdout.contains("2 held for review"), "{stdout}");
    assert!(stdout.contains("2 rejected"), "{stdout}");
    assert!(
        stdout.contains("3-bad.json") && stdout.contains("recordedDate"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4-not-json.json") && stdout.contains("not valid JSON"),
        "{stdout}"
    );

    // Importing the good file again changes nothing.
    let out = bedside(
        &db,
        &[
            "import",
            "--source",
            "RJ1",
            files.join("1-good.json").to_str().expect("path"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 already held") && stdout.contains("0 record entries written"),
        "{stdout}"
    );

    let out = bedside(&db, &["review", "list"]);
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listing.contains("invalid_nhs_number"), "{listing}");
    assert!(listing.contains("1 open"), "{listing}");
    let review_id = listing.split_whitespace().next().expect("an id").to_owned();

    let out = bedside(
        &db,
        &["review", "attach", &review_id, "--nhs", "9990000018"],
    );
    let person = last_line(&out);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("entries written"), "{stdout}");
    let person_id = bedside_domain::PersonId::parse(&person).expect("person id");
    let mut tx = store.begin_ingest().await.expect("tx");
    let by_nhs = tx
        .person_by_nhs(NhsNumber::parse("9990000018").expect("valid"))
        .await
        .expect("query")
        .expect("person");
    assert_eq!(by_nhs.0, person_id);
    drop(tx);
    let out = bedside(&db, &["review", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("No patients are waiting"));
    // Attaching twice is refused.
    let out = bedside(
        &db,
        &["review", "attach", &review_id, "--nhs", "9990000018"],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("already attached"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn spo2_scale_and_log_compaction_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("sync.db");
    let home = last_line(&bedside(&db, &["home", "add", "--name", "Oak Lodge"]));
    add_person(&db, "9990000018").await;
    last_line(&bedside(
        &db,
        &[
            "resident",
            "admit",
            "--home",
            &home,
            "--nhs",
            "9990000018",
            "--room",
            "3",
        ],
    ));
    let store = SqliteStore::open(&db).await.expect("open");
    let home_id = bedside_domain::HomeId::parse(&home).expect("id");
    let before = store.sync_head(home_id).await.expect("head");
    assert!(before.head >= 1, "admission is a change");

    let out = bedside(
        &db,
        &[
            "resident",
            "spo2-scale",
            "--nhs",
            "9990000018",
            "--scale",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let residents = store.residents(home_id).await.expect("residents");
    assert_eq!(
        residents[0].spo2_scale,
        bedside_domain::news2::Spo2Scale::Scale2
    );
    let after = store.sync_head(home_id).await.expect("head");
    assert_eq!(
        after.head,
        before.head + 1,
        "a scale change reaches the tablets"
    );
    let out = bedside(
        &db,
        &[
            "resident",
            "spo2-scale",
            "--nhs",
            "9990000018",
            "--scale",
            "3",
        ],
    );
    assert!(!out.status.success());

    let floor = last_line(&bedside(
        &db,
        &["sync", "compact", "--home", &home, "--keep", "1"],
    ));
    assert_eq!(floor, (after.head - 1).to_string());
    assert_eq!(
        store.sync_head(home_id).await.expect("head").floor,
        after.head - 1
    );
}
