//! Signed-in sessions for the pages: the `fairline_session` cookie, the
//! `UiUser<R>` extractor that finds its user (or sends the browser to sign
//! in, or answers 403 for a role too low), and the CSRF check every form
//! post goes through.

use std::marker::PhantomData;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use super::layout;
use crate::accounts::{hash_token, tokens_match};
use crate::config::ip_range;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::auth::{Principal, Roles};
use crate::state::AppState;
use crate::store::{timestamp, users};

pub const SESSION_COOKIE: &str = "fairline_session";
/// The sign-in form's own CSRF token: there is no session yet to tie it
/// to, so it is a cookie the form must echo (double submit).
pub const SIGN_IN_COOKIE: &str = "fairline_sign_in";
/// The hidden field every form carries.
pub const CSRF_FIELD: &str = "csrf_token";
/// How stale `last_seen_at` may get before a request writes it again:
/// idle expiry is counted in minutes, so a write on every page is waste.
const TOUCH_AFTER_SECS: i64 = 60;

/// The value of one cookie from the request's `Cookie` headers.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Whether the browser reached fairline over TLS: fairline itself serves
/// plain HTTP, so only through a reverse proxy in `trusted_proxies` that
/// says `X-Forwarded-Proto: https` (from any other peer the header is
/// whatever the client wrote).
pub fn over_tls(state: &AppState, parts: &Parts) -> bool {
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())
    else {
        return false;
    };
    ip_range::any_contains(&state.settings.trusted_proxies, peer)
        && parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: HttpOnly so no script reads it, SameSite=Strict
/// so no other site's page sends it, `Secure` over TLS. `max_age` None is
/// a browser-session cookie; Some(0) deletes it.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).expect("tokens are URL-safe text")
}

/// The signed-in session of this request, if it has a live one. A session
/// found past its idle or absolute expiry is ended here.
pub async fn current(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(String, users::SessionRow)>, AppError> {
    let Some(token) = cookie(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = hash_token(&token);
    let lookup = hash.clone();
    let Some(session) = state
        .store
        .read(move |conn| users::session(conn, &lookup))
        .await?
    else {
        return Ok(None);
    };
    let now = state.now();
    let idle = Duration::minutes(state.settings.ui_session_idle_minutes.into());
    let last_seen = parse(&session.last_seen_at);
    if now >= parse(&session.expires_at) || now >= last_seen + idle {
        let ended = hash.clone();
        state
            .store
            .write(move |conn| users::end_session(conn, &ended))
            .await?;
        return Ok(None);
    }
    if now - last_seen >= Duration::seconds(TOUCH_AFTER_SECS) {
        let touched = hash.clone();
        let at = timestamp(now);
        state
            .store
            .write(move |conn| users::touch_session(conn, &touched, &at))
            .await?;
    }
    Ok(Some((hash, session)))
}

/// A stored timestamp; one that does not parse counts as long past, so a
/// damaged row ends its session rather than keeping it forever.
fn parse(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The signed-in user, whose role is in `R`. Not signed in: a redirect to
/// the sign-in page. Signed in with a role too low: 403, as a page.
pub struct UiUser<R: Roles> {
    pub name: String,
    pub role: Role,
    pub csrf_token: String,
    /// The SHA-256 of the session token (sign out ends this session).
    pub session: String,
    _roles: PhantomData<R>,
}

impl<R: Roles> UiUser<R> {
    /// The user as the API's handlers know a caller: changes made through
    /// pages are audited under the user's name.
    pub fn principal(&self) -> Principal {
        Principal {
            name: self.name.clone(),
            role: self.role,
        }
    }

    /// Whether this user's role is in `S` (what the layout shows).
    pub fn may<S: Roles>(&self) -> bool {
        S::ALLOWED.contains(&self.role)
    }

    /// The CSRF check of a form post: the hidden field must equal the
    /// session's token. When it does not, answer [`csrf_refused`].
    pub fn csrf_ok(&self, form: &super::Form) -> bool {
        tokens_match(form.get(CSRF_FIELD).unwrap_or_default(), &self.csrf_token)
    }
}

/// The signed-in session's CSRF token, left in the request by `UiUser`.
#[derive(Clone)]
struct SessionToken(String);

/// A posted form whose CSRF token is the signed-in session's: a handler
/// that takes it after its `UiUser` only ever sees forms this service
/// served. Anything else (no token, a wrong one, no session) is answered
/// with [`csrf_refused`] before the handler runs.
pub struct CheckedForm(pub super::Form);

impl<S: Send + Sync> FromRequest<S> for CheckedForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let token = request.extensions().get::<SessionToken>().cloned();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = super::Form::parse(&body);
        match token {
            Some(SessionToken(token))
                if tokens_match(form.get(CSRF_FIELD).unwrap_or_default(), &token) =>
            {
                Ok(CheckedForm(form))
            }
            _ => Err(csrf_refused()),
        }
    }
}

/// The page for a form post without a good CSRF token.
pub fn csrf_refused() -> Response {
    layout::problem(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was sent without the token that shows it came from this \
         service, or the token is out of date. Go back, reload the page and \
         try again.",
    )
}

impl<R: Roles> FromRequestParts<AppState> for UiUser<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some((session, row)) = current(state, parts)
            .await
            .map_err(|e| layout::from_error(&e))?
        else {
            return Err((StatusCode::SEE_OTHER, [(LOCATION, "/ui/sign-in")]).into_response());
        };
        if !R::ALLOWED.contains(&row.role) {
            return Err(layout::problem(
                StatusCode::FORBIDDEN,
                "You cannot use this page",
                "Your role does not include this page. Ask a supervisor or an \
                 admin if you need it.",
            ));
        }
        // The form a handler takes after its user is checked against this
        // session's token (`CheckedForm`), without a second look-up.
        parts
            .extensions
            .insert(SessionToken(row.csrf_token.clone()));
        Ok(UiUser {
            name: row.name,
            role: row.role,
            csrf_token: row.csrf_token,
            session,
            _roles: PhantomData,
        })
    }
}
