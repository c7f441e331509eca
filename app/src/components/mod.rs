//! Small components shared by the pages.

pub mod fields;
pub mod host_picker;
pub mod qr;
pub mod scanner;

use crate::account::use_account;
use crate::local::{Loaded, use_local_store};
use crate::sync::fmt_time;
use leptos::prelude::*;
use shared::assemble::{Party, TripStage};

/// The page's origin (`https://…`, this app's server), for links made to be sent; empty
/// before hydration and on the server.
pub fn page_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// Sets the document's title after hydration ("Chuyến đi – dicoso"). The server's HTML
/// carries the app's title (the shell's `<Title>`) on every page; the year's pages set
/// theirs in the browser, the account pages through `leptos_meta::Title`.
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
        // One link: to the login when logging in again fixes sync, else to Đồng bộ (a
        // link inside a link is not HTML).
        <a
            class="sync"
            href=move || match account.problem.get() {
                Some(problem) if problem.relogin => "/dang-nhap",
                _ => "/dong-bo",
            }
            aria-label="Đồng bộ: xem chi tiết"
        >
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
                    Some(problem) if problem.relogin => problem.message,
                    _ => detail(),
                }}
            </span>
        </a>
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

/// The store's answer while it has none yet, or its failure; `None` once it is ready.
pub fn not_ready<T>(loaded: &Loaded<T>) -> Option<AnyView> {
    match loaded {
        Loaded::Loading => {
            Some(view! { <p class="muted">"Đang mở dữ liệu trên máy…"</p> }.into_any())
        }
        Loaded::Failed(problem) => {
            Some(view! { <p class="error" role="alert">{problem.to_string()}</p> }.into_any())
        }
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
