//! The server's HTTP surface, driven with `oneshot` over a small staged site (issue 2).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::{AppState, app, store::Store};
use std::path::Path;
use tower::ServiceExt;
use xtask::site::{BuildInfo, PAGES, StageInputs, stage};

struct Fixture {
    _dir: tempfile::TempDir,
    router: Router,
    info: BuildInfo,
    store: Store,
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// A site staged by the real build program from small stand-in bindings.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        &d.join("bindgen/dicoso.js"),
        b"export default async function init() {}\nexport function hydrate() {}",
    );
    write(
        &d.join("bindgen/dicoso_bg.wasm"),
        &[0, b'a', b's', b'm', 1, 0, 0, 0].repeat(200),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let info = stage(
        &StageInputs {
            bindgen_dir: &d.join("bindgen"),
            qr_dir: None,
            split_dir: None,
            css: &root.join("style/main.css"),
            public_dir: &root.join("public"),
            brotli_quality: 1,
        },
        &d.join("site"),
    )
    .expect("stage");
    let build =
        serde_json::from_str(&std::fs::read_to_string(d.join("site/build.json")).expect("read"))
            .expect("build.json must parse as app::BuildInfo");
    let store = Store::open_in(&d.join("data")).expect("store");
    let router = app(AppState::new(d.join("site"), build, store.clone())
        .await
        .expect("state"));
    Fixture {
        _dir: dir,
        router,
        info,
        store,
    }
}

async fn get(
    router: &Router,
    path: &str,
    accept_encoding: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(enc) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, enc);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

#[tokio::test]
async fn every_page_is_rendered_from_its_path_alone() {
    let f = fixture().await;
    // Whatever the server stores must not leak into the HTML.
    f.store
        .append_chunk("some-dossier", "Đoàn xã Bí Mật".as_bytes().to_vec())
        .await
        .expect("append");
    for page in PAGES {
        let (status, headers, first) = get(&f.router, page, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let (_, _, second) = get(&f.router, page, None).await;
        assert_eq!(first, second, "{page}: two renders differ");
        let html = String::from_utf8(first).expect("utf-8");
        assert!(html.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(html.contains("<html lang=\"vi\""), "{page}");
        assert!(
            html.contains(&f.info.js) && html.contains(&f.info.wasm) && html.contains(&f.info.css),
            "{page}"
        );
        assert!(!html.contains("Bí Mật"), "{page}");
        assert_eq!(headers["x-dicoso-build"], f.info.version.as_str(), "{page}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{page}");
    }
    let (_, _, trips) = get(&f.router, "/chuyen-di", None).await;
    let trips = String::from_utf8(trips).expect("utf-8");
    assert!(trips.contains("Đang mở dữ liệu trên máy…"));
    // Issue 9: the navigation names every area, and no placeholder areas are left.
    for area in ["Năm nay", "Đăng ký", "Chuyến đi", "Sinh hoạt", "Đồng bộ"] {
        assert!(trips.contains(area), "{area}");
    }
    assert!(!trips.contains("Tổng hợp") && !trips.contains("Xác nhận"));
}

/// Issue 9: a page of one trip is the same HTML whatever the trip, so the service worker
/// can serve the route's cached page (`/chuyen-di/:id`) for any trip offline.
#[tokio::test]
async fn a_routes_page_is_the_same_for_every_id() {
    let f = fixture().await;
    for (pattern, paths) in [
        ("/chuyen-di/:id", ["/chuyen-di/3f2a", "/chuyen-di/b91c-77"]),
        (
            "/chuyen-di/:id/sua",
            ["/chuyen-di/3f2a/sua", "/chuyen-di/x/sua"],
        ),
        ("/sinh-hoat/:id", ["/sinh-hoat/3f2a", "/sinh-hoat/b91c-77"]),
        (
            "/van-phong/:ma/:nam",
            ["/van-phong/KG-0123/2026", "/van-phong/KG-0200/2025"],
        ),
    ] {
        let (status, _, expected) = get(&f.router, pattern, None).await;
        assert_eq!(status, StatusCode::OK, "{pattern}");
        for path in paths {
            let (status, _, html) = get(&f.router, path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(html, expected, "{path} differs from {pattern}");
        }
    }
}

#[test]
fn the_service_worker_precaches_exactly_the_apps_routes() {
    let mut routes: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        // The router writes a segment as axum does (`{id}`), the service worker as
        // PAGES does (`:id`).
        .map(|r| r.path().replace('{', ":").replace('}', ""))
        .collect();
    routes.sort();
    routes.dedup();
    let mut pages: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    pages.sort();
    assert_eq!(routes, pages);
}

#[tokio::test]
async fn an_unknown_path_is_a_vietnamese_404() {
    let f = fixture().await;
    let (status, _, body) = get(&f.router, "/khong-co", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        String::from_utf8(body)
            .expect("utf-8")
            .contains("Không tìm thấy trang")
    );
}

#[tokio::test]
async fn health_reports_the_build_and_the_database() {
    let f = fixture().await;
    let (status, headers, body) = get(&f.router, "/api/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert_eq!(json["build"], f.info.version.as_str());
}

#[tokio::test]
async fn hashed_assets_are_precompressed_and_cached_for_ever() {
    let f = fixture().await;
    for (encoding, expected) in [
        ("br, gzip", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let (status, headers, body) = get(&f.router, &f.info.wasm, Some(encoding)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
        assert_eq!(
            headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().expect("ascii")),
            expected
        );
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(!body.is_empty());
    }
    let (_, headers, _) = get(&f.router, &f.info.js, Some("gzip")).await;
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .contains("javascript")
    );
}

#[tokio::test]
async fn the_service_worker_and_manifest_are_always_revalidated() {
    let f = fixture().await;
    let (status, headers, body) = get(&f.router, "/sw.js", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let sw = String::from_utf8(body).expect("utf-8");
    assert!(sw.contains(&f.info.version) && sw.contains(&f.info.wasm));
    let (status, headers, body) = get(&f.router, "/manifest.webmanifest", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let manifest: serde_json::Value = serde_json::from_slice(&body).expect("manifest is JSON");
    assert_eq!(manifest["lang"], "vi");
    assert_eq!(manifest["display"], "standalone");
    for icon in manifest["icons"].as_array().expect("icons") {
        let (status, _, _) = get(&f.router, icon["src"].as_str().expect("src"), None).await;
        assert_eq!(status, StatusCode::OK, "{icon}");
    }
}
