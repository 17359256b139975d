//! Helpers for the cross-crate scenarios in `tests/`: a real `onsite-server` on loopback
//! with a shutdown handle, and an HTTP client for it.

use std::net::SocketAddr;

use onsite_server::{Config, Server};

/// A server running on `127.0.0.1:0` in this process, with its own data folder. Dropping
/// it without `stop` leaves the task to die with the test runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    pub data: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start() -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let server = Server::bind(&Config {
            data_dir: data.path().to_path_buf(),
            listen: "127.0.0.1:0".parse()?,
        })
        .await?;
        let addr = server.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        Ok(Self {
            addr,
            data,
            stop,
            task,
        })
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
        let db = onsite_server::db::open(self.data.path())?;
        let account = onsite_server::accounts::add(&db.conn(), login, name, role, password)?;
        Ok(account)
    }

    /// Stops the server gracefully and reports how its task ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }
}
