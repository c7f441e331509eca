//! `dicoso evaluate --store`: one cadre-year rated from the server's own data directory,
//! as the phone rates it.

use super::{EvaluateArgs, today_in_vietnam};
use anyhow::{Context, anyhow, bail};
use server::directory::{DirectoryConfig, DirectoryService};
use server::store::Store;
use shared::assemble::{Sources, rate, verdict_json};
use shared::directory::Directory;
use shared::doc::{CadreCode, DossierDoc, DossierKey};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Reads the cadre's dossier document of the year through the server's store, assembles
/// it with the same facts and policy as the phone (`shared::assemble::rate`: the
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
    let (bytes, directory) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(read(dir, &key))
        .with_context(|| format!("cannot read the store {}", path.display()))?;
    let dossier = match bytes {
        Some(bytes) => {
            let doc = DossierDoc::load(&bytes, automerge::ActorId::random())
                .with_context(|| format!("the dossier of {code} for {year} does not load"))?;
            Some(doc.read()?)
        }
        None => {
            eprintln!(
                "note: the store has no dossier of {code} for {year}; rating an empty year, as the phone would"
            );
            None
        }
    };
    let as_of = args.as_of.unwrap_or_else(today_in_vietnam);
    let rated = rate(
        directory.as_deref(),
        code.as_str(),
        year,
        Sources {
            dossier: dossier.as_ref(),
            directory: directory.as_deref(),
            ..Sources::default()
        },
        as_of,
    )
    .map_err(|e| anyhow!("{code} {year}: {e}"))?;
    writeln!(std::io::stdout().lock(), "{}", verdict_json(&rated.verdict))?;
    Ok(ExitCode::SUCCESS)
}

/// The dossier's bytes (`Store::load`, as `/sync` loads it) and the directory of the
/// province that lists the cadre, if any: the snapshot the phone rates with.
async fn read(
    dir: &Path,
    key: &DossierKey,
) -> anyhow::Result<(Option<Vec<u8>>, Option<Arc<Directory>>)> {
    let store = Store::open_in(dir)?;
    let bytes = store
        .load(&key.document_id().to_string())
        .await?
        .map(|stored| stored.bytes);
    let service = DirectoryService::open(store, DirectoryConfig::default())?;
    let directory = service
        .provinces()
        .iter()
        .filter_map(|p| service.directory(p))
        .find(|d| d.person(key.cadre.as_str()).is_some());
    Ok((bytes, directory))
}
