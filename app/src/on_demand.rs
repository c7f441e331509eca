//! The areas loaded on demand. Năm nay, the screen the app opens on, is in the main
//! WebAssembly module; each other area is a module of its own (`wasm_split`, split
//! out by `cargo xtask dist`), fetched the first time one of its pages is shown, from the
//! service worker's cache when offline. Issue 9: the first load stays small while the
//! screens grow.
//!
//! One split per area, not per page: an area's pages share most of their code, and code
//! two splits share becomes a module of its own, so finer splits mean many small files.
//!
//! A page opened directly is hydrated once its area's module is here ([`load`], before
//! hydration starts): hydrating asynchronously instead would let the rest of the page's
//! effects change what the page shows before the page itself is hydrated.
//!
//! The splits are `wasm_split`'s (which leptos' `#[lazy]` wraps) with its `fallible`
//! option: a module that cannot be fetched (a first visit, online, before the service
//! worker holds the build) is a [`NotLoaded`] the page shows, where `#[lazy]` would
//! abort the whole WebAssembly with a panic.

use crate::pages::{
    admin::AdminPage, host::HostPage, login::LoginPage, meetings, office, registrations,
    sync_page::SyncPage, trips,
};
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use leptos_router::LazyRoute;

/// A part of the app loaded on demand that could not be fetched. Nothing is lost: the
/// next attempt fetches it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Máy chưa tải được phần này của ứng dụng. Hãy kiểm tra kết nối mạng rồi tải lại trang.")]
pub struct NotLoaded;

impl From<SplitLoaderError> for NotLoaded {
    fn from(_: SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// The cadre's screens other than Năm nay: what they do on the road.
#[derive(Clone, Copy)]
pub enum CadreScreen {
    Registrations,
    Trips,
    NewTrip,
    Trip,
    EditTrip,
    Report,
    Meetings,
    NewMeeting,
    EditMeeting,
    Sync,
}

#[wasm_split(cadre_area, wasm_split_path = ::leptos::wasm_split, preload(__preload_cadre_area), fallible)]
fn cadre_area(screen: CadreScreen) -> Result<AnyView, NotLoaded> {
    Ok(match screen {
        CadreScreen::Registrations => view! { <registrations::RegistrationsPage /> }.into_any(),
        CadreScreen::Trips => view! { <trips::TripsPage /> }.into_any(),
        CadreScreen::NewTrip => view! { <trips::form::NewTripPage /> }.into_any(),
        CadreScreen::Trip => view! { <trips::detail::TripPage /> }.into_any(),
        CadreScreen::EditTrip => view! { <trips::form::EditTripPage /> }.into_any(),
        CadreScreen::Report => view! { <trips::report::ReportPage /> }.into_any(),
        CadreScreen::Meetings => view! { <meetings::MeetingsPage /> }.into_any(),
        CadreScreen::NewMeeting => view! { <meetings::form::NewMeetingPage /> }.into_any(),
        CadreScreen::EditMeeting => view! { <meetings::form::EditMeetingPage /> }.into_any(),
        CadreScreen::Sync => view! { <SyncPage /> }.into_any(),
    })
}

/// The office's screens: the overview and one cadre's year.
#[derive(Clone, Copy)]
pub enum OfficeScreen {
    Overview,
    CadreYear,
}

#[wasm_split(office_area, wasm_split_path = ::leptos::wasm_split, preload(__preload_office_area), fallible)]
fn office_area(screen: OfficeScreen) -> Result<AnyView, NotLoaded> {
    Ok(match screen {
        OfficeScreen::Overview => view! { <office::OfficePage /> }.into_any(),
        OfficeScreen::CadreYear => view! { <office::cadre::CadreYearPage /> }.into_any(),
    })
}

#[wasm_split(admin_area, wasm_split_path = ::leptos::wasm_split, preload(__preload_admin_area), fallible)]
fn admin_area() -> Result<AnyView, NotLoaded> {
    Ok(view! { <AdminPage /> }.into_any())
}

#[wasm_split(host_area, wasm_split_path = ::leptos::wasm_split, preload(__preload_host_area), fallible)]
fn host_area() -> Result<AnyView, NotLoaded> {
    Ok(view! { <HostPage /> }.into_any())
}

#[wasm_split(login_area, wasm_split_path = ::leptos::wasm_split, preload(__preload_login_area), fallible)]
fn login_area() -> Result<AnyView, NotLoaded> {
    Ok(view! { <LoginPage /> }.into_any())
}

/// The areas, each a module loaded on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Cadre,
    Office,
    Admin,
    Host,
    Login,
}

/// The area of the page at `path`; `None` for the pages in the main module (Năm nay, the
/// page for an unknown path).
pub fn area_of(path: &str) -> Option<Area> {
    match path.trim_start_matches('/').split('/').next()? {
        "dang-ky" | "chuyen-di" | "sinh-hoat" | "dong-bo" => Some(Area::Cadre),
        "van-phong" => Some(Area::Office),
        "quan-tri" => Some(Area::Admin),
        "xac-nhan" => Some(Area::Host),
        "dang-nhap" => Some(Area::Login),
        _ => None,
    }
}

/// Fetches and instantiates the area's module, once (a failed fetch is tried again at
/// the next call).
pub async fn load(area: Area) -> Result<(), NotLoaded> {
    let loaded = match area {
        Area::Cadre => __preload_cadre_area().await,
        Area::Office => __preload_office_area().await,
        Area::Admin => __preload_admin_area().await,
        Area::Host => __preload_host_area().await,
        Area::Login => __preload_login_area().await,
    };
    loaded.map_err(NotLoaded::from)
}

/// A route type per page (`LazyRoute` builds its value from nothing), each showing its
/// screen of an area and fetching the area's module before hydrating a page of it.
macro_rules! routes {
    ($($route:ident => $area:ident($($screen:expr)?) in $module:ident;)*) => {$(
        #[derive(Clone)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                match $area($($screen)?).await {
                    Ok(view) => view,
                    Err(problem) => view! { <NotLoadedPage problem /> }.into_any(),
                }
            }

            async fn preload() {
                // A failure shows when the page is opened (`view`).
                let _ = load(Area::$module).await;
            }
        }
    )*};
}

routes! {
    Registrations => cadre_area(CadreScreen::Registrations) in Cadre;
    Trips => cadre_area(CadreScreen::Trips) in Cadre;
    NewTrip => cadre_area(CadreScreen::NewTrip) in Cadre;
    Trip => cadre_area(CadreScreen::Trip) in Cadre;
    EditTrip => cadre_area(CadreScreen::EditTrip) in Cadre;
    Report => cadre_area(CadreScreen::Report) in Cadre;
    Meetings => cadre_area(CadreScreen::Meetings) in Cadre;
    NewMeeting => cadre_area(CadreScreen::NewMeeting) in Cadre;
    EditMeeting => cadre_area(CadreScreen::EditMeeting) in Cadre;
    Syncing => cadre_area(CadreScreen::Sync) in Cadre;
    Office => office_area(OfficeScreen::Overview) in Office;
    CadreYear => office_area(OfficeScreen::CadreYear) in Office;
    Admin => admin_area() in Admin;
    Host => host_area() in Host;
    Login => login_area() in Login;
}

/// What a page whose module could not be fetched shows instead of itself.
#[component]
fn NotLoadedPage(problem: NotLoaded) -> impl IntoView {
    view! {
        <section class="not-loaded" role="alert" data-not-loaded="page">
            <h1>"Chưa mở được trang này"</h1>
            <p>{problem.to_string()}</p>
            <button type="button" on:click=|_| reload()>"Tải lại trang"</button>
        </section>
    }
}

/// Reloads the page, which fetches its modules again.
fn reload() {
    let _ = window().location().reload();
}

/// Says, above the server's drawing of the page, that the page's module could not be
/// fetched, so the page does not work yet (it is not hydrated). The link reloads it.
#[cfg(feature = "hydrate")]
pub fn say_not_loaded(problem: NotLoaded) {
    let document = window().document();
    let main = document
        .as_ref()
        .and_then(|d| d.query_selector("main").ok().flatten());
    let (Some(document), Some(main)) = (document, main) else {
        return;
    };
    let Ok(alert) = document.create_element("section") else {
        return;
    };
    alert.set_class_name("not-loaded");
    let _ = alert.set_attribute("role", "alert");
    let _ = alert.set_attribute("data-not-loaded", "hydrate");
    // Text only: the message is ours, but set as text it cannot become markup.
    let message = document.create_element("p");
    let link = document.create_element("a");
    if let (Ok(message), Ok(link)) = (message, link) {
        message.set_text_content(Some(&problem.to_string()));
        let here = window()
            .location()
            .pathname()
            .unwrap_or_else(|_| "/".into());
        let _ = link.set_attribute("href", &here);
        link.set_text_content(Some("Tải lại trang"));
        let _ = alert.append_child(&message);
        let _ = alert.append_child(&link);
    }
    let _ = main.prepend_with_node_1(&alert);
}
