//! The directory (danh bạ) on the server: provinces, units, people and roles in SQLite;
//! accounts, enrolment and device tokens; the admin operations; and
//! [`DirectoryService`], which the sync endpoint asks who a token is and what a
//! province's directory says (`docs/access.md`).
//!
//! Every change, whether made through the HTTP API or by `dicoso admin` in another
//! process, is written with a row in `directory_changes`; the service follows that log,
//! rebuilds the snapshots it names and broadcasts [`DirectoryEvent`]s, so revoking a
//! device from the command line still closes its live connections.

pub mod accounts;
pub mod admin;
pub mod api;
mod db;
pub mod demo;
pub mod devices;
pub mod enrol;
pub mod import;
pub mod limits;
pub mod secrets;

use crate::store::{Store, StoreError};
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use rusqlite::Connection;
use shared::directory::Directory;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

pub use accounts::{AccountCreated, EnrolmentCode};
pub use admin::{PersonEntry, Scope};
pub use devices::{DeviceEntry, DeviceStatus, Renewed};
pub use enrol::{EnrolRequest, Enrolled};
pub use import::{ImportFiles, ImportReport, Problem};
pub use limits::Limits;

/// Milliseconds since the Unix epoch. Injected so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

pub const DAY_MS: i64 = 24 * 3_600_000;
/// A device token is valid this long after enrolment or renewal.
pub const TOKEN_LIFETIME_MS: i64 = 365 * DAY_MS;
/// A token may be renewed in its last days only.
pub const RENEW_WINDOW_MS: i64 = 30 * DAY_MS;
/// An enrolment code is valid this long.
pub const CODE_LIFETIME_MS: i64 = 7 * DAY_MS;
/// An enrolment's signature must be this close to the server's clock.
pub const SIGNED_AT_SLACK_MS: i64 = shared::auth::MAX_CLOCK_SKEW_MS;
/// How often the running server looks for changes made by other processes.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct DirectoryConfig {
    pub clock: Clock,
    pub limits: Limits,
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig {
            clock: system_clock(),
            limits: Limits::default(),
        }
    }
}

/// Who a valid device token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdentity {
    pub device_id: String,
    /// The person's code.
    pub person: String,
    pub province: String,
}

/// What changed, for live connections to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryEvent {
    /// The device's token is refused from now on: close its connections.
    Revoked { device_id: String, person: String },
    /// Every device of the person is refused from now on (account disabled, or the person
    /// no longer listed by an import): close their connections.
    AccountDisabled { person: String },
    /// The province's snapshot changed (people, roles, devices, actors, policies).
    Changed { province: String, version: u64 },
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Thiết bị chưa đăng nhập, hoặc mã truy cập không đúng. Hãy đăng nhập lại.")]
    Unknown,
    #[error("Thiết bị này đã bị thu hồi quyền truy cập. Hãy liên hệ quản trị của tỉnh đoàn.")]
    Revoked,
    #[error("Mã truy cập của thiết bị đã hết hạn. Hãy đăng nhập lại khi có mạng.")]
    Expired,
    #[error("Tài khoản đã bị khóa. Hãy liên hệ quản trị của tỉnh đoàn.")]
    Disabled,
    #[error("Cán bộ không còn trong danh bạ của tỉnh đoàn.")]
    PersonGone,
    #[error("Máy chủ tạm thời không đọc được danh bạ. Hãy thử lại sau.")]
    Unavailable,
}

/// Why a directory operation failed; `api` maps each to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("Máy chủ tạm thời không đọc, ghi được dữ liệu. Hãy thử lại sau.")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
    #[error(transparent)]
    Hash(#[from] secrets::HashError),
    /// A malformed request; the text says what.
    #[error("{0}")]
    Invalid(String),
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    BadCredentials,
    #[error("Mã đăng ký không đúng, đã dùng hoặc đã hết hạn.")]
    BadCode,
    #[error("Chữ ký của thiết bị không đúng: hãy tải lại trang rồi thử lại.")]
    BadSignature,
    #[error(
        "Đồng hồ của máy lệch quá 10 phút so với máy chủ: hãy chỉnh ngày giờ của máy rồi thử lại."
    )]
    ClockSkew,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("Tài khoản của {0} đã bị khóa. Hãy liên hệ quản trị của tỉnh đoàn.")]
    Disabled(String),
    #[error("{0} không còn trong danh bạ của tỉnh đoàn.")]
    Inactive(String),
    #[error("Chỉ quản trị của tỉnh đoàn được làm việc này.")]
    NotAdmin,
    #[error("Thiết bị của tỉnh {own} không xem được danh bạ của tỉnh {other}.")]
    OtherProvince { own: String, other: String },
    #[error("Không tìm thấy cán bộ “{0}” trong danh bạ.")]
    UnknownPerson(String),
    #[error("Không tìm thấy thiết bị “{0}”.")]
    UnknownDevice(String),
    #[error("Không tìm thấy tỉnh “{0}”.")]
    UnknownProvince(String),
    /// The request clashes with what exists; the text says how.
    #[error("{0}")]
    Conflict(String),
    #[error(
        "Dữ liệu trên máy này (tác nhân {0}) đã được đăng ký cho thiết bị của một người khác. Hãy dùng một hồ sơ mới trên máy."
    )]
    ActorTaken(String),
    #[error("Thử sai quá nhiều lần. Hãy thử lại sau {retry_after_secs} giây.")]
    Throttled { retry_after_secs: u64 },
    #[error("{}", import_summary(.0))]
    Import(Vec<Problem>),
}

fn import_summary(problems: &[Problem]) -> String {
    match problems {
        [one] => format!("Chưa nhập gì vì có 1 lỗi: {one}"),
        [first, ..] => format!(
            "Chưa nhập gì vì có {} lỗi; lỗi đầu tiên: {first}",
            problems.len()
        ),
        [] => "Chưa nhập gì.".into(),
    }
}

/// The day a time falls on in Vietnam (UTC+7), where every province is.
pub fn day_of_ms(ms: i64) -> Option<chrono::NaiveDate> {
    use chrono::TimeZone;
    chrono::FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.timestamp_millis_opt(ms).single())
        .map(|t| t.date_naive())
}

/// A time as a day in Vietnam, dd/mm/yyyy (`shared::verdict::fmt_day`).
pub fn fmt_ms_day(ms: i64) -> String {
    day_of_ms(ms)
        .map(shared::verdict::fmt_day)
        .unwrap_or_default()
}

/// A province's directory, and its snapshot as the JSON `GET /api/directory` sends.
struct Cached {
    dir: Arc<Directory>,
    json: Bytes,
}

/// The directory service: cheap to clone, one per server.
#[derive(Clone)]
pub struct DirectoryService {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    limiter: limits::RateLimiter,
    cache: RwLock<BTreeMap<String, Cached>>,
    events: broadcast::Sender<DirectoryEvent>,
    /// The last `directory_changes.seq` acted on.
    followed: AtomicI64,
    seen: devices::SeenQueue,
}

impl DirectoryService {
    /// Loads every province's directory. Blocks: call at start-up, not from a handler.
    pub fn open(store: Store, config: DirectoryConfig) -> Result<Self, DirectoryError> {
        let (events, _) = broadcast::channel(1024);
        let service = DirectoryService {
            inner: Arc::new(Inner {
                store: store.clone(),
                clock: config.clock,
                limiter: limits::RateLimiter::new(config.limits),
                cache: RwLock::default(),
                events,
                followed: AtomicI64::new(0),
                seen: devices::SeenQueue::default(),
            }),
        };
        let inner = service.inner.clone();
        store.blocking(move |c| {
            let last = db::last_change(c)?;
            for province in db::provinces(c)? {
                inner.rebuild(c, &province)?;
            }
            inner.followed.store(last, Ordering::SeqCst);
            Ok(())
        })?;
        Ok(service)
    }

    /// Follows changes made by other processes (`dicoso admin`) every [`FOLLOW_EVERY`],
    /// for as long as the service lives. Needs a tokio runtime.
    pub fn spawn_follower(&self) {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FOLLOW_EVERY).await;
                let Some(inner) = weak.upgrade() else { break };
                let service = DirectoryService { inner };
                if let Err(e) = service.refresh().await {
                    tracing::warn!(error = %e, "cannot follow directory changes");
                }
                service.flush_seen().await;
            }
        });
    }

    pub fn now(&self) -> i64 {
        (self.inner.clock)()
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn limiter(&self) -> &limits::RateLimiter {
        &self.inner.limiter
    }

    /// The province's directory as devices see it (cheap: a shared pointer).
    pub fn directory(&self, province: &str) -> Option<Arc<Directory>> {
        let cache = self.inner.cache.read().ok()?;
        cache.get(province).map(|c| c.dir.clone())
    }

    /// The province's snapshot as JSON, and its version.
    pub fn snapshot_json(&self, province: &str) -> Option<(Bytes, u64)> {
        let cache = self.inner.cache.read().ok()?;
        cache
            .get(province)
            .map(|c| (c.json.clone(), c.dir.snapshot().version))
    }

    /// Codes of the provinces the server holds.
    pub fn provinces(&self) -> Vec<String> {
        self.inner
            .cache
            .read()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DirectoryEvent> {
        self.inner.events.subscribe()
    }

    /// May this address open another sync connection now? (A burst, then a trickle.)
    pub fn allow_connection(&self, addr: IpAddr) -> bool {
        self.inner.limiter.allow_connection(addr, self.now())
    }

    /// Acts on changes logged since the last call: rebuilds the snapshots they touch and
    /// broadcasts what happened. The operations here call it after they commit.
    pub async fn refresh(&self) -> Result<(), DirectoryError> {
        let inner = self.inner.clone();
        self.inner
            .store
            .with(move |c| inner.follow(c))
            .await
            .map_err(DirectoryError::from)
    }
}

impl Inner {
    /// Reloads `province` into the cache; its `Changed` event if the version moved.
    fn rebuild(
        &self,
        c: &Connection,
        province: &str,
    ) -> Result<Option<DirectoryEvent>, StoreError> {
        let Some(snapshot) = db::load_snapshot(c, province)? else {
            return Ok(None);
        };
        let version = snapshot.version;
        let json = serde_json::to_vec(&snapshot)
            .map_err(|e| StoreError::Unavailable(format!("snapshot of {province}: {e}")))?;
        let mut cache = self
            .cache
            .write()
            .map_err(|_| StoreError::Worker("directory cache poisoned".into()))?;
        let before = cache.get(province).map(|c| c.dir.snapshot().version);
        cache.insert(
            province.to_owned(),
            Cached {
                dir: Arc::new(Directory::new(snapshot)),
                json: Bytes::from(json),
            },
        );
        Ok((before != Some(version)).then(|| DirectoryEvent::Changed {
            province: province.to_owned(),
            version,
        }))
    }

    /// Runs under the connection's lock, so two callers never interleave.
    fn follow(&self, c: &mut Connection) -> Result<(), StoreError> {
        let after = self.followed.load(Ordering::SeqCst);
        let changes = db::changes_after(c, after)?;
        let Some(last) = changes.last().map(|ch| ch.seq) else {
            return Ok(());
        };
        let mut events = Vec::new();
        let mut provinces = std::collections::BTreeSet::new();
        for ch in &changes {
            provinces.insert(ch.province.clone());
            match ch.kind.as_str() {
                "revoke" => events.push(DirectoryEvent::Revoked {
                    device_id: ch.subject.clone(),
                    person: db::device_person(c, &ch.subject)?.unwrap_or_default(),
                }),
                "account-disable" | "person-inactive" => {
                    events.push(DirectoryEvent::AccountDisabled {
                        person: ch.subject.clone(),
                    })
                }
                _ => {}
            }
        }
        let cached: BTreeMap<String, u64> = self
            .cache
            .read()
            .map(|cache| {
                cache
                    .iter()
                    .map(|(p, c)| (p.clone(), c.dir.snapshot().version))
                    .collect()
            })
            .unwrap_or_default();
        for province in &provinces {
            if db::province_version(c, province)? != cached.get(province).copied() {
                events.extend(self.rebuild(c, province)?);
            }
        }
        self.followed.store(last, Ordering::SeqCst);
        for event in events {
            // No receiver is fine: nothing is connected.
            let _ = self.events.send(event);
        }
        Ok(())
    }
}

/// The subprotocol a browser names the token in: `dicoso-token.<token>`.
pub use shared::auth::TOKEN_PROTOCOL_PREFIX;
/// The subprotocol the server answers with.
pub const PROTOCOL: &str = shared::auth::SUBPROTOCOL;

/// The device token of a request: `Authorization: Bearer <t>` (or `Basic` with the token
/// as the password, what Node's `ws` sends for `ws://device:<t>@host`), or (WebSockets,
/// where a browser cannot set headers) the subprotocol `dicoso-token.<t>` in
/// `Sec-WebSocket-Protocol: dicoso.v1, dicoso-token.<t>`. Parsed by `shared::auth`.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    let from = |name, parse: fn(&[u8]) -> Option<String>| {
        headers
            .get_all(name)
            .iter()
            .find_map(|v| parse(v.as_bytes()))
    };
    from(
        header::AUTHORIZATION,
        shared::auth::token_from_authorization,
    )
    .or_else(|| {
        from(
            header::SEC_WEBSOCKET_PROTOCOL,
            shared::auth::token_from_protocols,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_token_comes_from_a_bearer_header_or_the_websocket_subprotocols() {
        let token = "AbC-dEf_0123456789abcdefghijklmnopqrstuvwxy";
        type Headers<'a> = &'a [(&'static str, &'a str)];
        let rows: &[(Headers<'_>, Option<&str>)] = &[
            (
                &[("authorization", &format!("Bearer {token}"))],
                Some(token),
            ),
            (
                &[("authorization", &format!("bearer  {token} "))],
                Some(token),
            ),
            (
                &[(
                    "sec-websocket-protocol",
                    &format!("dicoso.v1, dicoso-token.{token}"),
                )],
                Some(token),
            ),
            (&[("sec-websocket-protocol", "dicoso.v1")], None),
            (&[("authorization", "Basic abc")], None),
            (&[("authorization", "Bearer not a token")], None),
            (&[], None),
        ];
        for (headers, expected) in rows {
            let mut map = HeaderMap::new();
            for (name, value) in *headers {
                map.append(
                    axum::http::HeaderName::from_static(name),
                    HeaderValue::from_str(value).expect("header"),
                );
            }
            assert_eq!(
                token_from_headers(&map).as_deref(),
                *expected,
                "{headers:?}"
            );
        }
    }
}
