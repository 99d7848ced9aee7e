//! Copies the write-ahead log back into the database, on a thread of its
//! own, so that neither the copy nor its write to disk holds up a call.
//!
//! Two facts shape it. First, on a shared disk a sync that has tens of
//! megabytes to write holds up every commit's sync queued behind it
//! (measured here: commits stalled for 50–80 ms behind one checkpoint).
//! Second, a SQLite checkpoint that cannot copy the whole log, because calls
//! keep adding to it, copies what it can and does not sync the database
//! file; the sync comes with the first checkpoint that copies everything
//! and then covers every page copied since the last one.
//!
//! So a checkpoint here is a few passes of: copy what can be copied, then
//! write the database file's dirty pages back in small slices, waiting for
//! each, so commits' syncs slip in between. When little is left, whoever
//! copies the rest (this thread if the log stands still, otherwise the
//! writer between batches, the one moment nothing is appended) has a sync
//! with little left to write. The log rewinds to its start only after such
//! a complete copy. Checkpoints happen in quiet moments (the writer idle for
//! a tick, nearly always true at a helpline's pace) or, under unbroken load,
//! after `FORCE_AFTER_WRITES`.

use std::fs::File;
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::writer::WriterStats;

/// How often the checkpointer looks; also how long the writer must have
/// been idle for a quiet checkpoint.
const TICK: Duration = Duration::from_millis(50);

/// Writes since the last checkpoint after which one is made even under
/// load: at a few pages a call, a log of some 64 MB. Larger means fewer
/// pages written (a page changed twice is copied once) but a longer log.
const FORCE_AFTER_WRITES: u64 = 16_000;

/// New frames in a pass at or below which no further pass is made: the
/// writer copies the rest, and its sync has about this much to write.
const HAND_OVER_FRAMES: i64 = 128;

/// Copy-and-write-back passes per round; each pass copies the frames
/// appended during the one before, so they shrink quickly unless calls
/// come faster than the disk takes them.
const MAX_PASSES: u32 = 8;

/// A log this long (about 2 GiB) is handed to the writer to finish even if
/// the passes have not caught up.
const REWIND_ANYWAY_FRAMES: i64 = 500_000;

/// How much of the database file one write-back step may send to disk
/// before waiting for it: a commit's sync waits behind at most this much.
const WRITE_BACK_SLICE: u64 = 1 << 20;

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
                Ok(conn) => run(&conn, &DatabaseFile::open(&path), &stats, &flag, &wanted),
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

fn run(
    conn: &Connection,
    file: &DatabaseFile,
    stats: &WriterStats,
    stop: &AtomicBool,
    rewind: &AtomicBool,
) {
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
        let started = Instant::now();
        match checkpoint(conn, file) {
            Ok(done) => {
                // Calls went on during the copy. If what they added is
                // little, the writer copies it between batches so the log
                // can rewind. If not (calls come faster than the passes
                // shrink), the next tick goes on copying rather than hand
                // the writer a long copy and every waiting call a stall;
                // only a log past `REWIND_ANYWAY_FRAMES` is handed over
                // regardless: one stall rather than a log without bound.
                if done.converged || done.log >= REWIND_ANYWAY_FRAMES {
                    checkpointed = now;
                    if !idle {
                        rewind.store(true, Ordering::Relaxed);
                    }
                }
                tracing::debug!(
                    passes = done.passes,
                    converged = done.converged,
                    log_frames = done.log,
                    writes = behind,
                    forced = !idle,
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "checkpointed"
                );
            }
            Err(e) => tracing::warn!(error = %e, "checkpoint failed; will retry"),
        }
    }
}

/// How a round of passes ended.
struct Done {
    passes: u32,
    /// The last pass had little to copy, so little was added during it.
    converged: bool,
    /// The log's length, in frames, when the last pass began.
    log: i64,
}

/// Copy-and-write-back passes until a pass has little new to copy. Each
/// pass copies up to where the log stood when it began, so the frames
/// appended during one pass are the next one's work.
fn checkpoint(conn: &Connection, file: &DatabaseFile) -> rusqlite::Result<Done> {
    let (mut passes, mut copied_to) = (0, 0);
    loop {
        passes += 1;
        let log = passive_checkpoint(conn)?;
        file.write_back();
        // A log shorter than before has rewound: all of it was new.
        let copied_now = if log >= copied_to {
            log - copied_to
        } else {
            log
        };
        let converged = log < 0 || copied_now <= HAND_OVER_FRAMES;
        if converged || passes == MAX_PASSES {
            return Ok(Done {
                passes,
                converged,
                log,
            });
        }
        copied_to = log;
    }
}

/// Copies what it can without waiting for anyone; returns the length of
/// the log it saw, in frames (-1 when it could not run because another
/// checkpoint was running).
pub fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
}

/// The database file, held only to push its dirty pages to disk.
///
/// Never closed: closing any descriptor of a file drops every POSIX lock
/// this process holds on it, including SQLite's. It lives as long as the
/// process (one per served database).
struct DatabaseFile(Option<ManuallyDrop<File>>);

impl DatabaseFile {
    fn open(path: &Path) -> DatabaseFile {
        match File::open(path) {
            Ok(file) => DatabaseFile(Some(ManuallyDrop::new(file))),
            Err(e) => {
                // Checkpoints still work; only their writes are unpaced.
                tracing::warn!(error = %e, "could not open the database file for paced write-back");
                DatabaseFile(None)
            }
        }
    }

    /// Writes the file's dirty pages back a slice at a time, waiting for
    /// each slice before starting the next.
    #[cfg(target_os = "linux")]
    fn write_back(&self) {
        use std::os::fd::AsRawFd;
        let Some(file) = &self.0 else { return };
        let Ok(len) = file.metadata().map(|m| m.len()) else {
            return;
        };
        let flags = libc::SYNC_FILE_RANGE_WAIT_BEFORE
            | libc::SYNC_FILE_RANGE_WRITE
            | libc::SYNC_FILE_RANGE_WAIT_AFTER;
        for offset in (0..len).step_by(WRITE_BACK_SLICE as usize) {
            // SAFETY: a plain syscall on a descriptor this struct keeps open;
            // no memory is passed.
            let rc = unsafe {
                libc::sync_file_range(
                    file.as_raw_fd(),
                    offset as libc::off64_t,
                    WRITE_BACK_SLICE as libc::off64_t,
                    flags,
                )
            };
            if rc != 0 {
                // Only pacing is lost: SQLite's own sync still makes it durable.
                tracing::debug!(error = %std::io::Error::last_os_error(), "paced write-back stopped");
                return;
            }
        }
    }

    /// Elsewhere SQLite's own sync writes everything at once.
    #[cfg(not(target_os = "linux"))]
    fn write_back(&self) {}
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
