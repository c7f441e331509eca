//! Stable ids of the rules: they appear in verdicts (a public format).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable ids of the rules. They appear in verdicts (a public format): never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    /// The cadre's level or job is outside the policy's scope.
    Scope,
    /// An exemption applies.
    Exemption,
    /// A claimed exemption does not meet its conditions.
    ExemptionNotApplicable,
    /// Registration for a period missing.
    RegistrationMissing,
    /// Registration submitted after the deadline.
    RegistrationLate,
    /// Registration rejected.
    RegistrationRejected,
    /// D1: minimum days.
    DaysMinimum,
    /// D2: minimum thematic trips.
    ThematicMinimum,
    /// Coverage of levels.
    CoverageLevel,
    /// Chi đoàn meeting attended.
    CoverageChiDoan,
    /// A chi đoàn meeting attended only on invitation, which does not count.
    ChiDoanInvitationOnly,
    /// A trip not registered and approved (nor assigned / decided ad hoc).
    TripNotApproved,
    /// A trip without a valid host confirmation.
    TripUnconfirmed,
    /// A trip's report missing.
    ReportMissing,
    /// A trip's report late.
    ReportLate,
    /// The head judged a trip's purpose not met.
    PurposeNotMet,
    /// Approved content not completed and a written reminder received.
    ContentIncompleteReminded,
    /// Approved content not completed (no reminder yet).
    ContentIncomplete,
    /// A trip attended only on invitation.
    TripInvitationOnly,
    /// A trip whose content type does not count.
    TripContentNotCounted,
    /// A trip of a content type that needs an assignment, without one.
    TripNeedsAssignment,
    /// Days outside the evaluated year.
    TripOutsideYear,
    /// A trip to a host of the cadre's own level or above, whose days do not count.
    TripOwnLevel,
    /// A trip whose host's level is not known (a trip from an older app).
    TripLevelUnknown,
    /// A thematic trip too short or too long.
    ThematicLength,
    /// A thematic trip without "3 cùng".
    ThematicThreeTogether,
    /// A thematic trip without an approved outline.
    ThematicOutline,
    /// A thematic trip right after another.
    ThematicConsecutive,
    /// A group thematic trip too large, or not led as the policy requires.
    ThematicGroup,
    /// Xuất sắc reached.
    Excellent,
    /// No thematic trip with evidence of solving a long-standing difficulty.
    ExcellenceEvidence,
    /// Thematic report score below the excellence threshold.
    ExcellenceScore,
    /// The forecast during the year.
    Forecast,
}

impl RuleId {
    pub const ALL: [RuleId; 33] = [
        RuleId::Scope,
        RuleId::Exemption,
        RuleId::ExemptionNotApplicable,
        RuleId::RegistrationMissing,
        RuleId::RegistrationLate,
        RuleId::RegistrationRejected,
        RuleId::DaysMinimum,
        RuleId::ThematicMinimum,
        RuleId::CoverageLevel,
        RuleId::CoverageChiDoan,
        RuleId::ChiDoanInvitationOnly,
        RuleId::TripNotApproved,
        RuleId::TripUnconfirmed,
        RuleId::ReportMissing,
        RuleId::ReportLate,
        RuleId::PurposeNotMet,
        RuleId::ContentIncompleteReminded,
        RuleId::ContentIncomplete,
        RuleId::TripInvitationOnly,
        RuleId::TripContentNotCounted,
        RuleId::TripNeedsAssignment,
        RuleId::TripOutsideYear,
        RuleId::TripOwnLevel,
        RuleId::TripLevelUnknown,
        RuleId::ThematicLength,
        RuleId::ThematicThreeTogether,
        RuleId::ThematicOutline,
        RuleId::ThematicConsecutive,
        RuleId::ThematicGroup,
        RuleId::Excellent,
        RuleId::ExcellenceEvidence,
        RuleId::ExcellenceScore,
        RuleId::Forecast,
    ];

    /// The id as written in JSON ("days-minimum").
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::Scope => "scope",
            RuleId::Exemption => "exemption",
            RuleId::ExemptionNotApplicable => "exemption-not-applicable",
            RuleId::RegistrationMissing => "registration-missing",
            RuleId::RegistrationLate => "registration-late",
            RuleId::RegistrationRejected => "registration-rejected",
            RuleId::DaysMinimum => "days-minimum",
            RuleId::ThematicMinimum => "thematic-minimum",
            RuleId::CoverageLevel => "coverage-level",
            RuleId::CoverageChiDoan => "coverage-chi-doan",
            RuleId::ChiDoanInvitationOnly => "chi-doan-invitation-only",
            RuleId::TripNotApproved => "trip-not-approved",
            RuleId::TripUnconfirmed => "trip-unconfirmed",
            RuleId::ReportMissing => "report-missing",
            RuleId::ReportLate => "report-late",
            RuleId::PurposeNotMet => "purpose-not-met",
            RuleId::ContentIncompleteReminded => "content-incomplete-reminded",
            RuleId::ContentIncomplete => "content-incomplete",
            RuleId::TripInvitationOnly => "trip-invitation-only",
            RuleId::TripContentNotCounted => "trip-content-not-counted",
            RuleId::TripNeedsAssignment => "trip-needs-assignment",
            RuleId::TripOutsideYear => "trip-outside-year",
            RuleId::TripOwnLevel => "trip-own-level",
            RuleId::TripLevelUnknown => "trip-level-unknown",
            RuleId::ThematicLength => "thematic-length",
            RuleId::ThematicThreeTogether => "thematic-three-together",
            RuleId::ThematicOutline => "thematic-outline",
            RuleId::ThematicConsecutive => "thematic-consecutive",
            RuleId::ThematicGroup => "thematic-group",
            RuleId::Excellent => "excellent",
            RuleId::ExcellenceEvidence => "excellence-evidence",
            RuleId::ExcellenceScore => "excellence-score",
            RuleId::Forecast => "forecast",
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
