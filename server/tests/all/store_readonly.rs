//! Issue 10: "With the SQLite file read-only, the server loops (close, reconnect, fail)
//! and does not recover after the file is writable again until it is restarted." The
//! real store this time, not a switch in a wrapper: its database and WAL files are made
//! immutable (`chattr +i`), which refuses writes even to root (`chmod` would not: the
//! tests run as root). The shared-memory index (`-shm`) is left alone: SQLite maps it,
//! and a write through a mapping of an immutable file is a SIGBUS, not an error.
//!
//! Needs `chattr` and a file system with the immutable flag (ext4 here): without them the
//! test fails, saying so, rather than passing without having tried.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use automerge::AutoCommit;
use server::store::Store;
use server::sync_client::{Offered, get_text, put_text};

use crate::sync_fixture::{Options, serve};

/// Files made immutable while it lives, writable again when dropped (even when the test
/// fails, so its temporary directory can be removed).
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(files: &[PathBuf]) -> Result<Immutable> {
        let mut done = Immutable(Vec::new());
        for file in files {
            chattr("+i", file)?;
            done.0.push(file.clone());
            // The flag must really refuse a write, or the test proves nothing.
            let refused = std::fs::OpenOptions::new().append(true).open(file).is_err();
            ensure!(
                refused,
                "{} is writable despite chattr +i: this file system ignores the flag",
                file.display()
            );
        }
        Ok(done)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for file in &self.0 {
            if let Err(error) = chattr("-i", file) {
                eprintln!("cannot make {} writable again: {error:#}", file.display());
            }
        }
    }
}

fn chattr(flag: &str, file: &Path) -> Result<()> {
    let status = Command::new("chattr")
        .arg(flag)
        .arg(file)
        .status()
        .context("cannot run chattr (e2fsprogs): this test needs it and root")?;
    if !status.success() {
        bail!(
            "chattr {flag} {} failed ({status}): this test needs root and a file system \
             with the immutable flag",
            file.display()
        );
    }
    Ok(())
}

/// Issue 10: with the store's files refusing writes, a change is refused (never
/// acknowledged) and `/api/health` answers 503 naming the error; once they take writes
/// again the server finds out by itself (no restart), health is 200, the change comes in
/// on the client's next connection, and everything acknowledged before is still there,
/// read through a fresh connection to the file.
#[tokio::test]
async fn issue_10_a_read_only_store_file_makes_health_503_and_recovers_without_a_restart()
-> Result<()> {
    let f = serve(Options::default()).await?;
    let mut client = f.connect().await?;
    let id = client.create(|doc| put_text(doc, "note", "đã lưu"))?;
    client.wait_synced(id).await?;
    let database = f.dir.path().join("data/dicoso.sqlite3");
    let wal = f.dir.path().join("data/dicoso.sqlite3-wal");
    ensure!(wal.exists(), "no WAL file next to {}", database.display());

    let immutable = Immutable::set(&[database.clone(), wal])?;
    client.change(id, |doc| put_text(doc, "later", "chờ lưu"))?;
    let outcome = client.outcome(id).await?;
    ensure!(matches!(outcome, Offered::Refused(_)), "{outcome:?}");
    let body = f.health_until(503).await?;
    ensure!(body["hub"]["write_error"].is_string(), "{body}");
    // It stays down while the files refuse writes (the probe keeps failing).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (code, body) = f.health().await?;
    ensure!(
        code == 503,
        "health {code} while the store is read-only: {body}"
    );

    drop(immutable);
    f.health_until(200).await?;
    let doc = client.document(id)?.clone();
    let mut again = f.connect().await?;
    again.insert_document(id, doc);
    again.wait_synced(id).await?;

    let fresh = Store::open(&database)?;
    let stored = fresh.load(&id.to_string()).await?.context("stored")?;
    let stored = AutoCommit::load(&stored.bytes)?;
    assert_eq!(get_text(&stored, "note").as_deref(), Some("đã lưu"));
    assert_eq!(get_text(&stored, "later").as_deref(), Some("chờ lưu"));
    let integrity: String =
        rusqlite::Connection::open(&database)?
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    assert_eq!(integrity, "ok");
    Ok(())
}
