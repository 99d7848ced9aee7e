//! `GET /ui/reports`: the contacts report and the register of measures for
//! a date range, each as a bar chart drawn on the server (inline SVG with
//! its own title and description) beside a table of the same numbers, with
//! CSV downloads. Supervisors and admins, as `/v1/reports/*`; the same
//! operations as the API's handlers.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::fields::Control;
use super::layout::{self, Section, Viewer};
use super::session::UiUser;
use crate::decision::Action;
use crate::domain::Period;
use crate::error::AppError;
use crate::http::auth::Supervision;
use crate::http::reports::{contacts_csv, contacts_report, measures_csv, measures_register};
use crate::reports::{ContactsReport, Register};
use crate::state::AppState;

/// The form's fields, as typed (kept when one is wrong).
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
}

impl ReportQuery {
    fn given(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }

    /// The query string of this range, for the CSV links.
    fn query(&self, contacts: &ContactsReport) -> String {
        let range = contacts.range;
        format!(
            "from={}&to={}&group={}",
            range.from,
            range.to,
            group_name(contacts.group)
        )
    }
}

/// `GET /ui/reports`.
pub async fn page(
    State(state): State<AppState>,
    user: UiUser<Supervision>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (from, to, group) = (
        ReportQuery::given(&q.from),
        ReportQuery::given(&q.to),
        ReportQuery::given(&q.group),
    );
    let both = async {
        let contacts = contacts_report(&state, from, to, group).await?;
        let register = measures_register(&state, from, to).await?;
        Ok::<_, AppError>((contacts, register))
    };
    let viewer = Viewer::of(&user);
    let (status, body) = match both.await {
        Ok((contacts, register)) => {
            // The form shows the range the reports cover, defaults included.
            let shown = ReportQuery {
                from: Some(contacts.range.from.to_string()),
                to: Some(contacts.range.to.to_string()),
                group: Some(group_name(contacts.group).to_owned()),
            };
            let form = range_form(&shown, None);
            (StatusCode::OK, report(form, &q, &contacts, &register))
        }
        Err(AppError::Invalid(error)) => {
            let form = range_form(&q, Some((&error.field, &error.message)));
            (StatusCode::UNPROCESSABLE_ENTITY, form)
        }
        Err(error) => return layout::from_error(&error),
    };
    layout::respond(
        status,
        layout::page(Some(&viewer), Section::Reports, "Reports", body),
    )
}

/// `GET /ui/reports/contacts.csv`: the contacts report as on the page.
pub async fn contacts_download(
    State(state): State<AppState>,
    _: UiUser<Supervision>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (from, to, group) = (
        ReportQuery::given(&q.from),
        ReportQuery::given(&q.to),
        ReportQuery::given(&q.group),
    );
    match contacts_report(&state, from, to, group).await {
        Ok(report) => contacts_csv(&report).unwrap_or_else(|e| layout::from_error(&e)),
        Err(error) => layout::from_error(&error),
    }
}

/// `GET /ui/reports/measures.csv`: the register as on the page.
pub async fn measures_download(
    State(state): State<AppState>,
    _: UiUser<Supervision>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let (from, to) = (ReportQuery::given(&q.from), ReportQuery::given(&q.to));
    match measures_register(&state, from, to).await {
        Ok(register) => measures_csv(&register).unwrap_or_else(|e| layout::from_error(&e)),
        Err(error) => layout::from_error(&error),
    }
}

fn range_form(q: &ReportQuery, error: Option<(&str, &str)>) -> Markup {
    let error_for = |field: &str| error.filter(|(f, _)| *f == field).map(|(_, m)| m);
    let group = ReportQuery::given(&q.group).unwrap_or("day");
    html! {
        @if let Some((field, message)) = error {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul { li { a href={ "#" (field) } { "The " (field) " date " (message) } } }
            }
        }
        form method="get" action="/ui/reports" class="range-form" novalidate {
            @for (name, label) in [("from", "From"), ("to", "To")] {
                @let value = if name == "from" { &q.from } else { &q.to };
                (Control::new(name, label).error(error_for(name))
                    .input("date", value.as_deref().unwrap_or("")))
            }
            (Control::new("group", "Contacts counted by").error(error_for("group"))
                .select(&[("day", "Day"), ("week", "Week"), ("month", "Month")], group))
            button class="button" type="submit" { "Show the reports" }
        }
    }
}

fn report(form: Markup, q: &ReportQuery, contacts: &ContactsReport, register: &Register) -> Markup {
    let query = q.query(contacts);
    let range = contacts.range;
    let bars: Vec<(String, u64)> = contacts
        .periods
        .iter()
        .map(|p| {
            (
                period_label(p.span.start, p.span.end, contacts.group),
                p.counts.total,
            )
        })
        .collect();
    let kinds: Vec<(String, u64)> = register
        .in_force_by_kind
        .iter()
        .map(|(kind, n)| (words(kind), *n))
        .collect();
    html! {
        (form)
        p class="hint" {
            "From " (range.from.format("%-d %B %Y")) " to " (range.to.format("%-d %B %Y"))
            ", in the service's timezone (" (contacts.timezone) ")."
        }
        h2 { "Contacts" }
        p {
            (contacts.totals.total) " contacts in all. "
            a href={ "/ui/reports/contacts.csv?" (query) } download { "Download the contacts report (CSV)" }
        }
        (bar_chart(
            "contacts-chart",
            &format!("Contacts per {}", group_name(contacts.group)),
            &format!("A bar for each {} from {} to {}, as long as the contacts in it; the table below holds the same numbers.", group_name(contacts.group), range.from, range.to),
            &bars,
        ))
        table {
            caption { "Contacts per " (group_name(contacts.group)) }
            thead { tr {
                th scope="col" { "Period" }
                th scope="col" class="number" { "Contacts" }
                @for action in Action::ALL { th scope="col" class="number" { (action_heading(action)) } }
            } }
            tbody {
                @for (period, (label, total)) in contacts.periods.iter().zip(&bars) {
                    tr {
                        th scope="row" { (label) }
                        td class="number" { (total) }
                        @for action in Action::ALL {
                            td class="number" { (period.counts.actions.get(action.as_str()).copied().unwrap_or(0)) }
                        }
                    }
                }
            }
        }
        h2 { "Measures" }
        p {
            (register.totals.measures) " measures in force during the range. "
            a href={ "/ui/reports/measures.csv?" (query) } download { "Download the register of measures (CSV)" }
        }
        @if kinds.is_empty() {
            p { "No measure was in force during the range." }
        } @else {
            (bar_chart(
                "measures-chart",
                "Measures in force by kind",
                "A bar for each kind of measure in force during the range, as long as the number of them; the table below holds the same numbers.",
                &kinds,
            ))
            table {
                caption { "Measures in force by kind" }
                thead { tr { th scope="col" { "Kind" } th scope="col" class="number" { "Measures" } } }
                tbody {
                    @for (kind, n) in &kinds {
                        tr { th scope="row" { (kind) } td class="number" { (n) } }
                    }
                }
            }
        }
        table {
            caption { "What happened under them" }
            tbody {
                tr { th scope="row" { "Calls diverted" } td class="number" { (register.totals.breaches.diverted) } }
                tr { th scope="row" { "Calls blocked" } td class="number" { (register.totals.breaches.blocked) } }
                tr { th scope="row" { "Urgent calls" } td class="number" { (register.totals.urgent_calls) } }
                tr { th scope="row" { "Reviews done" } td class="number" { (register.totals.reviews_done) } }
                tr { th scope="row" { "Reviews overdue" } td class="number" { (register.totals.reviews_overdue) } }
            }
        }
    }
}

/// Height of one bar's row and the chart's fixed parts, in SVG units.
const ROW: u64 = 26;
const LABEL_WIDTH: u64 = 170;
const BAR_SPACE: u64 = 360;

/// A horizontal bar chart: one labelled bar per `(label, value)`, scaled to
/// the largest, with the value written after the bar. It scales with the
/// page (a `viewBox`, no fixed width) and is described for screen readers
/// by its `<title>` and `<desc>`; the table beside it has the numbers.
fn bar_chart(id: &str, title: &str, description: &str, bars: &[(String, u64)]) -> Markup {
    let most = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as u64 + 10;
    let width = LABEL_WIDTH + BAR_SPACE + 70;
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" role="img"
                viewBox={ "0 0 " (width) " " (height) }
                aria-labelledby={ (id) "-title " (id) "-desc" } {
                title id={ (id) "-title" } { (title) }
                desc id={ (id) "-desc" } { (description) }
                @for (i, (label, n)) in bars.iter().enumerate() {
                    @let y = 5 + ROW * i as u64;
                    @let length = if *n == 0 { 0 } else { (BAR_SPACE * n / most).max(2) };
                    text x=(LABEL_WIDTH - 8) y=(y + ROW / 2 + 5) text-anchor="end" fill="#0b0c0c" font-size="14" { (label) }
                    rect x=(LABEL_WIDTH) y=(y + 3) width=(length) height=(ROW - 6) fill="#1d70b8" {}
                    text x=(LABEL_WIDTH + length + 6) y=(y + ROW / 2 + 5) fill="#0b0c0c" font-size="14" { (n) }
                }
            }
        }
    }
}

/// A period as people say it; a week or month cut short by the range
/// says which days it covers.
fn period_label(start: chrono::NaiveDate, end: chrono::NaiveDate, group: Period) -> String {
    use chrono::Datelike;
    let whole_month = start.day() == 1 && end.succ_opt().is_some_and(|d| d.day() == 1);
    match group {
        Period::Day => start.format("%a %-d %b %Y").to_string(),
        Period::Month if whole_month => start.format("%B %Y").to_string(),
        Period::Week if (end - start).num_days() == 6 => {
            format!("Week of {}", start.format("%-d %b %Y"))
        }
        _ => format!("{} to {}", start.format("%-d %b"), end.format("%-d %b %Y")),
    }
}

fn group_name(group: Period) -> &'static str {
    match group {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    }
}

fn action_heading(action: Action) -> &'static str {
    match action {
        Action::Route => "Put through",
        Action::Announce => "After a message",
        Action::Divert => "Diverted",
        Action::Block => "Blocked",
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

/// This module's pages.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/reports", axum::routing::get(page))
        .route(
            "/ui/reports/contacts.csv",
            axum::routing::get(contacts_download),
        )
        .route(
            "/ui/reports/measures.csv",
            axum::routing::get(measures_download),
        )
}
