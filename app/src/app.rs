//! The application shell: document head, header with the sync badge, routes, and the
//! navigation bar at the bottom of the screen (within a thumb's reach, every area
//! always visible, the current one marked).

use crate::account::switcher::ProfileSwitcher;
use crate::components::{LoginPrompt, SyncBadge};
use crate::pages::{not_found::NotFoundPage, year};
use crate::{BuildInfo, account, local, on_demand};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{Lazy, path};
use std::sync::Arc;

/// The main areas, in the order the navigation shows them: (path, label, icon).
pub const AREAS: &[(&str, &str, &str)] = &[
    ("/", "Năm nay", "◔"),
    ("/dang-ky", "Đăng ký", "☑"),
    ("/chuyen-di", "Chuyến đi", "➜"),
    ("/sinh-hoat", "Sinh hoạt", "☺"),
    ("/dong-bo", "Đồng bộ", "⇅"),
];

/// The whole HTML document, rendered on the server only.
pub fn shell(build: Arc<BuildInfo>) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0a4da2" />
                <meta name="description" content="Ghi và theo dõi đi cơ sở 1+2 của cán bộ Đoàn" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/icons/icon-192.png" type="image/png" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <link rel="stylesheet" href=build.css.clone() />
                <link rel="modulepreload" href=build.js.clone() />
                <script type="module" inner_html=build.boot_script()></script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    account::provide_account();
    local::provide_local_store();
    let store = local::use_local_store();
    view! {
        <Title text="dicoso – Đi cơ sở 1+2" />
        <Router>
            <header class="top">
                <a class="brand" href="/">"dicoso"</a>
                <SyncBadge />
                <ProfileSwitcher />
            </header>
            <main data-hydrated=move || store.hydrated.get().to_string()>
                <LoginPrompt />
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=year::YearPage />
                    <Route path=path!("/dang-ky") view={Lazy::<on_demand::Registrations>::new()} />
                    <Route path=path!("/chuyen-di") view={Lazy::<on_demand::Trips>::new()} />
                    <Route path=path!("/chuyen-di/moi") view={Lazy::<on_demand::NewTrip>::new()} />
                    <Route path=path!("/chuyen-di/:id") view={Lazy::<on_demand::Trip>::new()} />
                    <Route path=path!("/chuyen-di/:id/sua") view={Lazy::<on_demand::EditTrip>::new()} />
                    <Route path=path!("/chuyen-di/:id/bao-cao") view={Lazy::<on_demand::Report>::new()} />
                    <Route path=path!("/sinh-hoat") view={Lazy::<on_demand::Meetings>::new()} />
                    <Route path=path!("/sinh-hoat/moi") view={Lazy::<on_demand::NewMeeting>::new()} />
                    <Route path=path!("/sinh-hoat/:id") view={Lazy::<on_demand::EditMeeting>::new()} />
                    <Route path=path!("/dong-bo") view={Lazy::<on_demand::Syncing>::new()} />
                    <Route path=path!("/dang-nhap") view={Lazy::<on_demand::Login>::new()} />
                    <Route path=path!("/quan-tri") view={Lazy::<on_demand::Admin>::new()} />
                    <Route path=path!("/van-phong") view={Lazy::<on_demand::Office>::new()} />
                    <Route path=path!("/van-phong/:ma/:nam") view={Lazy::<on_demand::CadreYear>::new()} />
                    <Route path=path!("/xac-nhan") view={Lazy::<on_demand::Host>::new()} />
                </Routes>
            </main>
            <nav class="areas" aria-label="Các mục chính">
                {AREAS
                    .iter()
                    .map(|(href, label, icon)| {
                        view! {
                            <A href=*href exact=*href == "/">
                                <span class="icon" aria-hidden="true">{*icon}</span>
                                <span class="label">{*label}</span>
                            </A>
                        }
                    })
                    .collect_view()}
            </nav>
        </Router>
    }
}
