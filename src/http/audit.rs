//! `GET /v1/audit`: the append-only log of every change, for admins. The
//! filter checks and the read are shared with the audit page (`/ui/audit`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::ApiQuery;
use super::text;
use crate::error::AppError;
use crate::http::auth::{Administration, Auth};
use crate::state::AppState;
use crate::store::audit;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/audit", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    person_id: Option<i64>,
    actor: Option<String>,
    before_id: Option<i64>,
    limit: Option<u32>,
}

/// The log's filters, checked as the API and the page both check them:
/// `limit` from 1 to 1000 (100 when absent), `actor` plain text.
pub fn filter_of(
    person_id: Option<i64>,
    actor: Option<String>,
    before_id: Option<i64>,
    limit: Option<u32>,
) -> Result<audit::Filter, AppError> {
    let limit = limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    Ok(audit::Filter {
        person_id,
        actor: text::filter("actor", actor, 200)?,
        before_id,
        limit,
    })
}

/// The entries `filter` picks, newest first.
pub async fn entries(
    state: &AppState,
    filter: audit::Filter,
) -> Result<Vec<audit::AuditRow>, AppError> {
    Ok(state
        .store
        .read(move |conn| audit::list(conn, &filter))
        .await?)
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Administration>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Value>, AppError> {
    let filter = filter_of(q.person_id, q.actor, q.before_id, q.limit)?;
    let entries = entries(&state, filter).await?;
    Ok(Json(json!({ "entries": entries })))
}
