//! `dicoso export`: the office's rating table of a province-year from the server's data
//! directory, as `/api/office/{year}/ratings.xlsx` serves it, for HQ to file or mail.

use anyhow::{Context, anyhow, bail};
use chrono::NaiveDate;
use server::directory::{DirectoryConfig, DirectoryService};
use server::office::export::{ratings_csv, ratings_xlsx};
use server::office::rate_province;
use server::store::Store;
use shared::verdict::fmt_day;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The server's data directory (its `--data-dir`).
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// The province's code, e.g. KG.
    #[arg(long)]
    province: String,
    #[arg(long)]
    year: i32,
    /// Rate as of this day (YYYY-MM-DD); today in Vietnam if absent.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// The file to write: .xlsx (a workbook with the rating table and the overview) or
    /// .csv (the rating table).
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let xlsx = match args.out.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => true,
        Some("csv") => false,
        _ => bail!("--out must end in .xlsx or .csv"),
    };
    let path = args.data_dir.join("dicoso.sqlite3");
    if !path.exists() {
        bail!(
            "{} does not exist (is --data-dir the server's?)",
            path.display()
        );
    }
    let store = Store::open_in(&args.data_dir)?;
    let service = DirectoryService::open(store.clone(), DirectoryConfig::default())?;
    let dir = service
        .directory(&args.province)
        .ok_or_else(|| anyhow!("the store has no province {}", args.province))?;
    let as_of = args
        .as_of
        .or_else(|| server::directory::day_of_ms(service.now()))
        .context("the clock is out of range")?;
    let rows = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(rate_province(&store, &dir, None, args.year, as_of))?;
    let body = if xlsx {
        let title = server::office::api::title(&dir, args.year, as_of);
        ratings_xlsx(&rows, &title, as_of)?
    } else {
        ratings_csv(&rows, as_of)?
    };
    std::fs::write(&args.out, body)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "{}: {} cán bộ, tính đến ngày {}",
        args.out.display(),
        rows.len(),
        fmt_day(as_of)
    );
    Ok(ExitCode::SUCCESS)
}
