//! `/v1/screen`: the PBX's question, asked by GET query, POST form or POST
//! JSON, answered as JSON or as one form-encoded line for Asterisk's
//! `CURLOPT(hashcompat)`.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::SecondsFormat;
use chrono_tz::Tz;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use crate::decision::{Action, Decision, Rule, RuleHit};
use crate::domain::CallId;
use crate::error::AppError;
use crate::http::auth::{Auth, Screening};
use crate::http::extract::{media_type, parse_form, parse_json, read_body};
use crate::pbx::request::ScreenRequest;
use crate::screening::screen;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v1/screen",
        get(screen_get).post(screen_post).head(refuse_head),
    )
}

/// Without a HEAD route of its own, axum answers HEAD with the GET handler
/// and drops the body: the call would be screened and recorded, and count
/// towards the caller's limit, for an answer nobody sees.
async fn refuse_head() -> Response {
    let mut response = AppError::MethodNotAllowed.into_response();
    response
        .headers_mut()
        .insert(ALLOW, axum::http::HeaderValue::from_static("GET,POST"));
    response
}

/// The request and how its answer is wanted. Read as two structs from the
/// same input rather than one with `#[serde(flatten)]`: a flattened field's
/// error loses its name (`"field": "."`).
#[derive(Debug, Default)]
struct ScreenParams {
    request: ScreenRequest,
    format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AnswerFormat {
    format: Option<String>,
}

impl ScreenParams {
    fn read(
        input: &[u8],
        parse: fn(&[u8]) -> Result<ScreenRequest, AppError>,
        parse_format: fn(&[u8]) -> Result<AnswerFormat, AppError>,
    ) -> Result<Self, AppError> {
        Ok(ScreenParams {
            request: parse(input)?,
            format: parse_format(input)?.format,
        })
    }
}

async fn screen_get(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Screening>,
    req: Request,
) -> Result<Response, AppError> {
    let query = req.uri().query().unwrap_or("").as_bytes();
    let params = ScreenParams::read(query, parse_form, parse_form)?;
    answer(&state, &who.name, req.headers(), params).await
}

async fn screen_post(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Screening>,
    req: Request,
) -> Result<Response, AppError> {
    let headers = req.headers().clone();
    let mut params = match media_type(&headers).as_deref() {
        Some("application/json") => {
            ScreenParams::read(&read_body(req, &state).await?, parse_json, parse_json)?
        }
        Some("application/x-www-form-urlencoded") => {
            ScreenParams::read(&read_body(req, &state).await?, parse_form, parse_form)?
        }
        _ => {
            return Err(AppError::UnsupportedMediaType(
                "JSON or application/x-www-form-urlencoded",
            ))
        }
    };
    if params.format.is_none() {
        params.format = headers
            .get("x-fairline-format")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
    }
    answer(&state, &who.name, &headers, params).await
}

async fn answer(
    state: &AppState,
    recorded_by: &str,
    headers: &HeaderMap,
    params: ScreenParams,
) -> Result<Response, AppError> {
    let form = wants_form(headers, params.format.as_deref())?;
    let call = params.request.parse(state)?;
    let call_id = call.call_id.clone();
    let decision = screen(state, call, recorded_by).await?;
    let tz = state.policy.timezone;
    let info_url = super::info_url(state.settings.public_url.as_ref(), &call_id, &decision);
    let info_url = info_url.as_deref();
    Ok(if form {
        form_answer(&call_id, &decision, tz, info_url)
    } else {
        json_answer(&call_id, &decision, tz, info_url)
    })
}

fn wants_form(headers: &HeaderMap, format: Option<&str>) -> Result<bool, AppError> {
    match format {
        Some("form") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(AppError::invalid("format", "must be json or form")),
        None => Ok(headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("application/x-www-form-urlencoded"))),
    }
}

/// The JSON answer, borrowed from the decision: built on every call, so
/// not through an intermediate `serde_json::Value`.
#[derive(Serialize)]
struct JsonAnswer<'a> {
    action: Action,
    call_id: &'a CallId,
    /// `null` unless the call is diverted for a time.
    next_allowed_at: Option<String>,
    next_allowed_epoch: Option<i64>,
    prompt: &'a str,
    reason: Rule,
    rules: &'a [RuleHit],
    target: &'a str,
    /// The call's page for the advisor's phone; absent unless `public_url`
    /// is set and the call is put through.
    #[serde(skip_serializing_if = "Option::is_none")]
    info_url: Option<&'a str>,
}

fn json_answer(call_id: &CallId, d: &Decision, tz: Tz, info_url: Option<&str>) -> Response {
    let (next_allowed_at, next_allowed_epoch) = next_allowed(d, tz).unzip();
    Json(JsonAnswer {
        action: d.action,
        call_id,
        next_allowed_at,
        next_allowed_epoch,
        prompt: &d.prompt,
        reason: d.reason,
        rules: &d.rules,
        target: &d.target,
        info_url,
    })
    .into_response()
}

/// When the caller can next get through: RFC 3339 in the service's
/// timezone, with its offset (what a person reads), and seconds since the
/// epoch (what a PBX says). Formatted only for the calls that have one.
fn next_allowed(d: &Decision, tz: Tz) -> Option<(String, i64)> {
    d.next_allowed().map(|at| {
        (
            at.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false),
            at.timestamp(),
        )
    })
}

/// Everything but unreserved characters is escaped, so a space is `%20`
/// (Asterisk's hashcompat decoding does not read `+` as a space).
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `action=route&target=helpline&prompt=&reason=default&call_id=…&rules=…`
/// `&next_allowed_at=&next_allowed_epoch=`, with the rules as a
/// comma-separated list of their names; the last two are empty unless the
/// call is diverted for a time. `&info_url=…` follows when there is one.
pub fn form_line(call_id: &CallId, d: &Decision, tz: Tz, info_url: Option<&str>) -> String {
    let rules = d
        .rules
        .iter()
        .map(|r| r.rule.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let (at, epoch) = next_allowed(d, tz)
        .map(|(at, epoch)| (at, epoch.to_string()))
        .unwrap_or_default();
    [
        ("action", d.action.as_str()),
        ("target", &d.target),
        ("prompt", &d.prompt),
        ("reason", d.reason.as_str()),
        ("call_id", call_id.as_str()),
        ("rules", &rules),
        ("next_allowed_at", &at),
        ("next_allowed_epoch", &epoch),
    ]
    .iter()
    .chain(info_url.map(|url| ("info_url", url)).as_ref())
    .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, FORM_VALUE)))
    .collect::<Vec<_>>()
    .join("&")
}

fn form_answer(call_id: &CallId, d: &Decision, tz: Tz, info_url: Option<&str>) -> Response {
    (
        [(CONTENT_TYPE, "application/x-www-form-urlencoded")],
        form_line(call_id, d, tz, info_url),
    )
        .into_response()
}
