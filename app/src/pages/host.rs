//! "Xác nhận chuyến đi" (`/xac-nhan`), the host unit officer's page (seed 000 §IV Bước 3;
//! issue 11): read a cadre's claim (scanned or pasted), check it is for one of the
//! officer's units, set the degree of completion and a remark, sign it with this device's
//! key and show the confirmation as a QR code and a typed code, all offline; and the
//! confirmations signed here, each of which can be withdrawn (signed too).
//!
//! Like every page, its server HTML depends on the path only: the claim, the directory
//! and the confirmations are read in the browser.

use crate::account::use_account;
use crate::components::qr::QrBlock;
use crate::components::scanner::Scanner;
use crate::components::set_title;
use crate::local::{Loaded, LocalError, use_local_store};
use crate::policy_view;
use leptos::prelude::*;
use shared::confirm::code::{CONFIRMATION_PREFIX, ReadError, TypedCode, qr_text, read_claim};
use shared::confirm::{Claim, Confirmation, Degree, MAX_TEXT_CHARS};
use shared::verdict::fmt_range;

/// Why a claim is not signed here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ClaimProblem {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("Yêu cầu này gửi cho đơn vị “{0}”, không phải đơn vị của đồng chí: không ký được.")]
    OtherUnit(String),
}

#[component]
pub fn HostPage() -> impl IntoView {
    set_title("Xác nhận chuyến đi");
    let account = use_account();
    let units = Memo::new(move |_| account.host_units());
    let gate = move || match account.active.get() {
        Loaded::Ready(Some(_)) if units.with(Vec::is_empty) => Some(
            "Trang này dành cho cán bộ của đơn vị cơ sở nhận cán bộ về làm việc: tài khoản đang dùng trên máy không có vai trò đó trong danh bạ.",
        ),
        Loaded::Ready(Some(_)) => None,
        Loaded::Ready(None) => {
            Some("Hãy đăng nhập bằng tài khoản của đơn vị trước (cần mạng lần đầu).")
        }
        Loaded::Failed(_) | Loaded::Loading => Some("Đang mở…"),
    };
    // Bumped after each signature or withdrawal, so the list is read again.
    let written = RwSignal::new(0u32);
    view! {
        <h1>"Xác nhận chuyến đi"</h1>
        {move || match gate() {
            Some(why) => view! { <p class="empty" data-test="host-gate">{why}</p> }.into_any(),
            None => view! {
                <SignClaim units=units written=written />
                <Given written=written />
            }
            .into_any(),
        }}
    }
}

/// Reads a claim, shows it, and signs it.
#[component]
fn SignClaim(units: Memo<Vec<String>>, written: RwSignal<u32>) -> impl IntoView {
    let store = use_local_store();
    let pasted = RwSignal::new(String::new());
    let claim = RwSignal::new(None::<Result<Claim, ClaimProblem>>);
    let read_now = move || {
        let result = read_claim(&pasted.get_untracked())
            .map_err(ClaimProblem::from)
            .and_then(|c| {
                if units.with_untracked(|u| u.contains(&c.host_unit)) {
                    Ok(c)
                } else {
                    Err(ClaimProblem::OtherUnit(unit_name(store, &c.host_unit)))
                }
            });
        claim.set(Some(result));
    };
    let read = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        read_now();
    };
    let scanned = Callback::new(move |text: String| {
        pasted.set(text);
        read_now();
    });
    // A request link (`/xac-nhan#yc=…`, issue 11) opens here with the claim already read,
    // also when the page was already open (the link then only changes the fragment).
    let from_link = move || {
        if let Some(text) = link_claim() {
            pasted.set(text);
            read_now();
        }
    };
    Effect::new(move |_| from_link());
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| from_link());
    on_cleanup(move || on_hash.remove());
    let degree = RwSignal::new(Degree::Good);
    let remark = RwSignal::new(String::new());
    let sign = Action::new_local(move |(claim, degree, remark): &(Claim, Degree, String)| {
        let (claim, degree, remark) = (claim.clone(), *degree, remark.clone());
        async move { sign_claim(claim, degree, remark).await }
    });
    Effect::new(move |_| {
        if matches!(sign.value().get(), Some(Ok(_))) {
            written.update(|n| *n += 1);
        }
    });
    let claim_view = move || {
        let shown = claim.get()?;
        Some(match shown {
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            Ok(c) => {
                let submit = {
                    let c = c.clone();
                    move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        sign.dispatch((c.clone(), degree.get_untracked(), remark.get_untracked()));
                    }
                };
                view! {
                    {claim_details(store, &c)}
                    <form on:submit=submit>
                        <fieldset>
                            <legend>"Mức độ thực hiện"</legend>
                            {Degree::ALL
                                .into_iter()
                                .map(|d| view! {
                                    <label class="choice">
                                        <input
                                            type="radio"
                                            name="degree"
                                            value=d.code()
                                            prop:checked=move || degree.get() == d
                                            on:change=move |_| degree.set(d)
                                        />
                                        {d.label_vi()}
                                    </label>
                                })
                                .collect_view()}
                        </fieldset>
                        <label for="remark">"Nhận xét (không bắt buộc)"</label>
                        <textarea
                            id="remark"
                            rows="2"
                            maxlength=MAX_TEXT_CHARS
                            prop:value=move || remark.get()
                            on:input=move |ev| remark.set(event_target_value(&ev))
                        ></textarea>
                        <p class="hint">
                            "Có nhận xét thì chỉ trao được bằng mã QR; không nhận xét thì có thêm mã nhập tay."
                        </p>
                        <button type="submit" disabled=move || sign.pending().get()>
                            "Ký xác nhận"
                        </button>
                    </form>
                }
                .into_any()
            }
        })
    };
    let signed_view = move || {
        sign.value().get().map(|result| match result {
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            Ok(c) => confirmation_codes(store, &c).into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="h-claim">
            <h2 id="h-claim">"Yêu cầu xác nhận của cán bộ"</h2>
            <Scanner label="Quét mã xin xác nhận của cán bộ" on_text=scanned />
            <form on:submit=read>
                <label for="claim-text">"Hoặc dán nội dung mã xin xác nhận hiện trên máy của cán bộ"</label>
                <textarea
                    id="claim-text"
                    rows="3"
                    autocomplete="off"
                    prop:value=move || pasted.get()
                    on:input=move |ev| pasted.set(event_target_value(&ev))
                ></textarea>
                <button type="submit">"Đọc yêu cầu"</button>
            </form>
            {claim_view}
            {signed_view}
        </section>
    }
}

/// The claim carried by the page's fragment, when it was opened from a request link.
fn link_claim() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let hash = web_sys::window()?.location().hash().ok()?;
        shared::confirm::code::claim_from_fragment(&hash)
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// The unit's name in the directory on this device, else its id.
fn unit_name(store: crate::local::LocalStore, id: &str) -> String {
    store
        .directory
        .with_untracked(|d| d.as_ref().and_then(|d| d.unit(id).map(|u| u.name.clone())))
        .unwrap_or_else(|| id.to_owned())
}

/// What the cadre asks to be confirmed, in Vietnamese.
fn claim_details(store: crate::local::LocalStore, c: &Claim) -> impl IntoView {
    let content = policy_view::policy(store, c.year)
        .map(|p| policy_view::content_type_label(&p, &c.content_type))
        .unwrap_or_else(|| c.content_type.clone());
    view! {
        <dl class="claim" data-test="claim">
            <dt>"Cán bộ"</dt><dd>{format!("{} ({})", c.cadre_name, c.cadre)}</dd>
            <dt>"Đơn vị"</dt><dd>{unit_name(store, &c.host_unit)}</dd>
            <dt>"Thời gian"</dt><dd>{fmt_range(c.start, c.end)}</dd>
            <dt>"Nội dung"</dt><dd>{content}</dd>
            <dt>"Chủ đề"</dt><dd>{c.topic.clone()}</dd>
            <dt>"Tóm tắt của cán bộ"</dt><dd>{c.summary.clone()}</dd>
        </dl>
    }
}

/// The signed confirmation as a QR code, and as a typed code when it has no remark.
fn confirmation_codes(store: crate::local::LocalStore, c: &Confirmation) -> impl IntoView {
    let text = qr_text(CONFIRMATION_PREFIX, &c.encode());
    let typed = store.directory.with_untracked(|d| {
        d.as_ref()
            .filter(|_| c.remark.is_empty())
            .and_then(|d| TypedCode::of(c, d))
            .map(|t| t.encode())
    });
    view! {
        <p class="ok" role="status">
            {format!("Đã ký xác nhận cho {}: {}.", c.claim.cadre_name, c.degree.label_vi())}
        </p>
        <p class="hint">
            "Khi máy có mạng, xác nhận cũng tự đến máy của cán bộ qua đồng bộ: khi ký từ đường dẫn, không cần trao mã."
        </p>
        <QrBlock
            text=text
            caption="Mã xác nhận: đưa cán bộ quét bằng ứng dụng dicoso.".to_owned()
            id="confirmation-qr"
        />
        {typed.map(|t| view! {
            <p>"Mã nhập tay (khi máy của cán bộ không quét được):"</p>
            <p class="typed-code" data-test="typed-code">{t}</p>
        })}
    }
}

async fn sign_claim(
    claim: Claim,
    degree: Degree,
    remark: String,
) -> Result<Confirmation, LocalError> {
    #[cfg(feature = "hydrate")]
    {
        crate::local::host::confirm(claim, degree, remark).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (claim, degree, remark);
        Err(LocalError::NotReady)
    }
}

/// The confirmations signed on this device, newest first, each withdrawable.
#[component]
fn Given(written: RwSignal<u32>) -> impl IntoView {
    let list = LocalResource::new(move || {
        written.track();
        async move {
            #[cfg(feature = "hydrate")]
            {
                crate::local::host::given().await
            }
            #[cfg(not(feature = "hydrate"))]
            {
                Err::<Vec<GivenItem>, LocalError>(LocalError::NotReady)
            }
        }
    });
    let items = move || {
        let result = list.get()?;
        Some(match result {
            Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            Ok(given) if given.is_empty() => {
                view! { <p class="empty">"Chưa ký xác nhận nào trên máy này."</p> }.into_any()
            }
            Ok(given) => view! {
                <ul class="plain given">
                    {given
                        .into_iter()
                        .map(|g| view! { <GivenRow given=g written=written /> })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="h-given">
            <h2 id="h-given">"Đã xác nhận trên máy này"</h2>
            {items}
        </section>
    }
}

#[cfg(feature = "hydrate")]
type GivenItem = crate::local::host::Given;

/// What the list shows of a confirmation given, on the server too (where it is empty).
#[cfg(not(feature = "hydrate"))]
#[derive(Debug, Clone, PartialEq, Eq)]
struct GivenItem {
    confirmation: Confirmation,
    withdrawn: Option<shared::confirm::Withdrawal>,
}

#[component]
fn GivenRow(given: GivenItem, written: RwSignal<u32>) -> impl IntoView {
    let c = given.confirmation.clone();
    let line = format!(
        "{} ({}) · {} · {}",
        c.claim.cadre_name,
        c.claim.cadre,
        fmt_range(c.claim.start, c.claim.end),
        c.degree.label_vi()
    );
    let reason = RwSignal::new(String::new());
    let withdraw = Action::new_local(move |(c, reason): &(Confirmation, String)| {
        let (c, reason) = (c.clone(), reason.clone());
        async move { withdraw_confirmation(c, reason).await }
    });
    Effect::new(move |_| {
        if matches!(withdraw.value().get(), Some(Ok(()))) {
            written.update(|n| *n += 1);
        }
    });
    let state = match &given.withdrawn {
        Some(w) => {
            view! { <p class="warning">{format!("Đã rút lại: {}", w.reason)}</p> }.into_any()
        }
        None => {
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                withdraw.dispatch((c.clone(), reason.get_untracked()));
            };
            view! {
                <details>
                    <summary>"Rút lại xác nhận"</summary>
                    <form on:submit=submit>
                        <label>
                            "Lý do rút lại"
                            <input
                                type="text"
                                required
                                maxlength=MAX_TEXT_CHARS
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))
                            />
                        </label>
                        <button type="submit" class="danger" disabled=move || withdraw.pending().get()>
                            "Ký rút lại"
                        </button>
                    </form>
                    {move || withdraw.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
                </details>
            }
            .into_any()
        }
    };
    view! {
        <li data-confirmation=given.confirmation.id()>
            <p>{line}</p>
            {state}
        </li>
    }
}

async fn withdraw_confirmation(c: Confirmation, reason: String) -> Result<(), LocalError> {
    #[cfg(feature = "hydrate")]
    {
        crate::local::host::withdraw(&c, reason).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (c, reason);
        Err(LocalError::NotReady)
    }
}
