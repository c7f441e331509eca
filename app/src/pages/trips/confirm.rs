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
use shared::confirm::code::{CLAIM_PREFIX, ReadError, qr_text, read_confirmation};
use shared::confirm::{Claim, ClaimError};
use shared::doc::TripRecord;

/// Why the confirmation was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TakeError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] LocalError),
}

/// Where this phone keeps the summary of the claim it last showed for a trip: a typed
/// code carries no claim, so the phone rebuilds it (the same summary) to check the code.
fn summary_key(trip: &str) -> String {
    format!("dicoso-claim-summary:{trip}")
}

fn remembered_summary(trip: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()?
            .local_storage()
            .ok()??
            .get_item(&summary_key(trip))
            .ok()?
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = summary_key(trip);
        None
    }
}

fn remember_summary(trip: &str, summary: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(&summary_key(trip), summary);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (trip, summary);
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

#[component]
pub fn ConfirmationSection(record: TripRecord, states: Memo<TripStates>) -> impl IntoView {
    let store = use_local_store();
    let id = record.id().to_owned();
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
                let line = match s.confirmed_by.get(&id) {
                    Some((officer, degree)) => view! {
                        <p class="ok" data-test="confirmed">
                            {format!("Đã xác nhận: {officer}, {}.", degree.label_vi())}
                        </p>
                    }
                    .into_any(),
                    None => view! {
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
    let summary = RwSignal::new(first_summary(&record));
    let shown_claim = RwSignal::new(None::<Result<String, ClaimError>>);
    let record_for_claim = record.clone();
    let show_claim = move |_| {
        let claim = claim_of(store, &record_for_claim, &summary.get_untracked());
        if let Ok(claim) = &claim {
            remember_summary(&claim.trip, &claim.summary);
        }
        shown_claim.set(Some(claim.map(|c| qr_text(CLAIM_PREFIX, &c.encode()))));
    };
    let host_name = record.trip.host.name.clone();
    let claim_view = move || {
        shown_claim.get().map(|shown| match shown {
            Ok(text) => view! {
                <QrBlock
                    text=text
                    caption=format!("Mã xin xác nhận: đưa cán bộ của {host_name} quét bằng ứng dụng dicoso.")
                    id="claim-qr"
                />
            }
            .into_any(),
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };

    let typed = RwSignal::new(String::new());
    let take = Action::new_local(move |(trip, text): &(TripRecord, String)| {
        let (trip, text) = (trip.clone(), text.clone());
        async move {
            let summary = remembered_summary(trip.id());
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
    let record_for_scan = record.clone();
    let scanned = Callback::new(move |text: String| {
        typed.set(text.clone());
        take.dispatch((record_for_scan.clone(), text));
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
        <section class="card" aria-labelledby="h-confirm" id="host-confirmation">
            <h2 id="h-confirm">"Xác nhận của cơ sở"</h2>
            {status}
            <Show when=move || !confirmed()>
                <h3>"1. Xin xác nhận"</h3>
                <label for="claim-summary">"Tóm tắt một dòng cho đơn vị"</label>
                <input
                    id="claim-summary"
                    type="text"
                    maxlength=shared::confirm::MAX_TEXT_CHARS
                    prop:value=move || summary.get()
                    on:input=move |ev| summary.set(event_target_value(&ev))
                />
                <button type="button" class="make-claim" on:click=show_claim.clone()>"Tạo mã xin xác nhận"</button>
                {claim_view.clone()}
                <h3>"2. Nhận xác nhận"</h3>
                <Scanner label="Quét mã xác nhận của đơn vị" on_text=scanned />
                <form on:submit=submit.clone()>
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
            </Show>
            {outcome}
        </section>
    }
}
