//! `GET /ui/audit`: the audit log for admins, with the filters of
//! `GET /v1/audit` (checked by the same function), newest first, a page at
//! a time ("Older entries" carries the last id shown), and each entry's
//! copies of the record before and after the change shown as indented
//! JSON inside a `<details>`, so the list stays short until one is opened.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::fields::Control;
use super::form_errors::{self, Problem};
use super::layout::{self, Section, Viewer};
use super::review::stored_time;
use super::session::UiUser;
use crate::domain::{FieldError, RecordId};
use crate::error::AppError;
use crate::http::audit::{entries, filter_of, Asked};
use crate::http::auth::Administration;
use crate::state::AppState;
use crate::store::audit::{AuditRow, ENTITIES};

/// Entries per page.
const PAGE: u32 = 50;

/// The filter form as typed (text, so what was typed can be shown back).
#[derive(Deserialize, Default)]
pub struct Search {
    actor: Option<String>,
    action: Option<String>,
    person_id: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_id: Option<String>,
}

/// The form's filters, by name (the page cursor is not one).
const FILTERS: [&str; 7] = [
    "actor",
    "action",
    "person_id",
    "entity",
    "entity_id",
    "from",
    "to",
];

/// A whole number typed into `field`; blank is no filter.
fn number(field: &'static str, text: &Option<String>) -> Result<Option<i64>, AppError> {
    match text.as_deref().map(str::trim).unwrap_or("") {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "must be a whole number, e.g. 42")),
    }
}

impl Search {
    /// What was typed into filter `name`; blank when nothing was.
    fn value(&self, name: &str) -> &str {
        let value = match name {
            "actor" => &self.actor,
            "action" => &self.action,
            "person_id" => &self.person_id,
            "entity" => &self.entity,
            "entity_id" => &self.entity_id,
            "from" => &self.from,
            "to" => &self.to,
            _ => &None,
        };
        value.as_deref().unwrap_or("")
    }

    /// The filter as the API takes it; blank fields filter nothing.
    fn asked(&self) -> Result<Asked, AppError> {
        let text = |name: &str| Some(self.value(name).trim().to_owned()).filter(|t| !t.is_empty());
        Ok(Asked {
            person_id: number("person_id", &self.person_id)?,
            actor: text("actor"),
            action: text("action"),
            entity: text("entity"),
            entity_id: number("entity_id", &self.entity_id)?,
            from: text("from"),
            to: text("to"),
            before_id: number("before_id", &self.before_id)?,
            // One more than a page, to know whether there are older entries.
            limit: Some(PAGE + 1),
        })
    }

    fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for name in FILTERS {
            let value = self.value(name).trim();
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

pub async fn log(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    Query(search): Query<Search>,
) -> Response {
    let found = async {
        let filter = filter_of(search.asked()?, state.policy.timezone)?;
        entries(&state, filter).await
    }
    .await;
    match found {
        Ok(rows) => render(&state, &user, StatusCode::OK, &search, None, &rows),
        Err(error) => match form_errors::field_error(&error) {
            Some(error) => render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &search,
                Some(error),
                &[],
            ),
            None => layout::from_error(&error),
        },
    }
}

fn label_of(field: &str) -> &'static str {
    match field {
        "action" => "Action",
        "person_id" => "Person's id",
        "entity" => "Record",
        "entity_id" => "Record's id",
        "from" => "From",
        "to" => "To",
        "before_id" => "The page",
        _ => "Changed by",
    }
}

fn render(
    state: &AppState,
    user: &UiUser<Administration>,
    status: StatusCode,
    search: &Search,
    error: Option<FieldError>,
    rows: &[AuditRow],
) -> Response {
    let viewer = Viewer::of(user);
    // A bad page cursor has no field of its own: it is shown by the first.
    let field_id = |field: &str| match FILTERS.iter().find(|f| **f == field) {
        Some(filter) => *filter,
        None => "actor",
    };
    let problems: Vec<Problem> = error
        .iter()
        .map(|e| Problem::refused(field_id(&e.field), label_of(&e.field), &e.message))
        .collect();
    let error_of = |name: &str| form_errors::message_for(&problems, name);
    let shown = &rows[..rows.len().min(PAGE as usize)];
    let older = (rows.len() > PAGE as usize).then(|| {
        let last = shown.last().map_or(0, |row| row.id);
        let query = search.query();
        if query.is_empty() {
            format!("/ui/audit?before_id={last}")
        } else {
            format!("/ui/audit?{query}&before_id={last}")
        }
    });
    let tz = state.policy.timezone;
    let body = html! {
        (form_errors::summary(&problems))
        p class="hint" { "Every change made through the pages, the API and the command line, newest first." }
        form method="get" action="/ui/audit" role="search" class="filters" novalidate {
            (Control::new("actor", "Changed by").hint("A user or API key name, e.g. sam")
                .error(error_of("actor")).no_spellcheck()
                .input("text", search.value("actor")))
            (Control::new("action", "Action").hint("One kind of change, e.g. measure.create")
                .error(error_of("action")).no_spellcheck()
                .input("text", search.value("action")))
            (Control::new("person_id", "Person's id").hint("Changes about one person, e.g. 42")
                .error(error_of("person_id")).no_spellcheck()
                .input("text", search.value("person_id")))
            (Control::new("entity", "Record").hint("The kind of record changed")
                .error(error_of("entity")).select(&entity_options(), search.value("entity")))
            (Control::new("entity_id", "Record's id").hint("One record of that kind, e.g. measure 12")
                .error(error_of("entity_id")).no_spellcheck()
                .input("text", search.value("entity_id")))
            (Control::new("from", "From").hint("The first day").error(error_of("from"))
                .input("date", search.value("from")))
            (Control::new("to", "To").hint("The last day").error(error_of("to"))
                .input("date", search.value("to")))
            button class="button" type="submit" { "Search" }
        }
        @if error.is_none() {
            @if shown.is_empty() {
                p { "No entries match." }
            } @else {
                table class="audit" {
                    caption { "Audit entries, newest first" }
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" }
                        th scope="col" { "Record" } th scope="col" { "Change" }
                    } }
                    tbody {
                        @for row in shown {
                            tr {
                                td { (stored_time(&row.at, tz)) }
                                td { (row.actor) }
                                th scope="row" { code { (row.action) } }
                                td {
                                    (record(row))
                                    @if let Some(person) = row.person_id {
                                        br; a href={ "/ui/people/" (person.get()) } { "person " (person.get()) }
                                    }
                                }
                                td { (change(row)) }
                            }
                        }
                    }
                }
            }
            @if let Some(older) = older {
                p { a href=(older) { "Older entries" } }
            }
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Audit, "Audit log", body),
    )
}

/// The record an entry is about, linked to its page when it has one.
fn record(row: &AuditRow) -> Markup {
    let page = match (row.entity.as_str(), row.entity_id) {
        ("measure", Some(id)) => Some(format!("/ui/measures/{id}")),
        ("appeal", Some(id)) => Some(format!("/ui/appeals/{id}")),
        // A person's own entries are linked below, as every person's are.
        _ => None,
    };
    html! {
        @match (page, row.entity_id) {
            (Some(page), Some(id)) => a href=(page) { (row.entity) " " (id) },
            (None, Some(id)) => { (row.entity) " " (id) },
            _ => (row.entity),
        }
    }
}

/// "Any" and every kind of record the log holds entries about.
fn entity_options() -> Vec<(&'static str, &'static str)> {
    std::iter::once(("", "Any"))
        .chain(ENTITIES.iter().map(|e| (*e, *e)))
        .collect()
}

/// An entry's before and after, indented (maud escapes the text).
fn change(row: &AuditRow) -> Markup {
    let pretty = |value: &Value| serde_json::to_string_pretty(value).unwrap_or_default();
    html! {
        @if row.before.is_none() && row.after.is_none() {
            "—"
        } @else {
            details {
                summary { "Before and after" span class="visually-hidden" { " entry " (row.id) } }
                @if let Some(before) = &row.before {
                    p class="audit-copy" { "Before" }
                    pre { code { (pretty(before)) } }
                }
                @if let Some(after) = &row.after {
                    p class="audit-copy" { "After" }
                    pre { code { (pretty(after)) } }
                }
            }
        }
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/audit", axum::routing::get(log))
}
