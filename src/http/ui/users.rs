//! `GET /ui/users`: staff accounts, for admins: the list (role, last
//! sign-in, disabled, locked until), creating an account (the password
//! typed twice) and setting a new password. What is done to one account
//! from its row (disable, enable, change role) is in `rows`. The same
//! checks and store functions as `fairline users` (`accounts::manage`),
//! audited under the admin's name.

mod rows;

use crate::http::ui::session::CheckedForm;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::Control;
use super::form_errors::{self, Problem};
use super::layout::{self, csrf_field, Section, Viewer};
use super::session::UiUser;
use super::Form;
use crate::accounts::{self, manage, MIN_PASSWORD_CHARS};
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::http::auth::Administration;
use crate::state::AppState;
use crate::store::{timestamp, users, StoreError};

/// What the page shows besides the list: a refused form (its field ids
/// are the page's, e.g. `reset_password`, or a row's action: `disable`,
/// `enable`, `set_role`), what was typed, what was done.
#[derive(Default)]
struct Shown {
    error: Option<FieldError>,
    /// The account a row action's error is about (shown in its row).
    row: String,
    name: String,
    role: String,
    reset_name: String,
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    Query(q): Query<Done>,
) -> Response {
    let done = match q.done.as_deref() {
        Some("created") => Some("The account was created."),
        Some("disabled") => Some("The account was disabled and its sessions ended."),
        Some("reset") => Some("The new password was set and the account's sessions ended."),
        Some("enabled") => Some("The account was enabled: it may sign in again."),
        Some("role") => Some("The role was changed and the account's sessions ended."),
        Some("role-unchanged") => Some("Nothing changed: the account already had that role."),
        _ => None,
    };
    let shown = Shown {
        done: done.map(str::to_owned),
        role: "advisor".into(),
        ..Shown::default()
    };
    render(&state, &user, StatusCode::OK, &shown).await
}

fn label_of(field: &str) -> &'static str {
    match field {
        "role" => "Role",
        "password" | "reset_password" => "Password",
        "password_again" | "reset_password_again" => "The password again",
        "reset_name" => "Account",
        "disable" => "Disable",
        "enable" => "Enable",
        "set_role" => "Role",
        _ => "User name",
    }
}

/// An error as a sentence: the account checks' own messages are whole
/// ("a password is at least 12 characters"); the others follow the label
/// ("must be the same as the password") follow the label.
fn sentence(field: &str, message: &str) -> String {
    if ["must ", "is ", "cannot "]
        .iter()
        .any(|s| message.starts_with(s))
    {
        format!("{} {message}", label_of(field))
    } else {
        let mut chars = message.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }
}

async fn render(
    state: &AppState,
    user: &UiUser<Administration>,
    status: StatusCode,
    shown: &Shown,
) -> Response {
    let accounts = match state.store.read(users::list_users).await {
        Ok(accounts) => accounts,
        Err(error) => return layout::from_error(&error.into()),
    };
    let viewer = Viewer::of(user);
    let problems: Vec<Problem> = shown
        .error
        .iter()
        .map(|e| Problem {
            field_id: rows::problem_target(&accounts, &user.name, &e.field, &shown.row),
            message: sentence(&e.field, &e.message),
        })
        .collect();
    let error_of = |name: &str| form_errors::message_for(&problems, name);
    let row_error = shown
        .error
        .as_ref()
        .filter(|e| rows::ACTIONS.contains(&e.field.as_str()))
        .map(|e| rows::RowError {
            account: &shown.row,
            action: &e.field,
            message: &problems[0].message,
        });
    let tz = state.policy.timezone;
    let now = timestamp(state.now());
    let password_hint =
        format!("At least {MIN_PASSWORD_CHARS} characters; a few words are easy to remember.");
    let active: Vec<&users::UserRow> = accounts
        .iter()
        .filter(|a| a.disabled_at.is_none())
        .collect();
    let body = html! {
        (form_errors::summary(&problems))
        @if let Some(done) = &shown.done {
            div class="notice" role="status" { p { (done) } }
        }
        (rows::table(&accounts, &viewer, tz, &now, row_error.as_ref()))
        p class="hint" {
            "Disabling an account or changing its role signs it out everywhere at once. "
            "A disabled account can be enabled again. There must always be one enabled admin, "
            "and no one changes their own role or disables themselves: ask another admin."
        }
        h2 { "Create an account" }
        form method="post" action="/ui/users" novalidate {
            (csrf_field(viewer.csrf_token))
            (input("name", "User name", "text", &shown.name, None, error_of("name")))
            (Control::new("role", "Role").error(error_of("role")).select(&staff_roles(), &shown.role))
            (input("password", "Password", "password", "", Some(&password_hint), error_of("password")))
            (input("password_again", "The password again", "password", "", None, error_of("password_again")))
            button class="button" type="submit" { "Create the account" }
        }
        h2 { "Set a new password" }
        p class="hint" { "For someone who has forgotten theirs or is locked out: the lock is lifted and their sessions end." }
        form method="post" action="/ui/users/password" novalidate {
            (csrf_field(viewer.csrf_token))
            (Control::new("reset_name", "Account").error(error_of("reset_name")).select(
                &active.iter().map(|a| (a.name.as_str(), a.name.as_str())).collect::<Vec<_>>(),
                &shown.reset_name,
            ))
            (input("reset_password", "New password", "password", "", Some(&password_hint), error_of("reset_password")))
            (input("reset_password_again", "The new password again", "password", "", None, error_of("reset_password_again")))
            button class="button" type="submit" { "Set the password" }
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Users, "Users", body),
    )
}

/// The roles a person may hold, as (value, text) for a select.
fn staff_roles() -> [(&'static str, &'static str); 3] {
    [Role::Advisor, Role::Supervisor, Role::Admin].map(|role| (role.as_str(), role.as_str()))
}

/// A field of the forms that make and reset accounts: a name or a new
/// password, which a spell checker and a browser's memory of old values
/// should leave alone.
fn input(
    id: &str,
    label: &str,
    kind: &str,
    value: &str,
    hint: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let autocomplete = if kind == "password" {
        "new-password"
    } else {
        "off"
    };
    Control::new(id, label)
        .hint(hint)
        .error(error)
        .no_spellcheck()
        .autocomplete(autocomplete)
        .input(kind, value)
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// A new password typed twice into `field` and `{field}_again`, checked
/// as the CLI checks it, then hashed (argon2 takes a while: off the
/// async threads).
async fn new_password(form: &Form, field: &str) -> Result<String, FieldError> {
    let password = form.get(field).unwrap_or_default().to_owned();
    accounts::check_password(&password)
        .map_err(|e| FieldError::new(field.to_owned(), e.message))?;
    if form.get(&format!("{field}_again")).unwrap_or_default() != password {
        return Err(FieldError::new(
            format!("{field}_again"),
            "must be the same as the password",
        ));
    }
    tokio::task::spawn_blocking(move || accounts::hash_password(&password))
        .await
        .map_err(|_| FieldError::new(field.to_owned(), "could not be stored; try again"))
}

/// A store error about an account as a field error on the page; any
/// other error as it was (for the error page).
fn refused(error: StoreError, field: &str) -> Result<FieldError, AppError> {
    let error = AppError::from(error);
    let not_found = |message: &str| Ok(FieldError::new(field.to_owned(), message));
    match (&error, form_errors::field_error(&error)) {
        (AppError::NotFound("user"), _) => not_found("there is no account with this name"),
        (AppError::NotFound("active user"), _) => not_found("this account is already disabled"),
        (AppError::NotFound("disabled user"), _) => {
            not_found("this account is not disabled (it may have just been enabled)")
        }
        (_, Some(found)) if found.field == "name" => {
            Ok(FieldError::new(field.to_owned(), found.message))
        }
        _ => Err(error),
    }
}

/// The page again, 422, with a row action's error beside account `row`
/// (nothing was changed).
async fn refused_row(
    state: &AppState,
    user: &UiUser<Administration>,
    error: FieldError,
    row: String,
) -> Response {
    let shown = Shown {
        error: Some(error),
        row,
        role: "advisor".into(),
        ..Shown::default()
    };
    render(state, user, StatusCode::UNPROCESSABLE_ENTITY, &shown).await
}

/// `POST /ui/users`: create an account.
pub async fn create(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let typed_name = form.get("name").unwrap_or_default().to_owned();
    let typed_role = form.get("role").unwrap_or_default().to_owned();
    let checked = async {
        let name = accounts::user_name(&typed_name)?;
        let role = typed_role
            .parse::<Role>()
            .ok()
            .ok_or_else(|| FieldError::new("role", "must be advisor, supervisor or admin"))
            .and_then(accounts::staff_role)?;
        let hash = new_password(&form, "password").await?;
        Ok::<_, FieldError>((name, role, hash))
    }
    .await;
    let error = match checked {
        Ok((name, role, hash)) => {
            let actor = user.principal().name;
            let now = timestamp(state.now());
            let made = state
                .store
                .write(move |conn| manage::create(conn, &actor, &name, role, &hash, &now))
                .await;
            match made {
                Ok(()) => return see_other("/ui/users?done=created"),
                Err(error) => match refused(error, "name") {
                    Ok(error) => error,
                    Err(error) => return layout::from_error(&error),
                },
            }
        }
        Err(error) => error,
    };
    let shown = Shown {
        error: Some(error),
        name: typed_name,
        role: typed_role,
        ..Shown::default()
    };
    render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &shown).await
}

/// `POST /ui/users/password`: set a new password for an account.
pub async fn reset_password(
    State(state): State<AppState>,
    user: UiUser<Administration>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let name = form.get("reset_name").unwrap_or_default().to_owned();
    let error = match new_password(&form, "reset_password").await {
        Ok(hash) => {
            let actor = user.principal().name;
            let now = timestamp(state.now());
            let target = name.clone();
            let done = state
                .store
                .write(move |conn| manage::reset_password(conn, &actor, &target, &hash, &now))
                .await;
            match done {
                Ok(()) => return see_other("/ui/users?done=reset"),
                Err(error) => match refused(error, "reset_name") {
                    Ok(error) => error,
                    Err(error) => return layout::from_error(&error),
                },
            }
        }
        Err(error) => error,
    };
    let shown = Shown {
        error: Some(error),
        role: "advisor".into(),
        reset_name: name,
        ..Shown::default()
    };
    render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &shown).await
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/ui/users", get(list).post(create))
        .route("/ui/users/password", post(reset_password))
        .merge(rows::routes())
}
