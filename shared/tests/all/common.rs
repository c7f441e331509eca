//! Builders for test dossiers: a baseline cadre who passes exactly, and small edits.
#![allow(dead_code)]

use chrono::NaiveDate;
use shared::dossier::*;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("test date {s}: {e}"))
}

pub fn host(level: &str) -> HostUnit {
    let name = match level {
        "huyen" => "Huyện đoàn Châu Thành",
        "co-so" => "Đoàn xã Vĩnh Hòa Hiệp",
        "chi-doan" => "Chi đoàn ấp Tân Hưng",
        _ => "Tỉnh đoàn",
    };
    HostUnit {
        id: None,
        name: name.into(),
        level: level.into(),
    }
}

/// A finished, registered, confirmed and reported trip.
pub fn trip(start: &str, end: &str, level: &str, content_type: &str) -> Trip {
    let (s, e) = (d(start), d(end));
    Trip {
        start: s,
        end: e,
        id: None,
        host: host(level),
        content_type: content_type.into(),
        topic: None,
        thematic: false,
        outline_approved: false,
        three_together: false,
        approval: Approval::Registered,
        invitation_only: false,
        status: TripStatus::Done,
        confirmation: Some(HostConfirmation {
            confirmed_on: e,
            valid: true,
            by: Some("Bí thư đoàn xã".into()),
        }),
        report: Some(TripReport {
            submitted_on: e.succ_opt().unwrap_or(e),
            score: None,
            purpose_met: Some(true),
            ..TripReport::default()
        }),
        difficulty_solved: None,
        outline: None,
        group: None,
        notes: None,
    }
}

/// A qualifying thematic trip ("3 cùng", outline approved) at a base unit.
pub fn thematic(start: &str, end: &str, content_type: &str) -> Trip {
    let mut t = trip(start, end, "co-so", content_type);
    t.thematic = true;
    t.three_together = true;
    t.outline_approved = true;
    t.topic = Some("Nắm tình hình đoàn viên thanh niên vùng đồng bào Khmer".into());
    if let Some(r) = &mut t.report {
        r.score = Some(75);
    }
    t
}

pub fn evidence() -> DifficultySolved {
    DifficultySolved {
        description: "Giúp chi đoàn ấp Tân Hưng khôi phục sinh hoạt định kỳ sau 3 năm ngưng".into(),
        evidence: vec![Evidence {
            kind: EvidenceKind::EmulationRanking,
            description: "Xếp loại chi đoàn từ yếu lên khá năm 2025".into(),
        }],
    }
}

/// Index of the two thematic trips in [`baseline`].
pub const T1: usize = 2;
pub const T2: usize = 7;
/// An ordinary 6-day trip in February at a base unit.
pub const FEB: usize = 1;
/// An ordinary 6-day trip in January at district level.
pub const JAN: usize = 0;

/// A provincial cadre with exactly 60 days, 2 thematic trips, both levels, one chi đoàn
/// meeting, registrations and reports on time: Đạt under Kiên Giang.
/// `policy` is "kien-giang-2023" or "tay-ninh-2018" (content codes are mapped).
pub fn baseline(policy: &str, year: i32) -> Dossier {
    let tn = policy == "tay-ninh-2018";
    let code = |kg: &str| -> String {
        if !tn {
            return kg.into();
        }
        match kg {
            "3.1" => "1.3",
            "3.4" => "1.6",
            _ => "1.1",
        }
        .into()
    };
    let y = |md: &str| format!("{year}-{md}");
    let ordinary = [
        ("01-10", "01-15", "huyen", "3.3"),
        ("02-10", "02-15", "co-so", "3.2"),
        ("04-10", "04-15", "huyen", "3.4"),
        ("05-10", "05-15", "co-so", "3.5"),
        ("06-10", "06-15", "huyen", "3.3"),
        ("07-10", "07-15", "co-so", "3.2"),
        ("10-10", "10-15", "huyen", "3.3"),
        ("11-10", "11-15", "co-so", "3.2"),
    ];
    let mut trips: Vec<Trip> = ordinary
        .iter()
        .map(|(a, b, l, c)| trip(&y(a), &y(b), l, &code(c)))
        .collect();
    trips.insert(T1, thematic(&y("03-03"), &y("03-07"), &code("3.1")));
    trips.insert(T2, thematic(&y("09-08"), &y("09-14"), &code("3.1")));
    for (i, t) in trips.iter_mut().enumerate() {
        t.id = Some(format!("t{:02}", i + 1));
    }
    let registrations = if tn {
        ["Q1", "Q2", "Q3", "Q4"]
            .iter()
            .zip(["01-10", "04-10", "07-10", "10-10"])
            .map(|(p, md)| Registration {
                period: (*p).into(),
                submitted_on: d(&y(md)),
                approved_on: Some(d(&y(md)).succ_opt().unwrap_or(d(&y(md)))),
                rejected_on: None,
            })
            .collect()
    } else {
        vec![
            Registration {
                period: "1".into(),
                submitted_on: d(&format!("{}-12-10", year - 1)),
                approved_on: Some(d(&format!("{}-12-28", year - 1))),
                rejected_on: None,
            },
            Registration {
                period: "2".into(),
                submitted_on: d(&y("06-10")),
                approved_on: Some(d(&y("06-28"))),
                rejected_on: None,
            },
        ]
    };
    Dossier {
        policy: Some(policy.into()),
        year,
        cadre: Cadre {
            id: "cb-01".into(),
            name: "Nguyễn Văn An".into(),
            level: "tinh".into(),
            role: "can-bo".into(),
            department: Some("Ban Tổ chức – Kiểm tra".into()),
            years_at_office: 5,
            exemptions: vec![],
        },
        registrations,
        trips,
        chi_doan_meetings: vec![ChiDoanMeeting {
            date: d(&y("04-12")),
            chi_doan: "Chi đoàn ấp Tân Hưng".into(),
            unit: host("huyen"),
            ..meeting()
        }],
        reminders: vec![],
        waivers: vec![],
    }
}

/// A chi đoàn meeting with only the required fields set (fill in the rest).
pub fn meeting() -> ChiDoanMeeting {
    ChiDoanMeeting {
        date: NaiveDate::default(),
        chi_doan: String::new(),
        unit: host("huyen"),
        id: None,
        invitation_only: false,
        trip: None,
        topic: None,
        members_present: None,
        remarks: None,
    }
}
