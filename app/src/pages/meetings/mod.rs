//! "Sinh hoạt chi đoàn": the chi đoàn meetings the cadre attended, newest first, and
//! which units they cover (HQ counts meetings per unit: seed 002 §I.2.4).

pub mod form;

use crate::components::{Notice, not_ready, set_title};
use crate::local::{Loaded, use_local_store};
use crate::policy_view;
use chrono::Datelike;
use leptos::prelude::*;
use shared::doc::MeetingRecord;
use shared::verdict::fmt_day;

#[component]
pub fn MeetingsPage() -> impl IntoView {
    set_title("Sinh hoạt chi đoàn");
    let store = use_local_store();
    let coverage = move || {
        let year = store.today.get()?.year();
        let required = store.rating.with(|r| {
            r.as_ref()
                .and_then(|r| r.rated().map(|x| x.verdict.coverage.clone()))
        })?;
        let units = store.docs.with(|d| match d {
            Loaded::Ready(d) => {
                let mut units: Vec<String> = d
                    .year(year)
                    .map(|y| {
                        y.meetings
                            .iter()
                            .filter(|m| !m.cancelled)
                            .map(|m| m.meeting.unit.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                shared::text::sort_by_name(&mut units, |u| u);
                units.dedup();
                units
            }
            _ => Vec::new(),
        });
        let list = if units.is_empty() {
            "Chưa có đơn vị nào.".to_owned()
        } else {
            units.join(", ")
        };
        Some(view! {
            <section class="card" aria-labelledby="h-meeting-coverage">
                <h2 id="h-meeting-coverage">{format!("Năm {year}")}</h2>
                <p
                    data-stat="chi-doan"
                    data-counted=required.chi_doan_meetings
                    data-required=required.chi_doan_required
                >
                    {format!(
                        "Đã dự {} buổi (cần tối thiểu {} buổi trong năm).",
                        required.chi_doan_meetings, required.chi_doan_required
                    )}
                </p>
                <p class="muted" data-units=units.len()>{format!("Đơn vị đã đến: {list}")}</p>
            </section>
        })
    };
    let list = move || {
        if let Some(v) = store.docs.with(not_ready) {
            return v;
        }
        let policy = store
            .today
            .get()
            .and_then(|t| policy_view::policy(store, t.year()));
        store.docs.with(|d| {
            let Loaded::Ready(d) = d else {
                return ().into_any();
            };
            if d.meetings().next().is_none() {
                return view! { <p class="empty">"Chưa có buổi sinh hoạt chi đoàn nào."</p> }
                    .into_any();
            }
            view! {
                <ul class="trips meetings">
                    {d.meetings()
                        .map(|(_, m)| meeting_item(m, policy.as_ref()))
                        .collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <h1>"Sinh hoạt chi đoàn"</h1>
        <Notice />
        <a class="button" href="/sinh-hoat/moi">"+ Ghi buổi sinh hoạt"</a>
        {coverage}
        <section aria-labelledby="meeting-list-title">
            <h2 id="meeting-list-title">"Đã dự"</h2>
            {list}
        </section>
    }
}

fn meeting_item(record: &MeetingRecord, policy: Option<&shared::policy::Policy>) -> AnyView {
    let m = &record.meeting;
    let id = m.id.clone().unwrap_or_default();
    let level = policy
        .map(|p| policy_view::level_label(p, &m.unit.level))
        .unwrap_or_else(|| m.unit.level.clone());
    let mut details = Vec::new();
    if let Some(t) = &m.topic {
        details.push(format!("Nội dung: {t}"));
    }
    if let Some(n) = m.members_present {
        details.push(format!("{n} đoàn viên dự"));
    }
    if m.invitation_only {
        details.push("theo thư mời".to_owned());
    }
    view! {
        <li class=if record.cancelled { "trip meeting cancelled" } else { "trip meeting" } data-meeting-id=id.clone()>
            <a href=format!("/sinh-hoat/{id}")>
                <div class="trip-when">
                    <span class="dates">{fmt_day(m.date)}</span>
                    {record.cancelled.then(|| view! { <span class="chip off">"Không dự"</span> })}
                </div>
                <div class="trip-host">{m.chi_doan.clone()}</div>
                <div class="trip-content muted">{format!("{} · {level}", m.unit.name)}</div>
                {(!details.is_empty()).then(|| view! { <div class="muted">{details.join(" · ")}</div> })}
                {m.remarks.clone().map(|r| view! { <div class="muted">{format!("Nhận xét: {r}")}</div> })}
            </a>
        </li>
    }
    .into_any()
}
