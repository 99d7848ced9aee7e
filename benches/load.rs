//! Load benchmark: the real `fairline` binary serving `/v1/screen` for
//! 10,000 distinct callers against a database of 1,000,000 contacts,
//! measured next to `/healthz` (the framework floor) in the same run.
//!
//! `cargo bench --bench load` runs the defaults; pass options after `--`:
//! `--contacts 10000000 --callers 10000 --seconds 10 --concurrency 32 --rate 1000`,
//! and `--keep PATH` to seed a database file once and reuse it.
//!
//! Phases: (1) floor, closed loop; (2) screening, closed loop; (3)
//! screening paced at `--rate` calls/s, latency measured from each call's
//! scheduled start so a stall is not hidden (no coordinated omission).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use fairline::domain::Role;
use fairline::keys::hash_key;
use fairline::store;
use rusqlite::params;

struct Options {
    contacts: u64,
    callers: u64,
    seconds: u64,
    concurrency: usize,
    rate: u64,
}

fn options() -> Options {
    let mut o = Options {
        contacts: 1_000_000,
        callers: 10_000,
        seconds: 10,
        concurrency: 32,
        rate: 1000,
    };
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
    };
    o.contacts = value("--contacts").unwrap_or(o.contacts);
    o.callers = value("--callers").unwrap_or(o.callers);
    o.seconds = value("--seconds").unwrap_or(o.seconds);
    o.concurrency = value("--concurrency")
        .map(|v: u64| v as usize)
        .unwrap_or(o.concurrency);
    o.rate = value("--rate").unwrap_or(o.rate);
    o
}

fn caller(i: u64) -> String {
    format!("+4477009{i:05}")
}

/// Fills a fresh database: callers with identities, a tenth with measures,
/// a spread of contacts over the last 90 days, some number rules, a key.
fn seed(db: &Path, o: &Options) -> anyhow::Result<String> {
    let mut conn = store::open_connection(db)?;
    store::migrate(&mut conn)?;
    conn.execute_batch("PRAGMA synchronous = OFF;")?;
    let now = Utc::now();
    let stamp = store::timestamp(now);
    let tx = conn.transaction()?;
    {
        let mut person = tx.prepare(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        )?;
        let mut identity = tx.prepare("INSERT INTO identities (person_id, kind, value, created_at) VALUES (?1, 'phone', ?2, ?3)")?;
        let mut measure = tx.prepare(
            "INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on, review_on, set_by, created_at, updated_at)
             VALUES (?1, 'frequency_limit', '{\"max_contacts\":1000,\"per\":\"month\",\"channels\":\"all\"}', 'bench',
                     ?2, ?2, ?3, 'bench', ?4, ?4)",
        )?;
        let start = (now - chrono::Duration::days(10)).date_naive().to_string();
        let review = (now + chrono::Duration::days(90)).date_naive().to_string();
        for i in 0..o.callers {
            person.execute(params![i + 1, format!("Caller {i}"), stamp])?;
            identity.execute(params![i + 1, caller(i), stamp])?;
            if i % 10 == 0 {
                measure.execute(params![i + 1, start, review, stamp])?;
            }
        }
        let mut contact = tx.prepare(
            "INSERT INTO contacts (at, channel, identity, person_id, call_id, action, target, reason, rules, counted, recorded_by)
             VALUES (?1, 'phone', ?2, ?3, ?4, 'route', 'helpline', 'default', '[]', 1, 'seed')",
        )?;
        let span_ms = 90 * 24 * 3600 * 1000_i64;
        let now_ms = now.timestamp_millis();
        for n in 0..o.contacts {
            let who = n % o.callers;
            // A cheap, deterministic scatter over the last 90 days.
            let at = now_ms - ((n.wrapping_mul(2_654_435_761) % span_ms as u64) as i64);
            contact.execute(params![at, caller(who), who + 1, format!("seed-{n}")])?;
        }
        let mut rule = tx.prepare(
            "INSERT INTO number_rules (number, match_kind, action, reason, created_by, created_at)
             VALUES (?1, 'prefix', 'block', 'nuisance range', 'bench', ?2)",
        )?;
        for r in 0..100 {
            rule.execute(params![format!("+4487{r:03}"), stamp])?;
        }
    }
    let key = fairline::keys::new_key();
    store::keys::insert_key(&tx, "bench", Role::Pbx, &hash_key(&key), &stamp)?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(key)
}

#[derive(Default)]
struct Run {
    latencies_us: Vec<u64>,
    /// Paced phase only: from the moment the request was sent, leaving out
    /// the generator's own timer lateness.
    service_us: Vec<u64>,
    elapsed: Duration,
    errors: u64,
}

impl Run {
    fn rps(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&mut self, p: f64) -> f64 {
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us.get(i).copied().unwrap_or(0) as f64 / 1000.0
    }
}

type UrlFor = Arc<dyn Fn(u64) -> String + Send + Sync>;

/// `concurrency` workers sending requests back to back for `seconds`.
async fn closed_loop(client: &reqwest::Client, key: &str, url_for: UrlFor, o: &Options) -> Run {
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (client, key, url_for, next) = (
            client.clone(),
            key.to_owned(),
            url_for.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut run = Run::default();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                match client.get(url_for(n)).bearer_auth(&key).send().await {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        run.latencies_us.push(t.elapsed().as_micros() as u64);
                    }
                    _ => run.errors += 1,
                }
            }
            run
        }));
    }
    let mut total = Run::default();
    for w in workers {
        let run = w.await.unwrap();
        total.latencies_us.extend(run.latencies_us);
        total.errors += run.errors;
    }
    total.elapsed = started.elapsed();
    total
}

/// Requests started at a fixed rate, each timed from its scheduled start.
async fn paced(client: &reqwest::Client, key: &str, url_for: UrlFor, o: &Options) -> Run {
    let interval = Duration::from_secs_f64(1.0 / o.rate as f64);
    let total_requests = o.rate * o.seconds;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total_requests as usize);
    for n in 0..total_requests {
        let scheduled = started + interval * n as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let (client, key, url) = (client.clone(), key.to_owned(), url_for(n));
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = match client.get(url).bearer_auth(&key).send().await {
                Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                Err(_) => false,
            };
            (
                ok,
                scheduled.elapsed().as_micros() as u64,
                sent.elapsed().as_micros() as u64,
            )
        }));
    }
    let mut run = Run::default();
    let mut seconds = vec![Vec::new(); o.seconds as usize];
    for (n, t) in tasks.into_iter().enumerate() {
        let (ok, us, service_us) = t.await.unwrap();
        if ok {
            run.latencies_us.push(us);
            run.service_us.push(service_us);
            seconds[n / o.rate as usize].push(us);
        } else {
            run.errors += 1;
        }
    }
    run.elapsed = started.elapsed();
    print_timeline(&mut seconds);
    run
}

/// The server's commit-duration histogram: (upper bound, commits so far).
async fn commit_buckets(client: &reqwest::Client, base: &str) -> Vec<(String, u64)> {
    let Ok(page) = client.get(format!("{base}/metrics")).send().await else {
        return Vec::new();
    };
    let page = page.text().await.unwrap_or_default();
    page.lines()
        .filter_map(|line| line.strip_prefix("fairline_commit_duration_seconds_bucket{le=\""))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            Some((le.to_owned(), count.trim().parse().ok()?))
        })
        .collect()
}

/// One line per second of the paced phase, so a stall shows where it
/// happened (and can be matched with the server's log) instead of only
/// lifting the overall p99.
fn print_timeline(seconds: &mut [Vec<u64>]) {
    eprintln!("paced phase, second by second (ms): p50 p99 max, calls over 5 ms");
    for (i, second) in seconds.iter_mut().enumerate() {
        second.sort_unstable();
        let at = |p: f64| {
            let i = ((second.len() as f64 - 1.0) * p).round() as usize;
            second.get(i).copied().unwrap_or(0) as f64 / 1000.0
        };
        let slow = second.iter().filter(|&&us| us > 5_000).count();
        eprintln!(
            "  {i:>3}s {:>7.2} {:>7.2} {:>7.2} {slow:>5}",
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}

fn main() -> anyhow::Result<()> {
    let o = options();
    let dir = tempfile::tempdir()?;
    // `--keep PATH`: seed PATH once and reuse it in later runs (seeding
    // 10,000,000 contacts takes minutes). Each run adds its own calls.
    let kept = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(std::path::PathBuf::from);
    let db = kept.clone().unwrap_or_else(|| dir.path().join("load.db"));
    let t = Instant::now();
    let key = if db.exists() && kept.is_some() {
        let key = fairline::keys::new_key();
        let conn = store::open_connection(&db)?;
        let name = format!("bench-{}", Utc::now().timestamp_millis());
        let stamp = store::timestamp(Utc::now());
        store::keys::insert_key(&conn, &name, Role::Pbx, &hash_key(&key), &stamp)?;
        let contacts: i64 = conn.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))?;
        println!("reusing {} ({contacts} contacts)", db.display());
        key
    } else {
        let key = seed(&db, &o)?;
        println!(
            "seeded {} contacts for {} callers in {:.1?}",
            o.contacts,
            o.callers,
            t.elapsed()
        );
        key
    };

    let mut server = Command::new(env!("CARGO_BIN_EXE_fairline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        // The bench is the PBX: as in production, no per-source cap.
        .env("FAIRLINE_PBX_SOURCES", "[\"127.0.0.1\"]")
        .env(
            "RUST_LOG",
            std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into())
                + ",fairline::cli=info",
        )
        .stderr(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited")?;
        if let Some(rest) = line.split("listening addr=").nth(1) {
            break rest.trim().to_owned();
        }
    };
    // Echo what the server logs after start-up (warnings, or whatever
    // BENCH_SERVER_LOG asks for), stamped with the bench's clock.
    let bench_start = Instant::now();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("[{:>8.3}s] {line}", bench_start.elapsed().as_secs_f64());
        }
    });

    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        let base = format!("http://{addr}");
        let floor_url: UrlFor = Arc::new({
            let base = base.clone();
            move |_| format!("{base}/healthz")
        });
        let callers = o.callers;
        let run_id = Utc::now().timestamp_millis();
        let screen_url = |phase: &'static str| -> UrlFor {
            let base = base.clone();
            Arc::new(move |n| {
                let who = n.wrapping_mul(7919) % callers;
                format!(
                    "{base}/v1/screen?caller={}&call_id={phase}-{run_id}-{n}&dialed=100",
                    caller(who).replace('+', "%2B")
                )
            })
        };
        // Warm the page cache and connection pool so neither phase pays for it.
        let warm = Options { seconds: 2, ..o };
        closed_loop(&client, &key, screen_url("warm"), &warm).await;

        let phase = |name: &str| {
            eprintln!(
                "[{:>8.3}s] phase: {name}",
                bench_start.elapsed().as_secs_f64()
            );
        };
        phase("floor");
        let mut floor = closed_loop(&client, &key, floor_url, &o).await;
        phase("screen, closed loop");
        let mut screen = closed_loop(&client, &key, screen_url("load"), &o).await;
        phase("screen, paced");
        let before = commit_buckets(&client, &base).await;
        let mut steady = paced(&client, &key, screen_url("paced"), &o).await;
        let after = commit_buckets(&client, &base).await;
        phase("done");
        // Whether a slow call waited on a slow commit (the disk) or on
        // something else.
        let slow: Vec<String> = after
            .iter()
            .zip(&before)
            .map(|((le, n), (_, m))| format!("<= {le} s: {}", n - m))
            .collect();
        eprintln!(
            "paced phase, commits by duration (cumulative): {}",
            slow.join(", ")
        );
        println!();
        println!(
            "{:<34} {:>10} {:>9} {:>9} {:>7}",
            "phase", "req/s", "p50 ms", "p99 ms", "errors"
        );
        for (name, run) in [
            ("floor: GET /healthz", &mut floor),
            ("screen: GET /v1/screen", &mut screen),
        ] {
            println!(
                "{:<34} {:>10.0} {:>9.3} {:>9.3} {:>7}",
                name,
                run.rps(),
                run.pct(0.50),
                run.pct(0.99),
                run.errors
            );
        }
        let label = format!("screen paced at {}/s", o.rate);
        println!(
            "{:<34} {:>10.0} {:>9.3} {:>9.3} {:>7}",
            label,
            steady.rps(),
            steady.pct(0.50),
            steady.pct(0.99),
            steady.errors
        );
        std::mem::swap(&mut steady.latencies_us, &mut steady.service_us);
        let label = "  the same, timed from send";
        println!(
            "{:<34} {:>10} {:>9.3} {:>9.3}",
            label,
            "",
            steady.pct(0.50),
            steady.pct(0.99)
        );
        println!();
        println!(
            "screening / floor throughput ratio: {:.2}",
            screen.rps() / floor.rps()
        );
        println!(
            "database: {} contacts seeded, {} callers, concurrency {}, {} s per phase",
            o.contacts, o.callers, o.concurrency, o.seconds
        );
        anyhow::Ok(())
    });
    let _ = server.kill();
    let _ = server.wait();
    result
}
