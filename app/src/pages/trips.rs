//! "Chuyến đi": the cadre records a trip and sees the trips recorded on this device.

use crate::local::{Loaded, use_local_store};
use crate::policy_view;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::doc::TripRecord;
use shared::form::TripForm;
use shared::verdict::fmt_range;

#[component]
pub fn TripsPage() -> impl IntoView {
    let store = use_local_store();
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let host_unit = RwSignal::new(String::new());
    let content_type = RwSignal::new(String::new());
    let host_level = RwSignal::new("co-so".to_owned());
    let saving = RwSignal::new(false);
    // Ok(notice) or Err(problem), shown under the form.
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = TripForm {
            start: start.get_untracked(),
            end: end.get_untracked(),
            host_name: host_unit.get_untracked(),
            host_level: host_level.get_untracked(),
            content_type: content_type.get_untracked(),
            ..TripForm::default()
        };
        saving.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match store.add_trip(input).await {
                Ok(()) => {
                    outcome.set(Some(Ok("Đã lưu chuyến đi trên máy.".to_owned())));
                    start.set(String::new());
                    end.set(String::new());
                    host_unit.set(String::new());
                }
                Err(problem) => outcome.set(Some(Err(problem))),
            }
            saving.set(false);
        });
    };

    view! {
        <Title text="Chuyến đi – dicoso" />
        <h1>"Chuyến đi"</h1>
        <form class="card" on:submit=on_submit novalidate=true>
            <h2>"Ghi chuyến đi mới"</h2>
            <div class="row">
                <label>
                    "Ngày bắt đầu"
                    <input type="date" name="start" required=true bind:value=start />
                </label>
                <label>
                    "Ngày kết thúc"
                    <input type="date" name="end" required=true bind:value=end />
                </label>
            </div>
            <label>
                "Đơn vị cơ sở đến làm việc"
                <input
                    type="text"
                    name="host_unit"
                    required=true
                    maxlength="200"
                    placeholder="VD: Đoàn xã Vĩnh Hòa"
                    bind:value=host_unit
                />
            </label>
            <label>
                "Cấp của đơn vị"
                <select
                    name="host_level"
                    on:change:target=move |ev| host_level.set(ev.target().value())
                    prop:value=move || host_level.get()
                >
                    {policy_view::levels()
                        .into_iter()
                        .map(|(id, label)| view! { <option value=id.clone()>{label}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Nội dung"
                <select
                    name="content_type"
                    required=true
                    on:change:target=move |ev| content_type.set(ev.target().value())
                    prop:value=move || content_type.get()
                >
                    <option value="">"– Chọn nội dung –"</option>
                    {policy_view::content_types()
                        .into_iter()
                        .map(|(code, label)| {
                            view! { <option value=code.clone()>{format!("{code}. {label}")}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <button
                type="submit"
                disabled=move || {
                    !store.hydrated.get() || saving.get()
                        || !matches!(store.cadre.get(), Loaded::Ready(Some(_)))
                }
            >
                {move || if saving.get() { "Đang lưu…" } else { "Lưu chuyến đi" }}
            </button>
            {move || {
                outcome
                    .get()
                    .map(|o| match o {
                        Ok(notice) => view! { <p class="notice" role="status">{notice}</p> }.into_any(),
                        Err(problem) => view! { <p class="error" role="alert">{problem}</p> }.into_any(),
                    })
            }}
        </form>
        <section aria-labelledby="trip-list-title">
            <h2 id="trip-list-title">"Đã ghi"</h2>
            {move || match store.trips.get() {
                Loaded::Loading => view! { <p class="muted">"Đang mở dữ liệu trên máy…"</p> }.into_any(),
                Loaded::Failed(problem) => view! { <p class="error" role="alert">{problem}</p> }.into_any(),
                Loaded::Ready(list) if list.trips.is_empty() && list.unreadable.is_empty() => {
                    view! { <p class="empty">"Chưa có chuyến đi nào."</p> }.into_any()
                }
                Loaded::Ready(list) => {
                    let unreadable = list.unreadable.len();
                    view! {
                        <ul class="trips">
                            {list.trips.into_iter().map(trip_item).collect_view()}
                        </ul>
                        {(unreadable > 0)
                            .then(|| view! {
                                <p class="error" role="alert">
                                    {format!("{unreadable} chuyến đi ghi bởi phiên bản khác chưa đọc được; dữ liệu vẫn được giữ nguyên.")}
                                </p>
                            })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

fn trip_item(record: TripRecord) -> impl IntoView {
    let trip = record.trip;
    let days = trip.days();
    let dates = fmt_range(trip.start, trip.end);
    let content = policy_view::content_type_label(&trip.content_type)
        .map(|label| format!("{}. {label}", trip.content_type))
        .unwrap_or_else(|| trip.content_type.clone());
    view! {
        <li class="trip" data-trip-id=trip.id.clone().unwrap_or_default()>
            <div class="trip-when">
                <span class="dates">{dates}</span>
                <span class="days">{format!("{days} ngày")}</span>
            </div>
            <div class="trip-host">{trip.host.name}</div>
            <div class="trip-content muted">{content}</div>
        </li>
    }
}
