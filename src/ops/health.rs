//! Liveness and readiness for service managers and load balancers:
//! `/healthz` says the process answers; `/readyz` that it can take calls.
//! Neither needs a key, and neither body says anything about the data.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;
use crate::store::{schema_version, Store, StoreError, LATEST_VERSION};

/// The longest `/readyz` waits for the writer. A probe must get its answer
/// even when storage hangs, and a writer this slow is not ready for calls.
const READY_WITHIN: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
}

/// Why the service cannot take calls; logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("the writer could not take a write: {0}")]
    NotWritable(#[from] StoreError),
    #[error("the database is at schema version {found}, this fairline expects {LATEST_VERSION}")]
    Schema { found: i64 },
    #[error("the writer did not answer within {READY_WITHIN:?}")]
    TooSlow,
}

/// Ready when the writer can take the write lock (`BEGIN IMMEDIATE`, which
/// fails on a read-only or locked database) and commit, and the schema is
/// the one this build migrates to. Goes through the writer on purpose: that
/// is the path every call takes.
pub async fn ready(store: &Store) -> Result<(), NotReady> {
    let version = tokio::time::timeout(READY_WITHIN, store.write(schema_version))
        .await
        .map_err(|_| NotReady::TooSlow)??;
    if version != LATEST_VERSION {
        return Err(NotReady::Schema { found: version });
    }
    Ok(())
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match ready(&state.store).await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(why) => {
            tracing::warn!(%why, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_migrated_database_is_ready_and_a_newer_schema_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ready.db");
        let store = Store::open(&path).unwrap();
        assert!(ready(&store).await.is_ok());
        let other = crate::store::open_connection(&path).unwrap();
        other
            .pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
        let err = ready(&store).await.unwrap_err();
        assert!(matches!(err, NotReady::Schema { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_database_locked_by_another_writer_is_not_ready() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let store = Store::open(&path).unwrap();
        let other = crate::store::open_connection(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let err = ready(&store).await.unwrap_err();
        assert!(matches!(err, NotReady::TooSlow), "{err}");
        other.execute_batch("ROLLBACK").unwrap();
    }
}
