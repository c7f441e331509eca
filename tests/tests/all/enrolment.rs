//! Issue 8, done-means 4, in a real browser against the real server: a cadre enrols
//! online, goes offline, keeps working, reloads offline, comes back and syncs; a second
//! person enrolled on the same browser sees none of the first person's data, and opening
//! the first person's profile again asks their PIN. A device set up with a cadre code
//! before accounts keeps its dossier when that cadre logs in.

use anyhow::{Context, Result, ensure};
use automerge::ActorId;
use chrono::Datelike;
use e2e::sync_client::SyncClient;
use e2e::{
    Browser, Server, TestPerson, enrolment_code, free_port, set_up_province, site_dir, this_year,
};
use fantoccini::Locator;
use serde_json::json;
use shared::doc::{CadreCode, DossierDoc, DossierKey};
use std::time::Instant;

const AN: TestPerson = TestPerson {
    code: "KG-0123",
    name: "Nguyễn Thị An",
    roles: "cadre",
    password: Some("mat-khau-cua-an"),
};
/// Has no password: enrols with a one-time code from the admin.
const BAO: TestPerson = TestPerson {
    code: "KG-0124",
    name: "Lê Văn Bảo",
    roles: "cadre",
    password: None,
};

/// HQ (Ban Tổ chức – Kiểm tra): reads every dossier of the province.
const HQ: TestPerson = TestPerson {
    code: "KG-0011",
    name: "Trần Văn Hải",
    roles: "hq",
    password: None,
};

/// The hosts of the trips the server holds in `cadre`'s dossier of this year.
async fn hosts_on_server(data: &std::path::Path, port: u16, cadre: &str) -> Result<Vec<String>> {
    let key = DossierKey {
        cadre: CadreCode::parse(cadre)?,
        year: chrono::Local::now().year(),
    };
    let office = e2e::enrol_device(data, HQ.code).await?;
    let mut hq = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), &office).await?;
    let doc = hq.fetch(key.document_id()).await?.clone();
    hq.close().await;
    let dossier = DossierDoc::from_automerge(doc, ActorId::random())?;
    let mut hosts: Vec<String> = dossier
        .read()?
        .trips
        .into_iter()
        .map(|t| t.trip.host.name)
        .collect();
    hosts.sort();
    Ok(hosts)
}

/// A schema-1 dossier as the app of issue 4 wrote it: the shared genesis change, then one
/// trip with start, end, host_unit, content_type and created_at, by `actor`.
fn schema_1_dossier(
    key: &DossierKey,
    actor: &ActorId,
    id: &str,
    (start, end): (&str, &str),
    host: &str,
) -> Result<Vec<u8>> {
    use automerge::transaction::{CommitOptions, Transactable};
    use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};
    let mut doc = AutoCommit::new().with_actor(ActorId::from(shared::doc::GENESIS_ACTOR));
    doc.put(ROOT, "schema", 1u64)?;
    doc.put(ROOT, "kind", "cadre-dossier")?;
    doc.put(ROOT, "cadre", key.cadre.as_str())?;
    doc.put(ROOT, "year", i64::from(key.year))?;
    let trips = doc.put_object(ROOT, "trips", ObjType::Map)?;
    doc.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(actor.clone());
    let trip = doc.put_object(&trips, id, ObjType::Map)?;
    doc.put(&trip, "start", start)?;
    doc.put(&trip, "end", end)?;
    doc.put(&trip, "host_unit", host)?;
    doc.put(&trip, "content_type", "3.2")?;
    doc.put(&trip, "created_at", ScalarValue::Timestamp(1_000))?;
    doc.commit();
    Ok(doc.save())
}

async fn click(b: &Browser, css: &str) -> Result<()> {
    b.client.find(Locator::Css(css)).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn a_cadre_enrols_works_offline_and_syncs_and_a_second_person_sees_none_of_it() -> Result<()>
{
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[AN, BAO, HQ])?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let base = server.url("");
    let browser = Browser::start().await?;
    let b = &browser;

    // First use: nothing can be recorded before a login; the app says so.
    let opened = Instant::now();
    b.client.goto(&server.url("/")).await?;
    b.wait_hydrated().await?;
    b.wait_text(".setup", "Đăng nhập để bắt đầu").await?;
    b.wait_text("header .badge", "Chưa đăng nhập").await?;
    b.screenshot("enrol-first-use").await?;

    // What enrolment costs a cadre, from opening the app to a recorded trip: a tap on
    // "Đăng nhập", four fields (username, password, PIN twice), a tap on the button.
    click(b, ".setup a.button").await?;
    b.wait_hydrated().await?;
    b.wait_text("main h1", "Đăng nhập trên máy này").await?;
    let started = Instant::now();
    b.fill_login(&[
        ("input[name=username]", &AN.username()),
        ("input[name=password]", AN.password.unwrap_or_default()),
        ("input[name=pin]", "2468"),
        ("input[name=pin_again]", "2468"),
    ])
    .await?;
    b.wait_person(AN.code).await?;
    let enrolled = started.elapsed();
    b.wait_text("header .badge", "Trực tuyến").await?;
    click(b, "nav.areas a[href='/chuyen-di']").await?;
    b.wait_hydrated().await?;
    b.add_trip(
        &this_year("03-02"),
        &this_year("03-06"),
        "Đoàn xã Vĩnh Hòa",
        "3.1",
    )
    .await?;
    b.wait_text("main", "Đã lưu chuyến đi trên máy.").await?;
    println!(
        "enrolment: {:.2} s from the login button to the app open as the cadre (key pair, PIN hash, request, reload); {:.2} s from opening the app to a recorded trip (machine time, no typing)",
        enrolled.as_secs_f64(),
        opened.elapsed().as_secs_f64()
    );
    b.wait_service_worker().await?;
    b.wait_unsynced(0).await?;

    // Offline: keep working, reload, no login asked, the data is there.
    b.set_network(false).await?;
    b.wait_text("header .badge", "Ngoại tuyến").await?;
    b.add_trip(
        &this_year("04-01"),
        &this_year("04-02"),
        "Chi đoàn ấp Tân Lập",
        "3.4",
    )
    .await?;
    b.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
    b.wait_unsynced(1).await?;
    b.reload().await?;
    b.wait_person(AN.code).await?;
    b.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
    b.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
    let asked = b
        .client
        .execute("return document.querySelector('.setup') !== null", vec![])
        .await?;
    assert_eq!(asked, json!(false), "no login asked offline");
    b.screenshot("enrol-offline-reload").await?;

    // Back online: it syncs, and the server holds both trips.
    b.set_network(true).await?;
    b.wait_text("header .badge", "Trực tuyến").await?;
    b.wait_unsynced(0).await?;
    assert_eq!(
        hosts_on_server(data.path(), port, AN.code).await?,
        ["Chi đoàn ấp Tân Lập", "Đoàn xã Vĩnh Hòa"]
    );

    // A second person on the same phone, with the admin's one-time code.
    let code = enrolment_code(data.path(), BAO.code)?;
    b.enrol_with_code(&base, &BAO, &code, "1357").await?;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_person(BAO.code).await?;
    b.wait_text("main", "Chưa có chuyến đi nào.").await?;
    assert_eq!(b.trip_count().await?, 0);
    b.screenshot("enrol-second-person").await?;
    // On another phone: the code is spent, a wrong password is refused, in words.
    b.client.goto(&server.url("/")).await?;
    b.wait_person(BAO.code).await?;
    let again = Browser::start().await?;
    again
        .client
        .goto(&format!("{base}/dang-nhap#ma={code}"))
        .await?;
    again.wait_hydrated().await?;
    again
        .fill_login(&[
            ("input[name=pin]", "1111"),
            ("input[name=pin_again]", "1111"),
        ])
        .await?;
    again
        .wait_text("form.login .error", "Mã đăng ký không dùng được")
        .await?;
    click(&again, "button.tab:not(.selected)").await?;
    again
        .fill_login(&[
            ("input[name=username]", &AN.username()),
            ("input[name=password]", "sai-mat-khau"),
        ])
        .await?;
    again
        .wait_text(
            "form.login .error",
            "Tên đăng nhập hoặc mật khẩu không đúng.",
        )
        .await?;
    again.close().await?;

    // Back to the first person: their PIN is asked, a wrong one refused.
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_person(BAO.code).await?;
    let wrong = b.switch_profile(AN.code, "1357").await?;
    assert_eq!(wrong.as_deref(), Some("Mã PIN không đúng."));
    assert_eq!(b.switch_profile(AN.code, "2468").await?, None);
    b.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
    assert_eq!(b.trip_count().await?, 2);
    browser.close().await
}

/// The IndexedDB layout the app used before accounts (database `dicoso`, version 2), with
/// a cadre code and one dossier written by the device's own actor.
const LEGACY_SETUP: &str = r#"
const [cadre, actor, doc, bytes, done] = arguments;
const open = indexedDB.open('dicoso', 2);
open.onupgradeneeded = () => {
  const db = open.result;
  db.createObjectStore('chunks', {autoIncrement: true});
  db.createObjectStore('meta');
  db.createObjectStore('doc_chunks', {autoIncrement: true}).createIndex('by_doc', 'doc');
};
open.onerror = () => done('open failed');
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction(['meta', 'doc_chunks'], 'readwrite');
  tx.objectStore('meta').put(cadre, 'cadre');
  tx.objectStore('meta').put(new Uint8Array(actor), 'actor');
  tx.objectStore('doc_chunks').add({doc, bytes: new Uint8Array(bytes)});
  tx.oncomplete = () => { db.close(); done('ok'); };
  tx.onerror = () => done('write failed');
};
"#;

#[tokio::test]
async fn a_device_set_up_before_accounts_keeps_its_dossier_when_its_cadre_logs_in() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[AN, HQ])?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let b = Browser::start().await?;

    // What the app of issue 4 left on a phone: the cadre's code and a trip not yet synced.
    let legacy_actor = ActorId::from(*b"pre-account-dev!");
    let key = DossierKey {
        cadre: CadreCode::parse(AN.code)?,
        year: chrono::Local::now().year(),
    };
    let legacy = schema_1_dossier(
        &key,
        &legacy_actor,
        "legacy-trip",
        (&this_year("02-10"), &this_year("02-12")),
        "Đoàn phường Vĩnh Thanh",
    )?;
    b.client.goto(&server.url("/")).await?;
    b.wait_hydrated().await?;
    let written = b
        .client
        .execute_async(
            LEGACY_SETUP,
            vec![
                json!(AN.code),
                json!(legacy_actor.to_bytes()),
                json!(key.document_id().to_string()),
                json!(legacy),
            ],
        )
        .await?;
    ensure!(written == json!("ok"), "legacy database: {written}");

    // Before the login the app says whose data is waiting; after, it is theirs.
    b.reload().await?;
    b.wait_hydrated().await?;
    b.wait_text(".setup", "mã cán bộ KG-0123").await?;
    b.enrol(
        &server.url(""),
        &AN,
        AN.password.unwrap_or_default(),
        "2468",
    )
    .await?;
    b.client.goto(&server.url("/chuyen-di")).await?;
    b.wait_person(AN.code).await?;
    b.wait_text("ul.trips", "Đoàn phường Vĩnh Thanh").await?;
    assert_eq!(b.trip_count().await?, 1);
    b.add_trip(
        &this_year("05-01"),
        &this_year("05-01"),
        "Chi đoàn khu phố 3",
        "3.4",
    )
    .await?;
    b.wait_text("ul.trips", "Chi đoàn khu phố 3").await?;
    b.wait_unsynced(0).await?;

    // Nothing duplicated: the old database is the profile's, no second one was made.
    let names = b
        .client
        .execute_async(
            "const done = arguments[0]; indexedDB.databases().then(l => done(l.map(d => d.name).sort()));",
            vec![],
        )
        .await?;
    assert_eq!(names, json!(["dicoso", "dicoso-profiles"]));
    // Nothing lost: the server holds the old trip and the new one, and the old actor is
    // registered to the cadre's new device.
    assert_eq!(
        hosts_on_server(data.path(), port, AN.code).await?,
        ["Chi đoàn khu phố 3", "Đoàn phường Vĩnh Thanh"]
    );
    let legacy_hex = legacy_actor.to_hex_string();
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let actors = b
            .client
            .execute_async(REGISTERED_ACTORS, vec![json!(AN.code)])
            .await?;
        if actors
            .as_array()
            .is_some_and(|a| a.contains(&json!(legacy_hex)))
        {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the old actor {legacy_hex} is not registered to {}: {actors}",
            AN.code
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    b.close().await.context("closing the browser")
}

/// The actors the province's directory lists for a person's devices, asked with the
/// active profile's token.
const REGISTERED_ACTORS: &str = r#"
const [person, done] = arguments;
const open = indexedDB.open('dicoso-profiles');
open.onsuccess = () => {
  const tx = open.result.transaction(['profiles', 'meta']);
  const active = tx.objectStore('meta').get('active');
  active.onsuccess = () => {
    const record = tx.objectStore('profiles').get(active.result);
    record.onsuccess = async () => {
      const token = JSON.parse(record.result.data).token;
      const response = await fetch('/api/directory', {headers: {authorization: 'Bearer ' + token}});
      const snapshot = await response.json();
      done(snapshot.devices.filter(d => d.person === person).flatMap(d => d.actors));
    };
  };
};
open.onerror = () => done(null);
"#;
