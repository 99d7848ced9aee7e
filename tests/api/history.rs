//! The call history for advisors: `GET /v1/contacts` with its filters,
//! pages that hold still while contacts arrive, and the same rows as CSV.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{spawn_app, spawn_app_logged, TestApp};

/// A row's label: a call by its call id, any other contact by `#id`.
fn label(row: &Value) -> String {
    match row["call_id"].as_str() {
        Some(call_id) => call_id.to_owned(),
        None => format!("#{}", row["id"]),
    }
}

impl TestApp {
    /// `GET /v1/contacts` with `query`, as `role`.
    async fn contacts_as(&self, role: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self
            .client
            .get(format!("{}/v1/contacts", self.base))
            .query(query)
            .bearer_auth(&self.keys[role])
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// The labels of the rows `query` finds (one page), newest first.
    async fn found(&self, query: &[(&str, &str)]) -> Vec<String> {
        let (status, body) = self.contacts_as("advisor", query).await;
        assert_eq!(status, StatusCode::OK, "{query:?}: {body}");
        body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(label)
            .collect()
    }

    /// The CSV answer to `query` (with `Accept: text/csv`): status,
    /// headers and body.
    async fn csv(
        &self,
        query: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let resp = self
            .client
            .get(format!("{}/v1/contacts", self.base))
            .query(query)
            .header("Accept", "text/csv")
            .bearer_auth(&self.keys["advisor"])
            .send()
            .await
            .unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.unwrap())
    }

    /// Records a contact on another channel; returns its label.
    async fn other_channel(&self, body: Value) -> String {
        let (status, saved) = self.post("/v1/contacts", "advisor", body).await;
        assert_eq!(status, StatusCode::CREATED, "{saved}");
        format!("#{}", saved["id"])
    }

    async fn outcome(&self, call_id: &str, body: Value) {
        let (status, saved) = self
            .post(&format!("/v1/calls/{call_id}/outcome"), "advisor", body)
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }

    /// `count` routed calls from an unknown number written straight into
    /// the database, a second apart and newest first, ending now.
    fn insert_calls(&self, count: usize, prefix: &str) {
        let mut conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        let tx = conn.transaction().unwrap();
        let now = chrono::Utc::now().timestamp_millis();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO contacts (at, channel, identity, call_id, action, reason, rules,
                                           counted, recorded_by, note)
                     VALUES (?1, 'phone', '+447700900999', ?2, 'route', 'default', '[]', 1, 'test',
                             'called about transport')",
                )
                .unwrap();
            for i in 0..count {
                let at = now - 1000 * i as i64;
                insert
                    .execute(rusqlite::params![at, format!("{prefix}-{i}")])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
}

/// Ann (two numbers' worth of contacts: calls, an email, a letter, her
/// enquiry ENQ-1), Bob (blocked) and a caller nobody knows.
struct Fixture {
    app: TestApp,
    ann: i64,
    bob: i64,
    enquiry: i64,
    email: String,
    letter: String,
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let (status, ann) = app
        .post(
            "/v1/people",
            "supervisor",
            json!({"name": "Ann", "phones": ["07700 900123"], "emails": ["ann@example.org"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ann}");
    let ann = ann["id"].as_i64().unwrap();
    let enquiry = app.enquiry(ann, "ENQ-1", "EHCP").await["id"]
        .as_i64()
        .unwrap();
    let bob = app.blocked_person("Bob", "07700 900456").await;
    app.screen("07700 900123", "ann-1").await;
    app.screen_with(&[
        ("caller", "07700 900123"),
        ("call_id", "ann-2"),
        ("dialed", "0800"),
        ("enquiry", "ENQ-1"),
    ])
    .await;
    assert_eq!(app.screen("07700 900456", "bob-1").await["action"], "block");
    app.screen("07700 900789", "stranger-1").await;
    app.outcome(
        "ann-1",
        json!({"advisor": "Sam", "answered": true, "duration_s": 300,
               "note": "Asked about the tribunal date, again"}),
    )
    .await;
    app.outcome("stranger-1", json!({"advisor": "Kim", "answered": false}))
        .await;
    let email = app
        .other_channel(json!({"channel": "email", "email": "ann@example.org", "enquiry": "ENQ-1"}))
        .await;
    let letter = app
        .other_channel(json!({"channel": "letter", "phone": "07700 900123",
                              "at": "2026-07-01T09:00:00Z"}))
        .await;
    Fixture {
        app,
        ann,
        bob,
        enquiry,
        email,
        letter,
    }
}

/// A query and the rows it should find, newest first.
type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>);

#[tokio::test]
async fn each_filter_finds_its_contacts_newest_first() {
    let Fixture {
        app,
        ann,
        bob,
        enquiry,
        email,
        letter,
    } = fixture().await;
    let (ann, bob, enquiry) = (ann.to_string(), bob.to_string(), enquiry.to_string());
    let cases: Vec<Case> = vec![
        (
            vec![],
            vec![&email, "stranger-1", "bob-1", "ann-2", "ann-1", &letter],
        ),
        (
            vec![("person", &ann)],
            vec![&email, "ann-2", "ann-1", &letter],
        ),
        (vec![("person", &bob)], vec!["bob-1"]),
        (
            vec![("phone", "07700 900123")],
            vec!["ann-2", "ann-1", &letter],
        ),
        (vec![("phone", "07700900789")], vec!["stranger-1"]),
        (vec![("email", "ANN@example.org")], vec![&email]),
        (vec![("enquiry", "ENQ-1")], vec![&email, "ann-2"]),
        (vec![("enquiry", &enquiry)], vec![&email, "ann-2"]),
        (
            vec![("channel", "phone")],
            vec!["stranger-1", "bob-1", "ann-2", "ann-1"],
        ),
        (vec![("channel", "email")], vec![&email]),
        (vec![("channel", "letter")], vec![&letter]),
        (vec![("channel", "web")], vec![]),
        (vec![("action", "block")], vec!["bob-1"]),
        (
            vec![("action", "route")],
            vec!["stranger-1", "ann-2", "ann-1"],
        ),
        (vec![("action", "divert")], vec![]),
        (vec![("advisor", "Sam")], vec!["ann-1"]),
        (vec![("advisor", "Kim")], vec!["stranger-1"]),
        (vec![("to", "2026-07-01")], vec![&letter]),
        (
            vec![("from", "2026-07-02")],
            vec![&email, "stranger-1", "bob-1", "ann-2", "ann-1"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(app.found(&query).await, expected, "{query:?}");
    }
}

#[tokio::test]
async fn filters_combine_and_every_one_must_match() {
    let Fixture {
        app,
        ann,
        bob,
        letter,
        email,
        ..
    } = fixture().await;
    let (ann, bob) = (ann.to_string(), bob.to_string());
    let cases: Vec<Case> = vec![
        (
            vec![("person", &ann), ("channel", "phone")],
            vec!["ann-2", "ann-1"],
        ),
        (
            vec![("phone", "+44 7700 900123"), ("to", "2026-07-01")],
            vec![&letter],
        ),
        (vec![("action", "route"), ("advisor", "Sam")], vec!["ann-1"]),
        (
            vec![("person", &ann), ("enquiry", "ENQ-1"), ("channel", "email")],
            vec![&email],
        ),
        (vec![("person", &bob), ("action", "route")], vec![]),
        (
            vec![("phone", "07700 900123"), ("email", "ann@example.org")],
            vec![],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(app.found(&query).await, expected, "{query:?}");
    }
}

#[tokio::test]
async fn a_row_carries_the_call_its_decision_and_its_outcome() {
    let Fixture {
        app, ann, enquiry, ..
    } = fixture().await;
    let (_, body) = app
        .contacts_as("advisor", &[("phone", "07700 900123")])
        .await;
    let rows = body["contacts"].as_array().unwrap();
    let first = rows.iter().find(|r| r["call_id"] == "ann-1").unwrap();
    assert_eq!(first["channel"], "phone");
    assert_eq!(first["identity"], "+447700900123");
    assert_eq!(first["person_id"], json!(ann));
    assert_eq!(first["action"], "route");
    assert_eq!(first["reason"], "default");
    assert_eq!(first["rules"][0]["rule"], "default");
    assert_eq!(first["advisor"], "Sam");
    assert_eq!(first["answered"], true);
    assert_eq!(first["duration_s"], 300);
    assert_eq!(first["note"], "Asked about the tribunal date, again");
    assert_eq!(first["enquiry_id"], Value::Null);
    let second = rows.iter().find(|r| r["call_id"] == "ann-2").unwrap();
    assert_eq!(second["enquiry_id"], json!(enquiry));
    assert_eq!(second["enquiry_reference"], "ENQ-1");
    // The letter, dated in British Summer Time, shows its local offset.
    assert_eq!(rows.last().unwrap()["at"], "2026-07-01T10:00:00.000+01:00");
    assert!(body.get("next_cursor").is_none(), "{body}");
}

#[tokio::test]
async fn a_number_in_any_written_form_finds_the_same_calls() {
    let Fixture { app, letter, .. } = fixture().await;
    for written in [
        "07700 900123",
        "+44 7700 900123",
        "0044 7700 900123",
        "447700900123",
        "(07700) 900-123",
    ] {
        assert_eq!(
            app.found(&[("phone", written)]).await,
            ["ann-2", "ann-1", letter.as_str()],
            "{written}"
        );
    }
}

#[tokio::test]
async fn an_unknown_number_or_address_finds_nothing_and_a_malformed_one_is_refused() {
    let Fixture { app, .. } = fixture().await;
    assert!(app.found(&[("phone", "07700 900999")]).await.is_empty());
    assert!(app
        .found(&[("email", "nobody@example.org")])
        .await
        .is_empty());
    assert!(app.found(&[("person", "9999")]).await.is_empty());
    assert!(app.found(&[("advisor", "Nobody")]).await.is_empty());
    for (field, value) in [("phone", "call me"), ("phone", "123"), ("email", "ann@")] {
        let (status, body) = app.contacts_as("advisor", &[(field, value)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{value}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn dates_are_whole_days_in_the_service_timezone() {
    let app = spawn_app().await;
    // 1 July 2026 in London (BST, UTC+1) runs from 30 June 23:00 UTC.
    let mut made = Vec::new();
    for at in [
        "2026-06-30T22:59:59.999Z",
        "2026-06-30T23:00:00Z",
        "2026-07-01T22:59:59.999Z",
        "2026-07-01T23:00:00Z",
    ] {
        made.push(
            app.other_channel(json!({"channel": "letter", "phone": "07700 900123", "at": at}))
                .await,
        );
    }
    let [before, first, last, after] = [&made[0], &made[1], &made[2], &made[3]].map(String::as_str);
    assert_eq!(
        app.found(&[("from", "2026-07-01"), ("to", "2026-07-01")])
            .await,
        [last, first]
    );
    assert_eq!(app.found(&[("to", "2026-06-30")]).await, [before]);
    assert_eq!(app.found(&[("from", "2026-07-02")]).await, [after]);
    // Moments are themselves, in any offset; `to` includes its moment.
    assert_eq!(
        app.found(&[
            ("from", "2026-07-01T00:00:00+01:00"),
            ("to", "2026-07-01T22:59:59.999Z")
        ])
        .await,
        [last, first]
    );
    assert_eq!(
        app.found(&[
            ("from", "2026-06-30T23:00:00.000Z"),
            ("to", "2026-07-01T22:59:59.998Z")
        ])
        .await,
        [first]
    );
    let (_, body) = app.contacts_as("advisor", &[("to", "2026-07-01")]).await;
    assert_eq!(body["contacts"][1]["at"], "2026-07-01T00:00:00.000+01:00");
}

#[tokio::test]
async fn pages_neither_skip_nor_repeat_a_row_while_contacts_arrive() {
    let app = spawn_app().await;
    // Two letters in one millisecond, so a page ends between them.
    let mut dated = Vec::new();
    for at in [
        "2026-11-02T10:00:00Z",
        "2026-11-03T10:00:00Z",
        "2026-11-05T10:00:00Z",
        "2026-11-05T10:00:00Z",
        "2026-11-06T10:00:00Z",
        "2026-11-07T10:00:00Z",
    ] {
        dated.push(
            app.other_channel(json!({"channel": "letter", "phone": "07700 900123", "at": at}))
                .await,
        );
    }
    app.screen("07700 900123", "call-1").await;
    let before = app.found(&[("limit", "500")]).await;
    assert_eq!(before.len(), 7);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "3")];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.as_str()));
        }
        let (status, body) = app.contacts_as("advisor", &query).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(body["contacts"].as_array().unwrap().iter().map(label));
        pages += 1;
        // Between pages: a new call, a letter typed in today but dated
        // between the rows already read and those to come, and one older
        // than everything.
        app.screen("07700 900123", &format!("meanwhile-{pages}"))
            .await;
        app.other_channel(json!({"channel": "letter", "phone": "07700 900123",
                                 "at": "2026-11-04T10:00:00Z"}))
            .await;
        app.other_channel(json!({"channel": "email", "email": "ann@example.org",
                                 "at": "2026-10-01T10:00:00Z"}))
            .await;
        match body.get("next_cursor") {
            Some(next) => cursor = Some(next.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, before);
    // A new listing sees everything recorded meanwhile.
    assert_eq!(app.found(&[("limit", "500")]).await.len(), 7 + 3 * 3);
}

#[tokio::test]
async fn a_page_holds_50_rows_unless_the_limit_says_otherwise_up_to_500() {
    let app = spawn_app().await;
    app.insert_calls(60, "bulk");
    let (_, body) = app.contacts_as("advisor", &[]).await;
    assert_eq!(body["contacts"].as_array().unwrap().len(), 50);
    assert!(body["next_cursor"].is_string(), "{body}");
    let (_, body) = app.contacts_as("advisor", &[("limit", "500")]).await;
    assert_eq!(body["contacts"].as_array().unwrap().len(), 60);
    assert!(body.get("next_cursor").is_none());
    assert_eq!(app.found(&[("limit", "1")]).await, ["bulk-0"]);
    for limit in ["0", "501", "-1", "ten", ""] {
        let (status, body) = app.contacts_as("advisor", &[("limit", limit)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{limit}: {body}");
        assert_eq!(body["error"]["field"], "limit");
    }
}

#[tokio::test]
async fn bad_filter_values_are_refused_naming_the_field() {
    let Fixture { app, .. } = fixture().await;
    let audit_before = app.audit_len().await;
    let cases: [(&[(&str, &str)], &str); 14] = [
        (&[("person", "ann")], "person"),
        (&[("person", "0")], "person"),
        (&[("enquiry", "ENQ-404")], "enquiry"),
        (&[("enquiry", "ENQ\n1")], "enquiry"),
        (&[("channel", "fax")], "channel"),
        (&[("action", "hold")], "action"),
        (&[("advisor", "Sam\u{7}")], "advisor"),
        (&[("from", "2026-13-01")], "from"),
        (&[("from", "yesterday")], "from"),
        (&[("to", "1999-12-31")], "to"),
        (&[("from", "2026-07-02"), ("to", "2026-07-01")], "to"),
        (&[("format", "xlsx")], "format"),
        (&[("sort", "oldest")], "sort"),
        (&[("limit", "5"), ("limit", "6")], "limit"),
    ];
    for (query, field) in cases {
        let (status, body) = app.contacts_as("advisor", query).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query:?}: {body}"
        );
        assert_eq!(body["error"]["field"], field, "{query:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_field");
    }
    assert_eq!(
        app.audit_len().await,
        audit_before,
        "a refused lookup records nothing"
    );
}

#[tokio::test]
async fn a_cursor_altered_or_used_with_other_filters_is_refused() {
    let app = spawn_app().await;
    app.insert_calls(5, "c");
    let (_, body) = app.contacts_as("advisor", &[("limit", "2")]).await;
    let cursor = body["next_cursor"].as_str().unwrap().to_owned();
    let mut altered: Vec<char> = cursor.chars().collect();
    let middle = altered.len() / 2;
    altered[middle] = if altered[middle] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    for query in [
        vec![("cursor", altered.as_str())],
        vec![("cursor", &cursor[..cursor.len() - 2])],
        vec![("cursor", "bm90IGEgY3Vyc29y")],
        vec![("cursor", cursor.as_str()), ("channel", "phone")],
    ] {
        let (status, body) = app.contacts_as("advisor", &query).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query:?}: {body}"
        );
        assert_eq!(body["error"]["field"], "cursor", "{body}");
    }
    // The untouched cursor still continues its listing.
    assert_eq!(
        app.found(&[("cursor", &cursor), ("limit", "2")]).await,
        ["c-2", "c-3"]
    );
}

#[tokio::test]
async fn advisors_and_up_read_the_history_and_the_pbx_key_is_refused() {
    let app = spawn_app().await;
    for role in ["advisor", "supervisor", "admin"] {
        let (status, body) = app.contacts_as(role, &[]).await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
    }
    let (status, _) = app.contacts_as("pbx", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.contacts_as("pbx", &[("format", "csv")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let resp = app
        .client
        .get(format!("{}/v1/contacts", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn looking_up_a_persons_contacts_is_recorded_as_a_read_of_their_history() {
    let Fixture { app, ann, .. } = fixture().await;
    let ann_text = ann.to_string();
    app.found(&[("person", &ann_text)]).await;
    app.csv(&[("person", &ann_text)]).await;
    let (_, audit) = app
        .get(&format!("/v1/audit?person_id={ann}"), "admin")
        .await;
    let reads = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "person.contacts.view" && e["actor"] == "advisor-key")
        .count();
    assert_eq!(reads, 2, "{audit}");
}

const CSV_HEADER: &str = "id,call_id,at,channel,identity,person_id,enquiry_id,enquiry_reference,\
urgent,action,reason,rules,advisor,answered,duration_s,note,complaint";

fn records(body: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join(","),
        CSV_HEADER
    );
    reader.records().map(Result::unwrap).collect()
}

#[tokio::test]
async fn csv_holds_the_same_rows_with_a_header_line_as_a_download() {
    let Fixture { app, .. } = fixture().await;
    let (status, headers, body) = app.csv(&[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"contacts-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert!(body.starts_with(&format!("{CSV_HEADER}\r\n")), "{body}");
    // A note with a comma is quoted, and reads back whole.
    assert!(
        body.contains(",\"Asked about the tribunal date, again\",false\r\n"),
        "{body}"
    );
    let (_, json) = app.contacts_as("advisor", &[]).await;
    let json = json["contacts"].as_array().unwrap();
    let rows = records(&body);
    assert_eq!(rows.len(), json.len());
    for (row, shown) in rows.iter().zip(json) {
        assert_eq!(row[0], shown["id"].to_string());
        assert_eq!(&row[2], shown["at"].as_str().unwrap());
        assert_eq!(&row[3], shown["channel"].as_str().unwrap());
    }
    let ann_1 = rows.iter().find(|r| &r[1] == "ann-1").unwrap();
    // The number keeps its `+` as text in a spreadsheet.
    assert_eq!(&ann_1[4], "'+447700900123");
    assert_eq!(
        (&ann_1[9], &ann_1[10], &ann_1[11], &ann_1[12], &ann_1[13], &ann_1[14]),
        ("route", "default", "default", "Sam", "true", "300")
    );
    assert_eq!(&ann_1[15], "Asked about the tribunal date, again");
    let ann_2 = rows.iter().find(|r| &r[1] == "ann-2").unwrap();
    assert_eq!(&ann_2[7], "ENQ-1");
    // format=csv, for a download link, gives the same file.
    let resp = app
        .client
        .get(format!("{}/v1/contacts?format=csv", app.base))
        .bearer_auth(&app.keys["advisor"])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), body);
    // The filters apply as they do to pages.
    let (_, _, filtered) = app.csv(&[("channel", "letter")]).await;
    assert_eq!(records(&filtered).len(), 1);
    let (_, _, empty) = app.csv(&[("channel", "web")]).await;
    assert_eq!(empty, format!("{CSV_HEADER}\r\n"));
}

#[tokio::test]
async fn csv_cells_a_spreadsheet_would_run_as_formulas_are_shown_as_text() {
    let app = spawn_app().await;
    app.screen("07700 900123", "f-1").await;
    let note = "=HYPERLINK(\"http://evil.example\",\"click\")\nsecond line";
    app.outcome("f-1", json!({"advisor": "@Sam", "note": note}))
        .await;
    app.screen("07700 900123", "f-2").await;
    app.outcome("f-2", json!({"note": "-2+3"})).await;
    let (_, _, body) = app.csv(&[]).await;
    let rows = records(&body);
    let find = |call_id: &str| rows.iter().find(|r| &r[1] == call_id).unwrap().clone();
    assert_eq!(&find("f-1")[12], "'@Sam");
    assert_eq!(&find("f-1")[15], format!("'{note}"));
    assert_eq!(&find("f-2")[15], "'-2+3");
    // JSON shows what was typed.
    let (_, json) = app.contacts_as("advisor", &[]).await;
    assert_eq!(json["contacts"][1]["note"], note);
}

#[tokio::test]
async fn csv_refuses_a_page_limit_or_a_cursor() {
    let app = spawn_app().await;
    for (field, value) in [("limit", "10"), ("cursor", "abc")] {
        let (status, _, body) = app.csv(&[(field, value)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["field"], field);
    }
}

#[tokio::test]
async fn csv_of_thousands_of_rows_arrives_complete_and_in_order() {
    let app = spawn_app().await;
    app.insert_calls(4_321, "many");
    let (status, _, body) = app.csv(&[]).await;
    assert_eq!(status, StatusCode::OK);
    let rows = records(&body);
    assert_eq!(rows.len(), 4_321);
    let labels: Vec<&str> = rows.iter().map(|r| r.get(1).unwrap()).collect();
    let expected: Vec<String> = (0..4_321).map(|i| format!("many-{i}")).collect();
    assert_eq!(labels, expected);
    let ids: HashSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ids.len(), 4_321);
}

#[tokio::test]
async fn a_client_that_leaves_mid_export_stops_the_reader() {
    let (app, log) = spawn_app_logged(&[]).await;
    // Far more than the server's socket buffer (4 MiB here) holds, read
    // by a client with a small receive buffer, so the export is still
    // reading when the client goes.
    app.insert_calls(80_000, "big");
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(8 * 1024).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let request = format!(
        "GET /v1/contacts?format=csv HTTP/1.1\r\nHost: fairline\r\nAuthorization: Bearer {}\r\n\r\n",
        app.keys["advisor"]
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut start = vec![0; 4096];
    let mut read = 0;
    while read < start.len() {
        let n = stream.read(&mut start[read..]).await.unwrap();
        assert!(n > 0, "the server closed early");
        read += n;
    }
    let start = String::from_utf8_lossy(&start);
    assert!(start.starts_with("HTTP/1.1 200"), "{start}");
    assert!(start.contains("\r\nid,call_id,"), "{start}");
    drop(stream);
    let stopped = log.wait_for(
        |line| line.contains("contact export stopped: the client went away"),
        Duration::from_secs(30),
    );
    let line = stopped.unwrap_or_else(|| panic!("no stop logged: {:?}", log.lines()));
    let rows: u64 = line
        .split("rows=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(rows < 80_000, "{line}");
    // The server is none the worse.
    let (status, _) = app.contacts_as("advisor", &[("limit", "1")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn more_exports_at_once_than_may_read_together_all_arrive_complete() {
    let app = spawn_app().await;
    app.insert_calls(2_000, "shared");
    let downloads = (0..6).map(|_| app.csv(&[]));
    for (status, _, body) in futures_util::future::join_all(downloads).await {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(records(&body).len(), 2_000);
    }
}

#[tokio::test]
async fn arbitrary_lookups_are_answered_or_refused_never_a_5xx() {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};

    let app = crate::helpers::spawn_app_with(&[
        ("FAIRLINE_RATE_LIMIT_PER_KEY_PER_MINUTE", "0"),
        ("FAIRLINE_RATE_LIMIT_PER_SOURCE_PER_MINUTE", "0"),
    ])
    .await;
    let ann = app.person("Ann", "07700 900123").await;
    app.enquiry(ann, "ENQ-1", "EHCP").await;
    app.screen("07700 900123", "p-1").await;
    let mut runner = TestRunner::new(Config::default());
    let names = prop::sample::select(vec![
        "person", "phone", "email", "enquiry", "channel", "action", "advisor", "from", "to",
        "limit", "cursor", "format", "x",
    ]);
    let values = prop_oneof![
        any::<String>(),
        "[0-9 +()\\-]{0,16}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-][0-2][0-9]:[0-5][0-9]))?",
        "[A-Za-z0-9_\\-]{0,60}",
        prop::sample::select(vec![
            "1", "0", "500", "501", "phone", "email", "letter", "route", "divert", "csv", "json",
            "ENQ-1", "07700 900123", "ann@example.org", "Sam",
        ])
        .prop_map(str::to_owned),
    ];
    let pairs = prop::collection::vec((names, values), 0..6);
    for _ in 0..64 {
        let query = pairs.new_tree(&mut runner).unwrap().current();
        let resp = app
            .client
            .get(format!("{}/v1/contacts", app.base))
            .query(&query)
            .bearer_auth(&app.keys["advisor"])
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "{query:?}: {status} {body}"
        );
    }
}
