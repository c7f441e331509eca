//! What the app and the server say to each other about people and devices (the "HTTP API"
//! of `docs/access.md`), and the small pure pieces around it: base64url, the signed
//! enrolment message, PIN rules, the device's label, Vietnamese errors. No I/O here, so it
//! is tested natively.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize};
use shared::directory::Role;

/// The WebSocket subprotocol the server selects; the token rides in a second one.
pub use shared::auth::SUBPROTOCOL as SYNC_PROTOCOL;
pub use shared::auth::{EnrolRequest, TOKEN_PROTOCOL_PREFIX};
/// A token is renewed once it has this little left (`POST /api/device/renew`).
pub const RENEW_WITHIN_MS: i64 = 30 * 24 * 3600 * 1000;

/// base64url without padding (RFC 4648 §5), as the server writes keys, signatures and
/// tokens. The `base64` crate `shared` already ships in the front end.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The inverse of [`base64url`]; `None` for anything else (padding, other alphabets).
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// How a person proves who they are when enrolling a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Password {
        username: String,
        password: String,
    },
    /// A one-time enrolment code (mã đăng ký) an admin handed out.
    Code(String),
}

impl Credentials {
    /// What the signed message names: the username or the code.
    pub fn identifier(&self) -> &str {
        match self {
            Credentials::Password { username, .. } => username,
            Credentials::Code(code) => code,
        }
    }
}

/// The enrolment request for `credentials`, not yet signed: the device signs its
/// [`EnrolRequest::signed_bytes`] and fills `signature`.
pub fn enrol_request(
    credentials: &Credentials,
    public_key: String,
    actors: Vec<String>,
    label: String,
    signed_at: i64,
) -> EnrolRequest {
    let (username, password, code) = match credentials {
        Credentials::Password { username, password } => {
            (Some(username.clone()), Some(password.clone()), None)
        }
        Credentials::Code(code) => (None, None, Some(code.clone())),
    };
    EnrolRequest {
        username,
        password,
        code,
        public_key,
        actors,
        label,
        signed_at,
        signature: String::new(),
    }
}

/// A person as the account API describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub job: String,
    #[serde(default, deserialize_with = "roles")]
    pub roles: Vec<Role>,
}

impl PersonRef {
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceRef {
    pub code: String,
    pub name: String,
}

/// The answer to a successful enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnrolAnswer {
    pub device_id: String,
    pub token: String,
    #[serde(deserialize_with = "timestamp")]
    pub expires_at: i64,
    pub person: PersonRef,
    pub province: ProvinceRef,
}

/// `GET /api/device`: what the server thinks of this device's token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceAnswer {
    #[serde(default)]
    pub device_id: String,
    #[serde(default, deserialize_with = "timestamp_or_zero")]
    pub expires_at: i64,
    pub status: DeviceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceStatus {
    Active,
    Revoked,
    Expired,
    Disabled,
}

/// `POST /api/device/renew`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RenewAnswer {
    pub token: String,
    #[serde(deserialize_with = "timestamp")]
    pub expires_at: i64,
}

/// Every error body: `{"error": "<Vietnamese>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// Roles come as `{"role": "department-head", "department": "BTC"}` or in their CSV form
/// `"department-head:BTC"`; unknown ones are skipped (a newer server may add some).
fn roles<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Role>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(values
        .into_iter()
        .filter_map(|v| match v {
            serde_json::Value::String(text) => Role::parse(&text).ok(),
            other => serde_json::from_value(other).ok(),
        })
        .collect())
}

/// A time as milliseconds since the epoch, given as a number or an RFC 3339 text.
fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("time out of range")),
        serde_json::Value::String(text) => chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| t.timestamp_millis())
            .map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom(
            "a time must be a number or a text",
        )),
    }
}

fn timestamp_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(timestamp(d).unwrap_or(0))
}

/// Why something about the account failed, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("Máy đang ngoại tuyến: cần có mạng để đăng nhập lần đầu trên máy này.")]
    Offline,
    #[error("Không kết nối được máy chủ: kiểm tra mạng rồi thử lại.")]
    Network,
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    WrongPassword,
    #[error(
        "Mã đăng ký không dùng được: sai, đã dùng hoặc đã hết hạn. Xin quản trị viên cấp mã mới."
    )]
    BadCode,
    #[error("Tài khoản đã bị khoá: liên hệ quản trị viên của Tỉnh Đoàn.")]
    Disabled,
    #[error("Đã thử quá nhiều lần: thử lại sau {0} giây.")]
    Throttled(u64),
    #[error("Máy chủ từ chối: {0}")]
    Refused(String),
    #[error("Máy chủ trả lời lỗi {0}: {1}")]
    Server(u16, String),
    #[error("Câu trả lời của máy chủ không đọc được ({0}).")]
    BadAnswer(String),
    #[error(
        "Trình duyệt này không tạo được khoá bảo mật cho máy (Ed25519): hãy cập nhật trình duyệt ({0})."
    )]
    NoCrypto(String),
    #[error("Nhập tên đăng nhập và mật khẩu.")]
    MissingPassword,
    #[error("Nhập mã đăng ký do quản trị viên cấp.")]
    MissingCode,
    #[error("Mã PIN gồm 4 đến 6 chữ số.")]
    BadPin,
    #[error("Hai lần nhập mã PIN không khớp.")]
    PinMismatch,
    #[error("Mã PIN không đúng.")]
    WrongPin,
    #[error("Nhập sai mã PIN nhiều lần: thử lại sau {0} giây.")]
    PinThrottled(u64),
    #[error("Chưa đăng nhập trên máy này.")]
    SignedOut,
    #[error("Cần quyền quản trị của Tỉnh Đoàn.")]
    NotAdmin,
    /// Reading or writing the device's own storage (already Vietnamese).
    #[error("{0}")]
    Storage(String),
}

/// The error for a failed enrolment's HTTP answer.
pub fn enrol_error(
    status: u16,
    credentials: &Credentials,
    retry_after: Option<u64>,
    body: &str,
) -> AccountError {
    let said = serde_json::from_str::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default();
    match status {
        401 => match credentials {
            Credentials::Password { .. } => AccountError::WrongPassword,
            Credentials::Code(_) => AccountError::BadCode,
        },
        403 => AccountError::Disabled,
        429 => AccountError::Throttled(retry_after.unwrap_or(60)),
        400 | 409 if !said.is_empty() => AccountError::Refused(said),
        _ => api_error(status, retry_after, body),
    }
}

/// The error for any other API answer that is not a success.
pub fn api_error(status: u16, retry_after: Option<u64>, body: &str) -> AccountError {
    let said = serde_json::from_str::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default();
    match status {
        429 => AccountError::Throttled(retry_after.unwrap_or(60)),
        401 => AccountError::Refused(if said.is_empty() {
            "phiên đăng nhập trên máy này không còn dùng được: đăng nhập lại.".to_owned()
        } else {
            said
        }),
        403 if said.is_empty() => AccountError::NotAdmin,
        400..=499 if !said.is_empty() => AccountError::Refused(said),
        _ => AccountError::Server(status, if said.is_empty() { body.into() } else { said }),
    }
}

/// Why sync is refused, after `GET /api/device` answered: what the person reads, and
/// whether logging in again fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessProblem {
    pub message: String,
    pub relogin: bool,
}

/// `None` when the device is fine (the socket failed for another reason).
pub fn access_problem(status: Option<DeviceStatus>) -> Option<AccessProblem> {
    let (message, relogin) = match status {
        Some(DeviceStatus::Active) => return None,
        Some(DeviceStatus::Expired) => (
            "Phiên đăng nhập trên máy này đã hết hạn: đăng nhập lại để đồng bộ",
            true,
        ),
        Some(DeviceStatus::Revoked) => (
            "Máy này đã bị thu hồi quyền đồng bộ: đăng nhập lại để đồng bộ. Dữ liệu trên máy vẫn còn.",
            true,
        ),
        Some(DeviceStatus::Disabled) => (
            "Tài khoản đã bị khoá nên không đồng bộ được: liên hệ quản trị viên của Tỉnh Đoàn. Dữ liệu trên máy vẫn còn.",
            false,
        ),
        // The server does not know the token at all (401).
        None => (
            "Máy chủ không nhận phiên đăng nhập của máy này: đăng nhập lại để đồng bộ",
            true,
        ),
    };
    Some(AccessProblem {
        message: message.to_owned(),
        relogin,
    })
}

/// A PIN is 4 to 6 ASCII digits.
pub fn check_pin(pin: &str, again: &str) -> Result<(), AccountError> {
    if !(4..=6).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccountError::BadPin);
    }
    if pin != again {
        return Err(AccountError::PinMismatch);
    }
    Ok(())
}

/// How long to wait after `failures` wrong PINs in a row, in seconds: free for the first
/// four, then doubling from 30 s. Asked on a shared phone, not a lock against theft.
pub fn pin_wait_seconds(failures: u32) -> u64 {
    match failures {
        0..=4 => 0,
        n => 30u64 << (n - 5).min(6),
    }
}

/// The label a person recognises their device by, from the browser's user agent.
pub fn device_label(user_agent: &str) -> String {
    let os = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("máy không rõ", |(_, name)| name);
    let browser = [
        ("EdgA/", "Edge"),
        ("Edg/", "Edge"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("trình duyệt", |(_, name)| name);
    format!("{browser} trên {os}")
}

/// The enrolment code in a URL fragment `#ma=<code>` (what the admin's QR code opens).
pub fn code_from_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix("ma="))
        .map(|code| code.trim().to_owned())
        .filter(|code| !code.is_empty())
}

#[cfg(test)]
mod tests;
