//! `GET /v1/review-queue`: what waits for a supervisor, grouped by person,
//! most urgent first, each item with what to look at. Supervisors and
//! admins only. The order is `store::flags::queue`'s.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::ApiQuery;
use super::flags::{bring_up_to_date, limit, person_id};
use crate::decision::calendar::local_date;
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::flags::{self, QueueFilter};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/review-queue", get(queue))
}

/// Contacts listed per flag; the flag's `evidence_count` says how many
/// there are in all.
const EVIDENCE_LIMIT: u32 = 50;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    person_id: Option<String>,
    limit: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Value>, AppError> {
    let filter = QueueFilter {
        person_id: person_id(q.person_id)?,
        limit: limit(q.limit, 100)?,
        evidence_limit: EVIDENCE_LIMIT,
        today: local_date(state.now(), state.policy.timezone),
        appeal_decision_days: state.settings.appeal_decision_days,
    };
    bring_up_to_date(&state, filter.person_id).await?;
    let groups = state
        .store
        .read(move |conn| flags::queue(conn, &filter))
        .await?;
    Ok(Json(json!({ "people": groups })))
}
