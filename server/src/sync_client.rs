//! A small sync client: a client-role [`SyncHub`] driven over a real WebSocket
//! (tokio-tungstenite), as the phone will drive it over the browser's. Used by the tests
//! (`server/tests/all/sync_ws.rs`, the e2e crate) and by `dicoso bench-sync`.

use std::collections::HashSet;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc, Value};
use futures_util::{SinkExt, StreamExt};
use shared::sync::{Action, ConnectionId, DocumentId, PeerId, PeerMetadata, SyncHub, TrustServer};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any wait lasts by default before it fails.
const PATIENCE: Duration = Duration::from_secs(15);

/// The client's one connection: to the server.
const SERVER: ConnectionId = ConnectionId(1);

#[derive(Debug, thiserror::Error)]
pub enum SyncClientError {
    #[error("cannot build a request for {0}")]
    Request(String),
    #[error("cannot open a WebSocket to {url}")]
    Connect {
        url: String,
        #[source]
        source: tokio_tungstenite::tungstenite::Error,
    },
    #[error("timed out waiting for {0}")]
    TimedOut(String),
    #[error("the connection ended while waiting for {what}: {reason}")]
    Closed { what: String, reason: String },
    #[error("no document {0} here")]
    NoDocument(DocumentId),
    #[error("the server says document {0} is unavailable")]
    Unavailable(DocumentId),
    #[error("an actor id is not 16 bytes")]
    ActorId,
    #[error(transparent)]
    Automerge(#[from] automerge::AutomergeError),
}

pub type Result<T, E = SyncClientError> = std::result::Result<T, E>;

/// What became of a document this client offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offered {
    /// The server holds everything we have of it.
    Kept,
    /// The server says it does not have it, or will not share it (`doc-unavailable`).
    Unavailable,
    /// The server closed the connection, with its reason (`error`).
    Refused(String),
}

/// Bytes of WebSocket frames (headers included) this client sent and received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireBytes {
    pub sent: u64,
    pub received: u64,
}

pub struct SyncClient {
    hub: SyncHub<TrustServer>,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    connected: bool,
    /// Why the connection ended, once it has.
    closed: Option<String>,
    unavailable: HashSet<DocumentId>,
    patience: Duration,
    wire: WireBytes,
    /// The actor this client's changes carry (an enrolled device's registered actor).
    actor: Option<ActorId>,
}

impl SyncClient {
    /// Connects to `ws://…/sync` as the device whose token is `token` (`Authorization:
    /// Bearer`), and completes the handshake (`join` → `peer`). Its changes carry `actor`.
    pub async fn connect(url: &str, token: &str, actor: ActorId) -> Result<SyncClient> {
        let mut client = Self::connect_with(url, Some(token), PATIENCE).await?;
        client.actor = Some(actor);
        Ok(client)
    }

    /// As [`SyncClient::connect`] for an enrolled `device`.
    pub async fn connect_as(url: &str, device: &crate::testing::Device) -> Result<SyncClient> {
        Self::connect(url, &device.token, device.actor.clone()).await
    }

    /// Connects with the given token, or none, every later wait bounded by `patience`.
    pub async fn connect_with(
        url: &str,
        token: Option<&str>,
        patience: Duration,
    ) -> Result<SyncClient> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::HeaderValue;
        let mut request = url
            .into_client_request()
            .map_err(|e| SyncClientError::Request(e.to_string()))?;
        if let Some(token) = token {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|e| SyncClientError::Request(e.to_string()))?;
            request.headers_mut().insert("authorization", value);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|source| SyncClientError::Connect {
                url: url.to_owned(),
                source,
            })?;
        // A fresh actor id is random: a good enough unique peer name.
        let me = PeerId::new(format!("rust-test-{}", AutoCommit::new().get_actor()));
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(true),
        };
        let mut hub = SyncHub::new(me, metadata, TrustServer);
        hub.connect(SERVER, ());
        let mut client = SyncClient {
            hub,
            socket,
            connected: false,
            closed: None,
            unavailable: HashSet::new(),
            patience,
            wire: WireBytes::default(),
            actor: None,
        };
        client
            .run_until("the server's `peer` answer", |c| c.connected)
            .await?;
        Ok(client)
    }

    /// Sets the actor this client's changes carry from now on.
    pub fn set_actor(&mut self, actor: ActorId) {
        self.actor = Some(actor);
    }

    /// The WebSocket frame bytes exchanged so far (TCP/IP overhead not counted).
    pub fn wire_bytes(&self) -> WireBytes {
        self.wire
    }

    /// Creates a document with a random id (automerge-repo's way), lets `change` fill it,
    /// and offers it to the server. Only a server under permissive rules keeps it: dicoso
    /// documents are made with [`create_document`](Self::create_document).
    pub fn create(
        &mut self,
        change: impl FnOnce(&mut AutoCommit) -> Result<(), automerge::AutomergeError>,
    ) -> Result<DocumentId> {
        let mut doc = AutoCommit::new();
        // automerge-repo ids are random UUIDs; a fresh actor id is one.
        let bytes: [u8; 16] = doc
            .get_actor()
            .to_bytes()
            .try_into()
            .map_err(|_| SyncClientError::ActorId)?;
        let id = DocumentId::from_bytes(bytes);
        if let Some(actor) = &self.actor {
            doc.set_actor(actor.clone());
        }
        change(&mut doc)?;
        doc.commit();
        self.hub.insert_document(id, doc);
        Ok(id)
    }

    /// Creates the dicoso document `key` (its deterministic first changes, then `change`
    /// with this client's actor) and offers it to the server.
    pub fn create_document(
        &mut self,
        key: &shared::doc::DocKey,
        change: impl FnOnce(&mut AutoCommit) -> Result<(), automerge::AutomergeError>,
    ) -> Result<DocumentId> {
        let actor = self.actor.clone().unwrap_or_else(ActorId::random);
        let mut doc = key.genesis(actor);
        change(&mut doc)?;
        doc.commit();
        let id = key.document_id();
        self.hub.insert_document(id, doc);
        Ok(id)
    }

    /// Hands the client a document it already holds (e.g. kept from an earlier
    /// connection), offering it to the server as on connect; merged if already held.
    pub fn insert_document(&mut self, id: DocumentId, doc: AutoCommit) {
        self.hub.insert_document(id, doc);
    }

    /// Our heads of a document (the hashes of its latest changes).
    pub fn heads(&mut self, id: DocumentId) -> Result<Vec<ChangeHash>> {
        self.hub
            .document_mut(&id)
            .map(|doc| doc.get_heads())
            .ok_or(SyncClientError::NoDocument(id))
    }

    /// The heads the server last announced for a document: what it said it holds.
    pub fn server_heads(&self, id: DocumentId) -> Option<Vec<ChangeHash>> {
        self.hub.remote_heads(SERVER, &id)
    }

    /// Edits a document we hold and syncs the change.
    pub fn change(
        &mut self,
        id: DocumentId,
        change: impl FnOnce(&mut AutoCommit) -> Result<(), automerge::AutomergeError>,
    ) -> Result<()> {
        let doc = self
            .hub
            .document_mut(&id)
            .ok_or(SyncClientError::NoDocument(id))?;
        if let Some(actor) = &self.actor {
            doc.set_actor(actor.clone());
        }
        change(doc)?;
        doc.commit();
        self.hub.local_change(id);
        Ok(())
    }

    /// Waits until the server says it has everything we have of the document.
    pub async fn wait_synced(&mut self, id: DocumentId) -> Result<()> {
        self.run_until(&format!("the server to hold {id}"), |c| c.in_sync(id))
            .await
    }

    /// Waits until the server holds everything we have of the document, says it is
    /// unavailable, or closes the connection (refusing it).
    pub async fn outcome(&mut self, id: DocumentId) -> Result<Offered> {
        let waited = self
            .run_until(&format!("the server's answer about {id}"), |c| {
                c.unavailable.contains(&id) || c.in_sync(id)
            })
            .await;
        match waited {
            Ok(()) if self.unavailable.contains(&id) => Ok(Offered::Unavailable),
            Ok(()) => Ok(Offered::Kept),
            Err(SyncClientError::Closed { reason, .. }) => Ok(Offered::Refused(reason)),
            Err(e) => Err(e),
        }
    }

    /// Waits until the server says it has everything we have of every one of `ids`.
    pub async fn wait_all_synced(&mut self, ids: &[DocumentId]) -> Result<()> {
        // Checked documents stay checked: their heads only change when we edit them.
        let mut pending: Vec<DocumentId> = ids.to_vec();
        let what = format!("the server to hold {} documents", ids.len());
        self.run_until(&what, |c| {
            pending.retain(|id| !c.in_sync(*id));
            pending.is_empty()
        })
        .await
    }

    /// Asks the server for a document and waits until it arrived whole.
    pub async fn fetch(&mut self, id: DocumentId) -> Result<&AutoCommit> {
        self.hub.request(id);
        self.run_until(&format!("document {id} from the server"), |c| {
            c.unavailable.contains(&id) || c.has_content(id) && c.in_sync(id)
        })
        .await?;
        if self.unavailable.contains(&id) {
            return Err(SyncClientError::Unavailable(id));
        }
        self.document(id)
    }

    /// Waits until the document (which we follow) satisfies `check`.
    pub async fn wait_for(
        &mut self,
        id: DocumentId,
        check: impl Fn(&AutoCommit) -> bool,
    ) -> Result<&AutoCommit> {
        self.run_until(&format!("the expected change to {id}"), |c| {
            c.hub.document(&id).is_some_and(&check)
        })
        .await?;
        self.document(id)
    }

    pub fn document(&self, id: DocumentId) -> Result<&AutoCommit> {
        self.hub
            .document(&id)
            .ok_or(SyncClientError::NoDocument(id))
    }

    /// Why the server closed the connection, waiting for it to happen.
    pub async fn wait_closed(&mut self) -> Result<String> {
        self.run_until("the server to close the connection", |c| c.closed.is_some())
            .await?;
        Ok(self.closed.clone().unwrap_or_default())
    }

    /// Sends what is queued, then handles what the server sends for `duration`. Fails
    /// only if the connection ends.
    pub async fn run_for(&mut self, duration: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + duration;
        match self.run_until_at("nothing", deadline, |_| false).await {
            Err(SyncClientError::TimedOut(_)) => Ok(()),
            other => other,
        }
    }

    /// Reads what the server sent until the connection ends, sending nothing: after the
    /// server died, this still notes the heads it announced before it died.
    pub async fn drain(&mut self) -> Result<()> {
        let what = "the connection to end";
        let deadline = tokio::time::Instant::now() + self.patience;
        while self.closed.is_none() {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| SyncClientError::TimedOut(what.to_owned()))?;
            self.receive(next);
        }
        Ok(())
    }

    /// Closes the WebSocket politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    // `get_heads` needs `&mut`: it ends any open transaction.
    fn has_content(&mut self, id: DocumentId) -> bool {
        self.hub
            .document_mut(&id)
            .is_some_and(|d| !d.get_heads().is_empty())
    }

    fn in_sync(&mut self, id: DocumentId) -> bool {
        let Some(doc) = self.hub.document_mut(&id) else {
            return false;
        };
        let mut ours = doc.get_heads();
        ours.sort();
        self.hub
            .remote_heads(SERVER, &id)
            .is_some_and(|mut theirs| {
                theirs.sort();
                theirs == ours
            })
    }

    /// Runs the protocol until `done` holds, the connection ends, or patience runs out.
    async fn run_until(&mut self, what: &str, done: impl FnMut(&mut Self) -> bool) -> Result<()> {
        let deadline = tokio::time::Instant::now() + self.patience;
        self.run_until_at(what, deadline, done).await
    }

    async fn run_until_at(
        &mut self,
        what: &str,
        deadline: tokio::time::Instant,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> Result<()> {
        loop {
            self.execute().await;
            if done(self) {
                return Ok(());
            }
            if let Some(reason) = &self.closed {
                return Err(SyncClientError::Closed {
                    what: what.to_owned(),
                    reason: reason.clone(),
                });
            }
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| SyncClientError::TimedOut(what.to_owned()))?;
            self.receive(next);
        }
    }

    /// Handles one item from the socket.
    fn receive(&mut self, next: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>) {
        match next {
            Some(Ok(WsMessage::Binary(frame))) => {
                self.wire.received += ws_frame_len(frame.len(), false);
                self.hub.handle_frame(SERVER, &frame);
            }
            Some(Ok(WsMessage::Close(frame))) => {
                self.closed = Some(frame.map(|f| f.to_string()).unwrap_or_default());
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => self.closed = Some(e.to_string()),
            None => self.closed = Some("the stream ended".into()),
        }
    }

    async fn execute(&mut self) {
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Send { frame, .. } => {
                    let len = frame.len();
                    if let Err(e) = self.socket.send(WsMessage::Binary(frame.into())).await {
                        self.closed = Some(e.to_string());
                    } else {
                        self.wire.sent += ws_frame_len(len, true);
                    }
                }
                Action::Close { reason, .. } => self.closed = Some(reason.to_string()),
                // Nothing is stored on this side.
                Action::Load { document } => self.hub.loaded(document, None),
                Action::Connected { .. } => self.connected = true,
                Action::Unavailable { document, .. } => {
                    self.unavailable.insert(document);
                }
                Action::Persist { .. } => {}
            }
        }
    }
}

/// The size of one unfragmented WebSocket frame with `payload` bytes (RFC 6455 §5.2):
/// clients mask (4 more bytes), servers don't.
fn ws_frame_len(payload: usize, masked: bool) -> u64 {
    let header = match payload {
        0..=125 => 2,
        126..=65535 => 4,
        _ => 10,
    };
    (header + if masked { 4 } else { 0 } + payload) as u64
}

/// Puts `text` at `key` of the root as collaborative text, as automerge-repo's JS does
/// with a plain string.
pub fn put_text(
    doc: &mut AutoCommit,
    key: &str,
    text: &str,
) -> Result<(), automerge::AutomergeError> {
    let obj = doc.put_object(ROOT, key, ObjType::Text)?;
    doc.splice_text(&obj, 0, 0, text)
}

/// The string at `key` of the root, whether text or a scalar string.
pub fn get_text(doc: &AutoCommit, key: &str) -> Option<String> {
    match doc.get(ROOT, key).ok()?? {
        (Value::Object(ObjType::Text), obj) => doc.text(&obj).ok(),
        (Value::Scalar(s), _) => s.as_str().map(str::to_owned),
        _ => None,
    }
}
