//! Tokens, enrolment codes, passwords and device signatures: how each is made, stored
//! (hashed) and checked. Nothing here is ever logged.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The randomness source failed (the OS refused): nothing secret can be made.
#[derive(Debug, thiserror::Error)]
#[error("máy chủ không tạo được số ngẫu nhiên: {0}")]
pub struct RandomError(String);

fn random<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// `len` symbols drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
fn random_text(alphabet: &[u8], len: usize) -> Result<String, RandomError> {
    let n = alphabet.len();
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random::<32>()? {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % n] as char);
            }
        }
    }
    Ok(out)
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding into exactly `N` bytes.
pub fn b64url_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A device token: 32 random bytes, base64url without padding (43 characters, valid in
/// a WebSocket subprotocol name).
pub fn new_token() -> Result<String, RandomError> {
    Ok(b64url(&random::<32>()?))
}

/// What the server keeps of a token: looking a token up by this hash needs no
/// constant-time comparison.
pub fn token_hash(token: &str) -> [u8; 32] {
    sha256(token.as_bytes())
}

/// Is `text` shaped like a token (base64url, bounded)? Anything else is not looked up.
pub fn plausible_token(text: &str) -> bool {
    (16..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A device id: 8 random bytes in hex, short enough to type in `dicoso admin revoke`.
pub fn new_device_id() -> Result<String, RandomError> {
    Ok(random::<8>()?.iter().map(|b| format!("{b:02x}")).collect())
}

/// Crockford's base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_SYMBOLS: usize = 12;

/// An enrolment code: 12 symbols (60 bits), shown as `ABCD-EFGH-JKMN`.
pub fn new_enrolment_code() -> Result<String, RandomError> {
    let raw = random_text(CODE_ALPHABET, CODE_SYMBOLS)?;
    Ok(format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]))
}

/// The code as stored: upper case, without dashes or spaces, with the letters people
/// confuse mapped as Crockford says (O → 0, I and L → 1). `None` if it cannot be a code.
pub fn normalise_code(text: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_SYMBOLS);
    for c in text.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CODE_ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_SYMBOLS).then_some(out)
}

pub fn code_hash(normalised: &str) -> [u8; 32] {
    sha256(normalised.as_bytes())
}

/// A generated password: 12 lower-case letters and digits without look-alikes (about 60
/// bits), in groups of four.
pub fn new_password() -> Result<String, RandomError> {
    let raw = random_text(b"abcdefghjkmnpqrstuvwxyz23456789", 12)?;
    Ok(format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]))
}

/// Shortest and longest password a person may choose.
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;

#[derive(Debug, thiserror::Error)]
#[error("không băm được mật khẩu: {0}")]
pub struct HashError(String);

/// An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a random salt: the
/// crate's defaults, OWASP's minimum for argon2id.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Does `password` match the stored PHC string? A malformed string matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the time a real check would, so an unknown username answers as slowly as a
/// wrong password.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash_password("dicoso-dummy").ok()) {
        let _ = verify_password(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_survive_how_people_type_them() {
        let code = new_enrolment_code().expect("random");
        assert_eq!(code.len(), 14);
        let plain = normalise_code(&code).expect("own code");
        for typed in [code.to_lowercase(), code.replace('-', " "), plain.clone()] {
            assert_eq!(normalise_code(&typed).as_deref(), Some(plain.as_str()));
        }
        assert_eq!(
            normalise_code("abco-il00-0000").as_deref(),
            Some("ABC011000000")
        );
        assert_eq!(normalise_code("ABCD-EFGH-JKM"), None);
        assert_eq!(normalise_code("ABCD-EFGH-JKMU"), None);
        assert_eq!(normalise_code("ABCD-EFGH-JKMĐ"), None);
    }

    #[test]
    fn tokens_are_base64url_of_32_bytes() {
        let token = new_token().expect("random");
        assert_eq!(token.len(), 43);
        assert!(plausible_token(&token));
        assert_eq!(b64url_array::<32>(&token).map(|b| b.len()), Some(32));
        assert!(!plausible_token("a b"));
        assert_ne!(new_token().expect("random"), token);
    }

    #[test]
    fn passwords_hash_to_argon2id_phc() {
        let phc = hash_password("mật khẩu dài").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify_password("mật khẩu dài", &phc));
        assert!(!verify_password("mật khẩu sai", &phc));
        assert!(!verify_password("mật khẩu dài", "not a phc string"));
    }
}
