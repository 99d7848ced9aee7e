//! `GET /ui/people/{id}`: one person on one page, for supervisors and
//! admins (as the API's `/v1/people/{id}`): their numbers and emails, open
//! flags, measures, enquiries (opened, assigned and closed here, see
//! `enquiry_forms`), a chart of contacts per week and the timeline. Reading
//! it is recorded in the audit log, as reading the person through the API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use super::contact_chart;
use super::enquiry_forms::{self, Forms};
use super::layout::{self, Section, Viewer};
use super::person_timeline;
use super::session::UiUser;
use crate::decision::calendar::local_date;
use crate::domain::{Enquiry, Measure, MeasureKind, PersonId, RecordId};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::state::AppState;
use crate::store::advisors::{self, AdvisorRow};
use crate::store::flags::{self, FlagRow, Status};
use crate::store::people::{self, IdentityRow, PersonRow};
use crate::store::timeline::{self, Cursor};
use crate::store::{contacts, enquiries, measures};

/// How many timeline entries one page shows.
const TIMELINE_PAGE: u32 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    /// The timeline's cursor: show entries older than this.
    before: Option<String>,
}

/// Everything the page shows, read in one go.
pub struct Gathered {
    pub person: PersonRow,
    identities: Vec<IdentityRow>,
    pub enquiries: Vec<Enquiry>,
    measures: Vec<Measure>,
    flags: Vec<FlagRow>,
    timeline: timeline::Page,
    weeks: Vec<(NaiveDate, u32)>,
    /// Those an enquiry may be assigned to.
    pub advisors: Vec<AdvisorRow>,
    today: NaiveDate,
    grace: u32,
    tz: chrono_tz::Tz,
}

pub async fn show(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let id: PersonId = match record_id(&id) {
        Ok(id) => id,
        Err(error) => return layout::from_error(&error),
    };
    let before = match query.before.as_deref().map(Cursor::decode) {
        None => None,
        Some(Some(cursor)) => Some(cursor),
        Some(None) => {
            return layout::problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This link is not right",
                "The link to older timeline entries is damaged. Go back to the person's page.",
            )
        }
    };
    respond(&state, &user, id, before, &Forms::default(), StatusCode::OK).await
}

/// The page with `forms` as typed (after a refused post) and `status`.
pub async fn respond(
    state: &AppState,
    user: &UiUser<Supervision>,
    id: PersonId,
    before: Option<Cursor>,
    forms: &Forms,
    status: StatusCode,
) -> Response {
    match gather(state, user, id, before).await {
        Ok(found) => {
            let viewer = Viewer::of(user);
            let title = found.person.name.clone();
            layout::respond(
                status,
                layout::page(
                    Some(&viewer),
                    Section::People,
                    &title,
                    body(&viewer, &found, forms),
                ),
            )
        }
        Err(error) => layout::from_error(&error),
    }
}

async fn gather(
    state: &AppState,
    user: &UiUser<Supervision>,
    id: PersonId,
    before: Option<Cursor>,
) -> Result<Gathered, AppError> {
    // As the timeline's API does: flags' detail as the queue shows it,
    // with contacts since their newest evidence added on reading.
    let refresh = crate::http::flags::refresh(state);
    state
        .store
        .write(move |conn| flags::refresh_open(conn, &refresh, Some(id)))
        .await?;
    let tz = state.policy.timezone;
    let today = local_date(state.now(), tz);
    let since = contact_chart::since(today, tz);
    let grace = state.policy.review_grace_days;
    let found = state
        .store
        .read(move |conn| {
            let person = people::get_person(conn, id)?;
            let times = contacts::contact_times_since(conn, id, since)?;
            Ok(Gathered {
                person,
                identities: people::identities_of(conn, id)?,
                enquiries: enquiries::enquiries_of(conn, id)?,
                measures: measures::measures_of(conn, id)?,
                flags: flags::for_person(conn, id)?
                    .into_iter()
                    .filter(|f| f.status == Status::Open)
                    .collect(),
                timeline: timeline::page(conn, id, before, TIMELINE_PAGE)?,
                weeks: contact_chart::weekly_counts(&times, today, tz),
                advisors: advisors::list_advisors(conn, false)?,
                today,
                grace,
                tz,
            })
        })
        .await?;
    crate::http::privacy::record_read(state, &user.principal(), "person.view", id).await?;
    Ok(found)
}

fn body(viewer: &Viewer<'_>, found: &Gathered, forms: &Forms) -> Markup {
    let id = found.person.id;
    html! {
        (enquiry_forms::error_summary(forms))
        @if let Some(reference) = &found.person.reference {
            p class="hint" { "Reference " (reference) }
        }
        nav class="contents" aria-label="On this page" {
            ul {
                li { a href="#identities" { "Numbers and emails" } }
                li { a href="#flags" { "Open flags" } }
                li { a href="#measures" { "Measures" } }
                li { a href="#enquiries" { "Enquiries" } }
                li { a href="#contacts-per-week" { "Contacts per week" } }
                li { a href="#timeline" { "Timeline" } }
            }
        }
        h2 id="identities" { "Numbers and emails" }
        @if found.identities.is_empty() {
            p { "None on record." }
        } @else {
            ul class="identities" {
                @for identity in &found.identities {
                    li {
                        span class="hint" { (if identity.kind == "phone" { "Phone " } else { "Email " }) }
                        (identity.value)
                    }
                }
            }
        }
        h2 id="flags" { "Open flags" }
        @if found.flags.is_empty() {
            p { "No open flags." }
        } @else {
            ul class="flags" {
                @for flag in &found.flags {
                    li {
                        strong { (words(flag.kind.as_str())) } ": " (flag.detail)
                        span class="hint" { " (raised " (person_timeline::day_of(&flag.raised_at)) ")" }
                    }
                }
            }
        }
        (measures_section(id, found))
        (enquiry_forms::section(viewer, found, forms))
        h2 id="contacts-per-week" { "Contacts per week" }
        (contact_chart::chart(&found.weeks))
        h2 id="timeline" { "Timeline" }
        (person_timeline::list(id, &found.timeline, found.tz))
    }
}

// The measures helper builds /ui/measures/{id} and the form at
// /ui/people/{id}/measures/new; this section only lists and links them.
fn measures_section(id: PersonId, found: &Gathered) -> Markup {
    html! {
        h2 id="measures" { "Measures" }
        @if found.measures.is_empty() {
            p { "No measures recorded." }
        } @else {
            table {
                caption class="visually-hidden" { "Measures" }
                thead {
                    tr {
                        th scope="col" { "Measure" }
                        th scope="col" { "Status" }
                        th scope="col" { "Review date" }
                    }
                }
                tbody {
                    @for m in &found.measures {
                        tr {
                            td {
                                a href={ "/ui/measures/" (m.id) } { (kind_label(&m.kind)) }
                                @for line in crate::notice::plain::terms(&m.kind) {
                                    br; span class="hint" { (line) }
                                }
                            }
                            td { (measure_status(m, found.today, found.grace)) }
                            td { (m.terms.review_on.format("%-d %B %Y")) }
                        }
                    }
                }
            }
        }
        p { a class="button" href={ "/ui/people/" (id) "/measures/new" } { "Record a measure" } }
    }
}

/// Where a measure stands today, in words (as the API's `status`).
fn measure_status(m: &Measure, today: NaiveDate, grace: u32) -> String {
    if m.ended.is_some() {
        return "Ended".into();
    }
    match m.terms.in_force(today, grace) {
        Ok(()) => "In force".into(),
        Err(why) => format!("Not in force: {why}"),
    }
}

/// A record's id from a page's path; anything else is not a page here.
pub(super) fn record_id<T: RecordId>(raw: &str) -> Result<T, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(T::from_raw)
        .ok_or(AppError::NotFound(T::WHAT))
}

/// A measure's kind as the policy names it.
pub(super) fn kind_label(kind: &MeasureKind) -> &'static str {
    match kind {
        MeasureKind::FrequencyLimit { .. } => "Agreed contact frequency",
        MeasureKind::ContactWindows { .. } => "Agreed contact times",
        MeasureKind::SinglePointOfContact { .. } => "Single point of contact",
        MeasureKind::OpenEnquiriesOnly => "Only about open enquiries",
        MeasureKind::NewIssuesOnly => "Only new issues",
        MeasureKind::ChangeRequested { .. } => "Change in communication requested",
        MeasureKind::StyleWarning { .. } => "Communication style highlighted",
        MeasureKind::Other { .. } => "Other resolution",
        MeasureKind::Block => "Block",
    }
}

/// A stored snake_case name as words: `weekly_contact` → "Weekly contact".
pub(super) fn words(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/people/{id}", axum::routing::get(show))
}
