//! "Năm nay": the cadre's year at a glance, from the trips recorded on this device.

use crate::local::{Loaded, use_local_store};
use crate::policy_view;
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::doc::TripRecord;
use std::collections::BTreeSet;

/// Distinct calendar days of `year` touched by the trips: a day two trips share counts once.
pub fn recorded_days_in_year(trips: &[TripRecord], year: i32) -> usize {
    let mut days = BTreeSet::new();
    for trip in trips.iter().map(|r| &r.trip) {
        let mut day = trip
            .start
            .max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(trip.start));
        while day <= trip.end && day.year() == year {
            days.insert(day);
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
    }
    days.len()
}

#[component]
pub fn YearPage() -> impl IntoView {
    let store = use_local_store();
    // The year is the device's, read after hydration: the server's HTML carries no date.
    let year = RwSignal::new(None::<i32>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        year.set(Some(js_sys::Date::new_0().get_full_year() as i32));
    });
    let minimum = policy_view::minimum_days();

    view! {
        <Title text="Năm nay – dicoso" />
        <h1>"Năm nay"</h1>
        {move || match store.cadre.get() {
            Loaded::Ready(Some(code)) => Some(view! {
                <p class="muted" data-cadre=code.to_string()>{format!("Mã cán bộ: {code}")}</p>
            }),
            _ => None,
        }}
        {move || match (store.trips.get(), year.get()) {
            (Loaded::Failed(problem), _) => view! { <p class="error" role="alert">{problem}</p> }.into_any(),
            (Loaded::Ready(list), Some(year)) => {
                let trips: Vec<_> = list
                    .trips
                    .iter()
                    .filter(|t| t.trip.start.year() <= year && t.trip.end.year() >= year)
                    .cloned()
                    .collect();
                if trips.is_empty() {
                    return view! {
                        <p class="empty">{format!("Chưa có chuyến đi nào trong năm {year}.")}</p>
                        <p><a href="/chuyen-di">"Ghi chuyến đi đầu tiên"</a></p>
                    }
                    .into_any();
                }
                let days = recorded_days_in_year(&trips, year);
                let goal = minimum
                    .map(|m| format!("Cần tối thiểu {m} ngày trong năm."))
                    .unwrap_or_default();
                view! {
                    <div class="card stat">
                        <div class="stat-label">{format!("Số ngày đi cơ sở đã ghi trong năm {year}")}</div>
                        <div class="stat-value" data-stat="recorded-days">{days}</div>
                        <div class="muted">{goal}</div>
                    </div>
                    <div class="card stat">
                        <div class="stat-label">"Số chuyến đi đã ghi"</div>
                        <div class="stat-value" data-stat="trips">{trips.len()}</div>
                    </div>
                    <p class="muted">
                        "Số ngày ở đây là ngày đã ghi trên máy; ngày được tính chính thức khi có xác nhận của cơ sở."
                    </p>
                }
                .into_any()
            }
            _ => view! { <p class="muted">"Đang mở dữ liệu trên máy…"</p> }.into_any(),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip(start: &str, end: &str) -> TripRecord {
        let form = shared::form::TripForm {
            start: start.into(),
            end: end.into(),
            host_name: "Xã A".into(),
            host_level: "co-so".into(),
            content_type: "3.2".into(),
            ..Default::default()
        };
        let policy = shared::policy::Policy::preset("kien-giang-2023").expect("preset");
        let today = "2030-01-01".parse().expect("date");
        let id = format!("{start}/{end}");
        shared::form::check_trip(&form, &policy, &[], None, &id, today)
            .1
            .expect("valid trip")
    }

    #[test]
    fn recorded_days_count_each_calendar_day_once_within_the_year() {
        let rows: &[(&[(&str, &str)], usize)] = &[
            (&[], 0),
            (&[("2026-03-02", "2026-03-06")], 5),
            // Overlapping trips: 02..06 and 05..08 touch 7 days.
            (
                &[("2026-03-02", "2026-03-06"), ("2026-03-05", "2026-03-08")],
                7,
            ),
            // Same-day trips count once.
            (
                &[("2026-04-01", "2026-04-01"), ("2026-04-01", "2026-04-01")],
                1,
            ),
            // Only the days inside the year.
            (&[("2025-12-30", "2026-01-02")], 2),
            (&[("2026-12-30", "2027-01-03")], 2),
        ];
        for (trips, expected) in rows {
            let trips: Vec<_> = trips.iter().map(|(s, e)| trip(s, e)).collect();
            assert_eq!(recorded_days_in_year(&trips, 2026), *expected, "{trips:?}");
        }
    }
}
