//! Coverage (địa bàn, 000 §III.2; 001 §III.3): the levels a cadre must visit, and the chi
//! đoàn meetings to attend.

use super::{CoverageSummary, Engine};
use crate::policy::RuleId;

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
        let until = self.until();
        let meetings = self
            .d
            .chi_doan_meetings
            .iter()
            .filter(|m| m.date >= self.first && m.date <= until)
            .count();
        let meetings = u32::try_from(meetings).unwrap_or(u32::MAX);
        let min_meetings = p.coverage.min_chi_doan_meetings;
        if meetings < min_meetings {
            let sev = self.unmet(days_left > 0);
            let msg = if meetings == 0 {
                "Chưa dự sinh hoạt chi đoàn nào trong năm.".to_owned()
            } else {
                format!("Mới dự {meetings}/{min_meetings} buổi sinh hoạt chi đoàn.")
            };
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
        }
    }
}
