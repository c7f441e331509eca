//! `GET /sync`: the automerge-repo WebSocket endpoint, the shell around one [`SyncHub`].
//!
//! Every connection is an enrolled device, authenticated by its token during the upgrade
//! (before any frame is read); the hub asks [`access::ServerAccess`] what it may read and
//! whether a peer's changes may be kept (`docs/access.md`).
//!
//! One task owns the hub (an actor): each connection task sends it `(connection, frame)`
//! and `closed`; it executes the hub's actions in order, so a chunk is committed to the
//! [`DocumentStore`] before any frame queued after it goes out. Each connection has a
//! bounded outgoing queue; a client that lets it fill up is disconnected rather than
//! stalling everyone.
//!
//! Memory holds only the documents connected peers follow: after every event the hub
//! unloads those that lost their last follower (they load again when a message needs
//! them). A failed write makes the hub forget the document and close its followers, so
//! memory is never ahead of the disk and they resync afresh. A document whose chunks
//! pile up is compacted into one full save.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::AutoCommit;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use shared::sync::{
    Access, Action, ConnectionId, DocumentId, MAX_FRAME_BYTES, Message, PeerId, PeerMetadata,
    SyncHub,
};
use tokio::sync::{mpsc, oneshot};

use crate::store::{DocumentStore, StoreError};

pub mod access;

pub use access::{Created, Directories, DocIndex, ServerAccess, SyncIdentity};

/// Frames waiting for one client before it counts as too slow and is dropped.
const OUTGOING_FRAMES: usize = 256;
/// Events waiting for the hub; connection tasks wait (per connection) when it is full.
const HUB_EVENTS: usize = 1024;
/// WebSocket messages larger than this are refused by the WebSocket layer itself; those
/// between [`MAX_FRAME_BYTES`] and this reach the hub, which answers `error` first.
const MAX_WS_MESSAGE: usize = MAX_FRAME_BYTES + 64 * 1024;

/// WebSocket close code 1008, "policy violation": what a refused peer gets.
const CLOSE_POLICY: u16 = 1008;

/// The rules a server hub runs under: an [`Access`] for enrolled devices that also
/// reports the documents it let into being (their index rows are written before their
/// first chunk). [`ServerAccess`] in production; tests of the transport may use others.
pub trait ServerRules: Access<Identity = SyncIdentity> + Send + Sync + 'static {
    fn take_created(&self) -> Vec<Created>;
}

impl<D: Directories> ServerRules for ServerAccess<D> {
    fn take_created(&self) -> Vec<Created> {
        ServerAccess::take_created(self)
    }
}

/// Whose connections to close at once (a device revoked, an account disabled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    Device(String),
    Person(String),
    /// Events were missed: every connection reconnects and is authenticated afresh.
    Everyone,
}

/// How the hub task manages storage.
#[derive(Clone, Copy, Debug)]
pub struct SyncConfig {
    /// A document is compacted (its chunks replaced by one full save) once it has more
    /// chunks than this. Loading cost grows with chunks; a full save costs CPU.
    pub compact_above: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig { compact_above: 64 }
    }
}

/// What the hub holds right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncStats {
    /// Open sync connections.
    pub connections: usize,
    /// Documents in memory (loaded or loading).
    pub documents_loaded: usize,
}

enum Event {
    Opened {
        connection: ConnectionId,
        identity: SyncIdentity,
        link: Link,
    },
    Revoke(Revocation),
    Frame {
        connection: ConnectionId,
        frame: Vec<u8>,
    },
    /// The connection broke the transport's rules (e.g. a text frame).
    Refused {
        connection: ConnectionId,
        reason: &'static str,
    },
    Closed {
        connection: ConnectionId,
    },
    Stats {
        reply: oneshot::Sender<SyncStats>,
    },
}

/// The hub's end of one connection.
struct Link {
    frames: mpsc::Sender<Vec<u8>>,
    /// Fired to drop a slow client at once, without draining its queue.
    abort: oneshot::Sender<()>,
}

/// A handle to the sync hub task; cheap to clone, lives in [`AppState`].
#[derive(Clone)]
pub struct SyncService {
    events: mpsc::Sender<Event>,
    next_connection: Arc<AtomicU64>,
}

impl SyncService {
    /// Starts the hub task on the current tokio runtime, under `rules`. It ends when every
    /// handle is gone.
    pub fn start(store: impl DocumentStore, rules: impl ServerRules) -> SyncService {
        Self::start_with(store, SyncConfig::default(), rules)
    }

    /// As [`start`](Self::start), with the given storage policy.
    pub fn start_with(
        store: impl DocumentStore,
        config: SyncConfig,
        rules: impl ServerRules,
    ) -> SyncService {
        let (events, inbox) = mpsc::channel(HUB_EVENTS);
        let me = PeerId::new(format!("dicoso-server-{}", std::process::id()));
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(false),
        };
        let hub = SyncHub::new(me.clone(), metadata, rules);
        let shell = Shell {
            hub,
            store,
            config,
            links: HashMap::new(),
            identities: HashMap::new(),
            last_seq: HashMap::new(),
        };
        tokio::spawn(run_hub(shell, me, inbox));
        SyncService {
            events,
            next_connection: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Closes, from now on, the live connections of every device the directory revokes
    /// and of every person whose account it disables.
    pub fn follow_revocations(
        &self,
        mut events: tokio::sync::broadcast::Receiver<crate::directory::DirectoryEvent>,
    ) {
        use crate::directory::DirectoryEvent;
        use tokio::sync::broadcast::error::RecvError;
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                let revocation = match events.recv().await {
                    Ok(DirectoryEvent::Revoked { device_id, .. }) => Revocation::Device(device_id),
                    Ok(DirectoryEvent::AccountDisabled { person }) => Revocation::Person(person),
                    Ok(DirectoryEvent::Changed { .. }) => continue,
                    Err(RecvError::Lagged(_)) => Revocation::Everyone,
                    Err(RecvError::Closed) => break,
                };
                if service.events.is_closed() {
                    break;
                }
                service.revoke(revocation).await;
            }
        });
    }

    /// Closes the live connections of a revoked device or a disabled person at once; their
    /// next connection is refused at the upgrade.
    pub async fn revoke(&self, revocation: Revocation) {
        let _ = self.events.send(Event::Revoke(revocation)).await;
    }

    /// What the hub holds, once it has handled the events sent before; `None` if it has
    /// stopped.
    pub async fn stats(&self) -> Option<SyncStats> {
        let (reply, answer) = oneshot::channel();
        self.events.send(Event::Stats { reply }).await.ok()?;
        answer.await.ok()
    }
}

/// The subprotocol a browser offers with its token, and the one the server selects
/// (else Chromium fails the socket).
pub use shared::auth::SUBPROTOCOL;

/// Upgrades an authenticated request to a WebSocket speaking automerge-repo's protocol.
/// (`GET /sync` authenticates in `crate::endpoints`.)
pub fn upgrade(
    service: SyncService,
    identity: SyncIdentity,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols([SUBPROTOCOL])
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| serve_connection(socket, service, identity))
}

async fn serve_connection(mut socket: WebSocket, service: SyncService, identity: SyncIdentity) {
    let connection = ConnectionId(service.next_connection.fetch_add(1, Ordering::Relaxed));
    let (frames, mut outgoing) = mpsc::channel(OUTGOING_FRAMES);
    let (abort, mut aborted) = oneshot::channel();
    let opened = Event::Opened {
        connection,
        identity,
        link: Link { frames, abort },
    };
    if service.events.send(opened).await.is_err() {
        return;
    }
    let mut abort_armed = true;
    loop {
        tokio::select! {
            // An abort beats queued frames: a slow client gets no more of them.
            biased;
            fired = &mut aborted, if abort_armed => {
                abort_armed = false;
                if fired.is_ok() {
                    tracing::info!(?connection, "sync client too slow: disconnected");
                    break;
                }
            }
            frame = outgoing.recv() => match frame {
                Some(frame) => {
                    if socket.send(WsMessage::Binary(frame.into())).await.is_err() {
                        break;
                    }
                }
                // The hub dropped us (Close): everything it queued before has been sent.
                None => {
                    let close = CloseFrame { code: CLOSE_POLICY, reason: "".into() };
                    let _ = socket.send(WsMessage::Close(Some(close))).await;
                    break;
                }
            },
            incoming = socket.recv() => {
                let event = match incoming {
                    Some(Ok(WsMessage::Binary(bytes))) => Event::Frame {
                        connection,
                        frame: bytes.into(),
                    },
                    Some(Ok(WsMessage::Text(_))) => Event::Refused {
                        connection,
                        reason: "text frames are not part of the protocol; send binary CBOR",
                    },
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    // Closed, broken, or over the size limit (the WebSocket layer refuses it).
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                };
                if service.events.send(event).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = service.events.send(Event::Closed { connection }).await;
}

/// The hub and what executes its actions.
struct Shell<S, R: ServerRules> {
    hub: SyncHub<R>,
    store: S,
    config: SyncConfig,
    links: HashMap<ConnectionId, Link>,
    identities: HashMap<ConnectionId, SyncIdentity>,
    /// Per loaded document, the last chunk number such that every chunk up to it is in
    /// memory (read at load, or appended from memory since): what compaction may replace.
    /// Absent if another writer's chunk came in between.
    last_seq: HashMap<DocumentId, i64>,
}

async fn run_hub<S: DocumentStore, R: ServerRules>(
    mut shell: Shell<S, R>,
    me: PeerId,
    mut inbox: mpsc::Receiver<Event>,
) {
    while let Some(event) = inbox.recv().await {
        match event {
            Event::Opened {
                connection,
                identity,
                link,
            } => {
                shell.links.insert(connection, link);
                shell.identities.insert(connection, identity.clone());
                shell.hub.accept(connection, identity);
            }
            Event::Revoke(revocation) => shell.revoke(&revocation, &me),
            Event::Frame { connection, frame } => shell.hub.handle_frame(connection, &frame),
            Event::Refused { connection, reason } => {
                // The hub never saw the frame; refuse as it would: `error`, then close.
                shell.hub.closed(connection);
                if let Some(link) = shell.links.remove(&connection) {
                    let error = Message::Error {
                        sender_id: me.clone(),
                        message: reason.to_owned(),
                        target_id: PeerId::default(),
                    };
                    let _ = link.frames.try_send(error.encode());
                }
            }
            Event::Closed { connection } => {
                shell.hub.closed(connection);
                shell.links.remove(&connection);
                shell.identities.remove(&connection);
            }
            Event::Stats { reply } => {
                let _ = reply.send(SyncStats {
                    connections: shell.links.len(),
                    documents_loaded: shell.hub.loaded_count(),
                });
                continue;
            }
        }
        shell.execute().await;
        // Every Persist queued so far has run: an unloaded document loses nothing.
        for document in shell.hub.evict_idle() {
            shell.last_seq.remove(&document);
        }
    }
}

impl<S: DocumentStore, R: ServerRules> Shell<S, R> {
    /// Closes every connection of a revoked device or disabled person: `error`, then close.
    fn revoke(&mut self, revocation: &Revocation, me: &PeerId) {
        let gone: Vec<ConnectionId> = self
            .identities
            .iter()
            .filter(|(_, who)| match revocation {
                Revocation::Device(device) => &who.device_id == device,
                Revocation::Person(person) => &who.person == person,
                Revocation::Everyone => true,
            })
            .map(|(c, _)| *c)
            .collect();
        for connection in gone {
            tracing::info!(
                ?connection,
                ?revocation,
                "sync connection closed: access revoked"
            );
            self.hub.closed(connection);
            self.identities.remove(&connection);
            if let Some(link) = self.links.remove(&connection) {
                let message = match revocation {
                    Revocation::Everyone => "Máy chủ cập nhật danh bạ: hãy kết nối lại.",
                    _ => "Thiết bị hoặc tài khoản này đã bị thu hồi quyền đồng bộ.",
                };
                let error = Message::Error {
                    sender_id: me.clone(),
                    message: message.to_owned(),
                    target_id: PeerId::default(),
                };
                let _ = link.frames.try_send(error.encode());
            }
        }
    }

    /// Writes the index rows of documents that came into being; a document whose row
    /// cannot be written is forgotten (its chunks would be unreadable by anyone).
    async fn index_created(&mut self) {
        for created in self.hub.access().take_created() {
            if let Err(error) = self.store.index_document(&created).await {
                tracing::error!(document = %created.document, %error, "cannot index a new document");
                self.forget(&created.document);
            } else {
                tracing::info!(
                    document = %created.document,
                    kind = created.key.kind.as_str(),
                    cadre = %created.key.cadre,
                    year = created.key.year,
                    device = %created.device_id,
                    "document created"
                );
            }
        }
    }

    /// Drains and executes the hub's actions, in order; then compacts what grew too long.
    async fn execute(&mut self) {
        self.index_created().await;
        let mut compact = BTreeSet::new();
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Persist { document, chunk } => {
                    match self.store.append_chunk(&document.to_string(), chunk).await {
                        Ok(appended) => {
                            let contiguous =
                                self.last_seq.get(&document) == Some(&(appended.seq - 1));
                            if contiguous {
                                self.last_seq.insert(document, appended.seq);
                                if appended.chunks > self.config.compact_above {
                                    compact.insert(document);
                                }
                            } else {
                                self.last_seq.remove(&document);
                            }
                        }
                        Err(error) => {
                            // Memory now holds changes the disk does not: drop them, and
                            // the followers that may have heard of them.
                            tracing::error!(%document, %error, "cannot store a sync chunk");
                            self.forget(&document);
                            compact.remove(&document);
                        }
                    }
                }
                Action::Load { document } => match load(&self.store, &document).await {
                    Ok(stored) => {
                        let (doc, last_seq) = match stored {
                            Some((doc, last_seq)) => (Some(doc), last_seq),
                            None => (None, -1),
                        };
                        self.hub.loaded(document, doc);
                        if self.hub.document(&document).is_some() {
                            self.last_seq.insert(document, last_seq);
                        }
                    }
                    // Never answer "absent" for a document we could not read: a sync
                    // would then start it afresh over the stored one. Its waiting peers
                    // are closed; their next connection tries again.
                    Err(error) => {
                        tracing::error!(%document, %error, "cannot load a document");
                        self.forget(&document);
                    }
                },
                Action::Send { connection, frame } => {
                    let Some(link) = self.links.get(&connection) else {
                        continue;
                    };
                    if link.frames.try_send(frame).is_err() {
                        // Full (a slow client) or gone: either way it is done.
                        if let Some(link) = self.links.remove(&connection) {
                            let _ = link.abort.send(());
                        }
                        self.hub.closed(connection);
                    }
                }
                Action::Close { connection, reason } => {
                    let who = self.identities.remove(&connection);
                    let (device, person) = who
                        .as_ref()
                        .map_or(("", ""), |w| (w.device_id.as_str(), w.person.as_str()));
                    if matches!(reason, shared::sync::ProtocolError::Refused { .. }) {
                        tracing::warn!(?connection, device, person, %reason, "changes refused");
                    } else {
                        tracing::info!(?connection, device, person, %reason, "sync connection closed");
                    }
                    // Dropping the sender lets the task send what is queued, then close.
                    self.links.remove(&connection);
                }
                Action::Connected { .. } | Action::Unavailable { .. } => {}
            }
        }
        // After the batch every chunk is stored, so memory holds what the disk does.
        for document in compact {
            self.compact(document).await;
        }
    }

    fn forget(&mut self, document: &DocumentId) {
        self.last_seq.remove(document);
        let closed = self.hub.forget(document);
        if !closed.is_empty() {
            tracing::warn!(%document, ?closed, "document forgotten: its followers must resync");
        }
    }

    /// Replaces the document's chunks with one full save of what memory holds.
    async fn compact(&mut self, document: DocumentId) {
        let (Some(&through), Some(doc)) = (
            self.last_seq.get(&document),
            self.hub.document_mut(&document),
        ) else {
            return;
        };
        let full = doc.save();
        // On failure the chunks stay as they were (one transaction): nothing to undo.
        if let Err(error) = self
            .store
            .compact(&document.to_string(), full, through)
            .await
        {
            tracing::warn!(%document, %error, "cannot compact a document");
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored chunks do not parse: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

/// The stored document and its last chunk's number, or `None` if it has no chunks.
async fn load(
    store: &impl DocumentStore,
    document: &DocumentId,
) -> Result<Option<(AutoCommit, i64)>, LoadError> {
    match store.load(&document.to_string()).await? {
        Some(stored) => Ok(Some((AutoCommit::load(&stored.bytes)?, stored.last_seq))),
        None => Ok(None),
    }
}
