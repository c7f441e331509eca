//! D2, thematic trips (đi theo chuyên đề, 000 §III.1, §III.3): which trips qualify, the
//! largest set that is not consecutive, and the minimum.

use super::calendar::{days_between, fmt_range, trip_label};
use super::trips::Tally;
use super::{Engine, ThematicSummary, TripRef};
use crate::dossier::{Trip, TripStatus};
use crate::policy::{RuleId, Severity, TripYear};
use chrono::Datelike;

impl<'a> Engine<'a> {
    /// Files a carried-out trip as a thematic candidate, a planned one, or one waiting on
    /// an approval or a confirmation.
    pub(super) fn thematic_candidate(&mut self, t: &'a Trip, counts: bool, tally: &mut Tally<'a>) {
        if !t.thematic {
            return;
        }
        if counts && t.status == TripStatus::Done && t.end <= self.as_of {
            let year_ok = match self.p.thematic.counts_in_year_of {
                TripYear::Start => t.start.year() == self.d.year,
                TripYear::End => t.end.year() == self.d.year,
            };
            if year_ok && self.thematic_checks(t) {
                tally.candidates.push(t);
            }
        } else if counts && t.end > self.as_of && self.thematic_shape_ok(t) {
            tally.planned_thematic += 1;
        } else if !counts && !self.is_final && tally.pending.len() > 0 && self.thematic_shape_ok(t)
        {
            tally.pending_thematic += 1;
        }
    }

    /// The counted thematic trips: "không thực hiện 02 đợt liên tiếp" keeps the largest set
    /// with `min_gap_days` free days between trips; earliest end first maximises it.
    /// Sorts `candidates` by end.
    pub(super) fn select_thematic(&mut self, candidates: &mut [&'a Trip]) -> Vec<&'a Trip> {
        candidates.sort_by(|a, b| (a.end, a).cmp(&(b.end, b)));
        let gap = i64::from(self.p.thematic.min_gap_days);
        let mut selected: Vec<&Trip> = Vec::with_capacity(candidates.len());
        for c in candidates.iter() {
            match selected.last() {
                Some(prev) if days_between(prev.end, c.start) - 1 < gap => {
                    let msg = if c.start <= prev.end {
                        format!(
                            "{}: trùng thời gian với đợt chuyên đề {} nên không được tính là đợt riêng.",
                            trip_label(c),
                            fmt_range(prev.start, prev.end)
                        )
                    } else {
                        format!(
                            "{}: liền kề đợt chuyên đề {} (không thực hiện 02 đợt liên tiếp) nên không được tính là đợt riêng.",
                            trip_label(c),
                            fmt_range(prev.start, prev.end)
                        )
                    };
                    self.push(RuleId::ThematicConsecutive, Severity::Warning, msg, Some(c));
                }
                _ => selected.push(c),
            }
        }
        selected.sort();
        selected
    }

    /// The minimum of thematic trips (000 §V.2 Không đạt ý 4).
    pub(super) fn thematic_minimum(
        &mut self,
        required: u32,
        selected: &[&Trip],
        days_left: u32,
        pending_thematic: u32,
    ) -> ThematicSummary {
        let t = &self.p.thematic;
        let n_thematic = u32::try_from(selected.len()).unwrap_or(u32::MAX);
        let waived = self
            .d
            .waivers
            .iter()
            .any(|w| w.rule == RuleId::ThematicMinimum);
        let missing = required.saturating_sub(n_thematic);
        if missing > 0 {
            // How many more trips fit before 31/12, spaced as the rule requires.
            let first_need = match t.counts_in_year_of {
                TripYear::Start => 1,
                TripYear::End => t.min_days,
            };
            let fit = if days_left < first_need {
                0
            } else {
                1 + (days_left - first_need) / (t.min_days + t.min_gap_days).max(1)
            };
            let reachable = missing <= fit + pending_thematic;
            let sev = self.unmet(reachable);
            let msg = if n_thematic == 0 {
                format!(
                    "Chưa có đợt đi cơ sở theo chuyên đề nào (cần {required} đợt, mỗi đợt {}–{} ngày, “3 cùng”).",
                    t.min_days, t.max_days
                )
            } else {
                format!("Mới có {n_thematic}/{required} đợt đi cơ sở theo chuyên đề.")
            };
            self.push(RuleId::ThematicMinimum, sev, msg, None);
        }
        ThematicSummary {
            counted: n_thematic,
            required,
            waived,
            trips: selected.iter().map(|t| TripRef::of(t)).collect(),
        }
    }

    /// Length, "3 cùng" and outline of a finished thematic trip; pushes a warning per problem.
    fn thematic_checks(&mut self, t: &Trip) -> bool {
        let th = &self.p.thematic;
        let mut ok = true;
        let days = t.days();
        if days < th.min_days || days > th.max_days {
            ok = false;
            self.push(
                RuleId::ThematicLength,
                Severity::Warning,
                format!(
                    "{} dài {days} ngày, không được tính là đợt chuyên đề (mỗi đợt {}–{} ngày); số ngày vẫn được tính.",
                    trip_label(t),
                    th.min_days,
                    th.max_days
                ),
                Some(t),
            );
        }
        if th.require_three_together && !t.three_together {
            ok = false;
            self.push(
                RuleId::ThematicThreeTogether,
                Severity::Warning,
                format!(
                    "{} không thực hiện “cùng ăn, cùng ở, cùng làm” nên không được tính là đợt chuyên đề.",
                    trip_label(t)
                ),
                Some(t),
            );
        }
        if th.require_outline && !t.outline_approved {
            ok = false;
            self.push(
                RuleId::ThematicOutline,
                Severity::Warning,
                format!(
                    "{} chưa có đề cương chuyên đề được lãnh đạo ban thông qua.",
                    trip_label(t)
                ),
                Some(t),
            );
        }
        let problems = self.group_problems(t);
        if !problems.is_empty() {
            ok = false;
            self.push(
                RuleId::ThematicGroup,
                Severity::Warning,
                format!(
                    "{} (đi theo nhóm): {} nên không được tính là đợt chuyên đề; số ngày vẫn được tính.",
                    trip_label(t),
                    problems.join("; ")
                ),
                Some(t),
            );
        }
        ok
    }

    /// What makes a group thematic trip break the policy's rule on groups (000 §III.3
    /// Lưu ý), in words; empty when it qualifies, goes alone, or the policy has no rule.
    fn group_problems(&self, t: &Trip) -> Vec<String> {
        let (Some(rule), Some(g)) = (&self.p.thematic.group, &t.group) else {
            return Vec::new();
        };
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        let cadre = &self.d.cadre.id;
        // The dossier's cadre is in the group even if the list forgot them.
        let size = g.members.len() + usize::from(!g.members.iter().any(|m| same(&m.id, cadre)));
        if size <= 1 {
            return Vec::new();
        }
        let mut problems = Vec::new();
        let max = usize::try_from(rule.max_members).unwrap_or(usize::MAX);
        if size > max {
            problems.push(format!("nhóm có {size} người, tối đa {max} người"));
        }
        match g.members.iter().find(|m| same(&m.id, &g.leader)) {
            None => {
                problems.push("người phụ trách nhóm không có trong danh sách thành viên".to_owned())
            }
            Some(m) if m.role.is_empty() => problems.push(format!(
                "chưa ghi chức danh của người phụ trách nhóm ({})",
                m.name
            )),
            Some(m) if !rule.leader_roles.iter().any(|r| r == &m.role) => {
                let role = self
                    .p
                    .role(&m.role)
                    .map_or(m.role.as_str(), |r| r.label_vi.as_str());
                let allowed: Vec<&str> = rule
                    .leader_roles
                    .iter()
                    .map(|code| {
                        self.p
                            .role(code)
                            .map_or(code.as_str(), |r| r.label_vi.as_str())
                    })
                    .collect();
                problems.push(format!(
                    "người phụ trách nhóm ({}, {role}) không phải {}",
                    m.name,
                    allowed.join(" hoặc ")
                ));
            }
            Some(_) => {}
        }
        if rule.require_tasks {
            let no_task: Vec<&str> = g
                .members
                .iter()
                .filter(|m| m.task.trim().is_empty())
                .map(|m| m.name.as_str())
                .collect();
            if !no_task.is_empty() {
                problems.push(format!(
                    "chưa phân công nhiệm vụ cho {}",
                    no_task.join(", ")
                ));
            }
        }
        problems
    }

    /// Whether a future thematic trip would qualify, without pushing findings.
    pub(super) fn thematic_shape_ok(&self, t: &Trip) -> bool {
        let th = &self.p.thematic;
        let days = t.days();
        days >= th.min_days
            && days <= th.max_days
            && (!th.require_three_together || t.three_together)
            && (!th.require_outline || t.outline_approved)
            && self.group_problems(t).is_empty()
    }
}
