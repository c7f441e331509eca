//! The router task: owns the connections (their handshake, queues, identities) and hands
//! each message about a document to that document's actor (`document`), starting it if
//! need be. It never touches a document itself, so nothing it does takes long: a heavy
//! document keeps its own actor busy, not the router nor the other documents.
//!
//! Ordering: one connection's messages about one document reach that document's actor in
//! the order they came (one channel per actor, filled by this one task); messages about
//! different documents are independent. A connection closed (by its task, an actor, a
//! limit or a revocation) is closed in every actor it talked to.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use shared::sync::{Action, ConnectionId, DocumentId, Message, PeerId, PeerMetadata, SyncHub};
use tokio::sync::{mpsc, oneshot};

use super::connection::Outgoing;
use super::document::{self, DocEvent, Dormant, Gauge, Note, Peer, Shared};
use super::{Event, LimitExceeded, Revocation, ServerRules, SyncIdentity, SyncStats};
use crate::store::DocumentStore;

struct Actor {
    /// Unbounded, but what it holds is bounded: messages by
    /// [`SyncLimits::document_inbox_bytes`](super::SyncLimits), and the rest (closings,
    /// barriers, hibernations) by the connections and the router's own calls.
    inbox: mpsc::UnboundedSender<DocEvent>,
    /// Events sent to it: it may end once it says it is idle after as many.
    sent: u64,
    gauge: Arc<Gauge>,
    /// Its key in [`Router::recent`] (0: not there).
    used: u64,
}

pub(super) struct Router<S, R: ServerRules> {
    /// Handshakes and connection-wide messages only: it never holds a document.
    hub: SyncHub<Arc<R>>,
    shared: Arc<Shared<S, R>>,
    links: HashMap<ConnectionId, Outgoing>,
    identities: HashMap<ConnectionId, SyncIdentity>,
    /// Connections past their handshake, as actors see them.
    peers: HashMap<ConnectionId, Arc<Peer>>,
    /// Per connection, the documents whose actors heard from it.
    talked: HashMap<ConnectionId, HashSet<DocumentId>>,
    actors: HashMap<DocumentId, Actor>,
    /// Documents followed but out of memory, with no actor: their followers' sync states.
    dormant: HashMap<DocumentId, Box<Dormant>>,
    /// Documents by when they were last sent a message (a counter), oldest first: whom
    /// to hibernate when over the memory budget.
    recent: BTreeMap<u64, DocumentId>,
    clock: u64,
    /// Actors told to hibernate that have not yet: what they will free.
    hibernating: Vec<Arc<Gauge>>,
    notes: mpsc::UnboundedSender<Note>,
    noted: Option<mpsc::UnboundedReceiver<Note>>,
}

impl<S: DocumentStore, R: ServerRules> Router<S, R> {
    pub(super) fn new(shared: Arc<Shared<S, R>>) -> Self {
        let metadata = PeerMetadata {
            storage_id: None,
            is_ephemeral: Some(false),
        };
        let (notes, noted) = mpsc::unbounded_channel();
        Router {
            hub: SyncHub::new(shared.me.clone(), metadata, shared.rules.clone()),
            shared,
            links: HashMap::new(),
            identities: HashMap::new(),
            peers: HashMap::new(),
            talked: HashMap::new(),
            actors: HashMap::new(),
            dormant: HashMap::new(),
            recent: BTreeMap::new(),
            clock: 0,
            hibernating: Vec::new(),
            notes,
            noted: Some(noted),
        }
    }
}

pub(super) async fn run<S: DocumentStore, R: ServerRules>(
    mut router: Router<S, R>,
    mut inbox: mpsc::Receiver<Event>,
) {
    let health = router.shared.health.clone();
    let Some(mut noted) = router.noted.take() else {
        return;
    };
    loop {
        tokio::select! {
            biased;
            // Actors' notes first: a close they asked for goes before later frames.
            Some(note) = noted.recv() => {
                health.busy();
                router.note(note);
                health.idle();
            }
            event = inbox.recv() => {
                let Some(event) = event else { break };
                health.busy();
                router.handle(event);
                health.idle();
            }
        }
    }
    health.stopped();
}

impl<S: DocumentStore, R: ServerRules> Router<S, R> {
    fn handle(&mut self, event: Event) {
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
            Event::Frame { connection, frame } => self.frame(connection, &frame),
            Event::Refused { connection, reason } => self.refuse(connection, reason, "refused"),
            Event::Limit { connection, reason } => self.over_limit(connection, &reason),
            Event::Closed { connection } => self.drop_connection(connection, Ending::Gone),
            Event::Stats { reply, settled } => self.stats(reply, settled),
        }
    }

    fn frame(&mut self, connection: ConnectionId, frame: &[u8]) {
        match Message::decode(frame) {
            Ok(message) => match (self.peers.get(&connection), message.document_id()) {
                (Some(peer), Some(document)) => {
                    let peer = peer.clone();
                    self.route(connection, peer, document, message, frame.len());
                }
                _ => self.hub.handle_message(connection, message),
            },
            // The hub answers it (`error`, close).
            Err(_) => self.hub.handle_frame(connection, frame),
        }
        self.execute();
    }

    /// Hands a message to its document's actor, starting one if none runs, unless the
    /// actor's inbox is full: then the connection is refused (the document is busy, and
    /// dropping one message would leave its sync state wrong). The router never waits on
    /// an actor.
    fn route(
        &mut self,
        connection: ConnectionId,
        peer: Arc<Peer>,
        document: DocumentId,
        message: Message,
        frame_len: usize,
    ) {
        let cost = document::inbox_cost(frame_len);
        let limit = self.shared.limits.document_inbox_bytes;
        if let Some(actor) = self.actors.get(&document) {
            let queued = actor.gauge.queued.load(Ordering::Relaxed);
            // One message is always let in, however large (frames are bounded anyway).
            if queued > 0 && queued.saturating_add(cost) > limit {
                let reason = LimitExceeded::DocumentBusy { document, limit };
                return self.over_limit(connection, &reason);
            }
        }
        let event = DocEvent::Message(Box::new(document::Routed {
            connection,
            peer,
            message,
            cost,
        }));
        self.talked.entry(connection).or_default().insert(document);
        self.clock += 1;
        let now = self.clock;
        if let Some(actor) = self.send(document, event, true) {
            let before = std::mem::replace(&mut actor.used, now);
            if before != 0 {
                self.recent.remove(&before);
            }
            self.recent.insert(now, document);
        }
        self.keep_to_budget();
    }

    /// Sends an event to a document's actor; `start` one if none runs (else the event is
    /// dropped: e.g. a close for an actor that already ended). The actor it went to.
    fn send(&mut self, document: DocumentId, event: DocEvent, start: bool) -> Option<&mut Actor> {
        // Counted before it is sent: the actor takes it off once handled.
        let cost = event.cost();
        let event = match self.actors.get_mut(&document) {
            Some(actor) => {
                actor.gauge.queued.fetch_add(cost, Ordering::Relaxed);
                match actor.inbox.send(event) {
                    Ok(()) => {
                        actor.sent += 1;
                        return self.actors.get_mut(&document);
                    }
                    // It ended on its own (it panicked): start afresh.
                    Err(mpsc::error::SendError(event)) => {
                        self.forget_actor(&document);
                        event
                    }
                }
            }
            None => event,
        };
        if !start {
            return None;
        }
        let gauge = Arc::new(Gauge::default());
        gauge.queued.fetch_add(cost, Ordering::Relaxed);
        let inbox = document::spawn(
            document,
            self.shared.clone(),
            self.notes.clone(),
            gauge.clone(),
            self.dormant.remove(&document),
        );
        let sent = u64::from(inbox.send(event).is_ok());
        let actor = Actor {
            inbox,
            sent,
            gauge,
            used: 0,
        };
        Some(self.actors.entry(document).insert_entry(actor).into_mut())
    }

    fn forget_actor(&mut self, document: &DocumentId) {
        if let Some(actor) = self.actors.remove(document)
            && actor.used != 0
        {
            self.recent.remove(&actor.used);
        }
    }

    /// Over [`SyncConfig::memory_budget`](super::SyncConfig): tells the least recently
    /// used documents' actors to hibernate (drop their document, keep their followers)
    /// until what they hold would bring memory under it.
    fn keep_to_budget(&mut self) {
        let budget = self.shared.config.memory_budget;
        let resident = self.shared.resident.load(Ordering::Relaxed);
        if resident <= budget {
            self.hibernating.clear();
            return;
        }
        self.hibernating
            .retain(|g| g.resident.load(Ordering::Relaxed) > 0);
        let freeing: usize = self
            .hibernating
            .iter()
            .map(|g| g.resident.load(Ordering::Relaxed))
            .sum();
        let mut over = resident.saturating_sub(freeing).saturating_sub(budget);
        while over > 0 {
            let Some((_, document)) = self.recent.pop_first() else {
                break;
            };
            let Some(actor) = self.actors.get_mut(&document) else {
                continue;
            };
            actor.used = 0;
            // Told even if it holds nothing yet (still loading): it leaves the list here,
            // and must not stay in memory unlisted once loaded.
            let held = actor.gauge.resident.load(Ordering::Relaxed);
            if actor.inbox.send(DocEvent::Hibernate).is_ok() {
                actor.sent += 1;
                if held > 0 {
                    self.hibernating.push(actor.gauge.clone());
                    over = over.saturating_sub(held);
                }
            }
        }
    }

    fn note(&mut self, note: Note) {
        match note {
            Note::Idle { document, handled } => {
                if self
                    .actors
                    .get(&document)
                    .is_some_and(|a| a.sent == handled)
                {
                    // Dropping its inbox ends it.
                    self.forget_actor(&document);
                }
            }
            Note::Dormant {
                document,
                handled,
                dormant,
            } => self.dormant(document, handled, dormant),
            Note::Close { connection } => self.drop_connection(connection, Ending::Close),
            Note::Limit { connection, reason } => self.over_limit(connection, &reason),
            // Unless it is gone already (its queue closed).
            Note::Slow { connection } if self.links.contains_key(&connection) => {
                tracing::warn!(
                    ?connection,
                    budget = self.shared.limits.outgoing_bytes,
                    "sync client over its outgoing budget: dropped"
                );
                self.drop_connection(connection, Ending::Abort);
            }
            Note::Slow { .. } => {}
        }
    }

    /// An actor handed its followers over: it ends and they wait here, unless it was sent
    /// more since; then they go back to it, after those events.
    fn dormant(&mut self, document: DocumentId, handled: u64, dormant: Box<Dormant>) {
        let Some(actor) = self.actors.get_mut(&document) else {
            return;
        };
        if actor.sent == handled {
            // Dropping its inbox ends it.
            self.forget_actor(&document);
            if dormant.followed() {
                self.dormant.insert(document, dormant);
            }
        } else if actor.inbox.send(DocEvent::Wake(dormant)).is_ok() {
            actor.sent += 1;
        } else {
            // It ended on its own (it panicked): its followers sync afresh.
            self.forget_actor(&document);
        }
    }

    /// Executes the router hub's actions: handshake answers and closes.
    fn execute(&mut self) {
        while let Some(action) = self.hub.poll_action() {
            match action {
                Action::Send { connection, frame } => {
                    let Some(link) = self.links.get(&connection) else {
                        continue;
                    };
                    if !link.push(frame) {
                        tracing::warn!(
                            ?connection,
                            budget = self.shared.limits.outgoing_bytes,
                            "sync client over its outgoing budget: dropped"
                        );
                        self.drop_connection(connection, Ending::Abort);
                    }
                }
                Action::Close { connection, reason } => {
                    let who = self.identities.get(&connection);
                    let (device, person) = who
                        .as_ref()
                        .map_or(("", ""), |w| (w.device_id.as_str(), w.person.as_str()));
                    tracing::info!(?connection, device, person, %reason, "sync connection closed");
                    self.drop_connection(connection, Ending::Close);
                }
                Action::Connected { connection, remote } => {
                    if let (Some(identity), Some(out)) = (
                        self.identities.get(&connection),
                        self.links.get(&connection),
                    ) {
                        let peer = Peer {
                            identity: identity.clone(),
                            remote,
                            link: out.link.clone(),
                        };
                        self.peers.insert(connection, Arc::new(peer));
                    }
                }
                // The router's hub holds no document: it neither loads nor persists.
                Action::Persist { .. } | Action::Load { .. } | Action::Unavailable { .. } => {}
            }
        }
    }

    /// Forgets a connection here and in every actor it talked to, and ends it as said.
    fn drop_connection(&mut self, connection: ConnectionId, ending: Ending) {
        self.hub.closed(connection);
        self.identities.remove(&connection);
        self.peers.remove(&connection);
        if let Some(link) = self.links.remove(&connection) {
            match ending {
                Ending::Gone => {}
                Ending::Close => link.close(),
                Ending::Abort => link.abort(),
            }
        }
        for document in self.talked.remove(&connection).unwrap_or_default() {
            if let Some(dormant) = self.dormant.get_mut(&document) {
                if !dormant.forget(connection) {
                    self.dormant.remove(&document);
                }
            } else {
                self.send(document, DocEvent::Closed { connection }, false);
            }
        }
    }

    /// Closes a connection the hub never heard the fault of: `error` with `message`, then
    /// close (what is queued before it still goes out).
    fn refuse(&mut self, connection: ConnectionId, message: impl Into<String>, why: &str) {
        let message = message.into();
        tracing::info!(?connection, why, %message, "sync connection closed");
        if let Some(link) = self.links.get(&connection) {
            let error = Message::Error {
                sender_id: self.shared.me.clone(),
                message,
                target_id: PeerId::default(),
            };
            // Over budget: it is dropped with its queue anyway.
            let _ = link.push(error.encode());
        }
        self.drop_connection(connection, Ending::Close);
    }

    /// Refuses a connection that ran out of a limit its task enforces, and logs which.
    fn over_limit(&mut self, connection: ConnectionId, reason: &LimitExceeded) {
        let device = self
            .identities
            .get(&connection)
            .map(|w| w.device_id.clone())
            .unwrap_or_default();
        tracing::warn!(?connection, %device, limit = reason.name(), %reason, "sync limit reached");
        self.refuse(connection, reason.to_string(), reason.name());
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
        let message = match revocation {
            Revocation::Everyone => "Máy chủ cập nhật danh bạ: hãy kết nối lại.",
            _ => "Thiết bị hoặc tài khoản này đã bị thu hồi quyền đồng bộ.",
        };
        for connection in gone {
            tracing::info!(
                ?connection,
                ?revocation,
                "sync connection closed: access revoked"
            );
            self.refuse(connection, message, "revoked");
        }
    }

    /// The figures; when `settled`, once every actor has handled what it was sent before.
    fn stats(&mut self, reply: oneshot::Sender<SyncStats>, settled: bool) {
        let connections = self.links.len();
        if !settled {
            let gauges = self.actors.values().map(|a| &*a.gauge);
            let dormant = self.dormant.len();
            let _ = reply.send(figures(connections, gauges, dormant, &self.shared.resident));
            return;
        }
        let gauges: Vec<Arc<Gauge>> = self.actors.values().map(|a| a.gauge.clone()).collect();
        let dormant = self.dormant.len();
        let shared = self.shared.clone();
        let mut barriers = Vec::with_capacity(self.actors.len());
        for actor in self.actors.values_mut() {
            let (done, waited) = oneshot::channel();
            if actor.inbox.send(DocEvent::Barrier(done)).is_ok() {
                actor.sent += 1;
                barriers.push(waited);
            }
        }
        tokio::spawn(async move {
            for barrier in barriers {
                let _ = barrier.await;
            }
            let gauges = gauges.iter().map(|g| &**g);
            let _ = reply.send(figures(connections, gauges, dormant, &shared.resident));
        });
    }
}

/// The figures as the actors' gauges stand, with the `dormant` documents.
fn figures<'a>(
    connections: usize,
    gauges: impl ExactSizeIterator<Item = &'a Gauge>,
    dormant: usize,
    resident: &AtomicUsize,
) -> SyncStats {
    let documents_followed = gauges.len() + dormant;
    SyncStats {
        connections,
        documents_loaded: gauges
            .filter(|g| g.resident.load(Ordering::Relaxed) > 0)
            .count(),
        documents_followed,
        documents_memory: resident.load(Ordering::Relaxed),
    }
}

/// How a connection being forgotten ends.
#[derive(Clone, Copy)]
enum Ending {
    /// Its task already ended.
    Gone,
    /// After what is queued (an `error`, say).
    Close,
    /// At once, dropping what is queued (a client too slow to read).
    Abort,
}
