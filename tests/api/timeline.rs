//! A person's timeline: contacts, measure events and flags in one list,
//! newest first, paged without gaps or repeats, for staff only.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

async fn timeline(app: &TestApp, person: i64, query: &str) -> Value {
    let (status, body) = app
        .get(&format!("/v1/people/{person}/timeline{query}"), "advisor")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Each item as `type/event` (a contact as `contact/<action or channel>`).
fn shape(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item["type"].as_str().unwrap() {
            "contact" => format!(
                "contact/{}",
                item["action"]
                    .as_str()
                    .or(item["channel"].as_str())
                    .unwrap()
            ),
            other => format!("{other}/{}", item["event"].as_str().unwrap()),
        })
        .collect()
}

fn times(items: &[Value]) -> Vec<chrono::DateTime<chrono::FixedOffset>> {
    items
        .iter()
        .map(|item| chrono::DateTime::parse_from_rfc3339(item["at"].as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn contacts_measure_events_and_flags_appear_newest_first() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let measure = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day", "channels": "all"}),
        )
        .await;
    let measure_id = measure["id"].as_i64().unwrap();
    let (status, body) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": "email", "phone": "07700900123"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The email used up the day's one contact: all three calls are
    // diverted, and the third raises a flag.
    for n in 1..=3 {
        let answer = app.screen("07700900123", &format!("t-{n}")).await;
        assert_eq!(answer["action"], "divert", "{answer}");
    }
    let (status, body) = app
        .patch(
            &format!("/v1/measures/{measure_id}"),
            "supervisor",
            json!({"max_contacts": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let flags = app.get("/v1/flags", "supervisor").await.1;
    let flag_id = flags["flags"][0]["id"].as_i64().expect("a flag was raised");
    let (status, body) = app
        .post(
            &format!("/v1/flags/{flag_id}/resolve"),
            "supervisor",
            json!({"reason": "spoke to Ann; the new limit suits her"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .post(
            &format!("/v1/measures/{measure_id}/end"),
            "supervisor",
            json!({"reason": "no longer needed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let body = timeline(&app, ann, "").await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(
        shape(items),
        [
            "measure/ended",
            "flag/resolved",
            "measure/changed",
            "flag/raised",
            "contact/divert",
            "contact/divert",
            "contact/divert",
            "contact/email",
            "measure/recorded",
        ],
        "{body:#}"
    );
    let at = times(items);
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    assert!(body.get("next_cursor").is_none(), "one page holds it all");
    let settled = &items[1];
    assert_eq!(settled["by"], "supervisor-key");
    assert_eq!(settled["reason"], "spoke to Ann; the new limit suits her");
    assert_eq!(settled["kind"], "repeated_while_diverted");
    assert_eq!(items[0]["measure_id"], measure_id);
    assert_eq!(items[0]["kind"], "frequency_limit");
    assert_eq!(items[4]["call_id"], "t-3");
}

#[tokio::test]
async fn pages_join_up_with_nothing_repeated_or_left_out() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day"}),
    )
    .await;
    for n in 1..=7 {
        app.screen("07700900123", &format!("p-{n}")).await;
    }
    let whole = timeline(&app, ann, "?limit=500").await["items"].clone();
    let whole = whole.as_array().unwrap();
    assert!(whole.len() >= 9, "7 calls, a measure and a flag: {whole:?}");

    let mut walked = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = timeline(&app, ann, &query).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        walked.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=3&cursor={cursor}"),
            None => break,
        }
        // A new call between pages is newer than every cursor: it never
        // shows up on a later page.
        app.screen("07700900123", &format!("late-{}", walked.len()))
            .await;
    }
    // Compared by identity: an open flag's detail grows with its evidence
    // while the walk goes on.
    let identity = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .map(|i| {
                format!(
                    "{}/{}/{}{}{}",
                    i["type"], i["event"], i["id"], i["flag_id"], i["measure_id"]
                )
            })
            .collect()
    };
    assert_eq!(identity(&walked), identity(whole));
}

#[tokio::test]
async fn another_persons_contacts_are_not_on_the_timeline() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.person("Bob", "07700 900456").await;
    app.screen("07700900456", "bob-1").await;
    app.screen("07700900123", "ann-1").await;
    let items = timeline(&app, ann, "").await["items"].clone();
    let call_ids: Vec<&Value> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["call_id"])
        .collect();
    assert_eq!(call_ids, [&json!("ann-1")]);
}

#[tokio::test]
async fn reading_a_timeline_is_audited_and_kept_from_the_pbx() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let path = format!("/v1/people/{ann}/timeline");
    let (status, _) = app.get(&path, "pbx").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    timeline(&app, ann, "").await;
    let (_, audit) = app.get("/v1/audit?limit=1000", "admin").await;
    let read = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "person.timeline.view" && e["person_id"] == ann);
    assert!(read, "{audit:#}");
}

#[tokio::test]
async fn a_bad_limit_or_cursor_is_refused_naming_it() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=12.9.3", "cursor"),
        ("?cursor=abc", "cursor"),
        ("?cursor=1.2.3.4", "cursor"),
    ] {
        let (status, body) = app
            .get(&format!("/v1/people/{ann}/timeline{query}"), "advisor")
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, _) = app.get("/v1/people/999/timeline", "advisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
