//! The advisors directory: who takes calls where. Advisors and up may read
//! it; supervisors and admins add, change, retire and reinstate advisors,
//! every change audited (by the store's operations, which the pages share).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::text::present;
use crate::domain::{AdvisorId, AdvisorName, PbxName};
use crate::error::AppError;
use crate::http::auth::{Auth, Staff, Supervision};
use crate::state::AppState;
use crate::store::advisors::{self, AdvisorRow, Change};
use crate::store::timestamp;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/advisors", post(create).get(list))
        .route("/v1/advisors/{id}", get(show).patch(update))
        .route("/v1/advisors/{id}/retire", post(retire))
        .route("/v1/advisors/{id}/reinstate", post(reinstate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdvisor {
    name: String,
    /// Parsed here, so a name the PBX cannot use is refused naming `target`.
    target: Option<PbxName>,
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    ApiJson(body): ApiJson<NewAdvisor>,
) -> Result<(StatusCode, Json<AdvisorRow>), AppError> {
    let name = AdvisorName::parse("name", &body.name)?;
    let now = timestamp(state.now());
    let advisor = state
        .store
        .write(move |conn| advisors::create(conn, &who.name, &name, body.target.as_ref(), &now))
        .await?;
    Ok((StatusCode::CREATED, Json(advisor)))
}

/// A string, parsed here, so a bad value is a 422 naming its field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    include_retired: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Staff>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let include_retired = match q.include_retired.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(AppError::invalid(
                "include_retired",
                "must be true or false",
            ))
        }
    };
    let advisors = state
        .store
        .read(move |conn| advisors::list_advisors(conn, include_retired))
        .await?;
    Ok(Json(json!({ "advisors": advisors })))
}

async fn show(
    State(state): State<AppState>,
    _: Auth<Staff>,
    IdPath(id): IdPath<AdvisorId>,
) -> Result<Json<AdvisorRow>, AppError> {
    Ok(Json(
        state
            .store
            .read(move |conn| advisors::get_advisor(conn, id))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvisorPatch {
    name: Option<String>,
    /// Absent: unchanged; `null`: their calls go to the default target.
    #[serde(default, deserialize_with = "present")]
    target: Option<Option<PbxName>>,
}

async fn update(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<AdvisorId>,
    ApiJson(patch): ApiJson<AdvisorPatch>,
) -> Result<Json<AdvisorRow>, AppError> {
    let change = Change {
        name: patch
            .name
            .map(|name| AdvisorName::parse("name", &name))
            .transpose()?,
        target: patch.target,
    };
    let now = timestamp(state.now());
    let advisor = state
        .store
        .write(move |conn| advisors::change(conn, &who.name, id, change, &now))
        .await?;
    Ok(Json(advisor))
}

async fn retire(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<AdvisorId>,
) -> Result<Json<AdvisorRow>, AppError> {
    set_retired(state, who.name, id, true).await
}

async fn reinstate(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<AdvisorId>,
) -> Result<Json<AdvisorRow>, AppError> {
    set_retired(state, who.name, id, false).await
}

async fn set_retired(
    state: AppState,
    actor: String,
    id: AdvisorId,
    retired: bool,
) -> Result<Json<AdvisorRow>, AppError> {
    let now = timestamp(state.now());
    let advisor = state
        .store
        .write(move |conn| advisors::set_retired(conn, &actor, id, retired, &now))
        .await?;
    Ok(Json(advisor))
}
