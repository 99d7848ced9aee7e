//! `GET /ui/review`: the review queue (supervisors and admins), the same
//! items as `GET /v1/review-queue` in its order, grouped by person: each
//! flag with the contacts behind it and a form to dismiss or resolve it
//! with a reason, settled as the API settles it and audited under the
//! user's name.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use chrono_tz::Tz;
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::Control;
use super::form_errors::{self, Problem};
use super::home::action_label;
use super::layout::{self, csrf_field, Section, Viewer};
use super::session::UiUser;
use crate::decision::calendar::local_date;
use crate::domain::{FlagId, RecordId, Urgency};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::flags::{bring_up_to_date, settle};
use crate::state::AppState;
use crate::store::flags::{self, Group, Item, Kind, QueueFilter, QueueFlag, Status};

/// People shown at most, and contacts per flag: as the API's defaults.
const GROUPS: u32 = 100;
const EVIDENCE: u32 = 50;

/// A flag whose form was refused: which, what was typed, what is wrong.
struct Refused {
    flag: FlagId,
    reason: String,
    error: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn queue(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Query(done): Query<Done>,
) -> Response {
    let done = match done.done.as_deref() {
        Some("dismissed") => Some("The flag was dismissed."),
        Some("resolved") => Some("The flag was resolved."),
        _ => None,
    };
    render(&state, &user, StatusCode::OK, None, done).await
}

async fn render(
    state: &AppState,
    user: &UiUser<Supervision>,
    status: StatusCode,
    refused: Option<&Refused>,
    done: Option<&str>,
) -> Response {
    // Reviews come due by the calendar, not by a call: raised when
    // someone looks, as the API's queue does.
    if let Err(error) = bring_up_to_date(state, None).await {
        return layout::from_error(&error);
    }
    let filter = QueueFilter {
        person_id: None,
        limit: GROUPS,
        evidence_limit: EVIDENCE,
        today: local_date(state.now(), state.policy.timezone),
        appeal_decision_days: state.settings.appeal_decision_days,
    };
    let groups = match state
        .store
        .read(move |conn| flags::queue(conn, &filter))
        .await
    {
        Ok(groups) => groups,
        Err(error) => return layout::from_error(&error.into()),
    };
    let viewer = Viewer::of(user);
    let tz = state.policy.timezone;
    let problems: Vec<Problem> = refused
        .map(|r| Problem {
            field_id: reason_id(r.flag),
            message: r.error.clone(),
        })
        .into_iter()
        .collect();
    let body = html! {
        (form_errors::summary(&problems))
        @if let Some(done) = done {
            div class="notice" role="status" { p { (done) } }
        }
        p class="hint" {
            "Most urgent first, then whoever has waited longest. A flag never changes \
             what happens to a call: only a measure agreed with the person does."
        }
        @if groups.is_empty() {
            p { "Nothing is waiting for review." }
        }
        @for group in &groups {
            (group_section(group, &viewer, refused, tz))
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Review, "Review queue", body),
    )
}

fn group_section(group: &Group, viewer: &Viewer<'_>, refused: Option<&Refused>, tz: Tz) -> Markup {
    html! {
        section class="queue-group" {
            h2 {
                @match (&group.person_name, group.person_id) {
                    (Some(name), _) => (name),
                    (None, _) => "Unknown caller",
                }
                " "
                span class={ "tag urgency-" (urgency_word(group.urgency)) } { (urgency_label(group.urgency)) }
            }
            @for item in &group.items {
                @match item {
                    Item::Flag(flag) => (flag_item(flag, viewer, refused, tz)),
                    Item::Appeal(appeal) => {
                        div class="queue-item" {
                            h3 { "Appeal waiting " (appeal.days_waiting) " days for a decision" }
                            p {
                                "Against the " (appeal.measure.kind) " measure (review date "
                                (appeal.measure.review_on) "), received " (appeal.appeal.received_on)
                                ". Someone not involved in the measure decides it."
                            }
                        }
                    }
                }
            }
        }
    }
}

fn flag_item(item: &QueueFlag, viewer: &Viewer<'_>, refused: Option<&Refused>, tz: Tz) -> Markup {
    let flag = &item.flag;
    let id = reason_id(flag.id);
    let refused = refused.filter(|r| r.flag == flag.id);
    let error = refused.map(|r| r.error.as_str());
    let typed = refused.map(|r| r.reason.as_str()).unwrap_or("");
    html! {
        div class="queue-item" id={ "flag-" (flag.id.get()) } {
            h3 { (kind_label(flag.kind)) }
            p { (flag.detail) }
            p class="hint" {
                "Raised " (stored_time(&flag.raised_at, tz))
                @if let Some(caller) = &flag.caller { " · calling number " (caller) }
                " · " (flag.evidence_count) " contacts behind it"
            }
            @if let Some(measure) = &item.evidence.measure {
                p {
                    "The " (measure.kind) " measure's review date is " (measure.review_on)
                    @if measure.overdue { " (past)" } "."
                }
            }
            @if !item.evidence.contacts.is_empty() {
                table {
                    caption class="small-caption" { "Contacts behind this flag, newest first" }
                    thead { tr {
                        th scope="col" { "When" } th scope="col" { "Channel" }
                        th scope="col" { "What happened" } th scope="col" { "Advisor" }
                    } }
                    tbody {
                        @for contact in &item.evidence.contacts {
                            tr {
                                td { (local_time(contact.at, tz)) }
                                td { (contact.channel.as_str()) }
                                td {
                                    (contact.action.map(action_label).unwrap_or(""))
                                    @if let Some(reason) = contact.reason { " (" (reason.as_str()) ")" }
                                    @if contact.urgent { " · urgent option chosen" }
                                }
                                td { (contact.advisor.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
            @if flag.kind == Kind::ReviewDue {
                p { "This is settled by reviewing the measure." }
            } @else {
                form method="post" action={ "/ui/review/flags/" (flag.id.get()) } novalidate {
                    (csrf_field(viewer.csrf_token))
                    (Control::new("reason", "Reason").id(id).error(error).textarea(2, typed))
                    div class="button-group" {
                        button class="button" type="submit" name="outcome" value="resolve" { "Resolve" }
                        button class="button button-secondary" type="submit" name="outcome" value="dismiss" { "Dismiss" }
                    }
                }
            }
        }
    }
}

fn reason_id(flag: FlagId) -> String {
    format!("reason-{}", flag.get())
}

/// `POST /ui/review/flags/{id}`: dismiss or resolve with a reason.
pub async fn settle_flag(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let (status, done) = match form.get("outcome") {
        Some("dismiss") => (Status::Dismissed, "dismissed"),
        Some("resolve") => (Status::Resolved, "resolved"),
        _ => {
            return layout::from_error(&AppError::invalid("outcome", "must be dismiss or resolve"))
        }
    };
    let id = FlagId::from_raw(id);
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let by = user.principal().name;
    match settle(&state, id, by, status, ("reason", &reason), None).await {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [(LOCATION, format!("/ui/review?done={done}"))],
        )
            .into_response(),
        Err(AppError::Invalid(error)) => {
            let refused = Refused {
                flag: id,
                reason,
                error: format!("Enter the reason: it {}", error.message),
            };
            render(
                &state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&refused),
                None,
            )
            .await
        }
        Err(error) => layout::from_error(&error),
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::UrgentCall => "Chose the urgent option",
        Kind::UrgentUnderMeasures => "Chose the urgent option while under measures",
        Kind::RepeatedWhileDiverted => "Kept calling while diverted or blocked",
        Kind::VeryFrequentContact => "Very frequent contact today",
        Kind::WeeklyContact => "Frequent contact this week",
        Kind::SeveralAdvisors => "The same enquiry with several advisors",
        Kind::Scattergun => "The same enquiry on several channels",
        Kind::ReviewDue => "A measure's review is due",
    }
}

fn urgency_word(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Now => "now",
        Urgency::Overdue => "overdue",
        Urgency::Soon => "soon",
        Urgency::Pattern => "pattern",
    }
}

fn urgency_label(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::Now => "Look now",
        Urgency::Overdue => "Overdue",
        Urgency::Soon => "Soon",
        Urgency::Pattern => "A pattern",
    }
}

/// A moment as people here read it: the service's local date and time.
pub(super) fn local_time(at: DateTime<chrono::Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y %H:%M").to_string()
}

/// A stored RFC 3339 timestamp in local time; shown as stored if it does
/// not parse (it is only shown, never used).
pub(super) fn stored_time(at: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|at| local_time(at.with_timezone(&chrono::Utc), tz))
        .unwrap_or_else(|_| at.to_owned())
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/review", axum::routing::get(queue))
        .route("/ui/review/flags/{id}", axum::routing::post(settle_flag))
}
