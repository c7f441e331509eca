//! A document actor enforcing [`SyncLimits`] and living through store failures: refusing a
//! connection with `error`, admitting a chunk under the size limits and the device's
//! quotas; and the task that probes a failed store with backoff (issue 10).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use shared::sync::{ConnectionId, DocumentId, Message, PeerId};
use tokio::sync::mpsc;

use super::document::DocShell;
use super::health::HubHealth;
use super::{LimitExceeded, ServerRules, SyncLimits};
use crate::store::{DocumentStore, StoreError};

impl<S: DocumentStore, R: ServerRules> DocShell<S, R> {
    /// Refuses a connection that ran out of a limit, and logs which: `error`, then close
    /// (what is queued before it still goes out).
    pub(super) fn over_limit(&mut self, connection: ConnectionId, reason: &LimitExceeded) {
        let device = self
            .identities
            .get(&connection)
            .map(|w| w.device_id.clone())
            .unwrap_or_default();
        tracing::warn!(?connection, %device, limit = reason.name(), %reason, "sync limit reached");
        if let Some(link) = self.links.get(&connection) {
            let error = Message::Error {
                sender_id: self.shared.me.clone(),
                message: reason.to_string(),
                target_id: PeerId::default(),
            };
            // Over budget: it is dropped with its queue anyway.
            let _ = link.push(error.encode());
        }
        self.close_everywhere(connection);
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
        let limits = &self.shared.limits;
        if len > limits.max_change_bytes {
            return Err(LimitExceeded::ChangeTooLarge {
                document: *document,
                limit: limits.max_change_bytes,
            });
        }
        let size = self.size;
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
        // A poisoned lock (a panic elsewhere) counts nothing rather than refusing all.
        let Ok(mut quotas) = self.shared.quotas.lock() else {
            return Ok(());
        };
        if size == 0 && created.insert(*document) {
            quotas.create(limits, &device, now)?;
        }
        quotas.store(limits, &device, len, now)
    }

    /// A write failed: health says so, and the store is probed until it works again.
    pub(super) fn write_failed(&mut self, error: &StoreError) {
        self.shared.health.write_failed(error.to_string());
        let _ = self.shared.wake_recovery.send(());
    }

    pub(super) fn write_ok(&mut self) {
        if self.shared.health.failing() {
            tracing::info!("the store accepts writes again");
            self.shared.health.write_ok();
        }
    }
}

/// Probes the store after a failed write, with backoff, until it works again (or a write
/// succeeded meanwhile); ends when every sync task is gone.
pub(super) async fn recover<S: DocumentStore>(
    store: Arc<S>,
    health: Arc<HubHealth>,
    limits: Arc<SyncLimits>,
    mut woken: mpsc::UnboundedReceiver<()>,
) {
    while woken.recv().await.is_some() {
        let mut wait = limits.retry_first;
        while health.failing() {
            tokio::time::sleep(wait).await;
            while woken.try_recv().is_ok() {}
            if !health.failing() {
                break;
            }
            match store.recover().await {
                Ok(()) => {
                    tracing::info!("the store accepts writes again");
                    health.write_ok();
                }
                Err(error) => {
                    health.write_failed(error.to_string());
                    wait = (wait * 2).min(limits.retry_max);
                    tracing::warn!(%error, retry_in = ?wait, "the store still fails");
                }
            }
        }
    }
}
