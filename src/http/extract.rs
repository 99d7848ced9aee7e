//! Request-body extractors whose failures are the API's own errors: a JSON
//! body names the offending field; an unreadable body is a 400.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::AppError;

/// A JSON body, parsed with the path of any field that failed.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType(
                "JSON (Content-Type: application/json)",
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::Malformed(rejection.body_text())
        }
    })
}

/// Parses JSON, turning serde's message into a field name and a reason.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return AppError::Malformed(strip_position(&inner.to_string()));
        }
        field_error(&path, &strip_position(&inner.to_string()))
    })
}

/// A query string's fields, with the API's errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> axum::extract::FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, AppError> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
            .map(ApiQuery)
            .map_err(|e| field_error(".", &e.to_string()))
    }
}

/// Names the field serde complained about. serde reports unknown and
/// missing fields at their parent's path, with the name in backticks.
fn field_error(path: &str, message: &str) -> AppError {
    let parent = |name: &str| match path {
        "." => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    let backticked = |rest: &str| rest.split('`').next().unwrap_or_default().to_owned();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends in the unknown name for JSON; the query
        // deserializer gives no path at all.
        let field = if path == "." {
            backticked(rest)
        } else {
            path.to_owned()
        };
        return AppError::invalid(field, "is not a known field");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        return AppError::invalid(parent(&backticked(rest)), "is required");
    }
    AppError::invalid(path, message)
}

/// serde_json appends " at line 1 column 42", which helps no API user.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
