//! Raising flags: when a contact arrives (a screened call, another
//! channel's contact, a call's outcome naming its advisor or enquiry) and,
//! for reviews due, when the queue is read.
//!
//! A person has one open flag per kind (per enquiry, for the kinds about
//! one). An arrival writes only a flag first raised (and adds an urgent
//! call to its open urgent flag); evidence that keeps coming for a kind
//! already open is added, and its detail refreshed, when the flag is read
//! (`refresh`). Once a flag is settled (dismissed or resolved), only
//! contacts newer than its newest evidence (`evidence_until`) count
//! towards raising the kind again, so a dismissal is not undone by the
//! very contacts it dismissed.
//!
//! On the screening path this costs, per call: nothing for a caller not on
//! record (unless urgent); one index-only count of the person's last seven
//! days of contacts (`contacts_by_person_time`); when the call names an
//! enquiry, one index-only count of the enquiry's last 48 hours
//! (`contacts_by_enquiry_time`); and only when a kind's threshold is
//! reached, an index-only look-up of the latest flag of that kind
//! (`flags_by_subject`). Writes (under a savepoint) only when a flag is
//! first raised: a persistent caller's open flags cost their calls nothing
//! more.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{params, Connection};

use super::{audit_settled, get_flag, refresh, Kind, Status};
use crate::domain::{
    ContactId, EnquiryId, FlagId, FlagThresholds, MeasureId, PersonId, RecordId, ReviewId,
};
use crate::store::{timestamp, Result};

/// A contact that has just arrived or just been given its outcome, and
/// which kinds it can raise.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub contact_id: ContactId,
    /// When the contact was made.
    pub at: DateTime<Utc>,
    /// Who made it, when on record.
    pub person_id: Option<PersonId>,
    /// The enquiry it names, and whose enquiry that is.
    pub enquiry: Option<(EnquiryId, PersonId)>,
    pub now: DateTime<Utc>,
    /// Where the local day holding `now` began, and its date.
    pub day_start: DateTime<Utc>,
    pub today: NaiveDate,
    pub thresholds: FlagThresholds,
    pub checks: Checks,
}

/// Which kinds an arrival is checked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checks {
    /// The caller chose the urgent option: `Some(true)` while measures
    /// were in force for them.
    pub urgent: Option<bool>,
    /// A new contact: the daily and weekly kinds.
    pub frequency: bool,
    /// A call diverted or blocked: repeated while diverted.
    pub turned_away: bool,
    /// The contact names an enquiry (newly): scattergun.
    pub scattergun: bool,
    /// The contact names its enquiry and the advisor who answered it:
    /// several advisors.
    pub advisors: bool,
}

/// What raising needs to know of a contact already recorded (a call whose
/// outcome just arrived): when, who, its enquiry and whose that is, and
/// whether an advisor is named as having answered it.
#[derive(Debug, Clone, Copy)]
pub struct ContactFacts {
    pub at: DateTime<Utc>,
    pub person_id: Option<PersonId>,
    pub enquiry: Option<(EnquiryId, PersonId)>,
    pub answered: bool,
}

pub fn contact_facts(conn: &Connection, id: ContactId) -> Result<ContactFacts> {
    conn.prepare_cached(
        "SELECT c.id, c.at, c.person_id, c.enquiry_id, e.person_id, c.advisor IS NOT NULL
         FROM contacts c LEFT JOIN enquiries e ON e.id = c.enquiry_id WHERE c.id = ?1",
    )?
    .query_row([id], |row| {
        crate::store::typed_row("contacts", row, |row| {
            let enquiry: Option<EnquiryId> = row.get(3)?;
            let owner: Option<PersonId> = row.get(4)?;
            Ok(ContactFacts {
                at: crate::store::millis(row, 1)?,
                person_id: row.get(2)?,
                enquiry: enquiry.zip(owner),
                answered: row.get(5)?,
            })
        })
    })?
}

/// Which contacts a kind counts and takes as evidence. Complaints about
/// the service count towards none of them ("raising legitimate queries or
/// criticisms of the service should not in itself lead to someone being
/// regarded as unreasonably persistent"), except an urgent call's own flag.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
    /// This contact alone (an urgent call).
    One(ContactId),
    /// The person's contacts on any channel.
    Person(PersonId),
    /// The person's calls turned away: phone contacts that did not count
    /// towards a limit and are no complaint (a routed call marked as one
    /// does not count either); asked that way, the per-call index answers
    /// alone.
    TurnedAway(PersonId),
    /// Contacts about the enquiry, on any channel.
    Enquiry(EnquiryId),
    /// Contacts about the enquiry with the advisor who answered them.
    Answered(EnquiryId),
}

impl Scope {
    /// The condition on `contacts`, with `?1` the scope's key; and what
    /// "different" means for it (channels, or advisors).
    pub(super) fn sql(self) -> (&'static str, &'static str, i64) {
        match self {
            Scope::One(id) => ("id = ?1", "channel", id.get()),
            Scope::Person(p) => ("person_id = ?1 AND complaint = 0", "channel", p.get()),
            Scope::TurnedAway(p) => (
                "person_id = ?1 AND channel = 'phone' AND counted = 0 AND complaint = 0",
                "channel",
                p.get(),
            ),
            Scope::Enquiry(e) => ("enquiry_id = ?1 AND complaint = 0", "channel", e.get()),
            Scope::Answered(e) => (
                "enquiry_id = ?1 AND advisor IS NOT NULL AND complaint = 0",
                "lower(advisor)",
                e.get(),
            ),
        }
    }
}

/// What a scope's contacts in a window come to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Metric {
    pub(super) count: i64,
    /// Different channels (or advisors, for `Answered`).
    pub(super) distinct: i64,
}

/// The scope's contacts made at or after `since` (ms) and after `after`.
fn metric(conn: &Connection, scope: Scope, since: i64, after: i64) -> Result<Metric> {
    let (condition, distinct, key) = scope.sql();
    let sql = format!(
        "SELECT count(*), count(DISTINCT {distinct}) FROM contacts
         WHERE {condition} AND at >= ?2 AND at > ?3"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![key, since, after], |row| {
            Ok(Metric {
                count: row.get(0)?,
                distinct: row.get(1)?,
            })
        })?)
}

/// The scope's contacts made at or after `since` and after `after`, with
/// their times: the evidence to attach.
fn evidence(
    conn: &Connection,
    scope: Scope,
    since: i64,
    after: i64,
) -> Result<Vec<(ContactId, i64)>> {
    let (condition, _, key) = scope.sql();
    let sql = format!("SELECT id, at FROM contacts WHERE {condition} AND at >= ?2 AND at > ?3");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![key, since, after], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a window's contacts reach the kind's threshold.
pub(super) fn holds(kind: Kind, m: Metric, t: &FlagThresholds) -> bool {
    let at_least = |n: i64, threshold: u32| threshold > 0 && n >= i64::from(threshold);
    match kind {
        Kind::UrgentCall | Kind::UrgentUnderMeasures => m.count >= 1,
        Kind::RepeatedWhileDiverted => at_least(m.count, t.turned_away_calls),
        Kind::VeryFrequentContact => at_least(m.count, t.daily_contacts),
        Kind::WeeklyContact => t.weekly_contacts > 0 && m.count > i64::from(t.weekly_contacts),
        Kind::SeveralAdvisors => {
            at_least(m.count, t.advisors_contacts) && at_least(m.distinct, t.advisors_distinct)
        }
        Kind::Scattergun => at_least(m.distinct, t.scattergun_channels),
        Kind::ReviewDue => false,
    }
}

/// A kind whose threshold the arrival reached, before looking at the
/// person's flags of that kind.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    person: PersonId,
    kind: Kind,
    enquiry: Option<EnquiryId>,
    scope: Scope,
    /// Where its window starts (ms).
    since: i64,
    /// The window's contacts, settled flags notwithstanding.
    metric: Metric,
}

/// Says what a flag saw, in words; never a phone number or a name.
fn detail(candidate: &Candidate, a: &Arrival) -> String {
    let c = candidate;
    describe(c.kind, c.enquiry, c.metric, &a.thresholds, a.today)
}

/// What a window's contacts (`m`) came to for a kind, on the local date
/// `today`, in words.
pub(super) fn describe(
    kind: Kind,
    enquiry: Option<EnquiryId>,
    m: Metric,
    t: &FlagThresholds,
    today: NaiveDate,
) -> String {
    let enquiry = enquiry.map(|e| e.get()).unwrap_or_default();
    match kind {
        Kind::UrgentCall => "chose the urgent (safeguarding) option; routed as always".into(),
        Kind::UrgentUnderMeasures => "chose the urgent (safeguarding) option while measures \
                                      were in force; routed as always"
            .into(),
        Kind::RepeatedWhileDiverted => {
            format!("{} calls diverted or blocked on {today}", m.count)
        }
        Kind::VeryFrequentContact => format!("{} contacts on {today}", m.count),
        Kind::WeeklyContact => format!("{} contacts in the 7 days to {today}", m.count),
        Kind::SeveralAdvisors => format!(
            "{} answered contacts about enquiry {enquiry} with {} advisors in {} days",
            m.count, m.distinct, t.advisors_days
        ),
        Kind::Scattergun => format!(
            "enquiry {enquiry} raised on {} channels within {} hours",
            m.distinct, t.scattergun_hours
        ),
        Kind::ReviewDue => String::new(),
    }
}

/// The kinds whose thresholds the arrival reached; reads only.
fn candidates(conn: &Connection, a: &Arrival) -> Result<Vec<Candidate>> {
    let (t, at) = (&a.thresholds, a.at.timestamp_millis());
    let mut found = Vec::new();
    let mut push = |person, kind, enquiry, scope, since, metric| {
        let candidate = Candidate {
            person,
            kind,
            enquiry,
            scope,
            since,
            metric,
        };
        if holds(kind, metric, t) {
            found.push(candidate);
        }
    };
    if let (Some(under_measures), Some(person)) = (a.checks.urgent, a.person_id) {
        let kind = match under_measures {
            true => Kind::UrgentUnderMeasures,
            false => Kind::UrgentCall,
        };
        let one = Metric {
            count: 1,
            distinct: 1,
        };
        push(person, kind, None, Scope::One(a.contact_id), at, one);
    }
    let counting = (a.checks.frequency && (t.daily_contacts > 0 || t.weekly_contacts > 0))
        || (a.checks.turned_away && t.turned_away_calls > 0);
    if let (Some(person), true) = (a.person_id, counting) {
        let day = a.day_start.timestamp_millis();
        let week = (a.now - Duration::days(7)).timestamp_millis();
        let since = if t.weekly_contacts > 0 {
            week.min(day)
        } else {
            day
        };
        let (in_week, in_day, away) = counts_since(conn, person, since, day)?;
        let count = |count| Metric { count, distinct: 0 };
        if a.checks.turned_away && at >= day {
            let scope = Scope::TurnedAway(person);
            let kind = Kind::RepeatedWhileDiverted;
            push(person, kind, None, scope, day, count(away));
        }
        if a.checks.frequency && at >= day {
            let scope = Scope::Person(person);
            let kind = Kind::VeryFrequentContact;
            push(person, kind, None, scope, day, count(in_day));
        }
        if a.checks.frequency && at >= week && t.weekly_contacts > 0 {
            let scope = Scope::Person(person);
            push(
                person,
                Kind::WeeklyContact,
                None,
                scope,
                week,
                count(in_week),
            );
        }
    }
    if let Some((enquiry, owner)) = a.enquiry {
        let hours = Duration::hours(i64::from(t.scattergun_hours));
        let since = (a.now - hours).timestamp_millis();
        if a.checks.scattergun && t.scattergun_channels > 0 && at >= since {
            let scope = Scope::Enquiry(enquiry);
            let m = metric(conn, scope, since, i64::MIN)?;
            push(owner, Kind::Scattergun, Some(enquiry), scope, since, m);
        }
        let days = Duration::days(i64::from(t.advisors_days));
        let since = (a.now - days).timestamp_millis();
        if a.checks.advisors && t.advisors_contacts > 0 && at >= since {
            let scope = Scope::Answered(enquiry);
            let m = metric(conn, scope, since, i64::MIN)?;
            push(owner, Kind::SeveralAdvisors, Some(enquiry), scope, since, m);
        }
    }
    Ok(found)
}

/// The person's contacts since `since`, those since `day`, and their
/// calls turned away since `day`, in one pass over the per-call index;
/// complaints left out.
fn counts_since(
    conn: &Connection,
    person: PersonId,
    since: i64,
    day: i64,
) -> Result<(i64, i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(at >= ?3), 0),
                    coalesce(sum(at >= ?3 AND channel = 'phone' AND counted = 0), 0)
             FROM contacts WHERE person_id = ?1 AND at >= ?2 AND complaint = 0",
        )?
        .query_row(params![person, since, day], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?)
}

/// The latest flag of a kind for a person (and enquiry), as far as
/// raising needs it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Latest {
    /// The open flag, if there is one.
    pub(super) open: Option<(FlagId, Option<i64>)>,
    /// The newest evidence of the latest settled flag: new evidence must
    /// be newer.
    pub(super) cutoff: Option<i64>,
}

pub(super) fn latest(
    conn: &Connection,
    person: PersonId,
    kind: Kind,
    enquiry: Option<EnquiryId>,
) -> Result<Latest> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, status, evidence_until FROM flags
         WHERE person_id = ?1 AND kind = ?2 AND enquiry_id IS ?3
         ORDER BY id DESC LIMIT 2",
    )?;
    let rows = stmt.query_map(params![person, kind, enquiry], |row| {
        Ok((
            row.get::<_, FlagId>(0)?,
            row.get::<_, Status>(1)?,
            row.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let rows: Vec<_> = rows.collect::<rusqlite::Result<_>>()?;
    let open = rows
        .first()
        .filter(|(_, status, _)| *status == Status::Open)
        .map(|(id, _, until)| (*id, *until));
    let cutoff = rows
        .iter()
        .find(|(_, status, _)| *status != Status::Open)
        .and_then(|(_, _, until)| *until);
    Ok(Latest { open, cutoff })
}

/// Attaches contacts to a flag (once each); returns the newest one's time.
pub(super) fn attach(
    conn: &Connection,
    flag: FlagId,
    contacts: &[(ContactId, i64)],
) -> Result<Option<i64>> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO flag_evidence (flag_id, contact_id) VALUES (?1, ?2)",
    )?;
    for (contact, _) in contacts {
        insert.execute(params![flag, contact])?;
    }
    Ok(contacts.iter().map(|(_, at)| *at).max())
}

/// What an arrival writes for a candidate: a new flag, or (urgent kinds
/// only) this call added to the open one.
#[derive(Debug, Clone, Copy)]
struct Planned {
    candidate: Candidate,
    latest: Latest,
    /// The window's contacts newer than the settled flag's evidence.
    metric: Metric,
}

/// Which candidates call for a write; reads only. A kind already open
/// for the person is skipped (except the urgent kinds, whose evidence is
/// the urgent call itself, rare by nature): a persistent caller is exactly
/// who has open flags, and adding each call to them cost every one of
/// their calls several writes in the screening transaction (the load
/// bench halved). The open flag is brought up to date when it is read
/// instead (`refresh`).
fn plan(conn: &Connection, a: &Arrival, candidates: &[Candidate]) -> Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for c in candidates {
        let latest = latest(conn, c.person, c.kind, c.enquiry)?;
        if latest.open.is_some() {
            if !refresh::gathered_on_read(c.kind) {
                planned.push(Planned {
                    candidate: *c,
                    latest,
                    metric: c.metric,
                });
            }
            continue;
        }
        let metric = match latest.cutoff {
            Some(cutoff) => metric(conn, c.scope, c.since, cutoff)?,
            None => c.metric,
        };
        if holds(c.kind, metric, &a.thresholds) {
            planned.push(Planned {
                candidate: *c,
                latest,
                metric,
            });
        }
    }
    Ok(planned)
}

/// Raises a planned flag, or adds the urgent call to the open one;
/// answers the kind when a new flag was raised.
fn raise(conn: &Connection, a: &Arrival, p: &Planned) -> Result<Option<Kind>> {
    let (c, latest) = (&p.candidate, p.latest);
    let after = latest.cutoff.unwrap_or(i64::MIN);
    if let Some((open, until)) = latest.open {
        // What it holds already is skipped, except this contact, which
        // may have been recorded late.
        let at = a.at.timestamp_millis();
        let from = until.map_or(c.since, |until| c.since.max(until.min(at)));
        let newest = attach(conn, open, &evidence(conn, c.scope, from, after)?)?;
        conn.prepare_cached(
            "UPDATE flags SET detail = ?2, updated_at = ?3,
                              evidence_until = max(coalesce(evidence_until, ?4), ?4)
             WHERE id = ?1",
        )?
        .execute(params![
            open,
            detail(c, a),
            timestamp(a.now),
            newest.or(until)
        ])?;
        return Ok(None);
    }
    let contacts = evidence(conn, c.scope, c.since, after)?;
    let newest = contacts.iter().map(|(_, at)| *at).max();
    let detail = detail(
        &Candidate {
            metric: p.metric,
            ..*c
        },
        a,
    );
    let flag = insert_flag(conn, Some(c.person), c.kind, c.enquiry, a, &detail, newest)?;
    attach(conn, flag, &contacts)?;
    Ok(Some(c.kind))
}

fn insert_flag(
    conn: &Connection,
    person: Option<PersonId>,
    kind: Kind,
    enquiry: Option<EnquiryId>,
    a: &Arrival,
    detail: &str,
    evidence_until: Option<i64>,
) -> Result<FlagId> {
    let now = timestamp(a.now);
    conn.prepare_cached(
        "INSERT INTO flags (person_id, kind, enquiry_id, contact_id, detail, raised_at,
                            updated_at, evidence_until, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, 'open')",
    )?
    .execute(params![
        person,
        kind,
        enquiry,
        a.contact_id,
        detail,
        now,
        evidence_until
    ])?;
    Ok(FlagId::from_raw(conn.last_insert_rowid()))
}

/// Raises the flags an arrival calls for; answers the kinds newly raised
/// (a kind already open raises nothing new, and this writes nothing to it:
/// `refresh` adds the evidence when the flag is read). The caller passes
/// only contacts it has just recorded or just given an outcome, so a
/// retried call raises nothing.
pub fn raise_for_contact(conn: &Connection, a: &Arrival) -> Result<Vec<Kind>> {
    let planned = plan(conn, a, &candidates(conn, a)?)?;
    raise_planned(conn, a, &planned, unknown_urgent(a))
}

/// An unknown caller has no flags to add to: each urgent call is its own.
fn unknown_urgent(a: &Arrival) -> bool {
    a.person_id.is_none() && a.checks.urgent.is_some()
}

/// `raise_for_contact` for paths that must not fail because of a flag:
/// a flag that cannot be raised is rolled back and logged, and never costs
/// the contact its record or a call its answer (a flag changes no
/// decision, and a failing one must not turn the decision into
/// `fail_open`). Most arrivals reach no threshold or find the kind already
/// open, and checking that only reads: the savepoint is taken only when
/// there is something to write.
pub fn raise_for_contact_or_log(conn: &Connection, a: &Arrival) -> Vec<Kind> {
    // Most calls are from callers not on record and not urgent: nothing to
    // raise, nothing to read.
    if a.person_id.is_none() && a.enquiry.is_none() && a.checks.urgent.is_none() {
        return Vec::new();
    }
    let savepoint = |sql: &str| -> Result<()> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    let raised = candidates(conn, a)
        .and_then(|candidates| plan(conn, a, &candidates))
        .and_then(|planned| {
            let unknown_urgent = unknown_urgent(a);
            if planned.is_empty() && !unknown_urgent {
                return Ok(Vec::new());
            }
            savepoint("SAVEPOINT flags")?;
            let raised = raise_planned(conn, a, &planned, unknown_urgent);
            if raised.is_err() {
                savepoint("ROLLBACK TO flags")?;
            }
            savepoint("RELEASE flags")?;
            raised
        });
    raised.unwrap_or_else(|error| {
        tracing::error!(%error, "could not raise flags; the contact is recorded without them");
        Vec::new()
    })
}

fn raise_planned(
    conn: &Connection,
    a: &Arrival,
    planned: &[Planned],
    unknown_urgent: bool,
) -> Result<Vec<Kind>> {
    let mut raised = Vec::new();
    if unknown_urgent {
        let detail = "chose the urgent (safeguarding) option; routed as always";
        let at = a.at.timestamp_millis();
        let flag = insert_flag(conn, None, Kind::UrgentCall, None, a, detail, Some(at))?;
        attach(conn, flag, &[(a.contact_id, at)])?;
        raised.push(Kind::UrgentCall);
    }
    for p in planned {
        raised.extend(raise(conn, a, p)?);
    }
    Ok(raised)
}

/// Raises `review_due` for each measure not ended whose review date is at
/// most `days` after `today` (or past), unless one is open for it or one
/// was settled for the same or a later review date (once reviewed, the
/// measure's new date is new evidence). Refreshes the open ones to the
/// measure's current review date, and resolves those whose measure ran
/// out or is gone (no review left to do). Measures are few, so this scans
/// them. Dates are compared as dates (`julianday`), never as text, where
/// `+10000-01-01` would sort before today; a value that is no date gives
/// NULL and raises nothing. Returns how many were raised.
pub fn raise_reviews_due(
    conn: &Connection,
    today: NaiveDate,
    days: u32,
    now: &str,
) -> Result<usize> {
    let today = today.to_string();
    conn.prepare_cached(
        "UPDATE flags SET status = 'resolved', settled_at = ?2, settled_by = 'fairline',
                          reason = 'the measure has ended or is no longer on record'
         WHERE kind = 'review_due' AND status = 'open'
           AND (measure_id IS NULL
                OR measure_id IN (SELECT id FROM measures
                                  WHERE ended_at IS NOT NULL
                                     OR julianday(ends_on) < julianday(?1)))",
    )?
    .execute(params![today, now])?;
    conn.prepare_cached(
        "UPDATE flags SET review_on = m.review_on, updated_at = ?1,
                          detail = m.kind || ' measure: review due on ' || m.review_on
         FROM measures m
         WHERE flags.measure_id = m.id AND flags.kind = 'review_due' AND flags.status = 'open'
           AND flags.review_on IS NOT m.review_on",
    )?
    .execute([now])?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO flags (person_id, kind, measure_id, review_on, detail, raised_at,
                                updated_at, status)
             SELECT m.person_id, 'review_due', m.id, m.review_on,
                    m.kind || ' measure: review due on ' || m.review_on, ?3, ?3, 'open'
             FROM measures m
             WHERE m.ended_at IS NULL
               AND (m.ends_on IS NULL OR julianday(m.ends_on) >= julianday(?1))
               AND julianday(m.review_on) <= julianday(?1) + ?2
               AND NOT EXISTS (SELECT 1 FROM flags f
                               WHERE f.measure_id = m.id AND f.kind = 'review_due'
                                 AND (f.status = 'open'
                                      OR julianday(f.review_on) >= julianday(m.review_on)))",
        )?
        .execute(params![today, days, now])?)
}

/// Resolves a measure's open `review_due` flags: it was reviewed
/// (`review`), or it ended. Audited as `flag.resolve`; answers the flags.
pub fn settle_reviews_due(
    conn: &Connection,
    measure: MeasureId,
    by: &str,
    reason: &str,
    review: Option<ReviewId>,
    now: &str,
) -> Result<Vec<FlagId>> {
    let open: Vec<FlagId> = conn
        .prepare_cached(
            "SELECT id FROM flags
             WHERE measure_id = ?1 AND kind = 'review_due' AND status = 'open'",
        )?
        .query_map([measure], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for &id in &open {
        let before = get_flag(conn, id)?;
        conn.prepare_cached(
            "UPDATE flags SET status = 'resolved', settled_at = ?2, settled_by = ?3,
                              reason = ?4, review_id = ?5
             WHERE id = ?1",
        )?
        .execute(params![id, now, by, reason, review])?;
        let after = get_flag(conn, id)?;
        audit_settled(conn, by, "flag.resolve", &before, &after, now)?;
    }
    Ok(open)
}
