//! Small components shared by the pages.

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

/// Whether this device can reach the dicoso server right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not known yet (on the server, and until the first check after hydration).
    Unknown,
    Online,
    /// The device has a network but the server does not answer.
    ServerUnreachable,
    Offline,
}

impl Link {
    fn label(self) -> &'static str {
        match self {
            Link::Unknown => "Đang kiểm tra…",
            Link::Online => "Trực tuyến",
            Link::ServerUnreachable => "Mất kết nối máy chủ",
            Link::Offline => "Ngoại tuyến",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Link::Unknown => "badge unknown",
            Link::Online => "badge online",
            Link::ServerUnreachable | Link::Offline => "badge offline",
        }
    }
}

/// The always-visible sync badge in the header. For now it tells whether the server can
/// be reached (the browser's online flag, then a call to `/api/health`); the sync state
/// of documents joins it with the sync client.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let link = RwSignal::new(Link::Unknown);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        browser::watch(link);
    });
    view! {
        <span class=move || link.get().class() role="status" data-link=move || format!("{:?}", link.get())>
            {move || link.get().label()}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::Link;
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen_futures::JsFuture;

    const CHECK_EVERY_MS: i32 = 30_000;

    async fn check() -> Link {
        let Some(window) = web_sys::window() else {
            return Link::Unknown;
        };
        if !window.navigator().on_line() {
            return Link::Offline;
        }
        // The service worker never answers /api/ from its cache.
        let Ok(response) = JsFuture::from(window.fetch_with_str("/api/health")).await else {
            return Link::ServerUnreachable;
        };
        match response.dyn_into::<web_sys::Response>() {
            Ok(r) if r.ok() => Link::Online,
            _ => Link::ServerUnreachable,
        }
    }

    pub fn watch(link: RwSignal<Link>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let refresh = move || leptos::task::spawn_local(async move { link.set(check().await) });
        refresh();
        let on_change = Closure::<dyn Fn()>::new(refresh);
        let callback = on_change.as_ref().unchecked_ref();
        let _ = window.add_event_listener_with_callback("online", callback);
        let _ = window.add_event_listener_with_callback("offline", callback);
        let _ =
            window.set_interval_with_callback_and_timeout_and_arguments_0(callback, CHECK_EVERY_MS);
        // The listeners live as long as the page.
        on_change.forget();
    }
}
