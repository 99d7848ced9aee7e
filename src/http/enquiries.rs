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
use crate::domain::{Enquiry, EnquiryStatus, RecordId};
use crate::domain::{EnquiryId, PersonId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::{advisors, audit, enquiries, people, timestamp};

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

fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    e: &Enquiry,
    before: Option<&Enquiry>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "enquiry",
        entity_id: Some(e.id.get()),
        person_id: Some(e.person_id),
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: serde_json::to_value(e).ok(),
    }
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(person_id): IdPath<PersonId>,
    ApiJson(body): ApiJson<NewEnquiry>,
) -> Result<(StatusCode, Json<Enquiry>), AppError> {
    let reference = text::optional("reference", body.reference.as_deref(), 64)?;
    let topic = text::required("topic", &body.topic, 200)?;
    let advisor = text::optional("advisor", body.advisor.as_deref(), 100)?;
    let now = timestamp(state.now());
    let enquiry = state
        .store
        .write(move |conn| {
            people::get_person(conn, person_id)?;
            let advisor = advisor
                .map(|given| advisors::assignable(conn, "advisor", &given))
                .transpose()?;
            let id = enquiries::insert_enquiry(
                conn,
                person_id,
                reference.as_deref(),
                &topic,
                advisor.as_deref(),
                &now,
            )?;
            let enquiry = enquiries::get_enquiry(conn, id)?;
            audit::record(
                conn,
                entry(&who.name, "enquiry.create", &enquiry, None),
                &now,
            )?;
            Ok(enquiry)
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
    let now = timestamp(state.now());
    let enquiry = state
        .store
        .write(move |conn| {
            let before = enquiries::get_enquiry(conn, id)?;
            let mut after = before.clone();
            after.status = patch.status.unwrap_or(before.status);
            if let Some(advisor) = advisor {
                after.advisor = advisor
                    .map(|given| advisors::assignable(conn, "advisor", &given))
                    .transpose()?;
            }
            enquiries::update_enquiry(conn, &after, &now)?;
            audit::record(
                conn,
                entry(&who.name, "enquiry.update", &after, Some(&before)),
                &now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(Json(enquiry))
}
