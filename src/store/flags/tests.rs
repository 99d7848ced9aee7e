//! Raising and settling flags against an in-memory database: each kind at
//! its threshold and not below, one open flag per person and kind that
//! gathers evidence, no second flag for evidence already settled, nothing
//! for a retry, and the per-call look-ups answered from indexes alone.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;

use super::*;
use crate::decision::calendar::{local_date, period_start};
use crate::decision::{Action, Decision, Rule};
use crate::domain::{CallId, Channel, FlagThresholds, Period};
use crate::store::contacts;
use crate::store::test_support::database_with_ann as database;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn ann() -> PersonId {
    PersonId::from_raw(1)
}

/// The built-in thresholds: eight contacts a day, more than twenty in a
/// week, three calls turned away, three answers by two advisors in 14
/// days, two channels in 48 hours, reviews due in seven days.
fn thresholds() -> FlagThresholds {
    FlagThresholds::default()
}

/// An arrival at `at` (the clock reads `at` too) with no checks yet.
fn arrival(contact: ContactId, at: DateTime<Utc>, person: Option<PersonId>) -> Arrival {
    Arrival {
        contact_id: contact,
        at,
        person_id: person,
        enquiry: None,
        now: at,
        day_start: period_start(Period::Day, at, London),
        today: local_date(at, London),
        thresholds: thresholds(),
        checks: Checks::default(),
    }
}

/// Records call `call_id` at `at` as the screening path does and raises
/// its flags; answers the kinds raised (nothing for a retry).
fn call(
    conn: &Connection,
    call_id: &str,
    at: DateTime<Utc>,
    person: Option<PersonId>,
    action: Action,
    urgent: Option<bool>,
) -> Vec<Kind> {
    let decision = Decision {
        action,
        target: "helpline".into(),
        prompt: String::new(),
        reason: Rule::Default,
        rules: Vec::new(),
    };
    let call_id = CallId::parse(call_id).unwrap();
    let recorded = contacts::record_call(
        conn,
        &contacts::NewCall {
            at,
            call_id: &call_id,
            caller: Some("+447700900123"),
            dialed: "0800",
            person_id: person,
            enquiry_id: None,
            urgent: urgent.is_some(),
            decision: &decision,
            recorded_by: "pbx",
        },
    )
    .unwrap();
    let Some(contact) = recorded.new_contact else {
        return Vec::new();
    };
    let checks = Checks {
        urgent,
        frequency: true,
        turned_away: !action.reaches_helpline(),
        ..Checks::default()
    };
    raise_for_contact(
        conn,
        &Arrival {
            checks,
            ..arrival(contact, at, person)
        },
    )
    .unwrap()
}

/// A routed call from Ann at `at`.
fn routed(conn: &Connection, call_id: &str, at: DateTime<Utc>) -> Vec<Kind> {
    call(conn, call_id, at, Some(ann()), Action::Route, None)
}

/// A contact on `channel` about `enquiry` (answered by `advisor`) at `at`,
/// raising what such a contact raises.
fn contact(
    conn: &Connection,
    channel: Channel,
    at: DateTime<Utc>,
    enquiry: Option<EnquiryId>,
    advisor: Option<&str>,
) -> Vec<Kind> {
    let id = contacts::insert_contact(
        conn,
        &contacts::NewContact {
            at,
            channel,
            identity: None,
            person_id: Some(ann()),
            enquiry_id: enquiry,
            advisor,
            complaint: false,
            recorded_by: "advisor",
        },
    )
    .unwrap();
    let checks = Checks {
        frequency: true,
        scattergun: enquiry.is_some(),
        advisors: enquiry.is_some() && advisor.is_some(),
        ..Checks::default()
    };
    let a = Arrival {
        enquiry: enquiry.map(|e| (e, ann())),
        checks,
        ..arrival(ContactId::from_raw(id), at, Some(ann()))
    };
    raise_for_contact(conn, &a).unwrap()
}

fn open(conn: &Connection) -> Vec<FlagRow> {
    list(conn, StatusFilter::Only(Status::Open), None, 100).unwrap()
}

/// Brings the open flags up to date as reading the queue at `now` does;
/// answers how many gained evidence.
fn refresh(conn: &Connection, now: DateTime<Utc>) -> usize {
    let r = Refresh {
        now,
        tz: London,
        thresholds: thresholds(),
    };
    refresh_open(conn, &r, None).unwrap()
}

fn evidence_of(conn: &Connection, flag: FlagId) -> Vec<i64> {
    conn.prepare("SELECT contact_id FROM flag_evidence WHERE flag_id = ?1 ORDER BY contact_id")
        .unwrap()
        .query_map([flag], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn dismiss(conn: &Connection, id: FlagId) -> FlagRow {
    let settlement = Settlement {
        status: Status::Dismissed,
        by: "sam",
        reason: "spoke to Ann; a tribunal week",
        measure_id: None,
    };
    settle(conn, id, &settlement, "2026-06-01T12:30:00.000Z").unwrap()
}

fn enquiry(conn: &Connection) -> EnquiryId {
    conn.execute(
        "INSERT INTO enquiries (person_id, topic, status, opened_at)
         VALUES (1, 'tribunal', 'open', 'x')",
        [],
    )
    .unwrap();
    EnquiryId::from_raw(conn.last_insert_rowid())
}

#[test]
fn an_urgent_call_is_flagged_even_from_an_unknown_caller_each_on_its_own() {
    let conn = database();
    assert_eq!(
        call(&conn, "u-1", noon(), None, Action::Route, Some(false)),
        [Kind::UrgentCall]
    );
    assert_eq!(
        call(&conn, "u-2", noon(), None, Action::Route, Some(false)),
        [Kind::UrgentCall]
    );
    let flags = open(&conn);
    assert_eq!(flags.len(), 2);
    assert_eq!(flags[0].caller.as_deref(), Some("+447700900123"));
    assert_eq!(flags[0].call_id.as_deref(), Some("u-2"));
    assert_eq!(flags[0].evidence_count, 1);
}

#[test]
fn an_urgent_call_under_measures_is_its_own_kind_and_a_second_one_is_added_to_it() {
    let conn = database();
    let under = call(&conn, "u-1", noon(), Some(ann()), Action::Route, Some(true));
    assert_eq!(under, [Kind::UrgentUnderMeasures]);
    let later = noon() + Duration::days(3);
    assert!(call(&conn, "u-2", later, Some(ann()), Action::Route, Some(true)).is_empty());
    let flags = open(&conn);
    assert_eq!(flags.len(), 1, "one open flag per person and kind");
    assert_eq!(flags[0].person_name.as_deref(), Some("Ann"));
    assert_eq!(evidence_of(&conn, flags[0].id), [1, 2]);
    let without = call(&conn, "u-3", later, Some(ann()), Action::Route, Some(false));
    assert_eq!(without, [Kind::UrgentCall]);
    let hers: Vec<Kind> = for_person(&conn, ann())
        .unwrap()
        .iter()
        .map(|f| f.kind)
        .collect();
    assert_eq!(
        hers,
        [Kind::UrgentCall, Kind::UrgentUnderMeasures],
        "newest first"
    );
}

#[test]
fn the_third_call_turned_away_in_a_day_is_flagged_with_all_three_as_evidence() {
    let conn = database();
    let divert = |id, at| call(&conn, id, at, Some(ann()), Action::Divert, None);
    assert!(divert("d-1", noon()).is_empty());
    assert!(call(&conn, "r-1", noon(), Some(ann()), Action::Route, None).is_empty());
    assert!(call(&conn, "d-2", noon(), Some(ann()), Action::Block, None).is_empty());
    assert_eq!(divert("d-3", noon()), [Kind::RepeatedWhileDiverted]);
    let flag = &open(&conn)[0];
    assert_eq!(
        evidence_of(&conn, flag.id),
        [1, 3, 4],
        "not the routed call"
    );
    assert_eq!(flag.detail, "3 calls diverted or blocked on 2026-06-01");
    // The next day's diverted calls add to the open flag once they are
    // repeated again, when it is read.
    let tomorrow = noon() + Duration::days(1);
    divert("d-4", tomorrow);
    divert("d-5", tomorrow);
    assert_eq!(refresh(&conn, tomorrow), 0, "two that day add nothing");
    assert_eq!(evidence_of(&conn, flag.id), [1, 3, 4]);
    assert!(divert("d-6", tomorrow).is_empty());
    assert_eq!(refresh(&conn, tomorrow), 1);
    let flags = open(&conn);
    assert_eq!(flags.len(), 1);
    assert_eq!(evidence_of(&conn, flags[0].id), [1, 3, 4, 5, 6, 7]);
    assert_eq!(flags[0].detail, "3 calls diverted or blocked on 2026-06-02");
}

#[test]
fn a_routed_call_after_diverted_ones_is_not_repeated_while_diverted() {
    let conn = database();
    call(&conn, "d-1", noon(), Some(ann()), Action::Divert, None);
    call(&conn, "d-2", noon(), Some(ann()), Action::Divert, None);
    assert!(routed(&conn, "r-1", noon()).is_empty());
}

#[test]
fn calls_turned_away_yesterday_do_not_count_towards_repeated_while_diverted() {
    let conn = database();
    let yesterday = noon() - Duration::days(1);
    call(&conn, "d-1", yesterday, Some(ann()), Action::Divert, None);
    call(&conn, "d-2", yesterday, Some(ann()), Action::Divert, None);
    assert!(call(&conn, "d-3", noon(), Some(ann()), Action::Divert, None).is_empty());
}

#[test]
fn the_contact_that_reaches_the_daily_threshold_is_flagged_and_later_ones_add_to_it() {
    let conn = database();
    for n in 1..=7 {
        assert!(routed(&conn, &format!("c-{n}"), noon()).is_empty());
    }
    assert_eq!(routed(&conn, "c-8", noon()), [Kind::VeryFrequentContact]);
    assert!(contact(&conn, Channel::Email, noon(), None, None).is_empty());
    refresh(&conn, noon());
    let flag = &open(&conn)[0];
    assert_eq!(flag.detail, "9 contacts on 2026-06-01");
    assert_eq!(evidence_of(&conn, flag.id), (1..=9).collect::<Vec<_>>());
}

#[test]
fn a_call_for_a_kind_already_open_writes_nothing_and_reading_adds_it() {
    let conn = database();
    for n in 1..=8 {
        routed(&conn, &format!("c-{n}"), noon());
    }
    let flag = open(&conn)[0].clone();
    assert_eq!(flag.kind, Kind::VeryFrequentContact);
    let later = noon() + Duration::minutes(5);
    let decision = Decision {
        action: Action::Route,
        target: "helpline".into(),
        prompt: String::new(),
        reason: Rule::Default,
        rules: Vec::new(),
    };
    let recorded = contacts::record_call(
        &conn,
        &contacts::NewCall {
            at: later,
            call_id: &CallId::parse("c-9").unwrap(),
            caller: Some("+447700900123"),
            dialed: "0800",
            person_id: Some(ann()),
            enquiry_id: None,
            urgent: false,
            decision: &decision,
            recorded_by: "pbx",
        },
    )
    .unwrap();
    let a = Arrival {
        checks: Checks {
            frequency: true,
            ..Checks::default()
        },
        ..arrival(recorded.new_contact.unwrap(), later, Some(ann()))
    };
    let before = conn.total_changes();
    assert!(raise_for_contact_or_log(&conn, &a).is_empty());
    assert_eq!(conn.total_changes(), before, "nothing written for the call");
    assert_eq!(evidence_of(&conn, flag.id), (1..=8).collect::<Vec<_>>());
    // Reading brings it up to date, once.
    assert_eq!(refresh(&conn, later), 1);
    let now = get_flag(&conn, flag.id).unwrap();
    assert_eq!(evidence_of(&conn, flag.id), (1..=9).collect::<Vec<_>>());
    assert_eq!(now.detail, "9 contacts on 2026-06-01");
    assert_ne!(now.updated_at, flag.updated_at);
    let before = conn.total_changes();
    assert_eq!(refresh(&conn, later), 0);
    assert_eq!(conn.total_changes(), before, "nothing new, nothing written");
}

#[test]
fn more_than_the_weekly_threshold_in_seven_days_is_flagged_and_exactly_it_is_not() {
    let conn = database();
    // One from eight days ago does not count.
    contact(
        &conn,
        Channel::Letter,
        noon() - Duration::days(8),
        None,
        None,
    );
    // Twenty contacts over the last seven days, three a day (under the
    // daily threshold): at the threshold, not over it.
    for n in 0..20 {
        let at = noon() - Duration::hours(8 * (20 - n));
        assert!(
            contact(&conn, Channel::Email, at, None, None).is_empty(),
            "{n}"
        );
    }
    assert_eq!(
        contact(&conn, Channel::Web, noon(), None, None),
        [Kind::WeeklyContact]
    );
    let flag = &open(&conn)[0];
    assert_eq!(flag.detail, "21 contacts in the 7 days to 2026-06-01");
    assert_eq!(flag.evidence_count, 21);
}

#[test]
fn a_dismissed_flag_is_not_raised_again_by_the_same_contacts_but_is_by_newer_ones() {
    let conn = database();
    for n in 1..=8 {
        routed(&conn, &format!("c-{n}"), noon());
    }
    let flag = open(&conn)[0].clone();
    assert_eq!(dismiss(&conn, flag.id).status, Status::Dismissed);
    // Still eight or more today, but only the newer ones count.
    let later = noon() + Duration::minutes(5);
    for n in 9..=15 {
        assert!(routed(&conn, &format!("c-{n}"), later).is_empty(), "c-{n}");
    }
    assert!(open(&conn).is_empty());
    // The eighth contact newer than the dismissed flag's evidence.
    assert_eq!(routed(&conn, "c-16", later), [Kind::VeryFrequentContact]);
    let again = &open(&conn)[0];
    assert_eq!(evidence_of(&conn, again.id), (9..=16).collect::<Vec<_>>());
}

#[test]
fn a_retried_call_raises_nothing() {
    let conn = database();
    let urgent = Some(false);
    assert_eq!(
        call(&conn, "u-1", noon(), Some(ann()), Action::Route, urgent),
        [Kind::UrgentCall]
    );
    assert!(call(&conn, "u-1", noon(), Some(ann()), Action::Route, urgent).is_empty());
    assert_eq!(open(&conn)[0].evidence_count, 1);
}

#[test]
fn one_enquiry_on_two_channels_within_48_hours_is_scattergun_per_enquiry() {
    let conn = database();
    let enq = enquiry(&conn);
    let other = enquiry(&conn);
    let hours = |h| noon() - Duration::hours(h);
    assert!(contact(&conn, Channel::Email, hours(50), Some(enq), None).is_empty());
    assert!(contact(&conn, Channel::Phone, hours(1), Some(enq), None).is_empty());
    assert!(contact(&conn, Channel::Web, hours(1), Some(other), None).is_empty());
    assert_eq!(
        contact(&conn, Channel::Email, noon(), Some(enq), None),
        [Kind::Scattergun]
    );
    let flag = &open(&conn)[0];
    assert_eq!(flag.enquiry_id, Some(enq));
    assert_eq!(
        evidence_of(&conn, flag.id),
        [2, 4],
        "not the one 49 hours ago"
    );
    assert_eq!(
        contact(&conn, Channel::Phone, noon(), Some(other), None),
        [Kind::Scattergun],
        "another enquiry has its own"
    );
}

#[test]
fn three_answered_contacts_on_one_enquiry_by_two_advisors_are_several_advisors() {
    let conn = database();
    let enq = enquiry(&conn);
    let days = |d| noon() - Duration::days(d);
    let phone = |at, advisor| contact(&conn, Channel::Phone, at, Some(enq), advisor);
    assert!(phone(days(16), Some("Kim")).is_empty(), "outside 14 days");
    assert!(phone(days(3), Some("Sam")).is_empty());
    assert!(
        phone(days(2), None).is_empty(),
        "not answered by anyone named"
    );
    assert!(
        phone(days(1), Some("sam")).is_empty(),
        "three, but one advisor"
    );
    assert_eq!(phone(noon(), Some("Alex")), [Kind::SeveralAdvisors]);
    let flag = &open(&conn)[0];
    assert_eq!(evidence_of(&conn, flag.id), [2, 4, 5]);
    assert_eq!(
        flag.detail,
        format!("3 answered contacts about enquiry {enq} with 2 advisors in 14 days")
    );
}

fn measure(conn: &Connection, review_on: &str, ended_at: Option<&str>) -> MeasureId {
    conn.execute(
        "INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on,
                               set_by, created_at, updated_at, ended_at)
         VALUES (1, 'frequency_limit', '{}', 'r', '2026-01-01', ?1, 's', 'x', 'x', ?2)",
        params![review_on, ended_at],
    )
    .unwrap();
    MeasureId::from_raw(conn.last_insert_rowid())
}

fn june(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
}

#[test]
fn a_review_due_within_seven_days_or_past_is_flagged_once_per_review_date() {
    let conn = database();
    let now = "2026-06-01T12:00:00.000Z";
    let past = measure(&conn, "2026-05-31", None);
    let soon = measure(&conn, "2026-06-08", None);
    measure(&conn, "2026-06-09", None); // eight days ahead: not yet
    measure(&conn, "2026-05-01", Some("2026-05-15T00:00:00.000Z")); // ended
    assert_eq!(raise_reviews_due(&conn, june(1), 7, now).unwrap(), 2);
    assert_eq!(raise_reviews_due(&conn, june(1), 7, now).unwrap(), 0);
    let due: Vec<_> = open(&conn).into_iter().map(|f| f.measure_id).collect();
    assert_eq!(due.len(), 2);
    assert!(due.contains(&Some(past)) && due.contains(&Some(soon)));
    // Reviewed: its flag is resolved, and not raised again for that date.
    settle_reviews_due(&conn, past, "sam", "reviewed", None, now).unwrap();
    assert_eq!(raise_reviews_due(&conn, june(1), 7, now).unwrap(), 0);
    // The review moved the date on: once that is due, a new flag.
    conn.execute(
        "UPDATE measures SET review_on = '2026-06-20' WHERE id = ?1",
        [past],
    )
    .unwrap();
    assert_eq!(raise_reviews_due(&conn, june(1), 7, now).unwrap(), 0);
    // On 13 June, the one due on the 20th, and the one due on the 9th.
    assert_eq!(raise_reviews_due(&conn, june(13), 7, now).unwrap(), 2);
}

#[test]
fn an_open_review_flag_follows_its_measure_and_goes_when_the_measure_runs_out() {
    let conn = database();
    let now = "2026-06-01T12:00:00.000Z";
    let id = measure(&conn, "2026-06-03", None);
    raise_reviews_due(&conn, june(1), 7, now).unwrap();
    conn.execute(
        "UPDATE measures SET review_on = '2026-06-05' WHERE id = ?1",
        [id],
    )
    .unwrap();
    raise_reviews_due(&conn, june(1), 7, now).unwrap();
    let flag = &open(&conn)[0];
    assert_eq!(flag.review_on, Some(june(5)));
    assert_eq!(
        flag.detail,
        "frequency_limit measure: review due on 2026-06-05"
    );
    conn.execute(
        "UPDATE measures SET ends_on = '2026-06-02' WHERE id = ?1",
        [id],
    )
    .unwrap();
    raise_reviews_due(&conn, june(3), 7, now).unwrap();
    assert!(open(&conn).is_empty());
}

#[test]
fn review_dates_are_compared_as_dates_not_as_text() {
    let conn = database();
    // As text, "+10000-01-01" sorts before "2026-06-01": the measure would
    // be flagged as due today. Neither is a date SQLite reads, nor one
    // fairline accepts now, so neither is flagged.
    measure(&conn, "+10000-01-01", None);
    measure(&conn, "not a date", None);
    let now = "2026-06-01T12:00:00.000Z";
    assert_eq!(raise_reviews_due(&conn, june(1), 7, now).unwrap(), 0);
}

#[test]
fn a_flag_is_settled_once_a_review_flag_only_by_a_review_and_a_missing_one_is_not_found() {
    let conn = database();
    call(
        &conn,
        "u-1",
        noon(),
        Some(ann()),
        Action::Route,
        Some(false),
    );
    let id = open(&conn)[0].id;
    let resolve = |id, measure_id| {
        let settlement = Settlement {
            status: Status::Resolved,
            by: "sam",
            reason: "called back",
            measure_id,
        };
        settle(&conn, id, &settlement, "2026-06-01T12:30:00.000Z")
    };
    let after = resolve(id, None).unwrap();
    assert_eq!(
        (after.status, after.settled_by.as_deref()),
        (Status::Resolved, Some("sam"))
    );
    assert!(matches!(
        resolve(id, None),
        Err(StoreError::Conflict { field: "id", .. })
    ));
    assert!(matches!(
        resolve(FlagId::from_raw(99), None),
        Err(StoreError::NotFound("flag"))
    ));
    measure(&conn, "2026-06-02", None);
    raise_reviews_due(&conn, june(1), 7, "2026-06-01T12:00:00.000Z").unwrap();
    let due = open(&conn)[0].id;
    assert!(matches!(
        resolve(due, None),
        Err(StoreError::Conflict { field: "kind", .. })
    ));
}

#[test]
fn a_flag_is_resolved_only_with_a_measure_of_its_own_person() {
    let conn = database();
    conn.execute(
        "INSERT INTO people (id, name, created_at, updated_at) VALUES (2, 'Bob', 'x', 'x')",
        [],
    )
    .unwrap();
    let anns = measure(&conn, "2026-08-01", None);
    conn.execute("UPDATE measures SET id = 50 WHERE id = ?1", [anns])
        .unwrap();
    measure(&conn, "2026-08-01", None);
    conn.execute("UPDATE measures SET person_id = 2 WHERE id <> 50", [])
        .unwrap();
    let bobs: MeasureId = conn
        .query_row("SELECT id FROM measures WHERE person_id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    call(
        &conn,
        "u-1",
        noon(),
        Some(ann()),
        Action::Route,
        Some(false),
    );
    let id = open(&conn)[0].id;
    let resolve = |measure_id| {
        let settlement = Settlement {
            status: Status::Resolved,
            by: "sam",
            reason: "agreed a limit",
            measure_id: Some(measure_id),
        };
        settle(&conn, id, &settlement, "2026-06-01T12:30:00.000Z")
    };
    for refused in [bobs, MeasureId::from_raw(999)] {
        assert!(matches!(
            resolve(refused),
            Err(StoreError::Invalid(e)) if e.field == "measure_id"
        ));
    }
    assert_eq!(open(&conn).len(), 1, "a refused resolve changes nothing");
    let settled = resolve(MeasureId::from_raw(50)).unwrap();
    assert_eq!(settled.resolved_measure_id, Some(MeasureId::from_raw(50)));
}

#[test]
fn a_flag_that_cannot_be_raised_leaves_the_call_recorded() {
    let mut conn = database();
    let tx = conn.transaction().unwrap();
    routed(&tx, "c-1", noon());
    // A contact that does not exist: the foreign key refuses the evidence.
    let a = Arrival {
        checks: Checks {
            urgent: Some(false),
            ..Checks::default()
        },
        ..arrival(ContactId::from_raw(100), noon(), None)
    };
    assert!(raise_for_contact_or_log(&tx, &a).is_empty());
    tx.commit().unwrap();
    let (calls, flags): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM flags)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((calls, flags), (1, 0), "rolled back whole");
}

/// The look-ups the screening path makes, each answered from an index
/// without reading the table.
#[test]
fn the_per_call_look_ups_read_only_indexes() {
    let conn = database();
    let plan = |sql: &str| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("; ")
    };
    let counts = plan(
        "SELECT count(*), coalesce(sum(at >= 5), 0),
                coalesce(sum(at >= 5 AND channel = 'phone' AND counted = 0), 0)
         FROM contacts WHERE person_id = 1 AND at >= 3 AND complaint = 0",
    );
    assert!(
        counts.contains("COVERING INDEX contacts_by_person_time"),
        "{counts}"
    );
    let channels = plan(
        "SELECT count(*), count(DISTINCT channel) FROM contacts
         WHERE enquiry_id = 1 AND complaint = 0 AND at >= 3 AND at > 2",
    );
    assert!(
        channels.contains("COVERING INDEX contacts_by_enquiry_time"),
        "{channels}"
    );
    let latest = plan(
        "SELECT id, status, evidence_until FROM flags
         WHERE person_id = 1 AND kind = 'weekly_contact' AND enquiry_id IS NULL
         ORDER BY id DESC LIMIT 2",
    );
    assert!(
        latest.contains("COVERING INDEX flags_by_subject"),
        "{latest}"
    );
    assert!(!latest.contains("TEMP B-TREE"), "{latest}");
    let turned_away = plan(
        "SELECT id, at FROM contacts
         WHERE person_id = 1 AND channel = 'phone' AND counted = 0 AND complaint = 0
           AND at >= 3 AND at > 2",
    );
    assert!(
        turned_away.contains("COVERING INDEX contacts_by_person_time"),
        "{turned_away}"
    );
    // The queue's evidence: the latest few of however many, without a sort.
    let evidence = plan(
        "SELECT c.id, c.at FROM flag_evidence e JOIN contacts c ON c.id = e.contact_id
         WHERE e.flag_id = 1 ORDER BY e.contact_id DESC LIMIT 50",
    );
    assert!(!evidence.contains("TEMP B-TREE"), "{evidence}");
}
