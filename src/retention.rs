//! When retention runs: the daily purge on the server's writer, and
//! `fairline purge` on a connection of its own. Both run the store's one
//! purge (`store::retention::purge`), a chunk per transaction.

use chrono::{DateTime, Days, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use crate::config::Settings;
use crate::state::AppState;
use crate::store::retention::{self, Cutoffs, Purge, PurgeCounts, Step};
use crate::store::{self, Result};

/// What the settings keep, counted back from `now`.
pub fn cutoffs(settings: &Settings, now: DateTime<Utc>) -> Cutoffs {
    Cutoffs {
        contacts: now - Duration::days(settings.retention_contacts_days.into()),
        ended_measures: now - Duration::days(settings.retention_ended_measures_days.into()),
    }
}

/// The first moment after `now` at which the local clock reads `at`. A
/// time the clocks skip (a spring-forward gap) runs the next day.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    (0..3)
        .filter_map(|days| today.checked_add_days(Days::new(days)))
        .filter_map(|day| tz.from_local_datetime(&day.and_time(at)).earliest())
        .map(|local| local.with_timezone(&Utc))
        .find(|moment| *moment > now)
        .unwrap_or(now + Duration::days(1))
}

/// Purges once a day at `retention_purge_at`, until the server stops. A
/// purge under way stops between chunks and records what it deleted.
pub async fn run_daily(state: AppState, mut stopping: watch::Receiver<bool>) {
    let mut after = state.now();
    loop {
        let next = next_run(
            after,
            state.settings.retention_purge_at,
            state.settings.timezone,
        );
        let wait = (next - state.now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        let purge = Purge {
            cutoffs: cutoffs(&state.settings, state.now()),
            dry_run: false,
            run_by: "daily",
            now: state.now(),
        };
        let store = &state.store;
        let run = move |step: Step| store.write(move |conn| step.run(conn));
        match retention::purge(purge, run, || *stopping.borrow()).await {
            Ok(counts) => tracing::info!(
                contacts = counts.contacts,
                measures = counts.measures,
                flags = counts.flags,
                "retention purge"
            ),
            Err(error) => tracing::error!(%error, "retention purge failed"),
        }
        // From when it was due, not from the clock: a sleep that ended a
        // moment early must not run the same day's purge twice.
        after = next.max(state.now());
    }
}

/// `fairline purge [--dry-run]`: each chunk is a transaction of its own,
/// so a server running beside it waits for one chunk at most. Returns the
/// line to print.
pub fn purge_from_cli(settings: &Settings, dry_run: bool) -> anyhow::Result<String> {
    let mut conn = store::open_connection(&settings.database)?;
    store::migrate(&mut conn)?;
    let purge = Purge {
        cutoffs: cutoffs(settings, Utc::now()),
        dry_run,
        run_by: "cli",
        now: Utc::now(),
    };
    let run = |step: Step| std::future::ready(in_transaction(&mut conn, step));
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let counts = runtime.block_on(retention::purge(purge, run, || false))?;
    Ok(describe(settings, counts, dry_run))
}

fn in_transaction(conn: &mut rusqlite::Connection, step: Step) -> Result<PurgeCounts> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let counts = step.run(&tx)?;
    tx.commit()?;
    Ok(counts)
}

fn describe(settings: &Settings, counts: PurgeCounts, dry_run: bool) -> String {
    let verb = if dry_run {
        "dry run, nothing deleted; would delete"
    } else {
        "deleted"
    };
    format!(
        "{verb} {} contacts older than {} days, {} measures ended and {} flags settled \
         more than {} days ago",
        counts.contacts,
        settings.retention_contacts_days,
        counts.measures,
        counts.flags,
        settings.retention_ended_measures_days
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn three() -> NaiveTime {
        NaiveTime::from_hms_opt(3, 0, 0).unwrap()
    }

    #[test]
    fn the_purge_runs_at_the_next_three_in_the_morning_local_time() {
        let london = chrono_tz::Europe::London;
        // Winter: London is on UTC.
        assert_eq!(
            next_run(at("2026-01-10T02:00:00Z"), three(), london),
            at("2026-01-10T03:00:00Z")
        );
        assert_eq!(
            next_run(at("2026-01-10T03:00:00Z"), three(), london),
            at("2026-01-11T03:00:00Z")
        );
        // Summer: 03:00 BST is 02:00 UTC.
        assert_eq!(
            next_run(at("2026-07-10T12:00:00Z"), three(), london),
            at("2026-07-11T02:00:00Z")
        );
    }

    #[test]
    fn a_time_the_clocks_skip_runs_the_next_day() {
        let london = chrono_tz::Europe::London;
        let half_past_one = NaiveTime::from_hms_opt(1, 30, 0).unwrap();
        // 2026-03-29: 01:00 GMT becomes 02:00 BST; 01:30 does not happen.
        assert_eq!(
            next_run(at("2026-03-28T12:00:00Z"), half_past_one, london),
            at("2026-03-30T00:30:00Z")
        );
    }

    #[test]
    fn cutoffs_count_back_the_configured_days() {
        let settings = Settings {
            retention_contacts_days: 31,
            retention_ended_measures_days: 365,
            ..Settings::default()
        };
        let now = at("2026-06-01T00:00:00Z");
        let cut = cutoffs(&settings, now);
        assert_eq!(cut.contacts, at("2026-05-01T00:00:00Z"));
        assert_eq!(cut.ended_measures, at("2025-06-01T00:00:00Z"));
    }
}
