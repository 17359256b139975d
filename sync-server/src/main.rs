//! The `onsite-server` command line: serve, manage users and devices, back up.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use onsite_server::{
    accounts, backup, db, default_data_dir, devices, reference, seed, Config, Server,
};
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
    ///
    /// Settings come from the command line, else the environment, else the config file,
    /// else the defaults (`./onsite-data`, `127.0.0.1:8787`).
    Serve {
        /// A TOML file with `data`, `listen` and `log_json` (see docs/operations.md).
        #[arg(long, env = "ONSITE_CONFIG")]
        config: Option<PathBuf>,
        /// Data folder holding the database and blobs.
        #[arg(long, env = "ONSITE_DATA")]
        data: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, env = "ONSITE_LISTEN")]
        listen: Option<SocketAddr>,
        /// Log as JSON lines, for log collectors.
        #[arg(long, env = "ONSITE_LOG_JSON")]
        log_json: bool,
        /// The reverse proxy's address: sign-in takes the client's address from its
        /// header (below) only on requests from this peer.
        #[arg(long, env = "ONSITE_TRUSTED_PROXY")]
        trusted_proxy: Option<std::net::IpAddr>,
        /// The header the trusted proxy puts the client's address in (default
        /// `x-forwarded-for`; its last address is used).
        #[arg(long, env = "ONSITE_CLIENT_IP_HEADER")]
        client_ip_header: Option<String>,
        /// Seconds between evaluations of the SLA clocks of untouched orders (default 60).
        #[arg(long, env = "ONSITE_SLA_PERIOD_S")]
        sla_period_s: Option<u64>,
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

/// `serve --config FILE`: the same settings as the flags, for running as a service.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    listen: Option<SocketAddr>,
    log_json: Option<bool>,
    trusted_proxy: Option<std::net::IpAddr>,
    client_ip_header: Option<String>,
    sla_period_s: Option<u64>,
}

impl FileConfig {
    fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("in the config file {}", path.display()))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = match &cli.command {
        Command::Serve {
            config: Some(path), ..
        } => FileConfig::read(path)?,
        _ => FileConfig::default(),
    };
    let json = file.log_json.unwrap_or(false)
        || matches!(cli.command, Command::Serve { log_json: true, .. });
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        logs.json().init();
    } else {
        logs.init();
    }

    match cli.command {
        Command::Serve {
            data,
            listen,
            trusted_proxy,
            client_ip_header,
            sla_period_s,
            ..
        } => {
            let trusted_proxy = trusted_proxy.or(file.trusted_proxy).map(|proxy| {
                onsite_server::http::TrustedProxy {
                    proxy,
                    header: client_ip_header
                        .or(file.client_ip_header)
                        .unwrap_or_else(|| "x-forwarded-for".into())
                        .to_ascii_lowercase(),
                }
            });
            let server = Server::bind(&Config {
                data_dir: data
                    .or(file.data)
                    .unwrap_or_else(|| default_data_dir().to_path_buf()),
                listen: listen
                    .or(file.listen)
                    .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8787))),
                trusted_proxy,
                sla_period: sla_period_s
                    .or(file.sla_period_s)
                    .filter(|s| *s > 0)
                    .map(std::time::Duration::from_secs)
                    .unwrap_or(onsite_server::sla_timer::DEFAULT_PERIOD),
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
            let account = db.transaction(|tx| {
                let account = accounts::add(tx, &login, &name, role, password)?;
                if role == onsite_core::role::Role::Technician {
                    // Every technician carries stock; their van exists from day one.
                    let holder = onsite_core::ids::UserId(account.id.parse().map_err(|e| {
                        onsite_server::error::ApiError::internal(format!("new user id: {e}"))
                    })?);
                    reference::ensure_van(
                        tx,
                        holder,
                        &format!("{name} · van"),
                        onsite_core::ids::LocationId(uuid::Uuid::now_v7()),
                    )?;
                }
                Ok(account)
            })?;
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
                    devices::printable(&d.id),
                    devices::printable(&d.user_id),
                    devices::printable(&d.name),
                    devices::printable(&d.enrolled_at)
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
