//! "Quản trị" (`/quan-tri`): the province's admin manages people, accounts and devices,
//! online only: imports units, departments and people from CSV files; creates, disables,
//! enables accounts and resets passwords; hands out enrolment codes (with their QR code);
//! lists and revokes devices. The server checks every call against the admin's token.

mod api;
mod import;
mod person;

use crate::account::use_account;
use crate::local::Loaded;
use api::PersonEntry;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPage() -> impl IntoView {
    let account = use_account();
    let online = RwSignal::new(true);
    let people = RwSignal::new(Loaded::<Vec<PersonEntry>, String>::Loading);
    let search = RwSignal::new(String::new());
    // Bumped to read the list again after a change.
    let version = RwSignal::new(0u32);

    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            online.set(window.navigator().on_line());
        }
    });
    Effect::new(move |_| {
        version.track();
        if !(account.is_admin() && online.get()) {
            return;
        }
        leptos::task::spawn_local(async move {
            people.set(match api::people().await {
                Ok(list) => Loaded::Ready(list),
                Err(e) => Loaded::Failed(e.to_string()),
            });
        });
    });
    let changed = Callback::new(move |()| version.update(|v| *v += 1));

    let body = move || {
        let gate = match account.active.get() {
            Loaded::Ready(Some(_)) if !account.is_admin() => Some(
                "Trang này dành cho quản trị viên của Tỉnh Đoàn: tài khoản đang dùng trên máy không có quyền quản trị.",
            ),
            Loaded::Ready(Some(_)) if !online.get() => Some(
                "Trang quản trị chỉ dùng được khi có mạng: mọi thay đổi được ghi ngay trên máy chủ.",
            ),
            Loaded::Ready(Some(_)) => None,
            Loaded::Ready(None) => Some("Hãy đăng nhập bằng tài khoản quản trị trước."),
            Loaded::Failed(_) | Loaded::Loading => {
                return view! { <p class="muted">"Đang mở…"</p> }.into_any();
            }
        };
        if let Some(text) = gate {
            return view! { <p class="empty" data-admin="denied">{text}</p> }.into_any();
        }
        view! {
            <import::ImportForm changed=changed />
            <section class="admin-people" aria-labelledby="people-title">
                <h2 id="people-title">"Cán bộ, tài khoản và thiết bị"</h2>
                <label class="search">
                    "Tìm theo tên hoặc mã"
                    <input type="search" name="search" bind:value=search />
                </label>
                {move || match people.get() {
                    Loaded::Loading => view! { <p class="muted">"Đang tải danh sách…"</p> }.into_any(),
                    Loaded::Failed(problem) => view! { <p class="error" role="alert">{problem}</p> }.into_any(),
                    Loaded::Ready(list) => {
                        let needle = search.get().to_lowercase();
                        let shown: Vec<PersonEntry> = list
                            .into_iter()
                            .filter(|p| {
                                needle.is_empty()
                                    || p.name.to_lowercase().contains(&needle)
                                    || p.code.to_lowercase().contains(&needle)
                            })
                            .collect();
                        if shown.is_empty() {
                            return view! { <p class="empty">"Không có cán bộ nào."</p> }.into_any();
                        }
                        view! {
                            <ul class="people">
                                {shown
                                    .into_iter()
                                    .map(|entry| view! { <person::PersonCard entry=entry changed=changed /> })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                }}
            </section>
        }
        .into_any()
    };

    view! {
        <Title text="Quản trị – dicoso" />
        <h1>"Quản trị"</h1>
        {body}
    }
}
