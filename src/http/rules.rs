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
use crate::domain::{ContactId, NumberRuleId, RecordId};
use crate::domain::{MatchKind, Moment, NumberPattern, NumberRule, RuleAction};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{audit, contacts, rules, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/number-rules", post(create).get(list))
        .route("/v1/number-rules/{id}", delete(remove).get(show))
        .route("/v1/contacts/{id}/number-rule", post(from_contact))
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
    let rule = new_rule(
        &state,
        number,
        body.match_kind,
        body.action,
        &body.reason,
        body.expires_at,
    )?;
    Ok((
        StatusCode::CREATED,
        Json(insert_audited(&state, who.name, rule, None).await?),
    ))
}

/// A rule as a supervisor asked for it, checked: the reason is prose and
/// present, an expiry is in the future.
fn new_rule(
    state: &AppState,
    number: NumberPattern,
    match_kind: MatchKind,
    action: RuleAction,
    reason: &str,
    expires_at: Option<Moment>,
) -> Result<NumberRule, AppError> {
    let expires_at = expires_at.map(Moment::get);
    if expires_at.is_some_and(|at| at <= state.now()) {
        return Err(AppError::invalid("expires_at", "must be in the future"));
    }
    Ok(NumberRule {
        // Given by the database when the rule is inserted.
        id: NumberRuleId::from_raw(0),
        number,
        match_kind,
        action,
        reason: text::prose_required("reason", reason, 2000)?,
        expires_at,
    })
}

/// Inserts `rule` and its audit entry in one transaction; `contact` is
/// the history row it was made from, if any, named in the entry.
async fn insert_audited(
    state: &AppState,
    actor: String,
    mut rule: NumberRule,
    contact: Option<ContactId>,
) -> Result<NumberRule, AppError> {
    let now = timestamp(state.now());
    Ok(state
        .store
        .write(move |conn| {
            rule.id = rules::insert_rule(conn, &rule, &actor, &now)?;
            let mut after = serde_json::to_value(&rule)?;
            if let Some(contact) = contact {
                after["from_contact_id"] = json!(contact);
            }
            audit::record(
                conn,
                entry(&actor, "number_rule.create", rule.id, None, Some(after)),
                &now,
            )?;
            Ok(rule)
        })
        .await?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFromContact {
    action: RuleAction,
    reason: String,
    expires_at: Option<Moment>,
}

/// "Block the last caller": an exact rule for the number a contact in the
/// history came from.
async fn from_contact(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(contact): IdPath<ContactId>,
    ApiJson(body): ApiJson<RuleFromContact>,
) -> Result<(StatusCode, Json<NumberRule>), AppError> {
    let phone = state
        .store
        .read(move |conn| contacts::phone_of(conn, contact))
        .await?
        .ok_or_else(|| AppError::Refused {
            code: "no_number",
            field: "contact",
            message: "this contact has no phone number to make a rule for \
                      (withheld, another channel, or erased)"
                .into(),
        })?;
    let number = NumberPattern::parse(&phone, MatchKind::Exact, state.region)
        .map_err(|m| AppError::invalid("contact", m))?;
    let rule = new_rule(
        &state,
        number,
        MatchKind::Exact,
        body.action,
        &body.reason,
        body.expires_at,
    )?;
    Ok((
        StatusCode::CREATED,
        Json(insert_audited(&state, who.name, rule, Some(contact)).await?),
    ))
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
