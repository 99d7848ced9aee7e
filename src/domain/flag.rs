//! What the review queue can show a supervisor about a person, how urgent
//! each kind is, and what raises it. A flag informs people and never
//! changes a decision: only a supervisor turns a concern into a measure.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a flag is about; stored, shown and counted as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The urgent (safeguarding) option was chosen by a caller with no
    /// measure in force (or not on record).
    UrgentCall,
    /// The urgent option was chosen by a caller with measures in force:
    /// either a safeguarding call to follow up, or the option misused.
    UrgentUnderMeasures,
    /// Calls kept coming while diverted or blocked.
    RepeatedWhileDiverted,
    /// More contacts in a day than the service thinks usual.
    VeryFrequentContact,
    /// More contacts in seven days than the service thinks usual.
    WeeklyContact,
    /// One enquiry answered by several advisors in a short time
    /// ("checking whether different advisors give the same advice").
    SeveralAdvisors,
    /// One enquiry pursued on several channels at once.
    Scattergun,
    /// A measure whose review is due soon, or past.
    ReviewDue,
}

impl FlagKind {
    pub const ALL: [FlagKind; 8] = [
        FlagKind::UrgentCall,
        FlagKind::UrgentUnderMeasures,
        FlagKind::RepeatedWhileDiverted,
        FlagKind::VeryFrequentContact,
        FlagKind::WeeklyContact,
        FlagKind::SeveralAdvisors,
        FlagKind::Scattergun,
        FlagKind::ReviewDue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::UrgentCall => "urgent_call",
            FlagKind::UrgentUnderMeasures => "urgent_under_measures",
            FlagKind::RepeatedWhileDiverted => "repeated_while_diverted",
            FlagKind::VeryFrequentContact => "very_frequent_contact",
            FlagKind::WeeklyContact => "weekly_contact",
            FlagKind::SeveralAdvisors => "several_advisors",
            FlagKind::Scattergun => "scattergun",
            FlagKind::ReviewDue => "review_due",
        }
    }

    /// Its place in [`FlagKind::ALL`], for tables indexed by kind.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a person has one open flag of this kind per enquiry (the
    /// kind is about one enquiry) rather than one in all.
    pub fn is_per_enquiry(self) -> bool {
        matches!(self, FlagKind::SeveralAdvisors | FlagKind::Scattergun)
    }

    /// How soon a supervisor should look, 0 first: the order of the review
    /// queue. A review is more urgent once its date has passed (`overdue`);
    /// for every other kind `overdue` is ignored.
    ///
    /// 0. a caller under measures chose the urgent option, or kept calling
    ///    while diverted or blocked: someone may need help now, or a
    ///    measure is not working;
    /// 1. a review past its date: a measure applied without the review
    ///    the policy promises (it lapses after `review_grace_days`);
    /// 2. an urgent call from someone under no measure, and a review due
    ///    within days;
    /// 3. patterns worth a conversation: several advisors, several
    ///    channels, very frequent contact.
    pub fn urgency(self, overdue: bool) -> Urgency {
        match self {
            FlagKind::UrgentUnderMeasures | FlagKind::RepeatedWhileDiverted => Urgency::Now,
            FlagKind::ReviewDue if overdue => Urgency::Overdue,
            FlagKind::UrgentCall | FlagKind::ReviewDue => Urgency::Soon,
            FlagKind::SeveralAdvisors
            | FlagKind::Scattergun
            | FlagKind::WeeklyContact
            | FlagKind::VeryFrequentContact => Urgency::Pattern,
        }
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How soon a supervisor should look at an item of the review queue, most
/// urgent first (see [`FlagKind::urgency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Now,
    Overdue,
    Soon,
    Pattern,
}

/// Where a flag stands: open until a supervisor dismisses it (nothing to
/// act on) or resolves it (acted on: called back, a measure agreed, the
/// measure reviewed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagStatus {
    Open,
    Dismissed,
    Resolved,
}

impl FlagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::Open => "open",
            FlagStatus::Dismissed => "dismissed",
            FlagStatus::Resolved => "resolved",
        }
    }
}

/// What raises each kind; built from the settings (`flag_*`). A count of
/// 0 turns its kind off. Review dates have no off switch: the policy
/// promises every measure is reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagThresholds {
    /// Contacts in a local day, on any channel, that raise
    /// `very_frequent_contact` (reached, not exceeded, as before).
    pub daily_contacts: u32,
    /// Contacts in the last seven days, on any channel, that the person
    /// must exceed to raise `weekly_contact`.
    pub weekly_contacts: u32,
    /// Calls diverted or blocked in a local day, the latest of them
    /// included, that raise `repeated_while_diverted`.
    pub turned_away_calls: u32,
    /// Answered contacts on one enquiry, within `advisors_days`, that
    /// raise `several_advisors` when `advisors_distinct` advisors answered.
    pub advisors_contacts: u32,
    pub advisors_distinct: u32,
    pub advisors_days: u32,
    /// Channels one enquiry is raised on within `scattergun_hours` that
    /// raise `scattergun`.
    pub scattergun_channels: u32,
    pub scattergun_hours: u32,
    /// Days before a measure's review date that raise `review_due`.
    pub review_due_days: u32,
}

impl Default for FlagThresholds {
    fn default() -> Self {
        FlagThresholds {
            daily_contacts: 8,
            weekly_contacts: 20,
            turned_away_calls: 3,
            advisors_contacts: 3,
            advisors_distinct: 2,
            advisors_days: 14,
            scattergun_channels: 2,
            scattergun_hours: 48,
            review_due_days: 7,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_in_order_and_serialised_as_its_name() {
        for (i, kind) in FlagKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
    }

    #[test]
    fn urgent_calls_under_measures_come_before_overdue_reviews_before_patterns() {
        use FlagKind::*;
        assert!(UrgentUnderMeasures.urgency(false) < ReviewDue.urgency(true));
        assert_eq!(
            RepeatedWhileDiverted.urgency(false),
            UrgentUnderMeasures.urgency(false)
        );
        assert!(ReviewDue.urgency(true) < ReviewDue.urgency(false));
        assert!(ReviewDue.urgency(false) < WeeklyContact.urgency(false));
        assert!(UrgentCall.urgency(false) < Scattergun.urgency(false));
        assert_eq!(WeeklyContact.urgency(true), Urgency::Pattern);
    }
}
