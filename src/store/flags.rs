//! Flags: the concerns the review queue shows a supervisor, raised on the
//! per-call path and when the queue is read. A flag never changes a decision.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{timestamp, typed_row, Result, StoreError};
use crate::decision::Action;
pub use crate::domain::FlagKind as Kind;
use crate::domain::{ContactId, FlagId, PersonId};

/// Calls turned away today (this one included) that make a diverted call
/// "repeated": this one and at least two before it.
const REPEATED_TURNED_AWAY: i64 = 3;

/// A call just recorded for the first time, as far as flags need it.
pub struct FreshCall {
    pub contact_id: ContactId,
    pub person_id: Option<PersonId>,
    pub urgent: bool,
    pub action: Action,
    pub now: DateTime<Utc>,
    /// Where the local day holding `now` began.
    pub day_start: DateTime<Utc>,
    /// Contacts in a day that make a person's contact very frequent; 0: off.
    pub daily_contacts: u32,
}

/// Raises the flags a fresh call calls for, at most one open flag of each
/// kind per person per local day, and returns the kinds raised. The caller
/// passes only calls it has just inserted, so a retry raises nothing.
pub fn raise_for_call(conn: &Connection, call: &FreshCall) -> Result<Vec<Kind>> {
    let wanted = not_yet_open(conn, call, wanted_for_call(conn, call)?)?;
    insert_flags(conn, call, wanted)
}

/// The flags a fresh call calls for, with their details; reads only.
fn wanted_for_call(conn: &Connection, call: &FreshCall) -> Result<Vec<(Kind, String)>> {
    let mut wanted = Vec::new();
    if call.urgent {
        let detail = "chose the urgent (safeguarding) option; the call was routed".to_owned();
        wanted.push((Kind::UrgentCall, detail));
    }
    if let Some(person) = call.person_id {
        let (contacts, turned_away) = counts_since(conn, person, call.day_start)?;
        if !call.action.reaches_helpline() && turned_away >= REPEATED_TURNED_AWAY {
            let detail = format!("{turned_away} calls diverted or blocked today");
            wanted.push((Kind::RepeatedWhileDiverted, detail));
        }
        if call.daily_contacts > 0 && contacts >= i64::from(call.daily_contacts) {
            let detail = format!("{contacts} contacts today");
            wanted.push((Kind::VeryFrequentContact, detail));
        }
    }
    Ok(wanted)
}

/// Leaves out the kinds already open for the person today; reads only.
fn not_yet_open(
    conn: &Connection,
    call: &FreshCall,
    mut wanted: Vec<(Kind, String)>,
) -> Result<Vec<(Kind, String)>> {
    // An unknown caller has no day to share: each urgent call is its own.
    if let (Some(person), false) = (call.person_id, wanted.is_empty()) {
        let open = open_kinds_since(conn, person, call.day_start)?;
        wanted.retain(|(kind, _)| !open.contains(kind));
    }
    Ok(wanted)
}

fn insert_flags(
    conn: &Connection,
    call: &FreshCall,
    wanted: Vec<(Kind, String)>,
) -> Result<Vec<Kind>> {
    let now = timestamp(call.now);
    let mut raised = Vec::new();
    for (kind, detail) in wanted {
        conn.prepare_cached(
            "INSERT INTO flags (person_id, contact_id, kind, detail, raised_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![call.person_id, call.contact_id, kind, detail, now])?;
        raised.push(kind);
    }
    Ok(raised)
}

/// `raise_for_call` for the per-call path: a flag that cannot be raised is
/// rolled back and logged, and never costs the call its record or its
/// answer (a flag changes no decision, and a failing one must not turn the
/// decision into `fail_open`). Only the writing is in a savepoint of its
/// own: most calls want no flag, or one already open today, and checking
/// that only reads.
pub fn raise_for_call_or_log(conn: &Connection, call: &FreshCall) -> Vec<Kind> {
    // Most calls are from callers not on record and not urgent: nothing to
    // raise, nothing to read.
    if call.person_id.is_none() && !call.urgent {
        return Vec::new();
    }
    let savepoint = |sql: &str| -> Result<()> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    let raised = wanted_for_call(conn, call)
        .and_then(|wanted| not_yet_open(conn, call, wanted))
        .and_then(|wanted| {
            if wanted.is_empty() {
                return Ok(Vec::new());
            }
            savepoint("SAVEPOINT flags")?;
            let raised = insert_flags(conn, call, wanted);
            if raised.is_err() {
                savepoint("ROLLBACK TO flags")?;
            }
            savepoint("RELEASE flags")?;
            raised
        });
    raised.unwrap_or_else(|error| {
        tracing::error!(%error, "could not raise flags; the call is recorded without them");
        Vec::new()
    })
}

/// The person's contacts since `since`, and how many of them were calls
/// turned away (diverted or blocked). A turned-away call is a phone contact
/// that did not count towards a limit: asked that way, the index that
/// serves the per-call path answers alone, without a table look-up a row.
fn counts_since(conn: &Connection, person: PersonId, since: DateTime<Utc>) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(channel = 'phone' AND counted = 0), 0)
             FROM contacts WHERE person_id = ?1 AND at >= ?2",
        )?
        .query_row(params![person, since.timestamp_millis()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?)
}

fn open_kinds_since(
    conn: &Connection,
    person: PersonId,
    since: DateTime<Utc>,
) -> Result<Vec<Kind>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind FROM flags
         WHERE person_id = ?1 AND raised_at >= ?2 AND resolved_at IS NULL",
    )?;
    let rows = stmt.query_map(params![person, timestamp(since)], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Raises `measure_past_review` for each measure not ended whose review
/// date is before `today`, unless one is open for it or one was raised
/// since that date (a supervisor who resolved it is not asked again until
/// the review date moves on). Measures are few, so this scans them.
/// Dates are compared as dates (`julianday`), never as text, where
/// `+10000-01-01` would sort before today; a value that is no date gives
/// NULL and raises nothing.
pub fn raise_past_reviews(conn: &Connection, today: NaiveDate, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO flags (person_id, measure_id, kind, detail, raised_at)
             SELECT m.person_id, m.id, 'measure_past_review',
                    m.kind || ' measure was due for review on ' || m.review_on, ?2
             FROM measures m
             WHERE m.ended_at IS NULL
               AND (m.ends_on IS NULL OR julianday(m.ends_on) >= julianday(?1))
               AND julianday(m.review_on) < julianday(?1)
               AND NOT EXISTS (SELECT 1 FROM flags f
                               WHERE f.measure_id = m.id AND f.kind = 'measure_past_review'
                                 AND (f.resolved_at IS NULL
                                      OR julianday(f.raised_at) >= julianday(m.review_on)))",
        )?
        .execute(params![today.to_string(), now])?)
}

/// One flag as the review queue shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FlagRow {
    pub id: FlagId,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub contact_id: Option<i64>,
    pub call_id: Option<String>,
    /// The calling number: what a supervisor has for an unknown caller.
    pub caller: Option<String>,
    pub measure_id: Option<i64>,
    pub kind: Kind,
    pub detail: String,
    pub raised_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Resolved,
    All,
}

const SELECT: &str = "SELECT f.id, f.person_id, p.name, f.contact_id, c.call_id, c.identity,
        f.measure_id, f.kind, f.detail, f.raised_at, f.resolved_at, f.resolved_by, f.resolution
    FROM flags f LEFT JOIN people p ON p.id = f.person_id
                 LEFT JOIN contacts c ON c.id = f.contact_id";

fn flag_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<FlagRow>> {
    typed_row("flags", row, |row| {
        Ok(FlagRow {
            id: row.get(0)?,
            person_id: row.get(1)?,
            person_name: row.get(2)?,
            contact_id: row.get(3)?,
            call_id: row.get(4)?,
            caller: row.get(5)?,
            measure_id: row.get(6)?,
            kind: row.get(7)?,
            detail: row.get(8)?,
            raised_at: row.get(9)?,
            resolved_at: row.get(10)?,
            resolved_by: row.get(11)?,
            resolution: row.get(12)?,
        })
    })
}

/// The review queue, newest first.
pub fn queue(
    conn: &Connection,
    status: Status,
    person_id: Option<i64>,
    limit: u32,
) -> Result<Vec<FlagRow>> {
    // A fixed condition per status, not a parameter, so the open queue
    // reads its partial index.
    let status = match status {
        Status::Open => "f.resolved_at IS NULL",
        Status::Resolved => "f.resolved_at IS NOT NULL",
        Status::All => "1",
    };
    let sql = format!(
        "{SELECT} WHERE {status} AND (?1 IS NULL OR f.person_id = ?1)
         ORDER BY f.raised_at DESC, f.id DESC LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![person_id, limit], flag_row)?;
    rows.map(|row| row?).collect()
}

pub fn get_flag(conn: &Connection, id: FlagId) -> Result<FlagRow> {
    conn.prepare_cached(&format!("{SELECT} WHERE f.id = ?1"))?
        .query_row([id], flag_row)
        .optional()?
        .ok_or(StoreError::NotFound("flag"))?
}

/// Marks a flag resolved; returns it before and after. A flag is resolved
/// once: resolving it again is a conflict, not a silent overwrite of the
/// first supervisor's resolution.
pub fn resolve(
    conn: &Connection,
    id: FlagId,
    by: &str,
    resolution: &str,
    now: &str,
) -> Result<(FlagRow, FlagRow)> {
    let before = get_flag(conn, id)?;
    if before.resolved_at.is_some() {
        return Err(StoreError::Conflict {
            field: "flag",
            message: "this flag is already resolved".into(),
        });
    }
    conn.prepare_cached(
        "UPDATE flags SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
    )?
    .execute(params![id, now, by, resolution])?;
    Ok((before, get_flag(conn, id)?))
}

#[cfg(test)]
mod tests;
