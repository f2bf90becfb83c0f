//! The `bedside` command line: `serve`, and the administrative subcommands. Each
//! administrative command prints the new id (or credential) as its last line, so scripts
//! can take it with `tail -n1`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use bedside_domain::api::Role;
use bedside_domain::record::ResidencyStatus;
use bedside_domain::{HomeId, NhsNumber};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use tokio::net::TcpListener;

use crate::state::{AppState, Settings};
use crate::store::Store;
use crate::store::sqlite::SqliteStore;
use crate::{admin, demo, ingest_cli, startup};

#[derive(Debug, Parser)]
#[command(
    name = "bedside",
    version,
    about = "Bedside: a shared care record for care homes"
)]
pub struct Cli {
    /// The SQLite database file (created if missing).
    #[arg(long, global = true, env = "BEDSIDE_DB", default_value = "bedside.db")]
    pub db: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage care homes.
    #[command(subcommand)]
    Home(HomeCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Admit residents and record that they left.
    #[command(subcommand)]
    Resident(ResidentCommand),
    /// Manage the systems that send records (hospitals, GP practices, pharmacies…).
    #[command(subcommand)]
    Source(SourceCommand),
    /// Patients held for review because they could not be matched safely.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Look after homes' sync logs.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Load FHIR Bundle or resource files (or folders of them) through the same path as
    /// POST /fhir, with progress and a summary.
    Import {
        /// The ODS code of the sending system to attribute the records to (one added
        /// with `bedside source add`); without it, a built-in "File import" source.
        #[arg(long)]
        source: Option<String>,
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Drop all but the newest changes of a home's log; tablets further behind take a
    /// snapshot on their next sync. Prints the new floor.
    Compact {
        #[arg(long)]
        home: HomeId,
        /// How many of the newest changes to keep.
        #[arg(long, default_value_t = 100_000)]
        keep: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a sending system; prints its bearer credential once, as the last line (only
    /// a hash is kept).
    Add {
        /// The organisation's ODS code.
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// List the patients waiting for review.
    List {
        /// Include those already attached.
        #[arg(long)]
        all: bool,
    },
    /// Attach a held patient, and everything about them, to the person with this NHS
    /// number; prints the person's id.
    Attach {
        /// The review item's id (from `bedside review list`).
        id: String,
        #[arg(long)]
        nhs: NhsNumber,
    },
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen. Port 0 picks a free port (the URL printed says which).
    #[arg(long, env = "BEDSIDE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fill an empty database with the synthetic demo homes, residents and records.
    #[arg(long)]
    pub demo: bool,
    /// The built app to serve (made by `cargo xtask dist`).
    #[arg(long, env = "BEDSIDE_ASSETS", default_value = "dist")]
    pub assets: PathBuf,
    /// How long an access token lasts, in minutes (the tablet refreshes it).
    #[arg(long, env = "BEDSIDE_TOKEN_TTL_MINUTES", default_value_t = 15)]
    pub token_ttl_minutes: u32,
    /// A session not used for this many minutes ends.
    #[arg(long, env = "BEDSIDE_IDLE_MINUTES", default_value_t = 30)]
    pub idle_minutes: u32,
    /// A session ends this many hours after sign-in, however much it is used.
    #[arg(long, env = "BEDSIDE_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
}

#[derive(Debug, Subcommand)]
pub enum HomeCommand {
    /// Add a care home; prints its id.
    Add {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Carer,
    Senior,
    Manager,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Carer => Role::Carer,
            RoleArg::Senior => Role::Senior,
            RoleArg::Manager => Role::Manager,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff to a home; prints their id. The password comes from
    /// BEDSIDE_PASSWORD, or is asked for.
    Add {
        #[arg(long)]
        home: HomeId,
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResidentCommand {
    /// Start a residency in a home for a person whose record the database holds; prints
    /// the residency id.
    Admit {
        #[arg(long)]
        home: HomeId,
        /// The person's NHS number (10 digits, or 3-3-4 with spaces).
        #[arg(long)]
        nhs: NhsNumber,
        #[arg(long)]
        room: String,
        /// The day they moved in (YYYY-MM-DD); today if not given.
        #[arg(long)]
        admitted_on: Option<NaiveDate>,
    },
    /// Set the SpO2 scale NEWS2 uses for a person: 2 only for hypercapnic respiratory
    /// failure, as a clinician decided; 1 otherwise.
    Spo2Scale {
        #[arg(long)]
        nhs: NhsNumber,
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
        scale: u8,
    },
    /// End a person's residency; their record leaves the home's tablets. Prints the
    /// residency id.
    Leave {
        #[arg(long)]
        nhs: NhsNumber,
        /// Record that the person died, rather than moved away.
        #[arg(long)]
        died: bool,
        /// The day they left (YYYY-MM-DD); today if not given.
        #[arg(long)]
        on: Option<NaiveDate>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let store = SqliteStore::open(&cli.db)
        .await
        .with_context(|| format!("opening the database {}", cli.db.display()))?;
    match cli.command {
        Command::Serve(args) => serve(store, args).await,
        Command::Home(HomeCommand::Add { name }) => {
            let id = admin::add_home(&store, &name).await?;
            println!("Added home {:?}.", name.trim());
            println!("{id}");
            Ok(())
        }
        Command::Staff(StaffCommand::Add {
            home,
            username,
            role,
        }) => {
            let password = read_password()?;
            let id = admin::add_staff(&store, home, &username, role.into(), &password).await?;
            println!("Added {} as {}.", username, Role::from(role).label());
            println!("{id}");
            Ok(())
        }
        Command::Resident(ResidentCommand::Admit {
            home,
            nhs,
            room,
            admitted_on,
        }) => {
            let on = admitted_on.unwrap_or_else(|| Utc::now().date_naive());
            let id = admin::admit(&store, home, nhs, &room, on, ResidencyStatus::InHome).await?;
            println!("Admitted NHS number {nhs} to room {}.", room.trim());
            println!("{id}");
            Ok(())
        }
        Command::Resident(ResidentCommand::Spo2Scale { nhs, scale }) => {
            let scale = if scale == 2 {
                bedside_domain::news2::Spo2Scale::Scale2
            } else {
                bedside_domain::news2::Spo2Scale::Scale1
            };
            store.set_spo2_scale(nhs, scale).await?;
            println!("NEWS2 for NHS number {nhs} now uses SpO2 {scale:?}.");
            Ok(())
        }
        Command::Sync(SyncCommand::Compact { home, keep }) => {
            let head = store.sync_head(home).await?;
            let through = head.head.saturating_sub(keep);
            store.compact_changes(home, through).await?;
            let after = store.sync_head(home).await?;
            println!(
                "Kept changes after {} of {} (epoch {}).",
                after.floor, after.head, after.epoch
            );
            println!("{}", after.floor);
            Ok(())
        }
        Command::Source(SourceCommand::Add { org, name }) => {
            let credential = ingest_cli::add_source(&store, &org, &name).await?;
            println!(
                "Added {} ({}). Its credential is shown only now: give it to the sending system.",
                name.trim(),
                org.trim().to_uppercase()
            );
            println!("{credential}");
            Ok(())
        }
        Command::Review(ReviewCommand::List { all }) => {
            ingest_cli::list_reviews(&store, all).await?;
            Ok(())
        }
        Command::Review(ReviewCommand::Attach { id, nhs }) => {
            let person = ingest_cli::attach_review(&store, &id, nhs).await?;
            println!("{person}");
            Ok(())
        }
        Command::Import { source, paths } => {
            let summary = ingest_cli::import(&store, source.as_deref(), &paths).await?;
            let c = &summary.counts;
            println!(
                "Imported {} file(s): {} accepted ({} new, {} updated, {} already held, {} not shown), \
                 {} held for review, {} rejected; {} record entries written.",
                summary.files,
                c.created + c.updated + c.unchanged + c.supporting + c.not_modelled,
                c.created,
                c.updated,
                c.unchanged,
                c.not_modelled,
                c.held_for_review,
                c.rejected,
                c.entries_written
            );
            for (file, issues) in &summary.refused {
                println!("Rejected in {file}:");
                for i in issues {
                    let at = i
                        .expression
                        .first()
                        .map(|e| format!(" at {e}"))
                        .unwrap_or_default();
                    println!("  - {}{at}", i.diagnostics);
                }
            }
            if summary.counts.rejected > 0 {
                bail!(
                    "{} file(s) or entries were rejected",
                    summary.counts.rejected
                );
            }
            Ok(())
        }
        Command::Resident(ResidentCommand::Leave { nhs, died, on }) => {
            let status = if died {
                ResidencyStatus::Died
            } else {
                ResidencyStatus::Left
            };
            let on = on.unwrap_or_else(|| Utc::now().date_naive());
            let id = admin::leave(&store, nhs, status, on).await?;
            println!(
                "Recorded that NHS number {nhs} {}.",
                if died { "died" } else { "left" }
            );
            println!("{id}");
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("BEDSIDE_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        bail!("set BEDSIDE_PASSWORD, or run this in a terminal to be asked for the password");
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

async fn serve(store: SqliteStore, args: ServeArgs) -> anyhow::Result<()> {
    let demo_data = if args.demo {
        let data = bedside_demo::generate(bedside_demo::DEFAULT_SEED, Utc::now().date_naive());
        if store.is_empty().await? {
            eprintln!("Creating the demo homes, staff and residents…");
            let started = std::time::Instant::now();
            let loaded = demo::load(&store, &data, Utc::now()).await?;
            eprintln!(
                "Demo data created in {:.1}s: {} homes, {} staff, {} residents; {} sending systems \
                 sent {} FHIR Bundles; {} record entries.",
                started.elapsed().as_secs_f64(),
                loaded.homes,
                loaded.staff,
                loaded.residents,
                loaded.sources,
                loaded.bundles,
                loaded.entries
            );
        }
        Some(data)
    } else {
        None
    };
    let settings = Settings {
        token_ttl: chrono::Duration::minutes(i64::from(args.token_ttl_minutes)),
        idle_timeout: chrono::Duration::minutes(i64::from(args.idle_minutes)),
        session_max: chrono::Duration::hours(i64::from(args.session_hours)),
        ..Settings::default()
    };
    let state = AppState::new(Arc::new(store), settings);
    let app = startup::build_app(state, &args.assets);
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let local = listener.local_addr()?;
    println!("Bedside is listening on http://{local}");
    if let Some(data) = &demo_data {
        println!(
            "Demo sign-ins (password {:?}):",
            bedside_demo::DEMO_PASSWORD
        );
        for home in &data.homes {
            let names: Vec<&str> = home.staff.iter().map(|s| s.username.as_str()).collect();
            println!("  {}: {}", home.name, names.join(", "));
        }
    }
    startup::serve(listener, app, shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop taking connections and finish the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
