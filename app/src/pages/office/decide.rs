//! The office's decision forms on a cadre-year's page: each writes one entry of its
//! decider's own document (`docs/documents.md`) on this device, then offers it to the
//! server, which checks again that the person may write it. A form is shown only to a
//! person whose role writes that document (`shared::access::rights`, the server's rule);
//! deciding again replaces the earlier decision, and so settles a conflict.

mod hq;

pub use hq::{ExemptionForm, LiftButton, RatingForm, ReminderForm};

use super::drafts::{Drafts, fields};
use crate::local::LocalError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::Serialize;
use shared::doc::DocKey;
use shared::doc::party::{
    Forwarding, Grade, OutlineDecision, OutlineVerdict, RegistrationRuling, Ruling, Taken,
    TripAuthority, TripRuling, WaiverDecision,
};

/// Where a decision goes: the document, its map and the entry (a period, a trip id, a
/// rule id, an event id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub key: DocKey,
    pub map: &'static str,
    pub subject: String,
}

/// Why a decision was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    /// What the form lacks, each in Vietnamese, all at once.
    #[error("{}", .0.join(" "))]
    Form(Vec<String>),
    #[error("{0}")]
    Store(#[from] LocalError),
    #[error("không ghi được quyết định: {0}")]
    Encode(String),
}

fn taken() -> Result<Taken, LocalError> {
    #[cfg(feature = "hydrate")]
    {
        crate::local::party::taken_now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Err(LocalError::NotReady)
    }
}

async fn write(target: Target, value: serde_json::Value) -> Result<(), LocalError> {
    #[cfg(feature = "hydrate")]
    {
        crate::local::party::decide(&target.key, target.map, &target.subject, &value).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (target, value);
        Err(LocalError::NotReady)
    }
}

/// Serialises a decision made now by this device's person.
fn json<T: Serialize>(make: impl FnOnce(Taken) -> T) -> Result<serde_json::Value, DecideError> {
    serde_json::to_value(make(taken()?)).map_err(|e| DecideError::Encode(e.to_string()))
}

/// One form's submission: the decision built from the fields (or what they lack),
/// written, then `done` bumped so the page reads the documents again.
type Decide = Action<(Target, Result<serde_json::Value, DecideError>), Result<(), DecideError>>;

/// The action of a form whose fields are `fields` (forgotten once it is written).
fn decide_action(done: RwSignal<u32>, fields: Vec<String>) -> Decide {
    let drafts = Drafts::get();
    Action::new_local(
        move |(target, value): &(Target, Result<serde_json::Value, DecideError>)| {
            let (target, value, fields) = (target.clone(), value.clone(), fields.clone());
            async move {
                write(target, value?).await?;
                drafts.forget(&fields);
                done.update(|n| *n += 1);
                Ok(())
            }
        },
    )
}

/// The form's outcome under its buttons.
fn outcome<I: Send + Sync + 'static>(action: Action<I, Result<(), DecideError>>) -> impl IntoView {
    const WRITTEN: &str = "Đã ghi quyết định trên máy; đang gửi lên máy chủ.";
    move || match action.value().get() {
        Some(Ok(())) => Some(view! { <p class="ok" role="status">{WRITTEN}</p> }.into_any()),
        Some(Err(e)) => {
            Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any())
        }
        None => None,
    }
}

/// A text box with its label, its id unique on the page (`id`).
fn text_input(label: &'static str, id: String, value: RwSignal<String>) -> impl IntoView {
    let for_id = id.clone();
    view! {
        <div class="field">
            <label for=for_id>{label}</label>
            <input
                type="text"
                id=id
                autocomplete="off"
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
            />
        </div>
    }
}

fn required(text: &str, problem: &str, problems: &mut Vec<String>) -> String {
    let text = text.trim();
    if text.is_empty() {
        problems.push(problem.to_owned());
    }
    text.to_owned()
}

fn checked(
    problems: Vec<String>,
    value: impl FnOnce() -> Result<serde_json::Value, DecideError>,
) -> Result<serde_json::Value, DecideError> {
    if problems.is_empty() {
        value()
    } else {
        Err(DecideError::Form(problems))
    }
}

/// Department head: forward a period's registration to TC-KT.
#[component]
pub fn ForwardForm(target: Target, today: NaiveDate, done: RwSignal<u32>) -> impl IntoView {
    let id = format!("forward-{}", target.subject);
    let ([remark], ids) = fields([id.clone()]);
    let action = decide_action(done, ids);
    view! {
        <div class="decide" data-form="forward">
            {text_input("Ý kiến (không bắt buộc)", id, remark)}
            <button
                type="button"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let value = json(|taken| Forwarding {
                        forwarded_on: today,
                        remark: remark.get_untracked().trim().to_owned(),
                        taken,
                    });
                    action.dispatch((target.clone(), value));
                }
            >
                "Chuyển Ban Tổ chức – Kiểm tra"
            </button>
            {outcome(action)}
        </div>
    }
}

/// Department head: approve or return a thematic trip's outline (đề cương).
#[component]
pub fn OutlineForm(target: Target, today: NaiveDate, done: RwSignal<u32>) -> impl IntoView {
    let id = format!("outline-{}", target.subject);
    let ([remark], ids) = fields([id.clone()]);
    let action = decide_action(done, ids);
    let button = move |verdict: OutlineVerdict, label: &'static str, class: &'static str| {
        let target = target.clone();
        view! {
            <button
                type="button"
                class=class
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let remark = remark.get_untracked().trim().to_owned();
                    let mut problems = Vec::new();
                    if verdict == OutlineVerdict::Returned && remark.is_empty() {
                        problems.push("Trả lại đề cương thì ghi ý kiến để đồng chí sửa.".to_owned());
                    }
                    let value = checked(problems, || {
                        json(|taken| OutlineDecision { verdict, decided_on: today, remark, taken })
                    });
                    action.dispatch((target.clone(), value));
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="decide" data-form="outline">
            {text_input("Ý kiến về đề cương", id, remark)}
            <div class="actions">
                {button(OutlineVerdict::Approved, "Thông qua đề cương", "")}
                {button(OutlineVerdict::Returned, "Trả lại để sửa", "secondary")}
            </div>
            {outcome(action)}
        </div>
    }
}

/// Department head: grade a trip's report (score /100 for a thematic report).
#[component]
pub fn GradeForm(
    target: Target,
    thematic: bool,
    today: NaiveDate,
    done: RwSignal<u32>,
) -> impl IntoView {
    let subject = target.subject.clone();
    let met_id = format!("grade-met-{subject}");
    let ([score, not_met, remark], ids) = fields([
        format!("grade-score-{subject}"),
        met_id.clone(),
        format!("grade-remark-{subject}"),
    ]);
    // Checked unless unticked: the field holds "0" then.
    let purpose_met = move || not_met.get() != "0";
    let action = decide_action(done, ids);
    let score_field = thematic.then(|| {
        text_input(
            "Điểm báo cáo chuyên đề (/100)",
            format!("grade-score-{subject}"),
            score,
        )
    });
    view! {
        <div class="decide" data-form="grade">
            {score_field}
            <div class="field check">
                <input
                    type="checkbox"
                    id=met_id.clone()
                    prop:checked=purpose_met
                    on:change:target=move |ev| {
                        not_met.set(if ev.target().checked() { "" } else { "0" }.to_owned())
                    }
                />
                <label for=met_id>"Đảm bảo mục đích, yêu cầu"</label>
            </div>
            {text_input("Nhận xét", format!("grade-remark-{subject}"), remark)}
            <button
                type="button"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let mut problems = Vec::new();
                    let score = if thematic {
                        match score.get_untracked().trim().parse::<u32>() {
                            Ok(s) if s <= 100 => Some(s),
                            _ => {
                                problems.push("Điểm là một số từ 0 đến 100.".to_owned());
                                None
                            }
                        }
                    } else {
                        None
                    };
                    let value = checked(problems, || {
                        json(|taken| Grade {
                            score,
                            purpose_met: not_met.get_untracked() != "0",
                            graded_on: today,
                            remark: remark.get_untracked().trim().to_owned(),
                            taken,
                        })
                    });
                    action.dispatch((target.clone(), value));
                }
            >
                "Ghi đánh giá"
            </button>
            {outcome(action)}
        </div>
    }
}

/// Standing committee: approve or reject a period's registration list, or a trip
/// assigned or decided ad hoc (`authority`), with the notice's number.
#[component]
pub fn RulingForm(
    target: Target,
    authority: Option<TripAuthority>,
    today: NaiveDate,
    done: RwSignal<u32>,
) -> impl IntoView {
    let id = format!("ruling-{}-{}", target.map, target.subject);
    let ([reference], ids) = fields([id.clone()]);
    let action = decide_action(done, ids);
    let button = move |ruling: Ruling, label: &'static str, class: &'static str| {
        let target = target.clone();
        view! {
            <button
                type="button"
                class=class
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let mut problems = Vec::new();
                    let reference = required(
                        &reference.get_untracked(),
                        "Nhập số văn bản của quyết định (ví dụ 12-TB/TĐTN).",
                        &mut problems,
                    );
                    let value = checked(problems, || match authority {
                        Some(authority) => json(|taken| TripRuling {
                            authority,
                            ruling,
                            decided_on: today,
                            reference,
                            taken,
                        }),
                        None => json(|taken| RegistrationRuling {
                            ruling,
                            decided_on: today,
                            reference,
                            taken,
                        }),
                    });
                    action.dispatch((target.clone(), value));
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="decide" data-form="ruling">
            {text_input("Số văn bản", id, reference)}
            <div class="actions">
                {button(Ruling::Approved, "Phê duyệt", "")}
                {button(Ruling::Rejected, "Không phê duyệt", "secondary")}
            </div>
            {outcome(action)}
        </div>
    }
}

/// Standing committee: a written waiver of a rule (the thematic minimum).
#[component]
pub fn WaiverForm(target: Target, today: NaiveDate, done: RwSignal<u32>) -> impl IntoView {
    let ([reference, reason], ids) =
        fields(["waiver-reference".to_owned(), "waiver-reason".to_owned()]);
    let action = decide_action(done, ids);
    view! {
        <div class="decide" data-form="waiver">
            {text_input("Số văn bản", "waiver-reference".to_owned(), reference)}
            {text_input("Lý do", "waiver-reason".to_owned(), reason)}
            <button
                type="button"
                class="secondary"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    let mut problems = Vec::new();
                    let reference = required(
                        &reference.get_untracked(),
                        "Nhập số văn bản miễn.",
                        &mut problems,
                    );
                    let value = checked(problems, || {
                        json(|taken| WaiverDecision {
                            decided_on: today,
                            reference,
                            reason: reason.get_untracked().trim().to_owned(),
                            taken,
                        })
                    });
                    action.dispatch((target.clone(), value));
                }
            >
                "Miễn chỉ tiêu chuyến đi chuyên đề"
            </button>
            {outcome(action)}
        </div>
    }
}
