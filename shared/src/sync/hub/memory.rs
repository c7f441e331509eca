//! What the hub keeps in memory: which documents are followed, and dropping those that
//! are not (or that the shell must free, or forget after a failed write).

use std::collections::BTreeSet;

use automerge::AutoCommit;

use super::{
    Access, Action, ConnectionId, DocumentId, PeerDocument, PeerId, ProtocolError, Slot, SyncHub,
};

/// One connection's sync state for one document, out of any hub: taken by
/// [`SyncHub::take_followers`] from a hub that holds the document neither in memory nor
/// loading, given back by [`SyncHub::wake_follower`]. A server keeps these (a few hundred
/// bytes each) for the documents its phones follow while nothing happens to them, rather
/// than a task and a hub per document (issue 10).
pub struct Follower {
    connection: ConnectionId,
    state: Box<PeerDocument>,
}

impl Follower {
    pub fn connection(&self) -> ConnectionId {
        self.connection
    }
}

/// A copy of `doc` without the room automerge's columns keep to grow after a load or an
/// applied change: a dossier of one trip takes 17 KiB loaded and 18–24 KiB after its
/// changes are applied, 9–12 KiB as a clone, and a server holds thousands.
pub fn without_slack(doc: &AutoCommit) -> AutoCommit {
    doc.clone()
}

impl<A: Access> SyncHub<A> {
    /// Documents in memory, loaded or loading.
    pub fn loaded_count(&self) -> usize {
        self.documents.len()
    }

    /// Does a connection follow `document`? One does if it has a sync state for it, or if
    /// it announces (we are its client) and has not finished the handshake yet: it will
    /// offer every document we hold then.
    pub(super) fn is_followed(&self, document: &DocumentId) -> bool {
        self.connections
            .values()
            .any(|c| c.documents.contains_key(document) || c.announces_later())
    }

    /// Does any connection follow `document` (see [`is_followed`](Self::is_followed))? A
    /// server's document actor lives while its document is loaded or followed.
    pub fn followed(&self, document: &DocumentId) -> bool {
        self.is_followed(document)
    }

    /// Drops a loaded document from memory even though connections follow it, keeping
    /// their sync states: a server under its memory budget. The next message about it
    /// loads it again (`Action::Load`), then syncs as if it had stayed: every follower's
    /// state still says what that peer has, and storage holds everything memory did.
    /// Returns whether it was dropped (not if loading, or unknown).
    ///
    /// As with [`unload`](Self::unload), call it only once every `Persist` queued so far
    /// has been executed.
    pub fn hibernate(&mut self, document: &DocumentId) -> bool {
        if !matches!(self.documents.get(document), Some(Slot::Ready(_))) {
            return false;
        }
        self.documents.remove(document);
        self.maybe_idle.remove(document);
        true
    }

    /// Is `document` loaded, followed, and every follower known to hold exactly what we
    /// hold, with nothing left for us to say? Then no sync message about it is due until
    /// a peer sends one: a server may [`hibernate`](Self::hibernate) it at no cost to the
    /// sync but the next load.
    pub fn settled(&mut self, document: &DocumentId) -> bool {
        let Some(Slot::Ready(doc)) = self.documents.get_mut(document) else {
            return false;
        };
        let mut heads = doc.get_heads();
        heads.sort_unstable();
        let same = |theirs: &[automerge::ChangeHash]| {
            let mut theirs = theirs.to_vec();
            theirs.sort_unstable();
            theirs == heads
        };
        let mut followers = 0;
        for conn in self.connections.values() {
            if conn.announces_later() {
                return false;
            }
            let Some(peer) = conn.documents.get(document) else {
                continue;
            };
            followers += 1;
            let state = &peer.state;
            if !state.their_heads.as_deref().is_some_and(same) || !same(&state.last_sent_heads) {
                return false;
            }
        }
        followers > 0
    }

    /// Is `document` loaded yet empty: no change applied, none waiting for its
    /// dependencies? Then memory holds nothing of it but automerge's empty columns (some
    /// KiB), and a server may [`hibernate`](Self::hibernate) it at no cost: the next
    /// message finds it absent as before. That is a new document between its creator's
    /// first message (its heads) and its second (its changes, which automerge's sync sends
    /// only once we have said we hold nothing): in a burst of creations, thousands wait so.
    pub fn holds_nothing(&mut self, document: &DocumentId) -> bool {
        let Some(Slot::Ready(doc)) = self.documents.get_mut(document) else {
            return false;
        };
        doc.get_heads().is_empty() && doc.get_missing_deps(&[]).is_empty()
    }

    /// Takes every connection out of this hub, each with its sync state for `document`,
    /// if that is all the hub holds: no document in memory or loading, no other document
    /// followed, no handshake under way, no action waiting. `None` (nothing taken)
    /// otherwise. Connections without a state for it go too: their next message is
    /// accepted afresh, as for any connection new to the hub.
    pub fn take_followers(&mut self, document: &DocumentId) -> Option<Vec<Follower>> {
        let alone = self.documents.is_empty()
            && self.actions.is_empty()
            && self
                .connections
                .values()
                .all(|c| !c.announces && c.documents.keys().all(|d| d == document));
        if !alone {
            return None;
        }
        let connections = std::mem::take(&mut self.connections);
        Some(
            connections
                .into_iter()
                .filter_map(|(connection, mut conn)| {
                    let state = conn.documents.remove(document)?;
                    Some(Follower { connection, state })
                })
                .collect(),
        )
    }

    /// Gives back a follower of `document` taken by [`take_followers`](Self::take_followers):
    /// its connection joins as by [`accept_joined`](Self::accept_joined), with the sync state
    /// it had, so the sync goes on where it stood.
    pub fn wake_follower(
        &mut self,
        document: DocumentId,
        identity: A::Identity,
        remote: PeerId,
        follower: Follower,
    ) {
        let Follower { connection, state } = follower;
        self.accept_joined(connection, identity, remote);
        if let Some(conn) = self.connections.get_mut(&connection) {
            conn.documents.insert(document, state);
        }
    }

    /// Loaded documents no connection follows: [`unload`](Self::unload) would drop them.
    /// Scans everything; shells call [`evict_idle`](Self::evict_idle) instead.
    pub fn idle_documents(&self) -> Vec<DocumentId> {
        self.documents
            .iter()
            .filter(|(id, slot)| matches!(slot, Slot::Ready(_)) && !self.is_followed(id))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Drops a loaded document from memory if no connection follows it; a later message
    /// about it loads it again (`Action::Load`). Returns whether it was dropped.
    ///
    /// Nothing is lost: every change applied here was queued as `Action::Persist` before
    /// any later `Load` of it, and the shell executes actions in order. A client hub's
    /// server connection follows every document (it offers them all), so a client only
    /// unloads while offline, or documents the server has no sync state for; whether a
    /// document is open in the UI is the client shell's business.
    pub fn unload(&mut self, document: &DocumentId) -> bool {
        if !matches!(self.documents.get(document), Some(Slot::Ready(_)))
            || self.is_followed(document)
        {
            return false;
        }
        self.documents.remove(document);
        self.maybe_idle.remove(document);
        true
    }

    /// Unloads every document that has lost its last follower since the last call (a
    /// connection closed, a peer said `doc-unavailable`, a load finished after its peers
    /// left), and returns them. Cheap enough to call after every input: it looks only at
    /// those documents. A server calls it so that memory holds the documents of the
    /// connected peers only, not every document ever seen.
    pub fn evict_idle(&mut self) -> Vec<DocumentId> {
        if self.connections.values().any(|c| c.announces_later()) {
            return Vec::new(); // they stay candidates until that handshake is over
        }
        let candidates = std::mem::take(&mut self.maybe_idle);
        candidates
            .into_iter()
            .filter(|document| self.unload(document))
            .collect()
    }

    /// Drops a document from memory, with every connection's sync state for it, and
    /// closes the connections that followed it (had a sync state, or a message waiting for
    /// its load): queued frames to them and queued `Persist`/`Load` of the document are
    /// withdrawn, and `Close { reason: Forgotten }` is queued for each. Returns those
    /// connections.
    ///
    /// For when memory may be ahead of storage (a `Persist` failed) or storage cannot be
    /// read: those peers' sync states say we hold what they sent, so they would never
    /// send it again on this connection; on a new one they sync afresh against what
    /// storage really holds. Call it while draining actions: the withdrawn frames were
    /// queued after the failed `Persist` and may tell of changes that are not stored.
    pub fn forget(&mut self, document: &DocumentId) -> Vec<ConnectionId> {
        let mut followers = BTreeSet::new();
        if let Some(Slot::Loading(pending)) = self.documents.remove(document) {
            followers.extend(pending.iter().map(|p| p.connection));
        }
        self.maybe_idle.remove(document);
        for (id, conn) in &mut self.connections {
            if conn.documents.remove(document).is_some() {
                followers.insert(*id);
            }
        }
        // A waiting peer may have gone already; its last frames (an `error`) stay queued.
        followers.retain(|c| self.connections.contains_key(c));
        self.actions.retain(|action| match action {
            Action::Send { connection, .. } => !followers.contains(connection),
            Action::Persist { document: d, .. } | Action::Load { document: d } => d != document,
            _ => true,
        });
        for &connection in &followers {
            self.drop_connection(connection);
            self.actions.push_back(Action::Close {
                connection,
                reason: ProtocolError::Forgotten(*document),
            });
        }
        followers.into_iter().collect()
    }
}
