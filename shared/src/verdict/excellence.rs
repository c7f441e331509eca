//! Xuất sắc (000 §V.2): a counted thematic trip that solved a long-standing difficulty of
//! the base, with evidence, and its report scored at least the policy's minimum.

use super::calendar::fmt_range;
use super::{Engine, ExcellenceSummary, TripRef};
use crate::dossier::Trip;
use crate::policy::{RuleId, ScoreScope, Severity};

pub(super) struct Excellence {
    /// `None` when the policy has no Xuất sắc level.
    pub summary: Option<ExcellenceSummary>,
}

impl Excellence {
    pub fn achieved(&self) -> bool {
        self.summary.as_ref().is_some_and(|x| x.achieved)
    }
}

fn score_of(t: &Trip) -> Option<u32> {
    t.report.as_ref().and_then(|r| r.score)
}

impl Engine<'_> {
    /// `candidates`: the qualifying thematic trips; `selected`: those counted.
    pub(super) fn excellence(&mut self, candidates: &[&Trip], selected: &[&Trip]) -> Excellence {
        let Some(x) = self.p.excellence.as_ref() else {
            return Excellence { summary: None };
        };
        let min = u32::from(x.min_report_score);
        // Highest score first; among equals the earliest trip.
        let best = candidates
            .iter()
            .copied()
            .filter(|t| {
                t.difficulty_solved
                    .as_ref()
                    .is_some_and(|s| !s.evidence.is_empty())
            })
            .max_by(|a, b| score_of(a).cmp(&score_of(b)).then_with(|| b.cmp(a)));
        let best_ok = best.and_then(score_of).is_some_and(|s| s >= min);
        let others_ok = x.score_scope == ScoreScope::EvidenceTrip
            || selected
                .iter()
                .all(|t| score_of(t).is_some_and(|s| s >= min));
        let summary = ExcellenceSummary {
            achieved: best_ok && others_ok,
            trip: best.map(TripRef::of),
            score: best.and_then(score_of),
            min_score: min,
        };
        match (best, summary.score) {
            (None, _) => self.push(
                RuleId::ExcellenceEvidence,
                Severity::Info,
                "Chưa có đợt chuyên đề nào có minh chứng giúp cơ sở giải quyết khó khăn, vướng mắc lâu dài (điều kiện Xuất sắc).".to_owned(),
                None,
            ),
            (Some(t), Some(s)) if summary.achieved => self.push(
                RuleId::Excellent,
                Severity::Info,
                format!(
                    "Đợt chuyên đề {} giúp cơ sở giải quyết khó khăn lâu dài, có minh chứng; báo cáo đạt {s}/100 điểm (điều kiện Xuất sắc).",
                    fmt_range(t.start, t.end)
                ),
                Some(t),
            ),
            (Some(_), Some(s)) if s >= min => {
                let low = selected
                    .iter()
                    .copied()
                    .find(|t| score_of(t).is_none_or(|s| s < min));
                self.push(
                    RuleId::ExcellenceScore,
                    Severity::Info,
                    format!(
                        "Mọi báo cáo chuyên đề cần đạt từ {min}/100 điểm trở lên để đạt Xuất sắc."
                    ),
                    low,
                )
            }
            (Some(t), Some(s)) => self.push(
                RuleId::ExcellenceScore,
                Severity::Info,
                format!(
                    "Báo cáo chuyên đề {} được {s}/100 điểm, cần từ {min} điểm trở lên để đạt Xuất sắc.",
                    fmt_range(t.start, t.end)
                ),
                Some(t),
            ),
            (Some(t), None) => self.push(
                RuleId::ExcellenceScore,
                Severity::Info,
                format!(
                    "Báo cáo chuyên đề {} chưa được chấm điểm (cần từ {min}/100 điểm để đạt Xuất sắc).",
                    fmt_range(t.start, t.end)
                ),
                Some(t),
            ),
        }
        Excellence {
            summary: Some(summary),
        }
    }
}
