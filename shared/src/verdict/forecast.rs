//! The rating (000 §V.2) and, during the year, the forecast: can the cadre still make it
//! (000 §VI.1: TC-KT reminds and urges)?

use super::calendar::ceil_ratio;
use super::excellence::Excellence;
use super::process::blocking;
use super::{DaysSummary, Engine, Forecast, Outlook, Rating, ThematicSummary};
use crate::policy::{RuleId, Severity};
use chrono::Datelike;
use std::borrow::Cow;

impl Engine<'_> {
    /// Miễn, Không đạt if anything fails or is pending, Xuất sắc, or Đạt.
    pub(super) fn rating(&self, whole_year_exempt: bool, excellence: &Excellence) -> Rating {
        if whole_year_exempt {
            Rating::Mien
        } else if self.findings.iter().any(blocking) {
            Rating::KhongDat
        } else if excellence.achieved() {
            Rating::XuatSac
        } else {
            Rating::Dat
        }
    }

    /// The outlook during the year. `pending_extra`: days waiting on a confirmation or an
    /// approval, not counted yet.
    pub(super) fn forecast(
        &mut self,
        days: &DaysSummary,
        thematic: &ThematicSummary,
        planned_thematic: u32,
        pending_extra: u32,
        excellence: &Excellence,
    ) -> Forecast {
        let days_left = self.days_left();
        let missing = days.missing;
        let planned_days = days.planned;
        let thematic_needed = if thematic.waived {
            0
        } else {
            thematic.required.saturating_sub(thematic.counted)
        };
        let cannot = self.findings.iter().any(|f| f.severity == Severity::Fail);
        let elapsed = match self.horizon() {
            None => 0,
            Some(h) => h.ordinal(),
        };
        let pace = ceil_ratio(days.required, elapsed, self.year_len);
        // Days awaiting a confirmation or an approval are normal lag, not delay.
        let done = days.counted + pending_extra;
        let behind_days = done < pace && done + planned_days < days.required;
        let pace_thematic =
            u64::from(thematic.required) * u64::from(elapsed) / u64::from(self.year_len.max(1));
        let behind_thematic =
            thematic_needed > 0 && u64::from(thematic.counted + planned_thematic) < pace_thematic;
        let outlook = if cannot {
            Outlook::CannotMakeIt
        } else if behind_days || behind_thematic {
            Outlook::AtRisk
        } else {
            Outlook::OnTrack
        };
        let projected_rating = match outlook {
            Outlook::CannotMakeIt => Rating::KhongDat,
            _ if excellence.achieved() => Rating::XuatSac,
            _ => Rating::Dat,
        };
        let mut msg = format!("Dự báo: {}", outlook.label_vi().to_lowercase());
        if missing > 0 {
            msg.push_str(&format!(
                " – còn thiếu {missing} ngày, còn {days_left} ngày đến hết năm"
            ));
            if planned_days > 0 {
                msg.push_str(&format!(", đã đăng ký {planned_days} ngày sắp tới"));
            }
        }
        if thematic_needed > 0 {
            msg.push_str(&format!(", còn thiếu {thematic_needed} đợt chuyên đề"));
        }
        msg.push('.');
        self.push(RuleId::Forecast, Severity::Info, msg, None);
        Forecast {
            outlook,
            outlook_vi: Cow::Borrowed(outlook.label_vi()),
            days_needed: missing,
            days_left_in_year: days_left,
            planned_days,
            thematic_needed,
            projected_rating,
        }
    }
}
