//! The review queue: the flags a supervisor should look at, and resolving
//! them. Supervisors and admins only; resolving is audited.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::text;
use crate::decision::calendar::local_date;
use crate::domain::{FlagId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::flags::{self, Kind, Status};
use crate::store::{audit, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/flags", get(list))
        .route("/v1/flags/{id}/resolve", post(resolve))
}

/// Strings, parsed here, so a bad value is a 422 naming its field (the
/// query deserializer's own errors name none).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueQuery {
    status: Option<String>,
    person_id: Option<String>,
    limit: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Value>, AppError> {
    let status = match q.status.as_deref().unwrap_or("open") {
        "open" => Status::Open,
        "resolved" => Status::Resolved,
        "all" => Status::All,
        _ => return Err(AppError::invalid("status", "must be open, resolved or all")),
    };
    let person_id = q
        .person_id
        .map(|p| p.parse::<i64>())
        .transpose()
        .map_err(|_| AppError::invalid("person_id", "must be a person's id"))?;
    let limit = match q.limit {
        None => 100,
        Some(l) => l
            .parse()
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be between 1 and 1000"))?,
    };
    // Measures past their review are raised here, when someone looks,
    // rather than by a background job: the queue is where they matter.
    let now = state.now();
    let today = local_date(now, state.policy.timezone);
    let raised = state
        .store
        .write(move |conn| flags::raise_past_reviews(conn, today, &timestamp(now)))
        .await?;
    crate::metrics::flags_raised(Kind::MeasurePastReview, raised as u64);
    let flags = state
        .store
        .read(move |conn| flags::queue(conn, status, person_id, limit))
        .await?;
    Ok(Json(json!({ "flags": flags })))
}

/// The flag as the audit log keeps it: without the name and number the
/// queue joins in, which belong to the person and contact records and go
/// with them (erasure, retention) rather than living on in the log.
fn audit_copy(flag: &flags::FlagRow) -> Value {
    let mut copy = serde_json::to_value(flag).unwrap_or_default();
    if let Some(fields) = copy.as_object_mut() {
        for joined in ["person_name", "caller", "call_id"] {
            fields.remove(joined);
        }
    }
    copy
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolution {
    resolution: String,
}

async fn resolve(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<FlagId>,
    ApiJson(body): ApiJson<Resolution>,
) -> Result<Json<flags::FlagRow>, AppError> {
    let resolution = text::prose_required("resolution", &body.resolution, 1000)?;
    let now = timestamp(state.now());
    let flag = state
        .store
        .write(move |conn| {
            let (before, after) = flags::resolve(conn, id, &who.name, &resolution, &now)?;
            let entry = audit::Entry {
                actor: &who.name,
                action: "flag.resolve",
                entity: "flag",
                entity_id: Some(id.get()),
                person_id: after.person_id,
                before: Some(audit_copy(&before)),
                after: Some(audit_copy(&after)),
            };
            audit::record(conn, entry, &now)?;
            Ok(after)
        })
        .await?;
    Ok(Json(flag))
}
