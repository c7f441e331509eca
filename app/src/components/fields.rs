//! Form fields: a label on every input, the check's message right under its field
//! (linked with `aria-describedby`), and dates typed and shown as dd/mm/yyyy.
//!
//! **Dates.** Chromium draws `<input type=date>` in the browser's locale, not the page's:
//! on a phone set to English it shows mm/dd/yyyy, and 03/04 becomes the 4th of March on
//! one phone and the 3rd of April on another. So a date is a text box that takes and
//! shows dd/mm/yyyy (a typed `2026-03-04` is accepted and rewritten), with a button that
//! opens the browser's own calendar (a hidden date input, `showPicker()`) for those who
//! prefer to tap: its choice comes back as dd/mm/yyyy. What the app prints is always
//! dd/mm/yyyy, whatever the phone's language.

use leptos::prelude::*;
use shared::verdict::fmt_day;

/// A field's check message, reactive; `None` when the field is fine (or not yet
/// touched).
pub type Message = Signal<Option<String>>;

fn field_id(name: &str) -> String {
    format!("f-{name}")
}

fn message_id(name: &str) -> String {
    format!("m-{name}")
}

/// The message under a field (empty and invisible when there is none).
pub fn message_view(name: &'static str, message: Option<Message>) -> impl IntoView {
    let text = move || message.and_then(|m| m.get()).unwrap_or_default();
    let class = move || {
        if message.and_then(|m| m.get()).is_some() {
            "field-error error"
        } else {
            "field-error"
        }
    };
    view! { <span class=class id=message_id(name)>{text}</span> }
}

fn invalid(message: Option<Message>) -> impl Fn() -> Option<&'static str> + Copy {
    move || message.and_then(|m| m.get()).is_some().then_some("true")
}

/// A one-line text box (or a multi-line one).
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] message: Option<Message>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] multiline: bool,
    /// Digits only (the phone shows its number pad).
    #[prop(optional)]
    numeric: bool,
) -> AnyView {
    let input = if multiline {
        view! {
            <textarea
                id=field_id(name)
                name=name
                rows="4"
                placeholder=placeholder
                aria-describedby=message_id(name)
                aria-invalid=invalid(message)
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                type="text"
                id=field_id(name)
                name=name
                placeholder=placeholder
                inputmode=numeric.then_some("numeric")
                autocomplete="off"
                aria-describedby=message_id(name)
                aria-invalid=invalid(message)
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=field_id(name)>{label}</label>
            {input}
            {message_view(name, message)}
        </div>
    }
    .into_any()
}

/// A choice among `options` (value, label).
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    #[prop(optional)] message: Option<Message>,
    /// The first, empty option ("– Chọn –"), if any.
    #[prop(optional)]
    empty: Option<&'static str>,
) -> AnyView {
    view! {
        <div class="field">
            <label for=field_id(name)>{label}</label>
            <select
                id=field_id(name)
                name=name
                aria-describedby=message_id(name)
                aria-invalid=invalid(message)
                prop:value=move || value.get()
                on:change:target=move |ev| value.set(ev.target().value())
            >
                {empty.map(|e| view! { <option value="">{e}</option> })}
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v == value.get_untracked();
                        view! { <option value=v selected=selected>{l}</option> }
                    })
                    .collect_view()}
            </select>
            {message_view(name, message)}
        </div>
    }
    .into_any()
}

/// A yes/no box with its label beside it.
#[component]
pub fn CheckField(
    label: &'static str,
    name: &'static str,
    checked: RwSignal<bool>,
    #[prop(optional)] message: Option<Message>,
) -> AnyView {
    view! {
        <div class="field check">
            <input
                type="checkbox"
                id=field_id(name)
                name=name
                aria-describedby=message_id(name)
                prop:checked=move || checked.get()
                on:change:target=move |ev| checked.set(ev.target().checked())
            />
            <label for=field_id(name)>{label}</label>
            {message_view(name, message)}
        </div>
    }
    .into_any()
}

/// `text` rewritten as dd/mm/yyyy when it is a date, else as typed.
pub fn as_typed_day(text: &str) -> String {
    shared::form::parse_day(text).map_or_else(|| text.to_owned(), fmt_day)
}

/// A date typed as dd/mm/yyyy, with a calendar button (see the module's notes).
#[component]
pub fn DateField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] message: Option<Message>,
) -> AnyView {
    let picker = NodeRef::<leptos::html::Input>::new();
    let open_picker = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = picker.get() {
            if let Some(day) = shared::form::parse_day(&value.get_untracked()) {
                input.set_value(&day.to_string());
            }
            // showPicker() is recent (Chromium 99); without it, focus the box instead.
            let show = js_sys::Reflect::get(&input, &"showPicker".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            match show {
                Some(f) => {
                    let _ = f.call0(&input);
                }
                None => {
                    let _ = input.focus();
                }
            }
        }
    };
    let picked = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        if !chosen.is_empty() {
            value.set(as_typed_day(&chosen));
        }
    };
    view! {
        <div class="field date">
            <label for=field_id(name)>{label}</label>
            <div class="date-row">
                <input
                    type="text"
                    id=field_id(name)
                    name=name
                    inputmode="numeric"
                    placeholder="dd/mm/yyyy"
                    autocomplete="off"
                    maxlength="10"
                    aria-describedby=message_id(name)
                    aria-invalid=invalid(message)
                    prop:value=move || value.get()
                    on:input:target=move |ev| value.set(ev.target().value())
                    on:change:target=move |ev| value.set(as_typed_day(&ev.target().value()))
                />
                <button
                    type="button"
                    class="icon"
                    title="Chọn trên lịch"
                    aria-label=format!("{label}: chọn trên lịch")
                    on:click=open_picker
                >
                    "📅"
                </button>
                <input
                    type="date"
                    class="picker"
                    tabindex="-1"
                    aria-hidden="true"
                    node_ref=picker
                    on:change=picked
                />
            </div>
            {message_view(name, message)}
        </div>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
use wasm_bindgen::JsCast;
