use super::*;

/// Issue 4: reconnecting backs off from 1 s, doubling, to at most a minute, and the
/// jitter keeps each wait between half and all of the full one.
#[test]
fn retry_delays_double_up_to_a_minute() {
    let rows: &[(u32, f64, f64)] = &[
        (0, 1.0, 1_000.0),
        (0, 0.0, 500.0),
        (1, 1.0, 2_000.0),
        (3, 1.0, 8_000.0),
        (5, 1.0, 32_000.0),
        (6, 1.0, 60_000.0),
        (6, 0.0, 30_000.0),
        (40, 1.0, 60_000.0),
        (u32::MAX, 0.5, 45_000.0),
        // Jitter outside [0, 1] is clamped, never a negative or overlong wait.
        (2, -3.0, 2_000.0),
        (2, 7.0, 4_000.0),
    ];
    for &(attempt, jitter, expected) in rows {
        assert_eq!(
            retry_delay_ms(attempt, jitter),
            expected,
            "{attempt}, {jitter}"
        );
    }
}

/// Issue 8: the server's refusal names the document, which is then offered no more.
#[test]
fn a_refusal_names_the_refused_document() {
    use shared::sync::ProtocolError;
    let id = shared::doc::DossierKey {
        cadre: shared::doc::CadreCode::parse("KG-0123").expect("code"),
        year: 2026,
    }
    .document_id();
    let rows = [
        (
            format!("Máy chủ từ chối thay đổi ở tài liệu {id}: chỉ đọc"),
            Some(id),
        ),
        (
            format!("Máy chủ từ chối thay đổi ở tài liệu automerge:{id}: chỉ đọc"),
            Some(id),
        ),
        (
            "Máy chủ từ chối thay đổi ở tài liệu ???: x".to_owned(),
            None,
        ),
        ("unsupported protocol version".to_owned(), None),
    ];
    for (message, expected) in rows {
        assert_eq!(
            refused_document(&ProtocolError::Remote(message.clone())),
            expected,
            "{message}"
        );
    }
    assert_eq!(refused_document(&ProtocolError::UnsupportedVersion), None);
}

#[test]
fn sync_times_show_in_the_devices_time_zone() {
    // 2026-11-23 07:05 UTC; Vietnam is UTC+7, which JS reports as offset -420.
    let ms = 1_795_417_500_000.0;
    assert_eq!(fmt_time(-420, ms), "14:05 23/11/2026");
    assert_eq!(fmt_time(0, ms), "07:05 23/11/2026");
}
