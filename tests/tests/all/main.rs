//! The end-to-end tests in one binary, one module per subject, so `server`, Automerge and
//! the browser driver are linked once rather than once per file.
//! `cargo test -p e2e --test all <module>::` runs one subject; `bench_ui` is ignored
//! unless asked for (`cargo xtask bench-ui`).

mod bench_ui;
mod confirm;
mod enrolment;
mod interop;
mod office;
mod office_decisions;
mod offline_app;
mod two_devices;
mod year_on_the_phone;
