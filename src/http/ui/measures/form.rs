//! Recording a measure (`/ui/people/{id}/measures/new`) and changing one
//! (`/ui/measures/{id}/change`) in the policy's terms. One form: the kind
//! as a radio group with a fieldset for each kind's settings (it works
//! without JavaScript: only the chosen kind's fields are sent on), then
//! the terms. The form is turned into the body the API takes and goes
//! through the API's own parsing and checks (`MeasureBody`,
//! `measures::record` / `measures::change`), so a page can record nothing
//! the API would refuse, and its errors are the API's, shown beside the
//! field they name.

use crate::http::ui::session::CheckedForm;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Weekday;
use maud::{html, Markup};
use serde_json::{Map, Value};

use super::fields::{self, put, Problem};
use super::{kind_label, path_id, KINDS};
use crate::domain::{Measure, MeasureId, MeasureKind, OnBreach, PersonId, Window};
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::extract::parse_json;
use crate::http::measures::{self as api, MeasureBody};
use crate::http::ui::layout::{self, csrf_field, Section, Viewer};
use crate::http::ui::session::UiUser;
use crate::http::ui::Form;
use crate::state::AppState;
use crate::store::{advisors, measures, people};

/// Contact windows the form offers at least; a measure with more shows
/// them all. Blank rows are left out.
const WINDOW_ROWS: usize = 3;
const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Monday", Weekday::Mon),
    ("tue", "Tuesday", Weekday::Tue),
    ("wed", "Wednesday", Weekday::Wed),
    ("thu", "Thursday", Weekday::Thu),
    ("fri", "Friday", Weekday::Fri),
    ("sat", "Saturday", Weekday::Sat),
    ("sun", "Sunday", Weekday::Sun),
];
/// The kinds whose breach can be answered (`MeasureKind::takes_on_breach`).
const TAKE_ON_BREACH: [&str; 4] = [
    "frequency_limit",
    "contact_windows",
    "open_enquiries_only",
    "new_issues_only",
];

#[derive(Default, Clone)]
struct WindowRow {
    days: [bool; 7],
    from: String,
    to: String,
}

impl WindowRow {
    fn is_blank(&self) -> bool {
        !self.days.iter().any(|d| *d) && self.from.trim().is_empty() && self.to.trim().is_empty()
    }
}

/// The form as typed: every field a string, kept to show again.
#[derive(Default, Clone)]
struct MeasureForm {
    kind: String,
    max_contacts: String,
    per: String,
    channels: String,
    windows: Vec<WindowRow>,
    advisor: String,
    target: String,
    details: String,
    prompt: String,
    breach_action: String,
    breach_prompt: String,
    reason: String,
    notified_on: String,
    starts_on: String,
    review_on: String,
    ends_on: String,
}

impl MeasureForm {
    fn read(form: &Form) -> MeasureForm {
        let text = |key: &str| form.get(key).unwrap_or_default().to_owned();
        let mut windows: Vec<WindowRow> = (1..=crate::domain::MAX_WINDOWS)
            .map(|row| WindowRow {
                days: DAYS.map(|(day, ..)| form.get(&format!("window{row}-{day}")).is_some()),
                from: text(&format!("window{row}-from")),
                to: text(&format!("window{row}-to")),
            })
            .collect();
        // Rows past the last one given are not kept (nor shown again).
        while windows.len() > WINDOW_ROWS && windows.last().is_some_and(WindowRow::is_blank) {
            windows.pop();
        }
        MeasureForm {
            kind: text("kind"),
            max_contacts: text("max_contacts"),
            per: text("per"),
            channels: text("channels"),
            windows,
            advisor: text("advisor"),
            target: text("target"),
            details: text("details"),
            prompt: text("prompt"),
            breach_action: text("breach_action"),
            breach_prompt: text("breach_prompt"),
            reason: text("reason"),
            notified_on: text("notified_on"),
            starts_on: text("starts_on"),
            review_on: text("review_on"),
            ends_on: text("ends_on"),
        }
    }

    /// A new measure's form: starting today, the written notice not yet
    /// sent (the notice page records it).
    fn blank(today: chrono::NaiveDate) -> MeasureForm {
        MeasureForm {
            channels: "phone".into(),
            per: "week".into(),
            starts_on: today.to_string(),
            windows: vec![WindowRow::default(); WINDOW_ROWS],
            ..MeasureForm::default()
        }
    }

    /// A measure's form filled in as it stands, for changing it.
    fn of(m: &Measure) -> MeasureForm {
        let mut form = MeasureForm {
            kind: m.kind.name().to_owned(),
            reason: m.terms.reason.clone(),
            notified_on: date(m.terms.notified_on),
            starts_on: m.terms.starts_on.to_string(),
            review_on: m.terms.review_on.to_string(),
            ends_on: date(m.terms.ends_on),
            windows: vec![WindowRow::default(); WINDOW_ROWS],
            ..MeasureForm::default()
        };
        if let Some(OnBreach { action, prompt }) = &m.terms.on_breach {
            form.breach_action = value_name(action);
            form.breach_prompt = prompt.to_string();
        }
        match &m.kind {
            MeasureKind::FrequencyLimit {
                max_contacts,
                per,
                channels,
            } => {
                form.max_contacts = max_contacts.to_string();
                form.per = value_name(per);
                form.channels = value_name(channels);
            }
            MeasureKind::ContactWindows { windows } => {
                let mut rows: Vec<WindowRow> = windows.iter().map(window_row).collect();
                rows.resize(rows.len().max(WINDOW_ROWS), WindowRow::default());
                form.windows = rows;
            }
            MeasureKind::SinglePointOfContact { advisor, target } => {
                form.advisor = advisor.clone().unwrap_or_default();
                form.target = target.as_ref().map(ToString::to_string).unwrap_or_default();
            }
            MeasureKind::ChangeRequested { details } | MeasureKind::Other { details } => {
                form.details = details.clone();
            }
            MeasureKind::StyleWarning { details, prompt } => {
                form.details = details.clone();
                form.prompt = prompt.as_ref().map(ToString::to_string).unwrap_or_default();
            }
            MeasureKind::OpenEnquiriesOnly | MeasureKind::NewIssuesOnly | MeasureKind::Block => {}
        }
        form
    }

    /// The body the API would be sent for this form: the chosen kind's own
    /// fields only, and the terms. `change`: blanks are sent as null (a
    /// cleared field is cleared) and the kind is not sent (it cannot
    /// change). Also answers which form row each window sent came from.
    fn body(&self, change: bool) -> (Map<String, Value>, Vec<usize>) {
        let mut map = Map::new();
        let kind = self.kind.as_str();
        if !change {
            map.insert("kind".into(), Value::String(kind.to_owned()));
        }
        let mut rows = Vec::new();
        match kind {
            "frequency_limit" => {
                // A number is sent as one, so "abc" is the API's "must be a
                // whole number" rather than "must be a number, not a string".
                let max = self.max_contacts.trim();
                match max.parse::<u64>() {
                    Ok(n) => drop(map.insert("max_contacts".into(), Value::from(n))),
                    Err(_) => put(&mut map, "max_contacts", max, change),
                }
                put(&mut map, "per", &self.per, change);
                put(&mut map, "channels", &self.channels, change);
            }
            "contact_windows" => {
                let mut windows = Vec::new();
                for (i, row) in self.windows.iter().enumerate() {
                    if row.is_blank() {
                        continue;
                    }
                    let mut window = Map::new();
                    let days: Vec<Value> = DAYS
                        .iter()
                        .zip(row.days)
                        .filter(|(_, ticked)| *ticked)
                        .map(|((day, ..), _)| Value::String((*day).to_owned()))
                        .collect();
                    window.insert("days".into(), Value::Array(days));
                    put(&mut window, "from", &row.from, false);
                    put(&mut window, "to", &row.to, false);
                    windows.push(Value::Object(window));
                    rows.push(i + 1);
                }
                if !windows.is_empty() {
                    map.insert("windows".into(), Value::Array(windows));
                } else if change {
                    map.insert("windows".into(), Value::Null);
                }
            }
            "single_point_of_contact" => {
                put(&mut map, "advisor", &self.advisor, change);
                put(&mut map, "target", &self.target, change);
            }
            "change_requested" | "other" => put(&mut map, "details", &self.details, change),
            "style_warning" => {
                put(&mut map, "details", &self.details, change);
                put(&mut map, "prompt", &self.prompt, change);
            }
            _ => {}
        }
        if TAKE_ON_BREACH.contains(&kind) {
            let (action, prompt) = (self.breach_action.trim(), self.breach_prompt.trim());
            if action.is_empty() && prompt.is_empty() {
                if change {
                    map.insert("on_breach".into(), Value::Null);
                }
            } else {
                let mut breach = Map::new();
                put(&mut breach, "action", action, false);
                put(&mut breach, "prompt", prompt, false);
                map.insert("on_breach".into(), Value::Object(breach));
            }
        }
        map.insert("reason".into(), Value::String(self.reason.clone()));
        put(&mut map, "notified_on", &self.notified_on, change);
        put(&mut map, "starts_on", &self.starts_on, change);
        put(&mut map, "review_on", &self.review_on, change);
        put(&mut map, "ends_on", &self.ends_on, change);
        (map, rows)
    }
}

fn date(date: Option<chrono::NaiveDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

/// An enum's name as the API writes it (`week`, `divert`).
fn value_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        _ => String::new(),
    }
}

fn window_row(window: &Window) -> WindowRow {
    WindowRow {
        days: DAYS.map(|(_, _, day)| window.days.contains(&day)),
        from: window.from.format("%H:%M").to_string(),
        to: window.to.format("%H:%M").to_string(),
    }
}

/// The form key of the API's field: `windows[1].to` is the row the second
/// window sent came from; `on_breach.prompt` is `breach_prompt`.
fn key_of(field: &str, rows: &[usize]) -> Option<String> {
    if let Some(rest) = field.strip_prefix("windows") {
        let index = rest
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok());
        let row = index.and_then(|i| rows.get(i)).copied().unwrap_or(1);
        return Some(format!("window{row}"));
    }
    let key = match field {
        "on_breach" | "on_breach.action" => "breach_action",
        "on_breach.prompt" => "breach_prompt",
        "kind" | "max_contacts" | "per" | "channels" | "advisor" | "target" | "details"
        | "prompt" | "reason" | "notified_on" | "starts_on" | "review_on" | "ends_on" => field,
        _ => return None,
    };
    Some(key.to_owned())
}

/// The label a field's error is shown under in the summary, and the id of
/// the input its link lands on.
fn label_and_anchor(key: &str) -> (String, String) {
    if let Some(row) = key.strip_prefix("window") {
        return (format!("Window {row}"), format!("{key}-mon"));
    }
    let label = match key {
        "kind" => "What is agreed",
        "max_contacts" => "Most contacts",
        "per" => "In each",
        "channels" => "Counting",
        "advisor" => "Advisor",
        "target" => "Target",
        "details" => "In words",
        "prompt" => "Reminder prompt",
        "breach_action" => "When it is breached",
        "breach_prompt" => "Breach prompt",
        "reason" => "Reason",
        "notified_on" => "Told in writing on",
        "starts_on" => "Starts on",
        "review_on" => "Review by",
        "ends_on" => "Ends on",
        _ => "",
    };
    (label.to_owned(), key.to_owned())
}

/// What the form page is for.
enum Purpose<'a> {
    Record { person: PersonId, name: &'a str },
    Change { measure: &'a Measure },
}

fn render(
    user: &UiUser<Supervision>,
    purpose: &Purpose<'_>,
    form: &MeasureForm,
    advisors: &[String],
    problem: Option<&Problem>,
) -> Response {
    let at = |key: &str| Problem::at(problem, key);
    let (label, anchor) = problem
        .and_then(|p| p.key.as_deref())
        .map(label_and_anchor)
        .unwrap_or_default();
    let (title, action, back) = match purpose {
        Purpose::Record { person, name } => (
            format!("Record a measure for {name}"),
            format!("/ui/people/{person}/measures/new"),
            (format!("/ui/people/{person}"), format!("Back to {name}")),
        ),
        Purpose::Change { measure } => (
            format!("Change measure {}: {}", measure.id, kind_label(&form.kind)),
            format!("/ui/measures/{}/change", measure.id),
            (
                format!("/ui/measures/{}", measure.id),
                "Back to the measure".to_owned(),
            ),
        ),
    };
    let recording = matches!(purpose, Purpose::Record { .. });
    let shows = |kind: &str| recording || form.kind == kind;
    let shows_breach = recording || TAKE_ON_BREACH.contains(&form.kind.as_str());
    let kind_options: Vec<(&str, &str, &str)> = KINDS
        .iter()
        .map(|(name, label, hint)| (*name, *label, *hint))
        .collect();
    let mut advisor_options: Vec<(&str, &str)> = vec![("", "No advisor: give a target")];
    advisor_options.extend(advisors.iter().map(|a| (a.as_str(), a.as_str())));
    if !form.advisor.is_empty() && !advisors.contains(&form.advisor) {
        advisor_options.push((form.advisor.as_str(), form.advisor.as_str()));
    }
    let body = html! {
        p { a href=(back.0) { (back.1) } }
        (fields::error_summary(problem, &label, &anchor))
        form method="post" action=(action) novalidate {
            (csrf_field(&user.csrf_token))
            @if recording {
                (fields::radios("kind", "What is agreed", &kind_options, &form.kind,
                    at("kind").as_deref()))
                p class="hint" {
                    "Then fill in the settings of the kind you chose, if it has any. "
                    "The settings of other kinds are not used."
                }
            }
            @if shows("frequency_limit") {
                fieldset class="kind-settings" {
                    legend { "Frequency limit" }
                    (fields::input("number", "max_contacts", "Most contacts", None,
                        &form.max_contacts, at("max_contacts").as_deref()))
                    (fields::select("per", "In each",
                        &[("day", "Day"), ("week", "Week (from Monday)"),
                          ("month", "Calendar month")],
                        &form.per, at("per").as_deref()))
                    (fields::select("channels", "Counting",
                        &[("phone", "Phone calls only"),
                          ("all", "All contacts (phone, email, letter, in person)")],
                        &form.channels, at("channels").as_deref()))
                }
            }
            @if shows("contact_windows") {
                fieldset class="kind-settings" {
                    legend { "Contact windows" }
                    p class="hint" { "The days and times calls are put through, in the service's time. Leave rows you do not need blank." }
                    @for (i, row) in form.windows.iter().enumerate() {
                        (window_fieldset(i + 1, row, at(&format!("window{}", i + 1)).as_deref()))
                    }
                }
            }
            @if shows("single_point_of_contact") {
                fieldset class="kind-settings" {
                    legend { "Single point of contact" }
                    p class="hint" { "Name an advisor from the directory, or give a target: not both." }
                    (fields::select("advisor", "Advisor", &advisor_options, &form.advisor,
                        at("advisor").as_deref()))
                    (fields::input("text", "target", "Target",
                        Some("Where the phone system sends the call, e.g. an extension"),
                        &form.target, at("target").as_deref()))
                }
            }
            @if shows("change_requested") || shows("style_warning") || shows("other") {
                fieldset class="kind-settings" {
                    legend { "A first step: a change requested, a style warning, another resolution" }
                    (fields::textarea("details", "In words",
                        Some("What the person was asked to change, the style they were warned about, or what was agreed"),
                        &form.details, at("details").as_deref()))
                    @if shows("style_warning") {
                        (fields::input("text", "prompt", "Reminder prompt (style warning only)",
                            Some("A recording the phone system plays before putting the call through; optional"),
                            &form.prompt, at("prompt").as_deref()))
                    }
                }
            }
            @if shows_breach {
                fieldset class="kind-settings" {
                    legend { "When it is breached (frequency limit, contact windows, open enquiries or new issues only)" }
                    (fields::select("breach_action", "When it is breached",
                        &[("", "The service's usual answer"), ("divert", "Divert the call"),
                          ("announce", "Play a message, then put the call through")],
                        &form.breach_action, at("breach_action").as_deref()))
                    (fields::input("text", "breach_prompt", "Breach prompt",
                        Some("The recording the phone system plays"),
                        &form.breach_prompt, at("breach_prompt").as_deref()))
                }
            }
            fieldset class="kind-settings" {
                legend { "The terms" }
                (fields::textarea("reason", "Reason",
                    Some("The concern, as the letter to the person will say it"),
                    &form.reason, at("reason").as_deref()))
                (fields::input("date", "notified_on", "Told in writing on",
                    Some("Leave blank until the letter is sent: nothing is enforced before then"),
                    &form.notified_on, at("notified_on").as_deref()))
                (fields::input("date", "starts_on", "Starts on", None,
                    &form.starts_on, at("starts_on").as_deref()))
                (fields::input("date", "review_on", "Review by", None,
                    &form.review_on, at("review_on").as_deref()))
                (fields::input("date", "ends_on", "Ends on", Some("Optional"),
                    &form.ends_on, at("ends_on").as_deref()))
            }
            button class="button" type="submit" {
                @if recording { "Record the measure" } @else { "Save the change" }
            }
        }
    };
    let viewer = Viewer::of(user);
    let status = match problem {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::People, &title, body),
    )
}

fn window_fieldset(row: usize, window: &WindowRow, error: Option<&str>) -> Markup {
    let key = format!("window{row}");
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            fieldset class="window" aria-describedby=[error.map(|_| format!("{key}-error"))] {
                legend { "Window " (row) }
                @if let Some(error) = error {
                    span class="error-message" id={ (key) "-error" } { "Error: " (error) }
                }
                div class="days" {
                    @for ((day, name, _), ticked) in DAYS.iter().zip(window.days) {
                        div class="checkbox" {
                            input type="checkbox" id={ (key) "-" (day) } name={ (key) "-" (day) }
                                value="on" checked[ticked];
                            label for={ (key) "-" (day) } { (name) }
                        }
                    }
                }
                div class="times" {
                    div class="field" {
                        label for={ (key) "-from" } { "From" }
                        input type="time" id={ (key) "-from" } name={ (key) "-from" } value=(window.from);
                    }
                    div class="field" {
                        label for={ (key) "-to" } { "Until" }
                        input type="time" id={ (key) "-to" } name={ (key) "-to" } value=(window.to);
                    }
                }
            }
        }
    }
}

async fn advisor_names(state: &AppState) -> Result<Vec<String>, AppError> {
    let rows = state
        .store
        .read(|conn| advisors::list_advisors(conn, false))
        .await?;
    Ok(rows.into_iter().map(|a| a.name).collect())
}

async fn person_name(state: &AppState, person: PersonId) -> Result<String, AppError> {
    Ok(state
        .store
        .read(move |conn| people::get_person(conn, person))
        .await?
        .name)
}

/// `GET /ui/people/{id}/measures/new`.
pub async fn new_form(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
) -> Response {
    let Some(person) = path_id::<PersonId>(&id) else {
        return layout::from_error(&AppError::NotFound("person"));
    };
    let (name, advisors) = match (
        person_name(&state, person).await,
        advisor_names(&state).await,
    ) {
        (Ok(name), Ok(advisors)) => (name, advisors),
        (Err(e), _) | (_, Err(e)) => return layout::from_error(&e),
    };
    let form = MeasureForm::blank(api::today(&state));
    let purpose = Purpose::Record {
        person,
        name: &name,
    };
    render(&user, &purpose, &form, &advisors, None)
}

/// `POST /ui/people/{id}/measures/new`: recorded as the API records one.
pub async fn record(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let Some(person) = path_id::<PersonId>(&id) else {
        return layout::from_error(&AppError::NotFound("person"));
    };
    let (name, advisors) = match (
        person_name(&state, person).await,
        advisor_names(&state).await,
    ) {
        (Ok(name), Ok(advisors)) => (name, advisors),
        (Err(e), _) | (_, Err(e)) => return layout::from_error(&e),
    };
    let form = MeasureForm::read(&posted);
    let (body, rows) = form.body(false);
    let recorded = match parse_json::<MeasureBody>(Value::Object(body).to_string().as_bytes()) {
        Ok(body) => api::record(&state, &user.principal(), person, body).await,
        Err(error) => Err(error),
    };
    match recorded {
        Ok(measure) => redirect(&format!("/ui/measures/{}", measure.id)),
        Err(error) if fields::shown_on_form(&error) => {
            let problem = Problem::of(&error, |field| key_of(field, &rows));
            let purpose = Purpose::Record {
                person,
                name: &name,
            };
            render(&user, &purpose, &form, &advisors, Some(&problem))
        }
        Err(error) => layout::from_error(&error),
    }
}

async fn current(state: &AppState, id: MeasureId) -> Result<Measure, AppError> {
    Ok(state
        .store
        .read(move |conn| measures::get_measure(conn, id))
        .await?)
}

fn ended_refusal(measure: &Measure) -> Option<Response> {
    measure.ended.as_ref().map(|_| {
        layout::problem(
            StatusCode::CONFLICT,
            "This measure has ended",
            "An ended measure cannot be changed. Agree a new one if one is needed.",
        )
    })
}

/// `GET /ui/measures/{id}/change`: the form filled in as the measure stands.
pub async fn change_form(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = path_id::<MeasureId>(&id) else {
        return layout::from_error(&AppError::NotFound("measure"));
    };
    let (measure, advisors) = match (current(&state, id).await, advisor_names(&state).await) {
        (Ok(m), Ok(a)) => (m, a),
        (Err(e), _) | (_, Err(e)) => return layout::from_error(&e),
    };
    if let Some(refused) = ended_refusal(&measure) {
        return refused;
    }
    let form = MeasureForm::of(&measure);
    let purpose = Purpose::Change { measure: &measure };
    render(&user, &purpose, &form, &advisors, None)
}

/// `POST /ui/measures/{id}/change`: changed as the API's PATCH changes it.
pub async fn change(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Path(id): Path<String>,
    CheckedForm(posted): CheckedForm,
) -> Response {
    let Some(id) = path_id::<MeasureId>(&id) else {
        return layout::from_error(&AppError::NotFound("measure"));
    };
    let (measure, advisors) = match (current(&state, id).await, advisor_names(&state).await) {
        (Ok(m), Ok(a)) => (m, a),
        (Err(e), _) | (_, Err(e)) => return layout::from_error(&e),
    };
    if let Some(refused) = ended_refusal(&measure) {
        return refused;
    }
    let mut form = MeasureForm::read(&posted);
    // The kind is the measure's: it cannot change, whatever was posted.
    form.kind = measure.kind.name().to_owned();
    let (patch, rows) = form.body(true);
    match api::change(&state, &user.principal(), id, patch).await {
        Ok(measure) => redirect(&format!("/ui/measures/{}", measure.id)),
        Err(error) if fields::shown_on_form(&error) => {
            let problem = Problem::of(&error, |field| key_of(field, &rows));
            let purpose = Purpose::Change { measure: &measure };
            render(&user, &purpose, &form, &advisors, Some(&problem))
        }
        Err(error) => layout::from_error(&error),
    }
}

pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_chosen_kinds_fields_are_sent_and_blank_windows_are_left_out() {
        let mut form = MeasureForm::blank(chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        form.kind = "contact_windows".into();
        form.max_contacts = "5".into();
        form.windows[1].days[1] = true;
        form.windows[1].from = "10:00".into();
        form.windows[1].to = "12:00".into();
        form.reason = "calls at night".into();
        let (body, rows) = form.body(false);
        assert!(!body.contains_key("max_contacts"));
        assert!(!body.contains_key("per"));
        assert_eq!(body["windows"][0]["days"], serde_json::json!(["tue"]));
        assert_eq!(rows, [2]);
        assert_eq!(key_of("windows[0].to", &rows).as_deref(), Some("window2"));
        assert!(!body.contains_key("review_on"));
    }

    #[test]
    fn a_change_sends_a_cleared_field_as_null() {
        let form = MeasureForm {
            kind: "frequency_limit".into(),
            max_contacts: "3".into(),
            per: "day".into(),
            channels: "phone".into(),
            reason: "r".into(),
            starts_on: "2026-03-02".into(),
            review_on: "2026-05-02".into(),
            ..MeasureForm::default()
        };
        let (body, _) = form.body(true);
        assert!(!body.contains_key("kind"));
        assert_eq!(body["max_contacts"], serde_json::json!(3));
        assert_eq!(body["ends_on"], Value::Null);
        assert_eq!(body["on_breach"], Value::Null);
    }
}
