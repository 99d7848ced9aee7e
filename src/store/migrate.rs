//! Schema migrations: the numbered files in `schema/`, embedded in the
//! binary and applied in order, in one transaction, at start-up.

use rusqlite::Connection;

use super::{Result, StoreError};

/// The migrations, in order; the position is the schema version it brings.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_core", include_str!("../../schema/0001_core.sql")),
    (
        "0002_covering_contact_history",
        include_str!("../../schema/0002_covering_contact_history.sql"),
    ),
    (
        "0003_erasure",
        include_str!("../../schema/0003_erasure.sql"),
    ),
    ("0004_flags", include_str!("../../schema/0004_flags.sql")),
    (
        "0005_cache_versions",
        include_str!("../../schema/0005_cache_versions.sql"),
    ),
    (
        "0006_retired_ids",
        include_str!("../../schema/0006_retired_ids.sql"),
    ),
    (
        "0007_contact_lookups",
        include_str!("../../schema/0007_contact_lookups.sql"),
    ),
    (
        "0008_review_queue",
        include_str!("../../schema/0008_review_queue.sql"),
    ),
    (
        "0009_advisors",
        include_str!("../../schema/0009_advisors.sql"),
    ),
    (
        "0010_report_counts",
        include_str!("../../schema/0010_report_counts.sql"),
    ),
    (
        "0011_notice_method",
        include_str!("../../schema/0011_notice_method.sql"),
    ),
    (
        "0012_appeals",
        include_str!("../../schema/0012_appeals.sql"),
    ),
    (
        "0013_complaints",
        include_str!("../../schema/0013_complaints.sql"),
    ),
    (
        "0014_staff_accounts",
        include_str!("../../schema/0014_staff_accounts.sql"),
    ),
    (
        "0015_last_sign_in",
        include_str!("../../schema/0015_last_sign_in.sql"),
    ),
];

pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the database up to this build's schema. Refuses a database from a
/// newer fairline rather than guess at its shape.
///
/// Foreign keys are off while migrations run, as SQLite's procedure for
/// rebuilding a table requires (with them on, dropping the old table would
/// cascade into every row that refers to it), and the result is checked
/// with `foreign_key_check` before it is committed. The pragma has no
/// effect inside a transaction, so it is set around it.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = schema_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: LATEST_VERSION,
        });
    }
    if found == LATEST_VERSION {
        return Ok(());
    }
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply(conn);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    applied
}

fn apply(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process (the CLI beside a
    // starting server) may have migrated in the meantime.
    let found = schema_version(&tx)?;
    for (version, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(migration = name, "applying migration");
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
        row.get(0)
    })?;
    if broken > 0 {
        // Dropping the transaction rolls every migration back.
        return Err(StoreError::Task(format!(
            "migrating left {broken} rows referring to rows that do not exist; nothing was changed"
        )));
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless_and_lands_on_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), LATEST_VERSION);
    }

    #[test]
    fn a_database_from_a_newer_fairline_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }

    /// A database as fairline left it at `version`.
    fn at_version(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (_, sql) in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", version as i64)
            .unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        conn
    }

    fn insert_measure(conn: &Connection) -> i64 {
        conn.execute(
            "INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on, set_by,
                                   created_at, updated_at)
             VALUES (1, 'block', '{}', 'r', '2026-01-01', '2026-02-01', 's', 'x', 'x')",
            [],
        )
        .unwrap();
        conn.last_insert_rowid()
    }

    #[test]
    fn ids_deleted_before_or_after_the_upgrade_are_never_given_again() {
        let mut conn = at_version(5);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x');
             INSERT INTO identities (id, person_id, kind, value, created_at)
                 VALUES (1, 1, 'phone', '+447700900123', 'x');
             INSERT INTO contacts (id, at, channel, person_id, counted, recorded_by)
                 VALUES (4, 0, 'letter', 1, 1, 'x');
             INSERT INTO audit_log (at, actor, action, entity, entity_id)
                 VALUES ('x', 'sam', 'measure.create', 'measure', 7);",
        )
        .unwrap();
        // Measures 1 and 2, then 2 deleted: before the upgrade, the next
        // would be 2 again; measure 7 was deleted earlier still (the audit
        // log names it).
        insert_measure(&conn);
        let second = insert_measure(&conn);
        conn.execute("DELETE FROM measures WHERE id = ?1", [second])
            .unwrap();

        migrate(&mut conn).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), LATEST_VERSION);
        assert_eq!(
            insert_measure(&conn),
            8,
            "past every id the audit log names"
        );
        conn.execute("DELETE FROM measures WHERE id = 8", [])
            .unwrap();
        assert_eq!(insert_measure(&conn), 9, "a deleted id stays retired");

        // Rows, references and cascades survive the rebuild.
        let kept: (String, i64) = conn
            .query_row(
                "SELECT i.value, c.person_id FROM identities i JOIN contacts c ON c.person_id = i.person_id",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, ("+447700900123".to_owned(), 1));
        let enforced: bool = conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .unwrap();
        assert!(enforced, "foreign keys are on again after migrating");
        conn.execute("DELETE FROM people WHERE id = 1", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM identities", [], |row| row.get(0))
            .unwrap();
        assert_eq!(left, 0, "ON DELETE CASCADE still holds");
    }

    #[test]
    fn the_rebuilt_tables_still_change_the_caller_cache_versions() {
        let mut conn = at_version(5);
        migrate(&mut conn).unwrap();
        let version = |name: &str| -> i64 {
            conn.query_row(
                "SELECT version FROM cache_versions WHERE name = ?1",
                [name],
                |row| row.get(0),
            )
            .unwrap()
        };
        let (rules, callers) = (version("number_rules"), version("callers"));
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x');",
        )
        .unwrap();
        let after_person = version("callers");
        assert_ne!(after_person, callers);
        insert_measure(&conn);
        assert_ne!(version("callers"), after_person, "measures");
        conn.execute(
            "INSERT INTO number_rules (number, match_kind, action, reason, created_by, created_at)
             VALUES ('+447700900', 'prefix', 'block', 'r', 's', 'x')",
            [],
        )
        .unwrap();
        assert_ne!(version("number_rules"), rules, "number rules");
    }

    #[test]
    fn advisors_already_named_join_the_directory_in_one_spelling() {
        let before = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0009_advisors")
            .unwrap();
        let mut conn = at_version(before);
        conn.execute_batch(
            r#"INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x');
               INSERT INTO enquiries (person_id, topic, status, advisor, opened_at)
                   VALUES (1, 't', 'open', 'alex', 'x'), (1, 't', 'closed', 'Alex', 'x'),
                          (1, 't', 'open', NULL, 'x');
               INSERT INTO measures (person_id, kind, params, reason, starts_on, review_on,
                                     set_by, created_at, updated_at)
                   VALUES (1, 'single_point_of_contact', '{"advisor":"sam","target":"2001"}',
                           'r', '2026-01-01', '2026-02-01', 's', 'x', 'x');"#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let strings = |sql: &str| -> Vec<Option<String>> {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt.query_map([], |row| row.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        let directory = strings("SELECT name FROM advisors WHERE target IS NULL ORDER BY name");
        assert_eq!(directory, [Some("Alex".into()), Some("sam".into())]);
        let on_enquiries = strings("SELECT advisor FROM enquiries ORDER BY id");
        assert_eq!(
            on_enquiries,
            [Some("Alex".into()), Some("Alex".into()), None]
        );
        let on_measure = strings("SELECT params FROM measures");
        assert_eq!(
            on_measure,
            [Some(r#"{"advisor":"sam","target":"2001"}"#.into())],
            "the measure keeps its own target"
        );
    }

    #[test]
    fn flags_from_before_the_review_queue_keep_their_ids_evidence_and_meaning() {
        let mut conn = at_version(6);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x');
             INSERT INTO contacts (id, at, channel, person_id, counted, recorded_by)
                 VALUES (4, 1780000000000, 'phone', 1, 1, 'pbx');
             INSERT INTO flags (id, person_id, contact_id, kind, detail, raised_at)
                 VALUES (1, 1, 4, 'urgent_call', 'd', '2026-05-01T10:00:00.000Z');
             INSERT INTO flags (id, person_id, kind, detail, raised_at)
                 VALUES (9, 1, 'very_frequent_contact', 'd', '2026-05-01T10:00:00.000Z');
             DELETE FROM flags WHERE id = 9;",
        )
        .unwrap();
        let measure = insert_measure(&conn);
        conn.execute(
            "INSERT INTO flags (id, person_id, measure_id, kind, detail, raised_at, resolved_at,
                                resolved_by, resolution)
             VALUES (3, 1, ?1, 'measure_past_review', 'd', '2026-02-03T09:00:00.000Z',
                     '2026-02-04T09:00:00.000Z', 'sam', 'reviewed')",
            [measure],
        )
        .unwrap();

        migrate(&mut conn).unwrap();

        let read = |sql: &str| -> (String, String, Option<String>, Option<i64>) {
            conn.query_row(sql, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap()
        };
        assert_eq!(
            read("SELECT kind, status, reason, evidence_until FROM flags WHERE id = 1"),
            (
                "urgent_call".into(),
                "open".into(),
                None,
                Some(1780000000000)
            )
        );
        assert_eq!(
            read("SELECT kind, status, review_on, length(reason) FROM flags WHERE id = 3"),
            (
                "review_due".into(),
                "resolved".into(),
                Some("2026-02-01".into()),
                Some(8)
            )
        );
        let evidence: (i64, i64) = conn
            .query_row("SELECT flag_id, contact_id FROM flag_evidence", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(evidence, (1, 4));
        conn.execute(
            "INSERT INTO flags (person_id, kind, detail, raised_at, updated_at, status)
             VALUES (1, 'weekly_contact', 'd', 'x', 'x', 'open')",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 10, "flag 9 stays retired");
    }

    #[test]
    fn the_audit_log_refuses_updates_and_deletes() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity) VALUES ('2026-01-01', 'a', 'x', 'y')",
            [],
        )
        .unwrap();
        assert!(conn
            .execute("UPDATE audit_log SET actor = 'b'", [])
            .is_err());
        assert!(conn.execute("DELETE FROM audit_log", []).is_err());
    }
}
