//! One cadre's year of "đi cơ sở" (a dossier, hồ sơ đi cơ sở): what the engine rates.
//!
//! Input from users, so every type refuses unknown fields, and [`Dossier::validate`]
//! checks it against the policy, naming the place of each error (`trips[3].end: …`).
//! The JSON format is documented in `docs/dossier-format.md` and `docs/dossier.schema.json`.

use crate::error::{Errors, InputErrors};
use crate::policy::{Policy, RuleId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Longest trip accepted, in days, by the engine and by every form: a work order (công
/// lệnh) of more than two months is a typing error (2205 for 2025), not a trip.
pub const MAX_TRIP_DAYS: i64 = 62;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dossier {
    /// Id of the policy to rate under ("kien-giang-2023"); may come from the caller instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The calendar year rated.
    pub year: i32,
    pub cadre: Cadre,
    /// Registrations (đăng ký đi cơ sở), one per period of the year.
    #[serde(default)]
    pub registrations: Vec<Registration>,
    #[serde(default)]
    pub trips: Vec<Trip>,
    /// Chi đoàn meetings attended (dự sinh hoạt chi đoàn).
    #[serde(default)]
    pub chi_doan_meetings: Vec<ChiDoanMeeting>,
    /// Written reminders from the standing unit (văn bản nhắc nhở).
    #[serde(default)]
    pub reminders: Vec<Reminder>,
    /// Written waivers of a rule by the competent level (e.g. of the two thematic trips).
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// The cadre (cán bộ chuyên trách).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadre {
    pub id: String,
    pub name: String,
    /// Level of the cadre's office, a policy level id ("tinh", "huyen").
    pub level: String,
    /// A policy role code ("can-bo", "ke-toan"…).
    pub role: String,
    /// Department (phòng, ban), for HQ's tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Full years worked at the office by the start of the rated year.
    #[serde(default)]
    pub years_at_office: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<Exemption>,
}

/// A dated situation exempting the cadre (thai sản, học dài hạn…).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// A policy exemption-reason code.
    pub reason: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The registration of one period, as sent by the department to HQ.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// A policy period code ("1", "2", "Q1"…).
    pub period: String,
    pub submitted_on: NaiveDate,
    /// Approval notice of the standing committee (thông báo phê duyệt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_on: Option<NaiveDate>,
}

/// A unit of the organisation (đơn vị), e.g. the host of a trip.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostUnit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// A policy level id.
    pub level: String,
}

/// How a trip was authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// In the period's registration; counts once that registration is approved.
    Registered,
    /// Assigned by the standing committee (phân công của Thường trực).
    Assigned,
    /// Decided ad hoc by the standing committee outside the deadlines (nhiệm vụ đột xuất).
    AdHoc,
    /// The cadre says it was assigned or decided ad hoc, and the standing committee's
    /// decision is not known yet: waiting on it (chờ Thường trực quyết định).
    Requested,
    /// Neither.
    None,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TripStatus {
    /// Not carried out yet.
    Planned,
    #[default]
    Done,
    /// Carried out, but not all the registered content.
    Incomplete,
    Cancelled,
}

fn done() -> TripStatus {
    TripStatus::Done
}

fn yes() -> bool {
    true
}

/// The host unit's on-site confirmation (xác nhận của cơ sở) of time, place, content and
/// completion: the evidence a trip's days rest on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfirmation {
    pub confirmed_on: NaiveDate,
    /// Whether the confirmation checked out (signature, signer, content); the app decides.
    #[serde(default = "yes")]
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// The cadre's report on a trip (báo cáo kết quả), as assessed by the head.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripReport {
    pub submitted_on: NaiveDate,
    /// What was done and found (kết quả), in the cadre's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Proposals to the base or the office (đề xuất, kiến nghị).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposals: Option<String>,
    /// A thematic trip's product (sản phẩm chuyên đề): a model, a survey, a report…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Score /100 of a thematic report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u32>,
    /// The head's judgement that the trip met its purpose (đảm bảo mục đích, yêu cầu).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose_met: Option<bool>,
    /// The head's remark with the grade (nhận xét).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Xếp hạng thi đua của cơ sở.
    EmulationRanking,
    /// Công trình, phần việc cụ thể.
    Project,
    /// Mô hình cụ thể.
    Model,
    /// Báo cáo, số liệu.
    Data,
    /// Xác nhận của đơn vị.
    HostConfirmation,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub description: String,
}

/// A thematic trip helped solve a long-standing difficulty of the base (khó khăn, vướng mắc
/// lâu dài), with concrete evidence: the Xuất sắc condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DifficultySolved {
    pub description: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// The thematic outline (đề cương chuyên đề) the cadre submits; the department head
/// approves it (`Trip::outline_approved`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// One member of a group thematic trip, with their task (bảng phân công nhiệm vụ).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupMember {
    /// The member's cadre code.
    pub id: String,
    pub name: String,
    /// The member's job, a policy role code ("lanh-dao-ban"…): the leader's must be one
    /// the policy allows to lead a group.
    pub role: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub task: String,
}

/// A thematic trip made as a group (đi theo nhóm, 000 §III.3 Lưu ý): at most 3 people,
/// led by a head or deputy head of a department or above. Every member is still rated on
/// their own dossier (000 §V.1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripGroup {
    /// The leading member's `id` (phụ trách nhóm).
    pub leader: String,
    /// Everyone in the group, the dossier's cadre included.
    pub members: Vec<GroupMember>,
}

/// A trip to the base (chuyến đi cơ sở). Field order matters: trips sort by start first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trip {
    pub start: NaiveDate,
    /// Last day, included.
    pub end: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub host: HostUnit,
    /// A policy content-type code ("3.1"…).
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Carried out as a thematic trip (đi theo chuyên đề).
    #[serde(default)]
    pub thematic: bool,
    /// The thematic outline (đề cương) was approved by the department head.
    #[serde(default)]
    pub outline_approved: bool,
    /// "Cùng ăn, cùng ở, cùng làm" with the base.
    #[serde(default)]
    pub three_together: bool,
    pub approval: Approval,
    /// Attended only because invited (theo thư mời).
    #[serde(default)]
    pub invitation_only: bool,
    #[serde(default = "done")]
    pub status: TripStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<HostConfirmation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<TripReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty_solved: Option<DifficultySolved>,
    /// The thematic outline as submitted (its approval is `outline_approved`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Outline>,
    /// Set for a group trip; absent for a cadre going alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<TripGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Trip {
    /// Calendar days, both ends included.
    pub fn days(&self) -> u32 {
        u32::try_from((self.end - self.start).num_days() + 1).unwrap_or(0)
    }
}

/// A chi đoàn meeting attended (dự sinh hoạt chi đoàn).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChiDoanMeeting {
    pub date: NaiveDate,
    /// Name of the chi đoàn ("Chi đoàn ấp Tân Hưng").
    pub chi_doan: String,
    /// The unit HQ counts it under, usually the district (17/18 units in seed 002 §I.2.4).
    pub unit: HostUnit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Attended only because invited (theo thư mời): Tây Ninh does not count it (001 §III.1).
    #[serde(default)]
    pub invitation_only: bool,
    /// The id of the trip it was part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_present: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reminder {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The waived rule; the policy must list it in `waivable`.
    pub rule: RuleId,
    pub decided_on: NaiveDate,
    /// Number of the written decision (số văn bản).
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Dossier {
    /// Parses one dossier from JSON, naming the path of a syntax or type error.
    pub fn from_json_str(text: &str) -> Result<Dossier, InputErrors> {
        crate::error::from_json_str(text)
    }

    /// Checks the dossier against `policy`: dates possible, codes known, scores in range.
    pub fn validate(&self, policy: &Policy) -> Result<(), InputErrors> {
        let mut e = Errors::default();
        if let Some(id) = &self.policy
            && id != &policy.id
        {
            e.push(
                "policy",
                format!(
                    "dossier names policy `{id}` but is evaluated under `{}`",
                    policy.id
                ),
            );
        }
        if !(2000..=2100).contains(&self.year) {
            e.push("year", format!("{} is not a plausible year", self.year));
        } else if !policy.applies_to_year(self.year) {
            e.push(
                "year",
                format!(
                    "{} is outside the years of policy `{}` ({})",
                    self.year,
                    policy.id,
                    policy.years_label()
                ),
            );
        }
        let year = self.year.clamp(2000, 2100);
        // Dates more than a year away from the rated year are typing errors.
        let earliest = NaiveDate::from_ymd_opt(year - 1, 1, 1).unwrap_or(NaiveDate::MIN);
        let latest = NaiveDate::from_ymd_opt(year + 1, 12, 31).unwrap_or(NaiveDate::MAX);
        // Paths are built only for errors: validation runs for every dossier evaluated.
        let near = |e: &mut Errors, path: &dyn Fn() -> String, d: NaiveDate| {
            if d < earliest || d > latest {
                e.push(
                    path(),
                    format!("{d} is too far from the dossier year {}", self.year),
                );
            }
        };

        let c = &self.cadre;
        if c.id.trim().is_empty() {
            e.push("cadre.id", "must not be empty");
        }
        if c.name.trim().is_empty() {
            e.push("cadre.name", "must not be empty");
        }
        if policy.level(&c.level).is_none() {
            e.push(
                "cadre.level",
                unknown("level", &c.level, policy.levels.iter().map(|l| &l.id)),
            );
        }
        if policy.role(&c.role).is_none() {
            e.push(
                "cadre.role",
                unknown("role", &c.role, policy.roles.iter().map(|r| &r.code)),
            );
        }
        if c.years_at_office > 60 {
            e.push(
                "cadre.years_at_office",
                format!("{} is not plausible", c.years_at_office),
            );
        }
        for (i, x) in c.exemptions.iter().enumerate() {
            let p = |field: &str| format!("cadre.exemptions[{i}].{field}");
            if policy.exemption_reason(&x.reason).is_none() {
                e.push(
                    p("reason"),
                    unknown(
                        "exemption reason",
                        &x.reason,
                        policy.exemptions.reasons.iter().map(|r| &r.code),
                    ),
                );
            }
            if x.to < x.from {
                e.push(p("to"), format!("{} is before from {}", x.to, x.from));
            }
        }

        let mut periods = BTreeSet::new();
        for (i, r) in self.registrations.iter().enumerate() {
            let p = |field: &str| format!("registrations[{i}].{field}");
            if policy.period(&r.period).is_none() {
                e.push(
                    p("period"),
                    unknown(
                        "period",
                        &r.period,
                        policy.registration.periods.iter().map(|p| &p.code),
                    ),
                );
            } else if !periods.insert(r.period.as_str()) {
                e.push(
                    p("period"),
                    format!("period `{}` is registered twice", r.period),
                );
            }
            near(&mut e, &|| p("submitted_on"), r.submitted_on);
            if let Some(a) = r.approved_on
                && a < r.submitted_on
            {
                e.push(
                    p("approved_on"),
                    format!("{a} is before submitted_on {}", r.submitted_on),
                );
            }
            if let Some(x) = r.rejected_on {
                if x < r.submitted_on {
                    e.push(
                        p("rejected_on"),
                        format!("{x} is before submitted_on {}", r.submitted_on),
                    );
                }
                if r.approved_on.is_some() {
                    e.push(
                        p("rejected_on"),
                        "a registration cannot be both approved and rejected",
                    );
                }
            }
        }

        // Ids name trips in verdicts and meetings: one trip each. The exact (n²) search
        // runs only when two ids may be equal.
        let repeated_ids = may_repeat(self.trips.iter().filter_map(|t| t.id.as_deref()));
        for (i, t) in self.trips.iter().enumerate() {
            let p = |field: &str| format!("trips[{i}].{field}");
            near(&mut e, &|| p("start"), t.start);
            if t.end < t.start {
                e.push(p("end"), format!("{} is before start {}", t.end, t.start));
            } else if (t.end - t.start).num_days() + 1 > MAX_TRIP_DAYS {
                e.push(
                    p("end"),
                    format!("the trip would last more than {MAX_TRIP_DAYS} days"),
                );
            }
            if t.host.name.trim().is_empty() {
                e.push(p("host.name"), "must not be empty");
            }
            // "": a trip from an older app, whose host's level was never asked (the
            // verdict asks for it); any other unknown level is an error.
            if !t.host.level.is_empty() && policy.level(&t.host.level).is_none() {
                e.push(
                    p("host.level"),
                    unknown("level", &t.host.level, policy.levels.iter().map(|l| &l.id)),
                );
            }
            match policy.content_type(&t.content_type) {
                None => e.push(
                    p("content_type"),
                    unknown(
                        "content type",
                        &t.content_type,
                        policy.content_types.iter().map(|c| &c.code),
                    ),
                ),
                Some(ct) if t.thematic && !ct.thematic => e.push(
                    p("thematic"),
                    format!("content type {} ({}) is not thematic", ct.code, ct.label_vi),
                ),
                Some(_) => {}
            }
            if let Some(c) = &t.confirmation
                && c.confirmed_on < t.start
            {
                e.push(
                    p("confirmation.confirmed_on"),
                    format!("{} is before the trip starts ({})", c.confirmed_on, t.start),
                );
            }
            if let Some(r) = &t.report {
                if r.submitted_on < t.end && t.end >= t.start {
                    e.push(
                        p("report.submitted_on"),
                        format!("{} is before the trip ends ({})", r.submitted_on, t.end),
                    );
                }
                if let Some(s) = r.score
                    && s > 100
                {
                    e.push(p("report.score"), format!("{s} is above 100"));
                }
            }
            if t.status == TripStatus::Planned && (t.confirmation.is_some() || t.report.is_some()) {
                e.push(
                    p("status"),
                    "a planned trip cannot have a confirmation or a report yet",
                );
            }
            if repeated_ids
                && let Some(id) = &t.id
                && let Some(j) = self.trips[..i]
                    .iter()
                    .position(|x| x.id.as_ref() == Some(id))
            {
                e.push(p("id"), format!("`{id}` is also the id of trips[{j}]"));
            }
            if let Some(g) = &t.group {
                validate_group(&mut e, policy, &|field| p(&format!("group.{field}")), g);
            }
        }

        for (i, m) in self.chi_doan_meetings.iter().enumerate() {
            let p = |field: &str| format!("chi_doan_meetings[{i}].{field}");
            near(&mut e, &|| p("date"), m.date);
            if m.chi_doan.trim().is_empty() {
                e.push(p("chi_doan"), "must not be empty");
            }
            if m.unit.name.trim().is_empty() {
                e.push(p("unit.name"), "must not be empty");
            }
            if policy.level(&m.unit.level).is_none() {
                e.push(
                    p("unit.level"),
                    unknown("level", &m.unit.level, policy.levels.iter().map(|l| &l.id)),
                );
            }
            if let Some(trip) = &m.trip
                && self.trip_by_id(trip).is_none()
            {
                e.push(p("trip"), format!("no trip of the dossier has id `{trip}`"));
            }
        }
        for (i, r) in self.reminders.iter().enumerate() {
            near(&mut e, &|| format!("reminders[{i}].date"), r.date);
        }
        for (i, w) in self.waivers.iter().enumerate() {
            if !policy.waivable.contains(&w.rule) {
                e.push(
                    format!("waivers[{i}].rule"),
                    format!("`{}` cannot be waived under policy `{}`", w.rule, policy.id),
                );
            }
            if w.reference.trim().is_empty() {
                e.push(
                    format!("waivers[{i}].reference"),
                    "must name the written decision",
                );
            }
        }
        e.finish()
    }

    /// The trip with this id.
    pub fn trip_by_id(&self, id: &str) -> Option<&Trip> {
        self.trips.iter().find(|t| t.id.as_deref() == Some(id))
    }

    /// Whether `m` was attended only on invitation: marked so, or part of a trip that was
    /// (001 §III.1 Lưu ý).
    pub fn meeting_on_invitation(&self, m: &ChiDoanMeeting) -> bool {
        m.invitation_only
            || m.trip
                .as_deref()
                .and_then(|id| self.trip_by_id(id))
                .is_some_and(|t| t.invitation_only)
    }

    /// First and last day of the rated year.
    pub fn year_bounds(&self) -> (NaiveDate, NaiveDate) {
        let y = self.year.clamp(2000, 2100);
        (
            NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN),
            NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX),
        )
    }
}

/// Whether two of `ids` may be equal: false means they are all distinct. Sorting 64-bit
/// FNV-1a hashes rather than the strings keeps string comparisons (a libc call each) out
/// of validation, which runs for every dossier evaluated; a hash collision only costs
/// the exact search.
fn may_repeat<'a>(ids: impl Iterator<Item = &'a str>) -> bool {
    let mut hashes: Vec<u64> = ids
        .map(|id| {
            id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        })
        .collect();
    hashes.sort_unstable();
    hashes.windows(2).any(|w| w[0] == w[1])
}

/// Members named once each, by a code; jobs the policy knows (empty: not given).
fn validate_group(e: &mut Errors, policy: &Policy, path: &dyn Fn(&str) -> String, g: &TripGroup) {
    if g.members.is_empty() {
        e.push(path("members"), "a group has at least one member");
    }
    for (j, m) in g.members.iter().enumerate() {
        let p = |field: &str| path(&format!("members[{j}].{field}"));
        if m.id.trim().is_empty() {
            e.push(p("id"), "must not be empty");
        } else if let Some(k) = g.members[..j]
            .iter()
            .position(|x| x.id.trim().eq_ignore_ascii_case(m.id.trim()))
        {
            e.push(p("id"), format!("`{}` is also members[{k}]", m.id));
        }
        if m.name.trim().is_empty() {
            e.push(p("name"), "must not be empty");
        }
        if !m.role.is_empty() && policy.role(&m.role).is_none() {
            e.push(
                p("role"),
                unknown("role", &m.role, policy.roles.iter().map(|r| &r.code)),
            );
        }
    }
}

fn unknown<'a>(what: &str, value: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    format!("unknown {what} `{value}` (known: {})", known.join(", "))
}
