//! Appeals and complaints about how the policy was applied: recorded by any
//! member of staff who receives one, decided by a supervisor who was not
//! involved in the measure. Both audited; both on the person's timeline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::measures::today;
use super::text;
use crate::domain::{independent_of, AppealId, AppealOutcome, Channel, Date, MeasureId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Auth, Principal, Staff, Supervision};
use crate::state::AppState;
use crate::store::appeals::{self, AppealRow, Decision, NewAppeal};
use crate::store::{audit, measures, timestamp, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/measures/{id}/appeals", post(record).get(of_measure))
        .route("/v1/appeals", get(list))
        .route("/v1/appeals/{id}", get(show))
        .route("/v1/appeals/{id}/decision", post(decide))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewBody {
    received_on: Date,
    grounds: String,
    channel: Channel,
}

fn appeal_entry<'a>(
    actor: &'a str,
    action: &'a str,
    appeal: &AppealRow,
    before: Option<Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "appeal",
        entity_id: Some(appeal.id.get()),
        person_id: Some(appeal.person_id),
        before,
        after: serde_json::to_value(appeal).ok(),
    }
}

async fn record(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Staff>,
    IdPath(measure_id): IdPath<MeasureId>,
    ApiJson(body): ApiJson<NewBody>,
) -> Result<(StatusCode, Json<AppealRow>), AppError> {
    let appeal = record_appeal(&state, &who, measure_id, body).await?;
    Ok((StatusCode::CREATED, Json(appeal)))
}

/// Records an appeal about a measure as `who`, audited. The API and the
/// page both come here.
pub(crate) async fn record_appeal(
    state: &AppState,
    who: &Principal,
    measure_id: MeasureId,
    body: NewBody,
) -> Result<AppealRow, AppError> {
    let received_on = body.received_on.get();
    if received_on > today(state) {
        return Err(AppError::invalid(
            "received_on",
            "cannot be later than today",
        ));
    }
    let grounds = text::prose_required("grounds", &body.grounds, 4000)?;
    let channel = body.channel;
    let now = timestamp(state.now());
    let by = who.name.clone();
    let appeal = state
        .store
        .write(move |conn| {
            let measure = measures::get_measure(conn, measure_id)?;
            let new = NewAppeal {
                measure_id,
                person_id: measure.person_id,
                received_on,
                grounds: &grounds,
                channel,
                recorded_by: &by,
            };
            let id = appeals::insert(conn, &new, &now)?;
            let appeal = appeals::get(conn, id)?;
            audit::record(
                conn,
                appeal_entry(&by, "appeal.create", &appeal, None),
                &now,
            )?;
            Ok(appeal)
        })
        .await?;
    Ok(appeal)
}

async fn of_measure(
    State(state): State<AppState>,
    _: Auth<Staff>,
    IdPath(measure_id): IdPath<MeasureId>,
) -> Result<Json<Value>, AppError> {
    let found = state
        .store
        .read(move |conn| {
            measures::get_measure(conn, measure_id)?;
            appeals::of_measure(conn, measure_id)
        })
        .await?;
    Ok(Json(json!({ "appeals": found })))
}

async fn show(
    State(state): State<AppState>,
    _: Auth<Staff>,
    IdPath(id): IdPath<AppealId>,
) -> Result<Json<AppealRow>, AppError> {
    Ok(Json(
        state.store.read(move |conn| appeals::get(conn, id)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
}

/// Appeals waiting for a decision, oldest first (the only list a
/// supervisor needs; decided ones are on each measure and timeline).
async fn list(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, AppError> {
    match q.status.as_deref() {
        None | Some("waiting") => {}
        Some(_) => return Err(AppError::invalid("status", "must be waiting")),
    }
    let waiting = state
        .store
        .read(|conn| appeals::waiting(conn, None))
        .await?;
    Ok(Json(json!({ "appeals": waiting })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    outcome: AppealOutcome,
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<AppealId>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<Value>, AppError> {
    let decided = decide_appeal(&state, &who, id, body).await?;
    Ok(Json(json!(decided)))
}

/// Decides an appeal as `who`: refused (`not_independent`) when `who`
/// recorded or last changed the measure, checked in the writer's
/// transaction; `ended` ends the measure, `changed` points at its change;
/// audited. The API and the page both come here.
pub(crate) async fn decide_appeal(
    state: &AppState,
    who: &Principal,
    id: AppealId,
    body: DecisionBody,
) -> Result<AppealRow, AppError> {
    let reason = text::prose_required("reason", &body.reason, 4000)?;
    let outcome = body.outcome;
    let now = timestamp(state.now());
    let who = who.clone();
    let decided = state
        .store
        .write(move |conn| {
            let before = appeals::get(conn, id)?;
            if before.decision.is_some() {
                return Err(StoreError::Conflict {
                    field: "id",
                    message: "the appeal has already been decided".into(),
                });
            }
            // Checked in the writer's transaction, so a change made
            // between reading and deciding cannot slip past it.
            let involved = appeals::involved_in(conn, before.measure_id)?;
            if !independent_of(&who.name, involved.iter().map(String::as_str)) {
                return Ok(Err(AppError::NotIndependent(
                    "an appeal is decided by someone not involved in the measure: this key \
                     recorded it or last changed it"
                        .into(),
                )));
            }
            let change_audit_id = match outcome {
                AppealOutcome::Changed => {
                    match appeals::change_since(conn, before.measure_id, &before.recorded_at)? {
                        Some(entry) => Some(entry),
                        None => {
                            return Ok(Err(AppError::invalid(
                                "outcome",
                                "changed: change the measure first (PATCH /v1/measures/{id}), \
                                 then record the decision, which points at that change",
                            )))
                        }
                    }
                }
                _ => None,
            };
            let decision = Decision {
                outcome,
                reason: reason.clone(),
                decided_by: who.name.clone(),
                decided_at: now.clone(),
                change_audit_id,
            };
            appeals::decide(conn, id, &decision)?;
            if outcome == AppealOutcome::Ended {
                end_measure_for(conn, &who.name, before.measure_id, id, &reason, &now)?;
            }
            let after = appeals::get(conn, id)?;
            let entry = appeal_entry(
                &who.name,
                "appeal.decide",
                &after,
                serde_json::to_value(&before).ok(),
            );
            audit::record(conn, entry, &now)?;
            Ok(Ok(after))
        })
        .await??;
    Ok(decided)
}

/// Ends the measure an `ended` decision is about, unless it has already
/// ended, as `POST /v1/measures/{id}/end` would (audited, its reviews due
/// settled), the ending naming the appeal.
fn end_measure_for(
    conn: &rusqlite::Connection,
    actor: &str,
    measure_id: MeasureId,
    appeal: AppealId,
    reason: &str,
    now: &str,
) -> crate::store::Result<()> {
    if measures::get_measure(conn, measure_id)?.ended.is_some() {
        return Ok(());
    }
    let why = format!("ended on appeal {appeal}: {reason}");
    measures::end(conn, measure_id, actor, &why, now).map(drop)
}
