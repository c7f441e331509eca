//! Accounts (tài khoản): a username and an argon2id password for a person, which an
//! admin creates, disables, enables and resets; and one-time enrolment codes.

use super::admin::{Scope, managed_person};
use super::secrets;
use super::{CODE_LIFETIME_MS, DirectoryError, DirectoryService, db};
use rusqlite::{OptionalExtension, params};

/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("tên đăng nhập “{0}” cần 3 đến 64 ký tự")]
    Length(String),
    #[error("tên đăng nhập “{0}” chỉ gồm chữ không dấu, chữ số và các dấu . _ - @")]
    Characters(String),
}

/// A username as stored and compared: trimmed, lower case, ASCII.
pub fn normalise_username(text: &str) -> Result<String, UsernameError> {
    let name = text.trim().to_ascii_lowercase();
    if !(3..=64).contains(&name.len()) {
        return Err(UsernameError::Length(name));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
    {
        return Err(UsernameError::Characters(name));
    }
    Ok(name)
}

fn check_password(password: &str) -> Result<(), DirectoryError> {
    let n = password.chars().count();
    if secrets::PASSWORD_CHARS.contains(&n) {
        Ok(())
    } else {
        Err(DirectoryError::Invalid(format!(
            "Mật khẩu cần từ {} đến {} ký tự.",
            secrets::PASSWORD_CHARS.start(),
            secrets::PASSWORD_CHARS.end()
        )))
    }
}

/// The password given, checked, or a generated one (returned once, to be handed over).
fn password_or_new(given: Option<String>) -> Result<(String, bool), DirectoryError> {
    match given {
        Some(p) => {
            check_password(&p)?;
            Ok((p, false))
        }
        None => Ok((secrets::new_password()?, true)),
    }
}

/// argon2id takes tens of milliseconds of CPU: off the async runtime.
async fn hash(password: String) -> Result<String, DirectoryError> {
    tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(|e| DirectoryError::Store(crate::store::StoreError::Worker(e.to_string())))?
        .map_err(DirectoryError::from)
}

/// A new account; `password` only if the server generated it (shown once).
#[derive(Clone, serde::Serialize)]
pub struct AccountCreated {
    pub person: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// An account's state after a change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountState {
    pub person: String,
    pub username: Option<String>,
    pub disabled: bool,
}

/// A new password; `password` only if the server generated it.
#[derive(Clone, serde::Serialize)]
pub struct PasswordReset {
    pub person: String,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A one-time enrolment code (mã đăng ký), valid [`CODE_LIFETIME_MS`].
#[derive(Clone, serde::Serialize)]
pub struct EnrolmentCode {
    pub person: String,
    pub code: String,
    /// The app's login page with the code filled in: `/dang-nhap#ma=<code>`. The code is
    /// in the fragment, which browsers never send to a server.
    pub url: String,
    pub expires_at: i64,
}

/// The login page's path with `code` filled in.
pub fn enrolment_path(code: &str) -> String {
    format!("/dang-nhap#ma={code}")
}

/// A QR code of `text` as SVG, for a phone's camera.
pub fn qr_svg(text: &str) -> Result<String, DirectoryError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| DirectoryError::Invalid(format!("Không tạo được mã QR: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

impl DirectoryService {
    /// Creates a person's account. Without a password one is generated and returned.
    pub async fn create_account(
        &self,
        scope: &Scope,
        person: &str,
        username: &str,
        password: Option<String>,
    ) -> Result<AccountCreated, DirectoryError> {
        let username = normalise_username(username)
            .map_err(|e| DirectoryError::Invalid(format!("{}.", capitalise(&e.to_string()))))?;
        let (password, generated) = password_or_new(password)?;
        let phc = hash(password.clone()).await?;
        let (scope, person, now) = (scope.clone(), person.to_owned(), self.now());
        let created = self
            .run(move |c| {
                let tx = c.transaction()?;
                let (province, row) = managed_person(&tx, &scope, &person)?;
                let code = row.person.code;
                let current: Option<Option<String>> = tx
                    .query_row(
                        "SELECT username FROM accounts WHERE person = ?1",
                        [&code],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(Some(existing)) = current {
                    return Err(DirectoryError::Conflict(format!(
                        "{code} đã có tài khoản “{existing}”: hãy đặt lại mật khẩu nếu cần."
                    )));
                }
                let owner: Option<String> = tx
                    .query_row(
                        "SELECT person FROM accounts WHERE username = ?1",
                        [&username],
                        |r| r.get(0),
                    )
                    .optional()?;
                if owner.is_some() {
                    return Err(DirectoryError::Conflict(format!(
                        "Tên đăng nhập “{username}” đã có người dùng."
                    )));
                }
                tx.execute(
                    "INSERT INTO accounts (person, username, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (person) DO UPDATE SET
                       username = excluded.username, password_hash = excluded.password_hash",
                    params![code, username, phc, now],
                )?;
                db::log(&tx, now, &province, "account-create", &code, scope.by())?;
                tx.commit()?;
                tracing::info!(person = %code, by = %scope.by(), "account created");
                Ok(AccountCreated {
                    person: code,
                    username,
                    password: generated.then_some(password),
                })
            })
            .await?;
        self.refresh().await?;
        Ok(created)
    }

    /// Disables (or enables) a person's account. Disabling revokes nothing: every
    /// device of the person is refused until it is enabled again.
    pub async fn set_account_disabled(
        &self,
        scope: &Scope,
        person: &str,
        disabled: bool,
    ) -> Result<AccountState, DirectoryError> {
        let (scope, person, now) = (scope.clone(), person.to_owned(), self.now());
        let state = self
            .run(move |c| {
                let tx = c.transaction()?;
                let (province, row) = managed_person(&tx, &scope, &person)?;
                let code = row.person.code;
                if disabled && matches!(&scope, Scope::Admin { person, .. } if *person == code) {
                    return Err(DirectoryError::Conflict(
                        "Không thể tự khóa tài khoản của mình.".into(),
                    ));
                }
                // A person who enrols only with codes gets an account row to hold the flag.
                tx.execute(
                    "INSERT INTO accounts (person, created_at) VALUES (?1, ?2)
                     ON CONFLICT (person) DO NOTHING",
                    params![code, now],
                )?;
                tx.execute(
                    "UPDATE accounts SET disabled_at = ?2 WHERE person = ?1",
                    params![code, disabled.then_some(now)],
                )?;
                let kind = if disabled {
                    "account-disable"
                } else {
                    "account-enable"
                };
                db::log(&tx, now, &province, kind, &code, scope.by())?;
                let username: Option<String> = tx.query_row(
                    "SELECT username FROM accounts WHERE person = ?1",
                    [&code],
                    |r| r.get(0),
                )?;
                tx.commit()?;
                tracing::info!(person = %code, by = %scope.by(), disabled, "account state changed");
                Ok(AccountState {
                    person: code,
                    username,
                    disabled,
                })
            })
            .await?;
        self.refresh().await?;
        Ok(state)
    }

    /// Sets a new password (generated if none is given). Devices keep working; the
    /// account's failed-login count is cleared.
    pub async fn reset_password(
        &self,
        scope: &Scope,
        person: &str,
        password: Option<String>,
    ) -> Result<PasswordReset, DirectoryError> {
        let (password, generated) = password_or_new(password)?;
        let phc = hash(password.clone()).await?;
        let (scope, person, now) = (scope.clone(), person.to_owned(), self.now());
        let reset = self
            .run(move |c| {
                let tx = c.transaction()?;
                let (province, row) = managed_person(&tx, &scope, &person)?;
                let code = row.person.code;
                let username: Option<Option<String>> = tx
                    .query_row(
                        "SELECT username FROM accounts WHERE person = ?1",
                        [&code],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(Some(username)) = username else {
                    return Err(DirectoryError::Conflict(format!(
                        "{code} chưa có tài khoản: hãy tạo tài khoản trước."
                    )));
                };
                tx.execute(
                    "UPDATE accounts SET password_hash = ?2 WHERE person = ?1",
                    params![code, phc],
                )?;
                db::log(&tx, now, &province, "password-reset", &code, scope.by())?;
                tx.commit()?;
                tracing::info!(person = %code, by = %scope.by(), "password reset");
                Ok(PasswordReset {
                    person: code,
                    username,
                    password: generated.then_some(password),
                })
            })
            .await?;
        self.limiter().succeeded(&reset.username);
        self.refresh().await?;
        Ok(reset)
    }

    /// A one-time enrolment code for a person, valid 7 days. Earlier codes stay valid.
    pub async fn create_enrolment_code(
        &self,
        scope: &Scope,
        person: &str,
    ) -> Result<EnrolmentCode, DirectoryError> {
        let code = secrets::new_enrolment_code()?;
        let normalised = secrets::normalise_code(&code)
            .ok_or_else(|| DirectoryError::Invalid("mã đăng ký sinh ra không hợp lệ".into()))?;
        let (scope, person, now) = (scope.clone(), person.to_owned(), self.now());
        let expires_at = now + CODE_LIFETIME_MS;
        let made = self
            .run(move |c| {
                let tx = c.transaction()?;
                let (province, row) = managed_person(&tx, &scope, &person)?;
                let person = row.person.code;
                if !row.active {
                    return Err(DirectoryError::Inactive(person));
                }
                let disabled: Option<Option<i64>> = tx
                    .query_row(
                        "SELECT disabled_at FROM accounts WHERE person = ?1",
                        [&person],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(Some(_)) = disabled {
                    return Err(DirectoryError::Disabled(person));
                }
                tx.execute(
                    "INSERT INTO enrolment_codes (code_hash, person, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        secrets::code_hash(&normalised).to_vec(),
                        person,
                        now,
                        expires_at
                    ],
                )?;
                db::log(&tx, now, &province, "enrol-code", &person, scope.by())?;
                tx.commit()?;
                tracing::info!(person = %person, by = %scope.by(), "enrolment code created");
                Ok(EnrolmentCode {
                    url: enrolment_path(&code),
                    person,
                    code,
                    expires_at,
                })
            })
            .await?;
        self.refresh().await?;
        Ok(made)
    }
}

/// "tên …" → "Tên …", for a message that starts a sentence.
pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_ascii() {
        let rows: &[(&str, Result<&str, UsernameError>)] = &[
            (" An.Nguyen ", Ok("an.nguyen")),
            ("kg-0123", Ok("kg-0123")),
            ("an@kg.doan.vn", Ok("an@kg.doan.vn")),
            ("an", Err(UsernameError::Length("an".into()))),
            ("nguyễn", Err(UsernameError::Characters("nguyễn".into()))),
            (
                "an nguyen",
                Err(UsernameError::Characters("an nguyen".into())),
            ),
        ];
        for (text, expected) in rows {
            assert_eq!(
                normalise_username(text).as_deref().map_err(Clone::clone),
                expected.clone(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_of_the_url() {
        let svg = qr_svg("https://dicoso.example/dang-nhap#ma=ABCD-EFGH-JKMN").expect("qr");
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        assert!(
            !svg.contains("style="),
            "inline styles break the page's CSP"
        );
    }
}
