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
    let report = contacts_report(
        &state,
        q.from.as_deref(),
        q.to.as_deref(),
        q.group.as_deref(),
    )
    .await?;
    if as_csv {
        return contacts_csv(&report);
    }
    Ok(Json(report).into_response())
}

/// The contacts report a request names (`from`, `to`, `group`, each
/// optional): one operation for the API and the reports page.
pub async fn contacts_report(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
    group: Option<&str>,
) -> Result<reports::ContactsReport, AppError> {
    let tz = state.policy.timezone;
    let today = local_date(state.now(), tz);
    let range = DateRange::parse(
        from,
        to,
        today,
        reports::CONTACTS_DEFAULT_DAYS,
        // Bounded by the number of periods instead.
        u32::MAX,
    )?;
    let group = reports::parse_grouping(group)?;
    let spans = reports::periods(range, group, tz, reports::MAX_PERIODS)?;
    Ok(state
        .store
        .read(move |conn| reports::contacts_report(conn, range, group, spans, tz))
        .await?)
}

/// The contacts report as a CSV download.
pub fn contacts_csv(report: &reports::ContactsReport) -> Result<Response, AppError> {
    let range = report.range;
    let name = format!("contacts-{}-{}.csv", range.from, range.to);
    csv::document(&name, &report.csv_header(), report.csv_rows())
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
    let register = measures_register(&state, q.from.as_deref(), q.to.as_deref()).await?;
    if as_csv {
        return measures_csv(&register);
    }
    Ok(Json(register).into_response())
}

/// The register of measures a request names (`from`, `to`, optional): one
/// operation for the API and the reports page.
pub async fn measures_register(
    state: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<reports::Register, AppError> {
    let tz = state.policy.timezone;
    let today = local_date(state.now(), tz);
    let range = DateRange::parse(
        from,
        to,
        today,
        reports::REGISTER_DEFAULT_DAYS,
        reports::REGISTER_MAX_DAYS,
    )?;
    Ok(state
        .store
        .read(move |conn| reports::register(conn, range, today, tz))
        .await?)
}

/// The register as a CSV download.
pub fn measures_csv(register: &reports::Register) -> Result<Response, AppError> {
    let range = register.range;
    let name = format!("measures-{}-{}.csv", range.from, range.to);
    csv::document(&name, &register.csv_header(), register.csv_rows())
}
