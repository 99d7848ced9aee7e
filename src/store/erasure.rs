//! Erasure (UK GDPR article 17): a person's record, identities, enquiries
//! and measures (with their reviews) go; their contacts stay for the counts but no longer say
//! whose they were; the audit log keeps that things happened, not what.
//!
//! Why enquiries and measures are deleted rather than blanked: each row
//! exists only to describe this person (its topic, reference, reason and
//! terms are about them), and without the person a blanked row answers no
//! question a report asks. The `person.erase` entry keeps how many there
//! were. Flags go for the same reason: each is a concern about this person
//! (its detail describes their calls or measure), and a review queue has
//! no use for a concern about nobody.

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::{audit, people, Result, StoreError};
use crate::domain::{PersonId, RecordId};

/// What a reader finds before the erasure, so the writer is not held by
/// a scan of every contact: contacts made from the person's numbers and
/// addresses while nobody on record had them (`person_id` is NULL, so no
/// index finds them), up to the newest contact at the time.
#[derive(Debug, Clone)]
pub struct Plan {
    pub person_id: PersonId,
    identities: Vec<String>,
    unlinked: Vec<i64>,
    scanned_to: i64,
}

/// The person's identities, as values; the one query both sides agree on.
fn identity_values(conn: &Connection, person_id: PersonId) -> Result<Vec<String>> {
    Ok(people::identities_of(conn, person_id)?
        .into_iter()
        .map(|i| i.value)
        .collect())
}

/// Contacts with no person from this person's numbers and addresses,
/// with ids in `(after, up_to]`.
fn unlinked_contacts(
    conn: &Connection,
    person_id: PersonId,
    after: i64,
    up_to: i64,
) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM contacts
         WHERE id > ?2 AND id <= ?3 AND person_id IS NULL
           AND identity IN (SELECT value FROM identities WHERE person_id = ?1)",
    )?;
    let rows = stmt.query_map(params![person_id, after, up_to], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn newest_contact(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT coalesce(max(id), 0) FROM contacts", [], |row| {
            row.get(0)
        })?,
    )
}

/// Run on a reader: finds the unlinked contacts (a full scan).
pub fn plan(conn: &Connection, person_id: PersonId) -> Result<Plan> {
    people::get_person(conn, person_id)?;
    let scanned_to = newest_contact(conn)?;
    Ok(Plan {
        person_id,
        identities: identity_values(conn, person_id)?,
        unlinked: unlinked_contacts(conn, person_id, 0, scanned_to)?,
        scanned_to,
    })
}

/// How much went, for the response and the `person.erase` entry.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Erased {
    pub identities: usize,
    pub enquiries: usize,
    pub measures: usize,
    pub reviews: usize,
    pub flags: usize,
    pub contacts_anonymised: usize,
    pub audit_entries_redacted: usize,
}

/// Run on the writer, in one transaction: erases the person `plan` was
/// made for and records `person.erase` with the reason and the counts.
pub fn erase(
    conn: &Connection,
    plan: &Plan,
    actor: &str,
    reason: &str,
    now: &str,
) -> Result<Erased> {
    let id = plan.person_id;
    people::get_person(conn, id)?;
    if identity_values(conn, id)? != plan.identities {
        return Err(StoreError::Conflict {
            field: "identities",
            message: "changed while the erasure was prepared; try again".into(),
        });
    }
    // The scan's tail: contacts recorded since the reader looked.
    let tail = unlinked_contacts(conn, id, plan.scanned_to, i64::MAX)?;
    let mut contacts: Vec<i64> = conn
        .prepare_cached("SELECT id FROM contacts WHERE person_id = ?1")?
        .query_map([id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    contacts.extend(plan.unlinked.iter().chain(&tail));

    let mut erased = Erased {
        contacts_anonymised: anonymise_contacts(conn, &contacts)?,
        ..Erased::default()
    };
    // Theirs, and those raised for calls from their numbers before they
    // were on record (an urgent call from an unknown number).
    let flags: Vec<i64> = conn
        .prepare_cached(
            "DELETE FROM flags
             WHERE person_id = ?1 OR contact_id IN (SELECT value FROM json_each(?2))
             RETURNING id",
        )?
        .query_map(params![id, serde_json::to_string(&contacts)?], |row| {
            row.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    erased.flags = flags.len();
    erased.audit_entries_redacted = audit::redact_person(conn, id)?
        + audit::redact_about(conn, "contact", &contacts)?
        + audit::redact_about(conn, "flag", &flags)?;
    let delete = |table: &str| -> Result<usize> {
        Ok(conn
            .prepare_cached(&format!("DELETE FROM {table} WHERE person_id = ?1"))?
            .execute([id])?)
    };
    // Reviews would go with their measures (CASCADE); deleted here so
    // the count says how many.
    erased.reviews = conn
        .prepare_cached(
            "DELETE FROM measure_reviews
             WHERE measure_id IN (SELECT id FROM measures WHERE person_id = ?1)",
        )?
        .execute([id])?;
    erased.measures = delete("measures")?;
    erased.enquiries = delete("enquiries")?;
    erased.identities = delete("identities")?;
    conn.prepare_cached("DELETE FROM people WHERE id = ?1")?
        .execute([id])?;
    conn.prepare_cached("INSERT INTO erased_people (id, erased_at) VALUES (?1, ?2)")?
        .execute(params![id, now])?;
    audit::record(
        conn,
        audit::Entry {
            actor,
            action: "person.erase",
            entity: "person",
            entity_id: Some(id.get()),
            person_id: Some(id),
            before: None,
            after: Some(json!({"reason": reason, "erased": erased})),
        },
        now,
    )?;
    Ok(erased)
}

/// Keeps what reports count (when, channel, decision, whether it counted,
/// outcome) and drops who: the person, their number or address, the
/// enquiry, the advisor and the note. The rules keep their names only: a
/// rule's detail can quote an enquiry reference, and its ids lead back to
/// the person's measures or a rule for their number.
fn anonymise_contacts(conn: &Connection, ids: &[i64]) -> Result<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(conn
        .prepare_cached(
            "UPDATE contacts SET person_id = NULL, identity = NULL, enquiry_id = NULL,
                    advisor = NULL, note = NULL,
                    rules = CASE WHEN rules IS NULL THEN NULL ELSE
                        (SELECT json_group_array(json_object('rule', json_extract(r.value, '$.rule'),
                                                             'detail', ''))
                         FROM json_each(contacts.rules) AS r) END
             WHERE id IN (SELECT value FROM json_each(?1))",
        )?
        .execute([serde_json::to_string(ids)?])?)
}

#[cfg(test)]
mod tests;
