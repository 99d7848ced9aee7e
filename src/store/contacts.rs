//! Contacts: every call screened and every contact on another channel,
//! with the decision a call got and, later, its outcome.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{contact_rules, corrupt_json, millis, typed_row, Result, StoreError};
use crate::decision::{Action, Decision, PastContact, Rule, RuleHit};
use crate::domain::{CallId, Channel, ContactId, EnquiryId, PersonId, RecordId};

/// A screened call about to be recorded.
pub struct NewCall<'a> {
    pub at: DateTime<Utc>,
    pub call_id: &'a CallId,
    pub caller: Option<&'a str>,
    pub dialed: &'a str,
    pub person_id: Option<PersonId>,
    pub enquiry_id: Option<EnquiryId>,
    pub urgent: bool,
    pub decision: &'a Decision,
    pub recorded_by: &'a str,
}

/// A screened call once recorded.
pub struct Recorded {
    /// The decision on record: for a retry, the first answer.
    pub decision: Decision,
    /// The new contact's id; `None` when the call id was already on record,
    /// so whatever follows a fresh call (flags) is not done twice.
    pub new_contact: Option<ContactId>,
}

/// Records a screened call unless its call id is already on record, and
/// returns the decision on record: a retry gets the first answer and the
/// call is counted once.
pub fn record_call(conn: &Connection, call: &NewCall<'_>) -> Result<Recorded> {
    let d = call.decision;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO contacts (at, channel, identity, person_id, enquiry_id, call_id, dialed, urgent,
                                   action, target, prompt, reason, rules, counted, recorded_by)
             VALUES (?1, 'phone', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (call_id) DO NOTHING",
        )?
        .execute(params![
            call.at.timestamp_millis(),
            call.caller,
            call.person_id,
            call.enquiry_id,
            call.call_id.as_str(),
            call.dialed,
            call.urgent,
            d.action,
            d.target,
            d.prompt,
            d.reason,
            serde_json::to_string(&d.rules)?,
            d.action.reaches_helpline(),
            call.recorded_by,
        ])?;
    if inserted == 1 {
        return Ok(Recorded {
            decision: d.clone(),
            new_contact: Some(ContactId::from_raw(conn.last_insert_rowid())),
        });
    }
    let decision = decision_for_call(conn, call.call_id)?.ok_or(StoreError::NotFound("call"))?;
    Ok(Recorded {
        decision,
        new_contact: None,
    })
}

/// A call already on record under its call id: who called, whether they
/// chose the urgent option, and the answer it got.
#[derive(Debug, Clone)]
pub struct ScreenedCall {
    /// E.164; `None` for a withheld caller (and for a call whose record
    /// was anonymised by an erasure).
    pub caller: Option<String>,
    pub urgent: bool,
    pub decision: Decision,
}

/// The call on record under `call_id`, if it was screened before. Read on
/// every call (it is how a retry is recognised), so it carries what a
/// retry is checked against and no further query is needed.
pub fn screened_call(conn: &Connection, call_id: &CallId) -> Result<Option<ScreenedCall>> {
    conn.prepare_cached(
        "SELECT id, action, target, prompt, reason, rules, identity, urgent
         FROM contacts WHERE call_id = ?1",
    )?
    .query_row([call_id.as_str()], |row| {
        let read = typed_row("contacts", row, |row| {
            Ok((
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(6)?,
                row.get(7)?,
            ))
        })?;
        let rules: String = row.get(5)?;
        let id: i64 = row.get(0)?;
        Ok(
            read.and_then(|(action, target, prompt, reason, caller, urgent)| {
                let rules =
                    serde_json::from_str(&rules).map_err(corrupt_json("contacts", id, "rules"))?;
                Ok(ScreenedCall {
                    caller,
                    urgent,
                    decision: Decision {
                        action,
                        target,
                        prompt,
                        reason,
                        rules,
                    },
                })
            }),
        )
    })
    .optional()?
    .transpose()
}

/// The phone number (E.164) a contact came from: `None` for a withheld
/// call, another channel's contact, or one an erasure anonymised.
pub fn phone_of(conn: &Connection, id: ContactId) -> Result<Option<String>> {
    conn.prepare_cached("SELECT id, channel, identity FROM contacts WHERE id = ?1")?
        .query_row([id], |row| {
            typed_row("contacts", row, |row| {
                let channel: Channel = row.get(1)?;
                let identity: Option<String> = row.get(2)?;
                Ok(identity.filter(|_| channel == Channel::Phone))
            })
        })
        .optional()?
        .ok_or(StoreError::NotFound("contact"))?
}

/// The decision a call already got, if it was screened before.
pub fn decision_for_call(conn: &Connection, call_id: &CallId) -> Result<Option<Decision>> {
    Ok(screened_call(conn, call_id)?.map(|call| call.decision))
}

/// A person's contacts from `since` on, for frequency limits.
pub fn history_since(
    conn: &Connection,
    person_id: PersonId,
    since: DateTime<Utc>,
) -> Result<Vec<PastContact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, channel, counted FROM contacts WHERE person_id = ?1 AND at >= ?2 ORDER BY at",
    )?;
    let rows = stmt.query_map(params![person_id, since.timestamp_millis()], |row| {
        Ok(PastContact {
            at: millis(row, 0)?,
            channel: row.get(1)?,
            counted: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A contact on a channel other than a screened call.
pub struct NewContact<'a> {
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub identity: Option<&'a str>,
    pub person_id: Option<PersonId>,
    pub enquiry_id: Option<EnquiryId>,
    /// The advisor who answered it, when the contact says.
    pub advisor: Option<&'a str>,
    /// A complaint about the service: it never counts towards a limit or
    /// a flag.
    pub complaint: bool,
    pub recorded_by: &'a str,
}

pub fn insert_contact(conn: &Connection, contact: &NewContact<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO contacts (at, channel, identity, person_id, enquiry_id, advisor, counted,
                               complaint, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, NOT ?7, ?7, ?8)",
    )?
    .execute(params![
        contact.at.timestamp_millis(),
        contact.channel.as_str(),
        contact.identity,
        contact.person_id,
        contact.enquiry_id,
        contact.advisor,
        contact.complaint,
        contact.recorded_by,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// What happened on a call once it was answered.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub advisor: Option<String>,
    pub enquiry_id: Option<EnquiryId>,
    pub answered: Option<bool>,
    pub duration_s: Option<u32>,
    pub note: Option<String>,
    /// The call was a complaint about the service (`Some(false)`: it was
    /// marked one by mistake).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint: Option<bool>,
}

/// The outcome's UPDATE, built once: whether a call counts is said once,
/// by `Action::reaches_helpline`, and the hangup handler waits on this.
fn outcome_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let reached: Vec<String> = Action::ALL
            .iter()
            .filter(|action| action.reaches_helpline())
            .map(|action| format!("'{}'", action.as_str()))
            .collect();
        format!(
            "UPDATE contacts SET advisor = coalesce(?2, advisor), enquiry_id = coalesce(?3, enquiry_id),
                    answered = coalesce(?4, answered), duration_s = coalesce(?5, duration_s),
                    note = coalesce(?6, note), outcome_at = ?7,
                    complaint = coalesce(?8, complaint),
                    counted = CASE WHEN coalesce(?8, complaint) THEN 0
                                   ELSE coalesce(action IN ({}), 1) END
             WHERE call_id = ?1 RETURNING id",
            reached.join(", ")
        )
    })
}

/// Records a call's outcome; fields not given keep what was there. A call
/// marked as a complaint stops counting towards a frequency limit at once
/// (screening reads `counted` afresh for every call); unmarked, it counts
/// again if it reached the helpline, as when it was screened.
pub fn record_outcome(
    conn: &Connection,
    call_id: &CallId,
    outcome: &Outcome,
    now: &str,
) -> Result<i64> {
    conn.prepare_cached(outcome_sql())?
        .query_row(
            params![
                call_id.as_str(),
                outcome.advisor,
                outcome.enquiry_id,
                outcome.answered,
                outcome.duration_s,
                outcome.note,
                now,
                outcome.complaint
            ],
            |row| row.get(0),
        )
        .optional()?
        .ok_or(StoreError::NotFound("call"))
}

/// One line of a person's contact history, as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct ContactRow {
    pub id: ContactId,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub identity: Option<String>,
    pub enquiry_id: Option<EnquiryId>,
    pub call_id: Option<String>,
    pub urgent: bool,
    pub action: Option<Action>,
    pub target: Option<String>,
    pub reason: Option<Rule>,
    pub rules: Option<Vec<RuleHit>>,
    pub advisor: Option<String>,
    pub answered: Option<bool>,
    pub duration_s: Option<i64>,
    pub note: Option<String>,
    /// A complaint about the service, which counts towards nothing.
    pub complaint: bool,
}

/// A person's most recent contacts, newest first.
pub fn contacts_of(conn: &Connection, person_id: PersonId, limit: u32) -> Result<Vec<ContactRow>> {
    contacts_before(conn, person_id, i64::MAX, i64::MAX, limit)
}

/// A person's contacts before a point, newest first: those earlier than
/// `at_ms`, and those at `at_ms` with an id below `id_below`.
pub fn contacts_before(
    conn: &Connection,
    person_id: PersonId,
    at_ms: i64,
    id_below: i64,
    limit: u32,
) -> Result<Vec<ContactRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, channel, identity, enquiry_id, call_id, urgent, action, target, reason, rules,
                advisor, answered, duration_s, note, complaint
         FROM contacts WHERE person_id = ?1 AND (at < ?2 OR (at = ?2 AND id < ?3))
         ORDER BY at DESC, id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![person_id, at_ms, id_below, limit], |row| {
        let read = typed_row("contacts", row, |row| {
            Ok(ContactRow {
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
            })
        })?;
        let rules: Option<String> = row.get(10)?;
        Ok(read.and_then(|mut contact| {
            contact.rules = contact_rules(rules, contact.id.get())?;
            Ok(contact)
        }))
    })?;
    rows.map(|row| row?).collect()
}

/// When each of a person's contacts from `since` on happened, oldest
/// first, for the person page's chart of contacts per week. Complaints
/// about the service are left out: they count towards nothing. One range
/// of `contacts_by_person_time`, which holds every column read here.
pub fn contact_times_since(
    conn: &Connection,
    person_id: PersonId,
    since: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT at FROM contacts WHERE person_id = ?1 AND at >= ?2 AND NOT complaint ORDER BY at",
    )?;
    let rows = stmt.query_map(params![person_id, since.timestamp_millis()], |row| {
        millis(row, 0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
