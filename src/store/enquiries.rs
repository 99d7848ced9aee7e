//! Enquiries: the issues people raised, open or closed. Opening and
//! changing one are single operations (`open`, `change`) that write their
//! audit entry in the same transaction, so the API and the staff pages
//! make the same change the same way.

use rusqlite::{params, Connection, OptionalExtension};

use super::{advisors, audit, people, typed_row, Result, StoreError};
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

fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    e: &Enquiry,
    before: Option<&Enquiry>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "enquiry",
        entity_id: Some(e.id.get()),
        person_id: Some(e.person_id),
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: serde_json::to_value(e).ok(),
    }
}

/// A new enquiry's fields, already trimmed and checked for length.
pub struct NewEnquiry<'a> {
    pub reference: Option<&'a str>,
    pub topic: &'a str,
    /// As typed: checked against the directory here (field `advisor`).
    pub advisor: Option<&'a str>,
}

/// Opens an enquiry for a person, its advisor (if any) one in the
/// directory and not retired, stored in the directory's spelling.
pub fn open(
    conn: &Connection,
    actor: &str,
    person_id: PersonId,
    new: &NewEnquiry<'_>,
    now: &str,
) -> Result<Enquiry> {
    people::get_person(conn, person_id)?;
    let advisor = new
        .advisor
        .map(|given| advisors::assignable(conn, "advisor", given))
        .transpose()?;
    let id = insert_enquiry(
        conn,
        person_id,
        new.reference,
        new.topic,
        advisor.as_deref(),
        now,
    )?;
    let enquiry = get_enquiry(conn, id)?;
    audit::record(conn, entry(actor, "enquiry.create", &enquiry, None), now)?;
    Ok(enquiry)
}

/// A change to an enquiry: each field absent is left as it is;
/// `advisor: Some(None)` leaves it with no advisor.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub status: Option<EnquiryStatus>,
    pub advisor: Option<Option<String>>,
}

/// Closes or reopens an enquiry, or (re)assigns it.
pub fn change(
    conn: &Connection,
    actor: &str,
    id: EnquiryId,
    change: Change,
    now: &str,
) -> Result<Enquiry> {
    let before = get_enquiry(conn, id)?;
    let mut after = before.clone();
    after.status = change.status.unwrap_or(before.status);
    if let Some(advisor) = change.advisor {
        after.advisor = advisor
            .map(|given| advisors::assignable(conn, "advisor", &given))
            .transpose()?;
    }
    update_enquiry(conn, &after, now)?;
    audit::record(
        conn,
        entry(actor, "enquiry.update", &after, Some(&before)),
        now,
    )?;
    Ok(after)
}
