//! The browser's sync client: the shell around a client-role [`shared::sync::SyncHub`],
//! moving its frames over a WebSocket to `/sync` and its chunks into IndexedDB.
//!
//! One task owns the hub and handles one event at a time (socket opened, frame, closed,
//! network up or down, a local change, the cadre code set), awaiting each IndexedDB write
//! before the next action: a change that arrived is on the device before anything that
//! depends on it is sent.

use leptos::prelude::*;

/// Whether this device is talking to the dicoso server right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not known yet (on the server, and until the first attempt after hydration).
    Unknown,
    Connecting,
    Online,
    /// The device has a network but the server does not answer.
    ServerUnreachable,
    /// Connected, but the server says it is unwell (`/api/health` answers 503: its sync
    /// is stuck or its writes fail). Issue 10.
    ServerTrouble,
    Offline,
    /// Nobody has enrolled on this device: nothing to sync, and no token to sync with.
    SignedOut,
    /// The server refused this device's token (expired, revoked, account disabled).
    Refused,
}

impl Link {
    pub fn label(self) -> &'static str {
        match self {
            Link::Unknown => "Đang kiểm tra…",
            Link::Connecting => "Đang kết nối…",
            Link::Online => "Trực tuyến",
            Link::ServerUnreachable => "Mất kết nối máy chủ",
            Link::ServerTrouble => "Máy chủ đang gặp sự cố",
            Link::Offline => "Ngoại tuyến",
            Link::SignedOut => "Chưa đăng nhập",
            Link::Refused => "Không được đồng bộ",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Link::Unknown | Link::Connecting => "badge unknown",
            Link::Online => "badge online",
            Link::ServerUnreachable
            | Link::ServerTrouble
            | Link::Offline
            | Link::SignedOut
            | Link::Refused => "badge offline",
        }
    }
}

/// What the badge shows about sync; written by the sync task only.
#[derive(Debug, Clone, Copy)]
pub struct SyncStatus {
    pub link: RwSignal<Link>,
    /// Changes on this device the server has not confirmed (None: not counted yet).
    pub unsynced: RwSignal<Option<usize>>,
    /// When the server last confirmed holding everything this device has (ms since epoch).
    pub last_synced: RwSignal<Option<f64>>,
    /// Why sync last failed, for the user; cleared by the next successful handshake.
    pub error: RwSignal<Option<String>>,
}

impl SyncStatus {
    pub fn new() -> Self {
        SyncStatus {
            link: RwSignal::new(Link::Unknown),
            unsynced: RwSignal::new(None),
            last_synced: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self::new()
    }
}

/// First wait before reconnecting, and the longest.
pub const RETRY_FIRST_MS: f64 = 1_000.0;
pub const RETRY_MAX_MS: f64 = 60_000.0;

/// How long to wait before connection attempt number `attempt` (0 = the first retry):
/// doubling from [`RETRY_FIRST_MS`] up to [`RETRY_MAX_MS`], scaled by `jitter` in [0, 1)
/// to between half and all of it, so phones that lost the same tower do not return in step.
pub fn retry_delay_ms(attempt: u32, jitter: f64) -> f64 {
    let full = (RETRY_FIRST_MS * 2f64.powi(attempt.min(16) as i32)).min(RETRY_MAX_MS);
    full * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// "14:05 23/11/2026" for a time in ms since the epoch, in the device's time zone.
/// (Written out rather than with chrono's `format`, whose strftime machinery would be
/// in the WebAssembly for this one line.)
pub fn fmt_time(offset_minutes: i32, ms: f64) -> String {
    use chrono::{DateTime, Timelike};
    let local_ms = ms as i64 - i64::from(offset_minutes) * 60_000;
    DateTime::from_timestamp_millis(local_ms)
        .map(|t| {
            let t = t.naive_utc();
            format!(
                "{:02}:{:02} {}",
                t.hour(),
                t.minute(),
                shared::verdict::fmt_day(t.date())
            )
        })
        .unwrap_or_default()
}

/// The document whose changes the server refused, from its `error` message ("Máy chủ
/// từ chối thay đổi ở tài liệu <id>: <why>"). (To give way to shared's
/// `ProtocolError::refused_document` when the sync enforcement brings it.)
pub fn refused_document(reason: &shared::sync::ProtocolError) -> Option<shared::sync::DocumentId> {
    let shared::sync::ProtocolError::Remote(message) = reason else {
        return None;
    };
    let rest = message.strip_prefix("Máy chủ từ chối thay đổi ở tài liệu ")?;
    let rest = rest.strip_prefix("automerge:").unwrap_or(rest);
    rest.split(':').next()?.trim().parse().ok()
}

#[cfg(feature = "hydrate")]
pub mod browser;

#[cfg(test)]
mod tests;
