//! Issue 10: the fixture of the sync server's hardening tests (`hardening`,
//! `sync_stalls`, `store_readonly`): the real server on a loopback listener, with short
//! limits and timeouts so every wait is bounded, a store whose faults a test can switch
//! on, and raw sockets for what a well-behaved client would never send.
//!
//! The hub runs under rules that take any document (`AnyDocument`), as in `sync_ws.rs`:
//! these are tests of the transport; the clients are an enrolled device all the same.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ScalarValue};
use futures_util::StreamExt;
use server::directory::{DirectoryConfig, DirectoryService};
use server::serve::HttpConfig;
use server::store::{Appended, DocumentStore, Store, StoreError, Stored};
use server::sync::{ServerRules, SyncConfig, SyncIdentity, SyncLimits, SyncService};
use server::sync_client::{Offered, SyncClient};
use server::testing::Device;
use server::{AppState, app};
use shared::sync::{DocumentId, Message, PROTOCOL_V1, PeerId, PeerMetadata};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Rules that take any document from any enrolled device: for testing the transport.
pub(crate) struct AnyDocument;

impl shared::sync::Access for AnyDocument {
    type Identity = SyncIdentity;
    fn permission(&self, _: &SyncIdentity, _: &DocumentId) -> shared::sync::Permission {
        shared::sync::Permission::ReadWrite
    }
}

impl ServerRules for AnyDocument {
    fn take_created_of(&self, _: &DocumentId) -> Vec<server::sync::Created> {
        Vec::new()
    }
}

/// The SQLite store, except that writes fail while `failing` is set (a read-only file, a
/// full disk) and loads wait while `stall` is set (a stuck disk).
#[derive(Clone)]
pub(crate) struct Faulty {
    inner: Store,
    pub(crate) failing: Arc<AtomicBool>,
    pub(crate) stall: Arc<AtomicBool>,
}

impl Faulty {
    fn check(&self) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "attempt to write a readonly database (test)".into(),
            ));
        }
        Ok(())
    }
}

impl DocumentStore for Faulty {
    async fn append_chunk(&self, doc_id: &str, data: Vec<u8>) -> Result<Appended, StoreError> {
        self.check()?;
        self.inner.append_chunk(doc_id, data).await
    }

    async fn load(&self, doc_id: &str) -> Result<Option<Stored>, StoreError> {
        while self.stall.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.inner.load(doc_id).await
    }

    async fn compact(&self, doc_id: &str, full: Vec<u8>, through: i64) -> Result<(), StoreError> {
        self.check()?;
        self.inner.compact(doc_id, full, through).await
    }

    async fn index_document(&self, created: &server::sync::Created) -> Result<(), StoreError> {
        self.check()?;
        self.inner.index_document(created).await
    }

    async fn recover(&self) -> Result<(), StoreError> {
        self.check()?;
        self.inner.recover().await
    }
}

/// Limits short enough for tests; each test changes what it probes.
pub(crate) fn test_limits() -> SyncLimits {
    SyncLimits {
        join_timeout: Duration::from_secs(5),
        ping_every: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(20),
        send_timeout: Duration::from_secs(5),
        stuck_after: Duration::from_millis(300),
        retry_first: Duration::from_millis(50),
        retry_max: Duration::from_millis(200),
        ..SyncLimits::default()
    }
}

pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: Store,
    pub(crate) faults: Faulty,
    pub(crate) sync: SyncService,
    pub(crate) device: Device,
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) sync_url: String,
}

pub(crate) struct Options {
    pub(crate) config: SyncConfig,
    pub(crate) limits: SyncLimits,
    pub(crate) http: HttpConfig,
    pub(crate) origins: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: SyncConfig::default(),
            limits: test_limits(),
            http: HttpConfig::default(),
            origins: Vec::new(),
        }
    }
}

pub(crate) async fn serve(options: Options) -> Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let store = Store::open_in(&dir.path().join("data"))?;
    let build = server::testing::build_info("test");
    let directory = DirectoryService::open(store.clone(), DirectoryConfig::default())?;
    directory.demo().await?;
    let device = server::testing::enrol(&directory, "KG-0123", "test").await?;
    let faults = Faulty {
        inner: store.clone(),
        failing: Arc::new(AtomicBool::new(false)),
        stall: Arc::new(AtomicBool::new(false)),
    };
    let sync =
        SyncService::start_limited(faults.clone(), options.config, options.limits, AnyDocument);
    let state = AppState::with_sync(
        dir.path().join("site"),
        build,
        store.clone(),
        directory,
        sync.clone(),
    )
    .with_origins(options.origins);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::serve::serve(
        listener,
        app(state),
        options.http,
        std::future::pending(),
    ));
    Ok(Fixture {
        dir,
        store,
        faults,
        sync,
        device,
        addr,
        sync_url: format!("ws://{addr}/sync"),
    })
}

impl Fixture {
    pub(crate) async fn connect(&self) -> Result<SyncClient> {
        Ok(SyncClient::connect_as(&self.sync_url, &self.device).await?)
    }

    /// A raw WebSocket to `/sync` as the fixture's device, with `origin` if given.
    pub(crate) async fn raw(&self, origin: Option<&str>) -> Result<Socket> {
        let mut request = self.sync_url.as_str().into_client_request()?;
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            format!("Bearer {}", self.device.token).parse()?,
        );
        if let Some(origin) = origin {
            headers.insert("origin", origin.parse()?);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(socket)
    }

    /// `GET /api/health` over the listener: the status code and the body.
    pub(crate) async fn health(&self) -> Result<(u16, serde_json::Value)> {
        let mut stream = TcpStream::connect(self.addr).await?;
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await?;
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
            .await
            .context("health did not answer")??;
        let text = String::from_utf8_lossy(&response);
        let code = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .context("no status line")?;
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        // Chunked or not, the JSON object is the part between the outer braces.
        let json = match (body.find('{'), body.rfind('}')) {
            (Some(a), Some(b)) => serde_json::from_str(&body[a..=b])?,
            _ => serde_json::Value::Null,
        };
        Ok((code, json))
    }

    /// Waits (10 s at most) until `/api/health` answers `code`; returns its body.
    pub(crate) async fn health_until(&self, code: u16) -> Result<serde_json::Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (now, body) = self.health().await?;
            if now == code {
                return Ok(body);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("health still answers {now}: {body}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub(crate) fn join_frame(sender: &str) -> WsMessage {
    let join = Message::Join {
        sender_id: PeerId::new(sender),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: Some(vec![PROTOCOL_V1.to_owned()]),
    };
    WsMessage::Binary(join.encode().into())
}

/// The `error` text the server sent before closing, reading (at most `within`) until the
/// socket ends; fails if it sends anything but `peer` and `error`.
pub(crate) async fn error_then_close(socket: &mut Socket, within: Duration) -> Result<String> {
    let deadline = tokio::time::Instant::now() + within;
    let mut error = None;
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next())
            .await
            .context("the server neither refused nor closed")?;
        match next {
            Some(Ok(WsMessage::Binary(frame))) => match Message::decode(&frame)? {
                Message::Error { message, .. } => error = Some(message),
                Message::Peer { .. } => {}
                other => bail!("expected `error`, got {other:?}"),
            },
            Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
            Some(Ok(_)) => {}
        }
    }
    error.context("closed without an `error` message")
}

/// Incompressible bytes (a small xorshift), so chunk sizes are what the test says.
pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

pub(crate) fn put_blob(
    doc: &mut AutoCommit,
    key: &str,
    len: usize,
    seed: u64,
) -> Result<(), automerge::AutomergeError> {
    doc.put(ROOT, key, ScalarValue::Bytes(noise(len, seed)))?;
    Ok(())
}

/// What the server said when it closed, or fails if it kept the document.
pub(crate) fn refusal(outcome: Offered) -> Result<String> {
    match outcome {
        Offered::Refused(reason) => Ok(reason),
        other => bail!("expected a refusal, got {other:?}"),
    }
}
