//! dicoso's WebAssembly entry point: `cargo xtask dist` builds this crate, splits the
//! areas loaded on demand out of it (`app::on_demand`) and names it `dicoso`.

#![cfg(target_arch = "wasm32")]

/// Hydrates the server-rendered page; the boot script (`app::BuildInfo::boot_script`)
/// calls it once the module is instantiated.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    app::hydrate();
}
