//! The HTTP API: one router per area, merged here, with the body limit.
//! Handlers parse, call the store or the screening path, and audit changes.

mod advisors;
mod appeals;
mod audit;
pub mod auth;
mod contacts;
pub mod csv;
mod enquiries;
pub mod extract;
mod flags;
mod history;
mod measures;
mod notice;
mod people;
mod privacy;
mod reports;
mod review_queue;
mod reviews;
mod rules;
mod rules_csv;
pub mod serve;
mod text;
mod timeline;
pub mod ui;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use crate::error::AppError;
use crate::state::AppState;

/// The API's routes. `app` mounts them beside the PBX adapters' and the
/// operations routes and adds [`finish`].
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(people::router())
        .merge(advisors::router())
        .merge(enquiries::router())
        .merge(measures::router())
        .merge(notice::router())
        .merge(appeals::router())
        .merge(rules::router())
        .merge(contacts::router())
        .merge(history::router())
        .merge(audit::router())
        .merge(flags::router())
        .merge(review_queue::router())
        .merge(reviews::router())
        .merge(privacy::router())
        .merge(timeline::router())
        .merge(reports::router())
        .merge(ui::router())
}

/// What every route answers alike, added once every route is in (it applies
/// to the routes present): JSON 405 and 404 bodies and the body limit.
pub fn finish(router: Router<AppState>, state: AppState) -> Router {
    let limit = state.settings.body_limit_bytes;
    router
        // Axum still adds the `Allow` header.
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .fallback(|| async { AppError::NotFound("route") })
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}
