//! Splitting the app's WebAssembly: the areas loaded on demand (`app/src/on_demand.rs`,
//! leptos' `#[lazy]`) become modules of their own, fetched by a small JS loader the first
//! time a page of theirs is shown. `wasm_split_cli_support` (the splitter cargo-leptos
//! uses) needs the module as the linker wrote it, with its relocations (`--emit-relocs`,
//! `.cargo/config.toml`), so it runs before wasm-bindgen, which then reads the main part.

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};

/// The loader's name as the main module imports it; staging renames it (`site::stage`).
pub const LOADER: &str = "__wasm_split.js";

/// The module the loader imports `initSync` from: wasm-bindgen's glue of the main part.
pub const GLUE: &str = "dicoso.js";

/// Splits `app_wasm` into `out_dir` (the loader and the modules loaded on demand) and
/// returns the main part, for wasm-bindgen.
pub fn split_app(app_wasm: &Path, out_dir: &Path) -> Result<PathBuf> {
    let input =
        std::fs::read(app_wasm).with_context(|| format!("cannot read {}", app_wasm.display()))?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let main = out_dir.parent().unwrap_or(out_dir).join("dicoso-main.wasm");
    let link_name = format!("./{LOADER}");
    let main_module = format!("./{GLUE}");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = out_dir;
    options.main_out_path = &main;
    options.link_name = &link_name;
    options.main_module = &main_module;
    wasm_split_cli_support::transform(options)
        .map_err(|e| anyhow!("wasm-split ({}): {e:#}", app_wasm.display()))?;
    Ok(main)
}

/// The modules `split_app` wrote, sorted: `split_<area>_<id>.wasm` and the `chunk_<n>.wasm`
/// code they share.
pub fn modules(out_dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(crate::site::files_below(out_dir)?
        .into_iter()
        .filter(|rel| rel.to_str().is_some_and(is_module))
        .map(|rel| out_dir.join(rel))
        .collect())
}

/// Whether `file` (a name, maybe with a content hash staged in) is one of the splitter's
/// modules.
pub fn is_module(file: &str) -> bool {
    (file.starts_with("split_") || file.starts_with("chunk_")) && file.ends_with(".wasm")
}

/// A copy of the module at `path` without the linker's relocations (`linking`,
/// `reloc.*`), written to `out`: every wasm32 module is linked with them for the splitter,
/// and a module not split (the QR module) would otherwise ship them.
pub fn without_relocations(path: &Path, out: &Path) -> Result<()> {
    without_custom_sections(path, out, |name| {
        name == "linking" || name.starts_with("reloc.")
    })
}

/// A split module without its names, which wasm-opt cannot read (a warning per module)
/// and drops anyway.
pub fn without_names(path: &Path) -> Result<()> {
    without_custom_sections(path, path, |name| name == "name")
}

/// Copies the module at `path` to `out` without the custom sections `drop` names.
fn without_custom_sections(path: &Path, out: &Path, drop: impl Fn(&str) -> bool) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut module = wasm_encoder::Module::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        let payload = payload.with_context(|| format!("{} is not WebAssembly", path.display()))?;
        if let wasmparser::Payload::CustomSection(section) = &payload
            && drop(section.name())
        {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| bytes.get(start..end))
                .with_context(|| format!("a section of {} is out of bounds", path.display()))?;
            module.section(&wasm_encoder::RawSection { id, data });
        }
    }
    std::fs::write(out, module.finish()).with_context(|| format!("cannot write {}", out.display()))
}
