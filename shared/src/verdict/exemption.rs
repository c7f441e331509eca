//! Phase 1: scope and exemptions (000 §II; 001 §II): Miễn for the whole year, or (policy
//! option `pro_rata`) minimums shrunk by the exempt days.

use super::calendar::{DaySet, add_days, add_months, ceil_ratio, fmt_range};
use super::{AppliedExemption, Engine};
use crate::policy::{PartialYear, RuleId, Severity};

/// What the exemptions leave of the year's requirements.
pub(super) struct Exempt {
    pub applied: Option<AppliedExemption>,
    /// Exempt days that shrink the minimums and the periods to register: pro-rata
    /// exemptions only (empty when the whole year is exempt).
    pub days: DaySet,
    pub required_days: u32,
    pub required_thematic: u32,
}

impl Exempt {
    pub fn whole_year(&self) -> bool {
        self.applied.as_ref().is_some_and(|x| x.whole_year)
    }
}

impl Engine<'_> {
    pub(super) fn exemption(&mut self) -> Exempt {
        let p = self.p;
        let (applied, exempt_days) = self.applied_exemption();
        let whole_year = applied.as_ref().is_some_and(|x| x.whole_year);
        // Only pro-rata exemptions shrink the minimums (and the periods to register).
        let days = if whole_year {
            DaySet::default()
        } else {
            exempt_days
        };
        let not_exempt = self.year_len - days.len().min(self.year_len);
        let required_days = ceil_ratio(p.days.minimum, not_exempt, self.year_len);
        let required_thematic = ceil_ratio(p.thematic.minimum_trips, not_exempt, self.year_len);
        if let Some(x) = &applied
            && !x.whole_year
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Được miễn {} ngày trong năm: yêu cầu còn {required_days} ngày và {required_thematic} đợt chuyên đề.",
                    days.len()
                ),
                None,
            );
        }
        Exempt {
            applied,
            days,
            required_days,
            required_thematic,
        }
    }

    fn applied_exemption(&mut self) -> (Option<AppliedExemption>, DaySet) {
        let (p, c) = (self.p, &self.d.cadre);
        let mut exempt_days = DaySet::default();
        if !p.scope.cadre_levels.contains(&c.level) {
            let label = p
                .level(&c.level)
                .map_or(c.level.as_str(), |l| l.label_vi.as_str());
            self.push(
                RuleId::Scope,
                Severity::Info,
                format!("Cán bộ {label} không thuộc đối tượng áp dụng của quy định này."),
                None,
            );
            let x = AppliedExemption {
                reason: "scope".into(),
                label_vi: format!("Không thuộc đối tượng ({label})"),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        if let Some(r) = p.role(&c.role)
            && r.exempt
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Cán bộ làm {} không áp dụng quy định đi cơ sở.",
                    r.label_vi.to_lowercase()
                ),
                None,
            );
            let x = AppliedExemption {
                reason: r.code.clone(),
                label_vi: r.label_vi.clone(),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        if let Some(min) = p.exemptions.min_years_at_office
            && c.years_at_office >= min
        {
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Cán bộ có {} năm công tác tại cơ quan (từ {min} năm trở lên) được miễn.",
                    c.years_at_office
                ),
                None,
            );
            let x = AppliedExemption {
                reason: "years_at_office".into(),
                label_vi: format!("Từ {min} năm trở lên công tác tại cơ quan"),
                from: None,
                to: None,
                whole_year: true,
            };
            return (Some(x), exempt_days);
        }
        let mut list: Vec<_> = c.exemptions.iter().collect();
        list.sort();
        let mut applied: Option<AppliedExemption> = None;
        for x in list {
            let Some(reason) = p.exemption_reason(&x.reason) else {
                continue;
            };
            let range = fmt_range(x.from, x.to);
            if !reason.cadre_levels.is_empty() && !reason.cadre_levels.contains(&c.level) {
                self.push(
                    RuleId::ExemptionNotApplicable,
                    Severity::Warning,
                    format!(
                        "Lý do miễn “{}” ({range}) không áp dụng cho cán bộ cấp này.",
                        reason.label_vi
                    ),
                    None,
                );
                continue;
            }
            if let Some(m) = reason.min_months
                && add_months(x.from, m) > add_days(x.to, 1)
            {
                self.push(
                    RuleId::ExemptionNotApplicable,
                    Severity::Warning,
                    format!(
                        "“{}” ({range}) chưa đủ {m} tháng nên không được miễn.",
                        reason.label_vi
                    ),
                    None,
                );
                continue;
            }
            let to = match reason.max_months {
                Some(m) => x.to.min(add_months(x.from, m).pred_opt().unwrap_or(x.from)),
                None => x.to,
            };
            let bits = self.bits(x.from, to, self.last);
            if bits.len() == 0 {
                continue;
            }
            let whole = p.exemptions.partial_year == PartialYear::WholeYear;
            exempt_days.union(&bits);
            if applied.is_none() || whole {
                applied = Some(AppliedExemption {
                    reason: reason.code.clone(),
                    label_vi: reason.label_vi.clone(),
                    from: Some(x.from),
                    to: Some(to),
                    whole_year: whole,
                });
            }
            if whole {
                self.push(
                    RuleId::Exemption,
                    Severity::Info,
                    format!(
                        "Được miễn đi cơ sở năm {}: {} ({}).",
                        self.d.year,
                        reason.label_vi,
                        fmt_range(x.from, to)
                    ),
                    None,
                );
                return (applied, exempt_days);
            }
        }
        if let Some(a) = &mut applied
            && exempt_days.len() >= self.year_len
        {
            a.whole_year = true;
            self.push(
                RuleId::Exemption,
                Severity::Info,
                format!(
                    "Được miễn đi cơ sở cả năm {} ({}).",
                    self.d.year, a.label_vi
                ),
                None,
            );
        }
        (applied, exempt_days)
    }
}
