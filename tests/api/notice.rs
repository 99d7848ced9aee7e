//! The written notice: the letter generated from a measure (plain words,
//! dates, the urgent route, how to complain), a service's own template, and
//! recording that it was sent, which is what lets the measure be enforced.

use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn letter(app: &TestApp, measure: i64, query: &str) -> (StatusCode, String, String) {
    let resp = app
        .client
        .get(format!("{}/v1/measures/{measure}/notice{query}", app.base))
        .bearer_auth(&app.keys["supervisor"])
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().await.unwrap())
}

/// "2 December 2026", as the letter writes dates.
fn long(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

async fn limited_ann(app: &TestApp, fields: Value) -> (i64, Value) {
    let ann = app.person("Ann Smith", "07700 900123").await;
    let mut body = json!({
        "kind": "frequency_limit",
        "max_contacts": 2,
        "per": "day",
        "reason": "You called us 40 times last week, often about the same question.",
    });
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    let measure = app.measure(ann, body).await;
    (ann, measure)
}

#[tokio::test]
async fn the_letter_says_why_what_when_it_is_reviewed_and_how_to_get_urgent_help() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let review_on: chrono::NaiveDate = measure["review_on"].as_str().unwrap().parse().unwrap();

    let (status, content_type, text) =
        letter(&app, measure["id"].as_i64().unwrap(), "?format=text").await;

    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type, "text/plain; charset=utf-8");
    for part in [
        "Dear Ann Smith,",
        "You called us 40 times last week, often about the same question.",
        "no more than 2 calls a day",
        &format!("We will review this arrangement by {}.", long(review_on)),
        "if something is urgent you can always reach us",
        "Ombudsman",
        "Someone who was not involved in the decision",
    ] {
        assert!(text.contains(part), "{part:?} in:\n{text}");
    }
    assert!(!text.contains("{{"), "every placeholder filled:\n{text}");
}

#[tokio::test]
async fn the_html_letter_is_printable_and_escapes_what_people_typed() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(
        &app,
        json!({"reason": "Calls at <script>alert(1)</script> night & day"}),
    )
    .await;
    let id = measure["id"].as_i64().unwrap();
    let resp = app
        .client
        .get(format!("{}/v1/measures/{id}/notice", app.base))
        .bearer_auth(&app.keys["supervisor"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("@media print"), "print styles");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("night &amp; day"), "{html}");
}

#[tokio::test]
async fn plain_text_is_given_to_a_client_that_asks_for_it() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let id = measure["id"].as_i64().unwrap();
    let resp = app
        .client
        .get(format!("{}/v1/measures/{id}/notice", app.base))
        .header("accept", "text/plain")
        .bearer_auth(&app.keys["supervisor"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
}

#[tokio::test]
async fn each_kind_is_described_in_plain_words() {
    let app = spawn_app().await;
    let ann = app.person("Ann Smith", "07700 900123").await;
    let (status, body) = app
        .post(
            "/v1/advisors",
            "supervisor",
            json!({"name": "Sam Patel", "target": "2001"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for (fields, words) in [
        (
            json!({"kind": "frequency_limit", "max_contacts": 5, "per": "week"}),
            "no more than 5 calls a week, counted from Monday",
        ),
        (
            json!({"kind": "contact_windows",
                   "windows": [{"days": ["tue", "thu"], "from": "10:00", "to": "12:00"}]}),
            "calls on Tuesdays and Thursdays between 10:00 and 12:00",
        ),
        (
            json!({"kind": "single_point_of_contact", "advisor": "Sam Patel"}),
            "your named contact is Sam Patel",
        ),
    ] {
        let measure = app.measure(ann, fields).await;
        let (_, _, text) = letter(&app, measure["id"].as_i64().unwrap(), "?format=text").await;
        assert!(text.contains(words), "{words:?} in:\n{text}");
    }
}

/// The letter an answer offers, read from the address it gives.
async fn offered(app: &TestApp, answer: &Value, letter: &str) -> String {
    assert_eq!(answer["notice"]["letter"], letter, "{answer}");
    let href = answer["notice"]["href"].as_str().unwrap();
    let resp = app
        .client
        .get(format!("{}{href}&format=text", app.base))
        .bearer_auth(&app.keys["supervisor"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{href}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn recording_changing_and_ending_a_measure_each_offer_their_letter() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let id = measure["id"].as_i64().unwrap();
    let new = offered(&app, &measure, "new").await;
    assert!(new.contains("no more than 2 calls a day"), "{new}");

    let (status, changed) = app
        .patch(
            &format!("/v1/measures/{id}"),
            "supervisor",
            json!({"max_contacts": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let change = offered(&app, &changed, "change").await;
    assert!(
        change.contains("A change to how we keep in contact"),
        "{change}"
    );
    assert!(change.contains("no more than 3 calls a day"), "{change}");

    let (status, ended) = app
        .post(
            &format!("/v1/measures/{id}/end"),
            "supervisor",
            json!({"reason": "Ann's calls are back to a usual level"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    let end = offered(&app, &ended, "end").await;
    assert!(end.contains("the arrangement has ended"), "{end}");
}

#[tokio::test]
async fn an_ended_measure_gets_the_letter_saying_so() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let id = measure["id"].as_i64().unwrap();
    let (status, _, _) = letter(&app, id, "?letter=end").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not ended yet");
    let (_, _, change) = letter(&app, id, "?letter=change&format=text").await;
    assert!(
        change.contains("A change to how we keep in contact"),
        "{change}"
    );

    let (status, body) = app
        .post(
            &format!("/v1/measures/{id}/end"),
            "supervisor",
            json!({"reason": "Ann's calls are back to a usual level"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, text) = letter(&app, id, "?format=text").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("the arrangement has ended"), "{text}");
    assert!(
        text.contains("Ann's calls are back to a usual level"),
        "{text}"
    );
    let today = chrono::Utc::now().date_naive();
    assert!(
        text.contains(&long(today)) || text.contains(&long(today.pred_opt().unwrap())),
        "{text}"
    );
    let (status, _, _) = letter(&app, id, "?letter=new").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_letter_or_format_is_refused_naming_it_and_only_supervisors_may_read() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let id = measure["id"].as_i64().unwrap();
    for (query, field) in [("?letter=apology", "letter"), ("?format=pdf", "format")] {
        let (status, body) = app
            .get(&format!("/v1/measures/{id}/notice{query}"), "supervisor")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    for role in ["pbx", "advisor"] {
        let (status, _) = app.get(&format!("/v1/measures/{id}/notice"), role).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let (status, _) = app.get("/v1/measures/999/notice", "supervisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recording_the_notice_sent_is_what_lets_the_measure_be_enforced() {
    let app = spawn_app().await;
    let (ann, measure) = limited_ann(&app, json!({"max_contacts": 1, "notified_on": null})).await;
    let id = measure["id"].as_i64().unwrap();
    assert_eq!(
        measure["status"], "the person has not been told in writing",
        "{measure}"
    );
    app.screen("07700900123", "n-1").await;
    let second = app.screen("07700900123", "n-2").await;
    assert_eq!(second["action"], "route", "not told yet: {second}");

    let today = chrono::Utc::now().date_naive();
    let audit_before = app.audit_len().await;
    let (status, body) = app
        .post(
            &format!("/v1/measures/{id}/notice/sent"),
            "supervisor",
            json!({"on": today.to_string(), "method": "post"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["notified_on"], today.to_string());
    assert_eq!(body["notice_method"], "post");
    assert_eq!(body["status"], "in_force");
    let third = app.screen("07700900123", "n-3").await;
    assert_eq!(third["action"], "divert", "told and in force: {third}");

    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}&limit=1000"), "admin")
        .await;
    let sent: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "measure.notice_sent")
        .collect();
    assert_eq!(sent.len(), 1, "{audit:#}");
    assert_eq!(sent[0]["after"]["notice_method"], "post");
    assert!(sent[0]["before"]["notified_on"].is_null());
    assert!(app.audit_len().await > audit_before);
}

#[tokio::test]
async fn a_notice_sent_in_the_future_or_by_an_unknown_method_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, measure) = limited_ann(&app, json!({"notified_on": null})).await;
    let id = measure["id"].as_i64().unwrap();
    let tomorrow = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap()
        .succ_opt()
        .unwrap();
    let path = format!("/v1/measures/{id}/notice/sent");
    for (body, field) in [
        (json!({"on": tomorrow.to_string(), "method": "post"}), "on"),
        (json!({"on": "2026-02-30", "method": "post"}), "on"),
        (
            json!({"on": "2026-01-05", "method": "carrier_pigeon"}),
            "method",
        ),
        (json!({"method": "post"}), "on"),
    ] {
        let (status, answer) = app.post(&path, "supervisor", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (status, _) = app
        .post(
            &path,
            "advisor",
            json!({"on": "2026-01-05", "method": "post"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, now) = app.get(&format!("/v1/measures/{id}"), "supervisor").await;
    assert!(now["notified_on"].is_null(), "{now}");

    app.post(
        &format!("/v1/measures/{id}/end"),
        "supervisor",
        json!({"reason": "no longer needed"}),
    )
    .await;
    let (status, _) = app
        .post(
            &path,
            "supervisor",
            json!({"on": "2026-01-05", "method": "email"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_service_makes_the_letter_its_own_with_a_template_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notice.txt.j2");
    std::fs::write(
        &path,
        "Hampshire SENDIASS\n{{ today }}\nDear {{ person.name }},\n{% for line in terms %}* {{ line }}\n{% endfor %}",
    )
    .unwrap();
    let app = spawn_app_with(&[("FAIRLINE_NOTICE_TEMPLATE_TEXT", path.to_str().unwrap())]).await;
    let (_, measure) = limited_ann(&app, json!({})).await;
    let (_, _, text) = letter(&app, measure["id"].as_i64().unwrap(), "?format=text").await;
    let today = chrono::Utc::now().date_naive();
    assert!(text.starts_with("Hampshire SENDIASS\n"), "{text}");
    assert!(text.contains("* no more than 2 calls a day"), "{text}");
    assert!(
        text.contains(&today.year().to_string()),
        "dated this year: {text}"
    );
}

#[test]
fn a_template_with_a_mistake_stops_start_up_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("our-letter.html.j2");
    std::fs::write(&path, "Dear {{ person.nmae }}").unwrap();
    let stderr = serve_refuses(
        &dir.path().join("fairline.db"),
        &[("FAIRLINE_NOTICE_TEMPLATE_HTML", path.to_str().unwrap())],
    );
    assert!(stderr.contains("notice template"), "{stderr}");
    let missing = serve_refuses(
        &dir.path().join("fairline.db"),
        &[("FAIRLINE_NOTICE_TEMPLATE_TEXT", "/nonexistent/letter.txt")],
    );
    assert!(missing.contains("/nonexistent/letter.txt"), "{missing}");
}
