//! The host unit (đơn vị cơ sở) of a trip or a meeting: typed, or picked from a list
//! searched as one types, offline: the directory's units when the device has the
//! province's directory, and the units this cadre has already recorded. Search ignores
//! tones and case; the list is in Vietnamese order (`shared::text`).

use super::fields::{Message, SelectField};
use leptos::prelude::*;
use shared::text;

/// A unit one can pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The directory's id; empty for a unit only typed before.
    pub id: String,
    pub name: String,
    pub level: String,
}

/// At most this many suggestions under the box.
const SHOWN: usize = 8;

/// The choices matching `query`, best first: Vietnamese order of the names.
pub fn suggestions(choices: &[Choice], query: &str) -> Vec<Choice> {
    if query.trim().is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<Choice> = choices
        .iter()
        .filter(|c| text::matches(&c.name, query))
        .cloned()
        .collect();
    text::sort_by_name(&mut hits, |c| &c.name);
    hits.dedup_by(|a, b| a.name == b.name && a.level == b.level);
    hits.truncate(SHOWN);
    hits
}

/// The unit's name (with suggestions), and its level (set when a suggestion is picked,
/// chosen by hand otherwise). `id` is the directory's id of a picked unit, emptied as
/// soon as the name is edited by hand.
#[component]
pub fn HostPicker(
    label: &'static str,
    /// Field names: the name box, the level select.
    name: &'static str,
    level_name: &'static str,
    host: RwSignal<String>,
    id: RwSignal<String>,
    level: RwSignal<String>,
    choices: Signal<Vec<Choice>>,
    levels: Vec<(String, String)>,
    #[prop(optional)] message: Option<Message>,
    #[prop(optional)] level_message: Option<Message>,
) -> AnyView {
    let open = RwSignal::new(false);
    let hits = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        choices.with(|c| host.with(|q| suggestions(c, q)))
    });
    let pick = move |c: Choice| {
        host.set(c.name);
        id.set(c.id);
        if !c.level.is_empty() {
            level.set(c.level);
        }
        open.set(false);
    };
    let list_id = format!("s-{name}");
    let level_names = levels.clone();
    view! {
        <div class="field picker-field">
            <label for=format!("f-{name}")>{label}</label>
            <input
                type="text"
                id=format!("f-{name}")
                name=name
                autocomplete="off"
                placeholder="Gõ để tìm, VD: vinh hoa"
                aria-describedby=format!("m-{name}")
                aria-controls=list_id.clone()
                aria-invalid=move || message.and_then(|m| m.get()).is_some().then_some("true")
                prop:value=move || host.get()
                on:input:target=move |ev| {
                    host.set(ev.target().value());
                    id.set(String::new());
                    open.set(true);
                }
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            />
            <ul class="suggestions" id=list_id aria-label="Đơn vị gợi ý">
                {move || {
                    hits.get()
                        .into_iter()
                        .map(|c| {
                            let level_label = level_names
                                .iter()
                                .find(|(id, _)| *id == c.level)
                                .map_or_else(|| c.level.clone(), |(_, l)| l.clone());
                            let shown = c.clone();
                            view! {
                                <li>
                                    <button type="button" on:click=move |_| pick(c.clone())>
                                        {shown.name}
                                        <span class="muted">{format!(" · {level_label}")}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            {super::fields::message_view(name, message)}
        </div>
        <SelectField
            label="Cấp của đơn vị"
            name=level_name
            value=level
            options=levels
            empty="– Chọn cấp –"
            message=level_message.unwrap_or_else(|| Signal::derive(|| None))
        />
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(name: &str, level: &str) -> Choice {
        Choice {
            id: String::new(),
            name: name.into(),
            level: level.into(),
        }
    }

    /// Issue 9: the host list is searched without tones and shown in Vietnamese order.
    #[test]
    fn suggestions_ignore_tones_and_sort_in_vietnamese_order() {
        let all = [
            choice("Đoàn xã Vĩnh Hòa", "co-so"),
            choice("Huyện đoàn An Biên", "huyen"),
            choice("Chi đoàn ấp Vĩnh Hưng", "chi-doan"),
            choice("Đoàn xã Vĩnh Hòa", "co-so"),
            choice("Đoàn xã Mỹ Lâm", "co-so"),
        ];
        let names =
            |q: &str| -> Vec<String> { suggestions(&all, q).into_iter().map(|c| c.name).collect() };
        assert_eq!(names("vinh"), ["Chi đoàn ấp Vĩnh Hưng", "Đoàn xã Vĩnh Hòa"]);
        assert_eq!(names("DOAN XA"), ["Đoàn xã Mỹ Lâm", "Đoàn xã Vĩnh Hòa"]);
        assert!(names("").is_empty());
        assert!(names("rach gia").is_empty());
    }
}
