//! HQ's forms on a cadre-year's page: reminders, exemptions (and lifting one), and the
//! official rating, frozen with the heads of the documents it rests on.

use super::{
    DecideError, Target, checked, decide_action, json, outcome, required, text_input, write,
};
use crate::local::LocalError;
use crate::pages::office::drafts::{Drafts, fields};
use chrono::NaiveDate;
use leptos::prelude::*;
use shared::doc::party::{ExemptionRecord, RatingDecision, ReminderNote};
use shared::policy::Policy;
use shared::sync::DocumentId;
use shared::verdict::Verdict;

/// HQ: a reminder, shown on the person's phone; with a reference it is a written one
/// (văn bản nhắc nhở), which weighs on the rating (000 §V.2). `target.subject` is a
/// fresh event id.
#[component]
pub fn ReminderForm(target: Target, today: NaiveDate, done: RwSignal<u32>) -> impl IntoView {
    let ([message, reference], ids) = fields([
        "reminder-message".to_owned(),
        "reminder-reference".to_owned(),
    ]);
    let action = decide_action(done, ids);
    view! {
        <div class="decide" data-form="reminder">
            {text_input("Nội dung nhắc nhở", "reminder-message".to_owned(), message)}
            {text_input(
                "Số văn bản (chỉ khi nhắc bằng văn bản)",
                "reminder-reference".to_owned(),
                reference,
            )}
            <button
                type="button"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let mut problems = Vec::new();
                    let message = required(
                        &message.get_untracked(),
                        "Nhập nội dung nhắc nhở.",
                        &mut problems,
                    );
                    let reference = Some(reference.get_untracked().trim().to_owned())
                        .filter(|r| !r.is_empty());
                    let value = checked(problems, || {
                        json(|taken| ReminderNote { date: today, message, reference, taken })
                    });
                    let mut target = target.clone();
                    target.subject = event_id(&target.subject);
                    action.dispatch((target, value));
                }
            >
                "Gửi nhắc nhở"
            </button>
            {outcome(action)}
        </div>
    }
}

/// A new event id for a reminder or an exemption: `prefix`, then this device's random
/// UUID (two offices writing at once never pick the same entry).
fn event_id(prefix: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let uuid = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .unwrap_or_else(|| format!("{}", js_sys::Date::now()));
        format!("{prefix}-{uuid}")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        prefix.to_owned()
    }
}

/// HQ: an exemption (học tập dài hạn, thai sản…) from the policy's reasons, with its
/// dates and reference.
#[component]
pub fn ExemptionForm(target: Target, policy: Policy, done: RwSignal<u32>) -> impl IntoView {
    let ([reason, from, to, reference, note], ids) =
        fields(["reason", "from", "to", "reference", "note"].map(|f| format!("exemption-{f}")));
    let action = decide_action(done, ids);
    let options = policy
        .exemptions
        .reasons
        .iter()
        .map(|r| view! { <option value=r.code.clone()>{r.label_vi.clone()}</option> })
        .collect_view();
    view! {
        <div class="decide" data-form="exemption">
            <div class="field">
                <label for="exemption-reason">"Lý do miễn"</label>
                <select
                    id="exemption-reason"
                    prop:value=move || reason.get()
                    on:change:target=move |ev| reason.set(ev.target().value())
                >
                    <option value="">"– Chọn –"</option>
                    {options}
                </select>
            </div>
            {text_input("Từ ngày (dd/mm/yyyy)", "exemption-from".to_owned(), from)}
            {text_input("Đến ngày (dd/mm/yyyy)", "exemption-to".to_owned(), to)}
            {text_input("Số văn bản", "exemption-reference".to_owned(), reference)}
            {text_input("Ghi chú", "exemption-note".to_owned(), note)}
            <button
                type="button"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let mut problems = Vec::new();
                    let reason = required(&reason.get_untracked(), "Chọn lý do miễn.", &mut problems);
                    let day = |text: String, what: &str, problems: &mut Vec<String>| {
                        let day = shared::form::parse_day(text.trim());
                        if day.is_none() {
                            problems.push(format!("Nhập {what} theo dạng dd/mm/yyyy."));
                        }
                        day
                    };
                    let from = day(from.get_untracked(), "ngày bắt đầu", &mut problems);
                    let to = day(to.get_untracked(), "ngày kết thúc", &mut problems);
                    if let (Some(f), Some(t)) = (from, to)
                        && t < f
                    {
                        problems.push("Ngày kết thúc phải sau ngày bắt đầu.".to_owned());
                    }
                    let value = checked(problems, || {
                        json(|taken| ExemptionRecord {
                            reason,
                            from: from.unwrap_or_default(),
                            to: to.unwrap_or_default(),
                            reference: reference.get_untracked().trim().to_owned(),
                            note: note.get_untracked().trim().to_owned(),
                            lifted: false,
                            taken,
                        })
                    });
                    let mut target = target.clone();
                    target.subject = event_id(&target.subject);
                    action.dispatch((target, value));
                }
            >
                "Ghi miễn đi cơ sở"
            </button>
            {outcome(action)}
        </div>
    }
}

async fn heads_of(ids: Vec<DocumentId>) -> Result<Vec<(String, Vec<String>)>, LocalError> {
    #[cfg(feature = "hydrate")]
    {
        crate::local::party::heads_of(&ids).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ids;
        Err(LocalError::NotReady)
    }
}

/// HQ: confirm the engine's rating of the year as the official one, frozen: the verdict
/// as it is now and the heads of the documents it rests on (`sources`). Later changes to
/// the documents do not change it; rating again is a new, dated decision.
#[component]
pub fn RatingForm(
    target: Target,
    verdict: Verdict,
    sources: Vec<DocumentId>,
    today: NaiveDate,
    done: RwSignal<u32>,
) -> impl IntoView {
    let ([reference], ids) = fields(["rating-reference".to_owned()]);
    let drafts = Drafts::get();
    let label = verdict.rating_vi.to_string();
    let action = Action::new_local(move |_: &()| {
        let (mut target, verdict, sources) = (target.clone(), verdict.clone(), sources.clone());
        let ids = ids.clone();
        let reference = reference.get_untracked().trim().to_owned();
        async move {
            let sources = heads_of(sources).await?;
            let rating = serde_json::to_value(verdict.rating)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let value = json(|taken| RatingDecision {
                rating,
                decided_on: today,
                reference,
                verdict: shared::assemble::verdict_json(&verdict),
                sources,
                taken,
            })?;
            target.subject = event_id(&target.subject);
            write(target, value).await?;
            drafts.forget(&ids);
            done.update(|n| *n += 1);
            Ok::<(), DecideError>(())
        }
    });
    view! {
        <div class="decide" data-form="rating">
            {text_input("Số văn bản (không bắt buộc)", "rating-reference".to_owned(), reference)}
            <button
                type="button"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    action.dispatch(());
                }
            >
                {format!("Xác nhận xếp loại chính thức: {label}")}
            </button>
            {outcome(action)}
        </div>
    }
}

/// HQ: lifts an exemption recorded earlier (the person is back before its end): the same
/// entry written again, marked lifted, by whoever lifts it now.
#[component]
pub fn LiftButton(target: Target, record: ExemptionRecord, done: RwSignal<u32>) -> impl IntoView {
    let action = decide_action(done, Vec::new());
    view! {
        <div class="decide" data-form="lift">
            <button
                type="button"
                class="secondary"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let record = record.clone();
                    let value = json(|taken| ExemptionRecord { lifted: true, taken, ..record });
                    action.dispatch((target.clone(), value));
                }
            >
                "Bỏ miễn"
            </button>
            {outcome(action)}
        </div>
    }
}
