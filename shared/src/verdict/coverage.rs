//! Coverage (địa bàn, 000 §III.2; 001 §III.3): the levels a cadre must visit, and the chi
//! đoàn meetings to attend.

use super::calendar::fmt_day;
use super::{CoverageSummary, Engine};
use crate::policy::{RuleId, Severity};

impl Engine<'_> {
    /// `levels_mask`: bit `i` set when a counted trip visited `policy.levels[i]`.
    pub(super) fn coverage(
        &mut self,
        levels_mask: u64,
        days_left: u32,
        pending_extra: u32,
    ) -> CoverageSummary {
        let p = self.p;
        let visited = |i: usize| levels_mask & (1 << i.min(63)) != 0;
        let mut levels_missing = Vec::new();
        if let Some(rule) = p
            .coverage
            .rules
            .iter()
            .find(|r| r.cadre_level == self.d.cadre.level)
        {
            for req in &rule.required {
                let met = req
                    .any_of
                    .iter()
                    .filter_map(|l| p.level_index(l))
                    .any(visited);
                if !met {
                    levels_missing.push(req.label_vi.clone());
                    let sev = self.unmet(days_left > 0 || pending_extra > 0);
                    self.push(
                        RuleId::CoverageLevel,
                        sev,
                        format!("Chưa đi cơ sở {}.", req.label_vi),
                        None,
                    );
                }
            }
        }
        let (meetings, invited) = self.chi_doan_meetings();
        let min_meetings = p.coverage.min_chi_doan_meetings;
        if meetings < min_meetings {
            let sev = self.unmet(days_left > 0);
            let mut msg = if meetings == 0 {
                "Chưa dự sinh hoạt chi đoàn nào trong năm".to_owned()
            } else {
                format!("Mới dự {meetings}/{min_meetings} buổi sinh hoạt chi đoàn")
            };
            if invited > 0 {
                msg.push_str(&format!(" (không tính {invited} buổi chỉ dự theo thư mời)"));
            }
            msg.push('.');
            self.push(RuleId::CoverageChiDoan, sev, msg, None);
        }
        let levels_visited = p
            .levels
            .iter()
            .enumerate()
            .filter(|(i, _)| visited(*i))
            .map(|(_, l)| l.id.clone())
            .collect();
        CoverageSummary {
            levels_visited,
            levels_missing,
            chi_doan_meetings: meetings,
            chi_doan_required: min_meetings,
            chi_doan_invitation_only: invited,
        }
    }

    /// Meetings of the year up to as-of: (counted, attended only on invitation and not
    /// counted). A meeting of an invitation-only trip was attended on invitation too.
    fn chi_doan_meetings(&mut self) -> (u32, u32) {
        let (d, until) = (self.d, self.until());
        let count_invited = self.p.coverage.count_invitation_only_meetings;
        let (mut counted, mut invited) = (0u32, 0u32);
        for m in &d.chi_doan_meetings {
            if m.date < self.first || m.date > until {
                continue;
            }
            if !count_invited && d.meeting_on_invitation(m) {
                invited += 1;
                self.push(
                    RuleId::ChiDoanInvitationOnly,
                    Severity::Warning,
                    format!(
                        "Buổi sinh hoạt {} ngày {} chỉ dự theo thư mời nên không được tính là dự sinh hoạt chi đoàn.",
                        m.chi_doan,
                        fmt_day(m.date)
                    ),
                    None,
                );
            } else {
                counted += 1;
            }
        }
        (counted, invited)
    }
}
