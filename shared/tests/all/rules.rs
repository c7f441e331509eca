//! Every rule and exemption of both presets, one row per case, each naming its seed clause
//! (000 = Kiên Giang 06-HD 2023, 001 = Tây Ninh 45-KH 2018).
//!
//! A row: the baseline dossier of [`crate::common::baseline`] (exactly Đạt), an edit, and what the
//! verdict must say: rating, counted days, counted thematic trips, and the findings. The
//! listed Fail/Pending findings must be exactly the blocking ones; listed warnings and infos
//! must be present.

#![cfg(not(target_arch = "wasm32"))]

use crate::common::*;
use shared::dossier::*;
use shared::policy::{PartialYear, Policy, RuleId, Severity};
use shared::verdict::{Outlook, Rating, evaluate};

use Rating::*;
use RuleId as R;
use Severity::{Fail as F, Info as I, Pending as P, Warning as W};

struct Case {
    name: &'static str,
    clause: &'static str,
    policy: fn() -> Policy,
    year: i32,
    as_of: &'static str,
    edit: fn(&mut Dossier),
    rating: Rating,
    days: u32,
    thematic: u32,
    outlook: Option<Outlook>,
    findings: &'static [(RuleId, Severity)],
}

fn kg() -> Policy {
    Policy::preset("kien-giang-2023").expect("preset")
}
fn tn() -> Policy {
    Policy::preset("tay-ninh-2018").expect("preset")
}
fn kg_pro_rata() -> Policy {
    let mut p = kg();
    p.exemptions.partial_year = PartialYear::ProRata;
    p
}

const KG: fn() -> Policy = kg;
const TN: fn() -> Policy = tn;
const FINAL: &str = "2026-01-15";
const FINAL_TN: &str = "2020-01-15";

#[allow(clippy::too_many_arguments)]
const fn row(
    name: &'static str,
    clause: &'static str,
    policy: fn() -> Policy,
    as_of: &'static str,
    edit: fn(&mut Dossier),
    rating: Rating,
    days: u32,
    thematic: u32,
    findings: &'static [(RuleId, Severity)],
) -> Case {
    // Tây Ninh rows are about 2019 (the plan covers 2018–2022), the others about 2025.
    let year = if same(as_of, FINAL_TN) { 2019 } else { 2025 };
    Case {
        name,
        clause,
        policy,
        year,
        as_of,
        edit,
        rating,
        days,
        thematic,
        outlook: None,
        findings,
    }
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn forecast(mut c: Case, outlook: Outlook) -> Case {
    c.outlook = Some(outlook);
    c
}

const fn in_year(mut c: Case, year: i32) -> Case {
    c.year = year;
    c
}

fn set_end(t: &mut Trip, end: &str) {
    t.end = d(end);
    if let Some(c) = &mut t.confirmation {
        c.confirmed_on = t.end;
    }
    if let Some(r) = &mut t.report {
        r.submitted_on = t.end.succ_opt().unwrap_or(t.end);
    }
}

fn move_trip(t: &mut Trip, start: &str, end: &str) {
    t.start = d(start);
    set_end(t, end);
}

fn report(t: &mut Trip) -> &mut TripReport {
    t.report.as_mut().expect("baseline trips have a report")
}

fn confirmation(t: &mut Trip) -> &mut HostConfirmation {
    t.confirmation
        .as_mut()
        .expect("baseline trips have a confirmation")
}

fn exempt(x: &mut Dossier, reason: &str, from: &str, to: &str) {
    x.cadre.exemptions.push(Exemption {
        reason: reason.into(),
        from: d(from),
        to: d(to),
        note: None,
    });
}

fn incomplete_trip(x: &mut Dossier, status: TripStatus) {
    let mut t = trip("2025-12-01", "2025-12-02", "co-so", "3.2");
    t.status = status;
    if status == TripStatus::Cancelled {
        t.confirmation = None;
        t.report = None;
    }
    x.trips.push(t);
}

fn reminder(x: &mut Dossier) {
    x.reminders.push(Reminder {
        date: d("2025-11-20"),
        reference: Some("112-CV/TĐTN".into()),
        note: None,
    });
}

fn second_half_removed(x: &mut Dossier) {
    x.trips.retain(|t| t.start < d("2025-07-01"));
}

fn tn_invitation_follows_process() -> Policy {
    let mut p = tn();
    p.days.invitation_only_follows_process = true;
    p
}

fn kg_own_level_counts() -> Policy {
    let mut p = kg();
    p.days.count_own_level_or_above = true;
    p
}

/// A district cadre (Tây Ninh) whose district-level trips go to base units instead, so
/// the baseline's 60 days stay at lower levels.
fn district_cadre(x: &mut Dossier) {
    x.cadre.level = "huyen".into();
    for t in &mut x.trips {
        if t.host.level == "huyen" {
            t.host = host("co-so");
        }
    }
}

/// A group of `size` on the first thematic trip: the dossier's cadre, a leader of
/// `leader_role` (code cb-07), and cadres; everyone has a task.
fn group_trip(x: &mut Dossier, size: usize, leader_role: &str) {
    let member = |id: &str, name: &str, role: &str| GroupMember {
        id: id.into(),
        name: name.into(),
        role: role.into(),
        task: format!("Khảo sát chi đoàn ({name})"),
    };
    let mut members = vec![
        member(&x.cadre.id.clone(), &x.cadre.name.clone(), "can-bo"),
        member("cb-07", "Trần Thị Bình", leader_role),
    ];
    for k in 2..size {
        members.push(member(
            &format!("cb-1{k}"),
            &format!("Lê Văn Cường {k}"),
            "can-bo",
        ));
    }
    x.trips[T1].group = Some(TripGroup {
        leader: "cb-07".into(),
        members,
    });
}

fn group(x: &mut Dossier) -> &mut TripGroup {
    x.trips[T1].group.as_mut().expect("a group trip")
}

/// A chi đoàn meeting in March, during the February trip or not.
fn invited_meeting(x: &mut Dossier) {
    x.chi_doan_meetings[0].invitation_only = true;
}

/// An extra trip in December attended only on invitation: never registered, confirmed
/// or reported.
fn invitation_trip(x: &mut Dossier) {
    let year = x.year;
    let mut t = trip(
        &format!("{year}-12-01"),
        &format!("{year}-12-02"),
        "co-so",
        "1.5",
    );
    t.invitation_only = true;
    t.approval = Approval::None;
    t.confirmation = None;
    t.report = None;
    x.trips.push(t);
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // ── Kiên Giang (seed 000) ─────────────────────────────────────────────────────────
    row("baseline: 60 days, 2 thematic trips, both levels, chi đoàn", "000 §V.2 Đạt", KG, FINAL, |_| {}, Dat, 60, 2, &[(R::ExcellenceEvidence, I)]),
    row("59 days", "000 §III.1; §V.2 ý 5", KG, FINAL, |x| set_end(&mut x.trips[JAN], "2025-01-14"), KhongDat, 59, 2, &[(R::DaysMinimum, F)]),
    row("overlapping trips count each day once", "000 §III.1 (cộng dồn)", KG, FINAL, |x| x.trips.push(trip("2025-02-13", "2025-02-18", "co-so", "3.2")), Dat, 63, 2, &[]),
    row("two trips on the same day count one day", "000 §III.1 (cộng dồn)", KG, FINAL, |x| { x.trips.push(trip("2025-12-01", "2025-12-01", "co-so", "3.2")); x.trips.push(trip("2025-12-01", "2025-12-01", "huyen", "3.5")); }, Dat, 61, 2, &[]),
    row("trip from 29/12 of the year before: only days in the year", "000 §III.1", KG, FINAL, |x| x.trips.push(trip("2024-12-29", "2025-01-02", "huyen", "3.3")), Dat, 62, 2, &[(R::TripOutsideYear, I)]),
    row("trip into the next year: only days in the year", "000 §III.1", KG, FINAL, |x| x.trips.push(trip("2025-12-30", "2026-01-03", "huyen", "3.3")), Dat, 62, 2, &[(R::TripOutsideYear, I)]),
    row("trip entirely in another year", "000 §III.1", KG, FINAL, |x| x.trips.push(trip("2024-11-03", "2024-11-05", "huyen", "3.3")), Dat, 60, 2, &[(R::TripOutsideYear, I)]),
    row("thematic trip spanning 31/12 counts in its start year", "000 §III.1", KG, FINAL, |x| { x.trips[T2].thematic = false; x.trips[T2].content_type = "3.2".into(); x.trips.push(thematic("2024-12-29", "2025-01-02", "3.1")); }, KhongDat, 62, 1, &[(R::ThematicMinimum, F), (R::TripOutsideYear, I)]),
    row("4-day thematic trip is not a thematic trip", "000 §III.1 (05–07 ngày)", KG, FINAL, |x| { set_end(&mut x.trips[T1], "2025-03-06"); set_end(&mut x.trips[JAN], "2025-01-16"); }, KhongDat, 60, 1, &[(R::ThematicLength, W), (R::ThematicMinimum, F)]),
    row("8-day thematic trip is not a thematic trip; its days count", "000 §III.1 (05–07 ngày)", KG, FINAL, |x| set_end(&mut x.trips[T1], "2025-03-10"), KhongDat, 63, 1, &[(R::ThematicLength, W), (R::ThematicMinimum, F)]),
    row("two back-to-back thematic trips count once", "000 §III.1 (không liên tiếp)", KG, FINAL, |x| move_trip(&mut x.trips[T2], "2025-03-08", "2025-03-14"), KhongDat, 60, 1, &[(R::ThematicConsecutive, W), (R::ThematicMinimum, F)]),
    row("thematic trips one free day apart both count", "000 §III.1 (không liên tiếp)", KG, FINAL, |x| move_trip(&mut x.trips[T2], "2025-03-09", "2025-03-15"), Dat, 60, 2, &[]),
    row("overlapping thematic trips count once", "000 §III.1", KG, FINAL, |x| move_trip(&mut x.trips[T2], "2025-03-05", "2025-03-11"), KhongDat, 57, 1, &[(R::ThematicConsecutive, W), (R::ThematicMinimum, F), (R::DaysMinimum, F)]),
    row("no thematic trip", "000 §III.1; §V.2 ý 4", KG, FINAL, |x| for i in [T1, T2] { x.trips[i].thematic = false; x.trips[i].content_type = "3.2".into(); }, KhongDat, 60, 0, &[(R::ThematicMinimum, F)]),
    row("one thematic trip, rule waived in writing", "000 §V.2 ý 4 (đồng ý bằng văn bản)", KG, FINAL, |x| { x.trips[T2].thematic = false; x.trips[T2].content_type = "3.2".into(); x.waivers.push(Waiver { rule: RuleId::ThematicMinimum, decided_on: d("2025-08-01"), reference: "35-QĐ/TĐTN".into(), reason: None }); }, Dat, 60, 1, &[(R::ThematicMinimum, I)]),
    row("thematic trip without “3 cùng”", "000 §III.1 (cùng ăn, cùng ở, cùng làm)", KG, FINAL, |x| x.trips[T1].three_together = false, KhongDat, 60, 1, &[(R::ThematicThreeTogether, W), (R::ThematicMinimum, F)]),
    row("thematic trip without an approved outline", "000 §III.3 Lưu ý", KG, FINAL, |x| x.trips[T1].outline_approved = false, KhongDat, 60, 1, &[(R::ThematicOutline, W), (R::ThematicMinimum, F)]),
    row("approved content incomplete + written reminder", "000 §V.2 ý 2", KG, FINAL, |x| { incomplete_trip(x, TripStatus::Incomplete); reminder(x); }, KhongDat, 62, 2, &[(R::ContentIncomplete, W), (R::ContentIncompleteReminded, F)]),
    row("approved content incomplete, no reminder", "000 §V.2 ý 2", KG, FINAL, |x| incomplete_trip(x, TripStatus::Incomplete), Dat, 62, 2, &[(R::ContentIncomplete, W)]),
    row("approved trip cancelled + written reminder", "000 §V.2 ý 2", KG, FINAL, |x| { incomplete_trip(x, TripStatus::Cancelled); reminder(x); }, KhongDat, 60, 2, &[(R::ContentIncomplete, W), (R::ContentIncompleteReminded, F)]),
    row("approved trip still planned after the year + reminder", "000 §V.2 ý 2", KG, FINAL, |x| { incomplete_trip(x, TripStatus::Planned); if let Some(t) = x.trips.last_mut() { t.confirmation = None; t.report = None; } reminder(x); }, KhongDat, 60, 2, &[(R::ContentIncomplete, W), (R::ContentIncompleteReminded, F)]),
    row("evidence of solving a difficulty, report 79/100", "000 §V.2 Xuất sắc", KG, FINAL, |x| { x.trips[T1].difficulty_solved = Some(evidence()); report(&mut x.trips[T1]).score = Some(79); }, Dat, 60, 2, &[(R::ExcellenceScore, I)]),
    row("evidence of solving a difficulty, report 80/100", "000 §V.2 Xuất sắc", KG, FINAL, |x| { x.trips[T1].difficulty_solved = Some(evidence()); report(&mut x.trips[T1]).score = Some(80); }, XuatSac, 60, 2, &[(R::Excellent, I)]),
    row("report 95/100 but no evidence", "000 §V.2 Xuất sắc", KG, FINAL, |x| { report(&mut x.trips[T1]).score = Some(95); }, Dat, 60, 2, &[(R::ExcellenceEvidence, I)]),
    row("evidence without a score", "000 §V.2 Xuất sắc", KG, FINAL, |x| { x.trips[T1].difficulty_solved = Some(evidence()); report(&mut x.trips[T1]).score = None; }, Dat, 60, 2, &[(R::ExcellenceScore, I)]),
    row("Xuất sắc conditions but 59 days: Không đạt", "000 §V.2 Xuất sắc (đảm bảo mức Đạt)", KG, FINAL, |x| { x.trips[T1].difficulty_solved = Some(evidence()); report(&mut x.trips[T1]).score = Some(90); set_end(&mut x.trips[JAN], "2025-01-14"); }, KhongDat, 59, 2, &[(R::DaysMinimum, F), (R::Excellent, I)]),
    row("registration on 19/12 is on time", "000 §IV Bước 1 (trước ngày 20/12)", KG, FINAL, |x| x.registrations[0].submitted_on = d("2024-12-19"), Dat, 60, 2, &[]),
    row("registration on 20/12 is late", "000 §IV Bước 1; §V.2 ý 1", KG, FINAL, |x| x.registrations[0].submitted_on = d("2024-12-20"), KhongDat, 60, 2, &[(R::RegistrationLate, F)]),
    in_year(row("2023: period 1 registered on 31/05/2023", "000 §IV Bước 1 (riêng năm 2023)", KG, "2024-01-15", |x| { x.registrations[0].submitted_on = d("2023-05-31"); x.registrations[0].approved_on = Some(d("2023-06-05")); }, Dat, 60, 2, &[]), 2023),
    in_year(row("2023: period 1 registered on 01/06/2023 is late", "000 §IV Bước 1 (riêng năm 2023)", KG, "2024-01-15", |x| { x.registrations[0].submitted_on = d("2023-06-01"); x.registrations[0].approved_on = Some(d("2023-06-05")); }, KhongDat, 60, 2, &[(R::RegistrationLate, F)]), 2023),
    row("period 2 not registered: its trips do not count", "000 §IV Bước 1; §V.2 ý 1", KG, FINAL, |x| { x.registrations.pop(); }, KhongDat, 35, 1, &[(R::RegistrationMissing, F), (R::TripNotApproved, F), (R::DaysMinimum, F), (R::ThematicMinimum, F)]),
    row("period 2 registration rejected", "000 §IV Bước 2", KG, FINAL, |x| { x.registrations[1].approved_on = None; x.registrations[1].rejected_on = Some(d("2025-06-28")); }, KhongDat, 35, 1, &[(R::RegistrationRejected, W), (R::TripNotApproved, F), (R::DaysMinimum, F), (R::ThematicMinimum, F)]),
    row("trip without registration", "000 §IV Bước 1–2; §V.2 ý 3", KG, FINAL, |x| x.trips[FEB].approval = Approval::None, KhongDat, 54, 2, &[(R::TripNotApproved, F), (R::DaysMinimum, F)]),
    row("ad-hoc trip decided by the standing committee counts", "000 §IV Bước 1 (nhiệm vụ đột xuất)", KG, FINAL, |x| x.trips[FEB].approval = Approval::AdHoc, Dat, 60, 2, &[]),
    row("trip without host confirmation", "000 §IV Bước 3; §V.2 ý 3", KG, FINAL, |x| x.trips[FEB].confirmation = None, KhongDat, 54, 2, &[(R::TripUnconfirmed, F), (R::DaysMinimum, F)]),
    row("trip with an invalid host confirmation", "000 §IV Bước 3", KG, FINAL, |x| confirmation(&mut x.trips[FEB]).valid = false, KhongDat, 54, 2, &[(R::TripUnconfirmed, F), (R::DaysMinimum, F)]),
    row("report missing", "000 §IV Bước 4; §V.2 ý 3", KG, FINAL, |x| x.trips[FEB].report = None, KhongDat, 60, 2, &[(R::ReportMissing, F)]),
    row("report of a June trip on 29/06 is on time", "000 §IV Bước 4 (trước 30/6)", KG, FINAL, |x| report(&mut x.trips[5]).submitted_on = d("2025-06-29"), Dat, 60, 2, &[]),
    row("report of a June trip on 30/06 is late", "000 §IV Bước 4 (trước 30/6)", KG, FINAL, |x| report(&mut x.trips[5]).submitted_on = d("2025-06-30"), KhongDat, 60, 2, &[(R::ReportLate, F)]),
    // Regression (issue 3): a trip ending after its period's report deadline was held to it.
    row("trip ending 30/06 reports with period 2 (regression, issue 3)", "000 §IV Bước 4", KG, FINAL, |x| { let mut t = trip("2025-06-28", "2025-06-30", "huyen", "3.3"); report(&mut t).submitted_on = d("2025-07-10"); x.trips.push(t); }, Dat, 63, 2, &[]),
    row("purpose not met", "000 §V.2 ý 3", KG, FINAL, |x| report(&mut x.trips[FEB]).purpose_met = Some(false), KhongDat, 60, 2, &[(R::PurposeNotMet, F)]),
    row("no district-level trip", "000 §III.2", KG, FINAL, |x| for t in &mut x.trips { t.host = host("co-so"); }, KhongDat, 60, 2, &[(R::CoverageLevel, F)]),
    row("no base-level trip", "000 §III.2", KG, FINAL, |x| for t in &mut x.trips { t.host = host("huyen"); }, KhongDat, 60, 2, &[(R::CoverageLevel, F)]),
    row("chi đoàn visits satisfy the base level", "000 §III.2", KG, FINAL, |x| for t in &mut x.trips { if t.host.level == "co-so" { t.host = host("chi-doan"); } }, Dat, 60, 2, &[]),
    row("no chi đoàn meeting", "000 §III.2", KG, FINAL, |x| x.chi_doan_meetings.clear(), KhongDat, 60, 2, &[(R::CoverageChiDoan, F)]),
    row("invitation-only attendance counts in Kiên Giang", "000 §III.1", KG, FINAL, |x| x.trips[FEB].invitation_only = true, Dat, 60, 2, &[]),
    row("chi đoàn meeting on invitation counts in Kiên Giang", "000 §III.2", KG, FINAL, invited_meeting, Dat, 60, 2, &[]),
    row("days at a province-level unit do not count", "000 §III.2 (các cấp bộ đoàn cấp dưới)", KG, FINAL, |x| x.trips[JAN].host = host("tinh"), KhongDat, 54, 2, &[(R::TripOwnLevel, W), (R::DaysMinimum, F)]),
    row("policy option: own level counts", "000 §III.2 (option count_own_level_or_above)", kg_own_level_counts, FINAL, |x| x.trips[JAN].host = host("tinh"), Dat, 60, 2, &[]),
    row("host level unknown (older app): days count", "000 §III.2", KG, FINAL, |x| x.trips[JAN].host.level = String::new(), Dat, 60, 2, &[(R::TripLevelUnknown, W)]),
    row("host level unknown: no coverage from it", "000 §III.2", KG, FINAL, |x| for t in &mut x.trips { if t.host.level == "huyen" { t.host.level = String::new(); } }, KhongDat, 60, 2, &[(R::TripLevelUnknown, W), (R::CoverageLevel, F)]),
    row("group of 3 led by a deputy head", "000 §III.3 Lưu ý (nhóm tối đa 03 người)", KG, FINAL, |x| group_trip(x, 3, "lanh-dao-ban"), Dat, 60, 2, &[]),
    row("group of 2 led by the standing committee", "000 §III.3 Lưu ý (trưởng, phó ban trở lên)", KG, FINAL, |x| group_trip(x, 2, "thuong-truc"), Dat, 60, 2, &[]),
    row("group of 4 is not a thematic trip; its days count", "000 §III.3 Lưu ý (nhóm tối đa 03 người)", KG, FINAL, |x| group_trip(x, 4, "lanh-dao-ban"), KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("group that forgot the cadre: 3 others make 4", "000 §III.3 Lưu ý (nhóm tối đa 03 người)", KG, FINAL, |x| { group_trip(x, 4, "lanh-dao-ban"); group(x).members.remove(0); }, KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("group led by a cadre below deputy head", "000 §III.3 Lưu ý (trưởng, phó ban trở lên)", KG, FINAL, |x| group_trip(x, 3, "can-bo"), KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("group leader's job not given", "000 §III.3 Lưu ý (trưởng, phó ban trở lên)", KG, FINAL, |x| group_trip(x, 3, ""), KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("group leader not a member", "000 §III.3 Lưu ý (cá nhân phụ trách nhóm)", KG, FINAL, |x| { group_trip(x, 3, "lanh-dao-ban"); group(x).leader = "cb-99".into(); }, KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("group member without a task", "000 §III.3 Lưu ý (bảng phân công nhiệm vụ)", KG, FINAL, |x| { group_trip(x, 3, "lanh-dao-ban"); group(x).members[2].task.clear(); }, KhongDat, 60, 1, &[(R::ThematicGroup, W), (R::ThematicMinimum, F)]),
    row("a group of one is going alone", "000 §III.3 Lưu ý (cá nhân hoặc nhóm)", KG, FINAL, |x| { group_trip(x, 2, "lanh-dao-ban"); group(x).members.remove(1); }, Dat, 60, 2, &[]),
    row("assigned trip the standing committee never decided", "000 §IV Bước 1 (nhiệm vụ đột xuất); §V.2 ý 3", KG, FINAL, |x| x.trips[FEB].approval = Approval::Requested, KhongDat, 54, 2, &[(R::TripNotApproved, F), (R::DaysMinimum, F)]),
    row("exempt: long-term study ≥ 6 months", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "hoc-dai-han", "2025-02-01", "2025-09-30"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("not exempt: study of 5 months", "000 §II Lưu ý (6 tháng trở lên)", KG, FINAL, |x| exempt(x, "hoc-dai-han", "2025-02-01", "2025-06-30"), Dat, 60, 2, &[(R::ExemptionNotApplicable, W)]),
    row("exempt: long-term sick leave", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "nghi-benh-dai-han", "2025-10-01", "2026-03-31"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: pregnant, choosing not to go", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "mang-thai", "2025-05-01", "2025-11-30"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: raising a child under 12 months", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "nuoi-con-nho", "2025-03-01", "2026-02-28"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("child over 12 months in the year: not exempt", "000 §II Lưu ý (dưới 12 tháng)", KG, FINAL, |x| exempt(x, "nuoi-con-nho", "2023-06-01", "2025-12-31"), Dat, 60, 2, &[]),
    row("exempt: maternity leave", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "thai-san", "2025-07-01", "2025-12-31"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exemption in another year", "000 §II Lưu ý", KG, FINAL, |x| exempt(x, "thai-san", "2024-01-01", "2024-06-30"), Dat, 60, 2, &[]),
    row("exempt: 20 years at the provincial office", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.years_at_office = 20, Mien, 60, 2, &[(R::Exemption, I)]),
    row("19 years at the office: not exempt", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.years_at_office = 19, Dat, 60, 2, &[]),
    row("exempt: accountant", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.role = "ke-toan".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: clerk", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.role = "van-thu".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: treasurer", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.role = "thu-quy".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: office administration", "000 §II Lưu ý", KG, FINAL, |x| x.cadre.role = "quan-tri".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("district cadre: outside Kiên Giang's scope", "000 §II", KG, FINAL, district_cadre, Mien, 60, 2, &[(R::Scope, I)]),
    row("pro-rata option: maternity leave for the second half", "000 §II Lưu ý (option pro_rata)", kg_pro_rata, FINAL, |x| { second_half_removed(x); exempt(x, "thai-san", "2025-07-01", "2025-12-31"); }, Dat, 35, 1, &[(R::Exemption, I)]),
    row("pro-rata option: exempt every day", "000 §II Lưu ý (option pro_rata)", kg_pro_rata, FINAL, |x| exempt(x, "nghi-benh-dai-han", "2025-01-01", "2025-12-31"), Mien, 60, 2, &[(R::Exemption, I)]),
    // ── Forecasts during the year ────────────────────────────────────────────────────
    forecast(row("1 July, on track", "000 §VI.1 (đôn đốc)", KG, "2025-07-01", |_| {}, KhongDat, 35, 1, &[(R::DaysMinimum, P), (R::ThematicMinimum, P), (R::Forecast, I)]), Outlook::OnTrack),
    forecast(row("1 July, behind pace", "000 §VI.1", KG, "2025-07-01", |x| x.trips.retain(|t| !(t.start >= d("2025-04-01") && t.start < d("2025-07-01"))), KhongDat, 17, 1, &[(R::DaysMinimum, P), (R::ThematicMinimum, P), (R::Forecast, I)]), Outlook::AtRisk),
    forecast(row("20 December, 25 days short: cannot make it", "000 §III.1", KG, "2025-12-20", second_half_removed, KhongDat, 35, 1, &[(R::DaysMinimum, F), (R::ThematicMinimum, P)]), Outlook::CannotMakeIt),
    forecast(row("March, confirmation not yet received", "000 §IV Bước 3", KG, "2025-03-01", |x| x.trips[FEB].confirmation = None, KhongDat, 6, 0, &[(R::TripUnconfirmed, P), (R::DaysMinimum, P), (R::ThematicMinimum, P), (R::CoverageLevel, P), (R::CoverageChiDoan, P)]), Outlook::OnTrack),
    forecast(row("a late registration cannot be repaired", "000 §V.2 ý 1", KG, "2025-03-01", |x| x.registrations[0].submitted_on = d("2024-12-22"), KhongDat, 12, 0, &[(R::RegistrationLate, F), (R::DaysMinimum, P), (R::ThematicMinimum, P), (R::CoverageChiDoan, P)]), Outlook::CannotMakeIt),
    forecast(row("March, assigned trip awaiting the standing committee", "000 §IV Bước 1 (nhiệm vụ đột xuất)", KG, "2025-03-01", |x| x.trips[FEB].approval = Approval::Requested, KhongDat, 6, 0, &[(R::TripNotApproved, P), (R::DaysMinimum, P), (R::ThematicMinimum, P), (R::CoverageLevel, P), (R::CoverageChiDoan, P)]), Outlook::OnTrack),
    forecast(row("before the year starts", "000 §IV Bước 1", KG, "2024-12-25", |_| {}, KhongDat, 0, 0, &[(R::DaysMinimum, P), (R::ThematicMinimum, P), (R::CoverageLevel, P), (R::CoverageChiDoan, P)]), Outlook::OnTrack),
    // ── Tây Ninh (seed 001) ───────────────────────────────────────────────────────────
    row("Tây Ninh baseline", "001 §III.2–3", TN, FINAL_TN, |_| {}, Dat, 60, 2, &[]),
    row("invitation-only attendance does not count", "001 §III.1 Lưu ý", TN, FINAL_TN, |x| x.trips[FEB].invitation_only = true, KhongDat, 54, 2, &[(R::TripInvitationOnly, W), (R::DaysMinimum, F)]),
    row("report 3 days after the trip is on time", "001 §IV.1 Bước 5", TN, FINAL_TN, |x| { let e = x.trips[FEB].end; report(&mut x.trips[FEB]).submitted_on = e + chrono::Days::new(3); }, Dat, 60, 2, &[]),
    row("report 4 days after the trip is late", "001 §IV.1 Bước 5", TN, FINAL_TN, |x| { let e = x.trips[FEB].end; report(&mut x.trips[FEB]).submitted_on = e + chrono::Days::new(4); }, KhongDat, 60, 2, &[(R::ReportLate, F)]),
    row("quarterly registration on the 15th is on time", "001 §IV.1 Bước 2", TN, FINAL_TN, |x| { x.registrations[1].submitted_on = d("2019-04-15"); x.registrations[1].approved_on = Some(d("2019-04-16")); }, Dat, 60, 2, &[]),
    row("quarterly registration on the 16th is late", "001 §IV.1 Bước 2", TN, FINAL_TN, |x| { x.registrations[1].submitted_on = d("2019-04-16"); x.registrations[1].approved_on = Some(d("2019-04-17")); }, KhongDat, 60, 2, &[(R::RegistrationLate, F)]),
    row("quarter 3 not registered", "001 §IV.1 Bước 1–2", TN, FINAL_TN, |x| { x.registrations.remove(2); }, KhongDat, 47, 1, &[(R::RegistrationMissing, F), (R::TripNotApproved, F), (R::DaysMinimum, F)]),
    row("invitation-only attendance is not a trip to register, confirm or report", "001 §III.1 Lưu ý", TN, FINAL_TN, invitation_trip, Dat, 60, 2, &[(R::TripInvitationOnly, W)]),
    row("policy option: invitation-only attendance follows the process", "001 §III.1 Lưu ý (option invitation_only_follows_process)", tn_invitation_follows_process, FINAL_TN, invitation_trip, KhongDat, 60, 2, &[(R::TripInvitationOnly, W), (R::TripNotApproved, F), (R::TripUnconfirmed, F)]),
    row("chi đoàn meeting attended only on invitation does not count", "001 §III.1 Lưu ý; §III.3", TN, FINAL_TN, invited_meeting, KhongDat, 60, 2, &[(R::ChiDoanInvitationOnly, W), (R::CoverageChiDoan, F)]),
    row("chi đoàn meeting during an invitation-only trip does not count", "001 §III.1 Lưu ý; §III.3", TN, FINAL_TN, |x| { x.trips[FEB].invitation_only = true; x.chi_doan_meetings[0].trip = x.trips[FEB].id.clone(); }, KhongDat, 54, 2, &[(R::TripInvitationOnly, W), (R::ChiDoanInvitationOnly, W), (R::CoverageChiDoan, F), (R::DaysMinimum, F)]),
    row("district cadre in scope, base level suffices", "001 §II.1; §III.3", TN, FINAL_TN, district_cadre, Dat, 60, 2, &[]),
    row("district cadre: days at a district office do not count", "001 §III.3 (phải đi cơ sở ở cấp dưới)", TN, FINAL_TN, |x| { district_cadre(x); x.trips[JAN].host = host("huyen"); }, KhongDat, 54, 2, &[(R::TripOwnLevel, W), (R::DaysMinimum, F)]),
    row("district cadre without a lower-level trip", "001 §III.3", TN, FINAL_TN, |x| { x.cadre.level = "huyen".into(); for t in &mut x.trips { t.host = host("huyen"); } }, KhongDat, 0, 0, &[(R::TripOwnLevel, W), (R::CoverageLevel, F), (R::DaysMinimum, F)]),
    row("provincial cadre: days at the province do not count", "001 §III.3", TN, FINAL_TN, |x| x.trips[JAN].host = host("tinh"), KhongDat, 54, 2, &[(R::TripOwnLevel, W), (R::DaysMinimum, F)]),
    row("district cadre's late registration (assumed deadline)", "001 §IV.2 Bước 1 (đầu mỗi quý)", TN, FINAL_TN, |x| { district_cadre(x); x.registrations[1].submitted_on = d("2019-04-16"); x.registrations[1].approved_on = Some(d("2019-04-17")); }, KhongDat, 60, 2, &[(R::RegistrationLate, F)]),
    row("district cadre's report after the quarter (assumed deadline)", "001 §IV.2 Bước 4 (hằng quý)", TN, FINAL_TN, |x| { district_cadre(x); report(&mut x.trips[FEB]).submitted_on = d("2019-04-01"); }, KhongDat, 60, 2, &[(R::ReportLate, F)]),
    row("district cadre's report by the quarter's last day", "001 §IV.2 Bước 4 (hằng quý)", TN, FINAL_TN, |x| { district_cadre(x); report(&mut x.trips[FEB]).submitted_on = d("2019-03-31"); }, Dat, 60, 2, &[]),
    row("host level unknown (older app), Tây Ninh", "001 §III.3", TN, FINAL_TN, |x| x.trips[JAN].host.level = String::new(), Dat, 60, 2, &[(R::TripLevelUnknown, W)]),
    row("no rule on groups in Tây Ninh", "001 §III.1 mục 1.3", TN, FINAL_TN, |x| group_trip(x, 5, "can-bo"), Dat, 60, 2, &[]),
    row("no chi đoàn ấp, khu phố meeting", "001 §III.3", TN, FINAL_TN, |x| x.chi_doan_meetings.clear(), KhongDat, 60, 2, &[(R::CoverageChiDoan, F)]),
    row("inspection 1.2 registered, not assigned", "001 §IV.1 Bước 1", TN, FINAL_TN, |x| x.trips[FEB].content_type = "1.2".into(), Dat, 60, 2, &[(R::TripNeedsAssignment, W)]),
    row("inspection 1.2 assigned by the standing committee", "001 §IV.1 Bước 1", TN, FINAL_TN, |x| { x.trips[FEB].content_type = "1.2".into(); x.trips[FEB].approval = Approval::Assigned; }, Dat, 60, 2, &[]),
    row("inspection 1.2 the standing committee never decided", "001 §IV.1 Bước 1 (phân công của Thường trực)", TN, FINAL_TN, |x| { x.trips[FEB].content_type = "1.2".into(); x.trips[FEB].approval = Approval::Requested; }, KhongDat, 54, 2, &[(R::TripNotApproved, F), (R::DaysMinimum, F)]),
    row("no thematic minimum in Tây Ninh", "001 §III.1 mục 1.3", TN, FINAL_TN, |x| for i in [T1, T2] { x.trips[i].thematic = false; x.trips[i].content_type = "1.1".into(); }, Dat, 60, 0, &[]),
    row("no Xuất sắc level in Tây Ninh", "001 §IV Lưu ý", TN, FINAL_TN, |x| { x.trips[T1].difficulty_solved = Some(evidence()); report(&mut x.trips[T1]).score = Some(95); }, Dat, 60, 2, &[]),
    row("25 years at the office is no exemption in Tây Ninh", "001 §II.2", TN, FINAL_TN, |x| x.cadre.years_at_office = 25, Dat, 60, 2, &[]),
    row("exempt: maternity leave (Tây Ninh)", "001 §II.2", TN, FINAL_TN, |x| exempt(x, "thai-san", "2019-03-01", "2019-08-31"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: seconded to the base ≥ 6 months", "001 §II.2", TN, FINAL_TN, |x| exempt(x, "biet-phai-co-so", "2019-01-01", "2019-08-31"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: full-time training ≥ 6 months", "001 §II.2", TN, FINAL_TN, |x| exempt(x, "dao-tao-tap-trung", "2019-09-01", "2020-02-29"), Mien, 60, 2, &[(R::Exemption, I)]),
    row("not exempt: training of 5 months", "001 §II.2 (06 tháng trở lên)", TN, FINAL_TN, |x| exempt(x, "dao-tao-tap-trung", "2019-09-01", "2020-01-31"), Dat, 60, 2, &[(R::ExemptionNotApplicable, W)]),
    row("secondment exemption is for provincial cadres only", "001 §II.2 (cán bộ Tỉnh đoàn)", TN, FINAL_TN, |x| { district_cadre(x); exempt(x, "biet-phai-co-so", "2019-01-01", "2019-08-31"); }, Dat, 60, 2, &[(R::ExemptionNotApplicable, W)]),
    row("exempt: clerk (Tây Ninh)", "001 §II.2", TN, FINAL_TN, |x| x.cadre.role = "van-thu".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: accountant (Tây Ninh)", "001 §II.2", TN, FINAL_TN, |x| x.cadre.role = "ke-toan".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: treasurer (Tây Ninh)", "001 §II.2", TN, FINAL_TN, |x| x.cadre.role = "thu-quy".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: emulation and rewards", "001 §II.2", TN, FINAL_TN, |x| x.cadre.role = "thi-dua-khen-thuong".into(), Mien, 60, 2, &[(R::Exemption, I)]),
    row("exempt: deputy chief of office for administration", "001 §II.2", TN, FINAL_TN, |x| x.cadre.role = "pho-chanh-van-phong-hcqt".into(), Mien, 60, 2, &[(R::Exemption, I)]),
];

#[test]
fn rules_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let policy = (case.policy)();
        let mut dossier = baseline(&policy.id, case.year);
        (case.edit)(&mut dossier);
        let verdict = match evaluate(&policy, &dossier, d(case.as_of)) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!(
                    "{} [{}]: invalid dossier: {e}",
                    case.name, case.clause
                ));
                continue;
            }
        };
        let mut problems = Vec::new();
        if verdict.rating != case.rating {
            problems.push(format!(
                "rating {:?}, expected {:?}",
                verdict.rating, case.rating
            ));
        }
        if verdict.days.counted != case.days {
            problems.push(format!(
                "{} days, expected {}",
                verdict.days.counted, case.days
            ));
        }
        if verdict.thematic.counted != case.thematic {
            problems.push(format!(
                "{} thematic trips, expected {}",
                verdict.thematic.counted, case.thematic
            ));
        }
        if let Some(o) = case.outlook {
            let got = verdict.forecast.as_ref().map(|f| f.outlook);
            if got != Some(o) {
                problems.push(format!("outlook {got:?}, expected {o:?}"));
            }
        }
        for (rule, sev) in case.findings {
            if !verdict
                .findings
                .iter()
                .any(|f| f.rule == *rule && f.severity == *sev)
            {
                problems.push(format!("missing finding {rule} {sev:?}"));
            }
        }
        for f in &verdict.findings {
            let blocking = matches!(f.severity, Severity::Fail | Severity::Pending);
            if blocking
                && !case
                    .findings
                    .iter()
                    .any(|(r, s)| *r == f.rule && *s == f.severity)
            {
                problems.push(format!(
                    "unexpected {} {:?}: {}",
                    f.rule, f.severity, f.message_vi
                ));
            }
        }
        if !problems.is_empty() {
            let all: Vec<String> = verdict
                .findings
                .iter()
                .map(|f| format!("    {} {:?}: {}", f.rule, f.severity, f.message_vi))
                .collect();
            failures.push(format!(
                "{} [{}]:\n  {}\n{}",
                case.name,
                case.clause,
                problems.join("\n  "),
                all.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// Every rule id of the engine appears in at least one row (or is covered elsewhere).
#[test]
fn every_rule_has_a_row() {
    let elsewhere = [R::TripContentNotCounted];
    for rule in RuleId::ALL {
        let covered = CASES
            .iter()
            .any(|c| c.findings.iter().any(|(r, _)| *r == rule))
            || elsewhere.contains(&rule);
        assert!(covered, "no row exercises {rule}");
    }
}

/// A content type a province marks as not counting (policy data, no preset uses it).
#[test]
fn content_type_that_does_not_count() {
    let mut policy = kg();
    if let Some(ct) = policy.content_types.iter_mut().find(|c| c.code == "3.5") {
        ct.counts = false;
    }
    let mut x = baseline("kien-giang-2023", 2025);
    x.trips[4].content_type = "3.5".into();
    let v = evaluate(&policy, &x, d(FINAL)).expect("valid");
    assert_eq!(v.days.counted, 54);
    assert_eq!(v.days.not_counted.content_not_counted, 6);
    assert!(
        v.findings
            .iter()
            .any(|f| f.rule == R::TripContentNotCounted && f.severity == W)
    );
}

/// Policy options: severity overrides and the spacing of thematic trips.
#[test]
fn policy_options() {
    let mut x = baseline("kien-giang-2023", 2025);
    x.trips[FEB].confirmation = None;
    let mut lenient = kg();
    lenient
        .severity
        .insert(R::TripUnconfirmed, Severity::Warning);
    let v = evaluate(&lenient, &x, d(FINAL)).expect("valid");
    assert!(
        v.findings
            .iter()
            .any(|f| f.rule == R::TripUnconfirmed && f.severity == W)
    );
    assert_eq!(v.rating, KhongDat, "the days still do not count: 54/60");

    let mut y = baseline("kien-giang-2023", 2025);
    move_trip(&mut y.trips[T2], "2025-03-08", "2025-03-14");
    let mut no_gap = kg();
    no_gap.thematic.min_gap_days = 0;
    assert_eq!(evaluate(&no_gap, &y, d(FINAL)).expect("valid").rating, Dat);
    let mut wide_gap = kg();
    wide_gap.thematic.min_gap_days = 30;
    let z = baseline("kien-giang-2023", 2025);
    assert_eq!(
        evaluate(&wide_gap, &z, d(FINAL)).expect("valid").rating,
        Dat,
        "March and September are far apart"
    );
}

/// The finding texts a cadre reads.
#[test]
fn vietnamese_messages() {
    let mut x = baseline("kien-giang-2023", 2025);
    x.trips.retain(|t| t.start < d("2025-10-01"));
    x.trips[FEB].confirmation = None;
    x.chi_doan_meetings.clear();
    let v = evaluate(&kg(), &x, d(FINAL)).expect("valid");
    let messages: Vec<&str> = v.findings.iter().map(|f| f.message_vi.as_str()).collect();
    assert!(
        messages.contains(&"Còn thiếu 18 ngày đi cơ sở (đã có 42/60 ngày)."),
        "{messages:#?}"
    );
    assert!(messages.contains(&"Chuyến đi 10/02–15/02/2025 (Đoàn xã Vĩnh Hòa Hiệp) chưa có xác nhận của cơ sở nên không được tính."), "{messages:#?}");
    assert!(
        messages.contains(&"Chưa dự sinh hoạt chi đoàn nào trong năm."),
        "{messages:#?}"
    );
}

/// Issue 13: the texts of the new findings, as the cadre reads them.
#[test]
fn issue_13_messages() {
    let messages = |policy: &Policy, x: &Dossier, as_of: &str, rules: &[RuleId]| -> String {
        let v = evaluate(policy, x, d(as_of)).expect("valid");
        v.findings
            .iter()
            .filter(|f| rules.contains(&f.rule))
            .map(|f| format!("{} {:?}: {}\n", f.rule, f.severity, f.message_vi))
            .collect()
    };
    let mut out = String::new();

    let mut x = baseline("kien-giang-2023", 2025);
    group_trip(&mut x, 4, "can-bo");
    group(&mut x).members[3].task.clear();
    x.trips[JAN].host = host("tinh");
    x.trips[FEB].host.level = String::new();
    x.trips[FEB + 2].approval = Approval::Requested;
    let rules = [
        R::ThematicGroup,
        R::TripOwnLevel,
        R::TripLevelUnknown,
        R::TripNotApproved,
    ];
    out += &messages(&kg(), &x, FINAL, &rules);
    out += &messages(&kg(), &x, "2025-12-01", &[R::TripNotApproved]);

    let mut y = baseline("tay-ninh-2018", 2019);
    district_cadre(&mut y);
    y.registrations[1].submitted_on = d("2019-04-16");
    y.registrations[1].approved_on = Some(d("2019-04-17"));
    report(&mut y.trips[FEB]).submitted_on = d("2019-04-01");
    invitation_trip(&mut y);
    y.chi_doan_meetings[0].invitation_only = true;
    let rules = [
        R::RegistrationLate,
        R::ReportLate,
        R::TripInvitationOnly,
        R::ChiDoanInvitationOnly,
        R::CoverageChiDoan,
    ];
    out += &messages(&tn(), &y, FINAL_TN, &rules);
    // A provincial cadre's deadlines are the plan's own: no assumption to mention.
    y.cadre.level = "tinh".into();
    out += &messages(&tn(), &y, FINAL_TN, &[R::RegistrationLate]);

    expect_test::expect![[r#"
        trip-not-approved Fail: Chuyến đi 10/04–15/04/2025 (Huyện đoàn Châu Thành) không có quyết định phân công hoặc cho đi đột xuất của Thường trực nên không được tính.
        trip-own-level Warning: Chuyến đi 10/01–15/01/2025 (Tỉnh đoàn): đơn vị đến thuộc Tỉnh đoàn, cùng cấp hoặc trên cấp của cán bộ; không phải đi cơ sở ở cấp dưới nên không được tính.
        trip-level-unknown Warning: Chuyến đi 10/02–15/02/2025 (Đoàn xã Vĩnh Hòa Hiệp): chưa ghi cấp của đơn vị đến. Số ngày vẫn được tính nhưng chưa tính vào địa bàn (các cấp phải đi); đồng chí cần bổ sung cấp của đơn vị.
        thematic-group Warning: Chuyến đi 03/03–07/03/2025 (Đoàn xã Vĩnh Hòa Hiệp) (đi theo nhóm): nhóm có 4 người, tối đa 3 người; người phụ trách nhóm (Trần Thị Bình, Cán bộ chuyên trách) không phải Trưởng, phó phòng, ban hoặc Thường trực Tỉnh đoàn; chưa phân công nhiệm vụ cho Lê Văn Cường 3 nên không được tính là đợt chuyên đề; số ngày vẫn được tính.
        trip-not-approved Pending: Chuyến đi 10/04–15/04/2025 (Huyện đoàn Châu Thành) đang chờ Thường trực quyết định (phân công hoặc cho đi đột xuất) nên chưa được tính.
        registration-late Fail: Đăng ký đi cơ sở Quý II nộp ngày 16/04/2019, quá hạn (hạn chót 15/04/2019). Hạn này là giả định của quy định đang áp dụng: văn bản (001 §IV.2 Bước 1) chỉ ghi “đầu mỗi quý”.
        coverage-chi-doan Fail: Chưa dự sinh hoạt chi đoàn nào trong năm (không tính 1 buổi chỉ dự theo thư mời).
        report-late Fail: Báo cáo chuyến đi 10/02–15/02/2019 (Đoàn xã Vĩnh Hòa Hiệp) nộp ngày 01/04/2019, quá hạn (hạn chót 31/03/2019). Hạn này là giả định của quy định đang áp dụng: văn bản (001 §IV.2 Bước 4) chỉ ghi “hằng quý … tổng hợp báo cáo”.
        chi-doan-invitation-only Warning: Buổi sinh hoạt Chi đoàn ấp Tân Hưng ngày 12/04/2019 chỉ dự theo thư mời nên không được tính là dự sinh hoạt chi đoàn.
        trip-invitation-only Warning: Chuyến đi 01/12–02/12/2019 (Đoàn xã Vĩnh Hòa Hiệp) chỉ dự theo thư mời nên không được tính là đi cơ sở (không cần đăng ký, xác nhận, báo cáo).
        registration-late Fail: Đăng ký đi cơ sở Quý II nộp ngày 16/04/2019, quá hạn (hạn chót 15/04/2019).
    "#]]
    .assert_eq(&out);
}
