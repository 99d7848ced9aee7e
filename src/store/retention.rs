//! Retention: contacts, ended measures (with their reviews and appeals) and
//! settled flags (with the contacts behind them) are deleted once older
//! than their periods, a chunk at a time, and the audit log's copies of
//! them blanked. Reviews and evidence go by `ON DELETE CASCADE` (schema
//! 0008), appeals too (0012); a review is audited as an entry about its
//! measure, blanked with the measure's; an appeal under its own id.

use std::future::Future;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::{audit, timestamp, Result};

/// Rows deleted per statement. A chunk holds the writer for tens of
/// milliseconds, so calls screened during a large purge barely notice it.
pub const CHUNK: usize = 10_000;

/// Records from before these moments go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Contacts made before this.
    pub contacts: DateTime<Utc>,
    /// Measures ended (`ended_at`), or due to end (`ends_on`), before this;
    /// and flags settled (dismissed or resolved) before this (a settled
    /// flag is a closed concern, kept as long as a closed measure). Open
    /// flags stay until settled.
    pub ended_measures: DateTime<Utc>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    pub contacts: usize,
    pub measures: usize,
    pub flags: usize,
}

/// A whole purge: what goes, whether for real, and who asked when.
#[derive(Debug, Clone)]
pub struct Purge {
    pub cutoffs: Cutoffs,
    pub dry_run: bool,
    /// `cli` or `daily`, for the audit entry.
    pub run_by: &'static str,
    pub now: DateTime<Utc>,
}

/// One piece of a purge, to run in a transaction of its own.
#[derive(Debug, Clone)]
pub enum Step {
    /// Counts what a purge would delete.
    Count(Cutoffs),
    /// Deletes up to `chunk` each of contacts, measures and flags.
    Delete { cutoffs: Cutoffs, chunk: usize },
    /// Records the purge in the audit log; `complete` is false when it
    /// stopped early (shutdown or a failed chunk).
    Record {
        purge: Purge,
        counts: PurgeCounts,
        complete: bool,
    },
}

impl Step {
    pub fn run(self, conn: &Connection) -> Result<PurgeCounts> {
        match self {
            Step::Count(cutoffs) => count(conn, &cutoffs),
            Step::Delete { cutoffs, chunk } => delete_chunk(conn, &cutoffs, chunk),
            Step::Record {
                purge,
                counts,
                complete,
            } => {
                let after = json!({
                    "contacts": counts.contacts,
                    "measures": counts.measures,
                    "flags": counts.flags,
                    "contacts_before": timestamp(purge.cutoffs.contacts),
                    "measures_ended_before": timestamp(purge.cutoffs.ended_measures),
                    "run_by": purge.run_by,
                    "complete": complete,
                });
                let entry = audit::Entry {
                    actor: "retention",
                    action: "retention.purge",
                    entity: "retention",
                    entity_id: None,
                    person_id: None,
                    before: None,
                    after: Some(after),
                };
                audit::record(conn, entry, &timestamp(purge.now))?;
                Ok(counts)
            }
        }
    }
}

/// Runs a purge as a series of steps, each handed to `run` to execute in
/// a transaction of its own (the server's writer, or the CLI's
/// connection), checking `stopping` between chunks. A real purge always
/// ends with its audit entry, even when it stopped early, so every deleted
/// row is accounted for.
pub async fn purge<F, Fut>(purge: Purge, run: F, stopping: impl Fn() -> bool) -> Result<PurgeCounts>
where
    F: FnMut(Step) -> Fut,
    Fut: Future<Output = Result<PurgeCounts>>,
{
    purge_in_chunks(purge, CHUNK, run, stopping).await
}

async fn purge_in_chunks<F, Fut>(
    purge: Purge,
    chunk: usize,
    mut run: F,
    stopping: impl Fn() -> bool,
) -> Result<PurgeCounts>
where
    F: FnMut(Step) -> Fut,
    Fut: Future<Output = Result<PurgeCounts>>,
{
    let cutoffs = purge.cutoffs;
    if purge.dry_run {
        return run(Step::Count(cutoffs)).await;
    }
    let mut counts = PurgeCounts::default();
    let mut complete = false;
    let mut failure = None;
    while !stopping() {
        match run(Step::Delete { cutoffs, chunk }).await {
            Ok(done) => {
                counts.contacts += done.contacts;
                counts.measures += done.measures;
                counts.flags += done.flags;
                if done.contacts < chunk && done.measures < chunk && done.flags < chunk {
                    complete = true;
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let recorded = run(Step::Record {
        purge,
        counts,
        complete,
    })
    .await;
    match (failure, recorded) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(_)) => Ok(counts),
    }
}

/// `ends_on` is the last day a measure applies, so it has ended before the
/// cut-off's date when it is earlier than that date. Dates are compared as
/// dates (`julianday`), not as text: as text `+10000-01-01` sorts before
/// `2026-…`, and a measure running to the year 10000 would be purged as
/// long ended. A value that is no date gives NULL and is never purged.
/// `ended_at` is fairline's own timestamp, always written in one
/// fixed-width form, so its text order is its time order.
const ENDED: &str = "(ended_at IS NOT NULL AND ended_at < ?1)
     OR (ends_on IS NOT NULL AND julianday(ends_on) < julianday(?2))";

fn measure_args(cutoffs: &Cutoffs) -> (String, String) {
    (
        timestamp(cutoffs.ended_measures),
        cutoffs.ended_measures.date_naive().to_string(),
    )
}

fn count(conn: &Connection, cutoffs: &Cutoffs) -> Result<PurgeCounts> {
    let contacts: i64 = conn
        .prepare_cached("SELECT count(*) FROM contacts WHERE at < ?1")?
        .query_row([cutoffs.contacts.timestamp_millis()], |row| row.get(0))?;
    let (at, on) = measure_args(cutoffs);
    let measures: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM measures WHERE {ENDED}"))?
        .query_row(params![at, on], |row| row.get(0))?;
    let flags: i64 = conn
        .prepare_cached("SELECT count(*) FROM flags WHERE settled_at < ?1")?
        .query_row([at], |row| row.get(0))?;
    Ok(PurgeCounts {
        contacts: contacts as usize,
        measures: measures as usize,
        flags: flags as usize,
    })
}

fn delete_chunk(conn: &Connection, cutoffs: &Cutoffs, chunk: usize) -> Result<PurgeCounts> {
    let contacts: Vec<i64> = conn
        .prepare_cached(
            "DELETE FROM contacts WHERE id IN
                 (SELECT id FROM contacts WHERE at < ?1 ORDER BY at LIMIT ?2)
             RETURNING id",
        )?
        .query_map(
            params![cutoffs.contacts.timestamp_millis(), chunk as i64],
            |row| row.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    audit::redact_about(conn, "contact", &contacts)?;
    let (at, on) = measure_args(cutoffs);
    let measures: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT id FROM measures WHERE {ENDED} ORDER BY id LIMIT ?3"
        ))?
        .query_map(params![at, on, chunk as i64], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let ids = serde_json::to_string(&measures)?;
    // A measure's appeals go with it (ON DELETE CASCADE, schema 0012) but
    // are audited under their own ids, so they are named before the rows
    // that would say which they were are gone.
    let appeals: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM appeals WHERE measure_id IN (SELECT value FROM json_each(?1))",
        )?
        .query_map([&ids], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.prepare_cached("DELETE FROM measures WHERE id IN (SELECT value FROM json_each(?1))")?
        .execute([&ids])?;
    audit::redact_about(conn, "measure", &measures)?;
    audit::redact_about(conn, "appeal", &appeals)?;
    let flags: Vec<i64> = conn
        .prepare_cached(
            "DELETE FROM flags WHERE id IN
                 (SELECT id FROM flags WHERE settled_at < ?1 ORDER BY settled_at LIMIT ?2)
             RETURNING id",
        )?
        .query_map(params![at, chunk as i64], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    audit::redact_about(conn, "flag", &flags)?;
    Ok(PurgeCounts {
        contacts: contacts.len(),
        measures: measures.len(),
        flags: flags.len(),
    })
}

#[cfg(test)]
mod tests;
