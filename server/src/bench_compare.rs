//! `dicoso bench-sync --compare` and `--soak` (issue 10): benchmarks, never run in CI.
//!
//! `--compare` runs each load (`--loads`, CLIENTSxDOCUMENTS) against the reference (the
//! stock automerge-repo sync server under Node, `tests/interop/reference-server.mjs`) and
//! against `dicoso serve`, each started afresh for each load, with the same Rust clients
//! (`bench_sync::one_client`), and prints per run: documents synced per second, the
//! server's CPU seconds per 1000 documents and cores busy (`/proc/<pid>/stat`), its peak
//! RSS (`VmHWM`), and the round-trip latency of single edits under that load (p50, p95,
//! p99). The reference has no accounts: its clients send tokens it ignores.
//!
//! `--soak` keeps `--clients` clients editing for `--soak-secs` against `dicoso serve`,
//! printing the server's RSS every 30 s: memory should stay flat.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use server::sync_client::SyncClientError;
use server::testing::Device;

use crate::bench_sync::{
    BenchSyncArgs, ChildServer, documents_left_loaded, mib, one_client, peak_rss_kib, soak_client,
    sync_figures, unenrolled,
};

/// How often the soak prints the server's memory.
const SOAK_REPORT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug)]
struct Load {
    clients: usize,
    documents: usize,
}

fn parse_loads(loads: &str) -> Result<Vec<Load>> {
    loads
        .split(',')
        .map(|load| {
            let (clients, documents) = load
                .trim()
                .split_once('x')
                .with_context(|| format!("a load is CLIENTSxDOCUMENTS, not {load}"))?;
            Ok(Load {
                clients: clients.parse()?,
                documents: documents.parse()?,
            })
        })
        .collect()
}

/// What one run measured.
struct Figures {
    server: &'static str,
    load: Load,
    synced: usize,
    wall: Duration,
    cpu: Duration,
    /// `None` if the server was gone by the end (it crashed).
    peak_rss_kib: Option<u64>,
    round_trips: Vec<Duration>,
    failures: Vec<String>,
}

pub async fn compare(args: BenchSyncArgs) -> Result<ExitCode> {
    let loads = parse_loads(&args.loads)?;
    let reference_dir = std::fs::canonicalize(&args.reference_dir).with_context(|| {
        format!(
            "no {} (run from the repository's root, or give --reference-dir)",
            args.reference_dir.display()
        )
    })?;
    let mut table = Vec::new();
    for load in loads {
        for server in ["reference", "dicoso"] {
            let (child, devices) = match server {
                "reference" => {
                    let child = ChildServer::reference(&reference_dir).await?;
                    let devices = (0..load.clients)
                        .map(|n| unenrolled(&format!("BN-{:04}", n + 1)))
                        .collect::<Result<Vec<_>>>()?;
                    (child, devices)
                }
                _ => ChildServer::start(load.clients, args.documents_memory).await?,
            };
            eprintln!(
                "running {} clients × {} documents against {server} ({})",
                load.clients, load.documents, child.url
            );
            let figures = run_load(&child, server, load, devices, &args).await;
            child.stop().await;
            let figures = figures?;
            // Each row as it comes too: a long run's early rows survive an interruption.
            print_table(std::slice::from_ref(&figures));
            table.push(figures);
        }
    }
    print_table(&table);
    let failed = table.iter().any(|f| !f.failures.is_empty());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

async fn run_load(
    child: &ChildServer,
    server: &'static str,
    load: Load,
    devices: Vec<Device>,
    args: &BenchSyncArgs,
) -> Result<Figures> {
    let patience = Duration::from_secs(args.timeout_secs);
    let cpu_before = cpu_time(child.pid)?;
    let started = Instant::now();
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let url = child.url.clone();
            let edits = args.edits;
            tokio::spawn(async move {
                tokio::time::timeout(
                    patience,
                    one_client(device, &url, load.documents, edits, patience),
                )
                .await
                .unwrap_or_else(|_| Err(SyncClientError::TimedOut("the whole run".into())))
            })
        })
        .collect();
    let mut synced = 0;
    let mut round_trips = Vec::new();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok((_, mut samples))) => {
                synced += load.documents;
                round_trips.append(&mut samples);
            }
            Ok(Err(e)) => failures.push(format!("{e:#}")),
            Err(e) => failures.push(format!("client task failed: {e}")),
        }
    }
    let wall = started.elapsed();
    // A server that crashed under the load has no figures left: zero, and its failures say.
    let cpu = cpu_time(child.pid)
        .unwrap_or_default()
        .saturating_sub(cpu_before);
    round_trips.sort();
    for failure in failures.iter().take(3) {
        eprintln!("  {server}: {failure}");
    }
    Ok(Figures {
        server,
        load,
        synced,
        wall,
        cpu,
        peak_rss_kib: peak_rss_kib(child.pid).ok(),
        round_trips,
        failures,
    })
}

fn print_table(table: &[Figures]) {
    let build = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    println!(
        "bench-sync --compare ({build} build of the clients and of dicoso; {} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| server | load | docs synced/s | CPU s/1000 docs | cores busy | peak RSS MiB | \
         p50 ms | p95 ms | p99 ms | failed clients |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in table {
        let per_s = f.synced as f64 / f.wall.as_secs_f64();
        let cpu_per_1000 = if f.synced == 0 {
            f64::NAN
        } else {
            f.cpu.as_secs_f64() * 1000.0 / f.synced as f64
        };
        let cores = f.cpu.as_secs_f64() / f.wall.as_secs_f64();
        println!(
            "| {} | {}×{} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} |",
            f.server,
            f.load.clients,
            f.load.documents,
            per_s,
            cpu_per_1000,
            cores,
            f.peak_rss_kib
                .map_or("gone".to_owned(), |kib| format!("{:.0}", mib(kib))),
            percentile(&f.round_trips, 50),
            percentile(&f.round_trips, 95),
            percentile(&f.round_trips, 99),
            f.failures.len()
        );
    }
}

/// The `p`th percentile of sorted samples, in milliseconds.
fn percentile(sorted: &[Duration], p: usize) -> String {
    if sorted.is_empty() {
        return "n/a".into();
    }
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    format!(
        "{:.1}",
        sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
    )
}

/// The CPU time (user + system) a process has used, from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // After the command name (in parentheses, which may hold spaces): state is field 3,
    // utime 14 and stime 15.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("bad {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        fields
            .get(i)
            .context("short stat")?
            .parse()
            .context("bad stat")
    };
    let ticks = ticks(11)? + ticks(12)?;
    Ok(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when that fails).
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let value = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .with_context(|| format!("no {field} in {path}"))?;
    Ok(value.trim().trim_end_matches("kB").trim().parse()?)
}

pub async fn soak(args: BenchSyncArgs) -> Result<ExitCode> {
    let duration = Duration::from_secs(args.soak_secs);
    let (child, devices) = ChildServer::start(args.clients, args.documents_memory).await?;
    let until = Instant::now() + duration;
    let changes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    println!(
        "bench-sync --soak: {} clients × {} documents, one change a second each, {} s, \
         against {}",
        args.clients,
        args.documents,
        duration.as_secs(),
        child.url
    );
    let start_rss = status_kib(child.pid, "VmRSS")?;
    println!("  t=0 s: RSS {:.1} MiB", mib(start_rss));
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let url = child.url.clone();
            let changes = changes.clone();
            let documents = args.documents;
            tokio::spawn(async move {
                soak_client(
                    device,
                    &url,
                    documents,
                    Duration::from_secs(1),
                    until,
                    &changes,
                )
                .await
            })
        })
        .collect();
    let mut ticker =
        tokio::time::interval_at(tokio::time::Instant::now() + SOAK_REPORT, SOAK_REPORT);
    while Instant::now() + SOAK_REPORT / 2 < until {
        ticker.tick().await;
        let documents = match sync_figures(&child.url).await {
            Ok((loaded, followed, memory)) => {
                format!("{loaded} of {followed} documents in memory (~{memory:.1} MiB)")
            }
            Err(e) => format!("documents unknown: {e:#}"),
        };
        println!(
            "  t={} s: RSS {:.1} MiB, peak {:.1} MiB, {} threads, {} changes synced, {documents}",
            started.elapsed().as_secs(),
            mib(status_kib(child.pid, "VmRSS")?),
            mib(status_kib(child.pid, "VmHWM")?),
            status_kib(child.pid, "Threads").unwrap_or_default(),
            changes.load(Ordering::Relaxed)
        );
    }
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{e:#}")),
            Err(e) => failures.push(format!("client task failed: {e}")),
        }
    }
    let total = changes.load(Ordering::Relaxed);
    let wall = started.elapsed();
    let left = documents_left_loaded(&child.url).await;
    println!(
        "  end, t={} s: RSS {:.1} MiB (at start {:.1}), peak {:.1} MiB; {} changes synced \
         ({:.0}/s); documents still loaded after the clients left: {}",
        wall.as_secs(),
        mib(status_kib(child.pid, "VmRSS")?),
        mib(start_rss),
        mib(status_kib(child.pid, "VmHWM")?),
        total,
        total as f64 / wall.as_secs_f64(),
        match left {
            Ok((n, _)) => n.to_string(),
            Err(e) => format!("unknown: {e:#}"),
        }
    );
    child.stop().await;
    if failures.is_empty() {
        println!("  failures: none");
        return Ok(ExitCode::SUCCESS);
    }
    println!("  failures: {} client(s); first ones:", failures.len());
    for failure in failures.iter().take(5) {
        println!("    {failure}");
    }
    if failures.len() == args.clients {
        bail!("every client failed");
    }
    Ok(ExitCode::FAILURE)
}
