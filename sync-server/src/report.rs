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
    for row in q.query_map((), |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
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
fn find(conn: &crate::db::Connection, number: &str) -> anyhow::Result<Option<OrderDoc>> {
    let mut found = None;
    conn.for_each(
        "SELECT id, data FROM documents WHERE kind = 'order'",
        (),
        |row| {
            let id: String = row.get(0)?;
            let data: Vec<u8> = row.get(1)?;
            let doc = automerge::AutoCommit::load(&data)
                .with_context(|| format!("loading order document {id}"))?;
            let order: OrderDoc =
                ops::hydrate(&doc).with_context(|| format!("reading order document {id}"))?;
            let go_on = order.number != number;
            if !go_on {
                found = Some(order);
            }
            Ok::<_, anyhow::Error>(go_on)
        },
    )?;
    Ok(found)
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;
    use onsite_core::lifecycle::OrderState;
    use onsite_core::role::Role;

    use crate::office::kpi;

    /// The demo office in a fresh data folder, and its orders.
    fn demo() -> anyhow::Result<(tempfile::TempDir, Vec<OrderDoc>)> {
        let dir = tempfile::tempdir()?;
        let db = db::open(dir.path())?;
        db.transaction(|tx| crate::seed::seed(tx, chrono::Utc::now()))?;
        let conn = db.conn();
        let mut q = conn.prepare("SELECT data FROM documents WHERE kind = 'order'")?;
        let orders = q
            .query_map((), |r| r.get::<_, Vec<u8>>(0))?
            .map(|data| {
                let doc = automerge::AutoCommit::load(&data?)?;
                Ok(ops::hydrate::<OrderDoc>(&doc)?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((dir, orders))
    }

    #[test]
    fn the_report_command_renders_a_signed_order_from_the_office_copy() -> anyhow::Result<()> {
        let (dir, orders) = demo()?;
        let signed = orders
            .iter()
            .find(|o| o.sign_off.is_some())
            .context("the demo office has a signed order")?;
        let out = dir.path().join("report.pdf");
        let done = run(dir.path(), &signed.number, "zh-CN", &out)?;
        let pdf = std::fs::read(&out)?;
        assert!(pdf.starts_with(b"%PDF-"), "a PDF was written");
        assert_eq!(done.bytes, pdf.len());
        // The demo seeds no blobs: its photos and signature are said to be missing.
        assert_eq!(
            done.blobs_missing,
            onsite_report::blobs_wanted(signed).len()
        );
        let again = dir.path().join("again.pdf");
        run(dir.path(), &signed.number, "zh-CN", &again)?;
        assert!(
            std::fs::read(&again)? == pdf,
            "the same order gives the same bytes"
        );
        assert!(
            run(dir.path(), "WO-NONE", "zh-CN", &again).is_err(),
            "an unknown number is refused"
        );
        assert!(
            run(dir.path(), &signed.number, "fr", &again).is_err(),
            "so is a language we do not write"
        );
        Ok(())
    }

    #[test]
    fn the_kpi_rows_follow_the_office_copy_and_only_the_office_roles_may_ask() -> anyhow::Result<()>
    {
        let (dir, orders) = demo()?;
        let db = db::open(dir.path())?;
        let conn = db.conn();
        let now = chrono::Utc::now();
        let report = kpi::report(&conn, &Default::default(), now)?;
        let counted = orders
            .iter()
            .filter(|o| o.state != OrderState::Cancelled)
            .count();
        assert_eq!(
            report.overall.orders as usize, counted,
            "every order not cancelled is counted"
        );
        let completed = orders
            .iter()
            .filter(|o| {
                o.history.iter().any(|h| {
                    matches!(
                        h.to,
                        OrderState::SignedOff | OrderState::ShippedBack | OrderState::Closed
                    )
                })
            })
            .count();
        assert_eq!(report.overall.completion.count as usize, completed);
        assert_eq!(
            kpi::catch_up(&conn, now)?,
            0,
            "nothing changed since: nothing is read again"
        );
        // A document saved again is read again.
        conn.execute(
            "UPDATE documents SET seq = (SELECT MAX(seq) + 1 FROM documents)
             WHERE id = (SELECT id FROM documents WHERE kind = 'order' LIMIT 1)",
            (),
        )?;
        assert_eq!(kpi::catch_up(&conn, now)?, 1);
        for role in [Role::Dispatcher, Role::Supervisor] {
            assert!(kpi::may_view(role).is_ok(), "{role} may see the KPIs");
        }
        for role in [Role::Technician, Role::Support, Role::Storekeeper] {
            let err = kpi::may_view(role).expect_err("refused");
            assert_eq!(err.code, "errors.kpi.not_permitted", "{role} is refused");
        }
        Ok(())
    }
}
