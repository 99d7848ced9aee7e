//! The call history for advisors and up: `GET /v1/contacts` filtered by
//! person, number, enquiry, channel, action, advisor and time, newest
//! first, a page at a time (JSON) or every row at once (CSV, streamed).

use std::ops::ControlFlow;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::{mpsc, Semaphore};

use super::csv::{self, Chunk};
use super::extract::ApiQuery;
use crate::decision::calendar::local_date;
use crate::decision::{Action, Rule, RuleHit};
use crate::domain::{Channel, ContactId, EnquiryId, PersonId, RecordId};
use crate::error::AppError;
use crate::http::auth::{Auth, Principal, Staff};
use crate::state::AppState;
use crate::store::history::{self, Criteria, Cursor, Filter, FilterText, HistoryRow};
use crate::store::{enquiries, open_reader, Store};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/contacts", get(list))
}

/// Text, read by `FilterText::parse`, so every bad value is a 422 naming
/// its field (the query deserializer's own errors name none).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    person: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    enquiry: Option<String>,
    channel: Option<String>,
    action: Option<String>,
    advisor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    format: Option<String>,
}

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;
/// Rows an export reads per transaction and sends as one chunk.
const EXPORT_BATCH: u32 = 1_000;

async fn list(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Staff>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<Query>,
) -> Result<Response, AppError> {
    let as_csv = csv::wants_csv(&headers, q.format.as_deref())?;
    let text = FilterText {
        person: q.person,
        phone: q.phone,
        email: q.email,
        enquiry: q.enquiry,
        channel: q.channel,
        action: q.action,
        advisor: q.advisor,
        from: q.from,
        to: q.to,
    };
    let filter = filter_of(&state, &text).await?;
    if as_csv {
        for (field, given) in [("limit", &q.limit), ("cursor", &q.cursor)] {
            if given.is_some() {
                return Err(AppError::invalid(
                    field,
                    "does not apply to CSV, which holds every row",
                ));
            }
        }
        record_read(&state, &who, &filter).await?;
        return export(&state, filter).await;
    }
    page(&state, &who, filter, q.limit, q.cursor).await
}

/// One page as JSON, with the cursor for the next if there is one.
async fn page(
    state: &AppState,
    who: &Principal,
    filter: Filter,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Response, AppError> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .trim()
            .parse()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| AppError::invalid("limit", "must be between 1 and 500"))?,
    };
    let (rows, next) = read_page(state, who, filter, limit, cursor).await?;
    let tz = state.policy.timezone;
    let contacts: Vec<Shown> = rows.iter().map(|row| Shown::of(row, tz)).collect();
    let mut body = json!({ "contacts": contacts });
    if let Some(next) = next {
        body["next_cursor"] = json!(next);
    }
    Ok(Json(body).into_response())
}

/// The filter's text read and its enquiry looked up: what the API's query
/// and the call history page's form both go through.
pub(crate) async fn filter_of(state: &AppState, text: &FilterText) -> Result<Filter, AppError> {
    resolve(state, text.parse(state.region, state.policy.timezone)?).await
}

/// `limit` rows of `filter`, newest first, after `cursor` (an earlier
/// page's, checked against `filter`), and the cursor of the next page if
/// there is one. Records the read of a person's history under `who`.
pub(crate) async fn read_page(
    state: &AppState,
    who: &Principal,
    filter: Filter,
    limit: u32,
    cursor: Option<String>,
) -> Result<(Vec<HistoryRow>, Option<String>), AppError> {
    let cursor = cursor
        .map(|c| Cursor::decode(&c, &filter))
        .transpose()
        .map_err(|message| AppError::invalid("cursor", message))?;
    let wanted = filter.clone();
    let (page, high_water) = state
        .store
        .read(move |conn| {
            let high_water = match cursor {
                Some(cursor) => cursor.high_water,
                None => history::high_water(conn)?,
            };
            let after = cursor.map(|c| c.position);
            let page = history::page(conn, &wanted, high_water, after, limit)?;
            Ok((page, high_water))
        })
        .await?;
    record_read(state, who, &filter).await?;
    let next = page.next.map(|position| {
        Cursor {
            position,
            high_water,
        }
        .encode(&filter)
    });
    Ok((page.rows, next))
}

/// The filter with its enquiry looked up: one that does not exist is the
/// caller's mistake (422), as wherever an enquiry is named.
async fn resolve(state: &AppState, criteria: Criteria) -> Result<Filter, AppError> {
    let Criteria {
        mut filter,
        enquiry,
    } = criteria;
    if let Some(name) = enquiry {
        let found = state
            .store
            .read(move |conn| enquiries::find_enquiry(conn, &name))
            .await?
            .ok_or_else(|| {
                AppError::invalid("enquiry", "is not a known enquiry reference or id")
            })?;
        filter.enquiry = Some(found.id);
    }
    Ok(filter)
}

/// A lookup of one person's contacts is a read of their history, recorded
/// as `GET /v1/people/{id}/contacts` records it.
pub(crate) async fn record_read(
    state: &AppState,
    who: &Principal,
    filter: &Filter,
) -> Result<(), AppError> {
    match filter.person {
        Some(person) => {
            super::privacy::record_read(state, who, "person.contacts.view", person).await
        }
        None => Ok(()),
    }
}

/// One row as the API shows it: `at` in the service's timezone.
#[derive(Serialize)]
struct Shown<'a> {
    id: ContactId,
    call_id: Option<&'a str>,
    at: String,
    channel: Channel,
    identity: Option<&'a str>,
    person_id: Option<PersonId>,
    enquiry_id: Option<EnquiryId>,
    enquiry_reference: Option<&'a str>,
    urgent: bool,
    action: Option<Action>,
    reason: Option<Rule>,
    rules: Option<&'a [RuleHit]>,
    advisor: Option<&'a str>,
    answered: Option<bool>,
    duration_s: Option<i64>,
    note: Option<&'a str>,
    complaint: bool,
}

impl<'a> Shown<'a> {
    fn of(row: &'a HistoryRow, tz: Tz) -> Self {
        Shown {
            id: row.id,
            call_id: row.call_id.as_deref(),
            at: local_time(row, tz),
            channel: row.channel,
            identity: row.identity.as_deref(),
            person_id: row.person_id,
            enquiry_id: row.enquiry_id,
            enquiry_reference: row.enquiry_reference.as_deref(),
            urgent: row.urgent,
            action: row.action,
            reason: row.reason,
            rules: row.rules.as_deref(),
            advisor: row.advisor.as_deref(),
            answered: row.answered,
            duration_s: row.duration_s,
            note: row.note.as_deref(),
            complaint: row.complaint,
        }
    }
}

fn local_time(row: &HistoryRow, tz: Tz) -> String {
    row.at
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// The CSV columns: the JSON fields, in the same order.
const CSV_HEADER: [&str; 17] = [
    "id",
    "call_id",
    "at",
    "channel",
    "identity",
    "person_id",
    "enquiry_id",
    "enquiry_reference",
    "urgent",
    "action",
    "reason",
    "rules",
    "advisor",
    "answered",
    "duration_s",
    "note",
    "complaint",
];

/// Exports reading at once; more wait their turn. Each holds a thread and
/// a connection for as long as its client takes, and the cores are the
/// screening path's first.
static EXPORTS: Semaphore = Semaphore::const_new(4);

/// Every matching row as a CSV download, written on a blocking thread
/// with a read connection of its own and streamed as it is read.
pub(crate) async fn export(state: &AppState, filter: Filter) -> Result<Response, AppError> {
    let permit = EXPORTS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let (chunks, receiver) = csv::channel();
    let store = state.store.clone();
    let tz = state.policy.timezone;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        write_csv(&store, &filter, tz, &chunks)
    });
    let filename = format!("contacts-{}.csv", local_date(state.now(), tz));
    Ok(csv::stream(&filename, receiver))
}

fn write_csv(store: &Store, filter: &Filter, tz: Tz, chunks: &mpsc::Sender<Chunk>) {
    let mut header = Some(CSV_HEADER.join(",") + "\r\n");
    let mut client_left = false;
    let mut failed = None;
    let result = open_reader(store.path()).and_then(|conn| {
        history::each_batch(&conn, filter, EXPORT_BATCH, |rows| {
            let mut bytes = header.take().unwrap_or_default().into_bytes();
            match csv_rows(&rows, tz) {
                Ok(written) => bytes.extend(written),
                Err(error) => {
                    failed = Some(error.to_string());
                    return ControlFlow::Break(());
                }
            }
            if chunks.blocking_send(Ok(bytes.into())).is_err() {
                client_left = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
    });
    match (result, failed) {
        (Ok(rows), None) if client_left => {
            tracing::info!(rows, "contact export stopped: the client went away");
        }
        (Ok(rows), None) => {
            // A listing with no rows still gets its header line.
            if let Some(header) = header {
                let _ = chunks.blocking_send(Ok(header.into_bytes().into()));
            }
            tracing::debug!(rows, "contact export finished");
        }
        (Err(error), _) => fail(chunks, &error.to_string()),
        (_, Some(error)) => fail(chunks, &error),
    }
}

/// Ends the body short, so the client sees a failed download rather than
/// a file that looks whole.
fn fail(chunks: &mpsc::Sender<Chunk>, detail: &str) {
    tracing::error!(%detail, "contact export failed");
    let _ = chunks.blocking_send(Err(std::io::Error::other("the export failed")));
}

fn csv_rows(rows: &[HistoryRow], tz: Tz) -> Result<Vec<u8>, ::csv::Error> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 160));
    for row in rows {
        let text = |value: Option<&str>| csv::guard(value.unwrap_or("")).into_owned();
        let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let flag = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
        let rules = row.rules.as_ref().map(|rules| {
            rules
                .iter()
                .map(|hit| hit.rule.as_str())
                .collect::<Vec<_>>()
                .join(",")
        });
        out.write_record([
            row.id.to_string(),
            text(row.call_id.as_deref()),
            local_time(row, tz),
            row.channel.as_str().to_owned(),
            text(row.identity.as_deref()),
            number(row.person_id.map(|p| p.get())),
            number(row.enquiry_id.map(|e| e.get())),
            text(row.enquiry_reference.as_deref()),
            row.urgent.to_string(),
            row.action.map(|a| a.as_str()).unwrap_or("").to_owned(),
            row.reason.map(|r| r.as_str()).unwrap_or("").to_owned(),
            rules.unwrap_or_default(),
            text(row.advisor.as_deref()),
            flag(row.answered),
            number(row.duration_s),
            text(row.note.as_deref()),
            row.complaint.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
