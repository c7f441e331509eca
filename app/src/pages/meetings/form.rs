//! Recording a chi đoàn meeting (`/sinh-hoat/moi`) and editing one (`/sinh-hoat/:id`),
//! checked as typed by `shared::form::check_meeting`.

use crate::components::fields::{CheckField, DateField, Message, SelectField, TextField};
use crate::components::host_picker::{Choice, HostPicker};
use crate::components::{not_ready, set_title};
use crate::local::{Loaded, LocalError, use_local_store};
use crate::pages::trips::form::focus;
use crate::policy_view;
use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::doc::MeetingRecord;
use shared::dossier::TripStatus;
use shared::form::{Checked, MeetingForm, check_meeting, parse_day};
use shared::verdict::fmt_range;

#[component]
pub fn NewMeetingPage() -> impl IntoView {
    set_title("Ghi buổi sinh hoạt");
    let store = use_local_store();
    view! {
        <h1>"Ghi buổi sinh hoạt chi đoàn"</h1>
        {move || store.docs.with(not_ready)}
        <MeetingFormView existing=None />
    }
}

#[component]
pub fn EditMeetingPage() -> impl IntoView {
    set_title("Sửa buổi sinh hoạt");
    let store = use_local_store();
    let params = use_params_map();
    let opened = RwSignal::new(None::<Option<MeetingRecord>>);
    Effect::new(move |_| {
        if opened.with_untracked(Option::is_some) {
            return;
        }
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        store.docs.with(|d| {
            if let Loaded::Ready(d) = d {
                opened.set(Some(d.meeting(&id).map(|(_, m)| m.clone())));
            }
        });
    });
    view! {
        <h1>"Buổi sinh hoạt chi đoàn"</h1>
        {move || store.docs.with(not_ready)}
        {move || match opened.get() {
            Some(Some(record)) => view! { <MeetingFormView existing=Some(record) /> }.into_any(),
            Some(None) => view! { <p class="error">"Không tìm thấy buổi sinh hoạt này trên máy."</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

#[component]
fn MeetingFormView(existing: Option<MeetingRecord>) -> AnyView {
    let store = use_local_store();
    let navigate = use_navigate();
    let base = existing.as_ref().map(MeetingForm::of);
    let start = base.clone().unwrap_or_default();
    let text = |s: &str| RwSignal::new(s.to_owned());
    let date = RwSignal::new(crate::components::fields::as_typed_day(&start.date));
    let chi_doan = text(&start.chi_doan);
    let unit_name = text(&start.unit_name);
    let unit_id = text(&start.unit_id);
    let unit_level = text(&start.unit_level);
    let topic = text(&start.topic);
    let members = text(&start.members_present);
    let remarks = text(&start.remarks);
    let invitation = RwSignal::new(start.invitation_only);
    let trip = text(&start.trip);
    let today = move || store.today.get().unwrap_or_default();
    let year = move || parse_day(&date.get()).map_or_else(|| today().year(), |d| d.year());
    let policy = Memo::new(move |_| policy_view::policy(store, year()));
    let form = move || MeetingForm {
        date: date.get(),
        chi_doan: chi_doan.get(),
        unit_name: unit_name.get(),
        unit_id: unit_id.get(),
        unit_level: unit_level.get(),
        topic: topic.get(),
        members_present: members.get(),
        remarks: remarks.get(),
        invitation_only: invitation.get(),
        trip: trip.get(),
    };
    let id = existing.as_ref().and_then(|m| m.meeting.id.clone());
    let check_id = id.clone().unwrap_or_else(|| "moi".to_owned());
    let checked = Memo::new(move |_| {
        let Some(p) = policy.get() else {
            return Checked::default();
        };
        let others: Vec<MeetingRecord> = store.docs.with(|d| match d {
            Loaded::Ready(d) => d
                .year(year())
                .map(|y| y.meetings.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        });
        check_meeting(&form(), &p, &others, &check_id, today()).0
    });
    let shown = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<LocalError>);
    let msg = move |field: &'static str, value: RwSignal<String>| -> Message {
        Signal::derive(move || {
            if !shown.get() && value.get().trim().is_empty() {
                return None;
            }
            checked.with(|c| c.for_field(field).map(str::to_owned))
        })
    };
    let id_for_save = id.clone();
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
        let input = form();
        let (id, base, navigate) = (id_for_save.clone(), base.clone(), navigate.clone());
        saving.set(true);
        leptos::task::spawn_local(async move {
            match store.save_meeting(input, id, base).await {
                Ok(_) => {
                    store
                        .notice
                        .set(Some("Đã lưu buổi sinh hoạt trên máy.".to_owned()));
                    navigate("/sinh-hoat", Default::default());
                }
                Err(e) => failure.set(Some(e)),
            }
            saving.set(false);
        });
    };
    let choices = Signal::derive(move || {
        store.docs.with(|d| match d {
            Loaded::Ready(d) => d
                .meetings()
                .map(|(_, m)| Choice {
                    id: m.meeting.unit.id.clone().unwrap_or_default(),
                    name: m.meeting.unit.name.clone(),
                    level: m.meeting.unit.level.clone(),
                })
                .chain(d.trips().map(|(_, t)| Choice {
                    id: t.trip.host.id.clone().unwrap_or_default(),
                    name: t.trip.host.name.clone(),
                    level: t.trip.host.level.clone(),
                }))
                .collect(),
            _ => Vec::new(),
        })
    });
    let trips = move || -> Vec<(String, String)> {
        let y = year();
        store.docs.with(|d| match d {
            Loaded::Ready(d) => d
                .year(y)
                .map(|cy| {
                    cy.trips
                        .iter()
                        .filter(|t| t.trip.status != TripStatus::Cancelled)
                        .map(|t| {
                            (
                                t.id().to_owned(),
                                format!(
                                    "{} {}",
                                    fmt_range(t.trip.start, t.trip.end),
                                    t.trip.host.name
                                ),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    };
    let cancel = existing.as_ref().map(|m| {
        let (id, cancelled) = (m.meeting.id.clone().unwrap_or_default(), m.cancelled);
        let navigate = use_navigate();
        let click = move |_| {
            let (id, navigate) = (id.clone(), navigate.clone());
            leptos::task::spawn_local(async move {
                match store.set_meeting_cancelled(id, !cancelled).await {
                    Ok(()) => {
                        store.notice.set(Some(if cancelled { "Đã ghi lại buổi sinh hoạt." } else { "Đã đánh dấu không dự; buổi sinh hoạt vẫn được giữ." }.to_owned()));
                        navigate("/sinh-hoat", Default::default());
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        };
        view! {
            <button type="button" class=if cancelled { "secondary" } else { "danger" } on:click=click>
                {if cancelled { "Ghi lại là đã dự" } else { "Đánh dấu không dự" }}
            </button>
        }
    });
    view! {
        <form class="card meeting-form" on:submit=on_submit novalidate=true>
            <DateField label="Ngày sinh hoạt" name="date" value=date message=msg("date", date) />
            <TextField label="Chi đoàn" name="chi_doan" value=chi_doan message=msg("chi_doan", chi_doan) placeholder="VD: Chi đoàn ấp Tân Hưng" />
            {move || view! {
                <HostPicker
                    label="Thuộc đơn vị"
                    name="unit_name"
                    level_name="unit_level"
                    host=unit_name
                    id=unit_id
                    level=unit_level
                    choices=choices
                    levels=policy.with(|p| p.as_ref().map(policy_view::levels).unwrap_or_default())
                    message=msg("unit_name", unit_name)
                    level_message=msg("unit_level", unit_level)
                />
            }}
            <TextField label="Nội dung sinh hoạt" name="topic" value=topic message=msg("topic", topic) />
            <TextField label="Số đoàn viên dự" name="members_present" value=members numeric=true message=msg("members_present", members) />
            <TextField label="Nhận xét" name="remarks" value=remarks multiline=true message=msg("remarks", remarks) />
            <CheckField label="Dự theo thư mời" name="invitation_only" checked=invitation />
            {move || view! {
                <SelectField label="Thuộc chuyến đi" name="trip" value=trip options=trips() empty="– Không thuộc chuyến đi nào –" />
            }}
            {move || failure.get().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            {move || {
                let n = checked.with(|c| c.problems.len());
                (shown.get() && n > 0).then(|| view! { <p class="summary" role="alert">{format!("Chưa lưu: còn {n} mục cần sửa.")}</p> })
            }}
            <button type="submit" disabled=move || saving.get() || !store.hydrated.get() || store.cadre_code().is_none()>
                {move || if saving.get() { "Đang lưu…" } else { "Lưu buổi sinh hoạt" }}
            </button>
        </form>
        <div class="actions">{cancel}</div>
    }
    .into_any()
}
