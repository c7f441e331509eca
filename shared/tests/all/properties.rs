//! Properties of the engine over random dossiers (proptest).

#![cfg(not(target_arch = "wasm32"))]

use crate::common::*;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use shared::dossier::*;
use shared::policy::{Policy, Severity};
use shared::verdict::{Rating, Verdict, evaluate};

fn day(offset: u32) -> NaiveDate {
    // 15/12/2024 + offset: trips from the year before to the year after 2025.
    d("2024-12-15") + Days::new(u64::from(offset))
}

const LEVELS: [&str; 4] = ["tinh", "huyen", "co-so", "chi-doan"];
const TYPES: [&str; 5] = ["3.1", "3.2", "3.3", "3.4", "3.5"];
const APPROVALS: [Approval; 4] = [
    Approval::Registered,
    Approval::Assigned,
    Approval::AdHoc,
    Approval::None,
];
const STATUSES: [TripStatus; 6] = [
    TripStatus::Done,
    TripStatus::Done,
    TripStatus::Done,
    TripStatus::Incomplete,
    TripStatus::Planned,
    TripStatus::Cancelled,
];

prop_compose! {
    fn arb_trip()(
        start in 0u32..400, len in 1u32..10, level in 0usize..4, ct in 0usize..5,
        approval in 0usize..4, status in 0usize..6, confirmed in 0u8..4, invitation in any::<bool>(),
        three in any::<bool>(), outline in any::<bool>(), reported in 0u8..4, report_delay in 0u32..200,
        score in proptest::option::of(0u32..=100), evidence_ in any::<bool>(), purpose in 0u8..8,
    ) -> Trip {
        let mut t = trip("2025-01-01", "2025-01-01", LEVELS[level], TYPES[ct]);
        t.start = day(start);
        t.end = day(start + len - 1);
        t.approval = APPROVALS[approval];
        t.status = STATUSES[status];
        t.thematic = ct == 0;
        t.three_together = three;
        t.outline_approved = outline;
        t.invitation_only = invitation;
        t.confirmation = match confirmed {
            0 => None,
            1 => Some(HostConfirmation { confirmed_on: t.end, valid: false, by: None }),
            _ => Some(HostConfirmation { confirmed_on: t.end, valid: true, by: None }),
        };
        t.report = (reported > 0).then(|| TripReport {
            submitted_on: t.end + Days::new(u64::from(report_delay)),
            score,
            purpose_met: Some(purpose > 0),
            ..TripReport::default()
        });
        t.difficulty_solved = evidence_.then(evidence);
        if t.status == TripStatus::Planned {
            t.confirmation = None;
            t.report = None;
        }
        t
    }
}

prop_compose! {
    fn arb_dossier()(
        trips in proptest::collection::vec(arb_trip(), 0..30),
        reg1 in 0u32..30, reg2 in 0u8..3, meetings in proptest::collection::vec(0u32..400, 0..3),
        reminder_ in any::<bool>(), waiver in any::<bool>(),
    ) -> Dossier {
        let mut x = baseline("kien-giang-2023", 2025);
        x.trips = trips;
        x.registrations[0].submitted_on = d("2024-12-01") + Days::new(u64::from(reg1));
        x.registrations[0].approved_on = Some(d("2024-12-31"));
        match reg2 {
            0 => { x.registrations.pop(); }
            1 => { x.registrations[1].approved_on = None; x.registrations[1].rejected_on = Some(d("2025-06-28")); }
            _ => {}
        }
        x.chi_doan_meetings = meetings
            .into_iter()
            .map(|o| ChiDoanMeeting { date: day(o), chi_doan: format!("Chi đoàn {o}"), unit: host("huyen"), ..meeting() })
            .collect();
        if reminder_ {
            x.reminders.push(Reminder { date: d("2025-10-01"), reference: None, note: None });
        }
        if waiver {
            x.waivers.push(Waiver { rule: shared::policy::RuleId::ThematicMinimum, decided_on: d("2025-05-01"), reference: "7-QĐ".into(), reason: None });
        }
        x
    }
}

fn as_of() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![Just(d("2026-01-15")), (0u32..400).prop_map(day)]
}

fn kg() -> Policy {
    Policy::preset("kien-giang-2023").expect("preset")
}

fn eval(p: &Policy, x: &Dossier, as_of: NaiveDate) -> Verdict {
    evaluate(p, x, as_of).unwrap_or_else(|e| panic!("generated dossier invalid: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Adding a confirmed, approved day at the base never lowers the counted days.
    #[test]
    fn adding_a_confirmed_day_never_lowers_counted_days(x in arb_dossier(), as_of in as_of(), at in 0u32..400, level in 0usize..4) {
        let p = kg();
        let before = eval(&p, &x, as_of).days.counted;
        let mut more = x.clone();
        let mut t = trip("2025-01-01", "2025-01-01", LEVELS[level], "3.2");
        t.start = day(at);
        t.end = t.start;
        t.approval = Approval::AdHoc;
        t.confirmation = Some(HostConfirmation { confirmed_on: t.end, valid: true, by: None });
        t.report = Some(TripReport { submitted_on: t.end, score: None, purpose_met: Some(true), ..TripReport::default() });
        more.trips.push(t);
        let after = eval(&p, &more, as_of).days.counted;
        prop_assert!(after >= before, "{after} < {before}");
    }

    /// Xuất sắc is never given where Đạt fails.
    #[test]
    fn never_excellent_when_pass_fails(x in arb_dossier(), as_of in as_of()) {
        let p = kg();
        let v = eval(&p, &x, as_of);
        let mut no_excellence = p.clone();
        no_excellence.excellence = None;
        let pass = eval(&no_excellence, &x, as_of).rating;
        if v.rating == Rating::XuatSac {
            prop_assert_eq!(pass, Rating::Dat);
            prop_assert!(v.days.counted >= v.days.required);
            prop_assert!(v.thematic.counted >= v.thematic.required || v.thematic.waived);
            prop_assert!(!v.findings.iter().any(|f| matches!(f.severity, Severity::Fail | Severity::Pending)));
        }
        if pass == Rating::KhongDat {
            prop_assert_eq!(v.rating, Rating::KhongDat);
        }
    }

    /// Same input, same verdict, whatever the order of the dossier's lists.
    #[test]
    fn deterministic_and_independent_of_input_order(x in arb_dossier(), as_of in as_of(), k in 0usize..30) {
        let p = kg();
        let a = serde_json::to_string(&eval(&p, &x, as_of)).expect("json");
        prop_assert_eq!(&a, &serde_json::to_string(&eval(&p, &x, as_of)).expect("json"));
        let mut y = x.clone();
        y.trips.reverse();
        if !y.trips.is_empty() {
            let n = y.trips.len();
            y.trips.rotate_left(k % n);
        }
        y.registrations.reverse();
        y.chi_doan_meetings.reverse();
        y.cadre.exemptions.reverse();
        let b = serde_json::to_string(&eval(&p, &y, as_of)).expect("json");
        prop_assert_eq!(a, b);
    }
}
