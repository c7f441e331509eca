//! The integration tests of `shared` in one binary, one module per subject, so the crate
//! and its dependencies (automerge, proptest) are linked once rather than once per file.
//! `../wasm.rs` stays a binary of its own: it runs in Node (wasm-bindgen-test). Modules
//! that only make sense natively say so with `#![cfg(not(target_arch = "wasm32"))]`.

#[cfg(not(target_arch = "wasm32"))]
mod common;
#[cfg(not(target_arch = "wasm32"))]
#[path = "../fixtures/mod.rs"]
mod fixtures;

mod docs;
mod properties;
mod rules;
mod summary;
mod sync_hub;
mod sync_wire;
mod validation;
mod verdict_fixtures;
