//! The review queue end to end: each kind of flag at the edge of its
//! threshold (`kinds`), dismissing and resolving (`settling`), reviewing
//! measures (`reviews`), and here the queue's grouping and order.

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

mod kinds;
mod reviews;
mod settling;

const ANN: &str = "07700 900123";
const BOB: &str = "07700 900456";

/// The open flags, newest first, as `GET /v1/flags` lists them.
async fn open_flags(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/v1/flags", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["flags"].as_array().unwrap().clone()
}

/// The open flags of one kind.
async fn open_of(app: &TestApp, kind: &str) -> Vec<Value> {
    let flags = open_flags(app).await;
    flags.into_iter().filter(|f| f["kind"] == kind).collect()
}

/// The review queue's groups.
async fn queue(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/v1/review-queue", "supervisor").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["people"].as_array().unwrap().clone()
}

/// Records a contact on another channel from `phone` (advisor key);
/// `extra` adds `enquiry`, `advisor`, `at`. Returns its id.
async fn contact(app: &TestApp, channel: &str, phone: &str, extra: Value) -> i64 {
    let mut body = json!({"channel": channel, "phone": phone});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (status, saved) = app.post("/v1/contacts", "advisor", body).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    saved["id"].as_i64().unwrap()
}

/// A moment `ago` before now, as `at` takes it.
fn ago(ago: Duration) -> String {
    (Utc::now() - ago).to_rfc3339()
}

/// Screens an urgent call.
async fn urgent(app: &TestApp, phone: &str, call_id: &str) -> Value {
    app.screen_with(&[("caller", phone), ("call_id", call_id), ("urgent", "1")])
        .await
}

/// Dismisses a flag; asserts it worked.
async fn dismiss(app: &TestApp, flag: &Value) {
    let path = format!("/v1/flags/{}/dismiss", flag["id"]);
    let body = json!({"reason": "spoke to them; nothing to act on"});
    let (status, answer) = app.post(&path, "supervisor", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "dismissed");
}

/// The queue's item for flag `id`.
async fn queue_item(app: &TestApp, id: &Value) -> Value {
    let groups = queue(app).await;
    let items = groups.iter().flat_map(|g| g["items"].as_array().unwrap());
    items
        .into_iter()
        .find(|item| &item["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("flag {id} in {groups:?}"))
}

/// The ids of a queue item's evidence contacts, oldest first.
fn evidence_ids(item: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = item["evidence"]["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

/// Moves a measure's review date to `days` from today in the database
/// (the API refuses a date already passed).
fn review_in(app: &TestApp, measure: &Value, days: i64) {
    let on = Utc::now().date_naive() + Duration::days(days);
    app.backdate_measure(
        measure["id"].as_i64().unwrap(),
        &[("review_on", &on.to_string())],
    );
}

fn kinds_of(group: &Value) -> Vec<&str> {
    group["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_queue_groups_by_person_most_urgent_first_and_oldest_first_within() {
    let app = spawn_app_with(&[("FAIRLINE_FLAG_DAILY_CONTACTS", "2")]).await;
    let ann = app.person("Ann", ANN).await;
    let bob = app.person("Bob", BOB).await;
    let carol = app.person("Carol", "07700 900789").await;
    let dave = app.person("Dave", "07700 900321").await;
    // Carol, then Dave: very frequent contact, a pattern.
    for (phone, id) in [("07700900789", "c"), ("07700900321", "d")] {
        app.screen(phone, &format!("{id}-1")).await;
        app.screen(phone, &format!("{id}-2")).await;
    }
    // Ann: very frequent first, then an urgent call under a measure.
    app.screen("07700900123", "a-1").await;
    app.screen("07700900123", "a-2").await;
    app.measure(
        ann,
        json!({"kind": "frequency_limit", "max_contacts": 5, "per": "day"}),
    )
    .await;
    urgent(&app, "07700900123", "a-3").await;
    // Bob: a measure whose review has passed.
    let measure = app
        .measure(bob, json!({"kind": "open_enquiries_only"}))
        .await;
    review_in(&app, &measure, -3);
    // Someone not on record: an urgent call.
    urgent(&app, "07700900999", "x-1").await;

    let groups = queue(&app).await;

    let people: Vec<Value> = groups.iter().map(|g| g["person_id"].clone()).collect();
    assert_eq!(
        people,
        [
            json!(ann),
            json!(bob),
            Value::Null,
            json!(carol),
            json!(dave)
        ]
    );
    let urgencies: Vec<&str> = groups
        .iter()
        .map(|g| g["urgency"].as_str().unwrap())
        .collect();
    assert_eq!(urgencies, ["now", "overdue", "soon", "pattern", "pattern"]);
    assert_eq!(
        kinds_of(&groups[0]),
        ["urgent_under_measures", "very_frequent_contact"]
    );
    assert_eq!(groups[0]["person_name"], "Ann");
    let due = &groups[1]["items"][0];
    assert_eq!(
        (&due["type"], &due["kind"]),
        (&json!("flag"), &json!("review_due"))
    );
    assert_eq!(due["evidence"]["measure"]["measure_id"], measure["id"]);
    assert_eq!(due["evidence"]["measure"]["overdue"], true);
    let review_on = (Utc::now().date_naive() - Duration::days(3)).to_string();
    assert_eq!(due["evidence"]["measure"]["review_on"], review_on);
    // What to look at: the calls behind the flag, with what they got.
    let calls = &groups[3]["items"][0]["evidence"]["contacts"];
    assert_eq!(calls.as_array().unwrap().len(), 2, "{calls}");
    assert_eq!(
        (
            &calls[0]["channel"],
            &calls[0]["action"],
            &calls[0]["call_id"]
        ),
        (&json!("phone"), &json!("route"), &json!("c-2"))
    );
    assert!(calls[0]["at"].is_string());
    assert_eq!(groups[2]["items"][0]["caller"], "+447700900999");
}

#[tokio::test]
async fn the_queue_is_for_supervisors_and_a_bad_filter_is_refused_naming_it() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    urgent(&app, "07700900123", "u-1").await;
    for role in ROLES {
        let (status, _) = app.get("/v1/review-queue", role).await;
        let expected = match role {
            "supervisor" | "admin" => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        assert_eq!(status, expected, "as {role}");
    }
    for (query, field) in [
        ("person_id=ann", "person_id"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("kind=x", "kind"),
    ] {
        let (status, body) = app.get(&format!("/v1/review-queue?{query}"), "admin").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
    let (_, mine) = app
        .get(&format!("/v1/review-queue?person_id={ann}"), "admin")
        .await;
    assert_eq!(mine["people"].as_array().unwrap().len(), 1);
    let (_, nobody) = app.get("/v1/review-queue?person_id=999", "admin").await;
    assert_eq!(nobody["people"], json!([]));
}

/// When a contact is dated, for the evidence's order.
fn at(contact: &Value) -> DateTime<Utc> {
    contact["at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_flags_evidence_lists_each_contact_newest_first_with_its_advisor() {
    // Over two in seven days (rolling, so no midnight to straddle).
    let app = spawn_app_with(&[
        ("FAIRLINE_FLAG_DAILY_CONTACTS", "0"),
        ("FAIRLINE_FLAG_WEEKLY_CONTACTS", "2"),
    ])
    .await;
    app.person("Ann", ANN).await;
    let first = contact(&app, "email", ANN, json!({"at": ago(Duration::hours(3))})).await;
    let second = contact(
        &app,
        "in_person",
        ANN,
        json!({"at": ago(Duration::hours(2)), "advisor": "Sam"}),
    )
    .await;
    app.screen("07700900123", "c-1").await;

    let groups = queue(&app).await;

    let contacts = groups[0]["items"][0]["evidence"]["contacts"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(contacts.len(), 3);
    assert!(at(&contacts[0]) > at(&contacts[1]) && at(&contacts[1]) > at(&contacts[2]));
    assert_eq!(contacts[1]["id"], second);
    assert_eq!(contacts[1]["advisor"], "Sam");
    assert_eq!(contacts[2]["id"], first);
    assert_eq!(groups[0]["items"][0]["evidence_count"], 3);
}
