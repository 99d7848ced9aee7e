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
];

pub const LATEST_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the database up to this build's schema. Refuses a database from a
/// newer fairline rather than guess at its shape.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found = schema_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: LATEST_VERSION,
        });
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (version, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(migration = name, "applying migration");
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
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
