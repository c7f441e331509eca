//! The credentials a device presents (`docs/access.md`): its token on the sync upgrade and
//! on API requests, and the enrolment request it signs with its own key. Pure parsing and
//! checking, used by the server and fuzzed (`shared/fuzz`, target `auth`): everything here
//! reads bytes an unauthenticated stranger chose.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

/// The WebSocket subprotocol of dicoso's sync, selected by the server.
pub const SUBPROTOCOL: &str = "dicoso.v1";
/// A browser offers its token as the subprotocol `dicoso-token.<token>` (browsers cannot
/// set headers on a WebSocket).
pub const TOKEN_PROTOCOL_PREFIX: &str = "dicoso-token.";
/// Longest token accepted (ours are 43 characters).
pub const MAX_TOKEN_CHARS: usize = 128;
/// How far an enrolment's `signed_at` may be from the server's clock.
pub const MAX_CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// A token's syntax: base64url without padding, 16 to [`MAX_TOKEN_CHARS`] characters.
pub fn valid_token(token: &str) -> bool {
    (16..=MAX_TOKEN_CHARS).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The token of an `Authorization` header: `Bearer <token>`, or `Basic` with the token as
/// the password (what Node's `ws` sends for a URL `ws://device:<token>@host/sync`).
pub fn token_from_authorization(value: &[u8]) -> Option<String> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim().to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        text.split_once(':')?.1.to_owned()
    } else {
        return None;
    };
    valid_token(&token).then_some(token)
}

/// The token among the subprotocols a WebSocket client offers
/// (`Sec-WebSocket-Protocol: dicoso.v1, dicoso-token.<token>`).
pub fn token_from_protocols(value: &[u8]) -> Option<String> {
    let value = std::str::from_utf8(value).ok()?;
    value
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix(TOKEN_PROTOCOL_PREFIX))
        .filter(|t| valid_token(t))
        .map(str::to_owned)
}

/// The first line of the message a device signs to enrol.
pub const ENROL_CONTEXT: &str = "dicoso-enrol-v1";

/// A device's enrolment request (`POST /api/enrol`), as the app sends it and the server
/// reads it. Its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A one-time enrolment code, instead of a username and password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The device's Ed25519 public key, base64url without padding.
    pub public_key: String,
    /// The Automerge actors (hex) the device writes with.
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub label: String,
    /// When the device signed, in milliseconds since the Unix epoch.
    pub signed_at: i64,
    /// Ed25519 over [`EnrolRequest::signed_bytes`], base64url without padding.
    pub signature: String,
}

impl std::fmt::Debug for EnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolRequest")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("code", &self.code.as_ref().map(|_| "…"))
            .field("public_key", &self.public_key)
            .field("actors", &self.actors)
            .field("label", &self.label)
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// How the person proves who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential<'a> {
    Password {
        username: &'a str,
        password: &'a str,
    },
    Code(&'a str),
}

/// Why an enrolment request is refused before any account is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolError {
    #[error("yêu cầu đăng ký thiết bị không đọc được: {0}")]
    Malformed(String),
    #[error("cần tên đăng nhập và mật khẩu, hoặc một mã đăng ký")]
    NoCredential,
    #[error("khoá công khai của thiết bị không hợp lệ")]
    BadKey,
    #[error("chữ ký của thiết bị không hợp lệ")]
    BadSignature,
    #[error("đồng hồ của thiết bị lệch quá 10 phút so với máy chủ: hãy chỉnh giờ rồi thử lại")]
    ClockSkew,
    #[error("mã tác nhân “{0}” không hợp lệ")]
    BadActor(String),
    #[error("quá nhiều mã tác nhân")]
    TooManyActors,
}

impl EnrolRequest {
    pub fn from_json(bytes: &[u8]) -> Result<EnrolRequest, EnrolError> {
        serde_json::from_slice(bytes).map_err(|e| EnrolError::Malformed(e.to_string()))
    }

    pub fn credential(&self) -> Result<Credential<'_>, EnrolError> {
        match (&self.username, &self.password, &self.code) {
            (Some(u), Some(p), None) if !u.trim().is_empty() => Ok(Credential::Password {
                username: u.trim(),
                password: p,
            }),
            (None, None, Some(c)) if !c.trim().is_empty() => Ok(Credential::Code(c.trim())),
            _ => Err(EnrolError::NoCredential),
        }
    }

    /// The bytes the device signs: `dicoso-enrol-v1`, the username or code as sent, the
    /// public key, the actors joined by commas, and `signed_at`, one per line.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let who = self
            .username
            .as_deref()
            .or(self.code.as_deref())
            .unwrap_or_default();
        format!(
            "{ENROL_CONTEXT}\n{who}\n{}\n{}\n{}",
            self.public_key,
            self.actors.join(","),
            self.signed_at
        )
        .into_bytes()
    }

    /// Checks the request's form, the clock and the signature; returns the public key.
    pub fn verify(&self, now_ms: i64) -> Result<[u8; 32], EnrolError> {
        self.credential()?;
        if self.actors.len() > 16 {
            return Err(EnrolError::TooManyActors);
        }
        if let Some(bad) = self.actors.iter().find(|a| !valid_actor(a)) {
            return Err(EnrolError::BadActor(bad.clone()));
        }
        if self.signed_at.abs_diff(now_ms) > MAX_CLOCK_SKEW_MS.unsigned_abs() {
            return Err(EnrolError::ClockSkew);
        }
        let key: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&self.public_key)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or(EnrolError::BadKey)?;
        let key_v = VerifyingKey::from_bytes(&key).map_err(|_| EnrolError::BadKey)?;
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(&self.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(EnrolError::BadSignature)?;
        key_v
            .verify_strict(&self.signed_bytes(), &Signature::from_bytes(&signature))
            .map_err(|_| EnrolError::BadSignature)?;
        Ok(key)
    }
}

/// An Automerge actor id as hex: 1 to 64 bytes.
pub fn valid_actor(hex: &str) -> bool {
    (2..=128).contains(&hex.len())
        && hex.len().is_multiple_of(2)
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    const TOKEN: &str = "aGVsbG8td29ybGQtdG9rZW4tMTIzNDU2Nzg5MA";

    #[test]
    fn tokens_come_from_either_header() {
        let basic = format!(
            "Basic {}",
            STANDARD.encode(format!("device:{TOKEN}").as_bytes())
        );
        let rows: &[(&str, Option<&str>)] = &[
            (&format!("Bearer {TOKEN}"), Some(TOKEN)),
            (&format!("bearer   {TOKEN} "), Some(TOKEN)),
            (&basic, Some(TOKEN)),
            ("Bearer short", None),
            ("Bearer has spaces in it", None),
            ("Token abc", None),
            ("", None),
        ];
        for (header, expected) in rows {
            assert_eq!(
                token_from_authorization(header.as_bytes()).as_deref(),
                *expected,
                "{header}"
            );
        }
        let offered = format!("dicoso.v1, dicoso-token.{TOKEN}");
        assert_eq!(
            token_from_protocols(offered.as_bytes()).as_deref(),
            Some(TOKEN)
        );
        assert_eq!(token_from_protocols(b"dicoso.v1"), None);
        assert_eq!(token_from_protocols(b"dicoso-token.a/b=c"), None);
    }

    fn signed(key: &SigningKey, now: i64) -> EnrolRequest {
        let mut r = EnrolRequest {
            username: Some("an.nt".into()),
            password: Some("mật khẩu".into()),
            code: None,
            public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
            actors: vec!["0a0b".into()],
            label: "Điện thoại".into(),
            signed_at: now,
            signature: String::new(),
        };
        r.signature = URL_SAFE_NO_PAD.encode(key.sign(&r.signed_bytes()).to_bytes());
        r
    }

    /// Issue 8: an enrolment is signed by the key it registers; anything altered after
    /// signing, a key of another device, or a stale request is refused.
    #[test]
    fn enrolment_requests_are_checked() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let now = 1_800_000_000_000;
        assert_eq!(
            signed(&key, now).verify(now),
            Ok(*key.verifying_key().as_bytes())
        );
        let mut altered = signed(&key, now);
        altered.actors.push("ff".into());
        assert_eq!(altered.verify(now), Err(EnrolError::BadSignature));
        let mut swapped = signed(&key, now);
        swapped.public_key = URL_SAFE_NO_PAD.encode(other.verifying_key().as_bytes());
        assert_eq!(swapped.verify(now), Err(EnrolError::BadSignature));
        assert_eq!(
            signed(&key, now).verify(now + 11 * 60 * 1000),
            Err(EnrolError::ClockSkew)
        );
        let mut neither = signed(&key, now);
        neither.code = Some("ABC".into());
        assert_eq!(neither.verify(now), Err(EnrolError::NoCredential));
        let mut bad_actor = signed(&key, now);
        bad_actor.actors = vec!["xyz".into()];
        assert_eq!(
            bad_actor.verify(now),
            Err(EnrolError::BadActor("xyz".into()))
        );
        assert!(matches!(
            EnrolRequest::from_json(b"{\"public_key\": 1}"),
            Err(EnrolError::Malformed(_))
        ));
    }
}
