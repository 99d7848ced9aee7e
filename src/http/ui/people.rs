//! `GET /ui/people`: find a person by name or reference (supervisors and
//! admins, as the API's people routes).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Section, Viewer};
use super::session::UiUser;
use crate::http::auth::Supervision;
use crate::state::AppState;
use crate::store::people;

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
        match state
            .store
            .read(move |conn| people::search_people(conn, &lookup, 50))
            .await
        {
            Ok(rows) => Some(rows),
            Err(error) => return layout::from_error(&error.into()),
        }
    };
    let body = html! {
        form method="get" action="/ui/people" role="search" {
            div class="field" {
                label for="q" { "Name or reference" }
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
                                td { (row.name) }
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
