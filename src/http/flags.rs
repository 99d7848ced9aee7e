//! Flags: listing them, and dismissing or resolving one. Supervisors and
//! admins only; settling is audited. The grouped queue is `review_queue`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::text;
use crate::decision::calendar::local_date;
use crate::domain::{FlagId, MeasureId, PersonId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::flags::{self, Kind, Settlement, Status, StatusFilter};
use crate::store::timestamp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/flags", get(list))
        .route("/v1/flags/{id}/dismiss", post(dismiss))
        .route("/v1/flags/{id}/resolve", post(resolve))
}

/// Strings, parsed here, so a bad value is a 422 naming its field (the
/// query deserializer's own errors name none).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    person_id: Option<String>,
    limit: Option<String>,
}

/// A person's id from a query string.
pub(super) fn person_id(given: Option<String>) -> Result<Option<PersonId>, AppError> {
    given
        .map(|p| p.parse::<i64>().map(PersonId::from_raw))
        .transpose()
        .map_err(|_| AppError::invalid("person_id", "must be a person's id"))
}

/// A `limit` from a query string, 1 to 1000.
pub(super) fn limit(given: Option<String>, default: u32) -> Result<u32, AppError> {
    match given {
        None => Ok(default),
        Some(l) => l
            .parse()
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be between 1 and 1000")),
    }
}

/// What bringing flags up to date on a read needs.
pub(super) fn refresh(state: &AppState) -> flags::Refresh {
    flags::Refresh {
        now: state.now(),
        tz: state.policy.timezone,
        thresholds: state.settings.flag_thresholds(),
    }
}

/// Brings the flags up to date when someone looks rather than by a
/// background job or on the call: raises `review_due` for measures due,
/// and adds to the open flags (one person's, when given) the contacts that
/// arrived since their newest evidence (`flags::refresh_open`). One write.
pub(crate) async fn bring_up_to_date(
    state: &AppState,
    person: Option<PersonId>,
) -> Result<(), AppError> {
    let refresh = refresh(state);
    let today = local_date(refresh.now, refresh.tz);
    let days = state.settings.flag_review_due_days;
    let raised = state
        .store
        .write(move |conn| {
            let raised = flags::raise_reviews_due(conn, today, days, &timestamp(refresh.now))?;
            flags::refresh_open(conn, &refresh, person)?;
            Ok(raised)
        })
        .await?;
    crate::metrics::flags_raised(Kind::ReviewDue, raised as u64);
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let status = match q.status.as_deref().unwrap_or("open") {
        "open" => StatusFilter::Only(Status::Open),
        "dismissed" => StatusFilter::Only(Status::Dismissed),
        "resolved" => StatusFilter::Only(Status::Resolved),
        "all" => StatusFilter::All,
        _ => {
            return Err(AppError::invalid(
                "status",
                "must be open, dismissed, resolved or all",
            ))
        }
    };
    let person_id = person_id(q.person_id)?;
    let limit = limit(q.limit, 100)?;
    bring_up_to_date(&state, person_id).await?;
    let flags = state
        .store
        .read(move |conn| flags::list(conn, status, person_id, limit))
        .await?;
    Ok(Json(json!({ "flags": flags })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DismissBody {
    reason: Option<String>,
}

async fn dismiss(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<FlagId>,
    ApiJson(body): ApiJson<DismissBody>,
) -> Result<Json<flags::FlagRow>, AppError> {
    let reason = body.reason.unwrap_or_default();
    let flag = settle(
        &state,
        id,
        who.name,
        Status::Dismissed,
        ("reason", &reason),
        None,
    )
    .await?;
    Ok(Json(flag))
}

/// `resolution` is the name the first API gave the reason; either may be
/// given, not both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    reason: Option<String>,
    resolution: Option<String>,
    measure_id: Option<i64>,
}

async fn resolve(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<FlagId>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<Json<flags::FlagRow>, AppError> {
    let (field, given) = match (body.reason, body.resolution) {
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "resolution",
                "give reason or resolution (its older name), not both",
            ))
        }
        (None, Some(resolution)) => ("resolution", resolution),
        (reason, None) => ("reason", reason.unwrap_or_default()),
    };
    let measure = body.measure_id.map(MeasureId::from_raw);
    let flag = settle(
        &state,
        id,
        who.name,
        Status::Resolved,
        (field, &given),
        measure,
    )
    .await?;
    Ok(Json(flag))
}

/// Dismisses or resolves a flag under `by`'s name (audited): what the API
/// and the review queue page both do. `reason` is the field it was given
/// in and its text, which must be prose (a bad one is a 422 naming that
/// field, and nothing changes).
pub(crate) async fn settle(
    state: &AppState,
    id: FlagId,
    by: String,
    status: Status,
    (field, reason): (&str, &str),
    measure_id: Option<MeasureId>,
) -> Result<flags::FlagRow, AppError> {
    let reason = text::prose_required(field, reason, 1000)?;
    let refresh = refresh(state);
    let now = timestamp(refresh.now);
    let flag = state
        .store
        .write(move |conn| {
            // Its evidence up to now first, so a dismissal covers every
            // contact that had arrived.
            flags::refresh_flag(conn, id, &refresh)?;
            let settlement = Settlement {
                status,
                by: &by,
                reason: &reason,
                measure_id,
            };
            flags::settle(conn, id, &settlement, &now)
        })
        .await?;
    Ok(flag)
}
