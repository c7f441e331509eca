//! Device tokens after enrolment: revocation (here and by another process), disabled
//! accounts, provinces, the device endpoint and renewal, actors, and when a device was
//! last seen.

use super::*;

#[tokio::test]
async fn a_revoked_device_is_refused_everywhere_and_its_connections_are_told() {
    let (f, token, admin) = cadre_and_admin().await;
    let identity = f.directory.authenticate(&token).await.expect("valid");
    assert_eq!(
        (identity.person.as_str(), identity.province.as_str()),
        ("KG-0123", "KG")
    );

    let mut events = f.directory.subscribe();
    let listed = f
        .get("/api/admin/people/KG-0123/devices", Some(&admin))
        .await;
    assert_eq!(listed.json["devices"][0]["id"], identity.device_id.as_str());
    assert_eq!(listed.json["devices"][0]["status"], "active");
    let revoked = f
        .post(
            &format!("/api/admin/devices/{}/revoke", identity.device_id),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(revoked.json["status"], "revoked");
    assert_eq!(
        next_event(&mut events).await,
        DirectoryEvent::Revoked {
            device_id: identity.device_id.clone(),
            person: "KG-0123".into()
        }
    );
    assert!(
        matches!(next_event(&mut events).await, DirectoryEvent::Changed { province, .. } if province == "KG")
    );
    assert_eq!(
        f.directory.authenticate(&token).await,
        Err(AuthError::Revoked)
    );
    let a = f.get("/api/directory", Some(&token)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.json["error"].as_str().expect("error").contains("thu hồi"));
    let status = f.get("/api/device", Some(&token)).await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.json["status"], "revoked");
    // The snapshot still names the device, revoked: what it wrote stays attributed.
    let dir = f.directory.directory("KG").expect("KG");
    let key = dir
        .devices()
        .iter()
        .find(|d| d.id == identity.device_id)
        .expect("kept");
    assert_eq!(key.revoked_at, Some(f.now()));
}

#[tokio::test]
async fn a_revocation_made_by_another_process_reaches_the_running_server() {
    let (f, logins) = fixture().await;
    let token = f
        .token("KG-0123", password_of(&logins, "KG-0123"), 14)
        .await;
    let device = f
        .directory
        .authenticate(&token)
        .await
        .expect("valid")
        .device_id;
    let mut events = f.directory.subscribe();
    // `dicoso admin revoke` opens the database on its own connection.
    let cli_store = Store::open_in(&f.dir.path().join("data")).expect("store");
    let cli = DirectoryService::open(cli_store, DirectoryConfig::default()).expect("directory");
    cli.revoke(&Scope::Cli, &device).await.expect("revoke");
    // The server's follower picks it up within a second or so.
    assert_eq!(
        next_event(&mut events).await,
        DirectoryEvent::Revoked {
            device_id: device,
            person: "KG-0123".into()
        }
    );
    assert_eq!(
        f.directory.authenticate(&token).await,
        Err(AuthError::Revoked)
    );
}

#[tokio::test]
async fn a_disabled_accounts_devices_are_refused_until_it_is_enabled() {
    let (f, logins) = fixture().await;
    let password = password_of(&logins, "KG-0123");
    let phone = f.token("KG-0123", password, 15).await;
    let laptop = f.token("KG-0123", password, 16).await;
    let admin = f
        .token("KG-A001", password_of(&logins, "KG-A001"), 17)
        .await;
    let mut events = f.directory.subscribe();
    let a = f
        .post(
            "/api/admin/accounts/KG-0123/disable",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        next_event(&mut events).await,
        DirectoryEvent::AccountDisabled {
            person: "KG-0123".into()
        }
    );
    for token in [&phone, &laptop] {
        assert_eq!(
            f.directory.authenticate(token).await,
            Err(AuthError::Disabled)
        );
        assert_eq!(
            f.get("/api/device", Some(token)).await.json["status"],
            "disabled"
        );
    }
    let login = f
        .enrol(Credential::Password("kg-0123", password), 18, &[])
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    assert!(
        login.json["error"]
            .as_str()
            .expect("error")
            .contains("đã bị khóa")
    );
    // An admin cannot lock themselves out.
    let own = f
        .post(
            "/api/admin/accounts/KG-A001/disable",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT);

    f.post(
        "/api/admin/accounts/KG-0123/enable",
        Some(&admin),
        json!({}),
    )
    .await;
    assert!(f.directory.authenticate(&phone).await.is_ok());
}

#[tokio::test]
async fn a_token_of_another_province_is_refused_for_that_provinces_directory() {
    let (f, _) = fixture().await;
    f.directory
        .create_province(
            "TN",
            "Tỉnh đoàn Tây Ninh",
            Policy::preset("tay-ninh-2018").expect("preset"),
            (2018, Some(2022)),
        )
        .await
        .expect("province");
    f.directory
        .import(
            &Scope::Cli,
            "TN",
            ImportFiles {
                units: Some("id,name,level,parent\ntinh-doan,Tỉnh đoàn Tây Ninh,tinh,\n".into()),
                people: Some(
                    "code,name,unit,department,job,office_since,roles\nTN-0001,Phan Văn Tài,tinh-doan,,can-bo,2015,cadre;admin\n"
                        .into(),
                ),
                departments: None,
            },
        )
        .await
        .expect("import");
    f.directory
        .create_account(
            &Scope::Cli,
            "TN-0001",
            "tai.phan",
            Some("mat-khau-tay-ninh".into()),
        )
        .await
        .expect("account");
    let tn = f.token("tai.phan", "mat-khau-tay-ninh", 19).await;
    let own = f.get("/api/directory/TN", Some(&tn)).await;
    assert_eq!(own.status, StatusCode::OK);
    let other = f.get("/api/directory/KG", Some(&tn)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(
        other.json["error"],
        "Thiết bị của tỉnh TN không xem được danh bạ của tỉnh KG."
    );
    // TN's admin sees only TN: KG's people are "not found", and KG's list is not theirs.
    let a = f
        .post(
            "/api/admin/enrolment-codes",
            Some(&tn),
            json!({ "person": "KG-0123" }),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let people = f.get("/api/admin/people", Some(&tn)).await;
    assert_eq!(people.json["people"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_device_endpoint_says_why_a_token_stopped_and_renewal_replaces_it() {
    let (f, logins) = fixture().await;
    let token = f
        .token("KG-0123", password_of(&logins, "KG-0123"), 20)
        .await;
    let a = f.get("/api/device", Some(&token)).await;
    assert_eq!(a.json["status"], "active");
    assert_eq!(a.json["person"], "KG-0123");
    assert_eq!(a.json["province"], "KG");
    let unknown = f.get("/api/device", Some(&"x".repeat(43))).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let none = f.get("/api/device", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);

    // Too early to renew.
    let early = f.post("/api/device/renew", Some(&token), json!({})).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early.json["error"]
            .as_str()
            .expect("error")
            .contains("01/03/2027"),
        "{}",
        early.text
    );
    // In the last 30 days: a new token, and the old one stops.
    f.advance(340 * DAY);
    let renewed = f.post("/api/device/renew", Some(&token), json!({})).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text);
    let new = renewed.json["token"].as_str().expect("token").to_owned();
    assert_eq!(
        f.directory.authenticate(&token).await,
        Err(AuthError::Unknown)
    );
    assert!(f.directory.authenticate(&new).await.is_ok());
    // A year and a day later it has expired: refused, and said so.
    f.advance(366 * DAY);
    assert_eq!(
        f.directory.authenticate(&new).await,
        Err(AuthError::Expired)
    );
    assert_eq!(
        f.get("/api/device", Some(&new)).await.json["status"],
        "expired"
    );
    let a = f.get("/api/directory", Some(&new)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.json["error"].as_str().expect("error").contains("hết hạn"));
}

#[tokio::test]
async fn an_actor_is_registered_once_to_one_persons_device() {
    let (f, logins) = fixture().await;
    let an = Credential::Password("kg-0123", password_of(&logins, "KG-0123"));
    let bao = Credential::Password("kg-0124", password_of(&logins, "KG-0124"));
    assert_eq!(f.enrol(an, 21, &["0a0b0c0d"]).await.status, StatusCode::OK);
    let taken = f.enrol(bao, 22, &["0A0B0C0D", "0e0f"]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text);
    assert!(
        taken.json["error"]
            .as_str()
            .expect("error")
            .contains("0a0b0c0d")
    );
    let dir = f.directory.directory("KG").expect("KG");
    assert_eq!(
        dir.device_of_actor("0a0b0c0d").map(|d| d.person.as_str()),
        Some("KG-0123")
    );
    assert!(
        dir.device_of_actor("0e0f").is_none(),
        "nothing of the refused enrolment kept"
    );
    // The same person enrolling the same browser again: the actor moves to the new device.
    let again = f.enrol(an, 23, &["0a0b0c0d"]).await;
    assert_eq!(again.status, StatusCode::OK);
    let dir = f.directory.directory("KG").expect("KG");
    assert_eq!(
        dir.device_of_actor("0a0b0c0d").map(|d| d.id.as_str()),
        again.json["device_id"].as_str()
    );
}

#[tokio::test]
async fn issue_10_when_a_device_was_last_seen_is_written_once_a_minute_in_a_batch() {
    let (f, token, admin) = cadre_and_admin().await;
    let last_seen = || async {
        let listed = f
            .get("/api/admin/people/KG-0123/devices", Some(&admin))
            .await;
        listed.json["devices"][0]["last_seen"].as_i64()
    };
    // Connections are answered from the reading connection; the time is written with the
    // next batch (the follower's, every second, or this explicit one).
    f.directory.authenticate(&token).await.expect("valid");
    f.directory.flush_seen().await;
    let first = f.now();
    assert_eq!(last_seen().await, Some(first));
    f.advance(30_000);
    f.directory.authenticate(&token).await.expect("valid");
    f.directory.flush_seen().await;
    assert_eq!(last_seen().await, Some(first), "at most once a minute");
    f.advance(31_000);
    f.directory.authenticate(&token).await.expect("valid");
    f.directory.flush_seen().await;
    assert_eq!(last_seen().await, Some(first + 61_000));
}
