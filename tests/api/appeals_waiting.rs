//! Appeals waiting longer than `appeal_decision_days` for a decision are in
//! the review queue, with the overdue reviews, grouped with the rest of
//! their person's items.

use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const ANN: &str = "07700 900123";
const BOB: &str = "07700 900456";

/// A person with a measure in force; answers (person, measure).
async fn limited(app: &TestApp, name: &str, phone: &str) -> (i64, i64) {
    let person = app.person(name, phone).await;
    let measure = app
        .measure(
            person,
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"}),
        )
        .await;
    (person, measure["id"].as_i64().unwrap())
}

/// Records an appeal received `days_ago`; answers its id.
async fn appeal(app: &TestApp, measure: i64, days_ago: u64) -> i64 {
    // The service's own date (Europe/London), which the queue counts from.
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let received_on = today - Days::new(days_ago);
    let (status, body) = app
        .post(
            &format!("/v1/measures/{measure}/appeals"),
            "advisor",
            json!({"received_on": received_on.to_string(),
                   "grounds": "I only call about my son's EHCP, which is still open.",
                   "channel": "letter"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

async fn queue(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app
        .get(&format!("/v1/review-queue{query}"), "supervisor")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["people"].as_array().unwrap().clone()
}

/// The appeal items of the queue, by appeal id.
fn appeal_ids(groups: &[Value]) -> Vec<i64> {
    groups
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .filter(|item| item["type"] == "appeal")
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_appeal_waiting_longer_than_twenty_days_is_in_the_queue_with_its_measure() {
    let app = spawn_app().await;
    let (ann, measure) = limited(&app, "Ann", ANN).await;
    let late = appeal(&app, measure, 25).await;
    let on_time = appeal(&app, measure, 20).await;
    let groups = queue(&app, "").await;
    assert_eq!(appeal_ids(&groups), [late], "{groups:?}");
    assert!(!appeal_ids(&groups).contains(&on_time));
    let group = &groups[0];
    assert_eq!(
        (
            &group["person_id"],
            &group["person_name"],
            &group["urgency"]
        ),
        (&json!(ann), &json!("Ann"), &json!("overdue")),
        "{group}"
    );
    let item = &group["items"][0];
    assert_eq!(item["type"], "appeal");
    assert_eq!(item["urgency"], "overdue");
    assert_eq!(item["days_waiting"], 25);
    assert_eq!(item["channel"], "letter");
    assert!(item["grounds"].as_str().unwrap().contains("EHCP"), "{item}");
    assert_eq!(item["measure"]["measure_id"], measure);
    assert_eq!(item["measure"]["kind"], "frequency_limit");
    assert_eq!(item["measure"]["ended"], false);
}

#[tokio::test]
async fn a_decided_appeal_leaves_the_queue() {
    let app = spawn_app().await;
    let (_, measure) = limited(&app, "Ann", ANN).await;
    let late = appeal(&app, measure, 30).await;
    assert_eq!(appeal_ids(&queue(&app, "").await), [late]);
    let senior = create_key(&app.db, "supervisor", "senior-key");
    let resp = app
        .client
        .post(format!("{}/v1/appeals/{late}/decision", app.base))
        .bearer_auth(senior)
        .json(&json!({"outcome": "upheld", "reason": "the limit still fits"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(appeal_ids(&queue(&app, "").await).is_empty());
}

#[tokio::test]
async fn appeals_are_grouped_with_their_persons_flags_and_ordered_by_urgency() {
    let app = spawn_app().await;
    let (ann, ann_measure) = limited(&app, "Ann", ANN).await;
    let (bob, bob_measure) = limited(&app, "Bob", BOB).await;
    let bobs = appeal(&app, bob_measure, 40).await;
    let anns = appeal(&app, ann_measure, 22).await;
    // Ann chose the urgent option while under a measure: a flag that tops
    // the queue, so her group comes first, her appeal after her flag.
    app.screen_with(&[("caller", ANN), ("call_id", "u-1"), ("urgent", "1")])
        .await;
    let groups = queue(&app, "").await;
    let people: Vec<&Value> = groups.iter().map(|g| &g["person_id"]).collect();
    assert_eq!(people, [&json!(ann), &json!(bob)], "{groups:?}");
    let types: Vec<&Value> = groups[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["type"])
        .collect();
    assert_eq!(types, [&json!("flag"), &json!("appeal")]);
    assert_eq!(groups[0]["urgency"], "now");
    assert_eq!(groups[1]["urgency"], "overdue");
    assert_eq!(appeal_ids(&groups), [anns, bobs]);

    // One person's queue holds only their appeal.
    let only_bob = queue(&app, &format!("?person_id={bob}")).await;
    assert_eq!(only_bob.len(), 1);
    assert_eq!(appeal_ids(&only_bob), [bobs]);
}

#[tokio::test]
async fn the_days_an_appeal_may_wait_are_a_setting() {
    let app = spawn_app_with(&[("FAIRLINE_APPEAL_DECISION_DAYS", "5")]).await;
    let (_, measure) = limited(&app, "Ann", ANN).await;
    let late = appeal(&app, measure, 6).await;
    appeal(&app, measure, 5).await;
    assert_eq!(appeal_ids(&queue(&app, "").await), [late]);
}

#[test]
fn an_appeal_decision_period_over_a_year_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = serve_refuses(
        &dir.path().join("fairline.db"),
        &[("FAIRLINE_APPEAL_DECISION_DAYS", "366")],
    );
    assert!(stderr.contains("appeal_decision_days"), "{stderr}");
}

#[tokio::test]
async fn only_supervisors_and_admins_read_the_queue_with_its_appeals() {
    let app = spawn_app().await;
    let (_, measure) = limited(&app, "Ann", ANN).await;
    appeal(&app, measure, 30).await;
    for role in ["pbx", "advisor"] {
        let (status, _) = app.get("/v1/review-queue", role).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let (status, body) = app.get("/v1/review-queue", "admin").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(appeal_ids(body["people"].as_array().unwrap()).len(), 1);
}
