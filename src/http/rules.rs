//! Number rules: block nuisance numbers and ranges, allow partner agencies.
//! Supervisors and admins only; every change audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::ApiJson;
use super::extract::IdPath;
use super::text;
use crate::domain::{MatchKind, Moment, NumberPattern, NumberRule, RuleAction};
use crate::domain::{NumberRuleId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{audit, rules, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/number-rules", post(create).get(list))
        .route("/v1/number-rules/{id}", delete(remove).get(show))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRule {
    number: String,
    #[serde(rename = "match")]
    match_kind: MatchKind,
    action: RuleAction,
    reason: String,
    expires_at: Option<Moment>,
    /// A prefix shorter than the country code and four digits (a whole
    /// country, every mobile) is refused unless this says it is meant; the
    /// reason then says why.
    #[serde(default)]
    broad: bool,
}

fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    id: NumberRuleId,
    before: Option<Value>,
    after: Option<Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "number_rule",
        entity_id: Some(id.get()),
        person_id: None,
        before,
        after,
    }
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    ApiJson(body): ApiJson<NewRule>,
) -> Result<(StatusCode, Json<NumberRule>), AppError> {
    let number = match (body.broad, body.match_kind) {
        (false, kind) => NumberPattern::parse(&body.number, kind, state.region),
        (true, MatchKind::Prefix) => NumberPattern::parse_broad(&body.number, state.region),
        (true, MatchKind::Exact) => {
            return Err(AppError::invalid("broad", "applies only to prefix rules"))
        }
    }
    .map_err(|m| AppError::invalid("number", m))?;
    let now_at = state.now();
    let expires_at = body.expires_at.map(Moment::get);
    if expires_at.is_some_and(|at| at <= now_at) {
        return Err(AppError::invalid("expires_at", "must be in the future"));
    }
    let mut rule = NumberRule {
        // Given by the database when the rule is inserted.
        id: NumberRuleId::from_raw(0),
        number,
        match_kind: body.match_kind,
        action: body.action,
        reason: text::prose_required("reason", &body.reason, 2000)?,
        expires_at,
    };
    let now = timestamp(now_at);
    let rule = state
        .store
        .write(move |conn| {
            rule.id = rules::insert_rule(conn, &rule, &who.name, &now)?;
            audit::record(
                conn,
                entry(
                    &who.name,
                    "number_rule.create",
                    rule.id,
                    None,
                    serde_json::to_value(&rule).ok(),
                ),
                &now,
            )?;
            Ok(rule)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
) -> Result<Json<Value>, AppError> {
    let rules = state.store.read(rules::list_rules).await?;
    Ok(Json(json!({ "number_rules": rules })))
}

async fn show(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    IdPath(id): IdPath<NumberRuleId>,
) -> Result<Json<NumberRule>, AppError> {
    Ok(Json(
        state
            .store
            .read(move |conn| rules::get_rule(conn, id))
            .await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<NumberRuleId>,
) -> Result<StatusCode, AppError> {
    let now = timestamp(state.now());
    state
        .store
        .write(move |conn| {
            let before = rules::get_rule(conn, id)?;
            rules::delete_rule(conn, id)?;
            audit::record(
                conn,
                entry(
                    &who.name,
                    "number_rule.delete",
                    id,
                    serde_json::to_value(&before).ok(),
                    None,
                ),
                &now,
            )
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
