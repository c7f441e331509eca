use super::*;

#[test]
fn base64url_matches_rfc_4648_without_padding() {
    // RFC 4648 §10 test vectors, unpadded, plus bytes that need the url alphabet.
    let rows: &[(&[u8], &str)] = &[
        (b"", ""),
        (b"f", "Zg"),
        (b"fo", "Zm8"),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg"),
        (b"fooba", "Zm9vYmE"),
        (b"foobar", "Zm9vYmFy"),
        (&[0xfb, 0xff, 0xbf], "-_-_"),
    ];
    for (bytes, text) in rows {
        assert_eq!(base64url(bytes), *text);
        assert_eq!(from_base64url(text).as_deref(), Some(*bytes), "{text}");
    }
    for bad in ["Zg==", "Z", "Zm9v+", "a/bc"] {
        assert_eq!(from_base64url(bad), None, "{bad}");
    }
    let key: Vec<u8> = (0..32).collect();
    assert_eq!(base64url(&key).len(), 43);
}

#[test]
fn the_signed_message_names_who_what_key_which_actors_and_when() {
    let actors = vec!["aa01".to_owned(), "bb02".to_owned()];
    let request = enrol_request(
        &Credentials::Code("KG-0123".into()),
        "AAEC".into(),
        actors,
        String::new(),
        1_767_225_600_000,
    );
    expect_test::expect![[r#"
            "dicoso-enrol-v1\nKG-0123\nAAEC\naa01,bb02\n1767225600000"
        "#]]
    .assert_debug_eq(&String::from_utf8_lossy(&request.signed_bytes()));
}

#[test]
fn an_enrolment_request_carries_either_a_password_or_a_code() {
    let request = |c: &Credentials| {
        let mut request = enrol_request(
            c,
            "PK".into(),
            vec!["aa".into()],
            "Chrome trên Android".into(),
            5,
        );
        request.signature = "SIG".into();
        serde_json::to_string(&request).expect("json")
    };
    let password = Credentials::Password {
        username: "kg-0123".into(),
        password: "bí mật".into(),
    };
    expect_test::expect![[r#"{"username":"kg-0123","password":"bí mật","public_key":"PK","actors":["aa"],"label":"Chrome trên Android","signed_at":5,"signature":"SIG"}"#]]
            .assert_eq(&request(&password));
    expect_test::expect![[r#"{"code":"AB12CD","public_key":"PK","actors":["aa"],"label":"Chrome trên Android","signed_at":5,"signature":"SIG"}"#]]
            .assert_eq(&request(&Credentials::Code("AB12CD".into())));
}

#[test]
fn the_enrolment_answer_reads_roles_and_times_in_either_form() {
    let rows = [
        r#"{"device_id":"d1","token":"t","expires_at":1798761600000,
                "person":{"code":"KG-0001","name":"Nguyễn Văn A","unit":"tinh","department":"BTC","job":"can-bo",
                          "roles":[{"role":"cadre"},{"role":"department-head","department":"BTC"},{"role":"admin"}]},
                "province":{"code":"KG","name":"Kiên Giang"}}"#,
        r#"{"device_id":"d1","token":"t","expires_at":"2027-01-01T00:00:00Z",
                "person":{"code":"KG-0001","name":"Nguyễn Văn A","unit":"tinh","department":"BTC","job":"can-bo",
                          "roles":["cadre","department-head:BTC","admin","later-role"]},
                "province":{"code":"KG","name":"Kiên Giang"}}"#,
    ];
    for row in rows {
        let answer: EnrolAnswer = serde_json::from_str(row).expect(row);
        assert_eq!(answer.expires_at, 1_798_761_600_000);
        assert_eq!(
            answer.person.roles,
            [
                Role::Cadre,
                Role::DepartmentHead {
                    department: "BTC".into()
                },
                Role::Admin
            ]
        );
        assert!(answer.person.is_admin());
    }
}

#[test]
fn enrolment_errors_name_the_problem() {
    let password = Credentials::Password {
        username: "a".into(),
        password: "b".into(),
    };
    let code = Credentials::Code("X".into());
    let body = r#"{"error":"mã cán bộ KG-0009 đã đăng ký máy này cho người khác"}"#;
    let rows: Vec<(u16, &Credentials, Option<u64>, &str, &str)> = vec![
        (
            401,
            &password,
            None,
            "",
            "Tên đăng nhập hoặc mật khẩu không đúng.",
        ),
        (
            401,
            &code,
            None,
            "",
            "Mã đăng ký không dùng được: sai, đã dùng hoặc đã hết hạn. Xin quản trị viên cấp mã mới.",
        ),
        (
            403,
            &password,
            None,
            "",
            "Tài khoản đã bị khoá: liên hệ quản trị viên của Tỉnh Đoàn.",
        ),
        (
            429,
            &password,
            Some(42),
            "",
            "Đã thử quá nhiều lần: thử lại sau 42 giây.",
        ),
        (
            409,
            &code,
            None,
            body,
            "Máy chủ từ chối: mã cán bộ KG-0009 đã đăng ký máy này cho người khác",
        ),
        (500, &code, None, "oops", "Máy chủ trả lời lỗi 500: oops"),
    ];
    for (status, credentials, retry, body, expected) in rows {
        assert_eq!(
            enrol_error(status, credentials, retry, body).to_string(),
            expected,
            "{status}"
        );
    }
}

#[test]
fn pins_are_four_to_six_digits_typed_twice_alike() {
    let rows: &[(&str, &str, Result<(), AccountError>)] = &[
        ("1234", "1234", Ok(())),
        ("123456", "123456", Ok(())),
        ("123", "123", Err(AccountError::BadPin)),
        ("1234567", "1234567", Err(AccountError::BadPin)),
        ("12a4", "12a4", Err(AccountError::BadPin)),
        ("١٢٣٤", "١٢٣٤", Err(AccountError::BadPin)),
        ("1234", "1243", Err(AccountError::PinMismatch)),
    ];
    for (pin, again, expected) in rows {
        assert_eq!(&check_pin(pin, again), expected, "{pin}");
    }
    let waits: Vec<u64> = (0..9).map(pin_wait_seconds).collect();
    assert_eq!(waits, [0, 0, 0, 0, 0, 30, 60, 120, 240]);
    assert_eq!(pin_wait_seconds(u32::MAX), 30 << 6);
}

#[test]
fn a_device_is_labelled_by_its_browser_and_system() {
    let rows = [
        (
            "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
            "Chrome trên Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet trên Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari trên iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Edge trên Windows",
        ),
        ("", "trình duyệt trên máy không rõ"),
    ];
    for (ua, label) in rows {
        assert_eq!(device_label(ua), label);
    }
}

#[test]
fn the_code_comes_from_the_qr_codes_fragment() {
    let rows = [
        ("#ma=AB12-CD34", Some("AB12-CD34")),
        ("ma=XY", Some("XY")),
        ("#x=1&ma=Q", Some("Q")),
        ("#ma=", None),
        ("", None),
        ("#mat=1", None),
    ];
    for (hash, code) in rows {
        assert_eq!(code_from_fragment(hash).as_deref(), code, "{hash}");
    }
}

#[test]
fn a_refusal_says_why_and_whether_logging_in_again_helps() {
    assert_eq!(access_problem(Some(DeviceStatus::Active)), None);
    let expired = access_problem(Some(DeviceStatus::Expired)).expect("problem");
    assert_eq!(
        expired.message,
        "Phiên đăng nhập trên máy này đã hết hạn: đăng nhập lại để đồng bộ"
    );
    assert!(expired.relogin);
    assert!(
        !access_problem(Some(DeviceStatus::Disabled))
            .expect("problem")
            .relogin
    );
    assert!(access_problem(None).expect("problem").relogin);
}
