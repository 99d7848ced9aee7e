//! The call history as staff look it up: contacts filtered by person,
//! number, enquiry, channel, action, advisor and time, newest first, one
//! page at a time (keyset) or all of them in batches (an export).
//!
//! A listing is stable while contacts keep arriving: it reads only ids up
//! to a high-water mark taken with its first page (ids only grow, and a
//! later commit always has higher ids), and each page continues below the
//! last row's (at, id). A contact recorded meanwhile, even one dated in
//! the past (a letter entered today), is in no page of that listing, and
//! no row present when it began is skipped or repeated.

mod cursor;
mod filter;
#[cfg(test)]
mod tests;

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::{contact_rules, in_snapshot, millis, typed_row, Result};
use crate::decision::{Action, Rule, RuleHit};
use crate::domain::{Channel, ContactId, Email, EnquiryId, PersonId, PhoneNumber, RecordId};

pub use cursor::Cursor;
pub use filter::{bound, Criteria, Edge, FilterText};

/// What a lookup asks for; every field given must match (`None`: any).
/// Built from a request by [`FilterText::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub person: Option<PersonId>,
    /// The number a contact came from (E.164), on record or not.
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub enquiry: Option<EnquiryId>,
    pub channel: Option<Channel>,
    pub action: Option<Action>,
    pub advisor: Option<String>,
    /// From this instant on (milliseconds since the epoch, inclusive).
    pub from_ms: Option<i64>,
    /// Before this instant (milliseconds since the epoch, exclusive).
    pub before_ms: Option<i64>,
}

/// Where a page ended: its last row's time and id. The next page starts
/// just after it, in (at, id) order, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub at_ms: i64,
    pub id: ContactId,
}

/// One contact as the history shows it.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: ContactId,
    pub call_id: Option<String>,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    /// The number (E.164) or address it came from; `None` when withheld.
    pub identity: Option<String>,
    pub person_id: Option<PersonId>,
    pub enquiry_id: Option<EnquiryId>,
    pub enquiry_reference: Option<String>,
    pub urgent: bool,
    pub action: Option<Action>,
    pub reason: Option<Rule>,
    pub rules: Option<Vec<RuleHit>>,
    pub advisor: Option<String>,
    pub answered: Option<bool>,
    pub duration_s: Option<i64>,
    pub note: Option<String>,
    /// A complaint about the service, which counts towards nothing.
    pub complaint: bool,
}

impl HistoryRow {
    pub fn position(&self) -> Position {
        Position {
            at_ms: self.at.timestamp_millis(),
            id: self.id,
        }
    }
}

/// One page, and where the next begins (`None`: this was the last).
#[derive(Debug)]
pub struct Page {
    pub rows: Vec<HistoryRow>,
    pub next: Option<Position>,
}

/// The newest contact's id (0 when there is none): the high-water mark a
/// listing reads below. A read of the rowid b-tree's last entry.
pub fn high_water(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM contacts")?
        .query_row([], |row| row.get(0))?)
}

/// Up to `limit` rows matching `filter` with ids up to `high_water`,
/// newest first, after `after` (a previous page's end) if given.
pub fn page(
    conn: &Connection,
    filter: &Filter,
    high_water: i64,
    after: Option<Position>,
    limit: u32,
) -> Result<Page> {
    let (sql, params) = select(filter, high_water, after, limit + 1);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map(params_from_iter(params), history_row)?
        .map(|row| row?)
        .collect::<Result<Vec<_>>>()?;
    let next = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(HistoryRow::position)
    } else {
        None
    };
    Ok(Page { rows, next })
}

/// Every row matching `filter`, newest first, handed to `sink` `batch` at
/// a time; stops early when `sink` says so. Each batch is read in a
/// transaction of its own (below the high-water mark taken with the
/// first), so a long export never holds one snapshot open: the WAL can be
/// checkpointed while a slow client downloads. Returns the rows handed on.
pub fn each_batch(
    conn: &Connection,
    filter: &Filter,
    batch: u32,
    mut sink: impl FnMut(Vec<HistoryRow>) -> ControlFlow<()>,
) -> Result<u64> {
    let high_water = in_snapshot(conn, high_water)?;
    let mut after = None;
    let mut sent = 0;
    loop {
        let page = in_snapshot(conn, |conn| page(conn, filter, high_water, after, batch))?;
        sent += page.rows.len() as u64;
        if page.rows.is_empty() || sink(page.rows).is_break() {
            return Ok(sent);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(sent),
        }
    }
}

const COLUMNS: &str = "c.id, c.call_id, c.at, c.channel, c.identity, c.person_id, c.enquiry_id,
    e.reference, c.urgent, c.action, c.reason, c.rules, c.advisor, c.answered, c.duration_s, c.note,
    c.complaint";

/// The query for one page and its parameters. Text from a request is
/// always a parameter; channel and action are written in as their fixed
/// words, with the partial index's own condition beside them, because
/// SQLite uses a partial index only when the query's terms show that its
/// condition holds (schema/0007_contact_lookups.sql).
fn select(
    filter: &Filter,
    high_water: i64,
    after: Option<Position>,
    limit: u32,
) -> (String, Vec<Value>) {
    // `+c.id`: the high-water mark filters, it never picks the index: as a
    // range on the rowid it would tempt the planner into reading the whole
    // table in id order.
    let mut sql = format!(
        "SELECT {COLUMNS} FROM contacts AS c LEFT JOIN enquiries AS e ON e.id = c.enquiry_id
         WHERE +c.id <= ?"
    );
    let mut params = vec![Value::Integer(high_water)];
    let mut term = |sql_term: &str, value: Option<Value>| {
        sql.push_str(" AND ");
        sql.push_str(sql_term);
        params.extend(value);
    };
    if let Some(person) = filter.person {
        term("c.person_id = ?", Some(Value::Integer(person.get())));
    }
    if let Some(phone) = &filter.phone {
        term(
            "c.identity = ?",
            Some(Value::Text(phone.as_str().to_owned())),
        );
    }
    if let Some(email) = &filter.email {
        term(
            "c.identity = ?",
            Some(Value::Text(email.as_str().to_owned())),
        );
    }
    if let Some(enquiry) = filter.enquiry {
        term("c.enquiry_id = ?", Some(Value::Integer(enquiry.get())));
    }
    if let Some(channel) = filter.channel {
        let word = channel.as_str();
        if channel == Channel::Phone {
            term(&format!("c.channel = '{word}'"), None);
        } else {
            term(
                &format!("c.channel = '{word}' AND c.channel <> 'phone'"),
                None,
            );
        }
    }
    if let Some(action) = filter.action {
        let word = action.as_str();
        if action == Action::Route {
            term(&format!("c.action = '{word}'"), None);
        } else {
            term(
                &format!("c.action = '{word}' AND c.action <> 'route'"),
                None,
            );
        }
    }
    if let Some(advisor) = &filter.advisor {
        term("c.advisor = ?", Some(Value::Text(advisor.clone())));
    }
    if let Some(from) = filter.from_ms {
        term("c.at >= ?", Some(Value::Integer(from)));
    }
    // One upper bound on `at`, the lower of `to` and the cursor's, so the
    // index range is read from there down.
    let upper = [filter.before_ms.map(|b| b - 1), after.map(|a| a.at_ms)]
        .into_iter()
        .flatten()
        .min();
    if let Some(upper) = upper {
        term("c.at <= ?", Some(Value::Integer(upper)));
    }
    if let Some(after) = after {
        term("(c.at < ? OR c.id < ?)", Some(Value::Integer(after.at_ms)));
        params.push(Value::Integer(after.id.get()));
    }
    sql.push_str(" ORDER BY c.at DESC, c.id DESC LIMIT ?");
    params.push(Value::Integer(i64::from(limit)));
    (sql, params)
}

fn history_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<HistoryRow>> {
    let read = typed_row("contacts", row, |row| {
        Ok(HistoryRow {
            id: row.get(0)?,
            call_id: row.get(1)?,
            at: millis(row, 2)?,
            channel: row.get(3)?,
            identity: row.get(4)?,
            person_id: row.get(5)?,
            enquiry_id: row.get(6)?,
            enquiry_reference: row.get(7)?,
            urgent: row.get(8)?,
            action: row.get(9)?,
            reason: row.get(10)?,
            rules: None, // read from JSON below
            advisor: row.get(12)?,
            answered: row.get(13)?,
            duration_s: row.get(14)?,
            note: row.get(15)?,
            complaint: row.get(16)?,
        })
    })?;
    let rules: Option<String> = row.get(11)?;
    Ok(read.and_then(|mut contact| {
        contact.rules = contact_rules(rules, contact.id.get())?;
        Ok(contact)
    }))
}
