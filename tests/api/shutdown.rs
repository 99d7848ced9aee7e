//! Stopping the server under load. SIGTERM: it stops accepting, finishes
//! what is in flight, commits, and exits 0. SIGKILL: it gets no say, yet no
//! acknowledged call is lost, since a call is answered only once committed.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use crate::helpers::*;

/// Concurrent screening tasks, as from a busy PBX.
const TASKS: usize = 8;
/// Calls acknowledged before the signal, so it lands mid-load.
const BEFORE_SIGNAL: usize = 200;

fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill {signal} {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_exits_zero_and_keeps_every_acknowledged_call() {
    let mut app = spawn_app().await;
    let load = Load::start(&app, "term", TASKS);
    load.wait_for_acknowledged(BEFORE_SIGNAL, Duration::from_secs(60))
        .await;
    send_signal(app.pid(), "-TERM");
    let status = tokio::task::block_in_place(|| app.wait_for_exit(Duration::from_secs(15)))
        .expect("the server did not exit within 15 s of SIGTERM");
    assert!(status.success(), "exit status {status:?}");
    let acknowledged = load.finish().await;
    assert!(acknowledged.len() >= BEFORE_SIGNAL);
    assert_all_recorded(&app.db, &acknowledged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_load_loses_no_acknowledged_call() {
    let mut app = spawn_app().await;
    let load = Load::start(&app, "kill", TASKS);
    load.wait_for_acknowledged(BEFORE_SIGNAL, Duration::from_secs(60))
        .await;
    send_signal(app.pid(), "-KILL");
    let status = tokio::task::block_in_place(|| app.wait_for_exit(Duration::from_secs(15)))
        .expect("the server did not die within 15 s of SIGKILL");
    assert_eq!(status.signal(), Some(9), "exit status {status:?}");
    let acknowledged = load.finish().await;
    assert!(acknowledged.len() >= BEFORE_SIGNAL);
    // Opening the file replays the write-ahead log, as the next start would.
    assert_all_recorded(&app.db, &acknowledged);
}
