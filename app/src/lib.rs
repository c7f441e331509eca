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
pub mod on_demand;
pub mod pages;
pub mod policy_view;
pub mod rating;
pub mod sync;

pub use app::{App, shell};
pub use build_info::BuildInfo;

/// Hydrates the server-rendered body: the WebAssembly's entry point (`front` exports it).
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    rating::timing::phase("dicoso:hydrate-start");
    // A page of an area loaded on demand hydrates once its module is here (`on_demand`).
    let area = leptos::prelude::window()
        .location()
        .pathname()
        .ok()
        .and_then(|path| on_demand::area_of(&path));
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(area) = area
            && let Err(problem) = on_demand::load(area).await
        {
            // Hydrating now would draw the page differently from the server's HTML.
            on_demand::say_not_loaded(problem);
            return;
        }
        leptos::mount::hydrate_body(App);
        rating::timing::phase("dicoso:hydrated");
    });
}
