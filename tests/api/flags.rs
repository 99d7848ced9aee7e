//! The review queue end to end: flags raised by calls and by measures past
//! their review, resolving them, who may, and that no flag changes a call.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn open_flags(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/v1/flags", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["flags"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_urgent_call_over_a_limit_is_routed_and_appears_in_the_review_queue() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    app.screen("07700900123", "call-1").await;

    let urgent = app
        .screen_with(&[
            ("caller", "07700900123"),
            ("call_id", "call-2"),
            ("urgent", "1"),
        ])
        .await;

    assert_eq!(
        (&urgent["action"], &urgent["reason"]),
        (&json!("route"), &json!("urgent"))
    );
    let flags = open_flags(&app).await;
    assert_eq!(flags.len(), 1, "{flags:?}");
    // A caller with a measure in force: the kind that tops the queue.
    assert_eq!(flags[0]["kind"], "urgent_under_measures");
    assert_eq!(flags[0]["person_id"], ann);
    assert_eq!(flags[0]["person_name"], "Ann");
    assert_eq!(flags[0]["call_id"], "call-2");
    assert!(flags[0]["raised_at"].is_string());
    let (_, export) = app.get(&format!("/v1/people/{ann}/export"), "admin").await;
    assert_eq!(
        export["flags"][0]["kind"], "urgent_under_measures",
        "{export}"
    );
}

#[tokio::test]
async fn resolving_a_flag_takes_it_off_the_open_queue_and_is_audited() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.screen_with(&[
        ("caller", "07700900123"),
        ("call_id", "u-1"),
        ("urgent", "1"),
    ])
    .await;
    let id = open_flags(&app).await[0]["id"].as_i64().unwrap();
    let resolve = format!("/v1/flags/{id}/resolve");

    let (status, body) = app
        .post(&resolve, "supervisor", json!({"resolution": "   "}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "resolution");

    let (status, flag) = app
        .post(
            &resolve,
            "supervisor",
            json!({"resolution": "called back; safe"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{flag}");
    assert_eq!(
        (&flag["status"], &flag["settled_by"]),
        (&json!("resolved"), &json!("supervisor-key"))
    );
    assert!(open_flags(&app).await.is_empty());
    let (_, resolved) = app.get("/v1/flags?status=resolved", "admin").await;
    assert_eq!(resolved["flags"][0]["reason"], "called back; safe");

    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "flag.resolve")
        .cloned()
        .expect("a flag.resolve entry");
    assert_eq!(
        (&entry["entity_id"], &entry["actor"]),
        (&json!(id), &json!("supervisor-key"))
    );
    assert_eq!(entry["after"]["reason"], "called back; safe");

    let (status, body) = app
        .post(&resolve, "admin", json!({"resolution": "again"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app
        .post("/v1/flags/999/resolve", "admin", json!({"resolution": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_measure_past_its_review_appears_in_the_queue_once() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let today = chrono::Utc::now().date_naive();
    let measure = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"}),
        )
        .await;
    // Two months on, unreviewed.
    app.backdate_measure(
        measure["id"].as_i64().unwrap(),
        &[
            ("notified_on", &(today - chrono::Days::new(60)).to_string()),
            ("starts_on", &(today - chrono::Days::new(60)).to_string()),
            ("review_on", &(today - chrono::Days::new(2)).to_string()),
        ],
    );

    let first = open_flags(&app).await;
    let again = open_flags(&app).await;

    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["kind"], "review_due");
    assert_eq!(first[0]["measure_id"], measure["id"]);
    assert_eq!(first[0]["person_name"], "Ann");
    assert_eq!(again, first);
}

#[tokio::test]
async fn only_supervisors_and_admins_may_read_the_queue_or_resolve_a_flag() {
    let app = spawn_app().await;
    app.screen_with(&[
        ("caller", "07700900123"),
        ("call_id", "u-1"),
        ("urgent", "1"),
    ])
    .await;
    for role in ROLES {
        let (status, _) = app.get("/v1/flags", role).await;
        let expected = match role {
            "supervisor" | "admin" => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(status, expected, "GET as {role}");
    }
    for role in ["pbx", "advisor"] {
        let (status, _) = app
            .post("/v1/flags/1/resolve", role, json!({"resolution": "x"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "resolve as {role}");
    }
    assert_eq!(
        open_flags(&app).await.len(),
        1,
        "a refused resolve changes nothing"
    );
    let (status, _) = app
        .post("/v1/flags/1/resolve", "admin", json!({"resolution": "x"}))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_bad_queue_filter_is_refused_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("status=closed", "status"),
        ("person_id=ann", "person_id"),
        ("limit=0", "limit"),
    ] {
        let (status, body) = app.get(&format!("/v1/flags?{query}"), "admin").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn a_very_frequent_caller_with_no_measures_is_flagged_and_still_routed() {
    let app = spawn_app_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "3")]).await;
    let ann = app.person("Ann", "07700 900123").await;
    let bob = app.person("Bob", "07700 900999").await;
    app.screen("07700900999", "bob-1").await;

    let mut actions = Vec::new();
    for n in 1..=5 {
        let answer = app.screen("07700900123", &format!("ann-{n}")).await;
        actions.push(answer["action"].as_str().unwrap().to_owned());
    }
    // A retry of a flagged call raises nothing more.
    app.screen("07700900123", "ann-3").await;

    assert_eq!(actions, ["route"; 5]);
    let flags = open_flags(&app).await;
    assert_eq!(flags.len(), 1, "one open flag of a kind a day: {flags:?}");
    assert_eq!(flags[0]["kind"], "very_frequent_contact");
    assert_eq!(flags[0]["person_id"], ann);
    let (_, bobs) = app
        .get(&format!("/v1/flags?person_id={bob}"), "admin")
        .await;
    assert_eq!(bobs["flags"], json!([]));
    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"fairline_flags_raised_total{kind="very_frequent_contact"} 1"#),
        "{metrics}"
    );
}
