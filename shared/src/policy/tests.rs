use super::*;

#[test]
fn presets_parse_and_validate() {
    for (id, text) in PRESET_IDS.iter().zip([KIEN_GIANG_2023, TAY_NINH_2018]) {
        let p = Policy::from_json_str(text).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(&p.id, id);
        for rule in RuleId::ALL {
            assert!(p.clauses.contains_key(&rule), "{id}: no clause for {rule}");
        }
    }
    assert_eq!(Policy::presets().len(), PRESET_IDS.len());
    assert!(Policy::preset("kien-giang-2023").is_some());
    assert!(Policy::preset("nowhere").is_none());
}

#[test]
fn rule_ids_round_trip_through_json() {
    for rule in RuleId::ALL {
        let json = serde_json::to_string(&rule).expect("serialize");
        assert_eq!(json, format!("\"{}\"", rule.as_str()));
        let back: RuleId = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, rule);
    }
}

#[test]
fn deadlines() {
    let before_20_12_prev = Deadline {
        day: MonthDay::new(12, 20),
        year_offset: -1,
        inclusive: false,
    };
    assert_eq!(before_20_12_prev.last_day(2025).to_string(), "2024-12-19");
    let by_15_01 = Deadline {
        day: MonthDay::new(1, 15),
        year_offset: 0,
        inclusive: true,
    };
    assert_eq!(by_15_01.last_day(2019).to_string(), "2019-01-15");
    let kg = Policy::preset("kien-giang-2023").expect("preset");
    let p1 = kg.period("1").expect("period 1");
    assert_eq!(kg.registration_last_day(p1, 2023).to_string(), "2023-05-31");
    assert_eq!(kg.registration_last_day(p1, 2024).to_string(), "2023-12-19");
}

fn kg_json() -> serde_json::Value {
    serde_json::from_str(KIEN_GIANG_2023).expect("json")
}

#[test]
fn invalid_policies_name_the_field() {
    type Edit = fn(&mut serde_json::Value);
    let rows: &[(&str, Edit, &str)] = &[
        (
            "unknown field",
            |v| v["days"]["maximum"] = 3.into(),
            "days.maximum: unknown field `maximum`",
        ),
        (
            "min above max",
            |v| v["thematic"]["min_days"] = 8.into(),
            "thematic.min_days: 8 is above thematic.max_days 7",
        ),
        (
            "bad month-day",
            |v| v["registration"]["periods"][1]["first_day"] = "07-32".into(),
            "registration.periods[1].first_day: `07-32` is not a day of the year (MM-DD)",
        ),
        (
            "gap in periods",
            |v| v["registration"]["periods"][1]["first_day"] = "07-02".into(),
            "registration.periods[1].first_day: 07-02 leaves a gap or overlap: expected 07-01 (periods must cover the year in order)",
        ),
        (
            "unknown level",
            |v| v["coverage"]["rules"][0]["required"][0]["any_of"][0] = "xa".into(),
            "coverage.rules[0].required[0].any_of[0]: unknown level `xa` (levels: tinh, huyen, co-so, chi-doan)",
        ),
        (
            "duplicate content type",
            |v| v["content_types"][1]["code"] = "3.1".into(),
            "content_types[1].code: `3.1` appears twice",
        ),
        (
            "unknown rule id",
            |v| v["clauses"]["days-maximum"] = "x".into(),
            "clauses.?: unknown variant `days-maximum`",
        ),
        (
            "score above 100",
            |v| v["excellence"]["min_report_score"] = 130.into(),
            "excellence.min_report_score: 130 is above 100",
        ),
        (
            "group leader of an unknown job",
            |v| v["thematic"]["group"]["leader_roles"][0] = "truong-nhom".into(),
            "thematic.group.leader_roles[0]: unknown role `truong-nhom`",
        ),
        (
            "group of nobody",
            |v| v["thematic"]["group"]["max_members"] = 0.into(),
            "thematic.group.max_members: must be at least 1",
        ),
        (
            "unit report of an unknown level",
            |v| v["unit_reports"][0]["level"] = "xa".into(),
            "unit_reports[0].level: unknown level `xa`",
        ),
        (
            "undated unit report marked assumed",
            |v| v["unit_reports"][1]["assumed"] = true.into(),
            "unit_reports[1].assumed: an undated report has no date to assume",
        ),
        (
            "assumed deadline without its source",
            |v| {
                v["assumed_deadlines"] = serde_json::json!([
                    { "deadline": "report", "source_says_vi": " ", "clause": "001 §IV.2" }
                ])
            },
            "assumed_deadlines[0].source_says_vi: must not be empty",
        ),
    ];
    for (name, edit, expected) in rows {
        let mut v = kg_json();
        edit(&mut v);
        let err = Policy::from_json_str(&v.to_string())
            .expect_err(name)
            .to_string();
        assert!(err.starts_with(expected), "{name}: got {err}");
    }
}

/// Issue 13: what units owe, by when, under each preset: the office's calendar. The
/// departments' per-trip report (Tây Ninh) has no yearly date.
#[test]
fn unit_reports_calendar() {
    let mut out = String::new();
    for (id, year) in [("kien-giang-2023", 2025), ("tay-ninh-2018", 2019)] {
        let p = Policy::preset(id).expect("preset");
        out += &format!("{id} {year}\n");
        for (day, r) in p.unit_reports_due(year) {
            let assumed = if r.assumed { " (giả định)" } else { "" };
            out += &format!(
                "  {day}{assumed} {} → {}: {} [{}]\n",
                r.owed_by_vi, r.to_vi, r.what_vi, r.clause
            );
        }
        for r in &p.unit_reports {
            if let UnitReportDue::DaysAfterTrip(n) = r.due {
                let due = r.due_after_trip(NaiveDate::from_ymd_opt(year, 2, 15).expect("date"));
                out += &format!(
                    "  {n} days after each trip (15/02 → {due:?}): {} [{}]\n",
                    r.what_vi, r.clause
                );
            }
            if r.due == UnitReportDue::Undated {
                out += &format!(
                    "  undated: {} → {}: {} [{}]\n",
                    r.owed_by_vi, r.to_vi, r.what_vi, r.clause
                );
            }
        }
    }
    expect_test::expect![[r#"
        kien-giang-2023 2025
          2025-06-29 Trưởng phòng, ban chuyên môn Tỉnh đoàn → Thường trực Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Báo cáo kết quả đi cơ sở của đơn vị, kèm báo cáo của từng cán bộ (đợt 1, đợt 2) [000 §IV Bước 4]
          2025-12-29 Trưởng phòng, ban chuyên môn Tỉnh đoàn → Thường trực Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Báo cáo kết quả đi cơ sở của đơn vị, kèm báo cáo của từng cán bộ (đợt 1, đợt 2) [000 §IV Bước 4]
          undated: Ban Tổ chức – Kiểm tra Tỉnh đoàn → Thường trực Tỉnh đoàn: Tổng hợp, báo cáo kết quả đi cơ sở của các phòng, ban [000 §IV Bước 4]
          undated: Ban Tổ chức – Kiểm tra Tỉnh đoàn → Ban Thường vụ Tỉnh đoàn: Rà soát đăng ký, đôn đốc nhắc nhở; nhận xét, đánh giá việc đi cơ sở của cán bộ vào dịp sơ kết 6 tháng và tổng kết năm [000 §VI.1]
        tay-ninh-2018 2019
          2019-03-31 (giả định) Ban Tổ chức – Kiểm tra Tỉnh đoàn → Thường trực Tỉnh đoàn: Báo cáo định kỳ hằng quý tình hình đi cơ sở của cán bộ Tỉnh đoàn [001 §IV.1 Bước 6]
          2019-03-31 (giả định) Huyện, thành đoàn → Ban Thường vụ Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Tổng hợp báo cáo kết quả đi công tác cơ sở hằng quý [001 §IV.2 Bước 4]
          2019-06-30 (giả định) Ban Tổ chức – Kiểm tra Tỉnh đoàn → Thường trực Tỉnh đoàn: Báo cáo định kỳ hằng quý tình hình đi cơ sở của cán bộ Tỉnh đoàn [001 §IV.1 Bước 6]
          2019-06-30 (giả định) Huyện, thành đoàn → Ban Thường vụ Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Tổng hợp báo cáo kết quả đi công tác cơ sở hằng quý [001 §IV.2 Bước 4]
          2019-09-30 (giả định) Ban Tổ chức – Kiểm tra Tỉnh đoàn → Thường trực Tỉnh đoàn: Báo cáo định kỳ hằng quý tình hình đi cơ sở của cán bộ Tỉnh đoàn [001 §IV.1 Bước 6]
          2019-09-30 (giả định) Huyện, thành đoàn → Ban Thường vụ Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Tổng hợp báo cáo kết quả đi công tác cơ sở hằng quý [001 §IV.2 Bước 4]
          2019-10-09 Huyện, thành đoàn → Ban Thường vụ Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Báo cáo kết quả đi cơ sở của cán bộ huyện, thành đoàn trong năm [001 §IV.2 Bước 5; §V.3]
          2019-10-19 Ban Tổ chức – Kiểm tra Tỉnh đoàn → Ban Thường vụ Tỉnh đoàn: Báo cáo cuối năm [001 §IV.1 Bước 6 (trước 20/10)]
          2019-10-31 Ban Tổ chức – Kiểm tra Tỉnh đoàn → Ban Tổ chức Trung ương Đoàn: Báo cáo kết quả đi cơ sở của cán bộ Tỉnh đoàn [001 §IV.1 Bước 6 (trước 1/11)]
          2019-12-31 (giả định) Ban Tổ chức – Kiểm tra Tỉnh đoàn → Thường trực Tỉnh đoàn: Báo cáo định kỳ hằng quý tình hình đi cơ sở của cán bộ Tỉnh đoàn [001 §IV.1 Bước 6]
          2019-12-31 (giả định) Huyện, thành đoàn → Ban Thường vụ Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra): Tổng hợp báo cáo kết quả đi công tác cơ sở hằng quý [001 §IV.2 Bước 4]
          3 days after each trip (15/02 → Some(2019-02-18)): Báo cáo tổng hợp sau mỗi đợt đi cơ sở [001 §IV.1 Bước 5]
          undated: Ban Tổ chức – Kiểm tra Tỉnh đoàn → Ban Thường vụ Tỉnh đoàn: Báo cáo định kỳ 6 tháng [001 §IV.1 Bước 6]
    "#]].assert_eq(&out);
}

/// Issue 13: the deadlines Tây Ninh's plan does not date are marked as assumed, for
/// district cadres only; Kiên Giang dates all of a cadre's deadlines.
#[test]
fn assumed_deadlines() {
    let tn = Policy::preset("tay-ninh-2018").expect("preset");
    for kind in [DeadlineKind::Registration, DeadlineKind::Report] {
        assert!(tn.assumed_deadline(kind, "huyen").is_some(), "{kind:?}");
        assert!(tn.assumed_deadline(kind, "tinh").is_none(), "{kind:?}");
    }
    let kg = Policy::preset("kien-giang-2023").expect("preset");
    assert!(kg.assumed_deadlines.is_empty());
}
