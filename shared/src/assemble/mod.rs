//! Assemble: whatever documents exist about one cadre-year, and what the directory says
//! about the person, into the [`Dossier`] the engine rates. The phone (forecast, offline)
//! and the server (official rating) both call [`assemble`] then
//! [`crate::verdict::evaluate`], so the two cannot disagree.
//!
//! Each party writes only its own document (`docs/documents.md`); until a party has
//! written, what waits on it is shown as waiting, with whose move it is ([`TripStage`]),
//! not as a failure.

use crate::directory::Directory;
use crate::doc::party::{PartyView, RatingDecision, ReminderNote};
use crate::doc::{Basis, CadreYear, Submission, TripRecord};
use crate::dossier::{Approval, Cadre, Dossier, Registration, Trip, TripStatus};
use crate::error::InputErrors;
use crate::policy::Policy;
use crate::verdict::Verdict;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

mod decisions;
mod gather;

pub use decisions::vietnam_day;
pub use gather::Gathered;

/// Whose move it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The cadre (đồng chí).
    Cadre,
    /// The host unit (cơ sở).
    Host,
    /// The department head (lãnh đạo phòng, ban).
    DepartmentHead,
    /// The standing committee (Thường trực).
    Standing,
    /// Ban Tổ chức – Kiểm tra.
    Hq,
}

impl Party {
    pub fn label_vi(self) -> &'static str {
        match self {
            Party::Cadre => "đồng chí",
            Party::Host => "cơ sở",
            Party::DepartmentHead => "lãnh đạo phòng, ban",
            Party::Standing => "Thường trực",
            Party::Hq => "Ban Tổ chức – Kiểm tra",
        }
    }
}

/// Where a trip stands: planned → approved → carried out → confirmed by the host →
/// reported → graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripStage {
    /// Planned, not yet in a registration sent: the cadre registers it.
    ToRegister,
    /// Registered (or asked as assigned / ad hoc), waiting for the standing committee.
    AwaitingApproval,
    /// Neither registered on time nor assigned nor ad hoc: it cannot count.
    NotApproved,
    /// Approved, not carried out yet.
    Approved,
    /// Carried out, waiting for the host's confirmation.
    AwaitingConfirmation,
    /// Confirmed, the cadre's report is due.
    AwaitingReport,
    /// Reported, waiting for the department head's grade.
    AwaitingGrade,
    Graded,
    Cancelled,
}

impl TripStage {
    pub fn label_vi(self) -> &'static str {
        match self {
            TripStage::ToRegister => "Chưa đăng ký",
            TripStage::AwaitingApproval => "Chờ phê duyệt",
            TripStage::NotApproved => "Không được phê duyệt",
            TripStage::Approved => "Đã phê duyệt",
            TripStage::AwaitingConfirmation => "Chờ cơ sở xác nhận",
            TripStage::AwaitingReport => "Chờ báo cáo",
            TripStage::AwaitingGrade => "Chờ đánh giá",
            TripStage::Graded => "Đã đánh giá",
            TripStage::Cancelled => "Đã huỷ",
        }
    }

    /// Whose move it is; `None` once nothing is left to do.
    pub fn whose_move(self) -> Option<Party> {
        match self {
            TripStage::ToRegister | TripStage::Approved | TripStage::AwaitingReport => {
                Some(Party::Cadre)
            }
            TripStage::AwaitingApproval => Some(Party::Standing),
            TripStage::AwaitingConfirmation => Some(Party::Host),
            TripStage::AwaitingGrade => Some(Party::DepartmentHead),
            TripStage::NotApproved | TripStage::Graded | TripStage::Cancelled => None,
        }
    }
}

/// The assembled dossier, with each trip's stage (by trip id), and what the cadre should
/// see of other parties' decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    pub dossier: Dossier,
    pub stages: Vec<(String, TripStage)>,
    /// Confirmations that do not count, by trip id, with why (Vietnamese).
    pub rejected_confirmations: Vec<(String, String)>,
    /// The valid confirmation of each confirmed trip: (trip id, officer's name, degree).
    pub confirmed_by: Vec<(String, String, crate::confirm::Degree)>,
    /// HQ's reminders, written or not, newest first.
    pub reminders: Vec<ReminderNote>,
    /// HQ's official rating of the year, the latest decision.
    pub official: Option<RatingDecision>,
    /// Decisions written concurrently by two people, to resolve (Vietnamese).
    pub conflicts: Vec<String>,
}

impl Assembled {
    pub fn stage(&self, trip_id: &str) -> Option<TripStage> {
        self.stages
            .iter()
            .find(|(id, _)| id == trip_id)
            .map(|(_, s)| *s)
    }
}

/// The documents known about one cadre-year. Any of them may be missing: a new phone
/// before its first sync, a trip no host has confirmed yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The cadre's own dossier document.
    pub dossier: Option<&'a CadreYear>,
    /// The host units' confirmation documents about this cadre-year.
    pub hosts: &'a [PartyView],
    /// The department's review.
    pub review: Option<&'a PartyView>,
    /// The standing committee's decisions.
    pub standing: Option<&'a PartyView>,
    /// HQ's record.
    pub hq: Option<&'a PartyView>,
    /// The directory that confirmations' signatures are checked against; without one no
    /// confirmation can count yet.
    pub directory: Option<&'a Directory>,
}

/// Builds the dossier of `cadre` (the directory's facts) for `year` from `sources`, as
/// `policy` reads it. `today` decides nothing about ratings (the engine's as-of does):
/// only whether a trip not yet carried out is still to come.
pub fn assemble(
    policy: &Policy,
    cadre: Cadre,
    year: i32,
    sources: Sources<'_>,
    today: NaiveDate,
) -> Assembled {
    let dossier = Dossier {
        policy: Some(policy.id.clone()),
        year,
        cadre,
        registrations: Vec::new(),
        trips: Vec::new(),
        chi_doan_meetings: Vec::new(),
        reminders: Vec::new(),
        waivers: Vec::new(),
    };
    let mut out = Assembled {
        dossier,
        stages: Vec::new(),
        rejected_confirmations: Vec::new(),
        confirmed_by: Vec::new(),
        reminders: Vec::new(),
        official: None,
        conflicts: Vec::new(),
    };
    decisions::apply_hq(&mut out, sources.hq);
    decisions::apply_waivers(&mut out, sources.standing);
    let Some(own) = sources.dossier else {
        return out;
    };
    out.dossier.registrations = registrations(policy, year, &own.submissions);
    decisions::apply_registration_rulings(&mut out, sources.standing);
    for record in &own.trips {
        let mut trip = assemble_trip(policy, year, record, &own.submissions);
        decisions::apply_trip_decisions(&mut out, &mut trip, record, &sources, &own.confirmations);
        let stage = stage_of(
            &trip,
            record,
            &out.dossier.registrations,
            policy,
            year,
            today,
        );
        out.stages.push((record.id().to_owned(), stage));
        out.dossier.trips.push(trip);
    }
    out.dossier.chi_doan_meetings = own
        .meetings
        .iter()
        .filter(|m| !m.cancelled)
        .map(|m| m.meeting.clone())
        .collect();
    out
}

/// A period's registration is its first submission (Dossier::registrations); approval
/// and rejection come from the standing committee's document (issue 12).
fn registrations(policy: &Policy, year: i32, submissions: &[Submission]) -> Vec<Registration> {
    let mut out: Vec<Registration> = Vec::new();
    for period in &policy.registration.periods {
        let first = submissions
            .iter()
            .filter(|s| s.period == period.code && in_registration_window(policy, year, s))
            .min_by_key(|s| (s.submitted_on, s.created_at));
        if let Some(s) = first {
            out.push(Registration {
                period: period.code.clone(),
                submitted_on: s.submitted_on,
                approved_on: None,
                rejected_on: None,
            });
        }
    }
    out
}

/// Submissions for the rated year: made at most a year before it starts and before it
/// ends (a dossier only holds its own year's, but a typed date may be anything).
fn in_registration_window(_policy: &Policy, year: i32, s: &Submission) -> bool {
    (year - 1..=year).contains(&s.submitted_on.year())
}

fn assemble_trip(policy: &Policy, year: i32, record: &TripRecord, subs: &[Submission]) -> Trip {
    let mut trip = record.trip.clone();
    trip.approval = match record.basis {
        Basis::Assigned | Basis::AdHoc => Approval::Requested,
        Basis::Registration => {
            if registered_on_time(policy, year, record, subs) {
                Approval::Registered
            } else {
                Approval::None
            }
        }
    };
    trip
}

/// Whether the trip was listed by a submission of its period made on or before the
/// period's deadline, or by the period's first submission (a late period registration
/// is the engine's `registration-late`, not each trip's).
fn registered_on_time(
    policy: &Policy,
    year: i32,
    record: &TripRecord,
    subs: &[Submission],
) -> bool {
    let (first_day, _) = year_bounds(year);
    let day = record.trip.start.max(first_day);
    let Some(period) = policy.period_of(day) else {
        return false;
    };
    let last_day = policy.registration_last_day(period, year);
    let of_period: Vec<&Submission> = subs.iter().filter(|s| s.period == period.code).collect();
    let first = of_period
        .iter()
        .min_by_key(|s| (s.submitted_on, s.created_at))
        .map(|s| s.id.as_str());
    of_period.iter().any(|s| {
        s.trips.iter().any(|t| t == record.id())
            && (s.submitted_on <= last_day || Some(s.id.as_str()) == first)
    })
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

fn stage_of(
    trip: &Trip,
    record: &TripRecord,
    registrations: &[Registration],
    policy: &Policy,
    year: i32,
    today: NaiveDate,
) -> TripStage {
    if trip.status == TripStatus::Cancelled {
        return TripStage::Cancelled;
    }
    let approved = match trip.approval {
        Approval::Assigned | Approval::AdHoc => Some(true),
        Approval::Requested => None,
        Approval::None => Some(false),
        Approval::Registered => {
            let period = policy
                .period_of(trip.start.max(year_bounds(year).0))
                .map(|p| p.code.as_str());
            match registrations
                .iter()
                .find(|r| Some(r.period.as_str()) == period)
            {
                Some(r) if r.approved_on.is_some() => Some(true),
                Some(r) if r.rejected_on.is_some() => Some(false),
                _ => None,
            }
        }
    };
    let registered = record.basis != Basis::Registration || trip.approval == Approval::Registered;
    let carried_out =
        matches!(trip.status, TripStatus::Done | TripStatus::Incomplete) && trip.start <= today;
    match approved {
        _ if !registered && !carried_out => TripStage::ToRegister,
        Some(false) => TripStage::NotApproved,
        None if !carried_out => TripStage::AwaitingApproval,
        Some(true) if !carried_out => TripStage::Approved,
        // Carried out: approval pending does not stop the host confirming.
        _ if !trip.confirmation.as_ref().is_some_and(|c| c.valid) => {
            TripStage::AwaitingConfirmation
        }
        _ => match &trip.report {
            None => TripStage::AwaitingReport,
            Some(r) if r.purpose_met.is_none() && r.score.is_none() => TripStage::AwaitingGrade,
            Some(_) => TripStage::Graded,
        },
    }
}

/// The policy applied until the device (or the server) has the province's directory:
/// the reference policy, Kiên Giang 06-HD/TĐTN-BTCKT (seed 000).
pub const DEFAULT_POLICY_ID: &str = "kien-giang-2023";

/// The reference policy ([`DEFAULT_POLICY_ID`]), parsed once with plain `serde_json`:
/// `Policy::presets` parses through `serde_path_to_error` (for the CLI's messages on
/// hand-written policy files), about 95 KB of the phone's WebAssembly for a file that
/// tests already check. A test checks both give the same policy.
pub fn default_policy() -> Option<&'static Policy> {
    static POLICY: std::sync::OnceLock<Option<Policy>> = std::sync::OnceLock::new();
    POLICY
        .get_or_init(|| {
            serde_json::from_str(include_str!("../../policies/kien-giang-2023.json")).ok()
        })
        .as_ref()
}

/// The policy of `year`: the directory's, or without one the reference policy.
pub fn policy_for(directory: Option<&Directory>, year: i32) -> Option<&Policy> {
    match directory {
        Some(d) => d.policy_for(year),
        None => default_policy(),
    }
}

/// Where the facts about the person came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facts {
    /// The province's directory.
    Directory,
    /// Defaults, for want of a directory: a full-time cadre (`can-bo`) of the provincial
    /// office (`tinh`), named by their code, in no department, new at the office.
    Defaults,
}

/// What `assemble` needs to know about the person rated for `year`: the directory's
/// facts when it knows the person, else [`Facts::Defaults`].
pub fn cadre_facts(directory: Option<&Directory>, code: &str, year: i32) -> (Cadre, Facts) {
    if let Some(cadre) = directory.and_then(|d| d.cadre_facts(code, year)) {
        return (cadre, Facts::Directory);
    }
    let cadre = Cadre {
        id: code.to_owned(),
        name: code.to_owned(),
        level: "tinh".into(),
        role: "can-bo".into(),
        department: None,
        years_at_office: 0,
        exemptions: Vec::new(),
    };
    (cadre, Facts::Defaults)
}

/// A cadre-year rated: the assembled dossier (with each trip's stage) and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    pub assembled: Assembled,
    pub verdict: Verdict,
    pub facts: Facts,
}

/// Why a cadre-year could not be rated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("chưa có quy định đi cơ sở cho năm {0}")]
    NoPolicy(i32),
    /// The assembled dossier does not validate against the policy (the paths and
    /// messages are the engine's, in English, as `dicoso evaluate` prints them).
    #[error("hồ sơ chưa hợp lệ: {0}")]
    Invalid(InputErrors),
}

/// Rates `code`'s `year` from the documents known about it, as of `as_of`: the one
/// function the phone (forecast) and `dicoso evaluate --store` (HQ) both call, so the
/// two cannot disagree. `as_of` is also the `today` of [`assemble`].
pub fn rate(
    directory: Option<&Directory>,
    code: &str,
    year: i32,
    sources: Sources<'_>,
    as_of: NaiveDate,
) -> Result<Rated, RateError> {
    let policy = policy_for(directory, year).ok_or(RateError::NoPolicy(year))?;
    let (cadre, facts) = cadre_facts(directory, code, year);
    let assembled = assemble(policy, cadre, year, sources, as_of);
    let verdict =
        crate::verdict::evaluate(policy, &assembled.dossier, as_of).map_err(RateError::Invalid)?;
    Ok(Rated {
        assembled,
        verdict,
        facts,
    })
}

/// The verdict as `dicoso evaluate --store` prints it and the phone shows it to tests:
/// pretty JSON, the public verdict format (`docs/dossier-format.md`).
pub fn verdict_json(verdict: &Verdict) -> String {
    serde_json::to_string_pretty(verdict).unwrap_or_default()
}

#[cfg(test)]
mod tests;
