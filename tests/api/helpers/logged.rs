//! Servers whose log a test reads: every stderr line kept as it arrives,
//! listening addresses found in text or JSON logs, and the process's id and
//! exit for the signal tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{TestApp, BIN};

/// How long a server may take to say it is listening.
const START_WITHIN: Duration = Duration::from_secs(30);

/// A server's log lines, as they arrive.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Polls until a line satisfies `found`; returns it, or `None` after
    /// `within`.
    pub fn wait_for(&self, found: impl Fn(&str) -> bool, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| found(l)) {
                return Some(line);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The address logged with `message` (`listening`, `agi listening`,
    /// `metrics listening`), in either log format.
    pub fn address(&self, message: &str, within: Duration) -> Option<String> {
        let line = self.wait_for(|l| logged_address(l, message).is_some(), within)?;
        logged_address(&line, message)
    }
}

/// `addr` of a line whose message is `message`: `…: listening addr=…` in
/// text, `{"fields": {"message": "listening", "addr": …}}` in JSON.
pub fn logged_address(line: &str, message: &str) -> Option<String> {
    if let Ok(json) = serde_json::from_str::<Value>(line) {
        let fields = &json["fields"];
        return (fields["message"] == message)
            .then(|| fields["addr"].as_str().map(str::to_owned))
            .flatten();
    }
    let rest = line.split(&format!(": {message} addr=")).nth(1)?;
    Some(rest.split_whitespace().next()?.to_owned())
}

/// Like `spawn_server`, but every line the server logs is kept, and the
/// log may be JSON (`FAIRLINE_LOG_FORMAT=json`).
pub fn spawn_server_logged(
    db: &Path,
    envs: &[(&str, &str)],
) -> (Child, String, Option<String>, Log) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(db)
        .env_clear()
        .env("RUST_LOG", "info")
        .envs(envs.iter().copied())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting fairline serve");
    let log = Log::default();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.0.lock().unwrap().push(line);
        }
    });
    let Some(addr) = log.address("listening", START_WITHIN) else {
        let _ = child.kill();
        panic!(
            "server did not listen; its log:\n{}",
            log.lines().join("\n")
        );
    };
    let agi = envs
        .iter()
        .any(|(k, _)| *k == "FAIRLINE_AGI_LISTEN")
        .then(|| log.address("agi listening", START_WITHIN).unwrap());
    (child, format!("http://{addr}"), agi, log)
}

/// Like `spawn_app_with`, and hands back the server's log.
pub async fn spawn_app_logged(envs: &[(&str, &str)]) -> (TestApp, Log) {
    let mut log = None;
    let app = TestApp::start(|db| {
        let (child, base, agi, server_log) = spawn_server_logged(db, envs);
        log = Some(server_log);
        (child, base, agi)
    });
    (app, log.expect("the server was started"))
}

impl TestApp {
    /// The server's process id, for sending it signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls until the server exits; its status, or `None` after `within`.
    pub fn wait_for_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
