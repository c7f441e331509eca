//! The documents other parties write about one cadre-year (`docs/documents.md`): the host
//! unit's confirmations, the department's review, the standing committee's decisions and
//! HQ's record. Each top-level map holds one entry per subject (a trip, a period, a rule)
//! or per event (a reminder), and each entry is ONE scalar: a JSON decision, or a signed
//! confirmation's base64url encoding. Two people deciding the same subject offline write
//! two concurrent values of one key, which Automerge keeps both of: the reader shows them
//! as a conflict to resolve ([`Entry::conflicts`]), never silently dropping one.

use super::DocError;
use super::key::{DocKey, DocKind};
use crate::confirm::{Confirmation, Withdrawal};
use crate::policy::RuleId;
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Who took a decision and when: every decision records it (and its change's actor says
/// on which device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    /// The decider's person code.
    pub by: String,
    /// Milliseconds since the Unix epoch, the deciding device's clock.
    pub at: i64,
}

/// A department head's decision on a registration period: forwarded to TC-KT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forwarding {
    pub forwarded_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remark: String,
    #[serde(flatten)]
    pub taken: Taken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlineVerdict {
    /// Thông qua.
    Approved,
    /// Trả lại để sửa.
    Returned,
}

/// A department head's decision on a trip's thematic outline (đề cương).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutlineDecision {
    pub verdict: OutlineVerdict,
    pub decided_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remark: String,
    #[serde(flatten)]
    pub taken: Taken,
}

/// A department head's grade of a trip's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// Score /100 of a thematic report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    /// Đảm bảo mục đích, yêu cầu.
    pub purpose_met: bool,
    pub graded_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remark: String,
    #[serde(flatten)]
    pub taken: Taken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ruling {
    Approved,
    Rejected,
}

/// The standing committee's decision on a period's registration (thông báo phê duyệt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRuling {
    pub ruling: Ruling,
    pub decided_on: NaiveDate,
    /// The notice's number (số văn bản).
    pub reference: String,
    #[serde(flatten)]
    pub taken: Taken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripAuthority {
    /// Phân công (Tây Ninh 1.2, 1.4, 1.5; inspection trips).
    Assigned,
    /// Nhiệm vụ đột xuất, outside the deadlines.
    AdHoc,
}

/// The standing committee's decision on one trip: assigned, or decided ad hoc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripRuling {
    pub authority: TripAuthority,
    pub ruling: Ruling,
    pub decided_on: NaiveDate,
    pub reference: String,
    #[serde(flatten)]
    pub taken: Taken,
}

/// A written waiver of a rule (e.g. the two thematic trips), by the competent level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverDecision {
    pub decided_on: NaiveDate,
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(flatten)]
    pub taken: Taken,
}

/// A reminder from HQ: shown on the person's phone; a *written* one (văn bản nhắc nhở,
/// with its reference) counts for the rating (000 §V.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderNote {
    pub date: NaiveDate,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(flatten)]
    pub taken: Taken,
}

/// An exemption HQ recorded (học tập dài hạn, thai sản…): the policy's reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionRecord {
    pub reason: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// A later decision may lift it.
    #[serde(default)]
    pub lifted: bool,
    #[serde(flatten)]
    pub taken: Taken,
}

/// HQ's official rating of the year, frozen: the verdict as it was when confirmed, and the
/// documents' heads it rested on. A re-rating is a new, dated decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingDecision {
    /// `khong_dat`, `dat`, `xuat_sac`, `mien`.
    pub rating: String,
    pub decided_on: NaiveDate,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    /// The verdict JSON confirmed.
    pub verdict: String,
    /// Each source document id with its heads (hex), at the time.
    pub sources: Vec<(String, Vec<String>)>,
    #[serde(flatten)]
    pub taken: Taken,
}

impl Taken {
    /// "Trần Văn Đức, 15/03/2026": who took a decision (their name when `directory`
    /// knows them, else their code) and the day in Vietnam.
    pub fn describe_vi(&self, directory: Option<&crate::directory::Directory>) -> String {
        let name = directory
            .and_then(|d| d.person(&self.by))
            .map_or(self.by.as_str(), |p| p.name.as_str());
        let day = crate::assemble::vietnam_day(self.at);
        format!("{name}, {}", crate::verdict::fmt_day(day))
    }
}

/// ", “remark”", or nothing without one.
fn quoted(remark: &str) -> String {
    if remark.is_empty() {
        String::new()
    } else {
        format!(", “{remark}”")
    }
}

impl OutlineDecision {
    /// "Đề cương: thông qua, “Rõ, khả thi”" (who and when are the page's to add).
    pub fn describe_vi(&self) -> String {
        let verdict = match self.verdict {
            OutlineVerdict::Approved => "thông qua",
            OutlineVerdict::Returned => "trả lại để sửa",
        };
        format!("Đề cương: {verdict}{}", quoted(&self.remark))
    }
}

impl Grade {
    /// "Đánh giá: 85/100, đảm bảo mục đích, yêu cầu, “Thiết thực”".
    pub fn describe_vi(&self) -> String {
        let score = self.score.map(|s| format!("{s}/100, ")).unwrap_or_default();
        let met = if self.purpose_met {
            "đảm bảo mục đích, yêu cầu"
        } else {
            "chưa đảm bảo mục đích, yêu cầu"
        };
        format!("Đánh giá: {score}{met}{}", quoted(&self.remark))
    }
}

impl RatingDecision {
    /// The rating in words ("Xuất sắc"), or as written when this version does not know it.
    pub fn rating_vi(&self) -> String {
        serde_json::from_value::<crate::verdict::Rating>(serde_json::Value::from(
            self.rating.clone(),
        ))
        .map_or_else(|_| self.rating.clone(), |r| r.label_vi().to_owned())
    }

    /// "Xếp loại chính thức: Đạt (ngày 15/12/2026, số 30-QĐ/TĐTN)."
    pub fn describe_vi(&self) -> String {
        let reference = if self.reference.is_empty() {
            String::new()
        } else {
            format!(", số {}", self.reference)
        };
        format!(
            "Xếp loại chính thức: {} (ngày {}{reference}).",
            self.rating_vi(),
            crate::verdict::fmt_day(self.decided_on)
        )
    }
}

/// One entry of a party's document: its current value, and the values written
/// concurrently with it (a conflict to resolve; empty usually).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    /// The trip id, period code, rule id, or event id.
    pub subject: String,
    pub value: T,
    pub conflicts: Vec<T>,
}

/// A party's document read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyView {
    pub confirmations: Vec<Entry<Confirmation>>,
    pub withdrawals: Vec<Entry<Withdrawal>>,
    pub forwardings: Vec<Entry<Forwarding>>,
    pub outlines: Vec<Entry<OutlineDecision>>,
    pub grades: Vec<Entry<Grade>>,
    pub registrations: Vec<Entry<RegistrationRuling>>,
    pub trip_rulings: Vec<Entry<TripRuling>>,
    pub waivers: Vec<Entry<WaiverDecision>>,
    pub reminders: Vec<Entry<ReminderNote>>,
    pub exemptions: Vec<Entry<ExemptionRecord>>,
    pub ratings: Vec<Entry<RatingDecision>>,
    /// `map/entry` of values this version cannot read: kept, never dropped.
    pub unreadable: Vec<String>,
}

/// The map each kind keeps each value in: (kind, map) → how to read its values.
fn map_kind(kind: DocKind, map: &str) -> Option<Slot> {
    use DocKind::*;
    Some(match (kind, map) {
        (CadreDossier, "confirmations") | (HostConfirmations, "confirmations") => {
            Slot::Confirmation
        }
        (HostConfirmations, "withdrawals") => Slot::Withdrawal,
        (DepartmentReview, "registrations") => Slot::Forwarding,
        (DepartmentReview, "outlines") => Slot::Outline,
        (DepartmentReview, "grades") => Slot::Grade,
        (StandingDecisions, "registrations") => Slot::Registration,
        (StandingDecisions, "decisions") => Slot::TripRuling,
        (StandingDecisions, "waivers") => Slot::Waiver,
        (HqRecord, "reminders") => Slot::Reminder,
        (HqRecord, "exemptions") => Slot::Exemption,
        (HqRecord, "ratings") => Slot::Rating,
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum Slot {
    Confirmation,
    Withdrawal,
    Forwarding,
    Outline,
    Grade,
    Registration,
    TripRuling,
    Waiver,
    Reminder,
    Exemption,
    Rating,
}

/// Whether `kind`'s top-level map `map` holds scalar entries (read here) rather than maps.
pub fn scalar_map(kind: DocKind, map: &str) -> bool {
    map_kind(kind, map).is_some()
}

/// Reads the scalar entries of every map of a party's document (or a dossier's
/// `confirmations`).
pub fn read(doc: &AutoCommit, kind: DocKind) -> PartyView {
    let mut view = PartyView::default();
    for map in kind.top_maps() {
        let Some(slot) = map_kind(kind, map) else {
            continue;
        };
        let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(ROOT, *map) else {
            continue;
        };
        for subject in doc.keys(&obj) {
            let values = strings_at(doc, &obj, &subject);
            if !view.push(slot, &subject, &values) {
                view.unreadable.push(format!("{map}/{subject}"));
            }
        }
    }
    view
}

/// How [`read`] would list the entry `subject` of `kind`'s scalar map `map` among the
/// unreadable (`grades/t1`), or `None` if it reads it, there is no such entry, or `map`
/// does not hold scalar entries. One entry alone: for the server's check of a change to it.
pub fn entry_unreadable(
    doc: &AutoCommit,
    kind: DocKind,
    map: &str,
    subject: &str,
) -> Option<String> {
    let slot = map_kind(kind, map)?;
    let Ok(Some((Value::Object(ObjType::Map), obj))) = doc.get(ROOT, map) else {
        return None;
    };
    let values = strings_at(doc, &obj, subject);
    if values.is_empty() && doc.get(&obj, subject).ok()?.is_none() {
        return None;
    }
    (!PartyView::default().push(slot, subject, &values)).then(|| format!("{map}/{subject}"))
}

/// The string values at `obj[subject]` (concurrent ones too); anything else is left out.
fn strings_at(doc: &AutoCommit, obj: &automerge::ObjId, subject: &str) -> Vec<String> {
    doc.get_all(obj, subject)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Scalar(s) => match s.as_ref() {
                ScalarValue::Str(t) => Some(t.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn parse_all<T: for<'de> Deserialize<'de>>(values: &[String]) -> Option<Vec<T>> {
    values
        .iter()
        .map(|v| serde_json::from_str(v).ok())
        .collect()
}

fn decode_all<T>(values: &[String], decode: fn(&[u8]) -> Option<T>) -> Option<Vec<T>> {
    values
        .iter()
        .map(|v| URL_SAFE_NO_PAD.decode(v).ok().and_then(|b| decode(&b)))
        .collect()
}

fn entry<T>(subject: &str, mut values: Vec<T>) -> Option<Entry<T>> {
    // Automerge lists concurrent values with the winner last.
    let value = values.pop()?;
    Some(Entry {
        subject: subject.to_owned(),
        value,
        conflicts: values,
    })
}

impl PartyView {
    fn push(&mut self, slot: Slot, subject: &str, values: &[String]) -> bool {
        macro_rules! json {
            ($field:ident) => {
                parse_all(values)
                    .and_then(|v| entry(subject, v))
                    .map(|e| self.$field.push(e))
                    .is_some()
            };
        }
        match slot {
            Slot::Confirmation => decode_all(values, |b| Confirmation::decode(b).ok())
                .and_then(|v| entry(subject, v))
                .map(|e| self.confirmations.push(e))
                .is_some(),
            Slot::Withdrawal => decode_all(values, crate::confirm::Withdrawal::decode)
                .and_then(|v| entry(subject, v))
                .map(|e| self.withdrawals.push(e))
                .is_some(),
            Slot::Forwarding => json!(forwardings),
            Slot::Outline => json!(outlines),
            Slot::Grade => json!(grades),
            Slot::Registration => json!(registrations),
            Slot::TripRuling => json!(trip_rulings),
            Slot::Waiver => {
                serde_json::from_value::<RuleId>(serde_json::Value::String(subject.to_owned()))
                    .is_ok()
                    && json!(waivers)
            }
            Slot::Reminder => json!(reminders),
            Slot::Exemption => json!(exemptions),
            Slot::Rating => json!(ratings),
        }
    }
}

/// A party's document (or, for its `confirmations`, a cadre's dossier) for writing.
#[derive(Debug, Clone)]
pub struct PartyDoc {
    doc: AutoCommit,
    saved_heads: Vec<ChangeHash>,
}

impl PartyDoc {
    /// A new document, its first changes the same on every device.
    pub fn new(key: &DocKey, actor: ActorId) -> Self {
        PartyDoc {
            doc: key.genesis(actor),
            saved_heads: Vec::new(),
        }
    }

    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        Self::from_automerge(AutoCommit::load(bytes)?, actor)
    }

    pub fn from_automerge(doc: AutoCommit, actor: ActorId) -> Result<Self, DocError> {
        let mut doc = doc.with_actor(actor);
        DocKey::of(&doc)
            .ok_or_else(|| DocError::Schema("không phải tài liệu của dicoso".into()))?;
        let saved_heads = doc.get_heads();
        Ok(PartyDoc { doc, saved_heads })
    }

    pub fn key(&self) -> Option<DocKey> {
        DocKey::of(&self.doc)
    }

    pub fn read(&self) -> PartyView {
        match self.key() {
            Some(key) => read(&self.doc, key.kind),
            None => PartyView::default(),
        }
    }

    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// Writes `value` as the entry `subject` of `map` (a new decision replaces the ones it
    /// was made after, conflicts included).
    fn put(
        &mut self,
        map: &str,
        subject: &str,
        value: String,
        now_ms: i64,
    ) -> Result<(), DocError> {
        let kind = self
            .key()
            .map(|k| k.kind)
            .ok_or_else(|| DocError::Schema("không phải tài liệu của dicoso".into()))?;
        if map_kind(kind, map).is_none() {
            return Err(DocError::Schema(format!(
                "“{map}” không thuộc loại tài liệu này"
            )));
        }
        let obj = match self.doc.get(ROOT, map)? {
            Some((Value::Object(ObjType::Map), obj)) => obj,
            _ => return Err(DocError::Schema(format!("thiếu mục “{map}”"))),
        };
        self.doc.put(&obj, subject, value)?;
        self.doc
            .commit_with(CommitOptions::default().with_time(now_ms / 1000));
        Ok(())
    }

    pub fn put_json<T: Serialize>(
        &mut self,
        map: &str,
        subject: &str,
        value: &T,
        now_ms: i64,
    ) -> Result<(), DocError> {
        let json = serde_json::to_string(value).map_err(|e| DocError::Schema(e.to_string()))?;
        self.put(map, subject, json, now_ms)
    }

    /// Keeps a signed confirmation under its id.
    pub fn put_confirmation(&mut self, c: &Confirmation, now_ms: i64) -> Result<(), DocError> {
        self.put(
            "confirmations",
            &c.id(),
            URL_SAFE_NO_PAD.encode(c.encode()),
            now_ms,
        )
    }

    pub fn put_withdrawal(&mut self, w: &Withdrawal, now_ms: i64) -> Result<(), DocError> {
        self.put(
            "withdrawals",
            &w.confirmation,
            URL_SAFE_NO_PAD.encode(w.encode()),
            now_ms,
        )
    }

    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.saved_heads = self.doc.get_heads();
        bytes
    }

    pub fn save_incremental(&mut self) -> Vec<u8> {
        let bytes = self.doc.save_after(&self.saved_heads);
        self.saved_heads = self.doc.get_heads();
        bytes
    }
}
