//! Devices (thiết bị): what a device token proves, renewal and revocation. Enrolment is
//! in `enrol.rs`.

use super::admin::{Scope, managed_person};
use super::secrets;
use super::{
    AuthError, DeviceIdentity, DirectoryError, DirectoryService, RENEW_WINDOW_MS,
    TOKEN_LIFETIME_MS, db,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;

/// `last_seen` is written at most this often per device.
const SEEN_EVERY_MS: i64 = 60_000;

/// When a device was last seen, waiting for [`DirectoryService::flush_seen`]: written in
/// one transaction a second rather than one per connection, so a morning's reconnecting
/// phones do not each wait for a commit on the store's writer, which also persists their
/// documents (issue 10). Lost in a crash, as `last_seen` may be (it is at most a minute
/// out of date anyway).
pub(super) type SeenQueue = std::sync::Mutex<BTreeMap<String, i64>>;

/// The answer to a renewal.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Renewed {
    pub device_id: String,
    pub token: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceState {
    Active,
    Revoked,
    Expired,
    /// The account is disabled, or the person is no longer in the directory.
    Disabled,
}

/// `GET /api/device`: what the token is, even when it no longer works.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceStatus {
    pub device_id: String,
    pub person: String,
    pub province: String,
    pub expires_at: i64,
    pub status: DeviceState,
}

/// A device as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceEntry {
    pub id: String,
    pub person: String,
    pub label: String,
    pub actors: Vec<String>,
    pub enrolled_at: i64,
    pub expires_at: i64,
    pub last_seen: Option<i64>,
    pub revoked_at: Option<i64>,
    pub status: DeviceState,
}

/// A device row joined with its person and account, as authentication reads it.
struct TokenRow {
    device_id: String,
    person: String,
    province: Option<String>,
    active: bool,
    disabled: bool,
    expires_at: i64,
    revoked: bool,
    last_seen: Option<i64>,
}

fn token_row(c: &Connection, hash: &[u8; 32]) -> Result<Option<TokenRow>, rusqlite::Error> {
    c.query_row(
        "SELECT d.id, d.person, p.province, coalesce(p.active, 0), a.disabled_at IS NOT NULL,
                d.expires_at, d.revoked_at IS NOT NULL, d.last_seen
         FROM devices d LEFT JOIN people p ON p.code = d.person
         LEFT JOIN accounts a ON a.person = d.person
         WHERE d.token_hash = ?1",
        [hash.to_vec()],
        |r| {
            Ok(TokenRow {
                device_id: r.get(0)?,
                person: r.get(1)?,
                province: r.get(2)?,
                active: r.get::<_, i64>(3)? != 0,
                disabled: r.get(4)?,
                expires_at: r.get(5)?,
                revoked: r.get(6)?,
                last_seen: r.get(7)?,
            })
        },
    )
    .optional()
}

impl TokenRow {
    fn state(&self, now: i64) -> DeviceState {
        if self.revoked {
            DeviceState::Revoked
        } else if self.disabled || !self.active || self.province.is_none() {
            DeviceState::Disabled
        } else if self.expires_at <= now {
            DeviceState::Expired
        } else {
            DeviceState::Active
        }
    }

    fn check(&self, now: i64) -> Result<DeviceIdentity, AuthError> {
        match self.state(now) {
            DeviceState::Revoked => Err(AuthError::Revoked),
            DeviceState::Disabled if !self.active || self.province.is_none() => {
                Err(AuthError::PersonGone)
            }
            DeviceState::Disabled => Err(AuthError::Disabled),
            DeviceState::Expired => Err(AuthError::Expired),
            DeviceState::Active => Ok(DeviceIdentity {
                device_id: self.device_id.clone(),
                person: self.person.clone(),
                province: self.province.clone().unwrap_or_default(),
            }),
        }
    }
}

/// Devices of a province (or of one person), by person.
pub(super) fn entries(
    c: &Connection,
    province: &str,
    person: Option<&str>,
    now: i64,
) -> Result<BTreeMap<String, Vec<DeviceEntry>>, DirectoryError> {
    let keys = db::device_keys(c, province)?;
    let mut stmt = c.prepare_cached(
        "SELECT d.id, d.expires_at, d.last_seen, coalesce(p.active, 0),
                coalesce(a.disabled_at IS NOT NULL, 0)
         FROM devices d JOIN people p ON p.code = d.person
         LEFT JOIN accounts a ON a.person = d.person WHERE p.province = ?1",
    )?;
    let mut extra = BTreeMap::new();
    for row in stmt.query_map([province], |r| {
        Ok((
            r.get::<_, String>(0)?,
            (
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, i64>(3)? != 0,
                r.get::<_, bool>(4)?,
            ),
        ))
    })? {
        let (id, facts) = row?;
        extra.insert(id, facts);
    }
    let mut out: BTreeMap<String, Vec<DeviceEntry>> = BTreeMap::new();
    for key in keys {
        if person.is_some_and(|p| p != key.person) {
            continue;
        }
        let (expires_at, last_seen, active, disabled) = extra
            .get(&key.id)
            .copied()
            .unwrap_or((0, None, false, false));
        let status = if key.revoked_at.is_some() {
            DeviceState::Revoked
        } else if disabled || !active {
            DeviceState::Disabled
        } else if expires_at <= now {
            DeviceState::Expired
        } else {
            DeviceState::Active
        };
        out.entry(key.person.clone())
            .or_default()
            .push(DeviceEntry {
                id: key.id,
                person: key.person,
                label: key.label,
                actors: key.actors,
                enrolled_at: key.enrolled_at,
                expires_at,
                last_seen,
                revoked_at: key.revoked_at,
                status,
            });
    }
    Ok(out)
}

impl DirectoryService {
    /// Who a device token belongs to, if it may be used now. Refused: unknown, revoked,
    /// expired, disabled account, person no longer in the directory.
    pub async fn authenticate(&self, token: &str) -> Result<DeviceIdentity, AuthError> {
        if !secrets::plausible_token(token) {
            return Err(AuthError::Unknown);
        }
        let hash = secrets::token_hash(token);
        let now = self.now();
        // The reading connection: a connection never waits for a document's group commit.
        let row = match self.run_read(move |c| Ok(token_row(c, &hash)?)).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(AuthError::Unknown),
            Err(e) => {
                tracing::error!(error = %e, "authentication could not read the directory");
                return Err(AuthError::Unavailable);
            }
        };
        let checked = row.check(now)?;
        if row.last_seen.is_none_or(|at| at < now - SEEN_EVERY_MS) {
            self.seen_queue().insert(row.device_id, now);
        }
        Ok(checked)
    }

    /// Writes the devices seen since the last call, in one transaction. Called every
    /// [`super::FOLLOW_EVERY`] by the follower and once when the server stops.
    pub async fn flush_seen(&self) {
        let seen = std::mem::take(&mut *self.seen_queue());
        if seen.is_empty() {
            return;
        }
        let written = self
            .run(move |c| {
                let tx = c.transaction()?;
                {
                    let mut update = tx.prepare_cached(
                        "UPDATE devices SET last_seen = ?2
                         WHERE id = ?1 AND (last_seen IS NULL OR last_seen < ?2)",
                    )?;
                    for (device, at) in &seen {
                        update.execute(params![device, at])?;
                    }
                }
                tx.commit()?;
                Ok(())
            })
            .await;
        // Not retried: the device's next connection queues it again.
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot record when devices were last seen");
        }
    }

    fn seen_queue(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, i64>> {
        self.inner
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What a token is, even revoked or expired (`GET /api/device`).
    pub async fn device_status(&self, token: &str) -> Result<DeviceStatus, DirectoryError> {
        if !secrets::plausible_token(token) {
            return Err(AuthError::Unknown.into());
        }
        let hash = secrets::token_hash(token);
        let now = self.now();
        let row = self
            .run(move |c| Ok(token_row(c, &hash)?))
            .await?
            .ok_or(AuthError::Unknown)?;
        Ok(DeviceStatus {
            status: row.state(now),
            device_id: row.device_id,
            person: row.person,
            province: row.province.unwrap_or_default(),
            expires_at: row.expires_at,
        })
    }

    /// A new token for an active device in its last 30 days; the old one stops working.
    pub async fn renew(&self, token: &str) -> Result<Renewed, DirectoryError> {
        let identity = self.authenticate(token).await?;
        let old = secrets::token_hash(token);
        let new = secrets::new_token()?;
        let now = self.now();
        let device_id = identity.device_id.clone();
        let (province, person) = (identity.province.clone(), identity.person.clone());
        let new_hash = secrets::token_hash(&new);
        let expires_at = self
            .run(move |c| {
                let tx = c.transaction()?;
                let expires_at: i64 = tx.query_row(
                    "SELECT expires_at FROM devices WHERE id = ?1 AND token_hash = ?2",
                    params![device_id, old.to_vec()],
                    |r| r.get(0),
                )?;
                if expires_at - now > RENEW_WINDOW_MS {
                    return Err(DirectoryError::Conflict(format!(
                        "Mã truy cập còn hạn đến {}: chỉ gia hạn được trong 30 ngày cuối.",
                        super::fmt_ms_day(expires_at)
                    )));
                }
                let next = now + TOKEN_LIFETIME_MS;
                tx.execute(
                    "UPDATE devices SET token_hash = ?2, expires_at = ?3 WHERE id = ?1",
                    params![device_id, new_hash.to_vec(), next],
                )?;
                db::log(&tx, now, &province, "renew", &device_id, &person)?;
                tx.commit()?;
                Ok(next)
            })
            .await?;
        tracing::info!(device = %identity.device_id, person = %identity.person, "token renewed");
        self.refresh().await?;
        Ok(Renewed {
            device_id: identity.device_id,
            token: new,
            expires_at,
        })
    }

    /// The devices of a person.
    pub async fn devices(
        &self,
        scope: &Scope,
        person: &str,
    ) -> Result<Vec<DeviceEntry>, DirectoryError> {
        let (scope, person, now) = (scope.clone(), person.to_owned(), self.now());
        self.run(move |c| {
            let (province, row) = managed_person(c, &scope, &person)?;
            let code = row.person.code;
            Ok(entries(c, &province, Some(&code), now)?
                .remove(&code)
                .unwrap_or_default())
        })
        .await
    }

    /// Revokes a device: its token is refused from now on and its live connections are
    /// told (`DirectoryEvent::Revoked`). What it wrote stays, attributed to it.
    pub async fn revoke(
        &self,
        scope: &Scope,
        device_id: &str,
    ) -> Result<DeviceEntry, DirectoryError> {
        let (scope, device_id, now) = (scope.clone(), device_id.trim().to_owned(), self.now());
        let entry = self
            .run(move |c| {
                let tx = c.transaction()?;
                let unknown = || DirectoryError::UnknownDevice(device_id.clone());
                let person = db::device_person(&tx, &device_id)?.ok_or_else(unknown)?;
                let (province, _) = managed_person(&tx, &scope, &person).map_err(|_| unknown())?;
                let changed = tx.execute(
                    "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![device_id, now],
                )?;
                if changed > 0 {
                    db::log(&tx, now, &province, "revoke", &device_id, scope.by())?;
                    db::bump(&tx, &province)?;
                }
                let entry = entries(&tx, &province, Some(&person), now)?
                    .remove(&person)
                    .and_then(|list| list.into_iter().find(|d| d.id == device_id))
                    .ok_or_else(unknown)?;
                tx.commit()?;
                tracing::info!(device = %device_id, person = %person, by = %scope.by(), "device revoked");
                Ok(entry)
            })
            .await?;
        self.refresh().await?;
        Ok(entry)
    }
}
