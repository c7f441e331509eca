//! D1, the minimum of days at the base (000 §III.1; §V.2 Không đạt ý 5).

use super::trips::Tally;
use super::{DaysSummary, Engine, NotCounted};
use crate::policy::RuleId;

impl Engine<'_> {
    /// `pending_extra`: days waiting on a confirmation or an approval, not counted yet.
    pub(super) fn days_minimum(
        &mut self,
        required: u32,
        tally: &Tally<'_>,
        days_left: u32,
        pending_extra: u32,
    ) -> DaysSummary {
        let counted = &tally.counted;
        let n_counted = counted.len();
        let missing = required.saturating_sub(n_counted);
        if missing > 0 {
            let reachable = missing <= days_left + pending_extra;
            let sev = self.unmet(reachable);
            let mut msg =
                format!("Còn thiếu {missing} ngày đi cơ sở (đã có {n_counted}/{required} ngày).");
            if !self.is_final {
                if reachable {
                    msg.push_str(&format!(" Còn {days_left} ngày đến hết năm."));
                } else {
                    msg.push_str(&format!(
                        " Chỉ còn {days_left} ngày đến hết năm: không thể đạt."
                    ));
                }
            }
            self.push(RuleId::DaysMinimum, sev, msg, None);
        }
        DaysSummary {
            counted: n_counted,
            required,
            missing,
            planned: if self.is_final {
                0
            } else {
                tally.planned.minus(counted).len()
            },
            not_counted: NotCounted {
                unconfirmed: tally.unconfirmed.minus(counted).len(),
                not_approved: tally.not_approved.minus(counted).len(),
                invitation_only: tally.invitation.minus(counted).len(),
                content_not_counted: tally.not_counting.minus(counted).len(),
                outside_year: tally.outside_year,
                own_level: tally.own_level.minus(counted).len(),
            },
        }
    }
}
