//! Benchmark: rendering the service report of a signed order with 6 photos (1600×1200
//! JPEGs, the device's largest) and a drawn signature, as the phone does offline (issue
//! 16: under 1 s). Prints the median of several renders against the target and writes
//! `target/bench/report.json`.

// Benchmarks are test code: a broken fixture should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use onsite_report::{render, sample, Lang, ReportInput};

const TARGET_MS: f64 = 1000.0;

fn main() {
    let s = sample::order(6).expect("the sample order");
    let input = ReportInput {
        order: &s.order,
        settings: &s.settings,
        utc_offset_minutes: 480,
        people: &s.people,
        blobs: &s.blobs,
        lang: Lang::ZhCn,
    };
    // The first render parses the font once per process; it is counted separately.
    let start = Instant::now();
    let first = render(&input).expect("render");
    let cold = start.elapsed();
    let mut times: Vec<Duration> = (0..9)
        .map(|_| {
            let start = Instant::now();
            let r = render(&input).expect("render");
            assert_eq!(r.pdf, first.pdf, "every render gives the same bytes");
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(times[times.len() / 2]);
    println!(
        "report: 6 photos, {} pages, {} KB: {median:.1} ms median of {} (first in the process {:.1} ms), target < {TARGET_MS} ms",
        first.pages,
        first.pdf.len() / 1024,
        times.len(),
        ms(cold)
    );
    let figures = serde_json::json!({
        "figures": [
            {"name": "report.six_photos_time", "value": median, "unit": "ms", "target": TARGET_MS},
            {"name": "report.six_photos_first_time", "value": ms(cold), "unit": "ms", "target": TARGET_MS},
            {"name": "report.six_photos_size", "value": first.pdf.len() / 1024, "unit": "KB", "target": null},
        ]
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("create target/bench");
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_vec_pretty(&figures).expect("json"),
    )
    .expect("write report.json");
}
