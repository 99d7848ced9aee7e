//! SQLite storage: one writer thread that commits concurrent writes together
//! (group commit), a pool of read connections, and queries named for their
//! purpose. All rusqlite work runs off the async runtime.

pub mod advisors;
pub mod appeals;
pub mod audit;
pub mod caller_cache;
pub mod calls;
mod checkpointer;
mod columns;
pub mod contacts;
pub mod dashboard;
pub mod enquiries;
pub mod erasure;
pub mod flags;
pub mod history;
pub mod keys;
pub mod maintenance;
pub mod measures;
mod migrate;
pub mod people;
mod readers;
pub mod reports;
pub mod retention;
pub mod reviews;
pub mod rules;
pub mod subject_access;
#[cfg(test)]
mod test_support;
pub mod timeline;
pub mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use caller_cache::CallerCache;
pub use columns::{contact_rules, corrupt_json, millis, typed_row};
pub use migrate::{migrate, schema_version, LATEST_VERSION};
pub use readers::{in_snapshot, open_reader, Readers};
pub use writer::{Writer, WriterStats};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Says where, not what: serde's own message quotes the offending
    /// value, and this error is logged.
    #[error(
        "stored JSON is unreadable ({:?} error at line {}, column {})",
        .0.classify(), .0.line(), .0.column()
    )]
    Json(#[from] serde_json::Error),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A stored value that does not read as what its column means.
    #[error("the stored value in {table} row {id}, column {column}, is unreadable: {problem}")]
    Corrupt {
        table: &'static str,
        id: i64,
        column: String,
        problem: String,
    },
    /// A request that names something the store refuses (an advisor who
    /// is not in the directory, a measure that is not the flag's person's):
    /// the API's 422 naming the field.
    #[error("{0}")]
    Invalid(#[from] crate::domain::FieldError),
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error(
        "the database is at schema version {found}, newer than this fairline \
         knows ({known}); upgrade fairline or restore a backup"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the storage writer has stopped")]
    WriterGone,
    #[error("a storage task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// Reads a UNIQUE violation as the conflict a caller can fix.
    pub fn conflict_on(
        field: &'static str,
        message: &'static str,
    ) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |err| match err {
            rusqlite::Error::SqliteFailure(e, _)
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::Conflict {
                    field,
                    message: message.to_owned(),
                }
            }
            other => StoreError::Sqlite(other),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database: one writer, many readers, on one file.
#[derive(Clone)]
pub struct Store {
    pub writer: Writer,
    pub readers: Readers,
    /// Used only inside writer jobs (screening), so never contended: the
    /// lock is what lets a job borrow it.
    pub callers: Arc<Mutex<CallerCache>>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database, applies pending migrations
    /// and starts the writer.
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = open_connection(path)?;
        migrate(&mut conn)?;
        Ok(Store {
            writer: Writer::start(conn),
            readers: Readers::new(path.to_owned()),
            callers: Arc::default(),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.readers.read(f).await
    }

    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        self.writer.write(f).await
    }
}

/// Opens a connection with the settings every fairline connection uses:
/// WAL so readers never wait for the writer, FULL sync so a committed
/// contact survives power loss, foreign keys, and a busy timeout for the
/// CLI running beside the server.
pub fn open_connection(path: &Path) -> Result<Connection> {
    disable_memory_statistics();
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// SQLite's memory statistics take a process-wide mutex on every
/// allocation, which serialises all connections; fairline never reads them.
fn disable_memory_statistics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is only valid before SQLite initialises;
        // this runs before the first connection opens, and if SQLite is
        // already initialised the call returns SQLITE_MISUSE and changes
        // nothing.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// The current moment as stored in TEXT columns.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
