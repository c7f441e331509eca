//! The app's integration tests in one binary (linked once, natively and for wasm32).
//! `cargo xtask test` runs them in headless Chromium; `local_store` only exists there.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod local_store;
mod on_demand;
mod verdict_parity;
