//! People and their identities (phone numbers and email addresses).

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{Result, StoreError};
use crate::domain::{Email, IdentityId, PersonId, PhoneNumber, RecordId};

#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub reference: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentityRow {
    pub id: IdentityId,
    pub person_id: PersonId,
    pub kind: String,
    pub value: String,
}

/// A phone number or email address, parsed.
#[derive(Debug, Clone)]
pub enum Identity {
    Phone(PhoneNumber),
    Email(Email),
}

impl Identity {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Identity::Phone(p) => ("phone", p.as_str()),
            Identity::Email(e) => ("email", e.as_str()),
        }
    }
}

pub fn insert_person(
    conn: &Connection,
    name: &str,
    reference: Option<&str>,
    now: &str,
) -> Result<PersonId> {
    // Numbered past every erased person too: the audit log still names
    // them by id (see erased_people in schema/0003_erasure.sql).
    conn.prepare_cached(
        "INSERT INTO people (id, name, reference, created_at, updated_at)
         VALUES (max(coalesce((SELECT max(id) FROM people), 0),
                     coalesce((SELECT max(id) FROM erased_people), 0)) + 1, ?1, ?2, ?3, ?3)",
    )?
    .execute(params![name, reference, now])?;
    Ok(PersonId::from_raw(conn.last_insert_rowid()))
}

pub fn insert_identity(
    conn: &Connection,
    person_id: PersonId,
    identity: &Identity,
    now: &str,
) -> Result<IdentityRow> {
    let (kind, value) = identity.parts();
    let field = if kind == "phone" { "phone" } else { "email" };
    conn.prepare_cached(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![person_id, kind, value, now])
    .map_err(StoreError::conflict_on(
        field,
        "already belongs to a person",
    ))?;
    Ok(IdentityRow {
        id: IdentityId::from_raw(conn.last_insert_rowid()),
        person_id,
        kind: kind.into(),
        value: value.into(),
    })
}

pub fn get_person(conn: &Connection, id: PersonId) -> Result<PersonRow> {
    conn.prepare_cached(
        "SELECT id, name, reference, created_at, updated_at FROM people WHERE id = ?1",
    )?
    .query_row([id], person_row)
    .optional()?
    .ok_or(StoreError::NotFound("person"))
}

fn person_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok(PersonRow {
        id: row.get(0)?,
        name: row.get(1)?,
        reference: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

pub fn update_person(
    conn: &Connection,
    id: PersonId,
    name: &str,
    reference: Option<&str>,
    now: &str,
) -> Result<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE people SET name = ?2, reference = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id, name, reference, now])?;
    if changed == 0 {
        return Err(StoreError::NotFound("person"));
    }
    Ok(())
}

pub fn identities_of(conn: &Connection, person_id: PersonId) -> Result<Vec<IdentityRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, person_id, kind, value FROM identities WHERE person_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([person_id], identity_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn identity_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IdentityRow> {
    Ok(IdentityRow {
        id: row.get(0)?,
        person_id: row.get(1)?,
        kind: row.get(2)?,
        value: row.get(3)?,
    })
}

pub fn get_identity(conn: &Connection, id: IdentityId) -> Result<IdentityRow> {
    conn.prepare_cached("SELECT id, person_id, kind, value FROM identities WHERE id = ?1")?
        .query_row([id], identity_row)
        .optional()?
        .ok_or(StoreError::NotFound("identity"))
}

pub fn delete_identity(conn: &Connection, id: IdentityId) -> Result<()> {
    conn.prepare_cached("DELETE FROM identities WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The person a phone number or email belongs to, if any.
pub fn person_with(conn: &Connection, identity: &Identity) -> Result<Option<PersonId>> {
    let (kind, value) = identity.parts();
    Ok(conn
        .prepare_cached("SELECT person_id FROM identities WHERE kind = ?1 AND value = ?2")?
        .query_row(params![kind, value], |row| row.get(0))
        .optional()?)
}

/// People whose name or reference contains `text` (case-insensitive).
pub fn search_people(conn: &Connection, text: &str, limit: u32) -> Result<Vec<PersonRow>> {
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, reference, created_at, updated_at FROM people
         WHERE name LIKE ?1 ESCAPE '\\' OR reference LIKE ?1 ESCAPE '\\'
         ORDER BY name, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit], person_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
