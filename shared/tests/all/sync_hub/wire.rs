//! The wire: the handshake, versions, and input the hub refuses or ignores.

use super::*;

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
