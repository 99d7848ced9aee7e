//! Routing to advisors, read as the issue asks: the advisor handling the
//! open enquiry gets the call unless something the policy puts first
//! decides it; an advisor who cannot take calls never turns a call away.

use crate::decision::fixtures::*;
use crate::decision::{Action, Decision, Rule};
use crate::domain::{
    BreachAction, ChannelScope, EnquiryStatus, MatchKind, MeasureKind, OnBreach, Period, RuleAction,
};

fn settled(d: &Decision) -> (Action, &str, Rule) {
    (d.action, d.target.as_str(), d.reason)
}

fn rules_named(d: &Decision) -> Vec<Rule> {
    d.rules.iter().map(|r| r.rule).collect()
}

/// Ann: an open enquiry with Alex (who takes calls at 2001).
fn with_alex() -> Case {
    Case {
        enquiries: vec![enquiry_of(1, EnquiryStatus::Open, Some("Alex"))],
        advisors: vec![advisor("Alex", Some("2001"), false)],
        ..Case::default()
    }
}

#[test]
fn a_call_about_an_open_enquiry_goes_to_the_advisor_handling_it() {
    let d = with_alex().decide();
    assert_eq!(settled(&d), (Action::Route, "2001", Rule::AssignedAdvisor));
    assert_eq!(rules_named(&d), [Rule::AssignedAdvisor]);
    assert!(d.rules[0].detail.contains("Alex"), "{d:?}");
    assert!(d.rules[0].detail.contains("ENQ-1"), "{d:?}");
}

/// Two open enquiries: ENQ-1 with Alex (2001), the newer ENQ-2 with Jo (2002).
fn with_alex_and_jo() -> Case {
    Case {
        enquiries: vec![
            enquiry_of(1, EnquiryStatus::Open, Some("Alex")),
            enquiry_of(2, EnquiryStatus::Open, Some("Jo")),
        ],
        advisors: vec![
            advisor("Alex", Some("2001"), false),
            advisor("Jo", Some("2002"), false),
        ],
        ..Case::default()
    }
}

#[test]
fn the_enquiry_the_call_names_chooses_the_advisor_and_otherwise_the_newest_open_one() {
    let named = |enquiry: Option<&str>| {
        Case {
            enquiry: enquiry.map(str::to_owned),
            ..with_alex_and_jo()
        }
        .decide()
        .target
    };
    assert_eq!(named(Some("ENQ-1")), "2001");
    assert_eq!(named(Some("1")), "2001", "by id as the IVR may give it");
    assert_eq!(named(None), "2002", "the most recently opened");
    assert_eq!(
        named(Some("ENQ-99")),
        "2002",
        "not theirs: as if none named"
    );
}

#[test]
fn a_named_enquiry_that_is_closed_or_unassigned_gives_way_to_the_newest_open_assigned_one() {
    let mut case = with_alex_and_jo();
    case.enquiries[1].status = EnquiryStatus::Closed;
    case.enquiries
        .push(enquiry_of(3, EnquiryStatus::Open, None));
    for named in ["ENQ-2", "ENQ-3"] {
        let d = Case {
            enquiry: Some(named.into()),
            enquiries: case.enquiries.clone(),
            advisors: case.advisors.clone(),
            ..Case::default()
        }
        .decide();
        assert_eq!(
            settled(&d),
            (Action::Route, "2001", Rule::AssignedAdvisor),
            "{named}"
        );
    }
}

#[test]
fn a_closed_enquirys_advisor_does_not_take_the_call() {
    let mut case = with_alex();
    case.enquiries[0].status = EnquiryStatus::Closed;
    let d = case.decide();
    assert_eq!(settled(&d), (Action::Route, "helpline", Rule::Default));
}

#[test]
fn a_retired_advisor_or_one_without_a_target_leaves_the_call_on_the_default_target() {
    for (alex, why) in [
        (advisor("Alex", Some("2001"), true), "is retired"),
        (advisor("Alex", None, false), "has no target"),
    ] {
        let d = Case {
            advisors: vec![alex],
            ..with_alex()
        }
        .decide();
        assert_eq!(settled(&d), (Action::Route, "helpline", Rule::Default));
        assert!(d.rules[0].detail.contains(why), "{d:?}");
    }
}

#[test]
fn a_named_enquiry_whose_advisor_is_retired_goes_to_the_default_target_not_another_advisor() {
    let mut case = with_alex_and_jo();
    case.advisors[0].retired = true;
    case.enquiry = Some("ENQ-1".into());
    assert_eq!(
        settled(&case.decide()),
        (Action::Route, "helpline", Rule::Default)
    );
}

#[test]
fn a_single_point_of_contact_outweighs_the_enquirys_advisor() {
    let d = Case {
        measures: vec![measure(4, spoc_at("3001"))],
        ..with_alex()
    }
    .decide();
    assert_eq!(
        settled(&d),
        (Action::Route, "3001", Rule::SinglePointOfContact)
    );
    assert!(!rules_named(&d).contains(&Rule::AssignedAdvisor), "{d:?}");
}

#[test]
fn a_single_point_of_contact_naming_an_advisor_routes_to_their_target_at_the_time_of_the_call() {
    let case = |target| Case {
        measures: vec![measure(4, spoc_with("Sam"))],
        advisors: vec![advisor("Sam", Some(target), false)],
        ..Case::default()
    };
    for target in ["4001", "4002"] {
        assert_eq!(
            settled(&case(target).decide()),
            (Action::Route, target, Rule::SinglePointOfContact)
        );
    }
}

#[test]
fn a_single_point_of_contact_whose_advisor_cannot_take_calls_routes_to_the_default_target() {
    // Not to the enquiry's advisor: the agreement names one person, and
    // it was not them.
    for sam in [
        advisor("Sam", Some("4001"), true),
        advisor("Sam", None, false),
    ] {
        let mut case = with_alex();
        case.measures = vec![measure(4, spoc_with("Sam"))];
        case.advisors.push(sam);
        let d = case.decide();
        assert_eq!(
            settled(&d),
            (Action::Route, "helpline", Rule::SinglePointOfContact)
        );
        assert!(d.rules[0].detail.contains("default target"), "{d:?}");
    }
}

#[test]
fn a_single_point_of_contact_recorded_with_both_keeps_its_own_target() {
    let both = MeasureKind::SinglePointOfContact {
        advisor: Some("Sam".into()),
        target: Some(name("2001")),
    };
    let d = Case {
        measures: vec![measure(4, both)],
        advisors: vec![advisor("Sam", Some("4001"), false)],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.target, "2001");
}

fn over_daily_limit(on_breach: Option<OnBreach>) -> Case {
    let mut over = measure(
        7,
        MeasureKind::FrequencyLimit {
            max_contacts: 1,
            per: Period::Day,
            channels: ChannelScope::Phone,
        },
    );
    over.terms.on_breach = on_breach;
    Case {
        measures: vec![over],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..with_alex()
    }
}

#[test]
fn a_divert_or_a_block_outweighs_the_enquirys_advisor() {
    let d = over_daily_limit(None).decide();
    assert_eq!(
        settled(&d),
        (Action::Divert, "voicemail", Rule::FrequencyLimit)
    );
    assert!(!rules_named(&d).contains(&Rule::AssignedAdvisor), "{d:?}");
    let mut blocked = with_alex();
    blocked.rules = vec![rule(1, "07700 900", MatchKind::Prefix, RuleAction::Block)];
    assert_eq!(blocked.decide().action, Action::Block);
}

#[test]
fn an_announced_call_hears_the_prompt_then_goes_to_the_enquirys_advisor() {
    let d = over_daily_limit(Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("reminder"),
    }))
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.prompt.as_str(), d.reason),
        (Action::Announce, "2001", "reminder", Rule::FrequencyLimit)
    );
    assert_eq!(
        rules_named(&d),
        [Rule::FrequencyLimit, Rule::AssignedAdvisor]
    );
}

#[test]
fn the_urgent_option_and_partner_agencies_go_to_the_default_target_as_before() {
    let urgent = Case {
        urgent: true,
        ..with_alex()
    }
    .decide();
    assert_eq!(settled(&urgent), (Action::Route, "helpline", Rule::Urgent));
    let partner = Case {
        rules: vec![rule(1, "07700 900123", MatchKind::Exact, RuleAction::Allow)],
        ..with_alex()
    }
    .decide();
    assert_eq!(
        settled(&partner),
        (Action::Route, "helpline", Rule::AllowRule)
    );
}
