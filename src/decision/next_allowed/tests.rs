//! When a diverted caller is told they can call again, case by case as the
//! policy reads: limits reset with the calendar, windows open, clocks
//! change, and some measures no wait can lift.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};

use crate::decision::fixtures::*;
use crate::decision::{Action, Rule};
use crate::domain::{
    BreachAction, ChannelScope, EnquiryStatus, Measure, MeasureKind, OnBreach, Period, RecordId,
    Window,
};

/// A measure of `kind` told and started the day before `now`, reviewed two
/// months on: in force for the weeks these tests look ahead.
fn agreed(id: i64, kind: MeasureKind, now: DateTime<Utc>) -> Measure {
    let today = crate::decision::calendar::local_date(now, policy().timezone);
    let mut m = measure(id, kind);
    m.terms.notified_on = Some(today - Duration::days(1));
    m.terms.starts_on = today - Duration::days(1);
    m.terms.review_on = today + Duration::days(60);
    m
}

fn limit(max_contacts: u32, per: Period) -> MeasureKind {
    MeasureKind::FrequencyLimit {
        max_contacts,
        per,
        channels: ChannelScope::Phone,
    }
}

fn window(days: &[Weekday], from: &str, to: &str) -> Window {
    // "24:00", the end of the day, is read as the API reads it.
    let time = |s: &str| match s {
        "24:00" => NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap(),
        s => NaiveTime::parse_from_str(s, "%H:%M").unwrap(),
    };
    Window {
        days: days.to_vec(),
        from: time(from),
        to: time(to),
    }
}

fn windows(list: Vec<Window>) -> MeasureKind {
    MeasureKind::ContactWindows { windows: list }
}

/// The decision for a call at `now` from a caller with `measures` who
/// called (and got through) at `calls`.
fn decide(now: &str, kinds: Vec<MeasureKind>, calls: &[&str]) -> crate::decision::Decision {
    let now = at(now);
    let measures = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| agreed(i as i64 + 1, kind, now))
        .collect();
    Case {
        now,
        measures,
        history: calls_at(calls),
        ..Case::default()
    }
    .decide()
}

/// When a diverted call is told it may call again.
fn next_allowed(now: &str, kinds: Vec<MeasureKind>, calls: &[&str]) -> Option<DateTime<Utc>> {
    let d = decide(now, kinds, calls);
    assert_eq!(d.action, Action::Divert, "{d:?}");
    d.next_allowed()
}

#[test]
fn a_caller_over_a_daily_limit_can_call_again_from_local_midnight() {
    // Tuesday 12 May 2026, 10:30 BST; midnight BST is 23:00 UTC.
    let calls = ["2026-05-12T07:00:00Z", "2026-05-12T08:00:00Z"];
    let d = decide("2026-05-12T09:30:00Z", vec![limit(2, Period::Day)], &calls);
    assert_eq!(d.reason, Rule::FrequencyLimit);
    assert_eq!(d.next_allowed(), Some(at("2026-05-12T23:00:00Z")));
    // Only the rule that diverted carries it.
    let marked: Vec<_> = d
        .rules
        .iter()
        .filter(|r| r.next_allowed_at.is_some())
        .collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].rule, Rule::FrequencyLimit);
}

#[test]
fn a_weekly_limit_resets_on_monday_and_a_monthly_one_on_the_first() {
    let calls = ["2026-05-11T09:00:00Z"];
    assert_eq!(
        next_allowed("2026-05-12T09:30:00Z", vec![limit(1, Period::Week)], &calls),
        Some(at("2026-05-17T23:00:00Z"))
    );
    assert_eq!(
        next_allowed(
            "2026-05-12T09:30:00Z",
            vec![limit(1, Period::Month)],
            &calls
        ),
        Some(at("2026-05-31T23:00:00Z"))
    );
}

#[test]
fn monthly_limits_reset_on_the_first_whatever_the_length_of_the_month() {
    for (call, now, first) in [
        // 31 January, winter: 1 February 00:00 GMT.
        (
            "2026-01-02T10:00:00Z",
            "2026-01-31T22:00:00Z",
            "2026-02-01T00:00:00Z",
        ),
        // 28 February 2026 (not a leap year).
        (
            "2026-02-27T10:00:00Z",
            "2026-02-28T10:00:00Z",
            "2026-03-01T00:00:00Z",
        ),
        // 29 February 2028 (a leap year).
        (
            "2028-02-01T10:00:00Z",
            "2028-02-29T10:00:00Z",
            "2028-03-01T00:00:00Z",
        ),
        // 31 December: the next year.
        (
            "2026-12-01T10:00:00Z",
            "2026-12-31T23:59:00Z",
            "2027-01-01T00:00:00Z",
        ),
        // 30 April in summer time: 1 May begins at 23:00 UTC.
        (
            "2026-04-20T10:00:00Z",
            "2026-04-30T22:00:00Z",
            "2026-04-30T23:00:00Z",
        ),
    ] {
        assert_eq!(
            next_allowed(now, vec![limit(1, Period::Month)], &[call]),
            Some(at(first)),
            "{now}"
        );
    }
}

#[test]
fn a_daily_limit_resets_at_local_midnight_on_either_side_of_a_clock_change() {
    for (call, now, midnight) in [
        // Saturday 28 March 2026, GMT: Sunday begins at 00:00 UTC.
        (
            "2026-03-28T09:00:00Z",
            "2026-03-28T12:00:00Z",
            "2026-03-29T00:00:00Z",
        ),
        // Sunday 29 March, after the clocks went forward: Monday begins at
        // 00:00 BST, 23:00 UTC, a 23-hour day later.
        (
            "2026-03-29T09:00:00Z",
            "2026-03-29T12:00:00Z",
            "2026-03-29T23:00:00Z",
        ),
        // Saturday 24 October, BST.
        (
            "2026-10-24T09:00:00Z",
            "2026-10-24T12:00:00Z",
            "2026-10-24T23:00:00Z",
        ),
        // Sunday 25 October, the 25-hour day, at 01:30 BST (before the
        // clocks go back): Monday begins at 00:00 GMT.
        (
            "2026-10-24T23:10:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T00:00:00Z",
        ),
    ] {
        assert_eq!(
            next_allowed(now, vec![limit(1, Period::Day)], &[call]),
            Some(at(midnight)),
            "{now}"
        );
    }
}

#[test]
fn outside_the_agreed_times_the_caller_is_told_when_the_next_window_opens() {
    use Weekday::*;
    let agreed = || windows(vec![window(&[Tue, Thu], "14:00", "16:00")]);
    // Tuesday 10:30 BST: this afternoon, 14:00 BST.
    assert_eq!(
        next_allowed("2026-05-12T09:30:00Z", vec![agreed()], &[]),
        Some(at("2026-05-12T13:00:00Z"))
    );
    // Tuesday 16:00 BST, the window just closed: Thursday.
    assert_eq!(
        next_allowed("2026-05-12T15:00:00Z", vec![agreed()], &[]),
        Some(at("2026-05-14T13:00:00Z"))
    );
    // Thursday 16:30: next Tuesday.
    assert_eq!(
        next_allowed("2026-05-14T15:30:00Z", vec![agreed()], &[]),
        Some(at("2026-05-19T13:00:00Z"))
    );
}

#[test]
fn a_window_over_several_days_opens_on_the_next_of_its_days() {
    use Weekday::*;
    let weekdays = || windows(vec![window(&[Mon, Tue, Wed, Thu, Fri], "09:00", "17:00")]);
    // Friday 15 May 18:00 BST: Monday 09:00 BST.
    assert_eq!(
        next_allowed("2026-05-15T17:00:00Z", vec![weekdays()], &[]),
        Some(at("2026-05-18T08:00:00Z"))
    );
    // Friday 22:00 to Saturday 02:00, written as two windows.
    let late = || {
        windows(vec![
            window(&[Fri], "22:00", "24:00"),
            window(&[Sat], "00:00", "02:00"),
        ])
    };
    assert_eq!(
        next_allowed("2026-05-15T20:00:00Z", vec![late()], &[]),
        Some(at("2026-05-15T21:00:00Z"))
    );
    // Saturday 03:00: the following Friday.
    assert_eq!(
        next_allowed("2026-05-16T02:00:00Z", vec![late()], &[]),
        Some(at("2026-05-22T21:00:00Z"))
    );
}

#[test]
fn a_window_whose_start_the_clocks_skip_opens_when_they_go_forward() {
    use Weekday::*;
    // Sunday 29 March 2026, 00:30 GMT. 01:30 never happens that day: at
    // 01:00 UTC the clocks read 02:00 BST, inside the window.
    assert_eq!(
        next_allowed(
            "2026-03-29T00:30:00Z",
            vec![windows(vec![window(&[Sun], "01:30", "03:00")])],
            &[]
        ),
        Some(at("2026-03-29T01:00:00Z"))
    );
    // A window wholly in the skipped hour does not open that day.
    assert_eq!(
        next_allowed(
            "2026-03-29T00:30:00Z",
            vec![windows(vec![window(&[Sun], "01:10", "01:50")])],
            &[]
        ),
        Some(at("2026-04-05T00:10:00Z"))
    );
}

#[test]
fn a_window_the_clocks_go_back_into_opens_again_the_same_night() {
    use Weekday::*;
    // Sunday 25 October 2026 at 01:40 BST (00:40 UTC): 01:00-01:20 has
    // passed once, and comes again at 01:00 GMT.
    assert_eq!(
        next_allowed(
            "2026-10-25T00:40:00Z",
            vec![windows(vec![window(&[Sun], "01:00", "01:20")])],
            &[]
        ),
        Some(at("2026-10-25T01:00:00Z"))
    );
    // 00:30-01:30, at 01:45 BST: the clocks go back to 01:00, inside it,
    // though 00:30 does not come again.
    assert_eq!(
        next_allowed(
            "2026-10-25T00:45:00Z",
            vec![windows(vec![window(&[Sun], "00:30", "01:30")])],
            &[]
        ),
        Some(at("2026-10-25T01:00:00Z"))
    );
}

#[test]
fn a_daily_limit_and_contact_windows_wait_for_each_other() {
    use Weekday::*;
    // Tuesday 11:00 BST, inside the window, but today's call is used: not
    // midnight (outside the window) but Wednesday's window.
    let kinds = vec![
        limit(1, Period::Day),
        windows(vec![window(&[Tue, Wed], "10:00", "12:00")]),
    ];
    assert_eq!(
        next_allowed("2026-05-12T10:00:00Z", kinds, &["2026-05-12T09:10:00Z"]),
        Some(at("2026-05-13T09:00:00Z"))
    );
    // Thursday 30 April, a monthly limit used: Friday 1 May's window.
    let kinds = vec![
        limit(1, Period::Month),
        windows(vec![window(&[Mon, Tue, Wed, Thu, Fri], "10:00", "12:00")]),
    ];
    assert_eq!(
        next_allowed("2026-04-30T09:30:00Z", kinds, &["2026-04-02T09:10:00Z"]),
        Some(at("2026-05-01T09:00:00Z"))
    );
}

#[test]
fn a_measure_that_ends_before_its_next_window_lets_the_caller_through_when_it_ends() {
    use Weekday::*;
    let now = at("2026-05-12T09:30:00Z");
    let mut m = agreed(1, windows(vec![window(&[Mon], "10:00", "12:00")]), now);
    m.terms.ends_on = Some(date("2026-05-12"));
    let d = Case {
        now,
        measures: vec![m],
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
    // Wednesday 00:00 BST, the first day it is no longer in force.
    assert_eq!(d.next_allowed(), Some(at("2026-05-12T23:00:00Z")));
}

#[test]
fn a_measure_that_starts_before_the_limit_resets_is_waited_out_too() {
    use Weekday::*;
    let now = at("2026-05-12T09:30:00Z");
    let mut starting = agreed(2, windows(vec![window(&[Wed], "14:00", "15:00")]), now);
    starting.terms.starts_on = date("2026-05-13");
    let d = Case {
        now,
        measures: vec![agreed(1, limit(1, Period::Day), now), starting],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.reason, Rule::FrequencyLimit);
    assert_eq!(d.next_allowed(), Some(at("2026-05-13T13:00:00Z")));
}

#[test]
fn nothing_a_wait_cannot_lift_gets_a_time() {
    let calls = ["2026-05-12T08:00:00Z"];
    // Over the limit and naming a closed enquiry under "only new issues".
    let now = at("2026-05-12T09:30:00Z");
    let d = Case {
        now,
        measures: vec![
            agreed(1, limit(1, Period::Day), now),
            agreed(2, MeasureKind::NewIssuesOnly, now),
        ],
        enquiry: Some("ENQ-2".into()),
        enquiries: vec![enquiry(2, "ENQ-2", EnquiryStatus::Closed)],
        history: calls_at(&calls),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.action, Action::Divert);
    assert_eq!(d.next_allowed(), None, "{d:?}");
    // Only open enquiries, and none open.
    let d = decide(
        "2026-05-12T09:30:00Z",
        vec![limit(1, Period::Day), MeasureKind::OpenEnquiriesOnly],
        &calls,
    );
    assert_eq!((d.action, d.next_allowed()), (Action::Divert, None));
    // A block.
    let d = decide(
        "2026-05-12T09:30:00Z",
        vec![limit(1, Period::Day), MeasureKind::Block],
        &calls,
    );
    assert_eq!((d.action, d.next_allowed()), (Action::Block, None));
    // Two window measures that never meet (each reviewed in six months:
    // sooner, their lapsing would be what lets the caller through).
    use Weekday::*;
    let never = [Mon, Tue].map(|day| {
        let mut m = agreed(
            day as i64,
            windows(vec![window(&[day], "10:00", "12:00")]),
            now,
        );
        m.terms.review_on = m.terms.starts_on + Duration::days(183);
        m
    });
    let d = Case {
        now,
        measures: never.to_vec(),
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.next_allowed()), (Action::Divert, None));
}

#[test]
fn routed_announced_and_flooding_calls_get_no_time() {
    let now = at("2026-05-12T09:30:00Z");
    assert_eq!(
        decide("2026-05-12T09:30:00Z", vec![], &[]).next_allowed(),
        None
    );
    let mut announced = agreed(1, limit(1, Period::Day), now);
    announced.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("fairline-reminder"),
    });
    let d = Case {
        now,
        measures: vec![announced],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.next_allowed()), (Action::Announce, None));
    let flood = Case {
        now,
        flooding: true,
        ..Case::default()
    }
    .decide();
    assert_eq!((flood.action, flood.next_allowed()), (Action::Divert, None));
}

#[test]
fn an_announcing_measure_does_not_hold_back_a_divert_s_time() {
    use Weekday::*;
    let now = at("2026-05-12T09:30:00Z");
    let mut announced = agreed(1, limit(1, Period::Week), now);
    announced.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("fairline-reminder"),
    });
    let d = Case {
        now,
        measures: vec![
            announced,
            agreed(2, windows(vec![window(&[Tue], "14:00", "16:00")]), now),
        ],
        history: calls_at(&["2026-05-11T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!(d.reason, Rule::OutsideContactWindow);
    // This afternoon's window, not next Monday: the weekly limit only
    // announces.
    assert_eq!(d.next_allowed(), Some(at("2026-05-12T13:00:00Z")));
}

#[test]
fn the_time_is_on_the_rule_of_the_measure_that_diverted_not_one_that_announced() {
    let now = at("2026-05-12T09:30:00Z");
    let mut weekly = agreed(1, limit(1, Period::Week), now);
    weekly.terms.on_breach = Some(OnBreach {
        action: BreachAction::Announce,
        prompt: name("fairline-reminder"),
    });
    let d = Case {
        now,
        measures: vec![weekly, agreed(2, limit(1, Period::Day), now)],
        history: calls_at(&["2026-05-12T08:00:00Z"]),
        ..Case::default()
    }
    .decide();
    assert_eq!((d.action, d.reason), (Action::Divert, Rule::FrequencyLimit));
    let marked: Vec<_> = d
        .rules
        .iter()
        .filter_map(|r| Some((r.measure_id?.get(), r.next_allowed_at?)))
        .collect();
    assert_eq!(marked, [(2, at("2026-05-12T23:00:00Z"))]);
}

#[test]
fn the_time_survives_the_record_and_an_older_record_reads_without_one() {
    let calls = ["2026-05-12T08:00:00Z"];
    let d = decide("2026-05-12T09:30:00Z", vec![limit(1, Period::Day)], &calls);
    let stored = serde_json::to_string(&d.rules).unwrap();
    assert!(
        stored.contains(r#""next_allowed_at":"2026-05-12T23:00:00Z""#),
        "{stored}"
    );
    let read: Vec<crate::decision::RuleHit> = serde_json::from_str(&stored).unwrap();
    assert_eq!(read, d.rules);
    let older: Vec<crate::decision::RuleHit> =
        serde_json::from_str(r#"[{"rule":"frequency_limit","measure_id":1,"detail":"x"}]"#)
            .unwrap();
    assert_eq!(older[0].next_allowed_at, None);
}
