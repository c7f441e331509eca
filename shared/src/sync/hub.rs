//! The sans-IO sync core: connections, per-(peer, document) sync states, documents.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::sync;
use automerge::{AutoCommit, ChangeHash};

use super::doc_id::DocumentId;
use super::message::{DecodeError, Message, PROTOCOL_V1, PeerId, PeerMetadata};

mod access;
mod memory;
mod protocol;

pub use access::{Access, Permission, Refusal, TrustServer};

/// The shell's name for a connection (e.g. a counter); the core never invents one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Write this frame to the connection (one WebSocket binary message).
    Send {
        connection: ConnectionId,
        frame: Vec<u8>,
    },
    /// Close the connection; the core has already forgotten it.
    Close {
        connection: ConnectionId,
        reason: ProtocolError,
    },
    /// Load the document from storage and call [`SyncHub::loaded`] (with `None` if absent).
    Load { document: DocumentId },
    /// Append this chunk (`save_after` the heads before the change) to the document's
    /// storage. It also means: the document changed through sync; refresh what shows it.
    Persist {
        document: DocumentId,
        chunk: Vec<u8>,
    },
    /// The handshake completed; sync can flow.
    Connected {
        connection: ConnectionId,
        remote: PeerId,
    },
    /// The remote does not have (or will not share) the document.
    Unavailable {
        connection: ConnectionId,
        document: DocumentId,
    },
}

/// Why a connection is closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// The exact text the stock automerge-repo server sends.
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    #[error("unexpected `{0}` message")]
    Unexpected(&'static str),
    #[error("senderId does not match the peer that joined")]
    SenderMismatch,
    #[error("invalid Automerge sync message for document {0}")]
    BadSyncMessage(DocumentId),
    #[error("the remote reported an error: {0}")]
    Remote(String),
    /// [`SyncHub::forget`] dropped a document this connection followed (e.g. storing it
    /// failed): the peer must reconnect so that both sides sync afresh.
    #[error("document {0} was dropped from memory; reconnect to sync it afresh")]
    Forgotten(DocumentId),
    /// [`Access::check_update`] refused the changes of a sync message.
    #[error("Máy chủ từ chối thay đổi ở tài liệu {document}: {reason}")]
    Refused {
        document: DocumentId,
        reason: Refusal,
    },
}

impl ProtocolError {
    /// The document whose changes were refused, from the `error` text a peer received
    /// (the browser stops offering that document until the page reloads).
    pub fn refused_document(message: &str) -> Option<DocumentId> {
        let rest = message.strip_prefix("Máy chủ từ chối thay đổi ở tài liệu ")?;
        rest.split(':').next()?.parse().ok()
    }
}

enum Phase {
    /// Server side: waiting for the client's `join`.
    AwaitingJoin,
    /// Client side: `join` sent, waiting for the server's `peer`.
    AwaitingPeer,
    Ready(PeerId),
}

struct Connection<I> {
    identity: I,
    /// Clients offer every document they hold; servers only answer what peers ask about.
    announces: bool,
    phase: Phase,
    /// Boxed, as are the connections: a server's document actor holds one document and
    /// few connections, and a B-tree leaf holds room for eleven entries inline.
    documents: BTreeMap<DocumentId, Box<PeerDocument>>,
}

impl<I> Connection<I> {
    /// An announcing connection before its handshake: it will offer every document.
    fn announces_later(&self) -> bool {
        self.announces && !matches!(self.phase, Phase::Ready(_))
    }
}

/// Our sync with one peer about one document.
#[derive(Default)]
struct PeerDocument {
    state: sync::State,
    /// Has the peer sent us anything about this document? (automerge-repo sends `request`
    /// rather than `sync` only while it has heard nothing and has no data.)
    heard: bool,
}

struct Pending {
    connection: ConnectionId,
    message: sync::Message,
    is_request: bool,
}

enum Slot {
    /// `Action::Load` is out; sync messages wait here, in order.
    Loading(Vec<Pending>),
    Ready(Box<AutoCommit>),
}

/// The sync core. One per process (browser tab or server), many connections.
///
/// The shell's loop: call [`connect`](Self::connect) / [`accept`](Self::accept) for a new
/// socket, [`handle_frame`](Self::handle_frame) for each binary message,
/// [`closed`](Self::closed) when it drops, [`loaded`](Self::loaded) to answer a
/// `Load`, [`local_change`](Self::local_change) after editing a document through
/// [`document_mut`](Self::document_mut); after each call, drain
/// [`poll_action`](Self::poll_action) and execute the actions in order. A server also
/// calls [`evict_idle`](Self::evict_idle) after each call, and [`forget`](Self::forget)
/// when storing a document failed.
pub struct SyncHub<A: Access> {
    me: PeerId,
    metadata: PeerMetadata,
    access: A,
    connections: BTreeMap<ConnectionId, Box<Connection<A::Identity>>>,
    documents: BTreeMap<DocumentId, Slot>,
    /// Loaded documents that may have lost their last follower, for
    /// [`evict_idle`](Self::evict_idle) to check instead of scanning everything. Always a
    /// subset of the `Ready` documents.
    maybe_idle: BTreeSet<DocumentId>,
    actions: VecDeque<Action>,
}

pub use memory::{Follower, without_slack};

impl<A: Access> SyncHub<A> {
    pub fn new(me: PeerId, metadata: PeerMetadata, access: A) -> Self {
        Self {
            me,
            metadata,
            access,
            connections: BTreeMap::new(),
            documents: BTreeMap::new(),
            maybe_idle: BTreeSet::new(),
            actions: VecDeque::new(),
        }
    }

    /// The next thing the shell must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn access(&self) -> &A {
        &self.access
    }

    /// To change the rules (e.g. after a role change); takes effect from the next message.
    pub fn access_mut(&mut self) -> &mut A {
        &mut self.access
    }

    // --- connections -------------------------------------------------------------------

    /// We opened a connection to a server (browser side): sends `join`.
    pub fn connect(&mut self, connection: ConnectionId, identity: A::Identity) {
        self.connections.insert(
            connection,
            Box::new(Connection {
                identity,
                announces: true,
                phase: Phase::AwaitingPeer,
                documents: BTreeMap::new(),
            }),
        );
        let join = Message::Join {
            sender_id: self.me.clone(),
            peer_metadata: self.metadata.clone(),
            supported_protocol_versions: Some(vec![PROTOCOL_V1.to_owned()]),
        };
        self.send(connection, &join);
    }

    /// A client connected to us (server side), authenticated as `identity`.
    pub fn accept(&mut self, connection: ConnectionId, identity: A::Identity) {
        self.connections.insert(
            connection,
            Box::new(Connection {
                identity,
                announces: false,
                phase: Phase::AwaitingJoin,
                documents: BTreeMap::new(),
            }),
        );
    }

    /// A client whose handshake another hub completed (a server routing each document's
    /// messages to a hub of its own): sync can flow at once, `remote` is its peer id.
    pub fn accept_joined(
        &mut self,
        connection: ConnectionId,
        identity: A::Identity,
        remote: PeerId,
    ) {
        self.connections.insert(
            connection,
            Box::new(Connection {
                identity,
                announces: false,
                phase: Phase::Ready(remote),
                documents: BTreeMap::new(),
            }),
        );
    }

    /// Whether the connection is known here.
    pub fn has_connection(&self, connection: ConnectionId) -> bool {
        self.connections.contains_key(&connection)
    }

    /// The socket is gone: forget its sync states. The documents only it followed become
    /// idle (see [`evict_idle`](Self::evict_idle)).
    pub fn closed(&mut self, connection: ConnectionId) {
        self.drop_connection(connection);
    }

    fn drop_connection(&mut self, connection: ConnectionId) {
        if let Some(conn) = self.connections.remove(&connection) {
            for document in conn.documents.into_keys() {
                self.maybe_unfollowed(document);
            }
        }
    }

    fn maybe_unfollowed(&mut self, document: DocumentId) {
        if let Some(Slot::Ready(_)) = self.documents.get(&document) {
            self.maybe_idle.insert(document);
        }
    }

    /// One binary frame from the connection. Frames for unknown (closed) connections are
    /// ignored.
    pub fn handle_frame(&mut self, connection: ConnectionId, frame: &[u8]) {
        if !self.connections.contains_key(&connection) {
            return;
        }
        match Message::decode(frame) {
            Ok(message) => self.handle_message(connection, message),
            Err(e) => self.fail(connection, e.into()),
        }
    }

    /// One decoded message from the connection (for a shell that decoded it to route it).
    /// Messages for unknown (closed) connections are ignored.
    pub fn handle_message(&mut self, connection: ConnectionId, message: Message) {
        let Some(conn) = self.connections.get_mut(&connection) else {
            return;
        };
        let remote = match (&conn.phase, message) {
            (
                Phase::AwaitingJoin,
                Message::Join {
                    sender_id,
                    supported_protocol_versions,
                    ..
                },
            ) => {
                // Like the stock server: no list means an old client speaking "1".
                let speaks_v1 = supported_protocol_versions
                    .is_none_or(|versions| versions.iter().any(|v| v == PROTOCOL_V1));
                if !speaks_v1 {
                    return self.fail_to(connection, sender_id, ProtocolError::UnsupportedVersion);
                }
                conn.phase = Phase::Ready(sender_id.clone());
                let peer = Message::Peer {
                    sender_id: self.me.clone(),
                    peer_metadata: self.metadata.clone(),
                    selected_protocol_version: PROTOCOL_V1.to_owned(),
                    target_id: sender_id.clone(),
                };
                // Pushed directly: `conn` still borrows `self.connections`.
                self.actions.push_back(Action::Send {
                    connection,
                    frame: peer.encode(),
                });
                sender_id
            }
            (
                Phase::AwaitingPeer,
                Message::Peer {
                    sender_id,
                    selected_protocol_version,
                    ..
                },
            ) => {
                if selected_protocol_version != PROTOCOL_V1 {
                    return self.fail_to(connection, sender_id, ProtocolError::UnsupportedVersion);
                }
                conn.phase = Phase::Ready(sender_id.clone());
                sender_id
            }
            (_, Message::Error { message, .. }) => {
                // The remote closes after an error; no answer.
                self.drop_connection(connection);
                self.actions.push_back(Action::Close {
                    connection,
                    reason: ProtocolError::Remote(message),
                });
                return;
            }
            (Phase::Ready(remote), message) => {
                if message.sender_id() != remote {
                    return self.fail(connection, ProtocolError::SenderMismatch);
                }
                return self.handle_ready(connection, message);
            }
            (_, message) => {
                return self.fail(connection, ProtocolError::Unexpected(message.type_name()));
            }
        };
        self.actions
            .push_back(Action::Connected { connection, remote });
        let announces = conn.announces;
        if announces {
            let ids: Vec<DocumentId> = self.documents.keys().copied().collect();
            for document in ids {
                self.sync_peer(connection, document);
            }
        }
    }

    fn handle_ready(&mut self, connection: ConnectionId, message: Message) {
        match message {
            Message::Sync {
                document_id, data, ..
            } => {
                self.receive(connection, document_id, &data, false);
            }
            Message::Request {
                document_id, data, ..
            } => {
                self.receive(connection, document_id, &data, true);
            }
            Message::DocUnavailable { document_id, .. } => {
                if let Some(conn) = self.connections.get_mut(&connection) {
                    conn.documents.remove(&document_id);
                }
                self.maybe_unfollowed(document_id);
                self.actions.push_back(Action::Unavailable {
                    connection,
                    document: document_id,
                });
            }
            // Presence and remote-heads gossip: valid, not ours to act on.
            Message::Ephemeral { .. }
            | Message::RemoteHeadsChanged { .. }
            | Message::RemoteSubscriptionChange { .. } => {}
            other => self.fail(connection, ProtocolError::Unexpected(other.type_name())),
        }
    }

    // --- documents ---------------------------------------------------------------------

    pub fn document(&self, document: &DocumentId) -> Option<&AutoCommit> {
        match self.documents.get(document) {
            Some(Slot::Ready(doc)) => Some(doc),
            _ => None,
        }
    }

    /// Edit a document locally, then call [`local_change`](Self::local_change). Persisting
    /// a local edit is the caller's business (it was saved before the UI said so).
    pub fn document_mut(&mut self, document: &DocumentId) -> Option<&mut AutoCommit> {
        match self.documents.get_mut(document) {
            Some(Slot::Ready(doc)) => Some(doc),
            _ => None,
        }
    }

    /// A document this side holds (loaded at start or created locally): offered to
    /// connected servers. If we already hold it, the two are merged.
    pub fn insert_document(&mut self, document: DocumentId, mut doc: AutoCommit) {
        match self.documents.get_mut(&document) {
            Some(Slot::Loading(_)) => self.loaded(document, Some(doc)),
            Some(Slot::Ready(existing)) => {
                // Merging only fails on a corrupt change graph; keep ours then.
                let _ = existing.merge(&mut doc);
                self.local_change(document);
            }
            None => {
                self.documents.insert(document, Slot::Ready(Box::new(doc)));
                self.maybe_unfollowed(document);
                self.local_change(document);
            }
        }
    }

    /// Ask connected servers for a document we do not have (sent as `request`). The
    /// answer is a `Persist` when it arrives, or `Unavailable`.
    pub fn request(&mut self, document: DocumentId) {
        if let Entry::Vacant(slot) = self.documents.entry(document) {
            slot.insert(Slot::Ready(Box::default()));
            self.maybe_unfollowed(document);
        }
        self.local_change(document);
    }

    /// The document changed here: send sync messages to every peer that follows it.
    pub fn local_change(&mut self, document: DocumentId) {
        let following: Vec<ConnectionId> = self
            .connections
            .iter()
            .filter(|(_, c)| c.announces || c.documents.contains_key(&document))
            .map(|(id, _)| *id)
            .collect();
        for connection in following {
            self.sync_peer(connection, document);
        }
    }

    /// The answer to `Action::Load`: the stored document, or `None` if there is none.
    /// Ignored unless the document is loading (e.g. it was [forgotten](Self::forget)
    /// meanwhile: the answer may be stale).
    pub fn loaded(&mut self, document: DocumentId, doc: Option<AutoCommit>) {
        let pending = match self.documents.remove(&document) {
            Some(Slot::Loading(pending)) => pending,
            Some(ready) => {
                // Not ours to replace: we already hold it.
                self.documents.insert(document, ready);
                return;
            }
            None => return,
        };
        if let Some(doc) = doc {
            self.documents.insert(document, Slot::Ready(Box::new(doc)));
            // Its waiting peers may all have left meanwhile.
            self.maybe_unfollowed(document);
        }
        for Pending {
            connection,
            message,
            is_request,
        } in pending
        {
            let Some(conn) = self.connections.get(&connection) else {
                continue;
            };
            if !self.documents.contains_key(&document) {
                // Nobody has it: a `sync` may bring it into being (its changes are checked
                // like any), a `request` cannot.
                if is_request
                    || !self
                        .access
                        .permission(&conn.identity, &document)
                        .may_create()
                {
                    self.send_unavailable(connection, document);
                    continue;
                }
                self.documents.insert(document, Slot::Ready(Box::default()));
                self.maybe_unfollowed(document);
            }
            self.apply(connection, document, message, is_request);
        }
    }

    /// The heads the remote last told us it has of `document` on `connection` (automerge's
    /// `sync::State::their_heads`), e.g. for a client to show "changes not yet on the
    /// server": our heads not among these. `None` if that peer has not yet sent us a sync
    /// message about the document on this connection (each connection starts afresh), or
    /// the connection or document is unknown.
    pub fn remote_heads(
        &self,
        connection: ConnectionId,
        document: &DocumentId,
    ) -> Option<Vec<ChangeHash>> {
        self.connections
            .get(&connection)?
            .documents
            .get(document)?
            .state
            .their_heads
            .clone()
    }
}
