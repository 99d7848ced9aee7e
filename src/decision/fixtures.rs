//! Builders for decision tests: a policy, callers, measures with sound
//! terms, and contact histories, so each test states only what it is about.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Call, Decision, PastContact, Person, Policy, Situation};
use crate::domain::{
    AdvisorRoute, CallerId, Channel, Enquiry, EnquiryId, EnquiryStatus, MatchKind, Measure,
    MeasureId, MeasureKind, MeasureTerms, NumberPattern, NumberRule, NumberRuleId, PbxName,
    PersonId, PhoneNumber, RecordId, Region, RuleAction,
};

pub fn policy() -> Policy {
    Policy {
        timezone: chrono_tz::Europe::London,
        default_target: "helpline".into(),
        divert_target: "voicemail".into(),
        withheld: super::Action::Route,
        withheld_prompt: "fairline-withheld".into(),
        block_prompt: "fairline-blocked".into(),
        review_grace_days: 28,
    }
}

/// A target or prompt name, which every test writes in the PBX-safe form.
pub fn name(s: &str) -> PbxName {
    PbxName::parse(s).expect("test name")
}

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

pub fn number(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s, Region::parse("GB").unwrap()).unwrap()
}

pub fn caller() -> CallerId {
    CallerId::Number(number("07700 900123"))
}

/// Terms a supervisor would record: told in writing, started, reviewed in
/// three months.
pub fn terms() -> MeasureTerms {
    MeasureTerms {
        reason: "called several times a day about the same tribunal".into(),
        notified_on: Some(date("2026-01-05")),
        starts_on: date("2026-01-05"),
        review_on: date("2026-07-01"),
        ends_on: None,
        on_breach: None,
    }
}

pub fn measure(id: i64, kind: MeasureKind) -> Measure {
    Measure {
        id: MeasureId::from_raw(id),
        person_id: PersonId::from_raw(1),
        kind,
        terms: terms(),
        set_by: "sam".into(),
        ended: None,
    }
}

/// A single point of contact with a target of its own.
pub fn spoc_at(target: &str) -> MeasureKind {
    MeasureKind::SinglePointOfContact {
        advisor: None,
        target: Some(name(target)),
    }
}

/// A single point of contact naming an advisor from the directory.
pub fn spoc_with(advisor: &str) -> MeasureKind {
    MeasureKind::SinglePointOfContact {
        advisor: Some(advisor.into()),
        target: None,
    }
}

/// A style warning, with a reminder prompt or without.
pub fn style_warning(prompt: Option<&str>) -> MeasureKind {
    MeasureKind::StyleWarning {
        details: "swearing at advisors on the phone".into(),
        prompt: prompt.map(name),
    }
}

/// An advisor in the directory: where they take calls, if anywhere.
pub fn advisor(name_: &str, target: Option<&str>, retired: bool) -> AdvisorRoute {
    AdvisorRoute {
        name: name_.into(),
        target: target.map(name),
        retired,
    }
}

/// An enquiry assigned to `advisor` (or to nobody).
pub fn enquiry_of(id: i64, status: EnquiryStatus, advisor: Option<&str>) -> Enquiry {
    Enquiry {
        advisor: advisor.map(str::to_owned),
        ..enquiry(id, &format!("ENQ-{id}"), status)
    }
}

pub fn enquiry(id: i64, reference: &str, status: EnquiryStatus) -> Enquiry {
    Enquiry {
        id: EnquiryId::from_raw(id),
        person_id: PersonId::from_raw(1),
        reference: Some(reference.into()),
        topic: "EHCP review".into(),
        status,
        advisor: Some("alex".into()),
    }
}

pub fn calls_at(times: &[&str]) -> Vec<PastContact> {
    times
        .iter()
        .map(|t| PastContact {
            at: at(t),
            channel: Channel::Phone,
            counted: true,
        })
        .collect()
}

pub fn rule(id: i64, pattern: &str, kind: MatchKind, action: RuleAction) -> NumberRule {
    NumberRule {
        id: NumberRuleId::from_raw(id),
        // Broad prefixes allowed: these tests are about matching, and the
        // short ones (`07`) are the hardest cases for it.
        number: match kind {
            MatchKind::Prefix => NumberPattern::parse_broad(pattern, Region::parse("GB").unwrap()),
            MatchKind::Exact => NumberPattern::parse(pattern, kind, Region::parse("GB").unwrap()),
        }
        .unwrap(),
        match_kind: kind,
        action,
        reason: format!("rule {id}"),
        expires_at: None,
    }
}

/// Everything a decision needs, with defaults a test overrides.
pub struct Case {
    pub caller: CallerId,
    pub urgent: bool,
    pub flooding: bool,
    pub enquiry: Option<String>,
    pub rules: Vec<NumberRule>,
    pub known: bool,
    pub measures: Vec<Measure>,
    pub enquiries: Vec<Enquiry>,
    pub history: Vec<PastContact>,
    pub advisors: Vec<AdvisorRoute>,
    pub now: DateTime<Utc>,
}

impl Default for Case {
    fn default() -> Self {
        Case {
            caller: caller(),
            urgent: false,
            flooding: false,
            enquiry: None,
            rules: Vec::new(),
            known: true,
            measures: Vec::new(),
            enquiries: Vec::new(),
            history: Vec::new(),
            advisors: Vec::new(),
            // A Tuesday, 10:30 in London (BST).
            now: at("2026-05-12T09:30:00Z"),
        }
    }
}

impl Case {
    pub fn decide(&self) -> Decision {
        let person = self.known.then_some(Person {
            measures: &self.measures,
            enquiries: &self.enquiries,
            history: &self.history,
            advisors: &self.advisors,
        });
        let situation = Situation {
            call: Call {
                caller: &self.caller,
                urgent: self.urgent,
                enquiry: self.enquiry.as_deref(),
                flooding: self.flooding,
            },
            rules: &self.rules,
            person,
            now: self.now,
        };
        super::decide(&situation, &policy())
    }
}
