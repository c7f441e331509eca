//! The codes and ids that name documents: cadre codes, province codes, unit and
//! department ids.

/// Longest cadre code accepted.
pub const MAX_CADRE_CODE_CHARS: usize = 40;

/// Mã cán bộ: the code the provincial Youth Union gives a cadre, e.g. `KG-0123`, unique in
/// a deployment. It names the cadre's documents. Stored upper-case, so `kg-0123` and
/// `KG-0123` are one cadre.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CadreCode(String);

/// Why a typed cadre code was refused. Messages are for the cadre, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadreCodeError {
    #[error("Chưa nhập mã cán bộ.")]
    Missing,
    #[error("Mã cán bộ quá dài (tối đa {0} ký tự).")]
    TooLong(usize),
    #[error(
        "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . ({} không hợp lệ).",
        name_char(*.0)
    )]
    BadCharacter(char),
}

/// A character as a person would name it in an error: spaces are invisible in quotes.
fn name_char(c: char) -> String {
    if c.is_whitespace() {
        "có dấu cách".to_owned()
    } else {
        format!("có ký tự “{c}”")
    }
}

impl CadreCode {
    pub fn parse(text: &str) -> Result<CadreCode, CadreCodeError> {
        let code = text.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(CadreCodeError::Missing);
        }
        if let Some(bad) = code
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(CadreCodeError::BadCharacter(bad));
        }
        if code.chars().count() > MAX_CADRE_CODE_CHARS {
            return Err(CadreCodeError::TooLong(MAX_CADRE_CODE_CHARS));
        }
        Ok(CadreCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CadreCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A province code: 1 to 8 upper-case ASCII letters or digits (`KG`, `TN`).
pub fn valid_province(code: &str) -> bool {
    (1..=8).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A unit or department id: 1 to 64 ASCII letters, digits and `- _ .`.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadre_code_table() {
        use CadreCodeError::*;
        let rows: &[(&str, Result<&str, CadreCodeError>)] = &[
            ("KG-0123", Ok("KG-0123")),
            ("  kg-0123 ", Ok("KG-0123")),
            ("tn_2018.07", Ok("TN_2018.07")),
            ("", Err(Missing)),
            ("   ", Err(Missing)),
            ("KG 0123", Err(BadCharacter(' '))),
            ("Nguyễn", Err(BadCharacter('ễ'))),
            ("KG/0123", Err(BadCharacter('/'))),
            (&"A".repeat(41), Err(TooLong(40))),
        ];
        assert_eq!(
            BadCharacter(' ').to_string(),
            "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . (có dấu cách không hợp lệ)."
        );
        assert_eq!(
            BadCharacter('/').to_string(),
            "Mã cán bộ chỉ gồm chữ không dấu, chữ số và các dấu - _ . (có ký tự “/” không hợp lệ)."
        );
        for (text, expected) in rows {
            let got = CadreCode::parse(text);
            assert_eq!(
                got.as_ref().map(CadreCode::as_str),
                expected.as_ref().map(|s| *s),
                "{text:?}"
            );
        }
    }

    #[test]
    fn province_codes_and_ids() {
        for (code, ok) in [("KG", true), ("TN1", true), ("kg", false), ("", false)] {
            assert_eq!(valid_province(code), ok, "{code}");
        }
        for (id, ok) in [
            ("xa-vinh-hoa", true),
            ("BTC", true),
            ("a/b", false),
            ("", false),
            ("Đoàn", false),
        ] {
            assert_eq!(valid_id(id), ok, "{id}");
        }
    }
}
