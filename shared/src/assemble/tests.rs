use super::*;
use crate::doc::{CadreCode, DossierKey, Submission};
use crate::dossier::HostConfirmation;
use crate::test_support::{day, trip_record};
use crate::verdict::{Rating, evaluate};

fn kg() -> Policy {
    Policy::preset("kien-giang-2023").expect("preset")
}

fn cadre() -> Cadre {
    Cadre {
        id: "KG-0123".into(),
        name: "Nguyễn Thị An".into(),
        level: "tinh".into(),
        role: "can-bo".into(),
        department: Some("Ban Tổ chức – Kiểm tra".into()),
        years_at_office: 3,
        exemptions: vec![],
    }
}

fn year(trips: Vec<TripRecord>, submissions: Vec<Submission>) -> CadreYear {
    CadreYear {
        key: DossierKey {
            cadre: CadreCode::parse("KG-0123").expect("code"),
            year: 2027,
        },
        schema: 2,
        trips,
        submissions,
        meetings: vec![],
        confirmations: vec![],
        requests: Default::default(),
        unreadable: vec![],
    }
}

fn sub(id: &str, period: &str, on: &str, trips: &[&str]) -> Submission {
    Submission {
        id: id.into(),
        period: period.into(),
        submitted_on: day(on),
        trips: trips.iter().map(|t| (*t).to_owned()).collect(),
        created_at: 0,
    }
}

fn trip(id: &str, start: &str, end: &str, status: TripStatus) -> TripRecord {
    let mut r = trip_record(id);
    r.trip.start = day(start);
    r.trip.end = day(end);
    r.trip.status = status;
    r
}

/// Issue 9: what the cadre's document says becomes the engine's dossier: a trip listed
/// by an on-time registration is registered, one listed only after the deadline or never
/// is not, an assigned one waits for the standing committee; each trip has its stage.
#[test]
fn trips_get_their_approval_and_stage() {
    let mut assigned = trip("t-assigned", "2027-02-01", "2027-02-02", TripStatus::Done);
    assigned.basis = Basis::Assigned;
    let cancelled = trip(
        "t-cancelled",
        "2027-05-01",
        "2027-05-02",
        TripStatus::Cancelled,
    );
    let y = year(
        vec![
            trip("t-on-time", "2027-03-02", "2027-03-06", TripStatus::Done),
            trip("t-late", "2027-04-02", "2027-04-03", TripStatus::Done),
            trip("t-future", "2027-06-10", "2027-06-12", TripStatus::Planned),
            trip(
                "t-unlisted",
                "2027-08-10",
                "2027-08-12",
                TripStatus::Planned,
            ),
            assigned,
            cancelled,
        ],
        vec![
            // Period 1 is due before 20/12 of the year before.
            sub("s1", "1", "2026-12-10", &["t-on-time", "t-future"]),
            sub("s2", "1", "2027-01-15", &["t-late"]),
        ],
    );
    let a = assemble(
        &kg(),
        cadre(),
        2027,
        Sources {
            dossier: Some(&y),
            ..Sources::default()
        },
        day("2027-05-20"),
    );
    let approvals: Vec<(&str, Approval)> = a
        .dossier
        .trips
        .iter()
        .map(|t| (t.id.as_deref().unwrap_or_default(), t.approval))
        .collect();
    assert_eq!(
        approvals,
        [
            ("t-on-time", Approval::Registered),
            ("t-late", Approval::None),
            ("t-future", Approval::Registered),
            ("t-unlisted", Approval::None),
            ("t-assigned", Approval::Requested),
            ("t-cancelled", Approval::None),
        ]
    );
    let stages: Vec<(&str, TripStage)> = a.stages.iter().map(|(id, s)| (id.as_str(), *s)).collect();
    assert_eq!(
        stages,
        [
            ("t-on-time", TripStage::AwaitingConfirmation),
            ("t-late", TripStage::NotApproved),
            ("t-future", TripStage::AwaitingApproval),
            ("t-unlisted", TripStage::ToRegister),
            ("t-assigned", TripStage::AwaitingConfirmation),
            ("t-cancelled", TripStage::Cancelled),
        ]
    );
    assert_eq!(
        a.dossier.registrations,
        [Registration {
            period: "1".into(),
            submitted_on: day("2026-12-10"),
            approved_on: None,
            rejected_on: None,
        }]
    );
    assert_eq!(
        TripStage::AwaitingApproval.whose_move(),
        Some(Party::Standing)
    );
    assert_eq!(
        TripStage::AwaitingConfirmation.whose_move(),
        Some(Party::Host)
    );
}

/// The assembled dossier is valid input for the engine, which rates it; nothing from
/// other parties yet means the days wait, they do not fail.
#[test]
fn assembled_dossiers_evaluate_and_wait_rather_than_fail() {
    let y = year(
        vec![trip("t1", "2027-03-02", "2027-03-06", TripStatus::Done)],
        vec![sub("s1", "1", "2026-12-10", &["t1"])],
    );
    let a = assemble(
        &kg(),
        cadre(),
        2027,
        Sources {
            dossier: Some(&y),
            ..Sources::default()
        },
        day("2027-03-20"),
    );
    let v = evaluate(&kg(), &a.dossier, day("2027-03-20")).expect("valid");
    assert_eq!(v.days.counted, 0);
    assert_eq!(v.days.not_counted.unconfirmed, 5);
    assert!(
        v.findings
            .iter()
            .any(|f| f.rule == crate::policy::RuleId::TripUnconfirmed
                && f.severity == crate::policy::Severity::Pending)
    );
    // With the host's confirmation (issue 11 brings it), the days would count.
    let mut d = a.dossier.clone();
    d.trips[0].confirmation = Some(HostConfirmation {
        confirmed_on: day("2027-03-06"),
        valid: true,
        by: None,
    });
    d.registrations[0].approved_on = Some(day("2026-12-28"));
    let v = evaluate(&kg(), &d, day("2027-03-20")).expect("valid");
    assert_eq!(v.days.counted, 5);
    assert_ne!(v.rating, Rating::Mien);
}

#[test]
fn nothing_known_is_an_empty_year() {
    let a = assemble(&kg(), cadre(), 2027, Sources::default(), day("2027-01-02"));
    assert!(a.dossier.trips.is_empty() && a.stages.is_empty());
    assert!(evaluate(&kg(), &a.dossier, day("2027-01-02")).is_ok());
}

/// Issue 9: without a directory the phone and `dicoso evaluate --store` rate a cadre with
/// the same default facts and the reference policy, parsed the cheap way but equal to
/// the preset.
#[test]
fn without_a_directory_the_defaults_apply() {
    assert_eq!(default_policy(), Policy::preset(DEFAULT_POLICY_ID).as_ref());
    assert_eq!(
        policy_for(None, 2026).map(|p| p.id.as_str()),
        Some(DEFAULT_POLICY_ID)
    );
    let (cadre, facts) = cadre_facts(None, "KG-0123", 2026);
    assert_eq!(facts, Facts::Defaults);
    assert_eq!(
        (
            cadre.id.as_str(),
            cadre.name.as_str(),
            cadre.level.as_str(),
            cadre.role.as_str()
        ),
        ("KG-0123", "KG-0123", "tinh", "can-bo")
    );
    assert_eq!((cadre.department, cadre.years_at_office), (None, 0));
}

/// Issue 9: with the province's directory, its facts and its policy are used.
#[test]
fn the_directory_switches_facts_and_policy() {
    let text = include_str!("../../../docs/examples/directory-kg.json");
    let directory = Directory::from_json(text).expect("example directory");
    let code = directory
        .people()
        .iter()
        .find(|p| directory.cadre_facts(&p.code, 2026).is_some())
        .map(|p| p.code.clone())
        .expect("a person with facts");
    let (cadre, facts) = cadre_facts(Some(&directory), &code, 2026);
    assert_eq!(facts, Facts::Directory);
    assert_eq!(Some(cadre), directory.cadre_facts(&code, 2026));
    assert_eq!(
        policy_for(Some(&directory), 2026).map(|p| &p.id),
        directory.policy_for(2026).map(|p| &p.id)
    );
    // Someone the directory does not know still gets the defaults.
    assert_eq!(
        cadre_facts(Some(&directory), "KG-NOBODY", 2026).1,
        Facts::Defaults
    );
}

/// Issue 9: `rate` is assemble then evaluate; an invalid dossier is an error naming the
/// engine's field, not a panic or a wrong verdict.
#[test]
fn rate_assembles_then_evaluates() {
    let y = year(
        vec![trip("t1", "2027-03-02", "2027-03-06", TripStatus::Done)],
        vec![sub("s1", "1", "2026-12-10", &["t1"])],
    );
    let rated = rate(
        None,
        "KG-0123",
        2027,
        Sources {
            dossier: Some(&y),
            ..Sources::default()
        },
        day("2027-03-20"),
    )
    .expect("rated");
    let policy = default_policy().expect("policy");
    let (cadre, _) = cadre_facts(None, "KG-0123", 2027);
    let a = assemble(
        policy,
        cadre,
        2027,
        Sources {
            dossier: Some(&y),
            ..Sources::default()
        },
        day("2027-03-20"),
    );
    assert_eq!(rated.assembled, a);
    assert_eq!(
        rated.verdict,
        evaluate(policy, &a.dossier, day("2027-03-20")).expect("valid")
    );
    assert!(verdict_json(&rated.verdict).starts_with("{\n  \"cadre_id\": \"KG-0123\""));

    let mut bad = y.clone();
    bad.trips[0].trip.host.level = "xa-ngoai-tinh".into(); // a level the policy lacks
    let e = rate(
        None,
        "KG-0123",
        2027,
        Sources {
            dossier: Some(&bad),
            ..Sources::default()
        },
        day("2027-03-20"),
    )
    .expect_err("invalid");
    assert!(
        matches!(&e, RateError::Invalid(errors) if errors.iter().any(|f| f.path == "trips[0].host.level")),
        "{e}"
    );
}

mod with_other_parties {
    use super::*;
    use crate::confirm::{Claim, Degree, Unsigned};
    use crate::directory::{DeviceKey, Directory};
    use crate::doc::party::{
        Entry, Grade, OutlineDecision, OutlineVerdict, PartyView, RegistrationRuling, ReminderNote,
        Ruling, Taken,
    };
    use base64::Engine;
    use ed25519_dalek::{Signer, SigningKey};

    fn directory() -> Directory {
        let mut s = Directory::from_json(include_str!("../../../docs/examples/directory-kg.json"))
            .expect("example")
            .snapshot()
            .clone();
        s.devices = vec![DeviceKey {
            id: "dev-h1".into(),
            person: "KG-H001".into(),
            public_key: base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(SigningKey::from_bytes(&[1; 32]).verifying_key().as_bytes()),
            actors: vec![],
            label: String::new(),
            enrolled_at: 0,
            revoked_at: None,
        }];
        Directory::new(s)
    }

    fn taken() -> Taken {
        Taken {
            by: "KG-0001".into(),
            at: 1,
        }
    }

    fn entry<T>(subject: &str, value: T) -> Entry<T> {
        Entry {
            subject: subject.into(),
            value,
            conflicts: vec![],
        }
    }

    /// Issue 11 and 12: the host's signed confirmation, the standing committee's
    /// approval, the head's outline approval and grade, and HQ's written reminder all
    /// reach the verdict through assemble; an invalid confirmation is said why.
    #[test]
    fn every_partys_decision_reaches_the_verdict() {
        let mut r = trip("t1", "2027-03-02", "2027-03-06", TripStatus::Done);
        r.trip.host.id = Some("xa-vinh-hoa-hiep".into());
        r.trip.content_type = "3.1".into();
        r.trip.thematic = true;
        r.trip.three_together = true;
        r.trip.report = Some(crate::dossier::TripReport {
            submitted_on: day("2027-03-08"),
            result: Some("Kết quả".into()),
            ..Default::default()
        });
        let claim = Claim::of(&r.trip, "KG-0123", "Nguyễn Thị An", 2027, "").expect("claim");
        let unsigned = Unsigned {
            claim,
            degree: Degree::Good,
            remark: String::new(),
            confirmed_at: 1_804_300_000_000, // 06/03/2027
            officer: "KG-H001".into(),
            device: "dev-h1".into(),
        };
        let signature = SigningKey::from_bytes(&[1; 32])
            .sign(&unsigned.signed_bytes())
            .to_bytes();
        let good = unsigned.clone().with_signature(signature);
        let mut forged = unsigned.with_signature(signature);
        forged.claim.end = day("2027-03-09");
        let mut y = year(vec![r], vec![sub("s1", "1", "2026-12-10", &["t1"])]);
        y.confirmations = vec![forged, good];
        let standing = PartyView {
            registrations: vec![entry(
                "1",
                RegistrationRuling {
                    ruling: Ruling::Approved,
                    decided_on: day("2026-12-28"),
                    reference: "12-TB/TĐTN".into(),
                    taken: taken(),
                },
            )],
            ..PartyView::default()
        };
        let review = PartyView {
            outlines: vec![entry(
                "t1",
                OutlineDecision {
                    verdict: OutlineVerdict::Approved,
                    decided_on: day("2027-02-20"),
                    remark: String::new(),
                    taken: taken(),
                },
            )],
            grades: vec![Entry {
                subject: "t1".into(),
                value: Grade {
                    score: Some(85),
                    purpose_met: true,
                    graded_on: day("2027-03-20"),
                    remark: "Tốt".into(),
                    taken: taken(),
                },
                conflicts: vec![Grade {
                    score: Some(70),
                    purpose_met: true,
                    graded_on: day("2027-03-20"),
                    remark: String::new(),
                    taken: taken(),
                }],
            }],
            ..PartyView::default()
        };
        let hq = PartyView {
            reminders: vec![entry(
                "r1",
                ReminderNote {
                    date: day("2027-04-01"),
                    message: "Đề nghị hoàn thành nội dung đã đăng ký".into(),
                    reference: Some("05-CV/TĐTN".into()),
                    taken: taken(),
                },
            )],
            ..PartyView::default()
        };
        let dir = directory();
        let a = assemble(
            &kg(),
            cadre(),
            2027,
            Sources {
                dossier: Some(&y),
                standing: Some(&standing),
                review: Some(&review),
                hq: Some(&hq),
                directory: Some(&dir),
                ..Sources::default()
            },
            day("2027-05-20"),
        );
        let t = &a.dossier.trips[0];
        assert_eq!(t.approval, Approval::Registered);
        assert!(t.outline_approved);
        assert_eq!(
            t.confirmation.as_ref().map(|c| (c.valid, c.confirmed_on)),
            Some((true, day("2027-03-06")))
        );
        assert_eq!(t.report.as_ref().and_then(|r| r.score), Some(85));
        assert_eq!(a.stage("t1"), Some(TripStage::Graded));
        assert_eq!(
            a.rejected_confirmations,
            [(
                "t1".to_owned(),
                "Chữ ký xác nhận không hợp lệ: xác nhận bị giả mạo hoặc bị sửa sau khi ký."
                    .to_owned()
            )]
        );
        assert_eq!(
            a.conflicts,
            ["Chấm báo cáo (t1) có 1 quyết định khác ghi cùng lúc: cần thống nhất lại."]
        );
        assert_eq!(a.dossier.reminders.len(), 1);
        let v = evaluate(&kg(), &a.dossier, day("2027-05-20")).expect("valid");
        assert_eq!(v.days.counted, 5);
        assert_eq!(v.thematic.counted, 1);
        // Without the directory nothing can be checked, so nothing counts yet.
        let blind = assemble(
            &kg(),
            cadre(),
            2027,
            Sources {
                dossier: Some(&y),
                standing: Some(&standing),
                ..Sources::default()
            },
            day("2027-05-20"),
        );
        assert_eq!(
            blind.dossier.trips[0]
                .confirmation
                .as_ref()
                .map(|c| c.valid),
            Some(false)
        );
    }
}
