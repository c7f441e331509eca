//! The rules engine: (policy, dossier, as-of date) → [`Verdict`]. Pure and deterministic:
//! no clock, no I/O, and the same result whatever the order of the dossier's lists.
//!
//! Before the year ends the verdict is a forecast: requirements not met yet but still
//! reachable are [`Severity::Pending`], those out of reach are [`Severity::Fail`]. After the
//! year (as-of later than 31/12) it is final and everything unmet fails.
//!
//! The verdict JSON is a public format (HQ exports it): see `docs/dossier-format.md`.
//!
//! The engine runs in phases, one module each: [`exemption`] (scope and exemptions),
//! [`registrations`] (per period), [`trips`] (what each trip counts, its process and
//! report), [`days`] (D1), [`thematic`] (D2), [`coverage`] (levels and chi đoàn meetings),
//! [`process`] (content not completed), [`excellence`] (Xuất sắc) and [`forecast`] (the
//! rating and the outlook during the year). Findings are sorted at the end, so the order
//! in which phases push them does not show in the verdict.

mod calendar;
mod coverage;
mod days;
mod excellence;
mod exemption;
mod forecast;
mod process;
mod registrations;
mod thematic;
mod trips;
mod types;

pub use calendar::{fmt_day, fmt_range};
pub use types::*;

use crate::dossier::{Dossier, Trip};
use crate::error::InputErrors;
use crate::policy::{AssumedDeadline, DeadlineKind, Policy, RuleId, Severity};
use calendar::{DaySet, days_between};
use chrono::{Datelike, NaiveDate};
use std::borrow::Cow;

/// Validates `dossier` against `policy`, then evaluates it as of `as_of`.
pub fn evaluate(
    policy: &Policy,
    dossier: &Dossier,
    as_of: NaiveDate,
) -> Result<Verdict, InputErrors> {
    dossier.validate(policy)?;
    Ok(evaluate_valid(policy, dossier, as_of))
}

/// Evaluates a dossier already validated against `policy`. On an invalid dossier the
/// result is meaningless but it does not panic.
pub fn evaluate_valid(policy: &Policy, dossier: &Dossier, as_of: NaiveDate) -> Verdict {
    Engine::new(policy, dossier, as_of).run()
}

struct Engine<'a> {
    p: &'a Policy,
    d: &'a Dossier,
    as_of: NaiveDate,
    is_final: bool,
    first: NaiveDate,
    last: NaiveDate,
    year_len: u32,
    /// First day of each policy period in the year (periods tile the year in order).
    period_starts: Vec<NaiveDate>,
    /// Report deadline of each period, this year then next year (PeriodReport rule).
    report_dues: Vec<Option<NaiveDate>>,
    /// Index of the cadre's level in the policy's levels.
    cadre_level: Option<usize>,
    /// The cadre's registration deadline, when the source does not date it.
    assumed_registration: Option<&'a AssumedDeadline>,
    /// The cadre's report deadline, when the source does not date it.
    assumed_report: Option<&'a AssumedDeadline>,
    findings: Vec<Finding>,
}

impl<'a> Engine<'a> {
    fn new(p: &'a Policy, d: &'a Dossier, as_of: NaiveDate) -> Self {
        let (first, last) = d.year_bounds();
        // Dates computed once per dossier rather than per trip (the benchmark's hot path).
        let periods = &p.registration.periods;
        let period_starts = periods
            .iter()
            .map(|x| x.first_day.in_year(d.year))
            .collect();
        let report_dues = [d.year, d.year + 1]
            .iter()
            .flat_map(|&y| {
                periods
                    .iter()
                    .map(move |x| x.report_due.map(|due| due.last_day(y)))
            })
            .collect();
        Engine {
            p,
            d,
            as_of,
            is_final: as_of > last,
            first,
            last,
            year_len: last.ordinal(),
            period_starts,
            report_dues,
            cadre_level: p.level_index(&d.cadre.level),
            assumed_registration: p.assumed_deadline(DeadlineKind::Registration, &d.cadre.level),
            assumed_report: p.assumed_deadline(DeadlineKind::Report, &d.cadre.level),
            findings: Vec::new(),
        }
    }

    /// Last day whose facts count: as-of, within the year (None before the year starts).
    fn horizon(&self) -> Option<NaiveDate> {
        if self.as_of < self.first {
            None
        } else {
            Some(self.as_of.min(self.last))
        }
    }

    /// The horizon, or a day before every fact when the year has not started.
    fn until(&self) -> NaiveDate {
        self.horizon().unwrap_or(NaiveDate::MIN)
    }

    fn days_left(&self) -> u32 {
        match self.horizon() {
            None => self.year_len,
            Some(h) => u32::try_from(days_between(h, self.last)).unwrap_or(0),
        }
    }

    /// Bits of `[a, b]` ∩ `[first, until]`.
    fn bits(&self, a: NaiveDate, b: NaiveDate, until: NaiveDate) -> DaySet {
        let mut s = DaySet::default();
        let (a, b) = (a.max(self.first), b.min(until).min(self.last));
        if a <= b {
            s.insert_range(a.ordinal0(), b.ordinal0());
        }
        s
    }

    fn push(&mut self, rule: RuleId, severity: Severity, message_vi: String, trip: Option<&Trip>) {
        let mut severity = severity;
        let mut message_vi = message_vi;
        if let Some(&o) = self.p.severity.get(&rule)
            && severity != Severity::Info
            && !(o == Severity::Fail && severity == Severity::Pending)
        {
            severity = o;
        }
        if severity != Severity::Info
            && let Some(w) = self.d.waivers.iter().filter(|w| w.rule == rule).min()
        {
            severity = Severity::Info;
            message_vi.push_str(&format!(
                " Đã được miễn theo văn bản {} ngày {}.",
                w.reference,
                fmt_day(w.decided_on)
            ));
        }
        self.findings.push(Finding {
            rule,
            severity,
            clause: self.p.clause(rule).to_owned(),
            message_vi,
            trip: trip.map(TripRef::of),
        });
    }

    /// Fail after the year; during it, Pending if still reachable, else Fail.
    fn unmet(&self, reachable: bool) -> Severity {
        if !self.is_final && reachable {
            Severity::Pending
        } else {
            Severity::Fail
        }
    }

    /// Appends to a finding about a deadline the source does not date that it rests on
    /// the policy's assumption.
    fn note_assumption(message_vi: &mut String, assumed: Option<&AssumedDeadline>) {
        if let Some(a) = assumed {
            message_vi.push_str(&format!(
                " Hạn này là giả định của quy định đang áp dụng: văn bản ({}) chỉ ghi “{}”.",
                a.clause, a.source_says_vi
            ));
        }
    }

    /// Index of the period containing `day` (a day of the rated year).
    fn period_index(&self, day: NaiveDate) -> Option<usize> {
        self.period_starts.iter().rposition(|&s| s <= day)
    }

    fn run(mut self) -> Verdict {
        let (p, d) = (self.p, self.d);
        let exempt = self.exemption();
        let registrations = self.registrations(&exempt.days);
        let mut tally = self.trips(&registrations.periods);
        let selected = self.select_thematic(&mut tally.candidates);

        let days_left = self.days_left();
        // Days awaiting a confirmation or an approval: reachable, not counted yet.
        let pending_extra = tally.pending.minus(&tally.counted).len();
        let days = self.days_minimum(exempt.required_days, &tally, days_left, pending_extra);
        let thematic = self.thematic_minimum(
            exempt.required_thematic,
            &selected,
            days_left,
            tally.pending_thematic,
        );
        let coverage = self.coverage(tally.levels_mask, days_left, pending_extra);
        self.content_incomplete(&tally.incomplete);
        let excellence = self.excellence(&tally.candidates, &selected);

        let rating = self.rating(exempt.whole_year(), &excellence);
        let conforming = self.conforming();
        let forecast = if self.is_final || exempt.whole_year() {
            None
        } else {
            Some(self.forecast(
                &days,
                &thematic,
                tally.planned_thematic,
                pending_extra,
                &excellence,
            ))
        };

        if exempt.whole_year() {
            self.findings.retain(|f| {
                matches!(
                    f.rule,
                    RuleId::Scope | RuleId::Exemption | RuleId::ExemptionNotApplicable
                )
            });
        }
        self.findings.sort_by(|a, b| {
            (a.severity, a.rule, &a.trip, &a.message_vi).cmp(&(
                b.severity,
                b.rule,
                &b.trip,
                &b.message_vi,
            ))
        });

        Verdict {
            cadre_id: d.cadre.id.clone(),
            cadre_name: d.cadre.name.clone(),
            department: d.cadre.department.clone(),
            policy: p.id.clone(),
            year: d.year,
            as_of: self.as_of,
            phase: if self.is_final {
                Phase::Final
            } else {
                Phase::Forecast
            },
            rating,
            rating_vi: Cow::Borrowed(rating.label_vi()),
            exemption: exempt.applied,
            days,
            thematic,
            coverage,
            process: ProcessSummary {
                registrations: registrations.periods,
                registration_on_time: registrations.on_time,
                trips_not_approved: tally.n_not_approved,
                trips_unconfirmed: tally.n_unconfirmed,
                reports_missing: tally.n_reports_missing,
                reports_late: tally.n_reports_late,
                conforming,
            },
            excellence: excellence.summary,
            forecast,
            findings: self.findings,
        }
    }
}
