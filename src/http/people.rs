//! People and their identities: create, read, correct, find by number,
//! email or name. Supervisors and admins only; every change audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::text::{self, present};
use crate::decision::calendar;
use crate::domain::{Email, PhoneNumber, RecordId, Region};
use crate::domain::{IdentityId, PersonId};
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::state::AppState;
use crate::store::people::{self, Identity};
use crate::store::{audit, enquiries, measures, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/people", post(create).get(find))
        .route("/v1/people/{id}", get(show).patch(update))
        .route("/v1/people/{id}/identities", post(add_identity))
        .route("/v1/identities/{id}", delete(remove_identity))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPerson {
    name: String,
    reference: Option<String>,
    #[serde(default)]
    phones: Vec<String>,
    #[serde(default)]
    emails: Vec<String>,
}

fn parse_phone(field: String, value: &str, region: Region) -> Result<Identity, AppError> {
    PhoneNumber::parse(value, region)
        .map(Identity::Phone)
        .map_err(|e| AppError::invalid(field, e.to_string()))
}

fn parse_email(field: String, value: &str) -> Result<Identity, AppError> {
    Email::parse(value)
        .map(Identity::Email)
        .map_err(|m| AppError::invalid(field, m))
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    ApiJson(body): ApiJson<NewPerson>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let name = text::required("name", &body.name, 200)?;
    let reference = text::optional("reference", body.reference.as_deref(), 100)?;
    let mut identities = Vec::new();
    for (i, phone) in body.phones.iter().enumerate() {
        identities.push(parse_phone(format!("phones[{i}]"), phone, state.region)?);
    }
    for (i, email) in body.emails.iter().enumerate() {
        identities.push(parse_email(format!("emails[{i}]"), email)?);
    }
    let now = timestamp(state.now());
    let id = state
        .store
        .write(move |conn| {
            let id = people::insert_person(conn, &name, reference.as_deref(), &now)?;
            for identity in &identities {
                people::insert_identity(conn, id, identity, &now)?;
            }
            let after = person_json(conn, id, None)?;
            audit::record(
                conn,
                entry(
                    &who.name,
                    "person.create",
                    ("person", id.get()),
                    id,
                    None,
                    Some(after),
                ),
                &now,
            )?;
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(show_person(&state, id).await?)))
}

/// An audit entry about a person's own record or one of their identities.
fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    (entity, entity_id): (&'a str, i64),
    person_id: PersonId,
    before: Option<Value>,
    after: Option<Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity,
        entity_id: Some(entity_id),
        person_id: Some(person_id),
        before,
        after,
    }
}

/// A person with identities, enquiries and measures (each measure with
/// whether it applies today, when `today` is given).
pub(super) fn person_json(
    conn: &rusqlite::Connection,
    id: PersonId,
    today: Option<(chrono::NaiveDate, u32)>,
) -> Result<Value, crate::store::StoreError> {
    let person = people::get_person(conn, id)?;
    let identities = people::identities_of(conn, id)?;
    let enquiries = enquiries::enquiries_of(conn, id)?;
    let measures: Vec<Value> = measures::measures_of(conn, id)?
        .into_iter()
        .map(|m| super::measures::measure_json(&m, today))
        .collect();
    Ok(json!({
        "id": person.id,
        "name": person.name,
        "reference": person.reference,
        "identities": identities.iter().map(|i| json!({"id": i.id, "kind": i.kind, "value": i.value})).collect::<Vec<_>>(),
        "enquiries": enquiries,
        "measures": measures,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }))
}

async fn show_person(state: &AppState, id: PersonId) -> Result<Value, AppError> {
    let today = (
        calendar::local_date(state.now(), state.policy.timezone),
        state.policy.review_grace_days,
    );
    Ok(state
        .store
        .read(move |conn| person_json(conn, id, Some(today)))
        .await?)
}

async fn show(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<PersonId>,
) -> Result<Json<Value>, AppError> {
    let page = show_person(&state, id).await?;
    super::privacy::record_read(&state, &who, "person.view", id).await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonPatch {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    reference: Option<Option<String>>,
}

async fn update(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<PersonId>,
    ApiJson(patch): ApiJson<PersonPatch>,
) -> Result<Json<Value>, AppError> {
    let name = patch
        .name
        .as_deref()
        .map(|n| text::required("name", n, 200))
        .transpose()?;
    let reference = match patch.reference {
        Some(r) => Some(text::optional("reference", r.as_deref(), 100)?),
        None => None,
    };
    let now = timestamp(state.now());
    state
        .store
        .write(move |conn| {
            let before = people::get_person(conn, id)?;
            let name = name.unwrap_or_else(|| before.name.clone());
            let reference = reference.unwrap_or_else(|| before.reference.clone());
            people::update_person(conn, id, &name, reference.as_deref(), &now)?;
            let after = people::get_person(conn, id)?;
            let (before, after) = (serde_json::to_value(before)?, serde_json::to_value(after)?);
            audit::record(
                conn,
                entry(
                    &who.name,
                    "person.update",
                    ("person", id.get()),
                    id,
                    Some(before),
                    Some(after),
                ),
                &now,
            )
        })
        .await?;
    Ok(Json(show_person(&state, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewIdentity {
    phone: Option<String>,
    email: Option<String>,
}

async fn add_identity(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(person_id): IdPath<PersonId>,
    ApiJson(body): ApiJson<NewIdentity>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let identity = match (body.phone, body.email) {
        (Some(phone), None) => parse_phone("phone".into(), &phone, state.region)?,
        (None, Some(email)) => parse_email("email".into(), &email)?,
        _ => {
            return Err(AppError::invalid(
                "phone",
                "give exactly one of phone or email",
            ))
        }
    };
    let now = timestamp(state.now());
    let row = state
        .store
        .write(move |conn| {
            people::get_person(conn, person_id)?;
            let row = people::insert_identity(conn, person_id, &identity, &now)?;
            let after = serde_json::to_value(&row)?;
            let e = entry(
                &who.name,
                "identity.create",
                ("identity", row.id.get()),
                person_id,
                None,
                Some(after),
            );
            audit::record(conn, e, &now)?;
            Ok(row)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"id": row.id, "person_id": row.person_id, "kind": row.kind, "value": row.value}),
        ),
    ))
}

async fn remove_identity(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<IdentityId>,
) -> Result<StatusCode, AppError> {
    let now = timestamp(state.now());
    state
        .store
        .write(move |conn| {
            let before = people::get_identity(conn, id)?;
            people::delete_identity(conn, id)?;
            let e = entry(
                &who.name,
                "identity.delete",
                ("identity", id.get()),
                before.person_id,
                Some(serde_json::to_value(&before)?),
                None,
            );
            audit::record(conn, e, &now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Search {
    phone: Option<String>,
    email: Option<String>,
    q: Option<String>,
}

async fn find(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    ApiQuery(search): ApiQuery<Search>,
) -> Result<Json<Value>, AppError> {
    let identity = match (&search.phone, &search.email, &search.q) {
        (Some(phone), None, None) => Some(parse_phone("phone".into(), phone, state.region)?),
        (None, Some(email), None) => Some(parse_email("email".into(), email)?),
        (None, None, Some(_)) => None,
        _ => {
            return Err(AppError::invalid(
                "q",
                "give exactly one of phone, email or q",
            ))
        }
    };
    let q = match identity {
        Some(_) => String::new(),
        None => text::filter("q", search.q, 200)?
            .ok_or_else(|| AppError::invalid("q", "must not be empty"))?,
    };
    let found = state
        .store
        .read(move |conn| match identity {
            Some(identity) => match people::person_with(conn, &identity)? {
                Some(id) => Ok(vec![people::get_person(conn, id)?]),
                None => Ok(Vec::new()),
            },
            None => people::search_people(conn, &q, 100),
        })
        .await?;
    Ok(Json(json!({ "people": found })))
}
