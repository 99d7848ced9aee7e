//! Operations: what a service manager, a load balancer and Prometheus ask
//! of fairline: liveness, readiness and metrics.
//!
//! None of these endpoints needs a key, and none says anything about a
//! caller: metrics carry fixed words only, health answers carry none.

pub mod health;
pub mod metrics;

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::AppState;
use crate::config::Settings;

/// The operations routes for the main listener: health always, `/metrics`
/// unless `metrics_listen` gives it a listener of its own (then it is
/// only there, so the API's port need not be open to Prometheus).
pub fn router(settings: &Settings) -> Router<AppState> {
    let router = health::router();
    if settings.metrics_listen.is_none() {
        router.merge(self::metrics::router())
    } else {
        router
    }
}

/// Serves `/metrics` alone on its own listener until `stopping` turns true.
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    mut stopping: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let router = self::metrics::router().with_state(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    })
    .await
}
