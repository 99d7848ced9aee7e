//! The review queue: open flags (reviews due among them) and appeals
//! waiting too long for a decision, grouped by person, most urgent first,
//! each with what to look at.
//!
//! Order: groups by their most urgent item ([`crate::domain::Urgency`]),
//! then by how long that item has waited (oldest first); within a group,
//! items by urgency, then oldest first.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{flag_row, FlagRow, Kind, SELECT};
use crate::decision::{Action, Rule};
use crate::domain::{Channel, ContactId, EnquiryId, MeasureId, PersonId, RecordId, Urgency};
use crate::store::appeals::{self, AppealRow};
use crate::store::{millis, typed_row, Result};

/// Which part of the queue to read.
#[derive(Debug, Clone, Copy)]
pub struct QueueFilter {
    /// One person's items only.
    pub person_id: Option<PersonId>,
    /// Groups (people) at most.
    pub limit: u32,
    /// Contacts listed per flag at most, newest first (`evidence_count`
    /// says how many there are).
    pub evidence_limit: u32,
    /// The local date: reviews before it are overdue.
    pub today: NaiveDate,
    /// Days an appeal may wait for its decision; one waiting longer is in
    /// the queue.
    pub appeal_decision_days: u32,
}

/// One person's items (or one unknown caller's flag).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub person_id: Option<PersonId>,
    pub person_name: Option<String>,
    /// Its most urgent item's.
    pub urgency: Urgency,
    pub items: Vec<Item>,
}

/// Something waiting for a supervisor.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    Flag(QueueFlag),
    Appeal(QueueAppeal),
}

impl Item {
    /// Urgency, then how long it has waited (a flag since it was raised,
    /// an appeal since it was received: both read in time order as text).
    fn order(&self) -> (Urgency, &str, i64) {
        match self {
            Item::Flag(f) => (f.urgency, &f.flag.raised_at, f.flag.id.get()),
            Item::Appeal(a) => (a.urgency, &a.waiting_since, a.appeal.id.get()),
        }
    }

    fn person(&self) -> (Option<PersonId>, Option<&String>) {
        match self {
            Item::Flag(f) => (f.flag.person_id, f.flag.person_name.as_ref()),
            Item::Appeal(a) => (Some(a.appeal.person_id), Some(&a.person_name)),
        }
    }
}

/// An appeal waiting longer than `appeal_decision_days` for a decision by
/// someone not involved in the measure: a promise to the person running
/// late, so it sits with the overdue reviews.
#[derive(Debug, Clone, Serialize)]
pub struct QueueAppeal {
    pub urgency: Urgency,
    #[serde(flatten)]
    pub appeal: AppealRow,
    /// The measure appealed against.
    pub measure: AppealedMeasure,
    /// Whole days since it was received.
    pub days_waiting: i64,
    #[serde(skip)]
    waiting_since: String,
    #[serde(skip)]
    person_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppealedMeasure {
    pub measure_id: MeasureId,
    pub kind: String,
    pub review_on: NaiveDate,
    pub ended: bool,
}

/// An open flag with what to look at.
#[derive(Debug, Clone, Serialize)]
pub struct QueueFlag {
    pub urgency: Urgency,
    #[serde(flatten)]
    pub flag: FlagRow,
    pub evidence: Evidence,
}

/// What is behind a flag.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// The contacts behind it, newest first.
    pub contacts: Vec<EvidenceContact>,
    /// For `review_due`: the measure and its review date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<ReviewDue>,
}

/// One contact behind a flag: when, how, what it got, who answered.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceContact {
    pub id: ContactId,
    pub at: DateTime<Utc>,
    pub channel: Channel,
    pub call_id: Option<String>,
    pub urgent: bool,
    pub action: Option<Action>,
    pub reason: Option<Rule>,
    pub advisor: Option<String>,
    pub enquiry_id: Option<EnquiryId>,
}

/// The measure whose review is due.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDue {
    pub measure_id: MeasureId,
    pub kind: String,
    pub review_on: NaiveDate,
    pub overdue: bool,
}

/// The queue as `filter` asks for it. Reads only: raise reviews due
/// (`raise_reviews_due`) and bring open flags up to date (`refresh_open`)
/// first, so they are in it with their evidence.
pub fn queue(conn: &Connection, filter: &QueueFilter) -> Result<Vec<Group>> {
    let sql = format!(
        "{SELECT} WHERE f.status = 'open' AND (?1 IS NULL OR f.person_id = ?1)
         ORDER BY f.raised_at, f.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([filter.person_id], flag_row)?;
    let mut items = Vec::new();
    for row in rows {
        let flag = row??;
        let overdue =
            flag.kind == Kind::ReviewDue && flag.review_on.is_some_and(|d| d < filter.today);
        items.push(Item::Flag(QueueFlag {
            urgency: flag.kind.urgency(overdue),
            flag,
            evidence: Evidence::default(),
        }));
    }
    items.extend(appeals_waiting(conn, filter)?.into_iter().map(Item::Appeal));
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let (person, name) = item.person();
        let name = name.cloned();
        match groups
            .iter_mut()
            .find(|g| person.is_some() && g.person_id == person)
        {
            Some(group) => group.items.push(item),
            None => groups.push(Group {
                person_id: person,
                person_name: name,
                urgency: item.order().0,
                items: vec![item],
            }),
        }
    }
    for group in &mut groups {
        group.items.sort_by(|a, b| a.order().cmp(&b.order()));
        group.urgency = group.items[0].order().0;
    }
    groups.sort_by(|a, b| {
        let (a, b) = (a.items[0].order(), b.items[0].order());
        a.cmp(&b)
    });
    groups.truncate(filter.limit as usize);
    for item in groups.iter_mut().flat_map(|g| g.items.iter_mut()) {
        if let Item::Flag(f) = item {
            f.evidence = evidence(conn, &f.flag, filter)?;
        }
    }
    Ok(groups)
}

/// Appeals received more than `appeal_decision_days` before `today` and
/// not yet decided (few: read by their partial index, then filtered).
fn appeals_waiting(conn: &Connection, filter: &QueueFilter) -> Result<Vec<QueueAppeal>> {
    let days = chrono::Days::new(u64::from(filter.appeal_decision_days) + 1);
    let Some(received_by) = filter.today.checked_sub_days(days) else {
        return Ok(Vec::new());
    };
    let mut waiting = Vec::new();
    for appeal in appeals::waiting(conn, Some(received_by))? {
        if filter.person_id.is_some_and(|p| p != appeal.person_id) {
            continue;
        }
        let (person_name, measure) = conn
            .prepare_cached(
                "SELECT m.id, m.kind, m.review_on, m.ended_at IS NOT NULL, p.name
                 FROM measures m JOIN people p ON p.id = m.person_id WHERE m.id = ?1",
            )?
            .query_row([appeal.measure_id], |row| {
                typed_row("measures", row, |row| {
                    Ok((
                        row.get::<_, String>(4)?,
                        AppealedMeasure {
                            measure_id: row.get(0)?,
                            kind: row.get(1)?,
                            review_on: row.get(2)?,
                            ended: row.get(3)?,
                        },
                    ))
                })
            })??;
        waiting.push(QueueAppeal {
            urgency: Urgency::Overdue,
            days_waiting: (filter.today - appeal.received_on).num_days(),
            waiting_since: appeal.received_on.to_string(),
            person_name,
            measure,
            appeal,
        });
    }
    Ok(waiting)
}

/// A flag's evidence: the latest contacts recorded (ids follow the order
/// contacts were recorded, and walking the key backwards stops after
/// `evidence_limit` rows however long a flag has been open), newest first.
fn evidence(conn: &Connection, flag: &FlagRow, filter: &QueueFilter) -> Result<Evidence> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.at, c.channel, c.call_id, c.urgent, c.action, c.reason, c.advisor,
                c.enquiry_id
         FROM flag_evidence e JOIN contacts c ON c.id = e.contact_id
         WHERE e.flag_id = ?1 ORDER BY e.contact_id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![flag.id, filter.evidence_limit], |row| {
        typed_row("contacts", row, |row| {
            Ok(EvidenceContact {
                id: row.get(0)?,
                at: millis(row, 1)?,
                channel: row.get(2)?,
                call_id: row.get(3)?,
                urgent: row.get(4)?,
                action: row.get(5)?,
                reason: row.get(6)?,
                advisor: row.get(7)?,
                enquiry_id: row.get(8)?,
            })
        })
    })?;
    let mut contacts: Vec<EvidenceContact> = rows.map(|row| row?).collect::<Result<_>>()?;
    contacts.sort_by_key(|c| std::cmp::Reverse((c.at, c.id)));
    let measure = match (flag.kind, flag.measure_id) {
        (Kind::ReviewDue, Some(id)) => conn
            .prepare_cached("SELECT id, kind, review_on FROM measures WHERE id = ?1")?
            .query_row([id], |row| {
                typed_row("measures", row, |row| {
                    let review_on: NaiveDate = row.get(2)?;
                    Ok(ReviewDue {
                        measure_id: row.get(0)?,
                        kind: row.get(1)?,
                        review_on,
                        overdue: review_on < filter.today,
                    })
                })
            })
            .optional()?
            .transpose()?,
        _ => None,
    };
    Ok(Evidence { contacts, measure })
}
