//! The directory's SQL: reading a province's snapshot, the change log, and the small
//! queries the operations share. Schema: `schema.sql`.

use super::import::{Existing, ImportReport, KnownPerson, Plan};
use crate::store::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use shared::directory::{
    Department, DeviceKey, Person, PolicyYears, Province, Role, SNAPSHOT_FORMAT, Snapshot, Unit,
};
use shared::policy::Policy;
use std::collections::BTreeMap;

/// One row of `directory_changes`.
#[derive(Debug, Clone)]
pub(super) struct Change {
    pub seq: i64,
    pub province: String,
    pub kind: String,
    pub subject: String,
}

pub(super) fn last_change(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row(
        "SELECT coalesce(max(seq), 0) FROM directory_changes",
        [],
        |r| r.get(0),
    )?)
}

pub(super) fn changes_after(c: &Connection, seq: i64) -> Result<Vec<Change>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, province, kind, subject FROM directory_changes WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([seq], |r| {
        Ok(Change {
            seq: r.get(0)?,
            province: r.get(1)?,
            kind: r.get(2)?,
            subject: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Logs a change. `subject` is a person code or device id, never a secret.
pub(super) fn log(
    c: &Connection,
    at: i64,
    province: &str,
    kind: &str,
    subject: &str,
    by: &str,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO directory_changes (at, province, kind, subject, by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, province, kind, subject, by],
    )?;
    Ok(())
}

/// The snapshot devices see has changed: a new version.
pub(super) fn bump(c: &Connection, province: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE provinces SET version = version + 1 WHERE code = ?1",
        [province],
    )?;
    Ok(())
}

pub(super) fn provinces(c: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = c.prepare_cached("SELECT code FROM provinces ORDER BY code")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn province_version(c: &Connection, province: &str) -> Result<Option<u64>, StoreError> {
    Ok(c.query_row(
        "SELECT version FROM provinces WHERE code = ?1",
        [province],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
    .map(|v| v.max(0) as u64))
}

pub(super) fn device_person(c: &Connection, device: &str) -> Result<Option<String>, StoreError> {
    Ok(
        c.query_row("SELECT person FROM devices WHERE id = ?1", [device], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

fn bad_data(what: String) -> StoreError {
    StoreError::Unavailable(what)
}

pub(super) fn policies(c: &Connection, province: &str) -> Result<Vec<PolicyYears>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT year_from, year_to, policy FROM province_policies WHERE province = ?1 ORDER BY year_from",
    )?;
    let rows = stmt.query_map([province], |r| {
        Ok((
            r.get::<_, i32>(0)?,
            r.get::<_, Option<i32>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (year_from, year_to, json) = row?;
        let policy: Policy = serde_json::from_str(&json)
            .map_err(|e| bad_data(format!("the policy of {province} from {year_from}: {e}")))?;
        out.push(PolicyYears {
            year_from,
            year_to,
            policy,
        });
    }
    Ok(out)
}

pub(super) fn units(c: &Connection, province: &str) -> Result<Vec<Unit>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT id, name, level, parent FROM units WHERE province = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([province], |r| {
        Ok(Unit {
            id: r.get(0)?,
            name: r.get(1)?,
            level: r.get(2)?,
            parent: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn departments(c: &Connection, province: &str) -> Result<Vec<Department>, StoreError> {
    let mut stmt =
        c.prepare_cached("SELECT id, name FROM departments WHERE province = ?1 ORDER BY id")?;
    let rows = stmt.query_map([province], |r| {
        Ok(Department {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The roles of every person of the province, by code.
fn roles(c: &Connection, province: &str) -> Result<BTreeMap<String, Vec<Role>>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT r.person, r.role FROM person_roles r JOIN people p ON p.code = r.person
         WHERE p.province = ?1 ORDER BY r.person, r.role",
    )?;
    let rows = stmt.query_map([province], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out: BTreeMap<String, Vec<Role>> = BTreeMap::new();
    for row in rows {
        let (person, text) = row?;
        let role = Role::parse(&text)
            .map_err(|e| bad_data(format!("a role of {person} ({text}): {e}")))?;
        out.entry(person).or_default().push(role);
    }
    Ok(out)
}

/// A person row, with whether they are still listed.
pub(super) struct PersonRow {
    pub person: Person,
    pub active: bool,
}

/// The people of the province (inactive ones too), with their roles.
pub(super) fn people(c: &Connection, province: &str) -> Result<Vec<PersonRow>, StoreError> {
    let mut roles = roles(c, province)?;
    let mut stmt = c.prepare_cached(
        "SELECT code, name, unit, department, job, office_since, active FROM people
         WHERE province = ?1 ORDER BY code",
    )?;
    let rows = stmt.query_map([province], |r| {
        Ok(PersonRow {
            person: Person {
                code: r.get(0)?,
                name: r.get(1)?,
                unit: r.get(2)?,
                department: r.get(3)?,
                job: r.get(4)?,
                office_since: r.get(5)?,
                roles: Vec::new(),
            },
            active: r.get::<_, i64>(6)? != 0,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let mut row = row?;
        row.person.roles = roles.remove(&row.person.code).unwrap_or_default();
        out.push(row);
    }
    Ok(out)
}

/// One person (with their roles), and the province they belong to.
pub(super) fn person(
    c: &Connection,
    code: &str,
) -> Result<Option<(String, PersonRow)>, StoreError> {
    let Some((province, mut row)) = c
        .query_row(
            "SELECT province, code, name, unit, department, job, office_since, active
             FROM people WHERE code = ?1",
            [code],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    PersonRow {
                        person: Person {
                            code: r.get(1)?,
                            name: r.get(2)?,
                            unit: r.get(3)?,
                            department: r.get(4)?,
                            job: r.get(5)?,
                            office_since: r.get(6)?,
                            roles: Vec::new(),
                        },
                        active: r.get::<_, i64>(7)? != 0,
                    },
                ))
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt =
        c.prepare_cached("SELECT role FROM person_roles WHERE person = ?1 ORDER BY role")?;
    for text in stmt.query_map([code], |r| r.get::<_, String>(0))? {
        let text = text?;
        let role =
            Role::parse(&text).map_err(|e| bad_data(format!("a role of {code} ({text}): {e}")))?;
        row.person.roles.push(role);
    }
    Ok(Some((province, row)))
}

/// The devices of the province (revoked and expired too: their changes stay attributed).
pub(super) fn device_keys(c: &Connection, province: &str) -> Result<Vec<DeviceKey>, StoreError> {
    let mut actors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT a.device, a.actor FROM device_actors a JOIN devices d ON d.id = a.device
             JOIN people p ON p.code = d.person WHERE p.province = ?1 ORDER BY a.device, a.actor",
        )?;
        let rows = stmt.query_map([province], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (device, actor) = row?;
            actors.entry(device).or_default().push(actor);
        }
    }
    let mut stmt = c.prepare_cached(
        "SELECT d.id, d.person, d.public_key, d.label, d.enrolled_at, d.revoked_at
         FROM devices d JOIN people p ON p.code = d.person WHERE p.province = ?1
         ORDER BY d.person, d.enrolled_at, d.id",
    )?;
    let rows = stmt.query_map([province], |r| {
        let id: String = r.get(0)?;
        Ok(DeviceKey {
            actors: actors.remove(&id).unwrap_or_default(),
            id,
            person: r.get(1)?,
            public_key: super::secrets::b64url(&r.get::<_, Vec<u8>>(2)?),
            label: r.get(3)?,
            enrolled_at: r.get(4)?,
            revoked_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The province's snapshot, or `None` if there is no such province. People no longer
/// listed are kept with no roles, so what they wrote stays attributed and readable.
pub(super) fn load_snapshot(
    c: &Connection,
    province: &str,
) -> Result<Option<Snapshot>, StoreError> {
    let Some((name, version)) = c
        .query_row(
            "SELECT name, version FROM provinces WHERE code = ?1",
            [province],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let people = people(c, province)?
        .into_iter()
        .map(|row| {
            let mut person = row.person;
            if !row.active {
                person.roles.clear();
            }
            person
        })
        .collect();
    Ok(Some(Snapshot {
        format: SNAPSHOT_FORMAT,
        province: Province {
            code: province.to_owned(),
            name,
        },
        version: version.max(0) as u64,
        units: units(c, province)?,
        departments: departments(c, province)?,
        people,
        devices: device_keys(c, province)?,
        policies: policies(c, province)?,
    }))
}

/// What an import of `province` is checked against.
pub(super) fn existing(c: &Connection, province: &str) -> Result<Existing, StoreError> {
    let mut people = BTreeMap::new();
    {
        let mut stmt = c.prepare_cached("SELECT code, province, active FROM people")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                KnownPerson {
                    province: r.get(1)?,
                    active: r.get::<_, i64>(2)? != 0,
                },
            ))
        })?;
        for row in rows {
            let (code, p) = row?;
            people.insert(code, p);
        }
    }
    let mut usernames = BTreeMap::new();
    {
        let mut stmt =
            c.prepare_cached("SELECT username, person FROM accounts WHERE username IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (username, person) = row?;
            usernames.insert(username, person);
        }
    }
    Ok(Existing {
        units: units(c, province)?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect(),
        departments: departments(c, province)?
            .into_iter()
            .map(|d| d.id)
            .collect(),
        people,
        usernames,
        policies: policies(c, province)?
            .into_iter()
            .map(|p| p.policy)
            .collect(),
    })
}

/// Writes a checked plan. The caller holds the transaction.
pub(super) fn apply(
    c: &Connection,
    province: &str,
    plan: &Plan,
    existing: &Existing,
    now: i64,
    by: &str,
) -> Result<ImportReport, StoreError> {
    let mut applied = ImportReport {
        units: plan.units.len(),
        departments: plan.departments.len(),
        ..ImportReport::default()
    };
    for u in &plan.units {
        c.execute(
            "INSERT INTO units (province, id, name, level, parent) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (province, id) DO UPDATE SET
               name = excluded.name, level = excluded.level, parent = excluded.parent",
            params![province, u.id, u.name, u.level, u.parent],
        )?;
    }
    for d in &plan.departments {
        c.execute(
            "INSERT INTO departments (province, id, name) VALUES (?1, ?2, ?3)
             ON CONFLICT (province, id) DO UPDATE SET name = excluded.name",
            params![province, d.id, d.name],
        )?;
    }
    for planned in plan.people.iter().flatten() {
        let p = &planned.person;
        match existing.people.get(&p.code) {
            None => applied.added.push(p.code.clone()),
            Some(known) if !known.active => applied.reactivated.push(p.code.clone()),
            Some(_) => {}
        }
        c.execute(
            "INSERT INTO people (code, province, name, unit, department, job, office_since, active)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)
             ON CONFLICT (code) DO UPDATE SET
               name = excluded.name, unit = excluded.unit, department = excluded.department,
               job = excluded.job, office_since = excluded.office_since, active = 1",
            params![
                p.code,
                province,
                p.name,
                p.unit,
                p.department,
                p.job,
                p.office_since
            ],
        )?;
        c.execute("DELETE FROM person_roles WHERE person = ?1", [&p.code])?;
        for role in &p.roles {
            c.execute(
                "INSERT INTO person_roles (person, role) VALUES (?1, ?2)",
                params![p.code, role.to_code_string()],
            )?;
        }
        if let Some(username) = &planned.username
            && existing.usernames.get(username) != Some(&p.code)
        {
            c.execute(
                "INSERT INTO accounts (person, username, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (person) DO UPDATE SET username = excluded.username",
                params![p.code, username, now],
            )?;
            applied.usernames.push(username.clone());
        }
        applied.people += 1;
    }
    for code in &plan.deactivate {
        c.execute("UPDATE people SET active = 0 WHERE code = ?1", [code])?;
        log(c, now, province, "person-inactive", code, by)?;
        applied.deactivated.push(code.clone());
    }
    log(c, now, province, "import", province, by)?;
    bump(c, province)?;
    Ok(applied)
}
