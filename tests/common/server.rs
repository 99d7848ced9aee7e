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

/// Creates a staff account with the real CLI, the password on standard
/// input (as a script would give it).
#[allow(dead_code)] // not every suite that includes this file signs in
pub fn create_user(db: &Path, role: &str, name: &str, password: &str) {
    let out = cli_with_input(
        db,
        &["users", "create", "--role", role, "--name", name],
        password,
    );
    assert!(
        out.status.success(),
        "users create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the CLI against `db` with `input` (and a newline) on standard input.
#[allow(dead_code)]
pub fn cli_with_input(db: &Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--database")
        .arg(db)
        .env_clear()
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running fairline");
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{input}").unwrap();
    drop(stdin);
    child.wait_with_output().expect("running fairline")
}
