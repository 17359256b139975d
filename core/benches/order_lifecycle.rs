//! Benchmark: a repair order built through a realistic full on-site lifecycle of about
//! 150 changes (each a domain operation applied as one Automerge change). Prints the
//! saved document size and the load time, and writes them to
//! `target/bench/order_lifecycle.json` at the workspace root. Target: < 30 KB saved.

// Benchmarks are test code: a broken fixture should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::{ActorId, AutoCommit};
use criterion::{BatchSize, Criterion};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures::{self, Cast};
use onsite_core::records::request::ServiceMode;
use onsite_core::{ops, Calendar, Ctx, Settings};

const TARGET_BYTES: usize = 30 * 1024;

/// Repair steps in the script; with parts, contacts, tests, sign-off and follow-up this
/// makes about 150 changes.
const WORK_STEPS: u32 = 102;

fn build(settings: &Settings, calendar: &Calendar) -> (AutoCommit, usize) {
    let cast = Cast::default();
    let ctx = |actor, minute| fixtures::ctx_at(actor, minute, settings, calendar);
    let order = OrderDoc::new(
        fixtures::new_order(
            1,
            ServiceMode::OnSite,
            chrono::NaiveDate::from_ymd_opt(2021, 3, 1),
        ),
        &ctx(cast.dispatcher, 0),
    )
    .expect("the dispatcher creates the order");
    let mut doc = AutoCommit::new().with_actor(ActorId::from(b"bench-device".as_slice()));
    ops::create(&mut doc, &order, &ctx(cast.dispatcher, 0)).expect("create");
    let mut script = fixtures::on_site_lifecycle(&cast, 28_000, WORK_STEPS);
    // Waiting for a part half-way through the repair.
    let hold = fixtures::hold_and_resume(&cast);
    let at = script[40].2;
    script.insert(40, (hold[0].0, hold[0].1.clone(), at));
    script.insert(41, (hold[1].0, hold[1].1.clone(), at + 120));
    for (actor, op, minute) in &script {
        ops::apply(&mut doc, op, &ctx(*actor, *minute))
            .unwrap_or_else(|e| panic!("{} refused: {e}", op.transition().name()));
    }
    let final_state: OrderDoc = ops::hydrate(&doc).expect("hydrate");
    assert_eq!(final_state.state, onsite_core::OrderState::Closed);
    let changes = doc.get_changes(&[]).len();
    (doc, changes)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let settings = Settings::default();
    let calendar = Calendar::default();
    let started = Instant::now();
    let (mut doc, changes) = build(&settings, &calendar);
    let build_time = started.elapsed();
    let saved = doc.save();

    let loads: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            black_box(AutoCommit::load(black_box(&saved)).expect("load"));
            t.elapsed()
        })
        .collect();
    let load = median(loads);
    let hydrates: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let d = AutoCommit::load(&saved).expect("load");
            black_box(ops::hydrate::<OrderDoc>(&d).expect("hydrate"));
            t.elapsed()
        })
        .collect();
    let load_hydrate = median(hydrates);
    let cast = Cast::default();
    let current: OrderDoc = ops::hydrate(&doc).expect("hydrate");
    let comment_ctx = Ctx {
        actor: cast.supervisor,
        now: fixtures::t0() + chrono::Duration::days(3),
        settings: &settings,
        calendar: &calendar,
    };
    let time_apply = |fast: bool| {
        let runs: Vec<Duration> = (0..30u128)
            .map(|i| {
                let mut d = doc.clone();
                let op = OrderOp::Comment {
                    id: fixtures::rid(800_000 + i),
                    text: "checked".into(),
                };
                let t = Instant::now();
                if fast {
                    ops::apply_to_current(&mut d, &current, &op, &comment_ctx).expect("comment");
                } else {
                    ops::apply(&mut d, &op, &comment_ctx).expect("comment");
                }
                t.elapsed()
            })
            .collect();
        median(runs)
    };
    let apply_time = time_apply(false);
    let apply_current_time = time_apply(true);

    println!(
        "order_lifecycle: {changes} changes, saved {} bytes ({:.1} KB; target < 30 KB)",
        saved.len(),
        saved.len() as f64 / 1024.0
    );
    println!("order_lifecycle: apply one op {:.3} ms (hydrate + check + write), apply_to_current {:.3} ms", ms(apply_time), ms(apply_current_time));
    println!("order_lifecycle: load {:.3} ms, load + hydrate {:.3} ms (medians of 50), built in {:.0} ms", ms(load), ms(load_hydrate), ms(build_time));

    let figures = serde_json::json!({
        "figures": [
            {"name": "order_lifecycle.changes", "value": changes, "unit": "changes", "target": 150},
            {"name": "order_lifecycle.saved_size", "value": saved.len(), "unit": "bytes", "target": TARGET_BYTES},
            {"name": "order_lifecycle.load_time", "value": ms(load), "unit": "ms", "target": null},
            {"name": "order_lifecycle.load_hydrate_time", "value": ms(load_hydrate), "unit": "ms", "target": null},
            {"name": "order_lifecycle.apply_op_time", "value": ms(apply_time), "unit": "ms", "target": null},
            {"name": "order_lifecycle.apply_op_to_current_time", "value": ms(apply_current_time), "unit": "ms", "target": null},
        ]
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("create target/bench");
    std::fs::write(
        dir.join("order_lifecycle.json"),
        serde_json::to_vec_pretty(&figures).expect("json"),
    )
    .expect("write order_lifecycle.json");
    assert!(
        saved.len() < TARGET_BYTES,
        "saved order is {} bytes, over the 30 KB target",
        saved.len()
    );

    let mut c = Criterion::default().configure_from_args();
    c.bench_function("order_lifecycle/load", |b| {
        b.iter(|| AutoCommit::load(black_box(&saved)))
    });
    c.bench_function("order_lifecycle/load_and_hydrate", |b| {
        b.iter(|| {
            let d = AutoCommit::load(black_box(&saved)).expect("load");
            ops::hydrate::<OrderDoc>(&d).expect("hydrate")
        })
    });
    c.bench_function("order_lifecycle/apply_comment", |b| {
        let mut n = 0u128;
        b.iter_batched(
            || doc.clone(),
            |mut d| {
                n += 1;
                let ctx = Ctx {
                    actor: cast.supervisor,
                    now: fixtures::t0() + chrono::Duration::days(3),
                    settings: &settings,
                    calendar: &calendar,
                };
                ops::apply(
                    &mut d,
                    &OrderOp::Comment {
                        id: fixtures::rid(900_000 + n),
                        text: "checked".into(),
                    },
                    &ctx,
                )
                .expect("comment")
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("order_lifecycle/apply_comment_to_current", |b| {
        let mut n = 0u128;
        b.iter_batched(
            || doc.clone(),
            |mut d| {
                n += 1;
                let ctx = Ctx {
                    actor: cast.supervisor,
                    now: fixtures::t0() + chrono::Duration::days(3),
                    settings: &settings,
                    calendar: &calendar,
                };
                ops::apply_to_current(
                    &mut d,
                    &current,
                    &OrderOp::Comment {
                        id: fixtures::rid(950_000 + n),
                        text: "checked".into(),
                    },
                    &ctx,
                )
                .expect("comment")
            },
            BatchSize::SmallInput,
        )
    });
    c.final_summary();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
