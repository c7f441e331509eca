//! What a peer may do with a document: the seam between the sync core and the rules.

use std::sync::Arc;

use automerge::AutoCommit;

use crate::sync::DocumentId;

/// What a peer may do with one document, as the rules see it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The rules do not know the document (nobody has brought it yet): only changes that
    /// pass [`Access::check_update`] on an empty document can make it exist.
    Unknown,
    /// The peer is told `doc-unavailable`, exactly as for a document that does not exist.
    Denied,
    /// The peer may receive the document; changes it sends are checked like anyone's.
    Read,
    ReadWrite,
}

impl Permission {
    pub fn may_read(self) -> bool {
        matches!(self, Permission::Read | Permission::ReadWrite)
    }

    /// Whether a `sync` may bring the document into being here (its changes are still
    /// checked): the rules do not know it, or the peer may write it.
    pub fn may_create(self) -> bool {
        matches!(self, Permission::Unknown | Permission::ReadWrite)
    }
}

/// Why a peer's changes were not kept; the text reaches the peer (a person) as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The access-control seam, with the identity the shell authenticated for the connection
/// (never the `senderId` a peer claims on the wire).
pub trait Access {
    /// Who is at the other end of a connection, as the shell authenticated it.
    type Identity;

    /// Asked before any sync message about `document` is applied or answered, and before
    /// any is generated for `who`.
    fn permission(&self, who: &Self::Identity, document: &DocumentId) -> Permission;

    /// A peer's sync message brought new changes: `after` is a copy of `before` (empty for
    /// a document the hub did not have) with them applied. Keep them, or refuse: then
    /// nothing of the message is kept or relayed and the peer gets `error` and is closed.
    fn check_update(
        &self,
        _who: &Self::Identity,
        _document: &DocumentId,
        _before: &mut AutoCommit,
        _after: &mut AutoCommit,
    ) -> Result<(), Refusal> {
        Ok(())
    }

    /// Whether [`check_update`](Self::check_update) decides anything: if not, a
    /// message is applied in place, without a copy (a client trusting its server).
    fn checks_updates(&self) -> bool {
        true
    }
}

/// Rules shared by several hubs (a server's per-document actors).
impl<A: Access> Access for Arc<A> {
    type Identity = A::Identity;

    fn permission(&self, who: &Self::Identity, document: &DocumentId) -> Permission {
        (**self).permission(who, document)
    }

    fn check_update(
        &self,
        who: &Self::Identity,
        document: &DocumentId,
        before: &mut AutoCommit,
        after: &mut AutoCommit,
    ) -> Result<(), Refusal> {
        (**self).check_update(who, document, before, after)
    }

    fn checks_updates(&self) -> bool {
        (**self).checks_updates()
    }
}

/// A client's rule (browser, tests): it trusts its server with every document it holds.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustServer;

impl Access for TrustServer {
    type Identity = ();
    fn permission(&self, _: &(), _: &DocumentId) -> Permission {
        Permission::ReadWrite
    }

    fn checks_updates(&self) -> bool {
        false
    }
}
