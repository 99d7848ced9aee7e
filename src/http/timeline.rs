//! A person's timeline for staff: contacts, measure events and flags in one
//! list, newest first, a page at a time. Reading it is recorded in the
//! audit log, like reading their contact history.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiQuery, IdPath};
use crate::domain::PersonId;
use crate::error::AppError;
use crate::http::auth::{Auth, Staff};
use crate::state::AppState;
use crate::store::timeline::{self, Cursor};
use crate::store::{flags, people};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/people/{id}/timeline", get(show))
}

/// Strings, parsed here, so a bad value is a 422 naming its field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Staff>,
    IdPath(person_id): IdPath<PersonId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Value>, AppError> {
    let limit = match q.limit {
        None => 100,
        Some(l) => l
            .parse()
            .ok()
            .filter(|l| (1..=500).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be between 1 and 500"))?,
    };
    let cursor = q
        .cursor
        .map(|c| {
            Cursor::decode(&c).ok_or_else(|| {
                AppError::invalid("cursor", "is not a cursor this timeline gave out")
            })
        })
        .transpose()?;
    // Its flags' detail as the queue shows it: contacts since their
    // newest evidence are added on reading, not on the call.
    let refresh = super::flags::refresh(&state);
    state
        .store
        .write(move |conn| flags::refresh_open(conn, &refresh, Some(person_id)))
        .await?;
    let page = state
        .store
        .read(move |conn| {
            people::get_person(conn, person_id)?;
            timeline::page(conn, person_id, cursor, limit)
        })
        .await?;
    super::privacy::record_read(&state, &who, "person.timeline.view", person_id).await?;
    let mut body = json!({ "person_id": person_id, "items": page.items });
    if let Some(next) = page.next {
        body["next_cursor"] = json!(next.encode());
    }
    Ok(Json(body))
}
