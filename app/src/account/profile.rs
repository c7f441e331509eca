//! A profile: one person enrolled on this device, with their own database of documents.
//! Several people may share a phone; each has a profile, and switching to another's asks
//! for that person's PIN.

use super::wire::{Credentials, EnrolAnswer, PersonRef, ProvinceRef};
use serde::{Deserialize, Serialize};
use shared::doc::CadreCode;

/// The database a device kept before accounts existed, with the cadre code in its `meta`
/// store. It becomes the profile database of the person with that code when they enrol.
pub const LEGACY_DATABASE: &str = "dicoso";

/// The database of a person's documents on this device when no older one is theirs.
pub fn database_for(code: &str) -> String {
    format!("dicoso-{}", code.to_uppercase())
}

/// A PIN as a salted PBKDF2-SHA-256 hash (base64url fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinHash {
    pub salt: String,
    pub hash: String,
    pub iterations: u32,
}

/// What a profile keeps, apart from its key pair (kept beside it as `CryptoKey`s, which
/// IndexedDB stores by structured clone and never as bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileData {
    pub person: PersonRef,
    pub province: ProvinceRef,
    /// The IndexedDB database holding this person's documents.
    pub database: String,
    pub device_id: String,
    pub token: String,
    /// When the token stops working (ms since the epoch).
    pub expires_at: i64,
    /// The device's Ed25519 public key, base64url.
    pub public_key: String,
    /// Automerge actors (hex) registered for this profile; the last one writes.
    pub actors: Vec<String>,
    /// The username typed at enrolment, if any: a later login with it is the same person.
    #[serde(default)]
    pub username: Option<String>,
    pub pin: PinHash,
    pub enrolled_at: i64,
}

impl ProfileData {
    pub fn code(&self) -> &str {
        &self.person.code
    }

    /// Builds the profile from the server's answer.
    pub fn from_answer(
        answer: EnrolAnswer,
        database: String,
        public_key: String,
        actors: Vec<String>,
        username: Option<String>,
        pin: PinHash,
        now: i64,
    ) -> ProfileData {
        ProfileData {
            person: answer.person,
            province: answer.province,
            database,
            device_id: answer.device_id,
            token: answer.token,
            expires_at: answer.expires_at,
            public_key,
            actors,
            username,
            pin,
            enrolled_at: now,
        }
    }

    /// Whether this profile is the one a login with `username` would be.
    pub fn answers_to(&self, username: &str) -> bool {
        let typed = username.trim();
        self.username
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(typed))
            || self.person.code.eq_ignore_ascii_case(typed)
    }

    pub fn info(&self) -> ProfileInfo {
        ProfileInfo {
            code: self.person.code.clone(),
            name: self.person.name.clone(),
            province: self.province.name.clone(),
            admin: self.person.is_admin(),
            expires_at: self.expires_at,
        }
    }
}

/// What the pages may know of a profile: nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub code: String,
    pub name: String,
    pub province: String,
    pub admin: bool,
    pub expires_at: i64,
}

/// The database kept from before accounts, if it is there and no profile has taken it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legacy {
    /// The cadre code typed on the device then (`None`: never typed).
    pub cadre: Option<String>,
    /// Its Automerge actor (hex), which wrote its changes.
    pub actor: Option<String>,
}

/// What the login form gathered.
#[derive(Debug, Clone)]
pub struct EnrolForm {
    pub credentials: Credentials,
    pub pin: String,
    pub pin_again: String,
    /// The person says the documents kept on this device before accounts are theirs.
    pub claim_legacy: bool,
}

/// Whether the pre-account database is this person's to take: its code is theirs, or it
/// never had one (then it holds no one's documents, only perhaps the oldest trips).
pub fn legacy_is_theirs(legacy: Option<&Legacy>, code: &str) -> bool {
    legacy.is_some_and(|l| {
        l.cadre
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(code))
    })
}

/// Whether to register the pre-account database's actor with this enrolment. The person
/// is only known from the server's answer, and the actor must be in the signed request;
/// so it is sent when the username is that cadre code or the person says the data is
/// theirs. (A false claim would register another cadre's actor to this person: the
/// claim is the person's word; the server refuses an actor already registered to anyone.)
pub fn send_legacy_actor(legacy: Option<&Legacy>, form: &EnrolForm) -> bool {
    let Some(cadre) = legacy.and_then(|l| l.cadre.as_deref()) else {
        return false;
    };
    let typed_is_code = match &form.credentials {
        Credentials::Password { username, .. } => {
            CadreCode::parse(username).is_ok_and(|typed| typed.as_str().eq_ignore_ascii_case(cadre))
        }
        Credentials::Code(_) => false,
    };
    typed_is_code || form.claim_legacy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(credentials: Credentials, claim_legacy: bool) -> EnrolForm {
        EnrolForm {
            credentials,
            pin: "1234".into(),
            pin_again: "1234".into(),
            claim_legacy,
        }
    }

    #[test]
    fn the_old_database_goes_to_its_cadre_and_its_actor_only_when_they_say_so() {
        let legacy = Legacy {
            cadre: Some("KG-0123".into()),
            actor: Some("ab".into()),
        };
        let password = |u: &str| Credentials::Password {
            username: u.into(),
            password: "x".into(),
        };
        let code = Credentials::Code("AB12".into());
        let rows = [
            (form(password("kg-0123"), false), true),
            (form(password("KG-0124"), false), false),
            (form(password("lethib"), true), true),
            (form(code.clone(), false), false),
            (form(code.clone(), true), true),
        ];
        for (f, expected) in rows {
            assert_eq!(
                send_legacy_actor(Some(&legacy), &f),
                expected,
                "{:?}",
                f.credentials
            );
        }
        assert!(!send_legacy_actor(None, &form(code, true)));
        assert!(legacy_is_theirs(Some(&legacy), "kg-0123"));
        assert!(!legacy_is_theirs(Some(&legacy), "KG-0124"));
        let no_code = Legacy {
            cadre: None,
            actor: None,
        };
        assert!(legacy_is_theirs(Some(&no_code), "KG-0124"));
        assert!(!legacy_is_theirs(None, "KG-0124"));
    }

    #[test]
    fn a_persons_database_is_named_by_their_code() {
        assert_eq!(database_for("kg-0123"), "dicoso-KG-0123");
        assert_ne!(database_for("KG-0123"), LEGACY_DATABASE);
    }

    #[test]
    fn a_profile_answers_to_its_username_or_its_code() {
        let profile = ProfileData {
            person: PersonRef {
                code: "KG-0123".into(),
                name: "Lê Thị B".into(),
                unit: "tinh".into(),
                department: None,
                job: "can-bo".into(),
                roles: vec![],
            },
            province: ProvinceRef {
                code: "KG".into(),
                name: "Kiên Giang".into(),
            },
            database: database_for("KG-0123"),
            device_id: "d".into(),
            token: "t".into(),
            expires_at: 0,
            public_key: "k".into(),
            actors: vec![],
            username: Some("lethib".into()),
            pin: PinHash {
                salt: String::new(),
                hash: String::new(),
                iterations: 1,
            },
            enrolled_at: 0,
        };
        for (typed, expected) in [
            ("lethib", true),
            (" LeThiB ", true),
            ("kg-0123", true),
            ("KG-0124", false),
            ("", false),
        ] {
            assert_eq!(profile.answers_to(typed), expected, "{typed:?}");
        }
    }
}
