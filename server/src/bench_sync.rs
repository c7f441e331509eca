//! `dicoso bench-sync`: N simulated clients, each with its own WebSocket, create M documents
//! each, edit them, and wait until the server's sync messages carry the same heads. Reports
//! documents synced per second, WebSocket bytes per change, the server's peak RSS, and how
//! many documents the server still holds in memory once every client has left.
//!
//! Without `--addr` the server is this same binary started as a child (`dicoso serve` on a
//! free loopback port, scratch data and site directories), so its `/proc/<pid>/status`
//! VmHWM is the server's alone, not the clients'. Its data directory is prepared first:
//! a synthetic province with one cadre per client, each client an enrolled device of its
//! cadre writing that cadre's dossiers (one per year: 2001, 2002…), so every byte passes
//! the same checks as a phone's. With `--addr` (another server, e.g. the reference one),
//! the clients send the same documents with tokens that server ignores.

use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use automerge::transaction::Transactable;
use automerge::{ActorId, ObjType, ROOT, ReadDoc, Value};
use server::sync_client::{SyncClient, SyncClientError, WireBytes};
use server::testing::Device;
use shared::doc::{CadreCode, DossierKey};
use shared::sync::DocumentId;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// How long the child server may take to say where it listens.
const STARTUP: Duration = Duration::from_secs(30);
/// How long the server may take to unload the documents of clients that left.
const EVICTION: Duration = Duration::from_secs(5);

#[derive(clap::Args)]
pub struct BenchSyncArgs {
    /// Simulated clients, each with its own WebSocket connection.
    #[arg(long, default_value_t = 100)]
    pub(crate) clients: usize,
    /// Documents each client creates.
    #[arg(long, default_value_t = 50)]
    pub(crate) documents: usize,
    /// Changes each client makes to each of its documents after creating it, one
    /// document at a time (each a timed round trip).
    #[arg(long, default_value_t = 1)]
    pub(crate) edits: usize,
    /// A running server's endpoint (`ws://127.0.0.1:PORT/sync`); loopback only. Without
    /// it, a server is started as a child process.
    #[arg(long)]
    addr: Option<String>,
    /// A client still busy after this long counts as failed.
    #[arg(long, default_value_t = 120)]
    pub(crate) timeout_secs: u64,
    /// Side by side: each load of `--loads` against the reference (the stock
    /// automerge-repo sync server, `tests/interop/reference-server.mjs` under Node) and
    /// against `dicoso serve` (this binary), each freshly started; prints one table.
    #[arg(long, conflicts_with_all = ["addr", "soak"])]
    compare: bool,
    /// The loads of `--compare`, CLIENTSxDOCUMENTS, comma-separated.
    #[arg(long, default_value = "10x10,100x50,400x25")]
    pub(crate) loads: String,
    /// Where `reference-server.mjs` and its `node_modules` are.
    #[arg(long, default_value = "tests/interop")]
    pub(crate) reference_dir: std::path::PathBuf,
    /// A soak against `dicoso serve`: `--clients` clients (the soak: 200) keep
    /// editing their `--documents` documents for `--soak-secs`, one change a second each;
    /// the server's RSS is printed every 30 s and at the end.
    #[arg(long, conflicts_with = "addr")]
    soak: bool,
    /// How long the soak lasts.
    #[arg(long, default_value_t = 600)]
    pub(crate) soak_secs: u64,
    /// Passed to the `dicoso serve` it starts: what loaded documents may take in memory
    /// (its own default if not given).
    #[arg(long)]
    pub(crate) documents_memory: Option<usize>,
}

pub fn run(args: BenchSyncArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.compare {
        return runtime.block_on(crate::bench_compare::compare(args));
    }
    if args.soak {
        return runtime.block_on(crate::bench_compare::soak(args));
    }
    runtime.block_on(bench(args))
}

async fn bench(args: BenchSyncArgs) -> Result<ExitCode> {
    let mut child = None;
    let (url, devices) = match &args.addr {
        Some(addr) => {
            ensure_loopback(addr)?;
            let devices = (0..args.clients)
                .map(|n| unenrolled(&format!("BN-{:04}", n + 1)))
                .collect::<Result<Vec<_>>>()?;
            (addr.clone(), devices)
        }
        None => {
            let (server, devices) = ChildServer::start(args.clients, args.documents_memory).await?;
            let url = server.url.clone();
            child = Some(server);
            (url, devices)
        }
    };
    let patience = Duration::from_secs(args.timeout_secs);
    let started = Instant::now();
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|device| {
            let url = url.clone();
            let (documents, edits) = (args.documents, args.edits);
            tokio::spawn(async move {
                tokio::time::timeout(
                    patience,
                    one_client(device, &url, documents, edits, patience),
                )
                .await
                .unwrap_or_else(|_| Err(SyncClientError::TimedOut("the whole run".into())))
            })
        })
        .collect();
    let mut wire = WireBytes::default();
    let mut synced = 0usize;
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok((bytes, _))) => {
                wire.sent += bytes.sent;
                wire.received += bytes.received;
                synced += args.documents;
            }
            Ok(Err(e)) => failures.push(format!("{e:#}")),
            Err(e) => failures.push(format!("client task failed: {e}")),
        }
    }
    let wall = started.elapsed();
    let left_loaded = match documents_left_loaded(&url).await {
        Ok((0, after)) => format!("0 (within {} ms)", after.as_millis()),
        Ok((n, after)) => format!("{n} (still, after {} ms)", after.as_millis()),
        Err(e) => format!("unknown: {e:#}"),
    };
    let server_rss = match &child {
        Some(server) => peak_rss_kib(server.pid)
            .map(|kib| {
                format!(
                    "{:.1} MiB (VmHWM of the child `dicoso serve`, pid {})",
                    mib(kib),
                    server.pid
                )
            })
            .unwrap_or_else(|e| format!("unknown: {e:#}")),
        None => "n/a: the server runs elsewhere (--addr)".into(),
    };
    let own_rss = peak_rss_kib(std::process::id())
        .map(|kib| format!("{:.1} MiB", mib(kib)))
        .unwrap_or_else(|e| format!("unknown: {e:#}"));
    if let Some(server) = child {
        server.stop().await;
    }

    let ok_clients = args.clients - failures.len();
    // Every document gets one change at creation plus `edits` more.
    let changes = ok_clients * args.documents * (1 + args.edits);
    let total = wire.sent + wire.received;
    let per = |n: usize| {
        if n == 0 {
            "n/a".to_owned()
        } else {
            format!("{:.0}", total as f64 / n as f64)
        }
    };
    let build = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    println!("bench-sync ({build} build) against {url}");
    println!(
        "  {} clients × {} documents, 1 creation + {} edit(s) per document",
        args.clients, args.documents, args.edits
    );
    println!("  wall time: {:.2} s", wall.as_secs_f64());
    println!(
        "  documents synced (server heads = client heads): {synced} of {}",
        args.clients * args.documents
    );
    println!(
        "  documents synced per second: {:.1}",
        synced as f64 / wall.as_secs_f64()
    );
    println!(
        "  WebSocket bytes (frames incl. headers, both directions, successful clients): \
         {total} (sent {}, received {})",
        wire.sent, wire.received
    );
    println!(
        "  bytes on the wire per change (creation or edit): {}; per document: {}",
        per(changes),
        per(ok_clients * args.documents)
    );
    println!("  server peak RSS: {server_rss}");
    println!("  documents still loaded on the server after the clients left: {left_loaded}");
    println!("  bench process (clients) peak RSS: {own_rss}");
    if failures.is_empty() {
        println!("  failures: none");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("  failures: {} client(s); first ones:", failures.len());
        for failure in failures.iter().take(5) {
            println!("    {failure}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// A device a server without dicoso's accounts will take (`--addr`): a random token.
pub(crate) fn unenrolled(person: &str) -> Result<Device> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(Device {
        person: person.to_owned(),
        device_id: format!("bench-{person}"),
        token: base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, seed),
        actor: ActorId::random(),
        key: ed25519_dalek::SigningKey::from_bytes(&seed),
    })
}

/// One simulated device of one cadre: creates its cadre's dossiers (one per year), each
/// with a trip, waits until the server holds them, then makes `edits` rounds of changes
/// (the trip's notes), one document at a time, each change waited for: the round trips
/// it returns with the bytes it exchanged.
pub(crate) async fn one_client(
    device: Device,
    url: &str,
    documents: usize,
    edits: usize,
    patience: Duration,
) -> Result<(WireBytes, Vec<Duration>), SyncClientError> {
    let mut client = SyncClient::connect_with(url, Some(&device.token), patience).await?;
    client.set_actor(device.actor.clone());
    let ids = create_dossiers(&mut client, &device, documents, |d| {
        format!("Đoàn xã số {d}, thiết bị {}", device.person)
    })?;
    client.wait_all_synced(&ids).await?;
    let mut round_trips = Vec::with_capacity(edits * ids.len());
    for round in 1..=edits {
        for &id in &ids {
            let sent = Instant::now();
            client.change(id, |doc| set_notes(doc, &format!("Lần sửa {round}")))?;
            client.wait_synced(id).await?;
            round_trips.push(sent.elapsed());
        }
    }
    let wire = client.wire_bytes();
    client.close().await;
    Ok((wire, round_trips))
}

/// Creates `documents` dossiers of the device's person (years 2001…), each with one trip
/// to the host `host(d)`; returns their ids.
fn create_dossiers(
    client: &mut SyncClient,
    device: &Device,
    documents: usize,
    host: impl Fn(usize) -> String,
) -> Result<Vec<DocumentId>, SyncClientError> {
    let cadre = CadreCode::parse(&device.person).map_err(|_| SyncClientError::ActorId)?;
    let mut ids = Vec::with_capacity(documents);
    for d in 0..documents {
        let key = DossierKey {
            cadre: cadre.clone(),
            year: 2001 + d as i32,
        };
        let host = host(d);
        ids.push(client.create_document(&key.doc_key(), |doc| {
            add_trip(doc, &format!("{}-01-10", 2001 + d), &host)
        })?);
    }
    Ok(ids)
}

/// Creates `documents` dossiers like [`one_client`], then edits them in turn, one change
/// waited for and then `pause`, until `until`; counts its changes in `changes`.
pub(crate) async fn soak_client(
    device: Device,
    url: &str,
    documents: usize,
    pause: Duration,
    until: Instant,
    changes: &std::sync::atomic::AtomicU64,
) -> Result<(), SyncClientError> {
    let patience = Duration::from_secs(120);
    let mut client = SyncClient::connect_with(url, Some(&device.token), patience).await?;
    client.set_actor(device.actor.clone());
    let ids = create_dossiers(&mut client, &device, documents, |_| "Đoàn xã".into())?;
    client.wait_all_synced(&ids).await?;
    let mut round = 0usize;
    while Instant::now() < until {
        let id = ids[round % ids.len()];
        round += 1;
        client.change(id, |doc| set_notes(doc, &format!("Lần sửa {round}")))?;
        client.wait_synced(id).await?;
        changes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(pause).await;
    }
    client.close().await;
    Ok(())
}

/// A carried-out trip as the app writes it (`docs/documents.md`), under the id `t1`.
fn add_trip(
    doc: &mut automerge::AutoCommit,
    day: &str,
    host: &str,
) -> Result<(), automerge::AutomergeError> {
    let Some((Value::Object(ObjType::Map), trips)) = doc.get(ROOT, "trips")? else {
        return Ok(()); // the genesis made it: cannot happen
    };
    let trip = doc.put_object(&trips, "t1", ObjType::Map)?;
    doc.put_object(&trip, "group", ObjType::Map)?;
    doc.put_object(&trip, "evidence", ObjType::Map)?;
    for (field, value) in [
        ("start", day),
        ("end", day),
        ("host_unit", host),
        ("host_level", "co-so"),
        ("content_type", "3.2"),
        ("status", "done"),
    ] {
        doc.put(&trip, field, value)?;
    }
    doc.put(&trip, "created_at", automerge::ScalarValue::Timestamp(1))?;
    Ok(())
}

fn set_notes(doc: &mut automerge::AutoCommit, text: &str) -> Result<(), automerge::AutomergeError> {
    let Some((Value::Object(ObjType::Map), trips)) = doc.get(ROOT, "trips")? else {
        return Ok(());
    };
    let Some((Value::Object(ObjType::Map), trip)) = doc.get(&trips, "t1")? else {
        return Ok(());
    };
    doc.put(&trip, "notes", text)
}

/// Polls the server's `/api/health` until it holds no document in memory (or
/// [`EVICTION`] passes): the count last seen, and when.
pub(crate) async fn documents_left_loaded(sync_url: &str) -> Result<(u64, Duration)> {
    let authority = sync_url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .with_context(|| format!("not a ws:// URL: {sync_url}"))?;
    let started = Instant::now();
    loop {
        let health = get_health(authority).await?;
        let loaded = health["sync"]["documents_loaded"]
            .as_u64()
            .with_context(|| format!("no sync.documents_loaded in /api/health: {health}"))?;
        if loaded == 0 || started.elapsed() > EVICTION {
            return Ok((loaded, started.elapsed()));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The server's sync figures from `/api/health`: documents in memory, documents followed
/// (with an actor), and what those in memory are estimated to take (MiB).
pub(crate) async fn sync_figures(sync_url: &str) -> Result<(u64, u64, f64)> {
    let authority = sync_url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .with_context(|| format!("not a ws:// URL: {sync_url}"))?;
    let health = get_health(authority).await?;
    // Absent when the router did not answer in time (a loaded server): unknown, not 0.
    let figure = |name: &str| {
        health["sync"][name]
            .as_u64()
            .with_context(|| format!("no sync.{name} in /api/health"))
    };
    Ok((
        figure("documents_loaded")?,
        figure("documents_followed")?,
        figure("documents_memory")? as f64 / (1024.0 * 1024.0),
    ))
}

/// `GET /api/health` over plain HTTP/1.1 (the bench needs no HTTP client for one request).
async fn get_health(authority: &str) -> Result<serde_json::Value> {
    let mut stream = TcpStream::connect(authority)
        .await
        .with_context(|| format!("cannot connect to {authority}"))?;
    let request =
        format!("GET /api/health HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response);
    let (_, body) = response
        .split_once("\r\n\r\n")
        .context("no body in the /api/health response")?;
    serde_json::from_str(body).context("/api/health is not JSON")
}

/// The bench sends traffic to this machine only.
fn ensure_loopback(addr: &str) -> Result<()> {
    let Some(rest) = addr.strip_prefix("ws://") else {
        bail!("--addr must be a ws:// URL, e.g. ws://127.0.0.1:3000/sync");
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]"))
    } else {
        authority.split(':').next().map(str::to_owned)
    };
    match host.as_deref() {
        Some("127.0.0.1" | "[::1]") => Ok(()),
        _ => bail!("--addr must point at 127.0.0.1 or [::1], not {addr}"),
    }
}

/// `dicoso serve` (this very binary) or the reference, on a free loopback port, with
/// scratch directories.
pub(crate) struct ChildServer {
    child: Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl ChildServer {
    /// The stock automerge-repo sync server (`reference-server.mjs` under Node), from the
    /// npm packages already installed in `dir` (nothing is downloaded).
    pub(crate) async fn reference(dir: &Path) -> Result<ChildServer> {
        let script = dir.join("reference-server.mjs");
        if !dir.join("node_modules/@automerge/automerge-repo").is_dir() {
            bail!(
                "{} has no node_modules: install the interop peer first \
                 (`npm install` there, or any `cargo xtask test` run does it)",
                dir.display()
            );
        }
        let data = tempfile::tempdir()?;
        let child = Command::new("node")
            .arg(&script)
            .arg(data.path().join("automerge-repo-data"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start node {}", script.display()))?;
        ChildServer::listening(child, data).await
    }

    /// Waits until the child says where it listens.
    async fn listening(mut child: Child, dir: tempfile::TempDir) -> Result<ChildServer> {
        let pid = child.id().context("the server exited at once")?;
        let stdout = child.stdout.take().context("no stdout from the server")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(STARTUP, async {
            while let Some(line) = lines.next_line().await? {
                if let Some((_, rest)) = line.split_once("http://") {
                    return Ok(rest.trim_end_matches('/').to_owned());
                }
            }
            bail!("the server exited before saying where it listens")
        })
        .await
        .context("the server did not start in time")??;
        // Keep reading its stdout (logs), so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(ChildServer {
            child,
            pid,
            url: format!("ws://{addr}/sync"),
            _dir: dir,
        })
    }

    /// Prepares a data directory with a province of `clients` cadres and one enrolled
    /// device each, then starts the server on it.
    pub(crate) async fn start(
        clients: usize,
        documents_memory: Option<usize>,
    ) -> Result<(ChildServer, Vec<Device>)> {
        let dir = tempfile::tempdir()?;
        let site = dir.path().join("site");
        write_site(&site)?;
        let devices = {
            let store = server::store::Store::open_in(&dir.path().join("data"))?;
            let directory = server::directory::DirectoryService::open(
                store,
                server::directory::DirectoryConfig::default(),
            )?;
            let cadres = server::testing::synthetic_province(&directory, "BN", clients).await?;
            let mut devices = Vec::with_capacity(clients);
            for cadre in cadres {
                devices.push(server::testing::enrol(&directory, &cadre, "bench").await?);
            }
            devices
        };
        let exe = std::env::current_exe().context("cannot find the dicoso binary")?;
        let mut command = Command::new(exe);
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--site-dir")
            .arg(&site)
            // All clients come from one address and one run writes more than a phone
            // would in a day: lift the per-client limits (issue 10) out of the way.
            .args(["--connections-per-address", "1000000"])
            .args(["--max-connections", "1000000"])
            .args(["--documents-per-hour", "1000000000"])
            .args(["--bytes-per-day", "1000000000000"])
            .args(["--connection-burst", "1000000"]);
        if let Some(bytes) = documents_memory {
            command.args(["--documents-memory", &bytes.to_string()]);
        }
        let child = command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start `dicoso serve`")?;
        let server = ChildServer::listening(child, dir).await?;
        Ok((server, devices))
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A site directory with only `build.json`: `/sync` needs no front end.
fn write_site(site: &Path) -> Result<()> {
    std::fs::create_dir_all(site)?;
    let build = server::testing::build_info("bench");
    std::fs::write(site.join("build.json"), serde_json::to_vec(&build)?)?;
    Ok(())
}

/// Peak resident set size of a process, from `/proc/<pid>/status` (Linux).
pub(crate) fn peak_rss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .with_context(|| format!("no VmHWM in {path}"))?;
    let kib = line
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .with_context(|| format!("bad VmHWM in {path}: {line}"))?;
    Ok(kib)
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
