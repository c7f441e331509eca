//! Fixture verdicts, natively. `BLESS=1 cargo test -p shared --test all verdict_fixtures` rewrites the
//! expected `*.verdict.json` after a deliberate change; review the diff, it is a public format.

#![cfg(not(target_arch = "wasm32"))]

use crate::fixtures::{FIXTURES, verdict_json};

#[test]
fn fixture_verdicts_match() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for f in FIXTURES {
        let got = verdict_json(f);
        if bless {
            let path = format!(
                "{}/tests/fixtures/{}.verdict.json",
                env!("CARGO_MANIFEST_DIR"),
                f.name
            );
            std::fs::write(&path, &got).unwrap_or_else(|e| panic!("{path}: {e}"));
        } else if got != f.verdict {
            failures.push(format!("{}:\n{got}", f.name));
        }
    }
    assert!(
        failures.is_empty(),
        "verdicts differ (BLESS=1 to accept):\n{}",
        failures.join("\n")
    );
}
