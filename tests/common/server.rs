//! Starting the real `fairline` binary for the black-box test crates
//! (tests/api and tests/asterisk include this file): the CLI, keys made with
//! it, and `serve` on port 0 with its bound addresses read from its log.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_fairline");

/// Runs the CLI against `db` with a clean environment; returns stdout.
pub fn cli(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .arg("--database")
        .arg(db)
        .env_clear()
        .env("RUST_LOG", "warn")
        .output()
        .expect("running fairline")
}

/// Creates a key and returns it (the last line the command prints).
pub fn create_key(db: &Path, role: &str, name: &str) -> String {
    let out = cli(db, &["keys", "create", "--role", role, "--name", name]);
    assert!(
        out.status.success(),
        "keys create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned()
}

/// Starts `fairline serve` and waits for the line that says where it
/// listens (and where FastAGI listens, if configured): no fixed port, no
/// sleeping.
pub fn spawn_server(db: &Path, envs: &[(&str, &str)]) -> (Child, String, Option<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(db)
        .env_clear()
        .env("RUST_LOG", "info")
        // The daily purge half a day away, so it never lands inside a test
        // (a test of the purge sets its own time).
        .env(
            "FAIRLINE_RETENTION_PURGE_AT",
            (chrono::Utc::now() + chrono::Duration::hours(12))
                .format("%H:%M")
                .to_string(),
        )
        .envs(envs.iter().copied())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting fairline serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut address_after = |marker: &str| loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(rest) = line.split(marker).nth(1) {
            break rest.trim().to_owned();
        }
    };
    let addr = address_after(" listening addr=");
    let agi = envs
        .iter()
        .any(|(k, _)| *k == "FAIRLINE_AGI_LISTEN")
        .then(|| address_after("agi listening addr="));
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"), agi)
}
