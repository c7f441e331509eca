//! "Chuyến đi": the trips recorded on this device, newest first, each with its stage and
//! whose move it is; a search that ignores tones; a button to record a new one.

pub mod confirm;
pub mod detail;
pub mod form;
pub mod report;

use crate::components::{Notice, not_ready, set_title, stage_chip};
use crate::local::{Loaded, LocalStore, use_local_store};
use crate::rating::{TripStates, trip_stages};
use leptos::prelude::*;
use shared::assemble::TripStage;
use shared::doc::TripRecord;
use shared::dossier::TripStatus;
use shared::verdict::fmt_range;

/// Each trip's stage and the host's word on it, for every year on the device.
pub fn stages(store: LocalStore) -> Memo<TripStates> {
    Memo::new(move |_| {
        let (Some(code), Some(today)) = (store.cadre_code(), store.today.get()) else {
            return TripStates::default();
        };
        let directory = store.directory.get();
        store.docs.with(|d| match d {
            Loaded::Ready(d) => trip_stages(directory.as_deref(), &code, d, today),
            _ => TripStates::default(),
        })
    })
}

#[component]
pub fn TripsPage() -> impl IntoView {
    set_title("Chuyến đi");
    let store = use_local_store();
    let query = RwSignal::new(String::new());
    let stages = stages(store);
    let list = move || {
        if let Some(v) = store.docs.with(not_ready) {
            return v;
        }
        let q = query.get();
        let stages = stages.get();
        store.docs.with(|d| {
            let Loaded::Ready(d) = d else {
                return ().into_any();
            };
            if d.trips().next().is_none() {
                return view! { <p class="empty">"Chưa có chuyến đi nào."</p> }.into_any();
            }
            let items: Vec<AnyView> = d
                .trips()
                .filter(|(_, t)| {
                    q.trim().is_empty()
                        || shared::text::matches(
                            &format!(
                                "{} {} {}",
                                t.trip.host.name,
                                t.trip.topic.as_deref().unwrap_or_default(),
                                t.trip.content_type
                            ),
                            &q,
                        )
                })
                .map(|(_, t)| trip_item(t, stages.stages.get(t.id()).copied()).into_any())
                .collect();
            let unreadable = d.unreadable.len();
            let found = items.len();
            view! {
                {(found == 0).then(|| view! { <p class="empty">"Không có chuyến đi nào khớp."</p> })}
                <ul class="trips">{items}</ul>
                {(unreadable > 0).then(|| view! {
                    <p class="error" role="alert">
                        {format!("{unreadable} mục ghi bởi phiên bản khác chưa đọc được; dữ liệu vẫn được giữ nguyên.")}
                    </p>
                })}
            }
            .into_any()
        })
    };
    view! {
        <h1>"Chuyến đi"</h1>
        <Notice />
        <a class="button" href="/chuyen-di/moi">"+ Ghi chuyến đi mới"</a>
        <div class="field search">
            <label for="f-search">"Tìm theo đơn vị, chủ đề"</label>
            <input
                type="search"
                id="f-search"
                name="search"
                autocomplete="off"
                placeholder="VD: vinh hoa"
                prop:value=move || query.get()
                on:input:target=move |ev| query.set(ev.target().value())
            />
        </div>
        <section aria-labelledby="trip-list-title">
            <h2 id="trip-list-title">"Đã ghi"</h2>
            {list}
        </section>
    }
}

fn trip_item(record: &TripRecord, stage: Option<TripStage>) -> AnyView {
    let t = &record.trip;
    let id = record.id().to_owned();
    let cancelled = t.status == TripStatus::Cancelled;
    let kind = match (t.thematic, t.status) {
        (_, TripStatus::Planned) if t.thematic => "Chuyên đề · dự kiến",
        (_, TripStatus::Planned) => "Dự kiến",
        (true, _) => "Chuyên đề",
        _ => "",
    };
    view! {
        <li class=if cancelled { "trip cancelled" } else { "trip" } data-trip-id=id.clone()>
            <a href=format!("/chuyen-di/{id}")>
                <div class="trip-when">
                    <span class="dates">{fmt_range(t.start, t.end)}</span>
                    <span class="days">{format!("{} ngày", t.days())}</span>
                </div>
                <div class="trip-host">{t.host.name.clone()}</div>
                <div class="trip-content muted">
                    {format!("Nội dung {}", t.content_type)}
                    {(!kind.is_empty()).then(|| format!(" · {kind}"))}
                </div>
            </a>
            {stage.map(stage_chip)}
        </li>
    }
    .into_any()
}
