//! The `onsite-server` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use onsite_server::{default_data_dir, Config, Server};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "onsite-server",
    version,
    about = "Onsite's central office sync server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API from an embedded SQLite data folder.
    Serve {
        /// Data folder holding the database and blobs.
        #[arg(long, env = "ONSITE_DATA", default_value = default_data_dir().as_os_str())]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "ONSITE_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve { data, listen } => {
            let server = Server::bind(&Config {
                data_dir: data,
                listen,
            })
            .await?;
            tracing::info!(addr = %server.local_addr()?, "onsite-server listening");
            server
                .serve(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}
