//! Number rules: block nuisance numbers and ranges, allow partner agencies.
//! Supervisors and admins only; every change audited.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::{csv, rules_csv, text};
use crate::domain::{ContactId, NumberRuleId, RecordId};
use crate::domain::{MatchKind, Moment, NumberPattern, NumberRule, RuleAction};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{audit, contacts, rules, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/number-rules", post(create).get(list))
        .route("/v1/number-rules/import", post(rules_csv::import))
        .route("/v1/number-rules/{id}", delete(remove).get(show))
        .route("/v1/contacts/{id}/number-rule", post(from_contact))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRule {
    pub number: String,
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    pub action: RuleAction,
    pub reason: String,
    pub expires_at: Option<Moment>,
    /// A prefix shorter than the country code and four digits (a whole
    /// country, every mobile) is refused unless this says it is meant; the
    /// reason then says why.
    #[serde(default)]
    pub broad: bool,
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
    let rule = asked_for(&state, &body)?;
    Ok((
        StatusCode::CREATED,
        Json(insert_audited(&state, who.name, rule, None).await?),
    ))
}

/// What `POST /v1/number-rules` and the rules page's form both check: the
/// number in `match_kind`'s form (a broad prefix only when said), the
/// expiry ahead, the reason prose.
pub(crate) fn asked_for(state: &AppState, body: &NewRule) -> Result<NumberRule, AppError> {
    let number = match (body.broad, body.match_kind) {
        (false, kind) => NumberPattern::parse(&body.number, kind, state.region),
        (true, MatchKind::Prefix) => NumberPattern::parse_broad(&body.number, state.region),
        (true, MatchKind::Exact) => {
            return Err(AppError::invalid("broad", "applies only to prefix rules"))
        }
    }
    .map_err(|m| AppError::invalid("number", m))?;
    check_expiry(body.expires_at, state.now())?;
    new_rule(
        number,
        body.match_kind,
        body.action,
        &body.reason,
        body.expires_at,
    )
}

/// A rule as a supervisor asked for it, checked: the reason is prose and
/// present. Whether an expiry is still ahead is [`check_expiry`]'s.
pub(super) fn new_rule(
    number: NumberPattern,
    match_kind: MatchKind,
    action: RuleAction,
    reason: &str,
    expires_at: Option<Moment>,
) -> Result<NumberRule, AppError> {
    Ok(NumberRule {
        // Given by the database when the rule is inserted.
        id: NumberRuleId::from_raw(0),
        number,
        match_kind,
        action,
        reason: text::prose_required("reason", reason, 2000)?,
        expires_at: expires_at.map(Moment::get),
    })
}

/// A new or changed rule's expiry, if it has one, is after `now`: a rule
/// that has already run out would do nothing.
pub(super) fn check_expiry(
    expires_at: Option<Moment>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    if expires_at.is_some_and(|at| at.get() <= now) {
        return Err(AppError::invalid("expires_at", "must be in the future"));
    }
    Ok(())
}

/// Inserts `rule` (setting its id) and its `number_rule.create` audit
/// entry; `note` is a field added to the entry's copy of the rule (the
/// history row or the import line it came from).
pub(super) fn insert_with_audit(
    conn: &rusqlite::Connection,
    actor: &str,
    rule: &mut NumberRule,
    note: Option<(&str, Value)>,
    now: &str,
) -> crate::store::Result<()> {
    rule.id = rules::insert_rule(conn, rule, actor, now)?;
    let mut after = serde_json::to_value(&*rule)?;
    if let Some((key, value)) = note {
        after[key] = value;
    }
    audit::record(
        conn,
        entry(actor, "number_rule.create", rule.id, None, Some(after)),
        now,
    )
}

/// Replaces a rule's terms with `rule`'s and audits `number_rule.update`
/// with the rule before and after; `note` as for [`insert_with_audit`].
pub(super) fn update_with_audit(
    conn: &rusqlite::Connection,
    actor: &str,
    before: &NumberRule,
    rule: &NumberRule,
    note: Option<(&str, Value)>,
    now: &str,
) -> crate::store::Result<()> {
    rules::update_rule(conn, rule)?;
    let mut after = serde_json::to_value(rule)?;
    if let Some((key, value)) = note {
        after[key] = value;
    }
    let before = serde_json::to_value(before)?;
    audit::record(
        conn,
        entry(
            actor,
            "number_rule.update",
            rule.id,
            Some(before),
            Some(after),
        ),
        now,
    )
}

/// Inserts `rule` and its audit entry in one transaction; `contact` is
/// the history row it was made from, if any, named in the entry.
pub(crate) async fn insert_audited(
    state: &AppState,
    actor: String,
    mut rule: NumberRule,
    contact: Option<ContactId>,
) -> Result<NumberRule, AppError> {
    let now = timestamp(state.now());
    Ok(state
        .store
        .write(move |conn| {
            let note = contact.map(|contact| ("from_contact_id", json!(contact)));
            insert_with_audit(conn, &actor, &mut rule, note, &now)?;
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
    let rule = for_contact(&state, contact, body.action, &body.reason, body.expires_at).await?;
    Ok((
        StatusCode::CREATED,
        Json(insert_audited(&state, who.name, rule, Some(contact)).await?),
    ))
}

/// An exact rule for the number `contact` came from, checked as a new
/// rule is (insert it with [`insert_audited`], naming the contact): what
/// the API and the call history page's "Block this number" both make.
pub(crate) async fn for_contact(
    state: &AppState,
    contact: ContactId,
    action: RuleAction,
    reason: &str,
    expires_at: Option<Moment>,
) -> Result<NumberRule, AppError> {
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
    check_expiry(expires_at, state.now())?;
    new_rule(number, MatchKind::Exact, action, reason, expires_at)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    format: Option<String>,
}

/// Every rule, as JSON or (`Accept: text/csv`, `?format=csv`) as the CSV
/// that `POST /v1/number-rules/import` reads back.
async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let as_csv = csv::wants_csv(&headers, q.format.as_deref())?;
    let rules = state.store.read(rules::list_rules).await?;
    if as_csv {
        return rules_csv::export(&rules);
    }
    Ok(Json(json!({ "number_rules": rules })).into_response())
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
    remove_audited(&state, who.name, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a rule and audits `number_rule.delete` with its copy, under
/// `actor`'s name (the API and the rules page).
pub(crate) async fn remove_audited(
    state: &AppState,
    actor: String,
    id: NumberRuleId,
) -> Result<(), AppError> {
    let now = timestamp(state.now());
    state
        .store
        .write(move |conn| {
            let before = rules::get_rule(conn, id)?;
            rules::delete_rule(conn, id)?;
            audit::record(
                conn,
                entry(
                    &actor,
                    "number_rule.delete",
                    id,
                    serde_json::to_value(&before).ok(),
                    None,
                ),
                &now,
            )
        })
        .await?;
    Ok(())
}
