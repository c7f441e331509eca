//! The fixtures evaluated in wasm32 (Node, wasm-bindgen-test) give byte-identical verdict
//! JSON to the native run (`all/verdict_fixtures.rs`): the phone's forecast and HQ's rating agree.
//! Run: `cargo test -p shared --target wasm32-unknown-unknown` with wasm-bindgen-test-runner.

#![cfg(target_arch = "wasm32")]

mod fixtures;

use fixtures::{FIXTURES, verdict_json};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn fixture_verdicts_are_byte_identical_to_native() {
    for f in FIXTURES {
        assert_eq!(verdict_json(f), f.verdict, "{}", f.name);
    }
}
