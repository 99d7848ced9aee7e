//! Operations against the real server: readiness, Prometheus metrics on
//! the API's listener or their own, and a log that names calls, not callers.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::*;

async fn get_text(url: &str) -> (StatusCode, String) {
    let resp = reqwest::get(url).await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn readiness_needs_no_key_and_fails_while_the_schema_is_not_this_builds() {
    let app = spawn_app().await;
    let readyz = format!("{}/readyz", app.base);
    assert_eq!(get_text(&readyz).await, (StatusCode::OK, "ready\n".into()));
    // As if a newer fairline had migrated the file under this one.
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    assert_eq!(
        get_text(&readyz).await,
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n".into())
    );
    let (health, _) = get_text(&format!("{}/healthz", app.base)).await;
    assert_eq!(health, StatusCode::OK, "the process is still alive");
    conn.pragma_update(None, "user_version", fairline::store::LATEST_VERSION)
        .unwrap();
    assert_eq!(get_text(&readyz).await.0, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_decisions_and_time_screening_without_naming_anyone() {
    let app = spawn_app().await;
    app.person("Ann Example", "07700 900123").await;
    app.screen("07700900123", "metrics-call.1").await;
    app.screen("+44 7700 900123", "metrics-call.2").await;
    let resp = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "no key is needed");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let page = resp.text().await.unwrap();
    for expected in [
        r#"fairline_decisions_total{action="route",reason="default"} 2"#,
        "fairline_screening_duration_seconds_count 2",
        r#"fairline_screening_duration_seconds_bucket{le="0.005"}"#,
        "fairline_commit_batch_size_bucket",
        "fairline_commit_duration_seconds_count",
        "fairline_writer_pending_writes 0",
        "fairline_writer_commits_total",
    ] {
        assert!(page.contains(expected), "{expected} missing from\n{page}");
    }
    for personal in ["7700900123", "Ann", "metrics-call"] {
        assert!(!page.contains(personal), "{personal} in\n{page}");
    }
}

#[tokio::test]
async fn metrics_listen_moves_metrics_off_the_api_listener() {
    let (app, log) = spawn_app_logged(&[("FAIRLINE_METRICS_LISTEN", "127.0.0.1:0")]).await;
    let metrics = log
        .address("metrics listening", Duration::from_secs(10))
        .expect("the metrics address is logged");
    app.screen("07700900123", "own-listener.1").await;
    let (status, page) = get_text(&format!("http://{metrics}/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("fairline_decisions_total"), "{page}");
    let (status, _) = get_text(&format!("{}/metrics", app.base)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not on the API's listener");
    let (status, _) = get_text(&format!("http://{metrics}/v1/screen")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "and nothing else on its own");
}

#[tokio::test]
async fn agi_connections_are_counted_and_none_is_left_open() {
    let app = spawn_app_with(&[("FAIRLINE_AGI_LISTEN", "127.0.0.1:0")]).await;
    let stream = tokio::net::TcpStream::connect(app.agi.as_ref().unwrap())
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    write
        .write_all(b"agi_uniqueid: agi-metrics.1\nagi_callerid: 07700900123\nagi_dnid: 0800\n\n")
        .await
        .unwrap();
    let mut lines = BufReader::new(read).lines();
    let mut commands = 0;
    while let Some(_line) = lines.next_line().await.unwrap() {
        commands += 1;
        write.write_all(b"200 result=1\n").await.unwrap();
    }
    assert_eq!(commands, 6, "six variables set");
    // The session's task ends just after it closes the connection.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (_, page) = get_text(&format!("{}/metrics", app.base)).await;
        if page.contains("fairline_agi_connections_open 0") {
            assert!(page.contains("fairline_agi_connections_total 1"), "{page}");
            break;
        }
        assert!(Instant::now() < deadline, "still open:\n{page}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_json_log_names_each_call_but_never_a_whole_number_or_email() {
    let (app, log) =
        spawn_app_logged(&[("RUST_LOG", "info"), ("FAIRLINE_LOG_FORMAT", "json")]).await;
    let (status, body) = app
        .post(
            "/v1/people",
            "supervisor",
            json!({"name": "Ann Example", "phones": ["07700 900123"], "emails": ["ann@example.org"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.screen("07700900123", "log-call.1").await;
    app.screen("+44 7700 900123", "log-call.2").await;
    app.screen("07700900123", "log-call.1").await;
    app.screen("07700900999", "log-call.3").await;
    let (status, body) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": "email", "email": "ann@example.org"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Refused requests carrying the number.
    let refused = app
        .client
        .get(format!("{}/v1/screen", app.base))
        .query(&[("caller", "07700900123 ext 5"), ("call_id", "log-call.4")])
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let screened = log
        .wait_for(
            |l| l.contains("log-call.3") && l.contains("screened"),
            Duration::from_secs(10),
        )
        .expect("the last call is logged");
    let screened: Value = serde_json::from_str(&screened).unwrap();
    assert_eq!(screened["level"], "INFO");
    assert_eq!(screened["span"]["name"], "screen");
    assert_eq!(screened["span"]["call_id"], "log-call.3");
    assert_eq!(screened["span"]["caller"], "+44…0999");
    let lines = log.lines();
    for call in ["log-call.1", "log-call.2"] {
        assert!(lines.iter().any(|l| l.contains(call)), "{call} not logged");
    }
    for line in &lines {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "not JSON: {line}"
        );
        for whole in ["7700900123", "7700 900123", "7700900999", "ann@example.org"] {
            assert!(!line.contains(whole), "{whole} logged: {line}");
        }
    }
}
