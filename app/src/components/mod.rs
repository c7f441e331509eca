//! Small components shared by the pages.

pub mod fields;
pub mod host_picker;

use crate::local::{Loaded, LocalError, use_local_store};
use crate::sync::fmt_time;
use leptos::prelude::*;
use shared::assemble::{Party, TripStage};

/// Sets the document's title after hydration ("Chuyến đi – dicoso"). The server's HTML
/// carries the app's title on every page: a title per page is not worth a head manager
/// in the first load.
pub fn set_title(page: &'static str) {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(d) = web_sys::window().and_then(|w| w.document()) {
            d.set_title(&format!("{page} – dicoso"));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = page;
    });
}

/// The always-visible sync badge in the header: whether the server is reachable, and
/// under it a line on what is not on the server yet, when the last sync was, or why
/// sync failed. All of it comes from the sync task after hydration. The badge opens the
/// Đồng bộ page.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let sync = use_local_store().sync;
    let offset = RwSignal::new(0);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        offset.set(js_sys::Date::new_0().get_timezone_offset() as i32);
    });
    let detail = move || {
        if let Some(problem) = sync.error.get() {
            return problem;
        }
        match (sync.unsynced.get(), sync.last_synced.get()) {
            (Some(n), _) if n > 0 => format!("{n} thay đổi chưa gửi lên máy chủ"),
            (Some(_), Some(at)) => format!("Đã đồng bộ lúc {}", fmt_time(offset.get(), at)),
            (Some(_), None) => "Chưa đồng bộ lần nào".to_owned(),
            (None, _) => String::new(),
        }
    };
    view! {
        <a class="sync" href="/dong-bo" aria-label="Đồng bộ: xem chi tiết">
            <span
                class=move || sync.link.get().class()
                role="status"
                data-link=move || format!("{:?}", sync.link.get())
            >
                {move || sync.link.get().label()}
            </span>
            <span
                class=move || if sync.error.get().is_some() { "sync-detail error" } else { "sync-detail" }
                data-unsynced=move || sync.unsynced.get().map(|n| n.to_string()).unwrap_or_default()
                data-synced-at=move || sync.last_synced.get().map(|t| t.to_string()).unwrap_or_default()
            >
                {detail}
            </span>
        </a>
    }
}

/// Asks for the cadre's code until this device has one: the code names the cadre's
/// documents, so nothing is recorded or synced without it.
#[component]
pub fn CadreSetup() -> impl IntoView {
    let store = use_local_store();
    let typed = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let problem = RwSignal::new(None::<LocalError>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = store.set_cadre(typed.get_untracked()).await {
                problem.set(Some(e));
            }
            saving.set(false);
        });
    };
    move || {
        matches!(store.cadre.get(), Loaded::Ready(None)).then(|| {
            view! {
                <form class="card setup" on:submit=on_submit novalidate=true>
                    <h2>"Bắt đầu trên máy này"</h2>
                    <p class="muted">
                        "Nhập mã cán bộ do Tỉnh Đoàn cấp. Mã này gắn hồ sơ đi cơ sở của đồng chí trên mọi máy, để dữ liệu được đồng bộ về cùng một hồ sơ."
                    </p>
                    <label>
                        "Mã cán bộ"
                        <input
                            type="text"
                            name="cadre"
                            autocomplete="off"
                            autocapitalize="characters"
                            placeholder="VD: KG-0123"
                            bind:value=typed
                        />
                    </label>
                    <button type="submit" disabled=move || saving.get()>"Lưu mã cán bộ"</button>
                    {move || problem.get().map(|p| view! { <p class="error" role="alert">{p.to_string()}</p> })}
                </form>
            }
        })
    }
}

/// The store's answer while it has none yet, or its failure; `None` once it is ready.
pub fn not_ready<T>(loaded: &Loaded<T>) -> Option<AnyView> {
    match loaded {
        Loaded::Loading => {
            Some(view! { <p class="muted">"Đang mở dữ liệu trên máy…"</p> }.into_any())
        }
        Loaded::Failed(problem) => Some(
            view! { <p class="error" role="alert">{problem.to_string()}</p> }.into_any(),
        ),
        Loaded::Ready(_) => None,
    }
}

/// A trip's stage and, while it waits on someone, whose move it is: waiting is not
/// failing, so only a trip that cannot count is shown as a problem.
pub fn stage_chip(stage: TripStage) -> impl IntoView {
    let class = match stage {
        TripStage::NotApproved => "chip bad",
        TripStage::Cancelled => "chip off",
        TripStage::Graded | TripStage::Approved => "chip ok",
        _ if stage.whose_move() == Some(Party::Cadre) => "chip todo",
        _ => "chip wait",
    };
    let whose = match stage.whose_move() {
        Some(Party::Cadre) | None => String::new(),
        Some(p) => format!(" · việc của {}", p.label_vi()),
    };
    view! {
        <span class=class data-stage=format!("{stage:?}")>
            {stage.label_vi()}
            <span class="whose">{whose}</span>
        </span>
    }
}

/// "Đã lưu…" after a page change, shown once.
#[component]
pub fn Notice() -> impl IntoView {
    let store = use_local_store();
    let shown = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(n) = store.notice.get() {
            shown.set(Some(n));
            store.notice.set(None);
        }
    });
    move || {
        shown
            .get()
            .map(|n| view! { <p class="notice" role="status">{n}</p> })
    }
}
