//! Reports for supervisors and the service's board: contacts counted per
//! day, week or month in the service's timezone, and the register of
//! measures in force. Each report is one function run inside a store read,
//! so the API and the staff pages answer alike; each knows its CSV rows.

mod range;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::Serialize;

pub use range::{parse_grouping, periods, DateRange, Span};

use crate::decision::calendar::{local_date, local_midnight};
use crate::decision::Action;
use crate::domain::{Channel, MeasureId, Period, PersonId};
use crate::store::reports::{self as queries, Breaches, RegisteredMeasure, Tally};
use crate::store::Result;

/// Most periods one contacts report lists (a thousand days is nearly
/// three years; weeks and months reach further).
pub const MAX_PERIODS: usize = 1000;
/// The contacts report covers the last 30 days unless asked otherwise.
pub const CONTACTS_DEFAULT_DAYS: u32 = 30;
/// The register covers about a quarter unless asked otherwise: the board
/// reviews it each quarter.
pub const REGISTER_DEFAULT_DAYS: u32 = 91;
/// The longest range the register covers.
pub const REGISTER_MAX_DAYS: u32 = 1000;

/// A count of contacts by channel and by action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    pub channels: BTreeMap<&'static str, u64>,
    /// Calls only: contacts on other channels get no decision.
    pub actions: BTreeMap<&'static str, u64>,
}

impl From<&Tally> for Counts {
    fn from(tally: &Tally) -> Self {
        let names = Channel::ALL.map(Channel::as_str);
        let actions = Action::ALL.map(Action::as_str);
        Counts {
            total: tally.total,
            channels: names.into_iter().zip(tally.channels).collect(),
            actions: actions.into_iter().zip(tally.actions).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodCounts {
    #[serde(flatten)]
    pub span: Span,
    #[serde(flatten)]
    pub counts: Counts,
}

/// Contacts per period from `from` to `to`, every period listed.
#[derive(Debug, Clone, Serialize)]
pub struct ContactsReport {
    #[serde(flatten)]
    pub range: DateRange,
    pub group: Period,
    pub timezone: &'static str,
    pub periods: Vec<PeriodCounts>,
    pub totals: Counts,
}

/// Counts the contacts in each of `spans` (from [`periods`]), each span
/// one aggregate over the time index. Run in a store read, so all from one
/// snapshot.
pub fn contacts_report(
    conn: &Connection,
    range: DateRange,
    group: Period,
    spans: Vec<Span>,
    tz: Tz,
) -> Result<ContactsReport> {
    let mut total = Tally::default();
    let mut periods = Vec::with_capacity(spans.len());
    for span in spans {
        let tally = queries::tally_contacts(conn, span.from, span.until)?;
        total.total += tally.total;
        for (sum, n) in total.channels.iter_mut().zip(tally.channels) {
            *sum += n;
        }
        for (sum, n) in total.actions.iter_mut().zip(tally.actions) {
            *sum += n;
        }
        periods.push(PeriodCounts {
            span,
            counts: Counts::from(&tally),
        });
    }
    Ok(ContactsReport {
        range,
        group,
        timezone: tz.name(),
        periods,
        totals: Counts::from(&total),
    })
}

impl ContactsReport {
    /// `start,end,total`, then a column per channel and per action.
    pub fn csv_header(&self) -> Vec<&'static str> {
        let mut header = vec!["start", "end", "total"];
        header.extend(Channel::ALL.map(Channel::as_str));
        header.extend(Action::ALL.map(Action::as_str));
        header
    }

    /// One row per period, in the header's order.
    pub fn csv_rows(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.periods.iter().map(|p| {
            let mut row = vec![
                p.span.start.to_string(),
                p.span.end.to_string(),
                p.counts.total.to_string(),
            ];
            let channels = Channel::ALL.map(|c| p.counts.channels[c.as_str()]);
            let actions = Action::ALL.map(|a| p.counts.actions[a.as_str()]);
            row.extend(channels.iter().chain(&actions).map(u64::to_string));
            row
        })
    }
}

/// One measure in the register and what happened under it in the range.
/// A new count is a field here, its query in `store::reports`, a line in
/// [`register`] and a column in [`REGISTER_COLUMNS`].
#[derive(Debug, Clone, Serialize)]
pub struct RegisterLine {
    pub measure_id: MeasureId,
    pub person_id: PersonId,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub review_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The day a supervisor ended it, in the service's timezone.
    pub ended_on: Option<NaiveDate>,
    /// Its review date had passed by the range's end (or today, if that is
    /// sooner) and it had not ended.
    pub review_overdue: bool,
    /// Calls it diverted or blocked in the range.
    pub breaches: Breaches,
    /// Urgent (safeguarding) calls its person made while it was in force.
    pub urgent_calls: u64,
    /// Reviews recorded for it in the range.
    pub reviews_done: u64,
}

/// A CSV column: its name and how a line fills it.
pub type Column<T> = (&'static str, fn(&T) -> String);

/// The register's CSV columns, one row per measure.
pub const REGISTER_COLUMNS: &[Column<RegisterLine>] = &[
    ("measure_id", |l| l.measure_id.to_string()),
    ("person_id", |l| l.person_id.to_string()),
    ("kind", |l| l.kind.clone()),
    ("starts_on", |l| l.starts_on.to_string()),
    ("review_on", |l| l.review_on.to_string()),
    ("ends_on", |l| optional(l.ends_on)),
    ("ended_on", |l| optional(l.ended_on)),
    ("review_overdue", |l| l.review_overdue.to_string()),
    ("breaches_diverted", |l| l.breaches.diverted.to_string()),
    ("breaches_blocked", |l| l.breaches.blocked.to_string()),
    ("urgent_calls", |l| l.urgent_calls.to_string()),
    ("reviews_done", |l| l.reviews_done.to_string()),
];

fn optional(date: Option<NaiveDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RegisterTotals {
    pub measures: u64,
    pub breaches: Breaches,
    pub reviews_overdue: u64,
    pub reviews_done: u64,
    /// Distinct calls: a person under two measures is counted once a call.
    pub urgent_calls: u64,
}

/// The register a service's board reviews: the measures in force on any
/// day of the range, by kind, each with its breaches, whether its review
/// is overdue, and urgent calls from its person.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    #[serde(flatten)]
    pub range: DateRange,
    pub timezone: &'static str,
    pub in_force_by_kind: BTreeMap<String, u64>,
    pub totals: RegisterTotals,
    pub measures: Vec<RegisterLine>,
}

impl Register {
    pub fn csv_header(&self) -> Vec<&'static str> {
        REGISTER_COLUMNS.iter().map(|(name, _)| *name).collect()
    }

    pub fn csv_rows(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.measures.iter().map(|line| {
            REGISTER_COLUMNS
                .iter()
                .map(|(_, cell)| cell(line))
                .collect()
        })
    }
}

/// When, within `start`..`end`, `measure` was in force: from its start
/// (or written notice, if later) to its end date or the moment it was
/// ended. Empty when it was in force on none of it.
fn in_force_within(
    measure: &RegisteredMeasure,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let began = local_midnight(measure.starts_on.max(measure.notified_on), tz);
    let mut until = end;
    if let Some(ends_on) = measure.ends_on {
        until = until.min(local_midnight(ends_on + Days::new(1), tz));
    }
    if let Some(ended_at) = measure.ended_at {
        until = until.min(ended_at);
    }
    (start.max(began), until)
}

/// The register for `range`; reviews count as overdue as of the range's
/// end or `today`, whichever is sooner.
pub fn register(conn: &Connection, range: DateRange, today: NaiveDate, tz: Tz) -> Result<Register> {
    let (start, end) = (range.start(tz), range.end(tz));
    let as_of = range.to.min(today);
    let mut totals = RegisterTotals::default();
    let mut by_kind = BTreeMap::new();
    let mut urgent = BTreeSet::new();
    let mut lines = Vec::new();
    for measure in queries::measures_in_force(conn, range.from, range.to, start)? {
        let (from, until) = in_force_within(&measure, start, end, tz);
        let (breaches, calls) = if from < until {
            (
                queries::breaches_of(conn, &measure, from, until)?,
                queries::urgent_calls_of(conn, measure.person_id, from, until)?,
            )
        } else {
            (Breaches::default(), Vec::new())
        };
        let ended_on = measure.ended_at.map(|at| local_date(at, tz));
        let review_overdue = measure.review_on < as_of
            && ended_on.is_none_or(|day| day > as_of)
            && measure.ends_on.is_none_or(|day| day >= as_of);
        *by_kind.entry(measure.kind.clone()).or_insert(0) += 1;
        totals.measures += 1;
        totals.breaches.diverted += breaches.diverted;
        totals.breaches.blocked += breaches.blocked;
        totals.reviews_overdue += u64::from(review_overdue);
        let reviews_done = queries::reviews_of(conn, measure.id, start, end)?;
        totals.reviews_done += reviews_done;
        lines.push(RegisterLine {
            measure_id: measure.id,
            person_id: measure.person_id,
            kind: measure.kind,
            starts_on: measure.starts_on,
            review_on: measure.review_on,
            ends_on: measure.ends_on,
            ended_on,
            review_overdue,
            breaches,
            urgent_calls: calls.len() as u64,
            reviews_done,
        });
        urgent.extend(calls);
    }
    totals.urgent_calls = urgent.len() as u64;
    Ok(Register {
        range,
        timezone: tz.name(),
        in_force_by_kind: by_kind,
        totals,
        measures: lines,
    })
}
