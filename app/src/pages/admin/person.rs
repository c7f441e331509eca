//! One person on the admin page: their account (create, disable, enable, reset the
//! password), an enrolment code with its QR code, and their devices (revoke).

use super::api::{self, DeviceEntry, EnrolmentCode, PersonEntry};
use crate::sync::fmt_time;
use leptos::prelude::*;

/// What the last action on this person left to show: a secret shown once, a code, or a
/// problem.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shown {
    Password { username: String, password: String },
    Code(EnrolmentCode),
    Done(String),
    Problem(String),
}

fn time_zone_offset() -> i32 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::new_0().get_timezone_offset() as i32
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[component]
pub fn PersonCard(entry: PersonEntry, changed: Callback<()>) -> impl IntoView {
    let code = entry.code.clone();
    let shown = RwSignal::new(None::<Shown>);
    let busy = RwSignal::new(false);
    let username = RwSignal::new(code.to_lowercase());

    // Runs one action; its outcome is shown, and the list read again if it changed.
    let act = move |action: std::pin::Pin<Box<dyn std::future::Future<Output = Shown>>>,
                    reload: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome = action.await;
            let failed = matches!(outcome, Shown::Problem(_));
            shown.set(Some(outcome));
            busy.set(false);
            if reload && !failed {
                changed.run(());
            }
        });
    };
    let problem = |e: crate::account::wire::AccountError| Shown::Problem(e.to_string());

    let account_line = match &entry.account {
        None => "Chưa có tài khoản".to_owned(),
        Some(a) => format!(
            "Tài khoản: {}{}",
            a.username.as_deref().unwrap_or("(chỉ dùng mã đăng ký)"),
            if a.disabled { " – đã khoá" } else { "" }
        ),
    };
    let roles = entry
        .roles
        .iter()
        .map(|r| r.label_vi())
        .collect::<Vec<_>>()
        .join(", ");
    let has_account = entry.account.is_some();
    let disabled = entry.account.as_ref().is_some_and(|a| a.disabled);
    let has_username = entry.account.as_ref().is_some_and(|a| a.username.is_some());

    let create = {
        let code = code.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let code = code.clone();
            let name = username.get_untracked();
            act(
                Box::pin(async move {
                    match api::create_account(&code, &name, None).await {
                        Ok(answer) => Shown::Password {
                            username: answer.username.unwrap_or(name),
                            password: answer.password.unwrap_or_default(),
                        },
                        Err(e) => problem(e),
                    }
                }),
                true,
            )
        }
    };
    let toggle = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            act(
                Box::pin(async move {
                    match api::set_disabled(&code, !disabled).await {
                        Ok(_) if disabled => Shown::Done("Đã mở khoá tài khoản.".into()),
                        Ok(_) => Shown::Done(
                            "Đã khoá tài khoản: mọi thiết bị của người này ngừng đồng bộ.".into(),
                        ),
                        Err(e) => problem(e),
                    }
                }),
                true,
            )
        }
    };
    let reset = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            act(
                Box::pin(async move {
                    match api::reset_password(&code).await {
                        Ok(answer) => Shown::Password {
                            username: answer.username.unwrap_or_default(),
                            password: answer.password.unwrap_or_default(),
                        },
                        Err(e) => problem(e),
                    }
                }),
                false,
            )
        }
    };
    let enrolment = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            act(
                Box::pin(async move {
                    match api::enrolment_code(&code).await {
                        Ok(answer) => Shown::Code(answer),
                        Err(e) => problem(e),
                    }
                }),
                false,
            )
        }
    };
    let revoke = move |device: String| {
        act(
            Box::pin(async move {
                match api::revoke_device(&device).await {
                    Ok(_) => {
                        Shown::Done("Đã thu hồi thiết bị: thiết bị ngừng đồng bộ ngay.".into())
                    }
                    Err(e) => problem(e),
                }
            }),
            true,
        )
    };

    let devices = entry.devices.clone();
    view! {
        <li class="card person" data-person=code.clone()>
            <div class="person-head">
                <strong>{entry.name.clone()}</strong>
                <span class="muted">{format!(" {} · {}", entry.code, entry.unit)}</span>
            </div>
            <div class="muted">{roles}</div>
            <div class="muted" data-account=move || if disabled { "disabled" } else { "" }>
                {account_line}
                {(!entry.active).then_some(" – không còn trong danh bạ")}
            </div>
            <details>
                <summary>"Tài khoản và thiết bị"</summary>
                {(!has_account).then(|| view! {
                    <form class="inline" on:submit=create>
                        <label>
                            "Tên đăng nhập"
                            <input type="text" name="new_username" autocapitalize="none" bind:value=username />
                        </label>
                        <button type="submit" disabled=move || busy.get()>"Tạo tài khoản"</button>
                    </form>
                })}
                <div class="actions">
                    {has_account.then(|| view! {
                        <button type="button" class="secondary" name="toggle" on:click=toggle disabled=move || busy.get()>
                            {if disabled { "Mở khoá tài khoản" } else { "Khoá tài khoản" }}
                        </button>
                    })}
                    {has_username.then(|| view! {
                        <button type="button" class="secondary" name="reset" on:click=reset disabled=move || busy.get()>
                            "Đặt lại mật khẩu"
                        </button>
                    })}
                    <button type="button" class="secondary" name="enrolment-code" on:click=enrolment disabled=move || busy.get()>
                        "Tạo mã đăng ký"
                    </button>
                </div>
                {move || shown.get().map(show)}
                <h3>"Thiết bị"</h3>
                {if devices.is_empty() {
                    view! { <p class="muted">"Chưa có thiết bị nào."</p> }.into_any()
                } else {
                    view! {
                        <ul class="devices">
                            {devices
                                .into_iter()
                                .map(|d| device_item(d, revoke, busy))
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </details>
        </li>
    }
}

fn show(shown: Shown) -> AnyView {
    match shown {
        Shown::Password { username, password } => view! {
            <div class="notice secret" role="status">
                <p>{format!("Tên đăng nhập: {username}")}</p>
                <p>"Mật khẩu: " <code data-secret="password">{password}</code></p>
                <p class="muted">"Mật khẩu chỉ hiện một lần: hãy trao cho người dùng ngay."</p>
            </div>
        }
        .into_any(),
        Shown::Code(code) => {
            let url = format!("{}{}", crate::components::page_origin(), code.url);
            let href = url.clone();
            let until = fmt_time(time_zone_offset(), code.expires_at as f64);
            view! {
                <div class="notice enrolment-code" role="status">
                    <p>"Mã đăng ký: " <code data-secret="code">{code.code}</code></p>
                    // The server's own SVG (a QR code of the URL): no script in it.
                    <div class="qr" inner_html=code.qr_svg></div>
                    <p><a href=href>{url}</a></p>
                    <p class="muted">
                        {format!("Quét mã bằng máy ảnh của điện thoại để mở trang đăng nhập. Mã dùng được một lần, đến {until}.")}
                    </p>
                </div>
            }
            .into_any()
        }
        Shown::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
        Shown::Problem(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
    }
}

fn device_item(
    device: DeviceEntry,
    revoke: impl Fn(String) + Copy + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let offset = time_zone_offset();
    let state = match device.revoked_at {
        Some(at) => format!("đã thu hồi lúc {}", fmt_time(offset, at as f64)),
        None => format!(
            "đăng nhập lúc {}{}",
            fmt_time(offset, device.enrolled_at as f64),
            device
                .last_seen
                .map(|at| format!(", đồng bộ lần cuối {}", fmt_time(offset, at as f64)))
                .unwrap_or_default()
        ),
    };
    let id = device.id.clone();
    view! {
        <li data-device=device.id.clone()>
            <span>{device.label}</span>
            <span class="muted">{format!(" – {state}")}</span>
            {device.revoked_at.is_none().then(|| view! {
                <button
                    type="button"
                    class="secondary"
                    name="revoke"
                    disabled=move || busy.get()
                    on:click=move |_| revoke(id.clone())
                >
                    "Thu hồi"
                </button>
            })}
        </li>
    }
}
