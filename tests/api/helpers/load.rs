//! Screening load from several tasks at once, every call id distinct, for
//! tests that stop or copy a server while it is busy. Keeps the call ids
//! the server acknowledged (answered 200).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::TestApp;

/// No load runs longer than this, whatever happens to the server.
const LOAD_LIMIT: Duration = Duration::from_secs(60);
/// Nor sends more calls than this per task.
const MAX_CALLS_PER_TASK: usize = 50_000;

pub struct Load {
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Vec<String>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Load {
    /// Starts `tasks` tasks, each screening calls `{label}-{task}-{n}` as
    /// fast as the server answers, until stopped, until the server stops
    /// answering, or until the limits above.
    pub fn start(app: &TestApp, label: &str, tasks: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let tasks = (0..tasks)
            .map(|task| {
                let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
                let url = format!("{}/v1/screen", app.base);
                let key = app.keys["pbx"].clone();
                let label = format!("{label}-{task}");
                tokio::spawn(async move {
                    let client = reqwest::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .build()
                        .unwrap();
                    let started = Instant::now();
                    for n in 0..MAX_CALLS_PER_TASK {
                        if stop.load(Ordering::Relaxed) || started.elapsed() > LOAD_LIMIT {
                            break;
                        }
                        let call_id = format!("{label}-{n}");
                        // Drama-range numbers, one hundred per task.
                        let caller = format!("07700900{}{:02}", task % 10, n % 100);
                        let sent = client
                            .get(&url)
                            .query(&[("caller", &caller), ("call_id", &call_id)])
                            .query(&[("dialed", "0800")])
                            .bearer_auth(&key)
                            .send()
                            .await;
                        let Ok(resp) = sent else {
                            break; // the server has stopped answering
                        };
                        if resp.status() != StatusCode::OK {
                            continue;
                        }
                        // The body too: a 200 whose body never arrived is
                        // no acknowledgement.
                        let Ok(body) = resp.json::<Value>().await else {
                            break;
                        };
                        assert_eq!(body["call_id"], call_id.as_str());
                        acknowledged.lock().unwrap().push(call_id);
                    }
                })
            })
            .collect();
        Load {
            stop,
            acknowledged,
            tasks,
        }
    }

    pub fn acknowledged(&self) -> Vec<String> {
        self.acknowledged.lock().unwrap().clone()
    }

    /// Polls until at least `count` calls are acknowledged.
    pub async fn wait_for_acknowledged(&self, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.acknowledged.lock().unwrap().len() < count {
            assert!(
                Instant::now() < deadline,
                "fewer than {count} calls acknowledged in {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the tasks; returns every call id acknowledged.
    pub async fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.finish().await
    }

    /// Waits for the tasks to end by themselves (the server stopped
    /// answering); returns every call id acknowledged.
    pub async fn finish(self) -> Vec<String> {
        for task in self.tasks {
            task.await.expect("a load task panicked");
        }
        Arc::try_unwrap(self.acknowledged)
            .unwrap()
            .into_inner()
            .unwrap()
    }
}

/// Every call id in `db`'s contacts, read straight from the file.
pub fn recorded_call_ids(db: &std::path::Path) -> std::collections::HashSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT call_id FROM contacts WHERE call_id IS NOT NULL")
        .unwrap();
    let ids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    ids
}

/// Asserts every acknowledged call id is recorded in `db`.
pub fn assert_all_recorded(db: &std::path::Path, acknowledged: &[String]) {
    let recorded = recorded_call_ids(db);
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !recorded.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged calls are not in the database, e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.iter().take(5).collect::<Vec<_>>()
    );
}
