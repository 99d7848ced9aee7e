//! The real fairline for the Asterisk tests: a temporary database, keys made
//! with the real CLI, the HTTP API and FastAGI on port 0, and the supervisor
//! calls that set callers up. Start-up itself is shared with tests/api
//! (tests/common/server.rs).

use std::process::{Child, Command};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::server::{create_key, spawn_server};

pub struct Fairline {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `127.0.0.1:PORT` of FastAGI.
    pub agi: String,
    pub pbx_key: String,
    supervisor_key: String,
    client: reqwest::Client,
    child: Child,
    /// Set while the process is stopped with SIGSTOP.
    stopped: bool,
    _dir: tempfile::TempDir,
}

impl Fairline {
    /// Starts `fairline serve` with HTTP and FastAGI on free ports and waits
    /// for the lines that say where they listen (no sleeping).
    pub fn start() -> Fairline {
        Fairline::start_with(&[])
    }

    /// `start` with settings of the test's own in the environment; an
    /// `FAIRLINE_AGI_LISTEN` there replaces the loopback one.
    pub fn start_with(envs: &[(&str, &str)]) -> Fairline {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fairline.db");
        let pbx_key = create_key(&db, "pbx", "asterisk");
        let supervisor_key = create_key(&db, "supervisor", "sam");
        let mut all = vec![("FAIRLINE_AGI_LISTEN", "127.0.0.1:0")];
        all.retain(|(k, _)| !envs.iter().any(|(e, _)| e == k));
        all.extend_from_slice(envs);
        let (child, base, agi) = spawn_server(&db, &all);
        let agi = agi.expect("FastAGI was turned on");
        // A dual-stack listener ([::]:PORT) is reached over IPv4 loopback.
        let agi = match agi.strip_prefix("[::]:") {
            Some(port) => format!("127.0.0.1:{port}"),
            None => agi,
        };
        Fairline {
            base,
            agi,
            pbx_key,
            supervisor_key,
            client: reqwest::Client::new(),
            child,
            stopped: false,
            _dir: dir,
        }
    }

    /// Kills the server: nothing listens on its ports any more.
    pub fn kill(&mut self) {
        self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Freezes the server (SIGSTOP): connections are still accepted by the
    /// kernel, but nothing answers them. `resume` (or drop) thaws it.
    pub fn hang(&mut self) {
        signal(self.child.id(), "-STOP");
        self.stopped = true;
    }

    pub fn resume(&mut self) {
        if self.stopped {
            signal(self.child.id(), "-CONT");
            self.stopped = false;
        }
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.supervisor_key)
            .json(&body)
            .send()
            .await
            .expect("request to fairline");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Records a person with one phone number; returns the id.
    pub async fn person(&self, name: &str, phone: &str) -> i64 {
        let (status, body) = self
            .post("/v1/people", json!({"name": name, "phones": [phone]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Records a measure in force since yesterday (told in writing
    /// yesterday, review in two months) with `fields` laid over the terms.
    pub async fn measure(&self, person: i64, fields: Value) {
        let body = crate::measures::measure_body(fields);
        let (status, measure) = self
            .post(&format!("/v1/people/{person}/measures"), body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{measure}");
    }

    /// A person whose second call of the day gets `on_breach` (a frequency
    /// limit of one call a day).
    pub async fn limited_caller(&self, phone: &str, action: &str, prompt: &str) -> i64 {
        let id = self.person(&format!("caller {phone}"), phone).await;
        self.measure(
            id,
            json!({"kind": "frequency_limit", "max_contacts": 1, "per": "day",
                   "on_breach": {"action": action, "prompt": prompt}}),
        )
        .await;
        id
    }

    /// A person blocked by a block measure, agreed after an earlier measure
    /// (fairline refuses a block with no earlier measure).
    pub async fn blocked_caller(&self, phone: &str) -> i64 {
        let id = self.person(&format!("caller {phone}"), phone).await;
        self.measure(
            id,
            json!({"kind": "frequency_limit", "max_contacts": 5, "per": "week"}),
        )
        .await;
        self.measure(id, json!({"kind": "block"})).await;
        id
    }

    /// A person whose calls go to `target` (a single point of contact).
    pub async fn single_point_of_contact(&self, phone: &str, target: &str) -> i64 {
        let id = self.person(&format!("caller {phone}"), phone).await;
        self.measure(
            id,
            json!({"kind": "single_point_of_contact", "target": target}),
        )
        .await;
        id
    }

    /// A person who agreed to call only about new issues, with a closed
    /// enquiry `reference`: naming it diverts the call.
    pub async fn new_issues_only_caller(&self, phone: &str, reference: &str) -> i64 {
        let id = self.person(&format!("caller {phone}"), phone).await;
        let (status, enquiry) = self
            .post(
                &format!("/v1/people/{id}/enquiries"),
                json!({"reference": reference, "topic": "tribunal date"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{enquiry}");
        let (status, closed) = self
            .send(
                reqwest::Method::PATCH,
                &format!("/v1/enquiries/{}", enquiry["id"]),
                json!({"status": "closed"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        self.measure(id, json!({"kind": "new_issues_only"})).await;
        id
    }

    /// A block number rule for every number starting with `prefix`.
    pub async fn block_prefix(&self, prefix: &str) {
        let (status, body) = self
            .post(
                "/v1/number-rules",
                json!({"number": prefix, "match": "prefix", "action": "block",
                       "reason": "nuisance range"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// fairline's answer for the call `call_id` from `caller`, asked again
    /// as the PBX would retry it: the first answer, and no second record.
    pub async fn answer_for(&self, caller: &str, call_id: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}/v1/screen", self.base))
            .query(&[
                ("caller", caller),
                ("call_id", call_id),
                ("dialed", crate::pbx::DIALED),
            ])
            .bearer_auth(&self.pbx_key)
            .send()
            .await
            .expect("request to fairline");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// The person's contact history, newest first.
    pub async fn contacts(&self, person: i64) -> Vec<Value> {
        let resp = self
            .client
            .get(format!("{}/v1/people/{person}/contacts", self.base))
            .bearer_auth(&self.supervisor_key)
            .send()
            .await
            .expect("request to fairline");
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        body["contacts"].as_array().unwrap().clone()
    }

    /// The recorded contact for Asterisk's call id (`${UNIQUEID}`).
    pub async fn contact(&self, person: i64, call_id: &str) -> Value {
        let contacts = self.contacts(person).await;
        contacts
            .iter()
            .find(|c| c["call_id"] == call_id)
            .cloned()
            .unwrap_or_else(|| panic!("no contact with call_id {call_id}: {contacts:?}"))
    }
}

impl Drop for Fairline {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill {signal} {pid}");
}
