//! Enquiries on the person page: the list, and the forms that open one,
//! assign it to an advisor and close or reopen it. Each post makes the
//! change through the same store operation as the API
//! (`enquiries::open`, `enquiries::change`), audited under the user's
//! name; a refused one shows the person page again with the message next
//! to the field and what was typed kept.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::fields::Control;
use super::layout::{self, csrf_field, Viewer};
use super::person::{self, record_id, Gathered};
use super::session::UiUser;
use crate::domain::{EnquiryId, EnquiryStatus, PersonId};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::state::AppState;
use crate::store::{enquiries, timestamp};

/// What the enquiry forms show after a refused post.
#[derive(Default)]
pub struct Forms {
    /// The "open an enquiry" form as typed.
    reference: String,
    topic: String,
    advisor: String,
    /// Errors of the open form, by field (`reference`, `topic`, `advisor`).
    errors: Vec<(String, String)>,
    /// A refused assignment: which enquiry, and why.
    assign: Option<(EnquiryId, String)>,
}

impl Forms {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The list of problems at the top of the page, each a link to its field.
pub fn error_summary(forms: &Forms) -> Markup {
    let mut problems: Vec<(String, &str)> = forms
        .errors
        .iter()
        .map(|(field, message)| (format!("enquiry-{field}"), message.as_str()))
        .collect();
    if let Some((id, message)) = &forms.assign {
        problems.push((format!("advisor-{id}"), message));
    }
    html! {
        @if !problems.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for (anchor, message) in &problems {
                        li { a href={ "#" (anchor) } { (message) } }
                    }
                }
            }
        }
    }
}

pub fn section(viewer: &Viewer<'_>, found: &Gathered, forms: &Forms) -> Markup {
    html! {
        h2 id="enquiries" { "Enquiries" }
        @if found.enquiries.is_empty() {
            p { "No enquiries yet." }
        } @else {
            table class="enquiries" {
                caption class="visually-hidden" { "Enquiries" }
                thead {
                    tr {
                        th scope="col" { "Enquiry" }
                        th scope="col" { "Status" }
                        th scope="col" { "Advisor" }
                    }
                }
                tbody {
                    @for e in &found.enquiries {
                        tr {
                            th scope="row" {
                                (e.topic)
                                br; span class="hint" { (e.reference.as_deref().unwrap_or("")) " (no. " (e.id) ")" }
                            }
                            td {
                                (if e.status == EnquiryStatus::Open { "Open" } else { "Closed" })
                                (status_form(viewer, e.id, e.status))
                            }
                            td { (assign_form(viewer, found, forms, e)) }
                        }
                    }
                }
            }
        }
        (open_form(viewer, found, forms))
    }
}

fn status_form(viewer: &Viewer<'_>, id: EnquiryId, status: EnquiryStatus) -> Markup {
    let (action, label) = match status {
        EnquiryStatus::Open => ("close", "Close"),
        EnquiryStatus::Closed => ("reopen", "Reopen"),
    };
    html! {
        form class="inline" method="post" action={ "/ui/enquiries/" (id) "/" (action) } {
            (csrf_field(viewer.csrf_token))
            button class="button button-secondary" type="submit" {
                (label) span class="visually-hidden" { " enquiry " (id) }
            }
        }
    }
}

fn advisor_options(found: &Gathered, chosen: &str) -> Markup {
    html! {
        option value="" selected[chosen.is_empty()] { "No advisor" }
        @for a in &found.advisors {
            option value=(a.name) selected[a.name.eq_ignore_ascii_case(chosen)] { (a.name) }
        }
    }
}

fn assign_form(
    viewer: &Viewer<'_>,
    found: &Gathered,
    forms: &Forms,
    e: &crate::domain::Enquiry,
) -> Markup {
    let field = format!("advisor-{}", e.id);
    let error = forms
        .assign
        .as_ref()
        .filter(|(id, _)| *id == e.id)
        .map(|(_, m)| m.as_str());
    let current = e.advisor.as_deref().unwrap_or("");
    html! {
        @if e.status == EnquiryStatus::Closed {
            (e.advisor.as_deref().unwrap_or("None"))
        } @else {
            form method="post" action={ "/ui/enquiries/" (e.id) "/assign" } {
                (csrf_field(viewer.csrf_token))
                div class={ "field" @if error.is_some() { " field-error" } } {
                    label for=(field) { "Advisor for enquiry " (e.id) }
                    @if let Some(error) = error {
                        span class="error-message" id={ (field) "-error" } { "Error: " (error) }
                    }
                    select id=(field) name="advisor"
                        aria-describedby=[error.map(|_| format!("{field}-error"))] {
                        // A retired advisor stays named until someone else is chosen.
                        @if !current.is_empty() && !found.advisors.iter().any(|a| a.name == current) {
                            option value=(current) selected { (current) " (retired)" }
                        }
                        (advisor_options(found, current))
                    }
                }
                button class="button button-secondary" type="submit" { "Assign" }
            }
        }
    }
}

fn open_form(viewer: &Viewer<'_>, found: &Gathered, forms: &Forms) -> Markup {
    let error = forms.error("advisor");
    html! {
        h3 { "Open an enquiry" }
        form method="post" action={ "/ui/people/" (found.person.id) "/enquiries" } novalidate {
            (csrf_field(viewer.csrf_token))
            (Control::new("topic", "Topic").id("enquiry-topic")
                .hint("What the person asked about, in a few words.")
                .error(forms.error("topic")).input("text", &forms.topic))
            (Control::new("reference", "Reference (optional)").id("enquiry-reference")
                .hint("For example the case system's number.")
                .error(forms.error("reference")).no_spellcheck().input("text", &forms.reference))
            div class={ "field" @if error.is_some() { " field-error" } } {
                label for="enquiry-advisor" { "Advisor (optional)" }
                @if let Some(error) = error {
                    span class="error-message" id="enquiry-advisor-error" { "Error: " (error) }
                }
                select id="enquiry-advisor" name="advisor"
                    aria-describedby=[error.map(|_| "enquiry-advisor-error")] {
                    (advisor_options(found, &forms.advisor))
                }
            }
            button class="button" type="submit" { "Open enquiry" }
        }
    }
}

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// The field an error names, if it is one the form can show, and the
/// message as a sentence about that field ("Topic must not be empty").
fn field_of(error: &AppError) -> Option<(String, String)> {
    let (field, message) = match error {
        AppError::Invalid(e) => (e.field.as_str(), e.message.as_str()),
        AppError::Conflict { field, message } => (*field, message.as_str()),
        _ => return None,
    };
    let label = match field {
        "topic" => "Topic",
        "reference" => "Reference",
        _ => "Advisor",
    };
    Some((field.to_owned(), format!("{label} {message}")))
}

/// `POST /ui/people/{id}/enquiries`.
pub async fn open(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let person_id: PersonId = match record_id(&id) {
        Ok(id) => id,
        Err(error) => return layout::from_error(&error),
    };
    let typed = |name| form.get(name).unwrap_or_default().to_owned();
    let mut forms = Forms {
        reference: typed("reference"),
        topic: typed("topic"),
        advisor: typed("advisor"),
        ..Forms::default()
    };
    let result = match crate::http::enquiries::checked_fields(
        Some(&forms.reference),
        &forms.topic,
        Some(&forms.advisor),
    ) {
        Ok((reference, topic, advisor)) => {
            let (actor, now) = (user.name.clone(), timestamp(state.now()));
            state
                .store
                .write(move |conn| {
                    let new = enquiries::NewEnquiry {
                        reference: reference.as_deref(),
                        topic: &topic,
                        advisor: advisor.as_deref(),
                    };
                    enquiries::open(conn, &actor, person_id, &new, &now)
                })
                .await
                .map_err(AppError::from)
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => see_other(format!("/ui/people/{person_id}#enquiries")),
        Err(error) => match field_of(&error) {
            Some(problem) => {
                forms.errors.push(problem);
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                person::respond(&state, &user, person_id, None, &forms, status).await
            }
            None => layout::from_error(&error),
        },
    }
}

/// `POST /ui/enquiries/{id}/{assign,close,reopen}`.
pub async fn change(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path((id, what)): Path<(String, String)>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let id: EnquiryId = match record_id(&id) {
        Ok(id) => id,
        Err(error) => return layout::from_error(&error),
    };
    let change = match what.as_str() {
        "close" => enquiries::Change {
            status: Some(EnquiryStatus::Closed),
            advisor: None,
        },
        "reopen" => enquiries::Change {
            status: Some(EnquiryStatus::Open),
            advisor: None,
        },
        "assign" => {
            let given = form.get("advisor").unwrap_or_default();
            match crate::http::text::optional("advisor", Some(given), 100) {
                Ok(advisor) => enquiries::Change {
                    status: None,
                    advisor: Some(advisor),
                },
                Err(error) => return refused_assignment(&state, &user, id, &error).await,
            }
        }
        _ => return layout::from_error(&AppError::NotFound("page")),
    };
    let (actor, now) = (user.name.clone(), timestamp(state.now()));
    let changed = state
        .store
        .write(move |conn| enquiries::change(conn, &actor, id, change, &now))
        .await;
    match changed {
        Ok(enquiry) => see_other(format!("/ui/people/{}#enquiries", enquiry.person_id)),
        Err(error) => refused_assignment(&state, &user, id, &error.into()).await,
    }
}

/// The person page again, the assignment's error next to its field; an
/// error no field explains is a problem page.
async fn refused_assignment(
    state: &AppState,
    user: &UiUser<Supervision>,
    id: EnquiryId,
    error: &AppError,
) -> Response {
    let Some((_, message)) = field_of(error) else {
        return layout::from_error(error);
    };
    let person_id = match state
        .store
        .read(move |conn| enquiries::get_enquiry(conn, id))
        .await
    {
        Ok(enquiry) => enquiry.person_id,
        Err(error) => return layout::from_error(&error.into()),
    };
    let forms = Forms {
        assign: Some((id, message)),
        ..Forms::default()
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    person::respond(state, user, person_id, None, &forms, status).await
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/ui/people/{id}/enquiries", post(open))
        .route("/ui/enquiries/{id}/{what}", post(change))
}
