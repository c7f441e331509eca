//! Days and dates: the day set a year's counting rests on, and how findings write dates.

use crate::dossier::Trip;
use chrono::{Datelike, Days, Months, NaiveDate};

/// Days of one year as bits (index = ordinal0), so a day touched twice counts once.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DaySet([u64; 6]);

impl DaySet {
    pub(super) fn insert_range(&mut self, lo: u32, hi: u32) {
        let (lo, hi) = (lo.min(383), hi.min(383));
        if lo > hi {
            return;
        }
        let (lw, hw) = ((lo / 64) as usize, (hi / 64) as usize);
        for w in lw..=hw {
            let a = if w == lw { lo % 64 } else { 0 };
            let b = if w == hw { hi % 64 } else { 63 };
            self.0[w] |= (u64::MAX >> (63 - (b - a))) << a;
        }
    }

    pub(super) fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    pub(super) fn minus(&self, other: &DaySet) -> DaySet {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o &= !x;
        }
        out
    }

    pub(super) fn union(&mut self, other: &DaySet) {
        for (o, x) in self.0.iter_mut().zip(other.0) {
            *o |= x;
        }
    }
}

/// dd/mm/yyyy.
pub fn fmt_day(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// "03/04–06/04/2025", or one day, or across years.
pub fn fmt_range(a: NaiveDate, b: NaiveDate) -> String {
    if a == b {
        fmt_day(a)
    } else if a.year() == b.year() {
        format!("{:02}/{:02}–{}", a.day(), a.month(), fmt_day(b))
    } else {
        format!("{}–{}", fmt_day(a), fmt_day(b))
    }
}

pub(super) fn trip_label(t: &Trip) -> String {
    format!("Chuyến đi {} ({})", fmt_range(t.start, t.end), t.host.name)
}

/// The same, inside a sentence.
pub(super) fn trip_text(t: &Trip) -> String {
    format!("chuyến đi {} ({})", fmt_range(t.start, t.end), t.host.name)
}

pub(super) fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

pub(super) fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

pub(super) fn ceil_ratio(value: u32, num: u32, den: u32) -> u32 {
    if den == 0 {
        return value;
    }
    let v = u64::from(value) * u64::from(num);
    u32::try_from(v.div_ceil(u64::from(den))).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_set_ranges() {
        let mut s = DaySet::default();
        s.insert_range(0, 0);
        assert_eq!(s.len(), 1);
        s.insert_range(60, 130);
        assert_eq!(s.len(), 72);
        s.insert_range(0, 365);
        assert_eq!(s.len(), 366);
        let mut t = DaySet::default();
        t.insert_range(63, 64);
        assert_eq!(t.len(), 2);
        assert_eq!(s.minus(&t).len(), 364);
    }

    #[test]
    fn date_formats() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            fmt_range(d("2025-04-03"), d("2025-04-06")),
            "03/04–06/04/2025"
        );
        assert_eq!(fmt_range(d("2025-04-03"), d("2025-04-03")), "03/04/2025");
        assert_eq!(
            fmt_range(d("2024-12-30"), d("2025-01-02")),
            "30/12/2024–02/01/2025"
        );
    }
}
