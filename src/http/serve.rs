//! Serving a router on a listener: the accept loop, with what
//! `axum::serve` lacks: a deadline for each request's headers (which also
//! ends a kept-alive connection idle that long) and the connection caps,
//! so half-sent or idle connections cannot pile up until the process runs
//! out of descriptors and the PBX's calls fail to connect.
//!
//! HTTP/1 only, as axum served it here: hyper-util's `auto` builder would
//! add HTTP/2 (and its `h2` dependency) for graceful shutdown alone.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service;

use crate::limits::connections::ConnectionLimits;

/// How long to wait before accepting again after the process ran out of
/// descriptors (or another error that is not one connection's).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);

/// Serves `router` on `listener` until `stopping` turns true; then stops
/// accepting, lets each connection finish the request it is on (idle ones
/// close at once), and returns when all are closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    connections: Arc<ConnectionLimits>,
    header_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_one_connections(&error) => continue,
            Err(error) => {
                tracing::error!(%error, "accepting connections failed; retrying shortly");
                tokio::select! {
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    _ = stopping.wait_for(|stop| *stop) => break,
                }
            }
        };
        // Refused: dropping the stream closes it before a byte is read.
        let Some(slot) = connections.admit(peer.ip(), "http") else {
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            // What `into_make_service_with_connect_info` did: handlers and
            // the auth extractor read the peer from here.
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().call(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // An error here is one client's (a header timeout, a reset):
            // hyper has answered what it could; nothing else to do.
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Errors that concern the one connection being accepted, not the listener.
fn is_one_connections(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
