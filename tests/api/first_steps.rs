//! The policy's first steps as measures: a change asked for, a style
//! warning and other resolutions are recorded, told, reviewed and ended
//! like any measure, never divert or block a call, and count as the
//! resolution a block must follow. A style warning with a prompt is played
//! before the call goes through as usual.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const ANN: &str = "07700 900123";

fn change_requested() -> Value {
    json!({"kind": "change_requested",
           "details": "put everything about the tribunal in one email a week"})
}

fn style_warning(prompt: Option<&str>) -> Value {
    let mut body = json!({"kind": "style_warning",
                          "details": "swearing at advisors on the phone"});
    if let Some(prompt) = prompt {
        body["prompt"] = json!(prompt);
    }
    body
}

fn other() -> Value {
    json!({"kind": "other", "details": "visits by appointment only"})
}

/// The audit log's entries about measures (reading a person is audited
/// too, as `person.view`).
async fn measure_entries(app: &TestApp) -> usize {
    let (_, body) = app.get("/v1/audit?limit=1000", "admin").await;
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "measure")
        .count()
}

async fn measures_of(app: &TestApp, person: i64) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/people/{person}"), "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["measures"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_first_step_is_recorded_listed_and_read_back_with_its_words() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let mut ids = Vec::new();
    for fields in [
        change_requested(),
        style_warning(Some("fairline-style")),
        other(),
    ] {
        let measure = app.measure(ann, fields.clone()).await;
        assert_eq!(measure["kind"], fields["kind"]);
        assert_eq!(measure["details"], fields["details"]);
        assert_eq!(measure["status"], "in_force", "{measure}");
        let id = measure["id"].as_i64().unwrap();
        let (status, read) = app.get(&format!("/v1/measures/{id}"), "supervisor").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(read, measure);
        ids.push(id);
    }
    let (_, warning) = app
        .get(&format!("/v1/measures/{}", ids[1]), "supervisor")
        .await;
    assert_eq!(warning["prompt"], "fairline-style");
    let listed: Vec<i64> = measures_of(&app, ann)
        .await
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, ids);
    assert_eq!(measure_entries(&app).await, 3);
}

#[tokio::test]
async fn a_change_requested_or_another_resolution_never_diverts_a_call() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.measure(ann, change_requested()).await;
    app.measure(ann, other()).await;
    app.measure(ann, style_warning(None)).await;
    for n in 0..6 {
        let answer = app.screen(ANN, &format!("call-{n}")).await;
        assert_eq!(
            (&answer["action"], &answer["target"], &answer["reason"]),
            (&json!("route"), &json!("helpline"), &json!("default")),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn a_style_warning_with_a_prompt_is_played_then_the_call_goes_through() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let warning = app
        .measure(ann, style_warning(Some("fairline-style")))
        .await;
    let answer = app.screen(ANN, "call-1").await;
    assert_eq!(
        (
            &answer["action"],
            &answer["target"],
            &answer["prompt"],
            &answer["reason"]
        ),
        (
            &json!("announce"),
            &json!("helpline"),
            &json!("fairline-style"),
            &json!("style_warning")
        ),
        "{answer}"
    );
    assert_eq!(answer["rules"][0]["measure_id"], warning["id"]);
    // The form answer the Asterisk dialplan reads says the same.
    let resp = app
        .client
        .get(format!("{}/v1/screen", app.base))
        .query(&[
            ("caller", ANN),
            ("call_id", "call-2"),
            ("dialed", "0800"),
            ("format", "form"),
        ])
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    let form = resp.text().await.unwrap();
    assert!(
        form.starts_with(
            "action=announce&target=helpline&prompt=fairline-style&reason=style_warning"
        ),
        "{form}"
    );
    // A reminder is no breach: the register counts none.
    let (_, register) = app.get("/v1/reports/measures", "supervisor").await;
    let line = register["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["measure_id"] == warning["id"])
        .cloned()
        .unwrap_or_else(|| panic!("{register}"));
    assert_eq!(line["breaches"], json!({"diverted": 0, "blocked": 0}));
}

#[tokio::test]
async fn a_frequency_limit_still_diverts_and_the_urgent_option_still_routes() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.measure(ann, style_warning(Some("fairline-style")))
        .await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    let first = app.screen(ANN, "call-1").await;
    assert_eq!(first["reason"], "style_warning", "{first}");
    let over = app.screen(ANN, "call-2").await;
    assert_eq!(
        (&over["action"], &over["reason"]),
        (&json!("divert"), &json!("frequency_limit")),
        "{over}"
    );
    let urgent = app
        .screen_with(&[
            ("caller", ANN),
            ("call_id", "call-3"),
            ("dialed", "0800"),
            ("urgent", "1"),
        ])
        .await;
    assert_eq!(
        (&urgent["action"], &urgent["prompt"], &urgent["reason"]),
        (&json!("route"), &json!(""), &json!("urgent")),
        "{urgent}"
    );
}

#[tokio::test]
async fn a_first_step_told_in_writing_is_the_resolution_a_block_may_follow() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let mut untold = change_requested();
    untold["notified_on"] = Value::Null;
    app.measure(ann, untold).await;
    let block = measure_body(json!({"kind": "block"}));
    let path = format!("/v1/people/{ann}/measures");
    let (status, body) = app.post(&path, "supervisor", block.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "resolution_not_attempted");

    app.measure(ann, style_warning(None)).await;
    let (status, body) = app.post(&path, "supervisor", block).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(app.screen(ANN, "call-1").await["action"], "block");
}

#[tokio::test]
async fn first_steps_are_changed_reviewed_and_ended_like_any_measure() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let id = app
        .measure(ann, style_warning(Some("fairline-style")))
        .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/v1/measures/{id}");
    // The reminder is taken off; the words stay.
    let (status, changed) = app
        .patch(&path, "supervisor", json!({"prompt": null}))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(changed.get("prompt").is_none(), "{changed}");
    assert_eq!(changed["details"], "swearing at advisors on the phone");
    assert_eq!(app.screen(ANN, "call-1").await["action"], "route");

    let next = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let (status, reviewed) = app
        .post(
            &format!("{path}/review"),
            "supervisor",
            json!({"outcome": "continue", "next_review_on": next.to_string(),
                   "note": "no swearing since the letter"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reviewed}");
    assert_eq!(reviewed["measure"]["review_on"], next.to_string());

    let (status, ended) = app
        .post(
            &format!("{path}/end"),
            "supervisor",
            json!({"reason": "the calls are civil again"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(ended["status"], "ended");
    let (_, entries) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let actions: Vec<&str> = entries["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "measure")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "measure.create",
        "measure.update",
        "measure.review",
        "measure.end",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn the_letter_says_what_was_asked_in_the_supervisors_words() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    for (fields, words) in [
        (
            change_requested(),
            "we have asked you to: put everything about the tribunal in one email a week",
        ),
        (
            style_warning(Some("fairline-style")),
            "please stop: swearing at advisors on the phone",
        ),
        (other(), "we have agreed: visits by appointment only"),
    ] {
        let id = app.measure(ann, fields).await["id"].as_i64().unwrap();
        let (status, text) = app
            .get(
                &format!("/v1/measures/{id}/notice?format=text"),
                "supervisor",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = text.as_str().unwrap();
        assert!(text.contains(words), "{words:?} in:\n{text}");
        assert!(!text.contains("we will take"), "{text}");
    }
}

#[tokio::test]
async fn bad_first_steps_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let path = format!("/v1/people/{ann}/measures");
    for (fields, field) in [
        (json!({"kind": "change_requested"}), "details"),
        (json!({"kind": "other", "details": "   "}), "details"),
        (
            json!({"kind": "style_warning", "details": "rude\u{0007}"}),
            "details",
        ),
        (
            json!({"kind": "other", "details": "x".repeat(2001)}),
            "details",
        ),
        (
            json!({"kind": "change_requested", "details": "x", "prompt": "fairline-style"}),
            "prompt",
        ),
        (
            json!({"kind": "style_warning", "details": "x", "prompt": "two words"}),
            "prompt",
        ),
        (
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day", "details": "x"}),
            "details",
        ),
        (
            json!({"kind": "style_warning", "details": "x",
                   "on_breach": {"action": "divert", "prompt": "p"}}),
            "on_breach",
        ),
    ] {
        let (status, body) = app.post(&path, "supervisor", measure_body(fields)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    // A change that would leave a first step without its words.
    let id = app.measure(ann, other()).await["id"].as_i64().unwrap();
    let (status, body) = app
        .patch(
            &format!("/v1/measures/{id}"),
            "supervisor",
            json!({"details": null}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "details");
    let (_, kept) = app.get(&format!("/v1/measures/{id}"), "supervisor").await;
    assert_eq!(kept["details"], "visits by appointment only");
    assert_eq!(measures_of(&app, ann).await.len(), 1);
    assert_eq!(measure_entries(&app).await, 1);
}

#[tokio::test]
async fn only_supervisors_and_admins_record_a_first_step() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let path = format!("/v1/people/{ann}/measures");
    for role in ["pbx", "advisor"] {
        let (status, _) = app
            .post(&path, role, measure_body(change_requested()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    assert!(measures_of(&app, ann).await.is_empty());
    let (status, body) = app
        .post(&path, "admin", measure_body(change_requested()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
