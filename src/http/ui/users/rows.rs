//! The table of staff accounts on `/ui/users` and what is done to one
//! account from its row: disable it, enable it again, give it another
//! role. A refused action is shown in its row and in the error summary.

use axum::extract::State;
use axum::response::Response;
use chrono_tz::Tz;
use maud::{html, Markup};
use rusqlite::Connection;

use super::{refused, refused_row, see_other};
use crate::accounts::{self, manage};
use crate::domain::{FieldError, Role};
use crate::http::auth::Administration;
use crate::http::ui::fields;
use crate::http::ui::layout::{csrf_field, Viewer};
use crate::http::ui::review::stored_time;
use crate::http::ui::session::{CheckedForm, UiUser};
use crate::state::AppState;
use crate::store::{self, timestamp, users, StoreError};

/// The field names of the row actions' errors.
pub(super) const ACTIONS: [&str; 3] = ["disable", "enable", "set_role"];

/// A row action's error, to show in the row of `account`.
pub(super) struct RowError<'a> {
    pub account: &'a str,
    pub action: &'a str,
    pub message: &'a str,
}

/// Where the error summary's link for `field` goes: the role control or
/// the name of the row the error is about (the viewer's own row has no
/// role control), or the table when the account is not in it.
pub(super) fn problem_target(
    accounts: &[users::UserRow],
    viewer: &str,
    field: &str,
    row: &str,
) -> String {
    if !ACTIONS.contains(&field) {
        return field.to_owned();
    }
    match accounts.iter().position(|a| a.name == row) {
        Some(i) if field == "set_role" && row != viewer => format!("role-{i}"),
        Some(i) => format!("account-{i}"),
        None => "accounts".into(),
    }
}

/// The accounts, one row each, with the actions an admin may take on it
/// (none on their own account's role or state).
pub(super) fn table(
    accounts: &[users::UserRow],
    viewer: &Viewer<'_>,
    tz: Tz,
    now: &str,
    error: Option<&RowError<'_>>,
) -> Markup {
    let in_row = accounts
        .iter()
        .any(|a| error.is_some_and(|e| e.account == a.name));
    let error_here = |i: usize, name: &str, action: &str| {
        error
            .filter(|e| e.account == name && e.action == action)
            .map(|e| {
                (
                    format!(
                        "{}-{i}",
                        if action == "set_role" {
                            "role"
                        } else {
                            "account"
                        }
                    ),
                    e.message,
                )
            })
    };
    html! {
        @if !in_row {
            (fields::message("accounts", error.map(|e| e.message)))
        }
        div class="table-scroll" {
            table id="accounts" class="users" {
                caption { (accounts.len()) " staff accounts" }
                thead { tr {
                    th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Created" }
                    th scope="col" { "Password set" } th scope="col" { "Last sign-in" }
                    th scope="col" { "State" }
                    th scope="col" { span class="visually-hidden" { "Disable or enable" } }
                } }
                tbody {
                    @for (i, account) in accounts.iter().enumerate() {
                        @let own = account.name == viewer.name;
                        tr {
                            th scope="row" id={ "account-" (i) } { (account.name) }
                            td {
                                @if own {
                                    @if let Some((id, message)) = error_here(i, &account.name, "set_role") {
                                        (fields::message(&id, Some(message)))
                                    }
                                    (account.role.as_str()) " (you)"
                                } @else {
                                    (role_form(i, account, viewer, error_here(i, &account.name, "set_role")))
                                }
                            }
                            td { (stored_time(&account.created_at, tz)) }
                            td { (stored_time(&account.password_changed_at, tz)) }
                            td {
                                @match &account.last_sign_in_at {
                                    Some(at) => (stored_time(at, tz)),
                                    None => "never",
                                }
                            }
                            td {
                                @if let Some(at) = &account.disabled_at {
                                    "disabled " (stored_time(at, tz))
                                } @else if let Some(until) = account.locked_until.as_deref().filter(|u| *u > now) {
                                    "locked until " (stored_time(until, tz))
                                } @else {
                                    "active"
                                }
                            }
                            td {
                                @for action in ["disable", "enable"] {
                                    @if let Some((id, message)) = error_here(i, &account.name, action) {
                                        (fields::message(&id, Some(message)))
                                    }
                                }
                                @if own {
                                    // No buttons: an admin does not disable themselves.
                                } @else if account.disabled_at.is_none() {
                                    (action_form("disable", "Disable", &account.name, viewer))
                                } @else {
                                    (action_form("enable", "Enable", &account.name, viewer))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A button that posts the account's name to `/ui/users/{action}`.
fn action_form(action: &str, label: &str, name: &str, viewer: &Viewer<'_>) -> Markup {
    html! {
        form class="inline" method="post" action={ "/ui/users/" (action) } {
            (csrf_field(viewer.csrf_token))
            input type="hidden" name="name" value=(name);
            button class="button button-secondary" type="submit" {
                (label) span class="visually-hidden" { " " (name) }
            }
        }
    }
}

/// The role select and its button for row `i`; its error, if any.
fn role_form(
    i: usize,
    account: &users::UserRow,
    viewer: &Viewer<'_>,
    error: Option<(String, &str)>,
) -> Markup {
    let id = format!("role-{i}");
    let message = error.as_ref().map(|(_, message)| *message);
    html! {
        form class="role-form" method="post" action="/ui/users/role" {
            (csrf_field(viewer.csrf_token))
            input type="hidden" name="name" value=(account.name);
            label class="visually-hidden" for=(id) { "Role of " (account.name) }
            (fields::message(&id, message))
            select id=(id) name="role" aria-describedby=[fields::described_by(&id, message)] {
                @for (role, text) in super::staff_roles() {
                    option value=(role) selected[account.role.as_str() == role] { (text) }
                }
            }
            button class="button button-secondary" type="submit" {
                "Change role" span class="visually-hidden" { " of " (account.name) }
            }
        }
    }
}

/// The outcome of a row action: to the list with what was `done`, or the
/// page again with the refusal beside the row.
async fn settle(
    state: &AppState,
    user: &UiUser<Administration>,
    action: &str,
    name: String,
    outcome: Result<&str, StoreError>,
) -> Response {
    match outcome {
        Ok(done) => see_other(&format!("/ui/users?done={done}")),
        Err(error) => match refused(error, action) {
            Ok(error) => refused_row(state, user, error, name).await,
            Err(error) => crate::http::ui::layout::from_error(&error),
        },
    }
}

/// Makes one `accounts::manage` change to account `name`, audited under
/// the admin's name, now.
async fn change<T: Send + 'static>(
    state: &AppState,
    user: &UiUser<Administration>,
    name: &str,
    op: impl FnOnce(&Connection, &str, &str, &str) -> store::Result<T> + Send + 'static,
) -> store::Result<T> {
    let (actor, now, name) = (
        user.principal().name,
        timestamp(state.now()),
        name.to_owned(),
    );
    state
        .store
        .write(move |conn| op(conn, &actor, &name, &now))
        .await
}

/// `POST /ui/users/disable`: disable an account (not one's own, not the
/// last enabled admin).
pub async fn disable(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let name = form.get("name").unwrap_or_default().to_owned();
    if name == user.name {
        // Whoever disabled their own account could lock every admin out.
        let error = FieldError::new(
            "disable",
            "you cannot disable your own account: ask another admin",
        );
        return refused_row(&state, &user, error, name).await;
    }
    let outcome = change(&state, &user, &name, manage::disable)
        .await
        .map(|()| "disabled");
    settle(&state, &user, "disable", name, outcome).await
}

/// `POST /ui/users/enable`: enable a disabled account again.
pub async fn enable(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let name = form.get("name").unwrap_or_default().to_owned();
    let outcome = change(&state, &user, &name, manage::enable)
        .await
        .map(|()| "enabled");
    settle(&state, &user, "enable", name, outcome).await
}

/// `POST /ui/users/role`: give an account another role (not one's own;
/// the last enabled admin stays admin). Its sessions end.
pub async fn set_role(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let name = form.get("name").unwrap_or_default().to_owned();
    let role = form
        .get("role")
        .unwrap_or_default()
        .parse::<Role>()
        .ok()
        .ok_or_else(|| FieldError::new("set_role", "must be advisor, supervisor or admin"))
        .and_then(|role| {
            accounts::staff_role(role).map_err(|e| FieldError::new("set_role", e.message))
        });
    let role = match role {
        // An admin who demoted themselves could leave no one to undo it.
        _ if name == user.name => Err(FieldError::new(
            "set_role",
            "you cannot change your own role: ask another admin",
        )),
        role => role,
    };
    let role = match role {
        Ok(role) => role,
        Err(error) => return refused_row(&state, &user, error, name).await,
    };
    let outcome = change(&state, &user, &name, move |conn, actor, name, now| {
        manage::set_role(conn, actor, name, role, now)
    })
    .await
    .map(|before| match before {
        Some(_) => "role",
        None => "role-unchanged",
    });
    settle(&state, &user, "set_role", name, outcome).await
}

/// The row actions' routes.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/ui/users/disable", post(disable))
        .route("/ui/users/enable", post(enable))
        .route("/ui/users/role", post(set_role))
}
