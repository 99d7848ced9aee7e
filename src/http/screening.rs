//! `/v1/screen`: the PBX's question, asked by GET query, POST form or POST
//! JSON, answered as JSON or as one form-encoded line for Asterisk's
//! `CURLOPT(hashcompat)`.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use super::extract::{parse_json, read_body};
use crate::app::AppState;
use crate::auth::{Auth, Screening};
use crate::decision::{Action, Decision, Rule, RuleHit};
use crate::domain::CallId;
use crate::error::AppError;
use crate::screening::{screen, ScreenRequest};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/screen", get(screen_get).post(screen_post))
}

#[derive(Debug, Default, Deserialize)]
struct ScreenParams {
    #[serde(flatten)]
    request: ScreenRequest,
    format: Option<String>,
}

async fn screen_get(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Screening>,
    req: Request,
) -> Result<Response, AppError> {
    let params: ScreenParams = serde_urlencoded::from_str(req.uri().query().unwrap_or(""))
        .map_err(|e| AppError::Malformed(e.to_string()))?;
    answer(&state, &who.name, req.headers(), params).await
}

async fn screen_post(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Screening>,
    req: Request,
) -> Result<Response, AppError> {
    let headers = req.headers().clone();
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut params: ScreenParams = if content_type.starts_with("application/json") {
        parse_json(&read_body(req, &state).await?)?
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes(&read_body(req, &state).await?)
            .map_err(|e| AppError::Malformed(e.to_string()))?
    } else {
        return Err(AppError::UnsupportedMediaType(
            "JSON or application/x-www-form-urlencoded",
        ));
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
    let decision = screen(state, call, recorded_by).await;
    Ok(if form {
        form_answer(&call_id, &decision)
    } else {
        json_answer(&call_id, &decision)
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
    prompt: &'a str,
    reason: Rule,
    rules: &'a [RuleHit],
    target: &'a str,
}

fn json_answer(call_id: &CallId, d: &Decision) -> Response {
    Json(JsonAnswer {
        action: d.action,
        call_id,
        prompt: &d.prompt,
        reason: d.reason,
        rules: &d.rules,
        target: &d.target,
    })
    .into_response()
}

/// Everything but unreserved characters is escaped, so a space is `%20`
/// (Asterisk's hashcompat decoding does not read `+` as a space).
const FORM_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `action=route&target=helpline&prompt=&reason=default&call_id=…&rules=…`,
/// with the rules as a comma-separated list of their names.
pub fn form_line(call_id: &CallId, d: &Decision) -> String {
    let rules = d
        .rules
        .iter()
        .map(|r| r.rule.as_str())
        .collect::<Vec<_>>()
        .join(",");
    [
        ("action", d.action.as_str()),
        ("target", &d.target),
        ("prompt", &d.prompt),
        ("reason", d.reason.as_str()),
        ("call_id", call_id.as_str()),
        ("rules", &rules),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, FORM_VALUE)))
    .collect::<Vec<_>>()
    .join("&")
}

fn form_answer(call_id: &CallId, d: &Decision) -> Response {
    (
        [(CONTENT_TYPE, "application/x-www-form-urlencoded")],
        form_line(call_id, d),
    )
        .into_response()
}
