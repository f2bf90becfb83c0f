//! Installing what the build and the tests need, when it is missing.

use std::path::Path;
use std::process::Command;

use crate::{Result, exec, root};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The wasm32 target and wasm-bindgen-cli at exactly the version Cargo.lock pins (the CLI
/// must match the library, or the generated glue does not fit the wasm).
pub fn ensure_wasm_tools() -> Result {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        exec(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    let want = locked_version("wasm-bindgen")?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = output(Command::new("wasm-bindgen-test-runner").arg("--version"));
    if have.split_whitespace().nth(1) != Some(want.as_str()) || runner.is_none() {
        eprintln!("Installing wasm-bindgen-cli {want} (about two minutes, once)…");
        // Not --locked: the CLI's own lock file names a dependency crates.io no longer has.
        exec(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    }
    Ok(())
}

/// A package's version as Cargo.lock has it.
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle
            && let Some(version) = lines.next()
            && let Some(v) = version.trim().strip_prefix("version = ")
        {
            return Ok(v.trim_matches('"').to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

/// Installs Debian packages, as root or through passwordless sudo.
fn apt_install(packages: &[&str]) -> Result {
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo", "-n"] };
    let run = |args: &[&str]| {
        let all: Vec<&str> = sudo.iter().chain(args).copied().collect();
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        exec(&mut cmd)
    };
    run(&["apt-get", "update", "-qq"])?;
    let mut args = vec!["apt-get", "install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    run(&args).map_err(|e| {
        format!(
            "{e}\ninstalling {} needs root or passwordless sudo; install them and run again",
            packages.join(" ")
        )
    })
}

/// Debian's Chromium and its chromedriver (the tests never download a browser).
pub fn ensure_browser() -> Result {
    let missing: Vec<&str> = [("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER)]
        .into_iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(package, _)| package)
        .collect();
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    Ok(())
}

/// Node.js and npm for the browser end-to-end tests.
pub fn ensure_node() -> Result {
    if output(Command::new("node").arg("--version")).is_none()
        || output(Command::new("npm").arg("--version")).is_none()
    {
        apt_install(&["nodejs", "npm"])?;
    }
    Ok(())
}

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn ensure_npm_packages(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(l), Some(i)) => i >= l,
        _ => false,
    };
    if !fresh {
        exec(
            Command::new("npm")
                .current_dir(dir)
                .args(["ci", "--no-audit", "--no-fund"]),
        )?;
    }
    Ok(())
}
