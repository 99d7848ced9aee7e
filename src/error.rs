//! The one error type of the HTTP API and its mapping to status codes and
//! JSON bodies: `{"error": {"code", "field"?, "message"}}`. 5xx bodies say
//! nothing internal; every error is logged once, here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::domain::FieldError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a valid API key is required")]
    Unauthorized,
    #[error("this key's role may not do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// A bad field on one line of an uploaded file (a CSV import): the
    /// body says which line, counting the header as line 1.
    #[error("line {line}: {error}")]
    InvalidLine { line: u64, error: FieldError },
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    /// The request is well formed but the policy does not allow it.
    #[error("{message}")]
    Refused {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    /// The body could not be read at all (bad JSON syntax, bad encoding).
    #[error("the request body is malformed: {0}")]
    Malformed(String),
    #[error("the request body must be {0}")]
    UnsupportedMediaType(&'static str),
    /// The path exists, but not for this method (the `Allow` header says
    /// which it takes).
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The key may do this in general, but not here: it was involved in
    /// what it would decide (an appeal about its own measure).
    #[error("{0}")]
    NotIndependent(String),
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldError::new(field, message))
    }

    /// This error, found on `line` of an uploaded file: a bad field keeps
    /// its name and message and gains the line; any other error is as it was.
    pub fn on_line(self, line: u64) -> Self {
        match self {
            AppError::Invalid(error) => AppError::InvalidLine { line, error },
            other => other,
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::InvalidLine { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotIndependent(_) => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) | AppError::InvalidLine { .. } => "invalid_field",
            AppError::Conflict { .. } => "conflict",
            AppError::Refused { code, .. } => code,
            AppError::Malformed(_) => "malformed_body",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::NotIndependent(_) => "not_independent",
            AppError::Internal(_) => "internal",
        }
    }

    /// The field the error is about, when it is about one (what a page
    /// puts the message next to).
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid(e) | AppError::InvalidLine { error: e, .. } => Some(&e.field),
            AppError::Conflict { field, .. } | AppError::Refused { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl AppError {
    /// What the error says, without the field's name (the body's
    /// `message`, and what a page shows next to the field).
    pub fn message(&self) -> String {
        match self {
            AppError::Invalid(e) | AppError::InvalidLine { error: e, .. } => e.message.clone(),
            AppError::Conflict { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { field, message } => AppError::Conflict { field, message },
            StoreError::Invalid(error) => AppError::Invalid(error),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), error = %self, "request refused");
        }
        let message = self.message();
        let mut body = json!({"code": self.code(), "message": message});
        if let Some(field) = self.field() {
            body["field"] = json!(field);
        }
        if let AppError::InvalidLine { line, .. } = &self {
            body["line"] = json!(line);
        }
        let mut response = (status, Json(json!({ "error": body }))).into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}
