//! Hostile connections: half-sent and idle connections are closed after
//! the header timeout, one source cannot hold more than its share, and a
//! call from elsewhere is answered meanwhile.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// The whole of 127.0.0.0/8 is loopback here: a second client address.
const ANOTHER_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn server_addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").parse().unwrap()
}

/// Raises this process's soft open-file limit to the hard one, as the
/// server does, and checks `needed` descriptors fit.
fn allow_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    assert!(
        limit.rlim_cur >= needed,
        "this test needs {needed} open files; the limit is {}",
        limit.rlim_cur
    );
}

/// `count` connections from 127.0.0.1 that each send half a request line.
async fn half_open(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    half_open_from(addr, IpAddr::V4(Ipv4Addr::LOCALHOST), count).await
}

/// `count` connections from `from` that each send half a request line.
async fn half_open_from(addr: SocketAddr, from: IpAddr, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        stream.write_all(b"GET /v1/scr").await.unwrap();
        streams.push(stream);
    }
    streams
}

/// Whether the server has closed `stream`, without waiting.
fn is_closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.try_read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false, // an answer: still open
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(_) => true, // reset
    }
}

/// Waits until the server closes `stream`; when, or `None` after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Instant> {
    let mut buffer = [0u8; 512];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(Instant::now()),
            Ok(Ok(_)) => continue, // a response (e.g. 408): keep reading
        }
    }
}

/// Screens one call from 127.0.0.2; the status and how long it took.
async fn screen_from_elsewhere(app: &TestApp, call_id: &str) -> (StatusCode, Duration) {
    let client = reqwest::Client::builder()
        .local_address(ANOTHER_ADDRESS)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let resp = client
        .get(format!("{}/v1/screen", app.base))
        .query(&[("caller", "07700 900123"), ("call_id", call_id)])
        .bearer_auth(&app.keys["pbx"])
        .send()
        .await
        .expect("the call from another address is answered");
    (resp.status(), started.elapsed())
}

const HALF_OPEN: usize = 2000;
const HEADER_TIMEOUT: Duration = Duration::from_secs(8);

#[tokio::test]
async fn half_open_connections_are_closed_after_the_header_timeout_and_calls_still_answer() {
    allow_open_files(HALF_OPEN as u64 + 256);
    let timeout_ms = HEADER_TIMEOUT.as_millis().to_string();
    let app = spawn_app_with(&[
        ("FAIRLINE_HTTP_HEADER_TIMEOUT_MS", &timeout_ms),
        // All of them held, so it is the timeout that closes them.
        ("FAIRLINE_MAX_CONNECTIONS_PER_SOURCE", "5000"),
    ])
    .await;
    // A first call fills the key cache and the caller cache (slow in a
    // debug build): made before the flood, so the one timed below is like
    // any other call.
    let (status, _) = screen_from_elsewhere(&app, "half-open.0").await;
    assert_eq!(status, StatusCode::OK);
    let opened = Instant::now();
    let mut streams = half_open(server_addr(&app), HALF_OPEN).await;
    let opening = opened.elapsed();
    assert!(
        opening < HEADER_TIMEOUT / 2,
        "opening took {opening:?}, too long to tell the timeout from it"
    );

    let (status, took) = screen_from_elsewhere(&app, "half-open.1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(took < Duration::from_secs(2), "screening took {took:?}");
    let closed_early = streams.iter().filter(|s| is_closed(s)).count();
    assert!(
        opened.elapsed() >= HEADER_TIMEOUT || closed_early == 0,
        "{closed_early} closed before the header timeout"
    );

    for (n, stream) in streams.iter_mut().enumerate() {
        let closed = closed_within(stream, HEADER_TIMEOUT + Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("half-open connection {n} is still open"));
        if n == 0 {
            let after = closed - opened;
            assert!(
                after >= HEADER_TIMEOUT - Duration::from_millis(500),
                "closed after {after:?}, before the header timeout"
            );
        }
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(&[("FAIRLINE_HTTP_HEADER_TIMEOUT_MS", "1000")]).await;
    let mut stream = TcpStream::connect(server_addr(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: fairline\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 512];
    let n = stream.read(&mut buffer).await.unwrap();
    let answer = String::from_utf8_lossy(&buffer[..n]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("connection: close"));
    let idle_from = Instant::now();
    let closed = closed_within(&mut stream, Duration::from_secs(10))
        .await
        .expect("the idle connection is closed");
    assert!(closed - idle_from >= Duration::from_millis(500));
}

/// A PBX is one address carrying every caller: during a disk stall it may
/// hold many calls open at once, and none of them may be refused.
#[tokio::test]
async fn a_pbx_source_is_held_to_the_total_cap_only() {
    let app = spawn_app_with(&[
        ("FAIRLINE_MAX_CONNECTIONS_PER_SOURCE", "5"),
        ("FAIRLINE_PBX_SOURCES", "[\"127.0.0.2/32\"]"),
    ])
    .await;
    let addr = server_addr(&app);
    let held = half_open_from(addr, ANOTHER_ADDRESS, 20).await;
    let (status, _) = screen_from_elsewhere(&app, "stall.1").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the PBX's 21st connection is served"
    );
    assert!(
        held.iter().all(|s| !is_closed(s)),
        "none of the PBX's connections was refused"
    );
    // Everyone else is still held to the per-source cap.
    let _local = half_open(addr, 5).await;
    let mut over = half_open(addr, 1).await;
    closed_within(&mut over[0], Duration::from_secs(5))
        .await
        .expect("a sixth connection from 127.0.0.1 is refused");
}

#[tokio::test]
async fn a_source_over_its_connection_cap_is_refused_and_logged_once_a_minute() {
    let (app, log) = spawn_app_logged(&[("FAIRLINE_MAX_CONNECTIONS_PER_SOURCE", "20")]).await;
    let addr = server_addr(&app);
    let held = half_open(addr, 20).await;
    let mut over = half_open(addr, 10).await;
    for (n, stream) in over.iter_mut().enumerate() {
        closed_within(stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("connection {n} over the cap is still open"));
    }
    assert!(
        held.iter().all(|s| !is_closed(s)),
        "the first 20 are still held"
    );

    let (status, _) = screen_from_elsewhere(&app, "capped.1").await;
    assert_eq!(status, StatusCode::OK, "another source is served");
    // A marker the log shows after the refusals: a refused key.
    let elsewhere = reqwest::Client::builder()
        .local_address(ANOTHER_ADDRESS)
        .build()
        .unwrap();
    let resp = elsewhere
        .get(format!("{}/v1/screen?caller=1&call_id=m.1", app.base))
        .bearer_auth("fl_marker")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    log.wait_for(
        |line| line.contains("refused a key") && line.contains("127.0.0.2"),
        Duration::from_secs(10),
    )
    .expect("the marker is logged");
    let refused: Vec<String> = log
        .lines()
        .into_iter()
        .filter(|line| line.contains("connection refused"))
        .collect();
    assert_eq!(refused.len(), 1, "ten refusals, one line: {refused:#?}");
    assert!(refused[0].contains("127.0.0.1") && refused[0].contains("per_source"));

    let page = elsewhere
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = page
        .lines()
        .find(|l| l.starts_with(r#"fairline_connections_refused_total{limit="per_source"}"#))
        .unwrap_or_else(|| panic!("no refusal counted: {page}"));
    let counted: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(counted >= 10.0, "{line}");
    drop(held);
}
