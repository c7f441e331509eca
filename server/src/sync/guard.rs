//! A document actor enforcing [`SyncLimits`] and living through store failures: refusing a
//! connection with `error`, admitting a chunk under the size limits and the device's
//! quotas; and the task that probes a failed store with backoff (issue 10).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use shared::sync::{ConnectionId, DocumentId};
use tokio::sync::mpsc;

use super::document::{DocShell, Note};
use super::health::HubHealth;
use super::{LimitExceeded, ServerRules, SyncLimits};
use crate::store::{DocumentStore, StoreError};

impl<S: DocumentStore, R: ServerRules> DocShell<S, R> {
    /// A connection ran out of a limit: the router refuses it (`error`, then close, after
    /// what is queued) and logs which; here it is closed at once.
    pub(super) fn limit_reached(&mut self, connection: ConnectionId, reason: LimitExceeded) {
        self.hub.closed(connection);
        self.peers.remove(&connection);
        let _ = self.notes.send(Note::Limit { connection, reason });
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
        let Some(device) = self
            .peers
            .get(&origin)
            .map(|p| p.identity.device_id.clone())
        else {
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
