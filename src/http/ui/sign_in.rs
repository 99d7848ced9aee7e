//! Signing in and out. A sign-in checks the password (argon2id, off the
//! async threads), counts failures per account and locks it for a while
//! at the limit. The lockout is the account's alone: it never touches the
//! per-source lockout of API keys, so wrong passwords typed on the office
//! network cannot turn the PBX's screening away.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use maud::html;

use super::fields::Control;
use super::layout::{self, csrf_field, Section};
use super::session::{self, UiUser, SESSION_COOKIE, SIGN_IN_COOKIE};
use super::Form;
use crate::accounts::{self, hash_token, new_token, tokens_match};
use crate::error::AppError;
use crate::http::auth::{client_address, Staff};
use crate::state::AppState;
use crate::store::{audit, timestamp, users};

/// What the sign-in form shows: what was typed (never the password) and
/// what went wrong.
#[derive(Default)]
struct Shown {
    name: String,
    name_error: Option<&'static str>,
    password_error: Option<&'static str>,
    /// A problem with the pair, not one field (wrong password, locked).
    summary: Option<String>,
}

fn render(status: StatusCode, token: &str, secure: bool, shown: &Shown) -> Response {
    let errors: Vec<(&str, String)> = [
        shown.name_error.map(|e| ("name", e.to_owned())),
        shown.password_error.map(|e| ("password", e.to_owned())),
        shown.summary.clone().map(|e| ("name", e)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let body = html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for (field, message) in &errors {
                        li { a href={ "#" (field) } { (message) } }
                    }
                }
            }
        }
        form method="post" action="/ui/sign-in" novalidate {
            (csrf_field(token))
            (Control::new("name", "User name").error(shown.name_error)
                .autocomplete("username").no_spellcheck().input("text", &shown.name))
            // The password is never sent back into the page.
            (Control::new("password", "Password").error(shown.password_error)
                .autocomplete("current-password").input("password", ""))
            button class="button" type="submit" { "Sign in" }
        }
    };
    let page = layout::page(None, Section::None, "Sign in", body);
    let mut response = layout::respond(status, page);
    response.headers_mut().insert(
        SET_COOKIE,
        session::set_cookie(SIGN_IN_COOKIE, token, secure, None),
    );
    response
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// `GET /ui/sign-in`: the form, or home when already signed in.
pub async fn form(State(state): State<AppState>, parts: Parts) -> Response {
    match session::current(&state, &parts).await {
        Ok(Some(_)) => return redirect("/ui"),
        Ok(None) => {}
        Err(error) => return layout::from_error(&error),
    }
    let secure = session::over_tls(&state, &parts);
    render(StatusCode::OK, &new_token(), secure, &Shown::default())
}

/// `POST /ui/sign-in`.
pub async fn sign_in(State(state): State<AppState>, parts: Parts, body: Bytes) -> Response {
    match attempt(&state, &parts, body).await {
        Ok(response) => response,
        Err(error) => layout::from_error(&error),
    }
}

const WRONG: &str = "The user name or password is not right";

async fn attempt(state: &AppState, parts: &Parts, body: Bytes) -> Result<Response, AppError> {
    let form = Form::parse(&body);
    let secure = session::over_tls(state, parts);
    let expected = session::cookie(parts, SIGN_IN_COOKIE).unwrap_or_default();
    if !tokens_match(form.get(session::CSRF_FIELD).unwrap_or_default(), &expected) {
        return Ok(session::csrf_refused());
    }
    let name = form.get("name").unwrap_or_default().trim().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let mut shown = Shown {
        name: name.clone(),
        ..Shown::default()
    };
    if name.is_empty() {
        shown.name_error = Some("Enter your user name");
    }
    if password.is_empty() {
        shown.password_error = Some("Enter your password");
    }
    if shown.name_error.is_some() || shown.password_error.is_some() {
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &expected,
            secure,
            &shown,
        ));
    }
    let source = client_address(state, parts)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let now = state.now();
    let lookup = name.clone();
    let found = state
        .store
        .read(move |conn| users::credentials(conn, &lookup))
        .await?;
    let refuse = |mut shown: Shown, message: String| {
        shown.summary = Some(message);
        render(StatusCode::UNAUTHORIZED, &expected, secure, &shown)
    };
    let Some(user) = found.filter(|user| !user.disabled) else {
        tokio::task::spawn_blocking(move || accounts::verify_nobody(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tracing::info!(%source, "sign-in with an unknown or disabled user name");
        return Ok(refuse(shown, WRONG.into()));
    };
    if let Some(until) = locked(&user.locked_until, now) {
        audit_sign_in(state, &user.name, "user.sign_in_refused", &source, now).await?;
        return Ok(refuse(shown, locked_message(state, until)));
    }
    let hash = user.password_hash.clone();
    let good = tokio::task::spawn_blocking(move || accounts::verify_password(&hash, &password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !good {
        let limit = state.settings.ui_sign_in_failures;
        let until = now + Duration::minutes(state.settings.ui_lockout_minutes.into());
        let (id, actor, at, from) = (user.id, user.name.clone(), timestamp(now), source.clone());
        let locked_now = state
            .store
            .write(move |conn| {
                let locked = users::sign_in_failed(conn, id, limit, &timestamp(until))?;
                let after = serde_json::json!({ "source": from, "locked": locked });
                audit::record(conn, entry(&actor, "user.sign_in_failed", after), &at)?;
                Ok(locked)
            })
            .await?;
        let message = if locked_now {
            locked_message(state, until)
        } else {
            WRONG.into()
        };
        return Ok(refuse(shown, message));
    }
    let token = new_token();
    let csrf = new_token();
    let absolute = Duration::hours(state.settings.ui_session_absolute_hours.into());
    let (token_hash, id, actor, at) = (hash_token(&token), user.id, user.name.clone(), now);
    state
        .store
        .write(move |conn| {
            let now = timestamp(at);
            users::start_session(
                conn,
                &users::NewSession {
                    token_hash: &token_hash,
                    user_id: id,
                    csrf_token: &csrf,
                    now: &now,
                    expires_at: &timestamp(at + absolute),
                },
            )?;
            let after = serde_json::json!({ "source": source });
            audit::record(conn, entry(&actor, "user.sign_in", after), &now)
        })
        .await?;
    let mut response = redirect("/ui");
    let headers = response.headers_mut();
    headers.append(
        SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, &token, secure, None),
    );
    headers.append(
        SET_COOKIE,
        session::set_cookie(SIGN_IN_COOKIE, "", secure, Some(0)),
    );
    Ok(response)
}

fn locked(until: &Option<String>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let until = DateTime::parse_from_rfc3339(until.as_deref()?).ok()?;
    Some(until.with_timezone(&Utc)).filter(|until| *until > now)
}

fn locked_message(state: &AppState, until: DateTime<Utc>) -> String {
    let local = until.with_timezone(&state.policy.timezone);
    format!(
        "Too many failed sign-ins: this account is locked until {}. \
         An admin can set a new password to unlock it sooner.",
        local.format("%H:%M")
    )
}

fn entry<'a>(actor: &'a str, action: &'a str, after: serde_json::Value) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        entity: "user",
        entity_id: None,
        person_id: None,
        before: None,
        after: Some(after),
    }
}

async fn audit_sign_in(
    state: &AppState,
    name: &str,
    action: &'static str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (actor, after) = (name.to_owned(), serde_json::json!({ "source": source }));
    state
        .store
        .write(move |conn| audit::record(conn, entry(&actor, action, after), &timestamp(now)))
        .await?;
    Ok(())
}

/// `POST /ui/sign-out`: ends the session on the server, so the cookie is
/// worthless even if a copy of it is kept.
pub async fn sign_out(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    _: session::CheckedForm,
) -> Response {
    let (hash, actor, now) = (user.session.clone(), user.name.clone(), state.now());
    let ended = state
        .store
        .write(move |conn| {
            users::end_session(conn, &hash)?;
            let after = serde_json::json!({});
            audit::record(conn, entry(&actor, "user.sign_out", after), &timestamp(now))
        })
        .await;
    if let Err(error) = ended {
        return layout::from_error(&error.into());
    }
    let mut response = redirect("/ui/sign-in");
    response.headers_mut().insert(
        SET_COOKIE,
        session::set_cookie(SESSION_COOKIE, "", false, Some(0)),
    );
    response
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/sign-in", axum::routing::get(form).post(sign_in))
        .route("/ui/sign-out", axum::routing::post(sign_out))
}
