//! Reviewing a measure (`continue`, `change` or `end`) and reading its
//! reviews. Supervisors and admins only; every review audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, IdPath};
use super::measures::measure_json;
use super::text;
use crate::decision::calendar::local_date;
use crate::domain::{next_review_on, Date, Measure, MeasureId, ReviewOutcome};
use crate::error::AppError;
use crate::http::auth::{Auth, Principal, Supervision};
use crate::state::AppState;
use crate::store::reviews::{self, NewReview, ReviewRow};
use crate::store::timestamp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/measures/{id}/review", post(review))
        .route("/v1/measures/{id}/reviews", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    outcome: Option<ReviewOutcome>,
    next_review_on: Option<Date>,
    note: Option<String>,
}

async fn review(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (review, measure) = record_review(&state, &who, id, body).await?;
    let today = local_date(state.now(), state.policy.timezone);
    let grace = state.policy.review_grace_days;
    let measure = measure_json(&measure, Some((today, grace)));
    Ok((
        StatusCode::CREATED,
        Json(json!({"review": review, "measure": measure})),
    ))
}

/// Reviews a measure as `who`: the outcome and note checked, the next
/// review date checked against the outcome, the review recorded (and
/// audited) by the store. The API and the page both come here.
pub(crate) async fn record_review(
    state: &AppState,
    who: &Principal,
    id: MeasureId,
    body: ReviewBody,
) -> Result<(ReviewRow, Measure), AppError> {
    let outcome = body
        .outcome
        .ok_or_else(|| AppError::invalid("outcome", "must be continue, change or end"))?;
    let note = text::prose_required("note", body.note.as_deref().unwrap_or(""), 2000)?;
    let today = local_date(state.now(), state.policy.timezone);
    let next = next_review_on(
        outcome,
        body.next_review_on.map(Date::get),
        today,
        state.settings.max_review_months,
    )?;
    let now = timestamp(state.now());
    let by = who.name.clone();
    Ok(state
        .store
        .write(move |conn| {
            let new = NewReview {
                measure_id: id,
                by: &by,
                outcome,
                next_review_on: next,
                note: &note,
            };
            reviews::review(conn, &new, &now)
        })
        .await?)
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
) -> Result<Json<Value>, AppError> {
    let found = state
        .store
        .read(move |conn| reviews::of_measure(conn, id))
        .await?;
    Ok(Json(json!({ "reviews": found })))
}
