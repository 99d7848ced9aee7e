//! What the review queue, number rules, call history, audit and users
//! forms share: the error summary at the top of a page that was refused,
//! listing each problem with a link to its field (drawn by `fields`).

use maud::{html, Markup};

use crate::domain::FieldError;
use crate::error::AppError;

/// One problem to show: the id of the field it is about (the summary
/// links to it) and what to do.
pub struct Problem {
    pub field_id: String,
    pub message: String,
}

impl Problem {
    /// A field the API refused, as the summary lists it: `label` before
    /// the API's message, linking to the field's id.
    pub fn refused(field_id: impl Into<String>, label: &str, message: &str) -> Problem {
        Problem {
            field_id: field_id.into(),
            message: format!("{label} {message}"),
        }
    }
}

/// The message to show beside the field whose id is `id`, when one of
/// the page's problems is about it.
pub fn message_for<'a>(problems: &'a [Problem], id: &str) -> Option<&'a str> {
    problems
        .iter()
        .find(|p| p.field_id == id)
        .map(|p| p.message.as_str())
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
