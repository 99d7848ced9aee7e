//! Raising flags against an in-memory database: each kind, at most one
//! open flag of a kind per person per day, nothing for a retry.

use chrono::{Duration, TimeZone};
use chrono_tz::Europe::London;

use super::*;
use crate::decision::calendar::period_start;
use crate::decision::{Decision, Rule};
use crate::domain::{CallId, ContactId, FlagId, Period, PersonId, RecordId};
use crate::store::contacts;
use crate::store::test_support::database_with_ann as database;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

/// Records call `call_id` from Ann at `at` as the screening path does;
/// returns it as flags see it (threshold 4 a day), or `None` for a retry.
fn record(
    conn: &Connection,
    call_id: &str,
    at: DateTime<Utc>,
    urgent: bool,
    action: Action,
    person: Option<i64>,
) -> Option<FreshCall> {
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
            person_id: person.map(PersonId::from_raw),
            enquiry_id: None,
            urgent,
            decision: &decision,
            recorded_by: "pbx",
        },
    )
    .unwrap();
    Some(FreshCall {
        contact_id: recorded.new_contact?,
        person_id: person.map(PersonId::from_raw),
        urgent,
        action,
        now: at,
        day_start: period_start(Period::Day, at, London),
        daily_contacts: 4,
    })
}

/// Records a call as `record` does and raises its flags if it was new;
/// returns the kinds raised.
fn call_at(
    conn: &Connection,
    call_id: &str,
    at: DateTime<Utc>,
    urgent: bool,
    action: Action,
    person: Option<i64>,
) -> Vec<&'static str> {
    let Some(fresh) = record(conn, call_id, at, urgent, action, person) else {
        return Vec::new();
    };
    raise_for_call(conn, &fresh)
        .unwrap()
        .into_iter()
        .map(Kind::as_str)
        .collect()
}

fn call(conn: &Connection, call_id: &str, urgent: bool, action: Action) -> Vec<&'static str> {
    call_at(conn, call_id, noon(), urgent, action, Some(1))
}

fn open_kinds(conn: &Connection) -> Vec<String> {
    queue(conn, Status::Open, None, 100)
        .unwrap()
        .into_iter()
        .map(|f| f.kind.as_str().to_owned())
        .collect()
}

#[test]
fn an_urgent_call_is_flagged_even_from_an_unknown_caller() {
    let conn = database();
    assert_eq!(call(&conn, "u-1", true, Action::Route), ["urgent_call"]);
    let unknown = call_at(&conn, "u-2", noon(), true, Action::Route, None);
    assert_eq!(unknown, ["urgent_call"]);
    let flags = queue(&conn, Status::Open, None, 100).unwrap();
    assert_eq!(flags[0].caller.as_deref(), Some("+447700900123"));
    assert_eq!(flags[0].call_id.as_deref(), Some("u-2"));
    assert_eq!(flags[1].person_name.as_deref(), Some("Ann"));
}

#[test]
fn a_third_call_turned_away_in_a_day_is_flagged_as_repeated_while_diverted() {
    let conn = database();
    assert!(call(&conn, "d-1", false, Action::Divert).is_empty());
    assert!(call(&conn, "d-2", false, Action::Block).is_empty());
    assert_eq!(
        call(&conn, "d-3", false, Action::Divert),
        ["repeated_while_diverted"]
    );
}

#[test]
fn a_routed_call_after_diverted_ones_is_not_flagged_as_repeated_while_diverted() {
    let conn = database();
    call(&conn, "d-1", false, Action::Divert);
    call(&conn, "d-2", false, Action::Divert);
    assert!(call(&conn, "r-1", false, Action::Route).is_empty());
}

#[test]
fn calls_turned_away_yesterday_do_not_count_towards_repeated_while_diverted() {
    let conn = database();
    let yesterday = noon() - Duration::days(1);
    call_at(&conn, "d-1", yesterday, false, Action::Divert, Some(1));
    call_at(&conn, "d-2", yesterday, false, Action::Divert, Some(1));
    assert!(call(&conn, "d-3", false, Action::Divert).is_empty());
}

#[test]
fn the_contact_that_reaches_the_daily_threshold_is_flagged_as_very_frequent() {
    let conn = database();
    for n in 1..=3 {
        assert!(call(&conn, &format!("c-{n}"), false, Action::Route).is_empty());
    }
    assert_eq!(
        call(&conn, "c-4", false, Action::Route),
        ["very_frequent_contact"]
    );
    assert_eq!(open_kinds(&conn), ["very_frequent_contact"]);
}

#[test]
fn a_daily_threshold_of_zero_never_flags_frequent_contact() {
    let conn = database();
    for n in 1..=10 {
        let fresh = FreshCall {
            daily_contacts: 0,
            ..record(
                &conn,
                &format!("c-{n}"),
                noon(),
                false,
                Action::Route,
                Some(1),
            )
            .unwrap()
        };
        assert!(raise_for_call(&conn, &fresh).unwrap().is_empty());
    }
}

#[test]
fn an_open_kind_is_not_raised_twice_for_a_person_on_one_day_but_is_the_next() {
    let conn = database();
    assert_eq!(call(&conn, "u-1", true, Action::Route), ["urgent_call"]);
    assert!(call(&conn, "u-2", true, Action::Route).is_empty());
    assert_eq!(open_kinds(&conn), ["urgent_call"]);
    let tomorrow = noon() + Duration::days(1);
    let next_day = call_at(&conn, "u-3", tomorrow, true, Action::Route, Some(1));
    assert_eq!(next_day, ["urgent_call"]);
}

#[test]
fn a_resolved_flag_does_not_stop_the_same_kind_being_raised_again() {
    let conn = database();
    call(&conn, "u-1", true, Action::Route);
    resolve(
        &conn,
        FlagId::from_raw(1),
        "sam",
        "called back",
        "2026-06-01T12:30:00.000Z",
    )
    .unwrap();
    assert_eq!(call(&conn, "u-2", true, Action::Route), ["urgent_call"]);
}

#[test]
fn a_retried_call_raises_nothing() {
    let conn = database();
    assert_eq!(call(&conn, "u-1", true, Action::Route), ["urgent_call"]);
    resolve(
        &conn,
        FlagId::from_raw(1),
        "sam",
        "called back",
        "2026-06-01T12:30:00.000Z",
    )
    .unwrap();
    // The same call id again: recorded once, so nothing to raise, even
    // though the kind is no longer open.
    assert!(call(&conn, "u-1", true, Action::Route).is_empty());
    assert!(open_kinds(&conn).is_empty());
}

fn measure(conn: &Connection, review_on: &str, ended_at: Option<&str>) -> i64 {
    conn.execute(
        "INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on,
                               set_by, created_at, updated_at, ended_at)
         VALUES (1, 'frequency_limit', '{}', 'r', '2026-01-01', ?1, 's', 'x', 'x', ?2)",
        params![review_on, ended_at],
    )
    .unwrap();
    conn.last_insert_rowid()
}

#[test]
fn a_measure_past_its_review_is_flagged_once_and_not_again_once_resolved() {
    let conn = database();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let overdue = measure(&conn, "2026-05-31", None);
    measure(&conn, "2026-06-01", None); // due today: not past
    measure(&conn, "2026-05-01", Some("2026-05-15T00:00:00.000Z")); // ended
    let now = "2026-06-01T12:00:00.000Z";
    assert_eq!(raise_past_reviews(&conn, today, now).unwrap(), 1);
    assert_eq!(raise_past_reviews(&conn, today, now).unwrap(), 0);
    let flags = queue(&conn, Status::Open, Some(1), 100).unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].measure_id, Some(overdue));
    assert_eq!(flags[0].kind, Kind::MeasurePastReview);
    resolve(&conn, flags[0].id, "sam", "reviewed", now).unwrap();
    assert_eq!(raise_past_reviews(&conn, today, now).unwrap(), 0);
}

#[test]
fn review_dates_are_compared_as_dates_not_as_text() {
    let conn = database();
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    // As text, "+10000-01-01" sorts before "2026-06-01": the measure would
    // be flagged as past its review today. Neither is a date SQLite reads,
    // nor one fairline accepts now, so neither is flagged.
    measure(&conn, "+10000-01-01", None);
    measure(&conn, "not a date", None);
    assert_eq!(
        raise_past_reviews(&conn, today, "2026-06-01T12:00:00.000Z").unwrap(),
        0
    );
}

#[test]
fn a_flag_is_resolved_once_and_a_missing_one_is_not_found() {
    let conn = database();
    call(&conn, "u-1", true, Action::Route);
    let (before, after) = resolve(&conn, FlagId::from_raw(1), "sam", "called back", "t").unwrap();
    assert_eq!(
        (before.resolved_at, after.resolved_by.as_deref()),
        (None, Some("sam"))
    );
    assert!(matches!(
        resolve(&conn, FlagId::from_raw(1), "kim", "again", "t"),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        resolve(&conn, FlagId::from_raw(99), "kim", "x", "t"),
        Err(StoreError::NotFound("flag"))
    ));
    assert_eq!(queue(&conn, Status::Resolved, None, 100).unwrap().len(), 1);
    assert!(queue(&conn, Status::Open, None, 100).unwrap().is_empty());
}

#[test]
fn a_flag_that_cannot_be_raised_leaves_the_call_recorded() {
    let mut conn = database();
    conn.execute("PRAGMA foreign_keys = ON", []).unwrap();
    let tx = conn.transaction().unwrap();
    let recorded = record(&tx, "u-1", noon(), true, Action::Route, Some(1)).unwrap();
    // A contact that does not exist: the foreign key refuses the flag.
    let fresh = FreshCall {
        contact_id: ContactId::from_raw(recorded.contact_id.get() + 100),
        ..recorded
    };
    assert!(raise_for_call_or_log(&tx, &fresh).is_empty());
    tx.commit().unwrap();
    let calls: i64 = conn
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(calls, 1);
}
