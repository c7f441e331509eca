//! Issue 11, in two real browsers against the real server: the cadre's phone and the host
//! officer's phone, both without signal. The cadre shows the claim of a trip carried out;
//! (registered and approved by the standing committee, whose decision the phone syncs);
//! the host reads it, sets the degree, signs it with the device key from enrolment and
//! shows the confirmation; the cadre takes it back. The trip ends "Đã xác nhận" and the
//! forecast counts its days; a wrong code is refused with its reason. Back online, both
//! sync, and the server rates the cadre-year as the phone does.
//!
//! The codes travel through the cameras, both ways: a screenshot of the QR code one phone
//! draws is what the other's camera sees (Chromium's fake camera reads it from a file).
//! The box of text under each code, for when a camera cannot be used, is tried too.

use anyhow::{Context, Result, ensure};
use e2e::sync_client::SyncClient;
use e2e::{
    Browser, Server, TestPerson, camera, enrol_device, free_port, server_bin, set_up_province,
};
use e2e::{current_year, site_dir, this_year};
use serde_json::Value;
use shared::doc::party::{PartyDoc, RegistrationRuling, Ruling, Taken};
use shared::doc::{CadreCode, DocKey, DocKind, DossierDoc, DossierKey};
use shared::dossier::TripStatus;
use shared::form::{TripForm, check_trip};
use shared::policy::Policy;

const AN: TestPerson = TestPerson {
    code: "KG-0123",
    name: "Nguyễn Thị An",
    roles: "cadre",
    password: Some("mat-khau-cua-an"),
};
/// The officer of the commune the cadre visits (`set_up_province`'s Vĩnh Hòa Hiệp).
const HOST: TestPerson = TestPerson {
    code: "KG-H001",
    name: "Đặng Văn Hòa",
    roles: "host-officer:xa-vinh-hoa-hiep",
    password: Some("mat-khau-co-so"),
};

/// The standing committee (Thường trực), who approves the period's registrations.
const STANDING: TestPerson = TestPerson {
    code: "KG-0001",
    name: "Lâm Quốc Thái",
    roles: "standing",
    password: None,
};

/// Sends `doc` to the server as `device`, and waits until the server has it.
async fn upload(
    device: &server::testing::Device,
    port: u16,
    doc: &automerge::AutoCommit,
) -> Result<()> {
    let mut client = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), device).await?;
    let id = DocKey::of(doc).context("a keyed document")?.document_id();
    client.insert_document(id, doc.clone());
    client.wait_synced(id).await?;
    client.close().await;
    Ok(())
}

/// The standing committee's device approves An's registration of the period of March:
/// her trip's days can count once the host confirms it.
async fn standing_approves(
    device: &server::testing::Device,
    port: u16,
    period: &str,
) -> Result<()> {
    let key = DocKey::party(
        DocKind::StandingDecisions,
        "KG",
        "",
        CadreCode::parse(AN.code)?,
        current_year(),
    )?;
    let mut doc = PartyDoc::new(&key, device.actor.clone());
    let ruling = RegistrationRuling {
        ruling: Ruling::Approved,
        decided_on: chrono::NaiveDate::parse_from_str(&this_year("01-20"), "%Y-%m-%d")?,
        reference: "15-TB/TĐTN".into(),
        taken: Taken {
            by: STANDING.code.into(),
            at: 1_780_000_000_000,
        },
    };
    doc.put_json("registrations", period, &ruling, 1_780_000_000_000)?;
    upload(device, port, doc.automerge()).await
}

/// An's other device registers, then records, a five-day visit to Vĩnh Hòa Hiệp, carried
/// out, the unit picked from the directory; it reaches the server before her phone logs
/// in. Returns the period's code.
async fn an_records_a_visit(device: &server::testing::Device, port: u16) -> Result<String> {
    let key = DossierKey {
        cadre: CadreCode::parse(AN.code)?,
        year: current_year(),
    };
    let policy = Policy::preset("kien-giang-2023").context("preset")?;
    let mut doc = DossierDoc::new(&key, device.actor.clone());
    let form = TripForm {
        start: this_year("03-02"),
        end: this_year("03-06"),
        host_name: "Đoàn xã Vĩnh Hòa Hiệp".into(),
        host_id: "xa-vinh-hoa-hiep".into(),
        host_level: "co-so".into(),
        content_type: "3.2".into(),
        topic: "Dự sinh hoạt chi đoàn ấp".into(),
        status: TripStatus::Done,
        ..TripForm::default()
    };
    let day = chrono::NaiveDate::parse_from_str(&this_year(TODAY), "%Y-%m-%d")?;
    let record = check_trip(&form, &policy, &[], None, "visit-1", day)
        .1
        .context("a valid trip")?;
    doc.put_trip(&record, 1_780_000_000_000)?;
    let period = policy
        .period_of(record.trip.start)
        .context("March is in a period")?
        .code
        .clone();
    let registered = chrono::NaiveDate::parse_from_str(&this_year("01-10"), "%Y-%m-%d")?;
    doc.submit_registration(
        "reg-1",
        &period,
        &["visit-1".into()],
        registered,
        1_780_000_000_001,
    )?;
    upload(device, port, doc.automerge()).await?;
    Ok(period)
}

/// A browser as a phone, logged in as `person` on `page`, synced once. The cadre's phone
/// believes it is [`today`] (the verdict's as-of); the host's keeps the real clock, since
/// a confirmation dated before the host's device was enrolled does not count.
async fn phone_of(
    server: &Server,
    person: &TestPerson,
    pin: &str,
    page: &str,
    fake_today: bool,
    camera: &std::path::Path,
) -> Result<Browser> {
    let b = Browser::start_with_camera(camera).await?;
    b.phone_screen().await?;
    b.client.goto(&server.url(page)).await?;
    b.wait_hydrated().await?;
    b.wait_service_worker().await?;
    b.enrol(
        &server.url(""),
        person,
        person.password.unwrap_or_default(),
        pin,
    )
    .await?;
    // After enrolment: the server refuses to enrol a device whose clock is far off.
    if fake_today {
        b.fake_today(&this_year(TODAY)).await?;
    }
    b.client.goto(&server.url(page)).await?;
    b.wait_person(person.code).await?;
    b.wait_text("header .sync-detail", "Đã đồng bộ lúc").await?;
    Ok(b)
}

/// The value of a text box once it has one.
async fn value_of(b: &Browser, id: &str) -> Result<String> {
    let script =
        format!("const t = document.getElementById('{id}'); return t && t.value ? t.value : null;");
    let v = b.wait_until(id, &script).await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

async fn days_counted(b: &Browser) -> Result<Value> {
    let v: Value = serde_json::from_str(&b.verdict_json().await?)?;
    Ok(v["days"]["counted"].clone())
}

/// `dicoso evaluate --store` rates An's year from the server's store exactly as the
/// phone shows it (the verdict JSON, byte for byte).
async fn server_agrees(phone: &Browser, data: &std::path::Path) -> Result<()> {
    let on_phone = phone.verdict_json().await?;
    let out = std::process::Command::new(server_bin())
        .args(["evaluate", "--store"])
        .arg(data)
        .args(["--cadre", AN.code, "--year", &current_year().to_string()])
        .args(["--as-of", &this_year(TODAY)])
        .output()?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout)?.trim_end(), on_phone);
    Ok(())
}

/// The province, the server, and An's visit to Vĩnh Hòa Hiệp carried out, registered and
/// approved, synced from her other device: all it lacks is the host's confirmation.
async fn a_visit_to_confirm() -> Result<(tempfile::TempDir, Server)> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[AN, HOST, STANDING])?;
    let other = enrol_device(data.path(), AN.code).await?;
    let standing = enrol_device(data.path(), STANDING.code).await?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let period = an_records_a_visit(&other, port).await?;
    standing_approves(&standing, port, &period).await?;
    Ok((data, server))
}

/// The day the phone believes it is (the verdict's as-of): mid-year.
const TODAY: &str = "06-10";

#[tokio::test]
async fn a_host_confirms_a_visit_with_both_phones_offline_and_the_server_agrees() -> Result<()> {
    let (data, server) = a_visit_to_confirm().await?;
    // The host's phone enrols first, so the cadre's directory knows its key.
    let host_camera = data.path().join("host-camera.y4m");
    let phone_camera = data.path().join("phone-camera.y4m");
    let host = phone_of(&server, &HOST, "1357", "/xac-nhan", false, &host_camera).await?;
    let phone = phone_of(&server, &AN, "2468", "/", true, &phone_camera).await?;
    let before = days_counted(&phone).await?;
    phone.client.goto(&server.url("/chuyen-di")).await?;
    phone.wait_text("ul.trips", "Vĩnh Hòa Hiệp").await?;

    // Neither phone has signal from here on.
    phone.set_network(false).await?;
    host.set_network(false).await?;

    // The cadre opens the trip and shows the claim.
    phone.click("ul.trips li a").await?;
    phone
        .wait_text(
            "#host-confirmation [data-test=unconfirmed]",
            "Chưa có xác nhận",
        )
        .await?;
    phone
        .click("#host-confirmation button[type=button]")
        .await?;
    let claim = value_of(&phone, "claim-qr-text").await?;
    ensure!(claim.starts_with("DCS1YC:"), "not a claim: {claim}");
    phone
        .wait_until(
            "the claim's QR code",
            "return document.querySelector('#claim-qr .qr svg') !== null",
        )
        .await?;
    phone.screenshot("xac-nhan-1-ma-xin-xac-nhan").await?;

    // The host's camera sees the cadre's screen; the host reads the claim in Vietnamese,
    // sets the degree and signs.
    camera::show(
        &host_camera,
        Some(&phone.element_png("#claim-qr .qr").await?),
    )?;
    host.client.goto(&server.url("/xac-nhan")).await?;
    host.wait_hydrated().await?;
    host.click("button.scan").await?;
    let shown = host.wait_text("[data-test=claim]", AN.name).await?;
    ensure!(
        shown.contains(&format!("02/03–06/03/{}", current_year())),
        "{shown}"
    );
    ensure!(shown.contains("Dự sinh hoạt chi đoàn ấp"), "{shown}");
    host.click("input[name=degree][value=dat]").await?;
    host.click("form fieldset ~ button[type=submit]").await?;
    let confirmation = value_of(&host, "confirmation-qr-text").await?;
    ensure!(confirmation.starts_with("DCS1XN:"), "{confirmation}");
    let typed = host.text("[data-test=typed-code]").await?;
    ensure!(
        typed.split('-').count() == 24,
        "a typed code of 24 groups: {typed}"
    );
    host.wait_text("ul.given", AN.name).await?;
    host.screenshot("xac-nhan-2-co-so-da-ky").await?;

    // The cadre first pastes the wrong code (her own claim): refused, with why.
    phone.set_value("#confirmation-text", &claim).await?;
    phone
        .click("#host-confirmation form button[type=submit]")
        .await?;
    phone
        .wait_text("#host-confirmation .error", "mã xin xác nhận")
        .await?;
    // Then the cadre's camera sees the host's screen: the trip is confirmed, and counts.
    camera::show(
        &phone_camera,
        Some(&host.element_png("#confirmation-qr .qr").await?),
    )?;
    phone.click("#host-confirmation button.scan").await?;
    phone
        .wait_text("#host-confirmation [data-test=confirmed]", HOST.name)
        .await?;
    let line = phone
        .text("#host-confirmation [data-test=confirmed]")
        .await?;
    assert_eq!(line, format!("Đã xác nhận: {}, Hoàn thành.", HOST.name));
    phone.screenshot("xac-nhan-3-can-bo-da-nhan").await?;
    phone.click("nav a[href='/']").await?;
    let after = days_counted(&phone).await?;
    ensure!(
        after.as_u64().unwrap_or_default() == before.as_u64().unwrap_or_default() + 5,
        "days counted went from {before} to {after}, not by the trip's 5"
    );

    // Signal again: both sync, and the server rates the year as the phone does.
    phone.set_network(true).await?;
    host.set_network(true).await?;
    for b in [&phone, &host] {
        b.sync_now().await?;
    }
    server_agrees(&phone, data.path()).await?;
    phone.close().await?;
    host.close().await
}

/// Opens the phone's only trip again, from the start (the documents read afresh).
async fn open_the_trip(phone: &Browser, server: &Server) -> Result<()> {
    phone.client.goto(&server.url("/chuyen-di")).await?;
    phone.wait_hydrated().await?;
    phone.wait_text("ul.trips", "Vĩnh Hòa Hiệp").await?;
    phone.click("ul.trips li a").await?;
    phone
        .wait_text("#host-confirmation", "Xác nhận của cơ sở")
        .await?;
    Ok(())
}

/// Issue 11, when the host officer has no phone with the app at the visit: the cadre
/// sends a request link and the trip shows "Chờ xác nhận"; the officer opens the link
/// later, online, on a device enrolled with the app, and signs; the confirmation reaches
/// the cadre's phone by sync alone and the trip counts. Then the unit withdraws it
/// (signed too): the trip stops counting, with the unit's reason, on the phone and on the
/// server alike.
#[tokio::test]
async fn a_host_signs_a_request_link_later_then_withdraws_it() -> Result<()> {
    let (data, server) = a_visit_to_confirm().await?;
    let (host_camera, phone_camera) = (data.path().join("h.y4m"), data.path().join("p.y4m"));
    camera::show(&host_camera, None)?;
    camera::show(&phone_camera, None)?;
    let host = phone_of(&server, &HOST, "1357", "/xac-nhan", false, &host_camera).await?;
    let phone = phone_of(&server, &AN, "2468", "/", true, &phone_camera).await?;
    let before = days_counted(&phone).await?;

    // The cadre sends the link: the trip waits for the unit.
    open_the_trip(&phone, &server).await?;
    phone.click("#host-confirmation button.send-claim").await?;
    let link = value_of(&phone, "claim-link").await?;
    ensure!(
        link.starts_with(&server.url("/xac-nhan#yc=DCS1YC")),
        "not a request link: {link}"
    );
    let awaiting = phone
        .wait_text("#host-confirmation [data-test=awaiting]", "Chờ xác nhận")
        .await?;
    ensure!(awaiting.contains("đường dẫn"), "{awaiting}");
    phone.screenshot("xac-nhan-4-gui-duong-dan").await?;
    phone.sync_now().await?;

    // The officer opens the link: the claim is already read, in Vietnamese.
    host.client.goto(&link).await?;
    host.wait_hydrated().await?;
    let shown = host.wait_text("[data-test=claim]", AN.name).await?;
    ensure!(shown.contains("Dự sinh hoạt chi đoàn ấp"), "{shown}");
    host.click("input[name=degree][value=dat]").await?;
    host.click("form fieldset ~ button[type=submit]").await?;
    host.wait_text("ul.given", AN.name).await?;
    host.sync_now().await?;

    // Nothing is handed over: the phone's next sync brings the confirmation.
    open_the_trip(&phone, &server).await?;
    let line = phone
        .wait_text("#host-confirmation [data-test=confirmed]", HOST.name)
        .await?;
    assert_eq!(line, format!("Đã xác nhận: {}, Hoàn thành.", HOST.name));
    phone.click("nav a[href='/']").await?;
    let confirmed = days_counted(&phone).await?;
    ensure!(
        confirmed.as_u64().unwrap_or_default() == before.as_u64().unwrap_or_default() + 5,
        "days counted went from {before} to {confirmed}, not by the trip's 5"
    );

    // The unit takes it back, with its reason.
    host.client.goto(&server.url("/xac-nhan")).await?;
    host.wait_hydrated().await?;
    host.wait_text("ul.given", AN.name).await?;
    host.click("ul.given details summary").await?;
    host.set_value("ul.given details input", "Cán bộ về sớm hơn lịch đã báo")
        .await?;
    host.click("ul.given details button.danger").await?;
    host.wait_text("ul.given", "Đã rút lại: Cán bộ về sớm hơn lịch đã báo")
        .await?;
    host.screenshot("xac-nhan-5-rut-lai").await?;
    host.sync_now().await?;

    open_the_trip(&phone, &server).await?;
    let rejected = phone
        .wait_text("#host-confirmation [data-test=rejected]", "về sớm")
        .await?;
    ensure!(rejected.contains("rút lại"), "{rejected}");
    phone.screenshot("xac-nhan-6-can-bo-thay-rut-lai").await?;
    phone.click("nav a[href='/']").await?;
    let after = days_counted(&phone).await?;
    assert_eq!(after, before, "a withdrawn confirmation counts no days");

    server_agrees(&phone, data.path()).await?;
    phone.close().await?;
    host.close().await
}
