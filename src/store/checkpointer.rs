//! Copies the write-ahead log back into the database, on a thread of its
//! own and, whenever it can, in a quiet moment.
//!
//! A checkpoint ends with an fsync of the database file, and on a shared
//! disk that fsync delays the commit fsync of every call in flight. So the
//! checkpointer waits until the writer has been idle for a tick (between
//! calls, which is nearly always at a helpline's pace) and checkpoints then.
//! Only when calls never pause and the log passes `FORCE_AFTER_WRITES`
//! does it checkpoint under load, and then it asks the writer to copy the
//! last frames between batches, since SQLite rewinds the log to its start
//! only once every frame is copied.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use super::writer::WriterStats;

/// How often the checkpointer looks; also how long the writer must have
/// been idle for a quiet checkpoint.
const TICK: Duration = Duration::from_millis(50);

/// Writes since the last checkpoint after which one is made even under
/// load: at a few pages a call, a log of some 64 MB. Larger means rarer
/// but longer disturbances of calls in flight.
const FORCE_AFTER_WRITES: u64 = 16_000;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    /// Set when the writer should copy the last frames so the log rewinds.
    pub rewind: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(path: PathBuf, stats: Arc<WriterStats>) -> Checkpointer {
        let stop = Arc::new(AtomicBool::new(false));
        let rewind = Arc::new(AtomicBool::new(false));
        let (flag, wanted) = (stop.clone(), rewind.clone());
        let thread = std::thread::Builder::new()
            .name("fairline-checkpoint".into())
            .spawn(move || match super::open_connection(&path) {
                Ok(conn) => run(&conn, &stats, &flag, &wanted),
                Err(e) => tracing::error!(error = %e, "checkpointer could not open the database"),
            })
            .expect("spawning the checkpoint thread");
        Checkpointer {
            stop,
            rewind,
            thread: Some(thread),
        }
    }
}

fn run(conn: &Connection, stats: &WriterStats, stop: &AtomicBool, rewind: &AtomicBool) {
    let writes = || stats.writes.load(Ordering::Relaxed);
    let (mut seen, mut checkpointed) = (writes(), writes());
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        let now = writes();
        let idle = now == seen;
        seen = now;
        let behind = now - checkpointed;
        if behind == 0 || !(idle || behind >= FORCE_AFTER_WRITES) {
            continue;
        }
        match passive_checkpoint(conn) {
            Ok(_) => {
                checkpointed = now;
                if !idle {
                    rewind.store(true, Ordering::Relaxed);
                }
            }
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; will retry"),
        }
    }
}

/// Copies what it can without waiting for anyone; returns the log's length
/// in frames.
pub fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
