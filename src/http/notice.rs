//! The written notice of a measure: the letter, as printable HTML or plain
//! text, and recording that it was sent (which is what lets the measure be
//! enforced). Supervisors and admins only; both audited.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{ApiJson, ApiQuery, IdPath};
use super::measures::{entry, measure_json, today};
use crate::decision::calendar;
use crate::domain::{Date, Measure, MeasureId, NoticeMethod};
use crate::error::AppError;
use crate::http::auth::{Auth, Principal, Supervision};
use crate::notice::{Context, Format, Letter, PersonPart};
use crate::state::AppState;
use crate::store::{audit, measures, people, timestamp, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/measures/{id}/notice", get(letter))
        .route("/v1/measures/{id}/notice/sent", post(sent))
}

/// Strings, parsed here, so a bad value is a 422 naming its field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LetterQuery {
    letter: Option<String>,
    format: Option<String>,
}

/// `format` wins; otherwise plain text only for a client that asks for it
/// and not for HTML (a browser asks for both).
fn format_of(query: Option<&str>, headers: &HeaderMap) -> Result<Format, AppError> {
    match query {
        Some("html") => Ok(Format::Html),
        Some("text") => Ok(Format::Text),
        Some(_) => Err(AppError::invalid("format", "must be html or text")),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let text = accept.contains("text/plain") && !accept.contains("text/html");
            Ok(if text { Format::Text } else { Format::Html })
        }
    }
}

async fn letter(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
    ApiQuery(q): ApiQuery<LetterQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let format = format_of(q.format.as_deref(), &headers)?;
    let body = render_letter(&state, &who, id, q.letter.as_deref(), format).await?;
    Ok(letter_response(format, body))
}

/// The letter about measure `id` (`letter`: new, change or end; by
/// default the one that fits the measure), rendered by the service's
/// template, its reading audited under `who`. The API and the page that
/// prints a notice both come here.
pub(crate) async fn render_letter(
    state: &AppState,
    who: &Principal,
    id: MeasureId,
    letter: Option<&str>,
    format: Format,
) -> Result<String, AppError> {
    let asked = letter
        .map(|l| {
            Letter::parse(l)
                .ok_or_else(|| AppError::invalid("letter", "must be new, change or end"))
        })
        .transpose()?;
    let (measure, person) = state
        .store
        .read(move |conn| {
            let measure = measures::get_measure(conn, id)?;
            let person = people::get_person(conn, measure.person_id)?;
            Ok((measure, person))
        })
        .await?;
    let ended_on = measure
        .ended
        .as_ref()
        .map(|e| calendar::local_date(e.at, state.policy.timezone));
    let letter = match (asked, ended_on) {
        (None, None) => Letter::New,
        (None, Some(_)) | (Some(Letter::End), Some(_)) => Letter::End,
        (Some(Letter::End), None) => {
            return Err(AppError::invalid("letter", "the measure has not ended"))
        }
        (Some(_), Some(_)) => {
            return Err(AppError::invalid(
                "letter",
                "the measure has ended: only the letter saying so can be sent",
            ))
        }
        (Some(letter), None) => letter,
    };
    let context = Context::new(
        letter,
        today(state),
        PersonPart {
            name: person.name,
            reference: person.reference,
        },
        &measure,
        ended_on,
    );
    // The templates were test-rendered at start-up; a failure here is a
    // letter the sample did not cover, logged by the error's handler.
    let body = state
        .notices
        .render(format, &context)
        .map_err(|e| AppError::Internal(format!("the notice template: {e:#}")))?;
    super::privacy::record_read(state, who, "measure.notice.view", measure.person_id).await?;
    Ok(body)
}

/// A rendered letter as a response: its own type, never cached, and a
/// policy that allows the letter's inline styles and nothing else.
pub(crate) fn letter_response(format: Format, body: String) -> Response {
    let content_type = match format {
        Format::Html => "text/html; charset=utf-8",
        Format::Text => "text/plain; charset=utf-8",
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // A letter names a person: no cache keeps a copy.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            // The letter's own inline styles and nothing else.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(LETTER_CSP),
            ),
        ],
        body,
    )
        .into_response()
}

/// The letter's own inline styles and nothing else: no scripts, no
/// requests anywhere.
pub(crate) const LETTER_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SentBody {
    on: Date,
    method: NoticeMethod,
}

async fn sent(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Supervision>,
    IdPath(id): IdPath<MeasureId>,
    ApiJson(body): ApiJson<SentBody>,
) -> Result<Json<Value>, AppError> {
    let method = body.method;
    let measure = record_sent(&state, &who, id, body).await?;
    let mut answer = measure_json(
        &measure,
        Some((today(&state), state.policy.review_grace_days)),
    );
    answer["notice_method"] = json!(method);
    Ok(Json(answer))
}

/// Records that the person was told in writing (`on`, how), which sets
/// the measure's `notified_on`; audited under `who`. The API and the page
/// both come here.
pub(crate) async fn record_sent(
    state: &AppState,
    who: &Principal,
    id: MeasureId,
    body: SentBody,
) -> Result<Measure, AppError> {
    let on: NaiveDate = body.on.into();
    if on > today(state) {
        return Err(AppError::invalid("on", "cannot be later than today"));
    }
    let method = body.method;
    let now = timestamp(state.now());
    let actor = who.name.clone();
    Ok(state
        .store
        .write(move |conn| {
            let before = measures::get_measure(conn, id)?;
            if before.ended.is_some() {
                return Err(StoreError::Conflict {
                    field: "id",
                    message: "the measure has ended".into(),
                });
            }
            measures::record_notice(conn, id, on, method, &now)?;
            let after = measures::get_measure(conn, id)?;
            let mut audited = entry(
                &actor,
                "measure.notice_sent",
                &after,
                serde_json::to_value(&before).ok(),
            );
            if let Some(after) = audited.after.as_mut() {
                after["notice_method"] = json!(method);
            }
            audit::record(conn, audited, &now)?;
            Ok(after)
        })
        .await?)
}
