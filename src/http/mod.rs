//! The HTTP API: one router per area, merged here, with the body limit.
//! Handlers parse, call the store or the screening path, and audit changes.

mod audit;
mod contacts;
mod enquiries;
mod extract;
mod flags;
mod measures;
mod people;
mod privacy;
mod rules;
pub mod screening;
pub mod serve;
mod text;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use crate::app::AppState;
use crate::error::AppError;

pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit_bytes;
    Router::new()
        .merge(screening::router())
        .merge(people::router())
        .merge(enquiries::router())
        .merge(measures::router())
        .merge(rules::router())
        .merge(contacts::router())
        .merge(audit::router())
        .merge(flags::router())
        .merge(privacy::router())
        .merge(crate::pbx::router())
        .merge(crate::ops::router(&state.settings))
        // After every route is in: it applies to the routes present. Axum
        // still adds the `Allow` header.
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .fallback(|| async { AppError::NotFound("route") })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}
