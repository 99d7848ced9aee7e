//! The policy's safeguards as invariants, checked over generated callers,
//! measures, histories and clocks rather than chosen examples.

use chrono::{Duration, NaiveTime, Weekday};
use proptest::prelude::*;

use super::fixtures::*;
use super::{Action, PastContact, Rule};
use crate::domain::{
    AdvisorRoute, BreachAction, CallerId, Channel, ChannelScope, Enquiry, EnquiryStatus, MatchKind,
    Measure, MeasureKind, OnBreach, Period, RuleAction, Window,
};

fn any_now() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    // Any minute of 2025-2027, so clock changes and month ends come up.
    (0i64..3 * 366 * 24 * 60).prop_map(|m| at("2025-01-01T00:00:00Z") + Duration::minutes(m))
}

fn any_kind() -> impl Strategy<Value = MeasureKind> {
    let period = prop_oneof![Just(Period::Day), Just(Period::Week), Just(Period::Month)];
    let scope = prop_oneof![Just(ChannelScope::Phone), Just(ChannelScope::All)];
    let window = (0u32..7, 0u32..23, 1u32..=3).prop_map(|(d, h, len)| Window {
        days: vec![Weekday::try_from(d as u8).unwrap()],
        from: NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
        to: NaiveTime::from_hms_opt((h + len).min(23), 59, 0).unwrap(),
    });
    prop_oneof![
        (1u32..5, period, scope).prop_map(|(max_contacts, per, channels)| {
            MeasureKind::FrequencyLimit {
                max_contacts,
                per,
                channels,
            }
        }),
        prop::collection::vec(window, 1..3)
            .prop_map(|windows| MeasureKind::ContactWindows { windows }),
        Just(spoc_at("2001")),
        Just(spoc_with("alex")),
        Just(MeasureKind::OpenEnquiriesOnly),
        Just(MeasureKind::NewIssuesOnly),
        Just(MeasureKind::Block),
        Just(MeasureKind::ChangeRequested {
            details: "one email a week".into()
        }),
        Just(style_warning(Some("fairline-style"))),
    ]
}

fn any_measure() -> impl Strategy<Value = Measure> {
    (
        1i64..1000,
        any_kind(),
        any::<bool>(),
        any::<bool>(),
        -400i64..400,
    )
        .prop_map(|(id, kind, notified, announce, start_offset)| {
            let mut m = measure(id, kind);
            m.terms.notified_on = notified.then(|| date("2026-01-01"));
            m.terms.starts_on = date("2026-01-01") + Duration::days(start_offset);
            m.terms.review_on = m.terms.starts_on + Duration::days(180);
            if announce && m.kind.takes_on_breach() {
                m.terms.on_breach = Some(OnBreach {
                    action: BreachAction::Announce,
                    prompt: name("p"),
                });
            }
            m
        })
}

/// One of the policy's first steps, with any terms (told or not, started
/// or not, ended or not), numbered from 1000 so it is told apart from
/// `any_measure`'s.
fn any_first_step() -> impl Strategy<Value = Measure> {
    let kind = prop_oneof![
        Just(MeasureKind::ChangeRequested {
            details: "one email a week".into()
        }),
        Just(style_warning(None)),
        prop::sample::select(vec!["fairline-style", "style-2"])
            .prop_map(|prompt| style_warning(Some(prompt))),
        Just(MeasureKind::Other {
            details: "letters only".into()
        }),
    ];
    (
        1000i64..2000,
        kind,
        any::<bool>(),
        -400i64..400,
        any::<bool>(),
    )
        .prop_map(|(id, kind, notified, start_offset, ended)| {
            let mut m = measure(id, kind);
            m.terms.notified_on = notified.then(|| date("2026-01-01"));
            m.terms.starts_on = date("2026-01-01") + Duration::days(start_offset);
            m.terms.review_on = m.terms.starts_on + Duration::days(180);
            if ended {
                m.terms.ends_on = Some(m.terms.starts_on + Duration::days(30));
            }
            m
        })
}

fn any_history() -> impl Strategy<Value = Vec<PastContact>> {
    prop::collection::vec(
        (any_now(), any::<bool>(), any::<bool>()).prop_map(|(at, phone, counted)| PastContact {
            at,
            channel: if phone {
                Channel::Phone
            } else {
                Channel::Email
            },
            counted,
        }),
        0..20,
    )
}

fn any_caller() -> impl Strategy<Value = CallerId> {
    prop_oneof![
        4 => (100_000u32..999_999).prop_map(|n| CallerId::Number(number(&format!("07700 {n}")))),
        1 => Just(CallerId::Withheld),
    ]
}

fn any_rules() -> impl Strategy<Value = Vec<crate::domain::NumberRule>> {
    prop::collection::vec(
        (1i64..50, 0usize..4, any::<bool>()).prop_map(|(id, len, allow)| {
            let pattern = ["07", "077", "07700", "07700 9"][len];
            let action = if allow {
                RuleAction::Allow
            } else {
                RuleAction::Block
            };
            rule(id, pattern, MatchKind::Prefix, action)
        }),
        0..3,
    )
}

fn any_enquiry() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("ENQ-1".to_string())),
        Just(Some("ENQ-2".to_string()))
    ]
}

fn enquiries() -> Vec<crate::domain::Enquiry> {
    vec![
        enquiry(1, "ENQ-1", EnquiryStatus::Open),
        enquiry(2, "ENQ-2", EnquiryStatus::Closed),
    ]
}

/// The directory as far as the fixtures' names go: `alex` (whom the
/// fixture enquiries and `spoc_with("alex")` name) and `Jo`, each with or
/// without a target, retired or not.
fn any_advisors() -> impl Strategy<Value = Vec<AdvisorRoute>> {
    let one = |name: &'static str| {
        (
            prop::option::of(prop::sample::select(vec!["2001", "2002", "2003"])),
            any::<bool>(),
        )
            .prop_map(move |(target, retired)| advisor(name, target, retired))
    };
    (prop::option::of(one("alex")), prop::option::of(one("Jo")))
        .prop_map(|(alex, jo)| alex.into_iter().chain(jo).collect())
}

fn any_enquiries() -> impl Strategy<Value = Vec<Enquiry>> {
    let status = prop_oneof![Just(EnquiryStatus::Open), Just(EnquiryStatus::Closed)];
    let advisor = prop::option::of(prop::sample::select(vec!["alex", "Jo", "Nobody"]));
    prop::collection::vec((status, advisor), 0..4).prop_map(|enquiries| {
        enquiries
            .into_iter()
            .enumerate()
            .map(|(i, (status, advisor))| enquiry_of(i as i64 + 1, status, advisor))
            .collect()
    })
}

/// A measure of `kind` told, started and reviewed around `now`, so in force.
fn in_force_at(id: i64, kind: MeasureKind, now: chrono::DateTime<chrono::Utc>) -> Measure {
    let today = super::calendar::local_date(now, policy().timezone);
    let mut m = measure(id, kind);
    m.terms.notified_on = Some(today - Duration::days(1));
    m.terms.starts_on = today - Duration::days(1);
    m.terms.review_on = today + Duration::days(60);
    m
}

proptest! {
    #[test]
    fn a_caller_with_no_measures_is_always_routed(
        now in any_now(), history in any_history(), urgent in any::<bool>(),
        enquiry in any_enquiry(), known in any::<bool>(),
        enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let d = Case {
            now, history, urgent, enquiry, known, enquiries, advisors: advisors.clone(),
            ..Case::default()
        }.decide();
        prop_assert_eq!(d.action, Action::Route);
        // To the default queue, or to an advisor who takes calls there.
        let takes_calls = |t: &str| advisors.iter().any(|a| a.target().is_ok_and(|at| at == &t));
        prop_assert!(d.target == "helpline" || takes_calls(&d.target), "{:?}", d);
    }

    #[test]
    fn the_urgent_option_always_routes(
        caller in any_caller(), rules in any_rules(),
        measures in prop::collection::vec(any_measure(), 0..5),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
        flooding in any::<bool>(), enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let d = Case { caller, rules, measures, history, now, enquiry, flooding, urgent: true, enquiries, advisors, ..Case::default() }.decide();
        prop_assert!(d.action == Action::Route, "urgent call got {:?}", d);
        // To the default target, as ever: not to an advisor who may be
        // off the phone, whatever is on record.
        prop_assert_eq!(d.target, "helpline");
    }

    #[test]
    fn a_single_point_of_contact_in_force_always_outweighs_an_assigned_advisor(
        own_target in any::<bool>(),
        measures in prop::collection::vec(any_measure(), 0..4),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
        enquiries in any_enquiries(), alex in prop::option::of((prop::option::of(Just("2003")), any::<bool>())),
    ) {
        // Jo has the enquiries and takes calls at 2002; the agreement
        // names another target, or alex (2003, or unable to take calls).
        let mut enquiries = enquiries;
        for e in &mut enquiries {
            e.advisor = Some("Jo".into());
        }
        let mut advisors = vec![advisor("Jo", Some("2002"), false)];
        advisors.extend(alex.map(|(target, retired)| advisor("alex", target, retired)));
        let spoc = if own_target { spoc_at("3001") } else { spoc_with("alex") };
        let mut measures = measures;
        measures.push(in_force_at(999, spoc, now));
        let d = Case { measures, history, now, enquiry, enquiries, advisors, ..Case::default() }.decide();
        prop_assert!(!d.rules.iter().any(|r| r.rule == Rule::AssignedAdvisor), "{:?}", d);
        prop_assert_ne!(d.target.as_str(), "2002", "{:?}", d);
        if d.action == Action::Route {
            prop_assert_eq!(d.reason, Rule::SinglePointOfContact);
        }
    }

    #[test]
    fn nothing_is_enforced_without_written_notice(
        measures in prop::collection::vec(any_measure(), 0..5),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
    ) {
        let unnotified: Vec<Measure> = measures
            .into_iter()
            .map(|mut m| { m.terms.notified_on = None; m })
            .collect();
        let d = Case { measures: unnotified, history, now, enquiry, enquiries: enquiries(), ..Case::default() }.decide();
        prop_assert_eq!((d.action, d.target.as_str()), (Action::Route, "helpline"));
    }

    #[test]
    fn only_a_block_rule_or_a_block_measure_blocks_a_caller(
        caller in any_caller(), rules in any_rules(),
        measures in prop::collection::vec(any_measure(), 0..5),
        history in any_history(), now in any_now(),
        enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let d = Case { caller, rules, measures, history, now, enquiries, advisors, ..Case::default() }.decide();
        if d.action == Action::Block {
            prop_assert!(matches!(d.reason, Rule::BlockRule | Rule::BlockMeasure), "{:?}", d);
        }
    }

    #[test]
    fn every_decision_names_the_rule_that_settled_it(
        caller in any_caller(), rules in any_rules(), urgent in any::<bool>(),
        measures in prop::collection::vec(any_measure(), 0..5),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
        enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let d = Case { caller, rules, measures, history, now, urgent, enquiry, enquiries, advisors, ..Case::default() }.decide();
        prop_assert!(d.rules.iter().any(|r| r.rule == d.reason), "{:?}", d);
        let has_target = !d.target.is_empty();
        prop_assert_eq!(has_target, d.action != Action::Block);
    }

    #[test]
    fn no_first_step_ever_diverts_or_blocks_a_call(
        caller in any_caller(), rules in any_rules(), urgent in any::<bool>(),
        flooding in any::<bool>(),
        measures in prop::collection::vec(any_measure(), 0..4),
        first_steps in prop::collection::vec(any_first_step(), 1..4),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
        enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let case = |measures: Vec<Measure>| Case {
            caller: caller.clone(), rules: rules.clone(), urgent, flooding, measures,
            history: history.clone(), now, enquiry: enquiry.clone(),
            enquiries: enquiries.clone(), advisors: advisors.clone(), ..Case::default()
        }.decide();
        let without = case(measures.clone());
        let with = case(measures.into_iter().chain(first_steps.clone()).collect());
        // The same answer, or a reminder played on the way to the same
        // target: never a divert or a block that was not there before.
        if (with.action, &with.target) != (without.action, &without.target) {
            prop_assert_eq!(without.action, Action::Route, "{:?} {:?}", without, with);
            prop_assert_eq!(with.action, Action::Announce);
            prop_assert_eq!(with.reason, Rule::StyleWarning);
            prop_assert_eq!(&with.target, &without.target);
        }
        // And no first step is ever named as breached.
        for hit in &with.rules {
            if first_steps.iter().any(|m| Some(m.id) == hit.measure_id) {
                prop_assert!(!hit.rule.is_breach(), "{:?}", with);
            }
        }
    }

    #[test]
    fn a_caller_with_only_first_steps_is_routed_or_announced_to_the_usual_target(
        first_steps in prop::collection::vec(any_first_step(), 0..4),
        history in any_history(), now in any_now(), enquiry in any_enquiry(),
        enquiries in any_enquiries(), advisors in any_advisors(),
    ) {
        let case = |measures: Vec<Measure>| Case {
            measures, history: history.clone(), now, enquiry: enquiry.clone(),
            enquiries: enquiries.clone(), advisors: advisors.clone(), ..Case::default()
        }.decide();
        let usual = case(Vec::new());
        let d = case(first_steps.clone());
        prop_assert_eq!(&d.target, &usual.target, "{:?}", d);
        match d.action {
            Action::Route => prop_assert_eq!(d.prompt.as_str(), ""),
            Action::Announce => {
                prop_assert_eq!(d.reason, Rule::StyleWarning);
                prop_assert!(["fairline-style", "style-2"].contains(&d.prompt.as_str()), "{:?}", d);
            }
            other => prop_assert!(false, "a first step made a call {:?}: {:?}", other, d),
        }
    }
}
