//! `onsite-server report`: the service report (服务报告) PDF of one order from the
//! office copy, by the same code the devices render it with (`onsite-report`), for
//! scripted use and checks. Photos and the signature come from the server's blob store.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use onsite_core::doc::order::OrderDoc;
use onsite_core::ops;
use onsite_report::{Lang, ReportInput};

use crate::blobs::{BlobStore, BLOB_DIR};
use crate::{company, db};

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// Pages.
    pub pages: usize,
    /// Bytes.
    pub bytes: usize,
    /// Photos or the signature the server does not hold (the report says so).
    pub blobs_missing: usize,
}

/// Renders the report of the order numbered `number` in `lang` into `out`.
pub fn run(data_dir: &Path, number: &str, lang: &str, out: &Path) -> anyhow::Result<Written> {
    let lang = Lang::parse(lang).with_context(|| format!("{lang:?} is not zh-CN or en"))?;
    let db = db::open(data_dir)?;
    let conn = db.conn();
    let order = find(&conn, number)?.with_context(|| format!("no order numbered {number}"))?;
    let rules = company::rules(&conn)?;
    let mut people = HashMap::new();
    let mut q = conn.prepare("SELECT id, name FROM users")?;
    for row in q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, name) = row?;
        people.insert(id, name);
    }
    let store = BlobStore::new(data_dir.join(BLOB_DIR));
    let mut blobs = HashMap::new();
    let mut missing = 0;
    for hash in onsite_report::blobs_wanted(&order) {
        match store.size(&hash) {
            Ok(Some(size)) => {
                blobs.insert(hash.clone(), store.read(&hash, 0, size)?);
            }
            _ => missing += 1,
        }
    }
    let report = onsite_report::render(&ReportInput {
        order: &order,
        settings: &rules.for_order_doc(&order).settings,
        utc_offset_minutes: rules.calendar.utc_offset_minutes,
        people: &people,
        blobs: &blobs,
        lang,
    })?;
    std::fs::write(out, &report.pdf).with_context(|| format!("writing {}", out.display()))?;
    Ok(Written {
        pages: report.pages,
        bytes: report.pdf.len(),
        blobs_missing: missing,
    })
}

/// The order numbered `number` in the office copy (read one by one: a command-line
/// look-up, not a hot path).
fn find(conn: &rusqlite::Connection, number: &str) -> anyhow::Result<Option<OrderDoc>> {
    let mut q = conn.prepare("SELECT id, data FROM documents WHERE kind = 'order'")?;
    let mut rows = q.query([])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let data: Vec<u8> = row.get(1)?;
        let doc = automerge::AutoCommit::load(&data)
            .with_context(|| format!("loading order document {id}"))?;
        let order: OrderDoc =
            ops::hydrate(&doc).with_context(|| format!("reading order document {id}"))?;
        if order.number == number {
            return Ok(Some(order));
        }
    }
    Ok(None)
}
