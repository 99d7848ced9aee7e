//! `GET /ui/advisors`: the advisors directory, for all staff (as the API's
//! list). Supervisors and admins add advisors and retire or reinstate
//! them, through the store operations the API uses (`store::advisors`),
//! audited under the user's name; others see the list only.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::fields::Control;
use super::layout::{self, csrf_field, Section, Viewer};
use super::person::record_id;
use super::session::UiUser;
use crate::domain::{AdvisorId, AdvisorName, FieldError, PbxName};
use crate::error::AppError;
use crate::http::auth::{Staff, Supervision};
use crate::state::AppState;
use crate::store::advisors::{self, AdvisorRow};
use crate::store::timestamp;

/// The "add an advisor" form as typed, and what was wrong with it.
#[derive(Default)]
struct Shown {
    name: String,
    target: String,
    errors: Vec<FieldError>,
}

impl Shown {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

pub async fn list(State(state): State<AppState>, user: UiUser<Staff>) -> Response {
    render(&state, &user, &Shown::default(), StatusCode::OK).await
}

async fn render<R: crate::http::auth::Roles>(
    state: &AppState,
    user: &UiUser<R>,
    shown: &Shown,
    status: StatusCode,
) -> Response {
    let all = match state
        .store
        .read(|conn| advisors::list_advisors(conn, true))
        .await
    {
        Ok(all) => all,
        Err(error) => return layout::from_error(&error.into()),
    };
    let viewer = Viewer::of(user);
    let supervises = viewer.supervises;
    let (current, retired): (Vec<&AdvisorRow>, Vec<&AdvisorRow>) =
        all.iter().partition(|a| a.retired_at.is_none());
    let body = html! {
        @if !shown.errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for e in &shown.errors {
                        li { a href={ "#advisor-" (e.field) } { (e.message) } }
                    }
                }
            }
        }
        p class="hint" {
            "Enquiries and single points of contact name advisors from this list. "
            "A retired advisor stays on what already names them; their calls go to the default queue."
        }
        (table(&viewer, "Current advisors", &current, supervises))
        @if !retired.is_empty() {
            (table(&viewer, "Retired advisors", &retired, supervises))
        }
        @if supervises {
            (add_form(&viewer, shown))
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Advisors, "Advisors", body),
    )
}

fn table(viewer: &Viewer<'_>, caption: &str, rows: &[&AdvisorRow], supervises: bool) -> Markup {
    if rows.is_empty() {
        return html! { p { strong { (caption) } ": none." } };
    }
    html! {
        table {
            caption { (caption) " (" (rows.len()) ")" }
            thead {
                tr {
                    th scope="col" { "Name" }
                    th scope="col" { "Takes calls at" }
                    @if supervises { th scope="col" { span class="visually-hidden" { "Action" } } }
                }
            }
            tbody {
                @for a in rows {
                    tr {
                        th scope="row" { (a.name) }
                        td { (a.target.as_ref().map_or("the default queue", |t| t.as_str())) }
                        @if supervises {
                            td {
                                @let (action, label) = if a.retired_at.is_some() { ("reinstate", "Reinstate") } else { ("retire", "Retire") };
                                form class="inline" method="post" action={ "/ui/advisors/" (a.id) "/" (action) } {
                                    (csrf_field(viewer.csrf_token))
                                    button class="button button-secondary" type="submit" {
                                        (label) span class="visually-hidden" { " " (a.name) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn add_form(viewer: &Viewer<'_>, shown: &Shown) -> Markup {
    html! {
        h2 { "Add an advisor" }
        form method="post" action="/ui/advisors" novalidate {
            (csrf_field(viewer.csrf_token))
            @for (field, label, value, hint) in [
                ("name", "Name", &shown.name, "As enquiries and measures will name them."),
                ("target", "Target (optional)", &shown.target,
                 "Where the phone system sends their calls: their extension or queue, as it names it. Leave blank for the default queue."),
            ] {
                (Control::new(field, label).id(format!("advisor-{field}")).hint(hint)
                    .error(shown.error(field)).no_spellcheck().input("text", value))
            }
            button class="button" type="submit" { "Add advisor" }
        }
    }
}

/// A field's error as a sentence about it ("Name must not be empty").
fn sentence(field: &str, message: &str) -> FieldError {
    let label = if field == "target" { "Target" } else { "Name" };
    FieldError::new(field, format!("{label} {message}"))
}

fn back_to_list() -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, "/ui/advisors")]).into_response()
}

/// `POST /ui/advisors`.
pub async fn add(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let mut shown = Shown {
        name: form.get("name").unwrap_or_default().to_owned(),
        target: form.get("target").unwrap_or_default().to_owned(),
        errors: Vec::new(),
    };
    let name = AdvisorName::parse("name", &shown.name)
        .map_err(|e| shown.errors.push(sentence(&e.field, &e.message)));
    let target = match shown.target.trim() {
        "" => Ok(None),
        given => PbxName::parse(given)
            .map(Some)
            .map_err(|m| shown.errors.push(sentence("target", m))),
    };
    let (Ok(name), Ok(target)) = (name, target) else {
        return render(&state, &user, &shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let (actor, now) = (user.name.clone(), timestamp(state.now()));
    let made = state
        .store
        .write(move |conn| advisors::create(conn, &actor, &name, target.as_ref(), &now))
        .await
        .map_err(AppError::from);
    match made {
        Ok(_) => back_to_list(),
        Err(AppError::Conflict { field, message }) => {
            shown.errors.push(sentence(field, &message));
            render(&state, &user, &shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => layout::from_error(&error),
    }
}

/// `POST /ui/advisors/{id}/{retire,reinstate}`.
pub async fn retire(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path((id, what)): Path<(String, String)>,
    _: CheckedForm,
) -> Response {
    let id: AdvisorId = match record_id(&id) {
        Ok(id) => id,
        Err(error) => return layout::from_error(&error),
    };
    let retired = match what.as_str() {
        "retire" => true,
        "reinstate" => false,
        _ => return layout::from_error(&AppError::NotFound("page")),
    };
    let (actor, now) = (user.name.clone(), timestamp(state.now()));
    let changed = state
        .store
        .write(move |conn| advisors::set_retired(conn, &actor, id, retired, &now))
        .await;
    match changed {
        Ok(_) => back_to_list(),
        // Already done (two tabs, a double click): the list shows where
        // things stand.
        Err(crate::store::StoreError::Conflict { .. }) => back_to_list(),
        Err(error) => layout::from_error(&error.into()),
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/ui/advisors", get(list).post(add))
        .route("/ui/advisors/{id}/{what}", post(retire))
}
