//! People, accounts, enrolment and device tokens through the real router and a real
//! SQLite database (issue 8, `docs/access.md`): imports, enrolment by password and by
//! code, throttling, revocation, disabled accounts, provinces, and the pages' security
//! headers.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::directory::demo::DemoOutcome;
use server::directory::{
    AuthError, DirectoryConfig, DirectoryEvent, DirectoryService, ImportFiles, Scope,
};
use server::store::Store;
use server::{AppState, app};
use shared::directory::Snapshot;
use shared::policy::Policy;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::sync::broadcast;
use tower::ServiceExt;

const DAY: i64 = 24 * 3_600_000;

struct Fixture {
    dir: tempfile::TempDir,
    router: Router,
    directory: DirectoryService,
    clock: Arc<AtomicI64>,
    build: app::BuildInfo,
}

/// 1 March 2026, 00:00 UTC.
fn start_ms() -> i64 {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("date")
        .and_utc()
        .timestamp_millis()
}

/// A server whose clock the test moves, with the demo province KG loaded.
async fn fixture() -> (Fixture, Vec<(String, String)>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_in(&dir.path().join("data")).expect("store");
    let clock = Arc::new(AtomicI64::new(start_ms()));
    let read = clock.clone();
    let directory = DirectoryService::open(
        store.clone(),
        DirectoryConfig {
            clock: Arc::new(move || read.load(Ordering::SeqCst)),
            ..DirectoryConfig::default()
        },
    )
    .expect("directory");
    let build = app::BuildInfo {
        version: "test".into(),
        js: "/pkg/dicoso.0123.js".into(),
        wasm: "/pkg/dicoso.4567.wasm".into(),
        css: "/pkg/dicoso.89ab.css".into(),
        precache: Vec::new(),
        qr: None,
    };
    let state = AppState::with_directory(
        dir.path().join("site"),
        build.clone(),
        store,
        directory.clone(),
    )
    .await
    .expect("state");
    let logins = match directory.demo().await.expect("demo") {
        DemoOutcome::Created(logins) => {
            logins.into_iter().map(|l| (l.person, l.password)).collect()
        }
        _ => panic!("a fresh database gets the demo province"),
    };
    let f = Fixture {
        dir,
        router: app(state),
        directory,
        clock,
        build,
    };
    (f, logins)
}

/// The fixture, with a device token of the cadre KG-0123 and one of the admin KG-A001.
async fn cadre_and_admin() -> (Fixture, String, String) {
    let (f, logins) = fixture().await;
    let cadre = f
        .token("KG-0123", password_of(&logins, "KG-0123"), 12)
        .await;
    let admin = f
        .token("KG-A001", password_of(&logins, "KG-A001"), 13)
        .await;
    (f, cadre, admin)
}

fn password_of<'a>(logins: &'a [(String, String)], person: &str) -> &'a str {
    &logins
        .iter()
        .find(|(p, _)| p == person)
        .expect("demo person")
        .1
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
    text: String,
}

impl Fixture {
    fn now(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    fn advance(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(v) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).expect("request");
        let client: SocketAddr = "203.0.113.9:40000".parse().expect("addr");
        request.extensions_mut().insert(ConnectInfo(client));
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Answer {
            status,
            headers,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None, &[]).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.call(Method::POST, path, token, Some(body), &[]).await
    }

    /// Enrols a device; the key is derived from `seed`.
    async fn enrol(&self, credential: Credential<'_>, seed: u8, actors: &[&str]) -> Answer {
        let body = enrol_body(
            credential,
            &SigningKey::from_bytes(&[seed; 32]),
            actors,
            self.now(),
        );
        self.post("/api/enrol", None, body).await
    }

    /// Enrols with a password and returns the token.
    async fn token(&self, person: &str, password: &str, seed: u8) -> String {
        let a = self
            .enrol(
                Credential::Password(&person.to_lowercase(), password),
                seed,
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        a.json["token"].as_str().expect("token").to_owned()
    }
}

#[derive(Clone, Copy)]
enum Credential<'a> {
    Password(&'a str, &'a str),
    Code(&'a str),
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The enrolment request as `docs/access.md` specifies it, signed by `key`.
fn enrol_body(
    credential: Credential<'_>,
    key: &SigningKey,
    actors: &[&str],
    signed_at: i64,
) -> Value {
    let public_key = b64(key.verifying_key().as_bytes());
    let named = match credential {
        Credential::Password(u, _) => u,
        Credential::Code(c) => c,
    };
    let message = format!(
        "dicoso-enrol-v1\n{named}\n{public_key}\n{}\n{signed_at}",
        actors.join(",")
    );
    let signature = b64(&key.sign(message.as_bytes()).to_bytes());
    let mut body = json!({
        "public_key": public_key,
        "actors": actors,
        "label": "Điện thoại Android",
        "signed_at": signed_at,
        "signature": signature,
    });
    match credential {
        Credential::Password(u, p) => {
            body["username"] = json!(u);
            body["password"] = json!(p);
        }
        Credential::Code(c) => body["code"] = json!(c),
    }
    body
}

async fn next_event(events: &mut broadcast::Receiver<DirectoryEvent>) -> DirectoryEvent {
    tokio::time::timeout(std::time::Duration::from_secs(5), events.recv())
        .await
        .expect("an event in time")
        .expect("event")
}

/// Issue 8: a CSV with one bad row imports nothing, and names the row's line and column.
#[tokio::test]
async fn a_csv_with_one_bad_row_imports_nothing_and_names_the_line_and_column() {
    let (f, logins) = fixture().await;
    let admin = f.token("KG-A001", password_of(&logins, "KG-A001"), 1).await;
    let before = f.get("/api/directory", Some(&admin)).await;
    let people = "code,name,unit,department,job,office_since,roles
KG-0300,Trương Văn Tâm,tinh-doan,BPT,can-bo,2021,cadre
KG-0301,Lý Thị Uyên,xa-khong-co,BPT,can-bo,2022,cadre
KG-0302,Mai Văn Vũ,tinh-doan,BPT,can-bo,2023,cadre
";
    let a = f
        .post(
            "/api/admin/import",
            Some(&admin),
            json!({ "people": people }),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert_eq!(
        a.json["error"],
        "Chưa nhập gì vì có 1 lỗi: Tệp cán bộ, dòng 3, cột 3 (unit): đơn vị “xa-khong-co” không có trong danh bạ"
    );
    assert_eq!(a.json["problems"][0]["line"], 3);
    assert_eq!(a.json["problems"][0]["column"], 3);
    let after = f.get("/api/directory", Some(&admin)).await;
    assert_eq!(
        after.text, before.text,
        "nothing imported, not even the good rows"
    );
    assert!(!after.text.contains("KG-0300"));
}

#[tokio::test]
async fn an_import_is_what_the_snapshot_then_holds_and_a_later_file_retires_who_it_leaves_out() {
    let (f, logins) = fixture().await;
    let token = f.token("KG-0123", password_of(&logins, "KG-0123"), 2).await;
    let before: Snapshot =
        serde_json::from_str(&f.get("/api/directory", Some(&token)).await.text).expect("snapshot");
    assert_eq!(before.people.len(), 9);
    assert_eq!(before.policies[0].year_from, 2023);
    assert_eq!(before.policies[0].policy.id, "kien-giang-2023");
    let units = "id,name,level,parent\nxa-moi,Đoàn xã Mới,co-so,huyen-chau-thanh\n";
    let people = "code,name,unit,department,job,office_since,roles
KG-0123,Nguyễn Thị An,tinh-doan,BPT,can-bo,2020,cadre;host-officer:xa-moi
KG-A001,Bùi Thanh Nam,tinh-doan,,quan-tri,,admin
KG-0400,Đoàn Thị Xuân,xa-moi,,can-bo,2024,cadre
";
    let report = f
        .directory
        .import(
            &Scope::Cli,
            "KG",
            ImportFiles {
                units: Some(units.into()),
                people: Some(people.into()),
                departments: None,
            },
        )
        .await
        .expect("import");
    assert_eq!(report.added, ["KG-0400"]);
    assert_eq!(report.deactivated.len(), 7, "{report:?}");
    let a = f.get("/api/directory", Some(&token)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
    let snapshot: Snapshot = serde_json::from_str(&a.text).expect("snapshot");
    assert!(snapshot.version > before.version);
    assert_eq!(
        a.headers[header::ETAG],
        format!("\"KG-{}\"", snapshot.version).as_str()
    );
    let dir = shared::directory::Directory::new(snapshot);
    assert_eq!(
        dir.unit("xa-moi").map(|u| u.parent.as_deref()),
        Some(Some("huyen-chau-thanh"))
    );
    assert_eq!(
        dir.person("KG-0400").map(|p| p.name.as_str()),
        Some("Đoàn Thị Xuân")
    );
    assert!(dir.has_role(
        "KG-0123",
        &shared::directory::Role::HostOfficer {
            unit: "xa-moi".into()
        }
    ));
    // Left out: kept (what they wrote stays readable) but with no roles, and refused.
    assert_eq!(dir.person("KG-0124").map(|p| p.roles.len()), Some(0));
    assert_eq!(dir.devices().len(), 1);
    assert_eq!(dir.devices()[0].person, "KG-0123");
    // The snapshot holds no secret of any kind.
    for secret in [
        "argon2",
        "password",
        "token",
        "hash",
        password_of(&logins, "KG-0123"),
    ] {
        assert!(!a.text.contains(secret), "{secret}");
    }
    // Unchanged since: 304.
    let etag = a.headers[header::ETAG].to_str().expect("etag").to_owned();
    let again = f
        .call(
            Method::GET,
            "/api/directory",
            Some(&token),
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let gone = f
        .enrol(
            Credential::Password("kg-0124", password_of(&logins, "KG-0124")),
            3,
            &[],
        )
        .await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN, "{}", gone.text);
}

#[tokio::test]
async fn enrolment_by_password_and_by_a_code_that_works_once() {
    let (f, logins) = fixture().await;
    let a = f
        .enrol(
            Credential::Password("KG-0123", password_of(&logins, "KG-0123")),
            4,
            &["aa01", "AA02"],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(a.json["person"]["code"], "KG-0123");
    assert_eq!(a.json["person"]["name"], "Nguyễn Thị An");
    assert_eq!(a.json["person"]["roles"], json!([{ "role": "cadre" }]));
    assert_eq!(
        a.json["province"],
        json!({ "code": "KG", "name": "Tỉnh đoàn Kiên Giang" })
    );
    assert_eq!(a.json["expires_at"], f.now() + 365 * DAY);
    let token = a.json["token"].as_str().expect("token");
    assert_eq!(token.len(), 43);
    let dir = f.directory.directory("KG").expect("KG");
    let device = dir
        .device_of_actor("aa02")
        .expect("actor registered, lower-cased");
    assert_eq!(device.person, "KG-0123");
    assert_eq!(device.label, "Điện thoại Android");
    assert_eq!(
        device.public_key,
        b64(SigningKey::from_bytes(&[4; 32]).verifying_key().as_bytes())
    );

    // An admin hands out a code, shown as text, URL and QR code.
    let admin = f.token("KG-A001", password_of(&logins, "KG-A001"), 5).await;
    let code = f
        .call(
            Method::POST,
            "/api/admin/enrolment-codes",
            Some(&admin),
            Some(json!({ "person": "kg-h001" })),
            &[("origin", "https://dicoso.example")],
        )
        .await;
    assert_eq!(code.status, StatusCode::CREATED, "{}", code.text);
    let text = code.json["code"].as_str().expect("code").to_owned();
    assert_eq!(code.json["url"], format!("/dang-nhap#ma={text}"));
    assert_eq!(code.json["expires_at"], f.now() + 7 * DAY);
    assert!(
        code.json["qr_svg"]
            .as_str()
            .expect("svg")
            .starts_with("<?xml")
    );

    let typed = text.to_lowercase();
    let first = f.enrol(Credential::Code(&typed), 6, &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["person"]["code"], "KG-H001");
    assert_eq!(
        first.json["person"]["roles"],
        json!([{ "role": "host-officer", "unit": "xa-vinh-hoa-hiep" }])
    );
    let second = f.enrol(Credential::Code(&text), 7, &[]).await;
    assert_eq!(second.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        second.json["error"],
        "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn."
    );
    // A code past its 7 days is refused too.
    let late = f
        .post(
            "/api/admin/enrolment-codes",
            Some(&admin),
            json!({ "person": "KG-0124" }),
        )
        .await;
    f.advance(7 * DAY + 1);
    let late = f
        .enrol(
            Credential::Code(late.json["code"].as_str().expect("code")),
            8,
            &[],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bad_signature_a_skewed_clock_and_malformed_requests_are_refused() {
    let (f, logins) = fixture().await;
    let password = password_of(&logins, "KG-0123");
    let key = SigningKey::from_bytes(&[9; 32]);
    let other = SigningKey::from_bytes(&[10; 32]);
    let cred = Credential::Password("kg-0123", password);

    // Signed by another key than the one registered.
    let mut body = enrol_body(cred, &other, &[], f.now());
    body["public_key"] = json!(b64(key.verifying_key().as_bytes()));
    let a = f.post("/api/enrol", None, body).await;
    assert_eq!(
        (a.status, a.json["error"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("Chữ ký của thiết bị không đúng: hãy tải lại trang rồi thử lại.")
        )
    );
    // Signed for other actors than those sent.
    let mut body = enrol_body(cred, &key, &["aa"], f.now());
    body["actors"] = json!(["bb"]);
    assert_eq!(
        f.post("/api/enrol", None, body).await.status,
        StatusCode::BAD_REQUEST
    );
    // Signed 11 minutes ago.
    let body = enrol_body(cred, &key, &[], f.now() - 11 * 60_000);
    let a = f.post("/api/enrol", None, body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json["error"]
            .as_str()
            .expect("error")
            .contains("lệch quá 10 phút")
    );
    // A time no clock could show (and no arithmetic may overflow on).
    for extreme in [i64::MIN, i64::MAX] {
        let body = enrol_body(cred, &key, &[], extreme);
        assert_eq!(
            f.post("/api/enrol", None, body).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    // Both a password and a code; a short key; not JSON.
    let mut body = enrol_body(cred, &key, &[], f.now());
    body["code"] = json!("ABCD-EFGH-JKMN");
    assert_eq!(
        f.post("/api/enrol", None, body).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut body = enrol_body(cred, &key, &[], f.now());
    body["public_key"] = json!("AAAA");
    assert_eq!(
        f.post("/api/enrol", None, body).await.status,
        StatusCode::BAD_REQUEST
    );
    let a = f.post("/api/enrol", None, json!("tôi")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json["error"]
            .as_str()
            .expect("error")
            .starts_with("Yêu cầu không đúng định dạng")
    );
    // None of these counted as a wrong password, and nothing was enrolled.
    assert!(
        f.directory
            .directory("KG")
            .expect("KG")
            .devices()
            .is_empty()
    );
    assert_eq!(f.enrol(cred, 9, &[]).await.status, StatusCode::OK);
}

/// Issue 8: 20 wrong passwords are throttled, and a right one then waits its turn.
#[tokio::test]
async fn twenty_wrong_passwords_are_throttled_and_the_right_one_waits() {
    let (f, logins) = fixture().await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        let a = f
            .enrol(
                Credential::Password("kg-0124", &format!("sai-mat-khau-{i}")),
                11,
                &[],
            )
            .await;
        statuses.push(a.status.as_u16());
        if a.status == StatusCode::UNAUTHORIZED {
            assert_eq!(a.json["error"], "Tên đăng nhập hoặc mật khẩu không đúng.");
        }
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert_eq!(statuses[5..], [429; 15]);
    // An unknown username answers exactly as a wrong password.
    let unknown = f
        .enrol(Credential::Password("khong-co-ai", "mat-khau-dai"), 11, &[])
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.json["error"],
        "Tên đăng nhập hoặc mật khẩu không đúng."
    );

    let right = Credential::Password("kg-0124", password_of(&logins, "KG-0124"));
    let waits = f.enrol(right, 11, &[]).await;
    assert_eq!(waits.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = waits.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert_eq!(retry, 30);
    assert!(
        waits.json["error"]
            .as_str()
            .expect("error")
            .contains("30 giây")
    );
    f.advance(retry * 1000);
    let a = f.enrol(right, 11, &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

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
async fn passwords_are_argon2id_phc_strings_and_admin_calls_need_the_admin_role() {
    let (f, logins) = fixture().await;
    let admin = f
        .token("KG-A001", password_of(&logins, "KG-A001"), 24)
        .await;
    let cadre = f
        .token("KG-0123", password_of(&logins, "KG-0123"), 25)
        .await;
    for (path, body) in [
        (
            "/api/admin/accounts",
            json!({ "person": "KG-0200", "username": "chau.pham" }),
        ),
        ("/api/admin/import", json!({ "people": "code\n" })),
        ("/api/admin/devices/abc/revoke", json!({})),
    ] {
        let a = f.post(path, Some(&cadre), body).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            a.json["error"],
            "Chỉ quản trị của tỉnh đoàn được làm việc này."
        );
    }
    assert_eq!(
        f.get("/api/admin/people", None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // KG-0200's demo account exists: a new one for them clashes; a reset works.
    let clash = f
        .post(
            "/api/admin/accounts",
            Some(&admin),
            json!({ "person": "KG-0200", "username": "chau" }),
        )
        .await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let reset = f
        .post(
            "/api/admin/accounts/KG-0200/reset",
            Some(&admin),
            json!({ "password": "mật khẩu mới của Châu" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert!(
        reset.json.get("password").is_none(),
        "a chosen password is not echoed"
    );
    let generated = f
        .call(
            Method::POST,
            "/api/admin/accounts/KG-0011/reset",
            Some(&admin),
            None,
            &[],
        )
        .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.text);
    assert_eq!(generated.json["password"].as_str().map(str::len), Some(14));

    let phc: String = {
        let conn =
            rusqlite::Connection::open(f.dir.path().join("data/dicoso.sqlite3")).expect("db");
        conn.query_row(
            "SELECT password_hash FROM accounts WHERE person = 'KG-0200'",
            [],
            |r| r.get(0),
        )
        .expect("hash")
    };
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    use argon2::password_hash::PasswordVerifier;
    assert!(
        argon2::Argon2::default()
            .verify_password("mật khẩu mới của Châu".as_bytes(), phc.as_str())
            .is_ok()
    );
    let login = f
        .enrol(
            Credential::Password("kg-0200", "mật khẩu mới của Châu"),
            26,
            &[],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);

    let people = f.get("/api/admin/people", Some(&admin)).await;
    let chau = people.json["people"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["code"] == "KG-0200"))
        .expect("listed");
    assert_eq!(
        chau["account"],
        json!({ "username": "kg-0200", "has_password": true, "disabled": false })
    );
    assert_eq!(chau["devices"].as_array().map(Vec::len), Some(1));
    assert_eq!(chau["active"], true);
}

/// The hashes of a page's inline scripts, as a browser computes them.
fn inline_script_hashes(html: &str) -> Vec<String> {
    use sha2::Digest;
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let tag_end = open + rest[open..].find('>').expect("tag end") + 1;
        let close = tag_end + rest[tag_end..].find("</script>").expect("script end");
        if !rest[open..tag_end].contains(" src=") {
            let digest = sha2::Sha256::digest(&rest.as_bytes()[tag_end..close]);
            hashes.push(base64::engine::general_purpose::STANDARD.encode(digest));
        }
        rest = &rest[close..];
    }
    hashes
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_the_csp_allows_exactly_the_boot_script() {
    let (f, _) = fixture().await;
    for path in ["/", "/chuyen-di", "/khong-co-trang-nay"] {
        let a = f.get(path, None).await;
        let csp = a.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        for directive in [
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        // Every inline script (the boot script, leptos's hydration data) is allowed by
        // its hash, or the browser would refuse to run it.
        let hashes = inline_script_hashes(&a.text);
        assert_eq!(hashes.len(), 3, "{path}: {}", a.text);
        for hash in hashes {
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}: {csp}");
        }
        assert_eq!(
            a.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
        assert_eq!(a.headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert_eq!(a.headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
    }
    assert!(f.build.boot_script().contains(&f.build.wasm));
    let api = f.get("/api/nothing-here", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json["error"], "Không có địa chỉ API này.");
    assert_eq!(api.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(
        api.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(api.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn sync_connections_are_limited_per_address() {
    let (f, _) = fixture().await;
    let office: std::net::IpAddr = "198.51.100.20".parse().expect("ip");
    let allowed = (0..100)
        .filter(|_| f.directory.allow_connection(office))
        .count();
    assert_eq!(allowed, 60);
    f.advance(1000);
    assert!(f.directory.allow_connection(office));
    assert!(
        f.directory
            .allow_connection("198.51.100.21".parse().expect("ip"))
    );
}

#[test]
fn the_admin_command_line_sets_up_the_demo_once_and_imports_all_or_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let dicoso = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dicoso"))
            .arg("admin")
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .expect("run dicoso")
    };
    let first = dicoso(&["demo"]);
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("Đã tạo tỉnh mẫu KG"), "{out}");
    assert!(
        out.contains("kg-0123") && out.contains("Nguyễn Thị An"),
        "{out}"
    );
    let second = dicoso(&["demo"]);
    let again = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(second.status.success());
    assert!(!again.contains("Đã tạo tỉnh mẫu"), "{again}");
    let password = |text: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with("kg-0123"))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
    };
    assert_ne!(
        password(&out),
        password(&again),
        "each run prints fresh passwords"
    );

    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "code,name,unit,department,job,office_since,roles\nKG-0500,Hồ Văn Y,tinh-doan,,can-bo,2020,cadre\nKG-0501,Hồ Thị Z,tinh-doan,,bi-thu,2020,cadre\n",
    )
    .expect("write");
    let bad = dicoso(&["import", "KG", "--people", csv.to_str().expect("utf-8")]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("Tệp cán bộ, dòng 3, cột 5 (job): chức danh “bi-thu” không có"),
        "{err}"
    );
    let people = dicoso(&["people", "KG"]);
    assert!(!String::from_utf8_lossy(&people.stdout).contains("KG-0500"));

    let code = dicoso(&[
        "enrol-code",
        "KG-0123",
        "--base-url",
        "https://dicoso.example/",
    ]);
    let out = String::from_utf8_lossy(&code.stdout);
    assert!(
        out.contains("https://dicoso.example/dang-nhap#ma="),
        "{out}"
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
