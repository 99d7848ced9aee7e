//! Reports for supervisors and the board: contacts per day, week or month,
//! and the register of measures, as JSON or CSV. Supervisors and admins.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::csv;
use super::extract::ApiQuery;
use crate::decision::calendar::local_date;
use crate::error::AppError;
use crate::http::auth::{Auth, Supervision};
use crate::reports::{self, DateRange};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/reports/contacts", get(contacts))
        .route("/v1/reports/measures", get(measures))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactsQuery {
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
    format: Option<String>,
}

async fn contacts(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> Result<Response, AppError> {
    let as_csv = csv::wants_csv(&headers, q.format.as_deref())?;
    let tz = state.policy.timezone;
    let today = local_date(state.now(), tz);
    let range = DateRange::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        today,
        reports::CONTACTS_DEFAULT_DAYS,
        // Bounded by the number of periods instead.
        u32::MAX,
    )?;
    let group = reports::parse_grouping(q.group.as_deref())?;
    let spans = reports::periods(range, group, tz, reports::MAX_PERIODS)?;
    let report = state
        .store
        .read(move |conn| reports::contacts_report(conn, range, group, spans, tz))
        .await?;
    if as_csv {
        let name = format!("contacts-{}-{}.csv", range.from, range.to);
        return csv::document(&name, &report.csv_header(), report.csv_rows());
    }
    Ok(Json(report).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

async fn measures(
    State(state): State<AppState>,
    _: Auth<Supervision>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> Result<Response, AppError> {
    let as_csv = csv::wants_csv(&headers, q.format.as_deref())?;
    let tz = state.policy.timezone;
    let today = local_date(state.now(), tz);
    let range = DateRange::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        today,
        reports::REGISTER_DEFAULT_DAYS,
        reports::REGISTER_MAX_DAYS,
    )?;
    let register = state
        .store
        .read(move |conn| reports::register(conn, range, today, tz))
        .await?;
    if as_csv {
        let name = format!("measures-{}-{}.csv", range.from, range.to);
        return csv::document(&name, &register.csv_header(), register.csv_rows());
    }
    Ok(Json(register).into_response())
}
