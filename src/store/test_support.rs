//! Test databases for the store's unit tests: in memory, migrated, with
//! foreign keys on as every fairline connection has them.

use rusqlite::Connection;

/// A migrated in-memory database.
pub fn database() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    super::migrate(&mut conn).unwrap();
    conn.execute("PRAGMA foreign_keys = ON", []).unwrap();
    conn
}

/// A migrated in-memory database holding one person, Ann, with id 1.
pub fn database_with_ann() -> Connection {
    let conn = database();
    conn.execute(
        "INSERT INTO people (id, name, created_at, updated_at) VALUES (1, 'Ann', 'x', 'x')",
        [],
    )
    .unwrap();
    conn
}
