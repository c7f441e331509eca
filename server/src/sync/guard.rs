//! The hub's shell enforcing [`SyncLimits`] and living through store failures: refusing a
//! connection with `error`, admitting a chunk under the size limits and the device's
//! quotas, and probing a failed store with backoff (issue 10).

use std::collections::HashSet;
use std::time::Instant;

use shared::sync::{ConnectionId, DocumentId, Message, PeerId};

use super::{LimitExceeded, ServerRules, Shell};
use crate::store::{DocumentStore, StoreError};

impl<S: DocumentStore, R: ServerRules> Shell<S, R> {
    /// Closes a connection the hub never heard the fault of: `error` with `message`, then
    /// close (what is queued before it still goes out).
    pub(super) fn refuse(
        &mut self,
        connection: ConnectionId,
        message: impl Into<String>,
        why: &str,
    ) {
        let message = message.into();
        tracing::info!(?connection, why, %message, "sync connection closed");
        self.hub.closed(connection);
        self.identities.remove(&connection);
        if let Some(link) = self.links.remove(&connection) {
            let error = Message::Error {
                sender_id: self.me.clone(),
                message,
                target_id: PeerId::default(),
            };
            // Over budget: it is dropped with its queue anyway.
            let _ = link.push(error.encode());
        }
    }

    /// Refuses a connection that ran out of a limit, and logs which.
    pub(super) fn over_limit(&mut self, connection: ConnectionId, reason: &LimitExceeded) {
        let device = self
            .identities
            .get(&connection)
            .map(|w| w.device_id.clone())
            .unwrap_or_default();
        tracing::warn!(?connection, %device, limit = reason.name(), %reason, "sync limit reached");
        self.refuse(connection, reason.to_string(), reason.name());
    }

    /// Whether the chunk `origin`'s message made of `document` may be stored: the size
    /// limits and the device's quotas. Counts it against the quotas if so.
    pub(super) fn admit_chunk(
        &mut self,
        origin: ConnectionId,
        document: &DocumentId,
        len: u64,
        created: &mut HashSet<DocumentId>,
    ) -> Result<(), LimitExceeded> {
        let limits = &self.limits;
        if len > limits.max_change_bytes {
            return Err(LimitExceeded::ChangeTooLarge {
                document: *document,
                limit: limits.max_change_bytes,
            });
        }
        let size = self.sizes.get(document).copied().unwrap_or(0);
        if size + len > limits.max_document_bytes {
            return Err(LimitExceeded::DocumentTooLarge {
                document: *document,
                limit: limits.max_document_bytes,
            });
        }
        let Some(device) = self.identities.get(&origin).map(|w| w.device_id.clone()) else {
            return Ok(());
        };
        let now = Instant::now();
        if size == 0 && created.insert(*document) {
            self.quotas.create(limits, &device, now)?;
        }
        self.quotas.store(limits, &device, len, now)
    }

    /// A write failed: health says so, and the store is probed until it works again.
    pub(super) fn write_failed(&mut self, error: &StoreError) {
        self.health.write_failed(error.to_string());
        if self.retry.is_none() {
            let first = self.limits.retry_first;
            self.retry = Some((tokio::time::Instant::now() + first, first));
        }
    }

    pub(super) fn write_ok(&mut self) {
        if self.retry.is_some() || self.health.failing() {
            tracing::info!("the store accepts writes again");
        }
        self.health.write_ok();
        self.retry = None;
    }

    /// Asks the store to recover (reopen, write a probe); backs off while it cannot.
    pub(super) async fn probe_store(&mut self) {
        match self.store.recover().await {
            Ok(()) => self.write_ok(),
            Err(error) => {
                self.health.write_failed(error.to_string());
                let wait = self
                    .retry
                    .map_or(self.limits.retry_first, |(_, wait)| wait * 2)
                    .min(self.limits.retry_max);
                tracing::warn!(%error, retry_in = ?wait, "the store still fails");
                self.retry = Some((tokio::time::Instant::now() + wait, wait));
            }
        }
    }
}
