//! The real server syncs with a stock automerge-repo peer: the unmodified npm packages
//! `@automerge/automerge-repo` and `@automerge/automerge-repo-network-websocket`, driven
//! by `tests/interop/peer.mjs` in Node. Both directions, through the server.

use anyhow::{Context, Result, bail, ensure};
use e2e::sync_client::{SyncClient, get_text, put_text};
use e2e::{Server, free_port, site_dir, workspace_root};
use shared::sync::DocumentId;
use std::path::PathBuf;
use std::process::Command;

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

fn start_server() -> Result<(Server, tempfile::TempDir, String)> {
    let data = tempfile::tempdir()?;
    let server = Server::start(&site_dir(), data.path(), free_port()?)?;
    let sync_url = format!("ws://127.0.0.1:{}/sync", server.port);
    Ok((server, data, sync_url))
}

#[tokio::test]
async fn a_document_created_in_node_reaches_a_rust_client_through_the_server() -> Result<()> {
    let (_server, _data, sync_url) = start_server()?;

    let url = node_peer(&[&sync_url, "create"])?;
    let id = DocumentId::parse_url(&url).with_context(|| format!("node printed {url:?}"))?;

    let mut client = SyncClient::connect(&sync_url).await?;
    let doc = client.fetch(id).await?;
    assert_eq!(get_text(doc, "note").as_deref(), Some("từ Node"));
    Ok(())
}

#[tokio::test]
async fn a_document_created_in_rust_reaches_node_through_the_server() -> Result<()> {
    let (_server, _data, sync_url) = start_server()?;

    let mut client = SyncClient::connect(&sync_url).await?;
    let id = client.create(|doc| put_text(doc, "note", "từ Rust"))?;
    client.wait_synced(id).await?;
    client.change(id, |doc| put_text(doc, "title", "Đi cơ sở"))?;
    client.wait_synced(id).await?;

    let json = node_peer(&[&sync_url, "fetch", &id.to_url()])?;
    let seen: serde_json::Value =
        serde_json::from_str(&json).with_context(|| format!("node printed {json:?}"))?;
    ensure!(
        seen == serde_json::json!({ "note": "từ Rust", "title": "Đi cơ sở" }),
        "node saw {seen}"
    );
    Ok(())
}

#[tokio::test]
async fn node_sees_a_document_after_the_server_restarts() -> Result<()> {
    let data = tempfile::tempdir()?;
    let port = free_port()?;
    let sync_url = format!("ws://127.0.0.1:{port}/sync");
    let id = {
        let _server = Server::start(&site_dir(), data.path(), port)?;
        let mut client = SyncClient::connect(&sync_url).await?;
        let id = client.create(|doc| put_text(doc, "note", "đã lưu"))?;
        client.wait_synced(id).await?;
        id
    }; // SIGKILL: only what SQLite committed survives.

    let _server = Server::start(&site_dir(), data.path(), port)?;
    let json = node_peer(&[&sync_url, "fetch", &id.to_url()])?;
    ensure!(json == r#"{"note":"đã lưu"}"#, "node saw {json}");
    Ok(())
}
