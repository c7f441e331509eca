//! Reports owed by units, not persons (báo cáo của đơn vị): the department's report on its
//! cadres' trips, TC-KT's summaries, the district's year report. The office tracks them;
//! they change no one's rating (no seed says they do).

use super::{Deadline, Policy};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One report a kind of unit owes, with its deadline and the clause that sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitReport {
    /// Stable code, unique in the policy: "phong-ban-dot".
    pub code: String,
    /// Level ([`Policy::levels`]) of the units that owe it: "tinh" for the departments
    /// and TC-KT, "huyen" for the district offices.
    pub level: String,
    /// Who owes it: "Trưởng phòng, ban chuyên môn".
    pub owed_by_vi: String,
    /// To whom: "Thường trực Tỉnh đoàn (qua Ban Tổ chức – Kiểm tra)".
    pub to_vi: String,
    /// What: "Báo cáo kết quả đi cơ sở của đơn vị, kèm báo cáo của từng cán bộ".
    pub what_vi: String,
    pub due: UnitReportDue,
    /// The date is this policy's assumption: the source gives a rhythm ("hằng quý"), not
    /// a day.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
    /// The seed clause: "000 §IV Bước 4".
    pub clause: String,
}

/// When a unit's report is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitReportDue {
    /// On fixed days of each year (Kiên Giang's departments: before 30/6 and before 30/12).
    Yearly(Vec<Deadline>),
    /// N days after each trip of the unit's cadres ends (Tây Ninh's departments: 3).
    DaysAfterTrip(u32),
    /// By the last day of each registration period ("hằng quý").
    EachPeriod,
    /// The source gives neither a day nor a rhythm to compute one ("định kỳ 6 tháng").
    Undated,
}

impl UnitReport {
    /// The last days on time in `year`, in date order; empty for a report due after each
    /// trip ([`UnitReport::due_after_trip`]) or undated.
    pub fn last_days(&self, policy: &Policy, year: i32) -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> = match &self.due {
            UnitReportDue::Yearly(list) => list.iter().map(|d| d.last_day(year)).collect(),
            UnitReportDue::EachPeriod => policy
                .registration
                .periods
                .iter()
                .map(|p| p.last_day.in_year(year))
                .collect(),
            UnitReportDue::DaysAfterTrip(_) | UnitReportDue::Undated => Vec::new(),
        };
        days.sort_unstable();
        days
    }

    /// The last day on time for the report on a trip ending on `trip_end`, for a report
    /// due after each trip.
    pub fn due_after_trip(&self, trip_end: NaiveDate) -> Option<NaiveDate> {
        match self.due {
            UnitReportDue::DaysAfterTrip(n) => {
                trip_end.checked_add_days(chrono::Days::new(n.into()))
            }
            _ => None,
        }
    }
}

impl Policy {
    /// The units' reports falling due in `year`, by date (then by the policy's order):
    /// what the office lists and chases.
    pub fn unit_reports_due(&self, year: i32) -> Vec<(NaiveDate, &UnitReport)> {
        let mut out: Vec<(NaiveDate, &UnitReport)> = self
            .unit_reports
            .iter()
            .flat_map(|r| r.last_days(self, year).into_iter().map(move |d| (d, r)))
            .collect();
        out.sort_by_key(|(d, _)| *d);
        out
    }
}
