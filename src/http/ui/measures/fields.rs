//! The form parts the measure pages share: one problem (the API answers
//! one error at a time), the error summary that links to its field, and
//! fields that show their error beside them (`aria-describedby`) and keep
//! what was typed.

use maud::{html, Markup};
use serde_json::{Map, Value};

use crate::error::AppError;

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

/// The error line of a field, with the id its input points at.
fn error_line(key: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            span class="error-message" id={ (key) "-error" } { "Error: " (error) }
        }
    }
}

fn described_by(key: &str, hint: Option<&str>, error: Option<&str>) -> Option<String> {
    let ids: Vec<String> = [
        hint.map(|_| format!("{key}-hint")),
        error.map(|_| format!("{key}-error")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

fn field_class(error: Option<&str>) -> &'static str {
    if error.is_some() {
        "field field-error"
    } else {
        "field"
    }
}

/// One labelled input (`kind`: text, date, number, time).
pub fn input(
    kind: &str,
    key: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        div class=(field_class(error)) {
            label for=(key) { (label) }
            @if let Some(hint) = hint { span class="hint" id={ (key) "-hint" } { (hint) } }
            (error_line(key, error))
            input id=(key) name=(key) type=(kind) value=(value)
                aria-describedby=[described_by(key, hint, error)];
        }
    }
}

/// One labelled text area.
pub fn textarea(
    key: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        div class=(field_class(error)) {
            label for=(key) { (label) }
            @if let Some(hint) = hint { span class="hint" id={ (key) "-hint" } { (hint) } }
            (error_line(key, error))
            textarea id=(key) name=(key) rows="4"
                aria-describedby=[described_by(key, hint, error)] { (value) }
        }
    }
}

/// One labelled select; `options` are (value, label).
pub fn select(
    key: &str,
    label: &str,
    options: &[(&str, &str)],
    value: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        div class=(field_class(error)) {
            label for=(key) { (label) }
            (error_line(key, error))
            select id=(key) name=(key) aria-describedby=[described_by(key, None, error)] {
                @for (option, text) in options {
                    option value=(option) selected[*option == value] { (text) }
                }
            }
        }
    }
}

/// A radio group in a fieldset; `options` are (value, label, hint). The
/// first radio's id is `key`, so the error summary's link lands on it.
pub fn radios(
    key: &str,
    legend: &str,
    options: &[(&str, &str, &str)],
    value: &str,
    error: Option<&str>,
) -> Markup {
    html! {
        div class=(field_class(error)) {
            fieldset class="radios" aria-describedby=[described_by(key, None, error)] {
                legend { (legend) }
                (error_line(key, error))
                @for (i, (option, label, hint)) in options.iter().enumerate() {
                    @let id = if i == 0 { key.to_owned() } else { format!("{key}-{option}") };
                    div class="radio" {
                        input id=(id) name=(key) type="radio" value=(option)
                            checked[*option == value]
                            aria-describedby=[(!hint.is_empty()).then(|| format!("{id}-hint"))];
                        label for=(id) { (label) }
                        @if !hint.is_empty() {
                            span class="hint" id={ (id) "-hint" } { (hint) }
                        }
                    }
                }
            }
        }
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
