//! The verdict's public types: a public format (HQ exports it), see `docs/dossier-format.md`.

use crate::dossier::Trip;
use crate::policy::{RuleId, Severity};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The yearly rating (000 §V.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Không đạt.
    KhongDat,
    /// Đạt.
    Dat,
    /// Xuất sắc.
    XuatSac,
    /// Miễn: the policy does not apply this year (exempt or out of scope).
    Mien,
}

impl Rating {
    pub fn label_vi(self) -> &'static str {
        match self {
            Rating::KhongDat => "Không đạt",
            Rating::Dat => "Đạt",
            Rating::XuatSac => "Xuất sắc",
            Rating::Mien => "Miễn",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// As-of inside (or before) the year.
    Forecast,
    /// As-of after 31/12: the official rating.
    Final,
}

/// During the year: can the cadre still make it?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    /// Đúng tiến độ.
    OnTrack,
    /// Chậm tiến độ.
    AtRisk,
    /// Không thể đạt.
    CannotMakeIt,
}

impl Outlook {
    pub fn label_vi(self) -> &'static str {
        match self {
            Outlook::OnTrack => "Đúng tiến độ",
            Outlook::AtRisk => "Chậm tiến độ",
            Outlook::CannotMakeIt => "Không thể đạt",
        }
    }
}

/// A trip as verdicts name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TripRef {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub host: String,
}

impl TripRef {
    pub(super) fn of(t: &Trip) -> Self {
        TripRef {
            start: t.start,
            end: t.end,
            id: t.id.clone(),
            host: t.host.name.clone(),
        }
    }
}

/// One reason in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// The seed clause, e.g. "000 §III.1; §V.2 Không đạt ý 5".
    pub clause: String,
    /// A sentence the cadre understands.
    pub message_vi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trip: Option<TripRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedExemption {
    /// Exemption reason code, role code, "years_at_office" or "scope".
    pub reason: String,
    pub label_vi: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Whole year (Miễn) or pro-rated minimums.
    pub whole_year: bool,
}

/// Days not counted, by reason (distinct days, not counted by another trip either).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCounted {
    pub unconfirmed: u32,
    pub not_approved: u32,
    pub invitation_only: u32,
    pub content_not_counted: u32,
    /// Days of the dossier's trips that fall in another year (summed per trip).
    pub outside_year: u32,
    /// At a host of the cadre's own level or above (absent when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub own_level: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaysSummary {
    /// Distinct calendar days at the base, in the year, up to as-of, from counting trips.
    pub counted: u32,
    pub required: u32,
    pub missing: u32,
    /// Approved days still ahead (after as-of, in the year).
    pub planned: u32,
    pub not_counted: NotCounted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThematicSummary {
    pub counted: u32,
    pub required: u32,
    pub waived: bool,
    /// The counted thematic trips, in date order.
    pub trips: Vec<TripRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageSummary {
    /// Level ids visited by counted trips, highest level first.
    pub levels_visited: Vec<String>,
    /// Labels of the level requirements not met ("cấp huyện").
    pub levels_missing: Vec<String>,
    /// Meetings that meet the requirement.
    pub chi_doan_meetings: u32,
    pub chi_doan_required: u32,
    /// Meetings attended only on invitation, which the policy does not count (absent
    /// when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chi_doan_invitation_only: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    OnTime,
    Late,
    Missing,
    /// Deadline not reached yet, nothing submitted.
    NotDue,
    /// Every day of the period is exempt (pro-rata exemptions).
    Exempt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
    Pending,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodStatus {
    pub period: String,
    pub last_day: NaiveDate,
    pub status: SubmissionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// `last_day` is the policy's assumption: the source gives this cadre no date
    /// (`Policy::assumed_deadlines`). Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_assumed: bool,
}

/// Process conformity (quy trình): registration, host confirmation, report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSummary {
    pub registrations: Vec<PeriodStatus>,
    pub registration_on_time: bool,
    pub trips_not_approved: u32,
    pub trips_unconfirmed: u32,
    pub reports_missing: u32,
    pub reports_late: u32,
    /// No process finding fails or is pending.
    pub conforming: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcellenceSummary {
    pub achieved: bool,
    /// The thematic trip with evidence of solving a long-standing difficulty, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trip: Option<TripRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    pub min_score: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub outlook: Outlook,
    pub outlook_vi: Cow<'static, str>,
    pub days_needed: u32,
    /// Days after as-of until 31/12.
    pub days_left_in_year: u32,
    pub planned_days: u32,
    pub thematic_needed: u32,
    /// The rating if everything still pending is done (Xuất sắc only if already earned).
    pub projected_rating: Rating,
}

/// What the engine says about one dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub cadre_id: String,
    pub cadre_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    pub policy: String,
    pub year: i32,
    pub as_of: NaiveDate,
    pub phase: Phase,
    /// Final: the official rating. Forecast: the rating if the year ended on as-of.
    pub rating: Rating,
    pub rating_vi: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<AppliedExemption>,
    pub days: DaysSummary,
    pub thematic: ThematicSummary,
    pub coverage: CoverageSummary,
    pub process: ProcessSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excellence: Option<ExcellenceSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
    /// Most serious first.
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// The finding that best explains the rating, for one-line tables: the first failure
    /// (or pending requirement), the exemption, the excellence, or the first warning.
    pub fn main_reason(&self) -> Option<&Finding> {
        let first = |pred: &dyn Fn(&Finding) -> bool| self.findings.iter().find(|f| pred(f));
        match self.rating {
            Rating::KhongDat => first(&|f| f.severity == Severity::Fail)
                .or_else(|| first(&|f| f.severity == Severity::Pending)),
            Rating::Mien => first(&|f| matches!(f.rule, RuleId::Scope | RuleId::Exemption)),
            Rating::XuatSac => first(&|f| f.rule == RuleId::Excellent),
            Rating::Dat => first(&|f| f.severity == Severity::Warning),
        }
    }
}
