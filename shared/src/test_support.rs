//! Builders shared by the unit tests of several modules.

use crate::doc::{Basis, TripRecord};
use crate::dossier::{Approval, HostUnit, Trip, TripStatus};
use chrono::NaiveDate;

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("test date {s}: {e}"))
}

/// A carried-out one-week trip to a base unit, as the app stores it.
pub fn trip_record(id: &str) -> TripRecord {
    TripRecord {
        trip: Trip {
            start: day("2027-03-02"),
            end: day("2027-03-06"),
            id: Some(id.into()),
            host: HostUnit {
                id: None,
                name: "Đoàn xã Vĩnh Hòa".into(),
                level: "co-so".into(),
            },
            content_type: "3.2".into(),
            topic: None,
            thematic: false,
            outline_approved: false,
            three_together: false,
            approval: Approval::Registered,
            invitation_only: false,
            status: TripStatus::Done,
            confirmation: None,
            report: None,
            difficulty_solved: None,
            outline: None,
            group: None,
            notes: None,
        },
        basis: Basis::Registration,
        created_at: 1_000,
        host_level_known: true,
    }
}
