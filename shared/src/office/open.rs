//! What is waiting in a cadre-year, and on whom (việc chờ xử lý): the registrations not
//! sent, forwarded or ruled on, the outlines to decide, the hosts' confirmations, the
//! reports to write and to grade. One list, read from the assembled year and the
//! engine's verdict, that the phone's "Việc sắp tới" and the office's worklists both
//! show, so that they cannot disagree on what is late.

use crate::assemble::{Party, Rated, Sources, TripStage};
use crate::doc::party::OutlineVerdict;
use crate::dossier::{Approval, Trip, TripStatus};
use crate::policy::{Policy, RuleId, Severity};
use crate::verdict::{SubmissionStatus, fmt_day, fmt_range};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenKind {
    /// A period's registration not sent by its deadline.
    RegistrationMissing,
    /// A registration sent, not yet forwarded to TC-KT by the department head.
    RegistrationToForward,
    /// A registration waiting for the standing committee's ruling.
    RegistrationToRule,
    /// A planned trip in no registration sent yet.
    TripToRegister,
    /// An assigned or ad-hoc trip waiting for the standing committee's decision.
    TripToRule,
    /// A thematic outline waiting for the department head.
    OutlineToDecide,
    /// A thematic outline returned by the department head, to correct.
    OutlineReturned,
    /// A carried-out trip waiting for the host's confirmation.
    ConfirmationAwaited,
    /// A carried-out trip without its report.
    ReportMissing,
    /// A report waiting for the department head's grade (confirmed by the host or not).
    ReportToGrade,
}

/// One thing waiting on someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItem {
    /// Whose move it is.
    pub party: Party,
    pub kind: OpenKind,
    /// The period code or the trip id.
    pub subject: String,
    /// What is waiting, in Vietnamese, without the person's name.
    pub text_vi: String,
    /// Its deadline, when the policy has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// Past its deadline.
    #[serde(default)]
    pub overdue: bool,
}

fn item(party: Party, kind: OpenKind, subject: &str, text_vi: String) -> OpenItem {
    OpenItem {
        party,
        kind,
        subject: subject.to_owned(),
        text_vi,
        due: None,
        overdue: false,
    }
}

/// "Đoàn xã Vĩnh Hòa (02/03–06/03/2027)".
fn trip_text(t: &Trip) -> String {
    format!("{} ({})", t.host.name, fmt_range(t.start, t.end))
}

/// Everything waiting in `rated` (the year assembled from `sources` under `policy`),
/// registrations first, then trips by date.
pub fn open_items(rated: &Rated, sources: &Sources<'_>, policy: &Policy) -> Vec<OpenItem> {
    let mut items = registrations(rated, sources, policy);
    items.extend(trips(rated, sources));
    items
}

fn registrations(rated: &Rated, sources: &Sources<'_>, policy: &Policy) -> Vec<OpenItem> {
    let dossier = &rated.assembled.dossier;
    let reviewed = |period: &str| {
        sources
            .review
            .is_some_and(|r| r.forwardings.iter().any(|e| e.subject == period))
    };
    let mut items = Vec::new();
    for s in &rated.verdict.process.registrations {
        let label = policy
            .period(&s.period)
            .map_or_else(|| format!("đợt {}", s.period), |p| p.label_vi.clone());
        let sent = dossier.registrations.iter().find(|r| r.period == s.period);
        let mut open = match (s.status, sent) {
            (SubmissionStatus::Missing, _) => OpenItem {
                overdue: true,
                ..item(
                    Party::Cadre,
                    OpenKind::RegistrationMissing,
                    &s.period,
                    format!(
                        "Chưa đăng ký {label} (hạn chót {} đã qua)",
                        fmt_day(s.last_day)
                    ),
                )
            },
            (_, Some(r)) if r.approved_on.is_some() || r.rejected_on.is_some() => continue,
            // Sent: forwarded by the department head first, when the cadre has one.
            (_, Some(r)) if dossier.cadre.department.is_some() && !reviewed(&s.period) => {
                OpenItem {
                    overdue: rated.verdict.as_of > s.last_day,
                    ..item(
                        Party::DepartmentHead,
                        OpenKind::RegistrationToForward,
                        &s.period,
                        format!(
                            "Chờ phòng, ban chuyển Ban Tổ chức – Kiểm tra: đăng ký {label} (gửi ngày {})",
                            fmt_day(r.submitted_on)
                        ),
                    )
                }
            }
            (_, Some(r)) => item(
                Party::Standing,
                OpenKind::RegistrationToRule,
                &s.period,
                format!(
                    "Chờ Thường trực phê duyệt: đăng ký {label} (gửi ngày {})",
                    fmt_day(r.submitted_on)
                ),
            ),
            (_, None) => continue,
        };
        open.due = Some(s.last_day);
        items.push(open);
    }
    items
}

fn trips(rated: &Rated, sources: &Sources<'_>) -> Vec<OpenItem> {
    let as_of = rated.verdict.as_of;
    let overdue_report = |id: &str| {
        rated.verdict.findings.iter().any(|f| {
            f.rule == RuleId::ReportMissing
                && f.severity == Severity::Fail
                && f.trip.as_ref().and_then(|t| t.id.as_deref()) == Some(id)
        })
    };
    let returned = |id: &str| {
        sources.review.and_then(|r| {
            r.outlines
                .iter()
                .find(|e| e.subject == id && e.value.verdict == OutlineVerdict::Returned)
        })
    };
    let mut trips: Vec<&Trip> = rated.assembled.dossier.trips.iter().collect();
    trips.sort_by_key(|t| (t.start, t.end));
    let mut items = Vec::new();
    for t in trips {
        let Some(id) = t.id.as_deref() else { continue };
        let what = trip_text(t);
        let stage = rated.assembled.stage(id);
        if stage == Some(TripStage::ToRegister) {
            items.push(item(
                Party::Cadre,
                OpenKind::TripToRegister,
                id,
                format!("Đăng ký: {what}"),
            ));
        }
        let live = !matches!(
            stage,
            Some(TripStage::Cancelled | TripStage::NotApproved) | None
        );
        if live && t.approval == Approval::Requested {
            items.push(item(
                Party::Standing,
                OpenKind::TripToRule,
                id,
                format!("Chờ Thường trực quyết định chuyến đi phân công, đột xuất: {what}"),
            ));
        }
        if live && t.thematic && t.outline.is_some() && !t.outline_approved {
            items.push(match returned(id) {
                Some(e) => item(
                    Party::Cadre,
                    OpenKind::OutlineReturned,
                    id,
                    format!(
                        "Sửa đề cương: {what}, trả lại ngày {} ({})",
                        fmt_day(e.value.decided_on),
                        e.value.remark
                    ),
                ),
                None => item(
                    Party::DepartmentHead,
                    OpenKind::OutlineToDecide,
                    id,
                    format!("Chờ duyệt đề cương: {what}"),
                ),
            });
        }
        let carried_out =
            matches!(t.status, TripStatus::Done | TripStatus::Incomplete) && t.start <= as_of;
        if stage == Some(TripStage::AwaitingConfirmation) {
            items.push(item(
                Party::Host,
                OpenKind::ConfirmationAwaited,
                id,
                format!("Chờ cơ sở xác nhận: {what}"),
            ));
        }
        if live && carried_out && t.report.is_none() {
            let overdue = overdue_report(id);
            let late = if overdue { " (đã quá hạn)" } else { "" };
            items.push(OpenItem {
                overdue,
                ..item(
                    Party::Cadre,
                    OpenKind::ReportMissing,
                    id,
                    format!("Viết báo cáo: {what}{late}"),
                )
            });
        }
        // The head may grade a report before the host confirms the trip.
        let ungraded = t
            .report
            .as_ref()
            .is_some_and(|r| r.purpose_met.is_none() && r.score.is_none());
        if live && ungraded {
            items.push(item(
                Party::DepartmentHead,
                OpenKind::ReportToGrade,
                id,
                format!("Chờ đánh giá báo cáo: {what}"),
            ));
        }
    }
    items
}

#[cfg(test)]
mod tests;
