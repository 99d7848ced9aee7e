//! Hostile keys: wrong keys from the PBX's address must not switch
//! screening off, and `X-Forwarded-For` counts only from a trusted proxy.

use std::net::{IpAddr, Ipv4Addr};

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
