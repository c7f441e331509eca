//! The cadre's dossier document (hồ sơ đi cơ sở), schema 2: registrations, trips and chi
//! đoàn meetings, everything the cadre writes about their year. Layout and rules:
//! `docs/documents.md`.
//!
//! Reads give the domain's own types ([`crate::dossier::Trip`], [`ChiDoanMeeting`]); what
//! other parties decide (approval, confirmation, grade) is not here but in their
//! documents, and [`crate::assemble`] combines them. Writes touch only the fields that
//! changed, so two devices editing different fields of one trip offline both keep theirs.

use super::{DocError, DossierKey};
use fields::{Fields, Writer};
pub use request::ConfirmationRequest;

mod fields;
mod reader;
mod request;
use crate::dossier::{
    Approval, ChiDoanMeeting, DifficultySolved, Evidence, EvidenceKind, GroupMember, HostUnit,
    Outline, Trip, TripGroup, TripReport, TripStatus,
};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};
use chrono::NaiveDate;
use reader::Reader;
pub use reader::entry_unreadable;
use serde::{Deserialize, Serialize};

/// The schema new dossiers are written in.
pub const SCHEMA_VERSION: u64 = 2;

/// How the cadre says a trip was authorised.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// In the period's registration (đăng ký theo đợt).
    #[default]
    Registration,
    /// Assigned by the standing committee (phân công).
    Assigned,
    /// An ad-hoc task decided outside the deadlines (nhiệm vụ đột xuất).
    AdHoc,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Registration => "registration",
            Basis::Assigned => "assigned",
            Basis::AdHoc => "ad_hoc",
        }
    }

    pub fn parse(text: &str) -> Option<Basis> {
        [Basis::Registration, Basis::Assigned, Basis::AdHoc]
            .into_iter()
            .find(|b| b.as_str() == text)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Basis::Registration => "Theo đăng ký",
            Basis::Assigned => "Thường trực phân công",
            Basis::AdHoc => "Nhiệm vụ đột xuất",
        }
    }
}

pub fn status_str(s: TripStatus) -> &'static str {
    match s {
        TripStatus::Planned => "planned",
        TripStatus::Done => "done",
        TripStatus::Incomplete => "incomplete",
        TripStatus::Cancelled => "cancelled",
    }
}

pub fn parse_status(text: &str) -> Option<TripStatus> {
    [
        TripStatus::Planned,
        TripStatus::Done,
        TripStatus::Incomplete,
        TripStatus::Cancelled,
    ]
    .into_iter()
    .find(|s| status_str(*s) == text)
}

pub fn evidence_kind_str(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::EmulationRanking => "emulation_ranking",
        EvidenceKind::Project => "project",
        EvidenceKind::Model => "model",
        EvidenceKind::Data => "data",
        EvidenceKind::HostConfirmation => "host_confirmation",
        EvidenceKind::Other => "other",
    }
}

/// A trip as the cadre recorded it: the domain's trip (its `approval` says what the
/// cadre claims; [`crate::assemble`] decides), with what only the document knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripRecord {
    pub trip: Trip,
    pub basis: Basis,
    /// Milliseconds since the Unix epoch, as the creating device's clock said.
    pub created_at: i64,
    /// False for trips written by schema 1, which did not record the host's level.
    pub host_level_known: bool,
}

impl TripRecord {
    pub fn id(&self) -> &str {
        self.trip.id.as_deref().unwrap_or_default()
    }
}

/// One registration sent for a period (đăng ký đi cơ sở): the planned trips it listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: String,
    pub period: String,
    pub submitted_on: NaiveDate,
    pub trips: Vec<String>,
    pub created_at: i64,
}

/// A chi đoàn meeting as recorded; a cancelled entry stays, marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub meeting: ChiDoanMeeting,
    pub cancelled: bool,
    pub created_at: i64,
}

/// Everything a cadre's dossier document holds, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreYear {
    pub key: DossierKey,
    pub schema: u64,
    /// Newest start first.
    pub trips: Vec<TripRecord>,
    /// Oldest first.
    pub submissions: Vec<Submission>,
    /// Newest first.
    pub meetings: Vec<MeetingRecord>,
    /// Host confirmations the cadre's phone received (scanned or typed): what they are
    /// worth is decided by [`crate::confirm::verify`], not by who holds them.
    pub confirmations: Vec<crate::confirm::Confirmation>,
    /// The cadre's requests for the host's confirmation, by trip id.
    pub requests: std::collections::BTreeMap<String, ConfirmationRequest>,
    /// Entries this version cannot read (`trips/<id>`…): kept in the document, shown as
    /// such, never dropped.
    pub unreadable: Vec<String>,
}

impl CadreYear {
    pub fn trip(&self, id: &str) -> Option<&TripRecord> {
        self.trips.iter().find(|t| t.id() == id)
    }
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
    /// A new, empty dossier whose later changes are written by `actor`. Its first changes
    /// depend on `key` alone: the same bytes on every device.
    pub fn new(key: &DossierKey, actor: ActorId) -> Self {
        DossierDoc {
            doc: key.doc_key().genesis(actor),
            saved_heads: Vec::new(),
        }
    }

    /// Loads a saved document (full save or concatenated incremental saves).
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self, DocError> {
        Self::from_automerge(AutoCommit::load(bytes)?, actor)
    }

    /// Wraps a document that arrived by sync (or any loaded [`AutoCommit`]).
    pub fn from_automerge(doc: AutoCommit, actor: ActorId) -> Result<Self, DocError> {
        let mut doc = doc.with_actor(actor);
        let saved_heads = doc.get_heads();
        let this = DossierDoc { doc, saved_heads };
        this.key()
            .ok_or_else(|| DocError::Schema("không phải hồ sơ đi cơ sở".into()))?;
        this.map("trips")?;
        Ok(this)
    }

    pub fn automerge(&self) -> &AutoCommit {
        &self.doc
    }

    /// Which cadre and year the document is for.
    pub fn key(&self) -> Option<DossierKey> {
        DossierKey::of(&self.doc)
    }

    pub fn schema(&self) -> u64 {
        schema_of(&self.doc)
    }

    /// Brings a schema-1 dossier to schema 2 with the deterministic upgrade change (the
    /// same bytes on every device); a no-op otherwise. Writes call it first.
    pub fn upgrade(&mut self) -> Result<(), DocError> {
        if self.schema() >= SCHEMA_VERSION {
            return Ok(());
        }
        let key = self
            .key()
            .ok_or_else(|| DocError::Schema("không phải hồ sơ đi cơ sở".into()))?;
        if let Some(change) = key.doc_key().upgrade_change() {
            self.doc.apply_changes([change])?;
        }
        Ok(())
    }

    fn map(&self, name: &str) -> Result<ObjId, DocError> {
        Reader { doc: &self.doc }.map(name)
    }

    fn entry(&self, parent: &ObjId, key: &str) -> Option<ObjId> {
        Reader { doc: &self.doc }.entry(parent, key)
    }

    /// Everything the document holds, read into the domain's types.
    pub fn read(&self) -> Result<CadreYear, DocError> {
        read(&self.doc)
    }

    // --- writes ------------------------------------------------------------------------

    /// Creates or updates the trip `record.trip.id` (chosen by the caller, unique per
    /// trip), writing only the fields that differ from what is stored. `now_ms` dates a
    /// new trip and the change. The caller validated the trip (`crate::form`).
    pub fn put_trip(&mut self, record: &TripRecord, now_ms: i64) -> Result<(), DocError> {
        self.upgrade()?;
        let id = record
            .trip
            .id
            .as_deref()
            .ok_or_else(|| DocError::Schema("chuyến đi thiếu mã".into()))?;
        let trips = self.map("trips")?;
        let t = &record.trip;
        let obj = match self.entry(&trips, id) {
            Some(obj) => obj,
            None => {
                let obj = self.doc.put_object(&trips, id, ObjType::Map)?;
                // Created with the trip, by this device alone: never two copies.
                self.doc.put_object(&obj, "group", ObjType::Map)?;
                self.doc.put_object(&obj, "evidence", ObjType::Map)?;
                self.doc
                    .put(&obj, "created_at", ScalarValue::Timestamp(now_ms))?;
                obj
            }
        };
        let mut w = Writer {
            doc: &mut self.doc,
            obj: &obj,
        };
        w.text("start", Some(t.start.to_string()))?;
        w.text("end", Some(t.end.to_string()))?;
        w.text("host_unit", Some(t.host.name.trim().to_owned()))?;
        w.text("host_id", t.host.id.clone())?;
        w.text(
            "host_level",
            (record.host_level_known || !t.host.level.is_empty()).then(|| t.host.level.clone()),
        )?;
        w.text("content_type", Some(t.content_type.clone()))?;
        w.text("topic", t.topic.clone())?;
        w.text("notes", t.notes.clone())?;
        w.flag("thematic", t.thematic)?;
        w.flag("three_together", t.three_together)?;
        w.flag("invitation_only", t.invitation_only)?;
        w.text("basis", Some(record.basis.as_str().to_owned()))?;
        w.text("status", Some(status_str(t.status).to_owned()))?;
        w.text("outline_title", t.outline.as_ref().map(|o| o.title.clone()))?;
        w.text(
            "outline",
            t.outline
                .as_ref()
                .map(|o| o.text.clone())
                .filter(|s| !s.is_empty()),
        )?;
        let r = t.report.as_ref();
        w.text("report_on", r.map(|r| r.submitted_on.to_string()))?;
        w.text("report_result", r.and_then(|r| r.result.clone()))?;
        w.text("report_proposals", r.and_then(|r| r.proposals.clone()))?;
        w.text("report_product", r.and_then(|r| r.product.clone()))?;
        w.text("group_leader", t.group.as_ref().map(|g| g.leader.clone()))?;
        w.text(
            "difficulty",
            t.difficulty_solved.as_ref().map(|d| d.description.clone()),
        )?;
        // Members and evidence: one JSON scalar per entry in maps made with the trip.
        let members: Vec<(String, String)> = t
            .group
            .iter()
            .flat_map(|g| &g.members)
            .map(|m| {
                let json = serde_json::to_string(&MemberJson {
                    name: m.name.clone(),
                    role: m.role.clone(),
                    task: m.task.clone(),
                })
                .unwrap_or_default();
                (m.id.clone(), json)
            })
            .collect();
        self.put_entries(&obj, "group", &members)?;
        let evidence: Vec<(String, String)> = t
            .difficulty_solved
            .iter()
            .flat_map(|d| &d.evidence)
            .enumerate()
            .map(|(i, e)| {
                let json = serde_json::to_string(&EvidenceJson {
                    kind: evidence_kind_str(e.kind).to_owned(),
                    description: e.description.clone(),
                })
                .unwrap_or_default();
                (format!("{i:03}"), json)
            })
            .collect();
        self.put_entries(&obj, "evidence", &evidence)?;
        self.commit(now_ms);
        Ok(())
    }

    /// Makes the scalar entries of the map `trip[name]` exactly `entries`.
    fn put_entries(
        &mut self,
        trip: &ObjId,
        name: &str,
        entries: &[(String, String)],
    ) -> Result<(), DocError> {
        let Some(map) = self.entry(trip, name) else {
            return Err(DocError::Schema(format!("chuyến đi thiếu mục “{name}”")));
        };
        let stale: Vec<String> = self
            .doc
            .keys(&map)
            .filter(|k| !entries.iter().any(|(e, _)| e == k))
            .collect();
        for k in stale {
            self.doc.delete(&map, k.as_str())?;
        }
        let mut w = Writer {
            doc: &mut self.doc,
            obj: &map,
        };
        for (k, v) in entries {
            w.text(k, Some(v.clone()))?;
        }
        Ok(())
    }

    /// Creates or updates a meeting (its `id` chosen by the caller).
    pub fn put_meeting(
        &mut self,
        meeting: &ChiDoanMeeting,
        cancelled: bool,
        now_ms: i64,
    ) -> Result<(), DocError> {
        self.upgrade()?;
        let id = meeting
            .id
            .as_deref()
            .ok_or_else(|| DocError::Schema("buổi sinh hoạt thiếu mã".into()))?;
        let meetings = self.map("meetings")?;
        let obj = match self.entry(&meetings, id) {
            Some(obj) => obj,
            None => {
                let obj = self.doc.put_object(&meetings, id, ObjType::Map)?;
                self.doc
                    .put(&obj, "created_at", ScalarValue::Timestamp(now_ms))?;
                obj
            }
        };
        let m = meeting;
        let mut w = Writer {
            doc: &mut self.doc,
            obj: &obj,
        };
        w.text("date", Some(m.date.to_string()))?;
        w.text("chi_doan", Some(m.chi_doan.trim().to_owned()))?;
        w.text("unit_name", Some(m.unit.name.trim().to_owned()))?;
        w.text("unit_id", m.unit.id.clone())?;
        w.text("unit_level", Some(m.unit.level.clone()))?;
        w.text("topic", m.topic.clone())?;
        w.text("remarks", m.remarks.clone())?;
        w.text("trip", m.trip.clone())?;
        w.flag("invitation_only", m.invitation_only)?;
        w.int("members_present", m.members_present.map(i64::from))?;
        w.text(
            "status",
            Some(if cancelled { "cancelled" } else { "held" }.to_owned()),
        )?;
        self.commit(now_ms);
        Ok(())
    }

    /// Records a registration sent for `period` on `on`, listing `trips`.
    pub fn submit_registration(
        &mut self,
        id: &str,
        period: &str,
        trips: &[String],
        on: NaiveDate,
        now_ms: i64,
    ) -> Result<(), DocError> {
        self.upgrade()?;
        let subs = self.map("registrations")?;
        if self.entry(&subs, id).is_some() {
            return Err(DocError::Schema(format!("đăng ký “{id}” đã có")));
        }
        let obj = self.doc.put_object(&subs, id, ObjType::Map)?;
        self.doc.put(&obj, "period", period)?;
        self.doc.put(&obj, "submitted_on", on.to_string())?;
        self.doc.put(&obj, "trips", trips.join(" "))?;
        self.doc
            .put(&obj, "created_at", ScalarValue::Timestamp(now_ms))?;
        self.commit(now_ms);
        Ok(())
    }

    /// Keeps a host's confirmation the cadre received (scanned from the host's phone or
    /// typed), under its id.
    pub fn put_confirmation(
        &mut self,
        confirmation: &crate::confirm::Confirmation,
        now_ms: i64,
    ) -> Result<(), DocError> {
        use base64::Engine;
        self.upgrade()?;
        let map = self.map("confirmations")?;
        let encoded =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(confirmation.encode());
        self.doc.put(&map, confirmation.id(), encoded)?;
        self.commit(now_ms);
        Ok(())
    }

    fn commit(&mut self, now_ms: i64) {
        self.doc
            .commit_with(CommitOptions::default().with_time(now_ms / 1000));
    }

    // --- storage -----------------------------------------------------------------------

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

/// Reads a dossier document (any copy: the server checks copies it has not kept yet).
pub fn read(doc: &AutoCommit) -> Result<CadreYear, DocError> {
    Reader { doc }.read()
}

/// The trips of a dossier kept before documents carried a key (the browser's version-1
/// store, issue 4), to move into the cadre's documents of their years.
pub fn keyless_trips(bytes: &[u8]) -> Result<Vec<TripRecord>, DocError> {
    let doc = AutoCommit::load(bytes)?;
    let r = Reader { doc: &doc };
    let trips = r.map("trips")?;
    Ok(doc
        .keys(&trips)
        .filter_map(|id| r.entry(&trips, &id).and_then(|obj| r.read_trip(&obj, &id)))
        .collect())
}

/// The `schema` field (0 if unreadable).
pub fn schema_of(doc: &AutoCommit) -> u64 {
    match doc.get(ROOT, "schema") {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Uint(v) => *v,
            ScalarValue::Int(v) => u64::try_from(*v).unwrap_or(0),
            _ => 0,
        },
        _ => 0,
    }
}

#[derive(Serialize, Deserialize)]
struct MemberJson {
    name: String,
    role: String,
    #[serde(default)]
    task: String,
}

#[derive(Serialize, Deserialize)]
struct EvidenceJson {
    kind: String,
    description: String,
}

impl EvidenceJson {
    fn into_evidence(self) -> Option<Evidence> {
        let kind = [
            EvidenceKind::EmulationRanking,
            EvidenceKind::Project,
            EvidenceKind::Model,
            EvidenceKind::Data,
            EvidenceKind::HostConfirmation,
            EvidenceKind::Other,
        ]
        .into_iter()
        .find(|k| evidence_kind_str(*k) == self.kind)?;
        Some(Evidence {
            kind,
            description: self.description,
        })
    }
}

#[cfg(test)]
mod tests;
