//! `fairline backup` copies a database the server is writing to, and
//! `fairline check` finds a damaged file.

use std::time::Duration;

use crate::helpers::*;

fn integrity(db: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_calls_are_served_holds_every_call_acknowledged_before_it() {
    let app = spawn_app().await;
    let load = Load::start(&app, "backup", 4);
    load.wait_for_acknowledged(100, Duration::from_secs(60))
        .await;
    let before = load.acknowledged();
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("copy.db");
    let (db, target) = (app.db.clone(), copy.clone());
    let backup =
        tokio::task::spawn_blocking(move || cli(&db, &["backup", target.to_str().unwrap()]))
            .await
            .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    // The server kept answering throughout.
    let during = load.acknowledged().len();
    load.wait_for_acknowledged(during + 10, Duration::from_secs(30))
        .await;
    load.stop().await;

    assert_eq!(integrity(&copy), "ok");
    let recorded = recorded_call_ids(&copy);
    assert!(
        before.iter().all(|id| recorded.contains(id)),
        "the backup lacks calls acknowledged before it began"
    );
    let check = cli(&copy, &["check"]);
    assert!(check.status.success(), "{check:?}");
}

#[test]
fn a_backup_does_not_replace_a_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fairline.db");
    create_key(&db, "admin", "admin-key");
    let copy = dir.path().join("copy.db");
    std::fs::write(&copy, "keep me").unwrap();
    let refused = cli(&db, &["backup", copy.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--force"),
        "{refused:?}"
    );
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "keep me");
    let forced = cli(&db, &["backup", "--force", copy.to_str().unwrap()]);
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(integrity(&copy), "ok");
}

#[tokio::test]
async fn check_fails_on_a_damaged_copy_and_prints_the_problems() {
    let app = spawn_app().await;
    app.person("Ann", "07700 900123").await;
    // Enough calls for the file to span many pages.
    for n in 0..300 {
        app.screen("07700900123", &format!("check-{n}")).await;
    }
    let out = tempfile::tempdir().unwrap();
    let sound = out.path().join("sound.db");
    let backup = cli(&app.db, &["backup", sound.to_str().unwrap()]);
    assert!(backup.status.success(), "{backup:?}");
    let ok = cli(&sound, &["check"]);
    assert!(ok.status.success(), "{ok:?}");

    // Overwrite the middle third of the file, whole pages, with garbage.
    let mut bytes = std::fs::read(&sound).unwrap();
    let page = 4096;
    let (from, to) = (bytes.len() / 3 / page * page, bytes.len() * 2 / 3);
    assert!(to - from >= page, "the file is too small to damage");
    bytes[from..to].fill(0x5a);
    let damaged = out.path().join("damaged.db");
    std::fs::write(&damaged, bytes).unwrap();
    let check = cli(&damaged, &["check"]);
    assert!(!check.status.success(), "{check:?}");
    assert!(!check.stdout.is_empty(), "the problems are printed");
    assert!(
        String::from_utf8_lossy(&check.stderr).contains("problem"),
        "{check:?}"
    );
}
