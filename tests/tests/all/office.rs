//! Issue 12 (its first part), in a real browser against the real server: HQ opens "Văn
//! phòng" and reads the province's rating table, in the order of Vietnamese lists, each
//! cadre's line as the engine rates the documents the server holds; filters by outlook;
//! the page passes the accessibility and layout audit at 360 px.

use anyhow::{Context, Result, ensure};
use e2e::sync_client::SyncClient;
use e2e::{
    Browser, Server, TestPerson, current_year, free_port, set_up_province, site_dir, this_year,
};
use shared::assemble::{Sources, rate};
use shared::doc::party::{ExemptionRecord, PartyDoc, ReminderNote, Taken};
use shared::doc::{CadreCode, DocKey, DocKind, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{TripForm, check_trip};
use shared::policy::Policy;

const HQ: TestPerson = TestPerson {
    code: "KG-0011",
    name: "Võ Thị Hạnh",
    roles: "cadre;hq",
    password: Some("mat-khau-cua-hanh"),
};
const AN: TestPerson = TestPerson {
    code: "KG-0123",
    name: "Nguyễn Thị An",
    roles: "cadre",
    password: None,
};
const BAO: TestPerson = TestPerson {
    code: "KG-0124",
    name: "Lê Văn Bảo",
    roles: "cadre",
    password: None,
};
const CHAU: TestPerson = TestPerson {
    code: "KG-0200",
    name: "Phạm Minh Châu",
    roles: "cadre",
    password: None,
};

/// An's phone (`device`) syncs two carried-out trips of this year; returns her dossier.
async fn an_writes_her_year(device: &server::testing::Device, port: u16) -> Result<DossierDoc> {
    let year: i32 = this_year("01-01")[..4].parse()?;
    let key = DossierKey {
        cadre: CadreCode::parse(AN.code)?,
        year,
    };
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let mut doc = DossierDoc::new(&key, device.actor.clone());
    let today = chrono::NaiveDate::from_ymd_opt(year, 6, 30).context("date")?;
    for (i, (start, end)) in [("03-02", "03-06"), ("04-13", "04-14")]
        .into_iter()
        .enumerate()
    {
        let form = TripForm {
            start: this_year(start),
            end: this_year(end),
            host_name: "Đoàn xã Vĩnh Hòa Hiệp".into(),
            host_level: "co-so".into(),
            content_type: "3.2".into(),
            topic: format!("Khảo sát số {i}"),
            status: TripStatus::Done,
            ..TripForm::default()
        };
        let others = doc.read()?.trips;
        let record = check_trip(&form, &policy, &others, None, &format!("trip-{i}"), today)
            .1
            .context("a valid trip")?;
        doc.put_trip(&record, 1_780_000_000_000 + i as i64)?;
    }
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device).await?;
    let id = key.document_id();
    client.insert_document(id, doc.automerge().clone());
    client.wait_synced(id).await?;
    client.close().await;
    Ok(doc)
}

/// The names of the table's lines, top to bottom.
const NAMES: &str =
    "return Array.from(document.querySelectorAll('table.ratings tbody tr[data-cadre]'))
    .map(r => r.querySelector('th').firstChild.textContent);";

#[tokio::test]
async fn hq_reads_the_provinces_rating_table_on_the_office_page() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[AN, BAO, CHAU, HQ])?;
    // Enrolled before the server starts, which then knows the phone's actor.
    let phone = e2e::enrol_device(data.path(), AN.code).await?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let an = an_writes_her_year(&phone, port).await?;

    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;
    b.enrol(
        &server.url(""),
        &HQ,
        HQ.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/van-phong")).await?;
    b.wait_hydrated().await?;
    b.wait_text("table.ratings tbody", AN.name).await?;

    let names: Vec<String> = serde_json::from_value(b.client.execute(NAMES, vec![]).await?)?;
    assert_eq!(
        names,
        [AN.name, BAO.name, CHAU.name, HQ.name],
        "by given name"
    );

    // An's line is what the engine says of her documents, as of the table's day.
    let title = b.text("#ratings-title").await?;
    let day = title.rsplit(' ').next().context("the table's day")?;
    let as_of = chrono::NaiveDate::parse_from_str(day, "%d/%m/%Y")?;
    let directory = {
        let store = server::store::Store::open_in(data.path())?;
        let service = tokio::task::spawn_blocking(move || {
            server::directory::DirectoryService::open(store, Default::default())
        })
        .await??;
        service.directory("KG").context("KG")?
    };
    let year = an.read()?;
    let verdict = rate(
        Some(&directory),
        AN.code,
        this_year("01-01")[..4].parse()?,
        Sources {
            dossier: Some(&year),
            directory: Some(&directory),
            ..Sources::default()
        },
        as_of,
    )?
    .verdict;
    let row = "table.ratings tr[data-cadre='KG-0123']";
    assert_eq!(
        b.text(&format!("{row} td:nth-child(3)")).await?,
        format!("{}/{}", verdict.days.counted, verdict.days.required)
    );
    assert_eq!(
        b.text(&format!("{row} td:nth-child(6)")).await?,
        shared::office::rating_label(&verdict)
    );
    b.screenshot("office-ratings").await?;
    // Below the table, the overview of seed 002 §3, with its charts.
    let overview = b
        .wait_text("[data-test=overview]", "Cán bộ thuộc diện")
        .await?;
    ensure!(
        overview.contains("Chuyến đi chuyên đề theo quý"),
        "{overview}"
    );
    b.scroll_to("[data-test=overview]").await?;
    b.screenshot("office-tong-hop").await?;
    let problems = b.audit().await?;
    ensure!(problems.is_empty(), "audit: {problems:?}");

    // Filtering by An's outlook keeps her and only lines with the same outlook.
    let outlook: String = serde_json::from_value(
        b.client
            .execute(
                &format!(
                    "return document.querySelector(\"{row} td[data-outlook]\").dataset.outlook;"
                ),
                vec![],
            )
            .await?,
    )?;
    if !outlook.is_empty() {
        b.set_value("select[name=outlook]", &outlook).await?;
        let shown: Vec<String> = serde_json::from_value(
            b.client
                .execute(
                    "return Array.from(document.querySelectorAll('table.ratings td[data-outlook]')).map(e => e.dataset.outlook);",
                    vec![],
                )
                .await?,
        )?;
        ensure!(
            !shown.is_empty() && shown.iter().all(|o| *o == outlook),
            "{shown:?}"
        );
        b.set_value("select[name=outlook]", "").await?;
    }

    // Choosing An's department keeps her and only her department's lines.
    let departments_shown = "return Array.from(document.querySelectorAll('table.ratings tbody tr[data-cadre]')).map(r => [r.dataset.cadre, r.querySelector('td:nth-child(2)').innerText]);";
    let before: Vec<(String, String)> =
        serde_json::from_value(b.client.execute(departments_shown, vec![]).await?)?;
    let department = b.text(&format!("{row} td:nth-child(2)")).await?;
    b.set_value("select[name=department]", &department).await?;
    let after: Vec<(String, String)> =
        serde_json::from_value(b.client.execute(departments_shown, vec![]).await?)?;
    let expected: Vec<_> = before
        .into_iter()
        .filter(|(_, d)| *d == department)
        .collect();
    ensure!(
        after == expected && after.iter().any(|(code, _)| code == AN.code),
        "{department}: {after:?}"
    );

    // The administration is a module loaded on demand (issue 9): opened directly, it
    // hydrates, and turns HQ away, who holds no administrator role.
    b.client.goto(&server.url("/quan-tri")).await?;
    b.wait_hydrated().await?;
    b.wait_text("[data-admin=denied]", "quản trị viên").await?;
    browser.close().await?;
    drop(server);
    Ok(())
}

/// Issue 12: what HQ records about a cadre's year (a reminder in writing, with its
/// reference; one through the app; an exemption for maternity leave) reaches the cadre's
/// phone at its next sync and shows on Năm nay, the exemption with the policy's words.
#[tokio::test]
async fn hqs_reminders_and_exemption_reach_the_cadres_phone() -> Result<()> {
    const AN_WITH_PHONE: TestPerson = TestPerson {
        password: Some("mat-khau-cua-an"),
        ..AN
    };
    let an = AN_WITH_PHONE;
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[AN_WITH_PHONE, HQ])?;
    let hq = e2e::enrol_device(data.path(), HQ.code).await?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;

    let day = |md: &str| chrono::NaiveDate::parse_from_str(&this_year(md), "%Y-%m-%d");
    let key = DocKey::party(
        DocKind::HqRecord,
        "KG",
        "",
        CadreCode::parse(AN.code)?,
        current_year(),
    )?;
    let taken = Taken {
        by: HQ.code.into(),
        at: 1_780_000_000_000,
    };
    let mut doc = PartyDoc::new(&key, hq.actor.clone());
    let written = ReminderNote {
        date: day("05-15")?,
        message: "Đồng chí chưa đăng ký chuyến đi quý II.".into(),
        reference: Some("12-CV/TĐTN".into()),
        taken: taken.clone(),
    };
    let in_app = ReminderNote {
        date: day("06-01")?,
        message: "Nhắc nộp báo cáo chuyến đi tháng 3.".into(),
        reference: None,
        taken: taken.clone(),
    };
    let leave = ExemptionRecord {
        reason: "thai-san".into(),
        from: day("07-01")?,
        to: day("12-31")?,
        reference: "45-QĐ/TĐTN".into(),
        note: String::new(),
        lifted: false,
        taken,
    };
    doc.put_json("reminders", "r1", &written, 1_780_000_000_000)?;
    doc.put_json("reminders", "r2", &in_app, 1_780_000_000_001)?;
    doc.put_json("exemptions", "x1", &leave, 1_780_000_000_002)?;
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), &hq).await?;
    client.insert_document(key.document_id(), doc.automerge().clone());
    client.wait_synced(key.document_id()).await?;
    client.close().await;

    let browser = Browser::start().await?;
    let b = &browser;
    b.phone_screen().await?;
    b.enrol(
        &server.url(""),
        &an,
        an.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/")).await?;
    b.wait_person(AN.code).await?;
    let card = b.wait_text("[data-test=from-office]", "12-CV/TĐTN").await?;
    let year = current_year();
    for expected in [
        format!("15/05/{year} (nhắc nhở bằng văn bản số 12-CV/TĐTN): Đồng chí chưa đăng ký"),
        format!("01/06/{year} (nhắc qua ứng dụng): Nhắc nộp báo cáo"),
        format!("Nghỉ chế độ thai sản: 01/07–31/12/{year} (45-QĐ/TĐTN)"),
    ] {
        ensure!(card.contains(&expected), "“{expected}” is not in: {card}");
    }
    let days = b.text("[data-stat=days]").await?;
    ensure!(
        !days.contains("còn thiếu"),
        "an exempt year has no shortfall: {days}"
    );
    b.scroll_to("[data-test=from-office]").await?;
    b.screenshot("office-2-nhac-nho-tren-dien-thoai").await?;
    browser.close().await?;
    drop(server);
    Ok(())
}
