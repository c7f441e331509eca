//! The directory (danh bạ) of one province: units, departments, people and their roles,
//! the devices enrolled for them, and the policy of each year.
//!
//! The server keeps it as relational data and publishes it to the province's devices as
//! this read-only snapshot (`GET /api/directory`), which the phone keeps offline: it feeds
//! the host-unit picker, the person's own facts for [`crate::assemble`], and (issue 11) the
//! device keys that host signatures are checked against. See `docs/access.md`.

use crate::dossier::Cadre;
use crate::policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the snapshot format; a phone refuses a snapshot of a newer format.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A province (tỉnh đoàn): the unit of deployment, data and access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    /// Short upper-case code, also the prefix of its people's codes: `KG`, `TN`.
    pub code: String,
    pub name: String,
}

/// A unit (đơn vị) of the Youth Union: the province office, a district, a base unit, a
/// chi đoàn. Levels are the policy's level ids, so provinces without districts work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// A policy level id: `tinh`, `huyen`, `co-so`, `chi-doan`.
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A department (phòng, ban) of the provincial office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name: String,
}

/// What a person may do, each role with its scope (a person may hold several).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Role {
    /// Cán bộ: records their own year under 1+2.
    Cadre,
    /// Trưởng, phó phòng/ban: reviews their department's cadres.
    DepartmentHead { department: String },
    /// Ban Tổ chức – Kiểm tra ("HQ"): consolidates, reminds, rates the province.
    Hq,
    /// Thường trực: approves registrations, decides ad-hoc trips and waivers.
    Standing,
    /// An officer of a unit that receives visits: confirms them (xác nhận của cơ sở).
    HostOfficer { unit: String },
    /// Huyện đoàn officer, for "3 chủ động" (later).
    DistrictOfficer { unit: String },
    /// Manages accounts, devices and imports of the province.
    Admin,
}

impl Role {
    /// The role's code as written in CSV files and the admin page.
    pub fn code(&self) -> &'static str {
        match self {
            Role::Cadre => "cadre",
            Role::DepartmentHead { .. } => "department-head",
            Role::Hq => "hq",
            Role::Standing => "standing",
            Role::HostOfficer { .. } => "host-officer",
            Role::DistrictOfficer { .. } => "district-officer",
            Role::Admin => "admin",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            Role::Cadre => "Cán bộ",
            Role::DepartmentHead { .. } => "Lãnh đạo phòng, ban",
            Role::Hq => "Ban Tổ chức – Kiểm tra",
            Role::Standing => "Thường trực",
            Role::HostOfficer { .. } => "Cán bộ đơn vị cơ sở",
            Role::DistrictOfficer { .. } => "Cán bộ huyện đoàn",
            Role::Admin => "Quản trị",
        }
    }

    /// Parses `cadre`, `hq`, `department-head:BTC`, `host-officer:xa-vinh-hoa` (the CSV
    /// form: the scope after a colon).
    pub fn parse(text: &str) -> Result<Role, RoleParseError> {
        let text = text.trim();
        let (code, scope) = match text.split_once(':') {
            Some((c, s)) => (c.trim(), Some(s.trim())),
            None => (text, None),
        };
        let scoped = |make: fn(String) -> Role| match scope {
            Some(s) if !s.is_empty() => Ok(make(s.to_owned())),
            _ => Err(RoleParseError::MissingScope(code.to_owned())),
        };
        let plain = |role: Role| match scope {
            None => Ok(role),
            Some(_) => Err(RoleParseError::UnexpectedScope(code.to_owned())),
        };
        match code {
            "cadre" => plain(Role::Cadre),
            "hq" => plain(Role::Hq),
            "standing" => plain(Role::Standing),
            "admin" => plain(Role::Admin),
            "department-head" => scoped(|department| Role::DepartmentHead { department }),
            "host-officer" => scoped(|unit| Role::HostOfficer { unit }),
            "district-officer" => scoped(|unit| Role::DistrictOfficer { unit }),
            other => Err(RoleParseError::Unknown(other.to_owned())),
        }
    }

    /// The CSV form: `department-head:BTC`.
    pub fn to_code_string(&self) -> String {
        match self {
            Role::DepartmentHead { department } => format!("{}:{department}", self.code()),
            Role::HostOfficer { unit } | Role::DistrictOfficer { unit } => {
                format!("{}:{unit}", self.code())
            }
            _ => self.code().to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleParseError {
    #[error(
        "vai trò “{0}” không có (cadre, department-head:<ban>, hq, standing, host-officer:<đơn vị>, district-officer:<đơn vị>, admin)"
    )]
    Unknown(String),
    #[error("vai trò “{0}” cần phạm vi sau dấu hai chấm, ví dụ {0}:BTC")]
    MissingScope(String),
    #[error("vai trò “{0}” không có phạm vi")]
    UnexpectedScope(String),
}

/// A person of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Mã cán bộ, unique in the deployment: `KG-0123`.
    pub code: String,
    pub name: String,
    /// The unit whose office the person works in; its level is the cadre's level.
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// A policy role code (chức danh): `can-bo`, `ke-toan`, `van-thu`…
    pub job: String,
    /// The year the person started at the office, for "years at the office".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_since: Option<i32>,
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// An enrolled device's public facts: the key its signatures verify against and the
/// Automerge actors its changes carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceKey {
    pub id: String,
    /// The person's code.
    pub person: String,
    /// Ed25519 public key, base64url without padding (32 bytes).
    pub public_key: String,
    /// Automerge actor ids (hex) registered to the device.
    #[serde(default)]
    pub actors: Vec<String>,
    /// A label the person recognises ("Điện thoại Android").
    #[serde(default)]
    pub label: String,
    /// Milliseconds since the Unix epoch.
    pub enrolled_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

/// The policy in force for a range of years.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyYears {
    pub year_from: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_to: Option<i32>,
    pub policy: Policy,
}

/// The snapshot a device receives, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub format: u32,
    pub province: Province,
    /// Increases with every change of the directory: a device keeps the newest it saw.
    pub version: u64,
    #[serde(default)]
    pub units: Vec<Unit>,
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub devices: Vec<DeviceKey>,
    #[serde(default)]
    pub policies: Vec<PolicyYears>,
}

/// Why a snapshot was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("danh bạ không đọc được: {0}")]
    Json(String),
    #[error(
        "danh bạ ở định dạng {found}, mới hơn phiên bản ứng dụng này ({known}): hãy tải lại ứng dụng"
    )]
    NewerFormat { found: u32, known: u32 },
}

/// A province's directory with lookups by code and id.
#[derive(Debug, Clone)]
pub struct Directory {
    snapshot: Snapshot,
    people: BTreeMap<String, usize>,
    units: BTreeMap<String, usize>,
    departments: BTreeMap<String, usize>,
}

impl Directory {
    pub fn new(snapshot: Snapshot) -> Directory {
        let index = |ids: Vec<&String>| -> BTreeMap<String, usize> {
            ids.into_iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect()
        };
        Directory {
            people: index(snapshot.people.iter().map(|p| &p.code).collect()),
            units: index(snapshot.units.iter().map(|u| &u.id).collect()),
            departments: index(snapshot.departments.iter().map(|d| &d.id).collect()),
            snapshot,
        }
    }

    pub fn from_json(text: &str) -> Result<Directory, SnapshotError> {
        let snapshot: Snapshot =
            serde_json::from_str(text).map_err(|e| SnapshotError::Json(e.to_string()))?;
        if snapshot.format > SNAPSHOT_FORMAT {
            return Err(SnapshotError::NewerFormat {
                found: snapshot.format,
                known: SNAPSHOT_FORMAT,
            });
        }
        Ok(Directory::new(snapshot))
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn province(&self) -> &Province {
        &self.snapshot.province
    }

    pub fn person(&self, code: &str) -> Option<&Person> {
        self.people.get(code).map(|&i| &self.snapshot.people[i])
    }

    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.get(id).map(|&i| &self.snapshot.units[i])
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments
            .get(id)
            .map(|&i| &self.snapshot.departments[i])
    }

    pub fn units(&self) -> &[Unit] {
        &self.snapshot.units
    }

    pub fn people(&self) -> &[Person] {
        &self.snapshot.people
    }

    pub fn devices(&self) -> &[DeviceKey] {
        &self.snapshot.devices
    }

    /// Does the person hold this role (scope included)?
    pub fn has_role(&self, code: &str, role: &Role) -> bool {
        self.person(code).is_some_and(|p| p.roles.contains(role))
    }

    /// The policy in force for `year`, if the province has one.
    pub fn policy_for(&self, year: i32) -> Option<&Policy> {
        self.snapshot
            .policies
            .iter()
            .filter(|p| p.year_from <= year && p.year_to.is_none_or(|to| year <= to))
            .max_by_key(|p| p.year_from)
            .map(|p| &p.policy)
    }

    /// The units under `id` (itself included), for a district's view.
    pub fn units_under(&self, id: &str) -> Vec<&Unit> {
        let mut out: Vec<&Unit> = self.unit(id).into_iter().collect();
        let mut i = 0;
        while i < out.len() {
            let parent = out[i].id.clone();
            out.extend(
                self.snapshot
                    .units
                    .iter()
                    .filter(|u| u.parent.as_deref() == Some(parent.as_str())),
            );
            i += 1;
            if out.len() > self.snapshot.units.len() {
                break; // a cycle in bad data; the importer refuses them
            }
        }
        out
    }

    /// What the directory says about a person for rating `year`: their level (their
    /// office unit's), job, department and years at the office. Exemptions come from HQ's
    /// record, not from here.
    pub fn cadre_facts(&self, code: &str, year: i32) -> Option<Cadre> {
        let p = self.person(code)?;
        let level = self.unit(&p.unit).map(|u| u.level.clone())?;
        Some(Cadre {
            id: p.code.clone(),
            name: p.name.clone(),
            level,
            role: p.job.clone(),
            department: p
                .department
                .as_deref()
                .map(|d| self.department(d).map_or(d, |d| d.name.as_str()).to_owned()),
            years_at_office: p
                .office_since
                .map_or(0, |since| u32::try_from(year - since).unwrap_or(0)),
            exemptions: Vec::new(),
        })
    }

    /// The person an Automerge actor (hex) is registered to, and that device.
    pub fn device_of_actor(&self, actor_hex: &str) -> Option<&DeviceKey> {
        self.snapshot
            .devices
            .iter()
            .find(|d| d.actors.iter().any(|a| a == actor_hex))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_csv_form() {
        let rows: &[(&str, Result<Role, RoleParseError>)] = &[
            ("cadre", Ok(Role::Cadre)),
            (" hq ", Ok(Role::Hq)),
            (
                "department-head:BTC",
                Ok(Role::DepartmentHead {
                    department: "BTC".into(),
                }),
            ),
            (
                "host-officer: xa-vinh-hoa",
                Ok(Role::HostOfficer {
                    unit: "xa-vinh-hoa".into(),
                }),
            ),
            (
                "department-head",
                Err(RoleParseError::MissingScope("department-head".into())),
            ),
            ("hq:KG", Err(RoleParseError::UnexpectedScope("hq".into()))),
            ("boss", Err(RoleParseError::Unknown("boss".into()))),
        ];
        for (text, expected) in rows {
            let got = Role::parse(text);
            assert_eq!(&got, expected, "{text}");
            if let Ok(role) = got {
                assert_eq!(Role::parse(&role.to_code_string()), Ok(role));
            }
        }
    }

    #[test]
    fn role_json_names_the_role_and_its_scope() {
        let json = serde_json::to_string(&Role::DepartmentHead {
            department: "BTC".into(),
        })
        .expect("json");
        assert_eq!(json, r#"{"role":"department-head","department":"BTC"}"#);
    }
}
