//! Property: raising flags never changes a call's decision or what is
//! recorded for it. The same calls, screened through the writer job with
//! any flag thresholds and with every kind that can be turned off turned
//! off, get the same answers and leave the same record.

use chrono::{Duration, TimeZone};
use proptest::prelude::*;

use super::*;
use crate::config::Settings;
use crate::domain::Region;

/// Ann: a frequency limit of two calls a day and an open enquiry. Bob: a
/// block (after a limit, as the policy wants). Carol: nothing agreed.
const SETUP: &str = "
    INSERT INTO people (id, name, created_at, updated_at) VALUES
        (1, 'Ann', 'x', 'x'), (2, 'Bob', 'x', 'x'), (3, 'Carol', 'x', 'x');
    INSERT INTO identities (person_id, kind, value, created_at) VALUES
        (1, 'phone', '+447700900123', 'x'), (2, 'phone', '+447700900456', 'x'),
        (3, 'phone', '+447700900789', 'x');
    INSERT INTO enquiries (person_id, reference, topic, status, opened_at)
        VALUES (1, 'ENQ-1', 'tribunal', 'open', 'x');
    INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on, review_on,
                          set_by, created_at, updated_at) VALUES
        (1, 'frequency_limit', '{\"max_contacts\":2,\"per\":\"day\",\"channels\":\"phone\"}',
         'r', '2026-05-01', '2026-05-01', '2026-07-01', 's', 'x', 'x'),
        (2, 'frequency_limit', '{\"max_contacts\":5,\"per\":\"week\",\"channels\":\"phone\"}',
         'r', '2026-04-01', '2026-04-01', '2026-06-20', 's', 'x', 'x'),
        (2, 'block', '{}', 'r', '2026-05-01', '2026-05-01', '2026-06-10', 's', 'x', 'x');";

const CALLERS: [&str; 5] = [
    "+447700900123",
    "+447700900456",
    "+447700900789",
    "+447700900999",
    "",
];

/// One call: who (an index into `CALLERS`), whether urgent, whether it
/// names Ann's enquiry, and the minutes since the call before.
type Step = (usize, bool, bool, i64);

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0..CALLERS.len(), any::<bool>(), any::<bool>(), 0..240i64),
        1..30,
    )
}

fn thresholds() -> impl Strategy<Value = FlagThresholds> {
    (
        (0..5u32, 0..8u32, 0..4u32, 0..4u32),
        (
            2..4u32,
            1..15u32,
            prop_oneof![Just(0u32), 2..4u32],
            1..49u32,
        ),
        0..30u32,
    )
        .prop_map(
            |((daily, weekly, away, answers), (advisors, days, channels, hours), due)| {
                FlagThresholds {
                    daily_contacts: daily,
                    weekly_contacts: weekly,
                    turned_away_calls: away,
                    advisors_contacts: answers,
                    advisors_distinct: advisors,
                    advisors_days: days,
                    scattergun_channels: channels,
                    scattergun_hours: hours,
                    review_due_days: due,
                }
            },
        )
}

/// Every kind that has an off switch, off.
fn off() -> FlagThresholds {
    FlagThresholds {
        daily_contacts: 0,
        weekly_contacts: 0,
        turned_away_calls: 0,
        advisors_contacts: 0,
        scattergun_channels: 0,
        ..FlagThresholds::default()
    }
}

/// A recorded call: action, reason, rules, whether it counted.
type Row = (String, String, String, bool);

/// Screens `steps` on a fresh database with `thresholds`; answers each
/// call's decision, the record left, and how many flags were raised.
fn screen_all(steps: &[Step], thresholds: FlagThresholds) -> (Vec<Decision>, Vec<Row>, i64) {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::migrate(&mut conn).unwrap();
    conn.execute_batch(SETUP).unwrap();
    let cache = Mutex::new(CallerCache::default());
    let region = Region::parse("GB").unwrap();
    let policy = Arc::new(Settings::default().policy());
    let mut now = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
    let mut decisions = Vec::new();
    for (n, &(caller, urgent, enquiry, minutes)) in steps.iter().enumerate() {
        now += Duration::minutes(minutes);
        let job = Job {
            now,
            policy: policy.clone(),
            recorded_by: "pbx".into(),
            thresholds,
        };
        let call = ParsedCall {
            call_id: CallId::parse(&format!("call-{n}")).unwrap(),
            caller: CallerId::parse(CALLERS[caller], region).unwrap(),
            dialed: "0800".into(),
            enquiry: enquiry.then(|| "ENQ-1".to_owned()),
            urgent,
            screened: true,
        };
        let (decision, _) = on_writer(&conn, &cache, &job, &call, |_| false).unwrap();
        decisions.push(decision.unwrap());
    }
    let recorded = conn
        .prepare("SELECT action, reason, rules, counted FROM contacts ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let flags = conn
        .query_row("SELECT count(*) FROM flags", [], |r| r.get(0))
        .unwrap();
    (decisions, recorded, flags)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn raising_flags_never_changes_a_decision_or_its_record(
        steps in steps(),
        thresholds in thresholds(),
    ) {
        let (decisions, recorded, _) = screen_all(&steps, thresholds);
        let (without, recorded_without, _) = screen_all(&steps, off());
        prop_assert_eq!(decisions, without);
        prop_assert_eq!(recorded, recorded_without);
    }
}

/// The property above is only worth something if flags are raised in it.
#[test]
fn the_calls_the_property_screens_do_raise_flags() {
    let busy: Vec<Step> = (0..12).map(|n| (n % 2, n % 3 == 0, true, 5)).collect();
    let low = FlagThresholds {
        daily_contacts: 2,
        weekly_contacts: 2,
        turned_away_calls: 2,
        ..FlagThresholds::default()
    };
    let (_, _, raised) = screen_all(&busy, low);
    let (_, _, urgent_only) = screen_all(&busy, off());
    assert!(
        raised > urgent_only && urgent_only > 0,
        "{raised} {urgent_only}"
    );
}
