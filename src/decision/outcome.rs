//! The answer to the PBX: the action, where the call goes, the prompt to
//! play, and every rule that had a say. Built step by step by `decide`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::advisors::{Assigned, SinglePoint};
use super::{Policy, Rule};
use crate::domain::{
    BreachAction, Measure, MeasureId, MeasureKind, NumberRule, NumberRuleId, PbxName,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Route,
    Announce,
    Divert,
    Block,
}

impl Action {
    /// Every action, mildest first.
    pub const ALL: [Action; 4] = [
        Action::Route,
        Action::Announce,
        Action::Divert,
        Action::Block,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Route => "route",
            Action::Announce => "announce",
            Action::Divert => "divert",
            Action::Block => "block",
        }
    }

    /// Whether the caller reached the helpline, so the call counts towards
    /// an agreed frequency.
    pub fn reaches_helpline(self) -> bool {
        matches!(self, Action::Route | Action::Announce)
    }
}

/// One rule that had a say in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleHit {
    pub rule: Rule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_id: Option<MeasureId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_rule_id: Option<NumberRuleId>,
    pub detail: String,
    /// On the rule that diverted the call: the earliest moment the same
    /// caller would be routed (see `next_allowed`). Kept here, in the
    /// recorded rules, so a retried call is answered the same time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_allowed_at: Option<DateTime<Utc>>,
}

impl RuleHit {
    pub fn new(rule: Rule, detail: impl Into<String>) -> Self {
        RuleHit {
            rule,
            measure_id: None,
            number_rule_id: None,
            detail: detail.into(),
            next_allowed_at: None,
        }
    }

    pub(super) fn rule(rule: Rule, number_rule: &NumberRule) -> Self {
        RuleHit {
            number_rule_id: Some(number_rule.id),
            ..RuleHit::new(rule, number_rule.reason.clone())
        }
    }

    fn measure(rule: Rule, measure: &Measure, detail: impl Into<String>) -> Self {
        RuleHit {
            measure_id: Some(measure.id),
            ..RuleHit::new(rule, detail)
        }
    }
}

/// What the PBX is told to do with the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub action: Action,
    pub target: String,
    pub prompt: String,
    pub reason: Rule,
    pub rules: Vec<RuleHit>,
}

impl Decision {
    /// The answer to a call that is not the helpline's (a dialed number not
    /// in `screen_numbers`): the call goes where the PBX would send it
    /// without fairline, and nothing is recorded.
    pub fn not_screened(default_target: &str) -> Self {
        Decision {
            action: Action::Route,
            target: default_target.to_owned(),
            prompt: String::new(),
            reason: Rule::NotScreened,
            rules: vec![RuleHit::new(
                Rule::NotScreened,
                "the dialed number is not one fairline screens",
            )],
        }
    }

    /// When the same caller would next be routed, for a call diverted by a
    /// frequency limit or outside its contact windows; `None` otherwise.
    pub fn next_allowed(&self) -> Option<DateTime<Utc>> {
        self.rules.iter().find_map(|hit| hit.next_allowed_at)
    }

    /// The answer when fairline could not decide: the call goes through.
    pub fn fail_open(default_target: &str) -> Self {
        Decision {
            action: Action::Route,
            target: default_target.to_owned(),
            prompt: String::new(),
            reason: Rule::FailOpen,
            rules: vec![RuleHit::new(
                Rule::FailOpen,
                "fairline could not decide; the call is routed",
            )],
        }
    }
}

/// The rule name a breached measure is reported under, and the prompt it
/// plays when the supervisor named none.
fn breach_rule(kind: &MeasureKind) -> (Rule, &'static str) {
    match kind {
        MeasureKind::Block => (Rule::BlockMeasure, ""),
        MeasureKind::ContactWindows { .. } => {
            (Rule::OutsideContactWindow, "fairline-outside-agreed-times")
        }
        MeasureKind::FrequencyLimit { .. } => {
            (Rule::FrequencyLimit, "fairline-over-agreed-frequency")
        }
        MeasureKind::OpenEnquiriesOnly => (Rule::NoOpenEnquiry, "fairline-open-enquiries-only"),
        MeasureKind::NewIssuesOnly => (Rule::ClosedEnquiry, "fairline-new-issues-only"),
        MeasureKind::SinglePointOfContact { .. } => (Rule::SinglePointOfContact, ""),
        // Never breached (`decide` finds no breach in a first step); named
        // only to keep the match whole, under a rule that is no breach.
        MeasureKind::ChangeRequested { .. }
        | MeasureKind::StyleWarning { .. }
        | MeasureKind::Other { .. } => (Rule::StyleWarning, ""),
    }
}

/// What a breach of `measure` does to the call, with the prompt it plays;
/// `None`: it blocks the call.
pub(super) fn on_breach(measure: &Measure) -> Option<(BreachAction, &str)> {
    if matches!(measure.kind, MeasureKind::Block) {
        return None;
    }
    Some(match &measure.terms.on_breach {
        Some(on_breach) => (on_breach.action, on_breach.prompt.as_str()),
        None => (BreachAction::Divert, breach_rule(&measure.kind).1),
    })
}

pub(super) struct Builder<'p> {
    policy: &'p Policy,
    rules: Vec<RuleHit>,
    blocked: Option<Rule>,
    /// The most severe breach so far: its action, prompt and rule name.
    worst: Option<(BreachAction, String, Rule)>,
    /// The first style warning in force with a prompt: its rule and the
    /// prompt, played when no breach decides the call.
    reminder: Option<(RuleHit, String)>,
}

impl<'p> Builder<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        Builder {
            policy,
            rules: Vec::new(),
            blocked: None,
            worst: None,
            reminder: None,
        }
    }

    fn done(self, action: Action, target: &str, prompt: &str, reason: Rule) -> Decision {
        Decision {
            action,
            target: target.to_owned(),
            prompt: prompt.to_owned(),
            reason,
            rules: self.rules,
        }
    }

    pub fn route(mut self, hit: RuleHit) -> Decision {
        let reason = hit.rule;
        self.rules.push(hit);
        let target = self.policy.default_target.clone();
        self.done(Action::Route, &target, "", reason)
    }

    pub fn route_default(self) -> Decision {
        self.route(RuleHit::new(
            Rule::Default,
            "no measure restricts this call",
        ))
    }

    pub fn urgent(self) -> Decision {
        self.route(RuleHit::new(
            Rule::Urgent,
            "the caller chose the urgent (safeguarding) option",
        ))
    }

    /// A number calling again and again within seconds (a dialler, a
    /// stuck redial) goes to voicemail rather than the advisors' phones.
    pub fn flood(mut self) -> Decision {
        self.rules.push(RuleHit::new(
            Rule::Flood,
            "too many calls from this number in a short time",
        ));
        let target = self.policy.divert_target.clone();
        self.done(Action::Divert, &target, "fairline-flood", Rule::Flood)
    }

    pub fn block_by_rule(mut self, rule: &NumberRule) -> Decision {
        self.rules.push(RuleHit::rule(Rule::BlockRule, rule));
        let prompt = self.policy.block_prompt.clone();
        self.done(Action::Block, "", &prompt, Rule::BlockRule)
    }

    pub fn withheld(mut self) -> Decision {
        let policy = self.policy;
        self.rules.push(RuleHit::new(
            Rule::Withheld,
            "the caller withheld their number",
        ));
        let (target, prompt) = match policy.withheld {
            Action::Route => (policy.default_target.as_str(), ""),
            Action::Announce => (
                policy.default_target.as_str(),
                policy.withheld_prompt.as_str(),
            ),
            Action::Divert => (
                policy.divert_target.as_str(),
                policy.withheld_prompt.as_str(),
            ),
            Action::Block => ("", policy.withheld_prompt.as_str()),
        };
        self.done(policy.withheld, target, prompt, Rule::Withheld)
    }

    /// Records a measure that had no effect, so a supervisor answering a
    /// complaint can see why.
    pub fn note(&mut self, measure: &Measure, rule: Rule, detail: &str) {
        self.rules.push(RuleHit::measure(rule, measure, detail));
    }

    pub fn breach(&mut self, measure: &Measure, detail: String) {
        let (rule, _) = breach_rule(&measure.kind);
        self.rules.push(RuleHit::measure(rule, measure, detail));
        let Some((action, prompt)) = on_breach(measure) else {
            self.blocked.get_or_insert(rule);
            return;
        };
        let worse = self
            .worst
            .as_ref()
            .is_none_or(|(worst, ..)| action.severity() > worst.severity());
        if worse {
            self.worst = Some((action, prompt.to_owned(), rule));
        }
    }

    /// A style warning in force with a prompt: unless a breach decides the
    /// call, the caller hears the reminder and is then put through as a
    /// call without it would be. One reminder a call: the first recorded.
    pub fn remind(&mut self, measure: &Measure, prompt: &PbxName) {
        self.reminder.get_or_insert_with(|| {
            let detail = "a style warning is in force: the caller hears the reminder, \
                          then is put through as usual";
            (
                RuleHit::measure(Rule::StyleWarning, measure, detail),
                prompt.as_str().to_owned(),
            )
        });
    }

    /// Settles a call that got past the number rules: a block, then the
    /// worst breach, then a single point of contact, then the advisor of
    /// the open enquiry the call is about, then the default queue. An
    /// announced call is routed after its prompt as a call without the
    /// breach would be.
    pub fn finish(
        mut self,
        spoc: Option<SinglePoint<'_>>,
        assigned: Option<Result<Assigned<'_>, String>>,
    ) -> Decision {
        let policy = self.policy;
        if let Some(reason) = self.blocked.take() {
            return self.done(Action::Block, "", &policy.block_prompt, reason);
        }
        // A breach has its say first; a style warning's reminder is
        // announced the way an `announce` breach is, to the usual target.
        let worst = self.worst.take().or_else(|| {
            let (hit, prompt) = self.reminder.take()?;
            self.rules.push(hit);
            Some((BreachAction::Announce, prompt, Rule::StyleWarning))
        });
        let mut target = policy.default_target.as_str();
        let agreed = spoc.is_some();
        if let Some(spoc) = spoc {
            self.rules.push(RuleHit::measure(
                Rule::SinglePointOfContact,
                spoc.measure,
                spoc.detail,
            ));
            target = spoc.target.map_or(target, PbxName::as_str);
        }
        match (worst, assigned) {
            (Some((BreachAction::Divert, prompt, reason)), _) => {
                self.done(Action::Divert, &policy.divert_target, &prompt, reason)
            }
            (Some((BreachAction::Announce, prompt, reason)), assigned) => {
                if let Some(Ok(advisor)) = assigned {
                    self.rules
                        .push(RuleHit::new(Rule::AssignedAdvisor, advisor.detail));
                    target = advisor.target.as_str();
                }
                let target = target.to_owned();
                self.done(Action::Announce, &target, &prompt, reason)
            }
            (None, _) if agreed => {
                let target = target.to_owned();
                self.done(Action::Route, &target, "", Rule::SinglePointOfContact)
            }
            (None, Some(Ok(advisor))) => {
                self.rules
                    .push(RuleHit::new(Rule::AssignedAdvisor, advisor.detail));
                self.done(
                    Action::Route,
                    advisor.target.as_str(),
                    "",
                    Rule::AssignedAdvisor,
                )
            }
            (None, unable) => {
                let detail = match unable {
                    Some(Err(why)) => format!(
                        "no measure restricts this call; {why}, so the call goes to the default target"
                    ),
                    _ => "no measure restricts this call".to_owned(),
                };
                self.rules.push(RuleHit::new(Rule::Default, detail));
                let target = target.to_owned();
                self.done(Action::Route, &target, "", Rule::Default)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChannelScope, Period};

    #[test]
    fn every_breached_kind_is_reported_under_a_breach_rule_and_a_spoc_or_first_step_is_not() {
        let kinds = [
            MeasureKind::FrequencyLimit {
                max_contacts: 1,
                per: Period::Day,
                channels: ChannelScope::Phone,
            },
            MeasureKind::ContactWindows { windows: vec![] },
            MeasureKind::OpenEnquiriesOnly,
            MeasureKind::NewIssuesOnly,
            MeasureKind::Block,
        ];
        for kind in kinds {
            assert!(breach_rule(&kind).0.is_breach(), "{}", kind.name());
        }
        let spoc = MeasureKind::SinglePointOfContact {
            advisor: Some("Bo".into()),
            target: Some(PbxName::parse("2001").unwrap()),
        };
        assert!(!breach_rule(&spoc).0.is_breach());
        let first_steps = [
            MeasureKind::ChangeRequested {
                details: "one call a day".into(),
            },
            MeasureKind::StyleWarning {
                details: "no swearing".into(),
                prompt: None,
            },
            MeasureKind::Other {
                details: "letters only".into(),
            },
        ];
        for kind in first_steps {
            assert!(!breach_rule(&kind).0.is_breach(), "{}", kind.name());
        }
    }
}
