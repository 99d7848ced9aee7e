//! FastAGI against the real server: the same decision and record as
//! `/v1/screen`, and peers that misbehave cost nothing.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::helpers::*;

pub(crate) fn environment(caller: &str, unique_id: &str) -> String {
    format!(
        "agi_network: yes\nagi_network_script: screen\nagi_request: agi://127.0.0.1/screen\n\
         agi_channel: PJSIP/trunk-0000002a\nagi_language: en\nagi_type: PJSIP\nagi_uniqueid: {unique_id}\n\
         agi_version: 22.1.0\nagi_callerid: {caller}\nagi_calleridname: unknown\nagi_callingpres: 0\n\
         agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: 08001234567\nagi_rdnis: unknown\n\
         agi_context: from-trunk\nagi_extension: 08001234567\nagi_priority: 2\nagi_enhanced: 0.0\n\
         agi_accountcode: \nagi_threadid: 140000000000000\n\n"
    )
}

/// How long a test waits for fairline's next command: generous, since the
/// first call of a fresh server commits to disk on a machine shared with
/// other tests; a hang still fails.
const REPLY_WITHIN: Duration = Duration::from_secs(20);

/// Plays Asterisk: sends the environment, answers every command with
/// `200 result=1`, and returns the commands fairline sent.
pub(crate) async fn agi_call(addr: &str, env: &str) -> Vec<String> {
    play_asterisk(TcpStream::connect(addr).await.unwrap(), env).await
}

/// Asterisk's side of one AGI session on `stream`. A reply fairline no
/// longer reads (it closed after a refusal) is not an error: the commands
/// it sent are the answer.
async fn play_asterisk(stream: TcpStream, env: &str) -> Vec<String> {
    let (read, mut write) = stream.into_split();
    write.write_all(env.as_bytes()).await.unwrap();
    let mut lines = BufReader::new(read).lines();
    let mut commands = Vec::new();
    while let Some(line) = tokio::time::timeout(REPLY_WITHIN, lines.next_line())
        .await
        .unwrap()
        .unwrap()
    {
        commands.push(line);
        let _ = write.write_all(b"200 result=1\n").await;
    }
    commands
}

pub(crate) async fn agi_app() -> TestApp {
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
            "SET VARIABLE FAIRLINE_NEXT_ALLOWED \"\"",
            "SET VARIABLE FAIRLINE_INFO_URL \"\"",
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

/// Reads until the server closes the connection; returns how long it took
/// and what the server sent.
async fn until_closed(stream: &mut TcpStream) -> (Duration, String) {
    let started = Instant::now();
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut sink))
        .await
        .expect("server kept the connection open");
    (
        started.elapsed(),
        String::from_utf8_lossy(&sink).into_owned(),
    )
}

async fn time_until_closed(stream: &mut TcpStream) -> Duration {
    until_closed(stream).await.0
}

#[tokio::test]
async fn silent_half_sent_and_oversized_requests_are_closed_and_change_nothing() {
    let app = agi_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let addr = app.agi.clone().unwrap();

    // Neither is Asterisk waiting for an answer: closed without a word.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    let (took, sent) = until_closed(&mut silent).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(sent, "");

    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"agi_network: yes\nagi_uniqueid: 1.1\nagi_callerid: 0770090")
        .await
        .unwrap();
    let (took, sent) = until_closed(&mut half).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(sent, "");

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
    assert_eq!(commands.len(), 6);
}

/// The six variables fairline sets when it has no decision: an empty
/// action (which the samples route) and the reason.
fn unanswered(reason: &str) -> Vec<String> {
    vec![
        "SET VARIABLE FAIRLINE_ACTION \"\"".to_owned(),
        "SET VARIABLE FAIRLINE_TARGET \"\"".to_owned(),
        "SET VARIABLE FAIRLINE_PROMPT \"\"".to_owned(),
        "SET VARIABLE FAIRLINE_NEXT_ALLOWED \"\"".to_owned(),
        "SET VARIABLE FAIRLINE_INFO_URL \"\"".to_owned(),
        format!("SET VARIABLE FAIRLINE_REASON \"{reason}\""),
    ]
}

/// The port of a logged listening address such as `[::]:41234`.
fn port(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// Plays Asterisk from a chosen local address (`127.0.0.2`, say).
async fn agi_call_from(local: &str, port: u16, env: &str) -> Vec<String> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    let stream = socket
        .connect(format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap();
    play_asterisk(stream, env).await
}

#[tokio::test]
async fn a_refused_source_is_told_so_with_an_empty_action_and_nothing_is_recorded() {
    let app = spawn_app_with(&[
        ("FAIRLINE_AGI_LISTEN", "127.0.0.1:0"),
        ("FAIRLINE_AGI_ALLOWED_SOURCES", "[\"192.0.2.1\"]"),
    ])
    .await;
    let ann = app.blocked_person("Ann", "07700 900123").await;
    // Asterisk would otherwise report AGISTATUS=SUCCESS with nothing set.
    let commands = agi_call(
        app.agi.as_ref().unwrap(),
        &environment("07700900123", "1732890000.45"),
    )
    .await;
    assert_eq!(commands, unanswered("refused"));
    assert!(app.history(ann).await.is_empty());
}

#[tokio::test]
async fn an_ipv4_pbx_reaching_a_dual_stack_listener_is_served() {
    // 127.0.0.1 arrives as ::ffff:127.0.0.1 on a [::] listener; the
    // default agi_allowed_sources (127.0.0.1, ::1) must still match it.
    let app = spawn_app_with(&[("FAIRLINE_AGI_LISTEN", "[::]:0")]).await;
    let agi = app.agi.clone().unwrap();
    assert!(agi.starts_with("[::]:"), "{agi}");
    let ann = app.blocked_person("Ann", "07700 900123").await;
    let commands = agi_call_from(
        "127.0.0.1",
        port(&agi),
        &environment("07700900123", "1732890000.46"),
    )
    .await;
    assert_eq!(
        commands.last().map(String::as_str),
        Some("SET VARIABLE FAIRLINE_REASON \"block_measure\"")
    );
    assert_eq!(app.history(ann).await.len(), 1);
}

#[tokio::test]
async fn agi_allowed_sources_take_cidr_ranges_and_plain_addresses() {
    let app = spawn_app_with(&[
        ("FAIRLINE_AGI_LISTEN", "[::]:0"),
        (
            "FAIRLINE_AGI_ALLOWED_SOURCES",
            r#"["127.0.0.0/30", "127.0.0.9"]"#,
        ),
    ])
    .await;
    let agi = port(app.agi.as_ref().unwrap());
    let env = |id: &str| environment("07700900123", id);
    for (local, id) in [("127.0.0.2", "cidr.1"), ("127.0.0.9", "plain.1")] {
        let commands = agi_call_from(local, agi, &env(id)).await;
        assert_eq!(
            commands.last().map(String::as_str),
            Some("SET VARIABLE FAIRLINE_REASON \"default\""),
            "from {local}"
        );
    }
    let commands = agi_call_from("127.0.0.5", agi, &env("outside.1")).await;
    assert_eq!(commands, unanswered("refused"));
}

#[tokio::test]
async fn an_unreadable_request_is_answered_bad_request_with_an_empty_action() {
    let app = agi_app().await;
    let addr = app.agi.clone().unwrap();
    let no_id = environment("07700900123", "").replace("agi_uniqueid: \n", "");
    assert_eq!(agi_call(&addr, &no_id).await, unanswered("bad_request"));
    let not_a_number = environment("not-a-number", "1732890000.47");
    assert_eq!(
        agi_call(&addr, &not_a_number).await,
        unanswered("bad_request")
    );
    let (_, found) = app.get("/v1/people?q=a", "supervisor").await;
    assert!(found["people"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn only_the_screen_script_is_screened() {
    let app = agi_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let other = environment("07700900123", "1732890000.48")
        .replace("agi_network_script: screen", "agi_network_script: outcome")
        .replace("agi://127.0.0.1/screen", "agi://127.0.0.1/outcome");
    assert_eq!(
        agi_call(app.agi.as_ref().unwrap(), &other).await,
        unanswered("unknown_script")
    );
    assert!(app.history(ann).await.is_empty());
}

#[tokio::test]
async fn the_dialed_number_comes_from_the_dnid_or_an_argument_never_the_extension() {
    let app = spawn_app_with(&[
        ("FAIRLINE_AGI_LISTEN", "127.0.0.1:0"),
        ("FAIRLINE_SCREEN_NUMBERS", r#"["0800 123 4567"]"#),
    ])
    .await;
    let addr = app.agi.clone().unwrap();
    let ann = app.blocked_person("Ann", "07700 900123").await;
    let reason = |commands: Vec<String>| commands.last().cloned().unwrap_or_default();

    // Inside a Gosub the extension is `s`; in the trunk's context it is the
    // number. Neither is read: without a dnid or an argument the dialed
    // number is unknown, so not the helpline's.
    let no_dnid = environment("07700900123", "1732890000.49")
        .replace("agi_dnid: 08001234567", "agi_dnid: unknown");
    assert_eq!(
        reason(agi_call(&addr, &no_dnid).await),
        "SET VARIABLE FAIRLINE_REASON \"not_screened\""
    );
    assert!(app.history(ann).await.is_empty(), "not recorded");

    let by_argument = no_dnid
        .replace("1732890000.49", "1732890000.50")
        .replace("agi_extension: 08001234567", "agi_extension: s")
        .replace(
            "agi_enhanced",
            "agi_arg_1: \nagi_arg_2: \nagi_arg_3: %2B448001234567\nagi_enhanced",
        );
    assert_eq!(
        reason(agi_call(&addr, &by_argument).await),
        "SET VARIABLE FAIRLINE_REASON \"block_measure\""
    );
    let by_dnid = environment("07700900123", "1732890000.51");
    assert_eq!(
        reason(agi_call(&addr, &by_dnid).await),
        "SET VARIABLE FAIRLINE_REASON \"block_measure\""
    );
    let (_, export) = app.get(&format!("/v1/people/{ann}/export"), "admin").await;
    let dialed: Vec<&str> = export["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["dialed"].as_str().unwrap())
        .collect();
    assert_eq!(dialed, ["+448001234567", "08001234567"]);
}

#[tokio::test]
async fn ivr_values_sent_percent_encoded_are_read_whole() {
    let app = agi_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let enquiry = app.enquiry(ann, "ENQ,7", "tribunal date").await;
    let (status, body) = app
        .patch(
            &format!("/v1/enquiries/{}", enquiry["id"]),
            "supervisor",
            serde_json::json!({"status": "closed"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    app.measure(ann, serde_json::json!({"kind": "new_issues_only"}))
        .await;
    // URIENCODE(ENQ,7) is ENQ%2C7: unencoded, the comma would have made
    // "7" the urgent argument.
    let env = environment("07700900123", "1732890000.52").replace(
        "agi_enhanced",
        "agi_arg_1: ENQ%2C7\nagi_arg_2: \nagi_enhanced",
    );
    let commands = agi_call(app.agi.as_ref().unwrap(), &env).await;
    assert_eq!(
        commands.last().map(String::as_str),
        Some("SET VARIABLE FAIRLINE_REASON \"closed_enquiry\"")
    );
    assert_eq!(app.history(ann).await[0]["enquiry_id"], enquiry["id"]);
}
