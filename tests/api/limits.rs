//! Abuse protection: staff keys and sources are rate limited with 429 and
//! Retry-After, guessed keys lock a source out, and a number flooding the
//! line is diverted.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_staff_key_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(&[("FAIRLINE_RATE_LIMIT_PER_KEY_PER_MINUTE", "5")]).await;
    for n in 0..5 {
        let (status, _) = app.get("/v1/number-rules", "supervisor").await;
        assert_eq!(status, StatusCode::OK, "request {n}");
    }
    let resp = app
        .client
        .get(format!("{}/v1/number-rules", app.base))
        .bearer_auth(&app.keys["supervisor"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another key has its own allowance.
    let (status, _) = app.get("/v1/number-rules", "admin").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_pbx_key_is_not_rate_limited() {
    let app = spawn_app_with(&[("FAIRLINE_RATE_LIMIT_PER_KEY_PER_MINUTE", "2")]).await;
    for n in 0..6 {
        let answer = app
            .screen(&format!("07700 90{:04}", n), &format!("pbx-{n}"))
            .await;
        assert_eq!(answer["action"], "route");
    }
}

#[tokio::test]
async fn guessing_keys_locks_the_source_out_even_for_a_right_key() {
    let app = spawn_app_with(&[("FAIRLINE_SIGN_IN_FAILURES_PER_MINUTE", "3")]).await;
    let url = format!("{}/v1/audit", app.base);
    for _ in 0..3 {
        let resp = app
            .client
            .get(&url)
            .bearer_auth("fl_guess")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = app
        .client
        .get(&url)
        .bearer_auth("fl_guess")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let resp = app
        .client
        .get(&url)
        .bearer_auth(&app.keys["admin"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked out, whatever the key"
    );
}

#[tokio::test]
async fn a_number_calling_again_and_again_is_diverted_and_recorded_but_a_partner_never() {
    let app = spawn_app_with(&[
        ("FAIRLINE_FLOOD_CALLS", "3"),
        ("FAIRLINE_FLOOD_WINDOW_SECS", "60"),
    ])
    .await;
    let ann = app.person("Ann", "07700 900123").await;
    let answers: Vec<String> = calls_from(&app, "07700 900123", "f", 4).await;
    assert_eq!(answers, ["default", "default", "default", "flood"]);
    // A retry is the same call: it does not count again, and keeps its answer.
    assert_eq!(app.screen("07700 900123", "f-0").await["reason"], "default");
    assert_eq!(
        app.history(ann).await.len(),
        4,
        "flood-diverted calls are recorded"
    );

    let rule = json!({"number": "07700 900555", "match": "exact", "action": "allow", "reason": "partner agency"});
    app.post("/v1/number-rules", "supervisor", rule).await;
    let partner: Vec<String> = calls_from(&app, "07700 900555", "p", 5).await;
    assert!(partner.iter().all(|r| r == "allow_rule"), "{partner:?}");
}

/// `n` calls from `caller`, one after another; their reasons.
async fn calls_from(app: &TestApp, caller: &str, prefix: &str, n: usize) -> Vec<String> {
    let mut reasons = Vec::new();
    for i in 0..n {
        let answer = app.screen(caller, &format!("{prefix}-{i}")).await;
        reasons.push(answer["reason"].as_str().unwrap().to_owned());
    }
    reasons
}
