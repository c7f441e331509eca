//! The policy the device applies, and the bits of it the pages show.
//!
//! The policy of a year is the province directory's (`shared::assemble::policy_for`);
//! until the device has a directory, the reference policy (Kiên Giang 06-HD/TĐTN-BTCKT,
//! seed 000).

use crate::local::LocalStore;
use leptos::prelude::*;
use shared::policy::Policy;

/// The policy of `year` on this device (tracks the directory: a new snapshot re-renders).
pub fn policy(store: LocalStore, year: i32) -> Option<Policy> {
    store
        .directory
        .with(|d| shared::assemble::policy_for(d.as_deref(), year).cloned())
}

/// (code, "code. label") of every content type the policy knows, in its order.
pub fn content_types(policy: &Policy) -> Vec<(String, String)> {
    policy
        .content_types
        .iter()
        .map(|c| (c.code.clone(), format!("{}. {}", c.code, c.label_vi)))
        .collect()
}

pub fn content_type_label(policy: &Policy, code: &str) -> String {
    policy
        .content_type(code)
        .map_or_else(|| code.to_owned(), |c| format!("{code}. {}", c.label_vi))
}

/// (id, Vietnamese label) of the policy's levels, highest first.
pub fn levels(policy: &Policy) -> Vec<(String, String)> {
    policy
        .levels
        .iter()
        .map(|l| (l.id.clone(), l.label_vi.clone()))
        .collect()
}

pub fn level_label(policy: &Policy, id: &str) -> String {
    policy
        .level(id)
        .map_or_else(|| id.to_owned(), |l| l.label_vi.clone())
}

/// (code, label) of the roles a group member may have.
pub fn roles(policy: &Policy) -> Vec<(String, String)> {
    policy
        .roles
        .iter()
        .filter(|r| !r.exempt)
        .map(|r| (r.code.clone(), r.label_vi.clone()))
        .collect()
}

/// Today on this device (the browser's clock, local time); on the server, 1970-01-01:
/// nothing the server renders may depend on the date.
pub fn today() -> chrono::NaiveDate {
    #[cfg(feature = "hydrate")]
    {
        let now = js_sys::Date::new_0();
        chrono::NaiveDate::from_ymd_opt(
            now.get_full_year() as i32,
            now.get_month() + 1,
            now.get_date(),
        )
        .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::NaiveDate::default()
    }
}
