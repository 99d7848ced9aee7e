//! `GET /ui/people`: find a person by name, reference, phone number (in
//! any format the service's region reads) or email (supervisors and
//! admins, as the API's people routes); each result links to their page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Section, Viewer};
use super::session::UiUser;
use crate::domain::{Email, PhoneNumber};
use crate::http::auth::Supervision;
use crate::state::AppState;
use crate::store::people::{self, Identity};

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let text = query.q.unwrap_or_default().trim().to_owned();
    let found = if text.is_empty() {
        None
    } else {
        let lookup = text.clone();
        // Text that reads as a number or an email is looked up as one too;
        // names and references are searched either way (a reference may
        // look like a number).
        let identity = PhoneNumber::parse(&text, state.region)
            .ok()
            .map(Identity::Phone)
            .or_else(|| Email::parse(&text).ok().map(Identity::Email));
        match state
            .store
            .read(move |conn| {
                let mut rows = Vec::new();
                if let Some(id) = identity
                    .map(|identity| people::person_with(conn, &identity))
                    .transpose()?
                    .flatten()
                {
                    rows.push(people::get_person(conn, id)?);
                }
                for row in people::search_people(conn, &lookup, 50)? {
                    if !rows.iter().any(|r| r.id == row.id) {
                        rows.push(row);
                    }
                }
                Ok(rows)
            })
            .await
        {
            Ok(rows) => Some(rows),
            Err(error) => return layout::from_error(&error.into()),
        }
    };
    let body = html! {
        form method="get" action="/ui/people" role="search" {
            div class="field" {
                label for="q" { "Name, reference, phone number or email" }
                input id="q" name="q" type="search" value=(text);
            }
            button class="button" type="submit" { "Search" }
        }
        @if let Some(rows) = found {
            h2 { "Results" }
            @if rows.is_empty() {
                p { "No one matches " strong { (text) } "." }
            } @else {
                table {
                    caption { (rows.len()) " people" }
                    thead { tr { th scope="col" { "Name" } th scope="col" { "Reference" } } }
                    tbody {
                        @for row in &rows {
                            tr {
                                td { a href={ "/ui/people/" (row.id) } { (row.name) } }
                                td { (row.reference.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    };
    let viewer = Viewer::of(&user);
    layout::respond(
        StatusCode::OK,
        layout::page(Some(&viewer), Section::People, "Find a person", body),
    )
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/people", axum::routing::get(search))
}
