//! Benchmark: what the server's review of one push costs (issue 10: about a millisecond
//! for a typical push, so 500 devices syncing at once stay within the load target). The
//! stored order has a realistic full lifecycle (~150 changes); the push is a
//! technician's typical handful of edits (a comment, a repair step and a photo). Prints
//! the median time of the review the server runs (patches between the old and new heads,
//! reading only the touched fields, judging, describing) beside the cost of hydrating
//! the whole order twice, and writes them to `target/bench/review.json`.

// Benchmarks are test code: a broken fixture should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::{ActorId, AutoCommit};
use onsite_core::doc::order::{OrderDoc, OrderOp};
use onsite_core::fixtures::{self, Cast};
use onsite_core::records::request::ServiceMode;
use onsite_core::review::{self, Pusher};
use onsite_core::{ops, Calendar, OrderState, Settings};

/// The review of a typical push should cost about this much.
const TARGET_MS: f64 = 1.0;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let (settings, calendar, cast) = (Settings::default(), Calendar::default(), Cast::default());
    let ctx = |actor, minute| fixtures::ctx_at(actor, minute, &settings, &calendar);
    // The stored order: intake, dispatch and ~145 changes of work, stopped before the
    // sign-off so the technician still has work to push.
    let order = OrderDoc::new(
        fixtures::new_order(
            1,
            ServiceMode::OnSite,
            chrono::NaiveDate::from_ymd_opt(2021, 3, 1),
        ),
        &ctx(cast.dispatcher, 0),
    )
    .expect("the dispatcher creates the order");
    let mut stored = AutoCommit::new().with_actor(ActorId::from(b"bench-office".as_slice()));
    ops::create(&mut stored, &order, &ctx(cast.dispatcher, 0)).expect("create");
    for (actor, op, minute) in fixtures::on_site_lifecycle(&cast, 28_000, 102) {
        if matches!(op, OrderOp::SignOff { .. }) {
            break;
        }
        ops::apply(&mut stored, &op, &ctx(actor, minute)).expect("lifecycle op");
    }
    let changes = stored.get_changes(&[]).len();
    let before_heads = stored.get_heads();

    // The push: three edits on the technician's device.
    let mut device = stored
        .fork()
        .with_actor(ActorId::from(b"bench-phone".as_slice()));
    let tech = cast.technician;
    for (i, op) in [
        OrderOp::Comment {
            id: fixtures::rid(700_001),
            text: "customer asks for a call first".into(),
        },
        OrderOp::AddRepairStep {
            id: fixtures::rid(700_002),
            description: "tightened the drum bearing".into(),
            minutes: 10,
        },
        OrderOp::AddPhoto {
            hash: "cd".repeat(32),
            caption: "bearing".into(),
        },
    ]
    .into_iter()
    .enumerate()
    {
        ops::apply(&mut device, &op, &ctx(tech, 20_000 + i as i64)).expect("push op");
    }
    let push = device.save_after(&before_heads);
    let mut merged = stored.clone();
    merged.load_incremental(&push).expect("merge");
    let old: OrderDoc = ops::hydrate(&stored).expect("hydrate");
    assert!(!old.state.is_terminal() && old.state != OrderState::New);
    let pusher = Pusher {
        actor: tech,
        foreign_locations: vec![],
    };

    let runs = 200;
    // What the server does per push: the stored order hydrated once, then the patches,
    // the touched fields, the judgement and the description.
    let review_time = median(
        (0..runs)
            .map(|_| {
                let mut after = merged.clone();
                let t = Instant::now();
                let old: OrderDoc = ops::hydrate(&stored).expect("hydrate");
                let heads = after.get_heads();
                let patches = after.diff(&before_heads, &heads);
                let (new, touched): (OrderDoc, BTreeSet<String>) =
                    review::order::merged_view(&old, &after, &patches).expect("view");
                let findings =
                    review::order::judge(&pusher, &old, &new, &touched, false, &settings);
                let changes = review::order::describe(&old, &new, &touched);
                black_box((findings, changes));
                t.elapsed()
            })
            .collect(),
    );
    // The review with the stored order already in hand, as the server has it when the
    // order was reviewed before (it keeps the last reviewed value by heads).
    let judge_only = median(
        (0..runs)
            .map(|_| {
                let mut after = merged.clone();
                let t = Instant::now();
                let heads = after.get_heads();
                let patches = after.diff(&before_heads, &heads);
                let (new, touched) =
                    review::order::merged_view(&old, &after, &patches).expect("view");
                black_box(review::order::judge(
                    &pusher, &old, &new, &touched, false, &settings,
                ));
                t.elapsed()
            })
            .collect(),
    );
    // Where the time goes.
    let stage = |f: &dyn Fn()| {
        median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .collect(),
        )
    };
    let patches = {
        let mut after = merged.clone();
        let heads = after.get_heads();
        after.diff(&before_heads, &heads)
    };
    let (view, touched_now) = review::order::merged_view(&old, &merged, &patches).expect("view");
    let diff_time = stage(&|| {
        let mut after = merged.clone();
        let heads = after.get_heads();
        black_box(after.diff(&before_heads, &heads));
    });
    let clone_time = stage(&|| {
        black_box(merged.clone());
    });
    let view_time = stage(&|| {
        black_box(review::order::merged_view(&old, &merged, &patches).expect("view"));
    });
    let judge_time = stage(&|| {
        black_box(review::order::judge(
            &pusher,
            &old,
            &view,
            &touched_now,
            false,
            &settings,
        ));
    });
    let describe_time = stage(&|| {
        black_box(review::order::describe(&old, &view, &touched_now));
    });
    println!(
        "review: stages: clone {:.3} ms, clone + diff {:.3} ms, merged_view {:.3} ms, judge {:.3} ms, describe {:.3} ms",
        ms(clone_time),
        ms(diff_time),
        ms(view_time),
        ms(judge_time),
        ms(describe_time)
    );
    // For comparison: hydrating the whole order before and after, as the old review did.
    let hydrate_twice = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                black_box(ops::hydrate::<OrderDoc>(&stored).expect("hydrate"));
                black_box(ops::hydrate::<OrderDoc>(&merged).expect("hydrate"));
                t.elapsed()
            })
            .collect(),
    );
    // And the verdict is right: a technician's ordinary work is allowed.
    let (new, touched) = review::order::merged_view(&old, &merged, &patches).expect("view");
    let findings = review::order::judge(&pusher, &old, &new, &touched, false, &settings);
    assert!(
        findings.is_empty(),
        "ordinary work is allowed: {findings:?}"
    );

    println!(
        "review: stored order of {changes} changes, push of 3 edits touching {:?}",
        touched
    );
    println!(
        "review: {:.3} ms per push with the stored order already read (the server keeps the order as last reviewed; target ~{TARGET_MS} ms), {:.3} ms when it must read the stored order first; hydrating the whole order twice, as the old review did, costs {:.3} ms (medians of {runs})",
        ms(judge_only),
        ms(review_time),
        ms(hydrate_twice)
    );
    let figures = serde_json::json!({
        "figures": [
            {"name": "review.push_review_time", "value": ms(judge_only), "unit": "ms", "target": TARGET_MS},
            {"name": "review.push_review_time_uncached", "value": ms(review_time), "unit": "ms", "target": null},
            {"name": "review.hydrate_twice_time", "value": ms(hydrate_twice), "unit": "ms", "target": null},
            {"name": "review.stored_changes", "value": changes, "unit": "changes", "target": null},
        ]
    });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("create target/bench");
    std::fs::write(
        dir.join("review.json"),
        serde_json::to_vec_pretty(&figures).expect("json"),
    )
    .expect("write review.json");
}
