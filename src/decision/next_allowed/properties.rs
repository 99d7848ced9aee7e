//! The promise made to a diverted caller, checked over generated limits,
//! windows, terms, contacts and clocks (many around London's clock changes
//! and month ends): called again at the time they were given, the call is
//! not diverted; a minute before, it still is.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use proptest::prelude::*;

use crate::decision::fixtures::*;
use crate::decision::{calendar, Action, PastContact, Rule};
use crate::domain::{
    BreachAction, Channel, ChannelScope, EnquiryStatus, Measure, MeasureId, MeasureKind, OnBreach,
    Period, RecordId, Window,
};

/// Moments a few days either side of London's clock changes and of month
/// ends (on a ten-minute grid, so they meet window edges), or any minute
/// of 2025-2027.
fn any_now() -> impl Strategy<Value = DateTime<Utc>> {
    let anchors = prop::sample::select(vec![
        "2025-03-30T01:00:00Z",
        "2025-10-26T01:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-10-25T01:00:00Z",
        "2026-01-31T23:00:00Z",
        "2026-02-28T23:00:00Z",
        "2026-04-30T23:00:00Z",
        "2026-12-31T23:00:00Z",
    ]);
    prop_oneof![
        (anchors, -8 * 144i64..8 * 144).prop_map(|(a, k)| at(a) + Duration::minutes(10 * k)),
        (0i64..3 * 366 * 24 * 60).prop_map(|m| at("2025-01-01T00:00:00Z") + Duration::minutes(m)),
    ]
}

/// A time of day on a ten-minute grid, often in the small hours the
/// clocks skip or repeat.
fn any_time() -> impl Strategy<Value = NaiveTime> {
    let at = |tens: u32| NaiveTime::from_hms_opt(tens / 6, (tens % 6) * 10, 0).unwrap();
    prop_oneof![(0u32..144).prop_map(at), (0u32..18).prop_map(at)]
}

fn any_window() -> impl Strategy<Value = Window> {
    let days = prop::sample::subsequence(
        vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ],
        1..=4,
    );
    (days, any_time(), 1i64..=48).prop_map(|(days, from, tens)| {
        let end_of_day = NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap();
        let (to, wrapped) = from.overflowing_add_signed(Duration::minutes(10 * tens));
        Window {
            days,
            from,
            // Up to "24:00", as the API writes the end of the day.
            to: if wrapped != 0 { end_of_day } else { to },
        }
    })
}

fn any_timed_kind() -> impl Strategy<Value = MeasureKind> {
    let period = prop_oneof![Just(Period::Day), Just(Period::Week), Just(Period::Month)];
    let scope = prop_oneof![Just(ChannelScope::Phone), Just(ChannelScope::All)];
    prop_oneof![
        (1u32..4, period, scope).prop_map(|(max_contacts, per, channels)| {
            MeasureKind::FrequencyLimit {
                max_contacts,
                per,
                channels,
            }
        }),
        prop::collection::vec(any_window(), 1..3)
            .prop_map(|windows| MeasureKind::ContactWindows { windows }),
    ]
}

/// Terms around `now`: mostly in force, some starting in a day or two,
/// ending within days, lapsing, untold, or only announcing.
#[derive(Debug, Clone)]
struct Terms {
    start: i64,
    told: bool,
    review: i64,
    ends: Option<i64>,
    announce: bool,
}

fn any_terms() -> impl Strategy<Value = Terms> {
    (
        -40i64..=2,
        prop::bool::weighted(0.9),
        0i64..=60,
        prop::option::weighted(0.3, -1i64..=10),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(start, told, review, ends, announce)| Terms {
            start,
            told,
            review,
            ends,
            announce,
        })
}

fn agreed(id: i64, kind: MeasureKind, terms: &Terms, now: DateTime<Utc>) -> Measure {
    let today = calendar::local_date(now, policy().timezone);
    let mut m = measure(id, kind);
    m.terms.starts_on = today + Duration::days(terms.start);
    m.terms.notified_on = terms.told.then_some(m.terms.starts_on);
    m.terms.review_on = m.terms.starts_on + Duration::days(terms.review);
    m.terms.ends_on = terms
        .ends
        .map(|e| today + Duration::days(e))
        .filter(|ends| *ends >= m.terms.starts_on);
    if terms.announce && m.kind.takes_on_breach() {
        m.terms.on_breach = Some(OnBreach {
            action: BreachAction::Announce,
            prompt: name("fairline-reminder"),
        });
    }
    m
}

/// Contacts in the six weeks up to `now` (never after it: they are the
/// calls already made).
fn any_history(now: DateTime<Utc>) -> impl Strategy<Value = Vec<PastContact>> {
    prop::collection::vec(
        (
            0i64..42 * 24 * 6,
            prop::bool::weighted(0.8),
            prop::bool::weighted(0.9),
        )
            .prop_map(move |(ago, phone, counted)| PastContact {
                at: now - Duration::minutes(10 * ago),
                channel: if phone {
                    Channel::Phone
                } else {
                    Channel::Email
                },
                counted,
            }),
        0..12,
    )
}

/// A caller with timed measures and contacts, calling at `now`.
#[derive(Debug, Clone)]
struct Calling {
    now: DateTime<Utc>,
    measures: Vec<Measure>,
    history: Vec<PastContact>,
}

impl Calling {
    /// The same caller and contacts, calling at `now`.
    fn at(&self, now: DateTime<Utc>) -> Case {
        Case {
            now,
            measures: self.measures.clone(),
            history: self.history.clone(),
            ..Case::default()
        }
    }
}

fn any_calling() -> impl Strategy<Value = Calling> {
    any_now().prop_flat_map(|now| {
        let measures = prop::collection::vec((any_timed_kind(), any_terms()), 1..4);
        (measures, any_history(now)).prop_map(move |(measures, history)| Calling {
            now,
            measures: measures
                .iter()
                .enumerate()
                .map(|(i, (kind, terms))| agreed(i as i64 + 1, kind.clone(), terms, now))
                .collect(),
            history,
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn called_again_when_told_the_call_gets_through_and_not_a_minute_sooner(
        calling in any_calling(), fraction in 0.0f64..1.0,
    ) {
        let now = calling.now;
        let d = calling.at(now).decide();
        let Some(told) = d.next_allowed() else {
            return Ok(());
        };
        prop_assert_eq!(d.action, Action::Divert);
        prop_assert!(
            matches!(d.reason, Rule::FrequencyLimit | Rule::OutsideContactWindow),
            "{:?}", d
        );
        prop_assert!(told > now, "{} is not after {}", told, now);
        let again = calling.at(told).decide();
        prop_assert!(
            again.action.reaches_helpline(),
            "told {} at {}, then {:?}", told, now, again
        );
        let minute_before = (told - Duration::minutes(1)).max(now);
        let before = calling.at(minute_before).decide();
        prop_assert_eq!(before.action, Action::Divert, "at {} (told {})", minute_before, told);
        // And at any moment in between.
        let wait = (told - now).num_seconds() as f64;
        let between = now + Duration::seconds((wait * fraction) as i64);
        let between = calling.at(between.min(minute_before)).decide();
        prop_assert_eq!(between.action, Action::Divert, "{:?}", between);
    }

    #[test]
    fn a_call_turned_away_by_one_limit_or_one_set_of_windows_is_always_told_when(
        now in any_now(), kind in any_timed_kind(), terms in any_terms(),
    ) {
        let case = Case {
            now,
            measures: vec![agreed(1, kind, &terms, now)],
            // Calls just now, enough to use up any limit drawn (unless
            // its period began a moment ago).
            history: (0..4)
                .map(|i| PastContact {
                    at: now - Duration::seconds(i),
                    channel: Channel::Phone,
                    counted: true,
                })
                .collect(),
            ..Case::default()
        };
        let d = case.decide();
        if d.action == Action::Divert {
            prop_assert!(d.next_allowed().is_some(), "{:?}", d);
        }
    }

    #[test]
    fn only_a_call_diverted_by_a_limit_or_the_agreed_times_is_told_a_time(
        calling in any_calling(),
        other in prop::sample::select(vec![
            MeasureKind::Block,
            MeasureKind::OpenEnquiriesOnly,
            MeasureKind::NewIssuesOnly,
            spoc_at("2001"),
        ]),
        terms in any_terms(), urgent in any::<bool>(), flooding in any::<bool>(),
    ) {
        let mut case = calling.at(calling.now);
        case.measures.push(agreed(99, other, &terms, calling.now));
        let d = Case {
            urgent,
            flooding,
            enquiry: Some("ENQ-2".into()),
            enquiries: vec![enquiry(2, "ENQ-2", EnquiryStatus::Closed)],
            ..case
        }
        .decide();
        if d.next_allowed().is_some() {
            prop_assert_eq!(d.action, Action::Divert);
            prop_assert!(matches!(d.reason, Rule::FrequencyLimit | Rule::OutsideContactWindow));
        }
        // A measure no wait lifts, diverting or blocking the call, leaves it
        // without a time.
        let turned_away_by_other = d.rules.iter().any(|r| {
            r.measure_id == Some(MeasureId::from_raw(99)) && r.rule.is_breach()
        });
        if turned_away_by_other && !terms.announce {
            prop_assert_eq!(d.next_allowed(), None, "{:?}", d);
        }
    }
}
