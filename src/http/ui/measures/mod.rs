//! A measure's life in pages: record one for a person, see it (status,
//! review date, reviews, appeals), review it, change it, end it, print its
//! written notice and record it sent, record an appeal and decide it.
//! Every change goes through the function the API's handler uses
//! (`http::measures`, `reviews`, `notice`, `appeals`), under the signed-in
//! user's name, so a page checks and audits exactly as the API does.
//! Supervisors and admins, as the API's measure routes; an appeal may be
//! recorded by any member of staff, as the API allows.

mod actions;
mod appeals;
mod fields;
mod form;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use maud::html;

use super::layout::{self, summary_row, Section, Viewer};
use super::session::UiUser;
use crate::domain::{Measure, MeasureId, RecordId};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::measures::{status_of, today};
use crate::notice::plain;
use crate::state::AppState;
use crate::store::{appeals as appeal_store, measures, people, reviews};

/// The kinds, in the policy's words: (name, label, what it means).
pub const KINDS: [(&str, &str, &str); 9] = [
    (
        "change_requested",
        "A change requested (first step)",
        "Requesting a change in communication. It enforces nothing.",
    ),
    (
        "style_warning",
        "A style warning (first step)",
        "Highlighting a communication style deemed inappropriate and asking the person to stop. \
         With a reminder prompt, calls hear it first; nothing is blocked.",
    ),
    (
        "other",
        "Another resolution (first step)",
        "Other relevant resolutions, in words. It enforces nothing.",
    ),
    (
        "frequency_limit",
        "Frequency limit",
        "No more than a number of contacts a day, week or month.",
    ),
    (
        "contact_windows",
        "Contact windows",
        "Calls put through only on agreed days and times.",
    ),
    (
        "single_point_of_contact",
        "Single point of contact",
        "Calls go to one named advisor.",
    ),
    (
        "open_enquiries_only",
        "Open enquiries only",
        "Calls only about enquiries the person has open.",
    ),
    (
        "new_issues_only",
        "New issues only",
        "Calls only about new issues, not matters already answered.",
    ),
    (
        "block",
        "Block",
        "No calls put through except the urgent option. Only after an earlier measure the \
         person was told about in writing.",
    ),
];

/// A kind's label (the name itself for one not listed).
pub fn kind_label(name: &str) -> String {
    KINDS
        .iter()
        .find(|(kind, ..)| *kind == name)
        .map(|(_, label, _)| (*label).to_owned())
        .unwrap_or_else(|| name.to_owned())
}

/// A record's id from the path, as the API reads one: anything but a
/// positive whole number names no record.
pub fn path_id<T: RecordId>(raw: &str) -> Option<T> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(T::from_raw)
}

/// A status in words.
/// The measure a page's path names (`/ui/measures/{id}/...`), read for
/// the handler; a malformed id is as unknown as a missing one, and either
/// is the not-found page.
pub struct PathMeasure(pub Measure);

impl FromRequestParts<AppState> for PathMeasure {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let read = async {
            let id = path_id::<MeasureId>(&raw).ok_or(AppError::NotFound("measure"))?;
            Ok::<_, AppError>(
                state
                    .store
                    .read(move |conn| measures::get_measure(conn, id))
                    .await?,
            )
        };
        read.await
            .map(PathMeasure)
            .map_err(|error| layout::from_error(&error))
    }
}

pub fn status_words(status: &str) -> String {
    match status {
        "in_force" => "In force".to_owned(),
        "ended" => "Ended".to_owned(),
        why => {
            let mut words = why.to_owned();
            if let Some(first) = words.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("Not in force: {words}")
        }
    }
}

fn long(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// `GET /ui/measures/{id}`.
async fn show(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = path_id::<MeasureId>(&id) else {
        return layout::from_error(&AppError::NotFound("measure"));
    };
    let found = state
        .store
        .read(move |conn| {
            let measure = measures::get_measure(conn, id)?;
            let person = people::get_person(conn, measure.person_id)?;
            let method = measures::notice_method(conn, id)?;
            let reviews = reviews::of_measure(conn, id)?;
            let appeals = appeal_store::of_measure(conn, id)?;
            Ok((measure, person, method, reviews, appeals))
        })
        .await;
    let (measure, person, method, reviews, appeals) = match found {
        Ok(found) => found,
        Err(error) => return layout::from_error(&error.into()),
    };
    let today = today(&state);
    let status = status_of(&measure, Some((today, state.policy.review_grace_days)));
    let m: &Measure = &measure;
    let body = html! {
        p { a href={ "/ui/people/" (m.person_id) } { "Back to " (person.name) } }
        dl class="summary" {
            (summary_row("Person", html! { (person.name) }))
            (summary_row("Status", html! { strong { (status_words(&status)) } }))
            (summary_row("What is agreed", html! {
                ul class="plain" { @for line in plain::terms(&m.kind) { li { (line) } } }
            }))
            (summary_row("Reason", html! { (m.terms.reason) }))
            (summary_row("Told in writing", html! {
                @match m.terms.notified_on {
                    Some(on) => { (long(on)) @if let Some(method) = method { " (" (method.as_str().replace('_', " ")) ")" } },
                    None => { "Not yet: nothing is enforced until the person is told in writing" },
                }
            }))
            (summary_row("Starts", html! { (long(m.terms.starts_on)) }))
            (summary_row("Review by", html! { (long(m.terms.review_on)) }))
            (summary_row("Ends", html! { @match m.terms.ends_on { Some(on) => (long(on)), None => "No end date" } }))
            (summary_row("Recorded by", html! { (m.set_by) }))
            @if let Some(ended) = &m.ended {
                (summary_row("Ended", html! {
                    (long(crate::decision::calendar::local_date(ended.at, state.policy.timezone)))
                    " by " (ended.by) ": " (ended.reason)
                }))
            }
        }
        h2 { "What you can do" }
        ul class="actions" {
            @if m.ended.is_none() {
                li { a href={ "/ui/measures/" (m.id) "/review" } { "Review this measure" } }
                li { a href={ "/ui/measures/" (m.id) "/change" } { "Change this measure" } }
                li { a href={ "/ui/measures/" (m.id) "/end" } { "End this measure" } }
            }
            li { a href={ "/ui/measures/" (m.id) "/notice" } { "Print the written notice and record it sent" } }
            li { a href={ "/ui/measures/" (m.id) "/appeals/new" } { "Record an appeal or complaint about this measure" } }
        }
        h2 { "Reviews" }
        @if reviews.is_empty() {
            p { "Not reviewed yet." }
        } @else {
            table {
                caption class="visually-hidden" { "Reviews of this measure, newest first" }
                thead { tr {
                    th scope="col" { "Reviewed" } th scope="col" { "By" }
                    th scope="col" { "Outcome" } th scope="col" { "Next review" }
                    th scope="col" { "Note" }
                } }
                tbody { @for r in &reviews { tr {
                    td { (long(crate::decision::calendar::local_date(r.reviewed_at, state.policy.timezone))) }
                    td { (r.reviewed_by) }
                    td { (r.outcome.as_str()) }
                    td { @if let Some(next) = r.next_review_on { (long(next)) } @else { "–" } }
                    td { (r.note) }
                } } }
            }
        }
        h2 { "Appeals" }
        @if appeals.is_empty() {
            p { "No appeals or complaints about this measure." }
        } @else {
            table {
                caption class="visually-hidden" { "Appeals about this measure, oldest first" }
                thead { tr {
                    th scope="col" { "Received" } th scope="col" { "Grounds" }
                    th scope="col" { "Decision" }
                } }
                tbody { @for a in &appeals { tr {
                    td { a href={ "/ui/appeals/" (a.id) } { (long(a.received_on)) } }
                    td { (a.grounds) }
                    td { @match &a.decision {
                        Some(d) => { (d.outcome.as_str()) " by " (d.decided_by) },
                        None => { a href={ "/ui/appeals/" (a.id) } { "Waiting: decide it" } },
                    } }
                } } }
            }
        }
    };
    let viewer = Viewer::of(&user);
    let title = format!("Measure {}: {}", m.id, kind_label(m.kind.name()));
    layout::respond(
        StatusCode::OK,
        layout::page(Some(&viewer), Section::People, &title, body),
    )
}

/// This module's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/ui/people/{id}/measures/new",
            get(form::new_form).post(form::record),
        )
        .route("/ui/measures/{id}", get(show))
        .route(
            "/ui/measures/{id}/change",
            get(form::change_form).post(form::change),
        )
        .merge(actions::routes())
        .merge(appeals::routes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_offers_every_kind_the_api_accepts_and_no_other() {
        let mut offered: Vec<&str> = KINDS.iter().map(|(name, ..)| *name).collect();
        let mut accepted = crate::domain::KIND_NAMES.to_vec();
        offered.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(offered, accepted);
    }
}
