//! onsite-server: the central office. Accounts and enrolled devices, the HTTP API with
//! health, metrics and OpenAPI, on an embedded SQLite data folder. Sync, reconciliation
//! and blobs arrive with the sync issue.

pub mod accounts;
pub mod backup;
pub mod blobs;
pub mod clock;
pub mod company;
pub mod db;
pub mod devices;
pub mod error;
pub mod http;
pub mod migrate;
pub mod office;
pub mod reference;
pub mod report;
pub mod restore;
#[cfg(feature = "demo")]
pub mod seed;
pub mod sla_timer;
pub mod sync;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use tokio::net::TcpListener;

/// Where the server keeps its data and where it listens.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where blobs live, and the SQLite database when `database` names none.
    pub data_dir: PathBuf,
    /// The database: `None` or `sqlite` for `server.db` in the data folder,
    /// `postgres://…` for PostgreSQL (see docs/operations.md).
    pub database: Option<String>,
    pub listen: SocketAddr,
    /// The reverse proxy in front of the server, whose client-address header sign-in's
    /// rate limiter believes (see docs/operations.md). None: use the peer address.
    pub trusted_proxy: Option<http::TrustedProxy>,
    /// How often the SLA clocks of untouched orders are evaluated
    /// ([`sla_timer::DEFAULT_PERIOD`] unless set).
    pub sla_period: std::time::Duration,
    /// Where the server reads the time: the system clock in production, a set instant
    /// in tests and benchmarks (see [`clock`]).
    pub clock: clock::Clock,
}

/// A server bound to its port, ready to serve. Binding before serving lets tests ask for
/// port 0 and learn the real address.
pub struct Server {
    listener: TcpListener,
    state: http::AppState,
    sla_period: std::time::Duration,
}

impl Server {
    /// Opens the data folder (creating and migrating the database) and binds the port.
    pub async fn bind(config: &Config) -> anyhow::Result<Self> {
        let db = db::open_url(&config.data_dir, config.database.as_deref())?;
        http::install_metrics();
        let listener = TcpListener::bind(config.listen).await?;
        let mut state = http::AppState::new(db);
        state.trusted_proxy = config.trusted_proxy.clone();
        state.clock = config.clock.clone();
        Ok(Self {
            listener,
            state,
            sla_period: config.sla_period,
        })
    }

    /// The server's database, shared with its handlers (tests install probes on it).
    pub fn db(&self) -> &db::Db {
        &self.state.db
    }

    /// The address actually bound, which differs from the configured one for port 0.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Forget idle sign-in limiter keys, so unique logins cannot pile up in memory.
        // and the push budgets of devices that have not pushed for a while.
        let limiter = std::sync::Arc::downgrade(&self.state.login_limiter);
        let budgets = std::sync::Arc::downgrade(&self.state.budgets);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                every.tick().await;
                let (Some(limiter), Some(budgets)) = (limiter.upgrade(), budgets.upgrade()) else {
                    return;
                };
                limiter.forget_idle();
                budgets.forget_full(std::time::Instant::now());
            }
        });
        // Changes committed through other replicas wake this one's long polls.
        let changes = std::sync::Arc::downgrade(&self.state.changes);
        let alive = changes.clone();
        self.state.db.listen_for_changes(
            move || {
                if let Some(changes) = changes.upgrade() {
                    changes.send_modify(|_| {});
                }
            },
            move || alive.strong_count() > 0,
        )?;
        sla_timer::spawn(
            self.state.db.clone(),
            std::sync::Arc::downgrade(&self.state.changes),
            self.sla_period,
            self.state.clock.clone(),
        );
        let app = http::router(self.state);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}

/// The default data folder, relative to where the server is started.
pub fn default_data_dir() -> &'static Path {
    Path::new("onsite-data")
}
