//! The application: builds the state, mounts every face's router in one
//! place, and serves until a shutdown future resolves, then commits every
//! pending write.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::keys::KeyCache;
use crate::state::AppState;
use crate::store::Store;

/// A bound, ready-to-serve fairline.
pub struct Application {
    listener: TcpListener,
    agi: Option<TcpListener>,
    /// `/metrics` alone, when `metrics_listen` is set.
    metrics: Option<TcpListener>,
    state: AppState,
}

impl Application {
    /// Opens the database (migrating it) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let region = settings.region()?;
        tokio::task::spawn_blocking(crate::domain::PhoneNumber::load_metadata).await?;
        let screened = Arc::new(settings.screened_numbers()?);
        let notices = crate::notice::Notices::load(
            settings.notice_template_html.as_deref(),
            settings.notice_template_text.as_deref(),
        )?;
        let path = settings.database.clone();
        let store = tokio::task::spawn_blocking(move || Store::open(&path))
            .await?
            .with_context(|| format!("database {}", settings.database.display()))?;
        // Before binding: every connection is a descriptor.
        let descriptors = crate::limits::connections::raise_descriptor_limit();
        let listener = bind("listen", settings.listen).await?;
        let agi = match settings.agi_listen {
            Some(addr) => Some(bind("agi_listen", addr).await?),
            None => None,
        };
        let metrics = match settings.metrics_listen {
            Some(addr) => Some(bind("metrics_listen", addr).await?),
            None => None,
        };
        crate::metrics::install();
        let limits = Arc::new(crate::limits::Limits::new(&settings, descriptors));
        let state = AppState {
            policy: Arc::new(settings.policy()),
            settings: Arc::new(settings),
            region,
            screened,
            store,
            keys: Arc::new(KeyCache::default()),
            limits,
            notices: Arc::new(notices),
        };
        Ok(Application {
            listener,
            agi,
            metrics,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where FastAGI listens, when it is configured.
    pub fn agi_addr(&self) -> Option<SocketAddr> {
        self.agi.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Where `/metrics` listens, when it has a listener of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish,
    /// then waits for the writer to commit everything queued.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            agi,
            metrics,
            state,
        } = self;
        let writer = state.store.writer.clone();
        // One signal, heard by every listener.
        let (stop, stopping) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        let agi = agi.map(|listener| {
            let allowed = state.settings.agi_allowed_sources.clone().into();
            let timeout = std::time::Duration::from_millis(state.settings.agi_timeout_ms);
            let agi =
                crate::pbx::agi::serve(listener, state.clone(), allowed, timeout, stopping.clone());
            tokio::spawn(agi)
        });
        // Both HTTP listeners share the connection caps with FastAGI.
        let connections = state.limits.connections.clone();
        let header_timeout =
            std::time::Duration::from_millis(state.settings.http_header_timeout_ms);
        let serve = |listener, router| {
            let connections = connections.clone();
            let stopping = stopping.clone();
            crate::http::serve::serve(listener, router, connections, header_timeout, stopping)
        };
        let metrics = metrics.map(|listener| {
            let router = crate::ops::metrics_page::router().with_state(state.clone());
            tokio::spawn(serve(listener, router))
        });
        tokio::spawn(tidy_limits(state.limits.clone(), stopping.clone()));
        // Awaited before the writer is joined: it holds a handle to it.
        let retention = tokio::spawn(crate::retention::run_daily(state.clone(), stopping.clone()));
        serve(listener, router(state)).await;
        if let Some(agi) = agi {
            agi.await?;
        }
        if let Some(metrics) = metrics {
            metrics.await?;
        }
        retention.await?;
        tokio::task::spawn_blocking(move || writer.join()).await?;
        tracing::info!("stopped; every acknowledged write is committed");
        Ok(())
    }
}

/// Binds `addr` for the setting `name`; a failure names both, so the
/// operator knows which line of the settings to change
/// (`listen 127.0.0.1:8080: address already in use`).
async fn bind(name: &str, addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| {
        let why = match error.kind() {
            std::io::ErrorKind::AddrInUse => "address already in use".to_owned(),
            std::io::ErrorKind::AddrNotAvailable => "no such address on this machine".to_owned(),
            std::io::ErrorKind::PermissionDenied => {
                "permission denied (ports below 1024 need privileges)".to_owned()
            }
            _ => error.to_string(),
        };
        anyhow::anyhow!("{name} {addr}: {why}")
    })
}

/// Every minute, forgets rate-limit state that has fully recovered.
async fn tidy_limits(
    limits: Arc<crate::limits::Limits>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = every.tick() => limits.tidy(),
            _ = stopping.wait_for(|stop| *stop) => return,
        }
    }
}

/// Every face's routes, mounted in this one place: the API, the PBX
/// adapters and operations.
fn router(state: AppState) -> axum::Router {
    let routes = axum::Router::new()
        .merge(crate::http::router())
        .merge(crate::pbx::router())
        .merge(crate::ops::router(&state.settings));
    crate::http::finish(routes, state)
}
