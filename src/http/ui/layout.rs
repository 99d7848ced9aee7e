//! The page frame every page shares: the header with the service name, the
//! signed-in user and role and the sign-out button, the navigation (only
//! what the user's role may use), and the problem pages (403, errors).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::session::{UiUser, CSRF_FIELD};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::auth::{Roles, Supervision};

/// Who the page is for, as the frame needs it.
pub struct Viewer<'a> {
    pub name: &'a str,
    pub role: Role,
    pub csrf_token: &'a str,
    pub supervises: bool,
}

impl<'a> Viewer<'a> {
    pub fn of<R: Roles>(user: &'a UiUser<R>) -> Self {
        Viewer {
            name: &user.name,
            role: user.role,
            csrf_token: &user.csrf_token,
            supervises: user.may::<Supervision>(),
        }
    }
}

/// Which navigation entry the page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    People,
    Review,
    Rules,
    Calls,
    Advisors,
    Reports,
    Audit,
    Users,
    None,
}

/// One row of a summary list (`dl class="summary"`): a label and its value.
pub fn summary_row(label: &str, value: Markup) -> Markup {
    html! { div class="summary-row" { dt { (label) } dd { (value) } } }
}

/// The hidden CSRF field for a form.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// A whole page: `title` is the `<title>` and the `<h1>`.
pub fn page(viewer: Option<&Viewer<'_>>, section: Section, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – fairline" }
                link rel="stylesheet" href=(super::STYLESHEET_PATH);
            }
            body {
                a class="skip-link" href="#main" { "Skip to main content" }
                header class="header" {
                    div class="width" {
                        a class="service-name" href="/ui" { "fairline" }
                        @if let Some(viewer) = viewer {
                            div class="account" {
                                span { (viewer.name) " (" (viewer.role.as_str()) ")" }
                                form method="post" action="/ui/sign-out" {
                                    (csrf_field(viewer.csrf_token))
                                    button class="link-button" type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                @if let Some(viewer) = viewer {
                    nav class="nav" aria-label="Main" {
                        ul class="width" {
                            (nav_item("/ui", "Home", section == Section::Home))
                            @if viewer.supervises {
                                (nav_item("/ui/people", "Find a person", section == Section::People))
                            }
                            @if viewer.supervises {
                                (nav_item("/ui/review", "Review queue", section == Section::Review))
                                (nav_item("/ui/rules", "Number rules", section == Section::Rules))
                                (nav_item("/ui/reports", "Reports", section == Section::Reports))
                            }
                            (nav_item("/ui/calls", "Call history", section == Section::Calls))
                            (nav_item("/ui/advisors", "Advisors", section == Section::Advisors))
                            @if viewer.role == Role::Admin {
                                (nav_item("/ui/audit", "Audit log", section == Section::Audit))
                                (nav_item("/ui/users", "Users", section == Section::Users))
                            }
                        }
                    }
                }
                main id="main" class="width" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn nav_item(href: &str, label: &str, current: bool) -> Markup {
    html! {
        li {
            @if current {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    }
}

/// A page as a response with `status`.
pub fn respond(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A page that explains why a request was refused or failed.
pub fn problem(status: StatusCode, title: &str, explanation: &str) -> Response {
    let body = html! {
        p { (explanation) }
        p { a href="/ui" { "Go to the home page" } }
    };
    respond(status, page(None, Section::None, title, body))
}

/// An API error as a page (the status is the API's).
pub fn from_error(error: &AppError) -> Response {
    if let AppError::Internal(detail) = error {
        tracing::error!(%detail, "page failed");
        return problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, there is a problem with the service",
            "Try again later.",
        );
    }
    problem(
        error.status_code(),
        "This could not be done",
        &error.to_string(),
    )
}
