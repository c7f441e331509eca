//! The host's confirmation of a trip, on the cadre's phone (seed 000 §IV Bước 3; issue
//! 11): whether it is confirmed and by whom, why a confirmation does not count, and the
//! two steps of the exchange, both possible offline: show the claim as a QR code for the
//! host officer's phone, then take back the confirmation (scanned, pasted or typed).

use crate::components::qr::QrBlock;
use crate::components::scanner::Scanner;
use crate::local::{LocalError, LocalStore, Received, use_local_store};
use crate::rating::TripStates;
use chrono::Datelike;
use leptos::prelude::*;
use shared::confirm::code::{CLAIM_PREFIX, ReadError, claim_link, qr_text, read_confirmation};
use shared::confirm::{Claim, ClaimError};
use shared::doc::{ConfirmationRequest, TripRecord};
use shared::verdict::fmt_day;

/// Why the confirmation was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TakeError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] LocalError),
}

/// The cadre's name as the directory on this phone has it (else as enrolment gave it).
fn cadre_name(store: LocalStore, code: &str) -> String {
    let from_directory = store.directory.with_untracked(|d| {
        d.as_ref()
            .and_then(|d| d.person(code).map(|p| p.name.clone()))
    });
    from_directory
        .or_else(|| crate::account::use_account().person().map(|p| p.name))
        .unwrap_or_default()
}

/// The claim for this trip with `summary`.
fn claim_of(store: LocalStore, record: &TripRecord, summary: &str) -> Result<Claim, ClaimError> {
    let code = store
        .cadre_code()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let year = record.trip.start.year();
    Claim::of(
        &record.trip,
        &code,
        &cadre_name(store, &code),
        year,
        summary,
    )
}

/// The first line of the report's result, else the topic: what the summary starts as.
fn first_summary(record: &TripRecord) -> String {
    let t = &record.trip;
    let from_report = t
        .report
        .as_ref()
        .and_then(|r| r.result.as_deref())
        .and_then(|r| r.lines().find(|l| !l.trim().is_empty()));
    from_report
        .or(t.topic.as_deref())
        .unwrap_or_default()
        .chars()
        .take(shared::confirm::MAX_TEXT_CHARS)
        .collect()
}

/// The cadre's last request for this trip's confirmation, as the documents say.
fn request_of(store: LocalStore, trip: &str) -> Option<ConfirmationRequest> {
    store.docs.with(|d| match d {
        crate::local::Loaded::Ready(d) => {
            d.years.values().find_map(|y| y.requests.get(trip).cloned())
        }
        _ => None,
    })
}

#[component]
pub fn ConfirmationSection(record: TripRecord, states: Memo<TripStates>) -> impl IntoView {
    let store = use_local_store();
    let id = record.id().to_owned();
    let request = {
        let id = id.clone();
        Memo::new(move |_| request_of(store, &id))
    };
    let status = {
        let id = id.clone();
        move || {
            states.with(|s| {
                let rejected = s.rejected.get(&id).cloned().unwrap_or_default();
                let rejected = (!rejected.is_empty()).then(|| {
                    let items = rejected
                        .into_iter()
                        .map(|r| view! { <li>{r}</li> })
                        .collect_view();
                    view! {
                        <p>"Xác nhận không được tính:"</p>
                        <ul class="problems" data-test="rejected">{items}</ul>
                    }
                });
                let line = match (s.confirmed_by.get(&id), request.get()) {
                    (Some((officer, degree)), _) => view! {
                        <p class="ok" data-test="confirmed">
                            {format!("Đã xác nhận: {officer}, {}.", degree.label_vi())}
                        </p>
                    }
                    .into_any(),
                    (None, Some(r)) => view! {
                        <p class="warning" data-test="awaiting">
                            {format!(
                                "Chờ xác nhận: đã xin xác nhận ngày {}{}. Ngày của chuyến đi được tính khi có xác nhận.",
                                fmt_day(r.on),
                                if r.by_link { ", gửi đường dẫn cho đơn vị ký trên mạng" } else { " tại cơ sở" },
                            )}
                        </p>
                    }
                    .into_any(),
                    (None, None) => view! {
                        <p data-test="unconfirmed">
                            "Chưa có xác nhận của đơn vị: ngày của chuyến đi chưa được tính."
                        </p>
                    }
                    .into_any(),
                };
                view! { {line} {rejected} }
            })
        }
    };
    let confirmed = {
        let id = id.clone();
        move || states.with(|s| s.confirmed_by.contains_key(&id))
    };
    view! {
        <section class="card" aria-labelledby="h-confirm" id="host-confirmation">
            <h2 id="h-confirm">"Xác nhận của cơ sở"</h2>
            {status}
            <Show when=move || !confirmed()>
                <AskConfirmation record=record.clone() request=request />
                <TakeConfirmation record=record.clone() request=request />
            </Show>
        </section>
    }
}

/// Why the claim was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum AskError {
    #[error(transparent)]
    Claim(#[from] ClaimError),
    #[error(transparent)]
    Store(#[from] LocalError),
}

/// Step 1: the claim, shown on-site as a QR code, or sent as a link the host officer
/// opens on a device with the app and signs later, online. Either way the request is
/// recorded on the trip ("Chờ xác nhận"), with the summary a typed code is checked
/// against.
#[component]
fn AskConfirmation(
    record: TripRecord,
    request: Memo<Option<ConfirmationRequest>>,
) -> impl IntoView {
    let store = use_local_store();
    let summary = RwSignal::new(
        request
            .get_untracked()
            .map(|r| r.summary)
            .unwrap_or_else(|| first_summary(&record)),
    );
    // Only the request is kept: the code or link shown is made again from it, so it stays
    // on screen when the page is drawn again (each write redraws it) and on a later visit.
    let ask = Action::new_local(move |(record, by_link): &(TripRecord, bool)| {
        let (record, by_link) = (record.clone(), *by_link);
        let summary = summary.get_untracked().trim().to_owned();
        async move {
            claim_of(store, &record, &summary)?;
            let on = store.today_or_epoch();
            store
                .request_confirmation(
                    record.id().to_owned(),
                    ConfirmationRequest {
                        on,
                        summary,
                        by_link,
                    },
                )
                .await?;
            Ok::<_, AskError>(())
        }
    });
    let host_name = record.trip.host.name.clone();
    let shared_note = RwSignal::new(None::<&'static str>);
    let record_shown = record.clone();
    let asked = move || {
        let r = request.get()?;
        let text = match claim_of(store, &record_shown, &r.summary) {
            Ok(claim) => qr_text(CLAIM_PREFIX, &claim.encode()),
            Err(e) => {
                return Some(
                    view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                );
            }
        };
        Some(if r.by_link {
            let link = claim_link(&crate::components::page_origin(), &text);
            let to_share = link.clone();
            view! {
                <div class="claim-link">
                    <label for="claim-link">
                        "Đường dẫn xin xác nhận: gửi cho cán bộ của đơn vị (Zalo, tin nhắn, thư). Cán bộ đơn vị mở bằng máy đã đăng nhập ứng dụng và ký khi có mạng."
                    </label>
                    <input id="claim-link" type="text" readonly prop:value=link />
                    <button
                        type="button"
                        class="share-link"
                        on:click=move |_| shared_note.set(Some(share(&to_share)))
                    >
                        "Chia sẻ / sao chép đường dẫn"
                    </button>
                    {move || shared_note.get().map(|n| view! { <p class="hint" role="status">{n}</p> })}
                </div>
            }
            .into_any()
        } else {
            view! {
                <QrBlock
                    text=text
                    caption=format!("Mã xin xác nhận: đưa cán bộ của {host_name} quét bằng ứng dụng dicoso.")
                    id="claim-qr"
                />
            }
            .into_any()
        })
    };
    let failed = move || {
        ask.value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let on_site = {
        let record = record.clone();
        move |_| {
            ask.dispatch((record.clone(), false));
        }
    };
    let by_link = move |_| {
        ask.dispatch((record.clone(), true));
    };
    view! {
        <h3>"1. Xin xác nhận"</h3>
        <label for="claim-summary">"Tóm tắt một dòng cho đơn vị"</label>
        <input
            id="claim-summary"
            type="text"
            maxlength=shared::confirm::MAX_TEXT_CHARS
            prop:value=move || summary.get()
            on:input=move |ev| summary.set(event_target_value(&ev))
        />
        <button type="button" class="make-claim" on:click=on_site disabled=move || ask.pending().get()>
            "Tạo mã xin xác nhận"
        </button>
        <button type="button" class="send-claim secondary" on:click=by_link disabled=move || ask.pending().get()>
            "Gửi đường dẫn để đơn vị ký sau"
        </button>
        {failed}
        {asked}
    }
}

/// Hands the link to the phone's share sheet, else copies it; says which.
fn share(link: &str) -> &'static str {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, JsValue};
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
            return "Hãy chép đường dẫn ở ô trên.";
        };
        let call = |target: &JsValue, name: &str, arg: &JsValue| -> bool {
            js_sys::Reflect::get(target, &JsValue::from_str(name))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .is_some_and(|f| f.call1(target, arg).is_ok())
        };
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &"title".into(), &"Xin xác nhận chuyến đi".into());
        let _ = js_sys::Reflect::set(&data, &"url".into(), &JsValue::from_str(link));
        if call(&navigator, "share", &data) {
            return "Đã mở hộp chia sẻ của máy.";
        }
        let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).unwrap_or_default();
        if !clipboard.is_undefined() && call(&clipboard, "writeText", &JsValue::from_str(link)) {
            return "Đã sao chép đường dẫn.";
        }
        "Máy này không chia sẻ được: hãy chép đường dẫn ở ô trên."
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = link;
        "Hãy chép đường dẫn ở ô trên."
    }
}

/// Step 2: the host's confirmation, scanned, pasted or typed.
#[component]
fn TakeConfirmation(
    record: TripRecord,
    request: Memo<Option<ConfirmationRequest>>,
) -> impl IntoView {
    let store = use_local_store();
    let typed = RwSignal::new(String::new());
    let take = Action::new_local(move |(trip, text): &(TripRecord, String)| {
        let (trip, text) = (trip.clone(), text.clone());
        // A typed code carries no claim: the phone rebuilds the one it asked with.
        let summary = request.get_untracked().map(|r| r.summary);
        async move {
            let claim = summary.and_then(|s| claim_of(store, &trip, &s).ok());
            let directory = store.directory.get_untracked();
            let confirmation = read_confirmation(&text, claim.as_ref(), directory.as_deref())?;
            let received = store
                .save_confirmation(trip.id().to_owned(), confirmation.clone())
                .await?;
            Ok::<_, TakeError>((received, confirmation))
        }
    });
    let record_for_take = record.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        take.dispatch((record_for_take.clone(), typed.get_untracked()));
    };
    let scanned = Callback::new(move |text: String| {
        typed.set(text.clone());
        take.dispatch((record.clone(), text));
    });
    let outcome = move || {
        take.value().get().map(|result| match result {
            Ok((Received::Counted, c)) => {
                let officer = store
                    .directory
                    .with_untracked(|d| d.as_ref().and_then(|d| d.person(&c.officer).map(|p| p.name.clone())))
                    .unwrap_or(c.officer);
                view! {
                    <p class="ok" role="status">
                        {format!("Đã nhận xác nhận của {officer} ({}): chuyến đi được tính.", c.degree.label_vi())}
                    </p>
                }
                .into_any()
            }
            Ok((Received::CheckedLater, _)) => view! {
                <p class="warning" role="status">
                    "Đã lưu xác nhận. Danh bạ trên máy chưa có thiết bị đã ký: xác nhận sẽ được kiểm tra khi máy đồng bộ."
                </p>
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    Effect::new(move |_| {
        if matches!(take.value().get(), Some(Ok(_))) {
            typed.set(String::new());
        }
    });
    view! {
        <h3>"2. Nhận xác nhận"</h3>
        <Scanner label="Quét mã xác nhận của đơn vị" on_text=scanned />
        <form on:submit=submit>
            <label for="confirmation-text">
                "Hoặc dán nội dung mã QR xác nhận, hoặc gõ mã nhập tay của đơn vị"
            </label>
            <textarea
                id="confirmation-text"
                rows="3"
                autocomplete="off"
                autocapitalize="characters"
                prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))
            ></textarea>
            <button type="submit" disabled=move || take.pending().get()>
                "Nhận xác nhận"
            </button>
        </form>
        {outcome}
    }
}
