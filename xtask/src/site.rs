//! Staging the site: hashed asset names, the service worker's precache list, compression.

use crate::split;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every page the app serves, as route patterns (`:id` stands for any one segment). The
/// service worker precaches each, so the app starts offline on any of them, and serves a
/// pattern's page for every path it matches (the HTML depends on the route, never on the
/// id: the page reads its trip from the device after hydration). (A server test checks
/// this equals the app's routes.)
pub const PAGES: &[&str] = &[
    "/",
    "/dang-ky",
    "/chuyen-di",
    "/chuyen-di/moi",
    "/chuyen-di/:id",
    "/chuyen-di/:id/sua",
    "/chuyen-di/:id/bao-cao",
    "/sinh-hoat",
    "/sinh-hoat/moi",
    "/sinh-hoat/:id",
    "/dong-bo",
    "/dang-nhap",
    "/quan-tri",
    "/van-phong",
    "/van-phong/:ma/:nam",
    "/xac-nhan",
];

/// Written as `build.json`; the server reads it into `app::BuildInfo`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: String,
    pub js: String,
    pub wasm: String,
    pub css: String,
    pub precache: Vec<String>,
    pub qr: Option<LazyModule>,
}

/// A module loaded on demand (`app::build_info::LazyModule`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct LazyModule {
    pub js: String,
    pub wasm: String,
}

/// What goes into a site.
pub struct StageInputs<'a> {
    /// wasm-bindgen's output directory: `dicoso.js`, `dicoso_bg.wasm`, maybe `snippets/`.
    pub bindgen_dir: &'a Path,
    /// wasm-bindgen's output for the QR module: `qr.js`, `qr_bg.wasm`.
    pub qr_dir: Option<&'a Path>,
    /// The app's modules loaded on demand and their loader (`split::split_app`).
    pub split_dir: Option<&'a Path>,
    pub css: &'a Path,
    /// `sw.js` (template), `manifest.webmanifest`, `icons/`.
    pub public_dir: &'a Path,
    /// Brotli quality: 11 for release, lower to save time on debug builds.
    pub brotli_quality: u32,
}

/// A file of the site: its URL and its bytes.
type Asset = (String, Vec<u8>);

fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Files below `dir`, as paths relative to it, sorted.
pub(crate) fn files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn url_of(rel: &Path) -> String {
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    format!("/{}", parts.join("/"))
}

/// Writes a complete site into `out` (which must not exist yet) and returns its build info.
pub fn stage(inputs: &StageInputs<'_>, out: &Path) -> Result<BuildInfo> {
    if out.exists() {
        bail!("{} exists already", out.display());
    }
    let js = read(&inputs.bindgen_dir.join(split::GLUE))?;
    let wasm = read(&inputs.bindgen_dir.join("dicoso_bg.wasm"))?;
    let css = read(inputs.css)?;
    let (js, on_demand) = match inputs.split_dir {
        Some(dir) => stage_split(dir, js)?,
        None => (js, Vec::new()),
    };
    let mut assets: Vec<Asset> = vec![
        (format!("/pkg/dicoso.{}.js", short_hash(&js)), js),
        (format!("/pkg/dicoso.{}.wasm", short_hash(&wasm)), wasm),
        (format!("/pkg/dicoso.{}.css", short_hash(&css)), css),
    ];
    assets.extend(on_demand);
    // The QR module: precached (codes work offline), imported only when a code is used.
    let mut qr = None;
    if let Some(dir) = inputs.qr_dir {
        let js = read(&dir.join("qr.js"))?;
        let wasm = read(&dir.join("qr_bg.wasm"))?;
        let module = LazyModule {
            js: format!("/pkg/qr.{}.js", short_hash(&js)),
            wasm: format!("/pkg/qr.{}.wasm", short_hash(&wasm)),
        };
        assets.push((module.js.clone(), js));
        assets.push((module.wasm.clone(), wasm));
        qr = Some(module);
    }
    // wasm-bindgen's JS snippets are imported relative to the glue; their names are hashed.
    let snippets = inputs.bindgen_dir.join("snippets");
    for rel in files_below(&snippets)? {
        let bytes = read(&snippets.join(&rel))?;
        assets.push((format!("/pkg/snippets{}", url_of(&rel)), bytes));
    }
    let public = inputs.public_dir;
    assets.push((
        "/manifest.webmanifest".into(),
        read(&public.join("manifest.webmanifest"))?,
    ));
    for rel in files_below(&public.join("icons"))? {
        assets.push((
            format!("/icons{}", url_of(&rel)),
            read(&public.join("icons").join(&rel))?,
        ));
    }
    let template = String::from_utf8(read(&public.join("sw.js"))?).context("sw.js is not UTF-8")?;

    // The version covers every byte the service worker would cache, and the worker itself.
    let mut all = Sha256::new();
    for (url, bytes) in &assets {
        all.update(url.as_bytes());
        all.update(short_hash(bytes).as_bytes());
    }
    all.update(template.as_bytes());
    all.update(PAGES.join("\n").as_bytes());
    let version: String = all
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut precache: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    precache.extend(assets.iter().map(|(url, _)| url.clone()));
    let sw = template
        .replace("__VERSION__", &version)
        .replace("__PRECACHE__", &serde_json::to_string(&precache)?)
        .replace("__PAGES__", &serde_json::to_string(PAGES)?);
    if ["__VERSION__", "__PRECACHE__", "__PAGES__"]
        .iter()
        .any(|p| sw.contains(p))
    {
        bail!("sw.js still has a placeholder after staging");
    }

    for (url, bytes) in &assets {
        let path = out.join(url.trim_start_matches('/'));
        write(&path, bytes)?;
        if url.starts_with("/pkg/") {
            compress(&path, bytes, inputs.brotli_quality)?;
        }
    }
    write(&out.join("sw.js"), sw.as_bytes())?;
    let info = BuildInfo {
        version,
        js: assets[0].0.clone(),
        wasm: assets[1].0.clone(),
        css: assets[2].0.clone(),
        precache,
        qr,
    };
    write(
        &out.join("build.json"),
        serde_json::to_string_pretty(&info)?.as_bytes(),
    )?;
    Ok(info)
}

/// The split modules' loader is staged as `/pkg/<LOADER_STEM>.<hash>.js`.
const LOADER_STEM: &str = "dicoso-split";

/// The URLs of a staged site's areas loaded on demand: their modules and their loader.
pub fn on_demand(info: &BuildInfo) -> Vec<&str> {
    let loader = format!("{LOADER_STEM}.");
    info.precache
        .iter()
        .map(String::as_str)
        .filter(|url| {
            url.strip_prefix("/pkg/")
                .is_some_and(|file| split::is_module(file) || file.starts_with(&loader))
        })
        .collect()
}

/// Names the modules loaded on demand and their loader after their content, and points
/// the glue (`js`) and the loader at each other's new names. Returns the glue and the
/// assets to add. The loader imports the glue and the glue the loader, so the loader is
/// named after what it holds before that import is rewritten, and the glue's own original
/// bytes: a change to either still changes both names.
fn stage_split(dir: &Path, js: Vec<u8>) -> Result<(Vec<u8>, Vec<Asset>)> {
    let text = |bytes: Vec<u8>, what: &str| {
        String::from_utf8(bytes).with_context(|| format!("{what} is not UTF-8"))
    };
    let mut loader = text(read(&dir.join(split::LOADER))?, split::LOADER)?;
    let mut assets = Vec::new();
    for module in split::modules(dir)? {
        let (Some(stem), Some(name)) = (
            module.file_stem().and_then(|s| s.to_str()),
            module.file_name().and_then(|s| s.to_str()),
        ) else {
            bail!("{} has no usable name", module.display());
        };
        let bytes = read(&module)?;
        let hashed = format!("{stem}.{}.wasm", short_hash(&bytes));
        loader = replace_all(
            &loader,
            &format!("\"./{name}\""),
            &format!("\"./{hashed}\""),
        )
        .with_context(|| format!("the loader does not fetch {name}"))?;
        assets.push((format!("/pkg/{hashed}"), bytes));
    }
    let glue = text(js, split::GLUE)?;
    let loader_name = format!(
        "{LOADER_STEM}.{}.js",
        short_hash(format!("{loader}\n{glue}").as_bytes())
    );
    // Only the import: the imports object keeps the name the WebAssembly imports.
    let glue = replace_all(
        &glue,
        &format!("from \"./{}\"", split::LOADER),
        &format!("from \"./{loader_name}\""),
    )
    .context("the glue does not import the loader")?;
    let glue_name = format!("dicoso.{}.js", short_hash(glue.as_bytes()));
    let loader = replace_all(
        &loader,
        &format!("from \"./{}\"", split::GLUE),
        &format!("from \"./{glue_name}\""),
    )
    .context("the loader does not import the glue")?;
    assets.push((format!("/pkg/{loader_name}"), loader.into_bytes()));
    Ok((glue.into_bytes(), assets))
}

/// `text` with every `from` made `to`; an error if there is none.
fn replace_all(text: &str, from: &str, to: &str) -> Result<String> {
    if !text.contains(from) {
        bail!("{from} not found");
    }
    Ok(text.replace(from, to))
}

/// Writes `<file>.gz` and `<file>.br` beside `path`, served with `Content-Encoding`.
fn compress(path: &Path, bytes: &[u8], brotli_quality: u32) -> Result<()> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    write(&with_suffix(path, "gz"), &gz.finish()?)?;
    let mut br = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut br, 64 * 1024, brotli_quality, 22);
        writer.write_all(bytes)?;
    }
    write(&with_suffix(path, "br"), &br)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Replaces `site` with the freshly staged `staged` directory.
pub fn replace_dir(staged: &Path, site: &Path) -> Result<()> {
    if site.exists() {
        std::fs::remove_dir_all(site)
            .with_context(|| format!("cannot remove {}", site.display()))?;
    }
    std::fs::rename(staged, site)
        .with_context(|| format!("cannot move the site to {}", site.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(dir: &Path, css: &str) -> Result<()> {
        write(
            &dir.join("bindgen/dicoso.js"),
            b"export default function init() {}",
        )?;
        write(&dir.join("bindgen/dicoso_bg.wasm"), b"\0asm\x01\0\0\0")?;
        write(
            &dir.join("bindgen/snippets/x-123/inline0.js"),
            b"export const a = 1;",
        )?;
        write(&dir.join("main.css"), css.as_bytes())?;
        write(
            &dir.join("public/sw.js"),
            b"const V='__VERSION__'; const P=__PRECACHE__; const Q=__PAGES__;",
        )?;
        write(&dir.join("public/manifest.webmanifest"), b"{}")?;
        write(&dir.join("public/icons/icon-192.png"), b"png")?;
        Ok(())
    }

    fn stage_fixture(dir: &Path, out: &str) -> Result<BuildInfo> {
        stage(
            &StageInputs {
                bindgen_dir: &dir.join("bindgen"),
                qr_dir: None,
                split_dir: None,
                css: &dir.join("main.css"),
                public_dir: &dir.join("public"),
                brotli_quality: 5,
            },
            &dir.join(out),
        )
    }

    #[test]
    fn staged_site_has_hashed_assets_precache_list_and_compressed_copies() -> Result<()> {
        let dir = tempfile::tempdir()?;
        fixture(dir.path(), "body{}")?;
        let info = stage_fixture(dir.path(), "site")?;
        let site = dir.path().join("site");
        assert!(info.js.starts_with("/pkg/dicoso.") && info.js.ends_with(".js"));
        for url in &info.precache {
            if !PAGES.contains(&url.as_str()) {
                assert!(
                    site.join(url.trim_start_matches('/')).is_file(),
                    "{url} missing"
                );
            }
        }
        assert!(
            info.precache
                .contains(&"/pkg/snippets/x-123/inline0.js".to_owned())
        );
        assert!(
            site.join(format!("{}.br", info.wasm.trim_start_matches('/')))
                .is_file()
        );
        assert!(
            site.join(format!("{}.gz", info.css.trim_start_matches('/')))
                .is_file()
        );
        let sw = std::fs::read_to_string(site.join("sw.js"))?;
        assert!(sw.contains(&info.version) && sw.contains(&info.wasm) && !sw.contains("__"));
        let read_back: BuildInfo =
            serde_json::from_str(&std::fs::read_to_string(site.join("build.json"))?)?;
        assert_eq!(read_back, info);
        Ok(())
    }

    #[test]
    fn changing_any_asset_changes_the_version_and_only_that_name() -> Result<()> {
        let dir = tempfile::tempdir()?;
        fixture(dir.path(), "body{}")?;
        let a = stage_fixture(dir.path(), "a")?;
        let again = stage_fixture(dir.path(), "a2")?;
        assert_eq!(a, again, "staging is deterministic");
        write(&dir.path().join("main.css"), b"body{color:red}")?;
        let b = stage_fixture(dir.path(), "b")?;
        assert_ne!(a.version, b.version);
        assert_ne!(a.css, b.css);
        assert_eq!(a.wasm, b.wasm);
        Ok(())
    }

    /// The loader and the glue name each other by their staged names, and the loader
    /// fetches every module loaded on demand by its staged name.
    #[test]
    fn modules_loaded_on_demand_are_staged_under_the_names_their_loader_fetches() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        fixture(d, "body{}")?;
        write(
            &d.join("bindgen/dicoso.js"),
            b"import * as import1 from \"./__wasm_split.js\"\n\
              const imports = { \"./__wasm_split.js\": import1 };\n\
              export default function init() {}",
        )?;
        write(
            &d.join("split/__wasm_split.js"),
            b"import { initSync } from \"./dicoso.js\";\n\
              fetch(new URL(\"./chunk_1.wasm\", import.meta.url));\n\
              fetch(new URL(\"./chunk_10.wasm\", import.meta.url));\n\
              fetch(new URL(\"./split_office_area_7.wasm\", import.meta.url));",
        )?;
        for (name, bytes) in [
            ("chunk_1.wasm", &b"one"[..]),
            ("chunk_10.wasm", b"ten"),
            ("split_office_area_7.wasm", b"office"),
        ] {
            write(&d.join("split").join(name), bytes)?;
        }
        let staged = |out: &str| {
            stage(
                &StageInputs {
                    bindgen_dir: &d.join("bindgen"),
                    qr_dir: None,
                    split_dir: Some(&d.join("split")),
                    css: &d.join("main.css"),
                    public_dir: &d.join("public"),
                    brotli_quality: 5,
                },
                &d.join(out),
            )
        };
        let info = staged("site")?;
        let site = d.join("site");
        let file = |url: &str| std::fs::read_to_string(site.join(url.trim_start_matches('/')));
        assert_eq!(on_demand(&info).len(), 4, "three modules and the loader");
        let loader_url = *on_demand(&info)
            .iter()
            .find(|u| u.ends_with(".js"))
            .context("the loader is precached")?;
        let glue = file(&info.js)?;
        let loader_file = loader_url.trim_start_matches("/pkg/");
        assert!(
            glue.contains(&format!("from \"./{loader_file}\"")),
            "{glue}"
        );
        let loader = file(loader_url)?;
        let glue_file = info.js.trim_start_matches("/pkg/");
        assert!(
            loader.contains(&format!("from \"./{glue_file}\"")),
            "{loader}"
        );
        for (stem, bytes) in [
            ("chunk_1", "one"),
            ("chunk_10", "ten"),
            ("split_office_area_7", "office"),
        ] {
            let url = info
                .precache
                .iter()
                .find(|u| u.starts_with(&format!("/pkg/{stem}.")))
                .with_context(|| format!("{stem} is precached"))?;
            assert_eq!(file(url)?, bytes);
            assert!(loader.contains(&format!("\"./{}\"", url.trim_start_matches("/pkg/"))));
            assert!(
                site.join(format!("{}.br", url.trim_start_matches('/')))
                    .is_file()
            );
        }
        assert!(!loader.contains("chunk_1.wasm") && !loader.contains("./dicoso.js\""));

        // A module that changes renames itself, the loader and the glue; staging again
        // without a change renames nothing.
        assert_eq!(staged("again")?, info);
        write(&d.join("split/chunk_10.wasm"), b"TEN")?;
        let changed = staged("changed")?;
        assert_ne!(changed.js, info.js);
        assert_eq!(changed.wasm, info.wasm);
        Ok(())
    }
}
