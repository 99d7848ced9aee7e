//! Counts for the pages' home: what waits in the review queue. Counted by
//! SQLite; the flags and appeals waiting are few beside the contacts.

use rusqlite::Connection;

use super::Result;

/// What waits for a supervisor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Open flags other than reviews due.
    pub open_flags: u64,
    /// Open `review_due` flags: measures whose review is near or past.
    pub reviews_due: u64,
    /// Appeals not yet decided (the `appeals_waiting` index).
    pub appeals_waiting: u64,
}

pub fn queue_counts(conn: &Connection) -> Result<QueueCounts> {
    let (open_flags, reviews_due) = conn
        .prepare_cached(
            "SELECT count(*) FILTER (WHERE kind <> 'review_due'),
                    count(*) FILTER (WHERE kind = 'review_due')
             FROM flags WHERE status = 'open'",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let appeals_waiting = conn
        .prepare_cached("SELECT count(*) FROM appeals WHERE decided_at IS NULL")?
        .query_row([], |row| row.get(0))?;
    Ok(QueueCounts {
        open_flags,
        reviews_due,
        appeals_waiting,
    })
}
