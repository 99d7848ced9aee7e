//! Property: a complaint about the service never counts against anyone.
//! The same calls and emails, screened and recorded through the real store
//! paths, with some of them marked as complaints (a call by its outcome, an
//! email when recorded), never leave a later call more restricted than
//! with none marked; a frequency limit's count leaves them out; and no
//! complaint is the evidence of a flag.

use chrono::{Duration, TimeZone};
use proptest::prelude::*;

use super::*;
use crate::config::Settings;
use crate::decision::Action;
use crate::domain::{Channel, RecordId, Region};

/// Ann: no more than 2 contacts a day on any channel, and an open enquiry.
const SETUP: &str = "
    INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x');
    INSERT INTO identities (person_id, kind, value, created_at)
        VALUES (1, 'phone', '+447700900123', 'x');
    INSERT INTO enquiries (id, person_id, reference, topic, status, opened_at)
        VALUES (1, 1, 'ENQ-1', 'tribunal', 'open', 'x');
    INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on, review_on,
                          set_by, created_at, updated_at) VALUES
        (1, 'frequency_limit', '{\"max_contacts\":2,\"per\":\"day\",\"channels\":\"all\"}',
         'r', '2026-05-01', '2026-05-01', '2026-07-01', 's', 'x', 'x');";

/// One contact from Ann: a call (else an email), whether it names her
/// enquiry, whether it is a complaint, and the minutes since the one before.
type Step = (bool, bool, bool, i64);

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (any::<bool>(), any::<bool>(), any::<bool>(), 0..600i64),
        1..25,
    )
}

/// Low thresholds, so the flags are raised and the property bites.
fn thresholds() -> FlagThresholds {
    FlagThresholds {
        daily_contacts: 2,
        weekly_contacts: 3,
        turned_away_calls: 1,
        scattergun_channels: 2,
        ..FlagThresholds::default()
    }
}

/// What a run leaves to compare.
struct Run {
    /// Each call's action, in order (emails get none).
    actions: Vec<Action>,
    /// Per step, the contacts the limit counted that day as screening
    /// reads them, and those it should: routed calls and emails of that
    /// day that are not complaints.
    counts: Vec<(usize, usize)>,
    /// Flag evidence that is a complaint (the urgent kinds, which keep
    /// theirs, are not in play here).
    complaint_evidence: i64,
}

fn run(steps: &[Step], complaints: bool) -> Run {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::migrate(&mut conn).unwrap();
    conn.execute_batch(SETUP).unwrap();
    let cache = Mutex::new(CallerCache::default());
    let policy = Arc::new(Settings::default().policy());
    let region = Region::parse("GB").unwrap();
    let ann = crate::domain::PersonId::from_raw(1);
    let mut now = Utc.with_ymd_and_hms(2026, 6, 1, 7, 0, 0).unwrap();
    let mut actions = Vec::new();
    let mut counts = Vec::new();
    // Contacts so far: when, whether they reached the helpline, complaint.
    let mut made: Vec<(DateTime<Utc>, bool, bool)> = Vec::new();
    for (n, &(call, names, complaint, minutes)) in steps.iter().enumerate() {
        let complaint = complaint && complaints;
        now += Duration::minutes(minutes);
        let job = Job {
            now,
            policy: policy.clone(),
            recorded_by: "pbx".into(),
            thresholds: thresholds(),
        };
        let stamp = crate::store::timestamp(now);
        if call {
            let call_id = CallId::parse(&format!("call-{n}")).unwrap();
            let parsed = ParsedCall {
                call_id: call_id.clone(),
                caller: CallerId::parse("07700 900123", region).unwrap(),
                dialed: "0800".into(),
                enquiry: names.then(|| "ENQ-1".to_owned()),
                urgent: false,
                screened: true,
            };
            let (decision, _) = on_writer(&conn, &cache, &job, &parsed, |_| false).unwrap();
            let action = decision.unwrap().action;
            actions.push(action);
            if complaint {
                let outcome = contacts::Outcome {
                    advisor: None,
                    enquiry_id: None,
                    answered: Some(true),
                    duration_s: Some(60),
                    note: None,
                    complaint: Some(true),
                };
                let id = contacts::record_outcome(&conn, &call_id, &outcome, &stamp).unwrap();
                let refresh = flags::Refresh {
                    now,
                    tz: policy.timezone,
                    thresholds: thresholds(),
                };
                flags::withdraw_complaint(&conn, ContactId::from_raw(id), &refresh, &stamp)
                    .unwrap();
            }
            made.push((now, action.reaches_helpline(), complaint));
        } else {
            let enquiry = names.then(|| EnquiryId::from_raw(1));
            let contact = contacts::NewContact {
                at: now,
                channel: Channel::Email,
                identity: Some("ann@example.org"),
                person_id: Some(ann),
                enquiry_id: enquiry,
                advisor: None,
                complaint,
                recorded_by: "advisor",
            };
            let id = contacts::insert_contact(&conn, &contact).unwrap();
            let arrival = flags::Arrival {
                contact_id: ContactId::from_raw(id),
                at: now,
                person_id: Some(ann),
                enquiry: enquiry.map(|e| (e, ann)),
                now,
                day_start: calendar::period_start(Period::Day, now, policy.timezone),
                today: calendar::local_date(now, policy.timezone),
                thresholds: thresholds(),
                checks: flags::Checks {
                    frequency: !complaint,
                    scattergun: !complaint && names,
                    ..flags::Checks::default()
                },
            };
            flags::raise_for_contact_or_log(&conn, &arrival);
            made.push((now, true, complaint));
        }
        let day = calendar::period_start(Period::Day, now, policy.timezone);
        let read = contacts::history_since(&conn, ann, day)
            .unwrap()
            .iter()
            .filter(|c| c.counted)
            .count();
        let expected = made
            .iter()
            .filter(|(at, reached, complaint)| *at >= day && *reached && !complaint)
            .count();
        counts.push((read, expected));
    }
    let complaint_evidence = conn
        .query_row(
            "SELECT count(*) FROM flag_evidence e JOIN contacts c ON c.id = e.contact_id
             WHERE c.complaint = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    Run {
        actions,
        counts,
        complaint_evidence,
    }
}

fn severity(action: Action) -> usize {
    Action::ALL.iter().position(|a| *a == action).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_complaint_never_counts_against_the_person_who_made_it(steps in steps()) {
        let with = run(&steps, true);
        let without = run(&steps, false);
        for (i, (marked, unmarked)) in with.actions.iter().zip(&without.actions).enumerate() {
            prop_assert!(
                severity(*marked) <= severity(*unmarked),
                "call {i}: {marked:?} with complaints, {unmarked:?} without"
            );
        }
        for (i, (read, expected)) in with.counts.iter().enumerate() {
            prop_assert_eq!(read, expected, "step {}", i);
        }
        prop_assert_eq!(with.complaint_evidence, 0);
    }
}

/// The property is only worth something if complaints change calls and
/// flags in it: a day of calls that would be diverted without them.
#[test]
fn complaints_let_calls_through_that_would_have_been_diverted() {
    let busy: Vec<Step> = (0..5).map(|_| (true, true, true, 10)).collect();
    let with = run(&busy, true);
    let without = run(&busy, false);
    assert!(
        with.actions.iter().all(|a| *a == Action::Route),
        "{:?}",
        with.actions
    );
    assert_eq!(
        without
            .actions
            .iter()
            .filter(|a| **a == Action::Divert)
            .count(),
        3
    );
}
