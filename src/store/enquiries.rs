//! Enquiries: the issues people raised, open or closed.

use rusqlite::{params, Connection, OptionalExtension};

use super::{typed_row, Result, StoreError};
use crate::domain::{Enquiry, EnquiryId, EnquiryStatus, PersonId, RecordId};

const COLUMNS: &str = "id, person_id, reference, topic, status, advisor";

fn enquiry_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Enquiry>> {
    typed_row("enquiries", row, |row| {
        Ok(Enquiry {
            id: row.get(0)?,
            person_id: row.get(1)?,
            reference: row.get(2)?,
            topic: row.get(3)?,
            status: row.get(4)?,
            advisor: row.get(5)?,
        })
    })
}

pub fn insert_enquiry(
    conn: &Connection,
    person_id: PersonId,
    reference: Option<&str>,
    topic: &str,
    advisor: Option<&str>,
    now: &str,
) -> Result<EnquiryId> {
    conn.prepare_cached(
        "INSERT INTO enquiries (person_id, reference, topic, status, advisor, opened_at)
         VALUES (?1, ?2, ?3, 'open', ?4, ?5)",
    )?
    .execute(params![person_id, reference, topic, advisor, now])
    .map_err(StoreError::conflict_on(
        "reference",
        "is already used by another enquiry",
    ))?;
    Ok(EnquiryId::from_raw(conn.last_insert_rowid()))
}

pub fn get_enquiry(conn: &Connection, id: EnquiryId) -> Result<Enquiry> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM enquiries WHERE id = ?1"))?
        .query_row([id], enquiry_row)
        .optional()?
        .ok_or(StoreError::NotFound("enquiry"))?
}

pub fn enquiries_of(conn: &Connection, person_id: PersonId) -> Result<Vec<Enquiry>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM enquiries WHERE person_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([person_id], enquiry_row)?;
    rows.map(|row| row?).collect()
}

pub fn update_enquiry(conn: &Connection, enquiry: &Enquiry, now: &str) -> Result<()> {
    let closed_at = (enquiry.status == EnquiryStatus::Closed).then_some(now);
    conn.prepare_cached(
        "UPDATE enquiries SET status = ?2, advisor = ?3,
             closed_at = CASE WHEN ?2 = 'closed' THEN coalesce(closed_at, ?4) ELSE NULL END
         WHERE id = ?1",
    )?
    .execute(params![
        enquiry.id,
        enquiry.status.as_str(),
        enquiry.advisor,
        closed_at
    ])?;
    Ok(())
}

/// The enquiry a reference or id names, whoever it belongs to.
pub fn find_enquiry(conn: &Connection, given: &str) -> Result<Option<Enquiry>> {
    conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM enquiries WHERE reference = ?1 OR CAST(id AS TEXT) = ?1 ORDER BY reference IS NULL LIMIT 1"
        ))?
        .query_row([given], enquiry_row)
        .optional()?
        .transpose()
}
