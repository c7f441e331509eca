//! Issue 12, done means, in real browsers against the real server: four roles in four
//! browser contexts. An records her year on her phone with no signal (a thematic trip
//! with its outline, its report, period 1's registration), then syncs. The department
//! head, from his worklist, approves the outline, grades the report and forwards the
//! registration; the standing committee approves the period's list; HQ sends a written
//! reminder, records and lifts an exemption, and confirms the official rating. Each
//! decision is written into its decider's own document and synced; after each, An's
//! phone syncs and shows it, with the verdict of the same `assemble` + `evaluate`, and
//! HQ's frozen rating is byte for byte the phone's verdict. Each role sees only the forms
//! of the documents it may write (the server refuses the others: `server/tests/all/
//! access.rs`), and its worklist of what waits on it.

use anyhow::{Context, Result, ensure};
use calamine::{Data, Reader, Xlsx};
use e2e::{Browser, Server, TestPerson, current_year, free_port, set_up_province_in, site_dir};
use serde_json::Value;
use shared::assemble::{Gathered, rate};
use shared::directory::Directory;
use shared::doc::{CadreCode, DocKey};

const AN: TestPerson = TestPerson {
    code: "KG-0123",
    name: "Nguyễn Thị An",
    roles: "cadre",
    password: Some("mat-khau-cua-an"),
};
const DUC: TestPerson = TestPerson {
    code: "KG-0300",
    name: "Trần Văn Đức",
    roles: "cadre;department-head:ban-phong-trao",
    password: Some("mat-khau-cua-duc"),
};
const TAM: TestPerson = TestPerson {
    code: "KG-0001",
    name: "Lê Minh Tâm",
    roles: "cadre;standing",
    password: Some("mat-khau-cua-tam"),
};
const HANH: TestPerson = TestPerson {
    code: "KG-0011",
    name: "Võ Thị Hạnh",
    roles: "cadre;hq",
    password: Some("mat-khau-cua-hanh"),
};
const DEPARTMENT: (&str, &str) = ("ban-phong-trao", "Ban Phong trào");
const HOST: &str = "Đoàn xã Vĩnh Hòa Hiệp";

/// A date of the test's year, as typed (dd/mm/yyyy).
fn d(day_month: &str) -> String {
    format!("{day_month}/{}", current_year())
}

/// A browser of its own for `person`, enrolled, on a desk's screen.
async fn office_browser(server: &Server, person: &TestPerson) -> Result<Browser> {
    let b = Browser::start().await?;
    b.desk_screen().await?;
    b.enrol(
        &server.url(""),
        person,
        person.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    Ok(b)
}

/// The phone's verdict on Năm nay, parsed.
async fn verdict(b: &Browser) -> Result<Value> {
    let here = b.client.execute("return location.pathname", vec![]).await?;
    if here != "/" {
        b.click("nav a[href='/']").await?;
        b.wait_until("Năm nay", "return location.pathname === '/'")
            .await?;
    }
    Ok(serde_json::from_str(&b.verdict_json().await?)?)
}

/// An's phone syncs, then waits until its verdict satisfies `moved`.
async fn an_syncs_until(b: &Browser, what: &str, moved: impl Fn(&Value) -> bool) -> Result<Value> {
    b.sync_now().await?;
    let started = std::time::Instant::now();
    loop {
        let v = verdict(b).await?;
        if moved(&v) {
            return Ok(v);
        }
        ensure!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "An's phone never showed {what}: {v:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// An, on her phone with no signal: the thematic trip of March with its outline, its
/// report, and period 1's registration (late: due 19/12 of last year); then signal, and
/// sync. Returns the trip's id.
async fn an_records_her_year(b: &Browser, server: &Server) -> Result<String> {
    b.phone_screen().await?;
    b.install_and_enrol(&server.url(""), &AN, "1357").await?;
    b.set_network(false).await?;
    b.wait_text("header .badge", "Ngoại tuyến").await?;

    b.open_trip_form().await?;
    b.set_value("input[name=start]", &d("02/03")).await?;
    b.set_value("input[name=end]", &d("06/03")).await?;
    b.set_value("input[name=host_unit]", HOST).await?;
    b.set_value("select[name=host_level]", "co-so").await?;
    b.set_value("select[name=content_type]", "3.1").await?;
    b.set_value("input[name=topic]", "Thanh niên khởi nghiệp")
        .await?;
    b.set_value("select[name=status]", "done").await?;
    b.set_value(
        "input[name=outline_title]",
        "Mô hình thanh niên khởi nghiệp",
    )
    .await?;
    b.set_value(
        "textarea[name=outline_text]",
        "Khảo sát, tập huấn, hỗ trợ vốn.",
    )
    .await?;
    b.click("form.trip-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
    b.wait_text("ul.trips", HOST).await?;
    let trip = b
        .client
        .execute(
            "return document.querySelector('li.trip').dataset.tripId;",
            vec![],
        )
        .await?
        .as_str()
        .context("the trip's id")?
        .to_owned();

    b.client
        .goto(&server.url(&format!("/chuyen-di/{trip}/bao-cao")))
        .await?;
    b.wait_hydrated().await?;
    b.wait_until(
        "the report form",
        "return document.querySelector('form.report-form textarea[name=product]') !== null",
    )
    .await?;
    b.set_value("textarea[name=result]", "Thành lập tổ hợp tác thanh niên")
        .await?;
    b.set_value("textarea[name=product]", "Mô hình tổ hợp tác")
        .await?;
    b.click("form.report-form button[type=submit]").await?;
    b.wait_text("main", "Đã lưu báo cáo trên máy.").await?;

    b.click("nav a[href='/dang-ky']").await?;
    b.wait_text("[data-period='1']", "Đã quá hạn").await?;
    b.click("[data-period='1'] button.send").await?;
    b.wait_text("[data-period='1'] .status", "Đăng ký muộn")
        .await?;

    b.set_network(true).await?;
    b.sync_now().await?;
    Ok(trip)
}

async fn directory(data: &std::path::Path) -> Result<std::sync::Arc<Directory>> {
    let store = server::store::Store::open_in(data)?;
    let service = tokio::task::spawn_blocking(move || {
        server::directory::DirectoryService::open(store, Default::default())
    })
    .await??;
    service.directory("KG").context("KG")
}

/// What An's device reads about her year from the server: every document she may read.
async fn an_reads(device: &server::testing::Device, port: u16) -> Result<Gathered> {
    let cadre = CadreCode::parse(AN.code)?;
    let year = current_year();
    let mut keys = vec![DocKey::dossier(cadre.clone(), year)];
    keys.extend(DocKey::parties_about(
        "KG",
        &cadre,
        year,
        Some(DEPARTMENT.0),
        std::iter::empty::<&str>(),
    ));
    let mut client =
        e2e::sync_client::SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device)
            .await?;
    let mut gathered = Gathered::default();
    for key in keys {
        let Ok(doc) = client.fetch(key.document_id()).await else {
            continue; // not written by anyone yet
        };
        let bytes = doc.clone().save();
        gathered.add(&key, &bytes, device.actor.clone());
    }
    client.close().await;
    ensure!(gathered.unreadable.is_empty(), "{:?}", gathered.unreadable);
    Ok(gathered)
}

/// How many elements match `css` on the page.
async fn count(b: &Browser, css: &str) -> Result<u64> {
    let script = format!(
        "return document.querySelectorAll({}).length;",
        serde_json::json!(css)
    );
    b.client
        .execute(&script, vec![])
        .await?
        .as_u64()
        .context("a count")
}

#[tokio::test]
async fn the_office_decides_on_a_cadre_year_and_the_cadres_device_reads_it() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province_in(data.path(), &[AN, DUC, TAM, HANH], Some(DEPARTMENT))?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let year = current_year();

    // An's phone: her year, recorded with no signal, then synced.
    let phone = Browser::start().await?;
    let trip_id = an_records_her_year(&phone, &server).await?;
    let v0 = verdict(&phone).await?;
    assert_eq!(v0["process"]["registrations"][0]["status"], "late");
    assert_eq!(v0["process"]["registrations"][0]["decision"], "pending");

    let page = server.url(&format!("/van-phong/{}/{year}", AN.code));
    let trip = format!("li.trip[data-trip='{trip_id}']");
    let period = "li.period[data-period='1']";

    // The department head, from his worklist: outline, grade, forwarding; none of the
    // others' forms.
    let browser = office_browser(&server, &DUC).await?;
    let b = &browser;
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    let worklist = "[data-worklist=department][open]";
    b.wait_text(worklist, &format!("Chờ duyệt đề cương: {HOST}"))
        .await?;
    b.wait_text(worklist, &format!("Chờ đánh giá báo cáo: {HOST}"))
        .await?;
    b.wait_text(
        worklist,
        "Chờ phòng, ban chuyển Ban Tổ chức – Kiểm tra: đăng ký",
    )
    .await?;
    b.screenshot("office-2-viec-cho-truong-ban-1280").await?;
    b.phone_screen().await?;
    b.screenshot("office-2-viec-cho-truong-ban-360").await?;
    b.desk_screen().await?;
    b.click(&format!(
        "{worklist} li[data-cadre='{}'][data-subject='{trip_id}'] a",
        AN.code
    ))
    .await?;
    b.wait_hydrated().await?;
    b.wait_text(&trip, "Mô hình thanh niên khởi nghiệp").await?;
    ensure!(
        b.client.current_url().await?.as_str() == page,
        "the cadre's page"
    );
    ensure!(count(b, "[data-form=reminder]").await? == 0, "HQ's form");
    ensure!(
        count(b, "[data-form=ruling]").await? == 0,
        "the standing committee's form"
    );
    b.set_value(&format!("#outline-{trip_id}"), "Đề cương rõ, khả thi.")
        .await?;
    // A remark half-typed in another form survives the page's redraw after the outline
    // is decided.
    let remark = format!("#grade-remark-{trip_id}");
    b.set_value(&remark, "Sản phẩm thiết thực").await?;
    b.click(&format!(
        "{trip} [data-form=outline] button:not(.secondary)"
    ))
    .await?;
    b.wait_text(&format!("{trip} ul.decisions"), "Đề cương: thông qua")
        .await?;
    let kept = b
        .client
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![serde_json::json!(remark)],
        )
        .await?;
    assert_eq!(kept.as_str(), Some("Sản phẩm thiết thực"));
    b.set_value(&format!("#grade-score-{trip_id}"), "101")
        .await?;
    b.click(&format!("{trip} [data-form=grade] button")).await?;
    b.wait_text(&format!("{trip} [data-form=grade]"), "từ 0 đến 100")
        .await?;
    b.set_value(&format!("#grade-score-{trip_id}"), "85")
        .await?;
    b.click(&format!("{trip} [data-form=grade] button")).await?;
    b.wait_text(&format!("{trip} ul.decisions"), "Đánh giá: 85/100")
        .await?;
    b.click(&format!("{period} [data-form=forward] button"))
        .await?;
    b.wait_text(period, "Phòng, ban đã chuyển").await?;
    b.wait_text("[data-test=history]", "Đánh giá báo cáo chuyến đi 02/03")
        .await?;
    b.screenshot("office-3-ho-so-truong-ban-1280").await?;
    b.phone_screen().await?;
    b.screenshot("office-3-ho-so-truong-ban-360").await?;
    let problems = b.audit().await?;
    ensure!(problems.is_empty(), "audit: {problems:?}");
    b.sync_now().await?;
    browser.close().await?;

    // An's phone, after its sync: the outline approved and the report graded, on the
    // trip's page (the verdict does not move yet: the host has not confirmed the trip).
    phone.sync_now().await?;
    phone
        .client
        .goto(&server.url(&format!("/chuyen-di/{trip_id}")))
        .await?;
    phone.wait_hydrated().await?;
    phone
        .wait_text(
            "[data-test=reviewed]",
            "Đề cương: thông qua, “Đề cương rõ, khả thi.”",
        )
        .await?;
    phone
        .wait_text(
            "[data-test=reviewed]",
            "Đánh giá: 85/100, đảm bảo mục đích, yêu cầu, “Sản phẩm thiết thực” (Trần Văn Đức",
        )
        .await?;
    phone.scroll_to("[data-test=reviewed]").await?;
    phone
        .screenshot("office-4-chuyen-di-tren-dien-thoai-360")
        .await?;

    // The standing committee approves period 1's list; the head's forms are not theirs.
    let browser = office_browser(&server, &TAM).await?;
    let b = &browser;
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    b.wait_text(
        "[data-worklist=standing][open]",
        "Chờ Thường trực phê duyệt: đăng ký",
    )
    .await?;
    b.client.goto(&page).await?;
    b.wait_hydrated().await?;
    b.wait_text(&trip, "Đánh giá: 85/100").await?;
    ensure!(count(b, "[data-form=grade]").await? == 0, "the head's form");
    ensure!(count(b, "[data-form=reminder]").await? == 0, "HQ's form");
    b.click(&format!(
        "{period} [data-form=ruling] button:not(.secondary)"
    ))
    .await?;
    b.wait_text(&format!("{period} [data-form=ruling]"), "Nhập số văn bản")
        .await?;
    b.set_value("#ruling-registrations-1", "15-TB/TĐTN").await?;
    b.click(&format!(
        "{period} [data-form=ruling] button:not(.secondary)"
    ))
    .await?;
    b.wait_text(period, "Thường trực phê duyệt").await?;
    b.screenshot("office-5-ho-so-thuong-truc-1280").await?;
    b.phone_screen().await?;
    b.screenshot("office-5-ho-so-thuong-truc-360").await?;
    b.sync_now().await?;
    browser.close().await?;

    // An's phone: period 1 approved, so her trip is approved.
    an_syncs_until(&phone, "the approval", |v| {
        v["process"]["registrations"][0]["decision"] == "approved"
    })
    .await?;

    // HQ: reminds in writing, records an exemption by mistake and lifts it, confirms the
    // rating; the others' forms are not theirs.
    let browser = office_browser(&server, &HANH).await?;
    let b = &browser;
    b.client.goto(&page).await?;
    b.wait_hydrated().await?;
    b.wait_text(period, "Thường trực phê duyệt").await?;
    ensure!(count(b, "[data-form=grade]").await? == 0, "the head's form");
    ensure!(
        count(b, "[data-form=ruling]").await? == 0,
        "the standing committee's form"
    );
    b.set_value("#reminder-message", "Đồng chí đăng ký chuyến đi đợt 2.")
        .await?;
    b.set_value("#reminder-reference", "20-CV/TĐTN").await?;
    b.click("[data-form=reminder] button").await?;
    b.wait_text("[data-test=reminders]", "bằng văn bản số 20-CV/TĐTN")
        .await?;
    // An exemption recorded by mistake, then lifted: listed as lifted, and no longer
    // counting (the rating below is the engine's on documents that hold both).
    b.set_value("#exemption-reason", "thai-san").await?;
    b.set_value("#exemption-from", &d("01/07")).await?;
    b.set_value("#exemption-to", &d("31/12")).await?;
    b.set_value("#exemption-reference", "45-QĐ/TĐTN").await?;
    b.click("[data-form=exemption] button").await?;
    b.wait_text("[data-test=exemptions]", "Nghỉ chế độ thai sản")
        .await?;
    b.click("[data-test=exemptions] [data-form=lift] button")
        .await?;
    b.wait_text("[data-test=exemptions]", "(đã bỏ)").await?;
    b.set_value("#rating-reference", "30-QĐ/TĐTN").await?;
    b.click("[data-form=rating] button").await?;
    b.wait_text("[data-test=official]", "số 30-QĐ/TĐTN).")
        .await?;
    b.screenshot("office-6-ho-so-ban-to-chuc-1280").await?;
    b.phone_screen().await?;
    b.screenshot("office-6-ho-so-ban-to-chuc-360").await?;
    b.desk_screen().await?;
    b.sync_now().await?;
    // HQ's worklists: nothing waits on the standing committee; those who never
    // registered period 1 are overdue.
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    b.wait_text("table.ratings", AN.name).await?;
    b.wait_text("[data-worklist=overdue][open]", DUC.name)
        .await?;
    b.wait_text("[data-worklist=standing] summary", "(0)")
        .await?;
    b.screenshot("office-7-viec-cho-ban-to-chuc-1280").await?;
    b.phone_screen().await?;
    b.screenshot("office-7-viec-cho-ban-to-chuc-360").await?;
    let problems = b.audit().await?;
    ensure!(problems.is_empty(), "audit of /van-phong: {problems:?}");
    b.desk_screen().await?;
    // The table as a workbook, downloaded as a person would (read at the end).
    let downloads = tempfile::tempdir()?;
    b.save_downloads_in(downloads.path()).await?;
    b.click("main .actions > button:first-child").await?;
    let workbook = b
        .downloaded(downloads.path(), &format!("xep-loai-di-co-so-{year}.xlsx"))
        .await?;
    // Last year's review at six months (000 §VI.1): the table as of 30/06.
    let last = year - 1;
    b.click(".tabs button.tab:first-child").await?;
    b.wait_text("#ratings-title", &format!("năm {last}"))
        .await?;
    b.set_value("select[name=as_of]", &format!("{last}-06-30"))
        .await?;
    b.wait_text("#ratings-title", &format!("tính đến ngày 30/06/{last}"))
        .await?;
    browser.close().await?;

    // An's phone: the reminder and the official rating; the rating holds, byte for byte,
    // the verdict the phone computes from the same documents.
    phone.sync_now().await?;
    verdict(&phone).await?;
    phone
        .wait_text("[data-test=official]", "số 30-QĐ/TĐTN")
        .await?;
    phone
        .wait_text("[data-test=reminders]", "bằng văn bản số 20-CV/TĐTN")
        .await?;
    let device = e2e::enrol_device(data.path(), AN.code).await?;
    let seen = an_reads(&device, port).await?;
    let hq = seen.hq.as_ref().context("HQ's record")?;
    let official = &hq.ratings.first().context("the rating")?.value;
    assert_eq!(official.reference, "30-QĐ/TĐTN");
    assert_eq!(official.taken.by, HANH.code);
    let reminder = &hq.reminders.first().context("the reminder")?.value;
    assert_eq!(reminder.reference.as_deref(), Some("20-CV/TĐTN"));
    let exemption = &hq.exemptions.first().context("the exemption")?.value;
    ensure!(exemption.lifted, "{exemption:?}");
    assert_eq!(phone.verdict_json().await?, official.verdict);
    let directory = directory(data.path()).await?;
    let rated = rate(
        Some(&directory),
        AN.code,
        year,
        seen.sources(Some(DEPARTMENT.0), Some(&directory)),
        official.decided_on,
    )?;
    assert_eq!(
        official.verdict,
        shared::assemble::verdict_json(&rated.verdict)
    );
    // HQ's workbook says what the engine says about An's year.
    let mut book = Xlsx::new(std::io::Cursor::new(workbook))?;
    assert_eq!(book.sheet_names(), ["Xếp loại", "Tổng hợp", "Việc chờ"]);
    let sheet = book.worksheet_range("Xếp loại")?;
    let row = sheet
        .rows()
        .find(|r| matches!(r.get(1), Some(Data::String(c)) if c == AN.code))
        .context("An's row")?;
    assert_eq!(row[2].to_string(), AN.name);
    assert_eq!(row[3].to_string(), DEPARTMENT.1);
    assert_eq!(row[4], Data::Float(f64::from(rated.verdict.days.counted)));
    assert_eq!(row[5], Data::Float(f64::from(rated.verdict.days.required)));
    assert_eq!(
        row[9].to_string(),
        shared::office::rating_label(&rated.verdict)
    );
    let dossier = DocKey::dossier(CadreCode::parse(AN.code)?, year)
        .document_id()
        .to_string();
    ensure!(
        official
            .sources
            .iter()
            .any(|(id, heads)| *id == dossier && !heads.is_empty()),
        "the dossier's heads: {:?}",
        official.sources
    );
    phone.scroll_to("[data-test=from-office]").await?;
    phone.screenshot("office-8-dien-thoai-can-bo-360").await?;
    phone.close().await?;
    drop(server);
    Ok(())
}
