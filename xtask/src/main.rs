//! `cargo xtask`: dicoso's build program. See the README for the two commands a newcomer
//! needs (`cargo xtask run`, `cargo xtask test`).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use xtask::site::{self, StageInputs};
use xtask::split;
use xtask::tools::{self, cargo, root, run, say, target_dir};

const USAGE: &str = "usage: cargo xtask <command>

  run [--addr ADDR] [--data-dir DIR]   build (release) and serve the app; default 127.0.0.1:3000, ./data
  test                                 install what is missing, build, and run every test
  dist [--release]                     build the front end into target/site
  fuzz [SECONDS]                       fuzz the sync decoder and the auth handshake (shared/fuzz)
                                       for SECONDS each (default: DICOSO_FUZZ_SECONDS, else 30;
                                       the handshake half as long); `test` runs it too
  bench-ui                             the phone's benchmarks (release build, Chromium, 4x slower CPU)
";

/// Where `cargo xtask test` has the end-to-end tests save their screenshots.
const SCREENSHOTS: &str = "screenshots";

/// The SIGKILL test, whose printed counts CI shows.
const DURABILITY_TEST: &str =
    "durability::acknowledged_changes_survive_sigkill_and_the_rest_arrive_on_reconnect";

/// How long the decoder is fuzzed when neither the command line nor `DICOSO_FUZZ_SECONDS`
/// says.
const FUZZ_SECONDS: u64 = 30;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .map(|(c, r)| (c.as_str(), r))
        .unwrap_or(("", &[]));
    match command {
        "run" => run_app(rest),
        "test" => test(rest),
        "dist" => dist(rest.iter().any(|a| a == "--release")).map(|_| ()),
        "fuzz" => fuzz_decoder(fuzz_seconds(rest.first())?),
        "bench-ui" => bench_ui(),
        "" | "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

/// Builds the front end (WebAssembly + JS glue) and stages the site in `target/site`.
fn dist(release: bool) -> Result<PathBuf> {
    tools::ensure_c_build_tools()?;
    tools::ensure_wasm_target()?;
    if release {
        tools::ensure_node_tools()?;
    }
    let started = Instant::now();
    let profile = if release { "wasm-release" } else { "dev" };
    say(&format!(
        "building the front end (wasm32, profile {profile})"
    ));
    // The app (its entry point, `front`) and its QR module (drawing and reading codes,
    // loaded on demand), in one cargo run.
    run(cargo().current_dir(root()).args([
        "build",
        "--package",
        "front",
        "--package",
        "qr",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--no-default-features",
        "--features",
        "app/hydrate",
        "--profile",
        profile,
    ]))?;
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let built = target_dir()
        .join("wasm32-unknown-unknown")
        .join(profile_dir);
    let work = target_dir().join("front-end");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let bindgen_dir = work.join("bindgen");
    let qr_dir = work.join("qr");
    let split_dir = work.join("split");
    say("splitting the areas loaded on demand out of the app (wasm-split)");
    let app_main = split::split_app(&built.join("front.wasm"), &split_dir)?;
    let qr_wasm = work.join("qr.wasm");
    split::without_relocations(&built.join("qr.wasm"), &qr_wasm)?;
    say("generating JS bindings (wasm-bindgen)");
    for (wasm, name, dir) in [(app_main, "dicoso", &bindgen_dir), (qr_wasm, "qr", &qr_dir)] {
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(wasm)
            .web(true)?
            .typescript(false)
            // The split modules use the main module's memory, table and stack pointer.
            .keep_lld_exports(true)
            .out_name(name)
            .generate(dir)
            .map_err(|e| anyhow::anyhow!("wasm-bindgen ({name}): {e}"))?;
        if release {
            say(&format!("optimising {name} for size (wasm-opt -Oz)"));
            wasm_opt(&dir.join(format!("{name}_bg.wasm")))?;
        }
    }
    if release {
        say("optimising the modules loaded on demand (wasm-opt -Oz)");
        for module in split::modules(&split_dir)? {
            split::without_names(&module)?;
            wasm_opt(&module)?;
        }
    }
    let staged = work.join("site");
    let info = site::stage(
        &StageInputs {
            bindgen_dir: &bindgen_dir,
            qr_dir: Some(&qr_dir),
            split_dir: Some(&split_dir),
            css: &root().join("style/main.css"),
            public_dir: &root().join("public"),
            brotli_quality: if release { 11 } else { 5 },
        },
        &staged,
    )?;
    let site_dir = target_dir().join("site");
    site::replace_dir(&staged, &site_dir)?;
    let wasm_file = site_dir.join(info.wasm.trim_start_matches('/'));
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let brotli = |url: &str| {
        size(&PathBuf::from(format!(
            "{}.br",
            site_dir.join(url.trim_start_matches('/')).display()
        )))
    };
    let on_demand = site::on_demand(&info);
    say(&format!(
        "site ready in {} (build {}, {:.1}s): wasm {} KB, gzip {} KB, brotli {} KB; the areas loaded on demand {} KB brotli in {} files; the QR module (loaded when a code is shown or scanned) {} KB brotli",
        site_dir.display(),
        info.version,
        started.elapsed().as_secs_f64(),
        size(&wasm_file) / 1024,
        size(&PathBuf::from(format!("{}.gz", wasm_file.display()))) / 1024,
        brotli(&info.wasm) / 1024,
        on_demand.iter().map(|u| brotli(u)).sum::<u64>() / 1024,
        on_demand.len(),
        info.qr.as_ref().map(|m| brotli(&m.wasm)).unwrap_or(0) / 1024,
    ));
    Ok(site_dir)
}

/// `wasm-opt -Oz`, in place.
fn wasm_opt(file: &Path) -> Result<()> {
    run(Command::new(tools::wasm_opt())
        .arg("-Oz")
        // The features rustc's wasm32 target enables by default.
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(file)
        .arg("-o")
        .arg(file))
}

fn run_app(args: &[String]) -> Result<()> {
    let site_dir = dist(true)?;
    say("building the server (release)");
    run(cargo().current_dir(root()).args([
        "build",
        "--package",
        "server",
        "--release",
        "--bin",
        "dicoso",
    ]))?;
    let dicoso = target_dir().join("release/dicoso");
    // A province with demo accounts to log in with; prints fresh passwords every run.
    say("demo accounts (dicoso admin demo)");
    run(Command::new(&dicoso)
        .current_dir(root())
        .args(["admin", "demo", "--data-dir"])
        .arg(data_dir_arg(args)))?;
    let mut serve = Command::new(&dicoso);
    serve
        .current_dir(root())
        .arg("serve")
        .arg("--site-dir")
        .arg(&site_dir)
        .args(args);
    say("starting dicoso (Ctrl+C to stop)");
    run(&mut serve)
}

/// The `--data-dir` given to `cargo xtask run` (the server's default otherwise).
fn data_dir_arg(args: &[String]) -> String {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--data-dir" {
            if let Some(dir) = iter.next() {
                return dir.clone();
            }
        } else if let Some(dir) = arg.strip_prefix("--data-dir=") {
            return dir.to_owned();
        }
    }
    "data".into()
}

fn test(args: &[String]) -> Result<()> {
    let started = Instant::now();
    tools::ensure_wasm_target()?;
    tools::ensure_node_tools()?;
    tools::ensure_interop_peer()?;
    tools::ensure_chromium()?;
    let runner = tools::ensure_test_runner()?;
    // The tests drive the front end that ships: release WebAssembly, optimised.
    let site_dir = dist(true)?;
    say("building the server and the tests");
    run(cargo()
        .current_dir(root())
        .args(["build", "--package", "server", "--bin", "dicoso"]))?;
    let bin = target_dir().join("debug/dicoso");

    say("running the workspace's tests (unit, server, end-to-end in headless Chromium)");
    // The durability test runs on its own below, so that its counts reach the log.
    let mut test_args = args.to_vec();
    if !test_args.iter().any(|a| a == "--") {
        test_args.push("--".into());
    }
    test_args.extend(["--skip".into(), DURABILITY_TEST.into()]);
    let screenshots = target_dir().join(SCREENSHOTS);
    run(cargo()
        .current_dir(root())
        .args(["test", "--workspace", "--no-fail-fast"])
        .args(&test_args)
        .env("DICOSO_BIN", &bin)
        .env("DICOSO_SITE", &site_dir)
        .env("E2E_SCREENSHOTS", &screenshots))?;
    say(&format!(
        "screenshots of the end-to-end tests: {}",
        screenshots.display()
    ));
    say(
        "SIGKILL durability (server/tests/all/durability.rs; DICOSO_DURABILITY_ROUNDS, default 20)",
    );
    run(cargo()
        .current_dir(root())
        // `--workspace`, as above, so that `app` keeps the features it was built with
        // there and nothing is compiled again (the other crates' `all` match nothing).
        .args(["test", "--workspace", "--test", "all", "--"])
        .args([DURABILITY_TEST, "--exact", "--nocapture"])
        .env("DICOSO_BIN", &bin))?;

    fuzz_decoder(fuzz_seconds(None)?)?;

    say("running the WebAssembly tests (shared in Node, the IndexedDB store in headless Chromium)");
    let wasm_test = |dir: &str, args: &[&str]| -> Result<()> {
        let mut cmd = cargo();
        cmd.current_dir(root().join(dir))
            .args(["test", "--target", "wasm32-unknown-unknown"])
            .args(args)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
            .env("CHROMEDRIVER", chromedriver()?)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
        run(&mut cmd).with_context(|| format!("WebAssembly tests of {dir}"))
    };
    // Only the targets that hold WebAssembly tests: `shared`'s unit tests (the
    // confirmation tables) and `tests/wasm.rs`; its `tests/all` is native.
    wasm_test(
        "shared",
        &["--package", "shared", "--lib", "--test", "wasm"],
    )?;
    // The app's in the site's own profile, with the packages and features the site was
    // built with (app/Cargo.toml aligns the test-only features): its compiled
    // dependencies and the app itself are reused, only the test binary is new.
    wasm_test(
        "app",
        &[
            "--package",
            "app",
            "--package",
            "qr",
            "--test",
            "all",
            "--no-default-features",
            "--features",
            "app/hydrate",
            "--profile",
            "wasm-release",
        ],
    )?;
    say(&format!(
        "all tests passed in {:.0}s",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// `cargo xtask bench-ui`: the release front end and the server, then the benchmarks of
/// `tests/tests/all/bench_ui.rs`, which print their figures.
fn bench_ui() -> Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_chromium()?;
    let site_dir = dist(true)?;
    say("building the server");
    run(cargo()
        .current_dir(root())
        .args(["build", "--package", "server", "--bin", "dicoso"]))?;
    say("running the phone's benchmarks (tests/tests/all/bench_ui.rs)");
    run(cargo()
        .current_dir(root())
        .args([
            "test",
            "--package",
            "e2e",
            "--test",
            "all",
            "--",
            "bench_ui::",
            "--ignored",
            "--nocapture",
        ])
        .env("DICOSO_BIN", target_dir().join("debug/dicoso"))
        .env("DICOSO_SITE", &site_dir)
        .env("CHROMEDRIVER", chromedriver()?))
}

/// The fuzzing time: the argument, else `DICOSO_FUZZ_SECONDS`, else [`FUZZ_SECONDS`].
fn fuzz_seconds(arg: Option<&String>) -> Result<u64> {
    let text = match (arg, std::env::var("DICOSO_FUZZ_SECONDS")) {
        (Some(arg), _) => arg.clone(),
        (None, Ok(var)) => var,
        (None, Err(_)) => return Ok(FUZZ_SECONDS),
    };
    text.trim()
        .parse()
        .with_context(|| format!("the fuzzing time {text:?} is not a number of seconds"))
}

/// Builds `shared/fuzz`'s targets — `decode` (`Message::decode` on arbitrary bytes) and
/// `auth` (the sync upgrade's credentials and the enrolment request) — and runs the first
/// for `seconds`, the second for half as long; any crash fails: a panic, a failed round
/// trip, a sanitizer report, an input slower than 10 s, more than 2 GiB of memory. The
/// build (its own sanitizer flags) goes to `target/fuzz`; the corpus grows in
/// `shared/fuzz/corpus` (not committed).
fn fuzz_decoder(seconds: u64) -> Result<()> {
    if seconds == 0 {
        say("fuzzing skipped (0 seconds)");
        return Ok(());
    }
    tools::ensure_cargo_fuzz()?;
    let dir = root().join("shared/fuzz");
    let target = target_dir().join("fuzz");
    // cargo-fuzz passes nightly-only flags (-Zsanitizer=address, …): let stable take them.
    let cargo_fuzz = |command: &str, name: &str| {
        let mut cmd = cargo();
        cmd.current_dir(&dir)
            .args(["fuzz", command, name, "--target-dir"])
            .arg(&target)
            .env("RUSTC_BOOTSTRAP", "1");
        cmd
    };
    for (name, what, secs) in [
        ("decode", "the sync decoder", seconds),
        ("auth", "the auth handshake", seconds.div_ceil(2)),
    ] {
        say(&format!(
            "building the fuzz target of {what} (cargo fuzz; about 2 minutes the first time)"
        ));
        let started = Instant::now();
        run(&mut cargo_fuzz("build", name))?;
        let built = started.elapsed().as_secs_f64();
        say(&format!("fuzzing {what} for {secs}s"));
        let started = Instant::now();
        run(cargo_fuzz("run", name).arg("--").args([
            format!("-max_total_time={secs}"),
            "-rss_limit_mb=2048".into(),
            "-timeout=10".into(),
            "-verbosity=0".into(),
            "-print_final_stats=1".into(),
        ]))
        .with_context(|| {
            format!(
                "the fuzzer found an input {what} fails on; it is saved in \
                 shared/fuzz/artifacts/{name}/ (replay: cd shared/fuzz && \
                 RUSTC_BOOTSTRAP=1 cargo fuzz run {name} <file>)"
            )
        })?;
        say(&format!(
            "fuzzing {what} found nothing: build {built:.1}s, run {:.1}s",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

fn chromedriver() -> Result<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromedriver");
    if path.exists() {
        Ok(path)
    } else {
        bail!("chromedriver is not installed")
    }
}
