//! Phase 2: registrations, one per period of the year (000 §IV Bước 1–2; 001 §IV.1
//! Bước 1–2): on time, late or missing, and the standing committee's decision.

use super::calendar::{DaySet, fmt_day};
use super::{Decision, Engine, PeriodStatus, SubmissionStatus};
use crate::policy::{RuleId, Severity};

pub(super) struct Registrations {
    /// One per policy period, in the policy's order.
    pub periods: Vec<PeriodStatus>,
    pub on_time: bool,
}

impl Engine<'_> {
    /// `exempt_days`: days exempt pro rata; a period entirely exempt needs no registration.
    pub(super) fn registrations(&mut self, exempt_days: &DaySet) -> Registrations {
        let (p, d) = (self.p, self.d);
        let mut registrations = Vec::with_capacity(p.registration.periods.len());
        let mut registration_on_time = true;
        for period in &p.registration.periods {
            let last_day = p.registration_last_day(period, d.year);
            // A one-off date (Kiên Giang 2023) is the source's, never an assumption.
            let overridden = p
                .registration
                .overrides
                .iter()
                .any(|o| o.year == d.year && o.period == period.code);
            let assumed = self.assumed_registration.filter(|_| !overridden);
            let range = self.bits(
                period.first_day.in_year(d.year),
                period.last_day.in_year(d.year),
                self.last,
            );
            let reg = d
                .registrations
                .iter()
                .find(|r| crate::policy::short_eq(&r.period, &period.code));
            let decision = reg.map(|r| {
                if r.approved_on.is_some() {
                    Decision::Approved
                } else if r.rejected_on.is_some() {
                    Decision::Rejected
                } else {
                    Decision::Pending
                }
            });
            let status = if range.minus(exempt_days).len() == 0 {
                SubmissionStatus::Exempt
            } else {
                match reg {
                    Some(r) if r.submitted_on <= last_day => SubmissionStatus::OnTime,
                    Some(r) => {
                        registration_on_time = false;
                        let mut msg = format!(
                            "Đăng ký đi cơ sở {} nộp ngày {}, quá hạn (hạn chót {}).",
                            period.label_vi,
                            fmt_day(r.submitted_on),
                            fmt_day(last_day)
                        );
                        Self::note_assumption(&mut msg, assumed);
                        self.push(RuleId::RegistrationLate, Severity::Fail, msg, None);
                        SubmissionStatus::Late
                    }
                    None if self.is_final || self.as_of > last_day => {
                        registration_on_time = false;
                        let mut msg = format!(
                            "Chưa đăng ký đi cơ sở {} năm {} (hạn chót {}).",
                            period.label_vi,
                            d.year,
                            fmt_day(last_day)
                        );
                        Self::note_assumption(&mut msg, assumed);
                        self.push(RuleId::RegistrationMissing, Severity::Fail, msg, None);
                        SubmissionStatus::Missing
                    }
                    None => SubmissionStatus::NotDue,
                }
            };
            if let Some(r) = reg
                && let Some(on) = r.rejected_on
            {
                self.push(
                    RuleId::RegistrationRejected,
                    Severity::Warning,
                    format!(
                        "Đăng ký {} không được phê duyệt ({}): các chuyến đi theo đăng ký này không được tính.",
                        period.label_vi,
                        fmt_day(on)
                    ),
                    None,
                );
            }
            registrations.push(PeriodStatus {
                period: period.code.clone(),
                last_day,
                status,
                submitted_on: reg.map(|r| r.submitted_on),
                decision,
                deadline_assumed: assumed.is_some(),
            });
        }
        Registrations {
            periods: registrations,
            on_time: registration_on_time,
        }
    }
}
