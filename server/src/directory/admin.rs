//! What an administrator does to a province: create it and its policies, import its
//! people, and list them. The same operations serve the admin API (scoped to the
//! admin's province) and `dicoso admin` (every province).

use super::devices::DeviceEntry;
use super::import::{self, ImportFiles, ImportReport};
use super::{DirectoryError, DirectoryService, db};
use chrono::{Datelike, TimeZone};
use rusqlite::{Connection, OptionalExtension, params};
use shared::directory::Person;
use shared::doc::{CadreCode, valid_province};
use shared::policy::Policy;

/// On whose authority an operation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `dicoso admin` on the server's machine: every province.
    Cli,
    /// A person with the `admin` role of `province`, through the API.
    Admin { person: String, province: String },
}

impl Scope {
    /// Who the change log names.
    pub fn by(&self) -> &str {
        match self {
            Scope::Cli => "cli",
            Scope::Admin { person, .. } => person,
        }
    }

    pub fn allows(&self, province: &str) -> bool {
        match self {
            Scope::Cli => true,
            Scope::Admin { province: own, .. } => own == province,
        }
    }
}

impl From<rusqlite::Error> for DirectoryError {
    fn from(e: rusqlite::Error) -> Self {
        DirectoryError::Store(e.into())
    }
}

/// A person the scope may manage, by a code as typed (`kg-0123` is `KG-0123`), with
/// their province. People of another province are "not found", as if absent.
pub(super) fn managed_person(
    c: &Connection,
    scope: &Scope,
    code: &str,
) -> Result<(String, db::PersonRow), DirectoryError> {
    let unknown = || DirectoryError::UnknownPerson(code.trim().to_owned());
    let code = CadreCode::parse(code).map_err(|_| unknown())?;
    match db::person(c, code.as_str())? {
        Some((province, row)) if scope.allows(&province) => Ok((province, row)),
        _ => Err(unknown()),
    }
}

/// A person as the admin page lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonEntry {
    #[serde(flatten)]
    pub person: Person,
    /// `false` once a later import no longer lists them.
    pub active: bool,
    pub account: Option<AccountEntry>,
    pub devices: Vec<DeviceEntry>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountEntry {
    pub username: Option<String>,
    pub has_password: bool,
    pub disabled: bool,
}

/// The year of a time, in Vietnam (UTC+7), where every province is.
pub fn year_of(ms: i64) -> i32 {
    chrono::FixedOffset::east_opt(7 * 3600)
        .and_then(|tz| tz.timestamp_millis_opt(ms).single())
        .map_or(1970, |t| t.year())
}

impl DirectoryService {
    /// Runs `f` on the database off the async runtime.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, DirectoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DirectoryError> + Send + 'static,
    {
        self.store().with(move |c| Ok(f(c))).await?
    }

    /// Runs `f` on the store's reading connection, which never waits for a commit.
    pub(crate) async fn run_read<T, F>(&self, f: F) -> Result<T, DirectoryError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DirectoryError> + Send + 'static,
    {
        self.store().read(move |c| Ok(f(c))).await?
    }

    /// Creates a province with its first policy (`dicoso admin province create`).
    pub async fn create_province(
        &self,
        code: &str,
        name: &str,
        policy: Policy,
        years: (i32, Option<i32>),
    ) -> Result<(), DirectoryError> {
        let code = code.trim().to_owned();
        if !valid_province(&code) {
            return Err(DirectoryError::Invalid(format!(
                "Mã tỉnh “{code}” cần 1 đến 8 chữ in hoa không dấu hoặc chữ số, ví dụ KG."
            )));
        }
        let name = import::clean_name(name);
        if name.is_empty() {
            return Err(DirectoryError::Invalid("Thiếu tên tỉnh đoàn.".into()));
        }
        let now = self.now();
        self.run(move |c| {
            let tx = c.transaction()?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM provinces WHERE code = ?1", [&code], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_some() {
                return Err(DirectoryError::Conflict(format!("Tỉnh {code} đã có.")));
            }
            tx.execute(
                "INSERT INTO provinces (code, name) VALUES (?1, ?2)",
                params![code, name],
            )?;
            put_policy(&tx, &code, &policy, years)?;
            db::log(&tx, now, &code, "province-create", &code, "cli")?;
            tx.commit()?;
            tracing::info!(province = %code, "province created");
            Ok(())
        })
        .await?;
        self.refresh().await
    }

    /// Sets the policy in force from `years.0` (to `years.1`) for a province; a policy
    /// already starting that year is replaced.
    pub async fn set_policy(
        &self,
        province: &str,
        policy: Policy,
        years: (i32, Option<i32>),
    ) -> Result<(), DirectoryError> {
        let province = province.to_owned();
        let now = self.now();
        self.run(move |c| {
            let tx = c.transaction()?;
            if db::province_version(&tx, &province)?.is_none() {
                return Err(DirectoryError::UnknownProvince(province));
            }
            put_policy(&tx, &province, &policy, years)?;
            db::log(&tx, now, &province, "policy", &policy.id, "cli")?;
            db::bump(&tx, &province)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
        self.refresh().await
    }

    /// Imports CSV files into a province: all rows or none (`docs/access.md`).
    pub async fn import(
        &self,
        scope: &Scope,
        province: &str,
        files: ImportFiles,
    ) -> Result<ImportReport, DirectoryError> {
        if !scope.allows(province) {
            return Err(DirectoryError::NotAdmin);
        }
        if files.is_empty() {
            return Err(DirectoryError::Invalid(
                "Không có tệp nào để nhập (đơn vị, phòng ban hay cán bộ).".into(),
            ));
        }
        let province = province.to_owned();
        let by = scope.by().to_owned();
        let now = self.now();
        let report = self
            .run(move |c| {
                let tx = c.transaction()?;
                if db::province_version(&tx, &province)?.is_none() {
                    return Err(DirectoryError::UnknownProvince(province));
                }
                let existing = db::existing(&tx, &province)?;
                let plan = import::plan(&province, &existing, &files, year_of(now))
                    .map_err(DirectoryError::Import)?;
                let mut report = db::apply(&tx, &province, &plan, &existing, now, &by)?;
                report.version = db::province_version(&tx, &province)?.unwrap_or(0);
                tx.commit()?;
                tracing::info!(
                    province = %province,
                    by = %by,
                    people = report.people,
                    deactivated = report.deactivated.len(),
                    "directory imported"
                );
                Ok(report)
            })
            .await?;
        self.refresh().await?;
        Ok(report)
    }

    /// Everyone of the province, with their account and devices.
    pub async fn people(
        &self,
        scope: &Scope,
        province: &str,
    ) -> Result<Vec<PersonEntry>, DirectoryError> {
        if !scope.allows(province) {
            return Err(DirectoryError::NotAdmin);
        }
        let province = province.to_owned();
        let now = self.now();
        self.run(move |c| {
            let mut devices = super::devices::entries(c, &province, None, now)?;
            let mut accounts = std::collections::BTreeMap::new();
            {
                let mut stmt = c.prepare_cached(
                    "SELECT a.person, a.username, a.password_hash IS NOT NULL, a.disabled_at IS NOT NULL
                     FROM accounts a JOIN people p ON p.code = a.person WHERE p.province = ?1",
                )?;
                let rows = stmt.query_map([&province], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        AccountEntry {
                            username: r.get(1)?,
                            has_password: r.get(2)?,
                            disabled: r.get(3)?,
                        },
                    ))
                })?;
                for row in rows {
                    let (person, account) = row?;
                    accounts.insert(person, account);
                }
            }
            Ok(db::people(c, &province)?
                .into_iter()
                .map(|row| {
                    let code = row.person.code.clone();
                    PersonEntry {
                        account: accounts.remove(&code),
                        devices: devices.remove(&code).unwrap_or_default(),
                        person: row.person,
                        active: row.active,
                    }
                })
                .collect())
        })
        .await
    }
}

fn put_policy(
    c: &Connection,
    province: &str,
    policy: &Policy,
    (from, to): (i32, Option<i32>),
) -> Result<(), DirectoryError> {
    if to.is_some_and(|to| to < from) {
        return Err(DirectoryError::Invalid(format!(
            "Năm kết thúc {} trước năm bắt đầu {from}.",
            to.unwrap_or_default()
        )));
    }
    let json = serde_json::to_string(policy)
        .map_err(|e| DirectoryError::Invalid(format!("Chính sách không ghi được: {e}")))?;
    c.execute(
        "INSERT INTO province_policies (province, year_from, year_to, policy) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (province, year_from) DO UPDATE SET year_to = excluded.year_to, policy = excluded.policy",
        params![province, from, to, json],
    )?;
    Ok(())
}
