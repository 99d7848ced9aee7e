//! The command line: keys are shown once and stored hashed; migrations
//! refuse a database from a newer fairline.

use crate::helpers::*;

#[test]
fn a_key_is_printed_once_and_only_its_hash_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let key = create_key(&db, "supervisor", "sam");
    assert!(key.starts_with("fl_") && key.len() > 40, "{key}");
    let listing = String::from_utf8(cli(&db, &["keys", "list"]).stdout).unwrap();
    assert!(
        listing.contains("sam\tsupervisor") && !listing.contains(&key),
        "{listing}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row("SELECT key_hash FROM api_keys", [], |r| r.get(0))
        .unwrap();
    assert_ne!(stored, key);
    assert_eq!(stored.len(), 64);
    let again = cli(&db, &["keys", "create", "--role", "admin", "--name", "sam"]);
    assert!(!again.status.success(), "names are unique");
    let bad_role = cli(&db, &["keys", "create", "--role", "boss", "--name", "x"]);
    assert!(!bad_role.status.success());
}

#[test]
fn a_database_from_a_newer_fairline_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    assert!(cli(&db, &["migrate"]).status.success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let out = cli(&db, &["migrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer than this fairline"));
}
