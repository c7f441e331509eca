//! The header's person menu: who is using the app, the other people enrolled on this
//! device (opening one asks for that person's PIN), adding a person, and the admin page.

use super::use_account;
use crate::local::Loaded;
use leptos::prelude::*;

/// The form's state while a switch is tried.
#[cfg(feature = "hydrate")]
#[derive(Clone, Copy)]
struct Attempt {
    pin: RwSignal<String>,
    problem: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

/// Checks the PIN and opens the profile `code` (the page reloads), from a module of its
/// own: switching is rare, and Năm nay does not wait for its code (issue 9).
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(switch_profile, wasm_split_path = ::leptos::wasm_split, fallible)]
fn switch(code: String, attempt: Attempt) -> Result<(), crate::on_demand::NotLoaded> {
    leptos::task::spawn_local(async move {
        let Attempt { pin, problem, busy } = attempt;
        if let Err(e) = super::session::switch_to(&code, &pin.get_untracked()).await {
            problem.set(Some(e.to_string()));
            pin.set(String::new());
        }
        busy.set(false);
    });
    Ok(())
}

#[component]
pub fn ProfileSwitcher() -> impl IntoView {
    let account = use_account();
    // The profile chosen to switch to, its PIN as typed, and what went wrong.
    let chosen = RwSignal::new(None::<(String, String)>);
    let pin = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((code, _)) = chosen.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let attempt = Attempt { pin, problem, busy };
            if let Err(e) = switch(code, attempt).await {
                problem.set(Some(e.to_string()));
                busy.set(false);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = code;
    };

    let summary = move || match account.active.get() {
        Loaded::Ready(Some(person)) => person.name,
        Loaded::Ready(None) => "Chưa đăng nhập".to_owned(),
        _ => "Người dùng".to_owned(),
    };
    let active_code = move || account.person().map(|p| p.code).unwrap_or_default();
    let others = move || {
        let active = active_code();
        account
            .profiles
            .get()
            .into_iter()
            .filter(|p| p.code != active)
            .collect::<Vec<_>>()
    };

    view! {
        <details class="profiles">
            <summary data-person=active_code>{summary}</summary>
            <div class="profiles-panel">
                {move || account.person().map(|p| view! {
                    <p class="muted">
                        {format!("Đang dùng: {} ({}) – {}", p.name, p.code, p.province)}
                    </p>
                })}
                {move || {
                    let others = others();
                    (!others.is_empty()).then(|| view! {
                        <p class="muted">"Người khác trên máy này:"</p>
                        <ul class="other-profiles">
                            {others
                                .into_iter()
                                .map(|p| {
                                    let pick = (p.code.clone(), p.name.clone());
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="secondary"
                                                data-profile=p.code.clone()
                                                on:click=move |_| {
                                                    chosen.set(Some(pick.clone()));
                                                    pin.set(String::new());
                                                    problem.set(None);
                                                }
                                            >
                                                {format!("{} ({})", p.name, p.code)}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    })
                }}
                {move || chosen.get().map(|(_, name)| view! {
                    <form class="switch" on:submit=on_submit novalidate=true>
                        <label>
                            {format!("Mã PIN của {name}")}
                            <input
                                type="password"
                                name="switch_pin"
                                inputmode="numeric"
                                autocomplete="off"
                                maxlength="6"
                                bind:value=pin
                            />
                        </label>
                        <button type="submit" disabled=move || busy.get()>"Mở hồ sơ"</button>
                        {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
                    </form>
                })}
                <a class="add-profile" href="/dang-nhap">"Đăng nhập người khác trên máy này"</a>
                {move || (!account.host_units().is_empty()).then(|| view! { <a href="/xac-nhan">"Xác nhận chuyến đi (đơn vị cơ sở)"</a> })}
                {move || account.is_office().then(|| view! { <a href="/van-phong">"Văn phòng: bảng xếp loại"</a> })}
                {move || account.is_admin().then(|| view! { <a href="/quan-tri">"Quản trị"</a> })}
            </div>
        </details>
    }
}
