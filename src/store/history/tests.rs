//! The lookups' query plans (each filter reads an index in the order it
//! answers, never the whole table, never a sort of everything it found)
//! and the paging rules, on an in-memory database.

use std::ops::ControlFlow;

use super::*;
use crate::domain::{RecordId, Region};
use crate::store::test_support::database_with_ann;

fn plan(filter: &Filter, after: Option<Position>) -> Vec<String> {
    let conn = database_with_ann();
    let (sql, params) = select(filter, 1_000, after, 51);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt
        .query_map(params_from_iter(params), |row| row.get::<_, String>(3))
        .unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text, Region::parse("GB").unwrap()).unwrap()
}

/// Each filter alone, and a few together, with the index each must read.
fn cases() -> Vec<(&'static str, Filter, &'static str)> {
    let none = Filter::default;
    vec![
        ("no filter", none(), "contacts_by_time"),
        (
            "person",
            Filter {
                person: Some(PersonId::from_raw(1)),
                ..none()
            },
            "contacts_by_person_time",
        ),
        (
            "phone",
            Filter {
                phone: Some(phone("07700 900123")),
                ..none()
            },
            "contacts_by_identity",
        ),
        (
            "email",
            Filter {
                email: Some(Email::parse("ann@example.org").unwrap()),
                ..none()
            },
            "contacts_by_identity",
        ),
        (
            "enquiry",
            Filter {
                enquiry: Some(EnquiryId::from_raw(3)),
                ..none()
            },
            "contacts_by_enquiry_time",
        ),
        (
            "channel email",
            Filter {
                channel: Some(Channel::Email),
                ..none()
            },
            "contacts_by_channel",
        ),
        (
            "channel phone",
            Filter {
                channel: Some(Channel::Phone),
                ..none()
            },
            "contacts_by_time",
        ),
        (
            "action divert",
            Filter {
                action: Some(Action::Divert),
                ..none()
            },
            "contacts_by_action",
        ),
        (
            "action route",
            Filter {
                action: Some(Action::Route),
                ..none()
            },
            "contacts_by_time",
        ),
        (
            "advisor",
            Filter {
                advisor: Some("Sam".into()),
                ..none()
            },
            "contacts_by_advisor",
        ),
        (
            "from",
            Filter {
                from_ms: Some(1_700_000_000_000),
                ..none()
            },
            "contacts_by_time",
        ),
        (
            "to",
            Filter {
                before_ms: Some(1_700_000_000_000),
                ..none()
            },
            "contacts_by_time",
        ),
        (
            "phone from to",
            Filter {
                phone: Some(phone("07700 900123")),
                from_ms: Some(1_600_000_000_000),
                before_ms: Some(1_700_000_000_000),
                ..none()
            },
            "contacts_by_identity",
        ),
        (
            "advisor and action block",
            Filter {
                advisor: Some("Sam".into()),
                action: Some(Action::Block),
                ..none()
            },
            "contacts_by_",
        ),
    ]
}

#[test]
fn every_filter_reads_an_index_newest_first_without_sorting_what_it_found() {
    let after = Position {
        at_ms: 1_650_000_000_000,
        id: ContactId::from_raw(500),
    };
    for (name, filter, index) in cases() {
        for after in [None, Some(after)] {
            let plan = plan(&filter, after);
            let contacts = plan
                .iter()
                .find(|step| step.starts_with("SCAN c ") || step.starts_with("SEARCH c "))
                .unwrap_or_else(|| panic!("{name}: no step reads contacts: {plan:?}"));
            assert!(
                contacts.contains(&format!("INDEX {index}")),
                "{name}: expected {index}: {plan:?}"
            );
            assert!(
                !plan.iter().any(|step| step == "SCAN c"),
                "{name}: reads the whole table: {plan:?}"
            );
            // A person's index (0002) orders their contacts by time but
            // not by id within one millisecond; SQLite sorts each such
            // block as it reads and stops at the page's end. Any other
            // sort would be of everything the filter found.
            let block_sort = "USE TEMP B-TREE FOR LAST TERM OF ORDER BY";
            assert!(
                !plan.iter().any(|step| step.contains("TEMP B-TREE")
                    && !(name == "person" && step == block_sort)),
                "{name}: sorts every row it found: {plan:?}"
            );
            // The enquiry's reference: one look-up by id per row.
            assert!(
                plan.iter()
                    .any(|step| step.starts_with("SEARCH e USING INTEGER PRIMARY KEY")),
                "{name}: {plan:?}"
            );
        }
    }
}

fn insert(conn: &Connection, id: i64, at_ms: i64, channel: &str) {
    conn.execute(
        "INSERT INTO contacts (id, at, channel, identity, person_id, counted, recorded_by)
         VALUES (?1, ?2, ?3, '+447700900123', 1, 1, 'test')",
        rusqlite::params![id, at_ms, channel],
    )
    .unwrap();
}

fn ids(rows: &[HistoryRow]) -> Vec<i64> {
    rows.iter().map(|r| r.id.get()).collect()
}

#[test]
fn pages_continue_below_the_last_row_and_ignore_rows_recorded_since() {
    let conn = database_with_ann();
    // Two contacts in one millisecond: the id breaks the tie.
    for (id, at) in [(1, 1000), (2, 3000), (3, 3000), (4, 2000), (5, 4000)] {
        insert(&conn, id, at, "phone");
    }
    let filter = Filter::default();
    let mark = high_water(&conn).unwrap();
    let first = page(&conn, &filter, mark, None, 2).unwrap();
    assert_eq!(ids(&first.rows), [5, 3]);
    // Recorded after the first page: one dated in the past, between pages.
    insert(&conn, 6, 2500, "letter");
    insert(&conn, 7, 5000, "phone");
    let second = page(&conn, &filter, mark, first.next, 2).unwrap();
    assert_eq!(ids(&second.rows), [2, 4]);
    let last = page(&conn, &filter, mark, second.next, 2).unwrap();
    assert_eq!(ids(&last.rows), [1]);
    assert!(last.next.is_none());
}

#[test]
fn a_page_that_ends_exactly_with_the_last_row_says_there_is_no_next() {
    let conn = database_with_ann();
    for id in 1..=4 {
        insert(&conn, id, id * 1000, "phone");
    }
    let mark = high_water(&conn).unwrap();
    let first = page(&conn, &Filter::default(), mark, None, 4).unwrap();
    assert_eq!(ids(&first.rows), [4, 3, 2, 1]);
    assert!(first.next.is_none());
}

#[test]
fn an_export_hands_over_every_row_in_batches_and_stops_when_told() {
    let conn = database_with_ann();
    for id in 1..=25 {
        insert(
            &conn,
            id,
            10_000 - id,
            if id % 5 == 0 { "email" } else { "phone" },
        );
    }
    let mut seen = Vec::new();
    let sent = each_batch(&conn, &Filter::default(), 10, |rows| {
        seen.extend(ids(&rows));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!((sent, seen), (25, (1..=25).collect::<Vec<_>>()));

    let emails = Filter {
        channel: Some(Channel::Email),
        ..Filter::default()
    };
    let mut batches = 0;
    let sent = each_batch(&conn, &emails, 2, |rows| {
        batches += 1;
        assert!(rows.iter().all(|r| r.channel == Channel::Email));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!((sent, batches), (5, 3));

    // A client that went away: the sink breaks, and nothing more is read.
    let mut calls = 0;
    let sent = each_batch(&conn, &Filter::default(), 10, |_| {
        calls += 1;
        ControlFlow::Break(())
    })
    .unwrap();
    assert_eq!((sent, calls), (10, 1));
}

#[test]
fn a_page_of_a_persons_contacts_reads_about_a_page_however_many_they_have() {
    let conn = database_with_ann();
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO contacts (id, at, channel, identity, person_id, counted, recorded_by)
         SELECT i, 1000 + i / 3, 'phone', '+447700900123', 1, 1, 'test' FROM n",
    )
    .unwrap();
    let filter = Filter {
        person: Some(PersonId::from_raw(1)),
        ..Filter::default()
    };
    let steps = |after: Option<Position>| {
        let (sql, params) = select(&filter, 20_000, after, 51);
        let mut stmt = conn.prepare(&sql).unwrap();
        let read = stmt
            .query_map(params_from_iter(params), |_| Ok(()))
            .unwrap()
            .count();
        assert_eq!(read, 51);
        stmt.get_status(rusqlite::StatementStatus::VmStep)
    };
    let middle = Position {
        at_ms: 1000 + 10_000 / 3,
        id: ContactId::from_raw(10_000),
    };
    for after in [None, Some(middle)] {
        // Reading all 20,000 would take hundreds of thousands of steps.
        let steps = steps(after);
        assert!(steps < 5_000, "{steps} steps for a page of 51");
    }
}
