use super::*;
use crate::assemble::{Sources, assemble};
use crate::doc::party::{
    Entry, Forwarding, OutlineDecision, PartyView, RegistrationRuling, Ruling, Taken,
};
use crate::doc::{Basis, CadreCode, CadreYear, DossierKey, Submission, TripRecord};
use crate::dossier::{Cadre, Outline, TripReport};
use crate::test_support::{day, trip_record};
use crate::verdict::evaluate;

fn kg() -> Policy {
    Policy::preset("kien-giang-2023").expect("preset")
}

fn cadre(department: Option<&str>) -> Cadre {
    Cadre {
        id: "KG-0123".into(),
        name: "Nguyễn Thị An".into(),
        level: "tinh".into(),
        role: "can-bo".into(),
        department: department.map(Into::into),
        years_at_office: 3,
        exemptions: vec![],
    }
}

fn trip(id: &str, start: &str, end: &str, status: TripStatus) -> TripRecord {
    let mut r = trip_record(id);
    r.trip.start = day(start);
    r.trip.end = day(end);
    r.trip.status = status;
    r
}

fn thematic(mut r: TripRecord) -> TripRecord {
    r.trip.thematic = true;
    r.trip.content_type = "3.1".into();
    r.trip.outline = Some(Outline {
        title: "Thanh niên khởi nghiệp".into(),
        ..Outline::default()
    });
    r
}

fn reported(mut r: TripRecord) -> TripRecord {
    r.trip.report = Some(TripReport {
        submitted_on: r.trip.end,
        ..TripReport::default()
    });
    r
}

fn graded(mut r: TripRecord) -> TripRecord {
    if let Some(report) = r.trip.report.as_mut() {
        report.purpose_met = Some(true);
    }
    r
}

/// An's 2027 as of 15/07: period 1 sent on time with four trips, period 2 (due before
/// 20/06) never sent, one trip planned outside any registration, one assigned.
fn an_2027() -> CadreYear {
    let mut assigned = trip("t-assigned", "2027-05-10", "2027-05-12", TripStatus::Done);
    assigned.basis = Basis::Assigned;
    assigned = reported(assigned);
    CadreYear {
        key: DossierKey {
            cadre: CadreCode::parse("KG-0123").expect("code"),
            year: 2027,
        },
        schema: 2,
        trips: vec![
            reported(thematic(trip(
                "t-outline",
                "2027-03-02",
                "2027-03-06",
                TripStatus::Done,
            ))),
            trip("t-no-report", "2027-04-06", "2027-04-08", TripStatus::Done),
            graded(reported(trip(
                "t-graded",
                "2027-02-02",
                "2027-02-04",
                TripStatus::Done,
            ))),
            trip(
                "t-cancelled",
                "2027-04-20",
                "2027-04-22",
                TripStatus::Cancelled,
            ),
            assigned,
            trip(
                "t-unlisted",
                "2027-09-10",
                "2027-09-12",
                TripStatus::Planned,
            ),
        ],
        submissions: vec![Submission {
            id: "dang-ky-1".into(),
            period: "1".into(),
            submitted_on: day("2026-12-10"),
            trips: ["t-outline", "t-no-report", "t-graded", "t-cancelled"]
                .map(String::from)
                .to_vec(),
            created_at: 0,
        }],
        meetings: vec![],
        confirmations: vec![],
        requests: Default::default(),
        unreadable: vec![],
    }
}

fn taken() -> Taken {
    Taken {
        by: "KG-0300".into(),
        at: 0,
    }
}

fn entry<T>(subject: &str, value: T) -> Entry<T> {
    Entry {
        subject: subject.into(),
        value,
        conflicts: vec![],
    }
}

/// (whose move, what, subject, overdue) of each open item.
fn open(
    department: Option<&str>,
    review: Option<&PartyView>,
    standing: Option<&PartyView>,
) -> Vec<(Party, OpenKind, String, bool)> {
    let policy = kg();
    let year = an_2027();
    let sources = Sources {
        dossier: Some(&year),
        review,
        standing,
        ..Sources::default()
    };
    let as_of = day("2027-07-15");
    let assembled = assemble(&policy, cadre(department), 2027, sources, as_of);
    let verdict = evaluate(&policy, &assembled.dossier, as_of).expect("valid");
    let rated = Rated {
        assembled,
        verdict,
        facts: crate::assemble::Facts::Defaults,
    };
    open_items(&rated, &sources, &policy)
        .into_iter()
        .map(|i| (i.party, i.kind, i.subject, i.overdue))
        .collect()
}

/// Issue 12: "the people who are behind, registrations and reports overdue" (seed 000
/// §IV Bước 1–4: register by the deadline, the head forwards, the standing committee
/// approves, report after the trip, the head grades). Without a department the
/// registration goes straight to the standing committee.
#[test]
fn each_open_item_names_whose_move_it_is() {
    use OpenKind::*;
    use Party::*;
    let unconfirmed = |id: &str| (Host, ConfirmationAwaited, id.to_owned(), false);
    let in_department = vec![
        (DepartmentHead, RegistrationToForward, "1".into(), true),
        (Cadre, RegistrationMissing, "2".into(), true),
        unconfirmed("t-graded"),
        (DepartmentHead, OutlineToDecide, "t-outline".into(), false),
        unconfirmed("t-outline"),
        // A report may be graded before the host confirms the trip.
        (DepartmentHead, ReportToGrade, "t-outline".into(), false),
        unconfirmed("t-no-report"),
        // Its deadline (before 30/06) has passed, but the trip is not approved yet: the
        // engine does not hold the report against the cadre (000 §IV Bước 4).
        (Cadre, ReportMissing, "t-no-report".into(), false),
        (Standing, TripToRule, "t-assigned".into(), false),
        unconfirmed("t-assigned"),
        (DepartmentHead, ReportToGrade, "t-assigned".into(), false),
        (Cadre, TripToRegister, "t-unlisted".into(), false),
    ];
    let got = open(Some("Ban Phong trào"), None, None);
    assert_eq!(got, in_department);

    let mut alone = in_department.clone();
    alone[0] = (Standing, RegistrationToRule, "1".into(), false);
    assert_eq!(open(None, None, None), alone);

    // Forwarded, and the outline returned: the standing committee's move, and the
    // cadre's. Once the period is approved, the missing report is overdue.
    let review = PartyView {
        forwardings: vec![entry(
            "1",
            Forwarding {
                forwarded_on: day("2026-12-15"),
                remark: String::new(),
                taken: taken(),
            },
        )],
        outlines: vec![entry(
            "t-outline",
            OutlineDecision {
                verdict: OutlineVerdict::Returned,
                decided_on: day("2027-02-20"),
                remark: "Bổ sung kế hoạch".into(),
                taken: taken(),
            },
        )],
        ..PartyView::default()
    };
    let mut forwarded = in_department;
    forwarded[0] = (Standing, RegistrationToRule, "1".into(), false);
    forwarded[3] = (Cadre, OutlineReturned, "t-outline".into(), false);
    assert_eq!(open(Some("Ban Phong trào"), Some(&review), None), forwarded);

    let standing = PartyView {
        registrations: vec![entry(
            "1",
            RegistrationRuling {
                ruling: Ruling::Approved,
                decided_on: day("2027-01-05"),
                reference: "15-TB/TĐTN".into(),
                taken: taken(),
            },
        )],
        ..PartyView::default()
    };
    let mut approved = forwarded;
    approved.remove(0);
    approved[6].3 = true;
    assert_eq!(
        open(Some("Ban Phong trào"), Some(&review), Some(&standing)),
        approved
    );
}
