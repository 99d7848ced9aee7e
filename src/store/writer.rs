//! The single writer. Every change goes through one thread that takes all
//! writes waiting at that moment and commits them in one transaction (group
//! commit): one fsync for many calls, so durability does not cost throughput.
//! Each write runs in its own savepoint, so one failing write does not undo
//! its neighbours, and no caller hears "done" before the commit is on disk.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use super::{Result, StoreError};

/// The most writes one transaction takes, so one commit stays short.
const MAX_BATCH: usize = 512;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
    stats: Arc<WriterStats>,
    done: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// Counters for metrics and benchmarks.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
    pub pending: AtomicU64,
}

impl Writer {
    pub fn start(conn: Connection) -> Writer {
        // Screening and every supervisor change share this connection. As
        // the only writer its page cache is never invalidated, but it is
        // kept modest: when a b-tree page splits, SQLite renumbers pages
        // through a temporary number past 1 GiB (the pending-byte page),
        // and the next commit then scans the whole cache for pages beyond
        // the end of the file (seen with gdb; a fifth of the writer's time
        // at 32 MiB under load). The OS page cache holds the rest of the
        // file. Checkpoints are the checkpointer's job.
        conn.set_prepared_statement_cache_capacity(128);
        if let Err(e) =
            conn.execute_batch("PRAGMA cache_size = -8192; PRAGMA wal_autocheckpoint = 0;")
        {
            tracing::warn!(error = %e, "could not size the writer's cache");
        }
        let (jobs, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        let handle = std::thread::Builder::new()
            .name("fairline-writer".into())
            .spawn(move || run(conn, rx, thread_stats))
            .expect("spawning the writer thread");
        Writer {
            jobs,
            stats,
            done: Arc::new(std::sync::Mutex::new(Some(handle))),
        }
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `f` in the writer's next transaction and returns once it is
    /// committed (or failed).
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| {
            // A job that panics (a bug, or a stored value it did not
            // expect) fails alone: its savepoint is rolled back like any
            // failed write, its caller hears an error, and the writer goes
            // on with the next job. Unwound, it would stop the writer and
            // every later write with it. The job's own state is dropped with
            // it, and the connection is left as the rolled-back savepoint
            // finds it, so nothing half-done is observed after the catch.
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|panic| Err(panicked(panic.as_ref())));
            let ok = outcome.is_ok();
            let completion: Completion = Box::new(move |committed| {
                let _ = reply.send(match committed {
                    Ok(()) => outcome,
                    Err(e) => Err(StoreError::Task(format!("commit failed: {e}"))),
                });
            });
            (ok, completion)
        });
        self.stats.pending.fetch_add(1, Ordering::Relaxed);
        self.jobs.send(job).map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Waits for the writer to commit everything queued once every handle
    /// to it is dropped. Used at shutdown.
    pub fn join(self) {
        let handle = self.done.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(self.jobs);
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>, stats: Arc<WriterStats>) {
    let checkpointer = conn
        .path()
        .map(|p| super::checkpointer::Checkpointer::start(p.into(), stats.clone()));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats
            .pending
            .fetch_sub(batch.len() as u64, Ordering::Relaxed);
        let count = batch.len() as u64;
        let started = std::time::Instant::now();
        let completions = commit_batch(&mut conn, &mut batch);
        crate::metrics::commit(count as usize, started);
        stats.commits.fetch_add(1, Ordering::Relaxed);
        stats.writes.fetch_add(count, Ordering::Relaxed);
        let (completions, committed) = completions;
        for done in completions {
            done(committed.clone());
        }
        // Between batches, with every caller answered, is the one moment
        // the writer can finish a checkpoint without delaying anyone's commit.
        let rewind = || {
            checkpointer
                .as_ref()
                .is_some_and(|c| c.rewind.swap(false, Ordering::Relaxed))
        };
        if rx.is_empty() && rewind() {
            let started = std::time::Instant::now();
            match super::checkpointer::passive_checkpoint(&conn) {
                Ok(frames) => tracing::debug!(
                    frames,
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "finished the checkpoint"
                ),
                Err(e) => tracing::warn!(error = %e, "could not finish the checkpoint"),
            }
        }
    }
    drop(checkpointer);
    // Leave a database whose log is folded in, so a copy of the file alone
    // is complete.
    if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(error = %e, "final checkpoint failed; the log will be replayed on next start");
    }
}

fn commit_batch(
    conn: &mut Connection,
    batch: &mut Vec<Job>,
) -> (Vec<Completion>, Result<(), String>) {
    let mut completions = Vec::with_capacity(batch.len());
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "could not begin a write transaction");
        // The jobs never ran; dropping them tells each caller it failed.
        batch.clear();
        return (completions, Err(e.to_string()));
    }
    for job in batch.drain(..) {
        if let Err(e) = savepoint(conn, "SAVEPOINT job") {
            tracing::error!(error = %e, "could not open a savepoint");
            continue;
        }
        let (ok, done) = job(conn);
        let closed = if ok {
            savepoint(conn, "RELEASE job")
        } else {
            savepoint(conn, "ROLLBACK TO job").and_then(|()| savepoint(conn, "RELEASE job"))
        };
        if let Err(e) = closed {
            tracing::error!(error = %e, "could not close a savepoint");
        }
        completions.push(done);
    }
    let committed = conn.execute_batch("COMMIT").map_err(|e| {
        tracing::error!(error = %e, "group commit failed");
        let _ = conn.execute_batch("ROLLBACK");
        e.to_string()
    });
    (completions, committed)
}

/// Logs a job's panic and turns it into its caller's error. The message
/// says what failed, which is in the log beside it, not what was written.
fn panicked(panic: &(dyn std::any::Any + Send)) -> StoreError {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    tracing::error!(
        panic = message,
        "a write panicked; it was rolled back and the writer carries on"
    );
    StoreError::Task("the write failed unexpectedly and was rolled back".into())
}

/// Savepoint statements are prepared once and reused: opening one per
/// write is on the per-call path.
fn savepoint(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(conn: &Connection) -> Result<i64> {
        Ok(conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_later_jobs_are_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let writer = Writer::start(conn);

        let failed = writer
            .write(|conn| -> Result<()> {
                conn.execute("INSERT INTO t VALUES (1)", [])?;
                panic!("a malformed stored value");
            })
            .await;
        assert!(
            matches!(failed, Err(StoreError::Task(_))),
            "the panicking job's caller hears an error: {failed:?}"
        );

        let later = writer
            .write(|conn| {
                conn.execute("INSERT INTO t VALUES (2)", [])?;
                count(conn)
            })
            .await;
        assert_eq!(
            later.unwrap(),
            1,
            "the writer goes on, and the panicking job's insert was rolled back"
        );
        writer.join();

        let reopened = Connection::open(&path).unwrap();
        let rows: Vec<i64> = reopened
            .prepare("SELECT x FROM t")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [2],
            "the later job is committed, the panicked one is not"
        );
    }
}
