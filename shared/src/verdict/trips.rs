//! Phase 3: each trip, in a canonical order — which of its days fall in the year, whether
//! it is approved, carried out, confirmed by the host, of a counting content, and what its
//! days add to the year's tally (000 §III.1, §IV; 001 §III, §IV).

use super::calendar::{DaySet, add_days, trip_label};
use super::{Decision, Engine, PeriodStatus};
use crate::dossier::{Approval, Trip, TripStatus};
use crate::policy::{ContentType, ReportDeadline, RuleId, Severity, TripYear};
use chrono::Datelike;

/// What the dossier's trips add up to.
#[derive(Default)]
pub(super) struct Tally<'a> {
    /// Days that count (D1).
    pub counted: DaySet,
    /// Approved days still ahead of as-of.
    pub planned: DaySet,
    /// Days waiting on a confirmation or an approval: reachable, not counted yet.
    pub pending: DaySet,
    pub unconfirmed: DaySet,
    pub not_approved: DaySet,
    pub invitation: DaySet,
    pub not_counting: DaySet,
    /// Days at a host of the cadre's own level or above.
    pub own_level: DaySet,
    /// Days of the dossier's trips in another year (summed per trip).
    pub outside_year: u32,
    /// Bit `i`: a counted trip visited `policy.levels[i]`.
    pub levels_mask: u64,
    /// Finished thematic trips that qualify, before the spacing rule.
    pub candidates: Vec<&'a Trip>,
    pub planned_thematic: u32,
    pub pending_thematic: u32,
    pub n_not_approved: u32,
    pub n_unconfirmed: u32,
    pub n_reports_missing: u32,
    pub n_reports_late: u32,
    /// Approved trips whose content was not carried out (000 §V.2 Không đạt ý 2).
    pub incomplete: Vec<&'a Trip>,
}

impl<'a> Engine<'a> {
    pub(super) fn trips(&mut self, registrations: &[PeriodStatus]) -> Tally<'a> {
        let (p, d) = (self.p, self.d);
        // A canonical order, so the verdict does not depend on input order.
        let mut trips: Vec<&'a Trip> = d.trips.iter().collect();
        trips.sort_unstable();
        let cadre_level = &d.cadre.level;
        let report_rule = p
            .reports
            .iter()
            .find(|r| r.cadre_levels.is_empty() || r.cadre_levels.contains(cadre_level))
            .map(|r| r.deadline);
        let mut tally = Tally::default();
        for t in trips {
            self.trip(t, registrations, report_rule, &mut tally);
        }
        tally
    }

    fn trip(
        &mut self,
        t: &'a Trip,
        registrations: &[PeriodStatus],
        report_rule: Option<ReportDeadline>,
        tally: &mut Tally<'a>,
    ) {
        if !self.days_in_year(t, tally) {
            return;
        }
        let Some(ct) = self.p.content_type(&t.content_type) else {
            return;
        };
        // A trip starting after as-of has not happened yet, whatever its status says.
        let carried_out =
            matches!(t.status, TripStatus::Done | TripStatus::Incomplete) && t.start <= self.as_of;
        let until = self.until();
        let days = &self.p.days;
        if t.invitation_only && !days.count_invitation_only && !days.invitation_only_follows_process
        {
            if carried_out {
                self.invitation_only_attendance(t, tally);
            }
            return;
        }
        let (approved, approval_pending) = self.approval(t, registrations);
        let should_be_over = self.is_final || t.end < self.as_of;

        // Approved content not carried out (000 §V.2 Không đạt ý 2).
        if approved
            && (t.status == TripStatus::Incomplete
                || t.status == TripStatus::Cancelled
                || (t.status == TripStatus::Planned && should_be_over))
        {
            tally.incomplete.push(t);
        }
        if !carried_out {
            if approved && t.status != TripStatus::Cancelled {
                let after = self.bits(t.start.max(add_days(until, 1)), t.end, self.last);
                tally.planned.union(&after);
                if t.thematic && self.thematic_shape_ok(t) && t.start > self.as_of {
                    tally.planned_thematic += 1;
                }
            }
            return;
        }
        // Requested: the cadre says it was assigned; the standing committee's decision is
        // pending (`counts` says so).
        if ct.requires_assignment
            && !matches!(
                t.approval,
                Approval::Assigned | Approval::AdHoc | Approval::Requested
            )
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
        if t.host.level.is_empty() && past.len() > 0 {
            self.push(
                RuleId::TripLevelUnknown,
                Severity::Warning,
                format!(
                    "{}: chưa ghi cấp của đơn vị đến. Số ngày vẫn được tính nhưng chưa tính vào địa bàn (các cấp phải đi); đồng chí cần bổ sung cấp của đơn vị.",
                    trip_label(t)
                ),
                Some(t),
            );
        }
        if approved {
            let ahead = self.bits(t.start.max(add_days(until, 1)), t.end, self.last);
            tally.planned.union(&ahead);
        }
        let host_level = self.p.level_index(&t.host.level);
        let counts = self.counts(
            t,
            ct,
            (approved, approval_pending),
            host_level,
            &past,
            tally,
        );
        if counts {
            tally.counted.union(&past);
            if past.len() > 0
                && let Some(i) = host_level
            {
                tally.levels_mask |= 1 << i.min(63);
            }
        }
        if approved && t.end <= self.as_of {
            self.report(t, report_rule, tally);
        }
        self.thematic_candidate(t, counts, tally);
    }

    /// Notes the days of `t` outside the rated year; false if it has none inside it.
    fn days_in_year(&mut self, t: &Trip, tally: &mut Tally<'_>) -> bool {
        let (p, year) = (self.p, self.d.year);
        let in_year = t.end >= self.first && t.start <= self.last;
        if !in_year {
            self.push(
                RuleId::TripOutsideYear,
                Severity::Info,
                format!(
                    "{} không thuộc năm {year} nên không được tính.",
                    trip_label(t)
                ),
                Some(t),
            );
            return false;
        }
        let span = t.days();
        let in_year_days = self.bits(t.start, t.end, self.last).len();
        if in_year_days < span {
            tally.outside_year += span - in_year_days;
            let thematic_here = match p.thematic.counts_in_year_of {
                TripYear::Start => t.start.year() == year,
                TripYear::End => t.end.year() == year,
            };
            let mut msg = format!(
                "{}: {} ngày ngoài năm {year} không tính cho năm này.",
                trip_label(t),
                span - in_year_days,
            );
            if t.thematic && !thematic_here {
                msg.push_str(" Đợt chuyên đề này được tính cho năm khác.");
            }
            self.push(RuleId::TripOutsideYear, Severity::Info, msg, Some(t));
        }
        true
    }

    /// (approved, waiting for a decision).
    fn approval(&self, t: &Trip, registrations: &[PeriodStatus]) -> (bool, bool) {
        match t.approval {
            Approval::Registered => {
                let period = self.period_index(t.start.max(self.first));
                match period
                    .and_then(|i| registrations.get(i))
                    .and_then(|r| r.decision)
                {
                    Some(Decision::Approved) => (true, false),
                    Some(Decision::Pending) => (false, true),
                    _ => (false, false),
                }
            }
            Approval::Assigned | Approval::AdHoc => (true, false),
            Approval::Requested => (false, true),
            Approval::None => (false, false),
        }
    }

    /// Whether the carried-out trip's days count; pushes a finding for each reason not.
    /// `approval`: (approved, waiting for a decision); `host_level`: the index of the
    /// host's level, if known.
    fn counts(
        &mut self,
        t: &Trip,
        ct: &ContentType,
        (approved, approval_pending): (bool, bool),
        host_level: Option<usize>,
        past: &DaySet,
        tally: &mut Tally<'_>,
    ) -> bool {
        let mut counts = true;
        if !approved {
            counts = false;
            tally.n_not_approved += 1;
            tally.not_approved.union(past);
            // Requested: assigned or ad hoc by the cadre's account; the standing committee
            // has the move (whose decision the findings name).
            let requested = t.approval == Approval::Requested;
            if approval_pending && !self.is_final {
                tally.pending.union(past);
                let msg = if requested {
                    format!(
                        "{} đang chờ Thường trực quyết định (phân công hoặc cho đi đột xuất) nên chưa được tính.",
                        trip_label(t)
                    )
                } else {
                    format!(
                        "{}: đăng ký chưa được phê duyệt nên chưa được tính.",
                        trip_label(t)
                    )
                };
                self.push(RuleId::TripNotApproved, Severity::Pending, msg, Some(t));
            } else {
                let msg = if requested {
                    format!(
                        "{} không có quyết định phân công hoặc cho đi đột xuất của Thường trực nên không được tính.",
                        trip_label(t)
                    )
                } else {
                    format!(
                        "{} chưa được đăng ký, phê duyệt nên không được tính.",
                        trip_label(t)
                    )
                };
                self.push(RuleId::TripNotApproved, Severity::Fail, msg, Some(t));
            }
        }
        let confirmed = t.confirmation.as_ref().is_some_and(|c| c.valid);
        if !confirmed && past.len() > 0 {
            counts = false;
            tally.n_unconfirmed += 1;
            tally.unconfirmed.union(past);
            if approved {
                tally.pending.union(past);
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
            tally.not_counting.union(past);
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
        if !self.p.days.count_own_level_or_above
            && let Some(level) = self.own_level_or_above(host_level)
        {
            counts = false;
            tally.own_level.union(past);
            self.push(
                RuleId::TripOwnLevel,
                Severity::Warning,
                format!(
                    "{}: đơn vị đến thuộc {}, cùng cấp hoặc trên cấp của cán bộ; không phải đi cơ sở ở cấp dưới nên không được tính.",
                    trip_label(t),
                    level
                ),
                Some(t),
            );
        }
        if t.invitation_only && !self.p.days.count_invitation_only {
            counts = false;
            tally.invitation.union(past);
            self.push(
                RuleId::TripInvitationOnly,
                Severity::Warning,
                format!("{} chỉ dự theo thư mời nên không được tính.", trip_label(t)),
                Some(t),
            );
        }
        counts
    }

    /// The label of the host's level (`host`, an index) when it is the cadre's own level
    /// or above; `None` for a lower level, or a level not known.
    fn own_level_or_above(&self, host: Option<usize>) -> Option<&'a str> {
        let (host, cadre) = (host?, self.cadre_level?);
        if host > cadre {
            return None;
        }
        self.p.levels.get(host).map(|l| l.label_vi.as_str())
    }

    /// Attendance only on invitation, under a policy for which it is not a trip of the
    /// process (001 §III.1 Lưu ý): its days do not count, and nothing is owed for it.
    fn invitation_only_attendance(&mut self, t: &Trip, tally: &mut Tally<'_>) {
        let past = self.bits(t.start, t.end, self.until());
        if past.len() == 0 {
            return;
        }
        tally.invitation.union(&past);
        self.push(
            RuleId::TripInvitationOnly,
            Severity::Warning,
            format!(
                "{} chỉ dự theo thư mời nên không được tính là đi cơ sở (không cần đăng ký, xác nhận, báo cáo).",
                trip_label(t)
            ),
            Some(t),
        );
    }
}
