//! Checks for the free-text fields of requests (one-line names and prose),
//! and serde helpers for PATCH bodies, where "absent" and "null" mean
//! different things.

use serde::{Deserialize, Deserializer};

use crate::error::AppError;

/// Trims a one-line `value` (a name, a reference, a topic) and checks it is
/// present, at most `max` characters and free of control characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    present_text(field, optional(field, Some(value), max)?)
}

/// Trims a one-line `value`, treats blank as absent, and checks it.
pub fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    checked(field, value, max, |c| c.is_control())
}

/// Trims prose (a reason, a note) and checks it is present, at most `max`
/// characters, and free of control characters other than line breaks
/// and tabs.
pub fn prose_required(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    present_text(field, prose_optional(field, Some(value), max)?)
}

/// Prose that may be left out; blank is absent.
pub fn prose_optional(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, AppError> {
    checked(field, value, max, |c| {
        c.is_control() && !matches!(c, '\n' | '\r' | '\t')
    })
}

fn present_text(field: &str, value: Option<String>) -> Result<String, AppError> {
    value.ok_or_else(|| AppError::invalid(field, "must not be empty"))
}

fn checked(
    field: &str,
    value: Option<&str>,
    max: usize,
    refused: impl Fn(char) -> bool,
) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(refused) {
        return Err(AppError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(value.to_owned()))
}

/// A search term or filter from a query string: control characters are
/// refused (SQLite reads a NUL as the end of a LIKE pattern, so `q=%00`
/// would match everyone).
pub fn filter(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, AppError> {
    optional(field, value.as_deref(), max)
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
