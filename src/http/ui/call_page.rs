//! `/ui/calls/{call_id}`: the call in front of the advisor who answers it
//! (the address a routed answer carries as `info_url`). Who is calling,
//! their contacts this week, the measures in force and what each meant for
//! this call, open enquiries and flags, and the outcome form, which
//! records through the same operation as `POST /v1/calls/{id}/outcome`.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::fields::Control;
use super::form_errors::{self, Problem};
use super::layout::{self, csrf_field, summary_row, Section, Viewer};
use super::session::UiUser;
use crate::decision::calendar;
use crate::decision::{Action, RuleHit};
use crate::domain::{CallId, EnquiryName, Period, RecordId};
use crate::error::AppError;
use crate::http::auth::{CallReporting, Roles, Staff};
use crate::http::contacts::{record_outcome, OutcomeBody};
use crate::state::AppState;
use crate::store::calls::{self, CallView, Caller};

/// What the outcome form shows: what was typed and what was wrong with it.
#[derive(Default)]
struct Shown {
    advisor: String,
    enquiry: String,
    note: String,
    complaint: bool,
    error: Option<(String, String)>,
}

impl Shown {
    fn of(view: &CallView, user_name: &str) -> Self {
        let c = &view.contact;
        Shown {
            advisor: c.advisor.clone().unwrap_or_else(|| user_name.to_owned()),
            enquiry: c
                .enquiry_id
                .map(|id| id.get().to_string())
                .unwrap_or_default(),
            note: c.note.clone().unwrap_or_default(),
            complaint: c.complaint,
            error: None,
        }
    }

    /// The error summary's one problem, if the outcome was refused.
    fn problems(&self) -> Vec<Problem> {
        self.error
            .iter()
            .map(|(field, message)| Problem {
                field_id: field.clone(),
                message: format!("{} {message}", words(field)),
            })
            .collect()
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn load(state: &AppState, call_id: &CallId) -> Result<Option<CallView>, AppError> {
    let tz = state.policy.timezone;
    let now = state.now();
    let at = calls::Now {
        week_start: calendar::period_start(Period::Week, now, tz),
        today: calendar::local_date(now, tz),
        review_grace_days: state.policy.review_grace_days,
    };
    let id = call_id.clone();
    Ok(state
        .store
        .read(move |conn| calls::call_view(conn, &id, &at))
        .await?)
}

fn not_found() -> Response {
    layout::problem(
        StatusCode::NOT_FOUND,
        "No call on record",
        "fairline has no call with this id. It may not have been screened \
         (a call to another number, or while screening was down), or its \
         record has been deleted.",
    )
}

/// `GET /ui/calls/{call_id}`.
pub async fn show(
    State(state): State<AppState>,
    user: UiUser<Staff>,
    Path(call_id): Path<String>,
) -> Response {
    let Ok(call_id) = CallId::parse(&call_id) else {
        return not_found();
    };
    let view = match load(&state, &call_id).await {
        Ok(Some(view)) => view,
        Ok(None) => return not_found(),
        Err(error) => return layout::from_error(&error),
    };
    if let Some(person) = &view.person {
        // Reading a person's record through a page is a read like the
        // API's, and is audited the same way.
        let read = "person.call.view";
        let recorded =
            crate::http::privacy::record_read(&state, &user.principal(), read, person.id).await;
        if let Err(error) = recorded {
            return layout::from_error(&error);
        }
    }
    let shown = Shown::of(&view, &user.name);
    render(&state, &user, &call_id, &view, &shown, StatusCode::OK)
}

/// `POST /ui/calls/{call_id}/outcome`: the roles that may report a call's
/// outcome through the API (the advisor, an admin).
pub async fn outcome(
    State(state): State<AppState>,
    user: UiUser<CallReporting>,
    Path(call_id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let Ok(call_id) = CallId::parse(&call_id) else {
        return not_found();
    };
    let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let shown = Shown {
        advisor: text("advisor"),
        enquiry: text("enquiry"),
        note: text("note"),
        complaint: form.get("complaint").is_some(),
        error: None,
    };
    let enquiry = shown.enquiry.trim();
    let body = OutcomeBody {
        advisor: Some(shown.advisor.clone()),
        enquiry: (!enquiry.is_empty()).then(|| EnquiryName::from_text(enquiry)),
        note: Some(shown.note.clone()),
        // The box shows the call's marking, so the form always says it.
        complaint: Some(shown.complaint),
        ..OutcomeBody::default()
    };
    match record_outcome(&state, &user.name, &call_id, body).await {
        Ok(_) => {
            let to = format!("/ui/calls/{}", path_segment(&call_id));
            (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
        }
        Err(AppError::Invalid(error)) => {
            let view = match load(&state, &call_id).await {
                Ok(Some(view)) => view,
                Ok(None) => return not_found(),
                Err(error) => return layout::from_error(&error),
            };
            let shown = Shown {
                error: Some((error.field, error.message)),
                ..shown
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, &user, &call_id, &view, &shown, status)
        }
        Err(AppError::NotFound(_)) => not_found(),
        Err(error) => layout::from_error(&error),
    }
}

fn render<R: Roles>(
    state: &AppState,
    user: &UiUser<R>,
    call_id: &CallId,
    view: &CallView,
    shown: &Shown,
    status: StatusCode,
) -> Response {
    let tz = state.policy.timezone;
    let c = &view.contact;
    let title = match (&view.person, &c.identity) {
        (Some(person), _) => format!("Call from {}", person.name),
        (None, Some(_)) => "Call from an unknown number".to_owned(),
        (None, None) => "Call from a withheld number".to_owned(),
    };
    let rules = c.rules.as_deref().unwrap_or_default();
    let body = html! {
        (form_errors::summary(&shown.problems()))
        dl class="summary" {
            (summary_row("Number", html! { (c.identity.as_deref().unwrap_or("Withheld")) }))
            (summary_row("When", html! { (c.at.with_timezone(&tz).format("%A %-d %B %Y, %H:%M")) }))
            (summary_row("What fairline did", html! {
                (action_label(c.action)) @if c.urgent { " (the caller chose the urgent option)" }
            }))
            @if let Some(advisor) = &c.advisor {
                (summary_row("Advisor", html! { (advisor) }))
            }
            @if let Some(note) = &c.note {
                (summary_row("Note", html! { span class="note" { (note) } }))
            }
            @if c.complaint {
                (summary_row("Complaint", html! {
                    "Marked as a complaint about the service: it counts towards no limit or flag."
                }))
            }
        }
        @match &view.person {
            Some(person) => { (caller_sections(person, rules)) }
            None => {
                p { "This number is not on anyone's record, so no measures apply and there is no history to show." }
            }
        }
        @if user.may::<CallReporting>() {
            (outcome_form(user, call_id, shown))
        }
    };
    let viewer = Viewer::of(user);
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::None, &title, body),
    )
}

fn caller_sections(person: &Caller, rules: &[RuleHit]) -> Markup {
    html! {
        @if let Some(reference) = &person.reference {
            p class="hint" { "Reference: " (reference) }
        }
        h2 { "Contacts this week" }
        p {
            (person.this_week) " contacts since the start of the week, on any channel"
            @if person.this_week != person.this_week_counted {
                " (" (person.this_week_counted) " count towards a frequency limit)"
            }
            "."
        }
        h2 { "Measures in force" }
        @if person.measures.is_empty() {
            p { "None." }
        } @else {
            table {
                caption { "Measures in force and what each meant for this call" }
                thead { tr {
                    th scope="col" { "Measure" }
                    th scope="col" { "For this call" }
                    th scope="col" { "Review" }
                } }
                tbody {
                    @for measure in &person.measures {
                        tr {
                            th scope="row" { (words(measure.kind.name())) }
                            td {
                                @let hits: Vec<&RuleHit> = rules.iter().filter(|r| r.measure_id == Some(measure.id)).collect();
                                @if hits.is_empty() {
                                    "Did not change this call."
                                } @else {
                                    @for hit in hits { (hit.detail) br; }
                                }
                            }
                            td { (measure.terms.review_on.format("%-d %B %Y")) }
                        }
                    }
                }
            }
        }
        h2 { "Open enquiries" }
        @if person.open_enquiries.is_empty() {
            p { "None." }
        } @else {
            table {
                caption { "Open enquiries and their advisor" }
                thead { tr {
                    th scope="col" { "Reference" }
                    th scope="col" { "Topic" }
                    th scope="col" { "Advisor" }
                } }
                tbody {
                    @for enquiry in &person.open_enquiries {
                        tr {
                            th scope="row" { (enquiry.reference.clone().unwrap_or_else(|| enquiry.id.get().to_string())) }
                            td { (enquiry.topic) }
                            td { (enquiry.advisor.as_deref().unwrap_or("None assigned")) }
                        }
                    }
                }
            }
        }
        h2 { "Open flags" }
        @if person.open_flags.is_empty() {
            p { "None." }
        } @else {
            ul {
                @for flag in &person.open_flags {
                    li { strong { (words(flag.kind.as_str())) } ": " (flag.detail) }
                }
            }
            p class="hint" { "Flags are for a supervisor to look at; they change no call by themselves." }
        }
    }
}

fn outcome_form<R: Roles>(user: &UiUser<R>, call_id: &CallId, shown: &Shown) -> Markup {
    let action = format!("/ui/calls/{}/outcome", path_segment(call_id));
    html! {
        h2 { "Record the outcome" }
        form method="post" action=(action) novalidate {
            (csrf_field(&user.csrf_token))
            (Control::new("advisor", "Advisor").hint("Who took the call.")
                .error(shown.error_for("advisor")).input("text", &shown.advisor))
            (Control::new("enquiry", "Enquiry")
                .hint("The reference of the enquiry the call was about (for example ENQ-12), if any.")
                .error(shown.error_for("enquiry")).no_spellcheck().input("text", &shown.enquiry))
            (Control::new("note", "Note").error(shown.error_for("note")).textarea(4, &shown.note))
            div class="field checkbox" {
                input id="complaint" name="complaint" type="checkbox" value="yes" checked[shown.complaint];
                label for="complaint" { "This call was a complaint about the service" }
            }
            button class="button" type="submit" { "Save the outcome" }
        }
    }
}

fn action_label(action: Option<Action>) -> &'static str {
    match action {
        Some(Action::Route) => "Put the call through",
        Some(Action::Announce) => "Played a message, then put the call through",
        Some(Action::Divert) => "Diverted the call",
        Some(Action::Block) => "Blocked the call",
        None => "Not recorded",
    }
}

/// A stored name (`frequency_limit`) as words ("Frequency limit").
fn words(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// A call id as one path segment: it is printable ASCII, which may hold
/// `/`, `?` or `#`.
fn path_segment(call_id: &CallId) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(call_id.as_str(), SEGMENT).to_string()
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/calls/{call_id}", axum::routing::get(show))
        .route("/ui/calls/{call_id}/outcome", axum::routing::post(outcome))
}
