//! The integration tests of `server` in one binary, one module per subject, so the crate
//! and its dependencies (automerge, axum, SQLite) are linked once rather than once per
//! file. `cargo test -p server --test all <module>::` runs one subject.

mod access;
mod accounts;
mod common;
mod confirmations;
mod durability;
mod evaluate_cli;
mod hardening;
mod http;
mod office;
mod store_readonly;
mod sync_fixture;
mod sync_stalls;
mod sync_ws;
