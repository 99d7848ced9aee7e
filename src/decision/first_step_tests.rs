//! The policy's first steps in the decision: a change asked for, a style
//! warning and other resolutions enforce nothing; a style warning with a
//! prompt is played, then the call goes where it would have gone.

use super::fixtures::*;
use super::{Action, Rule};
use crate::domain::{
    BreachAction, ChannelScope, EnquiryStatus, MeasureId, MeasureKind, OnBreach, Period, RecordId,
};

fn limit(max_contacts: u32) -> MeasureKind {
    MeasureKind::FrequencyLimit {
        max_contacts,
        per: Period::Day,
        channels: ChannelScope::Phone,
    }
}

#[test]
fn a_change_requested_or_another_resolution_never_changes_the_call() {
    let asked = MeasureKind::ChangeRequested {
        details: "one email a week with everything in it".into(),
    };
    let other = MeasureKind::Other {
        details: "visits by appointment only".into(),
    };
    let d = Case {
        measures: vec![measure(1, asked), measure(2, other)],
        history: calls_at(&["2026-05-12T08:00:00Z", "2026-05-12T08:30:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.reason),
        (Action::Route, "helpline", Rule::Default)
    );
}

#[test]
fn a_style_warning_with_a_prompt_plays_it_then_routes_to_the_usual_target() {
    let d = Case {
        measures: vec![measure(5, style_warning(Some("fairline-style")))],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.prompt.as_str(), d.reason),
        (
            Action::Announce,
            "helpline",
            "fairline-style",
            Rule::StyleWarning
        )
    );
    assert_eq!(d.rules[0].measure_id, Some(MeasureId::from_raw(5)));
}

#[test]
fn a_style_warning_without_a_prompt_changes_nothing() {
    let d = Case {
        measures: vec![measure(5, style_warning(None))],
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason), (Action::Route, Rule::Default));
}

#[test]
fn a_style_warning_not_told_in_writing_is_noted_and_not_played() {
    let mut warning = measure(5, style_warning(Some("fairline-style")));
    warning.terms.notified_on = None;
    let d = Case {
        measures: vec![warning],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Route);
    assert_eq!(d.rules[0].rule, Rule::NotInForce);
}

#[test]
fn the_reminder_goes_to_the_single_point_of_contact_or_the_enquirys_advisor() {
    let d = Case {
        measures: vec![
            measure(5, style_warning(Some("fairline-style"))),
            measure(4, spoc_at("2001")),
        ],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.reason),
        (Action::Announce, "2001", Rule::StyleWarning)
    );
    let d = Case {
        measures: vec![measure(5, style_warning(Some("fairline-style")))],
        enquiries: vec![enquiry_of(1, EnquiryStatus::Open, Some("Jo"))],
        advisors: vec![advisor("Jo", Some("2002"), false)],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.target.as_str(), d.reason),
        (Action::Announce, "2002", Rule::StyleWarning)
    );
    assert!(d.rules.iter().any(|r| r.rule == Rule::AssignedAdvisor));
}

#[test]
fn a_breach_outweighs_a_style_warning() {
    let d = Case {
        measures: vec![
            measure(5, style_warning(Some("fairline-style"))),
            measure(7, limit(1)),
        ],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason), (Action::Divert, Rule::FrequencyLimit));
    assert!(!d.rules.iter().any(|r| r.rule == Rule::StyleWarning));

    // An announce breach plays its own prompt: one prompt a call.
    let mut over = measure(7, limit(1));
    over.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("fairline-limit-reminder"),
    });
    let d = Case {
        measures: vec![measure(5, style_warning(Some("fairline-style"))), over],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.prompt.as_str(), d.reason),
        (
            Action::Announce,
            "fairline-limit-reminder",
            Rule::FrequencyLimit
        )
    );
}

#[test]
fn the_urgent_option_routes_past_a_style_warning_without_the_reminder() {
    let d = Case {
        urgent: true,
        measures: vec![measure(5, style_warning(Some("fairline-style")))],
        ..Case::default()
    }
    .decide();
    assert_eq!(
        (d.action, d.prompt.as_str(), d.reason),
        (Action::Route, "", Rule::Urgent)
    );
}

#[test]
fn a_block_measure_still_blocks_a_caller_with_a_style_warning() {
    let d = Case {
        measures: vec![
            measure(5, style_warning(Some("fairline-style"))),
            measure(8, MeasureKind::Block),
        ],
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason), (Action::Block, Rule::BlockMeasure));
}
