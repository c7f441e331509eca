//! dicoso's user interface (Leptos), rendered on the server and hydrated in the browser.
//!
//! Server-rendered HTML depends on the path only: every piece of a user's data comes from
//! the browser's own store after hydration (see [`local`]). That is what lets the service
//! worker start the app offline from cached pages without hydration mismatches.

// Leptos view types nest deeply; forms erase theirs (`into_any`) at component edges.
#![recursion_limit = "256"]

pub mod account;
pub mod app;
pub mod build_info;
pub mod components;
pub mod local;
pub mod pages;
pub mod policy_view;
pub mod rating;
pub mod sync;

pub use app::{App, shell};
pub use build_info::BuildInfo;

/// Entry point of the WebAssembly bundle: hydrates the server-rendered body.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    rating::timing::phase("dicoso:hydrate-start");
    leptos::mount::hydrate_body(App);
    rating::timing::phase("dicoso:hydrated");
}
