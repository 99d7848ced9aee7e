//! `GET /ui`: the home page. Today's calls by action and the measures in
//! force for everyone; the review queue's counts for those who may work
//! it (what a role may not use, it does not see).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::layout::{self, Section, Viewer};
use crate::decision::calendar::{local_date, local_midnight};
use crate::decision::Action;
use crate::http::auth::{Staff, Supervision};
use crate::state::AppState;
use crate::store::{dashboard, reports};

pub async fn home(State(state): State<AppState>, user: super::session::UiUser<Staff>) -> Response {
    let supervises = user.may::<Supervision>();
    if supervises {
        // As the review queue does: reviews come due by the calendar, not
        // by a call, so they are raised when someone looks.
        if let Err(error) = crate::http::flags::bring_up_to_date(&state, None).await {
            return layout::from_error(&error);
        }
    }
    let now = state.now();
    let tz = state.policy.timezone;
    let today = local_date(now, tz);
    let (start, end) = (
        local_midnight(today, tz),
        local_midnight(today.succ_opt().unwrap_or(today), tz),
    );
    let counts = state
        .store
        .read(move |conn| {
            let tally = reports::tally_contacts(conn, start, end)?;
            let in_force = reports::measures_in_force(conn, today, today, start)?.len();
            let queue = if supervises {
                Some(dashboard::queue_counts(conn)?)
            } else {
                None
            };
            Ok((tally, in_force, queue))
        })
        .await;
    let (tally, in_force, queue) = match counts {
        Ok(counts) => counts,
        Err(error) => return layout::from_error(&error.into()),
    };
    let body = html! {
        p class="hint" { "Today is " (today.format("%A %-d %B %Y")) "." }
        h2 { "Today's calls" }
        table {
            caption { "Calls today by what fairline told the phone system to do" }
            thead { tr { th scope="col" { "Action" } th scope="col" class="number" { "Calls" } } }
            tbody {
                @for (action, count) in Action::ALL.iter().zip(tally.actions) {
                    tr { th scope="row" { (action_label(*action)) } td class="number" { (count) } }
                }
            }
        }
        @if let Some(queue) = queue {
            h2 { "Review queue" }
            ul class="cards" {
                li { a href="/ui/review" { span class="count" { (queue.open_flags) } "open flags" } }
                li { a href="/ui/review" { span class="count" { (queue.reviews_due) } "reviews due" } }
                li { a href="/ui/review" { span class="count" { (queue.appeals_waiting) } "appeals waiting" } }
                li { span class="count" { (in_force) } "measures in force" }
            }
        } @else {
            h2 { "Measures" }
            ul class="cards" {
                li { span class="count" { (in_force) } "measures in force" }
            }
        }
    };
    let viewer = Viewer::of(&user);
    layout::respond(
        StatusCode::OK,
        layout::page(Some(&viewer), Section::Home, "Home", body),
    )
}

pub(super) fn action_label(action: Action) -> &'static str {
    match action {
        Action::Route => "Put through",
        Action::Announce => "Put through after a message",
        Action::Divert => "Diverted",
        Action::Block => "Blocked",
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui", axum::routing::get(home))
}
