//! `GET /metrics`: the Prometheus page, with the writer's own counters read
//! at scrape time. The recording itself is `crate::metrics`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics::{counter, gauge};

use crate::metrics::{install, WRITER_COMMITS, WRITER_PENDING, WRITER_WRITES};
use crate::state::AppState;

/// `GET /metrics`, for whichever listener serves it.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

/// The writer's own counters are read at scrape time, so keeping them
/// costs the per-call path nothing.
async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let stats = state.store.writer.stats();
    gauge!(WRITER_PENDING).set(stats.pending.load(Ordering::Relaxed) as f64);
    counter!(WRITER_COMMITS).absolute(stats.commits.load(Ordering::Relaxed));
    counter!(WRITER_WRITES).absolute(stats.writes.load(Ordering::Relaxed));
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        install().render(),
    )
}
