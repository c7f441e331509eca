//! Issue 12, in real browsers against the real server: the office decides on a
//! cadre-year's page. The department head approves the thematic outline, grades the
//! report and forwards the registration; the standing committee approves the period's
//! list; HQ sends a written reminder and confirms the official rating. Each decision is
//! written into its decider's own document and synced; the cadre's device then reads
//! them with the same `assemble`, and HQ's frozen rating is the engine's verdict on those
//! documents, which An's phone (a browser of its own) shows too. Each role sees only the
//! forms of the documents it may write, and its worklist of what waits on it.

use anyhow::{Context, Result, ensure};
use e2e::sync_client::SyncClient;
use e2e::{Browser, Server, TestPerson, current_year, free_port, set_up_province_in, site_dir};
use shared::assemble::{Gathered, rate, verdict_json};
use shared::directory::Directory;
use shared::doc::{CadreCode, DocKey, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{ReportForm, TripForm, check_report, check_trip};
use shared::policy::Policy;

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
const HANH: TestPerson = TestPerson {
    code: "KG-0011",
    name: "Võ Thị Hạnh",
    roles: "cadre;hq;standing",
    password: Some("mat-khau-cua-hanh"),
};
const DEPARTMENT: (&str, &str) = ("ban-phong-trao", "Ban Phong trào");
const TRIP: &str = "trip-0";

fn day(md: &str) -> Result<chrono::NaiveDate> {
    Ok(chrono::NaiveDate::parse_from_str(
        &e2e::this_year(md),
        "%Y-%m-%d",
    )?)
}

/// An's phone syncs her year: a thematic trip in March with its outline and report, in
/// the registration of period 1 sent in January.
async fn an_writes_her_year(device: &server::testing::Device, port: u16) -> Result<()> {
    let year = current_year();
    let key = DossierKey {
        cadre: CadreCode::parse(AN.code)?,
        year,
    };
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let mut doc = DossierDoc::new(&key, device.actor.clone());
    let today = day("06-30")?;
    let form = TripForm {
        start: e2e::this_year("03-02"),
        end: e2e::this_year("03-06"),
        host_name: "Đoàn xã Vĩnh Hòa Hiệp".into(),
        host_level: "co-so".into(),
        content_type: "3.1".into(),
        topic: "Thanh niên khởi nghiệp".into(),
        thematic: true,
        status: TripStatus::Done,
        outline_title: "Mô hình thanh niên khởi nghiệp".into(),
        outline_text: "Khảo sát, tập huấn, hỗ trợ vốn.".into(),
        ..TripForm::default()
    };
    let (checked, record) = check_trip(&form, &policy, &[], None, TRIP, today);
    let record = record.with_context(|| format!("a valid trip: {checked:?}"))?;
    doc.put_trip(&record, 1_780_000_000_000)?;
    let report = ReportForm {
        submitted_on: e2e::this_year("03-10"),
        result: "Thành lập tổ hợp tác thanh niên".into(),
        product: "Mô hình tổ hợp tác".into(),
        ..ReportForm::default()
    };
    let (checked, record) = check_report(&report, &record, today);
    let record = record.with_context(|| format!("a valid report: {checked:?}"))?;
    doc.put_trip(&record, 1_780_000_000_001)?;
    doc.submit_registration(
        "dang-ky-1",
        "1",
        &[TRIP.to_owned()],
        day("01-20")?,
        1_780_000_000_002,
    )?;
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device).await?;
    let id = key.document_id();
    client.insert_document(id, doc.automerge().clone());
    client.wait_synced(id).await?;
    client.close().await;
    Ok(())
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
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device).await?;
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
    set_up_province_in(data.path(), &[AN, DUC, HANH], Some(DEPARTMENT))?;
    let phone = e2e::enrol_device(data.path(), AN.code).await?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    an_writes_her_year(&phone, port).await?;
    let year = current_year();
    let page = server.url(&format!("/van-phong/{}/{year}", AN.code));
    let trip = format!("li.trip[data-trip='{TRIP}']");
    let period = "li.period[data-period='1']";

    // The department head: outline, grade, forwarding; nothing of the others' forms.
    let browser = Browser::start().await?;
    let b = &browser;
    b.desk_screen().await?;
    b.enrol(
        &server.url(""),
        &DUC,
        DUC.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    // The head's worklist on the office's page: An's outline and registration wait on
    // them; her name opens her year.
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    let worklist = "[data-worklist=department][open]";
    b.wait_text(worklist, "Chờ duyệt đề cương: Đoàn xã Vĩnh Hòa Hiệp")
        .await?;
    b.wait_text(
        worklist,
        "Chờ phòng, ban chuyển Ban Tổ chức – Kiểm tra: đăng ký",
    )
    .await?;
    b.screenshot("office-2-viec-cho-truong-ban-1280").await?;
    b.click(&format!(
        "{worklist} li[data-cadre='{}'][data-subject='{TRIP}'] a",
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
    b.set_value(&format!("#outline-{TRIP}"), "Đề cương rõ, khả thi.")
        .await?;
    // A remark half-typed in another form survives the page's redraw after the outline
    // is decided.
    let remark = format!("#grade-remark-{TRIP}");
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
    b.set_value(&format!("#grade-score-{TRIP}"), "101").await?;
    b.click(&format!("{trip} [data-form=grade] button")).await?;
    b.wait_text(&format!("{trip} [data-form=grade]"), "từ 0 đến 100")
        .await?;
    b.set_value(&format!("#grade-score-{TRIP}"), "85").await?;
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

    // An's device reads the head's decisions with the engine: outline approved, graded.
    let seen = an_reads(&phone, port).await?;
    let directory = directory(data.path()).await?;
    let rated = rate(
        Some(&directory),
        AN.code,
        year,
        seen.sources(Some(DEPARTMENT.0), Some(&directory)),
        day("06-30")?,
    )?;
    let trip_seen = rated
        .assembled
        .dossier
        .trips
        .iter()
        .find(|t| t.id.as_deref() == Some(TRIP))
        .context("the trip")?;
    ensure!(trip_seen.outline_approved, "{trip_seen:?}");
    let report = trip_seen.report.as_ref().context("the report")?;
    assert_eq!(report.score, Some(85));
    assert_eq!(report.purpose_met, Some(true));

    // HQ, also of the standing committee: approves the period, reminds in writing,
    // confirms the rating; a department head's form is not theirs.
    let browser = Browser::start().await?;
    let b = &browser;
    b.desk_screen().await?;
    b.enrol(
        &server.url(""),
        &HANH,
        HANH.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&page).await?;
    b.wait_hydrated().await?;
    b.wait_text(&trip, "Đánh giá: 85/100").await?;
    ensure!(count(b, "[data-form=grade]").await? == 0, "the head's form");
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
    b.set_value("#reminder-message", "Đồng chí đăng ký chuyến đi đợt 2.")
        .await?;
    b.set_value("#reminder-reference", "20-CV/TĐTN").await?;
    b.click("[data-form=reminder] button").await?;
    b.wait_text("[data-test=reminders]", "bằng văn bản số 20-CV/TĐTN")
        .await?;
    // An exemption recorded by mistake, then lifted: listed as lifted, and no longer
    // counting (the rating below is the engine's on documents that hold both).
    b.set_value("#exemption-reason", "thai-san").await?;
    b.set_value("#exemption-from", &format!("01/07/{year}"))
        .await?;
    b.set_value("#exemption-to", &format!("31/12/{year}"))
        .await?;
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
    b.screenshot("office-4-ho-so-ban-to-chuc-1280").await?;
    b.sync_now().await?;
    // HQ's worklists: the period approved, nothing waits on the standing committee; those
    // who never registered period 1 are overdue.
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    b.wait_text("table.ratings", AN.name).await?;
    b.wait_text("[data-worklist=overdue][open]", DUC.name)
        .await?;
    b.wait_text("[data-worklist=standing] summary", "(0)")
        .await?;
    b.screenshot("office-5-viec-cho-ban-to-chuc-1280").await?;
    browser.close().await?;

    // An's device: the approval, the reminder, and the official rating, which is the
    // engine's verdict on the documents it was decided on.
    let seen = an_reads(&phone, port).await?;
    let hq = seen.hq.as_ref().context("HQ's record")?;
    let reminder = &hq.reminders.first().context("the reminder")?.value;
    assert_eq!(reminder.reference.as_deref(), Some("20-CV/TĐTN"));
    assert_eq!(reminder.taken.by, HANH.code);
    let exemption = &hq.exemptions.first().context("the exemption")?.value;
    ensure!(exemption.lifted, "{exemption:?}");
    let official = &hq.ratings.first().context("the rating")?.value;
    assert_eq!(official.reference, "30-QĐ/TĐTN");
    let rated = rate(
        Some(&directory),
        AN.code,
        year,
        seen.sources(Some(DEPARTMENT.0), Some(&directory)),
        official.decided_on,
    )?;
    assert_eq!(official.verdict, verdict_json(&rated.verdict));
    let registration = rated
        .assembled
        .dossier
        .registrations
        .iter()
        .find(|r| r.period == "1")
        .context("period 1")?;
    ensure!(registration.approved_on.is_some(), "{registration:?}");
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

    // An's phone, in a browser of its own: after its sync, "Năm nay" shows the office's
    // word, and its verdict is the official rating's, byte for byte.
    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;
    b.enrol(
        &server.url(""),
        &AN,
        AN.password.unwrap_or_default(),
        "1357",
    )
    .await?;
    b.client.goto(&server.url("/")).await?;
    b.wait_hydrated().await?;
    b.wait_text("[data-test=official]", "số 30-QĐ/TĐTN").await?;
    b.wait_text("[data-test=reminders]", "bằng văn bản số 20-CV/TĐTN")
        .await?;
    assert_eq!(b.verdict_json().await?, official.verdict);
    b.client
        .execute(
            "document.querySelector('[data-test=from-office]').scrollIntoView();",
            vec![],
        )
        .await?;
    b.screenshot("office-6-dien-thoai-can-bo-360").await?;
    browser.close().await?;
    drop(server);
    Ok(())
}
