//! The cadre's year rated on the device: `shared::assemble::rate`, the function
//! `dicoso evaluate --store` calls too, on this device's documents. The app never counts
//! days or decides anything of its own: every figure the pages show comes from here.

use chrono::NaiveDate;
use shared::assemble::{
    RateError, Rated, Sources, TripStage, assemble, cadre_facts, policy_for, rate, verdict_json,
};
use shared::directory::Directory;
use shared::doc::{CadreCode, CadreYear};

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
}

impl YearRating {
    pub fn rated(&self) -> Option<&Rated> {
        self.outcome.as_ref().ok()
    }
}

/// Rates `year` of `code` from the device's dossier of that year (if any).
pub fn rate_year(
    directory: Option<&Directory>,
    code: &CadreCode,
    year: i32,
    dossier: Option<&CadreYear>,
    as_of: NaiveDate,
) -> YearRating {
    timing::start();
    let outcome = rate(
        directory,
        code.as_str(),
        year,
        Sources {
            dossier,
            directory,
            ..Sources::default()
        },
        as_of,
    );
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
    }
}

/// Each trip's stage (and so whose move it is), for every year on the device: the same
/// `assemble` the rating uses, without the engine.
pub fn trip_stages(
    directory: Option<&Directory>,
    code: &CadreCode,
    years: &std::collections::BTreeMap<i32, CadreYear>,
    today: NaiveDate,
) -> std::collections::HashMap<String, TripStage> {
    let mut out = std::collections::HashMap::new();
    for (&year, dossier) in years {
        let Some(policy) = policy_for(directory, year) else {
            continue;
        };
        let (cadre, _) = cadre_facts(directory, code.as_str(), year);
        let assembled = assemble(
            policy,
            cadre,
            year,
            Sources {
                dossier: Some(dossier),
                directory,
                ..Sources::default()
            },
            today,
        );
        out.extend(assembled.stages);
    }
    out
}

/// The browser's performance timeline: `dicoso:verdict` measures the last recompute,
/// `dicoso:year-ready` marks the first time Năm nay shows a rated year. The benchmarks
/// (`cargo xtask bench-ui`) read them; nothing else does.
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
        #[cfg(feature = "hydrate")]
        if let Some(p) = performance()
            && p.get_entries_by_name("dicoso:year-ready").length() == 0
        {
            let _ = p.mark("dicoso:year-ready");
        }
    }
}
