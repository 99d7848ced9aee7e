//! The rules a decision names: the reason it gives and every rule that had a
//! say. One enum, so the metrics' labels, the FreeSWITCH branch and the
//! stored record all derive from the same list.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A rule that can settle or shape a call, named as the API and the record
/// spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A live allow number rule: partner agencies always get through.
    AllowRule,
    /// The caller chose the urgent (safeguarding) option.
    Urgent,
    /// Too many calls from one number within seconds.
    Flood,
    /// A live block number rule.
    BlockRule,
    /// The caller withheld their number.
    Withheld,
    /// A block measure in force.
    BlockMeasure,
    /// A call outside the agreed contact windows.
    OutsideContactWindow,
    /// The agreed contact frequency is used up.
    FrequencyLimit,
    /// "Only about open enquiries" and the call names none of theirs.
    NoOpenEnquiry,
    /// "Only new issues" and the call names a closed enquiry.
    ClosedEnquiry,
    /// A style warning in force with a prompt: the caller hears the
    /// reminder, then is put through as usual. Nothing was breached.
    StyleWarning,
    /// The call goes to the agreed advisor.
    SinglePointOfContact,
    /// The call goes to the advisor already handling the open enquiry it
    /// is about, so the caller does not have to explain again.
    AssignedAdvisor,
    /// A measure on record that does not apply (yet, or any more).
    NotInForce,
    /// Nothing restricts the call.
    Default,
    /// fairline could not decide; the call is routed.
    FailOpen,
    /// The call was to a number that is not the helpline's: routed, not
    /// screened, not recorded.
    NotScreened,
}

impl Rule {
    /// Every rule, in the order the decision considers them.
    pub const ALL: [Rule; 17] = [
        Rule::AllowRule,
        Rule::Urgent,
        Rule::Flood,
        Rule::BlockRule,
        Rule::Withheld,
        Rule::BlockMeasure,
        Rule::OutsideContactWindow,
        Rule::FrequencyLimit,
        Rule::NoOpenEnquiry,
        Rule::ClosedEnquiry,
        Rule::StyleWarning,
        Rule::SinglePointOfContact,
        Rule::AssignedAdvisor,
        Rule::NotInForce,
        Rule::Default,
        Rule::FailOpen,
        Rule::NotScreened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AllowRule => "allow_rule",
            Rule::Urgent => "urgent",
            Rule::Flood => "flood",
            Rule::BlockRule => "block_rule",
            Rule::Withheld => "withheld",
            Rule::BlockMeasure => "block_measure",
            Rule::OutsideContactWindow => "outside_contact_window",
            Rule::FrequencyLimit => "frequency_limit",
            Rule::NoOpenEnquiry => "no_open_enquiry",
            Rule::ClosedEnquiry => "closed_enquiry",
            Rule::StyleWarning => "style_warning",
            Rule::SinglePointOfContact => "single_point_of_contact",
            Rule::AssignedAdvisor => "assigned_advisor",
            Rule::NotInForce => "not_in_force",
            Rule::Default => "default",
            Rule::FailOpen => "fail_open",
            Rule::NotScreened => "not_screened",
        }
    }

    /// The rule spelled `name`, as stored or sent.
    pub fn parse(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|rule| rule.as_str() == name)
    }

    /// Whether a measure named under this rule was breached by the call
    /// (rather than noted as not in force, or followed as a single point of
    /// contact): what the register of measures counts as its breaches.
    pub fn is_breach(self) -> bool {
        match self {
            Rule::BlockMeasure
            | Rule::OutsideContactWindow
            | Rule::FrequencyLimit
            | Rule::NoOpenEnquiry
            | Rule::ClosedEnquiry => true,
            // Listed, not `_`, so a new rule is placed here on purpose.
            Rule::AllowRule
            | Rule::Urgent
            | Rule::Flood
            | Rule::BlockRule
            | Rule::Withheld
            // A reminder played to a caller who has done nothing wrong on
            // this call: the register must not count it against them.
            | Rule::StyleWarning
            | Rule::SinglePointOfContact
            | Rule::AssignedAdvisor
            | Rule::NotInForce
            | Rule::Default
            | Rule::FailOpen
            | Rule::NotScreened => false,
        }
    }

    /// Its place in [`Rule::ALL`], for tables indexed by rule.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_listed_once_in_declaration_order() {
        for (i, rule) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(rule.index(), i, "{rule}");
        }
    }

    #[test]
    fn the_name_serde_writes_is_the_name_as_str_gives_and_parse_reads() {
        for rule in Rule::ALL {
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.as_str()));
            assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(Rule::parse("no_such_rule"), None);
    }
}
