//! What is typed in the office's decision forms ([`super::decide`]), kept by the
//! cadre-year's page so that a redraw does not lose it.

use leptos::prelude::*;
use std::collections::HashMap;

/// What has been typed in the page's forms, by field id: kept by the page, so that a
/// redraw (a sync bringing someone else's decision, a decision taken in another form)
/// does not wipe a half-typed remark. A form's fields are forgotten once it is written.
#[derive(Clone, Copy)]
pub(super) struct Drafts(StoredValue<HashMap<String, String>>);

impl Drafts {
    /// The page's drafts, for its forms to find.
    pub(super) fn provide() {
        provide_context(Drafts(StoredValue::new(HashMap::new())));
    }

    pub(super) fn get() -> Drafts {
        use_context().unwrap_or_else(|| Drafts(StoredValue::new(HashMap::new())))
    }

    /// The field `id`: what was typed there before a redraw, kept as it changes.
    fn field(self, id: &str) -> RwSignal<String> {
        let typed = self
            .0
            .with_value(|m| m.get(id).cloned())
            .unwrap_or_default();
        let value = RwSignal::new(typed);
        let id = id.to_owned();
        Effect::new(move |_| {
            let typed = value.get();
            self.0.update_value(|m| {
                m.insert(id.clone(), typed);
            });
        });
        value
    }

    pub(super) fn forget(self, ids: &[String]) {
        self.0.update_value(|m| m.retain(|k, _| !ids.contains(k)));
    }
}

/// The fields `ids` of one form, each with what was typed before a redraw.
pub(super) fn fields<const N: usize>(ids: [String; N]) -> ([RwSignal<String>; N], Vec<String>) {
    let drafts = Drafts::get();
    (ids.clone().map(|id| drafts.field(&id)), ids.to_vec())
}
