//! The database a test server runs on: SQLite in its data folder, or, when the run
//! names a PostgreSQL server in `ONSITE_TEST_POSTGRES` (`scripts/pg.sh` starts one), a
//! fresh database of its own there. Its URL is kept in the data folder, so a server
//! restarted on the same folder finds the same database.

use std::path::Path;

/// The variable naming the PostgreSQL server the scenarios run on.
pub const ENV: &str = "ONSITE_TEST_POSTGRES";

/// Where a data folder remembers its PostgreSQL database.
const URL_FILE: &str = "database-url";

/// What the file says of a data folder kept on SQLite whatever the run's engine.
const SQLITE: &str = "sqlite";

/// The database URL for a test server in `data`, making the database on first use;
/// `None` for SQLite.
pub fn database_for(data: &Path) -> anyhow::Result<Option<String>> {
    let file = data.join(URL_FILE);
    if let Ok(url) = std::fs::read_to_string(&file) {
        return Ok((url != SQLITE).then_some(url));
    }
    if std::env::var(ENV).is_err() {
        return Ok(None);
    }
    let url = new_database()?;
    remember(data, &url)?;
    Ok(Some(url))
}

/// Keeps the server in `data` on SQLite, whatever the run's engine.
pub fn keep_on_sqlite(data: &Path) -> anyhow::Result<()> {
    remember(data, SQLITE)
}

/// Makes the server in `data` use the database at `url` from its next start.
pub fn remember(data: &Path, url: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(data)?;
    std::fs::write(data.join(URL_FILE), url)?;
    Ok(())
}

/// A new, empty database on the run's PostgreSQL server, and its URL.
pub fn new_database() -> anyhow::Result<String> {
    let admin = std::env::var(ENV).map_err(|_| anyhow::anyhow!("{ENV} is not set"))?;
    let name = format!("onsite_{}", uuid::Uuid::now_v7().simple());
    // On a thread of its own: the postgres client may not start inside a runtime.
    std::thread::scope(|s| {
        s.spawn(|| -> anyhow::Result<()> {
            let mut client = postgres::Client::connect(&admin, postgres::NoTls)?;
            client.batch_execute(&format!("CREATE DATABASE {name}"))?;
            Ok(())
        })
        .join()
        .map_err(|_| anyhow::anyhow!("creating a test database panicked"))?
    })?;
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .ok_or_else(|| anyhow::anyhow!("{ENV} is not a postgres:// URL: {admin}"))?;
    Ok(format!("{base}/{name}"))
}

/// Where a benchmark writes its figures: `target/bench/NAME.json` on SQLite, and
/// `NAME-postgres.json` when the run's servers are on PostgreSQL, so the two engines'
/// figures stand side by side.
pub fn bench_file(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench");
    match std::env::var(ENV) {
        Ok(_) => format!("{dir}/{name}-postgres.json"),
        Err(_) => format!("{dir}/{name}.json"),
    }
}

/// Opens the database of the test server in `data`, as the server does.
pub fn open(data: &Path) -> anyhow::Result<onsite_server::db::Db> {
    onsite_server::db::open_url(data, database_for(data)?.as_deref())
}
