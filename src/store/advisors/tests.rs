//! The directory against an in-memory database: renames carried to what
//! names the advisor, names told apart without case, what may be assigned.

use rusqlite::Connection;

use super::*;
use crate::store::test_support::database_with_ann;

const NOW: &str = "2026-06-01T12:00:00.000Z";

fn name(s: &str) -> AdvisorName {
    AdvisorName::parse("name", s).unwrap()
}

fn target(s: &str) -> PbxName {
    PbxName::parse(s).unwrap()
}

fn one_string(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn a_rename_reaches_every_enquiry_and_single_point_of_contact_naming_the_advisor() {
    let conn = database_with_ann();
    let alex = create(&conn, "sam", &name("Alex"), Some(&target("2001")), NOW).unwrap();
    conn.execute_batch(
        r#"INSERT INTO enquiries (person_id, topic, status, advisor, opened_at)
               VALUES (1, 't', 'open', 'Alex', 'x'), (1, 't', 'open', 'Alexandra', 'x');
           INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on, set_by,
                                 created_at, updated_at)
               VALUES (1, 'single_point_of_contact', '{"advisor":"Alex"}', 'r', '2026-01-01',
                       '2026-02-01', 's', 'x', 'x');"#,
    )
    .unwrap();
    let renamed = Change {
        name: Some(name("Alex Smith")),
        target: None,
    };
    let after = change(&conn, "sam", alex.id, renamed, NOW).unwrap();
    assert_eq!(after.name, "Alex Smith");
    assert_eq!(after.target, Some(target("2001")), "the target is kept");
    assert_eq!(
        one_string(
            &conn,
            "SELECT group_concat(advisor, '|') FROM enquiries ORDER BY id"
        ),
        "Alex Smith|Alexandra",
        "only the advisor's own enquiries"
    );
    assert_eq!(
        one_string(&conn, "SELECT params FROM measures"),
        r#"{"advisor":"Alex Smith"}"#
    );
    let audited = one_string(
        &conn,
        "SELECT action || ' ' || json_extract(before, '$.name') || ' ' || json_extract(after, '$.name')
         FROM audit_log ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(audited, "advisor.update Alex Alex Smith");
}

#[test]
fn names_are_told_apart_without_case_and_assigned_in_the_directorys_spelling() {
    let conn = database_with_ann();
    create(&conn, "sam", &name("Alex"), None, NOW).unwrap();
    let twice = create(&conn, "sam", &name("ALEX"), None, NOW).unwrap_err();
    assert!(
        matches!(twice, StoreError::Conflict { field: "name", .. }),
        "{twice}"
    );
    assert_eq!(assignable(&conn, "advisor", " alex ").unwrap(), "Alex");
}

#[test]
fn an_unknown_or_retired_advisor_cannot_be_assigned() {
    let conn = database_with_ann();
    let jo = create(&conn, "sam", &name("Jo"), None, NOW).unwrap();
    let unknown = assignable(&conn, "advisor", "Nobody").unwrap_err();
    assert!(
        matches!(&unknown, StoreError::Invalid(e) if e.field == "advisor"),
        "{unknown}"
    );
    set_retired(&conn, "sam", jo.id, true, NOW).unwrap();
    let retired = assignable(&conn, "advisor", "Jo").unwrap_err();
    assert!(retired.to_string().contains("retired"), "{retired}");
    set_retired(&conn, "sam", jo.id, false, NOW).unwrap();
    assert_eq!(assignable(&conn, "advisor", "jo").unwrap(), "Jo");
}

#[test]
fn retiring_twice_is_a_conflict_and_changes_nothing() {
    let conn = database_with_ann();
    let jo = create(&conn, "sam", &name("Jo"), None, NOW).unwrap();
    let retired = set_retired(&conn, "sam", jo.id, true, NOW).unwrap();
    assert!(set_retired(&conn, "sam", jo.id, true, "later").is_err());
    assert_eq!(get_advisor(&conn, jo.id).unwrap(), retired);
    assert_eq!(list_advisors(&conn, false).unwrap(), []);
    assert_eq!(list_advisors(&conn, true).unwrap(), [retired]);
}

#[test]
fn routes_say_where_each_named_advisor_takes_calls() {
    let conn = database_with_ann();
    create(&conn, "sam", &name("Alex"), Some(&target("2001")), NOW).unwrap();
    let jo = create(&conn, "sam", &name("Jo"), Some(&target("2002")), NOW).unwrap();
    set_retired(&conn, "sam", jo.id, true, NOW).unwrap();
    let routes = routes_named(&conn, ["Alex", "Jo", "Alex", "Nobody"]).unwrap();
    assert_eq!(
        routes,
        [
            AdvisorRoute {
                name: "Alex".into(),
                target: Some(target("2001")),
                retired: false
            },
            AdvisorRoute {
                name: "Jo".into(),
                target: Some(target("2002")),
                retired: true
            },
        ]
    );
}

#[test]
fn a_route_is_one_seek_in_the_names_index() {
    let conn = database_with_ann();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id, name, target, retired_at IS NOT NULL FROM advisors WHERE name = ?1",
            ["Alex"],
            |row| row.get(3),
        )
        .unwrap();
    assert!(
        plan.contains("USING INDEX sqlite_autoindex_advisors"),
        "{plan}"
    );
}
