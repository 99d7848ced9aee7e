//! `GET /v1/audit`'s filters: by action, by the record changed, and by
//! day in the service's timezone; bad filters refused naming the field.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const ANN: &str = "07700 900301";

fn today_in_london() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/v1/audit?{query}"), "admin").await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["entries"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_log_is_filtered_by_action_by_record_and_by_day() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let first = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "week"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let second = app.measure(ann, json!({"kind": "new_issues_only"})).await["id"]
        .as_i64()
        .unwrap();
    let (status, body) = app
        .patch(
            &format!("/v1/measures/{first}"),
            "supervisor",
            json!({"reason": "still calling every hour"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let created = entries(&app, "action=measure.create").await;
    assert_eq!(actions(&created), ["measure.create", "measure.create"]);
    let ids: Vec<i64> = created
        .iter()
        .map(|e| e["entity_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [second, first], "newest first");

    let about_first = entries(&app, &format!("entity=measure&entity_id={first}")).await;
    assert_eq!(actions(&about_first), ["measure.update", "measure.create"]);
    let measures = entries(&app, "entity=measure").await;
    assert_eq!(measures.len(), 3, "{measures:?}");
    assert!(entries(&app, "entity=measure&entity_id=999")
        .await
        .is_empty());

    let today = today_in_london();
    let yesterday = today.pred_opt().unwrap();
    let tomorrow = today.succ_opt().unwrap();
    let all = entries(&app, "").await;
    assert_eq!(
        entries(&app, &format!("from={today}&to={today}")).await,
        all
    );
    assert!(entries(&app, &format!("to={yesterday}")).await.is_empty());
    assert!(entries(&app, &format!("from={tomorrow}")).await.is_empty());
    // Filters combine.
    let combined = entries(&app, &format!("action=person.create&from={today}")).await;
    assert_eq!(actions(&combined), ["person.create"]);
}

#[tokio::test]
async fn every_entry_is_timed_as_the_day_filters_compare_it() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.measure(ann, json!({"kind": "new_issues_only"})).await;
    app.screen(ANN, "call-1").await;
    let all = entries(&app, "limit=1000").await;
    assert!(all.len() >= 2, "{all:?}");
    // UTC to the millisecond, with a Z: comparing the text compares the
    // moments (store::audit::list relies on it).
    for entry in &all {
        let at = entry["at"].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        assert_eq!(
            at,
            parsed
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "{entry}"
        );
    }
}

#[tokio::test]
async fn bad_filters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("entity=spaceship", "entity"),
        ("entity_id=4", "entity_id"),
        ("entity=measure&entity_id=four", "entity_id"),
        ("from=2026-02-30", "from"),
        ("to=next%20week", "to"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("action=measure.create%0Aextra", "action"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = app.get(&format!("/v1/audit?{query}"), "admin").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, _) = app
        .get("/v1/audit?action=measure.create", "supervisor")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
