//! Appeals and complaints about a measure, and their decisions.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{typed_row, Result, StoreError};
use crate::domain::{AppealId, AppealOutcome, Channel, MeasureId, PersonId};

/// An appeal as recorded, with its decision once made.
#[derive(Debug, Clone, Serialize)]
pub struct AppealRow {
    pub id: AppealId,
    pub measure_id: MeasureId,
    pub person_id: PersonId,
    pub received_on: NaiveDate,
    pub grounds: String,
    pub channel: Channel,
    pub recorded_by: String,
    pub recorded_at: String,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub outcome: AppealOutcome,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
    /// For `changed`: the audit entry recording the change.
    pub change_audit_id: Option<i64>,
}

pub struct NewAppeal<'a> {
    pub measure_id: MeasureId,
    pub person_id: PersonId,
    pub received_on: NaiveDate,
    pub grounds: &'a str,
    pub channel: Channel,
    pub recorded_by: &'a str,
}

const SELECT: &str = "SELECT id, measure_id, person_id, received_on, grounds, channel, recorded_by,
        recorded_at, outcome, decision_reason, decided_by, decided_at, change_audit_id
    FROM appeals";

fn appeal_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<AppealRow>> {
    typed_row("appeals", row, |row| {
        let outcome: Option<AppealOutcome> = row.get(8)?;
        Ok(AppealRow {
            id: row.get(0)?,
            measure_id: row.get(1)?,
            person_id: row.get(2)?,
            received_on: row.get(3)?,
            grounds: row.get(4)?,
            channel: row.get(5)?,
            recorded_by: row.get(6)?,
            recorded_at: row.get(7)?,
            decision: match outcome {
                Some(outcome) => Some(Decision {
                    outcome,
                    reason: row.get(9)?,
                    decided_by: row.get(10)?,
                    decided_at: row.get(11)?,
                    change_audit_id: row.get(12)?,
                }),
                None => None,
            },
        })
    })
}

pub fn insert(conn: &Connection, appeal: &NewAppeal<'_>, now: &str) -> Result<AppealId> {
    conn.prepare_cached(
        "INSERT INTO appeals (measure_id, person_id, received_on, grounds, channel, recorded_by,
                              recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        appeal.measure_id,
        appeal.person_id,
        appeal.received_on.to_string(),
        appeal.grounds,
        appeal.channel,
        appeal.recorded_by,
        now
    ])?;
    Ok(crate::domain::RecordId::from_raw(conn.last_insert_rowid()))
}

pub fn get(conn: &Connection, id: AppealId) -> Result<AppealRow> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], appeal_row)
        .optional()?
        .ok_or(StoreError::NotFound("appeal"))?
}

/// A measure's appeals, oldest first.
pub fn of_measure(conn: &Connection, measure_id: MeasureId) -> Result<Vec<AppealRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE measure_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([measure_id], appeal_row)?;
    rows.map(|row| row?).collect()
}

/// Appeals with no decision that were received on or before `received_by`
/// (`None`: all of them), oldest first.
pub fn waiting(conn: &Connection, received_by: Option<NaiveDate>) -> Result<Vec<AppealRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE decided_at IS NULL AND (?1 IS NULL OR received_on <= ?1)
         ORDER BY received_on, id"
    ))?;
    let rows = stmt.query_map([received_by.map(|d| d.to_string())], appeal_row)?;
    rows.map(|row| row?).collect()
}

/// The keys involved in a measure: who recorded it and who last changed
/// it (from the audit log, which names whoever made each change).
pub fn involved_in(conn: &Connection, measure_id: MeasureId) -> Result<Vec<String>> {
    let mut involved: Vec<String> = conn
        .prepare_cached("SELECT set_by FROM measures WHERE id = ?1")?
        .query_row([measure_id], |row| row.get(0))
        .optional()?
        .into_iter()
        .collect();
    let last_change: Option<String> = conn
        .prepare_cached(
            "SELECT actor FROM audit_log
             WHERE entity = 'measure' AND entity_id = ?1 AND action = 'measure.update'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([measure_id], |row| row.get(0))
        .optional()?;
    involved.extend(last_change);
    Ok(involved)
}

/// The audit entry of the latest change to a measure made at or after
/// `since` (an audit time), if any: what a `changed` decision points at.
pub fn change_since(conn: &Connection, measure_id: MeasureId, since: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM audit_log
             WHERE entity = 'measure' AND entity_id = ?1 AND action = 'measure.update' AND at >= ?2
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![measure_id, since], |row| row.get(0))
        .optional()?)
}

pub fn decide(conn: &Connection, id: AppealId, decision: &Decision) -> Result<()> {
    conn.prepare_cached(
        "UPDATE appeals SET outcome = ?2, decision_reason = ?3, decided_by = ?4, decided_at = ?5,
                            change_audit_id = ?6
         WHERE id = ?1 AND decided_at IS NULL",
    )?
    .execute(params![
        id,
        decision.outcome,
        decision.reason,
        decision.decided_by,
        decision.decided_at,
        decision.change_audit_id
    ])?;
    Ok(())
}
