//! Appeals and complaints about a measure: any member of staff records one;
//! a supervisor not involved in the measure decides it; the decision is
//! audited and on the person's timeline.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

struct Case {
    app: TestApp,
    person: i64,
    measure: i64,
    /// A supervisor's key not involved in the measure.
    senior: String,
}

async fn case() -> Case {
    let app = spawn_app().await;
    let person = app.person("Ann", "07700 900123").await;
    let measure = app
        .measure(
            person,
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let senior = create_key(&app.db, "supervisor", "senior-key");
    Case {
        app,
        person,
        measure,
        senior,
    }
}

impl Case {
    async fn appeal(&self, role: &str) -> Value {
        let (status, body) = self
            .app
            .post(
                &format!("/v1/measures/{}/appeals", self.measure),
                role,
                json!({
                    "received_on": chrono::Utc::now().date_naive().pred_opt().unwrap().to_string(),
                    "grounds": "I only call about my son's EHCP, which is still open.",
                    "channel": "letter",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn decide_as(&self, key: &str, appeal: i64, body: Value) -> (StatusCode, Value) {
        let resp = self
            .app
            .client
            .post(format!("{}/v1/appeals/{appeal}/decision", self.app.base))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    async fn measure_now(&self) -> Value {
        self.app
            .get(&format!("/v1/measures/{}", self.measure), "supervisor")
            .await
            .1
    }
}

#[tokio::test]
async fn an_advisor_records_an_appeal_and_supervisors_see_it_waiting() {
    let c = case().await;
    let appeal = c.appeal("advisor").await;
    assert_eq!(appeal["recorded_by"], "advisor-key");
    assert_eq!(appeal["channel"], "letter");
    assert!(appeal["decision"].is_null());

    let (status, waiting) = c.app.get("/v1/appeals", "supervisor").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(waiting["appeals"][0]["id"], appeal["id"], "{waiting}");
    let (_, of_measure) = c
        .app
        .get(&format!("/v1/measures/{}/appeals", c.measure), "advisor")
        .await;
    assert_eq!(of_measure["appeals"].as_array().unwrap().len(), 1);
    let (status, _) = c.app.get("/v1/appeals", "advisor").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the waiting list is supervisors'"
    );
}

#[tokio::test]
async fn whoever_recorded_the_measure_may_not_decide_its_appeal() {
    let c = case().await;
    let appeal = c.appeal("advisor").await["id"].as_i64().unwrap();
    let upheld = json!({"outcome": "upheld", "reason": "the limit still suits the calls"});

    let (status, body) = c
        .decide_as(&c.app.keys["supervisor"], appeal, upheld.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "not_independent", "{body}");
    let (_, still) = c.app.get(&format!("/v1/appeals/{appeal}"), "advisor").await;
    assert!(still["decision"].is_null(), "nothing decided: {still}");

    let (status, body) = c.decide_as(&c.senior, appeal, upheld.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"]["outcome"], "upheld");
    assert_eq!(body["decision"]["decided_by"], "senior-key");
    assert_eq!(c.measure_now().await["status"], "in_force");

    let (status, _) = c.decide_as(&c.senior, appeal, upheld).await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");
}

#[tokio::test]
async fn whoever_last_changed_the_measure_may_not_decide_its_appeal() {
    let c = case().await;
    let appeal = c.appeal("supervisor").await["id"].as_i64().unwrap();
    let (status, body) = c
        .app
        .patch(
            &format!("/v1/measures/{}", c.measure),
            "admin",
            json!({"max_contacts": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = c
        .decide_as(
            &c.app.keys["admin"],
            appeal,
            json!({"outcome": "changed", "reason": "three calls a day"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "not_independent");
}

#[tokio::test]
async fn an_ended_decision_ends_the_measure() {
    let c = case().await;
    let appeal = c.appeal("advisor").await["id"].as_i64().unwrap();
    let (status, body) = c
        .decide_as(
            &c.senior,
            appeal,
            json!({"outcome": "ended", "reason": "her calls were about open enquiries"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let measure = c.measure_now().await;
    assert_eq!(measure["status"], "ended", "{measure}");
    assert!(
        measure["ended"]["reason"]
            .as_str()
            .unwrap()
            .contains("her calls were about open enquiries"),
        "{measure}"
    );
    for n in 1..=4 {
        let answer = c.app.screen("07700900123", &format!("e-{n}")).await;
        assert_eq!(answer["action"], "route", "the limit is gone: {answer}");
    }
}

#[tokio::test]
async fn a_changed_decision_points_at_the_change_made_after_the_appeal() {
    let c = case().await;
    let appeal = c.appeal("advisor").await["id"].as_i64().unwrap();
    let changed = json!({"outcome": "changed", "reason": "three calls a day suit her case"});
    let (status, body) = c.decide_as(&c.senior, appeal, changed.clone()).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no change yet: {body}"
    );
    assert_eq!(body["error"]["field"], "outcome");

    // A third supervisor changes it; the senior, not involved, decides.
    let other = create_key(&c.app.db, "supervisor", "other-key");
    let resp = c
        .app
        .client
        .patch(format!("{}/v1/measures/{}", c.app.base, c.measure))
        .bearer_auth(&other)
        .json(&json!({"max_contacts": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, body) = c.decide_as(&c.senior, appeal, changed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let change = body["decision"]["change_audit_id"].as_i64().unwrap();
    let (_, audit) = c
        .app
        .get(
            &format!("/v1/audit?person_id={}&limit=1000", c.person),
            "admin",
        )
        .await;
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == change)
        .expect("the change is in the audit log");
    assert_eq!(entry["action"], "measure.update");
    assert_eq!(entry["actor"], "other-key");
}

#[tokio::test]
async fn appeals_and_decisions_are_on_the_timeline_in_the_export_and_audited() {
    let c = case().await;
    let appeal = c.appeal("advisor").await["id"].as_i64().unwrap();
    c.decide_as(
        &c.senior,
        appeal,
        json!({"outcome": "upheld", "reason": "the limit still suits the calls"}),
    )
    .await;
    let (_, timeline) = c
        .app
        .get(&format!("/v1/people/{}/timeline", c.person), "advisor")
        .await;
    let appeals: Vec<(&Value, &Value)> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "appeal")
        .map(|i| (&i["event"], &i["by"]))
        .collect();
    assert_eq!(
        appeals,
        [
            (&json!("decided"), &json!("senior-key")),
            (&json!("received"), &json!("advisor-key"))
        ],
        "{timeline:#}"
    );
    let (_, export) = c
        .app
        .get(&format!("/v1/people/{}/export", c.person), "admin")
        .await;
    assert_eq!(export["appeals"][0]["id"], appeal, "{export:#}");
    assert_eq!(export["appeals"][0]["outcome"], "upheld");
    let actions: Vec<&Value> = export["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert!(actions.contains(&&json!("appeal.create")), "{actions:?}");
    assert!(actions.contains(&&json!("appeal.decide")), "{actions:?}");
}

#[tokio::test]
async fn a_bad_appeal_is_refused_naming_the_field_and_records_nothing() {
    let c = case().await;
    let path = format!("/v1/measures/{}/appeals", c.measure);
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    for (body, field) in [
        (
            json!({"received_on": tomorrow.to_string(), "grounds": "x", "channel": "email"}),
            "received_on",
        ),
        (
            json!({"received_on": "2026-01-05", "grounds": "  ", "channel": "email"}),
            "grounds",
        ),
        (
            json!({"received_on": "2026-01-05", "grounds": "x", "channel": "fax"}),
            "channel",
        ),
        (json!({"grounds": "x", "channel": "email"}), "received_on"),
    ] {
        let (status, answer) = c.app.post(&path, "advisor", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (status, _) = c
        .app
        .post(
            &path,
            "pbx",
            json!({"received_on": "2026-01-05", "grounds": "x", "channel": "email"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c
        .app
        .post(
            "/v1/measures/999/appeals",
            "advisor",
            json!({"received_on": "2026-01-05", "grounds": "x", "channel": "email"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, waiting) = c.app.get("/v1/appeals", "supervisor").await;
    assert_eq!(waiting["appeals"], json!([]));

    let appeal = c.appeal("advisor").await["id"].as_i64().unwrap();
    let (status, _) = c
        .app
        .post(
            &format!("/v1/appeals/{appeal}/decision"),
            "advisor",
            json!({"outcome": "upheld", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "advisors do not decide");
    let (status, body) = c
        .decide_as(
            &c.senior,
            appeal,
            json!({"outcome": "quashed", "reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "outcome");
}
