//! Recording a trip (`/chuyen-di/moi`) and editing one (`/chuyen-di/:id/sua`): every
//! field the rules read, checked as it is typed by `shared::form::check_trip` (the rules
//! the store applies again before writing), each message under its field.

use crate::components::fields::{CheckField, DateField, Message, SelectField, TextField};
use crate::components::host_picker::{Choice, HostPicker};
use crate::components::{not_ready, set_title};
use crate::local::{Loaded, LocalError, LocalStore, use_local_store};
use crate::policy_view;
use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::doc::{Basis, TripRecord};
use shared::dossier::TripStatus;
use shared::form::{Checked, MemberForm, TripForm, check_trip, check_trip_edit, parse_day};

/// A group can have at most this many people, the cadre included (000 §III.3 Lưu ý).
pub const MAX_GROUP: usize = 3;

/// One member row of a group trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MemberRow {
    key: u32,
    code: RwSignal<String>,
    name: RwSignal<String>,
    role: RwSignal<String>,
    task: RwSignal<String>,
}

impl MemberRow {
    fn new(key: u32, m: &MemberForm) -> MemberRow {
        MemberRow {
            key,
            code: RwSignal::new(m.code.clone()),
            name: RwSignal::new(m.name.clone()),
            role: RwSignal::new(m.role.clone()),
            task: RwSignal::new(m.task.clone()),
        }
    }

    fn get(&self) -> MemberForm {
        MemberForm {
            code: self.code.get(),
            name: self.name.get(),
            role: self.role.get(),
            task: self.task.get(),
        }
    }
}

/// The form's fields, one signal each.
#[derive(Debug, Clone, Copy)]
struct TripFields {
    start: RwSignal<String>,
    end: RwSignal<String>,
    host_name: RwSignal<String>,
    host_id: RwSignal<String>,
    host_level: RwSignal<String>,
    content_type: RwSignal<String>,
    topic: RwSignal<String>,
    notes: RwSignal<String>,
    thematic: RwSignal<bool>,
    three_together: RwSignal<bool>,
    invitation_only: RwSignal<bool>,
    basis: RwSignal<String>,
    /// Empty until the person chooses: planned if the trip starts after today, else done.
    status: RwSignal<String>,
    outline_title: RwSignal<String>,
    outline_text: RwSignal<String>,
    members: RwSignal<Vec<MemberRow>>,
    leader: RwSignal<String>,
    next_key: RwSignal<u32>,
}

fn status_code(s: TripStatus) -> &'static str {
    shared::doc::dossier::status_str(s)
}

/// The status a form without an explicit choice means.
fn default_status(start: &str, today: NaiveDate) -> TripStatus {
    match parse_day(start) {
        Some(s) if s > today => TripStatus::Planned,
        _ => TripStatus::Done,
    }
}

impl TripFields {
    fn new(form: &TripForm, explicit_status: bool) -> TripFields {
        let members: Vec<MemberRow> = form
            .group
            .iter()
            .enumerate()
            .map(|(i, m)| MemberRow::new(i as u32, m))
            .collect();
        let text = |s: &str| RwSignal::new(s.to_owned());
        TripFields {
            start: RwSignal::new(crate::components::fields::as_typed_day(&form.start)),
            end: RwSignal::new(crate::components::fields::as_typed_day(&form.end)),
            host_name: text(&form.host_name),
            host_id: text(&form.host_id),
            host_level: text(&form.host_level),
            content_type: text(&form.content_type),
            topic: text(&form.topic),
            notes: text(&form.notes),
            thematic: RwSignal::new(form.thematic),
            three_together: RwSignal::new(form.three_together),
            invitation_only: RwSignal::new(form.invitation_only),
            basis: text(form.basis.as_str()),
            status: RwSignal::new(if explicit_status {
                status_code(form.status).to_owned()
            } else {
                String::new()
            }),
            outline_title: text(&form.outline_title),
            outline_text: text(&form.outline_text),
            next_key: RwSignal::new(members.len() as u32),
            members: RwSignal::new(members),
            leader: text(&form.group_leader),
        }
    }

    /// The form as typed (tracked: a memo of it re-checks on every keystroke).
    fn form(&self, today: NaiveDate) -> TripForm {
        let start = self.start.get();
        let status = shared::doc::dossier::parse_status(&self.status.get())
            .unwrap_or_else(|| default_status(&start, today));
        TripForm {
            end: self.end.get(),
            host_name: self.host_name.get(),
            host_id: self.host_id.get(),
            host_level: self.host_level.get(),
            content_type: self.content_type.get(),
            topic: self.topic.get(),
            notes: self.notes.get(),
            thematic: self.thematic.get(),
            three_together: self.three_together.get(),
            invitation_only: self.invitation_only.get(),
            basis: Basis::parse(&self.basis.get()).unwrap_or_default(),
            status,
            outline_title: self.outline_title.get(),
            outline_text: self.outline_text.get(),
            group: self.members.get().iter().map(MemberRow::get).collect(),
            group_leader: self.leader.get(),
            start,
        }
    }

    fn add_member(&self, m: MemberForm) {
        let key = self.next_key.get_untracked();
        self.next_key.set(key + 1);
        self.members.update(|v| v.push(MemberRow::new(key, &m)));
    }
}

/// Hosts this cadre recorded before, for the picker: the directory's units come first
/// when the device has the directory.
fn host_choices(store: LocalStore) -> Signal<Vec<Choice>> {
    Signal::derive(move || {
        let mut out: Vec<Choice> = store.directory.with(|d| {
            d.as_ref()
                .map(|d| {
                    d.units()
                        .iter()
                        .map(|u| Choice {
                            id: u.id.clone(),
                            name: u.name.clone(),
                            level: u.level.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        store.docs.with(|d| {
            if let Loaded::Ready(d) = d {
                out.extend(d.trips().map(|(_, t)| Choice {
                    id: t.trip.host.id.clone().unwrap_or_default(),
                    name: t.trip.host.name.clone(),
                    level: t.trip.host.level.clone(),
                }));
                out.extend(d.meetings().map(|(_, m)| Choice {
                    id: m.meeting.unit.id.clone().unwrap_or_default(),
                    name: m.meeting.unit.name.clone(),
                    level: m.meeting.unit.level.clone(),
                }));
            }
        });
        out
    })
}

#[component]
pub fn NewTripPage() -> impl IntoView {
    set_title("Ghi chuyến đi");
    let store = use_local_store();
    view! {
        <h1>"Ghi chuyến đi mới"</h1>
        {move || store.docs.with(not_ready)}
        <TripFormView existing=None />
    }
}

#[component]
pub fn EditTripPage() -> impl IntoView {
    set_title("Sửa chuyến đi");
    let store = use_local_store();
    let params = use_params_map();
    // The trip as the form opens it, taken once: a sync arriving while the person types
    // must not reset the form (and its changes are kept on save: TripForm::rebase).
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
        <h1>"Sửa chuyến đi"</h1>
        {move || store.docs.with(not_ready)}
        {move || match opened.get() {
            Some(Some(record)) => view! { <TripFormView existing=Some(record) /> }.into_any(),
            Some(None) => view! { <p class="error">"Không tìm thấy chuyến đi này trên máy."</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// Which fields have problems, for `aria-invalid`, the messages and the first focus.
fn message(
    checked: Memo<Checked>,
    shown: RwSignal<bool>,
    value: impl Fn() -> bool + Send + Sync + 'static,
    field: &'static str,
) -> Message {
    Signal::derive(move || {
        if !(shown.get() || value()) {
            return None;
        }
        checked.with(|c| c.for_field(field).map(str::to_owned))
    })
}

#[component]
fn TripFormView(existing: Option<TripRecord>) -> AnyView {
    let store = use_local_store();
    let navigate = use_navigate();
    let today = move || store.today.get().unwrap_or_default();
    let id = existing.as_ref().map(|r| r.id().to_owned());
    let base = existing.as_ref().map(TripForm::of);
    let fields = TripFields::new(&base.clone().unwrap_or_default(), existing.is_some());
    let year = move || parse_day(&fields.start.get()).map_or_else(|| today().year(), |d| d.year());
    let policy = Memo::new(move |_| policy_view::policy(store, year()));
    // The content type decides whether the trip is thematic.
    Effect::new(move |prev: Option<String>| {
        let code = fields.content_type.get();
        // Only a change made here: an edited trip keeps its stored flag until then.
        if prev.as_ref().is_some_and(|p| *p != code) {
            let thematic = policy.with_untracked(|p| {
                p.as_ref()
                    .and_then(|p| p.content_type(&code))
                    .is_some_and(|c| c.thematic)
            });
            fields.thematic.set(thematic);
        }
        code
    });
    let existing_for_check = existing.clone();
    let check_id = id.clone().unwrap_or_else(|| "moi".to_owned());
    let checked = Memo::new(move |_| {
        let form = fields.form(today());
        let Some(p) = policy.get() else {
            return Checked::default();
        };
        let others: Vec<TripRecord> = store.docs.with(|d| match d {
            Loaded::Ready(d) => d.year(year()).map(|y| y.trips.clone()).unwrap_or_default(),
            _ => Vec::new(),
        });
        let (mut c, _) = check_trip(
            &form,
            &p,
            &others,
            existing_for_check.as_ref(),
            &check_id,
            today(),
        );
        check_trip_edit(&form, existing_for_check.as_ref(), &mut c);
        c
    });
    let shown = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<LocalError>);
    let msg = move |field: &'static str, value: RwSignal<String>| {
        message(
            checked,
            shown,
            move || !value.get().trim().is_empty(),
            field,
        )
    };
    let always = move |field: &'static str| message(checked, shown, || true, field);

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
        let form = fields.form(today());
        let (id, base, navigate) = (id_for_save.clone(), base.clone(), navigate.clone());
        saving.set(true);
        leptos::task::spawn_local(async move {
            let editing = id.is_some();
            match store.save_trip(form, id, base).await {
                Ok(id) => {
                    store
                        .notice
                        .set(Some("Đã lưu chuyến đi trên máy.".to_owned()));
                    let to = if editing {
                        format!("/chuyen-di/{id}")
                    } else {
                        "/chuyen-di".to_owned()
                    };
                    navigate(&to, Default::default());
                }
                Err(e) => failure.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let levels = Signal::derive(move || {
        policy.with(|p| p.as_ref().map(policy_view::levels).unwrap_or_default())
    });
    let content_types = Signal::derive(move || {
        policy.with(|p| {
            p.as_ref()
                .map(policy_view::content_types)
                .unwrap_or_default()
        })
    });
    let status_options = vec![
        (String::new(), "Theo ngày (tự chọn)".to_owned()),
        ("planned".to_owned(), "Dự kiến, chưa đi".to_owned()),
        ("done".to_owned(), "Đã thực hiện".to_owned()),
        (
            "incomplete".to_owned(),
            "Đã đi, chưa hết nội dung".to_owned(),
        ),
    ];
    let basis_options = [Basis::Registration, Basis::Assigned, Basis::AdHoc]
        .into_iter()
        .map(|b| (b.as_str().to_owned(), b.label_vi().to_owned()))
        .collect::<Vec<_>>();
    let warnings = move || {
        checked.with(|c| {
            c.warnings
                .iter()
                .map(|w| view! { <li>{w.message.clone()}</li> })
                .collect_view()
        })
    };
    let summary = move || {
        if let Some(e) = failure.get() {
            return Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any());
        }
        let n = checked.with(|c| c.problems.len());
        (shown.get() && n > 0).then(|| {
            view! { <p class="summary" role="alert">{format!("Chưa lưu: còn {n} mục cần sửa.")}</p> }
                .into_any()
        })
    };
    let members_view = move || {
        let roles = policy.with(|p| p.as_ref().map(policy_view::roles).unwrap_or_default());
        fields
            .members
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, row)| member_row(fields, row, i, roles.clone()))
            .collect_view()
    };
    let add_member = move |_| {
        if fields.members.with_untracked(Vec::len) >= MAX_GROUP {
            return;
        }
        let first = fields.members.with_untracked(Vec::is_empty);
        let me = if first {
            store
                .cadre_code()
                .map(|c| c.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        if first {
            fields.leader.set(me.clone());
        }
        fields.add_member(MemberForm {
            code: me,
            ..MemberForm::default()
        });
    };
    let leader_options = Signal::derive(move || {
        fields
            .members
            .get()
            .iter()
            .map(|m| {
                (
                    m.code.get().trim().to_ascii_uppercase(),
                    format!("{} {}", m.code.get(), m.name.get()),
                )
            })
            .filter(|(c, _)| !c.is_empty())
            .collect::<Vec<_>>()
    });

    view! {
        <form class="card trip-form" on:submit=on_submit novalidate=true>
            <div class="two">
                <DateField label="Ngày bắt đầu" name="start" value=fields.start message=msg("start", fields.start) />
                <DateField label="Ngày kết thúc" name="end" value=fields.end message=msg("end", fields.end) />
            </div>
            {move || {
                view! {
                    <HostPicker
                        label="Đơn vị đến làm việc"
                        name="host_unit"
                        level_name="host_level"
                        host=fields.host_name
                        id=fields.host_id
                        level=fields.host_level
                        choices=host_choices(store)
                        levels=levels.get()
                        message=msg("host_name", fields.host_name)
                        level_message=msg("host_level", fields.host_level)
                    />
                    <SelectField
                        label="Nội dung"
                        name="content_type"
                        value=fields.content_type
                        options=content_types.get()
                        empty="– Chọn nội dung –"
                        message=msg("content_type", fields.content_type)
                    />
                }
            }}
            <SelectField label="Trạng thái" name="status" value=fields.status options=status_options message=always("status") />
            <SelectField label="Căn cứ" name="basis" value=fields.basis options=basis_options />
            <TextField label="Chủ đề" name="topic" value=fields.topic message=msg("topic", fields.topic) placeholder="VD: Khởi nghiệp thanh niên nông thôn" />
            <CheckField label="Chỉ dự theo thư mời" name="invitation_only" checked=fields.invitation_only />
            <Show when=move || fields.thematic.get()>
                <fieldset class="thematic">
                    <legend>"Đi theo chuyên đề"</legend>
                    <CheckField label="Cùng ăn, cùng ở, cùng làm (3 cùng)" name="three_together" checked=fields.three_together />
                    <TextField label="Tên đề cương" name="outline_title" value=fields.outline_title message=msg("outline_title", fields.outline_title) />
                    <TextField label="Nội dung đề cương" name="outline_text" value=fields.outline_text multiline=true message=msg("outline_text", fields.outline_text) />
                    <h2 class="sub">"Nhóm (tối đa 3 người, kể cả đồng chí)"</h2>
                    {members_view}
                    {crate::components::fields::message_view("group", Some(always("group")))}
                    <Show when=move || !fields.members.with(Vec::is_empty)>
                        {move || view! {
                            <SelectField
                                label="Người phụ trách nhóm"
                                name="group_leader"
                                value=fields.leader
                                options=leader_options.get()
                                empty="– Chọn –"
                                message=always("group_leader")
                            />
                        }}
                    </Show>
                    <Show when=move || fields.members.with(Vec::len) < MAX_GROUP>
                        <button type="button" class="secondary" on:click=add_member>"+ Thêm thành viên nhóm"</button>
                    </Show>
                </fieldset>
            </Show>
            <TextField label="Ghi chú" name="notes" value=fields.notes multiline=true message=msg("notes", fields.notes) />
            <ul class="warnings" aria-live="polite">{warnings}</ul>
            {summary}
            <button type="submit" disabled=move || !store.hydrated.get() || saving.get() || store.cadre_code().is_none()>
                {move || if saving.get() { "Đang lưu…" } else { "Lưu chuyến đi" }}
            </button>
        </form>
    }
    .into_any()
}

fn member_row(
    fields: TripFields,
    row: MemberRow,
    i: usize,
    roles: Vec<(String, String)>,
) -> AnyView {
    let n = i + 1;
    let id = |what: &str| format!("f-member-{what}-{n}");
    let remove = move |_| {
        fields.members.update(|v| v.retain(|r| r.key != row.key));
    };
    view! {
        <div class="member" data-member=n>
            <div class="two">
                <div class="field">
                    <label for=id("code")>{format!("Mã cán bộ ({n})")}</label>
                    <input type="text" id=id("code") name=format!("member_code_{n}") autocomplete="off"
                        prop:value=move || row.code.get()
                        on:input:target=move |ev| row.code.set(ev.target().value()) />
                </div>
                <div class="field">
                    <label for=id("name")>{format!("Họ tên ({n})")}</label>
                    <input type="text" id=id("name") name=format!("member_name_{n}") autocomplete="off"
                        prop:value=move || row.name.get()
                        on:input:target=move |ev| row.name.set(ev.target().value()) />
                </div>
            </div>
            <div class="field">
                <label for=id("role")>{format!("Chức danh ({n})")}</label>
                <select id=id("role") name=format!("member_role_{n}")
                    prop:value=move || row.role.get()
                    on:change:target=move |ev| row.role.set(ev.target().value())>
                    <option value="">"– Chọn –"</option>
                    {roles.into_iter().map(|(c, l)| {
                        let selected = c == row.role.get_untracked();
                        view! { <option value=c selected=selected>{l}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=id("task")>{format!("Nhiệm vụ ({n})")}</label>
                <input type="text" id=id("task") name=format!("member_task_{n}") autocomplete="off"
                    prop:value=move || row.task.get()
                    on:input:target=move |ev| row.task.set(ev.target().value()) />
            </div>
            <button type="button" class="link" on:click=remove>{format!("Bỏ thành viên {n}")}</button>
        </div>
    }
    .into_any()
}

/// Moves the focus to a field that has a problem (its box is `f-<name>`).
pub fn focus(field: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let name = match field {
            "host_name" => "host_unit",
            "group" => "member-code-1",
            other => other,
        };
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("f-{name}")))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = field;
}
