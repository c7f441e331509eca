//! The automerge sync protocol proper: receiving, applying and generating sync messages
//! for one peer and document, and what the hub sends back.

use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};

use super::{
    Access, Action, ConnectionId, DocumentId, Message, PeerId, Pending, Permission, Phase,
    ProtocolError, Slot, SyncHub,
};

impl<A: Access> SyncHub<A> {
    pub(super) fn receive(
        &mut self,
        connection: ConnectionId,
        document: DocumentId,
        data: &[u8],
        is_request: bool,
    ) {
        let Some(conn) = self.connections.get(&connection) else {
            return;
        };
        if self.access.permission(&conn.identity, &document) == Permission::Denied {
            return self.send_unavailable(connection, document);
        }
        // Decode before anything else: garbage must not even cause a load.
        let Ok(message) = sync::Message::decode(data) else {
            return self.fail(connection, ProtocolError::BadSyncMessage(document));
        };
        match self.documents.get_mut(&document) {
            None => {
                self.documents.insert(
                    document,
                    Slot::Loading(vec![Pending {
                        connection,
                        message,
                        is_request,
                    }]),
                );
                self.actions.push_back(Action::Load { document });
            }
            Some(Slot::Loading(pending)) => pending.push(Pending {
                connection,
                message,
                is_request,
            }),
            Some(Slot::Ready(_)) => self.apply(connection, document, message, is_request),
        }
    }

    pub(super) fn apply(
        &mut self,
        connection: ConnectionId,
        document: DocumentId,
        message: sync::Message,
        is_request: bool,
    ) {
        let (Some(Slot::Ready(doc)), Some(conn)) = (
            self.documents.get_mut(&document),
            self.connections.get_mut(&connection),
        ) else {
            return;
        };
        let before = doc.get_heads();
        if is_request && before.is_empty() {
            // Neither of us has it; we do not forward requests further.
            return self.send_unavailable(connection, document);
        }
        let permission = self.access.permission(&conn.identity, &document);
        // A document the rules do not know may only be brought into being, never read.
        if !(permission.may_read() || (permission == Permission::Unknown && before.is_empty())) {
            return self.send_unavailable(connection, document);
        }
        let identity = &conn.identity;
        let peer = conn.documents.entry(document).or_default();
        peer.heard = true;
        let outcome = if self.access.checks_updates() && !message.changes.is_empty() {
            // Applied to a copy, kept only if the rules accept what it became.
            let mut copy = AutoCommit::clone(doc);
            let mut state = peer.state.clone();
            let received = copy.sync().receive_sync_message(&mut state, message);
            match received {
                Err(_) => Err(ProtocolError::BadSyncMessage(document)),
                Ok(()) => {
                    let changed = copy.get_heads() != before;
                    let verdict = if changed {
                        self.access
                            .check_update(identity, &document, doc, &mut copy)
                    } else {
                        Ok(())
                    };
                    match verdict {
                        Ok(()) => {
                            // Unchanged heads may still hide changes waiting for their
                            // dependencies: the copy is kept either way.
                            **doc = if changed {
                                super::without_slack(&copy)
                            } else {
                                copy
                            };
                            peer.state = state;
                            Ok(changed)
                        }
                        Err(reason) => Err(ProtocolError::Refused { document, reason }),
                    }
                }
            }
        } else {
            let received = doc.sync().receive_sync_message(&mut peer.state, message);
            match received {
                Ok(()) => Ok(doc.get_heads() != before),
                Err(_) => Err(ProtocolError::BadSyncMessage(document)),
            }
        };
        let changed = match outcome {
            Ok(changed) => changed,
            Err(reason) => {
                // A trusting client applies in place: keep what automerge already applied.
                if !self.access.checks_updates() && doc.get_heads() != before {
                    let chunk = doc.save_after(&before);
                    self.actions.push_back(Action::Persist { document, chunk });
                }
                return self.fail(connection, reason);
            }
        };
        if changed {
            let chunk = doc.save_after(&before);
            self.actions.push_back(Action::Persist { document, chunk });
        }
        if changed {
            self.local_change(document); // answers the sender too
        } else {
            self.sync_peer(connection, document);
        }
    }

    /// Generate and send the next sync message for one peer and document, if any.
    pub(super) fn sync_peer(&mut self, connection: ConnectionId, document: DocumentId) {
        let (Some(Slot::Ready(doc)), Some(conn)) = (
            self.documents.get_mut(&document),
            self.connections.get_mut(&connection),
        ) else {
            return;
        };
        let Phase::Ready(remote) = &conn.phase else {
            return;
        };
        // A document being brought into being is empty here: answering its creator
        // reveals nothing, and without an answer automerge's sync would never send the
        // changes that create it.
        let permission = self.access.permission(&conn.identity, &document);
        let empty = doc.get_heads().is_empty();
        if !(permission.may_read() || permission == Permission::Unknown && empty) {
            return;
        }
        let peer = conn.documents.entry(document).or_default();
        let Some(message) = doc.sync().generate_sync_message(&mut peer.state) else {
            return;
        };
        let data = message.encode();
        let (sender_id, target_id, document_id) = (self.me.clone(), remote.clone(), document);
        // What automerge-repo's DocSynchronizer calls a request: we have nothing and
        // have heard nothing from this peer about the document.
        let message =
            if !peer.heard && peer.state.shared_heads.is_empty() && doc.get_heads().is_empty() {
                Message::Request {
                    sender_id,
                    target_id,
                    document_id,
                    data,
                }
            } else {
                Message::Sync {
                    sender_id,
                    target_id,
                    document_id,
                    data,
                }
            };
        self.send(connection, &message);
    }

    // --- output helpers ----------------------------------------------------------------

    pub(super) fn send(&mut self, connection: ConnectionId, message: &Message) {
        self.actions.push_back(Action::Send {
            connection,
            frame: message.encode(),
        });
    }

    pub(super) fn remote_of(&self, connection: ConnectionId) -> PeerId {
        match self.connections.get(&connection).map(|c| &c.phase) {
            Some(Phase::Ready(remote)) => remote.clone(),
            _ => PeerId::default(),
        }
    }

    pub(super) fn send_unavailable(&mut self, connection: ConnectionId, document: DocumentId) {
        let message = Message::DocUnavailable {
            sender_id: self.me.clone(),
            target_id: self.remote_of(connection),
            document_id: document,
        };
        self.send(connection, &message);
    }

    /// Send `error` and close: the stock adapters' way of refusing a peer.
    pub(super) fn fail(&mut self, connection: ConnectionId, reason: ProtocolError) {
        let remote = self.remote_of(connection);
        self.fail_to(connection, remote, reason);
    }

    pub(super) fn fail_to(
        &mut self,
        connection: ConnectionId,
        remote: PeerId,
        reason: ProtocolError,
    ) {
        let error = Message::Error {
            sender_id: self.me.clone(),
            message: reason.to_string(),
            target_id: remote,
        };
        self.send(connection, &error);
        self.drop_connection(connection);
        self.actions.push_back(Action::Close { connection, reason });
    }
}
