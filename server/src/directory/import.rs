//! Importing a province's units, departments and people from CSV files (UTF-8, a header
//! row; `docs/access.md`). [`plan`] checks every row against the files and what the
//! database already holds, and reports every problem with its line and column at once;
//! only a clean plan is applied, in one transaction, by the caller.

use super::accounts::normalise_username;
use shared::directory::{Department, Person, Role, Unit};
use shared::doc::CadreCode;
use shared::policy::Policy;
use std::collections::{BTreeMap, BTreeSet};
use table::{Row, Table, id_cell, name_cell, read_table};
use unicode_normalization::UnicodeNormalization;

mod table;

/// The three files; any may be absent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportFiles {
    #[serde(default)]
    pub units: Option<String>,
    #[serde(default)]
    pub departments: Option<String>,
    #[serde(default)]
    pub people: Option<String>,
}

impl ImportFiles {
    pub fn is_empty(&self) -> bool {
        self.units.is_none() && self.departments.is_none() && self.people.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvFile {
    Units,
    Departments,
    People,
}

impl CsvFile {
    pub fn label_vi(self) -> &'static str {
        match self {
            CsvFile::Units => "Tệp đơn vị",
            CsvFile::Departments => "Tệp phòng ban",
            CsvFile::People => "Tệp cán bộ",
        }
    }
}

/// One bad row (or header), where a spreadsheet would show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: CsvFile,
    /// 1 is the header row.
    pub line: u64,
    /// 1-based, as a spreadsheet counts; `None` for the whole row or file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, dòng {}", self.file.label_vi(), self.line)?;
        match (self.column, &self.column_name) {
            (Some(c), Some(name)) => write!(f, ", cột {c} ({name})")?,
            (Some(c), None) => write!(f, ", cột {c}")?,
            _ => {}
        }
        write!(f, ": {}", self.message)
    }
}

/// A person as the database holds them, anywhere in the deployment.
#[derive(Debug, Clone)]
pub struct KnownPerson {
    pub province: String,
    pub active: bool,
}

/// What the database holds that a file may refer to.
#[derive(Debug, Clone, Default)]
pub struct Existing {
    pub units: BTreeMap<String, Unit>,
    pub departments: BTreeSet<String>,
    /// Every person of the deployment (codes are unique across provinces).
    pub people: BTreeMap<String, KnownPerson>,
    /// Username → person, across the deployment.
    pub usernames: BTreeMap<String, String>,
    /// The province's policies: levels and jobs must be theirs.
    pub policies: Vec<Policy>,
}

/// A person to write, with the account to create or rename if the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPerson {
    pub person: Person,
    pub username: Option<String>,
}

/// What an import will write.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub units: Vec<Unit>,
    pub departments: Vec<Department>,
    /// `None` when no people file was given (people stay as they are).
    pub people: Option<Vec<PlannedPerson>>,
    /// Active people of the province that a new people file no longer lists.
    pub deactivate: Vec<String>,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Rows written (added or updated) per file.
    pub units: usize,
    pub departments: usize,
    pub people: usize,
    /// People not in the database before.
    pub added: Vec<String>,
    /// People listed again after a file had left them out.
    pub reactivated: Vec<String>,
    /// Active people the new people file no longer lists: kept, but inactive.
    pub deactivated: Vec<String>,
    /// Usernames created or changed by the `username` column.
    pub usernames: Vec<String>,
    /// The province's snapshot version after the import.
    pub version: u64,
}

/// Names as stored: trimmed and in Unicode NFC, so a name typed on a Mac (decomposed
/// marks) and on Windows is one string. Letters and tone placement are kept as given.
pub fn clean_name(text: &str) -> String {
    text.trim().nfc().collect()
}

fn list(ids: impl Iterator<Item = String>) -> String {
    let mut ids: Vec<String> = ids.collect();
    ids.sort();
    ids.dedup();
    ids.join(", ")
}

/// Checks the files against each other and the database. Every problem is reported;
/// nothing is planned if there is one.
pub fn plan(
    province: &str,
    existing: &Existing,
    files: &ImportFiles,
    this_year: i32,
) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Plan::default();
    let levels: Vec<(String, usize)> = existing
        .policies
        .iter()
        .flat_map(|p| p.levels.iter().enumerate().map(|(i, l)| (l.id.clone(), i)))
        .collect();
    let jobs: BTreeSet<String> = existing
        .policies
        .iter()
        .flat_map(|p| p.roles.iter().map(|r| r.code.clone()))
        .collect();

    let mut units = existing.units.clone();
    if let Some(text) = &files.units {
        out.units = plan_units(text, &levels, &mut units, &mut problems);
    }
    let mut departments = existing.departments.clone();
    if let Some(text) = &files.departments
        && let Some(t) = read_table(
            CsvFile::Departments,
            text,
            &["id", "name"],
            &[],
            &mut problems,
        )
    {
        let mut seen = BTreeMap::new();
        for row in &t.rows {
            let id = id_cell(&t, row, "phòng ban", &mut seen, &mut problems);
            let name = name_cell(&t, row, "phòng ban", &mut problems);
            departments.insert(id.clone());
            out.departments.push(Department { id, name });
        }
    }

    if let Some(text) = &files.people
        && let Some(t) = read_table(
            CsvFile::People,
            text,
            &[
                "code",
                "name",
                "unit",
                "department",
                "job",
                "office_since",
                "roles",
            ],
            &["username"],
            &mut problems,
        )
    {
        let refs = Refs {
            province,
            existing,
            units: &units,
            departments: &departments,
            jobs: &jobs,
            this_year,
        };
        let people = plan_people(&t, &refs, &mut problems);
        let listed: BTreeSet<&str> = people.iter().map(|p| p.person.code.as_str()).collect();
        out.deactivate = existing
            .people
            .iter()
            .filter(|(code, p)| {
                p.province == province && p.active && !listed.contains(code.as_str())
            })
            .map(|(code, _)| code.clone())
            .collect();
        out.people = Some(people);
    }

    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| (p.file as u8, p.line, p.column));
        Err(problems)
    }
}

/// Units, checked against each other and the database's (`units`, which receives the
/// file's): the merged tree must be one.
fn plan_units(
    text: &str,
    levels: &[(String, usize)],
    units: &mut BTreeMap<String, Unit>,
    problems: &mut Vec<Problem>,
) -> Vec<Unit> {
    let Some(t) = read_table(
        CsvFile::Units,
        text,
        &["id", "name", "level"],
        &["parent"],
        problems,
    ) else {
        return Vec::new();
    };
    let mut seen = BTreeMap::new();
    let mut rows = Vec::new();
    for row in &t.rows {
        let id = id_cell(&t, row, "đơn vị", &mut seen, problems);
        let name = name_cell(&t, row, "đơn vị", problems);
        let level = t.cell(row, "level");
        if level.is_empty() {
            problems.push(t.problem(row, "level", "thiếu cấp của đơn vị".into()));
        } else if !levels.iter().any(|(l, _)| l == level) {
            problems.push(t.problem(
                row,
                "level",
                format!(
                    "cấp “{level}” không có trong chính sách của tỉnh (các cấp: {})",
                    list(levels.iter().map(|(l, _)| l.clone()))
                ),
            ));
        }
        let parent = Some(t.cell(row, "parent").to_owned()).filter(|p| !p.is_empty());
        let unit = Unit {
            id: id.clone(),
            name,
            level: level.to_owned(),
            parent,
        };
        units.insert(id, unit.clone());
        rows.push((row, unit));
    }
    for (row, unit) in &rows {
        check_parent(&t, row, unit, units, levels, problems);
    }
    rows.into_iter().map(|(_, u)| u).collect()
}

/// A unit's parent must exist, sit at a higher level, and lead to a root (no cycle).
fn check_parent(
    t: &Table,
    row: &Row,
    unit: &Unit,
    units: &BTreeMap<String, Unit>,
    levels: &[(String, usize)],
    problems: &mut Vec<Problem>,
) {
    let Some(parent_id) = &unit.parent else {
        return;
    };
    let Some(parent) = units.get(parent_id) else {
        problems.push(t.problem(
            row,
            "parent",
            format!("đơn vị cha “{parent_id}” không có trong tệp hay trong danh bạ"),
        ));
        return;
    };
    let rank = |level: &str| levels.iter().find(|(l, _)| l == level).map(|(_, i)| *i);
    if let (Some(own), Some(above)) = (rank(&unit.level), rank(&parent.level))
        && own <= above
    {
        problems.push(t.problem(
            row,
            "parent",
            format!(
                "đơn vị cha “{parent_id}” ở cấp “{}”, không cao hơn cấp “{}” của đơn vị này",
                parent.level, unit.level
            ),
        ));
    }
    let mut path = vec![unit.id.as_str()];
    let mut at = unit;
    while let Some(next) = at.parent.as_deref().and_then(|p| units.get(p)) {
        path.push(&next.id);
        if next.id == unit.id {
            problems.push(t.problem(
                row,
                "parent",
                format!("đơn vị nằm trong một vòng cha–con: {}", path.join(" → ")),
            ));
            return;
        }
        if path.len() > units.len() {
            return; // a cycle above this unit: reported on its own rows
        }
        at = next;
    }
}

/// What people rows may refer to.
struct Refs<'a> {
    province: &'a str,
    existing: &'a Existing,
    units: &'a BTreeMap<String, Unit>,
    departments: &'a BTreeSet<String>,
    jobs: &'a BTreeSet<String>,
    this_year: i32,
}

/// Earliest "office since" year accepted.
const FIRST_YEAR: i32 = 1950;

fn plan_people(t: &Table, refs: &Refs<'_>, problems: &mut Vec<Problem>) -> Vec<PlannedPerson> {
    let mut seen_codes: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen_usernames: BTreeMap<String, u64> = BTreeMap::new();
    let mut people = Vec::new();
    let prefix = format!("{}-", refs.province);
    for row in &t.rows {
        let code = match CadreCode::parse(t.cell(row, "code")) {
            Err(e) => {
                problems.push(t.problem(row, "code", e.to_string()));
                String::new()
            }
            Ok(c) => c.as_str().to_owned(),
        };
        if !code.is_empty() {
            if !code.starts_with(&prefix) {
                problems.push(t.problem(
                    row,
                    "code",
                    format!(
                        "mã cán bộ “{code}” của tỉnh {} phải bắt đầu bằng “{prefix}”",
                        refs.province
                    ),
                ));
            } else if let Some(first) = seen_codes.get(&code) {
                problems.push(t.problem(
                    row,
                    "code",
                    format!("mã cán bộ “{code}” trùng với dòng {first}"),
                ));
            } else if let Some(other) = refs
                .existing
                .people
                .get(&code)
                .filter(|p| p.province != refs.province)
            {
                problems.push(t.problem(
                    row,
                    "code",
                    format!("mã cán bộ “{code}” đã thuộc tỉnh {}", other.province),
                ));
            }
            seen_codes.entry(code.clone()).or_insert(row.line);
        }
        let name = name_cell(t, row, "cán bộ", problems);
        let unit = t.cell(row, "unit").to_owned();
        if unit.is_empty() {
            problems.push(t.problem(row, "unit", "thiếu đơn vị công tác".into()));
        } else if !refs.units.contains_key(&unit) {
            problems.push(t.problem(
                row,
                "unit",
                format!("đơn vị “{unit}” không có trong danh bạ"),
            ));
        }
        let department = Some(t.cell(row, "department").to_owned()).filter(|d| !d.is_empty());
        if let Some(d) = &department
            && !refs.departments.contains(d)
        {
            problems.push(t.problem(
                row,
                "department",
                format!("phòng ban “{d}” không có trong danh bạ"),
            ));
        }
        let job = t.cell(row, "job").to_owned();
        if job.is_empty() {
            problems.push(t.problem(row, "job", "thiếu chức danh".into()));
        } else if !refs.jobs.contains(&job) {
            problems.push(t.problem(
                row,
                "job",
                format!(
                    "chức danh “{job}” không có trong chính sách của tỉnh (các chức danh: {})",
                    list(refs.jobs.iter().cloned())
                ),
            ));
        }
        let office_since = office_since(t, row, refs.this_year, problems);
        let roles = roles(t, row, refs, problems);
        let username = username(t, row, &code, refs, &mut seen_usernames, problems);
        people.push(PlannedPerson {
            person: Person {
                code,
                name,
                unit,
                department,
                job,
                office_since,
                roles,
            },
            username,
        });
    }
    people
}

fn office_since(t: &Table, row: &Row, this_year: i32, problems: &mut Vec<Problem>) -> Option<i32> {
    let text = t.cell(row, "office_since");
    if text.is_empty() {
        return None;
    }
    match text.parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=this_year).contains(&y) => Some(y),
        _ => {
            problems.push(t.problem(
                row,
                "office_since",
                format!("năm vào cơ quan “{text}” không hợp lệ: cần một năm từ {FIRST_YEAR} đến {this_year}"),
            ));
            None
        }
    }
}

fn roles(t: &Table, row: &Row, refs: &Refs<'_>, problems: &mut Vec<Problem>) -> Vec<Role> {
    let mut roles = Vec::new();
    for text in t
        .cell(row, "roles")
        .split(';')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let role = match Role::parse(text) {
            Ok(r) => r,
            Err(e) => {
                problems.push(t.problem(row, "roles", e.to_string()));
                continue;
            }
        };
        let missing = match &role {
            Role::DepartmentHead { department } if !refs.departments.contains(department) => {
                Some(format!("phòng ban “{department}”"))
            }
            Role::HostOfficer { unit } | Role::DistrictOfficer { unit }
                if !refs.units.contains_key(unit) =>
            {
                Some(format!("đơn vị “{unit}”"))
            }
            _ => None,
        };
        if let Some(missing) = missing {
            problems.push(t.problem(
                row,
                "roles",
                format!("vai trò “{text}”: {missing} không có trong danh bạ"),
            ));
        } else if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

fn username(
    t: &Table,
    row: &Row,
    code: &str,
    refs: &Refs<'_>,
    seen: &mut BTreeMap<String, u64>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let text = t.cell(row, "username");
    if text.is_empty() {
        return None;
    }
    let name = match normalise_username(text) {
        Ok(n) => n,
        Err(e) => {
            problems.push(t.problem(row, "username", e.to_string()));
            return None;
        }
    };
    if let Some(first) = seen.get(&name) {
        problems.push(t.problem(
            row,
            "username",
            format!("tên đăng nhập “{name}” trùng với dòng {first}"),
        ));
    } else if let Some(owner) = refs.existing.usernames.get(&name).filter(|o| *o != code) {
        problems.push(t.problem(
            row,
            "username",
            format!("tên đăng nhập “{name}” đã là của {owner}"),
        ));
    }
    seen.entry(name.clone()).or_insert(row.line);
    Some(name)
}

#[cfg(test)]
mod tests;
