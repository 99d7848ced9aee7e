//! Staff accounts and their signed-in sessions (migration 0014). Every
//! function takes `now` as a stored timestamp; the rules about when a
//! session ends or an account locks are the caller's settings, passed in.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Result, StoreError};
use crate::domain::Role;

/// A staff account as `users list` and the admin pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub password_changed_at: String,
    pub disabled_at: Option<String>,
    pub locked_until: Option<String>,
}

/// What a sign-in needs to know about the name it was given.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub locked_until: Option<String>,
}

pub fn insert_user(
    conn: &Connection,
    name: &str,
    role: Role,
    password_hash: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO users (name, role, password_hash, created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![name, role.as_str(), password_hash, now],
    )
    .map_err(StoreError::conflict_on(
        "name",
        "this name is taken by a staff account or an API key",
    ))?;
    Ok(())
}

pub fn list_users(conn: &Connection) -> Result<Vec<UserRow>> {
    let mut stmt = conn.prepare(
        "SELECT name, role, created_at, password_changed_at, disabled_at, locked_until
         FROM users ORDER BY name",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(UserRow {
            name: row.get(0)?,
            role: row.get(1)?,
            created_at: row.get(2)?,
            password_changed_at: row.get(3)?,
            disabled_at: row.get(4)?,
            locked_until: row.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Disables an account and ends its sessions at once.
pub fn disable_user(conn: &Connection, name: &str, now: &str) -> Result<()> {
    let id: Option<i64> = conn
        .query_row(
            "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL
             RETURNING id",
            params![name, now],
            |row| row.get(0),
        )
        .optional()?;
    let id = id.ok_or(StoreError::NotFound("active user"))?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    Ok(())
}

/// Sets a new password, lifts any lock and ends the account's sessions
/// (whoever held the old password is signed out).
pub fn set_password(conn: &Connection, name: &str, password_hash: &str, now: &str) -> Result<()> {
    let id: Option<i64> = conn
        .query_row(
            "UPDATE users SET password_hash = ?2, password_changed_at = ?3,
                              failed_sign_ins = 0, locked_until = NULL
             WHERE name = ?1 RETURNING id",
            params![name, password_hash, now],
            |row| row.get(0),
        )
        .optional()?;
    let id = id.ok_or(StoreError::NotFound("user"))?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    Ok(())
}

pub fn credentials(conn: &Connection, name: &str) -> Result<Option<Credentials>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, name, role, password_hash, disabled_at IS NOT NULL, locked_until
             FROM users WHERE name = ?1",
        )?
        .query_row([name], |row| {
            Ok(Credentials {
                id: row.get(0)?,
                name: row.get(1)?,
                role: row.get(2)?,
                password_hash: row.get(3)?,
                disabled: row.get(4)?,
                locked_until: row.get(5)?,
            })
        })
        .optional()?)
}

/// Counts a failed sign-in. At `limit` failures in a row (0: never) the
/// account is locked until `lock_until` and the count starts again.
/// Returns whether this failure locked it. One statement, so failures that
/// arrive together are all counted.
pub fn sign_in_failed(conn: &Connection, id: i64, limit: u32, lock_until: &str) -> Result<bool> {
    let failures: u32 = conn.query_row(
        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ?1
         RETURNING failed_sign_ins",
        [id],
        |row| row.get(0),
    )?;
    if limit == 0 || failures < limit {
        return Ok(false);
    }
    conn.execute(
        "UPDATE users SET failed_sign_ins = 0, locked_until = ?2 WHERE id = ?1",
        params![id, lock_until],
    )?;
    Ok(true)
}

/// A new session after a good sign-in: the failure count starts again,
/// and sessions past their absolute expiry are swept.
pub fn start_session(conn: &Connection, new: &NewSession<'_>) -> Result<()> {
    conn.execute(
        "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = ?1",
        [new.user_id],
    )?;
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [new.now])?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        params![
            new.token_hash,
            new.user_id,
            new.csrf_token,
            new.now,
            new.expires_at
        ],
    )?;
    Ok(())
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub now: &'a str,
    pub expires_at: &'a str,
}

/// A session and its live user, as a page request finds it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub name: String,
    pub role: Role,
    pub csrf_token: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

/// The session with this token hash, if its account is not disabled.
/// Expiry is the caller's to judge (it knows the idle setting).
pub fn session(conn: &Connection, token_hash: &str) -> Result<Option<SessionRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT u.name, u.role, s.csrf_token, s.last_seen_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND u.disabled_at IS NULL",
        )?
        .query_row([token_hash], |row| {
            Ok(SessionRow {
                name: row.get(0)?,
                role: row.get(1)?,
                csrf_token: row.get(2)?,
                last_seen_at: row.get(3)?,
                expires_at: row.get(4)?,
            })
        })
        .optional()?)
}

pub fn touch_session(conn: &Connection, token_hash: &str, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
        params![token_hash, now],
    )?;
    Ok(())
}

/// Ends a session (sign out, or found expired). Returns whether it existed.
pub fn end_session(conn: &Connection, token_hash: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{keys, test_support};

    fn conn() -> Connection {
        test_support::database()
    }

    #[test]
    fn a_user_name_may_not_be_a_key_name_nor_the_other_way() {
        let conn = conn();
        keys::insert_key(&conn, "pbx", Role::Pbx, "h", "2026-01-01T00:00:00.000Z").unwrap();
        let err =
            insert_user(&conn, "pbx", Role::Admin, "x", "2026-01-01T00:00:00.000Z").unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { field: "name", .. }),
            "{err:?}"
        );
        insert_user(&conn, "sam", Role::Advisor, "x", "2026-01-01T00:00:00.000Z").unwrap();
        let err = keys::insert_key(&conn, "sam", Role::Admin, "h2", "2026-01-01T00:00:00.000Z")
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    }

    #[test]
    fn the_limit_th_failure_locks_and_a_new_password_unlocks() {
        let conn = conn();
        insert_user(&conn, "sam", Role::Advisor, "x", "t0").unwrap();
        let id = credentials(&conn, "sam").unwrap().unwrap().id;
        for _ in 0..2 {
            assert!(!sign_in_failed(&conn, id, 3, "t9").unwrap());
        }
        assert!(sign_in_failed(&conn, id, 3, "t9").unwrap());
        let creds = credentials(&conn, "sam").unwrap().unwrap();
        assert_eq!(creds.locked_until.as_deref(), Some("t9"));
        set_password(&conn, "sam", "y", "t1").unwrap();
        let creds = credentials(&conn, "sam").unwrap().unwrap();
        assert_eq!(creds.locked_until, None);
        assert_eq!(creds.password_hash, "y");
    }

    #[test]
    fn disabling_a_user_ends_their_sessions() {
        let conn = conn();
        insert_user(&conn, "sam", Role::Advisor, "x", "t0").unwrap();
        let id = credentials(&conn, "sam").unwrap().unwrap().id;
        let new = NewSession {
            token_hash: "tok",
            user_id: id,
            csrf_token: "c",
            now: "t1",
            expires_at: "t5",
        };
        start_session(&conn, &new).unwrap();
        assert_eq!(session(&conn, "tok").unwrap().unwrap().name, "sam");
        disable_user(&conn, "sam", "t2").unwrap();
        assert!(session(&conn, "tok").unwrap().is_none());
        assert!(matches!(
            disable_user(&conn, "sam", "t3"),
            Err(StoreError::NotFound(_))
        ));
    }
}
