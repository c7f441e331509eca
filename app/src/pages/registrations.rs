//! "Đăng ký": the policy's periods (two half-years in Kiên Giang, quarters in Tây Ninh),
//! each with its deadline and the planned trips that fall in it; the cadre sends a
//! registration listing them. A registration sent after the deadline is recorded with its
//! date, and the engine's verdict says it is late (000 §IV Bước 1; §V.2).

use crate::components::{Notice, not_ready, set_title};
use crate::local::{Loaded, LocalError, LocalStore, use_local_store};
use crate::policy_view;
use crate::rating::rate_year;
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use shared::doc::{CadreYear, TripRecord};
use shared::dossier::TripStatus;
use shared::policy::{Period, Policy};
use shared::verdict::{PeriodStatus, SubmissionStatus, fmt_day, fmt_range};

#[component]
pub fn RegistrationsPage() -> impl IntoView {
    set_title("Đăng ký");
    let store = use_local_store();
    let chosen = RwSignal::new(None::<i32>);
    let year = move || chosen.get().or_else(|| store.today.get().map(|t| t.year()));
    // The selected year rated, for each period's status as the engine sees it.
    let statuses = Memo::new(move |_| {
        let (Some(y), Some(today), Some(code)) = (year(), store.today.get(), store.cadre_code())
        else {
            return Vec::new();
        };
        let directory = store.directory.get();
        store.docs.with(|d| match d {
            Loaded::Ready(d) => rate_year(directory.as_deref(), &code, y, d, today)
                .outcome
                .map(|r| r.verdict.process.registrations)
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    });
    let tabs = move || {
        let this = store.today.get()?.year();
        Some(
            [this, this + 1]
                .into_iter()
                .map(|y| {
                    view! {
                        <button
                            type="button"
                            class="tab"
                            aria-pressed=move || (year() == Some(y)).to_string()
                            on:click=move |_| chosen.set(Some(y))
                        >
                            {format!("Năm {y}")}
                        </button>
                    }
                })
                .collect_view(),
        )
    };
    let body = move || {
        if let Some(v) = store.docs.with(not_ready) {
            return v;
        }
        let (Some(y), Some(today)) = (year(), store.today.get()) else {
            return ().into_any();
        };
        let Some(policy) = policy_view::policy(store, y) else {
            return view! { <p class="error">{LocalError::NoPolicy(y).to_string()}</p> }.into_any();
        };
        let dossier = store.docs.with(|d| match d {
            Loaded::Ready(d) => d.year(y).cloned(),
            _ => None,
        });
        let statuses = statuses.get();
        policy
            .registration
            .periods
            .iter()
            .map(|p| {
                let status = statuses.iter().find(|s| s.period == p.code).cloned();
                period_card(store, &policy, p, y, today, dossier.as_ref(), status)
            })
            .collect_view()
            .into_any()
    };
    view! {
        <h1>"Đăng ký đi cơ sở"</h1>
        <Notice />
        <div class="tabs" role="group" aria-label="Năm đăng ký">{tabs}</div>
        {body}
        <a class="button secondary" href="/chuyen-di/moi">"+ Thêm chuyến đi dự kiến"</a>
    }
}

fn status_text(s: &PeriodStatus) -> (&'static str, &'static str) {
    match s.status {
        SubmissionStatus::OnTime => ("Đã đăng ký đúng hạn", "ok"),
        SubmissionStatus::Late => ("Đăng ký muộn", "bad"),
        SubmissionStatus::Missing => ("Chưa đăng ký, đã quá hạn", "bad"),
        SubmissionStatus::NotDue => ("Chưa đăng ký", "todo"),
        SubmissionStatus::Exempt => ("Được miễn", "ok"),
    }
}

#[allow(clippy::too_many_arguments)]
fn period_card(
    store: LocalStore,
    policy: &Policy,
    period: &Period,
    year: i32,
    today: NaiveDate,
    dossier: Option<&CadreYear>,
    status: Option<PeriodStatus>,
) -> AnyView {
    let last_day = policy.registration_last_day(period, year);
    let code = period.code.clone();
    let submissions: Vec<_> = dossier
        .map(|d| {
            d.submissions
                .iter()
                .filter(|s| s.period == code)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let listed = |id: &str| {
        submissions
            .iter()
            .find(|s| s.trips.iter().any(|t| t == id))
            .map(|s| s.submitted_on)
    };
    let trips: Vec<(TripRecord, Option<NaiveDate>)> = dossier
        .map(|d| {
            d.trips
                .iter()
                .filter(|t| t.trip.status != TripStatus::Cancelled)
                .filter(|t| {
                    policy
                        .period_of(t.trip.start)
                        .is_some_and(|p| p.code == code)
                })
                .map(|t| (t.clone(), listed(t.id())))
                .collect()
        })
        .unwrap_or_default();
    let selected = RwSignal::new(
        trips
            .iter()
            .filter(|(_, on)| on.is_none())
            .map(|(t, _)| t.id().to_owned())
            .collect::<Vec<String>>(),
    );
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<LocalError>);
    let late = today > last_day;
    let send_code = code.clone();
    let send = move |_| {
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        failure.set(None);
        let (code, trips) = (send_code.clone(), selected.get_untracked());
        leptos::task::spawn_local(async move {
            match store.submit_registration(year, code, trips).await {
                Ok(()) => store.notice.set(Some(
                    if late {
                        "Đã ghi đăng ký; đăng ký này nộp sau hạn chót."
                    } else {
                        "Đã ghi đăng ký trên máy."
                    }
                    .to_owned(),
                )),
                Err(e) => failure.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let status_line = status.as_ref().map(|s| {
        let (text, class) = status_text(s);
        let when = s
            .submitted_on
            .map(|d| format!(" (gửi ngày {})", fmt_day(d)))
            .unwrap_or_default();
        let decision = s
            .submitted_on
            .map(|_| " · chờ Thường trực phê duyệt")
            .unwrap_or_default();
        view! {
            <p class=format!("status {class}") data-status=format!("{:?}", s.status)>
                {format!("{text}{when}{decision}")}
            </p>
        }
    });
    let unlisted = trips.iter().filter(|(_, on)| on.is_none()).count();
    let items = trips
        .into_iter()
        .map(|(t, on)| trip_line(t, on, last_day, selected))
        .collect_view();
    let history = submissions
        .iter()
        .map(|s| {
            let late = s.submitted_on > last_day;
            view! {
                <li data-late=late.to_string()>
                    {format!(
                        "Gửi ngày {}: {} chuyến đi{}",
                        fmt_day(s.submitted_on),
                        s.trips.len(),
                        if late { " · nộp muộn" } else { "" }
                    )}
                </li>
            }
        })
        .collect_view();
    let h = format!("h-period-{code}");
    view! {
        <section class="card period" data-period=code.clone() aria-labelledby=h.clone()>
            <h2 id=h.clone()>{format!("{} năm {year}", period.label_vi)}</h2>
            <p class=if late { "muted late" } else { "muted" }>
                {format!("Hạn chót: {}{}", fmt_day(last_day), if late { " (đã qua)" } else { "" })}
            </p>
            {status_line}
            <ul class="plain submissions">{history}</ul>
            <h3 class="sub">"Chuyến đi trong đợt"</h3>
            <ul class="plain register">{items}</ul>
            {(unlisted == 0 && submissions.is_empty()).then(|| view! {
                <p class="muted">"Chưa có chuyến đi dự kiến nào trong đợt này."</p>
            })}
            {late.then(|| view! {
                <p class="warning">"Đã quá hạn: đăng ký gửi hôm nay được ghi là nộp muộn."</p>
            })}
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <button
                type="button"
                class="send"
                hidden=unlisted == 0 && !submissions.is_empty()
                disabled=move || saving.get() || !store.hydrated.get() || (selected.with(Vec::is_empty) && unlisted > 0)
                on:click=send
            >
                {move || {
                    let n = selected.with(Vec::len);
                    if saving.get() {
                        "Đang lưu…".to_owned()
                    } else if n == 0 {
                        "Gửi đăng ký đợt này (không có chuyến đi)".to_owned()
                    } else {
                        format!("Gửi đăng ký ({n} chuyến đi)")
                    }
                }}
            </button>
        </section>
    }
    .into_any()
}

fn trip_line(
    record: TripRecord,
    listed_on: Option<NaiveDate>,
    last_day: NaiveDate,
    selected: RwSignal<Vec<String>>,
) -> AnyView {
    let t = &record.trip;
    let id = record.id().to_owned();
    let text = format!("{} · {}", fmt_range(t.start, t.end), t.host.name);
    let mut details = vec![format!("Nội dung {}", t.content_type)];
    if t.thematic {
        details.push("chuyên đề".to_owned());
    }
    if let Some(o) = &t.outline {
        details.push(format!("đề cương: {}", o.title));
    }
    let group = t.group.as_ref().map(|g| {
        g.members
            .iter()
            .map(|m| {
                let task = if m.task.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.task)
                };
                view! { <li>{format!("{}{task}", m.name)}</li> }
            })
            .collect_view()
    });
    let state = match listed_on {
        Some(on) if on > last_day => format!("Đã đăng ký ngày {} (muộn)", fmt_day(on)),
        Some(on) => format!("Đã đăng ký ngày {}", fmt_day(on)),
        None => String::new(),
    };
    let box_id = format!("reg-{id}");
    let toggle_id = id.clone();
    view! {
        <li class="reg-trip" data-trip-id=id.clone()>
            {match listed_on {
                None => view! {
                    <input
                        type="checkbox"
                        id=box_id.clone()
                        prop:checked=move || selected.with(|s| s.contains(&toggle_id))
                        on:change:target={
                            let id = id.clone();
                            move |ev| {
                                let on = ev.target().checked();
                                selected.update(|s| {
                                    s.retain(|x| x != &id);
                                    if on {
                                        s.push(id.clone());
                                    }
                                });
                            }
                        }
                    />
                }
                .into_any(),
                Some(_) => ().into_any(),
            }}
            <label for=box_id>
                <a href=format!("/chuyen-di/{id}")>{text}</a>
                <span class="muted">{format!(" · {}", details.join(" · "))}</span>
            </label>
            <ul class="plain group">{group}</ul>
            {(!state.is_empty()).then(|| view! { <p class="muted">{state}</p> })}
        </li>
    }
    .into_any()
}
