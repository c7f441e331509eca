//! How a claim or a confirmation travels between two phones without a network: as the
//! text of a QR code (RFC 9285 base45, which QR codes store in their compact alphanumeric
//! mode), or, where a camera does not work, as a code typed by hand (Crockford base32 in
//! groups, each with a check character that catches a mistyped or swapped character).

use super::{Confirmation, Degree, Unsigned};
use crate::directory::Directory;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// QR text prefixes: a claim, a confirmation.
pub const CLAIM_PREFIX: &str = "DCS1YC:";
pub const CONFIRMATION_PREFIX: &str = "DCS1XN:";

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// RFC 9285 base45.
pub fn base45_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3 / 2 + 2);
    for chunk in bytes.chunks(2) {
        let (mut n, digits) = match chunk {
            [a, b] => (usize::from(*a) * 256 + usize::from(*b), 3),
            [a] => (usize::from(*a), 2),
            _ => continue,
        };
        for _ in 0..digits {
            out.push(char::from(BASE45[n % 45]));
            n /= 45;
        }
    }
    out
}

pub fn base45_decode(text: &str) -> Option<Vec<u8>> {
    let values: Vec<usize> = text
        .bytes()
        .map(|b| BASE45.iter().position(|&c| c == b))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(values.len() * 2 / 3 + 1);
    for chunk in values.chunks(3) {
        match chunk {
            [c, d, e] => {
                let n = c + d * 45 + e * 45 * 45;
                if n > 0xffff {
                    return None;
                }
                out.push((n >> 8) as u8);
                out.push((n & 0xff) as u8);
            }
            [c, d] => {
                let n = c + d * 45;
                if n > 0xff {
                    return None;
                }
                out.push(n as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The QR text of encoded bytes under `prefix`.
pub fn qr_text(prefix: &str, bytes: &[u8]) -> String {
    format!("{prefix}{}", base45_encode(bytes))
}

/// The fragment of a request link (`/xac-nhan#yc=…`) that carries a claim's QR text. A
/// fragment, not a query: the browser never sends it to the server, and the page's HTML
/// stays the same for every claim.
pub const LINK_FRAGMENT: &str = "yc=";

/// The link the cadre sends when the host officer signs later, online: `origin` (e.g.
/// `https://dicoso.example.vn`) + the host page + the claim's QR text, percent-encoded
/// where base45 uses characters a URL does not carry as they are (space, `%`).
pub fn claim_link(origin: &str, claim_qr_text: &str) -> String {
    let mut out = format!("{}/xac-nhan#{LINK_FRAGMENT}", origin.trim_end_matches('/'));
    for c in claim_qr_text.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// The claim's QR text in a request link's fragment (`#yc=…`, with or without the `#`),
/// whatever a messaging app percent-encoded on the way.
pub fn claim_from_fragment(fragment: &str) -> Option<String> {
    let encoded = fragment
        .trim_start_matches('#')
        .strip_prefix(LINK_FRAGMENT)?;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.is_empty())
}

/// The bytes of a QR text, if it starts with `prefix`.
pub fn from_qr_text(prefix: &str, text: &str) -> Option<Vec<u8>> {
    base45_decode(text.trim().strip_prefix(prefix)?)
}

/// The 4-byte fingerprint of a device key (base64url), by which a typed code names it.
pub fn fingerprint(public_key: &str) -> Option<[u8; 4]> {
    let key = URL_SAFE_NO_PAD.decode(public_key).ok()?;
    let digest = Sha256::digest(key);
    digest[..4].try_into().ok()
}

/// What a typed code carries: what the cadre's phone does not already know. The remark is
/// not carried: a device showing a typed code signs the confirmation without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedCode {
    pub degree: Degree,
    /// Minutes since the Unix epoch.
    pub minute: u32,
    pub fingerprint: [u8; 4],
    pub signature: [u8; 64],
}

/// Why a typed code was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypedCodeError {
    #[error("Mã nhập tay có ký tự “{0}” không dùng trong mã.")]
    BadCharacter(char),
    #[error("Nhóm thứ {0} của mã nhập tay có ký tự gõ sai: kiểm tra lại nhóm này.")]
    Typo(usize),
    #[error("Mã nhập tay thiếu hoặc thừa ký tự (cần {expected} nhóm, đã nhập {got}).")]
    Length { expected: usize, got: usize },
    #[error("Mã nhập tay không hợp lệ.")]
    Invalid,
    #[error("Không tìm thấy thiết bị ký mã này trong danh bạ (cần cập nhật danh bạ).")]
    UnknownDevice,
}

/// Crockford's base32 alphabet (no I, L, O, U).
const B32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Data characters per group; each group gets one check character.
const GROUP: usize = 5;
const BYTES: usize = 1 + 4 + 4 + 64;

fn b32_value(c: char) -> Option<usize> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    B32.iter().position(|&b| char::from(b) == c)
}

/// Luhn mod 32 check character of a group: catches every single wrong character and
/// every swap of two adjacent different characters.
fn check_char(values: &[usize]) -> usize {
    let mut sum = 0;
    let mut factor = 2;
    for &v in values.iter().rev() {
        let addend = factor * v;
        sum += addend / 32 + addend % 32;
        factor = if factor == 2 { 1 } else { 2 };
    }
    (32 - sum % 32) % 32
}

impl TypedCode {
    fn bytes(&self) -> Vec<u8> {
        let degree = Degree::ALL
            .iter()
            .position(|d| *d == self.degree)
            .unwrap_or(0);
        let mut out = Vec::with_capacity(BYTES);
        out.push(degree as u8);
        out.extend_from_slice(&self.minute.to_be_bytes());
        out.extend_from_slice(&self.fingerprint);
        out.extend_from_slice(&self.signature);
        out
    }

    /// Groups of five characters and a check character, separated by dashes.
    pub fn encode(&self) -> String {
        let bytes = self.bytes();
        let mut values = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for b in bytes {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                values.push(((acc >> bits) & 31) as usize);
            }
        }
        if bits > 0 {
            values.push(((acc << (5 - bits)) & 31) as usize);
        }
        while values.len() % GROUP != 0 {
            values.push(0);
        }
        values
            .chunks(GROUP)
            .map(|g| {
                let mut s: String = g.iter().map(|&v| char::from(B32[v])).collect();
                s.push(char::from(B32[check_char(g)]));
                s
            })
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Reads a typed code; spaces and dashes are ignored, `O`/`I`/`L` read as `0`/`1`/`1`.
    pub fn parse(text: &str) -> Result<TypedCode, TypedCodeError> {
        let values: Vec<usize> = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| b32_value(c).ok_or(TypedCodeError::BadCharacter(c)))
            .collect::<Result<_, _>>()?;
        let groups = (BYTES * 8).div_ceil(5).div_ceil(GROUP);
        if values.len() != groups * (GROUP + 1) {
            return Err(TypedCodeError::Length {
                expected: groups,
                got: values.len().div_ceil(GROUP + 1),
            });
        }
        let mut data = Vec::with_capacity(groups * GROUP);
        for (i, g) in values.chunks(GROUP + 1).enumerate() {
            if check_char(&g[..GROUP]) != g[GROUP] {
                return Err(TypedCodeError::Typo(i + 1));
            }
            data.extend_from_slice(&g[..GROUP]);
        }
        let mut bytes = Vec::with_capacity(BYTES);
        let (mut acc, mut bits) = (0u32, 0);
        for v in data {
            acc = (acc << 5) | v as u32;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((acc >> bits) & 0xff) as u8);
            }
        }
        bytes.truncate(BYTES);
        if bytes.len() != BYTES {
            return Err(TypedCodeError::Invalid);
        }
        let degree = *Degree::ALL
            .get(usize::from(bytes[0]))
            .ok_or(TypedCodeError::Invalid)?;
        let minute = u32::from_be_bytes(
            bytes[1..5]
                .try_into()
                .map_err(|_| TypedCodeError::Invalid)?,
        );
        Ok(TypedCode {
            degree,
            minute,
            fingerprint: bytes[5..9]
                .try_into()
                .map_err(|_| TypedCodeError::Invalid)?,
            signature: bytes[9..].try_into().map_err(|_| TypedCodeError::Invalid)?,
        })
    }

    /// The code of a confirmation signed without a remark.
    pub fn of(confirmation: &Confirmation, dir: &Directory) -> Option<TypedCode> {
        let device = dir.devices().iter().find(|d| d.id == confirmation.device)?;
        Some(TypedCode {
            degree: confirmation.degree,
            minute: u32::try_from(confirmation.confirmed_at / 60_000).ok()?,
            fingerprint: fingerprint(&device.public_key)?,
            signature: confirmation.signature,
        })
    }

    /// Rebuilds the confirmation of `claim` (which the cadre's phone made) from the code;
    /// [`super::verify`] then checks it like any other.
    pub fn confirmation(
        &self,
        claim: &super::Claim,
        dir: &Directory,
    ) -> Result<Confirmation, TypedCodeError> {
        let device = dir
            .devices()
            .iter()
            .find(|d| fingerprint(&d.public_key) == Some(self.fingerprint))
            .ok_or(TypedCodeError::UnknownDevice)?;
        Ok(Unsigned {
            claim: claim.clone(),
            degree: self.degree,
            remark: String::new(),
            confirmed_at: i64::from(self.minute) * 60_000,
            officer: device.person.clone(),
            device: device.id.clone(),
        }
        .with_signature(self.signature))
    }
}

/// Why what the cadre scanned, pasted or typed is not a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("Chưa có mã: quét mã QR xác nhận, dán nội dung mã, hoặc gõ mã nhập tay.")]
    Empty,
    #[error("Đây là mã xin xác nhận (của cán bộ), không phải mã xác nhận của đơn vị.")]
    ClaimNotConfirmation,
    #[error("Đây là mã xác nhận (của đơn vị), không phải mã xin xác nhận của cán bộ.")]
    ConfirmationNotClaim,
    #[error("Không phải mã xin xác nhận của dicoso.")]
    NotAClaim,
    #[error("Mã QR không đọc được: {0}.")]
    Decode(#[from] super::DecodeError),
    #[error("Mã QR không đọc được: ký tự không thuộc mã.")]
    Base45,
    #[error(transparent)]
    Typed(#[from] TypedCodeError),
    #[error(
        "Mã nhập tay chỉ dùng được trên máy đã tạo mã xin xác nhận: bấm “Tạo mã xin xác nhận” rồi nhập lại."
    )]
    NoClaim,
}

/// Reads a host's confirmation from what the cadre scanned or pasted (QR text) or typed
/// (the typed code, rebuilt from `claim`, the claim this phone showed, and the directory).
/// Only reads: whether it counts is [`super::verify`]'s answer.
pub fn read_confirmation(
    text: &str,
    claim: Option<&super::Claim>,
    dir: Option<&Directory>,
) -> Result<Confirmation, ReadError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ReadError::Empty);
    }
    if text.starts_with(CLAIM_PREFIX) {
        return Err(ReadError::ClaimNotConfirmation);
    }
    if text.starts_with(CONFIRMATION_PREFIX) {
        let bytes = from_qr_text(CONFIRMATION_PREFIX, text).ok_or(ReadError::Base45)?;
        return Ok(Confirmation::decode(&bytes)?);
    }
    let code = TypedCode::parse(text)?;
    let (Some(claim), Some(dir)) = (claim, dir) else {
        return Err(ReadError::NoClaim);
    };
    Ok(code.confirmation(claim, dir)?)
}

/// Reads a cadre's claim from what the host officer scanned or pasted.
pub fn read_claim(text: &str) -> Result<super::Claim, ReadError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ReadError::Empty);
    }
    if text.starts_with(CONFIRMATION_PREFIX) {
        return Err(ReadError::ConfirmationNotClaim);
    }
    if !text.starts_with(CLAIM_PREFIX) {
        return Err(ReadError::NotAClaim);
    }
    let bytes = from_qr_text(CLAIM_PREFIX, text).ok_or(ReadError::Base45)?;
    Ok(super::Claim::decode(&bytes)?)
}
