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
