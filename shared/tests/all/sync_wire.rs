//! Issue 4: the automerge-repo wire format. Fixtures are frames produced by cbor-x with
//! automerge-repo's own encoder settings (`helpers/cbor.ts`: `useRecords: false`,
//! `tagUint8Array: false`) from the message shapes in `network/messages.ts` and
//! `automerge-repo-network-websocket/src/messages.ts`.

// Native only: proptest is not a wasm32 dev-dependency.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use shared::sync::{DecodeError, DocumentId, MAX_FRAME_BYTES, Message, PeerId, PeerMetadata};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex fixture"))
        .collect()
}

fn doc() -> DocumentId {
    // bs58check "1Bhh3pU9gLXZiNDL6PEa1Gs9fh" in the fixtures.
    DocumentId::from_bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
}

fn peer(s: &str) -> PeerId {
    PeerId::new(s)
}

const DATA: [u8; 5] = [0x42, 0, 0, 1, 0];

fn cbor_x_fixtures() -> Vec<(&'static str, &'static str, Message)> {
    vec![
        (
            "join",
            "b900046474797065646a6f696e6873656e646572496468636c69656e742d316c706565724d65746164617461b900026973746f7261676549646773746f72652d616b6973457068656d6572616cf47819737570706f7274656450726f746f636f6c56657273696f6e73816131",
            Message::Join {
                sender_id: peer("client-1"),
                peer_metadata: PeerMetadata {
                    storage_id: Some("store-a".into()),
                    is_ephemeral: Some(false),
                },
                supported_protocol_versions: Some(vec!["1".into()]),
            },
        ),
        (
            "join without supportedProtocolVersions (old client)",
            "b900036474797065646a6f696e6873656e64657249646a6f6c642d636c69656e746c706565724d65746164617461b90000",
            Message::Join {
                sender_id: peer("old-client"),
                peer_metadata: PeerMetadata::default(),
                supported_protocol_versions: None,
            },
        ),
        (
            "peer",
            "b90005647479706564706565726873656e6465724964687365727665722d316c706565724d65746164617461b900016b6973457068656d6572616cf57773656c656374656450726f746f636f6c56657273696f6e613168746172676574496468636c69656e742d31",
            Message::Peer {
                sender_id: peer("server-1"),
                peer_metadata: PeerMetadata {
                    storage_id: None,
                    is_ephemeral: Some(true),
                },
                selected_protocol_version: "1".into(),
                target_id: peer("client-1"),
            },
        ),
        (
            "peer with peerMetadata undefined (server started without metadata)",
            "b90005647479706564706565726873656e6465724964687365727665722d316c706565724d65746164617461f77773656c656374656450726f746f636f6c56657273696f6e613168746172676574496468636c69656e742d31",
            Message::Peer {
                sender_id: peer("server-1"),
                peer_metadata: PeerMetadata::default(),
                selected_protocol_version: "1".into(),
                target_id: peer("client-1"),
            },
        ),
        (
            "error",
            "b900046474797065656572726f726873656e6465724964687365727665722d31676d657373616765781c756e737570706f727465642070726f746f636f6c2076657273696f6e68746172676574496468636c69656e742d31",
            Message::Error {
                sender_id: peer("server-1"),
                message: "unsupported protocol version".into(),
                target_id: peer("client-1"),
            },
        ),
        (
            "request",
            "b9000564747970656772657175657374687461726765744964687365727665722d316a646f63756d656e744964781a3142686833705539674c585a694e444c3650456131477339666864646174614542000001006873656e646572496468636c69656e742d31",
            Message::Request {
                sender_id: peer("client-1"),
                target_id: peer("server-1"),
                document_id: doc(),
                data: DATA.to_vec(),
            },
        ),
        (
            "sync",
            "b9000564747970656473796e63687461726765744964687365727665722d3164646174614542000001006a646f63756d656e744964781a3142686833705539674c585a694e444c365045613147733966686873656e646572496468636c69656e742d31",
            Message::Sync {
                sender_id: peer("client-1"),
                target_id: peer("server-1"),
                document_id: doc(),
                data: DATA.to_vec(),
            },
        ),
        (
            "sync with data tagged 64 (cbor-x default encoder)",
            "b9000564747970656473796e63687461726765744964687365727665722d316464617461d8404542000001006a646f63756d656e744964781a3142686833705539674c585a694e444c365045613147733966686873656e646572496468636c69656e742d31",
            Message::Sync {
                sender_id: peer("client-1"),
                target_id: peer("server-1"),
                document_id: doc(),
                data: DATA.to_vec(),
            },
        ),
        (
            "doc-unavailable",
            "b9000464747970656f646f632d756e617661696c61626c656a646f63756d656e744964781a3142686833705539674c585a694e444c3650456131477339666868746172676574496468636c69656e742d316873656e6465724964687365727665722d31",
            Message::DocUnavailable {
                sender_id: peer("server-1"),
                target_id: peer("client-1"),
                document_id: doc(),
            },
        ),
        (
            "ephemeral",
            "b90007647479706569657068656d6572616c687461726765744964687365727665722d316a646f63756d656e744964781a3142686833705539674c585a694e444c36504561314773396668646461746145420000010065636f756e74036973657373696f6e496464736573736873656e646572496468636c69656e742d31",
            Message::Ephemeral {
                sender_id: peer("client-1"),
                target_id: peer("server-1"),
                count: 3,
                session_id: "sess".into(),
                document_id: doc(),
                data: DATA.to_vec(),
            },
        ),
        (
            "remote-heads-changed (newHeads skipped)",
            "b9000564747970657472656d6f74652d68656164732d6368616e67656468746172676574496468636c69656e742d316a646f63756d656e744964781a3142686833705539674c585a694e444c36504561314773396668686e65774865616473b900016773746f72652d61b9000265686561647381636162636974696d657374616d70fb4278bcfe5687b8006873656e6465724964687365727665722d31",
            Message::RemoteHeadsChanged {
                sender_id: peer("server-1"),
                target_id: peer("client-1"),
            },
        ),
        (
            "remote-subscription-change (add/remove skipped)",
            "b900056474797065781a72656d6f74652d737562736372697074696f6e2d6368616e6765687461726765744964687365727665722d3163616464816773746f72652d616672656d6f7665806873656e646572496468636c69656e742d31",
            Message::RemoteSubscriptionChange {
                sender_id: peer("client-1"),
                target_id: peer("server-1"),
            },
        ),
    ]
}

#[test]
fn issue_4_decodes_frames_written_by_automerge_repo() {
    for (name, frame, expected) in cbor_x_fixtures() {
        assert_eq!(Message::decode(&hex(frame)), Ok(expected), "{name}");
    }
}

#[test]
fn every_message_round_trips_through_encode() {
    for (name, _, message) in cbor_x_fixtures() {
        assert_eq!(
            Message::decode(&message.encode()),
            Ok(message.clone()),
            "{name}"
        );
    }
}

/// Our encoding of `join` is the same map cbor-x writes, modulo cbor-x's non-minimal map
/// heads (`b9 00 04` where we write `a4`): same keys, same order, same values.
#[test]
fn join_encodes_like_cbor_x_apart_from_map_heads() {
    let (_, frame, message) = cbor_x_fixtures().remove(0);
    let ours = message.encode();
    let expected = hex(&frame.replace("b90004", "a4").replace("b90002", "a2"));
    assert_eq!(ours, expected);
}

#[test]
fn refuses_malformed_frames() {
    let oversized = vec![0u8; MAX_FRAME_BYTES + 1];
    let unknown_type = hex("a2647479706565686f6c6c6f6873656e64657249646161"); // {type:"hollo",senderId:"a"}
    type Case = (&'static str, Vec<u8>, fn(&DecodeError) -> bool);
    let cases: Vec<Case> = vec![
        ("empty frame", vec![], |e| matches!(e, DecodeError::Cbor(_))),
        ("truncated map", hex("b90004647479"), |e| {
            matches!(e, DecodeError::Cbor(_))
        }),
        ("not a map", hex("8161a1"), |e| {
            matches!(e, DecodeError::NotAMap)
        }),
        ("oversized", oversized, |e| {
            matches!(e, DecodeError::FrameTooLarge(_))
        }),
        (
            "unknown type",
            unknown_type,
            |e| matches!(e, DecodeError::UnknownType(t) if t == "hollo"),
        ),
        ("missing type", hex("a16873656e64657249646161"), |e| {
            matches!(e, DecodeError::MissingField("type"))
        }),
        ("type is a number", hex("a1647479706501"), |e| {
            matches!(e, DecodeError::WrongType("type"))
        }),
        (
            "duplicate senderId",
            hex(
                "a364747970656473796e636873656e646572496461616873656e646572496461 62"
                    .replace(' ', "")
                    .as_str(),
            ),
            |e| matches!(e, DecodeError::DuplicateField("senderId")),
        ),
        (
            "trailing bytes",
            [
                Message::Error {
                    sender_id: PeerId::new("a"),
                    message: "m".into(),
                    target_id: PeerId::new("b"),
                }
                .encode(),
                vec![0],
            ]
            .concat(),
            |e| matches!(e, DecodeError::TrailingBytes),
        ),
        (
            "nesting beyond the skip depth",
            [
                hex("a3647479706565657272 6f726873656e646572496461616178"
                    .replace(' ', "")
                    .as_str()),
                vec![0x81; 40],
                vec![0],
            ]
            .concat(),
            |e| matches!(e, DecodeError::TooDeep),
        ),
        (
            "deeply nested indefinite arrays",
            [hex("a1617a"), vec![0x9f; 100_000]].concat(),
            |e| matches!(e, DecodeError::TooDeep | DecodeError::Cbor(_)),
        ),
        (
            "sync with an invalid documentId",
            Message::Sync {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc(),
                data: DATA.to_vec(),
            }
            .encode()
            .iter()
            // Corrupts the bs58check text: its checksum no longer matches.
            .map(|b| if *b == b'L' { b'M' } else { *b })
            .collect(),
            |e| matches!(e, DecodeError::InvalidDocumentId(_)),
        ),
        (
            "sync without data",
            Message::DocUnavailable {
                sender_id: peer("a"),
                target_id: peer("b"),
                document_id: doc(),
            }
            .encode()
            .replace_type("doc-unavailable", "sync"),
            |e| matches!(e, DecodeError::MissingField("data")),
        ),
    ];
    for (name, frame, expected) in cases {
        match Message::decode(&frame) {
            Ok(m) => panic!("{name}: decoded {m:?}"),
            Err(e) => assert!(expected(&e), "{name}: {e:?}"),
        }
    }
}

trait ReplaceType {
    fn replace_type(self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceType for Vec<u8> {
    /// Swaps the `type` text value (its length head included) in an encoded frame.
    fn replace_type(self, from: &str, to: &str) -> Vec<u8> {
        let head =
            |s: &str| -> Vec<u8> { [vec![0x60 | s.len() as u8], s.as_bytes().to_vec()].concat() };
        let (from, to) = (head(from), head(to));
        let at = self
            .windows(from.len())
            .position(|w| w == from)
            .expect("type in frame");
        [&self[..at], &to, &self[at + from.len()..]].concat()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic_the_decoder(frame in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Message::decode(&frame);
    }

    /// Mutations of real frames reach deeper into the decoder than uniform noise.
    #[test]
    fn mutated_frames_never_panic_the_decoder(
        which in 0usize..12,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let fixtures = cbor_x_fixtures();
        let mut frame = hex(fixtures[which % fixtures.len()].1);
        for (at, byte) in flips {
            let at = at % frame.len();
            frame[at] = byte;
        }
        frame.truncate(cut % (frame.len() + 1));
        let _ = Message::decode(&frame);
    }
}
