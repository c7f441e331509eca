//! The rules engine: (policy, dossier, as-of date) → [`Verdict`]. Pure and deterministic:
//! no clock, no I/O, and the same result whatever the order of the dossier's lists.
//!
//! Before the year ends the verdict is a forecast: requirements not met yet but still
//! reachable are [`Severity::Pending`], those out of reach are [`Severity::Fail`]. After the
//! year (as-of later than 31/12) it is final and everything unmet fails.
//!
//! The verdict JSON is a public format (HQ exports it): see `docs/dossier-format.md`.

use crate::dossier::{Approval, Dossier, Trip, TripStatus};
use crate::error::InputErrors;
use crate::policy::{PartialYear, Policy, ReportDeadline, RuleId, ScoreScope, Severity, TripYear};
use chrono::{Datelike, Days, Months, NaiveDate};
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
    fn of(t: &Trip) -> Self {
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
    pub chi_doan_meetings: u32,
    pub chi_doan_required: u32,
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

/// Validates `dossier` against `policy`, then evaluates it as of `as_of`.
pub fn evaluate(
    policy: &Policy,
    dossier: &Dossier,
    as_of: NaiveDate,
) -> Result<Verdict, InputErrors> {
    dossier.validate(policy)?;
    Ok(evaluate_valid(policy, dossier, as_of))
}

/// Evaluates a dossier already validated against `policy`. On an invalid dossier the
/// result is meaningless but it does not panic.
pub fn evaluate_valid(policy: &Policy, dossier: &Dossier, as_of: NaiveDate) -> Verdict {
    Engine::new(policy, dossier, as_of).run()
}

/// Days of one year as bits (index = ordinal0), so a day touched twice counts once.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct DaySet([u64; 6]);

impl DaySet {
    fn insert_range(&mut self, lo: u32, hi: u32) {
        let (lo, hi) = (lo.min(383), hi.min(383));
        if lo > hi {
            return;
        }
        let (lw, hw) = ((lo / 64) as usize, (hi / 64) as usize);
        for w in lw..=hw {
            let a = if w == lw { lo % 64 } else { 0 };
            let b = if w == hw { hi % 64 } else { 63 };
            self.0[w] |= (u64::MAX >> (63 - (b - a))) << a;
        }
    }

    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    fn minus(&self, other: &DaySet) -> DaySet {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o &= !x;
        }
        out
    }

    fn union(&mut self, other: &DaySet) {
        for (o, x) in self.0.iter_mut().zip(other.0) {
            *o |= x;
        }
    }
}

/// dd/mm/yyyy.
pub fn fmt_day(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// "03/04–06/04/2025", or one day, or across years.
pub fn fmt_range(a: NaiveDate, b: NaiveDate) -> String {
    if a == b {
        fmt_day(a)
    } else if a.year() == b.year() {
        format!("{:02}/{:02}–{}", a.day(), a.month(), fmt_day(b))
    } else {
        format!("{}–{}", fmt_day(a), fmt_day(b))
    }
}

fn trip_label(t: &Trip) -> String {
    format!("Chuyến đi {} ({})", fmt_range(t.start, t.end), t.host.name)
}

/// The same, inside a sentence.
fn trip_text(t: &Trip) -> String {
    format!("chuyến đi {} ({})", fmt_range(t.start, t.end), t.host.name)
}

fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

fn ceil_ratio(value: u32, num: u32, den: u32) -> u32 {
    if den == 0 {
        return value;
    }
    let v = u64::from(value) * u64::from(num);
    u32::try_from(v.div_ceil(u64::from(den))).unwrap_or(u32::MAX)
}

struct Engine<'a> {
    p: &'a Policy,
    d: &'a Dossier,
    as_of: NaiveDate,
    is_final: bool,
    first: NaiveDate,
    last: NaiveDate,
    year_len: u32,
    /// First day of each policy period in the year (periods tile the year in order).
    period_starts: Vec<NaiveDate>,
    /// Report deadline of each period, this year then next year (PeriodReport rule).
    report_dues: Vec<Option<NaiveDate>>,
    findings: Vec<Finding>,
}

impl<'a> Engine<'a> {
    fn new(p: &'a Policy, d: &'a Dossier, as_of: NaiveDate) -> Self {
        let (first, last) = d.year_bounds();
        // Dates computed once per dossier rather than per trip (the benchmark's hot path).
        let periods = &p.registration.periods;
        let period_starts = periods
            .iter()
            .map(|x| x.first_day.in_year(d.year))
            .collect();
        let report_dues = [d.year, d.year + 1]
            .iter()
            .flat_map(|&y| {
                periods
                    .iter()
                    .map(move |x| x.report_due.map(|due| due.last_day(y)))
            })
            .collect();
        Engine {
            p,
            d,
            as_of,
            is_final: as_of > last,
            first,
            last,
            year_len: last.ordinal(),
            period_starts,
            report_dues,
            findings: Vec::new(),
        }
    }

    /// Last day whose facts count: as-of, within the year (None before the year starts).
    fn horizon(&self) -> Option<NaiveDate> {
        if self.as_of < self.first {
            None
        } else {
            Some(self.as_of.min(self.last))
        }
    }

    fn days_left(&self) -> u32 {
        match self.horizon() {
            None => self.year_len,
            Some(h) => u32::try_from(days_between(h, self.last)).unwrap_or(0),
        }
    }

    /// Bits of `[a, b]` ∩ `[first, until]`.
    fn bits(&self, a: NaiveDate, b: NaiveDate, until: NaiveDate) -> DaySet {
        let mut s = DaySet::default();
        let (a, b) = (a.max(self.first), b.min(until).min(self.last));
        if a <= b {
            s.insert_range(a.ordinal0(), b.ordinal0());
        }
        s
    }

    fn push(&mut self, rule: RuleId, severity: Severity, message_vi: String, trip: Option<&Trip>) {
        let mut severity = severity;
        let mut message_vi = message_vi;
        if let Some(&o) = self.p.severity.get(&rule)
            && severity != Severity::Info
            && !(o == Severity::Fail && severity == Severity::Pending)
        {
            severity = o;
        }
        if severity != Severity::Info
            && let Some(w) = self.d.waivers.iter().filter(|w| w.rule == rule).min()
        {
            severity = Severity::Info;
            message_vi.push_str(&format!(
                " Đã được miễn theo văn bản {} ngày {}.",
                w.reference,
                fmt_day(w.decided_on)
            ));
        }
        self.findings.push(Finding {
            rule,
            severity,
            clause: self.p.clause(rule).to_owned(),
            message_vi,
            trip: trip.map(TripRef::of),
        });
    }

    /// Fail after the year; during it, Pending if still reachable, else Fail.
    fn unmet(&self, reachable: bool) -> Severity {
        if !self.is_final && reachable {
            Severity::Pending
        } else {
            Severity::Fail
        }
    }

    fn exemption(&mut self) -> (Option<AppliedExemption>, DaySet) {
        let (p, c) = (self.p, &self.d.cadre);
        let mut exempt_days = DaySet::default();
        if !p.scope.cadre_levels.contains(&c.level) {
            let label = p
                .level(&c.level)
                .map_or(c.level.as_str(), |l| l.label_vi.as_str());
            self.push(
                RuleId::Scope,
                Severity::Info,
                format!("Cán bộ {label} không thuộc đối tượng áp dụng của quy định này."),
                None,
            );
            let x = AppliedExemption {
                reason: "scope".into(),
                label_vi: format!("Không thuộc đối tượng ({label})"),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        if let Some(r) = p.role(&c.role)
            && r.exempt
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Cán bộ làm {} không áp dụng quy định đi cơ sở.",
                    r.label_vi.to_lowercase()
                ),
                None,
            );
            let x = AppliedExemption {
                reason: r.code.clone(),
                label_vi: r.label_vi.clone(),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        if let Some(min) = p.exemptions.min_years_at_office
            && c.years_at_office >= min
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Cán bộ có {} năm công tác tại cơ quan (từ {min} năm trở lên) được miễn.",
                    c.years_at_office
                ),
                None,
            );
            let x = AppliedExemption {
                reason: "years_at_office".into(),
                label_vi: format!("Từ {min} năm trở lên công tác tại cơ quan"),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        let mut list: Vec<_> = c.exemptions.iter().collect();
        list.sort();
        let mut applied: Option<AppliedExemption> = None;
        for x in list {
            let Some(reason) = p.exemption_reason(&x.reason) else {
                continue;
            };
            let range = fmt_range(x.from, x.to);
            if !reason.cadre_levels.is_empty() && !reason.cadre_levels.contains(&c.level) {
                self.push(
                    RuleId::ExemptionNotApplicable,
                    Severity::Warning,
                    format!(
                        "Lý do miễn “{}” ({range}) không áp dụng cho cán bộ cấp này.",
                        reason.label_vi
                    ),
                    None,
                );
                continue;
            }
            if let Some(m) = reason.min_months
                && add_months(x.from, m) > add_days(x.to, 1)
            {
                self.push(
                    RuleId::ExemptionNotApplicable,
                    Severity::Warning,
                    format!(
                        "“{}” ({range}) chưa đủ {m} tháng nên không được miễn.",
                        reason.label_vi
                    ),
                    None,
                );
                continue;
            }
            let to = match reason.max_months {
                Some(m) => x.to.min(add_months(x.from, m).pred_opt().unwrap_or(x.from)),
                None => x.to,
            };
            let bits = self.bits(x.from, to, self.last);
            if bits.len() == 0 {
                continue;
            }
            let whole = p.exemptions.partial_year == PartialYear::WholeYear;
            exempt_days.union(&bits);
            if applied.is_none() || whole {
                applied = Some(AppliedExemption {
                    reason: reason.code.clone(),
                    label_vi: reason.label_vi.clone(),
                    from: Some(x.from),
                    to: Some(to),
                    whole_year: whole,
                });
            }
            if whole {
                self.push(
                    RuleId::Exemption,
                    Severity::Info,
                    format!(
                        "Được miễn đi cơ sở năm {}: {} ({}).",
                        self.d.year,
                        reason.label_vi,
                        fmt_range(x.from, to)
                    ),
                    None,
                );
                return (applied, exempt_days);
            }
        }
        if let Some(a) = &mut applied
            && exempt_days.len() >= self.year_len
        {
            a.whole_year = true;
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Được miễn đi cơ sở cả năm {} ({}).",
                    self.d.year, a.label_vi
                ),
                None,
            );
        }
        (applied, exempt_days)
    }

    fn run(mut self) -> Verdict {
        let (p, d) = (self.p, self.d);
        let (exemption, exempt_days) = self.exemption();
        let whole_year_exempt = exemption.as_ref().is_some_and(|x| x.whole_year);
        // Only pro-rata exemptions shrink the minimums (and the periods to register).
        let exempt_days = if whole_year_exempt {
            DaySet::default()
        } else {
            exempt_days
        };
        let not_exempt = self.year_len - exempt_days.len().min(self.year_len);
        let required_days = ceil_ratio(p.days.minimum, not_exempt, self.year_len);
        let required_thematic = ceil_ratio(p.thematic.minimum_trips, not_exempt, self.year_len);
        if let Some(x) = &exemption
            && !x.whole_year
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Được miễn {} ngày trong năm: yêu cầu còn {required_days} ngày và {required_thematic} đợt chuyên đề.",
                    exempt_days.len()
                ),
                None,
            );
        }

        let horizon = self.horizon();
        let until = horizon.unwrap_or(NaiveDate::MIN);

        // Registrations, per period of the year.
        let mut registrations = Vec::with_capacity(p.registration.periods.len());
        let mut registration_on_time = true;
        for period in &p.registration.periods {
            let last_day = p.registration_last_day(period, d.year);
            let range = self.bits(
                period.first_day.in_year(d.year),
                period.last_day.in_year(d.year),
                self.last,
            );
            let reg = d
                .registrations
                .iter()
                .find(|r| crate::policy::short_eq(&r.period, &period.code));
            let decision = reg.map(|r| {
                if r.approved_on.is_some() {
                    Decision::Approved
                } else if r.rejected_on.is_some() {
                    Decision::Rejected
                } else {
                    Decision::Pending
                }
            });
            let status = if range.minus(&exempt_days).len() == 0 {
                SubmissionStatus::Exempt
            } else {
                match reg {
                    Some(r) if r.submitted_on <= last_day => SubmissionStatus::OnTime,
                    Some(r) => {
                        registration_on_time = false;
                        self.push(
                            RuleId::RegistrationLate,
                            Severity::Fail,
                            format!(
                                "Đăng ký đi cơ sở {} nộp ngày {}, quá hạn (hạn chót {}).",
                                period.label_vi,
                                fmt_day(r.submitted_on),
                                fmt_day(last_day)
                            ),
                            None,
                        );
                        SubmissionStatus::Late
                    }
                    None if self.is_final || self.as_of > last_day => {
                        registration_on_time = false;
                        self.push(
                            RuleId::RegistrationMissing,
                            Severity::Fail,
                            format!(
                                "Chưa đăng ký đi cơ sở {} năm {} (hạn chót {}).",
                                period.label_vi,
                                d.year,
                                fmt_day(last_day)
                            ),
                            None,
                        );
                        SubmissionStatus::Missing
                    }
                    None => SubmissionStatus::NotDue,
                }
            };
            if let Some(r) = reg
                && let Some(on) = r.rejected_on
            {
                self.push(
                    RuleId::RegistrationRejected,
                    Severity::Warning,
                    format!(
                        "Đăng ký {} không được phê duyệt ({}): các chuyến đi theo đăng ký này không được tính.",
                        period.label_vi,
                        fmt_day(on)
                    ),
                    None,
                );
            }
            registrations.push(PeriodStatus {
                period: period.code.clone(),
                last_day,
                status,
                submitted_on: reg.map(|r| r.submitted_on),
                decision,
            });
        }

        // Trips, in a canonical order so the verdict does not depend on input order.
        let mut trips: Vec<&Trip> = d.trips.iter().collect();
        trips.sort_unstable();
        let mut counted = DaySet::default();
        let mut planned = DaySet::default();
        let mut pending_days = DaySet::default();
        let (mut unconfirmed, mut not_approved, mut invitation, mut not_counting) = (
            DaySet::default(),
            DaySet::default(),
            DaySet::default(),
            DaySet::default(),
        );
        let mut outside_year = 0u32;
        let mut levels_mask = 0u64;
        let mut candidates: Vec<&Trip> = Vec::new();
        let mut planned_thematic = 0u32;
        let mut pending_thematic = 0u32;
        let (mut n_not_approved, mut n_unconfirmed, mut n_reports_missing, mut n_reports_late) =
            (0, 0, 0, 0);
        let mut incomplete: Vec<&Trip> = Vec::new();
        let cadre_level = &d.cadre.level;
        let report_rule = p
            .reports
            .iter()
            .find(|r| r.cadre_levels.is_empty() || r.cadre_levels.contains(cadre_level))
            .map(|r| r.deadline);

        for &t in &trips {
            let in_year = t.end >= self.first && t.start <= self.last;
            if !in_year {
                self.push(
                    RuleId::TripOutsideYear,
                    Severity::Info,
                    format!(
                        "{} không thuộc năm {} nên không được tính.",
                        trip_label(t),
                        d.year
                    ),
                    Some(t),
                );
                continue;
            }
            let span = t.days();
            let in_year_days = self.bits(t.start, t.end, self.last).len();
            if in_year_days < span {
                outside_year += span - in_year_days;
                let thematic_here = match p.thematic.counts_in_year_of {
                    TripYear::Start => t.start.year() == d.year,
                    TripYear::End => t.end.year() == d.year,
                };
                let mut msg = format!(
                    "{}: {} ngày ngoài năm {} không tính cho năm này.",
                    trip_label(t),
                    span - in_year_days,
                    d.year
                );
                if t.thematic && !thematic_here {
                    msg.push_str(" Đợt chuyên đề này được tính cho năm khác.");
                }
                self.push(RuleId::TripOutsideYear, Severity::Info, msg, Some(t));
            }
            let Some(ct) = p.content_type(&t.content_type) else {
                continue;
            };
            let first_day = t.start.max(self.first);
            let period = self.period_index(first_day);
            let (approved, approval_pending) = match t.approval {
                Approval::Registered => match period
                    .and_then(|i| registrations.get(i))
                    .and_then(|r| r.decision)
                {
                    Some(Decision::Approved) => (true, false),
                    Some(Decision::Pending) => (false, true),
                    _ => (false, false),
                },
                Approval::Assigned | Approval::AdHoc => (true, false),
                Approval::Requested => (false, true),
                Approval::None => (false, false),
            };
            // A trip starting after as-of has not happened yet, whatever its status says.
            let carried_out = matches!(t.status, TripStatus::Done | TripStatus::Incomplete)
                && t.start <= self.as_of;
            let should_be_over = self.is_final || t.end < self.as_of;

            // Approved content not carried out (000 §V.2 Không đạt ý 2).
            if approved
                && (t.status == TripStatus::Incomplete
                    || t.status == TripStatus::Cancelled
                    || (t.status == TripStatus::Planned && should_be_over))
            {
                incomplete.push(t);
            }
            if !carried_out {
                if approved && t.status != TripStatus::Cancelled {
                    let after = self.bits(t.start.max(add_days(until, 1)), t.end, self.last);
                    planned.union(&after);
                    if t.thematic && self.thematic_shape_ok(t) && t.start > self.as_of {
                        planned_thematic += 1;
                    }
                }
                continue;
            }
            if ct.requires_assignment && !matches!(t.approval, Approval::Assigned | Approval::AdHoc)
            {
                self.push(
                    RuleId::TripNeedsAssignment,
                    Severity::Warning,
                    format!(
                        "{}: nội dung {} do Thường trực phân công, nhưng chuyến đi không ghi nhận phân công.",
                        trip_label(t),
                        ct.code
                    ),
                    Some(t),
                );
            }
            let past = self.bits(t.start, t.end, until);
            let ahead = if approved {
                self.bits(t.start.max(add_days(until, 1)), t.end, self.last)
            } else {
                DaySet::default()
            };
            planned.union(&ahead);
            let mut counts = true;
            if !approved {
                counts = false;
                n_not_approved += 1;
                not_approved.union(&past);
                if approval_pending && !self.is_final {
                    pending_days.union(&past);
                    self.push(
                        RuleId::TripNotApproved,
                        Severity::Pending,
                        format!(
                            "{}: đăng ký chưa được phê duyệt nên chưa được tính.",
                            trip_label(t)
                        ),
                        Some(t),
                    );
                } else {
                    self.push(
                        RuleId::TripNotApproved,
                        Severity::Fail,
                        format!(
                            "{} chưa được đăng ký, phê duyệt nên không được tính.",
                            trip_label(t)
                        ),
                        Some(t),
                    );
                }
            }
            let confirmed = t.confirmation.as_ref().is_some_and(|c| c.valid);
            if !confirmed && past.len() > 0 {
                counts = false;
                n_unconfirmed += 1;
                unconfirmed.union(&past);
                if approved {
                    pending_days.union(&past);
                }
                let what = if t.confirmation.is_some() {
                    "có xác nhận của cơ sở không hợp lệ"
                } else {
                    "chưa có xác nhận của cơ sở"
                };
                let (sev, yet) = if self.is_final {
                    (Severity::Fail, "không")
                } else {
                    (Severity::Pending, "chưa")
                };
                self.push(
                    RuleId::TripUnconfirmed,
                    sev,
                    format!("{} {what} nên {yet} được tính.", trip_label(t)),
                    Some(t),
                );
            }
            if !ct.counts {
                counts = false;
                not_counting.union(&past);
                self.push(
                    RuleId::TripContentNotCounted,
                    Severity::Warning,
                    format!(
                        "{}: nội dung “{}” không được tính ngày đi cơ sở.",
                        trip_label(t),
                        ct.label_vi
                    ),
                    Some(t),
                );
            }
            if t.invitation_only && !p.days.count_invitation_only {
                counts = false;
                invitation.union(&past);
                self.push(
                    RuleId::TripInvitationOnly,
                    Severity::Warning,
                    format!("{} chỉ dự theo thư mời nên không được tính.", trip_label(t)),
                    Some(t),
                );
            }
            if counts {
                counted.union(&past);
                if past.len() > 0
                    && let Some(i) = p.level_index(&t.host.level)
                {
                    levels_mask |= 1 << i.min(63);
                }
            }

            // Report (000 §IV Bước 4; 001 §IV.1 Bước 5).
            if approved && t.end <= self.as_of {
                let report = t.report.as_ref();
                if let Some(deadline) = report_rule.and_then(|r| self.report_deadline(r, t)) {
                    match report {
                        Some(r) if r.submitted_on > deadline => {
                            n_reports_late += 1;
                            self.push(
                                RuleId::ReportLate,
                                Severity::Fail,
                                format!(
                                    "Báo cáo {} nộp ngày {}, quá hạn (hạn chót {}).",
                                    trip_text(t),
                                    fmt_day(r.submitted_on),
                                    fmt_day(deadline)
                                ),
                                Some(t),
                            );
                        }
                        Some(_) => {}
                        None if self.is_final || self.as_of > deadline => {
                            n_reports_missing += 1;
                            self.push(
                                RuleId::ReportMissing,
                                Severity::Fail,
                                format!(
                                    "Chưa nộp báo cáo kết quả {} (hạn chót {}).",
                                    trip_text(t),
                                    fmt_day(deadline)
                                ),
                                Some(t),
                            );
                        }
                        None => self.push(
                            RuleId::ReportMissing,
                            Severity::Info,
                            format!(
                                "Cần nộp báo cáo kết quả {} chậm nhất ngày {}.",
                                trip_text(t),
                                fmt_day(deadline)
                            ),
                            Some(t),
                        ),
                    }
                }
                if report.is_some_and(|r| r.purpose_met == Some(false)) {
                    self.push(
                        RuleId::PurposeNotMet,
                        Severity::Fail,
                        format!("{} không đảm bảo mục đích, yêu cầu đề ra (theo đánh giá của lãnh đạo).", trip_label(t)),
                        Some(t),
                    );
                }
            }

            // Thematic trip candidates (D2).
            if t.thematic && counts && t.status == TripStatus::Done && t.end <= self.as_of {
                let year_ok = match p.thematic.counts_in_year_of {
                    TripYear::Start => t.start.year() == d.year,
                    TripYear::End => t.end.year() == d.year,
                };
                if year_ok && self.thematic_checks(t) {
                    candidates.push(t);
                }
            } else if t.thematic && counts && t.end > self.as_of && self.thematic_shape_ok(t) {
                planned_thematic += 1;
            } else if t.thematic
                && !counts
                && !self.is_final
                && pending_days.len() > 0
                && self.thematic_shape_ok(t)
            {
                pending_thematic += 1;
            }
        }

        // Non-consecutive selection: earliest end first maximises the count.
        candidates.sort_by(|a, b| (a.end, a).cmp(&(b.end, b)));
        let gap = i64::from(p.thematic.min_gap_days);
        let mut selected: Vec<&Trip> = Vec::with_capacity(candidates.len());
        for c in &candidates {
            match selected.last() {
                Some(prev) if days_between(prev.end, c.start) - 1 < gap => {
                    let msg = if c.start <= prev.end {
                        format!(
                            "{}: trùng thời gian với đợt chuyên đề {} nên không được tính là đợt riêng.",
                            trip_label(c),
                            fmt_range(prev.start, prev.end)
                        )
                    } else {
                        format!(
                            "{}: liền kề đợt chuyên đề {} (không thực hiện 02 đợt liên tiếp) nên không được tính là đợt riêng.",
                            trip_label(c),
                            fmt_range(prev.start, prev.end)
                        )
                    };
                    self.push(RuleId::ThematicConsecutive, Severity::Warning, msg, Some(c));
                }
                _ => selected.push(c),
            }
        }
        selected.sort();

        // D1: days.
        let days_left = self.days_left();
        let n_counted = counted.len();
        let missing = required_days.saturating_sub(n_counted);
        let pending_extra = pending_days.minus(&counted).len();
        if missing > 0 {
            let reachable = missing <= days_left + pending_extra;
            let sev = self.unmet(reachable);
            let mut msg = format!(
                "Còn thiếu {missing} ngày đi cơ sở (đã có {n_counted}/{required_days} ngày)."
            );
            if !self.is_final {
                if reachable {
                    msg.push_str(&format!(" Còn {days_left} ngày đến hết năm."));
                } else {
                    msg.push_str(&format!(
                        " Chỉ còn {days_left} ngày đến hết năm: không thể đạt."
                    ));
                }
            }
            self.push(RuleId::DaysMinimum, sev, msg, None);
        }

        // D2: thematic trips.
        let n_thematic = u32::try_from(selected.len()).unwrap_or(u32::MAX);
        let thematic_waived = d.waivers.iter().any(|w| w.rule == RuleId::ThematicMinimum);
        let thematic_missing = required_thematic.saturating_sub(n_thematic);
        if thematic_missing > 0 {
            let t = &p.thematic;
            // How many more trips fit before 31/12, spaced as the rule requires.
            let first_need = match t.counts_in_year_of {
                TripYear::Start => 1,
                TripYear::End => t.min_days,
            };
            let fit = if days_left < first_need {
                0
            } else {
                1 + (days_left - first_need) / (t.min_days + t.min_gap_days).max(1)
            };
            let reachable = thematic_missing <= fit + pending_thematic;
            let sev = self.unmet(reachable);
            let msg = if n_thematic == 0 {
                format!(
                    "Chưa có đợt đi cơ sở theo chuyên đề nào (cần {required_thematic} đợt, mỗi đợt {}–{} ngày, “3 cùng”).",
                    t.min_days, t.max_days
                )
            } else {
                format!("Mới có {n_thematic}/{required_thematic} đợt đi cơ sở theo chuyên đề.")
            };
            self.push(RuleId::ThematicMinimum, sev, msg, None);
        }

        // Coverage (000 §III.2).
        let mut levels_missing = Vec::new();
        if let Some(rule) = p
            .coverage
            .rules
            .iter()
            .find(|r| &r.cadre_level == cadre_level)
        {
            for req in &rule.required {
                let met = req
                    .any_of
                    .iter()
                    .filter_map(|l| p.level_index(l))
                    .any(|i| levels_mask & (1 << i.min(63)) != 0);
                if !met {
                    levels_missing.push(req.label_vi.clone());
                    let sev = self.unmet(days_left > 0 || pending_extra > 0);
                    self.push(
                        RuleId::CoverageLevel,
                        sev,
                        format!("Chưa đi cơ sở {}.", req.label_vi),
                        None,
                    );
                }
            }
        }
        let meetings = d
            .chi_doan_meetings
            .iter()
            .filter(|m| m.date >= self.first && m.date <= until)
            .count();
        let meetings = u32::try_from(meetings).unwrap_or(u32::MAX);
        let min_meetings = p.coverage.min_chi_doan_meetings;
        if meetings < min_meetings {
            let sev = self.unmet(days_left > 0);
            let msg = if meetings == 0 {
                "Chưa dự sinh hoạt chi đoàn nào trong năm.".to_owned()
            } else {
                format!("Mới dự {meetings}/{min_meetings} buổi sinh hoạt chi đoàn.")
            };
            self.push(RuleId::CoverageChiDoan, sev, msg, None);
        }

        // Approved content not completed; with a written reminder it fails (000 §V.2 ý 2).
        if !incomplete.is_empty() {
            for &t in &incomplete {
                let what = match t.status {
                    TripStatus::Incomplete => "chưa hoàn thành đủ nội dung đã đăng ký",
                    _ => "đã được phê duyệt nhưng không thực hiện",
                };
                self.push(
                    RuleId::ContentIncomplete,
                    Severity::Warning,
                    format!("{} {what}.", trip_label(t)),
                    Some(t),
                );
            }
            if let Some(r) = d.reminders.iter().filter(|r| r.date <= self.as_of).min() {
                let reference = r
                    .reference
                    .as_deref()
                    .map(|x| format!(" số {x}"))
                    .unwrap_or_default();
                self.push(
                    RuleId::ContentIncompleteReminded,
                    Severity::Fail,
                    format!(
                        "Không hoàn thành đủ nội dung đã đăng ký ({} chuyến) và đã có văn bản nhắc nhở{reference} ngày {}.",
                        incomplete.len(),
                        fmt_day(r.date)
                    ),
                    None,
                );
            }
        }

        // Xuất sắc (000 §V.2): a counted thematic trip with evidence, its report ≥ the score.
        let mut excellence_trip: Option<&Trip> = None;
        let excellence = p.excellence.as_ref().map(|x| {
            let min = u32::from(x.min_report_score);
            let score_of = |t: &Trip| t.report.as_ref().and_then(|r| r.score);
            // Highest score first; among equals the earliest trip.
            let best = candidates
                .iter()
                .copied()
                .filter(|t| {
                    t.difficulty_solved
                        .as_ref()
                        .is_some_and(|s| !s.evidence.is_empty())
                })
                .max_by(|a, b| score_of(a).cmp(&score_of(b)).then_with(|| b.cmp(a)));
            excellence_trip = best;
            let best_ok = best.and_then(score_of).is_some_and(|s| s >= min);
            let others_ok = x.score_scope == ScoreScope::EvidenceTrip
                || selected
                    .iter()
                    .all(|t| score_of(t).is_some_and(|s| s >= min));
            ExcellenceSummary {
                achieved: best_ok && others_ok,
                trip: best.map(TripRef::of),
                score: best.and_then(score_of),
                min_score: min,
            }
        });
        if let Some(x) = &excellence {
            let min = x.min_score;
            match (excellence_trip, x.score) {
                (None, _) => self.push(
                    RuleId::ExcellenceEvidence,
                    Severity::Info,
                    "Chưa có đợt chuyên đề nào có minh chứng giúp cơ sở giải quyết khó khăn, vướng mắc lâu dài (điều kiện Xuất sắc).".to_owned(),
                    None,
                ),
                (Some(t), Some(s)) if x.achieved => self.push(
                    RuleId::Excellent,
                    Severity::Info,
                    format!(
                        "Đợt chuyên đề {} giúp cơ sở giải quyết khó khăn lâu dài, có minh chứng; báo cáo đạt {s}/100 điểm (điều kiện Xuất sắc).",
                        fmt_range(t.start, t.end)
                    ),
                    Some(t),
                ),
                (Some(_), Some(s)) if s >= min => {
                    let low = selected.iter().copied().find(|t| t.report.as_ref().and_then(|r| r.score).is_none_or(|s| s < min));
                    self.push(
                        RuleId::ExcellenceScore,
                        Severity::Info,
                        format!("Mọi báo cáo chuyên đề cần đạt từ {min}/100 điểm trở lên để đạt Xuất sắc."),
                        low,
                    )
                }
                (Some(t), Some(s)) => self.push(
                    RuleId::ExcellenceScore,
                    Severity::Info,
                    format!(
                        "Báo cáo chuyên đề {} được {s}/100 điểm, cần từ {min} điểm trở lên để đạt Xuất sắc.",
                        fmt_range(t.start, t.end)
                    ),
                    Some(t),
                ),
                (Some(t), None) => self.push(
                    RuleId::ExcellenceScore,
                    Severity::Info,
                    format!(
                        "Báo cáo chuyên đề {} chưa được chấm điểm (cần từ {min}/100 điểm để đạt Xuất sắc).",
                        fmt_range(t.start, t.end)
                    ),
                    Some(t),
                ),
            }
        }

        // Rating.
        let blocking = |f: &Finding| matches!(f.severity, Severity::Fail | Severity::Pending);
        let excellent = excellence.as_ref().is_some_and(|x| x.achieved);
        let rating = if whole_year_exempt {
            Rating::Mien
        } else if self.findings.iter().any(blocking) {
            Rating::KhongDat
        } else if excellent {
            Rating::XuatSac
        } else {
            Rating::Dat
        };

        let process_rules = [
            RuleId::RegistrationMissing,
            RuleId::RegistrationLate,
            RuleId::TripNotApproved,
            RuleId::TripUnconfirmed,
            RuleId::ReportMissing,
            RuleId::ReportLate,
        ];
        let conforming = !self
            .findings
            .iter()
            .any(|f| blocking(f) && process_rules.contains(&f.rule));

        let thematic_needed = if thematic_waived { 0 } else { thematic_missing };
        let forecast = if self.is_final || whole_year_exempt {
            None
        } else {
            let cannot = self.findings.iter().any(|f| f.severity == Severity::Fail);
            let elapsed = match horizon {
                None => 0,
                Some(h) => h.ordinal(),
            };
            let pace = ceil_ratio(required_days, elapsed, self.year_len);
            let planned_days = planned.minus(&counted).len();
            // Days awaiting a confirmation or an approval are normal lag, not delay.
            let done = n_counted + pending_extra;
            let behind_days = done < pace && done + planned_days < required_days;
            let pace_thematic =
                u64::from(required_thematic) * u64::from(elapsed) / u64::from(self.year_len.max(1));
            let behind_thematic =
                thematic_needed > 0 && u64::from(n_thematic + planned_thematic) < pace_thematic;
            let outlook = if cannot {
                Outlook::CannotMakeIt
            } else if behind_days || behind_thematic {
                Outlook::AtRisk
            } else {
                Outlook::OnTrack
            };
            let projected_rating = match outlook {
                Outlook::CannotMakeIt => Rating::KhongDat,
                _ if excellent => Rating::XuatSac,
                _ => Rating::Dat,
            };
            let mut msg = format!("Dự báo: {}", outlook.label_vi().to_lowercase());
            if missing > 0 {
                msg.push_str(&format!(
                    " – còn thiếu {missing} ngày, còn {days_left} ngày đến hết năm"
                ));
                if planned_days > 0 {
                    msg.push_str(&format!(", đã đăng ký {planned_days} ngày sắp tới"));
                }
            }
            if thematic_needed > 0 {
                msg.push_str(&format!(", còn thiếu {thematic_needed} đợt chuyên đề"));
            }
            msg.push('.');
            self.push(RuleId::Forecast, Severity::Info, msg, None);
            Some(Forecast {
                outlook,
                outlook_vi: Cow::Borrowed(outlook.label_vi()),
                days_needed: missing,
                days_left_in_year: days_left,
                planned_days,
                thematic_needed,
                projected_rating,
            })
        };

        if whole_year_exempt {
            self.findings.retain(|f| {
                matches!(
                    f.rule,
                    RuleId::Scope | RuleId::Exemption | RuleId::ExemptionNotApplicable
                )
            });
        }
        self.findings.sort_by(|a, b| {
            (a.severity, a.rule, &a.trip, &a.message_vi).cmp(&(
                b.severity,
                b.rule,
                &b.trip,
                &b.message_vi,
            ))
        });

        let levels_visited = p
            .levels
            .iter()
            .enumerate()
            .filter(|(i, _)| levels_mask & (1 << (*i).min(63)) != 0)
            .map(|(_, l)| l.id.clone())
            .collect();

        Verdict {
            cadre_id: d.cadre.id.clone(),
            cadre_name: d.cadre.name.clone(),
            department: d.cadre.department.clone(),
            policy: p.id.clone(),
            year: d.year,
            as_of: self.as_of,
            phase: if self.is_final {
                Phase::Final
            } else {
                Phase::Forecast
            },
            rating,
            rating_vi: Cow::Borrowed(rating.label_vi()),
            exemption,
            days: DaysSummary {
                counted: n_counted,
                required: required_days,
                missing,
                planned: if self.is_final {
                    0
                } else {
                    planned.minus(&counted).len()
                },
                not_counted: NotCounted {
                    unconfirmed: unconfirmed.minus(&counted).len(),
                    not_approved: not_approved.minus(&counted).len(),
                    invitation_only: invitation.minus(&counted).len(),
                    content_not_counted: not_counting.minus(&counted).len(),
                    outside_year,
                },
            },
            thematic: ThematicSummary {
                counted: n_thematic,
                required: required_thematic,
                waived: thematic_waived,
                trips: selected.iter().map(|t| TripRef::of(t)).collect(),
            },
            coverage: CoverageSummary {
                levels_visited,
                levels_missing,
                chi_doan_meetings: meetings,
                chi_doan_required: min_meetings,
            },
            process: ProcessSummary {
                registrations,
                registration_on_time,
                trips_not_approved: n_not_approved,
                trips_unconfirmed: n_unconfirmed,
                reports_missing: n_reports_missing,
                reports_late: n_reports_late,
                conforming,
            },
            excellence,
            forecast,
            findings: self.findings,
        }
    }

    /// Length, "3 cùng" and outline of a finished thematic trip; pushes a warning per problem.
    fn thematic_checks(&mut self, t: &Trip) -> bool {
        let th = &self.p.thematic;
        let mut ok = true;
        let days = t.days();
        if days < th.min_days || days > th.max_days {
            ok = false;
            self.push(
                RuleId::ThematicLength,
                Severity::Warning,
                format!(
                    "{} dài {days} ngày, không được tính là đợt chuyên đề (mỗi đợt {}–{} ngày); số ngày vẫn được tính.",
                    trip_label(t),
                    th.min_days,
                    th.max_days
                ),
                Some(t),
            );
        }
        if th.require_three_together && !t.three_together {
            ok = false;
            self.push(
                RuleId::ThematicThreeTogether,
                Severity::Warning,
                format!("{} không thực hiện “cùng ăn, cùng ở, cùng làm” nên không được tính là đợt chuyên đề.", trip_label(t)),
                Some(t),
            );
        }
        if th.require_outline && !t.outline_approved {
            ok = false;
            self.push(
                RuleId::ThematicOutline,
                Severity::Warning,
                format!(
                    "{} chưa có đề cương chuyên đề được lãnh đạo ban thông qua.",
                    trip_label(t)
                ),
                Some(t),
            );
        }
        ok
    }

    /// Whether a future thematic trip would qualify, without pushing findings.
    fn thematic_shape_ok(&self, t: &Trip) -> bool {
        let th = &self.p.thematic;
        let days = t.days();
        days >= th.min_days
            && days <= th.max_days
            && (!th.require_three_together || t.three_together)
            && (!th.require_outline || t.outline_approved)
    }

    fn report_deadline(&self, rule: ReportDeadline, t: &Trip) -> Option<NaiveDate> {
        match rule {
            ReportDeadline::DaysAfterTrip(n) => Some(add_days(t.end, n)),
            ReportDeadline::PeriodReport => {
                // The first department report due on or after the trip's last day: the one
                // of the trip's period, or a later one when the trip ends after it.
                let start = self.period_index(t.start.max(self.first))?;
                self.report_dues
                    .get(start..)?
                    .iter()
                    .find(|due| due.is_none_or(|due| due >= t.end))
                    .copied()
                    .flatten()
            }
        }
    }

    /// Index of the period containing `day` (a day of the rated year).
    fn period_index(&self, day: NaiveDate) -> Option<usize> {
        self.period_starts.iter().rposition(|&s| s <= day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_set_ranges() {
        let mut s = DaySet::default();
        s.insert_range(0, 0);
        assert_eq!(s.len(), 1);
        s.insert_range(60, 130);
        assert_eq!(s.len(), 72);
        s.insert_range(0, 365);
        assert_eq!(s.len(), 366);
        let mut t = DaySet::default();
        t.insert_range(63, 64);
        assert_eq!(t.len(), 2);
        assert_eq!(s.minus(&t).len(), 364);
    }

    #[test]
    fn date_formats() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            fmt_range(d("2025-04-03"), d("2025-04-06")),
            "03/04–06/04/2025"
        );
        assert_eq!(fmt_range(d("2025-04-03"), d("2025-04-03")), "03/04/2025");
        assert_eq!(
            fmt_range(d("2024-12-30"), d("2025-01-02")),
            "30/12/2024–02/01/2025"
        );
    }
}
