//! Complaints about the service never count against anyone: "raising
//! legitimate queries or criticisms of the service should not in itself
//! lead to someone being regarded as unreasonably persistent". A call
//! marked as a complaint by its outcome, or another channel's contact
//! marked when it is recorded, counts towards no frequency limit and no
//! flag, and is shown as a complaint wherever contacts are.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const ANN: &str = "07700 900123";

async fn outcome(app: &TestApp, call_id: &str, role: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/v1/calls/{call_id}/outcome"), role, body)
        .await
}

async fn email(app: &TestApp, complaint: bool) -> Value {
    let (status, body) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": "email", "phone": ANN, "complaint": complaint}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn flags(app: &TestApp, status: &str) -> Vec<Value> {
    let (code, body) = app
        .get(&format!("/v1/flags?status={status}"), "supervisor")
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body["flags"].as_array().unwrap().clone()
}

/// Ann, with no more than one contact a day (on any channel with `all`).
async fn limited_ann(app: &TestApp, channels: &str) -> i64 {
    let ann = app.person("Ann", ANN).await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day", "channels": channels}),
    )
    .await;
    ann
}

#[tokio::test]
async fn a_call_marked_a_complaint_by_its_outcome_stops_counting_at_once() {
    let app = spawn_app().await;
    limited_ann(&app, "phone").await;
    assert_eq!(app.screen(ANN, "call-1").await["action"], "route");
    let (status, body) = outcome(
        &app,
        "call-1",
        "advisor",
        json!({"answered": true, "complaint": true, "note": "unhappy with our advice"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"]["complaint"], true);
    // The day's one call is still to come: the complaint used none of it.
    assert_eq!(app.screen(ANN, "call-2").await["action"], "route");
    assert_eq!(app.screen(ANN, "call-3").await["action"], "divert");
}

#[tokio::test]
async fn a_complaint_by_email_never_uses_up_an_all_channel_limit() {
    let app = spawn_app().await;
    limited_ann(&app, "all").await;
    let saved = email(&app, true).await;
    assert_eq!(saved["complaint"], true);
    email(&app, true).await;
    assert_eq!(app.screen(ANN, "call-1").await["action"], "route");
    assert_eq!(app.screen(ANN, "call-2").await["action"], "divert");
}

#[tokio::test]
async fn a_call_unmarked_as_a_complaint_counts_again() {
    let app = spawn_app().await;
    limited_ann(&app, "phone").await;
    app.screen(ANN, "call-1").await;
    outcome(&app, "call-1", "advisor", json!({"complaint": true})).await;
    let (status, body) = outcome(&app, "call-1", "advisor", json!({"complaint": false})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.screen(ANN, "call-2").await["action"], "divert");
}

#[tokio::test]
async fn complaints_raise_no_flag_however_many() {
    let app = spawn_app_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "2")]).await;
    app.person("Ann", ANN).await;
    for _ in 0..4 {
        email(&app, true).await;
    }
    assert!(flags(&app, "all").await.is_empty());
}

#[tokio::test]
async fn a_flag_raised_by_a_call_that_proves_a_complaint_is_dismissed_by_fairline() {
    let app = spawn_app_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "2")]).await;
    let ann = app.person("Ann", ANN).await;
    email(&app, false).await;
    app.screen(ANN, "call-1").await;
    let open = flags(&app, "open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["kind"], "very_frequent_contact");
    let flag = open[0]["id"].clone();

    outcome(&app, "call-1", "pbx", json!({"complaint": true})).await;
    assert!(flags(&app, "open").await.is_empty());
    let dismissed = flags(&app, "dismissed").await;
    assert_eq!(dismissed.len(), 1, "{dismissed:?}");
    let settled = &dismissed[0];
    assert_eq!(settled["id"], flag);
    assert_eq!(
        (&settled["status"], &settled["settled_by"]),
        (&json!("dismissed"), &json!("fairline")),
        "{settled}"
    );
    assert!(
        settled["reason"].as_str().unwrap().contains("complaint"),
        "{settled}"
    );
    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "flag.dismiss" && e["actor"] == "fairline"),
        "{audit}"
    );
    // As if never raised: the next contact that is no complaint makes two
    // again, and raises it anew.
    email(&app, false).await;
    let open = flags(&app, "open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_ne!(open[0]["id"], flag);
    assert_eq!(open[0]["evidence_count"], 2);
}

#[tokio::test]
async fn a_complaint_is_shown_on_the_history_the_timeline_and_the_export() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.screen(ANN, "call-1").await;
    outcome(&app, "call-1", "advisor", json!({"complaint": true})).await;
    email(&app, false).await;

    let history = app.history(ann).await;
    let marks: Vec<&Value> = history.iter().map(|c| &c["complaint"]).collect();
    assert_eq!(marks, [&json!(false), &json!(true)], "{history:?}");

    let (_, page) = app
        .get(&format!("/v1/contacts?person={ann}"), "advisor")
        .await;
    let marks: Vec<&Value> = page["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["complaint"])
        .collect();
    assert_eq!(marks, [&json!(false), &json!(true)], "{page}");

    let (_, timeline) = app
        .get(&format!("/v1/people/{ann}/timeline"), "advisor")
        .await;
    let call = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["call_id"] == "call-1")
        .cloned()
        .unwrap_or_else(|| panic!("{timeline}"));
    assert_eq!(call["complaint"], true);

    let (_, export) = app.get(&format!("/v1/people/{ann}/export"), "admin").await;
    let call = export["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call_id"] == "call-1")
        .cloned()
        .unwrap_or_else(|| panic!("{export}"));
    assert_eq!(call["complaint"], 1, "{call}");
    assert_eq!(call["counted"], 0, "{call}");
}

#[tokio::test]
async fn a_complaint_that_is_not_true_or_false_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ann = limited_ann(&app, "phone").await;
    app.screen(ANN, "call-1").await;
    for bad in [json!("yes"), json!(1), json!({})] {
        let (status, body) = outcome(&app, "call-1", "advisor", json!({"complaint": bad})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "complaint", "{body}");
        let (status, body) = app
            .post(
                "/v1/contacts",
                "advisor",
                json!({"channel": "email", "phone": ANN, "complaint": bad}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "complaint", "{body}");
    }
    let (status, _) = outcome(&app, "no-such-call", "advisor", json!({"complaint": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing was marked, nothing was added: the first call still counts.
    assert_eq!(app.history(ann).await.len(), 1);
    assert_eq!(app.screen(ANN, "call-2").await["action"], "divert");
}

#[tokio::test]
async fn only_the_roles_that_record_outcomes_and_contacts_mark_complaints() {
    let app = spawn_app().await;
    let ann = limited_ann(&app, "phone").await;
    app.screen(ANN, "call-1").await;
    let (status, _) = outcome(&app, "call-1", "supervisor", json!({"complaint": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "/v1/contacts",
            "pbx",
            json!({"channel": "email", "phone": ANN, "complaint": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.history(ann).await.len(), 1);
    assert_eq!(app.screen(ANN, "call-2").await["action"], "divert");
}
