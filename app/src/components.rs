//! Small components shared by the pages.

use crate::local::{Loaded, use_local_store};
use crate::sync::fmt_time;
use leptos::prelude::*;

/// A main area whose recording is not built yet: its title, the honest empty state, and
/// a sentence on what the area is for and that this version cannot do it yet.
#[component]
pub fn AreaNotYetBuilt(
    title: &'static str,
    empty: &'static str,
    detail: &'static str,
) -> impl IntoView {
    view! {
        <leptos_meta::Title text=format!("{title} – dicoso") />
        <h1>{title}</h1>
        <p class="empty">{empty}</p>
        <p class="muted">{detail}</p>
    }
}

/// The always-visible sync badge in the header: whether the server is reachable, and
/// under it a line on what is not on the server yet, when the last sync was, or why
/// sync failed. All of it comes from the sync task after hydration.
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
        <div class="sync">
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
        </div>
    }
}

/// Asks for the cadre's code until this device has one: the code names the cadre's
/// documents, so nothing is recorded or synced without it.
#[component]
pub fn CadreSetup() -> impl IntoView {
    let store = use_local_store();
    let typed = RwSignal::new(String::new());
    let saving = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
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
                    {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                </form>
            }
        })
    }
}
