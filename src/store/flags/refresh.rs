//! Bringing open flags up to date when they are read: the contacts that
//! arrived since a flag's newest evidence are attached, and its detail,
//! `updated_at` and `evidence_until` refreshed.
//!
//! Screening adds nothing to a kind already open for the person: adding
//! each call of a persistent caller (exactly who is flagged) cost every one
//! of their calls several writes in the screening transaction, and halved
//! the load bench's throughput. Whoever reads the queue, the flags or a
//! timeline runs this first, in one write; settling a flag does too, so a
//! dismissal covers every contact that had arrived by then.
//!
//! It replays what raising did per contact: each contact since the newest
//! evidence (or recorded after it) is taken as arriving at its own time,
//! as a call does, and once more as of now, as a contact logged late does;
//! when the kind's window up to that moment reaches the threshold, the
//! window's contacts since the newest evidence (and newer than a settled
//! flag's) are attached, and the detail says what the latest such window
//! came to. A day under the threshold after the flag was raised adds
//! nothing to it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension};

use super::raise::{attach, describe, holds, latest, Metric, Scope};
use super::Kind;
use crate::decision::calendar::{local_date, period_start};
use crate::domain::{ContactId, EnquiryId, FlagId, FlagThresholds, Period, PersonId, RecordId};
use crate::store::{timestamp, Result};

/// What bringing flags up to date needs: the clock, the local calendar
/// (the daily kinds count local days) and the thresholds.
#[derive(Debug, Clone, Copy)]
pub struct Refresh {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub thresholds: FlagThresholds,
}

/// The kinds whose open flag gathers its later evidence here rather than
/// when the contact arrives. The urgent kinds are not among them: their
/// evidence is the urgent call itself, rare by nature, and is added when
/// it arrives.
pub(super) fn gathered_on_read(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::RepeatedWhileDiverted
            | Kind::VeryFrequentContact
            | Kind::WeeklyContact
            | Kind::SeveralAdvisors
            | Kind::Scattergun
    )
}

/// An open flag as refreshing needs it.
struct Open {
    id: FlagId,
    person: PersonId,
    kind: Kind,
    enquiry: Option<EnquiryId>,
    until: Option<i64>,
}

const OPEN: &str = "SELECT id, person_id, kind, enquiry_id, evidence_until FROM flags
                    WHERE status = 'open' AND person_id IS NOT NULL";

fn open_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Open> {
    Ok(Open {
        id: row.get(0)?,
        person: row.get(1)?,
        kind: row.get(2)?,
        enquiry: row.get(3)?,
        until: row.get(4)?,
    })
}

/// Brings every open flag (one person's, when given) up to date; answers
/// how many gained evidence. Writes nothing when no contact has arrived
/// that would have added to one.
pub fn refresh_open(conn: &Connection, r: &Refresh, person: Option<PersonId>) -> Result<usize> {
    // A fixed status condition, so this reads the open flags' index.
    let sql = format!("{OPEN} AND (?1 IS NULL OR person_id = ?1) ORDER BY id");
    let open: Vec<Open> = conn
        .prepare_cached(&sql)?
        .query_map([person], open_row)?
        .collect::<rusqlite::Result<_>>()?;
    let mut refreshed = 0;
    for flag in open.iter().filter(|f| gathered_on_read(f.kind)) {
        refreshed += usize::from(refresh_one(conn, flag, r)?);
    }
    Ok(refreshed)
}

/// Brings one flag up to date, if it is open; answers whether it gained
/// evidence.
pub fn refresh_flag(conn: &Connection, id: FlagId, r: &Refresh) -> Result<bool> {
    let flag = conn
        .prepare_cached(&format!("{OPEN} AND id = ?1"))?
        .query_row([id], open_row)
        .optional()?;
    match flag {
        Some(flag) if gathered_on_read(flag.kind) => refresh_one(conn, &flag, r),
        _ => Ok(false),
    }
}

/// Where a kind's window ends back from a moment.
#[derive(Debug, Clone, Copy)]
enum Window {
    /// The local day holding it.
    Day(Tz),
    /// This long before it.
    Back(Duration),
}

impl Window {
    fn start(self, at: i64) -> i64 {
        match self {
            Window::Day(tz) => Utc
                .timestamp_millis_opt(at)
                .single()
                .map_or(i64::MIN, |at| {
                    period_start(Period::Day, at, tz).timestamp_millis()
                }),
            Window::Back(length) => at.saturating_sub(length.num_milliseconds()),
        }
    }
}

/// One of the scope's contacts: when, what "different" compares, and
/// whether it arrived since the flag's newest evidence.
struct Seen {
    id: ContactId,
    at: i64,
    key: Option<String>,
    arrived: bool,
}

fn refresh_one(conn: &Connection, flag: &Open, r: &Refresh) -> Result<bool> {
    let t = &r.thresholds;
    let (scope, window) = match (flag.kind, flag.enquiry) {
        (Kind::RepeatedWhileDiverted, _) => (Scope::TurnedAway(flag.person), Window::Day(r.tz)),
        (Kind::VeryFrequentContact, _) => (Scope::Person(flag.person), Window::Day(r.tz)),
        (Kind::WeeklyContact, _) => (Scope::Person(flag.person), Window::Back(Duration::days(7))),
        (Kind::SeveralAdvisors, Some(e)) => (
            Scope::Answered(e),
            Window::Back(Duration::days(i64::from(t.advisors_days))),
        ),
        (Kind::Scattergun, Some(e)) => (
            Scope::Enquiry(e),
            Window::Back(Duration::hours(i64::from(t.scattergun_hours))),
        ),
        _ => return Ok(false),
    };
    let until = flag.until.unwrap_or(i64::MIN);
    // Contacts recorded after the newest evidence was count as arrived
    // even when dated earlier (a letter logged late), as raising took them.
    let recorded: i64 = conn
        .prepare_cached(
            "SELECT coalesce(max(contact_id), 0) FROM flag_evidence WHERE flag_id = ?1",
        )?
        .query_row([flag.id], |row| row.get(0))?;
    let now = r.now.timestamp_millis();
    let load_from = window.start(until).min(window.start(now));
    let seen = scope_since(conn, scope, load_from, until, recorded)?;
    let after = latest(conn, flag.person, flag.kind, flag.enquiry)?
        .cutoff
        .unwrap_or(i64::MIN);
    let mut marked = vec![false; seen.len()];
    let mut marked_upto = 0;
    let mut last: Option<(Metric, i64)> = None;
    // Each contact as it arrived, at its own time (a call's is).
    for (j, arrival) in seen.iter().enumerate().filter(|(_, s)| s.arrived) {
        let start = window.start(arrival.at);
        let lo = seen.partition_point(|s| s.at < start);
        let hi = seen.partition_point(|s| s.at <= arrival.at).max(j + 1);
        let metric = metric_of(&seen[lo..hi]);
        if !holds(flag.kind, metric, t) {
            continue;
        }
        let from = start.max(until.min(arrival.at));
        let first = seen.partition_point(|s| s.at < from).max(marked_upto);
        for mark in marked.iter_mut().take(hi).skip(first) {
            *mark = true;
        }
        marked_upto = marked_upto.max(hi);
        last = Some((metric, arrival.at));
    }
    // And as of now: a contact logged late (a letter dated last week)
    // arrived when it was logged, and its window counts back from then,
    // at the latest from now.
    let start = window.start(now);
    let lo = seen.partition_point(|s| s.at < start);
    let earliest = seen[lo..].iter().filter(|s| s.arrived).map(|s| s.at).min();
    if let Some(earliest) = earliest {
        let metric = metric_of(&seen[lo..]);
        if holds(flag.kind, metric, t) {
            let first = seen.partition_point(|s| s.at < start.max(until.min(earliest)));
            for mark in marked.iter_mut().skip(first) {
                *mark = true;
            }
            last = Some((metric, now));
        }
    }
    let Some((metric, at)) = last else {
        return Ok(false);
    };
    let contacts: Vec<(ContactId, i64)> = seen
        .iter()
        .zip(&marked)
        .filter(|(s, marked)| **marked && s.at > after)
        .map(|(s, _)| (s.id, s.at))
        .collect();
    let newest = attach(conn, flag.id, &contacts)?;
    let today = Utc
        .timestamp_millis_opt(at)
        .single()
        .map_or(local_date(r.now, r.tz), |at| local_date(at, r.tz));
    conn.prepare_cached(
        "UPDATE flags SET detail = ?2, updated_at = ?3,
                          evidence_until = max(coalesce(evidence_until, ?4), ?4)
         WHERE id = ?1",
    )?
    .execute(params![
        flag.id,
        describe(flag.kind, flag.enquiry, metric, t, today),
        timestamp(r.now),
        newest.or(flag.until)
    ])?;
    Ok(true)
}

/// What a window's contacts come to: how many, and how many different
/// channels (or advisors).
fn metric_of(window: &[Seen]) -> Metric {
    let mut keys: Vec<&str> = window.iter().filter_map(|s| s.key.as_deref()).collect();
    keys.sort_unstable();
    keys.dedup();
    Metric {
        count: window.len() as i64,
        distinct: keys.len() as i64,
    }
}

/// The scope's contacts made at or after `since`, oldest first, each
/// marked arrived when made after `until` or recorded after contact
/// `recorded`.
fn scope_since(
    conn: &Connection,
    scope: Scope,
    since: i64,
    until: i64,
    recorded: i64,
) -> Result<Vec<Seen>> {
    let (condition, distinct, key) = scope.sql();
    let sql = format!(
        "SELECT id, at, {distinct} FROM contacts WHERE {condition} AND at >= ?2 ORDER BY at, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![key, since], |row| {
        let id: ContactId = row.get(0)?;
        let at: i64 = row.get(1)?;
        Ok(Seen {
            id,
            at,
            key: row.get(2)?,
            arrived: at > until || id.get() > recorded,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
