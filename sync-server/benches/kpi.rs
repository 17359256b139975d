//! Benchmark: the KPI query over 50,000 orders (issue 16: under 500 ms). The office
//! holds 50,000 order rows and 2,000 complaint rows in `kpi_rows`, up to date with the
//! change sequence, as they stand after the first query indexed them: the figure is what
//! each later query costs (load every row, compute every figure overall and per
//! technician, model and month). It also measures what indexing costs per changed order
//! document (hydrating real documents saved through the server's own code), which a query
//! pays once for each order changed since the previous one. Writes
//! `target/bench/kpi.json`.

// Benchmarks are test code: a broken fixture should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use automerge::AutoCommit;
use chrono::Duration as Span;
use onsite_core::doc::order::OrderDoc;
use onsite_core::doc::DocKind;
use onsite_core::fixtures::{self, Scenario};
use onsite_core::kpi::{self, Granularity, KpiQuery};
use onsite_core::lifecycle::OrderState;
use onsite_core::ops;
use onsite_core::records::request::ServiceMode;
use onsite_server::office::kpi as office_kpi;
use onsite_server::sync::docs::{self, StoredDoc};

const ORDERS: usize = 50_000;
const COMPLAINTS: usize = 2_000;
const TARGET_MS: f64 = 500.0;
const INDEXED_DOCS: usize = 300;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = onsite_server::db::open(dir.path()).expect("open the server database");
    let mut conn = db.conn();

    // One real closed order's row, varied into 50,000 over a year, 12 technicians and 30
    // models: the same shape and sizes as the rows the server reads off documents.
    let mut s = Scenario::new(ServiceMode::OnSite, true);
    s.drive_to(OrderState::Closed).expect("the happy path");
    let base = kpi::order_row(&s.order, &s.settings, &s.calendar, s.now);
    let tx = conn.transaction().expect("tx");
    {
        let mut insert = tx
            .prepare("INSERT INTO kpi_rows (doc_id, kind, seq, row) VALUES (?1, ?2, 0, ?3)")
            .expect("insert");
        for i in 0..ORDERS {
            let mut row = base.clone();
            let shift = Span::minutes((i as i64 * 10_513) % (365 * 24 * 60)) - Span::days(365);
            row.id = fixtures::uuid(1_000_000 + i as u128).to_string();
            row.technician = Some(fixtures::uuid(100 + (i % 12) as u128).to_string());
            row.model = format!("WM-{}", 8000 + i % 30);
            row.serial = format!("SN{:08}", i % 40_000);
            row.parts = vec![(format!("BR-{}", 21 + i % 7), 1 + (i % 3) as u32)];
            let at = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t + shift);
            row.received_at += shift;
            row.dispatched_at = at(row.dispatched_at);
            row.contacted_at = at(row.contacted_at);
            row.arrived_at = at(row.arrived_at);
            row.repaired_at = at(row.repaired_at);
            row.completed_at = at(row.completed_at);
            row.closed_at = at(row.closed_at);
            if i % 9 == 0 {
                row.state = OrderState::InRepair;
                row.completed_at = None;
                row.closed_at = None;
            }
            insert
                .execute(onsite_server::params![
                    row.id,
                    "order",
                    postcard::to_stdvec(&row).unwrap()
                ])
                .expect("insert row");
        }
        for i in 0..COMPLAINTS {
            let row = kpi::ComplaintRow {
                id: fixtures::uuid(9_000_000 + i as u128).to_string(),
                order: Some(fixtures::uuid(1_000_000 + (i * 25) as u128).to_string()),
                received_at: base.received_at - Span::days((i % 365) as i64),
                cause: Some(["repair_quality", "timeliness", "fee"][i % 3].to_string()),
                follow_up_scores: vec![(1 + i % 5) as u8],
                clocks: vec![],
            };
            insert
                .execute(onsite_server::params![
                    row.id,
                    "complaint",
                    postcard::to_stdvec(&row).unwrap()
                ])
                .expect("insert complaint");
        }
    }
    tx.commit().expect("commit");

    let now = s.now;
    let query = KpiQuery {
        granularity: Granularity::Month,
        from: None,
        to: None,
    };
    // The first query also records the change sequence it is up to date with.
    let first = office_kpi::report(&conn, &query, now).expect("kpi");
    assert_eq!(first.overall.orders as usize, ORDERS, "every order counted");
    let mut times: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let r = office_kpi::report(&conn, &query, now).expect("kpi");
            assert_eq!(r.overall.orders as usize, ORDERS);
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(times[times.len() / 2]);

    // Where the time goes: loading the rows, and computing the figures from them.
    let median_of = |f: &mut dyn FnMut()| {
        let mut t: Vec<Duration> = (0..7)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        t.sort();
        ms(t[t.len() / 2])
    };
    let load = median_of(&mut || {
        office_kpi::rows(&conn).expect("rows");
    });
    let (orders, complaints) = office_kpi::rows(&conn).expect("rows");
    let calendar = onsite_server::company::calendar(&conn).expect("calendar");
    let compute = median_of(&mut || {
        kpi::compute(&orders, &complaints, &calendar, &query, now);
    });

    // Indexing: real order documents saved as the server saves them, then read into rows.
    for i in 0..INDEXED_DOCS {
        let mut s = Scenario::new(ServiceMode::OnSite, true);
        s.drive_to(OrderState::Closed).expect("the happy path");
        s.order.id = onsite_core::ids::OrderId(fixtures::uuid(5_000_000 + i as u128));
        let mut doc = AutoCommit::new();
        let ctx = onsite_core::Ctx {
            actor: s.cast.dispatcher,
            now: s.now,
            settings: &s.settings,
            calendar: &s.calendar,
        };
        ops::create::<OrderDoc>(&mut doc, &s.order, &ctx).expect("create");
        let mut stored = StoredDoc {
            id: s.order.id.to_string(),
            kind: DocKind::Order,
            doc,
            owner: None,
        };
        docs::save(&conn, &mut stored).expect("save");
    }
    let start = Instant::now();
    let read = office_kpi::catch_up(&conn, now).expect("catch up");
    let per_doc = ms(start.elapsed()) / read.max(1) as f64;
    assert_eq!(read, INDEXED_DOCS);

    println!(
        "kpi: {ORDERS} orders and {COMPLAINTS} complaints, monthly breakdowns: {median:.1} ms median of {} (target < {TARGET_MS} ms): loading the rows {load:.1} ms, computing {compute:.1} ms; indexing a changed order document costs {per_doc:.2} ms",
        times.len()
    );
    let figures = serde_json::json!({
        "figures": [
            {"name": "kpi.query_50k_orders_time", "value": median, "unit": "ms", "target": TARGET_MS},
            {"name": "kpi.query_load_rows_time", "value": load, "unit": "ms", "target": null},
            {"name": "kpi.query_compute_time", "value": compute, "unit": "ms", "target": null},
            {"name": "kpi.index_per_changed_order", "value": per_doc, "unit": "ms", "target": null},
        ]
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).expect("create target/bench");
    std::fs::write(
        out.join("kpi.json"),
        serde_json::to_vec_pretty(&figures).expect("json"),
    )
    .expect("write kpi.json");
}
