//! `dicoso admin demo`: a province to try the app with. On a database with no province
//! it loads `docs/examples/directory-kg.json` as KG (policy kien-giang-2023 from 2023)
//! through the CSV importer, and gives every demo person an account. Every run then sets
//! a fresh random password for each demo account and returns them to print: the latest
//! printout is always the one that works. A database with real provinces is left alone.

use super::admin::Scope;
use super::import::ImportFiles;
use super::{DirectoryError, DirectoryService};
use rusqlite::{OptionalExtension, params};
use shared::directory::{Directory, Snapshot};
use shared::policy::Policy;

pub const DEMO_DIRECTORY: &str = include_str!("../../../docs/examples/directory-kg.json");
const DEMO_POLICY: &str = "kien-giang-2023";
const DEMO_FROM: i32 = 2023;
const SETTING: &str = "demo-province";

/// A demo person's login. No `Debug`: it holds a password.
#[derive(Clone, serde::Serialize)]
pub struct DemoLogin {
    pub person: String,
    pub name: String,
    /// The person's roles, as the CSV writes them.
    pub roles: Vec<String>,
    pub username: String,
    pub password: String,
}

#[derive(Clone)]
pub enum DemoOutcome {
    /// The demo province was created now.
    Created(Vec<DemoLogin>),
    /// It already existed; passwords are new.
    Refreshed(Vec<DemoLogin>),
    /// The database holds real provinces: nothing was done.
    Skipped { provinces: Vec<String> },
}

fn internal(what: String) -> DirectoryError {
    DirectoryError::Invalid(format!("Dữ liệu mẫu không dùng được: {what}"))
}

/// The demo snapshot as the three CSV files an admin would import.
fn as_csv(s: &Snapshot) -> Result<ImportFiles, DirectoryError> {
    fn write(rows: Vec<Vec<String>>) -> Result<String, DirectoryError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in rows {
            w.write_record(&row).map_err(|e| internal(e.to_string()))?;
        }
        let bytes = w.into_inner().map_err(|e| internal(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| internal(e.to_string()))
    }
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut units = vec![strings(&["id", "name", "level", "parent"])];
    units.extend(s.units.iter().map(|u| {
        vec![
            u.id.clone(),
            u.name.clone(),
            u.level.clone(),
            u.parent.clone().unwrap_or_default(),
        ]
    }));
    let mut departments = vec![strings(&["id", "name"])];
    departments.extend(
        s.departments
            .iter()
            .map(|d| vec![d.id.clone(), d.name.clone()]),
    );
    let mut people = vec![strings(&[
        "code",
        "name",
        "unit",
        "department",
        "job",
        "office_since",
        "roles",
        "username",
    ])];
    people.extend(s.people.iter().map(|p| {
        vec![
            p.code.clone(),
            p.name.clone(),
            p.unit.clone(),
            p.department.clone().unwrap_or_default(),
            p.job.clone(),
            p.office_since.map(|y| y.to_string()).unwrap_or_default(),
            p.roles
                .iter()
                .map(|r| r.to_code_string())
                .collect::<Vec<_>>()
                .join(";"),
            p.code.to_lowercase(),
        ]
    }));
    Ok(ImportFiles {
        units: Some(write(units)?),
        departments: Some(write(departments)?),
        people: Some(write(people)?),
    })
}

impl DirectoryService {
    /// Sets up (or refreshes) the demo province; see the module's comment.
    pub async fn demo(&self) -> Result<DemoOutcome, DirectoryError> {
        let demo = Directory::from_json(DEMO_DIRECTORY).map_err(|e| internal(e.to_string()))?;
        let code = demo.province().code.clone();
        let (marked, provinces) = self
            .run(|c| {
                let marked: Option<String> = c
                    .query_row(
                        "SELECT value FROM settings WHERE key = ?1",
                        [SETTING],
                        |r| r.get(0),
                    )
                    .optional()?;
                Ok((marked, super::db::provinces(c)?))
            })
            .await?;
        let created = match marked {
            Some(_) => false,
            None if provinces.is_empty() => {
                let policy = Policy::preset(DEMO_POLICY)
                    .ok_or_else(|| internal(format!("no preset {DEMO_POLICY}")))?;
                self.create_province(&code, &demo.province().name, policy, (DEMO_FROM, None))
                    .await?;
                self.import(&Scope::Cli, &code, as_csv(demo.snapshot())?)
                    .await?;
                let province = code.clone();
                self.run(move |c| {
                    c.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                        params![SETTING, province],
                    )?;
                    Ok(())
                })
                .await?;
                true
            }
            None => return Ok(DemoOutcome::Skipped { provinces }),
        };
        let mut logins = Vec::new();
        for p in demo.people() {
            let reset = self.reset_password(&Scope::Cli, &p.code, None).await?;
            logins.push(DemoLogin {
                person: p.code.clone(),
                name: p.name.clone(),
                roles: p.roles.iter().map(|r| r.to_code_string()).collect(),
                username: reset.username,
                password: reset
                    .password
                    .ok_or_else(|| internal("no password generated".into()))?,
            });
        }
        Ok(if created {
            DemoOutcome::Created(logins)
        } else {
            DemoOutcome::Refreshed(logins)
        })
    }
}
