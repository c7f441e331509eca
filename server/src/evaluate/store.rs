//! `dicoso evaluate --store`: one cadre-year rated from the server's own data directory,
//! as the phone rates it.

use super::{EvaluateArgs, today_in_vietnam};
use anyhow::{Context, anyhow, bail};
use server::directory::{DirectoryConfig, DirectoryService};
use server::store::Store;
use shared::assemble::{Gathered, rate, verdict_json};
use shared::directory::Directory;
use shared::doc::{CadreCode, DocKind, DossierKey};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Reads every document about the cadre-year through the server's store, assembles
/// them with the same facts and policy as the phone (`shared::assemble::rate`: the
/// directory of the cadre's province when the server has one, else the defaults), and
/// prints the verdict JSON exactly as the phone computes it. Opening the store brings an
/// older database's schema up to date, as `dicoso serve` would: the only write it makes
/// (SQLite's WAL lets it run beside a running server).
pub(super) fn from_store(dir: &Path, args: &EvaluateArgs) -> anyhow::Result<ExitCode> {
    let code = CadreCode::parse(args.cadre.as_deref().unwrap_or_default())
        .map_err(|e| anyhow!("--cadre: {e}"))?;
    let year = args.year.context("--year is required with --store")?;
    let path = dir.join("dicoso.sqlite3");
    if !path.exists() {
        bail!(
            "{} does not exist (is --store the server's --data-dir?)",
            path.display()
        );
    }
    let key = DossierKey {
        cadre: code.clone(),
        year,
    };
    let (gathered, directory) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(read(dir, &key))
        .with_context(|| format!("cannot read the store {}", path.display()))?;
    for (key, e) in &gathered.unreadable {
        eprintln!(
            "note: a document about {code} for {year} ({}) does not read, left out: {e}",
            key.kind.as_str()
        );
    }
    if gathered.dossier.is_none() {
        eprintln!(
            "note: the store has no dossier of {code} for {year}; rating an empty year, as the phone would"
        );
    }
    let as_of = args.as_of.unwrap_or_else(today_in_vietnam);
    let department = directory
        .as_deref()
        .and_then(|d| d.person(code.as_str()))
        .and_then(|p| p.department.clone());
    let rated = rate(
        directory.as_deref(),
        code.as_str(),
        year,
        gathered.sources(department.as_deref(), directory.as_deref()),
        as_of,
    )
    .map_err(|e| anyhow!("{code} {year}: {e}"))?;
    // Why a host's confirmation does not count (forged, altered, replayed, revoked key,
    // withdrawn…): the office sees what the phone shows on the trip.
    for (trip, reason) in &rated.assembled.rejected_confirmations {
        eprintln!("note: a confirmation of trip {trip} does not count: {reason}");
    }
    writeln!(std::io::stdout().lock(), "{}", verdict_json(&rated.verdict))?;
    Ok(ExitCode::SUCCESS)
}

/// Every document the store holds about the cadre-year (`Store::load`, as `/sync` loads
/// them: the dossier, the host units' confirmations, the office's decisions), and the
/// directory of the province that lists the cadre, if any: what the phone rates with.
async fn read(dir: &Path, key: &DossierKey) -> anyhow::Result<(Gathered, Option<Arc<Directory>>)> {
    let store = Store::open_in(dir)?;
    let mut gathered = Gathered::default();
    // The dossier by its id (a store written before the document index has it too),
    // the other parties' documents from the index.
    if let Some(stored) = store.load(&key.document_id().to_string()).await? {
        gathered.add(&key.doc_key(), &stored.bytes, automerge::ActorId::random());
    }
    for (id, doc_key) in store.load_index().await? {
        if doc_key.kind == DocKind::CadreDossier
            || doc_key.cadre != key.cadre
            || doc_key.year != key.year
        {
            continue;
        }
        if let Some(stored) = store.load(&id.to_string()).await? {
            gathered.add(&doc_key, &stored.bytes, automerge::ActorId::random());
        }
    }
    let service = DirectoryService::open(store, DirectoryConfig::default())?;
    let directory = service
        .provinces()
        .iter()
        .filter_map(|p| service.directory(p))
        .find(|d| d.person(key.cadre.as_str()).is_some());
    Ok((gathered, directory))
}
