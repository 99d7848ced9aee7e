//! Data protection: the subject access export, erasure, and the record of
//! who read a person's data.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Ann with an extra number she called from before she was on record, an
/// enquiry, an ended measure and a call with an outcome; Bob with his own.
async fn ann_and_bob(app: &TestApp) -> (i64, i64) {
    app.screen("07700 900555", "before-ann").await;
    let ann = app.person("Ann Example", "07700 900123").await;
    let (status, _) = app
        .post(
            &format!("/v1/people/{ann}/identities"),
            "supervisor",
            json!({"phone": "07700 900555"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.post(
        &format!("/v1/people/{ann}/enquiries"),
        "supervisor",
        json!({"topic": "school transport", "reference": "ANN-1"}),
    )
    .await;
    let measure = app
        .measure(
            ann,
            json!({"kind": "frequency_limit", "max_contacts": 3, "per": "day"}),
        )
        .await;
    app.post(
        &format!("/v1/measures/{}/end", measure["id"]),
        "supervisor",
        json!({"reason": "reviewed with Ann"}),
    )
    .await;
    app.screen("07700 900123", "ann-call").await;
    app.post(
        "/v1/calls/ann-call/outcome",
        "advisor",
        json!({"advisor": "alex", "note": "talked about the taxi"}),
    )
    .await;

    let bob = app.person("Bob Other", "07700 900999").await;
    app.post(
        &format!("/v1/people/{bob}/enquiries"),
        "supervisor",
        json!({"topic": "housing repairs"}),
    )
    .await;
    app.screen("07700 900999", "bob-call").await;
    app.post(
        "/v1/calls/bob-call/outcome",
        "advisor",
        json!({"note": "Bob's boiler"}),
    )
    .await;
    (ann, bob)
}

fn values<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item[field].as_str())
        .collect()
}

#[tokio::test]
async fn an_export_holds_everything_about_the_person_and_nothing_about_anyone_else() {
    let app = spawn_app().await;
    let (ann, _) = ann_and_bob(&app).await;
    let (status, export) = app.get(&format!("/v1/people/{ann}/export"), "admin").await;
    assert_eq!(status, StatusCode::OK, "{export}");

    assert_eq!(export["person"]["name"], "Ann Example");
    assert_eq!(
        values(&export["identities"], "value"),
        ["+447700900123", "+447700900555"]
    );
    assert_eq!(export["enquiries"][0]["topic"], "school transport");
    assert_eq!(export["measures"][0]["end_reason"], "reviewed with Ann");
    assert_eq!(export["measures"][0]["params"]["max_contacts"], 3);
    assert_eq!(
        values(&export["contacts"], "call_id"),
        ["before-ann", "ann-call"],
        "with the call from her second number before she was on record"
    );
    assert_eq!(export["contacts"][1]["note"], "talked about the taxi");
    assert_eq!(export["contacts"][1]["rules"][0]["rule"], "default");
    let actions = values(&export["audit"], "action");
    for action in [
        "person.create",
        "identity.create",
        "enquiry.create",
        "measure.create",
        "measure.end",
        "call.outcome",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    let text = export.to_string();
    for of_bob in ["Bob", "900999", "bob-call", "boiler", "housing"] {
        assert!(!text.contains(of_bob), "{of_bob} in the export: {text}");
    }
    let (status, _) = app.get("/v1/people/999/export", "admin").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_an_admin_may_export_or_erase() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    for role in ["pbx", "advisor", "supervisor"] {
        let (status, _) = app.get(&format!("/v1/people/{ann}/export"), role).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "export as {role}");
        let (status, _) = app
            .post(
                &format!("/v1/people/{ann}/erase"),
                role,
                json!({"reason": "asked"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "erase as {role}");
    }
    let (status, body) = app
        .post(
            &format!("/v1/people/{ann}/erase"),
            "admin",
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (status, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    assert_eq!((status, &page["name"]), (StatusCode::OK, &json!("Ann")));
}

fn count(app: &TestApp, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[tokio::test]
async fn erasure_forgets_the_person_but_keeps_what_reports_count() {
    let app = spawn_app().await;
    let (ann, bob) = ann_and_bob(&app).await;
    app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    let contacts = "SELECT count(*) FROM contacts";
    let counted = "SELECT count(*) FROM contacts WHERE counted = 1 AND action = 'route'";
    let before = (count(&app, contacts), count(&app, counted));

    let (status, body) = app
        .post(
            &format!("/v1/people/{ann}/erase"),
            "admin",
            json!({"reason": "subject asked, ticket 42"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["erased"]["identities"], 2);
    assert_eq!(body["erased"]["contacts_anonymised"], 2);

    for path in [
        format!("/v1/people/{ann}"),
        format!("/v1/people/{ann}/contacts"),
        format!("/v1/people/{ann}/export"),
    ] {
        let (status, _) = app.get(&path, "admin").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for search in ["phone=07700900123", "phone=07700900555", "q=Ann"] {
        let (_, found) = app.get(&format!("/v1/people?{search}"), "supervisor").await;
        assert_eq!(found["people"], json!([]), "{search}");
    }
    assert_eq!(
        (count(&app, contacts), count(&app, counted)),
        before,
        "the contacts stay for the counts"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM contacts WHERE identity IN ('+447700900123', '+447700900555')"
        ),
        0
    );

    let (_, log) = app
        .get(&format!("/v1/audit?person_id={ann}&limit=1000"), "admin")
        .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries[0]["action"], "person.erase");
    assert_eq!(entries[0]["actor"], "admin-key");
    assert_eq!(entries[0]["after"]["reason"], "subject asked, ticket 42");
    assert!(entries.len() > 5, "the earlier entries stay: {log}");
    let (_, everything) = app.get("/v1/audit?limit=1000", "admin").await;
    let text = everything.to_string();
    for of_ann in [
        "Ann",
        "900123",
        "900555",
        "taxi",
        "school transport",
        "ANN-1",
    ] {
        assert!(!text.contains(of_ann), "{of_ann} in the audit log");
    }
    assert!(text.contains("Bob Other"), "Bob's entries are untouched");

    let (_, bobs) = app.get(&format!("/v1/people/{bob}"), "supervisor").await;
    assert_eq!(bobs["name"], "Bob Other");
    let carol = app.person("Carol", "07700 900777").await;
    assert!(
        carol > ann && carol > bob,
        "an erased id is not given again"
    );
}

#[tokio::test]
async fn after_erasure_a_caller_who_was_blocked_is_an_unknown_caller() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.measure(ann, json!({"kind": "new_issues_only"})).await;
    app.measure(ann, json!({"kind": "block"})).await;
    assert_eq!(
        app.screen("07700 900123", "c-1").await["reason"],
        "block_measure"
    );
    let (status, _) = app
        .post(
            &format!("/v1/people/{ann}/erase"),
            "admin",
            json!({"reason": "asked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let answer = app.screen("07700 900123", "c-2").await;
    assert_eq!(
        (answer["action"].as_str(), answer["reason"].as_str()),
        (Some("route"), Some("default"))
    );
}

#[tokio::test]
async fn each_read_of_a_person_leaves_one_entry_naming_the_reader() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    for (path, role) in [
        (format!("/v1/people/{ann}"), "supervisor"),
        (format!("/v1/people/{ann}/contacts"), "advisor"),
        (format!("/v1/people/{ann}/export"), "admin"),
    ] {
        let (status, _) = app.get(&path, role).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (status, _) = app.get("/v1/people/999", "supervisor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, log) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let reads: Vec<(&str, &str, &Value, &Value)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap(),
                &e["before"],
                &e["after"],
            )
        })
        .take(3)
        .collect();
    assert_eq!(
        reads,
        [
            ("person.export", "admin-key", &Value::Null, &Value::Null),
            (
                "person.contacts.view",
                "advisor-key",
                &Value::Null,
                &Value::Null
            ),
            ("person.view", "supervisor-key", &Value::Null, &Value::Null),
        ]
    );
    assert_eq!(log["entries"][3]["action"], "person.create");
    let (_, missing) = app.get("/v1/audit?person_id=999", "admin").await;
    assert_eq!(
        missing["entries"],
        json!([]),
        "a failed read records nothing"
    );
}
