//! One page per file, one per main area.

pub mod admin;
pub mod confirmations;
pub mod login;
pub mod meetings;
pub mod not_found;
pub mod registrations;
pub mod summary;
pub mod trips;
pub mod year;
