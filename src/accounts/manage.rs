//! Changing staff accounts, each with its audit entry in the same
//! transaction: what `fairline users` does (audited as `cli`) and what the
//! users page does (audited under the admin's name). Callers check the
//! name, role and password (`accounts::user_name` etc.) and hash it first.
//! One rule lives here for both: the last admin who can sign in is never
//! disabled nor given another role, so the helpline is never locked out
//! of its own administration (the CLI could still repair it, but only
//! someone with a shell on the server can run that).

use rusqlite::Connection;
use serde_json::{json, Value};

use crate::domain::{FieldError, Role};
use crate::store::{audit, users, Result, StoreError};

fn record(conn: &Connection, actor: &str, action: &str, after: Value, now: &str) -> Result<()> {
    record_change(conn, actor, action, None, after, now)
}

fn record_change(
    conn: &Connection,
    actor: &str,
    action: &str,
    before: Option<Value>,
    after: Value,
    now: &str,
) -> Result<()> {
    audit::record(
        conn,
        audit::Entry {
            actor,
            action,
            entity: "user",
            entity_id: None,
            person_id: None,
            before,
            after: Some(after),
        },
        now,
    )
}

/// The account named `name`; an unknown name is "not found".
fn existing(conn: &Connection, name: &str) -> Result<users::Account> {
    users::account(conn, name)?.ok_or(StoreError::NotFound("user"))
}

/// Refuses to take away `account`'s admin power (disable or demote) when
/// no other enabled admin would be left.
fn keep_an_admin(conn: &Connection, account: &users::Account) -> Result<()> {
    if account.role == Role::Admin && !account.disabled && users::count_enabled_admins(conn)? <= 1 {
        return Err(StoreError::Invalid(FieldError::new(
            "name",
            "the last enabled admin account cannot be disabled or given another role: \
             make another account admin first, so someone can still manage accounts",
        )));
    }
    Ok(())
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
/// Refused for the last enabled admin.
pub fn disable(conn: &Connection, actor: &str, name: &str, now: &str) -> Result<()> {
    keep_an_admin(conn, &existing(conn, name)?)?;
    users::disable_user(conn, name, now)?;
    record(conn, actor, "user.disable", json!({ "name": name }), now)
}

/// Re-enables a disabled account, its failed sign-ins and any lock
/// cleared (`user.enable`). An unknown name is "user" not found; an
/// account that is not disabled, "disabled user" not found.
pub fn enable(conn: &Connection, actor: &str, name: &str, now: &str) -> Result<()> {
    existing(conn, name)?;
    users::enable_user(conn, name)?;
    record(conn, actor, "user.enable", json!({ "name": name }), now)
}

/// Gives an account another role and ends its sessions
/// (`user.role_change`, with the role before and after). Refused when it
/// would leave no enabled admin. Answers the role it had, or None when it
/// already had `role` (then nothing changes and nothing is audited).
pub fn set_role(
    conn: &Connection,
    actor: &str,
    name: &str,
    role: Role,
    now: &str,
) -> Result<Option<Role>> {
    let account = existing(conn, name)?;
    if account.role == role {
        return Ok(None);
    }
    keep_an_admin(conn, &account)?;
    users::set_role(conn, name, role)?;
    record_change(
        conn,
        actor,
        "user.role_change",
        Some(json!({ "name": name, "role": account.role })),
        json!({ "name": name, "role": role }),
        now,
    )?;
    Ok(Some(account.role))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accounts(accounts: &[(&str, Role)]) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate(&mut conn).unwrap();
        for (name, role) in accounts {
            create(&conn, "cli", name, *role, "x", "t0").unwrap();
        }
        conn
    }

    fn refused_as_last_admin(result: Result<impl std::fmt::Debug>) {
        match result {
            Err(StoreError::Invalid(e)) => assert!(e.message.contains("last enabled admin"), "{e}"),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn the_last_enabled_admin_is_neither_disabled_nor_demoted() {
        let conn = with_accounts(&[("ada", Role::Admin), ("sue", Role::Supervisor)]);
        refused_as_last_admin(disable(&conn, "cli", "ada", "t1"));
        refused_as_last_admin(set_role(&conn, "cli", "ada", Role::Advisor, "t1"));
        assert_eq!(
            users::account(&conn, "ada").unwrap().unwrap().role,
            Role::Admin
        );
        assert!(!users::account(&conn, "ada").unwrap().unwrap().disabled);
        // With a second admin, either may go.
        set_role(&conn, "cli", "sue", Role::Admin, "t1").unwrap();
        assert_eq!(
            set_role(&conn, "cli", "ada", Role::Supervisor, "t2").unwrap(),
            Some(Role::Admin)
        );
        refused_as_last_admin(disable(&conn, "cli", "sue", "t3"));
    }

    #[test]
    fn a_disabled_admin_does_not_count_as_the_one_left() {
        let conn = with_accounts(&[("ada", Role::Admin), ("abe", Role::Admin)]);
        disable(&conn, "cli", "abe", "t1").unwrap();
        refused_as_last_admin(disable(&conn, "cli", "ada", "t2"));
        // A disabled admin may be demoted: it holds no power now.
        set_role(&conn, "cli", "abe", Role::Advisor, "t2").unwrap();
        enable(&conn, "cli", "abe", "t3").unwrap();
        assert!(!users::account(&conn, "abe").unwrap().unwrap().disabled);
    }

    #[test]
    fn the_same_role_again_changes_and_audits_nothing() {
        let conn = with_accounts(&[("ava", Role::Advisor)]);
        let before: i64 = conn
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            set_role(&conn, "cli", "ava", Role::Advisor, "t1").unwrap(),
            None
        );
        let after: i64 = conn
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(before, after);
    }

    #[test]
    fn unknown_names_are_not_found() {
        let conn = with_accounts(&[]);
        for result in [
            disable(&conn, "cli", "nobody", "t1"),
            enable(&conn, "cli", "nobody", "t1"),
            set_role(&conn, "cli", "nobody", Role::Admin, "t1").map(|_| ()),
        ] {
            assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
        }
    }
}
