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

mod admin;
mod devices;

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
