//! The office's decision forms on a cadre-year's page: each writes one entry of its
//! decider's own document (`docs/documents.md`) on this device, then offers it to the
//! server, which checks again that the person may write it. A form is shown only to a
//! person whose role writes that document (`shared::access::rights`, the server's rule);
//! deciding again replaces the earlier decision, and so settles a conflict.

use super::drafts::{Drafts, fields};
use crate::local::LocalError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::Serialize;
use shared::doc::DocKey;
use shared::doc::party::RatingDecision;
use shared::doc::party::{
    ExemptionRecord, Forwarding, Grade, OutlineDecision, OutlineVerdict, RegistrationRuling,
    ReminderNote, Ruling, Taken, TripAuthority, TripRuling, WaiverDecision,
};
use shared::policy::Policy;
use shared::sync::DocumentId;
use shared::verdict::Verdict;

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
