//! A fixed pool of read-only connections, used from blocking threads so
//! SQLite never stalls the async workers. The pool is bounded: a waiting
//! request queues for a connection rather than opening (and parsing the
//! schema for) a new one, and each connection keeps its prepared
//! statements and page cache warm.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::{Result, StoreError};

#[derive(Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

/// How many reads run at once: enough to keep both cores and the disk
/// busy, few enough that each connection stays warm.
const READERS: usize = 8;

impl Readers {
    pub fn new(path: PathBuf) -> Self {
        Readers {
            inner: Arc::new(Inner {
                path,
                idle: Mutex::new(Vec::with_capacity(READERS)),
                permits: Semaphore::new(READERS),
            }),
        }
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?;
        let inner = self.inner.clone();
        let result = tokio::task::spawn_blocking(move || {
            let conn = inner.take()?;
            let result = in_snapshot(&conn, f);
            inner.give_back(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
        drop(permit);
        result
    }
}

/// Runs `f` in one read transaction: one snapshot for all its queries,
/// and one shared lock instead of one per statement.
pub fn in_snapshot<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = f(conn);
    conn.prepare_cached("COMMIT")?.execute([])?;
    result
}

/// A read-only connection as the pool's are made. Also for a long read
/// (an export) that runs on a thread of its own and must not hold one of
/// the pool's connections while a slow client takes its time.
pub fn open_reader(path: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Inner {
    fn take(&self) -> Result<Connection> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(conn);
        }
        open_reader(&self.path)
    }

    fn give_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
    }
}
