//! The documentation's examples and JSON Schema agree with the code.

#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use shared::dossier::Dossier;
use shared::policy::Policy;
use shared::verdict::{Rating, evaluate};
use std::collections::BTreeSet;

const EXAMPLE: &str = include_str!("../../../docs/examples/dossier-kien-giang-2025.json");
const TN_EXAMPLES: &str = include_str!("../../../docs/examples/dossiers-tay-ninh-2019.json");
const SCHEMA: &str = include_str!("../../../docs/dossier.schema.json");

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().expect("date")
}

#[test]
fn examples_evaluate() {
    let kg = Policy::preset("kien-giang-2023").expect("preset");
    let x = Dossier::from_json_str(EXAMPLE).expect("example parses");
    let v = evaluate(&kg, &x, date("2026-01-15")).expect("example is valid");
    assert_eq!(v.rating, Rating::XuatSac, "{:#?}", v.findings);
    let tn = Policy::preset("tay-ninh-2018").expect("preset");
    let list: Vec<Dossier> = shared::error::from_json_str(TN_EXAMPLES).expect("array parses");
    let ratings: Vec<Rating> = list
        .iter()
        .map(|x| evaluate(&tn, x, date("2020-01-15")).expect("valid").rating)
        .collect();
    assert_eq!(ratings, [Rating::Dat, Rating::KhongDat]);
}

/// Walks a JSON value along the schema; records (definition, property) pairs seen and
/// fails on a key the schema does not declare.
fn walk(
    schema: &Value,
    node: &Value,
    def: &str,
    value: &Value,
    seen: &mut BTreeSet<(String, String)>,
) {
    let (node, def) = match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            (&schema["$defs"][name], name.to_owned())
        }
        None => (node, def.to_owned()),
    };
    if let Some(first) = node.get("oneOf").and_then(|o| o.get(0)) {
        return walk(schema, first, &def, value, seen);
    }
    match value {
        Value::Object(map) => {
            assert_eq!(
                node["additionalProperties"],
                Value::Bool(false),
                "{def} must refuse unknown fields"
            );
            for (k, v) in map {
                let prop = &node["properties"][k];
                assert!(
                    !prop.is_null(),
                    "{def}.{k} is in the example but not in the schema"
                );
                seen.insert((def.clone(), k.clone()));
                walk(schema, prop, &format!("{def}.{k}"), v, seen);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk(schema, &node["items"], &def, v, seen);
            }
        }
        _ => {}
    }
}

#[test]
fn schema_matches_the_complete_example() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema is JSON");
    let example: Value = serde_json::from_str(EXAMPLE).expect("example is JSON");
    let mut seen = BTreeSet::new();
    walk(&schema, &schema, "", &example, &mut seen);
    // Every property of the schema appears in the example, except those the example
    // leaves out on purpose (a waiver or a rejection would change its rating).
    let absent: &[(&str, &str)] = &[("registration", "rejected_on")];
    for (def, body) in schema["$defs"].as_object().expect("defs") {
        let Some(props) = body.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for k in props.keys() {
            let expected = def == "waiver" || absent.contains(&(def.as_str(), k.as_str()));
            let found = seen
                .iter()
                .any(|(d, p)| d.ends_with(def.as_str()) && p == k)
                || seen.contains(&(def.clone(), k.clone()));
            assert!(
                found || expected,
                "{def}.{k} is in the schema but not in the complete example"
            );
        }
    }
    // The schema's required lists match what serde requires: dropping one fails to parse.
    for (def, path) in [
        ("trip", "/trips/0"),
        ("cadre", "/cadre"),
        ("registration", "/registrations/0"),
    ] {
        for req in schema["$defs"][def]["required"]
            .as_array()
            .expect("required")
        {
            let mut v = example.clone();
            let key = req.as_str().expect("name");
            v.pointer_mut(path)
                .and_then(Value::as_object_mut)
                .expect("object")
                .remove(key);
            assert!(
                Dossier::from_json_str(&v.to_string()).is_err(),
                "{def}.{key} is required in the schema but optional in serde"
            );
        }
    }
}

/// Issue 13: a dossier written before the model gained groups, outlines, notes, report
/// texts and meeting links still reads, and rates as it did.
#[test]
fn dossiers_before_issue_13_still_read() {
    let mut v: Value = serde_json::from_str(EXAMPLE).expect("example is JSON");
    let strip = |o: &mut Value, keys: &[&str]| {
        if let Some(map) = o.as_object_mut() {
            for k in keys {
                map.remove(*k);
            }
        }
    };
    for t in v["trips"].as_array_mut().expect("trips") {
        strip(t, &["group", "outline", "notes"]);
        strip(
            &mut t["report"],
            &["result", "proposals", "product", "remark"],
        );
    }
    for m in v["chi_doan_meetings"].as_array_mut().expect("meetings") {
        strip(
            m,
            &[
                "id",
                "invitation_only",
                "trip",
                "topic",
                "members_present",
                "remarks",
            ],
        );
    }
    let old = v.to_string();
    for key in [
        "\"group\"",
        "\"outline\"",
        "\"remark\"",
        "\"members_present\"",
    ] {
        assert!(!old.contains(key), "{key} left in");
    }
    let kg = Policy::preset("kien-giang-2023").expect("preset");
    let x = Dossier::from_json_str(&old).expect("an old dossier parses");
    let verdict = evaluate(&kg, &x, date("2026-01-15")).expect("and is valid");
    assert_eq!(verdict.rating, Rating::XuatSac);
}

/// Every rule id is documented in the verdict format.
#[test]
fn every_rule_id_is_documented() {
    let doc = include_str!("../../../docs/dossier-format.md");
    for rule in shared::policy::RuleId::ALL {
        assert!(
            doc.contains(&format!("`{rule}`")),
            "docs/dossier-format.md does not list `{rule}`"
        );
    }
}
