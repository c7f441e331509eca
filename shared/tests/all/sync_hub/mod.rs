//! Issue 4: the sans-IO sync core, driven by an in-memory network that only moves bytes
//! and executes actions, as the real shells do.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use shared::sync::{
    Access, Action, ConnectionId, DocumentId, MAX_FRAME_BYTES, Message, PeerId, PeerMetadata,
    Permission, ProtocolError, Refusal, SyncHub,
};

/// Identities as the shell would authenticate them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Cadre,
    Reader,
    Stranger,
    Server,
}

struct Rules;

impl Access for Rules {
    type Identity = Who;
    fn permission(&self, who: &Who, _: &DocumentId) -> Permission {
        match who {
            Who::Stranger => Permission::Denied,
            Who::Reader => Permission::Read,
            Who::Cadre | Who::Server => Permission::ReadWrite,
        }
    }
    fn check_update(
        &self,
        who: &Who,
        _: &DocumentId,
        _: &mut AutoCommit,
        _: &mut AutoCommit,
    ) -> Result<(), Refusal> {
        match who {
            Who::Cadre | Who::Server => Ok(()),
            _ => Err(Refusal("chỉ được đọc".into())),
        }
    }
}

const DOC: DocumentId = DocumentId::from_bytes([42; 16]);

fn hub(name: &str) -> SyncHub<Rules> {
    SyncHub::new(PeerId::new(name), PeerMetadata::default(), Rules)
}

fn drain(hub: &mut SyncHub<Rules>) -> Vec<Action> {
    std::iter::from_fn(|| hub.poll_action()).collect()
}

fn text(doc: &AutoCommit, key: &str) -> Option<String> {
    doc.get(ROOT, key)
        .expect("read")
        .and_then(|(v, _)| v.as_str().map(str::to_owned))
}

fn doc_with(key: &str, value: &str) -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, key, value).expect("put");
    doc
}

/// A server and clients; client `i` talks to the server over `ConnectionId(i)` on both
/// ends. The server's storage is a list of appended chunks per document.
struct Net {
    server: SyncHub<Rules>,
    clients: Vec<SyncHub<Rules>>,
    online: Vec<bool>,
    stored: BTreeMap<DocumentId, Vec<u8>>,
    /// While set, the server's storage refuses writes and its shell calls `forget`.
    fail_persists: bool,
    server_events: Vec<Action>,
    client_events: Vec<Vec<Action>>,
}

impl Net {
    fn new(clients: usize) -> Self {
        Self {
            server: hub("server"),
            clients: (0..clients).map(|i| hub(&format!("client-{i}"))).collect(),
            online: vec![false; clients],
            stored: BTreeMap::new(),
            fail_persists: false,
            server_events: Vec::new(),
            client_events: vec![Vec::new(); clients],
        }
    }

    fn connect(&mut self, i: usize, who: Who) {
        self.online[i] = true;
        self.server.accept(ConnectionId(i as u64), who);
        self.clients[i].connect(ConnectionId(i as u64), Who::Server);
        self.pump();
    }

    fn disconnect(&mut self, i: usize) {
        self.online[i] = false;
        self.server.closed(ConnectionId(i as u64));
        self.clients[i].closed(ConnectionId(i as u64));
    }

    /// Runs until no hub has anything left to do.
    fn pump(&mut self) {
        for _ in 0..1000 {
            let mut busy = false;
            while let Some(action) = self.server.poll_action() {
                busy = true;
                match &action {
                    Action::Send { connection, frame } => {
                        let i = connection.0 as usize;
                        if self.online[i] {
                            self.clients[i].handle_frame(*connection, frame);
                        }
                    }
                    Action::Load { document } => {
                        let doc = self
                            .stored
                            .get(document)
                            .map(|b| AutoCommit::load(b).expect("load"));
                        self.server.loaded(*document, doc);
                    }
                    Action::Persist { document, .. } if self.fail_persists => {
                        self.server.forget(document);
                    }
                    Action::Persist { document, chunk } => {
                        self.stored
                            .entry(*document)
                            .or_default()
                            .extend_from_slice(chunk);
                    }
                    Action::Close { connection, .. } => self.disconnect(connection.0 as usize),
                    _ => {}
                }
                self.server_events.push(action);
            }
            for i in 0..self.clients.len() {
                while let Some(action) = self.clients[i].poll_action() {
                    busy = true;
                    match &action {
                        Action::Send { connection, frame } if self.online[i] => {
                            self.server.handle_frame(*connection, frame);
                        }
                        Action::Close { .. } => self.disconnect(i),
                        _ => {}
                    }
                    self.client_events[i].push(action);
                }
            }
            if !busy {
                return;
            }
        }
        panic!("the hubs never went quiet");
    }
}

#[test]
fn issue_4_two_clients_editing_offline_converge_through_the_server() {
    let mut net = Net::new(2);
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);

    // Client 0 creates the document; client 1 asks the server for it.
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();
    assert!(
        net.stored.contains_key(&DOC),
        "the server persisted the new document"
    );
    net.clients[1].request(DOC);
    net.pump();
    let fetched = net.clients[1]
        .document(&DOC)
        .expect("client 1 has the document");
    assert_eq!(text(fetched, "title").as_deref(), Some("Chi đoàn A"));

    // Both go offline and edit.
    net.disconnect(0);
    net.disconnect(1);
    for (i, (key, value)) in [("trip", "Xã Hòa Bình"), ("meeting", "Họp chi đoàn")]
        .into_iter()
        .enumerate()
    {
        let doc = net.clients[i].document_mut(&DOC).expect("document");
        doc.put(ROOT, key, value).expect("put");
        net.clients[i].local_change(DOC);
        net.pump();
    }

    // Back online, one after the other: the server relays each edit to the other client.
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    for i in 0..2 {
        let doc = net.clients[i].document(&DOC).expect("document");
        assert_eq!(
            text(doc, "trip").as_deref(),
            Some("Xã Hòa Bình"),
            "client {i}"
        );
        assert_eq!(
            text(doc, "meeting").as_deref(),
            Some("Họp chi đoàn"),
            "client {i}"
        );
    }
    let stored = AutoCommit::load(&net.stored[&DOC]).expect("stored chunks load");
    assert_eq!(text(&stored, "trip").as_deref(), Some("Xã Hòa Bình"));
    assert_eq!(text(&stored, "meeting").as_deref(), Some("Họp chi đoàn"));
    let heads = |hub: &mut SyncHub<Rules>| hub.document_mut(&DOC).expect("doc").get_heads();
    let (h0, h1, hs) = (
        heads(&mut net.clients[0]),
        heads(&mut net.clients[1]),
        heads(&mut net.server),
    );
    assert_eq!(h0, h1);
    assert_eq!(h0, hs);
}

/// Asserts the hub answered with an `error` frame and closed for `reason`.
fn assert_refused(actions: &[Action], reason: &ProtocolError) {
    let [
        Action::Send { frame, .. },
        Action::Close { reason: closed, .. },
    ] = actions
    else {
        panic!("expected error + close, got {actions:?}");
    };
    let Ok(Message::Error { message, .. }) = Message::decode(frame) else {
        panic!("expected an error frame");
    };
    assert_eq!(message, reason.to_string());
    assert_eq!(closed, reason);
}

/// A server holding DOC, with a client joined on connection 1.
fn joined_server(who: Who) -> SyncHub<Rules> {
    let mut server = hub("s");
    server.insert_document(DOC, doc_with("title", "kept"));
    join(&mut server, who);
    server
}

/// A client joins `server` on connection 1 (handshake done, its answer drained).
fn join(server: &mut SyncHub<Rules>, who: Who) {
    server.accept(ConnectionId(1), who);
    let join = Message::Join {
        sender_id: PeerId::new("c"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: None,
    };
    server.handle_frame(ConnectionId(1), &join.encode());
    drain(server);
}

fn sync_frame(document: DocumentId, data: Vec<u8>) -> Vec<u8> {
    Message::Sync {
        sender_id: PeerId::new("c"),
        target_id: PeerId::new("s"),
        document_id: document,
        data,
    }
    .encode()
}

/// A real sync message carrying a change to DOC (a sibling of the server's copy).
fn sync_with_change() -> Vec<u8> {
    use automerge::sync::SyncDoc;
    let mut doc = doc_with("intruder", "yes");
    let message = doc
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .expect("message");
    message.encode()
}

/// A stock peer takes in the server's sync message, if `action` sends one.
fn receive_reply(peer: &mut AutoCommit, state: &mut automerge::sync::State, action: &Action) {
    use automerge::sync::{Message as SyncMessage, SyncDoc};
    if let Action::Send { frame, .. } = action
        && let Ok(Message::Sync { data, .. }) = Message::decode(frame)
    {
        let reply = SyncMessage::decode(&data).expect("server's sync message");
        peer.sync()
            .receive_sync_message(state, reply)
            .expect("apply");
    }
}

/// A stock peer holding a sibling of DOC with one more change talks to the server until
/// neither side has anything to say; returns every action the server took.
fn converse_with_change(server: &mut SyncHub<Rules>) -> Vec<Action> {
    use automerge::sync::{State, SyncDoc};
    let mut peer = doc_with("intruder", "yes");
    let mut state = State::new();
    let mut all = Vec::new();
    for _ in 0..10 {
        let Some(message) = peer.sync().generate_sync_message(&mut state) else {
            break;
        };
        server.handle_frame(ConnectionId(1), &sync_frame(DOC, message.encode()));
        let actions = drain(server);
        for action in &actions {
            receive_reply(&mut peer, &mut state, action);
        }
        all.extend(actions);
    }
    all
}

#[test]
fn access_is_decided_per_document_before_anything_is_applied() {
    // A stranger is told the document is unavailable; nothing is loaded or applied.
    let mut server = joined_server(Who::Stranger);
    let actions = converse_with_change(&mut server);
    assert!(!actions.is_empty());
    for action in &actions {
        let Action::Send { frame, .. } = action else {
            panic!("{actions:?}")
        };
        assert!(matches!(
            Message::decode(frame),
            Ok(Message::DocUnavailable { document_id, .. }) if document_id == DOC
        ));
    }
    assert_eq!(text(server.document(&DOC).expect("doc"), "intruder"), None);

    // Issue 8: a reader's changes are refused, told why, and nothing of them is kept.
    let mut server = joined_server(Who::Reader);
    let actions = converse_with_change(&mut server);
    assert!(
        actions.iter().all(|a| !matches!(a, Action::Persist { .. })),
        "{actions:?}"
    );
    let refused = ProtocolError::Refused {
        document: DOC,
        reason: Refusal("chỉ được đọc".into()),
    };
    assert_refused(&actions[actions.len().saturating_sub(2)..], &refused);
    assert_eq!(
        ProtocolError::refused_document(&refused.to_string()),
        Some(DOC)
    );
    assert_eq!(text(server.document(&DOC).expect("doc"), "intruder"), None);

    // A writer's changes land and are persisted.
    let mut server = joined_server(Who::Cadre);
    let actions = converse_with_change(&mut server);
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Persist { document, .. } if *document == DOC)),
        "{actions:?}"
    );
    assert_eq!(
        text(server.document(&DOC).expect("doc"), "intruder").as_deref(),
        Some("yes")
    );
}
#[test]
fn request_for_an_unknown_document_is_answered_doc_unavailable() {
    let mut net = Net::new(1);
    net.connect(0, Who::Cadre);
    let missing = DocumentId::from_bytes([9; 16]);
    net.clients[0].request(missing);
    net.pump();
    assert!(
        net.server_events
            .contains(&Action::Load { document: missing })
    );
    assert!(!net.stored.contains_key(&missing), "nothing created");
    assert!(
        net.client_events[0].contains(&Action::Unavailable {
            connection: ConnectionId(0),
            document: missing
        }),
        "{:?}",
        net.client_events[0]
    );
}

#[test]
fn a_document_the_server_lacks_is_loaded_first_then_synced() {
    let mut net = Net::new(1);
    net.stored
        .insert(DOC, doc_with("title", "from storage").save());
    net.connect(0, Who::Cadre);
    net.clients[0].request(DOC);
    net.pump();
    assert!(net.server_events.contains(&Action::Load { document: DOC }));
    let doc = net.clients[0].document(&DOC).expect("fetched");
    assert_eq!(text(doc, "title").as_deref(), Some("from storage"));
}

fn sorted(mut heads: Vec<automerge::ChangeHash>) -> Vec<automerge::ChangeHash> {
    heads.sort();
    heads
}

fn heads_of(hub: &mut SyncHub<Rules>, document: &DocumentId) -> Vec<automerge::ChangeHash> {
    sorted(hub.document_mut(document).expect("document").get_heads())
}

/// Hands the frames a client queued to the server, without executing anything the
/// server queues in turn (its shell is "busy").
fn deliver_to_server(net: &mut Net, i: usize) {
    for action in drain(&mut net.clients[i]) {
        if let Action::Send { connection, frame } = action {
            net.server.handle_frame(connection, &frame);
        }
    }
}

#[test]
fn remote_heads_are_what_the_peer_last_said_it_has() {
    let mut net = Net::new(1);
    let server = ConnectionId(0);
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    assert_eq!(net.clients[0].remote_heads(server, &DOC), None, "offline");

    net.connect(0, Who::Cadre);
    let synced = heads_of(&mut net.clients[0], &DOC);
    let remote = |hub: &SyncHub<Rules>| hub.remote_heads(server, &DOC).map(sorted);
    assert_eq!(remote(&net.clients[0]), Some(synced.clone()), "client side");
    assert_eq!(remote(&net.server), Some(synced.clone()), "server side");

    // An edit the server has not answered yet: "not yet on the server".
    let doc = net.clients[0].document_mut(&DOC).expect("document");
    doc.put(ROOT, "trip", "Xã Hòa Bình").expect("put");
    net.clients[0].local_change(DOC);
    let edited = heads_of(&mut net.clients[0], &DOC);
    assert_ne!(edited, synced);
    assert_eq!(remote(&net.clients[0]), Some(synced));
    net.pump();
    assert_eq!(remote(&net.clients[0]), Some(edited));

    let other = DocumentId::from_bytes([1; 16]);
    for (name, connection, document) in [
        ("unknown connection", ConnectionId(9), DOC),
        ("unknown document", server, other),
    ] {
        assert_eq!(
            net.clients[0].remote_heads(connection, &document),
            None,
            "{name}"
        );
    }
    net.disconnect(0);
    assert_eq!(net.clients[0].remote_heads(server, &DOC), None, "closed");
}

/// Issue 8: under rules that do not know a document yet (the server before anyone brought
/// it), its creator's first changes still get through: the hub answers the empty
/// document's sync, so the creator sends its changes, which the rules then check.
#[test]
fn a_document_the_rules_do_not_know_yet_can_be_brought_into_being() {
    struct Unknown;
    impl Access for Unknown {
        type Identity = Who;
        fn permission(&self, _: &Who, _: &DocumentId) -> Permission {
            Permission::Unknown
        }
    }
    let mut server = SyncHub::new(PeerId::new("s"), PeerMetadata::default(), Unknown);
    server.accept(ConnectionId(1), Who::Cadre);
    let join = Message::Join {
        sender_id: PeerId::new("c"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: Some(vec!["1".to_owned()]),
    };
    server.handle_frame(ConnectionId(1), &join.encode());
    let _ = std::iter::from_fn(|| server.poll_action()).count();
    let mut actions = Vec::new();
    // `converse_with_change` plays the creator, answering whatever the hub sends.
    {
        use automerge::sync::{State, SyncDoc};
        let mut peer = doc_with("title", "mới");
        let mut state = State::new();
        for _ in 0..10 {
            let Some(message) = peer.sync().generate_sync_message(&mut state) else {
                break;
            };
            server.handle_frame(ConnectionId(1), &sync_frame(DOC, message.encode()));
            while let Some(action) = server.poll_action() {
                if let Action::Load { document } = action {
                    server.loaded(document, None);
                    continue;
                }
                receive_reply(&mut peer, &mut state, &action);
                actions.push(action);
            }
        }
    }
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Persist { document, .. } if *document == DOC)),
        "{actions:?}"
    );
    assert_eq!(
        text(server.document(&DOC).expect("doc"), "title").as_deref(),
        Some("mới")
    );
}

mod memory;
mod wire;
