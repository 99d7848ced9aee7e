//! Backups and integrity checks, for `fairline backup` and `fairline check`:
//! a consistent copy of a database the server is using, and SQLite's own
//! checks of a database file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::{Connection, OpenFlags};

/// Pages copied per step (4 MB at SQLite's default page size): large enough
/// that a big database is copied in seconds, small enough that each step's
/// burst of reads is short.
const PAGES_PER_STEP: i32 = 1024;
/// The pause between steps, leaving the disk to the server's commits.
const PAUSE: Duration = Duration::from_millis(10);

#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} exists; pass --force to replace it")]
    TargetExists(PathBuf),
    #[error("the copy failed its check: {0}")]
    BadCopy(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What a finished backup copied.
#[derive(Debug)]
pub struct BackupReport {
    pub pages: i32,
    pub schema_version: i64,
}

/// Copies the database at `source` to `target` with SQLite's online backup
/// API while a server may be writing to it.
///
/// The copy is one snapshot: a read transaction is held on the source for
/// the whole copy. In WAL mode that never blocks the server's writer (it
/// only holds back checkpoints until the copy ends), and it keeps SQLite
/// from restarting the copy each time the server commits, which under
/// steady calls would be for ever. The copy is written beside `target`,
/// checked, synced, and only then renamed into place, so `target` is
/// either the old file or a complete copy.
pub fn backup(source: &Path, target: &Path, force: bool) -> Result<BackupReport, MaintenanceError> {
    if target.exists() && !force {
        return Err(MaintenanceError::TargetExists(target.to_owned()));
    }
    let from = open_existing(source)?;
    let partial = partial_path(target);
    let _ = std::fs::remove_file(&partial);
    let result = copy(&from, &partial);
    // Ends the snapshot whatever happened.
    let _ = from.execute_batch("ROLLBACK");
    match result {
        Ok(report) => {
            std::fs::rename(&partial, target)?;
            sync_parent(target);
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn copy(from: &Connection, partial: &Path) -> Result<BackupReport, MaintenanceError> {
    from.execute_batch("BEGIN")?;
    let schema_version: i64 = from.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut to = Connection::open(partial)?;
    let pages = {
        let backup = Backup::new(from, &mut to)?;
        backup.run_to_completion(PAGES_PER_STEP, PAUSE, None)?;
        backup.progress().pagecount
    };
    let verdict: String = to.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(MaintenanceError::BadCopy(verdict));
    }
    // The copy carries the source's WAL flag; fold any log into the file so
    // the backup is one self-contained file.
    to.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(to);
    std::fs::File::open(partial)?.sync_all()?;
    Ok(BackupReport {
        pages,
        schema_version,
    })
}

/// Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check` on the
/// database at `path`; returns every problem found (none: the file is
/// sound). A file SQLite cannot read at all is one problem, not an error.
pub fn check(path: &Path) -> Result<Vec<String>, MaintenanceError> {
    let conn = open_existing(path)?;
    let mut problems = Vec::new();
    let integrity = conn.prepare("PRAGMA integrity_check").and_then(|mut stmt| {
        stmt.query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()
    });
    match integrity {
        // One row may hold several problems, one a line, under a header.
        Ok(rows) => problems.extend(
            rows.iter()
                .flat_map(|row| row.lines())
                .filter(|l| *l != "ok" && !l.starts_with("*** in database"))
                .map(str::to_owned),
        ),
        Err(e) => problems.push(format!("integrity_check could not run: {e}")),
    }
    let foreign_keys = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| {
                Ok(format!(
                    "{} row {} refers to a missing {} row",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?
                        .map_or_else(|| "?".to_owned(), |id| id.to_string()),
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
    match foreign_keys {
        Ok(rows) => problems.extend(rows),
        Err(e) => problems.push(format!("foreign_key_check could not run: {e}")),
    }
    Ok(problems)
}

/// Opens a database that must already exist, without creating one and
/// without changing its settings.
fn open_existing(path: &Path) -> Result<Connection, MaintenanceError> {
    if !path.is_file() {
        return Err(MaintenanceError::Missing(path.to_owned()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    target.with_file_name(name)
}

/// Makes the rename itself durable; best effort, as not every platform
/// lets a directory be opened.
fn sync_parent(target: &Path) {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = std::fs::File::open(parent) {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path) -> PathBuf {
        let path = dir.join("source.db");
        let mut conn = super::super::open_connection(&path).unwrap();
        super::super::migrate(&mut conn).unwrap();
        path
    }

    #[test]
    fn a_backup_is_a_sound_copy_and_an_existing_file_is_kept_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let source = database(dir.path());
        let target = dir.path().join("copy.db");
        let report = backup(&source, &target, false).unwrap();
        assert_eq!(report.schema_version, super::super::LATEST_VERSION);
        assert!(check(&target).unwrap().is_empty());
        let again = backup(&source, &target, false).unwrap_err();
        assert!(
            matches!(again, MaintenanceError::TargetExists(_)),
            "{again}"
        );
        assert!(backup(&source, &target, true).is_ok());
        assert!(!partial_path(&target).exists());
    }

    #[test]
    fn a_missing_database_is_reported_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nothing.db");
        assert!(matches!(check(&missing), Err(MaintenanceError::Missing(_))));
        assert!(!missing.exists());
    }
}
