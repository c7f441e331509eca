//! HQ's aggregates (seed 002 §I.3) over a few dossiers.

#![cfg(not(target_arch = "wasm32"))]

use crate::common::*;
use shared::dossier::{Exemption, TripReport};
use shared::policy::Policy;
use shared::summary::summarize;
use shared::verdict::evaluate;

#[test]
fn aggregates_over_dossiers() {
    let policy = Policy::preset("kien-giang-2023").expect("preset");
    let pass = baseline("kien-giang-2023", 2025);
    let mut short = baseline("kien-giang-2023", 2025);
    short.cadre.id = "cb-02".into();
    short.cadre.department = Some("Văn phòng".into());
    short.trips[FEB].confirmation = None;
    let mut excellent = baseline("kien-giang-2023", 2025);
    excellent.cadre.id = "cb-03".into();
    excellent.trips[T1].difficulty_solved = Some(evidence());
    excellent.trips[T1].report = Some(TripReport {
        submitted_on: d("2025-03-08"),
        score: Some(90),
        purpose_met: Some(true),
        ..TripReport::default()
    });
    let mut exempt = baseline("kien-giang-2023", 2025);
    exempt.cadre.id = "cb-04".into();
    exempt.cadre.exemptions.push(Exemption {
        reason: "thai-san".into(),
        from: d("2025-01-01"),
        to: d("2025-06-30"),
        note: None,
    });
    let dossiers = [pass, short, excellent, exempt];
    let verdicts: Vec<_> = dossiers
        .iter()
        .map(|x| evaluate(&policy, x, d("2026-01-15")).expect("valid"))
        .collect();
    let s = summarize(dossiers.iter().zip(&verdicts));
    assert_eq!((s.dossiers, s.exempt, s.eligible, s.met), (4, 1, 3, 2));
    assert_eq!(
        (
            s.by_rating.dat,
            s.by_rating.xuat_sac,
            s.by_rating.khong_dat,
            s.by_rating.mien
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(s.total_days, 174);
    assert_eq!(s.average_days, 58.0);
    assert_eq!(
        (s.at_or_above_minimum, s.at_or_above_minimum_percent),
        (2, 66.67)
    );
    assert_eq!(s.thematic_trips_by_quarter, [3, 0, 3, 0]);
    assert_eq!(s.chi_doan_meetings_by_unit.len(), 1);
    assert_eq!(
        (
            s.chi_doan_meetings_by_unit[0].meetings,
            s.chi_doan_meetings_by_unit[0].cadres
        ),
        (4, 4)
    );
    let depts: Vec<_> = s
        .by_department
        .iter()
        .map(|x| (x.department.as_str(), x.eligible, x.met))
        .collect();
    assert_eq!(
        depts,
        [("Ban Tổ chức – Kiểm tra", 2, 2), ("Văn phòng", 1, 0)]
    );
    // Order does not matter.
    let reversed = summarize(dossiers.iter().zip(&verdicts).rev());
    assert_eq!(
        serde_json::to_string(&s).expect("json"),
        serde_json::to_string(&reversed).expect("json")
    );
}

/// Issue 13: under Tây Ninh a chi đoàn meeting attended only on invitation is not counted
/// for its unit; under Kiên Giang it is.
#[test]
fn meetings_on_invitation_by_policy() {
    for (id, year, expected) in [("tay-ninh-2018", 2019, 1), ("kien-giang-2023", 2025, 2)] {
        let policy = Policy::preset(id).expect("preset");
        let mut x = baseline(id, year);
        let mut invited = x.chi_doan_meetings[0].clone();
        invited.date = d(&format!("{year}-05-12"));
        invited.trip = x.trips[FEB].id.clone();
        x.trips[FEB].invitation_only = true;
        x.chi_doan_meetings.push(invited);
        let v = evaluate(&policy, &x, d(&format!("{}-01-15", year + 1))).expect("valid");
        let s = summarize([(&x, &v)]);
        assert_eq!(s.chi_doan_meetings_by_unit[0].meetings, expected, "{id}");
    }
}
