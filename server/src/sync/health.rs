//! What the sync tasks (the router and the document actors) say about themselves, read by
//! `/api/health` without asking them (a stuck task could not answer): how long the oldest
//! of them has been on its current event, whether the router still runs, and the store's
//! last write error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use shared::sync::DocumentId;

/// Written by the hub task, read by anyone.
pub(super) struct HubHealth {
    epoch: Instant,
    /// Milliseconds since `epoch` (plus one) at which the current event was taken; 0 when
    /// the hub waits for events. The oldest unhandled event is at least this old.
    busy_since: AtomicU64,
    stopped: AtomicBool,
    write_error: Mutex<Option<String>>,
    /// Per document actor on an event, when it took it (as `busy_since`).
    documents: Mutex<HashMap<DocumentId, u64>>,
}

impl HubHealth {
    pub(super) fn new() -> Self {
        HubHealth {
            epoch: Instant::now(),
            busy_since: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            write_error: Mutex::new(None),
            documents: Mutex::new(HashMap::new()),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    pub(super) fn busy(&self) {
        self.busy_since.store(self.now_ms(), Ordering::Relaxed);
    }

    pub(super) fn idle(&self) {
        self.busy_since.store(0, Ordering::Relaxed);
    }

    /// A document's actor took an event.
    pub(super) fn document_busy(&self, document: DocumentId) {
        let now = self.now_ms();
        if let Ok(mut busy) = self.documents.lock() {
            busy.insert(document, now);
        }
    }

    pub(super) fn document_idle(&self, document: &DocumentId) {
        if let Ok(mut busy) = self.documents.lock() {
            busy.remove(document);
        }
    }

    pub(super) fn stopped(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    pub(super) fn write_failed(&self, error: String) {
        if let Ok(mut last) = self.write_error.lock() {
            *last = Some(error);
        }
    }

    /// A write succeeded: the store works.
    pub(super) fn write_ok(&self) {
        if let Ok(mut last) = self.write_error.lock() {
            *last = None;
        }
    }

    pub(super) fn failing(&self) -> bool {
        self.write_error.lock().map_or(true, |last| last.is_some())
    }

    pub(super) fn report(&self, stuck_after: Duration) -> SyncHealth {
        let router = self.busy_since.load(Ordering::Relaxed);
        let oldest_document = self
            .documents
            .lock()
            .ok()
            .and_then(|busy| busy.values().min().copied());
        let since = match oldest_document {
            Some(document) if router == 0 || document < router => document,
            _ => router,
        };
        let busy_ms = if since == 0 {
            0
        } else {
            self.now_ms().saturating_sub(since)
        };
        let running = !self.stopped.load(Ordering::Relaxed);
        let write_error = self
            .write_error
            .lock()
            .map_or_else(|_| Some("lock poisoned".to_owned()), |last| last.clone());
        let stuck = !running || u128::from(busy_ms) > stuck_after.as_millis();
        SyncHealth {
            running,
            busy_ms,
            stuck,
            write_error,
        }
    }
}

/// The sync hub's liveness and the store's write health, for `/api/health`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SyncHealth {
    /// The router task is alive.
    pub running: bool,
    /// How long the router or a document actor has been on its current event (the
    /// longest of them; 0: all wait for one): the age of the oldest unhandled event is at
    /// least this.
    pub busy_ms: u64,
    /// Not running, or busy past `SyncLimits::stuck_after`.
    pub stuck: bool,
    /// The store's last write error, until a write (or the hub's probe) succeeds again.
    pub write_error: Option<String>,
}

impl SyncHealth {
    pub fn ok(&self) -> bool {
        !self.stuck && self.write_error.is_none()
    }
}
