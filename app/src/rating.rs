//! The cadre's year rated on the device: `shared::assemble::rate`, the function
//! `dicoso evaluate --store` calls too, on this device's documents. The app never counts
//! days or decides anything of its own: every figure the pages show comes from here.

use crate::local::CadreDocs;
use chrono::NaiveDate;
use shared::assemble::{
    RateError, Rated, TripStage, assemble, cadre_facts, policy_for, rate, verdict_json,
};
use shared::confirm::Degree;
use shared::directory::Directory;
use shared::doc::CadreCode;
use shared::doc::party::Taken;
use shared::office::{OpenItem, open_items};
use std::collections::HashMap;

/// One year, rated as of one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearRating {
    pub year: i32,
    pub as_of: NaiveDate,
    pub outcome: Result<Rated, RateError>,
    /// The verdict in the public JSON format, as `dicoso evaluate --store` prints it
    /// (empty when the year could not be rated).
    pub json: String,
    /// Trips recorded before the host's level was asked (schema 1): the engine cannot
    /// rate the year until the cadre gives it. (id, host name)
    pub level_unknown: Vec<(String, String)>,
    /// What is waiting in the year, and on whom: the list the office's worklists show.
    pub open: Vec<OpenItem>,
}

impl YearRating {
    pub fn rated(&self) -> Option<&Rated> {
        self.outcome.as_ref().ok()
    }
}

/// The cadre's department, as the directory says: whose review counts.
fn department<'a>(directory: Option<&'a Directory>, code: &CadreCode) -> Option<&'a str> {
    directory?.person(code.as_str())?.department.as_deref()
}

/// Rates `year` of `code` from the device's documents of that year (if any).
pub fn rate_year(
    directory: Option<&Directory>,
    code: &CadreCode,
    year: i32,
    docs: &CadreDocs,
    as_of: NaiveDate,
) -> YearRating {
    timing::start();
    let dossier = docs.year(year);
    let sources = docs.sources(year, department(directory, code), directory);
    let outcome = rate(directory, code.as_str(), year, sources, as_of);
    let open = match (&outcome, policy_for(directory, year)) {
        (Ok(rated), Some(policy)) => open_items(rated, &sources, policy),
        _ => Vec::new(),
    };
    let json = outcome
        .as_ref()
        .map(|r| verdict_json(&r.verdict))
        .unwrap_or_default();
    timing::end();
    let level_unknown = dossier
        .map(|d| {
            d.trips
                .iter()
                .filter(|t| !t.host_level_known && t.trip.host.level.is_empty())
                .map(|t| (t.id().to_owned(), t.trip.host.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    YearRating {
        year,
        as_of,
        outcome,
        json,
        level_unknown,
        open,
    }
}

/// Each trip's stage (and so whose move it is) and the host's word on it, for every year
/// on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripStates {
    pub stages: HashMap<String, TripStage>,
    /// The confirmation that counts, by trip id: (officer's name, degree).
    pub confirmed_by: HashMap<String, (String, Degree)>,
    /// Confirmations that do not count, by trip id, each with why (Vietnamese).
    pub rejected: HashMap<String, Vec<String>>,
    /// The department head's word on each trip (its outline, its report's grade), each
    /// with who and when: "Đánh giá: 85/100, … (Trần Văn Đức, 15/03/2026)".
    pub reviewed: HashMap<String, Vec<String>>,
}

/// [`TripStates`] from the same `assemble` the rating uses, without the engine.
pub fn trip_stages(
    directory: Option<&Directory>,
    code: &CadreCode,
    docs: &CadreDocs,
    today: NaiveDate,
) -> TripStates {
    let mut out = TripStates::default();
    for &year in docs.years.keys() {
        let Some(policy) = policy_for(directory, year) else {
            continue;
        };
        let (cadre, _) = cadre_facts(directory, code.as_str(), year);
        let sources = docs.sources(year, department(directory, code), directory);
        if let Some(review) = sources.review {
            let by = |t: &Taken| t.describe_vi(directory);
            let outlines = review
                .outlines
                .iter()
                .map(|e| (&e.subject, e.value.describe_vi(), by(&e.value.taken)));
            let grades = review
                .grades
                .iter()
                .map(|e| (&e.subject, e.value.describe_vi(), by(&e.value.taken)));
            for (trip, what, who) in outlines.chain(grades) {
                out.reviewed
                    .entry(trip.clone())
                    .or_default()
                    .push(format!("{what} ({who})"));
            }
        }
        let assembled = assemble(policy, cadre, year, sources, today);
        out.stages.extend(assembled.stages);
        for (trip, officer, degree) in assembled.confirmed_by {
            out.confirmed_by.insert(trip, (officer, degree));
        }
        for (trip, reason) in assembled.rejected_confirmations {
            out.rejected.entry(trip).or_default().push(reason);
        }
    }
    out
}

/// The browser's performance timeline: `dicoso:verdict` measures the last recompute,
/// `dicoso:year-ready` marks the first time Năm nay shows a rated year, [`timing::phase`]
/// the steps before it. The benchmarks (`cargo xtask bench-ui`) read them; nothing else
/// does.
pub mod timing {
    #[cfg(feature = "hydrate")]
    fn performance() -> Option<web_sys::Performance> {
        web_sys::window()?.performance()
    }

    pub fn start() {
        #[cfg(feature = "hydrate")]
        if let Some(p) = performance() {
            let _ = p.mark("dicoso:verdict-start");
        }
    }

    pub fn end() {
        #[cfg(feature = "hydrate")]
        if let Some(p) = performance() {
            // Only the latest recompute is kept, so the timeline does not grow.
            p.clear_measures_with_measure_name("dicoso:verdict");
            let _ = p.measure_with_start_mark("dicoso:verdict", "dicoso:verdict-start");
            p.clear_marks_with_mark_name("dicoso:verdict-start");
        }
    }

    /// Marks the first time a rated year is on screen (once per page load).
    pub fn year_ready() {
        phase("dicoso:year-ready");
    }

    /// Marks a step of the start the first time it is reached in this page load
    /// (`dicoso:hydrate-start`, `dicoso:hydrated`, `dicoso:profile-open`,
    /// `dicoso:documents-read`): the benchmark reports where the start's time goes.
    pub fn phase(name: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(p) = performance()
            && p.get_entries_by_name(name).length() == 0
        {
            let _ = p.mark(name);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = name;
    }
}
