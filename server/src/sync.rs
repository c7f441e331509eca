//! `GET /sync`: the automerge-repo WebSocket endpoint, the shell around one [`SyncHub`].
//!
//! One task owns the hub (an actor): each connection task sends it `(connection, frame)`
//! and `closed`; it executes the hub's actions in order, so a chunk is committed to SQLite
//! before any frame queued after it goes out. Each connection has a bounded outgoing
//! queue; a client that lets it fill up is disconnected rather than stalling everyone.
//!
//! Not yet: documents stay in memory once loaded (the hub has no way to unload one), and
//! a failed SQLite write leaves the in-memory copy ahead of the disk until a restart.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::AutoCommit;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use shared::sync::{
    Access, Action, ConnectionId, DocumentId, MAX_FRAME_BYTES, Message, PeerId, PeerMetadata,
    SyncHub,
};
use tokio::sync::{mpsc, oneshot};

use crate::AppState;
use crate::store::Store;

/// Frames waiting for one client before it counts as too slow and is dropped.
const OUTGOING_FRAMES: usize = 256;
/// Events waiting for the hub; connection tasks wait (per connection) when it is full.
const HUB_EVENTS: usize = 1024;
/// WebSocket messages larger than this are refused by the WebSocket layer itself; those
/// between [`MAX_FRAME_BYTES`] and this reach the hub, which answers `error` first.
const MAX_WS_MESSAGE: usize = MAX_FRAME_BYTES + 64 * 1024;

/// WebSocket close code 1008, "policy violation": what a refused peer gets.
const CLOSE_POLICY: u16 = 1008;

/// Who is at the other end of a sync connection, as the server authenticated it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// No authentication yet: every connection is this. Accounts replace it.
    Development,
}

/// Access control for development: everyone may read, write and create every document.
/// This is the seam real access control (per cadre, per chi đoàn, HQ) replaces.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenAccess;

impl Access for OpenAccess {
    type Identity = Identity;

    fn can_read(&self, _: &Identity, _: &DocumentId) -> bool {
        true
    }

    fn can_write(&self, _: &Identity, _: &DocumentId) -> bool {
        true
    }

    fn can_create(&self, _: &Identity, _: &DocumentId) -> bool {
        true
    }
}

enum Event {
    Opened {
        connection: ConnectionId,
        link: Link,
    },
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
    /// Starts the hub task on the current tokio runtime. It ends when every handle is gone.
    pub fn start(store: Store) -> SyncService {
        let (events, inbox) = mpsc::channel(HUB_EVENTS);
        let me = PeerId::new(format!("dicoso-server-{}", std::process::id()));
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(false),
        };
        let hub = SyncHub::new(me.clone(), metadata, OpenAccess);
        tokio::spawn(run_hub(hub, me, store, inbox));
        SyncService {
            events,
            next_connection: Arc::new(AtomicU64::new(1)),
        }
    }
}

/// `GET /sync`: upgrades to a WebSocket speaking automerge-repo's protocol.
pub async fn endpoint(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    let service = state.sync.clone();
    upgrade
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
        .on_upgrade(move |socket| serve_connection(socket, service))
}

async fn serve_connection(mut socket: WebSocket, service: SyncService) {
    let connection = ConnectionId(service.next_connection.fetch_add(1, Ordering::Relaxed));
    let (frames, mut outgoing) = mpsc::channel(OUTGOING_FRAMES);
    let (abort, mut aborted) = oneshot::channel();
    let opened = Event::Opened {
        connection,
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

async fn run_hub(
    mut hub: SyncHub<OpenAccess>,
    me: PeerId,
    store: Store,
    mut inbox: mpsc::Receiver<Event>,
) {
    let mut links: HashMap<ConnectionId, Link> = HashMap::new();
    while let Some(event) = inbox.recv().await {
        match event {
            Event::Opened { connection, link } => {
                links.insert(connection, link);
                hub.accept(connection, Identity::Development);
            }
            Event::Frame { connection, frame } => hub.handle_frame(connection, &frame),
            Event::Refused { connection, reason } => {
                // The hub never saw the frame; refuse as it would: `error`, then close.
                hub.closed(connection);
                if let Some(link) = links.remove(&connection) {
                    let error = Message::Error {
                        sender_id: me.clone(),
                        message: reason.to_owned(),
                        target_id: PeerId::default(),
                    };
                    let _ = link.frames.try_send(error.encode());
                }
            }
            Event::Closed { connection } => {
                hub.closed(connection);
                links.remove(&connection);
            }
        }
        execute(&mut hub, &store, &mut links).await;
    }
}

/// Drains and executes the hub's actions, in order.
async fn execute(
    hub: &mut SyncHub<OpenAccess>,
    store: &Store,
    links: &mut HashMap<ConnectionId, Link>,
) {
    // After a failed write nothing that follows may go out: it could tell a client the
    // server holds changes that are not on disk.
    let mut storage_failed = false;
    while let Some(action) = hub.poll_action() {
        match action {
            Action::Persist { document, chunk } => {
                if storage_failed {
                    continue;
                }
                if let Err(error) = store.append_chunk(&document.to_string(), chunk).await {
                    tracing::error!(%document, %error, "cannot store a sync chunk");
                    storage_failed = true;
                }
            }
            Action::Load { document } => match load(store, &document).await {
                Ok(doc) => hub.loaded(document, doc),
                // Never answer "absent" for a document we could not read: a sync would
                // then start it afresh over the stored one. It stays loading (and its
                // messages wait) until the server restarts.
                Err(error) => tracing::error!(%document, %error, "cannot load a document"),
            },
            Action::Send { connection, frame } => {
                if storage_failed {
                    disconnect(hub, links, connection);
                    continue;
                }
                let Some(link) = links.get(&connection) else {
                    continue;
                };
                if link.frames.try_send(frame).is_err() {
                    // Full (a slow client) or gone: either way it is done.
                    if let Some(link) = links.remove(&connection) {
                        let _ = link.abort.send(());
                    }
                    hub.closed(connection);
                }
            }
            Action::Close { connection, reason } => {
                tracing::info!(?connection, %reason, "sync connection closed");
                // Dropping the sender lets the task send what is queued, then close.
                links.remove(&connection);
            }
            Action::Connected { .. } | Action::Unavailable { .. } => {}
        }
    }
}

fn disconnect(
    hub: &mut SyncHub<OpenAccess>,
    links: &mut HashMap<ConnectionId, Link>,
    connection: ConnectionId,
) {
    if let Some(link) = links.remove(&connection) {
        let _ = link.abort.send(());
        hub.closed(connection);
    }
}

#[derive(Debug, thiserror::Error)]
enum LoadError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("stored chunks do not parse: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

async fn load(store: &Store, document: &DocumentId) -> Result<Option<AutoCommit>, LoadError> {
    match store.load(&document.to_string()).await? {
        Some(bytes) => Ok(Some(AutoCommit::load(&bytes)?)),
        None => Ok(None),
    }
}
