//! Measures: agree, read, amend and end them. Supervisors and admins only;
//! every change audited; nothing deleted.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::extract::{parse_json, ApiJson, IdPath};
use super::text;
use crate::decision::calendar;
use crate::domain::{
    block_may_follow, ChannelScope, Date, KindFields, Measure, MeasureKind, MeasureTerms, OnBreach,
    PbxName, Period, RecordId, Window,
};
use crate::domain::{MeasureId, PersonId};
use crate::error::AppError;
use crate::http::auth::{Auth, Principal, Supervision};
use crate::state::AppState;
use crate::store::{advisors, audit, measures, people, reviews, timestamp, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/people/{id}/measures", post(create))
        .route("/v1/measures/{id}", get(show).patch(update))
        .route("/v1/measures/{id}/end", post(end))
}

/// A measure as the API reads and writes it: the kind, its own fields, and
/// the terms. Unknown fields are refused; so are fields of another kind.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeasureBody {
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_contacts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<ChannelScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<Vec<Window>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advisor: Option<String>,
    /// Parsed here, so a name the PBX cannot use is refused naming `target`.
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<PbxName>,
    /// A first step's words (`change_requested`, `style_warning`, `other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<String>,
    /// A style warning's reminder; parsed here, like `target`.
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt: Option<PbxName>,
    reason: String,
    notified_on: Option<Date>,
    starts_on: Option<Date>,
    review_on: Date,
    ends_on: Option<Date>,
    on_breach: Option<OnBreach>,
}

impl MeasureBody {
    /// `reviewed_on`: the measure's last review, for an amended one (its
    /// review date may be up to `max_review_months` after that).
    fn into_measure(
        self,
        today: NaiveDate,
        max_review_months: u32,
        reviewed_on: Option<NaiveDate>,
    ) -> Result<(MeasureKind, MeasureTerms), AppError> {
        let advisor = match &self.advisor {
            Some(advisor) => Some(text::required("advisor", advisor, 100)?),
            None => None,
        };
        let details = match &self.details {
            Some(details) => Some(text::prose_required("details", details, 2000)?),
            None => None,
        };
        let kind = KindFields {
            max_contacts: self.max_contacts,
            per: self.per,
            channels: self.channels,
            windows: self.windows,
            advisor,
            target: self.target,
            details,
            prompt: self.prompt,
        }
        .into_kind(&self.kind)?;
        let terms = MeasureTerms {
            reason: text::prose_required("reason", &self.reason, 2000)?,
            notified_on: self.notified_on.map(Date::get),
            starts_on: self.starts_on.map_or(today, Date::get),
            review_on: self.review_on.get(),
            ends_on: self.ends_on.map(Date::get),
            on_breach: self.on_breach,
        };
        terms.validate_since_review(&kind, max_review_months, today, reviewed_on)?;
        Ok((kind, terms))
    }

    /// A measure's kind, its fields and its terms as one JSON object, as
    /// a body recording it would give them (what a PATCH is laid over,
    /// and what the change form is filled with).
    pub(crate) fn from_measure(m: &Measure) -> Result<Value, StoreError> {
        let mut value = serde_json::to_value(&m.kind)?;
        let terms = serde_json::to_value(&m.terms)?;
        if let (Some(map), Value::Object(terms)) = (value.as_object_mut(), terms) {
            map.extend(terms);
        }
        Ok(value)
    }
}

/// A measure for the API, with `status`: `in_force`, `ended`, or why it
/// does not apply today.
pub(super) fn measure_json(m: &Measure, today: Option<(NaiveDate, u32)>) -> Value {
    let mut value = serde_json::to_value(m).unwrap_or_default();
    value["status"] = json!(status_of(m, today));
    value
}

/// A measure's status as the API and the pages give it: `in_force`,
/// `ended`, or why it does not apply on `today` (with the review grace).
pub(crate) fn status_of(m: &Measure, today: Option<(NaiveDate, u32)>) -> String {
    match (&m.ended, today) {
        (Some(_), _) => "ended".to_owned(),
        (None, Some((today, grace))) => match m.terms.in_force(today, grace) {
            Ok(()) => "in_force".to_owned(),
            Err(why) => why.to_owned(),
        },
        (None, None) => "recorded".to_owned(),
    }
}

/// A measure as the answer to recording, changing or ending it: with the
/// letter to send the person about it (`letter`: new, change or end), so
/// the written notice the policy asks for is one step away.
fn with_notice(mut value: Value, id: MeasureId, letter: &str) -> Value {
    value["notice"] = json!({
        "letter": letter,
        "href": format!("/v1/measures/{id}/notice?letter={letter}"),
    });
    value
}

pub(crate) fn today(state: &AppState) -> NaiveDate {
    calendar::local_date(state.now(), state.policy.timezone)
}

async fn create(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(person_id): IdPath<PersonId>,
    ApiJson(body): ApiJson<MeasureBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let measure = record(&state, &who, person_id, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(with_notice(
            measure_json(
                &measure,
                Some((today(&state), state.policy.review_grace_days)),
            ),
            measure.id,
            "new",
        )),
    ))
}

/// Records a measure for a person as `who`: the body checked as a new
/// measure, its advisor one that can be assigned, a block only after an
/// earlier measure the person was told about (the policy's safeguard),
/// audited. The API's `POST /v1/people/{id}/measures` and the page that
/// records a measure both come here.
pub(crate) async fn record(
    state: &AppState,
    who: &Principal,
    person_id: PersonId,
    body: MeasureBody,
) -> Result<Measure, AppError> {
    let today = today(state);
    let (kind, terms) = body.into_measure(today, state.settings.max_review_months, None)?;
    let grace = state.policy.review_grace_days;
    let now = timestamp(state.now());
    let actor = who.name.clone();
    let measure = state
        .store
        .write(move |conn| {
            people::get_person(conn, person_id)?;
            let kind = advisors::with_assignable_advisor(conn, kind)?;
            if kind == MeasureKind::Block {
                let earlier = measures::measures_of(conn, person_id)?;
                if let Err(message) = block_may_follow(&earlier, today, grace) {
                    return Ok(Err(AppError::Refused {
                        code: "resolution_not_attempted",
                        field: "kind",
                        message: message.into(),
                    }));
                }
            }
            let id = measures::insert_measure(conn, person_id, &kind, &terms, &actor, &now)?;
            let measure = measures::get_measure(conn, id)?;
            audit::record(conn, entry(&actor, "measure.create", &measure, None), &now)?;
            Ok(Ok(measure))
        })
        .await??;
    Ok(measure)
}

pub(super) fn entry<'a>(
    actor: &'a str,
    action: &'a str,
    m: &Measure,
    before: Option<Value>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "measure",
        entity_id: Some(m.id.get()),
        person_id: Some(m.person_id),
        before,
        after: serde_json::to_value(m).ok(),
    }
}

async fn show(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
) -> Result<Json<Value>, AppError> {
    let measure = state
        .store
        .read(move |conn| measures::get_measure(conn, id))
        .await?;
    Ok(Json(measure_json(
        &measure,
        Some((today(&state), state.policy.review_grace_days)),
    )))
}

async fn update(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
    ApiJson(patch): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Value>, AppError> {
    let measure = change(&state, &who, id, patch).await?;
    Ok(Json(with_notice(
        measure_json(
            &measure,
            Some((today(&state), state.policy.review_grace_days)),
        ),
        measure.id,
        "change",
    )))
}

/// Changes a measure as `who`: `patch` laid over the measure as it
/// stands, the result checked as a new measure would be (its review date
/// counted from its last review), audited with the measure before and
/// after. The API's PATCH and the page that changes a measure both come
/// here.
pub(crate) async fn change(
    state: &AppState,
    who: &Principal,
    id: MeasureId,
    patch: serde_json::Map<String, Value>,
) -> Result<Measure, AppError> {
    let (current, reviewed_at) = state
        .store
        .read(move |conn| {
            let measure = measures::get_measure(conn, id)?;
            Ok((measure, reviews::last_reviewed_at(conn, id)?))
        })
        .await?;
    let reviewed_on = reviewed_at.map(|at| calendar::local_date(at, state.policy.timezone));
    if current.ended.is_some() {
        return Err(AppError::Conflict {
            field: "id",
            message: "the measure has ended; agree a new one".into(),
        });
    }
    if patch
        .get("kind")
        .is_some_and(|k| k.as_str() != Some(current.kind.name()))
    {
        return Err(AppError::invalid(
            "kind",
            "cannot change; end this measure and agree a new one",
        ));
    }
    // The patch is laid over the measure as it stands, and the result goes
    // through the same checks as a new measure. A single point of contact's
    // advisor and target are one choice: a patch giving one drops the other.
    let gives = |field| patch.get(field).is_some_and(|v| !v.is_null());
    let names_advisor = gives("advisor");
    let mut merged = MeasureBody::from_measure(&current)?;
    if let Some(map) = merged.as_object_mut() {
        if let MeasureKind::SinglePointOfContact { .. } = current.kind {
            match (names_advisor, gives("target")) {
                (true, false) => drop(map.remove("target")),
                (false, true) => drop(map.remove("advisor")),
                _ => {}
            }
        }
        map.extend(patch);
    }
    let body: MeasureBody = parse_json(merged.to_string().as_bytes())?;
    let (kind, terms) =
        body.into_measure(today(state), state.settings.max_review_months, reviewed_on)?;
    let now = timestamp(state.now());
    let actor = who.name.clone();
    let measure = state
        .store
        .write(move |conn| {
            let before = measures::get_measure(conn, id)?;
            // Only an advisor the patch names is checked: one retired since
            // the measure was agreed does not stop its review date moving.
            let kind = match names_advisor {
                true => advisors::with_assignable_advisor(conn, kind)?,
                false => kind,
            };
            measures::update_measure(conn, id, &kind, &terms, &now)?;
            let after = measures::get_measure(conn, id)?;
            audit::record(
                conn,
                entry(
                    &actor,
                    "measure.update",
                    &after,
                    serde_json::to_value(&before).ok(),
                ),
                &now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(measure)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndBody {
    reason: String,
}

async fn end(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
    ApiJson(body): ApiJson<EndBody>,
) -> Result<Json<Value>, AppError> {
    let measure = end_measure(&state, &who, id, &body.reason).await?;
    Ok(Json(with_notice(
        measure_json(&measure, None),
        measure.id,
        "end",
    )))
}

/// Ends a measure early as `who`, with a reason (checked as the API
/// checks it); the measure stays on the record. The API and the page both
/// come here.
pub(crate) async fn end_measure(
    state: &AppState,
    who: &Principal,
    id: MeasureId,
    reason: &str,
) -> Result<Measure, AppError> {
    let reason = text::prose_required("reason", reason, 2000)?;
    let now = timestamp(state.now());
    let actor = who.name.clone();
    Ok(state
        .store
        .write(move |conn| measures::end(conn, id, &actor, &reason, &now))
        .await?)
}
