//! Sync over the automerge-repo network protocol (version "1"), as a sans-IO state machine.
//!
//! The browser and the server run the same core, [`SyncHub`]: the shell feeds it frames,
//! connection events and loaded documents, and executes the [`Action`]s it queues (send a
//! frame, close a connection, load or persist a document). No socket, clock or storage in
//! here. Wire format and state machine: `docs/sync-protocol.md`.

mod doc_id;
mod hub;
mod message;

pub use doc_id::{DocumentId, DocumentIdError, URL_PREFIX};
pub use hub::{
    Access, Action, ConnectionId, Follower, Permission, ProtocolError, Refusal, SyncHub,
    TrustServer, without_slack,
};
pub use message::{DecodeError, MAX_FRAME_BYTES, Message, PROTOCOL_V1, PeerId, PeerMetadata};
