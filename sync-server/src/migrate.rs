//! `onsite-server migrate-to postgres://…`: a company moving from one SQLite file to
//! PostgreSQL takes everything with it, rows as they are: accounts, devices and their
//! tokens, documents with their change sequence, every device's cursor and sync ledger,
//! quarantine, indexes, reference data, settings, and the epoch. Devices then sync on
//! as if nothing happened, without downloading again what they hold. Blobs stay in the
//! data folder, which the PostgreSQL server keeps using.

use std::path::Path;

use anyhow::Context as _;

use crate::db::{self, Connection, Value};

/// What was copied: each table's name and row count, in copy order.
#[derive(Debug)]
pub struct Migrated {
    pub tables: Vec<(String, usize)>,
}

/// Copies the SQLite database in `data_dir` into the empty PostgreSQL database at `url`,
/// in one transaction: it is all there, or none of it. Run it with the server stopped.
pub fn to_postgres(data_dir: &Path, url: &str) -> anyhow::Result<Migrated> {
    anyhow::ensure!(db::is_postgres(url), "{url:?} is not a postgres:// URL");
    let file = data_dir.join(db::DB_FILE);
    anyhow::ensure!(file.is_file(), "no SQLite database at {}", file.display());
    let source = db::open(data_dir)?;
    let target = db::open_url(data_dir, Some(url))?;
    let from = source.conn();
    let mut to = target.conn();

    // Tables in the order they were created, which is the order their references need.
    let tables: Vec<String> = from.query_map(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY rowid",
        (),
        |r| r.get(0),
    )?;
    let tx = to.transaction()?;
    for table in &tables {
        let rows: i64 = tx.query_row(&format!("SELECT count(*) FROM {table}"), (), |r| r.get(0))?;
        // The migrations give a new database its identity row; the copy brings the old one.
        let expected = i64::from(table == "server_identity");
        anyhow::ensure!(
            rows <= expected,
            "the PostgreSQL database is not empty: {table} has {rows} rows; migrate into a new database"
        );
    }
    tx.execute("DELETE FROM server_identity", ())?;
    let mut copied = Vec::new();
    for table in tables {
        let n = copy_table(&from, &tx, &table).with_context(|| format!("copying {table}"))?;
        copied.push((table, n));
    }
    // Identity columns continue after the copied ids.
    for (table, column) in [("office_audit", "id"), ("calendar_changes", "id")] {
        tx.execute_batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        ))?;
    }
    tx.commit()?;
    Ok(Migrated { tables: copied })
}

fn copy_table(from: &Connection, to: &Connection, table: &str) -> anyhow::Result<usize> {
    let columns: Vec<String> = from.query_map(
        "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
        [table],
        |r| r.get(0),
    )?;
    let list = columns.join(", ");
    let places: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({list}) VALUES ({})",
        places.join(", ")
    );
    let rows: Vec<Vec<Value>> =
        from.query_map(&format!("SELECT {list} FROM {table}"), (), |r| {
            (0..columns.len()).map(|i| r.get(i)).collect()
        })?;
    for row in &rows {
        let params: Vec<&dyn db::ToValue> = row.iter().map(|v| v as &dyn db::ToValue).collect();
        to.execute(&insert, params.as_slice())?;
    }
    Ok(rows.len())
}
