//! What a person types, checked where it is typed: every problem at once, each with the
//! field it belongs to and a Vietnamese sentence, by the same rules the engine and the
//! server apply (one limit, one date format).

use crate::doc::{Basis, MeetingRecord, TripRecord};
use crate::dossier::{
    Approval, ChiDoanMeeting, DifficultySolved, Evidence, GroupMember, HostUnit, MAX_TRIP_DAYS,
    Outline, Trip, TripGroup, TripReport, TripStatus,
};
use crate::policy::Policy;
use crate::verdict::fmt_day;
use chrono::NaiveDate;

/// Longest free text accepted in a short field (names, topics).
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest free text accepted in a long field (outline, report).
pub const MAX_LONG_CHARS: usize = 20_000;

/// One problem, beside its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field's name (`start`, `host_name`…).
    pub field: &'static str,
    pub message: String,
}

/// The result of checking a form: problems block saving, warnings do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Checked {
    fn problem(&mut self, field: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            field,
            message: message.into(),
        });
    }

    fn warning(&mut self, field: &'static str, message: impl Into<String>) {
        self.warnings.push(Problem {
            field,
            message: message.into(),
        });
    }

    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first problem of a field, for the message beside it.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .chain(&self.warnings)
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
}

/// Parses a date as typed: `YYYY-MM-DD` (date inputs) or `dd/mm/yyyy`.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}

fn day_field(c: &mut Checked, field: &'static str, text: &str, what: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        c.problem(field, format!("Chưa nhập {what}."));
        return None;
    }
    let day = parse_day(text);
    if day.is_none() {
        c.problem(field, format!("Ngày “{}” không hợp lệ.", text.trim()));
    }
    day
}

fn short_text(
    c: &mut Checked,
    field: &'static str,
    text: &str,
    what: &str,
    required: bool,
) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        if required {
            c.problem(field, format!("Chưa nhập {what}."));
        }
        return None;
    }
    if t.chars().count() > MAX_SHORT_CHARS {
        c.problem(
            field,
            format!(
                "{} quá dài (tối đa {MAX_SHORT_CHARS} ký tự).",
                capitalise(what)
            ),
        );
    }
    Some(t.to_owned())
}

fn long_text(c: &mut Checked, field: &'static str, text: &str, what: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > MAX_LONG_CHARS {
        c.problem(
            field,
            format!(
                "{} quá dài (tối đa {MAX_LONG_CHARS} ký tự).",
                capitalise(what)
            ),
        );
    }
    Some(t.to_owned())
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A group member as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberForm {
    pub code: String,
    pub name: String,
    /// A policy role code (chức danh).
    pub role: String,
    pub task: String,
}

/// The trip form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripForm {
    pub start: String,
    pub end: String,
    pub host_name: String,
    /// The directory's unit id when picked from it; empty when typed.
    pub host_id: String,
    pub host_level: String,
    pub content_type: String,
    pub topic: String,
    pub notes: String,
    pub thematic: bool,
    pub three_together: bool,
    pub invitation_only: bool,
    pub basis: Basis,
    pub status: TripStatus,
    pub outline_title: String,
    pub outline_text: String,
    /// Everyone in a group trip, the cadre included; empty when going alone.
    pub group: Vec<MemberForm>,
    /// The leading member's code.
    pub group_leader: String,
}

impl TripForm {
    /// The form filled from a stored trip, for editing.
    pub fn of(record: &TripRecord) -> TripForm {
        let t = &record.trip;
        TripForm {
            start: t.start.to_string(),
            end: t.end.to_string(),
            host_name: t.host.name.clone(),
            host_id: t.host.id.clone().unwrap_or_default(),
            host_level: t.host.level.clone(),
            content_type: t.content_type.clone(),
            topic: t.topic.clone().unwrap_or_default(),
            notes: t.notes.clone().unwrap_or_default(),
            thematic: t.thematic,
            three_together: t.three_together,
            invitation_only: t.invitation_only,
            basis: record.basis,
            status: t.status,
            outline_title: t
                .outline
                .as_ref()
                .map(|o| o.title.clone())
                .unwrap_or_default(),
            outline_text: t
                .outline
                .as_ref()
                .map(|o| o.text.clone())
                .unwrap_or_default(),
            group: t
                .group
                .iter()
                .flat_map(|g| &g.members)
                .map(|m| MemberForm {
                    code: m.id.clone(),
                    name: m.name.clone(),
                    role: m.role.clone(),
                    task: m.task.clone(),
                })
                .collect(),
            group_leader: t
                .group
                .as_ref()
                .map(|g| g.leader.clone())
                .unwrap_or_default(),
        }
    }
}

impl TripForm {
    /// The form to save when `self` was typed over `base` (the trip as the form opened
    /// it) and the stored trip is now `current` (another device may have changed it
    /// meanwhile): the fields the person changed, `current`'s for the rest. Without this,
    /// saving an edit would put back every value the form showed, undoing other edits.
    pub fn rebase(self, base: &TripForm, current: TripForm) -> TripForm {
        macro_rules! pick {
            ($($f:ident),*) => {
                TripForm { $($f: if self.$f == base.$f { current.$f } else { self.$f }),* }
            };
        }
        pick!(
            start,
            end,
            host_name,
            host_id,
            host_level,
            content_type,
            topic,
            notes,
            thematic,
            three_together,
            invitation_only,
            basis,
            status,
            outline_title,
            outline_text,
            group,
            group_leader
        )
    }
}

/// Checks a trip form against the policy, the cadre's other trips and today's date, and
/// builds the record to store (keeping what the form does not edit from `existing`).
pub fn check_trip(
    form: &TripForm,
    policy: &Policy,
    others: &[TripRecord],
    existing: Option<&TripRecord>,
    id: &str,
    today: NaiveDate,
) -> (Checked, Option<TripRecord>) {
    let mut c = Checked::default();
    let start = day_field(&mut c, "start", &form.start, "ngày bắt đầu");
    let end = day_field(&mut c, "end", &form.end, "ngày kết thúc");
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            c.problem(
                "end",
                format!(
                    "Ngày kết thúc ({}) trước ngày bắt đầu ({}).",
                    fmt_day(e),
                    fmt_day(s)
                ),
            );
        } else if (e - s).num_days() + 1 > MAX_TRIP_DAYS {
            c.problem(
                "end",
                format!(
                    "Chuyến đi dài {} ngày, quá {MAX_TRIP_DAYS} ngày: kiểm tra lại ngày tháng.",
                    (e - s).num_days() + 1
                ),
            );
        }
        if matches!(form.status, TripStatus::Done | TripStatus::Incomplete) && s > today {
            c.problem(
                "status",
                format!(
                    "Chuyến đi bắt đầu ngày {} chưa diễn ra, chưa thể ghi là đã thực hiện.",
                    fmt_day(s)
                ),
            );
        }
    }
    let host = short_text(
        &mut c,
        "host_name",
        &form.host_name,
        "đơn vị cơ sở đến làm việc",
        true,
    );
    let level = form.host_level.trim();
    if level.is_empty() {
        c.problem("host_level", "Chưa chọn cấp của đơn vị.");
    } else if policy.level(level).is_none() {
        c.problem(
            "host_level",
            format!("Cấp “{level}” không có trong quy định đang áp dụng."),
        );
    }
    let code = form.content_type.trim();
    let content = if code.is_empty() {
        c.problem("content_type", "Chưa chọn nội dung đi cơ sở.");
        None
    } else {
        let ct = policy.content_type(code);
        if ct.is_none() {
            c.problem(
                "content_type",
                format!("Nội dung “{code}” không có trong quy định đang áp dụng."),
            );
        }
        ct
    };
    let topic = short_text(&mut c, "topic", &form.topic, "chủ đề", false);
    let notes = long_text(&mut c, "notes", &form.notes, "ghi chú");
    let outline_title = short_text(
        &mut c,
        "outline_title",
        &form.outline_title,
        "tên đề cương",
        false,
    );
    let outline_text = long_text(&mut c, "outline_text", &form.outline_text, "đề cương");
    if form.thematic {
        if let Some(ct) = content
            && !ct.thematic
        {
            c.problem(
                "thematic",
                format!(
                    "Nội dung {} ({}) không phải đi theo chuyên đề.",
                    ct.code, ct.label_vi
                ),
            );
        }
        if let (Some(s), Some(e)) = (start, end)
            && e >= s
        {
            let days = u32::try_from((e - s).num_days() + 1).unwrap_or(u32::MAX);
            let th = &policy.thematic;
            if days < th.min_days || days > th.max_days {
                c.problem(
                    "end",
                    format!(
                        "Đợt chuyên đề phải dài {}–{} ngày; đợt này {days} ngày.",
                        th.min_days, th.max_days
                    ),
                );
            }
        }
    }
    let group = check_group(&mut c, form);

    // Against the other trips: an exact duplicate is refused, an overlap is flagged.
    if let (Some(s), Some(e), Some(h)) = (start, end, host.as_deref()) {
        for o in others
            .iter()
            .filter(|o| o.id() != id && o.trip.status != TripStatus::Cancelled)
        {
            let t = &o.trip;
            if t.start == s
                && t.end == e
                && t.host.name.trim().eq_ignore_ascii_case(h)
                && t.content_type == code
            {
                c.problem(
                    "start",
                    format!(
                        "Đã có chuyến đi giống hệt: {} tại {}.",
                        crate::verdict::fmt_range(s, e),
                        t.host.name
                    ),
                );
            } else if t.start <= e && s <= t.end {
                c.warning(
                    "start",
                    format!(
                        "Trùng thời gian với chuyến đi {} tại {}: ngày trùng chỉ được tính một lần.",
                        crate::verdict::fmt_range(t.start, t.end),
                        t.host.name
                    ),
                );
            }
        }
    }

    if !c.is_ok() {
        return (c, None);
    }
    let (Some(start), Some(end), Some(host)) = (start, end, host) else {
        return (c, None);
    };
    let kept = existing.map(|r| &r.trip);
    let trip = Trip {
        start,
        end,
        id: Some(id.to_owned()),
        host: HostUnit {
            id: Some(form.host_id.trim().to_owned()).filter(|s| !s.is_empty()),
            name: host,
            level: level.to_owned(),
        },
        content_type: code.to_owned(),
        topic,
        thematic: form.thematic,
        outline_approved: false,
        three_together: form.thematic && form.three_together,
        approval: Approval::Registered,
        invitation_only: form.invitation_only,
        status: form.status,
        confirmation: None,
        report: kept.and_then(|t| t.report.clone()),
        difficulty_solved: kept.and_then(|t| t.difficulty_solved.clone()),
        outline: outline_title.map(|title| Outline {
            title,
            text: outline_text.unwrap_or_default(),
        }),
        group,
        notes,
    };
    let record = TripRecord {
        trip,
        basis: form.basis,
        created_at: existing.map_or(0, |r| r.created_at),
        host_level_known: true,
    };
    (c, Some(record))
}

/// What editing a stored trip must not do on top of [`check_trip`]'s rules: take a trip
/// that has a report back to planned, or end it after its report was sent (the engine
/// would refuse the dossier: `Dossier::validate`).
pub fn check_trip_edit(form: &TripForm, existing: Option<&TripRecord>, checked: &mut Checked) {
    let Some(report) = existing.and_then(|r| r.trip.report.as_ref()) else {
        return;
    };
    if form.status == TripStatus::Planned {
        checked.problem(
            "status",
            "Chuyến đi đã có báo cáo kết quả nên không thể ghi là dự kiến.",
        );
    }
    if let Some(end) = parse_day(&form.end)
        && end > report.submitted_on
    {
        checked.problem(
            "end",
            format!(
                "Báo cáo kết quả đã nộp ngày {}, trước ngày kết thúc mới ({}).",
                fmt_day(report.submitted_on),
                fmt_day(end)
            ),
        );
    }
}

fn check_group(c: &mut Checked, form: &TripForm) -> Option<TripGroup> {
    let members: Vec<&MemberForm> = form
        .group
        .iter()
        .filter(|m| !(m.code.trim().is_empty() && m.name.trim().is_empty()))
        .collect();
    if members.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for m in &members {
        let code = m.code.trim().to_ascii_uppercase();
        if code.is_empty() || m.name.trim().is_empty() {
            c.problem("group", "Mỗi thành viên nhóm cần mã cán bộ và họ tên.");
            continue;
        }
        if out.iter().any(|o: &GroupMember| o.id == code) {
            c.problem("group", format!("Thành viên {code} có tên hai lần."));
            continue;
        }
        out.push(GroupMember {
            id: code,
            name: m.name.trim().to_owned(),
            role: m.role.trim().to_owned(),
            task: m.task.trim().to_owned(),
        });
    }
    let leader = form.group_leader.trim().to_ascii_uppercase();
    if !out.iter().any(|m| m.id == leader) {
        c.problem(
            "group_leader",
            "Chọn người phụ trách nhóm trong số thành viên.",
        );
    }
    Some(TripGroup {
        leader,
        members: out,
    })
}

/// The report form (báo cáo kết quả) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportForm {
    pub submitted_on: String,
    pub result: String,
    pub proposals: String,
    pub product: String,
    /// The long-standing difficulty solved (Xuất sắc), if any.
    pub difficulty: String,
    /// Evidence of it: (kind, description).
    pub evidence: Vec<(crate::dossier::EvidenceKind, String)>,
}

/// Checks a report on `record` and returns the record with it.
pub fn check_report(
    form: &ReportForm,
    record: &TripRecord,
    today: NaiveDate,
) -> (Checked, Option<TripRecord>) {
    let mut c = Checked::default();
    let t = &record.trip;
    let on = day_field(
        &mut c,
        "submitted_on",
        &form.submitted_on,
        "ngày nộp báo cáo",
    );
    if let Some(on) = on {
        if on < t.end {
            c.problem(
                "submitted_on",
                format!(
                    "Ngày nộp ({}) trước khi chuyến đi kết thúc ({}).",
                    fmt_day(on),
                    fmt_day(t.end)
                ),
            );
        }
        if on > today {
            c.problem(
                "submitted_on",
                format!("Ngày nộp ({}) chưa tới.", fmt_day(on)),
            );
        }
    }
    if !matches!(t.status, TripStatus::Done | TripStatus::Incomplete) {
        c.problem("result", "Chỉ báo cáo chuyến đi đã thực hiện.");
    }
    let result = long_text(&mut c, "result", &form.result, "kết quả");
    if result.is_none() {
        c.problem("result", "Chưa nhập kết quả chuyến đi.");
    }
    let proposals = long_text(&mut c, "proposals", &form.proposals, "đề xuất, kiến nghị");
    let product = long_text(&mut c, "product", &form.product, "sản phẩm chuyên đề");
    let difficulty = long_text(
        &mut c,
        "difficulty",
        &form.difficulty,
        "khó khăn được giải quyết",
    );
    let evidence: Vec<Evidence> = form
        .evidence
        .iter()
        .filter(|(_, d)| !d.trim().is_empty())
        .map(|(kind, d)| Evidence {
            kind: *kind,
            description: d.trim().to_owned(),
        })
        .collect();
    if difficulty.is_some() && evidence.is_empty() {
        c.warning(
            "evidence",
            "Cần minh chứng cụ thể (xếp hạng thi đua, công trình, mô hình, số liệu, xác nhận của đơn vị) để được xét Xuất sắc.",
        );
    }
    if !c.is_ok() {
        return (c, None);
    }
    let (Some(on), Some(result)) = (on, result) else {
        return (c, None);
    };
    let mut out = record.clone();
    out.trip.report = Some(TripReport {
        submitted_on: on,
        result: Some(result),
        proposals,
        product,
        ..TripReport::default()
    });
    out.trip.difficulty_solved = difficulty.map(|description| DifficultySolved {
        description,
        evidence,
    });
    (c, Some(out))
}

/// The chi đoàn meeting form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingForm {
    pub date: String,
    pub chi_doan: String,
    pub unit_name: String,
    pub unit_id: String,
    pub unit_level: String,
    pub topic: String,
    pub members_present: String,
    pub remarks: String,
    pub invitation_only: bool,
    /// The trip it was part of (its id), or empty.
    pub trip: String,
}

impl MeetingForm {
    pub fn of(record: &MeetingRecord) -> MeetingForm {
        let m = &record.meeting;
        MeetingForm {
            date: m.date.to_string(),
            chi_doan: m.chi_doan.clone(),
            unit_name: m.unit.name.clone(),
            unit_id: m.unit.id.clone().unwrap_or_default(),
            unit_level: m.unit.level.clone(),
            topic: m.topic.clone().unwrap_or_default(),
            members_present: m.members_present.map(|n| n.to_string()).unwrap_or_default(),
            remarks: m.remarks.clone().unwrap_or_default(),
            invitation_only: m.invitation_only,
            trip: m.trip.clone().unwrap_or_default(),
        }
    }
}

impl MeetingForm {
    /// As [`TripForm::rebase`]: the fields changed over `base`, `current`'s for the rest.
    pub fn rebase(self, base: &MeetingForm, current: MeetingForm) -> MeetingForm {
        macro_rules! pick {
            ($($f:ident),*) => {
                MeetingForm { $($f: if self.$f == base.$f { current.$f } else { self.$f }),* }
            };
        }
        pick!(
            date,
            chi_doan,
            unit_name,
            unit_id,
            unit_level,
            topic,
            members_present,
            remarks,
            invitation_only,
            trip
        )
    }
}

/// Checks a meeting form; `others` are the cadre's other meetings.
pub fn check_meeting(
    form: &MeetingForm,
    policy: &Policy,
    others: &[MeetingRecord],
    id: &str,
    today: NaiveDate,
) -> (Checked, Option<ChiDoanMeeting>) {
    let mut c = Checked::default();
    let date = day_field(&mut c, "date", &form.date, "ngày sinh hoạt");
    if let Some(d) = date
        && d > today
    {
        c.problem(
            "date",
            format!("Buổi sinh hoạt ngày {} chưa diễn ra.", fmt_day(d)),
        );
    }
    let chi_doan = short_text(&mut c, "chi_doan", &form.chi_doan, "tên chi đoàn", true);
    let unit = short_text(&mut c, "unit_name", &form.unit_name, "đơn vị", true);
    let level = form.unit_level.trim();
    if level.is_empty() {
        c.problem("unit_level", "Chưa chọn cấp của đơn vị.");
    } else if policy.level(level).is_none() {
        c.problem(
            "unit_level",
            format!("Cấp “{level}” không có trong quy định đang áp dụng."),
        );
    }
    let members = match form.members_present.trim() {
        "" => None,
        n => match n.parse::<u32>() {
            Ok(n) if n <= 10_000 => Some(n),
            _ => {
                c.problem(
                    "members_present",
                    format!("Số đoàn viên dự “{n}” không hợp lệ."),
                );
                None
            }
        },
    };
    let topic = short_text(&mut c, "topic", &form.topic, "nội dung sinh hoạt", false);
    let remarks = long_text(&mut c, "remarks", &form.remarks, "nhận xét");
    if let (Some(d), Some(name)) = (date, chi_doan.as_deref())
        && others.iter().any(|o| {
            o.meeting.id.as_deref() != Some(id)
                && !o.cancelled
                && o.meeting.date == d
                && o.meeting.chi_doan.trim().eq_ignore_ascii_case(name)
        })
    {
        c.problem(
            "chi_doan",
            format!("Đã ghi buổi sinh hoạt của {name} ngày {}.", fmt_day(d)),
        );
    }
    if !c.is_ok() {
        return (c, None);
    }
    let (Some(date), Some(chi_doan), Some(unit)) = (date, chi_doan, unit) else {
        return (c, None);
    };
    let meeting = ChiDoanMeeting {
        date,
        chi_doan,
        unit: HostUnit {
            id: Some(form.unit_id.trim().to_owned()).filter(|s| !s.is_empty()),
            name: unit,
            level: level.to_owned(),
        },
        id: Some(id.to_owned()),
        invitation_only: form.invitation_only,
        trip: Some(form.trip.trim().to_owned()).filter(|s| !s.is_empty()),
        topic,
        members_present: members,
        remarks,
    };
    (c, Some(meeting))
}

#[cfg(test)]
mod tests;
