//! Starting fairline with settings it must refuse.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::BIN;

/// Starts `fairline serve` with only `envs` and expects it to exit with an
/// error within 20 s; returns what it wrote to standard error.
pub fn serve_refuses(db: &Path, envs: &[(&str, &str)]) -> String {
    let child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(db)
        .env_clear()
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (done, exited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let Ok(out) = exited.recv_timeout(Duration::from_secs(20)) else {
        let _ = Command::new("kill").arg(id.to_string()).status();
        panic!("fairline started with {envs:?}");
    };
    let out = out.unwrap();
    assert!(!out.status.success(), "{envs:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
