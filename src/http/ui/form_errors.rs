//! What the review queue, number rules and call history forms share: the
//! error summary at the top of a page that was refused, and the message
//! beside a field, joined by `aria-describedby`, as GOV.UK shows them.

use maud::{html, Markup};

use crate::domain::FieldError;
use crate::error::AppError;

/// One problem to show: the id of the field it is about (the summary
/// links to it) and what to do.
pub struct Problem {
    pub field_id: String,
    pub message: String,
}

/// The box at the top of a refused form's page.
pub fn summary(problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for problem in problems {
                        li { a href={ "#" (problem.field_id) } { (problem.message) } }
                    }
                }
            }
        }
    }
}

/// The message beside field `id`, if it is the one in error; its id is
/// `{id}-error`, for the field's `aria-describedby`.
pub fn message(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            span class="error-message" id={ (id) "-error" } { "Error: " (error) }
        }
    }
}

/// `{id}-error` when the field is in error, for `aria-describedby`.
pub fn described_by(id: &str, error: Option<&str>) -> Option<String> {
    error.map(|_| format!("{id}-error"))
}

/// The `field` class of a field's wrapper, marked when it is in error.
pub fn field_class(error: Option<&str>) -> &'static str {
    if error.is_some() {
        "field field-error"
    } else {
        "field"
    }
}

/// The field an API error names, and its message, when it is about one
/// field (the form shows it there); `None` for any other error.
pub fn field_error(error: &AppError) -> Option<FieldError> {
    match error {
        AppError::Invalid(e) | AppError::InvalidLine { error: e, .. } => {
            Some(FieldError::new(e.field.clone(), e.message.clone()))
        }
        AppError::Refused { field, message, .. } | AppError::Conflict { field, message } => {
            Some(FieldError::new(*field, message.clone()))
        }
        _ => None,
    }
}
