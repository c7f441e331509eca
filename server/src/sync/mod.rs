//! `GET /sync`: the automerge-repo WebSocket endpoint, over the sans-IO [`SyncHub`]s.
//!
//! Every connection is an enrolled device, authenticated by its token during the upgrade
//! (before any frame is read); the hubs ask [`access::ServerAccess`] what it may read and
//! whether a peer's changes may be kept (`docs/access.md`).
//!
//! No document can stall the others (issue 10): a router task (`router`) owns the
//! connections and their handshakes, and hands each message about a document to that
//! document's actor (`document`): a task holding a hub with that document only and the
//! sync states of the connections that talk about it. An actor executes its hub's actions
//! in order, so a chunk is committed to the [`DocumentStore`] before any frame queued after
//! it goes out; its loading, applying and generating run off the async workers, so a
//! heavy document takes a thread of its own and the server uses every core. Each
//! connection has an outgoing queue budgeted in bytes and its own writer task
//! (`connection`): a client that reads too slowly is disconnected rather than stalling
//! anyone. What a client may cost is bounded by [`SyncLimits`] (`limits`, quotas shared
//! by every actor); `/api/health` reads [`SyncHealth`].
//!
//! After a failed write a task probes the store with backoff ([`DocumentStore::recover`])
//! until it works again; writes keep being tried meanwhile, and none is acknowledged
//! unless it was committed.
//!
//! Memory holds only the documents connected peers follow: an actor unloads its document
//! once it lost its last follower, and ends (a later message starts a fresh one, loading
//! from the store). A failed write makes the actor forget the document and close its
//! followers, so memory is never ahead of the disk and they resync afresh. A document
//! whose chunks pile up is compacted into one full save.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use automerge::AutoCommit;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use shared::sync::{Access, ConnectionId, DocumentId, MAX_FRAME_BYTES, PeerId};
use tokio::sync::{mpsc, oneshot};

use crate::store::{DocumentStore, StoreError};

pub mod access;
mod connection;
mod document;
mod guard;
mod health;
pub mod limits;
mod router;

pub use access::{Created, Directories, DocIndex, ServerAccess, SyncIdentity};
pub use health::SyncHealth;
pub use limits::{LimitExceeded, SyncLimits};

use connection::Outgoing;
/// Events waiting for the hub; connection tasks wait (per connection) when it is full.
const HUB_EVENTS: usize = 1024;
/// WebSocket messages larger than this are refused by the WebSocket layer itself; those
/// between [`MAX_FRAME_BYTES`] and this reach the hub, which answers `error` first.
const MAX_WS_MESSAGE: usize = MAX_FRAME_BYTES + 64 * 1024;
/// What each socket reads into at a time (tungstenite's default is 128 KiB). A phone's
/// frames are a few hundred bytes, and a larger one is read in several goes: measured
/// with heaptrack under `dicoso bench-sync`, the default buffers were a quarter of the
/// server's heap at 100 connections.
const WS_READ_BUFFER: usize = 8 * 1024;

/// WebSocket close code 1008, "policy violation": what a refused peer gets.
const CLOSE_POLICY: u16 = 1008;

/// The rules a server hub runs under: an [`Access`] for enrolled devices that also
/// reports the documents it let into being (their index rows are written before their
/// first chunk). [`ServerAccess`] in production; tests of the transport may use others.
pub trait ServerRules: Access<Identity = SyncIdentity> + Send + Sync + 'static {
    /// The documents among `document` that came into being since the last call (each
    /// document's actor asks for its own only).
    fn take_created_of(&self, document: &DocumentId) -> Vec<Created>;

    /// May the store hold `document`? When not, its load is answered "absent" without
    /// reading the store: every new document's first message needs that answer.
    fn may_be_stored(&self, _document: &DocumentId) -> bool {
        true
    }
}

impl<D: Directories> ServerRules for ServerAccess<D> {
    fn take_created_of(&self, document: &DocumentId) -> Vec<Created> {
        ServerAccess::take_created_of(self, document)
    }

    fn may_be_stored(&self, document: &DocumentId) -> bool {
        self.index().may_be_stored(document)
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
    /// What the loaded documents may take in memory (estimated from their stored size):
    /// past it, the least recently used are dropped from memory, even while their
    /// followers stay connected, and loaded again when next needed.
    pub memory_budget: usize,
    /// Small documents (under `INLINE_WORK_BYTES` stored) stay in memory once their
    /// followers hold what the server holds only while the loaded documents take less than
    /// this; past it they leave memory as soon as they settle and load again (well under a
    /// millisecond) with the next message. A phone editing now finds its dossier in memory,
    /// and a thousand phones connected all day cost their sync states, not their dossiers.
    pub keep_settled: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            compact_above: 64,
            // Some ten thousand dossiers of a few trips (bench-sync 100x50, 5000
            // documents, is estimated at about 65 MiB): a tighter budget makes documents
            // in use leave memory and load again, costing CPU (issue 10's measurements).
            memory_budget: 256 * 1024 * 1024,
            // Some 300 small dossiers (issue 10: 10 clients × 10 documents all stay; at
            // 100 × 50 all but these leave memory as they settle).
            keep_settled: 4 * 1024 * 1024,
        }
    }
}

/// What the hub holds right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncStats {
    /// Open sync connections.
    pub connections: usize,
    /// Documents in memory.
    pub documents_loaded: usize,
    /// Documents in memory, and those out of it that connections follow (their sync
    /// states kept).
    pub documents_followed: usize,
    /// What the documents in memory are estimated to take, in bytes
    /// ([`SyncConfig::memory_budget`] bounds it).
    pub documents_memory: usize,
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
        /// Only once every actor has handled what it was sent before (tests); else the
        /// figures as they are (health, which must answer under load).
        settled: bool,
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
        let health = Arc::new(health::HubHealth::new());
        let store = Arc::new(store);
        let limits = Arc::new(limits);
        let (wake_recovery, woken) = mpsc::unbounded_channel();
        tokio::spawn(guard::recover(
            store.clone(),
            health.clone(),
            limits.clone(),
            woken,
        ));
        let shared = Arc::new(document::Shared {
            store,
            rules: Arc::new(rules),
            config,
            limits: limits.clone(),
            quotas: std::sync::Mutex::new(limits::Quotas::default()),
            health: health.clone(),
            resident: std::sync::atomic::AtomicUsize::new(0),
            wake_recovery,
            me,
        });
        tokio::spawn(router::run(router::Router::new(shared), inbox));
        SyncService {
            events,
            next_connection: Arc::new(AtomicU64::new(1)),
            limits,
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
        self.ask_stats(true).await
    }

    /// What the hub holds as it stands, without waiting on any document's actor: what
    /// `/api/health` shows, so a busy document cannot make it time out.
    pub async fn snapshot(&self) -> Option<SyncStats> {
        self.ask_stats(false).await
    }

    async fn ask_stats(&self, settled: bool) -> Option<SyncStats> {
        let (reply, answer) = oneshot::channel();
        self.events
            .send(Event::Stats { reply, settled })
            .await
            .ok()?;
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
        .read_buffer_size(WS_READ_BUFFER)
        .on_upgrade(move |socket| connection::serve_connection(socket, service, identity, permit))
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
            let doc = document::cpu(size, || {
                AutoCommit::load(&stored.bytes).map(|d| shared::sync::without_slack(&d))
            })?;
            Ok(Some((doc, stored.last_seq, size)))
        }
        None => Ok(None),
    }
}
