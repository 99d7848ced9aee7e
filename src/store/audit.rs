//! The append-only audit log: who changed what, when, before and after.

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::Value;

use super::{typed_row, Result};
use crate::domain::PersonId;

/// One change, as the handler that made it describes it.
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    /// Any kind of record's id: `entity` says which.
    pub entity_id: Option<i64>,
    pub person_id: Option<PersonId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// What an entry's copy of a record (`before`, `after`) becomes once the
/// record is erased or past retention: the one change the log accepts
/// (`schema/0003_erasure.sql`).
pub const ERASED: &str = r#"{"erased":true}"#;

/// Blanks the copies held by the entries about these rows of `entity`
/// (e.g. `contact`); returns how many entries changed.
pub fn redact_about(conn: &Connection, entity: &str, ids: &[i64]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    redact_where(
        conn,
        "entity = ?2 AND entity_id IN (SELECT value FROM json_each(?3))",
        params![ERASED, entity, serde_json::to_string(ids)?],
    )
}

/// Blanks the copies held by every entry about a person.
pub fn redact_person(conn: &Connection, person_id: PersonId) -> Result<usize> {
    redact_where(conn, "person_id = ?2", params![ERASED, person_id])
}

fn redact_where(conn: &Connection, which: &str, args: impl rusqlite::Params) -> Result<usize> {
    let sql = format!(
        "UPDATE audit_log SET before = CASE WHEN before IS NULL THEN NULL ELSE ?1 END,
                              after = CASE WHEN after IS NULL THEN NULL ELSE ?1 END
         WHERE {which} AND (coalesce(before, ?1) <> ?1 OR coalesce(after, ?1) <> ?1)"
    );
    Ok(conn.prepare_cached(&sql)?.execute(args)?)
}

pub fn record(conn: &Connection, entry: Entry<'_>, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, person_id, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        now,
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.person_id,
        entry.before.map(|v| v.to_string()),
        entry.after.map(|v| v.to_string()),
    ])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    /// Any kind of record's id: `entity` says which.
    pub entity_id: Option<i64>,
    pub person_id: Option<PersonId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Filters for reading the log; all optional.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub person_id: Option<i64>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// One of `ENTITIES`.
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// The first moment included, as `at` is stored (`store::timestamp`).
    pub from: Option<String>,
    /// The first moment no longer included, as stored.
    pub before: Option<String>,
    pub before_id: Option<i64>,
    pub limit: u32,
}

/// The kinds of record entries are about (`entity`), for checking a
/// filter and offering the choice on the audit page.
pub const ENTITIES: [&str; 11] = [
    "person",
    "contact",
    "measure",
    "appeal",
    "enquiry",
    "flag",
    "number_rule",
    "advisor",
    "user",
    "api_key",
    "retention",
];

/// Entries newest first, paged by `before_id`.
pub fn list(conn: &Connection, filter: &Filter) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor, action, entity, entity_id, person_id, before, after FROM audit_log
         WHERE (?1 IS NULL OR person_id = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR id < ?3)
           AND (?5 IS NULL OR action = ?5)
           AND (?6 IS NULL OR entity = ?6) AND (?7 IS NULL OR entity_id = ?7)
           AND (?8 IS NULL OR at >= ?8) AND (?9 IS NULL OR at < ?9)
         ORDER BY id DESC LIMIT ?4",
    )?;
    // `at` is always written by `store::timestamp` (UTC, milliseconds, Z),
    // so comparing the text compares the moments.
    let rows = stmt.query_map(
        params![
            filter.person_id,
            filter.actor,
            filter.before_id,
            filter.limit,
            filter.action,
            filter.entity,
            filter.entity_id,
            filter.from,
            filter.before,
        ],
        |row| {
            typed_row("audit_log", row, |row| {
                Ok(AuditRow {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    entity: row.get(4)?,
                    entity_id: row.get(5)?,
                    person_id: row.get(6)?,
                    before: row.get(7)?,
                    after: row.get(8)?,
                })
            })
        },
    )?;
    rows.map(|row| row?).collect()
}
