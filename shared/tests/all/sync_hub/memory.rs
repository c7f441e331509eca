//! Issue 4 and 10: what the hub keeps in memory: documents nobody follows evicted,
//! unloaded, forgotten after a failed write, hibernated while followed, and when a
//! document is settled enough to leave.

use super::*;

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

/// Issue 10: a server under its memory budget drops a document its peers still follow;
/// the next message loads it again from storage, and a change from one peer still reaches
/// the other (their sync states stayed), with nothing sent twice or lost.
/// Two cadres' clients following DOC: client 0 created it, client 1 asked for it.
fn two_followers() -> Net {
    let mut net = Net::new(2);
    net.connect(0, Who::Cadre);
    net.connect(1, Who::Cadre);
    net.clients[0].insert_document(DOC, doc_with("title", "Chi đoàn A"));
    net.pump();
    net.clients[1].request(DOC);
    net.pump();
    net
}

/// Client 0 changes DOC while the server holds it out of memory: the server loads it,
/// stores the change once and relays it to client 1.
fn relay_a_change_through_a_load(net: &mut Net) {
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
}

#[test]
fn issue_10_a_hibernated_document_reloads_and_still_relays_to_its_followers() {
    let mut net = two_followers();
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

    relay_a_change_through_a_load(&mut net);
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

/// Issue 10: a server keeps no task for a followed document out of memory. Its followers'
/// sync states leave the hub and come back, and the sync goes on where it stood: a change
/// reaches the other follower, stored once.
#[test]
fn issue_10_followers_taken_out_and_given_back_sync_on_where_they_stood() {
    let mut net = two_followers();
    assert!(
        net.server.take_followers(&DOC).is_none(),
        "in memory: nothing taken"
    );
    let heads = net.server.remote_heads(ConnectionId(1), &DOC);
    assert!(heads.is_some());

    assert!(net.server.hibernate(&DOC));
    let followers = net.server.take_followers(&DOC).expect("out of memory");
    assert_eq!(followers.len(), 2);
    assert!(!net.server.followed(&DOC), "the hub holds nothing of it");
    assert!(!net.server.has_connection(ConnectionId(0)));
    for follower in followers {
        let remote = PeerId::new(format!("client-{}", follower.connection().0));
        net.server.wake_follower(DOC, Who::Cadre, remote, follower);
    }
    assert!(net.server.followed(&DOC));
    assert_eq!(
        net.server.remote_heads(ConnectionId(1), &DOC),
        heads,
        "the sync state as it was"
    );

    relay_a_change_through_a_load(&mut net);
}

/// Issue 10: between a creator's first sync message (its heads) and its second (its
/// changes), the server holds an empty document: nothing a load would not give back, so
/// it may leave memory, and the creation completes through a load.
#[test]
fn issue_10_a_document_being_created_holds_nothing_until_its_changes_come() {
    use automerge::sync::{State, SyncDoc};
    let mut server = hub("s");
    join(&mut server, Who::Cadre);
    let mut peer = doc_with("title", "Chi đoàn A");
    let mut state = State::new();

    let heads_only = peer
        .sync()
        .generate_sync_message(&mut state)
        .expect("first");
    assert!(heads_only.changes.is_empty(), "automerge sends heads first");
    server.handle_frame(ConnectionId(1), &sync_frame(DOC, heads_only.encode()));
    assert_eq!(drain(&mut server), vec![Action::Load { document: DOC }]);
    server.loaded(DOC, None);
    let reply = drain(&mut server);
    assert!(server.holds_nothing(&DOC), "loaded, empty: {reply:?}");
    assert!(server.hibernate(&DOC));
    for action in &reply {
        receive_reply(&mut peer, &mut state, action);
    }

    let changes = peer
        .sync()
        .generate_sync_message(&mut state)
        .expect("second");
    assert!(!changes.changes.is_empty());
    server.handle_frame(ConnectionId(1), &sync_frame(DOC, changes.encode()));
    assert_eq!(drain(&mut server), vec![Action::Load { document: DOC }]);
    server.loaded(DOC, None);
    let actions = drain(&mut server);
    let stored: Vec<u8> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Persist { chunk, .. } => Some(chunk.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let stored = AutoCommit::load(&stored).expect("the first chunk loads");
    assert_eq!(text(&stored, "title").as_deref(), Some("Chi đoàn A"));
    assert!(!server.holds_nothing(&DOC), "it holds the changes now");
    assert!(server.settled(&DOC));
}
