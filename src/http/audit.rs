//! `GET /v1/audit`: the append-only log of every change, for admins. The
//! filter checks and the read are shared with the audit page (`/ui/audit`).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::DateTime;
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::ApiQuery;
use super::text;
use crate::error::AppError;
use crate::http::auth::{Administration, Auth};
use crate::state::AppState;
use crate::store::history::{bound, Edge};
use crate::store::{audit, timestamp};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/audit", get(list))
}

/// The log's filters as asked for, by the API's query or the audit
/// page's form; checked by `filter_of`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Asked {
    pub person_id: Option<i64>,
    pub actor: Option<String>,
    /// One action, e.g. `measure.create`.
    pub action: Option<String>,
    /// The kind of record (`store::audit::ENTITIES`), and one of them.
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// A date (its whole day in the service's timezone) or a moment.
    pub from: Option<String>,
    pub to: Option<String>,
    pub before_id: Option<i64>,
    pub limit: Option<u32>,
}

/// The log's filters, checked as the API and the page both check them:
/// `limit` from 1 to 1000 (100 when absent), text filters plain text,
/// `entity` a known kind (and needed for `entity_id`), `to` not before
/// `from`.
pub fn filter_of(asked: Asked, tz: Tz) -> Result<audit::Filter, AppError> {
    let limit = asked.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let entity = text::filter("entity", asked.entity, 40)?;
    if let Some(entity) = &entity {
        if !audit::ENTITIES.contains(&entity.as_str()) {
            return Err(AppError::invalid(
                "entity",
                format!("must be one of {}", audit::ENTITIES.join(", ")),
            ));
        }
    }
    if asked.entity_id.is_some() && entity.is_none() {
        return Err(AppError::invalid(
            "entity_id",
            "needs entity, the kind of record it is the id of",
        ));
    }
    let moment = |field: &'static str, text: Option<String>, edge: Edge| {
        text.map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(|t| bound(&t, tz, edge).map_err(|m| AppError::invalid(field, m)))
            .transpose()
    };
    let from = moment("from", asked.from, Edge::Start)?;
    let before = moment("to", asked.to, Edge::End)?;
    if let (Some(from), Some(before)) = (from, before) {
        if before <= from {
            return Err(AppError::invalid("to", "must not be before from"));
        }
    }
    let stored = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .map(timestamp)
            .ok_or_else(|| AppError::invalid("from", "is out of range"))
    };
    Ok(audit::Filter {
        person_id: asked.person_id,
        actor: text::filter("actor", asked.actor, 200)?,
        action: text::filter("action", asked.action, 100)?,
        entity,
        entity_id: asked.entity_id,
        from: from.map(stored).transpose()?,
        before: before.map(stored).transpose()?,
        before_id: asked.before_id,
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
    ApiQuery(asked): ApiQuery<Asked>,
) -> Result<Json<Value>, AppError> {
    let filter = filter_of(asked, state.policy.timezone)?;
    let entries = entries(&state, filter).await?;
    Ok(Json(json!({ "entries": entries })))
}
