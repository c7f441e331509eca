//! "Đồng bộ": what this device has that the server has not confirmed yet, when the
//! server last confirmed everything, and the last error, all from the sync task
//! ([`crate::sync::SyncStatus`]); and what the device holds.

use crate::components::set_title;
use crate::local::{Loaded, use_local_store};
use crate::sync::{Link, fmt_time};
use leptos::prelude::*;

#[component]
pub fn SyncPage() -> impl IntoView {
    set_title("Đồng bộ");
    let store = use_local_store();
    let sync = store.sync;
    let offset = RwSignal::new(0);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        offset.set(js_sys::Date::new_0().get_timezone_offset() as i32);
    });
    let pending = move || match sync.unsynced.get() {
        None => "Chưa đếm".to_owned(),
        Some(0) => "Không có: máy chủ đã có mọi thay đổi trên máy này".to_owned(),
        Some(n) => format!("{n} thay đổi"),
    };
    let last = move || match sync.last_synced.get() {
        Some(at) => fmt_time(offset.get(), at),
        None => "Chưa đồng bộ lần nào".to_owned(),
    };
    let error = move || sync.error.get().unwrap_or_else(|| "Không có".to_owned());
    let held = move || {
        store.docs.with(|d| match d {
            Loaded::Ready(d) => d
                .years
                .iter()
                .rev()
                .map(|(y, cy)| {
                    let trips = cy.trips.len();
                    let meetings = cy.meetings.len();
                    let subs = cy.submissions.len();
                    view! {
                        <li>{format!("Năm {y}: {trips} chuyến đi, {meetings} buổi sinh hoạt, {subs} lần đăng ký")}</li>
                    }
                })
                .collect_view()
                .into_any(),
            _ => ().into_any(),
        })
    };
    let note = move || match sync.link.get() {
        Link::Offline => {
            Some("Máy đang ngoại tuyến: dữ liệu vẫn được lưu trên máy và sẽ gửi khi có mạng.")
        }
        Link::ServerUnreachable => {
            Some("Chưa kết nối được máy chủ: dữ liệu vẫn được lưu trên máy, máy sẽ tự thử lại.")
        }
        _ => None,
    };
    view! {
        <h1>"Đồng bộ"</h1>
        <section class="card" aria-labelledby="h-sync">
            <h2 id="h-sync">"Tình trạng"</h2>
            <dl>
                <dt>"Kết nối"</dt>
                <dd data-link=move || format!("{:?}", sync.link.get())>{move || sync.link.get().label()}</dd>
                <dt>"Chưa gửi lên máy chủ"</dt>
                <dd data-unsynced=move || sync.unsynced.get().map(|n| n.to_string()).unwrap_or_default()>{pending}</dd>
                <dt>"Lần đồng bộ xong gần nhất"</dt>
                <dd data-synced-at=move || sync.last_synced.get().map(|t| t.to_string()).unwrap_or_default()>{last}</dd>
                <dt>"Lỗi gần nhất"</dt>
                <dd class=move || if sync.error.get().is_some() { "error" } else { "" }>{error}</dd>
            </dl>
            {move || note().map(|n| view! { <p class="muted">{n}</p> })}
        </section>
        <section class="card" aria-labelledby="h-held">
            <h2 id="h-held">"Trên máy này"</h2>
            <p class="muted">
                {move || match store.cadre.get() {
                    Loaded::Ready(Some(c)) => format!("Mã cán bộ: {c}"),
                    _ => "Chưa nhập mã cán bộ.".to_owned(),
                }}
            </p>
            <ul class="plain">{held}</ul>
        </section>
    }
}
