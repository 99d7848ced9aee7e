//! Hostile keys: wrong keys from the PBX's address must not switch
//! screening off, `X-Forwarded-For` counts only from a trusted proxy, and a
//! refused key on the PBX's paths is counted and logged, once a minute.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

/// The whole of 127.0.0.0/8 is loopback here: a second client address.
const ANOTHER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn client_from(addr: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(addr)
        .build()
        .unwrap()
}

/// `GET /v1/audit` with `key`, and `X-Forwarded-For` when given.
async fn audit_with(
    client: &reqwest::Client,
    app: &TestApp,
    key: &str,
    forwarded: Option<&str>,
) -> StatusCode {
    let mut request = client
        .get(format!("{}/v1/audit", app.base))
        .bearer_auth(key);
    if let Some(forwarded) = forwarded {
        request = request.header("X-Forwarded-For", forwarded);
    }
    request.send().await.unwrap().status()
}

/// Wrong keys (with `forwarded` as X-Forwarded-For) until the source is
/// locked out: three 401s, then 429, with failures allowed at 3 a minute.
async fn lock_out(app: &TestApp, forwarded: &[Option<&str>; 4]) {
    for (n, forwarded) in forwarded.iter().enumerate() {
        let status = audit_with(&app.client, app, "fl_wrong", *forwarded).await;
        let expected = if n < 3 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "wrong key {n}");
    }
}

const THREE_FAILURES: (&str, &str) = ("FAIRLINE_SIGN_IN_FAILURES_PER_MINUTE", "3");

#[tokio::test]
async fn pbx_key_is_served_while_its_source_is_locked_out() {
    let app = spawn_app_with(&[THREE_FAILURES]).await;
    lock_out(&app, &[None; 4]).await;
    // The pbx key has not been used yet, so it is read from the key table
    // while the source is locked out, not served from the key cache.
    let answer = app.screen("07700 900123", "locked-out.1").await;
    assert_eq!(answer["action"], "route");
    assert_eq!(answer["reason"], "default");
    // Staff keys stay locked out: a guesser must not learn a guess was right.
    let status = audit_with(&app.client, &app, &app.keys["admin"], None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app = spawn_app_with(&[THREE_FAILURES]).await;
    // Each wrong key claims another client; the real peer is locked out.
    lock_out(
        &app,
        &[
            Some("203.0.113.1"),
            Some("203.0.113.2"),
            Some("203.0.113.3"),
            Some("203.0.113.4"),
        ],
    )
    .await;
    let admin = &app.keys["admin"];
    let status = audit_with(&app.client, &app, admin, Some("198.51.100.1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the peer is locked");
    let elsewhere = client_from(ANOTHER_ADDRESS);
    let status = audit_with(&elsewhere, &app, admin, Some("127.0.0.1")).await;
    assert_eq!(status, StatusCode::OK, "another peer is not");
}

#[tokio::test]
async fn forwarded_for_is_honoured_from_a_trusted_proxy() {
    let app = spawn_app_with(&[
        THREE_FAILURES,
        ("FAIRLINE_TRUSTED_PROXIES", r#"["127.0.0.1/32"]"#),
    ])
    .await;
    let client = Some("203.0.113.9");
    lock_out(&app, &[client; 4]).await;
    let admin = &app.keys["admin"];
    for forwarded in [
        "203.0.113.9",
        // What the client wrote itself is on the left: not believed.
        "198.51.100.7, 203.0.113.9",
        // A second trusted proxy on the right is skipped.
        "203.0.113.9, 127.0.0.1",
    ] {
        let status = audit_with(&app.client, &app, admin, Some(forwarded)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{forwarded}");
    }
    let status = audit_with(&app.client, &app, admin, Some("203.0.113.10")).await;
    assert_eq!(status, StatusCode::OK, "another client of the proxy");
    let status = audit_with(&app.client, &app, admin, None).await;
    assert_eq!(status, StatusCode::OK, "the proxy itself");

    // From a peer that is not a trusted proxy, the header is ignored.
    let elsewhere = client_from(ANOTHER_ADDRESS);
    let status = audit_with(&elsewhere, &app, admin, Some("203.0.113.9")).await;
    assert_eq!(status, StatusCode::OK);
}

/// The value of the series `series` on a metrics page.
fn metric(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

const REFUSED: &str = "refused a key on a PBX path";

#[tokio::test]
async fn refused_keys_on_pbx_paths_are_counted_and_logged_once_a_minute() {
    let (app, log) = spawn_app_logged(&[("FAIRLINE_SIGN_IN_FAILURES_PER_MINUTE", "1000")]).await;
    let screen = format!("{}/v1/screen?caller=07700900123&call_id=k.1", app.base);
    let dialplan = format!("{}/v1/pbx/freeswitch/dialplan", app.base);
    let outcome = format!("{}/v1/calls/k.1/outcome", app.base);
    let send =
        |request: reqwest::RequestBuilder| async move { request.send().await.unwrap().status() };
    // Wrong keys, one source: 401 on two paths.
    for _ in 0..5 {
        let status = send(app.client.get(&screen).bearer_auth("fl_wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..2 {
        let request = app
            .client
            .post(&dialplan)
            .basic_auth("fs", Some("fl_wrong"));
        assert_eq!(send(request).await, StatusCode::UNAUTHORIZED);
    }
    // Right keys with the wrong role: 403, logged by key name.
    for _ in 0..3 {
        let status = send(app.client.get(&screen).bearer_auth(&app.keys["advisor"])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Not a PBX path: neither counted nor logged.
    let status = send(
        app.client
            .get(format!("{}/v1/audit", app.base))
            .bearer_auth("fl_x"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let request = app
        .client
        .post(&outcome)
        .bearer_auth(&app.keys["supervisor"])
        .json(&serde_json::json!({"outcome": "answered"}));
    assert_eq!(send(request).await, StatusCode::FORBIDDEN);

    let (_, page) = app.get("/metrics", "admin").await;
    let page = page.as_str().unwrap();
    let count = |path: &str| {
        metric(
            page,
            &format!("fairline_auth_failures_total{{path=\"{path}\"}}"),
        )
    };
    assert_eq!(count("/v1/screen"), Some(8.0), "{page}");
    assert_eq!(count("/v1/pbx/freeswitch/dialplan"), Some(2.0));
    assert_eq!(count("/v1/calls/{call_id}/outcome"), Some(1.0));
    assert!(
        !page.contains("/v1/audit"),
        "only the PBX paths are counted"
    );

    // The supervisor's refusal was the last: once it is logged, every
    // earlier line has been read.
    log.wait_for(
        |line| line.contains(REFUSED) && line.contains("supervisor-key"),
        Duration::from_secs(10),
    )
    .expect("the refused supervisor key is logged");
    let refused: Vec<String> = log
        .lines()
        .into_iter()
        .filter(|line| line.contains(REFUSED))
        .collect();
    assert_eq!(refused.len(), 3, "once per source or key: {refused:#?}");
    assert!(refused[0].contains("WARN") && refused[0].contains("127.0.0.1"));
    assert!(refused[0].contains("/v1/screen") && refused[0].contains("401"));
    assert!(refused[1].contains("advisor-key") && refused[1].contains("403"));
    assert!(
        refused.iter().all(|line| !line.contains("fl_wrong")),
        "no key is logged"
    );
}
