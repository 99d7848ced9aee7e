//! The record holds only sense, whatever is sent: number rules that match
//! what they name, a retried call id that cannot borrow another call's
//! answer, ids never given twice, a block only after a measure was told and
//! tried, and settings that fail (or not) with a clear word.

use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::helpers::*;

const ANN: &str = "07700 900123";
const BOB: &str = "07700 900456";

async fn rule(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.post("/v1/number-rules", "supervisor", body).await
}

fn block_prefix(number: &str) -> Value {
    json!({"number": number, "match": "prefix", "action": "block", "reason": "nuisance range"})
}

// --- Number rules -------------------------------------------------------

#[tokio::test]
async fn a_prefix_written_with_a_bracketed_trunk_zero_blocks_the_range_it_names() {
    let app = spawn_app().await;
    let (status, created) = rule(&app, block_prefix("+44 (0)7700 900")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+447700900");
    assert_eq!(app.screen(ANN, "range-1").await["action"], "block");
}

#[tokio::test]
async fn prefixes_that_would_block_a_whole_country_or_every_mobile_are_refused() {
    let app = spawn_app().await;
    for short in ["+4", "07", "+44", "+44 770"] {
        let (status, body) = rule(&app, block_prefix(short)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{short}: {body}");
        assert_eq!(body["error"]["field"], "number", "{short}");
    }
    let (_, list) = app.get("/v1/number-rules", "supervisor").await;
    assert_eq!(list["number_rules"], json!([]), "nothing was recorded");
    assert_eq!(app.screen(ANN, "country-1").await["action"], "route");
}

#[tokio::test]
async fn a_broad_prefix_is_accepted_when_the_supervisor_says_so() {
    let app = spawn_app().await;
    let mut body = block_prefix("+44");
    body["broad"] = json!(true);
    body["reason"] = json!("a nuisance campaign from every UK number this week");
    let (status, created) = rule(&app, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+44");
    // Still a country code, even when broad.
    let mut body = block_prefix("+4");
    body["broad"] = json!(true);
    let (status, refused) = rule(&app, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // And only for prefixes.
    let (status, refused) = rule(
        &app,
        json!({"number": ANN, "match": "exact", "action": "block", "reason": "x", "broad": true}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "broad");
}

#[tokio::test]
async fn a_prefix_is_read_with_the_trunk_prefix_of_the_configured_region() {
    // Hungary's trunk prefix is 06, not 0: `06 30 123` is +36 30 123.
    let app = spawn_app_with(&[("FAIRLINE_REGION", "HU")]).await;
    let (status, created) = rule(&app, block_prefix("06 30 123")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["number"], "+3630123");
    assert_eq!(
        app.screen("06 30 123 4567", "hu-1").await["action"],
        "block"
    );
}

// --- Retries --------------------------------------------------------------

async fn screen_status(app: &TestApp, query: &[(&str, &str)]) -> (StatusCode, Value) {
    let resp = app
        .client
        .get(format!("{}/v1/screen", app.base))
        .query(query)
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_call_id_retried_for_another_call_is_a_logged_conflict_not_the_first_answer() {
    let (app, log) = spawn_app_logged(&[]).await;
    let ann = app.blocked_person("Ann", ANN).await;
    assert_eq!(app.screen(ANN, "dup-1").await["action"], "block");

    for (what, query) in [
        ("another caller", vec![("caller", BOB)]),
        ("a withheld caller", vec![("caller", "anonymous")]),
        ("the urgent option", vec![("caller", ANN), ("urgent", "1")]),
    ] {
        let mut query = query;
        query.extend([("call_id", "dup-1"), ("dialed", "0800")]);
        let (status, body) = screen_status(&app, &query).await;
        assert_eq!(status, StatusCode::CONFLICT, "{what}: {body}");
        assert_eq!(body["error"]["code"], "conflict", "{what}");
    }
    // The same request again is a retry: the first answer, counted once.
    assert_eq!(
        app.screen("+44 7700 900123", "dup-1").await["action"],
        "block"
    );
    assert_eq!(app.history(ann).await.len(), 1);
    assert!(
        log.wait_for(
            |line| line.contains("WARN") && line.contains("dup-1") && line.contains("another call"),
            Duration::from_secs(5)
        )
        .is_some(),
        "the conflict is logged"
    );
}

#[tokio::test]
async fn a_withheld_call_id_reused_by_a_blocked_caller_is_a_conflict() {
    let app = spawn_app().await;
    app.blocked_person("Ann", ANN).await;
    assert_eq!(app.screen("", "dup-2").await["action"], "route");
    let (status, body) = screen_status(
        &app,
        &[("caller", ANN), ("call_id", "dup-2"), ("dialed", "0800")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["field"], "caller");
}

fn agi_environment(caller: &str, unique_id: &str) -> String {
    format!(
        "agi_network: yes\nagi_network_script: screen\nagi_request: agi://127.0.0.1/screen\n\
         agi_channel: PJSIP/trunk-0000002a\nagi_uniqueid: {unique_id}\nagi_callerid: {caller}\n\
         agi_callingpres: 0\nagi_dnid: 08001234567\nagi_context: from-trunk\n\
         agi_extension: 08001234567\nagi_priority: 2\n\n"
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

#[tokio::test]
async fn fastagi_answers_a_call_id_reused_by_another_caller_with_its_fail_open_route() {
    let app = spawn_app_with(&[("FAIRLINE_AGI_LISTEN", "127.0.0.1:0")]).await;
    let ann = app.blocked_person("Ann", ANN).await;
    assert_eq!(
        app.screen("07700900456", "1732890000.7").await["action"],
        "route"
    );
    let commands = agi_call(
        app.agi.as_ref().unwrap(),
        &agi_environment("07700900123", "1732890000.7"),
    )
    .await;
    assert!(
        commands.contains(&"SET VARIABLE FAIRLINE_ACTION \"route\"".to_owned())
            && commands.contains(&"SET VARIABLE FAIRLINE_REASON \"fail_open\"".to_owned()),
        "{commands:?}"
    );
    assert!(
        app.history(ann).await.is_empty(),
        "nothing recorded for Ann"
    );
}

#[tokio::test]
async fn freeswitch_answers_a_call_id_reused_by_another_caller_with_not_found() {
    let app = spawn_app().await;
    let ann = app.blocked_person("Ann", ANN).await;
    let uuid = "9d2f5c3a-1b7e-4c8d-a6f0-3e2b1c0d9a8f";
    assert_eq!(app.screen(ANN, uuid).await["action"], "block");
    let form = [
        ("section", "dialplan"),
        ("Unique-ID", uuid),
        ("Hunt-Context", "public"),
        ("Caller-Destination-Number", "08001234567"),
        ("Caller-Caller-ID-Number", "07700900456"),
    ];
    let resp = app
        .client
        .post(format!("{}/v1/pbx/freeswitch/dialplan", app.base))
        .basic_auth("freeswitch", Some(&app.keys["pbx"]))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let xml = resp.text().await.unwrap();
    assert!(xml.contains(r#"<result status="not found"/>"#), "{xml}");
    assert_eq!(app.history(ann).await.len(), 1);
}

// --- Ids ------------------------------------------------------------------

fn id(value: &Value) -> i64 {
    value["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {value}"))
}

/// A person with a number, an enquiry and a measure; their ids.
async fn records_of(app: &TestApp, name: &str, phone: &str, reference: &str) -> [i64; 4] {
    let person = app.person(name, phone).await;
    let (_, page) = app.get(&format!("/v1/people/{person}"), "supervisor").await;
    let identity = id(&page["identities"][0]);
    let enquiry = id(&app.enquiry(person, reference, "tribunal date").await);
    let measure = id(&app
        .measure(person, json!({"kind": "open_enquiries_only"}))
        .await);
    [person, identity, enquiry, measure]
}

#[tokio::test]
async fn an_erased_persons_identities_enquiries_and_measures_keep_their_ids_retired() {
    let app = spawn_app().await;
    let ann = records_of(&app, "Ann", ANN, "ENQ-1").await;
    let (status, body) = app
        .post(
            &format!("/v1/people/{}/erase", ann[0]),
            "admin",
            json!({"reason": "subject asked"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Ann's were the newest of each kind; Bob's must not take their ids,
    // which the audit log still names.
    let bob = records_of(&app, "Bob", BOB, "ENQ-2").await;
    for (what, (ann, bob)) in ["person", "identity", "enquiry", "measure"]
        .iter()
        .zip(ann.iter().zip(&bob))
    {
        assert!(bob > ann, "{what}: Bob was given Ann's id {ann}");
    }
}

#[tokio::test]
async fn a_deleted_number_rules_id_is_not_given_to_the_next_rule() {
    let app = spawn_app().await;
    let (_, first) = rule(&app, block_prefix("07700 900")).await;
    let path = format!("/v1/number-rules/{}", id(&first));
    let (status, _) = app
        .call(reqwest::Method::DELETE, &path, "supervisor", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, second) = rule(&app, block_prefix("07700 901")).await;
    assert!(id(&second) > id(&first), "{second}");
}

#[tokio::test]
async fn a_purged_contacts_id_is_not_given_to_the_next_contact() {
    let app = spawn_app().await;
    let at = (Utc::now() - chrono::Duration::days(800)).to_rfc3339();
    let (status, old) = app
        .post(
            "/v1/contacts",
            "advisor",
            json!({"channel": "letter", "at": at}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    let out = cli(&app.db, &["purge"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, new) = app
        .post("/v1/contacts", "advisor", json!({"channel": "letter"}))
        .await;
    assert!(id(&new) > id(&old), "{new}");
}

// --- The block safeguard ------------------------------------------------------

async fn block(app: &TestApp, person: i64) -> (StatusCode, Value) {
    app.post(
        &format!("/v1/people/{person}/measures"),
        "supervisor",
        measure_body(json!({"kind": "block"})),
    )
    .await
}

#[tokio::test]
async fn a_block_is_refused_after_a_measure_that_was_never_told_in_writing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let mut untold =
        measure_body(json!({"kind": "frequency_limit", "max_contacts": 2, "per": "day"}));
    untold.as_object_mut().unwrap().remove("notified_on");
    let (status, body) = app
        .post(&format!("/v1/people/{ann}/measures"), "supervisor", untold)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, body) = block(&app, ann).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "resolution_not_attempted");
    assert_eq!(app.screen(ANN, "untold-1").await["action"], "route");
}

#[tokio::test]
async fn a_block_is_refused_after_a_measure_that_has_not_started() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    let next_week = (Utc::now().date_naive() + chrono::Days::new(7)).to_string();
    app.measure(
        ann,
        json!({"kind": "open_enquiries_only", "starts_on": next_week}),
    )
    .await;
    let (status, body) = block(&app, ann).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "resolution_not_attempted");
}

#[tokio::test]
async fn a_block_is_accepted_after_a_measure_told_in_writing_and_in_force() {
    let app = spawn_app().await;
    let ann = app.person("Ann", ANN).await;
    app.measure(ann, json!({"kind": "open_enquiries_only"}))
        .await;
    let (status, body) = block(&app, ann).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

// --- Configuration -----------------------------------------------------------

#[test]
fn an_unknown_fairline_variable_is_ignored_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let out = std::process::Command::new(BIN)
        .args(["keys", "list", "--database"])
        .arg(&db)
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("FAIRLINE_ASTERISK_ROOT", "/var/cache/fairline/asterisk-sid")
        .env("FAIRLINE_AGI", "agi://fairline:4573")
        .env("FAIRLINE_REGION", "GB")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings: Vec<_> = stderr.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("FAIRLINE_AGI, FAIRLINE_ASTERISK_ROOT")
            && !warnings[0].contains("FAIRLINE_REGION"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_key_in_the_settings_file_is_still_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fairline.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nasterisk_root = \"/x\"\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["keys", "list", "--database"])
        .arg(dir.path().join("f.db"))
        .arg("--config")
        .arg(&file)
        .env_clear()
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("asterisk_root"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_start_up_failure_names_the_setting_and_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", "--listen", &addr, "--database"])
        .arg(dir.path().join("busy.db"))
        .env_clear()
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("listen {addr}: address already in use")),
        "{stderr}"
    );

    let out = std::process::Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(dir.path().join("busy.db"))
        .env_clear()
        .env("RUST_LOG", "warn")
        .env("FAIRLINE_AGI_LISTEN", &addr)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("agi_listen {addr}: address already in use")),
        "{stderr}"
    );
    drop(taken);
}
