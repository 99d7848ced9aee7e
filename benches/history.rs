//! Call-history benchmark: the real `fairline` binary answering
//! `GET /v1/contacts` for each filter's first page, and a CSV export of
//! 100,000 rows, against a database of 10,000,000 contacts.
//!
//! `cargo bench --bench history` runs the defaults; options after `--`:
//! `--contacts 10000000 --people 5000 --runs 20`, and `--keep PATH` to
//! seed a database file once and reuse it (seeding 10,000,000 contacts
//! takes a few minutes).
//!
//! The mix: 93% phone calls (a fifth from numbers nobody knows, 2%
//! withheld; 90% routed, 5% diverted, 3% announced, 2% blocked; three in
//! ten with an advisor's outcome), 4% emails, 2% letters, 1% web forms and
//! visits; a tenth of known people's contacts name one of 2,000 enquiries;
//! 20 advisors; two years of contacts, as retention keeps.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{SecondsFormat, TimeZone, Utc};
use fairline::domain::Role;
use fairline::keys::hash_key;
use fairline::store;
use rusqlite::params;

struct Options {
    contacts: u64,
    people: u64,
    runs: u64,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        contacts: value("--contacts", 10_000_000),
        people: value("--people", 5_000),
        runs: value("--runs", 20),
    }
}

const ENQUIRIES: u64 = 2_000;
const ADVISORS: u64 = 20;
const STRANGERS: u64 = 20_000;
const SPAN_MS: i64 = 730 * 24 * 3600 * 1000;

fn person_phone(p: u64) -> String {
    format!("+4477009{p:05}")
}

fn stranger_phone(s: u64) -> String {
    format!("+4477008{s:05}")
}

fn person_email(p: u64) -> String {
    format!("caller{p}@example.org")
}

/// A cheap, deterministic scatter of `n` over 0..2^32.
fn scatter(n: u64, salt: u64) -> u64 {
    let mixed =
        (n.wrapping_add(salt).wrapping_mul(2_654_435_761) ^ (n >> 7)).wrapping_mul(0x9E37_79B9);
    (mixed >> 16) & 0xFFFF_FFFF
}

/// Fills a fresh database with the mix above. The contacts' own indexes
/// are dropped while it fills and built again after (a sort each, far
/// quicker than keeping them up row by row), as migrations made them.
fn seed(db: &Path, o: &Options) -> anyhow::Result<()> {
    let mut conn = store::open_connection(db)?;
    store::migrate(&mut conn)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;")?;
    let indexes: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND tbl_name = 'contacts' AND sql IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let now = Utc::now();
    let stamp = store::timestamp(now);
    let tx = conn.transaction()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX {name}"))?;
    }
    {
        let mut person = tx.prepare(
            "INSERT INTO people (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        )?;
        let mut identity = tx.prepare(
            "INSERT INTO identities (person_id, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for p in 0..o.people {
            person.execute(params![p + 1, format!("Caller {p}"), stamp])?;
            identity.execute(params![p + 1, "phone", person_phone(p), stamp])?;
            identity.execute(params![p + 1, "email", person_email(p), stamp])?;
        }
        let mut enquiry = tx.prepare(
            "INSERT INTO enquiries (id, person_id, reference, topic, status, opened_at)
             VALUES (?1, ?2, ?3, 'EHCP', 'open', ?4)",
        )?;
        for e in 0..ENQUIRIES {
            enquiry.execute(params![e + 1, e % o.people + 1, format!("ENQ-{e}"), stamp])?;
        }
        let mut contact = tx.prepare(
            "INSERT INTO contacts (at, channel, identity, person_id, enquiry_id, call_id, action,
                                   target, reason, rules, counted, recorded_by, advisor,
                                   answered, duration_s, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'seed', ?12, ?13, ?14, ?15)",
        )?;
        let now_ms = now.timestamp_millis();
        for n in 0..o.contacts {
            let h = scatter(n, 1);
            let at = now_ms - (h as i64 * 7919 % SPAN_MS);
            let kind = scatter(n, 2) % 1000;
            let known = scatter(n, 3) % 5 != 0;
            let person = scatter(n, 4) % o.people;
            let channel = match kind {
                0..=929 => "phone",
                930..=969 => "email",
                970..=989 => "letter",
                990..=994 => "web",
                _ => "in_person",
            };
            let enquiry = (known && scatter(n, 5) % 10 == 0).then_some(person % ENQUIRIES + 1);
            let person_id = known.then_some(person + 1);
            if channel != "phone" {
                let identity = match (channel, known) {
                    ("email", true) => Some(person_email(person)),
                    ("email", false) => Some(format!("stranger{}@example.net", h % STRANGERS)),
                    (_, true) => Some(person_phone(person)),
                    (_, false) => None,
                };
                contact.execute(params![
                    at,
                    channel,
                    identity,
                    person_id,
                    enquiry,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    1,
                    None::<String>,
                    None::<bool>,
                    None::<i64>,
                    None::<String>
                ])?;
                continue;
            }
            let withheld = scatter(n, 6) % 50 == 0;
            let identity = match (withheld, known) {
                (true, _) => None,
                (false, true) => Some(person_phone(person)),
                (false, false) => Some(stranger_phone(h % STRANGERS)),
            };
            let (action, reason, target) = match scatter(n, 7) % 100 {
                0..=89 => ("route", "default", "helpline"),
                90..=94 => ("divert", "frequency_limit", "voicemail"),
                95..=97 => ("announce", "frequency_limit", "helpline"),
                _ => ("block", "block_rule", ""),
            };
            let rules = format!("[{{\"rule\":\"{reason}\",\"detail\":\"seeded\"}}]");
            let advised = action != "block" && scatter(n, 8) % 10 < 3;
            let advisor = advised.then(|| format!("Advisor {}", scatter(n, 9) % ADVISORS + 1));
            let note = (advised && scatter(n, 10) % 3 == 0)
                .then_some("Asked about the tribunal date; called back with the paperwork list");
            contact.execute(params![
                at,
                channel,
                identity,
                person_id.filter(|_| !withheld),
                enquiry,
                format!("seed-{n:010}"),
                action,
                target,
                reason,
                rules,
                matches!(action, "route" | "announce"),
                advisor,
                advised.then_some(true),
                advised.then_some(60 + (h % 900) as i64),
                note,
            ])?;
        }
    }
    let t = Instant::now();
    for (_, sql) in &indexes {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    println!("built the contacts' indexes in {:.1?}", t.elapsed());
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

/// The server's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Timing {
    ms: Vec<f64>,
    rows: usize,
}

impl Timing {
    fn pct(&mut self, p: f64) -> f64 {
        self.ms.sort_by(f64::total_cmp);
        let i = ((self.ms.len() as f64 - 1.0) * p).round() as usize;
        self.ms.get(i).copied().unwrap_or(0.0)
    }
}

fn main() -> anyhow::Result<()> {
    let o = options();
    let dir = tempfile::tempdir()?;
    let kept = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(std::path::PathBuf::from);
    let db = kept
        .clone()
        .unwrap_or_else(|| dir.path().join("history.db"));
    if db.exists() && kept.is_some() {
        println!("reusing {}", db.display());
    } else {
        let t = Instant::now();
        seed(&db, &o)?;
        println!("seeded {} contacts in {:.1?}", o.contacts, t.elapsed());
    }
    let key = fairline::keys::new_key();
    let (contacts, people, newest, csv_from) = {
        let mut conn = store::open_connection(&db)?;
        // A database seeded by an older fairline gets this one's indexes.
        store::migrate(&mut conn)?;
        let name = format!("history-bench-{}", Utc::now().timestamp_millis());
        let stamp = store::timestamp(Utc::now());
        store::keys::insert_key(&conn, &name, Role::Advisor, &hash_key(&key), &stamp)?;
        let contacts: i64 = conn.query_row("SELECT count(*) FROM contacts", [], |r| r.get(0))?;
        let people: i64 = conn.query_row("SELECT count(*) FROM people", [], |r| r.get(0))?;
        let newest: i64 = conn.query_row("SELECT max(at) FROM contacts", [], |r| r.get(0))?;
        // The moment from which the newest 100,000 contacts run.
        let csv_from: i64 = conn.query_row(
            "SELECT at FROM contacts ORDER BY at DESC LIMIT 1 OFFSET 99999",
            [],
            |r| r.get(0),
        )?;
        (contacts, people.max(1) as u64, newest, csv_from)
    };
    let size = std::fs::metadata(&db)?.len() as f64 / 1e9;
    println!("database: {contacts} contacts, {people} people, {size:.2} GB");

    let mut server = Command::new(env!("CARGO_BIN_EXE_fairline"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .env("RUST_LOG", "warn,fairline::cli=info")
        // The bench asks faster than a person: no per-key or per-source limit.
        .env("FAIRLINE_RATE_LIMIT_PER_KEY_PER_MINUTE", "0")
        .env("FAIRLINE_RATE_LIMIT_PER_SOURCE_PER_MINUTE", "0")
        .stderr(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited")?;
        if let Some(rest) = line.split("listening addr=").nth(1) {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| eprintln!("{l}")));
    let pid = server.id();

    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(async {
        let client = reqwest::Client::new();
        let base = format!("http://{addr}/v1/contacts");
        let day = |ms: i64| {
            Utc.timestamp_millis_opt(ms)
                .single()
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default()
        };
        let runs = o.runs;
        // Each filter with a value per run, so each run reads other pages.
        type Values = Box<dyn Fn(u64) -> Vec<(String, String)>>;
        let pair = |k: &str, v: String| vec![(k.to_owned(), v)];
        let filters: Vec<(&str, Values)> = vec![
            ("no filter", Box::new(|_| vec![])),
            (
                "person",
                Box::new(move |r| pair("person", (r * 97 % people + 1).to_string())),
            ),
            (
                "phone (known, national form)",
                Box::new(move |r| {
                    let e164 = person_phone(r * 97 % people);
                    pair("phone", format!("0{}", &e164[3..]))
                }),
            ),
            (
                "phone (unknown caller)",
                Box::new(move |r| pair("phone", stranger_phone(r * 389 % STRANGERS))),
            ),
            (
                "email",
                Box::new(move |r| pair("email", person_email(r * 97 % people))),
            ),
            (
                "enquiry (reference)",
                Box::new(move |r| pair("enquiry", format!("ENQ-{}", r * 13 % ENQUIRIES))),
            ),
            (
                "channel=email",
                Box::new(move |_| pair("channel", "email".into())),
            ),
            (
                "channel=in_person",
                Box::new(move |_| pair("channel", "in_person".into())),
            ),
            (
                "channel=phone",
                Box::new(move |_| pair("channel", "phone".into())),
            ),
            (
                "action=divert",
                Box::new(move |_| pair("action", "divert".into())),
            ),
            (
                "action=block",
                Box::new(move |_| pair("action", "block".into())),
            ),
            (
                "action=route",
                Box::new(move |_| pair("action", "route".into())),
            ),
            (
                "advisor",
                Box::new(move |r| pair("advisor", format!("Advisor {}", r % ADVISORS + 1))),
            ),
            (
                "from (a day, r days back)",
                Box::new(move |r| pair("from", day(newest - (r as i64 + 1) * 86_400_000))),
            ),
            (
                "to (r weeks back)",
                Box::new(move |r| pair("to", day(newest - (r as i64 + 1) * 7 * 86_400_000))),
            ),
            (
                "from+to (one day, a year back)",
                Box::new(move |r| {
                    let d = day(newest - (365 + r as i64) * 86_400_000);
                    vec![("from".into(), d.clone()), ("to".into(), d)]
                }),
            ),
            (
                "person+channel=phone",
                Box::new(move |r| {
                    vec![
                        ("person".into(), (r * 89 % people + 1).to_string()),
                        ("channel".into(), "phone".into()),
                    ]
                }),
            ),
            (
                "advisor+action=announce",
                Box::new(|r| {
                    vec![
                        ("advisor".into(), format!("Advisor {}", r % ADVISORS + 1)),
                        ("action".into(), "announce".into()),
                    ]
                }),
            ),
        ];
        println!();
        println!(
            "{:<34} {:>5} {:>9} {:>9} {:>9} {:>9} {:>11}",
            "first page of 50", "runs", "rows/run", "first ms", "p50 ms", "max ms", "page 2 p50"
        );
        for (name, values) in &filters {
            let mut first = Timing {
                ms: Vec::new(),
                rows: 0,
            };
            let mut second = Timing {
                ms: Vec::new(),
                rows: 0,
            };
            for r in 0..runs {
                let query = values(r);
                let t = Instant::now();
                let resp = client
                    .get(&base)
                    .query(&query)
                    .bearer_auth(&key)
                    .send()
                    .await?;
                anyhow::ensure!(resp.status().is_success(), "{name}: {}", resp.status());
                let body: serde_json::Value = resp.json().await?;
                first.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                first.rows += body["contacts"].as_array().map_or(0, Vec::len);
                if let Some(cursor) = body["next_cursor"].as_str() {
                    let mut query = query.clone();
                    query.push(("cursor".into(), cursor.to_owned()));
                    let t = Instant::now();
                    let resp = client
                        .get(&base)
                        .query(&query)
                        .bearer_auth(&key)
                        .send()
                        .await?;
                    anyhow::ensure!(resp.status().is_success(), "{name}: {}", resp.status());
                    let _ = resp.bytes().await?;
                    second.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            let cold = first.ms[0];
            println!(
                "{:<34} {:>5} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>11.2}",
                name,
                runs,
                first.rows as f64 / runs as f64,
                cold,
                first.pct(0.5),
                first.pct(1.0),
                second.pct(0.5),
            );
        }

        // The newest 100,000 contacts as CSV, timed to the last byte.
        let from = Utc
            .timestamp_millis_opt(csv_from)
            .single()
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        let rss_before = peak_rss_mib(pid);
        let t = Instant::now();
        let mut resp = client
            .get(&base)
            .query(&[("from", from.as_str()), ("format", "csv")])
            .bearer_auth(&key)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "csv: {}", resp.status());
        let to_first_byte = t.elapsed();
        let (mut bytes, mut lines) = (0usize, 0usize);
        while let Some(chunk) = resp.chunk().await? {
            bytes += chunk.len();
            lines += chunk.iter().filter(|&&b| b == b'\n').count();
        }
        let elapsed = t.elapsed();
        println!();
        println!(
            "CSV from {from}: {} rows (plus header, newlines in notes counted), {:.1} MB \
             in {:.2} s ({:.0} rows/s), first byte after {:.1} ms; server peak RSS \
             {rss_before:.0} MiB before, {:.0} MiB after",
            lines.saturating_sub(1),
            bytes as f64 / 1e6,
            elapsed.as_secs_f64(),
            lines as f64 / elapsed.as_secs_f64(),
            to_first_byte.as_secs_f64() * 1000.0,
            peak_rss_mib(pid),
        );
        anyhow::Ok(())
    });
    let _ = server.kill();
    let _ = server.wait();
    result
}
