//! A policy's internal consistency: every error names its field.

use super::{MonthDay, Policy, ReportDeadline, UnitReportDue};
use crate::error::{Errors, InputErrors};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

impl Policy {
    /// Checks the policy's internal consistency; every error names its field.
    pub fn validate(&self) -> Result<(), InputErrors> {
        let mut e = Errors::default();
        if self.id.trim().is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            e.push(
                "id",
                format!(
                    "`{}` must be non-empty ASCII letters, digits and '-'",
                    self.id
                ),
            );
        }
        if let Some(to) = self.year_to
            && to < self.year_from
        {
            e.push(
                "year_to",
                format!("{to} is before year_from {}", self.year_from),
            );
        }
        if self.levels.is_empty() {
            e.push("levels", "at least one level is needed");
        }
        unique(
            &mut e,
            "levels",
            self.levels.iter().map(|l| l.id.as_str()),
            "id",
        );
        for (i, l) in self.scope.cadre_levels.iter().enumerate() {
            self.check_level(&mut e, format!("scope.cadre_levels[{i}]"), l);
        }
        unique(
            &mut e,
            "roles",
            self.roles.iter().map(|r| r.code.as_str()),
            "code",
        );
        unique(
            &mut e,
            "exemptions.reasons",
            self.exemptions.reasons.iter().map(|r| r.code.as_str()),
            "code",
        );
        for (i, r) in self.exemptions.reasons.iter().enumerate() {
            if let (Some(min), Some(max)) = (r.min_months, r.max_months)
                && min > max
            {
                e.push(
                    format!("exemptions.reasons[{i}].min_months"),
                    format!("{min} is above max_months {max}"),
                );
            }
            for (j, l) in r.cadre_levels.iter().enumerate() {
                self.check_level(
                    &mut e,
                    format!("exemptions.reasons[{i}].cadre_levels[{j}]"),
                    l,
                );
            }
        }
        if self.content_types.is_empty() {
            e.push("content_types", "at least one content type is needed");
        }
        unique(
            &mut e,
            "content_types",
            self.content_types.iter().map(|c| c.code.as_str()),
            "code",
        );
        self.validate_periods(&mut e);
        let t = &self.thematic;
        if t.min_days == 0 {
            e.push("thematic.min_days", "must be at least 1");
        }
        if t.min_days > t.max_days {
            e.push(
                "thematic.min_days",
                format!("{} is above thematic.max_days {}", t.min_days, t.max_days),
            );
        }
        if t.max_days > 366 {
            e.push(
                "thematic.max_days",
                format!("{} is longer than a year", t.max_days),
            );
        }
        if t.minimum_trips > 0 && !self.content_types.iter().any(|c| c.thematic) {
            e.push(
                "thematic.minimum_trips",
                "thematic trips are required but no content type is thematic",
            );
        }
        if self.days.minimum > 366 {
            e.push(
                "days.minimum",
                format!("{} is more days than a year has", self.days.minimum),
            );
        }
        for (i, r) in self.coverage.rules.iter().enumerate() {
            self.check_level(
                &mut e,
                format!("coverage.rules[{i}].cadre_level"),
                &r.cadre_level,
            );
            for (j, req) in r.required.iter().enumerate() {
                if req.any_of.is_empty() {
                    e.push(
                        format!("coverage.rules[{i}].required[{j}].any_of"),
                        "must name at least one level",
                    );
                }
                for (k, l) in req.any_of.iter().enumerate() {
                    self.check_level(
                        &mut e,
                        format!("coverage.rules[{i}].required[{j}].any_of[{k}]"),
                        l,
                    );
                }
            }
        }
        for (i, r) in self.reports.iter().enumerate() {
            for (j, l) in r.cadre_levels.iter().enumerate() {
                self.check_level(&mut e, format!("reports[{i}].cadre_levels[{j}]"), l);
            }
            if r.deadline == ReportDeadline::PeriodReport
                && let Some(p) = self
                    .registration
                    .periods
                    .iter()
                    .position(|p| p.report_due.is_none())
            {
                e.push(
                    format!("reports[{i}].deadline"),
                    format!("period_report needs registration.periods[{p}].report_due"),
                );
            }
        }
        if let Some(x) = &self.excellence
            && x.min_report_score > 100
        {
            e.push(
                "excellence.min_report_score",
                format!("{} is above 100", x.min_report_score),
            );
        }
        self.validate_group(&mut e);
        for (i, a) in self.assumed_deadlines.iter().enumerate() {
            let path = |field: &str| format!("assumed_deadlines[{i}].{field}");
            for (j, l) in a.cadre_levels.iter().enumerate() {
                self.check_level(&mut e, path(&format!("cadre_levels[{j}]")), l);
            }
            non_empty(&mut e, path("source_says_vi"), &a.source_says_vi);
            non_empty(&mut e, path("clause"), &a.clause);
        }
        self.validate_unit_reports(&mut e);
        e.finish()
    }

    fn check_level(&self, e: &mut Errors, path: String, id: &str) {
        if !self.levels.iter().any(|l| l.id == id) {
            e.push(
                path,
                format!("unknown level `{id}` (levels: {})", self.level_ids()),
            );
        }
    }

    fn validate_group(&self, e: &mut Errors) {
        let Some(g) = &self.thematic.group else {
            return;
        };
        if g.max_members == 0 {
            e.push("thematic.group.max_members", "must be at least 1");
        }
        if g.leader_roles.is_empty() {
            e.push("thematic.group.leader_roles", "must name at least one role");
        }
        for (i, r) in g.leader_roles.iter().enumerate() {
            if self.role(r).is_none() {
                let known: Vec<&str> = self.roles.iter().map(|r| r.code.as_str()).collect();
                e.push(
                    format!("thematic.group.leader_roles[{i}]"),
                    format!("unknown role `{r}` (roles: {})", known.join(", ")),
                );
            }
        }
    }

    fn validate_unit_reports(&self, e: &mut Errors) {
        unique(
            e,
            "unit_reports",
            self.unit_reports.iter().map(|r| r.code.as_str()),
            "code",
        );
        for (i, r) in self.unit_reports.iter().enumerate() {
            let path = |field: &str| format!("unit_reports[{i}].{field}");
            self.check_level(e, path("level"), &r.level);
            non_empty(e, path("owed_by_vi"), &r.owed_by_vi);
            non_empty(e, path("to_vi"), &r.to_vi);
            non_empty(e, path("what_vi"), &r.what_vi);
            non_empty(e, path("clause"), &r.clause);
            match &r.due {
                UnitReportDue::Yearly(list) if list.is_empty() => {
                    e.push(path("due.yearly"), "must list at least one deadline");
                }
                UnitReportDue::Undated if r.assumed => {
                    e.push(path("assumed"), "an undated report has no date to assume");
                }
                _ => {}
            }
        }
    }

    fn validate_periods(&self, e: &mut Errors) {
        let periods = &self.registration.periods;
        if periods.is_empty() {
            e.push("registration.periods", "at least one period is needed");
            return;
        }
        unique(
            e,
            "registration.periods",
            periods.iter().map(|p| p.code.as_str()),
            "code",
        );
        // Periods must tile 01-01..12-31 in order, so every trip day has exactly one period.
        let mut next = MonthDay::new(1, 1);
        for (i, p) in periods.iter().enumerate() {
            if p.first_day != next {
                e.push(
                    format!("registration.periods[{i}].first_day"),
                    format!("{} leaves a gap or overlap: expected {next} (periods must cover the year in order)", p.first_day),
                );
                return;
            }
            if p.last_day < p.first_day {
                e.push(
                    format!("registration.periods[{i}].last_day"),
                    format!("{} is before first_day {}", p.last_day, p.first_day),
                );
                return;
            }
            let after = p
                .last_day
                .in_year(2023)
                .succ_opt()
                .unwrap_or(NaiveDate::MAX);
            next = MonthDay::new(after.month(), after.day());
        }
        if periods
            .last()
            .is_some_and(|p| p.last_day != MonthDay::new(12, 31))
        {
            e.push(
                format!("registration.periods[{}].last_day", periods.len() - 1),
                "the last period must end on 12-31",
            );
        }
        for (i, o) in self.registration.overrides.iter().enumerate() {
            if self.period(&o.period).is_none() {
                e.push(
                    format!("registration.overrides[{i}].period"),
                    format!("unknown period `{}`", o.period),
                );
            }
        }
    }

    fn level_ids(&self) -> String {
        self.levels
            .iter()
            .map(|l| l.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn unique<'a>(e: &mut Errors, path: &str, items: impl Iterator<Item = &'a str>, field: &str) {
    let mut seen = BTreeSet::new();
    for (i, item) in items.enumerate() {
        if item.trim().is_empty() {
            e.push(format!("{path}[{i}].{field}"), "must not be empty");
        } else if !seen.insert(item) {
            e.push(
                format!("{path}[{i}].{field}"),
                format!("`{item}` appears twice"),
            );
        }
    }
}

fn non_empty(e: &mut Errors, path: String, text: &str) {
    if text.trim().is_empty() {
        e.push(path, "must not be empty");
    }
}
