//! The decision, rule by rule and in order, read as the policy reads.

use super::fixtures::*;
use super::{Action, Rule};
use crate::domain::{
    BreachAction, CallerId, Channel, ChannelScope, EnquiryStatus, MatchKind, MeasureKind, OnBreach,
    Period, RuleAction, Window,
};
use crate::domain::{MeasureId, NumberRuleId, RecordId};
use chrono::{NaiveTime, Weekday};

fn rules_named(decision: &super::Decision) -> Vec<&str> {
    decision.rules.iter().map(|r| r.rule.as_str()).collect()
}

fn limit(max: u32, per: Period, channels: ChannelScope) -> MeasureKind {
    MeasureKind::FrequencyLimit {
        max_contacts: max,
        per,
        channels,
    }
}

#[test]
fn an_unknown_caller_is_routed_to_the_default_queue() {
    let d = Case {
        known: false,
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.reason.as_str()),
        (Action::Route, "helpline", "default")
    );
}

#[test]
fn a_known_caller_with_no_measures_is_routed() {
    let d = Case::default().decide();
    assert_eq!(d.action, Action::Route);
    assert_eq!(rules_named(&d), ["default"]);
}

#[test]
fn caller_over_agreed_frequency_is_diverted() {
    let d = Case {
        measures: vec![measure(7, limit(2, Period::Day, ChannelScope::Phone))],
        history: calls_at(&["2026-05-12T08:00:00Z", "2026-05-12T09:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
    assert_eq!(d.target, "voicemail");
    assert_eq!(d.prompt, "fairline-over-agreed-frequency");
    assert_eq!(d.reason, Rule::FrequencyLimit);
    assert_eq!(d.rules[0].measure_id, Some(MeasureId::from_raw(7)));
}

#[test]
fn caller_under_agreed_frequency_is_routed() {
    let d = Case {
        measures: vec![measure(7, limit(2, Period::Day, ChannelScope::Phone))],
        history: calls_at(&["2026-05-12T08:00:00Z", "2026-05-11T09:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn diverted_calls_do_not_use_up_the_agreed_frequency() {
    let mut history = calls_at(&["2026-05-12T08:00:00Z", "2026-05-12T08:30:00Z"]);
    history[1].counted = false;
    let d = Case {
        measures: vec![measure(7, limit(2, Period::Day, ChannelScope::Phone))],
        history,
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn a_phone_only_limit_ignores_emails_but_an_all_channel_limit_counts_them() {
    let mut history = calls_at(&["2026-05-11T08:00:00Z", "2026-05-12T08:00:00Z"]);
    history[0].channel = Channel::Email;
    let case = |channels| Case {
        measures: vec![measure(7, limit(2, Period::Week, channels))],
        history: history.clone(),
        ..Case::default()
    };
    assert_eq!(case(ChannelScope::Phone).decide().action, Action::Route);
    assert_eq!(case(ChannelScope::All).decide().action, Action::Divert);
}

#[test]
fn a_weekly_limit_resets_on_monday_in_london() {
    // Sunday 10 May 23:30 BST counts for the week before Monday 11 May.
    let case = |now| Case {
        measures: vec![measure(7, limit(1, Period::Week, ChannelScope::Phone))],
        history: calls_at(&["2026-05-10T22:30:00Z"]),
        now: at(now),
        ..Case::default()
    };
    assert_eq!(case("2026-05-10T22:50:00Z").decide().action, Action::Divert);
    assert_eq!(case("2026-05-10T23:10:00Z").decide().action, Action::Route);
}

#[test]
fn a_monthly_limit_counts_from_the_first_of_the_month_local_time() {
    let case = |now| Case {
        measures: vec![measure(7, limit(1, Period::Month, ChannelScope::Phone))],
        history: calls_at(&["2026-04-30T22:30:00Z"]), // 23:30 BST on 30 April
        now: at(now),
        ..Case::default()
    };
    assert_eq!(case("2026-04-30T22:45:00Z").decide().action, Action::Divert);
    assert_eq!(case("2026-04-30T23:05:00Z").decide().action, Action::Route);
}

#[test]
fn a_daily_limit_holds_across_the_night_the_clocks_go_back() {
    // 25 October 2026 lasts 25 hours in London; a call at 00:30 BST and one at
    // 23:30 GMT are the same local day.
    let mut agreed = measure(7, limit(1, Period::Day, ChannelScope::Phone));
    agreed.terms.review_on = date("2026-12-01");
    let case = |now| Case {
        measures: vec![agreed.clone()],
        history: calls_at(&["2026-10-24T23:30:00Z"]),
        now: at(now),
        ..Case::default()
    };
    assert_eq!(case("2026-10-25T23:30:00Z").decide().action, Action::Divert);
    assert_eq!(case("2026-10-26T00:00:00Z").decide().action, Action::Route);
}

#[test]
fn a_daily_limit_holds_across_the_night_the_clocks_go_forward() {
    let case = |now| Case {
        measures: vec![measure(7, limit(1, Period::Day, ChannelScope::Phone))],
        history: calls_at(&["2026-03-29T00:30:00Z"]), // 00:30 GMT
        now: at(now),
        ..Case::default()
    };
    assert_eq!(case("2026-03-29T22:59:00Z").decide().action, Action::Divert); // 23:59 BST
    assert_eq!(case("2026-03-29T23:00:00Z").decide().action, Action::Route); // midnight BST
}

fn windows(days: &[Weekday], from: (u32, u32), to: (u32, u32)) -> MeasureKind {
    MeasureKind::ContactWindows {
        windows: vec![Window {
            days: days.to_vec(),
            from: NaiveTime::from_hms_opt(from.0, from.1, 0).unwrap(),
            to: NaiveTime::from_hms_opt(to.0, to.1, 0).unwrap(),
        }],
    }
}

#[test]
fn a_call_inside_the_agreed_window_is_routed_in_local_time() {
    // 09:30 UTC is 10:30 BST on Tuesday.
    let d = Case {
        measures: vec![measure(3, windows(&[Weekday::Tue], (10, 0), (12, 0)))],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn a_call_outside_the_agreed_window_is_diverted() {
    let d = Case {
        measures: vec![measure(3, windows(&[Weekday::Tue], (10, 0), (12, 0)))],
        now: at("2026-05-12T11:00:00Z"), // 12:00 BST: the window has closed
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.reason.as_str()),
        (Action::Divert, "outside_contact_window")
    );
}

#[test]
fn a_window_on_another_day_does_not_let_the_call_through() {
    let d = Case {
        measures: vec![measure(3, windows(&[Weekday::Wed], (10, 0), (12, 0)))],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
}

#[test]
fn a_single_point_of_contact_routes_to_the_agreed_advisor() {
    let d = Case {
        measures: vec![measure(4, spoc_at("2001"))],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.reason.as_str()),
        (Action::Route, "2001", "single_point_of_contact")
    );
}

#[test]
fn an_announce_breach_plays_the_prompt_then_routes_to_the_single_point_of_contact() {
    let mut over = measure(7, limit(1, Period::Day, ChannelScope::Phone));
    over.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("reminder"),
    });
    let spoc = measure(4, spoc_at("2001"));
    let d = Case {
        measures: vec![over, spoc],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.prompt.as_str()),
        (Action::Announce, "2001", "reminder")
    );
}

#[test]
fn a_divert_outweighs_an_announce_when_two_measures_are_breached() {
    let mut over = measure(7, limit(1, Period::Day, ChannelScope::Phone));
    over.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("reminder"),
    });
    let outside = measure(3, windows(&[Weekday::Wed], (10, 0), (12, 0)));
    let d = Case {
        measures: vec![over, outside],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
    assert_eq!(
        rules_named(&d),
        ["frequency_limit", "outside_contact_window"]
    );
}

#[test]
fn open_enquiries_only_routes_a_caller_with_an_open_enquiry() {
    let d = Case {
        measures: vec![measure(5, MeasureKind::OpenEnquiriesOnly)],
        enquiries: vec![enquiry(9, "ENQ-9", EnquiryStatus::Open)],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn open_enquiries_only_diverts_a_caller_with_none_open() {
    let d = Case {
        measures: vec![measure(5, MeasureKind::OpenEnquiriesOnly)],
        enquiries: vec![enquiry(9, "ENQ-9", EnquiryStatus::Closed)],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.reason.as_str()),
        (Action::Divert, "no_open_enquiry")
    );
}

#[test]
fn open_enquiries_only_diverts_a_call_about_a_closed_enquiry_even_with_another_open() {
    let d = Case {
        measures: vec![measure(5, MeasureKind::OpenEnquiriesOnly)],
        enquiries: vec![
            enquiry(9, "ENQ-9", EnquiryStatus::Closed),
            enquiry(10, "ENQ-10", EnquiryStatus::Open),
        ],
        enquiry: Some("ENQ-9".into()),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
}

#[test]
fn new_issues_only_diverts_a_call_about_a_closed_enquiry() {
    let d = Case {
        measures: vec![measure(6, MeasureKind::NewIssuesOnly)],
        enquiries: vec![enquiry(9, "ENQ-9", EnquiryStatus::Closed)],
        enquiry: Some("ENQ-9".into()),
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.reason.as_str()),
        (Action::Divert, "closed_enquiry")
    );
}

#[test]
fn new_issues_only_routes_a_call_naming_no_enquiry() {
    let d = Case {
        measures: vec![measure(6, MeasureKind::NewIssuesOnly)],
        enquiries: vec![enquiry(9, "ENQ-9", EnquiryStatus::Closed)],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn a_block_measure_blocks_with_the_block_prompt() {
    let d = Case {
        measures: vec![measure(8, MeasureKind::Block)],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.prompt.as_str(), d.reason.as_str()),
        (Action::Block, "fairline-blocked", "block_measure")
    );
}

#[test]
fn a_measure_without_written_notice_is_recorded_but_not_enforced() {
    let mut block = measure(8, MeasureKind::Block);
    block.terms.notified_on = None;
    let d = Case {
        measures: vec![block],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
    assert_eq!(rules_named(&d), ["not_in_force", "default"]);
}

#[test]
fn an_ended_measure_has_no_effect() {
    let mut block = measure(8, MeasureKind::Block);
    block.terms.ends_on = Some(date("2026-05-11"));
    assert_eq!(
        Case {
            measures: vec![block],
            ..Case::default()
        }
        .decide()
        .action,
        Action::Route
    );
}

#[test]
fn a_measure_not_yet_started_has_no_effect() {
    let mut block = measure(8, MeasureKind::Block);
    block.terms.starts_on = date("2026-05-13");
    assert_eq!(
        Case {
            measures: vec![block],
            ..Case::default()
        }
        .decide()
        .action,
        Action::Route
    );
}

#[test]
fn urgent_callers_are_routed_whatever_their_measures() {
    let d = Case {
        urgent: true,
        measures: vec![measure(8, MeasureKind::Block)],
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason.as_str()), (Action::Route, "urgent"));
}

#[test]
fn urgent_callers_are_routed_even_from_a_blocked_range() {
    let d = Case {
        urgent: true,
        rules: vec![rule(1, "07700 900", MatchKind::Prefix, RuleAction::Block)],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
}

#[test]
fn a_blocked_range_blocks_before_any_measure_is_read() {
    let d = Case {
        rules: vec![rule(1, "07700 900", MatchKind::Prefix, RuleAction::Block)],
        measures: vec![measure(4, spoc_at("2001"))],
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason.as_str()), (Action::Block, "block_rule"));
    assert_eq!(d.rules[0].number_rule_id, Some(NumberRuleId::from_raw(1)));
}

#[test]
fn an_allow_rule_beats_a_longer_block_rule_and_every_measure() {
    let d = Case {
        rules: vec![
            rule(1, "07700 900123", MatchKind::Exact, RuleAction::Block),
            rule(2, "07700", MatchKind::Prefix, RuleAction::Allow),
        ],
        measures: vec![measure(8, MeasureKind::Block)],
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason.as_str()), (Action::Route, "allow_rule"));
}

#[test]
fn the_longest_matching_block_rule_is_the_one_named() {
    let d = Case {
        rules: vec![
            rule(1, "07700", MatchKind::Prefix, RuleAction::Block),
            rule(2, "07700 900", MatchKind::Prefix, RuleAction::Block),
        ],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.rules[0].number_rule_id, Some(NumberRuleId::from_raw(2)));
}

#[test]
fn an_expired_rule_is_ignored() {
    let mut expired = rule(1, "07700", MatchKind::Prefix, RuleAction::Block);
    expired.expires_at = Some(at("2026-05-01T00:00:00Z"));
    assert_eq!(
        Case {
            rules: vec![expired],
            ..Case::default()
        }
        .decide()
        .action,
        Action::Route
    );
}

#[test]
fn a_rule_for_another_number_is_ignored() {
    let other = rule(1, "07700 900999", MatchKind::Exact, RuleAction::Block);
    assert_eq!(
        Case {
            rules: vec![other],
            ..Case::default()
        }
        .decide()
        .action,
        Action::Route
    );
}

#[test]
fn withheld_callers_get_the_configured_policy_which_defaults_to_route() {
    let d = Case {
        caller: CallerId::Withheld,
        known: false,
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason.as_str()), (Action::Route, "withheld"));
}

#[test]
fn withheld_callers_can_be_diverted_when_the_helpline_chooses() {
    let case = Case {
        caller: CallerId::Withheld,
        known: false,
        ..Case::default()
    };
    let mut policy = policy();
    policy.withheld = Action::Divert;
    let situation = super::Situation {
        call: super::Call {
            caller: &case.caller,
            urgent: false,
            enquiry: None,
            flooding: false,
        },
        rules: &[],
        person: None,
        now: case.now,
    };
    let d = super::decide(&situation, &policy);
    assert_eq!(
        (d.action, d.target.as_str(), d.prompt.as_str()),
        (Action::Divert, "voicemail", "fairline-withheld")
    );
}

#[test]
fn history_is_needed_from_the_start_of_the_longest_limit_period() {
    let measures = vec![
        measure(1, limit(3, Period::Day, ChannelScope::Phone)),
        measure(2, limit(9, Period::Month, ChannelScope::All)),
    ];
    let since = super::history_since(&measures, at("2026-05-12T09:30:00Z"), &policy());
    assert_eq!(since, Some(at("2026-04-30T23:00:00Z")));
    assert_eq!(
        super::history_since(&[], at("2026-05-12T09:30:00Z"), &policy()),
        None
    );
}

#[test]
fn a_number_flooding_the_line_is_diverted_unless_allow_listed_or_urgent() {
    let d = Case {
        flooding: true,
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.reason.as_str(), d.target.as_str()),
        (Action::Divert, "flood", "voicemail")
    );
    let partner = Case {
        flooding: true,
        rules: vec![rule(1, "07700", MatchKind::Prefix, RuleAction::Allow)],
        ..Case::default()
    };
    assert_eq!(partner.decide().reason, Rule::AllowRule);
    assert_eq!(
        Case {
            flooding: true,
            urgent: true,
            ..Case::default()
        }
        .decide()
        .reason,
        Rule::Urgent
    );
}
