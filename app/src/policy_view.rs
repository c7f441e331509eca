//! The policy the app applies on this device, and the bits of it the pages show.
//!
//! Until the province directory syncs a policy to the phone, the app applies the reference
//! policy (Kiên Giang 06-HD/TĐTN-BTCKT, seed 000).

use shared::policy::Policy;
use std::sync::OnceLock;

pub const DEFAULT_POLICY_ID: &str = "kien-giang-2023";

pub fn policy() -> Option<&'static Policy> {
    static POLICY: OnceLock<Option<Policy>> = OnceLock::new();
    POLICY
        .get_or_init(|| Policy::preset(DEFAULT_POLICY_ID))
        .as_ref()
}

/// (code, Vietnamese label) of every content type the policy knows, in its order.
pub fn content_types() -> Vec<(String, String)> {
    policy()
        .map(|p| {
            p.content_types
                .iter()
                .map(|c| (c.code.clone(), c.label_vi.clone()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn content_type_codes() -> Vec<&'static str> {
    policy()
        .map(|p| p.content_types.iter().map(|c| c.code.as_str()).collect())
        .unwrap_or_default()
}

pub fn content_type_label(code: &str) -> Option<&'static str> {
    policy()?.content_type(code).map(|c| c.label_vi.as_str())
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

/// (id, Vietnamese label) of the policy's levels, highest first.
pub fn levels() -> Vec<(String, String)> {
    policy()
        .map(|p| {
            p.levels
                .iter()
                .map(|l| (l.id.clone(), l.label_vi.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The minimum of days at the base a year (D1).
pub fn minimum_days() -> Option<u32> {
    policy().map(|p| p.days.minimum)
}
