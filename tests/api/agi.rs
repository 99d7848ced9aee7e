//! FastAGI against the real server: the same decision and record as
//! `/v1/screen`, and peers that misbehave cost nothing.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::helpers::*;

fn environment(caller: &str, unique_id: &str) -> String {
    format!(
        "agi_network: yes\nagi_network_script: screen\nagi_request: agi://127.0.0.1/screen\n\
         agi_channel: PJSIP/trunk-0000002a\nagi_language: en\nagi_type: PJSIP\nagi_uniqueid: {unique_id}\n\
         agi_version: 22.1.0\nagi_callerid: {caller}\nagi_calleridname: unknown\nagi_callingpres: 0\n\
         agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: 08001234567\nagi_rdnis: unknown\n\
         agi_context: from-trunk\nagi_extension: 08001234567\nagi_priority: 2\nagi_enhanced: 0.0\n\
         agi_accountcode: \nagi_threadid: 140000000000000\n\n"
    )
}

/// Plays Asterisk: sends the environment, answers every command with
/// `200 result=1`, and returns the commands fairline sent.
async fn agi_call(addr: &str, env: &str) -> Vec<String> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    write.write_all(env.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(read).lines();
    let mut commands = Vec::new();
    while let Some(line) = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .unwrap()
        .unwrap()
    {
        commands.push(line);
        write.write_all(b"200 result=1\n").await.unwrap();
    }
    commands
}

async fn agi_app() -> TestApp {
    spawn_app_with(&[
        ("FAIRLINE_AGI_LISTEN", "127.0.0.1:0"),
        ("FAIRLINE_AGI_TIMEOUT_MS", "300"),
    ])
    .await
}

#[tokio::test]
async fn an_agi_request_sets_the_decision_variables_and_is_recorded_like_http() {
    let app = agi_app().await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    let commands = agi_call(
        app.agi.as_ref().unwrap(),
        &environment("07700900123", "1732890000.42"),
    )
    .await;
    assert_eq!(
        commands,
        [
            "SET VARIABLE FAIRLINE_ACTION \"block\"",
            "SET VARIABLE FAIRLINE_TARGET \"\"",
            "SET VARIABLE FAIRLINE_PROMPT \"fairline-blocked\"",
            "SET VARIABLE FAIRLINE_REASON \"block_measure\"",
        ]
    );
    let history = app.history(ann).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["call_id"], "1732890000.42");
    // The same call id over HTTP is the same call: same answer, no new record.
    let again = app.screen("07700900123", "1732890000.42").await;
    assert_eq!(again["action"], "block");
    assert_eq!(app.history(ann).await.len(), 1);
}

#[tokio::test]
async fn an_agi_caller_with_prohibited_presentation_is_withheld() {
    let app = agi_app().await;
    let env = environment("07700900123", "1732890000.43")
        .replace("agi_callingpres: 0", "agi_callingpres: 32");
    let commands = agi_call(app.agi.as_ref().unwrap(), &env).await;
    assert_eq!(
        commands.last().map(String::as_str),
        Some("SET VARIABLE FAIRLINE_REASON \"withheld\"")
    );
}

/// Reads until the server closes the connection; returns how long it took.
async fn time_until_closed(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink))
        .await
        .expect("server kept the connection open");
    started.elapsed()
}

#[tokio::test]
async fn silent_half_sent_and_oversized_requests_are_closed_and_change_nothing() {
    let app = agi_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let addr = app.agi.clone().unwrap();

    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert!(time_until_closed(&mut silent).await < Duration::from_secs(3));

    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"agi_network: yes\nagi_uniqueid: 1.1\nagi_callerid: 0770090")
        .await
        .unwrap();
    assert!(time_until_closed(&mut half).await < Duration::from_secs(3));

    let mut huge = TcpStream::connect(&addr).await.unwrap();
    let line = format!("agi_callerid: {}\n", "7".repeat(100_000));
    let _ = huge.write_all(line.as_bytes()).await;
    assert!(time_until_closed(&mut huge).await < Duration::from_secs(3));

    let mut garbage = TcpStream::connect(&addr).await.unwrap();
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(time_until_closed(&mut garbage).await < Duration::from_secs(3));

    assert!(app.history(ann).await.is_empty());
    // And the server still answers a proper request.
    let commands = agi_call(&addr, &environment("07700900123", "1732890000.44")).await;
    assert_eq!(commands.len(), 4);
}

#[tokio::test]
async fn agi_connections_from_other_addresses_are_refused() {
    let app = spawn_app_with(&[
        ("FAIRLINE_AGI_LISTEN", "127.0.0.1:0"),
        ("FAIRLINE_AGI_ALLOWED_SOURCES", "[\"192.0.2.1\"]"),
    ])
    .await;
    let mut stream = TcpStream::connect(app.agi.as_ref().unwrap()).await.unwrap();
    let _ = stream
        .write_all(environment("07700900123", "1732890000.45").as_bytes())
        .await;
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
        .await
        .expect("closed");
    assert!(
        reply.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&reply)
    );
    let (_, found) = app.get("/v1/people?q=a", "supervisor").await;
    assert!(found["people"].as_array().unwrap().is_empty());
}
