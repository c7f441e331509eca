//! Small components shared by the pages.

use crate::account::use_account;
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
    let account = use_account();
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
                // When logging in again fixes sync, the reason is the way there.
                {move || match account.problem.get() {
                    Some(problem) if problem.relogin => {
                        view! { <a href="/dang-nhap">{problem.message}</a> }.into_any()
                    }
                    _ => detail().into_any(),
                }}
            </span>
        </div>
    }
}

/// Shown while nobody has enrolled on this device: the app records nothing before a
/// login (a person's documents are named by who they are), and the login needs a network
/// once. Data kept from before accounts waits, untouched, for its cadre.
#[component]
pub fn LoginPrompt() -> impl IntoView {
    let account = use_account();
    let online = RwSignal::new(true);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            online.set(window.navigator().on_line());
        }
    });
    let location = leptos_router::hooks::use_location();
    move || {
        let nobody = matches!(account.active.get(), Loaded::Ready(None));
        (nobody && location.pathname.get() != "/dang-nhap").then(|| {
            view! {
                <div class="card setup" role="region" aria-label="Đăng nhập">
                    <h2>"Đăng nhập để bắt đầu"</h2>
                    <p class="muted">
                        "Máy này chưa có ai đăng nhập. Trước khi đăng nhập, ứng dụng chưa ghi được gì. Đồng chí chỉ cần đăng nhập một lần, khi có mạng (tên đăng nhập và mật khẩu, hoặc mã đăng ký do quản trị viên cấp); sau đó ứng dụng dùng được cả khi không có mạng."
                    </p>
                    {move || account.legacy.get().map(|cadre| view! {
                        <p class="muted">
                            {format!("Dữ liệu đã ghi trên máy với mã cán bộ {cadre} vẫn được giữ và sẽ hiện lại khi cán bộ {cadre} đăng nhập.")}
                        </p>
                    })}
                    {move || (!online.get()).then(|| view! {
                        <p class="error" role="alert">"Máy đang ngoại tuyến: hãy kết nối mạng để đăng nhập."</p>
                    })}
                    <a class="button" href="/dang-nhap">"Đăng nhập"</a>
                </div>
            }
        })
    }
}
