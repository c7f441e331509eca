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
