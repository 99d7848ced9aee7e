//! Copies the write-ahead log back into the database on a thread of its
//! own. Left to the writer (SQLite's automatic checkpoint), a checkpoint
//! runs inside a commit and every call waiting on that commit waits for it
//! too; here the copying runs beside the writer.
//!
//! A checkpoint beside a busy writer never catches up completely (each
//! call adds a frame while it copies), and SQLite only rewinds the log to
//! its start once every frame is copied. So when the log has grown long,
//! the checkpointer asks the writer to finish the job: between batches the
//! writer copies the handful of frames left, and its next commit rewinds.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(500);

/// A log longer than this many pages (about 16 MB) is rewound.
const REWIND_AFTER_FRAMES: i64 = 4096;

pub struct Checkpointer {
    stop: Arc<AtomicBool>,
    /// Set when the writer should copy the last frames so the log rewinds.
    pub rewind: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(path: PathBuf) -> Checkpointer {
        let stop = Arc::new(AtomicBool::new(false));
        let rewind = Arc::new(AtomicBool::new(false));
        let (flag, wanted) = (stop.clone(), rewind.clone());
        let thread = std::thread::Builder::new()
            .name("fairline-checkpoint".into())
            .spawn(move || match super::open_connection(&path) {
                Ok(conn) => {
                    while !flag.load(Ordering::Relaxed) {
                        std::thread::sleep(EVERY);
                        match passive_checkpoint(&conn) {
                            Ok(frames) if frames > REWIND_AFTER_FRAMES => {
                                wanted.store(true, Ordering::Relaxed)
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "checkpoint failed; will retry"),
                        }
                    }
                }
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
