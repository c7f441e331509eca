//! "Đăng nhập" (`/dang-nhap`): enrols this device for a person, online, once: username and
//! password, or a one-time code (typed, or from the admin's QR code, which opens this page
//! with `#ma=<code>`), and a PIN for this person's profile on the device.
//!
//! The server's HTML is the same for everyone; the code in the fragment is read after
//! hydration (a fragment never reaches the server anyway).

use crate::account::use_account;
use leptos::prelude::*;
use leptos_meta::Title;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Password,
    Code,
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let account = use_account();
    let mode = RwSignal::new(Mode::Password);
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let pin_again = RwSignal::new(String::new());
    let claim_legacy = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let online = RwSignal::new(true);

    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            online.set(window.navigator().on_line());
            let hash = window.location().hash().unwrap_or_default();
            if let Some(found) = crate::account::wire::code_from_fragment(&hash) {
                code.set(found);
                mode.set(Mode::Code);
            }
            // Data kept from before accounts: whose it is, so the person can say it is theirs.
            leptos::task::spawn_local(async move {
                use crate::account::profiles;
                if let Ok(all) = profiles::all().await {
                    account
                        .legacy
                        .set(profiles::legacy(&all).await.and_then(|l| l.cadre));
                }
            });
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            use crate::account::enrol::enrol;
            use crate::account::profile::EnrolForm;
            use crate::account::wire::Credentials;
            let credentials = match mode.get_untracked() {
                Mode::Password => Credentials::Password {
                    username: username.get_untracked(),
                    password: password.get_untracked(),
                },
                Mode::Code => Credentials::Code(code.get_untracked()),
            };
            let form = EnrolForm {
                credentials,
                pin: pin.get_untracked(),
                pin_again: pin_again.get_untracked(),
                claim_legacy: claim_legacy.get_untracked(),
            };
            leptos::task::spawn_local(async move {
                match enrol(form).await {
                    // A fresh page: the new profile's data, sync and directory.
                    Ok(_) => {
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().assign("/");
                        }
                    }
                    Err(e) => {
                        problem.set(Some(e.to_string()));
                        busy.set(false);
                    }
                }
            });
        }
    };

    let tab = move |which: Mode, label: &'static str| {
        view! {
            <button
                type="button"
                class=move || if mode.get() == which { "tab selected" } else { "tab" }
                aria-pressed=move || (mode.get() == which).to_string()
                on:click=move |_| {
                    mode.set(which);
                    problem.set(None);
                }
            >
                {label}
            </button>
        }
    };

    view! {
        <Title text="Đăng nhập – dicoso" />
        <h1>"Đăng nhập trên máy này"</h1>
        <p class="muted">
            "Chỉ cần đăng nhập một lần, khi có mạng. Sau đó ứng dụng dùng được cả khi không có mạng; dữ liệu ghi trên máy được đồng bộ khi có mạng trở lại."
        </p>
        {move || (!online.get()).then(|| view! {
            <p class="error" role="alert">
                "Máy đang ngoại tuyến: cần có mạng để đăng nhập. Hãy kết nối mạng rồi thử lại."
            </p>
        })}
        {move || account.legacy.get().map(|cadre| view! {
            <p class="card muted legacy-note">
                {format!("Máy này đang giữ dữ liệu đã ghi với mã cán bộ {cadre} (trước khi có tài khoản). Dữ liệu được giữ nguyên và thành của tài khoản khi cán bộ {cadre} đăng nhập trên máy này.")}
            </p>
        })}
        <form class="card login" on:submit=on_submit novalidate=true>
            <div class="tabs" role="group" aria-label="Cách đăng nhập">
                {tab(Mode::Password, "Tên đăng nhập")}
                {tab(Mode::Code, "Mã đăng ký")}
            </div>
            {move || match mode.get() {
                Mode::Password => view! {
                    <label>
                        "Tên đăng nhập"
                        <input
                            type="text"
                            name="username"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            bind:value=username
                        />
                    </label>
                    <label>
                        "Mật khẩu"
                        <input
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            bind:value=password
                        />
                    </label>
                }
                .into_any(),
                Mode::Code => view! {
                    <label>
                        "Mã đăng ký do quản trị viên cấp"
                        <input
                            type="text"
                            name="code"
                            autocomplete="one-time-code"
                            autocapitalize="characters"
                            spellcheck="false"
                            bind:value=code
                        />
                    </label>
                }
                .into_any(),
            }}
            <div class="row">
                <label>
                    "Chọn mã PIN (4–6 số)"
                    <input
                        type="password"
                        name="pin"
                        inputmode="numeric"
                        autocomplete="new-password"
                        maxlength="6"
                        bind:value=pin
                    />
                </label>
                <label>
                    "Nhập lại mã PIN"
                    <input
                        type="password"
                        name="pin_again"
                        inputmode="numeric"
                        autocomplete="new-password"
                        maxlength="6"
                        bind:value=pin_again
                    />
                </label>
            </div>
            <p class="muted">
                "Mã PIN dùng để mở lại hồ sơ của đồng chí khi máy có nhiều người dùng chung."
            </p>
            {move || account.legacy.get().map(|cadre| view! {
                <label class="check">
                    <input type="checkbox" name="claim_legacy" bind:checked=claim_legacy />
                    {format!("Dữ liệu ghi trên máy với mã cán bộ {cadre} là của tôi")}
                </label>
            })}
            <button type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Đang đăng nhập…" } else { "Đăng nhập" }}
            </button>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </form>
    }
}
