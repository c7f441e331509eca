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

#[test]
fn handshake_is_join_then_peer_with_version_1() {
    let mut client = hub("client-1");
    let mut server = hub("server-1");
    client.connect(ConnectionId(7), Who::Server);
    let actions = drain(&mut client);
    let [Action::Send { frame: join, .. }] = actions.as_slice() else {
        panic!("expected join: {actions:?}")
    };
    assert_eq!(
        Message::decode(join),
        Ok(Message::Join {
            sender_id: PeerId::new("client-1"),
            peer_metadata: PeerMetadata::default(),
            supported_protocol_versions: Some(vec!["1".into()]),
        })
    );
    server.accept(ConnectionId(3), Who::Cadre);
    server.handle_frame(ConnectionId(3), join);
    let actions = drain(&mut server);
    let Action::Send { frame: peer, .. } = &actions[0] else {
        panic!("expected peer: {actions:?}")
    };
    assert_eq!(
        Message::decode(peer),
        Ok(Message::Peer {
            sender_id: PeerId::new("server-1"),
            peer_metadata: PeerMetadata::default(),
            selected_protocol_version: "1".into(),
            target_id: PeerId::new("client-1"),
        })
    );
    assert_eq!(
        actions[1],
        Action::Connected {
            connection: ConnectionId(3),
            remote: PeerId::new("client-1")
        }
    );
    client.handle_frame(ConnectionId(7), peer);
    assert_eq!(
        drain(&mut client),
        vec![Action::Connected {
            connection: ConnectionId(7),
            remote: PeerId::new("server-1")
        }]
    );
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

#[test]
fn versions_we_do_not_speak_are_refused() {
    let join = |versions: Option<Vec<String>>| Message::Join {
        sender_id: PeerId::new("c"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: versions,
    };
    let cases = [
        ("only version 2", join(Some(vec!["2".into()])), false),
        ("no versions listed at all", join(Some(vec![])), false),
        ("no list: an old client, speaks 1", join(None), true),
        (
            "1 among others",
            join(Some(vec!["2".into(), "1".into()])),
            true,
        ),
    ];
    for (name, message, accepted) in cases {
        let mut server = hub("s");
        server.accept(ConnectionId(1), Who::Cadre);
        server.handle_frame(ConnectionId(1), &message.encode());
        let actions = drain(&mut server);
        if accepted {
            assert!(
                matches!(actions.last(), Some(Action::Connected { .. })),
                "{name}: {actions:?}"
            );
        } else {
            assert_refused(&actions, &ProtocolError::UnsupportedVersion);
            // The connection is forgotten: later frames do nothing.
            server.handle_frame(ConnectionId(1), &join(None).encode());
            assert_eq!(drain(&mut server), vec![], "{name}");
        }
    }

    // Client side: a server selecting another version.
    let mut client = hub("c");
    client.connect(ConnectionId(1), Who::Server);
    drain(&mut client);
    let peer = Message::Peer {
        sender_id: PeerId::new("s"),
        peer_metadata: PeerMetadata::default(),
        selected_protocol_version: "2".into(),
        target_id: PeerId::new("c"),
    };
    client.handle_frame(ConnectionId(1), &peer.encode());
    assert_refused(&drain(&mut client), &ProtocolError::UnsupportedVersion);
}

/// A server holding DOC, with a client joined on connection 1.
fn joined_server(who: Who) -> SyncHub<Rules> {
    let mut server = hub("s");
    server.insert_document(DOC, doc_with("title", "kept"));
    server.accept(ConnectionId(1), who);
    let join = Message::Join {
        sender_id: PeerId::new("c"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: None,
    };
    server.handle_frame(ConnectionId(1), &join.encode());
    drain(&mut server);
    server
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

#[test]
fn bad_input_closes_the_connection_and_leaves_the_document_alone() {
    let valid_sync = sync_frame(DOC, sync_with_change());
    let bad_doc_id: Vec<u8> = {
        // Flip one character of the bs58check text: the checksum fails.
        let text = DOC.to_string();
        let mut frame = valid_sync.clone();
        let at = frame
            .windows(text.len())
            .position(|w| w == text.as_bytes())
            .expect("id in frame");
        frame[at + 3] = if frame[at + 3] == b'2' { b'3' } else { b'2' };
        frame
    };
    let unknown_type = {
        let mut frame = Message::DocUnavailable {
            sender_id: PeerId::new("c"),
            target_id: PeerId::new("s"),
            document_id: DOC,
        }
        .encode();
        let at = frame
            .windows(15)
            .position(|w| w == b"doc-unavailable")
            .expect("type");
        frame[at..at + 3].copy_from_slice(b"xyz");
        frame
    };
    let from_someone_else = Message::Sync {
        sender_id: PeerId::new("mallory"),
        target_id: PeerId::new("s"),
        document_id: DOC,
        data: sync_with_change(),
    }
    .encode();
    let second_join = Message::Join {
        sender_id: PeerId::new("c"),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: None,
    }
    .encode();

    type Case = (&'static str, Vec<u8>, fn(&ProtocolError) -> bool);
    let cases: Vec<Case> = vec![
        ("malformed CBOR", vec![0xb9, 0x00, 0x05, 0x64], |r| {
            matches!(r, ProtocolError::Decode(_))
        }),
        ("random garbage", b"hello, server".to_vec(), |r| {
            matches!(r, ProtocolError::Decode(_))
        }),
        ("unknown message type", unknown_type, |r| {
            matches!(r, ProtocolError::Decode(_))
        }),
        ("oversized frame", vec![0xa0; MAX_FRAME_BYTES + 1], |r| {
            matches!(r, ProtocolError::Decode(_))
        }),
        ("invalid document id", bad_doc_id, |r| {
            matches!(r, ProtocolError::Decode(_))
        }),
        (
            "garbage Automerge bytes",
            sync_frame(DOC, vec![0x42, 0xff, 0xff, 0xff]),
            |r| matches!(r, ProtocolError::BadSyncMessage(d) if *d == DOC),
        ),
        (
            "not a sync message at all",
            sync_frame(DOC, b"not automerge".to_vec()),
            |r| matches!(r, ProtocolError::BadSyncMessage(_)),
        ),
        ("senderId of another peer", from_someone_else, |r| {
            matches!(r, ProtocolError::SenderMismatch)
        }),
        ("join twice", second_join, |r| {
            matches!(r, ProtocolError::Unexpected("join"))
        }),
    ];
    for (name, frame, expected) in cases {
        let mut server = joined_server(Who::Cadre);
        let heads_before = server.document_mut(&DOC).expect("doc").get_heads();
        server.handle_frame(ConnectionId(1), &frame);
        let actions = drain(&mut server);
        let [
            Action::Send { frame: error, .. },
            Action::Close { reason, .. },
        ] = actions.as_slice()
        else {
            panic!("{name}: expected error + close, got {actions:?}");
        };
        assert!(expected(reason), "{name}: {reason:?}");
        assert!(
            matches!(Message::decode(error), Ok(Message::Error { .. })),
            "{name}"
        );
        let doc = server.document_mut(&DOC).expect("doc");
        assert_eq!(doc.get_heads(), heads_before, "{name}: document untouched");
        assert_eq!(text(doc, "title").as_deref(), Some("kept"), "{name}");
    }
}

#[test]
fn messages_before_join_are_refused() {
    let mut server = hub("s");
    server.accept(ConnectionId(1), Who::Cadre);
    server.handle_frame(ConnectionId(1), &sync_frame(DOC, sync_with_change()));
    assert_refused(&drain(&mut server), &ProtocolError::Unexpected("sync"));
}

#[test]
fn gossip_we_do_not_implement_is_ignored_politely() {
    let mut server = joined_server(Who::Cadre);
    for message in [
        Message::Ephemeral {
            sender_id: PeerId::new("c"),
            target_id: PeerId::new("s"),
            count: 1,
            session_id: "x".into(),
            document_id: DOC,
            data: vec![0xa0],
        },
        Message::RemoteHeadsChanged {
            sender_id: PeerId::new("c"),
            target_id: PeerId::new("s"),
        },
        Message::RemoteSubscriptionChange {
            sender_id: PeerId::new("c"),
            target_id: PeerId::new("s"),
        },
    ] {
        server.handle_frame(ConnectionId(1), &message.encode());
        assert_eq!(drain(&mut server), vec![], "{}", message.type_name());
    }
}

/// A stock peer holding a sibling of DOC with one more change talks to the server until
/// neither side has anything to say; returns every action the server took.
fn converse_with_change(server: &mut SyncHub<Rules>) -> Vec<Action> {
    use automerge::sync::{Message as SyncMessage, State, SyncDoc};
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
            if let Action::Send { frame, .. } = action
                && let Ok(Message::Sync { data, .. }) = Message::decode(frame)
            {
                let reply = SyncMessage::decode(&data).expect("server's sync message");
                peer.sync()
                    .receive_sync_message(&mut state, reply)
                    .expect("apply");
            }
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

#[test]
fn issue_4_documents_nobody_follows_are_evicted_and_reload_from_storage() {
    let mut net = Net::new(3);
    let docs: Vec<DocumentId> = (1..=3).map(|b| DocumentId::from_bytes([b; 16])).collect();
    for (i, &id) in docs.iter().enumerate() {
        net.connect(i, Who::Cadre);
        net.clients[i].insert_document(id, doc_with("owner", &format!("client {i}")));
        net.pump();
    }
    // Client 1 also follows client 0's document.
    net.clients[1].request(docs[0]);
    net.pump();
    assert_eq!(net.server.loaded_count(), 3);
    assert_eq!(net.server.evict_idle(), vec![]);
    assert!(!net.server.unload(&docs[2]), "followed by client 2");

    net.disconnect(0);
    assert_eq!(
        net.server.idle_documents(),
        vec![],
        "client 1 follows doc 0"
    );
    assert_eq!(net.server.evict_idle(), vec![]);
    net.disconnect(1);
    assert_eq!(net.server.idle_documents(), docs[..2].to_vec());
    assert_eq!(net.server.evict_idle(), docs[..2].to_vec());
    assert!(net.server.document(&docs[0]).is_none());
    net.disconnect(2);
    assert_eq!(net.server.evict_idle(), vec![docs[2]]);
    assert_eq!(net.server.loaded_count(), 0);
    assert_eq!(net.server.evict_idle(), vec![], "nothing left to evict");

    // Client 0 comes back and offers its document: the server loads what it stored.
    net.server_events.clear();
    net.connect(0, Who::Cadre);
    assert!(
        net.server_events
            .contains(&Action::Load { document: docs[0] }),
        "{:?}",
        net.server_events
    );
    let doc = net.server.document(&docs[0]).expect("reloaded");
    assert_eq!(text(doc, "owner").as_deref(), Some("client 0"));
    assert_eq!(net.server.loaded_count(), 1);
}

#[test]
fn issue_4_a_document_unloaded_before_its_persist_ran_reloads_whole() {
    let mut net = Net::new(2);
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();

    // The server applies client 0's edit; its shell has not executed the Persist yet
    // when client 0 leaves and the document is unloaded.
    let doc = net.clients[0].document_mut(&DOC).expect("document");
    doc.put(ROOT, "trip", "Xã Hòa Bình").expect("put");
    net.clients[0].local_change(DOC);
    deliver_to_server(&mut net, 0);
    net.disconnect(0);
    assert_eq!(net.server.evict_idle(), vec![DOC]);

    // Client 1 asks for it: the Load is queued behind that Persist, so it reads it.
    net.server_events.clear();
    net.clients[1].request(DOC);
    deliver_to_server(&mut net, 1);
    net.pump();
    let storage: Vec<&str> = net
        .server_events
        .iter()
        .filter_map(|action| match action {
            Action::Persist { .. } => Some("persist"),
            Action::Load { .. } => Some("load"),
            _ => None,
        })
        .collect();
    assert_eq!(storage, ["persist", "load"]);
    let doc = net.clients[1].document(&DOC).expect("fetched");
    assert_eq!(text(doc, "trip").as_deref(), Some("Xã Hòa Bình"));
    assert_eq!(text(doc, "title").as_deref(), Some("Chi đoàn A"));
}

#[test]
fn a_client_keeps_its_documents_while_a_server_connection_may_follow_them() {
    const SERVER: ConnectionId = ConnectionId(0);
    let mut net = Net::new(1);
    net.clients[0].insert_document(DOC, doc_with("title", "A"));
    // Each step, then: may the client unload DOC now? (It is re-inserted after.)
    type Step = fn(&mut Net);
    let steps: [(&str, Step, bool); 4] = [
        ("offline", |_| {}, true),
        (
            "connecting: it will offer every document after the handshake",
            |net| {
                net.clients[0].connect(SERVER, Who::Server);
                drain(&mut net.clients[0]);
            },
            false,
        ),
        (
            "connected: the server follows what the client offered",
            |net| {
                net.clients[0].closed(SERVER);
                net.connect(0, Who::Cadre);
            },
            false,
        ),
        ("offline again", |net| net.disconnect(0), true),
    ];
    for (name, step, unloads) in steps {
        step(&mut net);
        assert_eq!(
            net.clients[0].idle_documents().contains(&DOC),
            unloads,
            "{name}"
        );
        assert_eq!(net.clients[0].unload(&DOC), unloads, "{name}");
        if unloads {
            assert!(net.clients[0].document(&DOC).is_none(), "{name}");
            net.clients[0].insert_document(DOC, doc_with("title", "A"));
            drain(&mut net.clients[0]);
        }
    }
}

#[test]
fn issue_4_a_failed_persist_forgets_the_document_and_its_followers_resync() {
    let mut net = Net::new(3);
    for i in 0..3 {
        net.connect(i, Who::Cadre);
    }
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();
    net.clients[1].request(DOC);
    net.pump();
    let elsewhere = DocumentId::from_bytes([7; 16]);
    net.clients[2].insert_document(elsewhere, doc_with("title", "khác"));
    net.pump();

    // Client 0's edit cannot be stored.
    net.fail_persists = true;
    net.server_events.clear();
    let doc = net.clients[0].document_mut(&DOC).expect("document");
    doc.put(ROOT, "trip", "chưa lưu").expect("put");
    net.clients[0].local_change(DOC);
    net.pump();
    net.fail_persists = false;

    assert!(
        net.server.document(&DOC).is_none(),
        "memory not ahead of disk"
    );
    assert_eq!(
        net.online,
        [false, false, true],
        "its followers were closed"
    );
    for i in 0..2 {
        assert!(
            net.server_events.contains(&Action::Close {
                connection: ConnectionId(i),
                reason: ProtocolError::Forgotten(DOC),
            }),
            "{:?}",
            net.server_events
        );
    }
    let relayed = net.clients[1].document(&DOC).expect("document");
    assert_eq!(
        text(relayed, "trip"),
        None,
        "the unsaved change was not relayed"
    );
    let stored = AutoCommit::load(&net.stored[&DOC]).expect("stored");
    assert_eq!(text(&stored, "trip"), None);
    assert!(
        net.server.document(&elsewhere).is_some(),
        "others untouched"
    );

    // Reconnected, client 0 offers the change again: stored, and relayed to client 1.
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    let stored = AutoCommit::load(&net.stored[&DOC]).expect("stored");
    assert_eq!(text(&stored, "trip").as_deref(), Some("chưa lưu"));
    let relayed = net.clients[1].document(&DOC).expect("document");
    assert_eq!(text(relayed, "trip").as_deref(), Some("chưa lưu"));
}

#[test]
fn forgetting_a_loading_document_closes_its_waiting_peer_and_ignores_the_late_answer() {
    let mut server = joined_server(Who::Cadre);
    let unknown = DocumentId::from_bytes([5; 16]);
    server.handle_frame(ConnectionId(1), &sync_frame(unknown, sync_with_change()));
    assert_eq!(drain(&mut server), vec![Action::Load { document: unknown }]);
    assert_eq!(server.loaded_count(), 2);
    // E.g. storage could not be read.
    assert_eq!(server.forget(&unknown), vec![ConnectionId(1)]);
    assert_eq!(
        drain(&mut server),
        vec![Action::Close {
            connection: ConnectionId(1),
            reason: ProtocolError::Forgotten(unknown),
        }]
    );
    server.loaded(unknown, Some(doc_with("title", "stale")));
    assert!(server.document(&unknown).is_none());
    assert_eq!(drain(&mut server), vec![]);
    // DOC lost its only follower with that connection.
    assert_eq!(server.evict_idle(), vec![DOC]);
    assert_eq!(server.loaded_count(), 0);
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
        use automerge::sync::{Message as SyncMessage, State, SyncDoc};
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
                if let Action::Send { frame, .. } = &action
                    && let Ok(Message::Sync { data, .. }) = Message::decode(frame)
                {
                    let reply = SyncMessage::decode(&data).expect("server's sync message");
                    peer.sync()
                        .receive_sync_message(&mut state, reply)
                        .expect("apply");
                }
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

/// Issue 10: a server under its memory budget drops a document its peers still follow;
/// the next message loads it again from storage, and a change from one peer still reaches
/// the other (their sync states stayed), with nothing sent twice or lost.
#[test]
fn issue_10_a_hibernated_document_reloads_and_still_relays_to_its_followers() {
    let mut net = Net::new(2);
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();
    net.clients[1].request(DOC);
    net.pump();
    assert!(net.server.followed(&DOC));

    assert!(
        net.server.hibernate(&DOC),
        "loaded and followed: dropped all the same"
    );
    assert!(!net.server.hibernate(&DOC), "already out of memory");
    assert_eq!(net.server.loaded_count(), 0);
    assert!(net.server.followed(&DOC), "its followers' sync states stay");
    assert_eq!(
        net.server.evict_idle(),
        vec![],
        "nothing to evict: it is out"
    );

    net.server_events.clear();
    net.client_events[1].clear();
    let doc = net.clients[0].document_mut(&DOC).expect("document");
    doc.put(ROOT, "trip", "Xã Hòa Bình").expect("put");
    net.clients[0].local_change(DOC);
    net.pump();
    assert!(
        net.server_events.contains(&Action::Load { document: DOC }),
        "reloaded for the change: {:?}",
        net.server_events
    );
    let relayed = net.clients[1].document(&DOC).expect("client 1 has it");
    assert_eq!(text(relayed, "trip").as_deref(), Some("Xã Hòa Bình"));
    let persisted = net
        .server_events
        .iter()
        .filter(|a| matches!(a, Action::Persist { .. }))
        .count();
    assert_eq!(persisted, 1, "the change is stored once");
    let stored = AutoCommit::load(&net.stored[&DOC]).expect("stored chunks load");
    assert_eq!(text(&stored, "trip").as_deref(), Some("Xã Hòa Bình"));
}

/// Issue 10: a server may leave a small document on disk once it is settled: every
/// follower has said it holds exactly what the server holds, and been told so.
#[test]
fn issue_10_a_document_is_settled_once_every_follower_holds_what_the_server_holds() {
    let mut net = Net::new(2);
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    assert!(!net.server.settled(&DOC), "not in memory");
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();
    assert!(net.server.settled(&DOC), "its creator holds what it sent");
    net.clients[1].request(DOC);
    net.pump();
    assert!(net.server.settled(&DOC), "both followers hold it");

    // Client 1's link loses every frame: the change does not reach it.
    net.online[1] = false;
    let doc = net.clients[0].document_mut(&DOC).expect("document");
    doc.put(ROOT, "trip", "Xã Hòa Bình").expect("put");
    net.clients[0].local_change(DOC);
    net.pump();
    assert!(
        !net.server.settled(&DOC),
        "client 1 has not said it holds the change"
    );
    net.server.closed(ConnectionId(1));
    assert!(net.server.settled(&DOC), "the one follower left holds it");
    net.server.closed(ConnectionId(0));
    assert!(
        !net.server.settled(&DOC),
        "followed by nobody: idle, not settled"
    );
}
