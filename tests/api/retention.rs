//! Retention: `fairline purge` beside a running server, and the daily
//! purge inside it.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn days_ago(days: i64) -> String {
    (Utc::now() - chrono::Duration::days(days)).to_rfc3339()
}

fn purge(app: &TestApp, args: &[&str]) -> String {
    let out = cli(&app.db, &[&["purge"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn purge_deletes_only_what_is_past_retention_and_a_dry_run_nothing() {
    let app = spawn_app().await;
    let ann = app.person("Ann", "07700 900123").await;
    let mut contacts = Vec::new();
    for (at, phone) in [
        (days_ago(800), Some("07700 900123")),
        (days_ago(731), Some("07700 900123")),
        (days_ago(900), None),
        (days_ago(10), Some("07700 900123")),
    ] {
        let mut body = json!({"channel": "letter", "at": at});
        if let Some(phone) = phone {
            body["phone"] = json!(phone);
        }
        let (status, contact) = app.post("/v1/contacts", "advisor", body).await;
        assert_eq!(status, StatusCode::CREATED, "{contact}");
        contacts.push(contact["id"].as_i64().unwrap());
    }
    let ended = app.measure(ann, json!({"kind": "new_issues_only"})).await;
    app.backdate_measure(
        ended["id"].as_i64().unwrap(),
        &[
            ("notified_on", "2022-01-01"),
            ("starts_on", "2022-01-01"),
            ("review_on", "2022-03-01"),
            ("ends_on", "2022-02-01"),
        ],
    );
    app.measure(ann, json!({"kind": "open_enquiries_only"}))
        .await;

    let dry = purge(&app, &["--dry-run"]);
    assert!(
        dry.contains("would delete 3 contacts") && dry.contains(" 1 measures"),
        "{dry}"
    );
    assert_eq!(app.history(ann).await.len(), 3, "a dry run deletes nothing");

    let done = purge(&app, &[]);
    assert!(
        done.contains("deleted 3 contacts") && done.contains(" 1 measures"),
        "{done}"
    );
    let left: Vec<i64> = app
        .history(ann)
        .await
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(left, [contacts[3]], "the recent contact survives");
    let (_, page) = app.get(&format!("/v1/people/{ann}"), "supervisor").await;
    assert_eq!(page["measures"].as_array().unwrap().len(), 1);

    let (_, log) = app.get("/v1/audit?actor=retention", "admin").await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one entry, and none for the dry run");
    assert_eq!(entries[0]["action"], "retention.purge");
    assert_eq!(
        (
            &entries[0]["after"]["contacts"],
            &entries[0]["after"]["measures"]
        ),
        (&json!(3), &json!(1))
    );
    let (_, log) = app.get("/v1/audit?limit=1000", "admin").await;
    for entry in log["entries"].as_array().unwrap() {
        if entry["action"] == "contact.create" {
            let erased = contacts[..3].contains(&entry["entity_id"].as_i64().unwrap());
            assert_eq!(entry["after"] == json!({"erased": true}), erased, "{entry}");
        }
    }
    assert!(purge(&app, &[]).contains("deleted 0 contacts"));
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_server_purges_daily_at_the_configured_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    let admin = create_key(&db, "admin", "admin-key");
    // Written before the server starts, so they are there whenever it purges.
    let conn = rusqlite::Connection::open(&db).unwrap();
    for days in [1000, 5] {
        let at = (Utc::now() - chrono::Duration::days(days)).timestamp_millis();
        conn.execute(
            "INSERT INTO contacts (at, channel, counted, recorded_by) VALUES (?1, 'letter', 1, 'test')",
            [at],
        )
        .unwrap();
    }
    drop(conn);
    // The purge runs at a time of day; a server that came up after it
    // would wait for tomorrow. Under load, starting can take seconds, so
    // a start that missed its time is tried again with a later one.
    let (purge_at, _server, base) = loop {
        let due = Utc::now() + chrono::Duration::seconds(5);
        let purge_at = due.format("%H:%M:%S").to_string();
        let (child, base, _) = spawn_server(
            &db,
            &[
                ("FAIRLINE_TIMEZONE", "UTC"),
                ("FAIRLINE_RETENTION_PURGE_AT", &purge_at),
            ],
        );
        let server = Server(child);
        if Utc::now() + chrono::Duration::seconds(1) < due {
            break (purge_at, server, base);
        }
    };

    let started = Instant::now();
    let entry = loop {
        let log: Value = reqwest::Client::new()
            .get(format!("{base}/v1/audit?actor=retention"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(entry) = log["entries"].get(0) {
            break entry.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no purge by {purge_at}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        (&entry["after"]["contacts"], &entry["after"]["run_by"]),
        (&json!(1), &json!("daily"))
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1);
}
