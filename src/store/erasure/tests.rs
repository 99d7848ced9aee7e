//! Erasure against an in-memory database, and the audit log's one
//! permitted change.

use rusqlite::Connection;

use super::*;
use crate::domain::RecordId;
use crate::store::test_support::database;

const NOW: &str = "2026-06-01T12:00:00.000Z";

fn person(conn: &Connection, name: &str, phone: &str) -> PersonId {
    let id = people::insert_person(conn, name, Some("CASE-1"), NOW).unwrap();
    conn.execute(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (?1, 'phone', ?2, ?3)",
        params![id, phone, NOW],
    )
    .unwrap();
    audit::record(
        conn,
        audit::Entry {
            actor: "sam",
            action: "person.create",
            entity: "person",
            entity_id: Some(id.get()),
            person_id: Some(id),
            before: None,
            after: Some(json!({"name": name, "phones": [phone]})),
        },
        NOW,
    )
    .unwrap();
    id
}

/// A screened call from `phone`, linked to `person` if given.
fn call(conn: &Connection, person: Option<PersonId>, phone: &str, note: &str) -> i64 {
    conn.execute(
        "INSERT INTO contacts (at, channel, identity, person_id, action, reason, rules, counted,
                               recorded_by, advisor, note)
         VALUES (1, 'phone', ?1, ?2, 'divert', 'closed_enquiry',
                 '[{\"rule\":\"closed_enquiry\",\"measure_id\":4,\"detail\":\"enquiry CASE-1 is closed\"}]',
                 0, 'pbx', 'alex', ?3)",
        params![phone, person, note],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn text(conn: &Connection, sql: &str, id: impl rusqlite::ToSql) -> Option<String> {
    conn.query_row(sql, [id], |r| r.get(0)).unwrap()
}

#[test]
fn the_audit_log_accepts_only_the_erasure_marker() {
    let conn = database();
    audit::record(
        &conn,
        audit::Entry {
            actor: "sam",
            action: "person.create",
            entity: "person",
            entity_id: Some(1),
            person_id: Some(PersonId::from_raw(1)),
            before: None,
            after: Some(json!({"name": "Ann"})),
        },
        NOW,
    )
    .unwrap();
    for refused in [
        "UPDATE audit_log SET actor = 'someone else'",
        "UPDATE audit_log SET person_id = NULL",
        "UPDATE audit_log SET after = '{\"name\":\"Bob\"}'",
        "UPDATE audit_log SET after = NULL",
        "UPDATE audit_log SET before = '{\"erased\":true}'",
        "UPDATE audit_log SET after = '{\"erased\":true}', action = 'x'",
        "DELETE FROM audit_log",
    ] {
        assert!(conn.execute(refused, []).is_err(), "{refused}");
    }
    assert_eq!(
        audit::redact_person(&conn, PersonId::from_raw(1)).unwrap(),
        1
    );
    assert_eq!(
        text(&conn, "SELECT after FROM audit_log WHERE id = ?1", 1).as_deref(),
        Some(audit::ERASED)
    );
    assert_eq!(
        audit::redact_person(&conn, PersonId::from_raw(1)).unwrap(),
        0,
        "a blanked entry is left alone"
    );
}

#[test]
fn erasure_removes_the_person_and_anonymises_their_contacts_but_not_others() {
    let conn = database();
    let before_record = call(&conn, None, "+447700900123", "first call");
    let ann = person(&conn, "Ann", "+447700900123");
    let bob = person(&conn, "Bob", "+447700900999");
    let theirs = call(&conn, Some(ann), "+447700900123", "talked about Ann's son");
    let bobs = call(&conn, Some(bob), "+447700900999", "Bob's note");
    conn.execute(
        "INSERT INTO enquiries (person_id, reference, topic, status, opened_at)
         VALUES (?1, 'CASE-1', 'school place', 'open', ?2)",
        params![ann, NOW],
    )
    .unwrap();
    conn.execute(
        "UPDATE contacts SET enquiry_id = 1 WHERE id IN (?1, ?2)",
        [theirs, bobs],
    )
    .unwrap();

    let plan = plan(&conn, ann).unwrap();
    let erased = erase(&conn, &plan, "admin", "the person asked", NOW).unwrap();

    assert_eq!(
        (
            erased.identities,
            erased.enquiries,
            erased.contacts_anonymised
        ),
        (1, 1, 2)
    );
    assert!(matches!(
        people::get_person(&conn, ann),
        Err(StoreError::NotFound(_))
    ));
    for id in [before_record, theirs] {
        let row: (Option<i64>, Option<String>, Option<String>, Option<String>, String, String) = conn
            .query_row(
                "SELECT person_id, identity, note, advisor, rules, reason FROM contacts WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .unwrap();
        assert_eq!(
            (row.0, row.1, row.2, row.3),
            (None, None, None, None),
            "{id}"
        );
        assert_eq!(row.4, r#"[{"rule":"closed_enquiry","detail":""}]"#);
        assert_eq!(row.5, "closed_enquiry", "the decision's reason is kept");
    }
    assert_eq!(
        text(&conn, "SELECT note FROM contacts WHERE id = ?1", bobs).as_deref(),
        Some("Bob's note")
    );
    assert_eq!(
        text(
            &conn,
            "SELECT after FROM audit_log WHERE person_id = ?1 AND action = 'person.create'",
            ann
        )
        .as_deref(),
        Some(audit::ERASED)
    );
    let entry = text(
        &conn,
        "SELECT after FROM audit_log WHERE person_id = ?1 AND action = 'person.erase'",
        ann,
    )
    .unwrap();
    assert!(
        entry.contains("the person asked") && !entry.contains("Ann"),
        "{entry}"
    );
    assert!(text(
        &conn,
        "SELECT after FROM audit_log WHERE person_id = ?1",
        bob
    )
    .unwrap()
    .contains("Bob"));
}

#[test]
fn an_erasure_also_finds_contacts_recorded_after_its_plan() {
    let conn = database();
    let ann = person(&conn, "Ann", "+447700900123");
    let plan = plan(&conn, ann).unwrap();
    let late = call(&conn, None, "+447700900123", "late");
    erase(&conn, &plan, "admin", "asked", NOW).unwrap();
    assert_eq!(
        text(&conn, "SELECT identity FROM contacts WHERE id = ?1", late),
        None
    );
}

#[test]
fn an_erasure_planned_before_the_identities_changed_is_refused() {
    let conn = database();
    let ann = person(&conn, "Ann", "+447700900123");
    let plan = plan(&conn, ann).unwrap();
    conn.execute(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (?1, 'email', 'a@b.org', 'x')",
        [ann],
    )
    .unwrap();
    assert!(matches!(
        erase(&conn, &plan, "admin", "asked", NOW),
        Err(StoreError::Conflict { .. })
    ));
    assert!(people::get_person(&conn, ann).is_ok());
}

#[test]
fn a_new_person_is_never_given_an_erased_persons_id() {
    let conn = database();
    person(&conn, "Ann", "+447700900111");
    let bob = person(&conn, "Bob", "+447700900222");
    erase(&conn, &plan(&conn, bob).unwrap(), "admin", "asked", NOW).unwrap();
    let carol = person(&conn, "Carol", "+447700900333");
    assert_eq!(carol.get(), bob.get() + 1);
}

#[test]
fn erasure_deletes_their_flags_and_those_of_calls_from_their_number_but_not_others() {
    let conn = database();
    let unknown_urgent = call(&conn, None, "+447700900123", "");
    let ann = person(&conn, "Ann", "+447700900123");
    let bob = person(&conn, "Bob", "+447700900999");
    let flag = |person: Option<PersonId>, contact: Option<i64>| {
        conn.execute(
            "INSERT INTO flags (person_id, contact_id, kind, detail, raised_at, updated_at, status)
             VALUES (?1, ?2, 'urgent_call', 'd', ?3, ?3, 'open')",
            params![person, contact, NOW],
        )
        .unwrap();
        conn.last_insert_rowid()
    };
    flag(None, Some(unknown_urgent));
    flag(Some(ann), None);
    let bobs = flag(Some(bob), None);

    let plan = plan(&conn, ann).unwrap();
    let erased = erase(&conn, &plan, "admin", "the person asked", NOW).unwrap();

    assert_eq!(erased.flags, 2);
    let left: Vec<i64> = conn
        .prepare("SELECT id FROM flags")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(left, [bobs]);
}

#[test]
fn erasure_takes_the_reviews_of_their_measures_and_the_evidence_of_their_flags() {
    let conn = database();
    let ann = person(&conn, "Ann", "+447700900123");
    let bob = person(&conn, "Bob", "+447700900999");
    let review = |person: PersonId| {
        conn.execute(
            "INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on, set_by,
                                   created_at, updated_at)
             VALUES (?1, 'block', '{}', 'r', '2026-01-01', '2026-06-01', 's', 'x', 'x')",
            [person],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO measure_reviews (measure_id, reviewed_at, reviewed_by, outcome,
                                          review_on, next_review_on, note)
             VALUES (?1, ?2, 'sam', 'continue', '2026-06-01', '2026-09-01', 'still needed')",
            params![conn.last_insert_rowid(), NOW],
        )
        .unwrap();
    };
    review(ann);
    review(bob);
    let contact = call(&conn, Some(ann), "+447700900123", "");
    conn.execute(
        "INSERT INTO flags (person_id, contact_id, kind, detail, raised_at, updated_at, status)
         VALUES (?1, ?2, 'weekly_contact', 'd', ?3, ?3, 'open')",
        params![ann, contact, NOW],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO flag_evidence (flag_id, contact_id) VALUES (?1, ?2)",
        params![conn.last_insert_rowid(), contact],
    )
    .unwrap();

    let erased = erase(&conn, &plan(&conn, ann).unwrap(), "admin", "asked", NOW).unwrap();

    assert_eq!((erased.reviews, erased.flags), (1, 1));
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM measure_reviews"),
        1,
        "Bob's stays"
    );
    assert_eq!(count("SELECT count(*) FROM flag_evidence"), 0);
}
