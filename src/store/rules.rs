//! Number rules: block and allow entries for numbers and prefixes.

use rusqlite::{params, Connection, OptionalExtension};

use super::{typed_row, Result, StoreError};
use crate::domain::{MatchKind, NumberPattern, NumberRule, NumberRuleId, RecordId};

const COLUMNS: &str = "id, number, match_kind, action, reason, expires_at";

fn rule_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<NumberRule>> {
    typed_row("number_rules", row, |row| {
        Ok(NumberRule {
            id: row.get(0)?,
            number: NumberPattern::from_stored(row.get(1)?),
            match_kind: row.get(2)?,
            action: row.get(3)?,
            reason: row.get(4)?,
            expires_at: row.get(5)?,
        })
    })
}

pub fn insert_rule(
    conn: &Connection,
    rule: &NumberRule,
    created_by: &str,
    now: &str,
) -> Result<NumberRuleId> {
    conn.prepare_cached(
        "INSERT INTO number_rules (number, match_kind, action, reason, expires_at, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        rule.number.as_str(),
        rule.match_kind,
        rule.action,
        rule.reason,
        rule.expires_at.map(super::timestamp),
        created_by,
        now,
    ])
    .map_err(StoreError::conflict_on("number", "already has a rule of this match kind"))?;
    Ok(NumberRuleId::from_raw(conn.last_insert_rowid()))
}

pub fn get_rule(conn: &Connection, id: NumberRuleId) -> Result<NumberRule> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM number_rules WHERE id = ?1"))?
        .query_row([id], rule_row)
        .optional()?
        .ok_or(StoreError::NotFound("number rule"))?
}

/// The rule for exactly this number or prefix, if there is one (a number
/// has at most one rule of each match kind).
pub fn rule_for(
    conn: &Connection,
    number: &NumberPattern,
    match_kind: MatchKind,
) -> Result<Option<NumberRule>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM number_rules WHERE number = ?1 AND match_kind = ?2"
    ))?
    .query_row(params![number.as_str(), match_kind], rule_row)
    .optional()?
    .transpose()
}

/// Replaces a rule's action, reason and expiry; its number and match kind
/// are what it is.
pub fn update_rule(conn: &Connection, rule: &NumberRule) -> Result<()> {
    conn.prepare_cached(
        "UPDATE number_rules SET action = ?2, reason = ?3, expires_at = ?4 WHERE id = ?1",
    )?
    .execute(params![
        rule.id,
        rule.action,
        rule.reason,
        rule.expires_at.map(super::timestamp),
    ])?;
    Ok(())
}

pub fn list_rules(conn: &Connection) -> Result<Vec<NumberRule>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM number_rules ORDER BY number, id"
    ))?;
    let rows = stmt.query_map([], rule_row)?;
    rows.map(|row| row?).collect()
}

pub fn delete_rule(conn: &Connection, id: NumberRuleId) -> Result<()> {
    conn.prepare_cached("DELETE FROM number_rules WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
