//! Contacts beyond screened calls (email, web form, letter, in person), the
//! outcome of a call once it ends, and a person's contact history for staff.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::text;
use chrono::{DateTime, NaiveDate, Utc};

use crate::decision::calendar;
use crate::domain::{CallId, Channel, Email, Moment, PhoneNumber};
use crate::domain::{
    ContactId, EnquiryId, EnquiryName, FlagKind, FlagThresholds, Period, PersonId, RecordId,
};
use crate::error::AppError;
use crate::http::auth::{Auth, CallReporting, Staff};
use crate::state::AppState;
use crate::store::people::{self, Identity};
use crate::store::{audit, contacts, enquiries, flags, timestamp};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/contacts", post(record))
        .route("/v1/calls/{call_id}/outcome", post(outcome))
        .route("/v1/people/{id}/contacts", get(history))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewContact {
    channel: Channel,
    phone: Option<String>,
    email: Option<String>,
    enquiry: Option<EnquiryName>,
    /// The advisor who answered it (an email replied to, a visit seen).
    advisor: Option<String>,
    at: Option<Moment>,
    /// A complaint about the service: it counts towards no limit or flag.
    #[serde(default)]
    complaint: bool,
}

/// The moment a contact arrives, as flags need it: the clock read once,
/// outside the write, and the thresholds.
struct FlagClock {
    now: DateTime<Utc>,
    day_start: DateTime<Utc>,
    today: NaiveDate,
    thresholds: FlagThresholds,
}

impl FlagClock {
    fn new(state: &AppState, now: DateTime<Utc>) -> Self {
        let tz = state.policy.timezone;
        FlagClock {
            now,
            day_start: calendar::period_start(Period::Day, now, tz),
            today: calendar::local_date(now, tz),
            thresholds: state.settings.flag_thresholds(),
        }
    }

    fn arrival(
        &self,
        contact_id: ContactId,
        at: DateTime<Utc>,
        person_id: Option<PersonId>,
        enquiry: Option<(EnquiryId, PersonId)>,
        checks: flags::Checks,
    ) -> flags::Arrival {
        flags::Arrival {
            contact_id,
            at,
            person_id,
            enquiry,
            now: self.now,
            day_start: self.day_start,
            today: self.today,
            thresholds: self.thresholds,
            checks,
        }
    }
}

/// The enquiry a reference or id names, and whose it is; an unknown one
/// is the caller's mistake, not something to record silently. Enquiries
/// are never deleted on their own, so the id still holds when the write
/// runs.
async fn enquiry_id(
    state: &AppState,
    given: Option<String>,
) -> Result<Option<(EnquiryId, PersonId)>, AppError> {
    let Some(given) = given else {
        return Ok(None);
    };
    match state
        .store
        .read(move |conn| enquiries::find_enquiry(conn, &given))
        .await?
    {
        Some(e) => Ok(Some((e.id, e.person_id))),
        None => Err(AppError::invalid(
            "enquiry",
            "is not a known enquiry reference or id",
        )),
    }
}

async fn record(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Staff>,
    ApiJson(body): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let identity = match (&body.phone, &body.email) {
        (Some(p), None) => Some(Identity::Phone(
            PhoneNumber::parse(p, state.region)
                .map_err(|e| AppError::invalid("phone", e.to_string()))?,
        )),
        (None, Some(e)) => Some(Identity::Email(
            Email::parse(e).map_err(|m| AppError::invalid("email", m))?,
        )),
        (None, None) => None,
        (Some(_), Some(_)) => {
            return Err(AppError::invalid("email", "give phone or email, not both"))
        }
    };
    let now_at = state.now();
    let at = match body.at {
        Some(at) => at
            .of_contact(now_at)
            .map_err(|m| AppError::invalid("at", m))?,
        None => now_at,
    };
    let enquiry = enquiry_id(
        &state,
        text::optional(
            "enquiry",
            body.enquiry.as_ref().map(EnquiryName::as_str),
            64,
        )?,
    )
    .await?;
    let enquiry_id = enquiry.map(|(id, _)| id);
    let advisor = text::optional("advisor", body.advisor.as_deref(), 100)?;
    let clock = FlagClock::new(&state, now_at);
    let now = timestamp(now_at);
    let channel = body.channel;
    let complaint = body.complaint;
    let (saved, raised) = state
        .store
        .write(move |conn| {
            let person_id = match &identity {
                Some(identity) => people::person_with(conn, identity)?,
                None => None,
            };
            let value = identity.as_ref().map(|i| match i {
                Identity::Phone(p) => p.as_str().to_owned(),
                Identity::Email(e) => e.as_str().to_owned(),
            });
            let contact = contacts::NewContact {
                at,
                channel,
                identity: value.as_deref(),
                person_id,
                enquiry_id,
                advisor: advisor.as_deref(),
                complaint,
                recorded_by: &who.name,
            };
            let id = contacts::insert_contact(conn, &contact)?;
            let after = json!({"id": id, "channel": channel, "at": at, "person_id": person_id, "enquiry_id": enquiry_id, "advisor": advisor, "complaint": complaint});
            audit::record(
                conn,
                audit::Entry { actor: &who.name, action: "contact.create", entity: "contact", entity_id: Some(id), person_id, before: None, after: Some(after.clone()) },
                &now,
            )?;
            // A complaint raises nothing: it counts towards no flag.
            let checks = flags::Checks {
                frequency: !complaint,
                scattergun: !complaint && enquiry.is_some(),
                advisors: !complaint && enquiry.is_some() && advisor.is_some(),
                ..flags::Checks::default()
            };
            let arrival = clock.arrival(ContactId::from_raw(id), at, person_id, enquiry, checks);
            Ok((after, flags::raise_for_contact_or_log(conn, &arrival)))
        })
        .await?;
    count_raised(raised);
    Ok((StatusCode::CREATED, Json(saved)))
}

/// What an outcome may say, as the API's JSON body and the call page's
/// form both give it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    pub advisor: Option<String>,
    pub enquiry: Option<EnquiryName>,
    pub answered: Option<bool>,
    pub duration_s: Option<u32>,
    pub note: Option<String>,
    /// The call was a complaint about the service (`false`: it was marked
    /// one by mistake).
    pub complaint: Option<bool>,
}

async fn outcome(
    State(state): State<AppState>,
    Auth(who, ..): Auth<CallReporting>,
    Path(call_id): Path<String>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> Result<Json<Value>, AppError> {
    let call_id = CallId::parse(&call_id).map_err(|_| AppError::NotFound("call"))?;
    Ok(Json(
        record_outcome(&state, &who.name, &call_id, body).await?,
    ))
}

/// Records how a call went, audited under `actor`, and raises the flags it
/// may complete: one operation for the API and the call's page. Bad input
/// is refused naming its field, before anything is written.
pub async fn record_outcome(
    state: &AppState,
    actor: &str,
    call_id: &CallId,
    body: OutcomeBody,
) -> Result<Value, AppError> {
    let advisor = text::optional("advisor", body.advisor.as_deref(), 100)?;
    let note = text::prose_optional("note", body.note.as_deref(), 4000)?;
    let enquiry_id = enquiry_id(
        state,
        text::optional(
            "enquiry",
            body.enquiry.as_ref().map(EnquiryName::as_str),
            64,
        )?,
    )
    .await?
    .map(|(id, _)| id);
    if body.duration_s.is_some_and(|d| d > 24 * 3600) {
        return Err(AppError::invalid("duration_s", "must be at most a day"));
    }
    let clock = FlagClock::new(state, state.now());
    let refresh = flags::Refresh {
        now: clock.now,
        tz: state.policy.timezone,
        thresholds: clock.thresholds,
    };
    let now = timestamp(clock.now);
    let (actor, call_id) = (actor.to_owned(), call_id.clone());
    let (saved, raised) = state
        .store
        .write(move |conn| {
            let named = (advisor.is_some(), enquiry_id.is_some());
            let outcome = contacts::Outcome {
                advisor,
                enquiry_id,
                answered: body.answered,
                duration_s: body.duration_s,
                note,
                complaint: body.complaint,
            };
            let id = contacts::record_outcome(conn, &call_id, &outcome, &now)?;
            let contact = ContactId::from_raw(id);
            if outcome.complaint == Some(true) {
                // It may already be evidence of a flag raised when it was
                // screened: a complaint counts towards none, so it leaves
                // them, together with its marking or not at all.
                flags::withdraw_complaint(conn, contact, &refresh, &now)?;
            }
            let after = json!({"call_id": call_id, "outcome": outcome});
            audit::record(
                conn,
                audit::Entry {
                    actor: &actor,
                    action: "call.outcome",
                    entity: "contact",
                    entity_id: Some(id),
                    person_id: None,
                    before: None,
                    after: Some(after.clone()),
                },
                &now,
            )?;
            let raised = match outcome.complaint {
                Some(true) => Vec::new(),
                _ => raise_on_outcome(conn, &clock, contact, named),
            };
            Ok((after, raised))
        })
        .await?;
    count_raised(raised);
    Ok(saved)
}

/// An outcome is when a call's advisor becomes known (several advisors on
/// its enquiry) and may name the enquiry (scattergun). `named`: whether it
/// gave an advisor, and an enquiry. Like every flag, never fails the
/// outcome it follows.
fn raise_on_outcome(
    conn: &rusqlite::Connection,
    clock: &FlagClock,
    id: ContactId,
    (advisor, enquiry): (bool, bool),
) -> Vec<FlagKind> {
    let facts = match flags::contact_facts(conn, id) {
        Ok(facts) => facts,
        Err(error) => {
            tracing::error!(%error, "could not read the call for its flags; none raised");
            return Vec::new();
        }
    };
    let checks = flags::Checks {
        scattergun: enquiry,
        advisors: facts.answered && (advisor || enquiry),
        ..flags::Checks::default()
    };
    let arrival = clock.arrival(id, facts.at, facts.person_id, facts.enquiry, checks);
    flags::raise_for_contact_or_log(conn, &arrival)
}

/// Counts flags raised, once their write is committed.
fn count_raised(raised: Vec<FlagKind>) {
    for kind in raised {
        crate::metrics::flags_raised(kind, 1);
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    limit: Option<u32>,
}

async fn history(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Staff>,
    IdPath(person_id): IdPath<PersonId>,
    ApiQuery(page): ApiQuery<Page>,
) -> Result<Json<Value>, AppError> {
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::invalid("limit", "must be between 1 and 1000"));
    }
    let found = state
        .store
        .read(move |conn| {
            people::get_person(conn, person_id)?;
            contacts::contacts_of(conn, person_id, limit)
        })
        .await?;
    super::privacy::record_read(&state, &who, "person.contacts.view", person_id).await?;
    Ok(Json(json!({ "contacts": found })))
}
