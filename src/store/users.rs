//! Staff accounts and their signed-in sessions (migrations 0014, 0015). Every
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
    /// None: never signed in (or not since migration 0015).
    pub last_sign_in_at: Option<String>,
}

/// An account as the rules about changing it need it: whether it may be
/// disabled, re-enabled or given another role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub role: Role,
    pub disabled: bool,
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
        "SELECT name, role, created_at, password_changed_at, disabled_at, locked_until,
                last_sign_in_at
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
            last_sign_in_at: row.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The account named `name`, if there is one.
pub fn account(conn: &Connection, name: &str) -> Result<Option<Account>> {
    Ok(conn
        .query_row(
            "SELECT id, role, disabled_at IS NOT NULL FROM users WHERE name = ?1",
            [name],
            |row| {
                Ok(Account {
                    id: row.get(0)?,
                    role: row.get(1)?,
                    disabled: row.get(2)?,
                })
            },
        )
        .optional()?)
}

/// How many admin accounts can sign in (not disabled; a lock passes).
pub fn count_enabled_admins(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL",
        [],
        |row| row.get(0),
    )?)
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

/// Re-enables a disabled account, with a clean slate: no failed sign-ins
/// counted and no lock (whatever happened before it was disabled).
pub fn enable_user(conn: &Connection, name: &str) -> Result<()> {
    let changed = conn.execute(
        "UPDATE users SET disabled_at = NULL, failed_sign_ins = 0, locked_until = NULL
         WHERE name = ?1 AND disabled_at IS NOT NULL",
        [name],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound("disabled user"));
    }
    Ok(())
}

/// Gives an account another role and ends its sessions. Each request
/// reads the role afresh (`session`), so the sessions do not need to end
/// for a demotion to bite; they end so that every page open under the old
/// role (with buttons it may no longer use) is closed and signed in again.
pub fn set_role(conn: &Connection, name: &str, role: Role) -> Result<()> {
    let id: Option<i64> = conn
        .query_row(
            "UPDATE users SET role = ?2 WHERE name = ?1 RETURNING id",
            params![name, role.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let id = id.ok_or(StoreError::NotFound("user"))?;
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
/// the time is kept as the account's last sign-in, and sessions past
/// their absolute expiry are swept.
pub fn start_session(conn: &Connection, new: &NewSession<'_>) -> Result<()> {
    conn.execute(
        "UPDATE users SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = ?2
         WHERE id = ?1",
        params![new.user_id, new.now],
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

    fn sign_in(conn: &Connection, id: i64, token: &str, now: &str) {
        let new = NewSession {
            token_hash: token,
            user_id: id,
            csrf_token: "c",
            now,
            expires_at: "t9",
        };
        start_session(conn, &new).unwrap();
    }

    #[test]
    fn re_enabling_an_account_clears_its_failures_and_its_lock() {
        let conn = conn();
        insert_user(&conn, "sam", Role::Advisor, "x", "t0").unwrap();
        let id = credentials(&conn, "sam").unwrap().unwrap().id;
        sign_in_failed(&conn, id, 2, "t9").unwrap();
        sign_in_failed(&conn, id, 2, "t9").unwrap();
        sign_in_failed(&conn, id, 2, "t9").unwrap();
        disable_user(&conn, "sam", "t1").unwrap();
        enable_user(&conn, "sam").unwrap();
        let creds = credentials(&conn, "sam").unwrap().unwrap();
        assert!(!creds.disabled);
        assert_eq!(creds.locked_until, None);
        let failures: u32 = conn
            .query_row(
                "SELECT failed_sign_ins FROM users WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(failures, 0);
        // Enabling what is not disabled finds nothing to enable.
        assert!(matches!(
            enable_user(&conn, "sam"),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            enable_user(&conn, "nobody"),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn a_new_role_ends_the_accounts_sessions_and_only_its_own() {
        let conn = conn();
        insert_user(&conn, "sam", Role::Admin, "x", "t0").unwrap();
        insert_user(&conn, "ava", Role::Advisor, "x", "t0").unwrap();
        sign_in(&conn, account(&conn, "sam").unwrap().unwrap().id, "s", "t1");
        sign_in(&conn, account(&conn, "ava").unwrap().unwrap().id, "a", "t1");
        assert_eq!(count_enabled_admins(&conn).unwrap(), 1);
        set_role(&conn, "sam", Role::Supervisor).unwrap();
        assert_eq!(
            account(&conn, "sam").unwrap().unwrap().role,
            Role::Supervisor
        );
        assert_eq!(count_enabled_admins(&conn).unwrap(), 0);
        assert!(session(&conn, "s").unwrap().is_none());
        assert!(session(&conn, "a").unwrap().is_some());
        assert!(matches!(
            set_role(&conn, "nobody", Role::Admin),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn a_sign_in_is_kept_as_the_last_one() {
        let conn = conn();
        insert_user(&conn, "sam", Role::Advisor, "x", "t0").unwrap();
        assert_eq!(list_users(&conn).unwrap()[0].last_sign_in_at, None);
        let id = account(&conn, "sam").unwrap().unwrap().id;
        sign_in(&conn, id, "s1", "t1");
        sign_in(&conn, id, "s2", "t2");
        assert_eq!(
            list_users(&conn).unwrap()[0].last_sign_in_at.as_deref(),
            Some("t2")
        );
    }
}
