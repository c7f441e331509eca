//! The host unit's confirmation of a visit (xác nhận của cơ sở, 000 §IV Bước 3), signed
//! offline by the host officer's enrolled device and checkable by anyone holding the
//! directory: the cadre's phone, offline, and the server. Format: `docs/confirmation-format.md`.
//!
//! The cadre's phone shows a [`Claim`] (what it asks the host to confirm); the host
//! officer's device adds the degree of completion and a remark and signs the whole with
//! its Ed25519 key ([`Confirmation`]); [`verify`] accepts it for a trip only if the
//! signature, the signer's key, the signer's unit and every claimed fact check out.

use crate::directory::{DeviceKey, Directory, Role};
use crate::dossier::Trip;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

pub mod code;

/// The domain tag the signed bytes start with; a new version of the encoding gets a new tag.
pub const CONFIRMATION_TAG: &[u8] = b"dicoso-confirmation-v1";
/// A withdrawal's tag.
pub const WITHDRAWAL_TAG: &[u8] = b"dicoso-withdrawal-v1";
/// Longest free-text field (topic, summary, remark) in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// Mức độ thực hiện: how completely the visit did what was registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Degree {
    /// Hoàn thành tốt.
    Good,
    /// Hoàn thành.
    Done,
    /// Hoàn thành một phần.
    Partial,
    /// Không hoàn thành.
    NotDone,
}

impl Degree {
    pub const ALL: [Degree; 4] = [Degree::Good, Degree::Done, Degree::Partial, Degree::NotDone];

    pub fn code(self) -> &'static str {
        match self {
            Degree::Good => "tot",
            Degree::Done => "dat",
            Degree::Partial => "mot-phan",
            Degree::NotDone => "khong",
        }
    }

    pub fn parse(code: &str) -> Option<Degree> {
        Degree::ALL.into_iter().find(|d| d.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Degree::Good => "Hoàn thành tốt",
            Degree::Done => "Hoàn thành",
            Degree::Partial => "Hoàn thành một phần",
            Degree::NotDone => "Không hoàn thành",
        }
    }

    /// Whether a trip confirmed with this degree was carried out (its days count).
    pub fn carried_out(self) -> bool {
        self != Degree::NotDone
    }
}

/// What the cadre asks the host to confirm (yêu cầu xác nhận).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The cadre's code.
    pub cadre: String,
    pub cadre_name: String,
    /// The trip's id in the cadre's dossier.
    pub trip: String,
    /// The dossier's year.
    pub year: i32,
    /// The host unit's id in the directory.
    pub host_unit: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub content_type: String,
    pub topic: String,
    /// The cadre's one-line summary of the visit.
    pub summary: String,
}

/// Why a claim cannot be made for a trip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("Chọn đơn vị cơ sở trong danh bạ trước khi xin xác nhận (cần mã đơn vị).")]
    NoHostId,
    #[error("Chuyến đi chưa có mã.")]
    NoTripId,
    #[error("{0} quá dài (tối đa {MAX_TEXT_CHARS} ký tự).")]
    TooLong(&'static str),
}

impl Claim {
    /// The claim for a trip of `cadre`'s dossier of `year`.
    pub fn of(
        trip: &Trip,
        cadre: &str,
        cadre_name: &str,
        year: i32,
        summary: &str,
    ) -> Result<Claim, ClaimError> {
        let claim = Claim {
            cadre: cadre.to_owned(),
            cadre_name: cadre_name.to_owned(),
            trip: trip.id.clone().ok_or(ClaimError::NoTripId)?,
            year,
            host_unit: trip.host.id.clone().ok_or(ClaimError::NoHostId)?,
            start: trip.start,
            end: trip.end,
            content_type: trip.content_type.clone(),
            topic: trip.topic.clone().unwrap_or_default(),
            summary: summary.trim().to_owned(),
        };
        if claim.summary.chars().count() > MAX_TEXT_CHARS {
            return Err(ClaimError::TooLong("Tóm tắt"));
        }
        Ok(claim)
    }

    fn write(&self, w: &mut Writer) {
        w.text(&self.cadre);
        w.text(&self.cadre_name);
        w.text(&self.trip);
        w.text(&self.year.to_string());
        w.text(&self.host_unit);
        w.text(&self.start.to_string());
        w.text(&self.end.to_string());
        w.text(&self.content_type);
        w.text(&self.topic);
        w.text(&self.summary);
    }

    fn read(r: &mut Reader<'_>) -> Result<Claim, DecodeError> {
        Ok(Claim {
            cadre: r.text()?,
            cadre_name: r.text()?,
            trip: r.text()?,
            year: r.number()?,
            host_unit: r.text()?,
            start: r.date()?,
            end: r.date()?,
            content_type: r.text()?,
            topic: r.text()?,
            summary: r.text()?,
        })
    }

    /// The claim as bytes (for its QR code).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new(b"dicoso-claim-v1");
        self.write(&mut w);
        w.bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<Claim, DecodeError> {
        let mut r = Reader::new(bytes, b"dicoso-claim-v1")?;
        let claim = Claim::read(&mut r)?;
        r.end()?;
        Ok(claim)
    }
}

/// A host officer's signed confirmation of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub claim: Claim,
    pub degree: Degree,
    pub remark: String,
    /// When the officer confirmed, in milliseconds since the Unix epoch, whole minutes.
    pub confirmed_at: i64,
    /// The officer's person code.
    pub officer: String,
    /// The signing device's id in the directory.
    pub device: String,
    pub signature: [u8; 64],
}

/// The fields an officer's device signs, before it signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned {
    pub claim: Claim,
    pub degree: Degree,
    pub remark: String,
    pub confirmed_at: i64,
    pub officer: String,
    pub device: String,
}

impl Unsigned {
    /// The canonical bytes signed: the tag, then every field, each as a LEB128 length and
    /// its UTF-8 bytes, in the documented order.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(CONFIRMATION_TAG);
        self.claim.write(&mut w);
        w.text(self.degree.code());
        w.text(&self.remark);
        w.text(&(self.confirmed_at - self.confirmed_at.rem_euclid(60_000)).to_string());
        w.text(&self.officer);
        w.text(&self.device);
        w.bytes
    }

    /// Attaches the device's signature of [`signed_bytes`](Self::signed_bytes).
    pub fn with_signature(self, signature: [u8; 64]) -> Confirmation {
        Confirmation {
            claim: self.claim,
            degree: self.degree,
            remark: self.remark,
            confirmed_at: self.confirmed_at - self.confirmed_at.rem_euclid(60_000),
            officer: self.officer,
            device: self.device,
            signature,
        }
    }
}

impl Confirmation {
    pub fn unsigned(&self) -> Unsigned {
        Unsigned {
            claim: self.claim.clone(),
            degree: self.degree,
            remark: self.remark.clone(),
            confirmed_at: self.confirmed_at,
            officer: self.officer.clone(),
            device: self.device.clone(),
        }
    }

    /// The signed bytes followed by the 64-byte signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = self.unsigned().signed_bytes();
        bytes.extend_from_slice(&self.signature);
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<Confirmation, DecodeError> {
        let mut r = Reader::new(bytes, CONFIRMATION_TAG)?;
        let claim = Claim::read(&mut r)?;
        let degree = Degree::parse(&r.text()?).ok_or(DecodeError::Field("degree"))?;
        let remark = r.text()?;
        let confirmed_at: i64 = r.number()?;
        let officer = r.text()?;
        let device = r.text()?;
        let signature: [u8; 64] = r
            .rest()
            .try_into()
            .map_err(|_| DecodeError::Field("signature"))?;
        Ok(Confirmation {
            claim,
            degree,
            remark,
            confirmed_at,
            officer,
            device,
            signature,
        })
    }

    /// A stable id: the first 16 bytes of SHA-256 over the encoding, base64url.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(self.encode());
        URL_SAFE_NO_PAD.encode(&digest[..16])
    }
}

/// A host's signed withdrawal of a confirmation it gave: the trip stops counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// The [`Confirmation::id`] withdrawn.
    pub confirmation: String,
    pub reason: String,
    pub withdrawn_at: i64,
    pub officer: String,
    pub device: String,
    pub signature: [u8; 64],
}

impl Withdrawal {
    pub fn signed_bytes(
        confirmation: &str,
        reason: &str,
        withdrawn_at: i64,
        officer: &str,
        device: &str,
    ) -> Vec<u8> {
        let mut w = Writer::new(WITHDRAWAL_TAG);
        w.text(confirmation);
        w.text(reason);
        w.text(&withdrawn_at.to_string());
        w.text(officer);
        w.text(device);
        w.bytes
    }

    pub fn bytes_to_sign(&self) -> Vec<u8> {
        Withdrawal::signed_bytes(
            &self.confirmation,
            &self.reason,
            self.withdrawn_at,
            &self.officer,
            &self.device,
        )
    }

    /// The signed bytes followed by the signature.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = self.bytes_to_sign();
        bytes.extend_from_slice(&self.signature);
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Option<Withdrawal> {
        let mut r = Reader::new(bytes, WITHDRAWAL_TAG).ok()?;
        Some(Withdrawal {
            confirmation: r.text().ok()?,
            reason: r.text().ok()?,
            withdrawn_at: r.number().ok()?,
            officer: r.text().ok()?,
            device: r.text().ok()?,
            signature: r.rest().try_into().ok()?,
        })
    }
}

/// Why a confirmation does not count. Every reason is its own sentence for the cadre.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("Chữ ký xác nhận không hợp lệ: xác nhận bị giả mạo hoặc bị sửa sau khi ký.")]
    BadSignature,
    #[error("Thiết bị ký xác nhận không có trong danh bạ của tỉnh.")]
    UnknownDevice,
    #[error("Thiết bị ký xác nhận không thuộc người xác nhận ({0}).")]
    DeviceOfAnother(String),
    #[error("Khoá của thiết bị ký đã bị thu hồi trước ngày xác nhận.")]
    KeyRevoked,
    #[error("Xác nhận được ký trước khi thiết bị được đăng ký.")]
    KeyNotYetValid,
    #[error("Người ký ({0}) không phải cán bộ của đơn vị được xác nhận.")]
    NotAnOfficerOfTheUnit(String),
    #[error("Xác nhận dành cho chuyến đi khác, không dùng lại được cho chuyến đi này.")]
    OtherTrip,
    #[error("Xác nhận dành cho cán bộ khác ({0}).")]
    OtherCadre(String),
    #[error("Nội dung đã ký khác chuyến đi: {0}.")]
    Altered(String),
    #[error("Xác nhận đã được cơ sở rút lại: {0}")]
    Withdrawn(String),
}

/// Checks `confirmation` for the trip `trip` of `cadre`'s dossier of `year` against the
/// directory `dir`: the signature by a device key registered to the officer, valid at the
/// confirmation time, the officer an officer of the confirmed unit, and every signed fact
/// the trip's.
pub fn verify(
    confirmation: &Confirmation,
    trip: &Trip,
    cadre: &str,
    year: i32,
    dir: &Directory,
) -> Result<(), Rejection> {
    let c = confirmation;
    let device = dir
        .devices()
        .iter()
        .find(|d| d.id == c.device)
        .ok_or(Rejection::UnknownDevice)?;
    check_signature(device, &c.unsigned().signed_bytes(), &c.signature)?;
    if device.person != c.officer {
        return Err(Rejection::DeviceOfAnother(c.officer.clone()));
    }
    if device.enrolled_at > c.confirmed_at + 60_000 {
        return Err(Rejection::KeyNotYetValid);
    }
    if device.revoked_at.is_some_and(|r| r <= c.confirmed_at) {
        return Err(Rejection::KeyRevoked);
    }
    let claim = &c.claim;
    if claim.cadre != cadre {
        return Err(Rejection::OtherCadre(claim.cadre.clone()));
    }
    if trip.id.as_deref() != Some(claim.trip.as_str()) || claim.year != year {
        return Err(Rejection::OtherTrip);
    }
    let officer_of_unit = dir.has_role(
        &c.officer,
        &Role::HostOfficer {
            unit: claim.host_unit.clone(),
        },
    );
    if !officer_of_unit {
        return Err(Rejection::NotAnOfficerOfTheUnit(c.officer.clone()));
    }
    let mut altered = Vec::new();
    if claim.start != trip.start || claim.end != trip.end {
        altered.push("ngày đi");
    }
    if trip.host.id.as_deref() != Some(claim.host_unit.as_str()) {
        altered.push("đơn vị");
    }
    if claim.content_type != trip.content_type {
        altered.push("nội dung");
    }
    if !altered.is_empty() {
        return Err(Rejection::Altered(altered.join(", ")));
    }
    Ok(())
}

fn check_signature(
    device: &DeviceKey,
    bytes: &[u8],
    signature: &[u8; 64],
) -> Result<(), Rejection> {
    let key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&device.public_key)
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or(Rejection::BadSignature)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| Rejection::BadSignature)?;
    key.verify_strict(bytes, &Signature::from_bytes(signature))
        .map_err(|_| Rejection::BadSignature)
}

/// Checks a withdrawal by the same rules: a registered, unrevoked key of an officer of the
/// confirmed unit.
pub fn verify_withdrawal(
    withdrawal: &Withdrawal,
    confirmation: &Confirmation,
    dir: &Directory,
) -> Result<(), Rejection> {
    let device = dir
        .devices()
        .iter()
        .find(|d| d.id == withdrawal.device)
        .ok_or(Rejection::UnknownDevice)?;
    check_signature(device, &withdrawal.bytes_to_sign(), &withdrawal.signature)?;
    if device.person != withdrawal.officer {
        return Err(Rejection::DeviceOfAnother(withdrawal.officer.clone()));
    }
    if device
        .revoked_at
        .is_some_and(|r| r <= withdrawal.withdrawn_at)
    {
        return Err(Rejection::KeyRevoked);
    }
    if withdrawal.confirmation != confirmation.id() {
        return Err(Rejection::OtherTrip);
    }
    let unit = &confirmation.claim.host_unit;
    if !dir.has_role(
        &withdrawal.officer,
        &Role::HostOfficer { unit: unit.clone() },
    ) {
        return Err(Rejection::NotAnOfficerOfTheUnit(withdrawal.officer.clone()));
    }
    Ok(())
}

/// Why bytes are not a claim or a confirmation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("không phải mã xác nhận của dicoso (hoặc của phiên bản khác)")]
    Tag,
    #[error("mã xác nhận bị cắt ngắn")]
    Truncated,
    #[error("mã xác nhận có trường “{0}” không hợp lệ")]
    Field(&'static str),
    #[error("mã xác nhận có dữ liệu thừa")]
    Trailing,
}

/// Length-prefixed fields after a domain tag and a NUL.
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn new(tag: &[u8]) -> Writer {
        let mut bytes = tag.to_vec();
        bytes.push(0);
        Writer { bytes }
    }

    fn text(&mut self, s: &str) {
        let mut n = s.len();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(byte);
                break;
            }
            self.bytes.push(byte | 0x80);
        }
        self.bytes.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], tag: &[u8]) -> Result<Reader<'a>, DecodeError> {
        let rest = bytes
            .strip_prefix(tag)
            .and_then(|r| r.strip_prefix(&[0]))
            .ok_or(DecodeError::Tag)?;
        Ok(Reader { bytes: rest })
    }

    fn text(&mut self) -> Result<String, DecodeError> {
        let mut n: usize = 0;
        let mut shift = 0;
        loop {
            let (&byte, rest) = self.bytes.split_first().ok_or(DecodeError::Truncated)?;
            self.bytes = rest;
            if shift > 21 {
                return Err(DecodeError::Field("length"));
            }
            n |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if n > 4096 || n > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let (text, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        String::from_utf8(text.to_vec()).map_err(|_| DecodeError::Field("text"))
    }

    fn number<T: std::str::FromStr>(&mut self) -> Result<T, DecodeError> {
        self.text()?
            .parse()
            .map_err(|_| DecodeError::Field("number"))
    }

    fn date(&mut self) -> Result<NaiveDate, DecodeError> {
        self.text()?.parse().map_err(|_| DecodeError::Field("date"))
    }

    fn rest(self) -> &'a [u8] {
        self.bytes
    }

    fn end(self) -> Result<(), DecodeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Trailing)
        }
    }
}

#[cfg(test)]
mod tests;
