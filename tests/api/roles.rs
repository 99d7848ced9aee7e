//! The role matrix: every endpoint group against every role, no key, a
//! wrong key, HTTP Basic, and a revoked key.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

/// One request per endpoint group: its name, method, path, body, and the
/// roles it admits.
type Group = (
    &'static str,
    Method,
    String,
    Option<serde_json::Value>,
    &'static [&'static str],
);

fn groups(person: i64) -> Vec<Group> {
    vec![
        (
            "screening",
            Method::GET,
            "/v1/screen?caller=07700900999&call_id=m-{role}".into(),
            None,
            &["pbx", "admin"],
        ),
        (
            "people",
            Method::GET,
            format!("/v1/people/{person}"),
            None,
            &["supervisor", "admin"],
        ),
        (
            "people search",
            Method::GET,
            "/v1/people?q=Ann".into(),
            None,
            &["supervisor", "admin"],
        ),
        (
            "measures",
            Method::POST,
            format!("/v1/people/{person}/measures"),
            Some(
                json!({"kind": "new_issues_only", "reason": "r", "review_on": "2099-01-01", "starts_on": "2098-12-01"}),
            ),
            &["supervisor", "admin"],
        ),
        (
            "enquiries",
            Method::POST,
            format!("/v1/people/{person}/enquiries"),
            Some(json!({"topic": "t"})),
            &["supervisor", "admin"],
        ),
        (
            "number rules",
            Method::GET,
            "/v1/number-rules".into(),
            None,
            &["supervisor", "admin"],
        ),
        (
            "contacts",
            Method::POST,
            "/v1/contacts".into(),
            Some(json!({"channel": "letter"})),
            &["advisor", "supervisor", "admin"],
        ),
        (
            "history",
            Method::GET,
            format!("/v1/people/{person}/contacts"),
            None,
            &["advisor", "supervisor", "admin"],
        ),
        (
            "call history",
            Method::GET,
            "/v1/contacts?phone=07700900123".into(),
            None,
            &["advisor", "supervisor", "admin"],
        ),
        (
            "outcome",
            Method::POST,
            "/v1/calls/m-pbx/outcome".into(),
            Some(json!({"answered": true})),
            &["pbx", "advisor", "admin"],
        ),
        (
            "review queue",
            Method::GET,
            "/v1/review-queue".into(),
            None,
            &["supervisor", "admin"],
        ),
        ("audit", Method::GET, "/v1/audit".into(), None, &["admin"]),
        (
            "timeline",
            Method::GET,
            format!("/v1/people/{person}/timeline"),
            None,
            &["advisor", "supervisor", "admin"],
        ),
        (
            "contacts report",
            Method::GET,
            "/v1/reports/contacts".into(),
            None,
            &["supervisor", "admin"],
        ),
        (
            "measures report",
            Method::GET,
            "/v1/reports/measures".into(),
            None,
            &["supervisor", "admin"],
        ),
        (
            "appeals waiting",
            Method::GET,
            "/v1/appeals".into(),
            None,
            &["supervisor", "admin"],
        ),
        (
            "advisors",
            Method::GET,
            "/v1/advisors".into(),
            None,
            &["advisor", "supervisor", "admin"],
        ),
        (
            "advisor changes",
            Method::PATCH,
            // The advisor the test adds first.
            "/v1/advisors/1".into(),
            Some(json!({"target": "2001"})),
            &["supervisor", "admin"],
        ),
    ]
}

#[tokio::test]
async fn every_endpoint_group_admits_exactly_its_roles() {
    // Twenty refused sign-ins follow: more than the lockout allows by default.
    let app = spawn_app_with(&[("FAIRLINE_SIGN_IN_FAILURES_PER_MINUTE", "1000")]).await;
    let person = app.person("Ann", "07700 900123").await;
    // The outcome row needs a call to exist, and the advisor changes an advisor.
    app.screen("07700 900999", "m-pbx").await;
    let (status, _) = app
        .post("/v1/advisors", "supervisor", json!({"name": "Alex"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for (group, method, path, body, allowed) in groups(person) {
        for role in ROLES {
            let path = path.replace("{role}", role);
            let (status, reply) = app.call(method.clone(), &path, role, body.clone()).await;
            if allowed.contains(&role) {
                assert!(status.is_success(), "{group} as {role}: {status} {reply}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{group} as {role}: {reply}");
                assert_eq!(reply["error"]["code"], "forbidden");
            }
        }
        let resp = app
            .client
            .request(method.clone(), format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{group} without a key"
        );
        let resp = app
            .client
            .request(method.clone(), format!("{}{path}", app.base))
            .bearer_auth("fl_not-a-key")
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{group} with a wrong key"
        );
    }
}

#[tokio::test]
async fn the_key_may_come_as_the_password_of_http_basic() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!(
            "{}/v1/screen?caller=07700900123&call_id=basic-1",
            app.base
        ))
        .basic_auth("freeswitch", Some(&app.keys["pbx"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_revoked_key_is_refused() {
    let app = spawn_app().await;
    let key = create_key(&app.db, "admin", "leaver");
    let out = cli(&app.db, &["keys", "revoke", "leaver"]);
    assert!(out.status.success());
    let resp = app
        .client
        .get(format!("{}/v1/audit", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
