//! The screening decision: a pure function from the call, what is known
//! about the caller and the time it is handed, to route / announce / divert /
//! block with the rules that produced it. No I/O, no clock.

mod advisors;
pub mod calendar;
#[cfg(test)]
mod first_step_tests;
#[cfg(test)]
mod fixtures;
mod next_allowed;
mod outcome;
#[cfg(test)]
mod properties;
mod rule;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::{
    AdvisorRoute, BreachAction, CallerId, Channel, ChannelScope, Enquiry, EnquiryStatus, Measure,
    MeasureKind, NumberRule, RuleAction,
};
pub use outcome::{Action, Decision, RuleHit};
pub use rule::Rule;

/// The service's standing settings that shape every decision.
#[derive(Debug, Clone)]
pub struct Policy {
    pub timezone: Tz,
    pub default_target: String,
    pub divert_target: String,
    /// What a withheld caller gets; `Route` unless the helpline chose otherwise.
    pub withheld: Action,
    pub withheld_prompt: String,
    pub block_prompt: String,
    /// Days after its review date that an unreviewed measure still applies.
    pub review_grace_days: u32,
}

/// What the PBX told us about the call.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub caller: &'a CallerId,
    /// The caller chose the IVR's safeguarding option.
    pub urgent: bool,
    /// The enquiry reference the caller gave, if any.
    pub enquiry: Option<&'a str>,
    /// The number has called more often than the flood guard allows in its
    /// window (counted outside, since it is about the last seconds).
    pub flooding: bool,
}

/// One earlier contact, as far as limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastContact {
    pub at: DateTime<Utc>,
    pub channel: Channel,
    /// Routed calls and every non-phone contact count; diverted or blocked
    /// calls do not.
    pub counted: bool,
}

/// What is on record about a known caller.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub measures: &'a [Measure],
    pub enquiries: &'a [Enquiry],
    /// Contacts since `history_since`, on every identity and channel.
    pub history: &'a [PastContact],
    /// Where each advisor their enquiries and measures name takes calls.
    pub advisors: &'a [AdvisorRoute],
}

/// Everything the decision looks at, gathered by the caller of `decide`.
#[derive(Debug, Clone)]
pub struct Situation<'a> {
    pub call: Call<'a>,
    /// The number rules that could match (the store pre-selects by prefix).
    pub rules: &'a [NumberRule],
    pub person: Option<Person<'a>>,
    pub now: DateTime<Utc>,
}

/// Decides one call. The steps run in the order the README gives in the
/// policy's words; the first that settles the call ends it.
pub fn decide(situation: &Situation<'_>, policy: &Policy) -> Decision {
    let mut decision = outcome::Builder::new(policy);
    let Situation {
        call,
        rules,
        person,
        now,
    } = situation;

    if let CallerId::Number(number) = call.caller {
        let live = rules.iter().filter(|rule| rule.matches(number, *now));
        // Allow beats block whatever the lengths: partner agencies must
        // always get through. Within one action the most specific rule is named.
        let best = |action| {
            live.clone()
                .filter(|rule| rule.action == action)
                .max_by_key(|rule| rule.number.as_str().len())
        };
        if let Some(rule) = best(RuleAction::Allow) {
            return decision.route(RuleHit::rule(Rule::AllowRule, rule));
        }
        if call.urgent {
            return decision.urgent();
        }
        if call.flooding {
            return decision.flood();
        }
        if let Some(rule) = best(RuleAction::Block) {
            return decision.block_by_rule(rule);
        }
    } else {
        if call.urgent {
            return decision.urgent();
        }
        return decision.withheld();
    }

    let Some(person) = person else {
        return decision.route_default();
    };
    let today = calendar::local_date(*now, policy.timezone);
    let mut spoc = None;
    for measure in person.measures.iter().filter(|m| m.ended.is_none()) {
        if let Err(why) = measure.terms.in_force(today, policy.review_grace_days) {
            decision.note(measure, Rule::NotInForce, why);
            continue;
        }
        match breach(measure, call, person, situation.now, policy) {
            Some(detail) => decision.breach(measure, detail),
            None => match &measure.kind {
                MeasureKind::SinglePointOfContact { target, advisor } => {
                    spoc = Some(advisors::single_point(
                        measure,
                        advisor.as_deref(),
                        target.as_ref(),
                        person.advisors,
                    ));
                }
                MeasureKind::StyleWarning {
                    prompt: Some(prompt),
                    ..
                } => decision.remind(measure, prompt),
                _ => {}
            },
        }
    }
    // An agreed single point of contact outweighs the enquiry's advisor.
    let assigned = match spoc {
        Some(_) => None,
        None => advisors::assigned(call, person),
    };
    next_allowed::attach(decision.finish(spoc, assigned), call, person, *now, policy)
}

/// Why `measure` stops this call, or `None` if the call keeps to it.
fn breach(
    measure: &Measure,
    call: &Call<'_>,
    person: &Person<'_>,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Option<String> {
    let tz = policy.timezone;
    let named = call
        .enquiry
        .and_then(|given| person.enquiries.iter().find(|e| e.is_named_by(given)));
    match &measure.kind {
        MeasureKind::Block => Some("blocked by an agreed measure".into()),
        MeasureKind::ContactWindows { windows } => {
            let (day, time) = calendar::local_day_and_time(now, tz);
            (!windows.iter().any(|w| w.contains(day, time))).then(|| {
                format!(
                    "{day} {} is outside the agreed contact times",
                    time.format("%H:%M")
                )
            })
        }
        MeasureKind::FrequencyLimit {
            max_contacts,
            per,
            channels,
        } => {
            let since = calendar::period_start(*per, now, tz);
            let used = person
                .history
                .iter()
                .filter(|c| c.counted && c.at >= since && c.at <= now)
                .filter(|c| *channels == ChannelScope::All || c.channel == Channel::Phone)
                .count();
            (used >= *max_contacts as usize).then(|| {
                format!("{used} contacts this {per:?} reach the agreed {max_contacts}")
                    .to_lowercase()
            })
        }
        MeasureKind::OpenEnquiriesOnly => match (call.enquiry, named) {
            (Some(_), Some(e)) if e.status == EnquiryStatus::Open => None,
            (Some(given), _) => Some(format!(
                "enquiry {given} is not one of their open enquiries"
            )),
            (None, _)
                if person
                    .enquiries
                    .iter()
                    .any(|e| e.status == EnquiryStatus::Open) =>
            {
                None
            }
            (None, _) => Some("no open enquiry".into()),
        },
        MeasureKind::NewIssuesOnly => {
            named
                .filter(|e| e.status == EnquiryStatus::Closed)
                .map(|e| {
                    format!(
                        "enquiry {} is closed",
                        e.reference.as_deref().unwrap_or("without reference")
                    )
                })
        }
        MeasureKind::SinglePointOfContact { .. } => None,
        // The policy's first steps ask the person to change; they never
        // stop a call (a style warning's reminder is played, not a breach).
        MeasureKind::ChangeRequested { .. }
        | MeasureKind::StyleWarning { .. }
        | MeasureKind::Other { .. } => None,
    }
}

/// The earliest contact the decision will look at for this person, so the
/// store loads no more history than the limits in force need.
pub fn history_since(
    measures: &[Measure],
    now: DateTime<Utc>,
    policy: &Policy,
) -> Option<DateTime<Utc>> {
    measures
        .iter()
        .filter(|m| m.ended.is_none())
        .filter_map(|m| match m.kind {
            MeasureKind::FrequencyLimit { per, .. } => {
                Some(calendar::period_start(per, now, policy.timezone))
            }
            _ => None,
        })
        .min()
}

impl BreachAction {
    fn severity(self) -> u8 {
        match self {
            BreachAction::Announce => 1,
            BreachAction::Divert => 2,
        }
    }
}
