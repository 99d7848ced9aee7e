//! The pages under `/ui`, for advisors, supervisors and admins: rendered
//! on the server with maud (templates checked and compiled into the
//! binary), plain HTML and one stylesheet served from here, no JavaScript.
//! Every response carries a strict Content-Security-Policy. People sign in
//! with a staff account (`accounts`, `session`); pages reuse the store
//! functions the API's handlers use, and audit changes under the user's
//! name.

mod advisors;
mod audit;
mod call_page;
mod calls;
mod contact_chart;
mod enquiry_forms;
mod fields;
mod form_errors;
mod home;
mod layout;
mod measures;
mod people;
mod person;
mod person_timeline;
mod reports;
mod review;
mod rules;
pub mod session;
mod sign_in;
mod users;

use axum::body::Bytes;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub const STYLESHEET_PATH: &str = "/ui/static/fairline.css";
const STYLESHEET: &str = include_str!("fairline.css");

/// Nothing but this service's own stylesheet and images; no scripts at
/// all; forms post only here; no framing.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router() -> Router<AppState> {
    // Each page module answers for its own routes, so pages are added
    // without touching each other.
    Router::new()
        .merge(home::routes())
        .merge(sign_in::routes())
        .merge(people::routes())
        .merge(measures::routes())
        .merge(review::routes())
        .merge(rules::routes())
        .merge(calls::routes())
        .merge(person::routes())
        .merge(enquiry_forms::routes())
        .merge(advisors::routes())
        .merge(call_page::routes())
        .merge(reports::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .route(STYLESHEET_PATH, get(stylesheet))
        .layer(axum::middleware::map_response(security_headers))
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The headers of every `/ui` response. Pages are personal, so they are
/// not kept in caches (the stylesheet sets its own).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // A printable letter (`/ui/measures/{id}/notice/letter`) sets its own,
    // as strict but for the letter's inline styles; every page else gets
    // this one.
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers
        .entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// A posted form's fields, in order, read pair by pair.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &Bytes) -> Form {
        Form(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}
