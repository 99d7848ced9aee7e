//! Operations: what a service manager, a load balancer and Prometheus ask
//! of fairline: liveness, readiness and metrics.
//!
//! None of these endpoints needs a key, and none says anything about a
//! caller: metrics carry fixed words only, health answers carry none.

pub mod health;
pub mod metrics_page;

use axum::Router;

use crate::config::Settings;
use crate::state::AppState;

/// The operations routes for the main listener: health always, `/metrics`
/// unless `metrics_listen` gives it a listener of its own (then it is
/// only there, so the API's port need not be open to Prometheus; the app
/// serves `metrics_page::router` on it).
pub fn router(settings: &Settings) -> Router<AppState> {
    let router = health::router();
    if settings.metrics_listen.is_none() {
        router.merge(metrics_page::router())
    } else {
        router
    }
}
