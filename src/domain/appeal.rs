//! Appeals and complaints about how the policy was applied: what a decision
//! may be, and who may make it ("a senior member of staff who was not
//! involved in the original decision").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    /// The measure stands as it is.
    Upheld,
    /// The measure was changed; the decision points at the change.
    Changed,
    /// The measure ends.
    Ended,
}

impl AppealOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AppealOutcome::Upheld => "upheld",
            AppealOutcome::Changed => "changed",
            AppealOutcome::Ended => "ended",
        }
    }
}

/// Whether `decider` may decide an appeal about a measure that `involved`
/// recorded or last changed. Names are compared exactly: they are key
/// names (and, with staff accounts, user names), unique each.
pub fn independent_of<'a>(decider: &str, mut involved: impl Iterator<Item = &'a str>) -> bool {
    involved.all(|name| name != decider)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The policy's safeguard: whoever recorded or last changed the
        /// measure never decides the appeal about it.
        #[test]
        fn an_appeal_is_never_decided_by_someone_involved(
            involved in prop::collection::vec("[a-z]{1,8}", 1..4),
            pick in any::<prop::sample::Index>(),
        ) {
            let decider = pick.get(&involved).clone();
            prop_assert!(!independent_of(&decider, involved.iter().map(String::as_str)));
        }

        #[test]
        fn anyone_else_may_decide(
            involved in prop::collection::vec("[a-z]{1,8}", 0..4),
            decider in "[A-Z]{1,8}",
        ) {
            prop_assert!(independent_of(&decider, involved.iter().map(String::as_str)));
        }
    }
}
