//! `dicoso`: the server binary and its command-line tools.
mod admin;
mod bench_compare;
mod bench_office;
mod bench_sync;
mod evaluate;
mod export;

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::directory::{DirectoryConfig, DirectoryService};
use server::sync::SyncLimits;
use server::{AppState, ServerConfig, app, store::Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// jemalloc rather than glibc's malloc: the sync server allocates and frees small objects
/// (automerge's columns, sync messages) on several threads, and glibc kept about twice
/// the live heap resident in its per-thread arenas. With jemalloc, `bench-sync` 100×50
/// syncs a fifth more documents per second at a lower peak RSS (issue 10); the decay it
/// is built with is in `.cargo/config.toml`.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "dicoso", version, about = "dicoso: đi cơ sở 1+2")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and the sync endpoint.
    Serve(ServeArgs),
    /// Evaluate dossiers against a policy and print verdicts.
    Evaluate(evaluate::EvaluateArgs),
    /// Benchmark `/sync`: simulated clients create and edit documents; prints throughput,
    /// bytes per change and the server's peak RSS.
    BenchSync(bench_sync::BenchSyncArgs),
    /// The office's rating table, overview and exports for a synthetic province (issue 12).
    BenchOffice(bench_office::BenchOfficeArgs),
    /// Provinces, imports, accounts, enrolment codes and devices (docs/access.md).
    Admin(admin::AdminArgs),
    /// The rating table of a province-year as .xlsx or CSV (the office's export).
    Export(export::ExportArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// Directory for the SQLite database; created if missing.
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// The site directory written by `cargo xtask dist`.
    #[arg(long, default_value = "target/site")]
    site_dir: PathBuf,
    /// An origin (e.g. `https://dicoso.example.vn`) whose pages may open `/sync`, besides
    /// the app's own; repeat for several.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// What one client may cost (issue 10); past a limit it gets the protocol's `error`, then
/// its connection closes. Defaults: `server::sync::SyncLimits`.
#[derive(clap::Args)]
struct LimitArgs {
    /// Largest stored size of one document, in bytes.
    #[arg(long, default_value_t = SyncLimits::default().max_document_bytes)]
    max_document_bytes: u64,
    /// Largest change one sync message may bring, in bytes.
    #[arg(long, default_value_t = SyncLimits::default().max_change_bytes)]
    max_change_bytes: u64,
    /// Documents one device may create per hour.
    #[arg(long, default_value_t = SyncLimits::default().documents_per_hour)]
    documents_per_hour: u32,
    /// Bytes one device may store per day.
    #[arg(long, default_value_t = SyncLimits::default().bytes_per_day)]
    bytes_per_day: u64,
    /// Open sync connections from one address.
    #[arg(long, default_value_t = SyncLimits::default().connections_per_address)]
    connections_per_address: usize,
    /// Open sync connections in all.
    #[arg(long, default_value_t = SyncLimits::default().max_connections)]
    max_connections: usize,
    /// Bytes waiting to be sent to one client before it is dropped as too slow.
    #[arg(long, default_value_t = SyncLimits::default().outgoing_bytes)]
    outgoing_bytes: usize,
    /// New sync connections one address may open at once (then two a second): what
    /// stops a reconnect storm; a province office behind one address may need more.
    #[arg(long, default_value_t = server::directory::Limits::default().connection_burst)]
    connection_burst: u32,
    /// Bytes of messages waiting for one document before a client adding to them is
    /// refused (the document is busy).
    #[arg(long, default_value_t = SyncLimits::default().document_inbox_bytes)]
    document_inbox_bytes: usize,
    /// Bytes the loaded documents may take in memory (estimated); past it the least
    /// recently used are unloaded, even while their clients stay connected.
    #[arg(long, default_value_t = server::sync::SyncConfig::default().memory_budget)]
    documents_memory: usize,
}

impl LimitArgs {
    fn limits(&self) -> SyncLimits {
        SyncLimits {
            max_document_bytes: self.max_document_bytes,
            max_change_bytes: self.max_change_bytes,
            documents_per_hour: self.documents_per_hour,
            bytes_per_day: self.bytes_per_day,
            connections_per_address: self.connections_per_address,
            max_connections: self.max_connections,
            outgoing_bytes: self.outgoing_bytes,
            document_inbox_bytes: self.document_inbox_bytes,
            ..SyncLimits::default()
        }
    }
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                // Sync's CPU work runs under `block_in_place`, each section on a thread of
                // this pool; past this many the rest queue rather than each costing a
                // thread (tokio's default is 512).
                .max_blocking_threads(64)
                .build()?;
            runtime.block_on(serve(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate(args) => evaluate::run(args),
        Command::BenchSync(args) => bench_sync::run(args),
        Command::BenchOffice(args) => bench_office::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Export(args) => export::run(args),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let build_path = args.site_dir.join("build.json");
    let build = std::fs::read_to_string(&build_path).with_context(|| {
        format!(
            "cannot read {}: build the front end first (cargo xtask dist)",
            build_path.display()
        )
    })?;
    let build = serde_json::from_str(&build)
        .with_context(|| format!("{} is not valid", build_path.display()))?;
    let store = Store::open_in(&args.data_dir)?;
    tracing::info!(database = %store.path.display(), "store open");
    let mut directory_config = DirectoryConfig::default();
    directory_config.limits.connection_burst = args.limits.connection_burst;
    let directory = DirectoryService::open(store.clone(), directory_config)
        .context("cannot read the directory")?;
    let config = ServerConfig {
        sync: server::sync::SyncConfig {
            memory_budget: args.limits.documents_memory,
            ..server::sync::SyncConfig::default()
        },
        limits: args.limits.limits(),
        allowed_origins: args.allowed_origins,
        ..ServerConfig::default()
    };
    let state =
        AppState::with_config(args.site_dir, build, store, directory.clone(), &config).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    // Tests and people read this line to know where to go.
    println!("dicoso đang chạy tại http://{addr}/");
    // Client addresses feed the rate limits (login, enrolment, sync connections).
    server::serve::serve(listener, app(state), config.http, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    directory.flush_seen().await;
    Ok(())
}
