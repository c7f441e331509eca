//! `GET /sync`: the automerge-repo WebSocket endpoint, the shell around one [`SyncHub`].
//!
//! Every connection is an enrolled device, authenticated by its token during the upgrade
//! (before any frame is read); the hub asks [`access::ServerAccess`] what it may read and
//! whether a peer's changes may be kept (`docs/access.md`).
//!
//! One task owns the hub (an actor): each connection task sends it `(connection, frame)`
//! and `closed`; it executes the hub's actions in order, so a chunk is committed to the
//! [`DocumentStore`] before any frame queued after it goes out. Each connection has an
//! outgoing queue budgeted in bytes and its own writer task (`connection`): a client that
//! reads too slowly is disconnected rather than stalling everyone. What a client may cost
//! is bounded by [`SyncLimits`] (`limits`); `/api/health` reads [`SyncHealth`].
//!
//! After a failed write the hub probes the store with backoff ([`DocumentStore::recover`])
//! until it works again; writes keep being tried meanwhile, and none is acknowledged
//! unless it was committed.
//!
//! Memory holds only the documents connected peers follow: after every event the hub
//! unloads those that lost their last follower (they load again when a message needs
//! them). A failed write makes the hub forget the document and close its followers, so
//! memory is never ahead of the disk and they resync afresh. A document whose chunks
//! pile up is compacted into one full save.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use automerge::AutoCommit;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use shared::sync::{
    Access, Action, ConnectionId, DocumentId, MAX_FRAME_BYTES, Message, PeerId, PeerMetadata,
    SyncHub,
};
use tokio::sync::{mpsc, oneshot};

use crate::store::{DocumentStore, StoreError};

pub mod access;
mod connection;
mod guard;
mod health;
pub mod limits;

pub use access::{Created, Directories, DocIndex, ServerAccess, SyncIdentity};
pub use health::SyncHealth;
pub use limits::{LimitExceeded, SyncLimits};

use connection::Outgoing;
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
        link: Outgoing,
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
    /// The connection ran out of a limit its task enforces (a timeout).
    Limit {
        connection: ConnectionId,
        reason: LimitExceeded,
    },
    Closed {
        connection: ConnectionId,
    },
    Stats {
        reply: oneshot::Sender<SyncStats>,
    },
}

/// A handle to the sync hub task; cheap to clone, lives in [`AppState`].
#[derive(Clone)]
pub struct SyncService {
    events: mpsc::Sender<Event>,
    next_connection: Arc<AtomicU64>,
    limits: Arc<SyncLimits>,
    gate: limits::Gate,
    health: Arc<health::HubHealth>,
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
        Self::start_limited(store, config, SyncLimits::default(), rules)
    }

    /// As [`start_with`](Self::start_with), under the given limits and timeouts.
    pub fn start_limited(
        store: impl DocumentStore,
        config: SyncConfig,
        limits: SyncLimits,
        rules: impl ServerRules,
    ) -> SyncService {
        let (events, inbox) = mpsc::channel(HUB_EVENTS);
        let me = PeerId::new(format!("dicoso-server-{}", std::process::id()));
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(false),
        };
        let hub = SyncHub::new(me.clone(), metadata, rules);
        let health = Arc::new(health::HubHealth::new());
        let shell = Shell {
            hub,
            store,
            config,
            limits: limits.clone(),
            links: HashMap::new(),
            identities: HashMap::new(),
            last_seq: HashMap::new(),
            sizes: HashMap::new(),
            quotas: limits::Quotas::default(),
            health: health.clone(),
            retry: None,
            me: me.clone(),
        };
        tokio::spawn(run_hub(shell, inbox));
        SyncService {
            events,
            next_connection: Arc::new(AtomicU64::new(1)),
            limits: Arc::new(limits),
            gate: limits::Gate::default(),
            health,
        }
    }

    /// The hub's liveness and the store's write health, read without asking the hub.
    pub fn health(&self) -> SyncHealth {
        let mut report = self.health.report(self.limits.stuck_after);
        if self.events.is_closed() {
            report.running = false;
            report.stuck = true;
        }
        report
    }

    /// The limits this service runs under.
    pub fn limits(&self) -> &SyncLimits {
        &self.limits
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
/// A connection past [`SyncLimits`]' counts (per address, in all) is upgraded all the
/// same, to be told why in the protocol's `error` before it is closed.
pub fn upgrade(
    service: SyncService,
    identity: SyncIdentity,
    addr: IpAddr,
    upgrade: WebSocketUpgrade,
) -> Response {
    let permit = service.gate.admit(&service.limits, addr);
    upgrade
        .protocols([SUBPROTOCOL])
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| connection::serve_connection(socket, service, identity, permit))
}

/// The hub and what executes its actions.
struct Shell<S, R: ServerRules> {
    hub: SyncHub<R>,
    store: S,
    config: SyncConfig,
    limits: SyncLimits,
    links: HashMap<ConnectionId, Outgoing>,
    identities: HashMap<ConnectionId, SyncIdentity>,
    /// Per loaded document, the last chunk number such that every chunk up to it is in
    /// memory (read at load, or appended from memory since): what compaction may replace.
    /// Absent if another writer's chunk came in between.
    last_seq: HashMap<DocumentId, i64>,
    /// Per loaded document, its stored size: what [`SyncLimits::max_document_bytes`] bounds.
    sizes: HashMap<DocumentId, u64>,
    quotas: limits::Quotas,
    health: Arc<health::HubHealth>,
    /// After a failed write: when to probe the store next, and the wait after that.
    retry: Option<(tokio::time::Instant, Duration)>,
    me: PeerId,
}

async fn run_hub<S: DocumentStore, R: ServerRules>(
    mut shell: Shell<S, R>,
    mut inbox: mpsc::Receiver<Event>,
) {
    loop {
        let event = match shell.retry {
            Some((due, _)) => tokio::select! {
                event = inbox.recv() => event,
                _ = tokio::time::sleep_until(due) => {
                    shell.health.busy();
                    shell.probe_store().await;
                    shell.health.idle();
                    continue;
                }
            },
            None => inbox.recv().await,
        };
        let Some(event) = event else { break };
        shell.health.busy();
        shell.handle(event).await;
        shell.health.idle();
    }
    shell.health.stopped();
}

impl<S: DocumentStore, R: ServerRules> Shell<S, R> {
    async fn handle(&mut self, event: Event) {
        let mut origin = None;
        match event {
            Event::Opened {
                connection,
                identity,
                link,
            } => {
                self.links.insert(connection, link);
                self.identities.insert(connection, identity.clone());
                self.hub.accept(connection, identity);
            }
            Event::Revoke(revocation) => self.revoke(&revocation),
            Event::Frame { connection, frame } => {
                origin = Some(connection);
                self.hub.handle_frame(connection, &frame);
            }
            Event::Refused { connection, reason } => self.refuse(connection, reason, "refused"),
            Event::Limit { connection, reason } => self.over_limit(connection, &reason),
            Event::Closed { connection } => {
                self.hub.closed(connection);
                self.links.remove(&connection);
                self.identities.remove(&connection);
            }
            Event::Stats { reply } => {
                let _ = reply.send(SyncStats {
                    connections: self.links.len(),
                    documents_loaded: self.hub.loaded_count(),
                });
                return;
            }
        }
        self.execute(origin).await;
        // Every Persist queued so far has run: an unloaded document loses nothing.
        for document in self.hub.evict_idle() {
            self.last_seq.remove(&document);
            self.sizes.remove(&document);
        }
    }

    /// Closes every connection of a revoked device or disabled person: `error`, then close.
    fn revoke(&mut self, revocation: &Revocation) {
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
                    sender_id: self.me.clone(),
                    message: message.to_owned(),
                    target_id: PeerId::default(),
                };
                let _ = link.push(error.encode());
            }
        }
    }

    /// Writes the index rows of documents that came into being; a document whose row
    /// cannot be written is forgotten (its chunks would be unreadable by anyone).
    async fn index_created(&mut self) {
        for created in self.hub.access().take_created() {
            if let Err(error) = self.store.index_document(&created).await {
                tracing::error!(document = %created.document, %error, "cannot index a new document");
                self.write_failed(&error);
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
    /// `origin` is the connection whose frame caused them: the hub handles one event at a
    /// time and loads inline, so every chunk to persist here is that connection's doing.
    async fn execute(&mut self, origin: Option<ConnectionId>) {
        self.index_created().await;
        let mut compact = BTreeSet::new();
        let mut created = HashSet::new();
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Persist { document, chunk } => {
                    let len = chunk.len() as u64;
                    if let Some(origin) = origin
                        && let Err(reason) = self.admit_chunk(origin, &document, len, &mut created)
                    {
                        // Memory holds the change, the disk must not: drop both.
                        self.over_limit(origin, &reason);
                        self.forget(&document);
                        compact.remove(&document);
                        continue;
                    }
                    match self.store.append_chunk(&document.to_string(), chunk).await {
                        Ok(appended) => {
                            self.write_ok();
                            *self.sizes.entry(document).or_default() += len;
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
                            self.write_failed(&error);
                            self.forget(&document);
                            compact.remove(&document);
                        }
                    }
                }
                Action::Load { document } => match load(&self.store, &document).await {
                    Ok(stored) => {
                        let (doc, last_seq, size) = match stored {
                            Some((doc, last_seq, size)) => (Some(doc), last_seq, size),
                            None => (None, -1, 0),
                        };
                        self.hub.loaded(document, doc);
                        if self.hub.document(&document).is_some() {
                            self.last_seq.insert(document, last_seq);
                            self.sizes.insert(document, size);
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
                    if !link.push(frame) {
                        // Over its byte budget (a slow client) or gone: either way done.
                        tracing::warn!(
                            ?connection,
                            budget = self.limits.outgoing_bytes,
                            "sync client over its outgoing budget: dropped"
                        );
                        if let Some(link) = self.links.remove(&connection) {
                            link.abort();
                        }
                        self.identities.remove(&connection);
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
        self.sizes.remove(document);
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
        let size = full.len() as u64;
        // On failure the chunks stay as they were (one transaction): nothing to undo.
        match self
            .store
            .compact(&document.to_string(), full, through)
            .await
        {
            // Only chunks appended since `through` could add to it: none in this batch.
            Ok(()) => {
                self.sizes.insert(document, size);
            }
            Err(error) => {
                tracing::warn!(%document, %error, "cannot compact a document");
                self.write_failed(&error);
            }
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

/// The stored document, its last chunk's number and its stored size, or `None` if it has
/// no chunks.
async fn load(
    store: &impl DocumentStore,
    document: &DocumentId,
) -> Result<Option<(AutoCommit, i64, u64)>, LoadError> {
    match store.load(&document.to_string()).await? {
        Some(stored) => {
            let size = stored.bytes.len() as u64;
            Ok(Some((
                AutoCommit::load(&stored.bytes)?,
                stored.last_seq,
                size,
            )))
        }
        None => Ok(None),
    }
}
