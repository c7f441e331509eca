//! What one client may cost the sync server (issue 10): sizes, quotas, connection counts,
//! timeouts and the outgoing byte budget. Each is a setting of [`SyncLimits`]; each refusal
//! is a [`LimitExceeded`], whose text is the `error` message the client gets before the
//! connection closes.
//!
//! Quotas count per device (the authenticated [`super::SyncIdentity`]), in memory: a
//! restart forgives them. Per account once accounts carry quotas of their own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shared::sync::DocumentId;

/// The limits and timeouts of `/sync`. The defaults are for phones on mobile networks
/// syncing dossiers of a few hundred kilobytes.
#[derive(Clone, Debug)]
pub struct SyncLimits {
    /// A document's stored size (its chunks) may not grow past this.
    pub max_document_bytes: u64,
    /// The changes one sync message brings (the chunk they make) may not be larger.
    pub max_change_bytes: u64,
    /// Documents one device may bring into being per hour.
    pub documents_per_hour: u32,
    /// Bytes one device may have stored per day.
    pub bytes_per_day: u64,
    /// Open sync connections from one address.
    pub connections_per_address: usize,
    /// Open sync connections in all.
    pub max_connections: usize,
    /// The first frame (`join`) must arrive within this after the upgrade.
    pub join_timeout: Duration,
    /// The server pings every connection this often; browsers answer by themselves.
    pub ping_every: Duration,
    /// A connection from which nothing (not even a pong) arrives for this long is closed.
    pub idle_timeout: Duration,
    /// A client whose socket accepts nothing for this long is dropped.
    pub send_timeout: Duration,
    /// A client whose unsent frames add up to more than this is dropped.
    pub outgoing_bytes: usize,
    /// The messages waiting for one document's actor may add up to this (frames plus a
    /// little per message); a client whose message would pass it is refused, so a flood
    /// of one busy document is not queued in memory.
    pub document_inbox_bytes: usize,
    /// `/api/health` answers 503 once the hub has been on one event this long.
    pub stuck_after: Duration,
    /// After a failed write the hub probes the store after this, doubling up to
    /// [`retry_max`](Self::retry_max), until a write succeeds again.
    pub retry_first: Duration,
    pub retry_max: Duration,
}

const MIB: u64 = 1024 * 1024;

impl Default for SyncLimits {
    fn default() -> Self {
        SyncLimits {
            // A year's dossier is tens of kilobytes; 16 MiB leaves room for years of edits
            // before compaction and still loads in well under a second.
            max_document_bytes: 16 * MIB,
            // One sync message's changes: a month of offline edits is far below 2 MiB.
            max_change_bytes: 2 * MIB,
            // A cadre has a dossier per year and a few reports: 100 an hour is a script.
            documents_per_hour: 100,
            // 64 MiB a day is thousands of full dossiers.
            bytes_per_day: 64 * MIB,
            // Vietnamese mobile carriers put many phones behind one address (CGNAT), and
            // an office behind one NAT: generous, yet one host cannot take every place.
            connections_per_address: 256,
            // About 135 KB each when idle (issue 10's probe): 10 000 is ~1.3 GB at most.
            max_connections: 10_000,
            // A phone that upgraded sends `join` at once; 10 s covers a slow 3G round trip.
            join_timeout: Duration::from_secs(10),
            // Mobile carriers' NATs forget idle TCP flows after 30 s to a few minutes; a
            // ping every 25 s keeps the flow open and proves the phone is there.
            ping_every: Duration::from_secs(25),
            // Three missed pings: the phone is gone (its own link check, every 30 s, gives
            // up a socket that does not reach the server).
            idle_timeout: Duration::from_secs(80),
            // A phone that stopped reading for 20 s is not coming back on this socket.
            send_timeout: Duration::from_secs(20),
            // Four of the largest frames (4 MiB) in flight to one client.
            outgoing_bytes: 16 * MIB as usize,
            // Two of the largest frames, or thousands of ordinary edits, waiting for one
            // document: past that the document is busy and the sender told to come back.
            document_inbox_bytes: 8 * MIB as usize,
            // Loading and answering the largest document takes well under this.
            stuck_after: Duration::from_secs(10),
            retry_first: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
        }
    }
}

/// Why a client was cut off; the text is what it receives in the `error` message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("Tài liệu {document} vượt giới hạn kích thước {limit} byte của máy chủ.")]
    DocumentTooLarge { document: DocumentId, limit: u64 },
    #[error("Thay đổi ở tài liệu {document} vượt giới hạn {limit} byte cho một lần gửi.")]
    ChangeTooLarge { document: DocumentId, limit: u64 },
    #[error("Thiết bị đã tạo quá giới hạn {limit} tài liệu trong một giờ.")]
    DocumentsPerHour { limit: u32 },
    #[error("Thiết bị đã lưu quá giới hạn {limit} byte trong một ngày.")]
    BytesPerDay { limit: u64 },
    #[error("Quá giới hạn {limit} kết nối đồng bộ từ một địa chỉ.")]
    ConnectionsPerAddress { limit: usize },
    #[error("Máy chủ đã đủ giới hạn {limit} kết nối đồng bộ; hãy thử lại sau.")]
    Connections { limit: usize },
    #[error("Không nhận được lời chào (join) trong {seconds} giây: kết nối bị đóng.")]
    JoinTimeout { seconds: u64 },
    #[error("Kết nối im lặng quá {seconds} giây: kết nối bị đóng.")]
    Idle { seconds: u64 },
    #[error(
        "Tài liệu {document} đang bận: quá {limit} byte chờ xử lý. Kết nối bị đóng, hãy đồng bộ lại sau."
    )]
    DocumentBusy { document: DocumentId, limit: usize },
}

impl LimitExceeded {
    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            LimitExceeded::DocumentTooLarge { .. } => "max_document_bytes",
            LimitExceeded::ChangeTooLarge { .. } => "max_change_bytes",
            LimitExceeded::DocumentsPerHour { .. } => "documents_per_hour",
            LimitExceeded::BytesPerDay { .. } => "bytes_per_day",
            LimitExceeded::ConnectionsPerAddress { .. } => "connections_per_address",
            LimitExceeded::Connections { .. } => "max_connections",
            LimitExceeded::JoinTimeout { .. } => "join_timeout",
            LimitExceeded::Idle { .. } => "idle_timeout",
            LimitExceeded::DocumentBusy { .. } => "document_inbox_bytes",
        }
    }
}

/// A fixed window: `used` since `started`, reset once `period` has passed.
#[derive(Clone, Copy, Debug)]
struct Window {
    started: Instant,
    used: u64,
}

impl Window {
    /// Takes `amount` if it fits under `limit` in the current window.
    fn take(&mut self, now: Instant, period: Duration, amount: u64, limit: u64) -> bool {
        if now.duration_since(self.started) >= period {
            *self = Window {
                started: now,
                used: 0,
            };
        }
        if self.used.saturating_add(amount) > limit {
            return false;
        }
        self.used += amount;
        true
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Per device: documents created this hour, bytes stored today. Owned by the hub task.
#[derive(Default)]
pub(super) struct Quotas {
    devices: HashMap<String, (Window, Window)>,
}

impl Quotas {
    fn windows(&mut self, device: &str, now: Instant) -> &mut (Window, Window) {
        let fresh = Window {
            started: now,
            used: 0,
        };
        self.devices
            .entry(device.to_owned())
            .or_insert((fresh, fresh))
    }

    /// Counts a document `device` brings into being.
    pub(super) fn create(
        &mut self,
        limits: &SyncLimits,
        device: &str,
        now: Instant,
    ) -> Result<(), LimitExceeded> {
        let limit = limits.documents_per_hour;
        if self
            .windows(device, now)
            .0
            .take(now, HOUR, 1, u64::from(limit))
        {
            Ok(())
        } else {
            Err(LimitExceeded::DocumentsPerHour { limit })
        }
    }

    /// Counts bytes `device` has stored.
    pub(super) fn store(
        &mut self,
        limits: &SyncLimits,
        device: &str,
        bytes: u64,
        now: Instant,
    ) -> Result<(), LimitExceeded> {
        let limit = limits.bytes_per_day;
        if self.windows(device, now).1.take(now, DAY, bytes, limit) {
            Ok(())
        } else {
            Err(LimitExceeded::BytesPerDay { limit })
        }
    }
}

/// Open sync connections, in all and per address.
#[derive(Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// Admits connections under the counts of [`SyncLimits`]; shared by the upgrade handlers.
#[derive(Clone, Default)]
pub(super) struct Gate {
    counts: Arc<Mutex<Counts>>,
}

/// One admitted connection; dropping it gives its place back.
pub(super) struct Permit {
    counts: Arc<Mutex<Counts>>,
    addr: IpAddr,
}

impl Gate {
    pub(super) fn admit(&self, limits: &SyncLimits, addr: IpAddr) -> Result<Permit, LimitExceeded> {
        let Ok(mut counts) = self.counts.lock() else {
            return Err(LimitExceeded::Connections {
                limit: limits.max_connections,
            });
        };
        if counts.total >= limits.max_connections {
            return Err(LimitExceeded::Connections {
                limit: limits.max_connections,
            });
        }
        let here = counts.per_address.entry(addr).or_default();
        if *here >= limits.connections_per_address {
            return Err(LimitExceeded::ConnectionsPerAddress {
                limit: limits.connections_per_address,
            });
        }
        *here += 1;
        counts.total += 1;
        Ok(Permit {
            counts: self.counts.clone(),
            addr,
        })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.total = counts.total.saturating_sub(1);
            if let Some(n) = counts.per_address.get_mut(&self.addr) {
                *n -= 1;
                if *n == 0 {
                    counts.per_address.remove(&self.addr);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_refuse_past_the_limit_and_reset_after_their_period() {
        let limits = SyncLimits {
            documents_per_hour: 2,
            bytes_per_day: 10,
            ..SyncLimits::default()
        };
        let mut quotas = Quotas::default();
        let t0 = Instant::now();
        assert!(quotas.create(&limits, "d", t0).is_ok());
        assert!(quotas.create(&limits, "d", t0).is_ok());
        assert_eq!(
            quotas.create(&limits, "d", t0),
            Err(LimitExceeded::DocumentsPerHour { limit: 2 })
        );
        assert!(quotas.create(&limits, "other", t0).is_ok());
        assert!(quotas.create(&limits, "d", t0 + HOUR).is_ok());
        assert!(quotas.store(&limits, "d", 10, t0).is_ok());
        assert!(quotas.store(&limits, "d", 1, t0).is_err());
        assert!(quotas.store(&limits, "d", 1, t0 + DAY).is_ok());
    }

    #[test]
    fn permits_count_connections_and_give_them_back() {
        let limits = SyncLimits {
            connections_per_address: 1,
            max_connections: 2,
            ..SyncLimits::default()
        };
        let gate = Gate::default();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let c: IpAddr = "192.0.2.3".parse().expect("ip");
        let first = gate.admit(&limits, a).expect("first");
        assert!(matches!(
            gate.admit(&limits, a),
            Err(LimitExceeded::ConnectionsPerAddress { limit: 1 })
        ));
        let _second = gate.admit(&limits, b).expect("second");
        assert!(matches!(
            gate.admit(&limits, c),
            Err(LimitExceeded::Connections { limit: 2 })
        ));
        drop(first);
        assert!(gate.admit(&limits, a).is_ok());
    }
}
