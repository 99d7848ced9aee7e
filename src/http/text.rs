//! Checks for the free-text fields of request bodies, and serde helpers
//! for PATCH bodies, where "absent" and "null" mean different things.

use serde::{Deserialize, Deserializer};

use crate::error::AppError;

/// Trims `value` and checks it is present and at most `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    optional(field, Some(value), max).map(Option::unwrap_or_default)
}

/// Trims `value`, treats blank as absent, and checks its length.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(value.to_owned()))
}

/// For `Option<Option<T>>` PATCH fields: absent stays `None`, `null`
/// becomes `Some(None)` (clear it), a value becomes `Some(Some(v))`.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Parses a path id, so `/v1/people/abc` is a clear 404 rather than a 400.
pub fn id(value: &str, what: &'static str) -> Result<i64, AppError> {
    value.parse().map_err(|_| AppError::NotFound(what))
}
