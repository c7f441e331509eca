//! Passwords and the admin role, the pages' security headers, the sync endpoint's
//! per-address limit and the `dicoso admin` command line.

use super::*;

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
