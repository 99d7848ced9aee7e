//! Prometheus metrics: the recorder (installed once per process), the names
//! and the small recording functions the per-call path uses. A leaf, so the
//! store, screening and the PBX adapters can record without reaching the
//! app; `ops::metrics_page` serves `/metrics`.
//!
//! Every label value is a fixed word (`route`, `frequency_limit`): no phone
//! number, name, email or call id can become one, so the page carries no
//! personal data and its size stays bounded. Of fairline it knows only the
//! decision's `Action`, so the store and the PBX adapters may call it.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter,
    Histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::decision::{Action, Rule};
use crate::domain::FlagKind;

pub const DECISIONS: &str = "fairline_decisions_total";
pub const SCREENING_SECONDS: &str = "fairline_screening_duration_seconds";
pub const COMMIT_BATCH_SIZE: &str = "fairline_commit_batch_size";
pub const COMMIT_SECONDS: &str = "fairline_commit_duration_seconds";
pub const WRITER_PENDING: &str = "fairline_writer_pending_writes";
pub const WRITER_COMMITS: &str = "fairline_writer_commits_total";
pub const WRITER_WRITES: &str = "fairline_writer_writes_total";
pub const AGI_ACCEPTED: &str = "fairline_agi_connections_total";
pub const AGI_REFUSED: &str = "fairline_agi_connections_refused_total";
pub const AGI_OPEN: &str = "fairline_agi_connections_open";
pub const FLAGS_RAISED: &str = "fairline_flags_raised_total";
pub const AUTH_FAILURES: &str = "fairline_auth_failures_total";
pub const CONNECTIONS_REFUSED: &str = "fairline_connections_refused_total";

/// The PBX's paths, as the router names them: keys refused on these are
/// counted (`AUTH_FAILURES`) and logged.
const PBX_PATHS: &[&str] = &[
    "/v1/screen",
    "/v1/pbx/freeswitch/dialplan",
    "/v1/calls/{call_id}/outcome",
];

/// Seconds: half a millisecond (a warm screening) to 2.5 s (past the
/// PBX's own timeout, so the tail is visible).
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
/// Writes per commit, up to the writer's largest batch (512).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// How often histogram samples are folded into their buckets when nobody
/// scrapes; without it they would pile up in memory.
const UPKEEP: Duration = Duration::from_secs(5);

const ACTIONS: [Action; 4] = [
    Action::Route,
    Action::Announce,
    Action::Divert,
    Action::Block,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The per-call metrics, registered once: a macro per call hashes its name
/// and labels and allocates (about 0.4 µs); a held handle costs a quarter
/// of that. Registering every action and reason up front also lists each
/// series at 0 from the start, as Prometheus' `rate()` wants.
struct Handles {
    /// One per action and reason (`Rule::ALL`), action-major.
    decisions: Vec<Counter>,
    screening: Histogram,
    batch_size: Histogram,
    commit: Histogram,
    /// One per `FlagKind::ALL`, in order.
    flags: Vec<Counter>,
    /// One per `PBX_PATHS`, in order.
    auth_failures: Vec<Counter>,
}

static HANDLES: OnceLock<Handles> = OnceLock::new();

fn handles() -> &'static Handles {
    HANDLES.get_or_init(|| {
        // Handles taken before the recorder is installed would be no-ops.
        install();
        Handles {
            decisions: ACTIONS
                .iter()
                .flat_map(|action| {
                    Rule::ALL.map(move |reason| {
                        counter!(DECISIONS, "action" => action.as_str(), "reason" => reason.as_str())
                    })
                })
                .collect(),
            screening: histogram!(SCREENING_SECONDS),
            batch_size: histogram!(COMMIT_BATCH_SIZE),
            commit: histogram!(COMMIT_SECONDS),
            flags: FlagKind::ALL
                .map(|kind| counter!(FLAGS_RAISED, "kind" => kind.as_str()))
                .to_vec(),
            auth_failures: PBX_PATHS
                .iter()
                .map(|path| counter!(AUTH_FAILURES, "path" => *path))
                .collect(),
        }
    })
}

/// Installs the Prometheus recorder as the process's metrics recorder (once;
/// later calls return the same handle) and starts its upkeep thread.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = [SCREENING_SECONDS, COMMIT_SECONDS]
            .into_iter()
            .try_fold(builder, |b, name| {
                b.set_buckets_for_metric(Matcher::Full(name.into()), LATENCY_BUCKETS)
            })
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(COMMIT_BATCH_SIZE.into()), BATCH_BUCKETS)
            })
            .expect("bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            // Only possible when a host program installed its own first;
            // fairline's page then stays empty rather than failing.
            tracing::warn!("another metrics recorder is installed; /metrics will be empty");
        }
        describe();
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("fairline-metrics".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            });
        handle
    })
}

fn describe() {
    describe_counter!(DECISIONS, "Screening answers given, by action and reason.");
    describe_histogram!(
        SCREENING_SECONDS,
        metrics::Unit::Seconds,
        "Time to screen one call: look up, decide, record and commit."
    );
    describe_histogram!(
        COMMIT_BATCH_SIZE,
        "Writes committed together in one transaction."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        metrics::Unit::Seconds,
        "Time to run and commit one batch of writes, fsync included."
    );
    describe_gauge!(
        WRITER_PENDING,
        "Writes queued for the writer, not yet taken."
    );
    describe_counter!(WRITER_COMMITS, "Transactions the writer has committed.");
    describe_counter!(WRITER_WRITES, "Writes the writer has run.");
    describe_counter!(AGI_ACCEPTED, "FastAGI connections accepted.");
    describe_counter!(
        AGI_REFUSED,
        "FastAGI connections from a source not in agi_allowed_sources (told FAIRLINE_REASON=refused)."
    );
    describe_gauge!(AGI_OPEN, "FastAGI connections being served now.");
    describe_counter!(FLAGS_RAISED, "Flags raised for the review queue, by kind.");
    describe_counter!(
        AUTH_FAILURES,
        "Keys refused (401, 403) on the PBX's paths, by path."
    );
    describe_counter!(
        CONNECTIONS_REFUSED,
        "Connections closed at once because their source or the whole server \
         held as many as allowed, by limit (per_source, total)."
    );
}

/// Counts one screening answer.
pub fn decision(action: Action, reason: Rule) {
    // ACTIONS lists every action, so the fallback is never taken.
    let action = ACTIONS.iter().position(|a| *a == action).unwrap_or(0);
    handles().decisions[action * Rule::ALL.len() + reason.index()].increment(1);
}

pub fn screening_time(started: Instant) {
    handles().screening.record(started.elapsed().as_secs_f64());
}

pub fn commit(batch: usize, started: Instant) {
    let handles = handles();
    handles.batch_size.record(batch as f64);
    handles.commit.record(started.elapsed().as_secs_f64());
}

/// Counts `n` flags of `kind` raised.
pub fn flags_raised(kind: FlagKind, n: u64) {
    handles().flags[kind.index()].increment(n);
}

/// Counts a key refused on `path` (a route as the router names it) when it
/// is one of the PBX's; answers the path as a label, or `None` for any
/// other path (not counted).
pub fn auth_failure(path: &str) -> Option<&'static str> {
    let i = PBX_PATHS.iter().position(|known| *known == path)?;
    handles().auth_failures[i].increment(1);
    Some(PBX_PATHS[i])
}

/// Counts a connection refused by `limit` (`per_source` or `total`).
pub fn connection_refused(limit: &'static str) {
    counter!(CONNECTIONS_REFUSED, "limit" => limit).increment(1);
}

pub fn agi_refused() {
    counter!(AGI_REFUSED).increment(1);
}

/// One AGI connection being served: counted when made, and open until
/// dropped (also when its task panics).
pub struct AgiConnection(());

impl AgiConnection {
    pub fn open() -> AgiConnection {
        counter!(AGI_ACCEPTED).increment(1);
        gauge!(AGI_OPEN).increment(1.0);
        AgiConnection(())
    }
}

impl Drop for AgiConnection {
    fn drop(&mut self) {
        gauge!(AGI_OPEN).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the series that starts with `series`, if listed.
    fn value(page: &str, series: &str) -> Option<f64> {
        let line = page.lines().find(|l| l.starts_with(series))?;
        line.rsplit(' ').next()?.parse().ok()
    }

    #[test]
    fn decisions_are_counted_under_their_action_and_reason() {
        let handle = install();
        let divert = r#"fairline_decisions_total{action="divert",reason="frequency_limit"}"#;
        let fail_open = r#"fairline_decisions_total{action="route",reason="fail_open"}"#;
        let untouched = r#"fairline_decisions_total{action="route",reason="frequency_limit"}"#;
        handles(); // every series is listed from here on
        let before = handle.render();
        decision(Action::Divert, Rule::FrequencyLimit);
        decision(Action::Route, Rule::FailOpen);
        let after = handle.render();
        for series in [divert, fail_open] {
            assert_eq!(
                value(&after, series),
                value(&before, series).map(|v| v + 1.0),
                "{series}"
            );
        }
        assert_eq!(value(&after, untouched), value(&before, untouched));
    }

    #[test]
    fn an_agi_connection_is_open_until_dropped() {
        let handle = install();
        let gauge_line = |page: &str| {
            page.lines()
                .find(|l| l.starts_with(AGI_OPEN))
                .map(str::to_owned)
        };
        let connection = AgiConnection::open();
        // No other test in this process opens AGI connections.
        assert_eq!(
            gauge_line(&handle.render()).as_deref(),
            Some("fairline_agi_connections_open 1")
        );
        drop(connection);
        assert_eq!(
            gauge_line(&handle.render()).as_deref(),
            Some("fairline_agi_connections_open 0")
        );
        assert!(handle.render().contains("fairline_agi_connections_total 1"));
    }
}
