//! `dicoso bench-office`: the office's pages for a whole province (issue 12). A scratch
//! data directory gets a synthetic province of `--cadres` cadres, each with a full year in
//! their dossier (`--trips` carried-out trips, two of them thematic, chi đoàn meetings, the
//! two periods' registrations); then, timed, what `/api/office/{year}/ratings.*` does:
//! gather + assemble + evaluate every cadre-year from the store, the page's JSON with the
//! overview (seed 002 §3), the .xlsx workbook and the CSV. Prints the figures.

use anyhow::{Context, anyhow};
use chrono::{Days, NaiveDate};
use server::directory::{DirectoryConfig, DirectoryService};
use server::office::export::{ratings_csv, ratings_xlsx};
use server::office::{rate_province, table};
use server::store::Store;
use server::sync::Created;
use shared::doc::{CadreCode, DocKey, DossierDoc, DossierKey, MeetingRecord};
use shared::dossier::TripStatus;
use shared::form::{MeetingForm, TripForm, check_meeting, check_trip};
use shared::policy::Policy;
use std::process::ExitCode;
use std::time::Instant;

const YEAR: i32 = 2026;

#[derive(clap::Args)]
pub struct BenchOfficeArgs {
    /// Cadres in the province, each with a full year.
    #[arg(long, default_value_t = 1000)]
    cadres: usize,
    /// Carried-out trips per cadre (3 days each; the first two thematic, 5 days).
    #[arg(long, default_value_t = 20)]
    trips: usize,
}

/// One cadre's year: `trips` trips spread over the year, a chi đoàn meeting per quarter,
/// both periods registered on time.
fn dossier(code: &str, trips: usize, policy: &Policy) -> anyhow::Result<DossierDoc> {
    let key = DossierKey {
        cadre: CadreCode::parse(code)?,
        year: YEAR,
    };
    let mut doc = DossierDoc::new(&key, automerge::ActorId::random());
    let today = NaiveDate::from_ymd_opt(YEAR, 12, 31).context("date")?;
    let first = NaiveDate::from_ymd_opt(YEAR, 1, 5).context("date")?;
    let mut ids = Vec::new();
    for i in 0..trips {
        let thematic = i < 2;
        let start = first + Days::new((i as u64 * 340) / trips.max(1) as u64);
        let end = start + Days::new(if thematic { 4 } else { 2 });
        let form = TripForm {
            start: start.to_string(),
            end: end.to_string(),
            host_name: format!("Đoàn xã số {i}"),
            host_level: if i % 3 == 0 { "huyen" } else { "co-so" }.into(),
            content_type: if thematic { "3.1" } else { "3.2" }.into(),
            topic: format!("Nội dung {i}"),
            thematic,
            status: TripStatus::Done,
            outline_title: if thematic {
                "Đề cương".into()
            } else {
                String::new()
            },
            ..TripForm::default()
        };
        let others = doc.read()?.trips;
        let id = format!("trip-{i}");
        let (checked, record) = check_trip(&form, policy, &others, None, &id, today);
        let record = record.ok_or_else(|| anyhow!("trip {i} of {code}: {checked:?}"))?;
        doc.put_trip(&record, 1_780_000_000_000 + i as i64)?;
        ids.push(id);
    }
    let meetings: Vec<MeetingRecord> = Vec::new();
    for q in 0..4u32 {
        let form = MeetingForm {
            date: NaiveDate::from_ymd_opt(YEAR, 3 * q + 2, 10)
                .context("date")?
                .to_string(),
            chi_doan: format!("Chi đoàn ấp {q}"),
            unit_name: format!("Đoàn xã số {q}"),
            unit_level: "co-so".into(),
            ..MeetingForm::default()
        };
        let (checked, meeting) = check_meeting(&form, policy, &meetings, &format!("m-{q}"), today);
        let meeting = meeting.ok_or_else(|| anyhow!("meeting {q} of {code}: {checked:?}"))?;
        doc.put_meeting(&meeting, false, 1_780_000_100_000 + i64::from(q))?;
    }
    for (period, on) in [("1", (YEAR - 1, 12, 1)), ("2", (YEAR, 6, 1))] {
        let on = NaiveDate::from_ymd_opt(on.0, on.1, on.2).context("date")?;
        doc.submit_registration(
            &format!("reg-{period}"),
            period,
            &ids,
            on,
            1_780_000_200_000,
        )?;
    }
    Ok(doc)
}

pub fn run(args: BenchOfficeArgs) -> anyhow::Result<ExitCode> {
    let data = tempfile::tempdir()?;
    let store = Store::open_in(data.path())?;
    let service = DirectoryService::open(store.clone(), DirectoryConfig::default())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let started = Instant::now();
    let (codes, bytes) = runtime.block_on(async {
        let codes = server::testing::synthetic_province(&service, "BO", args.cadres).await?;
        let mut bytes = 0usize;
        for code in &codes {
            let mut doc = dossier(code, args.trips, &policy)?;
            let key = doc.key().context("key")?;
            let saved = doc.save();
            bytes += saved.len();
            let id = key.document_id();
            store.append_chunk(&id.to_string(), saved).await?;
            store
                .index_document(&Created {
                    document: id,
                    key: DocKey::dossier(key.cadre.clone(), YEAR),
                    province: "BO".into(),
                    device_id: "bench".into(),
                })
                .await?;
        }
        anyhow::Ok((codes, bytes))
    })?;
    println!(
        "province: {} cadres × {} trips, 4 meetings; dossiers {:.1} MiB in the store (written in {:.1} s)",
        codes.len(),
        args.trips,
        bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let dir = service.directory("BO").context("province BO")?;
    let as_of = NaiveDate::from_ymd_opt(YEAR, 12, 31).context("date")?;

    let t = Instant::now();
    let rows = runtime.block_on(rate_province(&store, &dir, None, YEAR, as_of))?;
    let rated = t.elapsed();
    let rated_ok = rows.iter().filter(|r| r.rated.is_some()).count();
    let t = Instant::now();
    let page = serde_json::to_vec(&table(&rows, &dir, YEAR, as_of))?;
    let json = t.elapsed();
    let t = Instant::now();
    let title = server::office::api::title(&dir, YEAR, as_of);
    let xlsx = ratings_xlsx(&rows, &title, as_of)?;
    let xlsx_time = t.elapsed();
    let t = Instant::now();
    let csv = ratings_csv(&rows, as_of)?;
    let csv_time = t.elapsed();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "gather + assemble + evaluate: {:.0} ms for {} cadre-years ({} rated), {:.2} ms each",
        ms(rated),
        rows.len(),
        rated_ok,
        ms(rated) / rows.len().max(1) as f64
    );
    println!(
        "page JSON (table + overview): {:.0} ms, {:.0} KiB",
        ms(json),
        page.len() as f64 / 1024.0
    );
    println!(
        ".xlsx (table + overview): {:.0} ms, {:.0} KiB",
        ms(xlsx_time),
        xlsx.len() as f64 / 1024.0
    );
    println!(
        ".csv: {:.0} ms, {:.0} KiB",
        ms(csv_time),
        csv.len() as f64 / 1024.0
    );
    println!(
        "total for the page: {:.0} ms; for the workbook: {:.0} ms",
        ms(rated + json),
        ms(rated + xlsx_time)
    );
    Ok(ExitCode::SUCCESS)
}
