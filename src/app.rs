//! The application: shared state, the router, and serving until a
//! shutdown future resolves, then committing every pending write.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

use crate::auth::KeyCache;
use crate::config::Settings;
use crate::decision::Policy;
use crate::domain::Region;
use crate::store::Store;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub region: Region,
    pub policy: Arc<Policy>,
    pub store: Store,
    pub keys: Arc<KeyCache>,
}

impl AppState {
    /// The one place the service reads the clock; the decision is handed it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A bound, ready-to-serve fairline.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Opens the database (migrating it) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let region = settings.region()?;
        let path = settings.database.clone();
        let store = tokio::task::spawn_blocking(move || Store::open(&path)).await??;
        let listener = TcpListener::bind(settings.listen).await?;
        let state = AppState {
            policy: Arc::new(settings.policy()),
            settings: Arc::new(settings),
            region,
            store,
            keys: Arc::new(KeyCache::default()),
        };
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish,
    /// then waits for the writer to commit everything queued.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application { listener, state } = self;
        let writer = state.store.writer.clone();
        let router = crate::http::router(state);
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        tokio::task::spawn_blocking(move || writer.join()).await?;
        tracing::info!("stopped; every acknowledged write is committed");
        Ok(())
    }
}
