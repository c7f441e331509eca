//! What the build program produced: the versioned names of the front end's assets.

use serde::{Deserialize, Serialize};

/// Written by `cargo xtask dist` as `build.json` in the site directory; read by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildInfo {
    /// A hash of every precached asset: the service worker's cache name.
    pub version: String,
    /// URL paths of the hashed JS glue, WebAssembly and stylesheet.
    pub js: String,
    pub wasm: String,
    pub css: String,
    /// Every URL the service worker stores at install: pages, assets, manifest, icons.
    pub precache: Vec<String>,
    /// The QR module (the `qr` crate), imported only when a code is shown or scanned.
    #[serde(default)]
    pub qr: Option<LazyModule>,
}

/// A WebAssembly module of its own, loaded on demand: its JS glue and its wasm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LazyModule {
    pub js: String,
    pub wasm: String,
}

impl BuildInfo {
    /// The module script that loads the WebAssembly and hydrates, and registers the
    /// service worker even if the WebAssembly fails, so the next visit can work offline.
    pub fn boot_script(&self) -> String {
        // Where the QR module is, for the app to import when a code is used.
        let qr = self
            .qr
            .as_ref()
            .map(|m| {
                format!(
                    "globalThis.dicosoQr = {{ js: '{}', wasm: '{}' }};\n",
                    m.js, m.wasm
                )
            })
            .unwrap_or_default();
        format!(
            "{qr}import init, {{ hydrate }} from '{js}';\n\
             init({{ module_or_path: '{wasm}' }}).then(() => hydrate());\n\
             if ('serviceWorker' in navigator) {{ navigator.serviceWorker.register('/sw.js'); }}",
            js = self.js,
            wasm = self.wasm,
        )
    }
}
