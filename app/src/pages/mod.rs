//! One page per file, a folder per area once it has several.

pub mod admin;
pub mod host;
pub mod login;
pub mod meetings;
pub mod not_found;
pub mod office;
pub mod registrations;
pub mod sync_page;
pub mod trips;
pub mod year;
