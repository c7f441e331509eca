//! Automerge documents and their typed mapping.
//!
//! One document per writer and purpose. So far: a cadre's year of trips ([`DossierDoc`],
//! "hồ sơ đi cơ sở"), kept on the phone and synced. Its id is derived from the cadre's
//! code and the year ([`DossierKey::document_id`]), so every device of the cadre finds
//! the same document without asking anyone.
//!
//! Layout of a dossier document (schema 1):
//! ```text
//! { schema: 1, kind: "cadre-dossier", cadre: "KG-0123", year: 2026,
//!   trips: { <trip id>: { start: "YYYY-MM-DD", end: "YYYY-MM-DD",
//!                         host_unit: str, content_type: str, created_at: ms } } }
//! ```
//! Trips live in a map keyed by an id the writer chose, so two devices adding trips
//! offline merge without conflict. A trip belongs to the year it starts in (as a
//! thematic trip counts in that year, `docs/policies.md`).

use crate::sync::DocumentId;
use crate::verdict::fmt_day;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

pub const SCHEMA_VERSION: u64 = 1;
const KIND_DOSSIER: &str = "cadre-dossier";

/// The actor of every document's first change. With a fixed actor and time, every device
/// that creates "the same" document offline writes byte-identical first changes, so their
/// `trips` maps are one object and neither device's trips hide the other's.
pub const GENESIS_ACTOR: [u8; 16] = *b"dicoso-genesis-1";

/// Longest trip the form accepts; a typo such as 2205 for 2025 should not pass silently.
pub const MAX_TRIP_DAYS: i64 = 62;
pub const MAX_HOST_UNIT_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("dữ liệu trên máy không đọc được: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    #[error("tài liệu không đúng định dạng: {0}")]
    Schema(String),
}

/// Longest cadre code accepted.
pub const MAX_CADRE_CODE_CHARS: usize = 40;

/// Mã cán bộ: the code the provincial Youth Union gives a cadre, e.g. `KG-0123`. Until
/// accounts exist it is what a device says its cadre is; it names the cadre's documents.
/// Stored upper-case, so `kg-0123` and `KG-0123` are one cadre.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CadreCode(String);

/// Why a typed cadre code was refused. Messages are for the cadre, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadreCodeError {
    #[error("Chưa nhập mã cán bộ.")]
    Missing,
    #[error("Mã cán bộ quá dài (tối đa {0} ký tự).")]
    TooLong(usize),
    #[error(
        "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . ({} không hợp lệ).",
        name_char(*.0)
    )]
    BadCharacter(char),
}

/// A character as a person would name it in an error: spaces are invisible in quotes.
fn name_char(c: char) -> String {
    if c.is_whitespace() {
        "có dấu cách".to_owned()
    } else {
        format!("có ký tự “{c}”")
    }
}

impl CadreCode {
    pub fn parse(text: &str) -> Result<CadreCode, CadreCodeError> {
        let code = text.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(CadreCodeError::Missing);
        }
        if let Some(bad) = code
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(CadreCodeError::BadCharacter(bad));
        }
        if code.chars().count() > MAX_CADRE_CODE_CHARS {
            return Err(CadreCodeError::TooLong(MAX_CADRE_CODE_CHARS));
        }
        Ok(CadreCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CadreCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which dossier document: one per cadre and year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DossierKey {
    pub cadre: CadreCode,
    pub year: i32,
}

impl DossierKey {
    /// The key a dossier document carries in its first change (read without wrapping the
    /// document: the sync shell sorts documents it only passes on). `None` for anything
    /// else, and for dossiers written before documents carried it.
    pub fn of(doc: &AutoCommit) -> Option<DossierKey> {
        let cadre = match doc.get(ROOT, "cadre").ok()?? {
            (Value::Scalar(s), _) => CadreCode::parse(s.as_str()?).ok()?,
            _ => return None,
        };
        let year = match doc.get(ROOT, "year").ok()?? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Int(y) => i32::try_from(*y).ok()?,
                ScalarValue::Uint(y) => i32::try_from(*y).ok()?,
                _ => return None,
            },
            _ => return None,
        };
        Some(DossierKey { cadre, year })
    }

    /// The document id every device derives for this cadre and year: the first 16 bytes
    /// of SHA-256 over a versioned, unambiguous name. With the deterministic first change
    /// of [`DossierDoc::new`], two devices that start the year offline write one document.
    pub fn document_id(&self) -> DocumentId {
        let name = format!("dicoso/cadre-dossier/v1\0{}\0{}", self.cadre, self.year);
        let digest = Sha256::digest(name.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        DocumentId::from_bytes(bytes)
    }
}

/// What a user typed for a trip, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripInput {
    pub start: String,
    pub end: String,
    pub host_unit: String,
    pub content_type: String,
}

/// Why a [`TripInput`] was refused. Messages are for the cadre, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TripInputError {
    #[error("Chưa nhập ngày bắt đầu.")]
    MissingStart,
    #[error("Chưa nhập ngày kết thúc.")]
    MissingEnd,
    #[error("Ngày “{0}” không hợp lệ.")]
    BadDate(String),
    #[error("Ngày kết thúc ({end}) trước ngày bắt đầu ({start}).")]
    EndBeforeStart { start: String, end: String },
    #[error("Chuyến đi dài {days} ngày, quá {max} ngày: kiểm tra lại ngày tháng.")]
    TooLong { days: i64, max: i64 },
    #[error("Chưa nhập đơn vị cơ sở đến làm việc.")]
    MissingHostUnit,
    #[error("Tên đơn vị quá dài (tối đa {0} ký tự).")]
    HostUnitTooLong(usize),
    #[error("Chưa chọn nội dung đi cơ sở.")]
    MissingContentType,
    #[error("Nội dung “{0}” không có trong quy định đang áp dụng.")]
    UnknownContentType(String),
}

/// A trip as stored in a cadre's dossier document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TripEntry {
    pub id: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Đơn vị cơ sở: the unit visited.
    pub host_unit: String,
    /// A content-type code of the policy in force ("3.1" … in Kiên Giang).
    pub content_type: String,
    /// Milliseconds since the Unix epoch, as given by the caller.
    pub created_at: i64,
}

impl TripEntry {
    /// Calendar days the trip touches, both ends included.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

impl TripInput {
    /// Checks the input against the content types the policy in force knows.
    pub fn validate(
        &self,
        known_content_types: &[&str],
    ) -> Result<(NaiveDate, NaiveDate), TripInputError> {
        let start = parse_day(&self.start, TripInputError::MissingStart)?;
        let end = parse_day(&self.end, TripInputError::MissingEnd)?;
        if end < start {
            return Err(TripInputError::EndBeforeStart {
                start: fmt_day(start),
                end: fmt_day(end),
            });
        }
        let days = (end - start).num_days() + 1;
        if days > MAX_TRIP_DAYS {
            return Err(TripInputError::TooLong {
                days,
                max: MAX_TRIP_DAYS,
            });
        }
        let host = self.host_unit.trim();
        if host.is_empty() {
            return Err(TripInputError::MissingHostUnit);
        }
        if host.chars().count() > MAX_HOST_UNIT_CHARS {
            return Err(TripInputError::HostUnitTooLong(MAX_HOST_UNIT_CHARS));
        }
        let code = self.content_type.trim();
        if code.is_empty() {
            return Err(TripInputError::MissingContentType);
        }
        if !known_content_types.contains(&code) {
            return Err(TripInputError::UnknownContentType(code.to_owned()));
        }
        Ok((start, end))
    }
}

fn parse_day(text: &str, missing: TripInputError) -> Result<NaiveDate, TripInputError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(missing);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| TripInputError::BadDate(text.to_owned()))
}

/// The trips of a dossier document, with the entries that could not be read kept apart
/// rather than dropped, so nothing a newer app version wrote disappears unseen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripList {
    pub trips: Vec<TripEntry>,
    pub unreadable: Vec<String>,
}

/// A cadre's dossier as an Automerge document.
#[derive(Debug, Clone)]
pub struct DossierDoc {
    doc: AutoCommit,
    /// Heads already written to storage: [`DossierDoc::save_incremental`] starts there.
    /// (AutoCommit's own cursor starts empty after a load and would repeat everything.)
    saved_heads: Vec<ChangeHash>,
}

impl DossierDoc {
    /// A new, empty dossier whose later changes are written by `actor`. Its first change
    /// depends on `key` alone: the same bytes on every device.
    pub fn new(key: &DossierKey, actor: ActorId) -> Self {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(GENESIS_ACTOR));
        // These puts cannot fail on a fresh document; if they ever did, the schema check on
        // load would say so.
        let _ = doc.put(ROOT, "schema", SCHEMA_VERSION);
        let _ = doc.put(ROOT, "kind", KIND_DOSSIER);
        let _ = doc.put(ROOT, "cadre", key.cadre.as_str());
        let _ = doc.put(ROOT, "year", i64::from(key.year));
        let _ = doc.put_object(ROOT, "trips", ObjType::Map);
        doc.commit_with(CommitOptions::default().with_time(0));
        doc.set_actor(actor);
        DossierDoc {
            doc,
            saved_heads: Vec::new(),
        }
    }

    /// Loads a saved document (full save or concatenated incremental saves).
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        let mut doc = AutoCommit::load(bytes)?.with_actor(actor);
        let saved_heads = doc.get_heads();
        let this = DossierDoc { doc, saved_heads };
        this.trips_obj()?;
        Ok(this)
    }

    /// Wraps a document that arrived by sync (or any loaded [`AutoCommit`]).
    pub fn from_automerge(doc: AutoCommit, actor: ActorId) -> Result<Self, DocError> {
        let mut doc = doc.with_actor(actor);
        let saved_heads = doc.get_heads();
        let this = DossierDoc { doc, saved_heads };
        this.trips_obj()?;
        Ok(this)
    }

    /// Which cadre and year the document says it is for; `None` for dossiers written
    /// before documents carried it.
    pub fn key(&self) -> Option<DossierKey> {
        DossierKey::of(&self.doc)
    }

    /// Copies a trip from another dossier under its own id (moving trips between years'
    /// documents, or out of a dossier written before documents had a key).
    pub fn copy_trip(&mut self, trip: &TripEntry) -> Result<(), DocError> {
        self.add_trip(
            &trip.id,
            trip.start,
            trip.end,
            &trip.host_unit,
            &trip.content_type,
            trip.created_at,
        )
    }

    fn trips_obj(&self) -> Result<ObjId, DocError> {
        match self.doc.get(ROOT, "kind")? {
            Some((Value::Scalar(s), _)) if s.as_str() == Some(KIND_DOSSIER) => {}
            _ => return Err(DocError::Schema("không phải hồ sơ đi cơ sở".into())),
        }
        match self.doc.get(ROOT, "trips")? {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(DocError::Schema("thiếu danh sách chuyến đi".into())),
        }
    }

    /// Adds a validated trip under `id` (chosen by the caller, unique per trip).
    pub fn add_trip(
        &mut self,
        id: &str,
        start: NaiveDate,
        end: NaiveDate,
        host_unit: &str,
        content_type: &str,
        now_ms: i64,
    ) -> Result<(), DocError> {
        let trips = self.trips_obj()?;
        let trip = self.doc.put_object(&trips, id, ObjType::Map)?;
        self.doc.put(&trip, "start", start.to_string())?;
        self.doc.put(&trip, "end", end.to_string())?;
        self.doc.put(&trip, "host_unit", host_unit.trim())?;
        self.doc.put(&trip, "content_type", content_type.trim())?;
        self.doc
            .put(&trip, "created_at", ScalarValue::Timestamp(now_ms))?;
        self.doc
            .commit_with(CommitOptions::default().with_time(now_ms / 1000));
        Ok(())
    }

    /// The trips, most recent start first.
    pub fn trips(&self) -> Result<TripList, DocError> {
        let trips = self.trips_obj()?;
        let mut list = TripList::default();
        for id in self.doc.keys(&trips) {
            match self.read_trip(&trips, &id) {
                Some(entry) => list.trips.push(entry),
                None => list.unreadable.push(id),
            }
        }
        list.trips
            .sort_by(|a, b| b.start.cmp(&a.start).then(b.created_at.cmp(&a.created_at)));
        Ok(list)
    }

    fn read_trip(&self, trips: &ObjId, id: &str) -> Option<TripEntry> {
        let trip = match self.doc.get(trips, id).ok()?? {
            (Value::Object(ObjType::Map), obj) => obj,
            _ => return None,
        };
        let text = |key: &str| -> Option<String> {
            match self.doc.get(&trip, key).ok()?? {
                (Value::Scalar(s), _) => s.as_str().map(str::to_owned),
                _ => None,
            }
        };
        let created_at = match self.doc.get(&trip, "created_at").ok()?? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Timestamp(t) | ScalarValue::Int(t) => *t,
                _ => return None,
            },
            _ => return None,
        };
        Some(TripEntry {
            id: id.to_owned(),
            start: text("start")?.parse().ok()?,
            end: text("end")?.parse().ok()?,
            host_unit: text("host_unit")?,
            content_type: text("content_type")?,
            created_at,
        })
    }

    /// The whole document, compacted.
    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.saved_heads = self.doc.get_heads();
        bytes
    }

    /// The changes since the last save, to append to what is stored.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        let bytes = self.doc.save_after(&self.saved_heads);
        self.saved_heads = self.doc.get_heads();
        bytes
    }

    /// Merges another copy of the same document into this one.
    pub fn merge(&mut self, other: &mut DossierDoc) -> Result<(), DocError> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: &[&str] = &["3.1", "3.2", "3.3", "3.4", "3.5"];

    fn input(start: &str, end: &str, host: &str, ct: &str) -> TripInput {
        TripInput {
            start: start.into(),
            end: end.into(),
            host_unit: host.into(),
            content_type: ct.into(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn key() -> DossierKey {
        DossierKey {
            cadre: CadreCode::parse("KG-0123").expect("code"),
            year: 2026,
        }
    }

    #[test]
    fn cadre_code_table() {
        use CadreCodeError::*;
        let rows: &[(&str, Result<&str, CadreCodeError>)] = &[
            ("KG-0123", Ok("KG-0123")),
            ("  kg-0123 ", Ok("KG-0123")),
            ("tn_2018.07", Ok("TN_2018.07")),
            ("", Err(Missing)),
            ("   ", Err(Missing)),
            ("KG 0123", Err(BadCharacter(' '))),
            ("Nguyễn", Err(BadCharacter('ễ'))),
            ("KG/0123", Err(BadCharacter('/'))),
            (&"A".repeat(41), Err(TooLong(40))),
        ];
        assert_eq!(
            BadCharacter(' ').to_string(),
            "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . (có dấu cách không hợp lệ)."
        );
        assert_eq!(
            BadCharacter('/').to_string(),
            "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . (có ký tự “/” không hợp lệ)."
        );
        for (text, expected) in rows {
            let got = CadreCode::parse(text);
            assert_eq!(
                got.as_ref().map(CadreCode::as_str),
                expected.as_ref().map(|s| *s),
                "{text:?}"
            );
        }
    }

    /// Issue 4: every device derives the same id for a cadre's year, different ids for
    /// other cadres or years, and the id never changes between versions (pinned).
    #[test]
    fn dossier_ids_are_derived_from_cadre_and_year() {
        let id = |code: &str, year| {
            DossierKey {
                cadre: CadreCode::parse(code).expect("code"),
                year,
            }
            .document_id()
            .to_string()
        };
        assert_eq!(id("KG-0123", 2026), id("kg-0123", 2026));
        assert_ne!(id("KG-0123", 2026), id("KG-0123", 2025));
        assert_ne!(id("KG-0123", 2026), id("KG-0124", 2026));
        assert_eq!(id("KG-0123", 2026), "Duxb2UcJVqnt1CQQLXTFQpSomQX");
    }

    /// Issue 4: two devices creating the same year's dossier offline write byte-identical
    /// first changes, so after a merge there is one `trips` map holding both devices' trips.
    #[test]
    fn the_first_change_is_the_same_on_every_device() {
        let mut a = DossierDoc::new(&key(), ActorId::from(*b"device-a-0000000"));
        let mut b = DossierDoc::new(&key(), ActorId::from(*b"device-b-0000000"));
        assert_eq!(a.save(), b.save());
        assert_eq!(a.key(), Some(key()));
        let mut other = DossierDoc::new(
            &DossierKey {
                year: 2025,
                ..key()
            },
            ActorId::from(*b"device-a-0000000"),
        );
        assert_ne!(a.save(), other.save());
    }

    /// An input and what validation says of it: the (start, end) days, or the error.
    type Row = (
        TripInput,
        Result<(&'static str, &'static str), TripInputError>,
    );

    #[test]
    fn trip_input_validation_table() {
        use TripInputError::*;
        let rows: &[Row] = &[
            (
                input("2026-03-02", "2026-03-06", "Xã A", "3.1"),
                Ok(("2026-03-02", "2026-03-06")),
            ),
            (
                input("02/03/2026", "02/03/2026", " Xã A ", "3.4"),
                Ok(("2026-03-02", "2026-03-02")),
            ),
            (input("", "2026-03-06", "Xã A", "3.1"), Err(MissingStart)),
            (input("2026-03-02", " ", "Xã A", "3.1"), Err(MissingEnd)),
            (
                input("2026-02-30", "2026-03-06", "Xã A", "3.1"),
                Err(BadDate("2026-02-30".into())),
            ),
            (
                input("2026-03-06", "2026-03-02", "Xã A", "3.1"),
                Err(EndBeforeStart {
                    start: "06/03/2026".into(),
                    end: "02/03/2026".into(),
                }),
            ),
            (
                input("2026-01-01", "2026-12-31", "Xã A", "3.1"),
                Err(TooLong { days: 365, max: 62 }),
            ),
            (
                input("2026-03-02", "2026-03-06", "  ", "3.1"),
                Err(MissingHostUnit),
            ),
            (
                input("2026-03-02", "2026-03-06", &"x".repeat(201), "3.1"),
                Err(HostUnitTooLong(200)),
            ),
            (
                input("2026-03-02", "2026-03-06", "Xã A", ""),
                Err(MissingContentType),
            ),
            (
                input("2026-03-02", "2026-03-06", "Xã A", "9.9"),
                Err(UnknownContentType("9.9".into())),
            ),
        ];
        for (row, expected) in rows {
            let got = row.validate(TYPES);
            let expected = expected.clone().map(|(s, e)| (day(s), day(e)));
            assert_eq!(got, expected, "{row:?}");
        }
    }

    #[test]
    fn trips_survive_save_and_load() {
        let actor = ActorId::from(*b"device-a-0000000");
        let mut doc = DossierDoc::new(&key(), actor.clone());
        doc.add_trip(
            "t1",
            day("2026-03-02"),
            day("2026-03-06"),
            "Xã A",
            "3.1",
            1_000,
        )
        .expect("add");
        doc.add_trip(
            "t2",
            day("2026-04-01"),
            day("2026-04-01"),
            "Chi đoàn ấp B",
            "3.4",
            2_000,
        )
        .expect("add");
        let bytes = doc.save();
        let loaded = DossierDoc::load(&bytes, actor).expect("load");
        let list = loaded.trips().expect("trips");
        assert_eq!(
            list.trips.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["t2", "t1"]
        );
        assert_eq!(list.trips[1].days(), 5);
        assert!(list.unreadable.is_empty());
    }

    #[test]
    fn incremental_saves_concatenate() {
        let actor = ActorId::from(*b"device-a-0000000");
        let mut doc = DossierDoc::new(&key(), actor.clone());
        let mut stored = doc.save();
        doc.add_trip(
            "t1",
            day("2026-03-02"),
            day("2026-03-06"),
            "Xã A",
            "3.1",
            1_000,
        )
        .expect("add");
        stored.extend(doc.save_incremental());
        let mut loaded = DossierDoc::load(&stored, actor.clone()).expect("load");
        assert_eq!(loaded.trips().expect("trips").trips.len(), 1);
        // After a load, an incremental save holds only what changed since.
        assert!(loaded.save_incremental().is_empty());
        loaded
            .add_trip(
                "t2",
                day("2026-04-01"),
                day("2026-04-02"),
                "Xã B",
                "3.2",
                2_000,
            )
            .expect("add");
        let delta = loaded.save_incremental();
        assert!(
            !delta.is_empty() && delta.len() < stored.len(),
            "{} vs {}",
            delta.len(),
            stored.len()
        );
        stored.extend(delta);
        let reloaded = DossierDoc::load(&stored, actor).expect("load");
        assert_eq!(reloaded.trips().expect("trips").trips.len(), 2);
    }

    /// Two devices that create the dossier offline must not hide each other's trips.
    #[test]
    fn independently_created_dossiers_merge_both_trips() {
        let mut a = DossierDoc::new(&key(), ActorId::from(*b"device-a-0000000"));
        let mut b = DossierDoc::new(&key(), ActorId::from(*b"device-b-0000000"));
        a.add_trip(
            "ta",
            day("2026-03-02"),
            day("2026-03-06"),
            "Xã A",
            "3.1",
            1_000,
        )
        .expect("add");
        b.add_trip(
            "tb",
            day("2026-05-02"),
            day("2026-05-03"),
            "Xã B",
            "3.3",
            2_000,
        )
        .expect("add");
        a.merge(&mut b).expect("merge");
        let ids: Vec<_> = a
            .trips()
            .expect("trips")
            .trips
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["tb", "ta"]);
    }

    #[test]
    fn garbage_and_foreign_documents_are_refused() {
        let actor = ActorId::from(*b"device-a-0000000");
        assert!(matches!(
            DossierDoc::load(b"not automerge", actor.clone()),
            Err(DocError::Automerge(_))
        ));
        let mut other = AutoCommit::new();
        other.put(ROOT, "kind", "something-else").expect("put");
        assert!(matches!(
            DossierDoc::load(&other.save(), actor),
            Err(DocError::Schema(_))
        ));
    }
}
