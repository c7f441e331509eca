//! The application shell: document head, header with the sync badge, navigation, routes.

use crate::account::switcher::ProfileSwitcher;
use crate::components::{LoginPrompt, SyncBadge};
use crate::pages::{
    admin::AdminPage, confirmations::ConfirmationsPage, login::LoginPage, meetings::MeetingsPage,
    not_found::NotFoundPage, registrations::RegistrationsPage, summary::SummaryPage,
    trips::TripsPage, year::YearPage,
};
use crate::{BuildInfo, account, local};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use std::sync::Arc;

/// The main areas, in the order the navigation shows them: (path, label).
pub const AREAS: &[(&str, &str)] = &[
    ("/", "Năm nay"),
    ("/chuyen-di", "Chuyến đi"),
    ("/sinh-hoat", "Sinh hoạt chi đoàn"),
    ("/dang-ky", "Đăng ký"),
    ("/xac-nhan", "Xác nhận"),
    ("/tong-hop", "Tổng hợp"),
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
            <nav class="areas" aria-label="Các mục chính">
                {AREAS
                    .iter()
                    .map(|(href, label)| view! { <A href=*href exact=true>{*label}</A> })
                    .collect_view()}
            </nav>
            <main data-hydrated=move || store.hydrated.get().to_string()>
                <LoginPrompt />
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=YearPage />
                    <Route path=path!("/chuyen-di") view=TripsPage />
                    <Route path=path!("/sinh-hoat") view=MeetingsPage />
                    <Route path=path!("/dang-ky") view=RegistrationsPage />
                    <Route path=path!("/xac-nhan") view=ConfirmationsPage />
                    <Route path=path!("/tong-hop") view=SummaryPage />
                    <Route path=path!("/dang-nhap") view=LoginPage />
                    <Route path=path!("/quan-tri") view=AdminPage />
                </Routes>
            </main>
        </Router>
    }
}
