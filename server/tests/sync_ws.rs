//! `GET /sync` on a real listener: bad input closes only the connection that sent it,
//! well-behaved clients keep syncing, and what SQLite holds still loads.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use futures_util::{SinkExt, StreamExt};
use server::store::Store;
use server::sync_client::{SyncClient, get_text, put_text};
use server::{AppState, app};
use shared::sync::{DocumentId, MAX_FRAME_BYTES, Message, PROTOCOL_V1, PeerId, PeerMetadata};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    sync_url: String,
}

async fn serve() -> Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_in(&dir.path().join("data"))?;
    // The sync endpoint needs no front end; an empty site will do.
    let build = app::BuildInfo {
        version: "test".into(),
        js: "/pkg/dicoso.js".into(),
        wasm: "/pkg/dicoso_bg.wasm".into(),
        css: "/pkg/main.css".into(),
        precache: Vec::new(),
    };
    let router = app(AppState::new(dir.path().join("site"), build, store.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(Fixture {
        _dir: dir,
        store,
        sync_url: format!("ws://{addr}/sync"),
    })
}

/// A raw connection that has completed the handshake as `sender`.
async fn joined(url: &str, sender: &str) -> Result<Socket> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let join = Message::Join {
        sender_id: PeerId::new(sender),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: Some(vec![PROTOCOL_V1.to_owned()]),
    };
    socket.send(WsMessage::Binary(join.encode().into())).await?;
    match next_frame(&mut socket).await? {
        Some(Message::Peer { .. }) => Ok(socket),
        other => bail!("expected `peer`, got {other:?}"),
    }
}

/// The next protocol message, or `None` once the server closed the connection.
async fn next_frame(socket: &mut Socket) -> Result<Option<Message>> {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .context("the server neither answered nor closed")?;
        match next {
            Some(Ok(WsMessage::Binary(frame))) => return Ok(Some(Message::decode(&frame)?)),
            Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return Ok(None),
            Some(Ok(_)) => {}
        }
    }
}

/// Sends `bad` and returns the server's `error` text (if any) once it has closed.
async fn refused(socket: &mut Socket, bad: WsMessage) -> Result<Option<String>> {
    // A server may close before reading all of a large frame: sending may fail then.
    let _ = socket.send(bad).await;
    let mut error = None;
    while let Some(message) = next_frame(socket).await? {
        match message {
            Message::Error { message, .. } => error = Some(message),
            other => bail!("expected `error` and a close, got {other:?}"),
        }
    }
    Ok(error)
}

enum Cbor<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// A CBOR map with text keys, written by hand so it can say what our encoder never would.
fn cbor_map(entries: &[(&str, Cbor<'_>)]) -> Vec<u8> {
    fn head(out: &mut Vec<u8>, major: u8, len: usize) {
        match u8::try_from(len) {
            Ok(n) if n < 24 => out.push(major << 5 | n),
            Ok(n) => out.extend([major << 5 | 24, n]),
            Err(_) => {
                out.push(major << 5 | 25);
                out.extend((len as u16).to_be_bytes());
            }
        }
    }
    let mut out = Vec::new();
    head(&mut out, 5, entries.len());
    for (key, value) in entries {
        head(&mut out, 3, key.len());
        out.extend(key.as_bytes());
        match value {
            Cbor::Text(text) => {
                head(&mut out, 3, text.len());
                out.extend(text.as_bytes());
            }
            Cbor::Bytes(bytes) => {
                head(&mut out, 2, bytes.len());
                out.extend(*bytes);
            }
        }
    }
    out
}

#[tokio::test]
async fn bad_input_closes_only_its_connection_and_leaves_the_documents_whole() -> Result<()> {
    let f = serve().await?;
    let mut cadre = SyncClient::connect(&f.sync_url).await?;
    let id = cadre.create(|doc| put_text(doc, "note", "trước"))?;
    cadre.wait_synced(id).await?;

    let valid_sync_data = AutoCommit::new()
        .sync()
        .generate_sync_message(&mut Default::default())
        .map(|m| m.encode())
        .context("a first sync message")?;
    let cases: Vec<(&str, WsMessage)> = vec![
        (
            "malformed CBOR",
            WsMessage::Binary(vec![0xa1, 0x64, 0xff].into()),
        ),
        (
            "an unknown message type",
            WsMessage::Binary(
                cbor_map(&[
                    ("type", Cbor::Text("gossip")),
                    ("senderId", Cbor::Text("bad")),
                ])
                .into(),
            ),
        ),
        (
            "an oversized frame",
            WsMessage::Binary(vec![0xa0; MAX_FRAME_BYTES + 1].into()),
        ),
        (
            "a sync for an invalid document id",
            WsMessage::Binary(
                cbor_map(&[
                    ("type", Cbor::Text("sync")),
                    ("senderId", Cbor::Text("bad")),
                    ("targetId", Cbor::Text("server")),
                    ("documentId", Cbor::Text("not-a-document")),
                    ("data", Cbor::Bytes(&valid_sync_data)),
                ])
                .into(),
            ),
        ),
        (
            "a sync whose data is not Automerge",
            WsMessage::Binary(
                cbor_map(&[
                    ("type", Cbor::Text("sync")),
                    ("senderId", Cbor::Text("bad")),
                    ("targetId", Cbor::Text("server")),
                    ("documentId", Cbor::Text(&id.to_string())),
                    ("data", Cbor::Bytes(b"\x42garbage")),
                ])
                .into(),
            ),
        ),
        (
            "a text frame",
            WsMessage::Text("{\"type\":\"join\"}".into()),
        ),
    ];
    for (what, bad) in cases {
        let mut socket = joined(&f.sync_url, "bad").await?;
        let error = refused(&mut socket, bad).await?;
        ensure!(error.is_some(), "{what}: closed without an `error` message");
        // Meanwhile the well-behaved client still syncs.
        cadre.change(id, |doc| put_text(doc, "last", what))?;
        cadre.wait_synced(id).await?;
    }

    // A frame far beyond the limit never reaches the protocol: the socket just closes.
    let mut socket = joined(&f.sync_url, "bad").await?;
    refused(
        &mut socket,
        WsMessage::Binary(vec![0; 8 * MAX_FRAME_BYTES].into()),
    )
    .await?;

    // Another device sees everything the good client wrote.
    let mut phone = SyncClient::connect(&f.sync_url).await?;
    let seen = phone.fetch(id).await?;
    assert_eq!(get_text(seen, "note").as_deref(), Some("trước"));
    assert_eq!(get_text(seen, "last").as_deref(), Some("a text frame"));

    // And the stored chunks still load as one document with the same content.
    let bytes = f.store.load(&id.to_string()).await?.context("stored")?;
    let stored = AutoCommit::load(&bytes)?;
    assert_eq!(get_text(&stored, "note").as_deref(), Some("trước"));
    assert_eq!(get_text(&stored, "last").as_deref(), Some("a text frame"));
    Ok(())
}

#[tokio::test]
async fn a_request_for_an_unknown_document_is_answered_unavailable() -> Result<()> {
    let f = serve().await?;
    let mut client = SyncClient::connect(&f.sync_url).await?;
    let unknown = DocumentId::from_bytes([7; 16]);
    let err = client.fetch(unknown).await.err().context("must fail")?;
    ensure!(err.to_string().contains("unavailable"), "{err:#}");
    // Nothing was stored for it, and the connection is still usable.
    assert_eq!(f.store.load(&unknown.to_string()).await?, None);
    let id = client.create(|doc| put_text(doc, "note", "vẫn chạy"))?;
    client.wait_synced(id).await?;
    Ok(())
}

#[tokio::test]
async fn a_change_from_one_device_reaches_another_that_follows_the_document() -> Result<()> {
    let f = serve().await?;
    let mut laptop = SyncClient::connect(&f.sync_url).await?;
    let id = laptop.create(|doc| put_text(doc, "note", "một"))?;
    laptop.wait_synced(id).await?;

    let mut phone = SyncClient::connect(&f.sync_url).await?;
    phone.fetch(id).await?;
    laptop.change(id, |doc| put_text(doc, "note", "hai"))?;
    laptop.wait_synced(id).await?;
    // The server relays the change to the phone, which follows the document.
    let seen = phone
        .wait_for(id, |doc| get_text(doc, "note").as_deref() == Some("hai"))
        .await?;
    assert_eq!(get_text(seen, "note").as_deref(), Some("hai"));
    Ok(())
}
