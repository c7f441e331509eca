//! Enrolment (đăng ký thiết bị): a device proves it holds its Ed25519 key, names a
//! credential (username and password, or a one-time code), and gets a device token.
//! The request and its signature are specified in `docs/access.md`.

use super::import::clean_name;
use super::secrets;
use super::{DirectoryError, DirectoryService, TOKEN_LIFETIME_MS, db};
use rusqlite::{OptionalExtension, Transaction, params};
use shared::directory::{Province, Role};
use std::net::IpAddr;

/// `POST /api/enrol`: either `username` and `password`, or `code`. Parsed and its
/// signature checked by `shared::auth` (the code the `auth` fuzz target exercises); its
/// `Debug` hides the password.
pub use shared::auth::EnrolRequest;

/// The person a device was enrolled for, as the app shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnrolledPerson {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub department: Option<String>,
    pub job: String,
    pub roles: Vec<Role>,
}

/// The answer to an enrolment: the token is shown once and never stored in clear.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Enrolled {
    pub device_id: String,
    pub token: String,
    pub expires_at: i64,
    pub person: EnrolledPerson,
    pub province: Province,
}

/// Most actors one enrolment may register.
const MAX_ACTORS: usize = 16;
const MAX_LABEL_CHARS: usize = 80;

/// What the request proves about the device, once its signature checked out.
struct Proof {
    public_key: [u8; 32],
    actors: Vec<String>,
    label: String,
}

fn invalid(text: &str) -> DirectoryError {
    DirectoryError::Invalid(text.to_owned())
}

/// An actor id as stored: lower-case hex of 1 to 64 bytes.
fn actor_hex(text: &str) -> Option<String> {
    let hex = text.trim().to_ascii_lowercase();
    let ok = (2..=128).contains(&hex.len())
        && hex.len().is_multiple_of(2)
        && hex.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then_some(hex)
}

impl Proof {
    /// Checks the key, actors, label, clock and signature (`docs/access.md`).
    fn check(req: &EnrolRequest, now: i64) -> Result<Proof, DirectoryError> {
        use shared::auth::EnrolError;
        let public_key = req.verify(now).map_err(|e| match e {
            EnrolError::BadKey => {
                invalid("Khóa công khai của thiết bị không hợp lệ (cần 32 byte, base64url).")
            }
            EnrolError::BadSignature => DirectoryError::BadSignature,
            EnrolError::ClockSkew => DirectoryError::ClockSkew,
            EnrolError::TooManyActors => {
                invalid("Quá nhiều tác nhân Automerge trong một lần đăng ký.")
            }
            EnrolError::BadActor(_) => {
                invalid("Mã tác nhân Automerge phải là chuỗi hex (1 đến 64 byte).")
            }
            EnrolError::NoCredential => {
                invalid("Cần tên đăng nhập và mật khẩu, hoặc mã đăng ký (không cả hai).")
            }
            EnrolError::Malformed(m) => DirectoryError::Invalid(m),
        })?;
        if req.actors.len() > MAX_ACTORS {
            return Err(invalid(
                "Quá nhiều tác nhân Automerge trong một lần đăng ký.",
            ));
        }
        let mut actors = Vec::new();
        for a in &req.actors {
            let hex = actor_hex(a).ok_or_else(|| {
                invalid("Mã tác nhân Automerge phải là chuỗi hex (1 đến 64 byte).")
            })?;
            if !actors.contains(&hex) {
                actors.push(hex);
            }
        }
        let label = clean_name(&req.label);
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(invalid("Tên thiết bị dài quá 80 ký tự."));
        }
        Ok(Proof {
            public_key,
            actors,
            label: if label.is_empty() {
                "Thiết bị".into()
            } else {
                label
            },
        })
    }
}

/// The credential of an enrolment.
enum Credential {
    Password { username: String, password: String },
    Code { hash: [u8; 32] },
}

impl Credential {
    /// The credential of a request. A credential that cannot be right (a malformed
    /// username or code) is a wrong one, counted as such.
    fn of(req: &EnrolRequest) -> Result<Result<Credential, DirectoryError>, DirectoryError> {
        match (&req.username, &req.password, &req.code) {
            (Some(u), Some(p), None) => Ok(super::accounts::normalise_username(u)
                .map(|username| Credential::Password {
                    username,
                    password: p.clone(),
                })
                .map_err(|_| DirectoryError::BadCredentials)),
            (None, None, Some(code)) => Ok(secrets::normalise_code(code)
                .map(|n| Credential::Code {
                    hash: secrets::code_hash(&n),
                })
                .ok_or(DirectoryError::BadCode)),
            _ => Err(invalid(
                "Cần tên đăng nhập và mật khẩu, hoặc mã đăng ký (không cả hai).",
            )),
        }
    }
}

/// Whose device it will be: known once a password checked out; a code is spent inside
/// the enrolment's transaction, so two uses of it cannot both win.
enum Who {
    Person(String),
    Code([u8; 32]),
}

fn retry_after(wait_ms: i64) -> DirectoryError {
    DirectoryError::Throttled {
        retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1),
    }
}

impl DirectoryService {
    /// Enrols a device (`POST /api/enrol`): checks the rate limits, the device's proof,
    /// then the credential; registers the key and actors and returns a fresh token.
    pub async fn enrol(&self, req: EnrolRequest, addr: IpAddr) -> Result<Enrolled, DirectoryError> {
        let now = self.now();
        let credential = Credential::of(&req)?;
        let account = match &credential {
            Ok(Credential::Password { username, .. }) => Some(username.clone()),
            _ => None,
        };
        let wait = self.limiter().wait_ms(account.as_deref(), addr, now);
        if wait > 0 {
            tracing::warn!(%addr, "enrolment throttled");
            return Err(retry_after(wait));
        }
        let proof = Proof::check(&req, now)?;
        let result = match credential {
            Ok(credential) => match self.who(credential).await {
                Ok(who) => self.register(who, proof, now).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match &result {
            Err(DirectoryError::BadCredentials | DirectoryError::BadCode) => {
                self.limiter().failed(account.as_deref(), addr, now);
                tracing::warn!(%addr, "enrolment refused: wrong credentials");
            }
            Ok(enrolled) => {
                if let Some(account) = &account {
                    self.limiter().succeeded(account);
                }
                tracing::info!(
                    device = %enrolled.device_id,
                    person = %enrolled.person.code,
                    province = %enrolled.province.code,
                    "device enrolled"
                );
                self.refresh().await?;
            }
            Err(e) => tracing::info!(%addr, error = %e, "enrolment refused"),
        }
        result
    }

    /// Checks a password (argon2id, off the async runtime; an unknown username costs the
    /// same time). A code is checked later, in the transaction.
    async fn who(&self, credential: Credential) -> Result<Who, DirectoryError> {
        let (username, password) = match credential {
            Credential::Password { username, password } => (username, password),
            Credential::Code { hash } => return Ok(Who::Code(hash)),
        };
        let account: Option<(String, Option<String>)> = self
            .run(move |c| {
                Ok(c.query_row(
                    "SELECT person, password_hash FROM accounts WHERE username = ?1",
                    [&username],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
            })
            .await?;
        let (person, phc) = account.unzip();
        let phc = phc.flatten();
        let ok = tokio::task::spawn_blocking(move || match phc {
            Some(phc) => secrets::verify_password(&password, &phc),
            None => {
                secrets::verify_nothing(&password);
                false
            }
        })
        .await
        .unwrap_or(false);
        match person {
            Some(person) if ok => Ok(Who::Person(person)),
            _ => Err(DirectoryError::BadCredentials),
        }
    }

    /// Registers the device, in one transaction: nothing is kept if anything is refused.
    async fn register(&self, who: Who, proof: Proof, now: i64) -> Result<Enrolled, DirectoryError> {
        let token = secrets::new_token()?;
        let device_id = secrets::new_device_id()?;
        self.run(move |c| {
            let tx = c.transaction()?;
            let person = match who {
                Who::Person(p) => p,
                Who::Code(hash) => spend_code(&tx, &hash, now)?,
            };
            let (province, person) = enrollable(&tx, &person)?;
            claim_actors(&tx, &person.code, &proof.actors)?;
            let expires_at = now + TOKEN_LIFETIME_MS;
            tx.execute(
                "INSERT INTO devices (id, person, label, public_key, token_hash, enrolled_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    device_id,
                    person.code,
                    proof.label,
                    proof.public_key.to_vec(),
                    secrets::token_hash(&token).to_vec(),
                    now,
                    expires_at
                ],
            )?;
            // An actor of another device of the same person (the same browser enrolling
            // again) moves to the new device: one actor, one device.
            for actor in &proof.actors {
                tx.execute(
                    "INSERT INTO device_actors (actor, device) VALUES (?1, ?2)
                     ON CONFLICT (actor) DO UPDATE SET device = excluded.device",
                    params![actor, device_id],
                )?;
            }
            db::log(&tx, now, &province.code, "enrol", &device_id, &person.code)?;
            db::bump(&tx, &province.code)?;
            tx.commit()?;
            Ok(Enrolled {
                device_id,
                token,
                expires_at,
                person,
                province,
            })
        })
        .await
    }
}

/// Marks a one-time code used; refused if unknown, used or expired.
fn spend_code(tx: &Transaction<'_>, hash: &[u8; 32], now: i64) -> Result<String, DirectoryError> {
    let row: Option<(String, i64, Option<i64>)> = tx
        .query_row(
            "SELECT person, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
            [hash.to_vec()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((person, expires_at, None)) if now < expires_at => {
            tx.execute(
                "UPDATE enrolment_codes SET used_at = ?2 WHERE code_hash = ?1",
                params![hash.to_vec(), now],
            )?;
            Ok(person)
        }
        _ => Err(DirectoryError::BadCode),
    }
}

/// The person and province, if the person may enrol a device: still listed, and their
/// account (if any) not disabled.
fn enrollable(
    tx: &Transaction<'_>,
    code: &str,
) -> Result<(Province, EnrolledPerson), DirectoryError> {
    let gone = || DirectoryError::Inactive(code.to_owned());
    let (province, row) = db::person(tx, code)?.ok_or_else(gone)?;
    if !row.active {
        return Err(gone());
    }
    let disabled: Option<bool> = tx
        .query_row(
            "SELECT disabled_at IS NOT NULL FROM accounts WHERE person = ?1",
            [code],
            |r| r.get(0),
        )
        .optional()?;
    if disabled == Some(true) {
        return Err(DirectoryError::Disabled(code.to_owned()));
    }
    let name: String = tx.query_row(
        "SELECT name FROM provinces WHERE code = ?1",
        [&province],
        |r| r.get(0),
    )?;
    let p = row.person;
    Ok((
        Province {
            code: province,
            name,
        },
        EnrolledPerson {
            code: p.code,
            name: p.name,
            unit: p.unit,
            department: p.department,
            job: p.job,
            roles: p.roles,
        },
    ))
}

/// Refuses actors registered to another person's device.
fn claim_actors(
    tx: &Transaction<'_>,
    person: &str,
    actors: &[String],
) -> Result<(), DirectoryError> {
    for actor in actors {
        let owner: Option<String> = tx
            .query_row(
                "SELECT d.person FROM device_actors a JOIN devices d ON d.id = a.device
                 WHERE a.actor = ?1",
                [actor],
                |r| r.get(0),
            )
            .optional()?;
        if owner.is_some_and(|o| o != person) {
            return Err(DirectoryError::ActorTaken(actor.clone()));
        }
    }
    Ok(())
}
