//! The sync server as a process of its own, for the scenario that SIGKILLs it
//! (`tests/tests/server_kill.rs`): `server_process DATA_DIR ADDR` serves DATA_DIR on
//! ADDR (port 0 picks one) and prints `listening <addr>` once it accepts connections;
//! warnings and errors go to stderr (`RUST_LOG` overrides), which the scenarios read.
//! It is the library's `Server` with the defaults `onsite-server serve` uses; a binary
//! of this crate because an integration test can only start binaries of its own package.

use std::io::Write as _;

use anyhow::Context as _;
use onsite_server::{Config, Server};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let mut args = std::env::args().skip(1);
    let data_dir = args.next().context("usage: server_process DATA_DIR ADDR")?;
    let listen = args
        .next()
        .context("usage: server_process DATA_DIR ADDR")?
        .parse()
        .context("ADDR is not a socket address")?;
    let data_dir = std::path::PathBuf::from(data_dir);
    let server = Server::bind(&Config {
        database: onsite_tests::pg::database_for(&data_dir)?,
        data_dir,
        listen,
        trusted_proxy: None,
        sla_period: onsite_server::sla_timer::DEFAULT_PERIOD,
        clock: onsite_server::clock::Clock::System,
    })
    .await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening {}", server.local_addr()?)?;
    stdout.flush()?;
    // It runs until it is killed: stopping it any other way is not what it is for.
    server.serve(std::future::pending()).await?;
    Ok(())
}
