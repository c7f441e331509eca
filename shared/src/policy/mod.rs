//! Policies as data: every threshold, window and deadline of a province's "1+2" rules
//! (quy định đi cơ sở), so a province adds its own file instead of changing code.
//!
//! Two presets ship embedded (see `shared/policies/`): `kien-giang-2023` (seed 000, the
//! reference) and `tay-ninh-2018` (seed 001). Each cites its seed clauses in `clauses`
//! and records, in `notes`, what we decided where the seed is silent.
//!
//! Decisions where the seeds are silent (also in `docs/policies.md`):
//! - "không thực hiện 02 đợt liên tiếp" forbids two counted thematic trips with fewer than
//!   [`ThematicRule::min_gap_days`] free days between them (default 1: no back-to-back).
//! - A dated exemption overlapping the year exempts the whole year (the seed's wording,
//!   [`PartialYear::WholeYear`]); [`PartialYear::ProRata`] scales the minimums instead.
//! - A trip spanning 31/12 counts its days in each year it touches; as a thematic trip it
//!   belongs to one year only ([`ThematicRule::counts_in_year_of`]).
//! - A trip without a valid host confirmation counts no days, and the verdict says so.
//! - Issue 13 (seeds 000, 001 read clause by clause): days at the cadre's own level or
//!   above ([`DaysRule::count_own_level_or_above`]); invitation-only attendance outside
//!   the process ([`DaysRule::invitation_only_follows_process`]) and chi đoàn meetings on
//!   invitation ([`Coverage::count_invitation_only_meetings`]); group thematic trips
//!   ([`GroupRule`]); deadlines the source does not date ([`AssumedDeadline`]); reports
//!   owed by units ([`UnitReport`]).

mod rule_id;
mod unit_reports;
mod validate;

pub use rule_id::RuleId;
pub use unit_reports::{UnitReport, UnitReportDue};

use crate::error::InputErrors;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// A day of the year without the year ("MM-DD"), for periods and deadlines.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    pub const fn new(month: u32, day: u32) -> Self {
        MonthDay { month, day }
    }

    /// This day in `year`. 29/02 is refused by validation, so this exists for valid policies;
    /// for an invalid one it falls back to the last day of the month.
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, 28))
            .unwrap_or(NaiveDate::MIN)
    }

    fn is_valid(self) -> bool {
        // 2023 is not a leap year: 29/02 would not exist every year.
        NaiveDate::from_ymd_opt(2023, self.month, self.day).is_some()
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bad = || serde::de::Error::custom(format!("`{text}` is not a day of the year (MM-DD)"));
        let (m, dd) = text.split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || dd.len() != 2 {
            return Err(bad());
        }
        let md = MonthDay {
            month: m.parse().map_err(|_| bad())?,
            day: dd.parse().map_err(|_| bad())?,
        };
        if !md.is_valid() {
            return Err(bad());
        }
        Ok(md)
    }
}

/// A yearly deadline, e.g. "trước ngày 20/12 của năm trước" =
/// `{ day: "12-20", year_offset: -1, inclusive: false }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub day: MonthDay,
    /// Relative to the evaluated year: -1 = the year before.
    #[serde(default)]
    pub year_offset: i32,
    /// `false` for "trước ngày X" (X itself is late), `true` for "chậm nhất ngày X".
    pub inclusive: bool,
}

impl Deadline {
    /// The last day on which submitting is on time.
    pub fn last_day(&self, year: i32) -> NaiveDate {
        let d = self.day.in_year(year + self.year_offset);
        if self.inclusive {
            d
        } else {
            d.pred_opt().unwrap_or(d)
        }
    }
}

/// A level of the Youth Union hierarchy (cấp), highest first in [`Policy::levels`].
/// Levels are data: since 2025 many provinces have no district level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// Stable id: "tinh", "huyen", "co-so", "chi-doan".
    pub id: String,
    pub label_vi: String,
}

/// Who the policy applies to (đối tượng áp dụng).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Levels whose full-time cadres must go to the base (Kiên Giang: province only).
    pub cadre_levels: Vec<String>,
}

/// A cadre's job (chức danh, nhiệm vụ). Some jobs are exempt (kế toán, văn thư…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub code: String,
    pub label_vi: String,
    /// The policy does not apply to this job (a whole-year exemption).
    #[serde(default)]
    pub exempt: bool,
}

/// A dated reason for not applying the policy (thai sản, học dài hạn…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExemptionReason {
    pub code: String,
    pub label_vi: String,
    /// The situation must last at least this many months (học tập dài hạn: 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_months: Option<u32>,
    /// The exemption covers at most this many months from its start (con dưới 12 tháng).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_months: Option<u32>,
    /// Only cadres of these levels may claim it; empty = every level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cadre_levels: Vec<String>,
}

/// What a dated exemption covering part of the year does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialYear {
    /// Any overlap with the year exempts the whole year (the seeds' wording: "không áp dụng").
    WholeYear,
    /// The minimum days and thematic trips shrink in proportion to the days not exempt
    /// (rounded up); a year exempt on every day is exempt.
    ProRata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemptions {
    pub reasons: Vec<ExemptionReason>,
    /// Cadres with at least this many years at the office are exempt (Kiên Giang: 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_years_at_office: Option<u32>,
    pub partial_year: PartialYear,
}

/// A content type of trips (nội dung đi cơ sở): "3.1".."3.5" in Kiên Giang.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentType {
    pub code: String,
    pub label_vi: String,
    /// Trips of this type may be thematic trips (đi theo chuyên đề).
    pub thematic: bool,
    /// Days of such trips count toward the minimum.
    #[serde(default = "yes")]
    pub counts: bool,
    /// Done on assignment by the standing committee (Thường trực), not registered by the
    /// cadre (Tây Ninh 1.2, 1.4, 1.5).
    #[serde(default)]
    pub requires_assignment: bool,
}

fn yes() -> bool {
    true
}

/// A registration period (đợt / quý) and its deadlines. Periods tile the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// "1", "2" (Kiên Giang) or "Q1".."Q4" (Tây Ninh).
    pub code: String,
    pub label_vi: String,
    pub first_day: MonthDay,
    pub last_day: MonthDay,
    /// Registration deadline.
    pub due: Deadline,
    /// Deadline of the report on the period's trips, when reports go by period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_due: Option<Deadline>,
}

/// A one-off registration deadline (Kiên Giang 2023: period 1 "trong tháng 5/2023").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueOverride {
    pub year: i32,
    pub period: String,
    /// Last day on time.
    pub last_day: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRule {
    pub periods: Vec<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<DueOverride>,
}

/// The minimum of days at the base (D1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysRule {
    pub minimum: u32,
    /// Days of attending only because invited (theo thư mời) count. Tây Ninh: no.
    pub count_invitation_only: bool,
    /// When such days do not count: whether the attendance is still a trip of the process
    /// (registered, confirmed, reported, failing it like any trip). Tây Ninh: no, it is
    /// not a trip to approve (001 §III.1 Lưu ý: "không được tính là nội dung đi cơ sở").
    /// Default true, the reading before issue 13.
    #[serde(default = "yes")]
    pub invitation_only_follows_process: bool,
    /// Days at a host of the cadre's own level, or above, count. Both presets: no, "đi cơ
    /// sở" is going to the levels below (000 §III.2; 001 §III.3 "phải đi cơ sở ở cấp
    /// dưới"). Default true, the reading before issue 13.
    #[serde(default = "yes")]
    pub count_own_level_or_above: bool,
}

/// In which year a thematic trip spanning 31/12 counts as a thematic trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TripYear {
    Start,
    End,
}

/// The thematic-trip rule (D2): at least N trips of min..=max days, "3 cùng", not consecutive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThematicRule {
    pub minimum_trips: u32,
    /// Length of a thematic trip in calendar days, both ends included.
    pub min_days: u32,
    pub max_days: u32,
    /// "Cùng ăn, cùng ở, cùng làm" with the base.
    pub require_three_together: bool,
    /// An outline (đề cương) approved by the department head.
    pub require_outline: bool,
    /// Free days required between two counted thematic trips ("không liên tiếp").
    /// 1 = they may not be back to back; 0 = no spacing rule.
    pub min_gap_days: u32,
    pub counts_in_year_of: TripYear,
    /// The rule on groups (đi theo nhóm); absent = a group trip qualifies like any other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupRule>,
}

/// A thematic trip made as a group (000 §III.3 Lưu ý: "nhóm tối đa 03 người … cá nhân phụ
/// trách nhóm là trưởng, phó ban đơn vị trở lên; có bảng phân công nhiệm vụ từng cá nhân").
/// A group breaking it does not qualify as a thematic trip; its days still count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRule {
    /// Most people in the group, its leader included (Kiên Giang: 3).
    pub max_members: u32,
    /// Role codes ([`Policy::roles`]) that may lead a group: trưởng, phó ban trở lên.
    pub leader_roles: Vec<String>,
    /// Every member needs a task (bảng phân công nhiệm vụ).
    pub require_tasks: bool,
}

/// A set of levels of which a cadre must visit at least one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRequirement {
    pub any_of: Vec<String>,
    /// "cấp huyện", used in findings.
    pub label_vi: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRule {
    pub cadre_level: String,
    pub required: Vec<LevelRequirement>,
}

/// Coverage (địa bàn): levels to visit and chi đoàn meetings to attend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub rules: Vec<CoverageRule>,
    pub min_chi_doan_meetings: u32,
    /// A chi đoàn meeting attended only on invitation (theo thư mời) meets the requirement.
    /// Tây Ninh: no (001 §III.1 Lưu ý with §III.3). Default true, the reading before
    /// issue 13.
    #[serde(default = "yes")]
    pub count_invitation_only_meetings: bool,
}

/// Which deadline of a cadre an [`AssumedDeadline`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// The period's registration (`registration.periods[].due`).
    Registration,
    /// A trip's report (`reports[]`).
    Report,
}

/// A deadline the source does not date, for some cadres: the policy assumes one, and the
/// findings about it say so (Tây Ninh's district cadres: "đầu mỗi quý", "hằng quý").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumedDeadline {
    pub deadline: DeadlineKind,
    /// Cadre levels for which the date is assumed; empty = every level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cadre_levels: Vec<String>,
    /// What the source says instead, quoted in findings: "đầu mỗi quý".
    pub source_says_vi: String,
    /// Where it says it: "001 §IV.2 Bước 1".
    pub clause: String,
}

/// When a trip's report is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportDeadline {
    /// The `report_due` of the trip's period; a trip ending after it reports with the
    /// next period.
    PeriodReport,
    /// N days after the trip's last day (Tây Ninh: 3).
    DaysAfterTrip(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDeadlineRule {
    /// Cadre levels this deadline applies to; empty = all.
    #[serde(default)]
    pub cadre_levels: Vec<String>,
    pub deadline: ReportDeadline,
}

/// Which thematic reports must reach the excellence score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreScope {
    /// The thematic trip that solved a long-standing difficulty.
    EvidenceTrip,
    /// Every counted thematic trip.
    AllThematic,
}

/// Xuất sắc: pass, plus a thematic trip that solved a long-standing difficulty with evidence,
/// whose report scored at least `min_report_score` /100.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Excellence {
    pub min_report_score: u8,
    pub score_scope: ScoreScope,
}

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A requirement failed for good: the rating is Không đạt.
    Fail,
    /// During the year: not met yet, still possible. The rating as of today is Không đạt.
    Pending,
    /// Worth knowing; does not change the rating.
    Warning,
    Info,
}

/// A province's "1+2" policy for a range of years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Stable id, e.g. "kien-giang-2023".
    pub id: String,
    pub name_vi: String,
    /// The document this policy transcribes.
    pub source: String,
    /// First year the policy applies to.
    pub year_from: i32,
    /// Last year, if the document says (Tây Ninh: 2022).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_to: Option<i32>,
    /// Decisions taken where the source is silent, in plain words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Organisation levels, highest first.
    pub levels: Vec<Level>,
    pub scope: Scope,
    pub roles: Vec<Role>,
    pub exemptions: Exemptions,
    pub content_types: Vec<ContentType>,
    pub registration: RegistrationRule,
    pub days: DaysRule,
    pub thematic: ThematicRule,
    pub coverage: Coverage,
    /// Report deadlines, first matching cadre level wins; no match = no deadline.
    pub reports: Vec<ReportDeadlineRule>,
    /// `None`: the policy has no Xuất sắc level (Tây Ninh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excellence: Option<Excellence>,
    /// Rules a written decision may waive (Kiên Giang: the thematic-trip rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivable: Vec<RuleId>,
    /// The clause each rule comes from, e.g. `days-minimum = "000 §III.1"`.
    pub clauses: BTreeMap<RuleId, String>,
    /// Severity overrides: a province may make a rule a warning, or a warning a failure.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<RuleId, Severity>,
    /// Cadres' deadlines the source does not date, which this policy assumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed_deadlines: Vec<AssumedDeadline>,
    /// Reports owed by units, not persons (the department's, TC-KT's, the district's):
    /// the office tracks them; they change no one's rating.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_reports: Vec<UnitReport>,
}

const KIEN_GIANG_2023: &str = include_str!("../../policies/kien-giang-2023.json");
const TAY_NINH_2018: &str = include_str!("../../policies/tay-ninh-2018.json");

/// Ids of the embedded presets.
pub const PRESET_IDS: [&str; 2] = ["kien-giang-2023", "tay-ninh-2018"];

fn presets_cache() -> &'static [Policy] {
    static CACHE: OnceLock<Vec<Policy>> = OnceLock::new();
    CACHE.get_or_init(|| {
        // Tests check that every preset parses and validates.
        [KIEN_GIANG_2023, TAY_NINH_2018]
            .iter()
            .filter_map(|t| Policy::from_json_str(t).ok())
            .collect()
    })
}

impl Policy {
    /// The embedded policy with this id.
    pub fn preset(id: &str) -> Option<Policy> {
        presets_cache().iter().find(|p| p.id == id).cloned()
    }

    /// All embedded policies.
    pub fn presets() -> &'static [Policy] {
        presets_cache()
    }

    /// Parses and validates a JSON policy; errors name the field.
    pub fn from_json_str(text: &str) -> Result<Policy, InputErrors> {
        let p: Policy = crate::error::from_json_str(text)?;
        p.validate()?;
        Ok(p)
    }

    pub fn content_type(&self, code: &str) -> Option<&ContentType> {
        self.content_types.iter().find(|c| short_eq(&c.code, code))
    }

    /// Index of a level in [`Policy::levels`] (0 = highest).
    pub fn level_index(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| short_eq(&l.id, id))
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| short_eq(&l.id, id))
    }

    pub fn role(&self, code: &str) -> Option<&Role> {
        self.roles.iter().find(|r| short_eq(&r.code, code))
    }

    pub fn exemption_reason(&self, code: &str) -> Option<&ExemptionReason> {
        self.exemptions
            .reasons
            .iter()
            .find(|r| short_eq(&r.code, code))
    }

    pub fn period(&self, code: &str) -> Option<&Period> {
        self.registration
            .periods
            .iter()
            .find(|p| short_eq(&p.code, code))
    }

    /// The period whose days contain `day` (periods tile the year).
    pub fn period_of(&self, day: NaiveDate) -> Option<&Period> {
        let md = MonthDay::new(day.month(), day.day());
        self.registration
            .periods
            .iter()
            .find(|p| p.first_day <= md && md <= p.last_day)
    }

    /// Last day on time for registering `period` of `year`.
    pub fn registration_last_day(&self, period: &Period, year: i32) -> NaiveDate {
        self.registration
            .overrides
            .iter()
            .find(|o| o.year == year && o.period == period.code)
            .map(|o| o.last_day)
            .unwrap_or_else(|| period.due.last_day(year))
    }

    /// The seed clause of a rule, or the policy's source when the policy does not say.
    pub fn clause(&self, rule: RuleId) -> &str {
        self.clauses
            .get(&rule)
            .map(String::as_str)
            .unwrap_or(&self.source)
    }

    /// The assumption behind a cadre's deadline of this kind, when the source gives none.
    pub fn assumed_deadline(
        &self,
        kind: DeadlineKind,
        cadre_level: &str,
    ) -> Option<&AssumedDeadline> {
        self.assumed_deadlines.iter().find(|a| {
            a.deadline == kind
                && (a.cadre_levels.is_empty() || a.cadre_levels.iter().any(|l| l == cadre_level))
        })
    }

    pub fn applies_to_year(&self, year: i32) -> bool {
        year >= self.year_from && self.year_to.is_none_or(|to| year <= to)
    }

    pub fn years_label(&self) -> String {
        match self.year_to {
            Some(to) => format!("{}–{}", self.year_from, to),
            None => format!("{}–", self.year_from),
        }
    }
}

/// Equality of short codes ("3.1", "co-so") without a call to libc's memcmp: lookups run
/// for every trip of every dossier, and the call dominated the benchmark.
#[inline]
pub(crate) fn short_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests;
