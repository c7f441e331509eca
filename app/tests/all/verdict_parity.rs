//! Issue 9: the same documents give byte-identical verdict JSON in the browser (wasm32,
//! run in headless Chromium by `cargo xtask test`) and natively (`cargo test -p app`):
//! one fixture, one file of expected bytes, `app/tests/fixtures/verdict-2026.json`.
//! (`UPDATE_EXPECT=1 cargo test -p app --test all verdict_parity::` rewrites it, natively.)

use automerge::ActorId;
use shared::assemble::{Sources, rate, verdict_json};
use shared::doc::{CadreCode, CadreYear, DossierDoc, DossierKey};
use shared::dossier::{EvidenceKind, TripStatus};
use shared::form::{
    MeetingForm, MemberForm, ReportForm, TripForm, check_meeting, check_report, check_trip,
};
use shared::policy::Policy;

const EXPECTED: &str = include_str!("../fixtures/verdict-2026.json");

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

/// A 2026 dossier written as the app writes it, saved and loaded back (so Automerge's
/// encoding is part of what must agree).
fn fixture() -> CadreYear {
    let policy = Policy::preset("kien-giang-2023").expect("preset");
    let key = DossierKey {
        cadre: CadreCode::parse("KG-0123").expect("code"),
        year: 2026,
    };
    let mut doc = DossierDoc::new(&key, ActorId::from(*b"parity-test-dev1"));
    let today = day("2026-09-30");
    let trips: &[(&str, &str, &str, &str, &str, &str, TripStatus)] = &[
        (
            "a",
            "2026-02-09",
            "2026-02-13",
            "Đoàn xã Vĩnh Hòa",
            "co-so",
            "3.1",
            TripStatus::Done,
        ),
        (
            "b",
            "2026-03-02",
            "2026-03-03",
            "Huyện đoàn An Biên",
            "huyen",
            "3.3",
            TripStatus::Done,
        ),
        (
            "c",
            "2026-04-20",
            "2026-04-20",
            "Chi đoàn ấp Tân Hưng",
            "chi-doan",
            "3.4",
            TripStatus::Incomplete,
        ),
        (
            "d",
            "2026-07-06",
            "2026-07-12",
            "Đoàn xã Mỹ Lâm",
            "co-so",
            "3.1",
            TripStatus::Done,
        ),
        (
            "e",
            "2026-08-17",
            "2026-08-18",
            "Đoàn trường THPT Vĩnh Hòa",
            "co-so",
            "3.5",
            TripStatus::Cancelled,
        ),
        (
            "f",
            "2026-11-02",
            "2026-11-06",
            "Đoàn xã Thạnh Lộc",
            "co-so",
            "3.1",
            TripStatus::Planned,
        ),
    ];
    for (i, &(id, start, end, host, level, content, status)) in trips.iter().enumerate() {
        let thematic = content == "3.1";
        let form = TripForm {
            start: start.into(),
            end: end.into(),
            host_name: host.into(),
            host_level: level.into(),
            content_type: content.into(),
            topic: format!("Chủ đề {id}"),
            thematic,
            three_together: thematic,
            invitation_only: content == "3.5",
            status,
            outline_title: if thematic {
                format!("Đề cương {id}")
            } else {
                String::new()
            },
            group: if id == "d" {
                vec![
                    MemberForm {
                        code: "KG-0123".into(),
                        name: "Nguyễn Thị An".into(),
                        role: "can-bo".into(),
                        task: "Khảo sát".into(),
                    },
                    MemberForm {
                        code: "KG-0002".into(),
                        name: "Trần Văn Hai".into(),
                        role: "lanh-dao-ban".into(),
                        task: "Phụ trách".into(),
                    },
                ]
            } else {
                Vec::new()
            },
            group_leader: if id == "d" {
                "KG-0002".into()
            } else {
                String::new()
            },
            ..TripForm::default()
        };
        let others = doc.read().expect("read").trips;
        let (checked, record) = check_trip(&form, &policy, &others, None, id, today);
        let record = record.unwrap_or_else(|| panic!("{id}: {checked:?}"));
        doc.put_trip(&record, 1_780_000_000_000 + i as i64 * 1000)
            .expect("put");
    }
    let report = ReportForm {
        submitted_on: "2026-07-20".into(),
        result: "Mô hình thanh niên khởi nghiệp".into(),
        product: "Báo cáo chuyên đề".into(),
        difficulty: "Thiếu vốn khởi nghiệp lâu năm".into(),
        evidence: vec![(EvidenceKind::Project, "Quỹ khởi nghiệp 50 triệu".into())],
        ..ReportForm::default()
    };
    let d = doc.read().expect("read").trip("d").expect("d").clone();
    let with_report = check_report(&report, &d, today).1.expect("report");
    doc.put_trip(&with_report, 1_780_001_000_000)
        .expect("report");
    doc.submit_registration(
        "r1",
        "1",
        &["a".into(), "b".into()],
        day("2025-12-15"),
        1_780_002_000_000,
    )
    .expect("period 1 on time");
    doc.submit_registration(
        "r2",
        "2",
        &["d".into(), "e".into()],
        day("2026-06-25"),
        1_780_003_000_000,
    )
    .expect("period 2 late");
    doc.submit_registration(
        "r3",
        "1",
        &["c".into()],
        day("2026-04-25"),
        1_780_004_000_000,
    )
    .expect("period 1, after the deadline");
    let meeting = MeetingForm {
        date: "2026-04-20".into(),
        chi_doan: "Chi đoàn ấp Tân Hưng".into(),
        unit_name: "Đoàn xã Vĩnh Hòa".into(),
        unit_level: "co-so".into(),
        members_present: "21".into(),
        trip: "c".into(),
        ..MeetingForm::default()
    };
    let m = check_meeting(&meeting, &policy, &[], "m1", today)
        .1
        .expect("meeting");
    doc.put_meeting(&m, false, 1_780_005_000_000)
        .expect("meeting");
    let bytes = doc.save();
    DossierDoc::load(&bytes, ActorId::from(*b"parity-test-dev2"))
        .expect("load")
        .read()
        .expect("read")
}

/// The verdict during the year (a forecast) and after it (final), as JSON.
fn verdicts() -> String {
    let year = fixture();
    ["2026-09-30", "2027-01-15"]
        .into_iter()
        .map(|as_of| {
            let rated = rate(
                None,
                "KG-0123",
                2026,
                Sources {
                    dossier: Some(&year),
                    ..Sources::default()
                },
                day(as_of),
            )
            .expect("rated");
            verdict_json(&rated.verdict)
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_same_documents_give_the_same_verdict_bytes_here_and_in_the_browser() {
    let got = verdicts();
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/verdict-2026.json");
        std::fs::write(path, &got).expect("write the expected verdicts");
        return;
    }
    assert!(got == EXPECTED, "verdicts differ from the fixture:\n{got}");
}
