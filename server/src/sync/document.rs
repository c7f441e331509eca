//! One document's actor: a [`SyncHub`] holding that document only, with every connection
//! that talks about it, on a task of its own (issue 10: no document can stall the others).
//!
//! The router hands it the messages about its document, in each connection's order, and
//! the closing of those connections. It executes its hub's actions in order, so a chunk is
//! committed to the store before any frame queued after it goes out; loading, applying
//! and generating run outside the async workers' way (`cpu`), so a heavy document takes
//! a thread of its own while the others go on. Once its document is out of memory the
//! task ends: if connections still follow it, their sync states go to the router
//! ([`Dormant`]). A later message starts a fresh actor, with those states, which loads
//! what the store holds: every chunk was committed before.

mod dormant;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use shared::sync::{Action, ConnectionId, DocumentId, Message, PeerId, PeerMetadata, SyncHub};
use tokio::sync::{mpsc, oneshot};

use super::access::Created;
use super::connection::Link;
use super::{
    LimitExceeded, ServerRules, SyncConfig, SyncIdentity, SyncLimits, health, limits, load,
};
use crate::store::DocumentStore;
pub(super) use dormant::Dormant;

/// What every actor shares: the store, the rules, the limits and the quotas (counted per
/// device across documents), health.
pub(super) struct Shared<S, R> {
    pub(super) store: Arc<S>,
    pub(super) rules: Arc<R>,
    pub(super) config: SyncConfig,
    pub(super) limits: Arc<SyncLimits>,
    pub(super) quotas: Mutex<limits::Quotas>,
    pub(super) health: Arc<health::HubHealth>,
    /// What the loaded documents of every actor are estimated to take
    /// ([`resident_estimate`]), against [`SyncConfig::memory_budget`].
    pub(super) resident: AtomicUsize,
    /// Wakes the task that probes a failed store (`guard::recover`).
    pub(super) wake_recovery: mpsc::UnboundedSender<()>,
    pub(super) me: PeerId,
}

/// A connection past its handshake, as the router and every actor it talks to see it:
/// shared, so each message carries a pointer rather than copies.
pub(super) struct Peer {
    pub(super) identity: SyncIdentity,
    pub(super) remote: PeerId,
    pub(super) link: Link,
}

/// What the router sends a document's actor. One word and a tag: a channel allocates room
/// for 32 events at a time, and thousands of actors each have one.
pub(super) enum DocEvent {
    /// A message about the document, from a connection (the actor learns of a connection
    /// from its first message).
    Message(Box<Routed>),
    Closed {
        connection: ConnectionId,
    },
    /// The server is over its memory budget and this document was the least recently
    /// used: drop it from memory, keeping its followers' sync states.
    Hibernate,
    /// Answered once every event sent before is handled.
    Barrier(oneshot::Sender<()>),
    /// The followers the actor handed over in [`Note::Dormant`], given back: the router
    /// had sent it more events meanwhile, which it handles now, in order.
    Wake(Box<Dormant>),
}

// Kept so: every idle actor's inbox holds a block of 32 of them.
const _: () = assert!(std::mem::size_of::<DocEvent>() <= 16);

/// A message routed to a document's actor; `cost` is what it counts against the actor's
/// inbox.
pub(super) struct Routed {
    pub(super) connection: ConnectionId,
    pub(super) peer: Arc<Peer>,
    pub(super) message: Message,
    pub(super) cost: usize,
}

impl DocEvent {
    pub(super) fn cost(&self) -> usize {
        match self {
            DocEvent::Message(routed) => routed.cost,
            _ => 0,
        }
    }
}

/// An actor's figures, read by the router without asking it.
#[derive(Default)]
pub(super) struct Gauge {
    /// The cost of the messages sent to it and not yet handled: what
    /// [`SyncLimits::document_inbox_bytes`] bounds.
    pub(super) queued: AtomicUsize,
    /// The estimated memory of its document while loaded (0 when not).
    pub(super) resident: AtomicUsize,
}

/// What a message is counted as in an actor's inbox: its frame and the event around it.
pub(super) fn inbox_cost(frame_len: usize) -> usize {
    frame_len + 256
}

/// The memory a loaded document is estimated to take, from its stored size: measured
/// with `dicoso bench-sync` (5000 dossiers of one trip, under 1 KB stored each, grew the
/// server by about 13 KiB a document: automerge's op set, change graph and indexes, the
/// actor's task, inbox, hub and sync states) and ten times its compressed, columnar size
/// for larger ones.
pub(super) fn resident_estimate(stored: u64) -> usize {
    usize::try_from(stored)
        .unwrap_or(usize::MAX / 16)
        .saturating_mul(10)
        .saturating_add(4 * 1024)
}

/// What an actor tells the router.
pub(super) enum Note {
    /// Nothing of the document is in memory after `handled` events: the router ends the
    /// actor if it sent no more.
    Idle { document: DocumentId, handled: u64 },
    /// Its document is out of memory after `handled` events, still followed: the actor
    /// hands its followers over and ends if the router sent no more, else the router
    /// gives them back ([`DocEvent::Wake`]) after what it sent.
    Dormant {
        document: DocumentId,
        handled: u64,
        dormant: Box<Dormant>,
    },
    /// The actor's hub closed the connection (its `error` is queued): close it everywhere.
    Close { connection: ConnectionId },
    /// The client is over its outgoing byte budget: drop it now.
    Slow { connection: ConnectionId },
    /// The client ran out of a limit: refuse it (`error`, then close).
    Limit {
        connection: ConnectionId,
        reason: LimitExceeded,
    },
}

/// Automerge work on fewer bytes than this (the document's stored size and the message)
/// runs in place on the async worker: a phone's change to a dossier of a few trips (under
/// 1 KB stored) takes well under a millisecond there, while handing the worker over costs
/// two thread switches and a thread's allocator arena (a tenth of the server's CPU went
/// to those switches under `bench-sync`). Cost follows operations more than compressed
/// bytes: a year of 60 trips is about 5 KB stored and takes some 10 ms to update, so it
/// gets a thread of its own.
///
/// The same line decides what stays in memory between changes: a document under it loads
/// again in well under a millisecond, yet takes 5–9 KiB loaded, so once its followers
/// hold what the server holds it leaves memory (issue 10: `bench-sync` 100×50 peaked at
/// 66–87 MiB rather than 105–114), past [`SyncConfig::keep_settled`].
const INLINE_WORK_BYTES: u64 = 2 * 1024;

/// Runs `work`, automerge work on about `bytes` bytes of document and message. Heavy work
/// does not hold up the async workers: on a multi-threaded runtime the worker hands its
/// other tasks over first. (A single-threaded runtime, as in tests, runs it in place.)
pub(super) fn cpu<T>(bytes: u64, work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if bytes < INLINE_WORK_BYTES {
        return work();
    }
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

pub(super) struct DocShell<S, R: ServerRules> {
    pub(super) document: DocumentId,
    pub(super) hub: SyncHub<Arc<R>>,
    pub(super) shared: Arc<Shared<S, R>>,
    /// The connections that talked about the document.
    pub(super) peers: HashMap<ConnectionId, Arc<Peer>>,
    /// The last chunk number such that every chunk up to it is in memory (read at load,
    /// or appended from memory since): what compaction may replace. Absent if another
    /// writer's chunk came in between.
    last_seq: Option<i64>,
    /// The document's stored size: what [`SyncLimits::max_document_bytes`] bounds.
    pub(super) size: u64,
    /// What compaction took off `size` since the document was loaded: memory still
    /// holds it (automerge keeps the whole history), so the estimate counts it.
    compacted: u64,
    pub(super) notes: mpsc::UnboundedSender<Note>,
    gauge: Arc<Gauge>,
}

/// Starts the actor of `document`, with its followers if it was dormant; its inbox is the
/// returned sender.
pub(super) fn spawn<S: DocumentStore, R: ServerRules>(
    document: DocumentId,
    shared: Arc<Shared<S, R>>,
    notes: mpsc::UnboundedSender<Note>,
    gauge: Arc<Gauge>,
    dormant: Option<Box<Dormant>>,
) -> mpsc::UnboundedSender<DocEvent> {
    let (inbox, events) = mpsc::unbounded_channel();
    let metadata = PeerMetadata {
        storage_id: None,
        is_ephemeral: Some(false),
    };
    let mut shell = DocShell {
        document,
        hub: SyncHub::new(shared.me.clone(), metadata, shared.rules.clone()),
        shared,
        peers: HashMap::new(),
        last_seq: None,
        size: 0,
        compacted: 0,
        notes,
        gauge,
    };
    if let Some(dormant) = dormant {
        shell.wake(*dormant);
    }
    tokio::spawn(shell.run(events));
    inbox
}

impl<S: DocumentStore, R: ServerRules> DocShell<S, R> {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<DocEvent>) {
        let mut handled = 0;
        // Events that came while the followers were handed over, to handle in order.
        let mut replay = VecDeque::new();
        loop {
            let event = match replay.pop_front() {
                Some(event) => event,
                None => match events.recv().await {
                    Some(event) => {
                        handled += 1;
                        event
                    }
                    None => break,
                },
            };
            let cost = event.cost();
            self.shared.health.document_busy(self.document);
            // Boxed: the handling's state (store calls, actions) lives only while an
            // event is handled, not in every idle actor's task.
            Box::pin(self.handle(event)).await;
            // Every Persist queued so far has run: an unloaded document loses nothing.
            if !self.hub.evict_idle().is_empty() {
                self.last_seq = None;
                self.size = 0;
            }
            self.measure();
            self.gauge.queued.fetch_sub(cost, Ordering::Relaxed);
            self.shared.health.document_idle(&self.document);
            if self.hub.loaded_count() > 0 || !replay.is_empty() {
                continue;
            }
            // Out of memory and followed by nobody: nothing of it is left here.
            if !self.hub.followed(&self.document) {
                let idle = Note::Idle {
                    document: self.document,
                    handled,
                };
                if self.notes.send(idle).is_err() {
                    break;
                }
                continue;
            }
            // Out of memory but followed: the router keeps the followers, not a task.
            if !self.hand_over(&mut events, &mut replay, &mut handled).await {
                break;
            }
        }
        let held = self.gauge.resident.swap(0, Ordering::Relaxed);
        self.shared.resident.fetch_sub(held, Ordering::Relaxed);
        self.shared.health.document_idle(&self.document);
    }

    /// The stored bytes memory holds of the document: its stored size, and what
    /// compaction took off it (automerge keeps the whole history).
    fn held(&self) -> u64 {
        self.size + self.compacted
    }

    /// Updates the estimate of what its document takes in memory, here and in all.
    fn measure(&mut self) {
        let now = if self.hub.loaded_count() == 0 {
            0
        } else {
            resident_estimate(self.held())
        };
        let before = self.gauge.resident.swap(now, Ordering::Relaxed);
        if now >= before {
            self.shared
                .resident
                .fetch_add(now - before, Ordering::Relaxed);
        } else {
            self.shared
                .resident
                .fetch_sub(before - now, Ordering::Relaxed);
        }
    }

    async fn handle(&mut self, event: DocEvent) {
        match event {
            DocEvent::Message(routed) => {
                let Routed {
                    connection,
                    peer,
                    message,
                    cost,
                } = *routed;
                if !self.hub.has_connection(connection) {
                    let (identity, remote) = (peer.identity.clone(), peer.remote.clone());
                    self.peers.insert(connection, peer);
                    self.hub.accept_joined(connection, identity, remote);
                }
                let bytes = self.held() + cost as u64;
                cpu(bytes, || self.hub.handle_message(connection, message));
                self.execute(Some(connection)).await;
                // A small document costs more to keep than to load again: once every
                // follower holds what memory holds, it waits on disk for the next message,
                // unless the loaded documents (this one counted) take little enough that
                // keeping it is free. A document still empty (a creation's first
                // exchange) holds nothing to load again: it never waits in memory. Only
                // one with nothing stored can be empty: the others skip asking automerge.
                self.measure();
                let settled_small = self.held() < INLINE_WORK_BYTES
                    && self.shared.resident.load(Ordering::Relaxed)
                        > self.shared.config.keep_settled
                    && self.hub.settled(&self.document);
                let empty = self.held() == 0 && self.hub.holds_nothing(&self.document);
                if settled_small || empty {
                    self.hibernate();
                }
            }
            DocEvent::Closed { connection } => {
                self.hub.closed(connection);
                self.peers.remove(&connection);
            }
            // Every Persist queued so far has run: nothing of it is only in memory.
            DocEvent::Hibernate => self.hibernate(),
            DocEvent::Barrier(done) => {
                let _ = done.send(());
            }
            // Only sent while the followers are handed over (`run` takes it there).
            DocEvent::Wake(dormant) => self.wake(*dormant),
        }
    }

    /// Drops the document from memory, its followers' sync states kept; the next message
    /// loads it again. Only between events: every `Persist` so far has run.
    fn hibernate(&mut self) {
        if self.hub.hibernate(&self.document) {
            self.last_seq = None;
            self.size = 0;
        }
    }

    /// Tells the router to close the connection everywhere (after what is queued).
    pub(super) fn close_everywhere(&mut self, connection: ConnectionId) {
        self.hub.closed(connection);
        self.peers.remove(&connection);
        let _ = self.notes.send(Note::Close { connection });
    }

    /// Writes the index rows the first chunks did not carry (none, unless the document
    /// came into being without a chunk to persist); if that fails it is forgotten (its
    /// chunks would be unreadable by anyone).
    async fn index_created(&mut self, created: Vec<Created>) {
        for created in created {
            match self.shared.store.index_document(&created).await {
                Ok(()) => created_log(&created),
                Err(error) => {
                    tracing::error!(document = %created.document, %error, "cannot index a new document");
                    self.write_failed(&error);
                    self.forget();
                }
            }
        }
    }

    /// Drains and executes the hub's actions, in order; then compacts if the document's
    /// chunks grew too many. `origin` is the connection whose message caused them: the
    /// actor handles one event at a time and loads inline, so every chunk to persist here
    /// is that connection's doing.
    async fn execute(&mut self, origin: Option<ConnectionId>) {
        // A new document's index row goes with its first chunk, in one transaction. The
        // rules note a creation when they accept its changes: in the message just handled,
        // or in a load below (the document was out of memory), so each chunk looks again.
        let mut unindexed = Vec::new();
        let mut compact = false;
        let mut created = HashSet::new();
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Persist { document, chunk } => {
                    unindexed.extend(self.hub.access().take_created_of(&document));
                    let len = chunk.len() as u64;
                    if let Some(origin) = origin
                        && let Err(reason) = self.admit_chunk(origin, &document, len, &mut created)
                    {
                        // Memory holds the change, the disk must not: drop both.
                        self.limit_reached(origin, reason);
                        self.forget();
                        compact = false;
                        continue;
                    }
                    let index = unindexed
                        .iter()
                        .position(|c| c.document == document)
                        .map(|i| unindexed.swap_remove(i));
                    let stored = match &index {
                        Some(created) => self.shared.store.append_first_chunk(created, chunk).await,
                        None => {
                            let id = document.to_string();
                            self.shared.store.append_chunk(&id, chunk).await
                        }
                    };
                    match stored {
                        Ok(appended) => {
                            if let Some(created) = &index {
                                created_log(created);
                            }
                            self.write_ok();
                            self.size += len;
                            if self.last_seq == Some(appended.seq - 1) {
                                self.last_seq = Some(appended.seq);
                                compact |= appended.chunks > self.shared.config.compact_above;
                            } else {
                                self.last_seq = None;
                            }
                        }
                        Err(error) => {
                            // Memory now holds changes the disk does not: drop them, and
                            // the followers that may have heard of them.
                            tracing::error!(%document, %error, "cannot store a sync chunk");
                            self.write_failed(&error);
                            self.forget();
                            compact = false;
                        }
                    }
                }
                Action::Load { document } => {
                    // A document being brought into being: nothing to read.
                    let stored = if self.shared.rules.may_be_stored(&document) {
                        load(&*self.shared.store, &document).await
                    } else {
                        Ok(None)
                    };
                    match stored {
                        Ok(stored) => {
                            let (doc, last_seq, size) = match stored {
                                Some((doc, last_seq, size)) => (Some(doc), last_seq, size),
                                None => (None, -1, 0),
                            };
                            cpu(size, || self.hub.loaded(document, doc));
                            if self.hub.document(&document).is_some() {
                                self.last_seq = Some(last_seq);
                                self.size = size;
                                self.compacted = 0;
                            }
                        }
                        // Never answer "absent" for a document we could not read: a sync
                        // would then start it afresh over the stored one. Its waiting
                        // peers are closed; their next connection tries again.
                        Err(error) => {
                            tracing::error!(%document, %error, "cannot load a document");
                            self.forget();
                        }
                    }
                }
                Action::Send { connection, frame } => {
                    let Some(peer) = self.peers.get(&connection) else {
                        continue;
                    };
                    if !peer.link.push(frame) {
                        // Over its byte budget (a slow client) or gone: either way done.
                        self.hub.closed(connection);
                        self.peers.remove(&connection);
                        let _ = self.notes.send(Note::Slow { connection });
                    }
                }
                Action::Close { connection, reason } => {
                    let who = self.peers.get(&connection).map(|p| &p.identity);
                    let (device, person) =
                        who.map_or(("", ""), |w| (w.device_id.as_str(), w.person.as_str()));
                    if matches!(reason, shared::sync::ProtocolError::Refused { .. }) {
                        tracing::warn!(?connection, device, person, %reason, "changes refused");
                    } else {
                        tracing::info!(?connection, device, person, %reason, "sync connection closed");
                    }
                    self.close_everywhere(connection);
                }
                Action::Connected { .. } | Action::Unavailable { .. } => {}
            }
        }
        unindexed.extend(self.hub.access().take_created_of(&self.document));
        if !unindexed.is_empty() && self.hub.document(&self.document).is_some() {
            self.index_created(unindexed).await;
        }
        // After the batch every chunk is stored, so memory holds what the disk does.
        if compact {
            self.compact().await;
        }
    }

    fn forget(&mut self) {
        self.last_seq = None;
        self.size = 0;
        let document = self.document;
        let closed = self.hub.forget(&document);
        if !closed.is_empty() {
            tracing::warn!(%document, ?closed, "document forgotten: its followers must resync");
        }
    }

    /// Replaces the document's chunks with one full save of what memory holds.
    async fn compact(&mut self) {
        let document = self.document;
        let held = self.held();
        let (Some(through), Some(doc)) = (self.last_seq, self.hub.document_mut(&document)) else {
            return;
        };
        let full = cpu(held, || doc.save());
        let size = full.len() as u64;
        // On failure the chunks stay as they were (one transaction): nothing to undo.
        match self
            .shared
            .store
            .compact(&document.to_string(), full, through)
            .await
        {
            // Only chunks appended since `through` could add to it: none in this batch.
            Ok(()) => {
                self.compacted += self.size.saturating_sub(size);
                self.size = size;
            }
            Err(error) => {
                tracing::warn!(%document, %error, "cannot compact a document");
                self.write_failed(&error);
            }
        }
    }
}

/// The log line of a document that came into being (its index row written).
fn created_log(created: &Created) {
    tracing::info!(
        document = %created.document,
        kind = created.key.kind.as_str(),
        cadre = %created.key.cadre,
        year = created.key.year,
        device = %created.device_id,
        "document created"
    );
}
