//! The `onsite-server` command line: serve, manage users and devices, back up.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use onsite_server::{accounts, backup, db, default_data_dir, devices, seed, Config, Server};
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

#[derive(Args)]
struct DataArg {
    /// Data folder holding the database and blobs.
    #[arg(long, env = "ONSITE_DATA", default_value = default_data_dir().as_os_str())]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API from the data folder.
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on.
        #[arg(long, env = "ONSITE_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Log as JSON lines, for log collectors.
        #[arg(long, env = "ONSITE_LOG_JSON")]
        log_json: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Fill a new data folder with a demo office: staff for every role and orders in
    /// every state. Every demo password is `onsite-demo`.
    SeedDemo {
        #[command(flatten)]
        data: DataArg,
    },
    /// Copy the database to a new file; safe while the server is serving.
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The backup file to create.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        login: String,
        /// technician, dispatcher, support, supervisor or storekeeper.
        #[arg(long)]
        role: String,
        /// The name shown in the app, e.g. "李伟".
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List enrolled devices.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Revoke a device's token, e.g. for a lost phone.
    Revoke {
        id: String,
        #[command(flatten)]
        data: DataArg,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let json = matches!(cli.command, Command::Serve { log_json: true, .. });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }

    match cli.command {
        Command::Serve { data, listen, .. } => {
            let server = Server::bind(&Config {
                data_dir: data.data,
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
        Command::User(UserCommand::Add {
            login,
            role,
            name,
            data,
        }) => {
            let role = accounts::parse_role(&role)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let db = db::open(&data.data)?;
            let account = accounts::add(&db.conn(), &login, &name, role, password)?;
            println!(
                "added {} ({}) as {}",
                account.login,
                account.id,
                accounts::role_name(role)
            );
        }
        Command::Device(DeviceCommand::List { data }) => {
            let db = db::open(&data.data)?;
            for d in devices::list(&db.conn(), None)? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {}  {}  {}  {state}",
                    d.id, d.user_id, d.name, d.enrolled_at
                );
            }
        }
        Command::Device(DeviceCommand::Revoke { id, data }) => {
            let db = db::open(&data.data)?;
            if !devices::revoke(&db.conn(), &id)? {
                anyhow::bail!("no device {id}");
            }
            println!("revoked {id}");
        }
        Command::SeedDemo { data } => {
            let db = db::open(&data.data)?;
            let report = db.transaction(|tx| seed::seed(tx, chrono::Utc::now()))?;
            println!(
                "seeded {} users and {} orders; every password is {}",
                report.users,
                report.orders,
                seed::DEMO_PASSWORD
            );
        }
        Command::Backup { data, out } => {
            backup::run(&data.data, &out)?;
            println!("backed up to {}", out.display());
        }
    }
    Ok(())
}
