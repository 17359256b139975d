//! The `onsite-server` command line: serve, manage users and devices, back up.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use onsite_server::office::{audit, people};
#[cfg(feature = "demo")]
use onsite_server::seed;
use onsite_server::{accounts, backup, db, default_data_dir, devices, restore, Config, Server};
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
    /// The database: `sqlite` (the default: `server.db` in the data folder) or a
    /// `postgres://…` URL.
    #[arg(long, env = "ONSITE_DATABASE_URL")]
    database: Option<String>,
}

impl DataArg {
    fn open(&self) -> anyhow::Result<db::Db> {
        db::open_url(&self.data, self.database.as_deref())
    }

    /// Refuses a command that copies the SQLite file when the data is in PostgreSQL,
    /// naming the tool that does it there.
    fn sqlite_only(&self, command: &str, instead: &str) -> anyhow::Result<()> {
        match &self.database {
            Some(url) if db::is_postgres(url) => anyhow::bail!(
                "`{command}` copies the SQLite database; this server's data is in PostgreSQL: \
                 use {instead} for the database and copy the data folder's blobs \
                 (docs/operations.md, \"PostgreSQL\")"
            ),
            _ => Ok(()),
        }
    }
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
        /// The database: `sqlite` (default) or a `postgres://…` URL.
        #[arg(long, env = "ONSITE_DATABASE_URL")]
        database: Option<String>,
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
    /// Create the first supervisor of a new company on an empty server; the password is
    /// read from standard input. Refused once the server has a supervisor.
    Init {
        #[command(flatten)]
        data: DataArg,
        /// The supervisor's sign-in name.
        #[arg(long)]
        login: String,
        /// The name shown in the app, e.g. "刘洋".
        #[arg(long)]
        name: String,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Fill a new data folder with a demo office: staff for every role and orders in
    /// every state. Every demo password is `onsite-demo`. Only in builds with the
    /// `demo` feature (the default).
    #[cfg(feature = "demo")]
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
    /// Restore the database from a backup, with the server stopped. The current database
    /// is set aside, and the server gets a new epoch so devices send again what it lacks.
    Restore {
        #[command(flatten)]
        data: DataArg,
        /// The backup file made by `onsite-server backup`.
        #[arg(long)]
        from: PathBuf,
        /// The blob folder to bring back too (by default `FROM.blobs/`, which `backup`
        /// writes beside the database); blobs already in the data folder are kept.
        #[arg(long)]
        blobs: Option<PathBuf>,
    },
    /// Give the server a new epoch, with every replica stopped, after its database was
    /// brought back by other means than `restore` (pg_restore, a standby promoted past
    /// lost writes): devices then send again what the restored copy lacks.
    NewEpoch {
        #[command(flatten)]
        data: DataArg,
    },
    /// Copy this server's SQLite database into a new, empty PostgreSQL database, with
    /// the server stopped; then serve with `--database URL`. Devices sync on without
    /// downloading again what they hold. Blobs stay in the data folder.
    MigrateTo {
        /// The PostgreSQL database: `postgres://user:password@host:port/database`.
        url: String,
        /// Data folder holding the SQLite database and the blobs.
        #[arg(long, env = "ONSITE_DATA", default_value = default_data_dir().as_os_str())]
        data: PathBuf,
    },
    /// Write the service report (服务报告) PDF of one order from the server's copy.
    Report {
        #[command(flatten)]
        data: DataArg,
        /// The order number, e.g. WO-2026-000123.
        #[arg(long)]
        order: String,
        /// The PDF file to write.
        #[arg(long)]
        out: PathBuf,
        /// The customer's language: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
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
    /// List every account.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Disable an account and revoke all its devices (never the last supervisor).
    Disable {
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Enable a disabled account (its old devices stay revoked).
    Enable {
        login: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Give an account another role; its devices are revoked so it signs in again.
    Role {
        login: String,
        /// technician, dispatcher, support, supervisor or storekeeper.
        role: String,
        #[command(flatten)]
        data: DataArg,
    },
    /// Set a new password, read from standard input.
    Password {
        login: String,
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
    database: Option<String>,
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
            database,
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
                database: database.or(file.database),
                listen: listen
                    .or(file.listen)
                    .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8787))),
                trusted_proxy,
                sla_period: sla_period_s
                    .or(file.sla_period_s)
                    .filter(|s| *s > 0)
                    .map(std::time::Duration::from_secs)
                    .unwrap_or(onsite_server::sla_timer::DEFAULT_PERIOD),
                clock: onsite_server::clock::Clock::System,
            })
            .await?;
            tracing::info!(addr = %server.local_addr()?, "onsite-server listening");
            server
                .serve(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Init { data, login, name } => {
            let password = read_password()?;
            let db = data.open()?;
            let user = db
                .transaction(|tx| people::init(tx, &login, &name, &password, chrono::Utc::now()))?;
            println!(
                "created the first supervisor {} ({}); sign in at the desk to add everyone else",
                user.login, user.id
            );
        }
        Command::User(UserCommand::Add {
            login,
            role,
            name,
            data,
        }) => {
            let role = accounts::parse_role(&role)?;
            let password = read_password()?;
            let db = data.open()?;
            let new = onsite_core::office::NewUser {
                login,
                name,
                role,
                password,
            };
            // The same operation as the desk's, so a technician gets their van.
            let user = db.transaction(|tx| {
                people::add_user(tx, audit::COMMAND_LINE, &new, chrono::Utc::now())
            })?;
            println!(
                "added {} ({}) as {}",
                user.login,
                user.id,
                accounts::role_name(role)
            );
        }
        Command::User(UserCommand::List { data }) => {
            let db = data.open()?;
            for u in people::users(&db.conn())? {
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!(
                    "{}  {}  {}  {}  {state}",
                    devices::printable(&u.id),
                    devices::printable(&u.login),
                    devices::printable(&u.name),
                    u.role.as_str()
                );
            }
        }
        Command::User(UserCommand::Disable { login, data }) => {
            let db = data.open()?;
            let user = db.transaction(|tx| {
                let user = people::user_by_login(tx, &login)?;
                people::disable(tx, audit::COMMAND_LINE, &user.id, chrono::Utc::now())
            })?;
            println!("disabled {} and revoked its devices", user.login);
        }
        Command::User(UserCommand::Enable { login, data }) => {
            let db = data.open()?;
            let user = db.transaction(|tx| {
                let user = people::user_by_login(tx, &login)?;
                people::enable(tx, audit::COMMAND_LINE, &user.id, chrono::Utc::now())
            })?;
            println!("enabled {}", user.login);
        }
        Command::User(UserCommand::Role { login, role, data }) => {
            let role = accounts::parse_role(&role)?;
            let db = data.open()?;
            let user = db.transaction(|tx| {
                let user = people::user_by_login(tx, &login)?;
                people::set_role(tx, audit::COMMAND_LINE, &user.id, role, chrono::Utc::now())
            })?;
            println!("{} is now {}", user.login, user.role.as_str());
        }
        Command::User(UserCommand::Password { login, data }) => {
            let password = read_password()?;
            let db = data.open()?;
            db.transaction(|tx| {
                let user = people::user_by_login(tx, &login)?;
                people::reset_password(
                    tx,
                    audit::COMMAND_LINE,
                    &user.id,
                    &password,
                    chrono::Utc::now(),
                )
            })?;
            println!("set a new password for {login}");
        }
        Command::Device(DeviceCommand::List { data }) => {
            let db = data.open()?;
            for d in people::devices(&db.conn())? {
                let state = if d.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}  {}  {}  {}  last seen {}  {state}",
                    devices::printable(&d.id),
                    devices::printable(&d.user_name),
                    devices::printable(&d.name),
                    devices::printable(&d.enrolled_at),
                    devices::printable(d.last_seen_at.as_deref().unwrap_or("never"))
                );
            }
        }
        Command::Device(DeviceCommand::Revoke { id, data }) => {
            let db = data.open()?;
            db.transaction(|tx| {
                people::revoke_device(tx, audit::COMMAND_LINE, &id, chrono::Utc::now())
            })?;
            println!("revoked {id}");
        }
        #[cfg(feature = "demo")]
        Command::SeedDemo { data } => {
            let db = data.open()?;
            let report = db.transaction(|tx| seed::seed(tx, chrono::Utc::now()))?;
            println!(
                "seeded {} users and {} orders; every password is {}",
                report.users,
                report.orders,
                seed::DEMO_PASSWORD
            );
        }
        Command::Backup { data, out } => {
            data.sqlite_only("backup", "pg_dump")?;
            let done = backup::run(&data.data, &out)?;
            println!(
                "backed up to {} and {} ({} blobs; the orders reference {}, of which {} no device has uploaded yet)",
                out.display(),
                done.blobs.display(),
                done.blobs_copied,
                done.referenced,
                done.not_uploaded
            );
        }
        Command::NewEpoch { data } => {
            let epoch = db::new_epoch(&data.open()?.conn())?;
            println!(
                "the server's epoch is now {epoch}; devices send what it lacks on their next sync"
            );
        }
        Command::MigrateTo { url, data } => {
            let done = onsite_server::migrate::to_postgres(&data, &url)?;
            for (table, rows) in &done.tables {
                println!("{table}: {rows} rows");
            }
            println!(
                "copied into PostgreSQL; now serve with --database (or `database` in the config \
                 file) and the same --data, which keeps the blobs"
            );
        }
        Command::Restore { data, from, blobs } => {
            data.sqlite_only("restore", "pg_restore")?;
            // The blob folder the backup wrote beside the database, unless told otherwise.
            let beside = backup::blob_folder(&from);
            let blobs = blobs.or_else(|| beside.is_dir().then_some(beside));
            let done = restore::run(&data.data, &from, blobs.as_deref())?;
            if let Some(aside) = &done.set_aside {
                println!("the replaced database is kept in {}", aside.display());
            }
            println!(
                "restored from {}; new epoch {}; {} blobs copied in. Devices send what the restored server lacks on their next sync.",
                from.display(),
                done.epoch,
                done.blobs_copied
            );
        }
        Command::Report {
            data,
            order,
            out,
            lang,
        } => {
            let done = onsite_server::report::run(&data.data, &order, &lang, &out)?;
            println!(
                "wrote {} ({} pages, {} bytes{})",
                out.display(),
                done.pages,
                done.bytes,
                if done.blobs_missing > 0 {
                    format!(
                        "; {} photos or signatures not on the server",
                        done.blobs_missing
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(())
}

/// A password from standard input, without its line ending, as scripts pipe it in.
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}
