//! Starting a real fairline for a test: a temporary database, one key per
//! role made with the real CLI, the server on port 0, and HTTP helpers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Child;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod load;
mod logged;
#[path = "../common/measures.rs"]
mod measures;
#[path = "../common/server.rs"]
mod server;
mod start_up;
mod ui;
pub use load::*;
pub use logged::*;
pub use measures::measure_body;
pub use server::*;
pub use start_up::*;
pub use ui::*;

pub const ROLES: [&str; 4] = ["pbx", "advisor", "supervisor", "admin"];

pub struct TestApp {
    pub base: String,
    /// The FastAGI address, when the test turned it on.
    pub agi: Option<String>,
    pub keys: HashMap<&'static str, String>,
    pub client: reqwest::Client,
    pub db: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(envs: &[(&str, &str)]) -> TestApp {
    TestApp::start(|db| spawn_server(db, envs))
}

impl TestApp {
    /// A fresh database with a key per role, and a server started on it by
    /// `start` (which answers the child, base URL and AGI address).
    pub(crate) fn start(start: impl FnOnce(&Path) -> (Child, String, Option<String>)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fairline.db");
        let keys = ROLES
            .iter()
            .map(|role| (*role, create_key(&db, role, &format!("{role}-key"))))
            .collect();
        let (child, base, agi) = start(&db);
        TestApp {
            base,
            agi,
            keys,
            client: reqwest::Client::new(),
            db,
            child,
            _dir: dir,
        }
    }
}

impl TestApp {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        role: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.keys[role]);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, role: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, role, None).await
    }

    pub async fn post(&self, path: &str, role: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, role, Some(body)).await
    }

    pub async fn patch(&self, path: &str, role: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, role, Some(body)).await
    }

    /// Creates a person with one phone number; returns the id.
    pub async fn person(&self, name: &str, phone: &str) -> i64 {
        let (status, body) = self
            .post(
                "/v1/people",
                "supervisor",
                json!({"name": name, "phones": [phone]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Opens an enquiry for a person; returns it as the API answered.
    pub async fn enquiry(&self, person: i64, reference: &str, topic: &str) -> Value {
        let (status, enquiry) = self
            .post(
                &format!("/v1/people/{person}/enquiries"),
                "supervisor",
                json!({"reference": reference, "topic": topic}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{enquiry}");
        enquiry
    }

    /// Creates a person under a block; returns the id. A block needs an
    /// earlier measure ("resolution has been attempted"), so a frequency
    /// limit comes first.
    pub async fn blocked_person(&self, name: &str, phone: &str) -> i64 {
        let id = self.person(name, phone).await;
        self.measure(
            id,
            json!({"kind": "frequency_limit", "max_contacts": 5, "per": "week"}),
        )
        .await;
        self.measure(id, json!({"kind": "block"})).await;
        id
    }

    /// Records a measure of `kind` with sound terms plus `fields`.
    pub async fn measure(&self, person: i64, fields: Value) -> Value {
        let body = measures::measure_body(fields);
        let (status, measure) = self
            .post(&format!("/v1/people/{person}/measures"), "supervisor", body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{measure}");
        measure
    }

    /// Screens a call as the PBX; returns the JSON answer.
    pub async fn screen(&self, caller: &str, call_id: &str) -> Value {
        self.screen_with(&[("caller", caller), ("call_id", call_id), ("dialed", "0800")])
            .await
    }

    pub async fn screen_with(&self, query: &[(&str, &str)]) -> Value {
        let resp = self
            .client
            .get(format!("{}/v1/screen", self.base))
            .query(query)
            .bearer_auth(&self.keys["pbx"])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    pub async fn history(&self, person: i64) -> Vec<Value> {
        let (status, body) = self
            .get(&format!("/v1/people/{person}/contacts"), "advisor")
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["contacts"].as_array().unwrap().clone()
    }

    /// As if time had passed since a measure was recorded: sets its dates
    /// (`column`, `YYYY-MM-DD`) in the database, since the API refuses a
    /// measure whose review date has already passed.
    pub fn backdate_measure(&self, id: i64, dates: &[(&str, &str)]) {
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        for (column, date) in dates {
            assert!(
                ["notified_on", "starts_on", "review_on", "ends_on"].contains(column),
                "{column}"
            );
            let sql = format!("UPDATE measures SET {column} = ?1 WHERE id = ?2");
            assert_eq!(conn.execute(&sql, rusqlite::params![date, id]).unwrap(), 1);
        }
    }

    pub async fn audit_len(&self) -> usize {
        let (_, body) = self.get("/v1/audit?limit=1000", "admin").await;
        body["entries"].as_array().unwrap().len()
    }

    /// Every audit entry as (actor, action), newest first.
    pub async fn audit_actions(&self) -> Vec<(String, String)> {
        let (status, body) = self.get("/v1/audit?limit=1000", "admin").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["actor"].as_str().unwrap().to_owned(),
                    e["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}
