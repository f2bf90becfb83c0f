//! The project's one build entry point.
//!
//! `cargo xtask run`   builds everything and starts the server with the demo data.
//! `cargo xtask test`  runs every test: lints, native, wasm in headless Chromium, end to end.
//! `cargo xtask dist`  builds the tablet app into `dist/`.
//!
//! Whatever a step needs and the machine lacks (the wasm32 target, wasm-bindgen-cli at the
//! Cargo.lock version, Chromium and chromedriver, Node.js, the npm test tooling) is installed
//! first, and skipped when already there.

mod dist;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run [--addr HOST:PORT] [--db PATH]   build everything and serve the app with demo data
                                       (default http://127.0.0.1:8080, database bedside.db)
  test                                 run every test (lints, native, wasm, end to end)
  dist                                 build the tablet app into dist/
  bench [ingest|sync] [ARGS…]          run a benchmark in release and print its figures
                                       (ingest: --residents N --concurrency C;
                                        sync: --residents N --entries E --runs R
                                        --sign-ins B --summaries S --no-browser)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("dist") => tools::ensure_wasm_tools().and_then(|()| dist::build(&root())),
        Some("bench") => bench(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, echoing it, and fails with its exit status.
pub fn exec(cmd: &mut Command) -> Result {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(args: &[String]) -> Result {
    let mut addr = "127.0.0.1:8080".to_owned();
    let mut db = "bedside.db".to_owned();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--addr" => addr = it.next().ok_or("--addr needs HOST:PORT")?.clone(),
            "--db" => db = it.next().ok_or("--db needs a path")?.clone(),
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    let root = root();
    tools::ensure_wasm_tools()?;
    dist::build(&root)?;
    exec(cargo().args([
        "build",
        "--release",
        "-p",
        "bedside-backend",
        "--bin",
        "bedside",
    ]))?;
    let bin = target_dir(&root).join("release/bedside");
    eprintln!("\nStarting Bedside (Ctrl-C to stop)…");
    exec(
        Command::new(bin)
            .current_dir(&root)
            .args(["serve", "--demo", "--db", &db, "--addr", &addr, "--assets"])
            .arg(root.join("dist")),
    )
}

/// Benchmarks print figures; they are not tests and assert nothing about speed.
///
/// `bench sync` also measures the app in headless Chromium: that needs the browser, Node
/// and the e2e packages, the built app (rebuilt only when missing or older than its
/// sources) and the release server, which the benchmark starts on the database it loaded.
fn bench(args: &[String]) -> Result {
    let root = root();
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--release",
        "-p",
        "bedside-tests",
        "--bin",
        "bench",
        "--",
    ]);
    if args.is_empty() {
        cmd.arg("ingest");
    } else {
        cmd.args(args);
    }
    let browser = args.first().map(String::as_str) == Some("sync")
        && !args.iter().any(|a| a == "--no-browser");
    if browser {
        tools::ensure_browser()?;
        tools::ensure_node()?;
        tools::ensure_npm_packages(&root.join("tests/e2e"))?;
        match dist_is_current(&root) {
            Ok(()) => eprintln!("dist/ is up to date with its sources"),
            Err(why) => {
                eprintln!("Building dist/: {why}");
                tools::ensure_wasm_tools()?;
                dist::build(&root)?;
            }
        }
        exec(cargo().args([
            "build",
            "--release",
            "-p",
            "bedside-backend",
            "--bin",
            "bedside",
        ]))?;
        cmd.env("BEDSIDE_BIN", target_dir(&root).join("release/bedside"))
            .env("BEDSIDE_DIST", root.join("dist"))
            .env("CHROMIUM", tools::CHROMIUM);
    }
    exec(&mut cmd)
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when set (relative to the
/// workspace, as cargo takes it), otherwise `target/`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Whether `dist/` was built after every file it is built from last changed; the error
/// says why not.
fn dist_is_current(root: &Path) -> Result {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut built = None;
    for file in [
        "dist/index.html",
        "dist/sw.js",
        "dist/app/bedside_frontend_bg.wasm",
        "dist/sw/bedside_sw_bg.wasm",
    ] {
        let Some(t) = modified(&root.join(file)) else {
            return Err(format!("{file} is missing"));
        };
        built = Some(built.map_or(t, |b: std::time::SystemTime| b.min(t)));
    }
    let built = built.ok_or("dist/ is empty")?;
    let mut stack: Vec<PathBuf> = [
        "frontend",
        "client",
        "domain",
        "service-worker",
        "public",
        "Cargo.toml",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let entries =
                std::fs::read_dir(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
            stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
        } else if modified(&path).is_some_and(|t| t > built) {
            return Err(format!(
                "{} changed after it was built",
                path.strip_prefix(root).unwrap_or(&path).display()
            ));
        }
    }
    Ok(())
}

fn test() -> Result {
    let root = root();
    let mut timings: Vec<(&str, Duration)> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result| -> Result {
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let result = f();
        timings.push((name, started.elapsed()));
        result.map_err(|e| format!("{name}: {e}"))
    };

    step("tools", &mut || {
        tools::ensure_wasm_tools()?;
        tools::ensure_browser()?;
        tools::ensure_node()?;
        tools::ensure_npm_packages(&root.join("tests/e2e"))
    })?;
    step("format", &mut || {
        exec(cargo().args(["fmt", "--all", "--", "--check"]))
    })?;
    step("clippy", &mut || {
        exec(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        exec(cargo().args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "bedside-frontend",
            "-p",
            "bedside-sw",
            "-p",
            "bedside-client",
            "-p",
            "bedside-domain",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("native tests", &mut || {
        exec(cargo().args(["test", "--workspace", "--all-targets"]))
    })?;
    step("wasm tests (headless Chromium)", &mut || {
        exec(
            cargo()
                .args([
                    "test",
                    "--target",
                    "wasm32-unknown-unknown",
                    "-p",
                    "bedside-frontend",
                    "-p",
                    "bedside-client",
                    "-p",
                    "bedside-sw",
                ])
                .env("CHROMEDRIVER", tools::CHROMEDRIVER)
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        )
    })?;
    step("build the app", &mut || dist::build(&root))?;
    step("the app's wasm budget", &mut || dist::check_budget(&root))?;
    step("end-to-end tests (headless Chromium)", &mut || {
        exec(cargo().args(["build", "-p", "bedside-backend", "--bin", "bedside"]))?;
        exec(
            Command::new("node")
                .current_dir(root.join("tests/e2e"))
                .args(["--test", "--test-concurrency=1"])
                .env("BEDSIDE_BIN", target_dir(&root).join("debug/bedside"))
                .env("BEDSIDE_DIST", root.join("dist"))
                .env("CHROMIUM", tools::CHROMIUM),
        )
    })?;

    eprintln!("\nAll tests passed.");
    for (name, took) in &timings {
        eprintln!("  {name:<40} {:>6.1}s", took.as_secs_f64());
    }
    Ok(())
}
