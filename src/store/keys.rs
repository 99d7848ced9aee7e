//! API keys: names, roles and the SHA-256 of each key. The key itself is
//! never stored.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Result, StoreError};
use crate::domain::Role;

#[derive(Debug, Clone, Serialize)]
pub struct KeyRow {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

pub fn insert_key(
    conn: &Connection,
    name: &str,
    role: Role,
    key_hash: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, role.as_str(), key_hash, now],
    )
    .map_err(StoreError::conflict_on(
        "name",
        "a key with this name already exists",
    ))?;
    Ok(())
}

pub fn list_keys(conn: &Connection) -> Result<Vec<KeyRow>> {
    let mut stmt =
        conn.prepare("SELECT name, role, created_at, revoked_at FROM api_keys ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok(KeyRow {
            name: row.get(0)?,
            role: row.get(1)?,
            created_at: row.get(2)?,
            revoked_at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn revoke_key(conn: &Connection, name: &str, now: &str) -> Result<()> {
    let changed = conn.execute(
        "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, now],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound("active key"));
    }
    Ok(())
}

/// The name and role of the live key with this hash.
pub fn key_by_hash(conn: &Connection, key_hash: &str) -> Result<Option<(String, Role)>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, role FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
        )?
        .query_row([key_hash], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}
