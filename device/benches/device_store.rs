//! Device store benchmarks against the quality bars: a local order edit committed to
//! SQLite (p50, p99; target p99 < 10 ms), the order list, a filtered search and a
//! full-text search with 10,000 orders (target < 50 ms), a 12 MP photo to 1600 px plus
//! thumbnail (target < 500 ms), and the database size per 1,000 orders. Criterion
//! measures the read paths; percentiles and sizes are measured directly. Figures are
//! printed and written to `target/bench/device_store.json`.

// Benchmarks are test code: a broken fixture should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use criterion::{black_box, Criterion};
use onsite_core::{OrderOp, RecordId};
use onsite_device::fixtures::{epoch, Fixture};
use onsite_device::{OrderFilter, SlaFilter, Store};

struct Figure {
    name: &'static str,
    value: f64,
    unit: &'static str,
    target: String,
}

fn ms(d: StdDuration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[StdDuration], p: f64) -> StdDuration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn median_of(n: usize, mut f: impl FnMut()) -> StdDuration {
    let mut times: Vec<StdDuration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    percentile(&times, 0.5)
}

/// Seeds `n` orders in one batch: all created, every third dispatched, every
/// `visit_every`-th worked through a full visit (12 more edits).
fn seed(store: &mut Store, fx: &Fixture, n: u64, visit_every: u64) -> anyhow::Result<()> {
    store.batch(|s| {
        for i in 0..n {
            let at = epoch() + Duration::minutes(i as i64);
            let new = fx.new_order(i, at);
            let id = new.id;
            s.create_order(new, &fx.ctx(fx.dispatcher, at))?;
            if i % visit_every == 0 {
                for (actor, offset, op) in fx.visit_ops(i, at, &"ab".repeat(32)) {
                    s.apply_order(id, &op, &fx.ctx(actor, at + offset))?;
                }
            } else if i % 3 == 0 {
                let op = OrderOp::Dispatch {
                    assignee: fx.technician.user,
                    window: None,
                };
                s.apply_order(id, &op, &fx.ctx(fx.dispatcher, at))?;
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn file_size(store: &Store, path: &std::path::Path) -> anyhow::Result<u64> {
    store
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let wal = path.with_extension("db-wal");
    Ok(std::fs::metadata(path)?.len() + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0))
}

fn test_photo() -> anyhow::Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([
            (x * 255 / 4000) as u8,
            (y * 255 / 3000) as u8,
            ((x ^ y) & 0xFF) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img)?;
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(StdDuration::from_secs(3))
        .warm_up_time(StdDuration::from_millis(500))
        .configure_from_args();
    let fx = Fixture::default();
    let mut figures = Vec::new();
    let dir = tempfile::tempdir()?;

    // --- 10,000 orders: seeding, list, filtered search, full-text search -----------
    let path = dir.path().join("device.db");
    let mut store = Store::open(&path)?;
    let t = Instant::now();
    seed(&mut store, &fx, 10_000, 50)?;
    let seeded = t.elapsed();
    println!("seeded 10,000 orders in {:.1} s", seeded.as_secs_f64());
    let now = (epoch() + Duration::hours(30)).timestamp_millis();
    let list = OrderFilter {
        limit: 100,
        ..Default::default()
    };
    let filtered = OrderFilter {
        states: vec!["dispatched".into()],
        assignee: Some(fx.technician.user.to_string()),
        sla: Some(SlaFilter::Breached),
        now,
        limit: 100,
        ..Default::default()
    };
    anyhow::ensure!(
        !store.order_list(&filtered)?.is_empty(),
        "the filtered search finds orders"
    );
    anyhow::ensure!(
        !store.search_orders("张伟", 100)?.is_empty(),
        "张伟 is found"
    );
    c.bench_function("order list, 10k orders, first 100", |b| {
        b.iter(|| black_box(store.order_list(&list).map(|r| r.len())))
    });
    c.bench_function("filtered search, 10k orders", |b| {
        b.iter(|| black_box(store.order_list(&filtered).map(|r| r.len())))
    });
    c.bench_function("full-text 张伟, 10k orders", |b| {
        b.iter(|| black_box(store.search_orders("张伟", 100).map(|r| r.len())))
    });
    c.bench_function("full-text phone tail, 10k orders", |b| {
        b.iter(|| black_box(store.search_orders("5678", 100).map(|r| r.len())))
    });
    // A cold open: a fresh connection, first query.
    drop(store);
    let t = Instant::now();
    let mut store = Store::open(&path)?;
    let rows = store.order_list(&list)?;
    let cold = t.elapsed();
    anyhow::ensure!(rows.len() == 100);
    let warm = |f: &mut dyn FnMut()| median_of(51, f);
    let list_ms = ms(warm(&mut || {
        let _ = black_box(store.order_list(&list));
    }));
    let filtered_ms = ms(warm(&mut || {
        let _ = black_box(store.order_list(&filtered));
    }));
    let fts_cn_ms = ms(warm(&mut || {
        let _ = black_box(store.search_orders("张伟", 100));
    }));
    let fts_addr_ms = ms(warm(&mut || {
        let _ = black_box(store.search_orders("北京市朝阳区", 100));
    }));
    let fts_phone_ms = ms(warm(&mut || {
        let _ = black_box(store.search_orders("5678", 100));
    }));
    let target = |t: &str| t.to_string();
    figures.push(Figure {
        name: "order_list_cold_open_10k",
        value: ms(cold),
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "order_list_10k",
        value: list_ms,
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "filtered_search_10k",
        value: filtered_ms,
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "fulltext_search_chinese_name_10k",
        value: fts_cn_ms,
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "fulltext_search_chinese_address_10k",
        value: fts_addr_ms,
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "fulltext_search_phone_tail_10k",
        value: fts_phone_ms,
        unit: "ms",
        target: target("< 50"),
    });
    figures.push(Figure {
        name: "seed_10k_orders_one_batch",
        value: seeded.as_secs_f64(),
        unit: "s",
        target: target("-"),
    });

    // --- local edit committed, on the 10k-order database -----------------------------
    let mut samples = Vec::new();
    for n in 0..600u64 {
        // Orders 3, 6, 9, … are dispatched to the technician; cycle over 60 of them.
        let i = 3 * (1 + n % 60);
        let i = if i % 50 == 0 { i + 3 } else { i };
        let id = fx.new_order(i, epoch()).id;
        let op = if n % 2 == 0 {
            OrderOp::Comment {
                id: RecordId(uuid::Uuid::now_v7()),
                text: format!("第{n}次备注 / note {n}"),
            }
        } else {
            OrderOp::LogContact {
                id: RecordId(uuid::Uuid::now_v7()),
                channel: onsite_core::records::order::ContactChannel::Phone,
                reached: false,
                note: "无人接听 / no answer".into(),
            }
        };
        let ctx = fx.ctx(fx.technician, epoch() + Duration::hours(1));
        let t = Instant::now();
        store.apply_order(id, &op, &ctx)?;
        samples.push(t.elapsed());
    }
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    figures.push(Figure {
        name: "local_edit_committed_p50",
        value: ms(p50),
        unit: "ms",
        target: target("-"),
    });
    figures.push(Figure {
        name: "local_edit_committed_p99",
        value: ms(p99),
        unit: "ms",
        target: target("< 10"),
    });
    figures.push(Figure {
        name: "local_edit_committed_max",
        value: ms(samples[samples.len() - 1]),
        unit: "ms",
        target: target("-"),
    });
    drop(store);

    // --- database size per 1,000 orders ---------------------------------------------
    let size_path = dir.path().join("size.db");
    let mut store = Store::open(&size_path)?;
    seed(&mut store, &fx, 1000, 1)?;
    let full = file_size(&store, &size_path)?;
    drop(store);
    let new_path = dir.path().join("size-new.db");
    let mut store = Store::open(&new_path)?;
    seed(&mut store, &fx, 1000, u64::MAX)?;
    let fresh = file_size(&store, &new_path)?;
    drop(store);
    figures.push(Figure {
        name: "db_size_per_1000_orders_full_visit",
        value: full as f64 / 1e6,
        unit: "MB",
        target: target("-"),
    });
    figures.push(Figure {
        name: "db_size_per_1000_orders_new_or_dispatched",
        value: fresh as f64 / 1e6,
        unit: "MB",
        target: target("-"),
    });

    // --- 12 MP photo ---------------------------------------------------------------
    let photo = test_photo()?;
    let photo_store = Store::open(&dir.path().join("photos.db"))?;
    c.bench_function("12 MP photo to 1600 px + thumbnail", |b| {
        b.iter(|| black_box(onsite_device::media::photo::process(&photo).map(|p| p.jpeg.len())))
    });
    let photo_ms = ms(median_of(7, || {
        let _ = black_box(onsite_device::media::photo::process(&photo));
    }));
    let stored_ms = ms(median_of(5, || {
        let _ = black_box(photo_store.add_photo(&photo));
    }));
    figures.push(Figure {
        name: "photo_12mp_to_1600_plus_thumbnail",
        value: photo_ms,
        unit: "ms",
        target: target("< 500"),
    });
    figures.push(Figure {
        name: "photo_12mp_processed_and_stored",
        value: stored_ms,
        unit: "ms",
        target: target("< 500"),
    });

    // --- report -----------------------------------------------------------------------
    println!("\n{:<44} {:>10}  {:<4} target", "figure", "value", "unit");
    for f in &figures {
        println!(
            "{:<44} {:>10.2}  {:<4} {}",
            f.name, f.value, f.unit, f.target
        );
    }
    let json = serde_json::json!({
        "figures": figures.iter().map(|f| serde_json::json!({
            "name": f.name, "value": f.value, "unit": f.unit, "target": f.target,
        })).collect::<Vec<_>>()
    });
    let out_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench/");
    std::fs::create_dir_all(out_dir)?;
    std::fs::write(
        format!("{out_dir}device_store.json"),
        serde_json::to_vec_pretty(&json)?,
    )?;
    println!("wrote {out_dir}device_store.json");
    c.final_summary();
    Ok(())
}
