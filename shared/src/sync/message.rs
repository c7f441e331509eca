//! The automerge-repo network protocol's messages and their CBOR wire format.
//!
//! Each WebSocket binary frame is one CBOR map with text keys, as automerge-repo encodes it
//! (cbor-x, `useRecords: false`, `tagUint8Array: false`): `type`, `senderId`, `targetId`,
//! `documentId` (bs58check text), `data` (a byte string), and the handshake's
//! `peerMetadata`, `supportedProtocolVersions`, `selectedProtocolVersion`, `message`.
//! Unknown keys are skipped, so newer peers adding fields still decode.

use std::fmt;

use minicbor::Decoder;
use minicbor::data::Type;

use super::doc_id::{DocumentId, DocumentIdError};

/// The only protocol version automerge-repo's WebSocket adapters speak.
pub const PROTOCOL_V1: &str = "1";

/// Frames larger than this are refused before decoding. A whole dossier's first sync fits
/// in far less; the bound keeps a hostile peer from making us buffer or parse megabytes.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// CBOR nesting we follow when skipping values we do not read (`peerMetadata`,
/// `newHeads`, …); deeper frames are refused rather than walked.
const MAX_SKIP_DEPTH: u32 = 16;

/// An automerge-repo peer id, as the remote claims it on the wire. Not an identity: the
/// shell authenticates connections; access control never looks at this.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PeerId(String);

impl PeerId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({:?})", self.0)
    }
}

/// What a peer tells about itself in `join` / `peer` (automerge-repo's `PeerMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PeerMetadata {
    pub storage_id: Option<String>,
    pub is_ephemeral: Option<bool>,
}

/// One protocol message. Field names follow the TypeScript types in automerge-repo
/// (`network/messages.ts`) and automerge-repo-network-websocket (`messages.ts`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Client → server, first message on a connection.
    Join {
        sender_id: PeerId,
        peer_metadata: PeerMetadata,
        /// Absent in old clients; the stock server then assumes "1".
        supported_protocol_versions: Option<Vec<String>>,
    },
    /// Server → client, the answer to `join`.
    Peer {
        sender_id: PeerId,
        peer_metadata: PeerMetadata,
        selected_protocol_version: String,
        target_id: PeerId,
    },
    /// The sender is about to close the connection.
    Error {
        sender_id: PeerId,
        message: String,
        target_id: PeerId,
    },
    /// A sync message from a peer that does not have the document (yet).
    Request {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// An Automerge sync message (`automerge::sync::Message::encode`) for one document.
    Sync {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// "Neither I nor my peers have this document."
    DocUnavailable {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: DocumentId,
    },
    /// Application presence data; decoded so it can be ignored, never applied.
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        count: u64,
        session_id: String,
        document_id: DocumentId,
        data: Vec<u8>,
    },
    /// Remote-heads gossip; we read only the routing fields and ignore it.
    RemoteHeadsChanged {
        sender_id: PeerId,
        target_id: PeerId,
    },
    /// Remote-heads subscription control; we read only the routing fields and ignore it.
    RemoteSubscriptionChange {
        sender_id: PeerId,
        target_id: PeerId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame of {0} bytes is larger than {MAX_FRAME_BYTES}")]
    FrameTooLarge(usize),
    #[error("malformed CBOR: {0}")]
    Cbor(String),
    #[error("a message must be a CBOR map")]
    NotAMap,
    #[error("CBOR nested too deeply")]
    TooDeep,
    #[error("bytes after the message")]
    TrailingBytes,
    #[error("field `{0}` is missing")]
    MissingField(&'static str),
    #[error("field `{0}` appears twice")]
    DuplicateField(&'static str),
    #[error("field `{0}` has the wrong type")]
    WrongType(&'static str),
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    #[error("invalid documentId: {0}")]
    InvalidDocumentId(#[from] DocumentIdError),
}

impl From<minicbor::decode::Error> for DecodeError {
    fn from(e: minicbor::decode::Error) -> Self {
        Self::Cbor(e.to_string())
    }
}

impl Message {
    /// The wire name of this message's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Join { .. } => "join",
            Self::Peer { .. } => "peer",
            Self::Error { .. } => "error",
            Self::Request { .. } => "request",
            Self::Sync { .. } => "sync",
            Self::DocUnavailable { .. } => "doc-unavailable",
            Self::Ephemeral { .. } => "ephemeral",
            Self::RemoteHeadsChanged { .. } => "remote-heads-changed",
            Self::RemoteSubscriptionChange { .. } => "remote-subscription-change",
        }
    }

    pub fn sender_id(&self) -> &PeerId {
        match self {
            Self::Join { sender_id, .. }
            | Self::Peer { sender_id, .. }
            | Self::Error { sender_id, .. }
            | Self::Request { sender_id, .. }
            | Self::Sync { sender_id, .. }
            | Self::DocUnavailable { sender_id, .. }
            | Self::Ephemeral { sender_id, .. }
            | Self::RemoteHeadsChanged { sender_id, .. }
            | Self::RemoteSubscriptionChange { sender_id, .. } => sender_id,
        }
    }

    /// The document a sync-flow message (`sync`, `request`, `doc-unavailable`) is about:
    /// what a server routes by.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Self::Request { document_id, .. }
            | Self::Sync { document_id, .. }
            | Self::DocUnavailable { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// One CBOR map, definite lengths, minimal heads; keys in the order automerge-repo
    /// writes them. (Key order is irrelevant to decoders; it only keeps fixtures stable.)
    /// The two gossip messages encode their routing fields only: we never send them.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Self::Join {
                sender_id,
                peer_metadata,
                supported_protocol_versions,
            } => {
                let n = 3 + usize::from(supported_protocol_versions.is_some());
                w.map(n);
                w.entry_text("type", "join");
                w.entry_text("senderId", sender_id.as_str());
                w.text("peerMetadata");
                w.peer_metadata(peer_metadata);
                if let Some(versions) = supported_protocol_versions {
                    w.text("supportedProtocolVersions");
                    w.head(MAJOR_ARRAY, versions.len() as u64);
                    for v in versions {
                        w.text(v);
                    }
                }
            }
            Self::Peer {
                sender_id,
                peer_metadata,
                selected_protocol_version,
                target_id,
            } => {
                w.map(5);
                w.entry_text("type", "peer");
                w.entry_text("senderId", sender_id.as_str());
                w.text("peerMetadata");
                w.peer_metadata(peer_metadata);
                w.entry_text("selectedProtocolVersion", selected_protocol_version);
                w.entry_text("targetId", target_id.as_str());
            }
            Self::Error {
                sender_id,
                message,
                target_id,
            } => {
                w.map(4);
                w.entry_text("type", "error");
                w.entry_text("senderId", sender_id.as_str());
                w.entry_text("message", message);
                w.entry_text("targetId", target_id.as_str());
            }
            Self::Request {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | Self::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                w.map(5);
                w.entry_text("type", self.type_name());
                w.entry_text("senderId", sender_id.as_str());
                w.entry_text("targetId", target_id.as_str());
                w.entry_text("documentId", &document_id.to_string());
                w.text("data");
                w.bytes(data);
            }
            Self::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                w.map(4);
                w.entry_text("type", "doc-unavailable");
                w.entry_text("senderId", sender_id.as_str());
                w.entry_text("targetId", target_id.as_str());
                w.entry_text("documentId", &document_id.to_string());
            }
            Self::Ephemeral {
                sender_id,
                target_id,
                count,
                session_id,
                document_id,
                data,
            } => {
                w.map(7);
                w.entry_text("type", "ephemeral");
                w.entry_text("senderId", sender_id.as_str());
                w.entry_text("targetId", target_id.as_str());
                w.text("count");
                w.head(MAJOR_UNSIGNED, *count);
                w.entry_text("sessionId", session_id);
                w.entry_text("documentId", &document_id.to_string());
                w.text("data");
                w.bytes(data);
            }
            Self::RemoteHeadsChanged {
                sender_id,
                target_id,
            }
            | Self::RemoteSubscriptionChange {
                sender_id,
                target_id,
            } => {
                w.map(3);
                w.entry_text("type", self.type_name());
                w.entry_text("senderId", sender_id.as_str());
                w.entry_text("targetId", target_id.as_str());
            }
        }
        w.0
    }

    /// Decodes one frame. Never panics; every malformed input is a [`DecodeError`].
    pub fn decode(frame: &[u8]) -> Result<Self, DecodeError> {
        if frame.len() > MAX_FRAME_BYTES {
            return Err(DecodeError::FrameTooLarge(frame.len()));
        }
        let mut d = Decoder::new(frame);
        let fields = Fields::read(&mut d)?;
        if d.position() != frame.len() {
            return Err(DecodeError::TrailingBytes);
        }
        fields.into_message()
    }
}

// ---------------------------------------------------------------------------------------
// Decoding

/// Every field any message type has, read in one pass over the map.
#[derive(Default)]
struct Fields {
    message_type: Option<String>,
    sender_id: Option<String>,
    target_id: Option<String>,
    document_id: Option<String>,
    data: Option<Vec<u8>>,
    peer_metadata: Option<PeerMetadata>,
    supported_protocol_versions: Option<Vec<String>>,
    selected_protocol_version: Option<String>,
    message: Option<String>,
    count: Option<u64>,
    session_id: Option<String>,
}

fn set<T>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), DecodeError> {
    if slot.replace(value).is_some() {
        return Err(DecodeError::DuplicateField(name));
    }
    Ok(())
}

fn required<T>(slot: Option<T>, name: &'static str) -> Result<T, DecodeError> {
    slot.ok_or(DecodeError::MissingField(name))
}

/// Iterates a map of definite or indefinite length (cbor-x writes definite ones with
/// non-minimal length heads, e.g. `b9 00 04`).
fn for_each_entry(
    d: &mut Decoder<'_>,
    mut entry: impl FnMut(&mut Decoder<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    match d.map()? {
        Some(len) => {
            for _ in 0..len {
                entry(d)?;
            }
        }
        None => {
            while d.datatype()? != Type::Break {
                entry(d)?;
            }
            d.skip()?; // the break byte
        }
    }
    Ok(())
}

fn is_absent(d: &Decoder<'_>) -> Result<bool, DecodeError> {
    Ok(matches!(d.datatype()?, Type::Null | Type::Undefined))
}

fn text(d: &mut Decoder<'_>, name: &'static str) -> Result<String, DecodeError> {
    match d.datatype()? {
        Type::String => Ok(d.str()?.to_owned()),
        Type::StringIndef => {
            let mut s = String::new();
            for chunk in d.str_iter()? {
                s.push_str(chunk?);
            }
            Ok(s)
        }
        _ => Err(DecodeError::WrongType(name)),
    }
}

fn bytes(d: &mut Decoder<'_>, name: &'static str) -> Result<Vec<u8>, DecodeError> {
    // Tag 64 (typed array of u8) is what cbor-x writes when `tagUint8Array` is left on.
    if d.datatype()? == Type::Tag && d.tag()?.as_u64() != 64 {
        return Err(DecodeError::WrongType(name));
    }
    match d.datatype()? {
        Type::Bytes => Ok(d.bytes()?.to_vec()),
        Type::BytesIndef => {
            let mut out = Vec::new();
            for chunk in d.bytes_iter()? {
                out.extend_from_slice(chunk?);
            }
            Ok(out)
        }
        _ => Err(DecodeError::WrongType(name)),
    }
}

/// Skips one value, refusing nesting deeper than [`MAX_SKIP_DEPTH`].
fn skip(d: &mut Decoder<'_>, depth: u32) -> Result<(), DecodeError> {
    let Some(depth) = depth.checked_sub(1) else {
        return Err(DecodeError::TooDeep);
    };
    match d.datatype()? {
        Type::Array | Type::ArrayIndef => match d.array()? {
            Some(len) => (0..len).try_for_each(|_| skip(d, depth)),
            None => {
                while d.datatype()? != Type::Break {
                    skip(d, depth)?;
                }
                Ok(d.skip()?)
            }
        },
        Type::Map | Type::MapIndef => for_each_entry(d, |d| {
            skip(d, depth)?;
            skip(d, depth)
        }),
        Type::Tag => {
            d.tag()?;
            skip(d, depth)
        }
        Type::Break => Err(DecodeError::Cbor("unexpected break".into())),
        // Scalars, byte and text strings: minicbor skips these without nesting.
        _ => Ok(d.skip()?),
    }
}

fn peer_metadata(d: &mut Decoder<'_>) -> Result<PeerMetadata, DecodeError> {
    // The stock server sends `peerMetadata: undefined` when it was given none.
    if is_absent(d)? {
        d.skip()?;
        return Ok(PeerMetadata::default());
    }
    if !matches!(d.datatype()?, Type::Map | Type::MapIndef) {
        return Err(DecodeError::WrongType("peerMetadata"));
    }
    let mut meta = PeerMetadata::default();
    for_each_entry(d, |d| {
        let key = text(d, "peerMetadata")?;
        if is_absent(d)? {
            return Ok(d.skip()?);
        }
        match key.as_str() {
            "storageId" => set(&mut meta.storage_id, text(d, "storageId")?, "storageId"),
            "isEphemeral" => match d.datatype()? {
                Type::Bool => set(&mut meta.is_ephemeral, d.bool()?, "isEphemeral"),
                _ => Err(DecodeError::WrongType("isEphemeral")),
            },
            _ => skip(d, MAX_SKIP_DEPTH),
        }
    })?;
    Ok(meta)
}

fn versions(d: &mut Decoder<'_>) -> Result<Vec<String>, DecodeError> {
    const NAME: &str = "supportedProtocolVersions";
    let mut out = Vec::new();
    match d.datatype()? {
        Type::Array => {
            let len = d.array()?.unwrap_or(0);
            for _ in 0..len {
                out.push(text(d, NAME)?);
            }
        }
        Type::ArrayIndef => {
            d.array()?;
            while d.datatype()? != Type::Break {
                out.push(text(d, NAME)?);
            }
            d.skip()?;
        }
        _ => return Err(DecodeError::WrongType(NAME)),
    }
    Ok(out)
}

impl Fields {
    fn read(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        if !matches!(d.datatype()?, Type::Map | Type::MapIndef) {
            return Err(DecodeError::NotAMap);
        }
        let mut f = Fields::default();
        for_each_entry(d, |d| {
            let key = text(d, "key")?;
            // JS `undefined`/`null` fields count as absent (cbor-x writes them).
            if is_absent(d)? {
                return Ok(d.skip()?);
            }
            match key.as_str() {
                "type" => set(&mut f.message_type, text(d, "type")?, "type"),
                "senderId" => set(&mut f.sender_id, text(d, "senderId")?, "senderId"),
                "targetId" => set(&mut f.target_id, text(d, "targetId")?, "targetId"),
                "documentId" => set(&mut f.document_id, text(d, "documentId")?, "documentId"),
                "data" => set(&mut f.data, bytes(d, "data")?, "data"),
                "peerMetadata" => set(&mut f.peer_metadata, peer_metadata(d)?, "peerMetadata"),
                "supportedProtocolVersions" => set(
                    &mut f.supported_protocol_versions,
                    versions(d)?,
                    "supportedProtocolVersions",
                ),
                "selectedProtocolVersion" => set(
                    &mut f.selected_protocol_version,
                    text(d, "selectedProtocolVersion")?,
                    "selectedProtocolVersion",
                ),
                "message" => set(&mut f.message, text(d, "message")?, "message"),
                "count" => match d.datatype()? {
                    Type::U8 | Type::U16 | Type::U32 | Type::U64 => {
                        set(&mut f.count, d.u64()?, "count")
                    }
                    _ => Err(DecodeError::WrongType("count")),
                },
                "sessionId" => set(&mut f.session_id, text(d, "sessionId")?, "sessionId"),
                _ => skip(d, MAX_SKIP_DEPTH),
            }
        })?;
        Ok(f)
    }

    fn into_message(self) -> Result<Message, DecodeError> {
        let message_type = required(self.message_type, "type")?;
        let sender_id = PeerId(required(self.sender_id, "senderId")?);
        let target = |t: Option<String>| required(t, "targetId").map(PeerId);
        let document = |id: Option<String>| -> Result<DocumentId, DecodeError> {
            Ok(required(id, "documentId")?.parse()?)
        };
        Ok(match message_type.as_str() {
            "join" => Message::Join {
                sender_id,
                peer_metadata: self.peer_metadata.unwrap_or_default(),
                supported_protocol_versions: self.supported_protocol_versions,
            },
            "peer" => Message::Peer {
                sender_id,
                peer_metadata: self.peer_metadata.unwrap_or_default(),
                selected_protocol_version: required(
                    self.selected_protocol_version,
                    "selectedProtocolVersion",
                )?,
                target_id: target(self.target_id)?,
            },
            "error" => Message::Error {
                sender_id,
                message: self.message.unwrap_or_default(),
                // An error may come before the sender knows who we are.
                target_id: PeerId(self.target_id.unwrap_or_default()),
            },
            "request" => Message::Request {
                sender_id,
                target_id: target(self.target_id)?,
                document_id: document(self.document_id)?,
                data: required(self.data, "data")?,
            },
            "sync" => Message::Sync {
                sender_id,
                target_id: target(self.target_id)?,
                document_id: document(self.document_id)?,
                data: required(self.data, "data")?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender_id,
                target_id: target(self.target_id)?,
                document_id: document(self.document_id)?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id,
                target_id: target(self.target_id)?,
                count: required(self.count, "count")?,
                session_id: required(self.session_id, "sessionId")?,
                document_id: document(self.document_id)?,
                data: required(self.data, "data")?,
            },
            "remote-heads-changed" => Message::RemoteHeadsChanged {
                sender_id,
                target_id: target(self.target_id)?,
            },
            "remote-subscription-change" => Message::RemoteSubscriptionChange {
                sender_id,
                target_id: target(self.target_id)?,
            },
            other => {
                // Echo a bounded prefix only: the name ends up in logs and error frames.
                let shown: String = other.chars().take(40).collect();
                return Err(DecodeError::UnknownType(shown));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------
// Encoding: the handful of CBOR heads we need, written by hand so encoding is infallible.

const MAJOR_UNSIGNED: u8 = 0;
const MAJOR_BYTES: u8 = 2;
const MAJOR_TEXT: u8 = 3;
const MAJOR_ARRAY: u8 = 4;
const MAJOR_MAP: u8 = 5;

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn head(&mut self, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => self.0.push(m | n as u8),
            24..=0xff => self.0.extend_from_slice(&[m | 24, n as u8]),
            0x100..=0xffff => {
                self.0.push(m | 25);
                self.0.extend_from_slice(&(n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                self.0.push(m | 26);
                self.0.extend_from_slice(&(n as u32).to_be_bytes());
            }
            _ => {
                self.0.push(m | 27);
                self.0.extend_from_slice(&n.to_be_bytes());
            }
        }
    }

    fn map(&mut self, entries: usize) {
        self.head(MAJOR_MAP, entries as u64);
    }

    fn text(&mut self, s: &str) {
        self.head(MAJOR_TEXT, s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.head(MAJOR_BYTES, b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn entry_text(&mut self, key: &str, value: &str) {
        self.text(key);
        self.text(value);
    }

    fn peer_metadata(&mut self, meta: &PeerMetadata) {
        let n = usize::from(meta.storage_id.is_some()) + usize::from(meta.is_ephemeral.is_some());
        self.map(n);
        if let Some(id) = &meta.storage_id {
            self.entry_text("storageId", id);
        }
        if let Some(ephemeral) = meta.is_ephemeral {
            self.text("isEphemeral");
            self.0.push(if ephemeral { 0xf5 } else { 0xf4 });
        }
    }
}
