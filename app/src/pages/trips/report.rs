//! The report on a trip (báo cáo kết quả, `/chuyen-di/:id/bao-cao`): the result and
//! proposals; for a thematic trip its product, and the long-standing difficulty it helped
//! solve with the evidence of it (the Xuất sắc condition). Checked by
//! `shared::form::check_report` as it is typed.

use crate::components::fields::{DateField, Message, SelectField, TextField};
use crate::components::{not_ready, set_title};
use crate::local::{Loaded, LocalError, use_local_store};
use crate::pages::trips::form::focus;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::doc::TripRecord;
use shared::dossier::EvidenceKind;
use shared::form::{Checked, ReportForm, check_report};
use shared::verdict::{fmt_day, fmt_range};

/// How many pieces of evidence the form offers.
const EVIDENCE_ROWS: usize = 3;

const KINDS: &[(EvidenceKind, &str, &str)] = &[
    (
        EvidenceKind::EmulationRanking,
        "emulation_ranking",
        "Xếp hạng thi đua của cơ sở",
    ),
    (EvidenceKind::Project, "project", "Công trình, phần việc"),
    (EvidenceKind::Model, "model", "Mô hình"),
    (EvidenceKind::Data, "data", "Báo cáo, số liệu"),
    (
        EvidenceKind::HostConfirmation,
        "host_confirmation",
        "Xác nhận của đơn vị",
    ),
    (EvidenceKind::Other, "other", "Khác"),
];

fn kind_code(k: EvidenceKind) -> &'static str {
    KINDS
        .iter()
        .find(|(x, _, _)| *x == k)
        .map_or("other", |(_, c, _)| c)
}

fn kind_of(code: &str) -> EvidenceKind {
    KINDS
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or(EvidenceKind::Other, |(k, _, _)| *k)
}

#[component]
pub fn ReportPage() -> impl IntoView {
    set_title("Báo cáo kết quả");
    let store = use_local_store();
    let params = use_params_map();
    let opened = RwSignal::new(None::<Option<TripRecord>>);
    Effect::new(move |_| {
        if opened.with_untracked(Option::is_some) {
            return;
        }
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        store.docs.with(|d| {
            if let Loaded::Ready(d) = d {
                opened.set(Some(d.trip(&id).map(|(_, t)| t.clone())));
            }
        });
    });
    view! {
        <h1>"Báo cáo kết quả chuyến đi"</h1>
        {move || store.docs.with(not_ready)}
        {move || match opened.get() {
            Some(Some(record)) => report_form(record).into_any(),
            Some(None) => view! { <p class="error">"Không tìm thấy chuyến đi này trên máy."</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

fn report_form(record: TripRecord) -> AnyView {
    let store = use_local_store();
    let navigate = use_navigate();
    let t = &record.trip;
    let report = t.report.clone().unwrap_or_default();
    let difficulty = t.difficulty_solved.clone();
    let on = RwSignal::new(match &t.report {
        Some(r) => fmt_day(r.submitted_on),
        None => store.today.get_untracked().map(fmt_day).unwrap_or_default(),
    });
    let result = RwSignal::new(report.result.unwrap_or_default());
    let proposals = RwSignal::new(report.proposals.unwrap_or_default());
    let product = RwSignal::new(report.product.unwrap_or_default());
    let hardship = RwSignal::new(
        difficulty
            .as_ref()
            .map(|d| d.description.clone())
            .unwrap_or_default(),
    );
    let evidence: Vec<(RwSignal<String>, RwSignal<String>)> = (0..EVIDENCE_ROWS)
        .map(|i| {
            let e = difficulty.as_ref().and_then(|d| d.evidence.get(i));
            (
                RwSignal::new(e.map_or("other", |e| kind_code(e.kind)).to_owned()),
                RwSignal::new(e.map(|e| e.description.clone()).unwrap_or_default()),
            )
        })
        .collect();
    let thematic = t.thematic;
    let ev = evidence.clone();
    let form = move || ReportForm {
        submitted_on: on.get(),
        result: result.get(),
        proposals: proposals.get(),
        product: product.get(),
        difficulty: hardship.get(),
        evidence: ev
            .iter()
            .map(|(k, d)| (kind_of(&k.get()), d.get()))
            .collect(),
    };
    let form = StoredValue::new(form);
    let checked_record = record.clone();
    let checked = Memo::new(move |_| {
        let today = store.today.get().unwrap_or_default();
        check_report(&form.with_value(|f| f()), &checked_record, today).0
    });
    let shown = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<LocalError>);
    let msg = move |field: &'static str| -> Message {
        Signal::derive(move || {
            shown
                .get()
                .then(|| checked.with(|c: &Checked| c.for_field(field).map(str::to_owned)))
                .flatten()
        })
    };
    let id = record.id().to_owned();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        shown.set(true);
        failure.set(None);
        if let Some(first) = checked.with_untracked(|c| c.problems.first().map(|p| p.field)) {
            focus(first);
            return;
        }
        let (id, navigate) = (id.clone(), navigate.clone());
        let input = form.with_value(|f| f());
        saving.set(true);
        leptos::task::spawn_local(async move {
            match store.save_report(id.clone(), input).await {
                Ok(()) => {
                    store
                        .notice
                        .set(Some("Đã lưu báo cáo trên máy.".to_owned()));
                    navigate(&format!("/chuyen-di/{id}"), Default::default());
                }
                Err(e) => failure.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let kinds: Vec<(String, String)> = KINDS
        .iter()
        .map(|(_, c, l)| ((*c).to_owned(), (*l).to_owned()))
        .collect();
    let evidence_fields = evidence
        .into_iter()
        .enumerate()
        .map(|(i, (kind, description))| {
            view! {
                <div class="member">
                    <SelectField label=["Loại minh chứng 1", "Loại minh chứng 2", "Loại minh chứng 3"][i] name=["evidence_kind_1", "evidence_kind_2", "evidence_kind_3"][i] value=kind options=kinds.clone() />
                    <TextField label=["Minh chứng 1", "Minh chứng 2", "Minh chứng 3"][i] name=["evidence_1", "evidence_2", "evidence_3"][i] value=description />
                </div>
            }
        })
        .collect_view();
    view! {
        <p class="muted">{format!("{} · {}", t.host.name, fmt_range(t.start, t.end))}</p>
        <form class="card report-form" on:submit=on_submit novalidate=true>
            <DateField label="Ngày nộp báo cáo" name="submitted_on" value=on message=msg("submitted_on") />
            <TextField label="Kết quả" name="result" value=result multiline=true message=msg("result") />
            <TextField label="Đề xuất, kiến nghị" name="proposals" value=proposals multiline=true message=msg("proposals") />
            {thematic.then(|| view! {
                <fieldset class="thematic">
                    <legend>"Chuyên đề"</legend>
                    <TextField label="Sản phẩm chuyên đề" name="product" value=product multiline=true message=msg("product") />
                    <TextField label="Khó khăn lâu năm của cơ sở đã giúp giải quyết" name="difficulty" value=hardship multiline=true message=msg("difficulty") />
                    {evidence_fields}
                    {crate::components::fields::message_view("evidence", Some(msg("evidence")))}
                </fieldset>
            })}
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            <button type="submit" disabled=move || saving.get() || !store.hydrated.get()>
                {move || if saving.get() { "Đang lưu…" } else { "Lưu báo cáo" }}
            </button>
        </form>
    }
    .into_any()
}
