//! The form parts the measure pages share: one problem (the API answers
//! one error at a time), the error summary that links to its field, and
//! fields that show their error beside them (`aria-describedby`) and keep
//! what was typed.

use maud::{html, Markup};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::http::extract::parse_json;
use crate::http::ui::fields::Control;
use crate::http::ui::Form;

/// What went wrong with a form, and the form key of the field it is about
/// (`None`: the form as a whole).
pub struct Problem {
    pub key: Option<String>,
    pub message: String,
}

impl Problem {
    /// The API's error as a form's problem: its field mapped to the form's
    /// key by `key_of`, its message with the field's label in front.
    pub fn of(error: &AppError, key_of: impl Fn(&str) -> Option<String>) -> Problem {
        let key = error.field().and_then(&key_of);
        Problem {
            key,
            message: error.message(),
        }
    }

    /// The message shown beside field `key`, when the problem is there.
    pub fn at(problem: Option<&Problem>, key: &str) -> Option<String> {
        problem
            .filter(|p| p.key.as_deref() == Some(key))
            .map(|p| p.message.clone())
    }
}

/// Whether a page answers an error with its form again (a field the user
/// can put right, status 422 or the API's own) rather than a problem page.
pub fn shown_on_form(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Invalid(_) | AppError::Refused { .. } | AppError::NotIndependent(_)
    )
}

/// The summary at the top of a form with a problem: its message, linking
/// to the field (`anchor`: the id of the field's first input).
pub fn error_summary(problem: Option<&Problem>, label: &str, anchor: &str) -> Markup {
    html! {
        @if let Some(problem) = problem {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    li {
                        @if problem.key.is_some() {
                            a href={ "#" (anchor) } { (label) ": " (problem.message) }
                        } @else {
                            (problem.message)
                        }
                    }
                }
            }
        }
    }
}

// The measure pages' fields, by position: short calls for a long form.

/// One labelled input (`kind`: text, date, number, time).
pub fn input(
    kind: &str,
    key: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    error: Option<&str>,
) -> Markup {
    Control::new(key, label)
        .hint(hint)
        .error(error)
        .input(kind, value)
}

/// One labelled text area.
pub fn textarea(
    key: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    error: Option<&str>,
) -> Markup {
    Control::new(key, label)
        .hint(hint)
        .error(error)
        .textarea(4, value)
}

/// One labelled select; `options` are (value, label).
pub fn select(
    key: &str,
    label: &str,
    options: &[(&str, &str)],
    value: &str,
    error: Option<&str>,
) -> Markup {
    Control::new(key, label).error(error).select(options, value)
}

/// A radio group in a fieldset; `options` are (value, label, hint).
pub fn radios(
    key: &str,
    legend: &str,
    options: &[(&str, &str, &str)],
    value: &str,
    error: Option<&str>,
) -> Markup {
    Control::new(key, legend)
        .error(error)
        .radios(options, value)
}

/// One field of a form whose fields are the API body's fields, by the
/// same names: what the error summary calls it, and what a blank sends.
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    /// Blank is sent as "" (the API says "must not be empty") rather than
    /// left out (the API says what it needs instead, or takes its default).
    pub blank_sent: bool,
}

impl Field {
    pub const fn new(key: &'static str, label: &'static str) -> Field {
        Field {
            key,
            label,
            blank_sent: false,
        }
    }

    /// A field the API requires to be written, not only present.
    pub const fn required_text(key: &'static str, label: &'static str) -> Field {
        Field {
            key,
            label,
            blank_sent: true,
        }
    }
}

/// What was typed into such a form: shown again when the form comes back
/// with a problem, and turned into the body the API's operation takes,
/// so the page's checks and messages are the API's.
pub struct Typed {
    fields: &'static [Field],
    values: Vec<String>,
}

impl Typed {
    /// An empty form.
    pub fn blank(fields: &'static [Field]) -> Typed {
        Typed {
            fields,
            values: vec![String::new(); fields.len()],
        }
    }

    /// The values posted for each field (blank when not sent).
    pub fn posted(fields: &'static [Field], posted: &Form) -> Typed {
        Typed {
            fields,
            values: fields
                .iter()
                .map(|f| posted.get(f.key).unwrap_or_default().to_owned())
                .collect(),
        }
    }

    fn index(&self, key: &str) -> usize {
        self.fields
            .iter()
            .position(|f| f.key == key)
            .unwrap_or_else(|| panic!("the form has no field {key:?}"))
    }

    /// The form with `key` filled in (a suggested value, such as today).
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Typed {
        let i = self.index(key);
        self.values[i] = value.into();
        self
    }

    pub fn get(&self, key: &str) -> &str {
        &self.values[self.index(key)]
    }

    /// The label of field `key`; empty for a key not on this form.
    pub fn label(&self, key: &str) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or("", |f| f.label)
    }

    /// The body the API would be sent, parsed as the API parses its own.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        let mut map = Map::new();
        for (field, value) in self.fields.iter().zip(&self.values) {
            if field.blank_sent {
                map.insert(field.key.to_owned(), Value::String(value.clone()));
            } else {
                put(&mut map, field.key, value, false);
            }
        }
        parse_json(Value::Object(map).to_string().as_bytes())
    }

    /// The API's error as this form's problem: beside its field when the
    /// field is on the form, about the whole form otherwise.
    pub fn problem(&self, error: &AppError) -> Problem {
        Problem::of(error, |field| {
            self.fields
                .iter()
                .any(|f| f.key == field)
                .then(|| field.to_owned())
        })
    }

    /// The summary at the top of this form when it has a problem.
    pub fn error_summary(&self, problem: Option<&Problem>) -> Markup {
        let key = problem.and_then(|p| p.key.as_deref()).unwrap_or_default();
        error_summary(problem, self.label(key), key)
    }
}

/// Puts a form's text into a JSON body as the API would be sent it:
/// blank is left out (`clear`: sent as null, which a change reads as
/// "clear it"), anything else as the string typed.
pub fn put(map: &mut Map<String, Value>, key: &str, value: &str, clear: bool) {
    let value = value.trim();
    if !value.is_empty() {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    } else if clear {
        map.insert(key.to_owned(), Value::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use serde_json::json;

    const FORM: &[Field] = &[
        Field::new("on", "Sent on"),
        Field::required_text("reason", "Why"),
    ];

    fn posted(body: &'static str) -> Typed {
        Typed::posted(FORM, &Form::parse(&Bytes::from_static(body.as_bytes())))
    }

    #[test]
    fn a_blank_field_is_left_out_unless_the_api_requires_it_written() {
        let body: Value = posted("on=+&reason=").body().unwrap();
        assert_eq!(body, json!({"reason": ""}));
        let body: Value = posted("on=2026-12-02+&reason=+late+").body().unwrap();
        assert_eq!(body, json!({"on": "2026-12-02", "reason": " late "}));
    }

    #[test]
    fn what_was_typed_is_kept_as_typed_and_fields_not_sent_are_blank() {
        let form = posted("reason=a%20reason&extra=ignored");
        assert_eq!(form.get("reason"), "a reason");
        assert_eq!(form.get("on"), "");
        assert_eq!(Typed::blank(FORM).with("on", "today").get("on"), "today");
    }

    #[test]
    fn an_error_about_a_field_on_the_form_is_shown_beside_it() {
        let form = Typed::blank(FORM);
        let on = form.problem(&AppError::Invalid(crate::domain::FieldError::new(
            "on", "bad date",
        )));
        assert_eq!(on.key.as_deref(), Some("on"));
        assert_eq!(form.label("on"), "Sent on");
        let other = form.problem(&AppError::Invalid(crate::domain::FieldError::new(
            "method", "unknown",
        )));
        assert_eq!(other.key, None, "not a field of this form");
    }
}
