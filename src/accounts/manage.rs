//! Changing staff accounts, each with its audit entry in the same
//! transaction: what `fairline users` does (audited as `cli`) and what the
//! users page does (audited under the admin's name). Callers check the
//! name, role and password (`accounts::user_name` etc.) and hash it first.

use rusqlite::Connection;
use serde_json::{json, Value};

use crate::domain::Role;
use crate::store::{audit, users, Result};

fn record(conn: &Connection, actor: &str, action: &str, after: Value, now: &str) -> Result<()> {
    audit::record(
        conn,
        audit::Entry {
            actor,
            action,
            entity: "user",
            entity_id: None,
            person_id: None,
            before: None,
            after: Some(after),
        },
        now,
    )
}

/// A new account (`user.create`).
pub fn create(
    conn: &Connection,
    actor: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: &str,
) -> Result<()> {
    users::insert_user(conn, name, role, password_hash, now)?;
    record(
        conn,
        actor,
        "user.create",
        json!({ "name": name, "role": role }),
        now,
    )
}

/// Disables an account and ends its sessions (`user.disable`).
pub fn disable(conn: &Connection, actor: &str, name: &str, now: &str) -> Result<()> {
    users::disable_user(conn, name, now)?;
    record(conn, actor, "user.disable", json!({ "name": name }), now)
}

/// A new password; the account's sessions end (`user.password_reset`).
pub fn reset_password(
    conn: &Connection,
    actor: &str,
    name: &str,
    password_hash: &str,
    now: &str,
) -> Result<()> {
    users::set_password(conn, name, password_hash, now)?;
    record(
        conn,
        actor,
        "user.password_reset",
        json!({ "name": name }),
        now,
    )
}
