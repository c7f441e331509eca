//! Issue 9, done means: a cadre's year on a 360×740 phone with the server stopped:
//! register, add trips and meetings, write reports, and see the progress and the
//! forecast change as the engine says; reload offline, data intact; start the server,
//! sync, and `dicoso evaluate --store` prints the same verdict as the phone.
//!
//! The phone's date is fixed at 10 June of the current year (`Browser::fake_today`), so
//! the deadlines fall the same way whenever the test runs: period 1's registration
//! (due 19/12 of last year) is late, period 2's (due 19/06) on time. Screenshots of every
//! screen go to `$E2E_SCREENSHOTS` (`cargo xtask test`: `target/screenshots`).

use anyhow::{Context, Result, ensure};
use e2e::{
    Browser, Server, TestPerson, current_year, free_port, server_bin, set_up_province, site_dir,
    this_year,
};
use serde_json::Value;

/// The cadre of the test province, enrolled on the phone with a password (issue 8).
const CADRE: TestPerson = TestPerson {
    code: "KG-0009",
    name: "Trần Thị Chín",
    roles: "cadre",
    password: Some("mat-khau-e2e"),
};

/// A date of the test's year, as typed (dd/mm/yyyy).
fn d(day_month: &str) -> String {
    format!("{day_month}/{}", current_year())
}

/// The phone's verdict, parsed (from Năm nay, opened if need be).
async fn verdict(b: &Browser) -> Result<Value> {
    let here = b.client.execute("return location.pathname", vec![]).await?;
    if here != "/" {
        area(b, "/").await?;
    }
    Ok(serde_json::from_str(&b.verdict_json().await?)?)
}

/// Waits until the phone's verdict differs from `before`, and returns it.
async fn verdict_after(b: &Browser, before: &Value) -> Result<Value> {
    let started = std::time::Instant::now();
    loop {
        let now = verdict(b).await?;
        if &now != before {
            return Ok(now);
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the verdict did not change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Opens an area from the navigation bar (client-side, as a thumb would).
async fn area(b: &Browser, href: &str) -> Result<()> {
    b.click(&format!("nav a[href='{href}']")).await?;
    b.wait_until(
        "the area to open",
        &format!("return location.pathname === {}", serde_json::json!(href)),
    )
    .await?;
    Ok(())
}

/// A dataset attribute of the first element matching `css`.
async fn data(b: &Browser, css: &str, key: &str) -> Result<String> {
    let v = b
        .client
        .execute(
            &format!(
                "const e = document.querySelector({}); return e ? e.dataset[{}] : null;",
                serde_json::json!(css),
                serde_json::json!(key)
            ),
            vec![],
        )
        .await?;
    v.as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {css}[data-{key}]"))
}

/// Năm nay shows what the verdict says: the day ring, the thematic count, the chi đoàn
/// meetings, the forecast, and every finding in the engine's words.
async fn year_page_matches(b: &Browser, v: &Value) -> Result<()> {
    area(b, "/").await?;
    let shown = verdict(b).await?;
    ensure!(&shown == v, "Năm nay shows another verdict");
    let pairs = [
        (
            "[data-stat=days]",
            &v["days"]["counted"],
            &v["days"]["required"],
        ),
        (
            "[data-stat=thematic]",
            &v["thematic"]["counted"],
            &v["thematic"]["required"],
        ),
        (
            "[data-stat=chi-doan]",
            &v["coverage"]["chi_doan_meetings"],
            &v["coverage"]["chi_doan_required"],
        ),
    ];
    for (css, counted, required) in pairs {
        assert_eq!(data(b, css, "counted").await?, counted.to_string(), "{css}");
        assert_eq!(
            data(b, css, "required").await?,
            required.to_string(),
            "{css}"
        );
    }
    let page = b.text("main").await?;
    let forecast = &v["forecast"];
    assert!(
        page.contains(forecast["outlook_vi"].as_str().unwrap_or("?")),
        "{page}"
    );
    let findings = v["findings"].as_array().context("findings")?;
    let shown = b
        .client
        .execute(
            "return document.querySelectorAll('ul.findings > li').length",
            vec![],
        )
        .await?;
    assert_eq!(shown.as_u64(), Some(findings.len() as u64));
    for f in findings {
        let message = f["message_vi"].as_str().unwrap_or_default();
        assert!(page.contains(message), "missing finding: {message}");
    }
    Ok(())
}

/// The id of the trip whose list entry mentions `host`.
async fn trip_id(b: &Browser, host: &str) -> Result<String> {
    let v = b
        .client
        .execute(
            &format!(
                "const li = [...document.querySelectorAll('li.trip')].find(l => l.innerText.includes({}));
                 return li ? li.dataset.tripId : null;",
                serde_json::json!(host)
            ),
            vec![],
        )
        .await?;
    v.as_str().map(str::to_owned).context("no such trip")
}

/// Fills the open trip form.
#[allow(clippy::too_many_arguments)]
async fn fill_trip(
    b: &Browser,
    start: &str,
    end: &str,
    host: &str,
    level: &str,
    content: &str,
    topic: &str,
) -> Result<()> {
    b.set_value("input[name=start]", start).await?;
    b.set_value("input[name=end]", end).await?;
    b.set_value("input[name=host_unit]", host).await?;
    b.set_value("select[name=host_level]", level).await?;
    b.set_value("select[name=content_type]", content).await?;
    b.set_value("input[name=topic]", topic).await?;
    Ok(())
}

async fn save_trip(b: &Browser, host: &str) -> Result<String> {
    b.click("form.trip-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
    b.wait_text("ul.trips", host).await?;
    trip_id(b, host).await
}

/// Audits the screen, then saves it as a 360×740 phone shows it from the top.
async fn shot(b: &Browser, name: &str) -> Result<()> {
    let problems = b.audit().await?;
    ensure!(problems.is_empty(), "{name}: {problems:#?}");
    b.client
        .execute("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); return true;", vec![])
        .await?;
    b.screenshot(&format!("issue9-{name}")).await
}

/// The day the phone believes it is (the verdict's as-of): mid-year.
const TODAY: &str = "06-10";

#[tokio::test]
async fn a_cadres_year_on_the_phone_offline_rated_as_the_server_rates_it() -> Result<()> {
    let data_dir = tempfile::tempdir()?;
    set_up_province(data_dir.path(), &[CADRE])?;
    let port = free_port()?;
    let mut server = Server::start(&site_dir(), data_dir.path(), port)?;
    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;

    // First visit online: the app installs its service worker and the cadre enrols
    // (with the real date: the server refuses an enrolment signed months away from
    // its clock); the phone's date is fixed from the next page on.
    b.install_and_enrol(&server.url(""), &CADRE, "2468").await?;
    b.fake_today(&this_year(TODAY)).await?;
    b.reload().await?;
    b.wait_person(CADRE.code).await?;
    b.wait_text("header .sync-detail", "Đã đồng bộ lúc").await?;

    // The server stops; everything below happens offline.
    server.kill();
    b.reload().await?;
    b.wait_hydrated().await?;
    b.wait_text("header .badge", "Mất kết nối máy chủ").await?;
    let v0 = verdict(b).await?;
    assert_eq!(v0["as_of"], this_year(TODAY));
    assert_eq!(v0["process"]["registrations"][0]["status"], "missing");
    assert_eq!(v0["process"]["registrations"][1]["status"], "not_due");
    year_page_matches(b, &v0).await?;
    shot(b, "nam-nay-dau-nam").await?;

    // The form says everything wrong at once, beside each field, with the engine's rules.
    area(b, "/chuyen-di").await?;
    b.open_trip_form().await?;
    fill_trip(
        b,
        &d("20/07"),
        &d("28/07"),
        "Đoàn xã Vĩnh Hòa",
        "co-so",
        "3.1",
        "",
    )
    .await?;
    b.set_value("select[name=status]", "done").await?;
    b.click("form.trip-form button[type=submit]").await?;
    let end = b.wait_text("#m-end", "5–7 ngày").await?;
    assert_eq!(end, "Đợt chuyên đề phải dài 5–7 ngày; đợt này 9 ngày.");
    b.wait_text("#m-status", "chưa diễn ra").await?;
    b.wait_text("form .summary", "còn 2 mục").await?;
    shot(b, "chuyen-di-moi-loi").await?;

    // A planned thematic trip in period 2, with its outline and a group of two.
    fill_trip(
        b,
        &d("06/07"),
        &d("10/07"),
        "Đoàn xã Vĩnh Hòa",
        "co-so",
        "3.1",
        "Khởi nghiệp",
    )
    .await?;
    b.set_value("select[name=status]", "").await?;
    b.set_checked("input[name=three_together]", true).await?;
    b.set_value("input[name=outline_title]", "Hỗ trợ thanh niên khởi nghiệp")
        .await?;
    b.set_value(
        "textarea[name=outline_text]",
        "Khảo sát, tập huấn, kết nối vốn.",
    )
    .await?;
    b.click("fieldset.thematic button.secondary").await?;
    b.set_value("input[name=member_name_1]", "Lê Thị Ba")
        .await?;
    b.set_value("select[name=member_role_1]", "can-bo").await?;
    b.set_value("input[name=member_task_1]", "Khảo sát").await?;
    b.click("fieldset.thematic button.secondary").await?;
    b.set_value("input[name=member_code_2]", "KG-0002").await?;
    b.set_value("input[name=member_name_2]", "Trần Văn Hai")
        .await?;
    b.set_value("select[name=member_role_2]", "lanh-dao-ban")
        .await?;
    b.set_value("input[name=member_task_2]", "Phụ trách nhóm")
        .await?;
    b.set_value("select[name=group_leader]", "KG-0002").await?;
    shot(b, "chuyen-di-moi").await?;
    let thematic = save_trip(b, "Đoàn xã Vĩnh Hòa").await?;
    // Planned and not registered yet: the engine counts nothing for it, so the verdict
    // stays as it was; the trip waits for its registration (the cadre's move).
    let v1 = verdict(b).await?;
    assert_eq!(v1, v0);
    let stage = data(
        b,
        &format!("li a[href='/chuyen-di/{thematic}'] + .chip"),
        "stage",
    )
    .await;
    assert_eq!(stage.ok().as_deref(), Some("ToRegister"));

    // Another planned trip, then two carried out in period 1 (before today).
    b.open_trip_form().await?;
    fill_trip(
        b,
        &d("14/09"),
        &d("15/09"),
        "Huyện đoàn An Biên",
        "huyen",
        "3.3",
        "Kiểm tra",
    )
    .await?;
    let district = save_trip(b, "Huyện đoàn An Biên").await?;
    b.open_trip_form().await?;
    fill_trip(
        b,
        &d("02/03"),
        &d("04/03"),
        "Đoàn xã Mỹ Lâm",
        "co-so",
        "3.2",
        "Ngày hội",
    )
    .await?;
    let done_a = save_trip(b, "Đoàn xã Mỹ Lâm").await?;
    b.open_trip_form().await?;
    fill_trip(
        b,
        &d("20/04"),
        &d("20/04"),
        "Chi đoàn ấp Tân Hưng",
        "chi-doan",
        "3.4",
        "",
    )
    .await?;
    let done_b = save_trip(b, "Chi đoàn ấp Tân Hưng").await?;
    shot(b, "chuyen-di").await?;
    let v2 = verdict(b).await?;
    // Carried out, not confirmed by their hosts: waiting, not counted.
    assert_eq!(v2["days"]["not_counted"]["unconfirmed"], 4);
    assert_eq!(v2["days"]["counted"], 0);
    assert_ne!(v1, v2);
    year_page_matches(b, &v2).await?;

    // Register: period 2 on time (both planned trips), period 1 late (the two done).
    area(b, "/dang-ky").await?;
    b.wait_text("[data-period='2']", "Chuyến đi trong đợt")
        .await?;
    b.click("[data-period='2'] button.send").await?;
    b.wait_text("[data-period='2'] .status", "Đã đăng ký đúng hạn")
        .await?;
    b.wait_text("[data-period='1']", "Đã quá hạn").await?;
    b.click("[data-period='1'] button.send").await?;
    b.wait_text("[data-period='1'] .status", "Đăng ký muộn")
        .await?;
    b.wait_text("[data-period='1'] .submissions", "nộp muộn")
        .await?;
    shot(b, "dang-ky").await?;
    let v3 = verdict(b).await?;
    assert_eq!(v3["process"]["registrations"][0]["status"], "late");
    assert_eq!(v3["process"]["registrations"][1]["status"], "on_time");
    assert_eq!(v3["process"]["registrations"][1]["decision"], "pending");
    assert!(
        v3["findings"]
            .as_array()
            .context("findings")?
            .iter()
            .any(|f| f["rule"] == "registration-late")
    );
    year_page_matches(b, &v3).await?;

    // A chi đoàn meeting attended during the trip to Tân Hưng.
    area(b, "/sinh-hoat").await?;
    b.click("a[href='/sinh-hoat/moi']").await?;
    b.wait_until(
        "the meeting form",
        "return document.querySelector('form.meeting-form select[name=unit_level]') !== null",
    )
    .await?;
    b.set_value("input[name=date]", &d("20/04")).await?;
    b.set_value("input[name=chi_doan]", "Chi đoàn ấp Tân Hưng")
        .await?;
    b.set_value("input[name=unit_name]", "Đoàn xã Mỹ Lâm")
        .await?;
    b.set_value("select[name=unit_level]", "co-so").await?;
    b.set_value("input[name=topic]", "Sinh hoạt chủ điểm tháng 4")
        .await?;
    b.set_value("input[name=members_present]", "18").await?;
    b.set_value("textarea[name=remarks]", "Chi đoàn sinh hoạt nền nếp.")
        .await?;
    b.set_value("select[name=trip]", &done_b).await?;
    shot(b, "sinh-hoat-moi").await?;
    b.click("form.meeting-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu buổi sinh hoạt trên máy.")
        .await?;
    b.wait_text("ul.meetings", "Chi đoàn ấp Tân Hưng").await?;
    b.wait_text("[data-units]", "Đoàn xã Mỹ Lâm").await?;
    shot(b, "sinh-hoat").await?;
    let v4 = verdict_after(b, &v3).await?;
    assert_eq!(v4["coverage"]["chi_doan_meetings"], 1);
    year_page_matches(b, &v4).await?;
    assert!(b.text("[data-stat=chi-doan]").await?.contains("1/1"));

    // The report on the trip to Mỹ Lâm: no longer among the reports to write.
    let due = b.text("main").await?;
    assert!(due.contains("Viết báo cáo: Đoàn xã Mỹ Lâm"), "{due}");
    b.client
        .goto(&server.url(&format!("/chuyen-di/{done_a}/bao-cao")))
        .await?;
    b.wait_hydrated().await?;
    b.wait_until(
        "the report form",
        "return document.querySelector('form.report-form textarea[name=result]') !== null",
    )
    .await?;
    b.set_value(
        "textarea[name=result]",
        "Tổ chức ngày hội cho 120 đoàn viên.",
    )
    .await?;
    b.set_value("textarea[name=proposals]", "Hỗ trợ kinh phí năm sau.")
        .await?;
    shot(b, "bao-cao").await?;
    b.click("form.report-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu báo cáo trên máy.").await?;
    b.wait_text("#h-report", "Báo cáo kết quả").await?;
    area(b, "/").await?;
    let due = b.text("main").await?;
    assert!(!due.contains("Viết báo cáo: Đoàn xã Mỹ Lâm"), "{due}");
    assert!(due.contains("Chờ cơ sở xác nhận: Đoàn xã Mỹ Lâm"), "{due}");
    shot(b, "nam-nay").await?;

    // Edit the district trip, then cancel it: it stays, marked; its history says what
    // changed, when, on this device.
    b.client
        .goto(&server.url(&format!("/chuyen-di/{district}/sua")))
        .await?;
    b.wait_hydrated().await?;
    b.wait_until("the edit form", "return document.querySelector('form.trip-form input[name=end]') && document.querySelector('form.trip-form input[name=end]').value !== ''").await?;
    b.set_value("input[name=end]", &d("16/09")).await?;
    b.click("form.trip-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
    b.click("button.danger").await?;
    b.wait_text("button.danger", "Bấm lần nữa").await?;
    b.click("button.danger").await?;
    b.wait_text("main", "Đã huỷ chuyến đi").await?;
    b.wait_text(".lead", "Đã huỷ").await?;
    b.click("details.history-box summary").await?;
    let history = b.wait_text("ol.history", "Trạng thái: Đã huỷ").await?;
    assert!(
        history.contains(&format!("Ngày kết thúc: 16/09/{}", current_year())),
        "{history}"
    );
    assert!(history.contains("máy này"), "{history}");
    shot(b, "chuyen-di-chi-tiet").await?;
    area(b, "/chuyen-di").await?;
    b.wait_until("the cancelled trip", &format!("return document.querySelector(\"li.trip.cancelled[data-trip-id='{district}']\") !== null")).await?;
    // A planned trip waiting for approval counts nothing yet: cancelling it changes no
    // figure, and Năm nay still shows exactly the engine's verdict.
    let v5 = verdict(b).await?;
    year_page_matches(b, &v5).await?;

    area(b, "/dong-bo").await?;
    let unsynced: usize = data(b, "dd[data-unsynced]", "unsynced").await?.parse()?;
    assert!(unsynced > 0, "changes wait for the server");
    shot(b, "dong-bo").await?;

    // Reload, still offline: everything is still there, rated the same.
    area(b, "/").await?;
    let before = b.verdict_json().await?;
    b.reload().await?;
    b.wait_hydrated().await?;
    assert_eq!(b.verdict_json().await?, before);
    area(b, "/chuyen-di").await?;
    b.wait_text("ul.trips", "Huyện đoàn An Biên").await?;
    assert_eq!(b.trip_count().await?, 4);
    let _ = thematic;

    // The server comes back: the phone syncs by itself, and HQ's rating of the same
    // documents is the phone's, byte for byte.
    let _server = Server::start(&site_dir(), data_dir.path(), port)?;
    b.sync_now().await?;
    let out = std::process::Command::new(server_bin())
        .args(["evaluate", "--store"])
        .arg(data_dir.path())
        .args([
            "--cadre",
            CADRE.code,
            "--year",
            &current_year().to_string(),
            "--as-of",
            &this_year(TODAY),
        ])
        .output()?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server_verdict = String::from_utf8(out.stdout)?;
    assert_eq!(server_verdict.trim_end(), before);
    browser.close().await
}
