//! "Block the last caller": a number rule made from a row of the call
//! history, for the number that contact came from.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_block_rule_from_a_history_row_blocks_that_number_and_is_audited() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.screen("07700 900123", "h-1").await;
    let contact = app.history(ann).await[0]["id"].as_i64().unwrap();
    let (status, rule) = app
        .post(
            &format!("/v1/contacts/{contact}/number-rule"),
            "supervisor",
            json!({"action": "block", "reason": "abusive calls on 1 Dec, agreed with the manager"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    assert_eq!(
        (rule["number"].as_str(), rule["match"].as_str()),
        (Some("+447700900123"), Some("exact"))
    );
    let next = app.screen("07700 900123", "h-2").await;
    assert_eq!(
        (next["action"].as_str(), next["reason"].as_str()),
        (Some("block"), Some("block_rule"))
    );
    let (_, audit) = app.get("/v1/audit", "admin").await;
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "number_rule.create")
        .unwrap_or_else(|| panic!("no audit entry: {audit}"));
    assert_eq!(entry["after"]["from_contact_id"], json!(contact));
}

#[tokio::test]
async fn a_contact_with_no_number_gets_no_rule() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": "email", "email": "ann@example.org"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.screen("", "h-withheld").await;
    let (_, rules_before) = app.get("/v1/number-rules", "supervisor").await;
    for contact in [
        body["id"].as_i64().unwrap(),
        body["id"].as_i64().unwrap() + 1,
    ] {
        let (status, refused) = app
            .post(
                &format!("/v1/contacts/{contact}/number-rule"),
                "supervisor",
                json!({"action": "block", "reason": "r"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(refused["error"]["code"], "no_number", "{refused}");
    }
    let (_, rules_after) = app.get("/v1/number-rules", "supervisor").await;
    assert_eq!(rules_before, rules_after);
}

#[tokio::test]
async fn only_supervisors_make_rules_from_history_and_unknown_contacts_are_404() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    app.screen("07700 900123", "h-3").await;
    let contact = app.history(ann).await[0]["id"].as_i64().unwrap();
    let path = format!("/v1/contacts/{contact}/number-rule");
    let body = json!({"action": "block", "reason": "r"});
    let (status, _) = app.post(&path, "advisor", body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post("/v1/contacts/99999/number-rule", "supervisor", body.clone())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post("/v1/contacts/abc/number-rule", "supervisor", body)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
