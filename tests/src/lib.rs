//! Helpers for the cross-crate scenarios in `tests/`: a real `onsite-server` on loopback
//! with a shutdown handle, and an HTTP client for it.

use std::net::SocketAddr;

use onsite_server::{Config, Server};

/// A server running on `127.0.0.1:0` in this process, with its own data folder. Dropping
/// it without `stop` leaves the task to die with the test runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data: tempfile::TempDir,
    /// The server's own database handle, for probes (`Db::set_prepared_probe`).
    pub db: onsite_server::db::Db,
    /// The server's clock: the system clock unless started with
    /// [`TestServer::start_with_clock`], when moving this clone moves the server's time.
    pub clock: onsite_server::clock::Clock,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// With [`REPLICAS_ENV`]: the other replicas, and the balancer `addr` then names.
    fleet: Option<(Vec<Replica>, balancer::Balancer)>,
}

/// The variable that puts every test server of a PostgreSQL run behind a load balancer
/// with this many replicas (`scripts/test.sh` runs the convergence, cut-connection,
/// reconciliation and device-sync scenarios so, with 2). Requests then reach a replica
/// at random.
pub const REPLICAS_ENV: &str = "ONSITE_TEST_REPLICAS";

fn replicas_wanted() -> anyhow::Result<usize> {
    match std::env::var(REPLICAS_ENV) {
        Err(_) => Ok(1),
        Ok(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("{REPLICAS_ENV}={n:?} is not a number")),
    }
}

/// Which database a test server runs on.
enum Engine {
    /// PostgreSQL when the run names one (`pg::ENV`), else SQLite.
    FromEnv,
    Sqlite,
}

impl TestServer {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(None).await
    }

    /// A server that believes `trusted_proxy`'s client-address header at sign-in.
    pub async fn start_with(
        trusted_proxy: Option<onsite_server::http::TrustedProxy>,
    ) -> anyhow::Result<Self> {
        Self::start_configured(trusted_proxy, onsite_server::sla_timer::DEFAULT_PERIOD).await
    }

    /// A server whose SLA timer ticks every `sla_period`.
    pub async fn start_with_sla_timer(sla_period: std::time::Duration) -> anyhow::Result<Self> {
        Self::start_configured(None, sla_period).await
    }

    /// A server that takes its time from `clock` (a set clock: the benchmarks pin it to
    /// the day their orders are built on), its SLA timer ticking every `sla_period`.
    pub async fn start_with_clock(
        clock: onsite_server::clock::Clock,
        sla_period: std::time::Duration,
    ) -> anyhow::Result<Self> {
        Self::start_in(
            tempfile::tempdir()?,
            "127.0.0.1:0".parse()?,
            None,
            sla_period,
            clock,
            Engine::FromEnv,
        )
        .await
    }

    async fn start_configured(
        trusted_proxy: Option<onsite_server::http::TrustedProxy>,
        sla_period: std::time::Duration,
    ) -> anyhow::Result<Self> {
        Self::start_in(
            tempfile::tempdir()?,
            "127.0.0.1:0".parse()?,
            trusted_proxy,
            sla_period,
            onsite_server::clock::Clock::System,
            Engine::FromEnv,
        )
        .await
    }

    /// Starts a server again on the data folder and address of one that was stopped
    /// with [`TestServer::stop_keeping_data`], as after a restart or a restore.
    pub async fn start_on(data: tempfile::TempDir, addr: SocketAddr) -> anyhow::Result<Self> {
        Self::start_in(
            data,
            addr,
            None,
            onsite_server::sla_timer::DEFAULT_PERIOD,
            onsite_server::clock::Clock::System,
            Engine::FromEnv,
        )
        .await
    }

    /// A server on SQLite in its data folder whatever the run's engine: the starting
    /// point of a migration to PostgreSQL.
    pub async fn start_sqlite() -> anyhow::Result<Self> {
        Self::start_in(
            tempfile::tempdir()?,
            "127.0.0.1:0".parse()?,
            None,
            onsite_server::sla_timer::DEFAULT_PERIOD,
            onsite_server::clock::Clock::System,
            Engine::Sqlite,
        )
        .await
    }

    async fn start_in(
        data: tempfile::TempDir,
        listen: SocketAddr,
        trusted_proxy: Option<onsite_server::http::TrustedProxy>,
        sla_period: std::time::Duration,
        clock: onsite_server::clock::Clock,
        engine: Engine,
    ) -> anyhow::Result<Self> {
        if let Engine::Sqlite = engine {
            pg::keep_on_sqlite(data.path())?;
        }
        let database = pg::database_for(data.path())?;
        let replicas = replicas_wanted()?;
        anyhow::ensure!(
            replicas <= 1 || database.is_some(),
            "{REPLICAS_ENV}={replicas}: replicas share a PostgreSQL database: set {}",
            pg::ENV
        );
        let balanced = replicas > 1 && matches!(engine, Engine::FromEnv);
        let server = Server::bind(&Config {
            data_dir: data.path().to_path_buf(),
            database,
            // Behind a balancer, the balancer takes the address the test asked for.
            listen: if balanced {
                "127.0.0.1:0".parse()?
            } else {
                listen
            },
            trusted_proxy,
            sla_period,
            clock: clock.clone(),
        })
        .await?;
        let addr = server.local_addr()?;
        let db = server.db().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        let mut this = Self {
            addr,
            data,
            db,
            clock,
            stop,
            task,
            fleet: None,
        };
        if balanced {
            let mut others = Vec::new();
            for _ in 1..replicas {
                others.push(this.replica().await?);
            }
            let mut upstreams = vec![addr];
            upstreams.extend(others.iter().map(|r| r.addr));
            let seed = crate::fleet::seed();
            let balancer = balancer::Balancer::start(listen, upstreams, seed).await?;
            eprintln!(
                "{replicas} replicas behind {} (balancer seed {seed})",
                balancer.addr
            );
            this.addr = balancer.addr;
            this.fleet = Some((others, balancer));
        }
        Ok(this)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Adds a user straight into the server's database, as `onsite-server user add` does.
    pub fn add_user(
        &self,
        login: &str,
        name: &str,
        role: onsite_core::role::Role,
        password: &str,
    ) -> anyhow::Result<onsite_server::accounts::Account> {
        let db = pg::open(self.data.path())?;
        let account = onsite_server::accounts::add(&db.conn(), login, name, role, password)?;
        Ok(account)
    }

    /// Stops the server gracefully and reports how its task ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop_keeping_data().await.map(|_| ())
    }

    /// Stops the server and hands back its data folder and address, for
    /// [`TestServer::start_on`].
    pub async fn stop_keeping_data(self) -> anyhow::Result<(tempfile::TempDir, SocketAddr)> {
        if let Some((replicas, balancer)) = self.fleet {
            balancer.stop().await?;
            for replica in replicas {
                replica.stop().await?;
            }
        }
        let _ = self.stop.send(());
        self.task.await??;
        drop(self.db);
        Ok((self.data, self.addr))
    }

    /// A second server process's worth on this one's database and data folder, on a
    /// port of its own: a replica behind the same load balancer. Only PostgreSQL has
    /// replicas, so this refuses when the run gives none.
    pub async fn replica(&self) -> anyhow::Result<Replica> {
        let database = pg::database_for(self.data.path())?.ok_or_else(|| {
            anyhow::anyhow!("replicas share a PostgreSQL database: set {}", pg::ENV)
        })?;
        let server = Server::bind(&Config {
            data_dir: self.data.path().to_path_buf(),
            database: Some(database),
            listen: "127.0.0.1:0".parse()?,
            trusted_proxy: None,
            sla_period: onsite_server::sla_timer::DEFAULT_PERIOD,
            clock: self.clock.clone(),
        })
        .await?;
        let addr = server.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        Ok(Replica { addr, stop, task })
    }
}

/// A replica of a [`TestServer`] (see [`TestServer::replica`]).
pub struct Replica {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Replica {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        Ok(self.task.await??)
    }
}

/// A bare client of the sync protocol for scenarios: Automerge documents in memory, a
/// cursor, and the pending changes since the last acknowledged heads. It speaks only what
/// `docs/sync-protocol.md` specifies, which makes it a check of the spec as well.
pub mod protocol_client {
    use std::collections::BTreeMap;

    use anyhow::Context as _;
    use automerge::{AutoCommit, ChangeHash};
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;
    use onsite_server::sync::protocol::*;
    use serde_json::json;

    pub struct Doc {
        pub kind: DocKind,
        pub doc: AutoCommit,
        /// Heads the server is known to have.
        pub synced: Vec<ChangeHash>,
    }

    pub struct Client {
        pub base: String,
        pub token: String,
        pub device_id: String,
        pub cursor: Option<u64>,
        pub docs: BTreeMap<String, Doc>,
        pub removed: Vec<Removed>,
        pub last_results: Vec<PushResult>,
        /// Bytes of the last request and response bodies as sent (before gzip).
        pub last_bytes: (usize, usize),
        /// Requests made so far.
        pub requests: usize,
        /// Body bytes sent and received so far (before gzip).
        pub total_bytes: (usize, usize),
        /// How far this device's clock is ahead of the real time (its `client_time`).
        pub clock_skew: chrono::Duration,
        /// The real time: the system clock, or the server's set clock in a benchmark, so
        /// that a device in step with it measures no clock offset.
        pub clock: onsite_server::clock::Clock,
        http: reqwest::Client,
    }

    impl Client {
        /// Signs in, enrolling a new device.
        pub async fn sign_in(base: &str, login: &str, password: &str) -> anyhow::Result<Self> {
            let http = reqwest::Client::new();
            let device_id = uuid::Uuid::now_v7().to_string();
            let body: serde_json::Value = http
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({"login": login, "password": password, "device_id": device_id, "device_name": login}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            Ok(Self {
                base: base.to_string(),
                token: body["token"].as_str().context("no token")?.to_string(),
                device_id,
                cursor: None,
                docs: BTreeMap::new(),
                removed: vec![],
                last_results: vec![],
                last_bytes: (0, 0),
                requests: 0,
                total_bytes: (0, 0),
                clock_skew: chrono::Duration::zero(),
                clock: onsite_server::clock::Clock::System,
                http,
            })
        }

        /// Adds a new local document.
        pub fn insert(&mut self, id: String, kind: DocKind, doc: AutoCommit) {
            self.docs.insert(
                id,
                Doc {
                    kind,
                    doc,
                    synced: vec![],
                },
            );
        }

        pub fn doc(&mut self, id: &str) -> anyhow::Result<&mut AutoCommit> {
            Ok(&mut self
                .docs
                .get_mut(id)
                .context("no such document on this device")?
                .doc)
        }

        /// The push part of a request: every document with changes the server lacks.
        pub fn pending(&mut self) -> Vec<PushDoc> {
            self.docs
                .iter_mut()
                .filter_map(|(id, d)| {
                    let heads = d.doc.get_heads();
                    if heads == d.synced {
                        return None;
                    }
                    let data = if d.synced.is_empty() {
                        d.doc.save()
                    } else {
                        d.doc.save_after(&d.synced)
                    };
                    Some(PushDoc {
                        doc_id: id.clone(),
                        kind: d.kind,
                        data: B64.encode(data),
                        heads: heads.iter().map(ToString::to_string).collect(),
                    })
                })
                .collect()
        }

        /// Sends one request and returns the raw response without applying it, to
        /// simulate a response lost on the way back.
        pub async fn send(&mut self, push: Vec<PushDoc>) -> anyhow::Result<SyncResponse> {
            let request = SyncRequest {
                cursor: self.cursor,
                push,
                client_time: Some((self.clock.now() + self.clock_skew).to_rfc3339()),
            };
            let body = serde_json::to_vec(&request)?;
            let response = self
                .http
                .post(format!("{}/v1/sync", self.base))
                .bearer_auth(&self.token)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await?;
            let status = response.status();
            let bytes = response.bytes().await?;
            anyhow::ensure!(
                status.is_success(),
                "sync failed: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            self.last_bytes = (body.len(), bytes.len());
            self.requests += 1;
            self.total_bytes.0 += body.len();
            self.total_bytes.1 += bytes.len();
            Ok(serde_json::from_slice(&bytes)?)
        }

        /// Applies a response: merge pulled changes, mark pushes as synced, store the cursor.
        pub fn apply(&mut self, pushed: &[PushDoc], response: SyncResponse) -> anyhow::Result<()> {
            for p in pushed {
                let accepted = response.push_results.iter().any(|r| {
                    matches!(r, PushResult::Accepted { doc_id } | PushResult::Quarantined { doc_id, .. } if *doc_id == p.doc_id)
                });
                if accepted {
                    if let Some(d) = self.docs.get_mut(&p.doc_id) {
                        d.synced = p
                            .heads
                            .iter()
                            .map(|h| h.parse())
                            .collect::<Result<_, _>>()?;
                    }
                }
            }
            for pulled in response.docs {
                let entry = self
                    .docs
                    .entry(pulled.doc_id.clone())
                    .or_insert_with(|| Doc {
                        kind: pulled.kind,
                        doc: AutoCommit::new(),
                        synced: vec![],
                    });
                entry.doc.load_incremental(&B64.decode(&pulled.data)?)?;
                let mut synced: Vec<ChangeHash> = pulled
                    .heads
                    .iter()
                    .map(|h| h.parse())
                    .collect::<Result<_, _>>()?;
                synced.extend(entry.synced.iter().copied());
                entry.synced = synced;
            }
            for removed in &response.removed {
                let pending = self
                    .docs
                    .get_mut(&removed.doc_id)
                    .is_some_and(|d| d.doc.get_heads() != d.synced);
                if !pending {
                    self.docs.remove(&removed.doc_id);
                }
            }
            self.removed.extend(response.removed);
            self.last_results = response.push_results;
            self.cursor = Some(response.cursor);
            Ok(())
        }

        /// The long poll: waits up to `timeout_s` for a change after the device's cursor
        /// and answers whether one came.
        pub async fn wait(&self, timeout_s: u64) -> anyhow::Result<bool> {
            let body: serde_json::Value = self
                .http
                .get(format!("{}/v1/sync/wait", self.base))
                .query(&[
                    ("cursor", self.cursor.unwrap_or(0)),
                    ("timeout_s", timeout_s),
                ])
                .bearer_auth(&self.token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            body["changed"]
                .as_bool()
                .context("no `changed` in the answer")
        }

        /// Syncs until the server has nothing more.
        pub async fn sync(&mut self) -> anyhow::Result<()> {
            loop {
                let push = self.pending();
                let response = self.send(push.clone()).await?;
                let more = response.more;
                self.apply(&push, response)?;
                if !more {
                    return Ok(());
                }
            }
        }
    }
}

pub mod balancer;
pub mod bench_orders;
pub mod desk;
pub mod devices;
pub mod fleet;
pub mod fuzz;
pub mod office_http;
pub mod pg;
pub mod process;
pub mod proxy;
pub mod trust;
