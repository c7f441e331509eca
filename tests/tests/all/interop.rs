//! The real server syncs with a stock automerge-repo peer: the unmodified npm packages
//! `@automerge/automerge-repo` and `@automerge/automerge-repo-network-websocket`, driven
//! by `tests/interop/peer.mjs` in Node, authenticated by a device token in the URL (sent
//! as HTTP Basic by Node's `ws`). What an enrolled device writes reaches it; without a
//! token, or with another cadre's, it gets nothing and changes nothing (issue 8,
//! done-means 2).

use anyhow::{Context, Result, bail, ensure};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue, Value};
use e2e::sync_client::SyncClient;
use e2e::{Server, free_port, site_dir, workspace_root};
use server::testing::Device;
use shared::doc::{CadreCode, DocKey};
use shared::sync::DocumentId;
use std::path::{Path, PathBuf};
use std::process::Command;

const CADRE: &str = "KG-0123";
const OTHER: &str = "KG-0124";

fn interop_dir() -> PathBuf {
    workspace_root().join("tests/interop")
}

/// Runs `node peer.mjs <args>` and returns its stdout.
fn node_peer(args: &[&str]) -> Result<String> {
    let dir = interop_dir();
    if !dir.join("node_modules/@automerge/automerge-repo").exists() {
        bail!(
            "{} has no node_modules: run `cargo xtask test` (it installs the npm packages there)",
            dir.display()
        );
    }
    let output = Command::new("node")
        .arg("peer.mjs")
        .args(args)
        .current_dir(&dir)
        .output()
        .context("cannot run node (cargo xtask test installs it)")?;
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        bail!(
            "node peer.mjs {args:?} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(stdout)
}

/// The demo province in `data`, and an enrolled device for each of `people`.
async fn enrolled(data: &Path, people: &[&str]) -> Result<Vec<Device>> {
    let store = server::store::Store::open_in(data)?;
    let directory = server::directory::DirectoryService::open(
        store,
        server::directory::DirectoryConfig::default(),
    )?;
    directory.demo().await?;
    let mut devices = Vec::new();
    for person in people {
        devices.push(server::testing::enrol(&directory, person, "interop").await?);
    }
    Ok(devices)
}

/// The sync URL with a device's token as its password, for Node.
fn url_with_token(port: u16, device: Option<&Device>) -> String {
    match device {
        Some(d) => format!("ws://device:{}@127.0.0.1:{port}/sync", d.token),
        None => format!("ws://127.0.0.1:{port}/sync"),
    }
}

/// The cadre's 2026 dossier with one meeting, written by `device` and stored.
async fn write_dossier(port: u16, device: &Device) -> Result<DocumentId> {
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device).await?;
    let key = DocKey::dossier(CadreCode::parse(CADRE)?, 2026);
    let id = client.create_document(&key, |doc| {
        let Some((Value::Object(ObjType::Map), meetings)) = doc.get(ROOT, "meetings")? else {
            return Ok(());
        };
        let m = doc.put_object(&meetings, "m1", ObjType::Map)?;
        doc.put(&m, "date", "2026-04-01")?;
        doc.put(&m, "chi_doan", "Chi đoàn ấp Tân Hưng")?;
        doc.put(&m, "unit_name", "Huyện đoàn Châu Thành")?;
        doc.put(&m, "unit_level", "huyen")?;
        doc.put(&m, "created_at", ScalarValue::Timestamp(1))
    })?;
    client.wait_synced(id).await?;
    client.close().await;
    Ok(id)
}

#[tokio::test]
async fn a_dossier_written_by_an_enrolled_device_reaches_the_stock_peer() -> Result<()> {
    let data = tempfile::tempdir()?;
    let devices = enrolled(data.path(), &[CADRE, CADRE]).await?;
    let port = free_port()?;
    let _server = Server::start(&site_dir(), data.path(), port)?;
    let id = write_dossier(port, &devices[0]).await?;

    let json = node_peer(&[
        &url_with_token(port, Some(&devices[1])),
        "fetch",
        &id.to_url(),
    ])?;
    let seen: serde_json::Value =
        serde_json::from_str(&json).with_context(|| format!("node printed {json:?}"))?;
    ensure!(seen["kind"] == "cadre-dossier", "node saw {seen}");
    ensure!(
        seen["meetings"]["m1"]["chi_doan"] == "Chi đoàn ấp Tân Hưng",
        "node saw {seen}"
    );
    Ok(())
}

/// Issue 8, done-means 2: a stock peer that knows the dossier's id but has no token, or
/// another cadre's token, cannot read it and cannot change it; with the cadre's own token
/// but an actor no device registered (the stock peer's own), its change is not kept.
#[tokio::test]
async fn the_stock_peer_without_the_right_token_reads_and_changes_nothing() -> Result<()> {
    let data = tempfile::tempdir()?;
    let devices = enrolled(data.path(), &[CADRE, OTHER]).await?;
    let port = free_port()?;
    let _server = Server::start(&site_dir(), data.path(), port)?;
    let id = write_dossier(port, &devices[0]).await?;
    let url = id.to_url();

    for (who, device) in [
        ("no token", None),
        ("another cadre's token", Some(&devices[1])),
    ] {
        let seen = node_peer(&[&url_with_token(port, device), "try-fetch", &url])?;
        ensure!(seen == "unavailable", "with {who} node read {seen}");
    }
    for (device, expected) in [(&devices[1], "unavailable"), (&devices[0], "sent")] {
        let said = node_peer(&[&url_with_token(port, Some(device)), "change", &url])?;
        ensure!(said == expected, "node said {said}, not {expected}");
    }
    let mut client =
        SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), &devices[0]).await?;
    let doc = client.fetch(id).await?;
    ensure!(
        doc.get(ROOT, "note")?.is_none(),
        "a change by the stock peer was kept"
    );
    Ok(())
}

#[tokio::test]
async fn the_stock_peer_sees_a_dossier_after_the_server_restarts() -> Result<()> {
    let data = tempfile::tempdir()?;
    let devices = enrolled(data.path(), &[CADRE]).await?;
    let port = free_port()?;
    let id = {
        let _server = Server::start(&site_dir(), data.path(), port)?;
        write_dossier(port, &devices[0]).await?
    }; // SIGKILL: only what SQLite committed survives.

    let _server = Server::start(&site_dir(), data.path(), port)?;
    let json = node_peer(&[
        &url_with_token(port, Some(&devices[0])),
        "fetch",
        &id.to_url(),
    ])?;
    ensure!(json.contains("Chi đoàn ấp Tân Hưng"), "node saw {json}");
    Ok(())
}
