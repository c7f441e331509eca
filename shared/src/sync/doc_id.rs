//! Document ids as automerge-repo spells them: 16 bytes (a UUID), written as bs58check.

use std::fmt;
use std::str::FromStr;

/// The prefix of an Automerge URL (`automerge:<bs58check id>`).
pub const URL_PREFIX: &str = "automerge:";

/// 16 bytes + 4 checksum bytes never need more than 28 base58 digits; anything longer is
/// refused before decoding (base58 decoding is quadratic in the input length).
const MAX_ENCODED_LEN: usize = 32;

/// The id of an Automerge document: 16 bytes, exchanged as a bs58check string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("document id is too long ({0} characters)")]
    TooLong(usize),
    #[error("document id is not valid bs58check")]
    NotBase58Check,
    #[error("document id has {0} bytes, expected 16")]
    WrongLength(usize),
    #[error("not an Automerge URL (expected `automerge:<id>`)")]
    NotAnAutomergeUrl,
}

impl DocumentId {
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// `automerge:<id>`, the form stock automerge-repo peers link documents by.
    pub fn to_url(&self) -> String {
        format!("{URL_PREFIX}{self}")
    }

    /// Parses `automerge:<id>`. Heads (`#…`) and sub-paths (`/…`) are refused: we only
    /// link whole documents at their latest state.
    pub fn parse_url(url: &str) -> Result<Self, DocumentIdError> {
        let id = url
            .strip_prefix(URL_PREFIX)
            .ok_or(DocumentIdError::NotAnAutomergeUrl)?;
        if id.contains(['/', '#']) {
            return Err(DocumentIdError::NotAnAutomergeUrl);
        }
        id.parse()
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_ENCODED_LEN {
            return Err(DocumentIdError::TooLong(s.len()));
        }
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::NotBase58Check)?;
        let bytes: [u8; 16] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| DocumentIdError::WrongLength(bytes.len()))?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings produced by npm `bs58check.encode` (the library automerge-repo uses).
    const JS_FIXTURES: [([u8; 16], &str); 2] = [
        ([0; 16], "11111111111111114Ki9Gx"),
        (
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
            "1Bhh3pU9gLXZiNDL6PEa1Gs9fh",
        ),
    ];

    #[test]
    fn encodes_and_parses_like_bs58check_in_js() {
        for (bytes, text) in JS_FIXTURES {
            let id = DocumentId::from_bytes(bytes);
            assert_eq!(id.to_string(), text);
            assert_eq!(text.parse::<DocumentId>(), Ok(id));
        }
    }

    #[test]
    fn url_round_trips() {
        let id = DocumentId::from_bytes([7; 16]);
        let url = id.to_url();
        assert!(url.starts_with("automerge:"));
        assert_eq!(DocumentId::parse_url(&url), Ok(id));
    }

    #[test]
    fn refuses_bad_ids() {
        let four_bytes = bs58::encode([1u8, 2, 3, 4]).with_check().into_string();
        let too_long = "1".repeat(100);
        let cases = [
            // Last character changed: the checksum no longer matches.
            ("11111111111111114Ki9Gy", DocumentIdError::NotBase58Check),
            ("0OIl", DocumentIdError::NotBase58Check),
            ("", DocumentIdError::NotBase58Check),
            // Valid bs58check, but of 4 bytes.
            (four_bytes.as_str(), DocumentIdError::WrongLength(4)),
            (too_long.as_str(), DocumentIdError::TooLong(100)),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<DocumentId>(), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn refuses_bad_urls() {
        let id = DocumentId::from_bytes([7; 16]);
        for url in [
            id.to_string(),
            format!("automerge:{id}#abc"),
            format!("automerge:{id}/path"),
            format!("http:{id}"),
        ] {
            assert!(DocumentId::parse_url(&url).is_err(), "{url}");
        }
    }
}
