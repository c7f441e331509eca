//! The process (quy trình, 000 §IV, §V.2 Không đạt ý 2–3): each approved trip's report,
//! approved content not completed, and whether the process conforms.

use super::calendar::{add_days, fmt_day, trip_label, trip_text};
use super::trips::Tally;
use super::{Engine, Finding};
use crate::dossier::{Trip, TripStatus};
use crate::policy::{ReportDeadline, RuleId, Severity};
use chrono::NaiveDate;

/// Findings that make the process not conforming when they fail or are pending.
const PROCESS_RULES: [RuleId; 6] = [
    RuleId::RegistrationMissing,
    RuleId::RegistrationLate,
    RuleId::TripNotApproved,
    RuleId::TripUnconfirmed,
    RuleId::ReportMissing,
    RuleId::ReportLate,
];

pub(super) fn blocking(f: &Finding) -> bool {
    matches!(f.severity, Severity::Fail | Severity::Pending)
}

impl Engine<'_> {
    /// The report of an approved trip that has ended (000 §IV Bước 4; 001 §IV.1 Bước 5),
    /// and the head's judgement of its purpose.
    pub(super) fn report(
        &mut self,
        t: &Trip,
        report_rule: Option<ReportDeadline>,
        tally: &mut Tally<'_>,
    ) {
        let report = t.report.as_ref();
        if let Some(deadline) = report_rule.and_then(|r| self.report_deadline(r, t)) {
            let found = match report {
                Some(r) if r.submitted_on > deadline => {
                    tally.n_reports_late += 1;
                    Some((
                        RuleId::ReportLate,
                        Severity::Fail,
                        format!(
                            "Báo cáo {} nộp ngày {}, quá hạn (hạn chót {}).",
                            trip_text(t),
                            fmt_day(r.submitted_on),
                            fmt_day(deadline)
                        ),
                    ))
                }
                Some(_) => None,
                None if self.is_final || self.as_of > deadline => {
                    tally.n_reports_missing += 1;
                    Some((
                        RuleId::ReportMissing,
                        Severity::Fail,
                        format!(
                            "Chưa nộp báo cáo kết quả {} (hạn chót {}).",
                            trip_text(t),
                            fmt_day(deadline)
                        ),
                    ))
                }
                None => Some((
                    RuleId::ReportMissing,
                    Severity::Info,
                    format!(
                        "Cần nộp báo cáo kết quả {} chậm nhất ngày {}.",
                        trip_text(t),
                        fmt_day(deadline)
                    ),
                )),
            };
            if let Some((rule, severity, mut msg)) = found {
                Self::note_assumption(&mut msg, self.assumed_report);
                self.push(rule, severity, msg, Some(t));
            }
        }
        if report.is_some_and(|r| r.purpose_met == Some(false)) {
            self.push(
                RuleId::PurposeNotMet,
                Severity::Fail,
                format!(
                    "{} không đảm bảo mục đích, yêu cầu đề ra (theo đánh giá của lãnh đạo).",
                    trip_label(t)
                ),
                Some(t),
            );
        }
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

    /// Approved content not completed; with a written reminder it fails (000 §V.2 ý 2).
    pub(super) fn content_incomplete(&mut self, incomplete: &[&Trip]) {
        if incomplete.is_empty() {
            return;
        }
        for &t in incomplete {
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
        if let Some(r) = self
            .d
            .reminders
            .iter()
            .filter(|r| r.date <= self.as_of)
            .min()
        {
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

    /// No process finding fails or is pending.
    pub(super) fn conforming(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| blocking(f) && PROCESS_RULES.contains(&f.rule))
    }
}
