//! `GET /v1/audit`: the append-only log of every change, for admins.

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

async fn list(
    State(state): State<AppState>,
    _: Auth<Administration>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let filter = audit::Filter {
        person_id: q.person_id,
        actor: text::filter("actor", q.actor, 200)?,
        before_id: q.before_id,
        limit,
    };
    let entries = state
        .store
        .read(move |conn| audit::list(conn, &filter))
        .await?;
    Ok(Json(json!({ "entries": entries })))
}
