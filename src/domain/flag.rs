//! What the review queue can show a supervisor about a person. A flag
//! informs people and never changes a decision: only a supervisor turns a
//! concern into a measure.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a flag is about; stored, shown and counted as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// The urgent (safeguarding) option was chosen.
    UrgentCall,
    /// Calls kept coming while diverted or blocked.
    RepeatedWhileDiverted,
    /// More contacts in a day than the service thinks usual.
    VeryFrequentContact,
    /// A measure is past its review date.
    MeasurePastReview,
}

impl FlagKind {
    pub const ALL: [FlagKind; 4] = [
        FlagKind::UrgentCall,
        FlagKind::RepeatedWhileDiverted,
        FlagKind::VeryFrequentContact,
        FlagKind::MeasurePastReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::UrgentCall => "urgent_call",
            FlagKind::RepeatedWhileDiverted => "repeated_while_diverted",
            FlagKind::VeryFrequentContact => "very_frequent_contact",
            FlagKind::MeasurePastReview => "measure_past_review",
        }
    }

    /// Its place in [`FlagKind::ALL`], for tables indexed by kind.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}
