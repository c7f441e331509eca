//! One trip (`/chuyen-di/:id`): every field, its stage and whose move it is, the report,
//! the actions (edit, report, cancel or restore), and its history: what changed, when,
//! and on which device.

use crate::components::{Notice, not_ready, set_title, stage_chip};
use crate::local::{HistoryLine, Loaded, LocalError, LocalStore, use_local_store};
use crate::pages::trips::confirm::ConfirmationSection;
use crate::pages::trips::stages;
use crate::policy_view;
use crate::rating::TripStates;
use crate::sync::fmt_time;
use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::doc::TripRecord;
use shared::dossier::{EvidenceKind, TripStatus};
use shared::verdict::{fmt_day, fmt_range};

fn status_label(s: TripStatus) -> &'static str {
    match s {
        TripStatus::Planned => "Dự kiến, chưa đi",
        TripStatus::Done => "Đã thực hiện",
        TripStatus::Incomplete => "Đã đi, chưa hết nội dung",
        TripStatus::Cancelled => "Đã huỷ",
    }
}

fn evidence_label(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::EmulationRanking => "Xếp hạng thi đua",
        EvidenceKind::Project => "Công trình, phần việc",
        EvidenceKind::Model => "Mô hình",
        EvidenceKind::Data => "Báo cáo, số liệu",
        EvidenceKind::HostConfirmation => "Xác nhận của đơn vị",
        EvidenceKind::Other => "Khác",
    }
}

/// A term and its value; nothing when the value is empty.
fn row(term: &'static str, value: impl Into<String>) -> Option<AnyView> {
    let value = value.into();
    (!value.trim().is_empty()).then(|| view! { <dt>{term}</dt><dd>{value}</dd> }.into_any())
}

#[component]
pub fn TripPage() -> impl IntoView {
    set_title("Chuyến đi");
    let store = use_local_store();
    let params = use_params_map();
    let stages = stages(store);
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let body = move || {
        if let Some(v) = store.docs.with(not_ready) {
            return v;
        }
        let id = id();
        let found = store.docs.with(|d| match d {
            Loaded::Ready(d) => d.trip(&id).map(|(_, t)| t.clone()),
            _ => None,
        });
        match found {
            Some(record) => {
                let stage = stages.with(|s| s.stages.get(&id).copied());
                trip_view(store, record, stage, stages).into_any()
            }
            None => view! {
                <h1>"Chuyến đi"</h1>
                <p class="error">"Không tìm thấy chuyến đi này trên máy."</p>
            }
            .into_any(),
        }
    };
    view! {
        <Notice />
        {body}
        <History id=Signal::derive(id) />
    }
}

fn trip_view(
    store: LocalStore,
    record: TripRecord,
    stage: Option<shared::assemble::TripStage>,
    states: Memo<TripStates>,
) -> AnyView {
    let t = &record.trip;
    let id = record.id().to_owned();
    let policy = policy_view::policy(store, t.start.year());
    let level = policy
        .as_ref()
        .map(|p| policy_view::level_label(p, &t.host.level))
        .unwrap_or_else(|| t.host.level.clone());
    let content = policy
        .as_ref()
        .map(|p| policy_view::content_type_label(p, &t.content_type))
        .unwrap_or_else(|| t.content_type.clone());
    let yes = |b: bool| if b { "Có" } else { "Không" };
    let group = t.group.as_ref().map(|g| {
        let members = g
            .members
            .iter()
            .map(|m| {
                let lead = if m.id == g.leader {
                    " (phụ trách)"
                } else {
                    ""
                };
                let task = if m.task.is_empty() {
                    String::new()
                } else {
                    format!(": {}", m.task)
                };
                view! { <li>{format!("{} {}{lead}{task}", m.id, m.name)}</li> }
            })
            .collect_view();
        view! { <dt>"Nhóm"</dt><dd><ul class="plain">{members}</ul></dd> }
    });
    let thematic = t.thematic.then(|| {
        view! {
            {row("3 cùng", yes(t.three_together))}
            {row("Đề cương", t.outline.as_ref().map(|o| o.title.clone()).unwrap_or_default())}
            {row("Nội dung đề cương", t.outline.as_ref().map(|o| o.text.clone()).unwrap_or_default())}
            {group}
        }
    });
    let report = t.report.as_ref().map(|r| {
        let evidence = t
            .difficulty_solved
            .iter()
            .flat_map(|d| &d.evidence)
            .map(|e| view! { <li>{format!("{}: {}", evidence_label(e.kind), e.description)}</li> })
            .collect_view();
        view! {
            <section class="card" aria-labelledby="h-report">
                <h2 id="h-report">"Báo cáo kết quả"</h2>
                <dl>
                    {row("Ngày nộp", fmt_day(r.submitted_on))}
                    {row("Kết quả", r.result.clone().unwrap_or_default())}
                    {row("Đề xuất, kiến nghị", r.proposals.clone().unwrap_or_default())}
                    {row("Sản phẩm chuyên đề", r.product.clone().unwrap_or_default())}
                    {row("Khó khăn đã giải quyết", t.difficulty_solved.as_ref().map(|d| d.description.clone()).unwrap_or_default())}
                </dl>
                <ul class="plain">{evidence}</ul>
            </section>
        }
    });
    let reviewed = states.with_untracked(|s| s.reviewed.get(&id).cloned().unwrap_or_default());
    let reviewed = (!reviewed.is_empty()).then(|| {
        let lines = reviewed
            .into_iter()
            .map(|l| view! { <li>{l}</li> })
            .collect_view();
        view! {
            <section class="card" aria-labelledby="h-reviewed" data-test="reviewed">
                <h2 id="h-reviewed">"Ý kiến của lãnh đạo phòng, ban"</h2>
                <ul class="plain">{lines}</ul>
            </section>
        }
    });
    let cancelled = t.status == TripStatus::Cancelled;
    let carried_out = matches!(t.status, TripStatus::Done | TripStatus::Incomplete);
    let has_report = t.report.is_some();
    view! {
        <h1>{t.host.name.clone()}</h1>
        <p class="lead">
            {format!("{} · {} ngày", fmt_range(t.start, t.end), t.days())}
            " "
            {stage.map(stage_chip)}
        </p>
        <section class="card" aria-labelledby="h-trip">
            <h2 id="h-trip">"Thông tin chuyến đi"</h2>
            <dl>
                {row("Trạng thái", status_label(t.status))}
                {row("Cấp của đơn vị", level)}
                {row("Nội dung", content)}
                {row("Chủ đề", t.topic.clone().unwrap_or_default())}
                {row("Căn cứ", record.basis.label_vi())}
                {row("Đi theo chuyên đề", yes(t.thematic))}
                {thematic}
                {row("Chỉ dự theo thư mời", yes(t.invitation_only))}
                {row("Ghi chú", t.notes.clone().unwrap_or_default())}
            </dl>
        </section>
        {report}
        {reviewed}
        {(carried_out && !cancelled).then(|| view! { <ConfirmationSection record=record.clone() states=states /> })}
        <div class="actions">
            {(!cancelled).then(|| view! { <a class="button" href=format!("/chuyen-di/{id}/sua")>"Sửa"</a> })}
            {(carried_out && !cancelled).then(|| view! {
                <a class="button" href=format!("/chuyen-di/{id}/bao-cao")>
                    {if has_report { "Sửa báo cáo" } else { "Viết báo cáo" }}
                </a>
            })}
            <CancelButton id=id.clone() cancelled=cancelled />
        </div>
    }
    .into_any()
}

/// Cancel (a second tap confirms) or restore.
#[component]
fn CancelButton(id: String, cancelled: bool) -> AnyView {
    let store = use_local_store();
    let armed = RwSignal::new(false);
    let failure = RwSignal::new(None::<LocalError>);
    let click = move |_| {
        if !cancelled && !armed.get_untracked() {
            armed.set(true);
            return;
        }
        let id = id.clone();
        leptos::task::spawn_local(async move {
            match store.set_trip_cancelled(id, !cancelled).await {
                Ok(()) => {
                    armed.set(false);
                    store.notice.set(Some(
                        if cancelled {
                            "Đã khôi phục chuyến đi."
                        } else {
                            "Đã huỷ chuyến đi; chuyến đi vẫn được giữ, có đánh dấu."
                        }
                        .to_owned(),
                    ));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class=if cancelled { "secondary" } else { "danger" } on:click=click>
            {move || match (cancelled, armed.get()) {
                (true, _) => "Khôi phục chuyến đi",
                (false, false) => "Huỷ chuyến đi",
                (false, true) => "Bấm lần nữa để huỷ",
            }}
        </button>
        {move || failure.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
    }
    .into_any()
}

/// Field names of the document, as the history names them.
fn field_label(field: &str) -> String {
    let (base, rest) = field.split_once('/').unwrap_or((field, ""));
    let label = match base {
        "start" => "Ngày bắt đầu",
        "end" => "Ngày kết thúc",
        "host_unit" => "Đơn vị",
        "host_id" => "Mã đơn vị",
        "host_level" => "Cấp của đơn vị",
        "content_type" => "Nội dung",
        "topic" => "Chủ đề",
        "notes" => "Ghi chú",
        "thematic" => "Đi theo chuyên đề",
        "three_together" => "3 cùng",
        "invitation_only" => "Theo thư mời",
        "basis" => "Căn cứ",
        "status" => "Trạng thái",
        "outline_title" => "Tên đề cương",
        "outline" => "Nội dung đề cương",
        "group_leader" => "Người phụ trách nhóm",
        "group" => "Thành viên nhóm",
        "report_on" => "Ngày nộp báo cáo",
        "report_result" => "Kết quả",
        "report_proposals" => "Đề xuất, kiến nghị",
        "report_product" => "Sản phẩm chuyên đề",
        "difficulty" => "Khó khăn đã giải quyết",
        "evidence" => "Minh chứng",
        "created_at" => "Ngày tạo",
        "confirmation_asked_on" => "Ngày xin xác nhận",
        "confirmation_summary" => "Tóm tắt gửi đơn vị",
        "confirmation_by_link" => "Xin xác nhận qua đường dẫn",
        other => other,
    };
    if rest.is_empty() {
        label.to_owned()
    } else {
        format!("{label} {rest}")
    }
}

fn value_text(field: &str, value: &Option<automerge::ScalarValue>) -> String {
    use automerge::ScalarValue as V;
    match value {
        None => "(xoá)".to_owned(),
        Some(V::Str(s)) => {
            if let Some(d) = shared::form::parse_day(s) {
                fmt_day(d)
            } else if field == "status" {
                shared::doc::dossier::parse_status(s)
                    .map_or(s.to_string(), |x| status_label(x).to_owned())
            } else if field == "basis" {
                shared::doc::Basis::parse(s).map_or(s.to_string(), |b| b.label_vi().to_owned())
            } else {
                s.to_string()
            }
        }
        Some(V::Boolean(b)) => if *b { "có" } else { "không" }.to_owned(),
        Some(other) => other.to_string(),
    }
}

/// The trip's history, read from the document's change log when opened.
#[component]
fn History(id: Signal<String>) -> AnyView {
    let store = use_local_store();
    let lines = RwSignal::new(None::<Result<Vec<HistoryLine>, LocalError>>);
    let offset = RwSignal::new(0);
    let load = move || {
        #[cfg(feature = "hydrate")]
        offset.set(js_sys::Date::new_0().get_timezone_offset() as i32);
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            lines.set(Some(store.trip_history(id).await));
        });
    };
    // Re-read after every change of the documents while the list is open.
    Effect::new(move |_| {
        store.docs.track();
        if lines.with_untracked(Option::is_some) {
            load();
        }
    });
    let toggle = move |ev: leptos::ev::Event| {
        let open = event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open();
        if open && lines.with_untracked(Option::is_none) {
            load();
        }
    };
    let list = move || {
        match lines.get() {
        None => view! { <p class="muted">"Đang đọc…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
        Some(Ok(lines)) => view! {
            <ol class="history">
                {lines
                    .into_iter()
                    .rev()
                    .map(|l| {
                        let who = if l.this_device {
                            "máy này".to_owned()
                        } else {
                            let hex = l.entry.actor.to_hex_string();
                            format!("máy khác ({})", hex.get(..6).unwrap_or(&hex))
                        };
                        let what = if l.entry.created {
                            "Ghi chuyến đi".to_owned()
                        } else {
                            l.entry
                                .fields
                                .iter()
                                .map(|(f, v)| format!("{}: {}", field_label(f), value_text(f, v)))
                                .collect::<Vec<_>>()
                                .join("; ")
                        };
                        view! {
                            <li data-device=if l.this_device { "this" } else { "other" }>
                                <span class="when">{format!("{} · {who}", fmt_time(offset.get_untracked(), l.entry.at_ms as f64))}</span>
                                <span class="what">{what}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        }
        .into_any(),
    }
    };
    view! {
        <details class="card history-box" on:toggle=toggle>
            <summary>"Lịch sử thay đổi"</summary>
            {list}
        </details>
    }
    .into_any()
}
