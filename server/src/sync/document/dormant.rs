//! A followed document out of memory keeps no actor: its followers' sync states wait in
//! the router ([`Dormant`]) until the next event about it (issue 10).

use std::collections::VecDeque;
use std::sync::Arc;

use shared::sync::{ConnectionId, Follower};
use tokio::sync::mpsc;

use super::{DocEvent, DocShell, Note, Peer, ServerRules};
use crate::store::DocumentStore;

/// A document followed but out of memory, with no actor: its followers' sync states and
/// who they are, kept by the router until the next event about it starts an actor with
/// them. A phone's connection follows every dossier it holds all day; this costs a few
/// hundred bytes a document where a resting actor (its task, inbox and hub) costs some
/// KiB (issue 10).
pub(in crate::sync) struct Dormant {
    followers: Vec<(Arc<Peer>, Follower)>,
}

impl Dormant {
    /// The connection is gone: its state goes. Whether any follower is left.
    pub(in crate::sync) fn forget(&mut self, connection: ConnectionId) -> bool {
        self.followers.retain(|(_, f)| f.connection() != connection);
        self.followed()
    }

    /// Whether any follower is left.
    pub(in crate::sync) fn followed(&self) -> bool {
        !self.followers.is_empty()
    }
}

impl<S: DocumentStore, R: ServerRules> DocShell<S, R> {
    /// Hands the followers over to the router (`Note::Dormant`), then waits: for the end
    /// (the router took them and dropped the inbox: false), or for them back
    /// ([`DocEvent::Wake`], after the events the router sent meanwhile, which go to
    /// `replay`: true). True at once if the hub holds more than followers.
    pub(super) async fn hand_over(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<DocEvent>,
        replay: &mut VecDeque<DocEvent>,
        handled: &mut u64,
    ) -> bool {
        let Some(dormant) = self.sleep() else {
            return true;
        };
        let note = Note::Dormant {
            document: self.document,
            handled: *handled,
            dormant,
        };
        if self.notes.send(note).is_err() {
            return false;
        }
        while let Some(event) = events.recv().await {
            *handled += 1;
            match event {
                DocEvent::Wake(dormant) => {
                    self.wake(*dormant);
                    return true;
                }
                event => replay.push_back(event),
            }
        }
        false
    }

    /// Hands the followers over, if the hub holds nothing else (see
    /// [`SyncHub::take_followers`]).
    fn sleep(&mut self) -> Option<Box<Dormant>> {
        let followers = self.hub.take_followers(&self.document)?;
        let mut peers = std::mem::take(&mut self.peers);
        let followers = followers
            .into_iter()
            .filter_map(|f| Some((peers.remove(&f.connection())?, f)))
            .collect();
        Some(Box::new(Dormant { followers }))
    }

    /// Takes the followers back, their sync states as they were.
    pub(super) fn wake(&mut self, dormant: Dormant) {
        for (peer, follower) in dormant.followers {
            let connection = follower.connection();
            let (identity, remote) = (peer.identity.clone(), peer.remote.clone());
            self.hub
                .wake_follower(self.document, identity, remote, follower);
            self.peers.insert(connection, peer);
        }
    }
}
