use super::*;
use crate::test_support::{day, trip_record};

fn kg() -> Policy {
    Policy::preset("kien-giang-2023").expect("preset")
}

fn form(start: &str, end: &str) -> TripForm {
    TripForm {
        start: start.into(),
        end: end.into(),
        host_name: "Đoàn xã Vĩnh Hòa".into(),
        host_level: "co-so".into(),
        content_type: "3.2".into(),
        status: TripStatus::Done,
        ..TripForm::default()
    }
}

type Edit = fn(&mut TripForm);
/// (name, edit of a valid form, problems, warnings), each as (field, message).
type Row = (
    &'static str,
    Edit,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str)],
);

/// Issue 9: the trip form's checks, all problems at once, each beside its field.
#[test]
fn trip_form_table() {
    let today = day("2027-05-20");
    let others = vec![trip_record("other")]; // 02/03–06/03/2027, Đoàn xã Vĩnh Hòa, 3.2
    let rows: &[Row] = &[
        ("fine", |_| {}, &[], &[]),
        (
            "end before start",
            |f| f.end = "2027-04-01".into(),
            &[(
                "end",
                "Ngày kết thúc (01/04/2027) trước ngày bắt đầu (10/04/2027).",
            )],
            &[],
        ),
        (
            "dd/mm/yyyy is accepted",
            |f| {
                f.start = "10/04/2027".into();
                f.end = "12/04/2027".into();
            },
            &[],
            &[],
        ),
        (
            "an impossible date",
            |f| f.start = "2027-02-30".into(),
            &[("start", "Ngày “2027-02-30” không hợp lệ.")],
            &[],
        ),
        (
            "nothing typed",
            |f| *f = TripForm::default(),
            &[
                ("start", "Chưa nhập ngày bắt đầu."),
                ("end", "Chưa nhập ngày kết thúc."),
                ("host_name", "Chưa nhập đơn vị cơ sở đến làm việc."),
                ("host_level", "Chưa chọn cấp của đơn vị."),
                ("content_type", "Chưa chọn nội dung đi cơ sở."),
            ],
            &[],
        ),
        (
            "too long",
            |f| f.end = "2027-07-01".into(),
            &[(
                "end",
                "Chuyến đi dài 83 ngày, quá 62 ngày: kiểm tra lại ngày tháng.",
            )],
            &[],
        ),
        (
            "carried out in the future",
            |f| {
                f.start = "2027-06-01".into();
                f.end = "2027-06-02".into();
            },
            &[(
                "status",
                "Chuyến đi bắt đầu ngày 01/06/2027 chưa diễn ra, chưa thể ghi là đã thực hiện.",
            )],
            &[],
        ),
        (
            "planned in the future",
            |f| {
                f.start = "2027-06-01".into();
                f.end = "2027-06-02".into();
                f.status = TripStatus::Planned;
            },
            &[],
            &[],
        ),
        (
            "a 9-day thematic trip",
            |f| {
                f.content_type = "3.1".into();
                f.thematic = true;
                f.end = "2027-04-18".into();
            },
            &[("end", "Đợt chuyên đề phải dài 5–7 ngày; đợt này 9 ngày.")],
            &[],
        ),
        (
            "thematic with a non-thematic content",
            |f| {
                f.thematic = true;
                f.end = "2027-04-14".into();
            },
            &[(
                "thematic",
                "Nội dung 3.2 (Phối hợp tổ chức, triển khai hoạt động tại cơ sở) không phải đi theo chuyên đề.",
            )],
            &[],
        ),
        (
            "an exact duplicate",
            |f| {
                f.start = "2027-03-02".into();
                f.end = "2027-03-06".into();
            },
            &[(
                "start",
                "Đã có chuyến đi giống hệt: 02/03–06/03/2027 tại Đoàn xã Vĩnh Hòa.",
            )],
            &[],
        ),
        (
            "an overlap is a warning",
            |f| {
                f.start = "2027-03-05".into();
                f.end = "2027-03-08".into();
                f.host_name = "Xã khác".into();
            },
            &[],
            &[(
                "start",
                "Trùng thời gian với chuyến đi 02/03–06/03/2027 tại Đoàn xã Vĩnh Hòa: ngày trùng chỉ được tính một lần.",
            )],
        ),
        (
            "an unknown level",
            |f| f.host_level = "xa".into(),
            &[(
                "host_level",
                "Cấp “xa” không có trong quy định đang áp dụng.",
            )],
            &[],
        ),
        (
            "a group without its leader",
            |f| {
                f.group = vec![MemberForm {
                    code: "kg-1".into(),
                    name: "A".into(),
                    role: "can-bo".into(),
                    task: String::new(),
                }];
                f.group_leader = "KG-9".into();
            },
            &[(
                "group_leader",
                "Chọn người phụ trách nhóm trong số thành viên.",
            )],
            &[],
        ),
    ];
    for (name, edit, problems, warnings) in rows {
        let mut f = form("2027-04-10", "2027-04-12");
        edit(&mut f);
        let (checked, record) = check_trip(&f, &kg(), &others, None, "new", today);
        let got = |list: &[Problem]| -> Vec<(String, String)> {
            list.iter()
                .map(|p| (p.field.to_owned(), p.message.clone()))
                .collect()
        };
        let want = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
                .collect()
        };
        assert_eq!(got(&checked.problems), want(problems), "{name}");
        assert_eq!(got(&checked.warnings), want(warnings), "{name}");
        assert_eq!(record.is_some(), problems.is_empty(), "{name}");
    }
}

#[test]
fn editing_keeps_what_the_form_does_not_show() {
    let mut stored = trip_record("t1");
    stored.trip.report = Some(crate::dossier::TripReport {
        submitted_on: day("2027-03-09"),
        result: Some("Kết quả".into()),
        ..Default::default()
    });
    stored.created_at = 42;
    let mut f = TripForm::of(&stored);
    f.topic = "Chủ đề mới".into();
    let (checked, record) = check_trip(&f, &kg(), &[], Some(&stored), "t1", day("2027-05-20"));
    assert!(checked.is_ok(), "{checked:?}");
    let record = record.expect("record");
    assert_eq!(record.trip.report, stored.trip.report);
    assert_eq!(record.created_at, 42);
    assert_eq!(record.trip.topic.as_deref(), Some("Chủ đề mới"));
}

#[test]
fn report_form_checks() {
    let stored = trip_record("t1"); // ends 06/03/2027
    let today = day("2027-05-20");
    let ok = ReportForm {
        submitted_on: "2027-03-09".into(),
        result: "Đã làm việc với 3 chi đoàn".into(),
        ..ReportForm::default()
    };
    let (c, r) = check_report(&ok, &stored, today);
    assert!(c.is_ok() && r.is_some(), "{c:?}");
    let early = ReportForm {
        submitted_on: "2027-03-01".into(),
        ..ReportForm::default()
    };
    let (c, _) = check_report(&early, &stored, today);
    let messages: Vec<&str> = c.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Ngày nộp (01/03/2027) trước khi chuyến đi kết thúc (06/03/2027).",
            "Chưa nhập kết quả chuyến đi."
        ]
    );
}

#[test]
fn meeting_form_checks() {
    let f = MeetingForm {
        date: "2027-04-12".into(),
        chi_doan: "Chi đoàn ấp Tân Hưng".into(),
        unit_name: "Huyện đoàn Châu Thành".into(),
        unit_level: "huyen".into(),
        members_present: "18".into(),
        ..MeetingForm::default()
    };
    let (c, m) = check_meeting(&f, &kg(), &[], "m1", day("2027-05-20"));
    assert!(c.is_ok(), "{c:?}");
    let m = m.expect("meeting");
    assert_eq!(m.members_present, Some(18));
    let stored = MeetingRecord {
        meeting: m,
        cancelled: false,
        created_at: 0,
    };
    let mut again = f.clone();
    again.members_present = "mười".into();
    let (c, _) = check_meeting(&again, &kg(), &[stored], "m2", day("2027-05-20"));
    let messages: Vec<&str> = c.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Số đoàn viên dự “mười” không hợp lệ.",
            "Đã ghi buổi sinh hoạt của Chi đoàn ấp Tân Hưng ngày 12/04/2027."
        ]
    );
}

/// Issue 9: editing a trip that has a report may not take it back to planned, nor end it
/// after the report was sent (the engine would refuse the dossier).
#[test]
fn edits_keep_a_reported_trip_consistent() {
    let mut reported = trip_record("t1");
    reported.trip.report = Some(TripReport {
        submitted_on: day("2027-03-10"),
        result: Some("Kết quả".into()),
        ..TripReport::default()
    });
    let rows: &[(Edit, &[&str])] = &[
        (|_| {}, &[]),
        (|f| f.status = TripStatus::Planned, &["status"]),
        (|f| f.end = "2027-03-12".into(), &["end"]),
        (|f| f.notes = "ghi chú".into(), &[]),
    ];
    for (edit, fields) in rows {
        let mut f = TripForm::of(&reported);
        edit(&mut f);
        let mut c = Checked::default();
        check_trip_edit(&f, Some(&reported), &mut c);
        let got: Vec<&str> = c.problems.iter().map(|p| p.field).collect();
        assert_eq!(&got, fields, "{:?}", c.problems);
        // A trip without a report may do all of it.
        let mut c = Checked::default();
        check_trip_edit(&f, Some(&trip_record("t2")), &mut c);
        assert!(c.is_ok());
    }
}

/// Issue 9: saving an edit writes only what the person changed; what another device
/// changed meanwhile in other fields stays.
#[test]
fn rebase_keeps_other_devices_edits() {
    let base = TripForm::of(&trip_record("t1"));
    let mut typed = base.clone();
    typed.topic = "Chủ đề mới".into();
    let mut current = base.clone();
    current.notes = "Ghi chú từ máy khác".into();
    current.end = "2027-03-07".into();
    let saved = typed.clone().rebase(&base, current.clone());
    assert_eq!(saved.topic, "Chủ đề mới");
    assert_eq!(saved.notes, "Ghi chú từ máy khác");
    assert_eq!(saved.end, "2027-03-07");
    // Both changed the same field: this device's edit is the one saved.
    let mut typed = base.clone();
    typed.end = "2027-03-05".into();
    assert_eq!(typed.rebase(&base, current).end, "2027-03-05");

    let m = MeetingForm {
        date: "2027-04-20".into(),
        chi_doan: "Chi đoàn ấp Tân Hưng".into(),
        ..MeetingForm::default()
    };
    let mut typed = m.clone();
    typed.topic = "Chủ điểm".into();
    let mut current = m.clone();
    current.remarks = "Tốt".into();
    let saved = typed.rebase(&m, current);
    assert_eq!(
        (saved.topic.as_str(), saved.remarks.as_str()),
        ("Chủ điểm", "Tốt")
    );
}
