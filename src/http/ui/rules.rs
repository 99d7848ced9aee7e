//! `GET /ui/rules`: number rules (supervisors and admins, as the API's):
//! the list, a form to add one, removing one, a CSV import (a file chosen
//! on the form or lines pasted into it, no JavaScript either way; every
//! bad line listed and nothing imported) and the CSV export; and "Block this number" from a
//! call history row. Each checked and audited as the API does it, under
//! the user's name.

use crate::http::ui::session::CheckedForm;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::{self, Control};
use super::form_errors::{self, Problem};
use super::layout::{self, csrf_field, Section, Viewer};
use super::review::local_time;
use super::session::{csrf_refused, UiUser};
use super::Form;
use crate::domain::{
    ContactId, FieldError, Moment, NumberRule, NumberRuleId, RecordId, RuleAction,
};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::rules::{asked_for, for_contact, insert_audited, remove_audited, NewRule};
use crate::http::rules_csv::{self, action_name, action_named, match_name, match_named};
use crate::state::AppState;
use crate::store::{contacts, rules};

/// The add form as typed.
#[derive(Default)]
struct Typed {
    number: String,
    match_kind: String,
    action: String,
    reason: String,
    expires_at: String,
    broad: bool,
}

impl Typed {
    fn of(form: &Form) -> Typed {
        let text = |name| form.get(name).unwrap_or_default().to_owned();
        Typed {
            number: text("number"),
            match_kind: text("match"),
            action: text("action"),
            reason: text("reason"),
            expires_at: text("expires_at"),
            broad: form.get("broad").is_some(),
        }
    }
}

/// What the page shows besides the rules: a refused form, or what was done.
#[derive(Default)]
struct Shown {
    typed: Typed,
    add_error: Option<FieldError>,
    csv: String,
    import_errors: Vec<String>,
    done: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
    created: Option<u32>,
    updated: Option<u32>,
    unchanged: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Query(q): Query<Done>,
) -> Response {
    let done = match q.done.as_deref() {
        Some("added") => Some("The rule was added.".to_owned()),
        Some("removed") => Some("The rule was removed.".to_owned()),
        Some("imported") => Some(format!(
            "Imported: {} new, {} changed, {} unchanged.",
            q.created.unwrap_or(0),
            q.updated.unwrap_or(0),
            q.unchanged.unwrap_or(0)
        )),
        _ => None,
    };
    let shown = Shown {
        done,
        typed: Typed {
            match_kind: "exact".into(),
            action: "block".into(),
            ..Typed::default()
        },
        ..Shown::default()
    };
    render(&state, &user, StatusCode::OK, &shown).await
}

/// The label of a field of the add form, and the id of its input.
fn field(name: &str) -> (&'static str, &'static str) {
    match name {
        "match" => ("Match", "match"),
        "action" => ("Action", "action"),
        "reason" => ("Reason", "reason"),
        "expires_at" => ("Expires", "expires_at"),
        "broad" => ("Broad prefix", "broad"),
        _ => ("Number", "number"),
    }
}

async fn render(
    state: &AppState,
    user: &UiUser<Supervision>,
    status: StatusCode,
    shown: &Shown,
) -> Response {
    let rules = match state.store.read(rules::list_rules).await {
        Ok(rules) => rules,
        Err(error) => return layout::from_error(&error.into()),
    };
    let viewer = Viewer::of(user);
    // The import's line errors are listed, but shown beside the box by
    // `import_error` (one message for them all), not by `error_of`.
    let added = shown
        .add_error
        .iter()
        .map(|e| Problem::refused(field(&e.field).1, field(&e.field).0, &e.message));
    let imported = shown.import_errors.iter().map(|message| Problem {
        field_id: "csv".into(),
        message: message.clone(),
    });
    let problems: Vec<Problem> = added.chain(imported).collect();
    let error_of = |name: &str| form_errors::message_for(&problems, name);
    let typed = &shown.typed;
    let import_error = (!shown.import_errors.is_empty())
        .then_some("The file was not imported: fix the lines listed above");
    let body = html! {
        (form_errors::summary(&problems))
        @if let Some(done) = &shown.done {
            div class="notice" role="status" { p { (done) } }
        }
        p class="hint" {
            "Block nuisance numbers and ranges; allow partner agencies that must always get \
             through. Measures agreed with a person follow the person instead."
        }
        (table(&rules, viewer.csrf_token, state.policy.timezone))
        p { a href="/ui/rules/export.csv" download { "Download the rules as CSV" } }
        h2 { "Add a rule" }
        form method="post" action="/ui/rules" novalidate {
            (csrf_field(viewer.csrf_token))
            (Control::new("number", "Number or prefix").no_spellcheck()
                .hint("Any way of writing it: 07700 900123, +44 7700 900123.")
                .error(error_of("number")).input("text", &typed.number))
            (Control::new("match", "Match").error(error_of("match")).select(&[
                ("exact", "This number exactly"),
                ("prefix", "Every number starting with it"),
            ], &typed.match_kind))
            (Control::new("action", "Action").error(error_of("action")).select(&[
                ("block", "Block"),
                ("allow", "Always allow"),
            ], &typed.action))
            (reason_input(&typed.reason, error_of("reason")))
            (expires_input(&typed.expires_at, error_of("expires_at")))
            div class=(fields::field_class(error_of("broad"))) {
                (fields::message("broad", error_of("broad")))
                div class="checkbox" {
                    input id="broad" name="broad" type="checkbox" value="true" checked[typed.broad]
                        aria-describedby=[fields::described_by("broad", error_of("broad"))];
                    label for="broad" { "This prefix is meant to cover a whole country or more than a range" }
                }
            }
            button class="button" type="submit" { "Add the rule" }
        }
        h2 { "Import rules from CSV" }
        form method="post" action="/ui/rules/import" enctype="multipart/form-data" novalidate {
            (csrf_field(viewer.csrf_token))
            div class="field" {
                label for="file" { "A CSV file" }
                p class="hint" id="file-hint" { "Or paste the lines into the box below." }
                input type="file" id="file" name="file" accept=".csv,text/csv"
                    aria-describedby="file-hint";
            }
            div class=(fields::field_class(import_error)) {
                label for="csv" { "CSV" }
                p class="hint" id="csv-hint" {
                    "The first line names the columns " code { (rules_csv::COLUMNS.join(",")) }
                    ", as the download has them. A rule for a number already listed is updated. \
                     If any line is wrong, nothing is imported."
                }
                (fields::message("csv", import_error))
                textarea id="csv" name="csv" rows="8" class="wide"
                    aria-describedby={ "csv-hint" @if import_error.is_some() { " csv-error" } } { (shown.csv) }
            }
            button class="button" type="submit" { "Import" }
        }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Rules, "Number rules", body),
    )
}

fn table(rules: &[NumberRule], token: &str, tz: chrono_tz::Tz) -> Markup {
    html! {
        @if rules.is_empty() {
            p { "There are no number rules." }
        } @else {
            table {
                caption { (rules.len()) " rules" }
                thead { tr {
                    th scope="col" { "Number" } th scope="col" { "Match" } th scope="col" { "Action" }
                    th scope="col" { "Reason" } th scope="col" { "Expires" }
                    th scope="col" { span class="visually-hidden" { "Remove" } }
                } }
                tbody {
                    @for rule in rules {
                        tr {
                            th scope="row" { (rule.number.as_str()) }
                            td { (match_name(rule.match_kind)) }
                            td { (action_name(rule.action)) }
                            td { (rule.reason) }
                            td { (rule.expires_at.map(|at| local_time(at, tz)).unwrap_or_else(|| "never".into())) }
                            td {
                                form method="post" action={ "/ui/rules/" (rule.id.get()) "/remove" } {
                                    (csrf_field(token))
                                    button class="button button-secondary" type="submit" {
                                        "Remove" span class="visually-hidden" { " the rule for " (rule.number.as_str()) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn expires_input(value: &str, error: Option<&str>) -> Markup {
    Control::new("expires_at", "Expires (optional)")
        .hint("A date and time, e.g. 2026-11-30T09:15:00Z; blank for never.")
        .error(error)
        .no_spellcheck()
        .input("text", value)
}

fn reason_input(value: &str, error: Option<&str>) -> Markup {
    Control::new("reason", "Reason")
        .error(error)
        .class("wide")
        .textarea(2, value)
}

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// An expiry as typed: blank for none, otherwise as the API reads one.
fn expiry(text: &str) -> Result<Option<Moment>, AppError> {
    match text.trim() {
        "" => Ok(None),
        text => Moment::parse(text)
            .map(Some)
            .map_err(|m| AppError::invalid("expires_at", m)),
    }
}

/// `POST /ui/rules`: add a rule.
pub async fn add(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let typed = Typed::of(&form);
    let checked = (|| {
        let match_kind = match_named(&typed.match_kind)
            .ok_or_else(|| AppError::invalid("match", "must be exact or prefix"))?;
        let action = action_named(&typed.action)
            .ok_or_else(|| AppError::invalid("action", "must be block or allow"))?;
        let asked = NewRule {
            number: typed.number.clone(),
            match_kind,
            action,
            reason: typed.reason.clone(),
            expires_at: expiry(&typed.expires_at)?,
            broad: typed.broad,
        };
        asked_for(&state, &asked)
    })();
    let result = match checked {
        Ok(rule) => insert_audited(&state, user.principal().name, rule, None).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => see_other("/ui/rules?done=added".into()),
        Err(error) => match form_errors::field_error(&error) {
            Some(error) => {
                let shown = Shown {
                    typed,
                    add_error: Some(error),
                    ..Shown::default()
                };
                render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &shown).await
            }
            None => layout::from_error(&error),
        },
    }
}

/// `POST /ui/rules/{id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<i64>,
    _: CheckedForm,
) -> Response {
    match remove_audited(&state, user.principal().name, NumberRuleId::from_raw(id)).await {
        Ok(()) => see_other("/ui/rules?done=removed".into()),
        Err(error) => layout::from_error(&error),
    }
}

/// `POST /ui/rules/import`: a CSV file chosen on the form or pasted into
/// it, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    request: Request,
) -> Response {
    let form = match import_form(&state, request).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    if !user.csrf_ok(&form) {
        return csrf_refused();
    }
    // A chosen file wins over the text box; a browser sends an empty file
    // part when none was chosen.
    let csv = match form.get("file") {
        Some(file) if !file.is_empty() => file.to_owned(),
        _ => form.get("csv").unwrap_or_default().to_owned(),
    };
    match rules_csv::import_file(&state, user.principal().name, csv.as_bytes()).await {
        Ok(counts) => see_other(format!(
            "/ui/rules?done=imported&created={}&updated={}&unchanged={}",
            counts["created"], counts["updated"], counts["unchanged"]
        )),
        Err(errors) => {
            if let Some(AppError::Internal(_)) = errors.first() {
                return layout::from_error(&errors[0]);
            }
            let shown = Shown {
                csv,
                import_errors: errors.iter().map(import_message).collect(),
                ..Shown::default()
            };
            render(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, &shown).await
        }
    }
}

/// The import form's fields, sent as `multipart/form-data` (the form has a
/// file input) or, from a client that only pastes, url-encoded. A file
/// that is not UTF-8 text is the caller's mistake, named on the page.
async fn import_form(state: &AppState, request: Request) -> Result<Form, Response> {
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        return Ok(Form::parse(&body));
    }
    let mut parts = Multipart::from_request(request, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let mut fields = Vec::new();
    loop {
        let field = match parts.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(Form(fields)),
            Err(error) => return Err(error.into_response()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(IntoResponse::into_response)?;
        let Ok(text) = String::from_utf8(bytes.to_vec()) else {
            return Err(layout::problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The file is not a CSV file",
                "The chosen file is not text (UTF-8). Save it from the \
                 spreadsheet as \"CSV UTF-8\" and choose it again.",
            ));
        };
        fields.push((name, text));
    }
}

fn import_message(error: &AppError) -> String {
    match error {
        AppError::InvalidLine { line, error } => {
            format!("Line {line}: {} {}", error.field, error.message)
        }
        other => other.to_string(),
    }
}

/// `GET /ui/rules/export.csv`: every rule, as the API exports them.
pub async fn export(State(state): State<AppState>, _: UiUser<Supervision>) -> Response {
    let exported = match state.store.read(rules::list_rules).await {
        Ok(rules) => rules_csv::export(&rules),
        Err(error) => Err(error.into()),
    };
    exported.unwrap_or_else(|error| layout::from_error(&error))
}

/// `GET /ui/rules/block/{contact}`: "Block this number" from a call
/// history row, asking for the reason.
pub async fn block_form(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(contact): Path<i64>,
) -> Response {
    block_page(&state, &user, contact, StatusCode::OK, "", "", None).await
}

async fn block_page(
    state: &AppState,
    user: &UiUser<Supervision>,
    contact: i64,
    status: StatusCode,
    reason: &str,
    expires_at: &str,
    error: Option<FieldError>,
) -> Response {
    let id = ContactId::from_raw(contact);
    let phone = match state
        .store
        .read(move |conn| contacts::phone_of(conn, id))
        .await
    {
        Ok(Some(phone)) => phone,
        Ok(None) => {
            return layout::problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "There is no number to block",
                "This contact has no phone number to make a rule for (withheld, \
                 another channel, or erased).",
            )
        }
        Err(error) => return layout::from_error(&error.into()),
    };
    let viewer = Viewer::of(user);
    let problems: Vec<Problem> = error
        .iter()
        .map(|e| Problem::refused(field(&e.field).1, field(&e.field).0, &e.message))
        .collect();
    let error_of = |name: &str| form_errors::message_for(&problems, name);
    let body = html! {
        (form_errors::summary(&problems))
        p { "Calls from " strong { (phone) } " will be blocked: the caller hears the blocked \
             message and the call ends. Blocking is for nuisance callers; a measure agreed with \
             a person is the way to limit a customer's calls." }
        form method="post" action={ "/ui/rules/block/" (contact) } novalidate {
            (csrf_field(viewer.csrf_token))
            (reason_input(reason, error_of("reason")))
            (expires_input(expires_at, error_of("expires_at")))
            button class="button" type="submit" { "Block this number" }
        }
        p { a href="/ui/calls" { "Back to the call history" } }
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Rules, "Block this number", body),
    )
}

/// `POST /ui/rules/block/{contact}`: an exact block rule for the number,
/// as `POST /v1/contacts/{id}/number-rule` makes it.
pub async fn block(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(contact): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Response {
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let expires_at = form.get("expires_at").unwrap_or_default().to_owned();
    let id = ContactId::from_raw(contact);
    let result = match expiry(&expires_at) {
        Ok(expiry) => for_contact(&state, id, RuleAction::Block, &reason, expiry).await,
        Err(error) => Err(error),
    };
    let result = match result {
        Ok(rule) => insert_audited(&state, user.principal().name, rule, Some(id)).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(_) => see_other("/ui/rules?done=added".into()),
        Err(error) => match form_errors::field_error(&error) {
            Some(field_error) if field_error.field != "contact" => {
                block_page(
                    &state,
                    &user,
                    contact,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &reason,
                    &expires_at,
                    Some(field_error),
                )
                .await
            }
            _ => layout::from_error(&error),
        },
    }
}

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/ui/rules", get(list).post(add))
        .route("/ui/rules/{id}/remove", post(remove))
        .route("/ui/rules/import", post(import))
        .route("/ui/rules/export.csv", get(export))
        .route("/ui/rules/block/{contact}", get(block_form).post(block))
}
