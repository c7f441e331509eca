//! The office's province-wide view (issue 12, its first part): every cadre-year a viewer
//! may read, gathered from the store and rated by the same `assemble` + `evaluate` as the
//! phone, so the office's table and the cadre's forecast cannot disagree; exported as an
//! .xlsx workbook and as CSV (`export`), over HTTP for office roles (`api`) and from the
//! command line (`dicoso export`).

pub mod api;
pub mod export;

use crate::store::{Store, StoreError};
use automerge::ActorId;
use chrono::NaiveDate;
use shared::access::rights;
use shared::assemble::{Gathered, rate};
use shared::directory::{Directory, Role};
use shared::doc::{CadreCode, DocKey};
use shared::dossier::Dossier;
pub use shared::office::is_office;
use shared::office::{RatingLine, RatingTable, open_items};
use shared::verdict::Verdict;
use std::collections::BTreeMap;

/// One cadre's line of the office's table, and what it was made from (for the overview).
#[derive(Debug, Clone)]
pub struct CadreRow {
    pub line: RatingLine,
    /// `None` when the year cannot be rated yet (the line says why).
    pub rated: Option<(Dossier, Verdict)>,
}

/// Why the office's table cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error("không đọc được kho dữ liệu: {0}")]
    Store(#[from] StoreError),
    #[error("chưa có quy định đi cơ sở cho năm {0}")]
    NoPolicy(i32),
    /// Only office roles see a province's table.
    #[error(
        "cần vai trò Ban Tổ chức – Kiểm tra, Thường trực hoặc lãnh đạo phòng, ban để xem bảng tổng hợp"
    )]
    NotOffice,
}

/// The cadres of `dir`'s province that `viewer` may read (all, for the CLI: `None`), each
/// rated for `year` as of `as_of` from every document the store holds about them, in
/// Vietnamese name order.
pub async fn rate_province(
    store: &Store,
    dir: &Directory,
    viewer: Option<&str>,
    year: i32,
    as_of: NaiveDate,
) -> Result<Vec<CadreRow>, OfficeError> {
    if dir.policy_for(year).is_none() {
        return Err(OfficeError::NoPolicy(year));
    }
    let mut cadres: Vec<_> = dir
        .people()
        .iter()
        .filter(|p| p.roles.contains(&Role::Cadre))
        .filter_map(|p| Some((p, CadreCode::parse(&p.code).ok()?)))
        .filter(|(_, code)| {
            viewer.is_none_or(|v| rights(dir, v, &DocKey::dossier(code.clone(), year)).read)
        })
        .collect();
    shared::text::sort_by_person_name(&mut cadres, |(p, _)| &p.name);

    let mut by_cadre: BTreeMap<String, Vec<(String, DocKey)>> = BTreeMap::new();
    for (id, key) in store.load_index().await? {
        if key.year == year {
            by_cadre
                .entry(key.cadre.as_str().to_owned())
                .or_default()
                .push((id.to_string(), key));
        }
    }
    let mut rows = Vec::with_capacity(cadres.len());
    for (person, code) in cadres {
        let mut gathered = Gathered::default();
        for (id, key) in by_cadre.get(code.as_str()).into_iter().flatten() {
            if let Some(stored) = store.load(id).await? {
                gathered.add(key, &stored.bytes, ActorId::random());
            }
        }
        let department = person.department.as_deref();
        let sources = gathered.sources(department, Some(dir));
        let rated = rate(Some(dir), code.as_str(), year, sources, as_of);
        let open = match (&rated, dir.policy_for(year)) {
            (Ok(r), Some(policy)) => open_items(r, &sources, policy),
            _ => Vec::new(),
        };
        let rated = rated
            .map(|r| (r.assembled.dossier, r.verdict))
            .map_err(|e| e.to_string());
        let mut line = RatingLine::new(
            &person.code,
            &person.name,
            department
                .and_then(|d| dir.department(d))
                .map_or("", |d| d.name.as_str()),
            rated.as_ref().map(|(_, v)| v).map_err(Clone::clone),
            gathered.unreadable.len(),
        );
        line.open = open;
        rows.push(CadreRow {
            line,
            rated: rated.ok(),
        });
    }
    Ok(rows)
}

/// Seed 002 §3's aggregates over the rows that could be rated.
pub fn summary(rows: &[CadreRow]) -> shared::summary::Summary {
    shared::summary::summarize(
        rows.iter()
            .filter_map(|r| r.rated.as_ref())
            .map(|(d, v)| (d, v)),
    )
}

/// The table the office's page reads.
pub fn table(rows: &[CadreRow], dir: &Directory, year: i32, as_of: NaiveDate) -> RatingTable {
    RatingTable {
        province: dir.province().name.clone(),
        year,
        as_of,
        lines: rows.iter().map(|r| r.line.clone()).collect(),
        summary: Some(summary(rows)),
    }
}
