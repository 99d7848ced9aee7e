//! Purges against an in-memory database: what goes, what stays, chunking,
//! and the audit log's part.

use chrono::{Duration, TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::domain::{PersonId, RecordId};
use crate::store::test_support::database_with_ann as database;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn cutoffs() -> Cutoffs {
    Cutoffs {
        contacts: now() - Duration::days(730),
        ended_measures: now() - Duration::days(730),
    }
}

fn plan(dry_run: bool) -> Purge {
    Purge {
        cutoffs: cutoffs(),
        dry_run,
        run_by: "test",
        now: now(),
    }
}

/// A contact `days_ago`, with a `contact.create` audit entry copying it.
fn contact(conn: &Connection, days_ago: i64) -> i64 {
    let at = (now() - Duration::days(days_ago)).timestamp_millis();
    conn.execute(
        "INSERT INTO contacts (at, channel, identity, person_id, counted, recorded_by)
         VALUES (?1, 'email', 'ann@example.org', 1, 1, 'test')",
        [at],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        audit::Entry {
            actor: "advisor",
            action: "contact.create",
            entity: "contact",
            entity_id: Some(id),
            person_id: Some(PersonId::from_raw(1)),
            before: None,
            after: Some(json!({"id": id, "identity": "ann@example.org"})),
        },
        "2020-01-01T00:00:00.000Z",
    )
    .unwrap();
    id
}

fn measure(conn: &Connection, ended_at: Option<&str>, ends_on: Option<&str>) -> i64 {
    conn.execute(
        "INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on, ends_on,
                               set_by, created_at, updated_at, ended_at)
         VALUES (1, 'block', '{}', 'r', '2020-01-01', '2020-02-01', ?1, 's', 'x', 'x', ?2)",
        rusqlite::params![ends_on, ended_at],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn ids(conn: &Connection, table: &str) -> Vec<i64> {
    let mut stmt = conn
        .prepare(&format!("SELECT id FROM {table} ORDER BY id"))
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

fn purge_entries(conn: &Connection) -> Vec<serde_json::Value> {
    let mut stmt = conn
        .prepare("SELECT actor, after FROM audit_log WHERE action = 'retention.purge'")
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            let actor: String = r.get(0)?;
            let after: String = r.get(1)?;
            Ok((actor, after))
        })
        .unwrap();
    rows.map(|row| {
        let (actor, after) = row.unwrap();
        assert_eq!(actor, "retention");
        serde_json::from_str(&after).unwrap()
    })
    .collect()
}

#[test]
fn end_dates_are_compared_as_dates_not_as_text() {
    let conn = database();
    // As text, "+10000-01-01" sorts before any date this century: a
    // measure running to the year 10000 would be purged as long ended.
    let far = measure(&conn, None, Some("+10000-01-01"));
    let garbled = measure(&conn, None, Some("not a date"));
    let ended = measure(&conn, None, Some("2024-01-01"));
    let counts = Step::Delete {
        cutoffs: cutoffs(),
        chunk: 10,
    }
    .run(&conn)
    .unwrap();
    assert_eq!(counts.measures, 1);
    assert_eq!(ids(&conn, "measures"), [far, garbled]);
    assert!(ended > garbled);
}

#[tokio::test]
async fn a_purge_deletes_only_what_is_past_its_period_a_chunk_at_a_time() {
    let conn = database();
    for days_ago in [731, 800, 900, 1000, 1100, 1200, 1300] {
        contact(&conn, days_ago);
    }
    let recent = [contact(&conn, 729), contact(&conn, 1)];
    let old_end = measure(&conn, Some("2024-01-01T00:00:00.000Z"), None);
    let old_ends_on = measure(&conn, None, Some("2024-01-01"));
    let kept = [
        measure(&conn, Some("2026-01-01T00:00:00.000Z"), None),
        measure(&conn, None, Some("2026-01-01")),
        measure(&conn, None, None),
    ];
    assert!(old_end < old_ends_on);

    let mut steps = 0;
    let counts = purge_in_chunks(
        plan(false),
        3,
        |step| {
            steps += 1;
            std::future::ready(step.run(&conn))
        },
        || false,
    )
    .await
    .unwrap();

    assert_eq!(
        counts,
        PurgeCounts {
            contacts: 7,
            measures: 2,
            flags: 0
        }
    );
    assert_eq!(steps, 4, "three chunks of at most 3, then the audit entry");
    assert_eq!(ids(&conn, "contacts"), recent);
    assert_eq!(ids(&conn, "measures"), kept);
    let entries = purge_entries(&conn);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["contacts"], 7);
    assert_eq!(entries[0]["measures"], 2);
    assert_eq!(entries[0]["complete"], true);
}

#[tokio::test]
async fn a_dry_run_counts_without_deleting_or_recording() {
    let conn = database();
    contact(&conn, 1000);
    contact(&conn, 10);
    measure(&conn, None, Some("2020-06-01"));
    let counts = purge(
        plan(true),
        |step| std::future::ready(step.run(&conn)),
        || false,
    )
    .await
    .unwrap();
    assert_eq!(
        counts,
        PurgeCounts {
            contacts: 1,
            measures: 1,
            flags: 0
        }
    );
    assert_eq!(ids(&conn, "contacts").len(), 2);
    assert_eq!(ids(&conn, "measures").len(), 1);
    assert!(purge_entries(&conn).is_empty());
}

#[tokio::test]
async fn purging_a_contact_blanks_the_audit_log_copies_of_it_and_no_others() {
    let conn = database();
    let old = contact(&conn, 1000);
    let recent = contact(&conn, 10);
    purge(
        plan(false),
        |step| std::future::ready(step.run(&conn)),
        || false,
    )
    .await
    .unwrap();
    let after = |id: i64| -> String {
        conn.query_row(
            "SELECT after FROM audit_log WHERE entity = 'contact' AND entity_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(after(old), audit::ERASED);
    assert!(after(recent).contains("ann@example.org"));
}

#[tokio::test]
async fn a_purge_stopped_early_still_records_what_it_deleted() {
    let conn = database();
    for days_ago in 800..810 {
        contact(&conn, days_ago);
    }
    let mut chunks = 0;
    let stop = std::cell::Cell::new(false);
    let counts = purge_in_chunks(
        plan(false),
        4,
        |step| {
            if matches!(step, Step::Delete { .. }) {
                chunks += 1;
                stop.set(true);
            }
            std::future::ready(step.run(&conn))
        },
        || stop.get(),
    )
    .await
    .unwrap();
    assert_eq!((chunks, counts.contacts), (1, 4));
    assert_eq!(ids(&conn, "contacts").len(), 6);
    let entries = purge_entries(&conn);
    assert_eq!(
        (&entries[0]["contacts"], &entries[0]["complete"]),
        (&json!(4), &json!(false))
    );
}

/// A flag for Ann settled `days_ago` (open when `None`), with a
/// `flag.resolve` entry copying it.
fn flag(conn: &Connection, settled_days_ago: Option<i64>) -> i64 {
    let settled_at = settled_days_ago.map(|d| timestamp(now() - Duration::days(d)));
    conn.execute(
        "INSERT INTO flags (person_id, kind, detail, raised_at, updated_at, status, settled_at,
                            settled_by, reason)
         VALUES (1, 'urgent_call', 'd', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z',
                 ?3, ?1, 'sam', ?2)",
        rusqlite::params![
            settled_at,
            settled_at.as_ref().map(|_| "called Ann back"),
            if settled_at.is_some() {
                "resolved"
            } else {
                "open"
            }
        ],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        audit::Entry {
            actor: "sam",
            action: "flag.resolve",
            entity: "flag",
            entity_id: Some(id),
            person_id: Some(PersonId::from_raw(1)),
            before: None,
            after: Some(json!({"resolution": "called Ann back"})),
        },
        "2020-01-01T00:00:00.000Z",
    )
    .unwrap();
    id
}

#[tokio::test]
async fn settled_flags_past_the_period_go_and_open_or_recent_ones_stay() {
    let conn = database();
    let old = flag(&conn, Some(1000));
    let recent = flag(&conn, Some(10));
    let open = flag(&conn, None);
    let counts = purge(
        plan(false),
        |step| std::future::ready(step.run(&conn)),
        || false,
    )
    .await
    .unwrap();
    assert_eq!(counts.flags, 1);
    assert_eq!(ids(&conn, "flags"), [recent, open]);
    let after: String = conn
        .query_row(
            "SELECT after FROM audit_log WHERE entity = 'flag' AND entity_id = ?1",
            [old],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(after, audit::ERASED);
    assert_eq!(purge_entries(&conn)[0]["flags"], 1);
}

#[tokio::test]
async fn a_purged_measure_takes_its_reviews_and_a_purged_contact_leaves_the_evidence() {
    let conn = database();
    let old = measure(&conn, Some("2020-03-01T00:00:00.000Z"), None);
    let kept = measure(&conn, None, None);
    for measure in [old, kept] {
        conn.execute(
            "INSERT INTO measure_reviews (measure_id, reviewed_at, reviewed_by, outcome,
                                          review_on, next_review_on, note)
             VALUES (?1, '2020-02-01T00:00:00.000Z', 'sam', 'continue', '2020-02-01',
                     '2020-05-01', 'still needed')",
            [measure],
        )
        .unwrap();
    }
    let (gone, stays) = (contact(&conn, 800), contact(&conn, 10));
    let open = flag(&conn, None);
    for contact in [gone, stays] {
        conn.execute(
            "INSERT INTO flag_evidence (flag_id, contact_id) VALUES (?1, ?2)",
            [open, contact],
        )
        .unwrap();
    }
    purge(
        plan(false),
        |step| std::future::ready(step.run(&conn)),
        || false,
    )
    .await
    .unwrap();
    let reviewed: Vec<i64> = conn
        .prepare("SELECT measure_id FROM measure_reviews")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(reviewed, [kept]);
    let evidence: Vec<i64> = conn
        .prepare("SELECT contact_id FROM flag_evidence")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(evidence, [stays]);
}

/// An appeal about `measure`, with an `appeal.create` entry copying it.
fn appeal(conn: &Connection, measure: i64) -> i64 {
    conn.execute(
        "INSERT INTO appeals (measure_id, person_id, received_on, grounds, channel,
                              recorded_by, recorded_at)
         VALUES (?1, 1, '2020-02-01', 'Ann says the limit is unfair', 'letter', 'sam',
                 '2020-02-01T00:00:00.000Z')",
        [measure],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    audit::record(
        conn,
        audit::Entry {
            actor: "sam",
            action: "appeal.create",
            entity: "appeal",
            entity_id: Some(id),
            person_id: Some(PersonId::from_raw(1)),
            before: None,
            after: Some(json!({"grounds": "Ann says the limit is unfair"})),
        },
        "2020-02-01T00:00:00.000Z",
    )
    .unwrap();
    id
}

#[tokio::test]
async fn a_purged_measure_takes_its_appeals_and_blanks_their_audit_copies() {
    let conn = database();
    let old = measure(&conn, Some("2020-03-01T00:00:00.000Z"), None);
    let kept = measure(&conn, None, None);
    let (gone, stays) = (appeal(&conn, old), appeal(&conn, kept));
    let counts = purge(
        plan(false),
        |step| std::future::ready(step.run(&conn)),
        || false,
    )
    .await
    .unwrap();
    assert_eq!(counts.measures, 1);
    assert_eq!(ids(&conn, "appeals"), [stays]);
    let after = |id: i64| -> String {
        conn.query_row(
            "SELECT after FROM audit_log WHERE entity = 'appeal' AND entity_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(after(gone), audit::ERASED);
    assert!(after(stays).contains("unfair"), "{}", after(stays));
}
