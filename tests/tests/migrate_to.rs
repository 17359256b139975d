//! `onsite-server migrate-to`: a company's SQLite server moves into PostgreSQL. Every
//! row of every table arrives as it was (documents with their change sequence,
//! accounts, device tokens, every device's cursor and sync ledger, the epoch), and the
//! devices sync on against the PostgreSQL server without downloading again what they
//! hold. Runs in the PostgreSQL pass of `scripts/test.sh` (it needs
//! `ONSITE_TEST_POSTGRES`).

use std::collections::BTreeMap;
use std::path::Path;

use onsite_server::db::{Connection, Value};
use onsite_tests::fleet::{self, Company, Edit};
use onsite_tests::{pg, TestServer};

const PASSWORD: &str = "correct horse";

/// Every table's rows, each as its values' debug text, sorted: comparable across the
/// engines, whatever order each returns rows in.
fn all_rows(
    conn: &Connection,
    tables: &BTreeMap<String, Vec<String>>,
) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    for (table, columns) in tables {
        let sql = format!("SELECT {} FROM {table}", columns.join(", "));
        let mut rows: Vec<String> = conn.query_map(&sql, (), |r| {
            let row: Vec<Value> = (0..columns.len())
                .map(|i| r.get(i))
                .collect::<Result<_, _>>()?;
            Ok(format!("{row:?}"))
        })?;
        rows.sort();
        out.insert(table.clone(), rows);
    }
    Ok(out)
}

/// The SQLite server's tables and their columns.
fn tables(data: &Path) -> anyhow::Result<BTreeMap<String, Vec<String>>> {
    let db = onsite_server::db::open(data)?;
    let conn = db.conn();
    let names: Vec<String> = conn.query_map(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        (),
        |r| r.get(0),
    )?;
    let mut out = BTreeMap::new();
    for name in names {
        let columns = conn.query_map(
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
            [&name],
            |r| r.get(0),
        )?;
        out.insert(name, columns);
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_moves_to_postgres_with_every_row_and_its_devices_sync_on() -> anyhow::Result<()>
{
    let server = TestServer::start_sqlite().await?;
    let dir = tempfile::tempdir()?;
    let (mut company, mut rng) = (Company::default(), fastrand::Rng::with_seed(fleet::seed()));
    let mut crew = fleet::crew(
        server.data.path(),
        &server.url(""),
        dir.path(),
        &mut company,
        &mut rng,
        3,
        PASSWORD,
    )
    .await?;
    // Some work on each phone, synced, so the ledger, cursors and audit have rows.
    for (tech, id) in crew.techs.iter_mut().zip(&crew.orders) {
        let op = fleet::filler_op(&mut rng, tech.actor);
        anyhow::ensure!(matches!(
            tech.edit(&mut company, id, &op)?,
            Edit::Committed(_)
        ));
        tech.sync.sync(&mut tech.store).await?;
    }
    crew.office.sync.sync(&mut crew.office.store).await?;
    let (data, addr) = server.stop_keeping_data().await?;

    let tables = tables(data.path())?;
    let before = {
        let db = onsite_server::db::open(data.path())?;
        let rows = all_rows(&db.conn(), &tables)?;
        rows
    };
    let url = pg::new_database()?;
    let migrated = onsite_server::migrate::to_postgres(data.path(), &url)?;
    anyhow::ensure!(
        migrated.tables.len() == tables.len(),
        "every table copied: {migrated:?}"
    );
    let after = {
        let db = onsite_server::db::open_url(data.path(), Some(&url))?;
        let rows = all_rows(&db.conn(), &tables)?;
        rows
    };
    for (table, rows) in &before {
        assert_eq!(
            Some(rows),
            after.get(table),
            "table {table} arrives row for row"
        );
    }
    assert!(!before["documents"].is_empty() && !before["sync_sent"].is_empty());
    assert!(
        onsite_server::migrate::to_postgres(data.path(), &url).is_err(),
        "a second copy into the same database is refused"
    );

    // The same data folder (its blobs) served from PostgreSQL, on the same address.
    pg::remember(data.path(), &url)?;
    let server = TestServer::start_on(data, addr).await?;
    assert_eq!(server.db.engine(), onsite_server::db::EngineKind::Postgres);
    for device in crew
        .techs
        .iter_mut()
        .chain(std::iter::once(&mut crew.office))
    {
        let report = device.sync.sync(&mut device.store).await?;
        assert_eq!(
            report.pulled, 0,
            "{} downloads nothing again: {report:?}",
            device.label
        );
    }
    // And work goes on: the office's edit reaches the technician through PostgreSQL.
    let op = fleet::filler_op(&mut rng, crew.office.actor);
    anyhow::ensure!(matches!(
        crew.office.edit(&mut company, &crew.orders[0], &op)?,
        Edit::Committed(_)
    ));
    crew.office.sync.sync(&mut crew.office.store).await?;
    let tech = &mut crew.techs[0];
    let report = tech.sync.sync(&mut tech.store).await?;
    assert_eq!(
        report.pulled, 1,
        "the technician gets the office's edit: {report:?}"
    );
    let mut devices = crew.techs;
    devices.push(crew.office);
    fleet::assert_converged(server.data.path(), &mut devices)?;
    server.stop().await
}
