//! Other parties' decisions into the dossier: the host's confirmations (checked here, with
//! the directory), the department head's outline approvals and grades, the standing
//! committee's rulings and waivers, HQ's exemptions, reminders and official rating.
//!
//! Nothing a party wrote can make the engine refuse the dossier: a decision the engine
//! would find impossible (a grade above 100, a confirmation dated before the trip) is left
//! out, and said so.

use super::{Assembled, Sources};
use crate::confirm::{Confirmation, Degree, Rejection, verify, verify_withdrawal};
use crate::doc::TripRecord;
use crate::doc::party::{Entry, OutlineVerdict, PartyView, Ruling, TripAuthority};
use crate::dossier::{Approval, Exemption, HostConfirmation, Reminder, Trip, TripStatus, Waiver};
use crate::policy::RuleId;
use chrono::NaiveDate;

/// Vietnam's offset from UTC: the date of a signed time, where the rules are applied.
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// The calendar day in Vietnam of a time in milliseconds since the Unix epoch.
pub fn vietnam_day(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms.saturating_add(VIETNAM_OFFSET_MS))
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

fn find<'a, T>(entries: &'a [Entry<T>], subject: &str) -> Option<&'a Entry<T>> {
    entries.iter().find(|e| e.subject == subject)
}

fn note_conflict<T>(out: &mut Assembled, entry: &Entry<T>, what: &str) {
    if !entry.conflicts.is_empty() {
        out.conflicts.push(format!(
            "{what} ({}) có {} quyết định khác ghi cùng lúc: cần thống nhất lại.",
            entry.subject,
            entry.conflicts.len()
        ));
    }
}

/// HQ's record: exemptions (not lifted), reminders (the written ones count for the rating,
/// 000 §V.2), the latest official rating.
pub(super) fn apply_hq(out: &mut Assembled, hq: Option<&PartyView>) {
    let Some(hq) = hq else {
        return;
    };
    for e in &hq.exemptions {
        note_conflict(out, e, "Miễn đi cơ sở");
        let x = &e.value;
        if x.lifted || x.to < x.from {
            continue;
        }
        let note = [x.reference.as_str(), x.note.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        out.dossier.cadre.exemptions.push(Exemption {
            reason: x.reason.clone(),
            from: x.from,
            to: x.to,
            note: (!note.is_empty()).then_some(note),
        });
    }
    for e in &hq.reminders {
        let r = &e.value;
        out.reminders.push(r.clone());
        if let Some(reference) = &r.reference {
            out.dossier.reminders.push(Reminder {
                date: r.date,
                reference: Some(reference.clone()),
                note: Some(r.message.clone()),
            });
        }
    }
    out.reminders
        .sort_by_key(|r| std::cmp::Reverse((r.date, r.taken.at)));
    out.official = hq
        .ratings
        .iter()
        .map(|e| &e.value)
        .max_by_key(|r| (r.decided_on, r.taken.at))
        .cloned();
}

/// The standing committee's written waivers (e.g. of the two thematic trips).
pub(super) fn apply_waivers(out: &mut Assembled, standing: Option<&PartyView>) {
    let Some(standing) = standing else {
        return;
    };
    for e in &standing.waivers {
        note_conflict(out, e, "Miễn áp dụng quy định");
        let Ok(rule) =
            serde_json::from_value::<RuleId>(serde_json::Value::String(e.subject.clone()))
        else {
            continue;
        };
        out.dossier.waivers.push(Waiver {
            rule,
            decided_on: e.value.decided_on,
            reference: e.value.reference.clone(),
            reason: (!e.value.reason.is_empty()).then(|| e.value.reason.clone()),
        });
    }
}

/// The standing committee's approval or rejection of each period's registration.
pub(super) fn apply_registration_rulings(out: &mut Assembled, standing: Option<&PartyView>) {
    let Some(standing) = standing else {
        return;
    };
    let mut conflicts = Vec::new();
    for reg in &mut out.dossier.registrations {
        let Some(e) = find(&standing.registrations, &reg.period) else {
            continue;
        };
        if !e.conflicts.is_empty() {
            conflicts.push(format!(
                "Phê duyệt đăng ký đợt {} có {} quyết định khác ghi cùng lúc: cần thống nhất lại.",
                reg.period,
                e.conflicts.len()
            ));
        }
        // A decision dated before the submission it rules on is a typing slip: it takes
        // effect on the submission's day.
        let on = e.value.decided_on.max(reg.submitted_on);
        match e.value.ruling {
            Ruling::Approved => reg.approved_on = Some(on),
            Ruling::Rejected => reg.rejected_on = Some(on),
        }
    }
    out.conflicts.extend(conflicts);
}

/// A trip's approval (assigned, ad hoc), outline approval, grade and confirmation.
pub(super) fn apply_trip_decisions(
    out: &mut Assembled,
    trip: &mut Trip,
    record: &TripRecord,
    sources: &Sources<'_>,
    held: &[Confirmation],
) {
    let id = record.id().to_owned();
    if let Some(standing) = sources.standing
        && let Some(e) = find(&standing.trip_rulings, &id)
    {
        note_conflict(out, e, "Quyết định chuyến đi");
        trip.approval = match (e.value.ruling, e.value.authority) {
            (Ruling::Approved, TripAuthority::Assigned) => Approval::Assigned,
            (Ruling::Approved, TripAuthority::AdHoc) => Approval::AdHoc,
            (Ruling::Rejected, _) => Approval::None,
        };
    }
    if let Some(review) = sources.review {
        if let Some(e) = find(&review.outlines, &id) {
            note_conflict(out, e, "Duyệt đề cương");
            trip.outline_approved = e.value.verdict == OutlineVerdict::Approved;
        }
        if let Some(e) = find(&review.grades, &id)
            && let Some(report) = trip.report.as_mut()
        {
            note_conflict(out, e, "Chấm báo cáo");
            if e.value.score.is_none_or(|s| s <= 100) {
                report.score = e.value.score;
                report.purpose_met = Some(e.value.purpose_met);
                report.remark = (!e.value.remark.is_empty()).then(|| e.value.remark.clone());
            }
        }
    }
    confirm(out, trip, sources, held);
}

/// The first confirmation of the trip that checks out makes it confirmed; the others are
/// said why they do not count.
fn confirm(out: &mut Assembled, trip: &mut Trip, sources: &Sources<'_>, held: &[Confirmation]) {
    let id = trip.id.clone().unwrap_or_default();
    let from_hosts = sources
        .hosts
        .iter()
        .flat_map(|h| &h.confirmations)
        .map(|e| &e.value);
    let mut candidates: Vec<&Confirmation> = held
        .iter()
        .chain(from_hosts)
        .filter(|c| c.claim.trip == id)
        .collect();
    candidates.sort_by_key(|c| (c.confirmed_at, c.id()));
    candidates.dedup_by_key(|c| c.id());
    if candidates.is_empty() {
        return;
    }
    let cadre = out.dossier.cadre.id.clone();
    let year = out.dossier.year;
    let mut valid: Option<&Confirmation> = None;
    for c in &candidates {
        let checked = match sources.directory {
            None => Err("Chưa có danh bạ trên máy để kiểm tra chữ ký xác nhận.".to_owned()),
            Some(dir) => {
                let withdrawn = sources
                    .hosts
                    .iter()
                    .flat_map(|h| &h.withdrawals)
                    .map(|e| &e.value)
                    .find(|w| w.confirmation == c.id() && verify_withdrawal(w, c, dir).is_ok());
                match withdrawn {
                    Some(w) => Err(Rejection::Withdrawn(w.reason.clone()).to_string()),
                    None => verify(c, trip, &cadre, year, dir).map_err(|e| e.to_string()),
                }
            }
        }
        .and_then(|()| {
            if vietnam_day(c.confirmed_at) < trip.start {
                Err("Xác nhận ghi ngày trước khi chuyến đi bắt đầu.".to_owned())
            } else if c.degree == Degree::NotDone {
                Err("Cơ sở xác nhận chuyến đi không hoàn thành.".to_owned())
            } else {
                Ok(())
            }
        });
        match checked {
            Ok(()) if valid.is_none() => valid = Some(c),
            Ok(()) => {}
            Err(reason) => out.rejected_confirmations.push((id.clone(), reason)),
        }
    }
    let officer_name = |code: &str| {
        sources
            .directory
            .and_then(|d| d.person(code))
            .map_or(code.to_owned(), |p| p.name.clone())
    };
    match valid {
        Some(c) => {
            let by = officer_name(&c.officer);
            trip.confirmation = Some(HostConfirmation {
                confirmed_on: vietnam_day(c.confirmed_at),
                valid: true,
                by: Some(by.clone()),
            });
            // The host's word on what happened is the evidence (000 §IV Bước 3).
            if trip.status == TripStatus::Planned {
                trip.status = TripStatus::Done;
            }
            if c.degree == Degree::Partial && trip.status == TripStatus::Done {
                trip.status = TripStatus::Incomplete;
            }
            out.confirmed_by.push((id, by, c.degree));
        }
        None => {
            // Shown as an invalid confirmation, dated no earlier than the trip (the
            // engine's validation), so the days wait.
            let last = candidates[candidates.len() - 1];
            trip.confirmation = Some(HostConfirmation {
                confirmed_on: vietnam_day(last.confirmed_at).max(trip.start),
                valid: false,
                by: Some(officer_name(&last.officer)),
            });
            if trip.status == TripStatus::Planned {
                trip.confirmation = None;
            }
        }
    }
}
