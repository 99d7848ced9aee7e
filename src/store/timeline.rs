//! A person's timeline: every contact on every channel, every change to
//! their measures, every appeal and its decision, and every flag raised and
//! settled, as one list, newest
//! first, read a page at a time.
//!
//! Each source is read by its own indexed query (contacts by person and
//! time, the audit log by person, flags by person) up to a page past the
//! cursor; the pages are merged here. Measure events come from the audit
//! log, which already says who did what and when for every change, so the
//! timeline needs no second record of them that could disagree.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use super::contacts::{self, ContactRow};
use super::{timestamp, typed_row, Result};
use crate::domain::FlagStatus;
use crate::domain::{AppealId, AppealOutcome, FlagId, MeasureId, PersonId, RecordId};
use crate::store::flags::Kind as FlagKind;

/// Where a page ends: the sort key of its last item. Items sort by time,
/// then by source (so events at the same millisecond keep one order), then
/// by id within the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub at_ms: i64,
    pub source: Source,
    pub id: i64,
}

/// Where an item comes from; the order breaks ties between sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Contact = 0,
    FlagRaised = 1,
    MeasureEvent = 2,
    FlagSettled = 3,
}

impl Source {
    const ALL: [Source; 4] = [
        Source::Contact,
        Source::FlagRaised,
        Source::MeasureEvent,
        Source::FlagSettled,
    ];
}

impl Cursor {
    /// `at_ms.source.id`: short enough for a link, and nothing in it is
    /// personal data.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.at_ms, self.source as u8, self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let mut parts = text.split('.');
        let at_ms = parts.next()?.parse().ok()?;
        let source = *Source::ALL.get(parts.next()?.parse::<usize>().ok()?)?;
        let id = parts.next()?.parse().ok()?;
        parts
            .next()
            .is_none()
            .then_some(Cursor { at_ms, source, id })
    }

    /// For one source's query: items strictly before the cursor are those
    /// earlier than `at_ms`, or at `at_ms` with an id below the bound
    /// returned here (every id when the source sorts before the cursor's,
    /// none when after).
    fn id_bound(&self, source: Source) -> i64 {
        match source.cmp(&self.source) {
            std::cmp::Ordering::Less => i64::MAX,
            std::cmp::Ordering::Equal => self.id,
            std::cmp::Ordering::Greater => i64::MIN,
        }
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    /// A contact on any channel, with its decision and outcome.
    Contact(ContactRow),
    /// A measure recorded, changed, reviewed or ended, and by whom.
    Measure {
        at: DateTime<Utc>,
        /// `recorded`, `changed`, `ended`, `reviewed`, ...: the audit
        /// log's action without its `measure.` prefix, `create` read as
        /// `recorded`.
        event: String,
        measure_id: MeasureId,
        /// The measure's kind while it is still held.
        kind: Option<String>,
        by: String,
    },
    /// An appeal or complaint about a measure received, or decided.
    Appeal {
        at: DateTime<Utc>,
        /// `received` or `decided`.
        event: String,
        appeal_id: AppealId,
        /// While the measure is still held.
        measure_id: Option<MeasureId>,
        /// For `decided`: upheld, changed or ended.
        outcome: Option<AppealOutcome>,
        by: String,
    },
    /// A flag raised for the review queue, or settled.
    Flag {
        at: DateTime<Utc>,
        event: FlagEvent,
        flag_id: FlagId,
        kind: FlagKind,
        detail: String,
        by: Option<String>,
        reason: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagEvent {
    Raised,
    Dismissed,
    Resolved,
}

/// One page of the timeline and the cursor for the next, if any.
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
}

/// The `limit` items before `before` (from the newest when `None`).
pub fn page(
    conn: &Connection,
    person_id: PersonId,
    before: Option<Cursor>,
    limit: u32,
) -> Result<Page> {
    let before = before.unwrap_or(Cursor {
        at_ms: i64::MAX,
        source: Source::FlagSettled,
        id: i64::MAX,
    });
    // One more than a page from each source tells whether a next page
    // exists.
    let take = limit + 1;
    let mut keyed: Vec<(Cursor, Item)> = Vec::new();
    for row in contacts::contacts_before(
        conn,
        person_id,
        before.at_ms,
        before.id_bound(Source::Contact),
        take,
    )? {
        let key = Cursor {
            at_ms: row.at.timestamp_millis(),
            source: Source::Contact,
            id: row.id.get(),
        };
        keyed.push((key, Item::Contact(row)));
    }
    keyed.extend(measure_events(conn, person_id, &before, take)?);
    keyed.extend(flag_events(conn, person_id, &before, take)?);
    keyed.sort_by_key(|(key, _)| std::cmp::Reverse(*key));
    let more = keyed.len() > limit as usize;
    keyed.truncate(limit as usize);
    let next = more.then(|| keyed.last().map(|(key, _)| *key)).flatten();
    Ok(Page {
        items: keyed.into_iter().map(|(_, item)| item).collect(),
        next,
    })
}

/// The text form the audit log and flags keep times in, for comparing
/// with the cursor in SQL (fixed width, so text order is time order).
fn text_time(at_ms: i64) -> String {
    match Utc.timestamp_millis_opt(at_ms).single() {
        Some(at) => timestamp(at),
        // Past any time held: every row is before it.
        None => "9999".to_owned(),
    }
}

fn parse_time(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

fn measure_events(
    conn: &Connection,
    person_id: PersonId,
    before: &Cursor,
    take: u32,
) -> Result<Vec<(Cursor, Item)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.at, a.action, a.entity, a.entity_id, a.actor, m.kind, ap.measure_id,
                ap.outcome
         FROM audit_log a
         LEFT JOIN appeals ap ON a.entity = 'appeal' AND ap.id = a.entity_id
         LEFT JOIN measures m
                ON m.id = CASE a.entity WHEN 'measure' THEN a.entity_id ELSE ap.measure_id END
         WHERE a.person_id = ?1 AND a.entity IN ('measure', 'appeal')
           AND (a.at < ?2 OR (a.at = ?2 AND a.id < ?3))
         ORDER BY a.at DESC, a.id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![
            person_id,
            text_time(before.at_ms),
            before.id_bound(Source::MeasureEvent),
            take
        ],
        |row| {
            typed_row("audit_log", row, |row| {
                let id: i64 = row.get(0)?;
                let at = parse_time(&row.get::<_, String>(1)?)?;
                let action: String = row.get(2)?;
                let entity: String = row.get(3)?;
                let event = match action.split_once('.').map_or(action.as_str(), |(_, a)| a) {
                    "create" if entity == "appeal" => "received".to_owned(),
                    "create" => "recorded".to_owned(),
                    "update" => "changed".to_owned(),
                    "end" => "ended".to_owned(),
                    "review" => "reviewed".to_owned(),
                    "decide" => "decided".to_owned(),
                    other => other.to_owned(),
                };
                let key = Cursor {
                    at_ms: at.timestamp_millis(),
                    source: Source::MeasureEvent,
                    id,
                };
                let item = if entity == "appeal" {
                    Item::Appeal {
                        at,
                        event,
                        appeal_id: row.get(4)?,
                        measure_id: row.get(7)?,
                        outcome: if action == "appeal.decide" {
                            row.get(8)?
                        } else {
                            None
                        },
                        by: row.get(5)?,
                    }
                } else {
                    Item::Measure {
                        at,
                        event,
                        measure_id: row.get(4)?,
                        kind: row.get(6)?,
                        by: row.get(5)?,
                    }
                };
                Ok((key, item))
            })
        },
    )?;
    rows.map(|row| row?).collect()
}

fn flag_events(
    conn: &Connection,
    person_id: PersonId,
    before: &Cursor,
    take: u32,
) -> Result<Vec<(Cursor, Item)>> {
    let at = text_time(before.at_ms);
    let mut events = Vec::new();
    for (source, time_column) in [
        (Source::FlagRaised, "raised_at"),
        (Source::FlagSettled, "settled_at"),
    ] {
        let sql = format!(
            "SELECT id, {time_column}, kind, detail, settled_by, reason, status FROM flags
             WHERE person_id = ?1 AND {time_column} IS NOT NULL
               AND ({time_column} < ?2 OR ({time_column} = ?2 AND id < ?3))
             ORDER BY {time_column} DESC, id DESC LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![person_id, at, before.id_bound(source), take],
            |row| {
                typed_row("flags", row, |row| {
                    let id: FlagId = row.get(0)?;
                    let at = parse_time(&row.get::<_, String>(1)?)?;
                    let settled = source == Source::FlagSettled;
                    let key = Cursor {
                        at_ms: at.timestamp_millis(),
                        source,
                        id: id.get(),
                    };
                    let item = Item::Flag {
                        at,
                        event: match (settled, row.get::<_, FlagStatus>(6)?) {
                            (false, _) => FlagEvent::Raised,
                            (true, FlagStatus::Dismissed) => FlagEvent::Dismissed,
                            (true, _) => FlagEvent::Resolved,
                        },
                        flag_id: id,
                        kind: row.get(2)?,
                        detail: row.get(3)?,
                        by: if settled { row.get(4)? } else { None },
                        reason: if settled { row.get(5)? } else { None },
                    };
                    Ok((key, item))
                })
            },
        )?;
        for row in rows {
            events.push(row??);
        }
    }
    Ok(events)
}
