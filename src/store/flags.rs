//! Flags: the concerns the review queue shows a supervisor, each with the
//! contacts (or the measure) behind it. Raised when a contact arrives or
//! when the queue is read (`raise`), brought up to date with the contacts
//! since when read (`refresh`), listed and grouped for the queue
//! (`queue`), and settled here: dismissed or resolved, audited. A flag
//! never changes a decision.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::{audit, typed_row, Result, StoreError};
pub use crate::domain::FlagKind as Kind;
pub use crate::domain::FlagStatus as Status;
use crate::domain::{ContactId, EnquiryId, FlagId, MeasureId, PersonId, RecordId, ReviewId};

mod complaints;
mod queue;
mod raise;
mod refresh;

pub use complaints::{withdraw_complaint, DISMISSED_FOR_COMPLAINT};
pub use queue::{
    queue, AppealedMeasure, Evidence, EvidenceContact, Group, Item, QueueAppeal, QueueFilter,
    QueueFlag, ReviewDue,
};
pub use raise::{
    contact_facts, raise_for_contact, raise_for_contact_or_log, raise_reviews_due,
    settle_reviews_due, Arrival, Checks, ContactFacts,
};
pub use refresh::{refresh_flag, refresh_open, Refresh};

/// One flag as supervisors (and the pages) see it: what it is about, where
/// it stands, when it was raised and settled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagRow {
    pub id: FlagId,
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    pub kind: Kind,
    pub status: Status,
    /// The enquiry a per-enquiry kind is about.
    pub enquiry_id: Option<EnquiryId>,
    /// The measure a `review_due` flag is about.
    pub measure_id: Option<MeasureId>,
    /// For `review_due`: the review date it is about.
    pub review_on: Option<NaiveDate>,
    /// The contact that raised it.
    pub contact_id: Option<ContactId>,
    pub call_id: Option<String>,
    /// The calling number: what a supervisor has for an unknown caller.
    pub caller: Option<String>,
    pub detail: String,
    pub raised_at: String,
    /// When evidence was last added or the detail refreshed.
    pub updated_at: String,
    /// How many contacts are its evidence.
    pub evidence_count: i64,
    pub settled_at: Option<String>,
    pub settled_by: Option<String>,
    /// Why it was dismissed or resolved.
    pub reason: Option<String>,
    /// The measure a supervisor agreed in response, when resolving it.
    pub resolved_measure_id: Option<MeasureId>,
    /// The review that resolved a `review_due` flag.
    pub review_id: Option<ReviewId>,
}

/// Which flags `list` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Only(Status),
    All,
}

const SELECT: &str = "SELECT f.id, f.person_id, p.name, f.kind, f.status, f.enquiry_id,
        f.measure_id, f.review_on, f.contact_id, c.call_id, c.identity, f.detail, f.raised_at,
        f.updated_at, (SELECT count(*) FROM flag_evidence e WHERE e.flag_id = f.id),
        f.settled_at, f.settled_by, f.reason, f.resolved_measure_id, f.review_id
    FROM flags f LEFT JOIN people p ON p.id = f.person_id
                 LEFT JOIN contacts c ON c.id = f.contact_id";

fn flag_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<FlagRow>> {
    typed_row("flags", row, |row| {
        Ok(FlagRow {
            id: row.get(0)?,
            person_id: row.get(1)?,
            person_name: row.get(2)?,
            kind: row.get(3)?,
            status: row.get(4)?,
            enquiry_id: row.get(5)?,
            measure_id: row.get(6)?,
            review_on: row.get(7)?,
            contact_id: row.get(8)?,
            call_id: row.get(9)?,
            caller: row.get(10)?,
            detail: row.get(11)?,
            raised_at: row.get(12)?,
            updated_at: row.get(13)?,
            evidence_count: row.get(14)?,
            settled_at: row.get(15)?,
            settled_by: row.get(16)?,
            reason: row.get(17)?,
            resolved_measure_id: row.get(18)?,
            review_id: row.get(19)?,
        })
    })
}

/// Flags newest first (`GET /v1/flags`).
pub fn list(
    conn: &Connection,
    status: StatusFilter,
    person_id: Option<PersonId>,
    limit: u32,
) -> Result<Vec<FlagRow>> {
    // A fixed condition per status, not a parameter, so the open list
    // reads its partial index.
    let status = match status {
        StatusFilter::Only(Status::Open) => "f.status = 'open'",
        StatusFilter::Only(Status::Dismissed) => "f.status = 'dismissed'",
        StatusFilter::Only(Status::Resolved) => "f.status = 'resolved'",
        StatusFilter::All => "1",
    };
    let sql = format!(
        "{SELECT} WHERE {status} AND (?1 IS NULL OR f.person_id = ?1)
         ORDER BY f.raised_at DESC, f.id DESC LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![person_id, limit], flag_row)?;
    rows.map(|row| row?).collect()
}

/// Every flag about a person, open and settled, newest raised first: for
/// a timeline, each row says when it was raised (`raised_at`) and, once
/// settled, when, by whom, how (`status`) and why. Flags raised for calls
/// from their numbers before they were on record have no person and are
/// not here (the subject access export has them).
pub fn for_person(conn: &Connection, person_id: PersonId) -> Result<Vec<FlagRow>> {
    let sql = format!("{SELECT} WHERE f.person_id = ?1 ORDER BY f.raised_at DESC, f.id DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([person_id], flag_row)?;
    rows.map(|row| row?).collect()
}

pub fn get_flag(conn: &Connection, id: FlagId) -> Result<FlagRow> {
    conn.prepare_cached(&format!("{SELECT} WHERE f.id = ?1"))?
        .query_row([id], flag_row)
        .optional()?
        .ok_or(StoreError::NotFound("flag"))?
}

/// How a supervisor settles a flag.
#[derive(Debug, Clone)]
pub struct Settlement<'a> {
    /// `Dismissed` or `Resolved`.
    pub status: Status,
    pub by: &'a str,
    pub reason: &'a str,
    /// For a resolution: the measure agreed in response, which must be
    /// the flag's person's.
    pub measure_id: Option<MeasureId>,
}

/// Dismisses or resolves a flag and writes the `flag.dismiss` or
/// `flag.resolve` audit entry; returns the flag as settled. A flag is
/// settled once: settling it again is a conflict, not a silent overwrite
/// of the first supervisor's word. A `review_due` flag is settled only by
/// reviewing its measure (the queue keeps it until then). After a
/// dismissal the same kind is raised again only by newer evidence.
pub fn settle(
    conn: &Connection,
    id: FlagId,
    settlement: &Settlement<'_>,
    now: &str,
) -> Result<FlagRow> {
    let before = get_flag(conn, id)?;
    if before.status != Status::Open {
        return Err(StoreError::Conflict {
            field: "id",
            message: format!("this flag is already {}", before.status.as_str()),
        });
    }
    if before.kind == Kind::ReviewDue {
        return Err(StoreError::Conflict {
            field: "kind",
            message: "a review_due flag is settled by reviewing its measure \
                      (POST /v1/measures/{id}/review)"
                .into(),
        });
    }
    if let Some(measure) = settlement.measure_id {
        let owner: Option<PersonId> = conn
            .prepare_cached("SELECT person_id FROM measures WHERE id = ?1")?
            .query_row([measure], |row| row.get(0))
            .optional()?;
        if owner.is_none() || owner != before.person_id {
            return Err(StoreError::Invalid(crate::domain::FieldError::new(
                "measure_id",
                "must be a measure of the flag's person",
            )));
        }
    }
    conn.prepare_cached(
        "UPDATE flags SET status = ?2, settled_at = ?3, settled_by = ?4, reason = ?5,
                          resolved_measure_id = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        settlement.status,
        now,
        settlement.by,
        settlement.reason,
        settlement.measure_id
    ])?;
    let after = get_flag(conn, id)?;
    let action = match settlement.status {
        Status::Dismissed => "flag.dismiss",
        _ => "flag.resolve",
    };
    audit_settled(conn, settlement.by, action, &before, &after, now)?;
    Ok(after)
}

/// Audits a flag's settling with copies before and after.
fn audit_settled(
    conn: &Connection,
    actor: &str,
    action: &str,
    before: &FlagRow,
    after: &FlagRow,
    now: &str,
) -> Result<()> {
    let entry = audit::Entry {
        actor,
        action,
        entity: "flag",
        entity_id: Some(after.id.get()),
        person_id: after.person_id,
        before: Some(audit_copy(before)),
        after: Some(audit_copy(after)),
    };
    audit::record(conn, entry, now)
}

/// The flag as the audit log keeps it: without the name and number the
/// queue joins in, which belong to the person and contact records and go
/// with them (erasure, retention) rather than living on in the log.
fn audit_copy(flag: &FlagRow) -> Value {
    let mut copy = serde_json::to_value(flag).unwrap_or_default();
    if let Some(fields) = copy.as_object_mut() {
        for joined in ["person_name", "caller", "call_id"] {
            fields.remove(joined);
        }
    }
    copy
}

#[cfg(test)]
mod tests;
