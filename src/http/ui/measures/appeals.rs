//! Appeals and complaints about a measure in pages: any member of staff
//! who receives one records it (as the API allows); a supervisor who was
//! not involved in the measure decides it. One who was is refused with
//! the API's `not_independent`, said in plain words.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::html;

use super::fields::{self, Field, Problem, Typed};
use super::form::redirect;
use super::{kind_label, path_id, PathMeasure};
use crate::domain::{AppealId, Channel, Measure};
use crate::error::AppError;
use crate::http::appeals::{decide_appeal, record_appeal, DecisionBody, NewBody};
use crate::http::auth::{Staff, Supervision};
use crate::http::measures::today;
use crate::http::ui::layout::{self, csrf_field, summary_row, Section, Viewer};
use crate::http::ui::session::UiUser;
use crate::state::AppState;
use crate::store::appeals::{self as store, AppealRow};

const NOT_INDEPENDENT: &str = "You recorded this measure or last changed it, so you cannot \
    decide an appeal about it: the policy asks for a senior member of staff who was not \
    involved. Ask another supervisor to decide it.";

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Phone => "By phone",
        Channel::Email => "By email",
        Channel::Web => "On the web",
        Channel::Letter => "By letter",
        Channel::InPerson => "In person",
    }
}

// --- Recording -----------------------------------------------------------

const APPEAL: &[Field] = &[
    Field::new("received_on", "Received on"),
    Field::new("channel", "How it came in"),
    // Sent even when blank, so blank is "must not be empty", as the API says.
    Field::required_text("grounds", "Grounds"),
];

fn new_page(
    user: &UiUser<Staff>,
    m: &Measure,
    form: &Typed,
    problem: Option<&Problem>,
) -> Response {
    let at = |key: &str| Problem::at(problem, key);
    let channels: Vec<(&str, &str, &str)> = Channel::ALL
        .iter()
        .map(|c| (c.as_str(), channel_label(*c), ""))
        .collect();
    let body = html! {
        @if user.may::<Supervision>() {
            p { a href={ "/ui/measures/" (m.id) } { "Back to the measure" } }
        }
        p { "An appeal or complaint about how the policy was applied to this measure ("
            (kind_label(m.kind.name())) "). A supervisor who was not involved in it decides it." }
        (form.error_summary(problem))
        form method="post" action={ "/ui/measures/" (m.id) "/appeals/new" } novalidate {
            (csrf_field(&user.csrf_token))
            (fields::input("date", "received_on", "Received on", None, form.get("received_on"),
                at("received_on").as_deref()))
            (fields::radios("channel", "How it came in", &channels, form.get("channel"),
                at("channel").as_deref()))
            (fields::textarea("grounds", "Grounds", Some("What the person says, in their words where you can"),
                form.get("grounds"), at("grounds").as_deref()))
            button class="button" type="submit" { "Record the appeal" }
        }
    };
    let status = match problem {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let viewer = Viewer::of(user);
    let title = format!("Record an appeal about measure {}", m.id);
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::None, &title, body),
    )
}

async fn new_form(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    PathMeasure(m): PathMeasure,
) -> Response {
    let form = Typed::blank(APPEAL).with("received_on", today(&state).to_string());
    new_page(&user, &m, &form, None)
}

async fn record(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    PathMeasure(m): PathMeasure,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let form = Typed::posted(APPEAL, &posted);
    let recorded = async {
        let body: NewBody = form.body()?;
        record_appeal(&state, &user.principal(), m.id, body).await
    };
    match recorded.await {
        Ok(appeal) => redirect(&format!("/ui/appeals/{}", appeal.id)),
        Err(error) if fields::shown_on_form(&error) => {
            new_page(&user, &m, &form, Some(&form.problem(&error)))
        }
        Err(error) => layout::from_error(&error),
    }
}

// --- The appeal and its decision -------------------------------------------

const DECISION: &[Field] = &[
    Field::new("outcome", "Decision"),
    Field::required_text("reason", "Why"),
];

fn appeal_page<R: crate::http::auth::Roles>(
    user: &UiUser<R>,
    appeal: &AppealRow,
    form: &Typed,
    problem: Option<&Problem>,
    status: StatusCode,
) -> Response {
    let at = |key: &str| Problem::at(problem, key);
    let supervises = user.may::<Supervision>();
    let body = html! {
        @if supervises {
            p { a href={ "/ui/measures/" (appeal.measure_id) } { "Back to measure " (appeal.measure_id) } }
        }
        dl class="summary" {
            (summary_row("Received", html! { (appeal.received_on.format("%-d %B %Y")) }))
            (summary_row("How it came in", html! { (channel_label(appeal.channel)) }))
            (summary_row("Grounds", html! { (appeal.grounds) }))
            (summary_row("Recorded by", html! { (appeal.recorded_by) }))
            (summary_row("Decision", html! {
                @match &appeal.decision {
                    Some(d) => { strong { (d.outcome.as_str()) } " by " (d.decided_by) ": " (d.reason) },
                    None => { "Waiting for a decision" },
                }
            }))
        }
        @if supervises && appeal.decision.is_none() {
            h2 { "Decide the appeal" }
            (form.error_summary(problem))
            form method="post" action={ "/ui/appeals/" (appeal.id) "/decision" } novalidate {
                (csrf_field(&user.csrf_token))
                (fields::radios("outcome", "Decision", &[
                    ("upheld", "Upheld", "The measure stands as it is."),
                    ("changed", "Changed", "Change the measure first; the decision points at that change."),
                    ("ended", "Ended", "The measure ends now."),
                ], form.get("outcome"), at("outcome").as_deref()))
                (fields::textarea("reason", "Why", Some("The person is told this"),
                    form.get("reason"), at("reason").as_deref()))
                button class="button" type="submit" { "Record the decision" }
            }
        }
    };
    let viewer = Viewer::of(user);
    let title = format!("Appeal {} about measure {}", appeal.id, appeal.measure_id);
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::None, &title, body),
    )
}

async fn appeal_of(state: &AppState, raw: &str) -> Result<AppealRow, AppError> {
    let id = path_id::<AppealId>(raw).ok_or(AppError::NotFound("appeal"))?;
    Ok(state.store.read(move |conn| store::get(conn, id)).await?)
}

async fn show(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    Path(id): Path<String>,
) -> Response {
    match appeal_of(&state, &id).await {
        Ok(appeal) => appeal_page(
            &user,
            &appeal,
            &Typed::blank(DECISION),
            None,
            StatusCode::OK,
        ),
        Err(error) => layout::from_error(&error),
    }
}

async fn decide(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let appeal = match appeal_of(&state, &id).await {
        Ok(appeal) => appeal,
        Err(error) => return layout::from_error(&error),
    };
    let form = Typed::posted(DECISION, &posted);
    let decided = async {
        let body: DecisionBody = form.body()?;
        decide_appeal(&state, &user.principal(), appeal.id, body).await
    };
    match decided.await {
        Ok(appeal) => redirect(&format!("/ui/appeals/{}", appeal.id)),
        Err(AppError::NotIndependent(_)) => {
            let problem = Problem {
                key: None,
                message: NOT_INDEPENDENT.into(),
            };
            appeal_page(&user, &appeal, &form, Some(&problem), StatusCode::FORBIDDEN)
        }
        Err(error) if fields::shown_on_form(&error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            appeal_page(&user, &appeal, &form, Some(&form.problem(&error)), status)
        }
        Err(error) => layout::from_error(&error),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/measures/{id}/appeals/new", get(new_form).post(record))
        .route("/ui/appeals/{id}", get(show))
        .route("/ui/appeals/{id}/decision", post(decide))
}
