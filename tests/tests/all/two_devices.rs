//! Issue 4, done-means 1: two devices (two Chromium profiles) of one cadre both go
//! offline, each records a trip in the same year's dossier, both come back: both end with
//! both trips, the server holds them, and with the server gone a reload still shows them.
//! When the server returns, both reconnect by themselves and a new trip flows live; a
//! third, empty device the same cadre logs in on receives the whole dossier.

use anyhow::Result;
use automerge::ActorId;
use chrono::Datelike;
use e2e::sync_client::SyncClient;
use e2e::{Browser, Server, TestPerson, free_port, set_up_province, site_dir, this_year};
use shared::doc::{CadreCode, DossierDoc, DossierKey};

/// One cadre with two devices (and later a third).
const CADRE: TestPerson = TestPerson {
    code: "KG-0201",
    name: "Phạm Minh Châu",
    roles: "cadre",
    password: Some("mat-khau-e2e"),
};

/// HQ (Ban Tổ chức – Kiểm tra), who reads every dossier of the province.
const HQ: TestPerson = TestPerson {
    code: "KG-0011",
    name: "Trần Văn Hải",
    roles: "hq",
    password: None,
};

/// Logs the cadre in on a device and opens the trips page; returns when the first sync
/// has completed (nothing to send, the server asked).
async fn set_up(device: &Browser, server: &Server) -> Result<()> {
    device.client.goto(&server.url("/chuyen-di")).await?;
    device.wait_hydrated().await?;
    device.wait_service_worker().await?;
    device
        .enrol(
            &server.url(""),
            &CADRE,
            CADRE.password.unwrap_or_default(),
            "2468",
        )
        .await?;
    device.client.goto(&server.url("/chuyen-di")).await?;
    device.wait_person(CADRE.code).await?;
    device.wait_text("header .badge", "Trực tuyến").await?;
    device
        .wait_text("header .sync-detail", "Đã đồng bộ lúc")
        .await?;
    Ok(())
}

#[tokio::test]
async fn two_devices_edit_the_same_dossier_offline_and_both_end_with_both_edits() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE, HQ])?;
    let port = free_port()?;
    let mut server = Server::start(&site_dir(), data.path(), port)?;
    let phone = Browser::start().await?;
    let tablet = Browser::start().await?;
    set_up(&phone, &server).await?;
    set_up(&tablet, &server).await?;

    // Both lose the signal, and each records a trip of this year.
    for device in [&phone, &tablet] {
        device.set_network(false).await?;
        device.wait_text("header .badge", "Ngoại tuyến").await?;
    }
    phone
        .add_trip(
            &this_year("03-02"),
            &this_year("03-06"),
            "Đoàn xã Vĩnh Hòa",
            "3.1",
        )
        .await?;
    tablet
        .add_trip(
            &this_year("04-10"),
            &this_year("04-12"),
            "Chi đoàn ấp Tân Lập",
            "3.4",
        )
        .await?;
    for device in [&phone, &tablet] {
        device
            .wait_text("main", "Đã lưu chuyến đi trên máy.")
            .await?;
        let line = device.wait_unsynced(1).await?;
        assert_eq!(line, "1 thay đổi chưa gửi lên máy chủ");
        assert_eq!(device.trip_count().await?, 1);
    }
    phone.screenshot("two-devices-phone-offline").await?;

    // Reloaded while still offline, the phone still knows what the server lacks.
    phone.reload().await?;
    phone.wait_hydrated().await?;
    phone.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
    phone.wait_text("header .badge", "Ngoại tuyến").await?;
    assert_eq!(
        phone.wait_unsynced(1).await?,
        "1 thay đổi chưa gửi lên máy chủ"
    );

    // The signal returns: each device ends with both trips and nothing left to send.
    for device in [&phone, &tablet] {
        device.set_network(true).await?;
    }
    for device in [&phone, &tablet] {
        device.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
        device.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
        device.wait_unsynced(0).await?;
        device
            .wait_text("header .sync-detail", "Đã đồng bộ lúc")
            .await?;
        assert_eq!(device.trip_count().await?, 2);
    }
    tablet.screenshot("two-devices-tablet-synced").await?;

    // HQ's side: the server holds one dossier with both trips.
    let key = DossierKey {
        cadre: CadreCode::parse(CADRE.code)?,
        year: chrono::Local::now().year(),
    };
    let office = e2e::enrol_device(data.path(), HQ.code).await?;
    let mut hq = SyncClient::connect_as(&format!("ws://127.0.0.1:{port}/sync"), &office).await?;
    let doc = hq.fetch(key.document_id()).await?.clone();
    let dossier = DossierDoc::from_automerge(doc, ActorId::random())?;
    assert_eq!(dossier.key(), Some(key));
    let mut hosts: Vec<String> = dossier
        .read()?
        .trips
        .into_iter()
        .map(|t| t.trip.host.name)
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["Chi đoàn ấp Tân Lập", "Đoàn xã Vĩnh Hòa"]);
    hq.close().await;

    // The server goes away; each device still starts with both trips.
    server.kill();
    for device in [&phone, &tablet] {
        device.reload().await?;
        device.wait_hydrated().await?;
        device.wait_text("ul.trips", "Đoàn xã Vĩnh Hòa").await?;
        device.wait_text("ul.trips", "Chi đoàn ấp Tân Lập").await?;
        device
            .wait_text("header .badge", "Mất kết nối máy chủ")
            .await?;
        device.wait_unsynced(0).await?;
    }

    // The server returns: both reconnect on their own (backoff, no reload), and a trip
    // recorded on one now reaches the other while both are open.
    let _server = Server::start(&site_dir(), data.path(), port)?;
    for device in [&phone, &tablet] {
        device.wait_text("header .badge", "Trực tuyến").await?;
    }
    tablet
        .add_trip(
            &this_year("05-20"),
            &this_year("05-20"),
            "Đoàn trường THPT Vĩnh Hòa",
            "3.2",
        )
        .await?;
    phone
        .wait_text("ul.trips", "Đoàn trường THPT Vĩnh Hòa")
        .await?;
    assert_eq!(phone.trip_count().await?, 3);

    // A new phone of the same cadre, with nothing on it, gets the whole dossier.
    let new_phone = Browser::start().await?;
    new_phone
        .enrol(
            &format!("http://127.0.0.1:{port}"),
            &CADRE,
            CADRE.password.unwrap_or_default(),
            "1357",
        )
        .await?;
    new_phone
        .client
        .goto(&format!("http://127.0.0.1:{port}/chuyen-di"))
        .await?;
    new_phone.wait_person(CADRE.code).await?;
    new_phone
        .wait_text("ul.trips", "Đoàn trường THPT Vĩnh Hòa")
        .await?;
    assert_eq!(new_phone.trip_count().await?, 3);
    new_phone.wait_unsynced(0).await?;
    new_phone.close().await?;
    phone.close().await?;
    tablet.close().await
}

/// A device that asked for this year's dossier before the server had one asks again on
/// its next link check (every 30 s, or when the page is shown again), so it gets another
/// device's trips without reconnecting.
#[tokio::test]
async fn a_dossier_the_server_lacked_arrives_on_the_next_link_check() -> Result<()> {
    let data = tempfile::tempdir()?;
    set_up_province(data.path(), &[CADRE, HQ])?;
    let port = free_port()?;
    let server = Server::start(&site_dir(), data.path(), port)?;
    let (early, late) = (Browser::start().await?, Browser::start().await?);
    // The early device asks first: the server has nothing for this cadre yet.
    set_up(&early, &server).await?;
    set_up(&late, &server).await?;
    late.add_trip(
        &this_year("06-01"),
        &this_year("06-03"),
        "Đoàn xã Mỹ Lâm",
        "3.2",
    )
    .await?;
    late.wait_unsynced(0).await?;
    early.come_back().await?;
    early.wait_text("ul.trips", "Đoàn xã Mỹ Lâm").await?;
    assert_eq!(early.badge_link().await?, "Online");
    early.close().await?;
    late.close().await
}
