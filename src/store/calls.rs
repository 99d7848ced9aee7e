//! One call as the advisor who answers it sees it (`/ui/calls/{call_id}`):
//! the contact on record under the PBX's call id, and what is known about
//! its caller. Read by the page only, never on the screening path.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::contacts::{self, ContactRow};
use super::{contact_rules, enquiries, flags, measures, millis, people, typed_row, Result};
use crate::domain::{CallId, Enquiry, EnquiryStatus, FlagStatus, Measure, PersonId, RecordId};

/// The call and its caller's record, as the page shows them.
pub struct CallView {
    pub contact: ContactRow,
    /// Who is calling, when the number is on someone's record.
    pub person: Option<Caller>,
}

pub struct Caller {
    pub id: PersonId,
    pub name: String,
    pub reference: Option<String>,
    /// Their contacts since the start of this week, on any channel, and
    /// how many of those count towards a frequency limit.
    pub this_week: usize,
    pub this_week_counted: usize,
    /// The measures in force today.
    pub measures: Vec<Measure>,
    pub open_enquiries: Vec<Enquiry>,
    pub open_flags: Vec<flags::FlagRow>,
}

/// What the page needs to know about "now".
pub struct Now {
    pub week_start: DateTime<Utc>,
    pub today: NaiveDate,
    pub review_grace_days: u32,
}

/// The call on record under `call_id` and its caller, or `None` when no
/// call has that id. Uses the `call_id` unique index and the per-person
/// indexes of each table.
pub fn call_view(conn: &Connection, call_id: &CallId, now: &Now) -> Result<Option<CallView>> {
    let Some((contact, person_id)) = call_on_record(conn, call_id)? else {
        return Ok(None);
    };
    let person = match person_id {
        Some(id) => Some(caller(conn, id, now)?),
        None => None,
    };
    Ok(Some(CallView { contact, person }))
}

fn call_on_record(
    conn: &Connection,
    call_id: &CallId,
) -> Result<Option<(ContactRow, Option<PersonId>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, channel, identity, enquiry_id, call_id, urgent, action, target, reason,
                rules, advisor, answered, duration_s, note, complaint, person_id
         FROM contacts WHERE call_id = ?1",
    )?;
    stmt.query_row([call_id.as_str()], |row| {
        let read = typed_row("contacts", row, |row| {
            let contact = ContactRow {
                id: row.get(0)?,
                at: millis(row, 1)?,
                channel: row.get(2)?,
                identity: row.get(3)?,
                enquiry_id: row.get(4)?,
                call_id: row.get(5)?,
                urgent: row.get(6)?,
                action: row.get(7)?,
                target: row.get(8)?,
                reason: row.get(9)?,
                rules: None, // read from JSON below
                advisor: row.get(11)?,
                answered: row.get(12)?,
                duration_s: row.get(13)?,
                note: row.get(14)?,
                complaint: row.get(15)?,
            };
            Ok((contact, row.get::<_, Option<PersonId>>(16)?))
        })?;
        let rules: Option<String> = row.get(10)?;
        Ok(read.and_then(|(mut contact, person)| {
            contact.rules = contact_rules(rules, contact.id.get())?;
            Ok((contact, person))
        }))
    })
    .optional()?
    .transpose()
}

fn caller(conn: &Connection, id: PersonId, now: &Now) -> Result<Caller> {
    let person = people::get_person(conn, id)?;
    let week = contacts::history_since(conn, id, now.week_start)?;
    let measures = measures::current_measures_of(conn, id)?
        .into_iter()
        .filter(|m| m.terms.in_force(now.today, now.review_grace_days).is_ok())
        .collect();
    let open_enquiries = enquiries::enquiries_of(conn, id)?
        .into_iter()
        .filter(|e| e.status == EnquiryStatus::Open)
        .collect();
    let open_flags = flags::for_person(conn, id)?
        .into_iter()
        .filter(|f| f.status == FlagStatus::Open)
        .collect();
    Ok(Caller {
        id,
        name: person.name,
        reference: person.reference,
        this_week: week.len(),
        this_week_counted: week.iter().filter(|c| c.counted).count(),
        measures,
        open_enquiries,
        open_flags,
    })
}
