//! The office's rating table (bảng xếp loại): one line per cadre-year, as the office's
//! page shows it and the .xlsx / CSV exports write it. The server makes it from
//! verdicts; the page reads it as JSON (`GET /api/office/{year}/ratings.json`).

mod open;

pub use open::{OpenItem, OpenKind, open_items};

use crate::directory::{Directory, Role};
use crate::verdict::{Outlook, Verdict};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The table's columns, as headers of the exports.
pub const HEADER: [&str; 13] = [
    "STT",
    "Mã cán bộ",
    "Họ và tên",
    "Phòng, ban",
    "Số ngày đã tính",
    "Số ngày yêu cầu",
    "Chuyến chuyên đề",
    "Chuyên đề yêu cầu",
    "Sinh hoạt chi đoàn",
    "Xếp loại",
    "Tiến độ",
    "Lý do chính",
    "Tính đến ngày",
];

/// The table of a province-year as of a day, in the order of Vietnamese lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingTable {
    /// The province's name.
    pub province: String,
    pub year: i32,
    pub as_of: NaiveDate,
    pub lines: Vec<RatingLine>,
    /// The aggregates of the lines that could be rated (seed 002 §3), as the .xlsx's
    /// "Tổng hợp" sheet has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<crate::summary::Summary>,
}

/// One cadre's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingLine {
    pub code: String,
    pub name: String,
    /// The department's name; empty when none.
    pub department: String,
    /// `None` when the year cannot be rated yet (`reason` says why).
    pub figures: Option<Figures>,
    /// "Đạt", or during the year "Đạt (dự kiến)"; empty when not rated.
    pub rating: String,
    /// During the year only.
    pub outlook: Option<Outlook>,
    /// The engine's one-line reason, or why the year cannot be rated.
    pub reason: String,
    /// What is waiting in the year, and on whom.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<OpenItem>,
}

/// The counts a line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub days_counted: u32,
    pub days_required: u32,
    pub thematic_counted: u32,
    pub thematic_required: u32,
    pub chi_doan_meetings: u32,
}

/// Whether `person` holds a role that reads other cadres' years: Ban Tổ chức – Kiểm tra,
/// the standing committee, or a department head (who sees their department's).
pub fn is_office(dir: &Directory, person: &str) -> bool {
    dir.person(person).is_some_and(|p| {
        p.roles
            .iter()
            .any(|r| matches!(r, Role::Hq | Role::Standing | Role::DepartmentHead { .. }))
    })
}

/// The rating as a table shows it: the official one, or during the year what completing
/// the pending items would give, marked as such.
pub fn rating_label(v: &Verdict) -> String {
    match &v.forecast {
        Some(f) => format!("{} (dự kiến)", f.projected_rating.label_vi()),
        None => v.rating_vi.to_string(),
    }
}

impl RatingLine {
    /// The line of a person: their verdict, or why there is none (`Err`, in Vietnamese);
    /// `unreadable` documents about them were left out and are said so.
    pub fn new(
        code: &str,
        name: &str,
        department: &str,
        verdict: Result<&Verdict, String>,
        unreadable: usize,
    ) -> RatingLine {
        let mut line = RatingLine {
            code: code.to_owned(),
            name: name.to_owned(),
            department: department.to_owned(),
            figures: None,
            rating: String::new(),
            outlook: None,
            reason: String::new(),
            open: Vec::new(),
        };
        match verdict {
            Ok(v) => {
                line.figures = Some(Figures {
                    days_counted: v.days.counted,
                    days_required: v.days.required,
                    thematic_counted: v.thematic.counted,
                    thematic_required: v.thematic.required,
                    chi_doan_meetings: v.coverage.chi_doan_meetings,
                });
                line.rating = rating_label(v);
                line.outlook = v.forecast.as_ref().map(|f| f.outlook);
                line.reason = v
                    .main_reason()
                    .map(|f| f.message_vi.clone())
                    .unwrap_or_default();
            }
            Err(why) => line.reason = format!("Chưa xếp loại được: {why}"),
        }
        if unreadable > 0 {
            line.reason = format!(
                "{} ({unreadable} tài liệu không đọc được, chưa tính)",
                line.reason
            )
            .trim()
            .to_owned();
        }
        line
    }

    /// The outlook in words ("Đúng tiến độ"…), empty after the year.
    pub fn outlook_vi(&self) -> &'static str {
        self.outlook.map_or("", Outlook::label_vi)
    }
}
