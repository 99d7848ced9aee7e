//! `GET /ui/calls`: the call history for advisors and up, with the API's
//! filters (`GET /v1/contacts`), newest first, a page at a time by the
//! API's keyset cursor, and the same rows as a CSV download. Supervisors
//! and admins get "Block this number" on each phone row.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::Control;
use super::form_errors::{self, Problem};
use super::home::action_label;
use super::layout::{self, Section, Viewer};
use super::review::local_time;
use super::session::UiUser;
use crate::decision::Action;
use crate::domain::{Channel, FieldError, RecordId};
use crate::http::auth::{Staff, Supervision};
use crate::http::history::{export, filter_of, read_page, record_read};
use crate::state::AppState;
use crate::store::history::{FilterText, HistoryRow};

/// Rows per page.
const PAGE: u32 = 50;

/// The filter form's fields, in the API's names, and the cursor.
#[derive(Deserialize, Default)]
pub struct Search {
    person: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    enquiry: Option<String>,
    channel: Option<String>,
    action: Option<String>,
    advisor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

/// Field name, label, hint: those with a hint first, so on a wide screen
/// the inputs of a row line up.
const TEXT_FIELDS: [(&str, &str, &str); 7] = [
    (
        "phone",
        "Phone number",
        "Written any way, e.g. 07700 900123",
    ),
    (
        "from",
        "From",
        "A date, e.g. 2026-03-01, or a date and time",
    ),
    ("to", "To", "A date, e.g. 2026-03-31, includes that day"),
    ("email", "Email address", ""),
    ("person", "Person's id", ""),
    ("enquiry", "Enquiry reference or id", ""),
    ("advisor", "Advisor", ""),
];

impl Search {
    fn text(&self) -> FilterText {
        FilterText {
            person: self.person.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            enquiry: self.enquiry.clone(),
            channel: self.channel.clone(),
            action: self.action.clone(),
            advisor: self.advisor.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    fn value(&self, name: &str) -> &str {
        let value = match name {
            "person" => &self.person,
            "phone" => &self.phone,
            "email" => &self.email,
            "enquiry" => &self.enquiry,
            "channel" => &self.channel,
            "action" => &self.action,
            "advisor" => &self.advisor,
            "from" => &self.from,
            "to" => &self.to,
            _ => &None,
        };
        value.as_deref().unwrap_or("")
    }

    /// The filters as a query string (blank ones left out), for the
    /// "Older" and CSV links.
    fn query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for name in [
            "person", "phone", "email", "enquiry", "channel", "action", "advisor", "from", "to",
        ] {
            let value = self.value(name).trim();
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }
}

pub async fn history(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    Query(search): Query<Search>,
) -> Response {
    let who = user.principal();
    let found = match filter_of(&state, &search.text()).await {
        Ok(filter) => read_page(&state, &who, filter, PAGE, search.cursor.clone()).await,
        Err(error) => Err(error),
    };
    match found {
        Ok((rows, next)) => render(
            &state,
            &user,
            StatusCode::OK,
            &search,
            None,
            Some((rows, next)),
        ),
        Err(error) => match form_errors::field_error(&error) {
            Some(error) => render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                &search,
                Some(error),
                None,
            ),
            None => layout::from_error(&error),
        },
    }
}

fn label_of(field: &str) -> &str {
    match field {
        "channel" => "Channel",
        "action" => "What happened",
        "cursor" => "The page",
        other => TEXT_FIELDS
            .iter()
            .find(|(name, ..)| *name == other)
            .map_or(other, |(_, label, _)| label),
    }
}

fn render(
    state: &AppState,
    user: &UiUser<Staff>,
    status: StatusCode,
    search: &Search,
    error: Option<FieldError>,
    found: Option<(Vec<HistoryRow>, Option<String>)>,
) -> Response {
    let viewer = Viewer::of(user);
    let supervises = user.may::<Supervision>();
    let problems: Vec<Problem> = error
        .iter()
        .map(|e| {
            // A bad page cursor has no field: the summary links the first.
            let field_id = if e.field == "cursor" {
                "phone"
            } else {
                &e.field
            };
            Problem::refused(field_id, label_of(&e.field), &e.message)
        })
        .collect();
    let error_of = |name: &str| {
        error
            .as_ref()
            .filter(|e| e.field == name)
            .map(|_| problems[0].message.as_str())
    };
    let query = search.query();
    let tz = state.policy.timezone;
    let body = html! {
        (form_errors::summary(&problems))
        form method="get" action="/ui/calls" role="search" class="filters" novalidate {
            @for (name, label, hint) in TEXT_FIELDS {
                (Control::new(name, label).hint((!hint.is_empty()).then_some(hint))
                    .error(error_of(name)).input("text", search.value(name)))
            }
            (choice("channel", "Channel", search.value("channel"), error_of("channel"),
                &Channel::ALL.map(|c| (c.as_str(), c.as_str()))))
            (choice("action", "What happened", search.value("action"), error_of("action"),
                &Action::ALL.map(|a| (a.as_str(), action_label(a)))))
            button class="button" type="submit" { "Search" }
        }
        @if let Some((rows, next)) = &found {
            p {
                a href={ "/ui/calls.csv" @if !query.is_empty() { "?" (query) } } download {
                    "Download every matching call as CSV"
                }
            }
            (table(rows, supervises, tz))
            @if let Some(next) = next {
                p {
                    a href={ "/ui/calls?" (query) @if !query.is_empty() { "&" } "cursor=" (next) } rel="next" {
                        "Older calls"
                    }
                }
            }
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Calls, "Call history", body),
    )
}

/// A filter chosen from a list, or "Any".
fn choice(
    name: &str,
    label: &str,
    chosen: &str,
    error: Option<&str>,
    options: &[(&str, &str)],
) -> Markup {
    let any = std::iter::once(("", "Any")).chain(options.iter().copied());
    Control::new(name, label)
        .error(error)
        .select(&any.collect::<Vec<_>>(), chosen)
}

fn table(rows: &[HistoryRow], supervises: bool, tz: chrono_tz::Tz) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "No calls or contacts match." }
        } @else {
            div class="table-scroll" {
                table {
                    caption { "Contacts, newest first" }
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "From" } th scope="col" { "Channel" }
                        th scope="col" { "What happened" } th scope="col" { "Advisor" }
                        th scope="col" { "Enquiry" }
                        @if supervises { th scope="col" { span class="visually-hidden" { "Actions" } } }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (local_time(row.at, tz)) }
                                td { (row.identity.as_deref().unwrap_or("withheld")) }
                                td { (row.channel.as_str()) }
                                td {
                                    (row.action.map(action_label).unwrap_or(""))
                                    @if let Some(reason) = row.reason { " (" (reason.as_str()) ")" }
                                    @if row.urgent { " · urgent option chosen" }
                                    @if row.complaint { " · complaint" }
                                }
                                td { (row.advisor.as_deref().unwrap_or("")) }
                                td { (row.enquiry_reference.as_deref().unwrap_or("")) }
                                @if supervises {
                                    td {
                                        @if row.channel == Channel::Phone && row.identity.is_some() {
                                            a href={ "/ui/rules/block/" (row.id.get()) } {
                                                "Block this number"
                                                span class="visually-hidden" { " (" (row.identity.as_deref().unwrap_or("")) ")" }
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
    }
}

/// `GET /ui/calls.csv`: every row the same filters match, as the API's
/// CSV export writes it.
pub async fn download(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    Query(search): Query<Search>,
) -> Response {
    let exported = async {
        let filter = filter_of(&state, &search.text()).await?;
        record_read(&state, &user.principal(), &filter).await?;
        export(&state, filter).await
    };
    match exported.await {
        Ok(response) => response,
        Err(error) => layout::from_error(&error),
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/calls", axum::routing::get(history))
        .route("/ui/calls.csv", axum::routing::get(download))
}
