//! When a diverted caller can next get through: the earliest moment at
//! which no measure agreed with them would turn the same call away, worked
//! out from the measures, their counted contacts and the `now` handed in.
//!
//! Each measure that turns the call away at a moment says until when at
//! the earliest: a frequency limit until its next calendar period (periods
//! are calendar days, weeks and months, so older contacts never fall out
//! sooner), contact windows until the next window opens, either until the
//! measure stops being in force. The latest of those is tried in turn, so
//! the answer is a moment at which none of them diverts (the daily limit
//! resets at midnight, the window opens at ten). A measure that turns the
//! call away whatever the time (a block, only open enquiries, only new
//! issues) gives no time at all: the caller is not told to wait for
//! something waiting cannot bring.

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::outcome::on_breach;
use super::{breach, calendar, Action, Call, Decision, Person, Policy};
use crate::domain::{BreachAction, Measure, MeasureId, MeasureKind, Window};

/// Rounds of "the latest of the measures' moments" before giving up. A
/// limit and windows settle in two or three; two window measures that
/// never overlap would go on for ever, and rightly get no time. Each round
/// costs a few microseconds (the writer runs it), so sixteen at most.
const MAX_ROUNDS: usize = 16;

/// Marks a diverted `decision` with the earliest moment the caller would be
/// routed. Anything else (a route, an announce, a block) is left alone, so
/// the work is done only for the calls that are turned away.
pub(super) fn attach(
    mut decision: Decision,
    call: &Call<'_>,
    person: &Person<'_>,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Decision {
    if decision.action != Action::Divert {
        return decision;
    }
    let Some(at) = earliest(call, person, now, policy) else {
        return decision;
    };
    // On the rule that settled the call, of a measure that diverts: one
    // that only announces may be named under the same rule.
    let diverts = |id: Option<MeasureId>| {
        person
            .measures
            .iter()
            .any(|m| Some(m.id) == id && matches!(on_breach(m), Some((BreachAction::Divert, _))))
    };
    let reason = decision.reason;
    if let Some(hit) = decision
        .rules
        .iter_mut()
        .find(|hit| hit.rule == reason && diverts(hit.measure_id))
    {
        hit.next_allowed_at = Some(at);
    }
    decision
}

/// What one measure does to the call at a given moment.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Not in force, kept to, or only announces: the call goes through.
    Through,
    /// Diverts the call until this moment at the earliest.
    Until(DateTime<Utc>),
    /// Turns the call away whatever the time.
    Always,
}

/// The earliest moment after `now` at which no measure turns the call
/// away; `None` when none comes (or none within `MAX_ROUNDS` tries).
fn earliest(
    call: &Call<'_>,
    person: &Person<'_>,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Option<DateTime<Utc>> {
    let mut at = now;
    for _ in 0..MAX_ROUNDS {
        let mut until = None;
        for measure in person.measures.iter().filter(|m| m.ended.is_none()) {
            match verdict(measure, call, person, at, policy) {
                Verdict::Through => {}
                Verdict::Until(moment) => until = until.max(Some(moment)),
                Verdict::Always => return None,
            }
        }
        match until {
            Some(later) => at = later,
            // Nothing turns the call away at `at`. At `now` something did
            // (the call was diverted), else this is no answer to give.
            None => return (at > now).then_some(at),
        }
    }
    None
}

/// What `measure` does to the call at `at`, as `decide` would see it then.
fn verdict(
    measure: &Measure,
    call: &Call<'_>,
    person: &Person<'_>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Verdict {
    let tz = policy.timezone;
    let grace = policy.review_grace_days;
    if measure
        .terms
        .in_force(calendar::local_date(at, tz), grace)
        .is_err()
        || breach(measure, call, person, at, policy).is_none()
    {
        return Verdict::Through;
    }
    match on_breach(measure) {
        None => return Verdict::Always,
        Some((BreachAction::Announce, _)) => return Verdict::Through,
        Some((BreachAction::Divert, _)) => {}
    }
    let lifts = match &measure.kind {
        MeasureKind::FrequencyLimit {
            max_contacts, per, ..
        } => (*max_contacts > 0).then(|| calendar::next_period_start(*per, at, tz)),
        MeasureKind::ContactWindows { windows } => next_opening(windows, at, tz),
        // Whatever else diverts (only open enquiries, only new issues, and
        // any kind added later) does not wait out: no time.
        _ => return Verdict::Always,
    };
    let last_day = measure.terms.last_day_in_force(grace);
    let ends = calendar::local_midnight(last_day + Days::new(1), tz);
    Verdict::Until(lifts.map_or(ends, |lifts| lifts.min(ends)))
}

/// The first moment after `at` that falls inside one of `windows`. A call
/// gets inside a window where the local time reaches its start, or where
/// the clocks change into it, so only those moments of the coming eight
/// local days are tried: a window closed today opens again on the same
/// weekday next week at the latest.
fn next_opening(windows: &[Window], at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let inside = |moment: &DateTime<Utc>| {
        let (day, time) = calendar::local_day_and_time(*moment, tz);
        windows.iter().any(|w| w.contains(day, time))
    };
    let today = calendar::local_date(at, tz);
    // Eight local days end within nine days of `at`, clock changes or not.
    let changes = calendar::clock_changes(at, at + Duration::days(9), tz);
    (0..=7)
        .map(|n| today + Days::new(n))
        .flat_map(|date| starts(windows, date, tz))
        .chain(changes)
        .filter(|moment| *moment > at && inside(moment))
        .min()
}

/// The moments local `date` reaches the start of each window that day:
/// none where the clocks skip it (the change itself opens the window),
/// two where they go back over it.
fn starts(windows: &[Window], date: NaiveDate, tz: Tz) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    windows
        .iter()
        .filter(move |w| w.days.contains(&date.weekday()))
        .flat_map(move |w| {
            let (first, second) = match tz.from_local_datetime(&date.and_time(w.from)) {
                LocalResult::Single(start) => (Some(start), None),
                LocalResult::Ambiguous(first, second) => (Some(first), Some(second)),
                LocalResult::None => (None, None),
            };
            first
                .into_iter()
                .chain(second)
                .map(|s| s.with_timezone(&Utc))
        })
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
