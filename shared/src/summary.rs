//! The aggregates HQ publishes (seed 002 §I.2.4, §I.3): eligible cadres after exemptions,
//! how many met the requirement, total and average days, share at or above the minimum,
//! chi đoàn meetings per unit, thematic trips per quarter.

use crate::dossier::Dossier;
use crate::verdict::{Rating, Verdict};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByRating {
    pub khong_dat: u32,
    pub dat: u32,
    pub xuat_sac: u32,
    pub mien: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMeetings {
    pub unit: String,
    pub level: String,
    /// Chi đoàn meetings attended in the unit that meet the requirement (under Tây Ninh,
    /// not those attended only on invitation).
    pub meetings: u32,
    /// Distinct cadres who attended one.
    pub cadres: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentSummary {
    pub department: String,
    pub eligible: u32,
    pub met: u32,
    pub total_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub dossiers: u32,
    pub years: Vec<i32>,
    pub policies: Vec<String>,
    /// Miễn: exempt or outside the policy's scope.
    pub exempt: u32,
    /// Cadres the policy applies to (dossiers − exempt).
    pub eligible: u32,
    /// Eligible cadres rated Đạt or Xuất sắc.
    pub met: u32,
    pub by_rating: ByRating,
    /// Counted days of eligible cadres.
    pub total_days: u32,
    /// Total days / eligible cadres, two decimals.
    pub average_days: f64,
    /// Eligible cadres whose counted days reach their required minimum.
    pub at_or_above_minimum: u32,
    /// Percentage of eligible cadres at or above the minimum, two decimals.
    pub at_or_above_minimum_percent: f64,
    /// Units (seed 002: "17/18 huyện") with the chi đoàn meetings attended there.
    pub chi_doan_meetings_by_unit: Vec<UnitMeetings>,
    /// Counted thematic trips of eligible cadres by the quarter they start in (Q1..Q4).
    pub thematic_trips_by_quarter: [u32; 4],
    pub by_department: Vec<DepartmentSummary>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Aggregates verdicts with their dossiers (pairs in any order give the same summary).
pub fn summarize<'a>(items: impl IntoIterator<Item = (&'a Dossier, &'a Verdict)>) -> Summary {
    let mut s = Summary {
        dossiers: 0,
        years: Vec::new(),
        policies: Vec::new(),
        exempt: 0,
        eligible: 0,
        met: 0,
        by_rating: ByRating::default(),
        total_days: 0,
        average_days: 0.0,
        at_or_above_minimum: 0,
        at_or_above_minimum_percent: 0.0,
        chi_doan_meetings_by_unit: Vec::new(),
        thematic_trips_by_quarter: [0; 4],
        by_department: Vec::new(),
    };
    // (unit name, level) → (meetings, cadre ids)
    let mut units: BTreeMap<(String, String), (u32, Vec<&str>)> = BTreeMap::new();
    let mut departments: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for (d, v) in items {
        s.dossiers += 1;
        if !s.years.contains(&v.year) {
            s.years.push(v.year);
        }
        if !s.policies.contains(&v.policy) {
            s.policies.push(v.policy.clone());
        }
        match v.rating {
            Rating::KhongDat => s.by_rating.khong_dat += 1,
            Rating::Dat => s.by_rating.dat += 1,
            Rating::XuatSac => s.by_rating.xuat_sac += 1,
            Rating::Mien => s.by_rating.mien += 1,
        }
        // The verdict counted meetings on invitation as not attending iff its policy
        // excludes them and there was one.
        let skip_invited = v.coverage.chi_doan_invitation_only > 0;
        for m in &d.chi_doan_meetings {
            if m.date.year() == v.year
                && m.date <= v.as_of
                && !(skip_invited && d.meeting_on_invitation(m))
            {
                let e = units
                    .entry((m.unit.name.clone(), m.unit.level.clone()))
                    .or_default();
                e.0 += 1;
                if !e.1.contains(&d.cadre.id.as_str()) {
                    e.1.push(&d.cadre.id);
                }
            }
        }
        if v.rating == Rating::Mien {
            s.exempt += 1;
            continue;
        }
        s.eligible += 1;
        let met = matches!(v.rating, Rating::Dat | Rating::XuatSac);
        s.met += u32::from(met);
        s.total_days += v.days.counted;
        s.at_or_above_minimum += u32::from(v.days.counted >= v.days.required);
        for t in &v.thematic.trips {
            s.thematic_trips_by_quarter[(t.start.month0() / 3) as usize] += 1;
        }
        let dept = departments
            .entry(d.cadre.department.clone().unwrap_or_default())
            .or_default();
        dept.0 += 1;
        dept.1 += u32::from(met);
        dept.2 += v.days.counted;
    }
    s.years.sort_unstable();
    s.policies.sort();
    if s.eligible > 0 {
        s.average_days = round2(f64::from(s.total_days) / f64::from(s.eligible));
        s.at_or_above_minimum_percent =
            round2(100.0 * f64::from(s.at_or_above_minimum) / f64::from(s.eligible));
    }
    s.chi_doan_meetings_by_unit = units
        .into_iter()
        .map(|((unit, level), (meetings, cadres))| UnitMeetings {
            unit,
            level,
            meetings,
            cadres: u32::try_from(cadres.len()).unwrap_or(u32::MAX),
        })
        .collect();
    s.by_department = departments
        .into_iter()
        .map(
            |(department, (eligible, met, total_days))| DepartmentSummary {
                department,
                eligible,
                met,
                total_days,
            },
        )
        .collect();
    s
}
