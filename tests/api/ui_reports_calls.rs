//! The call page (`/ui/calls/{call_id}`) and its outcome form, the reports
//! page, the audit log and the users pages: over HTTP, signed in with a
//! staff account, as a browser would.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// Ann's contact for call `call_id`, as her history shows it.
async fn recorded(app: &TestApp, ann: i64, call_id: &str) -> serde_json::Value {
    let history = app.history(ann).await;
    let call = history.iter().find(|c| c["call_id"] == call_id);
    call.unwrap_or_else(|| panic!("no {call_id}: {history:?}"))
        .clone()
}

/// Ann, known by her number, with an open enquiry assigned to Alex and a
/// limit of one call a day; her first call today (routed) and her second
/// (diverted by the limit).
async fn ann_calls_twice(app: &TestApp) -> i64 {
    let ann = app.person("Ann Example", "07700 900123").await;
    let (status, body) = app
        .post("/v1/advisors", "supervisor", json!({"name": "Alex"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .patch(
            &format!(
                "/v1/enquiries/{}",
                app.enquiry(ann, "ENQ-7", "Housing benefit").await["id"]
            ),
            "supervisor",
            json!({"advisor": "Alex"}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    assert_eq!(app.screen("07700900123", "call-1").await["action"], "route");
    assert_eq!(
        app.screen("07700900123", "call-2").await["action"],
        "divert"
    );
    ann
}

#[tokio::test]
async fn the_call_page_shows_who_is_calling_their_week_measures_and_enquiries() {
    let app = spawn_app().await;
    ann_calls_twice(&app).await;
    let ui = app.signed_in("advisor", "alex").await;
    let (status, page) = ui.page("/ui/calls/call-2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<h1>Call from Ann Example</h1>"), "{page}");
    assert!(page.contains("+447700900123"), "{page}");
    assert!(
        page.contains("2 contacts since the start of the week"),
        "{page}"
    );
    // The limit, and what it meant for this call: the diverting rule's words.
    assert!(page.contains("Frequency limit"), "{page}");
    let (_, history) = app.get("/v1/people/1/contacts", "advisor").await;
    let divert = history["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call_id"] == "call-2")
        .unwrap()
        .clone();
    let detail = divert["rules"][0]["detail"].as_str().unwrap();
    assert!(page.contains(&maud_escape(detail)), "{detail} in {page}");
    assert!(page.contains("ENQ-7") && page.contains("Alex"), "{page}");
    assert!(page.contains("Record the outcome"), "{page}");
}

/// The few characters maud escapes in text.
fn maud_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn an_unknown_number_is_said_to_be_unknown() {
    let app = spawn_app().await;
    app.screen("07700900999", "call-u").await;
    let ui = app.signed_in("advisor", "alex").await;
    let (status, page) = ui.page("/ui/calls/call-u").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h1>Call from an unknown number</h1>"),
        "{page}"
    );
    assert!(page.contains("not on anyone's record"), "{page}");
}

#[tokio::test]
async fn a_call_not_on_record_is_not_found() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "alex").await;
    let (status, page) = ui.page("/ui/calls/no-such-call").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("No call on record"), "{page}");
}

#[tokio::test]
async fn the_call_page_needs_a_session() {
    let app = spawn_app().await;
    app.screen("07700900999", "call-s").await;
    let resp = app.ui().get("/ui/calls/call-s").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/sign-in");
}

#[tokio::test]
async fn an_outcome_recorded_through_the_call_page_is_on_record_and_audited() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("advisor", "alex").await;
    let resp = ui
        .post_from(
            "/ui/calls/call-1",
            "/ui/calls/call-1/outcome",
            &[
                ("advisor", "Alex"),
                ("enquiry", "ENQ-7"),
                ("note", "Explained the appeal process."),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/ui/calls/call-1");
    let call = recorded(&app, ann, "call-1").await;
    assert_eq!(call["advisor"], "Alex");
    assert_eq!(call["note"], "Explained the appeal process.");
    assert!(call["enquiry_id"].is_i64(), "{call}");
    assert_eq!(call["complaint"], false);
    // Audited under the user's name, like the API's outcome.
    let (_, audit) = app.get("/v1/audit?actor=alex", "admin").await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["action"] == "call.outcome"),
        "{audit}"
    );
    // The page shows what was recorded.
    let (_, page) = ui.page("/ui/calls/call-1").await;
    assert!(page.contains("Explained the appeal process."), "{page}");
}

#[tokio::test]
async fn a_complaint_ticked_on_the_call_page_marks_the_call() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("admin", "ada").await;
    let resp = ui
        .post_from(
            "/ui/calls/call-2",
            "/ui/calls/call-2/outcome",
            &[("advisor", "Ada"), ("complaint", "yes")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let call = recorded(&app, ann, "call-2").await;
    assert_eq!(call["complaint"], true, "{call}");
}

#[tokio::test]
async fn an_unknown_enquiry_is_refused_next_to_its_field_keeping_what_was_typed() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("advisor", "alex").await;
    let resp = ui
        .post_from(
            "/ui/calls/call-1",
            "/ui/calls/call-1/outcome",
            &[
                ("advisor", "Alex"),
                ("enquiry", "ENQ-404"),
                ("note", "Typed before the mistake"),
            ],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("There is a problem"), "{page}");
    assert!(page.contains(r#"id="enquiry-error""#), "{page}");
    assert!(
        page.contains(r#"aria-describedby="enquiry-hint enquiry-error""#),
        "{page}"
    );
    assert!(page.contains(r#"value="ENQ-404""#), "{page}");
    assert!(page.contains("Typed before the mistake"), "{page}");
    let call = recorded(&app, ann, "call-1").await;
    assert!(
        call["advisor"].is_null() && call["note"].is_null(),
        "{call}"
    );
}

#[tokio::test]
async fn a_note_too_long_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("advisor", "alex").await;
    let long = "x".repeat(4001);
    let resp = ui
        .post_from(
            "/ui/calls/call-1",
            "/ui/calls/call-1/outcome",
            &[("note", &long)],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains(r#"id="note-error""#), "{page}");
    let call = recorded(&app, ann, "call-1").await;
    assert!(call["note"].is_null(), "{call}");
}

#[tokio::test]
async fn an_outcome_posted_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("advisor", "alex").await;
    let resp = ui
        .post_form("/ui/calls/call-1/outcome", &[("note", "forged")])
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let call = recorded(&app, ann, "call-1").await;
    assert!(call["note"].is_null(), "{call}");
}

#[tokio::test]
async fn a_supervisor_sees_the_call_but_may_not_record_its_outcome_as_in_the_api() {
    let app = spawn_app().await;
    let ann = ann_calls_twice(&app).await;
    let ui = app.signed_in("supervisor", "sam").await;
    let (status, page) = ui.page("/ui/calls/call-1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Record the outcome"), "{page}");
    let resp = ui
        .post_form(
            "/ui/calls/call-1/outcome",
            &[("csrf_token", &csrf_token(&page)), ("note", "not mine")],
        )
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let call = recorded(&app, ann, "call-1").await;
    assert!(call["note"].is_null(), "{call}");
}

#[tokio::test]
async fn a_call_id_with_a_slash_has_a_page_and_a_form_that_reach_it() {
    let app = spawn_app().await;
    app.screen("07700900999", "sip/a?b").await;
    let ui = app.signed_in("advisor", "alex").await;
    let (status, page) = ui.page("/ui/calls/sip%2Fa%3Fb").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains(r#"action="/ui/calls/sip%2Fa%3Fb/outcome""#),
        "{page}"
    );
}

#[tokio::test]
async fn the_reports_page_draws_each_report_with_a_table_of_the_same_numbers() {
    let app = spawn_app().await;
    ann_calls_twice(&app).await;
    let ui = app.signed_in("supervisor", "sam").await;
    let (status, page) = ui.page("/ui/reports?group=month").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<svg"), "{page}");
    assert!(
        page.contains(r#"<title id="contacts-chart-title">Contacts per month</title>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<desc id="measures-chart-desc">"#),
        "{page}"
    );
    assert!(page.contains("2 contacts in all."), "{page}");
    // The register's table: one frequency limit in force.
    assert!(
        page.contains(r#"<th scope="row">Frequency limit</th><td class="number">1</td>"#),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="month" selected>"#),
        "{page}"
    );
}

#[tokio::test]
async fn the_reports_download_as_csv_with_the_session() {
    let app = spawn_app().await;
    ann_calls_twice(&app).await;
    let ui = app.signed_in("admin", "ada").await;
    let (_, page) = ui.page("/ui/reports").await;
    let start = page.find("/ui/reports/contacts.csv?").unwrap();
    let link = &page[start..][..page[start..].find('"').unwrap()].replace("&amp;", "&");
    let resp = ui.get(link).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("start,end,total"), "{text}");
    let resp = ui.get("/ui/reports/measures.csv").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("measure_id,person_id,kind"), "{text}");
    assert!(text.contains("frequency_limit"), "{text}");
}

#[tokio::test]
async fn an_advisor_may_not_see_the_reports() {
    let app = spawn_app().await;
    let ui = app.signed_in("advisor", "alex").await;
    let (status, _) = ui.page("/ui/reports").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = ui.page("/ui/reports/contacts.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = ui.page("/ui").await;
    assert!(!home.contains(r#"href="/ui/reports""#), "{home}");
}

#[tokio::test]
async fn a_report_range_that_ends_before_it_starts_is_refused_next_to_its_field() {
    let app = spawn_app().await;
    let ui = app.signed_in("supervisor", "sam").await;
    let (status, page) = ui.page("/ui/reports?from=2026-05-10&to=2026-05-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="to-error""#), "{page}");
    assert!(page.contains(r#"value="2026-05-10""#), "{page}");
    assert!(page.contains(r#"value="2026-05-01""#), "{page}");
    let (status, page) = ui.page("/ui/reports?from=not-a-date").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains(r#"id="from-error""#), "{page}");
}
