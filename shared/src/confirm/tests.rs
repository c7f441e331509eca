use super::code::{TypedCode, TypedCodeError, base45_decode, base45_encode, fingerprint};
use super::*;
use crate::directory::{DeviceKey, Directory};
use crate::test_support::{day, trip_record};
use ed25519_dalek::{Signer, SigningKey};

const OFFICER: &str = "KG-H001"; // host officer of xa-vinh-hoa-hiep
const OTHER_OFFICER: &str = "KG-H002"; // host officer of huyen-chau-thanh
const ENROLLED: i64 = 1_780_000_000_000;
const CONFIRMED: i64 = 1_800_000_000_000;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn device(id: &str, person: &str, seed: u8, revoked_at: Option<i64>) -> DeviceKey {
    DeviceKey {
        id: id.into(),
        person: person.into(),
        public_key: URL_SAFE_NO_PAD.encode(key(seed).verifying_key().as_bytes()),
        actors: vec![],
        label: String::new(),
        enrolled_at: ENROLLED,
        revoked_at,
    }
}

fn directory() -> Directory {
    let mut s = Directory::from_json(include_str!("../../../docs/examples/directory-kg.json"))
        .expect("example")
        .snapshot()
        .clone();
    s.devices = vec![
        device("dev-h1", OFFICER, 1, None),
        device("dev-h2", OTHER_OFFICER, 2, None),
        device("dev-h1-old", OFFICER, 3, Some(CONFIRMED - 86_400_000)),
        device("dev-h1-late", OFFICER, 4, Some(CONFIRMED + 86_400_000)),
    ];
    Directory::new(s)
}

fn trip() -> Trip {
    let mut t = trip_record("t1").trip;
    t.host.id = Some("xa-vinh-hoa-hiep".into());
    t
}

fn claim() -> Claim {
    Claim::of(
        &trip(),
        "KG-0123",
        "Nguyễn Thị An",
        2027,
        "Dự sinh hoạt chi đoàn ấp",
    )
    .expect("claim")
}

fn sign(unsigned: Unsigned, seed: u8) -> Confirmation {
    let signature = key(seed).sign(&unsigned.signed_bytes()).to_bytes();
    unsigned.with_signature(signature)
}

fn confirmation(device: &str, officer: &str, seed: u8) -> Confirmation {
    sign(
        Unsigned {
            claim: claim(),
            degree: Degree::Good,
            remark: "Đồng chí làm việc nhiệt tình".into(),
            confirmed_at: CONFIRMED + 12_345,
            officer: officer.into(),
            device: device.into(),
        },
        seed,
    )
}

type Edit = fn(&mut Confirmation, &mut Trip, &mut String);

/// Issue 11: every rejection, each with its own reason, on the same pure code the phone
/// and the server run (these tests run natively and, by `cargo xtask test`, in wasm32).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn confirmations_are_verified() {
    let dir = directory();
    let rows: &[(&str, Edit, Result<(), Rejection>)] = &[
        ("valid", |_, _, _| {}, Ok(())),
        (
            "a forged signature",
            |c, _, _| c.signature[0] ^= 1,
            Err(Rejection::BadSignature),
        ),
        (
            "dates stretched after signing",
            |c, t, _| {
                c.claim.end = day("2027-03-09");
                t.end = day("2027-03-09");
            },
            Err(Rejection::BadSignature),
        ),
        (
            "the trip changed since",
            |_, t, _| t.end = day("2027-03-09"),
            Err(Rejection::Altered("ngày đi".into())),
        ),
        (
            "another host on the trip",
            |_, t, _| t.host.id = Some("xa-minh-hoa".into()),
            Err(Rejection::Altered("đơn vị".into())),
        ),
        (
            "replayed onto another trip",
            |_, t, _| t.id = Some("t2".into()),
            Err(Rejection::OtherTrip),
        ),
        (
            "replayed onto another cadre",
            |_, _, cadre| *cadre = "KG-0124".into(),
            Err(Rejection::OtherCadre("KG-0123".into())),
        ),
        (
            "an unknown device",
            |c, _, _| c.device = "dev-x".into(),
            Err(Rejection::UnknownDevice),
        ),
    ];
    for (name, edit, expected) in rows {
        let mut c = confirmation("dev-h1", OFFICER, 1);
        let mut t = trip();
        let mut cadre = "KG-0123".to_owned();
        edit(&mut c, &mut t, &mut cadre);
        assert_eq!(&verify(&c, &t, &cadre, 2027, &dir), expected, "{name}");
    }
    // Keys: revoked before the confirmation, revoked after it, another unit's officer.
    let cases = [
        (
            confirmation("dev-h1-old", OFFICER, 3),
            Err(Rejection::KeyRevoked),
        ),
        (confirmation("dev-h1-late", OFFICER, 4), Ok(())),
        (
            confirmation("dev-h2", OTHER_OFFICER, 2),
            Err(Rejection::NotAnOfficerOfTheUnit(OTHER_OFFICER.into())),
        ),
        (
            confirmation("dev-h2", OFFICER, 2),
            Err(Rejection::DeviceOfAnother(OFFICER.into())),
        ),
    ];
    for (c, expected) in cases {
        assert_eq!(
            verify(&c, &trip(), "KG-0123", 2027, &dir),
            expected,
            "{}",
            c.device
        );
    }
}

#[test]
fn encodings_round_trip() {
    let c = confirmation("dev-h1", OFFICER, 1);
    assert_eq!(c.confirmed_at % 60_000, 0, "whole minutes");
    assert_eq!(Confirmation::decode(&c.encode()), Ok(c.clone()));
    assert_eq!(Claim::decode(&claim().encode()), Ok(claim()));
    let text = code::qr_text(code::CONFIRMATION_PREFIX, &c.encode());
    assert!(
        text.bytes()
            .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b))
    );
    assert_eq!(
        code::from_qr_text(code::CONFIRMATION_PREFIX, &text).as_deref(),
        Some(c.encode().as_slice())
    );
    assert_eq!(
        Confirmation::decode(b"dicoso-claim-v1\0"),
        Err(DecodeError::Tag)
    );
    let mut truncated = c.encode();
    truncated.truncate(40);
    assert!(Confirmation::decode(&truncated).is_err());
}

/// RFC 9285 §4.
#[test]
fn base45_matches_the_rfc() {
    for (bytes, text) in [
        (&b"AB"[..], "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"ietf!", "QED8WEX0"),
    ] {
        assert_eq!(base45_encode(bytes), text);
        assert_eq!(base45_decode(text).as_deref(), Some(bytes));
    }
    assert_eq!(base45_decode("GGW"), None, "above 65535");
}

/// Issue 11: the hand-typed code rebuilds the same confirmation (signed without its
/// remark), and a typo is caught and located.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn typed_codes_carry_the_confirmation_and_catch_typos() {
    let dir = directory();
    let mut unsigned = confirmation("dev-h1", OFFICER, 1).unsigned();
    unsigned.remark = String::new();
    let c = sign(unsigned, 1);
    let typed = TypedCode::of(&c, &dir).expect("code");
    let text = typed.encode();
    assert_eq!(TypedCode::parse(&text), Ok(typed.clone()));
    assert_eq!(
        TypedCode::parse(&text.to_lowercase().replace('-', " ")),
        Ok(typed.clone())
    );
    let rebuilt = typed.confirmation(&claim(), &dir).expect("device found");
    assert_eq!(rebuilt, c);
    assert_eq!(verify(&rebuilt, &trip(), "KG-0123", 2027, &dir), Ok(()));
    // One wrong character, then two swapped, in the third group.
    let mut chars: Vec<char> = text.chars().collect();
    let at = 2 * 7 + 1;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    let one_wrong: String = chars.iter().collect();
    assert_eq!(TypedCode::parse(&one_wrong), Err(TypedCodeError::Typo(3)));
    let mut chars: Vec<char> = text.chars().collect();
    if chars[at] != chars[at + 1] {
        chars.swap(at, at + 1);
        let swapped: String = chars.iter().collect();
        assert_eq!(TypedCode::parse(&swapped), Err(TypedCodeError::Typo(3)));
    }
    assert!(matches!(
        TypedCode::parse(&text[..text.len() - 7]),
        Err(TypedCodeError::Length { .. })
    ));
    assert_eq!(fingerprint("not base64!"), None);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn withdrawals_are_signed_by_an_officer_of_the_unit() {
    let dir = directory();
    let c = confirmation("dev-h1", OFFICER, 1);
    let bytes = Withdrawal::signed_bytes(
        &c.id(),
        "Nhầm ngày",
        CONFIRMED + 3_600_000,
        OFFICER,
        "dev-h1",
    );
    let w = Withdrawal {
        confirmation: c.id(),
        reason: "Nhầm ngày".into(),
        withdrawn_at: CONFIRMED + 3_600_000,
        officer: OFFICER.into(),
        device: "dev-h1".into(),
        signature: key(1).sign(&bytes).to_bytes(),
    };
    assert_eq!(verify_withdrawal(&w, &c, &dir), Ok(()));
    let mut forged = w.clone();
    forged.reason = "Khác".into();
    assert_eq!(
        verify_withdrawal(&forged, &c, &dir),
        Err(Rejection::BadSignature)
    );
}

/// The published test vectors of `docs/confirmation-format.md`: a fixed key and claim give
/// these exact bytes and signature (Ed25519 is deterministic).
#[test]
fn test_vectors() {
    let c = confirmation("dev-h1", OFFICER, 1);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let vectors = format!(
        "public key: {}\nsigned bytes ({} bytes): {}\nsignature: {}\nQR text ({} chars): {}\ntyped code ({} chars): {}",
        device("dev-h1", OFFICER, 1, None).public_key,
        c.unsigned().signed_bytes().len(),
        hex(&c.unsigned().signed_bytes()),
        hex(&c.signature),
        code::qr_text(code::CONFIRMATION_PREFIX, &c.encode()).len(),
        code::qr_text(code::CONFIRMATION_PREFIX, &c.encode()),
        TypedCode::of(&c, &directory())
            .expect("code")
            .encode()
            .len(),
        TypedCode::of(&c, &directory()).expect("code").encode(),
    );
    expect_test::expect![[r#"
        public key: iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w
        signed bytes (206 bytes): 6469636f736f2d636f6e6669726d6174696f6e2d763100074b472d30313233114e677579e1bb856e205468e1bb8b20416e02743104323032371078612d76696e682d686f612d686965700a323032372d30332d30320a323032372d30332d303603332e32002044e1bbb12073696e6820686fe1baa1742063686920c4916fc3a06e20e1baa57003746f7426c490e1bb936e67206368c3ad206cc3a06d207669e1bb8763206e6869e1bb87742074c3ac6e680d31383030303030303030303030074b472d48303031066465762d6831
        signature: 0fac0a50367278f6787b0e143a2abcd8451685989432b8642456ac27da039362144faa7213f0c8db99e3de25742a5b23308f4bf21fe38223fc8d5c458352dc0f
        QR text (412 chars): DCS1XN:AVCUPCVQE9X5-3ER.C/KEIEC EDZ-DH.E700BN93W5*96NK61-9D%E7OS3*G-34TBD-VNM34$+D0VE*N0846B/6$9FSX5ZEDT7D59D$CC:8D3$C0D1846+/69463W5UE6NF6UF63W56L6C469I0 $5W00%V8YWNR44ZEDG7D59D6OSMIKB44:8DI64GHI+WOM-D6OS7-KTJ024EO+49EI4WN3/DB44:AD+*LXXDTCKU44FHD$VN-NC4/DFHD$VNSUEBYE.ZL.6D0A6646646646646646A36BN9RW5646+866VCD.EX7D7:1UD1X*66DFIAF4Z1+F7E*N1X80+G3XI:DNWQ4GYLBPRKSIOP2TOLJN2THPKKJY3S%UELNBB662R9I14FKGX-V-TB3RG+ R
        typed code (167 chars): 000WKX-GW06HT-TGZ60P-FNG55X-0DKJFW-3V7GY4-RE2GXJ-2NF6RJ-8MB8B8-64M6AD-W68924-PNGKXF-M0WKCK-8A4ZAB-KJ2FR3-CHPWSV-WFF2A4-X1ABCD-HK13TG-BY8FYG-70H3ZD-J6NRHF-C3ABEA-0Y0002"#]].assert_eq(&vectors);
}

/// Issue 11: what the cadre scans, pastes or types, and what the host scans, is read or
/// refused with a sentence that says what it is.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn what_is_scanned_or_typed_is_read() {
    use super::code::{
        CLAIM_PREFIX, CONFIRMATION_PREFIX, ReadError, qr_text, read_claim, read_confirmation,
    };
    let dir = directory();
    let unsigned = Unsigned {
        remark: String::new(),
        ..confirmation("dev-h1", OFFICER, 1).unsigned()
    };
    let c = sign(unsigned, 1);
    let qr = qr_text(CONFIRMATION_PREFIX, &c.encode());
    let typed = TypedCode::of(&c, &dir).expect("code").encode();
    let claim_qr = qr_text(CLAIM_PREFIX, &claim().encode());
    let claim = claim();
    type Row<'a> = (&'a str, &'a str, Option<&'a Claim>, Result<(), ReadError>);
    let rows: &[Row<'_>] = &[
        ("the QR text", &qr, None, Ok(())),
        (
            "the QR text with spaces around",
            &format!("  {qr}\n"),
            None,
            Ok(()),
        ),
        (
            "the typed code, on the phone that made the claim",
            &typed,
            Some(&claim),
            Ok(()),
        ),
        (
            "the typed code, lower case",
            &typed.to_lowercase(),
            Some(&claim),
            Ok(()),
        ),
        (
            "the typed code without the claim",
            &typed,
            None,
            Err(ReadError::NoClaim),
        ),
        ("nothing", "  ", None, Err(ReadError::Empty)),
        (
            "the claim instead",
            &claim_qr,
            None,
            Err(ReadError::ClaimNotConfirmation),
        ),
        (
            "a cut QR text",
            &qr[..qr.len() - 30],
            None,
            Err(ReadError::Base45),
        ),
    ];
    for (what, text, claim, expected) in rows {
        let got = read_confirmation(text, *claim, Some(&dir)).map(|read| {
            assert_eq!(read, c, "{what}");
        });
        match (&got, expected) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(x)) if e == x => {}
            (Err(ReadError::Base45 | ReadError::Decode(_)), Err(ReadError::Base45)) => {}
            _ => panic!("{what}: got {got:?}, expected {expected:?}"),
        }
    }
    assert_eq!(read_claim(&claim_qr), Ok(claim.clone()));
    assert_eq!(read_claim(&qr), Err(ReadError::ConfirmationNotClaim));
    assert_eq!(read_claim("https://example.com"), Err(ReadError::NotAClaim));
}

/// Issue 11: a request link carries the claim to the host page, whatever a messaging app
/// does to the fragment's special characters.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn request_links_carry_the_claim() {
    use super::code::{CLAIM_PREFIX, claim_from_fragment, claim_link, qr_text, read_claim};
    let text = qr_text(CLAIM_PREFIX, &claim().encode());
    assert!(text.contains(' ') || text.contains('%') || text.contains(':'));
    let link = claim_link("https://dicoso.example.vn/", &text);
    let (page, fragment) = link.split_once('#').expect("a fragment");
    assert_eq!(page, "https://dicoso.example.vn/xac-nhan");
    assert!(!fragment.contains(' '), "{fragment}");
    let rows: &[(&str, String)] = &[
        ("as sent", format!("#{fragment}")),
        ("without the #", fragment.to_owned()),
        (
            "every colon re-encoded",
            format!("#{}", fragment.replacen(':', "%3A", 1)),
        ),
    ];
    for (what, hash) in rows {
        let back = claim_from_fragment(hash).unwrap_or_else(|| panic!("{what}"));
        assert_eq!(read_claim(&back), Ok(claim()), "{what}");
    }
    for (what, hash) in [
        ("another fragment", "#top"),
        ("empty", "#yc="),
        ("a cut escape", "#yc=DCS%2"),
    ] {
        assert_eq!(claim_from_fragment(hash), None, "{what}");
    }
}
