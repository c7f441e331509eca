//! The areas loaded on demand. Năm nay, the screen the app opens on, is in the main
//! WebAssembly module; each other area is a module of its own (leptos' `#[lazy]`, split
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

use crate::pages::{
    admin::AdminPage, host::HostPage, login::LoginPage, meetings, office, registrations,
    sync_page::SyncPage, trips,
};
use leptos::prelude::*;
use leptos_router::LazyRoute;

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

#[lazy]
fn cadre_area(screen: CadreScreen) -> AnyView {
    match screen {
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
    }
}

/// The office's screens: the overview and one cadre's year.
#[derive(Clone, Copy)]
pub enum OfficeScreen {
    Overview,
    CadreYear,
}

#[lazy]
fn office_area(screen: OfficeScreen) -> AnyView {
    match screen {
        OfficeScreen::Overview => view! { <office::OfficePage /> }.into_any(),
        OfficeScreen::CadreYear => view! { <office::cadre::CadreYearPage /> }.into_any(),
    }
}

#[lazy]
fn admin_area() -> AnyView {
    view! { <AdminPage /> }.into_any()
}

#[lazy]
fn host_area() -> AnyView {
    view! { <HostPage /> }.into_any()
}

#[lazy]
fn login_area() -> AnyView {
    view! { <LoginPage /> }.into_any()
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

/// Fetches and instantiates the area's module, once.
#[cfg(feature = "hydrate")]
pub async fn load(area: Area) {
    match area {
        Area::Cadre => __preload_cadre_area().await,
        Area::Office => __preload_office_area().await,
        Area::Admin => __preload_admin_area().await,
        Area::Host => __preload_host_area().await,
        Area::Login => __preload_login_area().await,
    }
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
                $area($($screen)?).await
            }

            async fn preload() {
                // The module exists only in the browser; the server renders directly.
                #[cfg(feature = "hydrate")]
                load(Area::$module).await;
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
