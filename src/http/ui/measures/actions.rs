//! What a supervisor does to a measure after recording it: review it,
//! end it, print its written notice and record that it was sent. Each
//! form's fields become the body the API takes and go through the API's
//! function, so the checks, the errors and the audit are the API's.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::{self, Field, Problem, Typed};
use super::form::redirect;
use super::{kind_label, path_id, PathMeasure};
use crate::domain::{Measure, MeasureId};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::measures::{end_measure, today};
use crate::http::notice::{letter_response, record_sent, render_letter, SentBody};
use crate::http::reviews::{record_review, ReviewBody};
use crate::http::ui::layout::{self, csrf_field, Section, Viewer};
use crate::http::ui::session::UiUser;
use crate::notice::Format;
use crate::state::AppState;

/// A page about measure `m` with a form on it: a link back, the error
/// summary, the form; 422 when there is a problem.
fn action_page(
    user: &UiUser<Supervision>,
    m: &Measure,
    title: &str,
    problem: Option<&Problem>,
    typed: &Typed,
    form: Markup,
) -> Response {
    let body = html! {
        p { a href={ "/ui/measures/" (m.id) } {
            "Back to measure " (m.id) ": " (kind_label(m.kind.name()))
        } }
        (typed.error_summary(problem))
        (form)
    };
    let status = match problem {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let viewer = Viewer::of(user);
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::People, title, body),
    )
}

// --- Review --------------------------------------------------------------

const REVIEW: &[Field] = &[
    Field::new("outcome", "Outcome"),
    Field::new("next_review_on", "Next review by"),
    Field::new("note", "Note"),
];

fn review_page(
    user: &UiUser<Supervision>,
    m: &Measure,
    form: &Typed,
    problem: Option<&Problem>,
) -> Response {
    let at = |key: &str| Problem::at(problem, key);
    let markup = html! {
        p { "Review by " (m.terms.review_on.format("%-d %B %Y")) "." }
        form method="post" action={ "/ui/measures/" (m.id) "/review" } novalidate {
            (csrf_field(&user.csrf_token))
            (fields::radios("outcome", "Outcome", &[
                ("continue", "Continue", "It goes on as agreed until the next review."),
                ("change", "Change", "It is to be changed: you change it next, then it goes on until the next review."),
                ("end", "End", "It ends now."),
            ], form.get("outcome"), at("outcome").as_deref()))
            (fields::input("date", "next_review_on", "Next review by",
                Some("Needed to continue or change; leave blank to end"),
                form.get("next_review_on"), at("next_review_on").as_deref()))
            (fields::textarea("note", "Note", Some("What you looked at and why you decided this"),
                form.get("note"), at("note").as_deref()))
            button class="button" type="submit" { "Record the review" }
        }
    };
    let title = format!("Review measure {}", m.id);
    action_page(user, m, &title, problem, form, markup)
}

async fn review_form(
    State(_state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
) -> Response {
    review_page(&user, &m, &Typed::blank(REVIEW), None)
}

async fn review(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let form = Typed::posted(REVIEW, &posted);
    let reviewed = async {
        let body: ReviewBody = form.body()?;
        record_review(&state, &user.principal(), m.id, body).await
    };
    match reviewed.await {
        // A review that calls for a change goes on to the change.
        Ok(_) if form.get("outcome") == "change" => {
            redirect(&format!("/ui/measures/{}/change", m.id))
        }
        Ok(_) => redirect(&format!("/ui/measures/{}", m.id)),
        Err(error) if fields::shown_on_form(&error) => {
            review_page(&user, &m, &form, Some(&form.problem(&error)))
        }
        Err(error) => layout::from_error(&error),
    }
}

// --- End -----------------------------------------------------------------

const END: &[Field] = &[Field::new("reason", "Why it ends")];

fn end_page(
    user: &UiUser<Supervision>,
    m: &Measure,
    form: &Typed,
    problem: Option<&Problem>,
) -> Response {
    let markup = html! {
        p { "The measure stays on the record; it stops applying now. The person is sent a letter saying so." }
        form method="post" action={ "/ui/measures/" (m.id) "/end" } novalidate {
            (csrf_field(&user.csrf_token))
            (fields::textarea("reason", "Why it ends", None, form.get("reason"),
                Problem::at(problem, "reason").as_deref()))
            button class="button" type="submit" { "End the measure" }
        }
    };
    let title = format!("End measure {}", m.id);
    action_page(user, m, &title, problem, form, markup)
}

async fn end_form(
    State(_state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
) -> Response {
    end_page(&user, &m, &Typed::blank(END), None)
}

async fn end(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let form = Typed::posted(END, &posted);
    match end_measure(&state, &user.principal(), m.id, form.get("reason")).await {
        Ok(_) => redirect(&format!("/ui/measures/{}", m.id)),
        Err(error) if fields::shown_on_form(&error) => {
            end_page(&user, &m, &form, Some(&form.problem(&error)))
        }
        Err(error) => layout::from_error(&error),
    }
}

// --- Written notice ------------------------------------------------------

const SENT: &[Field] = &[
    Field::new("on", "Sent or given on"),
    Field::new("method", "How"),
];

fn notice_page(
    user: &UiUser<Supervision>,
    m: &Measure,
    form: &Typed,
    problem: Option<&Problem>,
) -> Response {
    let at = |key: &str| Problem::at(problem, key);
    let letter = |which: &str| format!("/ui/measures/{}/notice/letter?letter={which}", m.id);
    let markup = html! {
        h2 { "Print the letter" }
        p { "The letter opens on its own page; print it from your browser." }
        ul class="actions" {
            @if m.ended.is_some() {
                li { a href=(letter("end")) { "The letter saying the measure has ended" } }
            } @else {
                li { a href=(letter("new")) { "The letter about the measure" } }
                li { a href=(letter("change")) { "The letter about a change to it" } }
            }
        }
        @if m.ended.is_none() {
            h2 { "Record that it was sent" }
            @if let Some(on) = m.terms.notified_on {
                p { "The person was told in writing on " (on.format("%-d %B %Y")) ". Recording it again changes that date." }
            } @else {
                p { "Nothing is enforced until the person has been told in writing." }
            }
            form method="post" action={ "/ui/measures/" (m.id) "/notice" } novalidate {
                (csrf_field(&user.csrf_token))
                (fields::input("date", "on", "Sent or given on", None, form.get("on"), at("on").as_deref()))
                (fields::radios("method", "How", &[
                    ("post", "By post", ""),
                    ("email", "By email", ""),
                    ("in_person", "Handed over in person", ""),
                    ("phone", "Read out by phone", "For someone who cannot read a letter."),
                ], form.get("method"), at("method").as_deref()))
                button class="button" type="submit" { "Record it sent" }
            }
        }
    };
    let title = format!("Written notice of measure {}", m.id);
    action_page(user, m, &title, problem, form, markup)
}

async fn notice(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
) -> Response {
    let form = Typed::blank(SENT).with("on", today(&state).to_string());
    notice_page(&user, &m, &form, None)
}

async fn sent(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    PathMeasure(m): PathMeasure,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let form = Typed::posted(SENT, &posted);
    let recorded = async {
        let body: SentBody = form.body()?;
        record_sent(&state, &user.principal(), m.id, body).await
    };
    match recorded.await {
        Ok(_) => redirect(&format!("/ui/measures/{}", m.id)),
        Err(error) if fields::shown_on_form(&error) => {
            notice_page(&user, &m, &form, Some(&form.problem(&error)))
        }
        Err(error) => layout::from_error(&error),
    }
}

#[derive(Deserialize)]
struct LetterQuery {
    letter: Option<String>,
}

/// `GET /ui/measures/{id}/notice/letter`: the letter itself, rendered as
/// `GET /v1/measures/{id}/notice` renders it, ready to print.
async fn letter(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    Query(query): Query<LetterQuery>,
) -> Response {
    let Some(id) = path_id::<MeasureId>(&id) else {
        return layout::from_error(&AppError::NotFound("measure"));
    };
    let which = query.letter.as_deref();
    match render_letter(&state, &user.principal(), id, which, Format::Html).await {
        Ok(body) => letter_response(Format::Html, body),
        Err(error) => layout::from_error(&error),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/measures/{id}/review", get(review_form).post(review))
        .route("/ui/measures/{id}/end", get(end_form).post(end))
        .route("/ui/measures/{id}/notice", get(notice).post(sent))
        .route("/ui/measures/{id}/notice/letter", get(letter))
}
