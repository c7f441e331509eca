//! `GET /sync` on a real listener: bad input closes only the connection that sent it,
//! well-behaved clients keep syncing, what SQLite holds still loads, documents leave
//! memory with their clients, and a failed write is never confirmed (issue 4).
//!
//! These are tests of the transport: the clients are an enrolled device (the upgrade
//! checks its token as always), but the hub runs under rules that take any document
//! (`AnyDocument`), so the documents can be plain automerge-repo ones. The rules of
//! `docs/access.md` are tested in `access.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use automerge::AutoCommit;
use automerge::sync::SyncDoc;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use server::directory::{DirectoryConfig, DirectoryService};
use server::store::{Appended, DocumentStore, Store, StoreError, Stored};
use server::sync::{SyncConfig, SyncService, SyncStats};
use server::sync_client::{SyncClient, SyncClientError, get_text, put_text};
use server::testing::Device;
use server::{AppState, app};
use shared::sync::{DocumentId, MAX_FRAME_BYTES, Message, PROTOCOL_V1, PeerId, PeerMetadata};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tower::ServiceExt;

use crate::sync_fixture::{AnyDocument, Socket};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    sync: SyncService,
    /// An enrolled device of the demo province: every client connects as it.
    device: Device,
    /// The same app as the listener serves, for plain HTTP requests.
    router: Router,
    sync_url: String,
}

async fn serve() -> Result<Fixture> {
    serve_with(|store| store, SyncConfig::default()).await
}

/// A server where small settled documents leave memory at once, however few are loaded.
async fn serve_lean() -> Result<Fixture> {
    let config = SyncConfig {
        keep_settled: 0,
        ..SyncConfig::default()
    };
    serve_with(|store| store, config).await
}

/// A server whose sync hub stores through `wrap(the SQLite store)`.
async fn serve_with<S: DocumentStore>(
    wrap: impl FnOnce(Store) -> S,
    config: SyncConfig,
) -> Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_in(&dir.path().join("data"))?;
    // The sync endpoint needs no front end; an empty site will do.
    let build = server::testing::build_info("test");
    let directory = DirectoryService::open(store.clone(), DirectoryConfig::default())?;
    directory.demo().await?;
    let device = server::testing::enrol(&directory, "KG-0123", "test").await?;
    let sync = SyncService::start_with(wrap(store.clone()), config, AnyDocument);
    let state = AppState::with_sync(
        dir.path().join("site"),
        build,
        store.clone(),
        directory,
        sync.clone(),
    );
    let router = app(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let served = router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            served.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    Ok(Fixture {
        _dir: dir,
        store,
        sync,
        device,
        router,
        sync_url: format!("ws://{addr}/sync"),
    })
}

impl Fixture {
    /// A sync client connected as the fixture's device.
    async fn connect(&self) -> Result<SyncClient, SyncClientError> {
        SyncClient::connect_as(&self.sync_url, &self.device).await
    }
}

/// Waits (a few seconds at most) until the hub's figures satisfy `check`.
async fn stats_until(sync: &SyncService, check: impl Fn(SyncStats) -> bool) -> Result<SyncStats> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let stats = sync.stats().await.context("the hub stopped")?;
        if check(stats) {
            return Ok(stats);
        }
        if tokio::time::Instant::now() > deadline {
            bail!("the hub still holds {stats:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The text at `note` of the document as stored.
async fn stored_note(store: &Store, id: DocumentId) -> Result<Option<String>> {
    let stored = store.load(&id.to_string()).await?.context("not stored")?;
    Ok(get_text(&AutoCommit::load(&stored.bytes)?, "note"))
}

/// A raw connection, authenticated as the fixture's device, that has completed the
/// handshake as `sender`.
async fn joined(f: &Fixture, sender: &str) -> Result<Socket> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = f.sync_url.as_str().into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", f.device.token).parse()?,
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
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
    let mut cadre = f.connect().await?;
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
        let mut socket = joined(&f, "bad").await?;
        let error = refused(&mut socket, bad).await?;
        ensure!(error.is_some(), "{what}: closed without an `error` message");
        // Meanwhile the well-behaved client still syncs.
        cadre.change(id, |doc| put_text(doc, "last", what))?;
        cadre.wait_synced(id).await?;
    }

    // A frame far beyond the limit never reaches the protocol: the socket just closes.
    let mut socket = joined(&f, "bad").await?;
    refused(
        &mut socket,
        WsMessage::Binary(vec![0; 8 * MAX_FRAME_BYTES].into()),
    )
    .await?;

    // Another device sees everything the good client wrote.
    let mut phone = f.connect().await?;
    let seen = phone.fetch(id).await?;
    assert_eq!(get_text(seen, "note").as_deref(), Some("trước"));
    assert_eq!(get_text(seen, "last").as_deref(), Some("a text frame"));

    // And the stored chunks still load as one document with the same content.
    let bytes = f.store.load(&id.to_string()).await?.context("stored")?;
    let stored = AutoCommit::load(&bytes.bytes)?;
    assert_eq!(get_text(&stored, "note").as_deref(), Some("trước"));
    assert_eq!(get_text(&stored, "last").as_deref(), Some("a text frame"));
    Ok(())
}

#[tokio::test]
async fn a_request_for_an_unknown_document_is_answered_unavailable() -> Result<()> {
    let f = serve().await?;
    let mut client = f.connect().await?;
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
async fn issue_4_documents_leave_memory_when_their_clients_leave() -> Result<()> {
    const CLIENTS: usize = 8;
    const DOCUMENTS: usize = 3;
    let f = serve().await?;
    let mut clients = Vec::new();
    let mut ids = Vec::new();
    for n in 0..CLIENTS {
        let mut client = f.connect().await?;
        let mut mine = Vec::new();
        for d in 0..DOCUMENTS {
            let note = format!("thiết bị {n}, số {d}");
            mine.push(client.create(|doc| put_text(doc, "note", &note))?);
        }
        client.wait_all_synced(&mine).await?;
        clients.push(client);
        ids.push(mine);
    }
    // Followed and in memory: a few small documents cost less than the server keeps for
    // settled ones (`SyncConfig::keep_settled`; past it they wait on disk, issue 10).
    let stats = f.sync.stats().await.context("the hub stopped")?;
    assert_eq!(
        (
            stats.connections,
            stats.documents_loaded,
            stats.documents_followed
        ),
        (CLIENTS, CLIENTS * DOCUMENTS, CLIENTS * DOCUMENTS),
        "{stats:?}"
    );

    for client in clients {
        client.close().await;
    }
    stats_until(&f.sync, |s| s == SyncStats::default()).await?;
    let request = axum::http::Request::get("/api/health").body(axum::body::Body::empty())?;
    let response = f.router.clone().oneshot(request).await?;
    let health: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
    assert_eq!(health["sync"]["documents_loaded"], 0, "{health}");

    // What left memory loads again from SQLite.
    let mut phone = f.connect().await?;
    let seen = phone.fetch(ids[5][2]).await?;
    assert_eq!(get_text(seen, "note").as_deref(), Some("thiết bị 5, số 2"));
    stats_until(&f.sync, |s| s.documents_followed == 1).await?;
    Ok(())
}

/// A change from one device reaches another that follows the document. Issue 10: between
/// changes the small document is out of memory (both followers hold what the server
/// holds, and the server keeps no settled document); each change loads it again, is
/// stored, and is relayed.
#[tokio::test]
async fn a_change_reaches_another_follower_while_the_document_waits_on_disk() -> Result<()> {
    let f = serve_lean().await?;
    let mut laptop = f.connect().await?;
    let id = laptop.create(|doc| put_text(doc, "note", "một"))?;
    laptop.wait_synced(id).await?;
    let mut phone = f.connect().await?;
    phone.fetch(id).await?;
    stats_until(&f.sync, |s| {
        (s.connections, s.documents_followed, s.documents_loaded) == (2, 1, 0)
    })
    .await?;

    for note in ["hai", "ba"] {
        laptop.change(id, |doc| put_text(doc, "note", note))?;
        laptop.wait_synced(id).await?;
        let seen = phone
            .wait_for(id, |doc| get_text(doc, "note").as_deref() == Some(note))
            .await?;
        assert_eq!(get_text(seen, "note").as_deref(), Some(note));
        assert_eq!(stored_note(&f.store, id).await?.as_deref(), Some(note));
        stats_until(&f.sync, |s| {
            (s.documents_followed, s.documents_loaded) == (1, 0)
        })
        .await?;
    }
    Ok(())
}

/// Issue 10: while the loaded documents take little memory, a small settled document
/// stays loaded, so a phone editing now does not wait for it to load each time; with
/// nothing kept, the same document leaves memory once settled.
#[tokio::test]
async fn issue_10_small_settled_documents_stay_loaded_while_memory_is_plentiful() -> Result<()> {
    for (f, loaded) in [(serve().await?, 1), (serve_lean().await?, 0)] {
        let mut phone = f.connect().await?;
        let id = phone.create(|doc| put_text(doc, "note", "một"))?;
        phone.wait_synced(id).await?;
        phone.change(id, |doc| put_text(doc, "note", "hai"))?;
        phone.wait_synced(id).await?;
        stats_until(&f.sync, |s| {
            (s.documents_followed, s.documents_loaded) == (1, loaded)
        })
        .await?;
        assert_eq!(stored_note(&f.store, id).await?.as_deref(), Some("hai"));
        phone.close().await;
        stats_until(&f.sync, |s| s == SyncStats::default()).await?;
    }
    Ok(())
}

/// The SQLite store, except that appends fail while `failing` is set (a full disk).
struct Flaky {
    inner: Store,
    failing: Arc<AtomicBool>,
}

impl DocumentStore for Flaky {
    async fn append_chunk(&self, doc_id: &str, data: Vec<u8>) -> Result<Appended, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("disk full (test)".into()));
        }
        self.inner.append_chunk(doc_id, data).await
    }

    async fn load(&self, doc_id: &str) -> Result<Option<Stored>, StoreError> {
        self.inner.load(doc_id).await
    }

    async fn compact(&self, doc_id: &str, full: Vec<u8>, through: i64) -> Result<(), StoreError> {
        self.inner.compact(doc_id, full, through).await
    }

    async fn index_document(&self, created: &server::sync::Created) -> Result<(), StoreError> {
        self.inner.index_document(created).await
    }
}

/// A device reconnecting with its copy of a document (as the phone's IndexedDB keeps
/// it): syncs it over a fresh connection until the server says it has our heads.
async fn offer_again(f: &Fixture, id: DocumentId, mut doc: AutoCommit) -> Result<()> {
    let me = PeerId::new("laptop-again");
    let mut socket = joined(f, "laptop-again").await?;
    let mut state = automerge::sync::State::new();
    let mut ours = doc.get_heads();
    ours.sort();
    loop {
        while let Some(message) = doc.sync().generate_sync_message(&mut state) {
            let frame = Message::Sync {
                sender_id: me.clone(),
                target_id: PeerId::new("server"),
                document_id: id,
                data: message.encode(),
            };
            socket
                .send(WsMessage::Binary(frame.encode().into()))
                .await?;
        }
        let mut theirs = state.their_heads.clone().unwrap_or_default();
        theirs.sort();
        if theirs == ours {
            return Ok(());
        }
        match next_frame(&mut socket).await? {
            Some(Message::Sync { data, .. }) => {
                let message = automerge::sync::Message::decode(&data)?;
                doc.sync().receive_sync_message(&mut state, message)?;
            }
            Some(other) => bail!("expected `sync`, got {other:?}"),
            None => bail!("the server closed the connection"),
        }
    }
}

#[tokio::test]
async fn issue_4_a_change_that_failed_to_store_comes_again_after_reconnecting() -> Result<()> {
    let failing = Arc::new(AtomicBool::new(false));
    let flaky = failing.clone();
    let f = serve_with(
        move |inner| Flaky {
            inner,
            failing: flaky,
        },
        SyncConfig::default(),
    )
    .await?;
    let mut laptop = f.connect().await?;
    let id = laptop.create(|doc| put_text(doc, "note", "đã lưu"))?;
    laptop.wait_synced(id).await?;
    let mut follower = f.connect().await?;
    follower.fetch(id).await?;

    failing.store(true, Ordering::SeqCst);
    laptop.change(id, |doc| put_text(doc, "note", "chưa lưu"))?;
    let err = laptop.wait_synced(id).await.err();
    ensure!(
        matches!(err, Some(SyncClientError::Closed { .. })),
        "the server must close, not confirm an unstored change: {err:?}"
    );
    // Its follower is closed too, before hearing of the change.
    follower.wait_closed().await?;
    let heard = get_text(follower.document(id)?, "note");
    assert_eq!(heard.as_deref(), Some("đã lưu"));
    // A fresh client gets what the disk holds.
    let mut fresh = f.connect().await?;
    let seen = get_text(fresh.fetch(id).await?, "note");
    assert_eq!(seen.as_deref(), Some("đã lưu"));
    assert_eq!(stored_note(&f.store, id).await?.as_deref(), Some("đã lưu"));

    // The disk recovers; the laptop reconnects with its copy and the change comes again.
    failing.store(false, Ordering::SeqCst);
    offer_again(&f, id, laptop.document(id)?.clone()).await?;
    assert_eq!(
        stored_note(&f.store, id).await?.as_deref(),
        Some("chưa lưu")
    );
    fresh
        .wait_for(id, |doc| {
            get_text(doc, "note").as_deref() == Some("chưa lưu")
        })
        .await?;
    Ok(())
}

#[tokio::test]
async fn issue_4_chunks_are_compacted_and_the_document_stays_whole() -> Result<()> {
    let f = serve_with(
        |store| store,
        SyncConfig {
            compact_above: 3,
            ..SyncConfig::default()
        },
    )
    .await?;
    let mut laptop = f.connect().await?;
    let id = laptop.create(|doc| put_text(doc, "note", "lần 0"))?;
    laptop.wait_synced(id).await?;
    for round in 1..=10 {
        laptop.change(id, |doc| put_text(doc, "note", &format!("lần {round}")))?;
        laptop.wait_synced(id).await?;
        // Compaction follows the batch's frames: once the hub answers, it is done.
        f.sync.stats().await.context("the hub stopped")?;
        let chunks = f.store.chunk_count(&id.to_string()).await?;
        ensure!(chunks <= 3, "round {round}: {chunks} chunks");
    }
    assert_eq!(stored_note(&f.store, id).await?.as_deref(), Some("lần 10"));
    let mut heads = laptop.document(id)?.clone().get_heads();
    heads.sort();
    laptop.close().await;
    stats_until(&f.sync, |s| s.documents_loaded == 0).await?;

    // Loaded again from the compacted chunks, it has the whole history.
    let mut phone = f.connect().await?;
    let mut seen = phone.fetch(id).await?.clone();
    assert_eq!(get_text(&seen, "note").as_deref(), Some("lần 10"));
    let mut seen_heads = seen.get_heads();
    seen_heads.sort();
    assert_eq!(seen_heads, heads);
    assert_eq!(seen.get_changes(&[]).len(), 11);
    Ok(())
}
