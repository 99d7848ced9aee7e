//! Data protection for one person: the subject access export and erasure
//! (admins only), and the audit entry every read of a person's data leaves.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::ApiJson;
use super::extract::IdPath;
use super::text;
use crate::domain::{PersonId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Administration, Auth, Principal};
use crate::state::AppState;
use crate::store::{audit, erasure, subject_access, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/people/{id}/export", get(export))
        .route("/v1/people/{id}/erase", post(erase))
}

/// Records that `who` read a person's data (`action`, e.g. `person.view`),
/// with no copy of what was read. Called once the read has succeeded; if
/// the entry cannot be written the read is refused, so no read goes
/// unrecorded.
pub(super) async fn record_read(
    state: &AppState,
    who: &Principal,
    action: &'static str,
    person_id: PersonId,
) -> Result<(), AppError> {
    let actor = who.name.clone();
    let now = timestamp(state.now());
    let write = move |conn: &rusqlite::Connection| {
        let entry = audit::Entry {
            actor: &actor,
            action,
            entity: "person",
            entity_id: Some(person_id.get()),
            person_id: Some(person_id),
            before: None,
            after: None,
        };
        audit::record(conn, entry, &now)
    };
    Ok(state.store.write(write).await?)
}

/// Everything held about the person, as one JSON document.
async fn export(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Administration>,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Value>, AppError> {
    let mut document = state
        .store
        .read(move |conn| subject_access::export(conn, id))
        .await?;
    document["exported_at"] = json!(timestamp(state.now()));
    record_read(&state, &who, "person.export", id).await?;
    Ok(Json(document))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Erasure {
    reason: String,
}

/// Erases the person in one transaction on the writer; the slow search
/// for contacts from their numbers runs first, on a reader.
async fn erase(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Administration>,
    IdPath(id): IdPath<PersonId>,
    ApiJson(body): ApiJson<Erasure>,
) -> Result<Json<Value>, AppError> {
    let reason = text::prose_required("reason", &body.reason, 500)?;
    let plan = state
        .store
        .read(move |conn| erasure::plan(conn, id))
        .await?;
    let now = timestamp(state.now());
    let erased = state
        .store
        .write(move |conn| erasure::erase(conn, &plan, &who.name, &reason, &now))
        .await?;
    Ok(Json(json!({"person_id": id, "erased": erased})))
}
