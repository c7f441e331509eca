//! The walking skeleton's promises (issue 2), checked in a real browser against the real
//! server: hydration, a trip stored on the device, reload, the server gone, a new build.

use anyhow::Result;
use chrono::Datelike;
use e2e::{
    Browser, Server, TestPerson, free_port, set_up_province, site_dir, this_year, workspace_root,
};
use std::path::Path;
use xtask::site::{BuildInfo, StageInputs, stage};

const CADRE: TestPerson = TestPerson {
    code: "KG-0001",
    name: "Huỳnh Văn Khoa",
    roles: "cadre",
    password: Some("mat-khau-e2e"),
};

#[tokio::test]
async fn a_trip_is_kept_on_the_device_through_reloads_and_with_the_server_down() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE])?;
    let port = free_port()?;
    let mut server = Server::start(&site_dir(), data.path(), port)?;
    let browser = Browser::start().await?;
    let b = &browser;

    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_hydrated().await?;
    b.wait_text("main", "Chưa có chuyến đi nào.").await?;
    // Nothing can be recorded before someone logs in on the device.
    b.wait_text("header .badge", "Chưa đăng nhập").await?;
    b.wait_text(".setup", "Đăng nhập để bắt đầu").await?;
    b.screenshot("login-prompt").await?;
    b.client.goto(&server.url("/chuyen-di/moi")).await?;
    b.wait_hydrated().await?;
    b.wait_text(".setup", "Đăng nhập để bắt đầu").await?;
    let disabled = b
        .client
        .execute(
            "return document.querySelector('form button[type=submit]').disabled",
            vec![],
        )
        .await?;
    assert_eq!(disabled, serde_json::json!(true));
    b.enrol(
        &server.url(""),
        &CADRE,
        CADRE.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_person(CADRE.code).await?;
    b.wait_text("header .badge", "Trực tuyến").await?;

    // The phone loses its signal: the badge says so at once, and recovers with it.
    b.set_network(false).await?;
    b.wait_text("header .badge", "Ngoại tuyến").await?;
    b.set_network(true).await?;
    b.wait_text("header .badge", "Trực tuyến").await?;

    b.add_trip(
        &this_year("03-02"),
        &this_year("03-06"),
        "Đoàn xã Vĩnh Hòa",
        "3.1",
    )
    .await?;
    b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
    let list = b.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
    assert!(list.contains("5 ngày"), "{list}");
    assert!(
        list.contains(&format!("02/03–06/03/{}", chrono::Local::now().year())),
        "{list}"
    );

    // Bad input names the problem in Vietnamese and stores nothing.
    b.add_trip(
        &this_year("05-10"),
        &this_year("05-01"),
        "Chi đoàn ấp Tân Lập",
        "3.4",
    )
    .await?;
    let error = b.wait_text("form .error", "trước ngày bắt đầu").await?;
    assert!(error.starts_with("Ngày kết thúc (01/05/"), "{error}");
    b.screenshot("trips-error").await?;
    b.click("nav a[href='/chuyen-di']").await?;
    b.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
    assert_eq!(b.trip_count().await?, 1);

    // Reload: the trip comes back from IndexedDB.
    b.wait_service_worker().await?;
    assert_eq!(
        b.installability_errors().await?,
        Vec::<serde_json::Value>::new(),
        "installable"
    );
    b.reload().await?;
    b.wait_hydrated().await?;
    b.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;

    // The server dies. The app still starts, from the service worker, with the data.
    server.kill();
    b.reload().await?;
    b.wait_hydrated().await?;
    b.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
    b.wait_text("header .badge", "Mất kết nối máy chủ").await?;

    // Offline, a second trip is stored, and the other pages open too.
    b.add_trip(
        &this_year("04-01"),
        &this_year("04-01"),
        "Chi đoàn ấp Tân Lập",
        "3.4",
    )
    .await?;
    b.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
    b.client.goto(&server.url("/")).await?;
    b.wait_hydrated().await?;
    // Năm nay shows the engine's figures: both trips wait for their hosts' confirmation.
    let waiting = b.wait_text("[data-stat=waiting]", "6 ngày").await?;
    assert_eq!(waiting.trim(), "Chờ cơ sở xác nhận: 6 ngày");
    b.screenshot("year-offline").await?;
    b.client.goto(&server.url("/sinh-hoat")).await?;
    b.wait_hydrated().await?;
    b.wait_text("main h1", "Sinh hoạt chi đoàn").await?;

    // Back online: still both trips.
    let server = Server::start(&site_dir(), data.path(), port)?;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_hydrated().await?;
    b.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
    assert_eq!(b.trip_count().await?, 2);
    browser.close().await
}

/// Stages "build B": the same WebAssembly as the real build but a changed stylesheet, so
/// every piece of the update machinery (versions, names, precache, activation) moves.
fn stage_build_b(site_a: &Path, info_a: &BuildInfo, out: &Path) -> Result<BuildInfo> {
    // Build A's inputs, as `cargo xtask dist` left them beside its site.
    let front_end = site_a.parent().unwrap_or(site_a).join("front-end");
    let qr = front_end.join("qr");
    let mut css = std::fs::read_to_string(site_a.join(info_a.css.trim_start_matches('/')))?;
    css.push_str("\n:root { --build-marker: \"B\"; }\n");
    let css_path = out.with_extension("css");
    std::fs::write(&css_path, css)?;
    stage(
        &StageInputs {
            bindgen_dir: &front_end.join("bindgen"),
            qr_dir: info_a.qr.as_ref().map(|_| qr.as_path()),
            split_dir: Some(&front_end.join("split")),
            css: &css_path,
            public_dir: &workspace_root().join("public"),
            brotli_quality: 1,
        },
        out,
    )
}

#[tokio::test]
async fn a_new_build_replaces_the_old_assets_and_still_starts_offline() -> Result<()> {
    let site_a = site_dir();
    let info_a: BuildInfo =
        serde_json::from_str(&std::fs::read_to_string(site_a.join("build.json"))?)?;
    let scratch = tempfile::tempdir()?;
    let site_b = scratch.path().join("site-b");
    let info_b = stage_build_b(&site_a, &info_a, &site_b)?;
    assert_ne!(info_a.version, info_b.version);

    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE])?;
    let port = free_port()?;
    let mut server = Server::start(&site_a, data.path(), port)?;
    let browser = Browser::start().await?;
    let b = &browser;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_hydrated().await?;
    b.wait_service_worker().await?;
    b.enrol(
        &server.url(""),
        &CADRE,
        CADRE.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_person(CADRE.code).await?;
    b.add_trip(
        &this_year("06-01"),
        &this_year("06-05"),
        "Đoàn phường 2",
        "3.3",
    )
    .await?;
    b.wait_text("ul.trips", "Đoàn phường 2").await?;
    assert_eq!(
        b.cache_names().await?,
        [format!("dicoso-{}", info_a.version)]
    );

    // Deploy build B on the same origin.
    server.kill();
    let server = Server::start(&site_b, data.path(), port)?;
    b.reload().await?;
    b.wait_hydrated().await?;
    let marker = "return getComputedStyle(document.documentElement).getPropertyValue('--build-marker').trim()";
    assert_eq!(b.client.execute(marker, vec![]).await?, "\"B\"");
    // The new worker takes over and the old build's cache is gone.
    let only_b = [format!("dicoso-{}", info_b.version)];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let names = b.cache_names().await?;
        if names == only_b {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "caches after the update: {names:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Offline again: build B starts from the cache, its own assets only, data intact.
    drop(server);
    b.reload().await?;
    b.wait_hydrated().await?;
    b.wait_text("ul.trips", "Đoàn phường 2").await?;
    assert_eq!(b.client.execute(marker, vec![]).await?, "\"B\"");
    let loaded: Vec<String> = serde_json::from_value(
        b.client
            .execute(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)
                   .filter(p => p.startsWith('/pkg/'))",
                vec![],
            )
            .await?,
    )?;
    assert!(!loaded.is_empty());
    for path in &loaded {
        assert!(
            info_b.precache.contains(path),
            "{path} is not an asset of build B"
        );
    }
    browser.close().await
}

/// Issue 9: a page whose module cannot be fetched (a first visit, online, with the
/// download failing before the service worker holds the build) says so in Vietnamese,
/// whether it is opened directly or reached from the navigation; the rest of the app
/// keeps working.
#[tokio::test]
async fn issue_9_a_page_whose_module_cannot_be_fetched_says_so() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let site = scratch.path().join("site");
    copy_dir_without(&site_dir(), &site, &|name| {
        name.starts_with("split_cadre_area")
    })?;
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[])?;
    let port = free_port()?;
    let server = Server::start(&site, data.path(), port)?;
    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;

    // Opened directly: the server's drawing of the page, the reason above it.
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_text(
        "main [data-not-loaded=hydrate]",
        "Máy chưa tải được phần này của ứng dụng",
    )
    .await?;
    b.wait_text("main", "Tải lại trang").await?;
    b.screenshot("not-loaded-opened").await?;

    // Reached from Năm nay: the page says so in its place, and Năm nay still opens.
    b.client.goto(&server.url("/")).await?;
    b.wait_hydrated().await?;
    b.click("nav.areas a[href='/dang-ky']").await?;
    b.wait_text("main [data-not-loaded=page] h1", "Chưa mở được trang này")
        .await?;
    b.wait_text(
        "main [data-not-loaded=page]",
        "Hãy kiểm tra kết nối mạng rồi tải lại trang.",
    )
    .await?;
    b.screenshot("not-loaded-navigated").await?;
    // Its button reloads the page, which tries the module again: opened directly now.
    b.click("main [data-not-loaded=page] button").await?;
    b.wait_text(
        "main [data-not-loaded=hydrate]",
        "Máy chưa tải được phần này của ứng dụng",
    )
    .await?;
    b.click("nav.areas a[href='/']").await?;
    b.wait_text("main h1", "Năm nay").await?;
    browser.close().await
}

/// Issue 9: when the sync task's module cannot be fetched, the phone works on and says
/// that it has not synced, and why.
#[tokio::test]
async fn issue_9_without_its_sync_module_the_phone_says_it_has_not_synced() -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let site = scratch.path().join("site");
    copy_dir_without(&site_dir(), &site, &|name| name.starts_with("split_sync"))?;
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE])?;
    let port = free_port()?;
    let server = Server::start(&site, data.path(), port)?;
    let browser = Browser::start().await?;
    let b = &browser;
    // Without the worker: it cannot install, one of the build's files being missing.
    b.first_visit(&server.url("")).await?;
    b.enrol(
        &server.url(""),
        &CADRE,
        CADRE.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/dong-bo")).await?;
    b.wait_person(CADRE.code).await?;
    b.wait_text(
        "main dd.error",
        "Chưa đồng bộ được. Máy chưa tải được phần này của ứng dụng.",
    )
    .await?;
    assert_eq!(b.badge_link().await?, "ServerUnreachable");
    // Năm nay still shows the cadre's year.
    b.client.goto(&server.url("/")).await?;
    b.wait_text("main", "Mã cán bộ").await?;
    browser.close().await
}

/// Copies the directory `from` to `to`, leaving out the files whose name `skip` picks.
fn copy_dir_without(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_dir_without(&entry.path(), &target, skip)?;
        } else if !skip(&name.to_string_lossy()) {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
