//! Finding and installing what the build and the tests need, saying what is being done.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Prints a step the way every command of the build program does.
pub fn say(message: &str) {
    eprintln!("==> {message}");
}

/// Runs a command, failing with its name if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{:?} failed ({status})", cmd.get_program());
    }
    Ok(())
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// The shared target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A C compiler and `make`: SQLite (rusqlite's bundled build) and jemalloc, the server's
/// allocator, are built from C sources.
pub fn ensure_c_build_tools() -> Result<()> {
    ensure_debian_packages(&[("cc", "build-essential"), ("make", "make")])
}

pub fn ensure_wasm_target() -> Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    say("installing the Rust target wasm32-unknown-unknown (rustup)");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// wasm-opt from npm's `binaryen` (Debian's is too old and breaks automerge builds).
pub fn wasm_opt() -> PathBuf {
    root().join("node_modules/.bin/wasm-opt")
}

pub fn ensure_node_tools() -> Result<()> {
    if wasm_opt().exists() {
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        ensure_debian_packages(&[("npm", "npm")])?;
    }
    say("installing build tools from package-lock.json (npm ci: binaryen's wasm-opt)");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root()))
}

/// The stock automerge-repo peer of `tests/interop` (the npm packages, exact versions).
pub fn ensure_interop_peer() -> Result<()> {
    let dir = root().join("tests/interop");
    if dir.join("node_modules/@automerge/automerge-repo").exists() {
        return Ok(());
    }
    if output(Command::new("npm").arg("--version")).is_none() {
        ensure_debian_packages(&[("npm", "npm")])?;
    }
    say("installing the automerge-repo interop peer (npm, from tests/interop's lock file)");
    // Not `npm ci`: it refuses this lock file, which lacks cbor-x's optional native
    // packages (@cbor-extract/*; the registry we locked against does not serve them).
    // `install --no-save` takes the locked versions and leaves the lock file alone.
    run(Command::new("npm")
        .args(["install", "--no-save", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

/// Installs Debian packages when their command is missing: (command, package).
pub fn ensure_debian_packages(wanted: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(cmd, _)| {
            output(Command::new("sh").args(["-c", &format!("command -v {cmd}")])).is_none()
        })
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo: &[&str] = if output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0") {
        &[]
    } else {
        &["sudo"]
    };
    say(&format!(
        "installing Debian packages: {} (apt-get)",
        missing.join(" ")
    ));
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend(missing.iter().copied());
    apt(&install)
}

pub fn ensure_chromium() -> Result<()> {
    ensure_debian_packages(&[
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ])
}

/// The cargo-fuzz release installed when none is: the one CI was measured with.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// `cargo fuzz` (for `shared/fuzz`), installed from crates.io into cargo's bin directory
/// if missing; any installed version will do.
pub fn ensure_cargo_fuzz() -> Result<()> {
    if output(cargo().args(["fuzz", "--version"])).is_some() {
        return Ok(());
    }
    say(&format!(
        "installing cargo-fuzz {CARGO_FUZZ_VERSION} (cargo install; about half a minute, once)"
    ));
    run(cargo()
        .args(["install", "cargo-fuzz", "--locked", "--version"])
        .arg(format!("={CARGO_FUZZ_VERSION}")))
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI tools must match it.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

/// `wasm-bindgen-test-runner` of the locked version, installed into cargo's bin directory.
///
/// wasm-bindgen-cli's own lock file names a webpki-roots release the registry no longer
/// has, so a plain `cargo install --locked` fails: install from its unpacked source with
/// that one dependency pinned to the release before.
pub fn ensure_test_runner() -> Result<PathBuf> {
    let version = wasm_bindgen_version()?;
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let runner = home.join("bin/wasm-bindgen-test-runner");
    let found = output(Command::new(&runner).arg("--version")).unwrap_or_default();
    if found.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(runner);
    }
    say(&format!(
        "installing wasm-bindgen-cli {version} (for wasm-bindgen-test-runner; a few minutes, once)"
    ));
    let plain = cargo()
        .args(["install", "wasm-bindgen-cli", "--locked", "--version"])
        .arg(format!("={version}"))
        .status()?;
    if plain.success() {
        return Ok(runner);
    }
    // That attempt left the crate in cargo's registry cache: unpack and pin.
    let cache = home.join("registry/cache");
    let crate_file = std::fs::read_dir(&cache)?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(format!("wasm-bindgen-cli-{version}.crate")))
        .find(|p| p.exists())
        .context("wasm-bindgen-cli's source is not in cargo's cache")?;
    // Outside the workspace, or cargo takes it for a member.
    let work = std::env::temp_dir().join("dicoso-tools-src");
    std::fs::create_dir_all(&work)?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(&crate_file)
        .arg("-C")
        .arg(&work))?;
    let src = work.join(format!("wasm-bindgen-cli-{version}"));
    run(cargo()
        .args(["update", "-p", "webpki-roots", "--precise", "1.0.10"])
        .current_dir(&src))?;
    run(cargo()
        .args(["install", "--locked", "--path", "."])
        .env("CARGO_TARGET_DIR", work.join("target"))
        .current_dir(&src))?;
    Ok(runner)
}
