//! Enquiries: open one for a person, close or reassign it. Supervisors and
//! admins only; every change audited. An enquiry's advisor is one in the
//! directory and not retired, stored in the directory's spelling.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::extract::ApiJson;
use super::extract::IdPath;
use super::text::{self, present};
use crate::domain::{Enquiry, EnquiryStatus};
use crate::domain::{EnquiryId, PersonId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{enquiries, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/people/{id}/enquiries", post(create))
        .route("/v1/enquiries/{id}", get(show).patch(update))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewEnquiry {
    reference: Option<String>,
    topic: String,
    advisor: Option<String>,
}

/// A new enquiry's text fields checked as the API and the pages take
/// them: `(reference, topic, advisor)`, trimmed, blank read as absent.
pub(crate) fn checked_fields(
    reference: Option<&str>,
    topic: &str,
    advisor: Option<&str>,
) -> Result<(Option<String>, String, Option<String>), AppError> {
    Ok((
        text::optional("reference", reference, 64)?,
        text::required("topic", topic, 200)?,
        text::optional("advisor", advisor, 100)?,
    ))
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(person_id): IdPath<PersonId>,
    ApiJson(body): ApiJson<NewEnquiry>,
) -> Result<(StatusCode, Json<Enquiry>), AppError> {
    let (reference, topic, advisor) = checked_fields(
        body.reference.as_deref(),
        &body.topic,
        body.advisor.as_deref(),
    )?;
    let now = timestamp(state.now());
    let enquiry = state
        .store
        .write(move |conn| {
            let new = enquiries::NewEnquiry {
                reference: reference.as_deref(),
                topic: &topic,
                advisor: advisor.as_deref(),
            };
            enquiries::open(conn, &who.name, person_id, &new, &now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(enquiry)))
}

async fn show(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    IdPath(id): IdPath<EnquiryId>,
) -> Result<Json<Enquiry>, AppError> {
    Ok(Json(
        state
            .store
            .read(move |conn| enquiries::get_enquiry(conn, id))
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnquiryPatch {
    status: Option<EnquiryStatus>,
    #[serde(default, deserialize_with = "present")]
    advisor: Option<Option<String>>,
}

async fn update(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<EnquiryId>,
    ApiJson(patch): ApiJson<EnquiryPatch>,
) -> Result<Json<Enquiry>, AppError> {
    let advisor = match patch.advisor {
        Some(a) => Some(text::optional("advisor", a.as_deref(), 100)?),
        None => None,
    };
    let change = enquiries::Change {
        status: patch.status,
        advisor,
    };
    let now = timestamp(state.now());
    let enquiry = state
        .store
        .write(move |conn| enquiries::change(conn, &who.name, id, change, &now))
        .await?;
    Ok(Json(enquiry))
}
