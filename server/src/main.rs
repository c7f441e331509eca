//! `dicoso`: the server binary and its command-line tools.
mod admin;
mod bench_sync;
mod evaluate;
mod export;

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::directory::{DirectoryConfig, DirectoryService};
use server::{AppState, app, store::Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

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
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(serve(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate(args) => evaluate::run(args),
        Command::BenchSync(args) => bench_sync::run(args),
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
    let directory = DirectoryService::open(store.clone(), DirectoryConfig::default())
        .context("cannot read the directory")?;
    let state = AppState::with_directory(args.site_dir, build, store, directory).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    // Tests and people read this line to know where to go.
    println!("dicoso đang chạy tại http://{addr}/");
    // Client addresses feed the rate limits (login, enrolment, sync connections).
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
